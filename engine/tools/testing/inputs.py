"""A test case's ``given`` employees as the engine's input tables.

They are the keyword arguments of :func:`~appraise.pipeline.evaluate_tables`.  Employees merge over the file's
``defaults``; metrics given as one mapping are period values, a list of rows with a ``month`` are monthly rows; 360
ratings, OKRs, the previous period's result, scores of shorter periods and bonuses already paid become their own
tables; so do an incentive plan's ``draw_balance`` (carried in) and ``paid_this_year`` (``{period: amount}``).
"""
from __future__ import annotations

from typing import Any

BUILT_IN = ("id", "name", "hire_date", "leave_date", "locale")
# what a given employee holds besides employee columns
PLAN_KEYS = ("metrics", "feedback360", "okrs", "previous", "periods", "paid", "draw_balance", "paid_this_year")


def merged(defaults: dict | None, employee: dict) -> dict:
    """An employee over the file's ``defaults``: own values win; ``metrics``/``feedback360`` mappings merge by key."""
    out = dict(defaults or {})
    for key, value in employee.items():
        if key in ("metrics", "feedback360") and isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def competencies_of(ruleset) -> list[str]:
    """The 360 competencies the ruleset's feedback dimensions read, in file order (empty: any)."""
    return list(dict.fromkeys(c for card in ruleset.scorecards for d in card.dimensions
                              if d.kind == "feedback360" and d.feedback is not None for c in d.feedback.competencies))


def rater_ratings(ratings, competencies: list[str]) -> list[tuple[str, float]]:
    """(competency, rating) rows of one rater: a number rates every competency, a list rates them in order."""
    if isinstance(ratings, dict):
        return [(str(c), r) for c, r in ratings.items()]
    if isinstance(ratings, list):
        names = competencies or [f"c{m + 1}" for m in range(len(ratings))]
        return list(zip(names, ratings))
    return [(c, ratings) for c in competencies or ["overall"]]


def inputs_of(test: dict, ruleset, defaults: dict | None = None) -> dict[str, Any]:
    """The keyword arguments of :func:`appraise.pipeline.evaluate_tables` for one test's ``given`` employees."""
    import polars as pl

    employees, monthly, aggregated, feedback, okrs, previous = [], [], [], [], [], []
    subperiods, paid, draws, year_paid = [], [], [], []
    read_by_periods = list(dict.fromkeys(d.periods.ruleset for c in ruleset.scorecards for d in c.dimensions
                                         if d.periods is not None))
    net = ruleset.bonus.net_of if ruleset.bonus is not None else None
    columns = list(BUILT_IN) + [a for a in ruleset.attributes if a not in BUILT_IN]
    competencies = competencies_of(ruleset)
    for emp in (merged(defaults, e) for e in test["given"]):
        eid = str(emp["id"])
        row: dict[str, str | None] = {c: None for c in columns}
        for k, v in emp.items():
            if k not in PLAN_KEYS:
                row[k] = None if v is None else _text(v)
        row["id"], row["name"] = eid, row["name"] or eid
        employees.append(row)
        metrics = emp.get("metrics")
        if isinstance(metrics, dict):
            aggregated.append({"employee": eid, **{k: _float(v) for k, v in metrics.items()}})
        for r in metrics if isinstance(metrics, list) else []:
            monthly.append({"employee": eid, "month": str(r["month"]),
                            **{k: _float(v) for k, v in r.items() if k != "month"}})
        for relation, raters in (emp.get("feedback360") or {}).items():
            for n, ratings in enumerate(raters, 1):
                for competency, rating in rater_ratings(ratings, competencies):
                    feedback.append({"employee": eid, "rater": f"{eid}/{relation}-{n}", "relation": str(relation),
                                     "competency": competency, "rating": float(rating)})
        for index, o in enumerate(emp.get("okrs") or []):
            for kr in o["key_results"]:
                okrs.append({"employee": eid, "objective": o["objective"], "objective_index": index,
                             "type": o.get("type", "committed"), "key_result": kr["name"],
                             "start": float(kr["start"]), "target": float(kr["target"]),
                             "current": float(kr["current"]), "weight": float(kr.get("weight", 1))})
        for key, value in (emp.get("periods") or {}).items():
            # {period: score} for every ruleset the periods: dimensions read, or {ruleset: {period: score}}
            scores = value.items() if isinstance(value, dict) else [(key, value)]
            for rs_id in ([key] if isinstance(value, dict) else read_by_periods):
                subperiods += [{"employee": eid, "ruleset": rs_id, "period": str(p), "score": _float(v)}
                               for p, v in scores if v is not None]
        if net is not None:
            paid += [{"employee": eid, "ruleset": net.ruleset, "period": str(p),
                      "bonus": None if v is None else _text(v)}
                     for p, v in (emp.get("paid") or {}).items()]
        if emp.get("draw_balance") is not None:
            draws.append({"employee": eid, "period": None, "balance": _text(emp["draw_balance"])})
        year_paid += [{"employee": eid, "period": str(p), "bonus": None if v is None else _text(v)}
                      for p, v in (emp.get("paid_this_year") or {}).items()]
        if emp.get("previous"):
            p = emp["previous"]
            previous.append({"employee": eid, "grade": p.get("grade"),
                             "grade_uncalibrated": p.get("grade_uncalibrated"),
                             "score": None if p.get("score") is None else float(p["score"]),
                             "bonus": None if p.get("bonus") is None else _text(p["bonus"]),
                             "scorecard": p.get("scorecard")})

    def frame(rows, key_columns):
        if not rows:
            return None
        names = list(dict.fromkeys(k for r in rows for k in r))
        schema = {n: (pl.Utf8 if n in key_columns else pl.Float64) for n in names}
        return pl.DataFrame([{n: r.get(n) for n in names} for r in rows], schema=schema)

    return {
        "employees": pl.DataFrame(employees, schema={c: pl.Utf8 for c in columns}),
        "metrics": frame(monthly, ("employee", "month")),
        "aggregated": frame(aggregated, ("employee",)),
        "feedback": frame(feedback, ("employee", "rater", "relation", "competency")),
        "okrs": pl.DataFrame(okrs, schema={"employee": pl.Utf8, "objective": pl.Utf8, "objective_index": pl.Int64,
                                           "type": pl.Utf8, "key_result": pl.Utf8, "start": pl.Float64,
                                           "target": pl.Float64, "current": pl.Float64, "weight": pl.Float64})
        if okrs else None,
        "previous": pl.DataFrame(previous, schema={"employee": pl.Utf8, "grade": pl.Utf8, "grade_uncalibrated": pl.Utf8,
                                                   "score": pl.Float64, "bonus": pl.Utf8, "scorecard": pl.Utf8})
        if previous else None,
        "subperiods": pl.DataFrame(subperiods, schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8,
                                                       "score": pl.Float64}) if read_by_periods else None,
        "paid": pl.DataFrame(paid, schema={"employee": pl.Utf8, "ruleset": pl.Utf8, "period": pl.Utf8,
                                           "bonus": pl.Utf8}) if net is not None else None,
        "draws": pl.DataFrame(draws, schema={"employee": pl.Utf8, "period": pl.Utf8, "balance": pl.Utf8})
        if draws else None,
        "year_paid": pl.DataFrame(year_paid, schema={"employee": pl.Utf8, "period": pl.Utf8, "bonus": pl.Utf8})
        if year_paid else None,
    }


def _text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _float(v):
    return None if v is None else float(v)
