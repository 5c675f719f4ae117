"""Coverage-guided fuzzing with atheris (optional; ``make fuzz`` runs it when atheris is installed).

    python -m fuzz.atheris_run expression|yaml RUNS [REPORT.json]   (from tests/)

Each input goes through the same invariants as the hypothesis tests
(``targets.expression`` / ``targets.yaml_document``).  Expressions the type
check accepts are also run both ways over a fixed frame with nulls and zeros.
The count of inputs is written to REPORT.json (merged with what is there).
"""
from __future__ import annotations

import json
import os
import sys


def main() -> None:
    import atheris

    target, runs = sys.argv[1], int(sys.argv[2])
    report = sys.argv[3] if len(sys.argv) > 3 else None
    with atheris.instrument_imports():
        import polars as pl

        from fuzz import targets as T

    frame = pl.DataFrame({"x": [None, 0.0, -1.5, 1e12], "y": [2.0, None, 0.0, -0.0], "z": [1.0, 3.0, None, 0.5],
                          "s": ["north", None, "南", ""], "previous.score": [None, 90.0, 0.0, 100.0],
                          "previous.bonus": [None, 0.0, 1.0, 2.0], "previous.grade": [None, "A", "S", "D"]},
                         schema={"x": pl.Float64, "y": pl.Float64, "z": pl.Float64, "s": pl.Utf8,
                                 "previous.score": pl.Float64, "previous.bonus": pl.Float64,
                                 "previous.grade": pl.Utf8})

    def expression(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(600)
        T.expression(text, frame)

    def yaml(data: bytes) -> None:
        T.yaml_document(data)

    inner = {"expression": expression, "yaml": yaml}[target]
    seen = [0]

    def fn(data: bytes) -> None:
        inner(data)
        seen[0] += 1
        if seen[0] % 1000 == 0 or seen[0] >= runs:  # libFuzzer leaves with os._exit: no atexit
            done()

    argv = [sys.argv[0], f"-runs={runs}", "-max_len=4096", "-rss_limit_mb=4096", "-timeout=5", _corpus(target)]

    before: dict = {}
    if report and os.path.exists(report):
        with open(report, encoding="utf-8") as fh:
            before = json.load(fh)

    def done() -> None:
        if report:
            counts = dict(before)
            for k, v in T.COUNTS.items():
                counts[f"atheris {k}"] = before.get(f"atheris {k}", 0) + v
            with open(report, "w", encoding="utf-8") as fh:
                json.dump(dict(sorted(counts.items())), fh, indent=2)
                fh.write("\n")

    atheris.Setup(argv, fn)
    atheris.Fuzz()


EXPRESSION_SEEDS = (
    'role == "sales_rep"', "context.price_war", "region in context.restricted_regions", "tenure_months < 3",
    'grade in ["C", "D"] and previous.grade in ["S", "A"]', "collected / billed", "min(x, y) + abs(z) * 2",
    "round(x / y, 2) >= 0.5", "not (x > 1 or s != 'a')", "-x + +y - 1e15", "previous.score < 80 < x",
)


def _corpus(target: str) -> str:
    """A temporary corpus folder (libFuzzer writes new finds into it) seeded with real inputs."""
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp(prefix=f"appraise-fuzz-{target}-"))
    if target == "expression":
        for i, text in enumerate(EXPRESSION_SEEDS):
            (folder / f"seed{i}").write_bytes(text.encode("utf-8"))
    else:
        root = Path(__file__).resolve().parents[1]
        for i, path in enumerate(sorted((root / "fixtures" / "example").glob("*.yaml"))
                                 + sorted((root / "broken").glob("*.yaml"))):
            (folder / f"seed{i}").write_bytes(path.read_bytes())
    return str(folder)


if __name__ == "__main__":
    main()
