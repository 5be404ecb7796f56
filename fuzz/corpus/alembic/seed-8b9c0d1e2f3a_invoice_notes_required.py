"""require invoice notes (contract)"""
from alembic import op
import sqlalchemy as sa

revision = "8b9c0d1e2f3a"
down_revision = "7a8b9c0d1e2f"


def upgrade():
    op.execute("UPDATE invoices SET notes = '' WHERE notes IS NULL")
    op.alter_column("invoices", "notes", existing_type=sa.Text(), nullable=False)


def downgrade():
    op.alter_column("invoices", "notes", existing_type=sa.Text(), nullable=True)
