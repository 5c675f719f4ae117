"""The ``okr`` provider: objectives and key results from YAML (the SPEC's shape) or CSV/xlsx.

YAML maps an employee id to a list of objectives::

    E001:
      - objective: Win three enterprise accounts
        type: aspirational            # optional; committed by default
        key_results:
          - {name: Signed contracts, start: 0, target: 3, current: 2, weight: 2}

A table (``.csv``, ``.xlsx``) has one row per key result: ``employee,
objective, type, key_result, start, target, current, weight`` and optionally
``month``.  A key result (or a whole objective, in YAML) may be dated with
``month: 2026-08``: rows of months outside the cycle are not read, and rows of
months wholly outside the employee's employment are not used (a warning each).  Messages point
at the YAML line and column of the very value (``target: 3``) or the cell.
"""
from __future__ import annotations

from appraise.errors import Diagnostic, InvalidInput
from appraise.hookspecs import Origin, Provided
from appraise.plugins import hookimpl
from appraise.plugins._tabular import (
    TABULAR_OPTIONS,
    dot_thousands,
    number_columns,
    provided,
    read_any,
    read_bytes,
    rename,
)

KR_FIELDS = ("name", "start", "target", "current", "weight", "month")


class OkrProvider:
    name = "okr"
    kinds = frozenset({"okr"})
    default_kind = "okr"
    options_schema = {"type": "object", "properties": {
        k: TABULAR_OPTIONS[k] for k in ("encoding", "delimiter", "sheet", "header_row", "skip_rows", "ignore",
                                        "max_bytes")}, "allOf": [{"not": {"required": ["header_row", "skip_rows"]}}]}

    def read(self, source, request) -> Provided:
        suffix = source.path.suffix.lower() if source.path is not None else ""
        if suffix in (".yaml", ".yml"):
            return self._read_yaml(source)
        sheet = rename(read_any(source, numbers=number_columns(source, request)), source)
        dot_thousands(sheet, source, request)
        return provided("okrs", sheet, source)

    def _read_yaml(self, source) -> Provided:
        import polars as pl

        from appraise.language.load import loads

        raw, sha, name = read_bytes(source)
        doc = loads(raw, name)
        data = doc.data
        diags: list[Diagnostic] = []
        if data is None:
            raise InvalidInput([Diagnostic(name, 1, 1, "file is empty; expected employee ids mapped to "
                                           "lists of objectives", code="data-empty")])
        if not isinstance(data, dict):
            raise InvalidInput([doc.diag((), "expected employee ids mapped to lists of objectives",
                                         code="data-okr-shape")])
        rows: dict[str, list] = {c: [] for c in ("employee", "objective", "objective_index", "type", "key_result",
                                                 "start", "target", "current", "weight", "month", "_row")}
        paths: list[tuple] = []
        for emp, objectives in data.items():
            if not isinstance(objectives, list):
                diags.append(doc.diag((emp,), f"objectives of {emp} must be a list (- objective: ...)",
                                      code="data-okr-shape"))
                continue
            for oi, obj in enumerate(objectives):
                if not isinstance(obj, dict) or not isinstance(obj.get("key_results"), list):
                    diags.append(doc.diag((emp, oi), "an objective needs 'objective:' and a list 'key_results:'",
                                          code="data-okr-shape"))
                    continue
                if not obj["key_results"]:  # its progress (a weighted mean of none) means nothing; not "missing"
                    diags.append(doc.diag((emp, oi, "key_results"), f"objective '{obj.get('objective')}' of {emp} "
                                          "has no key results", key=True, code="data-okr-shape",
                                          hint="add its key results, or remove the objective"))
                    continue
                unknown = set(obj) - {"objective", "type", "key_results", "month"}
                for key in sorted(unknown):
                    diags.append(doc.diag((emp, oi, key), f"unknown key '{key}' in an objective; "
                                          "expected objective, type, key_results, month", key=True,
                                          code="data-okr-shape"))
                for ki, kr in enumerate(obj["key_results"]):
                    if not isinstance(kr, dict):
                        diags.append(doc.diag((emp, oi, "key_results", ki), "a key result is a mapping "
                                              "{name, start, target, current, weight?}", code="data-okr-shape"))
                        continue
                    for key in sorted(set(kr) - set(KR_FIELDS)):
                        diags.append(doc.diag((emp, oi, "key_results", ki, key), f"unknown key '{key}' in a key "
                                              "result; expected name, start, target, current, weight, month",
                                              key=True, code="data-okr-shape"))
                    paths.append((emp, oi, ki))
                    rows["employee"].append(str(emp))
                    rows["objective"].append(None if obj.get("objective") is None else str(obj["objective"]))
                    rows["objective_index"].append(oi)
                    rows["type"].append(obj.get("type"))
                    rows["key_result"].append(None if kr.get("name") is None else str(kr["name"]))
                    for f in ("start", "target", "current", "weight"):
                        v = kr.get(f)
                        rows[f].append(None if v is None else (v if isinstance(v, str) else str(v)))
                    month = kr.get("month", obj.get("month"))
                    rows["month"].append(None if month is None else str(month))
                    rows["_row"].append(len(paths))
        if diags:
            raise InvalidInput(diags)
        schema = {c: pl.Utf8 for c in rows} | {"objective_index": pl.Int64, "_row": pl.Int64}
        frame = pl.DataFrame(rows, schema=schema)
        if frame["month"].null_count() == frame.height:
            frame = frame.drop("month")

        def cells(row: int, column: str) -> tuple[int, int]:
            emp, oi, ki = paths[row - 1]
            where = {"employee": ((emp,), True), "objective": ((emp, oi, "objective"), False),
                     "month": ((emp, oi, "key_results", ki, "month"), False),
                     "type": ((emp, oi, "type"), False), "key_result": ((emp, oi, "key_results", ki, "name"), False)}
            path, key = where.get(column, ((emp, oi, "key_results", ki, column), False))
            if not column:
                path, key = (emp, oi, "key_results", ki), False
            return doc.where(path, key=key)

        origin = Origin(name, {}, cells=cells)
        return Provided.single("okrs", frame, origin, label=source.label, sha256=sha)


@hookimpl
def appraise_providers(register):
    register(OkrProvider)
