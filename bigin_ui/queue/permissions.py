"""Who may do what to a row, in one table: every view, bulk action and service asks here.

A row's *state* is its status, with a pending row on hold told apart by its hold (a row held
as a possible duplicate is a different decision from a pending one). Roles are the row's
owner and admins; a person in neither group, or another sales person, may do nothing (the
views also refuse them earlier: a 403 page, or the row is not found).

Why the admin-only cells: a row that needs review, or whose outcome is unknown, may already
be in Bigin (its answer was lost); resending, discarding or marking it as existing is a
decision for someone who can look in Bigin first. Overriding a duplicate or "already exists"
hold by resending it unchanged is the same kind of decision; the owner may still say "not a
duplicate" (allow) or link the row to the record Bigin has.
"""

from __future__ import annotations

from typing import Any

from bigin_ui.queue.models import Row
from bigin_ui.roles import is_admin, is_member

EDIT, RETRY, DISCARD, LINK, ALLOW = "edit", "retry", "discard", "link", "allow"
ACTIONS = (EDIT, RETRY, DISCARD, LINK, ALLOW)
OWNER, ADMIN = "owner", "admin"

S = Row.Status
PENDING, FAILED, UNKNOWN, NEEDS_REVIEW = S.PENDING, S.FAILED, S.UNKNOWN, S.NEEDS_REVIEW
HELD = {hold: f"held_{hold}" for hold in Row.Hold.values if hold}
STATES = (*S.values, *HELD.values())

BOTH = frozenset({OWNER, ADMIN})
ADMINS = frozenset({ADMIN})

# action -> state -> roles allowed. A state not listed allows nobody.
TABLE: dict[str, dict[str, frozenset[str]]] = {
    EDIT: {PENDING: BOTH, **dict.fromkeys(HELD.values(), BOTH), FAILED: BOTH,
           NEEDS_REVIEW: ADMINS},
    RETRY: {FAILED: BOTH, HELD["invalid"]: BOTH, HELD["waiting"]: BOTH,
            HELD["duplicate"]: ADMINS, HELD["exists"]: ADMINS, NEEDS_REVIEW: ADMINS},
    DISCARD: {PENDING: BOTH, **dict.fromkeys(HELD.values(), BOTH), FAILED: BOTH,
              UNKNOWN: ADMINS, NEEDS_REVIEW: ADMINS},
    LINK: {FAILED: BOTH, HELD["exists"]: BOTH, HELD["duplicate"]: BOTH,
           PENDING: ADMINS, HELD["invalid"]: ADMINS, HELD["waiting"]: ADMINS,
           UNKNOWN: ADMINS, NEEDS_REVIEW: ADMINS,
           # Issue 10: a row whose reconciling worker died must not be stuck; a late answer of
           # that worker cannot undo the link (it settles only rows still under its claim).
           S.RECONCILING: ADMINS},
    ALLOW: {HELD["duplicate"]: BOTH},
}

REFUSALS = {
    EDIT: "This row cannot be edited in its current state.",
    RETRY: "This row cannot be resent in its current state.",
    DISCARD: "This row cannot be discarded in its current state.",
    LINK: "Only rows that were not created can be linked to an existing record.",
    ALLOW: "This row is not held as a possible duplicate.",
}


def state_of(row: Row) -> str:
    if row.status == PENDING and row.hold:
        return HELD.get(row.hold, PENDING)
    return str(row.status)


def role_of(row: Row, user: Any) -> str | None:
    if is_admin(user):
        return ADMIN
    if is_member(user) and row.owner_id == user.pk:
        return OWNER
    return None


def may(*, action: str, row: Row, user: Any) -> bool:
    role = role_of(row, user)
    return role is not None and role in TABLE[action].get(state_of(row), frozenset())


def refusal(*, action: str, row: Row, user: Any) -> str:
    """Why ``may`` said no, in words for the person."""
    if role_of(row, user) is None:
        return "You may not change this row."
    if role_of(row, user) == OWNER and ADMIN in TABLE[action].get(state_of(row), ()):
        if row.status in {NEEDS_REVIEW, UNKNOWN}:
            return (REFUSALS[action] + " An admin decides, as it may already be in Bigin.")
        return REFUSALS[action] + " An admin decides."
    return REFUSALS[action]


def allowed_actions(row: Row, user: Any) -> frozenset[str]:
    return frozenset(a for a in ACTIONS if may(action=a, row=row, user=user))
