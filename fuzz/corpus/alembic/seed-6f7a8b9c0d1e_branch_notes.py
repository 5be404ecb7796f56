"""invoice notes (branch B)"""
from alembic import op
import sqlalchemy as sa

revision = "6f7a8b9c0d1e"
down_revision = "4d5e6f7a8b9c"


def upgrade():
    op.add_column("invoices", sa.Column("notes", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("invoices", "notes")
