"""USWDSFormMixin on small throwaway forms: USWDS marking, and the limits every
form gets (ids, dates, text length, control characters, single lines)."""

from datetime import date, timedelta

from django import forms
from django.http import QueryDict

from cases.models import Note
from ofr.forms import (
    LARGEST_ID,
    MULTI_LINE_MAX_LENGTH,
    SINGLE_LINE_MAX_LENGTH,
    LoginForm,
    USWDSFormMixin,
    latest_date,
)
from ofr.models import Agency
from tests.base import OFRTestCase

HUGE_ID = "9" * 20


class TextForm(USWDSFormMixin, forms.Form):
    title = forms.CharField(max_length=200)
    remark = forms.CharField(required=False)
    text = forms.CharField(widget=forms.Textarea, required=False)
    minutes = forms.CharField(widget=forms.Textarea, required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False, strip=False)

    text_limits = {"minutes": 50_000}


class DateForm(USWDSFormMixin, forms.Form):
    day = forms.DateField(required=False)
    moment = forms.DateTimeField(required=False, input_formats=["%Y-%m-%dT%H:%M"])
    number = forms.IntegerField(required=False)
    year = forms.IntegerField(required=False, min_value=1900, max_value=2100)


class ChoiceForm(USWDSFormMixin, forms.Form):
    agency = forms.ModelChoiceField(queryset=Agency.objects.all(), required=False)
    agencies = forms.ModelMultipleChoiceField(queryset=Agency.objects.all(), required=False)
    code = forms.UUIDField(required=False, widget=forms.Select)


class NoteTextForm(USWDSFormMixin, forms.ModelForm):
    class Meta:
        model = Note
        fields = ["text"]


INVALID_CHOICE = "Select a valid choice"


class USWDSFormMixinTestCase(OFRTestCase):
    def text_form(self, **data) -> TextForm:
        return TextForm({"title": "A title", **data})

    # --- Text -------------------------------------------------------------------

    def test_valid_text_passes_and_a_textarea_keeps_its_lines(self):
        form = self.text_form(remark="plain", text="One\r\n\tTwo\rThree\nFour")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["remark"], "plain")
        self.assertEqual(form.cleaned_data["text"], "One\n\tTwo\nThree\nFour")

    def test_control_characters_are_stripped_everywhere(self):
        form = self.text_form(
            title="Al\x00ert\x07 \x1b[31mred\x7f\x9b", text="Line\x00 one\x0c\nline\x85two"
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["title"], "Alert [31mred")
        self.assertEqual(form.cleaned_data["text"], "Line one\nline\ntwo")

    def test_bidirectional_overrides_go_and_right_to_left_marks_stay(self):
        # An override makes "gpj.exe" read as "exe.jpg"; a mark is ordinary RTL text.
        form = self.text_form(title="report\u202egpj.exe", text="\u05e9\u05dc\u05d5\u05dd\u200f ok")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["title"], "reportgpj.exe")
        self.assertEqual(form.cleaned_data["text"], "\u05e9\u05dc\u05d5\u05dd\u200f ok")

    def test_a_single_line_field_gets_spaces_for_line_breaks_and_tabs(self):
        form = self.text_form(title="Report\r\nBcc: someone@elsewhere.test\u2028\tend")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["title"], "Report Bcc: someone@elsewhere.test  end")

    def test_text_is_kept_to_its_limit_and_the_page_shows_it(self):
        form = self.text_form(
            title="x" * 201,
            remark="x" * (SINGLE_LINE_MAX_LENGTH + 1),
            text="x" * (MULTI_LINE_MAX_LENGTH + 1),
            minutes="x" * 50_001,
        )
        self.assertFalse(form.is_valid())
        self.assertEqual(set(form.errors), {"title", "remark", "text", "minutes"})
        self.assertIn("at most 10000 characters (it has 10001)", form.errors["text"][0])
        html = str(form)
        self.assertIn('maxlength="200"', html)
        self.assertIn(f'maxlength="{SINGLE_LINE_MAX_LENGTH}"', html)
        self.assertIn(f'maxlength="{MULTI_LINE_MAX_LENGTH}"', html)
        self.assertIn('maxlength="50000"', html)

    def test_text_up_to_the_limit_passes(self):
        form = self.text_form(text="x" * MULTI_LINE_MAX_LENGTH, minutes="x" * 50_000)
        self.assertTrue(form.is_valid(), form.errors)

    def test_a_megabyte_is_refused(self):
        form = self.text_form(text="x" * 1_000_000)
        self.assertFalse(form.is_valid())
        self.assertIn("text", form.errors)

    def test_a_model_text_field_gets_the_multi_line_cap(self):
        form = NoteTextForm({"text": "x" * (MULTI_LINE_MAX_LENGTH + 1)})
        self.assertFalse(form.is_valid())
        self.assertIn(f'maxlength="{MULTI_LINE_MAX_LENGTH}"', str(form["text"]))

    def test_a_password_is_left_as_typed(self):
        form = self.text_form(secret=" pass\tword ")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["secret"], " pass\tword ")

    def test_the_sign_in_form_refuses_an_overlong_username(self):
        form = LoginForm(data={"username": "x" * 151, "password": "whatever"})
        self.assertFalse(form.is_valid())
        self.assertIn("username", form.errors)

    def test_get_data_is_cleaned_without_touching_the_request(self):
        query = QueryDict("title=a%00b&remark=c%0Ad")
        form = TextForm(query)
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["title"], "ab")
        self.assertEqual(form.cleaned_data["remark"], "c d")
        self.assertEqual(query["title"], "a\x00b")  # the request's own data is unchanged

    def test_a_prefixed_form_keeps_its_textarea_lines(self):
        form = TextForm({"p-title": "T", "p-text": "a\r\nb"}, prefix="p")
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["text"], "a\nb")

    # --- Dates and numbers ------------------------------------------------------------

    def test_dates_from_1900_to_five_years_ahead_pass(self):
        latest = latest_date()
        form = DateForm({"day": "1900-01-01", "moment": f"{latest:%Y-%m-%d}T23:59"})
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(latest.year, date.today().year + 5)

    def test_dates_outside_the_range_are_refused(self):
        after = latest_date() + timedelta(days=1)
        for day, moment in (
            ("1899-12-31", "1899-12-31T23:59"),
            ("0001-01-01", "0001-01-01T00:00"),
            (after.isoformat(), f"{after:%Y-%m-%d}T00:00"),
            ("9999-12-31", "9999-12-31T23:59"),
        ):
            with self.subTest(day):
                form = DateForm({"day": day, "moment": moment})
                self.assertFalse(form.is_valid())
                self.assertEqual(set(form.errors), {"day", "moment"})
        form = DateForm({"day": "1899-12-31"})
        form.is_valid()
        self.assertEqual(form.errors["day"], ["Enter a date from 1900-01-01 on."])

    def test_numbers_a_database_cannot_hold_are_refused(self):
        self.assertTrue(DateForm({"number": str(LARGEST_ID)}).is_valid())
        form = DateForm({"number": HUGE_ID, "year": HUGE_ID})
        self.assertFalse(form.is_valid())
        self.assertEqual(set(form.errors), {"number", "year"})

    # --- Model choices -----------------------------------------------------------------

    def test_a_valid_id_passes(self):
        form = ChoiceForm(
            {"agency": str(self.health.pk), "agencies": [self.sheriff.pk], "code": self.case.code}
        )
        self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["agency"], self.health)
        self.assertEqual(list(form.cleaned_data["agencies"]), [self.sheriff])
        self.assertEqual(form.cleaned_data["code"], self.case.code)

    def test_ids_no_database_holds_are_an_invalid_choice(self):
        for value in (HUGE_ID, str(LARGEST_ID + 1), "0", "-1", "+1", " 1", "1.0", "١", "x"):
            with self.subTest(value):
                form = ChoiceForm({"agency": value, "agencies": [str(self.health.pk), value]})
                self.assertFalse(form.is_valid())
                self.assertIn(INVALID_CHOICE, form.errors["agency"][0])
                self.assertIn(INVALID_CHOICE, form.errors["agencies"][0])

    def test_the_largest_id_is_simply_not_found(self):
        form = ChoiceForm({"agency": str(LARGEST_ID), "agencies": [str(LARGEST_ID)]})
        self.assertFalse(form.is_valid())
        self.assertEqual(set(form.errors), {"agency", "agencies"})

    # --- USWDS marking ------------------------------------------------------------------

    def test_failing_fields_are_marked_and_marks_clear_on_a_new_clean(self):
        form = self.text_form(title="")
        self.assertFalse(form.is_valid())
        widget = form.fields["title"].widget
        self.assertIn("usa-input--error", widget.attrs["class"])
        self.assertEqual(widget.attrs["aria-invalid"], "true")
        form.data = {"title": "Now given"}
        form.full_clean()
        self.assertNotIn("usa-input--error", widget.attrs["class"])
        self.assertNotIn("aria-invalid", widget.attrs)
        self.assertIn("usa-textarea", form.fields["text"].widget.attrs["class"])

    def test_an_unbound_form_renders_with_its_limits(self):
        html = str(TextForm())
        self.assertIn('maxlength="200"', html)
        self.assertIn('maxlength="50000"', html)
