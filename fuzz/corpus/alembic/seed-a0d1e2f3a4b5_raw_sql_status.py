"""raw SQL: add a status value, drop a legacy column with an override"""
from alembic import op
import sqlalchemy as sa

revision = "a0d1e2f3a4b5"
down_revision = "9c0d1e2f3a4b"


def upgrade():
    op.execute("ALTER TYPE invoice_status ADD VALUE IF NOT EXISTS 'void'")
    op.execute(
        sa.text(
            "-- compat: breaking (reason: release 2024.09 stopped reading tax_rates.country)\n"
            "ALTER TABLE tax_rates DROP COLUMN country"
        )
    )


def downgrade():
    raise NotImplementedError("tax_rates.country cannot be restored")
