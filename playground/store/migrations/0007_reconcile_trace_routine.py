# The nodes' heartbeats kept apart among the reconcile records (playground/runtime/recorder.py)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0006_change_time'),
    ]

    operations = [
        migrations.AddField(
            model_name='reconciletrace',
            name='routine',
            field=models.BooleanField(default=False),
        ),
    ]
