"""The second step of signing in, as a person meets it: enrolling an
authenticator app, a code, a recovery code, and a run of wrong codes."""

import re
import time
from base64 import b32decode
from datetime import date

from django.contrib.auth.models import User
from django.test import override_settings
from playwright.sync_api import expect

from demo.management.commands.demo import DEMO_PASSWORD
from demo.second_factor import code_for_step, demo_key
from ofr.models import Membership, SecondFactor, Team
from ofr.roles import Role

from .checks import page_problems


def new_coordinator(username: str) -> User:
    user = User(username=username, first_name="New", last_name="Person")
    user.set_password(DEMO_PASSWORD)
    user.save()
    Membership.objects.create(
        user=user,
        team=Team.objects.get(short_code="RIV"),
        role=Role.COORDINATOR,
        starts_on=date(2024, 1, 1),
    )
    return user


def password_step(visitor, username: str) -> None:
    page = visitor.page
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def now_step() -> int:
    return int(time.time() // 30)


def test_enrol_then_sign_in_with_a_recovery_code(visitor):
    new_coordinator("enrolling")
    page = visitor.page
    password_step(visitor, "enrolling")
    assert "/accounts/two-factor/enrol/" in page.url
    # Nothing else is reachable yet.
    page.goto("/cases/")
    assert "/accounts/two-factor/enrol/" in page.url
    expect(page.locator("figure.ofr-qr svg")).to_be_visible()
    assert page_problems(page) == []
    secret = page.locator("#secret").inner_text()
    key = b32decode(secret.replace(" ", "")).hex()
    page.get_by_label("Code from the app").fill(
        "000000" if code_for_step(key, now_step()) != "000000" else "111111"
    )
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()
    time.sleep(1.2)  # wrong codes are throttled: 1 s after the first
    page.get_by_label("Code from the app").fill(code_for_step(key, now_step()))
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your recovery codes"
    codes = page.get_by_role("list", name="Recovery codes").inner_text().split()
    assert len(codes) == 10 and all(
        re.fullmatch(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}", c) for c in codes
    )
    page.get_by_role("link", name="I have kept them: continue").click()
    page.goto("/cases/")
    assert page.get_by_role("heading", level=1).inner_text() == "Cases"

    page.get_by_role("button", name="Sign out").click()
    password_step(visitor, "enrolling")
    assert "/accounts/two-factor/" in page.url
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "/accounts/two-factor/" not in page.url
    # Used once: the same recovery code does not work again.
    page.get_by_role("button", name="Sign out").click()
    password_step(visitor, "enrolling")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right, or was already used")).to_be_visible()


def test_a_run_of_wrong_codes_locks_signing_in(visitor):
    user = new_coordinator("fumbling")
    SecondFactor.objects.create(user=user, name="app", confirmed=True, key="ab" * 20)
    page = visitor.page
    with override_settings(SECOND_FACTOR_THROTTLE_SECONDS=0):
        password_step(visitor, "fumbling")
        right = {code_for_step("ab" * 20, now_step() + d) for d in (-1, 0, 1)}
        wrong = next(c for c in ("000000", "111111", "222222") if c not in right)
        for _ in range(5):
            if "/accounts/two-factor/" not in page.url:
                break
            page.get_by_label("Code").fill(wrong)
            page.get_by_role("button", name="Continue").click()
            page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in locked"
    page.goto("/cases/")
    assert "/accounts/login/" in page.url


NEW_PASSWORD = "a new and long passphrase 42"  # noqa: S105


def test_change_the_password_from_the_account_page(visitor):
    user = new_coordinator("changing")
    SecondFactor.objects.create(user=user, name="app", confirmed=True, key=demo_key())
    page = visitor.page
    visitor.sign_in("changing")
    page.goto("/accounts/")
    expect(page.get_by_text("Recovery codes left")).to_be_visible()
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    assert page_problems(page) == []
    page.get_by_role("button", name="Sign out", exact=True).click()
    visitor.sign_in("changing", password=NEW_PASSWORD)
    page.goto("/accounts/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "/accounts/login/" not in page.url and "/two-factor/" not in page.url
