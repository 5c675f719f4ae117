"""The JSON Schemas of rule and cycle files, and their errors in words an HR editor understands.

The schemas ship inside the package (``appraise/schemas/*.schema.json``) so
editors, ``appraise schema --out`` and the validator all read the same files.
jsonschema's own messages ("is not valid under any of the given schemas") are
never shown: :func:`check` turns each error into a :class:`Diagnostic` at the
offending key or value, and for ``oneOf``/``anyOf`` reports the branch the value
nearly matched.
"""
from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from appraise.errors import Diagnostic
from appraise.language.load import Document
from appraise.language.validity import satisfies

NAMES = ("ruleset", "cycle", "ruleset-test", "plan")


@cache
def load(name: str) -> dict:
    """The schema ``name`` (``ruleset`` or ``cycle``) as a dict, read once from the package."""
    if name not in NAMES:
        raise ValueError(f"no schema '{name}'; the schemas are {', '.join(NAMES)}")
    from importlib import import_module

    package = import_module("appraise.schemas")  # a folder of data (schemas/), outside the layers import-linter maps
    try:  # the package's own folder: importlib.resources costs every command ~4 ms of CPU to import
        text = Path(str(package.__file__)).with_name(f"{name}.schema.json").read_text(encoding="utf-8")
    except OSError:  # not a folder on disk (a zip): the resource API reads it
        from importlib import resources

        text = resources.files("appraise.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def validator(name: str):
    """A draft-07 validator for schema ``name`` (built once per process, and only when a file has errors to word:
    :func:`check` asks :func:`appraise.language.validity.satisfies` first)."""
    from jsonschema import Draft7Validator

    return Draft7Validator(load(name))


def write(out_dir: str | Path) -> list[Path]:
    """Write every schema into ``out_dir`` (created if needed); returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in NAMES:
        target = out / f"{name}.schema.json"
        target.write_text(json.dumps(load(name), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


def check(doc: Document, name: str, *, instance: Any = None, base: tuple = (), schema: dict | None = None,
          context: str = "") -> list[Diagnostic]:
    """Validate ``doc`` (or ``instance`` found at ``base`` inside it) against a schema.

    ``schema`` overrides the named schema (provider options); ``context`` is
    appended to unknown-key messages ("for provider 'csv'").
    """
    root = load(name) if schema is None else schema
    data = doc.data if instance is None else instance
    if satisfies(data, root) is True:  # a valid file has no errors to word: jsonschema is not even imported
        return []
    if schema is None:
        v = validator(name)
    else:
        from jsonschema import Draft7Validator

        v = Draft7Validator(schema)
    out: list[Diagnostic] = []
    for error in v.iter_errors(data):
        for path, message, at_key, hint in _translate(error, root, context):
            diag = doc.diag(base + path, message, key=at_key, hint=hint, code="schema")
            out.append(_typed_with_care(diag, doc, name if schema is None else "options", base, path, data, at_key))
    return _unique(out)


_PERCENT_HINT = "write a share as a number: 0.3 for 30%"


def _typed_with_care(diag: Diagnostic, doc: Document, name: str, base: tuple, path: tuple, data: Any,
                     at_key: bool) -> Diagnostic:
    """A schema error about a value typed as people type it: ``30%`` where a number is meant gets the number
    that fits the place (weights and scores are points, shares and attainments fractions); text with
    full-width punctuation (``15，``, ``“sales”``) is reported at that character, with the text as it should read."""
    from dataclasses import replace

    value: Any = data
    try:
        for part in path:
            value = value[part]
    except (KeyError, IndexError, TypeError):
        return diag
    if at_key and path:
        value = path[-1]
    if not isinstance(value, str):
        return diag
    from appraise.language import punctuation

    found = punctuation.percentage(value) if diag.hint == _PERCENT_HINT else None
    if found is not None:
        return replace(diag, hint=_percent_hint(name, base + path, *found))

    at = punctuation.first(value)
    if at < 0 or "characters long" in diag.message or "must not be empty" in diag.message:
        return diag
    from appraise.i18n import message_locale, say

    locale = message_locale()
    ch = value[at]
    hint = say("value.fullwidth", locale, char=ch, name=punctuation.name(ch, locale),
               ascii=punctuation.ascii_of(ch), fixed=punctuation.ascii_text(value).strip().rstrip(",;"))
    full = base + path
    line, col = doc.where(full, key=at_key)
    if "\n" not in value[:at] and (at_key or doc.styles.get(full) in (None, "'", '"')):
        if not at_key and doc.styles.get(full) in ("'", '"'):
            col += 1
        col += at
    return replace(diag, line=line, col=col, hint=hint)


def _percent_hint(name: str, path: tuple, text: str, number: str, fraction: str) -> str:
    """What to write for the percentage ``text`` (``number`` %, the ``fraction``) at ``path`` of a file of
    schema ``name``."""
    from appraise.i18n import say

    keys = [p for p in path if isinstance(p, str)]
    last = path[-1] if path else None
    parent = path[-2] if len(path) >= 2 else None
    kind = "number"
    if name == "ruleset":
        if last == "weight" or parent in ("set", "weights"):
            kind = "weight"
        elif last == "points" and parent == "shift":
            kind = "points"
        elif last == "points" and "adjustments" in keys:
            kind = "adjustment"
        elif (last == "min" and keys[:1] == ["grades"]) or last == "score" or (
                isinstance(last, int) and last == 1 and "points" in keys):
            kind = "score"
        elif last in ("from", "above", "floor") or (last == "cap" and parent == "curve") or (
                isinstance(last, int) and last == 0 and "points" in keys):
            kind = "attainment"
        elif parent == "max_share" or last in ("pay", "rate", "aspirational_threshold"):
            kind = "share"
        elif parent in ("multiplier", "scale_target") or last == "cap":
            kind = "factor"
    elif name == "ruleset-test":
        if "expect" in keys or "expected" in keys:
            if last == "score" or parent == "lost_points":
                kind = "score"
            elif last == "weight":
                kind = "weight"
            elif last == "attainment":
                kind = "attainment"
            elif last == "employed_share":
                kind = "share"
            elif last in ("actual", "target"):
                kind = "kpi_value"
        elif "metrics" in keys:
            kind = "kpi_value"
    return say(f"percent.{kind}", number=number, fraction=fraction, text=text)


def _unique(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in diags:
        k = (d.line, d.col, d.message)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return out


# ---------------------------------------------------------------- wording

_TYPE_WORDS = {"number": "a number", "integer": "a whole number", "string": "text", "object": "a mapping (key: value)",
               "array": "a list", "boolean": "true or false", "null": "empty"}
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"}


def found(value: Any) -> str:
    """How a value reads in a message: ``the text 'no'``, ``the number 5``, ``a list``."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value:g}" if isinstance(value, float) else f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text '{shown}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _type_matches(kind: str, value: Any) -> bool:
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    py = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}.get(kind)
    return py is not None and isinstance(value, py)


def _types(schema: dict) -> list[str]:
    t = schema.get("type")
    if t is None and "enum" in schema:
        return sorted({{str: "string", bool: "boolean"}.get(type(e), "number") for e in schema["enum"]})
    return [t] if isinstance(t, str) else list(t or [])


def _join(words: list[str], last: str = "or") -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {last} " + words[-1]


def _quoted(keys: Iterable[str]) -> list[str]:
    return [f"'{k}'" for k in keys]


def _resolve(schema: Any, root: dict) -> dict:
    """Follow ``$ref`` and single-``allOf`` wrappers to the schema that says what a value is.

    A property's own words beside its ``$ref`` (``description``, ``markdownDescription``: draft-07 validators ignore
    them, editors show them) win over the referenced definition's, as editors merge them.
    """
    for _ in range(10):
        if not isinstance(schema, dict):
            return {}
        if "$ref" in schema:
            ref = schema["$ref"]
            if not ref.startswith("#/"):
                return schema
            node: Any = root
            for part in ref[2:].split("/"):
                node = node[part]
            own = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**node, **own} if isinstance(node, dict) else node
        elif "allOf" in schema and len(schema["allOf"]) == 1 and "type" not in schema:
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            inner = _resolve(schema["allOf"][0], root)
            schema = {**inner, **merged}
        else:
            return schema
    return schema


def _type_hint(expected: list[str], value: Any) -> str:
    if "boolean" in expected and isinstance(value, str) and value in _YAML11_BOOLS:
        return "appraise reads YAML 1.2, where yes/no/on/off are text; write true or false"
    if value is None and "object" in expected:
        return "write {} for an empty mapping"
    if expected == ["string"] and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'put it in quotes: "{value}"'
    if ("number" in expected or "integer" in expected) and isinstance(value, str):
        if value.strip().endswith("%"):
            return _PERCENT_HINT  # worded for its place by _typed_with_care
        if re.fullmatch(r"\s*[-+]?[0-9][0-9,]*(\.[0-9]+)?\s*", value):
            return "write the number without quotes or thousands separators"
    return ""


def _translate(error, root: dict, context: str = "") -> list[tuple[tuple, str, bool, str]]:
    """(path, message, at_key, hint) for one jsonschema error."""
    path = tuple(error.absolute_path)
    value = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    vv = error.validator_value
    suffix = f" {context}" if context else ""

    if kind == "additionalProperties" and isinstance(value, dict):
        props = list(schema.get("properties", {}))
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        out = []
        for key in value:
            if key in props or any(p.search(key) for p in patterns):
                continue
            close = difflib.get_close_matches(key, props, n=1, cutoff=0.6)
            if close:
                out.append((path + (key,), f"unknown key '{key}'{suffix}; did you mean '{close[0]}'?", True, ""))
            else:
                out.append((path + (key,), f"unknown key '{key}'{suffix}", True,
                            f"allowed here: {', '.join(props)}" if props else "no keys are allowed here"))
        return out
    if kind == "required":
        missing = [k for k in vv if not (isinstance(value, dict) and k in value)]
        out = []
        for key in missing:
            desc = _resolve(schema.get("properties", {}).get(key, {}), root).get("description") or \
                schema.get("properties", {}).get(key, {}).get("description", "")
            where = f" in '{path[-1]}'" if path and isinstance(path[-1], str) else ""
            out.append((path, f"'{key}' is missing{where}", True, f"add {key}: ({desc.rstrip('.')})" if desc else ""))
        return out
    if kind == "type":
        expected = [vv] if isinstance(vv, str) else list(vv)
        words = _join([_TYPE_WORDS.get(t, t) for t in expected])
        return [(path, f"must be {words}, not {found(value)}", False, _type_hint(expected, value))]
    if kind == "enum":
        options = [str(o) for o in vv]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6) if isinstance(value, str) else []
        shown = f"'{value}'" if isinstance(value, str) else found(value)
        hint = f"did you mean '{close[0]}'?" if close else ""
        if isinstance(value, str) and value in _YAML11_BOOLS and not close:
            hint = "appraise reads YAML 1.2, where yes/no/on/off are text"
        return [(path, f"{shown} is not one of {', '.join(options)}", False, hint)]
    if kind == "pattern":
        why = schema.get("patternErrorMessage", f"it must match {vv}")
        return [(path, f"'{value}' is not valid here: {why}", False, "")]
    if kind == "propertyNames":
        key = value if isinstance(value, str) else str(value)
        why = ""
        for sub in error.context or []:
            why = sub.schema.get("patternErrorMessage", "") if isinstance(sub.schema, dict) else ""
        parent = path
        # jsonschema reports the key itself as the instance; locate the key in its mapping
        return [(parent + (key,), f"'{key}' is not a valid name here" + (f": {why}" if why else ""), True, "")]
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bound = f"{vv:g}" if isinstance(vv, float) else str(vv)
        words = {"minimum": f"at least {bound}", "exclusiveMinimum": f"more than {bound}",
                 "maximum": f"at most {bound}", "exclusiveMaximum": f"less than {bound}"}[kind]
        hint = ""
        if kind == "maximum" and vv == 1 and isinstance(value, (int, float)) and value > 1:
            hint = f"shares are fractions: write {value / 100:g} for {value:g}%" if value <= 100 else ""
        return [(path, f"{found(value)} is out of range: it must be {words}", False, hint)]
    if kind == "minItems":
        if isinstance(value, list) and not value:
            return [(path, "must not be an empty list", False, "")]
        return [(path, f"needs at least {vv} items, has {len(value)}", False, "")]
    if kind == "maxItems":
        return [(path, f"has {len(value)} items; at most {vv} are allowed", False, "")]
    if kind == "minProperties":
        if isinstance(value, dict) and not value:
            return [(path, "must not be empty", False, "")]
        return [(path, f"needs at least {vv} keys", False, "")]
    if kind == "maxProperties":
        if vv == 1 and schema.get("minProperties") == 1:
            keys = _quoted(value)
            return [(path, f"an item here has exactly one key, but this one has {_join(keys, 'and')}", False,
                     "write each as its own list item ('- ')")]
        return [(path, f"has {len(value)} keys; at most {vv} are allowed", False, "")]
    if kind == "minLength":
        return [(path, "must not be empty", False, "")]
    if kind == "maxLength":
        return [(path, f"is {len(value)} characters long; at most {vv} are allowed", False, "")]
    if kind == "uniqueItems":
        seen, dup = set(), None
        for item in value:
            k = json.dumps(item, sort_keys=True)
            if k in seen:
                dup = item
                break
            seen.add(k)
        return [(path, f"lists {found(dup)} twice", False, "")]
    if kind in ("oneOf", "anyOf"):
        return _translate_choice(error, root, context)
    if kind == "not" and isinstance(vv, dict) and set(vv) == {"required"} and isinstance(value, dict):
        both = [k for k in vv["required"] if k in value]
        return [(path + (both[-1],), f"has both {_join(_quoted(both), 'and')}{suffix}; they say the same thing: "
                 "keep one", True, "")]
    return [(path, error.message, False, "")]


def _translate_choice(error, root: dict, context: str) -> list[tuple[tuple, str, bool, str]]:
    """oneOf/anyOf: say which form was meant, and what is wrong with it."""
    path = tuple(error.absolute_path)
    value = error.instance
    branches = [_resolve(b, root) for b in error.validator_value]

    # Branches that only require a key: "exactly one of kpis, okr, feedback360".
    if all(set(b) == {"required"} and len(b["required"]) == 1 for b in branches):
        keys = [b["required"][0] for b in branches]
        present = [k for k in keys if isinstance(value, dict) and k in value]
        if len(present) > 1:
            return [(path + (present[1],), f"has both {_join(_quoted(present), 'and')}, but only one of "
                     f"{_join(_quoted(keys))} is allowed", True, "keep the one you mean")]
        return [(path, f"needs one of {_join(_quoted(keys))}", True, "")]

    by_branch: dict[int, list] = {i: [] for i in range(len(branches))}
    for sub in error.context or []:
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    typed = [i for i, b in enumerate(branches) if not _types(b) or any(_type_matches(t, value) for t in _types(b))]
    if not typed:
        words = []
        for b in branches:
            words += [_TYPE_WORDS.get(t, t) for t in _types(b)]
        expected = []
        for b in branches:
            expected += _types(b)
        return [(path, f"must be {_join(words)}, not {found(value)}", False, _type_hint(expected, value))]
    if any(not by_branch.get(i) for i in typed):
        return [(path, "matches more than one of the allowed forms; remove the keys of the forms you do not mean",
                 False, "")]

    def closeness(i: int):
        b = branches[i]
        keys_known = 0
        if isinstance(value, dict):
            props = b.get("properties", {})
            keys_known = sum(1 for k in value if k in props) + sum(1 for k in b.get("required", []) if k in value)
        return (keys_known, -len(by_branch[i]), -i)

    best = max(typed, key=closeness)
    out = []
    for sub in by_branch[best]:
        out.extend(_translate(sub, root, context))
    return out
