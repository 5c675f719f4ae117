"""The example plugin's own tests: it registers, reads, and its errors point at line and key."""
from __future__ import annotations

from pathlib import Path

import appraise_jsonl
import pytest

from appraise.errors import InvalidInput
from appraise.hookspecs import Provider, ProvideRequest, SourceSpec
from appraise.language.period import parse


def source(path: Path) -> SourceSpec:
    return SourceSpec(provider="jsonl", kind=None, path=path, base_dir=path.parent, cycle_file="cycle.yaml")


def test_provider_satisfies_the_protocol():
    registered = []
    appraise_jsonl.appraise_providers(register=registered.append)
    assert registered == [appraise_jsonl.JsonLinesProvider]
    assert isinstance(appraise_jsonl.JsonLinesProvider(), Provider)


def test_reads_records_with_their_locations(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"employee": "E001", "month": "2026-07", "revenue": 450000}\n\n'
                    '{"employee": "E003", "month": "2026-07", "revenue": "n/a"}\n', encoding="utf-8")
    result = appraise_jsonl.JsonLinesProvider().read(source(path), ProvideRequest("metrics", parse("2026-Q3")))
    frame = result.inputs.metrics
    assert frame["employee"].to_list() == ["E001", "E003"]
    origin = result.origins["metrics"]
    d = origin.diag(2, "revenue", "bad")
    assert (d.line, d.col) == (3, 42)  # where "revenue" starts


def test_invalid_json_is_located(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text('{"employee": "E001"}\n{"employee": E002}\n', encoding="utf-8")
    with pytest.raises(InvalidInput) as info:
        appraise_jsonl.JsonLinesProvider().read(source(path), ProvideRequest("metrics", parse("2026-Q3")))
    d = info.value.diagnostics[0]
    assert (d.line, d.col) == (2, 14) and "not valid JSON" in d.message
