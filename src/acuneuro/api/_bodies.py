"""Request bodies that the services validate: their OpenAPI schema and their 422 answer.

Routes that take such a body read it raw, so that the clinic scope is checked before the body
(an outsider always gets 404); the service validates it with its pydantic model, and a refusal
becomes FastAPI's usual 422 with the location under ``body``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from acuneuro.services import MAX_TEXT

__all__ = ["RawBody", "body_schema", "unprocessable"]

RawBody = Annotated[dict[str, Any], Body()]


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        out = {k: _inline(v, defs) for k, v in node.items()}
        if out.get("type") == "string" and not {"maxLength", "enum", "const", "format"} & set(out):
            # The services refuse longer text (services.check_input): say so in the schema.
            out["maxLength"] = MAX_TEXT
        return out
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a model the service validates (refs inlined)."""
    schema = model.model_json_schema()
    schema = _inline(schema, schema.pop("$defs", {}))
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}


def unprocessable(exc: ValidationError) -> RequestValidationError:
    """A service's validation error as FastAPI's 422, the location under ``body``."""
    return RequestValidationError(
        [{"type": e["type"], "loc": ("body", *e["loc"]), "msg": e["msg"],
          "ctx": e.get("ctx") or {}} for e in exc.errors(include_url=False)]
    )
