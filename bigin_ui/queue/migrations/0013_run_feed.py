"""A run takes its rows from the queue as it claims them (SubmissionRun.feed)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('queue', '0012_row_index_audit'),
    ]

    operations = [
        migrations.AddField(
            model_name='submissionrun',
            name='feed',
            field=models.JSONField(blank=True, null=True),
        ),
    ]
