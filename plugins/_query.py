"""What the SQL and duckdb providers share: query options, period parameters, push-down aggregation.

A query may return monthly rows (``employee, month, <metric>...``) — they go
to ``Inputs.metrics`` — or one row per employee without ``month`` — period
totals, computed by the database, that go to ``Inputs.aggregated``.
``aggregate: true`` writes that second query for you from the ruleset's
``aggregate:`` functions, so only one row per employee leaves the database.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import timedelta

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin

_TABLE = {"employees": "employees", "feedback360": "feedback", "okr": "okrs", "deals": "deals", "credits": "credits"}


def target_table(kind: str, frame) -> str:
    """The Inputs table a query's rows fill: by the source kind; metric rows with a ``month`` are monthly,
    without one they are period aggregates computed by the database."""
    return _TABLE.get(kind) or ("metrics" if "month" in frame.columns else "aggregated")


QUERY_OPTIONS = {
    "query": {"type": "string", "description": "file holding the SQL (relative to the cycle file); it may use "
              ":period, :period_start, :period_end, :period_after (day after the end), :period_first_month, "
              ":period_last_month"},
    "sql": {"type": "string", "description": "the SQL itself, for short queries (same parameters as query:)"},
    "table": {"type": "string", "description": "read a whole table (or view) instead of a query"},
    "aggregate": {"type": "boolean", "default": False,
                  "description": "metrics: aggregate to one row per employee inside the database with the "
                  "ruleset's aggregate functions over the cycle's months (push-down)"},
    "date": {"type": "string", "description": "with aggregate: the date column that places a row in the period "
             "(default: a 'month' column holding YYYY-MM)"},
}
_IDENT = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?\Z")


def period_params(period) -> dict:
    """The named parameters every query may use."""
    return {
        "period": period.id,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "period_after": (period.end + timedelta(days=1)).isoformat(),
        "period_first_month": period.months[0],
        "period_last_month": period.months[-1],
    }


def query_text(source, default_from: str | None = None) -> tuple[str, Origin]:
    """The source's SQL and where to point messages about it (the .sql file, or the cycle entry)."""
    opts = source.options
    given = [k for k in ("query", "sql", "table") if opts.get(k)]
    if len(given) > 1:
        raise InvalidInput([source.diag(f"give one of query:, sql:, table: (found {', '.join(given)})",
                                        key=given[1], code="source-query")])
    if not given:
        if default_from is None:
            raise InvalidInput([source.diag("say what to read: query: <file.sql>, sql: <SELECT ...> or "
                                            "table: <name>", code="source-query")])
        return f"SELECT * FROM {default_from}", Origin(source.cycle_file, query=f"SELECT * FROM {default_from}",
                                                       at=(source.line, source.col))
    if given[0] == "query":
        path = source.resolve(opts["query"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise InvalidInput([source.diag(f"cannot read query file {opts['query']}: {exc.strerror}",
                                            key="query", hint="paths are relative to the cycle file's folder",
                                            code="source-query")]) from None
        from appraise.plugins._tabular import shown

        return text.strip().rstrip(";"), Origin(shown(path), query=text.strip(), at=(1, 1))
    if given[0] == "table":
        name = opts["table"]
        if not _IDENT.match(name):
            raise InvalidInput([source.diag(f"table '{name}' is not a plain table name", key="table",
                                            code="source-query")])
        text = f"SELECT * FROM {name}"
    else:
        text = opts["sql"].strip().rstrip(";")
    line, col = source.line, source.col
    return text, Origin(source.cycle_file, query=text, at=(line, col))


def aggregate_query(base: str, columns: list[str], metrics: Mapping[str, str], quote: Callable[[str], str],
                    date: str | None, origin: Origin) -> tuple[str, list[str], list[Diagnostic]]:
    """SQL aggregating ``base`` to one row per employee over the period; (sql, metrics, diagnostics)."""
    diags = []
    order = date or "month"
    for need in ("employee", order):
        if need not in columns:
            diags.append(origin.diag(None, need, f"aggregate: true needs a column '{need}'; the query returns "
                                     f"{', '.join(columns)}", code="data-missing-column",
                                     hint="name the date column with date: <column>" if need == order else ""))
    keys = {"employee", order, "month"}
    values = [c for c in columns if c not in keys]
    for c in values:
        if c not in metrics:
            diags.append(origin.diag(None, c, f"'{c}' is not a raw metric the ruleset declares; aggregate: true "
                                     "cannot aggregate it", code="data-unknown-metric",
                                     hint="leave it out of the query"))
    if diags:
        return "", [], diags
    values = [c for c in values if c in metrics]
    e, o = quote("employee"), quote(order)
    if date:
        where = f"{o} >= :period_start AND {o} < :period_after"
    else:
        where = f"{o} >= :period_first_month AND {o} <= :period_last_month"
    simple = {"sum": "SUM", "mean": "AVG", "min": "MIN", "max": "MAX"}
    # first/last: the value at the earliest/latest date among the employee's rows having one.  Those dates are
    # MIN/MAX of one GROUP BY ("ends"), and the main GROUP BY takes the value of the row at that date: two
    # aggregations and no sort, where a ROW_NUMBER() window per metric sorted the rows once per metric.  A row
    # without an employee stays in (LEFT JOIN), with nothing first or last, as before
    taken = set(columns)
    ends: dict[str, str] = {}
    for m in values:
        if metrics[m] not in simple:
            name = next(n for n in (f"_appraise_at_{len(ends)}{'_' * k}" for k in range(len(taken) + 1))
                        if n not in taken)
            taken.add(name)
            ends[m] = name
    select = [f"src.{e} AS employee"]
    for m in values:
        fn = metrics[m]
        if fn in simple:
            select.append(f"{simple[fn]}(src.{quote(m)}) AS {quote(m)}")
        else:
            select.append(f"MAX(CASE WHEN src.{o} = ends.{quote(ends[m])} THEN src.{quote(m)} END) AS {quote(m)}")
    rows = f"src AS (SELECT * FROM ({base}) AS base WHERE {where})"
    if not ends:
        return f"WITH {rows} SELECT {', '.join(select)} FROM src GROUP BY src.{e} ORDER BY 1", values, []
    key = next(n for n in (f"_appraise_employee{'_' * k}" for k in range(len(taken) + 1)) if n not in taken)
    at = ", ".join(f"{'MIN' if metrics[m] == 'first' else 'MAX'}(CASE WHEN {quote(m)} IS NOT NULL THEN {o} END) "
                   f"AS {quote(name)}" for m, name in ends.items())
    sql = (f"WITH {rows}, ends AS (SELECT {e} AS {quote(key)}, {at} FROM src GROUP BY {e}) "
           f"SELECT {', '.join(select)} FROM src LEFT JOIN ends ON ends.{quote(key)} = src.{e} "
           f"GROUP BY src.{e} ORDER BY 1")
    return sql, values, []


def binary_as_text(frame, origin: Origin, table: str | None):
    """``frame`` (numbered by its ``_row`` column) with its binary columns (SQLite blobs, PostgreSQL ``bytea``,
    duckdb ``BLOB``; on the plain path a text column holding a blob comes as binary too) read as UTF-8 text, which
    is what the stage reads every cell as.  A cell that is not UTF-8 text is refused, at its row and column, with
    what to do (``table`` names the table of a ``table:`` read, else None)."""
    import polars as pl

    binary = [c for c, t in frame.schema.items() if t == pl.Binary and c != "_row"]
    if not binary:
        return frame
    try:
        return frame.with_columns([pl.col(c).cast(pl.Utf8) for c in binary])
    except pl.exceptions.PolarsError:
        pass
    for c in binary:
        for row, value in zip(frame["_row"], frame[c], strict=True):
            try:
                value is None or bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                # in English: the command line words it in the language of its messages (appraise.i18n.translate)
                others = [n for n in frame.columns if n != c and n != "_row"]
                example = f"sql: SELECT {', '.join(others) or '...'} FROM {table or '(...)'}"
                where = f"table {table}" if table else "the query's result"
                raise InvalidInput([origin.diag(
                    row, c, f"column '{c}' of {where} holds binary data (a blob) that is not UTF-8 text",
                    hint=f"store the column as UTF-8 text, or read the table without it: {example}",
                    code="data-binary")]) from None
    return frame.with_columns([pl.col(c).cast(pl.Utf8) for c in binary])  # pragma: no cover (polars refused)
