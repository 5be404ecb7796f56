"""indexes created through a local helper"""
from alembic import op
import sqlalchemy as sa

revision = "b1e2f3a4b5c6"
down_revision = "a0d1e2f3a4b5"


def _index(table, column):
    op.create_index(f"ix_{table}_{column}", table, [column])


def upgrade():
    _index("invoices", "status")
    _index("invoices", "currency")


def downgrade():
    op.drop_index("ix_invoices_currency", table_name="invoices")
    op.drop_index("ix_invoices_status", table_name="invoices")
