"""CSRF tokens bound to the browser's session (OWASP CSRF Prevention Cheat Sheet, "signed
double-submit cookie"; ASVS 5.0 3.5.1).

A form's token is an HMAC-SHA256, under the installation's signing key, of what identifies
this browser's session: the random id inside a live session cookie, or, before login, the
random value of the browser's pre-login cookie. So a token copied from another session (or
made up with an injected cookie) does not match, and no token is stored anywhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from acuneuro.services._context import Context
from acuneuro.services.accounts import session_id

__all__ = ["binding_of", "csrf_token", "csrf_valid"]

_MIN_BROWSER_ID = 32


def binding_of(ctx: Context, session_cookie: str | None, browser_cookie: str | None) -> str | None:
    """What this browser's tokens are bound to: its live session, else its pre-login cookie."""
    if session_cookie and (sid := session_id(ctx, session_cookie)) is not None:
        return "session:" + sid
    if browser_cookie and len(browser_cookie) >= _MIN_BROWSER_ID:
        return "browser:" + browser_cookie
    return None


def csrf_token(ctx: Context, binding: str) -> str:
    """The token the forms of ``binding`` carry."""
    mac = hmac.new(ctx.signing_key.encode(), b"acuneuro.csrf\x00" + binding.encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def csrf_valid(ctx: Context, binding: str | None, submitted: str) -> bool:
    """True when ``submitted`` is the token of ``binding`` (constant-time comparison)."""
    if binding is None or not submitted:
        return False
    # Compared as bytes: compare_digest raises on non-ASCII text (a 500 found by the web fuzzer).
    return hmac.compare_digest(csrf_token(ctx, binding).encode(), submitted.encode())
