from django.db import migrations, models


def fill_slugs(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    for p in Product.objects.filter(slug__isnull=True):
        p.slug = p.sku.lower()
        p.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_product_slug")]

    operations = [
        migrations.RunPython(fill_slugs, reverse_code=migrations.RunPython.noop),
        migrations.AlterField(model_name="product", name="slug", field=models.SlugField(unique=True)),
    ]
