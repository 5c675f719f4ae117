"""Team roll-ups: a manager's metric computed from their reports' period values, through a column of the employee
table that names each person's manager (README "Team roll-up and split credit").

Columnar and exact.  The hierarchy becomes a closure table (manager, report, depth) by repeated joins up the
chain, one per level, so a ``subtree`` roll-up reads everyone below a manager in one join and a ``direct`` one
the rows of depth 1; a chain of managers that comes back to itself (a row ``(x, x)`` of the closure) is an
error.  Sums are exact: each report's value is taken as the decimal it was written as (a month sum of 33.33 +
0.01 + 25.00 is 58.34, not the float's 58.339999999999996), the decimals are added as whole numbers of their
decimal places (:func:`appraise.core.rollup.places`), and the total becomes the float nearest to that exact sum
(a mean is that sum over the count); values no number of places fits (``0.30000000000000004``) are added
exactly as the floats they are.  Either way the result does not depend on the order of the rows.

Who counts: the reports employed in the period (hired by its last day, not gone before its first).  Someone
who left before the period, or joins after it, is not in the team for it; a report of the period whose value
is missing, or who is not appraised (their data sent them to the errors or were skipped under ``on_error:
skip-employee``), makes the roll-up missing, never a smaller total.  A manager with no report in the period
has no team value (missing), unless ``include_self`` adds their own.  The ledger of who counted with what value
is kept for ``explain`` and the dashboards (:func:`ledger` rows).
"""
from __future__ import annotations

import polars as pl

from appraise.core.incentives import SLACK
from appraise.core.rollup import Places, date_of, group_sums, half_steps, places, scaled_total, units
from appraise.errors import AppraiseError
from appraise.language.compile import Metric, Ruleset
from appraise.language.period import Period
from appraise.tables import Inputs

F64 = pl.Float64
LEDGER_SCHEMA = {"metric": pl.Utf8, "manager": pl.Utf8, "report": pl.Utf8, "depth": pl.Int32, "value": F64,
                 "counted": pl.Boolean}


class Teams:
    """The hierarchies one evaluation reads (one per ``via`` column), built once, and the ledger of every
    roll-up computed with them."""

    def __init__(self, ruleset: Ruleset, inputs: Inputs, period: Period):
        self.ruleset, self.period = ruleset, period
        source = inputs.hierarchy if inputs.hierarchy is not None else inputs.employees
        self.people = _population(source, period, sorted({m.rollup.via for m in ruleset.rollups if m.rollup}))
        self._closures: dict[str, pl.DataFrame] = {}
        self.ledgers: list[pl.DataFrame] = []

    def closure(self, via: str) -> pl.DataFrame:
        """``manager``, ``report``, ``depth`` (1 = direct) for every chain of ``via`` in the employee table."""
        if via not in self._closures:
            self._closures[via] = closure(self.people, via)
        return self._closures[via]

    def add(self, df: pl.DataFrame, metric: Metric) -> pl.DataFrame:
        """``df`` (the result frame, ``m.<of>`` computed) with ``m.<metric>``: the roll-up of each employee."""
        r = metric.rollup
        assert r is not None, metric.name
        pairs = self.closure(r.via)
        if r.scope == "direct":
            pairs = pairs.filter(pl.col("depth") == 1)
        pairs = pairs.join(self.people.select("id", "_employed"), left_on="report", right_on="id", how="inner") \
            .filter(pl.col("_employed")).drop("_employed")
        if r.include_self:
            pairs = pl.concat([df.select(pl.col("id").alias("manager"), pl.col("id").alias("report"),
                                         pl.lit(0, dtype=pl.Int32).alias("depth")),
                               pairs.select("manager", "report", pl.col("depth").cast(pl.Int32))])
        own = f"{SLACK}{r.of}"  # reports whose own values are sums no places fit (rollup.group_sums' slack)
        values = df.select(pl.col("id").alias("report"), pl.col(f"m.{r.of}").cast(F64).alias("value"),
                           pl.lit(True).alias("_scored"),
                           *([pl.col(own).alias("_own")] if own in df.columns and r.aggregate in ("sum", "mean")
                             else []))
        rows = pairs.join(values, on="report", how="left")
        rows = rows.with_columns((pl.col("_scored").fill_null(False) & pl.col("value").is_not_null()).alias("counted"))
        self.ledgers.append(rows.select(pl.lit(metric.name).alias("metric"), "manager", "report",
                                        pl.col("depth").cast(pl.Int32), "value", "counted"))
        v = pl.col("value")
        # as written, exactly: the values as whole numbers of their decimal places (rollup.places), summed as
        # integers, so 33.33 + 0.01 + 25 is 58.34 (not the float sum's 58.339999…) in any order of the rows; when
        # no places fit the column as a whole (one report's 0.30000000000000004), team by team at the places that
        # fit its own values (rollup.group_sums): one odd value elsewhere does not make every team's sum a float sum
        k = places(rows["value"]) if r.aggregate in ("sum", "mean") else None
        combined = []  # (none where the teams are summed one by one, below)
        if r.aggregate in ("min", "max"):
            combined = [(v.min() if r.aggregate == "min" else v.max()).alias("_s")]
        elif isinstance(k, Places):
            combined = [units(v, k).sum().alias("_s")]
        if "_own" in rows.columns:
            combined.append(pl.col("_own").sum().alias("_own"))
        team = rows.group_by("manager").agg(*combined, pl.len().alias("_n"), pl.col("counted").all().alias("_all"))
        slack = None  # how far a team's sum (mean) of the decimals written may be from its float (rollup.SLACK)
        if r.aggregate in ("min", "max"):
            value = team["_s"].cast(F64)
        elif isinstance(k, Places):
            value = scaled_total(team["_s"], k, team["_n"] if r.aggregate == "mean" else None)
        else:
            sums = group_sums(rows.select("manager", pl.col("value").alias("x")), "manager", r.aggregate == "mean", k)
            joined = team.select("manager").join(sums, on="manager", how="left", maintain_order="left")
            value = joined["value"]
            if joined["slack"].null_count() < joined.height:
                slack = joined["slack"]
        made = [pl.when(pl.col("_all")).then(pl.lit(value)).otherwise(None).cast(F64).alias(f"m.{metric.name}")]
        if "_own" in team.columns and (team["_own"].fill_null(0.0) != 0).any():
            # the reports' own slacks, each as far off as the team's sum (mean) may be, and half a step at it
            share = pl.col("_own") / (pl.col("_n").cast(F64) if r.aggregate == "mean" else 1.0)
            slack = team.select((share + pl.lit(half_steps(value)) + (pl.lit(slack) if slack is not None else 0.0))
                                * (1 + 2.0 ** -40)).to_series()
        if slack is not None:
            made.append(pl.when(pl.col("_all")).then(pl.lit(slack)).otherwise(None).alias(f"{SLACK}{metric.name}"))
        team = team.select("manager", *made)
        return df.join(team, left_on="id", right_on="manager", how="left", maintain_order="left")

    def ledger(self) -> pl.DataFrame | None:
        """Every roll-up's rows: ``metric``, ``manager``, ``report``, ``depth`` (0: the manager's own value),
        ``value`` and whether it ``counted`` (False: missing, which made the roll-up missing); by manager, metric,
        depth and report."""
        if not self.ledgers:
            return None
        return pl.concat(self.ledgers).sort("manager", "metric", "depth", "report")


def _population(employees: pl.DataFrame, period: Period, vias: list[str]) -> pl.DataFrame:
    """``id``, the hierarchy columns as text (blank: none) and ``_employed``: employed in the period, as
    :func:`appraise.core.rollup.read_employees` decides it (an unreadable date counts as employed: the
    employee is then in the errors, so whoever's team they are in is missing)."""
    cols = ["id", *(c for c in vias if c in employees.columns)]
    hire = date_of(pl.col("hire_date")) if "hire_date" in employees.columns else pl.lit(None, dtype=pl.Date)
    leave = date_of(pl.col("leave_date")) if "leave_date" in employees.columns else pl.lit(None, dtype=pl.Date)
    employed = (hire.is_null() | (hire <= period.end)) & (leave.is_null() | (leave >= period.start))
    return employees.select(*[pl.col(c).cast(pl.Utf8).str.strip_chars().alias(c) for c in cols],
                            employed.alias("_employed"))


def closure(people: pl.DataFrame, via: str) -> pl.DataFrame:
    """The closure table of the hierarchy in column ``via``: one row per (manager, report) at any depth.  A
    manager missing from the table, or a chain coming back to itself, raises :class:`AppraiseError` (the provide
    stage says where, at the employee table's rows, before the engine runs)."""
    if via not in people.columns:
        raise AppraiseError(f"a team roll-up follows the employee column '{via}', which the employee table does not "
                            "have")
    edges = people.select(pl.col(via).alias("manager"), pl.col("id").alias("report")) \
        .filter(pl.col("manager").is_not_null() & (pl.col("manager") != ""))
    unknown = edges.join(people.select(pl.col("id").alias("manager")), on="manager", how="anti")
    if unknown.height:  # someone not employed in the period may keep a stale cell: it touches no team of it
        edges = edges.join(unknown, on=["manager", "report"], how="anti")
        unknown = unknown.join(people.filter(pl.col("_employed")).select(pl.col("id").alias("report")), on="report",
                               how="semi")
    if unknown.height:
        row = unknown.sort("report").row(0, named=True)
        raise AppraiseError(f"{row['report']}'s '{via}' is '{row['manager']}', who is not in the employee table")
    level = edges.with_columns(pl.lit(1, dtype=pl.Int32).alias("depth"))
    if level.filter(pl.col("manager") == pl.col("report")).height:
        ids = sorted(level.filter(pl.col("manager") == pl.col("report"))["report"].to_list())
        raise AppraiseError(f"{', '.join(ids)} manage(s) themselves in the '{via}' column")
    found = [level]
    up = edges.rename({"manager": "_up", "report": "manager"})  # each manager's own manager
    for depth in range(2, people.height + 2):
        level = level.join(up, on="manager", how="inner").select(pl.col("_up").alias("manager"), "report",
                                                                 pl.lit(depth, dtype=pl.Int32).alias("depth"))
        looped = level.filter(pl.col("manager") == pl.col("report"))
        if looped.height:
            ids = sorted(looped["report"].to_list())
            raise AppraiseError(f"the '{via}' column goes round in a circle through {', '.join(ids)}")
        if not level.height:
            break
        found.append(level)
    return pl.concat(found)
