"""`appraise validate` checks that the data a cycle file names exists — data files, a duckdb glob, query files, the
file of a sqlite:/// url — each at its line in the cycle file, in English and Chinese; `appraise run` reports the
same before reading anything (and no longer creates an empty SQLite file where the url names a missing one);
`--no-data` leaves the check out (CI without the data); `appraise history --cycle` reads only the store."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main

EXAMPLE = Path(__file__).parent / "fixtures" / "example"

CYCLE = """\
cycle: 2026-Q3
ruleset: sales-team.yaml
context: {price_war: true, restricted_regions: [north]}
sources:
  - {provider: csv, path: data/employees.csv, kind: employees}
  - {provider: csv, path: data/metrcs.csv}
  - {provider: duckdb, path: "data/parts/*.csv"}
  - {provider: sql, url: "sqlite:///data/crm.db", query: sql/deals.sql}
  - {provider: parquet, path: data}
  - {provider: feedback360, path: data/feedback.csv}
  - {provider: okr, path: data/okrs-2026-Q3.yaml}
store: sqlite:///out/appraise.db
output: out/2026-Q3
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "example")
    (tmp_path / "example" / "cycle.yaml").write_text(CYCLE, encoding="utf-8")
    return tmp_path / "example"


def test_validate_names_each_missing_path_at_its_line(folder):
    res = CliRunner().invoke(main, ["validate", str(folder / "cycle.yaml")])
    assert res.exit_code == 1, res.output
    c = str(folder / "cycle.yaml")
    lines = [line for line in res.stdout.splitlines() if ": error: " in line]
    hint = ("paths in a cycle file are relative to the cycle file's folder: correct the path, or put the file there "
            "before the run")
    # line:col of each value in CYCLE above (line 6 `  - {provider: csv, path: data/metrcs.csv}`: the value at col 27)
    assert lines == [
        f"{c}:6:27: error: data file 'data/metrcs.csv' not found (looked for {folder}/data/metrcs.csv); {hint} "
        "(sources[1].path)",
        f"{c}:7:30: error: no file matches 'data/parts/*.csv' (looked in {folder}/data/parts); {hint} "
        "(sources[2].path)",
        f"{c}:8:26: error: SQLite database file of url: 'sqlite:///data/crm.db' not found (looked for "
        f"{folder}/data/crm.db); {hint} (sources[3].url)",
        f"{c}:8:58: error: query file 'sql/deals.sql' not found (looked for {folder}/sql/deals.sql); {hint} "
        "(sources[3].query)",
        f"{c}:9:31: error: 'data' is a folder; provider 'parquet' reads one file; name the file; to read every file "
        "of a folder, use provider: duckdb with a glob such as data/deals/*.parquet (sources[4].path)",
    ]
    assert "appraise validate --no-data" in res.stderr  # what to do where the data is not at hand


def test_validate_in_chinese(folder):
    res = CliRunner().invoke(main, ["--lang", "zh-CN", "validate", str(folder / "cycle.yaml")])
    assert res.exit_code == 1
    assert f"cycle.yaml:6:27: 错误: 找不到数据文件 'data/metrcs.csv'（查找的是 {folder}/data/metrcs.csv）; " \
           "周期文件中的路径相对于周期文件所在的文件夹：请更正路径，或在运行前把文件放到该处 (sources[1].path)" \
        in res.stdout
    assert "没有文件与 'data/parts/*.csv' 匹配" in res.stdout
    assert "找不到 url: 'sqlite:///data/crm.db' 所指的 SQLite 数据库文件" in res.stdout
    assert "找不到查询文件 'sql/deals.sql'" in res.stdout
    assert "'data' 是文件夹；数据源插件 'parquet' 只读取一个文件" in res.stdout
    assert "appraise validate --no-data" in res.stderr and "注意" in res.stderr
    assert "not found" not in res.output and "note:" not in res.output


def test_no_data_leaves_the_check_out(folder):
    res = CliRunner().invoke(main, ["validate", "--no-data", str(folder / "cycle.yaml")])
    assert res.exit_code == 0, res.output
    assert "1 file valid" in res.stdout


def test_what_exists_passes(folder):
    (folder / "data" / "parts").mkdir()
    (folder / "data" / "parts" / "a.csv").write_text("employee,month,visits\n", encoding="utf-8")
    (folder / "sql").mkdir()
    (folder / "sql" / "deals.sql").write_text("SELECT 1", encoding="utf-8")
    (folder / "data" / "crm.db").write_bytes(b"")
    (folder / "data" / "metrcs.csv").write_text("employee,month\n", encoding="utf-8")
    text = CYCLE.replace("path: data}", "path: data/x.parquet}")
    (folder / "data" / "x.parquet").write_bytes(b"")
    (folder / "cycle.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(folder / "cycle.yaml")])
    assert "not found" not in res.output and "no file matches" not in res.output, res.output
    assert "is a folder" not in res.output


def test_run_reports_the_same_and_creates_no_database(folder):
    res = CliRunner().invoke(main, ["run", "-q", "--no-render", str(folder / "cycle.yaml")])
    assert res.exit_code == 1
    assert f"cycle.yaml:8:26: error: SQLite database file of url: 'sqlite:///data/crm.db' not found (looked for " \
           f"{folder}/data/crm.db)" in res.stderr
    assert "cycle.yaml:6:27: error: data file 'data/metrcs.csv' not found" in res.stderr
    assert "5 errors; nothing was written" in res.stderr
    assert not (folder / "data" / "crm.db").exists()  # SQLAlchemy used to create it empty ("no such table")
    assert not (folder / "out").exists()


def test_a_sqlite_url_from_the_environment_naming_a_missing_file(folder, monkeypatch):
    # the run checks the file too after ${VAR} (validate may have run elsewhere); the value is not shown
    monkeypatch.setenv("CRM_DB", "secret-name.db")
    text = CYCLE.replace('''  - {provider: csv, path: data/metrcs.csv}
  - {provider: duckdb, path: "data/parts/*.csv"}
  - {provider: sql, url: "sqlite:///data/crm.db", query: sql/deals.sql}
  - {provider: parquet, path: data}
''', '''  - {provider: csv, path: data/metrics.csv}
  - {provider: sql, url: "sqlite:///data/${CRM_DB}", table: deals, kind: metrics}
''')
    (folder / "cycle.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["run", "-q", "--no-render", str(folder / "cycle.yaml")])
    assert res.exit_code == 1
    assert "cycle.yaml:7:26: error: SQLite database file of url: 'sqlite:///data/${CRM_DB}' not found; " \
        in res.stderr, res.stderr
    assert "secret-name" not in res.output
    assert not (folder / "data" / "secret-name.db").exists()


def test_history_of_a_cycle_whose_data_is_gone(folder):
    # `history --cycle` reads the cycle's store only: data archived since must not stop it
    cycle = folder / "cycle-q3.yaml"
    assert CliRunner().invoke(main, ["run", "-q", "--no-render", str(cycle)]).exit_code == 0
    shutil.rmtree(folder / "data")
    res = CliRunner().invoke(main, ["history", "E001", "--cycle", str(cycle)])
    assert res.exit_code == 0, res.output
    assert "2026-Q3" in res.stdout


def test_a_folder_given_to_duckdb_asks_for_a_glob(folder):
    # duckdb was asked for the folder itself and refused with "file system operations are disabled"
    (folder / "data" / "deals").mkdir()
    text = CYCLE.replace('path: "data/parts/*.csv"', "path: data/deals")
    (folder / "cycle.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(folder / "cycle.yaml")])
    assert f"{folder / 'cycle.yaml'}:7:30: error: 'data/deals' is a folder; provider 'duckdb' reads a file or a " \
           "glob; name the files with a glob, e.g. data/deals/*.parquet or data/deals/*.csv (sources[2].path)" \
        in res.stdout


def test_a_missing_path_outside_the_workspace_is_said_once(folder):
    # the path leads outside: that is the problem to fix, said once (not also "not found")
    (folder / ".git").mkdir()  # the workspace is this folder
    text = CYCLE.replace("path: data/metrcs.csv", "path: ../elsewhere/metrics.csv")
    (folder / "cycle.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["validate", str(folder / "cycle.yaml")])
    line6 = [line for line in res.stdout.splitlines() if ":6:" in line]
    assert len(line6) == 1 and "leads outside the cycle's git repository" in line6[0], res.stdout


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_a_path_with_a_nul_character_is_an_error_not_a_traceback(folder, lang):
    # "data/a\0b.csv" (YAML's "\0" escape) stopped validate with ValueError: embedded null byte (in the outside-path
    # check, before any of this session's)
    text = CYCLE.replace("path: data/metrcs.csv", 'path: "data/a\\0b.csv"').replace(
        'url: "sqlite:///data/crm.db"', 'url: "sqlite:///x\\0.db"').replace("store: sqlite:///out/appraise.db",
                                                                      'store: "sqlite:///\\0"')
    (folder / "cycle.yaml").write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["--lang", lang, "validate", str(folder / "cycle.yaml")])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == 1
    if lang == "en":
        assert f"{folder / 'cycle.yaml'}:6:27: error: 'data/a\\0b.csv' holds a NUL character (\\0), which no file " \
               "name can hold; remove it from the path (sources[1].path)" in res.stdout
        assert "'sqlite:///x\\0.db' holds a NUL character" in res.stdout
        assert "'sqlite:///\\0' holds a NUL character" in res.stdout
    else:
        assert "'data/a\\0b.csv' 含有 NUL 字符（\\0），文件名中不可能有这个字符; 请从路径中删除它" in res.stdout
