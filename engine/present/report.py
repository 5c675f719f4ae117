"""Diagnostics rendered for people and for CI systems.

``text`` is for terminals (``file:line:col: error: message (key.path)`` and a
summary line), ``json`` for scripts, ``github`` for GitHub Actions annotations,
``sarif`` for code-scanning dashboards (SARIF 2.1.0) and ``junit`` for CI test
reports (one test case per file checked).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from appraise.errors import Diagnostic

FORMATS = ("text", "json", "github", "sarif", "junit")


def render(fmt: str, diagnostics: Sequence[Diagnostic], checked: Sequence[str] = (),
           skipped: Sequence[str] = ()) -> str:
    """The diagnostics in format ``fmt``; ``checked``/``skipped`` name the files looked at."""
    try:
        writer: Callable = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format '{fmt}'; the formats are {', '.join(FORMATS)}") from None
    return writer(list(diagnostics), list(checked), list(skipped))


def summary(diagnostics: Sequence[Diagnostic], checked: Sequence[str]) -> str:
    """One line: how many files were checked and how many problems were found."""
    errors = [d for d in diagnostics if d.severity == "error"]
    warnings = [d for d in diagnostics if d.severity == "warning"]
    files = len(checked)
    noun = "file" if files == 1 else "files"
    if not errors:
        text = f"{files} {noun} valid"
        if warnings:
            text += f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
        return text
    bad = len({d.file for d in errors})
    total = max(files, bad)  # a cycle's errors may lie in the files it names (its ruleset, its overrides)
    text = (f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {bad} of {total} "
            f"{'file' if total == 1 else 'files'}")
    if warnings:
        text += f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    return text


def _text(diags, checked, skipped) -> str:
    lines = [str(d) for d in diags]
    lines.append(summary(diags, checked))
    return "\n".join(lines) + "\n"


def _json(diags, checked, skipped) -> str:
    errors = [d for d in diags if d.severity == "error"]
    return json.dumps({"valid": not errors, "summary": summary(diags, checked), "checked": checked,
                       "skipped": skipped, "diagnostics": [d.to_dict() for d in diags]},
                      indent=2, ensure_ascii=False) + "\n"


def escape_data(text: str) -> str:
    """Text for the message of a GitHub Actions workflow command (``::error ...::message``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Text for a property of a GitHub Actions workflow command (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(diags, checked, skipped) -> str:
    """GitHub Actions workflow commands: each problem becomes an annotation on its line."""
    out = []
    for d in diags:
        level = "error" if d.severity == "error" else "warning"
        props = [f"file={escape_property(d.file)}"]
        if d.line:
            props += [f"line={d.line}", f"col={d.col}"]
        props.append(f"title={escape_property('appraise ' + (d.code or 'validate'))}")
        message = d.message + (f"; {d.hint}" if d.hint else "") + (f" ({d.path})" if d.path else "")
        out.append(f"::{level} {','.join(props)}::{escape_data(message)}")
    out.append(summary(diags, checked))
    return "\n".join(out) + "\n"


def _sarif(diags, checked, skipped) -> str:
    from importlib.metadata import version

    codes = sorted({d.code or "validate" for d in diags})
    results = []
    for d in diags:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": d.file.replace("\\", "/")}}}
        if d.line:
            location["physicalLocation"]["region"] = {"startLine": d.line, "startColumn": max(d.col, 1)}
        if d.path:
            location["logicalLocations"] = [{"fullyQualifiedName": d.path}]
        text = d.message + (f"; {d.hint}" if d.hint else "")
        results.append({"ruleId": d.code or "validate", "level": "error" if d.severity == "error" else "warning",
                        "message": {"text": text}, "locations": [location]})
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "appraise", "version": version("appraise"),
                                "informationUri": "https://appraise.dev",
                                "rules": [{"id": c, "shortDescription": {"text": f"appraise {c}"}} for c in codes]}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _junit(diags, checked, skipped) -> str:
    """JUnit XML: one test case per file; each problem is a failure of its file's case."""
    import xml.etree.ElementTree as ET

    files = list(dict.fromkeys([*checked, *(d.file for d in diags)]))
    errors = [d for d in diags if d.severity == "error"]
    suites = ET.Element("testsuites", name="appraise validate", tests=str(len(files) + len(skipped)),
                        failures=str(len({d.file for d in errors})))
    suite = ET.SubElement(suites, "testsuite", name="appraise.language.validate", tests=str(len(files) + len(skipped)),
                          failures=str(len({d.file for d in errors})), errors="0", skipped=str(len(skipped)))
    for file in files:
        case = ET.SubElement(suite, "testcase", classname="appraise.language.validate", name=file)
        mine = [d for d in diags if d.file == file]
        failures = [d for d in mine if d.severity == "error"]
        if failures:
            body = ET.SubElement(case, "failure", type="invalid",
                                 message=f"{len(failures)} problem{'s' if len(failures) != 1 else ''}")
            body.text = "\n".join(str(d) for d in mine)
    for file in skipped:
        case = ET.SubElement(suite, "testcase", classname="appraise.language.validate", name=file)
        ET.SubElement(case, "skipped", message="not an appraise file")
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


_WRITERS = {"text": _text, "json": _json, "github": _github, "sarif": _sarif, "junit": _junit}
