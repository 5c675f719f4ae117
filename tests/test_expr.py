"""The safe expression language: parsing, refusals, name/type checks, evaluation, polars."""
from __future__ import annotations

import pytest

from appraise.language import expr
from appraise.language.expr import ExpressionError, Scope, check, evaluate, holds, parse


def refusal(text) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    return info.value


# ---------------------------------------------------------------- parsing

def test_parse_collects_names_and_fields():
    e = parse('region in context.restricted_regions and tenure_months < 3 and previous.grade == "A"')
    assert e.names == {"region", "tenure_months"}
    assert e.fields == {("context", "restricted_regions"), ("previous", "grade")}


def test_expressions_compare_by_text():
    assert parse("a + 1") == parse("a + 1") and hash(parse("a")) == hash(parse("a"))


def test_true_false_null_are_not_names():
    assert parse("true and not false or x == null").names == {"x"}


@pytest.mark.parametrize("text, fragment, offset", [
    ("a ** 2", "'**' (power) is not allowed", 2),
    ("(a / b) ** 2", "'**' (power) is not allowed", 8),
    ("a // 2", "'//' is not allowed", 2),
    ("a % 2", "'%' is not allowed", 2),
    ('__import__("os")', "calling '__import__' is not allowed", 0),
    ("open('x')", "calling 'open' is not allowed", 0),
    ("context.__class__", "access to '__class__' is not allowed", 8),
    ("_secret > 1", "names starting with '_' are not allowed", 0),
    ("a.b", "attribute access is only allowed on 'context' and 'previous'", 0),
    ("context", "'context' needs a field", 0),
    ("x[0]", "indexing with [...] is not allowed", 0),
    ("lambda: 1", "lambda is not allowed", 0),
    ("f'{a}'", "f-strings is not allowed", 0),
    ("[a for a in b]", "comprehensions is not allowed", 0),
    ("(a := 1)", "':=' is not allowed", 1),
    ("a if b else c", "'x if c else y' is not allowed", 0),
    ("a is None", "'is' is not allowed", 0),
    ("~a", "'~' is not allowed", 0),
    ("min(a)", "min() takes 2 to 16 arguments, got 1", 0),
    ("round(a, b)", "round()'s second argument must be a whole number", 9),
    ("x in [a, 1]", "list items must be plain numbers or text", 6),
    ("a > 1e300", "out of range", 4),
    ("a >", "not a valid expression", 3),
    ("   ", "expression is empty", 0),
])
def test_refusals_say_what_and_where(text, fragment, offset):
    err = refusal(text)
    assert fragment in err.message
    assert err.offset == offset


def test_length_limit():
    err = refusal("a + " * 130 + "a")
    assert "the limit is 500" in err.message and err.offset == 500


def test_nesting_limit():
    assert "nests deeper" in refusal("(" * 40 + "a" + ")" * 40).message


# ---------------------------------------------------------------- checks

SCOPE = Scope("the condition of rule 'r'", {"revenue": "number", "region": "string", "tenure_months": "number"},
              context=True, previous=True)


def test_unknown_name_with_suggestion_and_offset():
    [p] = check(parse("tenure_month < 3"), SCOPE, want_bool=True)
    assert p.message == "unknown name 'tenure_month' in the condition of rule 'r'; did you mean 'tenure_months'?"
    assert p.offset == 0
    [p] = check(parse("revenue > 1 and revnue < 2"), SCOPE, want_bool=True)
    assert p.offset == 16 and "did you mean 'revenue'" in p.message


def test_context_and_previous_follow_the_scope():
    formula = Scope("the formula of metric 'm'", {"a": "number"}, context=False, previous=False)
    [p] = check(parse("a * 2 + context.bonus"), formula)
    assert "'context' cannot be used" in p.message and p.offset == 8
    [p] = check(parse("previous.grade == 'A'"), formula, want_bool=True)
    assert "'previous' cannot be used" in p.message


def test_previous_fields_are_checked():
    [p] = check(parse("previous.grad == 'A'"), SCOPE, want_bool=True)
    assert "did you mean 'previous.grade'" in p.message


def test_types():
    assert check(parse("revenue > 1"), SCOPE, want_bool=True) == []
    [p] = check(parse("revenue + 1"), SCOPE, want_bool=True)
    assert "must be true or false" in p.message
    [p] = check(parse("region"), SCOPE)
    assert "must be a number" in p.message
    [p] = check(parse("region > 3"), SCOPE, want_bool=True)
    assert "compares a number with text" in p.message
    [p] = check(parse("region in 'north'"), SCOPE, want_bool=True)
    assert "'in' needs a list" in p.message
    assert check(parse("region in context.restricted"), SCOPE, want_bool=True) == []
    assert check(parse("context.price_war"), SCOPE, want_bool=True) == []


# ---------------------------------------------------------------- evaluation

@pytest.mark.parametrize("text, env, value", [
    ("a + b * 2", {"a": 1, "b": 3}, 7),
    ("a / b", {"a": 1, "b": 0}, None),
    ("a / b", {"a": 1, "b": 4}, 0.25),
    ("a + 1", {"a": None}, None),
    ("a > 1", {"a": None}, None),
    ("a > 1 and b", {"a": 0, "b": None}, False),
    ("a > 1 or b > 1", {"a": 5, "b": None}, True),
    ("a > 1 or b > 1", {"a": 0, "b": None}, None),
    ("not a", {"a": None}, None),
    ("1 < a <= 3", {"a": 3}, True),
    ("g in ['C', 'D']", {"g": "C"}, True),
    ("g not in ['C', 'D']", {"g": "C"}, False),
    ("min(a, b, 3)", {"a": 5, "b": 4}, 3),
    ("max(a, b)", {"a": 5, "b": None}, None),
    ("abs(a)", {"a": -2}, 2),
    ("round(a, 2)", {"a": 2.675}, 2.68),
    ("round(a)", {"a": 2.5}, 3.0),
    ("-a", {"a": 2}, -2),
])
def test_evaluate(text, env, value):
    assert evaluate(parse(text), env) == value


def test_evaluate_context_and_previous():
    e = parse("region in context.restricted and previous.grade == 'A'")
    assert evaluate(e, {"region": "north"}, {"restricted": ["north"]}, {"grade": "A"}) is True
    assert evaluate(e, {"region": "north"}, {"restricted": ["north"]}, {}) is None


def test_holds_only_when_true():
    assert holds(parse("a > 1"), {"a": 2})
    assert not holds(parse("a > 1"), {"a": None})


def test_round_half_up():
    assert expr.round_half_up(108.265, 2) == 108.27
    assert expr.round_half_up(-0.5) == -1.0


# ---------------------------------------------------------------- polars

def test_to_polars_basics():
    import polars as pl

    df = pl.DataFrame({"a": [1.0, 2.0, None, 4.0], "b": [0.0, 1.0, 1.0, 2.0],
                       "region": ["north", "east", "north", None]})
    ctx = {"restricted": ["north"], "flag": True}

    def run(text):
        return df.select(expr.to_polars(parse(text), pl.col, ctx).alias("x"))["x"].to_list()

    assert run("a / b") == [None, 2.0, None, 2.0]
    assert run("a > 1 and context.flag") == [False, True, None, True]
    assert run("region in context.restricted") == [True, False, True, None]
    assert run("min(a, b)") == [0.0, 1.0, None, 2.0]
    assert run("round(a / 8, 2)") == [0.13, 0.25, None, 0.5]
    assert run("region in ['east']") == [False, True, False, None]


def test_polars_matches_the_interpreter():
    import polars as pl

    rows = [{"a": 3.0, "b": 2.0}, {"a": 1.0, "b": 0.0}, {"a": None, "b": 1.0}]
    df = pl.DataFrame(rows)
    for text in ("a / b + 1", "a * 2 - b", "max(a, b)", "abs(b - a)", "a >= 2 or b == 0"):
        e = parse(text)
        got = df.select(expr.to_polars(e, pl.col, {}).alias("x"))["x"].to_list()
        want = [evaluate(e, r) for r in rows]
        assert got == want, text


@pytest.mark.parametrize("text, want", [
    ("0.1 + 0.2 == 0.3", True), ("0.1 + 0.2 <= 0.3", True), ("0.1 + 0.2 > 0.3", False),
    ("x * 1.1 >= 110000", True), ("x * 1.1 < 110000", False), ("x * 1.1 != 110000", False),
    ("x + 0.01 > 100000", True), ("x - 0.01 < 100000", True), ("x == 100000.0000001", False),
    ("0 < 1e-300 * x", True), ("0 == 0 * x", True),
])
def test_numbers_compare_as_written_in_both_interpreters(text, want):
    """Within a relative 1e-12 two numbers are equal (binary noise), beyond it they differ; the
    row interpreter and the columnar compiler agree."""
    import polars as pl

    from appraise.language.expr import to_polars

    parsed = parse(text)
    assert evaluate(parsed, {"x": 100000.0}) is want
    got = pl.DataFrame({"x": [100000.0]}).select(to_polars(parsed, pl.col, {}, {"x": "number"}))[0, 0]
    assert got is want


def test_text_comparisons_stay_exact():
    import polars as pl

    from appraise.language.expr import to_polars

    for text, want in (("s == 'north'", False), ("s < 'b'", True), ("s >= 'a'", True)):
        assert evaluate(parse(text), {"s": "a"}) is want
        assert pl.DataFrame({"s": ["a"]}).select(to_polars(parse(text), pl.col, {}, {"s": "string"}))[0, 0] is want


# ---------------------------------------------------------------- exclusivity (the validator's proof)

def test_exclusive_conditions_are_recognised():
    from appraise.language.expr import exclusive

    pairs = [("context.f", "not context.f", True), ("tenure_months < 3", "3 <= tenure_months", True),
             ('r in context.regions', 'r not in context.regions', True), ("1 < x < 3", "x >= 3", True),
             ('g in ["C", "D"]', 'g == "A"', True), ('g == "C"', 'g != "C"', True), ("x == 5", "x > 5", True),
             ("a > 1 or b > 1", "not a > 1 and b <= 1", True),
             ('g in ["C", "D"]', 'g != "C"', False), ("x <= 3", "x >= 3", False), ("a or b", "not a", False),
             ("x > 5", "y < 3", False), ("context.f", "context.g", False)]
    for a, b, want in pairs:
        assert exclusive(parse(a), parse(b)) is want and exclusive(parse(b), parse(a)) is want, (a, b)


def _conditions():
    from hypothesis import strategies as st

    number = st.sampled_from(["-1", "0", "2.5", "3"])
    text = st.sampled_from(['"a"', '"b"', '"c"'])
    op = st.sampled_from(["<", "<=", ">", ">=", "==", "!="])
    atoms = st.one_of(
        st.builds(lambda o, c: f"x {o} {c}", op, number), st.builds(lambda o, c: f"{c} {o} x", op, number),
        st.builds(lambda c, d: f"{c} < x <= {d}", number, number),
        st.builds(lambda o, c: f"s {o} {c}", st.sampled_from(["==", "!="]), text),
        st.builds(lambda o, cs: f"s {o} [{', '.join(cs)}]", st.sampled_from(["in", "not in"]),
                  st.lists(text, min_size=1, max_size=3)),
        st.builds(lambda o, cs: f"x {o} [{', '.join(cs)}]", st.sampled_from(["in", "not in"]),
                  st.lists(number, min_size=1, max_size=3)),
        st.sampled_from(["context.flag", "x > 0 and context.flag"]))
    return st.recursive(atoms, lambda inner: st.one_of(
        st.builds(lambda a: f"not ({a})", inner),
        st.builds(lambda a, b, w: f"({a}) {w} ({b})", inner, inner, st.sampled_from(["and", "or"]))), max_leaves=4)


def test_exclusive_is_a_proof_never_both_hold():
    """Whenever exclusive() says two conditions never hold together, no employee satisfies both."""
    from hypothesis import given, settings

    from appraise.language.expr import exclusive

    xs = [None, -1.0, 0.0, 2.5, 3.0, 3.0000000000001, 2.9999999999999, 10.0, 5.0]

    @settings(max_examples=400, deadline=None)
    @given(_conditions(), _conditions())
    def check_pair(a, b):
        pa, pb = parse(a), parse(b)
        if not exclusive(pa, pb):
            return
        for x in xs:
            for s in (None, "a", "b", "c"):
                for flag in (True, False, None):
                    env, ctx = {"x": x, "s": s}, {"flag": flag}
                    assert not (holds(pa, env, ctx) and holds(pb, env, ctx)), (a, b, env, ctx)

    check_pair()


def test_exclusive_is_exact_on_every_pair_of_simple_comparisons():
    """Every pair of one-comparison conditions on x (and their negations): exclusive() says so exactly
    when no tested value satisfies both, at the constants themselves and a hair either side of them;
    for chained comparisons it is never wrong when it says so."""
    from appraise.language.expr import exclusive

    atoms = [f"x {o} {c}" for o in ("<", "<=", ">", ">=", "==", "!=") for c in ("-1", "0", "3")]
    atoms += ["x in [0, 3]", "x not in [0, 3]", "x in [-1]"]
    atoms += [f"not ({a})" for a in atoms]
    chains = ["1 < x < 3", "-1 <= x <= 0", "not (1 < x < 3)"]  # 'and's: exclusive() may miss some, never errs
    xs = [v + d for v in (-1.0, 0.0, 1.0, 3.0) for d in (-0.5, -1e-9, 0.0, 1e-9, 0.5)] + [None]
    for a in atoms + chains:
        for b in atoms + chains:
            pa, pb = parse(a), parse(b)
            together = any(holds(pa, {"x": x}) and holds(pb, {"x": x}) for x in xs)
            if a in chains or b in chains:
                assert not (together and exclusive(pa, pb)), (a, b)
            else:
                assert exclusive(pa, pb) is (not together), (a, b)


def test_in_a_list_of_numbers_is_equality_within_the_tolerance():
    """'x in [3]' means 'x == 3' (hypothesis found 3.0000000000001 both == 3 and not in [3])."""
    import polars as pl

    x = 3.0000000000001  # 3.3e-14 apart: within the relative 1e-12 of '=='
    for text, want in [("x == 3", True), ("x in [3]", True), ("x not in [3]", False), ("x in [2, 4]", False),
                       ("x in [3.1]", False), ("y in [3]", None)]:
        assert evaluate(parse(text), {"x": x, "y": None}) is want, text
        got = pl.DataFrame({"x": [x], "y": [None]}, schema={"x": pl.Float64, "y": pl.Float64}) \
            .select(expr.to_polars(parse(text), pl.col, {}, {"x": "number", "y": "number"}))[0, 0]
        assert got is want, text
