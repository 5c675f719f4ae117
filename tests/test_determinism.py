"""The same inputs give the same bits, whatever the order of their rows (README "Numbers compare as written").

Floats do not add associatively: a sum of the same numbers in another order may differ in its last bit, and a
group-by hands its rows over in an order that varies from call to call.  The engine therefore sums as written
(whole numbers of the values' decimal places, exactly) and reduces what it cannot sum exactly in sorted order.
These tests evaluate generated companies (decimal monthly values, several ratings per rater and competency,
OKRs, team roll-ups, split credit, incentive plans) twice, and with the rows of every input table shuffled, and
ask for bit-identical result frames; and they check an incentive plan's pay at huge measures against the
plain reference evaluator (tests/reference), or the documented refusal where a float cannot carry the measure.
"""
from __future__ import annotations

import dataclasses
import random
import sys
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import yaml

from appraise.api import evaluate_cycle
from appraise.core.evaluate import evaluate
from appraise.pipeline import load, prepare
from appraise.tools.demo import make_company

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from generate import RandomChooser, write_case  # noqa: E402
from reference import ReferenceStore, compare  # noqa: E402

# a generated single-period case (tests/generate, 30-48 people) with team roll-ups, an incentive plan, OKRs,
# ratings per competency, split credit and a mean metric
SEEDS = (10436,)  # (10036 now holds a bad cell, which the generator writes on purpose)


def _cents(metrics: pl.DataFrame, seed: int) -> pl.DataFrame:
    """The demo's whole-number monthly values made decimal (± up to 0.99, in cents), as exports hold them (the
    float each decimal reads as), and one column of floats with every binary digit used (a ratio computed
    upstream): it is added as the floats it holds."""
    rng = random.Random(seed)
    columns = [c for c, t in metrics.schema.items() if t.is_numeric() and c not in ("employee", "month")]
    out = metrics.with_columns(
        pl.Series(c, [None if v is None else float(f"{v + rng.randint(-99, 99) / 100:.2f}")
                      for v in metrics[c].to_list()], dtype=pl.Float64) for c in columns)
    return out.with_columns(pl.Series(columns[-1], [None if v is None else v * (1 + rng.random() / 7)
                                                    for v in out[columns[-1]].to_list()], dtype=pl.Float64))


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    """(name, ruleset, inputs, period, context, evaluation) of each case: a generated one and a 200-person demo
    company with managers (team roll-ups), its monthly values in cents."""
    out = []
    root = tmp_path_factory.mktemp("determinism")
    for seed in SEEDS:
        case = write_case(RandomChooser(seed), root / f"case-{seed}", employees=(30, 48))
        assert len(case.cycles) == 1, "the generator changed: pick other seeds"
        cycle, ruleset = load(case.cycle)
        p = prepare(cycle, ruleset)
        out.append((f"seed {seed}", p.ruleset, p.inputs, cycle.period, dict(cycle.context)))
    [path] = make_company(root / "demo", employees=200, seed=5, quarters=("2026-Q3",), managers=True)
    cycle, ruleset = load(path)
    p = prepare(cycle, ruleset)
    inputs = dataclasses.replace(p.inputs, metrics=_cents(p.inputs.metrics, 5))
    out.append(("demo", p.ruleset, inputs, cycle.period, dict(cycle.context)))
    return [(*case, evaluate(*case[1:])) for case in out]


def _shuffled(inputs, seed: int):
    """Every table of ``inputs`` with its rows in a random order (the same rows)."""
    changed = {}
    for f in dataclasses.fields(inputs):
        table = getattr(inputs, f.name)
        if isinstance(table, pl.DataFrame) and table.height > 1:
            changed[f.name] = table.sample(fraction=1.0, shuffle=True, seed=seed)
    return dataclasses.replace(inputs, **changed)


def test_evaluating_twice_gives_the_same_bits(cases):
    for name, ruleset, inputs, period, context, a in cases:
        b = evaluate(ruleset, inputs, period, context)
        assert a.frame.height > 10, name
        assert a.frame.equals(b.frame), name  # every column, bit for bit (floats compared exactly)
        assert sorted(map(str, a.errors)) == sorted(map(str, b.errors)), name


def test_columns_checked_side_by_side_give_the_same_bits(cases, monkeypatch):
    """Large tables have their summed columns' decimal places found on several threads: the same result."""
    from appraise.core import rollup

    monkeypatch.setattr(rollup, "_THREADED_PLACES", 0)
    for name, ruleset, inputs, period, context, base in cases:
        assert evaluate(ruleset, inputs, period, context).frame.equals(base.frame), name


@pytest.mark.parametrize("seed", [1, 2])
def test_the_order_of_the_rows_does_not_change_a_bit(cases, seed):
    for name, ruleset, inputs, period, context, base in cases:
        moved = evaluate(ruleset, _shuffled(inputs, seed), period, context)
        # (results come out in id order either way; sorted again in case a table's order leaked into it)
        assert moved.frame.sort("id").equals(base.frame.sort("id")), name
        assert sorted(e.employee for e in moved.errors) == sorted(e.employee for e in base.errors), name


def test_monthly_values_add_up_as_written(cases):
    # 0.1 ten times is 1 as a person adds it (the float sum is 0.9999999999999999), 33.33 + 0.01 + 25 is 58.34
    # (not 58.339999999999996), whatever the order; a mean is that sum over the count: (0.1 + 0.2) / 2 = 0.15
    name, ruleset, inputs, period, context, _ = cases[-1]
    months = list(period.months)
    ids = inputs.employees["id"].head(3).to_list()
    rows = [(ids[0], months[i % 3], 0.1) for i in range(10)] + \
        [(ids[1], months[0], 33.33), (ids[1], months[1], 0.01), (ids[1], months[2], 25.0)]
    assert sum(r[2] for r in rows[:10]) != 1.0 and 33.33 + 0.01 + 25.0 != 58.34  # floats do not
    metrics = inputs.metrics.filter(~pl.col("employee").is_in(ids[:2]))
    extra = pl.DataFrame(rows, schema=["employee", "month", "revenue"], orient="row")
    metrics = pl.concat([metrics, extra.join(metrics.drop("employee", "revenue").unique("month"), on="month")
                         .select(metrics.columns)])
    got = evaluate(ruleset, dataclasses.replace(inputs, metrics=metrics), period, context).frame
    revenue = dict(got.select("id", "m.revenue").iter_rows())
    assert revenue[ids[0]] == 1.0 and revenue[ids[1]] == 58.34


# ------------------------------------------------------------------ an incentive plan at huge measures

PLAN = {
    "id": "huge", "version": "1",
    "attributes": {"target_bonus": "money"},
    "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}, "units": {"aggregate": "sum"}},
    "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
        "revenue": {"weight": 100, "target": "quota"}}}}}},
    "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}],
    "bonus": {"target": "target_bonus", "rounding": 0.01, "components": {"spiff": {"measure": "units",
                                                                                 "per_unit": 10}}},
}


def _plan_case(folder: Path, months: dict[str, list[str]]) -> Path:
    folder.mkdir(parents=True)
    (folder / "ruleset.yaml").write_text(yaml.safe_dump(PLAN, sort_keys=False), encoding="utf-8")
    (folder / "employees.csv").write_text("id,name,hire_date,target_bonus\n" + "".join(
        f"{e},P {e},2025-01-01,4000\n" for e in months), encoding="utf-8")
    (folder / "metrics.csv").write_text("employee,month,revenue,quota,units\n" + "".join(
        f"{e},2026-{7 + i:02d},100,100,{u}\n" for e, units in months.items() for i, u in enumerate(units)),
        encoding="utf-8")
    (folder / "cycle.yaml").write_text(
        "cycle: 2026-Q3\nruleset: ruleset.yaml\nsources:\n  - {provider: csv, path: employees.csv, kind: employees}\n"
        "  - {provider: csv, path: metrics.csv}\noutput: out\n", encoding="utf-8")
    return folder / "cycle.yaml"


def test_huge_measures_pay_exactly_or_not_at_all(tmp_path):
    # E1's three months add up to 7,660,319,922,473.36 as written (15 significant digits): the float sum of the
    # three is 7660319922473.359, which paid 76,603,199,224,733.59 at 10 a unit.  By hand: 10 × 7,660,319,922,473.36
    fits = ["2634949125377.66", "2704589434879.61", "2320781362216.09"]
    assert float(fits[0]) + float(fits[1]) + float(fits[2]) == 7660319922473.359
    # E2's add up to 33,333,333,223,333.33: 16 significant digits, more than a float carries for sure
    too_long = ["12345678901234.56", "9876543210987.65", "11111111111111.12"]
    cycle = _plan_case(tmp_path / "case", {"E1": fits, "E2": too_long, "E3": ["1", "2", "3"]})
    engine = evaluate_cycle(cycle)
    paid = {e["id"]: e["bonus"] for e in engine["employees"]}
    assert Decimal(paid["E1"]) == 10 * (Decimal(fits[0]) + Decimal(fits[1]) + Decimal(fits[2])) \
        == Decimal("76603199224733.60")
    assert Decimal(paid["E3"]) == 60
    # E2 is not paid a wrong amount: an error names the component and the metric
    [error] = [e for e in engine["errors"] if e["employee"] == "E2"]
    assert "incentive component spiff pays on metric units" in error["message"]
    assert "15" in error["message"] and "E2" not in paid
    # the plain reference evaluator (exact fractions) pays E1 and E3 the same
    reference = ReferenceStore().run(cycle)
    want = {e["id"]: e["bonus"] for e in reference["employees"]}
    assert Decimal(want["E1"]) == Decimal(paid["E1"]) and Decimal(want["E3"]) == Decimal(paid["E3"])
    assert compare({**engine, "employees": [e for e in engine["employees"]], "errors": []},
                   {**reference, "employees": [e for e in reference["employees"] if e["id"] != "E2"],
                    "errors": []}) == []
