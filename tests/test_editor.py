"""Editor support: the shipped JSON Schemas as the real ``yaml-language-server`` (what VS Code's YAML extension runs)
sees them, driven over stdio by the small LSP client in ``tests/editor/lsp.py``.

The server is the npm package pinned in ``tests/editor/package-lock.json`` (``make test`` runs ``npm ci --prefix
tests/editor`` when it is missing).  One server serves the whole module.  Without node the server tests are skipped;
the schema checks at the top need no node.

What a user saw before (issue 18): choosing ``weight``, ``label`` or ``curve`` from completion inserted the bare key
(no ``: ``) because ``allOf: [{$ref}]`` wrappers hid each field's type, and the KPI skeleton inserted invalid YAML.
"""
from __future__ import annotations

import copy
import fcntl
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from appraise.language import schema as schemas
from appraise.language.validate import validate_paths

HERE = Path(__file__).parent
ROOT = HERE.parent
EDITOR = HERE / "editor"
NODE = shutil.which("node")


# ---------------------------------------------------------------- the schemas, as an editor reads them

def resolved(node: dict, root: dict) -> dict:
    """A property's schema with its ``$ref`` merged in, its own keys winning (what yaml-language-server does)."""
    while "$ref" in node:
        target: dict = root
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def properties(node, where=""):
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}.{name}", sub
        for key, sub in node.items():
            if key != "defaultSnippets":
                yield from properties(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from properties(sub, f"{where}[{i}]")


def nodes(node):
    if isinstance(node, dict):
        yield node
        for sub in node.values():
            yield from nodes(sub)
    elif isinstance(node, list):
        for sub in node:
            yield from nodes(sub)


def snippets(node, where=""):
    """(where, the schema node, one of its defaultSnippets) for every snippet of a schema."""
    if isinstance(node, dict):
        for snippet in node.get("defaultSnippets", ()):
            yield where, node, snippet
        for key, sub in node.items():
            if key != "defaultSnippets":
                yield from snippets(sub, f"{where}/{key}")
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from snippets(sub, f"{where}[{i}]")


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_property_shows_its_type(name):
    """An editor decides what to insert after a key from the property's type (or its enum): it must see one."""
    root = schemas.load(name)
    wrappers = [n for n in nodes(root) if isinstance(n.get("allOf"), list) and len(n["allOf"]) == 1]
    assert wrappers == []  # allOf: [{$ref}] hid the type from editors
    for where, prop in properties(root):
        seen = resolved(prop, root)
        assert "type" in seen or "enum" in seen, where
        assert prop.get("description") and prop.get("markdownDescription"), where


@pytest.mark.parametrize("name", schemas.NAMES)
def test_every_snippet_is_valid_where_it_is_offered(name):
    from jsonschema import Draft7Validator

    root = schemas.load(name)
    found = list(snippets(root))
    assert found
    for where, node, snippet in found:
        assert snippet["label"] and snippet["description"], where
        body = snippet["body"]
        # plain values only: what the editor inserts is the body itself, so the body is what must be valid
        assert not re.search(r"\$\{?\d", json.dumps(body)), where
        errors = list(Draft7Validator({**node, "definitions": root.get("definitions", {})}).iter_errors(body))
        assert not errors, (where, snippet["label"], [e.message for e in errors])


def snippet(name: str, where: str, label: str):
    for at, _node, s in snippets(schemas.load(name)):
        if at == where and s["label"] == label:
            return copy.deepcopy(s["body"])  # the schema is cached: a caller's edits must not reach other tests
    raise AssertionError(f"no snippet {label!r} at {where}")


def test_a_ruleset_made_of_the_snippets_passes_appraise_validate(tmp_path):
    """The snippets are valid rulesets, not only valid shapes: names, weights and expressions check."""
    P, D = "/properties", "/definitions"
    scorecard = snippet("ruleset", f"{D}/scorecard", "scorecard")
    dimension = scorecard["dimensions"]["results"]
    assert dimension == {"weight": 100, "kpis": {"revenue": snippet("ruleset", f"{D}/kpi", "KPI")}}
    kpis = snippet("ruleset", f"{D}/dimension", "KPI dimension")["kpis"]
    dimension["kpis"] = {"revenue": {**kpis["revenue"], "weight": 60,
                                     "curve": snippet("ruleset", f"{D}/kpi/properties/curve", "linear")},
                         "collection_rate": {"weight": 40, "target": 0.95,
                                             "curve": snippet("ruleset", f"{D}/kpi/properties/curve", "bands")}}
    dimension["weight"] = 75
    scorecard["dimensions"]["feedback"] = {**snippet("ruleset", f"{D}/dimension", "360 dimension"), "weight": 15}
    scorecard["dimensions"]["objectives"] = snippet("ruleset", f"{D}/dimension", "OKR dimension")
    scorecard["adjustments"] = [snippet("ruleset", f"{D}/adjustment", "adjustment")]
    raw = snippet("ruleset", f"{P}/metrics/additionalProperties", "raw metric")
    ruleset = {
        "id": "snippets", "version": "1",
        "attributes": {"role": "string", "team": "string", "target_bonus": "money"},
        "metrics": {**{m: raw for m in ("revenue", "quota", "collected", "billed", "complaints", "orders")},
                    "collection_rate": snippet("ruleset", f"{P}/metrics/additionalProperties", "derived metric"),
                    "complaint_rate": {"formula": "complaints / orders", "direction": "lower"}},
        "scorecards": {"rep": scorecard},
        "rules": [snippet("ruleset", f"{D}/rule", "rule")],
        "grades": [{"grade": "S", "min": 110}, snippet("ruleset", f"{P}/grades/items", "grade"),
                   {"grade": "B", "min": 0}],
        "calibration": snippet("ruleset", f"{P}/calibration", "calibration"),
        "bonus": snippet("ruleset", f"{P}/bonus", "bonus plan"),
    }
    path = tmp_path / "snippets.yaml"
    path.write_text(json.dumps(ruleset, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML; no anchors
    assert [str(d) for d in validate_paths([path])] == []


# ---------------------------------------------------------------- the real language server

def expand(snippet_text: str) -> str:
    """An LSP snippet as the editor leaves it when the user accepts every default: ${1:x} -> x, ${1|a,b|} -> a."""
    text = re.sub(r"\$\{\d+\|([^,|}]*)[^}]*\}", r"\1", snippet_text)
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", text)
    return re.sub(r"\$\d+", "", text)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if NODE is None:
        pytest.skip("node is not installed: the yaml-language-server tests need Node.js (20 or newer) and npm")
    from editor.lsp import SERVER, Client

    lock = ROOT / "build" / "editor-install.lock"  # `make editor-server` installs under it, beside the tests
    lock.parent.mkdir(exist_ok=True)
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # waits for an install under way
        if not SERVER.exists():
            npm = shutil.which("npm")
            assert npm, f"{SERVER} is missing and npm is not installed: run `npm ci --prefix {EDITOR}`"
            subprocess.run([npm, "ci", "--prefix", str(EDITOR), "--no-audit", "--no-fund"], check=True,
                           capture_output=True, timeout=600)
    work = tmp_path_factory.mktemp("editor")
    shutil.copytree(ROOT / "schemas", work / "schemas")
    (work / "rulesets").mkdir()
    client = Client(NODE, work)
    client.work = work  # type: ignore[attr-defined]
    yield client
    client.close()


HEAD = """# yaml-language-server: $schema=../schemas/ruleset.schema.json
id: t
version: "1"
metrics:
  revenue: {aggregate: sum}
  quota: {aggregate: sum}
grades:
  - {grade: A, min: 0}
scorecards:
  rep:
    dimensions:
      results:
        weight: 100
        kpis:
"""


def at(text: str) -> tuple[str, int, int]:
    """The text without its cursor mark '|', and the cursor's line and character."""
    before, _, after = text.partition("|")
    lines = before.split("\n")
    return before + after, len(lines) - 1, len(lines[-1])


def accept(text: str, item: dict, line: int, char: int) -> str:
    """The document after the user accepts a completion item (its textEdit, or its insertText at the cursor), as
    VS Code inserts it: every line after the first indented like the line it is inserted in (LSP insertTextMode
    ``adjustIndentation``)."""
    lines = text.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)
    edit = item.get("textEdit")
    if edit:
        start, end = edit["range"]["start"], edit["range"]["end"]
        a, b = offsets[start["line"]] + start["character"], offsets[end["line"]] + end["character"]
        new = edit["newText"]
    else:
        a = b = offsets[line] + char
        new = item.get("insertText") or item["label"]
    start_line = text[:a].rsplit("\n", 1)[-1]
    indent = start_line[:len(start_line) - len(start_line.lstrip(" "))]
    return text[:a] + expand(new).replace("\n", "\n" + indent) + text[b:]


def open_doc(server, text: str, name: str = "a.yaml") -> str:
    return server.open(server.work / "rulesets" / name, text)


def test_completion_in_a_kpi_inserts_keys_with_their_values(server):
    text, line, char = at(HEAD + "          revenue:\n            target: quota\n            |\n")
    uri = open_doc(server, text)
    items = {i["label"]: i for i in server.completion(uri, line, char)}
    for key in ("weight", "label", "curve", "metric"):
        inserted = (items[key].get("textEdit") or {}).get("newText") or items[key]["insertText"]
        assert inserted.startswith(f"{key}:") and re.match(rf"{key}:[ \n]", inserted), (key, inserted)
    # weight is a number: the editor offers one
    done = accept(text, items["weight"], line, char)
    assert "            weight: 0\n" in done
    # the KPI's skeleton (its required keys) is valid YAML and passes the schema once a weight is typed
    kpi_items = [i for i in items.values() if i["label"] == "kpi"]
    assert kpi_items
    # each document state checked for diagnostics is a file of its own: the server does not say which version of a
    # document its diagnostics are for, and an older version's may still be on their way
    skeleton = open_doc(server, accept(text, kpi_items[0], line, char), "a-skeleton.yaml")
    assert [d["message"] for d in server.wait_diagnostics(skeleton)] == []


def test_snippets_insert_valid_yaml(server, tmp_path):
    """A KPI, a curve and a dimension chosen from the snippets: no diagnostics from the server, and appraise
    validate accepts the file."""
    text, line, char = at(HEAD + "          revenue: |\n")
    uri = open_doc(server, text, "b.yaml")
    [kpi] = [i for i in server.completion(uri, line, char) if i["label"] == "KPI"]
    text = accept(text, kpi, line, char)
    assert text.endswith("          revenue: \n            weight: 100\n            target: quota\n")
    text, line, char = at(text + "            curve: |\n")
    curves = {i["label"]: i for i in server.completion(open_doc(server, text, "b.yaml"), line, char)}
    assert {"linear", "bands"} <= set(curves)
    for label in ("linear", "bands"):
        done = accept(text, curves[label], line, char)
        assert server.wait_diagnostics(open_doc(server, done, f"b-{label}.yaml")) == [], (label, done)
        path = tmp_path / f"{label}.yaml"
        path.write_text(done.replace("../schemas/", str(ROOT / "schemas") + "/"), encoding="utf-8")
        assert [str(d) for d in validate_paths([path])] == [], done


def test_a_wrong_type_is_underlined_where_it_is(server, tmp_path):
    text = HEAD + "          revenue: {weight: heavy, target: quota}\n"
    uri = open_doc(server, text, "c.yaml")
    found = server.wait_diagnostics(uri)
    line = text.split("\n").index("          revenue: {weight: heavy, target: quota}")
    col = text.split("\n")[line].index("heavy")
    [d] = found
    assert d["range"]["start"] == {"line": line, "character": col}
    assert "number" in d["message"] and d["severity"] == 1, d
    # appraise says the same, at the same place (1-based)
    [ours] = [x for x in validate_paths([_saved(text, tmp_path / "c.yaml")])]
    assert (ours.line, ours.col) == (line + 1, col + 1) and ours.message == "must be a number, not the text 'heavy'"


def _saved(text: str, path: Path) -> Path:
    path.write_text(text.replace("../schemas/", str(ROOT / "schemas") + "/"), encoding="utf-8")
    return path


def test_hover_shows_the_keys_own_documentation(server):
    text = HEAD + "          revenue: {weight: 100, target: quota}\n"
    uri = open_doc(server, text, "d.yaml")
    line = text.split("\n").index("          revenue: {weight: 100, target: quota}")
    char = text.split("\n")[line].index("weight") + 2
    hover = server.hover(uri, line, char)
    shown = hover["contents"]["value"] if isinstance(hover["contents"], dict) else str(hover["contents"])
    kpi_weight = schemas.load("ruleset")["definitions"]["kpi"]["properties"]["weight"]["markdownDescription"]
    assert kpi_weight in shown
    # a dimension's weight says what a dimension's weight is (its own words, not the shared definition's)
    line = text.split("\n").index("        weight: 100")
    hover = server.hover(uri, line, 10)
    dim_weight = schemas.load("ruleset")["definitions"]["dimension"]["properties"]["weight"]["markdownDescription"]
    assert dim_weight in hover["contents"]["value"]
