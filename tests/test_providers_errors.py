"""The provider error corpus (tests/provider_errors/*.yaml): every failure class names file:line:col.

Plus ``on_error: skip-employee``: the employee concerned is left out entirely and
reported, never zeroed.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest
import yaml

from appraise.errors import InvalidInput
from appraise.language.cycle import load_cycle
from test_providers import (  # noqa: F401  (fixture helpers)
    _cycle,
    _only_builtin_plugins,  # noqa: F401  (autouse fixture)
    provided,
    write_csv,
)

CORPUS = Path(__file__).parent / "provider_errors"
CASES = sorted(CORPUS.glob("*.yaml"))


def build(case: dict, folder: Path) -> Path:
    cycle = write_csv(folder)
    for name, text in (case.get("files") or {}).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if case.get("sqlite"):
        with sqlite3.connect(folder / "data.db") as con:
            con.executescript(case["sqlite"])
    if case.get("sources"):
        cycle = _cycle(folder, case["sources"], extra=case.get("cycle"))
    return cycle


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_error_corpus(path, tmp_path):
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    cycle = build(case, tmp_path)
    if case.get("expect_warnings"):  # the data are read; what was left out is reported
        report = "\n".join(str(d) for d in provided(cycle).diagnostics)
        for want in case["expect_warnings"]:
            assert want in report, f"{path.name}: expected\n  {want}\nin\n{report}"
        return
    with pytest.raises(InvalidInput) as info:
        if case.get("expect_cycle"):
            load_cycle(cycle)
        else:
            provided(cycle)
    report = str(info.value)
    for want in case.get("expect") or case.get("expect_cycle"):
        assert want in report, f"{path.name}: expected\n  {want}\nin\n{report}"
    for unwanted in case.get("absent") or []:
        assert unwanted not in report, f"{path.name}: did not expect {unwanted!r} in\n{report}"


def test_every_failure_class_has_a_case():
    names = {p.stem for p in CASES}
    for failure in ("unknown-employee", "unknown-metric-column", "duplicate-month", "missing-column",
                    "empty-file", "not-a-number", "nan-inf", "rating-outside-scale", "okr-target-equals-start",
                    "same-metric-two-sources"):
        assert failure in names


def test_skip_employee_drops_every_row_of_the_employee_and_reports_it(tmp_path):
    cycle = write_csv(tmp_path)
    metrics = tmp_path / "data" / "metrics.csv"
    lines = metrics.read_text().splitlines()
    bad = next(i for i, line in enumerate(lines) if line.startswith("E004,2026-08"))
    lines[bad] = lines[bad].replace(",220000,", ",22O000,")  # letter O for zero
    metrics.write_text("\n".join(lines) + "\n")
    cycle.write_text(cycle.read_text() + "on_error: skip-employee\n")
    result = provided(cycle)
    assert result.skipped == frozenset({"E004"})
    assert [d.message for d in result.diagnostics] == [
        "value of 'revenue' is '22O000', which is not a number (employee E004)"]
    assert f"metrics.csv:{bad + 1}:3" in str(result.diagnostics[0])
    inputs = result.inputs
    assert "E004" not in inputs.employees["id"].to_list()
    for table in (inputs.metrics, inputs.feedback, inputs.okrs):
        assert table.filter(pl.col("employee") == "E004").height == 0
    assert inputs.metrics.filter(pl.col("employee") == "E001").height == 3  # others untouched


def test_fail_reports_every_problem_at_once(tmp_path):
    cycle = write_csv(tmp_path)
    (tmp_path / "data" / "metrics.csv").write_text(
        "employee,month,revenue,quota\nE001,2026-07,x,1\nE003,2026-07,1,y\nE099,2026-07,1,1\n")
    with pytest.raises(InvalidInput) as info:
        provided(cycle)
    # x, y and E099 at their cells, and the other declared metrics (billed, ...) that no column holds
    assert len(info.value.diagnostics) == 4
    assert sum("no source has a column for 'billed'" in d.message for d in info.value.diagnostics) == 1


def test_file_level_errors_fail_even_with_skip_employee(tmp_path):
    cycle = write_csv(tmp_path)
    (tmp_path / "data" / "metrics.csv").write_text("employe,month,revenue\nE001,2026-07,1\n")
    cycle.write_text(cycle.read_text() + "on_error: skip-employee\n")
    with pytest.raises(InvalidInput, match="'employee'"):
        provided(cycle)


def test_xlsx_errors_name_the_sheet_and_cell(tmp_path):
    from openpyxl import Workbook

    from test_providers import write_xlsx

    cycle = write_xlsx(tmp_path)
    book = Workbook()
    ws = book.active
    ws.title = "metrics"
    ws.append(["employee", "month", "revenue"])
    ws.append(["E001", "2026-07", 450000])
    ws.append(["E001", "2026-08", "about 470k"])
    book.save(tmp_path / "m.xlsx")
    cycle.write_text(cycle.read_text().replace("path: appraisal.xlsx\n  sheet: metrics",
                                               "path: m.xlsx\n  sheet: metrics"))
    with pytest.raises(InvalidInput) as info:
        provided(cycle)
    assert "m.xlsx[metrics]:3:3: error: value of 'revenue' is 'about 470k'" in str(info.value)


def test_missing_sheet_lists_the_sheets(tmp_path):
    from test_providers import write_xlsx

    cycle = write_xlsx(tmp_path)
    cycle.write_text(cycle.read_text().replace("sheet: metrics", "sheet: Metrics"))
    with pytest.raises(InvalidInput, match="has no sheet 'Metrics'; its sheets: 员工, metrics, feedback, okrs"):
        provided(cycle)
