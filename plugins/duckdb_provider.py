"""The ``duckdb`` provider: SQL over CSV/Parquet files too large to load into Python.

``path:`` is a CSV or Parquet file (or a glob such as ``deals/*.parquet``); it
is visible to the query as the view ``source``, and it is all the query can
read: duckdb runs with external access off, allowed only those files.  Without a query the file's
rows are read as they are.  With ``aggregate: true`` (or a query that groups
by employee) the aggregation runs inside duckdb, streaming the file, and only
one row per employee reaches Python — ``Inputs.aggregated``.  Queries bind
the same ``:period_*`` parameters as the ``sql`` provider.
"""
from __future__ import annotations

import glob
import hashlib
import re
from pathlib import Path

from appraise.errors import InvalidInput
from appraise.hookspecs import Origin, Provided
from appraise.plugins import hookimpl
from appraise.plugins._query import (
    QUERY_OPTIONS,
    aggregate_query,
    binary_as_text,
    period_params,
    query_text,
    target_table,
)


class DuckdbProvider:
    name = "duckdb"
    kinds = frozenset({"employees", "metrics", "feedback360", "okr", "deals", "credits"})
    default_kind = "metrics"
    options_schema = {
        "type": "object",
        "required": ["path"],
        "properties": {**QUERY_OPTIONS,
                       "format": {"enum": ["auto", "csv", "parquet"], "default": "auto",
                                  "description": "file format (default: from the extension)"}},
    }

    def read(self, source, request) -> Provided:
        import duckdb

        from appraise.plugins._tabular import shown

        files = self._files(source)
        fmt = source.options.get("format", "auto")
        if fmt == "auto":
            fmt = "parquet" if files[0].suffix.lower() in (".parquet", ".pq") else "csv"
        base, origin = query_text(source, default_from="source")
        params = period_params(request.period)
        listed = "[" + ", ".join("'" + str(f.resolve()).replace("'", "''") + "'" for f in files) + "]"
        # an employees file read as it is keeps its text as written: duckdb's guess of the types would make a team
        # '1.10' the number 1.1 (and '1.1' another team's name); the provide stage reads its numbers and dates
        as_text = request.kind == "employees" and not any(source.options.get(k) for k in ("query", "sql", "table"))
        reader = (f"read_parquet({listed})" if fmt == "parquet"
                  else f"read_csv({listed}, header = true, all_varchar = {'true' if as_text else 'false'})")
        # the files' sha256 worked out on a thread beside the query (hashing and reading let go of Python's lock)
        shas = _Beside(lambda: [_file_sha(f) for f in files])
        con = duckdb.connect(":memory:")
        try:
            # the query sees the source's own files and nothing else: no other file, no network, no extension
            # to install, no ATTACH or COPY (a cycle file's query must not read /etc/passwd or write anywhere)
            con.execute("SET enable_progress_bar = false")  # long queries would draw one on stdout
            con.execute("SET allowed_paths = " + listed)
            con.execute("SET enable_external_access = false")
            con.execute(f"CREATE VIEW source AS SELECT * FROM {reader}")
            if fmt == "csv":
                _dot_thousands(con, files, listed, source, request)
            sql = base
            if request.kind == "metrics" and source.options.get("aggregate"):
                columns = [d[0] for d in con.execute(f"SELECT * FROM ({_dollar(base)}) AS probe LIMIT 0",
                                                     _used(base, params)).description]
                sql, _, diags = aggregate_query(base, columns, request.metrics,
                                                lambda n: '"' + n.replace('"', '""') + '"',
                                                source.options.get("date"), origin)
                if diags:
                    raise InvalidInput(diags)
            frame = _frame(con.sql(_dollar(sql), params=_used(sql, params) or None))
        except InvalidInput:
            raise
        except duckdb.Error as exc:
            text = str(exc).strip()
            hint = ("duckdb reads CSV files as UTF-8 only: save the file as 'CSV UTF-8', or read it with the csv "
                    "provider, which reads GBK and UTF-16 too" if "not utf-8 encoded" in text.lower() else "")
            raise InvalidInput([origin.diag(None, None, f"duckdb refused the query: {text.splitlines()[0]}",
                                            hint=hint, code="source-query")]) from None
        finally:
            con.close()
        import polars as pl

        frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
        frame = binary_as_text(frame, origin, source.options.get("table") or (
            None if any(source.options.get(k) for k in ("query", "sql")) else "source"))
        frame = frame.rename({k: v for k, v in source.columns.items() if k in frame.columns})
        digest = hashlib.sha256(base.encode())
        for sha in shas.result():
            digest.update(sha.encode())
        label = source.options.get("label") or source.label
        plain = not any(source.options.get(k) for k in ("query", "sql", "table"))
        if plain and len(files) == 1:  # rows are the file's own records: point at them
            positions = {c: i + 1 for i, c in enumerate(c for c in frame.columns if c != "_row")}
            origin = Origin(shown(files[0]), positions, (lambda r: r + 1) if fmt == "csv" else None)
        table = target_table(request.kind, frame)
        return Provided.single(table, frame, origin, label=label, sha256=digest.hexdigest())

    @staticmethod
    def _files(source) -> list[Path]:
        if source.path is None:
            raise InvalidInput([source.diag("provider 'duckdb' needs 'path:' (a CSV or Parquet file, or a glob)",
                                            code="source-path")])
        files = sorted(Path(p) for p in glob.glob(str(source.path)))
        if not files:
            raise InvalidInput([source.diag(f"no file matches {source.label}", key="path",
                                            hint="paths are relative to the cycle file's folder",
                                            code="source-missing")])
        for f in files:  # a glob follows symlinks (data/[l]nk/etc/passwd with data/lnk -> /): each match, resolved
            source.confine(f)
        return files


def _dot_thousands(con, files: list[Path], listed: str, source, request) -> None:
    """In CSV files separated by ';' (as Excel writes CSV in most of Europe), refuse a number such as '450.000' in a
    column read as numbers: duckdb would read it as 450.0, where the file may mean 450000 (see
    appraise.plugins._tabular.dot_thousands).  Looked at in the files' text, before duckdb types them."""
    import csv

    from appraise.plugins._tabular import DOT_THOUSANDS, _sniff, dot_thousands_columns, dot_thousands_diag, shown

    try:
        with files[0].open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
            first = fh.readline()
    except OSError:
        return
    if _sniff(first) != ";":
        return
    header = [h.strip() for h in next(csv.reader([first], delimiter=";"), [])]
    canonical = dict(source.columns)  # file name -> canonical name
    wanted = set(dot_thousands_columns(request))
    columns = [h for h in header if canonical.get(h, h) in wanted]
    if not columns:
        return
    pattern = DOT_THOUSANDS
    quoted = ['"' + c.replace('"', '""') + '"' for c in columns]
    found = con.execute(
        f"SELECT _f, _r, {', '.join(quoted)} FROM (SELECT filename AS _f, row_number() OVER (PARTITION BY filename) "
        f"AS _r, {', '.join(quoted)} FROM read_csv({listed}, header = true, all_varchar = true, filename = true)) "
        "WHERE " + " OR ".join(f"regexp_full_match(trim({q}), '{pattern}')" for q in quoted)
        + " ORDER BY _f, _r LIMIT 50").fetchall()
    if not found:
        return
    diags = []
    for row in found:
        origin = Origin(shown(Path(row[0])), {h: i + 1 for i, h in enumerate(header)}, lambda r: r + 1)
        for c, value in zip(columns, row[2:], strict=True):
            if value is None or not re.fullmatch(pattern, value.strip()):
                continue
            diags.append(dot_thousands_diag(origin, int(row[1]), c, value.strip()))
    raise InvalidInput(diags)


def _frame(relation):
    """A duckdb result as a polars frame, through Arrow (no Python objects per row)."""
    import polars as pl

    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    return pl.from_arrow(fetch())


class _Beside:
    """``work()`` run on a thread of its own; :meth:`result` waits for what it returned (or raises what it raised)."""

    def __init__(self, work):
        import threading

        self._out: list = []
        self._thread = threading.Thread(target=self._run, args=(work,), name="appraise-sha256", daemon=True)
        self._thread.start()

    def _run(self, work) -> None:
        try:
            self._out.append((work(), None))
        except BaseException as exc:  # handed to the caller of result()
            self._out.append((None, exc))

    def result(self):
        self._thread.join()
        value, exc = self._out[0]
        if exc is not None:
            raise exc
        return value


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _dollar(sql: str) -> str:
    """duckdb names parameters ``$name``; users write ``:name`` in every provider (``::`` casts are kept)."""
    return re.sub(r"(?<!:):(period\w*)\b", r"$\1", sql)


def _used(sql: str, params: dict) -> dict:
    return {k: v for k, v in params.items() if re.search(rf"(?<!:):{k}\b", sql)}


@hookimpl
def appraise_providers(register):
    register(DuckdbProvider)
