"""Overdue reminders: who leads what that is past due, and the e-mail they get.

A recommendation is overdue when its due date has passed and it is not closed;
a work-plan task when its due date has passed and it is not done (on an open
recommendation). Each lead agency's partners on the team and the team's
coordinators get one e-mail listing their overdue items: titles, due dates and
links, never case data. A coordinator's e-mail also lists the team's deferred
cases whose review-by date has come: reference, reason, date and link only;
and the team's data-sharing agreements to renew (ended, or ending within 60
days, with no later agreement): agency, team and date only.

The text is marked for translation, but the e-mail is sent in English
(send_reminders): it goes out from a scheduled command, with no reader's
language to follow.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from cases.models import Case, DataSharingAgreement
from cases.models.agreements import RENEWAL_WINDOW_DAYS
from ofr.models import Membership
from ofr.roles import DEFERRAL_DECIDING_ROLES, RECOMMENDATION_REMINDER_ROLES, roles_with
from recommendations.models import Recommendation, WorkPlanTask


@dataclass
class Reminder:
    user: object
    recommendations: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    deferrals: list = field(default_factory=list)
    agreements: list = field(default_factory=list)

    @property
    def subject(self) -> str:
        parts = []
        overdue = len(self.recommendations) + len(self.tasks)
        if overdue:
            parts.append(
                ngettext(
                    "%(count)d overdue item to report on",
                    "%(count)d overdue items to report on",
                    overdue,
                )
                % {"count": overdue}
            )
        if self.deferrals:
            count = len(self.deferrals)
            parts.append(
                ngettext(
                    "%(count)d deferred case due for review",
                    "%(count)d deferred cases due for review",
                    count,
                )
                % {"count": count}
            )
        if self.agreements:
            count = len(self.agreements)
            parts.append(
                ngettext(
                    "%(count)d data-sharing agreement to renew",
                    "%(count)d data-sharing agreements to renew",
                    count,
                )
                % {"count": count}
            )
        listed = parts[0] if parts else ""
        for part in parts[1:]:
            listed = gettext("%(first)s and %(second)s") % {"first": listed, "second": part}
        return gettext("OFR: %(what)s") % {"what": listed}

    def body(self, today: date) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        lines = [gettext("Hello %(name)s,") % {"name": name}, ""]
        as_of = {"today": f"{today:%Y-%m-%d}"}
        if self.recommendations or self.tasks:
            lines += [
                gettext("These overdue items of your review team need an update (as of %(today)s):")
                % as_of,
                "",
                *self.overdue_lines(),
                "",
            ]
        if self.deferrals:
            lines += [
                gettext("These deferred cases are due for review (as of %(today)s):") % as_of,
                "",
                *self.deferral_lines(),
                "",
            ]
        if self.agreements:
            lines += [
                gettext(
                    "These data-sharing agreements have ended or end within %(days)s days, "
                    "with no renewal on record (as of %(today)s):"
                )
                % {"days": RENEWAL_WINDOW_DAYS, **as_of},
                "",
                *self.agreement_lines(today),
                "",
            ]
        return "\n".join(lines).rstrip("\n")

    def overdue_lines(self) -> list[str]:
        lines = []
        for recommendation in self.recommendations:
            lines.append(
                gettext("- %(title)s (%(team)s): due %(due)s, %(status)s.")
                % {
                    "title": recommendation.title,
                    "team": recommendation.team.name,
                    "due": f"{recommendation.due_on:%Y-%m-%d}",
                    "status": recommendation.get_status_display().lower(),
                }
            )
            lines.append(f"  {link(recommendation)}")
        for task in self.tasks:
            lines.append(
                gettext('- Task "%(task)s" of %(title)s: due %(due)s.')
                % {
                    "task": task.task,
                    "title": task.recommendation.title,
                    "due": f"{task.due_on:%Y-%m-%d}",
                }
            )
            lines.append(f"  {link(task.recommendation)}")
        lines += [
            "",
            gettext(
                "Add a progress update on each page, or ask your coordinator to change "
                "the due date."
            ),
        ]
        return lines

    def deferral_lines(self) -> list[str]:
        lines = []
        for case in self.deferrals:
            # Reference, reason and date only: an e-mail carries no case data.
            lines.append(
                gettext("- %(reference)s (%(team)s): %(reason)s, review by %(date)s.")
                % {
                    "reference": case.reference,
                    "team": case.team.name,
                    "reason": case.get_deferral_reason_display().lower(),
                    "date": f"{case.deferral_review_on:%Y-%m-%d}",
                }
            )
            lines.append(f"  {settings.OFR_SITE_URL}{reverse('cases:detail', args=[case.code])}")
        lines += [
            "",
            gettext(
                "Decide on each whether the deferral still holds: resume the case, or keep it "
                "deferred."
            ),
        ]
        return lines

    def agreement_lines(self, today: date) -> list[str]:
        lines = []
        for agreement in self.agreements:
            line = (
                gettext("- %(agency)s (%(team)s): expired on %(date)s.")
                if agreement.has_expired(today)
                else gettext("- %(agency)s (%(team)s): expires on %(date)s.")
            )
            lines.append(
                line
                % {
                    "agency": agreement.agency.name,
                    "team": agreement.team.name,
                    "date": f"{agreement.expires_on:%Y-%m-%d}",
                }
            )
        lines += [
            f"  {settings.OFR_SITE_URL}{reverse('cases:agreements')}?renew=1",
            "",
            gettext(
                "Without a current agreement, the team refuses (or flags) record requests to the "
                "agency and documents from it: record the renewed agreement before then."
            ),
        ]
        return lines


def link(recommendation: Recommendation) -> str:
    return settings.OFR_SITE_URL + reverse("recommendations:detail", args=[recommendation.code])


def reminders(today: date) -> list[Reminder]:
    overdue = list(Recommendation.objects.overdue(today).select_related("team", "lead_agency"))
    tasks = list(
        WorkPlanTask.objects.overdue(today)
        .on_open_recommendations()
        .select_related("recommendation__team", "recommendation__lead_agency")
    )
    partner_roles = roles_with("update_agency_recommendations")
    agreement_roles = roles_with("manage_agreements")
    memberships = list(
        Membership.objects.active(today)
        .filter(
            role__in=RECOMMENDATION_REMINDER_ROLES
            | partner_roles
            | DEFERRAL_DECIDING_ROLES
            | agreement_roles,
            user__is_active=True,
        )
        .exclude(user__email="")
        .select_related("user")
    )
    by_user: dict[int, Reminder] = {}

    def recipients(recommendation: Recommendation):
        for m in memberships:
            if m.team_id != recommendation.team_id:
                continue
            lead = m.role in partner_roles and m.agency_id == recommendation.lead_agency_id
            if lead or m.role in RECOMMENDATION_REMINDER_ROLES:
                yield m.user

    seen: dict[int, set] = defaultdict(set)
    for recommendation in overdue:
        for user in recipients(recommendation):
            if ("r", recommendation.pk) not in seen[user.pk]:
                seen[user.pk].add(("r", recommendation.pk))
                by_user.setdefault(user.pk, Reminder(user)).recommendations.append(recommendation)
    for task in tasks:
        for user in recipients(task.recommendation):
            if ("t", task.pk) not in seen[user.pk]:
                seen[user.pk].add(("t", task.pk))
                by_user.setdefault(user.pk, Reminder(user)).tasks.append(task)
    due = Case.objects.deferrals_due(today).select_related("team")
    for case in due:
        for m in memberships:
            if m.team_id == case.team_id and m.role in DEFERRAL_DECIDING_ROLES:
                if ("d", case.pk) not in seen[m.user.pk]:
                    seen[m.user.pk].add(("d", case.pk))
                    by_user.setdefault(m.user.pk, Reminder(m.user)).deferrals.append(case)
    renewals = DataSharingAgreement.objects.needing_renewal(today).select_related("team", "agency")
    for agreement in renewals:
        for m in memberships:
            if m.team_id == agreement.team_id and m.role in agreement_roles:
                if ("a", agreement.pk) not in seen[m.user.pk]:
                    seen[m.user.pk].add(("a", agreement.pk))
                    by_user.setdefault(m.user.pk, Reminder(m.user)).agreements.append(agreement)
    return list(by_user.values())


def send_reminders(today: date, *, dry_run: bool = False) -> list[Reminder]:
    sent = reminders(today)
    if not dry_run:
        # Sent from a scheduled command, not a request: in English, whatever is active.
        with translation.override("en"):
            for reminder in sent:
                send_mail(
                    reminder.subject,
                    reminder.body(today),
                    settings.DEFAULT_FROM_EMAIL,
                    [reminder.user.email],
                )
    return sent
