"""The metric tables: each source's monthly or period-total values (laid out wide or long) checked,
stacked, checked against each other, and pivoted to one column per metric.

A metric the ruleset does not declare is a warning; the same metric for the same employee-month from two
sources, or both as monthly rows and as a period total, is an error at the second.
"""
from __future__ import annotations

import difflib
from dataclasses import replace

import polars as pl

from appraise.errors import Diagnostic
from appraise.language.period import Period
from appraise.provide.checks import (
    F64,
    as_text,
    duplicates,
    empty,
    month_column,
    null_keys,
    numbers,
    require,
    text_of,
    unknown_employees,
    with_rows,
)
from appraise.provide.employees import outside_employment
from appraise.provide.needs import Needs
from appraise.provide.parts import Known, Part, Report
from appraise.tables import METRIC_KEYS


def metric_tables(monthly: list[Part], aggregated: list[Part], needs: Needs, period: Period,
                   report: Report, known: Known | None, employment: pl.DataFrame | None = None,
                   given: set[str] | None = None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    given = set() if given is None else given
    longs = []
    for i, part in enumerate(monthly):
        long = _metric_part(part, METRIC_KEYS, needs, period, report, known, i, employment, given)
        if long is not None:
            longs.append(long)
    agg_longs = []
    for i, part in enumerate(aggregated):
        long = _metric_part(part, ("employee",), needs, period, report, known, len(monthly) + i, given=given)
        if long is not None:
            agg_longs.append(long)
    parts = monthly + aggregated
    # one wide source without repeated keys, nothing to merge it with: its columns are the table already
    if len(longs) == 1 and not agg_longs and longs[0].wide is not None:
        return _wide_direct(longs[0].wide, METRIC_KEYS, needs), None
    if len(agg_longs) == 1 and not longs and agg_longs[0].wide is not None:
        return None, _wide_direct(agg_longs[0].wide, ("employee",), needs)
    m = _merge([v.long for v in longs], METRIC_KEYS, parts, report) if longs else None
    a = _merge([v.long for v in agg_longs], ("employee",), parts, report) if agg_longs else None
    if m is not None and a is not None:
        _conflicts_monthly_vs_aggregated([v.long for v in longs], [v.long for v in agg_longs], parts, report)
    return (_wide(m, METRIC_KEYS, needs) if m is not None else None,
            _wide(a, ("employee",), needs) if a is not None else None)



def _this_period_first(frame: pl.DataFrame, period: Period, clean: bool = False) -> pl.DataFrame:
    """The rows whose ``_month`` is in the period, is not a month or empty, or whose employee is empty."""
    return frame.filter(pl.col("_month").is_null() | pl.col("_month").is_in(list(period.months))
                        | text_of(frame, "employee", clean).is_null())


class _Values:
    """One source's metric values: ``long`` (one row per key and metric, as :func:`_merge` stacks them), and
    ``wide`` (the key and value columns) when the source is laid out wide with no key repeated.  The long
    table is made only when asked for: a single wide source goes to :func:`_wide_direct` without it."""

    def __init__(self, long: pl.DataFrame | None = None, wide: pl.DataFrame | None = None, make=None):
        self._long, self.wide, self._make = long, wide, make

    @property
    def long(self) -> pl.DataFrame:
        if self._long is None:
            self._long = self._make()
        return self._long


def _wide_direct(values: pl.DataFrame, keys, needs: Needs) -> pl.DataFrame:
    """What ``_wide(_merge([long]))`` makes of one wide source with unique keys, from its columns: the keys
    having a finite value, the metrics having one (the ruleset's order), NaN and infinity as missing."""
    cols = [c for c in values.columns if c not in keys]
    # only a column holding NaN or infinity is copied to make them missing (one pass says which do)
    odd = values.select([(~pl.col(c).is_finite()).any().alias(c) for c in cols]).row(0) if cols else ()
    finite = values.select(*keys, *[pl.when(pl.col(c).is_finite()).then(pl.col(c)).otherwise(None).alias(c)
                                    if mark else pl.col(c) for c, mark in zip(cols, odd, strict=True)])
    have = {c for c in cols if finite[c].null_count() < finite.height}
    present = [m for m in needs.metrics if m in have]
    rows = finite.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in cols]))
    out = rows.select(*keys, *[pl.col(m).cast(F64) for m in present])
    return out if _in_order(out, keys) else out.sort(list(keys))


def _in_order(frame: pl.DataFrame, keys) -> bool:
    """Whether each row's ``keys`` come strictly after the previous row's (as a file sorted by employee and month
    has them): then sorting by them, which the keys being unique makes one order, would change nothing."""
    if frame.height < 2:
        return True
    after = pl.lit(False)
    for k in reversed(list(keys)):  # lexicographic: k1 > prev, or k1 == prev and the rest after
        c = pl.col(k)
        after = (c > c.shift(1)) | ((c == c.shift(1)) & after)
    return bool(frame.select(after.slice(1).fill_null(False).all()).item())


def _metric_part(part: Part, keys, needs: Needs, period: Period, report: Report, known, index: int,
                 employment: pl.DataFrame | None = None, given: set[str] | None = None):
    what = "metric row" if "month" in keys else "aggregated metric row"
    label = "the metrics table" if "month" in keys else "the aggregated metrics"
    frame = with_rows(part.frame)
    if not require(part, keys, report, label) or empty(part, report, label):
        return None
    long_layout = {"metric", "value"} <= set(frame.columns) and not (
        set(frame.columns) - {*keys, "metric", "value", "_row"})
    if given is not None:  # what the source gives, before rows of other months or people are set aside
        names = frame.select(text_of(frame, "metric", part.clean)).to_series() if long_layout else None
        given.update(map(str, names.drop_nulls().unique().to_list()) if names is not None
                     else [c for c in frame.columns if c not in (*keys, "_row")])
    if "month" in keys:
        # Rows of another period's months are set aside first, so the checks below look only at this
        # period's rows: a row is kept if its month is in the period, is not a month, is empty, or its
        # employee is (those say so below, whatever their period), exactly the rows the checks report on
        frame = _this_period_first(frame.with_columns(month_column(frame).alias("_month")), period, part.clean)
    frame = as_text(frame, ["employee"], part.clean, part.ascii)
    if "month" in keys:
        bad = frame.filter(pl.col("month").is_not_null() & pl.col("_month").is_null())
        for emp, raw, line in bad.select("employee", text_of(frame, "month"), "_row").head(200).iter_rows():
            report.employee(emp, part.origin.diag(line, "month", f"month '{raw}' of employee {emp} is not a month",
                                                  hint="write months as 2026-07 (or a date in that month)",
                                                  code="data-month"))
        frame = frame.filter(pl.col("_month").is_not_null() | pl.col("month").is_null()) \
            .with_columns(pl.col("_month").alias("month")).drop("_month")
    frame = null_keys(part, frame, keys, report, what)
    if "month" in keys:  # rows of other periods are other cycles' business
        frame = frame.filter(pl.col("month").is_in(list(period.months)))
    if known is not None:
        unknown_employees(part, frame, known, report, "metric row")
    if "month" in keys:
        frame = outside_employment(part, frame, employment, report, "the metric row")
    declared = set(needs.metrics)
    if long_layout:
        frame = frame.with_columns(text_of(frame, "metric", part.clean).alias("metric"))
        unknown = frame.filter(pl.col("metric").is_not_null() & ~pl.col("metric").is_in(sorted(declared)))
        for name, line in unknown.select("metric", "_row").unique("metric", keep="first", maintain_order=True) \
                .iter_rows():
            report.fatal(replace(part.origin.diag(line, "metric", _unknown_metric_message(name, declared),
                                                  hint="fix the name in the ruleset or the data, or leave its rows "
                                                  "out of the file", code="data-unknown-metric"), severity="warning"))
        frame = frame.filter(pl.col("metric").is_in(sorted(declared)))
        duplicates(part, frame, [*keys, "metric"], report, "metric value", "metric")
        frame = numbers(part, frame, ["value"], report, "value of")
        long = frame.select(*keys, "metric", "value", "_row")
        long = long.with_columns(pl.lit(part.origin.col("value"), dtype=pl.Int64).alias("_col"))
        return _Values(_finish_long(long, keys, index))
    else:
        values = [c for c in frame.columns if c not in (*keys, "_row")]
        for name in values:
            if name not in declared:
                report.fatal(Diagnostic(part.origin.file, part.origin.at[0] if part.origin.query else 1,
                                        part.origin.at[1] if part.origin.query else part.origin.col(name),
                                        _unknown_metric_message(name, declared), name, severity="warning",
                                        hint="fix the name, rename it with columns: {<column>: <metric>}, or "
                                        "leave it out with ignore: [<column>]", code="data-unknown-metric"))
        values = [c for c in values if c in declared]
        repeated = duplicates(part, frame, list(keys), report, "row for", keys[-1])
        frame = numbers(part, frame, values, report, "value of")
        if not values:
            return None
        cols = {v: part.origin.col(v) for v in values}

        def make(frame=frame, values=values, cols=cols) -> pl.DataFrame:
            long = frame.select(*keys, "_row", *values).unpivot(index=[*keys, "_row"], on=values,
                                                                 variable_name="metric", value_name="value")
            long = long.with_columns(pl.col("metric").replace_strict(cols, return_dtype=pl.Int64).alias("_col"))
            return _finish_long(long, keys, index)
        return _Values(make=make, wide=None if repeated else frame.select(*keys, *values))


def _finish_long(long: pl.DataFrame, keys, index: int) -> pl.DataFrame:
    long = long.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
    # one column order for both layouts: a cycle may mix wide and long files
    return long.select(*keys, "metric", "value", "_row", "_col", pl.lit(index, dtype=pl.Int64).alias("_part"))


def _unknown_metric_message(name: str, declared: set[str]) -> str:
    close = difflib.get_close_matches(str(name), sorted(declared), n=1)
    text = f"'{name}' is not a raw metric the ruleset declares, so it is not read"
    return text + (f"; did you mean '{close[0]}'?" if close else f" (declared: {', '.join(sorted(declared))})")


def _merge(longs: list[pl.DataFrame], keys, parts: list[Part], report: Report) -> pl.DataFrame:
    """Stack the sources' values; one metric for one key from two sources is an error at the second."""
    all_rows = pl.concat(longs, how="vertical_relaxed")
    if len(longs) > 1:
        k = [*keys, "metric"]
        ranked = all_rows.with_columns(pl.len().over(k).alias("_n"),
                                       pl.col("_part").min().over(k).alias("_first_part"))
        clash = ranked.filter((pl.col("_n") > 1) & (pl.col("_part") != pl.col("_first_part")))
        for row in clash.iter_rows(named=True):
            first = ranked.filter(pl.all_horizontal([pl.col(c) == row[c] for c in k])
                                  & (pl.col("_part") == row["_first_part"])).row(0, named=True)
            fp, sp = parts[first["_part"]], parts[row["_part"]]
            where = f"{fp.source.label}:{fp.origin.line(first['_row'])}" if fp.origin.query is None \
                else f"source {fp.source.label}"
            key = " ".join(str(row[c]) for c in keys)
            report.employee(row["employee"], sp.origin.diag(
                row["_row"], row["metric"], f"'{row['metric']}' for {key} is also given by {where}",
                hint="each metric of an employee-month must come from one source; drop one of them "
                "(ignore: [column])", code="data-conflict"))
    return all_rows


def _conflicts_monthly_vs_aggregated(longs, agg_longs, parts, report) -> None:
    monthly = pl.concat(longs, how="vertical_relaxed").select("employee", "metric").unique()
    agg = pl.concat(agg_longs, how="vertical_relaxed")
    both = agg.join(monthly, on=["employee", "metric"], how="semi")
    for row in both.iter_rows(named=True):
        part = parts[row["_part"]]
        report.employee(row["employee"], part.origin.diag(
            row["_row"], row["metric"], f"'{row['metric']}' of {row['employee']} comes both as monthly rows and "
            "as a period total", hint="provide each metric one way", code="data-conflict"))


def _wide(long: pl.DataFrame, keys, needs: Needs) -> pl.DataFrame:
    have = set(long["metric"].unique().to_list())
    present = [m for m in needs.metrics if m in have]
    key_rows = long.select(*keys).unique().sort(list(keys))
    if long.height == 0:
        return key_rows
    wide = long.pivot(on="metric", index=list(keys), values="value", aggregate_function="first")
    out = key_rows.join(wide, on=list(keys), how="left")
    return out.select(*keys, *[pl.col(m).cast(F64) for m in present]).sort(list(keys))
