"""Explain every number of one employee's appraisal.

:func:`explain` reads the result frame the evaluator produced and its
provenance (:mod:`appraise.core.provenance`: which rule changed which weight,
tiers reached, calibration, objective scores; never worked out again here)
plus the compiled plan, and returns a structured derivation: each rule with the values that made its condition hold
and the weights before and after, each KPI's actual, target, attainment, curve
and score, redistribution, adjustments, rounding, grade, calibration, bonus
step by step, outcomes and focus areas.  :func:`render_text` prints it in the
employee's or the ruleset's language.  360 sources below their anonymity
threshold are reported only as "not shown", never with a value or a count.
"""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from appraise.core.evaluate import Evaluation, lost_key
from appraise.core.frame import card_of, feedback_of, periods_of
from appraise.core.provenance import Provenance
from appraise.export.document import employee_result, paid_by_employee, r4
from appraise.language.compile import Ruleset, Scorecard, localized
from appraise.present import credit, incentive

MESSAGES = {
    "en": {
        "title": "Appraisal of {name} ({id}) — {cycle}",
        "scorecard": "Scorecard: {label} ({key}); applies because {why}",
        "also_matched": "    also matched: {others}; the first scorecard in the file whose condition holds is used",
        "tenure": "Tenure: {months} whole months at the period's end",
        "rules": "Rules (applied in file order)",
        "rule_held": "✔ {id} — {label}: condition `{when}` held ({values})",
        "rule_not": "✘ {id} — {label}: condition `{when}` did not hold ({values})",
        "rule_always": "✔ {id} — {label}: no condition (always applies)",
        "action": "    {what}: {before} → {after}",
        "dimension": "Dimension {label} ({key}): weight {base} → after rules {ruled} → effective {eff}; score {score}",
        "dropped": "    dropped out: no data (its weight went to the other dimensions in proportion)",
        "kpi": "  KPI {label} ({path}): actual {actual}; target {target} ({target_from}); attainment {att}"
               " ({att_formula}); curve {curve} → score {score}; weight {base} → {ruled} → effective {eff}",
        "kpi_missing": "  KPI {label} ({path}): no actual for the period → dropped out, weight shared among the others",
        "kpi_rule_dropped": "  KPI {label} ({path}): dropped by a rule (weight 0)",
        "source": "  360 source {relation}: {raters} raters, mean {value} of {scale} → score {score} (weight {weight})",
        "source_hidden": "  360 source {relation}: not shown (fewer raters than its anonymity threshold);"
                         " weight redistributed",
        "source_self": "  360 self-assessment: score {score} (shown for comparison, not scored)",
        "okr": "  OKR score {score} (mean of objective scores × 100)",
        "colon": ": ", "type_committed": "committed", "type_aspirational": "aspirational",
        "do_set": "set {path} to {value}", "do_drop": "drop {path}",
        "do_shift": "shift {value} points from {source} to {target}",
        "do_scale_target": "scale the target of {path} by {value}",
        "objective": "  Objective {name} ({type}): progress {progress} (weighted mean of its key results)"
                     " → score {score}{how}",
        "aspirational": " = min(progress / {threshold}, 1) × 100",
        "key_result": "    key result {name}: (current {current} − start {start}) / (target {target} − start {start})"
                      " = {progress} (clamped to 0–1; weight {weight})",
        "total": "Total: Σ weight × dimension score / 100 = {base}",
        "adjustment": "Adjustment {id}: `{when}` held ({values}) → {points:+g} points ({reason})",
        "floor": "Total floored at 0 → {total}",
        "rounded": "Reported score (half-up to 2 decimals): {score}",
        "grade": "Grade from the reported score: {grade} (needs ≥ {min})",
        "calibration": "Calibration in cohort {cohort}={value} of {size}: {what}",
        "calibration_moved": "moved from {before} to {after} (grade caps: {caps};"
                             " ties: lower score, then larger id, moves first)",
        "calibration_kept": "grade kept ({caps})",
        "calibration_small": "cohort smaller than {min}: not calibrated",
        "bonus": "Bonus (target {target} {currency}, attainment of {kpi} = {att})",
        "tier": "  tier from {start}: {reached} → {pay} × target",
        "tier_pay": "  tier pay {tier_pay} × multiplier {mult} (grade {grade}) = {after_mult}",
        "excess": "  excess: {rate} × (actual {actual} − {above} × target {target}) = {excess}",
        "cap": "  cap {cap}: {uncapped} → {capped}",
        "bonus_paid": "  paid (rounded half-up to {unit}): {bonus} {currency}",
        "bonus_gross": "  gross bonus (rounded half-up to {unit}): {bonus} {currency}", "sep": "; ",
        "bonus_none": "  no bonus computed: {why}",
        "outcome": "Outcome {id} — {label}: `{when}` {held}",
        "focus": "Focus areas (most weighted points lost): {items}",
        "missing": "Missing data: {items}",
        "held": "held", "not_held": "did not hold",
        "employed": "Employed {days} of the period's {total} days: employed_share = {share}",
        "periods": "  Sub-periods: the reported scores of ruleset {ruleset}'s current runs (weights {weights}):",
        "subperiod": "    {period}: score {score}; weight {weight} → effective {eff}",
        "subperiod_missing": "    {period}: no stored result → {how}",
        "missing_redistribute": "its weight shared among the present sub-periods",
        "missing_zero": "scored 0",
        "target_cycle": "  cycle target: {target} × {factor} = {cycle_target} ({why})",
        "target_period": "the target is for a {period}; the cycle has {months} month(s)",
        "kind_month": "month", "kind_quarter": "quarter", "kind_half": "half year", "kind_year": "year",
        "prorated": "employed_share {share}",
        "net_paid": "  already paid by {ruleset} for {period}: {amount} {currency}",
        "net_not_stored": "  already paid by {ruleset} for {period}: nothing stored for this person → counted as 0",
        "net_no_bonus": "  already paid by {ruleset} for {period}: no bonus (null) → counted as 0",
        "net": "  due now: {gross} − {paid} = {due} {currency}{floor}",
        "net_floor": " (floored at 0; no clawback)",
        "override": "Override by {by} on {date}: {what} — {reason}",
        "override_score": "score {before} → {after}",
        "override_grade": "grade {before} → {after}",
        # what is within reach and why the bonus changed (appraise.core.insights, as the dashboards show it)
        "reach": "Within reach",
        "reach_grade": "  grade {grade} from {min}: {points} points to go",
        "reach_calibrated": "  the score {score} is in grade {band}'s band, calibration placed the grade at {held}: "
                            "the next grade up, {grade} (from {min}), needs a place in the cohort",
        "reach_seats": "    calibration: at most {seats} of the {size} people of {cohort} hold {limited} or above"
                       " ({share}){place}",
        "reach_seats_none": "    calibration: no one of the {size} people of {cohort} can hold {limited} or above"
                            " ({share} of {size} rounds down to 0)",
        "reach_place": "; rank {place}",
        "reach_tier": "  bonus tier {tier} (from {start} of target): {kpi} {actual} → {needed}, {gap} to go; {what}",
        "reach_worth": "{worth} {currency} more",
        "reach_pays": "{pays} {currency} before the grade multiplier",
        "reach_capped": "the cap keeps the bonus as it is",
        "change": "Bonus against {cycle}: {previous} → {now} {currency} ({change}); score {score}, grade {grade}",
        "effect": "  {what}: {amount} {currency}",
        "effect_target": "target bonus {before} → {after}",
        "effect_tiers": "tiers of {kpi}: attainment {before} → {after}",
        "effect_multiplier": "grade multiplier ×{before} → ×{after}",
        "effect_excess": "excess pay {before} → {after}",
        "effect_cap": "the cap",
        "effect_netting": "amounts paid earlier",
        "effect_component": "component {component}: {before} → {after}",
        "effect_draw": "the guarantee or the draw",
    },
    "zh-CN": {
        "title": "{name}（{id}）的绩效考核 — {cycle}",
        "scorecard": "考核表：{label}（{key}）；适用原因：{why}",
        "also_matched": "    同样符合：{others}；按文件顺序使用第一个条件成立的考核表",
        "tenure": "司龄：截至考核期末满 {months} 个月",
        "rules": "调整规则（按文件顺序执行）",
        "rule_held": "✔ {id} — {label}：条件 `{when}` 成立（{values}）",
        "rule_not": "✘ {id} — {label}：条件 `{when}` 不成立（{values}）",
        "rule_always": "✔ {id} — {label}：无条件（始终适用）",
        "action": "    {what}：{before} → {after}",
        "dimension": "维度 {label}（{key}）：权重 {base} → 规则调整后 {ruled} → 有效 {eff}；得分 {score}",
        "dropped": "    因无数据剔除（其权重按比例分给其他维度）",
        "kpi": "  指标 {label}（{path}）：实际 {actual}；目标 {target}（{target_from}）；达成率 {att}"
               "（{att_formula}）；计分曲线 {curve} → 得分 {score}；权重 {base} → {ruled} → 有效 {eff}",
        "kpi_missing": "  指标 {label}（{path}）：本期无实际值 → 剔除，权重按比例分给其他指标",
        "kpi_rule_dropped": "  指标 {label}（{path}）：被规则剔除（权重为 0）",
        "source": "  360 来源 {relation}：{raters} 位评价人，平均 {value}（满分 {scale}）"
                  "→ 得分 {score}（权重 {weight}）",
        "source_hidden": "  360 来源 {relation}：不显示（评价人数低于匿名门槛）；权重重新分配",
        "source_self": "  360 自评：得分 {score}（仅供对照，不计分）",
        "okr": "  OKR 得分 {score}（各目标得分的平均值 × 100）",
        "colon": "：", "type_committed": "承诺型", "type_aspirational": "挑战型",
        "do_set": "将 {path} 设为 {value}", "do_drop": "去掉 {path}",
        "do_shift": "从 {source} 调 {value} 分到 {target}",
        "do_scale_target": "{path} 的目标乘以 {value}",
        "objective": "  目标 {name}（{type}）：进度 {progress}（各关键结果的加权平均）→ 得分 {score}{how}",
        "aspirational": " = min(进度 / {threshold}, 1) × 100",
        "key_result": "    关键结果 {name}：（当前 {current} − 起点 {start}）/（目标 {target} − 起点 {start}）"
                      "= {progress}（限定在 0–1；权重 {weight}）",
        "total": "总分：Σ 权重 × 维度得分 / 100 = {base}",
        "adjustment": "加减分 {id}：`{when}` 成立（{values}）→ {points:+g} 分（{reason}）",
        "floor": "总分最低为 0 → {total}",
        "rounded": "报告得分（四舍五入保留两位小数）：{score}",
        "grade": "按报告得分定级：{grade}（需 ≥ {min}）",
        "calibration": "在群组 {cohort}={value}（{size} 人）内校准：{what}",
        "calibration_moved": "由 {before} 调整为 {after}（等级比例上限：{caps}；同分时 ID 较大者先调整）",
        "calibration_kept": "等级不变（{caps}）",
        "calibration_small": "群组人数少于 {min}：不校准",
        "bonus": "奖金（目标奖金 {target} {currency}，{kpi} 达成率 = {att}）",
        "tier": "  档位 {start} 起：{reached} → {pay} × 目标奖金",
        "tier_pay": "  档位奖金 {tier_pay} × 系数 {mult}（等级 {grade}）= {after_mult}",
        "excess": "  超额：{rate} × （实际 {actual} − {above} × 目标 {target}）= {excess}",
        "cap": "  封顶 {cap}：{uncapped} → {capped}",
        "bonus_paid": "  实发（按 {unit} 四舍五入）：{bonus} {currency}",
        "bonus_gross": "  应计奖金（按 {unit} 四舍五入）：{bonus} {currency}", "sep": "；",
        "bonus_none": "  未计算奖金：{why}",
        "outcome": "结果 {id} — {label}：`{when}` {held}",
        "focus": "重点提升方向（损失加权分最多）：{items}",
        "missing": "缺失数据：{items}",
        "held": "成立", "not_held": "不成立",
        "employed": "在职天数：考核期 {total} 天中的 {days} 天，employed_share = {share}",
        "periods": "  子周期：规则集 {ruleset} 当前运行的报告得分（权重 {weights}）：",
        "subperiod": "    {period}：得分 {score}；权重 {weight} → 有效 {eff}",
        "subperiod_missing": "    {period}：无存储结果 → {how}",
        "missing_redistribute": "其权重分给有结果的子周期",
        "missing_zero": "计 0 分",
        "target_cycle": "  本期目标奖金：{target} × {factor} = {cycle_target}（{why}）",
        "target_period": "目标奖金按{period}计；本期 {months} 个月",
        "kind_month": "月", "kind_quarter": "季度", "kind_half": "半年", "kind_year": "年",
        "prorated": "在职比例 {share}",
        "net_paid": "  {ruleset} 已发放 {period}：{amount} {currency}",
        "net_not_stored": "  {ruleset} 已发放 {period}：结果库中没有此人的结果 → 按 0 计",
        "net_no_bonus": "  {ruleset} 已发放 {period}：无奖金（空值）→ 按 0 计",
        "net": "  本期应发：{gross} − {paid} = {due} {currency}{floor}",
        "net_floor": "（最低为 0，不追回）",
        "override": "人工调整（{by}，{date}）：{what} — {reason}",
        "override_score": "得分 {before} → {after}",
        "override_grade": "等级 {before} → {after}",
        "reach": "下一步可达成",
        "reach_grade": "  {grade} 级起点为 {min}：还差 {points} 分",
        "reach_calibrated": "  得分 {score} 处于 {band} 级区间，经校准定为 {held} 级：上一级 {grade}（{min} 分起）"
                            "需在群组内排名靠前",
        "reach_seats": "    校准：{cohort} 的 {size} 人中至多 {seats} 人可获 {limited} 级及以上（{share}）{place}",
        "reach_seats_none": "    校准：{cohort} 的 {size} 人中无人可获 {limited} 级及以上"
                            "（{size} 人的 {share} 向下取整为 0）",
        "reach_place": "；当前排名第 {place}",
        "reach_tier": "  奖金第 {tier} 档（目标的 {start} 起）：{kpi} {actual} → {needed}，还差 {gap}；{what}",
        "reach_worth": "多得 {worth} {currency}",
        "reach_pays": "乘等级系数前为 {pays} {currency}",
        "reach_capped": "受封顶限制，奖金不变",
        "change": "奖金与 {cycle} 相比：{previous} → {now} {currency}（{change}）；得分 {score}，等级 {grade}",
        "effect": "  {what}：{amount} {currency}",
        "effect_target": "目标奖金 {before} → {after}",
        "effect_tiers": "{kpi} 的档位：达成率 {before} → {after}",
        "effect_multiplier": "等级系数 ×{before} → ×{after}",
        "effect_excess": "超额奖金 {before} → {after}",
        "effect_cap": "封顶",
        "effect_netting": "此前已发放金额",
        "effect_component": "组成部分 {component}：{before} → {after}",
        "effect_draw": "保底或预支",
    },
}


def _fmt(x, digits: int = 4) -> str:
    if x is None:
        return "—"
    if isinstance(x, Decimal):
        return format(x.normalize(), "f") if x == x.to_integral() or True else str(x)
    if isinstance(x, float):
        v = r4(x) if digits == 4 else round(x, digits)
        return f"{v:,.4f}".rstrip("0").rstrip(".") if v is not None else "—"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(str(i) for i in x) + "]"
    return str(x)


def _values(expression, row: Mapping[str, Any], ev: Evaluation) -> dict[str, Any]:
    """The value of every name an expression reads, for this employee."""
    from appraise.core.evaluate import Columns  # the same name → column mapping the evaluator uses

    out: dict[str, Any] = {}
    if expression is None:
        return out
    column = Columns(ev.ruleset)
    for name in sorted(expression.names):
        col = column(name).meta.output_name()
        v = row.get(col)
        out[name] = r4(v) if isinstance(v, float) else v
    for obj, attr in sorted(expression.fields):
        if obj == "context":
            out[f"context.{attr}"] = ev.context.get(attr)
        else:
            v = row.get(f"prev.{attr}")
            out[f"previous.{attr}"] = r4(v) if isinstance(v, float) else v
    return out


def _also_matched(ev: Evaluation, chosen: Scorecard, row: Mapping[str, Any]) -> list[str]:
    """The later scorecards whose condition also holds for this employee (the first in the file wins)."""
    from appraise.core.evaluate import Columns
    from appraise.language import expr as expressions

    column = Columns(ev.ruleset)
    cards = list(ev.ruleset.scorecards)
    out = []
    for card in cards[cards.index(chosen) + 1:]:
        e = card.applies_to
        if e is None:
            out.append(card.key)
            continue
        env = {n: row.get(column(n).meta.output_name()) for n in e.names}
        previous = {a: row.get(f"prev.{a}") for o, a in e.fields if o == "previous"}
        if expressions.holds(e, env, ev.context, previous):
            out.append(card.key)
    return out


def _messages(locale: str | None) -> dict[str, str]:
    return MESSAGES.get(locale or "en") or MESSAGES["zh-CN" if str(locale or "").startswith("zh") else "en"]


def _describe(a, locale: str | None) -> str:
    """A rule action in words, in ``locale``."""
    return _messages(locale)[f"do_{a.kind}"].format(path=a.path, source=a.source, target=a.target,
                                                     value=f"{a.value:g}" if a.value is not None else "")


def _provenance(ev: Evaluation) -> Provenance:
    """The evaluation's provenance (built over its frame for an evaluation made without one)."""
    return ev.provenance or Provenance(ev.ruleset, ev.frame, ev.objectives, ev.key_results)


def _objectives(ev: Evaluation, employee_id: str, threshold: float) -> list[dict[str, Any]]:
    """Each objective of the employee: type, progress, score and the key results it came from."""
    out = []
    for o in _provenance(ev).objectives(employee_id, threshold):
        items = [{"name": kr["key_result"], "start": kr["start"], "target": kr["target"], "current": kr["current"],
                  "weight": 1.0 if kr["weight"] is None else kr["weight"], "progress": r4(kr["progress"])}
                 for kr in o["key_results"]]
        out.append({"objective": o["objective"], "type": o["type"], "threshold": threshold,
                    "progress": r4(o["progress"]), "score": r4(o["score"]), "key_results": items})
    return out


def _curve_text(curve) -> str:
    if curve.kind == "linear":
        return f"linear(floor {curve.floor:g}, cap {curve.cap:g})"
    if curve.kind == "bands":
        return "bands(" + ", ".join(f"≥{a:g}→{s:g}" for a, s in curve.bands) + ")"
    return "points(" + ", ".join(f"{a:g}→{s:g}" for a, s in curve.points) + ")"


def explain(ev: Evaluation, employee_id: str, locale: str | None = None,
            history: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The structured derivation of one employee's result (also the ``--format json`` output).

    ``history``: the store's past results of this ruleset (:func:`appraise.store.database.history`, with their
    ``bonus_detail``), for why the bonus changed since the previous period; without it that part is left out."""
    rs: Ruleset = ev.ruleset
    rows = ev.frame.filter(ev.frame["id"] == employee_id)
    if rows.height == 0:
        err = next((e for e in ev.errors if e.employee == employee_id), None)
        if err:
            return {"id": employee_id, "cycle": ev.period.id, "error": err.message, "stage": err.stage}
        raise KeyError(employee_id)
    row = rows.row(0, named=True)
    locale = locale or row.get("locale") or rs.locale or "en"
    # (with what the sub-periods paid: the settlement as the results have it, bonus_detail.paid and .not_stored)
    result = employee_result(row, rs, period=ev.period, overrides=ev.overrides,
                             paid=paid_by_employee(ev) if rs.bonus and rs.bonus.net_of is not None else None)
    card: Scorecard = card_of(rs, row)
    out: dict[str, Any] = {"id": employee_id, "name": row["name"], "cycle": ev.period.id, "locale": locale,
                           "ruleset": {"id": rs.id, "version": rs.version},
                           "scorecard": {"key": card.key, "label": localized(card.label, locale, card.key),
                                         "applies_to": card.applies_to.text if card.applies_to else None,
                                         "values": _values(card.applies_to, row, ev),
                                         "also_matched": _also_matched(ev, card, row)},
                           "tenure_months": result["tenure_months"]}
    # rules: what each action of a rule that fired did, as the engine recorded it (before → after)
    provenance = _provenance(ev)
    steps = {(s.rule, s.action): s for s in provenance.weights(row)}
    rules = []
    for rule in rs.rules:
        acts = rule.applies_to(card)
        if not acts:
            continue
        fired = bool(row.get(f"rule.{rule.id}"))
        actions: list[dict[str, Any]] = []
        entry = {"id": rule.id, "label": localized(rule.label, locale, rule.id),
                 "when": rule.when.text if rule.when else None, "held": fired,
                 "values": _values(rule.when, row, ev), "actions": actions}
        for a in acts:
            if not fired:
                actions.append({"action": _describe(a, "en"), "text": _describe(a, locale)})
                continue
            step = steps[(rule.id, a)]
            if a.kind == "scale_target":  # the target scale of the (first) KPI it scales
                path = next(iter(step.before))
                actions.append({"action": _describe(a, "en"), "text": _describe(a, locale),
                                         "before": r4(step.before[path]), "after": r4(step.after[path])})
                continue
            key = (lambda p: p.split(".", 1)[1]) if "." in (a.path or a.source) else (lambda p: p)
            actions.append({"action": _describe(a, "en"), "text": _describe(a, locale),
                                     "before": {key(k): r4(v) for k, v in step.before.items()},
                                     "after": {key(k): r4(v) for k, v in step.after.items()}})
        rules.append(entry)
    out["rules"] = rules
    dimensions = []
    for d in card.dimensions:
        de: dict[str, Any] = {"key": d.key, "label": localized(d.label, locale, d.key), "kind": d.kind,
                              "weight": {"base": d.weight, "after_rules": r4(row[f"wr.{d.key}"]),
                                         "effective": r4(row[f"w.{d.key}"])},
                              "score": result["dimensions"][d.key]["score"],
                              "dropped_out": d.key in result["missing"]}
        if d.kind == "kpis":
            de["kpis"] = []
            for k in d.kpis:
                p = k.path
                metric = rs.metric(k.metric)
                de["kpis"].append({
                    "path": p, "label": localized(k.label, locale, k.key), "metric": k.metric,
                    "aggregate": metric.aggregate if metric else None,
                    "formula": metric.formula.text if metric and metric.formula else None,
                    "actual": r4(row[f"k.{p}.actual"]), "target": r4(row[f"k.{p}.target"]),
                    "target_from": k.target.describe(), "target_scale": r4(row[f"k.{p}.scale"]),
                    "direction": k.direction, "attainment": r4(row[f"k.{p}.attainment"]),
                    "curve": _curve_text(k.curve), "score": r4(row[f"k.{p}.score"]),
                    "weight": {"base": k.weight, "after_rules": r4(row[f"wr.{p}"]), "effective": r4(row[f"w.{p}"])},
                    "missing": p in result["missing"] or (d.key in result["missing"]),
                    "lost_points": r4(row.get(f"lost.{lost_key(card, k)}")),
                })
        elif d.kind == "feedback360":
            entry = result["dimensions"][d.key]
            shown = {**entry.get("sources", {}), **({"self": entry["self"]} if "self" in entry else {})}
            feedback = feedback_of(d)
            de["scale"] = feedback.scale
            de["sources"] = []
            for rel, w in feedback.sources + ((("self", 0.0),) if "self" not in dict(feedback.sources) else ()):
                if rel in shown:
                    de["sources"].append({"relation": rel, "weight": w, "score": shown[rel],
                                          "raters": row.get(f"f.{d.key}.{rel}.raters"),
                                          "scored": rel in dict(feedback.sources)})
                elif rel != "self":
                    de["sources"].append({"relation": rel, "weight": w, "shown": False})
        elif d.kind == "okr":
            de["objectives"] = _objectives(ev, employee_id, d.aspirational_threshold)
        elif d.kind == "periods":
            spec = periods_of(d)
            parts = spec.parts(ev.period)
            de["ruleset"], de["every"] = spec.ruleset, spec.every
            de["periods"] = [{"period": p.id, "weight": w, "score": r4(row.get(f"p.{d.key}.{p.id}")),
                              "effective": r4(row.get(f"w.{d.key}.{p.id}"))}  # as scoring weighed it
                             for p, w in parts]
        dimensions.append(de)
    out["dimensions"] = dimensions
    out["total"] = {"weighted_sum": r4(row["total.weighted"]),
                    "adjustments": [{"id": a.id, "when": a.when.text, "values": _values(a.when, row, ev),
                                     "points": a.points, "reason": localized(a.reason, locale, "")}
                                    for a in card.adjustments if row.get(f"adj.{a.id}")],
                    "total": r4(row["total"]), "score": result["score"]}
    grade = next((g for g in rs.grades if g.grade == result["grade_uncalibrated"]), None)
    out["grade"] = {"uncalibrated": result["grade_uncalibrated"], "min": grade.min if grade else None,
                    "grade": result["grade"]}
    calibrated = provenance.calibration(row)
    if rs.calibration and calibrated:
        cal = rs.calibration
        out["calibration"] = {"cohort": cal.cohort, "value": calibrated.value,
                              "size": calibrated.size, "min_cohort": cal.min_cohort,
                              "applied": calibrated.applied,
                              "caps": {g: str(s) for g, s in cal.max_share},
                              "moved": calibrated.moved, "before": calibrated.before, "after": calibrated.after}
    if rs.proration == "days" or any("employed_share" in e.names for e in rs.expressions()):
        out["employed"] = {"days": row.get("employed_days"), "total": ev.period.days,
                           "share": r4(row.get("employed_share"))}
    if "override" in result:
        out["override"] = result["override"]
    if rs.bonus and rs.bonus.components:  # an incentive plan's components (README "Incentive plans")
        b = rs.bonus
        out["bonus"] = {"target": result["bonus_detail"].get("target"), "rounding": str(b.rounding),
                        "bonus": result["bonus"], "currency": rs.currency, "target_period": b.target_period,
                        "factor": str(b.target_factor(ev.period)), "proration": rs.proration,
                        "target_cycle": result["bonus_detail"].get("target_cycle")}
    elif rs.bonus:
        b = rs.bonus
        attained = row.get("bonus.attainment")
        out["bonus"] = {
            "target": result.get("bonus_detail", {}).get("target"), "kpi": b.attainment, "attainment": r4(attained),
            "tiers": [{"from": t.start, "pay": str(t.pay), "reached": t.reached} for t in provenance.tiers(row)],
            "tier_pay": result["bonus_detail"]["tier_pay"], "multiplier": result["bonus_detail"]["multiplier"],
            "excess": result["bonus_detail"]["excess"],
            "excess_rule": {"above": b.excess_above, "rate": str(b.excess_rate)}
            if b.excess_above is not None else None,
            "uncapped": result["bonus_detail"]["uncapped"], "cap": result["bonus_detail"]["cap"],
            "rounding": str(b.rounding), "bonus": result["bonus"], "currency": rs.currency,
            "target_period": b.target_period, "factor": str(b.target_factor(ev.period)),
            "proration": rs.proration, "target_cycle": result["bonus_detail"].get("target_cycle"),
        }
    if rs.bonus:
        b = rs.bonus
        if b.net_of is not None:
            # exactly what was netted, as the results have it (the dashboard shows the same): each sub-period's paid
            # bonus, and the sub-periods nothing is stored of for this person (not run yet, or not appraised then),
            # counted 0
            detail = result.get("bonus_detail") or {}
            paid = [{"period": period, "bonus": bonus} for period, bonus in (detail.get("paid") or {}).items()]
            not_stored = list(detail.get("not_stored") or [])
            out["bonus"]["net_of"] = {"ruleset": b.net_of.ruleset, "every": b.net_of.every,
                                      "clawback": b.net_of.clawback, "paid": paid, "not_stored": not_stored,
                                      "gross": result.get("bonus_gross"), "bonus_paid": result.get("bonus_paid")}
        if b.incentive:
            out["bonus"]["plan"] = incentive.section(rs, row, result, locale)
    out.update(credit.explained(ev, employee_id, row))  # team roll-ups and split credit, when there are any
    out["outcomes"] = [{"id": o.id, "label": localized(o.label, locale, o.id), "when": o.when.text,
                        "values": _values(o.when, row, ev), "held": bool(row.get(f"outcome.{o.id}"))}
                       for o in rs.outcomes]
    out["missing"] = result["missing"]
    out["missing_policy"] = rs.missing
    out["months"] = ev.period.months_count
    out["lost_points"] = result["lost_points"]
    out["focus_areas"] = result["focus_areas"]
    out["result"] = {k: result[k] for k in ("score", "grade", "grade_uncalibrated", "bonus", "rules_fired",
                                            "outcomes", "focus_areas")}
    out["within_reach"] = _within_reach(ev, employee_id, history)
    return out


def _within_reach(ev: Evaluation, employee_id: str, history: Mapping[str, Any] | None) -> dict[str, Any]:
    """The next grade, the next bonus tier and why the bonus changed, as the core worked them out for the pages
    (:func:`appraise.core.insights.insights`; its 360 detail is left to the dimensions above)."""
    from appraise.core.insights import insights

    found = insights(ev, None, history or {}, ids=[employee_id]).get(employee_id, {})
    out: dict[str, Any] = {k: found[k] for k in ("next_grade", "next_tier", "bonus_change") if k in found}
    seats = (out.get("next_grade") or {}).get("seats")
    if seats and seats.get("cohort_size", 0) < ev.ruleset.min_group:  # a place in a small cohort, as the pages
        out["next_grade"] = {**out["next_grade"], "seats": {k: v for k, v in seats.items() if k != "place"}}
    return out


def _vals(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} = {_fmt(v)}" for k, v in values.items()) or "—"


def render_text(x: dict[str, Any]) -> str:
    """The derivation as readable text in ``x['locale']`` (en or zh-CN)."""
    from appraise.i18n import Texts

    m = _messages(x.get("locale"))
    names = Texts(x.get("locale") or "en")  # 360 relations named as on the dashboards
    if "error" in x:  # (the engine's English, in the reader's language)
        from appraise.i18n import message_locale, translate

        return f"{x['id']} ({x['cycle']}): {translate(x['error'], x.get('locale') or message_locale())}"
    lines = [m["title"].format(**x), ""]
    sc = x["scorecard"]
    lines.append(m["scorecard"].format(label=sc["label"], key=sc["key"],
                                       why=f"`{sc['applies_to']}` ({_vals(sc['values'])})"
                                       if sc["applies_to"] else "—"))
    if sc.get("also_matched"):
        lines.append(m["also_matched"].format(others=", ".join(sc["also_matched"])))
    if x.get("tenure_months") is not None:
        lines.append(m["tenure"].format(months=x["tenure_months"]))
    if x.get("employed"):
        e = x["employed"]
        lines.append(m["employed"].format(days=e["days"], total=e["total"], share=_fmt(e["share"])))
    if x["rules"]:
        lines += ["", m["rules"]]
        for r in x["rules"]:
            if r["when"] is None:
                lines.append(m["rule_always"].format(**r))
            else:
                lines.append(m["rule_held" if r["held"] else "rule_not"].format(
                    id=r["id"], label=r["label"], when=r["when"], values=_vals(r["values"])))
            for a in r["actions"]:
                if "before" in a:
                    if isinstance(a["before"], dict):
                        changes = ", ".join(f"{k} {_fmt(v)} → {_fmt(a['after'][k])}" for k, v in a["before"].items()
                                            if v != a["after"][k])
                        lines.append(f"    {a.get('text', a['action'])}{m['colon']}{changes}")
                    else:
                        lines.append(m["action"].format(what=a.get("text", a["action"]), before=_fmt(a["before"]),
                                                        after=_fmt(a["after"])))
    lines.append("")
    for d in x["dimensions"]:
        w = d["weight"]
        lines.append(m["dimension"].format(label=d["label"], key=d["key"], base=_fmt(w["base"]),
                                           ruled=_fmt(w["after_rules"]), eff=_fmt(w["effective"]),
                                           score=_fmt(d["score"])))
        if d["dropped_out"]:
            lines.append(m["dropped"])
        for k in d.get("kpis", []):
            kw = k["weight"]
            if kw["after_rules"] == 0:
                lines.append(m["kpi_rule_dropped"].format(**k))
            elif k["missing"] and k["attainment"] is None:
                lines.append(m["kpi_missing"].format(**k))
            else:
                target_from = k["target_from"] + (f" × {_fmt(k['target_scale'])}" if k["target_scale"] != 1 else "")
                formula = "target / actual" if k["direction"] == "lower" else "actual / target"
                lines.append(m["kpi"].format(label=k["label"], path=k["path"], actual=_fmt(k["actual"]),
                                             target=_fmt(k["target"]), target_from=target_from,
                                             att=_fmt(k["attainment"]), att_formula=formula, curve=k["curve"],
                                             score=_fmt(k["score"]), base=_fmt(kw["base"]),
                                             ruled=_fmt(kw["after_rules"]), eff=_fmt(kw["effective"])))
        for s in d.get("sources", []):
            if s.get("shown") is False:
                lines.append(m["source_hidden"].format(relation=names.relation(s["relation"])))
            elif not s["scored"]:
                lines.append(m["source_self"].format(score=_fmt(s["score"])))
            else:
                lines.append(m["source"].format(relation=names.relation(s["relation"]),
                                                raters=s["raters"],
                                                value=_fmt(s["score"] * d["scale"] / 100), scale=_fmt(d["scale"]),
                                                score=_fmt(s["score"]), weight=_fmt(s["weight"])))
        if d["kind"] == "periods":
            weights = ", ".join(f"{p['period']} {_fmt(p['weight'])}" for p in d["periods"])
            lines.append(m["periods"].format(ruleset=d["ruleset"], weights=weights))
            for p in d["periods"]:
                if p["score"] is None:
                    how = m["missing_zero"] if x.get("missing_policy") == "zero" else m["missing_redistribute"]
                    lines.append(m["subperiod_missing"].format(period=p["period"], how=how))
                else:
                    lines.append(m["subperiod"].format(period=p["period"], score=_fmt(p["score"]),
                                                       weight=_fmt(p["weight"]), eff=_fmt(p["effective"])))
        if d["kind"] == "okr" and d["score"] is not None:
            lines.append(m["okr"].format(score=_fmt(d["score"])))
            for o in d.get("objectives", []):
                how = m["aspirational"].format(threshold=_fmt(o["threshold"])) if o["type"] == "aspirational" else ""
                lines.append(m["objective"].format(name=o["objective"], type=m.get(f"type_{o['type']}", o["type"]),
                                                   progress=_fmt(o["progress"]),
                                                   score=_fmt(o["score"]), how=how))
                for kr in o["key_results"]:
                    lines.append(m["key_result"].format(**{k: _fmt(v) if k != "name" else v for k, v in kr.items()}))
    t = x["total"]
    lines += ["", m["total"].format(base=_fmt(t["weighted_sum"]))]
    for a in t["adjustments"]:
        lines.append(m["adjustment"].format(id=a["id"], when=a["when"], values=_vals(a["values"]),
                                            points=a["points"], reason=a["reason"]))
    lines.append(m["floor"].format(total=_fmt(t["total"])))
    lines.append(m["rounded"].format(score=f"{t['score']:.2f}"))
    g = x["grade"]
    lines.append(m["grade"].format(grade=g["uncalibrated"], min=_fmt(g["min"])))
    if "calibration" in x:
        c = x["calibration"]
        caps = ", ".join(f"{k} ≤ {v}" for k, v in c["caps"].items())
        if not c["applied"]:
            what = m["calibration_small"].format(min=c["min_cohort"])
        elif c["moved"]:
            what = m["calibration_moved"].format(before=c.get("before", g["uncalibrated"]),
                                                 after=c.get("after", g["grade"]), caps=caps)
        else:
            what = m["calibration_kept"].format(caps=caps)
        lines.append(m["calibration"].format(cohort=c["cohort"], value=c["value"], size=c["size"], what=what))
    if x.get("override"):
        o = x["override"]
        overridden = [m["override_score"].format(before=f"{o['score'][0]:.2f}", after=f"{o['score'][1]:.2f}")
                      for _ in [0] if "score" in o]
        overridden += [m["override_grade"].format(before=o["grade"][0], after=o["grade"][1])
                       for _ in [0] if "grade" in o]
        lines.append(m["override"].format(by=o.get("by", ""), date=o.get("date", ""), what=m["sep"].join(overridden),
                                          reason=o.get("reason", "")))
    if "bonus" in x:
        b = x["bonus"]
        parts = (b.get("plan") or {}).get("components")
        lines += ["", incentive.header(x, x["locale"]) if parts else
                  m["bonus"].format(target=b["target"], currency=b["currency"], kpi=b["kpi"],
                                    att=_fmt(b["attainment"]))]
        if b.get("target_period", "cycle") != "cycle" or b.get("proration") == "days":
            why = []
            if b["target_period"] != "cycle":
                why.append(m["target_period"].format(period=m.get(f"kind_{b['target_period']}", b["target_period"]),
                                                     months=x.get("months", "")))
            if b.get("proration") == "days" and x.get("employed"):
                why.append(m["prorated"].format(share=_fmt(x["employed"]["share"])))
            lines.append(m["target_cycle"].format(target=b["target"], factor=b["factor"] + (
                " × employed_share" if b.get("proration") == "days" else ""), cycle_target=b.get("target_cycle"),
                why=m["sep"].join(why)))
        if parts:
            lines += incentive.component_lines(x, x["locale"])
        if b["bonus"] is None and not b.get("net_of"):
            lines.append(m["bonus_none"].format(why="missing target bonus or attainment"))
        elif b["bonus"] is None and b["net_of"]["gross"] is None:
            lines.append(m["bonus_none"].format(why="missing target bonus or attainment"))
        else:
            for tier in b.get("tiers", []):
                lines.append(m["tier"].format(start=_fmt(tier["from"]), reached="✔" if tier["reached"] else "✘",
                                              pay=tier["pay"]))
            if not parts:
                after = Decimal(b["tier_pay"]) * Decimal(b["multiplier"])
                lines.append(m["tier_pay"].format(tier_pay=b["tier_pay"], mult=b["multiplier"], grade=g["grade"],
                                                  after_mult=format(after.normalize(), "f")))
            if b.get("excess_rule"):
                kpi = next(k for d in x["dimensions"] for k in d.get("kpis", [])
                           if k["path"] == b["kpi"] or k["path"].endswith("." + b["kpi"]))
                lines.append(m["excess"].format(rate=b["excess_rule"]["rate"], actual=_fmt(kpi["actual"]),
                                                above=_fmt(b["excess_rule"]["above"]), target=_fmt(kpi["target"]),
                                                excess=b["excess"]))
            if b.get("cap") is not None:
                capped = min(Decimal(b["uncapped"]), Decimal(b["cap"]))
                lines.append(m["cap"].format(cap=b["cap"], uncapped=b["uncapped"],
                                             capped=format(capped.normalize(), "f")))
            net = b.get("net_of")
            # a guarantee or a draw settles what is paid after this: the amount here is what was earned
            settles = "draw" in (b.get("plan") or {}) or "guarantee" in (b.get("plan") or {})
            due = b["plan"]["earned"] if settles else b["bonus"]
            lines.append(m["bonus_gross" if net or settles else "bonus_paid"].format(
                unit=b["rounding"], bonus=net["gross"] if net else due, currency=b["currency"]))
            if net:
                # every sub-period in order: paid, paid nothing (a null bonus), or nothing stored for the person
                stored = {p["period"]: p["bonus"] for p in net["paid"]}
                for period in sorted([*stored, *net.get("not_stored", [])]):
                    amount = stored.get(period)
                    lines.append(m["net_not_stored"].format(ruleset=net["ruleset"], period=period)
                                 if period not in stored else
                                 m["net_no_bonus"].format(ruleset=net["ruleset"], period=period) if amount is None
                                 else m["net_paid"].format(ruleset=net["ruleset"], period=period, amount=amount,
                                                           currency=b["currency"]))
                lines.append(m["net"].format(gross=net["gross"], paid=net["bonus_paid"], due=due,
                                             currency=b["currency"],
                                             floor="" if net["clawback"] else m["net_floor"]))
        if b.get("plan"):
            lines += incentive.settle_lines(x, x["locale"])
    lines += credit.text(x, x.get("locale"))
    if x["outcomes"]:
        lines.append("")
        for o in x["outcomes"]:
            lines.append(m["outcome"].format(id=o["id"], label=o["label"], when=o["when"],
                                             held=(m["held"] if o["held"] else m["not_held"])
                                             + f" ({_vals(o['values'])})"))
    lines += _reach_lines(x, m)
    lines.append("")
    if x["missing"]:
        lines.append(m["missing"].format(items=", ".join(x["missing"])))
    focus = ", ".join(f"{k} ({_fmt(x['lost_points'][k])})" for k in x["focus_areas"])
    lines.append(m["focus"].format(items=focus or "—"))
    return "\n".join(lines) + "\n"


def _reach_lines(x: dict[str, Any], m: Mapping[str, str]) -> list[str]:
    """The ``within_reach`` part of the derivation as text (empty when there is nothing within reach)."""
    found = x.get("within_reach") or {}
    if not found:
        return []
    currency = (x.get("bonus") or {}).get("currency") or ""
    lines = ["", m["reach"]]
    grade = found.get("next_grade")
    if grade:
        moved = grade.get("calibrated")
        values = {"grade": grade["grade"], "min": _fmt(grade["min"]), "points": f"{grade['points']:.2f}"}
        lines.append(m["reach_calibrated"].format(score=f"{x['total']['score']:.2f}", band=moved.get("band") or "",
                                                  held=moved.get("held") or "", **values)
                     if moved else m["reach_grade"].format(**values))
        seats = grade.get("seats")
        if seats:
            place = m["reach_place"].format(place=seats["place"]) if seats.get("place") is not None else ""
            key = "reach_seats_none" if seats["seats"] == 0 else "reach_seats"
            lines.append(m[key].format(seats=seats["seats"], size=seats["cohort_size"], cohort=seats["cohort"],
                                       limited=seats["seats_grade"], share=_fmt(seats["seats_share"]), place=place))
    tier = found.get("next_tier")
    if tier:
        worth, pays = tier.get("worth"), tier.get("pays")
        what = (m["reach_worth"].format(worth=worth, currency=currency) if worth is not None and Decimal(worth) > 0
                else m["reach_pays"].format(pays=pays, currency=currency) if pays is not None and Decimal(pays) > 0
                else m["reach_capped"])
        lines.append(m["reach_tier"].format(tier=tier["tier"], start=_fmt(tier["from"]), kpi=tier["kpi"],
                                            actual=_fmt(tier["actual"]), needed=_fmt(tier["needed"]),
                                            gap=_fmt(tier["gap"]), what=what))
    change = found.get("bonus_change")
    if change:
        score, grades = change.get("score") or [None, None], change.get("grade") or [None, None]
        delta = Decimal(change["change"])
        lines += ["", m["change"].format(cycle=change["cycle"], previous=change["previous"], now=change["now"],
                                         currency=currency, change=f"{'+' if delta > 0 else ''}{change['change']}",
                                         score=" → ".join(_fmt(v) for v in score),
                                         grade=" → ".join(str(g or "—") for g in grades))]
        for e in change.get("effects") or []:
            lines.append(m["effect"].format(what=_effect(e, m), amount=e["amount"], currency=currency))
    return lines


def _effect(e: Mapping[str, Any], m: Mapping[str, str]) -> str:
    """One step of a bonus change (:func:`appraise.core.insights.bonus_change`) named."""
    kind = e.get("kind")
    pair = {"target": "target", "tiers": "attainment", "multiplier": "multiplier", "excess": "excess",
            "component": "paid"}.get(str(kind))
    before, after = (e.get(pair) or [None, None]) if pair else (None, None)
    return m.get(f"effect_{kind}", str(kind)).format(
        before=_fmt(before), after=_fmt(after), kpi=e.get("kpi") or "", component=e.get("component") or "")
