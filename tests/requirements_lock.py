"""requirements.lock: the exact version of every package appraise needs (all extras: postgres, workshop, test), as
installed in this venv.  `make lock` writes it (python tests/requirements_lock.py > requirements.lock); `make demo`
and `make test` install with it as constraints, so a new release of polars, xlsxwriter or jinja2 cannot change the
bytes of an output until someone re-locks on purpose.  tests/test_lockfile.py checks the lock and pyproject agree.

The closure is read from the installed packages' metadata (importlib.metadata), markers evaluated for this
interpreter: nothing is downloaded, and packages installed by hand (say atheris for `make fuzz`) stay out.
"""
from __future__ import annotations

import re
import sys
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement

ROOT_EXTRAS = ("postgres", "workshop", "test")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def closure(root: str = "appraise", extras: tuple[str, ...] = ROOT_EXTRAS) -> dict[str, str]:
    """Normalised name -> installed version of every package the root needs, with its extras, transitively."""
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(root, frozenset(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, wanted = todo.pop()
        if (name, wanted) in seen:
            continue
        seen.add((name, wanted))
        dist = metadata.distribution(name)
        if _name(name) != _name(root):
            found[_name(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is not None:
                environments = [{**default_environment(), "extra": e} for e in (wanted or {""})]
                if not any(req.marker.evaluate(env) for env in environments):
                    continue
            todo.append((req.name, frozenset(req.extras)))
    return dict(sorted(found.items()))


def render(pins: dict[str, str]) -> str:
    head = ("# appraise's dependencies, every extra included, pinned as installed (make lock writes this file from\n"
            f"# the venv; Python {sys.version_info.major}.{sys.version_info.minor}).  make demo / make test: "
            "pip install -c requirements.lock -e '.[test]'\n")
    return head + "".join(f"{name}=={version}\n" for name, version in pins.items())


if __name__ == "__main__":
    sys.stdout.write(render(closure()))
