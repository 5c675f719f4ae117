"""Every string a reader sees on a dashboard, plan or overview, or from a command, in English and Chinese.

:data:`MESSAGES` is the catalog: ``{key: {"en": ..., "zh-CN": ...}}`` with
``str.format`` placeholders.  A ruleset may reword any entry through
``report.wording`` (an i18n text per key); :class:`Texts` applies that.
:class:`Formatter` formats numbers, percentages, money and dates for one
locale with Babel, so a Chinese page reads ``2026年10月1日`` and ``¥41,100``
and an English one ``Oct 1, 2026`` and ``CN¥41,100``.

Both classes are cheap to build and cached per locale: rendering ten thousand
pages must not parse a CLDR locale ten thousand times.

The command line (issue 18): :func:`cli_locale` picks the language (``--lang``,
APPRAISE_LANG, the locale), :data:`CLI` holds the commands' own sentences and
:func:`translate` renders the engine's English diagnostics in Chinese from the
templates of :data:`DIAGNOSTICS` and :data:`FRAGMENTS`.
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
    "bonus.not_stored_for": {"en": "Nothing stored for {period}: counted as 0",
                             "zh-CN": "{period} 无存储结果：按 0 扣除"},
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
    "split.heading": {"en": "Your part of shared deals", "zh-CN": "共享交易中的个人份额"},
    "split.note": {"en": "Each deal's amount is split by the sellers' shares in whole cents; a cent left over goes "
                         "to the share that lost the most in rounding, so the parts add up to the deal.",
                   "zh-CN": "每笔交易按各销售的比例拆分到分；舍入后余下的分给舍去最多的一方，"
                            "各份额之和恰等于交易金额。"},
    "split.deal": {"en": "Deal", "zh-CN": "交易"},
    "split.month": {"en": "Month", "zh-CN": "月份"},
    "split.amount": {"en": "Deal amount", "zh-CN": "交易金额"},
    "split.share": {"en": "Your share", "zh-CN": "您的比例"},
    "split.credited": {"en": "Credited to you", "zh-CN": "计入您的业绩"},
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
    # incentive plans: the payout statement and the dashboard's plan section (README "Incentive plans")
    "statement.title": {"en": "Payout statement", "zh-CN": "薪酬发放明细"},
    "nav.statement": {"en": "Payout statement", "zh-CN": "发放明细"},
    "incentive.subtitle": {"en": "{id} · period {cycle}", "zh-CN": "{id} · 考核期 {cycle}"},
    "incentive.components": {"en": "Plan components", "zh-CN": "计划组件"},
    "incentive.component_row": {"en": "{label} (attainment {attainment})", "zh-CN": "{label}（达成率 {attainment}）"},
    "incentive.band": {"en": "{span} at ×{rate}: {inside} of attainment inside → {pay}",
                       "zh-CN": "{span} 按 ×{rate}：区间内达成 {inside} → {pay}"},
    "incentive.band_open": {"en": "from {start}", "zh-CN": "{start} 以上"},
    "incentive.tiers": {"en": "Tiers reached: {reached} of {total}", "zh-CN": "达到档位：{reached} / {total}"},
    "incentive.per_unit": {"en": "{rate} per unit", "zh-CN": "每单位 {rate}"},
    "incentive.rate_of": {"en": "{rate} of it", "zh-CN": "按其 {rate} 计"},
    "incentive.below_floor": {"en": "Below the floor of {floor}: nothing paid", "zh-CN": "低于门槛 {floor}：不支付"},
    "incentive.multiplier": {"en": "× grade multiplier {mult} (grade {grade})",
                             "zh-CN": "× 等级系数 {mult}（{grade} 级）"},
    "incentive.cap": {"en": "Capped at {cap}", "zh-CN": "封顶 {cap}"},
    "incentive.sum": {"en": "Sum of the components", "zh-CN": "各组件合计"},
    "incentive.total_cap": {"en": "Total cap", "zh-CN": "总封顶"},
    "incentive.earned": {"en": "Earned this period", "zh-CN": "本期挣得"},
    "incentive.guarantee": {"en": "Guarantee (first {months} months)", "zh-CN": "保底（入职前 {months} 个月）"},
    "incentive.topup": {"en": "Topped up by the guarantee (not recovered)", "zh-CN": "保底补足（不收回）"},
    "incentive.draw": {"en": "Draw", "zh-CN": "预支额度"},
    "incentive.draw_opening": {"en": "Draw balance carried in", "zh-CN": "预支期初余额"},
    "incentive.draw_recovered": {"en": "Recovered from earnings", "zh-CN": "从收入中收回"},
    "incentive.draw_advanced": {"en": "Advanced by the draw", "zh-CN": "本期预支"},
    "incentive.draw_closing": {"en": "Draw balance carried forward", "zh-CN": "预支结转余额"},
    "incentive.paid_now": {"en": "Paid this period", "zh-CN": "本期实发"},
    "incentive.ytd": {"en": "Paid this year", "zh-CN": "本年累计实发"},
    "incentive.settlement": {"en": "From earnings to pay", "zh-CN": "从挣得到实发"},
    "incentive.year": {"en": "This year", "zh-CN": "本年度"},
    "incentive.changes": {"en": "Changed since the last statement", "zh-CN": "与上一份明细相比的变化"},
    "incentive.first_statement": {"en": "This is the first statement for this period.",
                                  "zh-CN": "这是本考核期的第一份明细。"},
    "incentive.no_changes": {"en": "The period was recalculated; nothing on this statement changed.",
                             "zh-CN": "本期已重新计算；本明细内容没有变化。"},
    "incentive.before": {"en": "Before", "zh-CN": "调整前"},
    "incentive.after": {"en": "Now", "zh-CN": "现在"},
    "incentive.change_netted": {"en": "Already paid by shorter periods", "zh-CN": "子周期已发放"},
    "incentive.change_outcomes": {"en": "Outcomes", "zh-CN": "结果"},
    "incentive.change_appraised": {"en": "Appraised", "zh-CN": "参与考核"},
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
    # the next grade under calibration (issue wfix: a grade calibration moved down, or a grade it limits)
    "reach.calibrated": {"en": "Your score {score} is in grade {band}'s band, but calibration placed you at {held}: "
                               "the next grade up is {grade} (from {min}), which your score already reaches.",
                         "zh-CN": "你的得分 {score} 处于 {band} 级区间，但经校准定为 {held} 级：上一级为 {grade} 级"
                                  "（{min} 分起），你的得分已达到。"},
    "reach.seats": {"en": " Calibration lets at most {seats} of the {size} people in team {cohort} hold {limited} "
                          "or above ({share}), highest scores first.",
                    "zh-CN": "按校准规则，团队 {cohort} 的 {size} 人中至多 {seats} 人可获 {limited} 级及以上"
                             "（{share}），按得分由高到低确定。"},
    "reach.seats_none": {"en": " Calibration lets no one of the {size} people in team {cohort} hold {limited} or "
                               "above ({share} of {size} rounds down to 0), whatever the score.",
                         "zh-CN": "按校准规则，团队 {cohort} 的 {size} 人中无人可获 {limited} 级及以上"
                                  "（{size} 人的 {share} 向下取整为 0），与得分无关。"},
    "reach.place": {"en": " You rank {place} of {size}.", "zh-CN": "你目前排名第 {place}/{size}。"},
    "reach.seats_enough": {"en": " Reaching {min} may not be enough on its own.",
                           "zh-CN": "仅达到 {min} 分未必足够。"},
    "reach.calibrated_needs": {"en": " Grade {grade} needs a rank of {seats} or better: more points help only "
                                     "by passing someone ranked above you.",
                               "zh-CN": "要获得 {grade} 级，需排进前 {seats} 名：只有超过排在你前面的人，"
                                        "多得的分数才有用。"},
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
    # why an incentive plan's bonus changed (issue wfix): the component that moved most, then the rest
    "effect.component_attainment": {"en": "{label} at {att_after} of target (was {att_before}): {before} → {after} "
                                          "({amount})",
                                    "zh-CN": "{label}达成率 {att_after}（上期 {att_before}）：{before} → {after}"
                                             "（{amount}）"},
    "effect.component_actual": {"en": "{label}: {measure} {actual_before} → {actual_after}, paying {before} → "
                                      "{after} ({amount})",
                                "zh-CN": "{label}：{measure} {actual_before} → {actual_after}，"
                                         "计发 {before} → {after}（{amount}）"},
    "effect.component": {"en": "{label} {before} → {after} ({amount})",
                         "zh-CN": "{label} {before} → {after}（{amount}）"},
    "effect.draw": {"en": "the draw, advanced or recovered ({amount})", "zh-CN": "预支的发放或收回（{amount}）"},
    "effect.guarantee": {"en": "the guarantee ({amount})", "zh-CN": "保底（{amount}）"},
    "effect.guarantee_draw": {"en": "the guarantee and the draw ({amount})", "zh-CN": "保底与预支（{amount}）"},
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
    "targets.err.player_coach": {"en": "{id} carries a target and manages people who do; say on the manager level "
                                       "whether such a player-coach's own target is part of their team's "
                                       "({within_key}) or on top of it ({on_top_key}), or leave them out with "
                                       "{people_key}",
                                 "zh-CN": "{id} 本人承担目标，同时管理承担目标的员工；请在经理层级写明这类"
                                          "“教练型经理”的个人目标是计入团队目标（{within_key}）"
                                          "还是在团队目标之外（{on_top_key}），或用 {people_key} 排除此人"},
    # player-coaches (issue wfix): a manager level's player_coach, and what --explain says of it
    "targets.err.player_coach_level": {"en": "{coach_key} belongs on the manager level ({manager_level}): only a "
                                             "tree of managers has people who manage others",
                                       "zh-CN": "{coach_key} 只能写在经理层级（{manager_level}）："
                                                "只有经理树中才有管理他人的人员"},
    "targets.explain.coach_within": {"en": "player-coach: their own {own} is part of their team {team}'s {amount}",
                                     "zh-CN": "教练型经理：个人目标 {own} 计入其团队 {team} 的 {amount}"},
    "targets.explain.coach_on_top": {"en": "player-coach: their own {own} is on top of their team {team}'s {amount}: "
                                           "{total} together",
                                     "zh-CN": "教练型经理：个人目标 {own} 在其团队 {team} 的 {amount} 之外："
                                              "合计 {total}"},
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


# ================================================================ the command line (issue 18)
# What the commands say (validate, run, test, diff, history, explain, workshop, ...) in the language chosen with
# ``appraise --lang`` or APPRAISE_LANG, else the locale.  CLI holds the commands' own sentences; DIAGNOSTICS holds
# the validator's and the checks' messages as templates, so a diagnostic made in English anywhere in the engine is
# shown in Chinese by :func:`translate` without its maker knowing the language.

LANG_ENV = "APPRAISE_LANG"
_LOCALE_ENV = ("LC_ALL", "LC_MESSAGES", "LANG")


def cli_locale(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of the command line: ``explicit`` (``--lang``), else APPRAISE_LANG, else the locale.

    The locale is the first of LC_ALL, LC_MESSAGES and LANG that is set (POSIX order): ``zh*`` gives
    ``zh-CN``, anything else (``C``, ``en_US.UTF-8``, ``de_DE``) ``en``.
    """
    import os

    env = os.environ if environ is None else environ
    for value in (explicit, env.get(LANG_ENV)):
        if value and value.strip():
            return normalize_locale(value)
    for name in _LOCALE_ENV:
        value = env.get(name, "").strip()
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return DEFAULT_LOCALE


def parse_lang(value: str) -> str:
    """``--lang`` / APPRAISE_LANG as a locale (``zh``, ``zh_CN.UTF-8``, ``zh-Hans`` → ``zh-CN``; ``en-GB`` →
    ``en``); a ValueError for a language appraise does not speak."""
    text = value.strip().split(".")[0]
    if text.lower().startswith(("zh", "en")):
        return normalize_locale(text)
    raise ValueError(f"'{value}' is not a language appraise speaks; use en or zh-CN / appraise 不支持语言“{value}”，"
                     "请使用 en 或 zh-CN")


def say(key: str, /, locale: str | None = None, **values) -> str:
    """The message ``key`` (of :data:`CLI` or :data:`INPUT_MESSAGES`) in ``locale`` (default: the command line's,
    :func:`message_locale`) with ``values`` filled in."""
    entry = CLI[key] if key in CLI else INPUT_MESSAGES[key]
    locale = locale or message_locale()
    text = _pick(entry, locale)
    if values and locale != DEFAULT_LOCALE:  # a list in prose is joined the reader's way ("credits、deals")
        values = {k: _joined(v, locale) if k in _SAID_LISTS and isinstance(v, str) else v for k, v in values.items()}
    return text.format(**values) if values else text


# The values of said messages that are lists of names in prose (``appraise plugins``' kinds and hooks, the runs a
# stale result reads, the stages' times): joined with "、" in Chinese.  Code to copy is never among them.
_SAID_LISTS = frozenset({"kinds", "hooks", "reads", "times"})


CLI: dict[str, dict[str, str]] = {
    # appraise diff --fail-on: one line per guardrail
    "diff.check.ok": {"en": "ok      {threshold}: {measured}; {verdict}",
                      "zh-CN": "通过    {threshold}：{measured}；{verdict}"},
    "diff.check.fail": {"en": "FAILED  {threshold}: {measured}; {verdict}",
                        "zh-CN": "未通过  {threshold}：{measured}；{verdict}"},
    "diff.checks": {"en": "guardrails (--fail-on):", "zh-CN": "护栏（--fail-on）："},
    "diff.checks.heading": {"en": "Guardrails", "zh-CN": "护栏检查"},
    "diff.cost_pct": {"en": "the bonus cost changes by {pct} ({amount} {currency})",
                      "zh-CN": "奖金总额变化 {pct}（{amount} {currency}）"},
    "diff.cost_amount": {"en": "the bonus cost changes by {amount} {currency}",
                         "zh-CN": "奖金总额变化 {amount} {currency}"},
    "diff.cost_from_zero": {"en": "the bonus cost changes by {amount} {currency} from 0 (no percentage)",
                            "zh-CN": "奖金总额由 0 变化 {amount} {currency}（无法计算百分比）"},
    "diff.grades_pct": {"en": "{changed} of {n} people change grade ({pct})",
                        "zh-CN": "{n} 人中 {changed} 人等级变化（{pct}）"},
    "diff.grades_count": {"en": "{changed} of {n} people change grade", "zh-CN": "{n} 人中 {changed} 人等级变化"},
    "diff.grades_none": {"en": "nobody was compared", "zh-CN": "没有可比较的员工"},
    "diff.tau": {"en": "Kendall's τ-b of the scores is {tau}", "zh-CN": "得分的 Kendall τ-b 为 {tau}"},
    "diff.tau_undefined": {"en": "Kendall's τ-b is undefined (every old or every new score is the same, so "
                                 "nothing is ranked)",
                           "zh-CN": "Kendall τ-b 无定义（新旧得分之一全部相同，无法排序）"},
    "diff.hidden": {"en": "the number is not shown (fewer than {k} people, privacy.min_group)",
                    "zh-CN": "数值不予显示（少于 {k} 人，privacy.min_group）"},
    "diff.over_up": {"en": "more than the +{limit} allowed", "zh-CN": "超过允许的 +{limit}"},
    "diff.over_down": {"en": "more than the -{limit} allowed", "zh-CN": "超过允许的 -{limit}"},
    "diff.over_either": {"en": "more than the {limit} allowed either way", "zh-CN": "超过允许的 ±{limit}"},
    "diff.over": {"en": "more than the {limit} allowed", "zh-CN": "超过允许的 {limit}"},
    "diff.below": {"en": "below the {limit} required", "zh-CN": "低于要求的 {limit}"},
    "diff.within": {"en": "within the limit ({limit})", "zh-CN": "在限度内（{limit}）"},
    "diff.at_least": {"en": "at least {limit} as required", "zh-CN": "不低于要求的 {limit}"},
    "diff.failed": {"en": "appraise diff: {n} of {total} guardrails failed:",
                    "zh-CN": "appraise diff：{total} 项护栏中有 {n} 项未通过："},
}


# ---------------------------------------------------------------- diagnostics in Chinese
# Templates of the messages, hints and report lines the engine writes in English: ``{name}`` captures a part
# (names and numbers are kept as written; a part that is itself a phrase of DIAGNOSTICS or FRAGMENTS is translated
# too, so "the condition of rule 'x': <an expression error>" needs no template of its own).  A message no template
# matches is shown as written.  FRAGMENTS are only ever parts of a message, never a whole one.

def _entries(*rows: tuple[str, str, str]) -> dict[str, dict[str, str]]:
    return {key: {"en": en, "zh-CN": zh} for key, en, zh in rows}


DIAGNOSTICS: dict[str, dict[str, str]] = _entries(
    # the JSON Schema pass (language/schema.py)
    ("schema.unknown_key", "unknown key {key}", "未知的键 {key}"),
    ("schema.unknown_key_for", "unknown key {key} for provider {provider}", "数据源插件 {provider} 没有键 {key}"),
    ("schema.allowed", "allowed here: {keys}", "此处可用的键：{keys}"),
    ("schema.no_keys", "no keys are allowed here", "此处不允许任何键"),
    ("schema.missing_in", "{key} is missing in {where}", "{where} 缺少 {key}"),
    ("schema.missing", "{key} is missing", "缺少 {key}"),
    ("schema.add", "add {key}: ({description})", "请添加 {key}:（{description}）"),
    ("schema.type", "must be {expected}, not {found}", "应为{expected}，而不是{found}"),
    ("schema.enum", "{value} is not one of {options}", "{value} 不是 {options} 之一"),
    ("schema.pattern", "{value} is not valid here: {why}", "{value} 在此处无效：{why}"),
    ("schema.name", "{key} is not a valid name here", "{key} 不能用作此处的名称"),
    ("schema.name_why", "{key} is not a valid name here: {why}", "{key} 不能用作此处的名称：{why}"),
    ("schema.range", "{found} is out of range: it must be {bound}", "{found} 超出范围：应{bound}"),
    ("schema.empty_list", "must not be an empty list", "不能是空列表"),
    ("schema.min_items", "needs at least {n} items, has {has}", "至少需要 {n} 项，现有 {has} 项"),
    ("schema.max_items", "has {n} items; at most {most} are allowed", "有 {n} 项；最多允许 {most} 项"),
    ("schema.empty", "must not be empty", "不能为空"),
    ("schema.min_keys", "needs at least {n} keys", "至少需要 {n} 个键"),
    ("schema.one_key", "an item here has exactly one key, but this one has {keys}",
     "此处每一项只能有一个键，但这一项有 {keys}"),
    ("schema.max_keys", "has {n} keys; at most {most} are allowed", "有 {n} 个键；最多允许 {most} 个"),
    ("schema.max_length", "is {n} characters long; at most {most} are allowed", "长 {n} 个字符；最多允许 {most} 个"),
    ("schema.twice", "lists {found} twice", "{found} 出现了两次"),
    ("schema.both", "has both {both}, but only one of {keys} is allowed", "同时有 {both}，但 {keys} 只能有一个"),
    ("schema.one_of", "needs one of {keys}", "需要 {keys} 之一"),
    ("schema.forms", "matches more than one of the allowed forms; remove the keys of the forms you do not mean",
     "同时符合多种允许的写法；请删除不需要的写法的键"),
    ("schema.each_item", "write each as its own list item ('- ')", "请把每个写成单独的列表项（'- '）"),
    ("schema.keep_one", "keep the one you mean", "保留你需要的那一个"),
    ("schema.yaml12", "appraise reads YAML 1.2, where yes/no/on/off are text",
     "appraise 按 YAML 1.2 读取，其中 yes/no/on/off 是文本"),
    ("schema.yaml12_bool", "appraise reads YAML 1.2, where yes/no/on/off are text; write true or false",
     "appraise 按 YAML 1.2 读取，其中 yes/no/on/off 是文本；请写 true 或 false"),
    ("schema.empty_mapping", "write {{}} for an empty mapping", "空映射请写 {{}}"),
    ("schema.quote", "put it in quotes: \"{value}\"", "请加上引号：\"{value}\""),
    ("schema.share", "write a share as a number: 0.3 for 30%", "比例请写成数字：30% 写作 0.3"),
    ("schema.plain_number", "write the number without quotes or thousands separators",
     "请直接写数字，不加引号和千位分隔符"),
    ("schema.fraction", "shares are fractions: write {fraction} for {percent}%",
     "比例用小数表示：{percent}% 写作 {fraction}"),
    ("did_you_mean", "did you mean {name}?", "是否想写 {name}？"),
    ("with_did_you_mean", "{message}; did you mean {name}?", "{message}；是否想写 {name}？"),
    # YAML loading (language/load.py)
    ("yaml.syntax", "YAML syntax: {error}", "YAML 语法错误：{error}"),
    ("yaml.one_document", "YAML syntax: only one YAML document per file ('---' starts a second one)",
     "YAML 语法错误：每个文件只能有一个 YAML 文档（'---' 开始了第二个）"),
    ("yaml.duplicate", "duplicate key {key} (first defined at line {line})",
     "重复的键 {key}（首次定义于第 {line} 行）"),
    ("yaml.keep_one", "keep one of them", "只保留其中一个"),
    ("yaml.duplicate_keep", "duplicate key {key} (first defined at line {line}); keep one of them",
     "重复的键 {key}（首次定义于第 {line} 行）；只保留其中一个"),
    ("make_smaller", "make it smaller", "请改小一些"),
    ("remove_or_fix", "remove it, or fix its name", "请删除它，或改正名称"),
    ("data.width_ids", "ids must differ by more than the width of their characters (they read as the same id): type "
                       "the id with ASCII letters and digits, or give one of them another id",
     "编号之间不能只有字符宽度（全角/半角）不同（读起来是同一个编号）：请用半角字母和数字输入编号，或给其中一人另一个编号"),
    ("data.case_ids", "ids must differ by more than letter case (their pages would be one file on macOS and Windows): "
                      "correct the id, or give one of them another id",
     "编号之间不能只有大小写不同（在 macOS 和 Windows 上它们的页面会是同一个文件）："
     "请改正编号，或给其中一个换一个编号"),
    ("yaml.anchor", "anchor {anchor} is not allowed: appraise files may not use anchors or aliases; write the value "
                    "out in full", "不允许使用锚点 {anchor}：appraise 文件不能使用锚点或别名；请把值完整写出"),
    ("yaml.merge", "merge keys ('<<') are not allowed; write the keys out", "不允许使用合并键（'<<'）；请把键逐一写出"),
    ("yaml.tag", "tag {tag} is not allowed: appraise files use plain YAML values",
     "不允许使用标签 {tag}：appraise 文件只使用普通 YAML 值"),
    ("yaml.too_big", "file is {size} bytes; appraise reads YAML files of at most {most} bytes (1 MiB)",
     "文件大小为 {size} 字节；appraise 读取的 YAML 文件最大为 {most} 字节（1 MiB）"),
    ("yaml.make_smaller", "split it, or move data into a data source", "请拆分文件，或把数据移到数据源中"),
    ("io.no_such", "no such file or folder", "没有这个文件或文件夹"),
    ("io.cannot_read", "cannot read file: {error}", "无法读取文件：{error}"),
    ("io.not_utf8", "file is not valid UTF-8", "文件不是有效的 UTF-8 编码"),
    ("io.save_utf8", "save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8)",
     "请另存为 UTF-8（Excel 中选“CSV UTF-8”；编辑器中选 UTF-8 编码）"),
    # rulesets: weights, names, grades, calibration, bonus, curves, rules, expressions (language/validate)
    ("weights.sum", "the weights of {what} add up to {total}, not 100", "{what}的权重合计为 {total}，而不是 100"),
    ("weights.fix", "change them so they total exactly 100: {parts}", "请调整使其合计恰好为 100：{parts}"),
    ("names.not_grade", "{grade} is not a grade", "{grade} 不是等级"),
    ("names.not_grade_of", "{grade} is not a grade of the ruleset", "{grade} 不是该规则集的等级"),
    ("names.grades_are", "the grades are {grades}", "等级为 {grades}"),
    ("names.not_kpi_any", "{name} is not a KPI of any scorecard", "{name} 不是任何评分卡中的 KPI"),
    ("names.not_path", "{name} is not a dimension or KPI of any scorecard", "{name} 不是任何评分卡中的维度或 KPI"),
    ("names.not_playbook", "{name} is not a KPI, a dimension or 'feedback360'",
     "{name} 不是 KPI、维度或 'feedback360'"),
    ("names.playbook_hint", "playbook entries are keyed by what they coach: a KPI, a dimension or feedback360",
     "辅导手册的条目以其辅导的对象为键：KPI、维度或 feedback360"),
    ("names.not_source", "{name} is not one of the 360 sources of dimension {dimension}",
     "{name} 不是维度 {dimension} 的 360 评价来源"),
    ("names.sources", "sources: {sources}", "评价来源：{sources}"),
    ("names.kpi_metric", "KPI {kpi} reads metric {metric}, which is not declared under metrics",
     "KPI {kpi} 读取的指标 {metric} 未在 metrics 中声明"),
    ("names.kpi_metric_fix", "fix the KPI's name, or name the metric it reads with metric:",
     "请改正 KPI 的名称，或用 metric: 指明它读取的指标"),
    ("names.built_in", "{name} is built in; it cannot be declared again", "{name} 是内置列，不能再次声明"),
    ("names.built_in_fix", "remove it from attributes (built in: {names})",
     "请从 attributes 中删除（内置列：{names}）"),
    ("names.rule_twice", "rule id {id} is used twice (first at line {line})",
     "规则编号 {id} 被使用了两次（首次在第 {line} 行）"),
    ("names.own_id", "give each one its own id", "请给每条规则一个不同的编号"),
    ("names.cohort", "cohort {name} is not an employee column", "校准分组 {name} 不是员工表中的列"),
    ("names.declare_attr", "declare it under attributes: ({example})", "请在 attributes: 中声明（{example}）"),
    ("names.declared", "declared: {names}", "已声明：{names}"),
    ("grades.order", "grades go from the top down, so the min of {lower} ({lower_min}) must be below the min of "
                     "{upper} ({upper_min})",
     "等级从高到低排列，因此 {lower} 的最低分（{lower_min}）必须低于 {upper} 的最低分（{upper_min}）"),
    ("grades.order_fix", "list grades from the highest to the lowest, each min lower than the one before",
     "请从最高等级到最低等级排列，每个 min 都低于前一个"),
    ("grades.last", "the last grade ({grade}) must have min 0, so that every score gets a grade",
     "最后一个等级（{grade}）的 min 必须为 0，这样每个得分都有等级"),
    ("grades.last_fix", "set its min to 0, or add a grade with min 0 below it",
     "请把它的 min 设为 0，或在其下添加一个 min 为 0 的等级"),
    ("calibration.cumulative", "shares are cumulative from the top, so they cannot go down: {lower} allows "
                               "{lower_share} but {upper} above it allows {upper_share}",
     "比例从最高等级起累计，因此不能变小：{lower} 允许 {lower_share}，而其上的 {upper} 允许 {upper_share}"),
    ("calibration.cumulative_fix", "{entry} means at most {percent} at {grade} or above; raise it to at least {least}",
     "{entry} 表示 {grade} 及以上至多占 {percent}；请至少提高到 {least}"),
    ("bonus.not_money", "bonus target {name} is declared as {type}, but it is an amount of money",
     "奖金目标 {name} 被声明为 {type}，但它是金额"),
    ("bonus.declare_money", "declare it under attributes as {entry}", "请在 attributes 中声明为 {entry}"),
    ("bonus.tiers_up", "bonus tiers must go up: 'from' {value} comes after {before}",
     "奖金档位必须递增：'from' {value} 排在 {before} 之后"),
    ("bonus.multiplier", "grade {grade} pays multiplier {value}, more than the better grade {better} ({better_value})",
     "等级 {grade} 的系数为 {value}，高于更好的等级 {better}（{better_value}）"),
    ("bonus.multiplier_fix", "multipliers must not rise down the grades, or a better appraisal could pay less",
     "系数不能随等级降低而升高，否则更好的考核结果可能拿得更少"),
    ("curve.bands_up", "curve bands must go up: 'from' {value} comes after {before}",
     "曲线分段必须递增：'from' {value} 排在 {before} 之后"),
    ("curve.order_fix", "list them from the lowest 'from' to the highest, each higher than the one before",
     "请按 'from' 从低到高排列，每个都高于前一个"),
    ("curve.points_fall", "curve score {score} is lower than the {before} before it, so a better result would "
                          "score less",
     "曲线得分 {score} 低于它之前的 {before}，更好的结果反而得分更低"),
    ("curve.points_fix", "make the scores rise (or stay level) along the curve", "请让得分沿曲线上升（或持平）"),
    ("curve.floor_cap", "floor {floor} is above cap {cap}", "下限 {floor} 高于上限 {cap}"),
    ("curve.floor_cap_fix", "the floor is where scoring starts and the cap where it stops; floor ≤ cap",
     "下限是开始计分处，上限是停止计分处；下限 ≤ 上限"),
    ("formula.circle", "formulas go round in a circle: {cycle}", "公式之间形成了循环：{cycle}"),
    ("formula.circle_fix", "a formula may only use metrics that do not depend on it", "公式只能使用不依赖于它的指标"),
    ("rules.shift_too_much", "rule {rule} shifts {points} points from {source}, which has {has} (scorecard {card})",
     "规则 {rule} 从 {source} 移出 {points} 分权重，但它只有 {has} 分（评分卡 {card}）"),
    ("rules.shift_at_most", "shift at most {points} points", "最多移出 {points} 分"),
    ("rules.together", "rules {rules} together shift {points} points from {source}, which has {has} by then "
                       "(scorecard {card})",
     "规则 {rules} 合计从 {source} 移出 {points} 分权重，而届时它只有 {has} 分（评分卡 {card}）"),
    ("rules.together_fix", "lower the points, or make the rules' conditions exclusive",
     "请减少分数，或让这些规则的条件互斥"),
    ("rules.not_siblings", "shift moves weight from {source} to {target}, which are not in the same group",
     "shift 把权重从 {source} 移到 {target}，但二者不在同一组"),
    ("rules.siblings_fix", "shift between two dimensions, or between two KPIs of the same dimension",
     "请在两个维度之间，或同一维度的两个 KPI 之间移动"),
    ("rules.drops_all", "rule {rule} drops {path}, which carries all 100 points of {what}; nothing is left to take "
                        "them (scorecard {card})",
     "规则 {rule} 去掉了 {path}，它承担了{what}的全部 100 分权重，没有其他项可以接手（评分卡 {card}）"),
    ("rules.too_many", "{n} rules change the same weights of scorecard {card} ({rules}); appraise checks every "
                       "combination of at most {most} such rules",
     "{n} 条规则修改评分卡 {card} 的相同权重（{rules}）；appraise 最多检查 {most} 条此类规则的所有组合"),
    ("rules.too_many_fix", "merge rules that always fire together, or split the scorecard",
     "请合并总是同时生效的规则，或拆分评分卡"),
    ("path.write", "write a dimension ('results') or a dimension and KPI ('results.revenue')",
     "请写维度（'results'）或维度加 KPI（'results.revenue'）"),
    ("expr.unknown_name", "unknown name {name} in {where}", "{where}中有未知的名称 {name}"),
    ("expr.in", "{where}: {problem}", "{where}：{problem}"),
    ("expr.quote", "if you mean the text {text}, put it in quotes: \"{quoted}\"",
     "如果指的是文本 {text}，请加上引号：\"{quoted}\""),
    ("expr.compare", "to compare, write '=='", "比较请写 '=='"),
    ("expr.dunder", "access to {name} is not allowed", "不允许访问 {name}"),
    ("expr.call", "calling {name} is not allowed; the functions are {functions}",
     "不允许调用 {name}；可用的函数为 {functions}"),
    ("expr.power", "'**' (power) is not allowed; multiply instead", "不允许使用 '**'（乘方）；请改用乘法"),
    ("expr.syntax", "not a valid expression: {error}", "不是有效的表达式：{error}"),
    ("expr.too_long", "expression is {n} characters; the limit is {most}", "表达式长 {n} 个字符；上限为 {most}"),
    ("expr.context_in_formula", "'context' cannot be used in {where}", "{where}中不能使用 'context'"),
    ("expr.later", "{name} is only known once everyone is scored, so {where} cannot read it; outcomes (outcomes: ... "
                   "when:) can",
     "{name} 要等所有人评分后才知道，因此{where}不能读取它；结果（outcomes: ... when:）可以"),
    ("target.type", "the target of KPI {kpi} must be a number, but this is text",
     "KPI {kpi} 的目标必须是数字，但这是文本"),
    ("metric.derived", "{name} is derived ({formula}); give the metrics it is computed from",
     "{name} 是派生指标（{formula}）；请给出计算它所用的指标"),
    ("metric.declare", "declare {name} under metrics: (or attributes: for an employee column)",
     "请在 metrics: 中声明 {name}（员工表的列请在 attributes: 中声明）"),
    # cycle files, paths, periods, context, overrides (language/cycle.py, validate/cycles.py, paths.py)
    ("cycle.outside", "{path} leads outside the cycle's folder {root} (to {target}); data files, query files, the "
                      "ruleset, overrides, the output and a SQLite store must be inside it",
     "{path} 指向周期文件所在文件夹 {root} 之外（指向 {target}）；数据文件、查询文件、规则集、人工调整文件、输出和 "
     "SQLite 结果库都必须在其中"),
    ("cycle.outside_git", "{path} leads outside the cycle's git repository {root} (to {target}); data files, query "
                          "files, the ruleset, overrides, the output and a SQLite store must be inside it",
     "{path} 指向周期文件所在 git 仓库 {root} 之外（指向 {target}）；数据文件、查询文件、规则集、人工调整文件、输出和 "
     "SQLite 结果库都必须在其中"),
    ("cycle.outside_ruleset", "{path} leads outside the cycle's folder {root} (to {target}); the ruleset must be "
                              "inside it; it was not read",
     "{path} 指向周期文件所在文件夹 {root} 之外（指向 {target}）；规则集必须在其中；未读取"),
    ("cycle.outside_ruleset_git", "{path} leads outside the cycle's git repository {root} (to {target}); the ruleset "
                                  "must be inside it; it was not read",
     "{path} 指向周期文件所在 git 仓库 {root} 之外（指向 {target}）；规则集必须在其中；未读取"),
    ("cycle.outside_fix", "move it into that folder, or set 'allow_outside_paths: true' in the cycle file (or "
                          "APPRAISE_ALLOW_OUTSIDE_PATHS=1) if it is meant",
     "请移到该文件夹中；若确需如此，请在周期文件中设置 'allow_outside_paths: true'（或设置环境变量 "
     "APPRAISE_ALLOW_OUTSIDE_PATHS=1）"),
    ("cycle.outside_workspace", "{path} leads outside the cycle's workspace {root} (to {target}); it is not read",
     "{path} 指向周期文件的工作区 {root} 之外（指向 {target}）；未读取"),
    ("cycle.outside_workspace_url", "{path} leads outside the cycle's workspace {root}; it is not read",
     "{path} 指向周期文件的工作区 {root} 之外；未读取"),
    ("tests.outside", "{path} leads outside {root}; the ruleset of a test must be inside it; it was not read",
     "{path} 指向 {root} 之外；测试的规则集必须在其中；未读取"),
    ("tests.outside_fix", "set APPRAISE_ALLOW_OUTSIDE_PATHS=1 if it is meant",
     "若确需如此，请设置 APPRAISE_ALLOW_OUTSIDE_PATHS=1"),
    ("tests.no_ruleset", "no ruleset at {path} (looked for {where})", "{path} 处没有规则集（查找的是 {where}）"),
    ("cycle.relative", "paths in a cycle file are relative to the cycle file's folder",
     "周期文件中的路径相对于周期文件所在的文件夹"),
    ("cycle.no_ruleset", "ruleset file {name} not found (looked for {path})",
     "找不到规则集文件 {name}（查找的是 {path}）"),
    # the data a cycle's sources name, checked by validate and by run before anything is read (validate/cycles.py)
    ("cycle.no_data_glob", "no file matches '{name}' (looked in {path})",
     "没有文件与 '{name}' 匹配（查找的文件夹是 {path}）"),
    ("cycle.no_data", "data file '{name}' not found (looked for {path})", "找不到数据文件 '{name}'（查找的是 {path}）"),
    ("cycle.data_folder", "'{name}' is a folder; provider '{provider}' reads one file",
     "'{name}' 是文件夹；数据源插件 '{provider}' 只读取一个文件"),
    ("cycle.data_folder.hint", "name the file; to read every file of a folder, use provider: duckdb with a glob such "
                               "as data/deals/*.parquet",
     "请写出文件名；如需读取文件夹中的所有文件，请使用 provider: duckdb 并写通配符，例如 data/deals/*.parquet"),
    ("cycle.duckdb_folder", "'{name}' is a folder; provider 'duckdb' reads a file or a glob",
     "'{name}' 是文件夹；数据源插件 'duckdb' 读取一个文件或一个通配符"),
    ("cycle.duckdb_folder.hint", "name the files with a glob, e.g. {a} or {b}", "请用通配符写出文件，例如 {a} 或 {b}"),
    ("cycle.nul_path", "'{name}' holds a NUL character (\\0), which no file name can hold",
     "'{name}' 含有 NUL 字符（\\0），文件名中不可能有这个字符"),
    ("cycle.nul_path.hint", "remove it from the path", "请从路径中删除它"),
    ("cycle.no_query_file", "query file '{name}' not found (looked for {path})",
     "找不到查询文件 '{name}'（查找的是 {path}）"),
    ("cycle.no_sqlite", "SQLite database file of url: '{url}' not found (looked for {path})",
     "找不到 url: '{url}' 所指的 SQLite 数据库文件（查找的是 {path}）"),
    ("cycle.no_sqlite_var", "SQLite database file of url: '{url}' not found",
     "找不到 url: '{url}' 所指的 SQLite 数据库文件"),
    ("cycle.data_hint", "paths in a cycle file are relative to the cycle file's folder: correct the path, or put the "
                        "file there before the run",
     "周期文件中的路径相对于周期文件所在的文件夹：请更正路径，或在运行前把文件放到该处"),
    ("cycle.invalid_ruleset", "the ruleset {path} is not valid ({problems}, listed below)",
     "规则集 {path} 无效（{problems}，见下文）"),
    ("cycle.validate_it", "appraise validate {path}", "appraise validate {path}"),
    ("cycle.no_provider", "no provider {name} is installed", "没有安装数据源插件 {name}"),
    ("cycle.installed", "installed: {names} (`appraise plugins`)", "已安装：{names}（`appraise plugins`）"),
    ("cycle.no_employees", "no source has kind employees; add one, e.g. {example}",
     "没有 kind 为 employees 的数据源；请添加一个，例如 {example}"),
    ("cycle.no_feedback", "the ruleset scores 360 feedback but no source has kind feedback360; every 360 dimension "
                          "will count as missing",
     "规则集对 360 反馈评分，但没有 kind 为 feedback360 的数据源；所有 360 维度都将按缺失处理"),
    ("cycle.no_okr", "the ruleset scores OKRs but no source has kind okr; every OKR dimension will count as missing",
     "规则集对 OKR 评分，但没有 kind 为 okr 的数据源；所有 OKR 维度都将按缺失处理"),
    ("cycle.context_unset", "the ruleset ({ruleset}) reads context.{name} (in {where}), but this cycle's context does "
                            "not set it",
     "规则集（{ruleset}）读取 context.{name}（在 {where} 中），但本周期的 context 没有设置它"),
    ("cycle.context_add", "add it: context: {{{name}: ...}} (true/false, a number, a text or a list)",
     "请添加：context: {{{name}: ...}}（true/false、数字、文本或列表）"),
    ("cycle.context_unread", "context.{name} is set but the ruleset ({ruleset}) never reads it",
     "设置了 context.{name}，但规则集（{ruleset}）从未读取它"),
    ("cycle.context_type", "{expression} in the ruleset ({ruleset}) cannot use this context: {why}",
     "规则集（{ruleset}）中的 {expression} 无法使用此 context：{why}"),
    ("cycle.context_type_fix", "give the context value the type the ruleset expects (true/false for a condition, a "
                               "list for 'in')",
     "请让 context 的值符合规则集期望的类型（条件用 true/false，'in' 用列表）"),
    ("cycle.in_list", "'in' needs a list on its right, like {example}", "'in' 右侧需要列表，例如 {example}"),
    ("cycle.reads_periods", "the ruleset ({ruleset}) reads {every} of ruleset {id} in {where}, but {period} is a "
                            "{length}, not made of {every}",
     "规则集（{ruleset}）在 {where} 中读取规则集 {id} 的各{every}结果，但 {period} 是一个{length}，不由{every}组成"),
    ("cycle.longer", "run this ruleset for a period longer than a quarter (e.g. a year), or read shorter periods",
     "请对长于一个季度的期间（例如一年）运行此规则集，或读取更短的期间"),
    ("periods.not_quarter", "{key} is not a quarter of a year: with every: quarter the weights are keyed "
                            "Q1, Q2, Q3, Q4",
     "{key} 不是一年中的季度：every: quarter 时权重的键为 Q1、Q2、Q3、Q4"),
    ("periods.quarter_fix", "key each quarter by its place in the year, e.g. Q4",
     "请按季度在一年中的位置作键，例如 Q4"),
    ("overrides.not_appraised", "override for {id}, whom this cycle does not appraise: no scorecard of this ruleset "
                                "applies to them",
     "{id} 的人工调整无效：本周期不考核此人，该规则集没有适用于他/她的评分卡"),
    ("overrides.not_in_table", "override for {id}, whom this cycle does not appraise: they are not in the employee "
                               "table",
     "{id} 的人工调整无效：本周期不考核此人，员工表中没有此人"),
    ("overrides.left", "override for {id}, whom this cycle does not appraise: they left on {date}, before {period} "
                       "began",
     "{id} 的人工调整无效：本周期不考核此人，此人已于 {date} 离职，早于 {period} 开始"),
    ("overrides.joined", "override for {id}, whom this cycle does not appraise: they joined on {date}, after "
                         "{period} ended",
     "{id} 的人工调整无效：本周期不考核此人，此人于 {date} 入职，晚于 {period} 结束"),
    ("overrides.not_employed", "override for {id}, whom this cycle does not appraise: they are not in the employee "
                               "table, or not employed during the period",
     "{id} 的人工调整无效：本周期不考核此人，员工表中没有此人，或此人在该期间不在职"),
    ("overrides.not_appraisable", "override for {id}, whom this cycle does not appraise: they could not be appraised "
                                  "({message})",
     "{id} 的人工调整无效：本周期不考核此人，无法考核此人（{message}）"),
    ("overrides.fix", "remove the override, or fix the id", "请删除该人工调整，或改正编号"),
    ("overrides.plain_number", "write it as a plain number: {number}", "请写成普通数字：{number}"),
    ("overrides.grade_text", "'{grade}' is not a grade; write the grade as the ruleset names it",
     "'{grade}' 不是等级；请按规则集中的写法填写等级"),
    ("overrides.unquoted", "write it without quotes: {number}", "请去掉引号，写成：{number}"),
    ("employees.date_column", "the employees table has a column '{near}' but no '{column}'; the dates of employment "
                              "are read from '{column}' only",
     "员工表有 '{near}' 列，但没有 '{column}' 列；入职和离职日期只从 '{column}' 列读取"),
    ("employees.rename_column", "rename it with columns: {{{near}: {column}}}",
     "请用 columns: {{{near}: {column}}} 重命名"),
    # an employee row the engine cannot use (engine/core/rollup.py read_employees), printed by appraise run
    ("employees.not_date", "{column} '{value}' is not a date; write YYYY-MM-DD",
     "{column} '{value}' 不是日期；请写成 YYYY-MM-DD"),
    ("employees.not_number", "{column} '{value}' is not a number (declared {kind})",
     "{column} '{value}' 不是数字（声明为 {kind}）"),
    ("employees.not_usable", "{column} '{value}' is not a usable number: it must be finite and below 10^15",
     "{column} '{value}' 不是可用的数字：必须是有限值且小于 10^15"),
    ("employees.target_below_zero", "{column} '{value}' is below zero; a bonus target is 0 or more",
     "{column} '{value}' 小于 0；奖金目标应不小于 0"),
    ("employees.leave_before_hire", "leave_date '{value}' is before the hire_date; correct one of the two dates",
     "leave_date '{value}' 早于 hire_date（入职日期）；请改正这两个日期之一"),
    ("employees.leave_before_hire_row", "leave_date '{value}' is before the hire_date ({hire}); correct one of the "
                                        "two dates",
     "leave_date '{value}' 早于 hire_date（入职日期 {hire}）；请改正这两个日期之一"),
    ("employees.no_hire_date", "hire_date is empty, but the ruleset {why}; give the employee's hire date (YYYY-MM-DD)",
     "hire_date 为空，但规则集{why}；请填写该员工的入职日期（YYYY-MM-DD）"),
    ("employees.reads", "reads {name}", "读取 {name}"),
    ("employees.reads_two", "reads {name} and reads {other}", "读取 {name} 和 {other}"),
    ("employees.reads_prorates", "reads {name} and prorates the bonus by days employed",
     "读取 {name}，并按在职天数折算奖金"),
    ("employees.reads_two_prorates", "reads {name} and reads {other} and prorates the bonus by days employed",
     "读取 {name} 和 {other}，并按在职天数折算奖金"),
    ("employees.prorates", "prorates the bonus by days employed", "按在职天数折算奖金"),
    # a cycle file's output folder and store (language/validate/cycles.py)
    ("cycle.ruleset_is_cycle", "'{name}' is a cycle file, not a ruleset", "'{name}' 是周期文件，不是规则集"),
    ("cycle.ruleset_is_cycle_fix", "name the ruleset file here: the one with id:, scorecards: and grades: (the "
                                   "ruleset: line of '{name}' names it)",
     "请在此处写规则集文件：含有 id:、scorecards: 和 grades: 的文件（'{name}' 的 ruleset: 一行写有它）"),
    ("cycle.output_own", "output folder '{output}' holds the cycle's own files ({what}); each run replaces the whole "
                         "output folder",
     "输出目录 '{output}' 包含本周期自己的文件（{what}）；每次运行会整体替换输出目录"),
    ("cycle.output_repository", "the repository {path}", "仓库 {path}"),
    ("cycle.output_fix", "give it a folder of its own, e.g. {example}", "请为输出指定单独的目录，例如 {example}"),
    ("cycle.store_scheme", "store '{scheme}' is not a database appraise can open",
     "store '{scheme}' 不是 appraise 能打开的数据库"),
    ("cycle.store_fix", "write an SQLAlchemy URL: sqlite:///appraise.db (a file beside the cycle file) or "
                        "postgresql+psycopg://user@host/db",
     "请写 SQLAlchemy URL：sqlite:///appraise.db（周期文件旁的一个文件）或 postgresql+psycopg://user@host/db"),
    # the engine's refusals of a cycle (engine/core: evaluate, rollup), printed by appraise run
    ("evaluate.not_made_of", "the ruleset reads {every}s of ruleset '{id}' ({why}), but {period} is a {kind}, not "
                             "made of {every}s; run it for a longer period",
     "规则集读取规则集 '{id}' 的各{every}结果（{why}），但 {period} 是一个{kind}，不由{every}组成；请对更长的期间运行"),
    ("evaluate.context_unset", "the ruleset reads {names} but the cycle's 'context:' does not set it; add it to the "
                               "cycle file",
     "规则集读取 {names}，但周期文件的 'context:' 没有设置它；请在周期文件中添加"),
    ("evaluate.context_misfit", "the cycle's context does not fit the ruleset: {problems}",
     "周期文件的 context 与规则集不符：{problems}"),
    ("rollup.no_attribute_column", "the ruleset declares attribute '{name}' but the employee table has no column "
                                   "'{column}'; add it to the employees source or remove it from 'attributes:'",
     "规则集声明了属性 '{name}'，但员工表没有 '{column}' 列；请在员工数据源中添加该列，或从 'attributes:' 中删除它"),
    ("rollup.no_metric_column", "no metrics table has a column for {names}, which the ruleset declares; rename the "
                                "column, or declare the metric optional: true if the data may lack it",
     "没有任何指标表包含规则集声明的 {names} 列；请更正列名，或在数据可能缺少该指标时将其声明为 optional: true"),
    ("rollup.okr_index_negative", "an OKR objective_index is negative ({value}); number objectives from 0",
     "OKR 的 objective_index 为负数（{value}）；目标应从 0 开始编号"),
    ("rollup.no_competency_column", "360 dimension '{dim}' rates the competencies {names}, but the feedback has no "
                                    "'competency' column; add it to the feedback file (or map it with columns:)",
     "360 维度 '{dim}' 按能力项 {names} 评分，但反馈数据没有 'competency' 列；请在反馈文件中添加该列（或用 columns: "
     "映射）"),
    # the run's own warnings (engine/core: rollup, incentives, evaluate), printed by appraise run
    ("periods.not_stored", "no stored results of ruleset '{id}' for {period}: every employee's {item} is missing "
                           "(run that period first, then this one again)",
     "结果库中没有规则集 '{id}' 在 {period} 的结果：每位员工的 {item} 均缺失（请先运行该期间，再重新运行本期间）"),
    ("periods.unknown_ruleset", "the store holds no run of ruleset '{id}', which dimension '{dim}' reads: every "
                                "employee's {item} is missing; check the ruleset id (the store holds runs of {names})",
     "结果库中没有规则集 '{id}' 的任何运行（维度 '{dim}' 读取它）：每位员工的 {item} 均缺失；请检查规则集编号"
     "（结果库中有这些规则集的运行：{names}）"),
    ("net_of.not_stored", "no stored results of ruleset '{id}' for {period}: bonus.net_of deducts nothing for it, so "
                          "the bonus due now includes what that period pays (run that period first, then this one "
                          "again)",
     "结果库中没有规则集 '{id}' 在 {period} 的结果：bonus.net_of 不为该期间扣除任何已发奖金，因此本期应发奖金包含了"
     "该期间将发放的奖金（请先运行该期间，再重新运行本期间）"),
    ("net_of.other_periods_quarter", "what ruleset '{id}' paid for {periods} is not netted: bonus.net_of nets the "
                                     "quarters of {period} only ({first} to {last})",
     "规则集 '{id}' 在 {periods} 发放的奖金不予扣除：bonus.net_of 只扣除 {period} 各季度的已发奖金"
     "（{first} 至 {last}）"),
    ("net_of.other_periods_month", "what ruleset '{id}' paid for {periods} is not netted: bonus.net_of nets the "
                                   "months of {period} only ({first} to {last})",
     "规则集 '{id}' 在 {periods} 发放的奖金不予扣除：bonus.net_of 只扣除 {period} 各月的已发奖金"
     "（{first} 至 {last}）"),
    ("net_of.other_periods_half", "what ruleset '{id}' paid for {periods} is not netted: bonus.net_of nets the "
                                  "halves of {period} only ({first} to {last})",
     "规则集 '{id}' 在 {periods} 发放的奖金不予扣除：bonus.net_of 只扣除 {period} 各半年的已发奖金"
     "（{first} 至 {last}）"),
    ("net_of.paid_twice", "what ruleset '{id}' paid for {period} is given {n} times ({amounts}); the bonus cannot be "
                          "settled against it, so it is not paid",
     "规则集 '{id}' 在 {period} 的已发奖金给出了 {n} 次（{amounts}）；无法据此结算奖金，因此不予发放"),
    ("net_of.unknown_ruleset", "the store holds no run of ruleset '{id}', which bonus.net_of nets: nothing is "
                               "deducted and the bonus due now is the whole gross bonus; check the ruleset id (the "
                               "store holds runs of {names})",
     "结果库中没有规则集 '{id}' 的任何运行（bonus.net_of 扣减它已发的奖金）：不扣减任何金额，本期应发奖金即全部应计"
     "奖金；请检查规则集编号（结果库中有这些规则集的运行：{names}）"),
    ("draws.not_stored", "no stored run of ruleset '{id}' for {period}: draw balances are carried from {latest} and "
                         "earlier, without {prev}'s draws (run {again} first, then this one again)",
     "结果库中没有规则集 '{id}' 在 {period} 的运行：预支余额从 {latest} 及更早的期间结转，不含 {prev} 的预支"
     "（请先运行 {again}，再重新运行本期间）"),
    ("rollup.optional_absent", "no data source provides {names} (declared optional); whatever reads them counts as "
                               "missing",
     "没有数据源提供 {names}（已声明为可选）；读取它们的内容均按缺失处理"),
    ("evaluate.none_covered", "no scorecard of ruleset '{id}' applies to any of the {n} employees; check the "
                              "scorecards' applies_to against the employee table",
     "规则集 '{id}' 的评分卡不适用于这 {n} 名员工中的任何一人；请对照员工表检查各评分卡的 applies_to"),
    ("overrides.by", "the override of {id} needs 'by': who approved it", "{id} 的人工调整需要 'by'：由谁批准"),
    ("overrides.reason", "the override of {id} needs 'reason': why the result is overridden",
     "{id} 的人工调整需要 'reason'：为何调整结果"),
    ("overrides.date", "the override of {id} needs the 'date' it was approved, as YYYY-MM-DD (not {value})",
     "{id} 的人工调整需要批准日期 'date'，格式为 YYYY-MM-DD（而不是 {value}）"),
    # ruleset test files (tools/testing/files.py)
    ("tests.not_attribute", "{name} is not an attribute the ruleset declares", "{name} 不是规则集声明的属性"),
    ("tests.not_metric", "{name} is not a metric the ruleset declares", "{name} 不是规则集声明的指标"),
    ("tests.not_raw", "{name} is not a raw metric the ruleset declares, so it is not read",
     "{name} 不是规则集声明的原始指标，因此不会被读取"),
    ("tests.not_rule", "{name} is not a rule of the ruleset", "{name} 不是规则集中的规则"),
    ("tests.not_kpi", "{name} is not a KPI of the ruleset (write dimension.kpi)",
     "{name} 不是规则集中的 KPI（请写 维度.kpi）"),
    ("tests.not_given", "{id} is not an employee given in this test", "{id} 不是本测试给出的员工"),
    ("tests.context", "test {name} does not set context.{keys}, which the ruleset reads",
     "测试 {name} 没有设置规则集读取的 context.{keys}"),
    ("tests.context_fix", "add it to the file's context: or the test's", "请在文件或该测试的 context: 中添加"),
    # amounts paid or carried in that are not amounts (core/frame.py unreadable_amounts)
    ("core.paid_not_amount", "what ruleset {id} paid for {period} is {value}, which is not an amount; the bonus "
                             "cannot be settled against it, so it is not paid",
     "规则集 {id} 在 {period} 已发放的奖金为 {value}，不是金额；无法据此结算奖金，因此不予发放"),
    ("core.year_not_amount", "what ruleset {id} paid earlier this year for {period} is {value}, which is not an "
                             "amount; the bonus cannot be settled against it, so it is not paid",
     "规则集 {id} 今年此前在 {period} 已发放的奖金为 {value}，不是金额；无法据此结算奖金，因此不予发放"),
    ("core.draw_not_amount", "the draw balance carried in is {value}, which is not an amount; the bonus cannot be "
                             "settled against it, so it is not paid",
     "结转的预支余额为 {value}，不是金额；无法据此结算奖金，因此不予发放"),
    ("tests.not_amount", "{key} for {period} is {value}, which is not an amount",
     "{period} 的 {key} 为 {value}，不是金额"),
    ("tests.draw_not_amount", "draw_balance is {value}, which is not an amount", "draw_balance 为 {value}，不是金额"),
    ("tests.month_outside", "month {month} is not in the test's period {period}; the engine would ignore this row",
     "月份 {month} 不在测试期间 {period} 内；引擎会忽略这一行"),
    # data (provide/*, the providers)
    ("data.not_date", "{column} of employee {id} is {value}, which is not a date",
     "员工 {id} 的 {column} 为 {value}，不是日期"),
    ("data.not_number", "{column} of employee {id} is {value}, which is not a number",
     "员工 {id} 的 {column} 为 {value}，不是数字"),
    ("data.not_amount", "{column} of employee {id} is {value}, which is not an amount",
     "员工 {id} 的 {column} 为 {value}，不是金额"),
    ("data.dates", "write dates as 2026-07-01", "日期请写成 2026-07-01"),
    ("data.months", "write months as 2026-07 (or a date in that month)", "月份请写成 2026-07（或该月中的某个日期）"),
    ("data.numbers", "write plain numbers: 1234.5 (no thousands separators, units or %)",
     "请写普通数字：1234.5（不带千位分隔符、单位或 %）"),
    ("data.amounts", "write plain numbers: 30000, 30000.50 or 30,000.50", "请写普通数字：30000、30000.50 或 30,000.50"),
    ("data.value_not_number", "value of {column} is {value}, which is not a number ({who})",
     "{column} 的值为 {value}，不是数字（{who}）"),
    ("data.value_not_number_in", "value of {column} is {value}, which is not a number ({who}) ({where})",
     "{column} 的值为 {value}，不是数字（{who}）（{where}）"),
    ("data.infinite", "value of {column} is {value} (infinite) ({who})", "{column} 的值为 {value}（无穷大）（{who}）"),
    ("data.nan", "value of {column} is {value} (not a number) ({who})", "{column} 的值为 {value}（非数字）（{who}）"),
    ("data.huge_of", "{column} of employee {id} is {value}, too large to compute exactly (the limit is 10^15)",
     "员工 {id} 的 {column} 为 {value}，太大，无法精确计算（上限为 10^15）"),
    ("data.tiny_of", "{column} of employee {id} is {value}, too close to 0 to compute with (below 2.2e-308 in size)",
     "员工 {id} 的 {column} 为 {value}，太接近 0，无法计算（绝对值小于 2.2e-308）"),
    ("data.dot_thousands", "{column} is {value} in a file separated by ';' (as Excel writes CSV in most of Europe), "
                           "where it may be {grouped} written with thousands points or {point} with a decimal point; "
                           "appraise does not guess",
     "{column} 为 {value}，而文件以“;”分隔（欧洲多数地区的 Excel 以此保存 CSV）：它可能是用千位点书写的 {grouped}，"
     "也可能是带小数点的 {point}；appraise 不做猜测"),
    ("data.dot_thousands_fix", "write {grouped} or {point}, as meant, without thousands separators (or save the file "
                               "as 'CSV UTF-8' with numbers formatted without them)",
     "请按本意写成 {grouped} 或 {point}，不要千位分隔符（或将文件另存为“CSV UTF-8”，数字格式不带分隔符）"),
    ("data.near_spelling", "{column} {value} differs from {was} (line {line}) only in letter case or character width; "
                           "they are read as two different values",
     "{column} {value} 与 {was}（第 {line} 行）仅大小写或字符宽度不同；它们被当作两个不同的值读取"),
    ("data.near_spelling_fix", "write one spelling for both, if they are meant as one (cohorts, team roll-ups and rule "
                               "conditions read them as two)",
     "如果它们指的是同一个值，请统一写法（分组校准、团队汇总和规则条件都会把它们当作两个值）"),
    # why a cell is not a number, when its text shows it (provide/checks.py number_hint)
    ("data.hint_excel_error", "{value} is an Excel error value: fix the formula in the workbook, or leave the cell "
                              "empty if the value is unknown (it then counts as missing)",
     "{value} 是 Excel 的错误值：请在工作簿中修正公式；如果数值未知，请留空（按缺失处理）"),
    ("data.hint_placeholder", "{value} is a placeholder, not a number: leave the cell empty if the value is unknown "
                              "(it then counts as missing), or write the value",
     "{value} 是占位符，不是数字：如果数值未知，请留空（按缺失处理），否则请填写数值"),
    ("data.hint_width", "{value} is written with full-width or other non-ASCII characters: type it with ASCII "
                        "digits: {fixed}",
     "{value} 使用了全角或其他非 ASCII 字符：请用半角数字输入：{fixed}"),
    ("data.hint_percent", "{value} is a percentage: write the number without '%', in the unit the ruleset expects "
                          "(0.855 for a share, 85.5 for points)",
     "{value} 是百分数：请去掉“%”，按规则集期望的单位填写（比例写 0.855，分值写 85.5）"),
    ("data.hint_currency", "{value} has a currency sign or unit: write the amount alone: {fixed}",
     "{value} 带有货币符号或单位：请只写金额：{fixed}"),
    ("data.hint_brackets", "{value} is a negative amount in brackets: write it with a minus sign: {fixed}",
     "{value} 是用括号表示的负数：请改用负号：{fixed}"),
    ("data.hint_thousands", "{value} has a thousands separator: write it without: {fixed}",
     "{value} 带有千位分隔符：请去掉：{fixed}"),
    ("data.hint_decimal_comma", "{value} has a decimal comma: write a decimal point: {fixed} (save the file with "
                                "decimal points, or in a locale that writes them)",
     "{value} 使用了小数逗号：请改用小数点：{fixed}（请以小数点格式保存文件，或在使用小数点的区域设置下保存）"),
    ("data.hint_grouped", "{value} has spaces or other marks between its digits: write it without: {fixed}",
     "{value} 的数字之间有空格或其他分隔符：请去掉：{fixed}"),
    ("data.hint_second_header", "row {line} looks like a second header row (every number column holds text): delete "
                                "the row, the header is the one above it",
     "第 {line} 行看起来是第二个表头行（每个数值列都是文字）：请删除该行，表头是它上面的一行"),
    # an incentive plan's measure a float does not carry exactly (core/scoring.py, README "Numbers compare as written")
    ("evaluate.uncarried", "incentive component {component} pays on metric {metric} = {value}, which has more "
     "significant digits than a float carries exactly (15); it cannot be paid to the cent, so it is not paid; check "
     "the data behind it",
     "激励组件 {component} 所依据的指标 {metric} = {value}，其有效数字多于浮点数能精确表示的位数（15 位）；无法精确到分"
     "支付，因此不予支付；请检查其背后的数据"),
    # key results an OKR dimension cannot measure (core/evaluate.py, rollup.unmeasured_key_results)
    ("okr.kr_equal", "key result '{kr}' of objective '{objective}' has its target equal to its start, so no progress "
     "can be measured; correct one", "目标“{objective}”的关键结果“{kr}”的目标值等于起始值，无法衡量进度；请更正其一"),
    ("okr.kr_missing_error", "key result '{kr}' of objective '{objective}' has no {field} value (the ruleset says "
     "missing: error)", "目标“{objective}”的关键结果“{kr}”没有 {field} 值（规则集规定 missing: error）"),
    ("okr.kr_missing_left_out", "{employee}: key result '{kr}' of objective '{objective}' has no {field} value; it "
     "is left out of the objective (missing: redistribute)",
     "{employee}：目标“{objective}”的关键结果“{kr}”没有 {field} 值；该关键结果不计入目标（missing: redistribute）"),
    ("evaluate.undecided", "incentive component {component} pays on metric {metric} = {value}, which is worked out "
     "from numbers of more than 15 significant digits (or is a sum of numbers of very different sizes) whose floats "
     "do not decide its 6 decimal places; it cannot be paid to the cent, so it is not paid; write the numbers behind "
     "it with at most 15 significant digits",
     "激励组件 {component} 所依据的指标 {metric} = {value} 由有效数字超过 15 位的数算出（或是大小相差悬殊的数之和），"
     "这些数的浮点值无法确定它的 6 位小数；无法精确到分支付，因此不予支付；请把其背后的数写成不超过 15 位有效数字"),
    ("data.empty_if_unknown", "leave the cell empty if the value is unknown", "值未知时请留空单元格"),
    ("data.no_column", "the {table} table has no column {column}; its columns: {columns}",
     "{table}表没有列 {column}；其列为：{columns}"),
    ("data.rename", "is {column} meant? rename it with columns: {mapping}",
     "是否指 {column}？请用 columns: {mapping} 重命名"),
    ("data.add_column", "add the column, or map yours with columns: {mapping}",
     "请添加该列，或用 columns: {mapping} 映射你的列"),
    ("data.header_only", "the {table} table has a header but no data rows", "{table}表只有表头，没有数据行"),
    ("data.empty_file", "file is empty; expected a header row and data rows", "文件为空；应有表头行和数据行"),
    # a database column of binary data (a blob) that is not UTF-8 text (the sql and duckdb providers)
    ("data.binary", "column {column} of table {table} holds binary data (a blob) that is not UTF-8 text",
     "表 {table} 的列 {column} 含有不是 UTF-8 文本的二进制数据"),
    ("data.binary_in", "column {column} of table {table} holds binary data (a blob) that is not UTF-8 text ({where})",
     "表 {table} 的列 {column} 含有不是 UTF-8 文本的二进制数据（{where}）"),
    ("data.binary_query", "column {column} of the query's result holds binary data (a blob) that is not UTF-8 text",
     "查询结果的列 {column} 含有不是 UTF-8 文本的二进制数据"),
    ("data.binary_query_in", "column {column} of the query's result holds binary data (a blob) that is not UTF-8 "
                             "text ({where})",
     "查询结果的列 {column} 含有不是 UTF-8 文本的二进制数据（{where}）"),
    ("data.binary_fix", "store the column as UTF-8 text, or read the table without it: {example}",
     "请把该列存为 UTF-8 文本，或读取时不含该列：{example}"),
    ("data.unknown_employee", "{kind} row for employee {id}, who is not in the employees table",
     "员工 {id} 的{kind}行，但员工表中没有此人"),
    ("data.add_employee", "add the employee to the employees source, or fix the id",
     "请把该员工加入员工数据源，或改正编号"),
    ("data.no_employee_column", "{kind} row has no 'employee'", "{kind}行没有 'employee'"),
    ("data.every_row", "every row needs one", "每一行都需要"),
    ("data.no_id", "employee row without an id", "员工行没有编号"),
    ("data.twice", "employee {id} appears twice; first at line {line}", "员工 {id} 出现了两次；首次在第 {line} 行"),
    ("data.row_twice", "row for {key} appears twice; first at line {line}", "{key} 的行出现了两次；首次在第 {line} 行"),
    ("data.one_row", "keep one row per employee and month", "每位员工每月只保留一行"),
    ("data.invisible", "employee id {id} contains an invisible character ({code})",
     "员工编号 {id} 含有不可见字符（{code}）"),
    ("data.retype", "retype the id; ids may not contain control, zero-width or direction characters",
     "请重新输入编号；编号不能含有控制字符、零宽字符或方向字符"),
    ("data.not_month", "month {value} of employee {id} is not a month", "员工 {id} 的月份 {value} 不是月份"),
    ("data.fields", "row has {n} field but the header has {header}", "该行有 {n} 个字段，但表头有 {header} 个"),
    ("data.fields_plural", "row has {n} fields but the header has {header}", "该行有 {n} 个字段，但表头有 {header} 个"),
    ("data.separator", "check for an unquoted separator (quote values that contain one)",
     "请检查是否有未加引号的分隔符（含分隔符的值请加引号）"),
    ("data.missing_value", "a value or a separator is missing; every row needs one value per column (leave it empty "
                           "between separators: a,,c)",
     "缺少值或分隔符；每行的每一列都需要一个值（空值请留在两个分隔符之间：a,,c）"),
    ("data.also_given", "{metric} for {key} is also given by {where}", "{key} 的 {metric} 也由 {where} 给出"),
    ("data.one_source", "each metric of an employee-month must come from one source; drop one of them "
                        "(ignore: [column])",
     "每位员工每月的每个指标只能来自一个数据源；请去掉其中一个（ignore: [column]）"),
    ("data.no_source_column", "no source has a column for {names}, which the ruleset declares; is a column named "
                              "differently (see the warnings about columns not read)?",
     "没有数据源提供规则集声明的 {names} 列；是否有列名称不同（见关于未读取列的警告）？"),
    ("data.rating", "rating {value} for {id} is outside the scale {scale}", "{id} 的评分 {value} 超出量表 {scale}"),
    ("data.rating_fix", "fix the rating, or the ruleset's feedback360 scale",
     "请改正评分，或规则集的 feedback360 量表"),
    ("data.kr_start", "key result {name} of {id} has target equal to start ({value}), so progress cannot be measured",
     "{id} 的关键结果 {name} 的目标等于起始值（{value}），无法衡量进度"),
    ("data.kr_fix", "set a target different from the start value", "请设置不同于起始值的目标"),
    ("data.no_krs", "objective {name} of {id} has no key results", "{id} 的目标 {name} 没有关键结果"),
    ("data.add_krs", "add its key results, or remove the objective", "请添加它的关键结果，或删除该目标"),
    ("data.outside_employment", "the metric row of {id} for {month} is not used: {id} left on {date}, so the month "
                                "lies wholly outside the employment",
     "{id} 在 {month} 的指标行未被使用：{id} 于 {date} 离职，该月完全在任职期之外"),
    ("data.outside_fix", "check the row's employee and month, or the employee's hire_date and leave_date",
     "请检查该行的员工和月份，或该员工的 hire_date 和 leave_date"),
    ("data.unread_column", "fix the name, rename it with columns: {{<column>: <metric>}}, or leave it out with ignore: "
                           "[<column>]",
     "请改正名称，用 columns: {{<column>: <metric>}} 重命名，或用 ignore: [<column>] 忽略它"),
    ("data.optional", "fix the column's name or map it with columns: {{<column>: <metric>}}; if the data may "
                      "really lack it, declare the metric optional: true in the ruleset",
     "请改正列名或用 columns: {{<column>: <metric>}} 映射；若数据确实可能缺少该列，"
     "请在规则集中把该指标声明为 optional: true"),
    ("data.no_sheet", "{path} has no sheet {sheet}; its sheets: {sheets}",
     "{path} 中没有工作表 {sheet}；其工作表为：{sheets}"),
    ("data.sql", "the database refused the query ({url}): {error} (query: {query})",
     "数据库拒绝了查询（{url}）：{error}（查询：{query}）"),
    ("data.gbk", "file is not UTF-8, and read as GBK it has an unusual character ({char}); it is probably another "
                 "encoding (Latin-1, Shift-JIS...)",
     "文件不是 UTF-8 编码，按 GBK 读取时出现不常见的字符（{char}）；可能是其他编码（Latin-1、Shift-JIS……）"),
    ("data.save_csv_utf8", "save it as 'CSV UTF-8'; if it really is GBK, say so with 'encoding: gbk'",
     "请另存为“CSV UTF-8”；若确实是 GBK，请写明 'encoding: gbk'"),
    # summaries and report lines (present/report.py, tools/testing, tools/coverage.py)
    ("summary.errors", "{errors} errors in {bad} of {total} files", "{total} 个文件中有 {bad} 个共 {errors} 处错误"),
    ("summary.error", "{errors} error in {bad} of {total} file", "{total} 个文件中有 {bad} 个共 {errors} 处错误"),
    ("summary.error_files", "{errors} error in {bad} of {total} files",
     "{total} 个文件中有 {bad} 个共 {errors} 处错误"),
    ("summary.errors_file", "{errors} errors in {bad} of {total} file",
     "{total} 个文件中有 {bad} 个共 {errors} 处错误"),
    ("summary.valid", "{n} files valid", "{n} 个文件有效"),
    ("summary.valid_one", "{n} file valid", "{n} 个文件有效"),
    ("summary.warnings", "{summary}, {n} warnings", "{summary}，{n} 处警告"),
    ("summary.warning", "{summary}, {n} warning", "{summary}，{n} 处警告"),
    ("tests.summary", "{passed} passed, {failed} failed", "通过 {passed} 个，失败 {failed} 个"),
    ("tests.pass", "PASS {where}: {name}", "通过 {where}: {name}"),
    ("tests.fail", "FAIL {where}: {name}", "失败 {where}: {name}"),
    ("tests.expected", "{where}: {id} {what}: expected {expected}, got {actual}",
     "{where}: {id} {what}：期望 {expected}，实际 {actual}"),
    ("tests.coverage_below", "FAIL coverage of {ruleset} is {percent}, below --min-coverage {minimum}",
     "失败 {ruleset} 的覆盖率为 {percent}，低于 --min-coverage {minimum}"),
    ("tests.coverage", "coverage of {ruleset}: {covered} of {total} items ({percent})",
     "{ruleset} 的覆盖率：{total} 项中覆盖 {covered} 项（{percent}）"),
    ("tests.not_covered", "not covered: {where}: {kind} {id}", "未覆盖：{where}: {kind} {id}"),
    # appraise diff: its notes (tools/diff.py)
    ("diff.previous", "previous-period results are not loaded (appraise diff does not read the results store), so "
                      "conditions on previous.* are false in both runs",
     "未载入上一期结果（appraise diff 不读取结果库），因此两边的 previous.* 条件均不成立"),
    ("diff.previous_outcome", "previous-period results are not loaded (appraise diff does not read the results "
                              "store), so conditions on previous.* are false in both runs: outcome {ids} cannot hold",
     "未载入上一期结果（appraise diff 不读取结果库），因此两边的 previous.* 条件均不成立：结果 {ids} 不可能成立"),
    ("diff.previous_outcomes", "previous-period results are not loaded (appraise diff does not read the results "
                               "store), so conditions on previous.* are false in both runs: outcomes {ids} cannot hold",
     "未载入上一期结果（appraise diff 不读取结果库），因此两边的 previous.* 条件均不成立：结果 {ids} 不可能成立"),
    ("diff.shorter", "the results of shorter periods are not loaded either: {reads} read nothing (periods: dimensions "
                     "count as missing, net_of nets nothing)",
     "也未载入更短期间的结果：{reads} 读不到任何内容（periods: 维度按缺失处理，net_of 不扣减任何金额）"),
    ("diff.plan_store", "draw balances and earlier payouts of the year are not loaded either: every draw balance "
                        "starts at 0 and the year to date is this period's pay",
     "也未载入预支余额和本年此前的发放：预支余额均从 0 开始，本年累计即本期发放"),
    ("diff.only_old_ids", "appraised only under the old ruleset: {ids}", "仅在原规则集下考核：{ids}"),
    ("diff.only_new_ids", "appraised only under the new ruleset: {ids}", "仅在新规则集下考核：{ids}"),
    ("diff.left_out", "left out of both runs for data errors: {ids}", "因数据错误两边均未考核：{ids}"),
    ("diff.data", "data: {message}", "数据：{message}"),
    ("diff.data_hidden", "{n} data problems reported by the sources, not shown here (run appraise diff without "
                         "--redact inside HR to see them)",
     "数据源报告了 {n} 个数据问题，此处不予显示（请在人力资源部内部不加 --redact 运行 appraise diff 查看）"),
    ("diff.data_hidden_one", "{n} data problem reported by the sources, not shown here (run appraise diff without "
                             "--redact inside HR to see them)",
     "数据源报告了 {n} 个数据问题，此处不予显示（请在人力资源部内部不加 --redact 运行 appraise diff 查看）"),
    ("diff.too_few", "fewer than {k} employees compared (privacy.min_group): nothing else is shown",
     "比较的员工少于 {k} 人（privacy.min_group）：其他内容均不予显示"),
    # appraise workshop: what it prints on start (tools/workshop/app.py)
    ("workshop.for", "Workshop for {name}: {n} employees, period {period}",
     "{name} 的工作坊：{n} 名员工，考核期 {period}"),
    ("workshop.facilitator", "facilitator:  {link}", "主持人：    {link}"),
    ("workshop.participant", "participant {i}: {link}", "参与者 {i}： {link}"),
    ("workshop.participants", "participants: one link per person, from the facilitator's page (or start with --links "
                              "N)", "参与者：每人一个链接，可在主持人页面生成（或启动时加 --links N）"),
    ("workshop.stop", "Press Ctrl+C to stop.", "按 Ctrl+C 停止。"),
    ("workshop.cards", "voting cards to print: {file}   (also the facilitator's page, Print cards)",
     "待打印的投票卡片：{file}   （主持人页面的“打印卡片”也可打印）"),
    ("workshop.cards_unwritable", "cannot write the voting cards to {file}: {error}",
     "无法把投票卡片写入 {file}：{error}"),
    # appraise run: stage lines and a strict run's refusal (run.py)
    ("progress.provide", "provide   {n} sources", "provide   {n} 个数据源"),
    ("progress.evaluate", "evaluate  {period}, {n} employees", "evaluate  {period}，{n} 名员工"),
    ("progress.render", "render    {n} dashboards and plans", "render    {n} 份仪表盘和发展计划"),
    ("progress.render_slice", "render    the pages of {pages}", "render    {pages} 的页面"),
    ("run.strict", "{warnings} warnings and {errors} errors in a strict run; nothing was stored or written (fix them, "
                   "or run without --strict / strict: true)",
     "严格模式运行中有 {warnings} 处警告和 {errors} 处错误；未存储或写入任何内容（请修正，或不加 --strict / "
     "strict: true 运行）"),
    ("run.strict_1w", "{warnings} warning and {errors} errors in a strict run; nothing was stored or written (fix "
                      "them, or run without --strict / strict: true)",
     "严格模式运行中有 {warnings} 处警告和 {errors} 处错误；未存储或写入任何内容（请修正，或不加 --strict / "
     "strict: true 运行）"),
    ("run.strict_1e", "{warnings} warnings and {errors} error in a strict run; nothing was stored or written (fix "
                      "them, or run without --strict / strict: true)",
     "严格模式运行中有 {warnings} 处警告和 {errors} 处错误；未存储或写入任何内容（请修正，或不加 --strict / "
     "strict: true 运行）"),
    ("run.strict_1w1e", "{warnings} warning and {errors} error in a strict run; nothing was stored or written (fix "
                        "them, or run without --strict / strict: true)",
     "严格模式运行中有 {warnings} 处警告和 {errors} 处错误；未存储或写入任何内容（请修正，或不加 --strict / "
     "strict: true 运行）"),
    # a run that appraised nobody (run.py, NobodyAppraised): the period's stored results are kept
    ("run.nobody_errors_kept",
     "nobody was appraised in {cycle} ({ruleset}): every employee it would appraise has an error (errors: {errors}); "
     "nothing was stored or written; run {run} stays current for {cycle} ({ruleset}), as later periods read it; fix "
     "the errors above and run the cycle again",
     "{cycle}（{ruleset}）没有任何人被考核：本次应考核的每名员工都有错误（共 {errors} 处）；未存储或写入任何内容；"
     "运行 {run} 仍为当前结果（后续周期读取的就是它）；请修正上面列出的错误后重新运行本周期"),
    ("run.nobody_errors",
     "nobody was appraised in {cycle} ({ruleset}): every employee it would appraise has an error (errors: {errors}); "
     "nothing was stored or written; fix the errors above and run the cycle again",
     "{cycle}（{ruleset}）没有任何人被考核：本次应考核的每名员工都有错误（共 {errors} 处）；未存储或写入任何内容；"
     "请修正上面列出的错误后重新运行本周期"),
    ("run.nobody_kept",
     "nobody was appraised in {cycle} ({ruleset}), yet run {run} holds the results of {people} people for it, which "
     "later periods read; nothing was stored or written and run {run} stays current; check that the employee table "
     "is this period's (hire and leave dates) and that the ruleset's scorecards apply to its people, then run the "
     "cycle again",
     "{cycle}（{ruleset}）没有任何人被考核，而运行 {run} 存有本周期 {people} 人的结果（后续周期读取的就是它）；"
     "未存储或写入任何内容，运行 {run} 仍为当前结果；请检查员工表是否为本周期的（入职和离职日期），以及规则集的"
     "评分卡是否适用于其中的人员，然后重新运行本周期"),
    # session 7, wi18n2: the last composite messages of language/validate, provide and the plugins (each found by
    # tests/test_i18n_messages.py, which fails on a message raised or warned with no Chinese)
    ("expr.too_early", "not a valid expression: it ends too early (something is missing at the end)",
     "不是有效的表达式：表达式提前结束了（末尾缺少内容）"),
    ("expr.number_range", "number {number}… is out of range (at most {most})",
     "数字 {number}… 超出范围（最大为 {most}）"),
    ("overrides.needs", "the override of {id} needs {key}: {what}", "{id} 的人工调整需要 {key}：{what}"),
    ("overrides.needs_anyone", "the override of an employee needs {key}: {what}", "人工调整需要 {key}：{what}"),
    ("overrides.by_anyone", "the override of an employee needs 'by': who approved it", "人工调整需要 'by'：由谁批准"),
    ("overrides.reason_anyone", "the override of an employee needs 'reason': why the result is overridden",
     "人工调整需要 'reason'：为何调整结果"),
    ("overrides.date_missing", "the override of {id} needs the 'date' it was approved, as YYYY-MM-DD",
     "{id} 的人工调整需要批准日期 'date'，格式为 YYYY-MM-DD"),
    ("overrides.date_anyone", "the override of an employee needs the 'date' it was approved, as YYYY-MM-DD",
     "人工调整需要批准日期 'date'，格式为 YYYY-MM-DD"),
    ("overrides.date_anyone_not", "the override of an employee needs the 'date' it was approved, as YYYY-MM-DD "
                                  "(not {value})",
     "人工调整需要批准日期 'date'，格式为 YYYY-MM-DD（而不是 {value}）"),
    ("cycle.outside_url", "{path} leads outside the cycle's folder {root}; data files, query files, the ruleset, "
                          "overrides, the output and a SQLite store must be inside it",
     "{path} 指向周期文件所在文件夹 {root} 之外；数据文件、查"
     "询文件、规则集、人工调整文件、输出和 SQLite 结果库都必须在其中"),
    ("cycle.outside_url_git", "{path} leads outside the cycle's git repository {root}; data files, query files, the "
                              "ruleset, overrides, the output and a SQLite store must be inside it",
     "{path} 指向周期文件所在 git 仓库 {root} 之外；数据文件"
     "、查询文件、规则集、人工调整文件、输出和 SQLite 结果库都必须在其中"),
    ("periods.not_sub", "{key} is not a {length} of a year: with every: {unit} the weights are keyed {keys}",
     "{key} 不是一年中的{length}：every: {unit} 时权重的键为 {keys}"),
    ("periods.sub_fix", "key each {length} by its place in the year, e.g. {example}",
     "请按{length}在一年中的位置作键，例如 {example}"),
    ("cycle.longer_than", "run this ruleset for a period longer than a {length} (e.g. a year), or read shorter periods",
     "请对长于一个{length}的期间（例如一年）运行此规则集，或读取更短的期间"),
    ("cycle.weights_name_none", "the weights of {what} in the ruleset ({ruleset}) name no {length} of {period} "
                                "({keys})",
     "规则集（{ruleset}）中{what}的权重没有指明 {period} 的任何{length}（{keys}）"),
    ("bonus.not_column", "bonus target {name} is not an employee column", "奖金目标 {name} 不是员工表中的列"),
    ("bonus.list_every", "multipliers must not rise down the grades, or a better appraisal could pay less; list every "
                         "grade with its multiplier",
     "系数不能随等级降低而升高，否则更好的考核结果可能拿得更少；请列出每个等级及其系数"),
    ("names.not_dimension_any", "{name} is not a dimension of any scorecard", "{name} 不是任何评分卡中的维度"),
    ("names.metric_undeclared", "metric {name} is not declared under metrics", "指标 {name} 未在 metrics 中声明"),
    # rules that break a weight group (validate/rules.py): "{who} {phrase} (scorecard {card})", who one rule or several
    ("rules.sets_over", "rule {rule} sets {path} to {value}, but the {what} total {total} (scorecard {card})",
     "规则 {rule} 把 {path} 设为 {value}，但{what}合计只有 {total}（评分卡 {card}）"),
    ("rules.together_set", "rules {rules} together set {path} to {value}, but the {what} total {total} "
                           "(scorecard {card})",
     "规则 {rules} 合计把 {path} 设为 {value}，但{what}合计只有 {total}（评分卡 {card}）"),
    ("rules.together_drop", "rules {rules} together drop {path}, which by then carries all {total} points of the "
                            "{what}; nothing is left to take them (scorecard {card})",
     "规则 {rules} 合计去掉了 {path}，而届时它承担了{what}的全部 {total} 分权重，没有其他项可以接手（评分卡 {card}）"),
    ("rules.drops_every", "rule {rule} drops {path}, which carries all {total} points of the {what}; nothing is left "
                          "to take them (scorecard {card})",
     "规则 {rule} 去掉了 {path}，它承担了{what}的全部 {total} 分权重，没有其他项可以接手（评分卡 {card}）"),
    ("rules.leaves_none", "rule {rule} leaves no valid weights for the {what}: {problem} (scorecard {card})",
     "规则 {rule} 使{what}没有有效的权重：{problem}（评分卡 {card}）"),
    ("rules.together_leave", "rules {rules} together leave no valid weights for the {what}: {problem} "
                             "(scorecard {card})",
     "规则 {rules} 合计使{what}没有有效的权重：{problem}（评分卡 {card}）"),
    ("rules.exclusive", "make the rules' conditions exclusive, or change their weights",
     "请让这些规则的条件互斥，或修改它们的权重"),
    # a KPI's target far from what its unit allows (validate/scorecards.py)
    ("target.implausible", "the target of KPI {kpi} ({target}) {problem}", "KPI {kpi} 的目标（{target}）{problem}"),
    ("target.write_for", "write {value} for {percent} %", "{percent} % 请写作 {value}"),
    ("target.amounts", "targets are amounts or rates of 0 or more", "目标是 0 或以上的金额或比率"),
    ("target.currency_units", "write the amount in currency units", "请以货币单位写金额"),
    # the providers' checks of rows (provide/checks.py, provide/employees.py)
    ("data.no_column_query", "the {table} table has no column {column}; its columns: {columns} (query: {query})",
     "{table}表没有列 {column}；其列为：{columns}（查询：{query}）"),
    ("data.lacks_column", "{kind} has no column {column}; its columns: {columns}",
     "{kind}没有列 {column}；其列为：{columns}"),
    ("data.lacks_column_query", "{kind} has no column {column}; its columns: {columns} (query: {query})",
     "{kind}没有列 {column}；其列为：{columns}（查询：{query}）"),
    ("data.unknown_employee_n", "{kind} row for employee {id}, who is not in the employees table ({n} rows; this is "
                                "the first)",
     "员工 {id} 的{kind}行，但员工表中没有此人（共 {n} 行；这是第一行）"),
    ("data.unknown_employee_of", "{kind} for employee {id}, who is not in the employees table",
     "员工 {id} 的{kind}，但员工表中没有此人"),
    ("data.unknown_employee_of_n", "{kind} for employee {id}, who is not in the employees table ({n} rows; this is "
                                   "the first)",
     "员工 {id} 的{kind}，但员工表中没有此人（共 {n} 行；这是第一行）"),
    ("data.has_no", "{kind} has no {key}", "{kind}没有 {key}"),
    ("data.month_empty", "{kind}: month is empty or not a month", "{kind}：月份为空或不是月份"),
    ("data.months_look", "months look like 2026-07", "月份形如 2026-07"),
    ("data.appears_twice", "{kind} ({keys}) appears twice; first at line {line}",
     "{kind}（{keys}）出现了两次；首次在第 {line} 行"),
    ("data.appears_twice_by", "{kind} ({keys}) by the same {who} appears twice; first at line {line}",
     "同一{who}的{kind}（{keys}）出现了两次；首次在第 {line} 行"),
    ("data.one_row_per", "keep one row per {keys}", "每组 {keys} 只保留一行"),
    ("data.outside_hired", "{kind} of {id} for {month} is not used: {id} hired on {date}, so the month lies wholly "
                           "outside the employment",
     "{id} 在 {month} 的{kind}未被使用：{id} 于 {date} 入职，该月完全在任职期之外"),
    ("data.outside_left", "{kind} of {id} for {month} is not used: {id} left on {date}, so the month lies wholly "
                          "outside the employment",
     "{id} 在 {month} 的{kind}未被使用：{id} 于 {date} 离职，该月完全在任职期之外"),
    ("provide.failed_bare", "provider {name} failed: {kind}: ", "数据源插件 {name} 出错：{kind}"),
    ("provider.date_column", "name the date column with date: <column>", "请用 date: <column> 指明日期列"),
    ("provider.okr_unknown_objective", "unknown key {key} in an objective; expected objective, type, key_results, "
                                       "month",
     "目标中有未知的键 {key}；可用的键为 objective、type、key_results、month"),
    ("provider.okr_unknown_kr", "unknown key {key} in a key result; expected name, start, target, current, weight, "
                                "month",
     "关键结果中有未知的键 {key}；可用的键为 name、start、target、current、weight、month"),
    ("bonus.multiplier_unlisted", "grade {grade} pays multiplier {value}, more than the better grade {better} (1, as "
                                  "it is not listed)",
     "等级 {grade} 的系数为 {value}，高于更好的等级 {better}（未列出，因此为 1）"),
    ("data.optional_absent", "no source has a value of {names} for {period} (declared optional); whatever reads it "
                             "counts as missing",
     "没有数据源提供 {period} 的 {names} 的值（已声明为可选）；读取它的内容都按缺失处理"),
    ("data.header_only_of", "{kind} has a header but no data rows", "{kind}只有表头，没有数据行"),
    # a value that is no number (provide/checks.py numbers()): "{what} '{column}' is ..." [" (employee {id})"]
    ("data.kind_not_number", "{kind} {column} is {value}, which is not a number",
     "{kind} {column} 为 {value}，不是数字"),
    ("data.kind_not_number_who", "{kind} {column} is {value}, which is not a number ({who})",
     "{kind} {column} 为 {value}，不是数字（{who}）"),
    ("data.value_not_number_bare", "value of {column} is {value}, which is not a number",
     "{column} 的值为 {value}，不是数字"),
    ("data.tiny", "value of {column} is {value}, too close to 0 to compute with (below 2.2e-308 in size)",
     "{column} 的值为 {value}，太接近 0，无法计算（绝对值小于 2.2e-308）"),
    ("data.tiny_who", "value of {column} is {value}, too close to 0 to compute with (below 2.2e-308 in size) ({who})",
     "{column} 的值为 {value}，太接近 0，无法计算（绝对值小于 2.2e-308）（{who}）"),
    ("data.kind_tiny", "{kind} {column} is {value}, too close to 0 to compute with (below 2.2e-308 in size)",
     "{kind} {column} 为 {value}，太接近 0，无法计算（绝对值小于 2.2e-308）"),
    ("data.kind_tiny_who", "{kind} {column} is {value}, too close to 0 to compute with (below 2.2e-308 in size) "
                           "({who})",
     "{kind} {column} 为 {value}，太接近 0，无法计算（绝对值小于 2.2e-308）（{who}）"),
    ("data.huge", "value of {column} is {value}, too large to compute exactly (the limit is 10^15)",
     "{column} 的值为 {value}，太大，无法精确计算（上限为 10^15）"),
    ("data.huge_who", "value of {column} is {value}, too large to compute exactly (the limit is 10^15) ({who})",
     "{column} 的值为 {value}，太大，无法精确计算（上限为 10^15）（{who}）"),
    ("data.kind_huge", "{kind} {column} is {value}, too large to compute exactly (the limit is 10^15)",
     "{kind} {column} 为 {value}，太大，无法精确计算（上限为 10^15）"),
    ("data.kind_huge_who", "{kind} {column} is {value}, too large to compute exactly (the limit is 10^15) ({who})",
     "{kind} {column} 为 {value}，太大，无法精确计算（上限为 10^15）（{who}）"),
    ("data.infinite_bare", "value of {column} is {value} (infinite)", "{column} 的值为 {value}（无穷大）"),
    ("data.nan_bare", "value of {column} is {value} (not a number)", "{column} 的值为 {value}（非数字）"),
    ("data.kind_infinite", "{kind} {column} is {value} (infinite)", "{kind} {column} 为 {value}（无穷大）"),
    ("data.kind_infinite_who", "{kind} {column} is {value} (infinite) ({who})",
     "{kind} {column} 为 {value}（无穷大）（{who}）"),
    ("data.kind_nan", "{kind} {column} is {value} (not a number)", "{kind} {column} 为 {value}（非数字）"),
    ("data.kind_nan_who", "{kind} {column} is {value} (not a number) ({who})",
     "{kind} {column} 为 {value}（非数字）（{who}）"),
    ("data.exponent", "check the cell: an exponent may be wrong (write 0 for none)",
     "请检查该单元格：指数可能有误（没有值请写 0）"),
    ("data.unit_exponent", "check the cell: a unit or an exponent may be wrong", "请检查该单元格：单位或指数可能有误"),
    ("names.adjustment_twice", "adjustment id in scorecard {card} {id} is used twice (first at line {line})",
     "评分卡 {card} 中的加减分项编号 {id} 被使用了两次（首次在第 {line} 行）"),
)

FRAGMENTS: dict[str, dict[str, str]] = _entries(
    # value words (language/schema.py)
    ("a_number", "a number", "数字"), ("a_whole_number", "a whole number", "整数"), ("text", "text", "文本"),
    ("a_mapping_kv", "a mapping (key: value)", "映射（键: 值）"), ("a_list", "a list", "列表"),
    ("true_or_false", "true or false", "true 或 false"), ("empty", "empty", "空值"), ("a_mapping", "a mapping", "映射"),
    ("the_text", "the text {text}", "文本 {text}"), ("the_number", "the number {number}", "数字 {number}"),
    ("or", "{a} or {b}", "{a}或{b}"), ("and", "{a} and {b}", "{a}和{b}"), ("list", "{a}, {b}", "{a}、{b}"),
    ("at_least", "at least {bound}", "不小于 {bound}"), ("more_than", "more than {bound}", "大于 {bound}"),
    ("at_most", "at most {bound}", "不大于 {bound}"), ("less_than", "less than {bound}", "小于 {bound}"),
    # where a key or an expression is (language/validate)
    ("in_key", "in {key}", "在 {key} 中"),
    ("condition_of_rule", "the condition of rule {rule}", "规则 {rule} 的条件"),
    ("formula_of_metric", "the formula of metric {metric}", "指标 {metric} 的公式"),
    ("key_of_scorecard", "{key} of scorecard {card}", "评分卡 {card} 的 {key}"),
    ("condition_of_adjustment", "the condition of adjustment {id}", "加减分项 {id} 的条件"),
    ("condition_of_outcome", "the condition of outcome {id}", "结果 {id} 的条件"),
    ("kpis_of_dimension", "the KPIs of dimension {dimension}", "维度 {dimension} 的各 KPI"),
    ("sources_of_dimension", "the 360 sources of dimension {dimension}", "维度 {dimension} 的 360 评价来源"),
    ("dimensions_of_scorecard", "the dimensions of scorecard {card}", "评分卡 {card} 的各维度"),
    ("sub_periods_of_dimension", "the sub-periods of dimension {dimension}", "维度 {dimension} 的各子期间"),
    ("dimension", "dimension {name}", "维度 {name}"),
    ("quarters", "quarters", "季度"), ("months", "months", "月"), ("halves", "halves", "半年"),
    ("a_quarter", "quarter", "季度"),
    ("a_month", "month", "月"),
    ("a_half", "half year", "半年"),
    ("a_year", "year", "年"),
    ("metric_row", "metric", "指标"), ("rating_row", "rating", "评分"),
    ("employee_of", "employee {id}", "员工 {id}"),
    ("result_row", "row {row} of the result of the query: {query}", "查询结果的第 {row} 行：{query}"),
    ("one_problem", "1 problem", "1 个问题"), ("problems", "{n} problems", "{n} 个问题"),
    ("table_metrics", "metrics", "指标"),
    ("table_employees", "employees", "员工"),
    ("table_feedback", "feedback360", "360 反馈"),
    ("table_okr", "okr", "OKR"),
    # the schemas' patternErrorMessage texts
    ("p_names", "use letters, digits and '_' only, starting with a letter (it is used in expressions)",
     "只能使用字母、数字和 '_'，并以字母开头（它会用在表达式中）"),
    ("p_ids", "use letters, digits, '-' and '_' only", "只能使用字母、数字、'-' 和 '_'"),
    ("p_period", "write 2026-07 (month), 2026-Q3 (quarter), 2026-H2 (half year) or 2026 (year)",
     "请写 2026-07（月）、2026-Q3（季度）、2026-H2（半年）或 2026（年）"),
    ("p_kpi", "write a KPI ('revenue') or a dimension and KPI ('results.revenue')",
     "请写 KPI（'revenue'）或维度加 KPI（'results.revenue'）"),
    ("p_path", "write a dimension ('results') or a dimension and KPI ('results.revenue')",
     "请写维度（'results'）或维度加 KPI（'results.revenue'）"),
    ("p_ruleset", "write a ruleset id: letters, digits, '-' and '_'", "请写规则集编号：字母、数字、'-' 和 '_'"),
    ("p_date", "write the date as YYYY-MM-DD", "日期请写成 YYYY-MM-DD"),
    ("p_month", "write the month as YYYY-MM", "月份请写成 YYYY-MM"),
    ("p_language", "a language code like 'en' or 'zh-CN'", "语言代码，如 'en' 或 'zh-CN'"),
    ("p_currency", "a three-letter currency code like CNY or EUR", "三个字母的货币代码，如 CNY 或 EUR"),
    ("p_playbook", "a KPI, a dimension, 'dimension.kpi' or 'feedback360'",
     "KPI、维度、'dimension.kpi' 或 'feedback360'"),
    ("p_colour", "a colour like \"#0b5fff\" (quote it: # starts a comment in YAML)",
     "颜色，如 \"#0b5fff\"（请加引号：在 YAML 中 # 开始注释）"),
    ("p_sub_periods", "key sub-periods as 01..12 (months), Q1..Q4 or H1, H2",
     "子期间的键为 01..12（月）、Q1..Q4 或 H1、H2"),
    # session 7, wi18n2: the words inside the composite messages above
    ("a_half_key", "half", "半年"),
    ("why_overridden", "why the result is overridden", "为何调整结果"), ("who_approved", "who approved it", "由谁批准"),
    ("scorecards_dimensions", "scorecard's dimensions", "评分卡的各维度"),
    ("kpis_of_dimension_bare", "KPIs of dimension {dimension}", "维度 {dimension} 的各 KPI"),
    ("below_zero", "is below zero", "小于 0"),
    ("above_2_ratio", "is above 2, but the metric is a ratio (0.95 = 95 %)", "大于 2，但该指标是比率（0.95 = 95 %）"),
    ("at_most_1_percent", "is 1 or less, but the metric is in percent (95 = 95 %)",
     "不大于 1，但该指标以百分数计（95 = 95 %）"),
    ("below_1_money", "is below 1, but the metric is an amount of money", "小于 1，但该指标是金额"),
    ("the_employees_table", "the employees table", "员工表"), ("the_360_feedback", "the 360 feedback", "360 反馈"),
    ("the_metric_row", "the metric row", "指标行"), ("metric_row_of", "metric row", "指标行"),
    ("aggregated_metric_row", "aggregated metric row", "汇总指标行"), ("rating_360", "360 rating", "360 评分"),
    ("the_seller", "the seller of a deal", "交易的销售员"), ("the_deal", "the deal", "交易"), ("rater", "rater",
     "评价人"),
    ("the_key_result", "the key result", "关键结果"), ("key_result", "key result", "关键结果"),
    ("the_okrs", "the OKRs", "OKR 数据"), ("metric_value", "metric value", "指标值"),
    ("the_metrics_table", "the metrics table", "指标表"), ("the_aggregated", "the aggregated metrics", "汇总指标"),
    ("the_deals_of", "the deal's", "交易的"),
    ("tiers_of_component", "the tiers of component {name}", "组件 {name} 的档位"),
    ("adjustment_id_in", "adjustment id in scorecard {card}", "评分卡 {card} 中的加减分项编号"),
)


_CJK = __import__("re").compile(r"[\u3400-\u9fff]")

# Tried before the others: a suggestion appended to any message ("...; did you mean 'x'?").
_FIRST = ("with_did_you_mean",)
# The parts of a template that are phrases, translated in turn (by DIAGNOSTICS or FRAGMENTS); lists of names, whose
# joining words only are translated ("'a', 'b' or 'c'" -> "'a'、'b' 或 'c'"); every other part (names, numbers,
# values, paths, an error text of the YAML parser, the system or a database) is kept as written.
_PHRASES = frozenset({"what", "where", "expected", "found", "bound", "message", "problem", "why", "summary", "who",
                      "table", "kind", "length", "every", "a", "b", "problems"})
_LISTS = frozenset({"keys", "both", "options", "names", "grades", "sources", "functions", "sheets", "columns",
                    "kinds", "rules", "dimensions", "amounts", "periods"})
# Parts that are the words of another program (PyYAML, the system, a database): translated by SYSTEM_ERRORS only.
_ERRORS = frozenset({"error"})


@cache
def _compiled() -> tuple[list, list]:
    """(whole messages, parts of messages): templates as (regex, field names, catalogue entry), the suggestion
    suffix first, then the most literal text first (so "a mapping (key: value)" is tried before "{where}: {what}")."""
    import re
    import string

    def compile_all(*tables: dict[str, dict[str, str]]) -> list:
        out = []
        for table in tables:
            for key, entry in table.items():
                pattern, names, literal = "", [], 0
                for text, name, _spec, _conv in string.Formatter().parse(entry["en"]):
                    pattern += re.escape(text)
                    literal += len(text)
                    if name is not None and name in names:
                        pattern += f"(?P={name})"  # the same part again
                    elif name is not None:
                        pattern += f"(?P<{name}>.+?)"
                        names.append(name)
                out.append((key not in _FIRST, -literal, re.compile(pattern + r"\Z", re.S), names, entry, literal))
        out.sort(key=lambda t: t[:2])
        return [t[2:] for t in out]

    return compile_all(DIAGNOSTICS, INPUT_MESSAGES), compile_all(DIAGNOSTICS, FRAGMENTS, INPUT_MESSAGES)


def translate(text: str, locale: str, *, _depth: int = 0) -> str:
    """``text`` (a message, hint or report line written in English) in ``locale``: by the first template of
    :data:`DIAGNOSTICS` that matches all of it, its parts translated the same way (or by :data:`FRAGMENTS`);
    unchanged when ``locale`` is English or nothing matches."""
    if locale == DEFAULT_LOCALE or not text or _depth > 6:
        return text
    if _depth == 0 and " / " in text:  # already in both languages ("... / 中文"): the Chinese half
        english, _, chinese = text.partition(" / ")
        if _CJK.search(chinese) and not _CJK.search(english):
            return chinese
    if _depth == 0 and _CJK.search(text) and not _english(text):  # already Chinese (a said message): kept as said
        return text
    whole, parts = _compiled()
    for rx, names, entry, literal in (parts if _depth else whole):
        m = rx.match(text)
        if m is not None:
            values = {n: _part(n, m.group(n), locale, _depth) for n in names}
            if literal <= _GENERIC and any(_english(values[n]) for n in names):
                continue  # "{where}: {problem}" or "{a}, {b}" around a sentence nothing knows: not cut up
            return _pick(entry, locale).format(**values)
    return text


# A template with this few literal characters ("{where}: {problem}", "{a} or {b}", "{a}, {b}") holds phrases only;
# it is taken only when they come out translated, so an English sentence no template knows is shown whole, as
# written, not cut up ("layout：wide、but the file has metric和value columns").
_GENERIC = 5
_WORDS = __import__("re").compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){2,}")
_QUOTED = __import__("re").compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|`[^`]*`|\([^)]*\)")


def _english(text: str) -> bool:
    """Whether ``text`` still holds a run of three English words outside quotes and brackets."""
    return _WORDS.search(_QUOTED.sub("", text)) is not None


def _part(name: str, text: str, locale: str, depth: int) -> str:
    """One captured part of a message in ``locale``: a phrase translated in turn, a list's joining words, another
    program's error text (:func:`system_error`), a schema's description (its ``x-description-zh-CN``); anything
    else (names, numbers, values, paths) as written."""
    if name in _PHRASES:
        return translate(text, locale, _depth=depth + 1)
    if name in _LISTS:
        return _joined(text, locale)
    if name in _ERRORS:
        return system_error(text, locale)
    if name == "description":
        return _descriptions(locale).get(text.rstrip("."), text)
    return text


def _joined(text: str, locale: str) -> str:
    """A list of names with its joining words in ``locale`` (``a, b or c`` -> ``a、b 或 c``)."""
    import re

    if locale == DEFAULT_LOCALE:
        return text
    return re.sub(r" or ", " 或 ", re.sub(r" and ", " 和 ", text.replace(", ", "、")))


# ---------------------------------------------------------------------------------------------------------------
# Every message in the user's language (session 7, wi18n): the words of other programs quoted in a message (PyYAML's
# problems, the operating system's errors, the database drivers', click's), the results store's and the providers'
# sentences around them, the hints of YAML syntax errors, and the built-in providers' option descriptions.
# SYSTEM_ERRORS are matched only against the ``{error}`` / ``{problem}`` part of a message (never a whole message):
# a text none of them matches whole is kept as the program wrote it.

SYSTEM_ERRORS: dict[str, dict[str, str]] = _entries(
    # PyYAML (pure Python) and libyaml problems (language/load.py shows them as "YAML syntax: <problem>")
    ("yaml.tab", "found character '\\t' that cannot start any token",
     "这里有一个制表符（Tab）：YAML 不能用 Tab 缩进或对齐"),
    ("yaml.tab_indent", "found a tab character that violates indentation",
     "制表符（Tab）破坏了缩进：YAML 只能用空格缩进"),
    ("yaml.tab_space", "found a tab character where an indentation space is expected",
     "此处应为缩进用的空格，却是制表符（Tab）"),
    ("yaml.bad_char", "found character {char} that cannot start any token",
     "字符 {char} 不能出现在此处（不能作为值的开头）"),
    ("yaml.bad_char_c", "found character that cannot start any token", "此处的字符不能作为值的开头"),
    ("yaml.colon", "could not find expected ':'", "找不到应有的冒号 ':'"),
    ("yaml.mapping_here", "mapping values are not allowed here", "此处不能再写“键: 值”"),
    ("yaml.mapping_context", "mapping values are not allowed in this context", "此处不能再写“键: 值”"),
    ("yaml.sequence_here", "block sequence entries are not allowed here", "此处不能开始列表项（'- '）"),
    ("yaml.sequence_context", "block sequence entries are not allowed in this context", "此处不能开始列表项（'- '）"),
    ("yaml.flow_list", "expected ',' or ']', but got {token}", "应为 ',' 或 ']'，却遇到 {token}"),
    ("yaml.flow_list_c", "did not find expected ',' or ']'", "找不到应有的 ',' 或 ']'"),
    ("yaml.flow_map", "expected ',' or '}}', but got {token}", "应为 ',' 或 '}}'，却遇到 {token}"),
    ("yaml.flow_map_c", "did not find expected ',' or '}}'", "找不到应有的 ',' 或 '}}'"),
    ("yaml.end_stream", "found unexpected end of stream", "文件在此意外结束"),
    ("yaml.block_end", "expected <block end>, but found {token}", "缩进在此应结束上一层，却遇到 {token}"),
    ("yaml.expected_key", "did not find expected key", "找不到应有的键"),
    ("yaml.expected_dash", "did not find expected '-' indicator", "找不到应有的列表项标记 '-'"),
    ("yaml.node", "expected the node content, but found {token}", "此处应有值，却遇到 {token}"),
    ("yaml.node_c", "did not find expected node content", "找不到应有的值"),
    ("yaml.alias", "found undefined alias {name}", "别名 {name} 未定义"),
    ("yaml.alias_c", "found undefined alias", "别名未定义"),
    ("yaml.escape", "found unknown escape character {char}", "未知的转义字符 {char}"),
    ("yaml.escape_c", "found unknown escape character", "未知的转义字符"),
    ("yaml.anchor_char", "expected alphabetic or numeric character, but found {char}",
     "此处应为字母或数字，却遇到 {char}"),
    ("yaml.anchor_char_c", "did not find expected alphabetic or numeric character", "找不到应有的字母或数字"),
    ("yaml.document", "found unexpected document separator", "此处意外出现了文档分隔符"),
    ("yaml.directive", "found unknown directive name", "未知的指令名称"),
    ("yaml.unexpected_colon", "found unexpected ':'", "此处意外出现了 ':'"),
    ("yaml.invalid", "not valid YAML", "不是有效的 YAML"),
    # the operating system (OSError.strerror, as Linux, macOS and Windows word it)
    ("os.no_such", "No such file or directory", "没有这个文件或文件夹"),
    ("os.no_such_win", "The system cannot find the file specified", "系统找不到指定的文件"),
    ("os.no_path_win", "The system cannot find the path specified", "系统找不到指定的路径"),
    ("os.permission", "Permission denied", "没有访问权限"),
    ("os.access_win", "Access is denied", "拒绝访问"),
    ("os.is_dir", "Is a directory", "这是一个文件夹，不是文件"),
    ("os.not_dir", "Not a directory", "路径中有一部分不是文件夹"),
    ("os.disk_full", "No space left on device", "磁盘已满（设备上没有剩余空间）"),
    ("os.disk_full_win", "There is not enough space on the disk", "磁盘空间不足"),
    ("os.quota", "Disk quota exceeded", "超出磁盘配额"),
    ("os.read_only", "Read-only file system", "文件系统是只读的"),
    ("os.exists", "File exists", "文件已存在"),
    ("os.too_many", "Too many open files", "打开的文件过多"),
    ("os.io", "Input/output error", "输入/输出错误（磁盘或网络存储故障）"),
    ("os.name_long", "File name too long", "文件名过长"),
    ("os.not_permitted", "Operation not permitted", "不允许此操作"),
    ("os.in_use", "Address already in use", "地址（端口）已被占用"),
    ("os.refused", "Connection refused", "连接被拒绝（该地址上没有运行数据库服务）"),
    ("os.timed_out", "Connection timed out", "连接超时"),
    ("os.unreachable", "Network is unreachable", "网络不可达"),
    ("os.errno", "[Errno {n}] {error}: {path}", "[Errno {n}] {error}：{path}"),
    ("os.errno_only", "[Errno {n}] {error}", "[Errno {n}] {error}"),
    # databases (SQLAlchemy's drivers: sqlite3, psycopg, psycopg2, pymysql)
    ("db.connection_failed", "connection failed: {error}", "连接失败：{error}"),
    ("db.connect_server", "connection to server at {host}, port {port} failed: {error}",
     "无法连接到服务器 {host}（端口 {port}）：{error}"),
    ("db.connect_socket", "connection to server on socket {socket} failed: {error}",
     "无法通过套接字 {socket} 连接到服务器：{error}"),
    ("db.fatal", "FATAL:  {error}", "致命错误：{error}"),
    ("db.password", "password authentication failed for user {user}", "用户 {user} 的密码验证失败（用户名或密码错误）"),
    ("db.no_password", "fe_sendauth: no password supplied", "没有提供密码"),
    ("db.mysql_denied", "({code}, \"Access denied for user {user} (using password: YES)\")",
     "（{code}）用户 {user} 被拒绝访问（用户名或密码错误）"),
    ("db.no_database", "database {name} does not exist", "数据库 {name} 不存在"),
    ("db.no_role", "role {name} does not exist", "数据库用户 {name} 不存在"),
    ("db.no_relation", "relation {name} does not exist", "数据表 {name} 不存在"),
    ("db.no_column_pg", "column {name} does not exist", "列 {name} 不存在"),
    ("db.no_table", "no such table: {name}", "没有数据表 {name}"),
    ("db.no_column", "no such column: {name}", "没有列 {name}"),
    ("db.open_file", "unable to open database file", "无法打开数据库文件"),
    ("db.locked", "database is locked", "数据库被锁定（另一个程序正在写入）"),
    ("db.not_db", "file is not a database", "该文件不是数据库"),
    ("db.readonly", "attempt to write a readonly database", "试图写入只读数据库"),
    ("db.disk_full", "database or disk is full", "数据库或磁盘已满"),
    ("db.syntax_near", "near {token}: syntax error", "{token} 附近有语法错误"),
    ("db.syntax_pg", "syntax error at or near {token}", "{token} 处或其附近有语法错误"),
    ("db.host", "could not translate host name {host} to address: {error}", "无法解析主机名 {host}：{error}"),
    ("db.host_unknown", "Name or service not known", "未知的主机名或服务"),
    ("db.host_unknown_mac", "nodename nor servname provided, or not known", "未知的主机名或服务"),
    ("db.timeout", "timeout expired", "连接超时"),
    ("db.driver", "Can't load plugin: sqlalchemy.dialects:{name}", "无法加载数据库驱动：{name}（请安装对应的驱动包）"),
    ("db.url", "Could not parse SQLAlchemy URL from string {url}", "无法解析数据库 URL {url}"),
    ("db.no_module", "No module named {name}", "没有名为 {name} 的模块（请安装对应的驱动包）"),
)

DIAGNOSTICS.update(_entries(
    # hints of YAML syntax errors (language/load.py), the results store and the providers' read errors
    ("yaml.hint.tab", "indent with spaces, never tabs (set your editor to insert spaces for Tab)",
     "请用空格缩进，不要用 Tab（可把编辑器设置为按 Tab 键时插入空格）"),
    ("yaml.hint.colon", "a key needs ':' and a space after it (key: value); a line that goes on from the one above "
                        "must be indented under it",
     "键后面要有冒号和空格（键: 值）；接着上一行写的内容要缩进到它下面"),
    ("yaml.hint.mapping", "a value cannot hold 'key: value' on the same line: put a value that contains ': ' in "
                          "quotes, or start the nested keys on their own lines, indented; check the indentation of "
                          "this line and the one above",
     "值里不能在同一行再写“键: 值”：含有 ': ' 的值请加引号，或把下一层的键另起一行并缩进；请检查本行和上一行的缩进"),
    ("yaml.hint.list", "close the list with ']' (items are separated by ',')",
     "请用 ']' 结束列表（各项之间用 ',' 分隔）"),
    ("yaml.hint.map", "close the mapping with '}}' (entries are separated by ',')",
     "请用 '}}' 结束映射（各项之间用 ',' 分隔）"),
    ("yaml.hint.quote", "close the quotes: a quoted value ends with the same quote it starts with",
     "请补上引号：加引号的值要以同样的引号结束"),
    ("yaml.hint.indent", "check the indentation: the keys of one mapping start in the same column, and anything "
                         "after a quoted value must be inside the quotes",
     "请检查缩进：同一层的键要从同一列开始，加引号的值后面的内容要写在引号里面"),
    ("yaml.hint.escape", "in double quotes write \\\\ for a backslash, or use single quotes",
     "在双引号中反斜杠要写成 \\\\，或改用单引号"),
    ("yaml.hint.char", "put a value that starts with this character in quotes", "以该字符开头的值请加引号"),
    ("store.cannot_open", "cannot open the results store {url}: {error}", "无法打开结果库 {url}：{error}"),
    ("store.cannot_read", "cannot read the results store {url}: {error}", "无法读取结果库 {url}：{error}"),
    ("store.writer_closed", "the results store's writer was closed before the run's results were all written",
     "结果库的写入线程在本次运行的结果全部写入之前已关闭"),
    ("data.cannot_read", "cannot read {name}: {error}", "无法读取 {name}：{error}"),
    ("data.cannot_read_query", "cannot read query file {name}: {error}", "无法读取查询文件 {name}：{error}"),
    ("data.cannot_use_url", "cannot use url: {error}", "无法使用该 url：{error}"),
    ("data.relative", "paths are relative to the cycle file's folder", "路径相对于周期文件所在的文件夹"),
    ("data.cannot_read_kind", "provider {name} cannot read kind {kind}; it reads {kinds}",
     "数据源插件 {name} 不能读取 {kind} 类数据；它能读取 {kinds}"),
    ("schema.both_same", "has both {both}; they say the same thing: keep one",
     "同时有 {both}；二者含义相同：请只保留一个"),
    ("schema.must_match", "it must match {pattern}", "应符合格式 {pattern}"),
    ("io.refused_at", "the system refused to read or write {name}: {error}", "系统拒绝读写 {name}：{error}"),
    ("io.refused", "the system refused to read or write a file: {error}", "系统拒绝读写文件：{error}"),
    ("data.workbook", "cannot open as an xlsx workbook: {error}", "无法作为 xlsx 工作簿打开：{error}"),
    ("data.parquet", "cannot read as Parquet: {error}", "无法作为 Parquet 文件读取：{error}"),
    # click's own messages (usage errors of every command: engine/cli.py shows them through translate)
    ("click.invalid_for", "Invalid value for {param}: {message}", "参数 {param} 的值无效：{message}"),
    ("click.invalid", "Invalid value: {message}", "值无效：{message}"),
    ("click.no_file", "File {path} does not exist.", "文件 {path} 不存在。"),
    ("click.no_dir", "Directory {path} does not exist.", "文件夹 {path} 不存在。"),
    ("click.no_path", "Path {path} does not exist.", "路径 {path} 不存在。"),
    ("click.file_is_dir", "File {path} is a directory.", "{path} 是文件夹，这里需要文件。"),
    ("click.dir_is_file", "Directory {path} is a file.", "{path} 是文件，这里需要文件夹。"),
    ("click.path_is_dir", "Path {path} is a directory.", "{path} 是文件夹，这里需要文件。"),
    ("click.file_unreadable", "File {path} is not readable.", "文件 {path} 不可读（没有访问权限）。"),
    ("click.dir_unreadable", "Directory {path} is not readable.", "文件夹 {path} 不可读（没有访问权限）。"),
    ("click.path_unreadable", "Path {path} is not readable.", "路径 {path} 不可读（没有访问权限）。"),
    ("click.dir_unwritable", "Directory {path} is not writable.", "文件夹 {path} 不可写（没有写入权限）。"),
    ("click.file_unwritable", "File {path} is not writable.", "文件 {path} 不可写（没有写入权限）。"),
    ("click.no_option", "No such option {name}.", "没有选项 {name}。"),
    ("click.no_option_mean", "No such option {name}. Did you mean {other}?", "没有选项 {name}。是否想写 {other}？"),
    ("click.no_option_possible", "No such option {name}. (Possible options: {options})",
     "没有选项 {name}。（可能的选项：{options}）"),
    ("click.no_command", "No such command {name}.", "没有命令 {name}。"),
    ("click.missing_argument", "Missing argument {name}.", "缺少参数 {name}。"),
    ("click.missing_arguments", "Missing argument {name}. {more}", "缺少参数 {name}。{more}"),
    ("click.missing_option", "Missing option {name}.", "缺少选项 {name}。"),
    ("click.missing_command", "Missing command.", "缺少命令。"),
    ("click.needs_value", "Option {name} requires an argument.", "选项 {name} 需要一个值。"),
    ("click.no_value", "Option {name} does not take a value.", "选项 {name} 不接受值。"),
    ("click.extra", "Got unexpected extra argument ({args})", "多了一个参数（{args}）"),
    ("click.extras", "Got unexpected extra arguments ({args})", "多了几个参数（{args}）"),
    ("click.not_choice", "{value} is not {choices}.", "{value} 不是 {choices}。"),
    ("click.not_one_of", "{value} is not one of {choices}.", "{value} 不是 {choices} 之一。"),
    ("click.not_int", "{value} is not a valid integer.", "{value} 不是有效的整数。"),
    ("click.not_float", "{value} is not a valid float.", "{value} 不是有效的数字。"),
    ("click.not_range", "{value} is not in the range {range}.", "{value} 不在范围 {range} 内。"),
    ("click.not_bool", "{value} is not a valid boolean.", "{value} 不是有效的布尔值。"),
))

DIAGNOSTICS.update(_entries(
    # messages found English in Chinese output by running the commands over real mistakes (session 7, wi18n):
    # expressions (language/expr), cycle files and overrides, the validator's checks, the provide stage, providers
    ("expr.condition_type", "a condition must be true or false, but this is {what}; write true or false (not yes/no, "
                            "1/0 or \"false\")",
     "条件必须是 true 或 false，但这里是{what}；请写 true 或 false（不要写 yes/no、1/0 或 \"false\"）"),
    ("expr.must_bool", "{where} must be true or false, but this is {what}; compare it, e.g. 'x > 0'",
     "{where}必须是 true 或 false，但这里是{what}；请写成比较，例如 'x > 0'"),
    ("expr.must_number", "{where} must be a number, but this is {what}", "{where}必须是数字，但这里是{what}"),
    ("expr.context_nothing", "context.{name} is set to nothing in the cycle file, so every condition reading it would "
                             "be missing; write [] for an empty list, or its value",
     "周期文件中 context.{name} 没有值，读取它的条件都会缺失；空列表请写 []，否则请写出它的值"),
    ("expr.joins", "{word} joins true/false values; compare first, e.g. 'x > 0'",
     "{word} 连接的是 true/false 值；请先写成比较，例如 'x > 0'"),
    ("expr.not", "'not' takes a true/false value; compare first, e.g. 'not x > 0'",
     "'not' 后面要跟 true/false 值；请先写成比较，例如 'not x > 0'"),
    ("expr.negate", "cannot negate {what}", "不能对{what}取负"),
    ("expr.arithmetic", "arithmetic on text, lists or true/false values is not allowed ({op})",
     "不能对文本、列表或 true/false 值做算术运算（{op}）"),
    ("expr.number_text", "compares a number with text; put numbers without quotes, or declare the column's type under "
                         "'attributes:'",
     "把数字和文本作比较；数字请不要加引号，或在 'attributes:' 中声明该列的类型"),
    ("expr.list_in", "a list can only follow 'in' or 'not in'", "列表只能写在 'in' 或 'not in' 后面"),
    ("expr.bool_text", "compares a true/false value with text", "把 true/false 值和文本作比较"),
    ("expr.bool_number", "compares a true/false value with a number; compare the number with a number, or use the "
                         "true/false value alone as the condition",
     "把 true/false 值和数字作比较；请用数字和数字比较，或直接把 true/false 值作为条件"),
    ("expr.takes_numbers", "{name}() takes numbers", "{name}() 只接受数字"),
    ("expr.previous_here", "'previous' cannot be used in {where}", "{where}中不能使用 'previous'"),
    ("expr.in_looks", "'in' looks for a number or a text in a list", "'in' 在列表中查找数字或文本"),
    ("expr.in_mixed", "a list for 'in' holds numbers or texts, not both",
     "'in' 的列表只能全是数字或全是文本，不能混用"),
    ("expr.never_match", "looks for {a} in a list of {b}; they never match", "在{b}列表中查找{a}；永远不会匹配"),
    ("expr.unknown_previous", "unknown field 'previous.{name}'", "未知的字段 'previous.{name}'"),
    ("expr.in_list", "'in' needs a list on its right", "'in' 右侧需要列表"),
    ("expr.context_list", "context.{name} is a list; use it with 'in'", "context.{name} 是列表；请与 'in' 一起使用"),
    ("expr.empty", "expression is empty", "表达式为空"),
    ("expr.deep", "expression nests deeper than {n} levels", "表达式嵌套超过 {n} 层"),
    ("expr.complex", "expression is too complex", "表达式过于复杂"),
    ("expr.tilde", "'~' is not allowed; use 'not'", "不允许使用 '~'；请用 'not'"),
    ("expr.is", "'is' is not allowed; use '==' or '!='", "不允许使用 'is'；请用 '==' 或 '!='"),
    ("expr.underscore", "names starting with '_' are not allowed ({name})", "不允许使用以 '_' 开头的名称（{name}）"),
    ("expr.needs_field", "{name} needs a field, like {example}", "{name} 后面需要字段，例如 {example}"),
    ("expr.attribute", "attribute access is only allowed on 'context' and 'previous' (like context.price_war or "
                       "previous.grade)",
     "只有 'context' 和 'previous' 可以用点取字段（如 context.price_war 或 previous.grade）"),
    ("expr.list_long", "list has more than {n} items", "列表超过 {n} 项"),
    ("expr.not_allowed", "{name} is not allowed in appraise expressions", "appraise 表达式中不允许使用 {name}"),
    ("expr.literal", "{kind} literals are not allowed", "不允许使用{kind}字面量"),
    ("expr.list_items", "list items must be plain numbers or text", "列表项只能是普通数字或文本"),
    ("expr.plain_args", "{name}() takes plain arguments only", "{name}() 只接受普通参数"),
    ("expr.args", "{name}() takes {n} arguments, got {got}", "{name}() 需要 {n} 个参数，实际有 {got} 个"),
    ("expr.text_long", "text literal is longer than {n} characters", "文本字面量超过 {n} 个字符"),
    ("expr.round", "round()'s second argument must be a whole number from 0 to 10",
     "round() 的第二个参数必须是 0 到 10 的整数"),
    ("expr.unsupported", "unsupported expression", "不支持的表达式"),
    ("cycle.on_error", "on_error is {value}; write 'fail' or 'skip-employee'",
     "on_error 为 {value}；请写 'fail' 或 'skip-employee'"),
    ("cycle.is_ruleset", "this is a ruleset, not a cycle file; give the cycle file that names it (cycle:, ruleset:, "
                         "sources:)",
     "这是规则集，不是周期文件；请给出引用它的周期文件（cycle:、ruleset:、sources:）"),
    ("cycle.validate_alone", "appraise validate checks a ruleset on its own", "appraise validate 可以单独检查规则集"),
    ("cycle.no_overrides", "overrides file {name} not found (looked for {path})",
     "找不到人工调整文件 {name}（查找的是 {path}）"),
    ("load.keys_plain", "keys must be plain text, not lists or mappings", "键必须是普通文本，不能是列表或映射"),
    ("load.surrogate", "text is not valid Unicode (a lone surrogate character)",
     "文本不是有效的 Unicode（有孤立的代理字符）"),
    ("load.deep", "values nest deeper than {n} levels; appraise files are never that deep",
     "值嵌套超过 {n} 层；appraise 文件不会有这么深"),
    ("overrides.list", "an overrides file is a list of {{id, score?, grade?, reason, by, date}}",
     "人工调整文件是 {{id, score?, grade?, reason, by, date}} 的列表"),
    ("overrides.start", "start each override with '- id: ...'", "每条人工调整请以 '- id: ...' 开头"),
    ("overrides.mapping", "an override is a mapping {{id, score?, grade?, reason, by, date}}",
     "一条人工调整是映射 {{id, score?, grade?, reason, by, date}}"),
    ("overrides.id", "an override needs the employee's 'id'", "人工调整需要员工的 'id'"),
    ("overrides.twice", "employee {id} is overridden twice (first at line {line})",
     "员工 {id} 被人工调整了两次（首次在第 {line} 行）"),
    ("overrides.keep_one", "keep one override per employee", "每位员工只保留一条人工调整"),
    ("overrides.score", "score {value} is not a score; write a number of 0 or more",
     "得分 {value} 不是得分；请写不小于 0 的数字"),
    ("overrides.not_found", "overrides file not found", "找不到人工调整文件"),
    ("overrides.keys", "an override has id, score, grade, reason, by and date",
     "人工调整包含 id、score、grade、reason、by 和 date"),
    ("overrides.unknown_key", "unknown key {key} in an override", "人工调整中有未知的键 {key}"),
    ("overrides.nothing", "the override of {id} changes nothing: give 'score', 'grade' or both",
     "{id} 的人工调整没有改变任何内容：请给出 'score'、'grade' 或两者"),
    ("check.used_twice", "{kind} {name} is used twice (first at line {line})",
     "{kind} {name} 被使用了两次（首次在第 {line} 行）"),
    ("check.computed", "{name} is computed by appraise for every employee; it cannot be an attribute",
     "{name} 由 appraise 为每位员工计算，不能作为属性"),
    ("check.rename_column", "rename the column (and map it with columns:)", "请重命名该列（并用 columns: 映射）"),
    ("check.lowest_first", "list them from the lowest {field} to the highest, each higher than the one before",
     "请按 {field} 从低到高排列，每个都高于前一个"),
    ("check.go_up", "{kind} must go up: {field} {value} comes after {before}",
     "{kind}必须递增：{field} {value} 排在 {before} 之后"),
    ("check.not_finite", "{value} is not a usable number; write a finite number",
     "{value} 不是可用的数字；请写有限的数字"),
    ("check.kpi_ambiguous", "KPI {kpi} is in dimensions {dimensions} of scorecard {card}; say which one",
     "KPI {kpi} 同时在评分卡 {card} 的维度 {dimensions} 中；请指明是哪一个"),
    ("check.write", "write {text}", "请写 {text}"),
    ("check.both_metric", "{name} is both an employee column (attribute) and a metric",
     "{name} 既是员工表的列（属性）又是指标"),
    ("check.rename_one", "rename one of them so expressions know which is meant",
     "请重命名其中一个，让表达式知道指的是哪一个"),
    ("check.shift_itself", "shift moves weight from {name} to itself", "shift 把权重从 {name} 移到它自己"),
    ("check.shift_to", "'to' must be another dimension, or another KPI of the same dimension",
     "'to' 必须是另一个维度，或同一维度的另一个 KPI"),
    ("check.no_scorecard_both", "no scorecard has both {a} and {b}", "没有评分卡同时包含 {a} 和 {b}"),
    ("check.min_raters_one", "min_raters {n} for {source} would show one rater's own ratings; only 'manager' and "
                             "'self' may have fewer than 2 raters",
     "{source} 的 min_raters 为 {n}，会显示单个评价人自己的评分；只有 'manager' 和 'self' 可以少于 2 人"),
    ("check.min_raters_one_fix", "write at least 2 (3 or more keeps raters anonymous from each other too)",
     "请至少写 2（3 或以上还能让评价人彼此之间保持匿名）"),
    ("check.min_raters_two", "min_raters {n} for {source}: each of two raters can work out the other's ratings from "
                             "the source's mean",
     "{source} 的 min_raters 为 {n}：两名评价人都能从平均分推算出对方的评分"),
    ("check.min_raters_two_fix", "write 3 or more, or keep 2 on purpose", "请写 3 或以上，或确有意时保留 2"),
    ("check.declare_metric", "declare it under metrics:, or fix the name", "请在 metrics: 中声明，或改正名称"),
    ("check.default_last", "move {name} last (as the default), or give it an applies_to",
     "请把 {name} 移到最后（作为默认），或给它写 applies_to"),
    ("check.overlap", "an employee matching both {a} and {b} gets {first} (the first in the file)",
     "同时符合 {a} 和 {b} 的员工会用 {first}（文件中的第一个）"),
    ("check.exclusive", "make the conditions exclusive (e.g. role == \"a\" / role == \"b\"), or keep this order on "
                        "purpose",
     "请让条件互斥（例如 role == \"a\" / role == \"b\"），或确有意时保留此顺序"),
    ("check.outside_link", "is a symbolic link leading outside {root}; it was not read",
     "是指向 {root} 之外的符号链接；未读取"),
    ("check.outside_link_fix", "replace the link by the file, or set APPRAISE_ALLOW_OUTSIDE_PATHS=1 if it is meant",
     "请用文件替换该链接；若确需如此，请设置 APPRAISE_ALLOW_OUTSIDE_PATHS=1"),
    ("check.weigh_sub", "weigh the sub-periods of this cycle, or run the ruleset for another period",
     "请为本周期的子期间设置权重，或对其他期间运行该规则集"),
    # the provide stage and the providers
    ("provide.header_only", "{name} has a header but no data rows", "{name} 只有表头，没有数据行"),
    ("provide.employee_twice", "employee {id} appears twice; first at {where}", "员工 {id} 出现了两次；首次在 {where}"),
    ("provide.not_period", "period {value} is not a period", "期间 {value} 不是有效的期间"),
    ("provide.write_period", "write 2026-Q3, 2026-07, 2026-H2 or 2026", "请写 2026-Q3、2026-07、2026-H2 或 2026"),
    ("provide.both_ways", "{metric} of {id} comes both as monthly rows and as a period total",
     "{id} 的 {metric} 既有月度行又有期间合计"),
    ("provide.one_way", "provide each metric one way", "每个指标请只用一种方式提供"),
    ("provide.fix_name", "fix the name in the ruleset or the data, or leave its rows out of the file",
     "请改正规则集或数据中的名称，或把这些行从文件中去掉"),
    ("provide.okr_type", "objective type {value} of {id} is not 'committed' or 'aspirational'",
     "{id} 的目标类型 {value} 不是 'committed' 或 'aspirational'"),
    ("provide.okr_mixed_type", "objective {objective} of {id} is {first} in its key result on line {row} but "
                               "{value} here",
     "{id} 的目标 {objective} 在第 {row} 行的关键结果中是 {first}，这里却是 {value}"),
    ("provide.okr_mixed_type_any", "objective {objective} of {id} is {first} in another key result but {value} here",
     "{id} 的目标 {objective} 在另一个关键结果中是 {first}，这里却是 {value}"),
    ("provide.okr_one_type", "an objective has one type: write the same type on every key result of it",
     "一个目标只有一种类型：请在它的每个关键结果上写相同的类型"),
    ("provide.kr_weight", "key result weight {value} of {id} must be above 0",
     "{id} 的关键结果权重 {value} 必须大于 0"),
    ("provide.kr_month", "month {value} of {id}'s key result is not a month", "{id} 的关键结果的月份 {value} 不是月份"),
    ("provide.write_month", "write months as 2026-07", "月份请写成 2026-07"),
    ("provide.installed", "installed providers: {names}", "已安装的数据源插件：{names}"),
    ("provide.failed", "provider {name} failed: {kind}: {error}", "数据源插件 {name} 出错：{kind}：{error}"),
    ("provide.wrong_table", "provider {name} returned a {got} table for a {kind} source",
     "数据源插件 {name} 为 {kind} 数据源返回了 {got} 表"),
    ("provider.one_of", "give one of query:, sql:, table: (found {found})",
     "请给出 query:、sql:、table: 之一（现有 {found}）"),
    ("provider.say_what", "say what to read: query: <file.sql>, sql: <SELECT ...> or table: <name>",
     "请说明读取什么：query: <file.sql>、sql: <SELECT ...> 或 table: <name>"),
    ("provider.aggregate_column", "aggregate: true needs a column {column}; the query returns {columns}",
     "aggregate: true 需要列 {column}；查询返回的列为 {columns}"),
    ("provider.not_raw", "{name} is not a raw metric the ruleset declares; aggregate: true cannot aggregate it",
     "{name} 不是规则集声明的原始指标；aggregate: true 无法汇总它"),
    ("provider.leave_out", "leave it out of the query", "请从查询中去掉它"),
    ("provider.table_name", "table {name} is not a plain table name", "表 {name} 不是普通的表名"),
    ("provider.sheet_empty", "sheet is empty; expected a header row and data rows", "工作表为空；应有表头行和数据行"),
    ("provider.no_columns", "file has no columns", "文件没有列"),
    ("provider.csv", "cannot parse CSV: {error}", "无法解析 CSV：{error}"),
    ("provider.no_name", "column {n} has no name in the header row", "第 {n} 列在表头行中没有名称"),
    ("provider.column_twice", "column {name} appears twice in the header (columns {a} and {b})",
     "列 {name} 在表头中出现了两次（第 {a} 列和第 {b} 列）"),
    ("provider.reserved", "'_row' is reserved; rename that column", "'_row' 是保留名称；请重命名该列"),
    ("provider.save_xlsx", "save it from Excel as .xlsx (not .xls or .csv)",
     "请在 Excel 中另存为 .xlsx（不要用 .xls 或 .csv）"),
    ("provider.no_header_value", "value in a column without a header", "没有表头的列中有值"),
    ("provider.needs_path", "provider {name} needs 'path:' (the data file)",
     "数据源插件 {name} 需要 'path:'（数据文件）"),
    ("provider.not_encoding", "file is not valid {encoding}", "文件不是有效的 {encoding} 编码"),
    ("provider.set_encoding", "set 'encoding:' to the encoding the file was saved in, or leave it out to detect it",
     "请把 'encoding:' 设为文件保存时的编码，或删去它以自动识别"),
    ("provider.header_both", "header_row and skip_rows both say where the header is; keep one",
     "header_row 和 skip_rows 都指明了表头位置；请只保留一个"),
    ("provider.rename_missing", "columns: renames {name}, but {file} has no such column; its columns: {columns}",
     "columns: 重命名了 {name}，但 {file} 没有这一列；其列为：{columns}"),
    ("provider.rename_clash", "columns: renames {name} to {to}, but {file} already has a column {other}",
     "columns: 把 {name} 重命名为 {to}，但 {file} 已经有列 {other}"),
    ("provider.not_utf8_gbk", "file is neither UTF-8 nor GBK text", "文件既不是 UTF-8 也不是 GBK 文本"),
    ("provider.save_utf8", "save it as 'CSV UTF-8', or name its encoding with 'encoding:'",
     "请另存为“CSV UTF-8”，或用 'encoding:' 写明其编码"),
    ("provider.duckdb_path", "provider 'duckdb' needs 'path:' (a CSV or Parquet file, or a glob)",
     "数据源插件 'duckdb' 需要 'path:'（CSV 或 Parquet 文件，或通配符）"),
    ("provider.no_match", "no file matches {pattern}", "没有文件匹配 {pattern}"),
    ("provider.duckdb_refused", "duckdb refused the query: {error}", "duckdb 拒绝了查询：{error}"),
    ("provider.duckdb_utf8", "duckdb reads CSV files as UTF-8 only: save the file as 'CSV UTF-8', or read it with the "
                             "csv provider, which reads GBK and UTF-16 too",
     "duckdb 只能读取 UTF-8 编码的 CSV 文件：请另存为“CSV UTF-8”，或改用 csv 数据源（它也能读取 GBK 和 UTF-16）"),
    ("provider.okr_empty", "file is empty; expected employee ids mapped to lists of objectives",
     "文件为空；应为员工编号对应目标列表"),
    ("provider.okr_shape", "expected employee ids mapped to lists of objectives", "应为员工编号对应目标列表"),
    ("provider.okr_list", "objectives of {id} must be a list (- objective: ...)",
     "{id} 的目标必须是列表（- objective: ...）"),
    ("provider.okr_objective", "an objective needs 'objective:' and a list 'key_results:'",
     "目标需要 'objective:' 和列表 'key_results:'"),
    ("provider.okr_kr", "a key result is a mapping {{name, start, target, current, weight?}}",
     "关键结果是映射 {{name, start, target, current, weight?}}"),
    ("provider.env_unset", "url: uses ${{{name}}}, which is not set in the environment",
     "url: 使用了 ${{{name}}}，但环境中没有设置它"),
    ("provider.sql_refused", "the database refused the query ({url}): {error}", "数据库拒绝了查询（{url}）：{error}"),
    ("provider.long_needs", "layout: long needs columns metric and value; missing: {columns}",
     "layout: long 需要 metric 和 value 两列；缺少：{columns}"),
    ("provider.wide_but_long", "layout: wide, but the file has metric and value columns (the long layout)",
     "layout: wide，但文件有 metric 和 value 两列（这是 long 布局）"),
    ("check.never_used", "scorecard {card} is never used: {first} comes first and has no applies_to, so it takes "
                         "everyone",
     "评分卡 {card} 永远不会被使用：{first} 排在前面且没有 applies_to，所有人都会用它"),
    ("run.staged", "staged output {path} is missing or changed before it was published; nothing was stored, run the "
                   "cycle again",
     "暂存的输出 {path} 在发布前丢失或被改动；未存储任何内容，请重新运行本周期"),
))

FRAGMENTS.update(_entries(
    # what an expression is (language/expr/checking.py)
    ("a_text", "a text", "文本"), ("a_bool", "a true/false value", "true/false 值"),
    ("bool_word", "true/false value", "true/false 值"), ("list_word", "list", "列表"), ("number_word", "number",
     "数字"),
    ("a_text_plain", "a text value", "文本值"),
))

CLI.update(_entries(
    # click's frame around a usage error (engine/cli.py)
    ("click.usage", "Usage:", "用法："),
    ("click.try", "Try '{command} {option}' for help.", "运行 '{command} {option}' 查看帮助。"),
    ("click.error", "Error: {message}", "错误：{message}"),
    ("click.aborted", "Aborted!", "已中止！"),
))

# The built-in providers' options (`appraise plugins`, the validator's hints): each entry's English is the
# description in the provider's options schema word for word (tests/test_i18n_system.py keeps them equal), so a
# reworded option shows its new English rather than an old translation.  A third-party provider gives its own
# Chinese in its options schema, as "x-description-zh-CN" beside "description" (as appraise's schemas/*.json do).
PLUGIN_OPTIONS: dict[str, dict[str, str]] = _entries(
    ("delimiter", "CSV field separator; default: detected from the header (, ; tab |)",
     "CSV 字段分隔符；默认：从表头识别（, ; tab |）"),
    ("encoding", "text encoding of a CSV file; auto detects UTF-8 (with or without BOM), UTF-16 and GBK/GB18030 "
                 "(Chinese Excel exports)",
     "CSV 文件的文本编码；auto 可识别 UTF-8（带或不带 BOM）、UTF-16 和 GBK/GB18030（中文 Excel 导出的文件）"),
    ("ignore", "columns of the file to leave out (after renaming)", "文件中要忽略的列（按重命名后的列名）"),
    ("layout", "metrics: wide = one column per metric; long = metric and value columns; auto = long when the "
               "columns are exactly employee, month, metric, value",
     "指标表：wide = 每个指标一列；long = metric 列加 value 列；auto = 列恰好为 employee、month、metric、value 时"
     "按 long 读取"),
    ("max_bytes", "the largest this source's file may be (bytes, or e.g. '2 GiB', '500 MB'); bigger files are "
                  "refused before they are read.  Default: APPRAISE_MAX_DATA_BYTES, else 256 MiB",
     "此数据源文件的大小上限（字节数，或如 '2 GiB'、'500 MB'）；更大的文件在读取前即被拒绝。默认："
     "APPRAISE_MAX_DATA_BYTES，否则为 256 MiB"),
    ("aggregate", "metrics: aggregate to one row per employee inside the database with the ruleset's aggregate "
                  "functions over the cycle's months (push-down)",
     "指标表：在数据库内按规则集的汇总函数把本周期各月汇总为每位员工一行（下推计算）"),
    ("date", "with aggregate: the date column that places a row in the period (default: a 'month' column holding "
             "YYYY-MM)",
     "与 aggregate 一起使用：决定一行属于哪个期间的日期列（默认：内容为 YYYY-MM 的 'month' 列）"),
    ("format", "file format (default: from the extension)", "文件格式（默认：按扩展名判断）"),
    ("query", "file holding the SQL (relative to the cycle file); it may use :period, :period_start, :period_end, "
              ":period_after (day after the end), :period_first_month, :period_last_month",
     "存放 SQL 的文件（相对于周期文件）；可使用 :period、:period_start、:period_end、:period_after（期末次日）、"
     ":period_first_month、:period_last_month"),
    ("sql", "the SQL itself, for short queries (same parameters as query:)",
     "直接写 SQL，适合短查询（参数与 query: 相同）"),
    ("table", "read a whole table (or view) instead of a query", "读取整张表（或视图），而不是查询"),
    ("header_row", "xlsx: the row holding the column names, numbered as Excel shows it (default: the first row that "
                   "is not empty); rows above it (a title, notes) are left out",
     "xlsx：列名所在的行号，与 Excel 显示的行号一致（默认：第一个非空行）；其上方的行（标题、说明）被忽略"),
    ("sheet", "xlsx: the worksheet's name (default: the first sheet)", "xlsx：工作表名称（默认：第一个工作表）"),
    ("skip_rows", "xlsx: how many rows at the top of the sheet to leave out (a title, notes); the header is the "
                  "first row after them that is not empty",
     "xlsx：跳过工作表顶部的行数（标题、说明）；表头是其后的第一个非空行"),
    ("url", "SQLAlchemy URL; ${{VAR}} reads the environment", "SQLAlchemy URL；${{VAR}} 读取环境变量"),
)


def option_description(spec: Mapping, locale: str) -> str:
    """The description of a provider's option (its schema ``spec``) in ``locale``: the schema's own
    ``x-description-<locale>``, else :data:`PLUGIN_OPTIONS`' whose English is the schema's, else as written."""
    english = str(spec.get("description", ""))
    if locale == DEFAULT_LOCALE or not english:
        return english
    own = spec.get(f"x-description-{locale}")
    if isinstance(own, str) and own:
        return own
    return _descriptions(locale).get(english.rstrip("."), english)


# `appraise --help` and each command's --help (engine/cli.py): the command's first paragraph (its summary) and its
# options' help.  Keyed "command" and "command.--option"; an entry is shown only while its English is the command's
# own word for word (whitespace aside), so a reworded option shows its new English rather than an old translation.
# The rest of a command's description stays English.
HELP: dict[str, dict[str, str]] = _entries(
    ("diff", "Score a cycle's data under ruleset OLD and ruleset NEW and show what changes.",
     "用规则集 OLD 和 NEW 分别对同一周期的数据评分，并显示有何变化。"),
    ("diff.--cycle", "Cycle file whose data (employees, metrics, 360, OKRs) is scored under both rulesets (not needed "
                     "when OLD and NEW are plan files: their targets are compared).",
     "其数据（员工、指标、360、OKR）在两个规则集下都要评分的周期文件（OLD 和 NEW 是计划文件时不需要：比较的是目标）。"),
    ("diff.--format", "text for a terminal; markdown for a pull-request comment; json for scripts.",
     "text 用于终端；markdown 用于 pull request 评论；json 用于脚本。"),
    ("diff.--redact", "For sharing outside HR (a pull-request comment, say): aggregates only, each about at least "
                      "privacy.min_group people (grade migration, grades changed, bonus cost change, rank correlation, "
                      "rule counts); no ids, names, scores or amounts of anyone.  A new ruleset whose new conditions "
                      "read employee ids or names is refused.",
     "用于在人力资源部以外分享（例如 pull request 评论）：只有汇总数据，每项至少涉及 privacy.min_group 人（等级迁移、"
     "等级变化人数、奖金成本变化、排名相关性、规则计数）；没有任何人的编号、姓名、得分或金额。新规则集的新条件若读取员工"
     "编号或姓名，将被拒绝。"),
    ("diff.--fail-on", "Exit 1 when the change goes beyond a guardrail (repeatable, or comma-separated): cost:+5% (the "
                       "bonus cost rises by more than 5%; cost:-5% falls by more, cost:5% either way, cost:+10000 an "
                       "amount), grade-changes:10% (more than 10% of the people compared change grade; grade-changes:3 "
                       "a count), rank-corr:0.9 (Kendall's tau-b of the scores below 0.9).",
     "变化超出护栏时以退出码 1 结束（可重复，或用逗号分隔）：cost:+5%（奖金成本上升超过 5%；cost:-5% 为下降超过，"
     "cost:5% 为任一方向，cost:+10000 为金额），grade-changes:10%（比较的人中超过 10% 等级变化；"
     "grade-changes:3 为人数），"
     "rank-corr:0.9（得分的 Kendall tau-b 低于 0.9）。"),
    ("explain", "Explain how EMPLOYEE's score, grade and bonus came about in CYCLE.",
     "说明 EMPLOYEE 在 CYCLE 中的得分、等级和奖金是怎样得出的。"),
    ("explain.--locale", "Language of the explanation (default: appraise --lang / APPRAISE_LANG when given, else the "
                         "employee's locale, else the ruleset's).",
     "说明所用的语言（默认：给出时用 appraise --lang / APPRAISE_LANG，否则用员工的 locale，再否则用规则集的）。"),
    ("explain.--store", "Results store for 'previous' (default: the cycle's store).",
     "读取 'previous' 的结果库（默认：周期文件的结果库）。"),
    ("history", "Show EMPLOYEE's score, grade, bonus and ruleset in every stored period.",
     "显示 EMPLOYEE 在每个已存期间的得分、等级、奖金和规则集。"),
    ("history.--store", "Results store (any SQLAlchemy URL); default: the store of --cycle, else sqlite:///appraise.db.",
     "结果库（任意 SQLAlchemy URL）；默认：--cycle 的结果库，否则为 sqlite:///appraise.db。"),
    ("history.--cycle", "Take the store from this cycle file.", "使用此周期文件中的结果库。"),
    ("plugins", "List installed plugins: name, version, hooks, and the providers each adds with their options.",
     "列出已安装的插件：名称、版本、钩子，以及各插件提供的数据源插件及其选项。"),
    ("run", "Run the review cycle CYCLE: validate → read data → evaluate → store → export → render.",
     "运行考核周期 CYCLE：校验 → 读取数据 → 评估 → 存储 → 导出 → 生成页面。"),
    ("run.--output", "Output folder (default: the cycle file's output:).", "输出文件夹（默认：周期文件的 output:）。"),
    ("run.--store", "Results store, any SQLAlchemy URL (default: the cycle file's store:).",
     "结果库，任意 SQLAlchemy URL（默认：周期文件的 store:）。"),
    ("run.--jobs", "Worker processes/threads to use (default: every CPU).",
     "使用的工作进程/线程数（默认：全部 CPU）。"),
    ("run.--only", "Trial run for these employees only (repeatable): nothing is stored; outputs go to <output>-only "
                   "unless --output is given.",
     "只为这些员工试运行（可重复）：不存储任何内容；未给出 --output 时输出写到 <output>-only。"),
    ("run.--no-render", "Skip dashboards, plans and team pages.", "不生成仪表盘、发展计划和团队页面。"),
    ("run.--pages", "Render only the pages of the people whose employees-table COLUMN is VALUE (repeatable, e.g. "
                    "--pages team:north --pages region:east), widened to whole teams; the index lists every team with "
                    "the whole cycle's figures and links the team pages rendered.",
     "仅为员工表中 COLUMN 列等于 VALUE 的人生成页面（可重复，例如 --pages team:north --pages region:east），按整个团队"
     "扩展；总览页列出所有团队及整个周期的数据，只链接已生成的团队页。"),
    ("run.--break-lock", "Remove another run's lock on this cycle first (only when that run is surely gone).",
     "先删除另一次运行对本周期的锁（仅在确认那次运行已不存在时使用）。"),
    ("run.--redact", "Exports to share outside HR: names replaced by ids, no bonus amounts, no pages (the store still "
                     "keeps the full results).",
     "导出供人力资源部以外分享：姓名以编号代替，不含奖金金额，不生成页面（结果库仍保存完整结果）。"),
    ("run.--strict", "Fail (exit 1, nothing stored or written) on any warning or employee error (default: the cycle "
                     "file's strict:).",
     "出现任何警告或员工错误即失败（退出码 1，不存储也不写入任何内容）（默认：周期文件的 strict:）。"),
    ("run.--quiet", "No stage lines on stderr.", "不在 stderr 上输出各阶段信息。"),
    ("schema", "Write ruleset.schema.json, cycle.schema.json, ruleset-test.schema.json and plan.schema.json "
               "(draft-07).",
     "写出 ruleset.schema.json、cycle.schema.json、ruleset-test.schema.json 和 plan.schema.json（draft-07）。"),
    ("schema.--out", "Folder to write ruleset.schema.json, cycle.schema.json, ruleset-test.schema.json and "
                     "plan.schema.json into (created if needed).",
     "写入 ruleset.schema.json、cycle.schema.json、ruleset"
     "-test.schema.json 和 plan.schema.json 的文件夹（需要时创建）。"),
    ("targets", "Break the annual target of PLAN down to units, people and months, exactly.",
     "把 PLAN 的年度目标精确分解到单元、个人和月份。"),
    ("targets.--out", "Folder to write into (default: the plan's output:, else out/targets-<year> beside it).",
     "写入的文件夹（默认：计划的 output:，否则为计划文件旁的 out/targets-<年份>）。"),
    ("targets.--explain", "Show the chain of shares from the company's number down to EMPLOYEE's months; write "
                          "nothing.",
     "显示从公司目标到 EMPLOYEE 各月目标的分配链；不写入任何内容。"),
    ("targets.--diff", "Compare with an earlier version OLD of the plan: who gains or loses target; write nothing.",
     "与计划的早期版本 OLD 比较：谁的目标增加或减少；不写入任何内容。"),
    ("targets.--format", "For --explain (text, json) and --diff (text, markdown, json).",
     "用于 --explain（text、json）和 --diff（text、markdown、json）。"),
    ("targets.--lang", "Language of messages, explanations and the summary (default: APPRAISE_LANG, else the locale). "
                       "The pages are written in both.",
     "提示信息、说明和摘要的语言（默认：APPRAISE_LANG，否则按系统区域设置）。页面两种语言都会生成。"),
    ("targets.--strict", "Refuse to write anything when a check warns; exit 1.",
     "检查出现警告时不写入任何内容；退出码 1。"),
    ("targets.-q", "Print nothing but problems.", "只输出问题。"),
    ("test", "Score the test cases of rulesets through the real engine and compare with what they expect.",
     "用真实引擎对规则集的测试用例评分，并与期望结果比较。"),
    ("test.--format", "text for people; json for scripts; junit (CI test reports); github (Actions annotations).",
     "text 供人阅读；json 用于脚本；junit（CI 测试报告）；github（Actions 注释）。"),
    ("test.--coverage", "Also list which rules, bonus tiers, grades, adjustments and outcomes no test reached.",
     "同时列出没有被任何测试覆盖的规则、奖金档位、等级、加减分项和结果。"),
    ("test.--min-coverage", "Fail (exit 1) when a ruleset's coverage is below PCT percent.",
     "规则集的覆盖率低于 PCT% 时失败（退出码 1）。"),
    ("test.-v", "List passing tests too.", "也列出通过的测试。"),
    ("validate", "Check rulesets and cycle files; every problem is listed with file:line:col.",
     "检查规则集和周期文件；每个问题都以 file:line:col 列出。"),
    ("validate.--format", "text for people; json, github (Actions annotations), sarif or junit for CI.",
     "text 供人阅读；json、github（Actions 注释）、sarif 或 junit 用于 CI。"),
    ("validate.--no-data", "Do not check that the data files, query files and SQLite files cycle files name exist "
                           "(CI without the data).",
     "不检查周期文件所列的数据文件、查询文件和 SQLite 文件是否存在（用于没有数据的 CI）。"),
    ("workshop", "Open a co-design workshop on the weights of CYCLE's ruleset.",
     "就 CYCLE 所用规则集的权重开一个共创工作坊。"),
    ("workshop.--port", "Port to listen on; 0 picks a free one.", "监听的端口；0 表示自动选择空闲端口。"),
    ("workshop.--host", "Also listen on this IP address of this computer (e.g. 192.168.1.20, or 0.0.0.0 for every "
                        "interface) so phones can join; prints a warning about who can reach it. The facilitator's "
                        "page still answers only on this computer.",
     "同时在本机的这个 IP 地址上监听（例如 192.168.1.20，或 0.0.0.0 表示所有网卡），以便手机加入；"
     "会提示哪些人可以访问。"
     "主持人页面仍然只在本机上可用。"),
    ("workshop.--budget", "Bonus budget to compare against (default: the bonus total under the weights the workshop "
                          "starts with).",
     "用于对比的奖金预算（默认：工作坊开始时的权重下的奖金总额）。"),
    ("workshop.--lang", "Interface language (default: appraise --lang / APPRAISE_LANG when given, else the cycle's or "
                        "ruleset's locale).",
     "界面语言（默认：给出时用 appraise --lang / APPRAISE_LANG，否则用周期文件或规则集的 locale）。"),
    ("workshop.--roster", "Who may vote: a CSV with columns id,name; each person gets a signed link of their own.",
     "谁可以投票：含 id,name 列的 CSV；每人得到一个自己的签名链接。"),
    ("workshop.--codes", "A secret ballot: print N one-time codes; everyone opens one voting link (its QR code is on "
                         "the presenter view) and each code casts one ballot.",
     "无记名投票：打印 N 个一次性投票码；所有人打开同一个投票链接（二维码显示在演示视图上），每个投票码投一票。"),
    ("workshop.--links", "Ad-hoc participant links to issue at start, one per person (each holds one vote); the "
                         "facilitator's page issues more.",
     "开始时发放的临时参与者链接，每人一个（每个链接一票）；主持人页面可以再发放。"),
    ("workshop.--store", "Results store that keeps the session and its ballots (default: the cycle's store).",
     "保存工作坊会话及其选票的结果库（默认：周期文件的结果库）。"),
    ("workshop.--no-store", "Keep the ballots in memory only (they end with the workshop).",
     "选票只保存在内存中（工作坊结束即消失）。"),
    ("workshop.--resume", "Reopen a stored session after a restart: its roster links and unspent codes keep working "
                          "and its ballots count.",
     "重启后重新打开已保存的会话：名单链接和未用的投票码仍然有效，已投的票也计入。"),
    ("workshop.--no-browser", "Only print the links; do not open a browser.", "只打印链接；不打开浏览器。"),
    ("workshop.--print-roster", "Write a printable A4 sheet of voting cards (one per roster member, one-time code or "
                                "link: name, QR code, link, code) to FILE.html; the facilitator's page has it too "
                                "(Print cards).",
     "把可打印的 A4 投票卡片（每位名单成员、每个一次性投票码或每个链接一张：姓名、二维码、链接、投票码）写入 "
     "FILE.html；主持人页面也可打印（打印卡片）。"),
    ("workshop.--cards-per-page", "Voting cards per printed A4 page.", "每张 A4 纸打印的投票卡片数。"),
    # click's own words in help pages
    ("click.options", "Options", "选项"), ("click.commands", "Commands", "命令"),
    ("click.help", "Show this message and exit.", "显示此帮助并退出。"),
    ("click.version", "Show the version and exit.", "显示版本并退出。"),
    ("click.default", "default", "默认"), ("click.required", "required", "必填"),
    # the longer paragraphs of each command's --help (session 7, wi18n2): engine/cli.py shows them in Chinese
    # while the English is still the command's (whitespace aside)
    ("run.description",
     "Writes results.json, results.csv, results.xlsx, errors.csv, manifest.json and (unless --no-render) "
     "index.html, dashboards/, plans/ and teams/ to the output folder, and records the run in the results "
     "store, where the next period finds this one as `previous`. Running a cycle again replaces its "
     "current results under its ruleset (earlier runs stay as history; other rulesets of the period are "
     "untouched), writes changes.csv against the run it replaced and lists the stored results that read it"
     " (stale), with the commands that re-run them. Exit status: 0 done, 1 invalid files or data (each "
     "problem listed as file:line:col) or the cycle is being run elsewhere, 2 usage error.",
     "把 results.json、results.csv、results.xlsx、errors.csv"
     "、manifest.json 以及（除非加 --no-render）index.html、dashb"
     "oards/、plans/ 和 teams/ 写入输出文件夹，并把本次运行记入结果库，下一期会把它当"
     "作 `previous` 读取。再次运行一个周期会替换它在该规则集下的当前结果（之前的运行作为历史保"
     "留；同一期间的其他规则集不受影响），对照被替换的那次运行写出 changes.csv，并列出读取了它"
     "的已存结果（已过期）以及重新运行它们的命令。\n\n退出码：0 完成；1 文件或数据无效（每个问题以 f"
     "ile:line:col 列出）或该周期正在别处运行；2 用法错误。"),
    ("validate.description",
     "PATH is a file or a folder (searched for *.yaml and *.yml; YAML files that are neither rulesets nor "
     "cycle files, such as OKR data, are skipped). Exit status: 0 valid, 1 problems found, 2 usage error.",
     "PATH 是文件或文件夹（在其中查找 *.yaml 和 *.yml；既不是规则集也不是周期文件的 Y"
     "AML 文件，例如 OKR 数据，会被跳过）。退出码：0 有效；1 发现问题；2 用法错误。"),
    ("explain.description",
     "Shows every actual, target, attainment, curve and weight (and which rule changed it, and why its "
     "condition held), redistribution of missing data, adjustments, rounding, grade, calibration, the "
     "bonus step by step (target period, employed share, what sub-periods already paid), overrides, the "
     "sub-period scores of a ``periods:`` dimension, outcomes and focus areas, and what is within reach: the "
     "next grade, the next bonus tier and why the bonus changed since the previous period. Nothing is written.",
     "显示每个实际值、目标、达成率、曲线和权重（以及哪条规则改变了它、其条件为何成立）、缺失数据的权重再分"
     "配、加减分、舍入、等级、校准、逐步计算的奖金（目标期间、在职比例、各子期间已支付的部分）、人工调整、"
     "``periods:`` 维度的各子期间得分、结果（outcomes）和重点提升领域，以及下一步可达成的内容：下一等级、"
     "下一奖金档位，以及奖金与上一期相比变化的原因。不写入任何内容。"),
    ("history.description",
     "Periods are listed by end date, a longer period after the shorter ones it contains (2026-Q4, then "
     "2026). Only the current run of each period and ruleset counts (a re-run replaces the earlier one); a"
     " period appraised by several rulesets shows each. Results that read a run since replaced (previous, "
     "periods:, net_of) are marked stale, with the command that re-runs them. Exit status: 0 found, 1 "
     "nothing stored for EMPLOYEE, 2 usage error.",
     "期间按结束日期排列，较长的期间排在它所包含的较短期间之后（先 2026-Q4，再 2026）。每个期"
     "间和规则集只计当前的那次运行（重新运行会替换之前的）；由多个规则集考核的期间会分别显示。读取了已被替"
     "换的运行的结果（previous、periods:、net_of）标为已过期，并附上重新运行它们的命"
     "令。退出码：0 找到；1 没有 EMPLOYEE 的已存结果；2 用法错误。"),
    ("diff.description",
     "Per employee: score, grade and bonus deltas; the grade migration matrix; the total bonus cost delta "
     "(exact decimals); Kendall's tau-b of the scores; the biggest movers; the rules whose firing changed;"
     " each --fail-on guardrail. Nothing is written and the results store is not read (conditions on "
     "previous.* are false in both runs). Exit status: 0 compared (every guardrail held), 1 a guardrail "
     "failed (each named on stderr), 2 usage error or invalid ruleset, cycle or data.",
     "按员工列出得分、等级和奖金的变化；等级迁移矩阵；奖金总成本的变化（精确小数）；得分的 Kendall"
     " tau-b；变化最大的人；触发情况改变的规则；每条 --fail-on 护栏。不写入任何内容，也不"
     "读取结果库（previous.* 上的条件在两次运行中都为假）。\n\n退出码：0 已比较（所有护栏都满"
     "足）；1 有护栏未满足（每条都在 stderr 中指明）；2 用法错误，或规则集、周期或数据无效。"),
    ("targets.description",
     "Writes targets.csv (employee, month, quota: a cycle reads it as a metric source), units.csv, "
     "targets.xlsx, index.html and index.zh-CN.html, warnings.csv and manifest.json. Every level's parts "
     "add up exactly to their whole. Exit status: 0 written, 1 invalid plan or data (each problem at "
     "file:line:col) or a warning under --strict, 2 usage error.",
     "写出 targets.csv（employee、month、quota：周期文件可把它作为指标数据源"
     "读取）、units.csv、targets.xlsx、index.html 和 index.zh-C"
     "N.html、warnings.csv 以及 manifest.json。每一层的各部分都精确地加总"
     "为其整体。退出码：0 已写出；1 计划或数据无效（每个问题在 file:line:col）或在 --"
     "strict 下有警告；2 用法错误。"),
    ("workshop.description",
     "The facilitator moves dimension and KPI weights and sees every change re-scored over the whole "
     "population (grades, bonus cost against the budget, mean scores by team, region and tenure). The "
     "presenter link is for the projector: no names, no individual figures, groups of at least "
     "privacy.min_group people. Participants vote with a signed link each (--roster), a one-time code each"
     " for a secret ballot (--codes), or ad-hoc links (--links); they see only the weights. Ballots are "
     "kept in the cycle's results store with the ruleset version. The median proposal can be adopted "
     "(whole numbers) and saved into the ruleset file (comments and layout kept, version bumped, validated"
     " before writing), with the tally exported beside it. The server listens on 127.0.0.1 unless --host "
     "says otherwise; every link carries an access token.",
     "主持人调整维度和 KPI 的权重，每次改动都会对全体人员重新评分（等级、奖金成本与预算的对比、按团队"
     "、地区和司龄的平均分）。演示链接用于投影：没有姓名、没有个人数据，每组至少 privacy.min_"
     "group 人。参与者各用一个签名链接投票（--roster），或为无记名投票各用一个一次性投票码（"
     "--codes），或用临时链接（--links）；他们只能看到权重。选票与规则集版本一起保存在周期的"
     "结果库中。可以采纳中位数提案（取整数），并保存到规则集文件中（保留注释和排版，提升版本号，写入前先校"
     "验），计票结果导出在旁边。服务器监听 127.0.0.1，除非 --host 另有指定；每个链接都带"
     "有访问令牌。"),
    ("test.description",
     "PATH is a test file or a folder (its *.test.yaml files and the YAML files in folders named tests); "
     "default rulesets/tests/, else every *.test.yaml here. Each failing expectation is shown at "
     "file:line:col with expected and actual values; the last line reads 'N passed, N failed'. Without "
     "PATH, a repository with no tests yet passes with a notice (so the pre-commit hook does not block its"
     " first commits); a PATH that holds no test files is a usage error. Exit status: 0 all passed (or no "
     "tests yet), 1 a test failed (or coverage below --min-coverage), 2 usage error or invalid test file.",
     "PATH 是测试文件或文件夹（其中的 *.test.yaml 文件，以及名为 tests 的文件夹中"
     "的 YAML 文件）；默认为 rulesets/tests/，否则为此处的所有 *.test.yam"
     "l。每个未通过的期望都在 file:line:col 显示期望值和实际值；最后一行为 'N pass"
     "ed, N failed'。不给 PATH 时，还没有测试的仓库会通过并给出提示（这样 pre-co"
     "mmit 钩子不会挡住最初的提交）；给出的 PATH 中没有测试文件则是用法错误。退出码：0 全部通"
     "过（或还没有测试）；1 有测试未通过（或覆盖率低于 --min-coverage）；2 用法错误或测"
     "试文件无效。"),
    ("plugins.description",
     "APPRAISE_PLUGINS=name,name restricts which third-party plugins load (empty: none; built-ins always "
     "load).",
     "APPRAISE_PLUGINS=name,name 限定加载哪些第三方插件（为空：一个都不加载；内"
     "置插件总会加载）。"),
    ("schema.description",
     "Point your editor at them with a modeline on the first line of a file: # yaml-language-server: "
     "$schema=schemas/ruleset.schema.json",
     "在文件第一行写一个 modeline，让编辑器使用它们： # yaml-language-serve"
     "r: $schema=schemas/ruleset.schema.json"),
)


def help_text(key: str, english: str, locale: str) -> str:
    """The --help text ``key`` of :data:`HELP` in ``locale`` while its English is ``english`` (whitespace aside);
    a text in both languages ("... / 中文") shows its Chinese half; else ``english`` unchanged."""
    if locale == DEFAULT_LOCALE:
        return english
    entry = HELP.get(key)
    if entry is not None and " ".join(entry["en"].split()) == " ".join(english.split()):
        return _pick(entry, locale)
    head, sep, tail = english.rpartition(" / ")
    if sep and _CJK.search(tail) and not _CJK.search(head):
        return tail
    return english


@cache
def _descriptions(locale: str) -> dict[str, str]:
    """English description -> its ``locale`` text, from every JSON Schema that ships with appraise
    (``x-description-<locale>`` beside ``description``) and from :data:`PLUGIN_OPTIONS`."""
    import json
    from importlib import resources

    found: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            english, own = node.get("description"), node.get(f"x-description-{locale}")
            if isinstance(english, str) and isinstance(own, str) and own:
                found.setdefault(english.rstrip("."), own.rstrip("。"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    folder = resources.files("appraise.schemas")
    for item in folder.iterdir():
        if item.name.endswith(".schema.json"):
            walk(json.loads(item.read_text(encoding="utf-8")))
    for entry in PLUGIN_OPTIONS.values():
        english = entry["en"].replace("{{", "{").replace("}}", "}")
        found.setdefault(english.rstrip("."), _pick(entry, locale).replace("{{", "{").replace("}}", "}").rstrip("。"))
    return found


def system_error(text: str, locale: str, *, _depth: int = 0) -> str:
    """An error text of another program (PyYAML, the operating system, a database driver) in ``locale``, when one
    template of :data:`SYSTEM_ERRORS` matches all of it; its ``{error}`` part is translated the same way, every other
    part kept as written.  Unchanged otherwise: a message no template knows is shown as the program wrote it."""
    if locale == DEFAULT_LOCALE or not text or _depth > 4:
        return text
    for rx, names, entry in _system_compiled():
        m = rx.match(text)
        if m is not None:
            values = {n: system_error(m.group(n), locale, _depth=_depth + 1) if n == "error" else m.group(n)
                      for n in names}
            return _pick(entry, locale).format(**values)
    return text


@cache
def _system_compiled() -> list:
    import re
    import string

    out = []
    for entry in SYSTEM_ERRORS.values():
        pattern, names, literal = "", [], 0
        for text, name, _spec, _conv in string.Formatter().parse(entry["en"]):
            pattern += re.escape(text)
            literal += len(text)
            if name is not None:
                pattern += f"(?P<{name}>.+?)"
                names.append(name)
        out.append((-literal, re.compile(pattern + r"\Z", re.S), names, entry))
    out.sort(key=lambda t: t[0])
    return [t[1:] for t in out]


CLI.update(_entries(
    # appraise validate / appraise test
    ("validate.no_paths", "give at least one file or folder, e.g. appraise validate rulesets/",
     "请至少给出一个文件或文件夹，例如 appraise validate rulesets/"),
    ("validate.no_such", "no such file or folder: {paths}", "没有这个文件或文件夹：{paths}"),
    ("validate.no_data_note", "note: the data files cycle files name are checked to exist; where the data is not at "
                              "hand (CI), run appraise validate --no-data",
     "注意：周期文件所列的数据文件会被检查是否存在；在没有数据的环境（CI）中，请运行 appraise validate --no-data"),
    ("validate.plugins_broken", "warning: provider options not checked: {error}",
     "警告：未检查数据源插件的选项：{error}"),
    ("test.no_files", "no test files found; give a file or folder, e.g. appraise test rulesets/tests/",
     "没有找到测试文件；请给出文件或文件夹，例如 appraise test rulesets/tests/"),
    ("test.none_yet", "notice: no ruleset tests yet (none in rulesets/tests/, no *.test.yaml files): nothing to run; "
                      "add some to have every change to a ruleset tested (README: Ruleset tests)",
     "提示：还没有规则集测试（rulesets/tests/ 中没有，也没有 *.test.yaml 文件）：无可运行；添加测试后，规则集的每次"
     "修改都会经过测试（见 README：Ruleset tests）"),
))

CLI.update(_entries(
    ("error", "error: {message}", "错误：{message}"),
    # appraise run
    ("run.pages_none", "--pages chooses which pages to render; {option} renders none",
     "--pages 用于选择要生成的页面，而 {option} 不生成任何页面"),
    ("run.nothing_written", "{n} errors; nothing was written", "共 {n} 处错误；未写入任何内容"),
    ("run.nothing_written_one", "{n} error; nothing was written", "共 {n} 处错误；未写入任何内容"),
    ("run.store_failed", "error: the results store{where} failed: {error}; no results were made current. Check that "
                         "the database is reachable, then run the cycle again",
     "错误：结果库{where}出错：{error}；没有结果成为当前结果。请确认数据库可以访问，然后重新运行本周期"),
    ("run.stages", "stages: {times}", "各阶段用时：{times}"),
    ("run.cpu", "cpu: {times}", "各阶段 CPU 时间：{times}"),
    ("run.employee_error", "{employee}: {stage}: error: {message}", "{employee}: {stage}: 错误: {message}"),
    ("run.warning", "warning: {message}", "警告：{message}"),
    ("run.ruleset_changed", "  ruleset:     changed since run {run} ({ruleset} {before} → {after}): this period is "
                            "now scored by the new rules, and later runs read these results (net_of deducts these "
                            "bonuses, not run {run}'s)",
     "  规则集：    自运行 {run} 以来已更改（{ruleset} {before} → {after}）：本期间现按新规则计算，之后的运行读取的是"
     "这些结果（net_of 扣减的是这些奖金，而不是运行 {run} 的奖金）"),
    ("run.appraised", "{cycle}: {n} employees appraised ({ruleset})", "{cycle}：已考核 {n} 名员工（{ruleset}）"),
    ("run.appraised_one", "{cycle}: {n} employee appraised ({ruleset})", "{cycle}：已考核 {n} 名员工（{ruleset}）"),
    ("run.not_covered", "; {n} not covered by its scorecards", "；另有 {n} 人不在其评分卡范围内"),
    ("run.grades", "  grades:      {grades}", "  等级分布：  {grades}"),
    ("run.bonus_total", "  bonus total: {amount}", "  奖金总额：  {amount}"),
    ("run.mixed_versions", "  read:        {ruleset} in more than one version: {versions}; each period as it was "
                           "scored",
     "  读取：      {ruleset} 的多个版本：{versions}；各期间按其当时的计算结果读取"),
    ("run.version_periods", "{version} ({periods})", "{version}（{periods}）"),
    ("run.bonus_null", "; {n} without a bonus (null: no target bonus or no attainment; see results.csv)",
     "；另有 {n} 人无奖金（空值：缺少目标奖金或达成率；见 results.csv）"),
    ("run.errors", "  errors:      {n}", "  错误：      {n}"),
    ("run.see", " (see {path})", "（见 {path}）"),
    ("run.skipped", ", {n} employees skipped", "，跳过 {n} 名员工"),
    ("run.warnings", "  warnings:    {n}", "  警告：      {n}"),
    ("run.warnings_see", " (see {path}; --strict makes them fail the run)",
     "（见 {path}；加 --strict 时警告会使运行失败）"),
    ("run.results", "  results:     {path}/ (results.json, results.csv, results.xlsx, manifest.json)",
     "  结果：      {path}/（results.json、results.csv、results.xlsx、manifest.json）"),
    ("run.pages", "  pages:       {index} ({n} pages; dashboards in {dashboards}/)",
     "  页面：      {index}（共 {n} 页；仪表盘在 {dashboards}/）"),
    ("run.store", "  store:       run {run}, now current for {cycle} ({ruleset})",
     "  结果库：    运行 {run}，现为 {cycle}（{ruleset}）的当前结果"),
    ("run.replacing", ", replacing run {run}", "，取代运行 {run}"),
    ("run.store_trial", "  store:       not written (--only is a trial run)",
     "  结果库：    未写入（--only 为试运行）"),
    ("run.changes", "  changes:     {n} people changed against run {run} (see {path})",
     "  变化：      与运行 {run} 相比有 {n} 人变化（见 {path}）"),
    ("run.changes_one", "  changes:     {n} person changed against run {run} (see {path})",
     "  变化：      与运行 {run} 相比有 {n} 人变化（见 {path}）"),
    ("run.stale", "  stale:       {n} stored results read results that have changed since; re-run, in this order:",
     "  已过期：    {n} 个已存结果读取的结果此后有变化；请按以下顺序重新运行："),
    ("run.stale_one", "  stale:       {n} stored result read results that have changed since; re-run, in this order:",
     "  已过期：    {n} 个已存结果读取的结果此后有变化；请按以下顺序重新运行："),
))

CLI.update(_entries(
    # appraise history (and the stale results appraise run lists)
    ("history.header", "cycle       score  grade         bonus  ruleset",
     "周期         得分  等级          奖金  规则集"),
    ("history.stale_mark", "  (stale)", "  （已过期）"),
    ("history.stale", "stale: these results read results that have changed since; re-run, in this order:",
     "已过期：这些结果读取的结果此后有变化；请按以下顺序重新运行："),
    ("history.none", "no results stored for '{employee}' in {store}", "{store} 中没有 '{employee}' 的结果"),
    ("history.none_hint", "; that is the default store of this folder: give --cycle CYCLE.yaml to read the store a "
                          "cycle writes to, or --store URL",
     "；这是当前目录的默认结果库：请用 --cycle CYCLE.yaml 读取周期文件所用的结果库，或用 --store URL 指定"),
    ("history.rerun_unknown", "appraise run <its cycle file>", "appraise run <其周期文件>"),
    ("stale.what", "{cycle} of {ruleset} ({reads})", "{ruleset} 的 {cycle}（{reads}）"),
    ("stale.itself", "{what}, which is stale itself", "{what}，它本身也已过期"),
    ("stale.new", "{what}, which had no run then and has run {now} now", "{what}，当时没有运行，现在有运行 {now}"),
    ("stale.gone", "{what}: run {read}, no longer current", "{what}：运行 {read}，已不是当前结果"),
    ("stale.replaced", "{what}: run {read}, since replaced by run {now}",
     "{what}：运行 {read}，此后已被运行 {now} 取代"),
    ("stale.line", "{cycle} ({ruleset}, run {run}) read {why} → {rerun}",
     "{cycle}（{ruleset}，运行 {run}）读取了 {why} → {rerun}"),
    ("stale.dimension", "dimension {name}", "维度 {name}"),
))

CLI.update(_entries(
    # appraise explain, workshop, plugins
    ("explain.not_covered", "error: no scorecard of ruleset '{ruleset}' applies to '{employee}' in {cycle} (not "
                            "covered: another ruleset appraises them)",
     "错误：规则集 '{ruleset}' 没有适用于 {cycle} 中 '{employee}' 的评分卡（不在范围内：由其他规则集考核）"),
    ("explain.stale", "note: the stored result of this period is stale; it is worked out here from the store as it "
                      "is now, which may differ from what was stored and paid (stored for {employee}: score {score}, "
                      "grade {grade}, bonus {bonus}):",
     "注意：本期间已存的结果已过期；此处按结果库当前的内容重新推算，可能与已存并已发放的结果不同（{employee} 的已存"
     "结果：得分 {score}，等级 {grade}，奖金 {bonus}）："),
    ("explain.no_employee", "error: no employee '{employee}' in {cycle} (not in the employee table, or not employed "
                            "during the period)",
     "错误：{cycle} 中没有员工 '{employee}'（不在员工表中，或考核期内未在职）"),
    ("workshop.not_amount", "'{value}' is not an amount; write e.g. 1200000", "“{value}”不是金额；请写如 1200000"),
    ("workshop.budget", "the budget is an amount of 0 or more", "预算是不小于 0 的金额"),
    ("workshop.listen", "error: cannot listen on {host}:{port}: {error}",
     "错误：无法在 {host}:{port} 上监听：{error}"),
    ("plugins.builtin", "built-in", "内置"),
    ("plugins.third_party", "third-party", "第三方"),
    ("plugins.plugin", "{name} {version} ({origin})  hooks: {hooks}", "{name} {version}（{origin}）  钩子：{hooks}"),
    ("plugins.provider", "  provider {name}  kinds: {kinds} (default {default})",
     "  数据源插件 {name}  数据类型：{kinds}（默认 {default}）"),
    ("plugins.required", " (required)", "（必填）"),
))

CLI.update(_entries(
    # appraise diff: the report
    ("diff.old", "old", "原"), ("diff.new", "new", "新"), ("diff.change", "change", "变化"),
    ("diff.mean_score", "Mean score", "平均得分"),
    ("diff.total_bonus", "Total bonus ({currency})", "奖金总额（{currency}）"),
    ("diff.grades_changed", "Grades changed", "等级变化人数"),
    ("diff.n_of", "{n} of {total}", "{total} 人中 {n} 人"),
    ("diff.rank_corr", "Rank correlation (Kendall's τ-b)", "排名相关性（Kendall τ-b）"),
    ("diff.tau_none", "undefined (fewer than 2 distinct scores)", "无定义（不同得分少于 2 个）"),
    ("diff.undefined", "undefined", "无定义"),
    ("diff.md.cycle", "Cycle `{cycle}` ({period}): {n} employees scored under both rulesets.",
     "周期 `{cycle}`（{period}）：{n} 名员工在两个规则集下均已评分。"),
    ("diff.md.redacted", "Cycle `{cycle}` ({period}), redacted.", "周期 `{cycle}`（{period}），已脱敏。"),
    ("diff.md.migration_title", "Grade migration", "等级迁移"),
    ("diff.md.migration_axes", "(rows: old grade, columns: new grade)", "（行：原等级，列：新等级）"),
    ("diff.old_new", "old \\ new", "原 \\ 新"), ("diff.total", "total", "合计"),
    ("diff.md.movers", "**Biggest movers** (top {n} by score change)", "**变化最大的员工**（按得分变化取前 {n} 名）"),
    ("diff.employee", "Employee", "员工"), ("diff.score", "Score", "得分"), ("diff.d_score", "Δ score", "Δ 得分"),
    ("diff.grade", "Grade", "等级"), ("diff.bonus", "Bonus ({currency})", "奖金（{currency}）"),
    ("diff.d_bonus", "Δ bonus", "Δ 奖金"),
    ("diff.no_score_changed", "No score changed.", "没有得分发生变化。"),
    ("diff.md.rules_title", "Rules whose firing changed", "生效情况发生变化的规则"),
    ("diff.rule", "Rule", "规则"), ("diff.fired", "Fired old → new", "生效人数 原 → 新"),
    ("diff.gained", "Gained", "新增"), ("diff.lost", "Lost", "减少"),
    ("diff.removed", "removed", "已删除"), ("diff.added", "added", "新加"),
    ("diff.same_rules", "Every rule fired for the same employees.", "每条规则生效的员工都没有变化。"),
    ("diff.md.note", "> Note: {note}.", "> 注：{note}。"),
    ("diff.text.head", "appraise diff {old} -> {new} on {cycle} ({period}): {n} employees in both",
     "appraise diff {old} -> {new}，周期 {cycle}（{period}）：两边共有 {n} 名员工"),
    ("diff.text.redacted", "appraise diff {old} -> {new} on {cycle} ({period}), redacted",
     "appraise diff {old} -> {new}，周期 {cycle}（{period}），已脱敏"),
    ("diff.text.mean", "mean score: {old} -> {new}", "平均得分：{old} -> {new}"),
    ("diff.text.bonus", "total bonus ({currency}): {old} -> {new} (delta {delta})",
     "奖金总额（{currency}）：{old} -> {new}（变化 {delta}）"),
    ("diff.text.grades", "grades changed: {n} of {total}", "等级变化：{total} 人中 {n} 人"),
    ("diff.text.tau", "Kendall's tau-b of scores: {tau}", "得分的 Kendall τ-b：{tau}"),
    ("diff.text.migration", "grade migration (rows old, columns new):", "等级迁移（行为原等级，列为新等级）："),
    # an incentive plan's components (engine/tools/incentive_diff.py)
    ("diff.plan.title", "Plan components", "计划组件"),
    ("diff.plan.cost", "(cost in {currency}, exact)", "（成本，{currency}，精确值）"),
    ("diff.plan.component", "Component", "组件"),
    ("diff.plan.changed", "people paid differently", "支付有变化的人数"),
    ("diff.plan.text_title", "plan components (cost in {currency}):", "计划组件（成本，{currency}）："),
    ("diff.plan.text_line", "  {component}: {old} -> {new} ({delta}); {n} paid differently",
     "  {component}：{old} -> {new}（{delta}）；{n} 人支付有变化"),
    ("diff.text.employees", "employees (score, grade, bonus):", "员工（得分、等级、奖金）："),
    ("diff.text.movers", "biggest movers: {movers}", "变化最大：{movers}"),
    ("diff.text.rules", "rules whose firing changed:", "生效情况发生变化的规则："),
    ("diff.text.same_rules", "every rule fired for the same employees", "每条规则生效的员工都没有变化"),
    ("diff.text.rule", "  {id}{tag}: fired {old} -> {new}; gained {gained}; lost {lost}",
     "  {id}{tag}：生效 {old} -> {new}；新增 {gained}；减少 {lost}"),
    ("diff.text.rule_redacted", "  {id}{tag}: fired {old} -> {new}", "  {id}{tag}：生效 {old} -> {new}"),
    ("diff.text.note", "note: {note}", "注：{note}"),
    ("diff.hidden_count", "< {k} or hidden", "< {k} 或不予显示"),
    ("diff.compared", "Employees compared", "比较的员工"),
    ("diff.only_old", "Appraised only under the old ruleset", "仅在原规则集下考核"),
    ("diff.only_new", "Appraised only under the new ruleset", "仅在新规则集下考核"),
    ("diff.left_out_for_data_errors", "Left out of both runs for data errors", "因数据错误两边均未考核"),
    ("diff.bonus_change", "Total bonus change ({currency})", "奖金总额变化（{currency}）"),
    ("diff.bonus_hidden", "fewer than {k} people's bonus changed: hidden", "奖金变化的人少于 {k} 人：不予显示"),
    ("diff.redaction_note", "Redacted for readers outside HR: aggregates only (no ids, names, scores or amounts of "
                            "anyone); a count is shown only when it and the rest are groups of at least {k} people "
                            "(privacy.min_group), and x marks a hidden migration cell (1 to {below} people, or one "
                            "that would give such a cell away)",
     "已为人力资源部以外的读者脱敏：只有汇总数据（没有任何人的编号、姓名、得分或金额）；人数只有在其本身和其余部分都"
     "至少 {k} 人时才显示（privacy.min_group），x 表示不予显示的迁移单元格（1 至 {below} 人，或会泄露此类单元格的"
     "单元格）"),
))


# ---------------------------------------------------------------------------------------------------------------
# Messages of the rule files' loader and validator (full-width punctuation, percent signs), of the excel provider
# (title rows above the header) and the labels of results.xlsx: issue 18, package w18c.  Each in both languages;
# :func:`say` words one in the language of the command line's messages (:func:`message_locale`).

INPUT_MESSAGES: dict[str, dict[str, str]] = {
    # a YAML file typed with a Chinese keyboard
    "yaml.fullwidth": {
        "en": "full-width '{char}' ({name}, typed with a Chinese keyboard) where YAML needs the ASCII '{ascii}'",
        "zh-CN": "此处是{name}“{char}”（中文输入法），YAML 需要半角的“{ascii}”"},
    "fix.write": {"en": "write: {fixed}", "zh-CN": "请切换到英文输入法，改为：{fixed}"},
    "value.fullwidth": {
        "en": "it has the {name} '{char}' (typed with a Chinese keyboard) where '{ascii}' is meant; write: {fixed}",
        "zh-CN": "其中有{name}“{char}”（中文输入法），应为半角的“{ascii}”；请改为：{fixed}"},
    "expr.fullwidth": {
        "en": "full-width '{char}' ({name}, typed with a Chinese keyboard) where the expression needs '{ascii}'",
        "zh-CN": "表达式中有{name}“{char}”（中文输入法），应为半角的“{ascii}”"},
    # a percent sign where a number is meant: the fix depends on what the number is
    "percent.weight": {"en": "weights are points (the weights side by side add up to 100): write {number}, not {text}",
                       "zh-CN": "权重以分值表示（同级权重合计 100）：请写 {number}，不要写 {text}"},
    "percent.points": {"en": "points of weight are points, not a share: write {number}, not {text}",
                       "zh-CN": "调整的权重以分值表示，不是比例：请写 {number}，不要写 {text}"},
    "percent.score": {"en": "scores are points (100 = the target met): write {number}, not {text}",
                      "zh-CN": "得分以分值表示（100 = 达成目标）：请写 {number}，不要写 {text}"},
    "percent.adjustment": {"en": "an adjustment is points added to the score: write {number}, not {text}",
                           "zh-CN": "加减分以分值表示，直接加到总分上：请写 {number}，不要写 {text}"},
    "percent.share": {"en": "a share is a fraction: write {fraction} for {text}",
                      "zh-CN": "比例请写成小数：{text} 写作 {fraction}"},
    "percent.attainment": {"en": "attainment is a fraction of the target (1.0 = 100%): write {fraction} for {text}",
                           "zh-CN": "达成率请写成目标的倍数（1.0 = 100%）：{text} 写作 {fraction}"},
    "percent.factor": {"en": "a factor is a plain number (1.0 = 100%): write {fraction} for {text}",
                       "zh-CN": "系数请写成数字（1.0 = 100%）：{text} 写作 {fraction}"},
    "percent.ratio": {"en": "'{name}' is a ratio, a fraction: write {fraction} for {text}",
                      "zh-CN": "“{name}”是比率，请写成小数：{text} 写作 {fraction}"},
    "percent.in_unit": {
        "en": "a target is in its KPI's unit ({unit}), so '{name}' cannot be {text}; for {text} of another figure "
              "write an expression such as {example}",
        "zh-CN": "目标值使用指标自身的单位（{unit}），“{name}”不能是 {text}；如要表示另一数值的 {text}，"
                 "请写表达式，例如 {example}"},
    "percent.kpi_value": {"en": "write it in its metric's unit: {fraction} for {text} if it is a ratio, {number} if "
                                "it is in percent",
                          "zh-CN": "请使用指标自身的单位：比率 {text} 写作 {fraction}，百分数单位写作 {number}"},
    "percent.in_percent": {"en": "'{name}' is in percent (95 = 95 %): write {number}, without '%'",
                           "zh-CN": "“{name}”以百分数为单位（95 = 95%）：请写 {number}，不要加“%”"},
    "percent.number": {"en": "write the number without '%': {fraction} for a share of {text}, {number} for points",
                       "zh-CN": "请去掉“%”：比例 {text} 写作 {fraction}，分值写作 {number}"},
    "expr.percent": {"en": "'{text}' is not a number: rule files have no '%' sign",
                     "zh-CN": "“{text}”不是数字：规则文件中不能使用“%”"},
    "fix.example": {"en": "{advice}: {fixed}", "zh-CN": "{advice}：{fixed}"},
    # an Excel sheet whose table does not start on its first row
    "excel.title_row": {
        "en": "row {row} looks like a title above the table ('{title}'{merged}), not its header: the table's columns "
              "start on row {header}",
        "zh-CN": "第 {row} 行看起来是表格上方的标题（“{title}”{merged}），不是表头：表格的列从第 {header} 行开始"},
    "excel.merged": {"en": ", one cell merged across {range}", "zh-CN": "，{range} 为合并单元格"},
    "excel.title_row.hint": {
        "en": "say where the header is on this source in the cycle file: header_row: {header} (or skip_rows: {skip})",
        "zh-CN": "请在周期文件的此数据源中注明表头所在行：header_row: {header}（或 skip_rows: {skip}）"},
    "excel.header_row_empty": {"en": "header_row: {row}, but row {row} of the sheet is empty",
                               "zh-CN": "header_row 为 {row}，但工作表第 {row} 行是空的"},
    "excel.header_row_empty.hint": {
        "en": "name the row that holds the column names, numbered as Excel shows it",
        "zh-CN": "请填写列名所在的行号（与 Excel 显示的行号一致）"},
    "excel.header_row_beyond": {"en": "header_row: {row}, but the sheet has only {rows} rows",
                                "zh-CN": "header_row 为 {row}，但工作表只有 {rows} 行"},
    "excel.header_row_beyond.hint": {"en": "name the row that holds the column names, numbered as Excel shows it",
                                     "zh-CN": "请填写列名所在的行号（与 Excel 显示的行号一致）"},
    "excel.skipped_all": {"en": "skip_rows: {skip} leaves no header: the sheet is empty after row {skip}",
                          "zh-CN": "skip_rows 为 {skip}，跳过后没有表头：第 {skip} 行之后全是空行"},
    "excel.skipped_all.hint": {"en": "skip only the rows above the header (a title, notes)",
                               "zh-CN": "只跳过表头上方的行（标题、说明）"},
    "csv.utf16_no_bom": {
        "en": "file looks like UTF-16 text without a byte-order mark (every other byte is 0), which cannot be told "
              "apart from other encodings for sure",
        "zh-CN": "文件看起来是不带字节顺序标记（BOM）的 UTF-16 文本（每隔一个字节为 0），无法可靠地判断其编码"},
    "csv.utf16_no_bom.hint": {
        "en": "save it as 'CSV UTF-8', or say {option} on this source in the cycle file (little-endian, as Windows "
              "writes it)",
        "zh-CN": "请另存为“CSV UTF-8”，或在周期文件的此数据源中注明 {option}（小端序）"},
    "excel.merged_cells": {
        "en": "cells {range} are merged: Excel shows the value of {first} across them, but the other cells are empty "
              "and would be read as missing",
        "zh-CN": "单元格 {range} 已合并：Excel 在整个区域显示 {first} 的值，但其余单元格实际为空，会被当作缺失值读取"},
    "excel.merged_cells.hint": {
        "en": "unmerge the cells and give every row its own value (in Excel: Merge & Center > Unmerge Cells, then "
              "fill the empty cells)",
        "zh-CN": "请取消合并，并为每一行填入自己的值（Excel：合并后居中 > 取消单元格合并，再填满空单元格）"},
    "excel.formula_unsaved": {
        "en": "cell {cell} holds a formula ({formula}) but no saved value: the workbook was written by a program and "
              "never calculated, so the value Excel would show is not in the file",
        "zh-CN": "单元格 {cell} 是公式（{formula}），但没有保存的计算结果：该工作簿由程序生成、从未计算过，"
                 "文件中没有 Excel 会显示的值"},
    "excel.formula_unsaved.hint": {
        "en": "open the workbook in Excel (or LibreOffice) and save it, so every formula's value is stored; or write "
              "the values instead of formulas",
        "zh-CN": "请用 Excel（或其他电子表格软件）打开并保存该工作簿，使每个公式的计算结果都保存下来；"
                 "或直接填写数值而非公式"},
    "excel.hidden_first_sheet": {
        "en": "the workbook's first sheet, '{sheet}', is hidden in Excel; appraise does not guess which sheet is "
              "meant",
        "zh-CN": "工作簿的第一个工作表“{sheet}”在 Excel 中是隐藏的；本程序不会猜测要读取哪个工作表"},
    "excel.hidden_first_sheet.hint": {
        "en": "name the sheet to read on this source in the cycle file, e.g. {option}",
        "zh-CN": "请在周期文件的此数据源中注明要读取的工作表，例如 {option}"},
    "excel.narrow_header.hint": {
        "en": "row {header} is taken as the header and names {count} columns; if it is a title or a note above the "
              "table, say where the header is on this source in the cycle file: header_row: {guess}",
        "zh-CN": "第 {header} 行被当作表头，只有 {count} 个列名；如果它是表格上方的标题或说明，请在周期文件的此数据源中"
                 "注明表头所在行：header_row: {guess}"},
}


def message_locale() -> str:
    """The language of command-line messages: the one ``appraise --lang`` chose for this command
    (:func:`set_message_locale`), else ``APPRAISE_LANG``, else the environment's locale (:func:`cli_locale`)."""
    return _message_locale or cli_locale()


_message_locale: str | None = None


def set_message_locale(locale: str | None) -> None:
    """The language an ``appraise`` command chose (``--lang``), for messages made deep in the engine (the loader,
    the providers); None again when the command ends."""
    global _message_locale
    _message_locale = locale


# results.xlsx: its sheets' names, column headers and summaries (the cells themselves are the results' values)
XLSX_LABELS: dict[str, dict[str, str]] = {
    "sheet.summary": {"en": "Summary", "zh-CN": "概览"},
    "sheet.teams": {"en": "Teams", "zh-CN": "团队汇总"},
    "title": {"en": "{title}: {cycle}", "zh-CN": "{title}：{cycle}"},
    "cycle": {"en": "Cycle", "zh-CN": "考核周期"},
    "ruleset": {"en": "Ruleset", "zh-CN": "考核规则"},
    "employees": {"en": "Employees appraised", "zh-CN": "考核人数"},
    "errors": {"en": "Errors", "zh-CN": "错误数"},
    "bonus_total": {"en": "Bonus total", "zh-CN": "奖金总额"},
    "currency": {"en": "Currency", "zh-CN": "币种"},
    "redacted": {"en": "Redacted export: names replaced by ids, no pay, no KPI actuals or targets",
                 "zh-CN": "脱敏导出：姓名以员工编号代替，不含薪酬及指标实际值、目标值"},
    "grades": {"en": "Grades", "zh-CN": "等级分布"},
    "grade": {"en": "Grade", "zh-CN": "绩效等级"},
    "people": {"en": "People", "zh-CN": "人数"},
    "share": {"en": "Share", "zh-CN": "占比"},
    "sheets": {"en": "Sheets", "zh-CN": "工作表"},
    "sheet.scorecard": {"en": "{scorecard}: {n} employees", "zh-CN": "{scorecard}：{n} 人"},
    "keys_note": {
        "en": "Each scorecard sheet has one row per employee; its hidden first row holds the column keys "
              "(those of results.csv) for programs.",
        "zh-CN": "每个考核方案一个工作表，每位员工一行；隐藏的第 1 行为各列的英文键名（与 results.csv 相同），"
                 "供程序读取。"},
    "team": {"en": "Team", "zh-CN": "团队"},
    "all_employees": {"en": "All employees", "zh-CN": "全体员工"},
    "no_team": {"en": "(no team)", "zh-CN": "（无团队）"},
    "average_score": {"en": "Average score", "zh-CN": "平均分"},
    "id": {"en": "Employee ID", "zh-CN": "员工编号"},
    "name": {"en": "Name", "zh-CN": "姓名"},
    "score": {"en": "Score", "zh-CN": "综合得分"},
    "grade_uncalibrated": {"en": "Grade before calibration", "zh-CN": "校准前等级"},
    "bonus": {"en": "Bonus", "zh-CN": "绩效奖金"},
    "rules_fired": {"en": "Rules applied", "zh-CN": "适用的规则"},
    "outcomes": {"en": "Outcomes", "zh-CN": "考核结果应用"},
    "missing": {"en": "Missing data", "zh-CN": "缺失数据"},
    "focus_areas": {"en": "Focus areas", "zh-CN": "发展重点"},
    "dimension.score": {"en": "{dimension} score", "zh-CN": "{dimension}得分"},
    "kpi.actual": {"en": "{kpi} actual", "zh-CN": "{kpi}实际值"},
    "kpi.target": {"en": "{kpi} target", "zh-CN": "{kpi}目标值"},
    "kpi.attainment": {"en": "{kpi} attainment", "zh-CN": "{kpi}达成率"},
    "kpi.score": {"en": "{kpi} score", "zh-CN": "{kpi}得分"},
    "kpi.weight": {"en": "{kpi} weight", "zh-CN": "{kpi}权重"},
    "list.separator": {"en": "; ", "zh-CN": "；"},
}


def xlsx_label(key: str, /, locale: str, **values) -> str:
    """The results.xlsx label ``key`` of :data:`XLSX_LABELS` in ``locale``."""
    text = _pick(XLSX_LABELS[key], locale)
    return text.format(**values) if values else text


# ---------------------------------------------------------------------------------------------------------------
# Messages once written "English / 中文" in one string (so an English reader saw the Chinese too, and a Chinese one
# lost what followed a " / " inside the English): now written in English where they are made and rendered in the
# user's language from here (session 15).
DIAGNOSTICS.update(_entries(
    # incentive plans (language/validate/incentives.py)
    ("plan.no_shape", "the bonus has no '{key}' ({what}) and no 'components'",
     "奖金既没有 '{key}'（{what}）也没有 'components'"),
    ("plan.no_shape.hint", "give attainment and tiers, or list components (README \"Incentive plans\")",
     "请写 attainment 与 tiers，或列出 components（见 README“Incentive plans”）"),
    ("plan.not_with_components", "'{key}' does not apply to a bonus with components: each component has its own "
                                 "measure and rate table",
     "有 components 的奖金不使用 '{key}'：每个组件有自己的度量与费率表"),
    ("plan.move_or_remove", "move it into a component, or remove it", "请将它移入某个组件，或删除"),
    ("plan.measure_undeclared", "component '{key}' pays on '{measure}', which is not a declared metric",
     "组件 '{key}' 的度量 '{measure}' 未在 metrics 中声明"),
    ("plan.declare_metric", "declare it under metrics: ({name}: {{aggregate: sum}})",
     "请在 metrics 下声明：({name}: {{aggregate: sum}})"),
    ("plan.measure_lower", "component '{key}' pays on '{measure}', a lower-is-better metric; attainment against a "
                           "target pays only on higher-is-better measures",
     "组件 '{key}' 的度量 '{measure}' 越低越好；按目标达成率付薪只适用于越高越好的度量"),
    ("plan.measure_lower.hint", "pay on a derived metric that rises with performance", "请改用随业绩上升的派生指标"),
    ("plan.no_rate_table", "component '{key}' has no rate table: give it bands, tiers or per_unit",
     "组件 '{key}' 没有费率表：请写 bands、tiers 或 per_unit 之一"),
    ("plan.two_rate_tables", "component '{key}' has both {first} and {second}; a component pays by one rate table",
     "组件 '{key}' 同时有 {first} 和 {second}；一个组件只能有一个费率表"),
    ("plan.split_it", "split it into two components", "请拆成两个组件"),
    ("plan.no_target", "component '{key}' has {what} but no target: attainment is measure / target",
     "组件 '{key}' 有 {what}，却没有 target：达成率 = 度量 / 目标"),
    ("plan.no_target.hint", "add target: (a number, a metric, an employee column or an expression)",
     "请添加 target:（数字、指标、员工表的列或表达式）"),
    ("plan.no_share", "component '{key}' pays {kind} of its target, but has no share of the target bonus",
     "组件 '{key}' 按其目标以 {kind} 支付，却没有 share（占目标奖金的份额）"),
    ("plan.no_share.hint", "add share: 0.6 for 60% of the target bonus", "请添加 share，例如 0.6 表示目标奖金的 60%"),
    ("plan.cap_no_share", "component '{key}': a cap is a multiple of the component's target, and it has no share",
     "组件 '{key}'：cap 是组件目标的倍数，而它没有 share"),
    ("plan.cap_no_share.hint", "add share: (its target as a share of the target bonus), or remove the cap",
     "请添加 share:（其目标占目标奖金的份额），或删除 cap"),
    ("plan.no_multiplier", "component '{key}' applies the grade's multiplier, but the bonus has no multiplier",
     "组件 '{key}' 使用等级系数，但奖金没有 multiplier"),
    ("plan.no_multiplier.hint", "add bonus.multiplier: {{S: 1.2, A: 1.1, ...}} or remove this line",
     "请添加 bonus.multiplier: {{S: 1.2, A: 1.1, ...}}，或删除此行"),
    ("plan.band_end", "band {n} of component '{key}' ends at {end}, not above its start {start}",
     "组件 '{key}' 的第 {n} 档终点 {end} 不高于起点 {start}"),
    ("plan.band_end.hint", "a band covers the attainment from 'from' up to 'to'", "每档覆盖从 from 到 to 的达成率"),
    ("plan.band_open", "band {n} of component '{key}' has no 'to', but another band follows",
     "组件 '{key}' 的第 {n} 档没有 'to'，但后面还有档"),
    ("plan.band_open.hint", "write to: {next} (where the next band starts); only the last band may be open-ended",
     "请写 to: {next}（下一档的起点）；只有最后一档可以不写 to"),
    ("plan.band_gap", "bands of component '{key}' leave a gap: attainment from {low} to {high} is in no band",
     "组件 '{key}' 的费率档有空缺：达成率 {low} 到 {high} 不属于任何一档"),
    ("plan.band_gap.hint", "start this band at {at}, where band {n} ends (or add a band with rate: 0 to pay nothing "
                           "there on purpose)",
     "请让此档从 {at} 开始，即第 {n} 档的终点（如确实不付薪，可加一档 rate: 0）"),
    ("plan.band_overlap", "bands of component '{key}' overlap: attainment from {low} to {high} is in bands {n} and "
                          "{m}",
     "组件 '{key}' 的费率档重叠：达成率 {low} 到 {high} 同时属于第 {n} 档和第 {m} 档"),
    ("plan.band_overlap.hint", "start this band at {at}, where band {n} ends",
     "请让此档从 {at} 开始，即第 {n} 档的终点"),
    ("plan.cap_below_floor", "the cap of component '{key}' ({cap} × its target) is below what it pays as soon as it "
                             "pays at all ({least} × its target, at attainment {first}): every payout would be capped",
     "组件 '{key}' 的上限（目标的 {cap} 倍）低于它一开始付薪时的最低支付（目标的 {least} 倍，达成率 {first}）："
     "每笔支付都会被封顶"),
    ("plan.cap_below_floor.hint", "raise the cap or lower the floor", "请提高上限或降低门槛"),
    ("plan.above_cap", "{what} pays {pay} × the target, above the bonus cap of {cap} × the target: it could never be "
                       "earned",
     "{what}为目标的 {pay} 倍，高于奖金上限（目标的 {cap} 倍），永远无法挣回"),
    ("plan.at_cap", "keep {what} at or below the cap", "请让{what}不高于上限"),
))
FRAGMENTS.update(_entries(
    ("plan.drives_tiers", "the KPI whose attainment drives the tiers", "驱动档位的 KPI"),
    ("plan.tiers_it_pays", "the tiers it pays", "支付的档位"),
    ("plan.a_floor", "a floor", "门槛（floor）"),
    ("plan.the_guarantee", "the guarantee", "保底"), ("plan.the_draw", "the draw", "预支"),
))
DIAGNOSTICS.update(_entries(
    # team roll-ups in a ruleset (language/validate/teams.py)
    ("rollup.itself", "the roll-up '{name}' rolls up itself", "汇总指标 '{name}' 汇总的是它自己"),
    ("rollup.itself.hint", "name the reports' metric, e.g. of: revenue", "请写下属的指标，例如 of: revenue"),
    ("rollup.undeclared", "the roll-up '{name}' reads '{of}', which is not a declared metric",
     "汇总指标 '{name}' 读取的 '{of}' 未在 metrics 中声明"),
    ("rollup.via_undeclared", "the roll-up '{name}' follows the employee column '{via}', which the ruleset does not "
                              "declare",
     "汇总指标 '{name}' 依据员工列 '{via}'，但规则集未声明该列"),
    ("rollup.via_undeclared.hint", "add it to attributes: ({via}: string), the id of each person's manager",
     "请在 attributes 中声明（{via}: string），即每人上级的员工编号"),
    ("rollup.via_type", "'{via}' holds managers' ids, which a team roll-up reads, so it must be declared string, not "
                        "{type}",
     "'{via}' 是团队汇总所用的上级编号列，应声明为 string，而不是 {type}"),
    ("rollup.optional", "'{name}' is a team roll-up; optional: applies only to metrics the data gives",
     "'{name}' 是团队汇总指标；optional 只适用于数据直接提供的指标"),
    ("rollup.optional.hint", "remove it; the roll-up is missing whenever a report's value is",
     "请删除；任一下属的值缺失时汇总即为缺失"),
    ("rollup.reads_itself", "the roll-up reads itself: {path}", "汇总指标读取了它自己：{path}"),
    ("rollup.reads_itself.hint", "a roll-up may only read metrics that do not depend on it",
     "汇总指标只能读取不依赖它的指标"),
))
DIAGNOSTICS.update(_entries(
    # split credit (provide/credits.py)
    ("credit.one_side", "the cycle has a {have} source but no {lacks} source; split credit needs both",
     "周期有 {have} 数据源，但没有 {lacks} 数据源；拆分业绩需要两者"),
    ("credit.one_source", "a cycle has one credits source; put the splits in one file",
     "一个周期只能有一个 credits 数据源；请将拆分合并到一个文件"),
    ("credit.nobody", "no one is credited with deal '{deal}' ({month}); its amount would be lost",
     "交易“{deal}”（{month}）没有任何人获得业绩，其金额将丢失"),
    ("credit.nobody.hint", "list its sellers and shares in {file}", "请在 {file} 中列出其销售人员与比例"),
    ("credit.row_lacks", "a credits row has no '{key}'", "业绩拆分行缺少“{key}”"),
    ("credit.row_lacks.hint", "every row names a deal, a seller and their share", "每行须写明交易、销售人员和比例"),
    ("credit.bad_share", "the share of {emp} in deal '{deal}' is '{text}'; a share is a number above 0 and at most 1",
     "{emp} 在交易“{deal}”中的比例为“{text}”；比例须大于 0 且不超过 1"),
    ("credit.bad_share.hint", "write 0.5, 0.25 or 1/3", "请写 0.5、0.25 或 1/3"),
    ("credit.unknown_employee", "deal '{deal}' credits '{emp}', who is not in the employee table; their share is "
                                "credited to no one",
     "交易“{deal}”拆分给“{emp}”，此人不在员工表中；其份额不计入任何人"),
    ("credit.unknown_employee.hint", "fix the id, or add the employee", "请更正编号，或添加该员工"),
    ("credit.shares_total", "the shares of deal '{deal}' add up to {total} ({written}, rows {lines}), not 1",
     "交易“{deal}”的比例合计为 {total}（{written}，第 {lines} 行），不等于 1"),
    ("credit.shares_total.hint", "correct the shares so each deal's add up to exactly 1 (1/3 may be written as a "
                                 "fraction)",
     "请修正比例，使每笔交易合计恰为 1（三分之一可写作分数 1/3）"),
    ("credit.not_split", "'{column}' is not a raw metric the ruleset declares, so it is not split",
     "“{column}”不是规则集声明的原始指标，不参与拆分"),
    ("credit.no_metric", "the {table} table has no column of a metric the ruleset declares; nothing to split",
     "{table} 表中没有规则集声明的指标列，无可拆分"),
    ("credit.bad_month", "month '{raw}' of a deal is not a month", "交易月份“{raw}”无效"),
    ("credit.bad_month.hint", "write months as 2026-07", "月份请写作 2026-07"),
    ("credit.no_deal", "a deal row has no 'deal'", "交易行缺少“deal”"),
))
DIAGNOSTICS.update(_entries(
    # the hierarchy a team roll-up follows (core/teams.py, provide/teams.py)
    ("team.no_column", "a team roll-up follows the employee column '{via}', which the employee table does not have",
     "团队汇总依据员工列“{via}”，但员工表中没有该列"),
    ("team.unknown_manager", "{id}'s '{via}' is '{boss}', who is not in the employee table",
     "{id} 的“{via}”为“{boss}”，此人不在员工表中"),
    ("team.unknown_manager_row", "{id}'s '{via}' is '{boss}', who is not in the employee table; a team roll-up needs "
                                 "every manager",
     "{id} 的“{via}”为“{boss}”，此人不在员工表中；团队汇总需要每位上级都在表中"),
    ("team.unknown_manager_row.hint", "add the manager to the employee table, fix the id, or leave the cell blank at "
                                      "the top of the hierarchy",
     "请将该上级加入员工表、更正编号，或在层级最上层留空"),
    ("team.self_managed", "{names} manage(s) themselves in the '{via}' column", "{names} 在“{via}”列中是自己的上级"),
    ("team.circle_through", "the '{via}' column goes round in a circle through {names}", "“{via}”列形成循环：{names}"),
    ("team.circle", "the '{via}' column goes round in a circle: {chain}; a team roll-up cannot total it",
     "“{via}”列形成循环：{chain}；无法计算团队汇总"),
    ("team.circle.hint", "give the top of the chain a blank manager, or correct the id that points back",
     "请将链条最上层人员的上级留空，或更正指回下级的编号"),
))
DIAGNOSTICS.update(_entries(
    # appraise run --pages (present/render.py)
    ("pages.selector", "--pages '{text}': write COLUMN:VALUE, a column of the employees table and one of its values, "
                       "e.g. --pages team:north or --pages region:east",
     "--pages '{text}'：请写成 列名:值，即员工表的一列及其中一个值，例如 --pages team:north 或 --pages region:east"),
    ("pages.none", "--pages needs at least one COLUMN:VALUE", "--pages 至少需要一个 列名:值"),
    ("pages.no_column", "--pages {column}:{value}: the employees table has no column '{column}' (columns: {known})",
     "--pages {column}:{value}：员工表没有列 '{column}'（现有列：{known}）"),
    ("pages.nobody", "--pages {column}:{value}: nobody appraised in this cycle has {column} '{value}'; check the value",
     "--pages {column}:{value}：本周期被考核的员工中没有 {column} 为 '{value}' 的人；请检查取值"),
    # ids that read as one (provide/employees.py)
    ("data.ids_width", "employee id '{emp}' differs from '{first}' ({where}) only in full-width or compatibility "
                       "characters",
     "员工编号“{emp}”与“{first}”（{where}）仅在全角/半角等字符形式上不同"),
    ("data.ids_case", "employee id '{emp}' differs from '{first}' ({where}) only in letter case",
     "员工编号“{emp}”与“{first}”（{where}）仅大小写不同"),
))
DIAGNOSTICS.update(_entries(
    # the workshop's roster and sessions (tools/workshop/voting.py, session.py)
    ("roster.not_utf8", "the roster is not UTF-8 text (byte {n})", "名单不是 UTF-8 文本（第 {n} 字节）"),
    ("roster.not_utf8.hint", "save it as CSV UTF-8", "请另存为“CSV UTF-8”"),
    ("roster.empty", "the roster is empty", "名单为空"),
    ("roster.empty.hint", "write a header row 'id,name' and one row per person", "请写表头 id,name，每人一行"),
    ("roster.no_column", "the roster has no column '{column}'", "名单缺少“{column}”列"),
    ("roster.no_column.hint", "its header is {header}; write 'id,name'", "其表头为 {header}；请把表头写成 id,name"),
    ("roster.empty_id", "empty id", "id 为空"),
    ("roster.empty_id.hint", "give every person an id (e.g. the employee id)", "请为每人填写 id（例如员工编号）"),
    ("roster.repeated", "id '{id}' is repeated (row {row})", "id“{id}”重复（第 {row} 行）"),
    ("roster.one_row", "one row per person", "每人一行"),
    ("roster.too_many", "{n} people; a workshop takes at most {max}", "共 {n} 人，工作坊最多 {max} 人"),
    ("roster.nobody", "the roster names nobody", "名单中没有人"),
    ("roster.nobody.hint", "one row per person under the header", "请在表头下每人写一行"),
    ("workshop.no_session", "no workshop session '{id}' in the store", "结果库中没有工作坊会话“{id}”"),
    ("workshop.no_session.hint", "start without --resume", "请去掉 --resume 重新开始"),
    ("workshop.other_session", "session '{id}' voted on {ruleset} for {cycle}, not on {this_ruleset} for "
                               "{this_cycle}",
     "会话“{id}”投票的是 {ruleset}（{cycle}），而不是 {this_ruleset}（{this_cycle}）"),
    ("workshop.other_session.hint", "resume it with its own cycle file", "请用它自己的周期文件恢复"),
))
DIAGNOSTICS.update(_entries(
    # a data file over the memory limit (plugins/_tabular.py)
    ("data.too_large", "{name}: file is {size} bytes; this source may read at most {limit} bytes into memory",
     "{name}：文件大小为 {size} 字节，超过此数据源可读入内存的上限 {limit} 字节"),
    ("data.too_large_unpacked", "{name}: unpacked workbook is {size} bytes; this source may read at most {limit} bytes "
                                "into memory",
     "{name}：工作簿解压后大小为 {size} 字节，超过此数据源可读入内存的上限 {limit} 字节"),
    ("data.too_large.hint", "if the file is meant to be this big, allow it on this source in the cycle file: "
                            "max_bytes: {need} MiB (or set APPRAISE_MAX_DATA_BYTES for every source); for very big "
                            "files the duckdb provider aggregates without loading them",
     "若文件确应如此之大，请在周期文件的此数据源上设置 max_bytes: {need} MiB（或用环境变量 APPRAISE_MAX_DATA_BYTES "
     "设置所有数据源的上限）；极大的文件可改用 duckdb 数据源，它无需整体读入即可汇总"),
    # a ruleset test naming an incentive plan's input (tools/testing/files.py)
    ("test.plan_only", "'{key}' is read only by an incentive plan (README \"Incentive plans\"); this ruleset has none",
     "'{key}' 只由激励计划读取（见 README“Incentive plans”）；该规则集没有激励计划"),
    ("test.draw_only", "'{key}' is read only by an incentive plan with a draw (README \"Incentive plans\"); this "
                       "ruleset has none",
     "'{key}' 只由带预支（draw）的激励计划读取（见 README“Incentive plans”）；该规则集没有"),
    # the output folder (run.py)
    ("run.output_locked", "output folder {folder} is being written by another run ({holder}); two runs must not share "
                          "an output folder: wait for it to finish, or give this run its own (--output, or output: in "
                          "the cycle file)",
     "输出目录 {folder} 正被另一个运行写入（{holder}）；两个运行不能共用一个输出目录：请等待其完成，或为本次运行指定"
     "另一个输出目录（--output，或周期文件中的 output:）"),
    ("run.output_file", "output {out} is a file; name a folder", "输出路径 {out} 是文件；请指定一个目录"),
    ("run.output_holds", "output folder {out} holds the cycle's own files ({what}); each run replaces the whole "
                         "output folder, so give it a folder of its own, e.g. {example}",
     "输出目录 {out} 包含本周期自己的文件（{what}）；每次运行会整体替换输出目录，请为输出指定单独的目录，例如 "
     "{example}"),
))
