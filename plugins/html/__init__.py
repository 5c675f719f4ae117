"""The built-in HTML renderer, a default plugin (entry point ``html`` in ``pyproject.toml``).

It registers through ``appraise_renderers`` exactly as a third-party renderer
does and receives the same :class:`~appraise.present.render.RenderRequest`.
It owns everything about its pages:

* :mod:`~appraise.plugins.html.views`: results → view models (translated,
  formatted, privacy already applied);
* :mod:`~appraise.plugins.html.paths`: where each page goes;
* :mod:`~appraise.plugins.html.renderer`: branding, Jinja2 and the writing of
  the files (a process pool for large cycles);
* ``templates/``: the Jinja2 templates and style sheet.
"""
from __future__ import annotations

from typing import Any

from appraise.hookspecs import hookimpl

__all__ = ["HtmlRenderer", "appraise_renderers"]


@hookimpl
def appraise_renderers(register):
    """Register the built-in HTML renderer (its module, and Jinja2, imported when a cycle is run with pages or
    validated: not for every plugin look-up)."""
    from appraise.plugins.html.renderer import HtmlRenderer

    register(HtmlRenderer)


def __getattr__(name: str) -> Any:
    if name == "HtmlRenderer":
        from appraise.plugins.html.renderer import HtmlRenderer

        return HtmlRenderer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
