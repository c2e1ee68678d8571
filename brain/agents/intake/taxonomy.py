"""The dispute taxonomy and the risk-signal rules, read from the graph's seed files.

Classification must work when the graph server is down (a clerk can still register and triage a complaint),
so intake reads ``knowledge_graph/seed/*.yaml`` directly — the same files the graph is loaded from, so the
two cannot disagree — and only routing needs the live graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from brain.agents.intake.schema import RiskLevel, TaxonomyType
from brain.errors import GraphDataError

SEED_DIR = Path(__file__).resolve().parents[3] / "knowledge_graph" / "seed"


def read_seed_rows(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise GraphDataError("图谱种子文件无法读取", where=str(path), hint=str(e)) from e
    rows = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(rows, list):
        raise GraphDataError(f"种子文件缺少顶层列表 {key}", where=str(path))
    return rows


@dataclass(frozen=True)
class TaxonomyIndex:
    """Types by name, and every name/alias -> canonical type (how outside label sets map on)."""

    types: tuple[TaxonomyType, ...]
    by_name: dict[str, TaxonomyType] = field(hash=False)
    alias_to_name: dict[str, str] = field(hash=False)
    extra: dict[str, dict[str, Any]] = field(hash=False)  # description, difficulty, escalate_if per type

    @property
    def level1(self) -> list[str]:
        return [t.name for t in self.types if t.parent is None]

    def children(self, name: str) -> list[str]:
        return [t.name for t in self.types if t.parent == name]

    def resolve(self, label: str) -> str | None:
        """Canonical type name for a name or alias (exact, after trimming); None when it maps to nothing."""
        return self.alias_to_name.get(label.strip())

    def top(self, name: str) -> str:
        t = self.by_name[name]
        return t.parent or t.name


@lru_cache(maxsize=4)
def load_taxonomy(seed_dir: Path = SEED_DIR) -> TaxonomyIndex:
    path = seed_dir / "dispute_types.yaml"
    types: list[TaxonomyType] = []
    extra: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(read_seed_rows(path, "dispute_types"), start=1):
        if not isinstance(row, dict) or not row.get("name"):
            raise GraphDataError(f"第 {i} 个纠纷类型缺少 name", where=str(path))
        t = TaxonomyType(
            name=str(row["name"]),
            parent=row.get("parent"),
            aliases=[str(a) for a in row.get("aliases") or []],
            keywords=[str(k) for k in row.get("keywords") or []],
        )
        types.append(t)
        extra[t.name] = {
            "description": row.get("description", ""),
            "difficulty": row.get("difficulty"),
            "escalate_if": list(row.get("escalate_if") or []),
        }
    by_name = {t.name: t for t in types}
    for t in types:
        if t.parent and t.parent not in by_name:
            raise GraphDataError(f"类型 {t.name} 的 parent {t.parent} 不存在", where=str(path))
    return taxonomy_index(types, extra)


def taxonomy_index(
    types: Sequence[TaxonomyType], extra: dict[str, dict[str, Any]] | None = None
) -> TaxonomyIndex:
    """The index over a list of types (``Brain.taxonomy().types`` or the seed's): names, aliases, parents."""
    alias: dict[str, str] = {}
    for t in types:
        for label in (t.name, *t.aliases):
            alias.setdefault(label, t.name)
    return TaxonomyIndex(tuple(types), {t.name: t for t in types}, alias, extra or {})


@dataclass(frozen=True)
class SignalRule:
    name: str
    category: str
    keywords: tuple[str, ...]
    colour: RiskLevel
    action: str
    source: str


@lru_cache(maxsize=4)
def load_risk_rules(seed_dir: Path = SEED_DIR) -> tuple[SignalRule, ...]:
    path = seed_dir / "risk_signals.yaml"
    rules = []
    for i, row in enumerate(read_seed_rows(path, "risk_signals"), start=1):
        colour = row.get("colour")
        if colour not in ("红", "橙", "黄", "蓝") or not row.get("keywords"):
            raise GraphDataError(
                f"第 {i} 条风险信号缺少 keywords 或 colour 不是 红/橙/黄/蓝", where=str(path)
            )
        rules.append(
            SignalRule(
                name=str(row["name"]),
                category=str(row.get("category", "")),
                keywords=tuple(str(k) for k in row["keywords"]),
                colour=colour,
                action=str(row.get("action", "")),
                source=str(row.get("source", "")),
            )
        )
    return tuple(rules)
