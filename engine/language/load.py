"""Strict YAML loading with every node's position kept.

Rule files are edited by hand and reviewed in pull requests, so the loader
refuses what makes YAML surprising: duplicate keys, anchors and aliases (the
"billion laughs" bomb and spooky action at a distance), custom tags, several
documents in one file, and files over 1 MiB.  Scalars follow the YAML 1.2 core
schema: ``no``/``on``/``NO`` stay strings, ``2026-07-01`` stays a string and
``010`` is the integer 10, not octal 8.  Mapping keys are always strings.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from appraise.errors import Diagnostic, InvalidInput

MAX_BYTES = 1 << 20
MAX_DEPTH = 64  # nested lists/mappings; PyYAML's composer recurses, so '[[[[...' must stop well before Python does

_UNTAGGED = "tag:appraise:untagged"
_STR = "tag:yaml.org,2002:str"
_ALLOWED_TAGS = {
    _UNTAGGED, _STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
}

_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's composer with anchors refused and no YAML 1.1 implicit typing."""

    DEFAULT_SCALAR_TAG = _UNTAGGED  # type: ignore[misc]  # Final in the stubs; overriding it is the point
    yaml_implicit_resolvers: dict = {}

    _depth = 0

    def compose_node(self, parent, index):  # noqa: D401 - PyYAML hook
        event = self.peek_event()
        if self._depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"values nest deeper than {MAX_DEPTH} levels; appraise files "
                           "are never that deep")
        self._depth += 1
        try:
            return self._compose_node(parent, index, event)
        finally:
            self._depth -= 1

    def _compose_node(self, parent, index, event):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(event.start_mark, f"alias '*{event.anchor}' is not allowed: appraise files may not "
                           "use anchors or aliases; write the value out in full")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(event.start_mark, f"anchor '&{anchor}' is not allowed: appraise files may not "
                           "use anchors or aliases; write the value out in full")
        return super().compose_node(parent, index)


class _Refused(Exception):
    def __init__(self, mark, message):
        super().__init__(message)
        self.mark = mark
        self.message = message


@dataclass
class Document:
    """A loaded YAML file: plain Python data plus where every node came from."""

    file: str
    data: Any
    values: dict = field(default_factory=dict)   # path -> (line, col) of the value
    keys: dict = field(default_factory=dict)     # path -> (line, col) of the key
    styles: dict = field(default_factory=dict)   # path -> scalar style (None plain, '"', "'", '|', '>')
    raw: bytes | None = field(default=None, compare=False, repr=False)  # the bytes parsed, when read from a file

    def where(self, path: tuple, key: bool = False) -> tuple[int, int]:
        """(line, col) of ``path``'s key (or value), else of its nearest ancestor."""
        path = tuple(path)
        while True:
            table = self.keys if key else self.values
            if path in table:
                return table[path]
            if key and path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def diag(self, path: tuple, message: str, *, key: bool = False, hint: str = "", code: str = "",
             offset: int = 0) -> Diagnostic:
        """A diagnostic located at ``path`` in this document."""
        from appraise.errors import dotted

        line, col = self.where(path, key=key)
        return Diagnostic(self.file, line, col + offset, message, dotted(path), hint=hint, code=code)

    def expression_column(self, path: tuple) -> tuple[int, int]:
        """(line, col) where the text of the scalar at ``path`` starts (after an opening quote)."""
        line, col = self.where(path)
        if self.styles.get(path) in ("'", '"'):
            col += 1
        return line, col


def _mark(mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _scalar(node: yaml.ScalarNode):
    text = node.value
    tag = node.tag
    if tag == _STR or node.style in ("'", '"', "|", ">"):
        return text
    if tag == "tag:yaml.org,2002:null" or (tag == _UNTAGGED and text in _NULL):
        return None
    if text in _TRUE and tag in (_UNTAGGED, "tag:yaml.org,2002:bool"):
        return True
    if text in _FALSE and tag in (_UNTAGGED, "tag:yaml.org,2002:bool"):
        return False
    if _INT.match(text):
        return int(text, 10)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    if tag != _UNTAGGED:
        raise ValueError(f"{text!r} is not a valid {tag.rsplit(':', 1)[-1]}")
    return text


def _build(node, path: tuple, doc: Document, diags: list[Diagnostic]):
    doc.values[path] = _mark(node.start_mark)
    if node.tag not in _ALLOWED_TAGS:
        diags.append(doc.diag(path, f"tag '{node.tag}' is not allowed: appraise files use plain YAML values",
                              code="yaml-tag"))
        return None
    if isinstance(node, yaml.ScalarNode):
        doc.styles[path] = node.style or None  # libyaml writes '' for plain
        try:
            return _scalar(node)
        except ValueError as exc:
            diags.append(doc.diag(path, str(exc), code="yaml-tag"))
            return None
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), doc, diags) for i, item in enumerate(node.value)]
    out: dict[str, Any] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            line, col = _mark(key_node.start_mark)
            diags.append(Diagnostic(doc.file, line, col, "keys must be plain text, not lists or mappings",
                                    ".".join(map(str, path)), code="yaml-key"))
            continue
        key = key_node.value
        where = _mark(key_node.start_mark)
        if key == "<<" and not key_node.style:
            diags.append(Diagnostic(doc.file, *where, "merge keys ('<<') are not allowed; write the keys out",
                                    code="yaml-merge"))
            continue
        if key in first_seen:
            first = first_seen[key]
            from appraise.errors import dotted
            diags.append(Diagnostic(doc.file, *where,
                                    f"duplicate key '{key}' (first defined at line {first[0]}); "
                                    "keep one of them", dotted(path + (key,)), code="yaml-duplicate-key"))
            continue
        first_seen[key] = where
        doc.keys[path + (key,)] = where
        if not key_node.style and ("：" in key and _empty(value_node) or key[:1] == "\u3000"):
            diags.append(_fullwidth_key(doc.file, key, where, path))
        out[key] = _build(value_node, path + (key,), doc, diags)
    return out


def _empty(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and not node.style and node.value in _NULL


def _fullwidth_key(file: str, key: str, where: tuple[int, int], path: tuple) -> Diagnostic:
    """A key that is a whole ``key：value`` with no value (``{weight：15}``), or indented with a full-width space."""
    from appraise.errors import dotted
    from appraise.i18n import message_locale, say
    from appraise.language import punctuation

    locale = message_locale()
    at = 0 if key[:1] == "\u3000" else key.index("：")
    ch = key[at]
    return Diagnostic(file, where[0], where[1] + at,
                      say("yaml.fullwidth", locale, char=ch, name=punctuation.name(ch, locale),
                          ascii=punctuation.ascii_of(ch)), dotted(path),
                      hint=say("fix.write", locale, fixed=punctuation.ascii_text(key).strip()), code="yaml-fullwidth")


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidInput([Diagnostic(name, line, col, "file is not valid UTF-8",
                                       hint="save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: encoding UTF-8)",
                                       code="yaml-encoding")]) from None


def _flow_depth(source: str, name: str) -> None:
    """Refuse thousands of unclosed '[' / '{' before PyYAML's scanner sees them: it looks ahead for a
    possible key at every level (a second or more on a loaded machine for 20 KiB of brackets).  Quoted
    text and comments are skipped; the composer's limit (MAX_DEPTH) still applies to what passes."""
    if source.count("[") + source.count("{") <= 2 * MAX_DEPTH:
        return
    depth, quote, comment, line, col = 0, "", False, 1, 0
    for ch in source:
        col += 1
        if ch == "\n":
            line, col, comment = line + 1, 0, False
            continue
        if comment:
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            if depth > 2 * MAX_DEPTH:
                raise InvalidInput([Diagnostic(name, line, col, f"values nest deeper than {MAX_DEPTH} levels; "
                                               "appraise files are never that deep", code="yaml-depth")])
        elif ch in "]}":
            depth = max(depth - 1, 0)


_LIBYAML: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # PyYAML without libyaml: never used (below)


class _FastLoader(_LIBYAML):
    """libyaml's parser and composer with the strict loader's typing (the same resolver settings)."""

    DEFAULT_SCALAR_TAG = _UNTAGGED
    yaml_implicit_resolvers: dict = {}


_STRICT = object()
# where an anchor may start (an unused one leaves no trace in the nodes): such files take the strict path
_ANCHOR = re.compile(r"(?:^|[\s\[\{,:])&[^\s\[\]\{\},]", re.M)


def _fast_compose(source: str):
    """The node tree through libyaml (~30x faster than PyYAML's Python parser) when that is sure to give what
    the strict path gives; :data:`_STRICT` otherwise: no libyaml, a possible anchor, anything libyaml
    refuses (the strict path then words the error), a node reached twice (an alias) or nested deeper than
    MAX_DEPTH.  Both paths share :func:`_build`, which checks tags, merge and duplicate keys."""
    if not hasattr(yaml, "CSafeLoader") or _ANCHOR.search(source):
        return _STRICT
    try:
        node = yaml.compose(source, Loader=_FastLoader)
    except yaml.YAMLError:
        return _STRICT
    seen: set[int] = set()
    stack = [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if item is None:
            continue
        if id(item) in seen or depth > MAX_DEPTH:
            return _STRICT
        seen.add(id(item))
        if isinstance(item, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in item.value)
        elif isinstance(item, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in item.value for child in pair)
    return node


def loads(text: str | bytes, name: str = "<string>") -> Document:
    """Parse YAML text strictly; raises :class:`InvalidInput` with every problem found."""
    if isinstance(text, str):
        try:
            raw = text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate ('\ud800') in text handed over by an API caller
            before = text[:exc.start]
            raise InvalidInput([Diagnostic(name, before.count("\n") + 1, exc.start - (before.rfind("\n") + 1) + 1,
                                           "text is not valid Unicode (a lone surrogate character)",
                                           code="yaml-encoding")]) from None
    else:
        raw = text
    if len(raw) > MAX_BYTES:
        raise InvalidInput([Diagnostic(name, 1, 1, f"file is {len(raw):,} bytes; appraise reads YAML files of "
                                       f"at most {MAX_BYTES:,} bytes (1 MiB)",
                                       hint="split it, or move data into a data source", code="yaml-too-large")])
    source = _decode(raw, name)
    _flow_depth(source, name)
    doc = Document(name, None)
    try:
        node = _fast_compose(source)
        if node is _STRICT:
            loader = _StrictLoader(source)
            try:
                node = loader.get_single_node()
            finally:
                loader.dispose()
    except _Refused as exc:
        code = "yaml-depth" if "nest deeper" in exc.message else "yaml-alias"
        raise InvalidInput([Diagnostic(name, *_mark(exc.mark), exc.message, code=code)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        fullwidth = _fullwidth(source, name, mark.index if mark else 0)
        if fullwidth:
            raise InvalidInput(fullwidth) from None
        raise InvalidInput([_syntax(name, exc)]) from None
    except yaml.YAMLError as exc:
        raise InvalidInput([Diagnostic(name, 1, 1, f"YAML syntax: {exc}", code="yaml-syntax")]) from None
    if node is None:
        doc.data = None
        return doc
    diags: list[Diagnostic] = []
    doc.data = _build(node, (), doc, diags)
    if diags:
        raise InvalidInput(diags)
    return doc


def _syntax(name: str, exc: yaml.MarkedYAMLError, line: int = 0, col: int = 0) -> Diagnostic:
    """PyYAML's error as a diagnostic, at its mark (or at ``line``, ``col`` when given)."""
    if not line:
        mark = exc.problem_mark or exc.context_mark
        line, col = _mark(mark) if mark else (1, 1)
    message = exc.problem or exc.context or "not valid YAML"
    if "expected a single document" in str(exc):
        message = "only one YAML document per file ('---' starts a second one)"
    hint = next((h for words, h in _SYNTAX_HINTS if words in message), "")
    return Diagnostic(name, line, col, f"YAML syntax: {message}", hint=hint, code="yaml-syntax")


# What to do about PyYAML's (and libyaml's) commonest problems: (words of the problem, hint); the first that
# appears in the problem wins.  Each hint is a template of appraise.i18n.DIAGNOSTICS, so it is shown in Chinese too.
_SYNTAX_HINTS = (
    ("'\\t'", "indent with spaces, never tabs (set your editor to insert spaces for Tab)"),
    ("tab character", "indent with spaces, never tabs (set your editor to insert spaces for Tab)"),
    ("could not find expected ':'", "a key needs ':' and a space after it (key: value); a line that goes on from the "
                                    "one above must be indented under it"),
    ("mapping values are not allowed", "a value cannot hold 'key: value' on the same line: put a value that contains "
                                       "': ' in quotes, or start the nested keys on their own lines, indented; check "
                                       "the indentation of this line and the one above"),
    ("',' or ']'", "close the list with ']' (items are separated by ',')"),
    ("',' or '}'", "close the mapping with '}' (entries are separated by ',')"),
    ("unexpected end of stream", "close the quotes: a quoted value ends with the same quote it starts with"),
    ("<block end>", "check the indentation: the keys of one mapping start in the same column, and anything after a "
                    "quoted value must be inside the quotes"),
    ("did not find expected key", "check the indentation: the keys of one mapping start in the same column, and "
                                  "anything after a quoted value must be inside the quotes"),
    ("unknown escape character", "in double quotes write \\\\ for a backslash, or use single quotes"),
    ("that cannot start any token", "put a value that starts with this character in quotes"),
)


def _first_error(text: str) -> yaml.MarkedYAMLError | None:
    """The first syntax error of ``text`` (libyaml when installed, else PyYAML's parser), None when it parses."""
    try:
        yaml.compose(text, Loader=_FastLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return exc
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def _index(exc: yaml.MarkedYAMLError) -> int:
    mark = exc.problem_mark or exc.context_mark
    return mark.index if mark else 0


def _fullwidth(source: str, name: str, error: int) -> list[Diagnostic]:
    """When full-width punctuation (``weight：15``, ``[a， b]``) is what breaks the file: a diagnostic at each such
    character, with the line as it should read, and at what still does not parse once they are fixed.

    The candidates are the characters of :data:`~appraise.language.punctuation.YAML_STRUCTURAL` on the error's
    line and the two before it, nearest first; a candidate is the culprit when the file parses once it is replaced by
    its ASCII, or its first error moves past where it was.  A full-width colon in Chinese text (``价格战：守住``)
    is never taken: replacing it makes the file fail earlier, not later."""
    from appraise.language import punctuation

    end = source.find("\n", error)
    end = len(source) if end < 0 else end
    if punctuation.first(source[:end]) < 0:
        return []
    budget = max(8, min(200, 4_000_000 // max(len(source), 1)))  # parses to try: fewer on big files
    fixes: dict[int, str] = {}
    left: yaml.MarkedYAMLError | None = None
    while budget > 0:
        # a full-width character opens nothing YAML would carry on (it is not a quote, bracket or comment to
        # YAML), so the parser stumbles on its line or the next: the candidates are on the error's line and the
        # two before it
        start = source.rfind("\n", 0, error)  # the newline before the error's line, then before the two above
        for _ in range(2):
            start = source.rfind("\n", 0, start) if start > 0 else -1
        candidates = [i for i in punctuation.structural(source[:end]) if i not in fixes and i > start]
        candidates.sort(key=lambda i: (i > error, abs(error - i)))
        for i in candidates:
            if budget <= 0:
                break
            budget -= 1
            trial = {**fixes, i: punctuation.replacement(source, i)}
            text, back = _applied(source, trial)
            exc = _first_error(text)
            if exc is None or back(_index(exc)) > error:
                fixes, left = trial, exc
                if exc is not None:
                    error = back(_index(exc))
                    end = source.find("\n", error)
                    end = len(source) if end < 0 else end
                break
        else:
            break
        if left is None:
            break
    if not fixes:
        return []
    from appraise.i18n import message_locale, say

    locale = message_locale()
    out = []
    for i in sorted(fixes):
        line_start = source.rfind("\n", 0, i) + 1
        line_end = source.find("\n", i)
        row = source[line_start:len(source) if line_end < 0 else line_end]
        fixed = punctuation.ascii_text(row).strip() or punctuation.replacement(source, i).strip()
        ch = source[i]
        out.append(Diagnostic(name, source.count("\n", 0, i) + 1, i - line_start + 1,
                              say("yaml.fullwidth", locale, char=ch, name=punctuation.name(ch, locale),
                                  ascii=punctuation.ascii_of(ch)),
                              hint=say("fix.write", locale, fixed=fixed), code="yaml-fullwidth"))
    if left is not None:
        at = min(len(source), error)
        line_start = source.rfind("\n", 0, at) + 1
        out.append(_syntax(name, left, source.count("\n", 0, at) + 1, at - line_start + 1))
    return out


def _applied(source: str, fixes: dict[int, str]):
    """``source`` with each offset's character replaced, and a function from an offset in the result back to
    the offset in ``source``."""
    parts, last, starts = [], 0, []
    for i in sorted(fixes):
        parts.append(source[last:i])
        parts.append(fixes[i])
        last = i + 1
        starts.append((i, len(fixes[i]) - 1))
    parts.append(source[last:])

    def back(offset: int) -> int:
        shift = 0
        for i, extra in starts:
            if i + shift + extra < offset:
                shift += extra
        return offset - shift

    return "".join(parts), back


def load(path: str | Path, name: str | None = None) -> Document:
    """Read and parse a YAML file strictly (see :func:`loads`)."""
    path = Path(path)
    shown = name or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InvalidInput([Diagnostic(shown, 1, 1, f"file is {size:,} bytes; appraise reads YAML files of at "
                                           f"most {MAX_BYTES:,} bytes (1 MiB)",
                                           hint="split it, or move data into a data source", code="yaml-too-large")])
        raw = path.read_bytes()  # an unreadable file (permissions, a folder) is a located error, not a crash
    except OSError as exc:
        raise InvalidInput([Diagnostic(shown, 0, 0, f"cannot read file: {exc.strerror or exc}", code="io")]) from None
    doc = loads(raw, shown)
    doc.raw = raw
    return doc
