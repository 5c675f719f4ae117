"""`appraise explain`: the whole derivation for one person, in their language, from the same numbers."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from appraise.cli import main
from appraise.present.explain import explain, render_text
from engine_inputs import EXAMPLE, previous_from, run_example


def test_explain_covers_every_step_and_matches_the_results():
    _, q2 = run_example("Q2")
    ev, q3 = run_example("Q3", previous=previous_from(q2))
    x = explain(ev, "E003")
    result = next(e for e in q3["employees"] if e["id"] == "E003")
    assert x["result"]["score"] == result["score"] and x["result"]["bonus"] == result["bonus"]
    rules = {r["id"]: r for r in x["rules"]}
    assert rules["market-entry-blocked"]["held"] is True
    assert rules["market-entry-blocked"]["values"] == {"region": "north", "context.restricted_regions": ["north"]}
    drop = rules["market-entry-blocked"]["actions"][0]
    assert drop["after"] == {"new_product_share": 0.0, "retention_rate": 100.0}
    assert x["calibration"]["moved"] is True and x["grade"] == {"uncalibrated": "A", "min": 95.0, "grade": "B"}
    text = render_text(x)
    for fragment in ("price-war", "drop strategy.new_product_share", "attainment 1.0303", "moved from A to B",
                     "excess: 0.03 × (actual 1,020,000 − 1 × target 990,000) = 900",
                     "paid (rounded half-up to 1): 30900 CNY"):
        assert fragment in text, fragment


def test_explain_in_chinese_and_hidden_360_sources_have_no_numbers():
    ev, _ = run_example("Q3")
    x = explain(ev, "E002", locale="zh-CN")
    text = render_text(x)
    assert "调整规则" in text and "新人目标爬坡" in text
    hidden = [s for d in x["dimensions"] for s in d.get("sources", []) if s.get("shown") is False]
    assert {s["relation"] for s in hidden} == {"peer", "customer"}
    assert all(set(s) == {"relation", "weight", "shown"} for s in hidden)  # no score, no rater count
    assert "不显示" in text


def test_cli_explain_text_json_and_unknown_employee(tmp_path: Path):
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    runner = CliRunner()
    out = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "E005", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["id"] == "E005" and data["missing"] == ["process.lead_conversion"]
    out = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "E005", "--locale", "zh-CN"])
    assert out.exit_code == 0 and "赵磊（E005）的绩效考核" in out.output
    out = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "NOPE"])
    assert out.exit_code == 1 and "no employee 'NOPE'" in out.output


def test_cli_explain_says_what_is_within_reach_and_why_the_bonus_changed(tmp_path: Path):
    # The worked example's expected results (SPEC's, not this code's): E001 scored 104.48 (bonus 37,500) in Q2 and
    # 108.27 (41,100) in Q3; grade S starts at 110.  E003's bonus went 12,000 -> 30,900.
    work = tmp_path / "example"
    shutil.copytree(EXAMPLE, work)
    runner = CliRunner()
    assert runner.invoke(main, ["run", str(work / "cycle-q2.yaml"), "-q"]).exit_code == 0  # the previous period
    out = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "E001", "--format", "json"])
    reach = json.loads(out.output)["within_reach"]
    assert reach["next_grade"]["grade"] == "S" and reach["next_grade"]["points"] == 1.73  # 110 - 108.27
    change = reach["bonus_change"]
    assert (change["cycle"], change["previous"], change["now"], change["change"]) == ("2026-Q2", "37500", "41100",
                                                                                     "3600")
    assert sum(int(e["amount"]) for e in change["effects"]) == 3600  # the steps add up to the change
    text = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "E003"]).output
    assert "Within reach" in text and "Bonus against 2026-Q2: 12000 → 30900 CNY (+18900)" in text
    zh = runner.invoke(main, ["explain", str(work / "cycle-q3.yaml"), "E001", "--locale", "zh-CN"]).output
    assert "下一步可达成" in zh and "S 级起点为 110：还差 1.73 分" in zh and "奖金与 2026-Q2 相比：37500 → 41100" in zh


def test_explain_names_the_later_scorecards_that_also_matched():
    import copy

    from engine_inputs import example_ruleset_data

    data = example_ruleset_data()
    (key, card), = data["scorecards"].items()
    north = copy.deepcopy(card)
    north["applies_to"] = 'region == "north"'
    default = {k: v for k, v in copy.deepcopy(card).items() if k != "applies_to"}
    data["scorecards"] = {key: card, "north": north, "default": default}
    ev, doc = run_example("Q3", ruleset_data=data)
    by_id = {e["id"]: e for e in doc["employees"]}
    x = explain(ev, "E003")                                     # region north
    assert by_id["E003"]["scorecard"] == key and x["scorecard"]["also_matched"] == ["north", "default"]
    assert "also matched: north, default; the first scorecard in the file" in render_text(x)
    others = [e for e in by_id if e != "E003" and ev.frame.filter(ev.frame["id"] == e)["attr.region"].item() != "north"]
    assert others and explain(ev, others[0])["scorecard"]["also_matched"] == ["default"]


def test_explain_shows_each_objective_and_key_result_and_speaks_chinese_throughout():
    ev, doc = run_example("Q3")
    x = explain(ev, "E001")
    [okr] = [d for d in x["dimensions"] if d["kind"] == "okr"]
    result = next(e for e in doc["employees"] if e["id"] == "E001")["dimensions"][okr["key"]]
    assert [o["score"] for o in okr["objectives"]] == [o["score"] for o in result["objectives"]]
    aspirational = next(o for o in okr["objectives"] if o["type"] == "aspirational")
    weights = [kr["weight"] for kr in aspirational["key_results"]]
    progress = sum(kr["progress"] * w for kr, w in zip(aspirational["key_results"], weights)) / sum(weights)
    assert abs(progress - aspirational["progress"]) < 1e-4
    assert abs(aspirational["score"] - 100 * min(aspirational["progress"] / 0.7, 1)) < 1e-2  # progress shown at 4 dp
    assert "= min(progress / 0.7, 1) × 100" in render_text(x) and "key result" in render_text(x)
    zh = render_text(explain(ev, "E003", locale="zh-CN"))
    assert "从 results 调 5 分到 strategy" in zh and "去掉 strategy.new_product_share" in zh
    assert "360 来源 上级" in zh and "承诺型" in zh
