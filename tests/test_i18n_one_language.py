"""Messages are shown in the language the user chose, and only in it.  About 75 messages used to be written
"English / 中文" in one string: an English reader saw the Chinese too, and a Chinese reader lost what followed a
" / " inside the English ("attainment is measure / target / 组件 …" showed "target / 组件 …").  They are written in
English where they are made and rendered from the catalogue (appraise.i18n.DIAGNOSTICS); this keeps it so."""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from click.testing import CliRunner

from appraise.cli import main

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff]")
# texts meant in both languages: the option that chooses the language is found by either reader
BOTH_ON_PURPOSE = {("engine/cli.py", "Language of every message")}


def _texts(tree):
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(parents.get(node), ast.JoinedStr):
            continue
        if isinstance(node, ast.JoinedStr):
            yield node, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node, node.value


def test_no_message_is_written_in_both_languages_at_once():
    found = []
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("plugins/**/*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "engine/i18n.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.body[0].value) for n in ast.walk(tree)
                if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.body
                and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node, text in _texts(tree):
            at = text.find(" / ")
            if id(node) in docs or at < 0 or not CJK.search(text[at:]) or CJK.search(text[:at]):
                continue
            if not any(rel == f and text.startswith(t) for f, t in BOTH_ON_PURPOSE):
                found.append(f"{rel}:{node.lineno}: {text[:80]}")
    assert not found, "write these in English and add their Chinese to appraise.i18n:\n" + "\n".join(found)


RULESET = """\
id: bad
version: "1"
attributes: {target_bonus: money}
metrics:
  revenue: {aggregate: sum}
  quota: {aggregate: sum}
scorecards:
  rep:
    dimensions:
      results: {weight: 100, kpis: {revenue: {weight: 100, target: quota}}}
grades: [{grade: A, min: 0}]
bonus:
  target: target_bonus
  components:
    sales:
      measure: revenue
      share: 1
      bands:
        - {from: 0, to: 0.8, rate: 0.5}
        - {from: 0.9, rate: 1}
"""


def test_a_sample_shows_only_the_chosen_language(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(textwrap.dedent(RULESET), encoding="utf-8")
    en = CliRunner().invoke(main, ["--lang", "en", "validate", str(path)])
    zh = CliRunner().invoke(main, ["--lang", "zh-CN", "validate", str(path)])
    assert en.exit_code == zh.exit_code == 1
    # component 'sales' has bands but no target (line 15), and a gap between 0.8 and 0.9 (line 19)
    assert f"{path}:15:5: error: component 'sales' has bands but no target: attainment is measure / target; add " \
           "target: (a number, a metric, an employee column or an expression) (bonus.components.sales)" in en.stdout
    assert "attainment from 0.8 to 0.9 is in no band" in en.stdout
    assert not CJK.search(en.output), en.output
    assert f"{path}:15:5: 错误: 组件 'sales' 有 bands，却没有 target：达成率 = 度量 / 目标; " \
           "请添加 target:（数字、指标、员工表的列或表达式） (bonus.components.sales)" in zh.stdout
    assert "组件 'sales' 的费率档有空缺：达成率 0.8 到 0.9 不属于任何一档" in zh.stdout
    assert "no band" not in zh.output and "no target" not in zh.output and "component '" not in zh.output
