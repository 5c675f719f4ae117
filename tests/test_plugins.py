"""The plugin manager: lazy loading, APPRAISE_PLUGINS, check_pending, provider registry, ``appraise plugins``,
and the example third-party package ``plugins/appraise-jsonl`` installed for real."""
from __future__ import annotations

import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from click.testing import CliRunner

import appraise.plugins as plugins_module
from appraise import hookspecs
from appraise.cli import main
from appraise.hookspecs import hookimpl
from appraise.plugins import PluginError, get_plugin_manager, provider_schemas, providers, reset_plugin_manager

ROOT = Path(__file__).resolve().parents[1]
JSONL = ROOT / "plugins" / "appraise-jsonl"
BUILTIN = {"csv", "excel", "parquet", "sql", "duckdb", "feedback360", "okr"}


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    monkeypatch.setenv("APPRAISE_PLUGINS", "")
    reset_plugin_manager()
    yield
    reset_plugin_manager()


class FakeEntryPoint:
    """Stands in for an installed third-party distribution's entry point."""

    def __init__(self, name, plugin, dist="appraise-fake"):
        self.name, self._plugin = name, plugin
        self.value = f"{dist.replace('-', '_')}:plugin"
        self.dist = SimpleNamespace(metadata={"Name": dist}, version="9.9")

    def load(self):
        return self._plugin


def with_fakes(monkeypatch, *fakes):
    real = list(plugins_module._entry_points())
    monkeypatch.setattr(plugins_module, "_entry_points", lambda: real + list(fakes))


class Extra:
    name = "extra"
    kinds = frozenset({"metrics"})
    default_kind = "metrics"
    options_schema = {"type": "object", "properties": {"token": {"type": "string", "description": "API token"}}}

    def read(self, source, request):  # pragma: no cover - never read here
        raise NotImplementedError


class ExtraPlugin:
    @hookimpl
    def appraise_providers(self, register):
        register(Extra)


def test_builtins_are_entry_points_of_the_appraise_distribution():
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="appraise.plugins")}
    assert BUILTIN <= set(eps)
    assert all(eps[name].startswith("appraise.plugins.") for name in BUILTIN)
    assert BUILTIN <= set(providers())


def test_loading_is_lazy_and_cheap():
    code = ("import sys, appraise.plugins as p, appraise.language.cycle, appraise.hookspecs\n"
            "assert p._pm is None, 'loaded at import'\n"
            "p.provider_schemas()\n"
            "heavy = [m for m in ('polars', 'duckdb', 'sqlalchemy', 'openpyxl') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "APPRAISE_PLUGINS": ""})


def test_the_manager_is_built_once():
    assert get_plugin_manager() is get_plugin_manager()


def test_third_party_plugins_load_unless_restricted(monkeypatch):
    with_fakes(monkeypatch, FakeEntryPoint("extra", ExtraPlugin()))
    monkeypatch.delenv("APPRAISE_PLUGINS")
    reset_plugin_manager()
    assert "extra" in providers()
    monkeypatch.setenv("APPRAISE_PLUGINS", "")  # none: built-ins only
    reset_plugin_manager()
    assert set(providers()) == BUILTIN
    monkeypatch.setenv("APPRAISE_PLUGINS", "extra")
    reset_plugin_manager()
    assert set(providers()) == BUILTIN | {"extra"}
    info = {p.name: p for p in plugins_module.plugins()}
    assert info["extra"].version == "9.9" and not info["extra"].builtin
    assert info["extra"].hooks == ("appraise_providers",)


def test_restricting_to_a_plugin_that_is_not_installed_fails(monkeypatch):
    monkeypatch.setenv("APPRAISE_PLUGINS", "jsnol")
    with pytest.raises(PluginError, match="APPRAISE_PLUGINS names jsnol, which is not installed"):
        get_plugin_manager()


def test_check_pending_catches_a_misspelt_hook(monkeypatch):
    class Misspelt:
        @hookimpl
        def appraise_provider(self, register):  # missing the final s
            register(Extra)

    with_fakes(monkeypatch, FakeEntryPoint("misspelt", Misspelt()))
    monkeypatch.setenv("APPRAISE_PLUGINS", "misspelt")
    with pytest.raises(PluginError, match="appraise_provider") as info:
        get_plugin_manager()
    assert "appraise_providers" in str(info.value)  # the message lists the hooks that exist


def test_a_plugin_that_fails_to_import_is_named(monkeypatch):
    class Broken(FakeEntryPoint):
        def load(self):
            raise ImportError("No module named 'requests'")

    with_fakes(monkeypatch, Broken("broken", None))
    monkeypatch.setenv("APPRAISE_PLUGINS", "broken")
    with pytest.raises(PluginError, match="plugin 'broken' .* failed to load: No module named 'requests'"):
        get_plugin_manager()


def test_two_providers_with_one_name_is_an_error(monkeypatch):
    class Clash:
        @hookimpl
        def appraise_providers(self, register):
            register(type("Csv2", (Extra,), {"name": "csv"}))

    with_fakes(monkeypatch, FakeEntryPoint("clash", Clash()))
    monkeypatch.setenv("APPRAISE_PLUGINS", "clash")
    with pytest.raises(PluginError, match="provider 'csv' is registered by both plugin 'csv' and plugin 'clash'"):
        providers()


def test_a_provider_missing_part_of_the_contract_is_an_error(monkeypatch):
    class Incomplete:
        @hookimpl
        def appraise_providers(self, register):
            register(SimpleNamespace(name="half", kinds=frozenset({"metrics"})))

    with_fakes(monkeypatch, FakeEntryPoint("incomplete", Incomplete()))
    monkeypatch.setenv("APPRAISE_PLUGINS", "incomplete")
    with pytest.raises(PluginError, match="without 'default_kind'"):
        providers()


def test_provider_option_schemas_are_valid_draft7_and_refuse_unknown_keys():
    schemas = provider_schemas()
    assert set(schemas) == BUILTIN
    for name, schema in schemas.items():
        jsonschema.Draft7Validator.check_schema(schema)
        v = jsonschema.Draft7Validator(schema)
        assert not list(v.iter_errors({"provider": name, "path": "x", **({"url": "sqlite://"} if name == "sql"
                                                                          else {})}))
        assert list(v.iter_errors({"provider": name, "path": "x", "no_such_option": 1}))
    assert "url" in schemas["sql"]["required"]


def test_every_hook_is_documented():
    specs = [n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if n.startswith("appraise_")]
    assert specs == ["appraise_providers", "appraise_renderers"]
    readme = (ROOT / "README.md").read_text(encoding="utf-8") if (ROOT / "README.md").exists() else ""
    for name in specs:
        doc = getattr(hookspecs, name).__doc__ or ""
        assert "Receives" in doc and "Returns" in doc and "Collector" in doc, name
        assert inspect.signature(getattr(hookspecs, name)).parameters["register"].annotation
        assert name in readme, f"{name} is not described in README.md"


def test_plugins_command_text_and_json(monkeypatch):
    with_fakes(monkeypatch, FakeEntryPoint("extra", ExtraPlugin()))
    monkeypatch.setenv("APPRAISE_PLUGINS", "extra")
    reset_plugin_manager()
    runner = CliRunner()
    text = runner.invoke(main, ["plugins"])
    assert text.exit_code == 0, text.output
    assert "csv 0.1.0 (built-in)  hooks: appraise_providers" in text.output
    assert "extra 9.9 (appraise-fake)  hooks: appraise_providers" in text.output
    assert "    url (required): SQLAlchemy URL" in text.output
    assert "    token: API token" in text.output
    reset_plugin_manager()
    out = runner.invoke(main, ["plugins", "--format", "json"])
    rows = {r["name"]: r for r in json.loads(out.output)}
    assert rows["extra"]["providers"][0]["options"]["token"]["description"] == "API token"
    assert rows["sql"]["providers"][0]["required"] == ["url"]
    assert rows["csv"]["builtin"] is True and rows["csv"]["hooks"] == ["appraise_providers"]


# ---------------------------------------------------------------- the example third-party package

def _pip(*args):
    return subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def jsonl_installed(tmp_path_factory):
    """pip-installs plugins/appraise-jsonl for real (its wheel built by pip, entry point and metadata included) into
    a folder of its own, which the tests' subprocesses get on PYTHONPATH.  Not into the shared virtualenv: tests
    running meanwhile on the other worker would find its entry point without its module."""
    target = tmp_path_factory.mktemp("site")
    done = _pip("install", "--no-deps", "--target", str(target), str(JSONL))
    if done.returncode != 0:
        pytest.fail(f"pip install {JSONL} failed:\n{done.stderr}")
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), before) if p)
    yield target
    if before is None:  # the test process's own imports never used it
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = before


def _appraise(*args, plugins="jsonl"):
    env = {**os.environ, "APPRAISE_PLUGINS": plugins}
    return subprocess.run([sys.executable, "-m", "appraise", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT)


def test_installed_plugin_is_listed(jsonl_installed):
    listed = _appraise("plugins", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    row = {r["name"]: r for r in json.loads(listed.stdout)}["jsonl"]
    assert row["version"] == "0.1.0" and row["distribution"] == "appraise-jsonl" and not row["builtin"]
    assert row["providers"][0]["name"] == "jsonl"
    hidden = _appraise("plugins", plugins="")
    assert "jsonl" not in hidden.stdout  # APPRAISE_PLUGINS="" isolates from it


def test_a_cycle_can_read_metrics_with_the_installed_plugin(jsonl_installed, tmp_path):
    from test_providers import write_csv

    cycle = write_csv(tmp_path)
    import polars as pl

    rows = pl.read_csv(tmp_path / "data" / "metrics.csv").to_dicts()
    (tmp_path / "data" / "metrics.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n",
                                                     encoding="utf-8")
    cycle.write_text(cycle.read_text().replace("provider: csv\n  path: data/metrics.csv",
                                               "provider: jsonl\n  path: data/metrics.jsonl"))
    code = ("import sys, json\n"
            "from appraise.language.cycle import load_cycle\nfrom appraise.language.ruleset import load_ruleset\n"
            "from appraise.provide.stage import Needs, provide\n"
            f"c = load_cycle({str(cycle)!r})\n"
            "p = provide(c, Needs.from_ruleset(load_ruleset(c.ruleset_path)))\n"
            "m = p.inputs.metrics.sort('employee', 'month')\n"
            "print(json.dumps({'rows': m.height, 'sources': sorted(p.inputs.sources),"
            " 'e1': m.filter(m['employee'] == 'E001')['revenue'].to_list()}))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "APPRAISE_PLUGINS": "jsonl"})
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["rows"] == 15 and got["e1"] == [450000.0, 470000.0, 430000.0]
    assert "data/metrics.jsonl" in got["sources"]


def test_the_example_package_passes_its_own_tests(jsonl_installed):
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(JSONL / "tests")],
                          capture_output=True, text=True, cwd=JSONL)
    assert done.returncode == 0, done.stdout + done.stderr
