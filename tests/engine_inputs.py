"""Build engine inputs directly (no providers): the pure core is tested on its own."""
from __future__ import annotations

import copy
from pathlib import Path

import polars as pl
import yaml

from appraise.core.evaluate import evaluate
from appraise.export.document import results_document
from appraise.language.compile import compile_ruleset
from appraise.language.load import load
from appraise.language.period import parse
from appraise.tables import Inputs

EXAMPLE = Path(__file__).parent / "fixtures" / "example"


def example_ruleset_data() -> dict:
    return copy.deepcopy(load(EXAMPLE / "sales-team.yaml").data)


def two_scorecards_data() -> dict:
    """The worked example's ruleset with a second scorecard ``north`` (region north; the same dimension and KPI
    names, its first two dimensions' weights swapped) listed first, and no calibration (cohorts would mix the
    cards)."""
    data = example_ruleset_data()
    data.pop("calibration", None)
    (key, card), = data["scorecards"].items()
    north = copy.deepcopy(card)
    north["applies_to"] = 'region == "north"'
    dims = north["dimensions"]
    first, second = list(dims)[:2]
    dims[first]["weight"], dims[second]["weight"] = dims[second]["weight"], dims[first]["weight"]
    data["scorecards"] = {"north": north, key: card}
    return data


def okr_frame(mapping: dict) -> pl.DataFrame:
    rows = []
    for emp, objectives in mapping.items():
        for i, o in enumerate(objectives):
            for kr in o["key_results"]:
                rows.append({"employee": emp, "objective": o["objective"], "objective_index": i,
                             "type": o.get("type", "committed"), "key_result": kr["name"],
                             "start": float(kr["start"]), "target": float(kr["target"]),
                             "current": float(kr["current"]), "weight": float(kr.get("weight", 1))})
    if not rows:
        return None
    return pl.DataFrame(rows)


def example_inputs(quarter: str, previous: pl.DataFrame | None = None) -> Inputs:
    emp = pl.read_csv(EXAMPLE / "data/employees.csv", infer_schema=False)
    met = pl.read_csv(EXAMPLE / "data/metrics.csv", infer_schema=False)
    met = met.with_columns([pl.col(c).cast(pl.Float64) for c in met.columns if c not in ("employee", "month")])
    fb = pl.read_csv(EXAMPLE / "data/feedback.csv", infer_schema=False).with_columns(pl.col("rating").cast(pl.Float64))
    okrs = okr_frame(yaml.safe_load((EXAMPLE / f"data/okrs-2026-{quarter}.yaml").read_text()))
    return Inputs(employees=emp, metrics=met, feedback=fb, okrs=okrs, previous=previous)


def previous_from(doc: dict) -> pl.DataFrame:
    return pl.DataFrame([{"employee": e["id"], "grade": e["grade"], "grade_uncalibrated": e["grade_uncalibrated"],
                          "score": e["score"], "bonus": e["bonus"], "scorecard": e["scorecard"]}
                         for e in doc["employees"]])


def run_example(quarter: str, ruleset_data: dict | None = None, previous=None, context=None):
    data = ruleset_data or example_ruleset_data()
    rs = compile_ruleset(data)
    cycle = yaml.safe_load((EXAMPLE / f"cycle-{quarter.lower()}.yaml").read_text())
    ev = evaluate(rs, example_inputs(quarter, previous), parse(cycle["cycle"]), context or cycle["context"])
    return ev, results_document(ev)


def compare(actual: dict, expected: dict) -> list[str]:
    """The worked example's comparison rules (check_example.py), as a list of differences."""
    diffs: list[str] = []

    def walk(a, e, path):
        if isinstance(e, dict):
            if not isinstance(a, dict):
                diffs.append(f"{path}: expected object, got {a!r}")
                return
            for k, v in e.items():
                if k not in a:
                    diffs.append(f"{path}.{k}: missing")
                else:
                    walk(a[k], v, f"{path}.{k}")
        elif isinstance(e, list):
            if not isinstance(a, list) or len(a) != len(e):
                diffs.append(f"{path}: expected {e!r}, got {a!r}")
                return
            for i, (x, y) in enumerate(zip(a, e)):
                walk(x, y, f"{path}[{i}]")
        elif isinstance(e, bool) or e is None or isinstance(e, str):
            if a != e:
                diffs.append(f"{path}: expected {e!r}, got {a!r}")
        else:
            tol = 0.005 if path.endswith(".score") and path.count(".") == 1 else 0.00005
            if not isinstance(a, (int, float)) or isinstance(a, bool) or abs(a - e) > tol:
                diffs.append(f"{path}: expected {e!r}, got {a!r}")

    by_id = {x["id"]: x for x in actual["employees"]}
    for emp in expected["employees"]:
        if emp["id"] not in by_id:
            diffs.append(f"{emp['id']}: not in results")
        else:
            walk(by_id[emp["id"]], emp, emp["id"])
    extra = set(by_id) - {e["id"] for e in expected["employees"]}
    if extra:
        diffs.append(f"unexpected employees: {sorted(extra)}")
    return diffs
