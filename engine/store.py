"""The results store: every run of every cycle, and the current results of each (SQLAlchemy Core).

Any SQLAlchemy URL works; SQLite (the default, ``sqlite:///appraise.db`` beside
the cycle file) and PostgreSQL are tested.  The schema is versioned
(:mod:`appraise.migrations`) and upgraded when a run opens the store.

Tables
    ``runs``: one row per ``appraise run``: cycle, ruleset id/version/sha256,
    input sha256s (JSON), engine version, status (``running`` → ``complete``
    or ``failed``), ``is_current``, start and finish times, pid and host.
    ``results``: one row per (run, employee): score, grade,
    grade_uncalibrated, bonus (exact decimal string), scorecard and the
    employee's full results.json entry (JSON text).
    ``cycle_locks``: one row per cycle being run right now.

Re-running a cycle commits its results and makes the run current in **one
transaction** (the previous current run stays, marked not current, as
history); a unique index allows at most one current run per cycle.

Concurrent runs of one cycle are refused: :meth:`Store.lock` inserts the
cycle's ``cycle_locks`` row in its own transaction, and a second run's insert
fails on the primary key.  A lock whose owner was killed does not block
forever: the row records hostname, pid and the process's start time (from
``/proc`` on Linux), and a run on the same host takes the lock over when that
process no longer exists (or the pid now belongs to a younger process).  A
lock held from another host cannot be checked; ``appraise run --break-lock``
removes it after you have made sure that run is gone.
"""
from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import sqlalchemy as sa

from .errors import AppraiseError
from .migrations import LATEST, current_version, migrate, write_transaction

_md = sa.MetaData()
runs = sa.Table(
    "runs", _md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cycle", sa.String(16)), sa.Column("kind", sa.String(8)), sa.Column("cycle_file", sa.Text),
    sa.Column("ruleset_id", sa.String(200)), sa.Column("ruleset_version", sa.String(100)),
    sa.Column("ruleset_sha256", sa.String(64)), sa.Column("ruleset_path", sa.Text),
    sa.Column("inputs", sa.Text), sa.Column("engine_version", sa.String(40)),
    sa.Column("status", sa.String(10)), sa.Column("is_current", sa.Boolean),
    sa.Column("started_at", sa.DateTime), sa.Column("finished_at", sa.DateTime),
    sa.Column("pid", sa.Integer), sa.Column("hostname", sa.String(255)),
    sa.Column("employees", sa.Integer), sa.Column("errors", sa.Integer), sa.Column("message", sa.Text),
    sa.Column("manifest_sha256", sa.String(64)),
)
results = sa.Table(
    "results", _md,
    sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("employee", sa.String(200), primary_key=True),
    sa.Column("scorecard", sa.String(200)), sa.Column("score", sa.Float), sa.Column("grade", sa.String(40)),
    sa.Column("grade_uncalibrated", sa.String(40)), sa.Column("bonus", sa.String(40)), sa.Column("entry", sa.Text),
)
cycle_locks = sa.Table(
    "cycle_locks", _md,
    sa.Column("cycle", sa.String(16), primary_key=True), sa.Column("pid", sa.Integer),
    sa.Column("hostname", sa.String(255)), sa.Column("process_start", sa.String(40)),
    sa.Column("started_at", sa.DateTime),
)

INSERT_CHUNK = 5000


class StoreError(AppraiseError):
    """The results store cannot be used as asked."""


class CycleLocked(StoreError):
    """Another run of the same cycle holds the lock."""


def _shown_url(url: str) -> str:
    """A store URL fit to print: the password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _process_start(pid: int) -> str | None:
    """The start time of ``pid`` in clock ticks since boot (Linux), to tell a reused pid apart."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after its closing ')'
    return stat.rsplit(")", 1)[1].split()[19]


def _alive(pid: int, process_start: str | None) -> bool:
    """Whether the process that took a lock still runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    if process_start is not None:
        now = _process_start(pid)
        if now is not None and now != process_start:
            return False  # the pid was reused by a younger process
    return True


def _sqlite_path(url: sa.URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def create_engine(url: str, *, write: bool = True) -> sa.Engine:
    """A SQLAlchemy engine for ``url``; SQLite gets real transactions (DDL included) and a busy timeout.

    Transactions opened through :func:`appraise.migrations.write_transaction`
    start with ``BEGIN IMMEDIATE`` (the write lock up front); reads take no
    write lock, so they never wait for a run that is storing results.
    """
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # pre-ping: a server restarted while a run was evaluating must not fail the store stage on a stale
        # pooled connection
        return sa.create_engine(parsed, pool_pre_ping=True)
    path = _sqlite_path(parsed)
    if path is not None and write:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, connect_args={"timeout": 60}, poolclass=sa.pool.NullPool)

    # pysqlite opens transactions lazily and not for DDL; take control so a migration or a
    # results replacement is one transaction, and writers queue up front (BEGIN IMMEDIATE).
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        immediate = conn.get_execution_options().get("appraise_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _exists(url: str) -> bool:
    """False for a SQLite file that does not exist yet (reading must not create it)."""
    path = _sqlite_path(sa.make_url(url))
    return path is None or path.exists()


@dataclass(frozen=True)
class Lock:
    """A held cycle lock (see the module doc)."""

    cycle: str
    pid: int
    hostname: str
    process_start: str | None
    started_at: datetime


class Store:
    """An open results store (use as a context manager, or call :meth:`close`)."""

    def __init__(self, url: str, *, migrate_schema: bool = True):
        self.url = url
        try:
            self.engine = create_engine(url)
            if migrate_schema:
                migrate(self.engine)
        except (sa.exc.ArgumentError, sa.exc.OperationalError, sa.exc.NoSuchModuleError, ImportError) as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreError(f"cannot open the results store {_shown_url(url)}: {first[0] if first else exc}"
                             ) from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return current_version(conn)

    # ------------------------------------------------------------------ locks

    def lock(self, cycle: str, *, break_lock: bool = False) -> Lock:
        """Take the cycle's lock in its own transaction; raises :class:`CycleLocked` when it is held."""
        me = Lock(cycle, os.getpid(), socket.gethostname(), _process_start(os.getpid()), _now())
        for _ in range(3):
            try:
                with write_transaction(self.engine) as conn:
                    conn.execute(cycle_locks.insert().values(
                        cycle=cycle, pid=me.pid, hostname=me.hostname, process_start=me.process_start,
                        started_at=me.started_at))
                return me
            except sa.exc.IntegrityError:
                pass
            with write_transaction(self.engine) as conn:
                row = conn.execute(sa.select(cycle_locks).where(cycle_locks.c.cycle == cycle)).mappings().first()
                if row is None:
                    continue  # released meanwhile: try again
                stale = row["hostname"] == me.hostname and not _alive(row["pid"], row["process_start"])
                if not (stale or break_lock):
                    raise CycleLocked(
                        f"cycle {cycle} is being run by process {row['pid']} on {row['hostname']} since "
                        f"{row['started_at']:%Y-%m-%d %H:%M:%S} UTC; wait for it to finish"
                        + ("" if row["hostname"] == me.hostname else
                           " (if that run is gone, `appraise run --break-lock` removes its lock)"))
                # the owner is gone: take over (the delete matches only the row we looked at)
                gone = conn.execute(cycle_locks.delete().where(
                    (cycle_locks.c.cycle == cycle) & (cycle_locks.c.pid == row["pid"])
                    & (cycle_locks.c.hostname == row["hostname"])))
                if gone.rowcount == 1:
                    conn.execute(runs.update().where(
                        (runs.c.cycle == cycle) & (runs.c.status == "running") & (runs.c.pid == row["pid"])
                        & (runs.c.hostname == row["hostname"])).values(
                        status="failed", finished_at=me.started_at,
                        message="interrupted: its process ended without finishing; lock taken over"))
        raise CycleLocked(f"could not take the lock of cycle {cycle}: other runs keep taking it")

    def unlock(self, lock: Lock) -> None:
        """Release a lock taken by :meth:`lock` (only if it is still ours)."""
        with write_transaction(self.engine) as conn:
            conn.execute(cycle_locks.delete().where(
                (cycle_locks.c.cycle == lock.cycle) & (cycle_locks.c.pid == lock.pid)
                & (cycle_locks.c.hostname == lock.hostname)))

    # ------------------------------------------------------------------ runs

    def start_run(self, *, cycle: str, kind: str, cycle_file: str, ruleset, inputs: Mapping[str, str],
                  engine_version: str) -> int:
        """Record a run as ``running``; returns its id."""
        with write_transaction(self.engine) as conn:
            res = conn.execute(runs.insert().values(
                cycle=cycle, kind=kind, cycle_file=cycle_file, ruleset_id=ruleset.id,
                ruleset_version=str(ruleset.version) if ruleset.version is not None else None,
                ruleset_sha256=ruleset.sha256, ruleset_path=str(ruleset.source or ""),
                inputs=json.dumps(dict(inputs), ensure_ascii=False, sort_keys=True),
                engine_version=engine_version, status="running", is_current=False, started_at=_now(),
                pid=os.getpid(), hostname=socket.gethostname()))
            return int(res.inserted_primary_key[0])

    def set_inputs(self, run_id: int, inputs: Mapping[str, str]) -> None:
        """Record the sha256 of every input source (label → sha256) once the providers have read them."""
        with write_transaction(self.engine) as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                inputs=json.dumps(dict(inputs), ensure_ascii=False, sort_keys=True)))

    def complete_run(self, run_id: int, cycle: str, document: Mapping[str, Any],
                     before_commit: Callable[[], None] | None = None, manifest_sha256: str | None = None) -> int:
        """Store a run's results and make it the cycle's current run, in one transaction; returns the count.

        The cycle's previous current run stays, marked not current.
        ``before_commit`` runs inside the transaction just before the commit (crash tests).
        ``manifest_sha256``: the sha256 of the output folder's ``manifest.json``, staged before the commit.
        """
        rows = [{"run_id": run_id, "employee": e["id"], "scorecard": e.get("scorecard"), "score": e.get("score"),
                 "grade": e.get("grade"), "grade_uncalibrated": e.get("grade_uncalibrated"), "bonus": e.get("bonus"),
                 "entry": json.dumps(e, ensure_ascii=False)} for e in document.get("employees", [])]
        with write_transaction(self.engine) as conn:
            conn.execute(runs.update().where((runs.c.cycle == cycle) & runs.c.is_current).values(is_current=False))
            for i in range(0, len(rows), INSERT_CHUNK):
                conn.execute(results.insert(), rows[i:i + INSERT_CHUNK])
            conn.execute(runs.update().where(runs.c.id == run_id).values(
                status="complete", is_current=True, finished_at=_now(), employees=len(rows),
                errors=len(document.get("errors") or []), manifest_sha256=manifest_sha256))
            if before_commit is not None:
                before_commit()
        return len(rows)

    def fail_run(self, run_id: int, message: str) -> None:
        """Mark a run failed (its results, if any, were never committed)."""
        with write_transaction(self.engine) as conn:
            conn.execute(runs.update().where((runs.c.id == run_id) & (runs.c.status == "running")).values(
                status="failed", finished_at=_now(), message=message[:2000]))

    def set_manifest(self, run_id: int, sha256: str) -> None:
        """Record that the run's output files are complete (the sha256 of its manifest.json)."""
        with write_transaction(self.engine) as conn:
            conn.execute(runs.update().where(runs.c.id == run_id).values(manifest_sha256=sha256))

    def runs(self, cycle: str | None = None) -> list[dict[str, Any]]:
        """Every run (of ``cycle``), oldest first."""
        q = sa.select(runs).order_by(runs.c.id)
        if cycle is not None:
            q = q.where(runs.c.cycle == cycle)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def current_results(self, cycle: str) -> list[dict[str, Any]]:
        """The current results of ``cycle`` (full entries), by employee id."""
        q = (sa.select(results.c.entry).join(runs, runs.c.id == results.c.run_id)
             .where((runs.c.cycle == cycle) & runs.c.is_current).order_by(results.c.employee))
        with self.engine.connect() as conn:
            return [json.loads(e) for (e,) in conn.execute(q)]


# ---------------------------------------------------------------------- reading (never creates a store)


def _reader(url: str) -> sa.Engine | None:
    if not _exists(url):
        return None
    engine = create_engine(url, write=False)
    try:
        with engine.connect() as conn:
            if current_version(conn) < 1:
                engine.dispose()
                return None
    except sa.exc.OperationalError:
        engine.dispose()
        return None
    return engine


def _period_of(cycle) -> Any:
    from .period import Period, parse

    if isinstance(cycle, Period):
        return cycle
    if hasattr(cycle, "period"):
        return cycle.period
    return parse(str(cycle))


def previous_results(store_url: str, cycle):
    """The previous period's results as the engine's ``previous`` table, or None.

    ``cycle`` is a :class:`~appraise.cycle.Cycle`, a :class:`~appraise.period.Period`
    or a period id; "previous" is the period of the same kind just before it
    (``2026-Q3`` → ``2026-Q2``), taken from its current complete run.  Returns
    None when the store does not exist or holds nothing for that period.
    """
    import polars as pl

    prev = _period_of(cycle).previous().id
    engine = _reader(store_url)
    if engine is None:
        return None
    try:
        q = (sa.select(results.c.employee, results.c.grade, results.c.grade_uncalibrated, results.c.score,
                       results.c.bonus, results.c.scorecard)
             .join(runs, runs.c.id == results.c.run_id)
             .where((runs.c.cycle == prev) & runs.c.is_current & (runs.c.status == "complete"))
             .order_by(results.c.employee))
        with engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
    finally:
        engine.dispose()
    if not rows:
        return None
    return pl.DataFrame(rows, schema={"employee": pl.Utf8, "grade": pl.Utf8, "grade_uncalibrated": pl.Utf8,
                                      "score": pl.Float64, "bonus": pl.Utf8, "scorecard": pl.Utf8})


def _cycle_order(cycle: str):
    from .period import parse

    try:
        p = parse(cycle)
        return (0, p.start, p.months_count, cycle)
    except ValueError:
        return (1, datetime.min.date(), 0, cycle)


def _period_end(cycle: str):
    from .period import parse

    return parse(cycle).end


def history(store_url: str, employee_ids: Iterable[str] | None = None, *, kind: str | None = None,
            before: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Past results per employee from the current runs: ``{id: [{cycle, score, grade, bonus, ruleset_version}]}``.

    Oldest first.  ``kind`` keeps periods of one kind (``quarter``...);
    ``before`` keeps periods that end before that period id starts.  Empty
    when the store does not exist.
    """
    engine = _reader(store_url)
    if engine is None:
        return {}
    wanted = None if employee_ids is None else sorted(set(map(str, employee_ids)))
    q = (sa.select(results.c.employee, runs.c.cycle, runs.c.kind, results.c.score, results.c.grade,
                   results.c.bonus, runs.c.ruleset_version)
         .join(runs, runs.c.id == results.c.run_id)
         .where(runs.c.is_current & (runs.c.status == "complete")))
    if kind is not None:
        q = q.where(runs.c.kind == kind)
    limit = None
    if before is not None:
        from .period import parse

        limit = parse(before).start
    keep: dict[str, bool] = {}

    def kept(cycle: str) -> bool:
        if limit is None:
            return True
        if cycle not in keep:
            order = _cycle_order(cycle)
            keep[cycle] = order[0] == 0 and _period_end(cycle) < limit
        return keep[cycle]

    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as conn:
            # a few ids: ask for them (IN lists of 900 stay under SQLite's variable limit); many: read all
            small = wanted is not None and len(wanted) <= 5000
            batches = [wanted[i:i + 900] for i in range(0, len(wanted), 900)] if small else [None]
            only = set(wanted) if wanted is not None and not small else None
            for batch in batches:
                qb = q if batch is None else q.where(results.c.employee.in_(batch))
                for r in conn.execute(qb):
                    if (only is None or r.employee in only) and kept(r.cycle):
                        out.setdefault(r.employee, []).append(
                            {"cycle": r.cycle, "score": r.score, "grade": r.grade, "bonus": r.bonus,
                             "ruleset_version": r.ruleset_version})
    finally:
        engine.dispose()
    for rows in out.values():
        rows.sort(key=lambda r: _cycle_order(r["cycle"]))
    return dict(sorted(out.items()))


def open_store(url: str) -> Store:
    """Open (creating and upgrading as needed) the results store at ``url``."""
    return Store(url)


__all__ = ["Store", "StoreError", "CycleLocked", "Lock", "open_store", "previous_results", "history",
           "create_engine", "LATEST"]
