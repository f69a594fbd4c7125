"""In headless Chromium: enrolling a second factor through a one-time link (QR code, a wrong
code keeps the secret, the first valid code is taken), and a form posted from another origin
refused by the Origin check while our own forms pass it."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest

from acuneuro.api import CROSS_ORIGIN_REFUSED
from acuneuro.services import account_links

pytestmark = pytest.mark.browser


def test_a_researcher_enrols_through_a_link_in_a_real_browser(
    page: Any, live_server: Any
) -> None:
    from playwright.sync_api import expect

    dana = live_server.accounts["dana"]
    link = account_links.issue_link(live_server.ctx, dana.email,
                                    account_links.Purpose.MFA_ENROLMENT)
    page.goto(live_server.url + link.path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a second factor")
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("code.secret").first.inner_text()
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code the app shows now").fill(
        "000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("alert")).to_contain_text("not the one your app shows now")
    assert page.locator("code.secret").first.inner_text() == secret
    page.get_by_label("Code the app shows now").fill(totp.now())
    # Ten argon2id hashes (64 MiB each) of the recovery codes: slow on a busy machine.
    page.get_by_role("button", name="Confirm").click(no_wait_after=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes", timeout=60_000)
    # The password and a code now log in; the password alone did not before.
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(dana.email)
    page.get_by_label("Password").fill(dana.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/login/mfa")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click(no_wait_after=True)
    page.wait_for_url(live_server.url + "/dashboard", timeout=60_000)


def test_a_form_posted_from_another_origin_is_refused(page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/")
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    # The same browser, cookies included, but the form lives on another page (about:blank).
    page.goto("about:blank")
    page.set_content(
        f'<form method="post" action="{live_server.url}/login">'
        f'<input name="csrf" value="{token}"><input name="email" value="alice@example.org">'
        '<input name="password" value="anything at all"><button>go</button></form>')
    with page.expect_navigation():
        page.get_by_role("button", name="go").click()
    assert page.locator("body").inner_text().strip() == CROSS_ORIGIN_REFUSED
