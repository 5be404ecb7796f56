"""add customer phone (expand)"""
from alembic import op
import sqlalchemy as sa

revision = "3c4d5e6f7a8b"
down_revision = "2b3c4d5e6f7a"


def upgrade():
    op.add_column("customers", sa.Column("phone", sa.String(32), nullable=True))
    with op.get_context().autocommit_block():
        op.create_index("ix_customers_phone", "customers", ["phone"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_column("customers", "phone")
