"""The app factory: health check and the published OpenAPI schema."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_health_says_ok_and_names_the_backend(anonymous: TestClient, backend: str) -> None:
    answer = anonymous.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["database"] == backend


def test_the_openapi_schema_lists_the_patient_operations(anonymous: TestClient) -> None:
    schema = anonymous.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert set(paths["/api/v1/patients"]) == {"get", "post"}
    assert set(paths["/api/v1/patients/{patient_id}"]) == {"get", "patch"}
    assert "/api/v1/auth/token" in paths
    assert not any(path.startswith("/patients") or path == "/" for path in paths)
    create = schema["components"]["schemas"]["PatientCreate"]
    assert create["additionalProperties"] is False


def test_the_cdn_backed_docs_pages_are_off(anonymous: TestClient) -> None:
    assert anonymous.get("/docs").status_code == 404
    assert anonymous.get("/api/v1/docs").status_code == 404
