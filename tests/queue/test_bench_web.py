"""The web benchmark's own parts: the seeded data and the command end to end (small)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from bigin_ui.queue import bench_web
from bigin_ui.queue.models import Row


@pytest.mark.django_db
def test_seed_gives_one_user_and_the_others_their_rows_of_every_kind():
    seeded = bench_web.seed(mine=300, others=200)
    mine = Row.objects.filter(owner__username="bench")
    assert mine.count() == 300
    assert Row.objects.exclude(owner__username="bench").count() == 200
    statuses = dict(mine.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == {"created", "pending", "failed", "needs_review", "unknown",
                             "discarded"}
    assert mine.exclude(hold="").exists()
    # Spread over time, not all stamped "now", so date filters have something to cut.
    assert mine.order_by("created_at").first().created_at < mine.order_by(
        "created_at").last().created_at
    assert Row.objects.filter(run=seeded["run"]).count() == 300  # fewer rows than RUN_ROWS


@pytest.mark.django_db
def test_seeded_sessions_log_the_two_roles_in():
    seeded = bench_web.seed(mine=10, others=0)
    sales = Client()
    sales.cookies["sessionid"] = seeded["cookies"]["sales"]
    admin = Client()
    admin.cookies["sessionid"] = seeded["cookies"]["admin"]
    assert sales.get("/records/").status_code == 200
    assert sales.get("/review/").status_code == 403
    assert admin.get("/review/").status_code == 200


def test_pages_cover_every_list_page_and_its_last_page():
    mix = bench_web.pages(run=7, owner="o", day="2026-01-01", mine=100_000)
    paths = {p.path for p in mix}
    assert "/healthz" in paths
    assert any(p.startswith("/rows/") for p in paths)
    assert any(p.startswith("/review/?") for p in paths)
    assert "/runs/7/" in paths
    assert len({p.name for p in mix}) == len(mix)


@pytest.mark.slow
def test_web_benchmark_prints_the_figures_for_a_small_load():
    out = io.StringIO()
    call_command("bigin_bench", "--web", "--web-rows", "300", "--web-others", "100",
                 "--repeat", "2", "--loops", "1", "--clients", "3", stdout=out)
    text = out.getvalue()
    assert "healthz" in text
    assert "pages/s, 0 errors" in text
    last = next(line for line in text.splitlines() if "my rows, last page" in line)
    assert last.rstrip().endswith("x")  # measured, with its ratio to /healthz
