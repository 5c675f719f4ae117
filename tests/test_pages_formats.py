"""Issue 17, pages: the view models' memoised formatter (views._Memo) keeps a float's text by its value alone, one
table per formatting; it must answer exactly as the formatter answers (appraise.i18n.Formatter, the plain path),
for every float (-0.0 beside 0.0, values at the edges of half-up rounding, exponents, inf and nan), both languages
and every formatting a page uses, the first time and from memory.  And the templates compiled per language give
plain Jinja's bytes.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appraise.i18n import formatter
from appraise.plugins.html.views import _Memo

EDGES = [0.0, -0.0, 0.5, -0.5, 0.05, 0.005, 0.0005, 0.045, 0.055, 0.95, 0.995, 0.9995, 1.005, 2.675, 1.0, 10.0, 99.95,
         999.5, 999.95, 1000.0, 1234567.891, -1234567.891, 0.125, -0.125, 1e-05, 1.5e-07, 1e16, 1.5e16, 9.99e15,
         123456789012345.67, 0.1 + 0.2, 1 / 3, -2 / 3, math.inf, -math.inf, math.nan, 5e-324, 1.7976931348623157e308]
UNITS = ("ratio", "percent", "money", "number", "count")


def _outcome(fn, *args):
    try:
        return fn(*args)
    except Exception as exc:  # the same refusal counts as the same answer
        return type(exc)


def _same(memo: _Memo, plain, value: float) -> None:
    for digits in (0, 1, 2, 3):
        assert _outcome(memo.number, value, digits) == _outcome(plain.number, value, digits), (value, digits)
        assert _outcome(memo.percent, value, digits) == _outcome(plain.percent, value, digits), (value, digits)
    assert _outcome(memo.score, value) == _outcome(plain.score, value), value
    for unit in UNITS:
        assert _outcome(memo.measure, value, unit) == _outcome(plain.measure, value, unit), (value, unit)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_floats_at_the_edges_of_rounding_and_repr(locale):
    plain, memo = formatter(locale, "CNY"), _Memo(formatter(locale, "CNY"))
    for value in EDGES + [-v for v in EDGES]:
        _same(memo, plain, value)
        _same(memo, plain, value)  # from memory


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                       st.floats(min_value=-1e7, max_value=1e7),
                       st.decimals(min_value=-10**6, max_value=10**6, places=4).map(float)),
       locale=st.sampled_from(["en", "zh-CN"]))
def test_any_float_is_written_as_the_formatter_writes_it(value, locale):
    memo = _Memo(formatter(locale, "CNY"))
    _same(memo, formatter(locale, "CNY"), value)
    _same(memo, formatter(locale, "CNY"), -value)  # -0.0 after 0.0: the same key, the same text


# --------------------------------------------------------------------------- templates compiled per language


def test_texts_put_in_when_compiled_are_what_plain_jinja_writes():
    """renderer.folded_environment: t("key") replaced by the text when the template is compiled (escaped as
    Jinja escapes it), the main block and the parent template joined where written; plain Jinja (the package's
    templates, Texts called per page) writes the same bytes, for a wording with braces and markup, in a block, a
    loop and an attribute; an unknown key still fails where the page asks for it."""
    import jinja2

    from appraise.i18n import Texts
    from appraise.plugins.html import renderer as html_renderer

    source = ('{% extends "base.html" %}{% block main %}<p title="{{ t(\'grade\') }}">{{ t("score") }}|'
              '{{ t("grade") }}</p>{% for x in v.rows %}{{ t("score") }}{{ x }}{% endfor %}'
              '{{ t("tenure.months", n=3) }}{% endblock %}')
    view = {"lang": "en", "title": "<x>", "ruleset_title": "r & s", "cycle": "c", "confidential": "z", "rows": [1, 2]}
    brand = html_renderer.Branding().as_dict
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(str(html_renderer.BUILTIN_TEMPLATES)),
                               autoescape=True, keep_trailing_newline=True)
    for locale in ("en", "zh-CN"):
        t = Texts(locale, {"score": {"en": "Score {points} & <b>{{x}}</b>", "zh-CN": "得分 <i>"},
                           "grade": {"en": 'Grade "A"'}})
        expected = plain.from_string(source).render(v=view, t=t, brand=brand)
        folded = html_renderer.folded_environment(None, t)
        assert folded is not html_renderer.environment(None)
        assert folded.from_string(source).render(v=view, t=t, brand=brand) == expected
        assert ("Score {points} &amp; &lt;b&gt;{{x}}&lt;/b&gt;" if locale == "en" else "得分 &lt;i&gt;") in expected
        broken = '{% extends "base.html" %}{% block main %}{{ t("no.such.text") }}{% endblock %}'
        with pytest.raises(KeyError):
            folded.from_string(broken).render(v=view, t=t, brand=brand)
