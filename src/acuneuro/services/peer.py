"""The client's address, as the audit trail and the login and request throttles see it.

One function for the API and the web pages. Behind a reverse proxy every connection comes
from the proxy, so the address is taken from ``X-Forwarded-For`` only when the server was
started with ``--proxy-headers`` and the connecting peer is listed in
``--forwarded-allow-ips`` (uvicorn's ProxyHeadersMiddleware rewrites the request's client
before the application sees it; a header from anyone else is ignored). So this reads the
request's client and nothing else: a header the client chose can never name the address.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["client_address"]


class _Address(Protocol):
    @property
    def host(self) -> str: ...


class _Request(Protocol):
    @property
    def client(self) -> _Address | None: ...


def client_address(request: _Request) -> str | None:
    """The peer address of ``request`` (the trusted proxy's client, see the module doc)."""
    return request.client.host if request.client else None
