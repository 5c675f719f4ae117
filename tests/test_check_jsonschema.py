"""The shipped JSON Schema used by another tool: real ``check-jsonschema`` agrees with ``appraise validate``.

Any editor or CI job can check rule files with ``check-jsonschema --schemafile
schemas/ruleset.schema.json``; it must accept what appraise accepts and reject
what appraise's *schema* pass rejects.  Errors only appraise can find (weights
that sum to 99.99, unknown metric names, rule combinations, ...) carry a
semantic diagnostic code and are out of a JSON Schema's reach; schema-level
errors carry the code ``schema`` (engine/schema.py ``check``).

Where the two YAML readers differ the files are left out of the comparison and
the difference is asserted instead (see the YAML section below).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
CHECK = BIN / "check-jsonschema"
APPRAISE = BIN / "appraise"
SCHEMA = ROOT / "schemas" / "ruleset.schema.json"
BROKEN = sorted((HERE / "broken").glob("*.yaml"))

pytestmark = pytest.mark.skipif(not CHECK.exists(), reason="check-jsonschema is not installed")

# Files appraise's strict YAML loader refuses before any schema runs (code yaml-*): their problem is the
# YAML itself, not its content, so they are not schema-level cases.  check-jsonschema reads YAML with
# ruamel.yaml, which refuses duplicate keys and a second document too, but expands anchors and aliases
# (alias-bomb.yaml then fails the schema only because its 'lol' keys are unknown).
LOADER_LEVEL = {"alias-bomb.yaml", "duplicate-key.yaml", "multiple-documents.yaml"}


def check_jsonschema(*files: Path) -> dict:
    done = subprocess.run([str(CHECK), "--schemafile", str(SCHEMA), "-o", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    return {"rc": done.returncode, **json.loads(done.stdout)}


def appraise_validate(*files: Path) -> dict:
    done = subprocess.run([str(APPRAISE), "validate", "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    return {"rc": done.returncode, **json.loads(done.stdout)}


@pytest.fixture(scope="module")
def both():
    return check_jsonschema(*BROKEN), appraise_validate(*BROKEN)


def test_shipped_rulesets_pass_check_jsonschema():
    rulesets = sorted((ROOT / "rulesets").glob("*.yaml")) + [HERE / "fixtures" / "example" / "sales-team.yaml",
                                                            HERE / "fixtures" / "diff" / "sales-team-variant.yaml"]
    result = check_jsonschema(*rulesets)
    assert result["rc"] == 0 and result["status"] == "ok", result


def test_ruleset_test_files_pass_their_schema():
    tests = sorted((ROOT / "rulesets" / "tests").glob("*.yaml"))
    done = subprocess.run([str(CHECK), "--schemafile", str(ROOT / "schemas" / "ruleset-test.schema.json"),
                           *map(str, tests)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_same_files_rejected_at_schema_level(both):
    cj, ap = both
    assert ap["rc"] == 1 and cj["rc"] == 1
    by_file: dict[str, list[dict]] = {}
    for d in ap["diagnostics"]:
        by_file.setdefault(Path(d["file"]).name, []).append(d)
    cj_rejected = {Path(e["filename"]).name for e in cj["errors"]}
    cj_unparsed = {Path(e["filename"]).name for e in cj["parse_errors"]}
    # the loader-level files are exactly the ones appraise refuses with a yaml-* code
    assert {n for n, ds in by_file.items() if any(d["code"].startswith("yaml-") for d in ds)} == LOADER_LEVEL
    compared = [p.name for p in BROKEN if p.name not in LOADER_LEVEL]
    assert len(compared) >= 35
    disagree = []
    for name in compared:
        schema_level = any(d["code"] == "schema" for d in by_file.get(name, []))
        if schema_level != (name in cj_rejected):
            disagree.append((name, schema_level, name in cj_rejected))
    assert not disagree, disagree
    # both sides see both kinds: files with schema errors, and files whose errors are all semantic
    assert 10 <= len(cj_rejected - LOADER_LEVEL) < len(compared)
    # every broken file is rejected by appraise validate one way or another
    assert set(by_file) == {p.name for p in BROKEN}
    assert cj_unparsed == {"duplicate-key.yaml", "multiple-documents.yaml"}


def test_both_point_at_the_same_key(both):
    """check-jsonschema's JSON path of each error leads to (or into) a key appraise's schema pass flags."""
    cj, ap = both
    paths: dict[str, list[str]] = {}
    for d in ap["diagnostics"]:
        if d["code"] == "schema":
            paths.setdefault(Path(d["file"]).name, []).append(d["path"])
    for e in cj["errors"]:
        name = Path(e["filename"]).name
        if name in LOADER_LEVEL:
            continue
        theirs = e["path"].removeprefix("$").lstrip(".")
        assert any(ours.startswith(theirs) or theirs.startswith(ours) for ours in paths[name]), (name, theirs,
                                                                                                 paths[name])


# ---------------------------------------------------------------- YAML 1.1 vs 1.2
#
# appraise reads YAML 1.2 core scalars; check-jsonschema reads with ruamel.yaml (also YAML 1.2 by
# default).  The classic YAML 1.1 trap, `no`/`on` becoming booleans, does NOT happen in
# check-jsonschema 0.39: attribute-type-no.yaml and plan-no.yaml keep the text 'no' on both sides and
# are compared above like any other file.  A difference that does exist: ruamel keeps YAML 1.1's digit
# grouping, so `1_0` is the integer 10 there and the text '1_0' for appraise.  No file of the broken
# corpus relies on it; the tests below show the difference both ways instead of hiding it.

def test_no_stays_text_for_both_readers(both):
    cj, ap = both
    messages = {Path(e["filename"]).name: e["message"] for e in cj["errors"]}
    assert messages["attribute-type-no.yaml"].startswith("'no' is not one of")
    assert messages["plan-no.yaml"] == "'no' is not of type 'boolean'"
    ours = [d["message"] for d in ap["diagnostics"] if Path(d["file"]).name == "plan-no.yaml"]
    assert any("the text 'no'" in m for m in ours)


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "rulesets" / "sales-team.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_digit_grouping_differs_text_for_appraise_integer_for_check_jsonschema(tmp_path):
    # version must be text: appraise reads 1_0 as text (valid), ruamel as the integer 10 (invalid)
    path = _variant(tmp_path, 'version: "2026.1"', "version: 1_0")
    assert appraise_validate(path)["rc"] == 0
    cj = check_jsonschema(path)
    assert cj["rc"] == 1 and cj["errors"][0]["message"] == "10 is not of type 'string'"
    # min_cohort must be a whole number: the other way round
    path = _variant(tmp_path, "min_cohort: 4", "min_cohort: 0_4")
    ap = appraise_validate(path)
    assert ap["rc"] == 1 and [d["code"] for d in ap["diagnostics"]] == ["schema"]
    assert check_jsonschema(path)["rc"] == 0


def test_ci_example_is_a_valid_github_workflow_running_the_three_checks():
    # check-jsonschema ships the GitHub workflow schema (vendored: no network)
    workflow = ROOT / "docs" / "ci-example.yml"
    done = subprocess.run([str(CHECK), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    text = workflow.read_text(encoding="utf-8")
    for command in ("appraise validate --no-data --format github", "appraise test --format junit",
                    "--format markdown", "gh pr comment"):
        assert command in text, command
