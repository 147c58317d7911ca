# The simulated time of each change-log entry (store.api._commit writes it), and the nodes'
# heartbeats kept apart among the reconcile records

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0005_reconcile_traces'),
    ]

    operations = [
        migrations.AddField(
            model_name='change',
            name='written',
            field=models.FloatField(null=True),
        ),
        migrations.AddField(
            model_name='reconciletrace',
            name='routine',
            field=models.BooleanField(default=False),
        ),
    ]
