"""Save -> reopen -> save leaves every compound value as it was, byte for byte.

A stored row is reopened on its page (the form rendered from the stored payload), and saving it
again without touching anything must send Bigin exactly the same JSON. The POST body is read
from the rendered HTML (tests/formpost.py), as a browser without scripts would send it, so a
widget that shows a stored value wrongly fails here. Values are generated for every compound
field of every module in the sandbox's metadata: participants, reminders, recurrence, product
lines, lookups (Bigin IDs and queued rows), tags and multi-select picklists.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.schema import get_schema
from bigin_ui.queue.entry import form_context, make_form
from bigin_ui.queue.models import Row
from tests.formpost import resubmitted
from tests.metadata.test_seed_samples import EXPECTED, MODULES, entering_user  # noqa: F401

# No shrinking: each example renders and posts a whole form, and the first failing record
# is readable as it is.
ROUND_TRIP = settings(max_examples=25, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=[HealthCheck.too_slow,
                                             HealthCheck.function_scoped_fixture])
RELATED = ("Contacts", "Accounts", "Pipelines", "Products")
BIGIN_IDS = st.integers(10**18, 10**19 - 1).map(str)
# Tag names as people type them: no commas (the separator) and no outer spaces (trimmed).
TAG_NAME = st.text(alphabet=st.sampled_from("abcXYZ09 -_éü&"), min_size=1, max_size=20).map(
    str.strip).filter(bool)
EMAILS = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,5})?@[a-z]{2,8}\.(com|org|co\.uk)", fullmatch=True)


def reference(rows: dict[str, int], module: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(BIGIN_IDS.map(lambda i: {"id": i}), st.just({"$row": rows[module]}))


def rrules() -> st.SearchStrategy[str]:
    """Rules in the order the form writes their parts (RecurrenceField.compress)."""

    @st.composite
    def rule(draw: Any) -> str:
        freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
        parts = [f"FREQ={freq}", f"INTERVAL={draw(st.integers(1, 99))}"]
        days = draw(st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]),
                             unique=True, max_size=3))
        if days:
            order = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
            parts.append("BYDAY=" + ",".join(sorted(days, key=order.index)))
        if freq in {"MONTHLY", "YEARLY"}:
            if draw(st.booleans()):
                parts.append(f"BYMONTHDAY={draw(st.integers(1, 31))}")
            elif days and draw(st.booleans()):
                parts.append(f"BYSETPOS={draw(st.sampled_from(['1', '2', '3', '4', '-1']))}")
        if draw(st.booleans()):
            parts.append(f"COUNT={draw(st.integers(1, 99))}")
        else:
            parts.append(f"UNTIL={draw(st.dates(dt.date(2026, 1, 1), dt.date(2030, 12, 31)))}")
        return ";".join(parts)

    return rule()


def in_zone(zone: dt.tzinfo) -> st.SearchStrategy[str]:
    return st.datetimes(dt.datetime(2026, 1, 1), dt.datetime(2030, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=zone).isoformat())


def value_for(meta: FieldMeta, *, rows: dict[str, int], users: list[str],
              zone: dt.tzinfo) -> st.SearchStrategy[Any] | None:
    """A value of this compound field as the form itself would build it, or None."""
    kind = meta.kind
    if kind == "lookup":
        return reference(rows, meta.lookup_module or "Contacts")
    if kind == "multiselectlookup":
        return st.lists(reference(rows, meta.lookup_module or "Contacts"), min_size=1,
                        max_size=3, unique_by=lambda r: json.dumps(r, sort_keys=True))
    if kind == "tag":
        return st.lists(TAG_NAME, min_size=1, max_size=4, unique_by=str.casefold).map(
            lambda names: [{"name": n} for n in names])
    if kind == "multiselectpicklist" and meta.choices:
        actual = [c.actual for c in meta.choices]
        return st.sets(st.sampled_from(actual), min_size=1).map(
            lambda chosen: [v for v in actual if v in chosen])
    if kind == "multireminder":
        return st.lists(st.builds(
            lambda unit, period: {"unit": unit, "period": period}, st.integers(1, 500),
            st.sampled_from(["minutes", "hours", "days", "weeks"])), min_size=1, max_size=3)
    if kind == "rrule":
        return rrules().map(lambda r: {"RRULE": r})
    if kind == "participants":
        return st.builds(
            lambda chosen, contacts, emails: [
                *({"type": "user", "participant": u} for u in users if u in chosen),
                *({"type": "contact", "participant": c.get("id", c)} for c in contacts),
                *({"type": "email", "participant": e} for e in emails)],
            st.sets(st.sampled_from(users), max_size=2),
            st.lists(reference(rows, "Contacts"), max_size=2,
                     unique_by=lambda r: json.dumps(r, sort_keys=True)),
            st.lists(EMAILS, max_size=2, unique=True),
        ).filter(bool)
    if kind == "associated_products":
        amount = st.one_of(st.integers(0, 10**6),
                           st.decimals(0, 10**5, places=2).map(lambda d: float(d)).filter(
                               lambda f: f != int(f)))

        @st.composite
        def line(draw: Any) -> dict[str, Any]:
            item: dict[str, Any] = {"Product": draw(reference(rows, "Products"))}
            if draw(st.booleans()):
                item["List_Price"] = draw(amount)
            item["Quantity"] = draw(st.integers(1, 1000))
            if draw(st.booleans()):
                item["Discount"] = draw(amount)
            return item

        return st.lists(line(), min_size=1, max_size=3)
    return None


@st.composite
def records(draw: Any, module: str, *, rows: dict[str, int], users: list[str],
            zone: dt.tzinfo) -> dict[str, Any]:
    schema = get_schema(module)
    record = dict(EXPECTED[module])
    for meta in schema.entry_fields:
        strategy = value_for(meta, rows=rows, users=users, zone=zone)
        if strategy is None:
            continue
        if draw(st.booleans()):
            record[meta.api_name] = draw(strategy)
        else:
            record.pop(meta.api_name, None)
        if meta.kind == "related_to" and meta.api_name in record:
            ref = record[meta.api_name]
            record["$se_module"] = (Row.objects.get(pk=ref["$row"]).module if "$row" in ref
                                    else draw(st.sampled_from(RELATED)))
        elif meta.kind == "related_to":
            record.pop("$se_module", None)
    if module == "Tasks":
        # The reminder's shape depends on whether the task repeats (check_alarm).
        if "Recurring_Activity" in record:
            record["Remind_At"] = {"ALARM": draw(st.builds(
                lambda action, n, unit, time: f"ACTION={action};TRIGGER=-P{n}{unit};"
                                              f"TRIGGER_TIME={time:%H:%M}",
                st.sampled_from(["EMAIL", "POPUP"]), st.integers(1, 99),
                st.sampled_from(["D", "W"]), st.times()))}
        else:
            record["Remind_At"] = {"ALARM": draw(st.builds(
                lambda action, at: f"FREQ=NONE;ACTION={action};TRIGGER=DATE-TIME:{at}",
                st.sampled_from(["EMAIL", "POPUP"]), in_zone(zone)))}
    return record


@pytest.fixture
def queued_rows(entering_user):  # noqa: F811
    """One usable queued row per module, for row references."""
    return {m: Row.objects.create(module=m, owner=entering_user, payload={}).pk
            for m in RELATED}


def as_sent(payload: dict[str, Any]) -> dict[str, str]:
    # Byte for byte: each value as the JSON text it is sent as, key order included.
    return {name: json.dumps(value) for name, value in payload.items()}


@pytest.mark.parametrize("module", MODULES)
def test_a_reopened_row_saves_the_same_payload(synced, entering_user, queued_rows,  # noqa: F811
                                               module):
    ctx = form_context(entering_user)
    users = [user_id for user_id, _ in ctx.users]

    @ROUND_TRIP
    @given(record=records(module, rows=queued_rows, users=users, zone=ctx.time_zone))
    def check(record: dict[str, Any]) -> None:
        first = make_form(module=module, user=entering_user, data=None, payload=record)
        again = make_form(module=module, user=entering_user, data=resubmitted(first),
                          payload=record)
        assert again.is_valid(), again.errors.as_data()
        assert as_sent(again.payload) == as_sent(record)

    check()
