"""``appraise schema --out DIR``: write the JSON Schemas for editors and other tools."""
from __future__ import annotations

from pathlib import Path

import click


@click.command("schema")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write ruleset.schema.json, cycle.schema.json, ruleset-test.schema.json and "
              "plan.schema.json into (created if needed).")
def command(out: Path) -> None:
    """Write ruleset.schema.json, cycle.schema.json, ruleset-test.schema.json and plan.schema.json (draft-07).

    Point your editor at them with a modeline on the first line of a file:
    # yaml-language-server: $schema=schemas/ruleset.schema.json
    """
    from appraise.language.schema import write

    for path in write(out):
        click.echo(str(path))
