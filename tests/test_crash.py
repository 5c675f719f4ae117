"""A run killed with SIGKILL at any stage leaves the store and the outputs consistent once run again.

``APPRAISE_TEST_PAUSE_AT=<stage>`` makes ``appraise run`` stop at a known point
(see :mod:`appraise.run`); the test kills it there, checks that the store
still holds the previous complete state, runs the cycle again and checks the
result is complete and consistent.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from appraise.demo import make_company
from appraise.store import Store, cycle_locks

APPRAISE = [sys.executable, "-m", "appraise"]


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    root = tmp_path_factory.mktemp("company")
    make_company(root, employees=120, seed=7)
    subprocess.run([*APPRAISE, "run", "-q", str(root / "cycle-2026-Q2.yaml")], check=True, capture_output=True)
    return root


def _start(cycle: Path, stage: str) -> subprocess.Popen:
    env = dict(os.environ, APPRAISE_TEST_PAUSE_AT=stage, APPRAISE_TEST_PAUSE_SECONDS="60")
    proc = subprocess.Popen([*APPRAISE, "run", str(cycle)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            env=env, text=True)
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        if line.strip() == f"paused at {stage}":
            return proc
        if time.monotonic() > deadline:
            break
    proc.kill()
    raise AssertionError(f"the run never paused at {stage} (exit {proc.wait()})")


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stderr.close()


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _check_consistent(root: Path, cycle: str) -> None:
    out = root / "out" / cycle
    files = _files(out)
    assert not [p for p in files if "appraise-tmp" in p]
    assert not [p for p in out.rglob("*") if p.is_dir() and "appraise-tmp" in p.name]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(files) == set(listed) | {"manifest.json"}
    assert all(files[p] == sha for p, sha in listed.items())  # no half-written or stale file
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ids = [e["id"] for e in doc["employees"]]
    assert len(ids) == len(set(ids)) == manifest["employees"]
    with Store(f"sqlite:///{root / 'appraise.db'}") as db:
        current = [r for r in db.runs(cycle) if r["is_current"]]
        assert len(current) == 1 and current[0]["status"] == "complete"
        assert current[0]["employees"] == len(ids)
        with db.engine.connect() as conn:
            n, distinct = conn.execute(sa.text(
                "SELECT count(*), count(DISTINCT employee) FROM results WHERE run_id = :r"), {"r": current[0]["id"]}).one()
            assert n == distinct == len(ids)
            assert conn.execute(cycle_locks.select()).first() is None
        assert sorted(e["id"] for e in db.current_results(cycle)) == sorted(ids)
        assert not [r for r in db.runs() if r["status"] == "running"]


@pytest.mark.parametrize("stage", ["provide", "store", "export", "render", "manifest"])
def test_killed_run_then_rerun_is_complete_and_consistent(company, stage):
    cycle = company / "cycle-2026-Q3.yaml"
    first_time = not (company / "out/2026-Q3/manifest.json").exists()
    before = _files(company / "out/2026-Q3") if not first_time else {}
    proc = _start(cycle, stage)
    with Store(f"sqlite:///{company / 'appraise.db'}") as db:
        held = [r for r in db.runs("2026-Q3") if r["pid"] == proc.pid]
        assert len(held) == 1
        if stage in ("provide", "store"):
            assert held[0]["status"] == "running"
        else:  # the results are committed; the outputs are not finished (no manifest recorded yet)
            assert held[0]["status"] == "complete" and held[0]["is_current"] and held[0]["manifest_sha256"] is None
    _kill(proc)
    with Store(f"sqlite:///{company / 'appraise.db'}") as db:
        q3 = db.runs("2026-Q3")
        if stage in ("provide", "store"):  # killed before (or inside) the results transaction
            assert not any(r["is_current"] and r["id"] == held[0]["id"] for r in q3)
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM results WHERE run_id = :r"),
                                    {"r": held[0]["id"]}).scalar() == 0
        with db.engine.connect() as conn:  # the dead process's lock is still there...
            assert conn.execute(cycle_locks.select()).one().pid == proc.pid
    if not first_time and stage in ("provide", "store"):
        assert _files(company / "out/2026-Q3") == before  # nothing was touched yet
    # ...and the next run takes it over
    res = subprocess.run([*APPRAISE, "run", str(cycle)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    _check_consistent(company, "2026-Q3")
    with Store(f"sqlite:///{company / 'appraise.db'}") as db:
        killed = next(r for r in db.runs("2026-Q3") if r["id"] == held[0]["id"])
        assert killed["status"] in ("failed", "complete")  # 'complete' when killed after its commit
        assert killed["status"] == "failed" or stage in ("export", "render", "manifest")
        if killed["status"] == "failed":
            assert "interrupted" in killed["message"]


def test_a_second_concurrent_run_is_refused(company):
    cycle = company / "cycle-2026-Q3.yaml"
    proc = _start(cycle, "evaluate")
    try:
        res = subprocess.run([*APPRAISE, "run", str(cycle)], capture_output=True, text=True)
        assert res.returncode == 1
        assert f"cycle 2026-Q3 is being run by process {proc.pid} on " in res.stderr
        assert "wait for it to finish" in res.stderr
        other = subprocess.run([*APPRAISE, "run", "-q", "--no-render", str(company / "cycle-2026-Q2.yaml")],
                               capture_output=True, text=True)
        assert other.returncode == 0, other.stderr  # another cycle of the same store is not blocked
    finally:
        _kill(proc)
