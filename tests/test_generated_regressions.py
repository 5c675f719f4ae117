"""Minimal reproductions of crashes the generated cases (tests/test_generated_runs.py) found, run through
the CLI: each must now complete, or stop with a located error."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main

CYCLE = """\
cycle: 2026-Q3
ruleset: ruleset.yaml
sources:
  - {provider: csv, path: employees.csv, kind: employees}
  - {provider: csv, path: metrics.csv}
store: sqlite:///out/appraise.db
output: out/2026-Q3
"""


def write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        (folder / name.replace("_csv", ".csv").replace("_yaml", ".yaml")).write_text(textwrap.dedent(text),
                                                                                     encoding="utf-8")
    return folder / "cycle.yaml"


def run(cycle: Path):
    res = CliRunner().invoke(main, ["run", "-q", "--no-render", str(cycle)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    return res


def test_bonus_attainment_kpi_only_in_a_scorecard_nobody_has_this_cycle(tmp_path):
    # 'revenue' (the bonus attainment) is a KPI of scorecard 'other' only, which nobody of this cycle
    # gets: evaluate built no column for it and the bonus stage failed (ColumnNotFoundError)
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {role: string, target_bonus: money}
        metrics:
          revenue: {aggregate: sum}
          visits: {aggregate: sum}
        scorecards:
          rep:
            applies_to: role == "rep"
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
          other:
            dimensions:
              results: {weight: 100, kpis: {revenue: {weight: 100, target: 100}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: target_bonus, attainment: revenue, tiers: [{from: 1, pay: 1}]}
        """, employees_csv="id,name,role,target_bonus\nE1,A,rep,100\n",
        metrics_csv="employee,month,revenue,visits\nE1,2026-07,100,10\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    [e] = json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"]
    # scorecard 'rep' has no revenue KPI: no attainment, so no bonus (README: null, never a silent 0)
    assert (e["scorecard"], e["score"], e["bonus"]) == ("rep", 100.0, None)


def test_a_cycle_that_appraises_nobody(tmp_path):
    # everyone was hired after the period: evaluate looked at the first code of an empty table (IndexError)
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name,hire_date\nE1,A,2026-10-01\n",
        metrics_csv="employee,month,visits\nE1,2026-07,10\n")
    res = CliRunner().invoke(main, ["run", "-q", str(cycle)])  # pages rendered too
    assert res.exit_code == 0, res.output
    assert "2026-Q3: 0 employees appraised" in res.output
    assert json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"] == []


def test_360_competencies_and_no_feedback_source_at_all(tmp_path):
    # with no feedback360 source the dimension is missing (a warning); the empty stand-in table had no
    # competency column, so the run stopped with an error naming no file ("add it to the feedback file")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 50, kpis: {visits: {weight: 100, target: 10}}}
              feedback:
                weight: 50
                feedback360: {scale: 5, sources: {manager: 100}, competencies: [teamwork]}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name\nE1,A\n", metrics_csv="employee,month,visits\nE1,2026-07,5\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    assert "no source has kind feedback360" in res.output
    [e] = json.loads((tmp_path / "out/2026-Q3/results.json").read_text(encoding="utf-8"))["employees"]
    assert (e["missing"], e["score"]) == (["feedback"], 50.0)  # visits 5 of 10; feedback's weight redistributed


# ------------------------------------------------- disagreements of the engine and tests/reference (issue 13)

def _results(folder: Path) -> dict:
    return json.loads((folder / "out/2026-Q3/results.json").read_text(encoding="utf-8"))


def test_a_metric_cell_too_close_to_zero_is_refused_at_its_cell(tmp_path):
    # Differential seeds 10240 and 10243: a complaints cell of 5e-324 (a subnormal float). In floats
    # 5e-324 / 22 is 0.0, so the lower-is-better complaint rate had an actual of 0 and attainment = cap: full
    # marks. Exactly it is a tiny positive rate. Then seed 10078 (30-44 employees): a mean of 5e-324 and 0 is
    # exactly 2.5e-324 but 0.0 in floats, which the check of aggregated values could not see. README: a cell
    # that is not 0 but below 2.2e-308 in size is refused where it is read, as a non-number is, never a silent 0.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          complaints: {aggregate: mean, direction: lower}
          orders: {aggregate: sum}
          complaint_rate: {formula: complaints / orders, direction: lower}
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results:
                weight: 100
                kpis:
                  complaint_rate: {weight: 50, target: 0.05}
                  visits: {weight: 50, target: 10}
        grades: [{grade: A, min: 90}, {grade: B, min: 0}]
        """, employees_csv="id,name\nE1,A\nE2,B\n",
        metrics_csv="employee,month,complaints,orders,visits\n"
                    "E1,2026-07,5e-324,22,10\n"     # row 2, column 3: refused here
                    "E1,2026-08,0,22,10\n"
                    "E2,2026-07,1,20,5\n")
    res = run(cycle)
    assert res.exit_code == 1
    assert "metrics.csv:2:3: error:" in res.output and "too close to 0" in res.output and "E1" in res.output
    from reference import ReferenceInputError
    from reference import evaluate_cycle as reference

    with pytest.raises(ReferenceInputError, match="too close to 0"):
        reference(cycle)


def test_someone_who_left_before_the_period_needs_no_hire_date(tmp_path):
    # Differential seeds 10107, 10120, 10123, 10234, 10238, 10245: an employee with a blank hire_date who
    # left before the period was put in the errors ("hire_date is empty, but the ruleset reads
    # tenure_months"). SPEC: someone who left before the period's first day is not appraised in it, so
    # nothing of theirs is needed; the blank hire date is an error only for those the period appraises.
    # Seed 10030 (make fuzz): the same for a negative bonus target of someone hired after the period.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {tb: money}
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
        rules:
          - id: new-hire
            when: tenure_months < 3
            then: [{scale_target: {visits: 0.5}}]
        grades: [{grade: A, min: 0}]
        bonus: {target: tb, attainment: visits, tiers: [{from: 0, pay: 1}]}
        """, employees_csv="id,name,hire_date,leave_date,tb\n"
                           "E1,A,,2026-05-03,1000\n"     # left before 2026-07-01: not in this period
                           "E2,B,,2026-08-15,1000\n"     # left during it: appraised, so the hire date is needed
                           "E3,C,2020-01-01,,1000\n"
                           "E4,D,2026-12-31,,-100\n",    # hired after the period: its bonus target is not read
        metrics_csv="employee,month,visits\nE2,2026-07,4\nE3,2026-07,4\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    doc = _results(tmp_path)
    # E3: tenure 80 months, no rule; visits 4 of 10 → 40; a = 0.4 reaches the tier from 0: 1 × 1000
    assert [(e["id"], e["score"], e["bonus"]) for e in doc["employees"]] == [("E3", 40.0, "1000")]
    assert [(e["employee"], e["stage"]) for e in doc["errors"]] == [("E2", "employees")]
    from reference import evaluate_cycle as reference

    ref = reference(cycle)
    assert [(e["id"], e["score"], e["bonus"]) for e in ref["employees"]] == [("E3", 40.0, "1000")]
    assert [e["employee"] for e in ref["errors"]] == ["E2"]


def test_key_result_progress_is_computed_on_the_numbers_as_written(tmp_path):
    # Differential seed 20393: a key result from 27 to 26.999999 at 26.99999916. In floats
    # (26.99999916 - 27) / (26.999999 - 27) is 0.8399999976 (the cancellation magnifies the binary noise), so a
    # score of exactly 56.125 came out 56.12499988 and was reported 56.12 instead of 56.13 (half-up).
    cycle = write(tmp_path, cycle_yaml=CYCLE.replace(
        "  - {provider: csv, path: metrics.csv}\n", "  - {provider: okr, path: okrs.yaml}\n"), ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum, optional: true}
        scorecards:
          rep:
            dimensions:
              objectives: {weight: 100, okr: {}}
        grades: [{grade: A, min: 56.13}, {grade: B, min: 0}]
        """, employees_csv="id,name\nE1,A\n", okrs_yaml="""\
        E1:
          - objective: Hold the line
            key_results:
              - {name: defects, start: 27, target: 26.999999, current: 26.99999916}
              - {name: coverage, start: 0, target: 100, current: 28.25}
        """)
    res = run(cycle)
    assert res.exit_code == 0, res.output
    [e] = _results(tmp_path)["employees"]
    # progress (26.99999916 - 27) / (26.999999 - 27) = -0.00000084 / -0.000001 = 0.84; 28.25 / 100 = 0.2825;
    # objective (0.84 + 0.2825) / 2 = 0.56125 -> score 56.125 -> 56.13 half-up -> grade A
    assert (e["score"], e["grade"]) == (56.13, "A")
    from reference import evaluate_cycle as reference

    [r] = reference(cycle)["employees"]
    assert (r["score"], r["grade"]) == (56.13, "A")


def test_a_metric_of_10_to_the_15_or_more_is_an_error_for_that_employee(tmp_path):
    # Differential seed 30256: margin_pct = round(worst_margin * 100, 1) of a cell of 999999999999999 is
    # 9.99999999999999e16, past what floats carry exactly; the excess bonus on it (8.1e15) came out 1 unit below
    # the exact amount. README: a metric value (a sum, a formula) of 10^15 or more is an error for the employee,
    # as a cell of 10^15 or more is refused where it is read.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 100}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name\nE1,A\nE2,B\n",
        metrics_csv="employee,month,visits\nE1,2026-07,600000000000000\nE1,2026-08,400000000000000\n"
                    "E2,2026-07,60\nE2,2026-08,40\n")  # E1: 6e14 + 4e14 = 1e15; E2: 100 of 100 -> 100
    res = run(cycle)
    assert res.exit_code == 0, res.output
    doc = _results(tmp_path)
    assert [(e["id"], e["score"]) for e in doc["employees"]] == [("E2", 100.0)]
    [error] = doc["errors"]
    assert error["employee"] == "E1" and "visits" in error["message"] and "10^15" in error["message"]
    from reference import evaluate_cycle as reference

    ref = reference(cycle)
    assert [(e["id"], e["score"]) for e in ref["employees"]] == [("E2", 100.0)]
    assert [e["employee"] for e in ref["errors"]] == ["E1"]


def test_a_derived_plan_measure_is_judged_on_its_exact_value_not_the_float_noise(tmp_path):
    # Differential case-10546: collection_rate = collected / billed with billed 1e-9.  Exactly, 52,164.34 / 10^-9 is
    # 52,164,340,000,000 (8 significant digits: a float carries it), but the float quotient is 52164339999999.99
    # (16 digits), so the engine refused the employee where the reference paid.  README "The largest numbers an
    # incentive plan pays on": a derived measure is now judged, and paid, on its exact value.
    # E1: 1 per unit x 52,164,340,000,000 = 52,164,340,000,000.00 (the float would pay 52,164,339,999,999.99).
    # E2: 1,000 / 3e-11 = 33,333,333,333,333.333333... at 6 places has 20 significant digits: still an error.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {target_bonus: money}
        metrics:
          collected: {aggregate: sum}
          billed: {aggregate: sum}
          rate: {unit: ratio, formula: collected / billed}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {collected: {weight: 100, target: 1000}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: target_bonus, rounding: 0.01, components: {commission: {measure: rate, per_unit: 1}}}
        """, employees_csv="id,name,target_bonus\nE1,A,100\nE2,B,100\n",
        metrics_csv="employee,month,collected,billed\nE1,2026-07,52164.34,0.000000001\nE2,2026-07,1000,3e-11\n")
    from appraise.api import evaluate_cycle as engine

    doc = engine(cycle)
    assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E1", "52164340000000.00")]
    [error] = doc["errors"]
    assert error["employee"] == "E2" and "commission" in error["message"] and "rate" in error["message"]
    from reference import evaluate_cycle as reference

    ref = reference(cycle)
    assert [(e["id"], e["bonus"]) for e in ref["employees"]] == [("E1", "52164340000000.00")]
    assert [e["employee"] for e in ref["errors"]] == ["E2"]


def test_exact_metric_works_formulas_out_with_fractions():
    # appraise.core.incentives.exact_metric, by hand: inputs are their shortest decimals; a = 0.1, b = 0.2
    from fractions import Fraction

    from appraise.core.incentives import NotExact, exact_metric
    from appraise.language.compile import compile_ruleset
    from appraise.language.load import loads

    rs = compile_ruleset(loads(textwrap.dedent("""\
        id: r
        version: "1"
        attributes: {quota: number}
        metrics:
          a: {aggregate: sum}
          b: {aggregate: sum}
          s: {formula: a + b}
          r: {formula: 'round(s * 3 / 7, 2) - max(a, b) + abs(0 - a) * quota / context.k'}
          z: {formula: a / (b - b)}
          e: {formula: a * employed_share}
        scorecards:
          rep: {dimensions: {d: {weight: 100, kpis: {a: {weight: 100, target: 1}}}}}
        grades: [{grade: A, min: 0}]
        """), "r.yaml"))
    row = {"m.a": 0.1, "m.b": 0.2, "attr.quota": 1e6, "m.s": 0.30000000000000004}
    assert exact_metric(rs, "s", row, {}) == Fraction(3, 10)           # not 0.30000000000000004
    # round(0.9 / 7, 2) = round(0.12857.., 2) = 0.13; - 0.2; + 0.1 * 1,000,000 / 4 = 25,000 -> 24,999.93
    assert exact_metric(rs, "r", row, {"k": 4}) == Fraction(2499993, 100)
    assert exact_metric(rs, "z", row, {}) is None                       # x / 0 is missing
    assert exact_metric(rs, "s", {**row, "m.b": None}, {}) is None      # missing propagates
    for name, bad in (("e", row), ("s", {**row, "m.a": 0.1234567890123456})):  # 16 digits: not known exactly
        with pytest.raises(NotExact):
            exact_metric(rs, name, bad, {})


def _refused_by_both(cycle: Path, engine_says: str, reference_says: str) -> None:
    from appraise.api import evaluate_cycle as engine
    from appraise.errors import InvalidInput
    from reference import ReferenceInputError
    from reference import evaluate_cycle as reference

    with pytest.raises(InvalidInput, match=engine_says):
        engine(cycle)
    with pytest.raises(ReferenceInputError, match=reference_says):
        reference(cycle)


VISITS = """\
    id: r
    version: "1"
    metrics:
      visits: {aggregate: sum}
    scorecards:
      rep:
        dimensions:
          results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
    rules:
      - {id: new, when: tenure_months < 3, then: [{scale_target: {visits: 0.5}}]}
    grades: [{grade: A, min: 0}]
    """


def test_a_deals_table_that_splits_no_declared_metric_stops_the_run(tmp_path):
    # Differential case-700101: the deals table's only column, accounts_end, is a metric of the monthly ruleset of
    # the case, not of this one.  The engine stops the run at the deals table (it would split nothing); the reference
    # ignored the table.  (The generator now credits a metric every ruleset of the case declares.)
    split = "  - {provider: csv, path: deals.csv, kind: deals}\n  - {provider: csv, path: credits.csv, kind: credits}\n"
    cycle = write(tmp_path, cycle_yaml=CYCLE.replace("store:", split + "store:"), ruleset_yaml=VISITS,
                  employees_csv="id,name,hire_date\nE1,A,2020-01-01\n",
                  metrics_csv="employee,month,visits\nE1,2026-07,10\n",
                  deals_csv="deal,month,accounts_end\nD1,2026-07,5\n", credits_csv="deal,employee,share\nD1,E1,1\n")
    _refused_by_both(cycle, "no column of a metric the ruleset declares", "no column of a metric")


def test_a_cell_too_close_to_0_stops_the_run_even_for_someone_in_the_errors(tmp_path):
    # Differential case-700209: E1 has a blank hire_date the ruleset needs (tenure_months), an error for E1, and a
    # visits cell of 1e-320 in the period.  The period reads E1's rows, so the cell stops the run (README "Bad data
    # never pays silently"); the reference, which read a person's rows only when it appraised them, paid the others.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=VISITS, employees_csv="id,name,hire_date\nE1,A,\n"
                  "E2,B,2020-01-01\n", metrics_csv="employee,month,visits\nE1,2026-07,1e-320\nE2,2026-07,10\n")
    _refused_by_both(cycle, "too close to 0", "too close to 0")


def test_a_netted_bonus_keeps_the_cents_a_finer_ruleset_paid(tmp_path):
    # Differential case-700707: the quarter's ruleset rounds to 100, the monthly one it nets (net_of) to 0.01.
    # July paid 10,000 x 0.117858 = 1,178.58; the quarter's gross is 10,000 x 0.55 = 5,500 (a whole 100), so 5,500 -
    # 1,178.58 = 4,321.42 is due.  The engine wrote "4321" and "1179" (at the unit's 0 decimals: 0.42 unpaid, and
    # "4321" stored for later netting); README: an amount keeps the decimals it has.
    sub = """\
        id: sub
        version: "1"
        attributes: {tb: money}
        metrics: {sales: {aggregate: sum}}
        scorecards: {rep: {dimensions: {d: {weight: 100, kpis: {sales: {weight: 100, target: 100}}}}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: tb, attainment: sales, tiers: [{from: 0, pay: 0.117858}], rounding: 0.01}
        """
    quarter = sub.replace("id: sub", "id: q").replace(
        "tiers: [{from: 0, pay: 0.117858}], rounding: 0.01}",
        "tiers: [{from: 0, pay: 0.55}], rounding: 100, net_of: {ruleset: sub, every: month}}")
    july = CYCLE.replace("2026-Q3", "2026-07").replace("ruleset.yaml", "sub.yaml")
    cycle = write(tmp_path, cycle_yaml=CYCLE, july_yaml=july, ruleset_yaml=quarter, sub_yaml=sub,
                  employees_csv="id,name,tb\nE1,A,10000\n", metrics_csv="employee,month,sales\nE1,2026-07,100\n")
    from appraise.api import evaluate_cycle as engine
    from appraise.run import run_cycle
    from reference import ReferenceStore

    stored = run_cycle(tmp_path / "july.yaml", render=False)  # the quarter nets what July paid
    store = ReferenceStore()
    store.run(tmp_path / "july.yaml")
    for doc in (engine(cycle, store=stored.store), store.run(cycle)):
        [e] = doc["employees"]
        assert (e["bonus_gross"], e["bonus_paid"], e["bonus"]) == ("5500", "1178.58", "4321.42")


def test_one_employees_odd_cell_leaves_the_others_summed_as_written(tmp_path):
    # Differential case-701226.  E2's 0.30000000000000004 needs 17 places, and at 17 places E1's
    # 123,456,789,012.345 has far more than 2^53 units: no number of places fits the column as a whole.  The
    # engine then added everyone's cells as floats, so E1's 184,029.07 + 123,456,789,012.345 came out as the float
    # sum 123456973041.41501 (16 digits: no plan pays on it to the cent) and E1 went to the errors; the reference
    # added the cells as written and paid E1.  Now each employee's cells are added at the places that fit that
    # employee's own (README "The largest numbers an incentive plan pays on"): E1's at 3 places,
    # 123,456,973,041.415, paid x 1 and rounded half-up to the cent: 123,456,973,041.42; E2's 0.30000000000000004
    # alone, paid on 0.300000 (6 places): 0.30.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {tb: money}
        metrics: {revenue: {aggregate: sum}}
        scorecards: {rep: {dimensions: {d: {weight: 100, kpis: {revenue: {weight: 100, target: 1}}}}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: tb, rounding: 0.01, components: {commission: {measure: revenue, per_unit: 1}}}
        """, employees_csv="id,name,tb\nE1,A,1\nE2,B,1\n",
        metrics_csv="employee,month,revenue\nE1,2026-07,184029.07\nE1,2026-08,123456789012.345\n"
                    "E2,2026-07,0.30000000000000004\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E1", "123456973041.42"), ("E2", "0.30")]
        assert doc["errors"] == []


def test_the_excess_takes_the_kpi_actual_half_up_to_6_places_on_the_decimal_as_written(tmp_path):
    # README "Bonus": the excess reads the KPI's actual and target taken to 6 decimals as a plan's measures are
    # (half-up on the decimal written).  The engine rounded with polars' round(6), half to even on the float: the
    # float 2.0000005 (2.00000050000000007 in binary) went to 2.0 and 34.0000005 (34.0000004999999987) to 34.0.
    # Target 1, above 1, rate 1,000,000, no tier reached (from 100):
    #   E1: 1,000,000 x (2.000001 - 1 x 1) = 1,000,001 (the engine paid 1,000,000)
    #   E2: 1,000,000 x (34.000001 - 1) = 33,000,001 (the engine paid 33,000,000)
    #   E3: 1,000,000 x (1.0000004 - 1) = 0.4, rounded half-up to the unit 1: 0 (below the half: not rounded up)
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {tb: money}
        metrics: {sales: {aggregate: sum}}
        scorecards: {rep: {dimensions: {d: {weight: 100, kpis: {sales: {weight: 100, target: 1}}}}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: tb, attainment: sales, tiers: [{from: 100, pay: 1}], excess: {above: 1, rate: 1000000}}
        """, employees_csv="id,name,tb\nE1,A,10\nE2,B,10\nE3,C,10\n",
        metrics_csv="employee,month,sales\nE1,2026-07,2.0000005\nE2,2026-07,34.0000005\nE3,2026-07,1.0000004\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E1", "1000001"), ("E2", "33000001"),
                                                                     ("E3", "0")]


def test_a_rescued_derived_measure_shows_its_exact_value_as_the_kpi_actual(tmp_path):
    # README "The largest numbers an incentive plan pays on": rate = collected / billed = 52,164.34 / 10^-9 is paid on
    # exactly (52,164,340,000,000); its KPI's actual showed the float quotient 52164339999999.99 beside that pay.
    # Now it shows 52,164,340,000,000 (the float nearest it); attainment 52,164,340,000,000 / 10^13 = 5.216434.  (And
    # results.json's 4 decimals, polars_round_half_up, made the exact 52,164,340,000,000 52164339999999.99 again and
    # the target 10^13 9999999999999.998: its round(6) of 10^17 lost the last digits.)
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {tb: money}
        metrics:
          collected: {aggregate: sum}
          billed: {aggregate: sum}
          rate: {unit: ratio, formula: collected / billed}
        scorecards: {rep: {dimensions: {d: {weight: 100, kpis: {rate: {weight: 100, target: 10000000000000}}}}}}
        grades: [{grade: A, min: 0}]
        bonus: {target: tb, rounding: 0.01, components: {commission: {measure: rate, per_unit: 1}}}
        """, employees_csv="id,name,tb\nE1,A,100\n",
        metrics_csv="employee,month,collected,billed\nE1,2026-07,52164.34,0.000000001\n")
    for doc in (engine(cycle), reference(cycle)):
        [e] = doc["employees"]
        assert e["bonus"] == "52164340000000.00" and e["kpis"]["d.rate"]["actual"] == 52164340000000
        assert e["kpis"]["d.rate"]["target"] == 10 ** 13  # (written at 4 decimals as 9999999999999.998 before)
        assert e["kpis"]["d.rate"]["attainment"] == pytest.approx(5.216434, abs=5e-5)


def test_a_set_weight_leaves_its_siblings_exactly_0_not_a_negative_hair(tmp_path):
    # Differential case-730156.  KPI weights 12.32 + 17.48 + 64.1 + 6.1 add up to 99.99999999999999 in floats; a rule
    # setting a to 100 gave b, c and d (total - 100) / rest x their weight = -2.8e-15 and the like: a negative weight
    # (lost points -1.8e-17) whose score results.json then left out (weight 0.0 at 4 decimals, not "dropped").
    # README "Which rules...": the rest share total - 100 = 0 exactly.  By hand, default linear curve (cap 1):
    # a 50/100 -> 50, b 80/100 -> 80, c 30/100 -> 30, d 100/100 -> 100; weights 100, 0, 0, 0: total 50.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {role: string}
        metrics: {a: {aggregate: sum}, b: {aggregate: sum}, c: {aggregate: sum}, d: {aggregate: sum}}
        scorecards:
          rep:
            dimensions:
              x:
                weight: 100
                kpis:
                  a: {weight: 12.32, target: 100}
                  b: {weight: 17.48, target: 100}
                  c: {weight: 64.1, target: 100}
                  d: {weight: 6.1, target: 100}
        rules: [{id: all_in, when: 'role == "rep"', then: [{set: {x.a: 100}}]}]
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name,role\nE1,A,rep\n",
        metrics_csv="employee,month,a,b,c,d\nE1,2026-07,50,80,30,100\n")
    for doc in (engine(cycle), reference(cycle)):
        [e] = doc["employees"]
        assert e["score"] == 50
        assert {k: (v["weight"], v["score"]) for k, v in e["kpis"].items()} == {
            "x.a": (100, 50), "x.b": (0, 80), "x.c": (0, 30), "x.d": (0, 100)}


def test_a_derived_measure_past_the_largest_float_is_refused_not_a_crash(tmp_path):
    # differential case 890442: retention = accounts_end / accounts_start = 23 / 2.3e-308 is exactly 10^309, past the
    # largest float (its float quotient is inf); the incentive plan's exact rescue of derived measures turned 10^309
    # into a float and the run crashed (OverflowError). Now that person is refused with a located error, as any
    # measure of 10^15 or more is, and the others are paid; the reference refuses them too.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {tb: money}
        metrics:
          accounts_end: {aggregate: last}
          accounts_start: {aggregate: first}
          retention: {unit: ratio, formula: accounts_end / accounts_start}
        scorecards: {rep: {dimensions: {d: {weight: 100, kpis: {retention: {weight: 100, target: 0.9}}}}}}
        grades: [{grade: A, min: 0}]
        bonus:
          target: tb
          components: {c: {measure: retention, target: 0.9, share: 1, tiers: [{from: 0.8, pay: 0.5}]}}
        """, employees_csv="id,name,tb\nE1,A,1000\nE2,B,1000\n",
        metrics_csv="employee,month,accounts_end,accounts_start\nE1,2026-07,23,2.3e-308\nE2,2026-07,19,20\n")
    res = run(cycle)
    assert res.exit_code == 0, res.output
    for doc in (engine(cycle), reference(cycle)):
        # E2: retention 19 / 20 = 0.95 against 0.9: attainment 1.0556, past the tier from 0.8: pays 0.5 x 1000
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E2", "500")]
        assert [e["employee"] for e in doc["errors"]] == ["E1"]
    assert "retention" in next(e["message"] for e in engine(cycle)["errors"])


def test_attainments_that_land_exactly_on_a_band_start_and_a_tier(tmp_path):
    # The generator now makes actuals land exactly on the attainments a ruleset names (feature
    # attainment-exactly-on-a-point). By hand: E1's revenue 33,333.33 + 33,333.33 + 33,333.34 = 100,000 exactly
    # (floats add up to a hair off), a = 1: band 100 and the tier from 1 reached; collected / billed =
    # 95,000 / 100,000 = 0.95 on a target of 0.95: a = 1, score 100; total 100; bonus 1,000.01 x 0.5 = 500.005,
    # half-up to the cent 500.01. E2: 89,999.99 / 100,000 is below the band at 0.9: score 0, no tier: bonus 0;
    # 94,999.99 / 100,000 / 0.95 x 100 = 99.99998947..., x 40 % = 39.9999957... reported 40.
    from decimal import Decimal

    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {target_bonus: money}
        metrics:
          revenue: {aggregate: sum}
          collected: {aggregate: sum}
          billed: {aggregate: sum}
          collection_rate: {formula: collected / billed}
        scorecards:
          rep:
            dimensions:
              results:
                weight: 100
                kpis:
                  revenue: {weight: 60, target: 100000, curve: {bands: [{from: 0.9, score: 80}, {from: 1, score: 100}]}}
                  collection_rate: {weight: 40, target: 0.95}
        grades: [{grade: A, min: 100}, {grade: B, min: 0}]
        bonus: {target: target_bonus, attainment: revenue, tiers: [{from: 1, pay: 0.5}], rounding: 0.01}
        """, employees_csv="id,name,target_bonus\nE1,A,1000.01\nE2,B,1000.01\n",
        metrics_csv="employee,month,revenue,collected,billed\n"
                    "E1,2026-07,33333.33,95000,100000\nE1,2026-08,33333.33,,\nE1,2026-09,33333.34,,\n"
                    "E2,2026-07,30000,94999.99,100000\nE2,2026-08,30000,,\nE2,2026-09,29999.99,,\n")
    for doc in (engine(cycle), reference(cycle)):
        e1, e2 = sorted(doc["employees"], key=lambda e: e["id"])
        assert (e1["score"], e1["grade"], Decimal(e1["bonus"])) == (100, "A", Decimal("500.01"))
        assert (e1["kpis"]["results.revenue"]["score"], e1["kpis"]["results.collection_rate"]["score"]) == (100, 100)
        assert (e2["score"], e2["grade"], Decimal(e2["bonus"])) == (40, "B", 0)
        assert e2["kpis"]["results.revenue"]["score"] == 0


def test_a_hierarchy_only_the_shorter_periods_ruleset_reads_is_not_broken_on_purpose():
    # test_generated_runs (300 cases, 2 Dec): a manager id nobody has, written on purpose to stop the run, was
    # read only by the ruleset of the shorter periods (its team roll-up); the cycle under test, whose ruleset
    # reads no manager, completed, as it should, and the test called that a problem. The generator now breaks
    # the hierarchy only when the ruleset under test reads it.
    from generate import RandomChooser
    from generate.data import DataGenerator
    from generate.ruleset import Period, Plan, merged

    period = Period.parse("2026-Q3")
    main, sub = Plan(period), Plan(period)
    sub.attributes["manager"] = "string"
    kinds = set()
    for seed in range(400):
        gen = DataGenerator(RandomChooser(seed), merged([main, sub]), None)
        kinds.add(gen.dirty)
    assert kinds & {"manager-unknown", "manager-cycle"} == set()
    assert "metric-not-a-number" in kinds  # other broken data is still drawn


# Differential case 2242196: README "The largest numbers an incentive plan pays on": a measure of 2^33 or more whose
# 6-place decimal has more than 15 significant digits is not known exactly, so the employee goes to the errors. The
# engine judged a sum's or a mean's float by its shortest decimal, which can have 15 digits and not be the value:
# E1 avg = (999,999,999,999,999 + 60 + 46 + 53 + 21 + 40 + 32 + 25 + 31 + 36 + 33) / 11 = 1,000,000,000,000,376 / 11
#    = 90,909,090,909,125.090909... (20 significant digits at 6 places): an error (the engine paid on its float's
#    shortest decimal, 90909090909125.1).
# E2 total = 8,000,000,000,000.005 + 11 x 8,000,000,000,000 = 96,000,000,000,000.005 (17 digits; each cell fits 3 places
#    below 2^53 units, so the sum is that decimal exactly, README): an error (the engine paid on its float, 9.6e13).
# E3 total = 2,553,439,974,157.79 + 2,553,439,974,157.79 + 2,553,439,974,157.78 = 7,660,319,922,473.36 (15 digits)
#    and avg 1: paid 7,660,319,922,473.36 + 1 = 7,660,319,922,474.36.
BIG_MEASURES = dict(cycle_yaml=CYCLE.replace("2026-Q3", "2026"), ruleset_yaml="""\
    id: r
    version: "1"
    attributes: {target_bonus: money}
    metrics:
      avg: {aggregate: mean}
      total: {aggregate: sum}
    scorecards:
      rep:
        dimensions:
          results: {weight: 100, kpis: {total: {weight: 100, target: 10}}}
    grades: [{grade: A, min: 0}]
    bonus:
      target: target_bonus
      rounding: 0.01
      components: {a: {measure: avg, per_unit: 1}, t: {measure: total, per_unit: 1}}
    """, employees_csv="id,name,target_bonus\nE1,A,100\nE2,B,100\nE3,C,100\n",
    metrics_csv="employee,month,avg,total\n" + "".join(
        f"E1,2026-{i + 1:02d},{v},1\n" for i, v in enumerate([999999999999999, 60, 46, 53, 21, 40, 32, 25, 31, 36, 33]))
    + "E2,2026-01,1,8000000000000.005\n" + "".join(f"E2,2026-{m:02d},1,8000000000000\n" for m in range(2, 13))
    + "E3,2026-01,1,2553439974157.79\nE3,2026-02,1,2553439974157.79\nE3,2026-03,1,2553439974157.78\n")


def test_a_big_mean_or_sum_measure_past_15_digits_is_an_error_not_its_floats_shortest_decimal(tmp_path):
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, **BIG_MEASURES)
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E3", "7660319922474.36")]
        assert sorted(e["employee"] for e in doc["errors"]) == ["E1", "E2"]


def test_a_derived_measure_of_an_input_past_15_digits_is_not_paid_on(tmp_path):
    # differential case 2220279, by hand: E1's q = 100,000,000,387,784.62 / 76 = 1,315,789,478,786.63973...; the
    # input has 17 significant digits, so the decimal the data meant is not known to the float it is read as, and
    # the float of q (1315789478786.64: 15 digits) must not pass for it: E1 is an error, not paid. E2's input has 2
    # significant digits: q = 76,000,000,000,000 / 76 = 1,000,000,000,000 exactly, paid at 1 a unit.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {target_bonus: money}
        metrics:
          big: {aggregate: sum}
          q: {formula: big / 76}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {big: {weight: 100, target: 10}}}
        grades: [{grade: A, min: 0}]
        bonus:
          target: target_bonus
          rounding: 0.01
          components: {a: {measure: q, per_unit: 1}}
        """, employees_csv="id,name,target_bonus\nE1,A,100\nE2,B,100\n",
        metrics_csv="employee,month,big\nE1,2026-07,100000000387784.62\nE2,2026-07,76000000000000\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E2", "1000000000000.00")]
        assert [e["employee"] for e in doc["errors"]] == ["E1"]


def test_a_derived_measure_of_a_big_mean_past_15_digits_is_not_paid_on(tmp_path):
    # BIG_MEASURES' E1, its mean read through a formula: avg = 1,000,000,000,000,376 / 11 = 90,909,090,909,125.0909...
    # (its float's shortest decimal, 90909090909125.1, has 15 digits and is not the value), so q = avg + 0 is not known
    # exactly either: E1 is an error, not paid on 90909090909125.1 (E2's total and E3 as in the test above)
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    ruleset = BIG_MEASURES["ruleset_yaml"].replace("      total: {aggregate: sum}\n",
                                                   "      total: {aggregate: sum}\n      q: {formula: avg + 0}\n")
    ruleset = ruleset.replace("{a: {measure: avg, per_unit: 1}", "{a: {measure: q, per_unit: 1}")
    assert "q: {formula: avg + 0}" in ruleset and "measure: q" in ruleset
    cycle = write(tmp_path, **{**BIG_MEASURES, "ruleset_yaml": ruleset})
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E3", "7660319922474.36")]
        assert sorted(e["employee"] for e in doc["errors"]) == ["E1", "E2"]


def test_a_measure_below_2_to_the_33_is_paid_on_even_when_another_component_pays_on_a_big_one(tmp_path):
    # differential case 2370874, by hand: q = big / visits. Below 2^33 a float carries a measure's 6 places (README
    # "The largest numbers an incentive plan pays on"), so q is paid on whatever its inputs' digits, as it is for
    # E2, whose measures are all small. E1's component a pays on visits = 10,000,000,000 (2^33 or more, 11 digits:
    # carried); that must not make E1's q, 100,000,000,000,000.42 / 10^10 = 10,000.000000000042 (10,000.000000
    # at 6 places), an error because big has 17 digits (the engine sent E1 to the errors, naming q).
    # E1: a = 10,000,000,000 x 1, b = 10,000.000000 x 1: 10,000,010,000.00.
    # E2: a = 20,000 x 1; q = 100,000,000,000,000.42 / 20,000 = 5,000,000,000.000021: 5,000,020,000.000021 → 0.01
    # half-up: 5,000,020,000.00.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {target_bonus: money}
        metrics:
          big: {aggregate: sum}
          visits: {aggregate: sum}
          q: {formula: big / visits}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
        grades: [{grade: A, min: 0}]
        bonus:
          target: target_bonus
          rounding: 0.01
          components: {a: {measure: visits, per_unit: 1}, b: {measure: q, per_unit: 1}}
        """, employees_csv="id,name,target_bonus\nE1,A,100\nE2,B,100\n",
        metrics_csv="employee,month,big,visits\nE1,2026-07,100000000000000.42,10000000000\n"
                    "E2,2026-07,100000000000000.42,20000\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E1", "10000010000.00"),
                                                                     ("E2", "5000020000.00")]
        assert doc["errors"] == []


CANCELS = """\
    id: r
    version: "1"
    attributes: {target_bonus: money}
    metrics:
      big: {aggregate: sum}
      visits: {aggregate: sum}
      m: {formula: big - 100000000000000}
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


def test_a_small_measure_cancelling_most_of_a_number_past_15_digits_is_not_paid_on(tmp_path):
    # m = big - 10^14. E1's big, 100,000,000,000,001.42, has 17 significant digits; the float it is read into is
    # 100,000,000,000,001.421875 (floats there are 1/64 apart), and every decimal from 100,000,000,000,001.4140625
    # to ...001.4296875 is read into that same float. So m may be anything from 1.4140625 to 1.4296875: 6 places
    # of 1.414063 to 1.429688, not one value. E1 is an error (the engine paid 1.421875 × 1000 = 1,421.88; the data
    # meant 1,420.00). E2's big, 100,000,000,000,002 (15 digits), is exact: m = 2, paid 2 × 1000 = 2,000.00.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=CANCELS, employees_csv="id,name,target_bonus\nE1,A,100\n"
                  "E2,B,100\n", metrics_csv="employee,month,big,visits\nE1,2026-07,100000000000001.42,10\n"
                                            "E2,2026-07,100000000000002,10\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E2", "2000.00")]
        assert [e["employee"] for e in doc["errors"]] == ["E1"]


def test_a_small_measure_of_a_number_past_15_digits_is_paid_when_every_value_it_may_be_gives_the_same(tmp_path):
    # m = round(big - 10^14, 1): big 100,000,000,000,001.42 may be anything from ...001.4140625 to ...001.4296875
    # (the test above), so big - 10^14 from 1.4140625 to 1.4296875, and round(…, 1) is 1.4 for every one of them:
    # paid 1.4 × 1000 = 1,400.00. (The engine without the range paid it too; a comparison deciding the same for
    # every value is as good: max(m, 1) is 1.4 for all.)
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    ruleset = CANCELS.replace("m: {formula: big - 100000000000000}",
                              "m: {formula: 'max(round(big - 100000000000000, 1), 1)'}")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=ruleset, employees_csv="id,name,target_bonus\nE1,A,100\n",
                  metrics_csv="employee,month,big,visits\nE1,2026-07,100000000000001.42,10\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E1", "1400.00")]
        assert doc["errors"] == []


def test_a_measure_amplifying_a_number_past_15_digits_below_2_to_the_33_is_not_paid_on_when_undecided(tmp_path):
    # m = x × 1000 with x = 1,000,000.1234564995 (17 digits; floats near 10^6 are 2^-33 apart, about 1.16e-10): x's
    # float stands for decimals up to 5.8e-11 either side, so m for up to 5.8e-8 either side of 1,000,000,123.4564995,
    # from ...123.45649944 to ...123.45649956: 6 places 1,000,000,123.456499 or .456500, not one. E1 is an error
    # (m is below 2^33, so the engine paid on its float without looking). E2's x = 1,000,000.12345 (12 digits) is
    # exact: m = 1,000,000,123.45, paid × 1 = 1,000,000,123.45.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    ruleset = CANCELS.replace("m: {formula: big - 100000000000000}", "m: {formula: big * 1000}") \
        .replace("per_unit: 1000", "per_unit: 1")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=ruleset, employees_csv="id,name,target_bonus\nE1,A,100\n"
                  "E2,B,100\n", metrics_csv="employee,month,big,visits\nE1,2026-07,1000000.1234564995,10\n"
                                            "E2,2026-07,1000000.12345,10\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E2", "1000000123.45")]
        assert [e["employee"] for e in doc["errors"]] == ["E1"]


def test_a_sum_of_cells_no_decimal_places_fit_is_paid_only_where_its_floats_decide_6_places(tmp_path):
    # metric big summed over two months. E1: 100,000,000,000,001.42 + (-100,000,000,000,000): at 2 places the cells
    # are 10^16 hundredths, past 2^53, so no places fit and the floats are added: 1.421875 (the first cell's float is
    # ...001.421875), where the data says 1.42. The decimals the cells stand for add up to anything within the
    # cells' floats' half steps (1/128 for each: floats near 10^14 are 1/64 apart) and half the step at the sum
    # (2^-53 at 1.42) of it: 1.40625 to 1.4375, not one 6-place value: an error, for the measure itself and for a
    # formula over it (the engine paid 1,421.88 on both).
    # E2: 1,000,000.12 + 0.1234567890123 (13 places: 10^19 units, no fit): 1,000,000.2434567890123 within about
    # 1.2e-10 (half steps of 5.8e-11 at 10^6): 6 places 1,000,000.243457 for all, paid × 1000 =
    # 1,000,000,243.457 → 0.01 half-up 1,000,000,243.46 (raw) and the same through m = big + 0.
    # E3: 0.64261504499999998 + 0.1: the first cell's float's shortest decimal is 0.642615045, which it is read as
    # (README): 0.742615045, 6 places 0.742615 (half-up of ...0450), × 1000 = 742.615 → 742.62.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    for measure in ("big", "m"):
        ruleset = CANCELS.replace("m: {formula: big - 100000000000000}", "m: {formula: big + 0}") \
            .replace("measure: m,", f"measure: {measure},")
        cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=ruleset,
                      employees_csv="id,name,target_bonus\nE1,A,100\nE2,B,100\nE3,C,100\n",
                      metrics_csv="employee,month,big,visits\nE1,2026-07,100000000000001.42,10\n"
                                  "E1,2026-08,-100000000000000,1\nE2,2026-07,1000000.12,1\n"
                                  "E2,2026-08,0.1234567890123,1\nE3,2026-07,0.64261504499999998,1\n"
                                  "E3,2026-08,0.1,1\n")
        for doc in (engine(cycle), reference(cycle)):
            assert [(e["id"], e["bonus"]) for e in doc["employees"]] == [("E2", "1000000243.46"),
                                                                         ("E3", "742.62")], measure
            assert [e["employee"] for e in doc["errors"]] == ["E1"]


def test_a_team_sum_of_values_no_decimal_places_fit_is_paid_only_where_its_floats_decide_6_places(tmp_path):
    # M1's team: R1 100,000,000,000,001.42 and R2 -100,000,000,000,000: no places fit both (2 places: 10^16
    # hundredths), so the team's sum is their floats' sum, 1.421875, anything from 1.40625 to 1.4375 as written
    # (each float 1/128 either side, and half a step at the sum): M1 is an error (the engine paid 1,421.88; the data
    # says 1,420.00). M2's team: 1,000,000.12 and 0.1234567890123 (13 places: 10^19 units, no fit):
    # 1,000,000.2434567890123 give or take ~1.2e-10: 1,000,000.243457 at 6 places for all: paid × 1000 =
    # 1,000,000,243.457 → 1,000,000,243.46 (its own big is 0). The reports lead no team (their `team` is missing,
    # so their bonus is); R1's own big, 100,000,000,000,001.42, has 17 digits and is of 2^33 or more: an error.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    ruleset = CANCELS.replace("attributes: {target_bonus: money}",
                              "attributes: {target_bonus: money, manager: string}") \
        .replace("m: {formula: big - 100000000000000}", "team: {rollup: {of: big}}") \
        .replace("components: {a: {measure: m, per_unit: 1000}}",
                 "components: {a: {measure: big, per_unit: 1000}, t: {measure: team, per_unit: 1000}}")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=ruleset,
                  employees_csv="id,name,target_bonus,manager\nM1,A,100,\nM2,B,100,\nR1,C,100,M1\nR2,D,100,M1\n"
                                "R3,E,100,M2\nR4,F,100,M2\n",
                  metrics_csv="employee,month,big,visits\nM1,2026-07,0,1\nM2,2026-07,0,1\n"
                              "R1,2026-07,100000000000001.42,1\nR2,2026-07,-100000000000000,1\n"
                              "R3,2026-07,1000000.12,1\nR4,2026-07,0.1234567890123,1\n")
    for doc in (engine(cycle), reference(cycle)):
        assert sorted((e["id"], e["bonus"]) for e in doc["employees"]) == [
            ("M2", "1000000243.46"), ("R2", None), ("R3", None), ("R4", None)]
        assert sorted(e["employee"] for e in doc["errors"]) == ["M1", "R1"]


OKR_RULESET = """\
    id: r
    version: "1"
    missing: POLICY
    metrics:
      visits: {aggregate: sum}
    scorecards:
      rep:
        dimensions:
          results: {weight: 50, kpis: {visits: {weight: 100, target: 10}}}
          goals: {weight: 50, okr: {}}
    grades: [{grade: A, min: 0}]
    """

OKRS = """\
    E1:
      - objective: Grow
        key_results:
          - {name: deals, start: 0, target: 10, current: 5}
          - {name: pipeline, start: 0, target: 4, current: null}
    E2:
      - objective: Grow
        key_results:
          - {name: deals, start: 0, target: 10, current: 10}
    """


@pytest.mark.parametrize("policy, e1_score, e1_error", [("redistribute", 75.0, False), ("zero", 62.5, False),
                                                          ("error", None, True)])
def test_a_key_result_without_a_current_value_follows_the_rulesets_missing_policy(tmp_path, policy, e1_score,
                                                                                   e1_error):
    # E1's visits 10 of 10: results 100. Goals: deals 5 of 10 = 0.5; pipeline has no current value.
    # redistribute: pipeline is left out (a counted warning), objective 0.5, goals 50: score 50 × 100% + 50 × 50% = 75
    # zero: pipeline counts 0, objective (0.5 + 0) / 2 = 0.25, goals 25: score 50 + 12.5 = 62.5
    # error: E1 is an error. (It was left out silently under every policy.) E2: 100 + 100: 100 under each.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE.replace("  - {provider: csv, path: metrics.csv}\n",
                                                     "  - {provider: csv, path: metrics.csv}\n"
                                                     "  - {provider: okr, path: okrs.yaml}\n"),
                  ruleset_yaml=OKR_RULESET.replace("POLICY", policy), okrs_yaml=OKRS,
                  employees_csv="id,name\nE1,A\nE2,B\n", metrics_csv="employee,month,visits\nE1,2026-07,10\n"
                                                                     "E2,2026-07,10\n")
    for name, doc in (("engine", engine(cycle)), ("reference", reference(cycle))):
        scores = {e["id"]: e["score"] for e in doc["employees"]}
        assert scores.get("E1") == e1_score and scores["E2"] == 100.0, name
        assert [e["employee"] for e in doc["errors"]] == (["E1"] if e1_error else []), name
    from appraise.api import evaluate_cycle_results

    warned = [w for w in evaluate_cycle_results(cycle).evaluation.warnings if "'pipeline'" in w]
    assert len(warned) == (1 if policy == "redistribute" else 0)  # left out: a counted warning, never silently


def test_full_width_digits_in_a_metric_cell_stop_the_run_in_both(tmp_path):
    # Differential case 5001056 (the generator's bad cells): a collected cell of '４５００００' (full-width digits).
    # README "Messy exports" refuses it at its cell ("type it with ASCII digits: 450000"); the reference read it as
    # 450000, since Python's \d and Decimal() both take any script's digits.
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=VISITS, employees_csv="id,name,hire_date\nE1,A,2020-01-01\n",
                  metrics_csv="employee,month,visits\nE1,2026-07,４５００００\n")
    _refused_by_both(cycle, "full-width", "is not a number")


def test_a_bad_cell_in_a_row_the_period_does_not_read_stops_nothing(tmp_path):
    # Differential cases 5001171, 5001195, 5001245 (a cell of another month) and 5001012, 5001154, 5001325, 5001341
    # (a month wholly outside someone's employment): the engine reads a metric cell where the period reads its row,
    # as it judges a cell too close to 0 (README); a row of another month is not read and one outside the employment
    # is set aside with a warning, its cell unread. The reference refused the run at 'N/A' in 2026-10 and at
    # '85%' of E2, who left on 2026-03-31, in 2026-07.
    # By hand: E1's visits in Q3 are 6 + 4 = 10, target 10 (tenure over 3 months, no rule): attainment 1, score 100.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=VISITS,
                  employees_csv="id,name,hire_date,leave_date\nE1,A,2020-01-01,\nE2,B,2020-01-01,2026-03-31\n",
                  metrics_csv="employee,month,visits\nE1,2026-07,6\nE1,2026-08,4\nE1,2026-10,N/A\nE2,2026-07,85%\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["score"]) for e in doc["employees"]] == [("E1", 100.0)]
        assert doc["errors"] == []


@pytest.mark.parametrize("cell", ["1e15", "999999999999999.99"])
def test_a_metric_cell_of_10_to_the_15_or_more_stops_the_run_in_both(tmp_path, cell):
    # Differential case 5002215: a worst_margin cell of '1e15'. README: numbers of 10^15 or more are refused at their
    # cell, judged on the float nearest them (999,999,999,999,999.99 is the float 1e15); the reference read the cell
    # and only made its employee an error (a metric value past the limit).
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=VISITS, employees_csv="id,name,hire_date\nE1,A,2020-01-01\n",
                  metrics_csv=f"employee,month,visits\nE1,2026-07,{cell}\n")
    _refused_by_both(cycle, "too large to compute exactly", "10\\^15 or more")


def test_a_formula_whose_floats_underflow_to_0_is_too_close_to_0_not_0(tmp_path):
    # Differential case 2380768 (random formulas): mix_1 = retention * accounts_end of a report with an accounts_end of
    # 2.3e-308 is exactly about 1e-617, not 0, and the manager's team_mix_1 (its minimum over the reports) with it;
    # floats made both 0.0, so the manager was paid on a KPI actual of 0 where the reference found a metric value too
    # close to 0 (README: an error for its employee, as a subnormal value is). By hand: E1's p = 2.3e-308 x 2.3e-308
    # = 5.29e-616, not 0 but below 2.2e-308: an error; E2's p = 0.5 x 0.5 = 0.25 of a target of 1: score 25.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          small: {aggregate: sum}
          p: {formula: small * small}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {p: {weight: 100, target: 1}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name\nE1,A\nE2,B\n",
        metrics_csv="employee,month,small\nE1,2026-07,2.3e-308\nE2,2026-07,0.5\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["score"]) for e in doc["employees"]] == [("E2", 25.0)]
        assert [e["employee"] for e in doc["errors"]] == ["E1"]
    assert "too close to 0" in engine(cycle)["errors"][0]["message"]


def test_a_number_column_of_the_employee_table_reads_thousands_commas(tmp_path):
    # Differential case 2380596 (bad employee cells): personal_target '470,000'. README "Messy exports": employee
    # number and money columns also read 30,000.50; the reference read commas in money columns only and refused the
    # run. By hand: target 1,000, visits 500: attainment 0.5, score 50.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        attributes: {personal_target: number}
        metrics:
          visits: {aggregate: sum}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: personal_target}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv='id,name,personal_target\nE1,A,"1,000"\n',
        metrics_csv="employee,month,visits\nE1,2026-07,500\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["score"]) for e in doc["employees"]] == [("E1", 50.0)]


def test_a_formula_over_an_infinity_is_an_error_for_its_employee_not_a_crash(tmp_path):
    # Differential case 2381166 (random formulas): mix_2 = max(deals, (1000 / orders) / response_hours) with a
    # response_hours of 2.3e-308 is exactly about 1.1e309, past the largest float: infinite in floats, and min/max
    # propagated a missing argument by adding it times 0, so infinity times 0 made it NaN; a metric no KPI of the
    # employee's scorecard reads then passed polars' check (NaN counts as large there) but not the one naming it, and
    # the run crashed (StopIteration); with few rows it was not seen at all. By hand: E1's m is 1000 / 2.3e-308, about
    # 4.3e310, past 10^15: an error (README: a metric value of 10^15 or more); E2's m is max(5, 1000) = 1000, read by
    # nothing; visits 5 of a target of 10: score 50.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml="""\
        id: r
        version: "1"
        metrics:
          visits: {aggregate: sum}
          small: {aggregate: sum}
          m: {formula: 'max(visits, 1000 / small)'}
        scorecards:
          rep:
            dimensions:
              results: {weight: 100, kpis: {visits: {weight: 100, target: 10}}}
        grades: [{grade: A, min: 0}]
        """, employees_csv="id,name\nE1,A\nE2,B\n",
        metrics_csv="employee,month,visits,small\nE1,2026-07,5,2.3e-308\nE2,2026-07,5,1\n")
    got = engine(cycle)
    assert [(e["id"], e["score"]) for e in got["employees"]] == [("E2", 50.0)]
    assert [e["employee"] for e in got["errors"]] == ["E1"] and "too large" in got["errors"][0]["message"]
    want = reference(cycle)
    assert [(e["id"], e["score"]) for e in want["employees"]] == [("E2", 50.0)]
    assert [e["employee"] for e in want["errors"]] == ["E1"]


def test_a_team_roll_up_of_a_value_past_the_largest_float_is_an_error_not_a_crash(tmp_path):
    # m = big^23: R1's (10^14)^23 = 10^322 is past the largest float (1.8e308): R1 is an error, and so is M1, whose
    # team roll-up reads it (the reference crashed with OverflowError working out the team's range). R2's m is 1;
    # visits 10 of 10 (100 points; its team KPI missing, redistributed), paid 10 × 1 = 10.00.
    from appraise.api import evaluate_cycle as engine
    from reference import evaluate_cycle as reference

    power = " * ".join(["big"] * 23)
    ruleset = CANCELS.replace("attributes: {target_bonus: money}",
                              "attributes: {target_bonus: money, manager: string}") \
        .replace("m: {formula: big - 100000000000000}", f"m: {{formula: {power}}}\n      team: {{rollup: {{of: m}}}}") \
        .replace("components: {a: {measure: m, per_unit: 1000}}", "components: {a: {measure: visits, per_unit: 1}}") \
        .replace("kpis: {visits: {weight: 100, target: 10}}",
                 "kpis: {visits: {weight: 50, target: 10}, team: {weight: 50, target: 10}}")
    cycle = write(tmp_path, cycle_yaml=CYCLE, ruleset_yaml=ruleset,
                  employees_csv="id,name,target_bonus,manager\nM1,A,100,\nR1,B,100,M1\nR2,C,100,M1\n",
                  metrics_csv="employee,month,big,visits\nM1,2026-07,1,10\nR1,2026-07,100000000000000,10\n"
                              "R2,2026-07,1,10\n")
    for doc in (engine(cycle), reference(cycle)):
        assert [(e["id"], e["bonus"], e["score"]) for e in doc["employees"]] == [("R2", "10.00", 100.0)]
        assert sorted(e["employee"] for e in doc["errors"]) == ["M1", "R1"]
