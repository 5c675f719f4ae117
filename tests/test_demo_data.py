"""The generated companies (``appraise.tools.demo``) are data the product accepts."""
from __future__ import annotations

import csv
from collections import defaultdict

from appraise.tools.demo import make_company


def test_big_company_okr_csv_gives_each_objective_one_type(tmp_path):
    # above 2,000 people the OKRs are written as CSV, where rows of one employee and objective name are one
    # objective: the generator once drew the same objective twice with different types, which the OKR provider
    # (rightly) refuses, so the benchmark companies did not run
    make_company(tmp_path, employees=2001, seed=11, quarters=("2026-Q3",))
    types: dict[tuple[str, str], set[str]] = defaultdict(set)
    with open(tmp_path / "data" / "okrs-2026-Q3.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            types[row["employee"], row["objective"]].add(row["type"])
    assert len({emp for emp, _ in types}) > 1500
    assert {frozenset(t) for t in types.values()} <= {frozenset({"committed"}), frozenset({"aspirational"})}
    # both kinds still occur, and some people still have two objectives
    assert {t for ts in types.values() for t in ts} == {"committed", "aspirational"}
    per_person = defaultdict(int)
    for emp, _ in types:
        per_person[emp] += 1
    assert max(per_person.values()) == 2


def test_nobody_leaves_before_joining(tmp_path):
    # a new hire of the appraised months drawn as a leaver at the end of the first quarter left before joining
    # (S000193: hired 2026-04-05, left 2026-03-28), which the engine rightly refuses; the demo's year showed it
    folder = tmp_path / "demo"
    make_company(folder, employees=300, seed=2026, quarters=("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"))
    with open(folder / "data" / "employees.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    leavers = [r for r in rows if r["leave_date"]]
    assert leavers and all(r["leave_date"] >= r["hire_date"] for r in rows if r["leave_date"])
    assert len(rows) == 300
