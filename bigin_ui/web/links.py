"""Links from a row's Bigin ID to the record in Bigin's web UI (or the sandbox's page)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from bigin_ui.connection.services import ConnectionConfig, active_config

# The section of Bigin's web UI that shows each module's records ("Pipelines" are deals
# there, as in https://bigin.zoho.com/bigin/org<zgid>/Home#/deals/<id>).
WEB_SECTIONS = {
    "Accounts": "accounts", "Contacts": "contacts", "Pipelines": "deals",
    "Products": "products", "Tasks": "tasks", "Events": "events", "Calls": "calls",
}


@dataclass(frozen=True)
class RecordLinks:
    """Built once per page: the connection and the org's ID do not change between rows."""

    config: ConnectionConfig
    zgid: str

    def url(self, module: str, record_id: str) -> str:
        record_id = quote(str(record_id), safe="")
        if self.config.is_sandbox:
            return f"{self.config.web_url}/records/{quote(module, safe='')}/{record_id}"
        if not self.zgid:
            # Before the first metadata sync the org is unknown: Bigin's home page at least
            # opens the right data centre, and the person signs in there.
            return f"{self.config.web_url}/bigin/"
        section = WEB_SECTIONS.get(module, module.lower())
        return f"{self.config.web_url}/bigin/org{self.zgid}/Home#/{section}/{record_id}"


def record_links(*, config: ConnectionConfig | None = None) -> RecordLinks:
    from bigin_ui.metadata.models import BiginOrg

    config = config or active_config()
    zgid = "" if config.is_sandbox else (
        BiginOrg.objects.filter(pk=1).values_list("zgid", flat=True).first() or "")
    return RecordLinks(config=config, zgid=zgid)
