"""The editor's Django form: one field per entry of manifest_forms, with the schema's help.

manifest_forms (what each field means in the manifest) → here (widgets, labels, help text from
`kubectl explain`'s descriptions, errors at the field) → templates/web/editor/. The form only
renders and carries text: reading the text into the manifest is manifest_forms' job, checking
the manifest is the store's admission.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms

from playground.kubectl import explain

from . import manifest_forms as mf

HELP_LENGTH = 160  # the first sentence under the field; the whole description is its tooltip
MAX_ROWS = 20  # containers, ports or data keys one form shows (Django takes at most 1,000 fields a POST)


def help_for(kind: str, path: str) -> str:
    """The schema's description of a field (explain ignores list indexes in the path)."""
    return explain.help_text(kind, path)


def short_help(text: str) -> str:
    """The first sentence of a description, cut to HELP_LENGTH."""
    first = text.split(". ")[0].split("\n")[0].rstrip(".")
    return first if len(first) <= HELP_LENGTH else first[: HELP_LENGTH - 1] + "…"


def django_field(spec: mf.FieldSpec, *, kind: str, path: str, name: str) -> forms.Field:
    """The form field of one FieldSpec, with its schema description as help and tooltip."""
    description = help_for(kind, path)
    attrs: dict[str, Any] = {"title": description, "spellcheck": "false", "aria-label": spec.label,
                             "id": f"id_{name}"}
    if spec.placeholder:
        attrs["placeholder"] = spec.placeholder
    if spec.widget == "choice":
        choices = [(c, c or "(default)") for c in spec.choices]
        return forms.ChoiceField(label=spec.label, required=False, choices=choices, help_text=short_help(description),
                                 widget=forms.Select(attrs=attrs))
    if spec.widget == "lines":
        widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": 2})
    elif spec.widget == "number":
        widget = forms.NumberInput(attrs=attrs)
    else:
        widget = forms.TextInput(attrs=attrs)
    return forms.CharField(label=spec.label, required=False, strip=False, widget=widget,
                           help_text=short_help(description))


@dataclass
class Row:
    """One container, Service port or data key in the form."""

    index: int
    fields: list[forms.BoundField]
    remove: str  # the action of its "remove" button: remove-container-1
    groups: list[tuple[str, list[forms.BoundField]]] = field(default_factory=list)  # probes, resources


@dataclass
class RowSet:
    prefix: str
    label: str
    count: int
    rows: list[Row]


class ManifestForm(forms.Form):
    """The form of one manifest: metadata and kind fields, then rows (containers, ports, data).

    Built with `initial` (from the manifest) and never bound: what it shows is always what the
    manifest says after the last round trip; errors are added by name with `add_error`.
    """

    def __init__(self, kind: str, manifest: mf.Obj, *, errors: dict[str, str] | None = None,
                 typed: dict[str, str] | None = None) -> None:
        values = mf.form_data(manifest)
        super().__init__(initial={**values, **(typed or {})})  # a field that could not be read shows what was typed
        self.kind = kind
        self.secret = kind == "Secret"
        for spec in mf.kind_fields(kind):
            self.fields[spec.name] = django_field(spec, kind=kind, path=spec.path, name=spec.name)
        self.row_sets: list[tuple[mf.Rows, int]] = []
        for rows in mf.rows_of(kind):
            count = min(len(rows.items(manifest)), MAX_ROWS)
            self.row_sets.append((rows, count))
            for index in range(count):
                for spec in rows.fields:
                    name = rows.name(index, spec.name)
                    self.fields[name] = django_field(spec, kind=kind, path=f"{rows.path}.{spec.path}", name=name)
        self.data_count = len(mf.data_rows(manifest)) if mf.has_data(kind) else 0
        for index in range(min(self.data_count, MAX_ROWS)):
            self._add_data_fields(index, values.get(f"data-{index}-source", "data"))
        self._errors = forms.utils.ErrorDict()
        for name, message in (errors or {}).items():
            if name in self.fields:
                self._errors.setdefault(name, self.error_class()).append(message)

    def _add_data_fields(self, index: int, source: str) -> None:
        description = help_for(self.kind, "stringData" if source == "stringData" else "data")
        attrs = {"title": description, "spellcheck": "false"}
        self.fields[f"data-{index}-key"] = forms.CharField(label="key", required=False,
                                                           widget=forms.TextInput(attrs={**attrs, "aria-label": "key"}))
        if self.secret:
            masked = {"placeholder": "kept: type to replace"} if source == "masked" else {}
            value_widget: forms.Widget = forms.PasswordInput(
                render_value=True,
                attrs={**attrs, **masked, "aria-label": "value", "class": "secret-value", "autocomplete": "off"},
            )
        else:
            value_widget = forms.Textarea(attrs={**attrs, "rows": 2, "aria-label": "value"})
        self.fields[f"data-{index}-value"] = forms.CharField(label="value", required=False, strip=False,
                                                             widget=value_widget)
        self.fields[f"data-{index}-source"] = forms.CharField(required=False, widget=forms.HiddenInput())

    # What the templates iterate over

    def main_fields(self) -> list[forms.BoundField]:
        return [self[spec.name] for spec in mf.kind_fields(self.kind)]

    def rows(self) -> list[RowSet]:
        found = []
        for rows, count in self.row_sets:
            items = []
            for index in range(count):
                bound = [self[rows.name(index, spec.name)] for spec in rows.fields]
                plain = [b for b, spec in zip(bound, rows.fields) if not _grouped(spec)]
                groups = [
                    (title, [b for b, spec in zip(bound, rows.fields) if _grouped(spec) == title])
                    for title in ("resources", "liveness probe", "readiness probe")
                    if any(_grouped(spec) == title for spec in rows.fields)
                ]
                items.append(Row(index, plain, f"remove-{rows.prefix}-{index}", groups))
            found.append(RowSet(rows.prefix, rows.label, count, items))
        return found

    def data_rows(self) -> list[dict[str, Any]]:
        return [
            {**{k: self[f"data-{index}-{k}"] for k in ("key", "value", "source")}, "remove": f"remove-data-{index}"}
            for index in range(min(self.data_count, MAX_ROWS))
        ]

    @property
    def data_rows_hidden(self) -> int:
        """Keys the form does not draw (kept as they are; the YAML shows them)."""
        return max(0, self.data_count - MAX_ROWS)

    @property
    def max_rows(self) -> int:
        return MAX_ROWS


def _grouped(spec: mf.FieldSpec) -> str:
    if spec.name.startswith(("requests_", "limits_")):
        return "resources"
    if spec.group.endswith("-probe"):
        return spec.group.replace("-", " ")
    return ""
