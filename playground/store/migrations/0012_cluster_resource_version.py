from django.db import migrations, models


def continue_from_the_shared_counter(apps, schema_editor):
    """Each cluster counts on from the one counter all shared: above every version it handed out."""
    counter = apps.get_model("store", "ResourceVersionCounter").objects.filter(id=1).first()
    if counter is not None:
        apps.get_model("store", "Cluster").objects.update(resource_version=counter.value)


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0011_cluster_clock_used'),
    ]

    operations = [
        migrations.AddField(
            model_name='cluster',
            name='resource_version',
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(continue_from_the_shared_counter, migrations.RunPython.noop),
    ]
