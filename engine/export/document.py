"""Shape an :class:`~appraise.core.evaluate.Evaluation` into the results.json document of SPEC.

Intermediate numbers are rounded half-up to 4 decimals, the score to 2;
money is a decimal string at the ruleset's rounding unit.  Keys beyond SPEC
(``name``, ``tenure_months``, ``plan``, ``bonus_detail``, ``calibration``)
serve the dashboards and the explainer.
"""
from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, cast

from appraise.core.evaluate import Evaluation, item_paths, lost_key
from appraise.export.incentives import plan_fields
from appraise.language.compile import Ruleset, Scorecard


def r4(x) -> float | None:
    """Round half-up to 4 decimals (None stays None), exactly as :func:`appraise.language.expr.polars_round_half_up`
    rounds whole columns: binary noise 6 digits further down is rounded away first, so 108.26499999999
    (the float nearest 108.265 after arithmetic) becomes 108.265 and then 108.27."""
    if x is None:
        return None
    y = round(float(x) * 10000.0, 6)
    return (math.floor(abs(y) + 0.5) * (1.0 if y > 0 else -1.0) / 10000.0) or 0.0


def money(value, ruleset: Ruleset) -> str | None:
    """A bonus amount as a decimal string at the ruleset's rounding unit, or with more decimals when it has them
    (an amount netted against a ruleset that rounds finer: 5,500 − 1,178.58 is 4321.42, never "4321")."""
    if value is None:
        return None
    unit = ruleset.bonus.rounding if ruleset.bonus else Decimal(1)
    exp = min(int(unit.normalize().as_tuple().exponent), 0)  # a rounding unit is finite (schema)
    d = Decimal(value)
    own = d.normalize().as_tuple().exponent
    if isinstance(own, int) and own < exp:
        exp = own
    return format(d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP), "f")


def focus_areas(lost: dict[str, float], limit: int) -> list[str]:
    """Items that lost the most weighted points, biggest first, ties by key."""
    ranked = sorted(((round(v, 9), k) for k, v in lost.items() if v and v > 1e-12), key=lambda t: (-t[0], t[1]))
    return [k for _, k in ranked[:limit]]


class _CardLayout:
    """Column names of one scorecard's results, worked out once per document rather than per employee."""

    def __init__(self, card: Scorecard, ruleset: Ruleset, period=None):
        self.card = card
        # the sub-periods bonus.net_of settles, in order (each listed in bonus_detail.paid or .not_stored)
        net = ruleset.bonus.net_of if ruleset.bonus is not None else None
        self.settled = tuple(p.id for p in period.subperiods(net.every)) if net is not None and period else ()
        # rules fired, outcomes held and items missing, in file and scorecard order
        self.rules = tuple((r.id, f"rule.{r.id}") for r in ruleset.rules)
        self.outcomes = tuple((o.id, f"outcome.{o.id}", o.plan) for o in ruleset.outcomes)
        self.missing = tuple((item, f"miss.{item}") for item in item_paths(card, period))
        self.adjustments = tuple((a, f"adj.{a.id}") for a in card.adjustments)
        self.dims = []
        for d in card.dimensions:
            sources: tuple[tuple[str, str, str], ...] = ()
            subperiods: tuple[tuple[str, str], ...] = ()
            self_col = None
            if d.kind == "periods" and period is not None:
                assert d.periods is not None  # a periods dimension always has its periods (compile)
                subperiods = tuple((p.id, f"p.{d.key}.{p.id}") for p, _ in d.periods.parts(period))
            if d.kind == "feedback360":
                assert d.feedback is not None  # a feedback360 dimension always has its sources (compile)
                sources = tuple((r, f"f.{d.key}.{r}.score", f"f.{d.key}.{r}.raters") for r, _ in d.feedback.sources)
                if "self" not in dict(d.feedback.sources):  # shown beside the scored sources, not one of them
                    self_col = f"f.{d.key}.self.score"
            kpis = tuple((k.path, f"k.{k.path}.actual", f"k.{k.path}.target", f"k.{k.path}.attainment",
                          f"k.{k.path}.score", f"w.{k.path}", f"wr.{k.path}", f"lost.{lost_key(card, k)}",
                          lost_key(card, k)) for k in d.kpis)
            self.dims.append((d, f"w.{d.key}", f"d.{d.key}.score", f"d.{d.key}.has_data", sources, self_col, kpis,
                              f"lost.{d.key}", subperiods))


def _rounded_row(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with its numbers rounded as :func:`employee_results` rounds whole frames (lost points stay
    exact for ranking, their rounded copies beside them)."""
    out = {k: r4(v) if isinstance(v, float) and _rounded(k) else v for k, v in row.items()}
    out.update({k + _R4: r4(v) for k, v in row.items() if k.startswith("lost.") and isinstance(v, float)})
    return out


def _rounded(column: str) -> bool:
    """Whether a result column's numbers appear rounded to 4 decimals."""
    return column.startswith(("k.", "w.", "d.", "f.", "p.")) and not column.endswith(".has_data") \
        or column == "bonus.attainment"


def employee_result(row: dict[str, Any], ruleset: Ruleset, objectives: list[dict] | None = None, *,
                    layout: _CardLayout | None = None, rounded: bool = False, period=None,
                    overrides: dict | None = None, paid: dict | None = None) -> dict[str, Any]:
    """One employee's results.json entry from a row of the result frame (``objectives``: their OKR progress rows).

    ``rounded`` says the row's numbers were already rounded to 4 decimals (by :func:`results_document`,
    in one vectorised pass); otherwise they are rounded here.
    """
    card = layout.card if layout else cast(Scorecard, ruleset.scorecard(row["scorecard"]))
    layout = layout or _CardLayout(card, ruleset, period)
    if not rounded:
        row = _rounded_row(row)
    get = row.get
    dims: dict[str, Any] = {}
    kpis: dict[str, Any] = {}
    lost: dict[str, float] = {}
    rounded_lost: dict[str, float] = {}
    for d, w_col, score_col, has_col, sources, self_col, kpi_cols, lost_col, subperiods in layout.dims:
        weight = row[w_col]
        score = get(score_col)
        entry: dict[str, Any] = {"weight": weight, "score": score}
        if sources:
            entry["sources"] = {r: get(sc) for r, sc, _ in sources if get(sc) is not None}
            entry["raters"] = {r: get(rc) for r, sc, rc in sources if get(sc) is not None}
        if self_col is not None and get(self_col) is not None:
            entry["self"] = get(self_col)
        if subperiods:
            entry["periods"] = {pid: get(col) for pid, col in subperiods}
        if not get(has_col, True) and not weight:
            entry["score"] = None
        if d.kind == "okr" and objectives:
            scored = f"score@{d.aspirational_threshold}"  # rounded by _objectives_by_employee
            entry["objectives"] = [{"objective": o["objective"], "type": o["type"], "progress": o["progress" + _R4],
                                    "score": o[scored]} for o in objectives]
        dims[d.key] = entry
        for path, a_col, t_col, att_col, s_col, kw_col, wr_col, l_col, l_key in kpi_cols:
            ruled = row[wr_col]
            kw = row[kw_col]
            item = {"actual": row[a_col], "target": row[t_col], "attainment": row[att_col],
                    "score": row[s_col] if kw or ruled == 0 else None, "weight": kw}
            if ruled == 0:
                item["dropped_by_rule"] = True
            kpis[path] = item
            v = get(l_col) or 0.0
            if v > 1e-12:
                lost[l_key] = v
                rounded_lost[l_key] = row[l_col + _R4]
        if d.kind != "kpis":
            v = get(lost_col) or 0.0
            if v > 1e-12:
                lost[d.key] = v
                rounded_lost[d.key] = row[lost_col + _R4]
    focus = focus_areas(lost, ruleset.plan.max_focus_areas)
    ordered = sorted(lost.items(), key=lambda kv: (-round(kv[1], 9), kv[0]))
    outcomes = [o for o, col, _ in layout.outcomes if get(col)]
    plan = any(p for _, col, p in layout.outcomes if p and get(col))
    fired = [r for r, col in layout.rules if get(col)]
    missing = [item for item, col in layout.missing if get(col)]
    adjustments = [a for a, col in layout.adjustments if get(col)]
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "scorecard": card.key,
        "score": round(float(row["score"]), 2),
        "grade": row["grade"],
        "grade_uncalibrated": row["grade_uncalibrated"],
        "bonus": money(get("bonus"), ruleset),
        "rules_fired": fired,
        "adjustments": [{"id": a.id, "points": a.points if a.points != int(a.points) else int(a.points)}
                        for a in adjustments],
        "missing": missing,
        "outcomes": outcomes,
        "plan": plan,
        "focus_areas": focus,
        "lost_points": {k: rounded_lost[k] for k, _ in ordered},
        "dimensions": dims,
        "kpis": kpis,
        "tenure_months": int(row["tenure_months"]) if get("tenure_months") is not None else None,
    }
    if ruleset.proration == "days":
        out["employed_share"] = r4(get("employed_share"))
    if ruleset.bonus and ruleset.bonus.net_of is not None:
        out["bonus_gross"] = money(get("bonus.gross"), ruleset)
        out["bonus_paid"] = money(get("bonus.paid"), ruleset)
    if get("override.applied"):
        o = (overrides or {}).get(row["id"])
        change: dict[str, Any] = {}
        score_from = get("override.score_from")
        if score_from is not None:
            change["score"] = [round(float(score_from), 2), round(float(row["score"]), 2)]
        if get("override.grade_from") != row["grade"]:  # SPEC v2: whenever the grade changed
            change["grade"] = [get("override.grade_from"), row["grade"]]
        out["override"] = {**change, **(o.record() if o is not None else {})}
    if ruleset.calibration:
        out["calibration"] = {"cohort": get(f"attr.{ruleset.calibration.cohort}", get(ruleset.calibration.cohort)),
                              "cohort_size": get("cohort_size"), "applied": bool(get("calibrated"))}
    if ruleset.bonus:
        target = get(f"money.{ruleset.bonus.target}")
        out["bonus_detail"] = {
            "target": _plain(target),                  # as written: the arithmetic uses it exactly
            "attainment": get("bonus.attainment"),
            "tiers_reached": get("bonus.tiers_reached"),
            "tier_pay": _plain(get("bonus.tier_pay")),
            "multiplier": _plain(get("bonus.multiplier")),
            "excess": _plain(get("bonus.excess")),
            "uncapped": _plain(get("bonus.uncapped")),
            "cap": _plain(get("bonus.cap")),
        }
        if ruleset.bonus.net_of is not None:  # what each sub-period's run paid (null: nothing), as netted
            mine = (paid or {}).get(row["id"], {})
            out["bonus_detail"]["paid"] = dict(sorted(mine.items()))
            # the sub-periods netted as 0 because nothing is stored (or given) of them for this person
            out["bonus_detail"]["not_stored"] = [p for p in layout.settled if p not in mine]
        if ruleset.bonus.target_period != "cycle" or ruleset.proration == "days":
            out["bonus_detail"]["target_cycle"] = _plain(get("bonus.target_cycle"))  # after target_period, proration
        if ruleset.bonus.incentive:  # components, guarantee, draw, year to date (README "Incentive plans")
            plan_fields(out, get, ruleset, money, r4)
    return out


@lru_cache(maxsize=4096)  # multipliers, caps and tier pay repeat across a company
def _plain(value) -> str | None:
    if value is None:
        return None
    d = Decimal(value).normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral() else d, "f")


_R4 = "~r4"  # suffix of a rounded copy kept beside the exact value (lost points, OKR progress)


def rounded_table(frame):
    """:func:`~appraise.export.columns.rounded_frame` of any rows of an engine's frame (a chunk of them): every
    column the document rounds (``_rounded``) half-up to 4 decimals, and beside each ``lost.<key>`` its rounded copy
    ``lost.<key>~r4``."""
    import polars as pl

    floats = [c for c, t in frame.schema.items() if t == pl.Float64]
    return half_up(frame, [(c, c) for c in floats if _rounded(c)]
                   + [(c, c + _R4) for c in floats if c.startswith("lost.")], 4)


FAST_ROUND = True  # half_up's columns of constants (False: polars_round_half_up itself; tests)


def half_up(frame, pairs, digits: int):
    """``frame`` with, for each ``(column, name)`` of ``pairs``, ``polars_round_half_up(column, digits)`` as
    ``name``: the same operations on each value (``appraise.language.expr.compiler.polars_round_half_up``: x =
    round(v × 10^digits, 6), k = floor(|x| + 0.5) × sign(x), k / 10^digits + 0.0 for -0.0), but the divisor and
    the zero read from two columns of constants made once for the frame rather than made for each column from its
    nulls (``0.0 × is_null + 10^digits``: the same numbers).  The divisor must be a column of values, not a
    literal or polars' constant column: polars divides by a constant through its reciprocal (19844 × 1e-4 is
    1.9844000000000002, 19844 / 1e4 is 1.9844); ``tests/test_export_shared.py`` compares the bits with
    polars_round_half_up's."""
    import polars as pl

    from appraise.language.expr.compiler import half_up_by, polars_round_half_up

    if not FAST_ROUND or frame.height == 0 or not pairs:
        return frame.with_columns([polars_round_half_up(pl.col(c), digits).alias(name) for c, name in pairs])
    scale = 10.0 ** digits
    div, zero = "~half_up.div", "~half_up.zero"

    def rounded(c: str):
        return half_up_by(pl.col(c), scale, lambda k: k / pl.col(div) + pl.col(zero), columns=True)

    constants = [pl.Series(div, [scale], dtype=pl.Float64).extend_constant(scale, frame.height - 1),
                 pl.Series(zero, [0.0], dtype=pl.Float64).extend_constant(0.0, frame.height - 1)]
    return frame.with_columns(constants).with_columns([rounded(c).alias(name) for c, name in pairs]).drop(div, zero)


def employee_results(ev: Evaluation, rows=None) -> list[dict[str, Any]]:
    """Every employee's entry, in the frame's (id) order (``rows``: only the frame's rows at these positions).

    Numbers are rounded half-up to 4 decimals in one vectorised polars pass
    (the same rule as :func:`r4`); lost points stay exact until they are
    ranked, so ties are broken on the true values.
    """
    frame = rounded_table(ev.frame if rows is None else ev.frame[rows])
    layouts = {card.key: _CardLayout(card, ev.ruleset, ev.period) for card in ev.ruleset.scorecards}
    okrs = _objectives_by_employee(ev)
    paid = paid_by_employee(ev)
    out = []
    for row in frame.iter_rows(named=True):
        out.append(employee_result(row, ev.ruleset, okrs.get(row["id"]), layout=layouts[row["scorecard"]],
                                   rounded=True, overrides=ev.overrides, paid=paid))
    return out


def paid_by_employee(ev: Evaluation) -> dict[str, dict[str, str | None]]:
    """``{id: {period: bonus}}``: what the runs ``bonus.net_of`` nets paid each employee."""
    plan = ev.ruleset.bonus
    if ev.paid is None or plan is None or plan.net_of is None:
        return {}
    out: dict[str, dict[str, str | None]] = {}
    for emp, rs, period, bonus in ev.paid.select("employee", "ruleset", "period", "bonus").iter_rows():
        if rs == plan.net_of.ruleset:
            out.setdefault(emp, {})[period] = bonus
    return out


@contextmanager
def no_cyclic_gc():
    """Pause Python's cyclic garbage collector.  Building a document allocates millions of small dicts
    and lists and no cycles; the collector would scan everything built so far again and again (40% of
    the time for 100,000 employees).  Reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def results_document(ev: Evaluation) -> dict[str, Any]:
    """The whole results.json document."""
    with no_cyclic_gc():
        return _results_document(ev)


def _objectives_by_employee(ev: Evaluation) -> dict[str, list[dict]]:
    """Each employee's objectives, with progress and each aspirational threshold's score (the ``score@<threshold>``
    columns the core computed, :func:`appraise.core.rollup.okr_scores`) rounded in one vectorised pass
    (``progress~r4``, ``score@<threshold>``)."""
    import polars as pl

    from appraise.language.expr import polars_round_half_up

    okrs: dict[str, list[dict]] = {}
    if ev.objectives is None:
        return okrs
    scores = [c for c in ev.objectives.columns if c.startswith("score@")]
    objectives = ev.objectives.with_columns(
        polars_round_half_up(pl.col("progress"), 4).alias("progress" + _R4),
        *(polars_round_half_up(pl.col(c), 4).alias(c) for c in scores))
    for o in objectives.iter_rows(named=True):
        okrs.setdefault(o["id"], []).append(o)
    return okrs


def _results_document(ev: Evaluation) -> dict[str, Any]:
    return {**document_head(ev), "employees": employee_results(ev), **document_tail(ev)}


def document_head(ev: Evaluation) -> dict[str, Any]:
    """The keys of the results.json document before ``employees``, in order."""
    rs = ev.ruleset
    return {"cycle": ev.period.id, "ruleset": {"id": rs.id, "version": rs.version, "sha256": rs.sha256},
            "currency": rs.currency}


def document_tail(ev: Evaluation) -> dict[str, Any]:
    """The keys of the results.json document after ``employees``, in order."""
    return {"not_covered": len(ev.not_covered),
            "errors": [{"employee": e.employee, "stage": e.stage, "message": e.message} for e in ev.errors],
            "warnings": list(ev.warnings)}
