"""Issue 18, phones: every page type, both languages, at 360, 390 and 430 px in a real Chromium — no horizontal
scrolling (the document and every box inside it fit the screen), and chart and table text stays readable."""
from __future__ import annotations

import copy

import polars as pl
import pytest

from appraise.core.insights import insights
from appraise.language.compile import compile_ruleset
from appraise.language.ruleset import load_ruleset
from appraise.pipeline import evaluate_tables
from appraise.present.render import render_all
from browser_support import NEEDS_CHROMIUM
from engine_inputs import EXAMPLE, example_inputs, previous_from, run_example

WIDTHS = (360, 390, 430)
MIN_TEXT_PX = 11  # the smallest text on a page (chart labels included), in CSS pixels as drawn

pytestmark = NEEDS_CHROMIUM

# every page type: dashboards (self-assessment, comments, calibration, a formal plan's owner), plans (formal and
# not), team overviews and the index, with every figure shown (one team of five) and withheld (teams of 4 and 1)
PAGES = ["index.html", "teams/east-1.html", "dashboards/E001.html", "dashboards/E003.html", "dashboards/E004.html",
         "plans/E004.html", "plans/E001.html", "small/index.html", "small/teams/east-1.html",
         "small/teams/east-2.html", "small/dashboards/E005.html",
         "incentive/statements/E1.html", "incentive/dashboards/E1.html"]  # an incentive plan's payout statement

# an incentive plan (a spiff per unit and a draw): its pages add a payout statement per person
INCENTIVE = {
    "id": "draws", "version": "1", "title": {"en": "Field sales incentive plan with a draw against commission",
                                             "zh-CN": "外勤销售激励计划（佣金预支）"},
    "attributes": {"target_bonus": "money"},
    "metrics": {"revenue": {"aggregate": "sum"}, "quota": {"aggregate": "sum"}, "units": {"aggregate": "sum"}},
    "scorecards": {"rep": {"dimensions": {"results": {"weight": 100, "kpis": {
        "revenue": {"weight": 100, "target": "quota"}}}}}},
    "grades": [{"grade": "A", "min": 90}, {"grade": "B", "min": 0}],
    "bonus": {"target": "target_bonus", "components": {"spiff": {"measure": "units", "per_unit": 100}},
              "draw": {"pay": 0.5}},
}

MEASURE = """
() => {
  const W = window.innerWidth, out = {width: document.documentElement.scrollWidth, wide: [], small: []};
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className ? '.' + el.className.split(' ').join('.') : '');
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('thead') && getComputedStyle(el.closest('thead')).position === 'absolute') continue;
    const st = getComputedStyle(el);
    if (st.display === 'none' || el.tagName.toLowerCase() === 'title') continue;
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > W + 0.5 || r.left < -0.5)) out.wide.push(name(el) + ' ' + Math.round(r.right));
    if (el.scrollWidth > el.clientWidth + 1 && st.overflowX !== 'visible' && !(el instanceof SVGElement))
      out.wide.push(name(el) + ' scrolls ' + el.scrollWidth + '>' + el.clientWidth);
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    let size = parseFloat(st.fontSize);
    if (el instanceof SVGGraphicsElement) { const m = el.getScreenCTM(); size *= m ? Math.hypot(m.a, m.b) : 1; }
    if (size < MIN_TEXT_PX)
      out.small.push(name(el) + ' "' + el.textContent.trim().slice(0, 20) + '" ' + size.toFixed(1));
  }
  return out;
}
""".replace("MIN_TEXT_PX", str(MIN_TEXT_PX))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``<locale>/``: the worked example with E005 moved into east-1 (every figure shown); ``<locale>/small/``: the
    example as it is.  Q2 is the history (with its attainments and bonus steps), and a few comments are added."""
    _, q2 = run_example("Q2")
    ev, q3 = run_example("Q3", previous=previous_from(q2))
    history = {e["id"]: [{"cycle": "2026-Q2", "score": e["score"], "grade": e["grade"], "bonus": e["bonus"],
                          "kpis": e["kpis"], "bonus_detail": e["bonus_detail"]}] for e in q2["employees"]}
    feedback = example_inputs("Q3").feedback.with_columns(
        pl.when(pl.col("rater").is_in(["P00", "P01", "C10", "P20", "P21"]) & (pl.col("competency") == "integrity"))
        .then(pl.lit("A comment long enough to wrap over several lines on a phone, with a long word: "
                     "Kundenzufriedenheitsbefragungsergebnisse 客户满意度调查结果显示沟通及时"))
        .otherwise(None).alias("comment"))
    found = insights(ev, feedback, history)
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    one_team = copy.deepcopy(q3)
    for e in one_team["employees"]:
        e["calibration"]["cohort"] = "east-1"
    out = tmp_path_factory.mktemp("phones")
    for locale in ("en", "zh-CN"):
        info = {"E004": {"manager": "Sun Li (Regional Sales Director, East and North-East)"}}
        render_all(one_team, ruleset, out / locale, history=history, locale=locale, insights=found,
                   employees_info=info)
        render_all(q3, ruleset, out / locale / "small", history=history, locale=locale, insights=found,
                   employees_info=info)
    plan = compile_ruleset(INCENTIVE)
    months = [f"2026-0{m}" for m in (1, 2, 3)]
    outcome = evaluate_tables(plan, period="2026-Q1", employees=[{"id": "E1", "name": "Ann Marie Featherstonehaugh",
                                                                  "hire_date": "2025-01-01", "target_bonus": 4000}],
                              metrics=[{"employee": "E1", "month": m, "revenue": 100, "quota": 100, "units": 5}
                                       for m in months])
    for locale in ("en", "zh-CN"):
        render_all(outcome.document, plan, out / locale / "incentive", locale=locale,
                   insights=insights(outcome.evaluation))
    return out


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_no_horizontal_scrolling_and_readable_text_at_phone_widths(site, browser, locale):
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 800})
    problems = []
    try:
        for path in PAGES:
            page.goto((site / locale / path).as_uri(), wait_until="load")
            assert page.locator("h1").count() == 1, path
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 800})
                found = page.evaluate(MEASURE)
                if found["width"] > width or found["wide"] or found["small"]:
                    problems.append((path, width, found["width"], found["wide"][:5], found["small"][:5]))
    finally:
        page.close()
    assert problems == []


def test_the_kpi_table_is_a_table_on_a_desktop_and_cards_on_a_phone(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.goto((site / "en" / "dashboards/E001.html").as_uri())
        assert page.evaluate("getComputedStyle(document.querySelector('#kpis thead')).position") == "static"
        assert page.evaluate("document.documentElement.scrollWidth") == 1280
        page.set_viewport_size({"width": 390, "height": 800})
        # each KPI a card: its cells labelled (the column's name before the value), the header row hidden
        assert page.evaluate("getComputedStyle(document.querySelector('#kpis thead')).position") == "absolute"
        label = page.evaluate("getComputedStyle(document.querySelector('#kpis td[data-label]'), '::before').content")
        assert label == '"Actual"'
    finally:
        page.close()
