"""results.json's employees written from the engine's columns, without building their documents.

:func:`employee_texts` gives each employee's entry of ``results.json`` as text — exactly what
:func:`appraise.export.files.results_json_chunks` writes for the entry :func:`appraise.export.document.employee_result`
builds — assembled by polars from whole columns: numbers through :func:`appraise.export.columns.float_text`, text
through :func:`json_text`, lists and maps that depend on the row (rules fired, sources that rated, lost points in
rank order, objectives) joined per row.  What is rare or irregular is left to the plain path, per employee or per
ruleset, so the two always agree: an overridden employee (the override's record), a ruleset that nets other runs
(``bonus.net_of``), a calibration cohort that is not text.  ``tests/test_export_columns.py`` compares the two
byte for byte.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from json.encoder import encode_basestring
from typing import Any

from appraise.core.evaluate import Evaluation, item_paths
from appraise.export.columns import (
    flag_values,
    float_text,
    float_text_odd,
    formatted,
    lost_ranking,
    money_strings,
    plain_strings,
    py_round,
)
from appraise.export.document import half_up, rounded_table

EMPLOYEE_INDENT = "    "  # an entry of the employees list, as results_json_chunks indents it
# what comes before each indented entry in results.json: made with the entry, which is then sliced off it (a view
# of the same bytes), so that results.json's text is written from the buffers polars made it in
# (:func:`appraise.export.files.text_views`)
ENTRY_SEP = ",\n" + EMPLOYEE_INDENT


def _pl():
    import polars as pl

    return pl


_ESCAPED = r'[\x00-\x1f"\\]'  # a character json.dumps escapes (ensure_ascii=False)


def json_text(s):
    """Each value of a text series as ``json.dumps(..., ensure_ascii=False)`` writes it (None: ``null``); the
    values that need escaping are escaped by json's own function."""
    pl = _pl()
    s = s.cast(pl.Utf8)
    out = (pl.lit('"') + pl.lit(s) + pl.lit('"'))
    out = pl.select(out.alias(s.name or "t")).to_series()
    odd = s.str.contains(_ESCAPED).fill_null(False)
    if odd.any():
        idx = odd.arg_true()
        out = out.scatter(idx, pl.Series([encode_basestring(v) for v in s.gather(idx).to_list()], dtype=pl.Utf8))
    return out.fill_null("null")


def _or_null(s):
    """A text Series with ``null`` where it has None (gone through only when it has one)."""
    return s.fill_null("null") if s.null_count() else s


def json_number_text(s):
    """:func:`json_text` of decimal strings (:func:`~appraise.export.columns.money_strings`,
    :func:`~appraise.export.columns.plain_strings`: ``-``, digits and a point, or a Decimal's ``NaN``/``Infinity``):
    the value quoted, None ``null``, without looking for characters to escape (a number's text has none)."""
    pl = _pl()
    s = s.cast(pl.Utf8)
    return pl.select((pl.lit('"') + pl.lit(s) + pl.lit('"')).fill_null("null").alias(s.name or "t")).to_series()


def json_text_of_few(s):
    """:func:`json_text` of a column of few distinct values (item keys, objective types): each written once."""
    pl = _pl()
    uniq = s.drop_nulls().unique()
    return s.replace_strict(uniq, json_text(uniq), default="null", return_dtype=pl.Utf8)


def plain_path_only(ev: Evaluation) -> bool:
    """Whether the ruleset needs what only the plain path writes (every employee then takes it)."""
    pl = _pl()
    rs = ev.ruleset
    if rs.bonus is not None and (rs.bonus.net_of is not None or rs.bonus.incentive):
        return True
    if rs.calibration is not None:
        cohort = _cohort_column(ev.frame, rs.calibration.cohort)
        if cohort is not None and ev.frame.schema[cohort] not in (pl.Utf8, pl.Null):
            return True
    return False


def _cohort_column(frame, cohort: str) -> str | None:
    for name in (f"attr.{cohort}", cohort):
        if name in frame.columns:
            return name
    return None


SHARED_FLAGS = True  # flag lists of every style from one reading of the flags (False: each style's alone; tests)


class _Texts:
    """Text columns of one scorecard's rows, made once each and kept in :attr:`frame` under ``§<kind>:<column>``.
    The numbers' texts are made together at the end (:meth:`done`), by polars in one pass of all the columns."""

    def __init__(self, frame):
        self.frame = frame
        self.new: dict[str, Any] = {}
        self.floats: dict[str, str] = {}  # the key of a number's text -> its column
        self.checked: dict[str, Any] = {}
        self.after: dict[str, Any] = {}  # texts of the texts made (by done), made after them
        self.constants: dict[str, float] | None = None  # each Float64 column with one value (not 0) in every row

    def _put(self, key: str, make) -> Any:
        pl = _pl()
        if key not in self.new:
            self.new[key] = make().alias(key)
        return pl.col(key)

    def check(self, condition) -> bool:
        """The value of a boolean expression of one value (``.any()``) over the rows (each computed once)."""
        key = str(condition)
        if key not in self.checked:
            self.checked[key] = bool(self.frame.select(condition).item())
        return self.checked[key]

    def states(self, condition) -> tuple[bool, bool]:
        """Whether a boolean expression (never null) is true in every row, and in any (computed once)."""
        key = "§all-any:" + str(condition)
        if key not in self.checked:
            every, some = self.frame.select(condition.all().alias("a"), condition.any().alias("b")).row(0)
            self.checked[key] = (bool(every), bool(some))
        return self.checked[key]

    def _constants(self) -> dict[str, float]:
        """The Float64 columns of one value in every row (no null, no NaN, not 0: -0.0 and 0.0 compare equal)."""
        pl = _pl()
        if self.constants is None:
            self.constants = {}
            cols = [c for c, dtype in self.frame.schema.items()
                    if dtype == pl.Float64 and not c.startswith("lost.") and "~" not in c]
            if not cols or self.frame.height == 0:
                return self.constants
            stats = self.frame.select(pl.col(cols).min().name.suffix("~0"), pl.col(cols).max().name.suffix("~1"),
                                      pl.col(cols).null_count().name.suffix("~2")).row(0)
            n = len(cols)
            same = [c for i, c in enumerate(cols)
                    if stats[2 * n + i] == 0 and stats[i] is not None and stats[i] == stats[n + i] and stats[i] != 0]
            if same:  # (min and max leave NaN out)
                nan = self.frame.select(pl.col(same).is_nan().any()).row(0)
                self.constants = {c: stats[cols.index(c)] for c, odd in zip(same, nan, strict=True) if not odd}
        return self.constants

    def float(self, col: str):
        """The text of a number column (a literal: the same in every row)."""
        pl = _pl()
        if col not in self.frame.columns:
            return "null"
        constants = self._constants()
        if col in constants:
            return json.dumps(constants[col])
        key = f"§f:{col}"
        self.floats[key] = col
        return pl.col(key)

    def int(self, col: str):
        pl = _pl()
        if col not in self.frame.columns:
            return "null"
        s = self.frame[col]
        return self._put(f"§i:{col}", lambda: s.cast(pl.Utf8).fill_null("null") if s.null_count() else s.cast(pl.Utf8))

    def text(self, col: str):
        """:func:`json_text` of a column: where no value is null or has a character to escape, the column itself
        between quotes (:class:`_Parts`)."""
        pl = _pl()
        if col not in self.frame.columns:
            return "null"
        if self.frame.schema[col] == pl.Utf8 and not self.check(
                (pl.col(col).null_count() > 0) | pl.col(col).str.contains(_ESCAPED).any()):
            return _Parts(['"', pl.col(col), '"'])
        return self._put(f"§s:{col}", lambda: json_text(self.frame[col]))

    def quoted(self, key: str, make):
        """:func:`json_number_text` of the decimal strings ``make()`` gives (a Series): where none is null, those
        between quotes (:class:`_Parts`)."""
        pl = _pl()
        if key not in self.new:
            s = make()
            self.new[key] = (s if s.null_count() == 0 else json_number_text(s)).alias(key)
            self.checked[key] = s.null_count() == 0
        return _Parts(['"', pl.col(key), '"']) if self.checked[key] else pl.col(key)

    def series(self, key: str, make):
        return self._put(key, make)

    def after_texts(self, expr):
        """A text expression of the texts made here (any style's), made once as a column after them."""
        pl = _pl()
        text = str(expr)
        if text not in self.after:
            self.after[text] = expr.alias(f"§w{len(self.after)}")
        return pl.col(f"§w{list(self.after).index(text)}")

    def done(self):
        """The frame with every text column made: each number's as :func:`float_text` writes it (polars' own text
        of the columns where no value needs Python's, checked for all of them at once)."""
        pl = _pl()
        made = list(self.new.values())
        if self.floats:
            values = [pl.col(c).cast(pl.Float64) for c in self.floats.values()]
            odd = self.frame.select(float_text_odd(v).any().alias(k) for k, v in zip(self.floats, values,
                                                                                      strict=True)).row(0)
            for (key, col), value, python in zip(self.floats.items(), values, odd, strict=True):
                text = float_text(self.frame[col]) if python else value.cast(pl.Utf8)
                # (a column without nulls is not gone through again)
                made.append((text.fill_null("null") if self.frame[col].null_count() else text).alias(key))
        out = self.frame.with_columns(made)
        return out.with_columns(self.after.values()) if self.after else out


def _lit(text: str):
    return _pl().lit(text)


def _truthy(col: str, frame):
    """``bool(row.get(col))`` of a column (False when the frame has none)."""
    pl = _pl()
    if col not in frame.columns:
        return pl.lit(False)
    c = pl.col(col)
    if frame.get_column(col).dtype == pl.Boolean:  # (not frame.schema: a mapping of every column made per call)
        return c.fill_null(False)
    return (c.is_not_null() & (c != 0)).fill_null(False)


class _Style:
    """How a JSON text is laid out: ``json.dumps(indent=2)`` (results.json) or ``json.dumps()`` (compact: the
    store's entries)."""

    def __init__(self, indented: bool):
        self.indented = indented

    def nl(self, ind: str) -> str:
        """What opens a line at ``ind`` (nothing when compact)."""
        return "\n" + ind if self.indented else ""

    def sep(self, inner: str) -> str:
        """What separates two items at ``inner``."""
        return ",\n" + inner if self.indented else ", "


INDENTED, COMPACT = _Style(True), _Style(False)


class _Piece:
    """A key of an object with its value, as text with the separator before it (made so by its maker), or null
    where the key is left out: for a key after the object's first key present in every row."""

    def __init__(self, text):
        self.text = text


class _Parts(list):
    """A text as the pieces it is made of, in order: literal strings, and text expressions (never null: a piece
    left out is ``""``; a null piece makes the whole text null).  Nested objects are spliced in as pieces, so the
    whole entry is one flat concatenation (each byte is copied once, not once per level of nesting)."""


def _expr(value):
    """A text expression of ``value`` (an expression, a literal or :class:`_Parts`)."""
    if isinstance(value, _Parts):
        return formatted(value)
    if isinstance(value, str):
        return _lit(value)
    return value


def _flat(*values) -> _Parts:
    """``values`` (literals, expressions, :class:`_Parts`) as one :class:`_Parts`."""
    out = _Parts()
    for v in values:
        out.extend(v if isinstance(v, _Parts) else [v])
    return out


def _present(present, piece: _Parts):
    """``piece`` where ``present``, else ``""``: made by one ``pl.format`` (no text concatenated twice)."""
    pl = _pl()
    return pl.when(present).then(formatted(piece)).otherwise(_lit(""))


def _obj(pairs, ind: str, st: _Style = INDENTED):
    """A JSON object at indentation ``ind`` laid out as ``st``: ``pairs`` of (key, text expression, literal text or
    :class:`_Parts`, None for a key absent in every row, (present, text) for a key present where ``present``, or
    a :class:`_Piece`), as :class:`_Parts`."""
    inner = ind + "  "
    items = [(key, value) for key, value in pairs if value is not None]
    first = next((i for i, (_, v) in enumerate(items) if not isinstance(v, (tuple, _Piece))), None)
    if first is None:  # every key may be absent: the object may be empty
        return _optional_obj(items, ind, st)
    parts = _Parts(["{" + st.nl(inner)])
    for i, (key, value) in enumerate(items):
        head = encode_basestring(key) + ": "
        if isinstance(value, _Piece):
            if i < first:
                raise ValueError(f"{key}: a piece before the object's first key")
            parts.append(value.text.fill_null(_lit("")))
            continue
        if isinstance(value, tuple):  # before the first key always present its separator follows it
            present, text = value
            parts.append(_present(present, _flat(head, text, st.sep(inner)) if i < first
                                  else _flat(st.sep(inner) + head, text)))
            continue
        if i > first:
            parts.append(st.sep(inner))
        parts.append(head)
        parts.extend(value if isinstance(value, _Parts) else [value])
    parts.append(st.nl(ind) + "}")
    return parts


def _optional_obj(items, ind: str, st: _Style) -> _Parts:
    """:func:`_obj` of keys each present where its ``present`` is (none: ``{}``): each key's piece with the
    separator before it where a key before it is present."""
    pl = _pl()
    if not items:
        return _Parts(["{}"])
    inner = ind + "  "
    if any(isinstance(v, _Piece) for _, v in items):
        raise ValueError("an object of keys all optional made of pieces")
    present = [p for _, (p, _) in items]
    parts = _Parts()
    some = pl.any_horizontal(present)
    if st.indented:
        parts.append(pl.when(some).then(_lit("{" + st.nl(inner))).otherwise(_lit("{")))
    else:
        parts.append("{")
    for i, (key, (p, text)) in enumerate(items):
        head = encode_basestring(key) + ": "
        if i == 0:
            parts.append(_present(p, _flat(head, text)))
        else:
            sep = pl.when(pl.any_horizontal(present[:i])).then(_lit(st.sep(inner))).otherwise(_lit(""))
            parts.append(_present(p, _flat(sep, head, text)))
    if st.indented:
        parts.append(pl.when(some).then(_lit(st.nl(ind) + "}")).otherwise(_lit("}")))
    else:
        parts.append("}")
    return parts


def employee_texts(ev: Evaluation, *, compact: bool = False):
    """Every employee's entry of results.json as text, in the frame's order (a polars String series);
    ``compact``: see :func:`employee_text_chunks`."""
    pl = _pl()
    return pl.concat([pl.Series("entry", [], dtype=pl.Utf8), *employee_text_chunks(ev, compact=compact)])


def employee_text_chunks(ev: Evaluation, rows_per_chunk: int = 25_000, *, compact: bool = False) -> Iterator[Any]:
    """:func:`employee_texts` a chunk of rows at a time (polars String series), so that results.json is
    streamed: only one chunk's text is held at once.

    ``compact``: each entry as ``json.dumps(entry, ensure_ascii=False)`` writes it (what the store keeps of an
    employee) instead."""
    for texts in _chunks(ev, rows_per_chunk, (COMPACT if compact else INDENTED,)):
        yield texts[0]


def employee_text_pairs(ev: Evaluation, rows_per_chunk: int = 25_000, *, rounded=None,
                        rankings: dict[str, Any] | None = None) -> Iterator[tuple[Any, Any]]:
    """:func:`employee_text_chunks` indented and compact at once, a chunk at a time: (results.json's entries,
    the store's), each made from the same columns (the values' texts made once).  ``rounded``:
    :func:`appraise.export.columns.rounded_frame` of ``ev``, when the caller has it; ``rankings``:
    :func:`appraise.export.columns.lost_rankings` of that (with ``rounded`` only)."""
    for texts in _chunks(ev, rows_per_chunk, (INDENTED, COMPACT), rounded, rankings if rounded is not None else None):
        yield texts[0], texts[1]


# From this many employees :func:`results_document`'s entries are parsed from their JSON text made from the columns
# (:func:`employee_entries`: equal dicts, ~2x faster at 10,000 people; below it the polars pipeline's fixed cost,
# ~30 ms, is more than building each dict from its row).  None: never (tests).
FAST_DOCUMENT_ROWS: int | None = 1000


def results_document(ev: Evaluation) -> dict[str, Any]:
    """:func:`appraise.export.document.results_document` (the whole results.json document), its entries parsed from
    their text (:func:`employee_entries`) from :data:`FAST_DOCUMENT_ROWS` employees."""
    from appraise.export import document

    if FAST_DOCUMENT_ROWS is None or ev.frame.height < FAST_DOCUMENT_ROWS:
        return document.results_document(ev)
    with document.no_cyclic_gc():
        return {**document.document_head(ev), "employees": employee_entries(ev), **document.document_tail(ev)}


def employee_entries(ev: Evaluation, rows_per_chunk: int = 25_000) -> list[dict[str, Any]]:
    """Every employee's entry of the results document, in the frame's order: what
    :func:`appraise.export.document.employee_results` builds, parsed by ``json`` from the entries' compact text made
    from the columns (:func:`employee_text_chunks`), about twice as fast as building each dict from its row.  The
    text is ``json.dumps`` of that dict, so parsing it gives an equal dict (the document holds only what JSON
    holds: str, int, float, bool, None, lists and str-keyed dicts); the entries the text takes from the plain path
    (an override's, a ruleset that only the plain path writes) are the plain path's dicts themselves.  Each
    chunk is parsed as one JSON array, so that its dicts share their keys' strings."""
    from appraise.export.document import employee_results

    if ev.frame.height == 0:
        return []
    if plain_path_only(ev):
        return employee_results(ev)
    from appraise.export.files import text_bytes

    pl = _pl()
    out: list[dict[str, Any]] = []
    plain: dict[int, dict[str, Any]] = {}  # the plain path's dicts, by row
    for (texts,) in _chunks(ev, rows_per_chunk, (COMPACT,), docs=plain):
        for lo in range(0, len(texts), ENTRIES_PER_ARRAY):
            joined = text_bytes(pl.select(_lit(",") + pl.lit(texts.slice(lo, ENTRIES_PER_ARRAY))).to_series())
            array = bytearray(b"[")
            array += joined[1:]
            array += b"]"
            out.extend(json.loads(array))
    for row, doc in plain.items():
        out[row] = doc
    return out


# entries parsed at once by employee_entries: their dicts share the keys' strings; the text parsed (~2 KB an entry,
# twice that as a str of CJK names) is held meanwhile
ENTRIES_PER_ARRAY = 4096


def _plain_texts(ev: Evaluation, positions: list[int], styles: tuple[_Style, ...],
                 docs: dict[int, Any] | None = None) -> list[Any]:
    """The plain path's entries of the frame's rows at ``positions`` (their documents, then their text), a
    polars String series per style; ``docs``: each document also put there, by its row."""
    pl = _pl()
    from appraise.export.document import employee_results, no_cyclic_gc
    from appraise.export.files import _indented

    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(e, ensure_ascii=False)
    with no_cyclic_gc():
        made = employee_results(ev, positions)
        if docs is not None:
            docs.update(zip(positions, made, strict=True))
        return [pl.Series("entry", [_indented(e, EMPLOYEE_INDENT) if st.indented else encode(e) for e in made],
                          dtype=pl.Utf8) for st in styles]


def _chunks(ev: Evaluation, rows_per_chunk: int, styles: tuple[_Style, ...], rounded=None,
            rankings: dict[str, Any] | None = None, docs: dict[int, Any] | None = None) -> Iterator[list[Any]]:
    """Per chunk of rows, the entries' texts in each of ``styles`` (a polars String series each); ``docs``: the
    documents the plain path built for some rows put there, by row (:func:`_plain_texts`)."""
    pl = _pl()

    rs = ev.ruleset
    frame = ev.frame
    if frame.height == 0:
        return
    if plain_path_only(ev):
        for start in range(0, frame.height, rows_per_chunk):
            yield _plain_texts(ev, list(range(start, min(start + rows_per_chunk, frame.height))), styles, docs)
        return
    objectives = _objective_rows(ev)
    if objectives is not None:  # in the frame's order, so that a chunk's are one slice
        where = frame.select("id", pl.int_range(pl.len(), dtype=pl.Int64).alias("_frow"))
        objectives = objectives.join(where, on="id", how="inner").sort("_frow", "_o")
    names = ["entry" if st.indented else "compact" for st in styles]
    for start in range(0, frame.height, rows_per_chunk):
        # the numbers as the document rounds them: rounded already (appraise.export.columns.rounded_frame), or here
        part = (rounded.slice(start, rows_per_chunk) if rounded is not None
                else rounded_table(frame.slice(start, rows_per_chunk))).with_row_index("_row")
        parts = []
        mine = None
        if objectives is not None:
            lo, hi = objectives["_frow"].search_sorted(pl.Series([start, start + part.height], dtype=pl.Int64),
                                                       "left").to_list()
            # each with its row in the chunk (the chunk's rows are the frame's from start)
            mine = objectives.slice(lo, hi - lo).with_columns((pl.col("_frow") - start).cast(pl.UInt32).alias("_row"))
        for card in rs.scorecards:
            rows = part.filter(pl.col("scorecard") == card.key)
            if rows.height:
                ranked = None
                if rankings is not None:  # the chunk's rows of the whole ranking (sorted by row), numbered in the chunk
                    whole = rankings[card.key]
                    lo, hi = whole["_row"].search_sorted(pl.Series([start, start + part.height], dtype=pl.UInt32),
                                                         "left").to_list()
                    ranked = whole.slice(lo, hi - lo).with_columns((pl.col("_row") - start).cast(pl.UInt32))
                parts.append(_card_texts(ev, card, rows, mine, styles, ranked, rows.height == part.height))
        out = pl.concat(parts) if parts else pl.DataFrame(schema={"_row": pl.UInt32, **dict.fromkeys(names, pl.Utf8)})
        if out.height != part.height or not out["_row"].is_sorted():  # several scorecards, or rows without one
            out = part.select("_row").join(out, on="_row", how="left").sort("_row")
        # the indented entries without the separator they were made after (the same bytes, a view)
        texts = [out[n].str.slice(len(ENTRY_SEP)) if st.indented else out[n] for n, st in zip(names, styles,
                                                                                            strict=True)]
        plain = (part["override.applied"].fill_null(False) if "override.applied" in part.columns
                 else pl.Series([False] * part.height))
        for x in texts:
            plain = plain | x.is_null()
        if plain.any():  # an override's record (reason, approver, date), a scorecard the frame did not name
            idx = plain.arg_true()
            fixed = _plain_texts(ev, [start + i for i in idx.to_list()], styles, docs)
            texts = [x.scatter(idx, f) for x, f in zip(texts, fixed, strict=True)]
        yield [x.alias("entry") for x in texts]


def _objective_rows(ev: Evaluation):
    """The objectives frame with progress and each ``score@`` rounded as the document rounds them."""
    from appraise.export.document import _R4

    if ev.objectives is None:
        return None
    scores = [c for c in ev.objectives.columns if c.startswith("score@")]
    return half_up(ev.objectives.with_row_index("_o"), [("progress", "progress" + _R4), *((c, c) for c in scores)], 4)


def _card_texts(ev: Evaluation, card, rows, objectives, styles: tuple[_Style, ...] = (INDENTED,), ranked=None,
                whole: bool = False):
    """(``_row``, then one text column per style of ``styles``: ``entry`` indented, ``compact``) of one
    scorecard's employees.  ``ranked``: :func:`~appraise.export.columns.lost_ranking` of ``rows`` (with the
    rounded copies), when the caller has it; ``whole``: ``rows`` are all of ``objectives``' rows (none to leave
    out)."""
    pl = _pl()
    from appraise.export.document import _R4, r4

    rs = ev.ruleset
    E = EMPLOYEE_INDENT
    K = E + "  "       # the employee's keys
    D = K + "  "       # dimensions' and kpis' keys
    F = D + "  "       # a dimension's or KPI's fields
    G = F + "  "       # inside a dimension's field (sources, raters, periods, objectives)

    def tag(st: _Style) -> str:  # the suffix of what is made per style
        return "" if st.indented else "~c"

    # lost points in rank order, the focus areas the first of them
    if ranked is None:
        ranked = lost_ranking(rows, card, _R4)
    if ranked.height:
        r4col = rows.select("_row", *[pl.col(c) for c in rows.columns if c.endswith(_R4)])
        long = ranked.with_columns(pl.lit(None, pl.Float64).alias("r4"))  # a card without lost.* columns
        # the rounded copy of each item's lost points (lost.<key>~r4): unpivoted with them, else looked up by row
        # and key
        cols = [c for c in r4col.columns if c != "_row"]
        if _R4 in ranked.columns:
            long = ranked.rename({_R4: "r4"})
        elif cols:
            vals = r4col.unpivot(index="_row", on=cols, variable_name="key", value_name="r4").with_columns(
                pl.col("key").str.slice(5, None).str.strip_suffix(_R4))
            long = ranked.join(vals, on=["_row", "key"], how="left", maintain_order="left")
        # the keys as JSON writes them: between quotes where none of the card's has a character to escape
        q = '"' if all(encode_basestring(c[5:]) == f'"{c[5:]}"' for c in rows.columns if c.startswith("lost.")) \
            else ""
        long = long.with_columns(pl.Series("kt", long["key"] if q else json_text_of_few(long["key"])),
                                 pl.Series("vt", _or_null(float_text(long["r4"]))))
        # each row's items and focus areas (the first of them) as lists, then joined in each style (polars joins
        # lists far faster than it joins text in a group_by)
        lists = long.select("_row", "kt", formatted(_Parts([q, pl.col("kt"), q + ": ", pl.col("vt")])).alias(
            "item")).group_by("_row", maintain_order=True).agg(
            "item", pl.col("kt").head(rs.plan.max_focus_areas).alias("focus"))
        # each list's whole text, brackets and all; a row without any (not grouped at all): ``{}`` and ``[]``
        texts = lists.select("_row", *(x for st in styles for x in (
            formatted(_Parts(["{" + st.nl(D), pl.col("item").list.join(st.sep(D)), st.nl(K) + "}"]))
            .alias("_lost" + tag(st)),
            # no focus areas (max_focus_areas 0): as a row not grouped at all
            pl.when(pl.col("focus").list.len() > 0).then(
                formatted(_Parts(["[" + st.nl(D) + q, pl.col("focus").list.join(q + st.sep(D) + q),
                                  q + st.nl(K) + "]"])))
            .alias("_focus" + tag(st)))))
        rows = rows.join(texts, on="_row", how="left", maintain_order="left")
        for name, empty in (("_lost", "{}"), ("_focus", "[]")):  # rows without lost points or focus areas
            if any(rows[name + tag(st)].null_count() for st in styles):
                rows = rows.with_columns(pl.col(name + tag(st)).fill_null(_lit(empty)) for st in styles)
    else:
        rows = rows.with_columns(*(_lit(empty).alias(name + tag(st)) for st in styles
                                   for name, empty in (("_lost", "{}"), ("_focus", "[]"))))

    # objectives of the employee, per aspirational threshold of the OKR dimensions
    okr_texts: dict[Any, str] = {}
    if objectives is not None and any(d.kind == "okr" for d in card.dimensions):
        # only these employees' objectives (of the chunk's, those of this scorecard)
        # (in the chunk's order: by row, then as listed)
        if not whole:
            objectives = objectives.filter(pl.col("_row").is_in(rows["_row"].implode()))
        for d in card.dimensions:
            if d.kind != "okr" or d.aspirational_threshold in okr_texts:
                continue
            scored = f"score@{d.aspirational_threshold}"
            o = objectives
            # the texts between quotes where none is null or has a character to escape
            plain = [c for c, yes in zip(("objective", "type"), o.select(
                ((pl.col(c).null_count() == 0) & ~pl.col(c).str.contains(_ESCAPED).any()) if o.schema[c] == pl.Utf8
                else pl.lit(False) for c in ("objective", "type")).row(0), strict=True) if yes] if o.height else []
            o = o.with_columns(pl.Series("_ot", o["objective"] if "objective" in plain else json_text(o["objective"])),
                               pl.Series("_tt", o["type"] if "type" in plain else json_text_of_few(o["type"])),
                               pl.Series("_pt", _or_null(float_text(o["progress" + _R4]))),
                               pl.Series("_st", _or_null(float_text(o[scored])) if scored in o.columns
                                         else pl.Series([None] * o.height, dtype=pl.Utf8).fill_null("null")))
            name = f"_okr{len(okr_texts)}"
            ot, tt = ((_Parts(['"', pl.col(col), '"']) if c in plain else pl.col(col))
                      for c, col in (("objective", "_ot"), ("type", "_tt")))
            # the key's whole text in the dimension, separator, key and brackets (the key follows the dimension's
            # weight and score: _Piece), null where the employee has no objectives (the key left out): the
            # employee's first objective made with what comes before the list, the last with what ends it (each
            # employee's are together, in order), so that the list joined is the whole text
            o = o.with_columns((pl.col("_row") != pl.col("_row").shift(1)).fill_null(True).alias("_first"),
                               (pl.col("_row") != pl.col("_row").shift(-1)).fill_null(True).alias("_last"))
            items = [_expr(_flat(
                pl.when(pl.col("_first")).then(_lit(st.sep(F) + '"objectives": [' + st.nl(G))).otherwise(_lit("")),
                _obj([("objective", ot), ("type", tt), ("progress", pl.col("_pt")), ("score", pl.col("_st"))], G, st),
                pl.when(pl.col("_last")).then(_lit(st.nl(F) + "]")).otherwise(_lit(""))))
                .alias("_item" + tag(st)) for st in styles]
            per = o.select("_row", *items).group_by("_row", maintain_order=True).agg(
                pl.col("_item" + tag(st)) for st in styles).select(
                "_row", *(pl.col("_item" + tag(st)).list.join(st.sep(G)).alias(name + tag(st)) for st in styles))
            rows = rows.join(per, on="_row", how="left", maintain_order="left")
            okr_texts[d.aspirational_threshold] = name
    t = _Texts(rows)

    adjustment_texts = [(a, {"id": a.id, "points": a.points if a.points != int(a.points) else int(a.points)})
                        for a in card.adjustments]
    plan_cols = [_truthy(f"outcome.{o.id}", rows) for o in rs.outcomes if o.plan]
    plan = pl.any_horizontal(plan_cols) if plan_cols else pl.lit(False)
    score2 = py_round(rows["score"].cast(pl.Float64), 2)
    share = None
    if rs.proration == "days":
        share = rows["employed_share"].to_list() if "employed_share" in rows.columns else [None] * rows.height

    def opt(present, text):
        """A key's (present, text) (:func:`_obj`): the text alone where the key is in every row, None in none."""
        present = present.fill_null(False)
        every, some = t.states(present)
        if every:
            return text
        return (present, text) if some else None

    def choose(cond, yes, no):
        """Text ``yes`` where ``cond``, else ``no``: one of them alone where the condition is the same in every row."""
        cond = cond.fill_null(False)
        every, some = t.states(cond)
        if every:
            return yes
        if not some:
            return no
        return t.after_texts(pl.when(cond).then(_expr(yes)).otherwise(_expr(no)))

    from appraise.export.files import _indented

    def adjustment(s: _Style, n: int) -> str:  # the n-th adjustment's object as the style writes it
        value = adjustment_texts[n][1]
        return _indented(value, D) if s.indented else json.dumps(value, ensure_ascii=False)

    # the lists of flags' ids: (id, flag column) each, the text of an id's item in a style
    flag_lists: dict[str, tuple[list[tuple[Any, str]], Any]] = {
        "rules": ([(r.id, f"rule.{r.id}") for r in rs.rules], None),
        "adjustments": ([(n, f"adj.{a.id}") for n, (a, _) in enumerate(adjustment_texts)], adjustment),
        "missing": ([(m, f"miss.{m}") for m in item_paths(card, ev.period)], None),
        "outcomes": ([(o.id, f"outcome.{o.id}") for o in rs.outcomes], None)}

    def flag_maker(name: str, s: _Style, shared: bool):
        """The text of list ``name`` in style ``s`` from the ids of the flags set (``shared``: (list, id) of every
        list's)."""
        item = flag_lists[name][1] or (lambda s, i: encode_basestring(i))

        def text(ids):
            if shared:
                ids = [i for n, i in ids if n == name]
            return "[" + s.nl(D) + s.sep(D).join(item(s, i) for i in ids) + s.nl(K) + "]" if ids else "[]"
        return text

    def span_maker(s: _Style):
        """The text from ``rules_fired``'s value to ``plan``'s in style ``s`` from the (list, id) of the flags set."""
        makers = [flag_maker(n, s, True) for n in flag_lists]

        def text(ids):
            rules, adjustments, missing, outcomes = (m(ids) for m in makers)
            planned = "true" if any(n == "§plan" for n, _ in ids) else "false"
            return (f'{rules}{s.sep(K)}"adjustments": {adjustments}{s.sep(K)}"missing": {missing}{s.sep(K)}'
                    f'"outcomes": {outcomes}{s.sep(K)}"plan": {planned}')
        return text

    def flag_list(name: str, st: _Style):
        """The list ``name`` of the flags set (at the employee's keys), in style ``st``."""
        key = f"§flags:{name}{tag(st)}"
        if key not in t.new:  # every list's text in every style at once: the rows' flags read and grouped once
            if SHARED_FLAGS:  # the four lists and plan, keys one after another in the entry: one text each style
                flags = [((n, i), _truthy(col, rows)) for n, (pairs, _) in flag_lists.items() for i, col in pairs
                         if col in rows.columns]
                plans = [f"outcome.{o.id}" for o in rs.outcomes if o.plan and f"outcome.{o.id}" in rows.columns]
                if plans:  # plan: any of them
                    flags.append((("§plan", 0), pl.any_horizontal(_truthy(c, rows) for c in plans)))
                made = flag_values(rows, flags, [span_maker(s) for s in styles], pl.Utf8)
                keys = [f"§flags:span{tag(s)}" for s in styles]
            else:
                made, keys = [], []
                for n, (pairs, _) in flag_lists.items():
                    flags = [(i, _truthy(col, rows)) for i, col in pairs if col in rows.columns]
                    made += [flag_values(rows, flags, flag_maker(n, s, False), pl.Utf8) for s in styles]
                    keys += [f"§flags:{n}{tag(s)}" for s in styles]
            for k, series in zip(keys, made, strict=True):
                t.series(k, lambda series=series: series)
        return pl.col(key)

    def entry(st: _Style):
        dims = []
        for d in card.dimensions:
            w_col, score_col, has_col = f"w.{d.key}", f"d.{d.key}.score", f"d.{d.key}.has_data"
            score = t.float(score_col)
            if has_col in rows.columns:
                no_score = ~pl.col(has_col).fill_null(True) & ~_truthy(w_col, rows)
                score = choose(no_score, "null", score)
            fields: list[tuple[str, Any]] = [("weight", t.float(w_col)), ("score", score)]
            if d.kind == "feedback360":
                assert d.feedback is not None
                sources = [(r, f"f.{d.key}.{r}.score", f"f.{d.key}.{r}.raters") for r, _ in d.feedback.sources]
                present = {r: (pl.col(sc).is_not_null() if sc in rows.columns else pl.lit(False))
                           for r, sc, _ in sources}
                fields.append(("sources", _obj([(r, opt(present[r], t.float(sc))) for r, sc, _ in sources], F, st)))
                fields.append(("raters", _obj([(r, opt(present[r], t.int(rc))) for r, _, rc in sources], F, st)))
                if "self" not in dict(d.feedback.sources):
                    sc = f"f.{d.key}.self.score"
                    if sc in rows.columns:
                        fields.append(("self", opt(pl.col(sc).is_not_null(), t.float(sc))))
            if d.kind == "periods" and ev.period is not None:
                assert d.periods is not None
                fields.append(("periods", _obj([(p.id, t.float(f"p.{d.key}.{p.id}"))
                                                for p, _ in d.periods.parts(ev.period)], F, st)))
            if d.kind == "okr" and d.aspirational_threshold in okr_texts:
                name = okr_texts[d.aspirational_threshold]
                fields.append(("objectives", _Piece(pl.col(name + tag(st)))))
            dims.append((d.key, _obj(fields, D, st)))

        kpis = []
        for d in card.dimensions:
            for k in d.kpis:
                kw, ruled = f"w.{k.path}", f"wr.{k.path}"
                dropped = (pl.col(ruled) == 0).fill_null(False)
                shown = _truthy(kw, rows) | dropped
                kpis.append((k.path, _obj([
                    ("actual", t.float(f"k.{k.path}.actual")), ("target", t.float(f"k.{k.path}.target")),
                    ("attainment", t.float(f"k.{k.path}.attainment")),
                    ("score", choose(shown, t.float(f"k.{k.path}.score"), "null")),
                    ("weight", t.float(kw)), ("dropped_by_rule", opt(dropped, "true"))], D, st)))

        fields = [
            ("id", t.text("id")), ("name", t.text("name")), ("scorecard", encode_basestring(card.key)),
            ("score", t.series("§score", lambda: float_text(score2))),
            ("grade", t.text("grade")), ("grade_uncalibrated", t.text("grade_uncalibrated")),
            ("bonus", t.quoted("§bonus", lambda: money_strings(rows["bonus"], rs)) if "bonus" in rows.columns
             else "null"),
            # (SHARED_FLAGS: rules_fired's value the text of the five keys, up to plan's value)
            *([("rules_fired", flag_list("span", st))] if SHARED_FLAGS else [
                ("rules_fired", flag_list("rules", st)), ("adjustments", flag_list("adjustments", st)),
                ("missing", flag_list("missing", st)), ("outcomes", flag_list("outcomes", st)),
                ("plan", choose(plan, "true", "false"))]),
            ("focus_areas", pl.col("_focus" + tag(st))),
            ("lost_points", pl.col("_lost" + tag(st))),
            ("dimensions", _obj(dims, K, st)),
            ("kpis", _obj(kpis, K, st)),
            ("tenure_months", t.series("§tenure", lambda: _ints(rows, "tenure_months"))),
        ]
        if share is not None:
            fields.append(("employed_share", t.series("§share", lambda: float_text(
                pl.Series([r4(v) for v in share], dtype=pl.Float64)).fill_null("null"))))
        if rs.calibration:
            cohort = _cohort_column(rows, rs.calibration.cohort)
            fields.append(("calibration", _obj([
                ("cohort", t.text(cohort) if cohort else "null"), ("cohort_size", t.int("cohort_size")),
                ("applied", choose(_truthy("calibrated", rows), "true", "false"))],
                K, st)))
        if rs.bonus:
            def plain(col):
                if col not in rows.columns:
                    return "null"
                return t.quoted(f"§p:{col}", lambda: plain_strings(rows[col]))

            detail = [("target", plain(f"money.{rs.bonus.target}")), ("attainment", t.float("bonus.attainment")),
                      ("tiers_reached", t.int("bonus.tiers_reached")), ("tier_pay", plain("bonus.tier_pay")),
                      ("multiplier", plain("bonus.multiplier")), ("excess", plain("bonus.excess")),
                      ("uncapped", plain("bonus.uncapped")), ("cap", plain("bonus.cap"))]
            if rs.bonus.target_period != "cycle" or rs.proration == "days":
                detail.append(("target_cycle", plain("bonus.target_cycle")))
            fields.append(("bonus_detail", _obj(detail, K, st)))
        body = _obj(fields, E, st)
        assert isinstance(body, _Parts)  # an employee has keys in every row
        return _expr(_Parts([ENTRY_SEP, *body]) if st.indented else body).alias(
            "entry" if st.indented else "compact")

    texts = [entry(st) for st in styles]
    return t.done().lazy().select("_row", *texts).collect()


def _ints(rows, col: str, fast_ints: bool = True):
    """``int(v)`` of a column as text (None: ``null``).  ``fast_ints=False``: a Float64 column by Python too (the
    plain twin the tests compare with)."""
    pl = _pl()
    if col not in rows.columns:
        return pl.Series([None] * rows.height, dtype=pl.Utf8).fill_null("null")
    s = rows[col]
    if s.dtype.is_integer():
        return _or_null(s.cast(pl.Utf8))
    if fast_ints and s.dtype == pl.Float64 and bool(
            pl.select(((pl.lit(s).abs() < 2.0 ** 62) | pl.lit(s).is_null()).all()).item()):
        # finite and within Int64: polars' cast truncates toward zero as int() does (-0.0 -> 0), exactly (a double
        # this large is a whole number already); NaN, infinities and larger values (int() raises or is wider)
        # take Python's way below
        return _or_null(s.cast(pl.Int64).cast(pl.Utf8))
    return pl.Series([None if v is None else str(int(v)) for v in s.to_list()], dtype=pl.Utf8).fill_null("null")
