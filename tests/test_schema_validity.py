"""The schema check's fast path (:mod:`appraise.language.validity`) says "valid" exactly when jsonschema does.

``appraise.language.schema.check`` asks :func:`~appraise.language.validity.satisfies` first and imports jsonschema
only when the answer is not a sure yes, so a wrong yes would let an invalid file through.  Here the fast path is
compared with jsonschema's own ``Draft7Validator`` (the plain path): on hand-made cases for every draft-07 keyword
(each expectation worked out by hand from the draft-07 text), on every YAML file of the repository, and on
documents mutated at random.  (That a valid ruleset is checked without importing jsonschema: tests/test_startup.py.)
"""
from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from appraise.errors import InvalidInput
from appraise.language import schema as schemas
from appraise.language.load import load
from appraise.language.validate.files import _kind
from appraise.language.validity import satisfies

ROOT = Path(__file__).parent.parent
YAML = sorted(p for p in [*ROOT.glob("rulesets/**/*.y*ml"), *ROOT.glob("tests/**/*.y*ml"), *ROOT.glob("docs/**/*.y*ml")]
              if p.is_file())


_VALIDATORS: dict[int, Draft7Validator] = {}


def jsonschema_says(value, schema) -> bool:
    """The plain path: jsonschema's draft-07 validator (one per schema, as appraise builds them)."""
    v = _VALIDATORS.get(id(schema)) if isinstance(schema, dict) else None
    if v is None:
        v = Draft7Validator(schema)
        if isinstance(schema, dict) and schema in [schemas.load(n) for n in schemas.NAMES]:
            _VALIDATORS[id(schema)] = v
    return v.is_valid(value)


# ---------------------------------------------------------------- every keyword, by hand

NUMBER = {"type": "number"}
CASES = [  # (schema, value, valid?) — what draft-07 says
    ({"type": "integer"}, 3, True), ({"type": "integer"}, 3.0, True), ({"type": "integer"}, 3.5, False),
    ({"type": "integer"}, True, False), (NUMBER, True, False), (NUMBER, 2.5, True), (NUMBER, "2", False),
    ({"type": ["string", "null"]}, None, True), ({"type": ["string", "null"]}, 0, False),
    ({"type": "object"}, [], False), ({"type": "array"}, {}, False), ({"type": "boolean"}, 0, False),
    ({"enum": [1, "a"]}, True, False), ({"enum": [True]}, 1, False), ({"enum": [1, "a"]}, 1.0, True),
    ({"enum": [[1, 2]]}, [1, 2], True), ({"enum": [[1, 2]]}, [True, 2], False), ({"const": False}, 0, False),
    ({"const": {"a": [1]}}, {"a": [1]}, True), ({"const": {"a": [1]}}, {"a": [1], "b": 2}, False),
    ({"uniqueItems": True}, [1, True], True), ({"uniqueItems": True}, [1, 1.0], False),
    ({"uniqueItems": True}, [{"a": 1}, {"a": 1}], False), ({"uniqueItems": True}, ["a", 1, None], True),
    ({"uniqueItems": False}, [1, 1], True),
    ({"minimum": 0}, -1, False), ({"minimum": 0}, "x", True), ({"maximum": 1}, 1, True),
    ({"exclusiveMinimum": 0}, 0, False), ({"exclusiveMaximum": 1}, 0.999, True), ({"minimum": 5}, True, True),
    ({"multipleOf": 0.5}, 1.5, True), ({"multipleOf": 0.5}, 1.25, False), ({"multipleOf": 3}, 9, True),
    ({"pattern": "^a"}, "ba", False), ({"pattern": "b"}, "abc", True), ({"pattern": "^a"}, 5, True),
    ({"minLength": 2}, "é", False), ({"maxLength": 1}, "é", True), ({"minLength": 1}, [], True),
    ({"required": ["a"]}, {"b": 1}, False), ({"required": ["a"]}, "a", True),
    ({"properties": {"a": NUMBER}}, {"a": "x"}, False), ({"properties": {"a": NUMBER}}, {"b": "x"}, True),
    ({"properties": {"a": NUMBER}, "additionalProperties": False}, {"a": 1, "b": 2}, False),
    ({"patternProperties": {"^x-": NUMBER}, "additionalProperties": False}, {"x-a": 1}, True),
    ({"patternProperties": {"^x-": NUMBER}, "additionalProperties": False}, {"x-a": "1"}, False),
    ({"patternProperties": {"^x-": NUMBER}, "additionalProperties": False}, {"y": 1}, False),
    ({"additionalProperties": {"type": "string"}}, {"a": "x", "b": 1}, False),
    ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"ok": 1, "Bad": 2}, False),
    ({"minProperties": 1}, {}, False), ({"maxProperties": 1}, {"a": 1, "b": 2}, False),
    ({"dependencies": {"a": ["b"]}}, {"a": 1}, False), ({"dependencies": {"a": ["b"]}}, {"b": 1}, True),
    ({"dependencies": {"a": {"required": ["c"]}}}, {"a": 1, "c": 2}, True),
    ({"items": NUMBER}, [1, "x"], False), ({"items": [NUMBER, {"type": "string"}]}, [1, "x", None], True),
    ({"items": [NUMBER], "additionalItems": False}, [1, 2], False),
    ({"items": NUMBER, "additionalItems": False}, [1, 2], True),
    ({"items": [NUMBER], "additionalItems": {"type": "string"}}, [1, "a", 2], False),
    ({"minItems": 1}, [], False), ({"maxItems": 1}, [1, 2], False), ({"contains": NUMBER}, ["a", 1], True),
    ({"contains": NUMBER}, ["a"], False), ({"contains": NUMBER}, [], False),
    ({"allOf": [NUMBER, {"minimum": 2}]}, 1, False), ({"anyOf": [NUMBER, {"type": "string"}]}, None, False),
    ({"oneOf": [NUMBER, {"minimum": 0}]}, 5, False), ({"oneOf": [NUMBER, {"type": "string"}]}, "x", True),
    ({"not": NUMBER}, "x", True), ({"not": NUMBER}, 1, False),
    ({"if": NUMBER, "then": {"minimum": 0}, "else": {"type": "string"}}, -1, False),
    ({"if": NUMBER, "then": {"minimum": 0}, "else": {"type": "string"}}, None, False),
    ({"if": NUMBER, "else": {"type": "string"}}, -1, True), ({"then": False}, 1, True),
    ({"definitions": {"n": NUMBER}, "properties": {"a": {"$ref": "#/definitions/n", "type": "string"}}},
     {"a": 1}, True),  # draft-07: a $ref's siblings are ignored
    ({"definitions": {"n": NUMBER}, "properties": {"a": {"$ref": "#/definitions/n"}}}, {"a": "x"}, False),
    ({"properties": {"a": False}}, {"a": 1}, False), ({"properties": {"a": True}}, {"a": 1}, True),
    ({"format": "date"}, "not a date", True),  # formats are not asserted without a format checker
    (True, 1, True), (False, 1, False), ({}, {"anything": [1]}, True),
]


@pytest.mark.parametrize("schema, value, valid", CASES)
def test_each_keyword_as_draft_07_says(schema, value, valid):
    assert jsonschema_says(value, schema) is valid  # the plain path agrees with the hand-worked answer
    assert satisfies(value, schema) is valid


@pytest.mark.parametrize("schema, value", [
    ({"$ref": "other.json#/x"}, 1),  # not a local pointer
    ({"properties": {"a": {"$id": "inner", "type": "number"}}}, {"a": 1}),  # a nested base URI
    ({"type": "decimal"}, 1),  # jsonschema raises UnknownType
    ({"properties": {"a": "not a schema"}}, {"a": 1}),
])
def test_what_it_cannot_follow_is_left_to_jsonschema(schema, value):
    assert satisfies(value, schema) is None


def test_unsure_branches_decide_nothing_but_a_sure_one_does():
    unsure = {"$ref": "elsewhere.json"}
    assert satisfies(1, {"anyOf": [unsure, NUMBER]}) is True
    assert satisfies("x", {"anyOf": [unsure, NUMBER]}) is None
    assert satisfies(1, {"oneOf": [unsure, NUMBER]}) is None
    assert satisfies(1, {"oneOf": [unsure, NUMBER, {"minimum": 0}]}) is False
    assert satisfies(1, {"not": unsure}) is None


# ---------------------------------------------------------------- every YAML file of the repository

@cache
def documents() -> list[tuple[Path, object, str, bool]]:
    """Every YAML file of the repository that loads: its path, data, kind and whether jsonschema finds it valid."""
    out = []
    for path in YAML:
        try:
            doc = load(path)
        except InvalidInput:
            continue
        kind = _kind(doc.data, True)
        out.append((path, doc.data, kind, jsonschema_says(doc.data, schemas.load(kind))))
    return out


def test_every_yaml_file_of_the_repository():
    from appraise.plugins import provider_schemas

    providers = provider_schemas()
    base = schemas.load("cycle")["properties"]["sources"]["items"]["properties"]
    for path, data, kind, truth in documents():
        assert satisfies(data, schemas.load(kind)) is truth, path  # sure either way on the project's own files
        sources = data.get("sources") if kind == "cycle" and isinstance(data, dict) else None
        for entry in sources if isinstance(sources, list) else []:
            if isinstance(entry, dict) and entry.get("provider") in providers:
                own = dict(providers[entry["provider"]])
                own["properties"] = {**base, **own.get("properties", {})}
                assert satisfies(entry, own) is jsonschema_says(entry, own), (path, entry)
    valid = sum(truth for *_, truth in documents())
    assert len(documents()) >= 60 and valid >= 20 and len(documents()) - valid >= 20


# ---------------------------------------------------------------- documents mutated at random

values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 120) | st.sampled_from([0.5, 1.0, 100.0, -0.0, 1e308])
    | st.sampled_from(["", "x", "sales", "revenue", "B", "2026-Q3", "sum", "Sales Team", "30%", "a b", "0.3"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "weight", "kpis", "target", "grade", "min", "x", "when", "set"]), inner, max_size=3),
    max_leaves=6)


def _paths(node, here=()):
    yield here
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, here + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, here + (i,))


@settings(max_examples=60)
@given(st.data())
def test_mutated_documents(data):
    shipped = [(d, kind) for _, d, kind, truth in documents() if truth and kind in ("ruleset", "cycle")]
    doc, kind = data.draw(st.sampled_from(shipped))
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = data.draw(st.sampled_from(paths[1:] or paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        how = data.draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if not path:
            doc = data.draw(values)
        elif how == "replace" or (how == "delete" and isinstance(parent, list)):
            parent[path[-1]] = data.draw(values)
        elif how == "delete":
            del parent[path[-1]]
        elif how == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["id", "weight", "extra", "kpis", "of", "then"]))] = data.draw(values)
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    fast = satisfies(doc, schemas.load(kind))
    assert fast in (None, jsonschema_says(doc, schemas.load(kind)))

