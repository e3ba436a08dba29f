"""Review meetings: agenda, attendance, confidentiality agreements and packet copies.

A meeting moves planned → in session → adjourned → closed. Attendees sign the
team's current agreement text for each meeting; until they do, they cannot open
the meeting's cases or packet (meetings/access.py). Guests are invited for one
meeting: a guest membership bounded to it and direct grants on its cases, both
ended when the meeting closes. Every packet is a numbered PacketCopy that the
facilitator marks collected or destroyed after the meeting.

These models began in the cases app; their tables and history tables keep the
names they had there (cases_meeting, cases_historicalmeeting, ...), so moving
them rewrote no data.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.case import Case, CaseUserObjectPermission
from meetings.public_text import public_summary_problems
from ofr.files import get_private_storage
from ofr.models import Membership, Team
from ofr.roles import Role
from recommendations.models import ProgressUpdate, Recommendation

DEFAULT_AGREEMENT_TEXT = (
    "I understand that the overdose fatality review is confidential. I will not disclose any "
    "information shared in this meeting, in its case packets or in the case management system "
    "to anyone outside the review team, and I will use it only for the purposes of the review. "
    "I will not copy, photograph or take away any packet or note, and I will hand back every "
    "packet copy at the end of the meeting. I understand that records protected by 42 CFR "
    "part 2 may not be used to investigate or prosecute any patient. I understand that "
    "breaking this agreement may end my participation and may break the law."
)

# Packet files of a meeting live under this folder of private storage (no URL).
PACKET_FOLDER = "packets"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ConfidentialityAgreement(models.Model):
    """One version of a team's agreement text. A new text is a new version;
    signatures keep the version they signed and its hash."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="agreements")
    version = models.PositiveIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(table_name="cases_historicalconfidentialityagreement")

    class Meta:
        db_table = "cases_confidentialityagreement"
        ordering = ["team", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["team", "version"], name="agreement_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.team} agreement, version {self.version}"

    @property
    def sha256(self) -> str:
        return sha256_text(self.text)

    @classmethod
    def current(cls, team: Team) -> ConfidentialityAgreement:
        """The team's latest version; a team without one gets the default text as version 1."""
        latest = cls.objects.filter(team=team).order_by("-version").first()
        if latest is None:
            latest, _ = cls.objects.get_or_create(
                team=team, version=1, defaults={"text": DEFAULT_AGREEMENT_TEXT}
            )
        return latest

    @classmethod
    def publish(cls, team: Team, text: str, *, by) -> ConfidentialityAgreement:
        """Add a new version (the old ones stay: signatures point at them)."""
        text = text.strip()
        if not text:
            raise ValidationError(gettext("The agreement text cannot be empty."))
        with transaction.atomic():
            current = cls.current(team)
            if current.text == text:
                raise ValidationError(gettext("The text is the same as the current version."))
            agreement = cls(team=team, version=current.version + 1, text=text, created_by=by)
            agreement._history_user = by
            agreement.save()
        return agreement


class MeetingQuerySet(models.QuerySet):
    def open(self) -> MeetingQuerySet:
        """Meetings not yet closed: their agenda, roster and guest grants still count."""
        return self.exclude(status=Meeting.Status.CLOSED)

    def needing_signatures(self) -> MeetingQuerySet:
        """Open meetings with someone on the roster (access not revoked) who has
        not signed the confidentiality agreement for it."""
        unsigned = Attendance.objects.filter(
            meeting=OuterRef("pk"), access_revoked_at__isnull=True, signature__isnull=True
        )
        return self.open().filter(Exists(unsigned))


class Meeting(models.Model):
    class Kind(models.TextChoices):
        CASE_REVIEW = "case_review", _("Case review")
        RECOMMENDATION_UPDATE = "recommendation_update", _("Recommendation update")
        PUBLIC_SUMMARY = "public_summary", _("Public summary")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_SESSION = "in_session", _("In session")
        ADJOURNED = "adjourned", _("Adjourned")
        CLOSED = "closed", _("Closed")

    TRANSITIONS: dict[str, set[str]] = {
        Status.PLANNED: {Status.IN_SESSION},
        Status.IN_SESSION: {Status.ADJOURNED},
        Status.ADJOURNED: {Status.IN_SESSION, Status.CLOSED},
        Status.CLOSED: set(),
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.CASE_REVIEW)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    starts_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    video_link = models.URLField(blank=True)
    minutes = models.TextField(
        blank=True, help_text=_("Non-identifying minutes: no names, dates of birth or addresses.")
    )
    closing_note = models.TextField(
        blank=True, help_text=_("Why the meeting was closed with packet copies outstanding.")
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords(
        excluded_fields=["updated_at"], table_name="cases_historicalmeeting"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        db_table = "cases_meeting"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["team", "-starts_at"], name="meeting_team_start")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        check_minutes(self)

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def carries_cases(self) -> bool:
        return self.kind != self.Kind.PUBLIC_SUMMARY

    @property
    def copies_can_be_disposed(self) -> bool:
        return self.status in (self.Status.ADJOURNED, self.Status.CLOSED)

    def allowed_statuses(self) -> list[str]:
        return [s for s in self.Status.values if s in self.TRANSITIONS[self.status]]

    def outstanding_copies(self) -> models.QuerySet[PacketCopy]:
        return self.packet_copies.filter(
            status=PacketCopy.Status.READY, disposition=PacketCopy.Disposition.OUTSTANDING
        )

    def move_to(self, status: str, *, by, note: str = "") -> None:
        """Change status, recording who and why. Closing needs a note when copies
        are outstanding, revokes guest access and deletes the electronic copies."""
        if status not in self.allowed_statuses():
            raise ValidationError(
                gettext("A meeting that is %(current)s cannot move to %(new)s.")
                % {
                    "current": self.get_status_display().lower(),
                    "new": (
                        self.Status(status).label.lower()
                        if status in self.Status.values
                        else status
                    ),
                }
            )
        note = note.strip()
        with transaction.atomic():
            if status == self.Status.CLOSED:
                outstanding = self.outstanding_copies().count()
                if outstanding and not note:
                    raise ValidationError(
                        ngettext(
                            "%(count)s packet copy is still outstanding: mark them collected or "
                            "destroyed, or say why the meeting closes without them.",
                            "%(count)s packet copies are still outstanding: mark them collected "
                            "or destroyed, or say why the meeting closes without them.",
                            outstanding,
                        )
                        % {"count": outstanding}
                    )
                self.closing_note = note if outstanding else ""
                self.closed_at = timezone.now()
            self.status = status
            self.version += 1
            self._history_user = by
            with translation.override("en"):  # the history stays in English
                label = str(self.Status(status).label)
            self._change_reason = f"Status: {label}" + (f" ({note})" if note else "")
            self.save()
            if status == self.Status.CLOSED:
                for attendance in self.attendances.filter(guest_membership__isnull=False):
                    attendance.revoke_guest_access(by=by)
                for copy in self.packet_copies.exclude(file=""):
                    copy.delete_file(by=by, reason="Meeting closed: electronic copy deleted")

    def add_to_agenda(self, case: Case, *, by) -> AgendaItem:
        """Put the case on the agenda after the last one; the meeting's guests
        and observers may view it from now on."""
        try:
            check_agenda_case(self, case)
        except ValidationError as error:
            raise ValidationError({"case": error.messages}) from None
        try:
            with transaction.atomic():
                last = self.agenda_items.order_by("-position").first()
                item = AgendaItem(
                    meeting=self, case=case, position=(last.position + 1) if last else 1
                )
                item._history_user = by
                item._change_reason = f"Case {case.reference} put on the agenda"
                item.save()
                for attendance in self.attendances.exclude(kind=Attendance.Kind.MEMBER):
                    grant_guest_view(attendance.user, case)
        except IntegrityError:
            # Another request put it on between the check and the save.
            raise ValidationError(
                {
                    "case": gettext("Case %(reference)s is already on the agenda.")
                    % {"reference": case.reference}
                }
            ) from None
        return item

    def move_on_agenda(self, item: AgendaItem, direction: str, *, by) -> None:
        """Swap the item with the one above ("up") or below ("down"); at either
        end of the agenda nothing moves."""
        if item.meeting_id != self.pk:
            raise ValueError("That agenda item is another meeting's.")
        if direction not in ("up", "down"):
            raise ValidationError({"direction": gettext("Move the case up or down.")})
        if self.is_closed:
            raise ValidationError(gettext("The meeting is closed; its agenda cannot change."))
        items = list(self.agenda_items.order_by("position", "id"))
        index = items.index(item)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        with transaction.atomic():
            # Renumber 1..n, saving each changed row (each leaves a history row).
            for position, row in enumerate(items, start=1):
                if row.position != position:
                    row.position = position
                    row._history_user = by
                    row._change_reason = "Agenda reordered"
                    row.save()

    def remove_from_agenda(self, item: AgendaItem, *, by) -> None:
        """Take a case not yet reviewed off the agenda; guests lose their grant
        on it unless another open meeting still invites them to it."""
        if item.meeting_id != self.pk:
            raise ValueError("That agenda item is another meeting's.")
        if item.reviewed_at is not None:
            raise ValidationError(gettext("A reviewed case stays on the agenda of its meeting."))
        if self.is_closed:
            raise ValidationError(gettext("The meeting is closed; its agenda cannot change."))
        case = item.case
        with transaction.atomic():
            item._history_user = by
            item._change_reason = f"Case {case.reference} taken off the agenda"
            item.delete()
            for attendance in self.attendances.exclude(kind=Attendance.Kind.MEMBER):
                revoke_guest_view(attendance.user, case, keep_meeting=self)

    def add_attendees(self, users, *, by) -> list[Attendance]:
        """Put team members on the roster, all or none. (Guests and observers
        come through Attendance.invite_guest.)"""
        if self.is_closed:
            raise ValidationError(gettext("The meeting is closed; its roster cannot change."))
        attendances = []
        try:
            with transaction.atomic():
                for user in users:
                    attendance = Attendance(meeting=self, user=user, added_by=by)
                    attendance._history_user = by
                    attendance.save()
                    attendances.append(attendance)
        except IntegrityError:
            raise ValidationError(
                {
                    "users": gettext("%(name)s is already on the roster.")
                    % {"name": display_name(user)}
                }
            ) from None
        return attendances

    def record_adoption(self, recommendation: Recommendation, *, by) -> AdoptedRecommendation:
        """Record that the team adopted this recommendation at this meeting: once,
        and only for a recommendation whose adoption is on record (its progress
        update to "adopted"). A closed meeting may still get it: the
        recommendation is often written up after the meeting that adopted it."""
        if recommendation.adopted_on is None:
            raise ValidationError(
                {
                    "recommendation": gettext(
                        "That recommendation is not adopted yet: record its "
                        "adoption with a progress update first."
                    )
                }
            )
        link = AdoptedRecommendation(meeting=self, recommendation=recommendation, recorded_by=by)
        link.full_clean(exclude=["recommendation"])
        link._change_reason = f"Adopted at {self.title}"
        return save_link(
            link,
            "recommendation",
            gettext("That recommendation's adoption is already recorded."),
            by=by,
        )

    def record_report(self, update: ProgressUpdate, *, by) -> ReportedUpdate:
        """Record that this progress update was reported at this meeting (once;
        a closed meeting may still get it, as for adoptions)."""
        link = ReportedUpdate(meeting=self, update=update, recorded_by=by)
        link.full_clean(exclude=["update"])
        link._change_reason = f"Reported at {self.title}"
        return save_link(
            link, "update", gettext("That update is already recorded at a meeting."), by=by
        )


def save_link(link, field: str, taken: str, *, by):
    """Save a meeting link (one per recommendation or update: `field`) with its
    history row. `taken` is the error when the item already has one: checked
    first, and again by the database's unique index when two people record it
    at once."""
    if type(link).objects.filter(**{field: getattr(link, field)}).exists():
        raise ValidationError({field: taken})
    link._history_user = by
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        raise ValidationError({field: taken}) from None
    return link


def check_minutes(meeting: Meeting) -> None:
    """The one check of a meeting's minutes, run by the model's clean on every
    write (the meeting form's full_clean). A public summary's minutes speak of
    deaths only in aggregate: no case reference, full date, decedent name,
    exact age with a place, or passage copied from the team's case texts
    (meetings/public_text.py, rule by rule). (That any minutes name no
    decedent is also checked where they are written, cases.policy.TextGuard:
    what the writer may be told depends on who they are.)"""
    if meeting.kind != Meeting.Kind.PUBLIC_SUMMARY or meeting.team_id is None:
        return
    problems = public_summary_problems(meeting.minutes or "", meeting.team_id)
    if problems:
        raise ValidationError({"minutes": problems})


class AgendaItem(models.Model):
    """A case on a meeting's agenda, in order, and what the team made of it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    discussion_notes = models.TextField(
        blank=True, help_text=_("Non-identifying minutes of the discussion of this case.")
    )
    recommendation_ideas = models.TextField(
        blank=True,
        help_text=_(
            "Recommendations the team proposed, one per line, to be written up as recommendations."
        ),
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(table_name="cases_historicalagendaitem")

    class Meta:
        db_table = "cases_agendaitem"
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_unique_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} at {self.meeting}"

    def clean(self) -> None:
        # The rules are for a case joining the agenda; once on it, it stays.
        if self._state.adding:
            check_agenda_case(self.meeting, self.case)

    def mark_reviewed(self, *, by) -> None:
        """Mark the case reviewed at this meeting, first moving the case to
        reviewed unless the team already has (Case.move_to says whether it may)."""
        meeting = self.meeting
        if meeting.is_closed:
            raise ValidationError(gettext("The meeting is closed; its cases can no longer change."))
        with transaction.atomic():
            current = AgendaItem.objects.select_for_update().get(pk=self.pk)
            if current.reviewed_at is not None:
                raise ValidationError(
                    gettext("Case %(reference)s is already marked reviewed.")
                    % {"reference": self.case.reference}
                )
            case = Case.objects.select_for_update().get(pk=self.case_id)
            # A case the team already moved to reviewed (e.g. from its status
            # page) is only marked reviewed at this meeting.
            if case.status != Case.Status.REVIEWED:
                case.move_to(Case.Status.REVIEWED, by=by, note=f"Reviewed at {meeting.title}")
            current.reviewed_at = timezone.now()
            current.reviewed_by = by
            current.version += 1
            current._history_user = by
            current._change_reason = "Marked reviewed"
            current.save()
        self.reviewed_at, self.reviewed_by, self.version = (
            current.reviewed_at,
            current.reviewed_by,
            current.version,
        )

    @classmethod
    def leave_planned_agendas(cls, case: Case, *, by) -> list[Meeting]:
        """Take a deferred case off the agendas of its team's planned meetings
        (a meeting in session or later keeps it: the review is under way or
        done). Each removal keeps its history row; guests lose their grant
        with it. Returns the meetings it left."""
        items = cls.objects.filter(
            case=case, meeting__team_id=case.team_id, meeting__status=Meeting.Status.PLANNED
        ).select_related("meeting")
        meetings = []
        for item in items.order_by("meeting__starts_at", "meeting_id"):
            item._history_user = by
            item._change_reason = f"Case {case.reference} deferred: taken off the agenda"
            item.delete()
            for attendance in item.meeting.attendances.exclude(kind=Attendance.Kind.MEMBER):
                revoke_guest_view(attendance.user, case, keep_meeting=item.meeting)
            meetings.append(item.meeting)
        return meetings


def check_agenda_case(meeting: Meeting, case: Case) -> None:
    """Why a case cannot go on this meeting's agenda, as a ValidationError."""
    if not meeting.carries_cases:
        raise ValidationError(
            gettext(
                "A public-summary meeting carries no cases: nothing on it may identify a decedent "
                "or an agency's involvement with one."
            )
        )
    if meeting.is_closed:
        raise ValidationError(gettext("The meeting is closed; its agenda cannot change."))
    if case.team_id != meeting.team_id:
        raise ValidationError(gettext("That case belongs to another team."))
    if meeting.kind == Meeting.Kind.CASE_REVIEW and case.status != Case.Status.READY_FOR_REVIEW:
        raise ValidationError(
            gettext(
                "Case %(reference)s is %(status)s: only cases that are ready for review can go "
                "on a case-review agenda."
            )
            % {"reference": case.reference, "status": case.get_status_display().lower()}
        )
    if meeting.agenda_items.filter(case=case).exists():
        raise ValidationError(
            gettext("Case %(reference)s is already on the agenda.") % {"reference": case.reference}
        )


class Attendance(models.Model):
    """A person on a meeting's roster: a team member, or a guest or observer
    invited for this meeting only."""

    class Kind(models.TextChoices):
        MEMBER = "member", _("Team member")
        GUEST = "guest", _("Guest")
        OBSERVER = "observer", _("Observer")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendances"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MEMBER)
    guest_membership = models.ForeignKey(
        Membership,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guest_attendances",
        help_text=_("The one-meeting membership of a guest or observer."),
    )
    access_revoked_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(table_name="cases_historicalattendance")

    class Meta:
        db_table = "cases_attendance"
        ordering = ["meeting", "user__last_name", "user__first_name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"

    @property
    def is_guest(self) -> bool:
        return self.kind != self.Kind.MEMBER

    @property
    def signature_or_none(self) -> Signature | None:
        try:
            return self.signature
        except Signature.DoesNotExist:
            return None

    def sign(self, *, typed_name: str, confirmed: bool, ip_address: str = "") -> Signature:
        """Sign the team's current agreement for this meeting: the typed name must
        be the attendee's full name, and the confirmation explicit."""
        typed_name = " ".join(typed_name.split())
        expected = display_name(self.user)
        if self.meeting.is_closed:
            raise ValidationError(gettext("The meeting is closed; there is nothing left to sign."))
        if not confirmed:
            raise ValidationError(gettext("Tick the box to confirm that you agree."))
        if typed_name.casefold() != expected.casefold():
            raise ValidationError(
                gettext("Type your full name exactly as on your account: %(name)s.")
                % {"name": expected}
            )
        with transaction.atomic():
            if Signature.objects.filter(attendance=self).exists():
                raise ValidationError(
                    gettext("You have already signed the agreement for this meeting.")
                )
            agreement = ConfidentialityAgreement.current(self.meeting.team)
            signature = Signature(
                attendance=self,
                agreement=agreement,
                typed_name=typed_name,
                text_sha256=agreement.sha256,
                ip_address=ip_address,
            )
            signature._history_user = self.user
            signature.save()
        return signature

    @classmethod
    def invite_guest(cls, meeting: Meeting, user, *, kind: str, by) -> Attendance:
        """A guest or observer for this meeting: a guest membership that ends on
        the meeting's day (or when it closes) and view grants on its cases."""
        if kind not in (cls.Kind.GUEST, cls.Kind.OBSERVER):
            raise ValueError(f"Not a guest kind: {kind}")
        if meeting.is_closed:
            raise ValidationError(gettext("The meeting is closed; its roster cannot change."))
        day = timezone.localdate(meeting.starts_at)
        today = timezone.localdate()
        with transaction.atomic():
            # One guest membership a day per person and team, reused by the
            # meetings that day and stretched to the latest of them.
            membership = Membership.objects.filter(
                user=user, team=meeting.team, role=Role.GUEST, starts_on=min(today, day)
            ).first() or Membership(
                user=user,
                team=meeting.team,
                role=Role.GUEST,
                member_type=(
                    Membership.MemberType.OBSERVER
                    if kind == cls.Kind.OBSERVER
                    else Membership.MemberType.GUEST
                ),
                starts_on=min(today, day),
            )
            membership.ends_on = max(membership.ends_on or day, today, day)
            membership._history_user = by
            membership._change_reason = f"Guest of meeting {meeting.title}"
            membership.save()
            attendance = cls(
                meeting=meeting, user=user, kind=kind, guest_membership=membership, added_by=by
            )
            attendance._history_user = by
            try:
                attendance.save()
            except IntegrityError:
                # Another request put them on the roster first.
                raise ValidationError(
                    {"account": gettext("That person is already on the roster.")}
                ) from None
            for item in meeting.agenda_items.select_related("case"):
                grant_guest_view(user, item.case)
        return attendance

    def revoke_guest_access(self, *, by, reason: str = "Meeting closed") -> None:
        """End the guest's membership and remove their grants on the meeting's cases."""
        if not self.is_guest or self.access_revoked_at is not None:
            return
        with transaction.atomic():
            for item in self.meeting.agenda_items.select_related("case"):
                revoke_guest_view(self.user, item.case, keep_meeting=self.meeting)
            still_invited = (
                Attendance.objects.filter(
                    guest_membership_id=self.guest_membership_id, access_revoked_at__isnull=True
                )
                .exclude(pk=self.pk)
                .exists()
            )
            if self.guest_membership_id and not still_invited:
                membership = self.guest_membership
                membership._history_user = by
                membership.end(on=timezone.localdate(), reason=f"{reason}: guest access ended")
            self.access_revoked_at = timezone.now()
            self._history_user = by
            self._change_reason = f"{reason}: guest access revoked"
            self.save()


def display_name(user) -> str:
    return user.get_full_name().strip() or user.get_username()


def _view_case_permission() -> Permission:
    return Permission.objects.get(
        content_type__app_label="cases", content_type__model="case", codename="view_case"
    )


def grant_guest_view(user, case: Case) -> None:
    """A guest's direct, meeting-bounded grant (permission rows are not audited
    models: the attendance's history records grants and revocations)."""
    CaseUserObjectPermission.objects.get_or_create(
        user=user, permission=_view_case_permission(), content_object=case
    )


def revoke_guest_view(user, case: Case, *, keep_meeting: Meeting | None = None) -> None:
    """Remove the guest grant unless another open meeting still invites the user to the case."""
    other_open = (
        AgendaItem.objects.filter(
            case=case,
            meeting__attendances__user=user,
            meeting__attendances__kind__in=[Attendance.Kind.GUEST, Attendance.Kind.OBSERVER],
        )
        .filter(meeting__in=Meeting.objects.open())
        .exclude(meeting=keep_meeting)
        .exists()
    )
    if not other_open:
        CaseUserObjectPermission.objects.filter(
            user=user, permission=_view_case_permission(), content_object=case
        ).delete()


class Signature(models.Model):
    """An attendee's signature of the team's agreement for one meeting."""

    attendance = models.OneToOneField(
        Attendance, on_delete=models.PROTECT, related_name="signature"
    )
    agreement = models.ForeignKey(
        ConfidentialityAgreement, on_delete=models.PROTECT, related_name="signatures"
    )
    typed_name = models.CharField(max_length=200)
    text_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.CharField(max_length=45, blank=True)
    history = HistoricalRecords(table_name="cases_historicalsignature")

    class Meta:
        db_table = "cases_signature"
        ordering = ["signed_at"]

    def __str__(self) -> str:
        return f"{self.typed_name}, {self.signed_at:%Y-%m-%d %H:%M}"


def packet_path(copy: PacketCopy, filename: str) -> str:
    return f"{PACKET_FOLDER}/{copy.meeting.code}/{uuid.uuid4().hex}.pdf"


class PacketCopy(models.Model):
    """One numbered, per-recipient packet: rendered by a background task,
    downloaded by its recipient or the facilitator, then collected or destroyed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Disposition(models.TextChoices):
        OUTSTANDING = "outstanding", _("Outstanding")
        COLLECTED = "collected", _("Collected")
        DESTROYED = "destroyed", _("Destroyed")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="packet_copies")
    number = models.PositiveIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="packet_copies"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Percent done."))
    progress_label = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(
        storage=get_private_storage, upload_to=packet_path, max_length=200, blank=True
    )
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    # What the copy was laid out from, so that a download can tell whether it
    # still stands (cases/access.py packet_copy_problem).
    case_ids = models.JSONField(default=list, blank=True)
    contents_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(
        max_length=20, choices=Disposition.choices, default=Disposition.OUTSTANDING
    )
    disposition_at = models.DateTimeField(null=True, blank=True)
    disposition_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    disposition_note = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords(table_name="cases_historicalpacketcopy")

    class Meta:
        db_table = "cases_packetcopy"
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="packet_copy_unique_number"),
        ]

    def __str__(self) -> str:
        return f"Copy {self.number} of {self.meeting}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.READY and bool(self.file) and not self.meeting.is_closed

    def dispose(self, disposition: str, *, by, note: str = "") -> None:
        """Record the copy collected or destroyed (after the meeting adjourns)."""
        if not self.meeting.copies_can_be_disposed:
            raise ValidationError(gettext("Copies are collected after the meeting adjourns."))
        if self.status != self.Status.READY:
            raise ValidationError(
                gettext("Only copies that were produced can be collected or destroyed.")
            )
        if disposition not in (self.Disposition.COLLECTED, self.Disposition.DESTROYED):
            raise ValidationError(gettext("Choose collected or destroyed."))
        self.disposition = disposition
        self.disposition_at = timezone.now()
        self.disposition_by = by
        self.disposition_note = note.strip()[:300]
        self._history_user = by
        with translation.override("en"):  # the history stays in English
            label = str(self.Disposition(disposition).label).lower()
        self._change_reason = f"Copy {self.number}: {label}"
        self.save()

    def delete_file(self, *, by, reason: str) -> None:
        """Delete the electronic copy; the row (number, recipient, sha256) stays."""
        if self.file:
            self.file.storage.delete(self.file.name)
            self.file = ""
            self._history_user = by
            self._change_reason = reason
            self.save()


class AdoptedRecommendation(models.Model):
    """A recommendation the team adopted at this meeting. Kept here, not on the
    recommendation: recommendations know nothing of meetings."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="adopted_recommendations"
    )
    recommendation = models.OneToOneField(
        Recommendation, on_delete=models.CASCADE, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Adopted at {self.meeting}"

    def clean(self) -> None:
        if self.recommendation.team_id != self.meeting.team_id:
            raise ValidationError(
                {"recommendation": gettext("That recommendation is another team's.")}
            )


class ReportedUpdate(models.Model):
    """A recommendation's progress update reported to the team at this meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="reported_updates")
    update = models.OneToOneField(ProgressUpdate, on_delete=models.CASCADE, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Reported at {self.meeting}"

    def clean(self) -> None:
        if self.update.recommendation.team_id != self.meeting.team_id:
            raise ValidationError(
                {"update": gettext("That update is of another team's recommendation.")}
            )


class ReviewClearance(models.Model):
    """The cases a person is cleared to review: they signed the agreement of a
    meeting with the case on its agenda. Derived from signatures and agendas
    (refresh_for, called by the receivers in meetings/signals.py whenever
    either changes) so that case access is one indexed lookup instead of a
    join over every meeting the person attended. Not an audited model: the
    signatures, agenda items and meetings it is derived from keep the history,
    and `manage.py sync_clearances` rebuilds it from them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # A meeting that clears them is still open: guests' grants count only then.
    meeting_open = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "case"], name="review_clearance_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} cleared for {self.case}"

    @staticmethod
    def expected(user_id: int) -> dict[int, bool]:
        """What the signatures and agendas say: case id → a clearing meeting is open."""
        items = AgendaItem.objects.filter(
            meeting__attendances__user_id=user_id,
            meeting__attendances__signature__isnull=False,
        )
        cleared: dict[int, bool] = {}
        for case_id, status in items.values_list("case_id", "meeting__status"):
            cleared[case_id] = cleared.get(case_id, False) or status != Meeting.Status.CLOSED
        return cleared

    @classmethod
    def refresh_for(cls, user_ids) -> int:
        """Bring these people's rows in line with their signatures and agendas;
        returns how many rows changed."""
        changed = 0
        for user_id in set(user_ids):
            expected = cls.expected(user_id)
            held = {row.case_id: row for row in cls.objects.filter(user_id=user_id)}
            gone = [row.pk for case_id, row in held.items() if case_id not in expected]
            if gone:
                cls.objects.filter(pk__in=gone).delete()
            new = [
                cls(user_id=user_id, case_id=case_id, meeting_open=meeting_open)
                for case_id, meeting_open in expected.items()
                if case_id not in held
            ]
            cls.objects.bulk_create(new)  # not audited: derived rows (see above)
            for case_id, meeting_open in expected.items():
                row = held.get(case_id)
                if row is not None and row.meeting_open != meeting_open:
                    row.meeting_open = meeting_open
                    row.save(update_fields=["meeting_open"])
                    changed += 1
            changed += len(gone) + len(new)
        return changed

    @classmethod
    def refresh_for_meeting(cls, meeting_id: int) -> int:
        """Refresh everyone who signed for this meeting."""
        signed = Signature.objects.filter(attendance__meeting_id=meeting_id)
        return cls.refresh_for(signed.values_list("attendance__user_id", flat=True))

    @classmethod
    def refresh_all(cls) -> int:
        """Rebuild every row (`manage.py sync_clearances`)."""
        signers = set(Signature.objects.values_list("attendance__user_id", flat=True))
        holders = set(cls.objects.values_list("user_id", flat=True))
        return cls.refresh_for(signers | holders)
