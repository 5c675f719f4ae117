"""Issue 17, pages (second round): the renderer's fast paths against the plain ones.

- ``views.personal_views`` (a dashboard and a plan made together, the plan reusing what the dashboard made) gives
  exactly ``dashboard_view`` and ``plan_view``, for teams big enough to compare with (the areas to improve then
  differ between the two pages) and too small, both languages, with the core's insights and history.
- ``views._digits`` (a float's digits from Python's float formatting) answers as ``Formatter.number`` wherever it
  answers, and does answer for ordinary values (else the fast path would be silently dead).
- ``renderer._JOINED`` (Jinja's generated code rewritten by string replacement): every replacement is applied to the
  built-in templates, so a Jinja whose generated lines differ fails here instead of silently losing the speed-up.
"""
from __future__ import annotations

import copy
import dataclasses
import random

import pytest

from appraise.core.insights import insights
from appraise.i18n import formatter
from appraise.language.ruleset import load_ruleset
from appraise.plugins.html import renderer as html_renderer
from appraise.plugins.html.views import _digits, _Memo, dashboard_view, forget, personal_views, plan_view, texts
from appraise.present.render import CohortStats, RenderRequest, cohorts, normalize_history
from engine_inputs import EXAMPLE, previous_from, run_example


@pytest.fixture(scope="module")
def request_of():
    """The worked example's Q3 (with Q2 as history and the core's insights), its five people copied into two
    teams of ten with jittered attainments (so comparisons within a team are shown), as a RenderRequest."""
    ev2, q2 = run_example("Q2")
    ev3, q3 = run_example("Q3", previous=previous_from(q2))
    history = {e["id"]: [{"cycle": q2["cycle"], **e}] for e in q2["employees"]}
    found = insights(ev3, history=history)
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    rng = random.Random(3)
    people, info, past, reach = list(q3["employees"]), {"E005": {"locale": "zh-CN"}}, dict(history), dict(found)
    for i in range(20):
        e = copy.deepcopy(q3["employees"][i % 5])
        source = e["id"]
        e["id"], e["name"] = f"C{i:03d}", f"Copy {i}"
        e["calibration"] = dict(e.get("calibration") or {}, cohort=f"copies-{i // 10}", cohort_size=10)
        for k in e["kpis"].values():
            if k.get("attainment") is not None:
                k["attainment"] = round(k["attainment"] * rng.uniform(0.7, 1.3), 4)
        people.append(e)
        info[e["id"]] = {"locale": "zh-CN" if i % 3 else "en"}
        past[e["id"]], reach[e["id"]] = history.get(source, []), found.get(source, {})
    doc = dict(q3, employees=people)

    def make(min_group: int) -> RenderRequest:
        return RenderRequest(doc, dataclasses.replace(ruleset, min_group=min_group), info, normalize_history(past),
                             "en", insights=reach)
    return make


@pytest.mark.parametrize("min_group", [3, 50])
def test_personal_views_are_the_dashboard_and_the_plan(request_of, min_group):
    request = request_of(min_group)
    teamed = 0
    try:
        for members in cohorts(request.results).values():
            stats = CohortStats(members, min_group)
            for e in members:
                dashboard, plan = personal_views(request, e, stats)
                forget()  # the plain views made afresh, from nothing remembered by the fast ones
                assert dashboard == dashboard_view(request, e, stats), e["id"]
                assert plan == plan_view(request, e), e["id"]
                teamed += any(a["detail"] != b["detail"] for a, b in zip(dashboard["focus"], plan["focus"],
                                                                          strict=True))
    finally:
        forget()
    # with teams to compare with, some areas to improve show the team's average on the dashboard, not on the plan
    assert (teamed > 0) == (min_group == 3)


NEAR = [0.04999999999, 0.05000000001, 0.0149999999999, 0.015000000001, 12.345000000000001, 0.12345000000000001,
        1.00000005, 0.00049999999999, 2.675, 2.67500001, 1.5, 2.5, 9999999.995, 9999999.994, 99999999.95, 1e7, 1e8,
        1e9, 999999999.5, 0.285, 0.28500000000000003, 1.005, 1.0049999999999999, 0.0, 97.2353]


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_float_digits_are_the_formatters_near_rounding_edges(locale):
    plain, memo = formatter(locale, "CNY"), _Memo(formatter(locale, "CNY"))
    rng = random.Random(5)
    values = NEAR + [rng.uniform(-2e6, 2e6) for _ in range(200)] + [round(rng.uniform(0, 2), 4) for _ in range(200)]
    for value in values + [-v for v in values]:
        for digits in (0, 1, 2):
            assert memo.number(value, digits) == plain.number(value, digits), (value, digits)
            assert memo.percent(value, digits) == plain.percent(value, digits), (value, digits)
        for unit in ("ratio", "number", "money"):
            assert memo.measure(value, unit) == plain.measure(value, unit), (value, unit)


def test_float_digits_answer_for_ordinary_values_and_leave_the_edges_to_the_formatter():
    assert (_digits(97.2353, 1), _digits(-1234.5678, 2), _digits(-0.04, 1), _digits(991800.0, 0)) == \
        ("97.2", "-1,234.57", "0.0", "991,800")
    assert [_digits(v, 2) for v in (2.675, 1.005, 1e7, float("nan"), float("inf"))] == [None] * 5
    assert _digits(0.5, 0) is None and _digits(1.25, 1) is None and _digits(1.25, 3) is None


def test_jinjas_generated_code_is_joined_where_written():
    """Each (nested, joined) pair of renderer._JOINED: the built-in templates' code holds the joined line and never
    the nested one (a template extending base.html for the parent, base.html for the main block)."""
    env = html_renderer.folded_environment(None, texts("en", {}))
    code = {name: env.compile(env.loader.get_source(env, name)[0], name, raw=True)  # type: ignore[union-attr]
            for name in ("base.html", "dashboard.html", "plan.html", "team.html", "index.html")}
    for nested, joined in html_renderer._JOINED:
        assert not any(nested in text for text in code.values()), nested
        assert any(joined in text for text in code.values()), joined
    assert html_renderer._JOINED[0][1] in code["dashboard.html"] and html_renderer._JOINED[1][1] in code["base.html"]
