"""Team roll-ups and split credit explained: whose values made a manager's team metric (and whose were missing),
and each seller's part of each deal, as the engine recorded them (``Evaluation.teams``, ``Evaluation.splits``;
README "Team roll-up and split credit").  Read by ``appraise explain`` and the dashboards; nothing is worked out
again here.
"""
from __future__ import annotations

from typing import Any

import polars as pl

MESSAGES = {
    "en": {
        "rollups": "Team roll-ups",
        "rollup": "  {metric} = {aggregate} of {of} over {scope}{self}: {value} ({counted} of {total} counted)",
        "rollup_missing": "  {metric} = {aggregate} of {of} over {scope}{self}: missing — no value for {missing}",
        "report": "    {id}{depth}: {value}",
        "direct": "the direct reports", "subtree": "everyone below them", "with_self": " and their own",
        "level": " (level {depth})", "own": " (own)", "no_value": "no value",
        "credits": "Split credit: their part of each deal (whole cents; a cent left over goes to the largest "
                   "remainder)",
        "credit": "  {deal} {month} {metric}: {amount} × {share} = {credited}",
    },
    "zh-CN": {
        "rollups": "团队汇总",
        "rollup": "  {metric} = {of} 在{scope}{self}上的{aggregate}：{value}（{total} 人中计入 {counted} 人）",
        "rollup_missing": "  {metric} = {of} 在{scope}{self}上的{aggregate}：缺失 — {missing} 无数值",
        "report": "    {id}{depth}：{value}",
        "direct": "直接下属", "subtree": "全部下属", "with_self": "及本人",
        "level": "（第 {depth} 级）", "own": "（本人）", "no_value": "无数值",
        "credits": "业绩拆分：本人在每笔交易中的份额（按分计；余下的分给舍去最多者）",
        "credit": "  {deal} {month} {metric}：{amount} × {share} = {credited}",
    },
}
AGGREGATES = {"en": {"sum": "sum", "mean": "mean", "min": "minimum", "max": "maximum"},
              "zh-CN": {"sum": "合计", "mean": "平均", "min": "最小值", "max": "最大值"}}


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
    m, agg = MESSAGES[lang], AGGREGATES[lang]
    lines: list[str] = []
    if x.get("team_rollups"):
        lines += ["", m["rollups"]]
        for r in x["team_rollups"]:
            words = {"metric": r["metric"], "of": r["of"], "scope": m[r["scope"]], "aggregate": agg[r["aggregate"]],
                     "self": m["with_self"] if r["include_self"] else ""}
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
