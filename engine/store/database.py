"""The results store: every run of every cycle, and the current results of each (SQLAlchemy Core).

Any SQLAlchemy URL works; SQLite (the default, ``sqlite:///appraise.db`` beside
the cycle file) and PostgreSQL are tested.  The schema is versioned
(:mod:`appraise.store.migrations`) and upgraded when a run opens the store.

Tables
    ``runs``: one row per ``appraise run``: cycle (the period), ruleset
    id/version/sha256, input sha256s (JSON), engine version, status
    (``running`` → ``complete`` or ``failed``), ``is_current``, start and finish
    times, pid and host, the run it replaced (``replaced_run``) and whether its
    results equal that run's (``unchanged``).
    ``results``: one row per (run, employee): score, grade,
    grade_uncalibrated, bonus (exact decimal string), scorecard and the
    employee's full results.json entry (JSON text).
    ``run_reads``: what each run read of other runs — the period and ruleset
    id, why (``previous``, ``periods:<dimension>``, ``net_of``) and the run
    that was current then (NULL: none) — so :func:`stale_runs` can tell which
    current results read results that have changed since.
    ``cycle_locks``: one row per (period, ruleset id) being run right now.

A period may be appraised by several rulesets (reps, managers): there is one
current run per **(period, ruleset id)**.  Re-running a cycle commits its
results and makes the run current in **one transaction** (the previous current
run of the same period and ruleset stays, marked not current, as history); a
unique index allows at most one current run per period and ruleset.

Concurrent runs of one period and ruleset are refused: :meth:`Store.lock`
inserts the ``cycle_locks`` row in its own transaction, and a second run finds
it.  A lock whose owner was killed does not block
forever: the row records hostname, pid and the process's start time (from
``/proc`` on Linux), and a run on the same host takes the lock over when that
process no longer exists (or the pid now belongs to a younger process).  A
lock held from another host cannot be checked; ``appraise run --break-lock``
removes it after you have made sure that run is gone.  A lock row with ruleset
id '' (an older appraise's) locks its whole period.
"""
from __future__ import annotations

import itertools
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from appraise.atomic import start_writeback
from appraise.display import safe_url
from appraise.errors import AppraiseError
from appraise.store.migrations import LATEST, current_version, migrate, write_transaction
from appraise.tables import PREVIOUS_COLUMNS

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
    sa.Column("manifest_sha256", sa.String(64)), sa.Column("replaced_run", sa.Integer),
    sa.Column("unchanged", sa.Boolean),
)
results = sa.Table(
    "results", _md,
    sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("employee", sa.String(200), primary_key=True),
    sa.Column("scorecard", sa.String(200)), sa.Column("score", sa.Float), sa.Column("grade", sa.String(40)),
    sa.Column("grade_uncalibrated", sa.String(40)), sa.Column("bonus", sa.String(40)), sa.Column("entry", sa.Text),
)
cycle_locks = sa.Table(
    "cycle_locks", _md,
    sa.Column("cycle", sa.String(16), primary_key=True),
    sa.Column("ruleset_id", sa.String(200), primary_key=True, default=""),  # '': the whole period
    sa.Column("pid", sa.Integer),
    sa.Column("hostname", sa.String(255)), sa.Column("process_start", sa.String(40)),
    sa.Column("started_at", sa.DateTime),
)
run_reads = sa.Table(
    "run_reads", _md,
    sa.Column("run_id", sa.Integer, primary_key=True), sa.Column("cycle", sa.String(16), primary_key=True),
    sa.Column("ruleset_id", sa.String(200), primary_key=True), sa.Column("why", sa.String(80), primary_key=True),
    sa.Column("read_run", sa.Integer),
)

SQLITE_PAGE_SIZE = 16384  # bytes per page of a new SQLite store
INSERT_CHUNK = 5000  # rows per batch of bulk_insert (PostgreSQL's COPY takes them all)
RESULT_COLUMNS = ("run_id", "employee", "scorecard", "score", "grade", "grade_uncalibrated", "bonus", "entry")
# results columns that hold the entry's top-level field of the same name (see _result_rows)
ENTRY_COLUMNS = _ENTRY_COLUMNS = ("scorecard", "score", "grade", "grade_uncalibrated", "bonus")


def _json_path(key: str) -> str:
    """A SQLite JSON path to the top-level ``key`` (quoted: any characters)."""
    return "$." + json.dumps(key)


def _picked(dialect: str, fields: Sequence[str]) -> list[sa.ColumnElement] | None:
    """The top-level ``fields`` of each stored entry as one JSON array text per row, by the database (SQLite
    ``json_extract``, PostgreSQL ``->`` on ``json``: both keep a number's text as written); [] for no fields;
    None for a database without JSON functions."""
    if not fields:
        return []
    if dialect == "sqlite":  # one JSON array of the values (null: missing); twice a lone one
        paths = [_json_path(f) for f in (fields if len(fields) > 1 else list(fields) * 2)]
        return [sa.func.json_extract(results.c.entry, *paths)]
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        parsed = sa.cast(results.c.entry, postgresql.JSON())
        return [sa.cast(sa.func.json_build_array(*(sa.func.json_extract_path(parsed, f) for f in fields)), sa.Text)]
    return None


# json.dumps(e, ensure_ascii=False), with the encoder built once rather than per employee
_entry_json = json.JSONEncoder(ensure_ascii=False).encode


def _result_rows(run_id: int, employees: Iterable[Mapping[str, Any]]) -> Iterable[tuple]:
    """The ``results`` rows of a run, one tuple per employee in :data:`RESULT_COLUMNS` order, made as they are
    written (the entries' JSON text is never all in memory at once)."""
    for e in employees:
        yield (run_id, e["id"], e.get("scorecard"), e.get("score"), e.get("grade"), e.get("grade_uncalibrated"),
               e.get("bonus"), _entry_json(e))


def _insert_results(conn: sa.Connection, run_id: int, employees: Iterable[Mapping[str, Any]],
                    prepared: Iterable[Sequence[Any]] | None = None, frames: Iterable[Any] | None = None) -> int:
    """Write a run's results inside the open transaction of ``conn``, in bulk (:func:`bulk_insert`); returns the
    count.

    The rows come from the document's ``employees``, from ``prepared`` tuples, or from ``frames``: polars tables
    of the columns of :data:`RESULT_COLUMNS` after ``run_id``, in that order (see :func:`_frame_rows`).  From
    ``frames`` each batch is made from the tables' column lists, and SQLite is handed the entries as their UTF-8
    bytes, made text again by SQLite (``CAST(? AS TEXT)``: the same bytes, stored as text), so that no entry is
    decoded into a Python string only to be encoded back."""
    if frames is not None:
        as_bytes = conn.dialect.name == "sqlite"
        return bulk_insert(conn, results, RESULT_COLUMNS, _frame_rows(run_id, frames, text=not as_bytes),
                           text_from_bytes=("entry",) if as_bytes else ())
    rows = _result_rows(run_id, employees) if prepared is None else ((run_id, *r) for r in prepared)
    return bulk_insert(conn, results, RESULT_COLUMNS, batched(rows))


def batched(rows: Iterable[Sequence[Any]], size: int | None = None) -> Iterator[list[Sequence[Any]]]:
    """``rows`` in lists of ``size`` (default :data:`INSERT_CHUNK`), for :func:`bulk_insert`."""
    it = iter(rows)
    while batch := list(itertools.islice(it, size or INSERT_CHUNK)):
        yield batch


def bulk_insert(conn: sa.Connection, table: sa.Table, columns: Sequence[str],
                batches: Iterable[Iterable[Sequence[Any]]], *, text_from_bytes: Sequence[str] = ()) -> int:
    """Insert rows (tuples in ``columns`` order, given in ``batches``) into ``table`` inside the open transaction
    of ``conn``; returns the count.  A batch is rows, or :class:`Columns`.  SQLite: a hundred rows a statement
    (:func:`_sqlite_insert`); ``text_from_bytes``: columns whose values come as UTF-8 bytes, stored as the text of
    those bytes (``CAST(? AS TEXT)``).  PostgreSQL through psycopg 3: one ``COPY ... FROM STDIN``
    (``text_from_bytes`` must be empty: values as they are stored).  Anything else: SQLAlchemy's ``executemany``
    per batch.  Nothing is visible before the caller's commit."""
    count = 0
    raw: Any = conn.connection.driver_connection
    dialect = conn.dialect.name
    if dialect == "postgresql" and type(raw).__module__.split(".")[0] == "psycopg":  # psycopg 3 (not psycopg2)
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row(row)
                    count += 1
        return count
    if dialect == "sqlite":
        return _sqlite_insert(raw, table.name, columns, batches, text_from_bytes)
    for batch in batches:
        rows = [dict(zip(columns, r, strict=True)) for r in batch]
        if rows:
            conn.execute(table.insert(), rows)
        count += len(rows)
    return count


ROWS_PER_STATEMENT = 100  # SQLite: rows per INSERT statement (a multi-row VALUES list; see _sqlite_insert)


class Columns:
    """A batch of rows for :func:`bulk_insert` given as its columns' value lists (all of one length, in the
    columns' order); iterating it gives the row tuples."""

    __slots__ = ("lists",)

    def __init__(self, lists: Sequence[Sequence[Any]]):
        self.lists = lists

    def __iter__(self) -> Iterator[tuple]:
        return zip(*self.lists, strict=True)

    def flat(self) -> list[Any]:
        """Every row's values one row after the other."""
        n = len(self.lists[0]) if self.lists else 0
        if any(len(values) != n for values in self.lists):
            raise ValueError("columns of unequal lengths")
        width = len(self.lists)
        out: list[Any] = [None] * (width * n)
        for k, values in enumerate(self.lists):
            out[k::width] = values
        return out


def _sqlite_insert(raw: Any, table: str, columns: Sequence[str], batches: Iterable[Iterable[Sequence[Any]]],
                   text_from_bytes: Sequence[str]) -> int:
    """:func:`bulk_insert` into SQLite: each batch as statements of :data:`ROWS_PER_STATEMENT` rows (``INSERT ...
    VALUES (...), (...), ...``, as many as SQLite's limit of parameters allows) run by the driver's ``executemany``,
    the rest of the batch in one more statement.  The rows are inserted in the same order, one at a time by SQLite,
    as one statement per row inserts them (the same rows, row ids and pages); what one statement per row costs
    besides (the driver's and SQLite's work per statement run: ~40% of inserting 100,000 results) is paid once per
    hundred rows."""
    import sqlite3

    width = len(columns)
    try:
        limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except (AttributeError, sqlite3.Error):  # Python < 3.11: SQLite's smallest default limit
        limit = 999
    per = max(1, min(ROWS_PER_STATEMENT, limit // width))
    one = "(" + ", ".join("CAST(? AS TEXT)" if c in text_from_bytes else "?" for c in columns) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    statements: dict[int, str] = {}

    def sql(rows: int) -> str:
        if rows not in statements:
            statements[rows] = head + ", ".join([one] * rows)
        return statements[rows]

    count = 0
    cur = raw.cursor()
    try:
        for batch in batches:
            if isinstance(batch, Columns):
                flat = batch.flat()
            else:
                rows = list(batch)
                if any(len(r) != width for r in rows):
                    raise ValueError(f"a row of {table} without its {width} values")
                flat = list(itertools.chain.from_iterable(rows))
            n = len(flat) // width
            full, rest = divmod(n, per)
            step = per * width
            if full:
                cur.executemany(sql(per), [flat[at:at + step] for at in range(0, full * step, step)])
                count += cur.rowcount
            if rest:
                cur.execute(sql(rest), flat[full * step:])
                count += cur.rowcount
    finally:
        cur.close()
    return count


def _frame_rows(run_id: int, frames: Iterable[Any], *, text: bool = True) -> Iterable[Any]:
    """The ``results`` rows of polars tables (employee, scorecard, score, grade, grade_uncalibrated, bonus, entry
    columns, in that order), :data:`INSERT_CHUNK` at a time, each batch the :class:`Columns` of
    :data:`RESULT_COLUMNS` made from the batch's column lists (the values ``iter_rows`` gives, without a row's
    worth of polars calls per row).  ``text=False``: the entry as its UTF-8 bytes (see
    :func:`_insert_results`).  A batch's values exist only while it is written."""
    import polars as pl

    for frame in frames:
        if frame.width != len(RESULT_COLUMNS) - 1:
            raise ValueError(f"results frame of {frame.width} columns, not {len(RESULT_COLUMNS) - 1}")
        for start in range(0, frame.height, INSERT_CHUNK):
            part = frame.slice(start, INSERT_CHUNK)
            *small, entry = part.get_columns()
            entries = entry.to_list() if text else (_byte_views(entry) if BYTE_VIEWS else None)
            if entries is None:
                entries = entry.cast(pl.Binary).to_list()
            yield Columns([[run_id] * part.height, *(c.to_list() for c in small), entries])


BYTE_VIEWS = True  # SQLite is handed views of the entries' bytes where polars holds them (tests switch it off)


def _byte_views(s) -> list[memoryview] | None:
    """Each value of the String series ``s`` as a view of the UTF-8 bytes in the buffer polars keeps it in (what
    ``s.cast(pl.Binary).to_list()`` gives as new ``bytes``, without copying ~2 KB an entry once more before SQLite
    copies it: 0.06 s of 0.6 s at 100,000 entries); None when a value is not in a buffer (a null, or 12 bytes or
    fewer, which polars keeps in the value's view itself): then the bytes are made."""
    import polars as pl

    from appraise.tables import string_view_layout

    if len(s) == 0 or s.null_count():
        return None
    arr = s.to_arrow(compat_level=pl.CompatLevel.newest())
    if hasattr(arr, "combine_chunks"):
        arr = arr.combine_chunks()
    laid = string_view_layout(arr)
    if laid is None:
        return None
    lens, idx, off, bufs = laid
    data = [memoryview(b) if b is not None else None for b in bufs]
    if any(d is None for d in data):
        return None
    return [data[b][at:at + n] for n, b, at in zip(lens.tolist(), idx.tolist(), off.tolist())]


def _same_results(conn: sa.Connection, old_run: int, new_run: int) -> bool:
    """Whether two runs stored the same results (employee, scorecard, score, grade, grade before calibration,
    bonus; the entries' other content aside), compared by the database (:func:`same_rows`)."""
    return same_rows(conn, results, ("employee", "scorecard", "score", "grade", "grade_uncalibrated", "bonus"),
                     old_run, new_run)


def same_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str], old_run: int, new_run: int) -> bool:
    """Whether two runs' rows of ``table`` (keyed by ``run_id`` and a unique ``employee``) hold the same
    ``columns``, compared by the database: as many rows, and no row of the old run without an equal one (NULL
    equal to NULL) in the new one.  A set difference (``EXCEPT``), not a join: its plan does not depend on
    statistics of rows written in this very transaction."""
    counts: dict[int, int] = dict(conn.execute(sa.select(table.c.run_id, sa.func.count()).where(
        table.c.run_id.in_([old_run, new_run])).group_by(table.c.run_id)).all())
    if counts.get(old_run, 0) != counts.get(new_run, 0):
        return False
    gone = sa.except_(*(sa.select(*(table.c[c] for c in columns)).where(table.c.run_id == run)
                        for run in (old_run, new_run))).subquery()
    return conn.execute(sa.select(sa.func.count()).select_from(gone)).scalar() == 0


def _complete(conn: sa.Connection, run_id: int, cycle: str, count: int, document: Mapping[str, Any],
              before_commit: Callable[[], None] | None, reads: Iterable[Mapping[str, Any]],
              manifest_sha256: str | None, also: Callable[[sa.Connection, int, int | None], bool] | None) -> None:
    """What :meth:`Store.complete_run` does once a run's ``count`` results are inserted, in the same transaction:
    the run replaced is no longer current, ``also``, whether the results equal the replaced run's, the reads, the
    run made complete and current; ``before_commit`` last."""
    ruleset_id = conn.execute(sa.select(runs.c.ruleset_id).where(runs.c.id == run_id)).scalar()
    mine = (runs.c.cycle == cycle) & (runs.c.ruleset_id == ruleset_id) & runs.c.is_current
    replaced = conn.execute(sa.select(runs.c.id).where(mine)).scalar()
    conn.execute(runs.update().where(mine).values(is_current=False))
    same_also = also(conn, run_id, replaced) if also is not None else True
    # the same stored results as the run replaced? (then nothing that read it is stale)
    unchanged = (_same_results(conn, replaced, run_id) and same_also) if replaced is not None else None
    read_rows = [{"run_id": run_id, "cycle": r["cycle"], "ruleset_id": r["ruleset_id"], "why": r["why"],
                  "read_run": r.get("read_run")} for r in reads]
    if read_rows:
        conn.execute(run_reads.insert(), read_rows)
    conn.execute(runs.update().where(runs.c.id == run_id).values(
        status="complete", is_current=True, finished_at=_now(), employees=count,
        errors=len(document.get("errors") or []), replaced_run=replaced, unchanged=unchanged,
        manifest_sha256=manifest_sha256))
    if before_commit is not None:
        before_commit()


class ResultsWriter:
    """A run's results stored while the run still makes its other outputs: a thread of its own opens the write
    transaction (``BEGIN IMMEDIATE``), inserts each table handed to :meth:`add` as it comes (the rows as
    :meth:`Store.complete_run`'s ``frames``; SQLite writes with the interpreter lock let go), and on
    :meth:`complete` does in that transaction what :meth:`Store.complete_run` does after its insert, then commits:
    the same rows and run, only written earlier.  :meth:`abort` (or an error) rolls everything back.  The
    connection is used by that thread alone (pysqlite's rule); the write lock is held from the first
    :meth:`add` on, so nothing else may read this store in the meantime (SQLite takes its exclusive lock once
    the page cache spills)."""

    _ABORT = object()

    def __init__(self, engine: sa.Engine, run_id: int, depth: int = 2):
        import queue
        import threading
        from concurrent.futures import Future

        self.run_id = run_id
        self._engine = engine
        self._queue: queue.Queue = queue.Queue(maxsize=depth)  # tables waiting (a chunk of 25,000 entries ~55 MB)
        self._result: Future = Future()
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="appraise-store", daemon=True)
        self._thread.start()

    def add(self, frame: Any) -> None:
        """Queue a table of results rows (waits while ``depth`` tables wait already)."""
        import queue

        while self._thread.is_alive():
            if self._result.done():  # failed: said now rather than at the end
                break
            try:
                self._queue.put(("add", frame), timeout=0.1)
                return
            except queue.Full:
                continue
        self._result.result()  # the error that ended it
        raise StoreError("the results store's writer was closed before the run's results were all written")

    def complete(self, cycle: str, document: Mapping[str, Any], before_commit: Callable[[], None] | None = None,
                 reads: Iterable[Mapping[str, Any]] = (), manifest_sha256: str | None = None,
                 also: Callable[[sa.Connection, int, int | None], bool] | None = None,
                 expected: int | None = None) -> int:
        """Finish as :meth:`Store.complete_run` finishes and commit; returns the count of results stored.
        ``expected``: the count there must be (else nothing is committed)."""
        self._closed = True
        self._queue.put(("complete", (cycle, document, before_commit, list(reads), manifest_sha256, also, expected)))
        self._thread.join()
        return self._result.result()

    def abort(self) -> None:
        """Roll back whatever was written (nothing when :meth:`complete` already ran)."""
        if not self._closed:
            self._closed = True
            self._queue.put(("abort", None))
        self._thread.join()

    def _work(self) -> None:
        count, what = 0, "add"
        disk = _written_file(self._engine)
        handed = os.fstat(disk).st_size if disk is not None else 0  # what the store held before
        try:
            with write_transaction(self._engine) as conn:
                while True:
                    what, item = self._queue.get()
                    if what == "add":
                        count += _insert_results(conn, self.run_id, [], frames=[item])
                        if disk is not None:  # the pages SQLite appended meanwhile go to the disk now, not in the
                            # commit (those it may write again, before them, are left to the commit)
                            end = os.fstat(disk).st_size
                            start_writeback(disk, handed, end - handed)
                            handed = end
                        continue
                    if what == "abort":
                        raise _Aborted
                    cycle, document, before_commit, reads, sha, also, expected = item
                    if expected is not None and count != expected:
                        raise ValueError(f"{count} stored results for {expected} employees")
                    _complete(conn, self.run_id, cycle, count, document, before_commit, reads, sha, also)
                    break
            self._result.set_result(count)
        except _Aborted:
            self._result.set_result(0)
        except BaseException as exc:  # handed to the caller; what else comes is taken and dropped
            self._result.set_exception(exc)
            while what == "add":  # until complete or abort comes (add() stops adding now)
                what, _ = self._queue.get()
        finally:
            if disk is not None:
                os.close(disk)


def _written_file(engine: sa.Engine) -> int | None:
    """A file descriptor of a SQLite store's database file (read-only, to hand its written pages to the disk early:
    :func:`appraise.atomic.start_writeback`), None for another database or when it cannot be opened."""
    path = _sqlite_path(engine.url) if engine.dialect.name == "sqlite" else None
    if path is None:
        return None
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


class _Aborted(Exception):
    """ResultsWriter.abort was called."""


class StoreError(AppraiseError):
    """The results store cannot be used as asked."""


class CycleLocked(StoreError):
    """Another run of the same cycle holds the lock."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


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

    Transactions opened through :func:`appraise.store.migrations.write_transaction`
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
        # a new store gets 16 KiB pages (an existing one keeps its own: this is then a no-op): each stored
        # entry is a few KiB of JSON, and writing 100,000 of them took half the time of 4 KiB pages
        dbapi_connection.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")

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
    ruleset_id: str = ""


class Store:
    """An open results store (use as a context manager, or call :meth:`close`)."""

    def __init__(self, url: str, *, migrate_schema: bool = True):
        self.url = url
        try:
            self.engine = create_engine(url)
            if migrate_schema:
                migrate(self.engine)
        except _CANNOT_OPEN as exc:
            raise _cannot_open(url, exc) from None

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return current_version(conn)

    # ------------------------------------------------------------------ locks

    def lock(self, cycle: str, ruleset_id: str = "", *, break_lock: bool = False) -> Lock:
        """Take the lock of (``cycle``, ``ruleset_id``) in its own transaction; raises :class:`CycleLocked` when
        it is held.  Runs of other rulesets of the same period are not blocked; a lock with ruleset id ''
        (an older appraise's, or taken for the whole period) blocks and is blocked by every ruleset's."""
        me = Lock(cycle, os.getpid(), socket.gethostname(), _process_start(os.getpid()), _now(), ruleset_id)
        c = cycle_locks.c
        clash = (c.cycle == cycle) & (sa.true() if not ruleset_id else c.ruleset_id.in_([ruleset_id, ""]))
        what = f"cycle {cycle}" + (f" (ruleset {ruleset_id})" if ruleset_id else "")
        for _ in range(3):
            with write_transaction(self.engine) as conn:
                row = conn.execute(sa.select(cycle_locks).where(clash)).mappings().first()
                if row is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(cycle_locks.insert().values(
                                cycle=cycle, ruleset_id=ruleset_id, pid=me.pid, hostname=me.hostname,
                                process_start=me.process_start, started_at=me.started_at))
                        return me
                    except sa.exc.IntegrityError:
                        continue  # taken meanwhile (PostgreSQL): look again
                stale = row["hostname"] == me.hostname and not _alive(row["pid"], row["process_start"])
                if not (stale or break_lock):
                    raise CycleLocked(
                        f"cycle {cycle} is being run by process {row['pid']} on {row['hostname']} since "
                        f"{row['started_at']:%Y-%m-%d %H:%M:%S} UTC"
                        + (f" with ruleset {row['ruleset_id']}" if row["ruleset_id"] else "")
                        + "; wait for it to finish"
                        + ("" if row["hostname"] == me.hostname else
                           " (if that run is gone, `appraise run --break-lock` removes its lock)"))
                # the owner is gone: take over (the delete matches only the row we looked at)
                gone = conn.execute(cycle_locks.delete().where(
                    (c.cycle == cycle) & (c.ruleset_id == row["ruleset_id"]) & (c.pid == row["pid"])
                    & (c.hostname == row["hostname"])))
                if gone.rowcount == 1:
                    owner = (runs.c.cycle == cycle) & (runs.c.status == "running") & (runs.c.pid == row["pid"]) \
                        & (runs.c.hostname == row["hostname"])
                    if row["ruleset_id"]:
                        owner = owner & (runs.c.ruleset_id == row["ruleset_id"])
                    conn.execute(runs.update().where(owner).values(
                        status="failed", finished_at=me.started_at,
                        message="interrupted: its process ended without finishing; lock taken over"))
        raise CycleLocked(f"could not take the lock of {what}: other runs keep taking it")

    def unlock(self, lock: Lock) -> None:
        """Release a lock taken by :meth:`lock` (only if it is still ours)."""
        c = cycle_locks.c
        with write_transaction(self.engine) as conn:
            conn.execute(cycle_locks.delete().where(
                (c.cycle == lock.cycle) & (c.ruleset_id == lock.ruleset_id) & (c.pid == lock.pid)
                & (c.hostname == lock.hostname)))

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
                     before_commit: Callable[[], None] | None = None,
                     reads: Iterable[Mapping[str, Any]] = (), manifest_sha256: str | None = None,
                     rows: Iterable[Sequence[Any]] | None = None, frames: Iterable[Any] | None = None,
                     also: Callable[[sa.Connection, int, int | None], bool] | None = None) -> int:
        """Store a run's results and make it the current run of its (period, ruleset id), in one transaction;
        returns the count.

        The previous current run of the same period and ruleset stays, marked not current (``replaced_run``
        of the new run names it); other rulesets' runs of the period are untouched.  ``reads`` records what
        the run read of other runs (``{cycle, ruleset_id, why, read_run}``), so that a later re-run of those
        can report this one stale.  ``before_commit`` runs inside the transaction just before the commit
        (crash tests).  ``manifest_sha256``: the sha256 of the output folder's ``manifest.json``, staged
        before the commit.

        The results are written in bulk (see :func:`_insert_results`), each entry encoded as it is written.
        ``rows``: the results already prepared, one sequence per employee of (employee, scorecard, score, grade,
        grade_uncalibrated, bonus, entry JSON text as ``json.dumps(entry, ensure_ascii=False)``), e.g. a polars
        frame's ``iter_rows()``; stored instead of the document's employees, which they must equal.  ``frames``:
        the same as polars tables of those seven columns in that order (the entry a String column), stored the
        cheapest way (see :func:`_insert_results`).
        ``also(conn, run_id, replaced run id)`` stores more of the run in the same transaction (an incentive plan's
        draw ledger, :func:`appraise.store.draws.writer`) and says whether that equals what the replaced run stored.
        """
        with write_transaction(self.engine) as conn:
            count = _insert_results(conn, run_id, document.get("employees", []), rows, frames)
            _complete(conn, run_id, cycle, count, document, before_commit, reads, manifest_sha256, also)
        return count

    def results_writer(self, run_id: int) -> ResultsWriter:
        """A :class:`ResultsWriter` for ``run_id``: its results stored while the run is still exporting (SQLite)."""
        return ResultsWriter(self.engine, run_id)

    def run_versions(self, run_ids: Iterable[int]) -> dict[int, str | None]:
        """``{run id: ruleset version}`` of the given runs (those that exist)."""
        ids = sorted(set(run_ids))
        if not ids:
            return {}
        q = sa.select(runs.c.id, runs.c.ruleset_version).where(runs.c.id.in_(ids))
        with self.engine.connect() as conn:
            return {i: v for i, v in conn.execute(q)}

    def current_run(self, cycle: str, ruleset_id: str) -> dict[str, Any] | None:
        """The current complete run of (``cycle``, ``ruleset_id``), or None."""
        q = sa.select(runs).where((runs.c.cycle == cycle) & (runs.c.ruleset_id == ruleset_id) & runs.c.is_current
                                  & (runs.c.status == "complete"))
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
        return dict(row) if row else None

    def run_results(self, run_id: int, fields: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The stored results of one run, by employee id: full entries, or with ``fields`` only ``id`` and those
        top-level fields of each entry (None where the entry has none).

        With ``fields`` the entries are not parsed in Python: the stored columns give score, grade, grade before
        calibration, bonus and scorecard (the values the entries hold), and the database's JSON functions pick
        the others out of the entry text (SQLite ``json_extract``, PostgreSQL ``->`` on ``json``: both keep a
        number's text as written, so it parses to the same value); a database without them parses every entry.
        At 100,000 employees this is the difference between well under a second and several seconds."""
        q = sa.select(results.c.entry).where(results.c.run_id == run_id).order_by(results.c.employee)
        if fields is None:
            with self.engine.connect() as conn:
                return [json.loads(e) for (e,) in conn.execute(q)]
        fields = list(dict.fromkeys(fields))
        columns = [f for f in fields if f in _ENTRY_COLUMNS]
        extra = [f for f in fields if f not in _ENTRY_COLUMNS]
        with self.engine.connect() as conn:
            found = _picked(conn.dialect.name, extra)
            if found is None:
                return [{"id": e["id"], **{f: e.get(f) for f in fields}} for e in self.run_results(run_id)]
            picked = found
            q = (sa.select(results.c.employee, *(results.c[f] for f in columns), *picked)
                 .where(results.c.run_id == run_id).order_by(results.c.employee))
            out = []
            for row in conn.execute(q):
                entry = {"id": row[0], **dict(zip(columns, row[1:1 + len(columns)], strict=True))}
                if extra:
                    entry.update(zip(extra, json.loads(row[-1])[:len(extra)], strict=True))
                out.append({"id": entry["id"], **{f: entry[f] for f in fields}})
            return out

    def run_table(self, run_id: int, fields: Iterable[str]):
        """The stored results of one run as a polars table, by employee id: ``id`` and each of ``fields`` — the
        stored columns (scorecard, score, grade, grade before calibration, bonus) as they are, any other top-level
        field of the entries as its JSON text (None where an entry has none, or null).  One query, however many
        employees (what the recalculation ledger of a re-run reads): the database picks the other fields out of
        each entry at once, as :meth:`run_results` does with ``fields`` (SQLite ``json_extract``, PostgreSQL
        ``json_build_array``), and what it gives is decoded once per distinct text (a handful when they are
        lists of outcomes, as many as the people when they are amounts)."""
        import polars as pl

        fields = list(dict.fromkeys(fields))
        columns = [f for f in fields if f in _ENTRY_COLUMNS]
        extra = [f for f in fields if f not in _ENTRY_COLUMNS]
        schema = {"id": pl.Utf8, **{f: pl.Float64 if f == "score" else pl.Utf8 for f in columns}}
        with self.engine.connect() as conn:
            picked = _picked(conn.dialect.name, extra)
            texts: Sequence[Any]
            if extra and picked is None:  # no JSON functions: the entries parsed
                texts = [[e["id"], *(e.get(f) for f in columns), json.dumps([e.get(f) for f in extra])]
                         for e in self.run_results(run_id)]
            else:
                q = (sa.select(results.c.employee, *(results.c[f] for f in columns), *(picked or []))
                     .where(results.c.run_id == run_id).order_by(results.c.employee))
                texts = conn.execute(q).all()
        table = pl.DataFrame([tuple(r) for r in texts], schema={**schema, **({"~x": pl.Utf8} if extra else {})},
                             orient="row")
        if extra:
            arrays = table["~x"]
            uniq = arrays.drop_nulls().unique()
            decoded = [json.loads(v)[:len(extra)] for v in uniq.to_list()]
            for n, f in enumerate(extra):
                mapped = pl.Series([None if d[n] is None else json.dumps(d[n], ensure_ascii=False) for d in decoded],
                                   dtype=pl.Utf8)
                table = table.with_columns(arrays.replace_strict(uniq, mapped, default=None, return_dtype=pl.Utf8)
                                           .alias(f))
        return table.select("id", *fields)

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

    def current_results(self, cycle: str, ruleset_id: str | None = None) -> list[dict[str, Any]]:
        """The current results of ``cycle`` (full entries), by employee id: of ``ruleset_id``, or of every
        ruleset appraising the period."""
        where = (runs.c.cycle == cycle) & runs.c.is_current
        if ruleset_id is not None:
            where = where & (runs.c.ruleset_id == ruleset_id)
        q = (sa.select(results.c.entry).join(runs, runs.c.id == results.c.run_id).where(where)
             .order_by(results.c.employee, runs.c.ruleset_id))
        with self.engine.connect() as conn:
            return [json.loads(e) for (e,) in conn.execute(q)]


# ---------------------------------------------------------------------- reading (never creates a store)


def _reader(url: str) -> sa.Engine | None:
    """The store to read, or None when it holds nothing yet (a SQLite file not made yet, or a database without
    appraise's tables).  A store that cannot be opened (server down, wrong password, no driver) is a
    :class:`StoreError`, never "nothing stored": a run that nets what was paid, or reads last period, must not
    go on as if nothing had been paid or scored."""
    if not _exists(url):
        return None
    try:
        engine = create_engine(url, write=False)
    except _CANNOT_OPEN as exc:
        raise _cannot_open(url, exc) from None
    try:
        with engine.connect() as conn:
            if current_version(conn) < 1:
                engine.dispose()
                return None
    except _CANNOT_OPEN as exc:
        engine.dispose()
        raise _cannot_open(url, exc) from None
    return engine


_CANNOT_OPEN = (sa.exc.ArgumentError, sa.exc.OperationalError, sa.exc.NoSuchModuleError, ImportError)


def _cannot_open(url: str, exc: BaseException) -> StoreError:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return StoreError(f"cannot open the results store {safe_url(url)}: {first[0] if first else exc}")


def _period_of(cycle) -> Any:
    from appraise.language.period import Period, parse

    if isinstance(cycle, Period):
        return cycle
    if hasattr(cycle, "period"):
        return cycle.period
    return parse(str(cycle))


def _current_columns(engine: sa.Engine, pairs: Iterable[tuple[str, str | None]], columns: tuple[str, ...]
                     ) -> tuple[dict[str, list], dict[tuple[str, str], int]]:
    """What the current complete runs of the (period, ruleset id) ``pairs`` hold (ruleset id None: every ruleset
    of that period), in **one query**: the columns ``cycle``, ``ruleset_id`` and ``columns`` (of ``results``,
    starting with ``employee``) as lists, in (employee, period) order, and the runs found:
    ``{(cycle, ruleset id): run id}`` (a run without results too)."""
    pairs = list(dict.fromkeys(pairs))
    which = sa.or_(*((runs.c.cycle == c) & (runs.c.ruleset_id == r) if r is not None else runs.c.cycle == c
                     for c, r in pairs))
    q = (sa.select(runs.c.id, runs.c.cycle, runs.c.ruleset_id, *(results.c[c] for c in columns))
         .select_from(runs.outerjoin(results, results.c.run_id == runs.c.id))
         .where(which & runs.c.is_current & (runs.c.status == "complete"))
         .order_by(results.c.employee, runs.c.cycle))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    found = {(r[1], r[2]): r[0] for r in rows}
    names = ("cycle", "ruleset_id", *columns)
    # a run without results comes as one row of NULLs (the outer join); results always have an employee
    kept = [r[1:] for r in rows if r[3] is not None]  # columns[0] is the employee
    data = {n: list(col) for n, col in zip(names, zip(*kept, strict=True) if kept else [()] * len(names),
                                           strict=True)}
    return data, found


_PREVIOUS_SCHEMA = {"employee": "Utf8", "grade": "Utf8", "grade_uncalibrated": "Utf8", "score": "Float64",
                    "bonus": "Utf8", "scorecard": "Utf8"}


def _frame(data: dict[str, list], schema: Mapping[str, str]):
    import polars as pl

    return pl.DataFrame({k: data[k] for k in schema}, schema={k: getattr(pl, t) for k, t in schema.items()})


def previous_results(store_url: str, cycle, ruleset_id: str | None = None):
    """The previous period's results as the engine's ``previous`` table, or None.

    ``cycle`` is a :class:`~appraise.language.cycle.Cycle`, a :class:`~appraise.language.period.Period`
    or a period id; "previous" is the period of the same kind just before it
    (``2026-Q3`` → ``2026-Q2``), taken from its current complete run of ``ruleset_id`` (the same ruleset:
    the reps' previous quarter, not the managers'; None: any ruleset).  Returns None when the store does
    not exist or holds nothing for that period.
    """
    prev = _period_of(cycle).previous().id
    engine = _reader(store_url)
    if engine is None:
        return None
    try:
        data, _ = _current_columns(engine, [(prev, ruleset_id)], tuple(PREVIOUS_COLUMNS))
    finally:
        engine.dispose()
    return _frame(data, _PREVIOUS_SCHEMA) if data["employee"] else None


@dataclass
class PeriodInputs:
    """What a run reads of other runs in the store (see :func:`period_inputs`)."""

    previous: Any = None            # the engine's ``previous`` table, or None
    subperiods: Any = None          # employee, ruleset, period, score: for ``periods:`` dimensions
    paid: Any = None                # employee, period, bonus: for ``bonus.net_of``
    stored: dict = field(default_factory=dict)   # (ruleset id, period) -> its current run id, or None: none
    reads: list = field(default_factory=list)    # rows for :meth:`Store.complete_run` (``reads=``)
    digests: dict = field(default_factory=dict)  # "store:<ruleset id>/<period>" -> sha256 of the stored results read
    known: tuple | None = None  # when something read has no stored run: the ruleset ids the store has runs of


def _digest(columns: list[list]) -> str:
    """The sha256 of stored results as read (content, not run ids: two stores holding the same results agree):
    ``columns`` are value lists, the first the employee ids of one run (unique: so sorting the rows by it
    orders them as sorting by every value's text would)."""
    import hashlib
    from operator import itemgetter

    text = json.dumps(sorted(zip(*columns, strict=True), key=itemgetter(0)),
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def period_inputs(store_url: str | None, period, ruleset) -> PeriodInputs:
    """Everything a run of ``ruleset`` for ``period`` reads from the store: its previous period's results
    under the same ruleset id, the reported scores of the sub-periods its ``periods:`` dimensions read, the
    bonuses ``bonus.net_of`` nets, and which run each came from (so a later re-run of one can report this
    run stale).  Empty when the store does not exist.  All of it is read in one query."""
    import polars as pl

    period = _period_of(period)
    out = PeriodInputs()
    reads_previous = any(obj == "previous" for e in ruleset.expressions() for obj, _ in e.fields)
    wanted: list[tuple[str, str, str]] = []  # (why, ruleset id, period id)
    for card in ruleset.scorecards:
        for d in card.dimensions:
            if d.periods is not None:
                wanted += [(f"periods:{d.key}", d.periods.ruleset, p.id) for p, _ in d.periods.parts(period)]
    net = ruleset.bonus.net_of if ruleset.bonus is not None else None
    if net is not None:
        wanted += [("net_of", net.ruleset, p.id) for p in period.subperiods(net.every)]
    wanted = list(dict.fromkeys(wanted))
    engine = _reader(store_url) if store_url else None
    prev_id = period.previous().id
    if engine is None:
        out.stored = {(r, p): None for _, r, p in wanted}
        out.reads = ([{"cycle": prev_id, "ruleset_id": ruleset.id, "why": "previous", "read_run": None}]
                     if reads_previous else []) + [{"cycle": p, "ruleset_id": r, "why": w, "read_run": None}
                                                   for w, r, p in wanted]
        return out
    try:
        data, found = _current_columns(engine, [(prev_id, ruleset.id), *((p, r) for _, r, p in wanted)],
                                       tuple(PREVIOUS_COLUMNS))
        if any((p, r) not in found for _, r, p in wanted):  # (a misspelt ruleset id is told from a period not run)
            with engine.connect() as conn:
                out.known = tuple(sorted(r for (r,) in conn.execute(
                    sa.select(runs.c.ruleset_id).where(runs.c.is_current & (runs.c.status == "complete"))
                    .distinct()) if r is not None))
    finally:
        engine.dispose()
    every = _frame(data, {"cycle": "Utf8", "ruleset_id": "Utf8", **_PREVIOUS_SCHEMA})

    def of(ruleset_id: str, periods) -> pl.DataFrame:  # in (employee, period) order, as read
        return every.filter((pl.col("ruleset_id") == ruleset_id) & pl.col("cycle").is_in(list(periods)))

    prev = of(ruleset.id, [prev_id])
    out.previous = prev.select(PREVIOUS_COLUMNS) if prev.height else None
    if reads_previous:
        out.reads.append({"cycle": prev_id, "ruleset_id": ruleset.id, "why": "previous",
                          "read_run": found.get((prev_id, ruleset.id))})
        if (prev_id, ruleset.id) in found:
            out.digests[f"store:{ruleset.id}/{prev_id}"] = _digest(
                [prev[c].to_list() for c in ("employee", "scorecard", "score", "grade", "grade_uncalibrated",
                                             "bonus")])
    blocks = []
    for rs_id in dict.fromkeys(r for _, r, _ in wanted):
        periods = sorted({p for _, r, p in wanted if r == rs_id})
        block = of(rs_id, periods)
        for p in periods:
            out.stored[(rs_id, p)] = found.get((p, rs_id))
            if found.get((p, rs_id)) is not None:
                mine = block.filter(pl.col("cycle") == p)
                out.digests[f"store:{rs_id}/{p}"] = _digest([mine[c].to_list() for c in ("employee", "score", "bonus")])
        blocks.append(block)
    out.reads += [{"cycle": p, "ruleset_id": r, "why": w, "read_run": out.stored.get((r, p))} for w, r, p in wanted]
    read = (pl.concat(blocks) if blocks else every.clear()).select(
        "employee", pl.col("ruleset_id").alias("ruleset"), pl.col("cycle").alias("period"), "score", "bonus")
    if any(w.startswith("periods:") for w, _, _ in wanted):
        out.subperiods = read.select("employee", "ruleset", "period", "score")
    if net is not None:
        out.paid = read.filter((pl.col("ruleset") == net.ruleset) & pl.col("period").is_in(
            [p.id for p in period.subperiods(net.every)])).select("employee", "ruleset", "period", "bonus")
    return out


def period_order(cycle: str):
    """How periods are listed: by end date, a longer period after the shorter ones it contains
    (2026-12, 2026-Q4, 2026-H2, 2026); anything that is not a period last."""
    from appraise.language.period import parse

    try:
        p = parse(cycle)
        return (0, p.end, p.months_count, cycle)
    except ValueError:
        return (1, datetime.min.date(), 0, cycle)


_cycle_order = period_order


def _period_end(cycle: str):
    from appraise.language.period import parse

    return parse(cycle).end


def history(store_url: str, employee_ids: Iterable[str] | None = None, *, kind: str | None = None,
            before: str | None = None, ruleset_id: str | None = None,
            fields: Iterable[str] = ()) -> dict[str, list[dict[str, Any]]]:
    """Past results per employee from the current runs:
    ``{id: [{cycle, ruleset, score, grade, bonus, ruleset_version}]}``, plus each of ``fields`` (top-level fields
    of the stored entries, such as ``kpis`` or ``bonus_detail``; None where an entry has none), read in the same
    query (SQLite picks them out of the entry with ``json_extract``; other databases parse the entry).

    In :func:`period_order` (by end date; a year after its quarters).  ``kind`` keeps periods of one kind
    (``quarter``...); ``before`` keeps periods that end before that period id starts; ``ruleset_id`` keeps
    one ruleset's results.  Empty when the store does not exist.  The runs are chosen first (a few rows), then
    their results are read in one query (by employee id in batches when a few people are asked for).
    """
    engine = _reader(store_url)
    if engine is None:
        return {}
    wanted = None if employee_ids is None else sorted(set(map(str, employee_ids)))
    where = runs.c.is_current & (runs.c.status == "complete")
    if kind is not None:
        where = where & (runs.c.kind == kind)
    if ruleset_id is not None:
        where = where & (runs.c.ruleset_id == ruleset_id)
    limit = None
    if before is not None:
        from appraise.language.period import parse

        limit = parse(before).start
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        with engine.connect() as conn:
            chosen = {r.id: r for r in conn.execute(
                sa.select(runs.c.id, runs.c.cycle, runs.c.ruleset_id, runs.c.ruleset_version).where(where))
                if limit is None or (period_order(r.cycle)[0] == 0 and _period_end(r.cycle) < limit)}
            extra = list(dict.fromkeys(fields))
            sqlite = conn.dialect.name == "sqlite"
            paths = [_json_path(f) for f in (extra if len(extra) > 1 else extra * 2)]
            picked = ([sa.func.json_extract(results.c.entry, *paths)] if extra and sqlite
                      else [results.c.entry] if extra else [])
            q = (sa.select(results.c.run_id, results.c.employee, results.c.score, results.c.grade, results.c.bonus,
                           *picked).where(results.c.run_id.in_(list(chosen))))
            # a few ids: ask for them (IN lists of 900 stay under SQLite's variable limit); many: read all
            small = wanted is not None and len(wanted) <= 5000
            batches: list[list[str] | None] = [None]
            if wanted is not None and small:
                batches = [wanted[i:i + 900] for i in range(0, len(wanted), 900)]
            only = set(wanted) if wanted is not None and not small else None
            for batch in batches if chosen else []:
                qb = q if batch is None else q.where(results.c.employee.in_(batch))
                for run, employee, score, grade, bonus, *more in conn.execute(qb):
                    if only is None or employee in only:
                        r = chosen[run]
                        row = {"cycle": r.cycle, "ruleset": r.ruleset_id, "score": score, "grade": grade,
                               "bonus": bonus, "ruleset_version": r.ruleset_version}
                        if extra:  # SQLite: one JSON array of the fields (a lone one asked twice); else the entry
                            found = json.loads(more[0]) if more[0] is not None else None
                            if sqlite:
                                row.update(zip(extra, found or [None] * len(extra), strict=False))
                            else:
                                row.update({f: (found or {}).get(f) for f in extra})
                        out.setdefault(employee, []).append(row)
    finally:
        engine.dispose()
    order = {(r.cycle, r.ruleset_id): (period_order(r.cycle), r.ruleset_id or "") for r in chosen.values()}
    for rows in out.values():
        if len(rows) > 1:
            rows.sort(key=lambda r: order[(r["cycle"], r["ruleset"])])
    return dict(sorted(out.items()))


def stale_runs(store_url: str) -> list[dict[str, Any]]:
    """Current runs whose results are out of date: they read a run (``previous``, ``periods:``, ``net_of``)
    that has since been replaced by one with other results (or a period that had no run then and has one now),
    or they read a run that is itself stale.  A re-run that stored the very same results (score, grade,
    grade before calibration, bonus, scorecard of the same employees) makes nothing stale.  Each: ``{run_id, cycle,
    ruleset_id, cycle_file, reasons: [{cycle, ruleset_id, why, read_run, now_run, stale}]}`` (``stale``: the read run
    is current but stale itself), in
    :func:`period_order` — the order to re-run them in.  Empty for a store without recorded reads."""
    engine = _reader(store_url)
    if engine is None:
        return []
    try:
        with engine.connect() as conn:
            if current_version(conn) < 4:
                return []
            current = {(row.cycle, row.ruleset_id): dict(row._mapping) for row in conn.execute(
                sa.select(runs.c.id, runs.c.cycle, runs.c.ruleset_id, runs.c.cycle_file)
                .where(runs.c.is_current & (runs.c.status == "complete")))}
            # runs whose results equal the run they replaced: reading either is reading the same results
            same = {row.id: row.replaced_run for row in conn.execute(
                sa.select(runs.c.id, runs.c.replaced_run).where(runs.c.unchanged.is_(True)))}
            by_run = {v["id"]: k for k, v in current.items()}
            reads: dict[int, list[dict]] = {}
            for row in conn.execute(sa.select(run_reads).where(run_reads.c.run_id.in_(list(by_run) or [-1]))):
                reads.setdefault(row.run_id, []).append(dict(row._mapping))
    finally:
        engine.dispose()
    def equivalent(now, read) -> bool:
        """``read`` is ``now``, or ``now`` replaced it (through runs that replaced each other) with equal results."""
        seen = set()
        while now is not None and now not in seen:
            if now == read:
                return True
            seen.add(now)
            now = same.get(now)
        return False

    reasons: dict[int, list[dict]] = {}
    for run_id, rows in reads.items():
        for r in rows:
            now = (current.get((r["cycle"], r["ruleset_id"])) or {}).get("id")
            if not (now == r["read_run"] or (r["read_run"] is not None and equivalent(now, r["read_run"]))):
                reasons.setdefault(run_id, []).append({**r, "now_run": now, "stale": False})
    changed = True
    while changed:  # a run that read a stale run is stale too
        changed = False
        for run_id, rows in reads.items():
            for r in rows:
                now = (current.get((r["cycle"], r["ruleset_id"])) or {}).get("id")
                if now is not None and equivalent(now, r["read_run"]) and now in reasons and not any(
                        (x["cycle"], x["ruleset_id"], x["why"]) == (r["cycle"], r["ruleset_id"], r["why"])
                        for x in reasons.get(run_id, [])):
                    reasons.setdefault(run_id, []).append({**r, "now_run": now, "stale": True})
                    changed = True
    out = []
    for run_id, why in reasons.items():
        cycle, rs = by_run[run_id]
        out.append({"run_id": run_id, "cycle": cycle, "ruleset_id": rs,
                    "cycle_file": current[(cycle, rs)]["cycle_file"],
                    "reasons": sorted(why, key=lambda x: (period_order(x["cycle"]), x["ruleset_id"], x["why"]))})
    return sorted(out, key=lambda x: (period_order(x["cycle"]), x["ruleset_id"]))


def open_store(url: str) -> Store:
    """Open (creating and upgrading as needed) the results store at ``url``."""
    return Store(url)


__all__ = ["Store", "ResultsWriter", "StoreError", "CycleLocked", "Lock", "open_store", "previous_results", "history",
           "period_inputs", "PeriodInputs", "stale_runs", "period_order", "create_engine", "LATEST"]
