"""Recording access events: who read, exported, downloaded, signed in or was denied.

Views call `record()`; sign-in events come from the auth signals below; denied
attempts on guarded objects come from `DeniedNotFound` / `DeniedForbidden`,
which the access modules raise and `DeniedAccessAuditMiddleware` records.
"""

import hashlib
import hmac
import ipaddress

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import models
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.utils import timezone

from ofr.models import AccessEvent, sync_user_groups

Action = AccessEvent.Action


def client_ip(request: HttpRequest) -> str:
    """The client's address: the socket peer, or the address that the trusted
    reverse proxies (TRUSTED_PROXY_COUNT of them) saw. Also used by django-axes."""
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


def keyed_digest(purpose: str, text: str, key: str | None = None) -> str:
    """HMAC-SHA256 of `text` under a key derived from the audit key (or `key`,
    e.g. a fallback) for one purpose, so that a digest made for one purpose
    says nothing about another."""
    subkey = hmac.new((key or settings.AUDIT_KEY).encode(), purpose.encode(), hashlib.sha256)
    return hmac.new(subkey.digest(), text.encode(), hashlib.sha256).hexdigest()


def search_term_digest(term: str, key: str | None = None) -> str:
    """What the access log keeps of a name search: a keyed hash of the term,
    case and spacing folded, so that an auditor holding a name can find who
    searched for it, and a reader of the log learns no name."""
    return keyed_digest("search-term", " ".join(term.casefold().split()), key)


def object_label(obj: models.Model | None) -> tuple[str, str]:
    """(type, id) naming an object in the log: its unguessable code when it has one."""
    if obj is None:
        return "", ""
    identifier = getattr(obj, "code", None) or obj.pk
    return obj._meta.label_lower, str(identifier)


def record(
    request: HttpRequest | None,
    action: str,
    obj: models.Model | None = None,
    *,
    detail: str = "",
    user=None,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AccessEvent:
    """Append an access event, committed at once (never inside a transaction)."""
    if user is None and request is not None:
        request_user = getattr(request, "user", None)
        if request_user is not None and request_user.is_authenticated:
            user = request_user
    if obj is not None:
        object_type, object_id = object_label(obj)
    meta = request.META if request is not None else {}
    return AccessEvent.append(
        user=user,
        username=username or (user.get_username() if user is not None else ""),
        ip_address=client_ip(request) if request is not None else "",
        user_agent=meta.get("HTTP_USER_AGENT", ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


class DeniedNotFound(Http404):
    """Raised by access modules: the object is hidden from this user (404), and logged."""

    def __init__(self, object_type: str, object_id: str, perm: str) -> None:
        super().__init__("Not found")
        self.object_type, self.object_id, self.perm = object_type, str(object_id), perm


class DeniedForbidden(PermissionDenied):
    """Raised by access modules: visible, but this action is not allowed (403), and logged."""

    def __init__(self, object_type: str, object_id: str, perm: str) -> None:
        super().__init__("Forbidden")
        self.object_type, self.object_id, self.perm = object_type, str(object_id), perm


def record_denied(request: HttpRequest, exc: DeniedNotFound | DeniedForbidden) -> None:
    status = 404 if isinstance(exc, Http404) else 403
    record(
        request,
        Action.DENIED,
        object_type=exc.object_type,
        object_id=exc.object_id,
        detail=f"{status} {exc.perm} {request.method} {request.path}",
    )


# --- Sign-in events -----------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="ofr_audit_login")
def on_login(sender, request, user, **kwargs) -> None:
    if request is not None:
        now = timezone.now().timestamp()
        request.session["auth_at"] = now
        request.session["seen_at"] = now
    sync_user_groups(user)
    record(request, Action.LOGIN, user=user)


@receiver(user_logged_out, dispatch_uid="ofr_audit_logout")
def on_logout(sender, request, user, **kwargs) -> None:
    record(request, Action.LOGOUT, user=user, username=user.get_username() if user else "")


@receiver(user_login_failed, dispatch_uid="ofr_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The typed username only (credentials are already scrubbed of the password).
    username = str(credentials.get("username", ""))[:150]
    record(request, Action.LOGIN_FAILED, username=username)


@receiver(user_locked_out, dispatch_uid="ofr_audit_locked_out")
def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    record(request, Action.LOCKED_OUT, username=str(username or "")[:150], detail="django-axes")


# --- Append-only enforcement in the database ----------------------------------

_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_no_update BEFORE UPDATE ON ofr_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'ofr_accessevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_no_delete BEFORE DELETE ON ofr_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'ofr_accessevent is append-only'); END",
]
_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION ofr_accessevent_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'ofr_accessevent is append-only'; END $$",
    "CREATE OR REPLACE TRIGGER ofr_accessevent_no_update_delete "
    "BEFORE UPDATE OR DELETE ON ofr_accessevent "
    "FOR EACH ROW EXECUTE FUNCTION ofr_accessevent_append_only()",
]


def install_append_only_triggers(vendor: str, execute) -> None:
    """Make the database itself refuse UPDATE and DELETE on the access log.

    `execute` runs one SQL statement (a schema editor's or a cursor's)."""
    statements = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"No append-only trigger for the {vendor} backend")
    for statement in statements:
        execute(statement)


def drop_append_only_triggers(vendor: str, execute) -> None:
    """Only for migrating backwards and for the test suite's clean-up."""
    if vendor == "sqlite":
        execute("DROP TRIGGER IF EXISTS ofr_accessevent_no_update")
        execute("DROP TRIGGER IF EXISTS ofr_accessevent_no_delete")
    else:
        execute("DROP TRIGGER IF EXISTS ofr_accessevent_no_update_delete ON ofr_accessevent")


# --- Verification -------------------------------------------------------------


def verify_chain(events) -> tuple[int, str | None]:
    """Walk the chain in order. Returns (rows checked, description of the first
    bad row or None). Detects edited rows (hash mismatch), rows inserted out of
    chain (link mismatch) and deleted rows (sequence gap / link mismatch)."""
    from ofr.models import GENESIS_HASH

    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for event in events:
        count += 1
        if event.seq != expected_seq:
            return count, (
                f"row id={event.pk} seq={event.seq}: expected seq {expected_seq}; "
                f"row(s) {expected_seq}..{event.seq - 1} are missing or out of order"
            )
        if event.prev_hash != expected_prev:
            return count, (
                f"row id={event.pk} seq={event.seq}: does not link to the previous row "
                "(inserted out of chain, or the row before it was removed)"
            )
        if event.compute_hash() != event.entry_hash:
            return (
                count,
                f"row id={event.pk} seq={event.seq}: content does not match its hash (edited)",
            )
        expected_prev, expected_seq = event.entry_hash, expected_seq + 1
    return count, None
