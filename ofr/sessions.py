"""Who is signed in where: a UserSession row for each signed-in session, so that
a person can see their sessions and end the others.

A row is written at sign-in and removed at sign-out. A session can also end
without a sign-out (it lapses unused, its browser forgets it, a password change
elsewhere voids it): such a row is never shown, since live_sessions() reads the
session itself, and is removed at the person's next sign-in.
"""

from collections.abc import Mapping
from importlib import import_module

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext

from ofr.audit import client_ip
from ofr.models import AccessEvent, UserSession

# (what the user agent contains, what to call it), first match wins: Edge and
# Opera also name Chrome, Chrome names Safari, Android names Linux, and
# iPhones and iPads name Mac OS X.
BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def describe_browser(user_agent: str) -> str:
    """A short name for a browser, e.g. "Firefox on Windows", from its user agent."""
    browser = next((name for token, name in BROWSERS if token in user_agent), "")
    system = next((name for token, name in SYSTEMS if token in user_agent), "")
    if browser and system:
        return gettext("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or user_agent[:40] or gettext("Unknown browser")


def lapsed(session: Mapping, now: float) -> bool:
    """Whether a signed-in session has run out: SESSION_IDLE_MINUTES without a
    request, SESSION_MAX_HOURS since sign-in, or no timestamps to tell."""
    auth_at, seen_at = session.get("auth_at"), session.get("seen_at")
    return (
        auth_at is None
        or seen_at is None
        or now - seen_at > settings.SESSION_IDLE_MINUTES * 60
        or now - auth_at > settings.SESSION_MAX_HOURS * 3600
    )


def live_sessions(user, *, current: str | None = None) -> list[UserSession]:
    """The user's sessions that still sign them in, newest first; `current`
    (this request's session key) counts as live whatever its stored copy says."""
    rows = list(UserSession.objects.filter(user=user))
    stored = Session.objects.filter(
        session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
    )
    data = {session.session_key: session.get_decoded() for session in stored}
    now = timezone.now().timestamp()
    auth_hash = user.get_session_auth_hash()

    def signs_in(key: str) -> bool:
        values = data.get(key)
        return (
            values is not None
            and values.get(SESSION_KEY) == str(user.pk)
            and constant_time_compare(values.get(HASH_SESSION_KEY, ""), auth_hash)
            and not lapsed(values, now)
        )

    return [row for row in rows if row.session_key == current or signs_in(row.session_key)]


def end_sessions(user, *, keep: str | None) -> int:
    """End every session of the user but `keep` (this request's), and forget
    their rows; returns how many of them still signed the user in."""
    ended = len([row for row in live_sessions(user) if row.session_key != keep])
    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = UserSession.objects.filter(user=user).exclude(session_key=keep)
    for key in others.values_list("session_key", flat=True):
        # Through the session engine, which also clears a cached copy.
        store().delete(key)
    others.delete()
    return ended


def renew_key(old_key: str | None, new_key: str | None) -> None:
    """Follow a session to its new key (Django gives the session a new key when
    the password changes, so that the old cookie is worthless)."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def previous_sign_in(user, session: Mapping) -> AccessEvent | None:
    """The user's sign-in before the one that started this session."""
    sign_ins = AccessEvent.objects.filter(user=user, action=AccessEvent.Action.LOGIN)
    this_one = session.get("login_seq")
    if this_one is None:  # a session from before login_seq was kept: the newest but one
        return sign_ins.order_by("-seq")[1:2].first()
    return sign_ins.filter(seq__lt=this_one).order_by("-seq").first()


@receiver(user_logged_in, dispatch_uid="ofr_session_started")
def on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None or getattr(request, "session", None) is None:
        return
    if request.session.session_key is None:
        # Signing in over another person's session empties it, and it has no
        # key until saved.
        request.session.save()
    # Forget the sessions that ended without a sign-out.
    stored = Session.objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
    )
    UserSession.objects.filter(user=user).exclude(Exists(stored)).delete()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "created_at": timezone.now(),
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )


@receiver(user_logged_out, dispatch_uid="ofr_session_ended")
def on_logout(sender, request: HttpRequest | None, user, **kwargs) -> None:
    session = getattr(request, "session", None) if request is not None else None
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()
