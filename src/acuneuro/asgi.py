"""The composition root: the JSON API and the web pages on one ASGI application.

``api`` and ``web`` are independent siblings (neither imports the other, see
docs/architecture.md), so they meet here, outside the layers. The command line starts
``served_app`` by name through uvicorn (``acuneuro.asgi:served_app``) in each worker process:
the same application, with the objects made at start-up moved out of the garbage collector's
reach (``gc.freeze``).
"""

from __future__ import annotations

import gc
import sys

from fastapi import FastAPI

from acuneuro import api, web
from acuneuro.logs import RequestLog
from acuneuro.services import Context
from acuneuro.settings import Settings

__all__ = ["create_app", "served_app"]


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


def served_app() -> FastAPI:
    """``create_app`` as a server worker runs it: the start-up's objects frozen for the GC.

    A worker holds about 320,000 objects the garbage collector tracks once the application is
    built (modules, routes, models, compiled statements), and a full collection walks all of
    them with the GIL held: 80-95 ms of CPU on a quiet machine, 0.14-0.55 s measured in a
    loaded worker under ``bench.api``, during which every request of that worker waits (the
    long tails of the API's p99). ``gc.freeze`` moves them to a generation that collections
    skip; they live as long as the process anyway. Collecting first leaves the start-up's
    garbage out of the frozen set (Python's ``gc.freeze`` documentation).
    """
    app = create_app()
    gc.collect()
    gc.freeze()
    return app
