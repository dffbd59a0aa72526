"""``vistka schema``: the database contract other systems read, printed where operators are.

The full text lives in docs/schema.md beside the code. An installed package may not carry the
docs directory, so without it the command still lists every view and column from
``storage.contract``, the same definitions the migrations create.
"""

from __future__ import annotations

from pathlib import Path

import typer

from storage import contract

SCHEMA_DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def schema_text(doc: Path = SCHEMA_DOC) -> str:
    """The contract document if present, else the view listing."""
    if doc.is_file():
        return doc.read_text("utf-8")
    return contract.describe()


def schema() -> None:
    """Print the database contract: the reader views, their columns and the reader role."""
    typer.echo(schema_text(), nl=False)
