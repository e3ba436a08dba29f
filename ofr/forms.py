"""USWDS form rendering: a form renderer, a widget-styling mixin and the sign-in form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

# Classes USWDS puts on the failing control; usa-input--error also styles selects and textareas.
ERROR_CLASS = "usa-input--error"


class USWDSFormRenderer(TemplatesSetting):
    """Render every form and field with the project's USWDS templates.

    TemplatesSetting looks templates up through settings.TEMPLATES, so the
    project's templates/forms/ is found; Django's own widget templates are found
    there too when "django.forms" is in INSTALLED_APPS (with APP_DIRS=True).
    """

    form_template_name = "forms/uswds_form.html"
    field_template_name = "forms/uswds_field.html"


def uswds_class(widget):
    """Return the USWDS class for a widget, or None for widgets USWDS does not style."""
    # Order matters: CheckboxSelectMultiple subclasses RadioSelect, which subclasses Select.
    if widget.is_hidden or isinstance(widget, forms.FileInput):
        return None  # hidden inputs need no style; usa-file-input needs extra markup and JS
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
        return "usa-checkbox__input"
    if isinstance(widget, forms.RadioSelect):
        return "usa-radio__input"
    if isinstance(widget, forms.Select | forms.SelectDateWidget):
        return "usa-select"
    if isinstance(widget, forms.Textarea):
        return "usa-textarea"
    # Text, email, number, password, date/time inputs; MultiWidget passes attrs to its parts.
    if isinstance(widget, Input | forms.MultiWidget):
        return "usa-input"
    return None


def _add_class(widget, css_class):
    classes = widget.attrs.get("class", "").split()
    if css_class not in classes:
        widget.attrs["class"] = " ".join([*classes, css_class])


def _remove_class(widget, css_class):
    classes = [c for c in widget.attrs.get("class", "").split() if c != css_class]
    if classes:
        widget.attrs["class"] = " ".join(classes)
    else:
        widget.attrs.pop("class", None)


class USWDSFormMixin:
    """Give every widget its USWDS class, and mark fields that failed validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields is a per-instance deep copy, so editing widget attrs here is safe.
        for field in self.fields.values():
            css_class = uswds_class(field.widget)
            if css_class:
                _add_class(field.widget, css_class)

    def full_clean(self):
        super().full_clean()
        # Errors only exist after cleaning; doing this here keeps __init__ from forcing validation.
        for name, field in self.fields.items():
            if field.widget.is_hidden or uswds_class(field.widget) is None:
                continue
            if name in self._errors:
                # Radio/checkbox lists are marked by the form group, not by each option.
                if not isinstance(field.widget, forms.RadioSelect | forms.CheckboxInput):
                    _add_class(field.widget, ERROR_CLASS)
                field.widget.attrs["aria-invalid"] = "true"
            else:  # a re-clean after the data changed must clear old marks
                _remove_class(field.widget, ERROR_CLASS)
                field.widget.attrs.pop("aria-invalid", None)


class LoginForm(USWDSFormMixin, AuthenticationForm):
    """The sign-in form, styled for USWDS, with password-manager friendly autocomplete."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Explicit so password managers fill the right fields (WCAG 1.3.5 input purpose).
        self.fields["username"].widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
