"""The roll-up: input rows (employees, monthly metrics, OKRs, 360 ratings, stored sub-period results, payouts) in,
one row per employee out.

Nothing here scores: it types the employee table, rolls monthly rows up to the period, OKR key results up to
objective and dimension scores, 360 ratings up to source scores (anonymity thresholds applied), and looks up
stored sub-period scores and earlier payouts.  Employees are addressed by an integer code ``_eid`` (their row in
the id-sorted employee table); most exports come sorted by employee, and the fast paths below reduce such runs
of rows in place instead of hashing them.
"""
from __future__ import annotations

import math
import operator
import os
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from appraise.core.frame import F64, MONEY, EmployeeError, feedback_of, periods_of, unreadable_amounts
from appraise.core.incentives import SLACK, UNCARRIED, carried_exactly  # (what a plan pays on: one rule, there)
from appraise.errors import AppraiseError
from appraise.language.compile import Dimension, Ruleset
from appraise.language.period import Period
from appraise.tables import LARGEST, THOUSANDS, Inputs, empty_frames

# YYYY-MM-DD, alone or before a time of day (and its zone)
_DATE_TEXT = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2})"
              r"(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$")


def date_of(cell: pl.Expr) -> pl.Expr:
    """A hire or leave date cell as a date: ``YYYY-MM-DD``, alone or before a time of day (a datetime column's
    text, as a program handing its own tables to ``appraise.evaluate`` may give it); null for anything else:
    '2026-07-015' is no date (it was read as 2026-07-01, its first 10 characters)."""
    return cell.cast(pl.Utf8).str.strip_chars().str.extract(_DATE_TEXT, 1).str.to_date("%Y-%m-%d", strict=False)


def read_employees(ruleset: Ruleset, inputs: Inputs, period: Period, errors: list[EmployeeError]) -> pl.DataFrame:
    """The employees of the period, their attributes typed (``attr.<a>``, exact ``money.<a>``), ``tenure_months``,
    ``employed_days`` and ``employed_share``; unreadable rows go to ``errors``."""
    emp = inputs.employees
    absent = [c for c in ("hire_date", "leave_date", "locale") if c not in emp.columns]
    for name in ruleset.attributes:
        if name not in emp.columns and name not in absent:
            raise AppraiseError(f"the ruleset declares attribute '{name}' but the employee table has no "
                                f"column '{name}'; add it to the employees source or remove it from 'attributes:'")
    # (one step each where the table is small: a polars step costs more than its rows then)
    emp = emp.with_columns([pl.col(c).cast(pl.Utf8) for c in ("id", "name", "hire_date", "leave_date")
                            if c not in absent] + [pl.lit(None, dtype=pl.Utf8).alias(c) for c in absent])
    # each value is parsed once; the checks below read the parsed columns
    parsed = [date_of(pl.col(c)).alias(f"_{c}") for c in ("hire_date", "leave_date")]
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
    # a leave date before the hire date is a typo in one of them: the days employed would come out below zero
    checks.append(("leave_date", "_in_order", "is before the hire_date; correct one of the two dates"))
    emp = emp.with_columns(pl.when(pl.col("_leave_date") < pl.col("_hire_date")).then(None).otherwise(True)
                           .alias("_in_order"))
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
    # days employed within the period, hire and leave dates included: the exact share is employed_days / days
    first = pl.when(hire.is_not_null() & (hire > start)).then(hire).otherwise(pl.lit(start))
    leave = pl.col("_leave_date")
    last = pl.when(leave.is_not_null() & (leave < end)).then(leave).otherwise(pl.lit(end))
    days = ((last - first).dt.total_days() + 1).cast(pl.Int64)
    emp = emp.with_columns(pl.when(hire.is_null()).then(None).otherwise(pl.max_horizontal(months, pl.lit(0)))
                           .cast(F64).alias("tenure_months"), days.alias("employed_days"))
    emp = emp.with_columns((pl.col("employed_days") / period.days).cast(F64).alias("employed_share"))
    derived = [c for c in emp.columns if c.startswith(("attr.", "money."))]
    helpers = {"_hire_date", "_leave_date", "_bonus_target", "_tenure_known", "_in_order"} \
        | {c for c in emp.columns if c.startswith("_sane.")}
    return emp.select([c for c in emp.columns if c not in derived and c not in helpers] + derived)


def coded(table: pl.DataFrame, codes: pl.DataFrame) -> pl.LazyFrame:
    """Rows of ``table`` with the employee's integer code ``_eid``, in the rows' order (rows of unknown employees
    drop here; the providers report them before the engine runs)."""
    by_runs = codes_of_runs(table["employee"], codes) if table.height else None
    if by_runs is not None:
        return table.lazy().with_columns(by_runs.eid.alias("_eid")).filter(pl.col("_eid").is_not_null())
    return table.lazy().join(codes.lazy(), left_on="employee", right_on="id", how="inner")


class Runs(NamedTuple):
    """What :func:`codes_of_runs` finds: each row's code ``eid`` (null: an unknown employee), True in ``first``
    where a run of equal ids begins, and whether the rows are ``grouped``: each known employee's rows one run."""

    eid: pl.Series
    first: pl.Series
    grouped: bool


def codes_of_runs(employee: pl.Series, codes: pl.DataFrame) -> Runs | None:
    """The code of each row's employee when the rows come in runs of equal ids, as exports do (sorted by id, or
    in an order of their own: ``S999999`` before ``S1000000``): each run is looked up once (not at all when the
    runs are exactly the codes), instead of joining every row; the rows keep their order.  ``None`` when the
    ids are not text, one is missing, or the runs are more than half the rows (then a join is as cheap)."""
    if employee.dtype != pl.Utf8 or employee.null_count():
        return None
    run, first = runs(employee)
    values = employee.filter(first)
    if values.len() == codes.height and values.equals(codes["id"], check_names=False):
        return Runs(run.cast(pl.UInt32), first, True)  # the common case: run i is employee i
    if values.is_sorted():  # (sorted exactly when the runs' ids are: each id one run)
        grouped = True
    elif 2 * values.len() > employee.len():
        return None
    else:
        grouped = None
    per_run = values.to_frame("employee").join(codes, left_on="employee", right_on="id", how="left",
                                               maintain_order="left")["_eid"]
    if grouped is None:  # each known id one run: no code found twice
        found = per_run.drop_nulls().to_numpy()
        grouped = not found.size or int(np.bincount(found, minlength=1).max()) <= 1
    return Runs(per_run.gather(run), first, grouped)


def aggregate_metrics(ruleset: Ruleset, inputs: Inputs, period: Period, warnings: list[str],
                      codes: pl.DataFrame) -> pl.DataFrame:
    """``_eid`` and ``m.<metric>`` per employee: the period's monthly rows rolled up by each raw metric's
    ``aggregate``, joined with pre-aggregated values."""
    raw = ruleset.raw_metrics
    metrics = inputs.metrics if inputs.metrics is not None else empty_frames()["metrics"]
    present = set(metrics.columns)
    wanted = ["employee", "month"] + [m.name for m in raw if m.name in present]
    table = metrics.select(wanted)
    in_period = pl.col("month").is_in(list(period.months))
    if table.height and not table.select(in_period.fill_null(False).all()).item():
        table = table.filter(in_period)
    aggregated = inputs.aggregated
    from_agg = set(aggregated.columns) - {"employee"} if aggregated is not None else set()
    used = [m for m in raw if m.name in present]
    # each summed column's decimal places, once: its sums and means are then exact (integers), whatever the
    # order of the rows; a column no number of places fits is summed as floats in sorted order
    summed = [m.name for m in used if (m.aggregate or "sum") in ("sum", "mean")]
    if len(summed) > 1 and table.height >= _THREADED_PLACES:
        # numpy lets go of the interpreter while it checks a column: the columns are checked side by side
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(len(summed), os.cpu_count() or 1)) as pool:
            scale = dict(zip(summed, pool.map(lambda name: places(table[name]), summed), strict=True))
    else:
        scale = {name: places(table[name]) for name in summed}
    # a column no number of places fits as a whole (one cell of 0.30000000000000004) is summed employee by
    # employee: each one's cells at the fewest places that fit them all, as written (per_employee_sums)
    separate = [m for m in used if m.name in scale and not isinstance(scale[m.name], Places)]
    used = [m for m in used if m not in separate]
    apart = {m.name: scale.pop(m.name) for m in separate}  # (how the column as a whole would be summed)
    aggs = []
    for m in used:
        c = pl.col(m.name).cast(F64)
        how = m.aggregate or "sum"
        if how in ("sum", "mean"):
            k = scale[m.name]
            total = units(c, k).sum() if k is not None else c.drop_nulls()  # (None: a list, math.fsum'd)
            aggs.append(total.alias(f"_s.{m.name}"))
            if table[m.name].null_count():  # else every employee's count is the number of their rows
                aggs.append(c.count().alias(f"_n.{m.name}"))
            continue
        # (the provide stage refuses two rows of one employee and month: month order is the rows' order)
        agg = {"min": c.min(), "max": c.max(), "first": c.sort_by("month").drop_nulls().first(),
               "last": c.sort_by("month").drop_nulls().last()}[how]
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
        out = aggregate_runs(table, codes, used, scale)
        if out is None:
            out = coded(table, codes).group_by("_eid").agg(*aggs, pl.len().alias("_n")).collect(engine="streaming")
        out = finish(out, used, scale)
    else:
        out = pl.DataFrame(schema={"_eid": pl.UInt32})
    for m in separate:
        out = out.join(per_employee_sums(table, codes, m.name, m.aggregate == "mean", apart[m.name]), on="_eid",
                       how="full", coalesce=True)
    if separate:
        out = out.sort("_eid")
    if aggregated is not None and from_agg:
        given = coded(aggregated, codes).select(["_eid"] + [pl.col(n).cast(F64).alias(f"m.{n}")
                                                            for n in sorted(from_agg)
                                                            if ruleset.metric(n) is not None]).collect()
        out = out.join(given, on="_eid", how="full", coalesce=True, suffix=".agg")
        for n in from_agg:
            if f"m.{n}.agg" in out.columns:
                out = out.with_columns(pl.coalesce(f"m.{n}", f"m.{n}.agg").alias(f"m.{n}")).drop(f"m.{n}.agg")
    return out


def aggregate_runs(table: pl.DataFrame, codes: pl.DataFrame, metrics: list,
                   scale: dict[str, Scale]) -> pl.DataFrame | None:
    """The roll-up when the rows come sorted by employee, as exports usually do: each employee's run
    of rows becomes one list (offsets into the column, no copy) reduced in place.  No hashing, and
    the result is already in code order.  ``None`` when the rows are not sorted that way, or a metric
    takes its first or last value and an employee's months are not in order, or sums need 128-bit integers.  Sums and
    means come out as the group-by's do (``_s.<m>``, ``_n.<m>``: see :func:`finish`)."""
    if not table.height or any(p is None or isinstance(p, Places) and p.wide for p in scale.values()):
        return None
    by_runs = codes_of_runs(table["employee"], codes)
    if by_runs is None or not by_runs.grouped:
        return None
    eid, first = by_runs.eid, by_runs.first
    if any(m.aggregate in ("first", "last") for m in metrics):  # each run's months must be in order
        month = table["month"]
        if month.null_count() or not bool(((month > month.shift(1)) | first).all()):
            return None
    longest = _longest(first)
    if any(isinstance(p, Binary) and not _long_enough(p, longest) for p in scale.values()):
        return None  # (no Arrow lists of 128-bit integers)
    columns: dict[str, pl.Series] = {}
    for m in metrics:
        values = table[m.name].cast(F64)
        if m.name in scale:
            columns[f"_s.{m.name}"] = values  # made units below, in one pass
            if values.null_count():
                columns[f"_n.{m.name}"] = values.is_not_null().cast(pl.UInt32)
        else:
            columns[m.name] = values
    for m in metrics:
        if m.name not in scale:
            continue
        p, name = scale[m.name], f"_s.{m.name}"
        if isinstance(p, Binary):  # (numpy scales and casts these twice as fast as polars)
            whole = _times_two_to(columns[name].to_numpy(), p.shift)
            columns[name] = pl.Series(name, np.where(np.isnan(whole), 0, whole).astype(np.int64))
        else:
            columns[name] = columns[name].alias(name).to_frame().select(units(pl.col(name), p, longest)).to_series()
    # sums of whole units are exact in any order: numpy adds each run in place; the rest reduce Arrow lists
    starts = first.arg_true().to_numpy()
    ends = np.append(starts[1:], first.len())
    listed = {m.name: columns[m.name] for m in metrics if m.aggregate in ("min", "max")}
    lists = run_lists(listed, first) if listed else None
    made: dict[str, pl.Series] = {}
    for m in metrics:
        if m.name in scale:
            for name in (f"_s.{m.name}", f"_n.{m.name}"):
                if name in columns:
                    total = np.add.reduceat(columns[name].fill_null(0).to_numpy(), starts)
                    made[name] = pl.Series(name, total + 0.0 if total.dtype.kind == "f" else total)
                    # (+ 0.0: a run of -0.0 sums to 0.0, as a list's sum does)
            continue
        if m.aggregate in ("first", "last"):  # the run's first (last) value that is there, gathered
            values = columns[m.name]
            if values.null_count():
                row = np.arange(values.len())
                there = values.is_not_null().to_numpy()
                if m.aggregate == "first":
                    at = np.minimum.reduceat(np.where(there, row, values.len()), starts)
                else:
                    at = np.maximum.reduceat(np.where(there, row, -1), starts)
                at_ = pl.Series(at).set(pl.Series((at < 0) | (at >= values.len())), None)  # (none there)
            else:
                at_ = pl.Series(starts if m.aggregate == "first" else ends - 1)
            made[f"m.{m.name}"] = values.gather(at_).alias(f"m.{m.name}")
            continue
        c = pl.col(m.name)
        assert lists is not None
        made[f"m.{m.name}"] = lists.select({"min": c.list.min(), "max": c.list.max()}[m.aggregate]).to_series()
    made["_n"] = pl.Series("_n", ends - starts, dtype=pl.UInt32)
    out = pl.DataFrame(made).with_columns(eid.filter(first).alias("_eid"))
    out = out.filter(pl.col("_eid").is_not_null()) if out["_eid"].null_count() else out
    return out if out["_eid"].is_sorted() else out.sort("_eid")  # (runs in an order of their own: code order)


_EXACT = 2 ** 53  # integers below it are exact floats


def _fits(x: np.ndarray, unit) -> np.ndarray:
    """Whether each value of ``x`` is the float of a whole number of ``1 / unit`` (one unit for all, or one per value)
    below 2^53 of them: ``round(x * unit) / unit == x`` (numpy divides exactly rounded)."""
    scaled = x * unit
    return (np.abs(scaled) < _EXACT) & (np.round(scaled) / unit == x)


def row_places(v: np.ndarray) -> np.ndarray:
    """For each value of ``v`` the fewest decimal places ``k`` (0 to 18) at which it is the float of a decimal of
    ``k`` places with fewer than 2^53 units of 10^-k (:func:`places`, value by value); -1 where none is."""
    k_of = np.full(v.size, -1, dtype=np.int8)
    todo = np.flatnonzero(np.isfinite(v))
    for k in range(19):
        if not todo.size:
            break
        fits = _fits(v[todo], 10.0 ** k)
        k_of[todo[fits]] = k
        todo = todo[~fits]
    return k_of


def _grouped(keys: list[str]) -> list:
    """What ``over`` takes to group by ``keys``: the column, or a struct of several."""
    return list(keys) if len(keys) == 1 else [pl.struct(keys)]


def _group_units(rows: pl.DataFrame, keys: list[str], x: pl.Series) -> tuple[pl.Series, np.ndarray, pl.Series]:
    """For the cells ``x`` of ``rows`` (Float64) in groups of ``keys``: each cell's group's places (the fewest that
    fit every cell of the group, :func:`row_places`; a missing cell fits any; -1 where none fits), whether the cell
    is added as a float (its group has no places, or the cell does not fit them: a cell that fits k places fits
    more, but that is checked), and the cell as a whole number of its group's places (Int128; 0 for a float)."""
    there = x.is_not_null()
    xv = x.fill_null(0.0).to_numpy()
    over = _grouped(keys)
    ke = rows.select(*keys, pl.Series("§k", row_places(xv)).set(~there, 0)).select(
        pl.when((pl.col("§k") < 0).any().over(*over)).then(-1).otherwise(pl.col("§k").max().over(*over))
        .alias("§k"))["§k"]
    unit = 10.0 ** np.clip(ke.to_numpy(), 0, 18).astype(np.float64)
    bad = (ke.to_numpy() < 0) | ~_fits(xv, unit)
    return ke, bad, pl.Series(np.where(bad, 0.0, np.round(xv * unit))).cast(pl.Int64).cast(pl.Int128)


def per_employee_sums(table: pl.DataFrame, codes: pl.DataFrame, name: str, mean: bool, p: Scale) -> pl.DataFrame:
    """``_eid`` and ``m.<name>``: each employee's sum (``mean``: mean) of the column ``name`` of ``table``, for a
    column no number of decimal places fits as a whole (:func:`places` said ``p``, not :class:`Places`), by
    :func:`group_sums`, so that one employee's odd cell (0.30000000000000004) does not make everyone's sum a
    float sum.  Missing where the employee has no value."""
    rows = coded(table.select("employee", name), codes).select("_eid", pl.col(name).cast(F64).alias("x")).collect()
    sums = group_sums(rows, "_eid", mean, p)
    out = sums.select("_eid", pl.col("value").alias(f"m.{name}"))
    if sums["slack"].null_count() < sums.height:  # (an employee whose cells no places fit: a plan must know it)
        out = out.with_columns(sums["slack"].alias(f"{SLACK}{name}"))
    return out


def group_sums(rows: pl.DataFrame, key: str, mean: bool, p: Scale) -> pl.DataFrame:
    """``key`` and ``value``: the sum (``mean``: mean) of the Float64 column ``x`` of ``rows`` in each group of
    ``key`` (sorted by it), for a column no number of decimal places fits as a whole (:func:`places` said ``p``,
    not :class:`Places`): each group's cells as the decimals they are written as, at the fewest places that fit all
    of that group's cells (the float nearest the exact decimal sum, as a column of :class:`Places` has it); the
    cells of a group no places fit are added as ``p`` adds the column's (the float nearest the exact sum of the
    floats).  Missing where the group has no value (a missing cell is left out; the mean is over the cells there).

    ``slack``: for such a group, how far the sum (mean) of the decimals its cells stand for may lie from ``value``:
    each cell's float is within half the step to the next float of the decimal it stands for; the sum of those half
    steps, and for more than one cell half the step at the sum (``value`` is the float nearest the floats' exact
    sum), made a hair larger for the rounding of this sum itself; missing for a group summed as decimals."""
    ke, bad, u = _group_units(rows, [key], rows["x"])
    half = half_steps(rows["x"]) if bad.any() else 0.0
    rows = rows.with_columns(u.alias("u"), pl.Series("bad", bad), ke.alias("ke"),
                             rows["x"].is_not_null().alias("there"), pl.lit(half, dtype=F64).alias("_half"))
    sums = rows.group_by(key).agg(
        pl.col("u").sum(), pl.col("ke").max(), pl.col("bad").any(), pl.col("there").sum().alias("n"),
        pl.col("_half").sum(),
        units(pl.col("x").filter(pl.col("there")), p).sum() if p is not None
        else pl.col("x").filter(pl.col("there")).alias("_f")).sort(key)
    n = sums["n"]
    decimal = exact_quotient(sums["u"], [10 ** k for k in sums["ke"].clip(0, 18).to_list()], n if mean else None)
    floats = scaled_total(sums["x" if p is not None else "_f"], p, n if mean else None)
    value = pl.select(pl.when(pl.lit(n) == 0).then(None).when(pl.lit(sums["bad"])).then(pl.lit(floats))
                      .otherwise(pl.lit(decimal)).cast(F64) + 0.0).to_series()
    at_sum = pl.when(pl.col("n") > 1).then(pl.lit(half_steps(value)))
    slack = (pl.col("_half") / (pl.col("n").cast(F64) if mean else 1.0) + at_sum.otherwise(0.0)) * (1 + 2.0 ** -40)
    return sums.select(key, pl.when(pl.col("bad") & (pl.col("n") > 0)).then(slack).otherwise(None).alias("slack")) \
        .with_columns(value.alias("value"))


def half_steps(values: pl.Series) -> np.ndarray:
    """Half the step from each value's size to the next float up (0 where missing): how far the decimal a float
    stands for may be from it."""
    return np.spacing(np.abs(values.cast(F64).fill_null(0.0).to_numpy())) / 2


class Places(NamedTuple):
    """How a column is summed exactly (:func:`places`): as whole numbers of 10^-``k``, in floats when every sum
    of them stays below 2^53 (exact, as fast as any float sum), else in 128-bit integers (``wide``)."""

    k: int
    wide: bool


class Binary(NamedTuple):
    """How a column of floats no decimal places fit is summed exactly: as whole numbers of 2^-``shift`` (every
    float is one, of at most ``bits`` bits), in 128-bit integers (64-bit ones where the runs summed are short
    enough); the sum becomes the float nearest the exact sum of the floats."""

    shift: int
    bits: int
    wide: bool = True


Scale = Places | Binary | None  # None: summed exactly in Python (math.fsum), for columns too wide for 128 bits

_INTEGERS = Places(0, False)


def places(values: pl.Series) -> Scale:
    """How a column of numbers is summed exactly, whatever the order of its rows.

    As written, when it can be: the fewest decimal places ``k`` (0 to 18) at which every value is the float of a
    decimal of ``k`` places with fewer than 2^53 units of 10^-k (33.33 is 3333 hundredths): sums are then sums of
    integers, and a sum becomes the float nearest the decimal a person would add up (33.33 + 0.01 + 25 is
    58.34, not the float sum's 58.339999999999996).  Otherwise (0.30000000000000004, a ratio 0.1234567890123456
    beside 10^14) the floats themselves are added exactly (:class:`Binary`), or, when their sizes span more than
    a 128-bit integer holds, by ``math.fsum`` (None): the float nearest their exact sum."""
    values = values.cast(F64)
    v = (values.drop_nulls() if values.null_count() else values).to_numpy()
    if not v.size:
        return _INTEGERS
    top, total = _sizes(v)
    if not math.isfinite(top):
        return None
    peek = v[:_PEEK]
    for k in range(19):
        unit = 10.0 ** k
        if top * unit >= _EXACT:
            break
        if _whole(peek, unit) and _whole(v, unit):
            # (the sum of the sizes, added block by block, says whether every sum of the units stays below 2^52;
            # near that bound either answer sums exactly, below 2^53, so it decides the arithmetic, not a result)
            return Places(k, total * unit >= _EXACT / 2)
    if top == 0:
        return _INTEGERS
    size = np.abs(v)
    _, low = np.frexp(np.min(size, where=size > 0, initial=np.inf))
    _, high = np.frexp(top)
    shift = 53 - int(low)  # every float is a whole number of 2^(e - 53), e its exponent: the smallest is the unit
    if int(high) + shift + v.size.bit_length() <= 126:
        return Binary(shift, int(high) + shift)
    return None


# Columns are looked at a block of this many values at a time, into one buffer: a temporary array the size of a
# 24,000,000-rating column (192 MB) is fresh memory the kernel must fault in (and numpy asks for huge pages, which
# the kernel may compact memory to find) every time; a block's buffer stays in the cache.
_BLOCK = 1 << 18


def _blocks(v: np.ndarray):
    """``v`` a block at a time, each with a buffer of its size to compute into."""
    buffer = np.empty(min(v.size, _BLOCK), dtype=np.float64)
    for start in range(0, v.size, _BLOCK):
        block = v[start:start + _BLOCK]
        yield block, buffer[:block.size]


def _sizes(v: np.ndarray) -> tuple[float, float]:
    """The largest ``|x|`` of ``v`` (NaN or infinity if there is one) and the sum of the ``|x|``, block by block."""
    top, total = 0.0, 0.0
    for block, out in _blocks(v):
        np.abs(block, out=out)
        most = float(out.max())
        if math.isnan(most):
            return most, most
        top = max(top, most)
        total += float(out.sum())
    return top, total


def _whole(v: np.ndarray, unit: float) -> bool:
    """Every value of ``v`` is the float nearest a whole number of 1/``unit`` (numpy divides exactly rounded;
    polars multiplies by the reciprocal, which is not): ``round(x * unit) / unit == x``, block by block."""
    for block, out in _blocks(v):
        if unit != 1.0:
            np.multiply(block, unit, out=out)
            np.round(out, out=out)
            np.divide(out, unit, out=out)
        else:
            np.round(block, out=out)
        if not np.array_equal(out, block):
            return False
    return True


def _times_two_to(c, power: int):
    """``c`` × 2^power, exactly (in two steps when 2^power itself is past a float's range)."""
    if abs(power) < 1000:
        return c * 2.0 ** power
    half = power // 2
    return c * 2.0 ** half * 2.0 ** (power - half)


def units(c: pl.Expr, p: Scale, longest: int | None = None) -> pl.Expr:
    """``c`` as a whole number of 10^-k or 2^-shift (:func:`places`), exactly: floats whose sums stay exact, or
    Int128 (whose sums never overflow); Int64 for binary units when no sum is of more than ``longest`` values
    and 64 bits hold it.  ``c`` itself when ``p`` is None."""
    if p is None:
        return c
    if isinstance(p, Binary):
        return _times_two_to(c, p.shift).cast(pl.Int64 if _long_enough(p, longest) else pl.Int128)
    whole = c if p.k == 0 else (c * 10.0 ** p.k).round(0)
    return whole.cast(pl.Int128) if p.wide else whole


def _long_enough(p: Scale, longest: int | None) -> bool:
    """Whether sums of at most ``longest`` binary units of ``p`` fit a 64-bit integer."""
    return isinstance(p, Binary) and longest is not None and p.bits + longest.bit_length() <= 62


def scaled_total(total: pl.Series, p: Scale, count: pl.Series | None = None) -> pl.Series:
    """The float nearest ``total`` (a sum of :func:`units`; for a None scale, a list of the values themselves)
    divided by 10^k or 2^shift, and by ``count`` when given (a mean); missing where ``count`` is 0."""
    if isinstance(p, Places):
        return exact_quotient(total, 10 ** p.k, count)
    if isinstance(p, Binary):
        exact = _times_two_to(total.cast(F64), -p.shift)
    else:
        exact = pl.Series(total.name, [None if v is None else math.fsum(x for x in v if x is not None)
                                       for v in total.to_list()], dtype=F64)
    if count is None:
        return exact
    n = count.cast(F64).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, exact.cast(F64).fill_null(np.nan).to_numpy() / n, np.nan)
    return pl.Series(total.name, out, dtype=F64, nan_to_null=True)


def exact_quotient(num: pl.Series, factor: int | list[int], count: pl.Series | None = None) -> pl.Series:
    """The float nearest num / (count × factor), for whole numbers (``count`` 1 when not given; missing where
    it is 0; ``factor`` one for all or one per value): one division of exact floats (numpy's, exactly rounded)
    where both are below 2^53, Python's exact ``Fraction`` for the (rare) rest."""
    n = num.cast(F64).to_numpy()
    f = np.array(factor, dtype=np.float64) if isinstance(factor, list) else float(factor)
    d = np.broadcast_to(f, len(n)).copy() if count is None else count.cast(F64).to_numpy() * f
    positive = d > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.divide(n, d)
    np.copyto(out, np.nan, where=~positive)
    # the extremes say whether a quotient is past 2^53: no temporaries of every row's size for the common case
    if n.size and (max(np.fmax.reduce(n), -np.fmin.reduce(n)) >= _EXACT or float(d.max()) >= _EXACT):
        big = ((np.abs(n) >= _EXACT) | (d >= _EXACT)) & ~np.isnan(n) & positive
    else:
        big = np.zeros(0, dtype=bool)
    if big.any():
        rows = np.flatnonzero(big)
        counts = [1] * len(rows) if count is None else count.gather(rows).to_list()
        factors = [factor[r] for r in rows.tolist()] if isinstance(factor, list) else [factor] * len(rows)
        out[rows] = [float(Fraction(int(a), int(b) * c))
                     for a, b, c in zip(num.gather(rows).to_list(), counts, factors, strict=True)]
    return pl.Series(num.name, out, dtype=F64, nan_to_null=True)  # (no count: missing)


def finish(out: pl.DataFrame, metrics: list, scale: dict[str, Scale]) -> pl.DataFrame:
    """``m.<m>`` from the sums ``_s.<m>`` (of :func:`units`; lists of the values for a None scale) and
    counts ``_n.<m>`` (``_n``, the rows, for a metric without missing values) of the summed metrics: the sum, or
    the mean (sum / count), as the float nearest the exact value; missing when no month has a value."""
    made = []
    for m in metrics:
        if m.name not in scale:
            continue
        k, s = scale[m.name], out[f"_s.{m.name}"]
        n = out[f"_n.{m.name}"] if f"_n.{m.name}" in out.columns else out["_n"]  # the rows, when none is null
        mean = m.aggregate == "mean"
        if not mean and k == _INTEGERS:
            value = s  # whole numbers summed below 2^53: exact already
        else:
            value = scaled_total(s, k, n if mean else None)
        column = pl.lit(value).cast(F64) + 0.0  # (a sum of -0.0 is 0.0 however the rows were grouped)
        if f"_n.{m.name}" in out.columns:  # a sum of no values is missing, not 0
            column = pl.when(pl.lit(n) > 0).then(column).otherwise(None)
        made.append(column.alias(f"m.{m.name}"))
        if isinstance(k, Places) and (mean or k != _INTEGERS):
            flags = _uncarried_exactly(value, s, k, n if mean else None)
            if flags is not None:
                made.append(pl.lit(flags).alias(f"{UNCARRIED}{m.name}"))
    return out.with_columns(made).drop([c for c in out.columns if c.startswith(("_s.", "_n.")) or c == "_n"])


def _uncarried_exactly(value: pl.Series, total: pl.Series, p: Places, count: pl.Series | None) -> pl.Series | None:
    """Where a sum or mean of 2^33 or more in size has an exact value (``total`` whole units of 10^-k, over ``count``)
    whose 6-place decimal (half-up) has more than 15 significant digits: its float's shortest decimal may have 15
    and pass for it (a mean of 90,909,090,909,125.090909... is the float whose shortest decimal is 90909090909125.1),
    so an incentive plan must not pay on it (README "The largest numbers an incentive plan pays on";
    :func:`appraise.core.scoring.drop_unfinite`).  None when there is no such value (the usual case: no column)."""
    big = (value.abs() >= 2.0 ** 33).fill_null(False)
    if not big.any():
        return None
    flags = [False] * value.len()
    n = count.to_list() if count is not None else None
    for i in big.arg_true().to_list():
        exact = Fraction(int(total[i]), 10 ** p.k * (int(n[i]) if n is not None else 1))
        flags[i] = carried_exactly(exact) is None
    return pl.Series(flags, dtype=pl.Boolean) if any(flags) else None


def _longest(first: pl.Series) -> int:
    """The length of the longest run (runs begin where ``first`` holds)."""
    starts = first.arg_true().to_numpy()
    return int(np.diff(np.append(starts, first.len())).max()) if starts.size else 0


def runs(key: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Runs of equal ``key`` values: each row's run number, and True where a run begins."""
    run = key.rle_id()
    return run, (run != run.shift(1)).fill_null(True)


def run_lists(columns: dict[str, pl.Series], first: pl.Series) -> pl.DataFrame:
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


def _as_written(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """a − b to 15 significant digits of the larger of them: the difference of the numbers as written, without
    the binary noise a near cancellation magnifies (26.99999916 − 27 is −8.4e-7, not −8.400000004e-7)."""
    unit = pl.lit(10.0).pow(pl.lit(15.0) - pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0)).log10().ceil())
    return ((a - b) * unit).round(0) / unit


def key_result_progress(start: pl.Expr, target: pl.Expr, current: pl.Expr) -> pl.Expr:
    """A key result's progress: (current − start) / (target − start), clamped to 0–1; null when target = start."""
    return pl.when(target != start).then((_as_written(current, start) / _as_written(target, start)).clip(0.0, 1.0)) \
        .otherwise(None)


def objective_score(progress: pl.Expr, aspirational: pl.Expr, threshold: float) -> pl.Expr:
    """An objective's score as a share (0–1) from its progress: committed objectives score their progress,
    aspirational ones min(progress / threshold, 1)."""
    return pl.when(aspirational).then(pl.min_horizontal(progress / threshold, pl.lit(1.0))).otherwise(progress)


def unmeasured_key_results(ruleset: Ruleset, inputs: Inputs) -> list[tuple[str, str, str, str]]:
    """Key results an OKR dimension cannot measure: ``(employee, objective, key result, why)`` for each whose start,
    target or current is missing (``why`` names it; the ruleset's ``missing:`` says what then: :func:`okr_scores`),
    or whose target equals its start (``why`` is ``=``: a data error, SPEC "OKRs"; the providers refuse it at its
    row, a table handed to the API is checked here)."""
    if inputs.okrs is None or not inputs.okrs.height or not any(
            d.kind == "okr" for c in ruleset.scorecards for d in c.dimensions):
        return []
    okrs = inputs.okrs
    name = pl.col("key_result").cast(pl.Utf8) if "key_result" in okrs.columns else pl.lit("")
    start, target, current = (pl.col(c).cast(F64) for c in ("start", "target", "current"))
    why = pl.when(current.is_null()).then(pl.lit("current")).when(start.is_null()).then(pl.lit("start")) \
        .when(target.is_null()).then(pl.lit("target")).when(target == start).then(pl.lit("="))
    found = okrs.select(pl.col("employee").cast(pl.Utf8), pl.col("objective").cast(pl.Utf8), name.alias("kr"),
                        why.alias("why")).filter(pl.col("why").is_not_null())
    return list(found.iter_rows())


def okr_scores(ruleset: Ruleset, inputs: Inputs,
               codes: pl.DataFrame) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Per-employee OKR dimension scores (``okr@<threshold>``, one column per aspirational threshold) and per
    objective: ``_eid``, ``objective_index``, ``objective``, ``type``, ``progress`` and ``score@<threshold>``
    (0–100).  A key result missing its start, target or current is left out of its objective (``missing:
    redistribute``; evaluate warns of it), counts as no progress (``zero``), or has sent its employee to the errors
    before this (``error``, :func:`unmeasured_key_results`)."""
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
    kr = coded(okrs.with_row_index("_row"), codes).select(
        (pl.col("_eid").cast(pl.UInt64) * span + pl.col("objective_index").cast(pl.UInt64)).alias("_k"), "_row",
        (key_result_progress(start, target, current).fill_null(  # (target = start: never scored)
            pl.when((target == start).fill_null(False)).then(None).otherwise(0.0)) if ruleset.missing == "zero"
         else key_result_progress(start, target, current)).alias("_progress"),
        pl.col("weight").cast(F64).fill_null(1.0).alias("_w"),
        (pl.col("type") == "aspirational").fill_null(False).alias("_aspirational")
    ).filter(pl.col("_progress").is_not_null()).collect()
    scored = {f"okr@{t}": objective_score(pl.col("_progress"), pl.col("_aspirational"), t) for t in sorted(thresholds)}
    # rows in (employee, objective) order, and within an objective by value: every objective and then every
    # employee is a run, reduced in place, and an objective's sums add the same numbers in the same order
    # whatever the order of the key results (floats do not add associatively)
    _, first = runs(kr["_k"])
    if kr.height and not (kr["_k"].is_sorted() and _longest(first) <= 2):  # (a + b is b + a: pairs need no sort)
        kr = kr.sort("_k", "_progress", "_w")
        _, first = runs(kr["_k"])
    lists = run_lists({"pw": kr["_progress"] * kr["_w"], "w": kr["_w"]}, first)
    obj = kr.filter(first).select("_k", "_row", "_aspirational").with_columns(
        (lists["pw"].list.sum() / lists["w"].list.sum()).alias("_progress"))
    per = obj.select((pl.col("_k") // span).cast(pl.UInt32).alias("_eid"), *(e.alias(n) for n, e in scored.items()))
    _, first = runs(per["_eid"])
    lists = run_lists({n: per[n] for n in scored}, first)
    scores = lists.select(pl.col(n).list.mean() * 100.0 for n in scored).with_columns(per["_eid"].filter(first))
    # names and types of the objectives: gathered once per objective, not carried through the group-by
    rows = obj["_row"]
    objectives = pl.DataFrame({
        "_eid": (obj["_k"] // span).cast(pl.UInt32),
        "objective_index": (obj["_k"] % span).cast(pl.Int64),
        "objective": okrs["objective"].cast(pl.Utf8).gather(rows),
        "type": okrs["type"].cast(pl.Utf8).gather(rows).fill_null("committed"),
        "progress": obj["_progress"]})
    aspirational = pl.col("type") == "aspirational"
    objectives = objectives.with_columns(
        (objective_score(pl.col("progress"), aspirational, t) * 100.0).alias(f"score@{t}") for t in sorted(thresholds))
    return scores, objectives


_PEEK = 1000  # rows looked at to choose the 360 strategy
_THREADED_PLACES = 200_000  # monthly rows from which the summed columns' places are found on several threads


def source_values(rows: pl.LazyFrame, repeated: bool = False, k: Scale = _INTEGERS) -> pl.DataFrame:
    """Per (employee, relation) key ``_k``: the mean over raters of each rater's mean rating, and the
    number of raters (:func:`mean_of_means`; ``k``: the ratings' decimal places, :func:`places`).

    Most surveys hold one rating per rater and relation; then one group-by gives both numbers, and
    the distinct rater hashes prove it (distinct hashes mean distinct raters).  Keys where that proof
    fails (several ratings per rater, e.g. one per competency, or a hash collision) are computed again
    exactly, rater by rater.  ``repeated`` (a peek at the first rows saw a rater rate twice) skips the
    single-level attempt when it is bound to fail.  Both ways give the same bits: the exact mean, rounded once."""
    if isinstance(k, Places) and not k.wide:
        found = rows.collect()
        fast = rater_runs(found, k)
        if fast is not None:
            return fast
        rows = found.lazy()
    if repeated or not isinstance(k, Places):
        return mean_of_means(rows, ["_k"], k)
    out = rows.group_by("_k").agg(units(pl.col("rating"), k).sum().alias("_s"), pl.len().alias("raters"),
                                  pl.col("rating").count().alias("_n"),
                                  pl.col("rater").hash().n_unique().alias("_distinct")).collect()
    unproved = out.filter(pl.col("_distinct") < pl.col("raters")).select("_k")
    out = out.with_columns(exact_quotient(out["_s"], 10 ** k.k, out["_n"]).alias("value")) \
        .select("_k", "value", "raters")
    if unproved.height:
        fixed = mean_of_means(rows.join(unproved.lazy(), on="_k", how="semi"), ["_k"], k)
        out = pl.concat([out.join(fixed.select("_k"), on="_k", how="anti"), fixed], how="vertical_relaxed")
    return out


def rater_runs(rows: pl.DataFrame, k: Places) -> pl.DataFrame | None:
    """:func:`mean_of_means` per ``_k`` without hashing a rater, when the rows come as surveys are exported:
    each key's rows together, and within them each rater's ratings together, raters in ascending order (as
    :func:`mean_of_means` would group them, then: each run of equal (key, rater) is one rater of one key).
    The runs are summed in place (integers as floats, exact: ``k`` is not wide), the raters' sums per key in
    place too, and divided once as :func:`mean_of_means` divides them: the same bits.  ``None`` (the caller
    groups) when the rows are not in that order, a rating or rater is missing, or the sums need 128 bits."""
    if not rows.height or rows["rater"].dtype != pl.Utf8 or not rows["_k"].dtype.is_unsigned_integer() \
            or rows["rating"].null_count() or rows["rater"].null_count() or rows["_k"].null_count():
        return None
    # (a collect hands over a chunk per thread: numpy wants one; the raters' text is compared and gathered as
    # it lies, not copied into one chunk: at 1,000,000 people that copy was ~0.4 GiB)
    key, rater = rows["_k"].rechunk().to_numpy(), rows["rater"]
    # where a key's rows begin, and each rater's run; within a key, each rater after a smaller one (neighbours
    # compared as two views of one column: a shifted copy of 24,000,000 raters' text was ~0.4 GB of fresh memory)
    block = np.empty(key.size, dtype=bool)
    block[0] = True
    np.not_equal(key[1:], key[:-1], out=block[1:])
    starts = np.flatnonzero(block | _after(rater, operator.ne))
    names = rater.gather(starts)
    if not bool((_after(names, operator.gt) | block[starts]).all()):
        return None  # (a rater after a greater one: not in order)
    opens = block[starts]
    keys = key[starts]
    # each key in one block: no key opens twice (codes are employee * 256 + relation: dense below)
    opened = keys[opens].astype(np.int64)
    relation = opened & 255
    code = (opened >> 8) * (int(relation.max()) + 1) + relation
    if int(np.bincount(code).max()) > 1:
        return None
    v = units(pl.col("rating"), k)
    values = rows.select(v).to_series().cast(F64).to_numpy()
    if bool(np.signbit(values).any()):
        return None  # (a -0.0 sums to -0.0 or 0.0 in a group-by, by how many it is with: the group-by's bits)
    n = _lengths(starts, rows.height)
    firsts = np.flatnonzero(opens)
    raters = _lengths(firsts, starts.size)
    if n.min() == n.max():  # every rater rated as often: a plain sum (and the runs a matrix's rows)
        per_rater = values.reshape(-1, int(n[0])).sum(axis=1)
        total, factor = np.add.reduceat(per_rater, firsts), int(n[0]) * 10 ** k.k
    else:
        per_rater = np.add.reduceat(values, starts)
        lcm = math.lcm(*(int(c) for c in np.unique(n)))
        if float(np.abs(per_rater).sum()) * lcm >= _EXACT / 2:
            return None  # (mean_of_means sums these in 128 bits)
        total, factor = np.add.reduceat(per_rater * (lcm // n).astype(np.float64), firsts), lcm * 10 ** k.k
    got = pl.DataFrame({"_k": keys[firsts], "_s": total, "raters": raters},
                       schema={"_k": rows["_k"].dtype, "_s": F64, "raters": pl.UInt32})
    return got.with_columns(exact_quotient(got["_s"], factor, got["raters"]).alias("value")) \
        .select("_k", "value", "raters")


def _after(texts: pl.Series, compare) -> np.ndarray:
    """Per row of ``texts`` (no nulls): ``compare(text, the previous row's text)``, True for the first row."""
    out = np.ones(texts.len(), dtype=bool)
    if texts.len() > 1:
        out[1:] = compare(texts.slice(1), texts.slice(0, texts.len() - 1)).to_numpy()
    return out


def _lengths(starts: np.ndarray, end: int) -> np.ndarray:
    """The length of each run beginning at ``starts`` (ascending), the last one ending at ``end``."""
    out = np.empty(starts.size, dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=out[:-1])
    out[-1:] = end - starts[-1:]
    return out


def mean_of_means(rows: pl.LazyFrame | pl.DataFrame, keys: list[str], k: Scale) -> pl.DataFrame:
    """Per ``keys``: ``value``, the mean over raters of each rater's mean ``rating``, and ``raters``.

    Exact, so that the result is a function of the ratings, never of their order: with ratings of ``k`` decimal
    places (:func:`places`), rater r's ratings sum to S_r units of 10^-k over n_r ratings, and the mean of means
    is Σ S_r·(L/n_r) / (raters·L·10^k) with L the least common multiple of the n_r: integers, divided once.
    (A rater with one rating each gives the single-level mean, bit for bit.)  When no ``k`` fits every rating
    (one rater's 3.3333333333333335), each key's ratings are taken at the places that fit that key's own
    (:func:`_mean_of_means_apart`): one odd rating does not change anyone else's mean."""
    rows = rows.lazy()
    if not isinstance(k, Places):
        return _mean_of_means_apart(rows.select(*keys, "rater", "rating").collect(), keys)
    per = rows.group_by(*keys, "rater").agg(units(pl.col("rating"), k).sum().alias("_s"),
                                            pl.col("rating").count().alias("_n")).collect()
    counts = per["_n"].unique().to_list()
    if len(counts) == 1 and counts[0]:  # every rater rated as often (every competency once): a plain sum
        out = per.lazy().group_by(keys).agg(pl.col("_s").sum(), pl.len().alias("raters")).collect()
        return out.with_columns(exact_quotient(out["_s"], counts[0] * 10 ** k.k, out["raters"])
                                .alias("value")).select(*keys, "value", "raters")
    return _over_raters(per, keys, k.k, k.wide)


def _over_raters(per: pl.DataFrame, keys: list[str], places: int | None, wide: bool) -> pl.DataFrame:
    """``keys``, ``value`` and ``raters`` from ``per``'s raters (``_s``: the sum of a rater's ratings in whole units
    of 10^-``places``; per key ``_ke`` when ``places`` is None; ``_n``: how many): Σ S_r·(L/n_r) / (raters·L·10^k)
    with L the least common multiple of the n_r, integers divided once (``wide``: in 128 bits whatever their size)."""
    lcm = math.lcm(1, *(n for n in per["_n"].unique().to_list() if n))  # (raters without a rating add nothing)
    share = pl.when(pl.col("_n") > 0).then(pl.lit(lcm, dtype=pl.Int64) // pl.col("_n").cast(pl.Int64)).otherwise(0)
    if wide or float(per["_s"].abs().sum()) * lcm >= _EXACT / 2:  # else float sums of these are exact
        term = pl.col("_s").cast(pl.Int128) * share.cast(pl.Int128)
    else:
        term = pl.col("_s") * share.cast(F64)
    out = per.group_by(keys).agg(term.sum().alias("_s"), pl.len().alias("raters"),
                                 (pl.col("_n") > 0).sum().alias("_valued"),
                                 *([pl.col("_ke").first()] if places is None else []))
    factor = lcm * 10 ** places if places is not None else [lcm * 10 ** int(k) for k in out["_ke"].to_list()]
    return out.with_columns(exact_quotient(out["_s"], factor, out["_valued"]).alias("value")) \
        .select(*keys, "value", "raters")


def _mean_of_means_apart(found: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """:func:`mean_of_means` of ratings no number of decimal places fits as a whole: each key's ratings as the
    decimals they are written as, at the fewest places that fit all of that key's (whole numbers, divided once,
    as for a column of :class:`Places`); the ratings of a key none fits are averaged exactly as the floats they
    are, in Python (rare: a survey's own averages, 3.3333333333333335, beside the decimals of ten places)."""
    schema: dict[str, Any] = {**{c: found.schema[c] for c in keys}, "value": F64, "raters": pl.UInt32}
    if not found.height:
        return pl.DataFrame(schema=schema)
    ke, bad, u = _group_units(found, keys, found["rating"].cast(F64))
    found = found.with_columns(pl.Series("§bad", bad), ke.alias("§ke"), u.alias("§u")).with_columns(
        pl.col("§bad").any().over(*_grouped(keys)))  # (a key with a rating its places do not fit: floats)
    parts = []
    fit = found.filter(~pl.col("§bad"))
    if fit.height:  # as the Places path, each key at its own places
        per = fit.group_by(*keys, "rater").agg(pl.col("§u").filter(pl.col("rating").is_not_null()).sum()
                                               .alias("_s"), pl.col("rating").count().alias("_n"),
                                               pl.col("§ke").first().alias("_ke"))
        parts.append(_over_raters(per, keys, None, True))
    by: dict[tuple, dict[Any, list[Fraction]]] = {}
    for *key, rater, rating in found.filter(pl.col("§bad")).select(*keys, "rater", "rating").iter_rows():
        got = by.setdefault(tuple(key), {}).setdefault(rater, [])
        if rating is not None:
            got.append(Fraction(rating))
    means = {key: [sum(v) / len(v) for v in raters.values() if v] for key, raters in by.items()}
    parts.append(pl.DataFrame([(*key, float(sum(m) / len(m)) if m else None, len(by[key]))
                               for key, m in means.items()], schema=schema, orient="row"))
    return pl.concat(parts, how="vertical_relaxed")


def feedback_scores(ruleset: Ruleset, inputs: Inputs, period: Period,
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
        stamp = fb["period"]
        one = stamp.drop_nulls().head(1).to_list()
        if one and bool((stamp == one[0]).fill_null(True).all()):  # one period named (comparing beats hashing)
            values = one
        else:
            values = stamp.drop_nulls().unique().to_list()
        periods = [p for p in values if period.contains(p)]
        if len(periods) < len(values):  # (else every row stays: no copy)
            fb = fb.filter(pl.col("period").is_null() | pl.col("period").is_in(periods))
    out: dict[tuple[str, str], pl.DataFrame] = {}
    relations_all = sorted({r for d, _ in uses for r, _ in feedback_of(d).sources} | {"self"})
    code = {r: i for i, r in enumerate(relations_all)}
    # integer keys: grouping 8 ratings × 1M employees by strings is several times slower; an Enum
    # cast codes the relation (unknown relations become null and drop) faster than a replace
    keep = ["employee", "relation", "rater", "rating"] + (["competency"] if "competency" in fb.columns else [])
    peek = fb.head(_PEEK).select("employee", "relation", "rater")
    repeated = peek.height > 0 and peek.n_unique() < peek.height
    decimals = places(fb["rating"].cast(F64, strict=False)) if "rating" in fb.columns else _INTEGERS
    fb = coded(fb.select(keep), codes).with_columns(
        pl.col("relation").cast(pl.Utf8).cast(pl.Enum(relations_all), strict=False).to_physical().alias("_rel"),
        pl.col("rater").cast(pl.Utf8), pl.col("rating").cast(F64)).drop_nulls(["_rel", "rating"])
    # (a blank cell is not a rating: a rater counts only with at least one, SPEC v1.1)
    n = codes.height
    for d, users in uses:
        key, spec = d.key, feedback_of(d)
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
        sources = source_values(rows, repeated, decimals).with_columns(
            (pl.col("_k") // 256).cast(pl.UInt32).alias("_eid"), (pl.col("_k") % 256).cast(pl.UInt8).alias("_rel"))
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


def period_scores(ruleset: Ruleset, inputs: Inputs, period: Period, codes: pl.DataFrame,
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
        spec = periods_of(d)
        parts = spec.parts(period)
        columns = {"_eid": pl.Series("_eid", range(n), dtype=pl.UInt32)}
        unknown = unknown_ruleset(spec.ruleset, inputs)
        if unknown is not None and (spec.ruleset, d.key) not in warned:  # once, not once a sub-period
            warned.add((spec.ruleset, d.key))
            warnings.append(f"the store holds no run of ruleset '{spec.ruleset}', which dimension '{d.key}' "
                            f"reads: every employee's {d.key} is missing; {unknown}")
        for p, _ in parts:
            rows = sub.filter((pl.col("ruleset") == spec.ruleset) & (pl.col("period") == p.id))
            if not rows.height and inputs.stored.get((spec.ruleset, p.id)) is None and unknown is None \
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


def unknown_ruleset(ruleset_id: str, inputs: Inputs) -> str | None:
    """What to check when the store holds runs, but none of ``ruleset_id`` (a misspelt id in ``periods:`` or
    ``net_of``, told from a period not run yet), or None."""
    known = inputs.known_rulesets
    if not known or ruleset_id in known:
        return None
    import difflib

    close = difflib.get_close_matches(ruleset_id, list(known), n=1)
    return (f"check the ruleset id (the store holds runs of {', '.join(known)})"
            + (f"; did you mean '{close[0]}'?" if close else ""))


def unpaid_periods(ruleset: Ruleset, inputs: Inputs, period: Period, warnings: list[str]) -> None:
    """A warning for each sub-period ``bonus.net_of`` nets of which nothing is stored: it counts as nothing paid,
    so the bonus due now would pay again what that period pays (the annual review run before the last quarter,
    or ``net_of`` naming a ruleset id the store does not hold)."""
    plan = ruleset.bonus
    if plan is None or plan.net_of is None:
        return
    net = plan.net_of
    unknown = unknown_ruleset(net.ruleset, inputs)
    if unknown is not None:
        warnings.append(f"the store holds no run of ruleset '{net.ruleset}', which bonus.net_of nets: nothing "
                        f"is deducted and the bonus due now is the whole gross bonus; {unknown}")
        return
    paid = inputs.paid
    for p in period.subperiods(net.every):
        if inputs.stored.get((net.ruleset, p.id)) is not None:
            continue
        if paid is not None and paid.height and paid.filter((pl.col("ruleset") == net.ruleset)
                                                            & (pl.col("period") == p.id)).height:
            continue  # (given directly, without a store)
        warnings.append(f"no stored results of ruleset '{net.ruleset}' for {p.id}: bonus.net_of deducts nothing "
                        "for it, so the bonus due now includes what that period pays (run that period first, then "
                        "this one again)")


_PLURAL = {"month": "months", "quarter": "quarters", "half": "halves"}


def netted(ruleset: Ruleset, inputs: Inputs, period: Period, warnings: list[str] | None = None
           ) -> pl.DataFrame | None:
    """The rows of what was paid (``employee``, ``ruleset``, ``period``, ``bonus``) that ``bonus.net_of`` nets: the
    named ruleset's, of this cycle's sub-periods (SPEC v2), or None when the ruleset does not net.  A table handed
    in (``appraise.evaluate(..., paid=...)``, a ruleset test) may hold other periods: they are not netted, and
    ``warnings`` says so once (a store is read for the sub-periods only)."""
    plan = ruleset.bonus
    if plan is None or plan.net_of is None:
        return None
    paid = inputs.paid
    if paid is None or not paid.height:
        return pl.DataFrame(schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8, "bonus": pl.Utf8})
    paid = paid.filter(pl.col("ruleset") == plan.net_of.ruleset)
    subs = [p.id for p in period.subperiods(plan.net_of.every)]
    inside = pl.col("period").cast(pl.Utf8).is_in(subs)
    others = sorted({str(p) for p in paid.filter(~inside)["period"].to_list()})
    if others and warnings is not None:
        warnings.append(f"what ruleset '{plan.net_of.ruleset}' paid for {', '.join(others)} is not netted: "
                        f"bonus.net_of nets the {_PLURAL[plan.net_of.every]} of {period.id} only ({subs[0]} to "
                        f"{subs[-1]})")
    return paid.filter(inside)


def paid_before(ruleset: Ruleset, paid: pl.DataFrame | None,
                errors: list[EmployeeError] | None = None) -> pl.DataFrame | None:
    """``id`` and ``_paid``: what the runs ``bonus.net_of`` names paid each employee (exact; a null bonus
    counts 0), from ``paid``, the rows :func:`netted` nets (None when the ruleset does not net: then None).  A paid
    bonus that is not an amount is an error of its employee in ``errors``
    (:func:`~appraise.core.frame.unreadable_amounts`)."""
    plan = ruleset.bonus
    if plan is None or plan.net_of is None or paid is None:
        return None
    if not paid.height:
        return pl.DataFrame(schema={"id": pl.Utf8, "_paid": MONEY})
    if errors is not None:
        unreadable_amounts(paid, "bonus", f"what ruleset '{plan.net_of.ruleset}' paid", errors)
        # a period paid twice (a table handed in; a store holds one current run a period): which amount is meant
        # cannot be known, and summing them would net what the results' list of periods does not show
        twice = (paid.group_by("employee", "period", maintain_order=True)
                 .agg(pl.col("bonus").cast(pl.Utf8), pl.len().alias("_n")).filter(pl.col("_n") > 1))
        for emp, per, amounts, n in twice.iter_rows():
            shown = ", ".join("null" if a is None else str(a) for a in amounts)
            errors.append(EmployeeError(str(emp), "evaluate", f"what ruleset '{plan.net_of.ruleset}' paid for {per} "
                                        f"is given {n} times ({shown}); the bonus cannot be settled against it, so "
                                        "it is not paid"))
    return (paid
            .group_by("employee").agg(pl.col("bonus").cast(pl.Utf8).cast(MONEY, strict=False).fill_null(Decimal(0))
                                      .sum().alias("_paid"))
            .rename({"employee": "id"}))
