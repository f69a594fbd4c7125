"""The ``acuneuro`` command line: a thin shell over the services and the clinical core.

Each submodule owns one group of commands and adds them with ``register``; the commands
print JSON so that scripts and tests can use them, and refuse bad input with exit status 2.
Heavy libraries (SciPy, Matplotlib, DuckDB, pyarrow, the FHIR models) are imported inside
the commands that use them, so ``acuneuro --help`` and ``--version`` answer at once
(bench/cli.py). An expected failure is one line on stderr and a documented exit code
(``cli._common.EXIT_CODES``, docs/operations.md), never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from acuneuro import __version__
from acuneuro.cli import _common
from acuneuro.cli._lazy import LazyGroup

__all__ = ["app", "main"]

_EPILOG = "Exit codes: " + "; ".join(
    f"{code} {meaning}" for code, meaning in _common.EXIT_CODES.items()
) + ". Shell completion: acuneuro --install-completion (bash, zsh, fish)."

app = typer.Typer(
    name="acuneuro",
    cls=LazyGroup,
    help="Acupuncture for neuropathic pain: assess, plan, treat, follow, report.",
    epilog=_EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"acuneuro {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    context: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True,
        help="Print the version and exit.")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="LANG",
        help="Language of messages and PDF reports: en or it (else ACUNEURO_LANG, else LANG).",
    )] = None,
) -> None:
    """Acupuncture for neuropathic pain: assess, plan, treat, follow, report."""
    # Imported here: Babel's data is only needed by a command, never by --help or --version.
    from acuneuro import i18n

    # For the command only: the language is reset when it ends (a test runner, a shell in
    # process, runs many commands in one context).
    context.with_resource(i18n.use_locale(_common.command_locale(lang)))


def main() -> None:
    """Entry point of the ``acuneuro`` script: expected failures become one line and a code."""
    try:
        app(prog_name="acuneuro")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(_common.EXIT_INTERRUPTED)
    except Exception as exc:
        from acuneuro import i18n

        # The command's own language was reset when it ended: the same choice again.
        with i18n.use_locale(_common.command_locale(_lang_asked(sys.argv))):
            known = _known_failure(exc)
            if known is None:
                raise
            sys.stderr.write(_common._("error: %(message)s") % {"message": known[1]} + "\n")
        sys.exit(known[0])


def _lang_asked(argv: list[str]) -> str | None:
    """The value of ``--lang`` on the command line (``--lang it`` or ``--lang=it``), if any."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _known_failure(exc: Exception) -> tuple[int, str] | None:
    # Imported here: only a failing command pays for it (and it already loaded sqlalchemy).
    from sqlalchemy.exc import DBAPIError, OperationalError

    from acuneuro.settings import MissingKey

    if isinstance(exc, MissingKey):
        return _common.EXIT_CONFIGURATION, str(exc)
    if isinstance(exc, OperationalError | DBAPIError) and (
            isinstance(exc, OperationalError) or exc.connection_invalidated):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc)
        return _common.EXIT_DATABASE_DOWN, _common._("database unavailable: %(reason)s") % {
            "reason": reason}
    return None
