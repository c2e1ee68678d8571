"""The one typed reader of the seed files (``knowledge_graph/seed/*.yaml``): each file's sections parsed into
their row models (:mod:`knowledge_graph.models`), every problem an issue with file and line.

The loader checks and writes what this reads (:mod:`knowledge_graph.seed_checks`,
:mod:`knowledge_graph.seed_writer`); intake reads its taxonomy, risk rules, levels and reports through
:func:`read_section` too, so the classifier and the graph cannot read the same file two ways.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge_graph import models as m
from knowledge_graph.errors import SeedDataError, SeedIssue

DEFAULT_SEED_DIR = Path(__file__).resolve().parent / "seed"

T = TypeVar("T", bound=BaseModel)

# file -> {section: row model}; the order is the write order (later files refer to earlier ones).
FILES: dict[str, dict[str, type[BaseModel]]] = {
    "reports.yaml": {"reports": m.Report},
    "levels.yaml": {"levels": m.Level, "escalations": m.Escalation},
    "deadline_rules.yaml": {"deadline_rules": m.DeadlineRule},
    "channels.yaml": {"channels": m.Channel, "sources": m.IntakeSource},
    "dispute_types.yaml": {"dispute_types": m.DisputeType},
    "risk_signals.yaml": {"risk_signals": m.RiskSignal},
    "organisations.yaml": {"departments": m.Organisation, "mediation_orgs": m.Organisation},
    "routing.yaml": {"default_chain": m.Route, "rules": m.Rule},
    "strategies.yaml": {"strategies": m.Strategy},
}
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    "levels.yaml": ("reports.yaml",),
    "deadline_rules.yaml": ("reports.yaml",),
    "channels.yaml": ("reports.yaml",),
    "dispute_types.yaml": ("deadline_rules.yaml",),
    "risk_signals.yaml": ("reports.yaml",),
    "organisations.yaml": ("reports.yaml", "levels.yaml"),
    "routing.yaml": ("reports.yaml", "dispute_types.yaml", "organisations.yaml"),
    "strategies.yaml": ("reports.yaml", "dispute_types.yaml"),
}


@dataclass(frozen=True)
class StatuteInfo:
    id: str
    law: str
    article: str
    title: str
    text: str
    in_force: bool


def load_statute_index(path: Path) -> dict[str, StatuteInfo]:
    """Read data/corpus/statutes.jsonl (one Document per line) into ``{id: StatuteInfo}``."""
    index: dict[str, StatuteInfo] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            key = d["id"].rsplit(":", 1)[-1]
            in_force = d.get("in_force", True)
            index[d["id"]] = StatuteInfo(
                id=d["id"],
                law=d["law"],
                article=key,
                title=d.get("title", d["id"]),
                text=d.get("text", ""),
                in_force=in_force if isinstance(in_force, bool) else str(in_force).lower() == "true",
            )
    return index


# ------------------------------------------------------------------------------------------ reading


@dataclass
class Parsed:
    """Rows of one seed file that passed their model, with the line each row starts on."""

    file: str
    sections: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    issues: list[SeedIssue] = field(default_factory=list)

    def rows(self, section: str) -> list[tuple[int, Any]]:
        return self.sections.get(section, [])

    def add(self, line: int, message: str) -> None:
        self.issues.append(SeedIssue(self.file, line, message))


def _node_line(node: yaml.Node | None, loc: Iterable[Any]) -> int | None:
    """Follow a pydantic error location into the YAML node tree; the line of the deepest node found."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _describe(err: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"])
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"字段 {where}：{msg}" if where else msg


def parse_file(path: Path, spec: Mapping[str, type[BaseModel]]) -> Parsed:
    """Parse one seed file into validated rows; problems become issues with file and line."""
    parsed = Parsed(file=path.name)
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as e:
        mark = getattr(e, "problem_mark", None)
        parsed.add(mark.line + 1 if mark else 1, f"无法读取或不是合法的 YAML：{e}")
        return parsed
    if not isinstance(data, dict) or not isinstance(root, yaml.MappingNode):
        parsed.add(1, f"顶层必须是映射，包含：{', '.join(spec)}")
        return parsed
    for key in data:
        if key not in spec:
            parsed.add(1, f"未知的段 {key!r}；本文件只能包含：{', '.join(spec)}")
    for section, model in spec.items():
        seq = next((v for k, v in root.value if k.value == section), None)
        items = data.get(section)
        if items is None:
            parsed.add(1, f"缺少段 {section!r}")
            continue
        if not isinstance(items, list) or not isinstance(seq, yaml.SequenceNode):
            parsed.add(seq.start_mark.line + 1 if seq else 1, f"段 {section!r} 必须是列表")
            continue
        rows: list[tuple[int, Any]] = []
        for item, node in zip(items, seq.value, strict=True):
            line = node.start_mark.line + 1
            try:
                rows.append((line, model.model_validate(item)))
            except ValidationError as e:
                for err in e.errors():
                    parsed.add(_node_line(node, err["loc"]) or line, _describe(err))
        parsed.sections[section] = rows
    return parsed


def read_section(seed_dir: Path, file: str, section: str) -> list[Any]:
    """The validated rows of one section of one seed file (models of :data:`FILES`), in file order.
    Raises :class:`SeedDataError` naming file and line when any row of the file is bad."""
    parsed = parse_file(seed_dir / file, FILES[file])
    if parsed.issues:
        raise SeedDataError(parsed.issues)
    return [row for _, row in parsed.rows(section)]
