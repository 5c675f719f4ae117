"""What results.xlsx must hold, worked out from the results document (the per-employee entries of results.json), not
from the engine's columns the fast writer reads: the Teams sheet and every scorecard sheet cell by cell, as openpyxl
reads them back.  The wording of labels is the catalogue's (i18n.XLSX_LABELS) and the ruleset's; everything else is
derived here from the document."""
from __future__ import annotations

import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import openpyxl

from appraise.i18n import xlsx_label

FIELDS = ("actual", "target", "attainment", "score", "weight")


def read(xlsx: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows of values, as openpyxl reads the file."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def pick(text, locale: str) -> str:
    if not text:
        return ""
    for key in (locale, "en"):
        if key in text:
            return text[key]
    return next(iter(text.values()))


def _safe(text):
    """Text as a spreadsheet shows it without running it (a leading ' before formula-like text), as openpyxl reads
    it back from what Excel's format allows: at most 32,767 UTF-16 units, control characters as ``_xHHHH_`` (which
    Excel turns back into the character and openpyxl does not)."""
    from xlsxwriter.utility import _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    if text is None:
        return None
    text = "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
    if _utf16_len(text) > 32767:
        text = _utf16_truncate(text, 32767)
    return XMLwriter._escape_control_characters(text)


def _amount(text):
    """A bonus amount as openpyxl reads it back: a whole number as int, else float; beyond 15 significant digits,
    the exact text."""
    if text is None:
        return None
    d = Decimal(text)
    if len(d.normalize().as_tuple().digits) > 15:
        return text
    return int(d) if d == d.to_integral_value() and "." not in text else float(d)


def expected(document: dict, ruleset, *, locale: str = "en", redact: bool = False) -> dict[str, list[tuple]]:
    """The Teams sheet and one sheet per scorecard (named by its label), each as rows: the keys, the labels, then
    the data rows in the document's order."""
    def lab(key, **values):
        return xlsx_label(key, locale, **values)

    employees = document["employees"]
    calibrated = ruleset.calibration is not None
    money = ruleset.bonus is not None and not redact
    out: dict[str, list[tuple]] = {}
    # Teams
    grades = [g.grade for g in ruleset.grades] + sorted({e["grade"] for e in employees}
                                                         - {g.grade for g in ruleset.grades})
    groups: dict = defaultdict(list)
    for e in employees:
        groups[(e.get("calibration") or {}).get("cohort") if calibrated else None].append(e)
    keys = [ruleset.calibration.cohort if calibrated else "team", "people", "average_score",
            *[f"grade.{g}" for g in grades]] + (["bonus_total"] if money else [])
    labels = [lab("team"), lab("people"), lab("average_score"), *grades] + ([lab("bonus_total")] if money else [])
    rows = [tuple(keys), tuple(labels)]
    for team in sorted(groups, key=lambda t: (t is None, t or "")):
        members = groups[team]
        scores = [e["score"] for e in members if e.get("score") is not None]
        name = team if team is not None else (lab("no_team") if calibrated else lab("all_employees"))
        mean = (sum(Decimal(str(x)) for x in scores) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        row = [_safe(name), len(members), float(mean) if scores else None,
               *[sum(1 for e in members if e["grade"] == g) for g in grades]]
        if money:
            total = sum((Decimal(e["bonus"]) for e in members if e.get("bonus") is not None), Decimal(0))
            row.append(_amount(format(total, "f")))
        rows.append(tuple(row))
    out[lab("sheet.teams")] = rows
    # the scorecards
    for card in ruleset.scorecards:
        names = {r.id: pick(r.label, locale) or r.id for r in ruleset.rules}
        names |= {o.id: pick(o.label, locale) or o.id for o in ruleset.outcomes}
        keys, labels = ["id", "name"], [lab("id"), lab("name")]
        if calibrated:
            keys.append(ruleset.calibration.cohort)
            labels.append(lab("team") if ruleset.calibration.cohort == "team"
                          else ruleset.calibration.cohort.replace("_", " ").capitalize())
        keys += ["score", "grade"]
        labels += [lab("score"), lab("grade")]
        if calibrated:
            keys.append("grade_uncalibrated")
            labels.append(lab("grade_uncalibrated"))
        if money:
            keys.append("bonus")
            labels.append(lab("bonus"))
        for d in card.dimensions:
            keys.append(f"dimension.{d.key}.score")
            labels.append(lab("dimension.score", dimension=pick(d.label, locale) or d.key))
            names[d.key] = pick(d.label, locale) or d.key
        kpis = []
        for d in card.dimensions:
            for k in d.kpis:
                metric = next((m for m in ruleset.metrics if m.name == k.metric), None)
                label = pick(k.label, locale) or (pick(metric.label, locale) if metric else "") or k.key
                names[k.path] = label  # in missing; in focus_areas by its id when that is unique
                names.setdefault(k.key, label)
                for f in FIELDS:
                    if redact and f in ("actual", "target"):
                        continue
                    keys.append(f"kpi.{k.path}.{f}")
                    labels.append(lab(f"kpi.{f}", kpi=label))
                    kpis.append((k.path, f))
        lists = [k for k, present in (("rules_fired", bool(ruleset.rules)), ("outcomes", bool(ruleset.outcomes)),
                                      ("missing", True), ("focus_areas", True)) if present]
        keys += lists
        labels += [lab(k) for k in lists]
        rows = [tuple(keys), tuple(labels)]
        sep = lab("list.separator")
        for e in employees:
            if e["scorecard"] != card.key:
                continue
            row = [_safe(e["id"]), _safe(e["id"] if redact else e["name"])]
            if calibrated:
                row.append(_safe((e.get("calibration") or {}).get("cohort")))
            row += [e["score"], _safe(e["grade"])]
            if calibrated:
                row.append(_safe(e["grade_uncalibrated"]))
            if money:
                row.append(_amount(e.get("bonus")))
            row += [((e.get("dimensions") or {}).get(d.key) or {}).get("score") for d in card.dimensions]
            row += [((e.get("kpis") or {}).get(path) or {}).get(f) for path, f in kpis]
            row += [_safe(sep.join(names.get(i, i) for i in e.get(k) or [])) or None for k in lists]
            rows.append(tuple(row))
        out[(pick(card.label, locale) or card.key)[:31]] = rows
    return out
