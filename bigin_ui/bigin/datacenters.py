"""Zoho data centres: where a Bigin org's API and OAuth server live."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataCentre:
    code: str
    name: str
    api_domain: str
    accounts_url: str
    web_url: str  # Bigin's web UI, for links to records
    console_url: str  # Zoho API console, where a self-client is created


DATA_CENTRES: dict[str, DataCentre] = {
    dc.code: dc
    for dc in (
        DataCentre("us", "United States", "https://www.zohoapis.com",
                   "https://accounts.zoho.com", "https://bigin.zoho.com",
                   "https://api-console.zoho.com"),
        DataCentre("eu", "Europe", "https://www.zohoapis.eu",
                   "https://accounts.zoho.eu", "https://bigin.zoho.eu",
                   "https://api-console.zoho.eu"),
        DataCentre("au", "Australia", "https://www.zohoapis.com.au",
                   "https://accounts.zoho.com.au", "https://bigin.zoho.com.au",
                   "https://api-console.zoho.com.au"),
        DataCentre("in", "India", "https://www.zohoapis.in",
                   "https://accounts.zoho.in", "https://bigin.zoho.in",
                   "https://api-console.zoho.in"),
        DataCentre("cn", "China", "https://www.zohoapis.com.cn",
                   "https://accounts.zoho.com.cn", "https://bigin.zoho.com.cn",
                   "https://api-console.zoho.com.cn"),
        DataCentre("jp", "Japan", "https://www.zohoapis.jp",
                   "https://accounts.zoho.jp", "https://bigin.zoho.jp",
                   "https://api-console.zoho.jp"),
        DataCentre("sa", "Saudi Arabia", "https://www.zohoapis.sa",
                   "https://accounts.zoho.sa", "https://bigin.zoho.sa",
                   "https://api-console.zoho.sa"),
        # Canada is the odd one out: its accounts server is on zohocloud.ca, not zoho.ca.
        DataCentre("ca", "Canada", "https://www.zohoapis.ca",
                   "https://accounts.zohocloud.ca", "https://bigin.zohocloud.ca",
                   "https://api-console.zohocloud.ca"),
    )
}


def data_centre(code: str) -> DataCentre:
    try:
        return DATA_CENTRES[code.strip().lower()]
    except KeyError:
        known = ", ".join(DATA_CENTRES)
        raise ValueError(f"Unknown Bigin data centre {code!r}; use one of: {known}") from None
