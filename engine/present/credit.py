"""Team roll-ups and split credit explained: whose values made a manager's team metric (and whose were missing),
and each seller's part of each deal, as the engine recorded them (``Evaluation.teams``, ``Evaluation.splits``;
README "Team roll-up and split credit").  Read by ``appraise explain`` and the dashboards; nothing is worked out
again here.
"""
from __future__ import annotations

from typing import Any

import polars as pl

MESSAGES = {  # {key: {locale: text}}, as the pages' catalogue (appraise.i18n.MESSAGES)
    "rollups": {"en": "Team roll-ups", "zh-CN": "团队汇总"},
    "rollup": {"en": "  {metric} = {aggregate} of {of} over {scope}{self}: {value} ({counted} of {total} counted)",
               "zh-CN": "  {metric} = {of} 在{scope}{self}上的{aggregate}：{value}（{total} 人中计入 {counted} 人）"},
    "rollup_missing": {"en": "  {metric} = {aggregate} of {of} over {scope}{self}: missing — no value for {missing}",
                       "zh-CN": "  {metric} = {of} 在{scope}{self}上的{aggregate}：缺失 — {missing} 无数值"},
    "report": {"en": "    {id}{depth}: {value}", "zh-CN": "    {id}{depth}：{value}"},
    "direct": {"en": "the direct reports", "zh-CN": "直接下属"},
    "subtree": {"en": "everyone below them", "zh-CN": "全部下属"},
    "with_self": {"en": " and their own", "zh-CN": "及本人"},
    "level": {"en": " (level {depth})", "zh-CN": "（第 {depth} 级）"},
    "own": {"en": " (own)", "zh-CN": "（本人）"},
    "no_value": {"en": "no value", "zh-CN": "无数值"},
    "credits": {"en": "Split credit: their part of each deal (whole cents; a cent left over goes to the largest "
                      "remainder)",
                "zh-CN": "业绩拆分：本人在每笔交易中的份额（按分计；余下的分给舍去最多者）"},
    "credit": {"en": "  {deal} {month} {metric}: {amount} × {share} = {credited}",
               "zh-CN": "  {deal} {month} {metric}：{amount} × {share} = {credited}"},
    "agg.sum": {"en": "sum", "zh-CN": "合计"},
    "agg.mean": {"en": "mean", "zh-CN": "平均"},
    "agg.min": {"en": "minimum", "zh-CN": "最小值"},
    "agg.max": {"en": "maximum", "zh-CN": "最大值"},
}


def explained(ev, employee_id: str, row: dict[str, Any]) -> dict[str, Any]:
    """``team_rollups`` (each roll-up metric of the ruleset: its definition, value and the reports read) and
    ``split_credit`` (the employee's part of each deal) for ``appraise explain``; empty when the ruleset has no
    roll-up and the cycle no split credit."""
    out: dict[str, Any] = {}
    rollups = [m for m in ev.ruleset.metrics if getattr(m, "rollup", None) is not None]
    if rollups:
        ledger = getattr(ev, "teams", None)
        mine = ledger.filter(pl.col("manager") == employee_id) if ledger is not None else None
        items = []
        for m in rollups:
            r = m.rollup
            rows = mine.filter(pl.col("metric") == m.name) if mine is not None else None
            if rows is None or not rows.filter(pl.col("depth") > 0).height:
                continue  # no one reports to them: nothing to explain
            reports = [{"id": x["report"], "depth": x["depth"], "value": x["value"], "counted": x["counted"]}
                       for x in (rows.iter_rows(named=True) if rows is not None else [])]
            items.append({"metric": m.name, "of": r.of, "scope": r.scope, "aggregate": r.aggregate, "via": r.via,
                          "include_self": r.include_self, "value": row.get(f"m.{m.name}"), "reports": reports})
        if items:
            out["team_rollups"] = items
    splits = getattr(ev, "splits", None)
    if splits is not None:
        out["split_credit"] = splits.filter(pl.col("employee") == employee_id).drop("employee").to_dicts()
    return out


def text(x: dict[str, Any], locale: str | None) -> list[str]:
    """The lines of ``appraise explain`` for :func:`explained`'s keys of ``x``."""
    lang = "zh-CN" if (locale or "").startswith("zh") else "en"
    m = {key: entry[lang] for key, entry in MESSAGES.items()}
    lines: list[str] = []
    if x.get("team_rollups"):
        lines += ["", m["rollups"]]
        for r in x["team_rollups"]:
            words = {"metric": r["metric"], "of": r["of"], "scope": m[r["scope"]],
                     "aggregate": m["agg." + r["aggregate"]], "self": m["with_self"] if r["include_self"] else ""}
            reports = r["reports"]
            missing = [p["id"] for p in reports if not p["counted"]]
            if missing:
                lines.append(m["rollup_missing"].format(**words, missing=", ".join(missing)))
            else:
                lines.append(m["rollup"].format(**words, value=_num(r["value"]), counted=len(reports),
                                                total=len(reports)))
            for p in reports:
                depth = m["own"] if p["depth"] == 0 else (m["level"].format(depth=p["depth"]) if p["depth"] > 1
                                                          else "")
                lines.append(m["report"].format(id=p["id"], depth=depth,
                                                value=_num(p["value"]) if p["counted"] else m["no_value"]))
    if x.get("split_credit"):
        lines += ["", m["credits"]]
        lines += [m["credit"].format(**c) for c in x["split_credit"]]
    return lines


def _num(value) -> str:
    if value is None:
        return "—"
    shown = f"{value:,.6f}".rstrip("0").rstrip(".")
    return repr(value) if shown in ("0", "-0") and value != 0 else shown
