"""Commands registered by trust: ``acuneuro backup`` and ``acuneuro restore``.

The database is ``--db URL`` or the ``ACUNEURO_DATABASE_URL`` environment variable. Both commands
print a JSON summary; a bad archive, an unreachable database or a non-empty restore target is
refused with exit status 2 and one line naming the problem (the password of a URL is never
printed). ``backup --encrypt`` seals the archive with a passphrase (``store.sealed_backup``),
read from ``ACUNEURO_BACKUP_PASSPHRASE`` or asked for twice; ``restore`` asks for it when the
archive is sealed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer

from acuneuro.cli._common import EXIT_DATABASE_DOWN, _, check_sqlite_file, emit_json, fail, stop
from acuneuro.store.backup import BackupError, backup_database, restore_database
from acuneuro.store.sealed_backup import is_sealed

__all__ = ["register"]

_DB = typer.Option(
    "--db",
    envvar="ACUNEURO_DATABASE_URL",
    help="SQLAlchemy database URL (default: $ACUNEURO_DATABASE_URL).",
    show_envvar=True,
)


def _url(db: str | None, *, create: bool) -> sa.URL:
    if not db:
        fail(_("no database: give --db URL or set ACUNEURO_DATABASE_URL"))
    try:
        url = sa.make_url(db)
        url.get_dialect()
    except sa.exc.ArgumentError:  # NoSuchModuleError (unknown backend) included
        fail(_("--db: not a SQLAlchemy database URL with a known backend"))
    name = url.database
    if url.get_backend_name() == "sqlite" and name and name != ":memory:" \
            and not name.startswith("file:"):
        # A typo must not back up a new empty database, nor restore into a new folder.
        check_sqlite_file(Path(name).absolute(), create=create)
    return url


def _shown(url: sa.URL) -> str:
    return url.render_as_string(hide_password=True)


def _summary(
    manifest: dict[str, Any], archive: Path, url: sa.URL, started: float
) -> dict[str, Any]:
    return {
        "seconds": round(time.monotonic() - started, 3),
        "archive": str(archive),
        "archive_sha256": hashlib.sha256(archive.read_bytes()).hexdigest(),
        "sealed": is_sealed(archive),
        "database": _shown(url),
        "dialect": manifest["dialect"],
        "alembic_revision": manifest["alembic_revision"],
        "created_at": manifest["created_at"],
        "tables": {t["name"]: t["rows"] for t in manifest["tables"]},
    }


_PASSPHRASE_ENV = "ACUNEURO_BACKUP_PASSPHRASE"  # noqa: S105 (the variable's name)
# NIST SP 800-63B 5.1.1.2: at least 8 characters for a memorised secret; acuneuro asks 12, as
# for account passwords, because an archive can be attacked offline.
_MIN_PASSPHRASE = 12


def _passphrase(*, confirm: bool) -> str:
    given = os.environ.get(_PASSPHRASE_ENV)
    if given is None:
        if not sys.stdin.isatty():
            fail(_("a sealed backup needs a passphrase: set %(name)s") % {"name": _PASSPHRASE_ENV})
        given = typer.prompt("backup passphrase", hide_input=True,
                             confirmation_prompt=confirm)
    if len(given) < _MIN_PASSPHRASE:
        fail(_("%(name)s: the passphrase needs at least %(n)s characters") % {
            "name": _PASSPHRASE_ENV, "n": _MIN_PASSPHRASE})
    return given


def backup(
    out: Annotated[Path, typer.Option("--out", help="Archive file to write.")],
    db: Annotated[str | None, _DB] = None,
    encrypt: Annotated[bool, typer.Option(
        "--encrypt", help=f"Seal the archive with a passphrase (${_PASSPHRASE_ENV}).")] = False,
) -> None:
    """Write a consistent, checksummed backup of the whole database to FILE."""
    url = _url(db, create=False)
    if out.exists():
        fail(_("--out: %(path)s already exists; choose a new file") % {"path": out})
    if not out.parent.is_dir():
        fail(_("--out: folder %(folder)s does not exist") % {"folder": out.parent})
    passphrase = _passphrase(confirm=True) if encrypt else None
    started = time.monotonic()
    try:
        manifest = backup_database(url, out, passphrase=passphrase)
    except BackupError as exc:
        fail(str(exc))
    except sa.exc.OperationalError:
        stop(_("backup of %(url)s: the database cannot be reached") % {"url": _shown(url)},
             EXIT_DATABASE_DOWN)
    except sa.exc.SQLAlchemyError as exc:
        fail(_("backup of %(url)s failed: %(reason)s") % {
            "url": _shown(url), "reason": type(exc).__name__})
    emit_json(_summary(manifest, out, url, started))


def restore(
    archive: Annotated[Path, typer.Argument(help="Archive written by acuneuro backup.")],
    db: Annotated[str | None, _DB] = None,
) -> None:
    """Restore FILE into an EMPTY database, in one transaction, after checking every checksum."""
    url = _url(db, create=True)
    if not archive.is_file():
        fail(_("%(path)s: no such backup file") % {"path": archive})
    passphrase = _passphrase(confirm=False) if is_sealed(archive) else None
    started = time.monotonic()
    try:
        manifest = restore_database(archive, url, passphrase)
    except BackupError as exc:
        fail(str(exc))
    except sa.exc.OperationalError:
        stop(_("restore into %(url)s: the database cannot be reached; nothing was written")
             % {"url": _shown(url)},
             EXIT_DATABASE_DOWN)
    except sa.exc.SQLAlchemyError as exc:
        fail(_("restore into %(url)s failed: %(reason)s; nothing was written") % {
            "url": _shown(url), "reason": type(exc).__name__})
    emit_json(_summary(manifest, archive, url, started))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command("backup")(backup)
    app.command("restore")(restore)
