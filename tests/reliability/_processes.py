"""The processes the crash test starts and kills: the application and a private PostgreSQL.

Every process here is started by the test and killed by its own pid, never by name. The
PostgreSQL cluster is a throwaway one in a temporary folder on its own port: the machine's
shared server, which other tests use, is never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

__all__ = ["AppServers", "PrivatePostgres", "Server", "free_port"]

_FORK_SERVER = Path(__file__).with_name("_fork_server.py")
_HEALTH = "/api/v1/health"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """One running application process."""

    pid: int
    url: str


class AppServers:
    """Starts the application as a subprocess (through the fork server) and kills it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._log = log
        with log.open("ab") as errors:
            self._zygote = subprocess.Popen(
                [sys.executable, str(_FORK_SERVER), str(log)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                env=env,
                text=True,
            )
        assert self._zygote.stdout is not None
        ready = self._zygote.stdout.readline().strip()
        if ready != "ready":
            self.close()
            raise RuntimeError(f"the fork server did not start: {self.log_tail()}")

    def start(self, timeout: float = 30.0) -> Server:
        """A new server on a free port, answering its health check."""
        assert self._zygote.stdin is not None and self._zygote.stdout is not None
        port = free_port()
        self._zygote.stdin.write(f"{port}\n")
        self._zygote.stdin.flush()
        server = Server(int(self._zygote.stdout.readline()), f"http://127.0.0.1:{port}")
        try:
            wait_healthy(server.url, timeout)
        except RuntimeError:
            kill(server.pid)
            raise RuntimeError(f"the server did not start: {self.log_tail()}") from None
        return server

    def log_tail(self) -> str:
        """The end of the servers' log, for failure messages."""
        return self._log.read_text(errors="replace")[-3000:] if self._log.exists() else ""

    def close(self) -> None:
        """Stop the fork server (its children are killed by the test)."""
        if self._zygote.stdin is not None:
            self._zygote.stdin.close()
        try:
            self._zygote.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._zygote.kill()
            self._zygote.wait()
        for stream in (self._zygote.stdout, self._zygote.stderr):
            if stream is not None:
                stream.close()


def wait_healthy(url: str, timeout: float) -> None:
    """Poll the health check until it answers 200."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(url + _HEALTH).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not become healthy in {timeout} s")


def kill(pid: int) -> None:
    """SIGKILL one process we started (gone already is fine)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until ``pid`` no longer exists (reaped by its parent)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        if _state(pid) == "Z":
            return  # dead; its parent (or init) has not reaped it yet
        time.sleep(0.01)
    raise RuntimeError(f"process {pid} still exists after SIGKILL")


def _state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[0]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[-1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (fsync on) in a temporary folder, on its own port.

    The postmaster runs in the foreground as our child (as the ``postgres`` user when we are
    root: initdb refuses root), so a SIGKILL is reaped at once and its stale ``postmaster.pid``
    names no live process when it restarts and recovers from the WAL.
    """

    def __init__(self) -> None:
        binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not binaries:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self._bin = binaries[-1].parent
        # Not under pytest's tmp_path: that is private to root, which postgres cannot enter.
        self.folder = Path(tempfile.mkdtemp(prefix="acuneuro-crash-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._user = "postgres" if os.geteuid() == 0 else None
        if self._user is not None:
            shutil.chown(self.folder, self._user, self._user)
        self._process: subprocess.Popen[bytes] | None = None
        result = subprocess.run(
            [str(self._bin / "initdb"), "-D", str(self.data), "-U", "postgres",
             "--auth=trust", "--no-sync", "-E", "UTF8"],
            capture_output=True, text=True, timeout=120, check=False,
            user=self._user, group=self._user,
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr[-2000:]}")

    def start(self, timeout: float = 60.0) -> None:
        """Start (after a kill: recover from the WAL) and wait until it accepts connections."""
        with (self.folder / "server.log").open("ab") as log:
            self._process = subprocess.Popen(
                [str(self._bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                 "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1",
                 # Durable as in production; syncfs: restart after a kill in 1 s, not 5.
                 "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
                 "-c", "recovery_init_sync_method=syncfs"],
                stdout=log, stderr=log, user=self._user, group=self._user,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"postgres exited: {self.log_tail()}")
            try:
                psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                                dbname="postgres", connect_timeout=2).close()
            except psycopg.OperationalError:
                pass
            else:
                return
            time.sleep(0.05)
        raise RuntimeError(f"postgres did not start in {timeout} s: {self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the postmaster, then its children (a whole-server crash, no clean shutdown)."""
        assert self._process is not None
        children = _children(self._process.pid)
        kill(self._process.pid)
        for child in children:
            kill(child)
        self._process.wait(timeout=30)
        self._process = None
        for pid in children:
            wait_gone(pid)

    def stop(self) -> None:
        """Stop at once (SIGQUIT: immediate shutdown) and delete the cluster."""
        if self._process is not None:
            self._process.send_signal(signal.SIGQUIT)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self) -> str:
        """The end of the server log, for failure messages."""
        log = self.folder / "server.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""
