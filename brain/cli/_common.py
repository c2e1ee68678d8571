"""Helpers shared by CLI sub-modules: settings/profile option, JSON output, friendly errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

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
    with reported_errors():
        return Brain(load_settings(profile))


@contextmanager
def reported_errors() -> Iterator[None]:
    """A :class:`BrainError` in the block becomes the red message and exit code 1 of :func:`fail`."""
    try:
        yield
    except BrainError as e:
        fail(e)


@contextmanager
def brain_session(profile: str | None) -> Iterator[Brain]:
    """The Brain for one command, closed when the block ends (stopping an embedded graph server it may have
    started); a :class:`BrainError` in the block is reported like :func:`reported_errors`."""
    brain = make_brain(profile)
    try:
        with reported_errors():
            yield brain
    finally:
        brain.close()


def print_json(obj: Any) -> None:
    if isinstance(obj, BaseModel):
        text = obj.model_dump_json(indent=2)
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write(text + "\n")


def fail(err: BrainError | str, code: int = 1) -> NoReturn:
    console.print(f"[red]错误：[/red]{err}")
    raise typer.Exit(code)
