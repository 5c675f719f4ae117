"""``appraise plugins``: what is installed — each plugin's name, version, hooks, and the providers it adds."""
from __future__ import annotations

import json

import click

from appraise.commands import lang
from appraise.i18n import option_description, say


def describe(locale: str = "en") -> list[dict]:
    """Every loaded plugin with its providers and their options (the ``--format json`` shape), the options'
    descriptions in ``locale``."""
    from appraise.plugins import plugins, provider_plugin, providers

    found = providers()
    out = []
    for info in plugins():
        provided = []
        for name, p in sorted(found.items()):
            if provider_plugin(name) != info.name:
                continue
            props = (p.options_schema or {}).get("properties", {})
            provided.append({
                "name": name, "kinds": sorted(p.kinds), "default_kind": p.default_kind,
                "options": {k: {"description": option_description(v, locale),
                                **({"enum": v["enum"]} if "enum" in v else {}),
                                **({"type": v["type"]} if "type" in v else {}),
                                **({"default": v["default"]} if "default" in v else {})}
                            for k, v in sorted(props.items())},
                "required": sorted((p.options_schema or {}).get("required", [])),
            })
        out.append({"name": info.name, "version": info.version, "distribution": info.distribution,
                    "builtin": info.builtin, "hooks": list(info.hooks), "providers": provided})
    return out


@click.command("plugins")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def command(fmt: str) -> None:
    """List installed plugins: name, version, hooks, and the providers each adds with their options.

    APPRAISE_PLUGINS=name,name restricts which third-party plugins load
    (empty: none; built-ins always load).
    """
    rows = describe("en" if fmt == "json" else lang())
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    locale = lang()
    for row in rows:
        origin = say("plugins.builtin", locale) if row["builtin"] else row["distribution"] or say(
            "plugins.third_party", locale)
        click.echo(say("plugins.plugin", locale, name=row["name"], version=row["version"], origin=origin,
                       hooks=", ".join(row["hooks"]) or "-"))
        for p in row["providers"]:
            click.echo(say("plugins.provider", locale, name=p["name"], kinds=", ".join(p["kinds"]),
                           default=p["default_kind"]))
            for opt, spec in p["options"].items():
                need = say("plugins.required", locale) if opt in p["required"] else ""
                values = f" [{' | '.join(map(str, spec['enum']))}]" if "enum" in spec else ""
                click.echo(f"    {opt}{need}{values}: {spec['description']}".rstrip(": "))
