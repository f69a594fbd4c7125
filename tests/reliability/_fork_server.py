"""A fork server for the crash test: build the application once, then fork one uvicorn per start.

Importing the application takes seconds on a busy machine; fifty kill-restart cycles per backend
would spend minutes on imports alone. This process imports and builds the application
(``acuneuro.asgi.create_app``, settings from the environment) once, and forks a fresh uvicorn
serving it per start. Nothing connects to the database before the fork (an engine connects
lazily), so no connection is shared between servers. The test kills each child with SIGKILL.

Protocol: the parent writes one port number per line on stdin; the answer is the pid of the
child serving on that port. Usage: ``python _fork_server.py LOGFILE``.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

__all__ = ["main"]


def main() -> None:
    """Build the application, then fork one server per requested port until stdin closes."""
    from acuneuro.asgi import create_app

    app = create_app()
    _warm_up(app, os.environ.get("ACUNEURO_CRASH_WARMUP_TOKEN"))
    log = sys.argv[1]
    # Killed children are reaped by the kernel: no zombies, no wait loop.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        port = int(line)
        pid = os.fork()
        if pid == 0:
            _serve(app, port, log)
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()


def _warm_up(app: Any, token: str | None) -> None:
    """Run each code path once (imports, compiled SQL) without writing any patient data.

    Only refusals and reads of an id that does not exist: the crash check sees no write. The
    pool is emptied afterwards, so no forked server inherits a database connection.
    """
    import asyncio

    import httpx

    async def requests() -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://warm-up", headers=headers) as client:
            await client.get("/api/v1/health")
            if token:
                await client.get("/api/v1/patients/PWARMUP")
                await client.patch("/api/v1/patients/PWARMUP", json={"phone": "+44 1"})
                await client.post("/api/v1/patients", json={"given_name": "x"})

    asyncio.run(requests())
    app.state.ctx.db.dispose()


def _serve(app: Any, port: int, log: str) -> None:
    import uvicorn

    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    try:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                access_log=False)
        uvicorn.Server(config).run()
    finally:
        os._exit(1)


if __name__ == "__main__":
    main()
