"""Hypothesis strategies for fuzzing: expressions (valid grammar and garbage) and hostile YAML.

The expression strategies are typed: ``numbers()`` builds number-valued text,
``conditions()`` true/false-valued text, over the names of :data:`SCOPE` — so
most of what they make passes :func:`appraise.language.expr.check` and can be run by
both evaluators.  ``garbage()`` is Python-ish token soup, raw unicode (NULs,
surrogates, RTL marks) and pathological shapes (deep nesting, huge numbers,
very long text).  ``yaml_documents()`` returns bytes: generated YAML with
anchors, aliases, tags, duplicate keys, odd indentation, BOMs, invalid UTF-8.
"""
from __future__ import annotations

import functools
import math

import polars as pl
from hypothesis import strategies as st

from appraise.language.expr import Scope

NUMBER_NAMES = ("x", "y", "z")
TEXT_NAMES = ("s",)
SCOPE = Scope("the fuzz scope", {"x": "number", "y": "number", "z": "number", "s": "string"},
              context=True, previous=True)
CONTEXT = {"flag": True, "off": False, "n": 2.5, "zero": 0, "big": 1e15, "neg": -3,
           "regions": ["north", "南", ""], "nums": [1, 2.5, -3], "empty": [], "label": "north"}
NUMBER_CONTEXT = ("n", "zero", "big", "neg", "absent")
LIST_CONTEXT = ("regions", "empty")
TEXT_VALUES = ("north", "south", "南", "", "A", "B", "é", "e\u0301", "\u202eevil", "😀")
GRADES = ("S", "A", "B", "C", "D")

# ------------------------------------------------------------------ valid-grammar expressions

_finite = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)


def _number_literal(v: float | int) -> str:
    text = repr(abs(v))
    return ("-" + text) if (v < 0 or (isinstance(v, float) and math.copysign(1, v) < 0)) else text


number_literals = st.one_of(
    st.sampled_from([0, 1, 2, 100, 0.5, 0.1, 1e15, 999999999999999, 1e-300, 5e-324, 0.0]),
    st.integers(-10**15, 10**15),
    _finite,
).map(_number_literal)

text_literals = st.sampled_from(TEXT_VALUES).map(lambda t: '"' + t + '"') | \
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8).map(repr)

number_leaves = st.one_of(
    number_literals,
    st.sampled_from(NUMBER_NAMES),
    st.sampled_from(NUMBER_CONTEXT).map(lambda k: f"context.{k}"),
    st.just("previous.score"),
    st.just("previous.bonus"),
    st.just("null"),
)


def _paren(t: str) -> str:
    return f"({t})"


def _numbers_extend(inner):
    return st.one_of(
        st.tuples(inner, st.sampled_from([" + ", " - ", " * ", " / ", "+", "/"]), inner)
        .map(lambda p: _paren(p[0]) + p[1] + _paren(p[2])),
        st.tuples(inner, st.sampled_from([" + ", " - ", " * ", " / "]), inner).map("".join),
        inner.map(lambda t: "-" + _paren(t)),
        inner.map(lambda t: "+" + _paren(t)),
        inner.map(_paren),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=4))
        .map(lambda p: f"{p[0]}({', '.join(p[1])})"),
        inner.map(lambda t: f"abs({t})"),
        st.tuples(inner, st.one_of(st.none(), st.integers(0, 10)))
        .map(lambda p: f"round({p[0]})" if p[1] is None else f"round({p[0]}, {p[1]})"),
    )


def numbers(max_leaves: int = 12):
    """Text of number-valued expressions over x, y, z, context and previous."""
    return st.recursive(number_leaves, _numbers_extend, max_leaves=max_leaves)


_cmp = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _comparisons(num):
    return st.one_of(
        st.tuples(num, _cmp, num).map(lambda p: f"{p[0]} {p[1]} {p[2]}"),
        st.tuples(num, _cmp, num, _cmp, num).map(lambda p: " ".join(p)),            # chained a < b < c
        st.tuples(st.sampled_from(["s", "previous.grade", "context.label"]), _cmp,
                  st.one_of(text_literals, st.sampled_from(["s", "previous.grade", "context.label"])))
        .map(lambda p: " ".join(p)),
        st.tuples(st.sampled_from(["s", "previous.grade"]), st.sampled_from([" in ", " not in "]),
                  st.one_of(st.lists(text_literals, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                            st.sampled_from(LIST_CONTEXT).map(lambda k: f"context.{k}"),
                            st.lists(st.sampled_from(GRADES).map(repr), max_size=3)
                            .map(lambda xs: "[" + ", ".join(xs) + "]")))
        .map("".join),
        st.tuples(num, st.sampled_from([" in ", " not in "]),
                  st.one_of(st.lists(number_literals, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"),
                            st.just("context.nums")))
        .map("".join),
    )


def conditions(max_leaves: int = 8):
    """Text of true/false expressions (comparisons, ``in``, ``and``/``or``/``not``, context flags)."""
    leaves = st.one_of(_comparisons(numbers(6)),
                       st.sampled_from(["context.flag", "context.off", "context.absent", "true", "false"]))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map(lambda p: _paren(p[0]) + p[1] + _paren(p[2])),
        st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map("".join),
        inner.map(lambda t: "not " + _paren(t)),
        inner.map(lambda t: "not " + t),
        inner.map(_paren),
    ), max_leaves=max_leaves)


def expressions():
    """Valid-grammar expressions of either type."""
    return st.one_of(numbers(), conditions())


# ------------------------------------------------------------------ garbage

TOKENS = (
    "x", "y", "s", "context", "previous", ".", "context.flag", "previous.grade", "__class__", "__import__",
    "_x", "os", "system", "eval", "exec", "open", "import", "lambda", "lambda x: x", "if", "else", "for",
    "in", "not", "and", "or", "is", "is not", "yield", "await", "async", "global", "None", "True", "null",
    "(", ")", "[", "]", "{", "}", ",", ":", ";", "=", "==", ":=", "**", "//", "%", "@", "&", "|", "^", "~",
    "<<", ">>", "+", "-", "*", "/", "<", ">", "!=", "->", "...", "'", '"', "'''", "f'", "b'", "r'", "\\",
    "#", "\n", "\r", "\t", "\x00", "\x0b", "\u2028", "\u200f", "\u202e", "\ufeff", "e\u0301", "南", "😀",
    "1e999", "1e15", "1e16", "-1e15", "0x10", "0o7", "0b1", "1_000", "1j", "1.5j", "0.", ".5", "10**10",
    "9" * 30, "min", "max", "abs", "round", "round(x, 11)", "min(x)", "max(*x)", "abs(x=1)", "x[0]",
    "x if y else z", "[1, 2]", "(1, 2)", "{1: 2}", "{1}", "[i for i in x]", "`", "$", "?", "!",
)


def garbage():
    """Text no parser should choke on: token soup, raw unicode, deep nesting, huge numbers, long text."""
    soup = st.lists(st.sampled_from(TOKENS), max_size=40).flatmap(
        lambda toks: st.lists(st.sampled_from(["", " ", "  "]), min_size=len(toks), max_size=len(toks))
        .map(lambda seps: "".join(t + s for t, s in zip(toks, seps))))
    raw = st.text(st.characters(blacklist_categories=()), max_size=60)        # incl. surrogates, NUL, controls
    deep = st.tuples(st.sampled_from(["(", "[", "-", "not ", "abs(", "min(1,", "+", "(x + "]),
                     st.integers(1, 600)).map(lambda p: p[0] * p[1] + "x" + {"(": ")", "[": "]", "abs(": ")",
                                                                              "min(1,": ")", "(x + ": ")"}
                                                                            .get(p[0], "") * p[1])
    chains = st.tuples(st.sampled_from(["x + ", "x < ", "x and ", "x or ", "-x*", "x if x else "]),
                       st.integers(1, 300)).map(lambda p: p[0] * p[1] + "x")
    huge = st.one_of(st.integers(10**14, 10**600).map(str),
                     st.integers(1, 400).map(lambda n: "9" * n + ".5e" + "9" * min(n, 5)),
                     st.sampled_from(["1e308 * 1e308", "-1e308 - 1e308", "(1e15 * 1e15) / (1e15 * 1e15 * 0)"]))
    long = st.tuples(st.sampled_from(["x", "'a'", "1", " "]), st.integers(100, 2000)).map(lambda p: p[0] * p[1])
    return st.one_of(soup, raw, deep, chains, huge, long,
                     st.tuples(expressions(), soup).map(lambda p: p[0] + " " + p[1]),
                     st.tuples(expressions(), st.integers(0, 40), st.sampled_from(TOKENS))
                     .map(lambda p: p[0][:p[1]] + p[2] + p[0][p[1]:]))


# ------------------------------------------------------------------ data for the differential test

_values = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 100.0, 1e15, -1e15, 1e-300]),
                    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False))


@st.composite
def frames(draw, max_rows: int = 12) -> pl.DataFrame:
    """Rows of x, y, z (numbers, nulls, zeros), s (text or null) and previous.* — the engine's column shapes."""
    n = draw(st.integers(1, max_rows))
    col = lambda strat: draw(st.lists(strat, min_size=n, max_size=n))  # noqa: E731
    return pl.DataFrame({
        "x": col(_values), "y": col(_values), "z": col(_values),
        "s": col(st.one_of(st.none(), st.sampled_from(TEXT_VALUES))),
        "previous.score": col(_values), "previous.bonus": col(_values),
        "previous.grade": col(st.one_of(st.none(), st.sampled_from(GRADES))),
    }, schema={"x": pl.Float64, "y": pl.Float64, "z": pl.Float64, "s": pl.Utf8, "previous.score": pl.Float64,
               "previous.bonus": pl.Float64, "previous.grade": pl.Utf8})


# ------------------------------------------------------------------ YAML

_keys = st.one_of(st.sampled_from(["id", "version", "metrics", "weight", "when", "a", "b", "yes", "no", "on",
                                   "null", "~", "<<", "true", "1", "0o10", "2026-07-01", "南", "😀", "a b",
                                   "key: x", "-", "?", "[", "&a", "*a", "!tag", "'q'", '"d"']),
                  st.text(min_size=1, max_size=6))
_scalars = st.one_of(
    st.sampled_from(["no", "on", "NO", "yes", "010", "0o10", "0x1F", "1_000", "2026-07-01", "1e400", "-.inf",
                     ".NaN", "~", "null", "", "true", "True", "tRUE", "0.", ".5", "+1", "1:20", "!!str 1",
                     "!!int x", "!!float 1", "!!python/object:os.system", "!!binary aGk=", "!custom v",
                     "*alias", "&anchor v", "'quoted'", '"dq\\x00"', '"\\ud800"', "|\n  block", ">-\n  folded",
                     "{a: 1, a: 2}", "[1, [2, [3]]]", "? complex", "@reserved", "`tick", "%DIR", "a #c", "南",
                     "x" * 300, "9" * 50]),
    st.text(max_size=20).map(lambda t: t.replace("\n", " ")),
    st.integers().map(str), st.floats().map(repr),
)


# The strategies the YAML composites draw from are built once (per depth), not inside each draw: a strategy built in
# a composite is built and validated again on every draw, which was ~90% of the YAML fuzz test's CPU.  The draws
# (and so the examples, derandomized in CI) are the same.
@functools.cache
def _subtrees(depth: int):
    """What a mapping and a sequence at ``depth`` hold: lists of (key, tree) and of trees one level deeper."""
    return (st.lists(st.tuples(_keys, st.deferred(lambda: _yaml_tree(depth + 1))), max_size=4),
            st.lists(st.deferred(lambda: _yaml_tree(depth + 1)), max_size=4))


@st.composite
def _yaml_tree(draw, depth: int = 0) -> str:
    indent = "  " * depth
    if depth > 4 or draw(st.integers(0, 3)) == 0:
        return draw(_scalars)
    mapping, sequence = _subtrees(depth)
    if draw(st.booleans()):
        items = draw(mapping)
        return "".join(f"\n{indent}{k}: {v}" for k, v in items) or "{}"
    items = draw(sequence)
    return "".join(f"\n{indent}- {v}" for v in items) or "[]"


_MUTATIONS = st.sampled_from(["bom", "utf16bom", "invalid", "nul", "tab", "dedent", "anchor", "alias", "tag", "dup",
                              "doc", "directive", "cut", "crlf", "latin1", "deep", "wide"])
_INVALID_UTF8 = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe9t\xe9", b"\x80\x80", b"\xf4\x90\x80\x80"])
_TAGS = st.sampled_from([b" !!python/name:os.system ", b" !x ", b" !!map ", b" !<tag:yaml.org,2002:str> "])


def _mutate(text: str, draw) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(_MUTATIONS)
        at = draw(st.integers(0, len(raw)))
        insert = {
            "bom": b"\xef\xbb\xbf", "utf16bom": b"\xff\xfe", "invalid": draw(_INVALID_UTF8),
            "nul": b"\x00", "tab": b"\t", "dedent": b"\n x:\n  y: 1\n z: 2", "anchor": b" &a ",
            "alias": b" *a", "tag": draw(_TAGS),
            "dup": b"\nid: 1\nid: 2\n", "doc": b"\n---\n", "directive": b"%YAML 1.1\n---\n", "cut": b"",
            "crlf": b"\r\n", "latin1": "Müller".encode("latin-1"),
            "deep": b"[" * draw(st.integers(1, 3000)), "wide": b"{" + b"a: 1, " * draw(st.integers(1, 200)),
        }[kind]
        if kind in ("bom", "utf16bom", "directive"):
            raw = insert + raw
        elif kind == "cut":
            raw = raw[:at]
        else:
            raw = raw[:at] + insert + raw[at:]
    return raw


_YAML_BASES = st.one_of(
    _yaml_tree(),
    st.sampled_from(["a: &x [1, 2]\nb: *x\n", "a: &a [*a]\n", "<<: {a: 1}\n", "? [a, b]\n: 1\n",
                     "a: 1\na: 1\n", "- !!set {a, b}\n", "a: !!omap [a: 1]\n", "--- a\n--- b\n",
                     "a: b: c\n", "a:\n\t- 1\n", "'unterminated\n", "a: [1, 2\n", "\ufeffid: x\n",
                     "[" * 10000 + "]" * 10000, "- " * 2000 + "x\n",
                     "".join("  " * i + "k:\n" for i in range(400)) + "  " * 400 + "v\n"]),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)


@st.composite
def yaml_documents(draw) -> bytes:
    """Bytes of a YAML file: a generated tree, often mutated into something hostile."""
    base = draw(_YAML_BASES)
    if draw(st.integers(0, 2)) == 0:
        return base.encode("utf-8", "surrogatepass")
    return _mutate(base, draw)


# ------------------------------------------------------------------ mutated rulesets

HOSTILE_VALUES = (None, "", 0, -1, 0.5, 1e300, float("inf"), float("nan"), 101, 99.999, 1e16, True, [], {},
                  "x" * 600, "__import__('os').system('id')", "context.__class__", "grade in ['Z']",
                  "revenue / 0", "(" * 40 + "1" + ")" * 40, "南", "<script>alert(1)</script>", "{{ 7*7 }}",
                  "../../etc/passwd", "=cmd|' /C calc'!A0", [1, [2, [3]]], {"a": {"b": {"c": None}}},
                  "role == 'sales_rep' and", "tenure_months < 3 < 2", "min()", "round(revenue, 11)")


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_rulesets(draw, base: dict):
    """``base`` with a few values replaced by hostile ones, keys removed or unknown keys added."""
    import copy

    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        how = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if how == "replace":
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
        elif how == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "__proto__", "南", "when"]))] = \
                copy.deepcopy(draw(st.sampled_from(HOSTILE_VALUES)))
    return data


# ------------------------------------------------------------------ type-mixing expressions

_any_leaf = st.one_of(number_leaves, text_literals, st.sampled_from(
    ["s", "previous.grade", "context.label", "true", "false", "null", "context.flag", "context.regions",
     "context.nums", "[1, 2]", "['a', 'b']", "[1, 'a']", "[]", "(x > 1)", "(s == 'a')"]))


def mixed(max_leaves: int = 6):
    """Operators applied to operands of any type (text + number, not x, x and y, 'a' in [1]...):
    the type check must refuse what either evaluator cannot run."""
    ops = st.sampled_from([" + ", " - ", " * ", " / ", " == ", " != ", " < ", " >= ", " in ", " not in ",
                           " and ", " or "])
    return st.recursive(_any_leaf, lambda inner: st.one_of(
        st.tuples(inner, ops, inner).map(lambda p: _paren(p[0]) + p[1] + _paren(p[2])),
        inner.map(lambda t: "not " + _paren(t)),
        inner.map(lambda t: "-" + _paren(t)),
        st.tuples(st.sampled_from(["min", "max", "abs", "round"]), st.lists(inner, min_size=1, max_size=3))
        .map(lambda p: f"{p[0]}({', '.join(p[1])})"),
    ), max_leaves=max_leaves)
