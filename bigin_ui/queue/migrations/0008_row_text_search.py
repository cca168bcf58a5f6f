"""Searches find their rows through indexes instead of reading every row in scope.

SQLite: ``queue_row_text``, an FTS5 table with the trigram tokenizer over the columns a
search reads (payload, error_message, hold_reason, unique_key), holding no copy of the text
(external content: it reads queue_row) and kept in step by triggers. It answers "which rows
may contain this text" for any text of three characters or more (queue.listing). The update
trigger fires only when one of those columns really changes, so the engine's status writes
never touch it; a new row costs about 0.1 ms more to write. Also, for every database: an
index on bigin_id, the search's exact match.
"""

from django.db import migrations, models

COLUMNS = "payload, error_message, hold_reason, unique_key"
NEW = "new.id, new.payload, new.error_message, new.hold_reason, new.unique_key"
OLD = "old.id, old.payload, old.error_message, old.hold_reason, old.unique_key"
ADD = f"INSERT INTO queue_row_text (rowid, {COLUMNS}) VALUES ({NEW});"
REMOVE = (f"INSERT INTO queue_row_text (queue_row_text, rowid, {COLUMNS}) "
          f"VALUES ('delete', {OLD});")
CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in COLUMNS.split(", "))

FORWARD = [
    f"CREATE VIRTUAL TABLE queue_row_text USING fts5({COLUMNS}, content='queue_row', "
    "content_rowid='id', tokenize='trigram')",
    # Each writing transaction adds a small segment to the index, and by default FTS5 merges
    # them four at a time: inserting into an index of 200,000 rows then cost 0.3 ms a row,
    # mostly merging. Sixteen at a time: 0.09 ms a row, and searches as fast.
    "INSERT INTO queue_row_text (queue_row_text, rank) VALUES ('automerge', 16)",
    "INSERT INTO queue_row_text (queue_row_text) VALUES ('rebuild')",
    f"CREATE TRIGGER queue_row_text_insert AFTER INSERT ON queue_row BEGIN {ADD} END",
    f"CREATE TRIGGER queue_row_text_delete AFTER DELETE ON queue_row BEGIN {REMOVE} END",
    f"CREATE TRIGGER queue_row_text_update AFTER UPDATE OF {COLUMNS} ON queue_row "
    f"WHEN {CHANGED} BEGIN {REMOVE} {ADD} END",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS queue_row_text_update",
    "DROP TRIGGER IF EXISTS queue_row_text_delete",
    "DROP TRIGGER IF EXISTS queue_row_text_insert",
    "DROP TABLE IF EXISTS queue_row_text",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in statements:
            schema_editor.execute(statement)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("queue", "0007_run_helpers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="row",
            index=models.Index(fields=["bigin_id"], name="row_bigin_id"),
        ),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
