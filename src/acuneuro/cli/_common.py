"""Helpers every command shares: JSON in and out, the one way to refuse bad input, the
settings and the service context of a command, and the exit codes (docs/operations.md).

Nothing heavy is imported at module level: ``acuneuro --help`` must stay fast.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from pydantic import ValidationError

    from acuneuro.services import Context
    from acuneuro.settings import Settings

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CHECK_FAILED",
    "EXIT_CODES",
    "EXIT_CONFIGURATION",
    "EXIT_DATABASE_DOWN",
    "EXIT_INTERRUPTED",
    "_",
    "check_sqlite_file",
    "command_locale",
    "emit_json",
    "fail",
    "field_path",
    "open_context",
    "read_json",
    "settings_for",
    "stop",
    "validation_message",
]

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CONFIGURATION = 3
EXIT_DATABASE_DOWN = 4
EXIT_INTERRUPTED = 130
EXIT_CODES = {
    0: "done",
    EXIT_CHECK_FAILED: "a check found a problem (audit verify: the trail does not hold)",
    EXIT_BAD_INPUT: "bad input or usage (the line names the field)",
    EXIT_CONFIGURATION: "configuration: no database file or folder where the URL points, "
                        "or a key file not found",
    EXIT_DATABASE_DOWN: "the database cannot be reached or used",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


def _(message: str) -> str:
    """``message`` in the command's language (``--lang``, else ACUNEURO_LANG, else LANG).

    Babel is imported on the first message shown, never for ``--help`` or ``--version``.
    """
    from acuneuro.i18n import gettext

    return gettext(message)


def command_locale(lang: str | None) -> str:
    """The language of a command: ``--lang``, else ACUNEURO_LANG, else LANG (``it_IT.UTF-8``:
    its language part is what counts), else English."""
    from acuneuro import i18n

    chosen = lang or os.environ.get("ACUNEURO_LANG") or os.environ.get("LANG", "")
    return i18n.negotiate_locale(chosen.split(".")[0].replace("_", "-"))


def stop(message: str, code: int) -> NoReturn:
    """One line on stderr and exit ``code``, never a traceback."""
    typer.echo(_("error: %(message)s") % {"message": message}, err=True)
    raise typer.Exit(code=code)


def fail(message: str) -> NoReturn:
    """Refuse bad input: one clear line on stderr and exit status 2, never a traceback."""
    stop(message, EXIT_BAD_INPUT)


def settings_for(db: str | None, *, create: bool = False) -> Settings:
    """The settings with ``--db`` applied, checked before anything is created.

    A SQLite URL whose folder does not exist is refused (a typo must not create a folder and
    an empty database); without ``create`` the file itself must exist too. The default
    database's folder (``var/``) is the one exception: the zero-configuration demo makes it.
    """
    from pydantic import ValidationError

    from acuneuro.settings import DEFAULT_DATABASE_URL, Settings

    try:
        settings = Settings() if db is None else Settings(database_url=db)
    except ValidationError as exc:
        fail(_("settings: %(problem)s") % {"problem": validation_message(exc)})
    path = settings.sqlite_path()
    if path is not None:
        check_sqlite_file(path, create=create,
                          make_folder=create and settings.database_url == DEFAULT_DATABASE_URL)
    return settings


def check_sqlite_file(path: Path, *, create: bool, make_folder: bool = False) -> None:
    """Stop (exit 3) when a SQLite database cannot be where the URL points: its folder is
    missing (unless ``make_folder``), or, without ``create``, the file itself."""
    if not path.parent.is_dir() and not make_folder:
        stop(_("database: the folder %(folder)s does not exist; check the URL (nothing was "
               "created)") % {"folder": path.parent}, EXIT_CONFIGURATION)
    if not create and not path.is_file():
        stop(_("database: no database file at %(path)s; check the URL or create it with "
               "`acuneuro db upgrade` (nothing was created)") % {"path": path},
             EXIT_CONFIGURATION)


@contextmanager
def open_context(settings: Settings, *, create: bool = False) -> Iterator[Context]:
    """The services' context; missing keys are created only with ``create``."""
    from acuneuro.services import Context
    from acuneuro.settings import MissingKey

    try:
        ctx = Context.from_settings(settings, create_keys=create)
    except MissingKey as exc:
        stop(str(exc), EXIT_CONFIGURATION)
    try:
        yield ctx
    finally:
        ctx.db.dispose()


def read_json(source: str, what: str) -> Any:
    """Parse JSON from a file path, or from standard input when ``source`` is ``-``."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except OSError as exc:
        fail(_("%(what)s: cannot read %(source)s: %(reason)s") % {
            "what": what, "source": source, "reason": exc.strerror})
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(_("%(what)s: not valid JSON (line %(line)s, column %(column)s): %(reason)s") % {
            "what": what, "line": exc.lineno, "column": exc.colno, "reason": exc.msg})


def validation_message(exc: ValidationError) -> str:
    """A sentence on each refused field's label ("Name of medicine 1 is too long: ...")."""
    from acuneuro.services.messages import validation_sentences  # the services load lazily

    return validation_sentences(exc)


def field_path(location: tuple[int | str, ...] | list[int | str]) -> str:
    """A readable path such as ``pain.regions.0.side``; odd keys are quoted (``pain[""]``)."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f".{part}" if path else str(part)
        elif part.isidentifier():
            path += f".{part}" if path else part
        else:
            path += f"[{json.dumps(part)}]"
    return path or "(document)"


def emit_json(payload: Any) -> None:
    """Print a JSON document (pydantic models included) on stdout."""
    from pydantic import BaseModel

    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
