"""The ``sql`` provider: any kind of table from a database reachable with a SQLAlchemy URL.

``url: postgresql://hr@warehouse/sales`` (``${VAR}`` is read from the
environment, so passwords stay out of cycle files; a relative
``sqlite:///data.db`` is relative to the cycle file) and one of ``query:``
(a ``.sql`` file), ``sql:`` (inline) or ``table:``.  Queries bind
``:period_start``, ``:period_end``, ``:period_after``, ``:period_first_month``,
``:period_last_month`` and ``:period``.  A metrics query may return monthly
rows, or period totals per employee (no ``month`` column: aggregation happened
in the database); ``aggregate: true`` writes that aggregation for you.
"""
from __future__ import annotations

import hashlib
import os
import re

from appraise.errors import InvalidInput
from appraise.hookspecs import Provided
from appraise.plugins import hookimpl
from appraise.plugins._query import (
    QUERY_OPTIONS,
    aggregate_query,
    binary_as_text,
    period_params,
    query_text,
    target_table,
)
from appraise.plugins._sql_arrow import arrow_frame

DIGEST_ROWS = 1 << 17  # rows of the result written as CSV at a time for its digest
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SqlProvider:
    name = "sql"
    kinds = frozenset({"employees", "metrics", "feedback360", "okr", "deals", "credits"})
    default_kind = "metrics"
    options_schema = {
        "type": "object",
        "required": ["url"],
        "properties": {"url": {"type": "string", "description": "SQLAlchemy URL; ${VAR} reads the environment"},
                       **QUERY_OPTIONS},
    }

    def read(self, source, request) -> Provided:
        import polars as pl
        import sqlalchemy as sa

        from appraise.language.paths import resolve_store_url, sqlite_file

        url = self._url(source)
        scrub = _scrubber(source)
        db = sqlite_file(url, source.base_dir)  # after ${VAR}: the file that would be opened
        if db is not None:
            source.confine(db, key="url")
            if not db.exists():  # SQLAlchemy would create an empty database there, and the query fail on no table
                looked = "" if _VAR.search(str(source.options["url"])) else f" (looked for {db.as_posix()})"
                raise InvalidInput([source.diag(f"SQLite database file of url: '{source.options['url']}' not "
                                                f"found{looked}", key="url", code="cycle-data",
                                                hint="paths in a cycle file are relative to the cycle file's "
                                                "folder: correct the path, or put the file there before the run")])
        base, origin = query_text(source)
        params = period_params(request.period)
        try:
            engine = sa.create_engine(resolve_store_url(url, source.base_dir))
        except Exception as exc:
            raise InvalidInput([source.diag(scrub(f"cannot use url: {exc}"), key="url", code="source-url")]) from None
        shown_url = scrub(engine.url.render_as_string(hide_password=True))
        try:
            with engine.connect() as conn:
                sql = base
                if request.kind == "metrics" and source.options.get("aggregate"):
                    probe = conn.execute(sa.text(f"SELECT * FROM ({base}) AS probe WHERE 1 = 0"),
                                         _used(base, params))
                    quote = engine.dialect.identifier_preparer.quote
                    sql, _, diags = aggregate_query(base, list(probe.keys()), request.metrics, quote,
                                                    source.options.get("date"), origin)
                    if diags:
                        raise InvalidInput(diags)
                pushed = _period_rows(conn, source, request) if sql == base else None
                frame = _fetch(conn, engine.url, pushed[0], params) if pushed is not None else None
                if frame is not None and frame.height:  # the period's rows, numbered as in the whole result
                    assert pushed is not None
                    sql = pushed[0]
                    frame = frame.drop(ROW).with_columns(frame[ROW].cast(pl.Int64).alias("_row"))
                else:  # every row (none left out: all were of other months), numbered in order
                    frame = _fetch(conn, engine.url, sql, params)
                    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
        except InvalidInput:
            raise
        except Exception as exc:
            message = scrub(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
            raise InvalidInput([origin.diag(None, None, f"the database refused the query ({shown_url}): "
                                            f"{message}", code="source-query")]) from None
        finally:
            engine.dispose()
        frame = binary_as_text(frame, origin, source.options.get("table"))
        frame = frame.rename({k: v for k, v in source.columns.items() if k in frame.columns})
        if sql == base or pushed is None or frame.height == pushed[1]:
            digest = _digest(base, frame.drop("_row"))  # every row of the result (also when none was left out)
        else:  # the period's rows: the query that chose them and the rows with their places in the table
            digest = _digest(sql, frame)
        what = source.options.get("query") or source.options.get("table") or "sql"
        label = source.options.get("label") or f"{shown_url} {what}"
        table = target_table(request.kind, frame)
        return Provided.single(table, frame, origin, label=label, sha256=digest)

    @staticmethod
    def _url(source) -> str:
        url = str(source.options["url"])
        missing = [m for m in _VAR.findall(url) if m not in os.environ]
        if missing:
            raise InvalidInput([source.diag(f"url: uses ${{{missing[0]}}}, which is not set in the environment",
                                            key="url", code="source-url")])
        return _VAR.sub(lambda m: os.environ[m[1]], url)


# PostgreSQL cuts identifiers (a database or role name) to NAMEDATALEN - 1 = 63 bytes before it repeats them
IDENTIFIER_BYTES = 63
# a secret's first characters appearing in a message are taken for the secret, however the message cuts it
PREFIX_CHARS = 16


def _forms(value: str) -> set[str]:
    """How a value read through ``${VAR}`` may come back in a message: as written, percent-decoded (a URL
    parser reads ``%41`` as ``A``) or encoded again (a URL rendered back), and cut to 63 bytes."""
    from urllib.parse import quote, unquote, unquote_plus

    forms = {value, unquote(value), unquote_plus(value), quote(value, safe=""), quote(unquote(value), safe="")}
    for f in list(forms):
        raw = f.encode("utf-8")
        if len(raw) > IDENTIFIER_BYTES:
            forms.add(raw[:IDENTIFIER_BYTES].decode("utf-8", "ignore"))
    return {f for f in forms if len(f) >= 3}


def _scrubber(source):
    """Messages and labels name the url as the cycle file writes it: every value read through ``${VAR}``
    is shown as ``${VAR}`` again, wherever a driver's message repeats it (host, user, database), also
    percent-decoded, re-encoded or cut short (a run of its first 16 characters or more is masked)."""
    forms = sorted({(f, m) for m in _VAR.findall(str(source.options["url"]))
                    if len(os.environ.get(m, "")) >= 3 for f in _forms(os.environ[m])},
                   key=lambda v: (-len(v[0]), v))

    def scrub(text: str) -> str:
        for value, name in forms:
            text = text.replace(value, "${" + name + "}")
        for value, name in forms:  # what is left of a long value cut at any length
            if len(value) < PREFIX_CHARS:
                continue
            start = text.find(value[:PREFIX_CHARS])
            while start >= 0:
                end = start + PREFIX_CHARS
                while end < len(text) and end - start < len(value) and text[end] == value[end - start]:
                    end += 1
                text = text[:start] + "${" + name + "}" + text[end:]
                start = text.find(value[:PREFIX_CHARS], start + 1)
        return text
    return scrub


def _fetch(conn, url, sql: str, params: dict):
    """The query's rows as a polars frame: as Arrow batches where that is exactly the plain path's frame, else
    Python rows (see :mod:`appraise.plugins._sql_arrow`)."""
    import polars as pl
    import sqlalchemy as sa

    frame = arrow_frame(url, sql, _used(sql, params))
    if frame is None:  # the plain path
        result = conn.execute(sa.text(sql), _used(sql, params))
        columns = list(result.keys())
        rows = result.fetchall()
        frame = pl.DataFrame({c: pl.Series(c, [r[i] for r in rows], strict=False) for i, c in enumerate(columns)})
        del rows
    return frame


ROW = "_appraise_row"  # the pushed-down read's row number in the whole table
_ROWIDS = {"rowid", "_rowid_", "oid", ROW}


def _period_rows(conn, source, request) -> tuple[str, int] | None:
    """``table:`` metrics from SQLite without the rows surely of other months than the period's: (query, rows in
    the table), or None when this cannot be done with every row's number kept.

    The rows left out are the ones the file readers leave out (README "Writing a provider"): a ``month`` cell of
    text written exactly ``YYYY-MM`` outside the period, on a row whose ``employee`` text has an ASCII letter or
    digit; the provide stage sets such rows aside before any check, so nothing it reports changes.  Each row keeps
    its number in the whole result (``SELECT * FROM table``, which SQLite reads in rowid order): that is its rowid
    when the rowids are exactly 1 to the number of rows and the plan is a plain scan of the table.  A table with
    other rowids (rows deleted), a view, a ``WITHOUT ROWID`` table, the long layout or another database: every
    row is read, as before."""
    table = source.options.get("table")
    if request.kind != "metrics" or not table or "." in table or request.period is None:
        return None
    if conn.engine.url.get_backend_name() != "sqlite" or source.options.get("aggregate"):
        return None
    try:
        columns = list(conn.exec_driver_sql(f"SELECT * FROM {table} WHERE 0").keys())
        renamed = {source.columns.get(c, c) for c in columns}
        raw = {new: old for old, new in source.columns.items()}
        month, employee = raw.get("month", "month"), raw.get("employee", "employee")
        if (month not in columns or employee not in columns or {"metric", "value"} <= renamed
                or {c.lower() for c in columns} & _ROWIDS):
            return None
        plan = [r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN SELECT * FROM {table}")]
        if plan not in ([f"SCAN {table}"], [f"SCAN TABLE {table}"]):
            return None
        low, high, count = conn.exec_driver_sql(f"SELECT min(rowid), max(rowid), count(*) FROM {table}").one()
    except Exception:  # a view, a table without rowids: every row is read, as before
        return None
    if not count or low != 1 or high != count:
        return None
    m, e = ('"' + n.replace('"', '""') + '"' for n in (month, employee))
    months = ", ".join(f"'{x}'" for x in request.period.months)
    drop = (f"typeof({m}) = 'text' AND {m} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' "
            f"AND substr({m}, 6, 2) BETWEEN '01' AND '12' AND {m} NOT IN ({months}) "
            f"AND typeof({e}) = 'text' AND {e} GLOB '*[A-Za-z0-9]*'")
    return f"SELECT rowid AS {ROW}, * FROM {table} WHERE NOT coalesce({drop}, 0)", count


def _digest(base: str, frame) -> str:
    """sha256 of the query and its result as CSV (polars' spelling), written a slice at a time: the same digest
    as of the whole CSV, without a copy of the whole result as text."""
    digest = hashlib.sha256(base.encode() + b"\0")
    for start in range(0, max(frame.height, 1), DIGEST_ROWS):
        digest.update(frame.slice(start, DIGEST_ROWS).write_csv(include_header=start == 0).encode())
    return digest.hexdigest()


def _used(sql: str, params: dict) -> dict:
    """Only the parameters the query names (drivers differ on unused ones)."""
    return {k: v for k, v in params.items() if re.search(rf"(?<!:):{k}\b", sql)}


@hookimpl
def appraise_providers(register):
    register(SqlProvider)
