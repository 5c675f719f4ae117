"""A plan measure worked out by a formula from numbers of more than 15 significant digits (README "The largest
numbers an incentive plan pays on"): the vectorised proof (``appraise.language.expr.ranges``) lets through only rows
the exact interval interpreter would pay the same, and both agree with the reference evaluator, which decides from
the data's own decimals."""
from __future__ import annotations

import random
import textwrap
from decimal import Decimal

import polars as pl
import pytest

from appraise.api import evaluate_cycle as engine
from appraise.core import scoring

CYCLE = """\
cycle: 2026-Q3
ruleset: ruleset.yaml
sources:
  - {provider: csv, path: employees.csv, kind: employees}
  - {provider: csv, path: metrics.csv}
store: sqlite:///out/appraise.db
output: out/2026-Q3
"""

RULESET = """\
id: r
version: "1"
attributes: {target_bonus: money}
metrics:
  ratio: {aggregate: sum}
  big: {aggregate: sum}
  visits: {aggregate: sum}
  m: {formula: "FORMULA"}
scorecards:
  rep:
    dimensions:
      results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
grades: [{grade: A, min: 0}]
bonus:
  target: target_bonus
  rounding: 0.01
  components: {a: {measure: m, per_unit: 1000}}
"""


def _cell(r: random.Random) -> str:
    """A ratio written with 15 to 19 significant digits; a third of them a hair from a 6-place tie once × 100."""
    if r.random() < 0.35:
        tie = Decimal(r.randint(10 ** 6, 10 ** 8 - 1)) / 10 ** 8 + Decimal("0.000000005")  # × 100: x.xxxxxx5
        return str(tie + Decimal(r.randint(-9, 9)) * Decimal(10) ** -r.randint(17, 19))
    return str(Decimal(r.randint(10 ** 14, 10 ** r.randint(15, 19) - 1)) / 10 ** r.randint(15, 19))


@pytest.mark.parametrize("formula, undecided", [
    ("ratio * 100", False), ("big - 1000000000000 + ratio", True), ("ratio / visits * 1000", False),
    ("min(ratio, 0.5) * 3 - 1", False), ("abs(ratio - 0.5) * 7", False), ("round(ratio * 100, 4)", False),
    ("max(ratio * 100, 50) + visits", False), ("ratio * 1000000000", True), ("ratio * 100 + big / 100000", True)])
def test_the_proof_pays_only_what_the_exact_interpreter_and_the_reference_pay(tmp_path, monkeypatch, formula,
                                                                                undecided):
    # undecided: formulas that magnify a 17-digit input's uncertainty past the 6th place for some rows (big's 10^14
    # and cents; ratio × 10^9, where a float's half step of 5.6e-17 becomes 5.6e-8), so some are errors
    from reference import evaluate_cycle as reference

    r = random.Random(formula)
    people = range(120)
    (tmp_path / "cycle.yaml").write_text(CYCLE, encoding="utf-8")
    (tmp_path / "ruleset.yaml").write_text(RULESET.replace("FORMULA", formula), encoding="utf-8")
    (tmp_path / "employees.csv").write_text("id,name,target_bonus\n" + "".join(f"E{i},N{i},100\n" for i in people),
                                            encoding="utf-8")
    # big: 10^14 and cents (17 digits: the subtraction below is not known to 6 places), or 10^12 and cents (15)
    rows = [f"E{i},2026-07,{_cell(r)},{r.choice([100000000000000, 1000000000000]) + r.randint(0, 99)}."
            f"{r.randint(0, 99):02d},{r.randint(1, 20)}\n" for i in people]
    (tmp_path / "metrics.csv").write_text("employee,month,ratio,big,visits\n" + "".join(rows), encoding="utf-8")

    def outcome(doc):
        return (sorted((e["id"], e["bonus"]) for e in doc["employees"]), sorted(e["employee"] for e in doc["errors"]))

    proved = outcome(engine(tmp_path / "cycle.yaml"))
    monkeypatch.setattr(scoring, "_proved", lambda f, ruleset, marks, context: {  # every row to the interpreter
        m: pl.Series([False] * f.height) for m in marks})
    by_row = outcome(engine(tmp_path / "cycle.yaml"))
    assert proved == by_row
    assert proved == outcome(reference(tmp_path / "cycle.yaml"))
    assert proved[0], "some are paid"
    assert bool(proved[1]) == undecided


def test_written_cells_are_what_the_test_means():
    # the generator's near-tie cells: 0.xxxxxxxx5 plus up to 9 × 10^-17: more than 15 digits, and × 100 within
    # 10^-14 of a 6-place tie
    r = random.Random(3)
    cells = [_cell(r) for _ in range(200)]
    assert sum(len(Decimal(c).normalize().as_tuple().digits) > 15 for c in cells) > 150
    assert sum(abs((Decimal(c) * 100 * 10 ** 6) % 1 - Decimal("0.5")) < Decimal("1e-8") for c in cells) > 50
    assert textwrap.dedent(CYCLE) == CYCLE
