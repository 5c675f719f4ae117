"""The provide stage's fast paths give what the plain ones give (issue 17).

Each fast path is run against the plain one on the same, generated input:
the CSV shape check by counting separators vs csv.reader record by record;
the column-wise employee checks vs the row-by-row loop they replaced (kept
here as the reference); months normalised per distinct value vs per row;
other periods' rows set aside first vs last; one wide source made into the
table directly vs unpivot + pivot.  And ``max_bytes:`` lets a cycle allow
one big file while the default limit stays.
"""
from __future__ import annotations

import random
import re
import shutil
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
import pytest
import yaml
from polars.testing import assert_frame_equal

import appraise
from appraise.errors import InvalidInput
from appraise.hookspecs import Origin, SourceSpec
from appraise.i18n import translate
from appraise.language.cycle import load_cycle
from appraise.plugins import _tabular
from appraise.provide import checks, employees, metrics
from appraise.provide.parts import Part, Report
from appraise.provide.stage import Needs, provide
from appraise.tables import THOUSANDS
from engine_inputs import EXAMPLE

# ------------------------------------------------------------------ CSV shape


def _csv_texts(seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(60):
        width = rng.randint(1, 4)
        rows = [",".join(f"h{i}" for i in range(width))]
        for _ in range(rng.randint(1, 8)):
            n = width if rng.random() < 0.8 else rng.randint(1, width)
            cells = [rng.choice(["1", "", " x ", "ab", '"q,1"', '"l1\nl2"', "a b", "\tt", "é", "\u3000y", '""',
                                 "z\u00a0"]) if rng.random() < 0.15 else
                     rng.choice(["1", "", "x", "2.5"]) for _ in range(n)]
            rows.append(",".join(cells) if rng.random() < 0.9 else "")
        end = rng.choice(["\n", "\r\n"])
        texts.append(end.join(rows) + (end if rng.random() < 0.7 else ""))
    return texts


def _read(path: Path, slow: bool, monkeypatch):
    spec = SourceSpec("csv", "metrics", path, base_dir=path.parent)
    with monkeypatch.context() as m:
        if slow:
            m.setattr(_tabular, "_no_short_rows", lambda *a: False)
            m.setattr(_tabular, "_filled", lambda *a: False)  # no record short: the last column has no null
            m.setattr(_tabular, "_one_line_per_record", lambda *a: False)
            m.setattr(_tabular, "_no_whitespace", lambda *a: False)  # every column looked at, trimmed if need be
            m.setattr(_tabular, "_utf8_by_polars", lambda *a: False)  # Python's decoder decides
        try:
            sheet = _tabular.read_csv(spec)
        except InvalidInput as exc:
            return [(d.line, d.col, d.message) for d in exc.diagnostics]
        lines = [sheet.lines(r) for r in range(sheet.frame.height + 2)]
        return sheet.frame, lines


def test_csv_shape_check_by_counting_agrees_with_the_record_by_record_check(tmp_path, monkeypatch):
    for i, text in enumerate(_csv_texts(17)):
        path = tmp_path / f"f{i}.csv"
        path.write_bytes(text.encode("utf-8"))
        fast, slow = _read(path, False, monkeypatch), _read(path, True, monkeypatch)
        if isinstance(slow, list):
            assert fast == slow, text
        else:
            assert_frame_equal(fast[0], slow[0])
            assert fast[1] == slow[1], text


def test_utf8_checked_by_polars_is_utf8_as_python_decodes_it():
    """Slices end at line ends; broken, overlong, surrogate and out-of-range sequences, also across a slice's end."""
    rng = random.Random(5)
    pieces = [b"a", b"\n", b",", "é".encode(), "张".encode(), "😀".encode(), b"\xff", b"\xc3", b"\xc0\xaf",
              b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe5\xbc", b"\x80"]
    for _ in range(400):
        raw = b"".join(rng.choice(pieces[:6] if rng.random() < 0.5 else pieces) for _ in range(rng.randint(0, 30)))
        try:
            raw.decode("utf-8")
            python = True
        except UnicodeDecodeError:
            python = False
        assert _tabular._utf8_by_polars(raw, step=rng.randint(1, 8)) is python, raw


def test_a_short_row_among_plain_lines_is_still_found(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("employee,month,revenue\nE1,2026-07,1\nE1,2026-08\nE1,2026-09,3\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        _tabular.read_csv(SourceSpec("csv", "metrics", path, base_dir=tmp_path))
    assert [(d.line, d.message) for d in exc.value.diagnostics] == [(3, "row has 2 fields but the header has 3")]


# ------------------------------------------------------------------ employees


def _reference_employees(frame: pl.DataFrame, types: dict) -> tuple[list[dict], list[tuple]]:
    """The row-by-row loop the column-wise checks replaced: (rows as the table keeps them, findings)."""
    seen: dict = {}
    folded: dict = {}
    found = []
    rows = frame.to_dicts()
    for row in rows:
        emp, line = row["id"], row["_row"]
        if emp is None:
            found.append((line, "id", "employee row without an id"))
            continue
        if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in emp):
            found.append((line, "id", "invisible"))
            continue
        if emp in seen:
            found.append((line, "id", f"appears twice; first at line {seen[emp]}"))
            continue
        other = folded.get(emp.casefold())
        if other is not None:
            found.append((line, "id", f"differs from '{other[0]}' (line {other[1]})"))
            continue
        seen[emp] = line
        folded[emp.casefold()] = (emp, line)
        for col, kind in types.items():
            value = row.get(col)
            if value is None:
                continue
            if kind == "date":
                try:
                    row[col] = checks.date_text(value)
                except ValueError:
                    found.append((line, col, "not a date"))
            elif kind in ("number", "money"):
                # what the engine can read (core/rollup.py): ASCII digits, no '_', finite, below 10^15, not so
                # small a float makes it 0 (wmessy: '１２', '1_000', '1e9999999' used to pass here and be found
                # missing later, with no cell to point at)
                plain = (value.replace(",", "") if re.match(THOUSANDS, value.strip()) else value).strip()
                try:
                    number = Decimal(plain) if plain.isascii() and "_" not in plain else None
                except InvalidOperation:
                    number = None
                ok = (number is not None and number.is_finite() and number.copy_abs() < 10**15
                      and (number == 0 or float(number) != 0))
                if not ok:
                    found.append((line, col, "not a number"))
    return rows, found


def _summary(diag) -> tuple:
    m = diag.message
    for key, short in (("without an id", "employee row without an id"), ("invisible character", "invisible"),
                       ("not a date", "not a date"), ("which is not a", "not a number"),
                       ("too large to compute", "not a number"), ("too close to 0", "not a number")):
        if key in m:
            return diag.line, diag.path, short
    if "appears twice" in m:
        return diag.line, diag.path, "appears twice; first at " + m.split("first at ")[1]
    first = re.search(r"differs from '([^']*)' \((line \d+)\)", m)
    assert first is not None, m
    return diag.line, diag.path, f"differs from '{first[1]}' ({first[2]})"


DATES = ["2026-07-01", "2026/7/1", "2026.07.01", "2026年7月1日", "2026-07-01 00:00:00", "2026-07-01T00:00",
         "2026-02-30", "0000-01-01", "45000", "45000.0", "19999", "80001", "２０２６-07-01", "July 1", "2026-7-01x",
         "2026-12-31 00:00:00.000"]
NUMBERS = ["30000", "30,000.50", "1,2,3", "1e5", "1e9999999", "+.5", "1.", "abc", "NaN", "Infinity", "1_000", "１２",
           "-1,234", "12.375,00", " 7 "]
IDS = ["E1", "E2", "e1", "E3", "E3", "Straße", "STRASSE", "José", "E4\u200b", "E5\x07", "ǅ", "ǆ", "E6", "İ", "i̇"]


def test_column_wise_employee_checks_agree_with_the_row_by_row_loop():
    rng = random.Random(5)
    types = {"id": "string", "name": "string", "hire_date": "date", "leave_date": "date", "locale": "string",
             "target_bonus": "money", "quota": "number"}
    for _ in range(40):
        n = rng.randint(1, 30)
        data = {
            "id": [rng.choice(IDS + [f"X{i}" for i in range(5)] + [None]) for _ in range(n)],
            "name": ["n"] * n,
            "hire_date": [rng.choice(DATES + [None]) for _ in range(n)],
            "leave_date": [rng.choice(DATES + [None]) for _ in range(n)],
            "target_bonus": [rng.choice(NUMBERS + [None]) for _ in range(n)],
            "quota": [rng.choice(NUMBERS + [None]) for _ in range(n)],
        }
        frame = pl.DataFrame(data, schema={k: pl.Utf8 for k in data}).with_columns(
            pl.int_range(2, n + 2, dtype=pl.Int64).alias("_row"))
        frame = checks.as_text(frame, [c for c in frame.columns if c != "_row"])
        part = Part(frame, Origin("e.csv"), None)  # type: ignore[arg-type]
        found: list = []
        accepted = employees._accepted_ids(part, frame, employees.Folded(), found)
        checked = employees._employee_values(part, frame, accepted, types, found)
        want_rows, want_found = _reference_employees(frame, types)
        assert checked.to_dicts() == want_rows
        got = [_summary(d) for _, _, d, _ in sorted(found, key=lambda f: (f[0], f[1]))]
        assert got == want_found


# ------------------------------------------------------------------ months, periods, wide tables

MONTHS = ["2026-07", "2026-7", "2026/07", "2026-07-15", "2026年7月", "202607", "46204", "2026-13", "07/2026", "",
          "2026-08-01 10:30", None, "x"]


def test_months_per_distinct_value_agree_with_months_per_row():
    frame = pl.DataFrame({"month": [random.Random(i).choice(MONTHS) for i in range(500)]},
                         schema={"month": pl.Utf8})
    want = frame.select(checks.month_expr(frame).alias("month"))["month"]
    assert checks.month_column(frame).to_list() == want.to_list()


def _company(tmp_path: Path, rows: list[str]) -> Path:
    folder = tmp_path / "c"
    shutil.copytree(EXAMPLE, folder)
    path = folder / "data" / "metrics.csv"
    header, *body = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join([header, *body, *rows]) + "\n", encoding="utf-8")
    return folder


def _provided(folder: Path):
    rs = appraise.load_ruleset(folder / "sales-team.yaml")
    try:
        out = provide(load_cycle(folder / "cycle-q3.yaml"), Needs.from_ruleset(rs))
    except InvalidInput as exc:
        return [str(d) for d in exc.diagnostics]
    return out


def test_rows_of_other_months_set_aside_first_change_nothing(tmp_path, monkeypatch):
    """Other quarters' rows (also broken ones: a bad month, no employee, text for a number, a repeated row, an
    unknown employee) give the same tables and messages whether the period filter runs first (the fast path)
    or after every check."""
    header = (EXAMPLE / "data" / "metrics.csv").read_text(encoding="utf-8-sig").splitlines()[0].split(",")
    width = len(header)

    def row(emp, month, value):
        return ",".join([emp, month] + [value] * (width - 2))

    good = [row("E001", "2026-01", "5"), row("E002", "2025-12", "x"), row("E001", "2026-01", "6"),
            row("NOBODY", "2026-03", "1"), row("E003", "2026/10", "2")]
    broken = good + [row("", "2026-02", "1"), row("E003", "2026-99", "1")]
    for rows in (good, broken):
        folder = _company(tmp_path / str(len(rows)), rows)
        fast = _provided(folder)
        with monkeypatch.context() as m:
            m.setattr(metrics, "_this_period_first", lambda frame, *_: frame)  # the checks see every row
            slow = _provided(folder)
        if rows is broken:
            assert isinstance(fast, list) and fast == slow  # the bad month and the empty employee stop the run
            continue
        assert not isinstance(fast, list) and not isinstance(slow, list)
        assert fast.diagnostics == slow.diagnostics
        for table in ("employees", "metrics", "aggregated", "feedback", "okrs"):
            a, b = getattr(fast.inputs, table), getattr(slow.inputs, table)
            assert (a is None) == (b is None)
            if a is not None:
                assert_frame_equal(a, b)


def test_a_single_wide_source_becomes_the_table_as_unpivot_and_pivot_make_it():
    rng = random.Random(3)
    needs = Needs(metrics={m: "sum" for m in ("revenue", "visits", "empty", "nan_only")})
    for _ in range(30):
        n = rng.randint(0, 25)
        keys = rng.sample([(f"E{e}", f"2026-0{m}") for e in range(9) for m in (7, 8, 9)], n)
        vals = {m: [rng.choice([None, 1.0, 2.5, float("nan"), float("inf"), -3.0]) for _ in range(n)]
                for m in ("revenue", "visits")}
        frame = pl.DataFrame({"employee": [k[0] for k in keys], "month": [k[1] for k in keys], **vals,
                              "empty": [None] * n, "nan_only": [float("nan")] * n,
                              "_row": list(range(2, n + 2))},
                             schema={"employee": pl.Utf8, "month": pl.Utf8, "revenue": pl.Float64,
                                     "visits": pl.Float64, "empty": pl.Float64, "nan_only": pl.Float64,
                                     "_row": pl.Int64})
        values = ["revenue", "visits", "empty", "nan_only"]
        long = frame.unpivot(index=["employee", "month", "_row"], on=values, variable_name="metric",
                             value_name="value").with_columns(pl.lit(1, dtype=pl.Int64).alias("_col"))
        long = metrics._finish_long(long, ("employee", "month"), 0)
        plain = metrics._wide(metrics._merge([long], ("employee", "month"), [], Report()), ("employee", "month"),
                            needs)
        direct = metrics._wide_direct(frame.select("employee", "month", *values), ("employee", "month"), needs)
        assert_frame_equal(direct, plain)


# ------------------------------------------------------------------ max_bytes


def test_max_bytes_allows_one_big_file_and_the_default_limit_stays(tmp_path, monkeypatch):
    monkeypatch.delenv("APPRAISE_MAX_DATA_BYTES", raising=False)
    folder = tmp_path / "c"
    shutil.copytree(EXAMPLE, folder)
    monkeypatch.setattr(_tabular, "MAX_DATA_BYTES", 1000)  # the example's metrics.csv is bigger
    assert (folder / "data" / "metrics.csv").stat().st_size > 1000
    rs = appraise.load_ruleset(folder / "sales-team.yaml")
    with pytest.raises(InvalidInput) as exc:
        provide(load_cycle(folder / "cycle-q3.yaml"), Needs.from_ruleset(rs))
    big = [d for d in exc.value.diagnostics if d.code == "source-too-large"]
    # (one language at a time, from the catalogue: the hint names the setting in both)
    assert big and all("max_bytes:" in d.hint and "max_bytes:" in translate(d.hint, "zh-CN") for d in big)
    assert all(d.file.endswith("cycle-q3.yaml") and d.line > 0 and "上限" in translate(d.message, "zh-CN")
               for d in big)
    cycle = yaml.safe_load((folder / "cycle-q3.yaml").read_text(encoding="utf-8"))
    for s in cycle["sources"]:
        s["max_bytes"] = "1 MiB"
    (folder / "cycle-q3.yaml").write_text(yaml.safe_dump(cycle, allow_unicode=True), encoding="utf-8")
    assert provide(load_cycle(folder / "cycle-q3.yaml"), Needs.from_ruleset(rs)).inputs.employees.height


def test_sizes_are_read_in_bytes_and_binary_or_decimal_units():
    assert [_tabular.parse_size(v) for v in (1234, "1234", "2 KiB", "1.5 MiB", "2 GB", "3GiB")] == [
        1234, 1234, 2048, 1572864, 2_000_000_000, 3 << 30]


def test_months_of_dates_and_numbers_are_read_per_row():
    frame = pl.DataFrame({"month": [date(2026, 7, 1), None, date(2026, 8, 31)]})
    assert checks.month_column(frame).to_list() == ["2026-07", None, "2026-08"]
