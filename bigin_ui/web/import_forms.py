"""Forms of the import pages: the upload, and the mapping with its options."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from bigin_ui.imports.cells import Options
from bigin_ui.imports.convert import describe_convention
from bigin_ui.metadata.fields import FieldMeta
from bigin_ui.metadata.schema import MODULE_LABELS, MODULES

IGNORE = ""


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())
            if "/" in name and not name.startswith(("Etc/", "SystemV/"))] + [("UTC", "UTC")]


class UploadForm(forms.Form):
    module = forms.ChoiceField(choices=[(m, MODULE_LABELS[m]) for m in MODULES])
    file = forms.FileField(help_text="CSV (comma, semicolon, tab or | between cells; UTF-8) "
                           "or XLSX. The first row names the columns.")
    sheet = forms.CharField(required=False, max_length=100, label="Sheet (XLSX)",
                            help_text="Leave empty for the first sheet.")

    def __init__(self, *args: Any, admin: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if admin:
            users = get_user_model().objects.filter(is_active=True).order_by("username")
            self.fields["owner"] = forms.ModelChoiceField(
                queryset=users, required=False, label="On behalf of",
                empty_label="myself", help_text="The rows become this person's rows.")


class MappingForm(forms.Form):
    """One choice per column (a field or "ignore"), then the options."""

    decimal = forms.ChoiceField(
        label="Decimal separator", widget=forms.RadioSelect,
        choices=[(".", "Point: 2500.50 (a comma may group thousands: 2,500.50)"),
                 (",", "Comma: 2500,50 (a point may group thousands: 2.500,50)")])
    time_zone = forms.ChoiceField(label="Time zone for date/times without an offset")
    new_picklist_values = forms.ChoiceField(
        label="Picklist values that match no existing value", widget=forms.RadioSelect,
        choices=[("reject", "Reject the line and suggest the closest values")])
    save_mapping = forms.BooleanField(required=False,
                                      label="Remember this mapping for my next import here")

    def __init__(self, *args: Any, headers: list[str], fields: list[FieldMeta],
                 mapping: dict[int, str], options: Options, own: Options, admin: bool,
                 **kwargs: Any) -> None:
        initial = {f"column_{i}": mapping.get(i, IGNORE) for i in range(len(headers))}
        initial.update(decimal=options.decimal, time_zone=options.time_zone,
                       new_picklist_values="new" if options.new_picklist_values else "reject")
        super().__init__(*args, initial=initial, **kwargs)
        self.headers = headers
        self.metas = {f.api_name: f for f in fields}
        choices = [(IGNORE, "— ignore this column —")] + [
            (f.api_name, f"{f.label} ({f.api_name})") for f in fields]
        self.column_fields = []
        for index, header in enumerate(headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(choices=choices, required=False,
                                                  label=header or f"column {index + 1}")
            self.column_fields.append(name)
        zones = zone_choices()
        if options.time_zone not in {z for z, _ in zones}:
            zones = [(options.time_zone, options.time_zone), *zones]
        self.fields["time_zone"].choices = zones
        self.fields["time_zone"].help_text = (
            f"Your own zone is {own.time_zone} (your profile); a value with an offset keeps "
            "its own.")
        if admin:
            self.fields["new_picklist_values"].choices = [
                *self.fields["new_picklist_values"].choices,
                ("new", "Send them as new values (Bigin adds them to the picklist)")]
        # Moved after the columns, which come first on the page.
        self.order_fields([*self.column_fields, "decimal", "time_zone", "new_picklist_values",
                           "save_mapping"])

    def columns(self) -> list[dict[str, Any]]:
        rows = []
        for index, name in enumerate(self.column_fields):
            chosen = self[name].value() or IGNORE
            meta = self.metas.get(chosen)
            rows.append({"index": index, "header": self.headers[index], "field": self[name],
                         "convention": describe_convention(meta) if meta else ""})
        return rows

    def chosen_mapping(self) -> dict[int, str]:
        return {i: self.cleaned_data[f"column_{i}"] for i in range(len(self.headers))
                if self.cleaned_data.get(f"column_{i}")}

    def chosen_options(self) -> Options:
        return Options(time_zone=self.cleaned_data["time_zone"],
                       decimal=self.cleaned_data["decimal"],
                       new_picklist_values=self.cleaned_data["new_picklist_values"] == "new")
