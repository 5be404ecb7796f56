from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("catalog", "0001_initial"), ("catalog", "0002_product_slug"), ("catalog", "0003_product_slug_unique")]
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
                ("slug", models.SlugField(unique=True)),
            ],
            options={"db_table": "catalog_products"},
        ),
    ]
