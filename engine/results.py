"""Shape an :class:`~appraise.evaluate.Evaluation` into the results.json document of SPEC.

Intermediate numbers are rounded half-up to 4 decimals, the score to 2;
money is a decimal string at the ruleset's rounding unit.  Keys beyond SPEC
(``name``, ``tenure_months``, ``plan``, ``bonus_detail``, ``calibration``)
serve the dashboards and the explainer.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .compile import Ruleset, Scorecard
from .evaluate import Evaluation, lost_key, missing_items, outcomes_held, rules_fired


def r4(x) -> float | None:
    """Round half-up to 4 decimals (None stays None)."""
    if x is None:
        return None
    return float(Decimal(repr(float(x))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def money(value, ruleset: Ruleset) -> str | None:
    """A bonus amount as a decimal string at the ruleset's rounding unit."""
    if value is None:
        return None
    unit = ruleset.bonus.rounding if ruleset.bonus else Decimal(1)
    exp = min(unit.normalize().as_tuple().exponent, 0)
    return format(Decimal(value).quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_UP), "f")


def focus_areas(lost: dict[str, float], limit: int) -> list[str]:
    """Items that lost the most weighted points, biggest first, ties by key."""
    ranked = sorted(((round(v, 9), k) for k, v in lost.items() if v and v > 1e-12), key=lambda t: (-t[0], t[1]))
    return [k for _, k in ranked[:limit]]


def employee_result(row: dict[str, Any], ruleset: Ruleset, objectives: list[dict] | None = None) -> dict[str, Any]:
    """One employee's results.json entry from a row of the result frame (``objectives``: their OKR progress rows)."""
    card: Scorecard = ruleset.scorecard(row["scorecard"])
    dims: dict[str, Any] = {}
    kpis: dict[str, Any] = {}
    lost: dict[str, float] = {}
    for d in card.dimensions:
        entry: dict[str, Any] = {"weight": r4(row[f"w.{d.key}"]), "score": None}
        score = row.get(f"d.{d.key}.score")
        if row[f"w.{d.key}"] and score is not None:
            entry["score"] = r4(score)
        elif score is not None:
            entry["score"] = r4(score)
        if d.kind == "feedback360":
            relations = [r for r, _ in d.feedback.sources] + ([] if "self" in dict(d.feedback.sources) else ["self"])
            entry["sources"] = {r: r4(row.get(f"f.{d.key}.{r}.score")) for r in relations
                                if row.get(f"f.{d.key}.{r}.score") is not None}
            entry["raters"] = {r: row.get(f"f.{d.key}.{r}.raters") for r in entry["sources"]}
        if not row.get(f"d.{d.key}.has_data", True) and not row[f"w.{d.key}"]:
            entry["score"] = None
        if d.kind == "okr" and objectives:
            entry["objectives"] = [{
                "objective": o["objective"], "type": o["type"], "progress": r4(o["progress"]),
                "score": r4(100 * (min(o["progress"] / d.aspirational_threshold, 1.0)
                                   if o["type"] == "aspirational" else o["progress"]))} for o in objectives]
        dims[d.key] = entry
        for k in d.kpis:
            kpis[k.path] = {
                "actual": r4(row[f"k.{k.path}.actual"]),
                "target": r4(row[f"k.{k.path}.target"]),
                "attainment": r4(row[f"k.{k.path}.attainment"]),
                "score": r4(row[f"k.{k.path}.score"]) if row[f"w.{k.path}"] or row[f"wr.{k.path}"] == 0 else None,
                "weight": r4(row[f"w.{k.path}"]),
            }
            if row[f"wr.{k.path}"] == 0:
                kpis[k.path]["dropped_by_rule"] = True
            v = row.get(f"lost.{lost_key(card, k)}") or 0.0
            if v > 1e-12:
                lost[lost_key(card, k)] = v
        if d.kind != "kpis":
            v = row.get(f"lost.{d.key}") or 0.0
            if v > 1e-12:
                lost[d.key] = v
    focus = focus_areas(lost, ruleset.plan.max_focus_areas)
    ordered = dict(sorted(lost.items(), key=lambda kv: (-round(kv[1], 9), kv[0])))
    outcomes = outcomes_held(ruleset, row)
    plan = any(o.plan for o in ruleset.outcomes if o.id in outcomes)
    out: dict[str, Any] = {
        "id": row["id"],
        "name": row["name"],
        "scorecard": card.key,
        "score": round(float(row["score"]), 2),
        "grade": row["grade"],
        "grade_uncalibrated": row["grade_uncalibrated"],
        "bonus": money(row.get("bonus"), ruleset),
        "rules_fired": rules_fired(ruleset, row),
        "adjustments": [{"id": a.id, "points": a.points if a.points != int(a.points) else int(a.points)}
                        for a in card.adjustments if row.get(f"adj.{a.id}")],
        "missing": missing_items(ruleset, row),
        "outcomes": outcomes,
        "plan": plan,
        "focus_areas": focus,
        "lost_points": {k: r4(v) for k, v in ordered.items()},
        "dimensions": dims,
        "kpis": kpis,
        "tenure_months": int(row["tenure_months"]) if row.get("tenure_months") is not None else None,
    }
    if ruleset.calibration:
        out["calibration"] = {"cohort": row.get(f"attr.{ruleset.calibration.cohort}", row.get(ruleset.calibration.cohort)),
                              "cohort_size": row.get("cohort_size"), "applied": bool(row.get("calibrated"))}
    if ruleset.bonus:
        out["bonus_detail"] = {
            "target": money(row.get(f"money.{ruleset.bonus.target}"), ruleset) if row.get(f"money.{ruleset.bonus.target}") is not None else None,
            "attainment": r4(row.get("bonus.attainment")),
            "tiers_reached": row.get("bonus.tiers_reached"),
            "tier_pay": _plain(row.get("bonus.tier_pay")),
            "multiplier": _plain(row.get("bonus.multiplier")),
            "excess": _plain(row.get("bonus.excess")),
            "uncapped": _plain(row.get("bonus.uncapped")),
            "cap": _plain(row.get("bonus.cap")),
        }
    return out


def _plain(value) -> str | None:
    if value is None:
        return None
    d = Decimal(value).normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral() else d, "f")


def results_document(ev: Evaluation) -> dict[str, Any]:
    """The whole results.json document."""
    rs = ev.ruleset
    okrs: dict[str, list[dict]] = {}
    if ev.objectives is not None:
        for o in ev.objectives.iter_rows(named=True):
            okrs.setdefault(o["id"], []).append(o)
    return {
        "cycle": ev.period.id,
        "ruleset": {"id": rs.id, "version": rs.version, "sha256": rs.sha256},
        "currency": rs.currency,
        "employees": [employee_result(row, rs, okrs.get(row["id"])) for row in ev.frame.iter_rows(named=True)],
        "errors": [{"employee": e.employee, "stage": e.stage, "message": e.message} for e in ev.errors],
        "warnings": list(ev.warnings),
    }
