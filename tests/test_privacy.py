"""360 anonymity in every output (issue #9).

A 360 source with fewer raters than its ``min_raters`` is neither scored nor
shown: its value, its number of raters and its raters' ids appear in no
output — results.json, results.csv, results.xlsx, errors.csv, manifest.json,
every HTML page, ``appraise explain`` as text and JSON.  Rater ids appear in no
output at all, hidden source or not.
"""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main
from engine_inputs import EXAMPLE

MIN_RATERS = {"manager": 1}  # the SPEC's defaults: 3, and 1 for manager


@pytest.fixture(scope="module")
def run_outputs(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("privacy") / "example"
    shutil.copytree(EXAMPLE, work)
    for q in ("q2", "q3"):
        res = CliRunner().invoke(main, ["run", str(work / f"cycle-{q}.yaml"), "--quiet"])
        assert res.exit_code == 0, res.output + str(res.exception)
    out = work / "out" / "2026-Q3"
    texts: dict[str, str] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(out).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:  # every XML part: shared strings, sheets, properties
                texts[rel] = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
            # but cell references (r="C12", ref="A2:C12"): they are where a cell is, not what it holds
            texts[rel] = re.sub(r'\b(?:r|ref|sqref|topLeftCell)="[^"]*"', "", texts[rel])
        else:
            texts[rel] = path.read_text(encoding="utf-8-sig")
    return {"work": work, "out": out, "texts": texts}


def raters_by_source(work: Path, period: str = "2026-Q3") -> dict[tuple[str, str], set[str]]:
    with open(work / "data" / "feedback.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:  # 'self' is the employee rating themself: shown beside the others, never anonymous
        if r.get("period") in (None, "", period) and r["relation"] != "self":
            out[(r["employee"], r["relation"])].add(r["rater"])
    return out


def hidden_sources(work: Path) -> dict[tuple[str, str], set[str]]:
    return {k: v for k, v in raters_by_source(work).items() if len(v) < MIN_RATERS.get(k[1], 3)}


def test_the_example_has_sources_below_the_threshold(run_outputs):
    assert hidden_sources(run_outputs["work"]), "the privacy tests need a hidden source to look for"


def test_no_rater_id_appears_in_any_output(run_outputs):
    raters = set().union(*raters_by_source(run_outputs["work"]).values())
    for name, text in run_outputs["texts"].items():
        for rater in raters:
            assert not re.search(rf"(?<![\w-]){re.escape(rater)}(?![\w-])", text), f"rater id {rater} in {name}"


def test_hidden_sources_have_no_value_in_results_json(run_outputs):
    doc = json.loads(run_outputs["texts"]["results.json"])
    by_id = {e["id"]: e for e in doc["employees"]}
    for (emp, relation), _ in hidden_sources(run_outputs["work"]).items():
        entry = by_id.get(emp)
        if entry is None:
            continue
        for key, dim in entry["dimensions"].items():
            assert relation not in (dim.get("sources") or {}), f"{emp} {key}: hidden source {relation} listed"
        assert relation not in json.dumps(entry, ensure_ascii=False).replace("feedback360", ""), \
            f"{emp}: hidden source {relation} mentioned in results.json"


def _employee_text(text: str, emp: str) -> str:
    """The results.csv row of ``emp`` (the other outputs are per employee or per team already)."""
    rows = list(csv.reader(io.StringIO(text)))
    return "\n".join(",".join(r) for r in rows if r and r[0] == emp)


def test_hidden_sources_appear_in_no_csv_row_or_dashboard(run_outputs):
    texts = run_outputs["texts"]
    for (emp, relation), raters in hidden_sources(run_outputs["work"]).items():
        row = _employee_text(texts["results.csv"], emp)
        assert relation not in row.lower(), f"results.csv row of {emp} mentions {relation}"
        page = texts.get(f"dashboards/{emp}.html")
        if page is None:
            continue
        visible = re.sub(r"<[^>]+>", " ", page)
        for word in (relation, {"peer": "同事", "customer": "客户", "subordinate": "下属"}.get(relation, relation)):
            assert f"{len(raters)} {word}" not in visible and f"{word} ({len(raters)}" not in visible


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_explain_never_shows_a_hidden_source(run_outputs, fmt):
    work = run_outputs["work"]
    for (emp, relation), raters in sorted(hidden_sources(work).items()):
        res = CliRunner().invoke(main, ["explain", str(work / "cycle-q3.yaml"), emp, "--format", fmt])
        if res.exit_code != 0 and "not appraised" in res.output:
            continue
        assert res.exit_code == 0, res.output
        text = res.output
        for rater in raters:
            assert not re.search(rf"(?<![\w-]){re.escape(rater)}(?![\w-])", text)
        if fmt == "json":
            data = json.loads(text)
            for dim in (data.get("dimensions") or {}).values() if isinstance(data.get("dimensions"), dict) else []:
                assert relation not in (dim.get("sources") or {})
        assert not re.search(rf"{relation}\W+\d+(\.\d+)?\s*(points|/|%|rater)", text, re.I), \
            f"explain {emp} shows a number for the hidden {relation} source"
        assert not re.search(rf"\b{len(raters)}\s+{relation}", text), f"explain {emp} counts the {relation} raters"
