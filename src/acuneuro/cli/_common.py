"""Helpers every command shares: JSON in and out, and the one way to refuse bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError

from acuneuro.services.messages import validation_sentences

__all__ = ["emit_json", "fail", "field_path", "read_json", "validation_message"]


def fail(message: str) -> NoReturn:
    """Refuse bad input: one clear line on stderr and exit status 2, never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def read_json(source: str, what: str) -> Any:
    """Parse JSON from a file path, or from standard input when ``source`` is ``-``."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    except OSError as exc:
        fail(f"{what}: cannot read {source}: {exc.strerror}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")


def validation_message(exc: ValidationError) -> str:
    """A sentence on each refused field's label ("Name of medicine 1 is too long: ...")."""
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
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
