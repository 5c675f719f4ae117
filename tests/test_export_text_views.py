"""Issue 17: results.json and results.csv are written from the buffers polars made their text in
(:func:`appraise.export.files.text_views`); the bytes must be exactly ``sep`` before each value, the values one after
the other, whichever way polars laid them out (views of its buffers, or the plain path's one copy)."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.export import files
from appraise.export.files import text_views

SEPS = [b"", b",\n    ", b"--"]


def _expected(s, sep: bytes) -> bytes:
    return b"".join(sep + v.encode("utf-8") for v in s.to_list() if v is not None)


def _got(s, sep: bytes) -> bytes:
    return b"".join(bytes(m) for m in text_views(s, sep))


def _after(values, sep: str):
    """The values made after ``sep`` by polars and sliced off it, as results.json's entries are."""
    return pl.select(pl.lit(sep) + pl.Series("v", values, dtype=pl.Utf8)).to_series().str.slice(len(sep))


def test_laid_out_text_is_written_from_polars_buffers(monkeypatch):
    """Values made after their separator (long enough to live in polars' buffers) are written as views: the plain
    path, which copies, is not taken; the bytes are the values after their separators."""
    values = [f'{{"id": "E{i:05d}", "name": "名字 {i}"}}' + "x" * (i % 50) for i in range(3000)]
    s = _after(values, ",\n    ")
    expected = _expected(s, b",\n    ")

    def copied(_s):
        raise AssertionError("copied")

    monkeypatch.setattr(files, "text_bytes", copied)
    assert _got(s, b",\n    ") == expected
    assert _got(s[100:2000], b",\n    ") == _expected(s[100:2000], b",\n    ")
    assert _got(s.gather([5, 3, 1, 2999]), b",\n    ") == _expected(s.gather([5, 3, 1, 2999]), b",\n    ")
    made = pl.select(pl.lit("<") + pl.Series(values) + pl.lit(">\r\n")).to_series()  # results.csv's lines
    assert _got(made, b"") == _expected(made, b"")


@pytest.mark.parametrize("sep", SEPS)
def test_text_not_laid_out_so_is_copied_right(sep):
    long = [f"value number {i} with some text" for i in range(40)]
    cases = [
        pl.Series(["ab", None, "ç", "", "d\n"] * 3),  # short values live in polars' views, nulls add nothing
        pl.Series(long),  # no separator before the values
        _after(long, "XX" + sep.decode()),  # another text before them
        _after(long, sep.decode())[:0],
        pl.concat([_after(long, sep.decode()), _after(long[:3], sep.decode())], rechunk=False),
        _after(long, sep.decode()).scatter([3, 7], pl.Series(["replaced by another value here", "and here too.."])),
        pl.Series([None] * 3, dtype=pl.Utf8),
    ]
    for s in cases:
        assert _got(s, sep) == _expected(s, sep)


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=40), sep=st.sampled_from(SEPS),
       how=st.sampled_from(["plain", "after", "after-reversed", "after-slice", "pieces"]), long=st.booleans())
def test_text_views_are_the_values_after_their_separators(values, sep, how, long):
    if long:  # each value in polars' buffers (a short one lives in its view)
        values = [None if v is None else "a value longer than 12 bytes: " + v for v in values]
    s = pl.Series("v", values, dtype=pl.Utf8)
    if how != "plain":
        s = _after(values, sep.decode())
    if how == "after-reversed":
        s = s.reverse()
    elif how == "after-slice":
        s = s.slice(len(values) // 3, len(values) // 2)
    elif how == "pieces":
        s = pl.concat([s, _after(values[::2], sep.decode())], rechunk=False)
    assert _got(s, sep) == _expected(s, sep)
