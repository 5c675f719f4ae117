"""Grades (from the top down, the last at 0) and calibration (a known cohort, cumulative shares)."""
from __future__ import annotations

from typing import Any

from appraise.language.validate.base import RulesetBase
from appraise.language.validate.common import did_you_mean, fmt, number


class GradeChecks(RulesetBase):
    """Grades and calibration."""

    def check_grades(self) -> None:
        grades = self.section("grades", list)
        seen: dict[str, int] = {}
        previous = None
        for i, g in enumerate(grades):
            if not isinstance(g, dict):
                continue
            self.unique(seen, g.get("grade"), ("grades", i, "grade"), "grade")
            m: Any = g.get("min")
            if number(m) and previous is not None and m >= previous[1]:
                self.error(("grades", i, "min"), f"grades go from the top down, so the min of '{g.get('grade')}' "
                           f"({fmt(m)}) must be below the min of '{previous[0]}' ({fmt(previous[1])})",
                           hint="list grades from the highest to the lowest, each min lower than the one before",
                           code="order")
            if number(m):
                previous = (g.get("grade"), m)
        if grades and isinstance(grades[-1], dict) and number(grades[-1].get("min")) and grades[-1]["min"] != 0:
            self.error(("grades", len(grades) - 1, "min"),
                       f"the last grade ('{grades[-1].get('grade')}') must have min 0, so that every score gets "
                       "a grade",
                       hint="set its min to 0, or add a grade with min 0 below it", code="order")

    def check_calibration(self) -> None:
        cal = self.section("calibration")
        cohort = cal.get("cohort")
        if isinstance(cohort, str) and cohort not in self.attributes and not self.bad(("calibration", "cohort")):
            self.error(("calibration", "cohort"), f"cohort '{cohort}' is not an employee column"
                       + did_you_mean(cohort, self.attributes), hint=f"declare it under attributes: ({cohort}: string)",
                       code="reference")
        shares = cal.get("max_share")
        if not isinstance(shares, dict):
            return
        known = [g for g in shares if self.grade_key(("calibration", "max_share", g), g)]
        previous = None
        for grade in self.grades:
            if grade not in known or not number(shares[grade]) or self.bad(("calibration", "max_share", grade)):
                continue
            if previous is not None and shares[grade] < previous[1]:
                self.error(("calibration", "max_share", grade),
                           f"shares are cumulative from the top, so they cannot go down: '{grade}' allows "
                           f"{fmt(shares[grade])} but '{previous[0]}' above it allows {fmt(previous[1])}",
                           hint=f"'{grade}: 0.3' means at most 30% at {grade} or above; raise it to at least "
                           f"{fmt(previous[1])}", code="order")
            previous = (grade, shares[grade])
