"""The composition root: the JSON API and the web pages on one ASGI application.

``api`` and ``web`` are independent siblings (neither imports the other, see
docs/architecture.md), so they meet here, outside the layers. The command line starts this
factory by name through uvicorn (``acuneuro.asgi:create_app``).
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

from acuneuro import api, web
from acuneuro.logs import RequestLog
from acuneuro.services import Context
from acuneuro.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, *, ctx: Context | None = None) -> FastAPI:
    """The whole application: ``/api/v1`` JSON API, web pages at ``/``, static files.

    Every response carries the security headers (``api.SecurityHeaders``, HSTS when the
    configured public address is https); unsafe requests from another origin are refused
    (``api.SameOrigin``). Each request is served in its language (``web.LocaleNegotiation``);
    each gets an id and one JSON log line (``acuneuro.logs``).
    """
    # A thread waiting for the GIL gets it after at most this long (CPython's default: 5 ms).
    # A patient read gives the GIL up at every database call; behind a thread computing cohort
    # figures it would wait 5 ms each time, hundreds of milliseconds in all (the convoy
    # effect). 1 ms keeps short requests short at a small cost to long computations.
    sys.setswitchinterval(0.001)
    settings = settings or Settings()
    ctx = ctx if ctx is not None else Context.from_settings(settings)
    app = api.create_app(settings, ctx=ctx)
    web.install(app, ctx)
    app.add_middleware(web.SlidingSession)
    app.add_middleware(api.SameOrigin, public_url=ctx.public_url)
    app.add_middleware(api.SecurityHeaders, hsts=ctx.https)
    # Error pages and refusals are answered in the request's language too.
    app.add_middleware(web.LocaleNegotiation)
    # Outermost: every response, refusals included, carries the request id and is logged.
    app.add_middleware(RequestLog)
    return app
