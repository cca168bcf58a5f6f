"""The claim index: a run's pending rows of one module in id order (PostgreSQL sorted them all)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('queue', '0009_attempt_row_ids'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='row',
            name='queue_row_run_id_d4a2b4_idx',
        ),
        migrations.AddIndex(
            model_name='row',
            index=models.Index(fields=['run', 'status', 'module', 'id'], name='row_run_status_module'),
        ),
    ]
