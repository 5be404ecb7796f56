from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Product",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("sku", models.CharField(max_length=40)),
                ("title", models.CharField(max_length=200)),
                ("price", models.DecimalField(max_digits=10, decimal_places=2)),
            ],
            options={"db_table": "catalog_products"},
        ),
    ]
