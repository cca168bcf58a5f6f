"""The Event form redrawn after a failed save keeps its shape."""

from __future__ import annotations

import re


def reminder_lines(html: str) -> list[str]:
    return re.findall(r'name="Remind_At-(\d+)-unit"', html)


def test_a_failed_event_save_adds_no_blank_reminder_line(synced, sales_client):
    shown = reminder_lines(sales_client.get("/records/Events/new/").content.decode())
    data = {f"Remind_At-{i}-period": "minutes" for i in range(len(shown))}
    data["Remind_At-0-unit"] = "15"
    for _ in range(2):  # the Title is missing: the save fails, twice
        response = sales_client.post("/records/Events/new/", data)
        assert response.status_code == 400
        html = response.content.decode()
        assert reminder_lines(html) == shown
        assert 'name="Remind_At-0-unit" value="15"' in html


def test_add_more_lines_adds_one(synced, sales_client):
    shown = reminder_lines(sales_client.get("/records/Events/new/").content.decode())
    data = {f"Remind_At-{i}-period": "minutes" for i in range(len(shown))}
    data["_refresh"] = "lines"
    html = sales_client.post("/records/Events/new/", data).content.decode()
    assert len(reminder_lines(html)) == len(shown) + 1
