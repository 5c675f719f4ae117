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


def test_an_overrides_file_validated_alone_is_checked_as_one(tmp_path):
    """`appraise validate overrides.yaml` said only "must be a mapping (key: value), not a list" (it was taken for a
    ruleset); it now checks the overrides, all but the grades' names (the cycle file naming it checks those)."""
    from click.testing import CliRunner

    from appraise.cli import main

    (tmp_path / "overrides.yaml").write_text(
        "- {id: E1, score: \"1,000.5\", reason: Late deals, by: Li Na, date: 2026-10-08}\n"
        "- {id: E1, grade: Z, reason: Committee, by: HR, date: 2026-10-09}\n"
        "- {id: E2, grade: [A], reason: Committee, by: '', date: 2026-10-09}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(tmp_path / "overrides.yaml")])
    lines = [line.split(": error: ", 1)[1] for line in res.output.splitlines() if ": error: " in line]
    assert res.exit_code == 1 and lines == [
        "score '1,000.5' is not a score; write a number of 0 or more; write it as a plain number: 1000.5 ([0].score)",
        "employee E1 is overridden twice (first at line 1); keep one override per employee ([1].id)",
        "'['A']' is not a grade; write the grade as the ruleset names it ([2].grade)",
        "the override of E2 needs 'by': who approved it ([2].by)"]
    (tmp_path / "overrides.yaml").write_text(
        "- {id: E1, grade: Z, reason: Committee, by: HR, date: 2026-10-09}\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(tmp_path / "overrides.yaml")])
    assert res.exit_code == 0, res.output
