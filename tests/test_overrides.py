"""The overrides file as HR analysts write it (appraise.language.overrides.check): what each mistake is told."""
from __future__ import annotations

import pytest

from appraise.language.load import loads
from appraise.language.overrides import check

GRADES = ("S", "A", "B", "C", "D")


def problems(text: str) -> list[tuple[int, str, str]]:
    _, found = check(loads(text, "overrides.yaml"), GRADES)
    return [(d.line, d.message, d.hint) for d in found]


@pytest.mark.parametrize("written, hint", [
    ('"1,000.5"', "write it as a plain number: 1000.5"),   # thousands separator, quoted so that YAML keeps it
    ("¥96", "write it as a plain number: 96"),             # a currency sign
    ('"96"', "write it without quotes: 96"),                # a quoted number is text
    ("abc", ""),                                            # nothing to suggest
])
def test_a_score_written_as_text_says_what_to_write(written, hint):
    text = f"- {{id: E1, score: {written}, reason: Late deals, by: Li Na, date: 2026-10-08}}\n"
    shown = written.strip('"')
    assert problems(text) == [(1, f"score '{shown}' is not a score; write a number of 0 or more", hint)]


def test_a_grade_in_the_wrong_case_suggests_the_grade():
    text = "- {id: E1, grade: a, reason: Committee, by: HR, date: 2026-10-08}\n"
    assert problems(text) == [(1, "'a' is not a grade of the ruleset; did you mean 'A'?",
                               "the grades are S, A, B, C, D")]
