"""What the workshop's tests share: the worked example read once per module, a fresh workshop over it per test
(its own ruleset copy and store), a test client that sends a participant's token, and a workshop app served by
uvicorn in a thread."""
from __future__ import annotations

import shutil
import threading
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from appraise.tools.workshop.session import Workshop

EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "example"
BASE = "http://127.0.0.1:8000"


def read_example(tmp_path_factory, name: str) -> Workshop:
    """The example read once for the module (each test gets a fresh Workshop over a private copy)."""
    folder = tmp_path_factory.mktemp(name) / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("out"))
    return Workshop.from_cycle(folder / "cycle-q3.yaml")


def fresh_workshop(loaded: Workshop, tmp_path: Path) -> Workshop:
    """A fresh workshop over the module's inputs: its own ruleset copy and its own store."""
    shutil.copy(loaded.path, tmp_path / loaded.path.name)
    w = Workshop(loaded.ruleset, loaded.inputs, loaded.period, loaded.context, ruleset_path=tmp_path / loaded.path.name)
    w.store_url = f"sqlite:///{tmp_path / 'store.db'}"
    return w


def client(app, token: str, address: str | None = None) -> TestClient:
    """A client of ``app`` that sends ``token`` (header and query), from ``address`` when given."""
    extra = {} if address is None else {"client": (address, 50000)}
    c = TestClient(app, base_url=BASE, headers={"X-Appraise-Token": token}, **extra)
    c.params = {"token": token}
    return c


class Served:
    """``app`` under uvicorn in a thread on ``sockets`` (default: one free loopback port), started when made:
    ``base`` is its address on 127.0.0.1; :meth:`stop` ends it and closes the sockets."""

    def __init__(self, app, sockets=None):
        import uvicorn

        from appraise.tools.workshop.app import listen_socket

        self.sockets = list(sockets) if sockets is not None else [listen_socket(0)]
        self.port = self.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": self.sockets}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the workshop server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        for s in self.sockets:
            s.close()
