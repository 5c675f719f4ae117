"""Every string a reader sees on a dashboard, plan or overview, in English and Chinese.

:data:`MESSAGES` is the catalog: ``{key: {"en": ..., "zh-CN": ...}}`` with
``str.format`` placeholders.  A ruleset may reword any entry through
``report.wording`` (an i18n text per key); :class:`Texts` applies that.
:class:`Formatter` formats numbers, percentages, money and dates for one
locale with Babel, so a Chinese page reads ``2026年10月1日`` and ``¥41,100``
and an English one ``Oct 1, 2026`` and ``CN¥41,100``.

Both classes are cheap to build and cached per locale: rendering ten thousand
pages must not parse a CLDR locale ten thousand times.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_percent, get_decimal_symbol, get_group_symbol

LOCALES = ("en", "zh-CN")
_QUANTUM = {n: Decimal(1).scaleb(-n) for n in range(0, 7)}
DEFAULT_LOCALE = "en"

MESSAGES: dict[str, dict[str, str]] = {
    # page titles and navigation
    "dashboard.title": {"en": "Performance dashboard", "zh-CN": "个人绩效仪表盘"},
    "plan.title": {"en": "Development plan", "zh-CN": "个人发展计划"},
    "plan.title_formal": {"en": "Capability improvement plan", "zh-CN": "能力提升计划"},
    "team.title": {"en": "Team overview: {team}", "zh-CN": "团队概览：{team}"},
    "index.title": {"en": "Appraisal overview", "zh-CN": "考核总览"},
    "index.slice": {"en": "Pages were rendered for {pages} only: {teams} of {total} teams, {people} people. The "
                          "figures below are the whole cycle's; the other teams' pages are not in this folder.",
                    "zh-CN": "仅为 {pages} 生成了页面：{total} 个团队中的 {teams} 个，共 {people} 人。下列数据为整个"
                             "周期的数据；其他团队的页面不在此目录中。"},
    "page.h1": {"en": "{title}: {name}", "zh-CN": "{title}：{name}"},
    "nav.dashboard": {"en": "Performance dashboard", "zh-CN": "绩效仪表盘"},
    "nav.plan": {"en": "Development plan", "zh-CN": "发展计划"},
    "nav.index": {"en": "All teams", "zh-CN": "返回总览"},
    "nav.label": {"en": "Pages", "zh-CN": "页面导航"},
    "confidential": {"en": "Confidential: for {name} and their manager only.",
                     "zh-CN": "保密：仅限{name}本人及其上级查阅。"},
    "confidential.team": {"en": "Confidential: for HR and line managers.",
                          "zh-CN": "保密：仅限人力资源部与直属上级查阅。"},
    # headline facts
    "cycle": {"en": "Cycle", "zh-CN": "考核周期"},
    "scorecard": {"en": "Scorecard", "zh-CN": "考核方案"},
    "team": {"en": "Team", "zh-CN": "团队"},
    "tenure": {"en": "Tenure", "zh-CN": "司龄"},
    "tenure.months": {"en": "{n} months", "zh-CN": "{n} 个月"},
    "score": {"en": "Score", "zh-CN": "综合得分"},
    "grade": {"en": "Grade", "zh-CN": "绩效等级"},
    "bonus": {"en": "Bonus", "zh-CN": "绩效奖金"},
    "calibration.note": {
        "en": "Calibrated from {before} to {after}: team {cohort} ({size} people) may hold only a set share "
              "of the top grades, and the lowest scores above the limit move down one grade.",
        "zh-CN": "等级经校准由 {before} 调整为 {after}：团队 {cohort}（{size} 人）高等级人数有比例上限，"
                 "超出部分按得分由低到高下调一级。"},
    "adjustment": {"en": "{reason}: {points} points", "zh-CN": "{reason}：{points} 分"},
    "adjustments": {"en": "Adjustments", "zh-CN": "加减分项"},
    # bonus
    "bonus.heading": {"en": "Bonus breakdown", "zh-CN": "奖金构成"},
    "bonus.target": {"en": "Target bonus", "zh-CN": "目标奖金"},
    "bonus.attainment": {"en": "Attainment of {kpi}", "zh-CN": "{kpi}达成率"},
    "bonus.tiers": {"en": "Tiers reached", "zh-CN": "达到档位"},
    "bonus.tiers_value": {"en": "{reached} of {total}", "zh-CN": "{reached} / {total}"},
    "bonus.tier_pay": {"en": "Tier pay", "zh-CN": "档位奖金"},
    "bonus.multiplier": {"en": "Grade multiplier (grade {grade})", "zh-CN": "等级系数（{grade} 级）"},
    "bonus.excess": {"en": "Excess pay", "zh-CN": "超额提成"},
    "bonus.uncapped": {"en": "Before cap", "zh-CN": "封顶前合计"},
    "bonus.cap": {"en": "Cap", "zh-CN": "封顶金额"},
    "bonus.total": {"en": "Bonus paid", "zh-CN": "实发奖金"},
    "bonus.capped": {"en": "The cap applied.", "zh-CN": "已按封顶金额发放。"},
    "bonus.target_cycle": {"en": "Target for this cycle", "zh-CN": "本期目标奖金"},
    "bonus.gross": {"en": "Bonus for the period", "zh-CN": "本期应计奖金"},
    "bonus.paid_for": {"en": "Already paid for {period}", "zh-CN": "{period} 已发放"},
    "bonus.due": {"en": "Due now", "zh-CN": "本期应发"},
    "bonus.clawback": {"en": "The amount due is negative: it is to be paid back.",
                       "zh-CN": "应发金额为负数：需退回。"},
    # proration, overrides, results of shorter periods
    "employed.note": {"en": "Employed for {share} of the period; the bonus target is prorated to it.",
                      "zh-CN": "本期在职比例 {share}，目标奖金按此比例折算。"},
    "override.note": {"en": "Result overridden by {by} on {date}: {what}. Reason: {reason}",
                      "zh-CN": "结果经 {by} 于 {date} 人工调整：{what}。原因：{reason}"},
    "override.score": {"en": "score {before} → {after}", "zh-CN": "得分 {before} → {after}"},
    "override.grade": {"en": "grade {before} → {after}", "zh-CN": "等级 {before} → {after}"},
    "periods.heading": {"en": "{dimension}: results of the shorter periods", "zh-CN": "{dimension}：各子周期结果"},
    "periods.note": {"en": "Each period's reported score in the {ruleset} reviews, weighted.",
                     "zh-CN": "取自 {ruleset} 各期考核的报告得分，按权重加权。"},
    "periods.period": {"en": "Period", "zh-CN": "周期"},
    "periods.missing": {"en": "no result stored", "zh-CN": "无存储结果"},
    # dimensions and KPIs
    "dimensions.heading": {"en": "Dimensions", "zh-CN": "考核维度"},
    "dimensions.chart": {"en": "Dimension scores (100 = target met)", "zh-CN": "各维度得分（100 = 达成目标）"},
    "dimension": {"en": "Dimension", "zh-CN": "维度"},
    "weight": {"en": "Weight", "zh-CN": "权重"},
    "kpis.heading": {"en": "Key performance indicators", "zh-CN": "关键绩效指标"},
    "kpi": {"en": "Indicator", "zh-CN": "指标"},
    "actual": {"en": "Actual", "zh-CN": "实际值"},
    "target": {"en": "Target", "zh-CN": "目标值"},
    "attainment": {"en": "Attainment", "zh-CN": "达成率"},
    "effective_weight": {"en": "Effective weight", "zh-CN": "生效权重"},
    "weight.missing": {"en": "No data: weight shared among the others", "zh-CN": "数据缺失，权重已分配给其他指标"},
    "weight.dropped": {"en": "Dropped by rule: {rules}", "zh-CN": "规则剔除：{rules}"},
    "weight.changed": {"en": "Changed from {base} by rule: {rules}", "zh-CN": "由 {base} 调整，规则：{rules}"},
    "weight.redistributed": {"en": "Changed from {base}: weight of dropped items shared",
                             "zh-CN": "由 {base} 调整：剔除项目的权重已重新分配"},
    "target.scaled": {"en": "Target changed by rule: {rules}", "zh-CN": "目标经规则调整：{rules}"},
    # trend
    "trend.heading": {"en": "Trend over past cycles", "zh-CN": "历史趋势"},
    "trend.none": {"en": "No history yet: this is the first cycle on record.",
                   "zh-CN": "暂无历史记录：这是第一个有记录的考核周期。"},
    "trend.chart": {"en": "Score by cycle: {points}", "zh-CN": "各周期得分：{points}"},
    # strengths and gaps
    "strengths.heading": {"en": "Strengths", "zh-CN": "优势"},
    "gaps.heading": {"en": "Areas to improve", "zh-CN": "待改进"},
    "strength.rank1": {"en": "{kpi} ranks first in the team ({attainment} of target)",
                       "zh-CN": "{kpi}团队排名第一（达成率 {attainment}）"},
    "strength.high": {"en": "{kpi} at {attainment} of target", "zh-CN": "{kpi}达成率 {attainment}"},
    "rank": {"en": "rank {rank} of {size}", "zh-CN": "团队第 {rank} 名，共 {size} 人"},
    "team_average": {"en": "Team average", "zh-CN": "团队均值"},
    "strengths.none": {"en": "No indicator stands out yet.", "zh-CN": "暂无突出指标。"},
    "comparison.off": {
        "en": "Team comparisons appear only when at least {n} people share your scorecard and team.",
        "zh-CN": "仅当同一考核方案和团队中至少有 {n} 人时才显示团队对比。"},
    # 360
    "feedback.heading": {"en": "360° feedback", "zh-CN": "360度反馈"},
    "punct.colon": {"en": ": ", "zh-CN": "："},
    "feedback.source": {"en": "Source", "zh-CN": "评价来源"},
    "feedback.raters": {"en": "Raters", "zh-CN": "评价人数"},
    "feedback.self_gap": {"en": "Self-assessment {self} against {others} from others: {gap} points",
                          "zh-CN": "自评 {self}，他评 {others}，相差 {gap} 分"},
    "feedback.anonymity": {"en": "Sources with too few raters are not shown, to keep ratings anonymous.",
                           "zh-CN": "评价人数不足的来源不予显示，以保护评价人匿名。"},
    "feedback.not_scored": {"en": "shown, not scored", "zh-CN": "仅展示，不计分"},
    "relation.manager": {"en": "Manager", "zh-CN": "上级"},
    "relation.peer": {"en": "Peers", "zh-CN": "平级同事"},
    "relation.subordinate": {"en": "Direct reports", "zh-CN": "下级"},
    "relation.customer": {"en": "Customers", "zh-CN": "客户"},
    "relation.self": {"en": "Self", "zh-CN": "自评"},
    # OKR
    "okr.progress": {"en": "{dimension}: {score} of 100", "zh-CN": "{dimension}：{score} / 100"},
    "okr.none": {"en": "No objectives were recorded for this cycle.", "zh-CN": "本周期未登记 OKR。"},
    # missing data, rules, outcomes
    "missing.heading": {"en": "Missing data", "zh-CN": "数据缺失说明"},
    "missing.item": {"en": "No data for {item}: its weight was shared among the other items.",
                     "zh-CN": "{item}无数据，其权重已分配给其他项目。"},
    "rules.heading": {"en": "Rules applied this cycle", "zh-CN": "本周期适用的规则"},
    "rules.none": {"en": "No special rule applied.", "zh-CN": "未触发特殊规则。"},
    "outcomes.heading": {"en": "Outcomes", "zh-CN": "考核结果应用"},
    # plans
    "plan.intro": {"en": "Suggestions to build on this cycle, focused on the items that cost the most points.",
                   "zh-CN": "以下建议聚焦本周期失分最多的项目，帮助你在下一周期持续提升。"},
    "plan.formal_intro": {
        "en": "A capability improvement plan over the next {weeks} weeks: the goals below are agreed with "
              "your manager, who supports you with coaching and regular check-ins.",
        "zh-CN": "未来 {weeks} 周的能力提升计划：以下目标由你与上级共同确认，上级将通过辅导和定期检查给予支持。"},
    "plan.focus_heading": {"en": "Development focus", "zh-CN": "发展重点"},
    "plan.lost": {"en": "{points} points lost", "zh-CN": "失分 {points}"},
    "plan.actions": {"en": "Suggested actions", "zh-CN": "建议行动"},
    "plan.no_playbook": {"en": "Agree concrete actions with your manager.", "zh-CN": "请与上级商定具体行动。"},
    "plan.no_focus": {"en": "Every item reached its full score: keep it up and share what works.",
                      "zh-CN": "所有项目均获满分：请继续保持，并分享你的经验。"},
    "plan.goals_heading": {"en": "Goals for the next cycle", "zh-CN": "下一周期目标"},
    "plan.goal_kpi": {"en": "{kpi} from {current} to {target}", "zh-CN": "{kpi}由 {current} 提升至 {target}"},
    "plan.goal_kpi_lower": {"en": "{kpi} down from {current} to {target}", "zh-CN": "{kpi}由 {current} 降至 {target}"},
    "plan.goal_kpi_nodata": {"en": "{kpi}: report data and reach {target}",
                             "zh-CN": "{kpi}：按时提供数据并达到 {target}"},
    "plan.goal_dimension": {"en": "{dimension} score from {current} to {target} (half the gap to 100)",
                            "zh-CN": "{dimension}得分由 {current} 提升至 {target}（缩小与满分差距的一半）"},
    "plan.goal": {"en": "Goal", "zh-CN": "目标"},
    "plan.owner": {"en": "Owner", "zh-CN": "负责人"},
    "plan.owner_default": {"en": "Line manager", "zh-CN": "直属上级"},
    "plan.checkpoints": {"en": "Checkpoints", "zh-CN": "检查节点"},
    "plan.checkpoint": {"en": "Checkpoint {n}: review progress on every goal",
                        "zh-CN": "第 {n} 次检查：逐项回顾目标进展"},
    "plan.review": {"en": "Final review", "zh-CN": "最终评估"},
    "plan.week": {"en": "Week {n}", "zh-CN": "第 {n} 周"},
    "plan.date": {"en": "Date", "zh-CN": "日期"},
    "plan.what": {"en": "What happens", "zh-CN": "内容"},
    "plan.period": {"en": "Plan runs from {start} to {end}.", "zh-CN": "计划周期：{start} 至 {end}。"},
    "plan.signoff": {"en": "Sign-off", "zh-CN": "签字确认"},
    "plan.sign_employee": {"en": "Employee", "zh-CN": "员工"},
    "plan.sign_manager": {"en": "Manager", "zh-CN": "上级"},
    "plan.sign_hr": {"en": "HR", "zh-CN": "人力资源"},
    "plan.signature": {"en": "Signature", "zh-CN": "签名"},
    "plan.not_formal": {"en": "No formal improvement plan is required this cycle.",
                        "zh-CN": "本周期无需制定正式改进计划。"},
    # team overview and index
    "overview.people": {"en": "People", "zh-CN": "人数"},
    "overview.average": {"en": "Average score", "zh-CN": "平均分"},
    "overview.grades": {"en": "Grade distribution", "zh-CN": "等级分布"},
    "overview.grades_chart": {"en": "Number of people per grade: {counts}", "zh-CN": "各等级人数：{counts}"},
    "overview.bonus_total": {"en": "Bonus total", "zh-CN": "奖金总额"},
    "overview.bonus_vs_target": {"en": "{share} of the target bonuses ({target})",
                                 "zh-CN": "为目标奖金（{target}）的 {share}"},
    "overview.heatmap": {"en": "KPI attainment", "zh-CN": "指标达成率热力图"},
    "overview.name": {"en": "Name", "zh-CN": "姓名"},
    "overview.needs_plan": {"en": "Needs an improvement plan", "zh-CN": "需制定能力提升计划"},
    "overview.no_plans": {"en": "Nobody needs a formal plan.", "zh-CN": "无人需要制定正式计划。"},
    "overview.teams": {"en": "Teams", "zh-CN": "团队"},
    "overview.plan_badge": {"en": "Plan", "zh-CN": "改进计划"},
    "overview.plans": {"en": "Plans", "zh-CN": "改进计划"},
    "overview.errors": {"en": "{count} employees could not be appraised; see errors.csv.",
                        "zh-CN": "{count} 名员工未能完成考核，详见 errors.csv。"},
    "overview.no_team": {"en": "All employees", "zh-CN": "全体员工"},
    "overview.empty": {"en": "No employee was appraised in this cycle.", "zh-CN": "本周期无员工参与考核。"},
    # small groups (privacy.min_group)
    "privacy.small_group": {"en": "fewer than {n} people — not shown", "zh-CN": "不足 {n} 人，不予显示"},
    "privacy.small_group_note": {
        "en": "Fewer than {n} people — not shown: the average score, grade distribution and bonus total "
              "would tell individual results.",
        "zh-CN": "不足 {n} 人，不予显示：平均分、等级分布和奖金总额会透露个人结果。"},
    "privacy.complement": {
        "en": "not shown, so that a team of fewer than {n} people cannot be worked out from the totals",
        "zh-CN": "不予显示，以免由总计推算出不足 {n} 人的团队"},
    "privacy.totals_withheld": {
        "en": "The totals are not shown: less one team's own figures (which its manager knows), they would give "
              "away those of fewer than {n} people.",
        "zh-CN": "不显示总计：减去某一团队自身的数据（其上级已知），即可推算出不足 {n} 人的结果。"},
    # what is within reach, and why the bonus changed (appraise.core.insights)
    "reach.heading": {"en": "Within reach", "zh-CN": "下一步可达成"},
    "reach.grade": {"en": "Grade {grade} starts at {min}: {points} points to go.",
                    "zh-CN": "{grade} 级起点为 {min} 分：还差 {points} 分。"},
    "reach.top_grade": {"en": "Your score is in the top grade band ({grade}).",
                        "zh-CN": "你的得分已在最高等级区间（{grade} 级）。"},
    "reach.more": {"en": "{kpi} {gap} higher, at {needed} ({share} of target),",
                   "zh-CN": "{kpi}再提升 {gap}，达到 {needed}（目标的 {share}），"},
    "reach.less": {"en": "{kpi} {gap} lower, at {needed} ({share} attainment),",
                   "zh-CN": "{kpi}再降低 {gap}，降至 {needed}（达成率 {share}），"},
    "reach.tier": {"en": "{move} reaches bonus tier {n} of {total}: {worth} more.",
                   "zh-CN": "{move}即可进入奖金第 {n} 档（共 {total} 档）：多得 {worth}。"},
    "reach.tier_unpaid": {
        "en": "{move} reaches bonus tier {n} of {total}: {pays} before the grade multiplier, which is "
              "×{multiplier} at grade {grade}.",
        "zh-CN": "{move}即可进入奖金第 {n} 档（共 {total} 档）：乘等级系数前为 {pays}，"
                 "{grade} 级的系数为 ×{multiplier}。"},
    "reach.tier_capped": {"en": "{move} reaches bonus tier {n} of {total}; the cap keeps the bonus as it is.",
                          "zh-CN": "{move}即可进入奖金第 {n} 档（共 {total} 档）；受封顶限制，奖金不变。"},
    "reach.all_tiers": {"en": "Every bonus tier reached: {kpi} at {attainment} of target.",
                        "zh-CN": "已达到全部奖金档位：{kpi}达成率 {attainment}。"},
    "change.up": {"en": "Bonus {now}, up {change} from {previous} in {cycle}",
                  "zh-CN": "奖金 {now}，比 {cycle}（{previous}）增加 {change}"},
    "change.down": {"en": "Bonus {now}, down {change} from {previous} in {cycle}",
                    "zh-CN": "奖金 {now}，比 {cycle}（{previous}）减少 {change}"},
    "change.same": {"en": "Bonus {now}, the same as in {cycle}", "zh-CN": "奖金 {now}，与 {cycle} 持平"},
    "change.score_rose": {"en": " while the score rose from {before} to {after}",
                          "zh-CN": "，而得分由 {before} 升至 {after}"},
    "change.score_fell": {"en": " while the score fell from {before} to {after}",
                          "zh-CN": "，而得分由 {before} 降至 {after}"},
    "change.because": {"en": ": {reasons}.", "zh-CN": "：{reasons}。"},
    "change.end": {"en": ".", "zh-CN": "。"},
    "change.sep": {"en": "; ", "zh-CN": "；"},
    "effect.tiers": {"en": "{kpi} at {after} of target (was {before}), {tiers_after} of {total} bonus tiers "
                           "instead of {tiers_before} ({amount})",
                     "zh-CN": "{kpi}达成率 {after}（上期 {before}），达到 {tiers_after}/{total} 档，"
                              "上期 {tiers_before} 档（{amount}）"},
    "effect.multiplier": {"en": "grade {before} → {after}, multiplier ×{m_before} → ×{m_after} ({amount})",
                          "zh-CN": "等级 {before} → {after}，系数 ×{m_before} → ×{m_after}（{amount}）"},
    "effect.target": {"en": "target bonus {before} → {after} ({amount})",
                      "zh-CN": "目标奖金 {before} → {after}（{amount}）"},
    "effect.excess": {"en": "excess pay on {kpi} {before} → {after} ({amount})",
                      "zh-CN": "{kpi}超额提成 {before} → {after}（{amount}）"},
    "effect.cap": {"en": "the cap of {cap} ({amount})", "zh-CN": "封顶 {cap}（{amount}）"},
    "effect.netting": {"en": "amounts paid earlier ({amount})", "zh-CN": "此前已发放金额（{amount}）"},
    # focus areas (the results' focus_areas, the plan's too)
    "focus.kpi": {"en": "{attainment} of target", "zh-CN": "达成率 {attainment}"},
    "focus.kpi_team": {"en": "{attainment} of target, team average {average}",
                       "zh-CN": "达成率 {attainment}，团队均值 {average}"},
    "focus.dimension": {"en": "score {score} of 100", "zh-CN": "得分 {score} / 100"},
    "focus.none": {"en": "No points lost this cycle.", "zh-CN": "本周期没有失分项目。"},
    "focus.plan": {"en": "Suggested actions are in the development plan.", "zh-CN": "建议行动见个人发展计划。"},
    # per-KPI trends
    "kpi.trend": {"en": "Trend", "zh-CN": "趋势"},
    "kpi.trend_chart": {"en": "{kpi} attainment by cycle: {points}", "zh-CN": "{kpi}各周期达成率：{points}"},
    # 360 by competency, comments
    "feedback.competencies": {"en": "By competency: self and others", "zh-CN": "按能力项：自评与他评"},
    "feedback.competency": {"en": "Competency", "zh-CN": "能力项"},
    "feedback.others": {"en": "Others", "zh-CN": "他评"},
    "feedback.self_minus_others": {"en": "Self − others", "zh-CN": "自评 − 他评"},
    "feedback.scale": {"en": "Average ratings on the scale 1–{scale}; others: the sources shown, weighted as "
                             "in the score. A blank cell: fewer raters than the source's minimum rated it.",
                       "zh-CN": "平均评分（1–{scale} 分）；他评为所显示来源按计分权重的加权平均。空白表示该来源评价"
                                "此项的人数少于最低人数。"},
    "feedback.comments": {"en": "What raters wrote", "zh-CN": "评价人留言"},
    "feedback.comments_note": {"en": "Only from sources with enough raters; unsigned, in alphabetical order.",
                               "zh-CN": "仅显示评价人数达到最低人数的来源的留言；不署名，按文字排序。"},
    "competency.collaboration": {"en": "Collaboration", "zh-CN": "协作"},
    "competency.customer_focus": {"en": "Customer focus", "zh-CN": "客户导向"},
    "competency.integrity": {"en": "Integrity", "zh-CN": "诚信"},
    "competency.communication": {"en": "Communication", "zh-CN": "沟通"},
    "competency.leadership": {"en": "Leadership", "zh-CN": "领导力"},
    "competency.teamwork": {"en": "Teamwork", "zh-CN": "团队合作"},
    # ---- targets from the annual plan (issue 21): appraise targets, its pages, --explain, diff and messages
    "targets.err.total_unit": {"en": "total {total} is not a whole multiple of the unit {unit}",
                               "zh-CN": "总目标 {total} 不是金额单位 {unit} 的整数倍"},
    "targets.err.amount_unit": {"en": "amount {amount} is not a whole multiple of the unit {unit}",
                                "zh-CN": "金额 {amount} 不是金额单位 {unit} 的整数倍"},
    "targets.err.person_not_last": {"en": "'{person_level}' must be the last level: people are the leaves of the "
                                          "organisation", "zh-CN": "“{person_level}”必须是最后一层：个人是组织的末端"},
    "targets.err.last_not_person": {"en": "the last level must be '{person_level}' (how each unit's amount is "
                                          "shared among its people)",
                                    "zh-CN": "最后一层必须是“{person_level}”（各单元目标如何分给其成员）"},
    "targets.err.level_twice": {"en": "column '{column}' is a level twice (first at line {first})",
                                "zh-CN": "列“{column}”重复用作层级（首次在第 {first} 行）"},
    "targets.err.ramp_not_person": {"en": "{ramp_key} belongs to the person level (how much of a full month a new "
                                          "hire carries)",
                                    "zh-CN": "{ramp_key} 只能写在个人层级（新员工每月承担完整目标的比例）"},
    "targets.err.manager_alone": {"en": "a manager level stands for every level of units: it is the only one "
                                        "besides '{person_level}'",
                                  "zh-CN": "经理层级代表全部单元层级：除“{person_level}”外只能有这一层"},
    "targets.err.season_of": {"en": "seasonality of '{of}' is not a level{suggestion}; write one of {allowed}",
                              "zh-CN": "季节性 of 的“{of}”不是一个层级{suggestion}；可写：{allowed}"},
    "targets.err.weights_months": {"en": "the month weights lack {months}; give all twelve months, \"01\" to \"12\"",
                                   "zh-CN": "月度权重缺少 {months}；请写全 12 个月（\"01\" 至 \"12\"）"},
    "targets.err.shares_sum": {"en": "the shares of {what} add up to {total}, not 100: {parts}",
                               "zh-CN": "{what}的分配比例合计为 {total}，不是 100：{parts}"},
    "targets.word.months": {"en": "the months", "zh-CN": "各月"},
    "targets.err.needs_actuals": {"en": "this needs last year's actuals; add {actuals_key} (a column of a metrics "
                                        "source) or {store_key}",
                                  "zh-CN": "此处需要上一年实际数据；请添加 {actuals_key}（数据源中的列）"
                                           "或 {store_key}"},
    "targets.err.fixed_twice": {"en": "'{unit}' is fixed twice (first at line {first})",
                                "zh-CN": "“{unit}”被重复固定（首次在第 {first} 行）"},
    "targets.err.closed_year": {"en": "{closed_key} {closed} must be a month of {year} before December",
                                "zh-CN": "{closed_key} {closed} 必须是 {year} 年 12 月之前的月份"},
    "targets.err.closed_quarter": {"en": "{closed_key} {closed} must end a quarter (03, 06 or 09): the rows are "
                                         "quarterly", "zh-CN": "按季度输出时 {closed_key} {closed} 必须是季末月份"
                                                                "（03、06 或 09）"},
    "targets.err.outside": {"en": "'{path}' leads outside the plan's workspace {root}",
                            "zh-CN": "“{path}”位于计划文件的工作区 {root} 之外"},
    "targets.err.people_column": {"en": "{people_key} '{name}' is not a column of the employee table{suggestion}",
                                  "zh-CN": "{people_key}“{name}”不是员工表中的列{suggestion}"},
    "targets.err.column_missing": {"en": "the employee table has no column '{column}'{suggestion}",
                                   "zh-CN": "员工表中没有列“{column}”{suggestion}"},
    "targets.err.no_unit": {"en": "{id} is in no unit: their '{column}' is blank",
                            "zh-CN": "{id} 不属于任何单元：其“{column}”为空"},
    "targets.hint.no_unit": {"en": "fill in the cell, or leave the person out with {people_key}",
                             "zh-CN": "请填写该单元格，或用 {people_key} 条件排除此人"},
    "targets.err.slash": {"en": "{id}'s '{column}' is '{value}': unit names may not contain '/'",
                          "zh-CN": "{id} 的“{column}”为“{value}”：单元名称不能包含“/”"},
    "targets.err.manager_cycle": {"en": "the '{column}' column goes round in a circle: {cycle}",
                                  "zh-CN": "“{column}”列形成循环：{cycle}"},
    "targets.hint.manager_cycle": {"en": "give the top of the chain a blank manager",
                                   "zh-CN": "请将链条最上层人员的上级留空"},
    "targets.err.manager_unknown": {"en": "{id}'s '{column}' is '{value}', who is not in the employee table",
                                    "zh-CN": "{id} 的“{column}”为“{value}”，此人不在员工表中"},
    "targets.err.player_coach": {"en": "{id} carries a target and manages people who do; leave them out with "
                                       "{people_key} or plan their own target as a fixed amount of a unit",
                                 "zh-CN": "{id} 本人承担目标，同时管理承担目标的员工；请用 {people_key} 排除此人，"
                                          "或将其个人目标作为单元的固定金额"},
    "targets.err.previous_missing": {"en": "previous plan rows '{path}' not found",
                                     "zh-CN": "找不到上一版计划的目标文件“{path}”"},
    "targets.err.previous_column": {"en": "the previous plan rows have no column '{metric}'",
                                    "zh-CN": "上一版计划的目标文件中没有列“{metric}”"},
    "targets.err.previous_person": {"en": "{id} holds closed months' targets in the previous rows but is not one of "
                                          "the plan's people", "zh-CN": "{id} 在上一版中有已关闭月份的目标，但不在"
                                                                         "本计划的人员范围内"},
    "targets.err.previous_unit": {"en": "{id}'s target for {month} in the previous rows ({value}) is not a whole "
                                        "multiple of the unit {unit}",
                                  "zh-CN": "上一版中 {id} 在 {month} 的目标（{value}）不是金额单位 {unit} 的整数倍"},
    "targets.err.closed_exceeds": {"en": "the months through {through} already hold {closed}, more than the total "
                                         "{total}", "zh-CN": "截至 {through} 的已关闭月份已占用 {closed}，超过总目标 "
                                                             "{total}"},
    "targets.err.fixed_closed": {"en": "{unit} is fixed at {amount}, but its closed months already hold {closed}",
                                 "zh-CN": "{unit} 固定为 {amount}，但其已关闭月份已占用 {closed}"},
    "targets.err.fixed_exceeds": {"en": "the fixed parts of {unit} hold {fixed}, more than its {amount}",
                                  "zh-CN": "{unit} 的固定部分合计 {fixed}，超过其目标 {amount}"},
    "targets.err.fixed_short": {"en": "every part of {unit} is fixed and they hold {fixed}, not its {amount}",
                                "zh-CN": "{unit} 的所有部分均已固定，合计 {fixed}，与其目标 {amount} 不符"},
    "targets.err.no_weight": {"en": "{unit}'s {amount} cannot be shared by {by}: every part's value is 0",
                              "zh-CN": "{unit} 的 {amount} 无法按 {by} 分配：各部分的取值均为 0"},
    "targets.err.no_months": {"en": "{id} gets {amount} but works in none of the months allocated",
                              "zh-CN": "{id} 分得 {amount}，但在分配的月份中均不在职"},
    "targets.err.not_whole": {"en": "{amount} is not a whole multiple of the unit {unit}",
                              "zh-CN": "{amount} 不是金额单位 {unit} 的整数倍"},
    "targets.err.season_no_actuals": {"en": "seasonality last_year needs actuals of {year}; none were read for the "
                                            "months allocated",
                                      "zh-CN": "按上年季节性分配需要 {year} 年的实际数据，但未读到所分配月份的数据"},
    "targets.err.season_zero": {"en": "the months allocated have no seasonal weight at all",
                                "zh-CN": "所分配的月份季节性权重全部为 0"},
    "targets.err.shares_missing": {"en": "the shares name no share for {name} (a part of {parent})",
                                   "zh-CN": "分配比例中缺少 {name}（{parent} 的组成部分）"},
    "targets.err.shares_unknown": {"en": "'{name}' is not a unit of level {level}{suggestion}",
                                   "zh-CN": "“{name}”不是层级 {level} 的单元{suggestion}"},
    "targets.err.unit_unknown": {"en": "'{name}' is no unit or person of the plan{suggestion}",
                                 "zh-CN": "“{name}”不是本计划中的单元或人员{suggestion}"},
    "targets.err.unit_ambiguous": {"en": "'{name}' names several units ({paths}); write its path",
                                   "zh-CN": "“{name}”对应多个单元（{paths}）；请写出其路径"},
    "targets.err.fact_missing": {"en": "key column {column}: no value for {unit}; state it under {units_key} or add "
                                       "the column to the employee table",
                                 "zh-CN": "按列 {column} 分配：{unit} 没有取值；请在 {units_key} 中写明，"
                                          "或在员工表中添加该列"},
    "targets.err.cell_number": {"en": "'{column}' of {id} is '{value}', not a number of 0 or more",
                                "zh-CN": "{id} 的“{column}”为“{value}”，不是大于等于 0 的数字"},
    "targets.err.actuals_column": {"en": "no metrics source has a column '{metric}' (last year's actuals, {year})",
                                   "zh-CN": "没有数据源包含列“{metric}”（上一年 {year} 的实际数据）"},
    "targets.err.actuals_aggregated": {"en": "last year's '{metric}' must come as monthly rows ({row_key}, {metric}), "
                                             "not period totals",
                                       "zh-CN": "上一年的“{metric}”须为月度数据（{row_key}, {metric}），"
                                                "不能是期间合计"},
    "targets.err.store_missing": {"en": "no results store at {url}", "zh-CN": "找不到结果库 {url}"},
    "targets.err.store_no_runs": {"en": "the store holds no run of ruleset '{ruleset}' for {year}",
                                  "zh-CN": "结果库中没有规则集“{ruleset}”在 {year} 年的运行结果"},
    "targets.err.store_no_kpi": {"en": "no stored result of '{ruleset}' for {year} has an actual of KPI '{kpi}'",
                                 "zh-CN": "“{ruleset}”在 {year} 年的结果中没有指标“{kpi}”的实际值"},
    "targets.err.store_read": {"en": "the results store could not be read ({error})",
                               "zh-CN": "无法读取结果库（{error}）"},
    "targets.warn.metrics_unused": {"en": "this metrics source is not read: the plan's actuals come from the store",
                                    "zh-CN": "未读取此数据源：本计划的实际数据来自结果库"},
    "targets.warn.growth": {"en": "{id} {name}: target {target} is {growth}% above last year's {last} (more than "
                                  "{growth_key} {limit}%)",
                            "zh-CN": "{id} {name}：目标 {target} 比上年实际 {last} 高 {growth}%（超过 {growth_key} "
                                     "{limit}%）"},
    "targets.warn.capacity": {"en": "{unit}: target {target} exceeds its stated capacity {capacity}",
                              "zh-CN": "{unit}：目标 {target} 超过其容量 {capacity}"},
    "targets.note.annualised": {"en": "{months} of {all} months worked last year, scaled to {all}",
                                "zh-CN": "上年在职 {months}/{all} 个月，折算为 {all} 个月"},
    "targets.note.available": {"en": "available for {share} of the months allocated (hire, leave, ramp)",
                               "zh-CN": "在所分配月份中的可用比例为 {share}（入职、离职、爬坡）"},
    "targets.note.no_actuals_mean": {"en": "no actuals last year: the mean of {unit}'s people who have some",
                                     "zh-CN": "上年无实际数据：取 {unit} 有数据人员的平均值"},
    "targets.note.unit_last_year": {"en": "its people's last-year actuals, each for the share of the months they "
                                          "are available", "zh-CN": "其成员上年实际之和（按各自可用比例计）"},
    "targets.err.no_actuals_at_all": {"en": "nobody has actuals of {year} for the months allocated, so no key can "
                                            "read last year", "zh-CN": "所分配月份中无人有 {year} 年的实际数据，"
                                                                        "无法按上年实际分配"},
    "targets.note.nobody": {"en": "nobody in it works in the months allocated", "zh-CN": "所分配月份中无人在职"},
    "targets.note.stated": {"en": "{column} as stated under {units_key}",
                            "zh-CN": "{column} 取自 {units_key} 中的设定"},
    "targets.note.summed": {"en": "{column} of its people added up", "zh-CN": "{column} 为其成员之和"},
    "targets.level.company": {"en": "Company", "zh-CN": "公司"},
    "targets.level.person": {"en": "Person", "zh-CN": "个人"},
    "targets.level.region": {"en": "Region", "zh-CN": "区域"},
    "targets.level.team": {"en": "Team", "zh-CN": "团队"},
    "targets.level.manager": {"en": "Manager's team", "zh-CN": "经理团队"},
    "targets.key.equal": {"en": "equal shares", "zh-CN": "平均分配"},
    "targets.key.last_year": {"en": "last year's actuals", "zh-CN": "上年实际"},
    "targets.key.headcount": {"en": "headcount", "zh-CN": "人数"},
    "targets.key.column": {"en": "column {column}", "zh-CN": "列 {column}"},
    "targets.key.shares": {"en": "written shares", "zh-CN": "设定比例"},
    "targets.season.equal": {"en": "equal months", "zh-CN": "各月平均"},
    "targets.season.weights": {"en": "the plan's month weights", "zh-CN": "计划设定的月度权重"},
    "targets.season.company": {"en": "the company's months last year", "zh-CN": "公司上年各月分布"},
    "targets.season.person": {"en": "their own months last year", "zh-CN": "本人上年各月分布"},
    "targets.season.unit": {"en": "{unit}'s months last year", "zh-CN": "{unit} 上年各月分布"},
    "targets.explain.title": {"en": "{id} {name}: target for {year} {amount} (plan {plan})",
                              "zh-CN": "{id} {name}：{year} 年目标 {amount}（计划 {plan}）"},
    "targets.explain.company": {"en": "{level} {name}: {amount}", "zh-CN": "{level} {name}：{amount}"},
    "targets.explain.reopened": {"en": "  months through {through} closed at {closed}; {open} allocated again",
                                 "zh-CN": "  截至 {through} 的月份已关闭，共 {closed}；重新分配 {open}"},
    "targets.explain.step": {"en": "{level} {name}: {share} of {pool} by {key} ({value} of {total}) = {amount}",
                             "zh-CN": "{level} {name}：按{key}（{value} / {total}）分得 {pool} 的 {share} = {amount}"},
    "targets.explain.fixed": {"en": "{level} {name}: fixed at {amount}. Reason: {reason}",
                              "zh-CN": "{level} {name}：固定为 {amount}。原因：{reason}"},
    "targets.explain.exact": {"en": "exact {ideal}; rounded to the unit by largest remainder",
                              "zh-CN": "精确值 {ideal}；按最大余数法取整到金额单位"},
    "targets.explain.closed": {"en": "closed months kept from the previous plan: {closed}",
                               "zh-CN": "沿用上一版已关闭月份：{closed}"},
    "targets.explain.months": {"en": "Months ({season}):", "zh-CN": "各月（{season}）："},
    "targets.explain.month": {"en": "{month}  seasonal weight {season}  × availability {availability}  = {amount}",
                              "zh-CN": "{month}  季节权重 {season} × 可用比例 {availability} = {amount}"},
    "targets.explain.month_closed": {"en": "{month}  closed: {amount} kept", "zh-CN": "{month}  已关闭：沿用 {amount}"},
    "targets.explain.last_year": {"en": "last year's actual of these months, scaled to the months worked: {last}",
                                  "zh-CN": "上年同期实际（按在职月数折算）：{last}"},
    "targets.explain.pool": {"en": "{unit}'s {amount} less its fixed parts ({fixed}) leaves {pool} to share",
                             "zh-CN": "{unit} 的 {amount} 减去固定部分（{fixed}），剩余 {pool} 待分配"},
    "targets.explain.unknown": {"en": "no person '{id}' in plan {plan}", "zh-CN": "计划 {plan} 中没有人员“{id}”"},
    "targets.page.title": {"en": "Targets {year}: {plan}", "zh-CN": "{year} 年目标分解：{plan}"},
    "targets.page.intro": {"en": "The company's {total} shared among {units} units and {people} people, by month. "
                                 "Every level's parts add up exactly to their whole.",
                           "zh-CN": "公司目标 {total} 按月分解到 {units} 个单元、{people} 名员工，每一层的各部分合计"
                                    "严格等于上一层。"},
    "targets.page.replan": {"en": "Re-plan: the months through {through} keep the previous plan's targets; the months "
                                  "after are allocated again.",
                            "zh-CN": "年中调整：截至 {through} 的月份沿用上一版目标，之后的月份重新分配。"},
    "targets.page.map": {"en": "Battle map: every unit by quarter", "zh-CN": "作战地图：各单元季度目标"},
    "targets.page.months": {"en": "By month", "zh-CN": "月度目标"},
    "targets.page.people": {"en": "People", "zh-CN": "人员目标"},
    "targets.page.unit": {"en": "Unit", "zh-CN": "单元"},
    "targets.page.level": {"en": "Level", "zh-CN": "层级"},
    "targets.page.key": {"en": "Shared by", "zh-CN": "分配方式"},
    "targets.page.share": {"en": "Share", "zh-CN": "占比"},
    "targets.page.year": {"en": "Year", "zh-CN": "全年"},
    "targets.page.id": {"en": "ID", "zh-CN": "工号"},
    "targets.page.name": {"en": "Name", "zh-CN": "姓名"},
    "targets.page.last_year": {"en": "Last year", "zh-CN": "上年实际"},
    "targets.page.growth": {"en": "Growth", "zh-CN": "增长"},
    "targets.page.checks": {"en": "Reachability checks", "zh-CN": "可达性检查"},
    "targets.page.no_checks": {"en": "No warnings: every target is within the plan's limits.",
                               "zh-CN": "无警告：所有目标均在计划限制之内。"},
    "targets.page.fixed": {"en": "Fixed amounts", "zh-CN": "固定目标"},
    "targets.page.reason": {"en": "Reason", "zh-CN": "原因"},
    "targets.page.amount": {"en": "Amount", "zh-CN": "金额"},
    "targets.page.other_language": {"en": "{other}", "zh-CN": "{other}"},
    "targets.page.chart": {"en": "Company target by month: {points}", "zh-CN": "公司各月目标：{points}"},
    "targets.cli.summary": {"en": "{plan}: {total} for {year}, shared among {units} units and {people} "
                                  "people",
                            "zh-CN": "{plan}：{year} 年目标 {total}，分解到 {units} 个单元、{people} 名员工"},
    "targets.cli.rows": {"en": "  targets:   {path} ({rows} rows by {granularity}; a cycle reads it as a metric "
                               "source)",
                         "zh-CN": "  目标：     {path}（按{granularity}共 {rows} 行，可作为考核周期的指标数据源）"},
    "targets.cli.outputs": {"en": "  also:      {files}", "zh-CN": "  其他文件： {files}"},
    "targets.cli.warnings": {"en": "  warnings:  {count}", "zh-CN": "  警告：     {count}"},
    "targets.cli.replan": {"en": "  re-plan:   months through {through} kept ({closed}); {open} allocated again",
                           "zh-CN": "  年中调整： 截至 {through} 的月份沿用（{closed}）；重新分配 {open}"},
    "targets.word.month": {"en": "month", "zh-CN": "月"},
    "targets.word.quarter": {"en": "quarter", "zh-CN": "季度"},
    "targets.diff.title": {"en": "Targets: {old} → {new}", "zh-CN": "目标变化：{old} → {new}"},
    "targets.diff.total": {"en": "Company total: {old} → {new} ({delta})",
                           "zh-CN": "公司总目标：{old} → {new}（{delta}）"},
    "targets.diff.counts": {"en": "{gain} people gain target, {lose} lose, {same} unchanged; {added} added, "
                                  "{removed} removed",
                            "zh-CN": "{gain} 人目标增加，{lose} 人减少，{same} 人不变；"
                                     "新增 {added} 人，移除 {removed} 人"},
    "targets.diff.units": {"en": "Units", "zh-CN": "单元"},
    "targets.diff.people": {"en": "People (largest changes first)", "zh-CN": "人员（按变化从大到小）"},
    "targets.diff.old": {"en": "Old", "zh-CN": "原目标"},
    "targets.diff.new": {"en": "New", "zh-CN": "新目标"},
    "targets.diff.delta": {"en": "Change", "zh-CN": "变化"},
    "targets.diff.none": {"en": "No target changed.", "zh-CN": "目标没有变化。"},
}


def normalize_locale(value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """Map ``zh``, ``zh_CN``, ``zh-Hans``, ``en-US``... to a catalog locale (``en`` or ``zh-CN``)."""
    text = str(value or "").strip().replace("_", "-")
    if not text:
        return default
    low = text.lower()
    if low.startswith("zh"):
        return "zh-CN"
    if low.startswith("en"):
        return "en"
    return default


class Texts:
    """The catalog for one locale, with a ruleset's ``report.wording`` overrides."""

    def __init__(self, locale: str, wording: Mapping[str, Mapping[str, str]] | None = None):
        self.locale = locale
        self._table = {key: _pick(entry, locale) for key, entry in MESSAGES.items()}
        for key, text in (wording or {}).items():
            self._table[key] = _pick(text, locale) if isinstance(text, Mapping) else str(text)

    def __call__(self, key: str, /, **values) -> str:
        """The message ``key`` with ``values`` filled in (unknown keys raise: a typo must not ship)."""
        text = self._table[key]
        return text.format(**values) if values else text

    def relation(self, relation: str) -> str:
        """A 360 rater relation's name (``manager`` → 上级); a custom one as written, made readable."""
        entry = self._table.get(f"relation.{relation}")
        return entry if entry is not None else relation.replace("_", " ").capitalize()

    def competency(self, key: str) -> str:
        """A 360 competency's name (``customer_focus`` → 客户导向; ``report.wording`` may name others as
        ``competency.<key>``); one without a name as written, made readable."""
        entry = self._table.get(f"competency.{key}")
        return entry if entry is not None else key.replace("_", " ").capitalize()

    def localized(self, text: Mapping[str, str] | str | None, fallback: str = "") -> str:
        """Pick this locale from an i18n text of the ruleset."""
        if text is None:
            return fallback
        if isinstance(text, str):
            return text
        return _pick(text, self.locale) or fallback


def _pick(entry: Mapping[str, str], locale: str) -> str:
    if not entry:
        return ""
    for key in (locale, locale.split("-")[0], "*", "en", "zh-CN"):
        if key in entry:
            return entry[key]
    return next(iter(entry.values()))


@cache
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


class Formatter:
    """Numbers, percentages, money and dates for one locale (Babel, CLDR data).

    Symbols and affixes come from Babel once per locale; each number is then
    formatted with Python's own grouping, because Babel's general pattern
    engine costs ~30 µs a call and a dashboard formats hundreds.  Rounding is
    half-up, like every number appraise reports (tests compare with Babel).
    """

    def __init__(self, locale: str, currency: str = "CNY"):
        self.locale = locale
        self.currency = currency
        self._babel = _babel_locale(locale)
        self._symbols = str.maketrans({",": get_group_symbol(self._babel), ".": get_decimal_symbol(self._babel)})
        sample = format_percent(0.5, format="#,##0%", locale=self._babel)
        self._pct = sample.split("50", 1)
        self._money: dict[str, tuple[str, str]] = {}
        pattern = self._babel.currency_formats["standard"].pattern.split(";")[0]
        self._whole_money = pattern.split(".")[0]  # whole amounts print without ".00"

    def _fixed(self, value, digits: int) -> str:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        q = d.quantize(_QUANTUM[digits], rounding=ROUND_HALF_UP)
        if q == 0:
            q = abs(q)  # never print "-0.0"
        return f"{q:,.{digits}f}".translate(self._symbols)

    def number(self, value, digits: int = 1) -> str:
        """A plain number with grouping and exactly ``digits`` decimals."""
        if value is None:
            return "—"
        return self._fixed(value, digits)

    def integer(self, value) -> str:
        """A whole number with grouping."""
        return self.number(value, 0)

    def score(self, value) -> str:
        """A score: one decimal (the reported total keeps its two)."""
        return self.number(value, 1)

    def percent(self, value, digits: int = 1) -> str:
        """A ratio as a percentage: ``0.2813`` → ``28.1%``."""
        if value is None:
            return "—"
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
        text = self._fixed(d * 100, digits)
        sign = ""
        if text.startswith("-"):
            sign, text = "-", text[1:]
        return f"{sign}{self._pct[0]}{text}{self._pct[1]}"

    def _currency_parts(self, cur: str) -> tuple[str, str]:
        parts = self._money.get(cur)
        if parts is None:
            whole = format_currency(Decimal(1), cur, format=self._whole_money, locale=self._babel,
                                    currency_digits=False)
            prefix, _, suffix = whole.partition("1")
            parts = self._money[cur] = (prefix, suffix)
        return parts

    def money(self, value, currency: str | None = None) -> str:
        """An amount (decimal string, Decimal or number) in the results' currency; whole amounts without cents."""
        if value is None or value == "":
            return "—"
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        prefix, suffix = self._currency_parts(currency or self.currency)
        digits = 0 if amount == amount.to_integral_value() else 2
        text = self._fixed(abs(amount), digits)
        return f"{'-' if amount < 0 else ''}{prefix}{text}{suffix}"

    def date(self, value: date) -> str:
        """A calendar date, medium length (``Oct 1, 2026`` / ``2026年10月1日``)."""
        return format_date(value, format="medium", locale=self._babel)

    def measure(self, value, unit: str) -> str:
        """A KPI actual or target in its metric's unit (ratio → %, money → currency)."""
        if value is None:
            return "—"
        if unit in ("ratio", "percent"):
            return self.percent(value)
        if unit == "money":
            return self.money(Decimal(str(round(float(value), 2))).normalize())
        if float(value) == int(float(value)):
            return self.integer(value)
        return self.number(value, 2)


@lru_cache(maxsize=32)
def formatter(locale: str, currency: str = "CNY") -> Formatter:
    """A cached :class:`Formatter` for ``locale`` and ``currency``."""
    return Formatter(locale, currency)
