"""payments table and a unique reference on invoices"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "c2f3a4b5c6d7"
down_revision = "b1e2f3a4b5c6"


def upgrade():
    op.create_table(
        "payments",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("meta", postgresql.JSONB(), nullable=True),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name="fk_payments_invoice"),
    )
    op.add_column("invoices", sa.Column("reference", sa.String(40), nullable=True))
    op.create_unique_constraint("uq_invoices_reference", "invoices", ["reference"])


def downgrade():
    op.drop_constraint("uq_invoices_reference", "invoices", type_="unique")
    op.drop_column("invoices", "reference")
    op.drop_table("payments")
