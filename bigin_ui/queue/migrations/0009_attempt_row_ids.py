"""Attempts name their rows themselves (claim + row_ids) instead of through AttemptRow."""

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Concat


def links_to_row_ids(apps, schema_editor):
    """Each old attempt gets a claim of its own ("a<pk>"), appended to its rows' claims, and
    its rows in data[] order: the row pages show the same calls as before."""
    Attempt = apps.get_model("queue", "Attempt")
    AttemptRow = apps.get_model("queue", "AttemptRow")
    Row = apps.get_model("queue", "Row")
    ordered = AttemptRow.objects.order_by("attempt_id", "index").values_list("attempt_id",
                                                                             "row_id")
    current, ids = None, []

    def flush(attempt_id, row_ids):
        claim = f"a{attempt_id}"
        Attempt.objects.filter(pk=attempt_id).update(claim=claim, row_ids=row_ids)
        text = models.TextField()
        Row.objects.filter(pk__in=row_ids).update(claims=Concat(
            Coalesce(F("claims"), Value(""), output_field=text), Value(f" {claim}"),
            output_field=text))

    for attempt_id, row_id in ordered.iterator(chunk_size=5000):
        if attempt_id != current:
            if current is not None:
                flush(current, ids)
            current, ids = attempt_id, []
        ids.append(row_id)
    if current is not None:
        flush(current, ids)


class Migration(migrations.Migration):

    dependencies = [
        ("queue", "0008_row_text_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="attempt",
            name="claim",
            field=models.CharField(blank=True, db_index=True, max_length=32),
        ),
        migrations.AddField(
            model_name="attempt",
            name="row_ids",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="row",
            name="claims",
            field=models.TextField(blank=True, null=True),
        ),
        migrations.RunPython(links_to_row_ids, migrations.RunPython.noop),
        migrations.RemoveField(model_name="attempt", name="rows"),
        migrations.DeleteModel(name="AttemptRow"),
    ]
