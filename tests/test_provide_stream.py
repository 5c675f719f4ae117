"""A big CSV file read without being loaded whole (plugins/_tabular.py, STREAM_BYTES: polars parses the file while a
thread reads it a slice at a time for its sha256 and bytes) gives what the plain read gives (issue 17).

Generated files, each read both ways with tiny slices (so every byte looked for may straddle two): the same sheet
(rows, column numbers, line numbers, sha256, its ASCII and plain-number marks) or the same located errors; files
the streamed read must leave to the plain one (a quote, a carriage return, other text, a short row) are left to it.
"""
from __future__ import annotations

import hashlib
import random

import polars as pl
from polars.testing import assert_frame_equal

from appraise.errors import InvalidInput
from appraise.hookspecs import SourceSpec
from appraise.plugins import _tabular

ODD = ["", " 7", "x", "é", '"q,r"', "a\tb", "\x0b", "1e400", "NaN"]


def _csv(rng: random.Random) -> str:
    rows = ["employee,month,a,b"]
    for _ in range(rng.randint(1, 12)):
        cells = [f"E{rng.randint(1, 5)}", f"2026-0{rng.randint(6, 9)}", str(rng.randint(0, 9)),
                 f"{rng.random():.3f}"]
        if rng.random() < 0.15:
            cells[rng.randrange(4)] = rng.choice(ODD)
        if rng.random() < 0.05:
            cells = cells[:rng.randint(1, 3)]  # a short row
        rows.append(",".join(cells))
        if rng.random() < 0.03:
            rows.append("")  # a blank line
    end = rng.choice(["\n", "\n", "\n", "\r\n"])
    return end.join(rows) + (end if rng.random() < 0.8 else "")


def _read(spec, numbers):
    try:
        return _tabular.read_csv(spec, numbers=numbers)
    except InvalidInput as exc:
        return [(d.file, d.line, d.col, d.message, d.code) for d in exc.diagnostics]


def test_a_big_file_read_a_slice_at_a_time_gives_what_the_file_read_whole_gives(tmp_path, monkeypatch):
    rng = random.Random(17)
    streamed = []
    real = _tabular._read_csv_streamed

    def counted(*args):
        sheet = real(*args)
        streamed.append(sheet is not None)
        return sheet

    monkeypatch.setattr(_tabular, "_read_csv_streamed", counted)
    monkeypatch.setattr(_tabular, "_STREAM_SLICE", 7)
    monkeypatch.setattr(_tabular, "_STREAM_HEAD", 24)
    for k in range(60):
        text = _csv(rng)
        path = tmp_path / f"m{k}.csv"
        path.write_bytes(text.encode("utf-8"))
        spec = SourceSpec("csv", "metrics", path, base_dir=tmp_path)
        numbers = ["a", "b"] if k % 2 else []
        monkeypatch.setattr(_tabular, "STREAM_BYTES", 0)
        plain = _read(spec, numbers)
        monkeypatch.setattr(_tabular, "STREAM_BYTES", 1)
        got = _read(spec, numbers)
        if isinstance(plain, list):
            assert got == plain, text
            continue
        assert not isinstance(got, list), text
        assert_frame_equal(got.frame, plain.frame)
        assert (got.file, got.columns, got.header_line, got.ascii, got.plain) == \
            (plain.file, plain.columns, plain.header_line, plain.ascii, plain.plain), text
        assert got.sha256 == plain.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert [got.lines(r) for r in range(got.frame.height + 2)] == \
            [plain.lines(r) for r in range(plain.frame.height + 2)], text
        if streamed[-1]:  # what the streamed read may take: ASCII, no quote, no carriage return
            assert text.isascii() and '"' not in text and "\r" not in text
    assert sum(streamed) >= 20  # most files were read the streamed way
    assert not all(streamed)  # and some were left to the plain read


def test_a_file_that_changes_while_read_is_read_again_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.csv"
    path.write_bytes(b"employee,month,a\nE1,2026-07,1\nE2,2026-07,2\n")
    spec = SourceSpec("csv", "metrics", path, base_dir=tmp_path)
    monkeypatch.setattr(_tabular, "STREAM_BYTES", 1)
    real = _tabular._Scan.result

    def changed(self):
        out = real(self)
        path.write_bytes(b"employee,month,a\nE1,2026-07,1\nE2,2026-07,2\nE3,2026-07,30\n")
        return out

    monkeypatch.setattr(_tabular._Scan, "result", changed)
    assert _tabular._read_csv_streamed(spec, {}, None, ["a"]) is None
    monkeypatch.setattr(_tabular, "STREAM_BYTES", 0)
    sheet = _tabular.read_csv(spec, numbers=["a"])  # (the plain read: the file as it is now, rows and hash as one)
    assert sheet.frame["a"].to_list() == [1.0, 2.0, 30.0]
    assert sheet.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pl.Series([1, 2, 3]).to_list() == sheet.frame["_row"].to_list()
