"""The message catalog is complete in both languages; numbers, money and dates follow the locale."""
from __future__ import annotations

import re
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from appraise.i18n import LOCALES, MESSAGES, Formatter, Texts, normalize_locale

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
