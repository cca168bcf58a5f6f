"""A finished submission run in words, from what its rows and calls show now.

The counters on the run tell how far it got; a person also needs to know why rows are still
pending, e.g. that Bigin answered every call with a server error, which the counters alone
("created 0, failed 0") do not say.
"""

from __future__ import annotations

from django.db.models import Count
from django.template.defaultfilters import pluralize

from bigin_ui.queue.models import Attempt, SubmissionRun

_SETTLED = ("created", "failed", "needs_review", "discarded", "unknown", "reconciling",
            "sending")


def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _unanswered(outcome: str, status: int | None, n: int) -> str:
    calls = str(n)
    if status == 429:
        return f"{calls} refused as too many requests (HTTP 429)"
    if status is not None and status >= 500:
        return f"{calls} answered with a server error (HTTP {status})"
    if status is not None:
        return f"{calls} refused (HTTP {status})"
    if outcome == "ambiguous":
        return f"{calls} sent but the answer was lost"
    if outcome == "auth":
        return f"{calls} not made: no access token"
    if outcome == "not_sent":
        return f"{calls} not made: Bigin was busy with other submissions"
    return f"{calls} that could not reach Bigin"


def describe_run(run: SubmissionRun, progress: dict[str, int]) -> list[str]:
    """Sentences about a run that has ended (nothing while it is still going)."""
    if run.active or not run.rows_total:
        return []
    lines = []
    calls = list(
        Attempt.objects.filter(run=run).exclude(kind=Attempt.Kind.SEARCH)
        .values_list("outcome", "http_status").annotate(n=Count("pk")).order_by("-n")
    )
    answered = sum(n for outcome, _status, n in calls if outcome == "results")
    failed_calls = [(o, s, n) for o, s, n in calls if o not in {"results", "in_flight"}]
    if calls and not answered:
        total = sum(n for _o, _s, n in calls)
        lines.append(f"None of the {_n(total, 'call')} to Bigin got results: "
                     + "; ".join(_unanswered(o, s, n) for o, s, n in failed_calls)
                     + ". Nothing was created.")
    elif failed_calls:
        lines.append("Calls retried on the way: "
                     + "; ".join(_unanswered(o, s, n) for o, s, n in failed_calls) + ".")
    outcome = [f"{progress.get('created', 0)} created", f"{progress.get('failed', 0)} failed"]
    if progress.get("needs_review"):
        outcome.append(f"{progress['needs_review']} need review")
    lost = progress.get("unknown", 0) + progress.get("reconciling", 0)
    if lost:
        outcome.append(f"{lost} with the answer still unknown")
    lines.append(f"Of {_n(run.rows_total, 'row')}: " + ", ".join(outcome) + ".")
    not_sent = run.rows_total - sum(progress.get(s, 0) for s in _SETTLED)
    if not_sent > 0:
        waiting = min(run.rows_waiting, not_sent)
        rest = not_sent - waiting
        if rest:
            lines.append(f"{_n(rest, 'row')} {pluralize(rest, 'was,were')} not sent and "
                         f"{pluralize(rest, 'is,are')} pending again: submit again "
                         + ("once Bigin answers normally." if failed_calls else "later."))
        if waiting:
            lines.append(f"{_n(waiting, 'row')} {pluralize(waiting, 'waits,wait')} for a "
                         "related row that was not created (see each row).")
    if run.status == SubmissionRun.Status.STOPPED and run.message:
        lines.append(run.message)
    return lines
