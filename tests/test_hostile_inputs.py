"""Hostile and broken inputs (issue #9): each is refused with a located error, or handled as documented.

Data files go through ``provide()`` (the stage every provider shares), whole
cycles through the real ``appraise run``.  Decisions (SECURITY.md):

- data files over 256 MiB (``APPRAISE_MAX_DATA_BYTES``) are refused before
  being read; an xlsx that unpacks beyond it too (zip bombs);
- CSV rows with fewer (or more) fields than the header are errors at their line;
- a CSV that is not UTF-8 is read as GBK only when it reads as common Chinese
  (GB2312); Latin-1 or Shift-JIS bytes are refused, never turned into mojibake;
- ids are compared after Unicode NFC normalisation; ids with invisible
  characters (zero-width, direction marks, controls) are refused;
- negative revenue (returns) is allowed: attainment is negative, the linear
  curve scores 0, the bonus is never below 0;
- names and labels are text in every page (HTML-escaped), template overrides
  run sandboxed;
- data, query, output and SQLite paths may not leave the cycle's folder unless
  the cycle says ``allow_outside_paths: true`` (``APPRAISE_ALLOW_OUTSIDE_PATHS``
  overrides the file either way).
"""
from __future__ import annotations

import io
import shutil
import unicodedata
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import appraise
import appraise.api
from appraise.cli import main
from appraise.errors import InvalidInput
from appraise.language.cycle import load_cycle
from appraise.provide.stage import Needs, provide
from engine_inputs import EXAMPLE


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    monkeypatch.delenv("APPRAISE_ALLOW_OUTSIDE_PATHS", raising=False)
    monkeypatch.delenv("APPRAISE_MAX_DATA_BYTES", raising=False)
    return folder


def provided(work: Path, cycle: str = "cycle-q3.yaml"):
    rs = appraise.load_ruleset(work / "sales-team.yaml")
    return provide(load_cycle(work / cycle), Needs.from_ruleset(rs))


def errors(work: Path, cycle: str = "cycle-q3.yaml") -> list:
    with pytest.raises(InvalidInput) as exc:
        provided(work, cycle)
    return [d for d in exc.value.diagnostics if d.severity == "error"]


def edit_cycle(work: Path, name: str = "cycle-q3.yaml", **changes) -> Path:
    path = work / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def add_employee_rows(work: Path, lines: list[str], encoding: str = "utf-8", whole: bool = False) -> None:
    """Append rows to employees.csv: the new rows in ``encoding`` (the whole file with ``whole``)."""
    path = work / "data" / "employees.csv"
    text = path.read_text(encoding="utf-8-sig").rstrip("\r\n") + "\r\n"
    added = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path.write_bytes((text.encode(encoding) if whole else text.encode("utf-8")) + added)


# ------------------------------------------------------------------ size

def test_a_data_file_over_the_size_limit_is_refused_before_it_is_read(work, monkeypatch):
    monkeypatch.setenv("APPRAISE_MAX_DATA_BYTES", "2000")
    big = work / "data" / "metrics.csv"
    assert big.stat().st_size > 2000
    diags = errors(work)
    assert any(d.code == "source-too-large" and "metrics.csv" in d.message and "2,000" in d.message
               and "duckdb" in d.hint for d in diags), diags
    assert diags[0].file.endswith("cycle-q3.yaml") and diags[0].line >= 1


def test_the_default_limit_is_256_mib():
    from appraise.plugins._tabular import max_data_bytes

    assert max_data_bytes() == 256 << 20


def test_an_xlsx_that_unpacks_beyond_the_limit_is_refused(work, monkeypatch):
    monkeypatch.setenv("APPRAISE_MAX_DATA_BYTES", str(1 << 20))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:   # 8 MiB of zeros in a ~10 KiB file
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (8 << 20))
    (work / "data" / "bomb.xlsx").write_bytes(buf.getvalue())
    assert len(buf.getvalue()) < (1 << 20)
    edit_cycle(work, sources=[{"provider": "excel", "path": "data/bomb.xlsx", "kind": "employees"}])
    diags = errors(work)
    assert any(d.code == "source-too-large" and "unpacked workbook" in d.message for d in diags), diags


# ------------------------------------------------------------------ shape and encoding

def test_a_row_with_too_few_fields_is_an_error_at_its_line(work):
    path = work / "data" / "metrics.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = ",".join(lines[4].split(",")[:5])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    diags = errors(work)
    assert any(d.file.endswith("metrics.csv") and d.line == 5 and d.code == "data-shape"
               and "row has 5 fields but the header has" in d.message for d in diags), diags


def test_a_row_with_too_many_fields_is_an_error_at_its_line(work):
    path = work / "data" / "metrics.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] += ",1,2"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    diags = errors(work)
    assert any(d.file.endswith("metrics.csv") and d.line == 4 and "fields but the header has" in d.message
               for d in diags), diags


@pytest.mark.parametrize("name, encoding", [("Müller", "latin-1"), ("Ærøskøbing", "latin-1"),
                                            ("田中太郎", "shift_jis"), ("ｶﾀｶﾅ名", "shift_jis")])
def test_latin1_or_shift_jis_bytes_are_refused_not_read_as_mojibake(work, name, encoding):
    add_employee_rows(work, [f"X900,{name},sales_rep,east-1,east,2020-01-01,30000"], encoding)   # an export
    # appended to in another program: UTF-8 up to here, then Latin-1 / Shift-JIS bytes
    diags = errors(work)
    bad = [d for d in diags if d.code == "data-encoding"]
    assert bad and bad[0].file.endswith("employees.csv") and bad[0].line >= 2, diags
    assert "encoding: gbk" in bad[0].hint


def test_real_gbk_is_still_detected_and_rare_characters_need_the_encoding_named(work):
    add_employee_rows(work, ["X900,赵磊,sales_rep,east-1,east,2020-01-01,30000"], "gbk", whole=True)
    names = provided(work).inputs.employees.filter(id="X900")["name"].to_list()
    assert names == ["赵磊"]
    row = "X901,张喆,sales_rep,east-1,east,2020-01-01,30000\r\n".encode("gbk")  # 喆 is GBK, not GB2312
    (work / "data" / "employees.csv").write_bytes((work / "data" / "employees.csv").read_bytes() + row)
    assert any(d.code == "data-encoding" for d in errors(work))
    data = yaml.safe_load((work / "cycle-q3.yaml").read_text(encoding="utf-8"))
    data["sources"][0]["encoding"] = "gbk"
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert provided(work).inputs.employees.filter(id="X901")["name"].to_list() == ["张喆"]


@pytest.mark.parametrize("value", ["NaN", "inf", "-Infinity", "1e999"])
def test_nan_and_infinity_in_data_are_errors_at_their_cell(work, value):
    path = work / "data" / "metrics.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("E001,2026-07"))
    cells = lines[row].split(",")
    cells[2] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    diags = errors(work)
    assert any(d.line == row + 1 and d.code == "data-not-a-number" and "E001" in d.message for d in diags), diags


# ------------------------------------------------------------------ negative revenue

def test_negative_revenue_scores_zero_and_pays_no_negative_bonus(work):
    path = work / "data" / "metrics.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("revenue")
    for i, line in enumerate(lines):
        cells = line.split(",")
        if cells[0] == "E001" and cells[1] in ("2026-07", "2026-08", "2026-09"):
            cells[col] = "-250000"   # returns exceeded sales
            lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = appraise.api.evaluate_cycle(work / "cycle-q3.yaml")
    e001 = next(e for e in doc["employees"] if e["id"] == "E001")
    kpi = e001["kpis"]["results.revenue"]
    assert kpi["actual"] < 0 and kpi["attainment"] < 0
    assert kpi["score"] == 0
    assert Decimal(e001["bonus"]) >= 0
    assert e001["score"] >= 0


# ------------------------------------------------------------------ unicode ids

def test_unicode_ids_chinese_emoji_rtl_and_combining_marks_work(work):
    ids = ["张伟", "😀7", "مرحبا", "José"]
    add_employee_rows(work, [f"{i},{i},sales_rep,east-1,east,2020-01-01,30000" for i in ids])
    got = provided(work).inputs.employees["id"].to_list()
    for i in ids:
        assert unicodedata.normalize("NFC", i) in got


def test_ids_differing_only_by_normalisation_are_one_id(work):
    nfc, nfd = "José", unicodedata.normalize("NFD", "José")
    assert nfc != nfd
    add_employee_rows(work, [f"{nfc},A,sales_rep,east-1,east,2020-01-01,30000",
                             f"{nfd},B,sales_rep,east-1,east,2020-01-01,30000"])
    diags = errors(work)
    assert any("appears twice" in d.message and d.code == "data-duplicate" for d in diags), diags


def test_metric_rows_written_in_nfd_reach_the_nfc_employee(work):
    nfc, nfd = "Zoë", unicodedata.normalize("NFD", "Zoë")
    add_employee_rows(work, [f"{nfc},Zoë,sales_rep,east-1,east,2020-01-01,30000"])
    with open(work / "data" / "metrics.csv", "a", encoding="utf-8") as fh:
        fh.write(f"\n{nfd},2026-07,100000\n".replace(",100000", ",100000" + "," * 12))
    metrics = provided(work).inputs.metrics
    assert nfc in metrics["employee"].to_list() and nfd not in metrics["employee"].to_list()


@pytest.mark.parametrize("hidden", ["\u200b", "\u202e", "\u2066", "\x07", "\ufeff"])
def test_ids_with_invisible_characters_are_refused(work, hidden):
    add_employee_rows(work, [f"E00{hidden}1,Spoof,sales_rep,east-1,east,2020-01-01,30000"])
    diags = errors(work)
    assert any("invisible character" in d.message and d.code == "data-id" for d in diags), diags


# ------------------------------------------------------------------ HTML and templates

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_html_in_names_and_labels_is_rendered_as_text(work):
    emp = work / "data" / "employees.csv"
    emp.write_text(emp.read_text(encoding="utf-8-sig").replace("Li Wei", SCRIPT.replace(",", " ")),
                   encoding="utf-8")
    rs = work / "sales-team.yaml"
    rs.write_text(rs.read_text(encoding="utf-8").replace("Sales team appraisal", "Team <b onmouseover=x>"),
                  encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(work / "cycle-q3.yaml"), "--quiet"])
    assert res.exit_code == 0, res.output + str(res.exception)
    pages = list((work / "out" / "2026-Q3").rglob("*.html"))
    assert pages
    seen = False
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<img" not in html.lower() and "<b onmouseover" not in html, page
        seen |= "&lt;script&gt;" in html
    assert seen, "the name should appear, escaped"


def test_override_templates_cannot_reach_python_internals(work):
    rs = work / "sales-team.yaml"
    data = yaml.safe_load(rs.read_text(encoding="utf-8"))
    data.setdefault("report", {})["templates"] = "tpl"
    rs.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (work / "tpl").mkdir()
    (work / "tpl" / "dashboard.html").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(work / "cycle-q3.yaml"), "--quiet"])
    assert res.exit_code != 0
    assert "__subclasses__" not in "".join(p.read_text(encoding="utf-8", errors="replace")
                                            for p in (work / "out").rglob("dashboards/*.html"))
    assert "unsafe" in (res.output + str(res.exception)).lower() or "template" in (res.output + str(res.exception))


# ------------------------------------------------------------------ paths outside the cycle's folder

def _outside(work: Path) -> list:
    with pytest.raises(InvalidInput) as exc:
        load_cycle(work / "cycle-q3.yaml")
    return [d for d in exc.value.diagnostics if d.code == "cycle-outside-path"]


def test_a_source_path_escaping_the_cycle_folder_is_refused(work):
    data = yaml.safe_load((work / "cycle-q3.yaml").read_text(encoding="utf-8"))
    data["sources"][1]["path"] = "../../../../../../etc/passwd"
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    diags = _outside(work)
    assert len(diags) == 1 and diags[0].path == "sources[1].path" and diags[0].line >= 1
    assert "allow_outside_paths" in diags[0].hint


def test_absolute_paths_output_and_sqlite_store_outside_are_refused(work, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    data = yaml.safe_load((work / "cycle-q3.yaml").read_text(encoding="utf-8"))
    data["sources"][0]["path"] = str(EXAMPLE / "data" / "employees.csv")
    data["output"] = "../.github/workflows"
    data["store"] = f"sqlite:///{elsewhere}/x.db"
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert sorted(d.path for d in _outside(work)) == ["output", "sources[0].path", "store"]


def test_a_symlink_leading_out_of_the_folder_is_refused(work, tmp_path):
    (tmp_path / "secret.csv").write_text("id,name\nroot,x\n", encoding="utf-8")
    (work / "data" / "link.csv").symlink_to(tmp_path / "secret.csv")
    data = yaml.safe_load((work / "cycle-q3.yaml").read_text(encoding="utf-8"))
    data["sources"][0]["path"] = "data/link.csv"
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert [d.path for d in _outside(work)] == ["sources[0].path"]


def test_the_cycle_or_the_environment_can_allow_outside_paths(work, monkeypatch):
    data = yaml.safe_load((work / "cycle-q3.yaml").read_text(encoding="utf-8"))
    data["output"] = "../out-elsewhere"
    data["allow_outside_paths"] = True
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_cycle(work / "cycle-q3.yaml").output == (work.parent / "out-elsewhere").resolve()
    monkeypatch.setenv("APPRAISE_ALLOW_OUTSIDE_PATHS", "0")       # the operator's word wins over the file's
    assert _outside(work)
    data["allow_outside_paths"] = False
    (work / "cycle-q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("APPRAISE_ALLOW_OUTSIDE_PATHS", "1")
    load_cycle(work / "cycle-q3.yaml")


def test_the_ruleset_may_live_beside_the_cycle_folder_in_its_repository(work):
    (work.parent / "rulesets").mkdir()
    shutil.move(work / "sales-team.yaml", work.parent / "rulesets" / "sales-team.yaml")
    edit_cycle(work, ruleset="../rulesets/sales-team.yaml")
    # outside the workspace (no git repository: the cycle's folder) it is not even read (issue 16)
    with pytest.raises(InvalidInput) as exc:
        load_cycle(work / "cycle-q3.yaml")
    assert [d.path for d in exc.value.diagnostics] == ["ruleset"]
    (work.parent / ".git").mkdir()  # the HR repository holding cycles and rulesets side by side
    assert load_cycle(work / "cycle-q3.yaml").ruleset_path.parent.name == "rulesets"


def test_run_refuses_an_outside_path_with_exit_1_and_writes_nothing(work):
    edit_cycle(work, output="../../pwned")
    res = CliRunner().invoke(main, ["run", str(work / "cycle-q3.yaml")])
    assert res.exit_code == 1
    assert "leads outside the cycle's folder" in res.output
    assert not (work.parent.parent / "pwned").exists() and not (work / "out").exists()


# ------------------------------------------------------------------ a ruleset that fails validation

def test_a_cycle_pointing_at_an_invalid_ruleset_fails_at_the_rulesets_line_and_writes_nothing(work):
    rs = work / "sales-team.yaml"
    lines = rs.read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if "when:" in line and "price_war" in line)
    lines[i] = lines[i].replace("context.price_war", "context.price_war and __import__('os')")
    rs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(work / "cycle-q3.yaml")])
    assert res.exit_code == 1, res.output
    first = [line for line in res.output.splitlines() if ": error: " in line][0]
    file, line, col = first.split(":")[:3]
    assert file.endswith("sales-team.yaml") and int(line) == i + 1 and int(col) > 1
    assert "'_'" in first or "__import__" in first
    assert not (work / "out").exists()


def test_in_a_git_repository_the_workspace_is_the_repository(tmp_path, monkeypatch):
    monkeypatch.delenv("APPRAISE_ALLOW_OUTSIDE_PATHS", raising=False)
    repo = tmp_path / "hr"
    (repo / ".git").mkdir(parents=True)            # what `git init` leaves; the layout of an HR repository
    shutil.copytree(EXAMPLE / "data", repo / "data")
    (repo / "cycles").mkdir()
    shutil.copy(EXAMPLE / "sales-team.yaml", repo / "cycles" / "sales-team.yaml")
    data = yaml.safe_load((EXAMPLE / "cycle-q3.yaml").read_text(encoding="utf-8"))
    for s in data["sources"]:
        s["path"] = "../" + s["path"]
    (repo / "cycles" / "q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert load_cycle(repo / "cycles" / "q3.yaml").sources[0].path == (repo / "data" / "employees.csv").resolve()
    data["output"] = "../../out"                    # out of the repository
    (repo / "cycles" / "q3.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(InvalidInput, match="outside the cycle's git repository"):
        load_cycle(repo / "cycles" / "q3.yaml")
