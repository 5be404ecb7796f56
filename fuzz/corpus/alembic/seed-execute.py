from alembic import op
import sqlalchemy as sa
revision = "1"
down_revision = None
TABLE = "t"

def upgrade():
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN a")
    op.execute("-- compat: breaking (reason: é)\n" "ALTER TABLE t ALTER COLUMN b SET NOT NULL")
    op.execute(sa.text("""
        ALTER TABLE t RENAME COLUMN c TO d;
        DO $$ BEGIN EXECUTE 'x'; END $$;
    """))
    op.execute(rb"SELECT '\\x'")
    with op.batch_alter_table("t", schema="s") as b:
        b.alter_column("e", new_column_name="f", nullable=False, type_=sa.BigInteger())
        b.drop_constraint("c", type_="unique")
    helper()


def helper():
    op.drop_table("x")  # compat: breaking (reason: )


def downgrade():
    pass
