"""Links from a row's Bigin ID to the record in Bigin's web UI (or the sandbox's page)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.utils.functional import SimpleLazyObject

from bigin_ui.connection.services import ConnectionConfig, active_config

# Zoho documents the org's own address in Bigin's web UI, its "access URL"
# https://bigin.zoho.com/bigin/org<zgid> (help page "Organization Details":
# https://help.zoho.com/portal/en/kb/bigin/explore-settings/articles/organization-details),
# but not the address of a record in it. Records open at <access URL>/Home#/<section>/<ID>
# only where public code was found opening them so (searched 2026-11-29):
#   Pipelines -> "deals": several unrelated projects, e.g.
#       https://bigin.zoho.com/bigin/org<zgid>/Home#/deals/<ID>?section=activities
#   Accounts -> "companies" (Bigin's name for them, not "accounts"): one project,
#       https://bigin.zoho.eu/bigin/org<zgid>/Home#/companies/<ID>?section=child_accounts
#   Contacts -> "contacts": one integration's README, "https://bigin.zoho.eu/bigin/org.../
#       contacts/123..." (the middle elided; the rest follows the two above).
# Nothing was found for Products, Tasks, Events or Calls (the guesses "products", "tasks",
# "events", "calls" might well be right, or open an empty page): their IDs are shown as text
# with a link to the org's Bigin, where the person searches the ID.
RECORD_SECTIONS = {"Pipelines": "deals", "Accounts": "companies", "Contacts": "contacts"}


@dataclass(frozen=True)
class RecordLink:
    url: str
    exact: bool  # the record's own page; else Bigin's start page, to search the ID there


@dataclass(frozen=True)
class RecordLinks:
    """Built once per page: the connection and the org's ID do not change between rows."""

    config: ConnectionConfig
    zgid: str

    def link(self, module: str, record_id: str) -> RecordLink:
        record_id = quote(str(record_id), safe="")
        if self.config.is_sandbox:
            # The sandbox's own page for a record, which exists for every module.
            return RecordLink(
                f"{self.config.web_url}/records/{quote(module, safe='')}/{record_id}", True)
        if not self.zgid:
            # Before the first metadata sync the org is unknown: Bigin's home page at least
            # opens the right data centre, and the person signs in there.
            return RecordLink(f"{self.config.web_url}/bigin/", False)
        home = f"{self.config.web_url}/bigin/org{quote(self.zgid, safe='')}"
        section = RECORD_SECTIONS.get(module)
        if section is None:
            return RecordLink(home, False)
        return RecordLink(f"{home}/Home#/{section}/{record_id}", True)

    def url(self, module: str, record_id: str) -> str:
        return self.link(module, record_id).url


def record_links(*, config: ConnectionConfig | None = None) -> RecordLinks:
    from bigin_ui.metadata.models import BiginOrg

    config = config or active_config()
    zgid = "" if config.is_sandbox else (
        BiginOrg.objects.filter(pk=1).values_list("zgid", flat=True).first() or "")
    return RecordLinks(config=config, zgid=zgid)


def page_config(request: Any) -> ConnectionConfig:
    """The active connection, read once per request (the navigation shows it, the lists
    link Bigin IDs with it)."""
    config = getattr(request, "_bigin_config", None)
    if config is None:
        config = request._bigin_config = active_config()
    return config


def page_links(request: Any) -> RecordLinks:
    """The request's Bigin links, built on first use (most pages show no Bigin ID)."""
    links = getattr(request, "_bigin_links", None)
    if links is None:
        links = request._bigin_links = SimpleLazyObject(
            lambda: record_links(config=page_config(request)))
    return links
