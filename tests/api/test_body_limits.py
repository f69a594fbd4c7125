"""Bodies are bounded while they stream in, before any parsing or token check (issue 13).

The app is driven as ASGI with a ``receive`` that hands out a 200 MB body chunk by chunk from a
generator, so the test sees exactly how much of it the server asked for.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI

from acuneuro.api._limits import DEFAULT_BODY_BYTES, MAX_JSON_DEPTH, json_too_deep

CHUNK = 64 * 1024
HUGE = 200 * 1024 * 1024
# Nothing here depends on the database: one backend is enough.
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _run(app: FastAPI, method: str, path: str, chunks: Iterator[bytes],
         headers: dict[str, str]) -> tuple[int, bytes, int]:
    """Send a request through the ASGI app; answer (status, body, bytes the server read)."""
    read = 0
    out: dict[str, Any] = {"status": 0, "body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal read
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "server": ("localhost", 80),
             "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in
                         {"host": "localhost", **headers}.items()]}
    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"], read


def _stream(total: int) -> Iterator[bytes]:
    sent = 0
    yield b'{"given_name": "'
    while sent < total:
        sent += CHUNK
        yield b"x" * CHUNK


@SQLITE
def test_a_200_mb_streamed_body_without_a_token_is_refused_413_after_reading_the_limit(
    app: FastAPI,
) -> None:
    status, body, read = _run(app, "POST", "/api/v1/patients", _stream(HUGE),
                              {"content-type": "application/json"})
    assert status == 413
    assert f"{DEFAULT_BODY_BYTES:,} bytes" in json.loads(body)["detail"]
    # No more than one chunk past the limit was asked for, out of 200 MB.
    assert read <= DEFAULT_BODY_BYTES + 2 * CHUNK, read


@SQLITE
def test_a_declared_content_length_over_the_limit_is_refused_before_a_byte_is_read(
    app: FastAPI,
) -> None:
    for path in ("/api/v1/patients", "/api/v1/meta", "/patients", "/fhir/QuestionnaireResponse"):
        status, body, read = _run(app, "POST", path, _stream(HUGE),
                                  {"content-type": "application/json",
                                   "content-length": str(HUGE)})
        assert (status, read) == (413, 0), path
        assert b"larger than" in body


@SQLITE
def test_a_web_form_is_bounded_like_the_api(app: FastAPI) -> None:
    def form() -> Iterator[bytes]:
        yield b"csrf=x&given_name="
        yield from (b"a" * CHUNK for _ in range(HUGE // CHUNK))

    status, body, read = _run(app, "POST", "/patients", form(),
                              {"content-type": "application/x-www-form-urlencoded"})
    assert status == 413 and b"larger than" in body
    assert read <= DEFAULT_BODY_BYTES + 2 * CHUNK


@SQLITE
def test_a_study_table_may_be_larger_than_a_json_body_but_is_bounded_too(
    api_as: Callable[[str], Any],
) -> None:
    alice = api_as("alice")
    table = "study,yi,vi\n" + "".join(f"s{i},0.{i % 10},0.1\n" for i in range(20_000))
    assert DEFAULT_BODY_BYTES < len(table) < 1_000_000
    answer = alice.post("/api/v1/meta", content=table, headers={"content-type": "text/csv"})
    assert answer.status_code == 422  # read, then refused for its 20,000 studies
    assert "at most 10,000" in answer.json()["detail"][0]["msg"]
    over = alice.post("/api/v1/meta", content=table * 5, headers={"content-type": "text/csv"})
    assert over.status_code == 413


@SQLITE
def test_json_nested_100000_levels_is_refused_naming_the_limit(
    api_as: Callable[[str], Any], anonymous: Any,
) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    alice = api_as("alice")
    for client in (alice, anonymous):
        for path in ("/api/v1/patients", "/api/v1/patients/search", "/api/v1/meta"):
            answer = client.post(path, content=deep, headers={"content-type": "application/json"})
            assert answer.status_code == 422, (path, answer.text)
            assert f"deeper than {MAX_JSON_DEPTH}" in answer.json()["detail"][0]["msg"]
    fhir = alice.post("/fhir/QuestionnaireResponse", content=deep,
                      headers={"content-type": "application/fhir+json"})
    assert fhir.status_code == 422 and fhir.json()["resourceType"] == "OperationOutcome"


def test_the_depth_check_counts_structure_not_brackets_inside_strings() -> None:
    assert not json_too_deep(json.dumps({"a": "[" * 1000, "b": ["{" * 500]}).encode())
    assert not json_too_deep(json.dumps([[["\\\"[[["]]]).encode())
    nested: Any = 1
    for _ in range(MAX_JSON_DEPTH):
        nested = [nested]
    assert not json_too_deep(json.dumps(nested).encode())
    assert json_too_deep(json.dumps([nested]).encode())
    assert json_too_deep(b'{"a":' * 70 + b"1" + b"}" * 70)
    assert not json_too_deep(b"")


@SQLITE
def test_a_nul_in_a_web_form_is_refused_naming_the_field_and_stores_nothing(
    web_as: Callable[[str], Any], api_as: Callable[[str], Any],
) -> None:
    from tests.conftest import csrf_of

    alice = web_as("alice")
    token = csrf_of(alice, "/patients/new")
    answer = alice.post("/patients/new", data={
        "csrf": token, "given_name": "A\x00", "family_name": "B", "date_of_birth": "1960-01-01"})
    assert answer.status_code == 422
    assert "given_name" in answer.text and "NUL" in answer.text
    multipart = alice.post("/patients/new", data={"csrf": token, "family_name": "B\x00"},
                           files={"x": ("x.txt", b"y")})
    assert multipart.status_code == 422
    assert alice.get("/patients?q=%00").status_code == 422
    assert api_as("alice").get("/api/v1/patients").json()["count"] == 0
