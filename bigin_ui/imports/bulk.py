"""Inserting many rows of one model with a single prepared statement.

An import writes 100,000 rows, their history and their lines. ``bulk_create`` spends most of
its time preparing every field of every object through the ORM, and on SQLite splits the work
into statements of 999 parameters (37 rows of a Row). Here the fields that are the same for
every object (defaults, the batch's timestamps) are prepared once through the ORM's own
fields, the ones that differ once per object, and the database gets one ``executemany``.
A given value that repeats (the batch's import, the owner, ``ok``) is prepared once too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.fields import NOT_PROVIDED


def insert_many(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT one row per mapping (field attname → value); other fields take their defaults.

    A field whose default is computed and must differ per row (a unique UUID) has to be
    given in every mapping: one default for the whole batch would be a duplicate.
    """
    if not rows:
        return
    # The connection itself: every attribute read through ``django.db.connection`` goes
    # through a thread-local proxy, and preparing a value reads it several times.
    connection = connections[DEFAULT_DB_ALIAS]
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
    # Preparing a scalar depends on nothing but the field, the value and its type (True and 1
    # are equal, hence the type): a value the row before had (the batch's import, the owner)
    # is not prepared again.
    last: dict[str, tuple[Any, Any]] = {}
    params = []
    for row in rows:
        prepared = dict(constant)
        for field in varying:
            name = field.attname
            value = row[name]
            if value is None or isinstance(value, (bool, int, str)):
                before = last.get(name)
                if before is None or type(before[0]) is not type(value) or before[0] != value:
                    before = last[name] = (value, field.get_db_prep_save(value, connection))
                prepared[name] = before[1]
            else:
                prepared[name] = field.get_db_prep_save(value, connection)
        params.append([prepared[name] for name in order])
    placeholders = ", ".join(["%s"] * len(columns))
    sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(columns)}) "
           f"VALUES ({placeholders})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
