"""Targets from the annual plan, properties: for random trees, amounts, units and keys, every level's parts sum
exactly to their whole, no part is negative or off the money unit, no part is more than one unit from its exact
share, and the same input gives the same parts whatever order the parts come in."""
from __future__ import annotations

import random
from datetime import date
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appraise.hookspecs import Origin
from appraise.tools.targets import allocate as alloc
from appraise.tools.targets.compute import compute
from appraise.tools.targets.plan import Say, load_plan
from appraise.tools.targets.sources import Data, Employee

UNITS = [Fraction(1), Fraction(100), Fraction(1, 100), Fraction(5)]


@st.composite
def trees(draw, depth: int = 0) -> alloc.Node:
    if depth == 3 or (depth and draw(st.booleans())):
        months = draw(st.lists(st.integers(0, 5), min_size=1, max_size=12))
        if not any(months):
            months[0] = 1
        return alloc.Node(f"n{draw(st.integers(0, 10**6))}", Fraction(draw(st.integers(0, 1000))),
                          months=[(f"2026-{i + 1:02d}", Fraction(w)) for i, w in enumerate(months)])
    children = draw(st.lists(trees(depth + 1), min_size=1, max_size=4))
    for i, c in enumerate(children):
        c.id = f"{c.id}-{i}"  # unique among siblings
    if not any(c.weight for c in children):
        children[0].weight = Fraction(1)
    return alloc.Node(f"u{depth}", Fraction(draw(st.integers(0, 1000))), children=children)


def _walk(node: alloc.Node, path: str = ""):
    yield path, node
    for c in node.children:
        yield from _walk(c, f"{path}/{c.id}" if path else c.id)


def _check(tree: alloc.Node, result: alloc.Allocation, amount: Fraction, unit: Fraction) -> None:
    assert result.shares[""].amount == amount
    for path, node in _walk(tree):
        have = result.shares[path].amount
        assert have >= 0 and (have / unit).denominator == 1
        if node.children:
            parts = [result.shares[f"{path}/{c.id}" if path else c.id] for c in node.children]
            assert sum(p.amount for p in parts) == have  # exact at every level
            for p in parts:
                assert abs(p.amount - p.ideal) < unit  # within one unit of the exact share
        else:
            months = result.months[path]
            assert sum(months.values()) == have
            assert all(v >= 0 and (v / unit).denominator == 1 for v in months.values())
            assert all(abs(v - result.month_ideal[path][m]) < unit for m, v in months.items())


@settings(max_examples=40, deadline=None)
@given(tree=trees(), units=st.integers(0, 10**9), unit=st.sampled_from(UNITS), fixed=st.data())
def test_allocation_is_exact_at_every_level(tree, units, unit, fixed):
    amount = units * unit
    # some of the top level's parts fixed, together at most the whole (their siblings share what is left)
    if len(tree.children) > 1 and fixed.draw(st.booleans()):
        tree.children[-1].weight += 1  # the part left free has something to share the rest by
        room = units
        for c in tree.children[:-1]:
            take = fixed.draw(st.integers(0, room))
            c.fixed = take * unit
            room -= take
    result = alloc.allocate(tree, amount, unit)
    _check(tree, result, amount, unit)
    # deterministic, and the same whatever order the parts are listed in
    again = alloc.allocate(tree, amount, unit)
    assert again.shares == result.shares and again.months == result.months
    for _, node in _walk(tree):
        node.children.reverse()
        node.months.reverse()
    flipped = alloc.allocate(tree, amount, unit)
    assert {p: s.amount for p, s in flipped.shares.items()} == {p: s.amount for p, s in result.shares.items()}
    assert flipped.months == result.months


def test_a_split_is_off_by_less_than_one_unit_and_ties_go_in_id_order():
    parts = alloc.split(Fraction(10), [("b", Fraction(1)), ("a", Fraction(1)), ("c", Fraction(1))], Fraction(1))
    assert parts == [3, 4, 3]  # 10 / 3: the one unit left goes to 'a', the first id
    assert alloc.split(Fraction(0), [("a", Fraction(0))], Fraction(1)) == [0]


# ---------------------------------------------------------------- the whole pipeline on random organisations

KEYS = ["equal", "headcount", "last_year", "{column: size}"]


@st.composite
def organisations(draw):
    rnd = random.Random(draw(st.integers(0, 2**32)))
    employees = {}
    actuals: dict[str, dict[str, Fraction]] = {}
    n = 0
    for r in range(rnd.randint(1, 3)):
        for t in range(rnd.randint(1, 3)):
            for _ in range(rnd.randint(1, 4)):
                n += 1
                emp = f"E{n:03d}"
                hire = date(rnd.choice([2015, 2025, 2026]), rnd.randint(1, 12), rnd.randint(1, 28))
                leave = date(2026, rnd.randint(hire.month if hire.year == 2026 else 1, 12), 28) \
                    if rnd.random() < 0.15 else None
                cells = {"id": emp, "name": emp, "region": f"r{r}", "team": f"r{r}t{t}",
                         "size": str(rnd.randint(1, 9))}
                employees[emp] = Employee(emp, emp, cells, hire, leave, Origin("employees.csv"), n + 1)
                if hire.year < 2026 and rnd.random() < 0.8:
                    actuals[emp] = {f"2025-{m:02d}": Fraction(rnd.randint(1, 100000))
                                    for m in range(1, 13) if hire <= date(2025, m, 28)}
    if not actuals:
        first = next(iter(employees))
        actuals[first] = {f"2025-{m:02d}": Fraction(1000) for m in range(1, 13)}
    keys = [draw(st.sampled_from(KEYS)) for _ in range(3)]
    unit = draw(st.sampled_from(["1", "100", "0.01"]))
    total = draw(st.integers(1, 10**7)) * Fraction(unit)
    ramp = draw(st.sampled_from(["", ", ramp: [0.3, 0.6]", ", ramp: [0.5]"]))
    season = draw(st.sampled_from(["equal", "last_year", "{key: last_year, of: team}"]))
    text = f"""plan: random
year: 2026
total: {total.numerator / total.denominator if total.denominator != 1 else total}
unit: {unit}
sources: [{{provider: csv, path: employees.csv, kind: employees}}]
actuals: revenue
levels:
  - {{unit: region, key: {keys[0]}}}
  - {{unit: team, key: {keys[1]}}}
  - {{unit: person, key: {keys[2]}{ramp}}}
seasonality: {season}
"""
    data = Data(employees, ("id", "name", "region", "team", "size", "hire_date", "leave_date"), actuals, {})
    return text, data


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(org=organisations())
def test_the_pipeline_is_exact_at_every_level_for_random_organisations(org, tmp_path):
    text, data = org
    path = Path(tmp_path) / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    t = compute(plan, data, Say("en"))
    unit = plan.unit
    assert sum(t.units[""].values()) == plan.total
    for upath, unit_node in t.org.units.items():
        for m, v in t.units[upath].items():
            assert v >= 0 and (v / unit).denominator == 1
            parts = sum((t.units[c].get(m, Fraction(0)) if c in t.units
                         else t.people[c.rpartition("/")[2]].months.get(m, Fraction(0))) for c in unit_node.parts)
            assert parts == v, (upath, m)
    for emp, person in t.people.items():
        assert sum(person.months.values()) == t.steps[person.path].amount
        assert all(v >= 0 and (v / unit).denominator == 1 for v in person.months.values())
        e = data.employees[emp]
        assert all(e.employed(m) for m in person.months)  # no target in a month they do not work
    assert t.rows() == compute(plan, data, Say("en")).rows()  # deterministic


# ------------------------------------------------------------------ player-coaches in a tree of managers


@st.composite
def coached_trees(draw):
    """A random tree of managers where anyone may carry a target (so managers often do: player-coaches), some
    hired this year, some leavers of last year; every key; within or on_top."""
    rnd = random.Random(draw(st.integers(0, 2**32)))
    employees: dict[str, Employee] = {}
    actuals: dict[str, dict[str, Fraction]] = {}
    n = rnd.randint(2, 14)
    for i in range(1, n + 1):
        emp = f"P{i:02d}"
        boss = f"P{rnd.randint(1, i - 1):02d}" if i > 1 else ""  # an earlier person: a tree, no circle
        hire = date(rnd.choice([2015, 2025, 2026]), rnd.randint(1, 12), rnd.randint(1, 28))
        leave = date(2025, 12, 31) if i > 2 and rnd.random() < 0.1 else None  # gone before the plan year
        cells = {"id": emp, "name": emp, "manager": boss, "size": str(rnd.randint(1, 9)),
                 "carries": "y" if rnd.random() < 0.8 else "n"}
        employees[emp] = Employee(emp, emp, cells, hire, leave, Origin("employees.csv"), i + 1)
        if hire.year < 2026 and rnd.random() < 0.8:
            actuals[emp] = {f"2025-{m:02d}": Fraction(rnd.randint(1, 100000)) for m in range(1, 13)}
    # P02 (P01's report, no leaver) carries one, so a P01 who carries one is a player-coach at the top (a top
    # person without a team of the plan is in no unit: an error, tested elsewhere)
    employees["P02"].cells["carries"] = "y"
    actuals.setdefault("P02", {f"2025-{m:02d}": Fraction(1000) for m in range(1, 13)})
    keys = [draw(st.sampled_from(["equal", "headcount", "last_year", "{column: size}"])) for _ in range(2)]
    unit = draw(st.sampled_from(["1", "100", "0.01"]))
    total = draw(st.integers(1, 10**7)) * Fraction(unit)
    mode = draw(st.sampled_from(["within", "on_top"]))
    text = f"""plan: coached
year: 2026
total: {total.numerator / total.denominator if total.denominator != 1 else total}
unit: {unit}
people: carries == "y"
sources: [{{provider: csv, path: employees.csv, kind: employees}}]
actuals: revenue
levels:
  - {{manager: manager, key: {keys[0]}, player_coach: {mode}}}
  - {{unit: person, key: {keys[1]}}}
seasonality: {draw(st.sampled_from(["equal", "last_year"]))}
"""
    data = Data(employees, ("id", "name", "manager", "size", "carries", "hire_date", "leave_date"), actuals, {})
    return text, data, mode


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=coached_trees())
def test_player_coaches_every_level_sums_exactly(case, tmp_path):
    text, data, mode = case
    path = Path(tmp_path) / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    plan = load_plan(path)
    t = compute(plan, data, Say("en"))
    unit = plan.unit
    assert sum(t.units[""].values()) == plan.total
    for upath, node in t.org.units.items():  # every unit (teams, direct units) is exactly the sum of its parts
        for m, v in t.units[upath].items():
            assert v >= 0 and (v / unit).denominator == 1
            parts = sum((t.units[c].get(m, Fraction(0)) if c in t.units
                         else t.people[c.rpartition("/")[2]].months.get(m, Fraction(0))) for c in node.parts)
            assert parts == v, (upath, m)
    for person in t.people.values():
        assert sum(person.months.values()) == t.steps[person.path].amount
        assert all(v >= 0 and (v / unit).denominator == 1 for v in person.months.values())
    # each player-coach: their team is the unit named after them; within it holds their own target (so the team
    # is at least their own), on top it does not (their own sits among their manager's direct reports)
    carries = {e for e, x in data.employees.items() if x.cells["carries"] == "y" and x.leave is None}
    for emp in carries & set(t.people):
        reports = [e for e in carries & set(t.people) if data.employees[e].cells["manager"] == emp]
        below = [e for e in t.people if e != emp and f"/{emp}/" in f"/{t.people[e].path}"]
        coach = t.coach(emp)
        assert (coach is not None) == bool(below), emp
        if coach is None:
            continue
        assert set(reports) <= set(below)
        team, own = t.year(coach["team"]), t.year(t.people[emp].path)
        assert coach["team_target"] == team and coach["own"] == own
        inside = t.people[emp].path.startswith(coach["team"] + "/")
        assert inside == (mode == "within")
        assert coach["total"] == (team if mode == "within" else team + own)
        assert team == sum(t.year(t.people[e].path) for e in below) + (own if mode == "within" else 0)
