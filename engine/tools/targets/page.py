"""The managers' page of a plan: the battle map (every unit by quarter and month), the people's targets beside
last year, fixed amounts with their reasons and the reachability warnings — one self-contained HTML file per
language (no script, no font or style from elsewhere), each linking to the other."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import jinja2

from appraise.tools.targets.compute import Targets
from appraise.tools.targets.explain import COACH, Words, decimal

PAGES = {"en": "index.html", "zh-CN": "index.zh-CN.html"}

_TEMPLATE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif;
margin:0;color:#1f2933;background:#f5f7fa;font-size:16px;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:8px}
h1{font-size:1.5rem;margin:.4em 0}h2{font-size:1.2rem;margin:1.4em 0 .5em}
section{background:#fff;border-radius:8px;padding:12px 16px;margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:4px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap;
font-variant-numeric:tabular-nums}
th:first-child,td:first-child{text-align:left;position:sticky;left:0;background:#fff}
th.t,td.t{text-align:left}
thead th,thead th:first-child{background:#eef2f7;font-weight:600}
tr.l0 td{font-weight:700;background:#f0f4f8}tr.l1 td{font-weight:600}
.muted{color:#616e7c;font-size:.9rem}.warn{color:#8a4b00}.up{color:#b42318}.down{color:#027a48}
ul.checks li{margin:.3em 0}
.chart{max-width:640px}
svg text{font-size:12px;fill:#52606d}
.bar{fill:#3e7cb1}
@media (max-width:480px){main{padding:8px}th,td{padding:3px 5px;font-size:.8rem}h1{font-size:1.25rem}}
</style>
</head>
<body><main>
<header><h1>{{ title }}</h1><a href="{{ other_href }}" hreflang="{{ other_lang }}">{{ other_label }}</a></header>
<p>{{ intro }}</p>
{% if replan %}<p class="warn">{{ replan }}</p>{% endif %}
<p class="muted">{{ confidential }}</p>
<section aria-label="{{ chart_label }}"><div class="chart">
<svg viewBox="0 0 {{ chart.width }} {{ chart.height + 24 }}" width="100%" role="img">
<title>{{ chart_label }}</title>
{% for bar in chart.bars %}
<rect class="bar" x="{{ bar.x }}" y="{{ bar.y }}" width="{{ bar.w }}" height="{{ bar.h }}">
<title>{{ bar.label }}: {{ bar.value }}</title></rect>
<text x="{{ bar.x + bar.w / 2 }}" y="{{ chart.height + 18 }}" text-anchor="middle">{{ bar.short }}</text>
{% endfor %}
</svg></div></section>
<section><h2>{{ t_map }}</h2><div class="scroll"><table>
<thead><tr><th>{{ t_unit }}</th><th class="t">{{ t_level }}</th><th class="t">{{ t_key }}</th>
<th>{{ t_share }}</th>{% for q in quarters %}<th>{{ q }}</th>{% endfor %}<th>{{ t_year }}</th></tr></thead>
<tbody>
{% for u in units %}<tr class="l{{ u.depth }}">
<td style="padding-left:{{ 8 + 16 * u.depth }}px">{{ u.name }}</td><td class="t">{{ u.level }}</td>
<td class="t">{{ u.key }}</td><td>{{ u.share }}</td>
{% for v in u.quarters %}<td>{{ v }}</td>{% endfor %}<td>{{ u.year }}</td></tr>
{% endfor %}
</tbody></table></div></section>
<section><h2>{{ t_months }}</h2><div class="scroll"><table>
<thead><tr><th>{{ t_unit }}</th>{% for m in months %}<th>{{ m }}</th>{% endfor %}</tr></thead>
<tbody>
{% for u in units if u.depth < 2 %}<tr class="l{{ u.depth }}">
<td style="padding-left:{{ 8 + 16 * u.depth }}px">{{ u.name }}</td>
{% for v in u.months %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table></div></section>
<section><h2>{{ t_people }}</h2><div class="scroll"><table>
<thead><tr><th>{{ t_id }}</th><th class="t">{{ t_name }}</th><th class="t">{{ t_unit }}</th>
<th>{{ t_last }}</th><th>{{ t_year }}</th><th>{{ t_growth }}</th>
{% for q in quarters %}<th>{{ q }}</th>{% endfor %}</tr></thead>
<tbody>
{% for p in people %}<tr><td>{{ p.id }}</td><td class="t">{{ p.name }}
{%- if p.coach %}<br><small class="coach">{{ p.coach }}</small>{% endif %}</td><td class="t">{{ p.unit }}</td>
<td>{{ p.last }}</td><td>{{ p.year }}</td><td class="{{ p.trend }}">{{ p.growth }}</td>
{% for v in p.quarters %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table></div></section>
{% if fixed %}<section><h2>{{ t_fixed }}</h2><div class="scroll"><table>
<thead><tr><th>{{ t_unit }}</th><th>{{ t_amount }}</th><th class="t">{{ t_reason }}</th></tr></thead>
<tbody>
{% for f in fixed %}<tr><td>{{ f.unit }}</td><td>{{ f.amount }}</td>
<td class="t" style="white-space:normal">{{ f.reason }}</td></tr>
{% endfor %}
</tbody></table></div></section>{% endif %}
<section><h2>{{ t_checks }}</h2>
{% if checks %}<ul class="checks">{% for c in checks %}<li class="warn">{{ c }}</li>{% endfor %}</ul>
{% else %}<p>{{ t_no_checks }}</p>{% endif %}
</section>
</main></body></html>
"""

HEADINGS = {"map": "targets.page.map", "months": "targets.page.months", "people": "targets.page.people",
            "unit": "targets.page.unit", "level": "targets.page.level", "key": "targets.page.key",
            "share": "targets.page.share", "year": "targets.page.year", "id": "targets.page.id",
            "name": "targets.page.name", "growth": "targets.page.growth", "checks": "targets.page.checks",
            "no_checks": "targets.page.no_checks", "fixed": "targets.page.fixed", "reason": "targets.page.reason",
            "amount": "targets.page.amount", "last": "targets.page.last_year"}
_ENV = jinja2.Environment(autoescape=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def render(t: Targets, lang: str) -> str:
    """The page of ``t`` in ``lang`` (``en`` or ``zh-CN``)."""
    w = Words(t, lang)
    plan = t.plan
    quarters = [f"Q{q}" for q in range(1, 5)]
    months = list(plan.months)

    def plain(value: Fraction) -> str:  # tables: the currency is in their headings
        return w.fmt.number(decimal(value), 2 if plan.unit.denominator != 1 else 0)

    def by_quarter(values: dict[str, Fraction]) -> list[str]:
        out = []
        for q in range(4):
            part = [values[m] for m in months[q * 3:q * 3 + 3] if m in values]
            out.append(plain(sum(part, Fraction(0))) if part else "—")
        return out

    units: dict[str, dict] = {}
    for path, values in t.units.items():
        step = t.steps.get(path)
        share = "" if step is None else (w.say("targets.key.shares") if step.fixed is not None else
                                         w.share(step.value / step.total) if step.total else "—")
        units[path] = ({
            "name": step.name if step else plan.id, "depth": 0 if not path else path.count("/") + 1,
            "level": w.level(t.level_name(path)), "key": "" if step is None else
            (w.texts("targets.page.fixed") if step.fixed is not None else w.key(step)),
            "share": share, "quarters": by_quarter(values), "year": plain(sum(values.values(), Fraction(0))),
            "months": [plain(values[m]) if m in values else "—" for m in months]})
    ordered = [units[path] for path in _tree_order(t)]
    people = []
    for emp in _people_order(t):
        person = t.people[emp]
        year = sum(person.months.values(), Fraction(0))
        last = person.last_year
        growth, trend = "—", ""
        if last:
            ratio = t.steps[person.path].amount / last - 1
            growth = w.share(ratio)
            trend = "up" if ratio > 0 else "down" if ratio < 0 else ""
        coach = t.coach(emp)  # a player-coach: their own target and their team's, within or on top
        people.append({"id": emp, "name": person.name, "unit": person.path.rpartition("/")[0] or plan.id,
                       "last": plain(last) if last is not None else "—",
                       "year": plain(year), "growth": growth, "trend": trend,
                       "quarters": by_quarter(dict(person.months)),
                       "coach": w.say(COACH[coach["mode"]], own=w.money(coach["own"]),
                                      team=coach["team"], amount=w.money(coach["team_target"]),
                                      total=w.money(coach["total"])) if coach else ""})
    company = t.units[""]
    peak = max(company.values(), default=Fraction(1)) or Fraction(1)
    width, height, gap = 400, 110, 4
    bar_w = (width - gap * 13) / 12
    bars = []
    for i, m in enumerate(months):
        value = company.get(m, Fraction(0))
        h = float(value / peak) * height
        bars.append({"x": round(gap + i * (bar_w + gap), 1), "y": round(height - h + 4, 1), "w": round(bar_w, 1),
                     "h": round(h, 1), "label": m, "value": w.money(value), "short": m[5:]})
    other = "zh-CN" if lang == "en" else "en"
    closed = sum((v for p in t.people.values() for v in p.closed.values()), Fraction(0))
    view: dict[str, Any] = {
        "lang": lang, "title": w.say("targets.page.title", year=plan.year, plan=plan.id),
        "intro": w.say("targets.page.intro", total=w.money(plan.total), units=len(t.units) - 1, people=len(t.people)),
        "replan": w.say("targets.page.replan", through=plan.closed_through) if plan.closed_through else "",
        "confidential": w.texts("confidential.team"), "other_href": PAGES[other], "other_lang": other,
        "other_label": w.say("targets.page.other_language", other="中文" if lang == "en" else "English"),
        "chart": {"width": width, "height": height, "bars": bars},
        "chart_label": w.say("targets.page.chart", points=", ".join(f"{b['short']} {b['value']}" for b in bars)),
        "quarters": quarters, "months": [m[5:] for m in months], "units": ordered, "people": people,
        "fixed": [{"unit": f.unit, "amount": plain(f.amount), "reason": f.reason} for f in plan.fixed],
        "checks": [d.message for d in t.warnings if d.code == "plan-check"],
        "closed": w.money(closed),
    }
    for name, key in HEADINGS.items():
        view[f"t_{name}"] = w.say(key)
    for name in ("map", "months", "people", "fixed"):  # the tables' amounts are in the plan's currency
        view[f"t_{name}"] += f"（{plan.currency}）" if lang == "zh-CN" else f" ({plan.currency})"
    return _ENV.from_string(_TEMPLATE).render(**view)


def _tree_order(t: Targets) -> list[str]:
    out: list[str] = []
    stack = [""]
    while stack:
        path = stack.pop()
        out.append(path)
        stack.extend(reversed([c for c in t.org.units[path].parts if c in t.org.units]))
    return out


def _people_order(t: Targets) -> list[str]:
    leaves = {leaf: emp for emp, leaf in t.org.people.items()}
    out: list[str] = []
    for path in _tree_order(t):
        out.extend(leaves[c] for c in t.org.units[path].parts if c in leaves)
    return out
