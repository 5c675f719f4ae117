"""The plan file: read strictly (:mod:`appraise.language.load`), checked against ``schemas/plan.schema.json``
(:mod:`appraise.language.schema`, the wording every rule file gets), then the checks a schema cannot make — the
total a whole multiple of the unit, levels in an order that means something, month weights that sum to 100,
the actuals a key needs, a re-plan's closed month — each at ``file:line:col`` in English or Chinese
(``appraise.i18n``, keys ``targets.*``).  What needs the employee table (unit names, shares per unit, columns)
is checked by :mod:`appraise.tools.targets.compute` at the same places.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import SourceSpec
from appraise.i18n import Texts
from appraise.language import expr as expressions
from appraise.language import schema as schemas
from appraise.language.cycle import source_specs
from appraise.language.load import Document, load
from appraise.language.paths import (
    outside_path_problems,
    outside_paths_allowed,
    resolve_store_url,
    source_path,
    workspace,
)
from appraise.language.validate.common import non_finite, ordered
from appraise.language.validate.cycles import _check_sources

KEYS = ("equal", "last_year", "headcount", "column", "shares")
MONTH_KEYS = tuple(f"{m:02d}" for m in range(1, 13))


def fraction(value: Any) -> Fraction:
    """A YAML number as the exact decimal it was written as (``0.1`` is 1/10, not the float's binary value)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


# what messages quote of a plan file as written, the same in every language
LITERALS = {"person_level": "unit: person", "ramp_key": "ramp", "people_key": "people:", "units_key": "units:",
            "closed_key": "closed_through", "growth_key": "max_growth", "actuals_key": "actuals: <metric>",
            "store_key": "actuals: {store: ..., ruleset: ..., kpi: ...}", "row_key": "employee, month",
            "coach_key": "player_coach", "within_key": "player_coach: within", "on_top_key": "player_coach: on_top",
            "manager_level": "{manager: ...}"}


class Say:
    """Messages of the ``targets.*`` catalogue (:data:`appraise.i18n.MESSAGES`) in one language; keys are
    written in full (``say("targets.err.no_unit", ...)``)."""

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self._texts = Texts(lang)

    def __call__(self, key: str, /, **values) -> str:
        return self._texts(key, **LITERALS, **values)


@dataclass(frozen=True)
class Key:
    """How the units of a level share the amount above: ``kind`` one of :data:`KEYS`."""

    kind: str
    column: str = ""
    shares: Mapping[str, Fraction] = field(default_factory=lambda: MappingProxyType({}))
    where: tuple = ()

    def describe(self) -> str:
        return f"column {self.column}" if self.kind == "column" else self.kind


@dataclass(frozen=True)
class Level:
    """One level of the organisation: ``kind`` ``unit`` (an employee column), ``manager`` (a tree read from a
    column) or ``person``."""

    kind: str
    column: str
    key: Key
    ramp: tuple[Fraction, ...] = ()
    where: tuple = ()
    player_coach: str | None = None   # a manager level: ``within`` (own target inside the team's) or ``on_top``

    @property
    def name(self) -> str:
        return "person" if self.kind == "person" else self.column


@dataclass(frozen=True)
class Seasonality:
    kind: str  # equal | last_year | weights
    of: str = "company"
    weights: Mapping[str, Fraction] = field(default_factory=lambda: MappingProxyType({}))
    where: tuple = ("seasonality",)


@dataclass(frozen=True)
class Actuals:
    """Last year's actuals: a metric of the metrics sources, or a KPI of a ruleset's stored results."""

    metric: str = ""
    store: str = ""
    ruleset: str = ""
    kpi: str = ""


@dataclass(frozen=True)
class Fixed:
    unit: str
    amount: Fraction
    reason: str
    index: int


@dataclass(frozen=True)
class Plan:
    """A loaded, checked plan file (every path resolved against its folder)."""

    path: Path
    doc: Document = field(repr=False, compare=False)
    id: str
    year: int
    total: Fraction
    unit: Fraction
    currency: str
    metric: str
    granularity: str
    people: expressions.Expression | None
    sources: tuple[SourceSpec, ...]
    actuals: Actuals | None
    levels: tuple[Level, ...]
    seasonality: Seasonality
    units: Mapping[str, Mapping[str, Fraction]]
    fixed: tuple[Fixed, ...]
    max_growth: Fraction | None
    output: Path
    closed_through: str | None
    previous: Path | None
    sha256: str

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(f"{self.year}-{m}" for m in MONTH_KEYS)

    @property
    def open_months(self) -> tuple[str, ...]:
        return tuple(m for m in self.months if self.closed_through is None or m > self.closed_through)

    def diag(self, path: tuple, message: str, *, key: bool = False, hint: str = "", severity: str = "error",
             code: str = "plan") -> Diagnostic:
        d = self.doc.diag(path, message, key=key, hint=hint, code=code)
        return d if severity == "error" else Diagnostic(d.file, d.line, d.col, d.message, d.path, severity,
                                                        d.hint, d.code)


def check(doc: Document, lang: str = "en") -> list[Diagnostic]:
    """Every problem of a loaded plan file that the file alone shows (schema first, then the semantics)."""
    say = Say(lang)
    found = schemas.check(doc, "plan") + non_finite(doc)
    data = doc.data
    if not isinstance(data, dict):
        return ordered(found)
    found += outside_path_problems(doc)
    bad = {d.path for d in found if d.severity == "error"}
    sources = data.get("sources")
    if isinstance(sources, list):
        try:
            from appraise.plugins import provider_schemas

            found += _check_sources(doc, sources, provider_schemas())
        except ImportError:  # pragma: no cover - the plugin manager ships with appraise
            pass
    found += _semantics(doc, data, bad, say)
    found += _outside(doc, data, say)
    return ordered(found)


def _outside(doc: Document, data: dict, say: Say) -> list[Diagnostic]:
    """A re-plan's ``previous`` rows and a SQLite store of actuals must lie inside the plan's workspace, as its
    sources must (:func:`appraise.language.paths.outside_path_problems` checks those)."""
    from appraise.language.paths import OUTSIDE_HINT, inside, sqlite_file

    if outside_paths_allowed(data):
        return []
    base = Path(doc.file).resolve().parent
    root = workspace(Path(doc.file))
    found: list[tuple[tuple, str, Path | None]] = []
    if isinstance(data.get("previous"), str):
        found.append((("previous",), data["previous"], source_path(base, data["previous"])))
    actuals = data.get("actuals")
    if isinstance(actuals, dict) and isinstance(actuals.get("store"), str):
        found.append((("actuals", "store"), actuals["store"], sqlite_file(actuals["store"], base)))
    return [doc.diag(key, say("targets.err.outside", path=shown, root=root.as_posix()), hint=OUTSIDE_HINT, code="plan")
            for key, shown, path in found if path is not None and not inside(path, root)]


def _is_bad(bad: set[str], *paths: str) -> bool:
    return any(b == p or b.startswith(p + ".") or b.startswith(p + "[") for b in bad for p in paths)


def _semantics(doc: Document, data: dict, bad: set[str], say: Say) -> list[Diagnostic]:
    out: list[Diagnostic] = []

    def error(path: tuple, key: str, *, at_key: bool = False, hint: str = "", **values) -> None:
        out.append(doc.diag(path, say(key, **values), key=at_key, hint=say(hint) if hint else "", code="plan"))

    unit = fraction(data["unit"]) if _number(data.get("unit")) else Fraction(1)
    whole = _number(data.get("total")) and _number(data.get("unit", 1))
    if whole and (fraction(data["total"]) / unit).denominator != 1:
        error(("total",), "targets.err.total_unit", total=_fmt(data["total"]), unit=_fmt(unit))
    levels: list = data["levels"] if isinstance(data.get("levels"), list) else []
    names: dict[str, int] = {}
    uses_last_year: list[tuple] = []
    manager_levels = []
    for i, level in enumerate(levels):
        if not isinstance(level, dict) or _is_bad(bad, f"levels[{i}]"):
            continue
        name = level.get("unit") if "unit" in level else level.get("manager")
        is_person = level.get("unit") == "person"
        if "manager" in level:
            manager_levels.append(i)
        if is_person and i != len(levels) - 1:
            error(("levels", i, "unit"), "targets.err.person_not_last")
        if isinstance(name, str):
            if name in names and not is_person:
                error(("levels", i), "targets.err.level_twice", at_key=True, column=name, first=names[name])
            names.setdefault(name, doc.where(("levels", i))[0])
        if "ramp" in level and not is_person:
            error(("levels", i, "ramp"), "targets.err.ramp_not_person", at_key=True)
        if "player_coach" in level and "manager" not in level:
            error(("levels", i, "player_coach"), "targets.err.player_coach_level", at_key=True)
        key = level.get("key")
        if key == "last_year":
            uses_last_year.append(("levels", i, "key"))
        if isinstance(key, dict) and "shares" in key and isinstance(key["shares"], dict):
            pass  # the parts of each unit are summed once the organisation is known (compute)
    if levels and isinstance(levels[-1], dict) and levels[-1].get("unit") != "person" and not _is_bad(bad, "levels"):
        error(("levels", len(levels) - 1), "targets.err.last_not_person", at_key=True)
    if manager_levels and len(levels) > 2 or len(manager_levels) > 1:
        error(("levels", manager_levels[0]), "targets.err.manager_alone", at_key=True)

    season = data.get("seasonality")
    if not _is_bad(bad, "seasonality"):
        if season == "last_year" or (isinstance(season, dict) and season.get("key") == "last_year"):
            uses_last_year.append(("seasonality",))
        if isinstance(season, dict) and isinstance(season.get("of"), str):
            allowed = ["company", "person"] + [str(n) for n in names if n != "person"]
            if manager_levels:
                allowed.append("manager")
            if season["of"] not in allowed:
                from appraise.display import did_you_mean

                error(("seasonality", "of"), "targets.err.season_of", of=season["of"], allowed=", ".join(allowed),
                      suggestion=did_you_mean(season["of"], allowed))
        if isinstance(season, dict) and isinstance(season.get("weights"), dict):
            weights = season["weights"]
            missing = [m for m in MONTH_KEYS if m not in weights]
            if missing:
                error(("seasonality", "weights"), "targets.err.weights_months", at_key=True, months=", ".join(missing))
            elif all(_number(w) for w in weights.values()):
                total = sum((Decimal(repr(w)) if isinstance(w, float) else Decimal(w) for w in weights.values()),
                            Decimal(0))
                if total != 100:
                    error(("seasonality", "weights"), "targets.err.shares_sum", at_key=True, total=_fmt(total),
                          what=say("targets.word.months"), parts=" + ".join(_fmt(weights[m]) for m in MONTH_KEYS))
    checks = data.get("checks")
    if isinstance(checks, dict) and "max_growth" in checks:
        uses_last_year.append(("checks", "max_growth"))
    if data.get("actuals") is None:
        for path in uses_last_year:
            error(path, "targets.err.needs_actuals")

    seen: dict[str, int] = {}
    fixed: list = data["fixed"] if isinstance(data.get("fixed"), list) else []
    for i, entry in enumerate(fixed):
        if not isinstance(entry, dict) or _is_bad(bad, f"fixed[{i}]"):
            continue
        if _number(entry.get("amount")) and (fraction(entry["amount"]) / unit).denominator != 1:
            error(("fixed", i, "amount"), "targets.err.amount_unit", amount=_fmt(entry["amount"]), unit=_fmt(unit))
        name = entry.get("unit")
        if isinstance(name, str):
            if name in seen:
                error(("fixed", i, "unit"), "targets.err.fixed_twice", unit=name, first=seen[name])
            seen.setdefault(name, doc.where(("fixed", i))[0])

    closed = data.get("closed_through")
    year = data.get("year")
    if isinstance(closed, str) and isinstance(year, int) and not _is_bad(bad, "closed_through", "year"):
        if not closed.startswith(f"{year}-") or closed >= f"{year}-12":
            error(("closed_through",), "targets.err.closed_year", closed=closed, year=year)
        elif data.get("granularity") == "quarter" and int(closed[5:]) % 3:
            error(("closed_through",), "targets.err.closed_quarter", closed=closed)
    people = data.get("people")
    if isinstance(people, str) and not _is_bad(bad, "people"):
        try:
            expressions.parse(people)
        except expressions.ExpressionError as exc:
            line, col = doc.expression_column(("people",))
            out.append(Diagnostic(doc.file, line, col + exc.offset, exc.message, "people", code="plan"))
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: Any) -> str:
    from appraise.language.validate.common import fmt

    return fmt(fraction(value) if isinstance(value, float) else value)


def load_plan(path: str | Path, lang: str = "en") -> Plan:
    """Read and check a plan file; raises :class:`InvalidInput` with every problem the file alone shows."""
    from appraise.display import shown

    path = Path(path).resolve()
    doc = load(path, shown(path))
    found = check(doc, lang)
    if any(d.severity == "error" for d in found):
        raise InvalidInput(found)
    data: dict = doc.data
    base = path.parent
    sources = source_specs(doc, path)
    levels = []
    for i, level in enumerate(data["levels"]):
        raw_key = level["key"]
        where = ("levels", i, "key")
        if isinstance(raw_key, str):
            key = Key(raw_key, where=where)
        elif "column" in raw_key:
            key = Key("column", column=raw_key["column"], where=where)
        else:
            key = Key("shares", shares=MappingProxyType({str(k): fraction(v) for k, v in raw_key["shares"].items()}),
                      where=where)
        if "manager" in level:
            levels.append(Level("manager", level["manager"], key, where=("levels", i),
                                player_coach=level.get("player_coach")))
        elif level["unit"] == "person":
            levels.append(Level("person", "", key, tuple(fraction(r) for r in level.get("ramp") or ()),
                                where=("levels", i)))
        else:
            levels.append(Level("unit", level["unit"], key, where=("levels", i)))
    season = data.get("seasonality", "equal")
    if season == "equal":
        seasonality = Seasonality("equal")
    elif season == "last_year":
        seasonality = Seasonality("last_year")
    elif "weights" in season:
        seasonality = Seasonality("weights", weights=MappingProxyType({m: fraction(season["weights"][m])
                                                                        for m in MONTH_KEYS}))
    else:
        seasonality = Seasonality("last_year", of=str(season.get("of", "company")))
    actuals = None
    raw_actuals = data.get("actuals")
    if isinstance(raw_actuals, str):
        actuals = Actuals(metric=raw_actuals)
    elif isinstance(raw_actuals, dict) and "metric" in raw_actuals:
        actuals = Actuals(metric=raw_actuals["metric"])
    elif isinstance(raw_actuals, dict):
        actuals = Actuals(store=resolve_store_url(raw_actuals["store"], base), ruleset=raw_actuals["ruleset"],
                          kpi=raw_actuals["kpi"])
    people = expressions.parse(data["people"]) if data.get("people") else None
    checks = data.get("checks") or {}
    output = data.get("output") or f"out/targets-{data['year']}"
    return Plan(
        path=path, doc=doc, id=str(data["plan"]), year=int(data["year"]), total=fraction(data["total"]),
        unit=fraction(data.get("unit", 1)), currency=str(data.get("currency", "CNY")),
        metric=str(data.get("metric", "quota")), granularity=str(data.get("granularity", "month")), people=people,
        sources=sources, actuals=actuals, levels=tuple(levels), seasonality=seasonality,
        units=MappingProxyType({str(k): MappingProxyType({str(f): fraction(v) for f, v in facts.items()})
                                for k, facts in (data.get("units") or {}).items()}),
        fixed=tuple(Fixed(str(e["unit"]), fraction(e["amount"]), str(e["reason"]), i)
                    for i, e in enumerate(data.get("fixed") or [])),
        max_growth=fraction(checks["max_growth"]) if "max_growth" in checks else None,
        output=(base / str(output)).resolve(), closed_through=data.get("closed_through"),
        previous=source_path(base, data["previous"]) if data.get("previous") else None,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def is_plan(path: str | Path) -> bool:
    """Whether a YAML file is a plan file (a top-level ``plan:`` and ``levels:``), without checking it."""
    try:
        doc = load(path)
    except InvalidInput:
        return False
    return isinstance(doc.data, dict) and "plan" in doc.data and "levels" in doc.data
