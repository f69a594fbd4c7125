"""The built wheel behind a real Caddy over HTTPS, as docs/operations.md deploys it.

Debian's Caddy (``tls internal``: its own local CA) terminates TLS and proxies to
``acuneuro serve --proxy-headers --forwarded-allow-ips 127.0.0.1`` from the wheel installed in
a clean venv (scripts/wheel-demo.sh leaves it in dist/venv; built here when missing). The
browser side connects from 127.0.0.2, so the proxy's address (127.0.0.1) and the client's
differ: the audit must name the client, from the X-Forwarded-For header Caddy sets, and must
not believe a header sent straight to the server by someone who is not the proxy.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLIENT = "127.0.0.2"
EMAIL = "rossi@clinic.example"
PASSWORD = "a long passphrase nobody guesses 7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _venv_bin() -> Path:
    venv = ROOT / "dist" / "venv"
    if not (venv / "bin" / "acuneuro").exists():
        subprocess.run(["make", "-C", str(ROOT), "wheel"], check=True)
        subprocess.run(["bash", str(ROOT / "scripts" / "wheel-demo.sh")], check=True)
    return venv / "bin"


def _wait(url: str, *, verify: bool | ssl.SSLContext = True, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer within {seconds} s")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    if shutil.which("caddy") is None:
        pytest.fail("caddy is not installed: run `make services` (scripts/ensure-caddy.sh)")
    bin_dir = _venv_bin()
    work = tmp_path_factory.mktemp("site")
    app_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    public = f"https://localhost:{https_port}"
    env = {"ACUNEURO_DATABASE_URL": f"sqlite:///{work}/data/acuneuro.db",
           "ACUNEURO_PUBLIC_URL": public, "PATH": f"{bin_dir}:/usr/bin:/bin",
           "HOME": str(work), "XDG_DATA_HOME": str(work / "xdg"),
           "XDG_CONFIG_HOME": str(work / "xdg")}
    (work / "data").mkdir()
    acuneuro = str(bin_dir / "acuneuro")
    subprocess.run([acuneuro, "db", "upgrade"], env=env, check=True, cwd=work)
    subprocess.run([acuneuro, "clinic", "add", "Clinica Test"], env=env, check=True, cwd=work)
    subprocess.run([acuneuro, "user", "add", "--clinic", "Clinica Test", "--role", "clinician",
                    "--email", EMAIL], input=PASSWORD + "\n", text=True, env=env, check=True,
                   cwd=work, stdout=subprocess.DEVNULL)
    caddyfile = work / "Caddyfile"
    caddyfile.write_text(
        "{\n  admin off\n  skip_install_trust\n  auto_https disable_redirects\n"
        f"  http_port {http_port}\n  https_port {https_port}\n"
        f"  storage file_system {work / 'caddy'}\n}}\n"
        f"localhost:{https_port} {{\n  tls internal\n"
        f"  reverse_proxy 127.0.0.1:{app_port}\n}}\n")
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [acuneuro, "serve", "--port", str(app_port), "--proxy-headers",
         "--forwarded-allow-ips", "127.0.0.1", "--workers", "2", "--log-format", "json"],
        env=env, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    caddy = subprocess.Popen(["caddy", "run", "--config", str(caddyfile), "--adapter",
                              "caddyfile"], env={**env, "XDG_DATA_HOME": str(work / "caddy")},
                             cwd=work, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(f"http://127.0.0.1:{app_port}/api/v1/health")
        ca = _caddy_root(work)
        _wait(f"{public}/api/v1/health", verify=ssl.create_default_context(cafile=str(ca)))
        yield {"public": public, "ca": str(ca), "db": work / "data" / "acuneuro.db",
               "app_port": app_port, "log": work / "server.log"}
    finally:
        for process in (caddy, server):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        sys.stderr.write((work / "server.log").read_text(errors="replace")[-4000:])


def _caddy_root(work: Path) -> Path:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = list((work / "caddy").rglob("pki/authorities/local/root.crt"))
        if found:
            return found[0]
        time.sleep(0.5)
    raise AssertionError("caddy made no local CA")


def _client(site: dict[str, object], base: str | None = None) -> httpx.Client:
    trust = ssl.create_default_context(cafile=str(site["ca"]))
    transport = httpx.HTTPTransport(local_address=CLIENT, verify=trust)
    return httpx.Client(base_url=base or str(site["public"]), transport=transport,
                        timeout=30, follow_redirects=False)


def _login(client: httpx.Client, origin: str) -> httpx.Response:
    page = client.get("/")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert page.status_code == 200 and token is not None
    return client.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                       "csrf": token.group(1)},
                       headers={"Origin": origin, "X-Forwarded-For": "198.51.100.9"})


def _login_addresses(db: object) -> list[str | None]:
    with sqlite3.connect(str(db)) as conn:
        rows = conn.execute("SELECT source_address FROM audit_events WHERE action = 'login' "
                            "ORDER BY id").fetchall()
    return [row[0] for row in rows]


def test_login_over_https_sets_secure_cookies_and_audits_the_client_address(
    site: dict[str, object],
) -> None:
    with _client(site) as client:
        response = _login(client, str(site["public"]))
        assert response.status_code == 303, response.text[:300]
        assert response.headers["location"].endswith("/today")  # the care team's home page
        cookies = response.headers.get_list("set-cookie")
        assert cookies and all("secure" in c.lower() for c in cookies), cookies
        assert client.get("/patients").status_code == 200
        assert "strict-transport-security" in response.headers
    # The client's own address, from Caddy's X-Forwarded-For; neither Caddy's (127.0.0.1) nor
    # the address the client wrote into its own X-Forwarded-For (Caddy replaces it).
    assert _login_addresses(site["db"])[-1] == CLIENT


def test_a_forwarded_header_from_a_peer_that_is_not_the_proxy_is_ignored(
    site: dict[str, object],
) -> None:
    before = len(_login_addresses(site["db"]))
    direct = f"http://127.0.0.1:{site['app_port']}"
    transport = httpx.HTTPTransport(local_address=CLIENT)
    with httpx.Client(base_url=direct, transport=transport, timeout=30) as client:
        client.post("/api/v1/auth/token", data={"username": EMAIL, "password": "wrong"},
                    headers={"X-Forwarded-For": "198.51.100.9"})
    addresses = _login_addresses(site["db"])
    assert len(addresses) > before and addresses[-1] == CLIENT


def test_the_server_logs_json_lines_with_request_ids_and_route_templates(
    site: dict[str, object],
) -> None:
    with _client(site) as client:
        answer = client.get("/api/v1/health", headers={"X-Request-ID": "probe-0123456789"})
    assert answer.headers["x-request-id"] == "probe-0123456789"
    deadline = time.monotonic() + 10
    lines: list[dict[str, object]] = []
    while time.monotonic() < deadline and not any(
            line.get("request_id") == "probe-0123456789" for line in lines):
        time.sleep(0.3)
        text = Path(str(site["log"])).read_text(errors="replace")
        lines = [json.loads(raw) for raw in text.splitlines() if raw.startswith('{"time"')]
    probe = [line for line in lines if line.get("request_id") == "probe-0123456789"]
    assert probe and probe[0]["route"] == "/api/v1/health" and probe[0]["status"] == 200
    assert all(EMAIL not in json.dumps(line) for line in lines)
