"""The JSON API (FastAPI): thin routes over the services, OpenAPI at ``/api/v1/openapi.json``."""

from acuneuro.api._app import API_PREFIX, create_app
from acuneuro.api._origin import CROSS_ORIGIN_REFUSED, SameOrigin
from acuneuro.api._security import CSP, SECURITY_HEADERS, SecurityHeaders

__all__ = [
    "API_PREFIX",
    "CROSS_ORIGIN_REFUSED",
    "CSP",
    "SECURITY_HEADERS",
    "SameOrigin",
    "SecurityHeaders",
    "create_app",
]
