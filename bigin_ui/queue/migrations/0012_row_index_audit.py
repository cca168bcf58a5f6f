"""Three indexes of the rows table that other indexes already serve, dropped.

- ``run_id`` alone: ``row_run_status_module`` (run, status, module, id) starts with it;
- ``owner_id`` alone: ``row_owner_created`` (owner, created_at, id) and the other owner
  indexes start with it;
- ``(status, module)``: a status alone is served by ``row_status_created`` and
  ``row_review_cause_created``; no list filters on a status and a module together without
  the owner (``row_owner_*``) or a cause (``row_review_cause_created``).

On PostgreSQL every UPDATE that changes an indexed column writes a new entry in each index of
the table (the claim, the outcome, start_run taking rows into its run): 18 indexes, now 15.
The foreign keys lose their index through the state only, with the indexes dropped by name:
AlterField on SQLite rebuilds the table, which loses its triggers (0006, 0008).
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models.deletion import PROTECT, SET_NULL

FK_INDEXES = {"queue_row_run_id_041ba20f": "run_id", "queue_row_owner_id_b90c9c69": "owner_id"}


class Migration(migrations.Migration):

    dependencies = [
        ("queue", "0011_row_text_trigram"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="row",
                    name="run",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=SET_NULL, related_name="rows",
                                            to="queue.submissionrun"),
                ),
                migrations.AlterField(
                    model_name="row",
                    name="owner",
                    field=models.ForeignKey(db_index=False, on_delete=PROTECT,
                                            related_name="bigin_rows",
                                            to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  f"CREATE INDEX {name} ON queue_row ({column})")
                for name, column in FK_INDEXES.items()
            ],
        ),
        migrations.RemoveIndex(model_name="row", name="queue_row_status_1ac820_idx"),
    ]
