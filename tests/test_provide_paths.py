"""The provide stage's third round of fast paths give what the plain ones give (issue 17).

Each is run against the plain way on generated input: the numbers' checks in one pass against the filter that finds
the rows; objectives numbered by runs of neighbouring rows against the group-by and join; the people whose
employment may leave a month out against everyone; sources read in threads against one after another (the same
tables, messages and order, also when sources fail).
"""
from __future__ import annotations

import math
import random
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from appraise.hookspecs import Origin, SourceSpec
from appraise.provide import checks, employees, okrs, stage
from appraise.provide.needs import Needs
from appraise.provide.parts import Part, Report
from appraise.tables import LARGEST
from engine_inputs import EXAMPLE
from test_provide_scale import _provided, _same

# ------------------------------------------------------------------ numbers


def _plain_wrong(frame: pl.DataFrame, cast: pl.DataFrame, c: str) -> bool:
    """The rows the located-error filter of checks.numbers finds, cell by cell in Python."""
    for raw, num in zip(frame[c].to_list(), cast[c].to_list(), strict=True):
        if raw is not None and num is None:
            return True
        if num is not None and (not math.isfinite(num) or abs(num) >= LARGEST
                                or (num != 0 and abs(num) < checks.SMALLEST)):
            return True
    return False


def test_numbers_checked_in_one_pass_flag_the_columns_the_filter_flags():
    rng = random.Random(3)
    cells = ["1", "2.5", "0", "-0", None, "x", "NaN", "inf", "-inf", "1e400", "1e-320", "1e15", "999999999999999",
             " 7 ", "", "1,000", "5e-324"]
    part = Part(pl.DataFrame(), Origin("m.csv"), SourceSpec("csv", "metrics", None), clean=False)
    for _ in range(80):
        width, height = rng.randint(1, 4), rng.randint(0, 6)
        data = {f"c{i}": [rng.choice(cells) if rng.random() < 0.3 else rng.choice(cells[:5])
                          for _ in range(height)] for i in range(width)}
        data["f"] = [rng.choice([1.0, math.nan, math.inf, None, 1e300, 0.0]) for _ in range(height)]
        frame = pl.DataFrame(data, schema={**{c: pl.Utf8 for c in data if c != "f"}, "f": pl.Float64})
        frame = frame.with_columns(pl.lit("E1").alias("employee"), pl.int_range(2, height + 2).alias("_row"))
        columns = [c for c in frame.columns if c not in ("employee", "_row")]
        report = Report()
        cast = checks.numbers(part, frame, columns, report, "value of")
        plain = {c for c in columns if _plain_wrong(frame, cast, c)}
        assert checks._wrong(frame, cast, columns) == plain, data
        assert {d.path for d, _ in report.items} == plain


# ------------------------------------------------------------------ OKR objectives


def _okr_frame(rng: random.Random, grouped: bool) -> pl.DataFrame:
    rows = []
    people = [f"E{i}" for i in range(rng.randint(1, 5))]
    for emp in people:
        for o in range(rng.randint(1, 4)):
            name = rng.choice(["Grow", "Keep", "Ship", "Grow "]) + ("" if rng.random() < 0.7 else str(o))
            kind = rng.choice(["committed", "aspirational", "stretch"])
            rows += [(emp, name, kind if rng.random() < 0.85 else rng.choice(["committed", "aspirational"]))
                     for _ in range(rng.randint(1, 3))]
    if not grouped:
        rng.shuffle(rows)
    frame = pl.DataFrame(rows, schema={"employee": pl.Utf8, "objective": pl.Utf8, "type": pl.Utf8}, orient="row")
    return frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))


def _plain_mixed(frame: pl.DataFrame) -> bool:
    """The plain check of okrs.okr_table: a committed or aspirational key result of another type than its
    objective's first one."""
    kinds = frame.filter(pl.col("type").is_in(["committed", "aspirational"]))
    first = kinds.sort("_row").group_by("employee", "objective_index", maintain_order=True).agg(
        pl.col("type").first().alias("_first"))
    return kinds.join(first, on=["employee", "objective_index"]).filter(pl.col("type") != pl.col("_first")).height > 0


def test_objectives_numbered_by_runs_are_numbered_as_by_the_group_by():
    rng = random.Random(11)
    ran, mixed = 0, 0
    for i in range(70):
        frame = _okr_frame(rng, grouped=i % 3 != 0)
        plain = okrs.objectives_numbered(frame)
        fast = okrs.objective_runs(frame)
        if fast is None:  # an objective's rows apart: the plain way is taken
            continue
        ran += 1
        assert_frame_equal(fast, plain)
        assert okrs._mixed_in_runs(fast) == _plain_mixed(plain), frame
        mixed += _plain_mixed(plain)
    assert ran > 30 and 5 < mixed < ran
    out_of_order = _okr_frame(random.Random(1), True).with_columns(pl.col("_row").reverse())
    assert okrs.objective_runs(out_of_order) is None


# ------------------------------------------------------------------ employment


def test_employment_looked_up_only_for_people_who_may_miss_a_month(monkeypatch):
    rng = random.Random(7)
    days = ["2026-06-30", "2026-07-01", "2026-07-31", "2026-08-01", "2026-08-15", "2026-09-01", "2026-09-30",
            "2026-10-01", "2025-01-01", None]
    origin = Origin("m.csv", {"month": 2})
    warned = 0
    for _ in range(40):
        people = pl.DataFrame({"id": [f"E{i}" for i in range(6)],
                               "hire_date": [rng.choice(days) for _ in range(6)],
                               "leave_date": [rng.choice(days) if rng.random() < 0.4 else None for _ in range(6)]},
                              schema={"id": pl.Utf8, "hire_date": pl.Utf8, "leave_date": pl.Utf8})
        employment = employees.employment_dates(people)
        n = rng.randint(1, 12)
        frame = pl.DataFrame({"employee": [rng.choice([*people["id"], "X"]) for _ in range(n)],
                              "month": [rng.choice(["2026-07", "2026-08", "2026-09", None]) for _ in range(n)],
                              "_row": list(range(2, n + 2))}, schema={"employee": pl.Utf8, "month": pl.Utf8,
                                                                      "_row": pl.Int64})
        got = []
        for everyone in (False, True):
            with monkeypatch.context() as m:
                if everyone:
                    m.setattr(employees, "_not_all_along", lambda months, emp: emp)
                report = Report()
                part = Part(frame, origin, SourceSpec("csv", "metrics", None))
                kept = employees.outside_employment(part, frame, employment, report, "the metric row")
                got.append((kept, [(d.line, d.message) for d, _ in report.items]))
        assert_frame_equal(got[0][0], got[1][0])
        assert got[0][1] == got[1][1]
        warned += bool(got[0][1])
    assert warned > 5


# ------------------------------------------------------------------ sources read side by side


@pytest.mark.parametrize("broken", [False, True])
def test_sources_read_in_threads_as_one_after_another(tmp_path, monkeypatch, broken):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    if broken:  # a source missing, one failing, one with bad rows, one provider unknown
        (folder / "data" / "feedback.csv").unlink()
        metrics = folder / "data" / "metrics.csv"
        lines = metrics.read_text(encoding="utf-8").splitlines()
        metrics.write_text("\n".join([lines[0], lines[1].rsplit(",", 1)[0], *lines[2:]]) + "\n", encoding="utf-8")
        cycle = folder / "cycle-q3.yaml"
        cycle.write_text(cycle.read_text(encoding="utf-8").replace(
            "sources:\n", "sources:\n  - {provider: cvs, path: data/employees.csv, kind: employees}\n"),
            encoding="utf-8")
    runs = []
    for threads in (1, stage.READ_THREADS):
        monkeypatch.setattr(stage, "READ_THREADS", threads)
        runs.append(_provided(folder))
    _same(runs[1], runs[0])
    assert isinstance(runs[0], list) == broken


def test_every_source_is_read_once(tmp_path, monkeypatch):
    read: list[Path] = []
    from appraise.plugins import _tabular

    real = _tabular.read_raw  # (read_bytes reads through it too)

    def spy(source):
        read.append(source.path.name)
        return real(source)

    monkeypatch.setattr(_tabular, "read_raw", spy)
    _provided(EXAMPLE)
    assert sorted(read) == ["employees.csv", "feedback.csv", "metrics.csv", "okrs-2026-Q3.yaml"]


# ------------------------------------------------------------------ wide metrics, periods


def test_a_wide_table_in_order_is_not_sorted_and_finite_columns_are_not_copied(monkeypatch):
    from appraise.provide import metrics
    from appraise.provide.needs import Needs

    rng = random.Random(5)
    for _ in range(40):
        n = rng.randint(1, 8)
        keys = sorted({(rng.choice(["E1", "E2", "E10", "e1", "É"]), rng.choice(["2026-07", "2026-08", "2026-09"]))
                       for _ in range(n)})
        if rng.random() < 0.4:
            rng.shuffle(keys)
        values = pl.DataFrame({"employee": [k[0] for k in keys], "month": [k[1] for k in keys],
                               **{m: [rng.choice([1.0, 2.5, None, math.nan, math.inf, -0.0]) if rng.random() < 0.5
                                      else 3.0 for _ in keys] for m in ("a", "b")}})
        needs = Needs(metrics={"b": "sum", "a": "sum"})
        fast = metrics._wide_direct(values, ("employee", "month"), needs)
        with monkeypatch.context() as m:
            m.setattr(metrics, "_in_order", lambda *a: False)
            plain = metrics._wide_direct(values, ("employee", "month"), needs)
        assert_frame_equal(fast, plain)
        assert metrics._in_order(values, ("employee", "month")) == (values.sort("employee", "month")
                                                                     .equals(values)), keys


def test_distinct_periods_are_the_unique_values():
    from appraise.provide.feedback import _distinct

    rng = random.Random(9)
    for _ in range(60):
        column = pl.Series([rng.choice(["2026-Q3", "2026-07", None, "x"]) if rng.random() < 0.3 else "2026-Q3"
                            for _ in range(rng.randint(0, 6))], dtype=pl.Utf8)
        assert sorted(_distinct(column)) == sorted(column.drop_nulls().unique().to_list())


def test_employees_all_accepted_are_left_as_they_are(monkeypatch):
    from test_provide_fast import IDS

    rng = random.Random(2)
    for _ in range(30):
        parts = []
        for k in range(rng.randint(1, 2)):
            n = rng.randint(1, 8)
            pool = IDS if rng.random() < 0.4 else [f"P{k}{i}" for i in range(n)]
            ids = rng.sample(pool, min(n, len(pool))) if rng.random() < 0.5 else [rng.choice(pool) for _ in range(n)]
            frame = pl.DataFrame({"id": ids, "name": [f"n{i}" for i in range(len(ids))]},
                                 schema={"id": pl.Utf8, "name": pl.Utf8})
            frame = frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("_row"))
            parts.append(Part(frame, Origin(f"e{k}.csv"), SourceSpec("csv", "employees", None)))
        got = []
        for shortcut in (True, False):
            with monkeypatch.context() as m:
                if not shortcut:
                    m.setattr(employees, "_all_accepted", lambda accepted: False)
                report = Report()
                table = employees.employee_table(parts, Needs(), report, None)  # type: ignore[arg-type]
                got.append((table, [(d.file, d.line, d.message) for d, _ in report.items]))
        assert_frame_equal(got[0][0], got[1][0])
        assert got[0][1] == got[1][1]


def test_a_parsed_csv_is_made_contiguous_column_by_column():
    # the reader's chunks (one per parsing thread) are joined a column at a time: the same frame, one chunk each
    from appraise.plugins._tabular import _contiguous

    one = pl.DataFrame({"employee": ["E1", "E2"], "rater": ["M1", None], "rating": ["5", "4"]})
    two = pl.DataFrame({"employee": ["E3"], "rater": ["P1"], "rating": [" 3"]})
    parsed = pl.concat([one, two], rechunk=False)
    assert parsed.n_chunks("all") == [2, 2, 2]
    got = _contiguous(parsed.clone())
    assert got.n_chunks("all") == [1, 1, 1]
    assert got.columns == ["employee", "rater", "rating"]
    assert got.to_dict(as_series=False) == {"employee": ["E1", "E2", "E3"], "rater": ["M1", None, "P1"],
                                            "rating": ["5", "4", " 3"]}
    already = one.clone()
    assert _contiguous(already) is already


# ------------------------------------------------------------------ numbers parsed by the CSV reader (fourth round)

_TOKENS = ["2", "-0", "3.5", "1e5", "1E-3", ".5", "5.", "+2", "00012", "nan", "inf", "-Infinity", "1e400", "1e-320",
           "1e-400", "1_0", "0x10", "1e", "-", ".", "abc", "１", "12,5", "", "2e15", "999999999999999"]


def _number_csv(rng: random.Random) -> str:
    rows = ["employee,month,a,b"]
    for i in range(rng.randint(1, 6)):
        cells = []
        for _ in range(2):
            tok = rng.choice(_TOKENS) if rng.random() < 0.3 else rng.choice(["1", "2.25", "", "40"])
            if rng.random() < 0.2:  # spaces, tabs, no-break spaces around it, or quotes
                tok = rng.choice([" ", "\t", "\u00a0", ""]) + tok + rng.choice([" ", "\t", "\u3000", ""])
            if rng.random() < 0.15:
                tok = f'"{tok}"'
            cells.append(tok)
        rows.append(f"E{i},2026-07,{cells[0]},{cells[1]}")
    end = rng.choice(["\n", "\r\n"])
    return end.join(rows) + end


def test_numbers_parsed_by_the_csv_reader_are_what_the_cast_of_the_text_makes(tmp_path):
    # the reader's float parse (its columns then marked plain, not looked through again by the stage) and its ASCII
    # mark (ids not NFC-checked) against the text read and the stage's cast and checks: the same frames and messages
    from appraise.errors import InvalidInput
    from appraise.plugins import _tabular

    rng = random.Random(23)
    fast_paths = 0
    for k in range(40):
        path = tmp_path / f"m{k}.csv"
        text = _number_csv(rng)
        path.write_bytes(text.encode("utf-8"))
        spec = SourceSpec("csv", "metrics", path, base_dir=tmp_path)
        got = []
        for numbers in (["a", "b"], []):  # the reader's float parse, then the plain text read
            try:
                sheet = _tabular.read_csv(spec, numbers=numbers)
            except InvalidInput as exc:
                got.append([d.message for d in exc.diagnostics])
                continue
            fast_paths += numbers != [] and sheet.frame.schema["a"] == pl.Float64
            assert sheet.ascii == text.isascii()
            assert sheet.plain == (frozenset(numbers) if sheet.frame.schema["a"] == pl.Float64 else frozenset())
            part = Part(sheet.frame, sheet.origin(), spec, clean=True, ascii=sheet.ascii, plain=sheet.plain)
            report = Report()
            cast = checks.numbers(part, sheet.frame, ["a", "b"], report, "value of")
            ids = checks.as_text(cast, ["employee"], True, sheet.ascii)
            got.append((cast, ids, [(d.line, d.col, d.message) for d, _ in report.items]))
        if isinstance(got[1], list):
            assert got[0] == got[1], text
            continue
        assert_frame_equal(got[0][0], got[1][0])
        assert_frame_equal(got[0][1], got[1][1])
        assert got[0][2] == got[1][2], text
    assert fast_paths >= 5  # the files without an odd cell are read with their numbers parsed


def test_a_file_is_hashed_beside_the_parse_as_here_and_now(monkeypatch):
    import hashlib

    from appraise.plugins import _tabular

    for threshold in (0, 1):  # worked out here and now; on a thread
        monkeypatch.setattr(_tabular, "DIGEST_THREAD_BYTES", threshold)
        for raw in (b"", b"x", bytes(range(256)) * 50):
            assert _tabular.Digest(raw).hexdigest() == hashlib.sha256(raw).hexdigest()


def test_unknown_ids_found_by_searching_the_sorted_ids_are_what_is_in_finds():
    # Known.unknown (a binary search in the ids sorted once) against ~is_in (a hash set per call): the same rows
    from appraise.provide.parts import Known

    rng = random.Random(3)
    alpha = ["a", "B", "é", "e\u0301", "1", "", "\u3000", "z", "Ä", "\U0001F600", " "]
    for _ in range(150):
        pool = ["".join(rng.choice(alpha) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 12))]
        ids = pl.Series([rng.choice(pool) if pool and rng.random() < .9 else None
                         for _ in range(rng.randint(0, 10))], dtype=pl.Utf8)
        values = pl.Series([rng.choice([*pool, "x", "é"]) if rng.random() < .85 else None
                            for _ in range(rng.randint(0, 10))], dtype=pl.Utf8)
        known = Known(ids)
        plain = values.is_not_null() & ~values.is_in(known.ids.implode())
        assert known.unknown(values).to_list() == plain.to_list(), (ids.to_list(), values.to_list())
