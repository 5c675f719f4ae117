"""A deliberately plain, row-by-row evaluator of SPEC.md (v1, the v1.1 settled questions and v2).

Independent of the engine: written from SPEC.md, the README's "Semantics the SPEC leaves open" and the input
formats the providers accept; no code of the engine is imported (YAML is read with PyYAML's libyaml composer
and typed by the YAML 1.2 core schema in :mod:`reference.readers`).  Every number is an exact
:class:`~fractions.Fraction` (data cells and YAML numbers are read as the decimals they were written as) and
money a :class:`~decimal.Decimal`; nothing is rounded until results are written, except the reported score
(2 decimals, half-up), which grades, calibration, outcomes and later periods use, and the bonus (half-up to the
``rounding`` unit).

``evaluate_cycle(path, store)`` returns a results.json-shaped document whose numbers are NOT rounded to 4
decimals (floats of the exact values; ``score`` is the exact 2-decimal reported score), so that
:func:`reference.compare.compare` can check an engine's rounded numbers within half a unit of the 4th decimal.

Where SPEC.md and the README leave a choice, this file takes the reading below (each is listed in the report
of the session that wrote it, so the engine can be checked against the same reading):

1. Rules act per action on the scorecard's paths: ``set``/``drop``/``scale_target`` act on each named path the
   employee's scorecard has, ``shift`` when it has both; a rule is *fired* when its condition holds and at least
   one action acted.  ``scale_target: {kpi: f}`` scales every KPI of that key in the scorecard
   (``dimension.kpi`` names one).  Factors of several rules multiply.
2. ``set``/``drop`` rescale the siblings in proportion to their weights (a dropped sibling stays 0); when the
   siblings weigh 0 together, the freed weight is shared equally among the siblings not dropped.
3. A KPI or dimension whose weight after the rules is 0 (``drop:``, ``set`` to 0, or 0 in the ruleset) is out
   of the employee's appraisal: never listed in ``missing`` or ``lost_points``.  A KPI dropped by ``drop:`` is
   left out of ``kpis``; every other KPI and every dimension keeps its entry (weight 0, its score when it has
   one).
4. A KPI is missing when its attainment is: no actual, no target, or ``actual / 0`` (higher-is-better with
   target 0).  The curve and the bonus tiers compare the attainment taken to 12 decimals (half-up; README
   "Numbers compare as written"); scores are worked out from the exact attainment.  Under ``redistribute``
   a dimension whose remaining present KPIs weigh 0 is missing, and is listed alone; otherwise each missing
   KPI is listed.  Under ``zero`` missing items score 0 at their weight, and a dimension with no present KPI,
   objective, source or sub-period is listed alone (score 0).
5. Missing ``previous`` fields, missing attribute cells and metrics without any value are missing (three-valued
   logic).  A blank ``hire_date`` keeps every metric row (the employment start is unknown) and is an error for
   the employee when the ruleset reads ``tenure_months`` or ``employed_share`` or prorates by days (issue 13).
6. Aggregates skip blank cells; ``first``/``last`` are the values of the earliest/latest month that has one.
7. 360: the ratings of a (relation, rater) are averaged, then the raters of a relation; a relation is scored
   when it is listed in ``sources`` and has at least ``min_raters`` raters (an integer ``min_raters`` applies to
   every relation; a mapping falls back to the defaults: 1 for ``manager`` and ``self``, 3 otherwise).  Hidden
   sources are redistributed among the scored ones under every ``missing:`` policy and never listed in
   ``missing``; a dimension without any scored source is missing.  An unlisted ``self`` reaching its
   ``min_raters`` is shown as ``self`` beside ``sources``; ``raters`` gives the scored sources' rater counts.
   A rating row with a blank ``period`` (or a file without the column) belongs to every cycle.
   ``competencies:`` keeps only the ratings of those competencies (the file must have the column); a rating
   outside 1..the largest 360 scale of the ruleset is a data error.
8. OKRs: a key result with a blank ``current`` is left out; an objective without key results left is left
   out; no objective → the dimension is missing.  ``okr: {aspirational_threshold: t}`` replaces 0.7.
9. An employee with no dimension left to score is in ``errors`` (stage ``evaluate``), like ``missing: error``.
10. Calibration: a blank cohort value is not calibrated.  Caps are applied grade by grade from the top; while
    more employees are at or above a capped grade than allowed, the lowest (reported score, then id compared
    as text, larger first) among them moves down one grade.
11. Bonus: the excess reads the KPI's actual and target at 6 decimals (half-up); the multiplier of a grade
    missing from ``multiplier`` is 1; the total is floored at 0, capped,
    rounded half-up to the unit, and rounded down to the unit when that would exceed the cap.  Strings carry
    as many decimals as the (normalised) unit: ``rounding: 1`` → ``"8000"``, ``0.01`` → ``"8000.00"``.
    ``bonus_paid`` (net_of) is the sum of the sub-periods' stored ``bonus`` strings, written the same way.
12. Overrides: ``score`` is taken to 2 decimals half-up; ``override.score`` is recorded whenever a score is
    given, ``override.grade`` whenever the grade changed.  An override naming anyone not in this run's results
    (not employed, not covered, or sent to errors) raises :class:`ReferenceInputError`.
13. ``periods:`` dimensions read the reported (final) ``score`` of each sub-period's current run of the named
    ruleset; a wholly missing one is listed alone (``"year_results"``), with every sub-period null.  Weights
    keyed for sub-periods are read as written; absent keys weigh 0 (equal weights when ``weights`` is absent).
    A sub-period weighing 0 is not read: not in ``periods``, never missing (README, like a KPI of weight 0).
14. ``lost_points`` lists items with more than 10^-12 points lost (README), keyed by KPI id (``dimension.kpi`` when two
    dimensions of the scorecard share the id) or dimension; ``focus_areas`` are its biggest items (ties,
    to 9 decimals, by key).  Outcomes may read ``score``, ``grade`` and ``bonus`` (the amount due now).
15. Rows of employees not in the employee table stop the run (``on_error: fail``; ignored under
    ``skip-employee``), as does a key result with target == start anywhere in the OKR data; rows of people not
    appraised in the period are ignored.
16. Input checks beyond the SPEC follow issue 13 where the engine has them: a declared raw metric without any
    value for the period in any source (and not ``optional: true``) is an input error; an employee without a
    ``hire_date`` is in ``errors`` (stage ``employees``) when an expression of the ruleset reads
    ``tenure_months`` or ``employed_share``, or the ruleset prorates by days (someone who left before the
    period is not appraised in it, so needs none).  An employee any of whose KPI numbers or dimension scores
    is 10^27 or more in size, or any of whose metric values (aggregated or derived) is not 0 but below
    2^-1022 (~2.2e-308) in size (README: floats cannot carry it; 5e-324 / 22 would be 0), or 10^15 or more (a
    sum or formula past the limit of a cell), is in ``errors``.
"""
from __future__ import annotations

import datetime as dt
import itertools
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from . import incentives as plans
from .expr import Expr, ExpressionError, number, round_half_up
from .periods import LENGTH, Period, parse, tenure_months
from .readers import (
    DotThousands,
    ReferenceInputError,
    metric_rows,
    okr_objectives,
    parse_date,
    parse_number,
    read_csv,
    source_kind,
    tiny,
    yaml_data,
)
from .ruleset import Dimension, Ruleset, Scorecard, decimal_of, parse_ruleset
from .teams import check_hierarchy, credited_cells, rollup_value

_DEFAULT_MIN_RATERS = {"manager": 1, "self": 1}


# ===================================================================================== the store

class ReferenceStore:
    """In-memory results store: one current run per (period, ruleset id), earlier runs kept as history."""

    def __init__(self):
        self.current: dict[tuple[str, str], dict] = {}
        self.history: list[tuple[str, str, dict]] = []

    def run(self, cycle_path) -> dict:
        """Evaluate a cycle against this store and record its results as the current run."""
        doc = evaluate_cycle(cycle_path, store=self)
        self.record(doc)
        return doc

    def record(self, doc: dict) -> None:
        key = (doc["cycle"], doc["ruleset"]["id"])
        self.current[key] = doc
        self.history.append((key[0], key[1], doc))

    def result(self, period: str, ruleset_id: str, employee: str) -> dict | None:
        """The employee's entry in the current run of (period, ruleset id), else None."""
        doc = self.current.get((period, ruleset_id))
        if doc is None:
            return None
        return next((e for e in doc["employees"] if e["id"] == employee), None)

    def has_run(self, period: str, ruleset_id: str) -> bool:
        return (period, ruleset_id) in self.current


# ===================================================================================== inputs

class Person:
    """One row of the employee table, typed by the ruleset's ``attributes:``."""

    def __init__(self, row: dict, rs: Ruleset, where: str):
        self.id = row.get("id")
        if self.id is None:
            raise ReferenceInputError(f"{where}: employee row without id")
        self.name = row.get("name")
        self.hire = parse_date(row.get("hire_date"), where)
        self.leave = parse_date(row.get("leave_date"), where)
        self.values = {"id": self.id, "name": self.name,
                       "hire_date": self.hire.isoformat() if self.hire else None,
                       "leave_date": self.leave.isoformat() if self.leave else None,
                       "locale": row.get("locale")}
        for attr, kind in rs.attributes.items():
            cell = row.get(attr)
            if kind == "number":  # README "Messy exports": employee number/money columns also read 30,000.50
                self.values[attr] = parse_number(cell, f"{where} ({attr})", money=True)
            elif kind == "money":
                self.values[attr] = parse_number(cell, f"{where} ({attr})", money=True)
            elif kind == "date":
                d = parse_date(cell, f"{where} ({attr})")
                self.values[attr] = d.isoformat() if d else None
            else:
                self.values[attr] = cell

    def appraised_in(self, period: Period) -> bool:
        """SPEC: not hired after the period's last day, not left before its first day."""
        if self.hire is not None and self.hire > period.last_day:
            return False
        if self.leave is not None and self.leave < period.first_day:
            return False
        return True

    def month_outside(self, month: str) -> bool:
        """Whether a ``YYYY-MM`` month lies wholly outside the employment."""
        year, m = int(month[:4]), int(month[5:7])
        first = dt.date(year, m, 1)
        last = (dt.date(year + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        return (self.hire is not None and last < self.hire) or (self.leave is not None and first > self.leave)

    def employed_share(self, period: Period) -> Fraction | None:
        if self.hire is None:
            return None
        start = max(self.hire, period.first_day)
        end = min(self.leave or period.last_day, period.last_day)
        days = max((end - start).days + 1, 0)
        return Fraction(days, period.days)


class Inputs:
    def __init__(self):
        self.people: list[Person] = []
        self.metrics: dict[str, dict[tuple[str, str], tuple]] = {}   # emp -> (month, metric) -> (value, where)
        self.named: set[str] = set()  # metrics some source has a column (or long rows) for
        self.feedback: dict[str, list[tuple]] = {}   # emp -> (relation, rater, rating, competency)
        self.okrs: dict[str, list[dict]] = {}
        self.warnings: list[str] = []


def _fits_places(values: list[Fraction]) -> bool:
    """Whether some number of decimal places k (0 to 18) fits every one of ``values`` (one employee's cells of a
    summed metric in the period) with each below 2^53 units of 10^-k (README "Results do not depend on the order
    of the rows"); an employee whose cells none fits (0.30000000000000004 beside 123,456,789,012.345) has them
    added exactly as the floats they are."""
    top = max(abs(v) for v in values)
    for k in range(19):
        if top * 10 ** k >= 2 ** 53:
            return False
        if all((v * 10 ** k).denominator == 1 for v in values):
            return True
    return False


def _read_inputs(cycle: dict, base: Path, rs: Ruleset, period: Period) -> Inputs:
    inputs = Inputs()
    declared = set(rs.raw_metrics)
    deals: list[tuple[dict, str]] = []    # split credit (reference.teams)
    credits: list[tuple[dict, str]] = []
    credit_sources = 0
    for source in cycle["sources"]:
        path = base / source["path"]
        label = source["path"]
        provider = source["provider"]
        is_yaml = path.suffix.lower() in (".yaml", ".yml")
        rows = None if (provider == "okr" and is_yaml) else read_csv(path, source)
        kind = source_kind(source, rows)
        if kind == "employees":
            for row in rows:
                inputs.people.append(Person(row, rs, f"{label}:{row['_line']}"))
        elif kind == "metrics":
            for emp, month, name, value, where in metric_rows(rows, source, declared, label):
                inputs.named.add(name)  # the source has the metric, whatever the month or the value
                if month not in period.months:
                    continue
                if isinstance(value, DotThousands):
                    parse_number(value, where)  # (refused)
                cell = inputs.metrics.setdefault(emp, {})
                if (month, name) in cell:
                    old_value, old_where = cell[(month, name)]
                    if value is None:
                        continue
                    if old_value is not None:
                        raise ReferenceInputError(f"{where}: {name} of {emp} for {month} also given at {old_where}")
                cell[(month, name)] = (value, where)
        elif kind == "feedback360":
            specs = [d.spec for c in rs.scorecards for d in c.dimensions if d.kind == "feedback360"]
            top = max((number(sp["scale"]) for sp in specs), default=None)
            if any(sp.get("competencies") for sp in specs) and rows and "competency" not in rows[0]:
                raise ReferenceInputError(f"{label}: a 360 dimension counts only some competencies, but the "
                                          "file has no competency column")
            seen: dict[tuple, str] = {}
            for row in rows:
                where = f"{label}:{row['_line']}"
                raw_period = row.get("period")
                if isinstance(row.get("rating"), DotThousands):  # (every row's rating is read as a number)
                    parse_number(row["rating"], where)
                if raw_period is not None and not period.contains(parse(raw_period)):
                    continue
                # one rating per employee, rater, relation, competency and period (the columns the file has): a
                # second is an error at its row, as in the engine (which of the two counts is not for us to guess)
                key = (row["employee"], row["rater"], row["relation"], row.get("competency"), raw_period)
                if key in seen:
                    raise ReferenceInputError(f"{where}: a rating of {key[0]} by the same rater appears twice; first "
                                              f"at {seen[key]}")
                seen[key] = where
                rating = parse_number(row.get("rating"), where)
                if rating is not None and top is not None and not 1 <= rating <= top:
                    raise ReferenceInputError(f"{where}: rating {rating} outside the scale 1..{top}")
                inputs.feedback.setdefault(row["employee"], []).append(
                    (row["relation"], row["rater"], rating, row.get("competency")))
        elif kind == "okr":
            for emp, objectives in okr_objectives(path, rows, label).items():
                inputs.okrs.setdefault(emp, []).extend(objectives)
        elif kind == "deals":
            rows = _plain_cells(rows)
            if rows and not declared & set(rows[0]):  # (the engine: it would split nothing)
                raise ReferenceInputError(f"{label}: the deals table has no column of a metric the ruleset declares")
            deals += [(row, f"{label}:{row['_line']}") for row in rows]
            inputs.named |= declared & (set(rows[0]) if rows else set())
        elif kind == "credits":
            credits += [(row, f"{label}:{row['_line']}") for row in _plain_cells(rows)]
            credit_sources += 1
        else:
            raise ReferenceInputError(f"{label}: unknown kind {kind!r}")
    if deals or credits:
        if not deals or not credits or credit_sources > 1:
            raise ReferenceInputError("split credit needs deals and one credits source")
        for emp, cells in credited_cells(deals, credits, declared, period).items():
            mine = inputs.metrics.setdefault(emp, {})
            for key, (value, where) in cells.items():
                if key in mine and mine[key][0] is not None:
                    raise ReferenceInputError(f"{where}: {key[1]} of {emp} for {key[0]} also given at {mine[key][1]}")
                mine[key] = (value, where)
    # dated key results (README "employed_share"): those of months outside the period are not read, nor those of
    # months wholly outside the employment; an objective left without key results is no objective
    by_id = {p.id: p for p in inputs.people}
    for emp, objectives in inputs.okrs.items():
        person = by_id.get(emp)
        for obj in objectives:
            obj["key_results"] = [kr for kr in obj["key_results"] if kr["month"] is None or (
                kr["month"] in period.months and not (person is not None and person.month_outside(kr["month"])))]
        inputs.okrs[emp] = [obj for obj in objectives if obj["key_results"]]
    ids = [p.id for p in inputs.people]
    if len(set(ids)) != len(ids):
        raise ReferenceInputError("duplicate employee ids in the employee table")
    # data errors the engine refuses a run for (on_error: fail): a key result that cannot be measured, a row
    # of someone the employee table does not know
    for emp, objectives in inputs.okrs.items():
        for obj in objectives:
            for kr in obj.get("key_results", []):
                if kr.get("target") is not None and kr.get("target") == kr.get("start"):
                    raise ReferenceInputError(f"OKR of {emp}: key result {kr.get('name')!r} has target == start")
    if cycle.get("on_error", "fail") == "fail":
        unknown = sorted((set(inputs.metrics) | set(inputs.feedback) | set(inputs.okrs)) - set(ids))
        if unknown:
            raise ReferenceInputError(f"rows of employees not in the employee table: {', '.join(unknown[:5])}")
    given = inputs.named  # a column (or long rows) for the metric: present, maybe with no value in the period
    optional = {n for n, m in rs.doc["metrics"].items() if m.get("optional")}
    absent = sorted(set(rs.raw_metrics) - given - optional)
    if absent and inputs.people:
        raise ReferenceInputError(f"no source has a value of {', '.join(absent)} for {period.id} (issue 13: a "
                                  "declared raw metric no source provides is an error unless optional: true)")
    return inputs


def _plain_cells(rows: list[dict]) -> list[dict]:
    """Deals' and credits' rows with no cell taken for a thousands point (the engine looks for none there)."""
    return [{k: str(v) if isinstance(v, DotThousands) else v for k, v in row.items()} for row in rows]


def _context_value(v):
    if isinstance(v, bool) or isinstance(v, str) or v is None:
        return v
    if isinstance(v, (int, float)):
        return number(v)
    if isinstance(v, list):
        return [_context_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _context_value(x) for k, x in v.items()}
    raise ReferenceInputError(f"context value {v!r} is not supported")


# ===================================================================================== one employee

class Appraisal:
    """Everything computed for one employee under one scorecard."""

    def __init__(self, person: Person, card: Scorecard):
        self.person, self.card = person, card
        self.fired: list[str] = []
        self.dim_w: dict[str, Fraction] = {d.key: d.weight for d in card.dimensions}
        self.kpi_w: dict[str, dict[str, Fraction]] = {d.key: {k.key: k.weight for k in d.kpis}
                                                      for d in card.dimensions if d.kind == "kpis"}
        self.dropped: set[str] = set()
        self.scale: dict[str, Fraction] = {}
        self.missing: list[str] = []
        self.kpis: dict[str, dict] = {}
        self.dims: dict[str, dict] = {}
        self.lost: dict[str, Fraction] = {}
        self.adjustments: list[dict] = []
        self.total: Fraction | None = None
        self.score: Fraction | None = None
        self.grade_uncalibrated = self.grade = None
        self.override: dict | None = None
        self.bonus = self.bonus_gross = self.bonus_paid = None
        self.settled = self.components = self.ytd = None  # an incentive plan's (README "Incentive plans")
        self.detail: dict | None = None  # the steps of a tiers bonus (bonus_detail), when it is paid
        self.paid_text = None
        self.outcomes: list[str] = []
        self.plan = False


class Evaluator:
    def __init__(self, rs: Ruleset, period: Period, context: dict, inputs: Inputs, store):
        self.rs, self.period, self.context, self.inputs, self.store = rs, period, context, inputs, store
        self.warnings = inputs.warnings
        self.previous_period = period.previous()
        self._rolled_up: dict[str, dict] = {}
        # (employee, metric) -> the decimal a float-summed metric's float reads as (no decimal places fit that
        # employee's cells: _fits_places): what a plan judges whether a float carries (_not_carried); everything
        # else uses the exact sum (noise to the engine)
        self.float_read: dict[tuple[str, str], Fraction] = {}
        self.slack: dict[tuple[str, str], Fraction] = {}  # (employee, metric) -> how far float_read may be off
        self._teams: dict[tuple[str, str], object] = {}
        self.unappraisable: set[str] = set()  # employee-table errors: not appraised, so missing in a roll-up

    # ------------------------------------------------------------------ names
    def scope(self, person: Person, extra: dict | None = None):
        """The lookup of plain names for one employee (metrics, attributes, built-ins)."""
        rs = self.rs
        agg = self._aggregates(person)
        cache: dict[str, object] = {}
        busy: set[str] = set()
        tenure = tenure_months(person.hire, self.period.last_day) if person.hire else None
        share = person.employed_share(self.period)

        def lookup(name: str):
            if extra and name in extra:
                return extra[name]
            if name in rs.raw_metrics:
                return agg.get(name)
            if name in rs.rollups:
                return self.team_value(person, name)
            if name in rs.derived:
                if name not in cache:
                    if name in busy:
                        raise ExpressionError(f"metric {name} is defined in terms of itself")
                    busy.add(name)
                    cache[name] = rs.derived[name].evaluate(lookup, self.context, None)
                    busy.discard(name)
                return cache[name]
            if name == "tenure_months":
                return None if tenure is None else Fraction(tenure)
            if name == "employed_share":
                return share
            if name in person.values:
                return person.values[name]
            raise ExpressionError(f"unknown name {name!r}")
        return lookup

    def team_value(self, person: Person, name: str):
        """A team roll-up of ``person`` (reference.teams)."""
        if (person.id, name) not in self._teams:
            spec = self.rs.rollups[name]
            seen: list = []

            def value_of(p):
                v = self.scope(p)(spec["of"])
                seen.append((p.id, v))
                return v

            value = rollup_value(spec, person, self.inputs.people, self.period, value_of,
                                 lambda p: p.id not in self.unappraisable)
            self._teams[(person.id, name)] = value
            if value is not None and spec.get("aggregate", "sum") in ("sum", "mean"):
                self._team_slack(person, name, spec, seen)
        return self._teams[(person.id, name)]

    def _team_slack(self, person: Person, name: str, spec: dict, seen: list) -> None:
        """A team sum (mean) whose reports' values (the floats the engine holds) fit no decimal places together is
        their floats' sum, known to within their half steps and half a step at the sum; a report's own slack
        (a sum of cells no places fit) adds to the team's (README "The largest numbers an incentive plan pays
        on")."""
        of, n = spec["of"], len(seen)
        try:
            floats = [float(self.float_read.get((pid, of), v)) for pid, v in seen]
        except OverflowError:  # a report's value past the largest float: an error of its own, not a range
            return
        own = sum((self.slack.get((pid, of), Fraction(0)) for pid, _ in seen), Fraction(0))
        fits = _fits_places([Fraction(Decimal(repr(f))) for f in floats])
        mean = spec.get("aggregate") == "mean"
        if fits and not own:
            return
        if fits:
            total = sum((Fraction(Decimal(repr(f))) for f in floats), Fraction(0))
            at = float(total / n if mean else total)
            group = Fraction(0)
        else:
            exact = sum((Fraction(f) for f in floats), Fraction(0))
            at = float(exact / n if mean else exact)
            halves = sum((_half_step(f) for f in floats), Fraction(0))
            group = (halves / n if mean else halves) + (_half_step(at) if n > 1 else 0)
            self.float_read[(person.id, name)] = Fraction(at)
        self.slack[(person.id, name)] = group + ((own / n if mean else own) + _half_step(at) if own else 0)
        self.float_read.setdefault((person.id, name), Fraction(at))

    def _aggregates(self, person: Person) -> dict[str, Fraction | None]:
        if person.id not in self._rolled_up:
            self._rolled_up[person.id] = self._roll_up(person)
        return self._rolled_up[person.id]

    def _roll_up(self, person: Person) -> dict[str, Fraction | None]:
        cells = self.inputs.metrics.get(person.id, {})
        out: dict[str, Fraction | None] = {}
        for name, how in self.rs.raw_metrics.items():
            values = []
            for month in self.period.months:
                if (month, name) not in cells:
                    continue
                value, where = cells[(month, name)]
                if person.month_outside(month):  # set aside, its cell not read (a bad spelling there stops nothing)
                    self.warnings.append(f"{where}: {name} of {person.id} for {month} lies outside the employment; "
                                         "not used")
                    continue
                if isinstance(value, str):  # a metric file's cell, read where the period reads it (readers)
                    value = parse_number(value, where, tiny_ok=True)
                if value is not None and tiny(value):  # a cell the period reads: refused
                    raise ReferenceInputError(f"{where}: {name} {float(value)!r} is too close to 0")
                if value is not None:
                    values.append(value)
            if not values:
                out[name] = None
            elif how == "sum":
                out[name] = sum(values, Fraction(0))
            elif how == "mean":
                out[name] = sum(values, Fraction(0)) / len(values)
            elif how == "min":
                out[name] = min(values)
            elif how == "max":
                out[name] = max(values)
            elif how == "first":
                out[name] = values[0]
            else:
                out[name] = values[-1]
            if values and how in ("sum", "mean") and not _fits_places(values):  # the floats' exact sum, the float
                total = float(sum((Fraction(float(v)) for v in values), Fraction(0)))  # nearest it (then / count)
                self.float_read[(person.id, name)] = number(total if how == "sum" else total / len(values))
                # the decimals written may add up to anything within the cells' floats' half steps of that, and
                # half a step at the sum for the sum's own rounding (README "The largest numbers an incentive plan
                # pays on": 100000000000001.42 - 100000000000000 is 1.421875 in floats, 1.42 as written); a plan
                # pays on it only where that decides its 6 places
                halves = sum((_half_step(float(v)) for v in values), Fraction(0))
                self.slack[(person.id, name)] = (halves if how == "sum" else halves / len(values)) \
                    + (_half_step(float(self.float_read[(person.id, name)])) if len(values) > 1 else 0)
        return out

    def previous_of(self, person: Person) -> dict | None:
        if self.store is None:
            return None
        entry = self.store.result(self.previous_period.id, self.rs.id, person.id)
        if entry is None:
            return None
        return {"grade": entry.get("grade"), "grade_uncalibrated": entry.get("grade_uncalibrated"),
                "score": None if entry.get("score") is None else number(entry["score"]),
                "bonus": None if entry.get("bonus") is None else Fraction(Decimal(entry["bonus"])),
                "scorecard": entry.get("scorecard")}

    # ------------------------------------------------------------------ scoring
    def appraise(self, person: Person) -> Appraisal | None:
        lookup = self.scope(person)
        previous = self.previous_of(person)
        card = None
        for c in self.rs.scorecards:
            if c.applies_to is None or c.applies_to.holds(lookup, self.context, previous):
                card = c
                break
        if card is None:
            return None
        ap = Appraisal(person, card)
        ap.lookup, ap.previous = lookup, previous
        self._rules(ap)
        for d in card.dimensions:
            getattr(self, "_dim_" + d.kind)(ap, d)
        self._combine(ap)
        return ap

    def _rules(self, ap: Appraisal) -> None:
        card = ap.card
        for rule in self.rs.rules:
            if rule["when"] is not None and not rule["when"].holds(ap.lookup, self.context, ap.previous):
                continue
            acted = False
            for action in rule["then"]:
                (verb, arg), = action.items()
                if verb == "set":
                    for path, w in arg.items():
                        where = self._group(ap, path)
                        if where:
                            self._set(ap, where[0], where[1], number(w), where[2])
                            acted = True
                elif verb == "shift":
                    a, b = self._group(ap, arg["from"]), self._group(ap, arg["to"])
                    if a and b and a[0] is b[0]:
                        points = number(arg["points"])
                        a[0][a[1]] -= points
                        b[0][b[1]] += points
                        if b[0][b[1]] > 0:  # weight shifted onto an item an earlier drop emptied: it counts again
                            ap.dropped.discard(b[2] + b[1])
                        acted = True
                elif verb == "drop":
                    for path in ([arg] if isinstance(arg, str) else arg):
                        where = self._group(ap, path)
                        if where:
                            self._set(ap, where[0], where[1], Fraction(0), where[2])
                            ap.dropped.add(path)
                            acted = True
                elif verb == "scale_target":
                    for ref, factor in arg.items():
                        for d, k in card.find_kpis(ref):
                            key = f"{d.key}.{k.key}"
                            ap.scale[key] = ap.scale.get(key, Fraction(1)) * number(factor)
                            acted = True
                else:
                    raise ReferenceInputError(f"rule {rule['id']}: unknown action {verb!r}")
            if acted:
                ap.fired.append(rule["id"])

    @staticmethod
    def _group(ap: Appraisal, path: str):
        """(group weights, key, path prefix of the group) for a ``dimension`` or ``dimension.kpi`` path."""
        if "." in path:
            d, k = path.split(".", 1)
            if d in ap.kpi_w and k in ap.kpi_w[d]:
                return ap.kpi_w[d], k, d + "."
            return None
        if path in ap.dim_w:
            return ap.dim_w, path, ""
        return None

    @staticmethod
    def _set(ap: Appraisal, group: dict, key: str, w: Fraction, prefix: str) -> None:
        total = sum(group.values(), Fraction(0))
        siblings = [k for k in group if k != key]
        rest = total - group[key]
        if rest > 0:
            for k in siblings:
                group[k] = group[k] * (total - w) / rest
        else:
            alive = [k for k in siblings if prefix + k not in ap.dropped]
            for k in alive:
                group[k] = (total - w) / len(alive)
        group[key] = w
        if w > 0:
            ap.dropped.discard(prefix + key)

    # ------------------------------------------------------------------ dimension kinds
    def _dim_kpis(self, ap: Appraisal, d: Dimension) -> None:
        scores = {}
        for k in d.kpis:
            path = f"{d.key}.{k.key}"
            actual = ap.lookup(k.metric)
            if isinstance(k.target, Expr):
                target = k.target.evaluate(ap.lookup, self.context, ap.previous)
            else:
                target = k.target
            if target is not None:
                target = target * ap.scale.get(path, Fraction(1))
            a = None
            if actual is not None and target is not None:
                if self.rs.direction.get(k.metric, "higher") == "lower":
                    a = k.curve.top() if actual == 0 else target / actual
                elif target != 0:
                    a = actual / target
            # README "Numbers compare as written": the curve compares the attainment taken to 12 decimals (5 / (5 +
            # 2.3e-308) reaches a band from 1); the score is worked out exactly (a total of 22.555 is 22.56, where
            # 12 decimals of 69 / 140 would make it 22.5549999999961)
            score = None if a is None else k.curve.score(a, round_half_up(a, 12))
            scores[k.key] = score
            ap.kpis[path] = {"actual": actual, "target": target, "attainment": a, "score": score, "weight": None}
        weights = ap.kpi_w[d.key]
        active = [k.key for k in d.kpis if f"{d.key}.{k.key}" not in ap.dropped and weights[k.key] > 0]
        present = [k for k in active if scores[k] is not None]
        absent = [k for k in active if scores[k] is None]
        eff: dict[str, Fraction] = {}
        if self.rs.missing == "zero" and ap.dim_w[d.key] > 0:  # a dimension weighed 0 is not scored at all
            for k in absent:
                scores[k] = Fraction(0)
                ap.kpis[f"{d.key}.{k}"]["score"] = Fraction(0)
            total_w = sum((weights[k] for k in active), Fraction(0))
            eff = {k: weights[k] for k in active}
            dim_score = None if total_w == 0 else sum(weights[k] * scores[k] for k in active) / total_w
            whole = not present
        else:
            pw = sum((weights[k] for k in present), Fraction(0))
            whole = pw == 0
            if whole:
                eff = {k: Fraction(0) for k in active}
                dim_score = None
            else:
                eff = {k: (weights[k] * 100 / pw if k in present else Fraction(0)) for k in active}
                dim_score = sum(eff[k] * scores[k] for k in present) / 100
        for k in d.kpis:
            ap.kpis[f"{d.key}.{k.key}"]["weight"] = eff.get(k.key, Fraction(0))
        ap.dims[d.key] = {"score": dim_score, "kpi_weights": eff, "kpi_scores": scores,
                          "missing": [d.key] if whole else [f"{d.key}.{k}" for k in absent]}
        if not active:
            ap.dims[d.key]["missing"] = [d.key]

    def _dim_okr(self, ap: Appraisal, d: Dimension) -> None:
        threshold = number(d.spec.get("aspirational_threshold", 0.7))
        scores = []
        unmeasured = []  # key results missing a number: left out (redistribute), no progress (zero), an error
        for obj in self.inputs.okrs.get(ap.person.id, []):
            num = den = Fraction(0)
            for kr in obj["key_results"]:
                if kr["current"] is None or kr["start"] is None or kr["target"] is None:
                    unmeasured.append(f"{d.key}.{obj['objective']}.{kr['name']}")
                    if self.rs.missing == "zero" and not (kr["start"] is not None and kr["start"] == kr["target"]):
                        den += kr["weight"]
                    continue
                if kr["target"] == kr["start"]:
                    raise ReferenceInputError(f"OKR of {ap.person.id}: key result {kr['name']!r} has target == start")
                p = (kr["current"] - kr["start"]) / (kr["target"] - kr["start"])
                p = min(max(p, Fraction(0)), Fraction(1))
                num += kr["weight"] * p
                den += kr["weight"]
            if den == 0:
                continue
            progress = num / den
            scores.append(min(progress / threshold, Fraction(1)) if obj["type"] == "aspirational" else progress)
        score = sum(scores, Fraction(0)) / len(scores) * 100 if scores else None
        if score is None and self.rs.missing == "zero" and ap.dim_w[d.key] > 0:
            score = Fraction(0)
        ap.dims[d.key] = {"score": score, "missing": [] if scores else [d.key]}
        if unmeasured and self.rs.missing == "error":
            ap.dims[d.key]["missing"] = unmeasured + ap.dims[d.key]["missing"]

    def _dim_feedback360(self, ap: Appraisal, d: Dimension) -> None:
        spec = d.spec
        scale = number(spec["scale"])
        weights = {rel: number(w) for rel, w in spec["sources"].items()}
        min_cfg = spec.get("min_raters")
        raters: dict[str, dict[str, list[Fraction]]] = {}
        only = set(spec.get("competencies") or ())
        for relation, rater, rating, competency in self.inputs.feedback.get(ap.person.id, []):
            if rating is None or (only and competency not in only):
                continue
            raters.setdefault(relation, {}).setdefault(rater, []).append(rating)

        def needed(rel):
            if isinstance(min_cfg, int) and not isinstance(min_cfg, bool):
                return min_cfg
            if isinstance(min_cfg, dict) and rel in min_cfg:
                return int(min_cfg[rel])
            return _DEFAULT_MIN_RATERS.get(rel, 3)

        def value(rel):
            means = [sum(r, Fraction(0)) / len(r) for r in raters[rel].values()]
            return sum(means, Fraction(0)) / len(means) / scale * 100

        shown, counts = {}, {}
        for rel in weights:
            n = len(raters.get(rel, {}))
            if n > 0 and n >= needed(rel):
                shown[rel] = value(rel)
                counts[rel] = n
        wsum = sum((weights[r] for r in shown), Fraction(0))
        score = None if wsum == 0 else sum(weights[r] * s for r, s in shown.items()) / wsum
        missing = [] if score is not None else [d.key]
        if score is None and self.rs.missing == "zero" and ap.dim_w[d.key] > 0:
            score = Fraction(0)
        entry = {"score": score, "missing": missing, "sources": shown, "raters": counts}
        if "self" not in weights and len(raters.get("self", {})) >= max(needed("self"), 1):
            entry["self"] = value("self")
        ap.dims[d.key] = entry

    def _dim_periods(self, ap: Appraisal, d: Dimension) -> None:
        spec = d.spec
        subs = self.period.sub_periods(spec["every"])
        given = spec.get("weights")
        scores: dict[str, Fraction | None] = {}
        weights: dict[str, Fraction] = {}
        for key, sub in subs:
            weights[sub.id] = number(given.get(key, 0)) if given else Fraction(1)
            if weights[sub.id] == 0:  # README: a sub-period weighing 0 (unnamed, or named with 0) is not read
                del weights[sub.id]
                continue
            entry = None
            if self.store is not None:
                entry = self.store.result(sub.id, spec["ruleset"], ap.person.id)
            if self.store is None or not self.store.has_run(sub.id, spec["ruleset"]):
                msg = f"no stored run of {spec['ruleset']} for {sub.id} (dimension {d.key})"
                if msg not in self.warnings:
                    self.warnings.append(msg)
            scores[sub.id] = None if entry is None or entry.get("score") is None else number(entry["score"])
        present = [p for p, s in scores.items() if s is not None]
        absent = [p for p, s in scores.items() if s is None]
        if not present:
            score = Fraction(0) if self.rs.missing == "zero" and ap.dim_w[d.key] > 0 else None
            missing = [d.key]
        elif self.rs.missing == "zero":
            total_w = sum(weights.values(), Fraction(0))
            score = sum(weights[p] * (scores[p] or 0) for p in scores) / total_w
            missing = [f"{d.key}.{p}" for p in absent]
        else:
            pw = sum((weights[p] for p in present), Fraction(0))
            score = None if pw == 0 else sum(weights[p] * scores[p] for p in present) / pw
            missing = [f"{d.key}.{p}" for p in absent] if score is not None else [d.key]
        ap.dims[d.key] = {"score": score, "missing": missing, "periods": scores}

    # ------------------------------------------------------------------ totals
    def _combine(self, ap: Appraisal) -> None:
        card = ap.card
        active = [d for d in card.dimensions if d.key not in ap.dropped and ap.dim_w[d.key] > 0]
        for d in active:
            ap.missing.extend(ap.dims[d.key]["missing"])
        present = [d for d in active if ap.dims[d.key]["score"] is not None]
        eff: dict[str, Fraction] = {d.key: Fraction(0) for d in card.dimensions}
        if self.rs.missing == "zero":
            for d in present:
                eff[d.key] = ap.dim_w[d.key]
            pw = sum(eff.values(), Fraction(0))
            if pw > 0:
                eff = {k: w * 100 / pw for k, w in eff.items()}
        else:
            pw = sum((ap.dim_w[d.key] for d in present), Fraction(0))
            for d in present:
                if pw > 0:
                    eff[d.key] = ap.dim_w[d.key] * 100 / pw
        ap.dim_eff = eff
        if not present or sum(eff.values(), Fraction(0)) == 0:
            ap.total = None
            return
        total = sum((eff[d.key] * ap.dims[d.key]["score"] for d in present), Fraction(0)) / 100
        for adj_id, when, points in card.adjustments:
            if when.holds(ap.lookup, self.context, ap.previous):
                total += points
                ap.adjustments.append({"id": adj_id, "points": points})
        ap.total = max(total, Fraction(0))
        # README "Rounding half-up": the total × 100 taken to 6 decimals first, then half-up (70.905 less a
        # 1e-309 left by a cell of 2.3e-308 is 70.91, as 70.905 is: differential case 840061)
        ap.score = round_half_up(round_half_up(ap.total * 100, 6)) / 100
        ap.grade_uncalibrated = ap.grade = self.rs.grade_of(ap.score)
        self._lost_points(ap, present)

    def _lost_points(self, ap: Appraisal, present: list[Dimension]) -> None:
        seen: dict[str, int] = {}
        for d in ap.card.dimensions:
            for k in d.kpis:
                seen[k.key] = seen.get(k.key, 0) + 1
        for d in present:
            share = ap.dim_eff[d.key] / 100
            if share == 0:
                continue
            info = ap.dims[d.key]
            if d.kind == "kpis":
                for k in d.kpis:
                    path = f"{d.key}.{k.key}"
                    if path in ap.dropped:
                        continue
                    s = info["kpi_scores"][k.key]
                    w = info["kpi_weights"].get(k.key, Fraction(0))
                    if s is None or w == 0:
                        continue
                    lost = share * w / 100 * max(Fraction(0), 100 - s)
                    if lost > _NOISE:
                        ap.lost[path if seen[k.key] > 1 else k.key] = lost
            else:
                lost = share * max(Fraction(0), 100 - info["score"])
                if lost > _NOISE:
                    ap.lost[d.key] = lost

    # ------------------------------------------------------------------ after scoring
    def calibrate(self, results: list[Appraisal]) -> None:
        cal = self.rs.calibration
        if not cal:
            return
        min_cohort = int(cal.get("min_cohort", 5))
        order = [g for g, _ in self.rs.grades]
        cohorts: dict[object, list[Appraisal]] = {}
        for ap in results:
            value = ap.lookup(cal["cohort"])
            if value is not None:
                cohorts.setdefault(value, []).append(ap)
        for members in cohorts.values():
            n = len(members)
            if n < min_cohort:
                continue
            for grade in order:
                if grade not in cal["max_share"]:
                    continue
                allowed = math.floor(n * number(cal["max_share"][grade]))
                limit = order.index(grade)
                while True:
                    above = [ap for ap in members if order.index(ap.grade) <= limit]
                    if len(above) <= allowed:
                        break
                    lowest = min(above, key=lambda ap: (ap.score, _Desc(ap.person.id)))
                    if order.index(lowest.grade) == len(order) - 1:
                        break  # a cap on the bottom grade: nobody can move lower
                    lowest.grade = order[order.index(lowest.grade) + 1]

    def apply_overrides(self, results: list[Appraisal], overrides: list[dict]) -> None:
        by_id = {ap.person.id: ap for ap in results}
        for i, o in enumerate(overrides):
            ap = by_id.get(str(o.get("id")))
            if ap is None:
                raise ReferenceInputError(f"override #{i + 1}: {o.get('id')!r} is not appraised in this run")
            record = {}
            old_grade = ap.grade
            if o.get("score") is not None:
                new = round_half_up(number(o["score"]), 2)
                record["score"] = [ap.score, new]
                ap.score = new
                ap.grade = self.rs.grade_of(new)
            if o.get("grade") is not None:
                ap.grade = str(o["grade"])
            if ap.grade != old_grade:
                record["grade"] = [old_grade, ap.grade]
            record.update({"reason": o.get("reason"), "by": o.get("by"), "date": o.get("date")})
            ap.override = record

    def pay(self, ap: Appraisal) -> None:
        bonus = self.rs.bonus
        if not bonus:
            return
        unit = decimal_of(bonus.get("rounding", 1))
        ap.unit = unit
        gross = self._plan_gross(ap, bonus, Fraction(unit)) if bonus.get("components") else \
            self._gross(ap, bonus, Fraction(unit))
        ap.bonus_gross = gross
        ap.bonus = gross
        net_of = bonus.get("net_of")
        if net_of:
            paid = Decimal(0)
            for _key, sub in self.period.sub_periods(net_of["every"]):
                entry = self.store.result(sub.id, net_of["ruleset"], ap.person.id) if self.store else None
                if entry is not None and entry.get("bonus") is not None:
                    paid += Decimal(entry["bonus"])
            ap.bonus_paid = paid
            if gross is not None:
                due = gross - Fraction(paid)
                ap.bonus = due if net_of.get("clawback") else max(due, Fraction(0))
        if bonus.get("components") or bonus.get("draw") or bonus.get("guarantee"):  # README "Incentive plans"
            who = ap.person.id
            ap.settled = plans.settle(bonus, ap.bonus, self._target_cycle(ap, bonus),
                                      plans.tenure_at(ap.person.hire, self.period),
                                      plans.opening_balance(self.store, self.rs.id, self.period, who), Fraction(unit))
            ap.bonus = ap.settled["paid"]
            ap.ytd = plans.paid_earlier(self.store, self.rs.id, self.period, who) + (ap.bonus or Fraction(0))

    def _target_cycle(self, ap: Appraisal, bonus: dict) -> Fraction | None:
        """The cycle's target bonus: the target column for ``target_period``, prorated by days when asked."""
        target = ap.lookup(bonus["target"])
        if target is None:
            return None
        months = self.period.length
        per = bonus.get("target_period", "cycle")
        target = target * months / (months if per == "cycle" else LENGTH[per])
        if self.rs.proration == "days":
            share = ap.person.employed_share(self.period)
            if share is None:
                return None
            target *= share
        return target

    def _plan_gross(self, ap: Appraisal, bonus: dict, unit: Fraction) -> Fraction | None:
        target = self._target_cycle(ap, bonus)
        values = {key: (ap.lookup(spec["measure"]), plans.target_value(spec, ap.lookup, self.context, ap.previous))
                  for key, spec in bonus["components"].items()}
        rounded, ap.components = plans.gross(bonus, target, values, ap.grade, unit)
        return rounded

    def _gross(self, ap: Appraisal, bonus: dict, unit: Fraction) -> Fraction | None:
        target = self._target_cycle(ap, bonus)
        if target is None:
            return None
        found = ap.card.find_kpis(bonus["attainment"])
        if not found:
            return None
        d, k = found[0]
        kpi = ap.kpis[f"{d.key}.{k.key}"]  # a KPI dropped by a rule still has its attainment
        a = kpi["attainment"]
        if a is None:
            return None
        a = round_half_up(a, 12)  # (the tiers and the excess compare it at 12 decimals, README)
        reached = [t for t in bonus["tiers"] if a >= number(t["from"])]
        tiers = sum((number(t["pay"]) for t in reached), Fraction(0)) * target
        multiplier = (bonus.get("multiplier") or {}).get(ap.grade, 1)
        total = tiers * number(multiplier)
        excess, extra = bonus.get("excess"), Fraction(0)
        if excess and a > number(excess["above"]):
            # the KPI's actual and target as 6-place decimals, as a plan's measures are (README "Bonus excess")
            extra = number(excess["rate"]) * (plans.six_places(kpi["actual"])
                                              - number(excess["above"]) * plans.six_places(kpi["target"]))
        total = max(total + extra, Fraction(0))
        cap = None
        ap.detail = {"attainment": a, "tiers_reached": len(reached), "tier_pay": tiers, "multiplier": multiplier,
                     "excess": extra, "uncapped": total, "cap": None, "target_cycle": target}
        if bonus.get("cap") is not None:
            cap = number(bonus["cap"]) * target
            ap.detail["cap"] = cap
            total = min(total, cap)
        rounded = round_half_up(total / unit) * unit
        if cap is not None and rounded > cap:
            rounded = math.floor(total / unit) * unit
        return rounded

    def outcomes(self, ap: Appraisal) -> None:
        # (grade_uncalibrated: a name the engine's validator accepts in outcomes, beside grade)
        extra = {"score": ap.score, "grade": ap.grade, "grade_uncalibrated": ap.grade_uncalibrated, "bonus": ap.bonus}
        lookup = self.scope(ap.person, extra)
        for oid, when, plan in self.rs.outcomes:
            if when.holds(lookup, self.context, ap.previous):
                ap.outcomes.append(oid)
                ap.plan = ap.plan or plan


# README "Lost points and focus areas": an item is listed when it lost more than 10^-12 points (less is the noise
# of binary arithmetic in the engine, and no one's focus area)
_NOISE = Fraction(1, 10 ** 12)


class _Desc:
    """Orders text descending (larger employee id first among equal scores)."""

    def __init__(self, text):
        self.text = text

    def __lt__(self, other):
        return self.text > other.text

    def __eq__(self, other):
        return self.text == other.text


# ===================================================================================== the document

def _too_large(ap) -> bool:
    """Whether a KPI's actual, target, attainment or score, or a dimension's score, is 10^27 or more in size."""
    numbers = [v for k in ap.kpis.values() for v in (k.get("actual"), k.get("target"), k.get("attainment"),
                                                     k.get("score"))]
    numbers += [d.get("score") for d in ap.dims.values()]
    # (|n / d| >= 10^27 on the integers: Fraction comparisons are slow, and every number is asked)
    return any(isinstance(v, (int, Fraction)) and abs(v.numerator) >= 10 ** 27 * v.denominator for v in numbers)


def _too_small(ev: Evaluator, ap) -> bool:
    """Whether a metric's value (aggregated, or derived) is not 0 but below 2^-1022 in size (README: the
    smallest normal float; 5e-324 / 22 is 0 in floats), or 10^15 or more (README: the limit of a cell)."""
    values = (ap.lookup(name) for name in (*ev.rs.raw_metrics, *ev.rs.derived, *ev.rs.rollups))
    return any(isinstance(v, (int, Fraction)) and (tiny(v) or _past_the_limit(v)) for v in values)


def _past_the_limit(v) -> bool:
    """10^15 or more as the float nearest it (README: the limit of a cell, which floats no longer carry exactly):
    0.9999999999999999 + 999,999,999,999,999 is a hair below 10^15 but its float is 10^15 (differential case
    2030139)."""
    if abs(v.numerator) >= 10 ** 15 * v.denominator:
        return True
    return abs(v.numerator) >= (10 ** 15 - 1) * v.denominator and abs(float(v)) >= 1e15


def _not_carried(ev: Evaluator, ap) -> bool:
    """Whether an incentive plan component pays on a metric (its measure, or a target naming a metric) of 2^33 or
    more in size whose 6-place decimal has more than 15 significant digits (README "The largest numbers an
    incentive plan pays on": a float does not carry it exactly, so the employee is an error, not paid)."""
    bonus = ev.rs.doc.get("bonus")
    if not isinstance(bonus, dict) or not bonus.get("components"):
        return False
    metrics = {*ev.rs.raw_metrics, *ev.rs.derived, *ev.rs.rollups}
    for spec in bonus["components"].values():
        for name in (spec["measure"], spec.get("target")):
            v = ev.float_read.get((ap.person.id, name), ap.lookup(name)) \
                if isinstance(name, str) and name in metrics else None
            if isinstance(v, (int, Fraction)) and abs(v) >= 2 ** 33:
                six = plans.six_places(Fraction(v))
                digits = Decimal(six.numerator) / Decimal(six.denominator)
                if len(digits.normalize().as_tuple().digits) > 15:
                    return True
            if isinstance(name, str) and name in ev.rs.derived and _undecided(ev, ap, name):
                return True
            if isinstance(name, str) and (ap.person.id, name) in ev.slack and v is not None:
                lo, hi = _range(ev, ap, name)
                if plans.six_places(lo) != plans.six_places(hi):
                    return True
    return False


def _past_15(v) -> bool:
    """A number of more than 15 significant digits (a float does not carry the decimal exactly)."""
    if not isinstance(v, (int, Fraction)) or isinstance(v, bool) or v == 0:
        return False
    v = Fraction(v)
    digits = 0
    scaled = abs(v)  # the decimal's digits: a fraction whose denominator is 2^a 5^b has a finite one
    while scaled.denominator != 1:
        scaled *= 10
        digits += 1
        if digits > 400:
            return True
    return len(str(scaled.numerator).rstrip("0") or "0") > 15


def _half_step(f: float) -> Fraction:
    """Half the step from ``|f|`` to the next float up."""
    return (Fraction(math.nextafter(abs(f), math.inf)) - Fraction(abs(f))) / 2


def _range(ev: Evaluator, ap, name: str) -> tuple[Fraction, Fraction]:
    """The decimals a sum of cells no places fit may be: its float (the one nearest the floats' exact sum), give or
    take the slack."""
    x, slack = Fraction(float(ev.float_read[(ap.person.id, name)])), ev.slack[(ap.person.id, name)]
    return x - slack, x + slack


def _undecided(ev: Evaluator, ap, name: str) -> bool:
    """Whether a derived measure reads a number of more than 15 significant digits (a metric as read: an exact sum,
    or the float-summed value _not_carried judges; an attribute; a team roll-up) and the decimals that number's
    float stands for (half the way to the floats either side) do not all give the measure the same 6 places: the
    engine holds the float, not the decimal (README "The largest numbers an incentive plan pays on"). Judged at
    the ends of each such range, every combination of them, and the value itself."""
    reads: set[str] = set()
    todo = [name]
    while todo:
        n = todo.pop()
        if n in reads:
            continue
        reads.add(n)
        if n in ev.rs.derived:
            todo.extend(ev.rs.derived[n].names())
    loose = {}
    for n in sorted(reads - set(ev.rs.derived)):
        v = ev.float_read.get((ap.person.id, n), ap.lookup(n)) if n in ev.rs.raw_metrics else ap.lookup(n) \
            if n in ev.rs.rollups else ap.person.values.get(n)
        if (ap.person.id, n) in ev.slack and v is not None:
            loose[n] = _range(ev, ap, n)
        elif _past_15(v) and abs(v) < 2 ** 1023:  # (past the largest float: an error of its own)
            f = float(v)
            x = Fraction(f)
            loose[n] = ((x + Fraction(math.nextafter(f, -math.inf))) / 2,
                        (x + Fraction(math.nextafter(f, math.inf))) / 2)
    exact = ap.lookup(name)
    if not loose or exact is None or isinstance(exact, bool):
        return False
    sixes = {plans.six_places(Fraction(exact))}
    for ends in itertools.product(*loose.values()):
        try:
            value = ev.scope(ap.person, dict(zip(loose, ends)))(name)
        except (ZeroDivisionError, ExpressionError):
            return True
        if value is None or isinstance(value, bool):
            return True
        sixes.add(plans.six_places(Fraction(value)))
    return len(sixes) > 1


def _f(v):
    return None if v is None else float(v)


def _money_text(value, unit: Decimal) -> str | None:
    if value is None:
        return None
    places = max(0, -unit.normalize().as_tuple().exponent)
    d = value if isinstance(value, Decimal) else Decimal(value.numerator) / Decimal(value.denominator)
    exponent = d.normalize().as_tuple().exponent
    places = max(places, -exponent if isinstance(exponent, int) else 0)
    return f"{d:.{places}f}"


def _entry(ev: Evaluator, ap: Appraisal) -> dict:
    rs = ev.rs
    dims = {}
    for d in ap.card.dimensions:
        info = ap.dims[d.key]
        out = {"weight": float(ap.dim_eff[d.key]), "score": _f(info["score"])}
        if d.kind == "feedback360":
            out["sources"] = {k: float(v) for k, v in info["sources"].items()}
            out["raters"] = dict(info["raters"])
            if "self" in info:
                out["self"] = float(info["self"])
        if d.kind == "periods":
            out["periods"] = {k: _f(v) for k, v in info["periods"].items()}
        dims[d.key] = out
    kpis = {path: {k: _f(v) for k, v in entry.items()} for path, entry in ap.kpis.items()
            if path not in ap.dropped}
    # items within 1e-9 points of each other are a tie, decided by key (README: lost points that agree to 9
    # decimals are equal; a 1e-12 difference of exact arithmetic is noise to the person reading them)
    lost = sorted(ap.lost.items(), key=lambda kv: (-round(kv[1], 9), kv[0]))
    entry = {
        "id": ap.person.id, "name": ap.person.name, "scorecard": ap.card.key,
        "score": float(ap.score), "grade": ap.grade, "grade_uncalibrated": ap.grade_uncalibrated,
        "bonus": None, "rules_fired": list(ap.fired),
        "adjustments": [{"id": a["id"], "points": float(a["points"])} for a in ap.adjustments],
        "missing": list(ap.missing), "outcomes": list(ap.outcomes), "plan": ap.plan,
        "focus_areas": [k for k, _ in lost[:rs.max_focus_areas]],
        "lost_points": {k: float(v) for k, v in lost},
        "dimensions": dims, "kpis": kpis,
    }
    entry["tenure_months"] = None if ap.person.hire is None else tenure_months(ap.person.hire, ev.period.last_day)
    if rs.bonus:
        entry["bonus"] = _money_text(ap.bonus, ap.unit)
        if rs.bonus.get("net_of"):
            entry["bonus_gross"] = _money_text(ap.bonus_gross, ap.unit)
            entry["bonus_paid"] = _money_text(ap.bonus_paid, ap.unit)
        entry.update(_plan_entry(rs.bonus, ap))
        if ap.detail is not None and not rs.bonus.get("components"):  # the steps (compared as numbers)
            entry["bonus_detail"] = {k: (v if isinstance(v, int) else _f(v)) for k, v in ap.detail.items()}
    if rs.proration == "days":
        entry["employed_share"] = _f(ap.person.employed_share(ev.period))
    if ap.override is not None:
        o = dict(ap.override)
        if "score" in o:
            o["score"] = [float(o["score"][0]), float(o["score"][1])]
        entry["override"] = o
    return entry


def _plan_entry(bonus: dict, ap) -> dict:
    """An incentive plan's fields (README "Incentive plans"): component amounts (exact, as floats), earnings,
    guarantee, draw and balance, the year to date (decimal strings at the unit)."""
    out: dict = {}
    settled = getattr(ap, "settled", None)
    if settled is None:
        return out
    money = lambda v: _money_text(v, ap.unit)  # noqa: E731
    if bonus.get("components"):
        out["bonus_detail"] = {"components": {k: {"amount": _f(v)} for k, v in (ap.components or {}).items()}}
    if bonus.get("guarantee") or bonus.get("draw"):
        out["bonus_earned"] = money(settled["earned"])
    if bonus.get("guarantee"):
        g = settled["guarantee"]
        out["bonus_guarantee"] = None if g is None else {"amount": money(g["amount"]), "topup": money(g["topup"])}
    if bonus.get("draw"):
        out["bonus_draw"] = {k: money(v) for k, v in settled["draw"].items()}
        out["bonus_draw_balance"] = money(settled["closing"])
    out["bonus_ytd"] = money(ap.ytd)
    return out


def _names_read(rs: Ruleset) -> set[str]:
    exprs = list(rs.derived.values())
    for card in rs.scorecards:
        exprs.append(card.applies_to)
        exprs.extend(when for _, when, _ in card.adjustments)
        exprs.extend(k.target for d in card.dimensions for k in d.kpis)
    exprs.extend(r["when"] for r in rs.rules)
    exprs.extend(when for _, when, _ in rs.outcomes)
    exprs.extend(Expr(c["target"]) for c in ((rs.bonus or {}).get("components") or {}).values()
                 if isinstance(c.get("target"), str))
    return {n for e in exprs if isinstance(e, Expr) for n in e.names()}


def evaluate_cycle(cycle_path, store: ReferenceStore | None = None) -> dict:
    """The results document of a cycle file, computed row by row (``store`` supplies ``previous``,
    ``periods:`` dimensions and ``bonus.net_of``; it is only read)."""
    cycle_path = Path(cycle_path).resolve()
    base = cycle_path.parent
    cycle = yaml_data(cycle_path)
    period = parse(cycle["cycle"])
    rs = parse_ruleset(yaml_data(base / cycle["ruleset"]))
    context = _context_value(cycle.get("context") or {})
    inputs = _read_inputs(cycle, base, rs, period)
    overrides = []
    if cycle.get("overrides"):
        overrides = yaml_data(base / cycle["overrides"]) or []
    ev = Evaluator(rs, period, context, inputs, store)

    results: list[Appraisal] = []
    errors: list[dict] = []
    not_covered: list[str] = []
    # a blank hire date is an error when something needs it: tenure_months, employed_share, proration (issue 13)
    needs_hire = bool({"tenure_months", "employed_share"} & _names_read(rs)) or rs.proration == "days" \
        or bool((rs.bonus or {}).get("guarantee"))  # a guarantee for new hires reads the tenure
    if rs.rollups:
        check_hierarchy(inputs.people, rs.rollups, period)
        target = rs.doc.get("bonus", {}).get("target") if isinstance(rs.doc.get("bonus"), dict) else None
        negative = bool(target) and (rs.doc.get("attributes") or {}).get(target) == "money"
        ev.unappraisable = {p.id for p in inputs.people if (needs_hire and p.hire is None) or (
            negative and isinstance(p.values.get(target), Fraction) and p.values[target] < 0)}
    for person in inputs.people:
        if not person.appraised_in(period):
            continue
        ev._aggregates(person)  # the period reads the rows of everyone it appraises: a cell too close to 0 stops
        # the run even when the person is an error for something else (README "Bad data never pays silently")
        target = rs.doc.get("bonus", {}).get("target") if isinstance(rs.doc.get("bonus"), dict) else None
        if target and (rs.doc.get("attributes") or {}).get(target) == "money" \
                and isinstance(person.values.get(target), Fraction) and person.values[target] < 0:
            errors.append({"employee": person.id, "stage": "employees",
                           "message": f"{target} is below zero"})  # README: an error, never a negative bonus
            continue
        if needs_hire and person.hire is None:
            errors.append({"employee": person.id, "stage": "employees",
                           "message": "hire_date is empty, but the ruleset needs it"})
            continue
        ap = ev.appraise(person)
        if ap is None:
            not_covered.append(person.id)
            continue
        if _too_large(ap):  # README: such a person is an error, no output holds a number floats cannot carry
            errors.append({"employee": person.id, "stage": "evaluate", "message": "a number too large to pay on"})
            continue
        if _too_small(ev, ap):
            errors.append({"employee": person.id, "stage": "evaluate", "message": "a metric too close to 0"})
            continue
        if _not_carried(ev, ap):
            errors.append({"employee": person.id, "stage": "evaluate", "message": "a measure floats cannot carry"})
            continue
        if rs.missing == "error" and ap.missing:
            errors.append({"employee": person.id, "stage": "evaluate",
                           "message": f"missing data: {', '.join(ap.missing)}"})
            continue
        if ap.score is None:
            errors.append({"employee": person.id, "stage": "evaluate", "message": "no dimension could be scored"})
            continue
        results.append(ap)
    ev.calibrate(results)
    ev.apply_overrides(results, overrides)
    for ap in results:
        ev.pay(ap)
        ev.outcomes(ap)
    return {
        "cycle": period.id,
        "ruleset": {"id": rs.id, "version": rs.version},
        "currency": rs.currency,
        "employees": [_entry(ev, ap) for ap in results],
        "errors": errors,
        "warnings": list(ev.warnings),
        "not_covered": not_covered,
    }
