"""results.xlsx's row writer (appraise.export.xlsx_columns): its shortcuts (a text column's distinct values made
into cells once, a number column's shape, list columns labelled once per distinct list, the
widths from the distinct texts) write the same bytes as the plain path, which makes every cell of every row; on
values chosen to break them: -0.0 beside 0.0, whole numbers at and past 10^15, tiny and huge doubles, nulls, text
with control characters, markup, formula starts and spaces (ASCII and not) at either end, empty lists and none."""
from __future__ import annotations

import random
import zlib

import polars as pl
import pytest

from appraise.export import xlsx_columns as xc
from appraise.export.xlsx_columns import Column

ODD_TEXTS = ["=SUM(A1)", "+1", "-2", "@x", "\tTab", " lead", "trail ", "\u3000wide space", "nbsp\u00a0", "line\n",
             "ctrl\x01\x1f", "lit _x0041_ eral", "a & b < c > d", "<r><t>x</t></r>", "", "赵磊 😀", "plain"]
NUMBERS = [0.0, -0.0, 1.0, -3.0, 50.0, 0.95, 1e-05, 1e-07, 5e-324, 123456789012345.0, 1e15, -1e15, 1e16, 2.0 ** 53,
           1e21, 86.4412, -0.5, 0.1 + 0.2, None]


def _frame(rows: int, seed: int) -> tuple[pl.DataFrame, list[Column]]:
    rnd = random.Random(seed)
    data = {
        "id": [f"E{i:05d}" for i in range(rows)],  # all distinct
        "name": [rnd.choice(ODD_TEXTS) + str(i % 3) for i in range(rows)],  # many distinct
        "grade": [rnd.choice(["A", "B", " C", None, "=D"]) for _ in range(rows)],  # few, with odd ones
        "note": [rnd.choice(ODD_TEXTS + [None]) for _ in range(rows)],  # few, every odd kind
        "weight": [rnd.choice([50.0, 30.0, 20.0]) for _ in range(rows)],  # few, whole
        "target": [rnd.choice([0.95, 0.3, None]) for _ in range(rows)],  # few, fractions
        "mixed": [rnd.choice(NUMBERS) for _ in range(rows)],  # few, every kind, -0.0 among them
        "whole": [float(rnd.randrange(-10 ** 6, 10 ** 6)) for _ in range(rows)],  # many, whole
        "signed": [rnd.choice([float(rnd.randrange(10 ** 6)), -0.0]) for _ in range(rows)],  # many, whole, -0.0
        "zeros": [rnd.choice([0.0, -0.0, 7.0]) for _ in range(rows)],  # few, whole, -0.0
        "big": [float(rnd.randrange(0, 10 ** 6)) * 1e11 for _ in range(rows)],  # whole, past 10^15 and 10^16
        "fraction": [rnd.choice([rnd.randrange(1, 10 ** 6) / 7, 1e-07, -1.5e-07, 5e-324, 0.1 + 0.2, 1e-05, None])
                     for _ in range(rows)],  # many, never whole, tiny ones among them
        "score": [rnd.choice([rnd.random() * 100, 100.0, None, -0.0]) for _ in range(rows)],  # many, mixed
        "count": [rnd.choice([1, 2, None]) for _ in range(rows)],  # integers
        "bonus": [rnd.choice(["41100", "0.10", "1234567890123456", None]) for _ in range(rows)],  # money text
        "nothing": pl.Series([None] * rows, dtype=pl.Float64),  # a KPI nobody has
    }
    frame = pl.DataFrame(data, schema_overrides={"count": pl.Int64})
    cols = [Column("id", "ID", "id", "text"), Column("name", "Name", "name", "text"),
            Column("grade", "Grade", "grade", "text"), Column("note", "Note", "note", "list"),
            Column("weight", "W", "weight", "weight"), Column("target", "T", "target", "pct"),
            Column("mixed", "M", "mixed", "num"), Column("whole", "Wh", "whole", "int"),
            Column("signed", "Sg", "signed", "int"), Column("zeros", "Z", "zeros", "int"),
            Column("big", "B", "big", "int"), Column("fraction", "F", "fraction", "num"),
            Column("score", "S", "score", "score1"), Column("count", "C", "count", "int"),
            Column("bonus", "$", "bonus", "money0"), Column("nothing", "-", "nothing", "num"),
            Column("absent", "?", "absent", "text")]
    return frame, cols


def _xml(rows, cols, fast: bool, chunk: int) -> tuple[bytes, list[float]]:
    from xlsxwriter.utility import xl_col_to_name

    styles = {c.fmt: 3 + i for i, c in enumerate(cols)}
    letters = [xl_col_to_name(j) for j in range(len(cols))]
    before = xc.FEW_TEXTS
    xc.FEW_TEXTS = fast
    try:
        texts = xc._distinct_texts(rows, cols)
        maps = {c: (u, xc.inline_texts(u)) for c, u in texts.items() if fast and len(u) * 4 <= rows.height}
        widths = xc._widths(rows, cols, None, texts if fast else None)  # type: ignore[arg-type]
        got = b"".join(bytes(v) for views, _ in xc._row_lines(rows, cols, styles, letters, chunk=chunk, maps=maps)
                       for v in views)
    finally:
        xc.FEW_TEXTS = before
    return got, widths


@pytest.mark.parametrize("rows, chunk", [(400, 64), (37, 1000)])
def test_fast_rows_are_the_plain_rows(rows, chunk):
    frame, cols = _frame(rows, seed=rows)
    fast, fast_widths = _xml(frame, cols, True, chunk)
    plain, plain_widths = _xml(frame, cols, False, chunk)
    assert fast == plain and fast_widths == plain_widths
    text = plain.decode("utf-8")
    assert text.count("<row ") == rows and text.startswith('<row r="3"><c r="A3" t="inlineStr"><is><t>E00000</t>')
    # the texts the plain path gives the shortcuts to copy (worked out here, not read from the code)
    assert '<v>-0</v>' in text and '<v>1e+16</v>' in text and '<v>0.00001</v>' in text and '<v>1e-7</v>' in text
    assert '<v>-1.5e-7</v>' in text and '<v>5e-324</v>' in text and '<v>0.30000000000000004</v>' in text
    assert text.count('"><v>-0</v>') >= 3 and '<c r="J3" s="' in text  # "signed", "zeros", "mixed"
    assert '<v>1000000000000000</v>' in text and '<v>50</v>' in text and '<v>0.95</v>' in text
    assert '<t xml:space="preserve">\u3000wide space</t>' in text and "<t>'=SUM(A1)</t>" in text
    assert "ctrl_x0001__x001F_" in text and "_x005F_x0041_" in text and "<t>&lt;r&gt;&lt;t&gt;x" in text


def test_number_shapes_keep_negative_zero_and_big_numbers_apart():
    frame = pl.DataFrame({"whole": [0.0, 7.0, -3.0], "signed": [0.0, -0.0, 1.0], "big": [1.0, 1e15, 2.0],
                          "fraction": [0.5, -1e-7, None], "mixed": [0.5, 2.0, None]})
    assert xc._number_shapes(frame, frame.columns) == {"whole": "whole", "signed": "mixed", "big": "mixed",
                                                       "fraction": "fraction", "mixed": "mixed"}


def test_edge_spaces_found_by_two_anchored_searches_as_by_one():
    """The text cell's ``xml:space="preserve"`` is decided by ``^\\s`` and ``\\s$`` searched apart: the same as the
    one search ``^\\s|\\s$`` it replaced, for every kind of space at either end or inside."""
    spaces = [" ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\u0085", "\x1c", "x"]
    texts = [a + "mid" + b for a in spaces for b in spaces] + ["", " ", "a b"]
    s = pl.Series(texts)
    one = s.str.contains(r"^\s|\s$")
    two = s.str.contains(r"^\s") | s.str.contains(r"\s$")
    assert one.to_list() == two.to_list()


def test_lists_labelled_once_per_distinct_list():
    rnd = random.Random(3)
    lists = [None, [], ["a"], ["b", "a"], ["a", "b"], ["zz", "a"], ["b"]]
    rows = pl.DataFrame({"l": [rnd.choice(lists) for _ in range(200)], "k": [rnd.choice(lists) for _ in range(3)] * 66
                         + [None, ["a"]]}, schema={"l": pl.List(pl.Utf8), "k": pl.List(pl.Utf8)})
    cols = [Column("l", "L", "l", "list"), Column("k", "K", "k", "list")]
    labels = {"a": "Alpha & co", "b": "Beta"}
    before = xc.FEW_TEXTS
    try:
        xc.FEW_TEXTS = True
        fast = xc._shown(rows, cols, labels, "en")
        xc.FEW_TEXTS = False
        plain = xc._shown(rows, cols, labels, "en")
    finally:
        xc.FEW_TEXTS = before
    assert fast.equals(plain)
    want = {None: None, (): None, ("a",): "Alpha & co", ("b", "a"): "Beta; Alpha & co", ("a", "b"): "Alpha & co; Beta",
            ("zz", "a"): "zz; Alpha & co", ("b",): "Beta"}
    assert fast["l"].to_list() == [want[None if v is None else tuple(v)] for v in rows["l"].to_list()]


def test_isal_crc_is_zlib_crc():
    from isal import isal_zlib

    data = random.Random(1).randbytes(100_000)
    assert isal_zlib.crc32(data) == zlib.crc32(data)
    assert isal_zlib.crc32(memoryview(data)[5000:], isal_zlib.crc32(data[:5000])) == zlib.crc32(data)


def test_rows_are_handed_to_the_deflater_in_the_same_pieces_however_split():
    """The rows' XML as polars' views (several buffers for a chunk of long rows) are handed to the deflater in
    pieces cut at fixed offsets of the text (xlsx_columns._Pieces): the same pieces as the chunks made one Arrow
    buffer each (text_bytes), and as the whole text cut in one go, whatever the chunks' sizes; every piece but the
    last of the full size, together the text."""
    from xlsxwriter.utility import xl_col_to_name

    frame, cols = _frame(240, seed=11)
    frame = frame.with_columns(pl.col("name") + "x" * 600)  # long rows: polars spreads a chunk over buffers
    styles = {c.fmt: 3 + i for i, c in enumerate(cols)}
    letters = [xl_col_to_name(j) for j in range(len(cols))]

    def handed(chunks, size: int) -> list[bytes]:
        out: list[bytes] = []
        pieces = xc._Pieces(lambda b: out.append(bytes(b)), size)
        for views in chunks:
            pieces(views)
        pieces.close()
        return out

    seen = []
    for chunk in (80, 200):  # 80, 80, 80; then 200 and 40
        xc.ROW_VIEWS = False
        try:
            plain = [bytes(b[0]) for b, _ in xc._row_lines(frame, cols, styles, letters, chunk=chunk)]
        finally:
            xc.ROW_VIEWS = True
        views = [v for v, _ in xc._row_lines(frame, cols, styles, letters, chunk=chunk)]
        seen += [len(v) for v in views]
        text = b"".join(plain)
        for size in (4096, 1 << 20):
            got = handed(views, size)
            assert got == handed([[memoryview(p)] for p in plain], size) == handed([[memoryview(text)]], size)
            assert b"".join(got) == text and all(len(p) == size for p in got[:-1]) and 0 < len(got[-1]) <= size
    assert max(seen) > 1  # the rows came in several views


def test_written_by_writes_atomically_what_the_writer_wrote(tmp_path):
    """written_by (results.xlsx streamed into its file): the writer's bytes, seeks included, with their sha256 and
    size; the file replaced only when the writer is done, and no temporary file left when it fails."""
    import hashlib

    from appraise.export.files import written_by

    def write(fh, head: bytes, body: bytes) -> None:  # as zipfile does: a header filled in once the size is known
        fh.write(b"\0" * len(head))
        fh.write(body)
        fh.seek(0)
        fh.write(head)
        fh.seek(0, 2)

    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    assert written_by(target, write, b"HEAD", b"body" * 1000) == (
        hashlib.sha256(b"HEAD" + b"body" * 1000).hexdigest(), 4004)
    assert target.read_bytes() == b"HEAD" + b"body" * 1000

    def fail(fh) -> None:
        fh.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        written_by(target, fail)
    assert target.read_bytes() == b"HEAD" + b"body" * 1000  # the file as it was
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]  # no temporary file left
    assert written_by(tmp_path / "empty", lambda fh: None) == (hashlib.sha256(b"").hexdigest(), 0)
