"""Issue 17, the entries' texts with fewer passes (branch wjs): each fast path beside its plain twin on values
picked to fall on either side of it — lost points ranked by numpy or by one polars sort; a number column of one
value written as a literal (not for 0.0 / -0.0, NaN, a null); a text column between literal quotes only where
nothing needs escaping; an object whose keys are all optional; a condition the same in every row left out.
The whole entries are compared with the documents' by tests/test_export_columns.py and tests/test_export_shared.py."""
from __future__ import annotations

import json
from json.encoder import encode_basestring
from types import SimpleNamespace

import polars as pl

from appraise.export import columns
from appraise.export.json_columns import COMPACT, INDENTED, _expr, _obj, _Texts

NAN, INF = float("nan"), float("inf")


def _card(*keys: str):
    """A scorecard of one dimension ("d", kind kpis) whose KPIs have these ids (lost points keyed by them)."""
    kpis = [SimpleNamespace(key=k, path=f"d.{k}") for k in keys]
    return SimpleNamespace(dimensions=[SimpleNamespace(kind="kpis", key="d", kpis=kpis)])


def test_lost_ranking_by_numpy_equals_one_polars_sort():
    """Ties after rounding to 9 decimals (by key, the keys listed out of order), NaN, None, infinity, values at and
    around 1e-12, negatives, a row with nothing lost, the rounded copies (one null) carried along."""
    card = _card("zeta", "alpha", "mid", "b")
    frame = pl.DataFrame({
        "_row": pl.Series([3, 4, 7, 9, 11], dtype=pl.UInt32),
        "lost.zeta": [1.0000000001, NAN, 5.0, None, 1e-12],
        "lost.alpha": [1.0000000002, 2.0, INF, None, 1.0000001e-12],
        "lost.mid": [0.5, -1.0, 5.0, None, 2e-12],
        "lost.b": [1.0, 2.0, 4.9999999999, 0.0, -0.0],
        "lost.zeta~r4": [1.0, None, 5.0, None, 0.0],
        "lost.alpha~r4": [1.0, 2.0, INF, None, 0.0],
        "lost.mid~r4": [0.5, -1.0, 5.0, None, 0.0],
        "lost.b~r4": [1.0, 2.0, 5.0, 0.0, 0.0],
    })
    nothing = frame.head(0).vstack(pl.DataFrame({"_row": pl.Series([0], dtype=pl.UInt32), **{
        c: [None if c.startswith("lost.z") else 0.0] for c in frame.columns if c != "_row"}}, schema=frame.schema))
    was = columns.FAST_RANKING
    try:
        for copy in (None, "~r4"):
            for rows in (nothing, frame):  # (nothing lost: no rows, the same columns)
                columns.FAST_RANKING = True
                fast = columns.lost_ranking(rows, card, copy)
                columns.FAST_RANKING = False
                plain = columns.lost_ranking(rows, card, copy)
                assert fast.equals(plain) and fast.schema == plain.schema
    finally:
        columns.FAST_RANKING = was
    # worked out by hand: round(v, 9) descending, ties by key; NaN, None, <= 1e-12 left out
    assert fast.select("_row", "key").rows() == [
        (3, "alpha"), (3, "b"), (3, "zeta"), (3, "mid"),  # 1.0 (alpha, b, zeta tie), 0.5
        (4, "alpha"), (4, "b"),
        (7, "alpha"), (7, "b"), (7, "mid"), (7, "zeta"),  # inf, then 5.0 three ways (4.9999999999 rounds to 5.0)
        (11, "alpha"), (11, "mid")]  # 2e-12 and 1.0000001e-12 both round to 0.0: by key
    assert fast["~r4"].to_list()[:4] == [1.0, 1.0, 1.0, 0.5]


def _texts_of(frame: pl.DataFrame, t: _Texts, texts: dict) -> dict[str, list[str]]:
    """Each text (an expression, a literal or parts) of ``texts`` over the frame's rows."""
    made = t.done()
    return {k: made.select(_expr(v).alias("x"))["x"].to_list() if not isinstance(v, str) else [v] * frame.height
            for k, v in texts.items()}


def test_number_columns_of_one_value_are_literals_written_as_json_does():
    values = {"fifty": [50.0] * 3, "tiny": [1e-5] * 3, "huge": [1e17] * 3, "zero": [0.0] * 3,
              "minus_zero": [-0.0] * 3, "zeros": [0.0, -0.0, 0.0], "nan": [NAN] * 3, "some_null": [2.0, None, 2.0],
              "inf": [INF] * 3, "two": [1.5, 1.5, 2.5], "nan_and_one": [1.0, NAN, 1.0]}
    frame = pl.DataFrame(values, schema=dict.fromkeys(values, pl.Float64))
    t = _Texts(frame)
    texts = {c: t.float(c) for c in values}
    literal = {c for c, v in texts.items() if isinstance(v, str)}
    assert literal == {"fifty", "tiny", "huge", "inf"}
    got = _texts_of(frame, t, texts)
    for c, column in values.items():
        assert got[c] == ["null" if v is None else json.dumps(v) for v in column], c


def test_text_columns_quoted_as_literals_only_where_nothing_needs_escaping():
    values = {"plain": ["a", "郭婷", "x y"], "quote": ["a", 'b"c', "d"], "ctl": ["a", "b\x01", "\u2028"],
              "null": ["a", None, "c"], "back": ["\\", "b", "c"]}
    frame = pl.DataFrame(values)
    t = _Texts(frame)
    texts = {c: t.text(c) for c in values}
    assert {c for c, v in texts.items() if isinstance(v, list)} == {"plain"}  # (_Parts: the quotes literals)
    got = _texts_of(frame, t, texts)
    for c, column in values.items():
        assert got[c] == ["null" if v is None else encode_basestring(v) for v in column], c


def test_objects_of_optional_keys_and_conditions_the_same_in_every_row():
    """_obj of keys each present where a condition holds (none, some, all), beside one always present, in both
    layouts, equals json.dumps of the dicts; a condition true or false in every row leaves the key as text or out."""
    flags = [(False, False, False), (True, False, False), (False, True, True), (True, True, True), (False, False, True)]
    frame = pl.DataFrame({"a": [f[0] for f in flags], "b": [f[1] for f in flags], "c": [f[2] for f in flags],
                          "v": ["1", "2.5", "null", "-3", "4"]})
    t = _Texts(frame)
    every, some = t.states(pl.col("a") | pl.col("b") | pl.col("c") | True)
    assert (every, some) == (True, True) and t.states(pl.col("a") & pl.col("b") & ~pl.col("c")) == (False, False)
    rows = frame.rows(named=True)
    for st, dump in ((INDENTED, lambda d: json.dumps(d, indent=2, ensure_ascii=False).replace("\n", "\n  ")),
                     (COMPACT, lambda d: json.dumps(d, ensure_ascii=False))):
        optional = [(k, (pl.col(k), pl.col("v"))) for k in "abc"]
        for pairs, make in (
                (optional, lambda r: {k: json.loads(r["v"]) for k in "abc" if r[k]}),
                ([("first", "0"), *optional], lambda r: {"first": 0, **{k: json.loads(r["v"]) for k in "abc" if r[k]}}),
                ([*optional[:1], ("x", "7"), *optional[1:]],
                 lambda r: {**({"a": json.loads(r["v"])} if r["a"] else {}), "x": 7,
                            **{k: json.loads(r["v"]) for k in "bc" if r[k]}})):
            got = frame.select(_expr(_obj(pairs, "  ", st)).alias("x"))["x"].to_list()
            want = [dump(make(r)) for r in rows]
            assert [json.loads(g) for g in got] == [json.loads(w) for w in want]
            assert got == want
