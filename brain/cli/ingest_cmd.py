from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds ``brain ingest PATH...`` (filled in by the ingest area)."""
