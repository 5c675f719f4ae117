"""Validation of rule and cycle files: the JSON Schema first, then the semantics.

Every problem found is reported, each at ``file:line:col`` of the offending key
or value with its key path, a message an HR editor understands and a hint.
The semantic checks are the ones a schema cannot express: weights that sum to
exactly 100, references that resolve, formulas without cycles, ordered grades
and tiers, expressions checked name by name at their exact column, and every
combination of reweighting rules that can fire together leaving valid weights
(computed with :mod:`appraise.language.weights`, the same arithmetic the engine uses).

Which files are what (:func:`validate_paths`): a file named on the command line
is a *cycle file* when it has a top-level ``cycle:`` key and a *ruleset*
otherwise.  Inside a folder, ``*.yaml``/``*.yml`` files are checked when they
are clearly appraise files — a top-level ``cycle:`` key (cycle), or one of
``scorecards metrics rules grades bonus calibration attributes`` or both ``id``
and ``version`` (ruleset); any other YAML (data files such as OKR lists, ruleset
test cases, CI configs) is skipped without error.  A ruleset test file (top-level
``ruleset:`` and ``tests:``, no ``sources:``) named on the command line is
checked against its schema; ``appraise test`` checks the rest.  A file that is not valid
YAML at all is reported, because nothing shows it is not an appraise file.

This module never imports polars: ``appraise validate`` must stay fast.
"""
from __future__ import annotations

import math
import ast
import difflib
import os
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from appraise.language import expr as expressions
from appraise.language import schema as schemas
from appraise.errors import Diagnostic, InvalidInput, dotted
from appraise.language.load import Document, load
from appraise.language.weights import WeightError, drop_weight, set_weight, shift_weight

BUILT_IN_ATTRIBUTES = {"id": "string", "name": "string", "hire_date": "date", "leave_date": "date",
                       "locale": "string"}
ATTRIBUTE_TYPES = {"string": "string", "number": "number", "money": "number", "date": "string"}
MAX_RULES_PER_COMPONENT = 16
RULESET_MARKERS = ("scorecards", "metrics", "rules", "grades", "bonus", "calibration", "attributes")


# ---------------------------------------------------------------- public API

def validate_ruleset(doc: Document) -> list[Diagnostic]:
    """Every problem in a loaded ruleset: schema errors, then semantic errors, in file order."""
    found = schemas.check(doc, "ruleset") + _non_finite(doc)
    if isinstance(doc.data, dict):
        check = _RulesetCheck(doc, {d.path for d in found})
        try:
            found += check.run()
        except (TypeError, AttributeError, KeyError, ValueError, IndexError, OverflowError):
            # The semantic checks read a document of the schema's shape; where the schema already
            # refused a part (a list where a mapping belongs...), they may trip over it.  The schema's
            # errors (and the semantic ones found so far) are the answer then; without them it is a bug.
            if not found:
                raise
            found += check.out
    return _ordered(found)


def _non_finite(doc: Document) -> list[Diagnostic]:
    """``.nan``, ``.inf`` and ``1e400`` load as floats (YAML 1.2) but mean nothing in a rule file."""
    out: list[Diagnostic] = []

    def walk(value, path):
        if isinstance(value, float) and not math.isfinite(value):
            out.append(doc.diag(path, f"{value} is not a usable number; write a finite number",
                                code="not-finite"))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, path + (k,))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, path + (i,))

    walk(doc.data, ())
    return out


def validate_cycle(doc: Document, provider_schemas: Mapping[str, dict] | None = None, *,
                   _rulesets: dict | None = None) -> list[Diagnostic]:
    """Every problem in a loaded cycle file, including those of the ruleset it names.

    ``provider_schemas`` maps a provider name to the JSON Schema of its source
    entries (contributed by provider plugins); sources naming a provider not in
    it are errors.  ``None`` skips provider checks.
    """
    data = doc.data
    if isinstance(data, dict) and "cycle" not in data and any(k in data for k in RULESET_MARKERS):
        return [doc.diag((), "this is a ruleset, not a cycle file; give the cycle file that names it "
                         "(cycle:, ruleset:, sources:)", hint="appraise validate checks a ruleset on its own",
                         code="cycle-kind")]
    found = schemas.check(doc, "cycle") + _non_finite(doc)
    if not isinstance(data, dict):
        return _ordered(found)
    from appraise.language.cycle import outside_path_problems

    # paths leading outside the workspace: a ruleset there is not even read (its lines would be quoted in
    # messages, e.g. in a CI log: a credentials file named as the ruleset)
    found += outside_path_problems(doc)
    bad = {d.path for d in found}
    sources = data.get("sources")
    if provider_schemas is not None and isinstance(sources, list):
        found += _check_sources(doc, sources, provider_schemas)
    ruleset = data.get("ruleset")
    if isinstance(ruleset, str) and ruleset and "ruleset" not in bad:
        in_ruleset, rs_doc = _check_cycle_ruleset(doc, ruleset, _rulesets)
        found += in_ruleset
        if rs_doc is not None and not any(d.severity == "error" for d in in_ruleset):
            if "context" not in bad:
                found += _check_cycle_context(doc, rs_doc, ruleset)
            if "cycle" not in bad:
                found += _check_cycle_periods(doc, rs_doc, ruleset)
            overrides = data.get("overrides")
            if isinstance(overrides, str) and overrides and "overrides" not in bad:
                found += _check_cycle_overrides(doc, rs_doc, overrides)
    return _ordered(found)


def _check_cycle_periods(doc: Document, rs_doc: Document, name: str) -> list[Diagnostic]:
    """What the ruleset reads of shorter periods (``periods:`` dimensions, ``bonus.net_of``) must fit this cycle:
    ``every:`` shorter than the cycle, and the weights naming at least one of its sub-periods."""
    from appraise.language.compile import compile_ruleset
    from appraise.language.period import parse as parse_period

    try:
        period = parse_period(str(doc.data.get("cycle")))
    except ValueError:
        return []
    rs = compile_ruleset(rs_doc)
    out: list[Diagnostic] = []
    for why, rs_id, every in rs.stored_reads():
        what = f"dimension '{why.split(':', 1)[1]}'" if why.startswith("periods:") else "bonus.net_of"
        try:
            subs = period.subperiods(every)
        except ValueError:
            out.append(doc.diag(("cycle",), f"the ruleset ({name}) reads {every}s of ruleset '{rs_id}' in {what}, "
                                f"but {period.id} is a {period.kind}, not made of {every}s",
                                hint=f"run this ruleset for a period longer than a {every} (e.g. a year), or "
                                "read shorter periods", code="cycle-periods"))
            continue
        if why.startswith("periods:"):
            dim = next(d for c in rs.scorecards for d in c.dimensions if d.periods is not None
                       and d.key == why.split(":", 1)[1])
            if not dim.periods.parts(period):
                out.append(doc.diag(("cycle",), f"the weights of {what} in the ruleset ({name}) name no {every} of "
                                    f"{period.id} ({', '.join(p.key for p in subs)})",
                                    hint="weigh the sub-periods of this cycle, or run the ruleset for another period",
                                    code="cycle-periods"))
    return out


def _check_cycle_overrides(doc: Document, rs_doc: Document, relative: str) -> list[Diagnostic]:
    """The overrides file the cycle names, checked (grades against the ruleset's)."""
    from appraise.language.overrides import check

    target = Path(doc.file).parent / relative
    if not target.is_file():
        return [doc.diag(("overrides",), f"overrides file '{relative}' not found (looked for {target})",
                         hint="paths in a cycle file are relative to the cycle file's folder", code="cycle-overrides")]
    try:
        o_doc = load(target, os.path.normpath(str(target)))
    except InvalidInput as exc:
        return list(exc.diagnostics)
    grades = [g.get("grade") for g in rs_doc.data.get("grades") or [] if isinstance(g, dict)]
    return check(o_doc, [g for g in grades if isinstance(g, str)])[1]


def _check_cycle_context(doc: Document, rs_doc: Document, name: str) -> list[Diagnostic]:
    """The cycle's ``context:`` against what the (valid) ruleset reads: every ``context.x`` set, each value
    of a type the expressions can use; a key nothing reads is a warning (usually a typo)."""
    from appraise.language.compile import compile_ruleset

    context = doc.data.get("context")
    context = context if isinstance(context, dict) else {}
    rs = compile_ruleset(rs_doc)
    found: list[Diagnostic] = []
    readers: dict[str, list[str]] = {}
    for e in dict.fromkeys(rs.expressions()):
        for obj, attr in sorted(e.fields):
            if obj == "context":
                readers.setdefault(attr, []).append(e.text)
    for attr in sorted(set(readers) - set(context)):
        close = difflib.get_close_matches(attr, [str(k) for k in context], n=1, cutoff=0.6)
        found.append(doc.diag(("context",), f"the ruleset ({name}) reads context.{attr} (in '{readers[attr][0]}'), "
                              "but this cycle's context does not set it" + (f"; did you mean '{close[0]}'?" if close
                                                                             else ""), key=True,
                              hint=f"add it: context: {{{attr}: ...}} (true/false, a number, a text or a list)",
                              code="cycle-context"))
    if not found:
        conditions = rs.conditions()
        for e in dict.fromkeys(rs.expressions()):
            for problem in expressions.context_problems(e, context, condition=e in conditions):
                fields = [attr for obj, attr in sorted(e.fields) if obj == "context" and attr in context]
                found.append(doc.diag(("context", fields[0]) if fields else ("context",),
                                      f"'{e.text}' in the ruleset ({name}) cannot use this context: {problem.message}",
                                      hint="give the context value the type the ruleset expects (true/false for a condition, a list for 'in')",
                                      code="cycle-context"))
    for key in sorted(set(map(str, context)) - set(readers)):
        close = difflib.get_close_matches(key, list(readers), n=1, cutoff=0.6)
        found.append(replace(doc.diag(("context", key), f"context.{key} is set but the ruleset ({name}) never "
                                      "reads it" + (f"; did you mean '{close[0]}'?" if close else ""), key=True,
                                      hint="remove it, or fix its name", code="cycle-context-unused"),
                             severity="warning"))
    return found


def check_ruleset(path: str | Path) -> Document:
    """Load and validate a ruleset file; raises :class:`InvalidInput` with every problem."""
    doc = load(path)
    found = validate_ruleset(doc)
    if any(d.severity == "error" for d in found):
        raise InvalidInput(found)
    return doc


def check_cycle(path: str | Path, provider_schemas: Mapping[str, dict] | None = None, *,
                warnings: list[Diagnostic] | None = None) -> Document:
    """Load and validate a cycle file and its ruleset; raises :class:`InvalidInput` with every problem.
    The warnings, if any, are added to ``warnings`` when it is given."""
    doc = load(path)
    found = validate_cycle(doc, provider_schemas)
    if any(d.severity == "error" for d in found):
        raise InvalidInput(found)
    if warnings is not None:
        warnings.extend(d for d in found if d.severity == "warning")
    return doc


@dataclass
class Outcome:
    """What :func:`validate_files` did: the problems, and which files it checked or skipped."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed_files(self) -> list[str]:
        """The files with at least one error, sorted."""
        return sorted({d.file for d in self.diagnostics if d.severity == "error"})


def validate_paths(paths: Iterable[str | Path], provider_schemas: Mapping[str, dict] | None = None
                   ) -> list[Diagnostic]:
    """Validate files and folders (see the module docstring for how files are recognised)."""
    return validate_files(paths, provider_schemas).diagnostics


def validate_files(paths: Iterable[str | Path],
                   provider_schemas: Mapping[str, dict] | Callable[[], Mapping[str, dict] | None] | None = None
                   ) -> Outcome:
    """Like :func:`validate_paths`, also saying which files were checked and which skipped.

    ``provider_schemas`` may be a function returning them: it is then called only
    when a cycle file is met, so checking rulesets never pays for loading plugins.
    """
    from appraise.language.cycle import leaves_workspace

    outcome = Outcome()
    lazy = {"schemas": provider_schemas, "resolved": not callable(provider_schemas)}

    def providers():
        if not lazy["resolved"]:
            lazy["schemas"], lazy["resolved"] = lazy["schemas"](), True
        return lazy["schemas"]

    rulesets: dict[str, tuple] = {}  # resolved ruleset path -> (its diagnostics, its document), checked once
    reported: set[str] = set()
    for given in paths:
        given = Path(given)
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(given).parts))
            explicit = False
        elif given.exists():
            files, explicit = [given], True
        else:
            outcome.diagnostics.append(Diagnostic(str(given), 0, 0, "no such file or folder", code="io"))
            continue
        for file in files:
            shown = _shown(file)
            root = leaves_workspace(file, file)
            if root is not None:  # a symlink out of the repository: never read (its lines would be quoted)
                outcome.checked.append(shown)
                outcome.diagnostics.append(Diagnostic(
                    shown, 0, 0, f"is a symbolic link leading outside {root.as_posix()}; it was not read",
                    hint="replace the link by the file, or set APPRAISE_ALLOW_OUTSIDE_PATHS=1 if it is meant",
                    code="outside-path"))
                continue
            try:
                doc = load(file, shown)
            except InvalidInput as exc:
                outcome.checked.append(shown)
                outcome.diagnostics.extend(exc.diagnostics)
                continue
            kind = _kind(doc.data, explicit)
            if kind is None:
                outcome.skipped.append(shown)
                continue
            outcome.checked.append(shown)
            key = str(file.resolve())
            if kind == "ruleset-test":
                found = schemas.check(doc, "ruleset-test")
            elif kind == "cycle":
                found = validate_cycle(doc, providers(), _rulesets=rulesets)
            elif key in rulesets:
                found = rulesets[key][0]
            else:
                rulesets[key] = (validate_ruleset(doc), doc)
                found = rulesets[key][0]
            for d in found:  # a ruleset named by several cycles is reported once
                marker = f"{d.file}:{d.line}:{d.col}:{d.message}"
                if marker not in reported:
                    reported.add(marker)
                    outcome.diagnostics.append(d)
    return outcome


def _kind(data: Any, explicit: bool) -> str | None:
    if isinstance(data, dict) and "tests" in data and "ruleset" in data and "sources" not in data:
        return "ruleset-test" if explicit else None  # it has a cycle: key too; `appraise test` checks the rest
    if isinstance(data, dict) and "cycle" in data:
        return "cycle"
    if explicit:
        return "ruleset"
    if isinstance(data, dict) and (any(k in data for k in RULESET_MARKERS) or {"id", "version"} <= set(data)):
        return "ruleset"
    return None


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def _ordered(diags: list[Diagnostic]) -> list[Diagnostic]:
    seen, out = set(), []
    for d in diags:
        k = (d.file, d.line, d.col, d.message)
        if k not in seen:
            seen.add(k)
            out.append(d)
    return sorted(out, key=lambda d: (d.file, d.line, d.col))


# ---------------------------------------------------------------- cycle files

def _check_sources(doc: Document, sources: list, provider_schemas: Mapping[str, dict]) -> list[Diagnostic]:
    base = schemas.load("cycle")["properties"]["sources"]["items"]["properties"]
    out: list[Diagnostic] = []
    for i, entry in enumerate(sources):
        if not isinstance(entry, dict) or not isinstance(entry.get("provider"), str):
            continue
        name = entry["provider"]
        if name not in provider_schemas:
            close = difflib.get_close_matches(name, list(provider_schemas), n=1)
            out.append(doc.diag(("sources", i, "provider"),
                                f"no provider '{name}' is installed" + (f"; did you mean '{close[0]}'?" if close else ""),
                                hint="installed: " + ", ".join(sorted(provider_schemas)) + " (`appraise plugins`)",
                                code="cycle-provider"))
            continue
        own = dict(provider_schemas[name] or {})
        own["properties"] = {**base, **own.get("properties", {})}
        out += schemas.check(doc, "cycle", instance=entry, base=("sources", i), schema=own,
                             context=f"for provider '{name}'")
    return out


def _check_cycle_ruleset(doc: Document, ruleset: str,
                         cache: dict | None) -> tuple[list[Diagnostic], Document | None]:
    """The problems of the ruleset a cycle names, and its document (None when it could not be read)."""
    folder = Path(doc.file).parent
    target = folder / ruleset
    if not target.is_file():
        return [doc.diag(("ruleset",), f"ruleset file '{ruleset}' not found (looked for {target})",
                         hint="paths in a cycle file are relative to the cycle file's folder",
                         code="cycle-ruleset")], None
    key = str(target.resolve())
    if cache is not None and key in cache:
        return cache[key]
    try:
        rs_doc = load(target, os.path.normpath(str(target)))
        checked = (validate_ruleset(rs_doc), rs_doc)
    except InvalidInput as exc:
        checked = (list(exc.diagnostics), None)
    if cache is not None:
        cache[key] = checked
    return checked


# ---------------------------------------------------------------- rulesets

def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fmt(value: Any) -> str:
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    if isinstance(value, Fraction):
        return _fmt(Decimal(value.numerator) / Decimal(value.denominator)) if value.denominator != 1 \
            else str(value.numerator)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _expression_hint(message: str, want_bool: bool = True) -> str:
    """What to do about an unknown name: in a condition it may be meant as text or true/false; in a formula
    or target (a number) it is a metric or column still to declare."""
    if not message.startswith("unknown name '") or "did you mean" in message:
        return ""
    name = message.split("'")[1]
    if not want_bool:
        return f"declare '{name}' under metrics: (or attributes: for an employee column)"
    if name.lower() in ("yes", "no", "on", "off"):
        return "write true or false"
    return f'if you mean the text {name}, put it in quotes: "{name}"'


def _did_you_mean(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class _RulesetCheck:
    """The semantic checks of one ruleset; :meth:`run` returns every problem."""

    def __init__(self, doc: Document, schema_errors: set[str]):
        self.doc = doc
        self.data: dict = doc.data
        self.out: list[Diagnostic] = []
        self.schema_errors = schema_errors
        self._lines: list[str] | None = None
        self.parsed: dict[tuple, expressions.Expression] = {}  # every expression that passed, by its path

    # -- helpers

    def bad(self, path: tuple) -> bool:
        """Whether the schema already reported a problem at or inside ``path``."""
        p = dotted(path)
        for e in self.schema_errors:
            if e == p or e.startswith(p + ".") or e.startswith(p + "[") or (p.startswith(e) and p[len(e):][:1] in ".["):
                return True
        return False

    def error(self, path: tuple, message: str, *, key: bool = False, hint: str = "", code: str = "") -> None:
        self.out.append(self.doc.diag(path, message, key=key, hint=hint, code=code or "semantic"))

    def section(self, name: str, kind: type = dict):
        value = self.data.get(name)
        return value if isinstance(value, kind) else kind()

    # -- the run

    def run(self) -> list[Diagnostic]:
        self.attributes = self._attributes()
        self.metrics = {k: v for k, v in self.section("metrics").items() if isinstance(v, dict)}
        self.cards = self._scorecards()
        self.grades = [g.get("grade") for g in self.section("grades", list)
                       if isinstance(g, dict) and isinstance(g.get("grade"), str)]
        names = {**{k: ATTRIBUTE_TYPES.get(t, "any") for k, t in self.attributes.items()}, "tenure_months": "number",
                 "employed_share": "number"}
        self.scope_employee = expressions.Scope("", names, context=True, previous=False)
        with_metrics = {**names, **{m: "number" for m in self.metrics}}
        self.scope_rule = expressions.Scope("", with_metrics, context=True, previous=True)
        self.scope_outcome = expressions.Scope("", {**with_metrics, "grade": "string", "grade_uncalibrated": "string",
                                                    "score": "number", "bonus": "number"}, context=True, previous=True)
        self.scope_formula = expressions.Scope("", {m: "number" for m in self.metrics}, context=False, previous=False)
        self._check_metrics()
        self._check_scorecards()
        self._check_scorecard_order()
        self._check_rules()
        self._check_grades()
        self._check_calibration()
        self._check_bonus()
        self._check_outcomes()
        self._check_playbook()
        return self.out

    # -- names

    def _attributes(self) -> dict[str, str]:
        declared = self.section("attributes")
        for name in declared:
            if name in ("tenure_months", "employed_share"):
                self.error(("attributes", name), f"'{name}' is computed by appraise for every employee; it cannot "
                           "be an attribute", key=True, hint="rename the column (and map it with columns:)")
            if name in BUILT_IN_ATTRIBUTES:
                self.error(("attributes", name), f"'{name}' is built in; it cannot be declared again", key=True,
                           hint=f"remove it from attributes (built in: {', '.join(BUILT_IN_ATTRIBUTES)})")
        out = dict(BUILT_IN_ATTRIBUTES)
        # a column with a broken type is still a column: expressions using it should not fail twice
        out.update({k: v if isinstance(v, str) and v in ATTRIBUTE_TYPES else "unknown" for k, v in declared.items()
                    if k not in BUILT_IN_ATTRIBUTES})
        return out

    def _scorecards(self) -> dict[str, dict[str, dict]]:
        """scorecard id -> dimension id -> dimension mapping (well-formed ones only)."""
        out = {}
        for sc_id, sc in self.section("scorecards").items():
            dims = sc.get("dimensions") if isinstance(sc, dict) else None
            out[sc_id] = {d: v for d, v in dims.items() if isinstance(v, dict)} if isinstance(dims, dict) else {}
        return out

    def kpis(self, sc_id: str, dim_id: str) -> dict[str, dict]:
        kpis = self.cards.get(sc_id, {}).get(dim_id, {}).get("kpis")
        return {k: v for k, v in kpis.items() if isinstance(v, dict)} if isinstance(kpis, dict) else {}

    def all_paths(self) -> dict[str, None]:
        """Every ``dimension`` and ``dimension.kpi`` of any scorecard, in file order."""
        out: dict[str, None] = {}
        for sc_id, dims in self.cards.items():
            for d in dims:
                out[d] = None
                for k in self.kpis(sc_id, d):
                    out[f"{d}.{k}"] = None
        return out

    def kpi_matches(self, ref: str) -> list[tuple[str, str, str]]:
        """(scorecard, dimension, kpi) triples a KPI reference (``revenue`` or ``results.revenue``) names."""
        dim, _, kpi = ref.rpartition(".")
        out = []
        for sc_id, dims in self.cards.items():
            for d in dims:
                if dim and d != dim:
                    continue
                if kpi in self.kpis(sc_id, d):
                    out.append((sc_id, d, kpi))
        return out

    def all_kpi_refs(self) -> list[str]:
        out: dict[str, None] = {}
        for sc_id, dims in self.cards.items():
            for d in dims:
                for k in self.kpis(sc_id, d):
                    out[k] = None
                    out[f"{d}.{k}"] = None
        return list(out)

    # -- expressions

    def source_lines(self) -> list[str]:
        if self._lines is None:
            try:
                self._lines = Path(self.doc.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                self._lines = []
        return self._lines

    def expression_error(self, path: tuple, text: str, message: str, offset: int, hint: str = "") -> None:
        line, col = self.doc.expression_column(path)
        style = self.doc.styles.get(path)
        offset = max(0, min(offset, len(text)))
        if style in ("|", ">"):
            # a block scalar's text starts on the line after the indicator
            before = text[:offset]
            line = line + 1 + before.count("\n")
            lines = self.source_lines()
            indent = self.doc.where(path, key=True)[1] + 1  # usual layout when the source is not at hand
            if 0 < line <= len(lines):
                indent = len(lines[line - 1]) - len(lines[line - 1].lstrip(" "))
            col = indent + 1 + len(before.rsplit("\n", 1)[-1])
        elif "\n" not in text[:offset]:
            col += offset
        self.out.append(Diagnostic(self.doc.file, line, col, message, dotted(path), hint=hint, code="expression"))

    def expression(self, path: tuple, scope: expressions.Scope, where: str, *, want_bool: bool):
        """Parse and name-check the expression at ``path``; returns it, or None when broken."""
        if self.bad(path):
            return None
        node: Any = self.data
        for part in path:
            node = node[part]
        if not isinstance(node, str):
            return None
        try:
            parsed = expressions.parse(node)
        except expressions.ExpressionError as exc:
            hint = ""
            if node[exc.offset:exc.offset + 1] == "=" and node[exc.offset + 1:exc.offset + 2] != "=":
                hint = "to compare, write '=='"
            self.expression_error(path, node, f"{where}: {exc.message}", exc.offset, hint=hint)
            return None
        problems = expressions.check(parsed, expressions.Scope(where, scope.names, scope.context, scope.previous),
                                     want_bool=want_bool)
        for p in problems:
            self.expression_error(path, node, p.message, p.offset, hint=_expression_hint(p.message, want_bool))
        if problems:
            return None
        self.check_grade_literals(path, parsed)
        self.parsed[path] = parsed
        return parsed

    def check_grade_literals(self, path: tuple, parsed) -> None:
        """``grade == "E"`` or ``grade in ["A", "E"]`` must name existing grades."""
        if not self.grades:
            return
        grade_like = {"grade", "grade_uncalibrated"}

        def is_grade(node) -> bool:
            return (isinstance(node, ast.Name) and node.id in grade_like) or \
                (isinstance(node, ast.Attribute) and node.attr in grade_like)

        for node in ast.walk(parsed.tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            if not any(is_grade(o) for o in operands):
                continue
            for o in operands:
                items = o.elts if isinstance(o, (ast.List, ast.Tuple)) else [o]
                for item in items:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str) and item.value not in self.grades:
                        self.expression_error(path, parsed.text,
                                              f"'{item.value}' is not a grade{_did_you_mean(item.value, self.grades)}",
                                              expressions._char_offset(parsed.text, item),
                                              hint="the grades are " + ", ".join(self.grades))

    # -- metrics

    def _check_metrics(self) -> None:
        attrs = self.section("attributes")
        formulas: dict[str, Any] = {}
        for name, spec in self.metrics.items():
            if name in attrs or name in BUILT_IN_ATTRIBUTES or name in ("tenure_months", "employed_share"):
                self.error(("metrics", name), f"'{name}' is both an employee column (attribute) and a metric",
                           key=True, hint="rename one of them so expressions know which is meant")
            if "formula" in spec:
                parsed = self.expression(("metrics", name, "formula"), self.scope_formula,
                                         f"the formula of metric '{name}'", want_bool=False)
                if parsed is not None:
                    formulas[name] = parsed
        graph = {m: sorted((n for n in e.names if n in formulas), key=list(self.metrics).index)
                 for m, e in formulas.items()}
        reported: set[frozenset] = set()
        for start in formulas:
            cycle = _find_cycle(graph, start)
            if cycle and frozenset(cycle) not in reported and cycle[0] == start:
                reported.add(frozenset(cycle))
                self.error(("metrics", start, "formula"),
                           "formulas go round in a circle: " + " → ".join(cycle + [start]),
                           hint="a formula may only use metrics that do not depend on it", code="formula-cycle")

    # -- scorecards

    def _weight_sum(self, group_path: tuple, members: dict, what: str) -> None:
        """The weights of a group must total exactly 100 (decimal arithmetic: 33.33+33.33+33.34 is 100)."""
        total = Decimal(0)
        parts = []
        for name, spec in members.items():
            w = spec.get("weight") if isinstance(spec, dict) else spec
            if not _number(w):
                return  # the schema reported it
            try:
                total += Decimal(str(w))
            except InvalidOperation:
                return
            parts.append(f"{name} {_fmt(w)}")
        if members and total != 100:
            self.error(group_path, f"the weights of {what} add up to {_fmt(total)}, not 100", key=True,
                       hint="change them so they total exactly 100: " + " + ".join(parts), code="weights-sum")

    def _check_scorecard_order(self) -> None:
        """Each employee gets the first scorecard (in file order) whose ``applies_to`` holds: one after a
        scorecard without a condition is never used (an error); two whose conditions can both hold is a
        warning naming the one that wins."""
        cards = [(k, v) for k, v in self.section("scorecards").items() if isinstance(v, dict)]
        for i, (later, spec) in enumerate(cards):
            for earlier, first in cards[:i]:
                if "applies_to" not in first:
                    self.error(("scorecards", later), f"scorecard '{later}' is never used: '{earlier}' comes first "
                               "and has no applies_to, so it takes everyone", key=True,
                               hint=f"move '{earlier}' last (as the default), or give it an applies_to",
                               code="scorecard-order")
                    break
                a, b = self.parsed.get(("scorecards", earlier, "applies_to")), \
                    self.parsed.get(("scorecards", later, "applies_to"))
                if a is not None and b is not None and not expressions.exclusive(a, b):
                    self.out.append(replace(self.doc.diag(
                        ("scorecards", later, "applies_to"), f"an employee matching both '{earlier}' and '{later}' "
                        f"gets '{earlier}' (the first in the file)",
                        hint="make the conditions exclusive (e.g. role == \"a\" / role == \"b\"), "
                        "or keep this order on purpose", code="scorecard-overlap"), severity="warning"))

    def _check_scorecards(self) -> None:
        for sc_id, dims in self.cards.items():
            base = ("scorecards", sc_id)
            sc = self.section("scorecards")[sc_id]
            if not isinstance(sc, dict):
                continue
            if "applies_to" in sc:
                self.expression(base + ("applies_to",), self.scope_employee,
                                f"'applies_to' of scorecard '{sc_id}'", want_bool=True)
            self._weight_sum(base + ("dimensions",), dims, f"the dimensions of scorecard '{sc_id}'")
            for dim_id, dim in dims.items():
                dpath = base + ("dimensions", dim_id)
                if isinstance(dim.get("kpis"), dict):
                    kpis = self.kpis(sc_id, dim_id)
                    self._weight_sum(dpath + ("kpis",), kpis, f"the KPIs of dimension '{dim_id}'")
                    for kpi_id, kpi in kpis.items():
                        self._check_kpi(dpath + ("kpis", kpi_id), dim_id, kpi_id, kpi)
                ps = dim.get("periods")
                if isinstance(ps, dict) and not self.bad(dpath + ("periods",)):
                    self._check_periods(dpath + ("periods",), dim_id, ps)
                fb = dim.get("feedback360")
                if isinstance(fb, dict) and isinstance(fb.get("sources"), dict):
                    self._weight_sum(dpath + ("feedback360", "sources"), fb["sources"],
                                     f"the 360 sources of dimension '{dim_id}'")
                    raters = fb.get("min_raters")
                    if isinstance(raters, dict):
                        for rel in raters:
                            if rel not in fb["sources"] and rel != "self":
                                self.error(dpath + ("feedback360", "min_raters", rel),
                                           f"'{rel}' is not one of the 360 sources of dimension '{dim_id}'"
                                           + _did_you_mean(rel, fb["sources"]), key=True,
                                           hint="sources: " + ", ".join(fb["sources"]))
                    self._check_min_raters(dpath + ("feedback360",), fb)
            seen: dict[str, int] = {}
            for i, adj in enumerate(sc.get("adjustments") or []):
                if not isinstance(adj, dict):
                    continue
                apath = base + ("adjustments", i)
                self._unique(seen, adj.get("id"), apath + ("id",), f"adjustment id in scorecard '{sc_id}'")
                if "when" in adj:
                    self.expression(apath + ("when",), self.scope_rule, f"the condition of adjustment '{adj.get('id')}'",
                                    want_bool=True)

    def _check_min_raters(self, path: tuple, fb: dict) -> None:
        """Rater anonymity: a source other than ``manager`` and ``self`` shown with one rater is that rater's
        own ratings (an error), with two each rater can read the other's (a warning)."""
        from appraise.language.compile import SINGLE_RATER_RELATIONS

        raters = fb.get("min_raters")
        if isinstance(raters, bool) or self.bad(path + ("min_raters",)):
            return
        if isinstance(raters, int):  # one number for every relation
            shared = [r for r in fb["sources"] if r not in SINGLE_RATER_RELATIONS]
            checks = [(path + ("min_raters",), raters, "'" + "', '".join(shared) + "'")] if shared else []
        elif isinstance(raters, dict):
            checks = [(path + ("min_raters", rel), n, f"'{rel}'" if rel != "*" else "every other relation")
                      for rel, n in raters.items()
                      if rel not in SINGLE_RATER_RELATIONS and isinstance(n, int) and not isinstance(n, bool)]
        else:
            return
        for where, n, who in checks:
            if n < 2:
                self.error(where, f"min_raters {n} for {who} would show one rater's own ratings; only 'manager' "
                           "and 'self' may have fewer than 2 raters", hint="write at least 2 (3 or more keeps "
                           "raters anonymous from each other too)", code="min-raters")
            elif n < 3:
                self.out.append(replace(self.doc.diag(
                    where, f"min_raters {n} for {who}: each of two raters can work out the other's ratings from "
                    "the source's mean", hint="write 3 or more, or keep 2 on purpose", code="min-raters"),
                    severity="warning"))

    def _check_periods(self, path: tuple, dim_id: str, spec: dict) -> None:
        """``periods:`` weights are keyed for ``every:`` (``01``…``12``, ``Q1``…``Q4``, ``H1``/``H2``) and sum to
        exactly 100."""
        from appraise.language.period import SUBPERIOD_KEYS

        weights, every = spec.get("weights"), spec.get("every")
        if not isinstance(weights, dict):
            return
        keys = SUBPERIOD_KEYS.get(every) if isinstance(every, str) else None
        if keys is not None:
            for key in weights:
                if key not in keys:
                    self.error(path + ("weights", key), f"'{key}' is not a {every} of a year: with every: {every} "
                               "the weights are keyed " + (", ".join(keys) if len(keys) < 5 else
                                                           f"{keys[0]}, {keys[1]} … {keys[-1]}"), key=True,
                               hint=f"key each {every} by its place in the year, e.g. {keys[-1]}",
                               code="periods-key")
        self._weight_sum(path + ("weights",), weights, f"the sub-periods of dimension '{dim_id}'")

    def _check_kpi(self, path: tuple, dim_id: str, kpi_id: str, kpi: dict) -> None:
        metric = kpi.get("metric", kpi_id)
        if isinstance(metric, str) and metric not in self.metrics and not self.bad(path + ("metric",)):
            if "metric" in kpi:
                self.error(path + ("metric",), f"metric '{metric}' is not declared under metrics"
                           + _did_you_mean(metric, self.metrics), hint="declare it under metrics:, or fix the name")
            else:
                self.error(path, f"KPI '{kpi_id}' reads metric '{kpi_id}', which is not declared under metrics"
                           + _did_you_mean(kpi_id, self.metrics), key=True,
                           hint="fix the KPI's name, or name the metric it reads with metric:")
        target = kpi.get("target")
        if isinstance(target, str):
            self.expression(path + ("target",), self.scope_rule, f"the target of KPI '{dim_id}.{kpi_id}'",
                            want_bool=False)
        elif _number(target) and isinstance(metric, str) and isinstance(self.metrics.get(metric), dict):
            self._check_target_plausible(path + ("target",), f"{dim_id}.{kpi_id}", target,
                                         self.metrics[metric].get("unit"))
        curve = kpi.get("curve")
        if isinstance(curve, dict) and not self.bad(path + ("curve",)):
            cpath = path + ("curve",)
            if "bands" in curve:
                self._ascending([b.get("from") for b in curve["bands"]], cpath + ("bands",), ("from",),
                                "curve bands", "'from'")
                if _rising([b.get("from") for b in curve["bands"]]):
                    self._not_falling([b.get("score") for b in curve["bands"]], cpath + ("bands",), ("score",))
            elif "points" in curve:
                self._ascending([p[0] for p in curve["points"]], cpath + ("points",), (0,),
                                "curve points", "attainment")
                if _rising([p[0] if isinstance(p, list) and p else None for p in curve["points"]]):
                    self._not_falling([p[1] if isinstance(p, list) and len(p) > 1 else None for p in curve["points"]],
                                      cpath + ("points",), (1,))
            else:
                floor, cap = curve.get("floor", 0), curve.get("cap", 1.0)
                if _number(floor) and _number(cap) and floor > cap:
                    self.error(cpath + (("floor",) if "floor" in curve else ("cap",)),
                               f"floor {_fmt(floor)} is above cap {_fmt(cap)}",
                               hint="the floor is where scoring starts and the cap where it stops; floor ≤ cap")

    def _check_target_plausible(self, path: tuple, kpi: str, target, unit) -> None:
        """A number target far from what its metric's unit allows is most likely a slip (95 meant as 95 %)."""
        problem = hint = None
        if target < 0:
            problem, hint = "is below zero", "targets are amounts or rates of 0 or more"
        elif unit == "ratio" and target > 2:
            problem = "is above 2, but the metric is a ratio (0.95 = 95 %)"
            hint = f"write {_fmt(Decimal(str(target)) / 100)} for {_fmt(target)} %"
        elif unit == "percent" and 0 < target <= 1:
            problem = "is 1 or less, but the metric is in percent (95 = 95 %)"
            hint = f"write {_fmt(Decimal(str(target)) * 100)} for {_fmt(Decimal(str(target)) * 100)} %"
        elif unit == "money" and 0 < target < 1:
            problem, hint = "is below 1, but the metric is an amount of money", "write the amount in currency units"
        if problem:
            self.out.append(replace(self.doc.diag(path, f"the target of KPI '{kpi}' ({_fmt(target)}) {problem}",
                                                  hint=hint, code="target-implausible"), severity="warning"))

    def _not_falling(self, scores: list, path: tuple, tail: tuple) -> None:
        """A curve's scores may not fall as attainment rises: selling more must never score less."""
        for i in range(1, len(scores)):
            a, b = scores[i - 1], scores[i]
            if _number(a) and _number(b) and b < a:
                self.error(path + (i,) + tail, f"curve score {_fmt(b)} is lower than the {_fmt(a)} before it, so a "
                           "better result would score less", hint="make the scores rise (or stay level) along the "
                           "curve", code="order")

    def _ascending(self, values: list, path: tuple, tail: tuple, what: str, field_name: str) -> None:
        for i in range(1, len(values)):
            a, b = values[i - 1], values[i]
            if _number(a) and _number(b) and b <= a:
                self.error(path + (i,) + tail, f"{what} must go up: {field_name} {_fmt(b)} comes after {_fmt(a)}",
                           hint=f"list them from the lowest {field_name} to the highest, each higher than the one before",
                           code="order")

    def _unique(self, seen: dict, value: Any, path: tuple, what: str) -> None:
        if not isinstance(value, str):
            return
        if value in seen:
            self.error(path, f"{what} '{value}' is used twice (first at line {seen[value]})",
                       hint="give each one its own id", code="duplicate")
        else:
            seen[value] = self.doc.where(path)[0]

    # -- rules

    def _check_rules(self) -> None:
        rules = self.section("rules", list)
        paths = self.all_paths()
        seen: dict[str, int] = {}
        good: list[tuple[int, dict]] = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            rpath = ("rules", i)
            self._unique(seen, rule.get("id"), rpath + ("id",), "rule id")
            if "when" in rule:
                self.expression(rpath + ("when",), self.scope_rule, f"the condition of rule '{rule.get('id')}'",
                                want_bool=True)
            ok = not self.bad(rpath)
            for j, action in enumerate(rule.get("then") or []):
                if isinstance(action, dict) and not self.bad(rpath + ("then", j)):
                    ok &= self._check_action(rpath + ("then", j), action, paths)
            if ok:
                good.append((i, rule))
        for sc_id in self.cards:
            self._check_combinations(sc_id, good)

    def _path_exists(self, where: tuple, path: str, paths: Mapping, key: bool = False) -> bool:
        if path in paths:
            return True
        kind = "dimension or KPI" if "." in path else "dimension"
        self.error(where, f"'{path}' is not a {kind} of any scorecard" + _did_you_mean(path, paths), key=key,
                   hint="write a dimension ('results') or a dimension and KPI ('results.revenue')", code="reference")
        return False

    def _check_action(self, path: tuple, action: dict, paths: Mapping) -> bool:
        ok = True
        if "set" in action:
            for target in action["set"]:
                ok &= self._path_exists(path + ("set", target), target, paths, key=True)
        if "drop" in action:
            drops = action["drop"] if isinstance(action["drop"], list) else [action["drop"]]
            for n, target in enumerate(drops):
                where = path + ("drop", n) if isinstance(action["drop"], list) else path + ("drop",)
                ok &= self._path_exists(where, target, paths)
        if "shift" in action:
            sh = action["shift"]
            a = self._path_exists(path + ("shift", "from"), sh["from"], paths)
            b = self._path_exists(path + ("shift", "to"), sh["to"], paths)
            ok &= a and b
            if a and b:
                pa, pb = sh["from"].rpartition(".")[0], sh["to"].rpartition(".")[0]
                if sh["from"] == sh["to"]:
                    self.error(path + ("shift", "to"), f"shift moves weight from '{sh['from']}' to itself",
                               hint="'to' must be another dimension, or another KPI of the same dimension")
                    ok = False
                elif pa != pb or ("." in sh["from"]) != ("." in sh["to"]):
                    self.error(path + ("shift",), f"shift moves weight from '{sh['from']}' to '{sh['to']}', which "
                               "are not in the same group", key=True,
                               hint="shift between two dimensions, or between two KPIs of the same dimension")
                    ok = False
                elif not any(self._in_card(c, sh["from"]) and self._in_card(c, sh["to"]) for c in self.cards):
                    self.error(path + ("shift",), f"no scorecard has both '{sh['from']}' and '{sh['to']}'", key=True)
                    ok = False
        if "scale_target" in action:
            for ref in action["scale_target"]:
                if not self.kpi_matches(ref):
                    self.error(path + ("scale_target", ref), f"'{ref}' is not a KPI of any scorecard"
                               + _did_you_mean(ref, self.all_kpi_refs()), key=True, code="reference")
                    ok = False
        return ok

    def _in_card(self, sc_id: str, path: str) -> bool:
        dim, _, kpi = path.partition(".")
        if dim not in self.cards.get(sc_id, {}):
            return False
        return not kpi or kpi in self.kpis(sc_id, dim)

    def _check_combinations(self, sc_id: str, rules: list[tuple[int, dict]]) -> None:
        """Every subset of the rules that touch overlapping weight groups, applied in file order."""
        dims = self.cards[sc_id]
        groups: dict[tuple, dict[str, Fraction]] = {}
        if all(_number(d.get("weight")) for d in dims.values()):
            groups[()] = {d: Fraction(Decimal(str(v["weight"]))) for d, v in dims.items()}
        for d in dims:
            kpis = self.kpis(sc_id, d)
            if kpis and all(_number(k.get("weight")) for k in kpis.values()):
                groups[(d,)] = {k: Fraction(Decimal(str(v["weight"]))) for k, v in kpis.items()}

        def locate(path: str):
            dim, _, kpi = path.partition(".")
            group = (dim,) if kpi else ()
            member = kpi or dim
            return (group, member) if group in groups and member in groups[group] else None

        # rules that can never fire for this scorecard's employees, or never together, are not combined
        card_when = self.parsed.get(("scorecards", sc_id, "applies_to"))
        when = {i: self.parsed.get(("rules", i, "when")) for i, _ in rules}
        if card_when is not None:
            rules = [(i, r) for i, r in rules if when[i] is None or not expressions.exclusive(when[i], card_when)]

        def apart(i: int, j: int) -> bool:
            return when[i] is not None and when[j] is not None and expressions.exclusive(when[i], when[j])

        ops_of: dict[int, list] = {}
        for i, rule in rules:
            ops = []
            for j, action in enumerate(rule["then"]):
                at = ("rules", i, "then", j, next(iter(action)))
                for target, w in (action.get("set") or {}).items():
                    if (g := locate(target)) and _number(w):
                        ops.append(("set", at, g[0], g[1], Fraction(Decimal(str(w))), target))
                if "shift" in action:
                    sh = action["shift"]
                    a, b = locate(sh["from"]), locate(sh["to"])
                    if a and b and a[0] == b[0] and _number(sh["points"]):
                        ops.append(("shift", at, a[0], a[1], (b[1], Fraction(Decimal(str(sh["points"])))), sh["from"]))
                if "drop" in action:
                    for target in action["drop"] if isinstance(action["drop"], list) else [action["drop"]]:
                        if g := locate(target):
                            ops.append(("drop", at, g[0], g[1], None, target))
            if ops:
                ops_of[i] = ops
        # rules that touch a common group interact; rules in different groups cannot break each other
        parent = {i: i for i in ops_of}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        owner: dict[tuple, int] = {}
        for i, ops in ops_of.items():
            for op in ops:
                if op[2] in owner:
                    parent[find(i)] = find(owner[op[2]])
                else:
                    owner[op[2]] = i
        components: dict[int, list[int]] = {}
        for i in ops_of:
            components.setdefault(find(i), []).append(i)
        ids = {i: str(rule.get("id")) for i, rule in rules}
        for members in components.values():
            members.sort()
            if len(members) > MAX_RULES_PER_COMPONENT:
                self.error(("rules", members[0]),
                           f"{len(members)} rules change the same weights of scorecard '{sc_id}' "
                           f"({', '.join(ids[m] for m in members)}); appraise checks every combination of at most "
                           f"{MAX_RULES_PER_COMPONENT} such rules", key=True,
                           hint="merge rules that always fire together, or split the scorecard", code="rules-too-many")
                continue
            for subset, problem in _failing_combinations(groups, members, ops_of, apart):
                at, phrase, hint = self._phrase(problem, single=len(subset) == 1)
                who = (f"rule '{ids[subset[0]]}'" if len(subset) == 1 else
                       "rules " + " + ".join(ids[s] for s in subset) + " together")
                self.error(at, f"{who} {phrase} (scorecard '{sc_id}')", key=True, hint=hint, code="rules-weights")

    @staticmethod
    def _phrase(problem: tuple, single: bool) -> tuple[tuple, str, str]:
        """(where, what went wrong, hint) in words, conjugated for one rule or several."""
        kind, at, shown, weights, arg, exc = problem
        s = "" if not single else "s"
        total = _fmt(sum(weights.values()))
        where = "scorecard's dimensions" if "." not in shown else f"KPIs of dimension '{shown.split('.')[0]}'"
        several = "make the rules' conditions exclusive, or change their weights"
        if kind == "shift" and exc is None:
            have = _fmt(weights[shown.rpartition(".")[2]])
            return (at, f"shift{s} {_fmt(arg[1])} points from '{shown}', which has {have}"
                    f"{'' if single else ' by then'}",
                    f"shift at most {have} points" if single else "lower the points, or make the rules' "
                    "conditions exclusive")
        if kind == "set" and arg > sum(weights.values()):
            return (at, f"set{s} '{shown}' to {_fmt(arg)}, but the {where} total {total}", "" if single else several)
        if kind == "drop":
            return (at, f"drop{s} '{shown}', which {'' if single else 'by then '}carries all {total} points of the "
                    f"{where}; nothing is left to take them", "" if single else several)
        return (at, f"leave{s} no valid weights for the {where}: {exc}", "" if single else several)

    # -- grades, calibration, bonus, outcomes, playbook

    def _check_grades(self) -> None:
        grades = self.section("grades", list)
        seen: dict[str, int] = {}
        previous = None
        for i, g in enumerate(grades):
            if not isinstance(g, dict):
                continue
            self._unique(seen, g.get("grade"), ("grades", i, "grade"), "grade")
            m = g.get("min")
            if _number(m) and previous is not None and m >= previous[1]:
                self.error(("grades", i, "min"), f"grades go from the top down, so the min of '{g.get('grade')}' "
                           f"({_fmt(m)}) must be below the min of '{previous[0]}' ({_fmt(previous[1])})",
                           hint="list grades from the highest to the lowest, each min lower than the one before",
                           code="order")
            if _number(m):
                previous = (g.get("grade"), m)
        if grades and isinstance(grades[-1], dict) and _number(grades[-1].get("min")) and grades[-1]["min"] != 0:
            self.error(("grades", len(grades) - 1, "min"),
                       f"the last grade ('{grades[-1].get('grade')}') must have min 0, so that every score gets a grade",
                       hint=f"set its min to 0, or add a grade with min 0 below it", code="order")

    def _grade_key(self, path: tuple, grade: str) -> bool:
        if grade in self.grades:
            return True
        self.error(path, f"'{grade}' is not a grade" + _did_you_mean(grade, self.grades), key=True,
                   hint="the grades are " + ", ".join(self.grades), code="reference")
        return False

    def _check_calibration(self) -> None:
        cal = self.section("calibration")
        cohort = cal.get("cohort")
        if isinstance(cohort, str) and cohort not in self.attributes and not self.bad(("calibration", "cohort")):
            self.error(("calibration", "cohort"), f"cohort '{cohort}' is not an employee column"
                       + _did_you_mean(cohort, self.attributes), hint=f"declare it under attributes: ({cohort}: string)",
                       code="reference")
        shares = cal.get("max_share")
        if not isinstance(shares, dict):
            return
        known = [g for g in shares if self._grade_key(("calibration", "max_share", g), g)]
        previous = None
        for grade in self.grades:
            if grade not in known or not _number(shares[grade]) or self.bad(("calibration", "max_share", grade)):
                continue
            if previous is not None and shares[grade] < previous[1]:
                self.error(("calibration", "max_share", grade),
                           f"shares are cumulative from the top, so they cannot go down: '{grade}' allows "
                           f"{_fmt(shares[grade])} but '{previous[0]}' above it allows {_fmt(previous[1])}",
                           hint=f"'{grade}: 0.3' means at most 30% at {grade} or above; raise it to at least "
                           f"{_fmt(previous[1])}", code="order")
            previous = (grade, shares[grade])

    def _check_bonus(self) -> None:
        bonus = self.section("bonus")
        target = bonus.get("target")
        if isinstance(target, str) and not self.bad(("bonus", "target")):
            declared = self.section("attributes").get(target)
            if self.bad(("attributes", target)):
                pass
            elif target not in self.attributes:
                self.error(("bonus", "target"), f"bonus target '{target}' is not an employee column"
                           + _did_you_mean(target, self.attributes), hint=f"declare it under attributes: ({target}: money)",
                           code="reference")
            elif declared != "money":
                kind = declared or BUILT_IN_ATTRIBUTES.get(target)
                self.error(("bonus", "target"), f"bonus target '{target}' is declared as {kind}, but it is an amount "
                           "of money", hint=f"declare it under attributes as '{target}: money'", code="money")
        ref = bonus.get("attainment")
        if isinstance(ref, str) and not self.bad(("bonus", "attainment")):
            matches = self.kpi_matches(ref)
            if not matches:
                self.error(("bonus", "attainment"), f"'{ref}' is not a KPI of any scorecard"
                           + _did_you_mean(ref, self.all_kpi_refs()), code="reference")
            else:
                per_card: dict[str, list[str]] = {}
                for sc, d, _ in matches:
                    per_card.setdefault(sc, []).append(d)
                for sc, ds in per_card.items():
                    if len(ds) > 1:
                        self.error(("bonus", "attainment"), f"KPI '{ref}' is in dimensions {', '.join(ds)} of "
                                   f"scorecard '{sc}'; say which one", hint=f"write '{ds[0]}.{ref}'", code="reference")
                        break
        tiers = bonus.get("tiers")
        if isinstance(tiers, list) and not self.bad(("bonus", "tiers")):
            self._ascending([t.get("from") for t in tiers], ("bonus", "tiers"), ("from",), "bonus tiers", "'from'")
        multiplier = bonus.get("multiplier")
        if isinstance(multiplier, dict):
            for grade in multiplier:
                self._grade_key(("bonus", "multiplier", grade), grade)
            order = [g.get("grade") for g in self.data.get("grades") or [] if isinstance(g, dict)]
            ranked = [(g, multiplier[g]) for g in order
                      if isinstance(g, str) and g in multiplier and _number(multiplier[g])]
            for (better, m1), (worse, m2) in zip(ranked, ranked[1:]):
                if m2 > m1:
                    self.error(("bonus", "multiplier", worse), f"grade {worse} pays multiplier {_fmt(m2)}, more than "
                               f"the better grade {better} ({_fmt(m1)})", hint="multipliers must not rise down the "
                               "grades, or a better appraisal could pay less", code="order")

    def _check_outcomes(self) -> None:
        seen: dict[str, int] = {}
        for i, outcome in enumerate(self.section("outcomes", list)):
            if not isinstance(outcome, dict):
                continue
            self._unique(seen, outcome.get("id"), ("outcomes", i, "id"), "outcome id")
            if "when" in outcome:
                self.expression(("outcomes", i, "when"), self.scope_outcome,
                                f"the condition of outcome '{outcome.get('id')}'", want_bool=True)

    def _check_playbook(self) -> None:
        playbook = self.section("playbook")
        known: dict[str, None] = {"feedback360": None}
        for sc_id, dims in self.cards.items():
            for d in dims:
                known[d] = None
                for k in self.kpis(sc_id, d):
                    known[k] = None
                    known[f"{d}.{k}"] = None
        for key in playbook:
            if key not in known:
                self.error(("playbook", key), f"'{key}' is not a KPI, a dimension or 'feedback360'"
                           + _did_you_mean(key, known), key=True,
                           hint="playbook entries are keyed by what they coach: a KPI, a dimension or feedback360",
                           code="reference")


def _apply_rule(state: dict, ops: list):
    """Apply one rule's weight actions with exact fractions: (new state, None) or (None, problem)."""
    state = dict(state)
    for kind, at, group, member, arg, shown in ops:
        weights = state[group]
        try:
            if kind == "set":
                state[group] = set_weight(weights, member, arg)
            elif kind == "shift":
                to, points = arg
                if weights[member] - points < 0:
                    return None, (kind, at, shown, weights, arg, None)
                state[group] = shift_weight(weights, member, to, points)
            else:
                state[group] = drop_weight(weights, member)
        except WeightError as exc:
            return None, (kind, at, shown, weights, arg, exc)
    return state, None


def _failing_combinations(groups: dict, members: list[int], ops_of: dict,
                          apart=lambda i, j: False) -> list[tuple[tuple, tuple]]:
    """The smallest sets of rules (applied in file order) that break a weight group, smallest first.

    Sets holding two rules that are ``apart`` (their conditions exclude each other) never fire
    and are not tried.

    Subsets are explored depth-first so each one costs a single rule application
    on top of its prefix; a failing subset's extensions are not explored, and a
    failure containing a smaller failure is not reported again.
    """
    failures: list[tuple[tuple, tuple]] = []

    def visit(state: dict, chosen: tuple, start: int) -> None:
        for pos in range(start, len(members)):
            rule = members[pos]
            if any(apart(c, rule) for c in chosen):
                continue
            after, problem = _apply_rule(state, ops_of[rule])
            subset = chosen + (rule,)
            if problem is not None:
                failures.append((subset, problem))
            else:
                visit(after, subset, pos + 1)

    visit(groups, (), 0)
    failures.sort(key=lambda f: (len(f[0]), f[0]))
    minimal: list[tuple[tuple, tuple]] = []
    for subset, problem in failures:
        if not any(set(m) <= set(subset) for m, _ in minimal):
            minimal.append((subset, problem))
    return minimal


def _find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    """A path ``start → ... → start`` in ``graph``, or None."""
    stack = [(start, iter(graph.get(start, ())))]
    path = [start]
    on_path = {start}
    visited = set()
    while stack:
        node, children = stack[-1]
        for child in children:
            if child == start:
                return list(path)
            if child not in on_path and child not in visited:
                stack.append((child, iter(graph.get(child, ()))))
                path.append(child)
                on_path.add(child)
                break
        else:
            stack.pop()
            visited.add(node)
            on_path.discard(path.pop())
    return None


def _rising(values: list) -> bool:
    """All numbers and strictly ascending (only then are a curve's scores worth comparing)."""
    return all(_number(v) for v in values) and all(b > a for a, b in zip(values, values[1:]))
