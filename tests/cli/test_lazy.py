"""The root help is written from a table (cli._lazy.COMMANDS) so that it needs no command
module; the table must say what the modules register."""

from __future__ import annotations

import click

from acuneuro.cli import _lazy

_MODULES = ("_core", "_audit", "_schema", "_assess", "_plan", "_meta", "_trust", "_analytics",
            "_privacy", "_course", "_reminders", "_fhir")


def test_every_registered_command_is_in_the_table_with_its_module() -> None:
    for module in _MODULES:
        group = _lazy.loaded_group((module,))
        names = group.list_commands(click.Context(group))
        for name in names:
            assert name in _lazy.COMMANDS, name
            assert module in _lazy.COMMANDS[name].modules, (name, module)
    registered = set()
    for module in _MODULES:
        group = _lazy.loaded_group((module,))
        registered |= set(group.list_commands(click.Context(group)))
    assert registered == set(_lazy.COMMANDS)


def test_the_table_help_is_the_command_help() -> None:
    for name, entry in _lazy.COMMANDS.items():
        group = _lazy.loaded_group(entry.modules)
        command = group.get_command(click.Context(group), name)
        assert command is not None
        assert command.get_short_help_str(limit=500) == entry.help, name


def test_the_root_help_loads_no_command_module() -> None:
    import subprocess
    import sys

    code = ("import sys; from acuneuro.cli import app; import typer.testing; "
            "typer.testing.CliRunner().invoke(app, ['--help']); "
            "print(sorted(m for m in sys.modules if m.startswith(('acuneuro.cli._c', "
            "'acuneuro.services', 'acuneuro.store', 'scipy', 'duckdb', 'pandas', 'pyarrow', "
            "'matplotlib', 'sqlalchemy', 'fhir'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60).stdout.strip()
    assert loaded == "['acuneuro.cli._common']"
