from django.db import migrations


class Migration(migrations.Migration):
    """Release N: the model forgets legacy_code; the column stays for the previous version."""

    dependencies = [("accounts", "0002_account_locale")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="account", name="legacy_code"),
            ],
        ),
    ]
