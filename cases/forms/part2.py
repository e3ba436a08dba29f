"""The 42 CFR Part 2 program rule in the forms of touchpoints, documents and
record requests: what comes from a Part 2 program is Part 2 unless a
coordinator records why not (cases/policy.py applies the rule; the forms warn
before anyone saves such an item as unrestricted)."""

from django import forms
from django.utils.translation import gettext, gettext_lazy

from ofr.roles import SensitiveCategory

REASON_HELP = gettext_lazy(
    "Only for an item from a 42 CFR Part 2 program that is not Part 2 (for example a "
    "contact with the program's non-treatment services): say why. Without a reason, "
    "it is treated as Part 2."
)


def setup_not_part2_reason(form: forms.ModelForm, viewer) -> None:
    """Only those who may record the reason (coordinators) get the field."""
    if "not_part2_reason" not in form.fields:
        return
    if viewer.may_record_not_part2:
        form.fields["not_part2_reason"].help_text = REASON_HELP
    else:
        del form.fields["not_part2_reason"]


def check_part2_program(form: forms.ModelForm, cleaned: dict) -> None:
    """Refuse to file an item from a Part 2 program outside Part 2 without a
    coordinator's reason; drop a reason that no longer applies."""
    agency = cleaned.get("agency")
    reason = cleaned.get("not_part2_reason", form.instance.not_part2_reason or "").strip()
    from_program = agency is not None and agency.part2_program
    if not from_program or cleaned.get("sensitivity") == SensitiveCategory.PART2_SUD:
        if "not_part2_reason" in form.fields:
            cleaned["not_part2_reason"] = ""
        return
    if "sensitivity" not in form.fields or reason:
        return  # a record request (Part 2 by its agency) or a recorded reason
    part2 = SensitiveCategory.PART2_SUD.label
    if "not_part2_reason" in form.fields:
        message = gettext(
            "%(agency)s is a 42 CFR Part 2 program: what comes from it is Part 2. Choose "
            "“%(part2)s”, or say below why this item is not Part 2."
        ) % {"agency": agency, "part2": part2}
    else:
        message = gettext(
            "%(agency)s is a 42 CFR Part 2 program: what comes from it is Part 2. Choose "
            "“%(part2)s” (only a coordinator can record that an item from it is not Part 2)."
        ) % {"agency": agency, "part2": part2}
    form.add_error("sensitivity", message)
