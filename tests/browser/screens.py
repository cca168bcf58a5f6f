"""README screenshots, taken during the browser tests when BIGIN_UI_SCREENSHOTS=1."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def snap(page, name: str) -> None:
    if os.environ.get("BIGIN_UI_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def snap_phone(page, name: str) -> None:
    """A phone-width screenshot, at the size the page is already shown."""
    if os.environ.get("BIGIN_UI_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
