"""Mount the web pages, their static files and their error pages on an application."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response, status
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from acuneuro.i18n import gettext as _
from acuneuro.services import Context, NotFound, PermissionDenied, ServiceError, Throttled
from acuneuro.services.messages import validation_sentences
from acuneuro.services.throttle import pause
from acuneuro.web.deps import KioskLocked, LoginRequired, render, web_actor
from acuneuro.web.routes import (
    account,
    appointments,
    assessment,
    auth,
    clinic,
    kiosk,
    patients,
    planning,
    privacy,
    referrers,
)
from acuneuro.web.routes import corrections as correction_pages
from acuneuro.web.routes import course as course_pages
from acuneuro.web.routes import dashboard as dashboard_pages
from acuneuro.web.routes import evidence as evidence_pages
from acuneuro.web.routes import evidence_library as evidence_library_pages

__all__ = ["install"]

Handler = Callable[[Request, Exception], Awaitable[Response]]


def install(app: FastAPI, ctx: Context) -> None:
    """Add the pages at ``/`` and ``/patients``, static files at ``/static``.

    Refusals on web paths answer as pages; ``/api/`` keeps the JSON answers it had.
    """
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.include_router(auth.router)
    app.include_router(account.router)
    app.include_router(privacy.router)
    app.include_router(patients.router)
    app.include_router(planning.router)
    app.include_router(assessment.router)
    app.include_router(kiosk.router)
    # The library's fixed paths (/evidence/library) come before /evidence/{condition}.
    app.include_router(evidence_library_pages.router)
    app.include_router(evidence_pages.router)
    app.include_router(course_pages.router)
    app.include_router(correction_pages.router)
    app.include_router(dashboard_pages.router)
    app.include_router(appointments.router)
    app.include_router(clinic.router)
    app.include_router(referrers.router)
    api_refusal = app.exception_handlers.get(ServiceError)
    api_invalid = app.exception_handlers.get(RequestValidationError)

    async def to_login(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/", status.HTTP_303_SEE_OTHER)

    async def refusal(request: Request, exc: Exception) -> Response:
        if _is_api(request) and api_refusal is not None:
            answer = api_refusal(request, exc)
            return await answer if inspect.isawaitable(answer) else answer
        if isinstance(exc, NotFound):
            return _error_page(request, ctx, status.HTTP_404_NOT_FOUND, _("Not found."))
        if isinstance(exc, Throttled):  # RFC 6585 4: 429 and how long to wait
            page = _error_page(request, ctx, status.HTTP_429_TOO_MANY_REQUESTS, str(exc))
            page.headers["Retry-After"] = str(exc.retry_after)
            await pause(exc)
            return page
        code = status.HTTP_403_FORBIDDEN if isinstance(exc, PermissionDenied) else 400
        return _error_page(request, ctx, code, str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        if _is_api(request) or not isinstance(exc, HTTPException):
            return await http_exception_handler(request, exc)  # type: ignore[arg-type]
        return _error_page(request, ctx, exc.status_code, str(exc.detail))

    async def invalid(request: Request, exc: Exception) -> Response:
        # A web address or form field FastAPI itself refused (an id out of range, a field
        # over its length) is a page naming the field, not the API's JSON.
        if _is_api(request) or not isinstance(exc, RequestValidationError):
            if api_invalid is not None and request.url.path.startswith("/api/"):
                answer = api_invalid(request, exc)
                return await answer if inspect.isawaitable(answer) else answer
            return await request_validation_exception_handler(
                request, exc)  # type: ignore[arg-type]
        errors = exc.errors()
        if any(next(iter(e.get("loc") or ("",))) == "path" for e in errors):
            return _error_page(request, ctx, status.HTTP_404_NOT_FOUND, _("Not found."))
        named = validation_sentences(errors[:5])
        return _error_page(request, ctx, status.HTTP_422_UNPROCESSABLE_CONTENT, named)

    async def to_kiosk(request: Request, exc: Exception) -> Response:
        return RedirectResponse(kiosk.KIOSK_PAGE, status.HTTP_303_SEE_OTHER)

    app.add_exception_handler(LoginRequired, to_login)
    app.add_exception_handler(KioskLocked, to_kiosk)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ServiceError, refusal)
    app.add_exception_handler(HTTPException, http_error)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/static/", "/fhir/"))


def _error_page(request: Request, ctx: Context, code: int, message: str) -> Response:
    try:
        actor = web_actor(request, ctx)
    except LoginRequired:
        actor = None
    return render(request, "error.html", {"code": code, "message": message}, ctx=ctx,
                  actor=actor, status_code=code)
