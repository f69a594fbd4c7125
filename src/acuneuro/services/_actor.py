"""Who is calling a service: the authenticated user as the services see them."""

from __future__ import annotations

from dataclasses import dataclass

from acuneuro.store import Role, User

__all__ = ["Actor"]


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated staff member, scoped to one clinic, and where the request came from."""

    user_id: int | None
    email: str
    role: Role
    clinic_id: int
    source_address: str | None = None

    @classmethod
    def of(cls, user: User, source_address: str | None) -> Actor:
        """The actor for a user loaded from the store."""
        return cls(user.id, user.email, user.role, user.clinic_id, source_address)

