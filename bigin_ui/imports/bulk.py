"""Inserting many rows of one model with a single prepared statement.

An import writes 100,000 rows, their history and their lines. ``bulk_create`` spends most of
its time preparing every field of every object through the ORM, and on SQLite splits the work
into statements of 999 parameters (37 rows of a Row). Here the fields that are the same for
every object (defaults, the batch's timestamps) are prepared once through the ORM's own
fields, the ones that differ once per object, and the database gets one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


def insert_many(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT one row per mapping (field attname → value); other fields take their defaults.

    A field whose default is computed and must differ per row (a unique UUID) has to be
    given in every mapping: one default for the whole batch would be a duplicate.
    """
    if not rows:
        return
    meta = model._meta
    given = set(rows[0])
    template = model()
    columns: list[str] = []
    constant: dict[str, Any] = {}
    varying: list[models.Field] = []
    for field in meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField):
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in given:
            varying.append(field)
            continue
        if field.unique and callable(field.default) and field.default is not NOT_PROVIDED:
            raise ValueError(f"{meta.label}.{field.name} must be given for every row.")
        # pre_save fills auto_now/auto_now_add for the whole batch; get_db_prep_save adapts
        # the value to this database as save() would.
        constant[field.attname] = field.get_db_prep_save(field.pre_save(template, add=True),
                                                         connection)
    order = [f.attname for f in meta.concrete_fields
             if not (f.primary_key and isinstance(f, models.AutoField))]
    params = []
    for row in rows:
        prepared = dict(constant)
        for field in varying:
            prepared[field.attname] = field.get_db_prep_save(row[field.attname], connection)
        params.append([prepared[name] for name in order])
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({placeholders})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
