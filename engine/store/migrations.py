"""The results store's schema, versioned: an ordered list of migration steps.

``schema_version`` holds one row, the number of steps applied.  :func:`migrate`
applies every missing step and bumps the version **in one transaction** (DDL is
transactional in SQLite and PostgreSQL), so a store is always at some version,
never between two.  Two processes migrating at once serialise on the
transaction's write lock (SQLite ``BEGIN IMMEDIATE``; a PostgreSQL advisory
lock) and the second finds nothing left to do.

A step is appended, never edited: a store created by an older appraise is
upgraded by running the steps it lacks.  Steps only use DDL both databases
understand (``CREATE TABLE``, ``ADD COLUMN``, ``CREATE INDEX``, ``DROP INDEX``, ``DROP TABLE``,
``RENAME TO``).
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from appraise.errors import AppraiseError

_ADVISORY_KEY = 0x61707072  # "appr": serialises migrations on PostgreSQL


def _step1(conn: Connection) -> None:
    """Runs (one per ``appraise run``) and their per-employee results."""
    md = sa.MetaData()
    sa.Table(
        "runs", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("ruleset_id", sa.String(200), nullable=False),
        sa.Column("ruleset_version", sa.String(100)),
        sa.Column("ruleset_sha256", sa.String(64), nullable=False),
        sa.Column("engine_version", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("is_current", sa.Boolean, nullable=False, default=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
    )
    sa.Table(
        "results", md,
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("employee", sa.String(200), primary_key=True),
        sa.Column("scorecard", sa.String(200)),
        sa.Column("score", sa.Float),
        sa.Column("grade", sa.String(40)),
        sa.Column("grade_uncalibrated", sa.String(40)),
        sa.Column("bonus", sa.String(40)),  # exact decimal string, as in results.json
        sa.Column("entry", sa.Text, nullable=False),  # the employee's full results.json entry
    )
    md.create_all(conn)
    # At most one current run per cycle, enforced by the database itself.
    conn.execute(sa.text("CREATE UNIQUE INDEX ix_runs_current ON runs (cycle) WHERE is_current"
                         if conn.dialect.name == "postgresql" else
                         "CREATE UNIQUE INDEX ix_runs_current ON runs (cycle) WHERE is_current = 1"))


def _step2(conn: Connection) -> None:
    """One lock row per cycle: concurrent runs of a cycle are refused."""
    md = sa.MetaData()
    sa.Table(
        "cycle_locks", md,
        sa.Column("cycle", sa.String(16), primary_key=True),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("process_start", sa.String(40)),  # /proc start time: tells a reused pid apart
        sa.Column("started_at", sa.DateTime, nullable=False),
    )
    md.create_all(conn)


def _step3(conn: Connection) -> None:
    """What a run read and who ran it; results by employee for ``appraise history``."""
    for column, kind in (("kind", "VARCHAR(8)"), ("cycle_file", "TEXT"), ("ruleset_path", "TEXT"),
                         ("inputs", "TEXT"), ("pid", "INTEGER"), ("hostname", "VARCHAR(255)"),
                         ("employees", "INTEGER"), ("errors", "INTEGER"), ("message", "TEXT"),
                         ("manifest_sha256", "VARCHAR(64)")):
        conn.execute(sa.text(f"ALTER TABLE runs ADD COLUMN {column} {kind}"))
    conn.execute(sa.text("CREATE INDEX ix_results_employee ON results (employee)"))
    conn.execute(sa.text("CREATE INDEX ix_runs_cycle ON runs (cycle, status)"))


def _step4(conn: Connection) -> None:
    """Several rulesets per period (issue 15): one current run per (period, ruleset id), locks per (period,
    ruleset id), which run each run replaced, and what each run read of other runs (previous, ``periods:``,
    ``net_of``), so re-running a period can tell which results became stale.

    A store written before keeps every run and result; its runs simply have no recorded reads (so they are never
    reported stale).  A lock row of an older appraise (ruleset id '') keeps locking its whole period."""
    pg = conn.dialect.name == "postgresql"
    conn.execute(sa.text("DROP INDEX ix_runs_current"))
    conn.execute(sa.text("CREATE UNIQUE INDEX ix_runs_current ON runs (cycle, ruleset_id) WHERE is_current"
                         if pg else
                         "CREATE UNIQUE INDEX ix_runs_current ON runs (cycle, ruleset_id) WHERE is_current = 1"))
    conn.execute(sa.text("ALTER TABLE runs ADD COLUMN replaced_run INTEGER"))
    # the run's stored results equal those of the run it replaced: what read that one is not stale
    conn.execute(sa.text("ALTER TABLE runs ADD COLUMN unchanged BOOLEAN"))
    md = sa.MetaData()
    sa.Table(
        "run_locks", md,
        sa.Column("cycle", sa.String(16), primary_key=True),
        sa.Column("ruleset_id", sa.String(200), primary_key=True, server_default=""),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("process_start", sa.String(40)),
        sa.Column("started_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "run_reads", md,
        sa.Column("run_id", sa.Integer, primary_key=True),            # the run that read (runs.id)
        sa.Column("cycle", sa.String(16), primary_key=True),          # the period read
        sa.Column("ruleset_id", sa.String(200), primary_key=True),   # ... of this ruleset
        sa.Column("why", sa.String(80), primary_key=True),            # previous | periods:<dimension> | net_of
        sa.Column("read_run", sa.Integer),                            # its current run then (NULL: none stored)
    )
    md.create_all(conn)
    conn.execute(sa.text("INSERT INTO run_locks (cycle, ruleset_id, pid, hostname, process_start, started_at) "
                         "SELECT cycle, '', pid, hostname, process_start, started_at FROM cycle_locks"))
    conn.execute(sa.text("DROP TABLE cycle_locks"))
    conn.execute(sa.text("ALTER TABLE run_locks RENAME TO cycle_locks"))
    conn.execute(sa.text("CREATE INDEX ix_run_reads_read ON run_reads (cycle, ruleset_id)"))


def _step5(conn: Connection) -> None:
    """Workshop votes (issue 19): each workshop session, its ballots with the ruleset version they were cast on
    (every revision kept), the one-time codes of a secret ballot (hashes only, nothing links a code to the ballot
    it cast), and each save of the ruleset with the tally it was saved with."""
    md = sa.MetaData()
    sa.Table(
        "workshop_sessions", md,
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("ruleset_id", sa.String(200), nullable=False),
        sa.Column("ruleset_version", sa.String(100)),
        sa.Column("ruleset_sha256", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),         # links | roster | codes
        sa.Column("secret", sa.String(128), nullable=False),      # the HMAC key of the session's signed links
        sa.Column("roster", sa.Text),                             # JSON: [[id, name], ...] (roster mode)
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    sa.Table(
        "workshop_ballots", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(40), nullable=False),
        sa.Column("voter", sa.String(200)),                       # NULL: a secret ballot (one-time code)
        sa.Column("name", sa.String(200)),
        sa.Column("revision", sa.Integer, nullable=False),        # 1, 2, ...: the voter's changed votes
        sa.Column("ruleset_version", sa.String(100)),
        sa.Column("weights", sa.Text, nullable=False),            # JSON object of exact decimal strings
        sa.Column("cast_at", sa.DateTime),                        # NULL for a secret ballot
    )
    sa.Table(
        "workshop_codes", md,
        sa.Column("session_id", sa.String(40), primary_key=True),
        sa.Column("code_sha256", sa.String(64), primary_key=True),
        sa.Column("spent", sa.Boolean, nullable=False),
    )
    sa.Table(
        "workshop_saves", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(40), nullable=False),
        sa.Column("version_before", sa.String(100)),
        sa.Column("version_after", sa.String(100)),
        sa.Column("ruleset_sha256", sa.String(64), nullable=False),  # of the file as saved
        sa.Column("tally", sa.Text, nullable=False),                 # the exported tally document (JSON)
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )
    md.create_all(conn)
    conn.execute(sa.text("CREATE UNIQUE INDEX ix_workshop_ballots ON workshop_ballots (session_id, voter, revision)"))

def _step6(conn: Connection) -> None:
    """Incentive plans (issue 20): each run's draw ledger per employee (``draws``: opening balance, recovered,
    advanced, closing balance, exact decimal strings), so the balance carries from one period to the next
    (:mod:`appraise.store.draws`).  A store written before has no draws: balances start at 0."""
    md = sa.MetaData()
    sa.Table(
        "draws", md,
        sa.Column("run_id", sa.Integer, primary_key=True),        # runs.id
        sa.Column("employee", sa.String(200), primary_key=True),
        sa.Column("opening", sa.String(40)),
        sa.Column("recovered", sa.String(40)),
        sa.Column("advanced", sa.String(40)),
        sa.Column("closing", sa.String(40), nullable=False),
    )
    md.create_all(conn)


# Index i holds the step that takes a store from version i to i + 1.  Append only.
STEPS: list[Callable[[Connection], None]] = [_step1, _step2, _step3, _step4, _step5, _step6]
LATEST = len(STEPS)

VERSION_TABLE = sa.Table("schema_version", sa.MetaData(), sa.Column("version", sa.Integer, nullable=False))


def current_version(conn: Connection) -> int:
    """The store's schema version (0 for an empty database)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(sa.select(VERSION_TABLE.c.version)).scalar()
    return int(value or 0)


class SchemaTooNew(AppraiseError):
    """The store was written by a newer appraise."""


def write_transaction(engine: sa.Engine):
    """A connection in a write transaction (SQLite: ``BEGIN IMMEDIATE``, so writers queue up front)."""
    from contextlib import contextmanager

    @contextmanager
    def _tx():
        with engine.connect() as conn:
            conn.execution_options(appraise_write=True)
            with conn.begin():
                yield conn

    return _tx()


def migrate(engine: sa.Engine, target: int = LATEST) -> tuple[int, int]:
    """Bring the store to ``target`` in one transaction; returns (version before, version after)."""
    with engine.connect() as conn:  # the usual case, up to date, only reads
        seen = current_version(conn)
    if seen > LATEST:
        raise SchemaTooNew(f"the results store has schema version {seen}; this appraise knows up to "
                           f"{LATEST} — upgrade appraise")
    if seen >= target:
        return seen, seen
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
        before = current_version(conn)  # again, now that we hold the lock: another process may have migrated
        if before >= target:
            return before, before
        if before == 0:
            VERSION_TABLE.create(conn)
            conn.execute(VERSION_TABLE.insert().values(version=0))
        for step in STEPS[before:target]:
            step(conn)
        conn.execute(VERSION_TABLE.update().values(version=target))
        return before, target
