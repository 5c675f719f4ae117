"""Compile a validated ruleset document into an immutable, typed plan.

The plan (:class:`Ruleset` and its parts) is what the evaluator, the
explainer and the renderers read; none of them look at YAML again.  Weights and
curve parameters are floats (scores are compared at 4 decimals); everything
that becomes money (tier pay, multipliers, rates, caps, the rounding unit) is
an exact :class:`~decimal.Decimal`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from appraise.language import expr as expressions
from appraise.language.incentives import Component, Draw, Guarantee, compile_components, compile_draw, compile_guarantee
from appraise.language.load import Document

BUILTIN_ATTRIBUTES = {"id": "string", "name": "string", "hire_date": "date", "leave_date": "date",
                      "locale": "string"}
MIN_GROUP = 5  # privacy.min_group's default


def _text(value) -> Mapping[str, str]:
    """An i18n text: a plain string counts for every language."""
    if value is None:
        return MappingProxyType({})
    if isinstance(value, str):
        return MappingProxyType({"*": value})
    return MappingProxyType({str(k): str(v) for k, v in value.items()})


def localized(text: Mapping[str, str], locale: str, fallback: str = "") -> str:
    """Pick ``locale`` from an i18n text, then English, then any language."""
    if not text:
        return fallback
    for key in (locale, locale.split("-")[0], "*", "en", "zh-CN"):
        if key in text:
            return text[key]
    return next(iter(text.values()))


def _dec(value) -> Decimal:
    return Decimal(str(value))


@dataclass(frozen=True)
class Rollup:
    """A team roll-up (README "Team roll-up and split credit"): the metric ``of`` of the people reporting to each
    employee through the employee column ``via``, ``direct`` reports or the whole ``subtree``, combined by
    ``aggregate`` (``sum | mean | min | max``); ``include_self`` adds the employee's own value."""

    of: str
    scope: str = "direct"
    aggregate: str = "sum"
    via: str = "manager"
    include_self: bool = False


@dataclass(frozen=True)
class Metric:
    name: str
    label: Mapping[str, str]
    unit: str
    aggregate: str | None
    formula: expressions.Expression | None
    direction: str = "higher"
    optional: bool = False  # raw metrics only: the data may lack it entirely
    rollup: Rollup | None = None  # a team roll-up of another metric (aggregate: how the reports' values combine)

    @property
    def derived(self) -> bool:
        return self.formula is not None


@dataclass(frozen=True)
class Curve:
    """How attainment becomes a score: ``linear`` {floor, cap}, ``bands`` or ``points``."""

    kind: str = "linear"
    floor: float = 0.0
    cap: float = 1.0
    bands: tuple[tuple[float, float], ...] = ()
    points: tuple[tuple[float, float], ...] = ()

    @property
    def attainment_at_zero_actual(self) -> float:
        """Attainment of a lower-is-better KPI whose actual is 0 (SPEC: the cap / last band / last point)."""
        if self.kind == "bands":
            return self.bands[-1][0]
        if self.kind == "points":
            return self.points[-1][0]
        return self.cap

    def score(self, a: float | None) -> float | None:
        """Scalar version of the curve (explanations and tests)."""
        if a is None:
            return None
        if self.kind == "linear":
            return 0.0 if a < self.floor else min(a, self.cap) * 100
        if self.kind == "bands":
            s = 0.0
            for start, value in self.bands:
                if a >= start:
                    s = value
            return s
        pts = self.points
        if a <= pts[0][0]:
            return pts[0][1]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if a <= x1:
                return y0 + (y1 - y0) * (a - x0) / (x1 - x0)
        return pts[-1][1]


@dataclass(frozen=True)
class Target:
    """A KPI target: a ``number``, a ``metric``, an employee ``attribute`` or an ``expression``."""

    kind: str
    number: float | None = None
    name: str | None = None
    expression: expressions.Expression | None = None

    def describe(self) -> str:
        if self.kind == "number":
            return f"{self.number:g}"
        if self.kind == "expression" and self.expression is not None:
            return self.expression.text
        return str(self.name)


@dataclass(frozen=True)
class Kpi:
    key: str          # the KPI id inside its dimension
    dimension: str
    metric: str
    weight: float
    target: Target
    curve: Curve
    direction: str
    label: Mapping[str, str]

    @property
    def path(self) -> str:
        return f"{self.dimension}.{self.key}"


@dataclass(frozen=True)
class Feedback360:
    scale: float
    sources: tuple[tuple[str, float], ...]
    min_raters: Mapping[str, int]
    competencies: tuple[str, ...] = ()

    def threshold(self, relation: str) -> int:
        """The fewest raters a source needs to be scored or shown (anonymity)."""
        if relation in self.min_raters:
            return self.min_raters[relation]
        if "*" in self.min_raters:
            return self.min_raters["*"]
        return 1 if relation in ("manager", "self") else 3


@dataclass(frozen=True)
class PeriodsSpec:
    """A ``periods:`` dimension: the employee's reported scores in the current runs of ``ruleset`` for the
    sub-periods (``every``: month, quarter, half) of the cycle, weighted by their keys (``Q1``...)."""

    ruleset: str
    every: str
    weights: tuple[tuple[str, float], ...] = ()  # empty: every sub-period weighs the same

    def parts(self, period) -> tuple[tuple[Any, float], ...]:
        """The sub-periods of ``period`` this dimension reads, with their weights (a sub-period the weights do
        not name weighs 0 and is not read)."""
        subs = period.subperiods(self.every)
        if not self.weights:
            return tuple((p, 1.0) for p in subs)
        given = dict(self.weights)
        return tuple((p, given[p.key]) for p in subs if given.get(p.key, 0) > 0)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: Mapping[str, str]
    weight: float
    kind: str  # kpis | okr | feedback360 | periods
    kpis: tuple[Kpi, ...] = ()
    feedback: Feedback360 | None = None
    aspirational_threshold: float = 0.7
    periods: PeriodsSpec | None = None


@dataclass(frozen=True)
class Adjustment:
    id: str
    when: expressions.Expression
    points: float
    reason: Mapping[str, str]


@dataclass(frozen=True)
class Scorecard:
    key: str
    label: Mapping[str, str]
    applies_to: expressions.Expression | None
    dimensions: tuple[Dimension, ...]
    adjustments: tuple[Adjustment, ...]

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def kpi(self, path: str) -> Kpi | None:
        dim, _, key = path.partition(".")
        d = self.dimension(dim)
        return next((k for k in d.kpis if k.key == key), None) if d and key else None

    def kpis_named(self, name: str) -> tuple[Kpi, ...]:
        """KPIs matching ``dimension.kpi`` or a bare KPI id (in every dimension that has it)."""
        if "." in name:
            k = self.kpi(name)
            return (k,) if k else ()
        return tuple(k for d in self.dimensions for k in d.kpis if k.key == name)

    def has_path(self, path: str) -> bool:
        return (self.kpi(path) if "." in path else self.dimension(path)) is not None


@dataclass(frozen=True)
class Action:
    """One reweighting step: ``set``, ``shift``, ``drop`` or ``scale_target``."""

    kind: str
    path: str = ""          # set / drop / scale_target (KPI name)
    value: float = 0.0      # set weight / scale factor / shift points
    source: str = ""        # shift from
    target: str = ""        # shift to

    def paths(self) -> tuple[str, ...]:
        return (self.source, self.target) if self.kind == "shift" else (self.path,)


@dataclass(frozen=True)
class Rule:
    id: str
    label: Mapping[str, str]
    when: expressions.Expression | None
    actions: tuple[Action, ...]

    def applies_to(self, card: Scorecard) -> tuple[Action, ...]:
        """The actions of this rule that make sense for ``card``."""
        out = []
        for a in self.actions:
            if a.kind == "scale_target":
                if card.kpis_named(a.path):
                    out.append(a)
            elif all(card.has_path(p) for p in a.paths()):
                out.append(a)
        return tuple(out)


@dataclass(frozen=True)
class Grade:
    grade: str
    min: float
    label: Mapping[str, str]


@dataclass(frozen=True)
class Calibration:
    cohort: str
    min_cohort: int
    max_share: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True)
class Tier:
    start: float        # attainment from which the tier pays
    pay: Decimal        # fraction of the target bonus


@dataclass(frozen=True)
class NetOf:
    """``bonus.net_of``: pay what is due now, less the bonuses of ``ruleset``'s runs for the sub-periods."""

    ruleset: str
    every: str
    clawback: bool = False


@dataclass(frozen=True)
class BonusPlan:
    target: str                     # money attribute holding the target bonus
    attainment: str                 # KPI whose attainment drives the tiers ("" with components)
    tiers: tuple[Tier, ...]
    excess_above: float | None
    excess_rate: Decimal | None
    multiplier: Mapping[str, Decimal]
    cap: Decimal | None
    rounding: Decimal
    target_period: str = "cycle"    # cycle | month | quarter | half | year: the length the target column is for
    net_of: NetOf | None = None
    # incentive plans (issue 20, appraise.language.incentives): components instead of attainment/tiers/excess, a
    # recoverable draw, a guarantee for new hires
    components: tuple[Component, ...] = ()
    draw: Draw | None = None
    guarantee: Guarantee | None = None

    @property
    def incentive(self) -> bool:
        """Whether the plan has components, a draw or a guarantee (README "Incentive plans")."""
        return bool(self.components) or self.draw is not None or self.guarantee is not None

    def target_factor(self, period) -> Fraction:
        """The cycle's share of the target: months in the cycle / months in ``target_period``, exact."""
        from appraise.language.period import KIND_MONTHS

        if self.target_period == "cycle":
            return Fraction(1)
        return Fraction(period.months_count, KIND_MONTHS[self.target_period])


@dataclass(frozen=True)
class Outcome:
    id: str
    label: Mapping[str, str]
    when: expressions.Expression
    plan: bool


@dataclass(frozen=True)
class PlanPolicy:
    max_focus_areas: int = 3
    horizon_weeks: int = 12


@dataclass(frozen=True)
class PlaybookEntry:
    key: str
    focus: Mapping[str, str]
    actions: tuple[Mapping[str, str], ...]


@dataclass(frozen=True)
class Ruleset:
    """The compiled ruleset: everything the engine needs, immutable."""

    id: str
    version: str
    title: Mapping[str, str]
    currency: str
    locale: str
    missing: str
    attributes: Mapping[str, str]
    metrics: tuple[Metric, ...]
    scorecards: tuple[Scorecard, ...]
    rules: tuple[Rule, ...]
    grades: tuple[Grade, ...]
    calibration: Calibration | None
    bonus: BonusPlan | None
    outcomes: tuple[Outcome, ...]
    plan: PlanPolicy
    playbook: Mapping[str, PlaybookEntry]
    report: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    source: str = ""
    sha256: str = ""
    proration: str = "none"   # none | days: the bonus target times employed_share
    # privacy.min_group: the smallest group any comparison or aggregate shown to someone other than HR may
    # describe (index.html team rows, dashboard team averages, appraise diff --redact, workshop summaries)
    min_group: int = MIN_GROUP

    def stored_reads(self) -> tuple[tuple[str, str, str], ...]:
        """What this ruleset reads of other periods' stored results besides ``previous``:
        ``(why, ruleset id, every)`` with why ``periods:<dimension>`` or ``net_of``."""
        out = []
        for card in self.scorecards:
            for d in card.dimensions:
                if d.periods is not None:
                    out.append((f"periods:{d.key}", d.periods.ruleset, d.periods.every))
        if self.bonus is not None and self.bonus.net_of is not None:
            out.append(("net_of", self.bonus.net_of.ruleset, self.bonus.net_of.every))
        return tuple(dict.fromkeys(out))

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)

    @property
    def raw_metrics(self) -> tuple[Metric, ...]:
        return tuple(m for m in self.metrics if not m.derived and m.rollup is None)

    @property
    def rollups(self) -> tuple[Metric, ...]:
        """The team roll-ups, in file order."""
        return tuple(m for m in self.metrics if m.rollup is not None)

    def derived_in_order(self) -> tuple[Metric, ...]:
        """Derived metrics and team roll-ups ordered so every formula's (and roll-up's) inputs come first."""
        done: set[str] = {m.name for m in self.raw_metrics}
        pending = [m for m in self.metrics if m.derived or m.rollup is not None]
        out: list[Metric] = []
        while pending:
            ready = [m for m in pending if (m.formula.names if m.formula is not None
                                            else {m.rollup.of} if m.rollup is not None else set()) <= done]
            if not ready:  # the validator refuses cycles; this is a last guard
                raise ValueError("formulas form a cycle: " + ", ".join(m.name for m in pending))
            for m in ready:
                out.append(m)
                done.add(m.name)
                pending.remove(m)
        return tuple(out)

    def attribute_type(self, name: str) -> str | None:
        return self.attributes.get(name) or BUILTIN_ATTRIBUTES.get(name)

    def scorecard(self, key: str) -> Scorecard | None:
        return next((s for s in self.scorecards if s.key == key), None)

    def context_fields(self) -> set[str]:
        """Every ``context.x`` any expression of the ruleset reads."""
        out = set()
        for e in self.expressions():
            out |= {attr for obj, attr in e.fields if obj == "context"}
        return out

    def expressions(self):
        for m in self.metrics:
            if m.formula:
                yield m.formula
        for card in self.scorecards:
            if card.applies_to:
                yield card.applies_to
            for a in card.adjustments:
                yield a.when
            for d in card.dimensions:
                for k in d.kpis:
                    if k.target.expression:
                        yield k.target.expression
        for r in self.rules:
            if r.when:
                yield r.when
        for o in self.outcomes:
            yield o.when
        for c in self.bonus.components if self.bonus is not None else ():
            if c.target is not None and c.target.expression is not None:
                yield c.target.expression

    def reads(self, name: str) -> bool:
        """Whether any expression of the ruleset reads the bare name ``name`` (``tenure_months``); a
        guarantee for new hires reads ``tenure_months`` too."""
        if name == "tenure_months" and self.bonus is not None and self.bonus.guarantee is not None:
            return True
        return any(name in e.names for e in self.expressions())

    def conditions(self) -> set:
        """The expressions that are conditions (``applies_to``, ``when``): they must be true or false."""
        out = {card.applies_to for card in self.scorecards if card.applies_to}
        out |= {a.when for card in self.scorecards for a in card.adjustments}
        out |= {r.when for r in self.rules if r.when} | {o.when for o in self.outcomes}
        return out


def _curve(spec) -> Curve:
    spec = spec or {}
    if "bands" in spec:
        bands = tuple(sorted((float(b["from"]), float(b["score"])) for b in spec["bands"]))
        return Curve("bands", bands=bands)
    if "points" in spec:
        return Curve("points", points=tuple((float(a), float(s)) for a, s in spec["points"]))
    return Curve("linear", floor=float(spec.get("floor", 0.0)), cap=float(spec.get("cap", 1.0)))


def _target(value, metrics: set[str], attributes: set[str]) -> Target:
    if isinstance(value, bool):
        raise ValueError("a target cannot be true/false")
    if isinstance(value, (int, float)):
        return Target("number", number=float(value))
    text = str(value).strip()
    if text in metrics:
        return Target("metric", name=text)
    if text in attributes:
        return Target("attribute", name=text)
    return Target("expression", expression=expressions.parse(text))


def _actions(then) -> tuple[Action, ...]:
    out: list[Action] = []
    for item in then or []:
        for kind, body in item.items():
            if kind == "set":
                out.extend(Action("set", path=str(p), value=float(w)) for p, w in body.items())
            elif kind == "drop":
                paths = body if isinstance(body, list) else [body]
                out.extend(Action("drop", path=str(p)) for p in paths)
            elif kind == "shift":
                out.append(Action("shift", source=str(body["from"]), target=str(body["to"]),
                                  value=float(body["points"])))
            elif kind == "scale_target":
                out.extend(Action("scale_target", path=str(k), value=float(f)) for k, f in body.items())
    return tuple(out)


def compile_ruleset(doc: Document | Mapping, source: str = "", raw: bytes | None = None) -> Ruleset:
    """Build the plan from a ruleset that passed validation."""
    data = doc.data if isinstance(doc, Document) else doc
    source = source or (doc.file if isinstance(doc, Document) else "")
    attributes = {str(k): str(v) for k, v in (data.get("attributes") or {}).items()}
    metric_names = set((data.get("metrics") or {}).keys())
    attr_names = set(attributes) | set(BUILTIN_ATTRIBUTES)
    metrics = []
    for name, m in (data.get("metrics") or {}).items():
        m = m or {}
        r = m.get("rollup")
        metrics.append(Metric(
            name=name, label=_text(m.get("label")), unit=str(m.get("unit", "number")),
            aggregate=m.get("aggregate") if "formula" not in m else None,
            formula=expressions.parse(m["formula"]) if "formula" in m else None,
            direction=str(m.get("direction", "higher")), optional=bool(m.get("optional", False)),
            rollup=Rollup(str(r["of"]), str(r.get("scope", "direct")), str(r.get("aggregate", "sum")),
                          str(r.get("via", "manager")), bool(r.get("include_self", False))) if r else None))
    by_metric = {m.name: m for m in metrics}
    cards = []
    for ckey, card in (data.get("scorecards") or {}).items():
        dims = []
        for dkey, d in (card.get("dimensions") or {}).items():
            if "kpis" in d:
                kpis = []
                for kkey, k in (d.get("kpis") or {}).items():
                    metric = str(k.get("metric", kkey))
                    direction = str(k.get("direction") or getattr(by_metric.get(metric), "direction", "higher"))
                    kpis.append(Kpi(kkey, dkey, metric, float(k["weight"]),
                                    _target(k["target"], metric_names, attr_names), _curve(k.get("curve")),
                                    direction, _text(k.get("label") or getattr(by_metric.get(metric), "label", None))))
                dims.append(Dimension(dkey, _text(d.get("label")), float(d["weight"]), "kpis", tuple(kpis)))
            elif "periods" in d:
                ps = d["periods"] or {}
                spec = PeriodsSpec(str(ps["ruleset"]), str(ps["every"]),
                                   tuple((str(k), float(v)) for k, v in (ps.get("weights") or {}).items()))
                dims.append(Dimension(dkey, _text(d.get("label")), float(d["weight"]), "periods", periods=spec))
            elif "feedback360" in d:
                f = d["feedback360"] or {}
                mr = f.get("min_raters", {})
                mr = {"*": int(mr)} if isinstance(mr, int) else {str(k): int(v) for k, v in mr.items()}
                fb = Feedback360(float(f.get("scale", 5)),
                                 tuple((str(r), float(w)) for r, w in (f.get("sources") or {}).items()),
                                 MappingProxyType(mr), tuple(f.get("competencies") or ()))
                dims.append(Dimension(dkey, _text(d.get("label")), float(d["weight"]), "feedback360", feedback=fb))
            else:
                okr = d.get("okr") or {}
                dims.append(Dimension(dkey, _text(d.get("label")), float(d["weight"]), "okr",
                                      aspirational_threshold=float(okr.get("aspirational_threshold", 0.7))))
        adjustments = tuple(Adjustment(str(a["id"]), expressions.parse(a["when"]), float(a["points"]),
                                       _text(a.get("reason"))) for a in card.get("adjustments") or [])
        applies = card.get("applies_to")
        cards.append(Scorecard(ckey, _text(card.get("label")),
                               expressions.parse(applies) if applies not in (None, True) else None,
                               tuple(dims), adjustments))
    rules = tuple(Rule(str(r["id"]), _text(r.get("label")),
                       expressions.parse(r["when"]) if r.get("when") not in (None, True) else None,
                       _actions(r.get("then"))) for r in data.get("rules") or [])
    grades = tuple(Grade(str(g["grade"]), float(g["min"]), _text(g.get("label"))) for g in data.get("grades") or [])
    cal = data.get("calibration")
    calibration = None
    if cal:
        order = [g.grade for g in grades]
        shares = sorted(((str(k), _dec(v)) for k, v in (cal.get("max_share") or {}).items()),
                        key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        calibration = Calibration(str(cal["cohort"]), int(cal.get("min_cohort", 5)), tuple(shares))
    b = data.get("bonus")
    bonus = None
    if b:
        excess = b.get("excess") or {}
        bonus = BonusPlan(
            target=str(b["target"]), attainment=str(b.get("attainment", "")),
            tiers=tuple(sorted((Tier(float(t["from"]), _dec(t["pay"])) for t in b.get("tiers") or []),
                               key=lambda t: t.start)),
            excess_above=float(excess["above"]) if excess else None,
            excess_rate=_dec(excess["rate"]) if excess else None,
            multiplier=MappingProxyType({str(k): _dec(v) for k, v in (b.get("multiplier") or {}).items()}),
            cap=_dec(b["cap"]) if b.get("cap") is not None else None,
            rounding=_dec(b.get("rounding", 1)),
            target_period=str(b.get("target_period", "cycle")),
            net_of=NetOf(str(b["net_of"]["ruleset"]), str(b["net_of"]["every"]), bool(b["net_of"].get("clawback")))
            if b.get("net_of") else None,
            components=compile_components(b.get("components"), lambda v: _target(v, metric_names, attr_names)),
            draw=compile_draw(b.get("draw")), guarantee=compile_guarantee(b.get("guarantee")))
    outcomes = tuple(Outcome(str(o["id"]), _text(o.get("label")), expressions.parse(o["when"]), bool(o.get("plan")))
                     for o in data.get("outcomes") or [])
    p = data.get("plan") or {}
    playbook = MappingProxyType({
        str(k): PlaybookEntry(str(k), _text((v or {}).get("focus")),
                              tuple(_text(a) for a in (v or {}).get("actions") or []))
        for k, v in (data.get("playbook") or {}).items()})
    digest = hashlib.sha256(raw).hexdigest() if raw is not None else ""
    return Ruleset(
        id=str(data.get("id", "")), version=str(data.get("version", "")), title=_text(data.get("title")),
        currency=str(data.get("currency", "CNY")), locale=str(data.get("locale", "en")),
        missing=str(data.get("missing", "redistribute")), attributes=MappingProxyType(attributes),
        metrics=tuple(metrics), scorecards=tuple(cards), rules=rules, grades=grades,
        calibration=calibration, bonus=bonus, outcomes=outcomes,
        plan=PlanPolicy(int(p.get("max_focus_areas", 3)), int(p.get("horizon_weeks", 12))),
        playbook=playbook, report=MappingProxyType(dict(data.get("report") or {})),
        source=source, sha256=digest, proration=str(data.get("proration", "none")),
        min_group=int((data.get("privacy") or {}).get("min_group", MIN_GROUP)))
