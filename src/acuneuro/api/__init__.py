"""The JSON API (FastAPI): thin routes over the services, OpenAPI at ``/api/v1/openapi.json``."""

from acuneuro.api._app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
