"""appraise provider ``jsonl``: monthly metrics from a JSON-lines file.

Each non-blank line is an object ``{"employee": ..., "month": ..., <metric>: ...}``.
Messages point at the line and at the column where the offending key starts.
appraise checks and casts the values; this provider only reads.
"""
from __future__ import annotations

import hashlib
import json
import re

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin, Provided
from appraise.plugins import hookimpl

__version__ = "0.1.0"


class JsonLinesProvider:
    name = "jsonl"
    kinds = frozenset({"metrics"})
    default_kind = "metrics"
    options_schema = {
        "type": "object",
        "properties": {
            "encoding": {"type": "string", "default": "utf-8", "description": "text encoding of the file"},
        },
    }

    def read(self, source, request) -> Provided:
        import polars as pl

        if source.path is None:
            raise InvalidInput([source.diag("provider 'jsonl' needs 'path:'", code="source-path")])
        name = source.label
        try:
            raw = source.path.read_bytes()
        except OSError as exc:
            raise InvalidInput([source.diag(f"cannot read {name}: {exc.strerror}", key="path")]) from None
        text = raw.decode(source.options.get("encoding", "utf-8")).lstrip("\ufeff")
        records, lines, cells = [], [], {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput([Diagnostic(name, number, exc.colno, f"not valid JSON: {exc.msg}",
                                               code="data-json")]) from None
            if not isinstance(obj, dict):
                raise InvalidInput([Diagnostic(name, number, 1, "each line must be a JSON object",
                                               code="data-json")])
            records.append({source.columns.get(k, k): v for k, v in obj.items()})
            lines.append(number)
            for m in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', line):
                cells[(len(records), source.columns.get(m[1], m[1]))] = (number, m.start() + 1)
        if not records:
            raise InvalidInput([Diagnostic(name, 1, 1, "file has no records", code="data-empty")])
        keys = list(dict.fromkeys(k for r in records for k in r))
        # Values stay as JSON gave them (text for strings); appraise casts and reports bad ones.
        frame = pl.DataFrame({k: [None if r.get(k) is None else str(r[k]) for r in records] for k in keys},
                             schema={k: pl.Utf8 for k in keys})
        frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))

        def cell(row: int, column: str) -> tuple[int, int]:
            return cells.get((row, column), (lines[row - 1], 1))

        origin = Origin(name, cells=cell)
        return Provided.single("metrics", frame, origin, label=name, sha256=hashlib.sha256(raw).hexdigest())


@hookimpl
def appraise_providers(register):
    register(JsonLinesProvider)
