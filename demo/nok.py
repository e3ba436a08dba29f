"""The demo's next-of-kin interview: the reviewer, a trained interviewer, is
reaching out to the family of a case on the December meeting's agenda (two
outreach attempts so far, no consent yet)."""

from datetime import date

from cases.models import Case, NokInterview, NokOutreachAttempt
from ofr.models import Membership

NOK_CASE = "RIV-2025-004"


def build_nok_interview(team, users: dict) -> NokInterview:
    interviewer, coordinator = users["reviewer"], users["coordinator"]
    membership = Membership.objects.get(user=interviewer, team=team)
    membership.nok_interviewer = True
    membership._history_user = coordinator
    membership._change_reason = "Demo data: trained next-of-kin interviewer"
    membership.save()
    interview = NokInterview(
        case=Case.objects.get(team=team, reference=NOK_CASE),
        interviewer=interviewer,
        assigned_by=coordinator,
        assigned_on=date(2025, 10, 1),
    )
    interview.save_as(by=coordinator, reason="Demo data")
    for day, channel, outcome, note in (
        (date(2025, 10, 6), "letter", "other", "Outreach letter sent in English and Spanish."),
        (date(2025, 10, 20), "phone", "left_message", "Left a message; try weekday evenings."),
    ):
        attempt = NokOutreachAttempt(date=day, channel=channel, outcome=outcome, note=note)
        interview.record_attempt(attempt, by=interviewer)
    return interview
