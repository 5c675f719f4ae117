"""Every message the engine raises or warns is shown in Chinese (session 7, wi18n2).

A static scan of the source (no run): each error or warning built in ``engine/language``, ``engine/provide``,
``engine/core``, ``engine/store``, ``plugins`` (and ``engine/run.py``, ``engine/pipeline.py``) -- its message and
its hint, written as a string, an f-string or a sum of them -- is rendered with sample values in its placeholders
and must come out of ``translate`` in Chinese (CJK, and no run of three English words outside quotes and brackets).
A new message nobody translated fails here, named by file and line. The composite messages are then checked with
Chinese written by hand, through the command line where practical.
"""
from __future__ import annotations

import ast
import itertools
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from appraise.i18n import translate

ROOT = Path(__file__).resolve().parent.parent
SCANNED = (sorted((ROOT / "engine/language").rglob("*.py")) + sorted((ROOT / "engine/provide").rglob("*.py"))
           + sorted((ROOT / "engine/store").rglob("*.py")) + sorted((ROOT / "plugins").glob("*.py"))
           + sorted((ROOT / "engine/core").rglob("*.py")) + [ROOT / "engine/run.py", ROOT / "engine/pipeline.py"])
# the calls that make a user-facing error or warning, and the keywords holding its message or hint
MAKERS = frozenset({"ExpressionError", "Diagnostic", "diag", "InvalidInput", "StoreError", "error", "warn", "warning",
                    "fail", "fatal", "AppraiseError", "_diag", "problem", "LockHeld"})
KEYWORDS = frozenset({"message", "hint"})
CJK = re.compile(r"[\u3400-\u9fff]")
WORDS = re.compile(r"[A-Za-z]+(?:[ ,]+[A-Za-z]+){2,}")
QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|`[^`]*`|\([^)]*\)|\{[^}]*\}|<[^>]*>")
# Messages whose parts the scan cannot follow, each translated as a whole and checked by hand below:
EXEMPT = {
    # "{who} {phrase} (scorecard ...)": the phrase comes back from _phrase(); test_rules_that_break_weights
    ("engine/language/validate/rules.py", "(scorecard '"),
    # where (folder / git repository), what (the ruleset / the rest) and to (a url has none) are chosen together;
    # the scan would pair a url with the ruleset, which never happens; test_paths_outside_the_cycle
    ("engine/language/paths.py", "leads outside the cycle's"),
    # why an override's employee is not appraised is one of five reasons (calibration.check_overrides, _not_employed);
    # tests/test_settlement.py test_an_override_for_someone_not_appraised_says_why_in_english_and_chinese
    ("engine/core/calibration.py", "whom this cycle does not appraise"),
}
# what a placeholder is tried with: a name, a number, a quoted name (each message passes with one of them)
SAMPLES = ("x1", "1", "'x1'")


def _texts(node, sample: str, env: dict[str, list[str]]) -> list[str] | None:
    """The texts ``node`` can be, or None when it is no text: a name the function gave a text (``what = "the deal"``,
    a parameter every caller passes as a text) is each text it can be; any other placeholder is ``sample``, or
    nothing when glued to the word before it (a suffix such as ``{hint}``, ``{more}``, ``field{s}``)."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return env.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts: list[list[str]] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append([v.value])
                continue
            known = _texts(v.value, sample, env)
            if known is not None:
                parts.append(known)
            elif parts and re.search(r"[\w)]\Z", parts[-1][-1]):
                parts.append([""])
            else:
                parts.append([sample])
        return ["".join(p) for p in itertools.islice(itertools.product(*parts), 64)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = _texts(node.left, sample, env), _texts(node.right, sample, env)
        if a is None and b is None:
            return None
        if b is None:  # a text + a value glued to it: a suffix ("... is not a grade" + did_you_mean(...))
            b = [""] if a is not None and re.search(r"[\w)'\"]\Z", a[-1]) else [sample]
        return [x + y for x in (a or [sample]) for y in b][:64]
    if isinstance(node, ast.IfExp):
        a, b = _texts(node.body, sample, env), _texts(node.orelse, sample, env)
        return None if a is None and b is None else (a or [sample]) + (b or [sample])
    return None


class _Function:
    """A function (or the module) with the statements and calls that are its own (not a nested function's)."""

    def __init__(self, node: ast.AST, parent: _Function | None) -> None:
        self.node, self.parent = node, parent
        self.name = getattr(node, "name", "")
        self.assigns: list[ast.Assign] = []
        self.calls: list[ast.Call] = []


def _split(tree: ast.Module) -> list[_Function]:
    """The module and each function in it, outer first, each with its own assignments and calls."""
    out = [_Function(tree, None)]

    def visit(node: ast.AST, owner: _Function) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = _Function(child, owner)
                out.append(inner)
                visit(child, inner)
                continue
            if isinstance(child, ast.Assign):
                owner.assigns.append(child)
            elif isinstance(child, ast.Call):
                owner.calls.append(child)
            visit(child, owner)

    visit(tree, out[0])
    return out


def _assigned(fn: _Function, sample: str, env: dict[str, list[str]]) -> dict[str, list[str]]:
    """``env`` and the texts the function's own names are given (every assignment of a name: all its texts)."""
    env = dict(env)
    for node in fn.assigns:
        for target in node.targets:
            pairs = (list(zip(target.elts, node.value.elts)) if isinstance(target, ast.Tuple)
                     and isinstance(node.value, ast.Tuple) else [(target, node.value)])
            for name, value in pairs:
                texts = _texts(value, sample, env) if isinstance(name, ast.Name) else None
                texts = [t for t in texts if t] if texts else None  # a name is empty only where it is not shown
                if texts:
                    env[name.id] = list(dict.fromkeys(env.get(name.id, []) + texts))
    return env


def _params(node: ast.AST) -> list[str]:
    args = getattr(node, "args", None)
    if not isinstance(args, ast.arguments):
        return []
    named = [a.arg for a in args.posonlyargs + args.args if a.arg not in ("self", "cls")]
    return named + [a.arg for a in args.kwonlyargs]


def _messages() -> list[tuple[str, int, list[list[str]]]]:
    """(file, line, [the texts the message can be, one list per sample]) of every message and hint."""
    files = [(path.relative_to(ROOT).as_posix(), _split(ast.parse(path.read_text(encoding="utf-8"))))
             for path in SCANNED]
    # the functions whose callers' texts are followed into them: a name defined once, and no maker of messages
    # (``diag(path, message)`` passes on whatever it is given)
    defined = Counter(fn.name for _where, fns in files for fn in fns[1:])
    functions = {fn.name: _params(fn.node) for _where, fns in files for fn in fns[1:]
                 if defined[fn.name] == 1 and fn.name not in MAKERS}
    found: dict[tuple[str, int, int], list[list[str] | None]] = {}
    for sample in SAMPLES:
        # the names of each function: its own texts, on its enclosing function's
        envs: dict[int, dict[str, list[str]]] = {}
        for _where, fns in files:
            for fn in fns:
                envs[id(fn)] = _assigned(fn, sample, envs[id(fn.parent)] if fn.parent else {})
        # what each function's callers pass it, as texts
        passed: dict[tuple[str, str], list[str]] = {}
        for _where, fns in files:
            for fn in fns:
                for call in fn.calls:
                    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
                    if name not in functions:
                        continue
                    given = list(zip(functions[name], call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
                    for param, arg in given:
                        texts = _texts(arg, sample, envs[id(fn)])
                        if texts is not None:
                            passed[(name, param)] = list(dict.fromkeys(passed.get((name, param), []) + texts))
        for where, fns in files:
            for fn in fns:
                env = envs[id(fn)]
                if fn.parent is not None:
                    given = {p: passed[(fn.name, p)] for p in _params(fn.node) if (fn.name, p) in passed}
                    env = _assigned(fn, sample, {**env, **given}) if given else env
                for node in fn.calls:
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name not in MAKERS:
                        continue
                    args = node.args[:4] + [k.value for k in node.keywords if k.arg in KEYWORDS]
                    for i, arg in enumerate(args):
                        found.setdefault((where, node.lineno, i), []).append(_texts(arg, sample, env))
    out = []
    for (where, line, _i), variants in found.items():
        if any(v is None for v in variants):
            continue
        first = [t for t in variants[0] if t]  # type: ignore[union-attr]
        if any(_sentence(t) for t in first) and max(len(t) for t in first) > 12 and any(" " in t for t in first):
            out.append((where, line, variants))
    return out


def _sentence(text: str) -> bool:
    """Whether ``text`` holds words of its own, not only placeholders ("{where}: {message}" passes on a message
    made elsewhere, checked there)."""
    return re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", re.sub(r"x1|'x1'", "", text)) is not None


def _chinese(text: str) -> bool:
    return bool(CJK.search(text)) and WORDS.search(QUOTED.sub("", text)) is None


def test_every_message_raised_or_warned_is_translated():
    """Every message and hint of the engine's errors and warnings comes out of translate() in Chinese."""
    messages = _messages()
    assert len(messages) > 250  # the scan still finds the messages (it would pass vacuously otherwise)
    missing, used = [], set()
    for where, line, variants in messages:
        # passes when, for one sample, every text the message can be (each branch of its conditions) is Chinese
        exempt = {(f, part) for f, part in EXEMPT if f == where and any(part in t for t in variants[0])}
        if exempt:
            used |= exempt
            continue
        if not any(all(_chinese(translate(t, "zh-CN")) for t in texts if _sentence(t)) for texts in variants):
            text = next(t for t in variants[0] if _sentence(t) and not _chinese(translate(t, "zh-CN")))
            missing.append(f"{where}:{line}: {text!r} -> {translate(text, 'zh-CN')!r}")
    assert used == EXEMPT  # an exemption no message needs any more is removed
    assert not missing, "messages with no Chinese (add them to appraise.i18n):\n" + "\n".join(missing)


# ---------------------------------------------------------------- the composite messages, in Chinese written by hand

ZH = {"APPRAISE_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
EXAMPLE = ROOT / "tests" / "fixtures" / "example"


def _cli(*args: str):
    from click.testing import CliRunner

    from appraise.cli import main

    return CliRunner().invoke(main, ["--lang", "zh-CN", *args], env=ZH, prog_name="appraise")


def test_ruleset_mistakes_are_told_in_chinese(tmp_path):
    """A half-year dimension keyed by a quarter, a ratio's target written as a percent, and two rules that together
    drop the last KPI of a dimension: each message and hint wholly in Chinese, names and keys as written."""
    annual = tmp_path / "annual.yaml"
    annual.write_text((ROOT / "rulesets" / "sales-annual.yaml").read_text(encoding="utf-8").replace(
        "every: quarter, weights: {Q1: 20, Q2: 20, Q3: 30, Q4: 30}", "every: half, weights: {H1: 50, Q2: 50}"),
        encoding="utf-8")
    team = tmp_path / "team.yaml"
    text = (EXAMPLE / "sales-team.yaml").read_text(encoding="utf-8")
    text = text.replace("      - drop: strategy.new_product_share\n", "      - drop: strategy.new_product_share\n"
                        "  - id: retention-paused\n    when: team == 'east-1'\n    then:\n"
                        "      - drop: strategy.retention_rate\n", 1)
    text = text.replace("collection_rate: {weight: 30, target: 0.95,", "collection_rate: {weight: 30, target: 95,")
    team.write_text(text, encoding="utf-8")
    result = _cli("validate", str(annual), str(team))
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{annual}:39:71: 错误: 'Q2' 不是一年中的半年：every: half 时权重的键为 H1、H2; "
        "请按半年在一年中的位置作键，例如 H2 (scorecards.sales_rep.dimensions.year_results.periods.weights.Q2)",
        f"{team}:45:49: 警告: KPI 'results.collection_rate' 的目标（95）大于 2，但该指标是比率（0.95 = 95 %）; "
        "95 % 请写作 0.95 (scorecards.sales_rep.dimensions.results.kpis.collection_rate.target)",
        f"{team}:91:9: 错误: 规则 market-entry-blocked + retention-paused 合计去掉了 'strategy.retention_rate'，"
        "而届时它承担了维度 'strategy' 的各 KPI的全部 100 分权重，没有其他项可以接手（评分卡 'sales_rep'）; "
        "请让这些规则的条件互斥，或修改它们的权重 (rules[2].then[0].drop)",
        "2 个文件中有 2 个共 2 处错误，1 处警告"]


def test_data_mistakes_are_told_in_chinese(tmp_path):
    """The same employee-month twice, an employee not in the employees table, a month before the hire date."""
    shutil.copytree(EXAMPLE, tmp_path / "c")
    metrics = tmp_path / "c" / "data" / "metrics.csv"
    lines = metrics.read_text(encoding="utf-8").splitlines()
    row = next(line for line in lines if line.startswith("E001,2026-07"))
    lines.insert(lines.index(row) + 1, row)
    lines += [row.replace("E001", "E999", 1), row.replace("E001", "E999", 1).replace("2026-07", "2026-08")]
    metrics.write_text("\n".join(lines) + "\n", encoding="utf-8")
    employees = tmp_path / "c" / "data" / "employees.csv"
    hired = "E002,Zhang Min,sales_rep,east-1,east,"
    employees.write_text(employees.read_text(encoding="utf-8").replace(hired + "2026-07-15", hired + "2026-08-20"),
                         encoding="utf-8")
    result = _cli("run", str(tmp_path / "c" / "cycle-q3.yaml"), "-q", "--no-render")
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"{metrics}:6:2: 错误: (E001, 2026-07) 的行出现了两次；首次在第 5 行; 每位员工每月只保留一行 (month)",
        f"{metrics}:9:2: 警告: E002 在 2026-07 的指标行未被使用：E002 于 2026-08-20 入职，该月完全在任职期之外; "
        "请检查该行的员工和月份，或该员工的 hire_date 和 leave_date (month)",
        f"{metrics}:30:1: 错误: 员工 'E999' 的指标行，但员工表中没有此人（共 2 行；这是第一行）; "
        "请把该员工加入员工数据源，或改正编号 (employee)",
        "共 2 处错误；未写入任何内容"]


@pytest.mark.parametrize(("english", "chinese"), [
    # validate/rules.py: "{who} {phrase} (scorecard ...)", one rule or several (exempt from the scan above)
    ("rule 'a' sets 'results' to 120, but the scorecard's dimensions total 100 (scorecard 'rep')",
     "规则 'a' 把 'results' 设为 120，但评分卡的各维度合计只有 100（评分卡 'rep'）"),
    ("rules a + b together set 'results.x' to 80, but the KPIs of dimension 'results' total 60 (scorecard 'rep')",
     "规则 a + b 合计把 'results.x' 设为 80，但维度 'results' 的各 KPI合计只有 60（评分卡 'rep'）"),
    ("rule 'a' drops 'results', which carries all 100 points of the scorecard's dimensions; nothing is left to take "
     "them (scorecard 'rep')",
     "规则 'a' 去掉了 'results'，它承担了评分卡的各维度的全部 100 分权重，没有其他项可以接手（评分卡 'rep'）"),
    ("rule 'a' shifts 30 points from 'results', which has 20 (scorecard 'rep')",
     "规则 'a' 从 'results' 移出 30 分权重，但它只有 20 分（评分卡 'rep'）"),
    ("12 rules change the same weights of scorecard 'rep' (a, b, c); appraise checks every combination of at most "
     "10 such rules",
     "12 条规则修改评分卡 'rep' 的相同权重（a、b、c）；appraise 最多检查 10 条此类规则的所有组合"),
    # paths.py: a url has no "(to ...)" (exempt from the scan above)
    ("'${DB}' leads outside the cycle's folder /srv/c; data files, query files, the ruleset, overrides, the output "
     "and a SQLite store must be inside it",
     "'${DB}' 指向周期文件所在文件夹 /srv/c 之外；"
     "数据文件、查询文件、规则集、人工调整文件、输出和 SQLite 结果库都必须在其中"),
    # validate/periods.py with every: month; a cycle the ruleset's sub-periods do not fit
    ("'13' is not a month of a year: with every: month the weights are keyed 01, 02 … 12",
     "'13' 不是一年中的月：every: month 时权重的键为 01、02 … 12"),
    ("the weights of dimension 'results' in the ruleset (annual.yaml) name no quarter of 2026-H1 (Q1, Q2)",
     "规则集（annual.yaml）中维度 'results'的权重没有指明 2026-H1 的任何季度（Q1、Q2）"),
    ("run this ruleset for a period longer than a month (e.g. a year), or read shorter periods",
     "请对长于一个月的期间（例如一年）运行此规则集，或读取更短的期间"),
    # provide: lists inside values joined with 、 in prose
    ("provider 'csv' cannot read kind 'okr'; it reads credits, deals",
     "数据源插件 'csv' 不能读取 'okr' 类数据；它能读取 credits、deals"),
    ("test 'war' does not set context.a, context.b, which the ruleset reads",
     "测试 'war' 没有设置规则集读取的 context.a、context.b"),
    ("rating (E1, E2) by the same rater appears twice; first at line 3",
     "同一评价人的评分（E1、E2）出现了两次；首次在第 3 行"),
    ("value of 'revenue' is 1e-400, too close to 0 to compute with (below 2.2e-308 in size) (employee E1)",
     "'revenue' 的值为 1e-400，太接近 0，无法计算（绝对值小于 2.2e-308）（员工 E1）"),
    # the run's own warnings (engine/core: warnings.append, which the scan does not follow), printed by appraise run
    ("no stored run of ruleset 'plan' for 2026-Q2: draw balances are carried from 2026-Q1 and earlier, without "
     "2026-Q2's draws (run 2026-Q2 first, then this one again)",
     "结果库中没有规则集 'plan' 在 2026-Q2 的运行：预支余额从 2026-Q1 及更早的期间结转，不含 2026-Q2 的预支"
     "（请先运行 2026-Q2，再重新运行本期间）"),
    ("no data source provides 'leads', 'visits' (declared optional); whatever reads them counts as missing",
     "没有数据源提供 'leads'、'visits'（已声明为可选）；读取它们的内容均按缺失处理"),
    ("no scorecard of ruleset 'reps' applies to any of the 12 employees; check the scorecards' applies_to against "
     "the employee table",
     "规则集 'reps' 的评分卡不适用于这 12 名员工中的任何一人；请对照员工表检查各评分卡的 applies_to"),
    # an employee the engine cannot use (engine/core/rollup.py read_employees): the ruleset's reasons joined
    ("hire_date is empty, but the ruleset reads tenure_months and reads employed_share and prorates the bonus by days "
     "employed; give the employee's hire date (YYYY-MM-DD)",
     "hire_date 为空，但规则集读取 tenure_months 和 employed_share，并按在职天数折算奖金；请填写该员工的入职日期"
     "（YYYY-MM-DD）"),
])
def test_composite_messages(english, chinese):
    assert translate(english, "zh-CN") == chinese
    assert translate(english, "en") == english


def test_said_lists_and_help_paragraphs_are_chinese():
    """``appraise plugins`` joins a provider's kinds with 、; the longer paragraphs of --help are Chinese, and English
    under --lang en."""
    from appraise.i18n import say

    assert say("plugins.provider", "zh-CN", name="csv", kinds="credits, deals", default="metrics") == \
        "  数据源插件 csv  数据类型：credits、deals（默认 metrics）"
    assert say("plugins.provider", "en", name="csv", kinds="credits, deals", default="metrics") == \
        "  provider csv  kinds: credits, deals (default metrics)"
    page = _cli("plugins", "--help").stdout
    assert "APPRAISE_PLUGINS=name,name 限定加载哪些第三方插件（为空：一个都不加载；内置插件总会加载）。" in page
    from click.testing import CliRunner

    from appraise.cli import main

    english = CliRunner().invoke(main, ["--lang", "en", "plugins", "--help"], env=ZH).stdout
    assert "APPRAISE_PLUGINS=name,name restricts which third-party plugins load" in english
