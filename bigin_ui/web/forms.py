"""Forms for the admin pages (the record forms themselves are generated, see metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from bigin_ui.bigin.datacenters import DATA_CENTRES
from bigin_ui.connection.models import SavedConnection
from bigin_ui.metadata.schema import MODULE_LABELS, MODULES
from bigin_ui.queue.listing import HELD, RowFilters
from bigin_ui.queue.models import Row
from bigin_ui.queue.review import ReviewFilters


@dataclass(frozen=True)
class BarField:
    """One field of a list's filter bar as plain values, for the template to print.

    Django draws each widget through its own small templates (the widget, its attributes,
    an include for each): 0.1 ms a field, about 1 ms for a filter bar of eight, as much as
    the page's 50 rows. The values here are the ones Django's widget would print, worked
    out by Django's own code (the field's attributes, its errors' aria attributes, the
    value as the widget formats it); the template escapes them like any other text.
    """

    name: str
    label: str
    id: str
    tag: str  # "select" or "input"
    input_type: str  # the <input>'s type ("text", "date", "hidden"); "" for a select
    value: str | None  # what the <input> shows (None: no value attribute)
    data: str  # the value as submitted, "" when none (for hidden copies in another form)
    attrs: list[tuple[str, str | None]]  # further attributes; None: one without a value
    options: list[tuple[str, str, bool]]  # a select's (value, label, selected)
    errors: list[str]
    is_hidden: bool


def filter_bar(form: forms.Form) -> list[BarField]:
    """The form's fields as BarFields, in the form's order."""
    found = []
    for bound in form:
        widget = bound.field.widget
        extra = bound.build_widget_attrs({}, widget)
        if bound.auto_id and "id" not in widget.attrs:
            extra.setdefault("id", bound.auto_id)
        attrs = widget.build_attrs(widget.attrs, extra)
        listed = [(str(k), None if v is True else str(v)) for k, v in attrs.items()
                  if v is not False]
        raw = bound.value()
        shown: Any = widget.format_value(raw)
        options = []
        if isinstance(widget, forms.Select):
            chosen = set(shown)
            options = [(str(v), str(label), str(v) in chosen) for v, label in
                       bound.field.choices]
            shown = None
        found.append(BarField(
            name=bound.html_name, label=str(bound.label), id=str(attrs.get("id", "")),
            tag="select" if isinstance(widget, forms.Select) else "input",
            input_type=getattr(widget, "input_type", "") or "", value=shown,
            data="" if raw is None else str(raw), attrs=listed, options=options,
            errors=[str(e) for e in bound.errors], is_hidden=widget.is_hidden))
    return found


class ReviewFilterForm(forms.Form):
    module = forms.ChoiceField(required=False, choices=[("", "All modules")]
                               + [(m, MODULE_LABELS[m]) for m in MODULES])
    error_code = forms.CharField(required=False, max_length=60, label="Error code")
    field = forms.CharField(required=False, max_length=100, label="Field")
    owner = forms.CharField(required=False, max_length=150, label="Entered by")
    date_from = forms.DateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(required=False, max_length=200, label="Search")
    cause = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The filter bar renders bare widgets (no crispy), so they get Bootstrap's classes here.
        for field in self.fields.values():
            if isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select form-select-sm")
            elif not field.widget.is_hidden:
                field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def filters(self) -> ReviewFilters:
        # A bad value (a hand-edited date in the URL) drops only its own filter, and the page
        # shows the field's error; the other filters still apply.
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ReviewFilters(**{k: data.get(k) or ("" if k not in {"date_from", "date_to"}
                                                   else None)
                                for k in ReviewFilters.__dataclass_fields__})


class BulkActionForm(forms.Form):
    ACTIONS = [("retry", "Retry"), ("discard", "Discard"),
               ("set_field", "Set a field and resubmit")]
    action = forms.ChoiceField(choices=ACTIONS)
    # Which button was pressed: the checked rows, or the whole group of the page's cause. The
    # cause always rides along in the page's filters, so its presence says nothing.
    selection = forms.ChoiceField(choices=[("rows", "Checked rows"), ("group", "Whole group")],
                                  required=False)
    rows = forms.TypedMultipleChoiceField(coerce=int, required=False)
    cause = forms.CharField(required=False)
    reason = forms.CharField(required=False, max_length=500)
    api_name = forms.CharField(required=False, max_length=100, label="Field")
    value = forms.CharField(required=False, max_length=32000)

    def __init__(self, *args, row_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rows"].choices = [(pk, pk) for pk in row_choices]

    def clean(self):
        data = super().clean()
        data["selection"] = data.get("selection") or "rows"
        if data["selection"] == "group" and not data.get("cause"):
            raise forms.ValidationError("Pick a group first.")
        if data["selection"] == "rows" and not data.get("rows"):
            raise forms.ValidationError("Select some rows or a group first.")
        if data.get("action") == "discard" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why these rows are discarded.")
        if data.get("action") == "set_field" and not data.get("api_name"):
            self.add_error("api_name", "Choose the field to set.")
        return data


class ConnectionForm(forms.Form):
    mode = forms.ChoiceField(choices=SavedConnection.Mode.choices, widget=forms.RadioSelect)
    dc = forms.ChoiceField(label="Data centre",
                           choices=[(dc.code, f"{dc.name} ({dc.api_domain})")
                                    for dc in DATA_CENTRES.values()])
    client_id = forms.CharField(required=False, max_length=200, label="Client ID")
    client_secret = forms.CharField(
        required=False, max_length=200, label="Client secret",
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret.",
    )
    grant_code = forms.CharField(
        required=False, max_length=300, label="Grant code",
        widget=forms.PasswordInput(render_value=False),
        help_text="From the self-client's Generate Code tab; exchanged for a refresh token as "
        "soon as you save (it expires within minutes).",
    )
    accounts_url = forms.URLField(required=False, label="Accounts server override",
                                  assume_scheme="https",
                                  help_text="Only for proxies or another Bigin-compatible server.")
    api_domain = forms.URLField(required=False, label="API domain override",
                                assume_scheme="https")

    def clean(self):
        data = super().clean()
        if data.get("mode") == SavedConnection.Mode.LIVE and not data.get("client_id"):
            self.add_error("client_id", "A real org needs the self-client's client ID.")
        return data


class RowsFilterForm(forms.Form):
    """The admins' "All rows" filters; a bad value drops only its own filter."""

    status = forms.ChoiceField(required=False, label="Status")
    module = forms.ChoiceField(required=False, label="Module", choices=[("", "All modules")]
                               + [(m, MODULE_LABELS[m]) for m in MODULES])
    owner = forms.ChoiceField(required=False, label="Entered by")
    date_from = forms.DateField(required=False, label="From",
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To",
                              widget=forms.DateInput(attrs={"type": "date"}))
    q = forms.CharField(required=False, max_length=200, label="Search")

    def __init__(self, *args, counts=None, usernames=(), **kwargs):
        super().__init__(*args, **kwargs)
        counts = counts or {}
        self.fields["status"].choices = [("", "All statuses")] + [
            (value, f"{label} ({counts[value]})" if value in counts else label)
            for value, label in Row.Status.choices] + [(HELD, "On hold")]
        self.fields["owner"].choices = [("", "Everyone")] + [(u, u) for u in usernames]
        self.fields["q"].widget.attrs["placeholder"] = "Name, e-mail, Bigin ID, error…"
        for name, field in self.fields.items():
            css = ("form-select form-select-sm" if isinstance(field.widget, forms.Select)
                   else "form-control form-control-sm")
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-testid", f"filter-{name}")

    def filters(self) -> RowFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return RowFilters(status=data.get("status") or "", module=data.get("module") or "",
                          owner=data.get("owner") or "", date_from=data.get("date_from"),
                          date_to=data.get("date_to"), text=data.get("q") or "")
