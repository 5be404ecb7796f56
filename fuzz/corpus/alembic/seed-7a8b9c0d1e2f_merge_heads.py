"""merge tax and notes branches"""
revision = "7a8b9c0d1e2f"
down_revision = ("5e6f7a8b9c0d", "6f7a8b9c0d1e")


def upgrade():
    pass


def downgrade():
    pass
