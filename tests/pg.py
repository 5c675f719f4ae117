"""A throw-away PostgreSQL server for tests: a copy of a cluster initdb made once per process, in a temp dir, listening
on loopback only; stopped and deleted afterwards.

Uses the binaries of /usr/lib/postgresql/<version>/bin (``apt-get install -y
postgresql-15``).  PostgreSQL refuses to run as root, so under root the server
runs as the ``postgres`` system user (created by the package) via ``runuser``.
"""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def bindir() -> Path | None:
    """The newest installed PostgreSQL bin directory (15 preferred), or None."""
    preferred = Path("/usr/lib/postgresql/15/bin")
    if (preferred / "postgres").exists():
        return preferred
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


class PostgresServer:
    """A running throw-away server: ``url`` to connect, :meth:`restart` to stop and start it again."""

    def __init__(self, bin_: Path, root: Path, user: str | None):
        self.bin, self.root, self.user = bin_, root, user
        self.data, self.port = root / "data", _free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/appraise"

    def start(self) -> None:
        log = open(self.root / "server.log", "ab")
        self.proc = subprocess.Popen(_as_owner([str(self.bin / "postgres"), "-D", str(self.data), "-k", str(self.root),
                                                "-h", "127.0.0.1", "-p", str(self.port), "-c", "fsync=off"],
                                               self.user), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   capture_output=True)
            if ready.returncode == 0:
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start:\n" + (self.root / "server.log").read_text())
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            subprocess.run(_as_owner([str(self.bin / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast", "-w"],
                                     self.user), capture_output=True)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def restart(self) -> None:
        """Stop the server (every client connection is cut) and start it again on the same port."""
        self.stop()
        self.start()


_CLUSTERS: dict[tuple[Path, str | None], Path] = {}


def _initialised(bin_: Path, user: str | None) -> Path:
    """A data directory fresh from initdb, made once per process (and deleted when it exits); servers copy it."""
    key = (bin_, user)
    if key not in _CLUSTERS:
        root = Path(tempfile.mkdtemp(prefix="appraise-pg-initdb-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        if user:
            shutil.chown(root, user=user)
        data = root / "data"
        subprocess.run(_as_owner([str(bin_ / "initdb"), "--no-sync", "-D", str(data), "-U", "postgres",
                                  "--auth=trust", "-E", "UTF8", "--no-locale"], user), check=True,
                       capture_output=True)
        _CLUSTERS[key] = data
    return _CLUSTERS[key]


@contextmanager
def postgres(**_):
    """Yields a :class:`PostgresServer` with a fresh database ``appraise`` on 127.0.0.1; gone afterwards."""
    bin_ = bindir()
    if bin_ is None:
        raise FileNotFoundError("PostgreSQL binaries not found under /usr/lib/postgresql/*/bin "
                                "(apt-get install -y postgresql-15)")
    user = None
    if os.geteuid() == 0:
        import pwd

        pwd.getpwnam("postgres")  # KeyError: no user to run the server as
        user = "postgres"
    root = Path(tempfile.mkdtemp(prefix="appraise-pg-"))
    if user:
        shutil.chown(root, user=user)
    server = PostgresServer(bin_, root, user)
    try:
        # a copy of this process's freshly initialised cluster (initdb once: ~0.5 s of CPU and a few of waiting)
        subprocess.run(_as_owner(["cp", "-a", str(_initialised(bin_, user)), str(server.data)], user), check=True,
                       capture_output=True)
        server.start()
        subprocess.run([str(bin_ / "createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres",
                        "appraise"], check=True, capture_output=True)
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server():
    """Yields a SQLAlchemy URL of a fresh database ``appraise`` on 127.0.0.1; the server is gone afterwards."""
    with postgres() as server:
        yield server.url
