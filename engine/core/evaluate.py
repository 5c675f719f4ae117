"""The pure, columnar core: a compiled ruleset and input tables in, one result table out.

Every employee of a cycle is scored in one pass of polars expressions; there
is no per-employee Python loop and no I/O.  The result frame holds every
intermediate number under stable column names so that results.json, the
explainer, the store and the dashboards all read the same values:

=========================  =====================================================
``id``, ``name``           the employee
``scorecard``              the scorecard that applies (first ``applies_to`` that holds)
``tenure_months``          whole months from ``hire_date`` to the period's last day
``employed_days``,         days employed within the period (hire and leave dates count); their share of
``employed_share``         the period's days (``employed_share``, a name expressions read)
``attr.<a>``               declared attributes, typed (money as Float64; exact in ``money.<a>``)
``m.<metric>``             actuals: raw metrics rolled up, then derived metrics
``rule.<id>``              the rule fired (its condition held and it acts on this scorecard)
``wr.<dim>[.<kpi>]``       weights after rules; ``w.<dim>[.<kpi>]`` after missing-data redistribution
``k.<dim>.<kpi>.<field>``  ``actual``, ``target``, ``attainment``, ``score``, ``scale``
``f.<dim>.<rel>.<field>``  360 source ``score`` and ``raters`` (shown sources only)
``d.<dim>.score``          dimension score (null when it dropped out)
``p.<dim>.<period>``       a ``periods:`` dimension's sub-period score (null: no stored result)
``adj.<id>``               the adjustment applied
``total``                  unrounded total; ``score`` rounded half-up to 2 decimals
``grade_uncalibrated``,    grades from ``score``; calibration may lower ``grade``
``grade``
``bonus.*``, ``bonus``     bonus steps (exact decimals) and the amount due now (``bonus.gross`` before
                           ``net_of``, ``bonus.paid`` netted)
``override.*``             ``score_from``/``grade_from`` of an overridden result
``outcome.<id>``           the outcome holds
``lost.<key>``             weighted points lost per KPI / OKR or 360 dimension
``miss.<dim>[.<kpi>]``     the item dropped out for missing data (see :func:`missing_items`;
                           ``miss.<dim>.<period>`` for a sub-period of a ``periods:`` dimension)
=========================  =====================================================
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping

import polars as pl

from appraise.language import expr as expressions
from appraise.language.compile import BUILTIN_ATTRIBUTES, Action, Dimension, Kpi, Ruleset, Scorecard
from appraise.errors import AppraiseError
from appraise.language.period import Period
from appraise.tables import LARGEST, THOUSANDS, Inputs, empty_frames

MONEY = pl.Decimal(38, 10)
F64 = pl.Float64


@dataclass
class EmployeeError:
    """An employee who could not be appraised, and why (goes to errors.csv)."""

    employee: str
    stage: str
    message: str


@dataclass
class Evaluation:
    """What :func:`evaluate` returns: the result frame plus what could not be scored."""

    ruleset: Ruleset
    period: Period
    context: Mapping[str, Any]
    frame: pl.DataFrame
    errors: list[EmployeeError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage, for benchmarks and --verbose
    objectives: pl.DataFrame | None = None  # OKR progress per objective: id, objective_index, objective, type, progress
    key_results: pl.DataFrame | None = None  # the OKR input rows (a reference, not a copy), for explanations
    not_covered: list[str] = field(default_factory=list)  # employees no scorecard applies to (not errors)
    overrides: dict = field(default_factory=dict)  # id -> appraise.language.overrides.Override applied
    paid: pl.DataFrame | None = None  # net_of: employee, period, bonus of the sub-periods (for explanations)


def item_paths(card: Scorecard, period: Period | None) -> list[str]:
    """Every item that can be listed in ``missing``, in scorecard order: each dimension, then its KPIs
    (``dim.kpi``) or, for a ``periods:`` dimension, its sub-periods (``dim.2026-Q2``)."""
    out = []
    for d in card.dimensions:
        out.append(d.key)
        out.extend(k.path for k in d.kpis)
        if d.periods is not None and period is not None:
            out.extend(f"{d.key}.{p.id}" for p, _ in d.periods.parts(period))
    return out


def missing_items(ruleset: Ruleset, row: Mapping[str, Any], period: Period | None = None) -> list[str]:
    """``dimension`` / ``dimension.kpi`` / ``dimension.period`` items that dropped out for missing data, in
    scorecard order."""
    card = ruleset.scorecard(row["scorecard"])
    return [item for item in item_paths(card, period) if row.get(f"miss.{item}")]


def lost_key(card: Scorecard, kpi: Kpi) -> str:
    """The key of a KPI in ``lost_points``/``focus_areas``: its id, or ``dim.kpi`` when ids repeat."""
    same = [k for d in card.dimensions for k in d.kpis if k.key == kpi.key]
    return kpi.key if len(same) == 1 else kpi.path


class Columns:
    """The frame column of each name an expression reads, and the names' types (numbers compare with a
    tolerance; see :mod:`appraise.language.expr`)."""

    def __init__(self, ruleset: Ruleset):
        self.metrics = {m.name for m in ruleset.metrics}
        self.types = {**{name: "number" if ruleset.attribute_type(name) in ("number", "money") else "string"
                         for name in (*ruleset.attributes, "id", "name", "hire_date", "leave_date", "locale")},
                      **{m: "number" for m in self.metrics},
                      "tenure_months": "number", "employed_share": "number", "score": "number", "bonus": "number",
                      "grade": "string", "grade_uncalibrated": "string"}

    def __call__(self, name: str) -> pl.Expr:
        if name.startswith("previous."):
            return pl.col(f"prev.{name[len('previous.'):]}")
        if name in self.metrics:
            return pl.col(f"m.{name}")
        if name in ("id", "name", "tenure_months", "employed_share", "grade", "grade_uncalibrated", "score"):
            return pl.col(name)
        if name == "bonus":
            return pl.col("bonus.value")
        if name in ("hire_date", "leave_date", "locale"):
            return pl.col(name)
        return pl.col(f"attr.{name}")


def _condition(e, column, context) -> pl.Expr:
    if e is None:
        return pl.lit(True)
    return expressions.to_polars(e, column, context, column.types).fill_null(False).cast(pl.Boolean)


def _curve_expr(kpi: Kpi, a: pl.Expr) -> pl.Expr:
    c = kpi.curve
    if c.kind == "linear":
        return pl.when(a.is_null()).then(None).when(a < c.floor).then(0.0).otherwise(
            pl.min_horizontal(a, pl.lit(c.cap)) * 100.0)
    if c.kind == "bands":
        out = pl.when(a.is_null()).then(None)
        for start, score in reversed(c.bands):
            out = out.when(a >= start).then(score)
        return out.otherwise(0.0)
    pts = c.points
    out = pl.when(a.is_null()).then(None).when(a <= pts[0][0]).then(pts[0][1])
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        out = out.when(a <= x1).then(y0 + (y1 - y0) * (a - x0) / (x1 - x0))
    return out.otherwise(pts[-1][1])


def _weighted(cols: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """Σ w·s / Σ w over the pairs whose score is present (null when none)."""
    num = pl.sum_horizontal([pl.when(s.is_not_null()).then(w * s).otherwise(0.0) for w, s in cols])
    den = pl.sum_horizontal([pl.when(s.is_not_null()).then(w).otherwise(0.0) for w, s in cols])
    return pl.when(den > 0).then(num / den).otherwise(None)


# ---------------------------------------------------------------- preparation

def _employees(ruleset: Ruleset, inputs: Inputs, period: Period, errors: list[EmployeeError]) -> pl.DataFrame:
    emp = inputs.employees
    for col in ("hire_date", "leave_date", "locale"):
        if col not in emp.columns:
            emp = emp.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col))
    for name in ruleset.attributes:
        if name not in emp.columns:
            raise AppraiseError(f"the ruleset declares attribute '{name}' but the employee table has no "
                                f"column '{name}'; add it to the employees source or remove it from 'attributes:'")
    emp = emp.with_columns(pl.col("id").cast(pl.Utf8), pl.col("name").cast(pl.Utf8),
                           pl.col("hire_date").cast(pl.Utf8), pl.col("leave_date").cast(pl.Utf8))
    # each value is parsed once; the checks below read the parsed columns
    parsed = [pl.col(c).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias(f"_{c}")
              for c in ("hire_date", "leave_date")]
    checks: list[tuple[str, str, str]] = [(c, f"_{c}", "is not a date; write YYYY-MM-DD")
                                          for c in ("hire_date", "leave_date")]
    for name, kind in ruleset.attributes.items():
        raw = pl.col(name).cast(pl.Utf8).str.strip_chars()
        if kind in ("number", "money"):
            # commas only as thousands separators ('20,000.50'); '12.375,00' or '1,2,3' stay unreadable
            text = pl.when(raw.str.contains(THOUSANDS)).then(raw.str.replace_all(",", "", literal=True)) \
                .otherwise(raw)
            parsed.append(text.cast(F64, strict=False).alias(f"attr.{name}"))
            if kind == "money":
                parsed.append(text.cast(MONEY, strict=False).alias(f"money.{name}"))
            checks.append((name, f"attr.{name}", f"is not a number (declared {kind})"))
            # too large to compute exactly (and NaN/inf, which cast from 'nan'/'inf')
            num = text.cast(F64, strict=False)
            parsed.append(pl.when(num.is_null() | (num.is_finite() & (num.abs() < LARGEST))).then(True)
                          .otherwise(None).alias(f"_sane.{name}"))
            checks.append((name, f"_sane.{name}", "is not a usable number: it must be finite and below 10^15"))
        else:
            parsed.append(raw.alias(f"attr.{name}"))
    # a blank hire date must not read as a tenure of 0 months, nor as employed the whole period
    readers = [why for why, reads in (("reads tenure_months", ruleset.reads("tenure_months")),
                                      ("reads employed_share", ruleset.reads("employed_share")),
                                      ("prorates the bonus by days employed", ruleset.proration == "days"))
               if reads]
    if readers:
        checks.append(("hire_date", "_tenure_known", f"is empty, but the ruleset {' and '.join(readers)}; "
                       "give the employee's hire date (YYYY-MM-DD)"))
        parsed.append(pl.when(pl.col("hire_date").is_null()
                              | (pl.col("hire_date").str.strip_chars() == "")).then(None).otherwise(True)
                      .alias("_tenure_known"))
    emp = emp.with_columns(parsed)
    if ruleset.bonus and ruleset.attribute_type(ruleset.bonus.target) == "money":
        target = ruleset.bonus.target
        checks.append((target, "_bonus_target", "is below zero; a bonus target is 0 or more"))
        emp = emp.with_columns(pl.when(pl.col(f"money.{target}") < 0).then(None).otherwise(True)
                               .alias("_bonus_target"))
    # only those the period appraises: hired by its last day (or when unknown), not gone before its first
    end, start = period.end, period.start
    emp = emp.filter((pl.col("_hire_date").is_null() | (pl.col("_hire_date") <= end))
                     & (pl.col("_leave_date").is_null() | (pl.col("_leave_date") >= start)))
    # a value that is there (not null, not blank) but did not parse
    unread = [(((pl.col(c).is_not_null() & (pl.col(c).cast(pl.Utf8).str.strip_chars() != ""))
                | pl.lit(p == "_tenure_known")) & pl.col(p).is_null()).alias(f"_unread.{i}")
              for i, (c, p, _) in enumerate(checks)]
    if emp.select(pl.any_horizontal(unread).any()).item():
        bad = emp.filter(pl.any_horizontal(unread)).select("id", *dict.fromkeys(c for c, _, _ in checks), *unread)
        for row in bad.iter_rows(named=True):
            errors.extend(EmployeeError(row["id"], "employees", f"{c} {message}" if row[c] is None
                                        or not str(row[c]).strip() else f"{c} '{row[c]}' {message}")
                          for i, (c, _, message) in enumerate(checks) if row[f"_unread.{i}"])
        emp = emp.filter(~pl.any_horizontal(unread))
    hire = pl.col("_hire_date")
    months = ((end.year - hire.dt.year()) * 12 + (end.month - hire.dt.month())
              - pl.when(hire.dt.day() > end.day).then(1).otherwise(0))
    emp = emp.with_columns(pl.when(hire.is_null()).then(None).otherwise(pl.max_horizontal(months, pl.lit(0)))
                           .cast(F64).alias("tenure_months"))
    # days employed within the period, hire and leave dates included: the exact share is employed_days / days
    first = pl.when(hire.is_not_null() & (hire > start)).then(hire).otherwise(pl.lit(start))
    leave = pl.col("_leave_date")
    last = pl.when(leave.is_not_null() & (leave < end)).then(leave).otherwise(pl.lit(end))
    days = ((last - first).dt.total_days() + 1).cast(pl.Int64)
    emp = emp.with_columns(days.alias("employed_days"))
    emp = emp.with_columns((pl.col("employed_days") / period.days).cast(F64).alias("employed_share"))
    derived = [c for c in emp.columns if c.startswith(("attr.", "money."))]
    helpers = {"_hire_date", "_leave_date", "_bonus_target", "_tenure_known"} \
        | {c for c in emp.columns if c.startswith("_sane.")}
    return emp.select([c for c in emp.columns if c not in derived and c not in helpers] + derived)


def _coded(table: pl.DataFrame, codes: pl.DataFrame) -> pl.LazyFrame:
    """Rows of ``table`` with the employee's integer code ``_eid`` (rows of unknown employees drop here;
    the providers report them before the engine runs)."""
    sorted_codes = _codes_of_sorted(table["employee"], codes) if table.height else None
    if sorted_codes is not None:
        return table.lazy().with_columns(sorted_codes[0].alias("_eid")).filter(pl.col("_eid").is_not_null())
    return table.lazy().join(codes.lazy(), left_on="employee", right_on="id", how="inner")


def _codes_of_sorted(employee: pl.Series, codes: pl.DataFrame) -> tuple[pl.Series, pl.Series] | None:
    """The code of each row's employee when the rows come sorted by employee id, as exports usually
    do: each run of equal ids is looked up once (not at all when the runs are exactly the codes),
    instead of joining every row.  With it, where each employee's run begins.  ``None`` when the rows
    are not sorted that way."""
    if employee.dtype != pl.Utf8 or employee.null_count() or not employee.is_sorted():
        return None
    run, first = _runs(employee)
    values = employee.filter(first)
    if values.len() == codes.height and values.equals(codes["id"], check_names=False):
        return run.cast(pl.UInt32), first  # the common case: run i is employee i
    per_run = values.to_frame("employee").join(codes, left_on="employee", right_on="id", how="left",
                                               maintain_order="left")["_eid"]
    return per_run.gather(run), first


def _aggregate_metrics(ruleset: Ruleset, inputs: Inputs, period: Period, warnings: list[str],
                       codes: pl.DataFrame) -> pl.DataFrame:
    raw = ruleset.raw_metrics
    metrics = inputs.metrics if inputs.metrics is not None else empty_frames()["metrics"]
    present = set(metrics.columns)
    wanted = ["employee", "month"] + [m.name for m in raw if m.name in present]
    table = metrics.select(wanted)
    in_period = pl.col("month").is_in(list(period.months))
    if table.height and not table.select(in_period.fill_null(False).all()).item():
        table = table.filter(in_period)
    aggs = []
    aggregated = inputs.aggregated
    from_agg = set(aggregated.columns) - {"employee"} if aggregated is not None else set()
    for m in raw:
        if m.name not in present:
            continue
        c = pl.col(m.name).cast(F64)
        agg = {"sum": c.sum(), "mean": c.mean(), "min": c.min(), "max": c.max(),
               "first": c.sort_by("month").drop_nulls().first(),
               "last": c.sort_by("month").drop_nulls().last()}[m.aggregate or "sum"]
        if (m.aggregate or "sum") == "sum":  # the others are null already when every value is
            agg = pl.when(c.count() > 0).then(agg).otherwise(None)
        aggs.append(agg.alias(f"m.{m.name}"))
    missing = [m for m in raw if m.name not in present and m.name not in from_agg]
    required = [m.name for m in missing if not m.optional]
    if required:  # a misspelt column must not score (and pay) as if the metric were missing
        raise AppraiseError("no metrics table has a column for " + ", ".join(f"'{n}'" for n in required)
                            + ", which the ruleset declares; rename the column, or declare the metric "
                            "optional: true if the data may lack it")
    if missing:
        warnings.append("no data source provides " + ", ".join(f"'{m.name}'" for m in missing)
                        + " (declared optional); whatever reads them counts as missing")
    if aggs:
        out = _aggregate_runs(table, codes, [m for m in raw if m.name in present])
        if out is None:
            out = _coded(table, codes).group_by("_eid").agg(aggs).collect(engine="streaming")
    else:
        out = pl.DataFrame(schema={"_eid": pl.UInt32})
    if aggregated is not None and from_agg:
        agg = _coded(aggregated, codes).select(["_eid"] + [pl.col(n).cast(F64).alias(f"m.{n}") for n in sorted(from_agg)
                                                            if ruleset.metric(n) is not None]).collect()
        out = out.join(agg, on="_eid", how="full", coalesce=True, suffix=".agg")
        for n in from_agg:
            if f"m.{n}.agg" in out.columns:
                out = out.with_columns(pl.coalesce(f"m.{n}", f"m.{n}.agg").alias(f"m.{n}")).drop(f"m.{n}.agg")
    return out


def _aggregate_runs(table: pl.DataFrame, codes: pl.DataFrame, metrics: list) -> pl.DataFrame | None:
    """The roll-up when the rows come sorted by employee, as exports usually do: each employee's run
    of rows becomes one list (offsets into the column, no copy) reduced in place.  No hashing, and
    the result is already in code order.  ``None`` when the rows are not sorted that way, or a metric
    takes its first or last value (those need the months' order)."""
    if not table.height or any(m.aggregate in ("first", "last") for m in metrics):
        return None
    sorted_codes = _codes_of_sorted(table["employee"], codes)
    if sorted_codes is None:
        return None
    eid, first = sorted_codes
    lists = _run_lists({m.name: table[m.name].cast(F64) for m in metrics}, first)
    aggs = []
    for m in metrics:
        c = pl.col(m.name)
        agg = {"sum": c.list.sum(), "mean": c.list.mean(), "min": c.list.min(), "max": c.list.max()}[m.aggregate or "sum"]
        if (m.aggregate or "sum") == "sum" and table[m.name].null_count():  # a sum of nothing is missing, not 0
            agg = pl.when(c.list.drop_nulls().list.len() > 0).then(agg).otherwise(None)
        aggs.append(agg.alias(f"m.{m.name}"))
    out = lists.select(aggs).with_columns(eid.filter(first).alias("_eid"))
    return out.filter(pl.col("_eid").is_not_null()) if out["_eid"].null_count() else out


def _runs(key: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Runs of equal ``key`` values: each row's run number, and True where a run begins."""
    run = key.rle_id()
    return run, (run != run.shift(1)).fill_null(True)


def _run_lists(columns: dict[str, pl.Series], first: pl.Series) -> pl.DataFrame:
    """Each column cut into one list per run (runs begin where ``first`` holds): Arrow list arrays
    over the column's own values, so nothing is copied or hashed."""
    import pyarrow as pa

    height = first.len()
    large = height >= 2 ** 31
    index = pl.Int64 if large else pl.Int32
    starts = pl.int_range(0, height, eager=True, dtype=index).filter(first)
    offsets = starts.append(pl.Series([height], dtype=index)).to_arrow()
    make = pa.LargeListArray.from_arrays if large else pa.ListArray.from_arrays
    return pl.DataFrame({name: pl.from_arrow(make(offsets, col.rechunk().to_arrow())) for name, col in columns.items()})


def _okr_scores(ruleset: Ruleset, inputs: Inputs, codes: pl.DataFrame) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Per-employee OKR dimension scores (one column per aspirational threshold) and per-objective progress."""
    thresholds = {d.aspirational_threshold for c in ruleset.scorecards for d in c.dimensions if d.kind == "okr"}
    if not thresholds:
        return None, None
    okrs = inputs.okrs if inputs.okrs is not None else empty_frames()["okrs"]
    if "weight" not in okrs.columns:
        okrs = okrs.with_columns(pl.lit(1.0).alias("weight"))
    if "objective_index" not in okrs.columns:
        okrs = okrs.with_columns(pl.col("objective").rank("dense").over("employee").cast(pl.Int64)
                                 .alias("objective_index"))
    if "type" not in okrs.columns:
        okrs = okrs.with_columns(pl.lit("committed").alias("type"))
    okrs = okrs.select("employee", "objective", "objective_index", "type", "start", "target", "current", "weight")
    index = okrs["objective_index"].cast(pl.Int64)
    low, high = (index.min() or 0), (index.max() or 0)
    if low < 0:
        raise AppraiseError(f"an OKR objective_index is negative ({low}); number objectives from 0")
    # one integer key per (employee, objective): single-key group-bys are the fast ones
    span = high + 1
    start, target, current = (pl.col(c).cast(F64) for c in ("start", "target", "current"))
    kr = _coded(okrs.with_row_index("_row"), codes).select(
        (pl.col("_eid").cast(pl.UInt64) * span + pl.col("objective_index").cast(pl.UInt64)).alias("_k"), "_row",
        pl.when(target != start).then(((current - start) / (target - start)).clip(0.0, 1.0))
        .otherwise(None).alias("_progress"),
        pl.col("weight").cast(F64).fill_null(1.0).alias("_w"),
        (pl.col("type") == "aspirational").fill_null(False).alias("_aspirational"))
    kr = kr.filter(pl.col("_progress").is_not_null()).collect()
    scored = {f"okr@{t}": pl.when(pl.col("_aspirational")).then(pl.min_horizontal(pl.col("_progress") / t, pl.lit(1.0)))
              .otherwise(pl.col("_progress")) for t in sorted(thresholds)}
    if kr.height and kr["_k"].is_sorted():
        # rows in (employee, objective) order, as the okr provider gives them: every objective and
        # then every employee is a run, reduced in place
        _, first = _runs(kr["_k"])
        lists = _run_lists({"pw": kr["_progress"] * kr["_w"], "w": kr["_w"]}, first)
        obj = kr.filter(first).select("_k", "_row", "_aspirational").with_columns(
            (lists["pw"].list.sum() / lists["w"].list.sum()).alias("_progress"))
        per = obj.select((pl.col("_k") // span).cast(pl.UInt32).alias("_eid"), *(e.alias(n) for n, e in scored.items()))
        _, first = _runs(per["_eid"])
        lists = _run_lists({n: per[n] for n in scored}, first)
        scores = lists.select(pl.col(n).list.mean() * 100.0 for n in scored).with_columns(per["_eid"].filter(first))
    else:
        obj = kr.lazy().group_by("_k").agg(
            pl.col("_row").first(), pl.col("_aspirational").first(),
            ((pl.col("_progress") * pl.col("_w")).sum() / pl.col("_w").sum()).alias("_progress")).collect()
        scores = obj.lazy().group_by((pl.col("_k") // span).cast(pl.UInt32).alias("_eid")) \
            .agg((e.mean() * 100.0).alias(n) for n, e in scored.items()).collect()
        obj = obj.sort("_k")
    # names and types of the objectives: gathered once per objective, not carried through the group-by
    rows = obj["_row"]
    objectives = pl.DataFrame({
        "_eid": (obj["_k"] // span).cast(pl.UInt32),
        "objective_index": (obj["_k"] % span).cast(pl.Int64),
        "objective": okrs["objective"].cast(pl.Utf8).gather(rows),
        "type": okrs["type"].cast(pl.Utf8).gather(rows).fill_null("committed"),
        "progress": obj["_progress"]})
    return scores, objectives


_PEEK = 1000  # rows looked at to choose the 360 strategy


def _source_values(rows: pl.LazyFrame, repeated: bool = False) -> pl.DataFrame:
    """Per (employee, relation) key ``_k``: the mean over raters of each rater's mean rating, and the
    number of raters.

    Most surveys hold one rating per rater and relation; then one group-by gives both numbers, and
    the distinct rater hashes prove it (distinct hashes mean distinct raters).  Keys where that proof
    fails (several ratings per rater, e.g. one per competency, or a hash collision) are computed again
    exactly, rater by rater.  ``repeated`` (a peek at the first rows saw a rater rate twice) skips the
    single-level attempt when it is bound to fail."""
    def exact(part: pl.LazyFrame) -> pl.LazyFrame:
        return (part.group_by("_k", "rater").agg(pl.col("rating").mean().alias("v"))
                .group_by("_k").agg(pl.col("v").mean().alias("value"), pl.len().alias("raters")))

    if repeated:
        return exact(rows).collect()
    out = rows.group_by("_k").agg(pl.col("rating").mean().alias("value"), pl.len().alias("raters"),
                                  pl.col("rater").hash().n_unique().alias("_distinct")).collect()
    unproved = out.filter(pl.col("_distinct") < pl.col("raters")).select("_k")
    out = out.drop("_distinct")
    if unproved.height:
        fixed = exact(rows.join(unproved.lazy(), on="_k", how="semi")).collect()
        out = pl.concat([out.join(fixed.select("_k"), on="_k", how="anti"), fixed], how="vertical_relaxed")
    return out


def _feedback_scores(ruleset: Ruleset, inputs: Inputs, period: Period,
                     codes: pl.DataFrame) -> dict[tuple[str, str], pl.DataFrame]:
    """Source scores and rater counts per 360 dimension, keyed ``(scorecard, dimension)``.

    Scorecards may share a dimension name with different ``sources:``: each distinct
    definition is rolled up once and handed to the scorecards that use it.
    """
    uses: list[tuple[Dimension, list[tuple[str, str]]]] = []
    for c in ruleset.scorecards:
        for d in c.dimensions:
            if d.kind != "feedback360":
                continue
            same = next((u for u in uses if u[0].key == d.key and u[0].feedback == d.feedback), None)
            if same is None:
                uses.append((d, [(c.key, d.key)]))
            else:
                same[1].append((c.key, d.key))
    if not uses:
        return {}
    fb = inputs.feedback if inputs.feedback is not None else empty_frames()["feedback"]
    if "period" in fb.columns:
        periods = [p for p in fb["period"].drop_nulls().unique().to_list() if period.contains(p)]
        fb = fb.filter(pl.col("period").is_null() | pl.col("period").is_in(periods))
    out = {}
    relations_all = sorted({r for d, _ in uses for r, _ in d.feedback.sources} | {"self"})
    code = {r: i for i, r in enumerate(relations_all)}
    # integer keys: grouping 8 ratings × 1M employees by strings is several times slower; an Enum
    # cast codes the relation (unknown relations become null and drop) faster than a replace
    keep = ["employee", "relation", "rater", "rating"] + (["competency"] if "competency" in fb.columns else [])
    peek = fb.head(_PEEK).select("employee", "relation", "rater")
    repeated = peek.height > 0 and peek.n_unique() < peek.height
    fb = _coded(fb.select(keep), codes).with_columns(
        pl.col("relation").cast(pl.Utf8).cast(pl.Enum(relations_all), strict=False).to_physical().alias("_rel"),
        pl.col("rater").cast(pl.Utf8), pl.col("rating").cast(F64)).drop_nulls(["_rel", "rating"])
    # (a blank cell is not a rating: a rater counts only with at least one, SPEC v1.1)
    n = codes.height
    for d, users in uses:
        key, spec = d.key, d.feedback
        rows = fb
        if spec.competencies:
            if "competency" not in fb.collect_schema().names():
                raise AppraiseError(f"360 dimension '{key}' rates the competencies {', '.join(spec.competencies)}, "
                                    "but the feedback has no 'competency' column; add it to the feedback file "
                                    "(or map it with columns:)")
            rows = rows.filter(pl.col("competency").is_in(list(spec.competencies)))
        relations = [r for r, _ in spec.sources]
        if "self" not in relations:
            relations.append("self")
        # one integer key per (employee, relation): single-key group-bys are the fast ones
        k = pl.col("_eid").cast(pl.UInt64) * 256 + pl.col("_rel").cast(pl.UInt64)
        rows = rows.filter(pl.col("_rel").is_in([code[r] for r in relations])).select(k.alias("_k"), "rater", "rating")
        sources = _source_values(rows, repeated).with_columns((pl.col("_k") // 256).cast(pl.UInt32).alias("_eid"),
                                                    (pl.col("_k") % 256).cast(pl.UInt8).alias("_rel"))
        threshold = pl.col("_rel").replace_strict({code[r]: spec.threshold(r) for r in relations},
                                                  default=None, return_dtype=pl.Int64)
        sources = sources.filter(pl.col("raters") >= threshold)
        # pivot by scattering into one dense column per relation (faster than a group-by with filters)
        columns = {"_eid": pl.Series("_eid", range(n), dtype=pl.UInt32)}
        for r in relations:
            sub = sources.filter(pl.col("_rel") == code[r])
            idx = sub["_eid"]
            columns[f"f.{key}.{r}.score"] = pl.Series(dtype=F64).extend_constant(None, n) \
                .scatter(idx, sub["value"] / spec.scale * 100.0) if n else pl.Series(dtype=F64)
            columns[f"f.{key}.{r}.raters"] = pl.Series(dtype=pl.UInt32).extend_constant(None, n) \
                .scatter(idx, sub["raters"].cast(pl.UInt32)) if n else pl.Series(dtype=pl.UInt32)
        frame = pl.DataFrame(columns)
        out.update((user, frame) for user in users)
    return out


def _period_scores(ruleset: Ruleset, inputs: Inputs, period: Period, codes: pl.DataFrame,
                   warnings: list[str]) -> dict[tuple[str, str], pl.DataFrame]:
    """Per ``periods:`` dimension (scorecard, dimension): ``_eid`` and ``p.<dim>.<period>``, each employee's
    reported score in the stored run of the named ruleset for each sub-period (null: no stored result)."""
    dims = [(card, d) for card in ruleset.scorecards for d in card.dimensions if d.kind == "periods"]
    if not dims:
        return {}
    sub = inputs.subperiods
    if sub is None:
        sub = pl.DataFrame(schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8, "score": F64})
    n = codes.height
    out: dict[tuple[str, str], pl.DataFrame] = {}
    warned: set[tuple[str, str]] = set()
    for card, d in dims:
        spec = d.periods
        parts = d.periods.parts(period)
        columns = {"_eid": pl.Series("_eid", range(n), dtype=pl.UInt32)}
        for p, _ in parts:
            rows = sub.filter((pl.col("ruleset") == spec.ruleset) & (pl.col("period") == p.id))
            if not rows.height and inputs.stored.get((spec.ruleset, p.id)) is None \
                    and (spec.ruleset, p.id) not in warned:
                warned.add((spec.ruleset, p.id))
                warnings.append(f"no stored results of ruleset '{spec.ruleset}' for {p.id}: every employee's "
                                f"{d.key}.{p.id} is missing (run that period first, then this one again)")
            coded = rows.join(codes, left_on="employee", right_on="id", how="inner")
            columns[f"p.{d.key}.{p.id}"] = pl.Series(dtype=F64).extend_constant(None, n).scatter(
                coded["_eid"], coded["score"].cast(F64)) if n and coded.height else \
                pl.Series(f"p.{d.key}.{p.id}", [None] * n, dtype=F64)
        out[(card.key, d.key)] = pl.DataFrame(columns)
    return out


def _paid(ruleset: Ruleset, inputs: Inputs) -> pl.DataFrame | None:
    """``id`` and ``_paid``: what the runs ``bonus.net_of`` names paid each employee (exact; a null bonus
    counts 0), or None when the ruleset does not net."""
    plan = ruleset.bonus
    if plan is None or plan.net_of is None:
        return None
    paid = inputs.paid
    if paid is None or not paid.height:
        return pl.DataFrame(schema={"id": pl.Utf8, "_paid": MONEY})
    return (paid.filter(pl.col("ruleset") == plan.net_of.ruleset)
            .group_by("employee").agg(pl.col("bonus").cast(pl.Utf8).cast(MONEY, strict=False).fill_null(Decimal(0))
                                      .sum().alias("_paid"))
            .rename({"employee": "id"}))


# ---------------------------------------------------------------- reweighting

def _group(card: Scorecard, path: str) -> list[str]:
    """Column names (``wr.``) of the sibling group that ``path`` belongs to."""
    if "." in path:
        dim = card.dimension(path.split(".")[0])
        return [f"wr.{k.path}" for k in dim.kpis]
    return [f"wr.{d.key}" for d in card.dimensions]


def _apply(action: Action, fired: pl.Expr, card: Scorecard) -> list[pl.Expr]:
    if action.kind == "scale_target":
        return [pl.when(fired).then(pl.col(f"k.{k.path}.scale") * action.value)
                .otherwise(pl.col(f"k.{k.path}.scale")).alias(f"k.{k.path}.scale")
                for k in card.kpis_named(action.path)]
    if action.kind == "shift":
        src, dst = f"wr.{action.source}", f"wr.{action.target}"
        return [pl.when(fired).then(pl.col(src) - action.value).otherwise(pl.col(src)).alias(src),
                pl.when(fired).then(pl.col(dst) + action.value).otherwise(pl.col(dst)).alias(dst)]
    value = 0.0 if action.kind == "drop" else action.value
    me = f"wr.{action.path}"
    group = _group(card, action.path)
    total = pl.sum_horizontal([pl.col(c) for c in group])
    rest = total - pl.col(me)
    out = []
    for c in group:
        if c == me:
            new = pl.lit(value)
        else:
            new = pl.when(rest != 0).then(pl.col(c) * (total - value) / rest).otherwise(pl.col(c))
        out.append(pl.when(fired).then(new).otherwise(pl.col(c)).alias(c))
    return out


# ---------------------------------------------------------------- one scorecard

def _score_card(frame: pl.LazyFrame, ruleset: Ruleset, card: Scorecard, column, context,
                okr: pl.DataFrame | None, feedback: dict[tuple[str, str], pl.DataFrame],
                periods: dict[tuple[str, str], pl.DataFrame] | None = None, period: Period | None = None
                ) -> pl.LazyFrame:
    f = frame
    zero = ruleset.missing == "zero"
    # OKR, 360 and sub-period inputs joined while the frame is still narrow
    for d in card.dimensions:
        if d.kind == "okr":
            f = f.join(okr.lazy().select("_eid", pl.col(f"okr@{d.aspirational_threshold}").alias(f"d.{d.key}.score")),
                       on="_eid", how="left")
        elif d.kind == "feedback360":
            f = f.join(feedback[(card.key, d.key)].lazy(), on="_eid", how="left")
        elif d.kind == "periods":
            f = f.join(periods[(card.key, d.key)].lazy(), on="_eid", how="left")
    # rules: conditions, then weights and target scales in file order
    rules = [(r, r.applies_to(card)) for r in ruleset.rules]
    rules = [(r, acts) for r, acts in rules if acts]
    f = f.with_columns([_condition(r.when, column, context).alias(f"rule.{r.id}") for r, _ in rules]
                       + [pl.lit(d.weight, dtype=F64).alias(f"wr.{d.key}") for d in card.dimensions]
                       + [pl.lit(k.weight, dtype=F64).alias(f"wr.{k.path}") for d in card.dimensions for k in d.kpis]
                       + [pl.lit(1.0, dtype=F64).alias(f"k.{k.path}.scale") for d in card.dimensions for k in d.kpis])
    for r, acts in rules:
        for a in acts:
            f = f.with_columns(_apply(a, pl.col(f"rule.{r.id}"), card))
    # KPI actuals, targets, attainment, scores
    kcols = []
    for d in card.dimensions:
        for k in d.kpis:
            actual = pl.col(f"m.{k.metric}")
            t = k.target
            if t.kind == "number":
                base = pl.lit(t.number, dtype=F64)
            elif t.kind == "metric":
                base = pl.col(f"m.{t.name}")
            elif t.kind == "attribute":
                base = column(t.name).cast(F64, strict=False)
            else:
                base = expressions.to_polars(t.expression, column, context, column.types).cast(F64)
            kcols += [actual.alias(f"k.{k.path}.actual"), (base * pl.col(f"k.{k.path}.scale")).alias(f"k.{k.path}.target")]
    f = f.with_columns(kcols)
    acols = []
    for d in card.dimensions:
        for k in d.kpis:
            actual, target = pl.col(f"k.{k.path}.actual"), pl.col(f"k.{k.path}.target")
            if k.direction == "lower":
                a = (pl.when(actual.is_null() | target.is_null()).then(None)
                     .when(actual == 0).then(k.curve.attainment_at_zero_actual).otherwise(target / actual))
            else:
                a = pl.when(target != 0).then(actual / target).otherwise(None)
            # to 12 decimals: an actual that hits its target is 1, not 0.9999999999999999, before any
            # floor, band or bonus tier compares it (actual and target are binary floats)
            acols.append(a.round(12).alias(f"k.{k.path}.attainment"))
    f = f.with_columns(acols)
    f = f.with_columns([_curve_expr(k, pl.col(f"k.{k.path}.attainment")).alias(f"k.{k.path}.score")
                        for d in card.dimensions for k in d.kpis])
    if zero:  # only what counts: a KPI or dimension weighed 0 (by the ruleset or a rule) is not scored at all
        f = f.with_columns([pl.when((pl.col(f"wr.{k.path}") > 0) & (pl.col(f"wr.{d.key}") > 0))
                            .then(pl.col(f"k.{k.path}.score").fill_null(0.0)).otherwise(pl.col(f"k.{k.path}.score"))
                            .alias(f"k.{k.path}.score") for d in card.dimensions for k in d.kpis])
    # dimension scores with KPI redistribution
    dcols, wcols = [], []
    for d in card.dimensions:
        if d.kind == "kpis":
            pairs = [(pl.col(f"wr.{k.path}"), pl.col(f"k.{k.path}.score")) for k in d.kpis]
            kept = pl.sum_horizontal([pl.when(s.is_not_null()).then(w).otherwise(0.0) for w, s in pairs])
            total = pl.sum_horizontal([w for w, _ in pairs])
            for k in d.kpis:
                w, s = pl.col(f"wr.{k.path}"), pl.col(f"k.{k.path}.score")
                wcols.append(pl.when(s.is_not_null() & (kept > 0)).then(w * total / kept).otherwise(0.0)
                             .alias(f"w.{k.path}"))
            dcols.append(_weighted(pairs).alias(f"d.{d.key}.score"))
        elif d.kind == "feedback360":
            pairs = [(pl.lit(w), pl.col(f"f.{d.key}.{r}.score")) for r, w in d.feedback.sources]
            dcols.append(_weighted(pairs).alias(f"d.{d.key}.score"))
        elif d.kind == "periods":
            # the weighted mean of the sub-periods' reported scores: a missing one shares its weight among
            # the present ones (redistribute) or scores 0 (zero); none present: the dimension is missing
            parts = d.periods.parts(period)
            pairs = [(pl.lit(w, dtype=F64), pl.col(f"p.{d.key}.{p.id}")) for p, w in parts]
            if zero and pairs:
                present = pl.any_horizontal([s.is_not_null() for _, s in pairs])
                score = pl.when(present).then(
                    pl.sum_horizontal([w * s.fill_null(0.0) for w, s in pairs]) / sum(w for _, w in parts))
                dcols.append(score.otherwise(None).alias(f"d.{d.key}.score"))
            else:
                dcols.append((_weighted(pairs) if pairs else pl.lit(None, dtype=F64)).alias(f"d.{d.key}.score"))
    f = f.with_columns(wcols + dcols)
    f = f.with_columns([pl.col(f"d.{d.key}.score").is_not_null().alias(f"d.{d.key}.has_data") if d.kind != "kpis"
                        else pl.any_horizontal([pl.col(f"k.{k.path}.attainment").is_not_null() & (pl.col(f"wr.{k.path}") > 0)
                                                for k in d.kpis])
                        .alias(f"d.{d.key}.has_data") for d in card.dimensions])
    if zero:
        f = f.with_columns([pl.when(pl.col(f"wr.{d.key}") > 0).then(pl.col(f"d.{d.key}.score").fill_null(0.0))
                            .otherwise(pl.col(f"d.{d.key}.score")).alias(f"d.{d.key}.score") for d in card.dimensions])
    dpairs = [(pl.col(f"wr.{d.key}"), pl.col(f"d.{d.key}.score")) for d in card.dimensions]
    kept = pl.sum_horizontal([pl.when(s.is_not_null()).then(w).otherwise(0.0) for w, s in dpairs])
    total = pl.sum_horizontal([w for w, _ in dpairs])
    f = f.with_columns([pl.when(s.is_not_null() & (kept > 0)).then(w * total / kept).otherwise(0.0)
                        .alias(f"w.{d.key}") for d, (w, s) in zip(card.dimensions, dpairs)]
                       + [(kept > 0).alias("_scored")])
    # missing list, in scorecard order: a dimension with nothing left is listed alone,
    # otherwise each of its KPIs that dropped out
    # (boolean columns, not list columns: list building is the slowest thing polars does here)
    items = []
    for d in card.dimensions:
        has = pl.col(f"d.{d.key}.has_data")
        items.append((~has & (pl.col(f"wr.{d.key}") > 0)).alias(f"miss.{d.key}"))
        if d.kind == "periods":
            for p, _ in d.periods.parts(period):
                items.append((has & pl.col(f"p.{d.key}.{p.id}").is_null() & (pl.col(f"wr.{d.key}") > 0))
                             .alias(f"miss.{d.key}.{p.id}"))
        for k in d.kpis:
            # (in a dimension a rule weighed 0, nothing is dropped for missing data: nothing is scored)
            items.append((has & pl.col(f"k.{k.path}.attainment").is_null() & (pl.col(f"wr.{k.path}") > 0)
                          & (pl.col(f"wr.{d.key}") > 0)).alias(f"miss.{k.path}"))
    f = f.with_columns(items)
    f = f.with_columns(pl.any_horizontal([pl.col(i.meta.output_name()) for i in items]).alias("_missing_any"))
    # total, adjustments, rounding
    base = pl.sum_horizontal([pl.when(s.is_not_null()).then(pl.col(f"w.{d.key}") * s).otherwise(0.0)
                              for d, (_, s) in zip(card.dimensions, dpairs)]) / 100.0
    f = f.with_columns([_condition(a.when, column, context).alias(f"adj.{a.id}") for a in card.adjustments])
    adj = pl.sum_horizontal([pl.when(pl.col(f"adj.{a.id}")).then(a.points).otherwise(0.0) for a in card.adjustments]) \
        if card.adjustments else pl.lit(0.0)
    f = f.with_columns(pl.when(pl.col("_scored")).then(pl.max_horizontal(base + adj, pl.lit(0.0)))
                       .otherwise(None).alias("total"))
    # lost points per KPI and per OKR/360 dimension
    lost = []
    for d in card.dimensions:
        share = pl.col(f"w.{d.key}") / 100.0
        if d.kind == "kpis":
            for k in d.kpis:
                s = pl.col(f"k.{k.path}.score")
                lost.append(pl.when(s.is_not_null()).then(
                    share * pl.col(f"w.{k.path}") / 100.0 * pl.max_horizontal(100.0 - s, pl.lit(0.0)))
                    .otherwise(0.0).alias(f"lost.{lost_key(card, k)}"))
        else:
            s = pl.col(f"d.{d.key}.score")
            lost.append(pl.when(s.is_not_null()).then(share * pl.max_horizontal(100.0 - s, pl.lit(0.0)))
                        .otherwise(0.0).alias(f"lost.{d.key}"))
    return f.with_columns(lost)


# ---------------------------------------------------------------- grades, calibration, bonus

_COMPUTED = ("k.", "d.", "f.", "w.", "wr.", "lost.")  # what the score and pay are made of
_OVERFLOW = 1e27  # the bonus stage's decimals hold 28 integer digits
_UNDERFLOW = 2.2250738585072014e-308  # the smallest normal float: below it (5e-324) 5e-324 / 22 is 0.0


def _drop_unfinite(f: pl.DataFrame, errors: list[EmployeeError]) -> pl.DataFrame:
    """Employees any of whose computed numbers is infinite, NaN or too large for exact money go to the errors.

    Inputs are range-checked where they are read (:data:`appraise.tables.LARGEST`), but arithmetic can
    still overflow: a quota of 1e-320 makes an attainment of infinity.  No output ever holds one.  So do
    employees with a metric value that is not 0 but a subnormal float (below 2.2e-308 in size): a ratio over
    it would silently become 0 (an actual of 0, full marks on a lower-is-better KPI) where the exact value is
    not.
    """
    cols = [c for c, t in f.schema.items() if t == F64 and (c.startswith(_COMPUTED) or c == "total")]
    tiny = [c for c, t in f.schema.items() if t == F64 and c.startswith("m.")]
    if not cols and not tiny:
        return f
    flags = [(~pl.col(c).is_finite() | (pl.col(c).abs() >= _OVERFLOW)).fill_null(False) for c in cols]
    flags += [((pl.col(c) != 0) & (pl.col(c).abs() < _UNDERFLOW)).fill_null(False) for c in tiny]
    bad = pl.any_horizontal(flags)
    if not f.select(bad.any()).item():
        return f
    for row in f.filter(bad).select("id", *cols, *tiny).iter_rows(named=True):
        c = next((c for c in cols if row[c] is not None and not (math.isfinite(row[c]) and abs(row[c]) < _OVERFLOW)),
                 None)
        if c is None:
            c = next(c for c in tiny if row[c] is not None and row[c] != 0 and abs(row[c]) < _UNDERFLOW)
            errors.append(EmployeeError(row["id"], "evaluate",
                                        f"metric {c[2:]} is {row[c]!r}, not 0 but too close to 0 to compute with "
                                        "(below 2.2e-308 in size); check the data behind it (a value with a wrong "
                                        "exponent)"))
            continue
        name, what = _describe_column(c)
        detail = ""
        if c.startswith("k.") and c.endswith(".attainment"):
            path = c[2:-len(".attainment")]
            detail = f" (actual {row.get(f'k.{path}.actual')}, target {row.get(f'k.{path}.target')})"
        errors.append(EmployeeError(row["id"], "evaluate",
                                    f"{what} of {name} is {row[c]}{detail}, not a finite number this engine can "
                                    "pay on; check the data behind it (a target near 0, a value with a wrong "
                                    "exponent)"))
    return f.filter(~bad)


def _describe_column(column: str) -> tuple[str, str]:
    """``k.results.revenue.attainment`` → ("results.revenue", "attainment")."""
    if column == "total":
        return "the scorecard", "the total score"
    prefix, _, rest = column.partition(".")
    if prefix in ("k", "d", "f") and "." in rest:
        name, _, what = rest.rpartition(".")
        return name, what
    return rest, {"w": "the weight", "wr": "the weight", "lost": "the points lost"}.get(prefix, prefix)


def _grade_expr(ruleset: Ruleset, score: pl.Expr) -> pl.Expr:
    out = pl.when(score.is_null()).then(None)
    for g in ruleset.grades:
        out = out.when(score >= g.min).then(pl.lit(g.grade))
    return out.otherwise(pl.lit(ruleset.grades[-1].grade) if ruleset.grades else None)


def _calibrate(ruleset: Ruleset, f: pl.DataFrame) -> pl.DataFrame:
    grades = [g.grade for g in ruleset.grades]
    rank_of = {g: i for i, g in enumerate(grades)}
    cal = ruleset.calibration
    if cal is None or not grades:
        return f.with_columns(pl.col("grade_uncalibrated").alias("grade"), pl.lit(False).alias("calibrated"),
                              pl.lit(None, dtype=pl.Int64).alias("cohort_size"))
    cohort = f"attr.{cal.cohort}" if cal.cohort not in BUILTIN_ATTRIBUTES else cal.cohort
    tie = "_eid" if "_eid" in f.columns else "id"  # _eid follows id order and sorts faster
    # the work happens on a narrow frame, sorted by cohort, score (best first) and id; results go
    # back by row number (no wide sort or join)
    n = f.select(cohort, "score", tie, pl.col("grade_uncalibrated").replace_strict(
        rank_of, default=None, return_dtype=pl.Int64).alias("_rank")).with_row_index("_row")
    n = n.sort([cohort, "score", tie], descending=[False, True, False], nulls_last=True)
    # cohorts are runs of the sorted frame: a place in the cohort is the distance from the run's start
    h = n.height
    run, first = _runs(n[cohort])
    index = pl.int_range(0, h, eager=True, dtype=pl.Int64)
    starts = index.filter(first)
    ends = starts.shift(-1, fill_value=h)
    n = n.with_columns((index - starts.gather(run)).alias("_pos"), (ends - starts).gather(run).alias("cohort_size"))
    need = pl.lit(0, dtype=pl.Int64)
    for grade, share in cal.max_share:
        if grade not in rank_of:
            continue
        num, den = share.as_integer_ratio()
        allowed = (pl.col("cohort_size") * num) // den
        need = pl.max_horizontal(need, pl.when(pl.col("_pos") >= allowed).then(rank_of[grade] + 1).otherwise(0))
    eligible = pl.col(cohort).is_not_null() & (pl.col("cohort_size") >= cal.min_cohort) & pl.col("_rank").is_not_null()
    rank = pl.when(eligible).then(pl.min_horizontal(pl.max_horizontal(pl.col("_rank"), need), pl.lit(len(grades) - 1))) \
        .otherwise(pl.col("_rank"))
    n = n.select("_row", rank.alias("_final"), eligible.alias("calibrated"),
                 pl.when(pl.col(cohort).is_null()).then(None).otherwise(pl.col("cohort_size")).alias("cohort_size"))
    n = n.sort("_row")
    grade = pl.Series("grade", grades, dtype=pl.Utf8).gather(n["_final"])
    return f.hstack([grade, n["calibrated"], n["cohort_size"]])


def _dec(value: Decimal) -> pl.Expr:
    return pl.lit(value, dtype=MONEY)


def _check_overrides(overrides: list, f: pl.DataFrame, errors: list[EmployeeError], not_covered: list[str]) -> list:
    """The overrides, once every one names an appraised employee; otherwise :class:`InvalidInput` at the
    override's line (the run fails before anything is written)."""
    if not overrides:
        return []
    from appraise.errors import InvalidInput

    appraised = set(f.filter(pl.col("id").is_in([o.id for o in overrides]))["id"].to_list())
    reasons = {e.employee: e.message for e in errors}
    uncovered = set(not_covered)
    bad = []
    for o in overrides:
        if o.id in appraised:
            continue
        why = ("no scorecard of this ruleset applies to them" if o.id in uncovered else
               f"they could not be appraised ({reasons[o.id]})" if o.id in reasons else
               "they are not in the employee table, or not employed during the period")
        bad.append(o.diag(f"override for {o.id}, whom this cycle does not appraise: {why}",
                          hint="remove the override, or fix the id", code="override-not-appraised"))
    if bad:
        raise InvalidInput(bad)
    return list(overrides)


def _override(ruleset: Ruleset, f: pl.DataFrame, overrides: list) -> pl.DataFrame:
    """Apply overrides after calibration: a score replaces the reported score and the grade follows from it
    (unless a grade is given too); a grade replaces the grade.  ``override.score_from`` / ``override.grade_from``
    keep what they replaced; ``grade_uncalibrated`` stays."""
    if not overrides:
        return f
    table = pl.DataFrame({"id": [o.id for o in overrides], "_ov_score": [o.score for o in overrides],
                          "_ov_grade": [o.grade for o in overrides]},
                         schema={"id": pl.Utf8, "_ov_score": F64, "_ov_grade": pl.Utf8})
    f = f.join(table, on="id", how="left", maintain_order="left")
    on = pl.col("_ov_score").is_not_null() | pl.col("_ov_grade").is_not_null()
    score = pl.coalesce(pl.col("_ov_score"), pl.col("score"))
    grade = (pl.when(pl.col("_ov_grade").is_not_null()).then(pl.col("_ov_grade"))
             .when(pl.col("_ov_score").is_not_null()).then(_grade_expr(ruleset, pl.col("_ov_score")))
             .otherwise(pl.col("grade")))
    f = f.with_columns(pl.when(pl.col("_ov_score").is_not_null()).then(pl.col("score")).otherwise(None)
                       .alias("override.score_from"),
                       pl.when(on).then(pl.col("grade")).otherwise(None).alias("override.grade_from"),
                       on.alias("override.applied"))
    return f.with_columns(score.alias("score"), grade.alias("grade")).drop("_ov_score", "_ov_grade")


def _bonus(ruleset: Ruleset, f: pl.DataFrame) -> pl.DataFrame:
    plan = ruleset.bonus
    if plan is None:
        return f.with_columns(pl.lit(None, dtype=MONEY).alias("bonus"), pl.lit(None, dtype=F64).alias("bonus.value"))
    # the bonus reads few columns: the work runs on those, lazily, in one pass
    wide = f
    # scorecards may share a KPI's path (results.revenue in two of them): one column, listed once
    # (a scorecard no employee of this cycle has contributes no columns, and no one to pick)
    paths = list(dict.fromkeys(k.path for card in ruleset.scorecards for k in card.kpis_named(plan.attainment)[:1]
                               if f"k.{k.path}.attainment" in f.columns))
    needed = ["scorecard", "grade"] + [c for c in (f"money.{plan.target}", f"attr.{plan.target}") if c in f.columns] \
        + [f"k.{p}.{part}" for p in paths for part in ("attainment", "actual", "target")] \
        + [c for c in ("_fnum", "_fden", "_paid") if c in f.columns]
    f = f.select(needed).lazy()
    target = pl.col(f"money.{plan.target}") if f"money.{plan.target}" in wide.columns else \
        pl.col(f"attr.{plan.target}").cast(pl.Utf8).cast(MONEY, strict=False)
    # the attainment KPI, wherever the employee's scorecard has it
    att, act, tgt = [], [], []
    for card in ruleset.scorecards:
        for k in card.kpis_named(plan.attainment)[:1]:
            if k.path not in paths:
                continue
            on = pl.col("scorecard") == card.key
            att.append((on, pl.col(f"k.{k.path}.attainment")))
            act.append((on, pl.col(f"k.{k.path}.actual")))
            tgt.append((on, pl.col(f"k.{k.path}.target")))

    def pick(pairs):
        out = pl.when(pl.lit(False)).then(pl.lit(None, dtype=F64))
        for on, e in pairs:
            out = out.when(on).then(e)
        return out.otherwise(None)

    a = pick(att)
    f = f.with_columns(a.alias("bonus.attainment"), pick(act).alias("_bact"), pick(tgt).alias("_btgt"))
    a = pl.col("bonus.attainment")
    pay = _dec(Decimal(0))
    reached = pl.lit(0, dtype=pl.Int64)
    for t in plan.tiers:
        pay = pay + pl.when(a >= t.start).then(_dec(t.pay)).otherwise(_dec(Decimal(0)))
        reached = reached + pl.when(a >= t.start).then(1).otherwise(0)
    mult = pl.col("grade").replace_strict({g: v for g, v in plan.multiplier.items()}, default=Decimal(1),
                                          return_dtype=MONEY) if plan.multiplier else _dec(Decimal(1))
    f = f.with_columns(reached.alias("bonus.tiers_reached"), (target * pay).alias("bonus.tier_pay"),
                       mult.alias("bonus.multiplier"), pay.alias("_paysum"), target.alias("_target"))
    if plan.excess_above is not None:
        # the KPI's values as the decimals they were written as (6 places take off the float noise of a
        # sum and keep thousandths), the baseline above × target computed exactly from them (SPEC)
        actual = pl.col("_bact").round(6).cast(MONEY)
        threshold = (pl.col("_btgt").round(6).cast(MONEY) * _dec(Decimal(str(plan.excess_above)))).cast(MONEY)
        excess = pl.when(a > plan.excess_above).then((actual - threshold) * _dec(plan.excess_rate)) \
            .otherwise(_dec(Decimal(0)))
    else:
        excess = _dec(Decimal(0))
    f = f.with_columns(excess.alias("bonus.excess"))
    total = pl.col("bonus.tier_pay") * pl.col("bonus.multiplier") + pl.col("bonus.excess")
    total = pl.when(total < _dec(Decimal(0))).then(_dec(Decimal(0))).otherwise(total)
    if plan.cap is not None:
        cap = target * _dec(plan.cap)
        f = f.with_columns(total.alias("bonus.uncapped"), cap.alias("bonus.cap"))
        total = pl.when(pl.col("bonus.uncapped") > pl.col("bonus.cap")).then(pl.col("bonus.cap")) \
            .otherwise(pl.col("bonus.uncapped"))
    else:
        f = f.with_columns(total.alias("bonus.uncapped"), pl.lit(None, dtype=MONEY).alias("bonus.cap"))
        total = pl.col("bonus.uncapped")
    unit = _dec(plan.rounding)
    rounded = ((total / unit) + _dec(Decimal("0.5"))).floor() * unit
    if plan.cap is not None:  # half-up rounding must not lift the amount over the cap
        ceiling = (pl.col("bonus.cap") / unit).floor() * unit
        rounded = pl.when(rounded > ceiling).then(ceiling).otherwise(rounded)
    valid = target.is_not_null() & a.is_not_null() & pl.col("grade").is_not_null()
    f = f.with_columns(pl.when(valid).then(rounded).otherwise(None).alias("bonus"),
                       target.alias("bonus.target_cycle"), valid.alias("_valid"))
    g = f.collect()
    if "_fnum" in g.columns:
        g = _scaled_targets(plan, g)
    if plan.net_of is not None:
        # what the sub-periods already paid is netted: due now = gross − paid, floored at 0 without clawback
        paid = pl.col("_paid") if "_paid" in g.columns else _dec(Decimal(0))
        due = pl.col("bonus.gross") - pl.col("bonus.paid")
        if not plan.net_of.clawback:
            due = pl.when(due < _dec(Decimal(0))).then(_dec(Decimal(0))).otherwise(due)
        g = g.with_columns(pl.col("bonus").alias("bonus.gross"), paid.cast(MONEY).alias("bonus.paid"))
        g = g.with_columns(pl.when(pl.col("bonus.gross").is_null()).then(None).otherwise(due).alias("bonus"))
    out = g.with_columns(pl.col("bonus").cast(F64).alias("bonus.value")).select(pl.selectors.starts_with("bonus"))
    return wide.hstack(out.get_columns())


def _scaled_targets(plan, g: pl.DataFrame) -> pl.DataFrame:
    """The bonus of employees whose cycle target is not the target column as written (``target_period``,
    ``proration: days``): computed again with exact fractions, so 20,000 × 1/3 pays what the fraction
    pays, not what a 10-decimal 6,666.6666666667 would (SPEC: exact).  Everyone else keeps the columnar
    result."""
    from fractions import Fraction
    from math import floor

    rows = g.with_row_index("_i").filter(pl.col("_fnum") != pl.col("_fden"))
    if not rows.height:
        return g
    unit = Fraction(plan.rounding)
    q = Decimal(10) ** -10
    cols: dict[str, list] = {c: g[c].to_list() for c in
                             ("bonus.tier_pay", "bonus.uncapped", "bonus.cap", "bonus", "bonus.target_cycle")}

    def dec(x: Fraction | None) -> Decimal | None:
        if x is None:
            return None
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(q) if x.denominator != 1 else Decimal(x.numerator)

    for r in rows.select("_i", "_fnum", "_fden", "_target", "_paysum", "bonus.multiplier", "bonus.excess",
                         "_valid").iter_rows():
        i, num, den, target, paysum, mult, excess, valid = r
        if target is None:
            continue
        tc = Fraction(target) * Fraction(num, den)
        tier = tc * Fraction(paysum)
        total = max(tier * Fraction(mult) + Fraction(excess), Fraction(0))
        cap = tc * Fraction(plan.cap) if plan.cap is not None else None
        uncapped = total
        if cap is not None and total > cap:
            total = cap
        rounded = floor(total / unit + Fraction(1, 2)) * unit
        if cap is not None:
            rounded = min(rounded, floor(cap / unit) * unit)
        cols["bonus.target_cycle"][i] = dec(tc)
        cols["bonus.tier_pay"][i] = dec(tier)
        cols["bonus.uncapped"][i] = dec(uncapped)
        cols["bonus.cap"][i] = dec(cap)
        cols["bonus"][i] = dec(rounded) if valid else None
    return g.with_columns([pl.Series(c, v, dtype=MONEY) for c, v in cols.items()])


# ---------------------------------------------------------------- entry point

def evaluate(ruleset: Ruleset, inputs: Inputs, period: Period, context: Mapping[str, Any] | None = None) -> Evaluation:
    """Score, grade, calibrate and pay every employee of ``inputs`` for ``period``.

    Pure: reads only its arguments.  Employees who cannot be appraised (no
    scorecard applies, no data at all, ``missing: error`` with missing data,
    unreadable attributes) are returned in ``errors`` instead of the frame.
    """
    import time

    context = dict(context or {})
    timings: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock[0]
        clock[0] = now

    errors: list[EmployeeError] = []
    warnings: list[str] = []
    for why, rs_id, every in ruleset.stored_reads():  # appraise validate says so at the cycle file's line
        try:
            period.subperiods(every)
        except ValueError:
            raise AppraiseError(f"the ruleset reads {every}s of ruleset '{rs_id}' ({why}), but {period.id} is a "
                                f"{period.kind}, not made of {every}s; run it for a longer period") from None
    absent = sorted(ruleset.context_fields() - set(context))
    if absent:
        raise AppraiseError("the ruleset reads " + ", ".join(f"context.{a}" for a in absent)
                            + " but the cycle's 'context:' does not set it; add it to the cycle file")
    conditions = ruleset.conditions()
    mistyped = [f"'{e.text}': {p.message}" for e in dict.fromkeys(ruleset.expressions())
                for p in expressions.context_problems(e, context, condition=e in conditions)]
    if mistyped:  # e.g. 'x in context.flag' with flag: true — refused here rather than failing inside polars
        raise AppraiseError("the cycle's context does not fit the ruleset: " + "; ".join(mistyped))
    column = Columns(ruleset)
    emp = _employees(ruleset, inputs, period, errors)
    lap("employees")
    emp = emp.sort("id").with_row_index("_eid")  # sorted while narrow: results come out in id order
    codes = emp.select("id", "_eid")
    metrics = _aggregate_metrics(ruleset, inputs, period, warnings, codes)
    ids = metrics["_eid"] if "_eid" in metrics.columns else None
    if ids is not None and emp.height and metrics.height == emp.height and ids.null_count() == 0 \
            and ids.is_sorted() and ids.n_unique() == emp.height and ids[0] == 0:  # one row each, in code order
        df = emp.hstack(metrics.drop("_eid").get_columns())
    else:
        df = emp.join(metrics, on="_eid", how="left")
    lap("metrics")
    for m in ruleset.metrics:
        if f"m.{m.name}" not in df.columns and not m.derived:
            df = df.with_columns(pl.lit(None, dtype=F64).alias(f"m.{m.name}"))
    for m in ruleset.derived_in_order():
        df = df.with_columns(expressions.to_polars(m.formula, column, context, column.types).cast(F64)
                             .alias(f"m.{m.name}"))
    previous = inputs.previous if inputs.previous is not None else empty_frames()["previous"]
    prev = previous.select([pl.col("employee")] + [pl.col(c).alias(f"prev.{c}") for c in previous.columns
                                                   if c != "employee"])
    df = df.join(prev, left_on="id", right_on="employee", how="left")
    for c in expressions.PREVIOUS_FIELDS:
        if f"prev.{c}" not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=F64 if c == "score" else pl.Utf8).alias(f"prev.{c}"))
    if "prev.score" in df.columns:
        df = df.with_columns(pl.col("prev.score").cast(F64, strict=False))
    if "prev.bonus" in df.columns:
        df = df.with_columns(pl.col("prev.bonus").cast(pl.Utf8).cast(F64, strict=False))
    # scorecard selection: the first whose applies_to holds
    choice = pl.lit(None, dtype=pl.Utf8)
    for card in reversed(ruleset.scorecards):
        choice = pl.when(_condition(card.applies_to, column, context)).then(pl.lit(card.key)).otherwise(choice)
    df = df.with_columns(choice.alias("scorecard"))
    lap("derived, previous, scorecards")
    # employees no scorecard applies to are not covered by this ruleset (another ruleset appraises them):
    # counted, not errors
    not_covered = df.filter(pl.col("scorecard").is_null())["id"].to_list()
    if not_covered and len(not_covered) == df.height:
        warnings.append(f"no scorecard of ruleset '{ruleset.id}' applies to any of the {df.height} employees; "
                        "check the scorecards' applies_to against the employee table")
    okr, objectives = _okr_scores(ruleset, inputs, codes)
    lap("okr")
    feedback = _feedback_scores(ruleset, inputs, period, codes)
    lap("360")
    periods = _period_scores(ruleset, inputs, period, codes, warnings)
    paid = _paid(ruleset, inputs)
    if ruleset.bonus is not None:
        # the cycle's share of the target bonus, exact: months in the cycle / months of target_period, times
        # the employed share with proration: days
        share = ruleset.bonus.target_factor(period)
        num, den = pl.lit(share.numerator, dtype=pl.Int64), pl.lit(share.denominator, dtype=pl.Int64)
        if ruleset.proration == "days":
            num, den = num * pl.col("employed_days"), den * period.days
        df = df.with_columns(num.alias("_fnum"), den.alias("_fden"))
    if paid is not None:
        df = df.join(paid, on="id", how="left", maintain_order="left").with_columns(
            pl.col("_paid").fill_null(Decimal(0)))
    parts = []
    for card in ruleset.scorecards:
        lf = df.lazy().filter(pl.col("scorecard") == card.key)
        parts.append(_score_card(lf, ruleset, card, column, context, okr, feedback, periods, period))
    frames = [p.collect(engine="in-memory") for p in parts]  # wide frames: faster than streaming
    lap("scoring")
    frames = [fr for fr in frames if fr.height] or frames[:1]
    f = pl.concat(frames, how="diagonal_relaxed") if frames else df.clear()
    if "_scored" not in f.columns:
        f = f.with_columns(pl.lit(False).alias("_scored"), pl.lit(None, dtype=F64).alias("total"))
    if not f["_scored"].all():  # filtering copies every column: only when someone has to go
        for row in f.filter(~pl.col("_scored")).select("id").iter_rows():
            errors.append(EmployeeError(row[0], "score", "no data for any dimension of the scorecard; nothing to score"))
        f = f.filter(pl.col("_scored"))
    f = _drop_unfinite(f, errors)
    if ruleset.missing == "error":
        bad = f.filter(pl.col("_missing_any"))
        for row in bad.iter_rows(named=True):
            miss = missing_items(ruleset, row, period)
            errors.append(EmployeeError(row["id"], "missing", "missing data for " + ", ".join(miss)
                                        + " (the ruleset says missing: error)"))
        f = f.filter(~pl.col("_missing_any"))
    f = f.with_columns(expressions.polars_round_half_up(pl.col("total"), 2).alias("score"))
    f = f.with_columns(_grade_expr(ruleset, pl.col("score")).alias("grade_uncalibrated"))
    lap("scoring")
    f = _calibrate(ruleset, f)
    lap("calibration")
    overrides = _check_overrides(inputs.overrides, f, errors, not_covered)
    f = _override(ruleset, f, overrides)
    f = _bonus(ruleset, f)
    lap("bonus")
    f = f.with_columns([_condition(o.when, column, context).alias(f"outcome.{o.id}") for o in ruleset.outcomes])
    if objectives is not None:
        # already in (_eid, objective_index) order; _eid is the row number in the id-sorted codes
        objectives = objectives.with_columns(codes["id"].gather(objectives["_eid"]).alias("id")).drop("_eid")
    if not f["_eid"].is_sorted():  # several scorecards, or a join that moved rows: back to id order
        f = f.sort("_eid")
    f = f.drop("_scored", "_eid")
    lap("outcomes")
    # _fnum/_fden (the cycle's share of the target) and _paid (netted) stay: the workshop re-pays from them
    return Evaluation(ruleset, period, context, f, errors, warnings, timings, objectives, inputs.okrs,
                      not_covered=not_covered, overrides={o.id: o for o in overrides},
                      paid=inputs.paid if paid is not None else None)
