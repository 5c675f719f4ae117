"""results.xlsx for an HR analyst, from the engine's columns: a summary, the teams, one sheet per scorecard

Every sheet is labelled in the reader's language (the run's: the cycle's ``locale:``, else the ruleset's). A
scorecard sheet has one row per employee: a hidden first row holds the columns' keys (results.csv's, and
``kpi.<dimension.kpi>.<field>``) for programs, the second their labels, with an autofilter and frozen panes
(the labels, id and name); each column is as wide as its contents and formatted for what it holds: the score
``0.00``, dimension and KPI scores and weights ``0.0``, attainment ``0.0%``, money in the ruleset's currency, a
KPI's actual and target in its metric's unit.  Amounts are written as the exact decimal text of the amount;
Excel keeps 15 significant digits, so an amount with more stays text rather than show another number.  The
Teams sheet gives each calibration cohort's people, average score, grades and bonus total.  Sheets beyond
Excel's row limit continue on ``<name> (2)``.

xlsxwriter makes the workbook (formats, the small sheets, the scorecard sheets' header rows); the scorecard
sheets' rows, 100,000 people and more, are made a column at a time by polars and spliced into the finished
file (:func:`_splice_rows`): no Python runs per cell.
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from appraise.core.evaluate import Evaluation
from appraise.export.columns import formatted, rounded_frame, safe_text_expr, score_columns
from appraise.export.files import REDACTED_KPI_FIELDS, ahead, safe_text, text_bytes, text_views

XLSX_MAX_ROWS = 1_048_576
HEAD = 2  # rows above a scorecard sheet's data: the keys (hidden), the labels
KPI_FIELDS = ("actual", "target", "attainment", "score", "weight")
SHEET_NAME_LIMIT = 31
_SIGNIFICANT = 15  # digits Excel keeps of a number


def _pl():
    import polars as pl

    return pl


# ---------------------------------------------------------------- the KPI columns

def kpi_table(ev: Evaluation, *, redact: bool = False, rounded=None):
    """What results.xlsx shows beyond :func:`appraise.export.columns.summary`, in the same (the frame's) order: id,
    the team (the calibration cohort's value as text, None without calibration), then ``kpi.<path>.<field>`` of
    every KPI of the ruleset (actual and target left out when redacted), None where the employee's scorecard has
    no such KPI: the document's values.  ``rounded``: :func:`appraise.export.columns.rounded_frame` of ``ev`` (made
    here when the caller has none)."""
    pl = _pl()

    rs = ev.ruleset
    kpis, _ = score_columns(rs)
    fields = [f for f in KPI_FIELDS if not (redact and f in REDACTED_KPI_FIELDS)]
    frame = (rounded if rounded is not None else rounded_frame(ev)).with_row_index("_row")
    parts = []
    for card in rs.scorecards:
        rows = frame.filter(pl.col("scorecard") == card.key)
        if rows.height == 0:
            continue
        mine: dict[str, Any] = {}
        for d in card.dimensions:
            for k in d.kpis:
                kw, ruled = pl.col(f"w.{k.path}"), pl.col(f"wr.{k.path}")
                shown = (kw.is_not_null() & (kw != 0)) | (ruled == 0).fill_null(False)
                mine[f"{k.path}.actual"] = pl.col(f"k.{k.path}.actual")
                mine[f"{k.path}.target"] = pl.col(f"k.{k.path}.target")
                mine[f"{k.path}.attainment"] = pl.col(f"k.{k.path}.attainment")
                mine[f"{k.path}.score"] = pl.when(shown).then(pl.col(f"k.{k.path}.score")).otherwise(None)
                mine[f"{k.path}.weight"] = kw
        parts.append(rows.select("_row", *[mine.get(f"{p}.{f}", pl.lit(None, pl.Float64)).cast(pl.Float64)
                                           .alias(f"kpi.{p}.{f}") for p in kpis for f in fields]))
    team = _team_column(frame, rs)
    head = frame.select("_row", "id", (pl.col(team).cast(pl.Utf8) if team else pl.lit(None, pl.Utf8)).alias("team"))
    out = head.join(pl.concat(parts), on="_row", how="left") if parts else head
    columns = ["id", "team"] + [f"kpi.{p}.{f}" for p in kpis for f in fields]
    return out.sort("_row").select([c if c in out.columns else pl.lit(None, pl.Float64).alias(c) for c in columns])


def _team_column(frame, ruleset) -> str | None:
    """The frame's column of the calibration cohort (the team in the pages), None without calibration."""
    if ruleset.calibration is None:
        return None
    cohort = ruleset.calibration.cohort
    return next((c for c in (f"attr.{cohort}", cohort) if c in frame.columns), None)


# ---------------------------------------------------------------- how each column reads

@dataclass(frozen=True)
class Column:
    """One column of a scorecard sheet: its key (hidden row), label, the wide table's column and its format
    (``text``, ``list``, or a number format's name)."""

    key: str
    label: str
    source: str
    fmt: str


_NUMBER_FORMATS = {
    "score2": "0.00", "score1": "0.0", "weight": "0.0", "pct": "0.0%", "percent_unit": '0.0"%"',
    "int": "#,##0", "num": "#,##0.00",
}


class _Formats:
    """The workbook's cell formats, made once, and their style indexes for the spliced rows."""

    def __init__(self, wb, locale: str, ruleset):
        from appraise.i18n import formatter

        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.label = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E7ECF3",
                                    "bottom": 1})
        self.key = wb.add_format({"font_color": "#7F7F7F", "italic": True})
        self.note = wb.add_format({"italic": True, "font_color": "#595959"})
        money = formatter(locale, ruleset.currency).money("1")
        prefix, _, suffix = money.partition("1")
        quoted = [f'"{p}"' if p else "" for p in (prefix.replace('"', ""), suffix.replace('"', ""))]
        unit = ruleset.bonus.rounding if ruleset.bonus else Decimal(1)
        self.bonus_digits = max(0, -int(Decimal(unit).normalize().as_tuple().exponent))
        self.numbers = dict(_NUMBER_FORMATS)
        for digits in (0, 2, self.bonus_digits):
            body = "#,##0" + ("." + "0" * digits if digits else "")
            self.numbers[f"money{digits}"] = f"{quoted[0]}{body}{quoted[1]};-{quoted[0]}{body}{quoted[1]}"
        self._made: dict[str, Any] = {}

    def number(self, name: str):
        if name not in self._made:
            self._made[name] = self.wb.add_format({"num_format": self.numbers[name]})
        return self._made[name]

    def xf(self, name: str) -> int:
        """The style index of number format ``name`` in styles.xml (registers it: xlsxwriter writes the formats
        cells use; the spliced cells are not written through it)."""
        return self.number(name)._get_xf_index()

    @property
    def bonus(self) -> str:
        return f"money{self.bonus_digits}"


def _label(text: Mapping[str, str] | None, locale: str, fallback: str) -> str:
    from appraise.i18n import _pick

    return (_pick(text, locale) if text else "") or fallback


def _layout(card, ruleset, locale: str, redact: bool, rows) -> list[Column]:
    """The columns of ``card``'s sheet: who, the results, each dimension's score, each KPI's actual, target,
    attainment, score and weight, then the lists; number formats chosen for the values (a KPI in money or a count
    shows decimals only when one of its values has some)."""
    from appraise.i18n import xlsx_label

    def lab(key: str, **values) -> str:
        return xlsx_label(key, locale, **values)

    cols = [Column("id", lab("id"), "id", "text"), Column("name", lab("name"), "name", "text")]
    if ruleset.calibration is not None:
        cohort = ruleset.calibration.cohort
        cols.append(Column(cohort, lab("team") if cohort == "team" else cohort.replace("_", " ").capitalize(),
                           "team", "text"))
    cols.append(Column("score", lab("score"), "score", "score2"))
    cols.append(Column("grade", lab("grade"), "grade", "text"))
    if ruleset.calibration is not None:
        cols.append(Column("grade_uncalibrated", lab("grade_uncalibrated"), "grade_uncalibrated", "text"))
    if ruleset.bonus is not None and not redact:
        cols.append(Column("bonus", lab("bonus"), "bonus", "bonus"))
    for d in card.dimensions:
        name = _label(d.label, locale, d.key)
        cols.append(Column(f"dimension.{d.key}.score", lab("dimension.score", dimension=name),
                           f"dimension.{d.key}.score", "score1"))
    for d in card.dimensions:
        for k in d.kpis:
            metric = ruleset.metric(k.metric)
            name = _label(k.label, locale, "") or _label(metric.label if metric else None, locale, k.key)
            unit = metric.unit if metric else "number"
            for field in KPI_FIELDS:
                if redact and field in REDACTED_KPI_FIELDS:
                    continue
                source = f"kpi.{k.path}.{field}"
                fmt = {"attainment": "pct", "score": "score1", "weight": "weight"}.get(field) or _unit_format(
                    unit, rows[source] if source in rows.columns else None)
                cols.append(Column(source, lab(f"kpi.{field}", kpi=name), source, fmt))
    for key, present in (("rules_fired", bool(ruleset.rules)), ("outcomes", bool(ruleset.outcomes)),
                         ("missing", True), ("focus_areas", True)):
        if present:
            cols.append(Column(key, lab(key), key, "list"))
    return cols


def _unit_format(unit: str, values) -> str:
    """The format of a KPI's actual or target in its metric's ``unit``: decimals only when a value has some."""
    if unit == "ratio":
        return "pct"
    if unit == "percent":
        return "percent_unit"
    whole = values is None or bool((values.drop_nulls() == values.drop_nulls().round(0)).all())
    if unit == "money":
        return "money0" if whole else "money2"
    return "int" if whole else "num"


def _item_labels(card, ruleset, locale: str) -> dict[str, str]:
    """What the ids in a scorecard's lists read as: rules and outcomes by their labels, dimensions and KPIs (as
    ``missing`` and ``focus_areas`` name them) by theirs."""
    from appraise.core.frame import lost_key

    out = {r.id: _label(r.label, locale, r.id) for r in ruleset.rules}
    out.update({o.id: _label(o.label, locale, o.id) for o in ruleset.outcomes})
    for d in card.dimensions:
        dim = _label(d.label, locale, d.key)
        out[d.key] = dim
        for k in d.kpis:
            metric = ruleset.metric(k.metric)
            name = _label(k.label, locale, "") or _label(metric.label if metric else None, locale, k.key)
            out[k.path] = name
            out.setdefault(lost_key(card, k), name)
    return out


# ---------------------------------------------------------------- the workbook

def results_xlsx_columns(head: Mapping[str, Any], table, kpis, ruleset, *, created: datetime, errors: int = 0,
                         redact: bool = False, locale: str | None = None) -> bytes:
    """``results.xlsx``: ``head`` the document's keys but the employees (cycle, currency), ``table``
    :func:`appraise.export.columns.summary` (the names already the ids when redacted), ``kpis`` :func:`kpi_table`
    (rows in the same order), ``locale`` the reader's language (default: the ruleset's).  Deterministic: document
    properties are fixed (``created``, normally the period's last day), so the same results give the same bytes."""
    out = io.BytesIO()
    write_results_xlsx(out, head, table, kpis, ruleset, created=created, errors=errors, redact=redact, locale=locale)
    return out.getvalue()


def write_results_xlsx(out: BinaryIO, head: Mapping[str, Any], table, kpis, ruleset, *, created: datetime,
                       errors: int = 0, redact: bool = False, locale: str | None = None) -> None:
    """:func:`results_xlsx_columns`'s bytes written to ``out`` (a new file, or any binary stream that can seek, as
    zipfile writes each entry's sizes back into its header), without holding the whole file in memory (~370 MB at
    1,000,000 people): e.g. :func:`appraise.export.files.written_by`."""
    import xlsxwriter

    from appraise.i18n import normalize_locale, xlsx_label

    pl = _pl()
    loc = normalize_locale(locale or ruleset.locale)
    if kpis.height != table.height or (table.height and not kpis["id"].equals(table["id"])):
        raise ValueError("the KPI table's rows are not the summary's")
    # a KPI's score is in both (results.csv has it): the summary's is kept
    wide = pl.concat([table, kpis.drop("id", *[c for c in kpis.columns if c in table.columns])], how="horizontal")
    buf = io.BytesIO()
    # constant_memory streams rows to temp files (in_memory would hold every cell); xlsxwriter dates the zip
    # entries 1980-01-31 either way, so the bytes do not depend on when the file was made
    wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": f"{ruleset.id} {head.get('cycle')}", "author": "appraise",
                       "comments": "generated by appraise run", "created": created})
    fmt = _Formats(wb, loc, ruleset)
    cards = [(card, wide.filter(pl.col("scorecard") == card.key)) for card in ruleset.scorecards]
    names = _SheetNames([xlsx_label("sheet.summary", loc), xlsx_label("sheet.teams", loc)])
    titles = [(names.take(_label(card.label, loc, card.key)), card, rows) for card, rows in cards]
    _summary_sheet(wb, fmt, names.fixed[0], head, wide, ruleset, loc, errors, redact, titles)
    team_cols, team_rows = _teams(wide, ruleset, loc, redact)
    parts = _table_sheets(wb, fmt, names.fixed[1], team_cols, team_rows, names, frozen=1)
    for title, card, rows in titles:
        cols = _layout(card, ruleset, loc, redact, rows)
        labels = _item_labels(card, ruleset, loc)
        parts += _table_sheets(wb, fmt, title, cols, _shown(rows, cols, labels, loc), names)
    wb.close()
    _splice_rows(buf.getvalue(), parts, out)


class _SheetNames:
    """Sheet names Excel accepts: at most 31 characters, none of ``[]:*?/\\``, unique whatever their letter case."""

    def __init__(self, fixed: Sequence[str]):
        self.fixed = list(fixed)
        self.used = {n.lower() for n in fixed} | {"history"}

    def take(self, wanted: str, suffix: str = "") -> str:
        base = re.sub(r"[\[\]:*?/\\]", "_", wanted).strip().strip("'") or "Sheet"
        n = 1
        while True:
            tail = suffix + ("" if n == 1 else f" {n}")
            name = base[:SHEET_NAME_LIMIT - len(tail)].rstrip() + tail
            if name.lower() not in self.used:
                self.used.add(name.lower())
                return name
            n += 1


def _write_money(ws, r: int, c: int, amount: Decimal | None, fmt) -> None:
    if amount is None:
        return
    if _exact_as_number(amount):
        ws.write_number(r, c, float(amount), fmt)
    else:
        ws.write_string(r, c, format(amount, "f"))


def _exact_as_number(amount: Decimal) -> bool:
    """Whether Excel shows ``amount`` as it is: 15 significant digits or fewer."""
    digits = amount.normalize().as_tuple().digits
    return len(digits) <= _SIGNIFICANT


def _summary_sheet(wb, fmt: _Formats, name: str, head, wide, ruleset, loc: str, errors: int, redact: bool,
                   titles) -> None:
    from appraise.i18n import _pick, xlsx_label

    def lab(key: str, **values) -> str:
        return xlsx_label(key, loc, **values)

    ws = wb.add_worksheet(name)
    ws.fit_to_pages(1, 0)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 12)
    title = _pick(ruleset.title, loc) if ruleset.title else ruleset.id
    ws.write_string(0, 0, safe_text(lab("title", title=title, cycle=head.get("cycle"))), fmt.title)
    facts: list[tuple[str, Any, Any]] = [
        (lab("cycle"), str(head.get("cycle") or ""), None),
        (lab("ruleset"), f"{ruleset.id} {ruleset.version or ''}".strip(), None),
        (lab("employees"), wide.height, None),
        (lab("errors"), errors, None),
    ]
    if ruleset.bonus is not None and not redact:
        facts.append((lab("bonus_total"), _money_sum(wide["bonus"], ruleset), fmt.number(fmt.bonus)))
        facts.append((lab("currency"), str(head.get("currency") or ruleset.currency), None))
    r = 2
    for label, value, money in facts:
        ws.write_string(r, 0, label, fmt.bold)
        if money is not None:
            _write_money(ws, r, 1, value, money)
        elif isinstance(value, int):
            ws.write_number(r, 1, value)
        else:
            ws.write_string(r, 1, safe_text(value))
        r += 1
    if redact:
        ws.write_string(r, 0, lab("redacted"), fmt.note)
        r += 1
    r += 1
    ws.write_string(r, 0, lab("grades"), fmt.bold)
    r += 1
    for c, text in enumerate((lab("grade"), lab("people"), lab("share"))):
        ws.write_string(r, c, text, fmt.label)
    counts = _grade_counts(wide["grade"], ruleset)
    for grade, n in counts.items():
        r += 1
        ws.write_string(r, 0, safe_text(grade))
        ws.write_number(r, 1, n)
        if wide.height:
            ws.write_number(r, 2, n / wide.height, fmt.number("pct"))
    r += 2
    ws.write_string(r, 0, lab("sheets"), fmt.bold)
    for sheet, _card, rows in titles:
        r += 1
        ws.write_string(r, 0, safe_text(lab("sheet.scorecard", scorecard=sheet, n=rows.height)))
    r += 2
    ws.write_string(r, 0, lab("keys_note"), fmt.note)


def _grade_counts(grades, ruleset) -> dict[str, int]:
    """Employees per grade, the ruleset's grades first (top first, every one listed), then any other, sorted."""
    counts = {g: n for g, n in grades.value_counts().iter_rows()}
    out = {g.grade: counts.pop(g.grade, 0) for g in ruleset.grades}
    for grade in sorted(counts, key=str):
        if grade is not None:
            out[str(grade)] = counts[grade]
    return out


def _money_sum(amounts, ruleset) -> Decimal | None:
    """The exact sum of a column of bonus amounts (decimal strings), None when it holds none."""
    if amounts.null_count() == len(amounts):
        return None
    return Decimal(str(_decimal(amounts, ruleset).sum()))


def _teams(wide, ruleset, loc: str, redact: bool):
    """The Teams sheet's columns and rows: one row per team (the calibration cohort; everyone in one row without
    calibration), sorted by name: people, average score (half-up to 2 decimals, as scores are), employees per
    grade, bonus total (exact)."""
    from appraise.i18n import xlsx_label

    pl = _pl()

    def lab(key: str, **values) -> str:
        return xlsx_label(key, loc, **values)

    from appraise.language.expr.compiler import polars_round_half_up

    grades = list(_grade_counts(wide["grade"], ruleset))
    money = ruleset.bonus is not None and not redact
    cohort = ruleset.calibration.cohort if ruleset.calibration is not None else "team"
    cols = [Column(cohort, lab("team"), "team", "text"), Column("people", lab("people"), "people", "int"),
            Column("average_score", lab("average_score"), "average", "score2")]
    cols += [Column(f"grade.{g}", g, f"grade.{g}", "int") for g in grades]
    if money:
        cols.append(Column("bonus_total", lab("bonus_total"), "bonus_total", "bonus"))
    team = pl.col("team") if ruleset.calibration is not None else pl.lit(None, pl.Utf8).alias("team")
    keyed = wide.select(team, "score", "grade", *([_decimal(wide["bonus"], ruleset)] if money else []))
    teams = keyed.group_by("team").agg(
        pl.len().cast(pl.Int64).alias("people"), polars_round_half_up(pl.col("score").mean(), 2).alias("average"),
        *[(pl.col("grade") == g).sum().cast(pl.Int64).alias(f"grade.{g}") for g in grades],
        *([pl.col("bonus").sum().cast(pl.Utf8).alias("bonus_total")] if money else []))
    no_team = lab("all_employees") if ruleset.calibration is None else lab("no_team")
    teams = teams.sort("team", nulls_last=True).with_columns(pl.col("team").fill_null(no_team))
    return cols, teams


def _decimal(amounts, ruleset):
    """A column of bonus amounts (decimal strings at the rounding unit) as exact decimals, named ``bonus``."""
    pl = _pl()
    unit = ruleset.bonus.rounding if ruleset.bonus else Decimal(1)
    scale = max(0, -int(Decimal(unit).normalize().as_tuple().exponent))
    return amounts.cast(pl.Decimal(38, scale)).alias("bonus")


def _display(text: str) -> int:
    """Columns a text takes in a spreadsheet: wide (CJK) characters count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0x2E7F)


# ---------------------------------------------------------------- a scorecard's sheets

def _shown(rows, cols: list[Column], labels: Mapping[str, str], loc: str):
    """``rows`` with each list column as the labels of its ids, joined (``Deal closing; 360° feedback``)."""
    from appraise.i18n import xlsx_label

    pl = _pl()
    sep = xlsx_label("list.separator", loc)
    lists = [c.source for c in cols if c.fmt == "list" and c.source in rows.columns]
    if not lists or rows.height == 0:
        return rows.with_columns(pl.col(c).list.join(sep).replace("", None) for c in lists) if lists else rows
    keys = list(labels)
    values = [labels[k] for k in keys]
    joined = [pl.col(c).list.eval(pl.element().replace(keys, values)).list.join(sep) for c in lists]
    shown = [pl.when(j != "").then(j).alias(c) for j, c in zip(joined, lists)]
    if not FEW_TEXTS:
        return rows.with_columns(shown)
    out = []
    for c, e in zip(lists, shown):  # a list column holds few distinct lists: each labelled once, joined back
        distinct = rows.select(pl.col(c).unique())
        if distinct.height * 4 > rows.height:
            out.append(e)
            continue
        labelled = distinct.with_columns(e.alias("§shown"))
        back = rows.select(c).join(labelled, on=c, how="left", maintain_order="left", nulls_equal=True)
        if back.height != rows.height:  # cannot be: the distinct lists are unique keys
            raise AssertionError(f"{c}: {back.height} rows labelled where {rows.height} were expected")
        out.append(back["§shown"].alias(c))
    return rows.with_columns(out)


def _table_sheets(wb, fmt: _Formats, title: str, cols: list[Column], rows, names: _SheetNames,
                  frozen: int = 2) -> list:
    """The sheets of a table (a new one each time Excel's row limit is reached), each with its two header rows
    (the keys, hidden; the labels), widths, an autofilter and panes frozen below the labels and right of the
    first ``frozen`` columns; returns what :func:`_splice_rows` writes into them."""
    from xlsxwriter.utility import xl_col_to_name

    per_sheet = XLSX_MAX_ROWS - HEAD
    texts = _distinct_texts(rows, cols)
    widths = _widths(rows, cols, fmt, texts)
    maps = {c: (u, inline_texts(u)) for c, u in texts.items() if FEW_TEXTS and len(u) * 4 <= rows.height}
    styles = {c.fmt: fmt.xf(c.fmt if c.fmt != "bonus" else fmt.bonus) for c in cols if c.fmt not in ("text", "list")}
    letters = [xl_col_to_name(j) for j in range(len(cols))]
    out = []
    for part in range(max(1, -(-rows.height // per_sheet))):
        ws = wb.add_worksheet(title if part == 0 else names.take(title, f" ({part + 1})"))
        count = min(per_sheet, rows.height - part * per_sheet)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        ws.set_row(0, None, None, {"hidden": True})
        tall = any(_display(c.label) > w for c, w in zip(cols, widths))
        ws.set_row(1, 30 if tall else None)
        for j, c in enumerate(cols):
            ws.write_string(0, j, c.key, fmt.key)
        for j, c in enumerate(cols):
            ws.write_string(1, j, c.label, fmt.label)
        ws.freeze_panes(HEAD, frozen)
        ws.autofilter(HEAD - 1, 0, HEAD - 1 + max(count, 1), len(cols) - 1)
        ws.set_landscape()  # printed: the labels and the first columns on every page
        ws.repeat_rows(HEAD - 1)
        ws.repeat_columns(0, frozen - 1)
        if len(cols) <= 16:
            ws.fit_to_pages(1, 0)
        chunk = rows.slice(part * per_sheet, count)
        out.append((f"xl/worksheets/sheet{len(wb.worksheets())}.xml", len(cols), count,
                    _row_lines(chunk, cols, styles, letters, maps=maps)))
    return out


def _distinct_texts(rows, cols: list[Column]) -> dict:
    """Each text column's distinct values (None left out), by the column's name: what its width and, when they are
    few, its cells are made from once."""
    pl = _pl()
    out = {}
    for c in cols:
        if c.fmt in ("text", "list") and c.source in rows.columns and c.source not in out:
            out[c.source] = rows[c.source].cast(pl.Utf8).drop_nulls().unique()
    return out


def _widths(rows, cols: list[Column], fmt: _Formats, texts: Mapping[str, Any] | None = None) -> list[float]:
    """Each column as wide as its label or its widest value (CJK counting double), within 6 to 40; ``texts``: the
    text columns' distinct values (:func:`_distinct_texts`), when the caller has them."""
    pl = _pl()
    out = []
    for c in cols:
        label = min(_display(c.label), 24)  # a longer label wraps
        data = 0
        if rows.height and c.source in rows.columns:
            s = rows[c.source]
            if c.fmt in ("text", "list"):
                s = texts[c.source] if texts is not None and c.source in texts else s.cast(pl.Utf8)
                data = int((s.str.len_chars() + s.str.count_matches(r"[\u2e80-\U0010ffff]")).max() or 0)
            elif s.dtype == pl.Utf8:  # money: decimal strings
                data = int(s.str.len_chars().max() or 0) * 4 // 3 + 4
            else:
                top = s.abs().max()
                whole = len(f"{int(top):,}") if top is not None and top == top and top < 1e300 else 8
                data = whole + {"pct": 4, "percent_unit": 4, "score2": 3, "score1": 2, "weight": 2, "num": 3}.get(
                    c.fmt, 0) + (4 if c.fmt.startswith("money") else 0)
        out.append(float(max(6, min(40, max(label, data) + 2))))
    return out


def _text_cell(e):
    """The ``<t>`` element of an inline string cell holding each value of the text expression ``e`` (None stays
    None), as :func:`_inline_text` makes it, but for the values :func:`_odd_text` finds."""
    pl = _pl()
    safe = safe_text_expr(e)
    esc = safe.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])  # one pass, left to right
    # two anchored searches: one ``^\s|\s$`` reads every character of every text
    edge = safe.str.contains(r"^\s") | safe.str.contains(r"\s$")
    open_ = pl.when(edge).then(pl.lit('<t xml:space="preserve">')).otherwise(pl.lit("<t>"))
    return pl.when(e.is_not_null()).then(pl.concat_str([open_, esc, pl.lit("</t>")]))


def _odd_text(e):
    """Whether a text needs Python to be written (control characters, a literal ``_xHHHH_``, Excel's length
    limit): :func:`_inline_text` writes those."""
    return (e.str.contains(r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_") | (e.str.len_chars() > 16383)).fill_null(False)


def inline_texts(s):
    """The ``<t>`` element of an inline string cell holding each value of a text series (None as None), as
    xlsxwriter writes it: :func:`~appraise.export.files.safe_text`, Excel's length limit, control characters
    escaped, leading or trailing space preserved."""
    pl = _pl()
    frame = pl.DataFrame({"s": s.cast(pl.Utf8)})
    out = frame.select(_text_cell(pl.col("s")).alias("t"), _odd_text(pl.col("s")).alias("odd"))
    t = out["t"]
    if out["odd"].any():
        idx = out["odd"].arg_true()
        t = t.scatter(idx, pl.Series([_inline_text(v) for v in s.gather(idx).to_list()], dtype=pl.Utf8))
    return t.alias(s.name)


def _inline_text(v: Any) -> str:
    """The ``<t>`` element of an inline string cell holding ``v`` as xlsxwriter writes it (safe_text, Excel's
    length limit, control characters escaped, leading or trailing space preserved)."""
    from xlsxwriter.utility import _utf16_len, _utf16_truncate
    from xlsxwriter.xmlwriter import XMLwriter

    text = safe_text(v)
    if len(text) > 16383 and _utf16_len(text) > 32767:  # Excel's limit per cell
        text = _utf16_truncate(text, 32767)
    if _ESCAPED.search(text):
        text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"


# what xlsxwriter's _escape_control_characters rewrites: control characters and literal _xHHHH_
_ESCAPED = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")


def _money_cell(e, xf: int):
    """The end of each money cell (after its reference's row number) of the expression ``e`` (decimal strings):
    the amount's decimal text as a number in format ``xf``, or as text when Excel could not show it as it is (more
    than 15 significant digits, or not a plain decimal); None for no amount."""
    pl = _pl()
    plain = e.str.contains(r"^-?[0-9]+(\.[0-9]+)?$")
    digits = e.str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.strip_chars_end("0").str.len_chars()
    return pl.when(plain & (digits <= _SIGNIFICANT)).then(pl.concat_str([pl.lit(f'" s="{xf}"><v>'), e,
                                                                         pl.lit("</v></c>")])) \
        .when(e.is_not_null()).then(pl.concat_str([pl.lit(f'" s="{xf}" t="inlineStr"><is>'), _text_cell(e),
                                                   pl.lit("</is></c>")]))


def _row_lines(rows, cols: list[Column], styles: Mapping[str, int], letters: Sequence[str],
               chunk: int = 20_000, maps: Mapping[str, Any] | None = None) -> Iterator[tuple[list[memoryview], int]]:
    """The ``<row>`` XML of ``chunk`` rows at a time, as UTF-8 (views of the buffers polars made it in, one after
    another: :func:`~appraise.export.files.text_views`), and how many rows it holds; rows numbered from
    ``HEAD + 1``: numbers as the shortest text of their double (``50``, ``0.9535``), text
    as inline strings, a blank cell for None.  One polars query a chunk; only odd texts (:func:`_odd_text`) are
    written by Python.  ``maps``: a text column's distinct values and their ``<t>`` elements (:func:`inline_texts`),
    for columns of few values: their cells are looked up, not made again for each row.  A chunk costs ~4 ms beside
    its rows (the query's planning, the lookups' tables): 20,000 rows (~40 MB of XML) a chunk, not 10,000, is ~5%
    less CPU at 100,000 people."""
    pl = _pl()
    maps = maps or {}
    schema = dict(rows.schema)  # read once: each ``rows.schema`` is made anew
    numbers = [c.source for c in cols if c.source in schema and schema[c.source].is_numeric()]
    if numbers and rows.height:
        finite = rows.select(pl.all_horizontal(pl.col(c).is_finite().fill_null(True).all() for c in numbers)).item()
        if not finite:
            bad = next(v for c in numbers for v in rows[c].to_list() if v is not None and not v - v == 0)
            raise ValueError(f"{bad} cannot be written to a spreadsheet cell")
    texts = [c.source for c in cols if c.fmt in ("text", "list") and c.source in schema
             and c.source not in maps]
    odd = rows.select(pl.any_horizontal(_odd_text(pl.col(c).cast(pl.Utf8)) for c in texts)
                      .alias("odd")).to_series() if texts and rows.height else None
    shapes = _number_shapes(rows, [c for c in numbers if schema[c] == pl.Float64])
    same = _constant_texts(rows, numbers, shapes)
    cells: list[tuple] = []  # (column, literal before the value, the value, literal after it) or a blank/whole cell
    for j, c in enumerate(cols):
        ref = f'<c r="{letters[j]}'
        if c.source not in schema or schema[c.source] == pl.Null:
            cells.append((c.source, ref, None, '"/>'))
            continue
        v = pl.col(c.source)
        if c.fmt in ("text", "list"):
            mid, value, end = '" t="inlineStr"><is>', pl.col(f"§t{j}"), "</is></c>"
        elif schema[c.source] == pl.Utf8:  # money: decimal strings
            cells.append((c.source, ref, _money_cell(v, styles[c.fmt]).fill_null('"/>'), None))
            continue
        else:
            mid, end = f'" s="{styles[c.fmt]}"><v>', "</v></c>"
            if c.source in same:  # the whole cell a literal (a target or weight everyone shares)
                cells.append((c.source, ref, None, mid + same[c.source] + end))
                continue
            value = _number_text(v, schema[c.source], shapes.get(c.source))
        cells.append((c.source, ref, (mid, value), end))

    def line(nulls: set[str]):
        """One row's XML as a polars expression: ``pl.format`` of the literals, merged, between the values (no value
        is null: a value that may be missing is its whole cell, the blank cell's ``"/>`` when it is)."""
        items: list = ['<row r="', pl.col("§n"), '">']
        for source, ref, value, end in cells:
            items += [ref, pl.col("§n")]
            if value is None:  # no such column: blank
                items.append(end)
            elif end is None:  # the whole rest of the cell
                items.append(value)
            elif source in nulls:
                items.append(formatted([value[0], value[1], end]).fill_null('"/>'))
            else:
                items += [value[0], value[1], end]
        items.append("</row>")
        return formatted(items)  # (adjacent literals are one stretch of its template)

    made = []  # each text column's cells, made by polars (the same expressions for every chunk)
    for j, c in enumerate(cols):
        if c.fmt in ("text", "list") and c.source in schema and schema[c.source] != pl.Null:
            e = pl.col(c.source).cast(pl.Utf8)
            if c.source in maps:
                distinct, cells_of = maps[c.source]
                made.append(e.replace_strict(distinct, cells_of, default=None, return_dtype=pl.Utf8).alias(f"§t{j}"))
            else:
                made.append(_text_cell(e).alias(f"§t{j}"))
    # the row's expression made once: a column with a missing value in any row written as a whole cell in every
    # chunk (the same text as its value between literals)
    row_xml = line({c.source for c in cols if c.source in schema and rows[c.source].null_count()})
    for start in range(0, rows.height, chunk):
        part = rows.slice(start, chunk)
        number = pl.int_range(start + HEAD + 1, start + HEAD + 1 + part.height).cast(pl.Utf8).alias("§n")
        if odd is not None and odd.slice(start, chunk).any():  # the few texts Python writes
            part = part.with_columns(number, *made)
            idx = odd.slice(start, chunk).arg_true()
            part = part.with_columns(
                pl.Series(f"§t{j}", part[f"§t{j}"].scatter(idx, pl.Series(
                    [None if v is None else _inline_text(v) for v in part[c.source].gather(idx).to_list()],
                    dtype=pl.Utf8)))
                for j, c in enumerate(cols) if f"§t{j}" in part.columns and c.source not in maps)
            xml = part.select(row_xml).to_series()
        else:
            xml = part.with_columns(number, *made).select(row_xml).to_series()
        if xml.null_count():  # cannot be: every value that may be missing is written as its whole cell
            raise AssertionError(f"{xml.null_count()} rows of XML missing")
        # the rows' XML one after another: views of polars' buffers (:class:`_Pieces` cuts them for the deflater)
        yield (text_views(xml) if ROW_VIEWS else [text_bytes(xml)]), part.height


_WHOLE = 1e15  # below it, a whole double's text is its integer's and ``.0`` (``1e+16`` above)


def _number_shapes(rows, floats: Sequence[str]) -> dict[str, str]:
    """What the values of each Float64 column are, for the cheapest way to the same text: ``whole`` (every value a
    whole number below 10^15 and none -0.0: written as integers), ``fraction`` (none whole: the double's text as it
    is), else ``mixed`` (the text less a trailing ``.0``)."""
    pl = _pl()
    if not floats or not rows.height or not FEW_TEXTS:
        return {}
    whole = [(pl.col(c) == pl.col(c).floor()) for c in floats]
    checks = rows.select(
        *[(w & (pl.col(c).abs() < _WHOLE) & ~_negative_zero(pl.col(c))).all().alias(f"a{i}")
          for i, (c, w) in enumerate(zip(floats, whole))],
        *[w.any().alias(f"s{i}") for i, w in enumerate(whole)]).row(0, named=True)
    return {c: "whole" if checks[f"a{i}"] else "mixed" if checks[f"s{i}"] else "fraction"
            for i, c in enumerate(floats)}


def _constant_texts(rows, numbers: Sequence[str], shapes: Mapping[str, str]) -> dict[str, str]:
    """The number columns of ``rows`` that hold one value in every row (no null, no -0.0 beside 0.0) and that
    value's text (:func:`_number_text` of the first row: the text every row's would be), by column."""
    pl = _pl()
    if not numbers or not rows.height or not FEW_TEXTS:
        return {}
    schema = dict(rows.schema)
    checks = rows.select(
        (pl.col(c).null_count() == 0) & (pl.col(c).min() == pl.col(c).max())
        & ~(_negative_zero(pl.col(c)).any() if schema[c].is_float() else pl.lit(False))
        for c in numbers).row(0)
    same = [c for c, one in zip(numbers, checks, strict=True) if one]
    if not same:
        return {}
    first = rows.head(1).select(_number_text(pl.col(c), schema[c], shapes.get(c)).alias(c) for c in same)
    return dict(zip(same, first.row(0), strict=True))


def _negative_zero(v):
    """Whether each value of the float expression ``v`` is -0.0 (equal to 0.0, but its text is ``-0``)."""
    return (v == 0) & (1.0 / v < 0)


def _number_text(v, dtype, shape: str | None):
    """The text of a number column's values as written in ``<v>``: the shortest text of the double, less ``.0``
    (``50``, not ``50.0``: the same double); ``shape`` from :func:`_number_shapes`, the same text made cheaper."""
    pl = _pl()
    if dtype.is_integer():
        return v.cast(pl.Utf8)
    if shape == "whole":
        return v.cast(pl.Int64).cast(pl.Utf8)
    if shape == "fraction":
        return v.cast(pl.Utf8)
    return v.cast(pl.Float64).cast(pl.Utf8).str.strip_suffix(".0")


FEW_TEXTS = True  # the shortcuts of the row writer (distinct texts looked up, number shapes); tests switch them off


def _fast_deflate(fh):
    """How to write a zip entry being written (``fh``: what ``ZipFile.open(..., "w")`` returns): deflated by ISA-L's
    level 1 (:mod:`isal.isal_zlib`, the same raw deflate stream format zlib reads) instead of zlib's, 0.24 s instead
    of 0.86 s for the 200 MB of rows of 100,000 people and a smaller file (36.4 MB against 39 MB), and its CRC-32
    by ISA-L too (0.01 s instead of zlib's 0.09 s; the same number).  zipfile has no option for another
    compressor: its writer's ``_compressor`` is swapped while nothing has been written yet, and the returned
    function does what its ``write`` does (the size, the CRC, the compressed bytes) with ISA-L's CRC; where those
    attributes are not there (another Python), ``fh.write`` as it is.  The cells read back the same either way
    (``tests/test_export_columns.py``)."""
    if not (FAST_DEFLATE and getattr(fh, "_compressor", None) is not None and getattr(fh, "_file_size", 1) == 0
            and isinstance(getattr(fh, "_crc", None), int) and isinstance(getattr(fh, "_compress_size", None), int)
            and hasattr(fh, "_fileobj")):
        return fh.write
    import zlib

    from isal import isal_zlib

    fh._compressor = compressor = isal_zlib.compressobj(1, zlib.DEFLATED, -15)
    crc32 = isal_zlib.crc32

    def write(data) -> None:
        data = memoryview(data)
        fh._file_size += data.nbytes
        fh._crc = crc32(data, fh._crc)
        out = compressor.compress(data)
        fh._compress_size += len(out)
        fh._fileobj.write(out)

    return write


FAST_DEFLATE = True  # tests switch it off to compare with zlib's deflate
ROW_VIEWS = True  # the rows' XML as views of polars' buffers (cut in pieces: _Pieces); tests switch it off


PIECE = 256 << 10  # what the deflater is handed at a time of a sheet's rows


class _Pieces:
    """A sheet's rows handed to ``write`` (the deflater) in pieces of ``size`` bytes cut at fixed offsets of the rows'
    text, whatever views they come in (:func:`_row_lines`: polars' buffers, split as polars made them): ISA-L's
    stream depends on how its input is cut, so cut this way the file's bytes depend on the text alone.  A piece
    that lies within one view is handed on as a view of it; only the pieces across the end of a view are gathered
    into a buffer of their own (reused: the deflater has consumed a piece when it returns), so of the ~200 MB of rows
    of 100,000 people a few MB are copied, where gathering each chunk of rows in one buffer copied them all.
    :meth:`close` hands on the last, shorter piece."""

    def __init__(self, write, size: int = PIECE) -> None:
        self.write, self.size = write, size
        self.buf = bytearray(size)
        self.held = 0  # bytes of the next piece gathered in buf

    def __call__(self, views: Sequence[memoryview]) -> None:
        size, buf = self.size, self.buf
        for view in views:
            v = memoryview(view).cast("B")
            at, n = 0, v.nbytes
            if self.held:  # the piece begun in an earlier view, completed from this one
                take = min(size - self.held, n)
                buf[self.held:self.held + take] = v[:take]
                self.held += take
                at = take
                if self.held < size:
                    continue
                self.write(buf)
                self.held = 0
            while n - at >= size:  # whole pieces within this view
                self.write(v[at:at + size])
                at += size
            if at < n:
                buf[:n - at] = v[at:]
                self.held = n - at

    def close(self) -> None:
        if self.held:
            self.write(memoryview(self.buf)[:self.held])
            self.held = 0


def _splice_rows(xlsx: bytes, parts, out: BinaryIO) -> None:
    """Write ``xlsx`` (made by xlsxwriter with the header rows only) to ``out`` with each scorecard sheet's rows:
    every zip entry is copied with its own date and compression, the sheets get their rows (streamed, a chunk at a
    time) and their dimension."""
    import zipfile

    from xlsxwriter.utility import xl_col_to_name

    sheets = {name: (width, count, lines) for name, width, count, lines in parts}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as zin, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename not in sheets:
                zout.writestr(info, data)
                continue
            width, count, lines = sheets[info.filename]
            head, found, tail = data.decode("utf-8").partition("</sheetData>")
            if not found:  # the header rows are always there
                raise ValueError(f"{info.filename}: no sheetData to write rows into")
            if count:
                head = re.sub(r'<dimension ref="[^"]*"/>',
                              f'<dimension ref="A1:{xl_col_to_name(width - 1)}{count + HEAD}"/>', head, count=1)
            # level 1: a third faster than xlsxwriter's 6 on 100,000 people, the file ~30% larger
            setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", 1)
            written = 0
            with zout.open(info, "w", force_zip64=True) as fh:
                write = _fast_deflate(fh)
                write(head.encode("utf-8"))
                pieces = _Pieces(write)  # the deflater is handed the same pieces, however polars split the rows
                for views, n in ahead(lines):
                    pieces(views)
                    written += n
                pieces.close()
                write((found + tail).encode("utf-8"))
            if written != count:
                raise ValueError(f"{info.filename}: {written} rows written where {count} were expected")
