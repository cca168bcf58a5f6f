"""Widgets for Bigin's structured fields. Each works as plain HTML inputs without JavaScript;
htmx and app.js only add search-as-you-type and previews on top."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms

WEEKDAY_CHOICES = [("MO", "Mon"), ("TU", "Tue"), ("WE", "Wed"), ("TH", "Thu"), ("FR", "Fri"),
                   ("SA", "Sat"), ("SU", "Sun")]
FREQ_CHOICES = [("", "Does not repeat"), ("DAILY", "Daily"), ("WEEKLY", "Weekly"),
                ("MONTHLY", "Monthly"), ("YEARLY", "Yearly")]
SETPOS_CHOICES = [("", "—"), ("1", "first"), ("2", "second"), ("3", "third"), ("4", "fourth"),
                  ("-1", "last")]
PERIOD_CHOICES = [("minutes", "minutes"), ("hours", "hours"), ("days", "days"),
                  ("weeks", "weeks")]
# Enough for any database key; longer numbers are not row numbers.
MAX_PLAIN_DIGITS = 18


def plain_int(text: str) -> int | None:
    """A whole number typed with ASCII digits only, or None. Posted text is anything:
    "²".isdigit() is true yet int() refuses it, and a 40-digit number overflows SQLite."""
    text = text.strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_PLAIN_DIGITS:
        return int(text)
    return None


# A search hit offered by a lookup: (value, label, source, module); value is a Bigin ID or
# "row:<pk>", source "bigin" or "queue".
Hit = tuple[str, str, str, str]


def split_refs(text: str) -> list[str]:
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


class LookupWidget(forms.Widget):
    """A record chosen by name. The value (Bigin IDs or ``row:<pk>``, comma-separated when
    several) travels in a hidden input; the person sees and types names.

    With scripts (static/js/lookup.js) the text box is an ARIA combobox: typing searches,
    arrow keys move through the hits, Enter picks, Escape closes. Without scripts the "Find"
    button redraws the form with the hits as radio buttons (or checkboxes) to pick from.
    """

    template_name = "widgets/lookup.html"

    def __init__(
        self,
        *,
        module: str,
        search_url: str,
        describe: Callable[[str], str | None],
        multiple: bool = False,
        module_from: str = "",
        attrs: dict[str, Any] | None = None,
        name_of: Callable[[str, str], str | None] | None = None,
        search: Callable[[str, str], tuple[list[Hit], str]] | None = None,
        noun: str = "",
    ) -> None:
        super().__init__(attrs)
        self.module = module
        self.search_url = search_url
        self.describe = describe
        self.multiple = multiple
        self.module_from = module_from  # an input naming the module to search (Related_To)
        self.name_of = name_of or (lambda module, bigin_id: None)
        self.search = search
        self.noun = noun or "record"
        # What was typed in each search box, by input name (a no-JS "Find"). By name because
        # one widget draws the lookup of every line of a lines field (product lines).
        self.queries: dict[str, str] = {}
        self.finding = ""  # the input whose "Find" was pressed; set by the form
        self.search_module = module

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str:
        value = data.get(name) or ""
        self.queries[name] = str(data.get(f"{name}__q") or "").strip()
        if self.module_from and data.get(self.module_from):
            self.search_module = str(data.get(self.module_from))
        getlist = getattr(data, "getlist", lambda key: [data[key]] if key in data else [])
        picks = [str(p) for p in getlist(f"{name}__pick") if str(p).strip()]
        drops = {str(d) for d in getlist(f"{name}__drop")}
        if self.multiple:
            refs = [r for r in split_refs(value) if r not in drops]
            refs += [p for p in picks if p not in refs]
            return ", ".join(refs)
        if picks:
            return picks[-1]
        return "" if value in drops else str(value).strip()

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}__pick" not in data

    def known_name(self, ref: str) -> str | None:
        if ref.lower().startswith("row:"):
            return self.describe(ref[4:].strip())
        return self.name_of("" if self.module_from else self.module, ref)

    def label_for(self, ref: str, name: str | None = None) -> str:
        if name:
            return name
        if ref.lower().startswith("row:"):
            return f"a queued row that is no longer usable ({ref})"
        return f"a Bigin {self.noun} whose name is not known here (ID {ref})"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        refs = split_refs(value) if self.multiple else (
            [str(value).strip()] if value not in (None, "") else [])
        names = {ref: self.known_name(ref) for ref in refs}
        chosen = [{"value": ref, "label": self.label_for(ref, names[ref]),
                   "known": bool(names[ref])} for ref in refs]
        hits: list[Hit] = []
        error = ""
        finding = bool(self.finding) and name == self.finding
        query = self.queries.get(name, "")
        if query and self.search is not None and finding:
            hits, error = self.search(self.search_module, query)
        merged = context["widget"]["attrs"]  # the widget's own attrs and the layout's
        widget_id = (attrs or {}).get("id") or f"id_{name}"
        context["widget"].update(
            module=self.module, search_url=self.search_url, chosen=chosen,
            value=", ".join(refs), multiple=self.multiple, module_from=self.module_from,
            query=query if finding else "", hits=hits, error=error,
            list_id=f"{widget_id}-list", search_id=widget_id, noun=self.noun,
            aria_label=merged.get("aria-label", ""),
            describedby=merged.get("aria-describedby", ""),
            invalid=merged.get("aria-invalid", ""),
            # The form layout marks a field with errors by a class on its input; here the
            # input the person sees is the search box.
            invalid_class="is-invalid" if "is-invalid" in str(merged.get("class", "")) else "",
            # The box shows what is being searched for, else the chosen record's name (an
            # unknown one is described below it), else what was typed there before another
            # lookup's "Find" redrew the form.
            text=query if finding else (
                chosen[0]["label"] if chosen and chosen[0]["known"] and not self.multiple
                else ("" if chosen and not self.multiple else query)),
        )
        return context


class LinesWidget(forms.Widget):
    """Repeating lines of sub-inputs named ``<name>-<i>-<column>``, plus blank lines to fill."""

    template_name = "widgets/lines.html"
    blank_lines = 2

    def __init__(self, columns: Sequence[tuple[str, str, forms.Widget]],
                 attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.columns = list(columns)

    def lookups(self) -> list[LookupWidget]:
        return [c[2] for c in self.columns if isinstance(c[2], LookupWidget)]

    def is_blank(self, line: dict[str, str]) -> bool:
        # A select always has a value, so only typed columns decide whether a line is blank.
        typed = {c[0] for c in self.columns if not isinstance(c[2], forms.Select)}
        return not any(v for k, v in line.items() if k in typed)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        """Every posted line in its place, blank ones included (the field drops those):
        redrawn, each line keeps its place, so a lookup's search in line 2 stays in line 2."""
        lines: dict[int, dict[str, str]] = {}
        prefix = f"{name}-"
        widgets = {c[0]: c[2] for c in self.columns}
        for key in data:
            if not key.startswith(prefix):
                continue
            index, _, column = key[len(prefix):].partition("-")
            position = plain_int(index) if index == index.strip() else None
            # A lookup cell posts several inputs ("…-Product", "…-Product__q", "…__pick");
            # each column's own widget reads its cell.
            column = column.split("__", 1)[0]
            if position is not None and column in widgets:
                value = widgets[column].value_from_datadict(data, None, f"{prefix}{index}-{column}")
                lines.setdefault(position, {})[column] = str(value or "").strip()
        # Redrawn, the form shows as many lines as it had (one more when asked for more):
        # a failed save must not grow a blank line each time.
        self.shown_lines = len(lines) + (1 if data.get("_refresh") == "lines" else 0)
        return [lines[i] for i in sorted(lines)]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(key.startswith(f"{name}-") for key in data)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        lines = list(value or []) if isinstance(value, list) else []
        filled = sum(1 for line in lines if isinstance(line, dict) and not self.is_blank(line))
        rows = []
        count = max(len(lines), filled + 1, self.blank_lines, getattr(self, "shown_lines", 0))
        for index in range(count):
            line = lines[index] if index < len(lines) and isinstance(lines[index], dict) else {}
            cells = []
            for column, label, widget in self.columns:
                cell_name = f"{name}-{index}-{column}"
                html = widget.render(cell_name, line.get(column, ""),
                                     {"id": f"id_{cell_name}", "aria-label": label,
                                      "class": "form-control form-control-sm"
                                      if not isinstance(widget, forms.Select)
                                      else "form-select form-select-sm"})
                cells.append(html)
            rows.append(cells)
        context["widget"].update(headers=[c[1] for c in self.columns], rows=rows)
        return context


class LinesField(forms.Field):
    """The cleaned value is the list of non-blank lines (dicts of column → text)."""

    def __init__(self, *, columns: Sequence[tuple[str, str, forms.Widget]], **kwargs: Any):
        kwargs.setdefault("widget", LinesWidget(columns))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[dict[str, str]]:
        widget = self.widget
        return [line for line in value or []
                if not (isinstance(widget, LinesWidget) and widget.is_blank(line))]


def part_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return ""  # Django puts it on the list's box too; plain checkboxes are styled by CSS
    if isinstance(widget, forms.Select):
        return "form-select form-select-sm"
    return "form-control form-control-sm"


class StyledParts(forms.MultiWidget):
    """A MultiWidget whose parts each get their own Bootstrap class.

    The form layout gives the whole field and each part ``form-control``, which turned
    checkboxes into empty text boxes and selects into plain ones.
    """

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        # crispy appends its classes to each part's attrs in place; set them right each time.
        for part in self.widgets:
            part.attrs["class"] = part_class(part)
        self.attrs.pop("class", None)
        attrs = {k: v for k, v in (attrs or {}).items() if k != "class"}
        return super().get_context(name, value, attrs)


class RecurrenceWidget(StyledParts):
    template_name = "widgets/recurrence.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {
            "freq": forms.Select(choices=FREQ_CHOICES),
            "interval": forms.NumberInput(attrs={"min": 1, "max": 99}),
            "count": forms.NumberInput(attrs={"min": 1, "max": 99}),
            "until": forms.DateInput(attrs={"type": "date"}),
            "byday": forms.CheckboxSelectMultiple(choices=WEEKDAY_CHOICES),
            "bymonthday": forms.NumberInput(attrs={"min": 1, "max": 31}),
            "bysetpos": forms.Select(choices=SETPOS_CHOICES),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        parts: dict[str, str] = {}
        if isinstance(value, str) and value:
            for chunk in value.split(";"):
                key, _, val = chunk.partition("=")
                parts[key.strip().upper()] = val.strip()
        return [
            parts.get("FREQ", ""), parts.get("INTERVAL", "1" if parts else ""),
            parts.get("COUNT", ""), parts.get("UNTIL", ""),
            [d for d in parts.get("BYDAY", "").split(",") if d],
            parts.get("BYMONTHDAY", ""), parts.get("BYSETPOS", ""),
        ]


    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rule = value if isinstance(value, str) else ""
        if isinstance(value, list):
            rule = RecurrenceField().compress_lenient(value)
        context["widget"]["preview"] = recurrence_preview(rule, start=getattr(self, "start", None))
        return context


def recurrence_preview(rule: str, *, start: Any = None, count: int = 5) -> str:
    """The next few dates a rule produces, or why it is not acceptable."""
    import datetime as dt
    import itertools

    from dateutil.rrule import rrulestr

    from bigin_ui.metadata.validation import FieldInvalid, check_rrule

    if not rule:
        return ""
    try:
        parts = check_rrule(rule)
    except FieldInvalid as exc:
        return f"Not a valid repeat: {exc.message}"
    begin = start or dt.date.today()
    if "DTSTART" in parts:
        begin = dt.date.fromisoformat(parts["DTSTART"])
    if isinstance(begin, dt.date) and not isinstance(begin, dt.datetime):
        begin = dt.datetime.combine(begin, dt.time(9, 0))
    text = ";".join(
        f"{k}={v.replace('-', '') + 'T235959' if k == 'UNTIL' else v}"
        for k, v in parts.items() if k != "DTSTART"
    )
    try:
        # Only the first few: a daily rule until 9999 has millions of dates.
        dates = list(itertools.islice(rrulestr(text, dtstart=begin.replace(tzinfo=None)),
                                      count))
    except (ValueError, TypeError) as exc:
        return f"Not a valid repeat: {exc}"
    if not dates:
        return "This rule produces no dates."
    return "Next: " + ", ".join(d.strftime("%a %d %b %Y") for d in dates)


class RecurrenceField(forms.MultiValueField):
    """Builds an RRULE string (FREQ;INTERVAL;COUNT|UNTIL;BYDAY;BYMONTHDAY;BYSETPOS)."""

    widget = RecurrenceWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.ChoiceField(choices=FREQ_CHOICES, required=False),
            forms.IntegerField(required=False),
            forms.IntegerField(required=False),
            forms.DateField(required=False),
            forms.MultipleChoiceField(choices=WEEKDAY_CHOICES, required=False),
            forms.IntegerField(required=False),
            forms.ChoiceField(choices=SETPOS_CHOICES, required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress_lenient(self, raw: list[Any]) -> str:
        """Compress raw widget values (strings) for a preview, ignoring bad numbers."""
        values = list(raw) + [None] * (7 - len(raw))
        until = values[3]
        try:
            import datetime as dt

            until = dt.date.fromisoformat(until) if until else None
        except (TypeError, ValueError):
            until = None
        # Raw checkbox values are not cleaned yet: a posted day that is not one of the choices
        # would break the ordering in compress().
        days = {code for code, _ in WEEKDAY_CHOICES}
        byday = [d for d in values[4] or [] if d in days]
        return self.compress([values[0], values[1], values[2], until, byday,
                              values[5], values[6]])

    def compress(self, data_list: list[Any]) -> str:
        if not data_list or not data_list[0]:
            return ""
        freq, interval, count, until, byday, bymonthday, bysetpos = data_list
        parts = [f"FREQ={freq}", f"INTERVAL={interval or 1}"]
        if byday:
            order = [d for d, _ in WEEKDAY_CHOICES]
            parts.append("BYDAY=" + ",".join(sorted(byday, key=order.index)))
        if bymonthday:
            parts.append(f"BYMONTHDAY={bymonthday}")
        if bysetpos:
            parts.append(f"BYSETPOS={bysetpos}")
        if count:
            parts.append(f"COUNT={count}")
        if until:
            parts.append(f"UNTIL={until.isoformat()}")
        return ";".join(parts)


ALARM_ACTIONS = [("", "No reminder"), ("EMAIL", "E-mail"), ("POPUP", "Pop-up")]
ALARM_UNITS = [("D", "days before"), ("W", "weeks before")]


class AlarmWidget(StyledParts):
    template_name = "widgets/alarm.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = {
            "action": forms.Select(choices=ALARM_ACTIONS),
            "at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "before": forms.NumberInput(attrs={"min": 1, "max": 99}),
            "unit": forms.Select(choices=ALARM_UNITS),
            "time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if not isinstance(value, dict):
            return ["", None, "", "D", None]
        return [value.get("action", ""), value.get("at"), value.get("before", ""),
                value.get("unit", "D"), value.get("time")]


class AlarmField(forms.MultiValueField):
    """A task reminder: a moment for one-off tasks, or n days/weeks before at a time for
    recurring ones. The cleaned value is a dict; the form turns it into Bigin's ALARM."""

    widget = AlarmWidget

    def __init__(self, **kwargs: Any) -> None:
        fields = (
            forms.ChoiceField(choices=ALARM_ACTIONS, required=False),
            forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M",
                                                                "%Y-%m-%dT%H:%M:%S"]),
            forms.IntegerField(required=False, min_value=1, max_value=99),
            forms.ChoiceField(choices=ALARM_UNITS, required=False),
            forms.TimeField(required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> dict[str, Any] | None:
        if not data_list or not data_list[0]:
            return None
        action, at, before, unit, time = data_list
        return {"action": action, "at": at, "before": before, "unit": unit or "D",
                "time": time}


class ParticipantsWidget(StyledParts):
    template_name = "widgets/participants.html"

    def __init__(self, users: Sequence[tuple[str, str]], contacts: forms.Widget,
                 attrs: dict[str, Any] | None = None) -> None:
        widgets = {
            "users": forms.CheckboxSelectMultiple(choices=list(users)),
            "contacts": contacts,
            "emails": forms.TextInput(attrs={"placeholder": "ann@example.com, bo@example.org"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        return self.split(value)

    @staticmethod
    def split(value: Any) -> list[Any]:
        """Stored participants as the widget's parts: ticked user IDs, contact references
        (``row:<pk>`` for a queued row) and e-mail addresses, each in stored order."""
        users: list[str] = []
        contacts: list[str] = []
        emails: list[str] = []
        if not isinstance(value, list):
            return [users, "", ""]
        for item in value:
            if not isinstance(item, dict):
                continue
            who = item.get("participant")
            if item.get("type") == "user":
                users.append(str(who))
            elif item.get("type") == "contact":
                contacts.append(f"row:{who['$row']}" if isinstance(who, dict) and "$row" in who
                                else str(who.get("id") if isinstance(who, dict) else who))
            elif item.get("type") == "email":
                emails.append(str(who))
        return [users, ", ".join(contacts), ", ".join(emails)]


class ParticipantsField(forms.MultiValueField):
    def __init__(self, *, users: Sequence[tuple[str, str]], contacts: forms.Widget,
                 **kwargs: Any) -> None:
        fields = (
            forms.MultipleChoiceField(choices=list(users), required=False),
            forms.CharField(required=False),
            forms.CharField(required=False),
        )
        kwargs["widget"] = ParticipantsWidget(users, contacts)
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[Any]) -> list[dict[str, Any]]:
        if not data_list:
            return []
        users, contacts, emails = data_list
        result: list[dict[str, Any]] = [{"type": "user", "participant": u} for u in users or []]
        for ref in (contacts or "").split(","):
            ref = ref.strip()
            pk = plain_int(ref[4:]) if ref.lower().startswith("row:") else None
            if pk is not None:
                result.append({"type": "contact", "participant": {"$row": pk}})
            elif ref:
                result.append({"type": "contact", "participant": ref})
        for email in (emails or "").replace(";", ",").split(","):
            if email.strip():
                result.append({"type": "email", "participant": email.strip()})
        return result
