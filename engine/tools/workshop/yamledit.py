"""Write new weights and a new version into a ruleset's YAML text, changing nothing else.

The text is parsed with ruamel.yaml's round-trip loader, which records where
every scalar starts; the new numbers replace exactly the old number tokens
and the rest of the file — comments, key order, blank lines, flow mappings
such as ``{weight: 50, target: quota}``, aligned values, quoting — stays byte
for byte.  (ruamel's *dumper* was tried first: it re-indents flow mappings
written with aligned values, ``revenue:         {weight: 50, ...}``, so it
would touch lines nobody edited.)  The result is read back with ruamel and
every edited value checked before the text is returned.

Version rule (:func:`bump_version`): the last run of digits in the version is
incremented — ``"2026.1"`` → ``"2026.2"``, ``"2026.9"`` → ``"2026.10"``,
``"v3"`` → ``"v4"``, ``"1.4.0-rc1"`` → ``"1.4.0-rc2"``; a version without
digits gets ``.1`` appended (``"draft"`` → ``"draft.1"``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from ruamel.yaml import YAML

NUMBER = re.compile(r"[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
PLAIN = re.compile(r"[^\s#,\[\]{}]+(?:[ \t]+[^\s#,\[\]{}]+)*")
LAST_DIGITS = re.compile(r"(\d+)(?!.*\d)")


class EditError(ValueError):
    """The text cannot be edited safely (a value is not where or what it should be)."""


def bump_version(version: str) -> str:
    """The next version: the last number in it plus one (see the module doc)."""
    m = LAST_DIGITS.search(version)
    if not m:
        return f"{version}.1"
    digits = m.group(1)
    return version[:m.start()] + str(int(digits) + 1).zfill(len(digits)) + version[m.end():]


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    return y


def _node(data, path: tuple):
    node = data
    for key in path[:-1]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            raise EditError(f"{'.'.join(map(str, path))}: not found in the file") from None
    if not hasattr(node, "lc") or path[-1] not in node:
        raise EditError(f"{'.'.join(map(str, path))}: not found in the file")
    return node


def rewrite(text: str, numbers: Mapping[tuple, str], version: str | None = None) -> str:
    """``text`` with the number at each path replaced by the given literal, and the top-level
    ``version`` set to ``version`` (keeping its quotes) when given."""
    bom = text.startswith("\ufeff")
    body = text[1:] if bom else text
    data = _yaml().load(body)
    lines = body.split("\n")  # the YAML line breaks (str.splitlines also splits at \f, \u2028, ...)
    edits: list[tuple[int, int, int, str]] = []   # line, start col, end col, new text
    for path, literal in numbers.items():
        node = _node(data, path)
        line, col = node.lc.value(path[-1])
        m = NUMBER.match(lines[line], col)
        if not m or float(m.group().replace("_", "")) != float(node[path[-1]]):
            raise EditError(f"{'.'.join(map(str, path))}: expected a plain number at line {line + 1}")
        edits.append((line, m.start(), m.end(), literal))
    if version is not None:
        line, col = _node(data, ("version",)).lc.value("version")
        src = lines[line]
        quote = src[col] if src[col] in "'\"" else ""
        if quote:
            end = src.index(quote, col + 1)
            new = quote + (version.replace("'", "''") if quote == "'" else version.replace('"', '\\"')) + quote
            edits.append((line, col, end + 1, new))
        else:
            m = PLAIN.match(src, col)
            if m is None:
                raise EditError(f"version: expected a plain or quoted string at line {line + 1}")
            plain_ok = PLAIN.fullmatch(version) and not NUMBER.fullmatch(version)
            edits.append((line, col, m.end(), version if plain_ok else '"' + version.replace('"', '\\"') + '"'))
    for line, start, end, new in sorted(edits, reverse=True):
        lines[line] = lines[line][:start] + new + lines[line][end:]
    out = "\n".join(lines)
    check = _yaml().load(out)
    for path, literal in numbers.items():
        if float(_node(check, path)[path[-1]]) != float(literal):
            raise EditError(f"{'.'.join(map(str, path))}: did not read back as {literal}")
    if version is not None and str(check["version"]) != version:
        raise EditError(f"version did not read back as {version!r}")
    return ("\ufeff" if bom else "") + out
