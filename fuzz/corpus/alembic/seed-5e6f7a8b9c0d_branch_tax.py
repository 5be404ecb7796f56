"""tax rates (branch A)"""
from alembic import op
import sqlalchemy as sa

revision = "5e6f7a8b9c0d"
down_revision = "4d5e6f7a8b9c"


def upgrade():
    op.create_table(
        "tax_rates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("country", sa.CHAR(2), nullable=False),
        sa.Column("rate", sa.Numeric(5, 2), nullable=False),
    )


def downgrade():
    op.drop_table("tax_rates")
