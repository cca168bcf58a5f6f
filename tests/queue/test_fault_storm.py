"""Two thousand rows through 500s, 429s, dropped answers and token expiry."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from bigin_ui.queue.models import Row
from bigin_ui.queue.runs import start_run

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

MODULE_ROWS = {"Accounts": 500, "Products": 400, "Contacts": 600, "Tasks": 350, "Calls": 150}


def payload_for(module, i):
    if module == "Accounts":
        return {"Account_Name": f"Storm Company {i}"}
    if module == "Products":
        return {"Product_Name": f"Storm Product {i}"}
    if module == "Contacts":
        return {"Last_Name": f"Storm {i}", "Email": f"storm{i}@example.com"}
    if module == "Tasks":
        return {"Subject": f"Storm task {i}"}
    return {"Call_Type": "Outbound", "Call_Start_Time": "2026-11-26T10:00:00+00:00",
            "Call_Duration": "01:00", "Subject": f"Storm call {i}"}


UNIQUE = {"Accounts": "Account_Name", "Products": "Product_Name", "Contacts": "Email",
          "Tasks": "Subject", "Calls": "Subject"}


def test_fault_storm_loses_nothing_and_duplicates_nothing(synced, staff, settings):
    settings.BIGIN_BATCH_SIZE = 20
    settings.BIGIN_RETRY_BASE_SECONDS = 0.01
    settings.BIGIN_MAX_RETRIES = 10
    settings.BIGIN_SEARCH_LAG_SECONDS = 0.3
    settings.BIGIN_ENTRY_KEYS = {"Tasks": "Entry_Key", "Products": "Entry_Key"}
    # Tokens expire every 0.7 s below, far more refreshes than Zoho allows (~10 in 10 min).
    # The app caps its own requests (issue 10: "at most a handful per 10 minutes whatever
    # happens"), which would pause this run; the cap is lifted here so the storm still
    # exercises lost answers and retries. tests/bigin/test_token_refresh.py tests the cap.
    settings.BIGIN_REFRESH_BUDGET = 10_000
    rows = [Row(module=module, owner=staff, payload=payload_for(module, i))
            for module, count in MODULE_ROWS.items() for i in range(count)]
    Row.objects.bulk_create(rows)
    assert Row.objects.count() == 2000
    # The sandbox's search index trails inserts by 0.2 s, inside the 0.3 s the app waits.
    synced.knobs(rate_500=0.05, rate_429=0.05, rate_drop=0.05, token_throttle=False, seed=7,
                 search_lag_seconds=0.2)

    stop = threading.Event()

    def expire_tokens_now_and_then():
        while not stop.wait(0.7):
            synced.knobs(expire_tokens=True)

    expirer = threading.Thread(target=expire_tokens_now_and_then, daemon=True)
    expirer.start()
    try:
        start_run(user=staff, owner=staff)
    finally:
        stop.set()
        expirer.join()
    synced.knobs(rate_500=0.0, rate_429=0.0, rate_drop=0.0)

    outcomes = Counter(Row.objects.values_list("status", flat=True))
    assert Row.objects.count() == 2000
    # Every payload is valid, so a FAILED row could only be a blind resend that Bigin refused
    # as a duplicate; and only Calls (no entry key, no unique field) may need a person.
    assert set(outcomes) <= {Row.Status.CREATED, Row.Status.NEEDS_REVIEW}, outcomes
    assert set(Row.objects.filter(status=Row.Status.NEEDS_REVIEW)
               .values_list("module", flat=True)) <= {"Calls"}
    stats = synced.stats()
    assert stats["drops"] > 0 and stats["responses_500"] > 0 and stats["responses_429"] > 0

    created = list(Row.objects.filter(status=Row.Status.CREATED).values_list("module",
                                                                             "bigin_id"))
    assert len({bigin_id for _, bigin_id in created}) == len(created)
    for module, field in UNIQUE.items():
        values = [str(r.get(field)).casefold() for r in synced.records(module)
                  if str(r.get(field, "")).casefold().startswith("storm")]
        duplicates = [v for v, n in Counter(values).items() if n > 1]
        assert not duplicates, (module, duplicates[:5])
        stored_ids = {r["id"] for r in synced.records(module)}
        assert {b for m, b in created if m == module} <= stored_ids
