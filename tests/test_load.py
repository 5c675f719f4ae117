"""The strict YAML loader: YAML 1.2 scalars, positions, and what it refuses."""
from __future__ import annotations

import math

import pytest

from appraise.errors import InvalidInput
from appraise.language.load import MAX_BYTES, load, loads


def refused(text, name="f.yaml"):
    with pytest.raises(InvalidInput) as info:
        loads(text, name)
    return info.value.diagnostics


# ---------------------------------------------------------------- YAML 1.2 scalars

@pytest.mark.parametrize("text, value", [
    ("no", "no"), ("NO", "NO"), ("on", "on"), ("off", "off"), ("yes", "yes"), ("y", "y"),
    ("true", True), ("False", False), ("TRUE", True),
    ("2026-07-01", "2026-07-01"), ("2026-07", "2026-07"), ("12:30", "12:30"),
    ("010", 10), ("0o10", 8), ("0x1F", 31), ("+5", 5), ("-3", -3),
    ("1.5", 1.5), ("1.5e3", 1500.0), (".5", 0.5), ("1_000", "1_000"),
    ("~", None), ("null", None), ("", None),
    ("'no'", "no"), ('"010"', "010"), ("'true'", "true"),
])
def test_yaml_1_2_core_schema_scalars(text, value):
    assert loads(f"v: {text}\n").data == {"v": value}


def test_infinity_and_nan():
    data = loads("a: .inf\nb: -.Inf\nc: .nan\n").data
    assert data["a"] == math.inf and data["b"] == -math.inf and math.isnan(data["c"])


def test_keys_are_always_text():
    assert loads("1: a\ntrue: b\nno: c\n").data == {"1": "a", "true": "b", "no": "c"}


def test_block_scalars_keep_text():
    assert loads("f: |\n  a > 1\n").data == {"f": "a > 1\n"}


def test_empty_document_is_none():
    assert loads("").data is None
    assert loads("# only a comment\n").data is None


# ---------------------------------------------------------------- positions

def test_positions_of_keys_and_values():
    doc = loads("a:\n  b: 1\n  c: [x, 'y']\nd: {e: 2}\n")
    assert doc.where(("a", "b"), key=True) == (2, 3)
    assert doc.where(("a", "b")) == (2, 6)
    assert doc.where(("a", "c", 1)) == (3, 10)
    assert doc.where(("d", "e"), key=True) == (4, 5)
    assert doc.where(("d", "e")) == (4, 8)


def test_where_falls_back_to_the_nearest_ancestor():
    doc = loads("a:\n  b: 1\n")
    assert doc.where(("a", "b", "missing", 3)) == (2, 6)
    assert doc.where(("nothing",)) == (1, 1)


def test_expression_column_skips_the_opening_quote():
    doc = loads("a: x > 1\nb: 'x > 1'\nc: \"x > 1\"\n")
    assert doc.expression_column(("a",)) == (1, 4)
    assert doc.expression_column(("b",)) == (2, 5)
    assert doc.expression_column(("c",)) == (3, 5)


def test_diag_names_file_line_col_and_key_path():
    doc = loads("a:\n  b: [1, 2]\n", "rules.yaml")
    d = doc.diag(("a", "b", 1), "too big", hint="make it smaller")
    assert str(d) == "rules.yaml:2:10: error: too big; make it smaller (a.b[1])"


def test_unicode_positions_count_characters():
    doc = loads("标签: {中文: 1, b: 2}\n")
    assert doc.where(("标签", "b"), key=True) == (1, 13)


# ---------------------------------------------------------------- refusals

def test_duplicate_keys_are_errors_with_both_lines():
    [d] = refused("a: 1\nb: 2\na: 3\n")
    assert (d.line, d.col) == (3, 1)
    assert "duplicate key 'a' (first defined at line 1)" in d.message


def test_every_duplicate_key_is_reported():
    diags = refused("a: 1\na: 2\nb:\n  c: 1\n  c: 2\n")
    assert [(d.line, d.col) for d in diags] == [(2, 1), (5, 3)]


def test_anchors_are_refused():
    [d] = refused("a: &x 1\nb: 2\n")
    assert (d.line, d.col) == (1, 4)
    assert "anchor '&x' is not allowed" in d.message


def test_alias_bomb_is_refused_at_the_first_anchor():
    bomb = "a: &a [lol, lol]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    [d] = refused(bomb)
    assert (d.line, d.col) == (1, 4)


def test_merge_keys_are_refused():
    diags = refused("a: {x: 1}\nb:\n  <<: {x: 1}\n")
    assert "merge keys" in diags[0].message


def test_custom_tags_are_refused():
    [d] = refused("a: !!python/object:os.system x\n")
    assert "not allowed" in d.message and (d.line, d.col) == (1, 4)


def test_several_documents_are_refused():
    [d] = refused("a: 1\n---\nb: 2\n")
    assert d.line == 2 and "only one YAML document" in d.message


def test_syntax_errors_have_a_position():
    [d] = refused("a: [1, 2\nb: 3\n")
    assert d.message.startswith("YAML syntax:") and d.line >= 1


def test_size_limit_in_memory():
    [d] = refused("a: " + "x" * MAX_BYTES + "\n")
    assert "at most 1,048,576 bytes (1 MiB)" in d.message


def test_size_limit_on_disk_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (MAX_BYTES + 10) + b"\n")
    with pytest.raises(InvalidInput) as info:
        load(big)
    assert "1 MiB" in info.value.diagnostics[0].message


def test_not_utf8_is_located(tmp_path):
    f = tmp_path / "latin.yaml"
    f.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidInput) as info:
        load(f)
    [d] = info.value.diagnostics
    assert (d.line, d.col) == (2, 7) and "UTF-8" in d.message


def test_bom_is_accepted():
    assert loads(b"\xef\xbb\xbfa: 1\n").data == {"a": 1}


def test_missing_file_is_a_diagnostic(tmp_path):
    with pytest.raises(InvalidInput) as info:
        load(tmp_path / "nope.yaml")
    assert "cannot read file" in info.value.diagnostics[0].message


# ---------------------------------------------------------------- full-width punctuation (a Chinese keyboard)

@pytest.fixture(params=["libyaml", "pure"])
def yaml_path(request, monkeypatch):
    """Both ways the loader parses: libyaml (the fast path) and PyYAML's own parser (the careful path; taken
    for every file when libyaml is not installed)."""
    import yaml

    if request.param == "pure":
        monkeypatch.delattr(yaml, "CSafeLoader")
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("libyaml is not installed")
    monkeypatch.setenv("APPRAISE_LANG", "en")
    return request.param


def test_a_full_width_colon_is_reported_at_itself_with_the_fix(yaml_path):
    # line 3 is "  weight：15": the colon is the 9th character (2 spaces + 6 letters before it)
    [d] = refused("results:\n  label: Results\n  weight：15\n  kpis: {}\n")
    assert (d.line, d.col, d.code) == (3, 9, "yaml-fullwidth")
    assert d.message == ("full-width '：' (full-width colon, typed with a Chinese keyboard) where YAML needs the "
                         "ASCII ':'")
    assert d.hint == "write: weight: 15"


def test_a_full_width_colon_at_the_top_level_in_chinese(yaml_path, monkeypatch):
    monkeypatch.setenv("APPRAISE_LANG", "zh-CN")
    text = "id: sales\nversion: '1'\ntitle: 销售\nmissing: redistribute\nattributes: {}\ncurrency：CNY\n"
    [d] = refused(text)
    assert (d.line, d.col) == (6, 9)  # "currency" is 8 letters
    assert d.message == "此处是全角冒号“：”（中文输入法），YAML 需要半角的“:”"
    assert d.hint == "请切换到英文输入法，改为：currency: CNY"


def test_chinese_text_keeps_its_colons_and_every_slip_is_reported(yaml_path):
    text = ("rules:\n"
            "  - id: price-war\n"
            "    label: {en: Price war, zh-CN: 价格战：守住老客户}\n"   # a colon of Chinese text: not a slip
            "    reason: 价格战：守住\n"                                  # nor this one
            "    when：context.price_war\n"                              # line 5, col 9
            "    then：[]\n")                                            # line 6, col 9
    found = refused(text)
    assert [(d.line, d.col, d.code) for d in found] == [(5, 9, "yaml-fullwidth"), (6, 9, "yaml-fullwidth")]
    assert [d.hint for d in found] == ["write: when: context.price_war", "write: then: []"]


@pytest.mark.parametrize("text, where, fixed", [
    ("a: {x: 1， y: 2}\n", (1, 9), "a: {x: 1, y: 2}"),        # a flow mapping's comma
    ("a: [x, y】\n", (1, 9), "a: [x, y]"),                    # a Chinese bracket closing a list
    ("- a\n－ b\n", (2, 1), "- b"),                            # a list dash
    ("a: {b：1}\n", (1, 6), "b: 1"),                           # no error for YAML: a key 'b：1' with no value
])
def test_other_full_width_slips(yaml_path, text, where, fixed):
    [d] = refused(text)
    assert (d.line, d.col, d.code) == (*where, "yaml-fullwidth")
    assert d.hint == f"write: {fixed}"


def test_a_syntax_error_full_width_punctuation_does_not_explain_stays_a_syntax_error(yaml_path):
    [d] = refused("label: 价格战：守住\nitems: [1, 2\n")
    assert d.code == "yaml-syntax" and d.message.startswith("YAML syntax:")


def test_what_still_fails_after_the_slips_is_reported_too(yaml_path):
    found = refused("a：1\nb: [1, 2\n")
    assert [d.code for d in found] == ["yaml-fullwidth", "yaml-syntax"]
    assert (found[0].line, found[0].col) == (1, 2)
