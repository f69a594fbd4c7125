"""Core commands: serve, demo, database migration, clinics, users, patients.

The database comes from ``--db URL`` or ``ACUNEURO_DATABASE_URL`` (default
``sqlite:///var/acuneuro.db``); the port from ``--port`` or ``PORT``.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.progress import Progress

from acuneuro.cli._common import _, emit_json, fail, open_context, settings_for
from acuneuro.services import Context, ServiceError, account_admin, accounts, demo, patients
from acuneuro.settings import Settings
from acuneuro.store import Role, current_revision, upgrade

__all__ = ["register"]

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy database URL (else ACUNEURO_DATABASE_URL).")
]
_APP_FACTORY = "acuneuro.asgi:served_app"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})



class LogFormat(StrEnum):
    """How the server writes its log lines."""

    JSON = "json"
    TEXT = "text"


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
clinic_app = typer.Typer(help="Clinics (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
patients_app = typer.Typer(help="Patients (JSON out).", no_args_is_help=True)


def _settings(db: str | None) -> Settings:
    return settings_for(db, create=True)


@contextmanager
def _context(db: str | None, *, migrate: bool = False) -> Iterator[Context]:
    # The commands that migrate may create the database and its keys; the others need both.
    with open_context(settings_for(db, create=migrate), create=migrate) as ctx:
        if migrate:
            upgrade(ctx.db.engine)
        yield ctx


def _port(port: int | None) -> int:
    if port is not None:
        return port
    raw = os.environ.get("PORT", "8000")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        fail(_("PORT: not a port number: %(value)s") % {"value": raw})
    return int(raw)


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How uvicorn runs: worker processes, which proxies are believed, the log format."""

    workers: int = 1
    proxy_headers: bool = False
    forwarded_allow_ips: str = "127.0.0.1"
    log_format: str = "text"


def _serve(host: str, port: int, settings: Settings, server: ServeOptions = ServeOptions()
           ) -> None:
    # The factory reads Settings() itself: hand it the database chosen here.
    os.environ["ACUNEURO_DATABASE_URL"] = settings.database_url
    if settings.public_url is None and host not in _LOOPBACK:
        typer.echo(_("warning: serving on %(host)s without ACUNEURO_PUBLIC_URL: cookies are not "
                     "marked Secure and no HSTS is sent; behind TLS, set "
                     "ACUNEURO_PUBLIC_URL=https://your.address") % {"host": host}, err=True)
    # No "server: uvicorn" banner telling a scanner what to try (ASVS 5.0 13.4.6). Forwarded
    # headers (X-Forwarded-For, -Proto) are believed only with --proxy-headers and only from a
    # peer listed in --forwarded-allow-ips: uvicorn then puts the client's address in the
    # request, which the audit trail and the login throttle read (services.peer).
    run_uvicorn(_APP_FACTORY, host, port, server)


def run_uvicorn(app: str, host: str, port: int, server: ServeOptions = ServeOptions()) -> None:
    """Serve the application factory ``app`` as ``acuneuro serve`` does (the benchmark too)."""
    import uvicorn  # only the serving commands pay for it

    from acuneuro.logs import log_config

    options: dict[str, Any] = {
        "factory": True, "host": host, "port": port,
        "proxy_headers": server.proxy_headers, "forwarded_allow_ips": server.forwarded_allow_ips,
        "server_header": False, "access_log": False,
        "log_config": log_config(fmt=server.log_format)}
    if server.workers == 1:
        uvicorn.run(app, **options)
        return
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(app, workers=server.workers, **options)
    try:
        sock = tcp_socket(host, port)
    except OSError as exc:
        fail(_("cannot listen on %(host)s port %(port)s: %(reason)s") % {
            "host": host, "port": port, "reason": exc.strerror or exc})
    Multiprocess(config, sockets=[sock]).run()


def tcp_socket(host: str, port: int) -> socket.socket:
    """The listening socket the worker processes share, made with protocol ``IPPROTO_TCP``.

    uvicorn binds its shared socket with protocol 0, and asyncio turns Nagle's algorithm off
    (TCP_NODELAY) only on connections accepted from a socket whose protocol is TCP: with
    ``--workers`` above 1 every answer then waited for the client's delayed ACK, 40 ms on
    Linux (measured: 181 requests/s and 43 ms per request for an empty answer, against
    1,714 requests/s and 4.7 ms with one worker).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.", envvar="ACUNEURO_HOST")]
    = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (else PORT, else 8000).")] = None,
    db: DbOption = None,
    workers: Annotated[int, typer.Option(
        min=1, max=64, envvar="ACUNEURO_WORKERS",
        help="Worker processes (they share the database, sessions and rate limits).")] = 1,
    proxy_headers: Annotated[bool, typer.Option(
        "--proxy-headers/--no-proxy-headers", envvar="ACUNEURO_PROXY_HEADERS",
        help="Believe X-Forwarded-For/-Proto from the trusted proxies.")] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(
        envvar="ACUNEURO_FORWARDED_ALLOW_IPS",
        help="Comma-separated addresses or networks of the trusted proxies.")] = "127.0.0.1",
    log_format: Annotated[LogFormat, typer.Option(
        envvar="ACUNEURO_LOG_FORMAT", help="json (one object a line) or text.")]
    = LogFormat.JSON,
) -> None:
    """Serve the web pages and the JSON API (migrate the database first)."""
    settings = _settings(db)
    port_number = _port(port)
    with open_context(settings, create=True) as ctx:  # makes missing keys once, before workers
        upgrade(ctx.db.engine)
    _serve(host, port_number, settings, ServeOptions(workers, proxy_headers, forwarded_allow_ips,
                                                log_format.value))


def demo_command(
    port: Annotated[int | None, typer.Option(help="Port (else PORT, else 8000).")] = None,
    db: DbOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Seed, print, exit.")] = False,
    patients_: Annotated[int, typer.Option("--patients", min=0, max=5000)] = 30,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 1,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Create or upgrade the database, seed the SYNTHETIC DEMO CLINIC if empty, and serve."""
    settings = _settings(db)
    port_number = _port(port)
    with open_context(settings, create=True) as ctx:
        upgrade(ctx.db.engine)
        with Progress(transient=True) as bar:
            task = bar.add_task("synthetic patients", total=patients_)
            result = demo.seed_demo(
                ctx, patients=patients_, seed=seed, today=date.today(),
                progress=lambda n: bar.update(task, completed=n),
            )
    added = (_("added %(n)s synthetic patients") % {"n": result.patients_added}
             if result.patients_added else _("already seeded"))
    typer.echo(f"{result.clinic}: {added}")
    typer.echo(_("open    %(url)s") % {"url": f"http://{host}:{port_number}/"})
    typer.echo(_("log in  %(email)s / %(password)s") % {
        "email": result.email, "password": result.password})
    if not no_serve:
        _serve(host, port_number, settings)


def db_upgrade(db: DbOption = None) -> None:
    """Apply every pending migration."""
    with _context(db, migrate=True) as ctx:
        typer.echo(_("database at revision %(revision)s (%(backend)s)") % {
            "revision": _revision(ctx), "backend": ctx.db.backend})


def _revision(ctx: Context) -> str | None:
    return current_revision(ctx.db.engine)


def clinic_add(name: str, db: DbOption = None) -> None:
    """Create a clinic."""
    with _context(db, migrate=True) as ctx:
        try:
            emit_json(_plain(accounts.add_clinic(ctx, name)))
        except ServiceError as exc:
            fail(str(exc))


def user_add(
    clinic: Annotated[str, typer.Option(help="Clinic name.")],
    role: Annotated[Role, typer.Option(help="clinician, admin or researcher.")],
    email: Annotated[str, typer.Option(help="Login email.")],
    db: DbOption = None,
) -> None:
    """Create a staff account; the password is read from stdin, or prompted for."""
    if sys.stdin.isatty():
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with _context(db, migrate=True) as ctx:
        try:
            info = accounts.add_user(ctx, clinic=clinic, email=email, role=role,
                                     password=password)
        except ServiceError as exc:
            fail(str(exc))
    emit_json(_plain(info))


def _user_admin(
    change: Callable[[Context, str], dict[str, object]], email: str, db: str | None
) -> None:
    with _context(db, migrate=True) as ctx:
        try:
            emit_json(change(ctx, email))
        except ServiceError as exc:
            fail(str(exc))


EmailArg = Annotated[str, typer.Argument(help="The account's login email.")]


def user_disable(email: EmailArg, db: DbOption = None) -> None:
    """Disable an account and end every session and token it holds."""
    _user_admin(account_admin.disable_user, email, db)


def user_enable(email: EmailArg, db: DbOption = None) -> None:
    """Enable a disabled account again."""
    _user_admin(account_admin.enable_user, email, db)


def user_reset_mfa(email: EmailArg, db: DbOption = None) -> None:
    """Remove an account's second factor (lost phone) and print a one-time enrolment link
    (24 hours) through which it sets up a new one."""
    _user_admin(account_admin.reset_second_factor, email, db)


def user_enrol_mfa(email: EmailArg, db: DbOption = None) -> None:
    """Print a one-time link (valid 24 hours) through which an account without a second
    factor sets one up; hand it to the person. A newer link replaces it."""
    _user_admin(account_admin.enrolment_link, email, db)


def user_reset_password(email: EmailArg, db: DbOption = None) -> None:
    """Print a one-time link (valid 24 hours) through which the account sets a new password;
    every session and token of the account ends when it is used."""
    _user_admin(account_admin.password_reset_link, email, db)


def patients_list(
    clinic: Annotated[str | None, typer.Option(help="Clinic (else the only one).")] = None,
    search: Annotated[str | None, typer.Option(help="Name, record number or id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    db: DbOption = None,
) -> None:
    """List a clinic's patients as JSON (audited as system:cli)."""
    with _context(db) as ctx:
        try:
            actor = accounts.operator(ctx, clinic)
            found = patients.list_patients(ctx, actor, search, limit=limit)
        except ServiceError as exc:
            fail(str(exc))
    emit_json([p.model_dump(mode="json") for p in found])


def _plain(info: object) -> dict[str, object]:
    return {k: getattr(info, k) for k in getattr(info, "__slots__", ())}


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command("serve")(serve)
    app.command("demo")(demo_command)
    db_app.command("upgrade")(db_upgrade)
    clinic_app.command("add")(clinic_add)
    user_app.command("add")(user_add)
    user_app.command("disable")(user_disable)
    user_app.command("enable")(user_enable)
    user_app.command("reset-mfa")(user_reset_mfa)
    user_app.command("enrol-mfa")(user_enrol_mfa)
    user_app.command("reset-password")(user_reset_password)
    patients_app.command("list")(patients_list)
    app.add_typer(db_app, name="db")
    app.add_typer(clinic_app, name="clinic")
    app.add_typer(user_app, name="user")
    app.add_typer(patients_app, name="patients")
