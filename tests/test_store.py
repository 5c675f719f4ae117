"""The results store: migrations, runs and current results, previous/history, cycle locks (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from appraise.language.ruleset import load_ruleset
from appraise.store.database import CycleLocked, Store, create_engine, cycle_locks, history, previous_results, runs
from appraise.store.migrations import LATEST, STEPS, current_version, migrate
from engine_inputs import EXAMPLE, compare

RULESET = load_ruleset(EXAMPLE / "sales-team.yaml")


def _doc(cycle: str, rows: list[tuple[str, float, str, str]]) -> dict:
    return {"cycle": cycle, "employees": [
        {"id": i, "name": i, "scorecard": "sales_rep", "score": s, "grade": g, "grade_uncalibrated": g, "bonus": b,
         "kpis": {}, "dimensions": {}} for i, s, g, b in rows], "errors": []}


def _record(db: Store, cycle: str, kind: str, rows) -> int:
    run = db.start_run(cycle=cycle, kind=kind, cycle_file="c.yaml", ruleset=RULESET, inputs={"x.csv": "0" * 64},
                       engine_version="test")
    db.complete_run(run, cycle, _doc(cycle, rows))
    return run


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


def test_new_store_is_at_the_latest_version(url):
    with Store(url) as db:
        assert db.schema_version == LATEST == len(STEPS)
        assert {"schema_version", "runs", "results", "cycle_locks"} <= set(sa.inspect(db.engine).get_table_names())


def test_upgrade_from_version_1_keeps_the_data(url):
    engine = create_engine(url)
    assert migrate(engine, target=1) == (0, 1)
    with engine.begin() as conn:  # a run written by the version-1 appraise
        conn.execute(sa.text("INSERT INTO runs (cycle, ruleset_id, ruleset_version, ruleset_sha256, engine_version, "
                             "status, is_current, started_at) VALUES ('2026-Q2', 'sales-team', '2026.1', 'ab', "
                             "'0.0.9', 'complete', 1, '2026-07-01 10:00:00')"))
        conn.execute(sa.text("INSERT INTO results VALUES (1, 'E001', 'sales_rep', 104.48, 'A', 'A', '37500', '{}')"))
        assert current_version(conn) == 1
        assert not sa.inspect(conn).has_table("cycle_locks")
    engine.dispose()
    with Store(url) as db:  # opening upgrades
        assert db.schema_version == LATEST
        [run] = db.runs()
        assert run["cycle"] == "2026-Q2" and run["employees"] is None and run["kind"] is None
        db.lock("2026-Q3")  # the table added by step 2 works
    prev = previous_results(url, "2026-Q3")
    assert prev.to_dicts() == [{"employee": "E001", "grade": "A", "grade_uncalibrated": "A", "score": 104.48,
                                "bonus": "37500", "scorecard": "sales_rep"}]


def test_migration_is_one_transaction(url, monkeypatch):
    import appraise.store.migrations as m

    def broken(conn):
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("step failed")

    monkeypatch.setattr(m, "STEPS", [*m.STEPS, broken])
    engine = create_engine(url)
    with pytest.raises(RuntimeError):
        m.migrate(engine, target=len(m.STEPS))
    names = sa.inspect(engine).get_table_names()
    engine.dispose()
    assert names == []  # nothing of steps 1-3 nor of the broken step 4 stayed


def test_rerun_replaces_current_results_and_keeps_history(url):
    with Store(url) as db:
        first = _record(db, "2026-Q2", "quarter", [("E1", 90.0, "B", "100"), ("E2", 70.0, "C", "0")])
        second = _record(db, "2026-Q2", "quarter", [("E1", 96.0, "A", "150")])
        all_runs = db.runs("2026-Q2")
        assert [(r["id"], r["is_current"], r["status"]) for r in all_runs] == [(first, False, "complete"),
                                                                           (second, True, "complete")]
        assert [e["id"] for e in db.current_results("2026-Q2")] == ["E1"]
        with db.engine.connect() as conn:  # the earlier run's rows stay as history
            assert conn.execute(sa.text("SELECT count(*) FROM results")).scalar() == 3
        assert json.loads(all_runs[1]["inputs"]) == {"x.csv": "0" * 64}
        assert all_runs[1]["ruleset_sha256"] == RULESET.sha256 and all_runs[1]["engine_version"] == "test"
        assert all_runs[1]["started_at"] <= all_runs[1]["finished_at"]


def test_a_failed_commit_leaves_the_previous_results_current(url):
    with Store(url) as db:
        good = _record(db, "2026-Q2", "quarter", [("E1", 90.0, "B", "100")])
        bad = db.start_run(cycle="2026-Q2", kind="quarter", cycle_file="c", ruleset=RULESET, inputs={},
                           engine_version="t")

        def boom():
            raise RuntimeError("killed")

        with pytest.raises(RuntimeError):
            db.complete_run(bad, "2026-Q2", _doc("2026-Q2", [("E1", 10.0, "D", "0")]), before_commit=boom)
        db.fail_run(bad, "RuntimeError: killed")
        assert [(r["id"], r["is_current"], r["status"]) for r in db.runs()] == [(good, True, "complete"),
                                                                            (bad, False, "failed")]
        assert db.current_results("2026-Q2")[0]["score"] == 90.0


def test_previous_and_history(url):
    with Store(url) as db:
        _record(db, "2026-Q3", "quarter", [("E1", 99.0, "A", "300")])
        _record(db, "2026-Q2", "quarter", [("E1", 90.0, "B", "100"), ("E2", 70.0, "C", "0")])
        _record(db, "2026-Q1", "quarter", [("E1", 80.0, "B", "90")])
        _record(db, "2025", "year", [("E1", 85.0, "B", "1000")])
    prev = previous_results(url, "2026-Q3")
    assert sorted(prev["employee"].to_list()) == ["E1", "E2"] and prev.filter(
        prev["employee"] == "E1")["grade"].item() == "B"
    assert previous_results(url, "2026-Q1") is None  # 2025-Q4 was never run
    assert previous_results(url, "2026")["score"].to_list() == [85.0]
    h = history(url)
    assert [r["cycle"] for r in h["E1"]] == ["2025", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert h["E1"][0] == {"cycle": "2025", "ruleset": "sales-team", "score": 85.0, "grade": "B", "bonus": "1000",
                          "ruleset_version": "2026.1"}
    assert [r["cycle"] for r in history(url, ["E1"], kind="quarter", before="2026-Q3")["E1"]] == ["2026-Q1", "2026-Q2"]
    assert list(history(url, ["E2", "nobody"])) == ["E2"]


def test_reading_a_missing_store_creates_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'none' / 'x.db'}"
    assert previous_results(url, "2026-Q3") is None
    assert history(url) == {}
    assert not (tmp_path / "none").exists()


def test_second_lock_is_refused_with_who_holds_it(url):
    with Store(url) as db:
        lock = db.lock("2026-Q3")
        with pytest.raises(CycleLocked, match=rf"cycle 2026-Q3 is being run by process {os.getpid()} on "):
            db.lock("2026-Q3")
        db.lock("2026-Q2")  # other cycles are independent
        db.unlock(lock)
        db.lock("2026-Q3")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_dead_owners_lock_is_taken_over_and_its_run_marked_failed(url):
    dead = _dead_pid()
    with Store(url) as db:
        run = db.start_run(cycle="2026-Q3", kind="quarter", cycle_file="c", ruleset=RULESET, inputs={},
                           engine_version="t")
        with db.engine.begin() as conn:
            conn.execute(runs.update().values(pid=dead))
            conn.execute(cycle_locks.insert().values(cycle="2026-Q3", pid=dead, hostname=socket.gethostname(),
                                                     process_start="1", started_at=datetime(2026, 1, 1)))
        lock = db.lock("2026-Q3")
        assert lock.pid == os.getpid()
        [r] = db.runs()
        assert r["id"] == run and r["status"] == "failed" and "interrupted" in r["message"]


def test_a_reused_pid_does_not_keep_the_lock(url):
    with Store(url) as db, db.engine.begin() as conn:
        conn.execute(cycle_locks.insert().values(cycle="2026-Q3", pid=os.getpid(), hostname=socket.gethostname(),
                                                 process_start="1", started_at=datetime(2026, 1, 1)))
    with Store(url) as db:
        if Path(f"/proc/{os.getpid()}/stat").exists():
            assert db.lock("2026-Q3").pid == os.getpid()  # our pid, but not the process that took it


def test_another_hosts_lock_needs_break_lock(url):
    with Store(url) as db:
        with db.engine.begin() as conn:
            conn.execute(cycle_locks.insert().values(cycle="2026-Q3", pid=1, hostname="elsewhere.example",
                                                     process_start=None, started_at=datetime(2026, 1, 1)))
        with pytest.raises(CycleLocked, match="--break-lock"):
            db.lock("2026-Q3")
        assert db.lock("2026-Q3", break_lock=True).hostname == socket.gethostname()


# ---------------------------------------------------------------------------------------- PostgreSQL

@pytest.fixture(scope="module")
def pg_url():
    from pg import bindir, postgres_server

    if bindir() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql-15)")
    with postgres_server() as url:
        yield url


@pytest.mark.postgres
def test_postgres_store_example_q2_then_q3(pg_url, tmp_path):
    from click.testing import CliRunner

    from appraise.cli import main

    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    cli = CliRunner()
    for q in ("q2", "q3"):
        res = cli.invoke(main, ["run", str(work / f"cycle-{q}.yaml"), "--store", pg_url, "--no-render", "-q"])
        assert res.exit_code == 0, res.output
        got = json.loads((work / "out" / f"2026-{q.upper()}" / "results.json").read_text(encoding="utf-8"))
        assert compare(got, json.loads((work / f"expected-{q}.json").read_text(encoding="utf-8"))) == []
    assert not (work / "out" / "appraise.db").exists()  # everything went to PostgreSQL
    res = cli.invoke(main, ["run", str(work / "cycle-q3.yaml"), "--store", pg_url, "--no-render", "-q"])
    assert res.exit_code == 0, res.output
    with Store(pg_url) as db:
        assert db.schema_version == LATEST
        q3 = db.runs("2026-Q3")
        assert [(r["status"], r["is_current"]) for r in q3] == [("complete", False), ("complete", True)]
        assert len(db.current_results("2026-Q3")) == 5
        lock = db.lock("2026-Q3")
        with pytest.raises(CycleLocked):
            db.lock("2026-Q3")
        db.unlock(lock)
    assert [r["cycle"] for r in history(pg_url, ["E001"])["E001"]] == ["2026-Q2", "2026-Q3"]
    assert previous_results(pg_url, "2026-Q3")["employee"].to_list() == ["E001", "E003", "E004", "E005"]
    res = cli.invoke(main, ["history", "E001", "--store", pg_url, "--format", "json"])
    assert json.loads(res.output)["history"][1]["grade"] == "A"


@pytest.mark.postgres
def test_postgres_upgrade_from_version_1(pg_url):
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    assert migrate(engine, target=1) == (0, 1)
    assert migrate(engine) == (1, LATEST)
    assert migrate(engine) == (LATEST, LATEST)
    engine.dispose()
    with Store(pg_url) as db:
        _record(db, "2026-Q2", "quarter", [("E1", 90.0, "B", "100")])
        _record(db, "2026-Q2", "quarter", [("E1", 91.0, "B", "110")])
        with pytest.raises(sa.exc.IntegrityError):  # the database itself allows one current run per cycle
            with db.engine.begin() as conn:
                conn.execute(runs.update().values(is_current=True))


@pytest.mark.postgres
def test_postgres_restarted_while_a_run_evaluates(tmp_path):
    """Issue 13: the store stage used a pooled connection the restart had cut, and died with a traceback."""
    from pg import bindir, postgres

    if bindir() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql-15)")
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    with postgres() as server:
        env = dict(os.environ, APPRAISE_TEST_PAUSE_AT="evaluate", APPRAISE_TEST_PAUSE_SECONDS="3")
        proc = subprocess.Popen([sys.executable, "-m", "appraise", "run", str(work / "cycle-q2.yaml"), "--store",
                                 server.url, "--no-render"], stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                                env=env, text=True)
        assert proc.stderr.readline().startswith("validate")
        for line in proc.stderr:
            if line.strip() == "paused at evaluate":
                break
        server.restart()  # every connection the run holds is cut
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        with Store(server.url) as db:
            assert len(db.current_results("2026-Q2")) == 4


# ---------------------------------------------------------------------------------------- bulk writes, light reads

# Entries as the engine writes them, with what a bulk path could get wrong: text beyond ASCII, a missing field, NULLs,
# a float that prints in exponent form, a list, a key with a dot, nesting.
_BULK = [
    {"id": "F2", "name": "郭婷 \"Tina\"", "scorecard": "sales_rep", "score": 104.48, "grade": "A",
     "grade_uncalibrated": "B", "bonus": "37500.50", "bonus_gross": "40000", "bonus_paid": "2499.50",
     "outcomes": ["raise", "mentor"], "big": 1e16, "odd.key": {"x": [1, 2.5, None]}},
    {"id": "F1", "name": "Ann\nLee", "scorecard": "sales_rep", "score": 1e-07, "grade": None,
     "grade_uncalibrated": None, "outcomes": [], "big": 3},
    {"id": "F3", "name": "Zoë", "scorecard": None, "score": None, "grade": "D", "grade_uncalibrated": "D",
     "bonus": "0", "bonus_paid": None},
]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_url(request, tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def _store(db: Store, cycle: str, employees: list[dict]) -> int:
    run = db.start_run(cycle=cycle, kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                       engine_version="test")
    db.complete_run(run, cycle, {"employees": employees, "errors": []})
    return run


def test_bulk_write_stores_each_entry_as_json_dumps_and_light_reads_agree(any_url):
    """The bulk paths (SQLite executemany, PostgreSQL COPY) store exactly what the row-by-row insert stored: the
    columns and json.dumps(entry, ensure_ascii=False); run_results(fields=) (database JSON functions, no parsing of
    the entries in Python) gives each entry's own value of those fields, None where it has none."""
    with Store(any_url) as db:
        run = _store(db, "2031-Q1", _BULK)
        with db.engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT employee, scorecard, score, grade, grade_uncalibrated, bonus, entry "
                                          f"FROM results WHERE run_id = {run} ORDER BY employee")).all()
        by_id = {e["id"]: e for e in _BULK}
        assert [tuple(r) for r in stored] == [
            (i, by_id[i]["scorecard"], by_id[i]["score"], by_id[i]["grade"], by_id[i]["grade_uncalibrated"],
             by_id[i].get("bonus"), json.dumps(by_id[i], ensure_ascii=False)) for i in ("F1", "F2", "F3")]
        assert db.run_results(run) == [by_id[i] for i in ("F1", "F2", "F3")]
        fields = ("score", "grade", "bonus", "bonus_gross", "bonus_paid", "outcomes", "big", "odd.key")
        light = db.run_results(run, fields=fields)
        assert light == [{"id": i, **{f: by_id[i].get(f) for f in fields}} for i in ("F1", "F2", "F3")]
        assert [type(e["big"]) for e in light] == [int, float, type(None)]
        assert db.run_results(run, fields=["outcomes"]) == [{"id": "F1", "outcomes": []},
                                                            {"id": "F2", "outcomes": ["raise", "mentor"]},
                                                            {"id": "F3", "outcomes": None}]
        table = db.run_table(run, fields)  # the same as columns, the entries' other fields as JSON text
        assert table.columns == ["id", *fields]
        assert table.to_dicts() == [{f: (v if f in ("id", "score", "grade", "bonus") or v is None
                                         else json.dumps(v, ensure_ascii=False)) for f, v in e.items()} for e in light]
        assert db.run_table(run, ["grade"]).to_dicts() == [{"id": e["id"], "grade": e["grade"]} for e in light]


def test_unchanged_compares_the_stored_columns_null_equal_to_null(any_url):
    """A re-run is ``unchanged`` when every employee has the same scorecard, score, grade, grade before calibration
    and bonus (a missing grade equal to a missing grade); the rest of the entry does not count."""
    with Store(any_url) as db:
        _store(db, "2031-Q2", _BULK)
        same = _store(db, "2031-Q2", [{**e, "name": "renamed"} for e in _BULK])
        graded = _store(db, "2031-Q2", [{**e, "grade": e["grade"] or "C"} for e in _BULK])
        fewer = _store(db, "2031-Q2", [{**e, "grade": e["grade"] or "C"} for e in _BULK[:2]])
        more = _store(db, "2031-Q2", [{**e, "grade": e["grade"] or "C"} for e in _BULK])
        again = _store(db, "2031-Q2", [{**e, "grade": e["grade"] or "C"} for e in _BULK])
        unchanged = {r["id"]: r["unchanged"] for r in db.runs("2031-Q2")}
    assert [unchanged[r] for r in (same, graded, fewer, more, again)] == [True, False, False, False, True]


def test_prepared_rows_are_stored_as_the_document_would_be(url):
    """complete_run(rows=...) (results prepared elsewhere, e.g. from a frame) stores what the document gives."""
    with Store(url) as db:
        a = _store(db, "2031-Q3", _BULK)
        b = db.start_run(cycle="2031-Q4", kind="quarter", cycle_file="c.yaml", ruleset=RULESET, inputs={},
                         engine_version="test")
        rows = [(e["id"], e["scorecard"], e["score"], e["grade"], e["grade_uncalibrated"], e.get("bonus"),
                 json.dumps(e, ensure_ascii=False)) for e in _BULK]
        assert db.complete_run(b, "2031-Q4", {"employees": [], "errors": []}, rows=iter(rows)) == 3
        assert db.run_results(b) == db.run_results(a)
        with db.engine.connect() as conn:
            q = "SELECT employee, scorecard, score, grade, grade_uncalibrated, bonus, entry FROM results " \
                "WHERE run_id = {} ORDER BY employee"
            assert conn.execute(sa.text(q.format(a))).all() == conn.execute(sa.text(q.format(b))).all()
