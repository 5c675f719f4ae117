"""Random valid rulesets: a ``dict`` ready to be written as YAML, and the :class:`Plan` the data follows.

What a ruleset may hold is the SPEC's rule language (v1 and the settled questions of v1.1) and
``schemas/ruleset.schema.json``; what makes it *valid* is the SPEC's semantics, re-derived here
(nothing of ``appraise`` is imported): weights of every group total exactly 100 as decimals, names
resolve, grades descend to 0, tiers and curve points ascend with non-falling scores, multipliers do
not rise down the grades, calibration shares do not fall, and every combination of rules that may
fire together (applied in file order) leaves valid weights — checked with exact fractions by
:func:`rules_break_weights`, which throws away a rule that would break them.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import combinations
from typing import Any

from .choosers import Chooser
from .formulas import add_formulas, formula_adjustment, formula_target
from .teams import add_rollups, side

# ------------------------------------------------------------------------------------------ periods


@dataclass(frozen=True)
class Period:
    """A review period (``2026-07``, ``2026-Q3``, ``2026-H2``, ``2026``), computed plainly."""

    id: str
    year: int
    first: int   # first month
    count: int   # months in the period

    @classmethod
    def parse(cls, text: str) -> Period:
        year, _, rest = text.partition("-")
        if not rest:
            return cls(text, int(year), 1, 12)
        if rest[0] == "Q":
            return cls(text, int(year), (int(rest[1]) - 1) * 3 + 1, 3)
        if rest[0] == "H":
            return cls(text, int(year), (int(rest[1]) - 1) * 6 + 1, 6)
        return cls(text, int(year), int(rest), 1)

    @property
    def months(self) -> list[tuple[int, int]]:
        return [(self.year, m) for m in range(self.first, self.first + self.count)]

    @property
    def start(self) -> date:
        return date(self.year, self.first, 1)

    @property
    def end(self) -> date:
        last = self.first + self.count - 1
        return date(self.year, last, calendar.monthrange(self.year, last)[1])

    def previous(self) -> Period:
        first, year = self.first - self.count, self.year
        if first < 1:
            first, year = first + 12, year - 1
        if self.count == 12:
            ident = f"{year}"
        elif self.count == 6:
            ident = f"{year}-H{(first - 1) // 6 + 1}"
        elif self.count == 3:
            ident = f"{year}-Q{(first - 1) // 3 + 1}"
        else:
            ident = f"{year}-{first:02d}"
        return Period(ident, year, first, self.count)

    def subperiods(self, every: str) -> list[Period]:
        step = {"month": 1, "quarter": 3, "half": 6}[every]
        return [Period(f"{self.year}-" + (f"{m:02d}" if step == 1 else f"Q{(m - 1) // 3 + 1}" if step == 3
                                          else f"H{(m - 1) // 6 + 1}"), self.year, m, step)
                for m in range(self.first, self.first + self.count, step)]

    def halves(self) -> list[str]:
        """Half-year ids inside the period (only a year has them)."""
        last = self.first + self.count - 1
        return [f"{self.year}-H{h}" for h in (1, 2) if self.first <= (h - 1) * 6 + 1 and h * 6 <= last]

    def quarters(self) -> list[str]:
        """Quarter ids inside the period (none for a month)."""
        return [f"{self.year}-Q{q}" for q in range(1, 5)
                if self.first <= (q - 1) * 3 + 1 and q * 3 <= self.first + self.count - 1]


# ------------------------------------------------------------------------------------------ catalogue

# raw metric: aggregate, direction, unit, typical monthly value (lo, hi)
RAW: dict[str, tuple[str, str, str, float, float]] = {
    "revenue": ("sum", "higher", "money", 40_000, 200_000),
    "quota": ("sum", "higher", "money", 80_000, 150_000),
    "billed": ("sum", "higher", "money", 40_000, 180_000),
    "collected": ("sum", "higher", "money", 30_000, 185_000),
    "visits": ("sum", "higher", "count", 3, 40),
    "leads": ("sum", "higher", "count", 2, 60),
    "deals": ("sum", "higher", "count", 0, 15),
    "orders": ("sum", "higher", "count", 5, 80),
    "complaints": ("sum", "lower", "count", 0, 6),
    "accounts_start": ("first", "higher", "count", 20, 60),
    "accounts_end": ("last", "higher", "count", 15, 65),
    "nps": ("mean", "higher", "score", 0, 100),
    "response_hours": ("mean", "lower", "number", 1, 48),
    "best_deal": ("max", "higher", "money", 1_000, 90_000),
    "worst_margin": ("min", "higher", "ratio", 0, 0.6),
}
# derived metric: formula, direction, unit, the metrics it reads
DERIVED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "collection_rate": ("collected / billed", "higher", "ratio", ("collected", "billed")),
    "conversion": ("deals / leads", "higher", "ratio", ("deals", "leads")),
    "complaint_rate": ("complaints / orders", "lower", "ratio", ("complaints", "orders")),
    "retention": ("accounts_end / accounts_start", "higher", "ratio", ("accounts_end", "accounts_start")),
    "revenue_per_visit": ("revenue / max(visits, 1)", "higher", "money", ("revenue", "visits")),
    "health": ("(collection_rate + retention) / 2", "higher", "ratio", ("collection_rate", "retention")),
    "margin_pct": ("round(worst_margin * 100, 1)", "higher", "percent", ("worst_margin",)),
}
# derived metrics that are a plain ratio of two raw metrics (the data can make them land on a given value)
RATIOS = {"collection_rate": ("collected", "billed"), "conversion": ("deals", "leads"),
          "complaint_rate": ("complaints", "orders"), "retention": ("accounts_end", "accounts_start")}
# calibration shares whose allowed count floor(n x share) is whole for many cohort sizes n
BOUNDARY_SHARES = [Decimal(x) for x in ("0.2", "0.25", "0.4", "0.5", "0.6", "0.75", "1")]
# a number target near what a person would write, per month of the period for sums
RATIO_TARGETS = {"collection_rate": ["0.95", "0.9", "1"], "conversion": ["0.25", "0.3"],
                 "complaint_rate": ["0.05", "0.02", "0"], "retention": ["0.9", "0.85"], "health": ["0.9", "1"],
                 "worst_margin": ["0.3", "0.25"], "margin_pct": ["30", "25"], "nps": ["50", "60"],
                 "response_hours": ["12", "24", "8"], "revenue_per_visit": ["5000", "8000"],
                 "best_deal": ["50000", "30000"], "accounts_start": ["40"], "accounts_end": ["40", "45"]}
KPI_POOL = ["revenue", "collection_rate", "visits", "conversion", "complaint_rate", "retention", "deals",
            "nps", "response_hours", "best_deal", "revenue_per_visit", "health", "margin_pct", "orders"]
KPI_DIMS = ["results", "process", "customer", "growth"]
RELATIONS = ["manager", "peer", "subordinate", "customer", "self", "partner"]
ROLES = ["rep", "lead", "manager", "intern"]
TEAMS = ["t1", "t2", "t3"]
REGIONS = ["north", "south", "east", "west"]
GRADE_SETS = [
    [("S", "110"), ("A", "95"), ("B", "80"), ("C", "60"), ("D", "0")],
    [("A", "90"), ("B", "75"), ("C", "0")],
    [("A", "85.5"), ("B", "70.25"), ("C", "50"), ("D", "0")],
    [("top", "100"), ("mid", "50"), ("low", "0")],
    [("pass", "0")],
]


@dataclass
class Plan:
    """What the ruleset reads, so the data and the cycle file can provide it."""

    period: Period
    attributes: dict[str, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)            # raw metric -> aggregate
    optional: set[str] = field(default_factory=set)              # raw metrics the data may lack
    roles: list[str] = field(default_factory=list)
    relations: set[str] = field(default_factory=set)             # 360 relations some dimension scores
    scales: list[Decimal] = field(default_factory=list)          # 360 scales
    okr: bool = False
    competencies: bool = False                                   # a 360 dimension counts only some
    context: dict[str, Any] = field(default_factory=dict)        # key -> value the cycle sets
    reads_tenure: bool = False
    features: set[str] = field(default_factory=set)              # what this case exercises (summary)
    main: Plan | None = None   # in a merged plan: the plan of the ruleset of the cycle under test
    # KPIs with a number target whose actual the data may make land exactly on an attainment the ruleset names:
    # (metric, target, direction, attainments: curve points, band starts, floor, cap, bonus tiers, excess, 1)
    # (a target that reads a raw metric, times a number: `quota`, `quota * 1.1`, names that metric)
    exact: list[tuple[str, Decimal, str | None, str, list[Decimal]]] = field(default_factory=list)

    @property
    def own(self) -> Plan:
        return self.main or self


# ------------------------------------------------------------------------------------------ weights

def partition(ch: Chooser, n: int, total: Decimal = Decimal(100)) -> list[Decimal]:
    """``n`` weights of 0 or more totalling ``total`` exactly: whole, cents or thirds-to-the-cent."""
    style = ch.weighted([("whole", 5), ("cents", 2), ("thirds", 1), ("zero", 1)]) if n > 1 else "whole"
    if style == "thirds":
        share = (total / n).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        out = [share] * n
        out[-1] = total - share * (n - 1)
        return out
    unit = Decimal("0.01") if style == "cents" else Decimal(1)
    steps = int(total / unit)
    cuts = sorted(ch.integer(1, steps - 1) for _ in range(n - 1)) if steps > 1 else [0] * (n - 1)
    bounds = [0, *cuts, steps]
    out = [(Decimal(b - a) * unit).normalize() for a, b in zip(bounds, bounds[1:])]
    if style == "zero" and n > 1:  # one member carries nothing: rules and redistribution meet a zero
        i = ch.integer(0, n - 1)
        j = (i + 1) % n
        out[j] += out[i]
        out[i] = Decimal(0)
    return [w if w != 0 else Decimal(0) for w in out]


def _num(d: Decimal) -> int | Decimal:
    """A YAML-friendly number: an int when whole."""
    return int(d) if d == d.to_integral_value() else d


# ------------------------------------------------------------------------------------------ rules check

def _groups_of(card: dict) -> dict[tuple, dict[str, Fraction]]:
    groups = {(): {d: Fraction(str(v["weight"])) for d, v in card["dimensions"].items()}}
    for d, v in card["dimensions"].items():
        if "kpis" in v:
            groups[(d,)] = {k: Fraction(str(kv["weight"])) for k, kv in v["kpis"].items()}
    return groups


def _locate(groups, path: str):
    dim, _, kpi = path.partition(".")
    group, member = ((dim,), kpi) if kpi else ((), dim)
    return (group, member) if group in groups and member in groups[group] else None


def _apply(groups: dict, rule: dict) -> bool:
    """Apply one rule's weight actions in place (SPEC: siblings rescaled to keep the total); False if
    the weights cannot be kept valid (a negative weight, points nobody can take)."""
    for action in rule["then"]:
        if "set" in action:
            for path, value in action["set"].items():
                at = _locate(groups, path)
                if at is None:
                    continue
                g, m = groups[at[0]], at[1]
                total, v = sum(g.values()), Fraction(str(value))
                rest = total - g[m]
                if v > total or (rest == 0 and v != total):
                    return False
                for k in g:
                    g[k] = v if k == m else (g[k] if rest == 0 else g[k] * (total - v) / rest)
        if "shift" in action:
            a, b = _locate(groups, action["shift"]["from"]), _locate(groups, action["shift"]["to"])
            if a is None or b is None or a[0] != b[0]:
                continue
            g, p = groups[a[0]], Fraction(str(action["shift"]["points"]))
            if g[a[1]] - p < 0:
                return False
            g[a[1]] -= p
            g[b[1]] += p
        if "drop" in action:
            drops = action["drop"] if isinstance(action["drop"], list) else [action["drop"]]
            for path in drops:
                at = _locate(groups, path)
                if at is None:
                    continue
                g, m = groups[at[0]], at[1]
                total = sum(g.values())
                rest = total - g[m]
                if rest == 0 and total != 0:
                    return False
                for k in g:
                    g[k] = Fraction(0) if k == m else g[k] * total / rest
    return True


def rules_break_weights(scorecards: dict, rules: list[dict]) -> bool:
    """Whether some set of the rules, applied in file order to some scorecard, breaks its weights.

    Conservative: every subset is tried (the validator skips rules it can prove never fire together,
    so whatever passes here passes there)."""
    for card in scorecards.values():
        base = _groups_of(card)
        for r in range(1, len(rules) + 1):
            for subset in combinations(rules, r):
                groups = {k: dict(v) for k, v in base.items()}
                if not all(_apply(groups, rule) for rule in subset):
                    return True
    return False


# ------------------------------------------------------------------------------------------ the generator

class RulesetGenerator:
    """Builds one ruleset and its :class:`Plan` from a :class:`Chooser`."""

    def __init__(self, ch: Chooser, period: Period, ruleset_id: str | None = None,
                 stored: tuple[str, str] | None = None, rhythm: Chooser | None = None):
        self.ch = ch
        self.rhythm = rhythm  # a rhythm case's chooser: periods: dimensions and net_of more often
        self.plan = Plan(period)
        self.ruleset_id = ruleset_id
        self.stored = stored  # (ruleset id, every): shorter periods' results in the store, for periods:/net_of
        self.metrics: dict[str, dict] = {}
        self.kpi_names: dict[str, dict[str, str]] = {}  # card -> {kpi key or dim.kpi: dim}
        self.formulas: dict[str, Any] = {}  # random formula metrics (generate.formulas), by name

    # -- small helpers

    def feature(self, name: str) -> None:
        self.plan.features.add(name)

    def use_metric(self, name: str) -> None:
        if name in self.metrics:
            return
        if name in DERIVED:
            formula, direction, unit, reads = DERIVED[name]
            for m in reads:
                self.use_metric(m)
            spec: dict[str, Any] = {"unit": unit, "formula": formula}
            if direction == "lower":
                spec["direction"] = "lower"
            self.feature("derived-metric")
        else:
            aggregate, direction, unit, _, _ = RAW[name]
            if self.ch.chance(0.08):  # any aggregate may roll up any raw metric
                aggregate = self.ch.choice(["sum", "mean", "min", "max", "first", "last"])
            spec = {"unit": unit, "aggregate": aggregate}
            if direction == "lower":
                spec["direction"] = "lower"
            self.plan.raw[name] = aggregate
            self.feature(f"aggregate-{aggregate}")
        if spec.get("direction") == "lower":
            self.feature("direction-lower")
        if self.ch.chance(0.15):
            spec["label"] = self.ch.choice([name.replace("_", " ").title(),
                                            {"en": name.replace("_", " ").title(), "zh-CN": "指标" + name[:3]}])
        self.metrics[name] = spec

    def context(self, key: str, value_type: str) -> str:
        """Register a context key the ruleset reads; its value is chosen with the cycle."""
        self.plan.context.setdefault(key, value_type)
        self.feature(f"context-{value_type}")
        return f"context.{key}"

    # -- conditions

    def condition(self, *, metrics_ok: bool = True, previous_ok: bool = True) -> str:
        """A rule or adjustment condition over attributes, context, tenure, previous and metrics."""
        kinds = [("attr", 4), ("bool", 3), ("list", 2), ("number-ctx", 1), ("tenure", 2), ("level", 2),
                 ("compound", 2), ("builtin", 1), ("arith", 1)]
        if previous_ok:
            kinds.append(("previous", 1))
        if metrics_ok and self.metrics:
            kinds.append(("metric", 1))
        kind = self.ch.weighted(kinds)
        if kind == "attr":
            self.feature("condition-attribute")
            return self.ch.choice([f'region == "{self.ch.choice(REGIONS)}"', 'team in ["t1", "t2"]',
                                   f'role != "{self.ch.choice(ROLES)}"', 'region != "north"'])
        if kind == "bool":
            text = self.context(self.ch.choice(["price_war", "new_market"]), "bool")
            return ("not " + text) if self.ch.chance(0.3) else text
        if kind == "list":
            if self.ch.chance(0.6):
                return f"region in {self.context('restricted_regions', 'list-str')}"
            return f"level in {self.context('senior_levels', 'list-num')}"
        if kind == "number-ctx":
            return f"{self.context('growth', 'number')} > {self.ch.choice(['1', '1.05', '0.9'])}"
        if kind == "tenure":
            self.plan.reads_tenure = True
            self.feature("tenure")
            pick = self.ch.choice(["tenure_months < 3", "tenure_months >= 12", "tenure_months < 6",
                                   "employed_share < 1"])
            if "employed_share" in pick:
                self.feature("employed-share")
            return pick
        if kind == "level":
            self.feature("condition-number-attribute")
            return self.ch.choice(["level >= 3", "level < 2", "level == 4"])
        if kind == "builtin":  # the built-in employee columns: text comparisons, dates as text
            self.feature("condition-builtin-column")
            return self.ch.choice(['hire_date < "2020-01-01"', 'leave_date != null', 'id != "E001"',
                                   'name in ["王芳", "Kim"]', 'locale == "zh-CN"', 'region not in ["east", "west"]'])
        if kind == "arith":  # arithmetic, the functions, unary minus
            self.feature("condition-arithmetic")
            return self.ch.choice(["abs(level - 3) <= 1", "round(level / 2, 1) >= 1.5", "-level < -2",
                                   "max(level, 1) * 2 > 5", "min(level, 3) + 0.5 != 2.5", "not (level > 2)"])
        if kind == "previous":
            self.feature("previous")
            grades = [g for g, _ in self.grades]
            pick = self.ch.sample(grades, 1, 2)
            return self.ch.choice([f"previous.grade in {_list(pick)}", f'previous.grade == "{pick[0]}"',
                                   "previous.score >= 90", f"previous.grade not in {_list(pick)}",
                                   "previous.bonus > 0", 'previous.scorecard == "rep"',
                                   f'previous.grade_uncalibrated == "{pick[-1]}"'])
        if kind == "metric":
            self.feature("condition-metric")
            m = self.ch.choice(list(self.metrics))
            return self.ch.choice([f"{m} > 0", f"{m} >= {self.ch.choice(['1', '0.5', '100'])}",
                                   f"{m} / 0 > 1", f"{m} * 2 - {m} == {m}"])
        self.feature("condition-compound")
        a = self.condition(metrics_ok=metrics_ok, previous_ok=previous_ok)
        b = self.condition(metrics_ok=False, previous_ok=False)
        return f"({a}) {self.ch.choice(['and', 'or'])} ({b})"

    # -- scorecards

    def curve(self) -> dict | None:
        kind = self.ch.weighted([("linear", 4), ("none", 1), ("bands", 2), ("points", 2)])
        self.feature(f"curve-{kind}")
        if kind == "none":
            return None
        if kind == "linear":
            out = {}
            if self.ch.chance(0.6):
                out["floor"] = _num(self.ch.choice([Decimal("0"), Decimal("0.5"), Decimal("0.8"), Decimal("1")]))
            if self.ch.chance(0.7):
                out["cap"] = _num(self.ch.choice([Decimal("1"), Decimal("1.2"), Decimal("1.5"), Decimal("2")]))
            if out.get("floor", 0) > out.get("cap", 1):
                out["cap"] = out["floor"]
            return out
        starts = sorted(self.ch.sample([Decimal(x) for x in ("0", "0.5", "0.7", "0.8", "0.9", "1", "1.1", "1.3")],
                                       1 if kind == "bands" else 2, 5))
        scores = sorted(Decimal(self.ch.integer(0, 150)) for _ in starts)
        if kind == "bands":
            return {"bands": [{"from": _num(a), "score": _num(s)} for a, s in zip(starts, scores)]}
        return {"points": [[_num(a), _num(s)] for a, s in zip(starts, scores)]}

    def _about(self, metric: str) -> tuple:
        """(direction, unit) of a catalogue metric or a random formula."""
        if metric in self.formulas:
            return self.formulas[metric].direction, self.formulas[metric].unit
        spec = RAW.get(metric) or DERIVED[metric]
        return spec[1], spec[2]

    def target(self, kpi: str) -> Any:
        metric = kpi
        if metric in self.formulas:
            return formula_target(self, self.ch, self.formulas[metric])
        kind = self.ch.weighted([("number", 5), ("metric", 2), ("column", 1), ("expression", 2)])
        if metric not in ("revenue", "collected") and kind == "metric":
            kind = "number"
        self.feature(f"target-{kind}")
        months = self.plan.period.count
        if kind == "number":
            if self.ch.chance(0.04):
                self.feature("target-zero")
                return 0
            if metric in RATIO_TARGETS:
                return _num(Decimal(self.ch.choice(RATIO_TARGETS[metric])))
            agg, _, _, lo, hi = RAW[metric]
            typical = (lo + hi) / 2 * (months if agg == "sum" else 1)
            return _num(Decimal(round(typical * self.ch.choice([0.8, 1, 1.1]))))
        if kind == "metric":
            src = "quota" if metric == "revenue" else "billed"
            self.use_metric(src)
            return src
        if kind == "column":
            self.plan.attributes["personal_target"] = "number"
            return "personal_target"
        # expression
        if metric == "revenue":
            self.use_metric("quota")
            pick = self.ch.choice(["quota * 1.1", "max(quota, 1000) * 0.9", "round(quota * 1.05, 0)",
                                   f"quota * {self.context('growth', 'number')}", "quota * min(tenure_months, 12) / 12",
                                   "quota - 0", "quota * employed_share"])
            if "employed_share" in pick:
                self.feature("employed-share")
            if "tenure_months" in pick:
                self.plan.reads_tenure = True
                self.feature("target-reads-tenure")
            return pick
        if metric == "complaint_rate" and self.ch.chance(0.5):
            self.use_metric("orders")
            return "5 / max(orders, 1)"
        if metric in RATIO_TARGETS:
            base = self.ch.choice(RATIO_TARGETS[metric])
            return self.ch.choice([f"{base} * {self.context('growth', 'number')}", f"min({base}, 1) + 0",
                                   f"{base} / 2 + {base} / 2"])
        agg, _, _, lo, hi = RAW[metric]
        typical = round((lo + hi) / 2 * (months if agg == "sum" else 1))
        self.plan.attributes["personal_target"] = "number"
        return self.ch.choice([f"{typical} * {self.context('growth', 'number')}", f"max(personal_target, {typical})",
                               f"personal_target / 2 + {typical} / 2"])

    def kpis_dimension(self, card: str, dim: str) -> dict:
        names = self.ch.sample(KPI_POOL, 1, 4)
        weights = partition(self.ch, len(names))
        kpis = {}
        for name, w in zip(names, weights):
            key, metric = name, name
            if self.ch.chance(0.07):  # a KPI keyed differently from the metric it reads
                key = f"{name}_kpi"
                self.feature("kpi-metric-key")
                if self.ch.chance(0.3) and names[0] in kpis and names[0] != name and f"{names[0]}_again" not in kpis:
                    key, metric = f"{names[0]}_again", names[0]  # two KPIs of one dimension read one metric
            self.use_metric(metric)
            spec: dict[str, Any] = {"weight": _num(w), "target": self.target(metric)}
            if key != metric:
                spec["metric"] = metric
            curve = self.curve()
            if curve is not None:
                spec["curve"] = curve
            if self.ch.chance(0.05):
                spec["label"] = {"en": key, "zh-CN": "关键指标"}
            kpis[key] = spec
            self.kpi_names.setdefault(card, {})[key] = dim
        return {"kpis": kpis}

    def feedback_dimension(self) -> dict:
        relations = self.ch.sample(RELATIONS, 1, 4)
        weights = partition(self.ch, len(relations))
        scale = self.ch.choice([Decimal(5), Decimal(5), Decimal(10), Decimal(4), Decimal("7.5")])
        fb: dict[str, Any] = {"scale": _num(scale), "sources": {r: _num(w) for r, w in zip(relations, weights)}}
        self.plan.relations.update(relations)
        self.plan.scales.append(scale)
        style = self.ch.weighted([("default", 3), ("number", 1), ("per-relation", 2)])
        # below 2 only manager and self are valid (rater anonymity, issue 16)
        if style == "number":
            fb["min_raters"] = self.ch.integer(1 if set(relations) <= {"manager", "self"} else 2, 3)
        elif style == "per-relation":
            keys = self.ch.sample(relations + (["self"] if "self" not in relations else []), 1, 3)
            fb["min_raters"] = {r: self.ch.integer(1 if r in ("manager", "self") else 2, 3) for r in keys}
        if self.ch.chance(0.3):
            fb["competencies"] = ["collaboration", "customer_focus", "integrity"]
            self.plan.competencies = True
        self.feature("dimension-feedback360")
        return {"feedback360": fb}

    def scorecards(self) -> dict:
        n = self.ch.weighted([(1, 1), (2, 3), (3, 3)])
        ids = ["rep", "lead", "default"][:n] if n < 3 else ["rep", "lead", "default"]
        catch_all = n == 1 and self.ch.chance(0.6) or n > 1 and self.ch.chance(0.8)
        applies = {"rep": ['role == "rep"', 'role in ["rep", "intern"]', 'role == "rep" and level < 4'],
                   "lead": ['role in ["lead", "manager"]', "level >= 3", 'role != "rep"'],
                   "default": ['role == "intern"', "tenure_months < 6", 'team == "t3"']}
        self.plan.roles = list(ROLES)
        cards: dict[str, dict] = {}
        feedback_sources = []
        growth_kind = self.ch.choice(["kpis", "kpis", "okr"])  # a name that is KPIs here and OKRs there
        for i, card in enumerate(ids):
            spec: dict[str, Any] = {}
            last = i == len(ids) - 1
            if not (last and catch_all):
                spec["applies_to"] = self.ch.choice(applies[card])
                if self.ch.chance(0.1):
                    spec["applies_to"] = f"({spec['applies_to']}) or {self.context('everyone_' + card, 'bool')}"
                    self.feature("applies-to-context")
                if "tenure_months" in spec["applies_to"]:
                    self.plan.reads_tenure = True
                self.feature("applies-to")
            else:
                self.feature("catch-all")
            if self.ch.chance(0.2):
                spec["label"] = self.ch.choice([card.title(), {"en": card.title(), "zh-CN": "岗位" + card}])
            dims = self.ch.sample(["results", "process", "customer", "growth", "objectives", "feedback"], 1, 4)
            if not any(d in KPI_DIMS and (d != "growth" or growth_kind == "kpis") for d in dims):
                dims = ["results", *dims][:4]
            weights = partition(self.ch, len(dims))
            dimensions: dict[str, dict] = {}
            for dim, w in zip(dims, weights):
                if dim == "objectives" or (dim == "growth" and growth_kind == "okr" and card != "rep"):
                    body: dict[str, Any] = {"okr": {}}
                    if self.ch.chance(0.3):
                        body["okr"]["aspirational_threshold"] = _num(self.ch.choice(
                            [Decimal("0.7"), Decimal("0.5"), Decimal("1")]))
                    self.plan.okr = True
                    self.feature("dimension-okr")
                    if dim == "growth":
                        self.feature("dimension-name-two-kinds")
                elif dim == "feedback":
                    body = self.feedback_dimension()
                    feedback_sources.append(body["feedback360"]["sources"])
                else:
                    body = self.kpis_dimension(card, dim)
                    self.feature("dimension-kpis")
                dimensions[dim] = {"weight": _num(w), **body}
                if self.ch.chance(0.1):
                    dimensions[dim]["label"] = {"en": dim.title(), "zh-CN": "维度"}
            if self.stored and (self.ch.chance(0.6) or self.rhythm is not None and self.rhythm.chance(0.7)):
                # the results of shorter periods, from the store
                dimensions = self.with_periods_dimension(dimensions)
            spec["dimensions"] = dimensions
            cards[card] = spec
        if len(feedback_sources) > 1 and any(s != feedback_sources[0] for s in feedback_sources):
            self.feature("shared-360-name-different-sources")
        shared = [k for k in KPI_POOL if sum(k in self.kpi_names.get(c, {}) for c in cards) > 1]
        if shared:
            self.feature("shared-kpi-names")
        return cards

    def with_periods_dimension(self, dimensions: dict) -> dict:
        """The dimensions plus one scoring the stored results of ``self.stored``'s ruleset (SPEC v2)."""
        rs_id, every = self.stored
        spec: dict[str, Any] = {"ruleset": rs_id, "every": every}
        if self.ch.chance(0.6):  # keyed for the whole year, so that the previous period finds its own too
            keys = {"month": [f"{m:02d}" for m in range(1, 13)], "quarter": ["Q1", "Q2", "Q3", "Q4"],
                    "half": ["H1", "H2"]}[every]
            spec["weights"] = {k: _num(w) for k, w in zip(keys, partition(self.ch, len(keys)))}
        weights = partition(self.ch, len(dimensions) + 1)
        out = {d: {**v, "weight": _num(w)} for (d, v), w in zip(dimensions.items(), weights)}
        out["history"] = {"weight": _num(weights[-1]), "periods": spec}
        self.feature("dimension-periods")
        return out

    def adjustments(self, cards: dict) -> None:
        for card in cards.values():
            if not self.ch.chance(0.4):
                continue
            items = []
            for j in range(self.ch.integer(1, 2)):
                items.append({"id": f"adj-{j}", "when": self.condition(previous_ok=True),
                              "points": _num(self.ch.choice([Decimal(-5), Decimal("2.5"), Decimal(1), Decimal(-120),
                                                             Decimal("0.01")]))})
                if self.ch.chance(0.3):
                    items[-1]["reason"] = {"en": "Because", "zh-CN": "原因"}
            card["adjustments"] = items
            self.feature("adjustments")

    # -- rules

    def paths(self, cards: dict) -> list[tuple[str, tuple, str]]:
        """(card, group, path) for every weight a rule could name."""
        out = []
        for c, card in cards.items():
            for d, dim in card["dimensions"].items():
                out.append((c, (), d))
                for k in dim.get("kpis", {}):
                    out.append((c, (d,), f"{d}.{k}"))
        return out

    def action(self, cards: dict) -> dict | None:
        every = self.paths(cards)
        # a member without siblings can only be set to 100 (or dropped by nobody): mostly pick those with some
        paths = [p for p in every if sum(1 for q in every if q[0] == p[0] and q[1] == p[1]) > 1]
        if not paths or self.ch.chance(0.1):
            paths = every
        kind = self.ch.weighted([("set", 3), ("set2", 1), ("shift", 3), ("drop", 2), ("drops", 1), ("scale", 2)])
        if kind in ("set", "set2"):
            _, _, path = self.ch.choice(paths)
            out = {path: _num(self.ch.decimal("0", "100", self.ch.choice([0, 0, 1, 2])))}
            if kind == "set2":
                _, _, other = self.ch.choice(paths)
                if other != path:
                    out[other] = _num(self.ch.decimal("0", "60", 0))
            return {"set": out}
        if kind == "shift":
            card, group, a = self.ch.choice(paths)
            siblings = [p for c, g, p in paths if c == card and g == group and p != a]
            if not siblings:
                return None
            return {"shift": {"from": a, "to": self.ch.choice(siblings),
                              "points": _num(self.ch.decimal("0.5", "30", self.ch.choice([0, 1])) or Decimal(1))}}
        if kind in ("drop", "drops"):
            if kind == "drops":
                picked = self.ch.sample(sorted({p for _, _, p in paths}), 2, 2)
                if len(picked) == 2:
                    return {"drop": picked}
            return {"drop": self.ch.choice(paths)[2]}
        refs = sorted({k for names in self.kpi_names.values() for k in names}
                      | {f"{d}.{k}" for names in self.kpi_names.values() for k, d in names.items()})
        if not refs:
            return None
        return {"scale_target": {self.ch.choice(refs): _num(self.ch.choice(
            [Decimal("0.5"), Decimal("0.8"), Decimal("1.25"), Decimal("2"), Decimal("0.001")]))}}

    def rules(self, cards: dict) -> list[dict]:
        rules: list[dict] = []
        for i in range(self.ch.integer(0, 6)):
            then = [a for a in (self.action(cards) for _ in range(self.ch.integer(1, 3))) if a is not None]
            if not then:
                continue
            rule: dict[str, Any] = {"id": f"rule-{i}"}
            if self.ch.chance(0.85):
                rule["when"] = self.condition()
            rule["then"] = then
            if self.ch.chance(0.15):
                rule["label"] = {"en": f"Rule {i}", "zh-CN": f"规则{i}"}
            if rules_break_weights(cards, rules + [rule]):
                self.feature("rule-thrown-away")
                continue
            rules.append(rule)
        for rule in rules:
            for action in rule["then"]:
                kind = next(iter(action))
                self.feature(f"action-{kind.replace('_', '-')}")
                if kind == "set" and len(action["set"]) > 1:
                    self.feature("action-set-two-paths")
                if kind == "drop" and isinstance(action["drop"], list):
                    self.feature("action-drop-list")
        if len(rules) > 1:
            self.feature("rules-may-fire-together")
        return rules

    # -- the rest

    def bonus(self, cards: dict) -> dict | None:
        # the attainment KPI: one KPI reference no scorecard finds twice
        refs = []
        for names in self.kpi_names.values():
            for key, dim in names.items():
                refs.append((key, dim))
        if not refs or self.ch.chance(0.12):
            return None
        incentive = self.ch.chance(0.3)  # README "Incentive plans": components instead of attainment and tiers
        if incentive:
            bonus: dict[str, Any] = {"target": "target_bonus", "components": self.components()}
            self.plan.attributes["target_bonus"] = "money"
        else:
            key, dim = self.ch.choice(refs)
            per_card = [sum(1 for v in c["dimensions"].values() if key in v.get("kpis", {})) for c in cards.values()]
            ref = f"{dim}.{key}" if max(per_card) > 1 or self.ch.chance(0.2) else key
            tiers_from = sorted(self.ch.sample([Decimal(x) for x in ("0", "0.5", "0.8", "0.9", "1", "1.2")], 1, 3))
            tiers = [{"from": _num(f), "pay": _num(self.ch.decimal("0", "0.8", 2))} for f in tiers_from]
            bonus = {"target": "target_bonus", "attainment": ref, "tiers": tiers}
            self.plan.attributes["target_bonus"] = "money"
        if not incentive and self.ch.chance(0.5):
            bonus["excess"] = {"above": _num(self.ch.choice([Decimal(1), Decimal("1.1"), Decimal("1.25"),
                                                             Decimal("0.9")])),
                               "rate": _num(self.ch.decimal("0", "0.1", 3))}
            self.feature("bonus-excess")
            if bonus["excess"]["above"] != 1:
                self.feature("bonus-excess-above-not-1")
        if self.ch.chance(0.6):
            grades = [g for g, _ in self.grades]  # best first
            values = sorted((self.ch.decimal("0", "1.5", 1) for _ in grades), reverse=True)
            # a grade left out pays × 1: leave one out only where 1 keeps the order (the grade above pays at
            # least 1, the one below at most 1), so the mapping stays valid
            mapping: dict[str, Any] = {}
            above = None
            for i, g in enumerate(grades):
                below = values[i + 1] if i + 1 < len(grades) else None
                if (len(mapping) or i < len(grades) - 1) and (above is None or above >= 1) \
                        and (below is None or below <= 1) and self.ch.chance(0.35):
                    above = Decimal(1)
                    continue
                mapping[g] = _num(values[i])
                above = values[i]
            if not mapping:
                mapping[grades[-1]] = _num(values[-1])
            bonus["multiplier"] = mapping
            self.feature("bonus-multiplier")
            if len(mapping) < len(grades):
                self.feature("bonus-multiplier-skips-grades")
        if self.ch.chance(0.6):
            bonus["cap"] = _num(self.ch.choice([Decimal("1.37"), Decimal("2"), Decimal("1.5"), Decimal("0.8333"),
                                                Decimal("0.005")]))
            self.feature("bonus-cap")
        if self.ch.chance(0.7):
            bonus["rounding"] = _num(self.ch.choice([Decimal(1), Decimal(10), Decimal("0.01"), Decimal(100),
                                                     Decimal(5)]))
            self.feature(f"bonus-rounding-{bonus['rounding']}")
        if self.ch.chance(0.3):
            bonus["target_period"] = self.ch.choice(["cycle", "month", "quarter", "half", "year"])
            self.feature(f"bonus-target-period-{bonus['target_period']}")
        if self.stored and (self.ch.chance(0.5) or self.rhythm is not None and self.rhythm.chance(0.6)):
            bonus["net_of"] = {"ruleset": self.stored[0], "every": self.stored[1]}
            if self.ch.chance(0.5):
                bonus["net_of"]["clawback"] = self.ch.chance(0.7)
            self.feature("bonus-net-of")
        self.settlement(bonus)
        self.feature("bonus")
        return bonus

    # -- incentive plans (README "Incentive plans"): components, marginal bands, draws, guarantees

    def components(self) -> dict:
        """One to three plan components, each valid on its own: a measure that is a declared metric rising with
        performance; bands (each starting where the one before ends, only the last open-ended), tiers or a rate
        per unit; a target and a share where the pay is a multiple of the component's target; a cap no lower than
        what the component pays as soon as it pays at all."""
        higher = [m for m in self.metrics if self._about(m)[0] == "higher"]
        if not higher:
            self.use_metric("revenue")
            higher = ["revenue"]
        out = {}
        for key in self.ch.sample(["commission", "spiff", "kicker", "team_bonus"], 1, 3):
            measure = self.ch.choice(higher)
            kind = self.ch.weighted([("bands", 5), ("tiers", 3), ("per_unit", 3)])
            spec: dict[str, Any] = {"measure": measure}
            if self.ch.chance(0.2):
                spec["label"] = self.ch.choice([key.title(), {"en": key.title(), "zh-CN": "组件" + key[:2]}])
            if kind != "per_unit" or self.ch.chance(0.3):
                spec["target"] = self.target(measure)
            if kind != "per_unit" or self.ch.chance(0.4):
                spec["share"] = _num(self.ch.decimal("0.05", "0.8", 2) or Decimal("0.1"))
            if kind == "bands":
                cuts = sorted(self.ch.sample([Decimal(x) for x in ("0.5", "0.8", "0.9", "1", "1.1", "1.2", "1.5")],
                                             0, 3))
                first = self.ch.choice([Decimal(0), Decimal(0), Decimal("0.3")])
                starts = [first] + [c for c in cuts if c > first]
                bands = []
                for i, start in enumerate(starts):
                    band: dict[str, Any] = {"from": _num(start)}
                    if i + 1 < len(starts):
                        band["to"] = _num(starts[i + 1])
                    elif self.ch.chance(0.15):
                        band["to"] = _num(start + self.ch.choice([Decimal("0.5"), Decimal(1)]))
                        self.feature("plan-band-closed")
                    band["rate"] = _num(self.ch.decimal("0", "2", self.ch.choice([0, 1, 2])))
                    bands.append(band)
                spec["bands"] = bands
            elif kind == "tiers":
                froms = sorted(self.ch.sample([Decimal(x) for x in ("0", "0.5", "0.8", "0.9", "1", "1.2")], 1, 3))
                spec["tiers"] = [{"from": _num(f), "pay": _num(self.ch.decimal("0", "0.8", 2))} for f in froms]
            else:
                unit = self._about(measure)[1]
                rates = {"money": ["0.01", "0.02", "0.005", "0.035"], "count": ["50", "100", "200", "25.5"]}
                spec["per_unit"] = _num(Decimal(self.ch.choice(rates.get(unit, ["1000", "500", "120.5"]))))
            if "target" in spec and self.ch.chance(0.2):
                spec["floor"] = _num(self.ch.choice([Decimal("0.5"), Decimal("0.8"), Decimal(1)]))
                self.feature("plan-floor")
            if "share" in spec and self.ch.chance(0.4):
                cap = self.ch.choice([Decimal("0.5"), Decimal(1), Decimal("1.5"), Decimal(2), Decimal(3)])
                if cap >= _pay_at_floor(spec):  # else every payout would be capped: the validator refuses it
                    spec["cap"] = _num(cap)
                    self.feature("plan-component-cap")
            out[key] = spec
            self.feature(f"plan-{kind.replace('_', '-')}")
        self.feature("plan-components")
        return out

    def settlement(self, bonus: dict) -> None:
        """Maybe a grade multiplier on components, a recoverable draw and a guarantee for new hires; both pay at
        most the total cap."""
        for spec in (bonus.get("components") or {}).values():
            if "multiplier" in bonus and self.ch.chance(0.3):
                spec["multiplier"] = True
                self.feature("plan-multiplier")
        top = Decimal(str(bonus["cap"])) if "cap" in bonus else None
        for key in ("draw", "guarantee"):
            if not self.ch.chance(0.25):
                continue
            pay = self.ch.decimal("0.1", "1.2", 2) or Decimal("0.5")
            if top is not None and pay > top:
                pay = top
            bonus[key] = {"pay": _num(pay)}
            if key == "guarantee":
                bonus[key]["months"] = self.ch.integer(1, 12)
                self.plan.reads_tenure = True
            self.feature(f"plan-{key}")

    def calibration(self) -> dict | None:
        grades = [g for g, _ in self.grades]
        if not self.ch.chance(0.6):
            return None
        cohort = self.ch.choice(["team", "region", "team", "level"])
        self.feature(f"calibration-cohort-{cohort}")
        capped = self.ch.sample(grades[:-1] or grades, 1, 3)
        shares = sorted(self.ch.decimal("0.05", "1", 2) for _ in capped)
        cal: dict[str, Any] = {"cohort": cohort, "max_share": {g: _num(s) for g, s in zip(capped, shares)}}
        if self.ch.chance(0.7):
            cal["min_cohort"] = self.ch.integer(1, 6)
        self.feature("calibration")
        return cal

    def boundary_calibration(self, ch: Chooser, cal: dict) -> None:
        """Shares whose allowed count is whole for many cohort sizes (0.25 of 4 or 8 is exactly 1 or 2), and now
        and then cohorts of one calibrated (``min_cohort: 1``)."""
        shares = sorted(ch.choice(BOUNDARY_SHARES) for _ in cal["max_share"])
        cal["max_share"] = {g: _num(s) for g, s in zip(cal["max_share"], shares)}
        self.feature("calibration-boundary-shares")
        if ch.chance(0.4):
            cal["min_cohort"] = 1
            self.feature("calibration-cohort-of-one")

    def edge_rules(self, ch: Chooser, cards: dict, rules: list[dict]) -> list[dict]:
        """Rules moved to the edges of their weights: a ``set`` to 0 or to 100, a ``shift`` of a member's whole
        weight (so it is left exactly 0); kept only where every combination stays valid."""
        base = {c: _groups_of(card) for c, card in cards.items()}
        out = [dict(r, then=[dict(a) for a in r["then"]]) for r in rules]
        for rule in out:
            for i, action in enumerate(rule["then"]):
                if "set" in action and ch.chance(0.6):
                    path = ch.choice(sorted(action["set"]))
                    rule["then"][i] = {"set": {**action["set"], path: ch.choice([0, 0, 100])}}
                elif "shift" in action and ch.chance(0.6):
                    weights = [b[at[0]][at[1]] for b in base.values() if (at := _locate(b, action["shift"]["from"]))]
                    if weights and min(weights) > 0:  # the whole (starting) weight: exact, as the YAML decimal
                        w = min(weights)
                        rule["then"][i] = {"shift": {**action["shift"],
                                                     "points": _num(Decimal(w.numerator) / Decimal(w.denominator))}}
        if rules_break_weights(cards, out):
            return rules
        if out != rules:
            self.feature("rules-at-weight-edges")
        return out

    def exact_points(self, cards: dict, bonus: dict | None) -> list[tuple[str, Decimal, str | None, str,
                                                                         list[Decimal]]]:
        """KPIs of a raw metric or a plain ratio with a number target (or a raw metric's times a number), and the
        attainments their ruleset names."""
        out = []
        for card in cards.values():
            for dname, dim in card["dimensions"].items():
                for key, spec in dim.get("kpis", {}).items():
                    metric, target = spec.get("metric", key), spec.get("target")
                    of = None
                    if isinstance(target, str):  # `quota`, `quota * 1.1`, `quota - 0`: a raw metric's times a number
                        name, _, factor = target.partition(" * ")
                        name = name.removesuffix(" - 0")
                        if name not in RAW or name not in self.plan.raw or factor and not \
                                factor.replace(".", "", 1).isdigit():
                            continue
                        of, target = name, Decimal(factor or 1)
                    if isinstance(target, bool) or not isinstance(target, (int, Decimal)) or target <= 0:
                        continue
                    if metric in RAW:
                        direction = RAW[metric][1]
                    elif metric in RATIOS:
                        direction = DERIVED[metric][1]
                    else:
                        continue
                    points = {Decimal(1)}
                    curve = spec.get("curve") or {}
                    points |= {Decimal(str(curve[k])) for k in ("floor", "cap") if k in curve}
                    points |= {Decimal(str(b["from"])) for b in curve.get("bands", [])}
                    points |= {Decimal(str(p[0])) for p in curve.get("points", [])}
                    if bonus and bonus.get("attainment") in (key, f"{dname}.{key}"):
                        points |= {Decimal(str(t["from"])) for t in bonus.get("tiers", [])}
                        if "excess" in bonus:
                            points.add(Decimal(str(bonus["excess"]["above"])))
                    out.append((metric, Decimal(str(target)), of, direction, sorted(p for p in points if p > 0)))
        return out

    def outcomes(self) -> list[dict]:
        grades = [g for g, _ in self.grades]
        pool = [
            lambda: {"id": "plan", "when": f"grade in {_list(grades[-2:])}", "plan": True},
            lambda: {"id": "star", "when": f'grade == "{grades[0]}" and previous.grade == "{grades[0]}"'},
            lambda: {"id": "rich", "when": "bonus > 1000", "label": {"en": "Big bonus", "zh-CN": "高奖金"}},
            lambda: {"id": "climb", "when": "score >= 90 or previous.score > 100"},
            lambda: {"id": "recal", "when": f'grade != grade_uncalibrated or grade_uncalibrated == "{grades[0]}"'},
            lambda: {"id": "paid", "when": "bonus >= previous.bonus and score - 1 > 0"},
            lambda: {"id": "watch", "when": self.condition(previous_ok=True), "plan": self.ch.chance(0.5)},
        ]
        out = [f() for f in self.ch.sample(pool, 0, 3)]
        if out:
            self.feature("outcomes")
        if any("previous" in o["when"] for o in out):
            self.feature("previous")
        return out

    def playbook(self, cards: dict) -> dict:
        keys = sorted({k for names in self.kpi_names.values() for k in names}
                      | {d for c in cards.values() for d in c["dimensions"]} | {"feedback360"})
        out = {}
        for key in self.ch.sample(keys, 0, 3):
            out[key] = {"focus": self.ch.choice([f"Improve {key}", {"en": f"Improve {key}", "zh-CN": "提升"}]),
                        "actions": ["Weekly review", {"en": "Coaching", "zh-CN": "辅导"}][:self.ch.integer(1, 2)]}
        if out:
            self.feature("playbook")
        return out

    def build(self) -> dict:
        ch = self.ch
        self.grades = ch.choice(GRADE_SETS)
        data: dict[str, Any] = {"id": self.ruleset_id or ch.choice(["sales", "gen-rules", "team_2026"]),
                                "version": "2026.1"}
        if ch.chance(0.3):
            data["title"] = {"en": "Generated", "zh-CN": "生成的考核"}
        if ch.chance(0.3):
            data["currency"] = ch.choice(["CNY", "EUR"])
        if ch.chance(0.3):
            data["locale"] = ch.choice(["en", "zh-CN"])
        missing = ch.choice([None, "redistribute", "zero", "error"])
        if missing:
            data["missing"] = missing
        self.feature(f"missing-{missing or 'default'}")
        proration = ch.weighted([(None, 7), ("days", 3), ("none", 1)])
        if proration:
            data["proration"] = proration
            self.feature(f"proration-{proration}")
        self.plan.attributes.update({"role": "string", "team": "string", "region": "string", "level": "number"})
        cards = self.scorecards()
        formulas = side(ch, "formulas")  # (a chooser of its own: rulesets without them stay as they were)
        if formulas.chance(0.3):
            add_formulas(self, formulas, cards, RAW, DERIVED)
        self.adjustments(cards)
        formula_adjustment(self, formulas, cards)
        rules = self.rules(cards)
        bonus = self.bonus(cards)
        calibration = self.calibration()
        outcomes = self.outcomes()
        playbook = self.playbook(cards)
        for name in sorted(set(self.plan.raw) - {"revenue"}):  # a metric the data may lack entirely
            if ch.chance(0.08):
                self.metrics[name]["optional"] = True
                self.plan.optional.add(name)
                self.feature("metric-optional")
        if ch.chance(0.25):
            self.plan.attributes["joined_on"] = "date"  # a declared date column no expression reads
        teams = side(ch, "rollups")
        if teams.chance(0.2):  # some KPIs read team roll-ups (README "Team roll-up and split credit")
            add_rollups(teams, cards, self.metrics, self.plan)
        # edges (a chooser of their own, so cases without them stay as they were): quota boundaries of
        # calibration, rules that leave a weight at exactly 0 or 100, the attainments the data may hit exactly
        edges = side(ch, "edges")
        if calibration and edges.chance(0.3):
            self.boundary_calibration(edges, calibration)
        if rules and edges.chance(0.2):
            rules = self.edge_rules(edges, cards, rules)
        self.plan.exact = self.exact_points(cards, bonus)
        data["attributes"] = dict(self.plan.attributes)
        data["metrics"] = self.metrics
        data["scorecards"] = cards
        if rules:
            data["rules"] = rules
        data["grades"] = [{"grade": g, "min": _num(Decimal(m))} for g, m in self.grades]
        if ch.chance(0.2):
            data["grades"][0]["label"] = {"en": "Top", "zh-CN": "优秀"}
        if calibration:
            data["calibration"] = calibration
        if bonus:
            data["bonus"] = bonus
        if outcomes:
            data["outcomes"] = outcomes
        if playbook:
            data["playbook"] = playbook
        if ch.chance(0.4):
            data["plan"] = {k: v for k, v in (("max_focus_areas", ch.integer(1, 5)),
                                              ("horizon_weeks", ch.integer(1, 26))) if ch.chance(0.7)}
            self.feature("plan")
        return data


def _pay_at_floor(spec: dict) -> Decimal:
    """What a component pays (per unit of its target) at the first attainment it pays anything: the bands' pay
    up to its floor, or the tiers reached where the first paying tier (or the floor) lies."""
    floor = Decimal(str(spec.get("floor", 0)))
    if "bands" in spec:
        total = Decimal(0)
        for b in spec["bands"]:
            start = Decimal(str(b["from"]))
            top = floor if "to" not in b else min(floor, Decimal(str(b["to"])))
            if top > start:
                total += Decimal(str(b["rate"])) * (top - start)
        return total
    if "tiers" in spec:
        paying = [Decimal(str(t["from"])) for t in spec["tiers"] if Decimal(str(t["pay"])) > 0]
        if not paying:
            return Decimal(0)
        first = max(floor, min(paying))
        return sum((Decimal(str(t["pay"])) for t in spec["tiers"] if Decimal(str(t["from"])) <= first), Decimal(0))
    return Decimal(0)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


def generate_ruleset(ch: Chooser, period: Period, ruleset_id: str | None = None,
                     stored: tuple[str, str] | None = None, rhythm: Chooser | None = None) -> tuple[dict, Plan]:
    """A valid ruleset (plain data) and the plan its data must follow.

    ``stored``: ``(ruleset id, every)`` of shorter periods' results the store will hold; then some
    scorecards get a ``periods:`` dimension and the bonus may be paid ``net_of`` them (SPEC v2)."""
    gen = RulesetGenerator(ch, period, ruleset_id, stored, rhythm)
    return gen.build(), gen.plan


def merged(plans: list[Plan]) -> Plan:
    """One plan for data that several rulesets read (a metric may be left out only if none needs it)."""
    out = Plan(plans[0].period)
    for p in plans:
        out.attributes.update(p.attributes)
        out.raw.update(p.raw)
        out.relations |= p.relations
        out.scales += p.scales
        out.okr |= p.okr
        out.competencies |= p.competencies
        out.reads_tenure |= p.reads_tenure
        out.features |= p.features
        out.exact += p.exact
    out.optional = {m for m in out.raw if all(m in p.optional for p in plans if m in p.raw)}
    out.context = dict(plans[0].context)
    out.main = plans[0]
    return out
