"""The ``acuneuro`` command line: a thin shell over the services and the clinical core.

Each submodule owns one group of commands and adds them with ``register``; the commands
print JSON so that scripts and tests can use them, and refuse bad input with exit status 2.
"""

from __future__ import annotations

import typer

from acuneuro.cli import (
    _analytics,
    _assess,
    _audit,
    _core,
    _course,
    _fhir,
    _meta,
    _plan,
    _privacy,
    _reminders,
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

for _module in (_core, _audit, _schema, _assess, _plan, _meta, _trust, _analytics, _privacy,
                _reminders):
    _module.register(app)
_course.register(app)
_fhir.register(app)


def main() -> None:
    """Entry point of the ``acuneuro`` script."""
    app()
