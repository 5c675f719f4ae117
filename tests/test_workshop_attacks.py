"""Attacks on the workshop server (issue 16), each replayed over HTTP; every test fails if its attack works again.

The server's defences are described in :mod:`appraise.tools.workshop.app` and SECURITY.md ("The workshop server").
A real browser replays the cross-port attack in ``tests/test_workshop_browser.py``.
"""
from __future__ import annotations

import os
import shutil
import stat
import threading
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("ruamel.yaml")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from appraise.tools.workshop import session  # noqa: E402
from appraise.tools.workshop.app import MAX_BODY, create_app  # noqa: E402
from appraise.tools.workshop.session import Workshop  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "fixtures" / "example"
BASE = "http://127.0.0.1:8765"
RESULTS = "sales_rep/results"


@pytest.fixture
def example(tmp_path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "example", ignore=shutil.ignore_patterns("out"))
    return tmp_path / "example"


@pytest.fixture
def app(example):
    return create_app(Workshop.from_cycle(example / "cycle-q3.yaml"))


def client(app, token: str | None = None) -> TestClient:
    c = TestClient(app, base_url=BASE)
    if token:
        c.headers["X-Appraise-Token"] = token
        c.params = {"token": token}
    return c


def test_a_page_on_another_port_cannot_change_weights_or_save(app, example):
    """The attack: the facilitator's browser held the token in a cookie, which every port of 127.0.0.1
    receives; a page on another port sent no-cors text/plain POSTs that moved weights and saved the file."""
    ruleset = example / "sales-team.yaml"
    before, weights = ruleset.read_bytes(), dict(app.state.workshop.weights)
    token = app.state.tokens.facilitator
    browser = client(app)
    page = browser.get("/", params={"token": token})
    assert page.status_code == 200
    assert "set-cookie" not in page.headers and not browser.cookies  # nothing another port could receive
    assert token not in page.text
    # what the other port's page can send: no token (there is no cookie to attach), text/plain, its own origin
    cross = {"content-type": "text/plain", "origin": "http://127.0.0.1:9999", "sec-fetch-site": "same-site"}
    for path, body in (("/api/weights", '{"key": "sales_rep/results", "value": 5}'), ("/api/save", "{}")):
        r = browser.post(path, content=body, headers=cross)
        assert r.status_code == 403, (path, r.text)
    # and each defence holds on its own, even for a request that somehow carries the token
    owner = client(app, token)
    move = {"key": RESULTS, "value": 5}
    assert owner.post("/api/weights", json=move, headers={"origin": "http://127.0.0.1:9999"}).status_code == 403
    assert owner.post("/api/weights", json=move, headers={"sec-fetch-site": "same-site"}).status_code == 403
    r = owner.post("/api/weights", content='{"key": "sales_rep/results", "value": 5}',
                   headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.json()["error"]
    assert owner.post("/api/save", content="{}", headers={"content-type": "text/plain"}).status_code == 415
    r = client(app).post("/api/weights", json=move, params={"token": token})  # a token in the query: not for the API
    assert r.status_code == 403
    assert app.state.workshop.weights == weights and ruleset.read_bytes() == before
    # the same request from the page itself is accepted
    same = owner.post("/api/weights", json=move, headers={"origin": BASE, "sec-fetch-site": "same-origin"})
    assert same.status_code == 200 and app.state.workshop.weights[RESULTS] == 5


def test_dns_rebinding_host_is_refused(app):
    """A page on evil.example rebound to 127.0.0.1 is same-origin with itself: the Host header gives it away."""
    token = app.state.tokens.facilitator
    evil = TestClient(app, base_url="http://evil.example:8765")
    r = evil.get("/", params={"token": token})
    assert r.status_code == 403 and "127.0.0.1" in r.text
    r = evil.post("/api/weights", json={"key": RESULTS, "value": 5}, headers={"X-Appraise-Token": token})
    assert r.status_code == 403
    assert client(app, token).get("/", headers={"host": "localhost:8765"}).status_code == 200  # ssh -L keeps loopback


def test_request_bodies_over_the_limit_are_413(app):
    """The attack: one 128 MiB POST took the server from 170 to 564 MB."""
    owner = client(app, app.state.tokens.facilitator)
    # a declared length over the limit is refused before anything is read
    r = owner.post("/api/weights", content=b"{}", headers={"content-type": "application/json",
                                                            "content-length": str(128 << 20)})
    assert r.status_code == 413 and str(MAX_BODY) in r.json()["error"]
    # a body without a declared length (chunked) is cut off at the limit
    sent = []

    def chunks():
        for _ in range(64):
            sent.append(1)
            yield b" " * (64 << 10)

    r = owner.post("/api/weights", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    # participants too
    voter = client(app, app.state.tokens.issue())
    r = voter.post("/api/vote", content=b" " * (MAX_BODY + 1), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.mark.parametrize("body", [
    '{"key": "sales_rep/results", "value": NaN}',
    '{"key": "sales_rep/results", "value": Infinity}',
    '{"key": "sales_rep/results", "value": -Infinity}',
    '{"key": "sales_rep/results", "value": 1e999}',
    '{"key": "sales_rep/results", "value": "NaN"}',
    '{"key": "sales_rep/results", "value": "-inf"}',
    '{"weights": {"sales_rep/results": NaN}}',
    '{"weights": {"sales_rep/results": "Infinity"}}',
    '{"weights": {"sales_rep/results": 0, "sales_rep/process": 0, "sales_rep/strategy": 0, '
    '"sales_rep/objectives": 0, "sales_rep/feedback": 0}}',
])
def test_non_finite_weights_are_400_not_500(app, body):
    """The attack: NaN and Infinity weights gave HTTP 500."""
    owner = client(app, app.state.tokens.facilitator)
    weights = dict(app.state.workshop.weights)
    r = owner.post("/api/weights", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]
    assert app.state.workshop.weights == weights


def test_non_finite_votes_are_400_not_500(app):
    voter = client(app, app.state.tokens.issue())
    start = app.state.workshop.weights_view()["start"]
    for value in ("NaN", "Infinity", "1e999"):
        weights = ", ".join(f'"{k}": {value if k == RESULTS else v}' for k, v in start.items())
        body = '{"name": "A", "weights": {' + weights + "}}"
        r = voter.post("/api/vote", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, r.text
    r = voter.post("/api/vote", json={"name": "A", "weights": dict(start, **{RESULTS: "NaN"})})
    assert r.status_code == 400
    assert app.state.workshop.votes == {}


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, '{"a": ' * 20_000 + "1" + "}" * 20_000,
                                  '{"key": "sales_rep/results", "value": ' + "[" * 17 + "]" * 17 + "}"])
def test_deeply_nested_json_is_400_not_500(app, body):
    """The attack: deeply nested JSON gave HTTP 500 (the parser's recursion limit)."""
    owner = client(app, app.state.tokens.facilitator)
    r = owner.post("/api/weights", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text[:200]
    assert "nested more than 16 levels" in r.json()["error"]
    zh = owner.post("/api/weights", content=body, headers={"content-type": "application/json"},
                    params={"lang": "zh-CN"})
    assert "嵌套超过 16 层" in zh.json()["error"]


def test_one_participant_link_holds_one_ballot(app):
    """The attack: the voter id was a cookie the client chose; one participant cast 200 ballots."""
    workshop = app.state.workshop
    start = workshop.weights_view()["start"]
    honest = client(app, app.state.tokens.issue())
    assert honest.post("/api/vote", json={"name": "Li Wei", "weights": dict(start, **{RESULTS: 40})}).status_code == 200
    stuffer_token = app.state.tokens.issue()
    stuffer = client(app, stuffer_token)
    page = stuffer.get("/vote")
    assert page.status_code == 200 and "set-cookie" not in page.headers  # no voter id to forge
    for i in range(200):
        stuffer.cookies = {"appraise_workshop_8765_voter": f"v{i}", "voter": f"v{i}"}
        r = stuffer.post("/api/vote", json={"name": f"Person {i}", "weights": dict(start, **{RESULTS: 90})})
        assert r.status_code == 200
    assert len(workshop.votes) == 2
    assert float(workshop.tally()[RESULTS].median) != 90  # the median of 40 and 90, not of 200 × 90
    assert sorted(b.name for b in workshop.votes.values()) == ["Li Wei", "Person 199"]
    # a participant cannot mint links, and nobody votes without one
    assert stuffer.post("/api/links", json={}).status_code == 403
    r = client(app).post("/api/vote", json={"name": "X", "weights": start})
    assert r.status_code == 403
    assert client(app, stuffer_token + "x").post("/api/vote", json={"name": "X", "weights": start}).status_code == 403
    assert len(workshop.votes) == 2


def test_two_workshops_saving_one_ruleset_at_once_cannot_both_succeed(example, monkeypatch):
    """The attack: two servers on one ruleset saved at once; both reported success and one edit was lost."""
    ruleset = example / "sales-team.yaml"
    apps = [create_app(Workshop.from_cycle(example / "cycle-q3.yaml")) for _ in range(2)]
    a, b = (client(x, x.state.tokens.facilitator) for x in apps)
    assert a.post("/api/weights", json={"key": RESULTS, "value": 55}).status_code == 200
    assert b.post("/api/weights", json={"key": "sales_rep/feedback", "value": 20}).status_code == 200
    answers = {}
    second = threading.Thread(target=lambda: answers.setdefault("b", b.post("/api/save", json={})))
    real = session._validate

    def validate(text, name):
        # the first save is between reading the file and writing it: the second one starts now
        if not second.is_alive() and "b" not in answers and not getattr(validate, "done", False):
            validate.done = True
            second.start()
            second.join(0.3)  # without the lock it reads the same old file here, and both succeed
        return real(text, name)

    monkeypatch.setattr(session, "_validate", validate)
    answers["a"] = a.post("/api/save", json={})
    second.join(30)
    assert answers["a"].status_code == 200, answers["a"].text
    assert answers["b"].status_code == 409, answers["b"].text
    assert answers["b"].json()["error"] == "save_conflict"
    assert any("changed on disk" in m for m in answers["b"].json()["messages"])
    saved = ruleset.read_text(encoding="utf-8")
    assert saved == apps[0].state.workshop.path.read_text(encoding="utf-8")
    assert 'version: "2026.2"' in saved and "        weight: 55" in saved  # the winner's edit, whole
    assert apps[1].state.workshop.version == "2026.1"


def test_saving_keeps_the_ruleset_file_mode(app, example):
    """The attack: saving reset a 0600 ruleset to 0644 (readable by every local user)."""
    ruleset = example / "sales-team.yaml"
    os.chmod(ruleset, 0o600)
    old_umask = os.umask(0o022)
    try:
        owner = client(app, app.state.tokens.facilitator)
        owner.post("/api/weights", json={"key": RESULTS, "value": 55})
        r = owner.post("/api/save", json={})
        assert r.status_code == 200 and r.json()["changed"]
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(ruleset.stat().st_mode) == 0o600
    assert "weight: 55" in ruleset.read_text(encoding="utf-8")
