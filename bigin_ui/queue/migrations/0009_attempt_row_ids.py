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


def row_ids_to_links(apps, schema_editor):
    """The reverse: one AttemptRow per row of each attempt again, in data[] order. Rows
    deleted since are left out, as their links would have been deleted with them."""
    Attempt = apps.get_model("queue", "Attempt")
    AttemptRow = apps.get_model("queue", "AttemptRow")
    Row = apps.get_model("queue", "Row")
    pending = []

    def flush():
        ids = {pk for _, row_ids in pending for pk in row_ids}
        alive = set(Row.objects.filter(pk__in=ids).values_list("pk", flat=True))
        AttemptRow.objects.bulk_create(
            [AttemptRow(attempt_id=attempt_id, row_id=row_id, index=index)
             for attempt_id, row_ids in pending
             for index, row_id in enumerate(row_ids) if row_id in alive],
            batch_size=1000)
        pending.clear()

    attempts = Attempt.objects.order_by("pk").values_list("pk", "row_ids")
    for attempt_id, row_ids in attempts.iterator(chunk_size=2000):
        if row_ids:
            pending.append((attempt_id, row_ids))
        if sum(len(ids) for _, ids in pending) >= 5000:
            flush()
    if pending:
        flush()


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
        migrations.RunPython(links_to_row_ids, row_ids_to_links),
        migrations.RemoveField(model_name="attempt", name="rows"),
        migrations.DeleteModel(name="AttemptRow"),
    ]
