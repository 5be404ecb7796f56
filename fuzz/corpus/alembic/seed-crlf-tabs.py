revision = 'x'
down_revision = None
def upgrade():
	op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Text, nullable=False, server_default="x"))
	op.create_index("i", "t", ["a"], unique=True, postgresql_concurrently=True)
	op.create_foreign_key("fk", "t", "u", ["a"], ["b"])
	op.alter_column("t", "a", existing_type=sa.Text(), type_=sa.String(10))
	op.drop_index("i", table_name="t")
