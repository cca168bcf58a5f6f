"""Looking up a record by a unique value (a name, an e-mail) for an import's lookup cells.

A value must match exactly one record, counting Bigin's records and the queued rows together;
none or several is an error on the cell that names what was found. Each value is looked up
once per import.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from bigin_ui.imports.cells import CellError
from bigin_ui.metadata.schema import NAME_FIELDS
from bigin_ui.queue.entry import referable_rows, row_label
from bigin_ui.queue.models import Row

# Characters Bigin's criteria syntax gives meaning to; such values use the word search.
CRITERIA_SPECIAL = re.compile(r"[(),:\\]")
SHOWN = 3


def match_fields(module: str, value: str) -> list[str]:
    if "@" in value and module in {"Contacts", "Accounts"}:
        return ["Email"]
    return [NAME_FIELDS.get(module, "Name")]


class ValueResolver:
    def __init__(self, *, owner: AbstractBaseUser, client: Any = None) -> None:
        self.owner = owner
        self._client = client
        self.cache: dict[tuple[str, str], str | CellError] = {}

    def client(self) -> Any:
        if self._client is None:
            from bigin_ui.connection.services import build_client

            self._client = build_client()
        return self._client

    def __call__(self, module: str, value: str) -> str:
        key = (module, value.casefold())
        if key not in self.cache:
            try:
                self.cache[key] = self.resolve(module, value)
            except CellError as exc:
                self.cache[key] = exc
        found = self.cache[key]
        if isinstance(found, CellError):
            raise found
        return found

    def resolve(self, module: str, value: str) -> str:
        fields = match_fields(module, value)
        folded = value.casefold()
        found: list[tuple[str, str]] = []  # (reference, label)
        for row in self.queued(module, fields, value):
            # A created row is its Bigin record; Bigin's search may not show it yet.
            ref = row.bigin_id if row.status == Row.Status.CREATED and row.bigin_id else (
                f"row:{row.pk}")
            found.append((ref, row_label(row)))
        for record in self.in_bigin(module, fields, value):
            ref = str(record.get("id"))
            if any(str(record.get(f) or "").casefold() == folded for f in fields) and (
                    ref not in {r for r, _ in found}):
                found.append((ref, f"Bigin record {ref}"))
        if len(found) == 1:
            return found[0][0]
        what = f"{'an e-mail' if fields == ['Email'] else NAME_FIELDS.get(module, 'name')}"
        if not found:
            raise CellError(f"No {module} record or queued row has {what} {value!r}; give its "
                            "Bigin ID or row:N.")
        listed = ", ".join(label for _, label in found[:SHOWN])
        more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise CellError(f"{value!r} matches {len(found)} records: {listed}{more}; give the "
                        "Bigin ID or row:N.")

    def queued(self, module: str, fields: list[str], value: str) -> list[Row]:
        # Only rows the import's owner may see: another person's row neither matches nor is
        # named in the "matches N records" message.
        rows = referable_rows(self.owner).filter(module=module)
        matches: list[Row] = []
        for name in fields:
            matches.extend(rows.filter(**{f"payload__{name}__iexact": value})[:SHOWN + 1])
        return matches

    def in_bigin(self, module: str, fields: list[str], value: str) -> list[dict[str, Any]]:
        from bigin_ui.bigin.errors import BiginError

        client = self.client()
        try:
            if fields == ["Email"]:
                return client.search(module, email=value)
            if not CRITERIA_SPECIAL.search(value):
                return client.search(module, criteria=f"({fields[0]}:equals:{value})")
            return client.search(module, word=value)
        except BiginError as exc:
            raise CellError(f"Could not look {value!r} up in Bigin: {exc}") from None
