"""Typed results of Bigin calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordSuccess:
    """``data[index]`` said SUCCESS: the record exists in Bigin with ``id``."""

    index: int
    id: str
    message: str = ""
    created_time: str | None = None
    modified_time: str | None = None
    action: str | None = None  # upsert only: "insert" or "update"
    duplicate_field: str | None = None  # upsert only: the field that matched
    raw: dict[str, Any] = field(default_factory=dict)

    ok = True


@dataclass(frozen=True)
class RecordError:
    """``data[index]`` was rejected; nothing was created for it."""

    index: int
    code: str
    message: str
    api_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    ok = False

    @property
    def duplicate_id(self) -> str | None:
        """The existing record's ID for DUPLICATE_DATA, when Bigin names it."""
        duplicate = self.details.get("duplicate_record")
        if isinstance(duplicate, dict) and duplicate.get("id"):
            return str(duplicate["id"])
        return None


@dataclass(frozen=True)
class RecordMissing:
    """The answer did not decide this record (no ``data[index]``, or one that cannot be read):
    its outcome is unknown."""

    index: int
    reason: str = "Bigin's answer had no result for this record."

    ok = False


RecordResult = RecordSuccess | RecordError | RecordMissing


@dataclass(frozen=True)
class WriteResponse:
    """The answer to one insert or upsert call: one result per record sent, in request order."""

    status: int
    results: list[RecordResult]
    body: Any
    duration: float

    @property
    def created(self) -> list[RecordSuccess]:
        return [r for r in self.results if isinstance(r, RecordSuccess)]

    @property
    def errors(self) -> list[RecordError]:
        return [r for r in self.results if isinstance(r, RecordError)]


@dataclass(frozen=True)
class CallRecord:
    """What one HTTP exchange looked like, for the caller's audit trail. Never holds tokens."""

    method: str
    url: str
    request_body: Any
    status: int | None
    response_body: Any
    duration: float
    error: str = ""
