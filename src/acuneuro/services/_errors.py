"""What a use case can refuse; the interfaces translate these into status codes and messages."""

from __future__ import annotations

from acuneuro.i18n import gettext as _

__all__ = [
    "AuthenticationFailed",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "ServiceError",
    "Throttled",
]


class ServiceError(Exception):
    """Base of every refusal a service raises on purpose."""


class AuthenticationFailed(ServiceError):
    """Unknown account, wrong password, disabled account or a bad token: one message for all."""

    def __init__(self) -> None:
        # One sentence for every cause, so the answer tells nothing about which one.
        super().__init__(_("invalid credentials"))


class PermissionDenied(ServiceError):
    """The caller's role may not do this at all (object existence is never the reason)."""


class NotFound(ServiceError):
    """No such object in the caller's clinic: another clinic's object is reported the same way."""


class Conflict(ServiceError):
    """The change would break a uniqueness rule (a second clinic with the same name, ...)."""


class Throttled(ServiceError):
    """Too many attempts: refused before any work, with how long to wait (HTTP 429).

    The sentence names what was limited and when to try again; ``retry_after`` is whole
    seconds (at least 1), the interfaces' ``Retry-After`` header.
    """

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)
