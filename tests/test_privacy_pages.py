"""Issue 16, small groups on pages: `privacy.min_group` applied to every aggregate a line manager or an employee
reads (index.html, teams/, dashboards), performed through `appraise run` and checked in the rendered HTML.

Seventeen reps in five teams: solo (1), trio-a (3), trio-b (3), four (4) and six (6).  Rep i (0-based) sells
(70 + 5 i) % of quota, so attainments are known exactly from the data written here; scores, grades and bonuses
are read from results.json, and every figure a page should show (a team's mean score, bonus total, grade counts,
the team average of attainment and a rank) is worked out in this file from those, never copied from a page.
"""
from __future__ import annotations

import csv
import html
import itertools
import json
import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.cli import main
from appraise.language.ruleset import load_ruleset
from appraise.present.render import render_all, withheld_groups
from engine_inputs import EXAMPLE, run_example

TEAMS = {"solo": 1, "trio-a": 3, "trio-b": 3, "four": 4, "six": 6}
PEOPLE = []  # (id, name, team, attainment percent, target bonus, locale)
for _team, _size in TEAMS.items():
    for _ in range(_size):
        _i = len(PEOPLE)
        PEOPLE.append((f"P{_i + 1:02d}", f"Person {_i + 1:02d}", _team, 70 + 5 * _i, 20000 + 700 * _i,
                       "zh-CN" if _i in (7, 11, 12, 13) else "en"))
GRADES = ["S", "A", "B", "C"]

RULESET = """id: privacy-pages
version: "1"
title: {en: Privacy on pages, zh-CN: 页面隐私}
currency: CNY
attributes: {target_bonus: money, team: string}
metrics:
  revenue: {label: {en: Revenue, zh-CN: 销售额}, unit: money, aggregate: sum}
  quota: {unit: money, aggregate: sum}
scorecards:
  rep:
    dimensions:
      results:
        weight: 100
        kpis:
          revenue: {weight: 100, target: quota, curve: {cap: 2}}
grades: [{grade: S, min: 130}, {grade: A, min: 110}, {grade: B, min: 90}, {grade: C, min: 0}]
calibration: {cohort: team, min_cohort: 2, max_share: {S: 0.5}}
bonus:
  target: target_bonus
  attainment: revenue
  tiers: [{from: 0.8, pay: 0.5}, {from: 1.0, pay: 0.5}]
  rounding: 1
outcomes:
  - {id: plan, label: {en: Improvement plan, zh-CN: 改进计划}, when: 'grade == "C"', plan: true}
"""

MESSAGE = {"en": "fewer than {k} people — not shown", "zh-CN": "不足 {k} 人，不予显示"}
NOTE = {"en": "Fewer than {k} people — not shown", "zh-CN": "不足 {k} 人，不予显示："}
COMPLEMENT = {"en": "so that a team of fewer than {k} people cannot be worked out from the totals",
              "zh-CN": "以免由总计推算出不足 {k} 人的团队"}
OFF = {"en": "Team comparisons appear only when at least {k} people share your scorecard and team.",
       "zh-CN": "仅当同一考核方案和团队中至少有 {k} 人时才显示团队对比。"}
LABELS = {"en": ("Average score", "Bonus total", "Grade distribution", "Team average"),
          "zh-CN": ("平均分", "奖金总额", "等级分布", "团队均值")}
CURRENCY = {"en": "CN¥", "zh-CN": "¥"}


def write_csv(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def make_run(folder: Path, min_group: int | None, locale: str) -> tuple[Path, dict]:
    """`appraise run` of the seventeen reps; returns the output folder and results.json."""
    folder.mkdir()
    write_csv(folder / "employees.csv", [["id", "name", "hire_date", "team", "target_bonus", "locale"]] + [
        [i, name, "2020-01-01", team, tb, loc] for i, name, team, _, tb, loc in PEOPLE])
    write_csv(folder / "metrics.csv", [["employee", "month", "revenue", "quota"]] + [
        [i, m, 1000 * pct, 100000] for i, _, _, pct, _, _ in PEOPLE for m in ("2026-07", "2026-08", "2026-09")])
    privacy = f"privacy: {{min_group: {min_group}}}\n" if min_group else ""
    (folder / "rules.yaml").write_text(RULESET + privacy, encoding="utf-8")
    (folder / "cycle.yaml").write_text(
        f"cycle: 2026-Q3\nruleset: rules.yaml\nlocale: {locale}\nsources:\n"
        "  - {provider: csv, path: employees.csv, kind: employees}\n  - {provider: csv, path: metrics.csv}\n"
        "store: sqlite:///out/appraise.db\noutput: out/2026-Q3\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["run", str(folder / "cycle.yaml")])
    assert res.exit_code == 0, res.output
    out = folder / "out" / "2026-Q3"
    return out, json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(min_group, locale) → (output folder, results.json): one `appraise run` per min_group (its cycle file
    says `locale: en`); the zh-CN pages are the same results rendered again for a Chinese reader."""
    base = tmp_path_factory.mktemp("privacy-pages")
    out = {}
    for k in (5, 3):
        folder, doc = out[(k, "en")] = make_run(base / f"k{k}", None if k == 5 else k, "en")
        zh = base / f"k{k}-zh-CN"
        render_all(doc, load_ruleset(base / f"k{k}" / "rules.yaml"), zh, locale="zh-CN",
                   employees_info={i: {"locale": loc} for i, _, _, _, _, loc in PEOPLE})
        out[(k, "zh-CN")] = (zh, doc)
    return out


# ------------------------------------------------------------------ independent formatting and figures

def fixed(value, digits: int) -> str:
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{q:,.{digits}f}"


def money(amount: Decimal, locale: str) -> str:
    return CURRENCY[locale] + (fixed(amount, 0) if amount == amount.to_integral_value() else fixed(amount, 2))


def text_of(page: str) -> str:
    body = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def shows(text: str, figure: str) -> bool:
    """``figure`` stands alone in ``text`` (not as part of a longer number)."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", text) is not None


def team_figures(doc: dict, team: str | None, locale: str) -> dict:
    people = [e for e in doc["employees"] if team is None or e["calibration"]["cohort"] == team]
    scores = [Decimal(str(e["score"])) for e in people]
    bonus = sum(Decimal(e["bonus"]) for e in people)
    counts = {g: sum(1 for e in people if e["grade"] == g) for g in GRADES}
    return {"people": len(people), "average": fixed(sum(scores) / len(scores), 1), "bonus": money(bonus, locale),
            "grades": ", ".join(f"{g} {n}" for g, n in counts.items() if n),
            "plans": str(sum(1 for e in people if e["grade"] == "C"))}


def index_rows(out: Path) -> dict[str, list[str]]:
    """The teams table of index.html: team name → the texts of its cells."""
    page = (out / "index.html").read_text(encoding="utf-8")
    body = re.search(r'<table id="teams">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


# ------------------------------------------------------------------ index.html

@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_index_hides_teams_below_min_group_and_shows_the_others(runs, locale):
    out, doc = runs[(5, locale)]
    rows = index_rows(out)
    assert set(rows) == set(TEAMS)
    for team in ("solo", "trio-a", "trio-b", "four"):
        assert rows[team] == [str(TEAMS[team]), MESSAGE[locale].format(k=5)], (team, rows[team])
    six = team_figures(doc, "six", locale)
    assert rows["six"] == ["6", six["average"], six["grades"], six["bonus"], six["plans"]]
    # the cycle's totals stay: the eleven people withheld cannot be told apart by subtraction
    page = text_of((out / "index.html").read_text(encoding="utf-8"))
    everyone = team_figures(doc, None, locale)
    assert shows(page, everyone["average"]) and shows(page, everyone["bonus"])
    for team in ("solo", "four"):  # a withheld team's own figures appear nowhere on the page
        figures = team_figures(doc, team, locale)
        assert not shows(page, figures["bonus"]) and not shows(page, figures["average"]), team


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_min_group_3_shows_the_team_of_four_and_withholds_what_would_give_the_solo_away(runs, locale):
    out, doc = runs[(3, locale)]
    rows = index_rows(out)
    assert rows["solo"] == ["1", MESSAGE[locale].format(k=3)]
    for team in ("four", "six"):
        f = team_figures(doc, team, locale)
        assert rows[team] == [str(TEAMS[team]), f["average"], f["grades"], f["bonus"], f["plans"]], team
    # with the totals shown, the solo's figures would be the totals less the teams shown; so the smallest
    # teams shown (the two trios) are withheld as well, and 7 people stay behind the subtraction
    for team in ("trio-a", "trio-b"):
        assert len(rows[team]) == 2 and COMPLEMENT[locale].format(k=3) in rows[team][1], rows[team]
    page = text_of((out / "index.html").read_text(encoding="utf-8"))
    assert shows(page, team_figures(doc, None, locale)["bonus"])
    assert not shows(page, team_figures(doc, "solo", locale)["bonus"])


@pytest.mark.parametrize("k", [5, 3])
def test_no_withheld_team_can_be_worked_out_from_the_index(runs, k):
    """Whatever the rows shown: the people withheld are none or at least k, also after a reader subtracts the
    one withheld team they know (their own)."""
    out, _ = runs[(k, "en")]
    hidden = [int(cells[0]) for cells in index_rows(out).values() if len(cells) == 2]
    total = sum(hidden)
    assert total == 0 or total >= k
    assert all(total - n == 0 or total - n >= k for n in hidden)


def test_totals_are_withheld_when_they_would_give_a_small_team_away(tmp_path):
    """The worked example: east-1 (4) and east-2 (1).  The cycle's totals less east-1's (which its manager
    knows) are E005's own; so with the default min_group neither the rows nor the totals show figures."""
    _, q3 = run_example("Q3")
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    render_all(q3, ruleset, tmp_path)
    page = text_of((tmp_path / "index.html").read_text(encoding="utf-8"))
    assert "The totals are not shown: less one team's own figures (which its manager knows), they would give " \
           "away those of fewer than 5 people." in page
    assert index_rows(tmp_path) == {"east-1": ["4", MESSAGE["en"].format(k=5)],
                                    "east-2": ["1", MESSAGE["en"].format(k=5)]}
    e005 = next(e for e in q3["employees"] if e["id"] == "E005")
    everyone = team_figures(q3, None, "en")
    for figure in (money(Decimal(e005["bonus"]), "en"), everyone["bonus"], everyone["average"]):
        assert not shows(page, figure), figure
    raw = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert 'id="bonus-total"' not in raw and 'role="img"' not in raw  # no total, no grade chart


# ------------------------------------------------------------------ team pages

@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_team_pages_below_min_group_show_no_aggregates(runs, locale):
    out, doc = runs[(5, locale)]
    average, bonus_total, grades, _ = LABELS[locale]
    for team in ("solo", "trio-a", "four"):
        raw = (out / "teams" / f"{team}.html").read_text(encoding="utf-8")
        page = text_of(raw)
        assert NOTE[locale].format(k=5) in page, team
        for label in (average, bonus_total):  # no such fact, no grade distribution section
            assert f'<span class="k">{label}</span>' not in raw, (team, label)
        assert f'<h2 id="h-grades">{grades}</h2>' not in raw, team
        f = team_figures(doc, team, locale)
        assert not shows(page, f["bonus"]) and not shows(page, f["average"]), team
        assert 'role="img"' not in (out / "teams" / f"{team}.html").read_text(encoding="utf-8")  # no grade chart
    six = team_figures(doc, "six", locale)
    page = text_of((out / "teams" / "six.html").read_text(encoding="utf-8"))
    assert NOTE[locale].format(k=5) not in page
    assert shows(page, six["average"]) and shows(page, six["bonus"]) and grades in page
    # min_group 3: the team of four is big enough for its own page
    out3, doc3 = runs[(3, locale)]
    four = team_figures(doc3, "four", locale)
    page = text_of((out3 / "teams" / "four.html").read_text(encoding="utf-8"))
    assert shows(page, four["average"]) and shows(page, four["bonus"])
    assert NOTE[locale].format(k=3) in text_of((out3 / "teams" / "solo.html").read_text(encoding="utf-8"))


def test_template_overrides_cannot_reach_withheld_figures(runs, tmp_path):
    """A withheld figure is not in the view at all: an override template printing the whole view shows none."""
    out, doc = runs[(5, "en")]
    folder = out.parent.parent  # the run's workspace, which holds rules.yaml
    (folder / "dump").mkdir(exist_ok=True)
    for name in ("index.html", "team.html"):
        (folder / "dump" / name).write_text("{{ v }}", encoding="utf-8")
    (folder / "rules-dump.yaml").write_text(RULESET + "report: {templates: dump}\n", encoding="utf-8")
    render_all(doc, load_ruleset(folder / "rules-dump.yaml"), tmp_path, only=["html"])
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    solo = html.unescape((tmp_path / "teams" / "solo.html").read_text(encoding="utf-8"))
    for team in ("solo", "four"):
        f = team_figures(doc, team, "en")
        assert not shows(html.unescape(index), f["bonus"]) and not shows(html.unescape(index), f["average"])
    f = team_figures(doc, "solo", "en")
    assert not shows(solo, f["bonus"]) and "'average': None" in solo


# ------------------------------------------------------------------ dashboards

def attainments(team: str) -> list[Fraction]:
    return [Fraction(pct, 100) for _, _, t, pct, _, _ in PEOPLE if t == team]


def percent(value: Fraction) -> str:
    return fixed(Decimal(value.numerator) / Decimal(value.denominator) * 100, 1) + "%"


@pytest.mark.parametrize("k", [5, 3])
def test_dashboards_compare_only_with_teams_of_min_group(runs, k):
    out, _ = runs[(k, "en")]
    for pid, _, team, pct, _, loc in PEOPLE:
        page = text_of((out / "dashboards" / f"{pid}.html").read_text(encoding="utf-8"))
        values = attainments(team)
        if len(values) < k:
            assert OFF[loc].format(k=k) in page, pid
            assert LABELS[loc][3] not in page, pid
            average = sum(values) / len(values)
            if average != Fraction(pct, 100):  # else it is the rep's own attainment, shown anyway
                assert not shows(page, percent(average)), pid
            assert not re.search(r"rank \d+ of|团队第", page), pid
            continue
        assert "Team comparisons appear only" not in page and "仅当同一考核方案" not in page, pid
        mine = Fraction(pct, 100)
        rank = 1 + sum(1 for v in values if v > mine)
        average = percent(sum(values) / len(values))
        assert LABELS[loc][3] in page and shows(page, average), pid
        rank_text = f"rank {rank} of {len(values)}" if loc == "en" else f"团队第 {rank} 名，共 {len(values)} 人"
        assert rank_text in page, pid


# ------------------------------------------------------------------ the rule itself, against brute force

@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=0, max_size=6), st.integers(2, 6))
def test_withheld_groups_against_every_choice(sizes, k):
    groups = {f"t{i}": n for i, n in enumerate(sizes)}
    withheld, totals = withheld_groups(groups, k)
    small = {g for g, n in groups.items() if n < k}
    assert {g for g, why in withheld.items() if why == "small"} == small

    def safe(hidden):
        total = sum(groups[g] for g in hidden)
        return total == 0 or (total >= k and all(total - groups[g] == 0 or total - groups[g] >= k for g in hidden))

    choices = [set(c) | small for r in range(len(groups) + 1) for c in itertools.combinations(groups, r)]
    # the totals are shown exactly when some choice of teams to withhold (the small ones and more) is safe
    assert totals == any(safe(c) for c in choices)
    if totals:
        assert safe(set(withheld))
    else:
        assert set(withheld) == small
