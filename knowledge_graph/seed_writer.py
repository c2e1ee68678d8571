"""Write a checked seed to the graph: MERGE only, one transaction per file.

A file with a bad or duplicate row is not written at all, and the report names the file and the line of
each bad row; files that refer to it are skipped too (their references could not be resolved). Running the
loader twice leaves node and relationship counts unchanged, because every write is a MERGE on the node key
(or on the relationship between two keyed nodes) followed by SET.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from knowledge_graph import models as m
from knowledge_graph.errors import SeedDataError, SeedIssue
from knowledge_graph.queries import NODE_KEYS, SCHEMA, WRITES
from knowledge_graph.seed_checks import Seed, read_seed
from knowledge_graph.seed_reader import DEFAULT_SEED_DIR, FILES, load_statute_index

log = logging.getLogger(__name__)


def _props(row: BaseModel, drop: Iterable[str] = ("name",)) -> dict[str, Any]:
    data = row.model_dump(exclude=set(drop) | {"stationed"})
    return {k: v for k, v in data.items() if v is not None}


def _node_rows(rows: Iterable[BaseModel], key: str = "name") -> list[dict[str, Any]]:
    return [{"key": getattr(r, key), "props": _props(r, drop=(key,))} for r in rows]


def _statements(seed: Seed, name: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The (cypher, rows) pairs that write one seed file."""
    p = seed.files[name]

    def rows(section: str) -> list[Any]:
        return [r for _, r in p.rows(section)]

    def nodes(label: str, items: list[Any]) -> tuple[str, list[dict[str, Any]]]:
        return WRITES["merge_nodes"].format(label=label, key=NODE_KEYS[label]), _node_rows(items)

    out: list[tuple[str, list[dict[str, Any]]]] = []
    if name == "levels.yaml":
        out.append(nodes("Level", rows("levels")))
        out.append(
            (
                WRITES["escalates_to"],
                [
                    {"from": e.from_, "to": e.to, "reason": e.reason, "cite": e.cite, "quote": e.quote}
                    for e in rows("escalations")
                ],
            )
        )
    elif name == "deadline_rules.yaml":
        out.append(nodes("DeadlineRule", rows("deadline_rules")))
    elif name == "channels.yaml":
        out.append(nodes("Channel", rows("channels")))
        out.append(nodes("Source", rows("sources")))
        out.append(
            (
                WRITES["diverted_via"],
                [{"source": s.name, "channel": s.channel} for s in rows("sources") if s.channel],
            )
        )
    elif name == "dispute_types.yaml":
        types = rows("dispute_types")
        out.append(
            (
                WRITES["merge_nodes"].format(label="DisputeType", key=NODE_KEYS["DisputeType"]),
                [
                    {
                        "key": t.name,
                        "props": {**_props(t, drop=("name", "parent")), "tier": 2 if t.parent else 1},
                    }
                    for t in types
                ],
            )
        )
        out.append((WRITES["subtype_of"], [{"child": t.name, "parent": t.parent} for t in types if t.parent]))
        out.append((WRITES["has_deadline"], [{"type": t.name, "rule": t.difficulty} for t in types]))
    elif name == "risk_signals.yaml":
        out.append(nodes("RiskSignal", rows("risk_signals")))
    elif name == "organisations.yaml":
        for section, label in (("departments", "Department"), ("mediation_orgs", "MediationOrg")):
            orgs = rows(section)
            out.append(nodes(label, orgs))
            out.append(
                (WRITES["at_level"].format(label=label), [{"org": o.name, "level": o.level} for o in orgs])
            )
            out.append(
                (
                    WRITES["stationed_at"].format(label=label),
                    [
                        {
                            "org": o.name,
                            "at": s.at,
                            "mode": s.mode,
                            "region": s.region,
                            "cite": s.cite,
                            "quote": s.quote,
                            "key": f"{s.mode}|{s.region or '*'}",
                        }
                        for o in orgs
                        for s in o.stationed
                    ],
                )
            )
    elif name == "routing.yaml":
        out.extend(_routing_statements(seed, rows("default_chain"), rows("rules")))
    elif name == "strategies.yaml":
        strategies = rows("strategies")
        out.append(nodes("Strategy", [s.model_copy(update={"applies_to": []}) for s in strategies]))
        out.append(
            (WRITES["suggests"], [{"type": t, "strategy": s.name} for s in strategies for t in s.applies_to])
        )
    return [(cypher, data) for cypher, data in out if data]


def _routing_statements(
    seed: Seed, chain: list[m.Route], rules: list[m.Rule]
) -> list[tuple[str, list[dict[str, Any]]]]:
    departments = {r.name for _, r in seed.files["organisations.yaml"].rows("departments")}
    level1 = [t.name for _, t in seed.files["dispute_types.yaml"].rows("dispute_types") if t.parent is None]
    routes: dict[str, list[dict[str, Any]]] = {"Department": [], "MediationOrg": []}

    def add(type_name: str, r: m.Route, rule: str) -> None:
        label = "Department" if r.org in departments else "MediationOrg"
        routes[label].append(
            {
                "type": type_name,
                "org": r.org,
                "priority": r.priority,
                "reason": r.reason,
                "cite": r.cite,
                "quote": r.quote,
                "rule": rule,
            }
        )

    for t in level1:
        for r in chain:
            add(t, r, "通用分级调处")
    for rule in rules:
        for r in rule.routes:
            add(rule.type, r, "类别专用")

    articles: dict[str, dict[str, Any]] = {}
    links: list[dict[str, Any]] = []
    for rule in rules:
        for a in rule.articles:
            _, law, key = m.parse_cite(a.cite)
            art_id = m.statute_id(law, key)
            info = seed.statutes.get(art_id) if seed.statutes else None
            props: dict[str, Any] = {"law": law, "article": key, "title": info.title if info else a.cite}
            if info is not None:
                props["in_force"] = info.in_force
            articles[art_id] = {"key": art_id, "props": props}
            links.append({"type": rule.type, "article": art_id, "why": a.why})
    return [
        (WRITES["route"].format(label="Department", rel="HANDLED_BY"), routes["Department"]),
        (WRITES["route"].format(label="MediationOrg", rel="MEDIATED_BY"), routes["MediationOrg"]),
        (WRITES["merge_nodes"].format(label="LawArticle", key="id"), list(articles.values())),
        (WRITES["governed_by"], links),
    ]


def case_rows(cases_path: Path, seed: Seed) -> list[m.CaseLink]:
    """Cases from the search corpus whose 案由 maps onto a dispute type by exact name or alias."""
    by_label: dict[str, str] = {}
    for _, t in seed.files["dispute_types.yaml"].rows("dispute_types"):
        for label in (t.name, *t.aliases):
            by_label[label] = t.name
    out: list[m.CaseLink] = []
    with cases_path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            cause = d.get("cause") or ""
            if cause in by_label:
                out.append(
                    m.CaseLink(id=d["id"], title=d.get("title", d["id"]), cause=cause, type=by_label[cause])
                )
    return out


@dataclass
class FileResult:
    file: str
    status: str  # 已写入 / 未写入
    rows: int
    reason: str = ""


@dataclass
class LoadReport:
    files: list[FileResult]
    issues: list[SeedIssue]
    cases_linked: int = 0
    version: str = ""  # the Meta {key: 'seed'} version this load wrote

    @property
    def ok(self) -> bool:
        return not self.issues


def apply_schema(driver: Any, database: str) -> None:
    with driver.session(database=database) as session:
        for stmt in SCHEMA:
            session.run(stmt).consume()


def write_seed(driver: Any, database: str, seed: Seed, cases: list[m.CaseLink] | None = None) -> LoadReport:
    """Write every unblocked file in its own transaction; return what was written and what was not."""
    apply_schema(driver, database)
    blocked = seed.blocked()
    results: list[FileResult] = []
    with driver.session(database=database) as session:
        for name, parsed in seed.files.items():
            n_rows = sum(len(v) for v in parsed.sections.values())
            if name in blocked:
                results.append(FileResult(name, "未写入", n_rows, blocked[name]))
                continue
            statements = _statements(seed, name)

            def work(tx: Any, statements: list[tuple[str, list[dict[str, Any]]]] = statements) -> None:
                for cypher, data in statements:
                    tx.run(cypher, rows=data).consume()

            session.execute_write(work)
            results.append(FileResult(name, "已写入", n_rows))
        linked = 0
        if cases and "dispute_types.yaml" not in blocked:
            rows = [c.model_dump() for c in cases]

            def write_cases(tx: Any) -> None:
                tx.run(
                    WRITES["merge_nodes"].format(label="Case", key="id"),
                    rows=[
                        {"key": r["id"], "props": {"title": r["title"], "cause": r["cause"]}} for r in rows
                    ],
                ).consume()
                tx.run(
                    WRITES["example_of"], rows=[{"case": r["id"], "type": r["type"]} for r in rows]
                ).consume()

            session.execute_write(write_cases)
            linked = len(rows)
            results.append(FileResult("cases.jsonl", "已写入", linked))
        version = uuid.uuid4().hex
        session.execute_write(
            lambda tx: tx.run(
                WRITES["seed_meta"],
                version=version,
                content_hash=_content_hash(seed, cases),
                loaded_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            ).consume()
        )
    return LoadReport(files=results, issues=seed.issues, cases_linked=linked, version=version)


def _content_hash(seed: Seed, cases: list[m.CaseLink] | None) -> str:
    """sha256 over the seed files and the case links, for people comparing two graphs. Caches key on the
    per-load ``version`` instead: a load that skips a bad file leaves a mix that no content hash describes."""
    h = hashlib.sha256()
    for name in FILES:
        path = seed.seed_dir / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    for c in cases or []:
        h.update(c.model_dump_json().encode() + b"\n")
    return h.hexdigest()


def load(
    driver: Any,
    database: str,
    *,
    seed_dir: Path = DEFAULT_SEED_DIR,
    statutes_path: Path | None = None,
    cases_path: Path | None = None,
    strict: bool = False,
) -> LoadReport:
    """Check the seed and write it. ``strict`` raises :class:`SeedDataError` (after writing the good files)."""
    statutes = load_statute_index(statutes_path) if statutes_path and statutes_path.is_file() else None
    if statutes is None:
        log.warning("statute corpus not found (%s): article citations are not checked", statutes_path)
    seed = read_seed(seed_dir, statutes)
    cases = case_rows(cases_path, seed) if cases_path and cases_path.is_file() else None
    report = write_seed(driver, database, seed, cases)
    if strict and report.issues:
        raise SeedDataError(report.issues)
    return report
