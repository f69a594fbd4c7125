"""Liveness: does the database answer."""

from __future__ import annotations

from sqlalchemy import text

from acuneuro.services._context import Context

__all__ = ["check_database"]


def check_database(ctx: Context) -> str:
    """Run a trivial query; return the backend name (raises when the database is down)."""
    with ctx.db.read() as session:
        session.execute(text("SELECT 1"))
    return ctx.db.backend
