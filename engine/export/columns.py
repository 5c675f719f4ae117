"""The results as columns: what the export files and the Python API's table read, without per-employee documents.

:mod:`appraise.export.document` shapes one dict per employee (results.json, the pages, ``explain``); the
CSV, the Excel file and :attr:`appraise.api.Results.table` need only a summary of each employee, which is
computed here in whole columns (polars) from the same :class:`~appraise.core.evaluate.Evaluation`.  Every value
is the one the document holds: the same rounding (Python's ``round`` where the document uses it, half-up to 4
decimals elsewhere), the same money strings, the same focus areas in the same order.  Where a vectorised
operation could differ from Python's in the last bit (a value next to a rounding half, a float Python writes
in exponent form), those few values are recomputed with Python's own function, so the columns equal the
document's exactly; ``tests/test_export_columns.py`` compares them with the document on the worked example,
a generated company and hostile values.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from appraise.core.evaluate import Evaluation, item_paths
from appraise.export.document import rounded_table
from appraise.export.files import FORMULA_START, score_columns, text_views

LISTS = ("rules_fired", "outcomes", "missing", "focus_areas")


def _pl():
    import polars as pl

    return pl


def py_round(s, digits: int):
    """``round(float(x), digits)`` of every value of the Float64 series ``s`` (None stays None), as Python rounds:
    vectorised, with the values next to a rounding half (where a scaled product's last bit decides) and the
    values too large to scale exactly recomputed by Python's ``round``."""
    pl = _pl()
    s = s.cast(pl.Float64)
    scaled = s * (10.0 ** digits)
    frac = scaled - scaled.floor()
    doubtful = (((frac - 0.5).abs() < 1e-6 + scaled.abs() * 1e-15) | (scaled.abs() > 2.0 ** 50)
                | ~s.is_finite()).fill_null(False)
    out = s.round(digits)
    if doubtful.any():
        idx = doubtful.arg_true()
        exact = [None if v is None else round(v, digits) for v in s.gather(idx).to_list()]
        out = out.scatter(idx, pl.Series(exact, dtype=pl.Float64))
    return out


def float_text(s):
    """Each value of the Float64 series ``s`` as ``json.dumps`` writes it (``repr``; ``NaN``/``Infinity``), None
    as None.  polars writes the same shortest round-trip digits as ``repr``, except for the forms Python chooses
    differently (exponents below 1e-4, non-finite values): those are written by Python."""
    pl = _pl()
    s = s.cast(pl.Float64)
    out = s.cast(pl.Utf8)
    odd = pl.select(float_text_odd(pl.lit(s))).to_series()
    if odd.any():
        idx = odd.arg_true()
        out = out.scatter(idx, pl.Series([json.dumps(v) for v in s.gather(idx).to_list()], dtype=pl.Utf8))
    return out


def float_text_odd(e):
    """Where :func:`float_text` writes a value of the Float64 expression ``e`` with Python (a boolean expression, null
    false): polars' own text is Python's ``repr`` everywhere else."""
    a = e.abs()
    return (((a < 1e-4) & (a != 0.0)) | (a >= 1e16) | ~e.is_finite()).fill_null(False)


def money_strings(s, ruleset):
    """:func:`appraise.export.document.money` of every value (decimal strings at the bonus rounding unit)."""
    from appraise.export.document import money

    unit = ruleset.bonus.rounding if ruleset.bonus else Decimal(1)
    places = -min(int(unit.normalize().as_tuple().exponent), 0)  # as money() quantizes
    return _decimal_texts(s, lambda v: money(v, ruleset), places)


def plain_strings(s):
    """:func:`appraise.export.document._plain` of every value (a decimal as written: no trailing zeros)."""
    from appraise.export.document import _plain

    return _decimal_texts(s, _plain, None)


# a polars Decimal's text that the fast paths below write exactly: at most 15 digits before the point (Decimal's
# 28-digit context never rounds it), digits after it as the column's scale has them
_WHOLE = r"^-?[0-9]{1,15}"


def _decimal_texts(s, fn, places: int | None):
    """``fn`` of every value of a Decimal series written from polars' own text of the value (the column's
    scale in full): ``places`` decimals (a value exactly that precise: its text cut or padded; ``money``), or
    None: trailing zeros and point taken off (``_plain``).  A value the text cannot give exactly (more
    digits than ``places`` to round, too large) and a series that is not Decimal go through ``fn``, once per
    distinct value."""
    pl = _pl()
    if not isinstance(s.dtype, pl.Decimal) or s.dtype.scale is None:
        return _by_unique(s, fn)
    scale = s.dtype.scale
    text = s.cast(pl.Utf8)
    if places is None:  # at most 15 digits before the point: |v| < 10^15, compared as decimals (no text searched)
        exact = pl.select(pl.lit(s).abs() < pl.lit(Decimal(10 ** 15), pl.Decimal(38, 0))).to_series()
        out = text.str.strip_chars_end("0").str.strip_chars_end(".") if scale else text
    elif scale == 0:
        exact = text.str.contains(_WHOLE + "$")
        out = text + ("." + "0" * places if places else "")
    elif scale <= places:
        exact = text.str.contains(_WHOLE + rf"\.[0-9]{{{scale}}}$")
        out = text + "0" * (places - scale)
    else:
        exact = text.str.contains(_WHOLE + rf"\.[0-9]{{{places}}}0{{{scale - places}}}$")
        out = text.str.head(-(scale - places) - (0 if places else 1))
    out = out.alias(s.name)
    odd = ~exact.fill_null(True)
    if odd.any():
        idx = odd.arg_true()
        out = out.scatter(idx, _by_unique(s.gather(idx), fn))
    return out


def _by_unique(s, fn):
    """``fn`` of every value of ``s`` (None stays None), called once per distinct value."""
    pl = _pl()
    if s.null_count() == len(s):
        return pl.Series(s.name, [None] * len(s), dtype=pl.Utf8)
    uniq = s.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in uniq.to_list()], dtype=pl.Utf8)
    return s.replace_strict(uniq, mapped, default=None, return_dtype=pl.Utf8)


def _ones(frame, pairs, name: str):
    """A list column: for each row, the ids of ``pairs`` ((id, boolean column)) whose column is true, in order."""
    pl = _pl()
    flags = [(i, pl.col(col)) for i, col in pairs if col in frame.columns]
    return flag_values(frame, flags, list, pl.List(pl.Utf8)).alias(name)


def flag_values(frame, flags, make, dtype):
    """``make(ids)`` for each row of ``frame`` (a Series of ``dtype``): the ids of ``flags`` ((id, boolean
    expression)) that are true in that row (null is false), in order.  The flags are read as the bits of
    integers (63 to each) and ``make`` is called once per combination that occurs: a company has few.
    ``make`` a list of functions: a list of such Series, one per function, from one reading of the flags."""
    pl = _pl()
    makes = make if isinstance(make, list) else [make]
    if not flags:
        out = [pl.Series("~v", [m([])], dtype=dtype).new_from_index(0, frame.height) for m in makes]
    else:
        keys, names, found, ids = _flag_combinations(frame, flags)
        table = found.with_columns(pl.Series(f"~v{n}", [m(x) for x in ids], dtype=dtype) for n, m in enumerate(makes))
        joined = keys.join(table, on=names, how="left", maintain_order="left")
        out = [joined[f"~v{n}"].alias("~v") for n in range(len(makes))]
    return out if isinstance(make, list) else out[0]


def _flag_combinations(frame, flags):
    """:func:`flag_values`' reading of the flags: (each row's bits, their columns' names, the combinations that
    occur, the ids of each combination)."""
    pl = _pl()
    groups = [flags[i:i + 63] for i in range(0, len(flags), 63)]
    names = [f"~m{n}" for n in range(len(groups))]
    keys = frame.select(pl.sum_horizontal([e.fill_null(False).cast(pl.UInt64) * pl.lit(1 << j, pl.UInt64)
                                           for j, (_, e) in enumerate(group)]).alias(name)
                        for group, name in zip(groups, names, strict=True))
    found = keys.unique()
    ids = [[i for group, bits in zip(groups, row, strict=True) for j, (i, _) in enumerate(group) if bits >> j & 1]
           for row in found.iter_rows()]
    return keys, names, found, ids


def lost_ranking(frame, card, copy: str | None = None) -> Any:
    """(row number, lost key, value) of every item that lost points, biggest first: the order of
    :func:`appraise.export.document.focus_areas` and ``lost_points`` (``round(v, 9)`` descending, ties by key).
    ``frame`` has a ``_row`` column and only ``card``'s employees.  ``copy``: the suffix of a copy of every lost
    column (``~r4``, the rounded copies), whose values come along as a ``copy`` column when the frame has all of them
    (none is looked up afterwards).  Each row's items are ranked by numpy (a stable sort of each row's rounded
    values, the columns in the keys' order); :func:`lost_ranking_plain` ranks them all in one polars sort."""
    pl = _pl()
    import numpy as np

    cols = _lost_columns(frame, card)
    if not FAST_RANKING:
        return lost_ranking_plain(frame, card, copy)
    if not cols or frame.height == 0:
        return pl.DataFrame(schema={"_row": pl.UInt32, "key": pl.Utf8, "value": pl.Float64})
    cols = sorted(cols, key=lambda c: c[5:])  # ties by key: a stable sort keeps the columns' order
    values = np.ascontiguousarray(frame.select(pl.col(c).cast(pl.Float64) for c in cols).to_numpy(), dtype=np.float64)
    # `v > 1e-12` as Python compares: NaN and None (NaN here) are not greater
    with np.errstate(invalid="ignore"):
        lost = values > 1e-12
    rounded = np.full(values.shape, np.inf)  # what is not lost sorts after what is
    rounded[lost] = -py_round(pl.Series(values[lost], dtype=pl.Float64), 9).to_numpy()
    order = np.argsort(rounded, axis=1, kind="stable")
    counts = lost.sum(axis=1)
    first = np.arange(len(cols))[None, :] < counts[:, None]  # each row's lost items, biggest first
    at = np.repeat(np.arange(frame.height, dtype=np.int64), counts)
    col = order[first].astype(np.int64)
    where = pl.Series(col * frame.height + at)  # in the columns one after another

    def items(names):  # the values of the items, from the columns themselves
        return pl.concat([frame.get_column(c).cast(pl.Float64) for c in names], rechunk=False).gather(where)

    out = pl.DataFrame({"_row": frame.get_column("_row").cast(pl.UInt32).gather(pl.Series(at)),
                        "key": pl.Series([c[5:] for c in cols], dtype=pl.Utf8).gather(pl.Series(col)),
                        "value": items(cols)})
    if copy is not None and all(c + copy in frame.columns for c in cols):
        out = out.with_columns(items([c + copy for c in cols]).alias(copy))
    return out


FAST_RANKING = True  # lost_ranking by numpy (False: lost_ranking_plain; tests)


def _lost_columns(frame, card) -> list[str]:
    """The frame's ``lost.<key>`` columns of ``card``'s items."""
    from appraise.core.evaluate import lost_key

    keys: list[str] = []
    for d in card.dimensions:
        keys.extend(lost_key(card, k) for k in d.kpis)
        if d.kind != "kpis":
            keys.append(d.key)
    return [f"lost.{k}" for k in keys if f"lost.{k}" in frame.columns]


def lost_ranking_plain(frame, card, copy: str | None = None) -> Any:
    """:func:`lost_ranking` by one polars sort of every item (by row, rounded value descending, key)."""
    pl = _pl()
    cols = _lost_columns(frame, card)
    if not cols or frame.height == 0:
        return pl.DataFrame(schema={"_row": pl.UInt32, "key": pl.Utf8, "value": pl.Float64})
    long = frame.select("_row", *cols).unpivot(index="_row", variable_name="key", value_name="value")
    if copy is not None and all(c + copy in frame.columns for c in cols):  # unpivoted in the same order: row by row
        long = long.with_columns(frame.select("_row", *(c + copy for c in cols)).unpivot(index="_row")["value"]
                                 .alias(copy))
    # `v > 1e-12` as Python compares: NaN is not greater (polars orders NaN above every number)
    long = long.filter(pl.col("value").is_not_null() & ~pl.col("value").is_nan() & (pl.col("value") > 1e-12))
    long = long.with_columns(pl.col("key").str.slice(5), py_round(long["value"], 9).alias("r9"))
    return long.sort(["_row", "r9", "key"], descending=[False, True, False]).drop("r9")


def lost_rankings(ev: Evaluation, rounded) -> dict[str, Any]:
    """:func:`lost_ranking` of every scorecard's employees over the whole of ``rounded`` (:func:`rounded_frame` of
    ``ev``; ``_row`` the frame's row number, the rounded copies along), made once by a run for :func:`summary`'s
    focus areas and :func:`~appraise.export.json_columns.employee_text_pairs`' lost points, which otherwise rank
    what they read themselves: a ranking of some rows is the whole one's rows of them (each row ranked on its own,
    sorted by row first)."""
    pl = _pl()
    from appraise.export.document import _R4

    frame = rounded.with_row_index("_row")
    return {card.key: lost_ranking(frame.filter(pl.col("scorecard") == card.key), card, _R4)
            for card in ev.ruleset.scorecards}


def rounded_frame(ev: Evaluation):
    """The engine's frame as the document shows its numbers: every column the document rounds (``_rounded``) half-up
    to 4 decimals, and beside each ``lost.<key>`` (kept exact: focus areas rank by it) its rounded copy
    ``lost.<key>~r4``.  Made once by a run and handed to :func:`summary`,
    :func:`~appraise.export.xlsx_columns.kpi_table` and :func:`~appraise.export.json_columns.employee_text_pairs`,
    which otherwise round what they read themselves (the same function, the same values)."""
    return rounded_table(ev.frame)


def summary(ev: Evaluation, rounded=None, rankings: dict[str, Any] | None = None):
    """One row per employee in the document's order (the frame's): id, name, scorecard, score (2 decimals),
    grade, grade_uncalibrated, bonus (decimal string), rules_fired, outcomes, missing, focus_areas (lists of
    ids), then ``kpi.<path>.score`` and ``dimension.<key>.score`` of every scorecard (rounded to 4 decimals;
    None where the document has no score), exactly the document's values.  ``rounded``: :func:`rounded_frame`
    of ``ev`` (made here when the caller has none); ``rankings``: :func:`lost_rankings` of it."""
    pl = _pl()

    rs = ev.ruleset
    frame = (rounded if rounded is not None else rounded_frame(ev)).with_row_index("_row")
    kpis, dims = score_columns(rs)
    parts = []
    for card in rs.scorecards:
        rows = frame.filter(pl.col("scorecard") == card.key)
        if rows.height == 0:
            continue
        exprs = [
            _ones(rows, [(r.id, f"rule.{r.id}") for r in rs.rules], "rules_fired"),
            _ones(rows, [(o.id, f"outcome.{o.id}") for o in rs.outcomes], "outcomes"),
            _ones(rows, [(m, f"miss.{m}") for m in item_paths(card, ev.period)], "missing"),
        ]
        mine: dict[str, Any] = {}
        for d in card.dimensions:
            weight, has = pl.col(f"w.{d.key}"), f"d.{d.key}.has_data"
            score = pl.col(f"d.{d.key}.score") if f"d.{d.key}.score" in rows.columns else pl.lit(None, pl.Float64)
            if has in rows.columns:  # no data and no weight: no score (employee_result)
                no_score = ~pl.col(has).fill_null(True) & ~(weight.is_not_null() & (weight != 0))
                score = pl.when(no_score).then(None).otherwise(score)
            mine[f"dimension.{d.key}.score"] = score
            for k in d.kpis:
                kw, ruled = pl.col(f"w.{k.path}"), pl.col(f"wr.{k.path}")
                shown = (kw.is_not_null() & (kw != 0)) | (ruled == 0).fill_null(False)
                mine[f"kpi.{k.path}.score"] = pl.when(shown).then(pl.col(f"k.{k.path}.score")).otherwise(None)
        exprs += [mine.get(f"kpi.{p}.score", pl.lit(None, pl.Float64)).cast(pl.Float64).alias(f"kpi.{p}.score")
                  for p in kpis]
        exprs += [mine.get(f"dimension.{d}.score", pl.lit(None, pl.Float64)).cast(pl.Float64)
                  .alias(f"dimension.{d}.score") for d in dims]
        part = rows.select("_row", *exprs)
        ranked = lost_ranking(rows, card) if rankings is None else rankings[card.key]
        focus = ranked.group_by("_row", maintain_order=True).agg(
            pl.col("key").head(rs.plan.max_focus_areas).alias("focus_areas"))
        part = part.join(focus, on="_row", how="left").with_columns(
            pl.col("focus_areas").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
        parts.append(part)
    head = frame.select("_row", "id", "name", "scorecard", "grade", "grade_uncalibrated")
    head = head.with_columns(py_round(frame["score"].cast(pl.Float64), 2).alias("score"),
                             (money_strings(frame["bonus"], rs) if "bonus" in frame.columns
                              else pl.Series([None] * frame.height, dtype=pl.Utf8)).alias("bonus"))
    body = pl.concat(parts, how="vertical") if parts else None
    out = head if body is None else head.join(body, on="_row", how="left")
    first = ["id", "name", "scorecard", "score", "grade", "grade_uncalibrated", "bonus", *LISTS]
    columns = first + [f"kpi.{p}.score" for p in kpis] + [f"dimension.{d}.score" for d in dims]
    out = out.sort("_row").select([c if c in out.columns else pl.lit(None).alias(c) for c in columns])
    return out.with_columns(pl.col(c).cast(pl.List(pl.Utf8)) for c in LISTS)


STORED_COLUMNS = ("id", "scorecard", "score", "grade", "grade_uncalibrated", "bonus")


def stored_frames(table, entries):
    """The store's rows as polars tables, a chunk at a time (:meth:`appraise.store.database.Store.complete_run`'s
    ``frames``): each employee's id, scorecard, score, grade, grade before calibration and bonus from
    :func:`summary`'s ``table`` (the document's values), and the entry's JSON text from ``entries`` (polars String
    series: chunks in the table's order, read one at a time)."""
    start = 0
    for chunk in entries:
        yield table.slice(start, len(chunk)).select(STORED_COLUMNS).with_columns(chunk.alias("entry"))
        start += len(chunk)
    if start != table.height:
        raise ValueError(f"{start} stored entries for {table.height} employees")


def ledger_table(table, ev):
    """What the recalculation ledger compares of each employee (:func:`appraise.export.files.ledger_texts`), from
    :func:`summary`'s ``table``: id, score, grade, bonus, outcomes, and with ``bonus.net_of`` bonus_gross and
    bonus_paid: the document's values of those fields."""
    pl = _pl()
    cols = ["id", "score", "grade", "bonus", "outcomes"]
    rs = ev.ruleset
    pairs = []
    if rs.bonus is not None and rs.bonus.net_of is not None:  # only then are these in the entries
        pairs += [("bonus.gross", "bonus_gross"), ("bonus.paid", "bonus_paid")]
    if rs.bonus is not None and rs.bonus.incentive:  # an incentive plan's (engine/export/incentives.py)
        if rs.bonus.draw is not None or rs.bonus.guarantee is not None:
            pairs.append(("bonus.earned", "bonus_earned"))
        if rs.bonus.draw is not None:
            pairs.append(("bonus.draw.closing", "bonus_draw_balance"))
        pairs.append(("bonus.ytd", "bonus_ytd"))
    if pairs:
        extra = [(money_strings(ev.frame[c], rs) if c in ev.frame.columns
                  else pl.Series([None] * ev.frame.height, dtype=pl.Utf8)).alias(name) for c, name in pairs]
        return table.select(cols).with_columns(extra)
    return table.select(cols)


FORMULA_PATTERN = "^[" + "".join(re.escape(c) for c in FORMULA_START) + "]"  # files.FORMULA_START as a pattern
NUMERIC_FIRST = {"score", "bonus"}


def safe_text_expr(e):
    """:func:`appraise.export.files.safe_text` of a text column (None as ``""``)."""
    pl = _pl()
    e = e.fill_null("")
    return pl.when(e.str.contains(FORMULA_PATTERN)).then(pl.lit("'") + e).otherwise(e)


def _csv_field(e):
    """A field as ``csv.writer`` (QUOTE_MINIMAL, ``\\r\\n`` lines) writes it."""
    pl = _pl()
    return pl.when(e.str.contains(r'[,"\r\n]')).then(
        pl.lit('"') + e.str.replace_all('"', '""', literal=True) + pl.lit('"')).otherwise(e)


def formatted(items):
    """One text expression: ``items`` (literal strings and text expressions, in order) concatenated by one
    ``pl.format`` whose template holds the literals (null where an expression is; ~20% less work than ``concat_str``
    of literal columns): results.json's entries and results.xlsx's rows are made so."""
    pl = _pl()
    exprs = [x for x in items if not isinstance(x, str)]
    if not exprs:
        return pl.lit("".join(items))
    if len(items) == 1:
        return items[0]
    return pl.format("".join(x.replace("{", "{{").replace("}", "}}") if isinstance(x, str) else "{}" for x in items),
                     *exprs)


def _csv_number(c: str):
    """A number column's field of results.csv (:func:`csv_chunks`: its text, never quoted), None for a column of
    text or lists."""
    pl = _pl()
    if c not in LISTS and (c in NUMERIC_FIRST or c.endswith(".score")):
        return pl.col(c).cast(pl.Utf8).fill_null("")
    return None


def _csv_text(c: str):
    """A column's field of results.csv before quoting (:func:`csv_chunks`): a list joined with ``;`` or a text,
    through :func:`safe_text_expr` (None as ``""``)."""
    pl = _pl()
    return safe_text_expr(pl.col(c).list.join(";") if c in LISTS else pl.col(c).cast(pl.Utf8))


def _few_fields(part, c: str):
    """The quoted fields of the text or list column ``c`` of ``part`` (a String series, one a row) and whether each
    holds a NUL (a Boolean series; None when none does), made once per distinct value and joined back, when the
    column holds few distinct values (a name, a grade, the lists); None otherwise."""
    pl = _pl()
    if not FEW_FIELDS or part.height < 64 or part[c].head(4096).n_unique() * 4 > min(part.height, 4096):
        return None
    distinct = part.select(pl.col(c).unique())
    if distinct.height * 4 > part.height:
        return None
    text = _csv_text(c)
    made = distinct.with_columns(_csv_field(text).alias("~f"), text.str.contains("\x00", literal=True).alias("~z"))
    back = part.select(c).join(made, on=c, how="left", maintain_order="left", nulls_equal=True)
    if back.height != part.height or back["~f"].null_count():  # cannot be: the distinct values are unique keys
        raise AssertionError(f"{c}: {back.height} rows joined back where {part.height} were expected")
    return back["~f"], (back["~z"] if made["~z"].any() else None)


FEW_FIELDS = True  # csv_chunks' fields of a column of few values made once per value; tests switch it off


def csv_chunks(table, *, redact: bool = False, rows_per_chunk: int = 50_000):
    """:func:`appraise.export.files.results_csv`'s exact text from :func:`summary`'s table, in chunks of rows
    (the header first, with the byte-order mark), as UTF-8 bytes: text through :func:`safe_text_expr`, numbers as
    ``json`` writes them, lists joined with ``;``, text fields quoted as ``csv.writer`` quotes them (a number's text
    never needs it); a column of few distinct values (:func:`_few_fields`) has each value's field made once; each
    chunk of lines views of the buffers polars made them in (:func:`text_views`)."""
    import csv
    import io

    pl = _pl()
    columns = [c for c in table.columns if not (redact and c == "bonus")]
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow(columns)
    yield ("\ufeff" + buf.getvalue()).encode("utf-8")
    for start in range(0, table.height, rows_per_chunk):
        part = table.slice(start, rows_per_chunk)
        floats = [c for c in columns if part[c].dtype == pl.Float64]
        # polars' own text of the numbers (cast in the select below), Python's in a column with a value that needs it
        odd = part.select(float_text_odd(pl.col(c)).any() for c in floats).row(0) if floats else ()
        part = part.with_columns(float_text(part[c]) for c, python in zip(floats, odd, strict=True) if python)
        fields = []  # each column's field, quoted where csv.writer quotes (a number's text never needs it)
        nuls = []  # which rows' text fields hold a NUL
        made: list[Any] = []  # the fields made once per distinct value (and their NUL flags)
        texts = []  # the other text columns, as text (made once: their fields and NUL flags read it)
        for c in columns:
            number = _csv_number(c)
            if number is not None:
                fields.append(number)
                continue
            few = _few_fields(part, c)
            if few is None:
                texts.append(_csv_text(c).alias(c))
                fields.append(_csv_field(pl.col(c)))
                nuls.append(pl.col(c).str.contains("\x00", literal=True))
                continue
            field, nul = few
            made.append(field.alias(f"~f{len(made)}"))
            fields.append(pl.col(made[-1].name))
            if nul is not None:
                made.append(nul.alias(f"~z{len(made)}"))
                nuls.append(pl.col(made[-1].name))
        cells = part.with_columns(texts + made)
        # every line in one pass: the fields (none is null), commas between them, the line's end after them
        out = cells.select(pl.format(",".join("{}" for _ in columns) + "\r\n", *fields).alias("line"),
                           pl.any_horizontal(nuls).alias("nul") if nuls else pl.lit(False).alias("nul"))
        lines, nul = out["line"], out["nul"]
        if nul.any():  # csv.writer's own rules for what no spreadsheet data should hold
            idx = nul.arg_true()
            fixed = []
            made_texts = {e.meta.output_name() for e in texts}
            plain = [number if (number := _csv_number(c)) is not None else pl.col(c) if c in made_texts
                     else _csv_text(c) for c in columns]
            for row in cells[idx].select(e.alias(f"~{i}") for i, e in enumerate(plain)).iter_rows():
                b = io.StringIO(newline="")
                csv.writer(b, lineterminator="\r\n").writerow(row)
                fixed.append(b.getvalue())
            lines = lines.scatter(idx, pl.Series(fixed, dtype=pl.Utf8))
        yield from text_views(lines)  # the lines one after another, each ending in \r\n
