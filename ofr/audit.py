"""Recording access events: who read, exported, downloaded, signed in or was denied.

Views call `record()`; sign-in events come from the auth signals below; denied
attempts on guarded objects come from `DeniedNotFound` / `DeniedForbidden`,
which the access modules raise and `DeniedAccessAuditMiddleware` records.
"""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import models
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.utils import timezone

from ofr.models import GENESIS_HASH, AccessEvent, sync_user_groups

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
    event = record(request, Action.LOGIN, user=user)
    if request is not None:
        # The account page shows the sign-in before this one (ofr/sessions.py).
        request.session["login_seq"] = event.seq


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

# SQLite resolves INSERT OR REPLACE by deleting the clashing row without firing
# delete triggers, but runs BEFORE INSERT triggers first: refuse any clash there.
# The chain trigger makes the database itself keep seq and prev_hash in step
# with the head (one lookup on the seq index); '000...0' is GENESIS_HASH.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_no_update BEFORE UPDATE ON ofr_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'ofr_accessevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_no_delete BEFORE DELETE ON ofr_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'ofr_accessevent is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_no_replace BEFORE INSERT ON ofr_accessevent "
    "WHEN EXISTS (SELECT 1 FROM ofr_accessevent WHERE id = NEW.id) "
    "OR EXISTS (SELECT 1 FROM ofr_accessevent WHERE seq = NEW.seq) "
    "OR EXISTS (SELECT 1 FROM ofr_accessevent WHERE entry_hash = NEW.entry_hash) "
    "BEGIN SELECT RAISE(ABORT, "
    "'ofr_accessevent is append-only: that id, seq or entry_hash exists'); END",
    "CREATE TRIGGER IF NOT EXISTS ofr_accessevent_chain BEFORE INSERT ON ofr_accessevent "
    "WHEN NEW.seq IS NOT COALESCE((SELECT MAX(seq) FROM ofr_accessevent), 0) + 1 "
    "OR NEW.prev_hash IS NOT COALESCE("
    "(SELECT entry_hash FROM ofr_accessevent ORDER BY seq DESC LIMIT 1), "
    "'0000000000000000000000000000000000000000000000000000000000000000') "
    "BEGIN SELECT RAISE(ABORT, 'ofr_accessevent: a new row must be the next link of the chain'); "
    "END",
]
_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION ofr_accessevent_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'ofr_accessevent is append-only'; END $$",
    # Also fires for INSERT ... ON CONFLICT DO UPDATE.
    "CREATE OR REPLACE TRIGGER ofr_accessevent_no_update_delete "
    "BEFORE UPDATE OR DELETE ON ofr_accessevent "
    "FOR EACH ROW EXECUTE FUNCTION ofr_accessevent_append_only()",
    # An empty log may be truncated: nothing is lost, and Django's test flush
    # truncates every table (tests/base.py empties the log first).
    "CREATE OR REPLACE FUNCTION ofr_accessevent_no_truncate() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF EXISTS (SELECT 1 FROM ofr_accessevent) THEN "
    "RAISE EXCEPTION 'ofr_accessevent is append-only'; END IF; RETURN NULL; END $$",
    "CREATE OR REPLACE TRIGGER ofr_accessevent_no_truncate "
    "BEFORE TRUNCATE ON ofr_accessevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION ofr_accessevent_no_truncate()",
    "CREATE OR REPLACE FUNCTION ofr_accessevent_chain() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ DECLARE head_seq bigint; head_hash varchar; BEGIN "
    "SELECT seq, entry_hash INTO head_seq, head_hash FROM ofr_accessevent "
    "ORDER BY seq DESC LIMIT 1; "
    "IF NEW.seq IS DISTINCT FROM COALESCE(head_seq, 0) + 1 "
    "OR NEW.prev_hash IS DISTINCT FROM COALESCE(head_hash, "
    "'0000000000000000000000000000000000000000000000000000000000000000') THEN "
    "RAISE EXCEPTION 'ofr_accessevent: a new row must be the next link of the chain'; "
    "END IF; RETURN NEW; END $$",
    "CREATE OR REPLACE TRIGGER ofr_accessevent_chain "
    "BEFORE INSERT ON ofr_accessevent "
    "FOR EACH ROW EXECUTE FUNCTION ofr_accessevent_chain()",
]


def install_append_only_triggers(vendor: str, execute) -> None:
    """Make the database itself refuse changes to the access log other than
    appending the chain's next row.

    `execute` runs one SQL statement (a schema editor's or a cursor's)."""
    statements = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}.get(vendor)
    if statements is None:
        raise NotImplementedError(f"No append-only trigger for the {vendor} backend")
    for statement in statements:
        execute(statement)


def drop_append_only_triggers(vendor: str, execute) -> None:
    """Only for migrations and for the test suite's clean-up."""
    if vendor == "sqlite":
        for name in ("no_update", "no_delete", "no_replace", "chain"):
            execute(f"DROP TRIGGER IF EXISTS ofr_accessevent_{name}")
    else:
        for name in ("no_update_delete", "no_truncate", "chain"):
            execute(f"DROP TRIGGER IF EXISTS ofr_accessevent_{name} ON ofr_accessevent")
        for name in ("append_only", "no_truncate", "chain"):
            execute(f"DROP FUNCTION IF EXISTS ofr_accessevent_{name}()")


# --- Keys and verification ----------------------------------------------------


def audit_key_id(key: str | None = None) -> str:
    """A short fingerprint naming an audit key (AUDIT_KEY unless given) in the
    rows it signed; it tells nothing about the key itself."""
    return keyed_digest("key-id", "", key)[:16]


def chain_keys() -> dict[str, str]:
    """The keys that verification may use, by key id: AUDIT_KEY and its fallbacks."""
    return {audit_key_id(key): key for key in [settings.AUDIT_KEY, *settings.AUDIT_KEY_FALLBACKS]}


@dataclass
class ChainReport:
    """What verify_chain found: rows checked, the first bad row (None if all
    good), the last good row, rows from before the chain was keyed, and the seq
    of the row whose entry_hash was expected (None if not met)."""

    count: int = 0
    problem: str | None = None
    head: AccessEvent | None = None
    unkeyed: int = 0
    expected_seq: int | None = None


def verify_chain(events, expect_head: str = "") -> ChainReport:
    """Walk the chain in order and stop at the first bad row. Detects edited
    rows (hash mismatch), rows inserted out of chain (link mismatch), deleted
    rows (sequence gap / link mismatch), rows signed by a key that is not
    configured, and unkeyed rows after keyed ones (re-chained without the key).
    `expect_head`: an entry_hash kept outside the database; the report gives
    the seq of the good row that has it (a chain cut short or rewritten after
    it no longer holds it)."""
    keys = chain_keys()
    report = ChainReport()
    expected_prev, expected_seq, keyed = GENESIS_HASH, 1, False
    for event in events:
        report.count += 1
        where = f"row id={event.pk} seq={event.seq}"
        if event.seq != expected_seq:
            report.problem = (
                f"{where}: expected seq {expected_seq}; "
                f"row(s) {expected_seq}..{event.seq - 1} are missing or out of order"
            )
            return report
        if event.prev_hash != expected_prev:
            report.problem = (
                f"{where}: does not link to the previous row "
                "(inserted out of chain, or the row before it was removed)"
            )
            return report
        if event.key_id:
            keyed = True
            key = keys.get(event.key_id)
            if key is None:
                report.problem = (
                    f"{where}: signed with audit key {event.key_id}, which is not configured "
                    "(neither AUDIT_KEY nor in AUDIT_KEY_FALLBACKS)"
                )
                return report
            matches = event.compute_hash(key) == event.entry_hash
        elif keyed:
            report.problem = (
                f"{where}: has no audit key but follows keyed rows "
                "(re-chained by someone without the key)"
            )
            return report
        else:
            report.unkeyed += 1
            matches = event.compute_hash() == event.entry_hash
        if not matches:
            report.problem = f"{where}: content does not match its hash (edited)"
            return report
        if expect_head and event.entry_hash == expect_head:
            report.expected_seq = event.seq
        report.head = event
        expected_prev, expected_seq = event.entry_hash, expected_seq + 1
    return report
