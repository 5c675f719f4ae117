"""appraise plugins: the plugin manager, and (as submodules) the built-in plugins.

The built-in providers (``csv_provider``, ``excel``, ``parquet``, ``sql``,
``duckdb_provider``, ``feedback360``, ``okr``) are ordinary plugins: they are
registered through the ``appraise.plugins`` entry-point group in
``pyproject.toml`` exactly as a third-party package registers its own.

Loading is lazy and happens once, in :func:`get_plugin_manager` — never at
import.  ``APPRAISE_PLUGINS`` restricts which *third-party* plugins load:

* unset: every installed plugin;
* ``""`` (empty): none — only appraise's own (the built-ins are part of
  appraise; a run without them could read no data at all);
* ``"jsonl,foo"``: only those entry-point names (plus the built-ins).  A name
  that is not installed is an error, so a typo does not silently change which
  data is read.

Tests isolate themselves from whatever is installed with ``APPRAISE_PLUGINS=""``
and :func:`reset_plugin_manager`.  After loading, ``check_pending()`` makes a
misspelt hook (``appraise_provider`` for ``appraise_providers``) fail loudly.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pluggy

from appraise import hookspecs
from appraise.errors import AppraiseError
from appraise.hookspecs import hookimpl  # noqa: F401  (the marker plugin authors import from here)

GROUP = "appraise.plugins"
ENV = "APPRAISE_PLUGINS"
BUILTIN_DIST = "appraise"

_pm: pluggy.PluginManager | None = None
_providers: dict[str, Any] | None = None


class PluginError(AppraiseError):
    """A plugin cannot be loaded or breaks the contract in :mod:`appraise.hookspecs`."""


@dataclass(frozen=True)
class PluginInfo:
    """One loaded plugin, as ``appraise plugins`` shows it."""

    name: str
    version: str
    distribution: str
    builtin: bool
    hooks: tuple[str, ...]


def _entry_points():
    from importlib.metadata import entry_points

    return entry_points(group=GROUP)


def _metadata(dist):
    """A distribution's metadata; each read of ``dist.metadata`` parses its METADATA file again (~4 ms), so it
    is read once per distribution."""
    meta = getattr(dist, "_appraise_metadata", None)
    if meta is None:
        meta = dist.metadata
        try:
            dist._appraise_metadata = meta
        except AttributeError:  # a distribution type with slots: read again next time
            pass
    return meta


def _dist_name(dist) -> str | None:
    """A distribution's name, from the header of its METADATA: parsing the whole file (appraise's holds the
    README, ~200 KB) costs ~3.5 ms a process, the header a few µs.  The parsed metadata's ``Name`` otherwise."""
    if dist is None:
        return None
    name = getattr(dist, "_appraise_name", None)
    if name is None:
        read = getattr(dist, "read_text", None)
        try:
            head = ((read("METADATA") or read("PKG-INFO") or "") if read is not None else "").split("\n\n", 1)[0]
        except (OSError, UnicodeDecodeError, TypeError):
            head = ""
        names = [line[5:].strip() for line in head.splitlines() if line[:5].lower() == "name:"]
        name = names[0] if len(names) == 1 and names[0] else _metadata(dist)["Name"]
        try:
            dist._appraise_name = name
        except AttributeError:  # a distribution type with slots: read again next time
            pass
    return name


def _is_builtin(ep) -> bool:
    name = _dist_name(getattr(ep, "dist", None))
    if name is not None:
        return name.lower() == BUILTIN_DIST
    return ep.value.startswith("appraise.plugins.")


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading the plugins on first use."""
    global _pm
    if _pm is None:
        _pm = _load()
    return _pm


def reset_plugin_manager() -> None:
    """Forget the loaded plugins (tests; after changing ``APPRAISE_PLUGINS``)."""
    global _pm, _providers
    _pm = None
    _providers = None


def _allowed() -> set[str] | None:
    value = os.environ.get(ENV)
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def _load() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("appraise")
    pm.add_hookspecs(hookspecs)
    allowed = _allowed()
    seen: set[str] = set()
    info: dict[str, tuple[Any, bool]] = {}
    for ep in sorted(_entry_points(), key=lambda e: (not _is_builtin(e), e.name)):
        builtin = _is_builtin(ep)
        if not builtin and allowed is not None and ep.name not in allowed:
            continue
        if ep.name in seen:
            continue  # the same distribution seen twice on sys.path
        seen.add(ep.name)
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken third-party plugin must say which one it is
            raise PluginError(f"plugin '{ep.name}' ({ep.value}) failed to load: {exc}") from exc
        pm.register(plugin, name=ep.name)
        info[ep.name] = (getattr(ep, "dist", None), builtin)  # versions are read by plugins(), when asked
    if allowed:
        unknown = allowed - seen
        if unknown:
            installed = sorted(ep.name for ep in _entry_points() if not _is_builtin(ep))
            raise PluginError(f"{ENV} names {', '.join(sorted(unknown))}, which is not installed; installed "
                              f"third-party plugins: {', '.join(installed) or 'none'}")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"{exc}; hooks appraise knows: "
                          f"{', '.join(n for n in dir(hookspecs) if n.startswith('appraise_'))}") from exc
    pm._appraise_info = info  # type: ignore[attr-defined]
    return pm


def plugins() -> list[PluginInfo]:
    """Every loaded plugin with its version and the hooks it implements, built-ins first."""
    pm = get_plugin_manager()
    info: dict[str, tuple[Any, bool]] = getattr(pm, "_appraise_info", {})
    out = []
    for name, plugin in pm.list_name_plugin():
        hooks = tuple(sorted(h.name for h in (pm.get_hookcallers(plugin) or [])))
        dist, builtin = info.get(name, (None, False))
        version = (_metadata(dist).get("Version") or dist.version) if dist is not None else ""
        out.append(PluginInfo(name, version, _dist_name(dist) or "", builtin, hooks))
    return sorted(out, key=lambda p: (not p.builtin, p.name))


def providers() -> dict[str, Any]:
    """Every registered provider by name (``appraise_providers`` collected from all plugins)."""
    global _providers
    if _providers is not None and _pm is not None:
        return _providers
    pm = get_plugin_manager()
    found: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for impl in pm.hook.appraise_providers.get_hookimpls():
        def register(provider, _plugin=impl.plugin_name):
            instance = provider() if isinstance(provider, type) else provider
            for attr in ("name", "kinds", "default_kind", "options_schema", "read"):
                if not hasattr(instance, attr):
                    raise PluginError(f"plugin '{_plugin}' registered a provider without '{attr}' "
                                      "(see appraise.hookspecs.Provider)")
            name = instance.name
            if name in found:
                raise PluginError(f"provider '{name}' is registered by both plugin '{owner[name]}' and "
                                  f"plugin '{_plugin}'; uninstall one of them or restrict {ENV}")
            found[name] = instance
            owner[name] = _plugin
        impl.function(register=register)
    _providers = found
    _providers_owner.clear()
    _providers_owner.update(owner)
    return found


_providers_owner: dict[str, str] = {}


def provider_plugin(name: str) -> str:
    """The name of the plugin that registered provider ``name``."""
    providers()
    return _providers_owner.get(name, "")


def source_schema(provider) -> dict:
    """The JSON Schema (draft-07) of one ``sources:`` entry using ``provider``.

    The keys every source has, plus the provider's own ``options_schema``;
    anything else is refused, so a misspelt option is caught by validation.
    """
    options = dict(provider.options_schema or {})
    props: dict[str, Any] = {
        "provider": {"const": provider.name},
        "kind": {"enum": sorted(provider.kinds), "description": f"what this source holds; "
                 f"default {provider.default_kind}"},
        "path": {"type": "string", "description": "data file, relative to the cycle file's folder"},
        "columns": {"type": "object", "additionalProperties": {"type": "string"},
                    "description": "rename source columns: {column in the file: canonical name}"},
        "label": {"type": "string", "description": "name of the source in messages and the manifest"},
    }
    props.update(options.get("properties", {}))
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": f"source read by the '{provider.name}' provider",
        "type": "object",
        "required": sorted({"provider", *options.get("required", [])}),
        "properties": props,
        "additionalProperties": False,
    }
    for key in ("allOf", "anyOf", "oneOf", "dependencies", "if", "then", "else"):
        if key in options:
            schema[key] = options[key]
    return schema


def provider_schemas() -> Mapping[str, dict]:
    """``{provider name: JSON Schema of a source entry using it}`` for cycle validation."""
    return {name: source_schema(p) for name, p in sorted(providers().items())}
