from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]

    operations = [
        # default= is Python-side: Django drops it right after adding the column.
        migrations.AddField(
            model_name="order",
            name="status",
            field=models.CharField(max_length=20, default="pending"),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_order_status_idx ON orders_order (status)",
            reverse_sql="DROP INDEX IF EXISTS orders_order_status_idx",
        ),
    ]
