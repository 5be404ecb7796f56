from django.db import migrations, models
from django.conf import settings

class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL), ("accounts", "__first__")]
    replaces = [("accounts", "0001_x")]
    operations = [
        migrations.CreateModel(name="Ü", fields=[("id", models.BigAutoField(primary_key=True)), ("a", models.ForeignKey(to="accounts.Ü", on_delete=models.CASCADE, db_column="é")), ("m", models.ManyToManyField("self"))], options={"db_table": "ü_t", "unique_together": {("a", "id")}}),
        migrations.RenameModel("Ü", "V"),
        migrations.AlterField("v", "a", models.IntegerField(null=False, db_default=1)),
        migrations.RenameField(model_name="v", old_name="a", new_name="b"),
        migrations.AlterUniqueTogether(name="v", unique_together=set()),
        migrations.AddIndex(model_name="v", index=models.Index(fields=["b"], name="i")),
        migrations.AlterModelTable("v", None),
        migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField("v", "b")], database_operations=[]),
        migrations.RunSQL(["ALTER TABLE x DROP COLUMN y", ("SELECT %s", [1])], reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(lambda a, s: None),
        # compat: breaking (reason: ok)
        migrations.DeleteModel("V"),
    ]
