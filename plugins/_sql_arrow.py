"""The ``sql`` provider's Arrow path: a query's rows as Arrow batches through ADBC, never as Python rows.

The plain path (SQLAlchemy) fetches Python tuples and builds each column from Python values: at a million people a
year of monthly rows costs gigabytes of small objects.  ADBC drivers (``adbc-driver-sqlite``, and
``adbc-driver-postgresql`` with the ``postgres`` extra) hand over Arrow record batches instead, which become polars
frames batch by batch.  This path is taken only where it gives exactly the frame the plain path gives (same
columns, types, values and row order); wherever it cannot be sure it answers ``None`` and the plain path runs,
with its messages:

- **SQLite** types values per cell, not per column.  The driver types a column by its first values and refuses
  a later value of another numeric type (then: the plain path); but it turns numbers and blobs met in a text
  column into text of its own spelling.  So a first scan, returning nothing, looks for a cell of a text column
  whose ``typeof`` is a number or a blob (a text column with one goes the plain way); then the query runs as it
  is.  (That scan costs about a third of reading the rows; a bit mask of ``typeof`` computed beside every row,
  as before, cost as much as reading them.)
- **PostgreSQL** types columns: only the types whose Python values (psycopg) and Arrow values agree exactly are
  taken (integers, ``float8``, text, ``date``, ``boolean``); ``numeric``, ``float4``, timestamps and the rest go
  the plain way.
- Any error (the driver missing, a URL with options, the database refusing the query): the plain path, which
  says what is wrong as it always did.

A column of nothing but nulls is a column of nulls (the plain path cannot tell its type either); an empty result
takes the plain path.  Queries are the SQL SQLAlchemy would send (``text()`` compiled for the dialect, so the
``:period_*`` parameters bind the same way).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_PLAIN = re.compile(r"\A[0-9A-Za-z-]*\Z")  # a parameter value that may stand in a query as a literal
BATCH_ROWS = 1 << 16  # rows per Arrow batch (the driver's default, 1,024, makes a frame of a thousand chunks)


def arrow_frame(url, sql: str, params: Mapping[str, Any]):
    """The query's result as a polars frame through ADBC, exactly as the plain path builds it; or None."""
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite(url, sql, params)
        if backend == "postgresql":
            return _postgresql(url, sql, params)
    except Exception:  # the driver's or the database's refusal: the plain path says it in its own words
        return None
    return None


def _compiled(sql: str, params: Mapping[str, Any], dialect) -> tuple[str, list]:
    """The SQL and positional parameters SQLAlchemy would send for ``text(sql)`` with ``params``."""
    import sqlalchemy as sa

    compiled = sa.text(sql).bindparams(**params).compile(dialect=dialect)
    return compiled.string, [params[name] for name in (compiled.positiontup or [])]


def _frames(reader) -> list:
    import polars as pl

    return [pl.from_arrow(batch) for batch in reader]


def _stack(frames: list, schema):
    """The batches as one frame (chunked as fetched); a column of nulls only has the Null type."""
    import polars as pl

    frame = pl.concat(frames, how="vertical", rechunk=False) if len(frames) > 1 else frames[0]
    nulls = [c for c in frame.columns if frame[c].null_count() == frame.height]
    return frame.with_columns([pl.lit(None, dtype=pl.Null).alias(c) for c in nulls]) if nulls else frame


# ------------------------------------------------------------------------------------------------------ SQLite
def _sqlite(url, sql: str, params: Mapping[str, Any]):
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa
    from sqlalchemy.dialects import sqlite

    database = url.database
    if url.query or not database or database == ":memory:" or not Path(database).is_file():
        return None  # options, memory, or no such file yet: the plain path opens it as it always did
    text, args = _compiled(sql, params, sqlite.dialect())
    # read-only: a provider only reads (the plain path's transaction is rolled back, never committed)
    with adbc.connect(f"file:{_uri_path(database)}?mode=ro") as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        # the driver types each column by the first batch's values: the same first rows tell which are text
        cur.execute(f"SELECT * FROM ({text}) LIMIT {BATCH_ROWS}", args or None)
        first = cur.fetch_record_batch().schema
        names = first.names
        if not names or len(set(names)) != len(names):
            return None
        quoted = ['"' + n.replace('"', '""') + '"' for n in names]
        texts = [i for i, f in enumerate(first) if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
        if texts:  # one scan without output: is any cell of a text column a number or a blob?
            odd = " OR ".join(f"typeof(src.{quoted[i]}) IN ('integer', 'real', 'blob')" for i in texts)
            cur.execute(f"SELECT 1 FROM ({text}) AS src WHERE {odd} LIMIT 1", args or None)
            if cur.fetchone() is not None:
                return None  # a text column holds numbers or blobs, which the driver spells its own way
        cur.execute(text, args or None)
        reader = cur.fetch_record_batch()
        schema = reader.schema
        for i, f in enumerate(schema):
            if pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
                if i not in texts:
                    return None  # typed otherwise than the first rows said: not checked
            elif not (pa.types.is_int64(f.type) or pa.types.is_float64(f.type)):
                return None  # blobs or anything new: the plain path
        frames = _frames(reader)
    if not frames or not sum(f.height for f in frames):
        return None
    return _stack(frames, schema)


def _uri_path(path: str) -> str:
    """A file path inside a ``file:`` URI (``?``, ``#`` and ``%`` escaped)."""
    return re.sub(r"[%?#]", lambda m: f"%{ord(m[0]):02X}", str(Path(path).resolve()))


# -------------------------------------------------------------------------------------------------- PostgreSQL
def _postgresql(url, sql: str, params: Mapping[str, Any]):
    import adbc_driver_postgresql.dbapi as adbc
    import pyarrow as pa
    from sqlalchemy.dialects import postgresql

    if url.query:
        return None  # sslmode and the like: libpq options the plain path passes on its own way
    if not all(isinstance(v, str) and _PLAIN.match(v) for v in params.values()):
        return None
    # psycopg sends text parameters untyped, for the server to type by their use (a date compared with
    # :period_start); the driver would send them as varchar.  The period's values are plain (2026-07-01,
    # 2026-Q3), so they are written into the query as untyped literals, which the server types the same way
    import sqlalchemy as sa

    text = str(sa.text(sql).bindparams(**params).compile(dialect=postgresql.dialect(),
                                                          compile_kwargs={"literal_binds": True}))
    uri = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with adbc.connect(uri) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(16 << 20)})
        cur.execute(text)
        reader = cur.fetch_record_batch()
        schema = reader.schema
        for f in schema:
            t = f.type
            if not (pa.types.is_integer(t) or pa.types.is_float64(t) or pa.types.is_string(t)
                    or pa.types.is_large_string(t) or pa.types.is_date32(t) or pa.types.is_boolean(t)):
                return None
        names = schema.names
        if not names or len(set(names)) != len(names):
            return None
        frames = _frames(reader)
    if not frames or not sum(f.height for f in frames):
        return None
    import polars as pl

    ints = [f.name for f in schema if pa.types.is_integer(f.type)]
    frame = _stack(frames, schema)
    return frame.with_columns([pl.col(c).cast(pl.Int64) for c in ints if frame.schema[c] != pl.Null])
