"""Human words for what the app stores as codes: row events, call outcomes, modules, and
connection failures (which arrive as the HTTP library's exception text)."""

from __future__ import annotations

import re

from bigin_ui.metadata.schema import MODULE_LABELS, SINGULAR_LABELS
from bigin_ui.queue.models import Row

EVENT_KINDS = {
    "entered": "Entered",
    "edited": "Edited",
    "retry": "Put back to pending",
    "held": "Held",
    "discarded": "Discarded",
    "created": "Created in Bigin",
    "failed": "Refused by Bigin",
    "unknown": "Answer lost",
    "reconciled": "Settled",
    "needs_review": "Needs review",
    "linked": "Linked to an existing record",
    "released": "Hold lifted",
    "resend": "To be sent again",
    "search": "Looked up in Bigin",
}

CALL_OUTCOMES = {
    "results": "answered",
    "retry": "refused, retried",
    "ambiguous": "answer lost",
    "not_sent": "not sent",
    "auth": "no access token",
    "rejected": "request rejected",
    "refused": "access refused",
    "in_flight": "in progress",
    "search": "searched",
    "search_failed": "search failed",
    "": "in progress",
}

METADATA_CHANGES = {
    "field_added": "new field",
    "field_removed": "field removed",
    "type_changed": "type changed",
    "length_changed": "length changed",
    "required_changed": "required changed",
    "picklist_changed": "choices changed",
    "editability_changed": "editability changed",
}

CALL_KINDS = {"insert": "Insert", "upsert": "Upsert", "search": "Search"}

# Substrings of urllib3/requests exception texts, and what they mean to a person. Checked in
# order: the first that matches names the cause.
_TRANSPORT_CAUSES = (
    (("NameResolutionError", "Name or service not known", "nodename nor servname",
      "Failed to resolve", "getaddrinfo failed", "Temporary failure in name resolution"),
     "the server's name could not be found (check the data centre or the URL, and the "
     "machine's DNS)"),
    (("Connection refused", "ConnectionRefusedError"),
     "the server refused the connection (nothing is listening at that address)"),
    (("CERTIFICATE_VERIFY_FAILED", "SSLError", "SSL:"),
     "the secure connection failed (the server's certificate was not accepted)"),
    (("ConnectTimeout", "timed out", "Read timed out"),
     "the server did not answer in time"),
    (("ProxyError", "Unable to connect to proxy"),
     "the proxy in between refused the connection"),
    (("RemoteDisconnected", "Connection aborted", "Connection reset"),
     "the server closed the connection without an answer"),
)


def module_label(module: str) -> str:
    return MODULE_LABELS.get(module, module)


def singular_label(module: str) -> str:
    return SINGULAR_LABELS.get(module, module)


def status_label(status: str) -> str:
    try:
        return Row.Status(status).label
    except ValueError:
        return status


def connection_problem(detail: str) -> str:
    """A failed connection step in words; the raw text stays available beside it."""
    for needles, words in _TRANSPORT_CAUSES:
        if any(n in detail for n in needles):
            # The client's own prefix says which server: "Cannot reach Bigin at https://…: …"
            target = re.search(r"(Cannot reach .*? at \S+?): ", detail)
            return f"{target.group(1) if target else 'Could not connect'}: {words}."
    return detail
