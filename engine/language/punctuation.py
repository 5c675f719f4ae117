"""Full-width punctuation typed with a Chinese keyboard where a rule file needs ASCII (found, named, replaced), and
percentages (``30%``) typed where a number is meant"""
from __future__ import annotations

import re

# character -> (the ASCII a rule file needs, its English name, its Chinese name)
FULLWIDTH: dict[str, tuple[str, str, str]] = {
    "：": (":", "full-width colon", "全角冒号"),
    "，": (",", "full-width comma", "全角逗号"),
    "、": (",", "enumeration comma", "顿号"),
    "；": (";", "full-width semicolon", "全角分号"),
    "（": ("(", "full-width parenthesis", "全角括号"),
    "）": (")", "full-width parenthesis", "全角括号"),
    "［": ("[", "full-width bracket", "全角方括号"),
    "］": ("]", "full-width bracket", "全角方括号"),
    "【": ("[", "Chinese bracket", "中文方括号"),
    "】": ("]", "Chinese bracket", "中文方括号"),
    "｛": ("{", "full-width brace", "全角花括号"),
    "｝": ("}", "full-width brace", "全角花括号"),
    "“": ('"', "Chinese quotation mark", "中文引号"),
    "”": ('"', "Chinese quotation mark", "中文引号"),
    "‘": ("'", "Chinese quotation mark", "中文引号"),
    "’": ("'", "Chinese quotation mark", "中文引号"),
    "＂": ('"', "full-width quotation mark", "全角引号"),
    "＇": ("'", "full-width quotation mark", "全角引号"),
    "－": ("-", "full-width minus", "全角减号"),
    "＃": ("#", "full-width number sign", "全角井号"),
    "％": ("%", "full-width percent sign", "全角百分号"),
    "＞": (">", "full-width greater-than sign", "全角大于号"),
    "＜": ("<", "full-width less-than sign", "全角小于号"),
    "＝": ("=", "full-width equals sign", "全角等号"),
    "！": ("!", "full-width exclamation mark", "全角感叹号"),
    "＋": ("+", "full-width plus sign", "全角加号"),
    "＊": ("*", "full-width asterisk", "全角星号"),
    "／": ("/", "full-width slash", "全角斜杠"),
    "。": (".", "Chinese full stop", "中文句号"),
    "．": (".", "full-width full stop", "全角句点"),
    "\u3000": (" ", "full-width space", "全角空格"),
    **{chr(0xFF10 + d): (str(d), "full-width digit", "全角数字") for d in range(10)},
}

# what can break the structure of a YAML file (a key's colon, a flow list or mapping, a quote, a comment, a list
# dash, indentation): the loader tries these when the file does not parse
YAML_STRUCTURAL = "：，、［］【】｛｝“”‘’＂＇－＃\u3000"
# and every other full-width form of an ASCII character (U+FF01..U+FF5E: ``ＣＮＹ``)
_ANY = re.compile("[" + re.escape("".join(FULLWIDTH)) + "\uff01-\uff5e]")
_STRUCTURAL = re.compile("[" + re.escape(YAML_STRUCTURAL) + "]")


def first(text: str, start: int = 0) -> int:
    """The offset of the first full-width character in ``text`` at or after ``start``, -1 when there is none."""
    m = _ANY.search(text, start)
    return -1 if m is None else m.start()


def structural(text: str) -> list[int]:
    """The offsets of every character of :data:`YAML_STRUCTURAL` in ``text``."""
    return [m.start() for m in _STRUCTURAL.finditer(text)]


def replacement(text: str, offset: int) -> str:
    """What to write instead of the full-width character at ``offset``: its ASCII, and after a colon a space
    unless one follows (``weight：15`` → ``weight: 15``)."""
    ch = text[offset]
    ascii_ = ascii_of(ch)
    if ch == "：" and text[offset + 1:offset + 2] not in (" ", "\t", "\n", "\r", ""):
        return ascii_ + " "
    return ascii_


def ascii_text(text: str) -> str:
    """``text`` with every full-width character replaced (see :func:`replacement`)."""
    out, last = [], 0
    for m in _ANY.finditer(text):
        out.append(text[last:m.start()])
        out.append(replacement(text, m.start()))
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def ascii_of(ch: str) -> str:
    """The ASCII character a rule file needs instead of the full-width ``ch``."""
    entry = FULLWIDTH.get(ch)
    return entry[0] if entry is not None else chr(ord(ch) - 0xFEE0)


def name(ch: str, locale: str = "en") -> str:
    """The character's name in ``locale`` (``full-width colon`` / ``全角冒号``)."""
    entry = FULLWIDTH.get(ch)
    if entry is None:
        letter = ascii_of(ch).isalpha()
        entry = (ch, "full-width letter", "全角字母") if letter else (ch, "full-width character", "全角字符")
    return entry[2] if locale == "zh-CN" else entry[1]


_PERCENT = re.compile(r"\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*[%％]\s*")


def percentage(text: str) -> tuple[str, str, str] | None:
    """``(shown, number, fraction)`` of a value that is a whole percentage (``" 30 %"`` → ``("30%", "30", "0.3")``),
    None for any other text."""
    m = _PERCENT.fullmatch(text)
    if m is None:
        return None
    from decimal import Decimal

    number = m.group(1)
    return f"{number}%", number, format((Decimal(number) / 100).normalize(), "f")
