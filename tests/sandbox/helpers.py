"""Shared helpers for the sandbox tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bigin_ui.sandbox import seed_data
from bigin_ui.sandbox.schema import ModuleSchema, build_schema
from bigin_ui.sandbox.validation import Validated, validate_record


class FakeResolver:
    """Lookup targets without a database: (module, id) -> name, and the seeded users."""

    def __init__(self, records: Mapping[tuple[str, str], str] | None = None) -> None:
        self.records = dict(records or {})

    def record_name(self, module: str, record_id: str) -> str | None:
        return self.records.get((module, record_id))

    def user(self, user_id: str) -> Mapping[str, Any] | None:
        return seed_data.USERS_BY_ID.get(user_id)


def schema(module: str) -> ModuleSchema:
    return build_schema(module, [])


def check(module: str, record: Any, *, resolver: FakeResolver | None = None,
          **options: Any) -> Validated | dict[str, Any]:
    return validate_record(schema(module), record, 0, resolver or FakeResolver(), **options)


def error_of(module: str, record: Any, **options: Any) -> dict[str, Any]:
    """The error item for a record that must fail."""
    result = check(module, record, **options)
    assert not isinstance(result, Validated), result
    return result


def value_of(module: str, record: dict[str, Any], api_name: str, **options: Any) -> Any:
    """The normalised value of one field of a record that must pass."""
    result = check(module, record, **options)
    assert isinstance(result, Validated), result
    return result.values[api_name]


def contact(last_name: str = "Doe", email: str | None = None, **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"Last_Name": last_name, **extra}
    if email is not None:
        record["Email"] = email
    return record


def insert(sandbox: Any, module: str, *records: dict[str, Any], **body: Any) -> Any:
    return sandbox.api("POST", module, json={"data": list(records), **body})


def first(response: Any) -> dict[str, Any]:
    return response.json()["data"][0]
