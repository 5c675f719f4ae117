"""What a command pays before it does anything: the modules it imports, and how plugins are found (issue 17).

`appraise validate` runs in CI and pre-commit hooks on every commit; its fixed cost is imports.  These tests keep
the heavy ones out of the paths that do not use them (no timings: which modules are loaded is what is checked).
"""
from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

import appraise.plugins as plugins_module

ROOT = Path(__file__).parent.parent
HEAVY = ("polars", "numpy", "pyarrow", "sqlalchemy", "jsonschema", "jinja2", "importlib.metadata",
         "importlib.resources", "appraise.language.compile")  # the validator compiles a ruleset only for a cycle


def loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` a fresh interpreter has loaded after running ``code``."""
    probe = f"import json, sys\n{code}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout)


def test_validating_a_ruleset_imports_nothing_heavy():
    ruleset = ROOT / "rulesets" / "sales-team.yaml"
    assert loaded_after("import appraise.cli, appraise.commands.validate\n"
                        "from appraise.language.validate import validate_files\n"
                        f"assert not validate_files([{str(ruleset)!r}]).diagnostics") == []


def test_a_distribution_is_named_as_its_metadata_says():
    """The plugin manager reads a distribution's name from its METADATA header (the whole file is ~200 KB for
    appraise): the same name as the parsed metadata, for every installed distribution."""
    for dist in distributions():
        assert plugins_module._dist_name(dist) == dist.metadata["Name"]
