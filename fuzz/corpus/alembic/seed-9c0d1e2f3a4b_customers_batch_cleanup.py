"""batch cleanup of customers"""
from alembic import op
import sqlalchemy as sa

revision = "9c0d1e2f3a4b"
down_revision = "8b9c0d1e2f3a"


def upgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(10), nullable=False, server_default="en"))
        batch_op.alter_column("full_name", new_column_name="display_name")


def downgrade():
    with op.batch_alter_table("customers") as batch_op:
        batch_op.alter_column("display_name", new_column_name="full_name")
        batch_op.drop_column("locale")
