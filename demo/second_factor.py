"""The demo's published authenticator secret, and codes for tools that sign in
as demo or benchmark users (load tests, the fault and two-host runs, the
browser suite). Needs no Django settings: scripts/faults imports it too."""

import time
from base64 import b32decode

from django_otp.oath import TOTP

# Every demo user's authenticator secret (base32, as an app takes it typed in),
# published like the demo password; `manage.py demo_code USER` prints the code.
DEMO_SECOND_FACTOR_SECRET = "OFRD EMOO FRDE MOOF RDEM OOFR DEMO OFRD"  # noqa: S105
# Must match ofr/second_factor.py: six digits, 30-second steps, one step either side.
STEP_SECONDS = 30
TOLERANCE_STEPS = 1


def demo_key() -> str:
    """The demo secret as the device keeps it (hex)."""
    return b32decode(DEMO_SECOND_FACTOR_SECRET.replace(" ", "")).hex()


def code_for_step(key_hex: str, step: int) -> str:
    clock = TOTP(bytes.fromhex(key_hex), STEP_SECONDS, 0, 6, 0)
    clock.time = step * STEP_SECONDS
    return f"{clock.token():06d}"


def next_code(key_hex: str, last_step: int) -> tuple[str, int, float]:
    """(code, its step, seconds to wait before the server accepts it): the
    earliest step after `last_step` (a code is good once) that the server's
    window (now, one step either side) holds now or soonest."""
    now = time.time()
    current = int(now // STEP_SECONDS)
    step = max(current - TOLERANCE_STEPS, last_step + 1)
    wait = 0.0
    if step > current + TOLERANCE_STEPS:
        wait = (step - TOLERANCE_STEPS) * STEP_SECONDS - now + 0.5
    return code_for_step(key_hex, step), step, max(wait, 0.0)


class CodeBook:
    """The steps a tool has used, per user, so that its sign-ins never replay
    a code (the server refuses a step it has seen)."""

    def __init__(self, key_hex: str | None = None) -> None:
        self.key_hex = key_hex or demo_key()
        self.last_step: dict[str, int] = {}

    def take(self, username: str) -> str:
        code, step, wait = next_code(self.key_hex, self.last_step.get(username, -1))
        if wait:
            time.sleep(wait)
        self.last_step[username] = step
        return code

    def refused(self, username: str) -> None:
        """The server refused the code: another sign-in used the window, so
        the next try waits for a step nobody can have used."""
        self.last_step[username] = int(time.time() // STEP_SECONDS) + TOLERANCE_STEPS
