"""The ``appraise`` command line.

Each sub-command lives in its own module under :mod:`appraise.commands` and is
imported only when it runs (or when ``--help`` lists it), so ``appraise
validate`` never pays for polars.
"""
from __future__ import annotations

import importlib
import pkgutil

import click

from appraise import __version__


class _LazyGroup(click.Group):
    """Finds commands as modules of :mod:`appraise.commands` exposing ``command``."""

    def _names(self) -> list[str]:
        from appraise import commands

        return sorted(m.name.replace("_", "-") for m in pkgutil.iter_modules(commands.__path__)
                      if not m.name.startswith("_"))

    def list_commands(self, ctx):
        return self._names()

    def get_command(self, ctx, name):
        if name not in self._names():
            return None
        module = importlib.import_module(f"appraise.commands.{name.replace('-', '_')}")
        return module.command


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="appraise")
def main():
    """appraise: appraisal as code.

    Rule files declare KPI weights, OKRs, 360 sources, bonus tiers and
    reweighting rules; cycle files say which period to review and where the
    data is.  Typical use:

    \b
      appraise validate rulesets/            # check rule files (CI, pre-commit)
      appraise run cycles/2026-Q3.yaml       # score, grade, calibrate, pay, render
      appraise explain cycles/2026-Q3.yaml E001   # every number for one person
    """


if __name__ == "__main__":  # pragma: no cover
    main()
