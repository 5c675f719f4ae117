"""A run that appraises nobody because every employee erred (every metric row bad, a metric missing for all under
``missing: error``) must not replace the period's stored results: later periods settle against them (previous,
periods:, net_of).  It is refused, exit 1, nothing stored or written, in English and Chinese."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from appraise.store.database import Store

EXAMPLE = Path(__file__).parent / "fixtures" / "example"


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _run(folder: Path, *args: str):
    return CliRunner().invoke(main, [*args, "run", "-q", "--no-render", str(folder / "cycle-q3.yaml")])


def _break_every_revenue(folder: Path) -> None:
    path = folder / "data" / "metrics.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    col = rows[0].index("revenue")
    for row in rows[1:]:
        row[col] = "abc"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    with (folder / "cycle-q3.yaml").open("a", encoding="utf-8") as f:
        f.write("on_error: skip-employee\n")


def _current(folder: Path) -> tuple[int, int]:
    """(current run id of 2026-Q3 / sales-team, how many results it holds)."""
    db = Store(f"sqlite:///{folder / 'out' / 'appraise.db'}")
    try:
        run = db.current_run("2026-Q3", "sales-team")
        assert run is not None
        return run["id"], len(db.run_results(run["id"], ["score"]))
    finally:
        db.close()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_row_bad_keeps_the_stored_run(tmp_path, lang):
    folder = _copy(tmp_path)
    first = _run(folder)
    assert first.exit_code == 0, first.output
    assert _current(folder) == (1, 5)  # the example appraises E001..E005 in 2026-Q3
    results = (folder / "out" / "2026-Q3" / "results.json").read_bytes()

    _break_every_revenue(folder)  # every employee's revenue is 'abc': on_error: skip-employee leaves all 5 out
    res = _run(folder, "--lang", lang)
    assert res.exit_code == 1, res.output
    # the previous good results stay current, and the output folder is the previous run's
    assert _current(folder) == (1, 5)
    assert (folder / "out" / "2026-Q3" / "results.json").read_bytes() == results
    # each error is shown (where and what), then why nothing was stored and what to do
    assert "data/metrics.csv:5:3" in res.output
    if lang == "en":
        assert "nobody was appraised in 2026-Q3 (sales-team): every employee it would appraise has an error" \
            in res.output
        assert "run 1 stays current" in res.output
        assert "fix the errors above" in res.output
    else:
        assert "2026-Q3（sales-team）没有任何人被考核" in res.output
        assert "运行 1 仍为当前结果" in res.output
        assert "'revenue' 的值为 'abc'，不是数字" in res.output  # the errors themselves in Chinese too
        assert "nobody" not in res.output and "not a number" not in res.output


def test_a_metric_missing_for_everyone_under_missing_error(tmp_path):
    folder = _copy(tmp_path)
    assert _run(folder).exit_code == 0
    rules = folder / "sales-team.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("missing: redistribute", "missing: error"),
                     encoding="utf-8")
    path = folder / "data" / "metrics.csv"  # revenue left blank: every employee misses the revenue KPI
    rows = list(csv.reader(path.open(encoding="utf-8")))
    col = rows[0].index("revenue")
    for row in rows[1:]:
        row[col] = ""
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    res = _run(folder)
    assert res.exit_code == 1, res.output
    assert "nobody was appraised in 2026-Q3 (sales-team)" in res.output
    assert _current(folder) == (1, 5)


def test_nobody_appraised_and_nothing_stored_before_is_refused_too(tmp_path):
    # nothing stored yet: a run of only errors still stores nothing (an empty complete run would hide "no stored
    # run" from the periods that read this one) and writes no folder
    folder = _copy(tmp_path)
    _break_every_revenue(folder)
    res = _run(folder)
    assert res.exit_code == 1, res.output
    assert "nobody was appraised in 2026-Q3 (sales-team)" in res.output
    assert "stays current" not in res.output
    assert not (folder / "out" / "2026-Q3").exists()


def test_nobody_in_the_period_with_no_errors_replaces_stored_results_only_knowingly(tmp_path):
    # every employee hired after the period (a wrong employee file): no errors, nobody appraised; the stored 5
    # results are not replaced by none
    folder = _copy(tmp_path)
    assert _run(folder).exit_code == 0
    path = folder / "data" / "employees.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    col = rows[0].index("hire_date")
    for row in rows[1:]:
        row[col] = "2027-01-01"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    res = _run(folder)
    assert res.exit_code == 1, res.output
    assert "nobody was appraised in 2026-Q3 (sales-team), yet run 1 holds the results of 5 people" in res.output
    assert _current(folder) == (1, 5)
    doc = json.loads((folder / "out" / "2026-Q3" / "results.json").read_text(encoding="utf-8"))
    assert len(doc["employees"]) == 5
