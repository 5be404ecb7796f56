from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        # Django 5 db_default: a real database default, safe for the previous version.
        migrations.AddField(
            model_name="account",
            name="locale",
            field=models.CharField(max_length=10, db_default="en"),
        ),
        migrations.AlterField(
            model_name="account",
            name="display_name",
            field=models.CharField(max_length=100, null=True, help_text="Shown in the UI", blank=True),
        ),
    ]
