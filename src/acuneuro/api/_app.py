"""The app factory: the JSON API under ``/api/v1`` with its OpenAPI schema."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter, FastAPI

from acuneuro.api._errors import install_error_handlers
from acuneuro.api._fhir_errors import FhirErrors
from acuneuro.api.routes import accounts as account_routes
from acuneuro.api.routes import analytics as analytics_routes
from acuneuro.api.routes import (
    assessment,
    auth,
    fhir,
    fhir_rest,
    health,
    instruments,
    patients,
    planning,
    smart,
)
from acuneuro.api.routes import corrections as correction_routes
from acuneuro.api.routes import course as course_routes
from acuneuro.api.routes import evidence as evidence_routes
from acuneuro.services import Context
from acuneuro.settings import Settings

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, ctx: Context | None = None) -> FastAPI:
    """A FastAPI application serving the JSON API; ``ctx`` overrides the one built from settings.

    The interactive documentation pages are off: they load scripts from a CDN.
    """
    app = FastAPI(
        title="acuneuro",
        version=version("acuneuro"),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx if ctx is not None else Context.from_settings(settings or Settings())
    api = APIRouter(prefix=API_PREFIX)
    for module in (health, auth, patients):
        api.include_router(module.router)
    api.include_router(instruments.router)
    api.include_router(assessment.router)
    api.include_router(planning.router)
    api.include_router(course_routes.router)
    api.include_router(correction_routes.router)
    api.include_router(evidence_routes.router)
    api.include_router(analytics_routes.router)
    api.include_router(account_routes.router)
    app.include_router(api)
    app.include_router(fhir.router)
    app.include_router(course_routes.fhir_router)
    app.include_router(smart.router)
    app.include_router(smart.well_known)
    # Last: its ``/fhir/{type}`` and ``/fhir/{type}/{id}`` would shadow the routes above.
    app.include_router(fhir_rest.router)
    install_error_handlers(app)
    app.add_middleware(FhirErrors)
    return app
