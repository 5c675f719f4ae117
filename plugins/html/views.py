"""The HTML renderer's view models: one employee's (or one team's) results as a *view*.

:func:`dashboard_view`, :func:`plan_view`, :func:`team_view` and :func:`index_view` turn results into plain
data — strings already translated and formatted for the reader's locale, chart geometry already computed — so
the templates only lay it out and ruleset template overrides never compute anything.

Privacy follows the render contract (:mod:`appraise.present.render`): a personal view holds the employee's own
figures plus cohort aggregates (average, rank, size) only when the cohort holds at least the ruleset's
``privacy.min_group`` people (:class:`~appraise.present.render.CohortStats`).  It never holds another person's
name, id or value.  Team overviews and the index (read by line managers) hold no aggregate of a group smaller
than ``min_group``, nor one that would let such a group's figures be worked out by subtraction
(:func:`~appraise.present.render.withheld_groups`); a withheld figure is not in the view at all, so no template
override can show it.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from appraise.export.summary import grade_counts, money_total
from appraise.i18n import Formatter, Texts, formatter
from appraise.language.compile import Ruleset, Scorecard
from appraise.language.period import parse as parse_period
from appraise.plugins.html.credit import split_view
from appraise.plugins.html.paths import dashboard_path, plan_path, team_path
from appraise.present.render import CohortStats, RenderRequest, cohort_value, withheld_groups

STRENGTH_ATTAINMENT = 1.10
CHECKPOINT_WEEKS = 4
MAX_LISTED = 5            # strengths and gaps shown: the biggest, so the page stays a summary

# --------------------------------------------------------------------------- shared helpers


@dataclass
class _Ctx:
    """What every view builder needs for one locale."""

    request: RenderRequest
    t: Texts
    f: Formatter | _Memo
    memo: dict[Any, Any] = field(default_factory=dict)  # what depends on the ruleset and locale only
    said: dict[tuple, str] = field(default_factory=dict)  # messages with their values (_said)

    @property
    def rs(self) -> Ruleset:
        return self.request.ruleset


_CONTEXTS: dict[tuple[int, str], _Ctx] = {}


def context(request: RenderRequest, locale: str) -> _Ctx:
    """Texts and formatter for ``locale`` with the ruleset's wording overrides (made once per request and
    locale: a worker builds thousands of views from one request)."""
    key = (id(request), locale)
    found = _CONTEXTS.get(key)
    if found is not None and found.request is request:  # the cache holds the request, so its id is not reused
        return found
    wording = (request.ruleset.report or {}).get("wording") or {}
    found = _Ctx(request, _Labels(texts(locale, wording)),
                 _Memo(formatter(locale, str(request.results.get("currency") or request.ruleset.currency))))
    if len(_CONTEXTS) >= 16:
        _CONTEXTS.clear()
    _CONTEXTS[key] = found
    return found


def forget() -> None:
    """Drop what was remembered for the requests rendered so far (their contexts hold their documents)."""
    _CONTEXTS.clear()
    _TEXTS_OF.clear()
    _GIVEN_TOUCHES.clear()


class _Labels(Texts):
    """A :class:`~appraise.i18n.Texts` (sharing its table) that remembers the ruleset's labels it has picked:
    every page asks for the same KPI, dimension and rule labels.  A label is remembered with the object it
    came from, which the memory holds, so an id cannot stand for another object."""

    def __init__(self, base: Texts):  # noqa: D107 - no Texts.__init__: the table is base's
        self.locale = base.locale
        self._table = base._table
        self._picked: dict[int, tuple[Any, str, str]] = {}

    def localized(self, text: Mapping[str, str] | str | None, fallback: str = "") -> str:
        if text is None or isinstance(text, str):
            return super().localized(text, fallback)
        hit = self._picked.get(id(text))
        if hit is not None and hit[0] is text and hit[1] == fallback:
            return hit[2]
        picked = super().localized(text, fallback)
        self._picked[id(text)] = (text, fallback, picked)
        return picked


class _Memo:
    """A :class:`~appraise.i18n.Formatter` that remembers what it formatted: pages repeat the same weights,
    targets, scores and amounts thousands of times.  Keys carry the value's type, so ``1``, ``1.0`` and
    ``Decimal("1.00")`` are formatted each by the formatter itself; what comes back is always what the
    formatter returns for that value."""

    __slots__ = ("_f", "_seen", "_scores", "_numbers", "_percents", "_measures", "locale", "currency", "_fast",
                 "_pct")
    LIMIT = 1 << 16

    def __init__(self, f: Formatter):
        self._f = f
        self._seen: dict[tuple, str] = {}
        # a float's text by its value alone, one table per formatting (most values are floats): no key to build
        self._scores: dict[float, str] = {}
        self._numbers: dict[int, dict[float, str]] = {}
        self._percents: dict[int, dict[float, str]] = {}
        self._measures: dict[str, dict[float, str]] = {}
        self.locale, self.currency = f.locale, f.currency
        # a float's digits straight from Python's float formatting when that is the formatter's answer (see
        # _digits); only for a formatter writing "1,234.5" and "-50%" (both languages), else always the formatter
        pre, _, post = f.percent(0.5, 0).partition("50")
        self._fast = f.number(1234.5, 1) == "1,234.5" and f.percent(-0.5, 0) == f"-{pre}50{post}"
        self._pct = (pre, post)

    def _keep(self, table: dict[float, str], value: float, text: str) -> str:
        if len(table) >= self.LIMIT:
            table.clear()
        table[value] = text
        return text

    def _call(self, kind: str, value, extra) -> str:
        try:
            key = (kind, type(value), value, extra)
            found = self._seen.get(key)
        except TypeError:  # unhashable: not remembered
            return self._ask(kind, value, extra)
        if found is None:
            found = self._ask(kind, value, extra)
            if len(self._seen) >= self.LIMIT:
                self._seen.clear()
            self._seen[key] = found
        return found

    def _ask(self, kind: str, value, extra) -> str:
        return self._f.date(value) if kind == "date" else getattr(self._f, kind)(value, extra)

    def _number(self, value: float, digits: int) -> str:
        """The formatter's ``number(value, digits)`` of a float (a memory miss)."""
        text = _digits(value, digits) if self._fast else None
        return text if text is not None else self._f.number(value, digits)

    def _percent(self, value: float, digits: int) -> str:
        """The formatter's ``percent(value, digits)`` of a float (a memory miss)."""
        text = _digits(value * 100, digits) if self._fast else None
        if text is None:
            return self._f.percent(value, digits)
        pre, post = self._pct
        return f"-{pre}{text[1:]}{post}" if text[0] == "-" else f"{pre}{text}{post}"

    def number(self, value, digits: int = 1) -> str:
        if type(value) is float:
            table = self._numbers.get(digits)
            if table is None:
                table = self._numbers[digits] = {}
            found = table.get(value)
            return found if found is not None else self._keep(table, value, self._number(value, digits))
        return self._call("number", value, digits)

    def integer(self, value) -> str:
        return self._call("number", value, 0)

    def score(self, value) -> str:
        if type(value) is float:
            found = self._scores.get(value)
            return found if found is not None else self._keep(self._scores, value, self._number(value, 1))
        return self._call("number", value, 1)

    def percent(self, value, digits: int = 1) -> str:
        if type(value) is float:
            table = self._percents.get(digits)
            if table is None:
                table = self._percents[digits] = {}
            found = table.get(value)
            return found if found is not None else self._keep(table, value, self._percent(value, digits))
        return self._call("percent", value, digits)

    def money(self, value, currency: str | None = None) -> str:
        return self._call("money", value, currency)

    def measure(self, value, unit: str) -> str:
        if type(value) is float:
            table = self._measures.get(unit)
            if table is None:
                table = self._measures[unit] = {}
            found = table.get(value)
            return found if found is not None else self._keep(table, value, self._measure(value, unit))
        return self._call("measure", value, unit)

    def date(self, value: date) -> str:
        return self._call("date", value, None)

    def _measure(self, value: float, unit: str) -> str:
        """The formatter's ``measure(value, unit)`` of a float (a memory miss): as it, a ratio is a percentage to a
        tenth, money the formatter's own, a whole number without decimals, any other to two."""
        if unit in ("ratio", "percent"):
            return self._percent(value, 1)
        if unit == "money" or value - value != 0:  # money; inf and nan: the formatter's answer or refusal
            return self._f.measure(value, unit)
        return self._number(value, 0 if value == int(value) else 2)


_CHECK = (".5f", ".6f", ".7f")   # five digits past those written: how far from a rounding edge
_WRITE = (",.0f", ",.1f", ",.2f")
_BELOW = (1e9, 1e8, 1e7)         # |value| under which a float's spacing is far below those five digits


def _digits(value: float, digits: int) -> str | None:
    """``Formatter.number(value, digits)`` of a float from Python's float formatting, or None when that could
    differ.  The formatter rounds the shortest decimal that reads back as the float (its ``repr``) half up;
    ``format`` rounds the float's exact binary value to nearest.  The two agree whenever the float lies at
    least half a unit of the fifth digit past the last written from every rounding edge (a digit 5 followed by
    zeros): the ``repr`` lies within half the float's spacing of it, which below ``_BELOW`` is far smaller, so
    both sit on the same side of every edge and neither on one.  Near an edge (written to five more digits it
    ends 50000 or 49999), large, inf, nan, or digits other than 0-2: None, the formatter answers."""
    if not 0 <= digits <= 2 or not -_BELOW[digits] < value < _BELOW[digits]:
        return None
    tail = format(value, _CHECK[digits])[-5:]
    if tail == "50000" or tail == "49999":
        return None
    text = format(value, _WRITE[digits])
    if text[0] == "-" and not text[1:].strip("0.,"):  # rounds to zero: never "-0.0", as the formatter
        return text[1:]
    return text


_TEXTS: dict[tuple[str, str], Texts] = {}
_TEXTS_OF: dict[tuple[int, str], tuple[Mapping[str, Any], Texts]] = {}


def texts(locale: str, wording: Mapping[str, Any]) -> Texts:
    """The texts of ``locale`` with the ruleset's wording overrides (built once per locale and wording)."""
    same = _TEXTS_OF.get((id(wording), locale))
    if same is not None and same[0] is wording:  # the same mapping as the page before (held, so its id is ours)
        return same[1]
    key = (locale, json.dumps(wording, sort_keys=True, ensure_ascii=False, default=str))
    found = _TEXTS.get(key)
    if found is None:
        found = _TEXTS[key] = Texts(locale, wording)
    if len(_TEXTS_OF) >= 64:
        _TEXTS_OF.clear()
    _TEXTS_OF[(id(wording), locale)] = (wording, found)
    return found


def _said(c: _Ctx, key: str, **values: str | int) -> str:
    """``c.t(key, **values)``, remembered for the page language: ranks, points lost, scores and labels repeat page
    after page, and formatting a message costs more than finding it.  Only for values that are texts or ints
    counted here (never a bool or a float, which would share an int's key and not its text)."""
    memo = (key, *values.items())
    found = c.said.get(memo)
    if found is None:
        if len(c.said) >= _Memo.LIMIT:
            c.said.clear()
        found = c.said[memo] = c.t(key, **values)
    return found


def _rule_labels(c: _Ctx, ids: Iterable[str]) -> list[str]:
    by_id = c.memo.get("rules")
    if by_id is None:
        by_id = c.memo["rules"] = {r.id: r for r in c.rs.rules}
    return [c.t.localized(by_id[i].label, i) if i in by_id else i for i in ids]


def _label_of(c: _Ctx, card: Scorecard | None, key: str) -> str:
    """The reader's label of a dimension, ``dim.kpi`` path, bare KPI id or ``feedback360`` (remembered per
    scorecard and key: it depends on the ruleset and the locale only)."""
    memo = ("label", card.key if card is not None else None, key)
    found = c.memo.get(memo)
    if found is None:
        found = c.memo[memo] = _label_of_uncached(c, card, key)
    return found


def _label_of_uncached(c: _Ctx, card: Scorecard | None, key: str) -> str:
    if card is not None:
        if "." in key:
            kpi = card.kpi(key)
            if kpi:
                return c.t.localized(kpi.label, kpi.key)
        dim = card.dimension(key)
        if dim:
            return c.t.localized(dim.label, dim.key)
        named = card.kpis_named(key)
        if named:
            return c.t.localized(named[0].label, named[0].key)
    if key == "feedback360":
        return c.t("feedback.heading")
    metric = c.rs.metric(key)
    return c.t.localized(metric.label, key) if metric else key


def _unit(c: _Ctx, card: Scorecard | None, path: str) -> str:
    key = ("unit", card.key if card else None, path)
    unit = c.memo.get(key)
    if unit is None:
        kpi = card.kpi(path) if card else None
        metric = c.rs.metric(kpi.metric) if kpi else None
        unit = c.memo[key] = metric.unit if metric else "number"
    return unit


Touches = dict[tuple[str, tuple[str, ...]], tuple[dict[str, list[str]], dict[str, list[str]]]]
_GIVEN_TOUCHES: Touches = {}  # worked out by the process that split the work (see given_touches), until forget()


def touches_of(request: RenderRequest) -> Touches:
    """:func:`_touches` for every (scorecard, rules fired) of the request's employees, worked out once: the
    process that splits a render among workers hands them this table (:func:`given_touches`), so no worker
    traces the rules again per task, nor imports polars to do so."""
    from appraise.core.provenance import changed_by

    rs = request.ruleset
    out: Touches = {}
    for e in request.results.get("employees") or []:
        card = rs.scorecard(e["scorecard"])
        key = (e["scorecard"], tuple(e.get("rules_fired") or []))
        if card is not None and key not in out:
            out[key] = changed_by(rs, card, list(key[1]))
    return out


def given_touches(table: Touches) -> None:
    """Use ``table`` (:func:`touches_of` of the whole request this one is a part of) until :func:`forget`."""
    _GIVEN_TOUCHES.clear()
    _GIVEN_TOUCHES.update(table)


def _touches(c: _Ctx, card: Scorecard | None,
             fired: Sequence[str]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(path → rules that changed its weight, KPI path → rules that scaled its target) for an employee, as the
    engine's provenance records them (:func:`appraise.core.provenance.changed_by`); nothing is inferred here.
    The same for everyone on one scorecard with the same rules fired (remembered; read only)."""
    if card is None:
        return {}, {}
    key = ("touches", card.key, tuple(fired))
    found = c.memo.get(key)
    if found is None:
        found = _GIVEN_TOUCHES.get((card.key, key[2]))
        if found is None:
            from appraise.core.provenance import changed_by

            found = changed_by(c.rs, card, fired)
        c.memo[key] = found
    return found


def _signed(f: Formatter | _Memo, value: float) -> str:
    text = f.number(abs(value), 1)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _bar_chart(rows: Sequence[tuple[str, float | None, str]], *, scale_max: float = 120.0,
               marker: float | None = 100.0) -> dict[str, Any]:
    """Horizontal bars: rows of (label, value, value text) → each bar's length in percent of the track, laid out
    in HTML (labels stay at the page's text size on a phone, where a scaled SVG would shrink them)."""
    top = max([scale_max] + [v for _, v, _ in rows if v is not None])
    bars = [{"label": label, "text": text, "empty": value is None,
             "pct": 0.0 if value is None else round(max(0.0, value) / top * 100, 1)} for label, value, text in rows]
    return {"bars": bars, "marker": round(marker / top * 100, 1) if marker is not None else None}


# --------------------------------------------------------------------------- personal dashboard


def dashboard_view(request: RenderRequest, employee: Mapping[str, Any], stats: CohortStats | None,
                   locale: str | None = None) -> dict[str, Any]:
    """Everything one employee's dashboard shows, formatted for their locale."""
    return _dashboard_view(request, employee, stats, locale or request.employee_locale(employee["id"]))


def personal_views(request: RenderRequest, employee: Mapping[str, Any],
                   stats: CohortStats | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(dashboard_view(...), plan_view(...))`` of one employee in their locale, made together: the plan takes
    what the dashboard already made from the same results (the areas to improve in the same pass, the header,
    notes and sub-periods) instead of making it again.  The renderer's path; tests compare it with the two."""
    locale = request.employee_locale(employee["id"])
    focus: list[dict[str, Any]] = []
    dashboard = _dashboard_view(request, employee, stats, locale, focus)
    return dashboard, _plan_view(request, employee, locale, dashboard, focus)


def _dashboard_view(request: RenderRequest, employee: Mapping[str, Any], stats: CohortStats | None, locale: str,
                    plain_focus: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
    card = rs.scorecard(employee["scorecard"])
    fired = list(employee.get("rules_fired") or [])
    fired_rules = [r for r in rs.rules if r.id in fired]
    missing = set(employee.get("missing") or [])
    min_group = rs.min_group
    comparison = stats is not None and stats.size >= max(min_group, stats.min_group)

    view: dict[str, Any] = {
        "lang": locale, "kind": "dashboard",
        "title": f"{t('dashboard.title')} · {employee['name']} · {request.results.get('cycle', '')}",
        "heading": t("page.h1", title=t("dashboard.title"), name=employee["name"]),
        "name": employee["name"], "id": employee["id"],
        "cycle": request.results.get("cycle", ""),
        "ruleset_title": t.localized(rs.title, rs.id),
        "scorecard": _label_of_card(c, card, employee["scorecard"]),
        "team": cohort_value(employee),
        "tenure": (t("tenure.months", n=employee["tenure_months"]) if employee.get("tenure_months") is not None
                   else None),
        "score": f.number(employee["score"], 2), "grade": employee["grade"],
        "confidential": t("confidential", name=employee["name"]),
        "links": {"plan": "../" + plan_path(employee["id"])},
        "comparison": comparison,
        "comparison_off": None if comparison else t("comparison.off", n=min_group),
    }
    if employee.get("grade_uncalibrated") and employee["grade_uncalibrated"] != employee["grade"]:
        cal = employee.get("calibration") or {}
        view["calibration_note"] = t("calibration.note", before=employee["grade_uncalibrated"],
                                     after=employee["grade"], cohort=cal.get("cohort", ""),
                                     size=cal.get("cohort_size", ""))
    adjustments = {a.id: a for a in card.adjustments} if card else {}
    view["adjustments"] = [t("adjustment", reason=t.localized(adjustments[a["id"]].reason, a["id"])
                             if a["id"] in adjustments else a["id"], points=_signed(f, float(a["points"])))
                           for a in employee.get("adjustments") or []]
    view["bonus"] = _bonus_view(c, employee)
    view["override"] = _override_note(c, employee)
    view["employed"] = _employed_note(c, employee)
    view["periods"] = _periods_view(c, card, employee)
    view["split"] = split_view(c, request.splits.get(employee["id"]))
    weight_changes, target_changes = _touches(c, card, fired)

    # dimensions
    dims: list[dict[str, Any]] = []
    for d in (card.dimensions if card else ()):
        entry = (employee.get("dimensions") or {}).get(d.key) or {}
        weight = entry.get("weight")
        why = []
        if weight is not None and abs(float(weight) - d.weight) > 1e-6:
            rules = weight_changes.get(d.key, [])
            if d.key in missing:
                why.append(t("weight.missing"))
            elif rules:
                why.append(t("weight.changed", base=f.number(d.weight, 0), rules="; ".join(_rule_labels(c, rules))))
            else:
                why.append(t("weight.redistributed", base=f.number(d.weight, 0)))
        dims.append({"key": d.key, "kind": d.kind, "label": t.localized(d.label, d.key),
                     "weight": f.number(weight, 1) if weight is not None else "—",
                     "score": f.score(entry.get("score")) if entry.get("score") is not None else "—",
                     "value": entry.get("score") if weight else None, "why": why})
    view["dimensions"] = dims
    chart = _bar_chart([(d["label"], d["value"], d["score"]) for d in dims])
    chart["alt"] = t("dimensions.chart") + ": " + "; ".join(f"{d['label']} {d['score']}" for d in dims)
    view["dimension_chart"] = chart

    # KPIs and strengths
    kpis, strengths = [], []
    results_kpis = employee.get("kpis") or {}
    past, cycle_now = _past(c, request.history.get(employee["id"]) or [])
    for d in (card.dimensions if card else ()):
        dimension_label = t.localized(d.label, d.key)
        for k in d.kpis:
            path = k.path
            r = results_kpis.get(path)
            if r is None:
                continue
            unit = _unit(c, card, path)
            label = t.localized(k.label, k.key)
            weight = r.get("weight")
            why, target_note = [], None
            weight_rules, target_rules = weight_changes.get(path, []), target_changes.get(path, [])
            if r.get("dropped_by_rule"):
                dropping = [rule.id for rule in fired_rules
                            if any(a.kind == "drop" and a.path == path for a in rule.actions)] or weight_rules
                why.append(t("weight.dropped", rules="; ".join(_rule_labels(c, dropping))))
            elif path in missing or (r.get("actual") is None and not weight):
                why.append(t("weight.missing"))
            elif weight is not None and abs(float(weight) - k.weight) > 1e-6:
                if weight_rules:
                    why.append(t("weight.changed", base=f.number(k.weight, 0),
                                 rules="; ".join(_rule_labels(c, weight_rules))))
                else:
                    why.append(t("weight.redistributed", base=f.number(k.weight, 0)))
            if target_rules:
                target_note = t("target.scaled", rules="; ".join(_rule_labels(c, target_rules)))
            row: dict[str, Any] = {"path": path, "dimension": dimension_label, "label": label,
                   "actual": f.measure(r.get("actual"), unit), "target": f.measure(r.get("target"), unit),
                   "attainment": f.percent(r.get("attainment")),
                   "score": f.score(r.get("score")) if weight else "—",
                   "weight": f.number(weight, 1) if weight is not None else "—",
                   "why": why, "target_note": target_note, "average": None, "rank": None,
                   "level": _level(r.get("attainment")) if weight else "none"}
            att = r.get("attainment")
            if r.get("weight") and att is not None:
                cmp = stats.compare(k.path, float(att), min_group) if (comparison and stats) else None
                if cmp:
                    avg, rank, size = cmp
                    row["average"] = f.percent(avg)
                    row["rank"] = _said(c, "rank", rank=rank, size=size)
                    if rank == 1:
                        strengths.append((-att, k.path, t("strength.rank1", kpi=label, attainment=f.percent(att))))
                    elif att >= STRENGTH_ATTAINMENT:
                        strengths.append((-att, k.path, t("strength.high", kpi=label, attainment=f.percent(att))))
                elif att >= STRENGTH_ATTAINMENT:
                    strengths.append((-att, k.path, t("strength.high", kpi=label, attainment=f.percent(att))))
            row["trend"] = _kpi_trend(c, past, cycle_now, path, label, att if weight else None)
            kpis.append(row)
    view["kpis"] = kpis
    view["trends"] = any(k["trend"] for k in kpis)
    view["strengths"] = [text for _, _, text in sorted(strengths)[:MAX_LISTED]]
    # areas to improve: the results' own focus areas (the plan's, results.json's), never worked out here
    view["focus"] = _focus_items(c, card, employee, {k["path"]: k for k in kpis}, plain_focus)
    view["gaps"] = [item["text"] for item in view["focus"]]

    view["feedback"] = _feedback_view(c, card, employee)
    view["okr"] = _okr_view(c, card, employee)
    view["missing"] = [t("missing.item", item=_path_label(c, card, m)) for m in employee.get("missing") or []]
    view["rules"] = _rule_labels(c, fired)
    outcomes = {o.id: o for o in rs.outcomes}
    view["outcomes"] = [t.localized(outcomes[o].label, o) if o in outcomes else o
                        for o in employee.get("outcomes") or []]
    view["trend"] = _trend_view(c, employee, request.history.get(employee["id"]) or [])
    found = request.insights.get(employee["id"]) or {}
    view["reach"] = _reach_view(c, card, employee, found)
    for fb in view["feedback"]:
        fb.update(_competency_view(c, (found.get("feedback") or {}).get(fb["key"])))
    return view


def _label_of_card(c: _Ctx, card: Scorecard | None, key: str) -> str:
    return c.t.localized(card.label, key) if card else key


def _path_label(c: _Ctx, card: Scorecard | None, path: str) -> str:
    if card and "." in path:
        dim = card.dimension(path.split(".")[0])
        if dim:
            return f"{c.t.localized(dim.label, dim.key)} › {_label_of(c, card, path)}"
    return _label_of(c, card, path)


def _level(attainment) -> str:
    """Heat-map bucket of an attainment (colour plus the printed value, never colour alone)."""
    if attainment is None:
        return "none"
    a = float(attainment)
    if a >= 1.10:
        return "high"
    if a >= 1.0:
        return "met"
    if a >= 0.8:
        return "near"
    return "low"


def _bonus_view(c: _Ctx, employee: Mapping[str, Any]) -> dict[str, Any] | None:
    t, f, rs = c.t, c.f, c.rs
    detail = employee.get("bonus_detail")
    if not rs.bonus or detail is None:
        return None
    card = rs.scorecard(employee["scorecard"])
    kpi_label = _label_of(c, card, rs.bonus.attainment)
    reached = detail.get("tiers_reached") or 0
    rows = [
        (t("bonus.target"), f.money(detail.get("target"))),
        (_said(c, "bonus.attainment", kpi=kpi_label), f.percent(detail.get("attainment"))),
        (t("bonus.tiers"), _said(c, "bonus.tiers_value", reached=reached, total=len(rs.bonus.tiers))
         if type(reached) is int else t("bonus.tiers_value", reached=reached, total=len(rs.bonus.tiers))),
        (t("bonus.tier_pay"), f.money(detail.get("tier_pay"))),
        (_said(c, "bonus.multiplier", grade=employee["grade"]) if type(employee["grade"]) is str
         else t("bonus.multiplier", grade=employee["grade"]), "×" + str(detail.get("multiplier") or "1")),
    ]
    if rs.bonus.excess_above is not None:
        rows.append((t("bonus.excess"), f.money(detail.get("excess"))))
    rows.append((t("bonus.uncapped"), f.money(detail.get("uncapped"))))
    capped = False
    if detail.get("cap") is not None:
        rows.append((t("bonus.cap"), f.money(detail.get("cap"))))
        try:
            capped = Decimal(str(detail["uncapped"])) > Decimal(str(detail["cap"]))
        except (InvalidOperation, KeyError, TypeError):  # a malformed amount just shows no note
            capped = False
    if detail.get("target_cycle") is not None:
        rows.insert(1, (t("bonus.target_cycle"), f.money(_cents(detail["target_cycle"]))))
    total_label = t("bonus.total")
    negative = False
    if "bonus_gross" in employee:  # net_of: the period's bonus less what the sub-periods already paid
        rows.append((t("bonus.gross"), f.money(employee.get("bonus_gross"))))
        rows += settlement_rows(detail, t, f, signed=True)
        total_label = t("bonus.due")
        try:
            negative = employee.get("bonus") is not None and Decimal(str(employee["bonus"])) < 0
        except InvalidOperation:
            negative = False
    return {"rows": rows, "total_label": total_label, "total": f.money(employee.get("bonus")),
            "capped": t("bonus.capped") if capped else None, "clawback": t("bonus.clawback") if negative else None}


def settlement_rows(detail: Mapping[str, Any], t, f, *, signed: bool) -> list[tuple[str, str]]:
    """What ``bonus.net_of`` netted, one row per sub-period in order, exactly as the results say (never worked out
    again here): each period's paid amount (``bonus_detail.paid``; a null bonus counts 0), and each period nothing
    was stored of for the person (``bonus_detail.not_stored``), netted as 0.  ``signed``: deductions shown as −."""
    paid = detail.get("paid") or {}
    rows = []
    for period in sorted([*paid, *(p for p in detail.get("not_stored") or () if p not in paid)]):
        if period not in paid:
            rows.append((t("bonus.not_stored_for", period=period), f.money(0)))
            continue
        amount = paid[period]
        shown = f.money(amount if amount is not None else 0)
        try:
            zero = amount is None or Decimal(str(amount)) == 0
        except InvalidOperation:
            zero = True
        rows.append((t("bonus.paid_for", period=period), "−" + shown if signed and not zero else shown))
    return rows


def _cents(amount) -> str:
    """A money amount shown to the cent (a prorated target is an exact fraction, kept to 10 decimals)."""
    try:
        return str(Decimal(str(amount)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP").normalize())
    except InvalidOperation:
        return str(amount)


def _override_note(c: _Ctx, employee: Mapping[str, Any]) -> str | None:
    """The override of this result, with who approved it, when and why."""
    o = employee.get("override")
    if not o:
        return None
    t, f = c.t, c.f
    what = []
    if "score" in o:
        what.append(t("override.score", before=f.number(o["score"][0], 2), after=f.number(o["score"][1], 2)))
    if "grade" in o:
        what.append(t("override.grade", before=o["grade"][0], after=o["grade"][1]))
    sep = "；" if c.t.locale.startswith("zh") else "; "
    return t("override.note", by=o.get("by", ""), date=o.get("date", ""), what=sep.join(what),
             reason=o.get("reason", ""))


def _employed_note(c: _Ctx, employee: Mapping[str, Any]) -> str | None:
    """Employed for part of the period (``proration: days``)."""
    share = employee.get("employed_share")
    if share is None or float(share) >= 1:
        return None
    return c.t("employed.note", share=c.f.percent(share))


def _periods_view(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sub-period scores behind each ``periods:`` dimension (the annual page's quarters)."""
    t, f = c.t, c.f
    out = []
    for d in (card.dimensions if card else ()):
        if d.kind != "periods":
            continue
        entry = (employee.get("dimensions") or {}).get(d.key) or {}
        spec = d.periods
        assert spec is not None  # a periods dimension always has its periods (compile)
        weights = dict(spec.weights)
        rows = []
        for period, score in (entry.get("periods") or {}).items():
            key = period.rsplit("-", 1)[-1] if "-" in period else period
            weight = weights.get(key) if weights else 100 / max(len(entry["periods"]), 1)
            rows.append({"period": period, "score": f.score(score) if score is not None else t("periods.missing"),
                         "weight": f.number(weight, 1) if weight is not None else "—", "value": score})
        label = t.localized(d.label, d.key)
        chart = _bar_chart([(r["period"], r["value"], r["score"]) for r in rows])
        chart["alt"] = t("periods.heading", dimension=label) + ": " + "; ".join(f"{r['period']} {r['score']}"
                                                                                for r in rows)
        out.append({"label": t("periods.heading", dimension=label),
                    "note": t("periods.note", ruleset=spec.ruleset),
                    "rows": rows, "chart": chart,
                    "score": f.score(entry.get("score")) if entry.get("score") is not None else "—"})
    return out


def _feedback_view(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any]) -> list[dict[str, Any]]:
    t, f = c.t, c.f
    out = []
    for d in (card.dimensions if card else ()):
        if d.kind != "feedback360":
            continue
        entry = (employee.get("dimensions") or {}).get(d.key) or {}
        sources = {**(entry.get("sources") or {}), **({"self": entry["self"]} if "self" in entry else {})}
        raters = entry.get("raters") or {}
        feedback = d.feedback
        assert feedback is not None  # a feedback360 dimension always has its sources (compile)
        weights = dict(feedback.sources)
        order = [r for r, _ in feedback.sources if r in sources] + sorted(r for r in sources if r not in weights)
        rows = [{"source": t.relation(r), "score": f.score(sources[r]), "raters": raters.get(r, ""),
                 "value": sources[r], "scored": r in weights} for r in order]
        self_gap = None
        if "self" in sources:
            others = [(weights.get(r, 1.0), sources[r]) for r in order if r != "self" and sources[r] is not None]
            total = sum(w for w, _ in others)
            if total:
                mean = sum(w * v for w, v in others) / total
                self_gap = t("feedback.self_gap", self=f.score(sources["self"]), others=f.score(mean),
                             gap=_signed(f, float(sources["self"]) - mean))
        chart = _bar_chart([(r["source"], r["value"], r["score"]) for r in rows], scale_max=100.0, marker=None)
        chart["alt"] = t.localized(d.label, d.key) + ": " + "; ".join(f"{r['source']} {r['score']}" for r in rows)
        out.append({"key": d.key, "label": t.localized(d.label, d.key),
                    "score": f.score(entry.get("score")) if entry.get("score") is not None else "—",
                    "rows": rows, "self_gap": self_gap, "chart": chart if rows else None,
                    "not_scored": t("feedback.not_scored")})
    return out


def _okr_view(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any]) -> list[dict[str, Any]]:
    t, f = c.t, c.f
    out = []
    for d in (card.dimensions if card else ()):
        if d.kind != "okr":
            continue
        entry = (employee.get("dimensions") or {}).get(d.key) or {}
        score = entry.get("score") if entry.get("weight") else None
        objectives = [{"name": str(o.get("objective", "")), "progress": f.percent(o.get("progress"), 0),
                       "value": o.get("progress")} for o in entry.get("objectives") or []]
        out.append({"label": t.localized(d.label, d.key),
                    "score": f.score(score) if score is not None else None,
                    "percent": max(0.0, min(float(score), 100.0)) if score is not None else 0.0,
                    "objectives": objectives})
    return out


def _past(c: _Ctx, history: Sequence[Mapping[str, Any]]) -> tuple[list[Mapping[str, Any]], str]:
    """The stored results of periods before this cycle, oldest first, and this cycle's id: re-running an old
    cycle must not plot the future beside it."""
    cycle = str(c.request.results.get("cycle", ""))
    if not history:
        return [], cycle
    now = _cycle_key(cycle)
    rows = [r for r in history if str(r.get("cycle")) != cycle and (now[0] or _cycle_key(str(r.get("cycle"))) < now)]
    return sorted(rows, key=lambda r: _cycle_key(str(r.get("cycle")))), cycle


def _trend_view(c: _Ctx, employee: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    t, f = c.t, c.f
    past, cycle = _past(c, history)
    rows = [r for r in past if r.get("score") is not None]
    if not rows:
        return None
    rows.append({"cycle": cycle, "score": employee["score"], "grade": employee["grade"],
                 "bonus": employee.get("bonus")})
    # narrow, so that on a phone it is drawn near its own size and its 12 px labels stay readable
    width, height, left, right, top, bottom = 320, 170, 34, 14, 22, 30
    hi = max(120.0, max(float(r["score"]) for r in rows))
    n = len(rows)
    inset = 28  # keeps the first and last labels clear of the axis labels and the edge
    span = width - left - right - 2 * inset
    step = span / max(n - 1, 1)
    every = -(-n // 4)  # at most about four labels along the axis, the last always
    points = []
    for i, r in enumerate(rows):
        x = left + inset + (i * step if n > 1 else span / 2)
        y = top + (1 - float(r["score"]) / hi) * (height - top - bottom)
        labelled = (n - 1 - i) % every == 0
        points.append({"x": round(x, 1), "y": round(y, 1), "cycle": str(r["cycle"]), "score": f.number(r["score"], 2),
                       "grade": str(r.get("grade") or ""), "bonus": f.money(r.get("bonus")), "labelled": labelled})
    grid = [{"y": round(top + (1 - v / hi) * (height - top - bottom), 1), "label": f.integer(v)}
            for v in (0, 50, 100)]
    return {"width": width, "height": height, "points": points, "grid": grid, "left": left,
            "right": width - right, "base": height - bottom, "label_y": height - 10,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            "alt": t("trend.chart", points="; ".join(f"{p['cycle']} {p['score']} ({p['grade']})" for p in points))}


def _kpi_trend(c: _Ctx, past: Sequence[Mapping[str, Any]], cycle: str, path: str, label: str,
               now: float | None) -> dict[str, Any] | None:
    """A small line of one KPI's attainment over the stored periods and this one (the stored results' ``kpis``),
    with the 100 % line for reference; None with fewer than two values."""
    values = []
    for r in past:
        k = (r.get("kpis") or {}).get(path) if isinstance(r.get("kpis"), Mapping) else None
        if k and k.get("attainment") is not None:
            values.append((str(r.get("cycle")), float(k["attainment"])))
    if not values or now is None:
        return None
    values.append((cycle, float(now)))
    width, height, pad = 104, 28, 4
    lo = min(min(v for _, v in values), 1.0)
    hi = max(max(v for _, v in values), 1.0)
    spread = (hi - lo) or 1.0
    step = (width - 2 * pad) / (len(values) - 1)

    def y(v: float) -> float:
        return round(pad + (1 - (v - lo) / spread) * (height - 2 * pad), 1)

    xs = [round(pad + i * step, 1) for i in range(len(values))]
    ys = [y(v) for _, v in values]
    f = c.f
    return {"width": width, "height": height, "ref_y": y(1.0), "x": xs[-1], "y": ys[-1],  # the dot: this cycle
            "polyline": " ".join(f"{x},{yy}" for x, yy in zip(xs, ys, strict=True)),
            "alt": c.t("kpi.trend_chart", kpi=label, points="; ".join(f"{p} {f.percent(v)}" for p, v in values))}


def _share(f: Formatter | _Memo, value: float) -> str:
    """A tier's attainment as a percentage: whole when it is (80 %), else to a tenth (87.5 %)."""
    return f.percent(value, 0 if abs(value * 100 - round(value * 100)) < 1e-9 else 1)


def _plain_number(f: Formatter | _Memo, value: float) -> str:
    return f.number(value, 0 if float(value).is_integer() else 2)


def _focus_target(card: Scorecard | None, key: str):
    """What a focus key names: (dimension, None) for an OKR, 360 or periods dimension, (None, KPI) for a KPI."""
    if card is None:
        return None, None
    dim = card.dimension(key) if "." not in key else None
    if dim is not None and dim.kind != "kpis":
        return dim, None
    named = card.kpis_named(key)
    return None, (named[0] if named else None)


def _focus_items(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any],
                 kpi_rows: Mapping[str, Mapping[str, Any]] | None = None,
                 plain: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The results' ``focus_areas`` in their order (the items that lost the most weighted points, the plan's
    focus too), each with its points lost and where it stands: the one list every page shows.  ``plain``: a
    list to which the same items without ``kpi_rows`` are added (the plan's), made in the same pass."""
    t, f = c.t, c.f
    lost = employee.get("lost_points") or {}
    out = []
    for key in employee.get("focus_areas") or []:
        label = _label_of(c, card, key)
        memo = ("focus", card.key if card is not None else None, key)
        target = c.memo.get(memo)
        if target is None:
            target = c.memo[memo] = _focus_target(card, key)
        dim, kpi = target
        detail = alone = None  # alone: the detail without the team's figures (kpi_rows), when it differs
        teamed = False
        if kpi is not None:
            row = (kpi_rows or {}).get(kpi.path)
            att = ((employee.get("kpis") or {}).get(kpi.path) or {}).get("attainment")
            if row is not None and row.get("average"):
                detail = t("focus.kpi_team", attainment=row["attainment"], average=row["average"])
                teamed = True
                if plain is not None and att is not None:
                    alone = _said(c, "focus.kpi", attainment=f.percent(att))
            elif att is not None:
                detail = _said(c, "focus.kpi", attainment=f.percent(att))
        elif dim is not None:
            score = ((employee.get("dimensions") or {}).get(dim.key) or {}).get("score")
            if score is not None:
                detail = _said(c, "focus.dimension", score=f.score(score))
        points = _said(c, "plan.lost", points=f.number(lost.get(key), 1)) if key in lost else None
        note = " · ".join(x for x in (points, detail) if x)
        item = {"key": key, "label": label, "lost": points, "detail": detail, "note": note,
                "text": label + t("punct.colon") + note if note else label}
        out.append(item)
        if plain is not None:
            if teamed:
                note = " · ".join(x for x in (points, alone) if x)
                item = {"key": key, "label": label, "lost": points, "detail": alone, "note": note,
                        "text": label + t("punct.colon") + note if note else label}
            plain.append(item)
    return out


def _reach_view(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any],
                found: Mapping[str, Any]) -> list[dict[str, str]]:
    """What is within reach (the core's :func:`appraise.core.insights.insights`, as given): the next grade,
    the next bonus tier in the KPI's unit and in money, and why the bonus changed since the previous period."""
    if not found:
        return []
    t, f, rs = c.t, c.f, c.rs
    out = []
    grade = found.get("next_grade")
    if grade:
        out.append({"id": "reach-grade", "text": _next_grade_text(c, employee, grade)})
    elif rs.grades and employee.get("grade_uncalibrated") == rs.grades[0].grade and not employee.get("override"):
        out.append({"id": "reach-grade", "text": t("reach.top_grade", grade=rs.grades[0].grade)})
    tier = found.get("next_tier")
    plan = rs.bonus
    if tier and plan is not None:
        unit = _unit(c, card, tier["kpi"])
        move = t("reach.less" if tier["direction"] == "lower" else "reach.more", kpi=_label_of(c, card, tier["kpi"]),
                 gap=f.measure(tier["gap"], unit), needed=f.measure(tier["needed"], unit),
                 share=_share(f, tier["from"]))
        worth = _decimal(tier.get("worth"))
        values = {"move": move, "n": tier["tier"], "total": len(plan.tiers)}
        multiplier = plan.multiplier.get(tier.get("grade") or "", Decimal(1)) if plan.multiplier else Decimal(1)
        if worth is not None and worth > 0:
            text = t("reach.tier", worth=f.money(tier["worth"]), **values)
        elif multiplier == 0:
            text = t("reach.tier_unpaid", pays=f.money(tier.get("pays")), multiplier=_decimal_text(multiplier),
                     grade=tier.get("grade") or "", **values)
        else:
            text = t("reach.tier_capped", **values)
        out.append({"id": "reach-tier", "text": text})
    elif plan is not None and employee.get("bonus_detail"):
        detail = employee["bonus_detail"]
        if detail.get("attainment") is not None and (detail.get("tiers_reached") or 0) >= len(plan.tiers) > 0:
            out.append({"id": "reach-tier", "text": t("reach.all_tiers", kpi=_label_of(c, card, plan.attainment),
                                                        attainment=f.percent(detail["attainment"]))})
    change = found.get("bonus_change")
    if change:
        out.append({"id": "reach-bonus", "text": _bonus_change_text(c, card, change)})
    return out


def _next_grade_text(c: _Ctx, employee: Mapping[str, Any], grade: Mapping[str, Any]) -> str:
    """The next grade: its minimum and the points to go, or, when calibration moved the person down, the grade
    just above theirs and that it takes a place in the cohort (shown only in a cohort of at least min_group)."""
    t, f = c.t, c.f
    values = {"grade": grade["grade"], "min": _plain_number(f, grade["min"]), "points": f.number(grade["points"], 2)}
    seats, moved = grade.get("seats"), grade.get("calibrated")
    text = t("reach.calibrated", score=f.number(employee["score"], 2), band=moved.get("band") or "",
             held=moved.get("held") or "", **values) if moved else t("reach.grade", **values)
    if seats:
        limit = {"cohort": seats["cohort"], "size": seats["cohort_size"], "seats": seats["seats"],
                 "limited": seats["seats_grade"], "share": _share(f, seats["seats_share"])}
        text += t("reach.seats_none" if seats["seats"] == 0 else "reach.seats", **limit)
        if seats.get("place") is not None and seats["cohort_size"] >= c.rs.min_group:
            text += t("reach.place", place=seats["place"], size=seats["cohort_size"])
        if seats["seats"] > 0:
            text += t("reach.calibrated_needs" if moved else "reach.seats_enough", **values, seats=seats["seats"])
    return text


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value))
    except InvalidOperation:
        return None


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize() if value != 0 else Decimal(0), "f")


def _signed_money(f: Formatter | _Memo, amount: Any) -> str:
    d = _decimal(amount) or Decimal(0)
    return ("+" if d > 0 else "−" if d < 0 else "") + f.money(_decimal_text(abs(d)))


def _bonus_change_text(c: _Ctx, card: Scorecard | None, change: Mapping[str, Any]) -> str:
    """One line: the bonus against the previous period's, and the (at most two) largest reasons."""
    t, f, rs = c.t, c.f, c.rs
    delta = _decimal(change.get("change")) or Decimal(0)
    values = {"now": f.money(change.get("now")), "previous": f.money(change.get("previous")),
              "cycle": change.get("cycle", ""), "change": f.money(_decimal_text(abs(delta)))}
    text = t("change.up" if delta > 0 else "change.down" if delta < 0 else "change.same", **values)
    before, after = (change.get("score") or [None, None])[:2]
    if before is not None and after is not None and delta != 0:
        if delta < 0 and after > before:
            text += t("change.score_rose", before=f.number(before, 2), after=f.number(after, 2))
        elif delta > 0 and after < before:
            text += t("change.score_fell", before=f.number(before, 2), after=f.number(after, 2))
    grades = change.get("grade") or [None, None]
    reasons = []
    for e in (change.get("effects") or [])[:2]:
        amount = _signed_money(f, e.get("amount"))
        kind = e.get("kind")
        if kind == "tiers":
            att = e.get("attainment") or [None, None]
            tiers = e.get("tiers") or [None, None]
            reasons.append(t("effect.tiers", kpi=_label_of(c, card, e.get("kpi") or ""), before=f.percent(att[0]),
                             after=f.percent(att[1]), tiers_before=tiers[0], tiers_after=tiers[1],
                             total=len(rs.bonus.tiers) if rs.bonus else "", amount=amount))
        elif kind == "multiplier":
            m = e.get("multiplier") or ["", ""]
            reasons.append(t("effect.multiplier", before=grades[0] or "", after=grades[1] or "", m_before=m[0],
                             m_after=m[1], amount=amount))
        elif kind == "target":
            target = e.get("target") or [None, None]
            reasons.append(t("effect.target", before=f.money(target[0]), after=f.money(target[1]), amount=amount))
        elif kind == "excess":
            excess = e.get("excess") or [None, None]
            reasons.append(t("effect.excess", kpi=_label_of(c, card, e.get("kpi") or ""), before=f.money(excess[0]),
                             after=f.money(excess[1]), amount=amount))
        elif kind == "cap":
            cap = e.get("cap") or [None, None]
            reasons.append(t("effect.cap", cap=f.money(cap[1] if cap[1] is not None else cap[0]), amount=amount))
        elif kind == "netting":
            reasons.append(t("effect.netting", amount=amount))
        elif kind == "component":  # an incentive plan's component (the one that moved most comes first)
            reasons.append(_component_effect_text(c, card, e, amount))
        elif kind == "draw":
            reasons.append(t("effect.guarantee_draw" if e.get("guarantee") and e.get("draw") else
                             "effect.guarantee" if e.get("guarantee") else "effect.draw", amount=amount))
    return text + (t("change.because", reasons=t("change.sep").join(reasons)) if reasons else t("change.end"))


def _component_effect_text(c: _Ctx, card: Scorecard | None, e: Mapping[str, Any], amount: str) -> str:
    """One component's part of the bonus change: its attainment (or its measure) and its pay, then and now."""
    t, f, rs = c.t, c.f, c.rs
    comp = next((x for x in (rs.bonus.components if rs.bonus else ()) if x.key == e.get("component")), None)
    label = t.localized(comp.label, comp.key) if comp is not None else str(e.get("component") or "")
    paid = e.get("paid") or [None, None]
    values = {"label": label, "before": f.money(paid[0]), "after": f.money(paid[1]), "amount": amount}
    att = e.get("attainment")
    if att and att[0] is not None and att[1] is not None:
        return t("effect.component_attainment", att_before=f.percent(att[0]), att_after=f.percent(att[1]), **values)
    actual = e.get("actual") or [None, None]
    if actual[0] is not None and actual[1] is not None:
        unit = getattr(rs.metric(str(e.get("measure") or "")), "unit", "number")
        return t("effect.component_actual", measure=_label_of(c, card, str(e.get("measure") or "")),
                 actual_before=f.measure(actual[0], unit), actual_after=f.measure(actual[1], unit), **values)
    return t("effect.component", **values)


def _competency_view(c: _Ctx, detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The 360 ratings by competency (rows) and relation (columns: self, others, then each source shown), and
    the comments by relation, as the core gave them (anonymity thresholds applied there)."""
    if not detail:
        return {"competencies": None, "comments": []}
    t, f = c.t, c.f
    rows = detail.get("competencies") or []
    relations: list[str] = []
    for row in rows:
        relations += [r for r in row.get("sources") or {} if r != "self" and r not in relations]
    has_self = any(row.get("self") is not None for row in rows)
    memo = ("competency columns", has_self, tuple(relations))  # the same few for everyone
    columns = c.memo.get(memo)
    if columns is None:
        columns = c.memo[memo] = ([t.relation("self")] if has_self else []) + [t("feedback.others")] \
            + ([t("feedback.self_minus_others")] if has_self else []) + [t.relation(r) for r in relations]
    table = []
    for row in rows:
        own, others = row.get("self"), row.get("others")
        cells = ([f.number(own, 1) if own is not None else "—"] if has_self else []) \
            + [f.number(others, 1) if others is not None else "—"] \
            + ([_signed(f, own - others) if own is not None and others is not None else "—"] if has_self else []) \
            + [f.number(row["sources"][r], 1) if r in row.get("sources", {}) else "—" for r in relations]
        table.append({"label": t.competency(str(row["key"])),
                      "cells": [{"text": x, "label": h} for x, h in zip(cells, columns, strict=True)]})
    out: dict[str, Any] = {"competencies": {"columns": columns, "rows": table,
                                            "note": t("feedback.scale", scale=_plain_number(f, detail.get("scale", 5)))}
                           if table else None}
    out["comments"] = [{"relation": t.relation(str(group["relation"])), "texts": list(group.get("texts") or [])}
                       for group in detail.get("comments") or []]
    return out


@lru_cache(maxsize=4096)
def _cycle_key(cycle: str):
    try:
        p = parse_period(cycle)
        return (0, p.start, p.months_count, cycle)
    except ValueError:
        return (1, date.min, 0, cycle)


# --------------------------------------------------------------------------- improvement plan


@lru_cache(maxsize=256)
def _plan_dates(cycle: str, horizon_weeks: int) -> tuple[date, tuple[tuple[int, date], ...]]:
    """The plan's start (day after the period ends) and its checkpoints (week, date); the last is the review."""
    start = parse_period(cycle).end + timedelta(days=1)
    horizon = max(int(horizon_weeks), 1)
    step = min(CHECKPOINT_WEEKS, horizon)
    weeks = list(range(step, horizon, step)) + [horizon]
    return start, tuple((w, start + timedelta(weeks=w)) for w in weeks)


def plan_dates(cycle: str, horizon_weeks: int) -> tuple[date, list[tuple[int, date]]]:
    """The plan's start (day after the period ends) and its checkpoints (week, date); the last is the review."""
    start, checkpoints = _plan_dates(cycle, horizon_weeks)
    return start, list(checkpoints)


def plan_view(request: RenderRequest, employee: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """Development suggestions for everyone; a formal plan (goals, owner, checkpoints, sign-off) when due."""
    return _plan_view(request, employee, locale or request.employee_locale(employee["id"]))


_SHARED = ("score", "ruleset_title", "scorecard", "team", "confidential", "override", "employed", "periods")


def _plan_view(request: RenderRequest, employee: Mapping[str, Any], locale: str,
               dashboard: Mapping[str, Any] | None = None,
               focus_items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``dashboard``: the employee's dashboard view in ``locale`` (:func:`personal_views`), whose ``_SHARED``
    entries the plan shows as they are; ``focus_items``: :func:`_focus_items` of the employee, made with it."""
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
    card = rs.scorecard(employee["scorecard"])
    formal = bool(employee.get("plan"))
    heading = t("plan.title_formal") if formal else t("plan.title")
    focus = []
    if focus_items is None:
        focus_items = _focus_items(c, card, employee)
    for item in focus_items:  # the dashboard's areas to improve, the results' focus_areas
        key = item["key"]
        memo_key = ("playbook", card.key if card else None, key)
        entry = c.memo[memo_key] if memo_key in c.memo else c.memo.setdefault(memo_key, _playbook(rs, card, key))
        focus.append({"key": key, "label": item["label"], "lost": item["lost"], "detail": item["detail"],
                      "note": item["note"],
                      "focus": t.localized(entry.focus) if entry else None,
                      "actions": [t.localized(a) for a in entry.actions] if entry else []})
    if dashboard is not None:
        shared = {key: dashboard[key] for key in _SHARED}
    else:
        shared = {"score": f.number(employee["score"], 2), "ruleset_title": t.localized(rs.title, rs.id),
                  "scorecard": _label_of_card(c, card, employee["scorecard"]), "team": cohort_value(employee),
                  "confidential": t("confidential", name=employee["name"]),
                  "override": _override_note(c, employee), "employed": _employed_note(c, employee),
                  "periods": _periods_view(c, card, employee)}
    view: dict[str, Any] = {
        "lang": locale, "kind": "plan", "formal": formal,
        "title": f"{heading} · {employee['name']} · {request.results.get('cycle', '')}",
        "heading": t("page.h1", title=heading, name=employee["name"]), "name": employee["name"], "id": employee["id"],
        "cycle": request.results.get("cycle", ""), "grade": employee["grade"],
        "score": shared["score"], "ruleset_title": shared["ruleset_title"], "scorecard": shared["scorecard"],
        "team": shared["team"], "confidential": shared["confidential"],
        "links": {"dashboard": "../" + dashboard_path(employee["id"])},
        "intro": t("plan.intro"), "focus": focus,
        "outcomes": [t.localized(o.label, o.id) for o in rs.outcomes if o.id in (employee.get("outcomes") or [])],
        "override": shared["override"], "employed": shared["employed"], "periods": shared["periods"],
    }
    if not formal:
        return view
    info = request.employees_info.get(employee["id"]) or {}
    owner = str(info.get("manager") or "").strip() or t("plan.owner_default")
    weeks = rs.plan.horizon_weeks
    view["formal_intro"] = t("plan.formal_intro", weeks=weeks)
    view["owner"] = owner
    goals: list[dict[str, Any]] = []
    for key in employee.get("focus_areas") or []:
        goals.append({"text": _goal(c, card, employee, key), "owner": owner,
                      "actions": next((x["actions"] for x in focus if x["key"] == key), [])})
    view["goals"] = goals
    try:
        start, checkpoints = _plan_dates(str(request.results.get("cycle", "")), weeks)
    except ValueError:
        start, checkpoints = None, ()
    rows = []
    for n, (week, when) in enumerate(checkpoints, 1):
        last = n == len(checkpoints)
        rows.append({"week": t("plan.week", n=week), "date": f.date(when),
                     "what": t("plan.review") if last else t("plan.checkpoint", n=n), "final": last})
    view["checkpoints"] = rows
    if start and checkpoints:
        view["period"] = t("plan.period", start=f.date(start), end=f.date(checkpoints[-1][1]))
        view["review_date"] = f.date(checkpoints[-1][1])
    view["signoff"] = [t("plan.sign_employee"), t("plan.sign_manager"), t("plan.sign_hr")]
    return view


def _playbook(rs: Ruleset, card: Scorecard | None, key: str):
    """The playbook entry for a focus key: the KPI (full path or id), its dimension, or ``feedback360``."""
    book = rs.playbook
    candidates = [key]
    if "." in key:
        candidates.append(key.split(".", 1)[1])
        candidates.append(key.split(".", 1)[0])
    if card is not None:
        dim = card.dimension(key)
        if dim is not None and dim.kind == "feedback360":
            candidates.append("feedback360")
        named = card.kpis_named(key)
        if named:
            candidates.append(named[0].dimension)
    return next((book[k] for k in candidates if k in book), None)


def _goal(c: _Ctx, card: Scorecard | None, employee: Mapping[str, Any], key: str) -> str:
    t, f = c.t, c.f
    kpis = card.kpis_named(key) if card else ()
    if kpis:
        k = kpis[0]
        r = (employee.get("kpis") or {}).get(k.path) or {}
        unit = _unit(c, card, k.path)
        label = t.localized(k.label, k.key)
        target = f.measure(r.get("target"), unit)
        if r.get("actual") is None:
            return t("plan.goal_kpi_nodata", kpi=label, target=target)
        template = "plan.goal_kpi_lower" if k.direction == "lower" else "plan.goal_kpi"
        return t(template, kpi=label, current=f.measure(r["actual"], unit), target=target)
    entry = (employee.get("dimensions") or {}).get(key) or {}
    current = entry.get("score")
    label = _label_of(c, card, key)
    if current is None:
        return label
    goal = min(100.0, float(current) + (100.0 - float(current)) / 2)
    return t("plan.goal_dimension", dimension=label, current=f.score(current), target=f.integer(-(-goal // 1)))


# --------------------------------------------------------------------------- team overview and index


def _grade_chart(c: _Ctx, counts: Sequence[tuple[str, int]]) -> dict[str, Any]:
    width, height, left, bottom, top = 300, 170, 24, 28, 18  # drawn near its own size on a phone too
    hi = max([1] + [n for _, n in counts])
    slot = (width - left) / max(len(counts), 1)
    bars = []
    for i, (grade, n) in enumerate(counts):
        h = n / hi * (height - top - bottom)
        x = left + i * slot + slot * 0.2
        bars.append({"grade": grade, "count": n, "x": round(x, 1), "w": round(slot * 0.6, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1),
                     "cx": round(x + slot * 0.3, 1), "ty": round(height - bottom - h - 4, 1)})
    return {"width": width, "height": height, "bars": bars, "base": height - bottom, "label_y": height - 10,
            "left": left, "alt": c.t("overview.grades_chart", counts="; ".join(f"{g} {n}" for g, n in counts))}


def _summary(c: _Ctx, members: Sequence[Mapping[str, Any]], withheld: str | None = None) -> dict[str, Any]:
    """Head count, average score, grade distribution and bonus total of a group; with ``withheld`` (the
    reason, for the reader) only the head count: the figures are not computed, so no template can show them."""
    t, f, rs = c.t, c.f, c.rs
    if withheld is not None:
        return {"people": len(members), "withheld": withheld, "average": None, "grades": None,
                "grade_chart": None, "bonus": None, "bonus_vs_target": None}
    counts = list(grade_counts(members, rs).items())
    bonus = money_total(e.get("bonus") for e in members)
    # against the cycle's targets (after target_period and proration), what the period earned (before netting)
    target = money_total((e.get("bonus_detail") or {}).get("target_cycle", (e.get("bonus_detail") or {}).get("target"))
                        for e in members)
    earned = money_total(e.get("bonus_gross", e.get("bonus")) for e in members)
    summary = {"people": len(members), "withheld": None,
               "average": _average(c, members),
               "grades": counts, "grade_chart": _grade_chart(c, counts),
               "bonus": f.money(bonus) if bonus is not None else None, "bonus_vs_target": None}
    if earned is not None and target:
        summary["bonus_vs_target"] = t("overview.bonus_vs_target", share=f.percent(float(earned / target)),
                                       target=f.money(_cents(target)))
    return summary


def _average(c: _Ctx, members: Sequence[Mapping[str, Any]]) -> str:
    return c.f.score(sum(float(e["score"]) for e in members) / len(members)) if members else "—"


def team_view(request: RenderRequest, cohort: str | None, members: Sequence[Mapping[str, Any]],
              locale: str | None = None) -> dict[str, Any]:
    """One cohort's overview for HR and managers: names and figures of everyone in it."""
    locale = locale or request.locale
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
    name = cohort if cohort is not None else t("overview.no_team")
    view: dict[str, Any] = {"lang": locale, "kind": "team", "heading": t("team.title", team=name),
                            "title": f"{t('team.title', team=name)} · {request.results.get('cycle', '')}",
                            "cycle": request.results.get("cycle", ""), "ruleset_title": t.localized(rs.title, rs.id),
                            "confidential": t("confidential.team"), "links": {"index": "../index.html"}}
    small = len(members) < rs.min_group
    view.update(_summary(c, members, t("privacy.small_group_note", n=rs.min_group) if small else None))
    sections = []
    for card in rs.scorecards:
        people = [e for e in members if e["scorecard"] == card.key]
        if not people:
            continue
        columns = [{"path": k.path, "label": t.localized(k.label, k.key)} for d in card.dimensions for k in d.kpis]
        rows = []
        for e in people:
            cells = []
            for col in columns:
                r = (e.get("kpis") or {}).get(col["path"]) or {}
                active = bool(r.get("weight")) and r.get("attainment") is not None
                cells.append({"text": f.percent(r.get("attainment"), 0) if active else "—",
                              "level": _level(r.get("attainment")) if active else "none", "label": col["label"]})
            rows.append({"name": e["name"], "id": e["id"], "score": f.number(e["score"], 2), "grade": e["grade"],
                         "cells": cells, "dashboard": "../" + dashboard_path(e["id"]),
                         "plan": "../" + plan_path(e["id"]), "needs_plan": bool(e.get("plan"))})
        sections.append({"label": _label_of_card(c, card, card.key), "columns": columns, "rows": rows})
    view["sections"] = sections
    view["plans"] = [{"name": e["name"], "id": e["id"], "href": "../" + plan_path(e["id"]), "grade": e["grade"]}
                     for e in members if e.get("plan")]
    return view


def index_view(request: RenderRequest, groups: Mapping[str | None, Sequence[Mapping[str, Any]]],
               locale: str | None = None, rendered: set[str | None] | None = None) -> dict[str, Any]:
    """The cycle's front page: totals and one row per team, linking to every overview.

    ``rendered`` (a slice, ``appraise run --pages``): the teams whose overviews exist.  The index still lists
    every team with the whole cycle's figures (the same privacy rules), links only those overviews, and says
    which slice was rendered."""
    locale = locale or request.locale
    c = context(request, locale)
    t, rs = c.t, c.rs
    everyone = [e for members in groups.values() for e in members]
    cycle = request.results.get("cycle", "")
    view: dict[str, Any] = {"lang": locale, "kind": "index", "heading": f"{t('index.title')} · {cycle}",
                            "title": f"{t('index.title')} · {t.localized(rs.title, rs.id)} · {cycle}",
                            "cycle": cycle, "ruleset_title": t.localized(rs.title, rs.id),
                            "confidential": t("confidential.team"), "links": {}}
    k = rs.min_group
    withheld, totals_shown = withheld_groups({cohort: len(members) for cohort, members in groups.items()}, k)
    totals_reason = None
    if not totals_shown:
        totals_reason = t("privacy.small_group_note", n=k) if len(everyone) < k else t("privacy.totals_withheld", n=k)
    view.update(_summary(c, everyone, totals_reason))
    teams = []
    for cohort, members in groups.items():
        row = {"name": cohort if cohort is not None else t("overview.no_team"),
               "href": team_path(cohort) if rendered is None or cohort in rendered else None,
               "people": len(members), "withheld": None}
        if cohort in withheld:
            row["withheld"] = t("privacy.small_group", n=k) if withheld[cohort] == "small" else t(
                "privacy.complement", n=k)
        else:  # the figures of _summary the row shows, and only those
            bonus = money_total(e.get("bonus") for e in members)
            row.update({"average": _average(c, members), "bonus": c.f.money(bonus) if bonus is not None else "—",
                        "grades": ", ".join(f"{g} {n}" for g, n in grade_counts(members, rs).items() if n),
                        "plans": sum(1 for e in members if e.get("plan"))})
        teams.append(row)
    view["teams"] = teams
    errors = request.results.get("errors") or []
    view["errors"] = t("overview.errors", count=len({e.get("employee") for e in errors})) if errors else None
    if request.pages is not None and rendered is not None:
        view["slice"] = t("index.slice", pages=str(request.pages), teams=len(rendered), total=len(groups),
                          people=sum(len(members) for cohort, members in groups.items() if cohort in rendered))
    return view


