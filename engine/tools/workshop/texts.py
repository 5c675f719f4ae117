"""The workshop's interface wording, in English and Simplified Chinese.

The pages receive the whole table for their language as JSON, so the
JavaScript never builds user-visible text of its own.
"""
from __future__ import annotations

from appraise.i18n import normalize_locale

LOCALES = ("en", "zh-CN")

MESSAGES: dict[str, dict[str, str]] = {
    "title": {"en": "Co-design workshop", "zh-CN": "考核共创工作坊"},
    "facilitator": {"en": "Facilitator", "zh-CN": "主持人"},
    "participant": {"en": "Participant", "zh-CN": "参与者"},
    "population": {"en": "Employees scored", "zh-CN": "参评员工"},
    "weights": {"en": "Weights", "zh-CN": "权重"},
    "weights_hint": {"en": "Each group always totals 100: moving one slider rescales the others in proportion.",
                     "zh-CN": "每组权重合计始终为 100：拖动一个滑块，其余按比例调整。"},
    "dimensions": {"en": "Dimensions", "zh-CN": "考核维度"},
    "kpis_of": {"en": "KPIs · {dimension}", "zh-CN": "指标 · {dimension}"},
    "start": {"en": "start", "zh-CN": "原值"},
    "reset": {"en": "Reset to start", "zh-CN": "恢复原值"},
    "impact": {"en": "Impact on the population", "zh-CN": "对全员的影响"},
    "grade_distribution": {"en": "Grade distribution (after calibration)", "zh-CN": "等级分布（校准后）"},
    "before": {"en": "Before", "zh-CN": "调整前"},
    "after": {"en": "After", "zh-CN": "调整后"},
    "change": {"en": "Change", "zh-CN": "变化"},
    "grade_changes": {"en": "Grade changes", "zh-CN": "等级变化"},
    "changed_of": {"en": "{n} of {total} people", "zh-CN": "{total} 人中 {n} 人"},
    "up_down": {"en": "{up} up · {down} down", "zh-CN": "上升 {up} · 下降 {down}"},
    "bonus_cost": {"en": "Bonus cost", "zh-CN": "奖金总额"},
    "of_budget": {"en": "{pct} of budget {budget}", "zh-CN": "占预算 {budget} 的 {pct}"},
    "over_budget": {"en": "Over budget by {amount}", "zh-CN": "超出预算 {amount}"},
    "under_budget": {"en": "Under budget by {amount}", "zh-CN": "低于预算 {amount}"},
    "mean_score_by": {"en": "Mean score by {attribute}", "zh-CN": "按{attribute}统计的平均分"},
    "tenure": {"en": "tenure", "zh-CN": "司龄"},
    "team": {"en": "team", "zh-CN": "团队"},
    "region": {"en": "region", "zh-CN": "区域"},
    "group": {"en": "Group", "zh-CN": "分组"},
    "people": {"en": "People", "zh-CN": "人数"},
    "largest_changes": {"en": "{shown} of {total} groups, largest changes first",
                        "zh-CN": "共 {total} 组，显示变化最大的 {shown} 组"},
    "tenure_0": {"en": "under 1 year", "zh-CN": "不满 1 年"},
    "tenure_1": {"en": "1–3 years", "zh-CN": "1–3 年"},
    "tenure_3": {"en": "3–5 years", "zh-CN": "3–5 年"},
    "tenure_5": {"en": "5 years and more", "zh-CN": "5 年及以上"},
    "tenure_none": {"en": "unknown", "zh-CN": "未知"},
    "who_changes": {"en": "Who changes grade", "zh-CN": "等级变化人员"},
    "who_hint": {"en": "Facilitator only: participants never see names or scores.",
                 "zh-CN": "仅主持人可见：参与者看不到姓名和分数。"},
    "name": {"en": "Name", "zh-CN": "姓名"},
    "score": {"en": "Score", "zh-CN": "得分"},
    "grade": {"en": "Grade", "zh-CN": "等级"},
    "bonus": {"en": "Bonus", "zh-CN": "奖金"},
    "nobody_changes": {"en": "Nobody changes grade.", "zh-CN": "没有人等级发生变化。"},
    "more_people": {"en": "… and {n} more", "zh-CN": "…… 另有 {n} 人"},
    "rescored_in": {"en": "re-scored in {ms} ms", "zh-CN": "重算耗时 {ms} 毫秒"},
    "votes": {"en": "Votes", "zh-CN": "投票"},
    "participant_link": {"en": "Participant links", "zh-CN": "参与者链接"},
    "links_hint": {"en": "One link per person: each link holds one vote (voting again replaces it).",
                   "zh-CN": "每人一个链接：每个链接只计一票（再次投票会替换上一票）。"},
    "new_link": {"en": "New participant link", "zh-CN": "新建参与者链接"},
    "voted": {"en": "voted", "zh-CN": "已投票"},
    "not_voted": {"en": "not yet", "zh-CN": "未投票"},
    "copy": {"en": "Copy", "zh-CN": "复制"},
    "copied": {"en": "Copied", "zh-CN": "已复制"},
    "no_votes": {"en": "No votes yet. Give each participant a link.", "zh-CN": "暂无投票。请给每位参与者一个链接。"},
    "n_votes": {"en": "{n} votes: {names}", "zh-CN": "{n} 票：{names}"},
    "median": {"en": "Median", "zh-CN": "中位数"},
    "iqr": {"en": "IQR", "zh-CN": "四分位距"},
    "range": {"en": "Min–max", "zh-CN": "最小–最大"},
    "current": {"en": "Current", "zh-CN": "当前"},
    "item": {"en": "Item", "zh-CN": "项目"},
    "adopt": {"en": "Adopt the median", "zh-CN": "采用中位数"},
    "save": {"en": "Save to ruleset", "zh-CN": "保存到规则文件"},
    "save_hint": {"en": "Writes the weights into {file}, bumps the version, keeps comments and layout.",
                  "zh-CN": "将权重写入 {file}，升级版本号，保留注释和格式。"},
    "saved": {"en": "Saved {file} as version {version}.", "zh-CN": "已保存 {file}，版本 {version}。"},
    "nothing_to_save": {"en": "The weights equal the file's; nothing to save.",
                        "zh-CN": "权重与文件一致，无需保存。"},
    "would_be_refused": {"en": "These weights could not be saved yet:", "zh-CN": "当前权重暂时无法保存："},
    "save_refused": {"en": "Not saved: the new ruleset would not be valid.",
                     "zh-CN": "未保存：新规则文件无法通过校验。"},
    "save_conflict": {"en": "Not saved: the ruleset file was changed by someone else (another workshop or an editor).",
                      "zh-CN": "未保存：规则文件已被他人修改（另一个工作坊或编辑器）。"},
    "your_name": {"en": "Your name", "zh-CN": "你的姓名"},
    "propose": {"en": "Propose your weights", "zh-CN": "提出你的权重建议"},
    "propose_hint": {"en": "Set the weights you think are right, then submit.",
                     "zh-CN": "设置你认为合适的权重，然后提交。"},
    "submit": {"en": "Submit my vote", "zh-CN": "提交我的投票"},
    "vote_recorded": {"en": "Thank you, {name}: your vote is recorded.", "zh-CN": "谢谢你，{name}：投票已记录。"},
    "name_required": {"en": "Please enter your name.", "zh-CN": "请填写姓名。"},
    "error": {"en": "Something went wrong: {message}", "zh-CN": "出错了：{message}"},
    "language": {"en": "中文", "zh-CN": "English"},
    "unscored": {"en": "{n} people cannot be scored with these weights (no weighted data left, or data missing "
                       "that the ruleset requires).",
                 "zh-CN": "按当前权重有 {n} 人无法计分（没有剩余的有权重数据，或缺少规则要求的数据）。"},
    # refusals of the web server (HTTP 4xx)
    "err_host": {"en": "this workshop answers only requests for 127.0.0.1, localhost or the address it was started "
                       "with (--host), not '{host}'; open the link it printed",
                 "zh-CN": "本工作坊只响应发往 127.0.0.1、localhost 或启动时 --host 指定地址的请求，而不是“{host}”；"
                          "请打开启动时打印的链接"},
    "err_facilitator_local": {"en": "the facilitator's page answers only on the computer running the workshop; "
                                    "open the facilitator link there",
                              "zh-CN": "主持人页面只在运行工作坊的电脑上可用；请在那台电脑上打开主持人链接"},
    "err_token": {"en": "Forbidden: this workshop needs the access link printed when it started "
                        "(or a participant link the facilitator issued)",
                  "zh-CN": "禁止访问：请使用工作坊启动时打印的访问链接（或主持人发给你的参与者链接）"},
    "err_cross_site": {"en": "cross-site request refused ({origin}): the workshop's API answers only its own pages",
                       "zh-CN": "已拒绝跨站请求（{origin}）：工作坊的接口只响应它自己的页面"},
    "err_content_type": {"en": "send JSON: a POST needs 'Content-Type: application/json'",
                         "zh-CN": "请发送 JSON：POST 请求需要 “Content-Type: application/json”"},
    "err_too_large": {"en": "the request body is larger than {limit} bytes",
                      "zh-CN": "请求内容超过 {limit} 字节"},
    "err_not_json": {"en": "the request body is not JSON (UTF-8)", "zh-CN": "请求内容不是 JSON（UTF-8）"},
    "err_too_deep": {"en": "the request body is nested more than {depth} levels deep",
                     "zh-CN": "请求内容的嵌套超过 {depth} 层"},
    "err_non_finite": {"en": "'{value}' is not a number the workshop accepts: weights are finite numbers "
                             "between 0 and 100",
                       "zh-CN": "“{value}”不是可接受的数字：权重是 0 到 100 之间的有限数"},
    "err_not_object": {"en": "the request body must be a JSON object", "zh-CN": "请求内容必须是 JSON 对象"},
    # presenter view, voting modes, statistics (issue 19)
    "presenter": {"en": "Presenter", "zh-CN": "投屏"},
    "presenter_link": {"en": "Presenter view (for the projector)", "zh-CN": "投屏视图（用于投影仪）"},
    "presenter_hint": {"en": "Open it on the projector: no names, no individual figures.",
                       "zh-CN": "在投影仪上打开：不显示姓名，不显示个人数据。"},
    "open_presenter": {"en": "Open the presenter view", "zh-CN": "打开投屏视图"},
    "weights_now": {"en": "Weights under discussion", "zh-CN": "正在讨论的权重"},
    "join_title": {"en": "Vote from your phone", "zh-CN": "用手机投票"},
    "join_hint": {"en": "Scan the code, then enter your one-time code.",
                  "zh-CN": "扫描二维码，然后输入你的一次性投票码。"},
    "withheld_group": {"en": "fewer than {k}", "zh-CN": "不足 {k} 人"},
    "withheld_note": {"en": "Groups of fewer than {k} people (privacy.min_group), and groups that would reveal them, "
                            "show their head count only.",
                      "zh-CN": "不足 {k} 人的分组（privacy.min_group）以及可能据此推算出其数据的分组，只显示人数。"},
    "results_withheld": {"en": "Fewer than {k} people are scored: no results are shown here.",
                         "zh-CN": "参评人数不足 {k} 人：此处不显示结果。"},
    "tally_withheld": {"en": "{n} ballots so far; the tally appears from {k} ballots on (privacy.min_group).",
                       "zh-CN": "目前 {n} 票；达到 {k} 票后显示统计结果（privacy.min_group）。"},
    "n_ballots": {"en": "{n} ballots", "zh-CN": "{n} 票"},
    "adopt_col": {"en": "Adopt", "zh-CN": "采用值"},
    "adopt_cents": {"en": "with cents", "zh-CN": "保留两位小数"},
    "stats_note": {"en": "Median, IQR and min–max of the ballots, each normalised to 100 per group. Adopting scales "
                         "the medians to 100 and rounds them to whole numbers (largest remainder).",
                   "zh-CN": "中位数、四分位距和最小–最大值均基于每张选票按组归一化到 100 后计算。"
                            "采用时将各中位数按比例缩放到 100，"
                            "并按最大余数法取整。"},
    "secret_ballot": {"en": "Secret ballot", "zh-CN": "无记名投票"},
    "your_code": {"en": "Your one-time code", "zh-CN": "你的一次性投票码"},
    "code_required": {"en": "Enter your one-time code.", "zh-CN": "请输入一次性投票码。"},
    "code_unknown": {"en": "This code is not valid for this workshop.", "zh-CN": "该投票码对本次工作坊无效。"},
    "code_spent": {"en": "This code has already been used.", "zh-CN": "该投票码已被使用。"},
    "secret_cast": {"en": "Your secret ballot is cast and your code is used up. Thank you.",
                    "zh-CN": "你的无记名投票已提交，投票码已失效。谢谢。"},
    "secret_hint": {"en": "Your ballot is secret: it is stored without your name, your code or the time. A code votes "
                          "once and cannot be changed.",
                    "zh-CN": "你的投票是无记名的：保存时不含姓名、投票码和时间。"
                             "每个投票码只能投一次，提交后不可修改。"},
    "voting_as": {"en": "Voting as {name}", "zh-CN": "投票人：{name}"},
    "vote_stale": {"en": "Your ballot was changed from another browser (now revision {revision}). It has been "
                         "reloaded: check it and submit again.",
                   "zh-CN": "你的选票已在另一个浏览器中修改（当前第 {revision} 版）。已重新载入：请检查后再次提交。"},
    "vote_updated": {"en": "Thank you, {name}: your vote is updated (revision {revision}).",
                     "zh-CN": "谢谢你，{name}：投票已更新（第 {revision} 版）。"},
    "change_hint": {"en": "You can change your vote: submit again and the latest counts.",
                    "zh-CN": "可以修改投票：再次提交即可，以最后一次为准。"},
    "no_new_links": {"en": "This workshop votes by roster or by one-time codes: no ad-hoc links.",
                     "zh-CN": "本工作坊按名单或一次性投票码投票：不能新建临时链接。"},
    "codes_left": {"en": "{n} codes unused", "zh-CN": "{n} 个投票码未使用"},
    "roster_voted": {"en": "{n} of {total} have voted", "zh-CN": "{total} 人中已有 {n} 人投票"},
    "roster_links": {"en": "Roster links: one signed link per person (send each their own).",
                     "zh-CN": "名单链接：每人一个签名链接（分别发给本人）。"},
    "ballot_link": {"en": "Secret ballot: one voting link for everyone; each one-time code votes once.",
                    "zh-CN": "无记名投票：所有人使用同一个投票链接；每个一次性投票码只能投一次。"},
    "qr": {"en": "QR", "zh-CN": "二维码"},
    "tally_saved": {"en": "Tally exported to {file}.", "zh-CN": "投票统计已导出到 {file}。"},
    "bonus_withheld": {"en": "Withheld: fewer than {k} people's bonus changes.",
                       "zh-CN": "不显示：奖金发生变化的人数不足 {k} 人。"},
    "budget_is": {"en": "Budget {budget}", "zh-CN": "预算 {budget}"},
    # guessing one-time codes, the printable sheet of cards
    "code_throttled": {"en": "Too many wrong codes from here. Check your code and try again in {seconds} s.",
                       "zh-CN": "此处输入错误的投票码次数过多。请核对投票码，{seconds} 秒后再试。"},
    "guesses_refused": {"en": "{n} code tries refused (too many wrong codes)",
                        "zh-CN": "{n} 次投票码尝试被拒绝（错误次数过多）"},
    "print_cards": {"en": "Print cards", "zh-CN": "打印卡片"},
    "sheet_title": {"en": "Voting cards", "zh-CN": "投票卡片"},
    "sheet_hint": {"en": "Print this page (Ctrl+P, A4); each card goes to one person. The cards are secrets: "
                         "whoever holds one can vote with it.",
                   "zh-CN": "请打印本页（Ctrl+P，A4 纸）；每张卡片交给一个人。卡片即凭证：持卡人即可用它投票。"},
    "card_scan": {"en": "Scan with your phone's camera to vote", "zh-CN": "用手机相机扫码投票"},
    "card_code": {"en": "One-time code", "zh-CN": "一次性投票码"},
    "card_secret": {"en": "Secret ballot: one vote, no name.", "zh-CN": "无记名投票：一码一票，不记姓名。"},
    "card_personal": {"en": "Your own link: you may change your vote.", "zh-CN": "个人专属链接：可以修改投票。"},
    "card_adhoc": {"en": "Link #{label}: one vote; you can change it.", "zh-CN": "链接 #{label}：一票，可以修改。"},
    "sheet_no_codes": {"en": "The one-time codes are kept only as hashes: print them when the workshop starts "
                             "(appraise workshop ... --codes N --print-roster FILE.html).",
                       "zh-CN": "一次性投票码只以散列形式保存：请在启动工作坊时打印"
                                "（appraise workshop ... --codes N --print-roster FILE.html）。"},
}


def message(key: str, locale: str, **values) -> str:
    """One message in ``locale`` with ``{name}`` placeholders filled."""
    text = table(locale)[key]
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def table(locale: str) -> dict[str, str]:
    """Every message in ``locale`` (``en`` or ``zh-CN``)."""
    locale = normalize_locale(locale)
    return {key: entry.get(locale) or entry["en"] for key, entry in MESSAGES.items()}


def other(locale: str) -> str:
    """The language the switch in the page header offers."""
    return "en" if normalize_locale(locale) == "zh-CN" else "zh-CN"
