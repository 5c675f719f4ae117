"""A test report rendered as text for people, JSON for scripts, JUnit XML for CI, or GitHub Actions annotations."""
from __future__ import annotations

import json

from appraise.tools.testing.results import Report, TestResult

FORMATS = ("text", "json", "junit", "github")


def render(report: Report, fmt: str = "text", *, show_coverage: bool = False, verbose: bool = False,
           min_coverage: float | None = None) -> str:
    """The report in ``fmt`` (text, json, junit, github); text and github end with ``N passed, N failed``.

    With ``min_coverage`` (percent), rulesets below it are named (text, github) or flagged (json).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}'; the formats are {', '.join(FORMATS)}")
    report.min_coverage = min_coverage
    return {"text": _text_report, "json": _json_report, "junit": _junit_report,
            "github": _github_report}[fmt](report, show_coverage or min_coverage is not None, verbose)


def _text_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    lines = [str(d) for d in report.diagnostics]
    for r in report.results:
        if r.passed:
            if verbose:
                lines.append(f"PASS {r.file}:{r.line}:{r.col}: {r.name}")
            continue
        lines.append(f"FAIL {r.file}:{r.line}:{r.col}: {r.name}")
        lines.extend(f"  {f}" for f in r.failures)
    if show_coverage:
        from appraise.tools.coverage import render_text

        lines.extend(render_text(c) for c in report.coverage.values())
    lines.extend(f"FAIL coverage of {c.ruleset} is {c.percent:.1f}%, below --min-coverage {report.min_coverage:g}%"
                 for c in report.below_min_coverage())
    lines.append(report.summary())
    return "\n".join(lines) + "\n"


def _json_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    doc = {
        "passed": report.passed, "failed": report.failed, "summary": report.summary(),
        "diagnostics": [d.to_dict() for d in report.diagnostics],
        "tests": [{"file": r.file, "line": r.line, "col": r.col, "name": r.name, "passed": r.passed,
                   "seconds": round(r.seconds, 4), "failures": [f.to_dict() for f in r.failures]}
                  for r in report.results],
        "coverage": {k: c.to_dict() for k, c in report.coverage.items()},
        "min_coverage": report.min_coverage,
        "below_min_coverage": [c.ruleset for c in report.below_min_coverage()],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _junit_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="appraise test", tests=str(len(report.results)),
                        failures=str(report.failed), errors=str(len({d.file for d in report.diagnostics})))
    by_file: dict[str, list[TestResult]] = {}
    for r in report.results:
        by_file.setdefault(r.file, []).append(r)
    for file in dict.fromkeys([*by_file, *(d.file for d in report.diagnostics)]):
        results = by_file.get(file, [])
        diags = [d for d in report.diagnostics if d.file == file]
        suite = ET.SubElement(suites, "testsuite", name=file, tests=str(len(results) or 1),
                              failures=str(sum(not r.passed for r in results)), errors=str(int(bool(diags))),
                              time=f"{sum(r.seconds for r in results):.3f}")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=file, name=r.name, time=f"{r.seconds:.3f}",
                                 file=file, line=str(r.line))
            if r.failures:
                body = ET.SubElement(case, "failure", type="expectation",
                                     message=f"{len(r.failures)} expectation"
                                             f"{'s' if len(r.failures) != 1 else ''} failed")
                body.text = "\n".join(str(f) for f in r.failures)
        if diags:
            case = ET.SubElement(suite, "testcase", classname=file, name="test file is valid")
            body = ET.SubElement(case, "error", type="invalid", message=f"{len(diags)} problem(s)")
            body.text = "\n".join(str(d) for d in diags)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _github_report(report: Report, show_coverage: bool, verbose: bool) -> str:
    from appraise.present.report import escape_data, escape_property

    lines = []
    for d in report.diagnostics:
        props = f"file={escape_property(d.file)},line={d.line},col={d.col},title=appraise test"
        lines.append(f"::error {props}::{escape_data(str(d).split(': error: ', 1)[-1])}")
    for r in report.results:
        for f in r.failures:
            props = (f"file={escape_property(f.file)},line={f.line},col={f.col},"
                     f"title={escape_property('appraise test: ' + r.name)}")
            lines.append(f"::error {props}::{escape_data(str(f).split(': ', 1)[-1])}")
    if show_coverage:
        from appraise.tools.coverage import render_text

        for c in report.coverage.values():
            for item in c.uncovered:
                lines.append(f"::notice file={escape_property(item.file)},line={item.line},col={item.col},"
                             "title=appraise test coverage::"
                             + escape_data(f"{item.kind} {item.id} is not covered by any test"))
            lines.append(render_text(c))
    for c in report.below_min_coverage():
        lines.append(f"::error title=appraise test coverage::coverage of {escape_data(c.ruleset)} is "
                     f"{c.percent:.1f}%, below --min-coverage {report.min_coverage:g}%")
    lines.append(report.summary())
    return "\n".join(lines) + "\n"
