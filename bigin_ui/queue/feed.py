"""A run that takes its rows from the queue as it goes (``SubmissionRun.feed``).

Submit records the run's scope (owner, module, the last row id) instead of marking every
row first; the engine's claims take the scope's rows straight from the queue
(queue.claim), and what is left at the end is marked here at once. Apart from runs.py,
which queues runs for the worker, so that the engine does not import it back.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bigin_ui.queue.models import Row, SubmissionRun


def queue_scope(run: SubmissionRun) -> QuerySet[Row]:
    """The rows of the queue a run still feeding has to take: pending, not held, in no run,
    in its scope, there when it started, and not taken by it before (rows it gave back to
    the queue unsent wait for the next Submit, as they did when they left a marked run)."""
    feed = run.feed or {}
    rows = Row.objects.filter(run__isnull=True, status=Row.Status.PENDING, hold="",
                              pk__lte=feed.get("upto", 0))
    if feed.get("module"):
        rows = rows.filter(module=feed["module"])
    if feed.get("owner") is not None:
        rows = rows.filter(owner_id=feed["owner"])
    return rows.filter(Q(sent_at__isnull=True) | Q(sent_at__lt=run.created_at))


def take_rest(run: SubmissionRun) -> int:
    """Mark every row the run still has to take from the queue as the run's, at once, and
    end its feed: its claims and the rest of the engine then see only marked rows.

    The engine calls this once nothing more is claimable from the queue (rows waiting for a
    parent, say). Safe to call twice and beside the run's claims, its helpers' and a new
    Submit's: a row is taken only while it is in no run.
    """
    if run.feed is None:
        return 0
    taken = queue_scope(run).update(run=run)
    SubmissionRun.objects.filter(pk=run.pk).update(feed=None)
    run.feed = None
    return taken
