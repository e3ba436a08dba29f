from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from cases.imports.reading import MAX_BYTES, ImportFileError, Sheet, read_sheet
from cases.imports.targets import TARGETS, default_columns
from cases.models import ImportMapping
from ofr.forms import USWDSFormMixin
from ofr.models import Team

TEMPLATE_COLUMNS = ""  # the mapping choice that stands for the template file's own headers


class UploadForm(USWDSFormMixin, forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    mapping = forms.ChoiceField(
        label=gettext_lazy("Columns"),
        required=False,
        help_text=gettext_lazy(
            "How the file's columns map to the case file: the template's "
            "headers, or a mapping the team saved."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=format_lazy(
            gettext_lazy("At most {size} MB; the first row names the columns."),
            size=MAX_BYTES // (1024 * 1024),
        ),
    )

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.mappings = {
            str(m.code): m
            for m in ImportMapping.objects.filter(team__in=teams).select_related("team")
        }
        self.fields["mapping"].choices = [
            (TEMPLATE_COLUMNS, gettext("The template's column names"))
        ] + [(code, f"{m.team.short_code}: {m.name}") for code, m in self.mappings.items()]

    def clean(self) -> dict:
        cleaned = super().clean()
        team, upload = cleaned.get("team"), cleaned.get("file")
        mapping = self.mappings.get(cleaned.get("mapping") or "")
        if mapping is not None and team is not None and mapping.team_id != team.pk:
            self.add_error("mapping", gettext("This mapping is another team's."))
        cleaned["columns"] = mapping.columns if mapping else default_columns()
        if upload is not None:
            if upload.size > MAX_BYTES:
                self.add_error(
                    "file",
                    gettext("The file is larger than %(size)s MB.")
                    % {"size": MAX_BYTES // (1024 * 1024)},
                )
                return cleaned
            try:
                cleaned["sheet"] = read_sheet(upload.read(), upload.name)
            except ImportFileError as refused:
                self.add_error("file", str(refused))
                return cleaned
            if cleaned["sheet"].lines:
                # A REDCap records file names its columns as the export does.
                from cases.imports import redcap

                cleaned["columns"] = redcap.columns()
            self.check_columns(cleaned["sheet"], cleaned["columns"])
        return cleaned

    def check_columns(self, sheet: Sheet, columns: dict) -> None:
        from cases.imports.planning import column_positions, unknown_columns

        unknown = unknown_columns(sheet.header, columns)
        if unknown:
            self.add_error(
                "file",
                gettext(
                    "Unknown columns: %(columns)s. Rename them as in the template, "
                    "remove them, or save a mapping for them."
                )
                % {"columns": ", ".join(f"“{name[:60]}”" for name in unknown[:10])},
            )
        elif not column_positions(sheet.header, columns):
            self.add_error("file", gettext("None of the file's columns fills a case-file field."))


class MappingForm(USWDSFormMixin, forms.Form):
    """One text box per importable field: the column header that fills it."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    name = forms.CharField(
        max_length=100,
        help_text=gettext_lazy("Saving under a name the team already uses replaces it."),
    )

    def __init__(self, *args, teams, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        defaults = default_columns()
        for number, target in enumerate(TARGETS):
            self.fields[f"column_{number}"] = forms.CharField(
                label=target.label,
                required=False,
                max_length=100,
                initial=defaults[target.key],
                help_text=gettext("Field %(key)s") % {"key": target.key},
            )

    def target_fields(self):
        return [self[f"column_{number}"] for number in range(len(TARGETS))]

    def clean(self) -> dict:
        cleaned = super().clean()
        columns = {
            target.key: cleaned.get(f"column_{number}", "").strip()
            for number, target in enumerate(TARGETS)
        }
        columns = {key: column for key, column in columns.items() if column}
        if not columns:
            raise forms.ValidationError(gettext("Name the column of at least one field."))
        headers = [column.casefold() for column in columns.values()]
        if len(set(headers)) != len(headers):
            raise forms.ValidationError(gettext("Each column may fill one field only."))
        cleaned["columns"] = columns
        return cleaned

    def save(self, *, by) -> ImportMapping:
        data = self.cleaned_data
        mapping = ImportMapping.objects.filter(team=data["team"], name=data["name"]).first()
        mapping = mapping or ImportMapping(team=data["team"], name=data["name"])
        mapping.columns = data["columns"]
        mapping.updated_by = by
        mapping._history_user = by
        mapping._change_reason = "Column mapping saved"
        mapping.full_clean()
        mapping.save()
        return mapping
