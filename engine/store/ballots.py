"""Workshop ballots in the results store: sessions, ballots with the ruleset version, one-time codes, saves.

A co-design workshop (``appraise workshop``) keeps its votes here so an internal vote
still has standing after the room has emptied: who could vote (the session's mode and
roster), every ballot with the ruleset version it was cast on (a changed vote is a new
revision; the old one stays), and each save of the ruleset with the tally it was saved
with.  The tables are created by migration step 5 (:mod:`appraise.store.migrations`).

Secrecy of a secret ballot (``mode = "codes"``): a one-time code is kept only as a
SHA-256 hash with a ``spent`` flag, and its ballot has no voter, no name and no time,
so nothing in the store links a code (or whoever was handed it) to the ballot it cast.

Every write is one transaction (SQLite ``BEGIN IMMEDIATE``), so a revision check and the
insert it guards cannot interleave with another writer's.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from appraise.display import safe_url
from appraise.store.database import StoreError, create_engine
from appraise.store.migrations import migrate, write_transaction

_md = sa.MetaData()
sessions = sa.Table(
    "workshop_sessions", _md,
    sa.Column("id", sa.String(40), primary_key=True), sa.Column("cycle", sa.String(16)),
    sa.Column("ruleset_id", sa.String(200)), sa.Column("ruleset_version", sa.String(100)),
    sa.Column("ruleset_sha256", sa.String(64)), sa.Column("mode", sa.String(10)), sa.Column("secret", sa.String(128)),
    sa.Column("roster", sa.Text), sa.Column("created_at", sa.DateTime),
)
ballots = sa.Table(
    "workshop_ballots", _md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("session_id", sa.String(40)),
    sa.Column("voter", sa.String(200)), sa.Column("name", sa.String(200)), sa.Column("revision", sa.Integer),
    sa.Column("ruleset_version", sa.String(100)), sa.Column("weights", sa.Text), sa.Column("cast_at", sa.DateTime),
)
codes = sa.Table(
    "workshop_codes", _md,
    sa.Column("session_id", sa.String(40), primary_key=True), sa.Column("code_sha256", sa.String(64), primary_key=True),
    sa.Column("spent", sa.Boolean),
)
saves = sa.Table(
    "workshop_saves", _md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("session_id", sa.String(40)),
    sa.Column("version_before", sa.String(100)), sa.Column("version_after", sa.String(100)),
    sa.Column("ruleset_sha256", sa.String(64)), sa.Column("tally", sa.Text), sa.Column("saved_at", sa.DateTime),
)


class StaleBallot(StoreError):
    """A ballot was cast on an older revision of the voter's ballot (another browser with the same link voted)."""

    def __init__(self, current: int):
        super().__init__(f"this link's ballot is at revision {current}")
        self.current = current


class CodeRefused(StoreError):
    """A one-time code that is not one of the session's (``why = "unknown"``) or was used (``"spent"``)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class StoredBallot:
    """A ballot as stored: ``voter`` None for a secret ballot; ``weights`` exact."""

    id: int
    voter: str | None
    name: str | None
    revision: int
    ruleset_version: str | None
    weights: dict[str, Decimal]


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _weights_json(weights: Mapping[str, Decimal]) -> str:
    return json.dumps({k: str(v) for k, v in weights.items()}, sort_keys=True)


class BallotBox:
    """The workshop tables of one results store (opened, and migrated, like :class:`~appraise.store.database.Store`)."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = create_engine(url)
            migrate(self.engine)
        except (sa.exc.ArgumentError, sa.exc.OperationalError, sa.exc.NoSuchModuleError, ImportError) as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreError(f"cannot open the results store {safe_url(url)}: {first[0] if first else exc}"
                             ) from None

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ sessions

    def open_session(self, *, session_id: str, cycle: str, ruleset_id: str, ruleset_version: str | None,
                     ruleset_sha256: str, mode: str, secret: str,
                     roster: Sequence[tuple[str, str]] | None = None) -> None:
        """Record a new session (its id must be new)."""
        with write_transaction(self.engine) as conn:
            conn.execute(sessions.insert().values(
                id=session_id, cycle=cycle, ruleset_id=ruleset_id, ruleset_version=ruleset_version,
                ruleset_sha256=ruleset_sha256, mode=mode, secret=secret,
                roster=json.dumps([list(p) for p in roster], ensure_ascii=False) if roster is not None else None,
                created_at=_now()))

    def session(self, session_id: str) -> dict[str, Any] | None:
        """A session's row (``roster`` decoded), or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions).where(sessions.c.id == session_id)).mappings().first()
        if row is None:
            return None
        out = dict(row)
        out["roster"] = [tuple(p) for p in json.loads(out["roster"])] if out["roster"] else None
        return out

    def add_codes(self, session_id: str, hashes: Iterable[str]) -> None:
        """Register one-time codes (their SHA-256 hashes) of a secret ballot, unspent."""
        rows = [{"session_id": session_id, "code_sha256": h, "spent": False} for h in hashes]
        if rows:
            with write_transaction(self.engine) as conn:
                conn.execute(codes.insert(), rows)

    def unspent_codes(self, session_id: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(codes).where(
                (codes.c.session_id == session_id) & ~codes.c.spent)).scalar() or 0)

    # ------------------------------------------------------------ ballots

    def cast(self, session_id: str, voter: str, name: str | None, weights: Mapping[str, Decimal],
             ruleset_version: str | None, expected_revision: int | None = None) -> int:
        """Store a named ballot as the voter's next revision; returns it.

        ``expected_revision`` is the revision the voter's page last saw (0: none yet): when another
        revision was stored since (a second browser with the same link voted), :class:`StaleBallot`
        is raised and nothing is stored.  None skips the check (the latest ballot wins).
        """
        with write_transaction(self.engine) as conn:
            current = int(conn.execute(sa.select(sa.func.max(ballots.c.revision)).where(
                (ballots.c.session_id == session_id) & (ballots.c.voter == voter))).scalar() or 0)
            if expected_revision is not None and expected_revision != current:
                raise StaleBallot(current)
            conn.execute(ballots.insert().values(
                session_id=session_id, voter=voter, name=name, revision=current + 1,
                ruleset_version=ruleset_version, weights=_weights_json(weights), cast_at=_now()))
        return current + 1

    def cast_secret(self, session_id: str, code_sha256: str, weights: Mapping[str, Decimal],
                    ruleset_version: str | None) -> int:
        """Spend a one-time code and store its ballot (no voter, name or time) in one transaction; returns the
        ballot's row id.  Raises :class:`CodeRefused` for an unknown or spent code."""
        with write_transaction(self.engine) as conn:
            spent = conn.execute(codes.update().where(
                (codes.c.session_id == session_id) & (codes.c.code_sha256 == code_sha256) & ~codes.c.spent)
                .values(spent=True)).rowcount
            if spent != 1:
                known = conn.execute(sa.select(codes.c.spent).where(
                    (codes.c.session_id == session_id) & (codes.c.code_sha256 == code_sha256))).first()
                raise CodeRefused("spent" if known is not None else "unknown")
            result = conn.execute(ballots.insert().values(
                session_id=session_id, voter=None, name=None, revision=1, ruleset_version=ruleset_version,
                weights=_weights_json(weights), cast_at=None))
            return int(result.inserted_primary_key[0])

    def ballots(self, session_id: str) -> list[StoredBallot]:
        """The ballots that count: each voter's latest revision, and every secret ballot."""
        b = ballots.c
        latest = sa.select(b.voter, sa.func.max(b.revision).label("revision")).where(
            (b.session_id == session_id) & b.voter.is_not(None)).group_by(b.voter).subquery()
        named = sa.select(ballots).join(latest, (b.voter == latest.c.voter) & (b.revision == latest.c.revision)) \
            .where(b.session_id == session_id)
        secret = sa.select(ballots).where((b.session_id == session_id) & b.voter.is_(None))
        with self.engine.connect() as conn:
            rows = list(conn.execute(named).mappings()) + list(conn.execute(secret).mappings())
        return [StoredBallot(r["id"], r["voter"], r["name"], r["revision"], r["ruleset_version"],
                             {k: Decimal(v) for k, v in json.loads(r["weights"]).items()})
                for r in sorted(rows, key=lambda r: r["id"])]

    def revisions(self, session_id: str) -> int:
        """How many ballots were ever cast in the session (every revision counted)."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(ballots).where(
                ballots.c.session_id == session_id)).scalar() or 0)

    # ------------------------------------------------------------ saves

    def record_save(self, session_id: str, version_before: str | None, version_after: str | None,
                    ruleset_sha256: str, tally: Mapping[str, Any]) -> None:
        """Record that the session saved the ruleset, with the tally document exported beside it."""
        with write_transaction(self.engine) as conn:
            conn.execute(saves.insert().values(
                session_id=session_id, version_before=version_before, version_after=version_after,
                ruleset_sha256=ruleset_sha256, tally=json.dumps(tally, ensure_ascii=False, sort_keys=True),
                saved_at=_now()))

    def saves(self, session_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(saves).where(saves.c.session_id == session_id).order_by(saves.c.id))
            return [dict(r, tally=json.loads(r["tally"])) for r in rows.mappings()]
