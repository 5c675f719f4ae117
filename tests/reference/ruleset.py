"""A ruleset document as plain, exact Python objects (weights and numbers as Fractions, expressions parsed).

Only what evaluation needs is read; the validator's checks are not repeated (the reference is given files
``appraise validate`` accepts).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from .expr import Expr, number


@dataclass
class Curve:
    kind: str                       # linear | bands | points
    floor: Fraction = Fraction(0)
    cap: Fraction = Fraction(1)
    bands: list = field(default_factory=list)    # [(from, score)] ascending by from
    points: list = field(default_factory=list)   # [(x, y)] ascending by x

    def score(self, a: Fraction, seen: Fraction | None = None) -> Fraction:
        """SPEC "Scorecards, dimensions, KPIs": the curve's score at attainment ``a``.  ``seen``: the attainment its
        floor, bands and points compare (README: taken to 12 decimals, so 1 - 4.6e-309 reaches a band from 1);
        the score is worked out from ``a`` itself."""
        at = a if seen is None else seen
        if self.kind == "linear":
            return Fraction(0) if at < self.floor else min(a, self.cap) * 100
        if self.kind == "bands":
            reached = [s for f, s in self.bands if at >= f]
            return reached[-1] if reached else Fraction(0)
        pts = self.points
        if at <= pts[0][0]:
            return pts[0][1]
        if at >= pts[-1][0]:
            return pts[-1][1]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
            if x0 <= at <= x1:
                if x1 == x0:
                    return y1
                return y0 + (y1 - y0) * (a - x0) / (x1 - x0)
        raise AssertionError("unreachable")

    def top(self) -> Fraction:
        """Attainment of a lower-is-better KPI whose actual is 0: the cap, the last band or the last point."""
        if self.kind == "linear":
            return self.cap
        if self.kind == "bands":
            return self.bands[-1][0]
        return self.points[-1][0]


def curve_of(spec: dict | None) -> Curve:
    spec = spec or {}
    if "bands" in spec:
        bands = sorted(((number(b["from"]), number(b["score"])) for b in spec["bands"]), key=lambda t: t[0])
        return Curve("bands", bands=bands)
    if "points" in spec:
        pts = sorted(((number(x), number(y)) for x, y in spec["points"]), key=lambda t: t[0])
        return Curve("points", points=pts)
    return Curve("linear", floor=number(spec.get("floor", 0)), cap=number(spec.get("cap", 1)))


@dataclass
class Kpi:
    key: str
    metric: str
    weight: Fraction
    target: object                  # Fraction or Expr
    curve: Curve


@dataclass
class Dimension:
    key: str
    weight: Fraction
    kind: str                       # kpis | okr | feedback360 | periods
    kpis: list[Kpi] = field(default_factory=list)
    spec: dict = field(default_factory=dict)


@dataclass
class Scorecard:
    key: str
    applies_to: Expr | None
    dimensions: list[Dimension]
    adjustments: list[tuple[str, Expr, Fraction]]

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)

    def find_kpis(self, ref: str) -> list[tuple[Dimension, Kpi]]:
        """KPIs named ``ref`` (``kpi`` anywhere in the scorecard, or ``dimension.kpi``), in scorecard order."""
        dim_key, _, kpi_key = ref.rpartition(".")
        out = []
        for d in self.dimensions:
            if dim_key and d.key != dim_key:
                continue
            out.extend((d, k) for k in d.kpis if k.key == kpi_key)
        return out


@dataclass
class Ruleset:
    id: str
    version: str
    currency: str
    missing: str
    proration: str
    attributes: dict[str, str]
    raw_metrics: dict[str, str]                 # name -> aggregate
    derived: dict[str, Expr]                    # name -> formula
    direction: dict[str, str]
    scorecards: list[Scorecard]
    rules: list[dict]
    grades: list[tuple[str, Fraction]]
    calibration: dict | None
    bonus: dict | None
    outcomes: list[tuple[str, Expr, bool]]
    max_focus_areas: int
    doc: dict
    rollups: dict[str, dict] = field(default_factory=dict)  # name -> rollup spec (README "Team roll-up ...")

    def grade_of(self, score: Fraction) -> str:
        """The first grade from the top whose ``min`` the (reported) score reaches."""
        for grade, minimum in self.grades:
            if score >= minimum:
                return grade
        return self.grades[-1][0]


def _expr(text) -> Expr | None:
    if text is None:
        return None
    if isinstance(text, bool):
        return Expr("true" if text else "false")
    return Expr(str(text))


def parse_ruleset(doc: dict) -> Ruleset:
    raw, derived, direction, rollups = {}, {}, {}, {}
    for name, m in doc["metrics"].items():
        if "formula" in m:
            derived[name] = _expr(m["formula"])
        elif "rollup" in m:
            rollups[name] = m["rollup"]
        else:
            raw[name] = m["aggregate"]
        direction[name] = m.get("direction", "higher")
    cards = []
    for ckey, card in doc["scorecards"].items():
        dims = []
        for dkey, dim in card["dimensions"].items():
            if "kpis" in dim:
                kpis = []
                for kkey, kpi in dim["kpis"].items():
                    target = kpi["target"]
                    target = _expr(target) if isinstance(target, str) else number(target)
                    kpis.append(Kpi(kkey, kpi.get("metric", kkey), number(kpi["weight"]), target,
                                    curve_of(kpi.get("curve"))))
                dims.append(Dimension(dkey, number(dim["weight"]), "kpis", kpis))
            else:
                kind = next(k for k in ("okr", "feedback360", "periods") if k in dim)
                dims.append(Dimension(dkey, number(dim["weight"]), kind, spec=dim[kind] or {}))
        adjustments = [(a["id"], _expr(a["when"]), number(a["points"])) for a in card.get("adjustments") or []]
        cards.append(Scorecard(ckey, _expr(card.get("applies_to")), dims, adjustments))
    rules = []
    for r in doc.get("rules") or []:
        rules.append({"id": r["id"], "when": _expr(r.get("when")), "then": r["then"]})
    grades = [(g["grade"], number(g["min"])) for g in doc["grades"]]
    outcomes = [(o["id"], _expr(o["when"]), bool(o.get("plan", False))) for o in doc.get("outcomes") or []]
    plan = doc.get("plan") or {}
    return Ruleset(
        id=str(doc["id"]), version=str(doc["version"]), currency=doc.get("currency", "CNY"),
        missing=doc.get("missing", "redistribute"), proration=doc.get("proration", "none"),
        attributes=dict(doc.get("attributes") or {}), raw_metrics=raw, derived=derived, direction=direction,
        scorecards=cards, rules=rules, grades=grades, calibration=doc.get("calibration"), bonus=doc.get("bonus"),
        outcomes=outcomes, max_focus_areas=int(plan.get("max_focus_areas", 3)), doc=doc, rollups=rollups)


def decimal_of(value) -> Decimal:
    """A YAML number as the Decimal it was written as."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
