"""The canonical tables that providers hand to the engine.

Every provider, built-in or third-party, returns its data in one of these
shapes (polars DataFrames); the engine never sees a file format.  Column names
are fixed; extra columns are kept where noted.

``employees``
    ``id`` (str, unique), ``name`` (str), ``hire_date``/``leave_date``
    (str ``YYYY-MM-DD`` or null), ``locale`` (optional str) and one column per
    attribute the ruleset declares.  Money attributes are kept as *strings* so
    they reach :mod:`decimal` exactly.
``metrics`` (monthly rows)
    ``employee`` (str), ``month`` (str ``YYYY-MM``) and one Float64 column per
    raw metric.  At most one row per (employee, month); nulls are missing.
``aggregated`` (optional; period totals computed by the source, e.g. in SQL)
    ``employee`` and one Float64 column per raw metric, one row per employee.
``feedback``
    ``employee``, ``rater``, ``relation`` (str), ``rating`` (Float64), and
    optionally ``competency`` and ``period`` (str; rows outside the cycle are
    ignored).
``okrs``
    ``employee``, ``objective`` (str), ``objective_index`` (Int64, order in the
    file), ``type`` (``committed`` | ``aspirational``), ``key_result`` (str),
    ``start``, ``target``, ``current``, ``weight`` (Float64).
``previous``
    ``employee`` and the previous period's ``grade``, ``grade_uncalibrated``,
    ``score``, ``bonus``, ``scorecard`` (under the same ruleset id).
``subperiods`` (for ``periods:`` dimensions)
    ``employee``, ``ruleset`` (id), ``period`` (id), ``score``: the reported
    scores of the stored current runs of shorter periods.
``paid`` (for ``bonus.net_of``)
    ``employee``, ``ruleset``, ``period``, ``bonus`` (decimal string or null):
    what those runs paid.
``draws``, ``year_paid`` (for an incentive plan's draw and year to date, README "Incentive plans")
    ``employee``, ``period``, ``balance`` (decimal string): each employee's draw balance carried in, the
    latest closing balance of the ruleset's earlier periods; ``employee``, ``period``, ``bonus``: what the
    ruleset's current runs of the year's earlier periods paid.
``hierarchy`` (for team roll-ups; optional)
    ``id``, ``hire_date``, ``leave_date`` and the manager column(s) of every row of the
    employee table, people skipped under ``on_error: skip-employee`` included (their
    managers' roll-ups are then missing).  Absent: read from ``employees``.
``deals``, ``credits`` (split credit, as providers return them)
    ``deal``, ``month`` and metric columns; ``deal``, ``employee``, ``share``.  The provide
    stage turns them into monthly metric rows and leaves them out of what the engine reads.
``splits`` (split credit; for explanations only)
    ``employee``, ``deal``, ``month``, ``metric``, ``amount``, ``share``, ``credited``
    (decimal strings): each seller's part of each deal, already in the metric rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# An amount written with thousands separators, '20,000' or '-1,234.50': the only place a comma may stand in a
# number ('12.375,00' or '1,2,3' are refused, never guessed at)
# Numbers at or above this magnitude are refused where they are read: float64 keeps cents exact only
# below ~10^13 and the bonus stage's decimals hold 28 integer digits; no real KPI comes near it.
LARGEST = 1e15
THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"

# What polars' str.strip_chars() trims: the Unicode White_Space characters (Rust's char::is_whitespace), all 25
WHITESPACE = ("\t", "\n", "\x0b", "\x0c", "\r", " ", "\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200b)),
              "\u2028", "\u2029", "\u202f", "\u205f", "\u3000")


def untrimmed(frame, columns) -> list:
    """The text ``columns`` of ``frame`` that trimming (``strip_chars``, then empty text as null) could change: those
    holding a whitespace character or an empty cell.  Looking costs less than trimming, which copies the column."""
    import polars as pl

    if not columns or not frame.height:
        return []
    marks = frame.select([(pl.col(c).str.contains_any(list(WHITESPACE)) | (pl.col(c).str.len_bytes() == 0))
                          .any().alias(c) for c in columns]).row(0)
    return [c for c, mark in zip(columns, marks, strict=True) if mark]


def string_view_layout(arr):
    """Where the values of an Arrow ``string_view`` array (what polars keeps a String column in) lie, when every
    one lies in a data buffer — no null, none of 12 bytes or fewer (those polars keeps in the view itself):
    ``(lengths, buffer indexes, offsets, data buffers)``, the first three numpy int32 arrays, one entry a value.
    None for another array.  (The results' entries handed on as views of polars' bytes: results.json's text,
    :func:`appraise.export.files.text_views`, and the store's, ``appraise.store.database``.)"""
    import numpy as np

    if str(arr.type) != "string_view" or arr.null_count or len(arr) == 0:
        return None
    bufs = arr.buffers()  # validity, views (length, prefix, buffer, offset), the data buffers
    views = np.frombuffer(bufs[1], dtype=np.int32).reshape(-1, 4)[arr.offset:arr.offset + len(arr)]
    if int(views[:, 0].min()) <= 12:
        return None
    return views[:, 0], views[:, 2], views[:, 3], bufs[2:]


# A provider whose text cells are already trimmed, with empty ones null (the built-in file readers), may say so by
# setting this attribute of the frame it returns to True; the provide stage then does not trim them again.  Any
# frame made from it afterwards (a filter, a new column) is a new object without the mark: only ever slower.
TEXT_CLEAN = "_appraise_text_clean"
# Likewise, a provider whose text cells are all ASCII (a CSV file of ASCII bytes) may say so with this attribute: the
# stage then knows Unicode normalisation (NFC) would change no id, without looking at every cell.
TEXT_ASCII = "_appraise_text_ascii"
# And the Float64 columns whose every value is a plain number (finite, below LARGEST in size, 0 or a normal float),
# as a frozenset of their names: the stage need not look for a value to refuse in them (the CSV reader parses the
# numbers of the columns the stage casts, and checks them so).
NUMBERS_PLAIN = "_appraise_numbers_plain"

# The columns of the canonical tables, in their order (the modules of appraise.provide build the tables with them)
EMPLOYEE_REQUIRED = ("id", "name")
EMPLOYEE_OPTIONAL = ("hire_date", "leave_date", "locale")  # added as null columns when a source has none
EMPLOYEE_BUILTIN = EMPLOYEE_REQUIRED + EMPLOYEE_OPTIONAL
METRIC_KEYS = ("employee", "month")
FEEDBACK_COLUMNS = ("employee", "rater", "relation", "rating")
OKR_COLUMNS = ("employee", "objective", "objective_index", "type", "key_result", "start", "target", "current", "weight")
PREVIOUS_COLUMNS = ("employee", "grade", "grade_uncalibrated", "score", "bonus", "scorecard")


@dataclass
class Inputs:
    """Everything one cycle's evaluation reads.  Any table may be ``None`` (no such source)."""

    employees: Any
    metrics: Any = None
    aggregated: Any = None
    feedback: Any = None
    okrs: Any = None
    previous: Any = None
    subperiods: Any = None
    paid: Any = None
    draws: Any = None      # incentive plans: the draw balance carried in (appraise.store.draws)
    year_paid: Any = None  # incentive plans: what the year's earlier periods paid
    hierarchy: Any = None  # team roll-ups: id, hire_date, leave_date and the manager column(s) of every employee row
    deals: Any = None  # split credit, as a provider returns it: deal, month, <metric>...
    credits: Any = None  # split credit, as a provider returns it: deal, employee, share
    splits: Any = None  # split credit: each seller's part of each deal (provide/credits.py), for explanations
    stored: dict = field(default_factory=dict)  # (ruleset id, period) -> its stored run id (None: no run stored)
    known_rulesets: tuple | None = None  # the ruleset ids the store has runs of (None: not known)
    overrides: list = field(default_factory=list)  # appraise.language.overrides.Override, applied after calibration
    sources: dict = field(default_factory=dict)  # source label -> sha256, for the manifest


def empty_frames():
    """Empty tables of the canonical schemas (for sources that are absent)."""
    import polars as pl

    return {
        "metrics": pl.DataFrame(schema={"employee": pl.Utf8, "month": pl.Utf8}),
        "feedback": pl.DataFrame(schema={"employee": pl.Utf8, "rater": pl.Utf8, "relation": pl.Utf8,
                                         "rating": pl.Float64, "competency": pl.Utf8, "period": pl.Utf8}),
        "okrs": pl.DataFrame(schema={"employee": pl.Utf8, "objective": pl.Utf8, "objective_index": pl.Int64,
                                     "type": pl.Utf8, "key_result": pl.Utf8, "start": pl.Float64,
                                     "target": pl.Float64, "current": pl.Float64, "weight": pl.Float64}),
        "previous": pl.DataFrame(schema={"employee": pl.Utf8, "grade": pl.Utf8, "grade_uncalibrated": pl.Utf8,
                                         "score": pl.Float64, "bonus": pl.Utf8, "scorecard": pl.Utf8}),
    }
