"""The dispute taxonomy and the risk-signal rules, read from the graph's seed files.

Classification must work when the graph server is down (a clerk can still register and triage a complaint),
so intake reads ``knowledge_graph/seed/*.yaml`` directly — the same files the graph is loaded from, through
the same typed reader (:mod:`knowledge_graph.seed_reader`), so the two cannot disagree — and only routing
needs the live graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from brain.agents.intake.schema import RiskLevel, TaxonomyType
from brain.errors import GraphDataError
from knowledge_graph.errors import SeedDataError
from knowledge_graph.seed_reader import read_section

SEED_DIR = Path(__file__).resolve().parents[3] / "knowledge_graph" / "seed"


def read_seed_rows(seed_dir: Path, file: str, section: str) -> list[Any]:
    """The typed rows of one seed section (:func:`knowledge_graph.seed_reader.read_section`, the reader the
    graph loader uses), a bad file raised as :class:`GraphDataError` naming file and line."""
    try:
        return read_section(seed_dir, file, section)
    except SeedDataError as e:
        raise GraphDataError(
            "图谱种子文件有误", where=str(seed_dir / file), hint="；".join(str(i) for i in e.issues[:5])
        ) from e


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
    types: list[TaxonomyType] = []
    extra: dict[str, dict[str, Any]] = {}
    for row in read_seed_rows(seed_dir, "dispute_types.yaml", "dispute_types"):
        t = TaxonomyType(
            name=row.name, parent=row.parent, aliases=list(row.aliases), keywords=list(row.keywords)
        )
        types.append(t)
        extra[t.name] = {
            "description": row.description,
            "difficulty": row.difficulty,
            "escalate_if": list(row.escalate_if),
        }
    names = {t.name for t in types}
    for t in types:
        if t.parent and t.parent not in names:
            raise GraphDataError(
                f"类型 {t.name} 的 parent {t.parent} 不存在", where=str(seed_dir / "dispute_types.yaml")
            )
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
    return tuple(
        SignalRule(
            name=row.name,
            category=row.category,
            keywords=tuple(row.keywords),
            colour=row.colour,
            action=row.action,
            source=row.cite,
        )
        for row in read_seed_rows(seed_dir, "risk_signals.yaml", "risk_signals")
    )
