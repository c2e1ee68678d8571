from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds top-level commands of this area (filled in by the area)."""
