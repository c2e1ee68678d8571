"""JSONL loading for every suite: one case a line; a malformed line is reported with its line number and the
run continues with the rest (an evaluator's file is never rejected whole for one bad line)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


@dataclass
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass
class Loaded(Generic[T]):
    cases: list[T] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def load_jsonl(path: Path, model: type[T]) -> Loaded[T]:
    out: Loaded[T] = Loaded()
    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                out.errors.append(LineError(lineno, f"不是合法的 JSON（{e.msg}，第 {e.colno} 列）"))
                continue
            try:
                out.cases.append(model.model_validate(obj))
            except ValidationError as e:
                first = e.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "(整行)"
                out.errors.append(LineError(lineno, f"字段 {where}：{first['msg']}"))
    return out
