"""invoice currency with a server default (expand)"""
from alembic import op
import sqlalchemy as sa

revision = "4d5e6f7a8b9c"
down_revision = "3c4d5e6f7a8b"


def upgrade():
    op.add_column("invoices", sa.Column("currency", sa.CHAR(3), nullable=False, server_default="EUR"))
    op.alter_column("invoices", "total_cents", type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade():
    op.alter_column("invoices", "total_cents", type_=sa.Integer(), existing_type=sa.BigInteger())
    op.drop_column("invoices", "currency")
