"""The result frame's vocabulary: its column names and types, and the name → column mapping expressions read.

The result frame of :func:`appraise.core.evaluate.evaluate` holds every
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
``p.<dim>.<period>``       a ``periods:`` dimension's sub-period score (null: no stored result);
                           ``w.<dim>.<period>`` its effective weight in percent of the dimension
``adj.<id>``               the adjustment applied
``total``                  unrounded total; ``score`` rounded half-up to 2 decimals; ``total.weighted`` the
                           weighted sum of the dimension scores before adjustments and the floor at 0
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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from appraise.language import expr as expressions
from appraise.language.compile import Dimension, Feedback360, Kpi, PeriodsSpec, Ruleset, Scorecard
from appraise.language.period import Period

MONEY = pl.Decimal(38, 10)
F64 = pl.Float64
# Up to this many rows (employees), a step of the engine may take a path of its own where a polars query's fixed
# cost (planning, optimising: ~0.1-0.3 ms a step whatever the rows) outweighs its rows: calibration and the
# unfinite-number check on Python lists, the scoring query without the optimiser (tests/test_few_rows.py and
# tests/test_core_runs.py compare each with the path of larger populations).
FEW_ROWS = 64


@dataclass
class EmployeeError:
    """An employee who could not be appraised, and why (goes to errors.csv)."""

    employee: str
    stage: str
    message: str


def unreadable_amounts(table: pl.DataFrame, column: str, what: str, errors: list[EmployeeError]) -> list[str]:
    """The employees of ``table`` (``employee``, ``period`` when there is one, ``column``: decimal text) whose
    ``column`` is given but is not an amount :data:`MONEY` reads ('22,000', 'abc'): each is an error naming the
    value, and their ids are returned.  (Read with ``strict=False``, such a value would count as nothing paid or
    carried, and the bonus would pay again what was paid.)  The store writes only amounts; a program handing
    :class:`~appraise.tables.Inputs` of its own may not."""
    text = pl.col(column).cast(pl.Utf8)
    bad = table.filter(text.is_not_null() & text.cast(MONEY, strict=False).is_null())
    if not bad.height:
        return []
    period = "period" if "period" in bad.columns else None
    for row in bad.iter_rows(named=True):
        where = f" for {row[period]}" if period and row[period] is not None else ""
        errors.append(EmployeeError(str(row["employee"]), "evaluate", f"{what}{where} is {row[column]!r}, which is "
                                    "not an amount; the bonus cannot be settled against it, so it is not paid"))
    return list(dict.fromkeys(str(e) for e in bad["employee"].to_list()))


def feedback_of(dimension: Dimension) -> Feedback360:
    """The sources of a ``feedback360`` dimension (compile gives every one of them its ``feedback``)."""
    assert dimension.feedback is not None, dimension.key
    return dimension.feedback


def periods_of(dimension: Dimension) -> PeriodsSpec:
    """The sub-periods of a ``periods`` dimension (compile gives every one of them its ``periods``)."""
    assert dimension.periods is not None, dimension.key
    return dimension.periods


def card_of(ruleset: Ruleset, row: Mapping[str, Any]) -> Scorecard:
    """The scorecard of a row of the result frame (its ``scorecard`` column names one of the ruleset's)."""
    card = ruleset.scorecard(row["scorecard"])
    assert card is not None, row["scorecard"]
    return card


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
    return [item for item in item_paths(card_of(ruleset, row), period) if row.get(f"miss.{item}")]


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


def condition(e, column, context) -> pl.Expr:
    """A condition as a Boolean column: a missing value makes it not hold; no condition always holds."""
    if e is None:
        return pl.lit(True)
    return expressions.to_polars(e, column, context, column.types).fill_null(False).cast(pl.Boolean)
