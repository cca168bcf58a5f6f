"""What a browser would post for a rendered form, read from the HTML the app sends.

Round-trip tests must not build the POST body from their own idea of the widgets: a widget
that renders a value the wrong way (a dict in a text box, a user left unticked) is exactly the
bug they look for. So the rendered HTML is parsed as a browser fills a form without scripts:
text-like inputs and hidden inputs send their value, checkboxes and radios only when checked,
a select its selected options (the first one when none is), a textarea its text; buttons send
nothing (no submit button is pressed beyond the form's own "save").
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import QueryDict
from django.template.loader import render_to_string

SKIPPED_TYPES = {"submit", "button", "reset", "image", "file"}


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name or kind in SKIPPED_TYPES or "disabled" in a:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
                return
            self.fields.append((name, a.get("value", "")))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._select["options"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = options[:1]
            for option in chosen:
                value = option["value"] if option["value"] is not None else option["text"]
                self.fields.append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea["name"],
                                self._textarea["text"].removeprefix("\n")))
            self._textarea = None


def posted(html: str) -> QueryDict:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    data = QueryDict(mutable=True)
    for name, value in reader.fields:
        data.appendlist(name, value)
    return data


def render_fields(form) -> str:
    return render_to_string("web/_form_fields.html", {"form": form})


def resubmitted(form) -> QueryDict:
    """The POST body of saving ``form`` again exactly as it was shown."""
    data = posted(render_fields(form))
    data["save"] = "1"
    return data
