"""Whether a value satisfies a JSON Schema (draft-07) — yes, no or not sure — without importing jsonschema: the fast
path of :func:`appraise.language.schema.check`, which asks jsonschema for the errors whenever the answer is not yes.

jsonschema costs every command that validates a file ~0.04 s of CPU to import, and its validator ~5 ms per ruleset;
a valid file needs neither: it has no errors to word.  :func:`satisfies` answers ``True`` only when
``jsonschema.Draft7Validator(root).iter_errors(value)`` (no format checker, as :mod:`appraise.language.schema` builds
it) yields nothing: each keyword below does what jsonschema 4's draft-07 keyword does, with the same Python
operations (types, comparisons, ``re.search``, equality that tells ``true`` from ``1``), ``$ref`` ignoring its
siblings as draft-07 says.  Whatever it is unsure of — a ``$ref`` it cannot follow, a nested ``$id``, a
non-schema where a schema belongs, any exception — is ``None``, and jsonschema decides (and words the errors, or
raises what it raised before).  ``tests/test_schema_validity.py`` compares the two on every YAML file of the
repository and on generated documents.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import Any


class _Unsure(Exception):
    """Only jsonschema can say: the caller asks it."""


def satisfies(value: Any, schema: Any, root: Any = None) -> bool | None:
    """``True`` when ``value`` is valid under ``schema`` (``$ref`` resolved against ``root``, default ``schema``),
    ``False`` when it surely is not, ``None`` when unsure."""
    try:
        return _valid(value, schema, schema if root is None else root)
    except Exception:  # _Unsure, or what jsonschema would trip on too (it raises it then, as before)
        return None


def _valid(v: Any, s: Any, root: Any) -> bool:
    if s is True:
        return True
    if s is False:
        return False
    if not isinstance(s, dict):
        raise _Unsure
    ref = s.get("$ref")
    if ref is not None:  # draft-07: a $ref's siblings are ignored
        return _valid(v, _resolve(ref, root), root)
    if "$id" in s and s is not root:  # a new base URI for the $refs inside: left to jsonschema
        raise _Unsure
    for keyword, arg in s.items():
        check = _KEYWORDS.get(keyword)
        if check is not None and not check(v, arg, s, root):
            return False
    return True


def _resolve(ref: Any, root: Any) -> Any:
    """The schema a local JSON pointer (``#`` or ``#/definitions/x``) names."""
    if ref == "#":
        return root
    if not isinstance(ref, str) or not ref.startswith("#/") or "%" in ref:
        raise _Unsure
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            raise _Unsure
    return node


# ------------------------------------------------------------------ types and equality, as jsonschema's

def _integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _number(v: Any) -> bool:
    return isinstance(v, Number) and not isinstance(v, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _integer,
    "null": lambda v: v is None,
    "number": _number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}

_TRUE, _FALSE = object(), object()


def _unbool(v: Any) -> Any:
    if v is True:
        return _TRUE
    if v is False:
        return _FALSE
    return v


def _equal(one: Any, two: Any) -> bool:
    """jsonschema's ``equal``: ``true`` is not ``1``, also inside lists and mappings."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(i, j) for i, j in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list) -> bool:
    """jsonschema's ``uniq``: sorted neighbours compared, else every pair."""
    try:
        ordered = sorted(_unbool(i) for i in items)
        return not any(_equal(i, j) for i, j in zip(ordered, ordered[1:]))
    except (NotImplementedError, TypeError):
        seen: list = []
        for e in items:
            e = _unbool(e)
            if any(_equal(i, e) for i in seen):
                return False
            seen.append(e)
        return True


# ------------------------------------------------------------------ the draft-07 keywords

def _type(v, types, s, root) -> bool:
    if isinstance(types, str):
        types = [types]
    return any(_TYPES[t](v) for t in types)  # an unknown type: KeyError, unsure (jsonschema raises UnknownType)


def _properties(v, props, s, root) -> bool:
    if not isinstance(v, dict):
        return True
    return all(_valid(v[p], sub, root) for p, sub in props.items() if p in v)


def _pattern_properties(v, patterns, s, root) -> bool:
    if not isinstance(v, dict):
        return True
    return all(_valid(item, sub, root) for pattern, sub in patterns.items() for k, item in v.items()
               if re.search(pattern, k))


def _additional_properties(v, extra, s, root) -> bool:
    if not isinstance(v, dict):
        return True
    props = s.get("properties", {})
    patterns = "|".join(s.get("patternProperties", {}))
    extras = [k for k in v if k not in props and not (patterns and re.search(patterns, k))]
    if isinstance(extra, dict):
        return all(_valid(v[k], extra, root) for k in extras)
    return bool(extra) or not extras


def _property_names(v, names, s, root) -> bool:
    return not isinstance(v, dict) or all(_valid(k, names, root) for k in v)


def _required(v, keys, s, root) -> bool:
    return not isinstance(v, dict) or all(k in v for k in keys)


def _min_properties(v, n, s, root) -> bool:
    return not isinstance(v, dict) or not len(v) < n


def _max_properties(v, n, s, root) -> bool:
    return not isinstance(v, dict) or not len(v) > n


def _dependencies(v, deps, s, root) -> bool:
    if not isinstance(v, dict):
        return True
    for key, dep in deps.items():
        if key not in v:
            continue
        if isinstance(dep, list):
            if not all(each in v for each in dep):
                return False
        elif not _valid(v, dep, root):
            return False
    return True


def _items(v, items, s, root) -> bool:
    if not isinstance(v, list):
        return True
    if isinstance(items, list):
        return all(_valid(item, sub, root) for item, sub in zip(v, items))
    return all(_valid(item, items, root) for item in v)


def _additional_items(v, extra, s, root) -> bool:
    if not isinstance(v, list) or isinstance(s.get("items", {}), dict):
        return True
    first = len(s.get("items", []))
    if isinstance(extra, dict):
        return all(_valid(item, extra, root) for item in v[first:])
    return bool(extra) or not len(v) > first


def _contains(v, sub, s, root) -> bool:
    if not isinstance(v, list):
        return True
    return _any(((item, sub) for item in v), root)


def _min_items(v, n, s, root) -> bool:
    return not isinstance(v, list) or not len(v) < n


def _max_items(v, n, s, root) -> bool:
    return not isinstance(v, list) or not len(v) > n


def _unique_items(v, on, s, root) -> bool:
    return not (on and isinstance(v, list)) or _unique(v)


def _pattern(v, pattern, s, root) -> bool:
    return not isinstance(v, str) or re.search(pattern, v) is not None


def _min_length(v, n, s, root) -> bool:
    return not isinstance(v, str) or not len(v) < n


def _max_length(v, n, s, root) -> bool:
    return not isinstance(v, str) or not len(v) > n


def _minimum(v, bound, s, root) -> bool:
    return not _number(v) or not v < bound


def _maximum(v, bound, s, root) -> bool:
    return not _number(v) or not v > bound


def _exclusive_minimum(v, bound, s, root) -> bool:
    return not _number(v) or not v <= bound


def _exclusive_maximum(v, bound, s, root) -> bool:
    return not _number(v) or not v >= bound


def _multiple_of(v, step, s, root) -> bool:
    if not _number(v):
        return True
    if isinstance(step, float):
        quotient = v / step
        try:
            return not int(quotient) != quotient
        except OverflowError:
            from fractions import Fraction

            return (Fraction(v) / Fraction(step)).denominator == 1
    return not v % step


def _enum(v, options, s, root) -> bool:
    return any(_equal(each, v) for each in options)


def _const(v, const, s, root) -> bool:
    return _equal(v, const)


def _all_of(v, subs, s, root) -> bool:
    return all(_valid(v, sub, root) for sub in subs)


def _any(pairs, root) -> bool:
    """Whether one (value, schema) pair is valid; unsure when none surely is and some are unsure."""
    unsure = False
    for value, sub in pairs:
        try:
            if _valid(value, sub, root):
                return True
        except _Unsure:
            unsure = True
    if unsure:
        raise _Unsure
    return False


def _any_of(v, subs, s, root) -> bool:
    return _any(((v, sub) for sub in subs), root)


def _one_of(v, subs, s, root) -> bool:
    valid = 0
    unsure = False
    for sub in subs:
        try:
            valid += _valid(v, sub, root)
        except _Unsure:
            unsure = True
        if valid > 1:
            return False
    if unsure:
        raise _Unsure
    return valid == 1


def _not(v, sub, s, root) -> bool:
    return not _valid(v, sub, root)


def _if(v, sub, s, root) -> bool:
    if _valid(v, sub, root):
        return "then" not in s or _valid(v, s["then"], root)
    return "else" not in s or _valid(v, s["else"], root)


def _unfollowed(v, arg, s, root) -> bool:
    raise _Unsure  # a "$ref": null


_KEYWORDS: dict[str, Callable[[Any, Any, dict, Any], bool]] = {
    "$ref": _unfollowed,
    "additionalItems": _additional_items,
    "additionalProperties": _additional_properties,
    "allOf": _all_of,
    "anyOf": _any_of,
    "const": _const,
    "contains": _contains,
    "dependencies": _dependencies,
    "enum": _enum,
    "exclusiveMaximum": _exclusive_maximum,
    "exclusiveMinimum": _exclusive_minimum,
    # "format": asserted only with a format checker, and appraise builds its validators without one
    "if": _if,
    "items": _items,
    "maxItems": _max_items,
    "maxLength": _max_length,
    "maxProperties": _max_properties,
    "maximum": _maximum,
    "minItems": _min_items,
    "minLength": _min_length,
    "minProperties": _min_properties,
    "minimum": _minimum,
    "multipleOf": _multiple_of,
    "not": _not,
    "oneOf": _one_of,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "properties": _properties,
    "propertyNames": _property_names,
    "required": _required,
    "type": _type,
    "uniqueItems": _unique_items,
}
