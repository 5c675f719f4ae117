"""The render stage on the worked example: pages, content, privacy, escaping, determinism, branding."""
from __future__ import annotations

import copy
import dataclasses
import html
import re
from pathlib import Path

import pytest

from appraise.language.compile import compile_ruleset
from appraise.language.ruleset import load_ruleset
from appraise.plugins.html.views import plan_dates
from appraise.present.render import CohortStats, RenderError, file_stem, render_all, renderers
from engine_inputs import EXAMPLE, previous_from, run_example

PAGES = ["index.html", "teams/east-1.html", "teams/east-2.html"] + \
        [f"{kind}/E00{i}.html" for kind in ("dashboards", "plans") for i in range(1, 6)]


@pytest.fixture(scope="module")
def example():
    """Q2 and Q3 results of the worked example, the ruleset and Q2 as history."""
    _, q2 = run_example("Q2")
    _, q3 = run_example("Q3", previous=previous_from(q2))
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    history = {e["id"]: [{"cycle": q2["cycle"], "score": e["score"], "grade": e["grade"], "bonus": e["bonus"]}]
               for e in q2["employees"]}
    return {"q2": q2, "q3": q3, "ruleset": ruleset, "history": history}


@pytest.fixture(scope="module")
def site(example, tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    written = render_all(example["q3"], example["ruleset"], out, history=example["history"],
                         employees_info={"E005": {"locale": "zh-CN"}, "E004": {"manager": "Sun Li"}})
    return out, written


@pytest.fixture(scope="module")
def site4(example, tmp_path_factory):
    """The site with ``privacy.min_group: 4``: team east-1 (4 people) is big enough to compare with."""
    out = tmp_path_factory.mktemp("site4")
    ruleset = dataclasses.replace(example["ruleset"], min_group=4)
    render_all(example["q3"], ruleset, out, history=example["history"], employees_info={"E005": {"locale": "zh-CN"}})
    return out


def read(out: Path, page: str) -> str:
    return (out / page).read_text(encoding="utf-8")


def text_of(page: str) -> str:
    """Visible text of a page (tags dropped, entities decoded)."""
    body = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_every_page_type_is_written(site):
    out, written = site
    assert sorted(str(p) for p in written) == sorted(PAGES)
    for page in PAGES:
        assert (out / page).stat().st_size > 1000


def test_html_renderer_is_a_registered_plugin():
    assert "html" in renderers()


def test_dashboard_shows_score_grade_bonus_and_calibration(site):
    out, _ = site
    e003 = text_of(read(out, "dashboards/E003.html"))
    assert "98.98" in e003 and "Calibrated from A to B" in e003
    assert "CN¥30,900" in e003
    assert "Dropped by rule: New-market expansion blocked by regional policy" in e003
    e001 = text_of(read(out, "dashboards/E001.html"))
    assert "Calibrated" not in e001
    # bonus breakdown: tiers, multiplier, excess, cap
    for part in ("Tiers reached", "2 of 2", "×1.1", "CN¥8,100", "CN¥60,000", "CN¥41,100"):
        assert part in e001
    # the rule that changed a weight is named beside it
    assert "Changed from 50 by rule: Price war - protect existing customers" in e001


def test_strengths_use_team_rank_and_areas_to_improve_are_the_focus_areas(site4):
    out = site4
    e001 = text_of(read(out, "dashboards/E001.html"))
    assert "Revenue ranks first in the team" in e001
    e004 = read(out, "dashboards/E004.html")
    # the results' focus areas, in order, with their points lost (results: objectives 8.0, revenue 7.5,
    # feedback 6.7143); revenue's team average by hand: (1.25 + 0.96 + 1.0303 + 0.6667) / 4 = 97.7 %
    focus = re.search(r'<section aria-labelledby="h-gaps" id="focus">(.*?)</section>', e004, re.S).group(1)
    assert re.findall(r'data-focus="([^"]+)"', focus) == ["objectives", "revenue", "feedback"]
    text = " ".join(text_of(focus).split())
    assert "Objectives and key results 8.0 points lost · score 20.0 of 100" in text
    assert "Revenue 7.5 points lost · 66.7% of target, team average 97.7%" in text
    assert "360° feedback 6.7 points lost · score 55.2 of 100" in text
    assert "Lead conversion" not in text  # below the team average, but it lost fewer points
    assert "rank 4 of 4" in text_of(e004)


def test_no_team_comparison_below_min_group(site, site4):
    out, _ = site
    for folder in (out, site4):
        e005 = text_of(read(folder, "dashboards/E005.html"))  # alone in east-2, and reads Chinese
        assert "团队均值" not in e005 and "排名" not in e005
    assert "仅当同一考核方案和团队中至少有 5 人时才显示团队对比" in text_of(read(out, "dashboards/E005.html"))
    assert "至少有 4 人时" in text_of(read(site4, "dashboards/E005.html"))
    # east-1 holds 4 people: below the default privacy.min_group of 5, so no average and no rank
    for i in range(1, 5):
        page = text_of(read(out, f"dashboards/E00{i}.html"))
        assert "Team comparisons appear only when at least 5 people share your scorecard and team" in page
        assert "Team average" not in page and not re.search(r"rank \d of", page) and "in the team" not in page


def test_cohort_stats_need_min_group():
    members = [{"kpis": {"a.x": {"weight": 50, "attainment": v}}} for v in (0.5, 0.9, 1.2)]
    assert CohortStats(members, 4).compare("a.x", 0.9) is None
    members.append({"kpis": {"a.x": {"weight": 50, "attainment": 1.0}}})
    avg, rank, size = CohortStats(members, 4).compare("a.x", 1.2)
    assert (round(avg, 4), rank, size) == (0.9, 1, 4)
    assert CohortStats(members).compare("a.x", 1.2) is None  # the default min_group is 5
    assert CohortStats(members, 4).compare("a.x", 1.2, 5) is None  # the larger of the two applies


def test_360_summary_hides_small_sources_and_raters(site, example):
    out, _ = site
    e001 = text_of(read(out, "dashboards/E001.html"))
    assert "Self-assessment 80.0 against" in e001
    e002 = read(out, "dashboards/E002.html")  # peers: 2 raters, below the threshold of 3
    assert ">Peers<" not in e002 and ">Manager<" in e002
    e004 = read(out, "dashboards/E004.html")  # customers: 2 raters
    assert ">Customers<" not in e004
    raters = (EXAMPLE / "data" / "feedback.csv").read_text().splitlines()[1:]
    rater_ids = {line.split(",")[1] for line in raters} - {f"E00{i}" for i in range(1, 6)}
    for page in PAGES:
        body = read(out, page)
        for rater in rater_ids:
            assert not re.search(rf"\b{rater}\b", body), (page, rater)


def test_history_trend_and_first_cycle(site, example, tmp_path):
    out, _ = site
    e001 = text_of(read(out, "dashboards/E001.html"))
    assert "2026-Q2" in e001 and "No history yet" not in e001
    render_all(example["q3"], example["ruleset"], tmp_path)
    assert "No history yet" in text_of(read(tmp_path, "dashboards/E001.html"))
    later = {"E001": [{"cycle": "2026-Q4", "score": 50.0, "grade": "D", "bonus": "0"}]}
    render_all(example["q3"], example["ruleset"], tmp_path / "later", history=later)
    assert "No history yet" in text_of(read(tmp_path / "later", "dashboards/E001.html"))


def test_missing_data_okr_rules_and_outcomes(site):
    out, _ = site
    e005 = text_of(read(out, "dashboards/E005.html"))
    assert "过程质量 › 线索转化率无数据" in e005
    assert "价格战：守住老客户" in e005 and "优先获得区域拓展机会" in e005
    e002 = text_of(read(out, "dashboards/E002.html"))
    assert "No objectives were recorded" in e002
    assert "Target changed by rule: New hire quota ramp" in e002


def test_development_suggestions_for_everyone(site):
    out, _ = site
    plan = text_of(read(out, "plans/E002.html"))
    assert "360° feedback: Collaboration and customer service" in plan
    assert "Customer visits: Prospecting cadence" in plan
    assert "Plan visits for the next two weeks every Friday" in plan
    assert "No formal improvement plan is required" in plan
    assert "Sign-off" not in plan


def test_formal_plan_goals_owner_checkpoints_signoff(site):
    out, _ = site
    plan = text_of(read(out, "plans/E004.html"))
    assert "Capability improvement plan: Chen Jie" in plan
    assert "Revenue from CN¥600,000 to CN¥900,000" in plan
    assert "Objectives and key results score from 20.0 to 60" in plan
    assert "Sun Li" in plan and "Line manager" not in plan
    for day in ("Oct 29, 2026", "Nov 26, 2026", "Dec 24, 2026"):
        assert day in plan
    assert "Final review" in plan and "Sign-off" in plan and "Signature" in plan


def test_plan_dates_follow_the_period():
    start, points = plan_dates("2026-Q3", 12)
    assert str(start) == "2026-10-01"
    assert [(w, str(d)) for w, d in points] == [(4, "2026-10-29"), (8, "2026-11-26"), (12, "2026-12-24")]
    _, points = plan_dates("2026-07", 6)
    assert [w for w, _ in points] == [4, 6]


def test_chinese_plan_formats_dates_and_money(example, tmp_path):
    render_all(example["q3"], example["ruleset"], tmp_path, locale="zh-CN")
    plan = read(tmp_path, "plans/E004.html")
    assert '<html lang="zh-CN">' in plan
    body = text_of(plan)
    assert "2026年10月29日" in body and "¥600,000" in body and "直属上级" in body
    assert "能力提升计划：Chen Jie" in body
    index = text_of(read(tmp_path, "index.html"))
    assert "考核总览" in index and "等级分布" in index


def test_team_overview_and_index(site4):
    out = site4
    team = read(out, "teams/east-1.html")
    body = text_of(team)
    for name in ("Li Wei", "Zhang Min", "Wang Fang", "Chen Jie"):
        assert name in body
    assert "CN¥80,000" in body and "of the target bonuses (CN¥105,000)" in body
    assert 'href="../plans/E004.html"' in team and 'href="../dashboards/E001.html"' in team
    assert "lv-low" in team and "lv-high" in team
    index = read(out, "index.html")
    assert 'href="teams/east-1.html"' in index and 'href="teams/east-2.html"' in index
    # east-1's row shows its total; the cycle's (CN¥122,900) would give east-2's one person's (CN¥42,900)
    assert "CN¥80,000" in text_of(index) and "CN¥122,900" not in text_of(index)
    assert "CN¥42,900" not in text_of(index)


def test_links_are_relative_and_resolve(site):
    out, _ = site
    for page in PAGES:
        for target in re.findall(r'href="([^"]+)"', read(out, page)):
            assert not target.startswith(("/", "http", "//")), (page, target)
            assert (out / page).parent.joinpath(target).resolve().is_file(), (page, target)


def test_pages_are_self_contained(site):
    out, _ = site
    for page in PAGES:
        body = read(out, page)
        assert "http://" not in body and "https://" not in body, page
        assert "<script" not in body.lower(), page
        for value in re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', body):
            assert not value.startswith("//"), (page, value)
        assert "@media print" in body and "size:A4" in body.replace(" ", "")


def test_pages_are_accessible_statically(site):
    out, _ = site
    for page in PAGES:
        body = read(out, page)
        assert re.search(r'<html lang="(en|zh-CN)">', body), page
        assert re.search(r"<title>[^<]+</title>", body), page
        assert body.count("<h1") == 1, page
        levels = [int(n) for n in re.findall(r"<h([1-6])", body)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), (page, levels)
        for svg in re.findall(r"<svg[^>]*>.*?</svg>", body, flags=re.S):
            assert 'role="img"' in svg and "<title" in svg, page
        for th in re.findall(r"<th\b[^>]*>", body):
            assert "scope=" in th, (page, th)


def test_privacy_no_other_employee_on_personal_pages(site, example):
    out, _ = site
    people = example["q3"]["employees"]
    for me in people:
        for kind in ("dashboards", "plans"):
            body = read(out, f"{kind}/{me['id']}.html")
            for other in people:
                if other["id"] == me["id"]:
                    continue
                assert other["id"] not in body, (me["id"], kind, other["id"])
                assert other["name"] not in body, (me["id"], kind, other["name"])
                for figure in (f"{other['score']:.2f}", other["bonus"] and f"{int(other['bonus']):,}"):
                    if figure and figure not in (f"{me['score']:.2f}",) and figure != "0":
                        pattern = rf"(?<![\d.,]){re.escape(figure)}(?![\d.,]*\d)"
                        assert not re.search(pattern, text_of(body)), (me["id"], kind, other["id"], figure)


def test_escaping_of_names_and_labels(example, tmp_path):
    doc = copy.deepcopy(example["q3"])
    evil = '<script>alert(1)</script>{{ 7*7 }}'
    doc["employees"][0]["name"] = evil
    doc["employees"][0]["calibration"]["cohort"] = '<b>team</b>{% raw %}'
    data = copy.deepcopy(_ruleset_data())
    data["scorecards"]["sales_rep"]["dimensions"]["results"]["label"] = {"en": "<img src=x onerror=alert(1)>{{ x }}"}
    ruleset = compile_ruleset(data)
    render_all(doc, ruleset, tmp_path, history=example["history"])
    for page in ("dashboards/E001.html", "plans/E001.html", "teams/" + file_stem('<b>team</b>{% raw %}') + ".html",
                 "index.html"):
        body = read(tmp_path, page)
        assert "<script>alert" not in body and "<img src=x" not in body and "<b>team" not in body, page
        assert "{% raw %}" in text_of(body) or "{{ 7*7 }}" in text_of(body), page
    dash = read(tmp_path, "dashboards/E001.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{ 7*7 }}" in dash
    assert "&lt;img src=x onerror=alert(1)&gt;{{ x }}" in dash


def test_unsafe_ids_and_cohorts_stay_inside_the_output(example, tmp_path):
    doc = copy.deepcopy(example["q3"])
    doc["employees"][0]["id"] = "../../evil"
    doc["employees"][1]["calibration"]["cohort"] = "../team"
    written = render_all(doc, example["ruleset"], tmp_path / "out")
    for path in written:
        assert (tmp_path / "out" / path).resolve().is_relative_to((tmp_path / "out").resolve())
    assert not (tmp_path / "evil.html").exists()


def test_output_is_deterministic(example, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        render_all(example["q3"], example["ruleset"], out, history=example["history"],
                   employees_info={"E002": {"locale": "zh-CN"}})
    files = sorted(p.relative_to(a) for p in a.rglob("*.html"))
    assert files and files == sorted(p.relative_to(b) for p in b.rglob("*.html"))
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def _ruleset_data() -> dict:
    from engine_inputs import example_ruleset_data

    return example_ruleset_data()


def _write_ruleset(folder: Path, report: dict) -> Path:
    import yaml

    data = _ruleset_data()
    data["report"] = report
    path = folder / "sales-team.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8cf00000301010018dd8db00000000049454e44ae426082")


def test_branding_logo_colors_and_wording(example, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(PNG_1PX)
    path = _write_ruleset(tmp_path, {"logo": "assets/logo.png", "colors": {"primary": "#ffd400", "accent": "#0b5fff"},
                                     "wording": {"plan.owner_default": {"en": "HR business partner", "zh-CN": "HRBP"}}})
    ruleset = load_ruleset(path)
    render_all(example["q3"], ruleset, tmp_path / "out")
    dash = read(tmp_path / "out", "dashboards/E001.html")
    assert 'src="data:image/png;base64,' in dash
    assert "--primary:#ffd400" in dash and "--accent:#0b5fff" in dash
    assert "--on-primary:#1f2328" in dash  # dark text on a light brand colour keeps contrast
    assert "HR business partner" in read(tmp_path / "out", "plans/E004.html")


@pytest.mark.parametrize("report, message", [
    ({"logo": "../outside.png"}, "outside the ruleset's folder"),
    ({"templates": "../"}, "outside the ruleset's folder"),
    ({"logo": "missing.png"}, "does not exist"),
    ({"wording": {"plan.ownr_default": {"en": "x"}}}, "did you mean 'plan.owner_default'"),
])
def test_branding_refuses_bad_paths_and_keys(example, tmp_path, report, message):
    folder = tmp_path / "rules"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(PNG_1PX)
    ruleset = load_ruleset(_write_ruleset(folder, report))
    with pytest.raises(RenderError, match=re.escape(message)):
        render_all(example["q3"], ruleset, tmp_path / "out")


def test_template_override_runs_sandboxed(example, tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "plan.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>{{ v.heading }}</h1><p id="custom">Custom plan '
        "for {{ v.name }}</p>{% endblock %}", encoding="utf-8")
    ruleset = load_ruleset(_write_ruleset(tmp_path, {"templates": "tpl"}))
    render_all(example["q3"], ruleset, tmp_path / "out")
    assert "Custom plan for Chen Jie" in read(tmp_path / "out", "plans/E004.html")
    assert "Performance dashboard" in read(tmp_path / "out", "dashboards/E004.html")  # not overridden

    (tmp_path / "tpl" / "plan.html").write_text("{{ v.__class__.__mro__[1].__subclasses__() }}", encoding="utf-8")
    with pytest.raises(RenderError, match="template plan.html"):
        render_all(example["q3"], ruleset, tmp_path / "out2")


def test_template_override_cannot_follow_symlinks_out(example, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("secret", encoding="utf-8")
    rules = tmp_path / "rules"
    (rules / "tpl").mkdir(parents=True)
    (rules / "tpl" / "plan.html").symlink_to(secret)
    ruleset = load_ruleset(_write_ruleset(rules, {"templates": "tpl"}))
    with pytest.raises(RenderError, match="outside"):
        render_all(example["q3"], ruleset, tmp_path / "out")


def test_renderer_selection(example, tmp_path):
    with pytest.raises(RenderError, match="no renderer named pdf"):
        render_all(example["q3"], example["ruleset"], tmp_path, only=["pdf"])
    assert render_all(example["q3"], example["ruleset"], tmp_path, only=["html"])


def test_empty_cycle_renders_an_index(example, tmp_path):
    doc = dict(example["q3"], employees=[])
    assert [str(p) for p in render_all(doc, example["ruleset"], tmp_path)] == ["index.html"]
    assert "No employee was appraised" in read(tmp_path, "index.html")


def test_parallel_rendering_matches_serial(example, tmp_path):
    from appraise.plugins.html import HtmlRenderer
    from appraise.present.render import RenderRequest

    doc = copy.deepcopy(example["q3"])
    base = doc["employees"]
    doc["employees"] = []
    for i in range(450):
        e = copy.deepcopy(base[i % 5])
        e["id"] = f"X{i:04d}"
        e["name"] = f"Person {i}"
        e["calibration"]["cohort"] = f"team-{i % 40}"
        doc["employees"].append(e)
    found = {e["id"]: {"next_grade": {"grade": "S", "min": 110.0, "points": i / 100}}
             for i, e in enumerate(doc["employees"])}  # each worker is given its own people's
    import hashlib

    digests: dict[str, dict] = {"serial": {}, "parallel": {}}
    listed = {}
    for mode, workers in (("serial", 1), ("parallel", 2)):  # parallel: workers render whole teams, team pages too
        request = RenderRequest(doc, example["ruleset"], insights=found, digests=digests[mode])
        listed[mode] = HtmlRenderer(workers=workers).render(request, tmp_path / mode)
    assert listed["serial"] == listed["parallel"]
    files = {mode: sorted(p.relative_to(tmp_path / mode).as_posix() for p in (tmp_path / mode).rglob("*.html"))
             for mode in listed}
    assert files["serial"] == files["parallel"] == [p.as_posix() for p in listed["serial"]]
    assert len(files["serial"]) == 450 * 2 + 40 + 1
    for page in files["serial"]:
        data = (tmp_path / "serial" / page).read_bytes()
        assert data == (tmp_path / "parallel" / page).read_bytes(), page
        # what each renderer noted as it wrote is the file's own sha256 and size, never linked (no previous)
        assert digests["serial"][page] == digests["parallel"][page] == (hashlib.sha256(data).hexdigest(), len(data),
                                                                         False)
    assert "Grade S starts at 110: 4.49 points to go." in (tmp_path / "parallel/dashboards/X0449.html").read_text()


def test_weight_notes_name_only_the_rules_that_moved_that_weight(site):
    """E002 (Q3): price war shifts 5 points from results to strategy (50/10 → 45/15); the objectives dimension (10) has
    no data, so its points are shared over the other 90: results 45 → 50, strategy 15 → 16.67, process and 360°
    feedback 15 → 16.67.  Until the core's provenance fed
    the notes, the dashboard inferred 'by rule: Price war' for process and feedback, which the shift never touched."""
    out, _ = site
    page = read(out, "dashboards/E002.html")
    notes = dict(re.findall(r'<th scope="row">([^<]+)<span class="why">([^<]+)</span>', page))
    assert notes["Process quality"] == "Changed from 15: weight of dropped items shared"
    assert notes["360° feedback"] == "Changed from 15: weight of dropped items shared"
    assert notes["Strategic execution"] == "Changed from 10 by rule: Price war - protect existing customers"
    assert notes["Objectives and key results"] == "No data: weight shared among the others"
    assert "Business results" not in notes  # 50 before, 50 after: no note
