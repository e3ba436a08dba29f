"""USWDS form rendering: a form renderer, a mixin every form uses (USWDS classes,
and the limits that keep bad input a message rather than a 500), and the forms
of signing in and of passwords."""

import re
from datetime import date, datetime

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from ofr.passwords import send_later

# Classes USWDS puts on the failing control; usa-input--error also styles selects and textareas.
ERROR_CLASS = "usa-input--error"

# The largest integer SQLite and PostgreSQL (bigint) store: a larger id reaches
# the query and fails there (OverflowError, DataError) instead of being refused.
LARGEST_ID = 9_223_372_036_854_775_807
# No date of this system's records comes before it (dates of birth included).
EARLIEST_DATE = date(1900, 1, 1)
# No date goes past the end of the year this many years ahead (meetings and due
# dates are the only ones in the future; models refuse future dates elsewhere).
YEARS_AHEAD = 5
# Caps for text fields that have no max_length of their own (a model TextField,
# a form CharField declared without one), unless the form's `text_limits` names one.
MULTI_LINE_MAX_LENGTH = 10_000
SINGLE_LINE_MAX_LENGTH = 1_000

# Line breaks as browsers and other systems send them, made "\n".
LINE_BREAK = re.compile(r"\r\n|[\r\x85\u2028\u2029]")
# C0 and C1 control characters and DEL, but tab and line feed; and the
# bidirectional embeddings and overrides, which make text display other than
# it reads (in a CSV or a PDF); marks and isolates, which right-to-left text
# needs, stay.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


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


def latest_date() -> date:
    """The last day a date may name: the end of the year YEARS_AHEAD from now."""
    return date(timezone.localdate().year + YEARS_AHEAD, 12, 31)


def check_date_range(value: date | datetime) -> None:
    """Refuse a date before 1900 or past latest_date(); a date-time by its own
    calendar day, so that nothing converts it between time zones first (the
    conversion overflows at the ends of the calendar)."""
    day = value.date() if isinstance(value, datetime) else value
    if day < EARLIEST_DATE:
        raise ValidationError(
            gettext("Enter a date from %(earliest)s on."),
            code="min_value",
            params={"earliest": EARLIEST_DATE.isoformat()},
        )
    latest = latest_date()
    if day > latest:
        raise ValidationError(
            gettext("Enter a date no later than %(latest)s."),
            code="max_value",
            params={"latest": latest.isoformat()},
        )


def clean_text(value: str, *, multi_line: bool) -> str:
    """Control characters removed and every line break a line feed; a single-line
    value gets spaces instead of line breaks and tabs (it may end up in an
    e-mail subject or a PDF header)."""
    if value.isprintable():  # most values: nothing to clean, and quick to tell
        return value
    value = LINE_BREAK.sub("\n", value)
    if not multi_line:
        value = value.replace("\n", " ").replace("\t", " ")
    return CONTROL.sub("", value)


def is_multi_line(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.Textarea)


def limit_text(field: forms.CharField, limit: int | None = None) -> None:
    """Give a text field a maximum length, shown by the browser and enforced here:
    its own max_length, else `limit`, else the default cap for its kind."""
    if field.max_length is not None:
        limit = field.max_length
    elif limit is None:
        limit = MULTI_LINE_MAX_LENGTH if is_multi_line(field) else SINGLE_LINE_MAX_LENGTH
    field.max_length = limit
    # Some fields set max_length after construction (AuthenticationForm's
    # username), which adds no validator: add the one that counts.
    if not any(
        isinstance(v, MaxLengthValidator) and v.limit_value <= limit for v in field.validators
    ):
        field.validators.append(MaxLengthValidator(limit))
    if not field.widget.is_hidden and isinstance(field.widget, Input | forms.Textarea):
        field.widget.attrs["maxlength"] = str(limit)


def is_storable_id(value) -> bool:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LARGEST_ID


def has_integer_key(field: forms.ModelChoiceField) -> bool:
    meta = field.queryset.model._meta
    key = meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    while key.is_relation:  # a primary key that is a one-to-one link
        key = key.target_field
    return isinstance(key, models.IntegerField)


def refuse_unstorable_ids(field: forms.ModelChoiceField) -> None:
    """Wrap the field's clean() so that a value that cannot be an integer id is
    "Select a valid choice" before it is looked up: Django catches ValueError and
    TypeError there, not the overflow of a 20-digit number."""
    clean = field.clean

    def guarded_clean(value):
        if has_integer_key(field):
            for item in value if isinstance(value, list | tuple) else [value]:
                if item in field.empty_values or isinstance(item, field.queryset.model):
                    continue
                if not is_storable_id(item):
                    raise ValidationError(
                        field.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return clean(value)

    field.clean = guarded_clean


class USWDSFormMixin:
    """Give every widget its USWDS class, and mark fields that failed validation.

    It also holds every form to limits that keep hostile input a message on the
    page: ids a database can store, dates from 1900 to the end of the year five
    years ahead, text of a bounded length without control characters, and no line
    breaks in single-line fields (they become spaces). A text field without a
    max_length of its own gets one from `text_limits` ({field name: characters}),
    else MULTI_LINE_MAX_LENGTH or SINGLE_LINE_MAX_LENGTH."""

    text_limits: dict[str, int] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # self.fields is a per-instance deep copy, so editing fields and widgets here is safe.
        for name, field in self.fields.items():
            css_class = uswds_class(field.widget)
            if css_class:
                _add_class(field.widget, css_class)
            self._limit_field(name, field)

    def _limit_field(self, name: str, field: forms.Field) -> None:
        if isinstance(field, forms.UUIDField | forms.JSONField):
            pass  # CharFields by class, but what they clean is no text (nor has a length)
        elif isinstance(field, forms.CharField):
            limit_text(field, self.text_limits.get(name))
        elif isinstance(field, forms.ModelChoiceField):  # ModelMultipleChoiceField too
            refuse_unstorable_ids(field)
        elif isinstance(field, forms.DateField | forms.DateTimeField):
            field.validators.append(check_date_range)
        elif isinstance(field, forms.IntegerField) and not isinstance(
            field, forms.FloatField | forms.DecimalField
        ):
            # A plain form's number may be used in a query; FloatField and
            # DecimalField subclass IntegerField but refuse what they cannot hold.
            if field.max_value is None:
                field.validators.append(MaxValueValidator(LARGEST_ID))
            if field.min_value is None:
                field.validators.append(MinValueValidator(-LARGEST_ID - 1))

    def _cleaned_data_copy(self):
        """self.data with every text value through clean_text(), passwords aside
        (a password is compared as typed, never shown or stored)."""
        multi_line, passwords = set(), set()
        for name, field in self.fields.items():
            if is_multi_line(field):
                multi_line.add(self.add_prefix(name))
            elif isinstance(field.widget, forms.PasswordInput):
                passwords.add(self.add_prefix(name))

        def clean(key, value):
            if key in passwords:
                return value
            if isinstance(value, str):
                return clean_text(value, multi_line=key in multi_line)
            if isinstance(value, list | tuple):
                return [clean(key, item) for item in value]
            return value

        if hasattr(self.data, "setlist"):  # a QueryDict or MultiValueDict
            data = self.data.copy()
            for key, values in data.lists():
                data.setlist(key, clean(key, values))
            return data
        return {key: clean(key, value) for key, value in self.data.items()}

    def full_clean(self):
        if self.is_bound:
            self.data = self._cleaned_data_copy()
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


class PasswordChangeForm(USWDSFormMixin, auth_forms.PasswordChangeForm):
    """Django's change of password: the current one, then the new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = gettext_lazy("Current password")


class SetPasswordForm(USWDSFormMixin, auth_forms.SetPasswordForm):
    """The new password, twice, at the end of a reset."""


class PasswordResetForm(USWDSFormMixin, auth_forms.PasswordResetForm):
    """Django's reset request. The e-mail leaves on a thread of its own
    (ofr/passwords.py), so that the answer takes as long whether or not an
    account has the address; `mailed` lists the users sent a link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mailed = []

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        # One line: a subject must not hold a line break.
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            message.attach_alternative(html, "text/html")
        self.mailed.append(context["user"])
        send_later(message, user_id=context["user"].pk)
