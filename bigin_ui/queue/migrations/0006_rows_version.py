"""SQLite: a version of the rows, changed by triggers with every change the lists can count
(and with the metadata, whose fingerprint Review's groups carry).

queue/counts_cache.py remembers the list pages' counts until this version changes. Only on
SQLite: PostgreSQL's snapshot serves as the version there, with no write at all.
"""

from django.db import migrations

# Every column a list filters, counts or searches by; claims, leases and timestamps the
# engine writes on its own do not change what a list counts.
COUNTED = ("owner_id, status, hold, module, error_code, error_field, created_at, payload, "
           "error_message, hold_reason, unique_key, bigin_id")
BUMP = "UPDATE queue_rowsversion SET n = random() WHERE id = 1;"

FORWARD = [
    "CREATE TABLE queue_rowsversion (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    "INSERT INTO queue_rowsversion (id, n) VALUES (1, random())",
    f"CREATE TRIGGER queue_rowsversion_insert AFTER INSERT ON queue_row BEGIN {BUMP} END",
    f"CREATE TRIGGER queue_rowsversion_delete AFTER DELETE ON queue_row BEGIN {BUMP} END",
    f"CREATE TRIGGER queue_rowsversion_update AFTER UPDATE OF {COUNTED} ON queue_row "
    f"BEGIN {BUMP} END",
    # The owner filter matches usernames.
    f"CREATE TRIGGER queue_rowsversion_user AFTER UPDATE OF username ON auth_user "
    f"BEGIN {BUMP} END",
    # Review's cause groups carry the metadata's fingerprint (their fields' labels).
    f"CREATE TRIGGER queue_rowsversion_metadata_insert AFTER INSERT ON metadata_modulemetadata "
    f"BEGIN {BUMP} END",
    f"CREATE TRIGGER queue_rowsversion_metadata_update AFTER UPDATE ON metadata_modulemetadata "
    f"BEGIN {BUMP} END",
    f"CREATE TRIGGER queue_rowsversion_metadata_delete AFTER DELETE ON metadata_modulemetadata "
    f"BEGIN {BUMP} END",
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS queue_rowsversion_metadata_insert",
    "DROP TRIGGER IF EXISTS queue_rowsversion_metadata_update",
    "DROP TRIGGER IF EXISTS queue_rowsversion_metadata_delete",
    "DROP TRIGGER IF EXISTS queue_rowsversion_user",
    "DROP TRIGGER IF EXISTS queue_rowsversion_update",
    "DROP TRIGGER IF EXISTS queue_rowsversion_delete",
    "DROP TRIGGER IF EXISTS queue_rowsversion_insert",
    "DROP TABLE IF EXISTS queue_rowsversion",
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
        ("queue", "0005_owner_module_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("metadata", "0002_record_names"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
