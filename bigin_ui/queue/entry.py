"""Building the entry form for a user and module: one path for the web, imports and re-checks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.urls import reverse

from bigin_ui.metadata.formfields import FormContext
from bigin_ui.metadata.forms import RecordForm
from bigin_ui.metadata.models import BiginUser
from bigin_ui.metadata.schema import NAME_FIELDS, ModuleSchema, get_schema
from bigin_ui.metadata.validation import Context
from bigin_ui.metadata.widgets import plain_int
from bigin_ui.people.services import PersonZone, bigin_user_for, decimal_separator, person_zone
from bigin_ui.queue.models import Row

USABLE_REFERENCE = [Row.Status.PENDING, Row.Status.SENDING, Row.Status.CREATED,
                    Row.Status.FAILED, Row.Status.UNKNOWN, Row.Status.NEEDS_REVIEW,
                    Row.Status.RECONCILING]


__all__ = ["PersonZone", "bigin_user_for", "form_context", "make_form", "person_zone"]


def row_label(row: Row) -> str:
    name_field = NAME_FIELDS.get(row.module, "")
    name = row.payload.get(name_field) or ""
    if row.module == "Contacts":
        name = " ".join(filter(None, [row.payload.get("First_Name"), name]))
    return f"{name or '(unnamed)'} — queued row {row.pk}"


def active_users() -> QuerySet[BiginUser]:
    # Bigin refuses a deactivated or deleted user as owner or participant.
    return BiginUser.objects.filter(status__in=["", "active"])


def form_context(user: AbstractBaseUser) -> FormContext:
    users = active_users().order_by("full_name")
    mine = bigin_user_for(user)
    # The one place a person's zone is decided (profile, else Bigin user, else org, else
    # TIME_ZONE): forms, imports and re-checks all read it from here.
    own_zone = person_zone(user)

    def describe_row(pk: str) -> str | None:
        # Whatever follows "row:" in a posted value arrives here; only numbers are row keys.
        # Another person's row is described exactly like a missing one.
        number = plain_int(pk)
        if number is None:
            return None
        row = referable_rows(user).filter(pk=number).first()
        return row_label(row) if row else None

    def row_module(pk: str) -> str | None:
        number = plain_int(pk)
        if number is None:
            return None
        return referable_rows(user).filter(pk=number).values_list("module", flat=True).first()

    def record_name(module: str, bigin_id: str) -> str | None:
        from bigin_ui.queue.lookups import record_name as known_name

        return known_name(bigin_id=bigin_id, module=module) if bigin_id.isdigit() else None

    def record_module(bigin_id: str) -> str | None:
        from bigin_ui.queue.lookups import record_module as known_module

        return known_module(bigin_id=bigin_id) if bigin_id.isdigit() else None

    def search(module: str, text: str) -> tuple[list[tuple[str, str, str, str]], str]:
        from bigin_ui.queue.lookups import search_records

        found = search_records(module=module, query=text, user=user)
        return [(i.value, i.label, i.source, i.module) for i in found.items], found.error

    return FormContext(
        users=[(u.bigin_id, u.full_name) for u in users],
        record_name=record_name,
        record_module=record_module,
        search=search,
        row_module=row_module,
        time_zone=own_zone.zone,
        zone_label=own_zone.label(),
        decimal_separator=decimal_separator(user),
        default_owner=mine.bigin_id if mine else "",
        describe_row=describe_row,
        lookup_url=lambda module: reverse("lookup", args=[module]),
    )


def referable_rows(user: AbstractBaseUser | None) -> QuerySet[Row]:
    """Rows a ``row:N`` reference may name: usable ones the user may see (all for a check
    that runs for nobody in particular, like re-validation after a metadata sync)."""
    from bigin_ui.queue.rows import rows_visible_to

    rows = Row.objects.all() if user is None else rows_visible_to(user)
    return rows.filter(status__in=USABLE_REFERENCE)


def validation_context(user: AbstractBaseUser | None = None) -> Context:
    user_ids = frozenset(active_users().values_list("bigin_id", flat=True))
    rows = referable_rows(user)

    def usable_row(pk: str) -> bool:
        number = plain_int(pk)
        return number is not None and rows.filter(pk=number).exists()

    def row_module(pk: str) -> str | None:
        number = plain_int(pk)
        return None if number is None else (
            rows.filter(pk=number).values_list("module", flat=True).first())

    return Context(user_ids=user_ids or None, pending_row_ids=usable_row,
                   row_module=row_module)


def entry_exclusions(module: str) -> frozenset[str]:
    """Fields the app fills itself (the configured entry key) are not typed by people."""
    key = settings.BIGIN_ENTRY_KEYS.get(module)
    return frozenset({key}) if key else frozenset()


def make_form(
    *,
    module: str,
    user: AbstractBaseUser,
    data: Any = None,
    payload: dict[str, Any] | None = None,
    schema: ModuleSchema | None = None,
    **kwargs: Any,
) -> RecordForm:
    schema = schema or get_schema(module)
    ctx = form_context(user)
    if payload is not None:
        initial = RecordForm.initial_from_payload(schema, ctx, payload)
    else:
        initial = {"Owner": ctx.default_owner} if ctx.default_owner else {}
    return RecordForm(
        data,
        schema=schema,
        ctx=ctx,
        validation=validation_context(user),
        exclude=entry_exclusions(module),
        initial=initial,
        stored=payload,
        **kwargs,
    )
