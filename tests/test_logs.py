"""Structured logs: JSON lines with request ids and route templates, no patient data."""

from __future__ import annotations

import json
import logging
import logging.config
import sys

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from acuneuro.logs import JsonFormatter, RequestLog, log_config


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/patients/{patient_id}")
    def read(patient_id: str) -> dict[str, str]:
        return {"id": patient_id}

    app.add_middleware(RequestLog)
    return app

def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "acuneuro.request"]

def test_a_request_line_names_the_route_template_not_the_path(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="acuneuro.request"), TestClient(_app()) as client:
        answer = client.get("/patients/P-ROSSI-MARIA?name=Maria+Rossi")
    (line,) = _lines(caplog)
    assert line["route"] == "/patients/{patient_id}" and line["status"] == 200
    assert line["method"] == "GET" and isinstance(line["duration_ms"], float)
    assert "ROSSI" not in json.dumps(line) and "Rossi" not in json.dumps(line)
    assert line["request_id"] == answer.headers["x-request-id"]

def test_a_plain_request_id_from_the_proxy_is_kept_and_a_strange_one_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="acuneuro.request"), TestClient(_app()) as client:
        kept = client.get("/patients/1", headers={"X-Request-ID": "caddy-1234abcd"})
        replaced = client.get("/patients/1", headers={"X-Request-ID": "<script>x</script>"})
    assert kept.headers["x-request-id"] == "caddy-1234abcd"
    assert replaced.headers["x-request-id"] != "<script>x</script>"
    assert [line["request_id"] for line in _lines(caplog)] == [
        "caddy-1234abcd", replaced.headers["x-request-id"]]


def test_an_exception_is_logged_as_its_type_and_place_never_its_message() -> None:
    try:
        raise ValueError("patient Maria Rossi, born 1950-01-01")
    except ValueError:
        record = logging.getLogger("acuneuro").makeRecord(
            "acuneuro", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["exception"].startswith("builtins.ValueError at test_logs.py:")
    assert "Rossi" not in json.dumps(line)

def test_the_server_log_configuration_has_no_access_log() -> None:
    config = log_config(fmt="json")
    assert "uvicorn.access" not in config["loggers"]
    logging.config.dictConfig(config)  # valid as written
    assert isinstance(logging.getLogger("acuneuro").handlers[0].formatter, JsonFormatter)
    logging.getLogger("acuneuro").handlers.clear()
    logging.getLogger("acuneuro").propagate = True


def test_an_included_router_route_is_logged_with_its_prefix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fastapi import APIRouter

    inner = APIRouter()

    @inner.get("/patients/{patient_id}/scores/{score_id}")
    def scores(patient_id: str, score_id: int) -> dict[str, str]:
        return {}

    outer = APIRouter(prefix="/api/v1")
    outer.include_router(inner)
    app = FastAPI()
    app.include_router(outer)
    app.add_middleware(RequestLog)
    with caplog.at_level(logging.INFO, logger="acuneuro.request"), TestClient(app) as client:
        client.get("/api/v1/patients/P-77/scores/5")
        client.get("/nowhere/P-77")
    routes = [line["route"] for line in _lines(caplog)]
    assert routes == ["/api/v1/patients/{patient_id}/scores/{score_id}", "(no route)"]
