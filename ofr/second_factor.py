"""Second factor: who needs one, codes from an authenticator app (TOTP through
django-otp), single-use recovery codes, locking, and the reset.

A session has passed the second step when django-otp's session key names the
person's device (`django_otp.login`). Everything that takes a device away (a
reset) also ends the person's sessions, so the middleware needs only to see
that key: no query per request once the step is passed.
"""

import hashlib
import hmac
import secrets
import time
from base64 import b32encode
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP

from ofr.access import active_memberships
from ofr.audit import record
from ofr.models import AccessEvent, RecoveryCode, SecondFactor
from ofr.roles import Role
from ofr.sessions import end_sessions, renew_key

Action = AccessEvent.Action

DIGITS = 6
STEP_SECONDS = 30
# Codes one step either side of now pass: phones' clocks drift.
TOLERANCE_STEPS = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: read from paper. 12 of 31 characters, about 59 bits each.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_CODE_LENGTH = 12


# --- Who ----------------------------------------------------------------------


def needs_second_factor(user) -> bool:
    """Staff, and everyone with an active membership but an agency partner's
    (a team may ask it of its agency partners too)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(
        m.role != Role.AGENCY_PARTNER or m.team.partners_need_second_factor
        for m in active_memberships(user)
    )


def has_passed(request: HttpRequest) -> bool:
    return bool(request.session.get(DEVICE_ID_SESSION_KEY))


def device_of(user) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=user).first()


def exempt(view: Callable) -> Callable:
    """Mark a view as reachable before the second step (the step's own pages, sign-out)."""
    view.second_factor_exempt = True
    return view


class SecondFactorMiddleware:
    """No view but the exempt ones until a person who needs a second factor
    has passed it in this session: enrolment first if they have none yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "second_factor_exempt", False) or has_passed(request):
            return None
        if not needs_second_factor(request.user):
            return None
        device = device_of(request.user)
        step = "second_factor_verify" if device and device.confirmed else "second_factor_enrol"
        next_page = request.get_full_path() if request.method == "GET" else ""
        if next_page:
            return redirect_to_login(next_page, step)
        return redirect(step)


# --- Codes --------------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_hex(20)


def secret_text(device: SecondFactor) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    b32 = b32encode(bytes.fromhex(device.key)).decode()
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def provisioning_uri(device: SecondFactor) -> str:
    issuer = settings.SECOND_FACTOR_ISSUER
    label = quote(f"{issuer}:{device.user.get_username()}")
    query = urlencode(
        {
            "secret": b32encode(bytes.fromhex(device.key)).decode(),
            "issuer": issuer,
            "digits": DIGITS,
            "period": STEP_SECONDS,
        },
        quote_via=quote,
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(device: SecondFactor) -> str:
    """The provisioning address as a QR code, drawn here (no outside service)."""
    code = segno.make(provisioning_uri(device), error="m")
    return code.svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)


def totp(key_hex: str) -> TOTP:
    clock = TOTP(bytes.fromhex(key_hex), STEP_SECONDS, 0, DIGITS, 0)
    clock.time = time.time()
    return clock


def current_code(device: SecondFactor) -> str:
    """The code an authenticator app shows now (demo_code and tests)."""
    return f"{totp(device.key).token():0{DIGITS}d}"


def verify_totp(device: SecondFactor, token) -> bool:
    """django-otp's TOTPDevice check, on our device: throttled, and each
    accepted step at most once."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False
    token = str(token).strip().replace(" ", "")
    verified = False
    if token.isdigit() and len(token) == DIGITS:
        clock = totp(device.key)
        verified = clock.verify(int(token), TOLERANCE_STEPS, device.last_t + 1)
        if verified:
            device.last_t = clock.t()
            device.throttle_reset(commit=False)
            device.set_last_used_timestamp(commit=False)
            device.save()
    if not verified:
        device.throttle_increment(commit=True)
    return verified


def recovery_digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def normalised_recovery_code(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def issue_recovery_codes(user) -> list[str]:
    """Ten new codes, replacing any left; shown once, kept only as salted hashes."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        for code in codes:
            salt = secrets.token_hex(16)
            RecoveryCode.objects.create(user=user, salt=salt, digest=recovery_digest(salt, code))
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def use_recovery_code(user, text: str) -> bool:
    code = normalised_recovery_code(text)
    if len(code) != RECOVERY_CODE_LENGTH:
        return False
    with transaction.atomic():
        unused = RecoveryCode.objects.select_for_update().filter(user=user, used_at__isnull=True)
        for row in unused:
            if hmac.compare_digest(row.digest, recovery_digest(row.salt, code)):
                row.used_at = timezone.now()
                row.save(update_fields=["used_at"])
                return True
    return False


# --- The second step ----------------------------------------------------------


@dataclass
class Outcome:
    passed: bool
    message: str = ""
    locked: bool = False


def locked_until(device: SecondFactor):
    """When a run of AXES_FAILURE_LIMIT wrong codes stops locking the step, or None."""
    if device.throttling_failure_count < settings.AXES_FAILURE_LIMIT:
        return None
    if device.throttling_failure_timestamp is None:
        return None
    until = device.throttling_failure_timestamp + settings.AXES_COOLOFF_TIME
    return until if until > timezone.now() else None


def check_code(request: HttpRequest, device: SecondFactor, text: str) -> Outcome:
    """Pass the second step with a code from the app or a recovery code.
    Wrong codes are throttled (django-otp) and a run of them locks the step;
    each try's outcome is an access event."""
    user = request.user
    if locked_until(device):
        return Outcome(False, locked=True)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return Outcome(
            False, gettext("Too many wrong codes in a row: wait a few seconds and try again.")
        )
    digits = text.strip().replace(" ", "")
    if digits.isdigit():
        if verify_totp(device, digits):
            record(request, Action.MFA_VERIFIED, user=user)
            return _passed(request, device)
    elif use_recovery_code(user, text):
        device.throttle_reset()
        left = recovery_codes_left(user)
        record(request, Action.MFA_RECOVERY_USED, user=user, detail=f"{left} left")
        return _passed(request, device)
    else:
        device.throttle_increment(commit=True)
    device.refresh_from_db()
    record(
        request,
        Action.MFA_FAILED,
        user=user,
        detail=f"{device.throttling_failure_count} in a row",
    )
    if locked_until(device):
        record(request, Action.LOCKED_OUT, user=user, detail="second factor")
        return Outcome(False, locked=True)
    return Outcome(False, gettext("That code is not right, or was already used. Try the next one."))


def _passed(request: HttpRequest, device: SecondFactor) -> Outcome:
    old_key = request.session.session_key
    request.session.cycle_key()  # a new session id for the stronger sign-in
    renew_key(old_key, request.session.session_key)
    otp_login(request, device)
    return Outcome(True)


def start_enrolment(user) -> SecondFactor | None:
    """The person's unconfirmed device (the same secret until confirmed, so a
    reloaded page shows the same QR code), or None when they are enrolled."""
    device, _ = SecondFactor.objects.get_or_create(
        user=user, defaults={"name": "Authenticator app", "confirmed": False, "key": new_secret()}
    )
    return None if device.confirmed else device


def confirm_enrolment(request: HttpRequest, device: SecondFactor, code: str) -> list[str] | None:
    """The new recovery codes when the code is right, else None."""
    if not verify_totp(device, code):
        record(request, Action.MFA_FAILED, detail="enrolment")
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = issue_recovery_codes(request.user)
    record(request, Action.MFA_ENROLLED)
    _passed(request, device)
    return codes


def reset(request: HttpRequest, user, reason: str) -> None:
    """An administrator's reset: the device and recovery codes go, the person's
    sessions end, and they enrol again at their next sign-in."""
    with transaction.atomic():
        SecondFactor.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
    ended = end_sessions(user, keep=None)
    record(
        request,
        Action.MFA_RESET,
        object_type="auth.user",
        object_id=str(user.pk),
        detail=f"for {user.get_username()}, {ended} sessions ended: {reason}",
    )
