"""A synthetic sales company for demos, crash tests and benchmarks (deterministic: seeded).

    python -m appraise.tools.demo demo/ --employees 300 --quarters 2026-Q2,2026-Q3

writes into the folder:

* ``data/employees.csv`` — sales reps in several regions and teams (teams of
  6–10), bilingual names (Chinese characters with locale ``zh-CN``, pinyin
  with ``en``), target bonuses, new hires (some joining mid-quarter, some after
  Q2 — not appraised in it) and a few leavers;
* ``data/metrics.csv`` — one row per employee and month with every raw metric
  of ``rulesets/sales-team.yaml``; some employees lack lead data or customer
  counts (missing data is redistributed);
* ``data/feedback.csv`` — 360 ratings (manager, peers, customers, self); some
  employees have fewer than 3 peers or customers, below the anonymity
  threshold;
* ``data/okrs-<quarter>.yaml`` — committed and aspirational objectives; some
  employees have none;
* ``cycle-<quarter>.yaml`` — one cycle file per quarter pointing at the
  ruleset (relative path; a copy beside them when the ruleset lies outside
  the folder's workspace, which a cycle may not name), storing into
  ``appraise.db`` and writing ``out/<quarter>``.

The same arguments give byte-identical files.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from appraise.language.period import parse as parse_period

REGIONS = ("east", "west", "north", "south", "central")
SURNAMES = [("李", "Li"), ("王", "Wang"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"),
            ("赵", "Zhao"), ("黄", "Huang"), ("周", "Zhou"), ("吴", "Wu"), ("徐", "Xu"), ("孙", "Sun"),
            ("胡", "Hu"), ("朱", "Zhu"), ("高", "Gao"), ("林", "Lin"), ("何", "He"), ("郭", "Guo"),
            ("马", "Ma"), ("罗", "Luo")]
GIVEN = [("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("磊", "Lei"),
         ("强", "Qiang"), ("洋", "Yang"), ("艳", "Yan"), ("杰", "Jie"), ("涛", "Tao"), ("明", "Ming"),
         ("超", "Chao"), ("秀英", "Xiuying"), ("婷", "Ting"), ("军", "Jun"), ("丽", "Li"), ("浩然", "Haoran"),
         ("子涵", "Zihan"), ("欣怡", "Xinyi")]
COMPETENCIES = ("collaboration", "customer_focus", "integrity")
METRICS = ("revenue", "quota", "billed", "collected", "gross_profit", "qualified_leads", "won_deals", "visits",
           "orders", "complaints", "customers_start", "customers_retained", "new_product_revenue")
OBJECTIVES = [("Win enterprise accounts", "Signed enterprise contracts", 0, 4),
              ("Grow wallet share with key accounts", "Key accounts with a second product", 2, 8),
              ("Shorten the sales cycle", "Average days to close", 60, 40),
              ("Expand the distributor network", "New distributors", 0, 10),
              ("Launch the new product line", "Customers on the new line", 0, 15),
              ("Improve forecast accuracy", "Forecast error (%)", 25, 10)]
DEFAULT_RULESET = Path(__file__).resolve().parents[2] / "rulesets" / "sales-team.yaml"


def _months(quarters: Sequence[str]) -> list[str]:
    months: list[str] = []
    for q in quarters:
        for m in parse_period(q).months:
            if m not in months:
                months.append(m)
    return sorted(months)


def _name(rng: random.Random) -> tuple[str, str]:
    (s_zh, s_en), (g_zh, g_en) = rng.choice(SURNAMES), rng.choice(GIVEN)
    if rng.random() < 0.5:
        return s_zh + g_zh, "zh-CN"
    return f"{s_en} {g_en}", "en"


def make_company(folder: str | Path, *, employees: int = 300, seed: int = 2026,
                 quarters: tuple[str, ...] = ("2026-Q2", "2026-Q3"), ruleset: str | Path = DEFAULT_RULESET,
                 feedback_quarters: tuple[str, ...] | None = None, managers: bool = False,
                 quotas: Callable[[Path, list[dict]], tuple[dict[tuple[str, str], int], str]] | None = None
                 ) -> list[Path]:
    """Write a company of ``employees`` sales reps into ``folder``; returns the cycle files written.

    ``quotas`` (the year's demo, :func:`make_year`): called once the employee table is written, it returns each
    rep's quota by ``(id, month)`` and the file a cycle reads them from; ``metrics.csv`` then has no quota, and
    revenue follows each rep's own level, the season and their ramp instead of the quota.

    ``managers=True`` adds a first-line manager per team (``role: sales_manager``, appraised by
    ``rulesets/sales-manager.yaml`` on team roll-ups of their reps' rows, their own numbers in
    ``data/manager-metrics.csv``, 360 feedback from their reps, OKRs); the reps' employee rows, metrics and 360
    ratings stay the same."""
    rng = random.Random(seed)
    root = Path(folder)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    months = _months(quarters)
    first = parse_period(quarters[0]).start
    last = parse_period(quarters[-1]).end

    people: list[dict[str, Any]] = []  # the employee columns, and "_"-prefixed traits the data is drawn from
    team_no = 0
    region_teams: dict[str, int] = {}
    left_in_team = 0
    team = region = ""
    for i in range(1, employees + 1):
        if left_in_team == 0:
            region = REGIONS[team_no % len(REGIONS)]
            region_teams[region] = region_teams.get(region, 0) + 1
            team = f"{region}-{region_teams[region]}"
            team_no += 1
            left_in_team = rng.randint(6, 10)
        left_in_team -= 1
        name, locale = _name(rng)
        r = rng.random()
        if r < 0.06:  # a new hire during the appraised months
            hire = date(first.year, rng.randint(first.month, last.month), rng.randint(1, 28))
        elif r < 0.12:  # joined in the last year: ramping up
            hire = date(first.year - 1, rng.randint(first.month, 12), rng.randint(1, 28))
        else:
            hire = date(rng.randint(2012, first.year - 2), rng.randint(1, 12), rng.randint(1, 28))
        leave = ""
        stays = False  # drawn as a leaver, but hired after the day they would leave: they stay
        if rng.random() < 0.02:
            last_day = date(first.year, first.month + 2, 28)  # left at the end of the first quarter
            stays = hire >= last_day
            leave = "" if stays else last_day.isoformat()
        people.append({
            "id": f"S{i:06d}", "name": name, "role": "sales_rep", "team": team, "region": region,
            "hire_date": hire.isoformat(), "leave_date": leave,
            "target_bonus": str(rng.choice(range(15000, 45001, 1000))),
            "locale": locale, "manager": f"M{team}",
            "_skill": max(0.3, rng.gauss(1.0, 0.18)), "_quota": rng.choice(range(200000, 500001, 10000)),
            "_no_leads": rng.random() < 0.04, "_no_customers": rng.random() < 0.03, "_stays": stays,
        })

    heads = _managers(people, random.Random(seed + 1), first.year) if managers else []
    with open(data / "employees.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        cols = ["id", "name", "role", "team", "region", "hire_date", "leave_date", "target_bonus", "locale", "manager"]
        if managers:
            cols += ["team_size", "months_as_manager"]
        w.writerow(cols)
        for p in people + heads:
            w.writerow([p.get(c, "") for c in cols])
    team_months: dict[tuple[str, str], dict[str, float]] = {}  # the team's monthly totals, for its manager
    planned, quota_source = quotas(root, people) if quotas is not None else ({}, "")
    columns = [m for m in METRICS if not (quotas is not None and m == "quota")]

    with open(data / "metrics.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["employee", "month", *columns])
        main = rng
        for p in people:
            hired = p["hire_date"][:7]
            left = p["leave_date"][:7] if p["leave_date"] else "9999-99"
            customers = main.randint(30, 70)
            # the rows of someone who stays (see above) come from a sequence of their own: the generator once made
            # them leave before joining (no rows at all), and everyone else's numbers stay as they were
            rng = random.Random(f"{seed}-{p['id']}") if p["_stays"] else main
            for month in months:
                if month < hired or month > left:
                    continue
                if quotas is None:
                    quota = p["_quota"]
                    revenue = round(quota * p["_skill"] * rng.uniform(0.8, 1.2), -2)
                else:  # the plan's quota; revenue from the rep's own level, the season, their ramp
                    quota = planned.get((p["id"], month), 0)
                    revenue = round(_capacity(p, month) * p["_growth"] * rng.uniform(0.8, 1.2), -2)
                billed = round(revenue * rng.uniform(0.9, 1.0), -2)
                leads = rng.randint(15, 40)
                retained = max(0, customers - rng.randint(0, 6))
                row = {
                    "revenue": revenue, "quota": quota, "billed": billed,
                    "collected": round(billed * min(1.0, rng.uniform(0.82, 1.02)), -2),
                    "gross_profit": round(revenue * rng.uniform(0.2, 0.38), -2),
                    "qualified_leads": "" if p["_no_leads"] else leads,
                    "won_deals": "" if p["_no_leads"] else int(leads * rng.uniform(0.1, 0.35) * p["_skill"]),
                    "visits": rng.randint(12, 26), "orders": rng.randint(25, 50),
                    "complaints": rng.choice((0, 0, 0, 1, 1, 2, 3)),
                    "customers_start": "" if p["_no_customers"] else customers,
                    "customers_retained": "" if p["_no_customers"] else retained,
                    "new_product_revenue": round(revenue * rng.uniform(0.03, 0.25), -2),
                }
                customers = retained + rng.randint(0, 5)
                total = team_months.setdefault((p["team"], month), {})
                for k in ("revenue", "quota", "billed", "collected", "gross_profit", "customers_start",
                          "customers_retained"):
                    total[k] = total.get(k, 0) + (row[k] if row[k] != "" else 0)
                w.writerow([p["id"], month, *(row[m] if row[m] == "" else
                                              (int(row[m]) if float(row[m]).is_integer() else row[m])
                                              for m in columns)])
        rng = main

    if managers:
        _manager_metrics(data / "manager-metrics.csv", heads, team_months, months, random.Random(seed + 2))

    with open(data / "feedback.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["employee", "rater", "relation", "competency", "rating", "period"])
        for q in (feedback_quarters or quarters):
            for p in people:
                peers = rng.choice((1, 2, 3, 3, 4, 5))  # 1–2 peers: below min_raters, not shown
                customers = rng.choice((0, 2, 3, 4, 4))
                raters = ([(p["manager"], "manager")] + [(f"P{p['id'][1:]}{k}", "peer") for k in range(peers)]
                          + [(f"C{p['id'][1:]}{k}", "customer") for k in range(customers)] + [(p["id"], "self")])
                base = min(5.0, max(1.0, 3.0 + (p["_skill"] - 1.0) * 4))
                for rater, relation in raters:
                    for comp in COMPETENCIES:
                        rating = min(5, max(1, round(base + rng.uniform(-1.2, 1.2))))
                        w.writerow([p["id"], rater, relation, comp, rating, q])
            if managers:
                _manager_feedback(w, heads, people, q, random.Random(f"{seed}-{q}"))

    # OKRs as YAML (the SPEC's shape) for a readable demo; as CSV for big companies (YAML files are
    # limited to 1 MiB)
    okr_csv = len(people) > 2000
    okr_files = {}
    for q in quarters:
        records = []  # (employee, objective no., objective, type, key result, start, target, current)
        for p in people + heads:
            if rng.random() < 0.1:
                continue  # no OKRs this quarter: the dimension's weight is shared by the others
            drawn: set[str] = set()
            for number in range(rng.randint(1, 2)):
                objective, kr, start, target = rng.choice(OBJECTIVES)
                kind = "aspirational" if rng.random() < 0.3 else "committed"
                # a CSV row names its objective, so a second draw of the same one would join the first (and
                # may disagree on its type): it is drawn (the random sequence stays the YAML demo's) and dropped
                keep = not (okr_csv and objective in drawn)
                drawn.add(objective)
                for extra in range(rng.randint(1, 2)):
                    span = target - start
                    current = round(start + span * min(1.2, max(-0.1, rng.gauss(0.7, 0.3) * p["_skill"])), 1)
                    if keep:
                        records.append((p["id"], number, objective, kind, kr + (f" {extra + 1}" if extra else ""),
                                        start, target, current))
        if okr_csv:
            okr_files[q] = f"data/okrs-{q}.csv"
            with open(root / okr_files[q], "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(["employee", "objective", "type", "key_result", "start", "target", "current", "weight"])
                for emp, _, *rest in records:
                    w.writerow([emp, *rest, 1])
            continue
        okr_files[q] = f"data/okrs-{q}.yaml"
        lines: list[str] = []
        written: tuple[str, int] | None = None  # the objective written last
        for emp, number, objective, kind, kr, start, target, current in records:
            if emp != (written or ("",))[0]:
                lines.append(f"{emp}:")
            if (emp, number) != written:
                lines.append(f"  - objective: {objective}")
                if kind == "aspirational":
                    lines.append("    type: aspirational")
                lines.append("    key_results:")
                written = (emp, number)
            lines.append(f"      - {{name: \"{kr}\", start: {start}, target: {target}, current: {current}}}")
        (root / okr_files[q]).write_text("\n".join(lines) + "\n", encoding="utf-8")

    from appraise.language.paths import workspace

    ruleset = Path(ruleset).resolve()
    try:
        ruleset.relative_to(workspace(root / "cycle.yaml").resolve())
    except ValueError:  # a cycle may not name a ruleset outside its workspace (SECURITY.md): bring a copy
        copy = root / ruleset.name
        copy.write_bytes(ruleset.read_bytes())
        ruleset = copy.resolve()
    rel_ruleset = os.path.relpath(ruleset, root.resolve()).replace(os.sep, "/")
    schema = Path(__file__).resolve().parents[2] / "schemas" / "cycle.schema.json"
    rel_schema = os.path.relpath(schema, root.resolve()).replace(os.sep, "/")
    cycles = []
    for i, q in enumerate(quarters):
        path = root / f"cycle-{q}.yaml"
        path.write_text(
            f"# yaml-language-server: $schema={rel_schema}\n"
            f"cycle: {q}\n"
            f"ruleset: {rel_ruleset}\n"
            "context:\n"
            f"  price_war: {'true' if i % 2 else 'false'}\n"
            "  restricted_regions: [north]\n"
            "sources:\n"
            "  - {provider: csv, path: data/employees.csv, kind: employees}\n"
            "  - {provider: csv, path: data/metrics.csv}\n"
            + (f"  - {{provider: csv, path: {quota_source}}}\n" if quota_source else "")
            + "  - {provider: feedback360, path: data/feedback.csv}\n"
            f"  - {{provider: okr, path: {okr_files[q]}}}\n"
            "store: sqlite:///appraise.db\n"
            f"output: out/{q}\n", encoding="utf-8")
        cycles.append(path)
    return cycles


# the demo's plan (make_year): a slow February, a strong fourth quarter; new reps ramp up over three months
SEASON = (0.85, 0.7, 0.95, 1.0, 1.0, 1.05, 0.95, 0.95, 1.0, 1.05, 1.15, 1.35)
RAMP = (0.3, 0.6, 0.9)
MARKET = {"east": 1.12, "west": 1.04, "north": 0.92, "south": 1.08, "central": 1.0}  # next year's market, by region


def _capacity(p: dict, month: str) -> float:
    """What a rep sells in a month at their own level (before luck): level × skill × season × ramp."""
    hire = p["hire_date"]
    k = (int(month[:4]) - int(hire[:4])) * 12 + int(month[5:]) - int(hire[5:7]) + 1
    ramp = RAMP[k - 1] if 1 <= k <= len(RAMP) else 1.0
    return p["_quota"] * p["_skill"] * SEASON[int(month[5:]) - 1] * ramp


def _plan(root: Path, people: list[dict], year: int, seed: int) -> tuple[dict[tuple[str, str], int], str]:
    """Last year's revenue (``data/actuals-<year-1>.csv``), the annual plan that breaks next year's number
    down from it (``plan-<year>.yaml``, see README "Targets from the annual plan") and its quotas, computed by
    the targets pipeline (``appraise targets plan-<year>.yaml`` writes the same rows to ``targets-<year>/``)."""
    from appraise.tools.targets.compute import run

    rng = random.Random(seed + 3)
    last = year - 1
    rows: list[tuple[str, str, int]] = []
    region_total: dict[str, float] = {}
    team_total: dict[str, float] = {}
    person_total: dict[str, float] = {}
    for p in people:
        p["_growth"] = max(0.6, rng.gauss(1.06, 0.15))  # how this year goes for them, unknown to the plan
        for m in range(1, 13):
            month = f"{last}-{m:02d}"
            if month < p["hire_date"][:7]:
                continue
            value = int(round(_capacity(p, month) * rng.uniform(0.85, 1.15), -2))
            rows.append((p["id"], month, value))
            region_total[p["region"]] = region_total.get(p["region"], 0) + value
            team_total[p["team"]] = team_total.get(p["team"], 0) + value
            person_total[p["id"]] = person_total.get(p["id"], 0) + value
    with open(root / "data" / f"actuals-{last}.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["employee", "month", "revenue"])
        w.writerows(rows)
    total = int(round(sum(region_total.values()) * 1.08, -5))
    top = max(person_total, key=lambda e: (person_total[e], e))
    teams = sorted(team_total)[:2]
    schema = os.path.relpath(REPO / "schemas" / "plan.schema.json", root.resolve()).replace(os.sep, "/")
    units = "\n".join(f"  {r}: {{market_capacity: {int(round(region_total[r] * MARKET.get(r, 1.0), -5))}}}"
                      for r in sorted(region_total))
    units += "".join(f"\n  {t}: {{capacity: {int(round(team_total[t] * 1.05, -4))}}}" for t in teams)
    text = f"""# yaml-language-server: $schema={schema}
# {year}'s number broken down to regions, teams, reps and months (appraise targets plan-{year}.yaml)
plan: sales-{year}
year: {year}
total: {total}                      # last year's revenue + 8 %
unit: 100
people: role == "sales_rep"
sources:
  - {{provider: csv, path: data/employees.csv, kind: employees}}
  - {{provider: csv, path: data/actuals-{last}.csv}}
actuals: revenue
levels:
  - {{unit: region, key: {{column: market_capacity}}}}
  - {{unit: team, key: last_year}}
  - {{unit: person, key: last_year, ramp: [{", ".join(str(r) for r in RAMP)}]}}
seasonality: {{key: last_year, of: region}}
units:
{units}
fixed:
  - {{unit: {top}, amount: {int(round(person_total[top] * 1.25, -4))}, reason: "takes over the Acme account"}}
checks: {{max_growth: 0.35}}
output: targets-{year}
"""
    (root / f"plan-{year}.yaml").write_text(text, encoding="utf-8")
    t = run(root / f"plan-{year}.yaml")
    quotas = {(emp, m): int(v) for emp, person in t.people.items() for m, v in person.months.items()}
    return quotas, f"targets-{year}/targets.csv"


# the managers' own rows; their team's revenue, quota, billing, cash and profit are team roll-ups of the reps' rows
MANAGER_METRICS = ("customers_start", "customers_retained", "new_accounts", "headcount_start", "regretted_leavers",
                   "people_developed", "collaboration_score", "one_on_ones_held", "one_on_ones_planned",
                   "pipeline_reviews")
TEAM_ROLLUPS = ("revenue", "billed", "collected", "gross_profit")  # rolled up by sales-manager.yaml (and quota)


def _managers(people: list[dict], rng: random.Random, year: int) -> list[dict]:
    """One first-line manager per team (the id the reps' ``manager`` column names)."""
    teams: dict[str, list[dict]] = {}
    for p in people:
        teams.setdefault(p["team"], []).append(p)
    out = []
    for team, members in teams.items():
        name, locale = _name(rng)
        out.append({"id": members[0]["manager"], "name": name, "role": "sales_manager", "team": team,
                    "region": members[0]["region"], "hire_date": date(rng.randint(2010, year - 3), rng.randint(1, 12),
                                                                     rng.randint(1, 28)).isoformat(),
                    "leave_date": "", "target_bonus": str(rng.choice(range(40000, 80001, 5000))), "locale": locale,
                    "manager": "", "_head": f"H-{members[0]['region']}", "team_size": str(len(members)),
                    "months_as_manager": str(rng.choice((3, 8, 14, 26, 40, 60))),
                    "_skill": max(0.5, rng.gauss(1.0, 0.12))})
    return out


def _manager_metrics(path: Path, leads: list[dict], team_months: dict, months: list[str],
                     rng: random.Random) -> None:
    """Each manager's team totals per month (from the reps' rows) and their own coaching numbers."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["employee", "month", *MANAGER_METRICS])
        for m in leads:
            size = int(m["team_size"])
            for month in months:
                t = team_months.get((m["team"], month))
                if not t:
                    continue
                planned = size * 4
                row = [t["customers_start"], t["customers_retained"], rng.randint(0, 4), size,
                       1 if rng.random() < 0.05 else 0, 1 if rng.random() < 0.1 else 0,
                       round(min(5.0, max(2.0, rng.gauss(4.0, 0.4) * m["_skill"])), 1),
                       min(planned, int(planned * rng.uniform(0.6, 1.05) * m["_skill"])), planned,
                       rng.randint(3, 5)]
                w.writerow([m["id"], month, *(int(v) if float(v).is_integer() else v for v in row)])


def _manager_feedback(w, leads: list[dict], people: list[dict], quarter: str, rng: random.Random) -> None:
    """360 ratings of each manager: by their reps (subordinate), their regional head and the other managers."""
    by_region: dict[str, list[dict]] = {}
    for m in leads:
        by_region.setdefault(m["region"], []).append(m)
    for m in leads:
        reps = [p for p in people if p["manager"] == m["id"]]
        raters = ([(p["id"], "subordinate") for p in reps] + [(m["_head"], "manager")]
                  + [(o["id"], "peer") for o in by_region[m["region"]] if o is not m][:3])
        base = min(5.0, max(1.0, 3.2 + (m["_skill"] - 1.0) * 4))
        for rater, relation in raters:
            for comp in ("coaching", "clarity", "fairness", "collaboration"):
                w.writerow([m["id"], rater, relation, comp, min(5, max(1, round(base + rng.uniform(-1.2, 1.2)))),
                            quarter])


REPO = Path(__file__).resolve().parents[2]


def _cycle_text(rel_schema: str, period: str, ruleset: str, sources: list[str], output: str, context: bool) -> str:
    lines = [f"# yaml-language-server: $schema={rel_schema}", f"cycle: {period}", f"ruleset: {ruleset}"]
    if context:
        lines += ["context:", f"  price_war: {'true' if period.endswith(('Q2', 'Q4')) else 'false'}",
                  "  restricted_regions: [north]"]
    lines += ["sources:"] + [f"  - {s}" for s in sources] + ["store: sqlite:///appraise.db", f"output: {output}"]
    return "\n".join(lines) + "\n"


def make_year(folder: str | Path, *, employees: int = 300, seed: int = 2026, year: int = 2026,
              month: str | None = None) -> list[Path]:
    """A whole year of reviews (issue 15): reps and their managers, four quarters each under two rulesets
    (``sales-team``, ``sales-manager``), the annual review of the reps (``sales-annual``, netting the quarters'
    bonuses), one monthly process review (``process-review``, ``month``, default July) and the reps' incentive
    plan each quarter (``sales-incentive``).  Returns the cycle files in the order to run them: each quarter's
    reps, managers and incentive plan, the month, the year."""
    root = Path(folder)
    quarters = tuple(f"{year}-Q{q}" for q in range(1, 5))
    reps = make_company(root, employees=employees, seed=seed, quarters=quarters, managers=True,
                        quotas=lambda folder, people: _plan(folder, people, year, seed))
    rel = lambda p: os.path.relpath(p, root.resolve()).replace(os.sep, "/")  # noqa: E731
    schema = rel(REPO / "schemas" / "cycle.schema.json")
    employees_src = "{provider: csv, path: data/employees.csv, kind: employees}"
    feedback = "{provider: feedback360, path: data/feedback.csv}"
    okr_file = {q: next(p for p in (f"data/okrs-{q}.yaml", f"data/okrs-{q}.csv") if (root / p).exists())
                for q in quarters}
    out = []
    for q, rep_cycle in zip(quarters, reps):
        out.append(rep_cycle)
        path = root / f"cycle-managers-{q}.yaml"
        not_rolled = ", ".join(m for m in METRICS if m not in TEAM_ROLLUPS and m != "quota")  # quota: from the plan
        team = f"{{provider: csv, path: data/metrics.csv, ignore: [{not_rolled}]}}"  # the reps' rows, rolled up
        path.write_text(_cycle_text(schema, q, rel(REPO / "rulesets" / "sales-manager.yaml"),
                                    [employees_src, team, f"{{provider: csv, path: targets-{year}/targets.csv}}",
                                     "{provider: csv, path: data/manager-metrics.csv}", feedback,
                                     f"{{provider: okr, path: {okr_file[q]}}}"], f"out/managers/{q}", True),
                        encoding="utf-8")
        out.append(path)
        # the reps' incentive plan (README "Incentive plans"): components, a draw carried from quarter to quarter
        path = root / f"cycle-incentive-{q}.yaml"
        unread = [m for m in METRICS if m not in ("revenue", "quota", "gross_profit", "new_product_revenue")]
        path.write_text(_cycle_text(schema, q, rel(REPO / "rulesets" / "sales-incentive.yaml"),
                                    [employees_src, f"{{provider: csv, path: data/metrics.csv, ignore: "
                                                    f"[{', '.join(unread)}]}}",
                                     f"{{provider: csv, path: targets-{year}/targets.csv}}"],  # the plan's quotas
                                    f"out/incentive/{q}", False),
                        encoding="utf-8")
        out.append(path)
    others = [m for m in METRICS if m not in ("visits", "qualified_leads", "won_deals")]
    month = month or f"{year}-07"
    path = root / f"cycle-process-{month}.yaml"
    metrics_src = f"{{provider: csv, path: data/metrics.csv, ignore: [{', '.join(others)}]}}"
    path.write_text(_cycle_text(schema, month, rel(REPO / "rulesets" / "process-review.yaml"),
                                [employees_src, metrics_src],
                                f"out/process/{month}", False), encoding="utf-8")
    out.append(path)
    others = [m for m in METRICS if m not in ("revenue", "quota")]
    path = root / f"cycle-{year}.yaml"
    metrics_src = f"{{provider: csv, path: data/metrics.csv, ignore: [{', '.join(others)}]}}"
    quotas = f"{{provider: csv, path: targets-{year}/targets.csv}}"  # the plan's (see _plan)
    path.write_text(_cycle_text(schema, str(year), rel(REPO / "rulesets" / "sales-annual.yaml"),
                                [employees_src, metrics_src, quotas, feedback], f"out/{year}", False),
                    encoding="utf-8")
    out.append(path)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: ``python -m appraise.tools.demo FOLDER [--employees N] [--seed S] [--quarters Q,Q]``."""
    ap = argparse.ArgumentParser(prog="python -m appraise.tools.demo", description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--employees", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--quarters", default="2026-Q2,2026-Q3")
    ap.add_argument("--ruleset", type=Path, default=DEFAULT_RULESET)
    ap.add_argument("--year", type=int, default=None,
                    help="a whole year: reps and managers for four quarters, the annual review, one monthly "
                    "process review (the cycle files are printed in the order to run them)")
    args = ap.parse_args(argv)
    if args.year is not None:
        cycles = make_year(args.folder, employees=args.employees, seed=args.seed, year=args.year)
        print((args.folder / f"plan-{args.year}.yaml").as_posix())  # first: appraise targets writes the quotas
    else:
        cycles = make_company(args.folder, employees=args.employees, seed=args.seed,
                              quarters=tuple(q.strip() for q in args.quarters.split(",") if q.strip()),
                              ruleset=args.ruleset)
    for c in cycles:
        print(c.as_posix())


if __name__ == "__main__":
    main()
