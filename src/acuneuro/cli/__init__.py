"""The ``acuneuro`` command line: a thin shell over the services and the clinical core.

Each submodule owns one group of commands and adds them with ``register``; the commands
print JSON so that scripts and tests can use them, and refuse bad input with exit status 2.
"""

from __future__ import annotations

import os

import typer

from acuneuro import i18n
from acuneuro.cli import (
    _analytics,
    _assess,
    _audit,
    _core,
    _course,
    _meta,
    _plan,
    _privacy,
    _schema,
    _trust,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="acuneuro",
    help="Acupuncture for neuropathic pain: assess, plan, treat, follow, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _language(
    context: typer.Context,
    lang: str | None = typer.Option(
        None, "--lang", metavar="LANG",
        help="Language of messages and PDF reports: en or it (else ACUNEURO_LANG, else LANG)."),
) -> None:
    """Acupuncture for neuropathic pain: assess, plan, treat, follow, report."""
    # LANG is the POSIX locale ("it_IT.UTF-8"): its language part is what counts here.
    chosen = lang or os.environ.get("ACUNEURO_LANG") or os.environ.get("LANG", "")
    # For the command only: the language is reset when it ends (a test runner, a shell in
    # process, runs many commands in one context).
    context.with_resource(
        i18n.use_locale(i18n.negotiate_locale(chosen.split(".")[0].replace("_", "-"))))


for _module in (_core, _audit, _schema, _assess, _plan, _meta, _trust, _analytics, _privacy):
    _module.register(app)
_course.register(app)


def main() -> None:
    """Entry point of the ``acuneuro`` script."""
    app()
