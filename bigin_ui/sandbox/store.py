"""Records, unique values, tags, counters and the reset, in the sandbox database.

Duplicate detection is race-free: each unique value is a row under a unique constraint,
inserted in a savepoint together with its record, and an IntegrityError becomes DUPLICATE_DATA.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from collections.abc import Sequence as SequenceType
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connections, transaction
from django.db.models import CharField, F, ForeignKey, Model
from django.utils import timezone

from bigin_ui.sandbox import criteria, seed_data
from bigin_ui.sandbox.catalog import MODULES, STANDARD_LAYOUT_IDS
from bigin_ui.sandbox.constants import SANDBOX_CLIENT_ID, SANDBOX_REFRESH_TOKEN, SANDBOX_SCOPE
from bigin_ui.sandbox.models import (
    Counter,
    FieldChange,
    GrantCode,
    Record,
    RefreshToken,
    Sequence,
    State,
    Tag,
    TokenIssue,
    UniqueValue,
)
from bigin_ui.sandbox.schema import (
    ModuleSchema,
    default_team_pipeline,
    load_schema,
    plain_schema,
    team_pipeline,
)
from bigin_ui.sandbox.validation import Validated, error_item, is_empty, validate_record

DB = "sandbox"
ORG_TZ = ZoneInfo(seed_data.ORG_TIME_ZONE)
STAT_NAMES = (
    "token_issued",
    "api_calls",
    "write_calls",
    "records_created",
    "records_updated",
    "responses_429",
    "responses_500",
    "drops",
    "max_in_flight",
)
ID_SEQUENCE = "ids"
# New ids follow the seeded ones in the same 19-digit space.
FIRST_ID = 2034020000000700000


def org_time(moment: datetime) -> str:
    """ISO 8601 in the org's time zone, without fractions, as Bigin writes times."""
    return moment.astimezone(ORG_TZ).replace(microsecond=0).isoformat()


def org_datetime_text(text: str) -> str:
    """A stored datetime value as Bigin reads it back: moved to the org's offset."""
    try:
        return org_time(datetime.fromisoformat(text))
    except ValueError:
        return text


def fold(value: Any) -> str:
    return str(value).strip().casefold()[:512]


# -- state, counters, ids --------------------------------------------------------------------


def get_state() -> State:
    """The state row; the first request to a fresh database seeds it."""
    state = State.objects.filter(pk=1).first()
    if state is not None:
        return state
    with transaction.atomic(using=DB):
        state, created = State.objects.get_or_create(
            pk=1, defaults={"metadata_version": uuid.uuid4().hex})
        if created:
            _seed()
    return state


def reset() -> State:
    """Wipe everything the API or the control API changed, then seed the demo org again."""
    with transaction.atomic(using=DB):
        state, _ = State.objects.get_or_create(pk=1)
        for model in (UniqueValue, Record, Tag, RefreshToken, GrantCode, TokenIssue, FieldChange,
                      Counter):
            model.objects.all().delete()
        state.knobs = {}
        # Tokens from before the reset stop working, as after a real re-authorisation.
        state.token_generation += 1
        state.metadata_version = uuid.uuid4().hex
        state.save()
        _seed()
    return state


def schema_for(module: str, state: State | None = None) -> ModuleSchema:
    state = state or get_state()
    return load_schema(module, state.metadata_version)


def bump(name: str, amount: int = 1) -> None:
    if amount:
        Counter.objects.filter(name=name).update(value=F("value") + amount)


def raise_peak(in_flight: int) -> None:
    Counter.objects.filter(name="max_in_flight", value__lt=in_flight).update(value=in_flight)


def stats() -> dict[str, int]:
    values = dict.fromkeys(STAT_NAMES, 0)
    values.update(Counter.objects.values_list("name", "value"))
    return values


def allocate_ids(count: int) -> list[str]:
    with transaction.atomic(using=DB):
        Sequence.objects.get_or_create(name=ID_SEQUENCE, defaults={"value": FIRST_ID})
        Sequence.objects.filter(name=ID_SEQUENCE).update(value=F("value") + count)
        last = Sequence.objects.get(name=ID_SEQUENCE).value
    return [str(n) for n in range(last - count + 1, last + 1)]


# -- seeding ---------------------------------------------------------------------------------


def _seed() -> None:
    Counter.objects.bulk_create([Counter(name=n, value=0) for n in STAT_NAMES])
    Sequence.objects.get_or_create(name=ID_SEQUENCE, defaults={"value": FIRST_ID})
    RefreshToken.objects.create(token=SANDBOX_REFRESH_TOKEN, client_id=SANDBOX_CLIENT_ID,
                                scope=SANDBOX_SCOPE, user_id=seed_data.CURRENT_USER_ID)
    seeded_at = datetime.fromisoformat(seed_data.SEED_TIME)
    tags = [(module, name) for module, names in seed_data.TAGS.items() for name in names]
    Tag.objects.bulk_create([
        Tag(tag_id=tag_id, module=module, name=name, folded=name.casefold(),
            color_code=_tag_colour(name), created_by_id=seed_data.CURRENT_USER_ID,
            created_at=seeded_at)
        for tag_id, (module, name) in zip(allocate_ids(len(tags)), tags, strict=True)
    ])
    resolver = DbResolver()
    for position, (module, record_id, raw) in enumerate(seed_data.RECORDS):
        # The seed always sees the plain catalog, whatever a previous run changed.
        schema = plain_schema(module)
        result = validate_record(schema, raw, 0, resolver)
        if not isinstance(result, Validated):
            raise RuntimeError(f"seed record {module} {record_id} is invalid: {result}")
        when = seeded_at + timedelta(minutes=position)
        _create(schema, result, record_id, seed_data.CURRENT_USER_ID, when)


# -- lookups ---------------------------------------------------------------------------------


def display_name(module: str, data: Mapping[str, Any]) -> str:
    if module == "Contacts":
        return " ".join(str(data[k]) for k in ("First_Name", "Last_Name") if data.get(k))
    value = data.get(MODULES[module].name_field)
    if module == "Calls" and not value:
        return f"{data.get('Call_Type') or 'Call'} call"
    return str(value or "")


class DbResolver:
    """Lookup targets for the validators, cached for one request."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str | None] = {}

    def record_name(self, module: str, record_id: str) -> str | None:
        key = (module, record_id)
        if key not in self._names:
            record = Record.objects.filter(module=module, record_id=record_id).first()
            self._names[key] = display_name(module, record.data) if record else None
        return self._names[key]

    def remember(self, module: str, record_id: str, name: str) -> None:
        self._names[(module, record_id)] = name

    def user(self, user_id: str) -> Mapping[str, Any] | None:
        return seed_data.USERS_BY_ID.get(user_id)


def user_ref(user_id: str, *, email: bool = False) -> dict[str, Any]:
    user = seed_data.USERS_BY_ID.get(user_id)
    ref: dict[str, Any] = {"name": user["full_name"] if user else None, "id": user_id}
    if email:
        ref["email"] = user["email"] if user else None
    return ref


# -- tags --------------------------------------------------------------------------------------


def ensure_tags(
    module: str, names: Iterable[str], user_id: str, *, when: datetime | None = None
) -> list[dict[str, str]]:
    """The module's tags by these names, creating the missing ones (matched without case)."""
    tags = []
    for name in names:
        folded = name.casefold()
        tag = Tag.objects.filter(module=module, folded=folded).first()
        if tag is None:
            try:
                with transaction.atomic(using=DB):
                    tag = Tag.objects.create(
                        tag_id=allocate_ids(1)[0], module=module, name=name, folded=folded,
                        color_code=_tag_colour(name), created_by_id=user_id,
                        created_at=when or timezone.now())
            except IntegrityError:
                tag = Tag.objects.get(module=module, folded=folded)
        tags.append({"name": tag.name, "id": tag.tag_id, "color_code": tag.color_code})
    return tags


def _tag_colour(name: str) -> str:
    return seed_data.TAG_COLOURS[sum(map(ord, name.casefold())) % len(seed_data.TAG_COLOURS)]


def tag_listing(module: str) -> list[dict[str, Any]]:
    listing = []
    for tag in Tag.objects.filter(module=module).order_by("name"):
        by = user_ref(tag.created_by_id)
        listing.append({
            "id": tag.tag_id,
            "name": tag.name,
            "color_code": tag.color_code,
            "created_time": org_time(tag.created_at),
            "modified_time": org_time(tag.created_at),
            "created_by": by,
            "modified_by": by,
        })
    return listing


# -- writes ------------------------------------------------------------------------------------


@dataclass
class WriteOutcome:
    items: list[dict[str, Any]]
    created: int = 0
    updated: int = 0


def _success_details(record: Record, *, approval: bool = True) -> dict[str, Any]:
    details = {
        "Modified_Time": org_time(record.modified_at),
        "Modified_By": user_ref(record.modified_by_id),
        "Created_Time": org_time(record.created_at),
        "id": record.record_id,
        "Created_By": user_ref(record.created_by_id),
    }
    if approval:
        details["$approval_state"] = "approved"
    return details


def success_item(record: Record, *, upsert_action: str | None = None,
                 duplicate_field: str | None = None) -> dict[str, Any]:
    if upsert_action is None:
        return {"code": "SUCCESS", "details": _success_details(record),
                "message": "record added", "status": "success"}
    return {
        "code": "SUCCESS",
        "duplicate_field": duplicate_field,
        "action": upsert_action,
        "details": _success_details(record, approval=upsert_action == "insert"),
        "message": "record updated" if upsert_action == "update" else "record added",
        "status": "success",
    }


def _duplicate_item(schema: ModuleSchema, api_name: str, index: int,
                    record: Record) -> dict[str, Any]:
    owner = seed_data.USERS_BY_ID.get(record.owner_id) or {}
    return error_item("DUPLICATE_DATA", {
        "api_name": api_name,
        "json_path": f"$.data[{index}].{api_name}",
        "more_records": False,
        "duplicate_record": {
            "id": record.record_id,
            "module": {"api_name": schema.module, "id": MODULES[schema.module].module_id},
            "Owner": {"name": owner.get("full_name"), "id": record.owner_id,
                      "zuid": owner.get("zuid")},
        },
    })


def _find_duplicate(schema: ModuleSchema, values: Mapping[str, Any], index: int,
                    exclude: str | None = None) -> dict[str, Any] | None:
    for name in schema.unique_fields:
        value = values.get(name)
        if is_empty(value):
            continue
        clash = UniqueValue.objects.filter(module=schema.module, field=name, value=fold(value))
        if exclude is not None:
            clash = clash.exclude(record_id=exclude)
        found = clash.select_related("record").first()
        if found is not None:
            return _duplicate_item(schema, name, index, found.record)
    return None


def _stored_values(schema: ModuleSchema, result: Validated, user_id: str,
                   when: datetime) -> dict[str, Any]:
    values = dict(result.values)
    if "Tag" in values:
        values["Tag"] = ensure_tags(schema.module, values["Tag"] or [], user_id, when=when)
    if result.se_module:
        values["$se_module"] = result.se_module
    return values


def _write_unique_values(schema: ModuleSchema, record: Record,
                         values: Mapping[str, Any]) -> None:
    for name in schema.unique_fields:
        if name not in values:
            continue
        UniqueValue.objects.filter(record=record, field=name).delete()
        if not is_empty(values[name]):
            UniqueValue.objects.create(module=schema.module, field=name,
                                       value=fold(values[name]), record=record)


def _build(schema: ModuleSchema, result: Validated, record_id: str, user_id: str,
           when: datetime) -> Record:
    """An unsaved record for a validated input."""
    data = _stored_values(schema, result, user_id, when)
    owner = data.pop("Owner", None)
    if schema.module == "Pipelines" and not data.get("Pipeline"):
        pipeline = result.team_pipeline or default_team_pipeline()
        data["Pipeline"] = {"name": pipeline.name, "id": pipeline.layout_id}
    return Record(
        record_id=record_id, module=schema.module, data=data,
        owner_id=(owner or {}).get("id") or user_id, created_by_id=user_id,
        modified_by_id=user_id, created_at=when, modified_at=when)


def _create(schema: ModuleSchema, result: Validated, record_id: str, user_id: str,
            when: datetime) -> Record:
    record = _build(schema, result, record_id, user_id, when)
    record.save()
    _write_unique_values(schema, record, record.data)
    return record


def _insert_batch(schema: ModuleSchema, results: list[Any], ids: list[str], user_id: str,
                  resolver: DbResolver) -> WriteOutcome:
    """All of a request's records in a handful of queries: one lookup of the unique values
    already taken, then bulk inserts. Raises IntegrityError when a concurrent request took a
    unique value in the meantime; the caller then falls back to one record at a time."""
    outcome = WriteOutcome(items=[None] * len(results))  # type: ignore[list-item]
    wanted: dict[str, set[str]] = {name: set() for name in schema.unique_fields}
    for result in results:
        if isinstance(result, Validated):
            for name in schema.unique_fields:
                if not is_empty(result.values.get(name)):
                    wanted[name].add(fold(result.values[name]))
    taken: dict[tuple[str, str], Record] = {}
    for name, values in wanted.items():
        if values:
            for unique in UniqueValue.objects.filter(
                module=schema.module, field=name, value__in=values
            ).select_related("record"):
                taken[(name, unique.value)] = unique.record
    now = timezone.now()
    new: list[tuple[int, Record]] = []
    for index, result in enumerate(results):
        if not isinstance(result, Validated):
            outcome.items[index] = result
            continue
        clash = None
        for name in schema.unique_fields:
            value = result.values.get(name)
            if not is_empty(value) and (name, fold(value)) in taken:
                clash = _duplicate_item(schema, name, index, taken[(name, fold(value))])
                break
        if clash is not None:
            outcome.items[index] = clash
            continue
        record = _build(schema, result, ids[index], user_id, now)
        for name in schema.unique_fields:
            if not is_empty(record.data.get(name)):
                taken[(name, fold(record.data[name]))] = record  # later copies in this request
        new.append((index, record))
    _insert_rows(Record, ["record_id", "module", "data", "owner_id", "created_by_id",
                          "modified_by_id", "created_at", "modified_at"],
                 [(r.record_id, r.module, r.data, r.owner_id, r.created_by_id, r.modified_by_id,
                   r.created_at, r.modified_at) for _, r in new])
    _insert_rows(UniqueValue, ["module", "field", "value", "record"], [
        (schema.module, name, fold(record.data[name]), record.record_id)
        for _, record in new for name in schema.unique_fields
        if not is_empty(record.data.get(name))
    ])
    for index, record in new:
        resolver.remember(schema.module, record.record_id,
                          display_name(schema.module, record.data))
        outcome.items[index] = success_item(record)
        outcome.created += 1
    return outcome


def _insert_rows(model: type[Model], names: list[str], lines: list[tuple[Any, ...]]) -> None:
    """One multi-row INSERT, as bulk_create would send it, without building a model instance
    and preparing every value through its field per record: that was 40 % of the sandbox's
    CPU for an Add Records call. Only the JSON and the datetimes need preparing, and the
    datetimes of a batch are one object."""
    if not lines:
        return
    connection = connections[DB]
    fields = [model._meta.get_field(name) for name in names]
    plain = [isinstance(f, (CharField, ForeignKey)) for f in fields]
    memo: dict[int, Any] = {}
    params: list[Any] = []
    for line in lines:
        for field, as_given, value in zip(fields, plain, line, strict=True):
            if as_given or value is None:
                params.append(value)
            elif isinstance(value, datetime):
                if id(value) not in memo:
                    memo[id(value)] = field.get_db_prep_save(value, connection)
                params.append(memo[id(value)])
            else:
                params.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)  # type: ignore[union-attr]
    group = f"({', '.join(['%s'] * len(fields))})"
    # SQLite takes at most 32,766 parameters a statement; a call has at most 100 records.
    per_statement = max(1, 30_000 // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(lines), per_statement):
            count = min(per_statement, len(lines) - start)
            cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
                           + ", ".join([group] * count),
                           params[start * len(fields):(start + count) * len(fields)])


def _insert_one(schema: ModuleSchema, raw: Any, index: int, record_id: str,
                resolver: DbResolver, user_id: str, strict: bool,
                upsert: bool = False) -> tuple[dict[str, Any], bool]:
    """The result item for one record, and whether it was stored."""
    result = validate_record(schema, raw, index, resolver, strict_picklists=strict)
    if not isinstance(result, Validated):
        return result, False
    duplicate = _find_duplicate(schema, result.values, index)
    if duplicate is not None:
        return duplicate, False
    try:
        with transaction.atomic(using=DB):
            record = _create(schema, result, record_id, user_id, timezone.now())
    except IntegrityError:
        # Another request stored the same unique value between our check and our insert.
        duplicate = _find_duplicate(schema, result.values, index)
        if duplicate is None:
            raise
        return duplicate, False
    resolver.remember(schema.module, record.record_id, display_name(schema.module, record.data))
    item = success_item(record, upsert_action="insert" if upsert else None)
    return item, True


def insert_records(schema: ModuleSchema, records: SequenceType[Any], *, user_id: str,
                   knobs: Mapping[str, Any]) -> WriteOutcome:
    ids = allocate_ids(len(records))
    resolver = DbResolver()
    strict = knobs["strict_picklists"]
    results = [validate_record(schema, raw, index, resolver, strict_picklists=strict)
               for index, raw in enumerate(records)]
    with transaction.atomic(using=DB):
        try:
            with transaction.atomic(using=DB):
                return _insert_batch(schema, results, ids, user_id, resolver)
        except IntegrityError:
            pass  # a concurrent request took a unique value; settle record by record
        outcome = WriteOutcome(items=[])
        for index, raw in enumerate(records):
            item, stored = _insert_one(schema, raw, index, ids[index], resolver, user_id, strict)
            outcome.items.append(item)
            outcome.created += stored
    return outcome


def _match(schema: ModuleSchema, raw: Mapping[str, Any],
           fields: SequenceType[str]) -> tuple[Record, str] | None:
    for name in fields:
        value = raw.get(name)
        if is_empty(value) or isinstance(value, (dict, list)):
            continue
        found = UniqueValue.objects.filter(
            module=schema.module, field=name, value=fold(value)).select_related("record").first()
        if found is not None:
            return found.record, name
    return None


def _update_one(schema: ModuleSchema, raw: Mapping[str, Any], index: int, record: Record,
                matched_on: str, resolver: DbResolver, user_id: str,
                strict: bool) -> tuple[dict[str, Any], bool]:
    existing = {**record.data, "Owner": user_ref(record.owner_id)}
    result = validate_record(schema, raw, index, resolver, strict_picklists=strict,
                             existing=existing)
    if not isinstance(result, Validated):
        return result, False
    duplicate = _find_duplicate(schema, result.values, index, exclude=record.record_id)
    if duplicate is not None:
        return duplicate, False
    now = timezone.now()
    try:
        with transaction.atomic(using=DB):
            values = _stored_values(schema, result, user_id, now)
            owner = values.pop("Owner", None)
            record.data = {**record.data, **values}
            if owner:
                record.owner_id = owner["id"]
            record.modified_by_id = user_id
            record.modified_at = now
            record.save()
            _write_unique_values(schema, record, values)
    except IntegrityError:
        duplicate = _find_duplicate(schema, result.values, index, exclude=record.record_id)
        if duplicate is None:
            raise
        return duplicate, False
    return success_item(record, upsert_action="update", duplicate_field=matched_on), True


def upsert_records(schema: ModuleSchema, records: SequenceType[Any], *,
                   duplicate_check_fields: SequenceType[str], user_id: str,
                   knobs: Mapping[str, Any]) -> WriteOutcome:
    ids = allocate_ids(len(records))
    resolver = DbResolver()
    strict = knobs["strict_picklists"]
    outcome = WriteOutcome(items=[])
    with transaction.atomic(using=DB):
        for index, raw in enumerate(records):
            if not isinstance(raw, dict):
                outcome.items.append(error_item(
                    "INVALID_DATA", {"expected_data_type": "jsonobject", "index": index}))
                continue
            # A second pass covers an insert that lost a race to a concurrent upsert.
            for attempt in (1, 2):
                matched = _match(schema, raw, duplicate_check_fields)
                if matched is not None:
                    item, stored = _update_one(schema, raw, index, matched[0], matched[1],
                                               resolver, user_id, strict)
                    outcome.updated += stored
                    break
                item, stored = _insert_one(schema, raw, index, ids[index], resolver, user_id,
                                           strict, upsert=True)
                raced = item["code"] == "DUPLICATE_DATA" and (
                    item["details"]["api_name"] in duplicate_check_fields)
                if not (raced and attempt == 1):
                    outcome.created += stored
                    break
            outcome.items.append(item)
    return outcome


# -- reads -------------------------------------------------------------------------------------

_READ_EXTRAS: dict[str, Any] = {
    "$currency_symbol": "$",
    "$field_states": None,
    "$sharing_permission": "full_access",
    "$state": "save",
    "$process_flow": False,
    "$locked_for_me": False,
    "$approval": {"delegate": False, "takeover": False, "approve": False, "reject": False,
                  "resubmit": False},
    "$editable": True,
    "$zia_owner_assignment": "owner_recommendation_unavailable",
    "$is_duplicate": False,
    "$review_process": {"approve": False, "reject": False, "resubmit": False},
    "$review": None,
    "$zia_visions": None,
    "$orchestration": None,
    "$in_merge": False,
    "Locked__s": False,
    "$approval_state": "approved",
    "$pathfinder": None,
}


def record_view(schema: ModuleSchema, record: Record,
                only: Iterable[str] | None = None) -> dict[str, Any]:
    """A record as Bigin's GET and search answers show it."""
    data = record.data
    view: dict[str, Any] = {}
    for meta in schema.fields:
        name = meta["api_name"]
        if name == "Owner":
            value: Any = user_ref(record.owner_id, email=True)
        elif name == "Created_By":
            value = user_ref(record.created_by_id, email=True)
        elif name == "Modified_By":
            value = user_ref(record.modified_by_id, email=True)
        elif name == "Created_Time":
            value = org_time(record.created_at)
        elif name in {"Modified_Time", "Last_Activity_Time"}:
            value = org_time(record.modified_at)
        elif name == "Full_Name":
            value = display_name(schema.module, data)
        elif name == "Tag":
            value = data.get("Tag") or []
        elif name == "Record_Creation_Source_ID__s":
            value = "0"
        elif meta.get("data_type") == "datetime" and isinstance(data.get(name), str):
            value = org_datetime_text(data[name])
        else:
            value = data.get(name)
        view[name] = value
    view.update(_READ_EXTRAS)
    view["$approval"] = dict(_READ_EXTRAS["$approval"])
    view["$review_process"] = dict(_READ_EXTRAS["$review_process"])
    if schema.module == "Pipelines":
        pipeline = team_pipeline(layout_id=(data.get("Pipeline") or {}).get("id"))
        pipeline = pipeline or default_team_pipeline()
        view["$layout_id"] = {"display_label": pipeline.name, "name": pipeline.name,
                              "id": pipeline.layout_id}
    else:
        layout_id = STANDARD_LAYOUT_IDS[schema.module]
        view["$layout_id"] = {"display_label": "Standard", "name": "Standard", "id": layout_id}
    if data.get("$se_module"):
        view["$se_module"] = data["$se_module"]
    view["id"] = record.record_id
    if only is not None:
        wanted = set(only) | {"id"}
        view = {k: v for k, v in view.items() if k in wanted}
    return view


def get_record(schema: ModuleSchema, record_id: str) -> Record | None:
    return Record.objects.filter(module=schema.module, record_id=record_id).first()


def all_records(schema: ModuleSchema) -> list[dict[str, Any]]:
    records = Record.objects.filter(module=schema.module).order_by("created_at", "record_id")
    return [record_view(schema, r) for r in records]


def list_records(schema: ModuleSchema, *, sort_by: str, descending: bool,
                 pipeline_id: str | None = None) -> list[Record]:
    records = list(Record.objects.filter(module=schema.module))
    if pipeline_id:
        records = [r for r in records if (r.data.get("Pipeline") or {}).get("id") == pipeline_id]
    if sort_by == "Created_Time":
        key: Any = lambda r: (r.created_at, r.record_id)  # noqa: E731
    elif sort_by == "Modified_Time":
        key = lambda r: (r.modified_at, r.record_id)  # noqa: E731
    else:
        key = lambda r: r.record_id  # noqa: E731
    return sorted(records, key=key, reverse=descending)


def search_records(schema: ModuleSchema, predicate: Any, *, lag_seconds: float,
                   unique_equals: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """Records the search index already knows of that match, newest id first."""
    records = Record.objects.filter(module=schema.module)
    if lag_seconds > 0:
        records = records.filter(created_at__lte=timezone.now() - timedelta(seconds=lag_seconds))
    if unique_equals is not None:
        # One equality on a unique field: the unique-value index answers it directly.
        field, value = unique_equals
        records = records.filter(unique_values__field=field, unique_values__value=fold(value))
    views = [record_view(schema, r) for r in records.order_by("-record_id")]
    return [v for v in views if predicate(v)]


def word_matches(schema: ModuleSchema, view: Mapping[str, Any], word: str) -> bool:
    wanted = word.casefold()
    for meta in schema.fields:
        if meta.get("data_type") not in {"text", "textarea", "email", "phone", "website",
                                         "picklist", "multiselectpicklist", "lookup"}:
            continue
        if meta["api_name"] == "Tag":
            continue
        if any(wanted in s.casefold() for s in criteria.searchable_strings(
                view.get(meta["api_name"]))):
            return True
    return False


# -- oauth state ----------------------------------------------------------------------------------


def issues_since(refresh_token: str, since: datetime) -> int:
    return TokenIssue.objects.filter(refresh_token=refresh_token, issued_at__gt=since).count()


def record_issue(refresh_token: str | None) -> None:
    if refresh_token is not None:
        TokenIssue.objects.create(refresh_token=refresh_token, issued_at=timezone.now())
    bump("token_issued")


def refresh_token_active(refresh_id: int) -> bool:
    return RefreshToken.objects.filter(pk=refresh_id, revoked=False).exists()


def module_counts() -> dict[str, int]:
    counts = dict.fromkeys(MODULES, 0)
    for module in MODULES:
        counts[module] = Record.objects.filter(module=module).count()
    return counts


def recent_records(limit: int = 15) -> list[Record]:
    return list(Record.objects.order_by("-created_at", "-record_id")[:limit])

