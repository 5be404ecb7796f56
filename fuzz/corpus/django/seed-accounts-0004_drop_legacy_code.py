from django.db import migrations


class Migration(migrations.Migration):
    """Release N+1: drop the column nobody reads any more."""

    dependencies = [("accounts", "0003_deprecate_legacy_code")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # compat: breaking (reason: release 2024.10 removed Account.legacy_code from the model)
                migrations.RunSQL(
                    "ALTER TABLE accounts_account DROP COLUMN legacy_code",
                    reverse_sql="ALTER TABLE accounts_account ADD COLUMN legacy_code varchar(20)",
                ),
            ],
        ),
    ]
