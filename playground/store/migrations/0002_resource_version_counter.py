from django.db import migrations


def create_counter(apps, schema_editor):
    apps.get_model("store", "ResourceVersionCounter").objects.get_or_create(id=1, defaults={"value": 0})


class Migration(migrations.Migration):
    dependencies = [("store", "0001_initial")]
    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
