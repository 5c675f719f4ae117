"""A room at once (issue 19): 50 participants vote from their own links while the facilitator moves sliders.

Bounded: 50 voters × 3 ballots each (a first vote and two changes) and 40 slider moves, over real HTTP on the
loopback interface (uvicorn in a thread, one keep-alive connection per person), against a 300-person company,
with the ballots kept in a SQLite store.  It proves that no ballot is lost (every voter's last ballot counts, in
memory and in the store, and every revision is stored) and prints the facilitator's re-score latency: the
round trip of each slider move (what the facilitator waits for) and the server's re-score time.  The figures go
in README "Co-design workshop"; nothing here asserts a time.
"""
from __future__ import annotations

import http.client
import json
import random
import shutil
import statistics
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

ROOT = Path(__file__).resolve().parents[1]
VOTERS = 50
BALLOTS = 3
MOVES = 40


def _request(conn: http.client.HTTPConnection, method: str, path: str, token: str, body=None) -> tuple[int, dict]:
    headers = {"X-Appraise-Token": token, "Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def test_fifty_phones_vote_while_the_facilitator_moves_sliders(tmp_path):
    from appraise.store.ballots import BallotBox
    from appraise.tools.demo import make_company
    from appraise.tools.workshop import voting
    from appraise.tools.workshop.app import Tokens, create_app
    from appraise.tools.workshop.session import Workshop
    from workshop_support import Served

    folder = tmp_path / "company"
    folder.mkdir()
    shutil.copy(ROOT / "rulesets" / "sales-team.yaml", folder / "sales-team.yaml")
    (cycle,) = make_company(folder, employees=300, quarters=("2026-Q3",), ruleset=folder / "sales-team.yaml")
    workshop = Workshop.from_cycle(cycle)
    roster = [(f"P{i:02d}", f"Person {i}") for i in range(VOTERS)]
    store = f"sqlite:///{tmp_path / 'room.db'}"
    workshop.start_voting(mode="roster", roster=roster, store=store)
    tokens = Tokens()
    served = Served(create_app(workshop, tokens))
    port = served.port

    groups = [(g.items, g.fixed) for g in workshop.groups]
    sent: dict[str, dict] = {}
    failures: list[str] = []
    moves_ms: list[float] = []
    rescore_ms: list[float] = []
    start = time.perf_counter()

    def proposal(rng: random.Random) -> dict:
        out = {}
        for items, _ in groups:
            values = [rng.randint(1, 60) for _ in items]
            out.update(zip(items, values))
        return out

    def voter(person: str, seed: int) -> None:
        rng = random.Random(seed)
        token = voting.sign(workshop.secret, workshop.session_id, person)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            status, ballot = _request(conn, "GET", "/api/ballot", token)
            revision = ballot.get("revision", -1)
            for _ in range(BALLOTS):
                weights = proposal(rng)
                status, body = _request(conn, "POST", "/api/vote", token, {"weights": weights, "revision": revision})
                if status != 200:
                    failures.append(f"{person}: {status} {body}")
                    return
                revision = body["revision"]
                sent[person] = weights
        finally:
            conn.close()

    def facilitator() -> None:
        rng = random.Random(1)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            keys = [k for items, fixed in groups if not fixed for k in items]
            for _ in range(MOVES):
                t0 = time.perf_counter()
                status, body = _request(conn, "POST", "/api/weights", tokens.facilitator,
                                        {"key": rng.choice(keys), "value": rng.randint(5, 70)})
                moves_ms.append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    failures.append(f"facilitator: {status} {body}")
                    return
                rescore_ms.append(body["impact"]["elapsed_ms"])
        finally:
            conn.close()

    threads = [threading.Thread(target=voter, args=(person, i)) for i, (person, _) in enumerate(roster)]
    threads.append(threading.Thread(target=facilitator))
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        wall = time.perf_counter() - start
    finally:
        served.stop()
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    # no ballot lost: everyone's last ballot counts, as sent, in memory and in the store; every revision is stored
    assert len(workshop.votes) == VOTERS and len(sent) == VOTERS
    for person, weights in sent.items():
        ballot = workshop.votes[voting.PERSON + person]
        assert ballot.revision == BALLOTS
        assert {k: float(v) for k, v in ballot.weights.items()} == weights
    box = BallotBox(store)
    try:
        stored = box.ballots(workshop.session_id)
        assert {b.voter: (b.revision, {k: float(v) for k, v in b.weights.items()}) for b in stored} == \
            {voting.PERSON + p: (BALLOTS, w) for p, w in sent.items()}
        assert box.revisions(workshop.session_id) == VOTERS * BALLOTS
    finally:
        box.close()
    assert workshop.tally()["sales_rep/results"].votes == VOTERS
    assert len(moves_ms) == MOVES

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20, method="inclusive")[18]

    print(f"\n{VOTERS} voters × {BALLOTS} ballots + {MOVES} slider moves in {wall:.2f} s "
          f"({VOTERS * BALLOTS + MOVES + VOTERS} requests): slider move round trip median "
          f"{statistics.median(moves_ms):.1f} ms, p95 {p95(moves_ms):.1f} ms; server re-score median "
          f"{statistics.median(rescore_ms):.1f} ms, p95 {p95(rescore_ms):.1f} ms")
