"""Helpers shared by CLI sub-modules: settings/profile option, JSON output, friendly errors."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from pydantic import BaseModel
from rich.console import Console

from brain.errors import BrainError
from brain.service import Brain
from brain.settings import load_settings

console = Console(stderr=True)
ProfileOption = typer.Option(
    None, "--profile", help="配置档案 (configs/<name>.yaml)，默认 BRAIN_PROFILE 或 default"
)


def make_brain(profile: str | None) -> Brain:
    try:
        return Brain(load_settings(profile))
    except BrainError as e:
        fail(e)
        raise  # unreachable


def print_json(obj: Any) -> None:
    if isinstance(obj, BaseModel):
        text = obj.model_dump_json(indent=2)
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")


def fail(err: BrainError | str, code: int = 1) -> None:
    console.print(f"[red]错误：[/red]{err}")
    raise typer.Exit(code)
