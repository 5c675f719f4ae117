"""The message catalog is complete in both languages; numbers, money and dates follow the locale."""
from __future__ import annotations

import re
import shutil
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from appraise.i18n import (
    INPUT_MESSAGES,
    LOCALES,
    MESSAGES,
    XLSX_LABELS,
    Formatter,
    Texts,
    message_locale,
    normalize_locale,
)

ENGINE = Path(__file__).resolve().parents[1] / "engine"
HTML = Path(__file__).resolve().parents[1] / "plugins" / "html"  # the built-in renderer: views and templates


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_exists_in_every_language_with_the_same_placeholders(key):
    entry = MESSAGES[key]
    assert set(entry) == set(LOCALES), key
    assert all(entry[loc].strip() for loc in LOCALES), key
    assert placeholders(entry["en"]) == placeholders(entry["zh-CN"]), key


def test_chinese_texts_are_chinese():
    for key, entry in MESSAGES.items():
        if re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}|OKR|errors\.csv|HRBP", "", entry["zh-CN"])):
            pytest.fail(f"{key}: untranslated zh-CN text {entry['zh-CN']!r}")


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in sorted((HTML / "templates").glob("*.html")) + sorted(HTML.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.]+)["']""", text))
    return keys


def test_templates_and_views_use_only_catalog_keys():
    keys = used_keys()
    assert keys, "no t('...') call found: the scan is broken"
    assert keys <= set(MESSAGES), sorted(keys - set(MESSAGES))


def test_every_catalog_key_is_used():
    text = "\n".join(p.read_text(encoding="utf-8") for p in
                     sorted((HTML / "templates").glob("*.html")) + sorted(HTML.glob("*.py"))
                     + sorted((ENGINE / "tools" / "targets").glob("*.py")) + [ENGINE / "commands" / "targets.py"])
    i18n = (ENGINE / "i18n.py").read_text(encoding="utf-8")
    unused = [k for k in MESSAGES if f'"{k}"' not in text and f"'{k}'" not in text
              and not any(k.startswith(f"{kind}.") and f'f"{kind}.{{' in i18n for kind in ("relation", "competency"))]
    assert not unused, unused


def test_texts_format_and_override():
    t = Texts("zh-CN", {"plan.owner_default": {"en": "HRBP", "zh-CN": "人力资源业务伙伴"}})
    assert t("team.title", team="east-1") == "团队概览：east-1"
    assert t("plan.owner_default") == "人力资源业务伙伴"
    assert t("feedback.self_gap", self="80.0", others="91.0", gap="−11.0").startswith("自评 80.0")
    assert Texts("en").localized({"en": "Revenue", "zh-CN": "销售额"}) == "Revenue"
    assert Texts("zh-CN").localized({"en": "Revenue"}) == "Revenue"
    with pytest.raises(KeyError):
        Texts("en")("no.such.key")


@pytest.mark.parametrize("raw, expected", [
    ("zh", "zh-CN"), ("zh_CN", "zh-CN"), ("zh-Hans", "zh-CN"), ("ZH-cn", "zh-CN"),
    ("en-US", "en"), ("en", "en"), ("", "en"), (None, "en"), ("fr", "en"),
])
def test_normalize_locale(raw, expected):
    assert normalize_locale(raw) == expected


def test_english_formats():
    f = Formatter("en", "CNY")
    assert f.money("41100") == "CN¥41,100"
    assert f.money(Decimal("1234.5")) == "CN¥1,234.50"
    assert f.percent(0.2813) == "28.1%"
    assert f.number(1350000, 0) == "1,350,000"
    assert f.score(91.33333) == "91.3"
    assert f.date(date(2026, 10, 29)) == "Oct 29, 2026"
    assert f.measure(0.25, "ratio") == "25.0%"
    assert f.measure(1350000.0, "money") == "CN¥1,350,000"
    assert f.measure(72.0, "count") == "72"
    assert f.measure(None, "count") == "—"


def test_chinese_formats():
    f = Formatter("zh-CN", "CNY")
    assert f.money("41100") == "¥41,100"
    assert f.date(date(2026, 10, 29)) == "2026年10月29日"
    assert f.percent(1.25, 0) == "125%"
    assert Formatter("zh-CN", "USD").money("10") == "US$10"


@pytest.mark.parametrize("locale", LOCALES)
def test_fast_formatting_agrees_with_babel(locale):
    import random

    from babel.numbers import format_currency, format_decimal, format_percent

    from appraise.i18n import _babel_locale

    f, loc, rng = Formatter(locale, "CNY"), _babel_locale(locale), random.Random(3)
    for _ in range(500):
        x = rng.choice([rng.uniform(-2e6, 2e6), rng.uniform(0, 2), rng.uniform(0, 200)])
        assert f.number(x, 2) == format_decimal(x, format="#,##0.00", locale=loc)
        assert f.percent(x, 1) == format_percent(x, format="#,##0.0%", locale=loc)
        amount = Decimal(str(round(x, 2)))
        assert f.money(amount) == format_currency(amount, "CNY", locale=loc).replace(".00", ""), amount
    assert f.number(0.125, 2) == "0.13"   # half-up, like every reported number
    assert f.number(-0.01, 1) == "0.0"


# ---------------------------------------------------------------- every catalogue (issue 18)
# The pages' catalogue (MESSAGES, also the HTML renderer's: it has none of its own), explain's, the workshop's, the
# command line's (CLI) and the diagnostics' templates (DIAGNOSTICS, FRAGMENTS): every key in both languages with
# the same placeholders.  A catalogue added anywhere (a module-level dict of {en, zh-CN} texts) must be listed here.

def catalogues() -> dict[str, dict[str, dict[str, str]]]:
    from appraise import i18n
    from appraise.present import credit, explain, incentive
    from appraise.tools.workshop import texts

    def by_key(by_language):  # {locale: {key: text}} -> {key: {locale: text}}
        table = {k: {loc: by_language[loc].get(k, "") for loc in by_language} for k in by_language["en"]}
        for k in by_language["zh-CN"]:
            table.setdefault(k, {"en": "", "zh-CN": by_language["zh-CN"][k]})
        return table

    return {"i18n.MESSAGES": i18n.MESSAGES, "i18n.CLI": i18n.CLI, "i18n.DIAGNOSTICS": i18n.DIAGNOSTICS,
            "i18n.FRAGMENTS": i18n.FRAGMENTS, "present.explain.MESSAGES": by_key(explain.MESSAGES),
            "present.incentive.MESSAGES": by_key(incentive.MESSAGES),
            "tools.workshop.texts.MESSAGES": texts.MESSAGES, "i18n.INPUT_MESSAGES": i18n.INPUT_MESSAGES,
            "i18n.XLSX_LABELS": i18n.XLSX_LABELS, "present.credit.MESSAGES": credit.MESSAGES,
            "i18n.SYSTEM_ERRORS": i18n.SYSTEM_ERRORS, "i18n.PLUGIN_OPTIONS": i18n.PLUGIN_OPTIONS,
            "i18n.HELP": i18n.HELP}


# Module-level dicts keyed by locale that hold no texts to translate (file names per language).
NOT_CATALOGUES = {("tools.targets.page", "PAGES")}


def test_every_catalogue_is_complete_in_both_languages():
    checked = 0
    for name, table in catalogues().items():
        assert table, name
        for key, entry in table.items():
            assert set(entry) == set(LOCALES), (name, key)
            assert all(entry[loc].strip() for loc in LOCALES), (name, key)
            assert placeholders(entry["en"]) == placeholders(entry["zh-CN"]), (name, key)
            checked += 1
    assert checked > 600


def test_no_catalogue_is_left_out():
    """Every module-level dict literal holding {en, zh-CN} texts in engine/ and plugins/, and every table made of
    ``_entries(...)`` rows, is one of catalogues()."""
    import ast

    root = ENGINE.parent
    covered = {tuple(name.rsplit(".", 1)) for name in catalogues()} | NOT_CATALOGUES
    found = set()
    for path in sorted(ENGINE.rglob("*.py")) + sorted((root / "plugins").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
            value = getattr(node, "value", None)
            if not isinstance(target, ast.Name):
                continue
            if (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "_entries"
                    and value.args):  # i18n's (key, en, zh-CN) rows
                module = ".".join(path.relative_to(ENGINE if ENGINE in path.parents else root).with_suffix("").parts)
                found.add((module, target.id))
                continue
            if not isinstance(value, ast.Dict):
                continue
            keys = [k.value for k in value.keys if isinstance(k, ast.Constant)]
            inner = [k.value for v in value.values if isinstance(v, ast.Dict) for k in v.keys
                     if isinstance(k, ast.Constant)]
            if "zh-CN" in keys or "zh-CN" in inner:
                module = ".".join(path.relative_to(ENGINE if ENGINE in path.parents else root).with_suffix("").parts)
                found.add((module, target.id))
    assert found, "the scan found no catalogue: it is broken"
    assert found <= covered, found - covered


CJK = re.compile(r"[\u3400-\u9fff]")


def test_command_line_texts_are_chinese():
    from appraise.i18n import CLI, DIAGNOSTICS, FRAGMENTS

    # texts that are code, names or punctuation in both languages
    same = {"cycle.validate_it"}
    for table in (CLI, DIAGNOSTICS, FRAGMENTS):
        for key, entry in table.items():
            if key in same:
                assert entry["zh-CN"] == entry["en"]
            elif not CJK.search(entry["zh-CN"]):  # then only its punctuation or spelling differs
                assert entry["zh-CN"] != entry["en"] and len(re.sub(r"\{\w+\}", "", entry["zh-CN"])) <= 3, key


@pytest.mark.parametrize("english, chinese", [
    # worked out by hand from the templates: the whole message, its phrases and its lists
    ("must be a number, not the text '20%'", "应为数字，而不是文本 '20%'"),
    ("must be text or a mapping (key: value), not the number 12", "应为文本或映射（键: 值），而不是数字 12"),
    ("unknown name 'tenure' in the condition of rule 'price-war'; did you mean 'tenure_months'?",
     "规则 'price-war' 的条件中有未知的名称 'tenure'；是否想写 'tenure_months'？"),
    ("the weights of the KPIs of dimension 'results' add up to 99.99, not 100",
     "维度 'results' 的各 KPI的权重合计为 99.99，而不是 100"),
    ("needs one of 'kpis', 'okr', 'feedback360' or 'periods'", "需要 'kpis'、'okr'、'feedback360' 或 'periods' 之一"),
    ("'week' is not one of month, quarter, half", "'week' 不是 month、quarter、half 之一"),  # values stay as written
    ("the number 120 is out of range: it must be at most 100", "数字 120 超出范围：应不大于 100"),
    ("'quota' of employee E1 is '12.375,00', which is not a number", "员工 E1 的 'quota' 为 '12.375,00'，不是数字"),
    ("the metrics table has no column 'month'; its columns: employee, monat, revenue",
     "指标表没有列 'month'；其列为：employee、monat、revenue"),
    ("write {} for an empty mapping", "空映射请写 {}"),
    ("49 errors in 42 of 42 files", "42 个文件中有 42 个共 49 处错误"),
    ("26 passed, 1 failed", "通过 26 个，失败 1 个"),
    ("employee id 'E1' differs from 'e1' (line 11) only in letter case / 员工编号“E1”与“e1”仅大小写不同",
     "员工编号“E1”与“e1”仅大小写不同"),
    # the YAML parser's own words, by SYSTEM_ERRORS; one it does not know stays as PyYAML wrote it
    ("YAML syntax: expected ',' or ']', but got ':'", "YAML 语法错误：应为 ',' 或 ']'，却遇到 ':'"),
    ("YAML syntax: found a new kind of problem", "YAML 语法错误：found a new kind of problem"),
    ("a sentence no template knows", "a sentence no template knows"),
])
def test_translate(english, chinese):
    from appraise.i18n import translate

    assert translate(english, "zh-CN") == chinese
    assert translate(english, "en") == english


def test_every_broken_file_is_reported_in_chinese():
    """The broken-rule-file corpus (tests/broken) in Chinese: every message and every hint says it in Chinese
    (names, values and key paths as written)."""
    from appraise.commands import localized
    from appraise.language.validate import validate_files

    broken = Path(__file__).parent / "broken"
    found = validate_files([broken]).diagnostics
    assert len(found) > 40
    for d in localized(found, "zh-CN"):
        assert CJK.search(d.message), str(d)
        assert not d.hint or CJK.search(d.hint), str(d)


@pytest.mark.parametrize("environ, expected", [
    ({}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh-CN"), ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "de_DE.UTF-8"}, "en"),
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),             # LC_ALL wins (POSIX)
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US"}, "zh-CN"),  # then LC_MESSAGES, then LANG
    ({"APPRAISE_LANG": "zh", "LC_ALL": "en_US.UTF-8"}, "zh-CN"),
    ({"APPRAISE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
])
def test_the_language_comes_from_appraise_lang_else_the_locale(environ, expected):
    from appraise.i18n import cli_locale

    assert cli_locale(None, environ) == expected
    assert cli_locale("zh-CN", environ) == "zh-CN" and cli_locale("en", environ) == "en"


def test_a_language_appraise_does_not_speak_is_refused():
    from appraise.i18n import parse_lang

    assert parse_lang("zh_CN.UTF-8") == "zh-CN" and parse_lang("en-GB") == "en"
    with pytest.raises(ValueError, match="'fr' is not a language appraise speaks"):
        parse_lang("fr")


NO_LOCALE = {"APPRAISE_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": ""}


def test_validate_speaks_the_language_asked_for(tmp_path):
    """A broken file as a user meets it: English by default, Chinese by --lang (before or after the command),
    APPRAISE_LANG or the locale."""
    from click.testing import CliRunner

    from appraise.cli import main

    bad = tmp_path / "team.yaml"
    bad.write_text((Path(__file__).parent / "broken" / "version-number.yaml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    english = [f"{bad}:4:10: error: must be text, not the number 2026.1; put it in quotes: \"2026.1\" (version)",
               "1 error in 1 of 1 file"]
    chinese = [f"{bad}:4:10: 错误: 应为文本，而不是数字 2026.1; 请加上引号：\"2026.1\" (version)",
               "1 个文件中有 1 个共 1 处错误"]
    runner = CliRunner()
    for args, env, lines in [
        (["validate", str(bad)], {}, english),
        (["--lang", "zh-CN", "validate", str(bad)], {}, chinese),
        (["validate", "--lang", "zh", str(bad)], {}, chinese),
        (["validate", str(bad)], {"APPRAISE_LANG": "zh-CN"}, chinese),
        (["validate", str(bad)], {"LANG": "zh_CN.UTF-8"}, chinese),
        (["--lang", "en", "validate", str(bad)], {"APPRAISE_LANG": "zh-CN"}, english),
    ]:
        result = runner.invoke(main, args, env={**NO_LOCALE, **env})
        assert result.exit_code == 1, result.output
        assert result.stdout.splitlines() == lines, (args, env)
    result = runner.invoke(main, ["--lang", "zh-CN", "validate"], env=NO_LOCALE)
    assert result.exit_code == 2 and "请至少给出一个文件或文件夹" in result.stderr
    result = runner.invoke(main, ["validate", str(bad)], env={**NO_LOCALE, "APPRAISE_LANG": "fr"})
    assert result.exit_code == 2 and "'fr' is not a language appraise speaks" in result.stderr


def test_run_test_and_history_speak_chinese(tmp_path):
    from click.testing import CliRunner

    from appraise.cli import main

    runner = CliRunner()
    env = {**NO_LOCALE, "APPRAISE_LANG": "zh-CN"}
    example = Path(__file__).parent / "fixtures" / "example"
    shutil.copytree(example / "data", tmp_path / "data")  # (a cycle's missing data files are errors too)
    cycle = tmp_path / "cycle.yaml"
    cycle.write_text((example / "cycle-q3.yaml").read_text(encoding="utf-8").replace(
        "sales-team.yaml", "no-such-rules.yaml"), encoding="utf-8")
    result = runner.invoke(main, ["run", str(cycle), "-q"], env=env)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "共 1 处错误；未写入任何内容", result.stderr
    assert "找不到规则集文件 'no-such-rules.yaml'" in result.stderr, result.stderr
    result = runner.invoke(main, ["history", "E001", "--store", f"sqlite:///{tmp_path / 'none.db'}"], env=env)
    assert result.exit_code == 1 and "中没有 'E001' 的结果" in result.stderr
    (tmp_path / "t").mkdir()
    result = runner.invoke(main, ["test", str(tmp_path / "t")], env=env)
    assert result.exit_code == 2 and "没有找到测试文件" in result.stderr


# ---------------------------------------------------------------- the input messages (issue 18, w18c)

@pytest.mark.parametrize("key", sorted(INPUT_MESSAGES))
def test_every_input_message_exists_in_both_languages_with_the_same_placeholders(key):
    entry = INPUT_MESSAGES[key]
    assert set(entry) == set(LOCALES), key
    assert all(entry[loc].strip() for loc in LOCALES), key
    assert placeholders(entry["en"]) == placeholders(entry["zh-CN"]), key
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"\{[^}]*\}|YAML|Excel|header_row|skip_rows", "", entry["zh-CN"]))


def test_every_input_message_is_used():
    root = ENGINE.parent
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.glob("engine/**/*.py"))
                     + sorted(root.glob("plugins/**/*.py")) if p.name != "i18n.py")
    # the percent hints are chosen by the place's kind: say(f"percent.{kind}", ...) with kind = "weight", ...
    dynamic = 'f"percent.{kind}"' in text
    paired = 'f"{key}.hint"' in text  # _say_pair(key): the message and its hint
    unused = [k for k in INPUT_MESSAGES if f'"{k}"' not in text
              and not (dynamic and k.startswith("percent.") and f'"{k.split(".", 1)[1]}"' in text)
              and not (paired and k.endswith(".hint") and f'"{k[:-5]}"' in text)]
    assert not unused, unused


@pytest.mark.parametrize("env, expected", [
    ({"APPRAISE_LANG": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh-CN"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({}, "en"),
])
def test_message_locale(monkeypatch, env, expected):
    for var in ("APPRAISE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert message_locale() == expected


@pytest.mark.parametrize("key", sorted(XLSX_LABELS))
def test_every_xlsx_label_exists_in_both_languages_with_the_same_placeholders(key):
    entry = XLSX_LABELS[key]
    assert set(entry) == set(LOCALES), key
    assert all(entry[loc].strip() for loc in LOCALES), key
    assert placeholders(entry["en"]) == placeholders(entry["zh-CN"]), key


def test_every_xlsx_label_is_used():
    text = (ENGINE / "export" / "xlsx_columns.py").read_text(encoding="utf-8")
    # kpi.<field> labels are chosen by the field: lab(f"kpi.{field}", ...)
    unused = [k for k in XLSX_LABELS
              if f'"{k}"' not in text and not (k.startswith("kpi.") and 'f"kpi.{field}"' in text)]
    assert not unused, unused


def test_lang_option_reaches_the_messages_made_deep_in_the_loader(tmp_path, monkeypatch):
    """``appraise --lang zh-CN`` words the loader's own messages (a full-width colon) in Chinese without
    APPRAISE_LANG, and the choice ends with the command."""
    from click.testing import CliRunner

    from appraise.cli import main

    for var in ("APPRAISE_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    rules = tmp_path / "rules.yaml"
    rules.write_text("id: r\nversion: '1'\ncurrency：CNY\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["--lang", "zh-CN", "validate", str(rules)])
    assert result.exit_code == 1
    assert "全角" in result.output, result.output
    assert message_locale() == "en"
    result = CliRunner().invoke(main, ["validate", str(rules)])
    assert "full-width" in result.output, result.output
