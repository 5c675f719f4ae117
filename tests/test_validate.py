"""Schema and semantic validation of rulesets and cycle files.

``tests/broken/`` holds realistic mistakes, one file each; every file's header
lists what must be reported as ``# expect: LINE:COL: message fragment`` and
nothing else may be reported.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from appraise.errors import InvalidInput
from appraise.language import schema as schemas
from appraise.language.load import MAX_BYTES, load, loads
from appraise.language.validate import (
    check_cycle,
    check_ruleset,
    validate_cycle,
    validate_files,
    validate_paths,
    validate_ruleset,
)

HERE = Path(__file__).parent
ROOT = HERE.parent
BROKEN = sorted((HERE / "broken").glob("*.yaml"))
EXAMPLE = HERE / "fixtures" / "example"
EXPECT = re.compile(r"# expect: (\d+):(\d+): (.+)")


def problems(path_or_text, name="rules.yaml"):
    """Every diagnostic for a ruleset file or text, whether from the loader or the validator."""
    try:
        doc = load(path_or_text) if isinstance(path_or_text, Path) else loads(path_or_text, name)
    except InvalidInput as exc:
        return exc.diagnostics
    return validate_ruleset(doc)


# ---------------------------------------------------------------- the corpus

def test_the_corpus_is_large_enough():
    assert len(BROKEN) >= 25


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_reports_exactly_what_it_expects(path):
    expected = [(int(m[1]), int(m[2]), m[3]) for m in EXPECT.finditer(path.read_text(encoding="utf-8"))]
    assert expected, f"{path.name} has no '# expect:' header"
    found = problems(path)
    got = [(d.line, d.col, str(d)) for d in found]
    for line, col, fragment in expected:
        assert any(ln == line and c == col and fragment in text for ln, c, text in got), \
            f"{path.name}: expected {line}:{col}: {fragment}\nbut got:\n" + "\n".join(map(str, found))
    assert len(found) == len(expected), "unexpected extra problems:\n" + "\n".join(map(str, found))
    for d in found:
        assert d.file.endswith(path.name)
        assert "is not valid under any of the given schemas" not in d.message


def test_a_file_with_several_mistakes_reports_all_of_them():
    found = problems(HERE / "broken" / "several-errors.yaml")
    assert len(found) == 5
    assert len({d.line for d in found}) == 5


def test_a_file_over_1_mib_is_refused(tmp_path):
    big = tmp_path / "huge.yaml"
    big.write_text("id: huge\nversion: '1'\n" + "# padding\n" * (MAX_BYTES // 10 + 1), encoding="utf-8")
    [d] = validate_paths([big])
    assert (d.line, d.col) == (1, 1)
    assert "appraise reads YAML files of at most 1,048,576 bytes (1 MiB)" in d.message


# ---------------------------------------------------------------- valid files

def test_the_shipped_rulesets_are_valid():
    assert validate_paths([ROOT / "rulesets"]) == []


def test_the_worked_example_is_valid():
    outcome = validate_files([EXAMPLE])
    assert outcome.diagnostics == []
    names = sorted(Path(p).name for p in outcome.checked)
    assert names == ["cycle-q2.yaml", "cycle-q3.yaml", "sales-team.yaml"]
    assert sorted(Path(p).name for p in outcome.skipped) == ["okrs-2026-Q2.yaml", "okrs-2026-Q3.yaml"]


def test_sales_manager_ruleset_is_valid_and_bilingual():
    doc = check_ruleset(ROOT / "rulesets" / "sales-manager.yaml")
    data = doc.data
    dims = data["scorecards"]["sales_manager"]["dimensions"]
    kinds = {next(k for k in ("kpis", "okr", "feedback360") if k in d) for d in dims.values()}
    assert kinds == {"kpis", "okr", "feedback360"}
    sources = next(d["feedback360"]["sources"] for d in dims.values() if "feedback360" in d)
    assert {"subordinate", "manager", "peer"} <= set(sources)
    for metric in data["metrics"].values():
        if "label" in metric:
            assert set(metric["label"]) == {"en", "zh-CN"}


def test_check_ruleset_returns_the_document_or_raises_with_every_problem():
    doc = check_ruleset(EXAMPLE / "sales-team.yaml")
    assert doc.data["id"] == "sales-team"
    with pytest.raises(InvalidInput) as info:
        check_ruleset(HERE / "broken" / "several-errors.yaml")
    assert len(info.value.diagnostics) == 5


# ---------------------------------------------------------------- single checks

BASE = (HERE / "broken" / "weights-99-99.yaml").read_text(encoding="utf-8").replace(
    "collection_rate: {weight: 39.99,", "collection_rate: {weight: 40,")


def variant(*pairs):
    text = BASE
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return problems(text)


def test_base_is_valid():
    assert variant() == []


def test_weights_are_summed_as_written():
    three = ("          revenue: {weight: 60, target: quota}\n          collection_rate: {weight: 40, target: 0.95}",
             "          revenue: {weight: 33.33, target: quota}\n"
             "          collection_rate: {weight: 33.33, target: 0.95}\n"
             "          billed: {weight: 33.34, target: 1}")
    assert variant(three) == []
    [d] = variant(("revenue: {weight: 60,", "revenue: {weight: 0.75,"),
                  ("collection_rate: {weight: 40,", "collection_rate: {weight: 99.24,"))
    assert "add up to 99.99, not 100" in d.message


def test_unknown_top_level_key_suggests_the_right_one():
    [d] = variant(("playbook:", "playbok:"))
    assert d.message == "unknown key 'playbok'; did you mean 'playbook'?"


def test_missing_required_key_is_reported_at_the_parent():
    [d] = variant(("          visits: {weight: 100, target: 60}", "          visits: {weight: 100}"))
    assert d.message == "'target' is missing in 'visits'"
    assert d.col == 11


def test_curve_forms_report_the_branch_that_nearly_matched():
    missing, unknown = variant(("visits: {weight: 100, target: 60}",
                                "visits: {weight: 100, target: 60, curve: {bands: [{from: 1, scor: 100}]}}"))
    assert missing.message == "'score' is missing" and (missing.line, missing.col) == (28, 61)
    assert unknown.message == "unknown key 'scor'; did you mean 'score'?" and (unknown.line, unknown.col) == (28, 71)
    [d] = variant(("visits: {weight: 100, target: 60}",
                   "visits: {weight: 100, target: 60, curve: {floor: 0.5, cap: 0.4}}"))
    assert d.message == "floor 0.5 is above cap 0.4"
    [d] = variant(("visits: {weight: 100, target: 60}",
                   "visits: {weight: 100, target: 60, curve: {points: [[1, 100]]}}"))
    assert "needs at least 2 items" in d.message


def test_label_of_the_wrong_type_names_both_forms():
    [d] = variant(("revenue: {label: {en: Revenue, zh-CN: 销售额}", "revenue: {label: 12"))
    assert d.message == "must be text or a mapping (key: value), not the number 12"


def test_shift_and_scale_target_references():
    [d] = variant(("- shift: {from: results, to: activity, points: 10}", "- scale_target: {revnue: 0.5}"))
    assert "'revnue' is not a KPI of any scorecard; did you mean 'revenue'?" in d.message
    assert variant(("- shift: {from: results, to: activity, points: 10}",
                    "- scale_target: {results.revenue: 0.5}")) == []


def test_expression_in_a_block_scalar_is_located_on_its_own_line():
    [d] = variant(("    when: context.price_war", "    when: |\n      context.price_war and\n      tenure < 3"))
    assert "unknown name 'tenure'" in d.message
    assert (d.line, d.col) == (33, 7)


def test_bonus_attainment_must_name_one_kpi():
    [d] = variant(("attainment: revenue", "attainment: visit"))
    assert "'visit' is not a KPI of any scorecard; did you mean 'visits'?" in d.message


def test_cohort_must_be_an_employee_column():
    [d] = variant(("cohort: team", "cohort: teams"))
    assert "cohort 'teams' is not an employee column; did you mean 'team'?" in d.message


def test_rules_in_different_groups_are_not_combined():
    rules = "".join(f"  - id: r{i}\n    then:\n      - set: {{results.revenue: {50 + i}}}\n" if i % 2 else
                    f"  - id: r{i}\n    then:\n      - drop: activity.visits\n" for i in range(1))
    assert rules  # a single rule per group is always checked alone
    many = "".join(f"  - id: r{i}\n    when: context.f{i}\n    then:\n      - set: {{results.revenue: {40 + i}}}\n"
                   for i in range(10))
    assert variant(("rules:\n", "rules:\n" + many)) == []


def test_too_many_interacting_rules_are_refused_clearly():
    many = "".join(f"  - id: r{i}\n    when: context.f{i}\n    then:\n      - set: {{results.revenue: {40 + i}}}\n"
                   for i in range(17))
    [d] = variant(("rules:\n", "rules:\n" + many))
    assert "17 rules change the same weights of scorecard 'rep'" in d.message
    assert "at most 16" in d.message


def test_a_combination_of_three_is_reported_once_at_the_last_rule():
    rules = ("  - id: a\n    then:\n      - shift: {from: activity, to: results, points: 12}\n"
             "  - id: b\n    then:\n      - shift: {from: activity, to: results, points: 12}\n"
             "  - id: c\n    then:\n      - shift: {from: activity, to: results, points: 12}\n")
    found = variant(("rules:\n", "rules:\n" + rules))
    assert [d.message for d in found] == [
        "rules a + b + c together shift 12 points from 'activity', which has 6 by then (scorecard 'rep')"]
    assert found[0].path.startswith("rules[2].then[0]")


def test_rules_that_can_never_fire_together_are_not_combined():
    """Conditions that exclude each other (P / not P, different values of one column, ranges that do
    not meet) never fire together, so their combination is not checked; overlapping ones still are."""
    def two(when_a, when_b):
        shift = "      - shift: {from: activity, to: results, points: 16}\n"
        rules = (f"  - id: a\n    when: {when_a}\n    then:\n{shift}"
                 f"  - id: b\n    when: {when_b}\n    then:\n{shift}")
        return [d.message for d in variant(("rules:\n", "rules:\n" + rules))]

    for a, b in (("context.price_war", "not context.price_war"), ('team == "north"', 'team == "south"'),
                 ("tenure_months < 3", "tenure_months >= 3"), ('team in ["a", "b"]', 'team not in ["a", "b"]'),
                 ("context.price_war and tenure_months < 3", "tenure_months > 6 or not context.price_war")):
        assert two(a, b) == [], (a, b)
    overlapping = "rules a + b together shift 16 points from 'activity', which has 14 by then (scorecard 'rep')"
    for a, b in (("context.price_war", "context.new_market"), ("tenure_months <= 3", "tenure_months >= 3"),
                 ('team != "north"', 'team != "south"'),
                 ("context.price_war or tenure_months < 3", "tenure_months > 6")):
        assert two(a, b) == [overlapping], (a, b)


def test_a_rule_that_never_applies_to_a_scorecard_is_not_checked_against_it():
    rule = '  - id: managers-only\n    when: team == "managers"\n    then:\n      - drop: activity.visits\n'
    assert variant(("rules:\n", "rules:\n" + rule)) == []        # the scorecard is for team != "managers"
    rule = rule.replace('team == "managers"', 'team == "north"')
    assert len(variant(("rules:\n", "rules:\n" + rule))) == 1


def test_score_in_a_rule_and_an_undeclared_name_in_a_formula_say_what_to_do():
    rule = "  - id: top\n    when: score > 90\n    then:\n      - shift: {from: activity, to: results, points: 5}\n"
    [d] = variant(("rules:\n", "rules:\n" + rule))
    assert "'score' is only known once everyone is scored" in d.message and "outcomes" in d.message
    [d] = variant(("{formula: collected / billed}", "{formula: collected / invoiced}"))
    assert "unknown name 'invoiced'" in d.message and d.hint.startswith("declare 'invoiced' under metrics:")


def test_rule_that_drops_the_last_weighted_kpi():
    rules = "  - id: no-activity\n    then:\n      - drop: activity.visits\n"
    [d] = variant(("rules:\n", "rules:\n" + rules))
    assert "drops 'activity.visits', which carries all 100 points of the KPIs of dimension 'activity'" in d.message


def test_outcome_scope_allows_grade_score_bonus_but_formulas_see_only_metrics():
    assert variant(("when: grade == \"C\"", "when: score < 60 and bonus == 0 and previous.grade == \"C\"")) == []
    [d] = variant(("{formula: collected / billed}", "{formula: collected / billed * context.fx}"))
    assert "'context' cannot be used in the formula of metric 'collection_rate'" in d.message
    [d] = variant(("applies_to: team != \"managers\"", "applies_to: revenue > 0"))
    assert "unknown name 'revenue'" in d.message


# ---------------------------------------------------------------- cycle files

def copy_example(tmp_path) -> Path:
    target = tmp_path / "example"
    shutil.copytree(EXAMPLE, target)
    return target


def test_cycle_files_of_the_example_are_valid():
    assert check_cycle(EXAMPLE / "cycle-q3.yaml").data["cycle"] == "2026-Q3"


def test_cycle_with_missing_ruleset(tmp_path):
    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    cycle.write_text(cycle.read_text().replace("ruleset: sales-team.yaml", "ruleset: sales-teams.yaml"))
    [d] = validate_cycle(load(cycle))
    assert (d.line, d.col) == (3, 10)
    assert "ruleset file 'sales-teams.yaml' not found" in d.message


def test_cycle_context_is_checked_against_what_the_ruleset_reads(tmp_path):
    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    text = cycle.read_text()
    cycle.write_text(text.replace("  restricted_regions: [north]\n", "  restricted_region: [north]\n"))
    found = validate_cycle(load(cycle))
    [error] = [d for d in found if d.severity == "error"]
    assert (error.line, error.col, error.path) == (4, 1, "context")
    assert "reads context.restricted_regions" in error.message and "did you mean 'restricted_region'" in error.message
    [warning] = [d for d in found if d.severity == "warning"]
    assert (warning.line, warning.path) == (6, "context.restricted_region")
    assert "never reads it; did you mean 'restricted_regions'" in warning.message

    cycle.write_text(text.replace("restricted_regions: [north]", "restricted_regions: north"))
    [d] = validate_cycle(load(cycle))
    assert (d.line, d.col, d.path) == (6, 23, "context.restricted_regions")
    assert "'region in context.restricted_regions'" in d.message and "needs a list" in d.message

    assert validate_cycle(load(EXAMPLE / "cycle-q3.yaml")) == []


def test_cycle_reports_its_rulesets_problems(tmp_path):
    folder = copy_example(tmp_path)
    rules = folder / "sales-team.yaml"
    rules.write_text(rules.read_text().replace("weight: 50\n", "weight: 55\n", 1))
    found = validate_cycle(load(folder / "cycle-q3.yaml"))
    assert [Path(d.file).name for d in found] == ["sales-team.yaml"]
    assert "add up to 105, not 100" in found[0].message


def test_cycle_schema_errors(tmp_path):
    text = ("cycle: 2026-Q5\nruleset: sales-team.yaml\nsources:\n  - {path: data/x.csv}\n"
            "on_error: skip\nstroe: sqlite:///x.db\n")
    (tmp_path / "sales-team.yaml").write_text((EXAMPLE / "sales-team.yaml").read_text())
    (tmp_path / "c.yaml").write_text(text)
    found = validate_cycle(load(tmp_path / "c.yaml"))
    got = {(d.line, d.col): d.message for d in found}
    assert got[(1, 8)].startswith("'2026-Q5' is not valid here: write 2026-07 (month), 2026-Q3 (quarter)")
    assert got[(4, 5)] == "'provider' is missing"
    assert got[(5, 11)] == "'skip' is not one of fail, skip-employee"
    assert got[(6, 1)] == "unknown key 'stroe'; did you mean 'store'?"


def test_cycle_year_may_be_a_number(tmp_path):
    (tmp_path / "sales-team.yaml").write_text((EXAMPLE / "sales-team.yaml").read_text())
    (tmp_path / "c.yaml").write_text("cycle: 2026\nruleset: sales-team.yaml\nsources: [{provider: csv}]\n"
                                     "context: {price_war: false, restricted_regions: []}\n")
    assert validate_cycle(load(tmp_path / "c.yaml")) == []


def test_provider_schemas_check_source_options():
    providers = {
        "csv": {"type": "object", "additionalProperties": False, "required": ["path"],
                "properties": {"delimiter": {"type": "string", "maxLength": 1}}},
        "okr": {"type": "object"},
        "feedback360": {"type": "object"},
    }
    doc = loads("cycle: 2026-Q3\nruleset: x.yaml\nsources:\n  - {provider: csv, path: a.csv, delimeter: ';'}\n"
                "  - {provider: csv, path: b.csv, delimiter: ';;'}\n  - {provider: cvs, path: c.csv}\n",
                str(EXAMPLE / "c.yaml"))
    found = [d for d in validate_cycle(doc, providers) if "x.yaml" not in d.message]
    got = {(d.line, d.col): d.message for d in found}
    assert got[(4, 34)] == "unknown key 'delimeter' for provider 'csv'; did you mean 'delimiter'?"
    assert got[(5, 45)] == "is 2 characters long; at most 1 are allowed"
    assert got[(6, 16)] == "no provider 'cvs' is installed; did you mean 'csv'?"


# ---------------------------------------------------------------- files and folders

def test_folders_skip_yaml_that_is_not_appraise(tmp_path):
    (tmp_path / "okrs.yaml").write_text("E001:\n  - objective: grow\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("id: x\nversion: 1\n")
    (tmp_path / "ci.yml").write_text("jobs: {}\n")
    outcome = validate_files([tmp_path])
    assert outcome.checked == [] and len(outcome.skipped) == 2 and outcome.diagnostics == []


def test_a_file_named_explicitly_is_always_checked(tmp_path):
    f = tmp_path / "okrs.yaml"
    f.write_text("E001: []\n")
    found = validate_paths([f])
    assert any("'id' is missing" in d.message for d in found)


def test_a_broken_yaml_file_in_a_folder_is_reported(tmp_path):
    (tmp_path / "x.yaml").write_text("a: [1\n")
    [d] = validate_paths([tmp_path])
    assert d.message.startswith("YAML syntax")


def test_a_ruleset_shared_by_cycles_is_reported_once(tmp_path):
    folder = copy_example(tmp_path)
    rules = folder / "sales-team.yaml"
    rules.write_text(rules.read_text().replace("weight: 50\n", "weight: 55\n", 1))
    found = validate_paths([folder])
    assert len(found) == 1


def test_nonexistent_path():
    [d] = validate_paths(["/nonexistent/rules.yaml"])
    assert d.message == "no such file or folder"


# ---------------------------------------------------------------- the schemas

def walk_properties(node, where=""):
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            yield from walk_properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from walk_properties(sub, f"{where}[{i}]")


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_property_is_documented(name):
    schema = schemas.load(name)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["$id"].endswith(f"/{name}.schema.json")
    props = list(walk_properties(schema))
    assert len(props) > 10
    for where, prop in props:
        assert prop.get("description"), where
        assert prop.get("markdownDescription"), where


@pytest.mark.parametrize("name", schemas.NAMES)
def test_schemas_are_valid_draft_07(name):
    from jsonschema import Draft7Validator

    Draft7Validator.check_schema(schemas.load(name))


def test_schema_files_in_the_repo_are_the_packaged_ones():
    for name in schemas.NAMES:
        assert json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8")) == schemas.load(name)


def test_rulesets_carry_the_editor_modeline():
    for path in (ROOT / "rulesets").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../schemas/ruleset.schema.json")


def test_hints_for_common_expression_slips():
    [d] = variant(("    when: context.price_war", "    when: region == north"))
    assert (d.line, d.col) == (31, 21)
    assert d.hint == 'if you mean the text north, put it in quotes: "north"'
    [d] = variant(("    when: context.price_war", "    when: context.price_war = true"))
    assert (d.line, d.col) == (31, 29) and d.hint == "to compare, write '=='"
    [d] = variant(("      activity:\n        weight: 30\n        kpis:\n          visits: {weight: 100, target: 60}",
                   "      activity:\n        weight: 30\n        okr:"))
    assert d.message == "must be a mapping (key: value), not empty" and d.hint == "write {} for an empty mapping"


def test_provider_schemas_are_loaded_only_when_a_cycle_file_is_met():
    calls = []

    def providers():
        calls.append(1)
        return None

    assert validate_files([ROOT / "rulesets"], providers).diagnostics == []
    assert calls == []
    assert validate_files([EXAMPLE], providers).diagnostics == []
    assert calls == [1]


def test_a_cycle_s_ruleset_is_read_and_validated_once_and_compiled_as_on_its_own(monkeypatch):
    """pipeline.load compiles the ruleset document the cycle's validation read (no second read and validation of
    the same file); what it compiles is what loading the ruleset on its own gives."""
    import dataclasses

    from appraise import pipeline
    from appraise.language.ruleset import load_ruleset
    from appraise.language.validate import cycles, rulesets

    example = Path(__file__).parent / "fixtures" / "example"
    validated: list[str] = []

    def counting(doc, *args, **kwargs):
        validated.append(doc.file)
        return real(doc, *args, **kwargs)

    real = rulesets.validate_ruleset
    monkeypatch.setattr(cycles, "validate_ruleset", counting)
    monkeypatch.setattr(rulesets, "validate_ruleset", counting)
    cycle, ruleset = pipeline.load(example / "cycle-q3.yaml")
    assert len(validated) == 1 and validated[0].endswith("sales-team.yaml")
    alone = load_ruleset(cycle.ruleset_path)
    assert len(validated) == 2
    assert ruleset.sha256 == alone.sha256 != ""
    assert ruleset.source == alone.source == str((example / "sales-team.yaml").resolve())
    for f in dataclasses.fields(ruleset):
        assert repr(getattr(ruleset, f.name)) == repr(getattr(alone, f.name)), f.name


def test_a_misspelt_source_kind_is_one_error_not_two(tmp_path):
    """The cycle schema and the provider's own schema both list the kinds: a misspelt kind was reported twice at the
    same place (once in the cycle schema's order, once sorted)."""
    from appraise.plugins import provider_schemas

    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    cycle.write_text(cycle.read_text().replace("kind: employees", "kind: employes", 1))
    found = validate_cycle(load(cycle), provider_schemas())
    assert [(d.path, d.message) for d in found] == [
        ("sources[0].kind", "'employes' is not one of employees, metrics, feedback360, okr, deals, credits")]
    assert found[0].hint == "did you mean 'employees'?"


@pytest.mark.parametrize("output, shown", [(".", "cycle-q3.yaml"), ("data", "data/employees.csv"),
                                           ("out/..", "cycle-q3.yaml")])
def test_an_output_folder_holding_the_cycles_own_files_is_refused_by_validate(tmp_path, output, shown):
    """appraise run refuses an output folder it would replace with the inputs inside; validate passed it ("1 file
    valid", then the run failed)."""
    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    text = cycle.read_text()
    cycle.write_text(text.replace("output: out/2026-Q3\n", f"output: {output}\n"))
    [d] = validate_cycle(load(cycle))
    assert (d.path, d.message, d.hint) == (
        "output", f"output folder '{output}' holds the cycle's own files ({shown}); each run replaces the whole "
        "output folder", "give it a folder of its own, e.g. out/2026-Q3")
    cycle.write_text(text.replace("output: out/2026-Q3\n", "output: out/q3\n"))
    assert validate_cycle(load(cycle)) == []


@pytest.mark.parametrize("store, meant", [("sqllite:///x.db", "sqlite"), ("postgres://hr@db/appraise", "postgresql"),
                                          ("postgresql+psycopg3://hr@db/appraise", "postgresql+psycopg")])
def test_a_store_url_sqlalchemy_cannot_open_is_refused_by_validate(tmp_path, store, meant):
    """A misspelt scheme passed validate and failed the run with the driver loader's words ("Can't load plugin:
    sqlalchemy.dialects:sqllite"), at no line."""
    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    text = cycle.read_text()
    cycle.write_text(text.replace("store: sqlite:///out/appraise.db\n", f"store: {store}\n"))
    [d] = validate_cycle(load(cycle))
    scheme = store.split("://")[0]
    assert (d.path, d.message) == ("store", f"store '{scheme}://' is not a database appraise can open; did you "
                                            f"mean '{meant}'?")
    for fine in ("sqlite:///appraise.db", "postgresql+psycopg://hr@db/appraise", "postgresql://hr@db/appraise"):
        cycle.write_text(text.replace("store: sqlite:///out/appraise.db\n", f"store: {fine}\n"))
        assert validate_cycle(load(cycle)) == []


def test_a_cycle_file_named_as_the_ruleset_is_one_error_at_the_line(tmp_path):
    """`ruleset: cycle-q2.yaml` (a cycle file) was checked as a ruleset: eleven errors in the other file (unknown key
    'cycle', 'id' is missing, ...), none at the line to fix."""
    folder = copy_example(tmp_path)
    cycle = folder / "cycle-q3.yaml"
    (folder / "cycle-q2.yaml").write_text(cycle.read_text().replace("2026-Q3", "2026-Q2"))
    cycle.write_text(cycle.read_text().replace("ruleset: sales-team.yaml", "ruleset: cycle-q2.yaml"))
    [d] = validate_cycle(load(cycle))
    assert (Path(d.file).name, d.line, d.col, d.path) == ("cycle-q3.yaml", 3, 10, "ruleset")
    assert (d.message, d.hint) == ("'cycle-q2.yaml' is a cycle file, not a ruleset",
                                   "name the ruleset file here: the one with id:, scorecards: and grades: (the "
                                   "ruleset: line of 'cycle-q2.yaml' names it)")
