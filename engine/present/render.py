"""The render stage: results.json → personal dashboards, improvement plans, team overviews.

:func:`render_all` is the stage's entry point.  It bundles everything a page
needs into a :class:`RenderRequest` and hands it to every renderer registered
through the ``appraise_renderers`` hook (the built-in HTML renderer is an
ordinary plugin, :mod:`appraise.plugins.html_renderer`).

The functions :func:`dashboard_view`, :func:`plan_view`, :func:`team_view` and
:func:`index_view` turn one employee's (or one cohort's) results into a *view*:
plain data — strings already translated and formatted for the reader's
locale, chart geometry already computed — so a renderer (HTML, PDF, e-mail)
only lays it out and ruleset template overrides never compute anything.

Privacy is decided here, not in templates: a personal view holds the
employee's own figures plus cohort aggregates (average, rank, size) and only
when the cohort holds at least the ruleset's ``privacy.min_group`` people.  It
never holds another person's name, id or value.  Team overviews and the index
(read by line managers) hold no aggregate of a group smaller than
``min_group``, nor one that would let such a group's figures be worked out by
subtraction (:func:`withheld_groups`); a withheld figure is not in the view at
all, so no template override can show it.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, Sequence, runtime_checkable

from appraise.language.compile import MIN_GROUP, Ruleset, Scorecard
from appraise.errors import AppraiseError
from appraise.i18n import Formatter, Texts, formatter, normalize_locale

STRENGTH_ATTAINMENT = 1.10
CHECKPOINT_WEEKS = 4
MAX_LISTED = 5            # strengths and gaps shown: the biggest, so the page stays a summary


class RenderError(AppraiseError):
    """A report cannot be rendered as configured (bad branding, template path outside the ruleset...)."""


@dataclass(frozen=True)
class RenderRequest:
    """Everything a renderer receives.

    ``results`` is the results.json document; ``employees_info`` maps an
    employee id to extra columns of the employees table (``locale``,
    ``manager``...); ``history`` maps an employee id to earlier cycles
    (``{cycle, score, grade, bonus}`` each); ``locale`` is the language of
    pages without a reader of their own (team overviews, index) and of
    employees without a ``locale`` column.
    """

    results: Mapping[str, Any]
    ruleset: Ruleset
    employees_info: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    history: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)
    locale: str = "en"

    @property
    def ruleset_dir(self) -> Path | None:
        """The folder of the ruleset file: report assets and templates must live inside it."""
        return Path(self.ruleset.source).resolve().parent if self.ruleset.source else None

    def employee_locale(self, employee_id: str) -> str:
        """The reader's language: the employee's ``locale`` column, else the request's default."""
        info = self.employees_info.get(employee_id) or {}
        return normalize_locale(info.get("locale"), self.locale)


@runtime_checkable
class Renderer(Protocol):
    """An output renderer, registered through ``appraise_renderers(register)``.

    ``name`` identifies it (duplicates are an error); ``render`` writes its
    files under ``out_dir`` and returns their paths relative to ``out_dir``.
    It must be deterministic: the same request gives byte-identical files.
    """

    name: str

    def render(self, request: RenderRequest, out_dir: Path) -> list[Path]: ...


# --------------------------------------------------------------------------- stage


def renderers() -> dict[str, Renderer]:
    """Every renderer registered through the ``appraise_renderers`` hook, by name."""
    from appraise.plugins import get_plugin_manager

    pm = get_plugin_manager()
    found: dict[str, Renderer] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.appraise_renderers.get_hookimpls():
        def register(renderer, _plugin=impl.plugin_name):
            instance = renderer() if isinstance(renderer, type) else renderer
            if not isinstance(getattr(instance, "name", None), str) or not callable(getattr(instance, "render", None)):
                raise RenderError(f"plugin '{_plugin}' registered a renderer without a 'name' and a "
                                  "'render(request, out_dir)' method (see appraise.present.render.Renderer)")
            if instance.name in found:
                raise RenderError(f"renderer '{instance.name}' is registered by both plugin "
                                  f"'{owner[instance.name]}' and plugin '{_plugin}'; uninstall one of them "
                                  "or restrict APPRAISE_PLUGINS")
            found[instance.name] = instance
            owner[instance.name] = _plugin
        impl.function(register=register)
    return dict(sorted(found.items()))


def render_all(results_doc: Mapping[str, Any], ruleset: Ruleset, out_dir: str | Path, *,
               employees_info: Mapping[str, Mapping[str, Any]] | None = None,
               history: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
               locale: str | None = None, only: Iterable[str] | None = None) -> list[Path]:
    """Render every report of a cycle into ``out_dir``; returns the files written (relative, sorted).

    Calls each registered renderer (or only those named in ``only``).  Pages:
    ``dashboards/<id>.html``, ``plans/<id>.html``, ``teams/<cohort>.html`` and
    ``index.html`` from the built-in HTML renderer.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    request = RenderRequest(results_doc, ruleset, dict(employees_info or {}), normalize_history(history),
                            normalize_locale(locale or ruleset.locale))
    chosen = renderers()
    if only is not None:
        wanted = list(only)
        unknown = [n for n in wanted if n not in chosen]
        if unknown:
            raise RenderError(f"no renderer named {', '.join(unknown)}; installed: {', '.join(chosen) or 'none'}")
        chosen = {n: chosen[n] for n in wanted}
    written: list[Path] = []
    for renderer in chosen.values():
        written.extend(Path(p) for p in renderer.render(request, out))
    return sorted(set(written))


def normalize_history(history) -> dict[str, list[dict[str, Any]]]:
    """``{id: [{cycle, score, grade, bonus}, ...]}`` from that shape or a flat list with ``employee``/``id``."""
    if not history:
        return {}
    if isinstance(history, Mapping):
        return {str(k): [dict(r) for r in v] for k, v in history.items()}
    out: dict[str, list[dict[str, Any]]] = {}
    for row in history:
        key = str(row.get("employee", row.get("id")))
        out.setdefault(key, []).append(dict(row))
    return out


# --------------------------------------------------------------------------- files and cohorts

_UNSAFE = re.compile(r"[^\w.-]", re.UNICODE)


def file_stem(value: Any) -> str:
    """A file name for an id or cohort value that cannot escape its folder or collide after cleaning."""
    text = str(value)
    clean = _UNSAFE.sub("_", text).lstrip(".")[:80]
    if clean == text and clean:
        return clean
    return f"{clean or 'x'}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def cohort_value(employee: Mapping[str, Any]) -> str | None:
    """The calibration cohort value (e.g. the team) of one result, None without calibration."""
    cal = employee.get("calibration") or {}
    value = cal.get("cohort")
    return None if value is None else str(value)


def dashboard_path(employee_id: str) -> str:
    return f"dashboards/{file_stem(employee_id)}.html"


def plan_path(employee_id: str) -> str:
    return f"plans/{file_stem(employee_id)}.html"


def team_path(cohort: str | None) -> str:
    return f"teams/{file_stem(cohort if cohort is not None else 'all')}.html"


class CohortStats:
    """KPI attainments of one comparison cohort (same scorecard, same cohort value).

    Holds sorted values only: it answers "average" and "rank" questions and
    never hands out anyone's individual value, and answers only for groups of
    at least ``min_group`` people (the ruleset's ``privacy.min_group``).
    """

    def __init__(self, members: Sequence[Mapping[str, Any]], min_group: int = MIN_GROUP):
        self.size = len(members)
        self.min_group = int(min_group)
        self._values: dict[str, list[float]] = {}
        for e in members:
            for path, k in (e.get("kpis") or {}).items():
                if k.get("weight") and k.get("attainment") is not None:
                    self._values.setdefault(path, []).append(float(k["attainment"]))
        for v in self._values.values():
            v.sort()

    def compare(self, path: str, mine: float, min_group: int | None = None) -> tuple[float, int, int] | None:
        """(average, rank, count) of ``path`` when at least ``min_group`` people (the larger of this
        cohort's and the argument) have a value, else None."""
        values = self._values.get(path) or []
        if len(values) < max(self.min_group, min_group or 0):
            return None
        higher = len(values) - bisect_right(values, mine)
        return sum(values) / len(values), higher + 1, len(values)


def cohorts(results: Mapping[str, Any]) -> dict[tuple[str, str | None], list[Mapping[str, Any]]]:
    """Employees grouped by (scorecard, cohort value), in results order."""
    groups: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
    for e in results.get("employees") or []:
        groups.setdefault((e["scorecard"], cohort_value(e)), []).append(e)
    return groups


# --------------------------------------------------------------------------- shared helpers


@dataclass
class _Ctx:
    """What every view builder needs for one locale."""

    request: RenderRequest
    t: Texts
    f: Formatter

    @property
    def rs(self) -> Ruleset:
        return self.request.ruleset


def context(request: RenderRequest, locale: str) -> _Ctx:
    """Texts and formatter for ``locale`` with the ruleset's wording overrides."""
    wording = (request.ruleset.report or {}).get("wording") or {}
    key = (locale, json.dumps(wording, sort_keys=True, ensure_ascii=False, default=str))
    texts = _TEXTS.get(key)
    if texts is None:
        texts = _TEXTS[key] = Texts(locale, wording)
    return _Ctx(request, texts, formatter(locale, str(request.results.get("currency") or request.ruleset.currency)))


_TEXTS: dict[tuple[str, str], Texts] = {}


def _rule_labels(c: _Ctx, ids: Iterable[str]) -> list[str]:
    by_id = {r.id: r for r in c.rs.rules}
    return [c.t.localized(by_id[i].label, i) if i in by_id else i for i in ids]


def _label_of(c: _Ctx, card: Scorecard | None, key: str) -> str:
    """The reader's label of a dimension, ``dim.kpi`` path, bare KPI id or ``feedback360``."""
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
    kpi = card.kpi(path) if card else None
    metric = c.rs.metric(kpi.metric) if kpi else None
    return metric.unit if metric else "number"


def _touches(rule, path: str, siblings: Sequence[str]) -> tuple[bool, bool]:
    """(changes the weight of ``path``, scales its target) for one rule."""
    weight = target = False
    key = path.rsplit(".", 1)[-1]
    for a in rule.actions:
        if a.kind == "scale_target":
            target |= a.path in (path, key)
        elif a.kind == "shift":
            weight |= path in (a.source, a.target) or (a.source in siblings and a.target in siblings)
        else:
            weight |= a.path == path or a.path in siblings
    return weight, target


def _signed(f: Formatter, value: float) -> str:
    text = f.number(abs(value), 1)
    return ("+" if value > 0 else "−" if value < 0 else "") + text


def _bar_chart(rows: Sequence[tuple[str, float | None, str]], *, width: int = 640, scale_max: float = 120.0,
               marker: float | None = 100.0) -> dict[str, Any]:
    """Horizontal bars: rows of (label, value, value text) → geometry for an inline SVG."""
    label_w, pad, row_h, bar_h = 190, 8, 30, 18
    top = max([scale_max] + [v for _, v, _ in rows if v is not None])
    plot_w = width - label_w - 70
    bars = []
    for i, (label, value, text) in enumerate(rows):
        y = pad + i * row_h
        w = 0.0 if value is None else max(0.0, value) / top * plot_w
        bars.append({"label": label, "y": y, "ty": y + bar_h - 4, "x": label_w, "w": round(w, 1),
                     "tx": round(label_w + w + 6, 1), "h": bar_h, "text": text, "empty": value is None})
    height = pad * 2 + len(rows) * row_h
    out = {"width": width, "height": height, "bars": bars, "label_w": label_w, "marker_x": None}
    if marker is not None:
        out["marker_x"] = round(label_w + marker / top * plot_w, 1)
    return out


# --------------------------------------------------------------------------- personal dashboard


def dashboard_view(request: RenderRequest, employee: Mapping[str, Any], stats: CohortStats | None,
                   locale: str | None = None) -> dict[str, Any]:
    """Everything one employee's dashboard shows, formatted for their locale."""
    locale = locale or request.employee_locale(employee["id"])
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
        "heading": t("page.h1", title=t("dashboard.title"), name=employee["name"]), "name": employee["name"], "id": employee["id"],
        "cycle": request.results.get("cycle", ""),
        "ruleset_title": t.localized(rs.title, rs.id),
        "scorecard": _label_of_card(c, card, employee["scorecard"]),
        "team": cohort_value(employee),
        "tenure": t("tenure.months", n=employee["tenure_months"]) if employee.get("tenure_months") is not None else None,
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

    # dimensions
    dims = []
    for d in (card.dimensions if card else ()):
        entry = (employee.get("dimensions") or {}).get(d.key) or {}
        weight = entry.get("weight")
        why = []
        if weight is not None and abs(float(weight) - d.weight) > 1e-6:
            siblings = [x.key for x in card.dimensions if x.key != d.key]
            rules = [r.id for r in fired_rules if _touches(r, d.key, siblings)[0]]
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

    # KPIs, strengths and gaps
    kpis, strengths, gaps = [], [], []
    for d in (card.dimensions if card else ()):
        siblings = [f"{d.key}.{k.key}" for k in d.kpis]
        for k in d.kpis:
            r = (employee.get("kpis") or {}).get(k.path)
            if r is None:
                continue
            unit = _unit(c, card, k.path)
            label = t.localized(k.label, k.key)
            why, target_note = [], None
            weight_rules, target_rules = [], []
            for rule in fired_rules:
                w, tg = _touches(rule, k.path, [s for s in siblings if s != k.path])
                if w:
                    weight_rules.append(rule.id)
                if tg:
                    target_rules.append(rule.id)
            if r.get("dropped_by_rule"):
                dropping = [rule.id for rule in fired_rules
                            if any(a.kind == "drop" and a.path == k.path for a in rule.actions)] or weight_rules
                why.append(t("weight.dropped", rules="; ".join(_rule_labels(c, dropping))))
            elif k.path in missing or (r.get("actual") is None and not r.get("weight")):
                why.append(t("weight.missing"))
            elif r.get("weight") is not None and abs(float(r["weight"]) - k.weight) > 1e-6:
                if weight_rules:
                    why.append(t("weight.changed", base=f.number(k.weight, 0),
                                 rules="; ".join(_rule_labels(c, weight_rules))))
                else:
                    why.append(t("weight.redistributed", base=f.number(k.weight, 0)))
            if target_rules:
                target_note = t("target.scaled", rules="; ".join(_rule_labels(c, target_rules)))
            row = {"path": k.path, "dimension": t.localized(d.label, d.key), "label": label,
                   "actual": f.measure(r.get("actual"), unit), "target": f.measure(r.get("target"), unit),
                   "attainment": f.percent(r.get("attainment")),
                   "score": f.score(r.get("score")) if r.get("weight") else "—",
                   "weight": f.number(r.get("weight"), 1) if r.get("weight") is not None else "—",
                   "why": why, "target_note": target_note, "average": None, "rank": None,
                   "level": _level(r.get("attainment")) if r.get("weight") else "none"}
            att = r.get("attainment")
            if r.get("weight") and att is not None:
                cmp = stats.compare(k.path, float(att), min_group) if (comparison and stats) else None
                if cmp:
                    avg, rank, size = cmp
                    row["average"] = f.percent(avg)
                    row["rank"] = t("rank", rank=rank, size=size)
                    if rank == 1:
                        strengths.append((-att, k.path, t("strength.rank1", kpi=label, attainment=f.percent(att))))
                    elif att >= STRENGTH_ATTAINMENT:
                        strengths.append((-att, k.path, t("strength.high", kpi=label, attainment=f.percent(att))))
                    if att < avg - 1e-9:
                        gaps.append((att - avg, k.path, t("gap.below_average", kpi=label, mine=f.percent(att),
                                                          average=f.percent(avg))))
                else:
                    if att >= STRENGTH_ATTAINMENT:
                        strengths.append((-att, k.path, t("strength.high", kpi=label, attainment=f.percent(att))))
                    if att < 1.0:
                        gaps.append((att - 1.0, k.path, t("gap.below_target", kpi=label, attainment=f.percent(att))))
            kpis.append(row)
    view["kpis"] = kpis
    view["strengths"] = [text for _, _, text in sorted(strengths)[:MAX_LISTED]]
    view["gaps"] = [text for _, _, text in sorted(gaps)[:MAX_LISTED]]

    view["feedback"] = _feedback_view(c, card, employee)
    view["okr"] = _okr_view(c, card, employee)
    view["missing"] = [t("missing.item", item=_path_label(c, card, m)) for m in employee.get("missing") or []]
    view["rules"] = _rule_labels(c, fired)
    outcomes = {o.id: o for o in rs.outcomes}
    view["outcomes"] = [t.localized(outcomes[o].label, o) if o in outcomes else o
                        for o in employee.get("outcomes") or []]
    view["trend"] = _trend_view(c, employee, request.history.get(employee["id"]) or [])
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
    rows = [
        (t("bonus.target"), f.money(detail.get("target"))),
        (t("bonus.attainment", kpi=kpi_label), f.percent(detail.get("attainment"))),
        (t("bonus.tiers"), t("bonus.tiers_value", reached=detail.get("tiers_reached") or 0,
                             total=len(rs.bonus.tiers))),
        (t("bonus.tier_pay"), f.money(detail.get("tier_pay"))),
        (t("bonus.multiplier", grade=employee["grade"]), "×" + str(detail.get("multiplier") or "1")),
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
        for period, amount in (detail.get("paid") or {}).items():
            shown = f.money(amount if amount is not None else 0)
            rows.append((t("bonus.paid_for", period=period),
                         shown if amount is None or Decimal(str(amount)) == 0 else "−" + shown))
        total_label = t("bonus.due")
        try:
            negative = employee.get("bonus") is not None and Decimal(str(employee["bonus"])) < 0
        except InvalidOperation:
            negative = False
    return {"rows": rows, "total_label": total_label, "total": f.money(employee.get("bonus")),
            "capped": t("bonus.capped") if capped else None, "clawback": t("bonus.clawback") if negative else None}


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
        weights = dict(d.periods.weights)
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
        out.append({"label": t("periods.heading", dimension=label), "note": t("periods.note", ruleset=d.periods.ruleset),
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
        weights = dict(d.feedback.sources)
        order = [r for r, _ in d.feedback.sources if r in sources] + sorted(r for r in sources if r not in weights)
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
        out.append({"label": t.localized(d.label, d.key),
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


def _trend_view(c: _Ctx, employee: Mapping[str, Any], past: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    t, f = c.t, c.f
    cycle = str(c.request.results.get("cycle", ""))
    now = _cycle_key(cycle)
    # only earlier periods: re-running an old cycle must not plot the future beside it
    rows = [r for r in past if r.get("score") is not None and str(r.get("cycle")) != cycle
            and (now[0] or _cycle_key(str(r.get("cycle"))) < now)]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: _cycle_key(str(r.get("cycle"))))
    rows.append({"cycle": cycle, "score": employee["score"], "grade": employee["grade"], "bonus": employee.get("bonus")})
    width, height, left, right, top, bottom = 640, 200, 70, 50, 24, 36
    hi = max(120.0, max(float(r["score"]) for r in rows))
    n = len(rows)
    inset = 40  # keeps the first and last labels clear of the axis labels and the edge
    step = (width - left - right - 2 * inset) / max(n - 1, 1)
    points = []
    for i, r in enumerate(rows):
        x = left + inset + (i * step if n > 1 else (width - left - right - 2 * inset) / 2)
        y = top + (1 - float(r["score"]) / hi) * (height - top - bottom)
        points.append({"x": round(x, 1), "y": round(y, 1), "cycle": str(r["cycle"]), "score": f.number(r["score"], 2),
                       "grade": str(r.get("grade") or ""), "bonus": f.money(r.get("bonus"))})
    grid = [{"y": round(top + (1 - v / hi) * (height - top - bottom), 1), "label": f.integer(v)}
            for v in (0, 50, 100)]
    return {"width": width, "height": height, "points": points, "grid": grid, "left": left,
            "right": width - right, "base": height - bottom, "label_y": height - 12,
            "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
            "alt": t("trend.chart", points="; ".join(f"{p['cycle']} {p['score']} ({p['grade']})" for p in points))}


def _cycle_key(cycle: str):
    from appraise.language.period import parse

    try:
        p = parse(cycle)
        return (0, p.start, p.months_count, cycle)
    except ValueError:
        return (1, date.min, 0, cycle)


# --------------------------------------------------------------------------- improvement plan


def plan_dates(cycle: str, horizon_weeks: int) -> tuple[date, list[tuple[int, date]]]:
    """The plan's start (day after the period ends) and its checkpoints (week, date); the last is the review."""
    from appraise.language.period import parse

    start = parse(cycle).end + timedelta(days=1)
    horizon = max(int(horizon_weeks), 1)
    step = min(CHECKPOINT_WEEKS, horizon)
    weeks = list(range(step, horizon, step)) + [horizon]
    return start, [(w, start + timedelta(weeks=w)) for w in weeks]


def plan_view(request: RenderRequest, employee: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """Development suggestions for everyone; a formal plan (goals, owner, checkpoints, sign-off) when due."""
    locale = locale or request.employee_locale(employee["id"])
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
    card = rs.scorecard(employee["scorecard"])
    formal = bool(employee.get("plan"))
    heading = t("plan.title_formal") if formal else t("plan.title")
    lost = employee.get("lost_points") or {}
    focus = []
    for key in employee.get("focus_areas") or []:
        entry = _playbook(rs, card, key)
        focus.append({"key": key, "label": _label_of(c, card, key),
                      "lost": t("plan.lost", points=f.number(lost.get(key), 1)) if key in lost else None,
                      "focus": t.localized(entry.focus) if entry else None,
                      "actions": [t.localized(a) for a in entry.actions] if entry else []})
    view: dict[str, Any] = {
        "lang": locale, "kind": "plan", "formal": formal,
        "title": f"{heading} · {employee['name']} · {request.results.get('cycle', '')}",
        "heading": t("page.h1", title=heading, name=employee["name"]), "name": employee["name"], "id": employee["id"],
        "cycle": request.results.get("cycle", ""), "grade": employee["grade"],
        "score": f.number(employee["score"], 2),
        "ruleset_title": t.localized(rs.title, rs.id),
        "scorecard": _label_of_card(c, card, employee["scorecard"]),
        "team": cohort_value(employee),
        "confidential": t("confidential", name=employee["name"]),
        "links": {"dashboard": "../" + dashboard_path(employee["id"])},
        "intro": t("plan.intro"), "focus": focus,
        "outcomes": [t.localized(o.label, o.id) for o in rs.outcomes if o.id in (employee.get("outcomes") or [])],
        "override": _override_note(c, employee), "employed": _employed_note(c, employee),
        "periods": _periods_view(c, card, employee),
    }
    if not formal:
        return view
    info = request.employees_info.get(employee["id"]) or {}
    owner = str(info.get("manager") or "").strip() or t("plan.owner_default")
    weeks = rs.plan.horizon_weeks
    view["formal_intro"] = t("plan.formal_intro", weeks=weeks)
    view["owner"] = owner
    goals = []
    for key in employee.get("focus_areas") or []:
        goals.append({"text": _goal(c, card, employee, key), "owner": owner,
                      "actions": next((x["actions"] for x in focus if x["key"] == key), [])})
    view["goals"] = goals
    try:
        start, checkpoints = plan_dates(str(request.results.get("cycle", "")), weeks)
    except ValueError:
        start, checkpoints = None, []
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
    width, height, left, bottom, top = 360, 180, 30, 30, 16
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


def _money_sum(values: Iterable[Any]) -> Decimal | None:
    total, seen = Decimal(0), False
    for v in values:
        if v is None or v == "":
            continue
        try:
            total += Decimal(str(v))
            seen = True
        except InvalidOperation:
            continue
    return total if seen else None


def _summary(c: _Ctx, members: Sequence[Mapping[str, Any]], withheld: str | None = None) -> dict[str, Any]:
    """Head count, average score, grade distribution and bonus total of a group; with ``withheld`` (the
    reason, for the reader) only the head count: the figures are not computed, so no template can show them."""
    t, f, rs = c.t, c.f, c.rs
    if withheld is not None:
        return {"people": len(members), "withheld": withheld, "average": None, "grades": None,
                "grade_chart": None, "bonus": None, "bonus_vs_target": None}
    grades = [g.grade for g in rs.grades]
    counts = [(g, sum(1 for e in members if e.get("grade") == g)) for g in grades]
    bonus = _money_sum(e.get("bonus") for e in members)
    # against the cycle's targets (after target_period and proration), what the period earned (before netting)
    target = _money_sum((e.get("bonus_detail") or {}).get("target_cycle", (e.get("bonus_detail") or {}).get("target"))
                        for e in members)
    earned = _money_sum(e.get("bonus_gross", e.get("bonus")) for e in members)
    summary = {"people": len(members), "withheld": None,
               "average": f.score(sum(float(e["score"]) for e in members) / len(members)) if members else "—",
               "grades": counts, "grade_chart": _grade_chart(c, counts),
               "bonus": f.money(bonus) if bonus is not None else None, "bonus_vs_target": None}
    if earned is not None and target:
        summary["bonus_vs_target"] = t("overview.bonus_vs_target", share=f.percent(float(earned / target)),
                                       target=f.money(_cents(target)))
    return summary


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
                              "level": _level(r.get("attainment")) if active else "none"})
            rows.append({"name": e["name"], "id": e["id"], "score": f.number(e["score"], 2), "grade": e["grade"],
                         "cells": cells, "dashboard": "../" + dashboard_path(e["id"]),
                         "plan": "../" + plan_path(e["id"]), "needs_plan": bool(e.get("plan"))})
        sections.append({"label": _label_of_card(c, card, card.key), "columns": columns, "rows": rows})
    view["sections"] = sections
    view["plans"] = [{"name": e["name"], "id": e["id"], "href": "../" + plan_path(e["id"]), "grade": e["grade"]}
                     for e in members if e.get("plan")]
    return view


def index_view(request: RenderRequest, groups: Mapping[str | None, Sequence[Mapping[str, Any]]],
               locale: str | None = None) -> dict[str, Any]:
    """The cycle's front page: totals and one row per team, linking to every overview."""
    locale = locale or request.locale
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
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
        row = {"name": cohort if cohort is not None else t("overview.no_team"), "href": team_path(cohort),
               "people": len(members), "withheld": None}
        if cohort in withheld:
            row["withheld"] = t("privacy.small_group", n=k) if withheld[cohort] == "small" else t(
                "privacy.complement", n=k)
        else:
            s = _summary(c, members)
            row.update({"average": s["average"], "bonus": s["bonus"] or "—",
                        "grades": ", ".join(f"{g} {n}" for g, n in s["grades"] if n),
                        "plans": sum(1 for e in members if e.get("plan"))})
        teams.append(row)
    view["teams"] = teams
    errors = request.results.get("errors") or []
    view["errors"] = t("overview.errors", count=len({e.get("employee") for e in errors})) if errors else None
    return view


def withheld_groups(sizes: Mapping[Any, int], min_group: int) -> tuple[dict[Any, str], bool]:
    """Which groups' aggregates a page read outside HR must not show, and whether the totals may be shown.

    ``sizes`` maps each group (team) to its head count.  A group of fewer than ``min_group`` people is
    withheld (``"small"``).  The totals minus the groups shown give the withheld groups' combined figures,
    and a reader who knows one withheld group (its own manager) can subtract that too; so the withheld
    groups together, and together less any one of them, must be none or at least ``min_group`` people.
    Until they are, the smallest groups shown are withheld as well (``"complement"``).  When even
    withholding every group cannot make that so, the totals are not shown instead (``False``) and only
    the small groups are withheld.
    """
    small = {g for g, n in sizes.items() if n < min_group}
    if not small:
        return {}, True

    def safe(hidden: set) -> bool:
        total = sum(sizes[g] for g in hidden)
        return total >= min_group and all(total - sizes[g] == 0 or total - sizes[g] >= min_group for g in hidden)

    hidden = set(small)
    rest = sorted((g for g in sizes if g not in small), key=lambda g: (sizes[g], g is None, str(g)))
    while not safe(hidden) and rest:
        hidden.add(rest.pop(0))
    if safe(hidden):
        return {g: "small" if g in small else "complement" for g in hidden}, True
    return {g: "small" for g in small}, False


def team_groups(results: Mapping[str, Any]) -> dict[str | None, list[Mapping[str, Any]]]:
    """Employees by cohort value (all in one group without calibration), sorted by cohort."""
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for e in results.get("employees") or []:
        groups.setdefault(cohort_value(e), []).append(e)
    return dict(sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))

