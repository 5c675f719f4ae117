"""The employee table as the engine reads it (``appraise.core.rollup.read_employees``): who a period appraises,
their tenure, days employed and share, and which cells are errors — hand-worked for 2026-Q3 (2026-07-01 to
2026-09-30, 92 days), from the README ("`tenure_months`", "Bad data never pays silently", "Months and leavers").

Written for the mutants of ``read_employees`` that no test noticed (tests/mutation/run.py, PERIOD_TESTS).
"""
from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from appraise.core.frame import EmployeeError
from appraise.core.rollup import read_employees
from appraise.errors import AppraiseError
from appraise.language.compile import compile_ruleset
from appraise.language.period import parse
from appraise.tables import Inputs

Q3 = parse("2026-Q3")


def ruleset(**over) -> dict:
    base = {
        "id": "t", "version": "1",
        "attributes": {"team": "string", "level": "number", "target_bonus": "money"},
        "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}},
        "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
            "revenue": {"weight": 100, "target": "quota"}}}}}},
        "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}],
        "bonus": {"target": "target_bonus", "attainment": "revenue", "tiers": [{"from": 1, "pay": 1}]},
    }
    base.update(over)
    return base


def read(rules: dict, rows: list[dict]) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """The employee frame and the errors (employee, message) of ``rows`` (every cell text, as providers read)."""
    cols = ["id", "name", "hire_date", "leave_date", "team", "level", "target_bonus"]
    table = pl.DataFrame([{c: r.get(c) for c in cols} for r in rows], schema={c: pl.Utf8 for c in cols})
    errors: list[EmployeeError] = []
    out = read_employees(compile_ruleset(rules), Inputs(employees=table), Q3, errors)
    return out, [(e.employee, e.message) for e in errors]


def person(i: str, hire: str | None = "2020-01-01", leave: str | None = None, **cells) -> dict:
    return {"id": i, "name": i, "hire_date": hire, "leave_date": leave, "team": "t1", "level": "3",
            "target_bonus": "10000", **cells}


def test_who_the_period_appraises_their_tenure_and_days_employed():
    out, errors = read(ruleset(), [
        person("ALL"),                                    # the whole quarter: tenure (2026−2020)·12 + 9 − 1 = 80
        person("LASTDAY", hire="2026-09-30"),             # hired on the last day: 1 day, tenure 0 (not 1)
        person("FIRSTDAY", leave="2026-07-01"),           # left on the first day: 1 day, still appraised
        person("ONEDAY", hire="2026-08-15", leave="2026-08-15"),  # hired and left the same day: 1 day, no error
        person("MID", hire="2026-07-10", leave="2026-12-31"),     # 07-10..09-30: 22 + 31 + 30 = 83 days
        person("JAN30", hire="2026-01-30"),               # README: 8 months at 2026-09-30 (the 30th is reached)
        person("JAN31", hire="2026-01-31"),               # README: 7 (September has no 31st)
        person("STAMP", hire="2026-07-01T09:30:00"),      # a date with a time of day (an export's timestamp):
        #                                                   2026-07-01, 92 days, tenure 2
        person("LATER", hire="2026-10-01"),               # joins after the quarter: not in it
        person("GONE", leave="2026-06-30"),               # left before it: not in it
    ])
    assert errors == []
    got = {r[0]: r[1:] for r in out.select("id", "tenure_months", "employed_days", "employed_share").iter_rows()}
    assert got == {"ALL": (80.0, 92, 1.0), "LASTDAY": (0.0, 1, 1 / 92), "FIRSTDAY": (80.0, 1, 1 / 92),
                   "ONEDAY": (1.0, 1, 1 / 92), "MID": (2.0, 83, 83 / 92), "JAN30": (8.0, 92, 1.0),
                   "JAN31": (7.0, 92, 1.0), "STAMP": (2.0, 92, 1.0)}
    # ONEDAY: 2026-08-15 to 09-30 is 1 month (the 15th of September reached); MID: 2 (the 10th of September)
    # the typed attributes, after the plain columns; the checks' helper columns are not left in the frame
    # (locale: the table has none, an empty column stands for it)
    assert out.columns == ["id", "name", "hire_date", "leave_date", "team", "level", "target_bonus", "locale",
                           "tenure_months", "employed_days", "employed_share", "attr.team", "attr.level",
                           "attr.target_bonus", "money.target_bonus"]
    assert out.filter(pl.col("id") == "ALL").select("attr.level", "money.target_bonus").row(0) == \
        (3.0, Decimal(10000))


def test_a_blank_hire_date_is_no_error_when_nothing_reads_it_and_then_has_no_tenure():
    # no proration, nothing reads tenure_months or employed_share: the blank hire date is simply unknown
    # (tenure null, never 0 months); the days employed count from the quarter's first day
    out, errors = read(ruleset(), [person("BLANK", hire="  "), person("NULL", hire=None, leave="2026-08-31")])
    assert errors == []
    got = {r[0]: r[1:] for r in out.select("id", "tenure_months", "employed_days").iter_rows()}
    assert got == {"BLANK": (None, 92), "NULL": (None, 62)}    # 07-01..08-31: 31 + 31 days


def test_unreadable_cells_of_the_people_the_period_appraises_are_their_errors():
    rules = ruleset(proration="days")  # prorating reads the hire date: a blank one is an error
    out, errors = read(rules, [
        person("OK", level=""),                           # a blank number is absent, not an error
        person("BLANKHIRE", hire=" "),
        person("NULLHIRE", hire=None),
        person("BADHIRE", hire="2026/07/01"),
        person("ORDER", hire="2026-08-01", leave="2026-07-15"),
        person("ZERO", target_bonus="0"),                 # a bonus target of 0 is allowed (0 or more)
        person("NEG", target_bonus="-1"),
        person("HUGE", level="1e16"),
        person("NEGHUGE", level="-1e16"),                 # too large in size, whatever its sign
        person("EDGE", level="1e15"),                     # 10^15 itself is not below 10^15
        person("JUSTBELOW", level="999999999999999"),     # 15 nines: below it
        person("NAN", level="nan"),
        person("WORD", level="abc"),                      # not a number: that error only, not also 'not usable'
        person("EARLIER", leave="2026-06-30", target_bonus="-1", level="1e16"),  # not appraised: no error
    ])
    usable = "is not a usable number: it must be finite and below 10^15"
    assert sorted(errors) == sorted([
        ("BLANKHIRE", "hire_date is empty, but the ruleset prorates the bonus by days employed; give the "
                      "employee's hire date (YYYY-MM-DD)"),
        ("NULLHIRE", "hire_date is empty, but the ruleset prorates the bonus by days employed; give the "
                     "employee's hire date (YYYY-MM-DD)"),
        ("BADHIRE", "hire_date '2026/07/01' is not a date; write YYYY-MM-DD"),
        ("ORDER", "leave_date '2026-07-15' is before the hire_date; correct one of the two dates"),
        ("NEG", "target_bonus '-1' is below zero; a bonus target is 0 or more"),
        ("HUGE", f"level '1e16' {usable}"),
        ("NEGHUGE", f"level '-1e16' {usable}"),
        ("EDGE", f"level '1e15' {usable}"),
        ("NAN", f"level 'nan' {usable}"),
        ("WORD", "level 'abc' is not a number (declared number)"),
    ])
    assert sorted(out["id"].to_list()) == ["JUSTBELOW", "OK", "ZERO"]   # those with an error are left out


def test_a_date_with_more_after_it_than_a_time_of_day_is_not_a_date():
    # found by the mutant slice(0, 10) -> slice(0, 11): the engine read the first 10 characters of a date, so
    # a table handed to appraise.evaluate with '2026-07-015' (a typo of the 15th?) or '2026-07-01xyz' was
    # employed from 2026-07-01, all 92 days, and paid on them (the providers refuse these cells; the engine's own
    # tables reached it as written).  A date and a time of day (a datetime column's text) is that date.
    out, errors = read(ruleset(proration="days"), [
        person("TYPO", hire="2026-07-015"), person("JUNK", hire="2026-07-01xyz"),
        person("LEAVE", leave="2026-08-3"), person("FEB30", hire="2026-02-30"),   # no 30 February
        person("TIME", hire="2026-07-10 00:00:00.000000"), person("ZONE", hire="2026-07-10T09:30:00+08:00")])
    assert sorted(errors) == [("FEB30", "hire_date '2026-02-30' is not a date; write YYYY-MM-DD"),
                              ("JUNK", "hire_date '2026-07-01xyz' is not a date; write YYYY-MM-DD"),
                              ("LEAVE", "leave_date '2026-08-3' is not a date; write YYYY-MM-DD"),
                              ("TYPO", "hire_date '2026-07-015' is not a date; write YYYY-MM-DD")]
    # 2026-07-10 to 09-30: 22 + 31 + 30 = 83 days
    assert out.select("id", "employed_days").rows() == [("TIME", 83), ("ZONE", 83)]


def test_a_declared_attribute_the_table_does_not_have_stops_the_run():
    with pytest.raises(AppraiseError, match="declares attribute 'region' but the employee table has no column "
                                            "'region'"):
        read(ruleset(attributes={"team": "string", "level": "number", "target_bonus": "money",
                                 "region": "string"}), [person("A")])
