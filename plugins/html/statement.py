"""Payout statements (issue 20): one page per person and period of an incentive plan, and the plan's section of
the dashboard.

:func:`statement_view` lists each plan component (measure, attainment, each band's or tier's pay, caps), the
total cap, what earlier sub-periods already paid (``net_of``), the guarantee, the draw and its balance, what is
paid now and this year so far, and what changed since the statement this one replaces (the recalculation ledger
of the run, :attr:`~appraise.present.render.RenderRequest.changes`).  :func:`plan_bonus` is the same plan as the
dashboard's bonus breakdown.  Every amount is one the core computed (results.json's entry); nothing is worked out
here but its formatting.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from appraise.language.compile import Ruleset
from appraise.language.period import parse as parse_period
from appraise.plugins.html.paths import INDEX, dashboard_path, plan_path
from appraise.plugins.html.views import context, settlement_rows
from appraise.present.render import RenderRequest, file_stem

TEMPLATE = "statement.html"


def statement_path(employee_id: str) -> str:
    return f"statements/{file_stem(employee_id)}.html"


def has_statements(ruleset: Ruleset) -> bool:
    """Whether the ruleset's bonus is an incentive plan (components, a draw or a guarantee): then every person
    gets a payout statement."""
    return ruleset.bonus is not None and ruleset.bonus.incentive


def _component_rows(c, employee: Mapping[str, Any]) -> list[dict[str, Any]]:
    t, f, rs = c.t, c.f, c.rs
    parts = ((employee.get("bonus_detail") or {}).get("components") or {})
    out = []
    for comp in rs.bonus.components if rs.bonus is not None else ():
        p = parts.get(comp.key) or {}
        unit = getattr(rs.metric(comp.measure), "unit", "number")
        measure = t.localized(getattr(rs.metric(comp.measure), "label", None) or {}, comp.measure)
        details = []
        if comp.kind == "bands":
            for band in p.get("bands") or []:
                span = (f"{f.percent(band['from'], 0)}–{f.percent(band['to'], 0)}" if band.get("to") is not None
                        else t("incentive.band_open", start=f.percent(band["from"], 0)))
                details.append(t("incentive.band", span=span, rate=band["rate"], inside=f.percent(band.get("inside")),
                                 pay=f.money(_cents(band.get("pay")))))
        elif comp.kind == "tiers":
            details.append(t("incentive.tiers", reached=p.get("tiers_reached") if p.get("tiers_reached") is not None
                             else "—", total=len(comp.tiers)))
        else:
            details.append(t("incentive.per_unit", rate=f.money(_cents(p.get("per_unit")))) if unit != "money"
                           else t("incentive.rate_of", rate=f.percent(p.get("per_unit"))))
        if p.get("below_floor"):
            details.append(t("incentive.below_floor", floor=f.percent(str(comp.floor), 0)))
        if p.get("multiplier") is not None:
            details.append(t("incentive.multiplier", mult=p["multiplier"], grade=employee.get("grade") or "—"))
        if p.get("cap") is not None:
            details.append(t("incentive.cap", cap=f.money(_cents(p["cap"]))))
        out.append({"key": comp.key, "label": t.localized(comp.label, comp.key), "measure": measure,
                    "actual": f.measure(p.get("actual"), unit) if p.get("actual") is not None else "—",
                    "target": f.measure(p.get("target"), unit) if p.get("target") is not None else "",
                    "attainment": f.percent(p.get("attainment")) if "attainment" in p else "",
                    "amount": f.money(_cents(p.get("amount"))), "details": details})
    return out


def _cents(amount) -> Any:
    """An exact amount shown to the cent (the components' arithmetic is kept to 10 decimals)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    if amount is None:
        return None
    try:
        d = Decimal(str(amount))
    except InvalidOperation:
        return amount
    return d if d == d.to_integral_value() else d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _settlement(c, employee: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rows from the components' sum to what is paid now: total cap, netting, guarantee, draw."""
    t, f, rs = c.t, c.f, c.rs
    plan = rs.bonus
    assert plan is not None
    detail = employee.get("bonus_detail") or {}
    rows: list[tuple[str, str]] = []
    if plan.components:
        rows.append((t("incentive.sum"), f.money(_cents(detail.get("uncapped")))))
        if detail.get("cap") is not None:
            rows.append((t("incentive.total_cap"), f.money(_cents(detail.get("cap")))))
    if "bonus_gross" in employee:
        rows.append((t("bonus.gross"), f.money(employee.get("bonus_gross"))))
        rows += settlement_rows(detail, t, f, signed=False)
    if plan.guarantee is not None or plan.draw is not None:
        rows.append((t("incentive.earned"), f.money(employee.get("bonus_earned"))))
    g = employee.get("bonus_guarantee")
    if plan.guarantee is not None and g is not None:
        rows.append((t("incentive.guarantee", months=plan.guarantee.months), f.money(g.get("amount"))))
        rows.append((t("incentive.topup"), f.money(g.get("topup"))))
    d = employee.get("bonus_draw")
    if plan.draw is not None and d is not None:
        rows += [(t("incentive.draw"), f.money(d.get("amount"))),
                 (t("incentive.draw_opening"), f.money(d.get("opening"))),
                 (t("incentive.draw_recovered"), f.money(d.get("recovered"))),
                 (t("incentive.draw_advanced"), f.money(d.get("advanced"))),
                 (t("incentive.draw_closing"), f.money(employee.get("bonus_draw_balance")))]
    return rows


def plan_bonus(request: RenderRequest, employee: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The dashboard's bonus breakdown for an incentive plan (the same shape as the seed's), kept short: each
    component's amount, what was earned, the guarantee's top-up, the draw balance carried forward, this year;
    the payout statement has every step."""
    c = context(request, locale)
    t, f, plan = c.t, c.f, c.rs.bonus
    assert plan is not None
    rows = [(t("incentive.component_row", label=r["label"], attainment=r["attainment"]) if r["attainment"]
             else r["label"], r["amount"]) for r in _component_rows(c, employee)]
    if plan.guarantee is not None or plan.draw is not None:
        rows.append((t("incentive.earned"), f.money(employee.get("bonus_earned"))))
    if employee.get("bonus_guarantee") is not None:
        rows.append((t("incentive.topup"), f.money(employee["bonus_guarantee"].get("topup"))))
    if plan.draw is not None:
        rows.append((t("incentive.draw_closing"), f.money(employee.get("bonus_draw_balance"))))
    rows.append((t("incentive.ytd"), f.money(employee.get("bonus_ytd"))))
    return {"rows": rows, "total_label": t("incentive.paid_now"), "total": f.money(employee.get("bonus")),
            "capped": None, "clawback": None}


_FIELDS = {"score": "score", "grade": "grade", "bonus": "incentive.paid_now", "bonus_gross": "bonus.gross",
           "bonus_paid": "incentive.change_netted", "bonus_earned": "incentive.earned",
           "bonus_draw_balance": "incentive.draw_closing", "bonus_ytd": "incentive.ytd",
           "outcomes": "incentive.change_outcomes", "appraised": "incentive.change_appraised"}


def statement_view(request: RenderRequest, employee: Mapping[str, Any], locale: str | None = None) -> dict[str, Any]:
    """One person's payout statement for the period, formatted for their locale."""
    locale = locale or request.employee_locale(employee["id"])
    c = context(request, locale)
    t, f, rs = c.t, c.f, c.rs
    cycle = str(request.results.get("cycle", ""))
    year = []
    try:
        this_year = parse_period(cycle).start.year
        for past in request.history.get(str(employee["id"])) or []:
            p = parse_period(str(past.get("cycle")))
            if p.start.year == this_year and p.end < parse_period(cycle).start:
                year.append((p.id, f.money(past.get("bonus"))))
    except ValueError:  # a cycle that is not a period: no year to list
        year = []
    changes = None
    if request.changes is not None:
        changes = [(t(_FIELDS.get(name, name)) if name in _FIELDS else name,
                    _shown(f, name, before), _shown(f, name, after))
                   for name, before, after in request.changes.get(str(employee["id"])) or []]
    return {
        "lang": locale, "kind": "statement",
        "title": f"{t('statement.title')} · {employee['name']} · {cycle}",
        "heading": t("page.h1", title=t("statement.title"), name=employee["name"]),
        "name": employee["name"], "id": employee["id"], "cycle": cycle,
        "ruleset_title": t.localized(rs.title, rs.id),
        "grade": employee.get("grade"), "score": f.number(employee.get("score"), 2),
        "confidential": t("confidential", name=employee["name"]),
        "links": {"dashboard": "../" + dashboard_path(employee["id"]), "plan": "../" + plan_path(employee["id"]),
                  "index": "../" + INDEX},
        "target": f.money(_cents((employee.get("bonus_detail") or {}).get("target_cycle",
                                                                         (employee.get("bonus_detail") or {})
                                                                         .get("target")))),
        "components": _component_rows(c, employee),
        "settlement": _settlement(c, employee),
        "paid": f.money(employee.get("bonus")),
        "ytd": f.money(employee.get("bonus_ytd")),
        "year": year,
        "changes": changes,
    }


def _shown(f, name: str, value: str) -> str:
    if value in ("", None):
        return "—"
    if name.startswith("bonus"):
        return f.money(value)
    return str(value)


def with_plan(request: RenderRequest, employee: Mapping[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    """A dashboard view with the incentive plan as its bonus breakdown and a link to the payout statement."""
    view["bonus"] = plan_bonus(request, employee, view["lang"])
    view["links"] = {**view.get("links", {}), "statement": "../" + statement_path(employee["id"])}
    return view
