"""Every message in the user's language: the mistakes people really make, run in Chinese (session 7, wi18n).

Each class of message that used to show English inside Chinese output — PyYAML's problems, the operating system's
and the databases' errors, click's usage errors, the JSON Schemas' descriptions in hints, the built-in providers'
option descriptions, ``appraise targets``' schema errors — is run through the real command line (click's CliRunner,
in process) and compared with Chinese written here by hand from the catalogue's templates.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from appraise.cli import main

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "tests" / "fixtures" / "example" / "sales-team.yaml"
PLAN = ROOT / "tests" / "fixtures" / "targets"
ZH = {"APPRAISE_LANG": "zh-CN", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}
CJK = re.compile(r"[\u3400-\u9fff]")


def zh(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env={**ZH, **(env or {})}, prog_name="appraise")


# ---------------------------------------------------------------- YAML syntax (PyYAML's problems, with hints)

@pytest.mark.parametrize("edit, line", [
    # a tab before a key (editors that indent with tabs)
    (("currency: CNY\n", "currency: CNY\n\tmissing2: x\n"),
     "{f}:6:1: 错误: YAML 语法错误：这里有一个制表符（Tab）：YAML 不能用 Tab 缩进或对齐; "
     "请用空格缩进，不要用 Tab（可把编辑器设置为按 Tab 键时插入空格）"),
    # a key without its colon
    (("currency: CNY\n", "currency CNY\nmissing2: x\n"),
     "{f}:6:1: 错误: YAML 语法错误：找不到应有的冒号 ':'; "
     "键后面要有冒号和空格（键: 值）；接着上一行写的内容要缩进到它下面"),
    # a second 'key: value' on one line
    (("currency: CNY\n", "currency: CNY: EUR\n"),
     "{f}:5:14: 错误: YAML 语法错误：此处不能再写“键: 值”; 值里不能在同一行再写“键: 值”：含有 ': ' 的值请加引号，"
     "或把下一层的键另起一行并缩进；请检查本行和上一行的缩进"),
    # a list left open
    (("currency: CNY\n", "currency: [CNY\n"),
     "{f}:6:8: 错误: YAML 语法错误：应为 ',' 或 ']'，却遇到 ':'; 请用 ']' 结束列表（各项之间用 ',' 分隔）"),
])
def test_yaml_syntax_errors_in_chinese(tmp_path, edit, line):
    bad = tmp_path / "rules.yaml"
    bad.write_text(RULES.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    result = zh("validate", str(bad))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [line.format(f=bad), "1 个文件中有 1 个共 1 处错误"]


def test_yaml_problems_of_libyaml_and_pyyaml_are_both_known():
    from appraise.i18n import system_error

    # libyaml words the same problems differently from PyYAML; both reach the user in Chinese
    assert system_error("mapping values are not allowed in this context", "zh-CN") == "此处不能再写“键: 值”"
    assert system_error("did not find expected ',' or ']'", "zh-CN") == "找不到应有的 ',' 或 ']'"
    assert system_error("found a tab character that violates indentation", "zh-CN") == \
        "制表符（Tab）破坏了缩进：YAML 只能用空格缩进"
    assert system_error("found character '@' that cannot start any token", "zh-CN") == \
        "字符 '@' 不能出现在此处（不能作为值的开头）"
    assert system_error("mapping values are not allowed here", "en") == "mapping values are not allowed here"


# ---------------------------------------------------------------- the operating system's errors

@pytest.mark.parametrize("code, chinese", [
    (errno.ENOENT, "没有这个文件或文件夹"), (errno.EACCES, "没有访问权限"), (errno.EISDIR, "这是一个文件夹，不是文件"),
    (errno.ENOSPC, "磁盘已满（设备上没有剩余空间）"),
])
def test_os_errors_in_chinese(code, chinese):
    from appraise.i18n import system_error, translate

    assert system_error(os.strerror(code), "zh-CN") == chinese
    assert translate(f"cannot read file: {os.strerror(code)}", "zh-CN") == f"无法读取文件：{chinese}"
    assert translate(f"cannot read data/m.csv: {os.strerror(code)}", "zh-CN") == f"无法读取 data/m.csv：{chinese}"


def test_an_unreadable_rule_file_is_a_located_chinese_error(tmp_path, monkeypatch):
    """Permission denied on a ruleset used to be a traceback; now it is file:0:0 in Chinese."""
    locked = tmp_path / "locked.yaml"
    locked.write_text("id: r\n", encoding="utf-8")
    real = Path.read_bytes

    def refuse(self):
        if self.name == "locked.yaml":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = zh("validate", str(locked))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"{locked}:0:0: 错误: 无法读取文件：没有访问权限",
                                          "1 个文件中有 1 个共 1 处错误"]


def test_a_full_disk_during_a_run_is_a_chinese_error_not_a_traceback(tmp_path, monkeypatch):
    import appraise.run

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "out" / "results.json"))

    monkeypatch.setattr(appraise.run, "run_cycle", full)
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("cycle: 2026-Q3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = zh("run", str(cycle), "-q")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["错误：系统拒绝读写 out/results.json：磁盘已满（设备上没有剩余空间）"]


# ---------------------------------------------------------------- databases

def test_a_database_that_refuses_the_connection(tmp_path):
    """A postgres store on a closed loopback port: history said 'no results stored'; now the driver's reason, in
    Chinese (psycopg's words: 'connection failed: connection to server at "127.0.0.1", port 9 failed: Connection
    refused')."""
    pytest.importorskip("psycopg")
    url = "postgresql+psycopg://hr:wrong@127.0.0.1:9/appraise"
    result = zh("history", "E001", "--store", url)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "错误：无法打开结果库 postgresql+psycopg://hr:***@127.0.0.1:9/appraise：连接失败："
        "无法连接到服务器 \"127.0.0.1\"（端口 9）：连接被拒绝（该地址上没有运行数据库服务）")
    assert "wrong" not in result.output
    result = zh("history", "E001", "--store", "nosuchdb://x/y")
    assert result.stderr.splitlines() == [
        "错误：无法打开结果库 nosuchdb://x/y：无法加载数据库驱动：nosuchdb（请安装对应的驱动包）"]


@pytest.mark.parametrize("english, chinese", [
    ("the database refused the query (sqlite:///crm.db): no such table: metrics (query: select * from metrics)",
     "数据库拒绝了查询（sqlite:///crm.db）：没有数据表 metrics（查询：select * from metrics）"),
    ('cannot open the results store postgresql://hr:***@db/hr: connection failed: connection to server at "10.0.0.5", '
     'port 5432 failed: FATAL:  password authentication failed for user "hr"',
     '无法打开结果库 postgresql://hr:***@db/hr：连接失败：无法连接到服务器 "10.0.0.5"（端口 5432）：'
     '致命错误：用户 "hr" 的密码验证失败（用户名或密码错误）'),
    ('cannot open the results store postgresql://hr:***@db/hr: database "hr" does not exist',
     '无法打开结果库 postgresql://hr:***@db/hr：数据库 "hr" 不存在'),
    # a sentence of a driver no template knows stays as the driver wrote it (and is not cut up by other templates)
    ("cannot open the results store mysql://x: server has gone away, try again",
     "无法打开结果库 mysql://x：server has gone away, try again"),
])
def test_database_errors_in_chinese(english, chinese):
    from appraise.i18n import translate

    assert translate(english, "zh-CN") == chinese


# ---------------------------------------------------------------- click's usage errors

def test_usage_errors_in_chinese(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    result = zh("run", "nosuch.yaml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["用法：appraise run [OPTIONS] CYCLE", "运行 'appraise run --help' 查看帮助。",
                                          "", "错误：参数 'CYCLE' 的值无效：文件 'nosuch.yaml' 不存在。"]
    assert zh("run", "data").stderr.splitlines()[-1] == "错误：参数 'CYCLE' 的值无效：'data' 是文件夹，这里需要文件。"
    assert zh("validate", "--nosuch").stderr.splitlines()[-1] == "错误：没有选项 '--nosuch'。"
    (tmp_path / "c.yaml").write_text("cycle: 2026-Q3\n", encoding="utf-8")
    assert zh("explain", "c.yaml").stderr.splitlines()[-1] == "错误：缺少参数 'EMPLOYEE'。"
    # --lang before an option the group does not know still chooses the language of the error
    result = zh("--lang", "zh-CN", "--bogus", env={"APPRAISE_LANG": ""})
    assert result.exit_code == 2 and result.stderr.splitlines()[-1] == "错误：没有选项 '--bogus'。"
    english = zh("run", "nosuch.yaml", env={"APPRAISE_LANG": "en"})
    assert english.stderr.splitlines()[-1] == "Error: Invalid value for 'CYCLE': File 'nosuch.yaml' does not exist."


# ---------------------------------------------------------------- the schemas' descriptions in hints

def _required_descriptions() -> dict[str, str]:
    """Every description an 'add <key>: (<description>)' hint can show: those of required properties, with the
    Chinese beside them (following $ref as the validator does)."""
    out = {}
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        root = json.loads(path.read_text(encoding="utf-8"))

        def deref(node, root=root):  # noqa: B023 (bound by the default)
            while isinstance(node, dict) and "$ref" in node and "description" not in node:
                target = root
                for part in node["$ref"][2:].split("/"):
                    target = target[part]
                node = target
            return node

        def walk(node, path=path):
            if isinstance(node, dict):
                for key in node.get("required", []) if isinstance(node.get("required"), list) else []:
                    prop = deref(node.get("properties", {}).get(key, {}))
                    if isinstance(prop, dict) and prop.get("description"):
                        out[f"{path.name}:{key}:{prop['description']}"] = prop.get("x-description-zh-CN", "")
                for value in node.values():
                    walk(value, path)
            elif isinstance(node, list):
                for value in node:
                    walk(value, path)

        walk(root)
    return out


def test_every_description_a_hint_can_show_is_in_chinese():
    found = _required_descriptions()
    assert len(found) > 80
    missing = [k for k, v in found.items() if not CJK.search(v)]
    assert not missing, missing


def test_a_missing_key_is_explained_in_chinese(tmp_path):
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text("cycle: 2026-Q3\nsources: []\n", encoding="utf-8")
    result = zh("validate", str(cycle))
    line = f"{cycle}:1:1: 错误: 缺少 'ruleset'; 请添加 ruleset:（规则集文件的路径，相对于本文件）"
    assert line in result.stdout.splitlines(), result.stdout


def test_the_chinese_descriptions_change_no_validation():
    """x-description-zh-CN sits only beside a description: the schemas validate exactly as before."""
    for path in sorted((ROOT / "schemas").glob("*.schema.json")):
        def walk(node, path=path):
            if isinstance(node, dict):
                assert "x-description-zh-CN" not in node or "description" in node, path
                for value in node.values():
                    walk(value, path)
            elif isinstance(node, list):
                for value in node:
                    walk(value, path)

        walk(json.loads(path.read_text(encoding="utf-8")))


# ---------------------------------------------------------------- the built-in providers' options

def test_every_built_in_provider_option_is_described_in_chinese():
    from appraise.commands.plugins import describe
    from appraise.i18n import PLUGIN_OPTIONS

    english = describe("en")
    chinese = describe("zh-CN")
    options = [(p["name"], k, spec["description"], zh_p["options"][k]["description"])
               for row, zh_row in zip(english, chinese, strict=True) if row["builtin"]
               for p, zh_p in zip(row["providers"], zh_row["providers"], strict=True)
               for k, spec in p["options"].items()]
    assert len(options) > 30
    for name, key, en, text in options:
        assert CJK.search(text) and text != en, (name, key, en)
    # every entry of the catalogue is still the English of some option (a reworded option shows its new English)
    shown = {en for _, _, en, _ in options}
    assert {e["en"].replace("{{", "{").replace("}}", "}") for e in PLUGIN_OPTIONS.values()} <= shown


def test_appraise_plugins_in_chinese():
    result = zh("plugins")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "    sheet: xlsx：工作表名称（默认：第一个工作表）" in lines
    assert "    table: 读取整张表（或视图），而不是查询" in lines
    data = json.loads(zh("plugins", "--format", "json").stdout)  # the JSON for programs stays as the plugins say
    csv = next(p for row in data for p in row["providers"] if p["name"] == "csv")
    assert csv["options"]["ignore"]["description"] == "columns of the file to leave out (after renaming)"


def test_a_third_party_option_can_carry_its_own_chinese():
    from appraise.i18n import option_description

    spec = {"description": "the bucket", "x-description-zh-CN": "存储桶"}
    assert option_description(spec, "zh-CN") == "存储桶"
    assert option_description(spec, "en") == "the bucket"
    assert option_description({"description": "words nobody translated"}, "zh-CN") == "words nobody translated"


# ---------------------------------------------------------------- appraise targets

@pytest.fixture
def plan_dir(tmp_path):
    folder = tmp_path / "plan"
    shutil.copytree(PLAN, folder)
    return folder


def test_targets_schema_errors_in_chinese(plan_dir):
    text = (plan_dir / "plan-2026.yaml").read_text(encoding="utf-8")
    bad = plan_dir / "bad.yaml"
    bad.write_text(text.replace("total: 5400000", "totl: 5400000").replace("unit: 100 ", "unit: -100 "),
                   encoding="utf-8")
    expected = [f"{bad}:2:1: 错误: 缺少 'total'; 请添加 total:（公司的年度目标（以币种计））",
                f"{bad}:4:1: 错误: 未知的键 'totl'；是否想写 'total'？ (totl)",
                f"{bad}:5:7: 错误: 数字 -100 超出范围：应大于 0 (unit)"]
    for args, env in [(["targets", str(bad)], {}),                                    # APPRAISE_LANG
                      (["--lang", "zh-CN", "targets", str(bad)], {"APPRAISE_LANG": ""}),  # the group's --lang
                      (["targets", "--lang", "zh-CN", str(bad)], {"APPRAISE_LANG": ""})]:
        result = zh(*args, env=env)
        assert result.exit_code == 1
        assert sorted(result.stderr.splitlines()) == sorted(expected), args
    tab = plan_dir / "tab.yaml"
    tab.write_text(text.replace("year: 2026\n", "year: 2026\n\tx: 1\n"), encoding="utf-8")
    assert zh("targets", str(tab)).stderr.splitlines() == [
        f"{tab}:4:1: 错误: YAML 语法错误：这里有一个制表符（Tab）：YAML 不能用 Tab 缩进或对齐; "
        "请用空格缩进，不要用 Tab（可把编辑器设置为按 Tab 键时插入空格）"]


# ---------------------------------------------------------------- found by running the mistakes: expressions

def test_a_context_flag_written_yes_is_explained_in_chinese(tmp_path):
    example = ROOT / "tests" / "fixtures" / "example"
    shutil.copy(example / "sales-team.yaml", tmp_path / "sales-team.yaml")
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text((example / "cycle-q3.yaml").read_text(encoding="utf-8").replace("price_war: true",
                                                                                      "price_war: yes"),
                     encoding="utf-8")
    result = zh("validate", str(cycle))
    assert result.stdout.splitlines()[0] == (
        f"{cycle}:5:14: 错误: 规则集（sales-team.yaml）中的 'context.price_war' 无法使用此 context：条件必须是 true 或 "
        "false，但这里是文本；请写 true 或 false（不要写 yes/no、1/0 或 \"false\"）; "
        "请让 context 的值符合规则集期望的类型（条件用 true/false，'in' 用列表） (context.price_war)")


def test_a_sentence_nothing_knows_is_not_cut_up():
    """The generic templates ("{where}: {problem}", "{a}, {b}", "{a} and {b}") used to translate the joining words of
    any English sentence ("layout：wide、but the file has metric和value columns"); now it is shown whole."""
    from appraise.i18n import translate

    text = "colour: blue, but the sky has clouds and rain in it (a sentence no template knows)"
    assert translate(text, "zh-CN") == text
    assert translate("layout: wide, but the file has metric and value columns (the long layout)", "zh-CN") == \
        "layout: wide，但文件有 metric 和 value 两列（这是 long 布局）"
    assert translate("cannot read x.csv: No such file or directory", "zh-CN") == \
        "无法读取 x.csv：没有这个文件或文件夹"


def test_a_cycle_file_without_its_cycle_key_is_still_a_cycle_file(tmp_path):
    """It used to be taken for a ruleset: ten errors about keys a ruleset lacks; now the one that is missing."""
    example = ROOT / "tests" / "fixtures" / "example"
    shutil.copy(example / "sales-team.yaml", tmp_path / "sales-team.yaml")
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text((example / "cycle-q3.yaml").read_text(encoding="utf-8").replace("cycle: 2026-Q3\n", ""),
                     encoding="utf-8")
    result = zh("validate", "--no-data", str(cycle))  # (the data files are not copied)
    assert result.stdout.splitlines() == [
        f"{cycle}:2:1: 错误: 缺少 'cycle'; 请添加 cycle:（考核期间：2026-07（月）、2026-Q3（季度）、2026-H2（半年）或 "
        "2026（年））", "1 个文件中有 1 个共 1 处错误"]


# ---------------------------------------------------------------- --help

def test_help_in_chinese():
    listing = zh("--help").stdout.splitlines()
    assert "  run       运行考核周期 CYCLE：校验 → 读取数据 → 评估 → 存储 → 导出 → 生成页面。" in listing
    assert "  -h, --help       显示此帮助并退出。" in listing and "命令：" in listing
    page = zh("run", "--help").stdout.splitlines()
    assert page[0] == "用法：appraise run [OPTIONS] CYCLE"
    assert "  运行考核周期 CYCLE：校验 → 读取数据 → 评估 → 存储 → 导出 → 生成页面。" in page
    assert "  --no-render               不生成仪表盘、发展计划和团队页面。" in page
    english = zh("run", "--help", env={"APPRAISE_LANG": "en"}).stdout.splitlines()
    assert english[0] == "Usage: appraise run [OPTIONS] CYCLE"
    assert "  --no-render               Skip dashboards, plans and team pages." in english


def test_every_help_translation_is_of_the_current_english():
    """An entry of HELP whose command or option was reworded would silently show English: each must still match."""
    import click

    from appraise.i18n import HELP

    ctx = click.Context(main)
    current = {}
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        first, _, rest = (command.help or "").partition("\n\n")
        current[name] = " ".join(first.split())
        if rest.strip():  # the longer paragraphs: "<command>.description"
            current[f"{name}.description"] = " ".join(rest.split())
        for param in command.params:
            if getattr(param, "help", None):
                current[f"{name}.{param.opts[0]}"] = " ".join(param.help.split())
    stale = [k for k, e in HELP.items() if not k.startswith("click.") and current.get(k) != " ".join(e["en"].split())]
    assert not stale, stale
    untranslated = [k for k in current if k not in HELP and not k.endswith(".--lang") and not k.endswith(".--pages")]
    assert not untranslated, untranslated


def test_a_message_already_in_chinese_is_not_translated_again():
    """A said message holds code to copy (``header_row: 3``); translating it again made its colon full-width,
    which YAML refuses.  An English message with a Chinese name in it is still translated."""
    from appraise.i18n import say, translate

    said = say("excel.title_row.hint", "zh-CN", header=3, skip=2)
    assert "header_row: 3" in said and translate(said, "zh-CN") == said
    english = "cannot open the results store sqlite:///张三.db: disk I/O error"
    assert translate(english, "zh-CN").startswith("无法打开结果库")
