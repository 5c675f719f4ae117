"""A plan's files: the target rows cycles read (``targets.csv``: employee, month, quota), every unit's targets
(``units.csv``), the warnings (``warnings.csv``), the managers' workbook (``targets.xlsx``), the pages and a
manifest.  Each file is written atomically; the same plan and data give the same bytes (the workbook's dates are
the plan year's last day)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from fractions import Fraction
from pathlib import Path

from appraise import __version__
from appraise.atomic import write_bytes
from appraise.display import in_folder
from appraise.export.files import safe_text
from appraise.tools.targets import page
from appraise.tools.targets.compute import Targets, amount_text

FILES = ("targets.csv", "units.csv", "warnings.csv", "targets.xlsx", *page.PAGES.values())


def _csv(rows: list[list]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in rows:
        w.writerow([safe_text(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue().encode("utf-8")


def write(t: Targets, out: Path | None = None) -> dict[str, str]:
    """Write every file into ``out`` (default: the plan's ``output``); returns ``{file name: sha256}``."""
    folder = Path(out) if out is not None else t.plan.output
    folder.mkdir(parents=True, exist_ok=True)
    unit = t.plan.unit
    metric = t.plan.metric
    files: dict[str, bytes] = {}
    files["targets.csv"] = _csv([["employee", "month", metric]]
                                + [[e, m, amount_text(v, unit)] for e, m, v in t.rows()])
    files["units.csv"] = _csv([["unit", "level", "month", metric]]
                              + [[p or t.plan.id, lv, m, amount_text(v, unit)] for p, lv, m, v in t.unit_rows()])
    files["warnings.csv"] = _csv([["file", "line", "col", "severity", "message", "hint"]]
                                 + [[d.file, d.line, d.col, d.severity, d.message, d.hint] for d in t.warnings])
    files["targets.xlsx"] = workbook(t)
    for lang, name in page.PAGES.items():
        files[name] = page.render(t, lang).encode("utf-8")
    shas = {name: write_bytes(folder / name, data) for name, data in files.items()}
    manifest = {
        "plan": in_folder(t.plan.path, folder), "plan_id": t.plan.id, "plan_sha256": t.plan.sha256,
        "engine_version": __version__, "inputs": t.data.inputs,
        "outputs": dict(sorted(shas.items())),
    }
    shas["manifest.json"] = write_bytes(folder / "manifest.json",
                                        (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return shas


def workbook(t: Targets) -> bytes:
    """The managers' workbook: Summary, Battle map (every unit by month, quarter and year), People (each person's
    months beside last year), Fixed, Checks."""
    import xlsxwriter

    plan = t.plan
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{plan.id} {plan.year}", "author": "appraise", "comments": "appraise targets",
                       "created": datetime(plan.year, 12, 31)})
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00" if plan.unit.denominator != 1 else "#,##0"})
    pct = wb.add_format({"num_format": "0.00%"})

    def num(value: Fraction) -> float:
        return float(amount_text(value, plan.unit))

    months = list(plan.months)
    s = wb.add_worksheet("Summary")
    rows = [("plan", plan.id), ("year", plan.year), ("total", num(plan.total)), ("currency", plan.currency),
            ("unit", float(plan.unit)), ("granularity", plan.granularity), ("units", len(t.units) - 1),
            ("people", len(t.people)), ("warnings", len(t.warnings)), ("closed_through", plan.closed_through or "")]
    for i, (k, v) in enumerate(rows):
        s.write_string(i, 0, k, bold)
        if isinstance(v, float):
            s.write_number(i, 1, v, money if k == "total" else None)
        elif isinstance(v, int):
            s.write_number(i, 1, v)
        else:
            s.write_string(i, 1, safe_text(v))
    s.set_column(0, 0, 16)
    s.set_column(1, 1, 20)

    head = ["unit", "level", "key", "share", *[m[5:] for m in months], "Q1", "Q2", "Q3", "Q4", "year"]
    b = wb.add_worksheet("Battle map")
    b.write_row(0, 0, head, bold)
    b.freeze_panes(1, 1)
    order = page._tree_order(t)
    for r, path in enumerate(order, start=1):
        values = t.units[path]
        step = t.steps.get(path)
        b.write_string(r, 0, safe_text(("  " * (0 if not path else path.count("/") + 1)) + (step.name if step
                                                                                             else plan.id)))
        b.write_string(r, 1, t.level_name(path))
        b.write_string(r, 2, "" if step is None else ("fixed" if step.fixed is not None else step.key))
        if step is not None and step.fixed is None and step.total:
            b.write_number(r, 3, float(step.value / step.total), pct)
        for c, m in enumerate(months, start=4):
            if m in values:
                b.write_number(r, c, num(values[m]), money)
        for q in range(4):
            part = [values[m] for m in months[q * 3:q * 3 + 3] if m in values]
            if part:
                b.write_number(r, 16 + q, num(sum(part, Fraction(0))), money)
        b.write_number(r, 20, num(sum(values.values(), Fraction(0))), money)
    b.set_column(0, 0, 24)
    b.set_column(4, 20, 12)

    p = wb.add_worksheet("People")
    p.write_row(0, 0, ["employee", "name", "unit", "last_year", "year", "growth", *[m[5:] for m in months]], bold)
    p.freeze_panes(1, 2)
    for r, emp in enumerate(page._people_order(t), start=1):
        person = t.people[emp]
        p.write_string(r, 0, safe_text(emp))
        p.write_string(r, 1, safe_text(person.name))
        p.write_string(r, 2, safe_text(person.path.rpartition("/")[0] or plan.id))
        if person.last_year is not None:
            p.write_number(r, 3, float(person.last_year), money)
            if person.last_year:
                p.write_number(r, 5, float(t.steps[person.path].amount / person.last_year - 1), pct)
        p.write_number(r, 4, num(sum(person.months.values(), Fraction(0))), money)
        for c, m in enumerate(months, start=6):
            if m in person.months:
                p.write_number(r, c, num(person.months[m]), money)
    p.set_column(0, 2, 14)
    p.set_column(3, 17, 12)

    f = wb.add_worksheet("Fixed")
    f.write_row(0, 0, ["unit", "amount", "reason"], bold)
    for r, fx in enumerate(plan.fixed, start=1):
        f.write_string(r, 0, safe_text(fx.unit))
        f.write_number(r, 1, num(fx.amount), money)
        f.write_string(r, 2, safe_text(fx.reason))
    f.set_column(2, 2, 60)
    c = wb.add_worksheet("Checks")
    c.write_row(0, 0, ["file", "line", "col", "severity", "message"], bold)
    for r, d in enumerate(t.warnings, start=1):
        c.write_string(r, 0, safe_text(d.file))
        c.write_number(r, 1, d.line)
        c.write_number(r, 2, d.col)
        c.write_string(r, 3, d.severity)
        c.write_string(r, 4, safe_text(d.message))
    c.set_column(4, 4, 100)
    wb.close()
    return buf.getvalue()
