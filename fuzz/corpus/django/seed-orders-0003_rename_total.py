from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_order_status")]

    operations = [
        migrations.RenameField(model_name="order", old_name="total", new_name="amount"),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.CheckConstraint(condition=models.Q(amount__gte=0), name="order_amount_positive"),
        ),
    ]
