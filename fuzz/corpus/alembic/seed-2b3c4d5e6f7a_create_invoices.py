"""create invoices"""
from alembic import op
import sqlalchemy as sa

revision = "2b3c4d5e6f7a"
down_revision = "1a2b3c4d5e6f"


def upgrade():
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("status", sa.Enum("draft", "open", "paid", name="invoice_status"), nullable=False, server_default="draft"),
        sa.Column("total_cents", sa.Integer(), nullable=False),
    )
    op.create_index(op.f("ix_invoices_customer_id"), "invoices", ["customer_id"])


def downgrade():
    op.drop_index(op.f("ix_invoices_customer_id"), table_name="invoices")
    op.drop_table("invoices")
    op.execute("DROP TYPE invoice_status")
