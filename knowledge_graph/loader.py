"""Validate the seed files and write them to the graph: MERGE only, one transaction per file.

Everything is read and checked before anything is written. A file with a bad or duplicate row is not
written at all, and the report names the file and the line of each bad row; files that refer to it are
skipped too (their references could not be resolved). Running the loader twice leaves node and
relationship counts unchanged, because every write is a MERGE on the node key (or on the relationship
between two keyed nodes) followed by SET.

Checks beyond the row models: names unique within their kind (and dispute-type aliases unique across
types), every reference resolves (parent type, level, channel, organisation, article, strategy target),
every ``报告:`` citation names a known report and its quote occurs in the report text, and every statute
citation names an article present in the statute corpus with the quote occurring in its text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge_graph import models as m
from knowledge_graph.errors import SeedDataError, SeedIssue
from knowledge_graph.queries import NODE_KEYS, SCHEMA, WRITES

log = logging.getLogger(__name__)

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


# ------------------------------------------------------------------------------------------ checking


class _Checker:
    """Cross-row and cross-file checks. Each issue is charged to the file holding the offending row."""

    def __init__(self, seed_dir: Path, files: dict[str, Parsed], statutes: Mapping[str, StatuteInfo] | None):
        self.seed_dir = seed_dir
        self.files = files
        self.statutes = statutes
        self.report_text: dict[str, str] = {}
        self.types: dict[str, m.DisputeType] = {}
        self.levels: set[str] = set()
        self.departments: dict[str, m.Organisation] = {}
        self.mediation_orgs: dict[str, m.Organisation] = {}

    def _unique(self, p: Parsed, section: str, key: Callable[[Any], str], what: str) -> None:
        seen: dict[str, int] = {}
        for line, row in p.rows(section):
            k = key(row)
            if k in seen:
                p.add(line, f"重复的{what} {k!r}（第 {seen[k]} 行已定义）")
            else:
                seen[k] = line

    def cite(self, p: Parsed, line: int, row: m.Cited) -> None:
        kind, a, b = m.parse_cite(row.cite)
        if kind == "report":
            if a not in self.report_text:
                p.add(line, f"出处 {row.cite!r}：reports.yaml 中没有报告 {a!r}")
                return
            source = self.report_text[a]
        else:
            if self.statutes is None:
                return
            info = self.statutes.get(m.statute_id(a, b))
            if info is None:
                p.add(line, f"出处 {row.cite!r}：法条语料中没有该条（{m.statute_id(a, b)}）")
                return
            source = m.normalize_for_quote(info.text)
        for frag in m.quote_fragments(row.quote):
            if frag not in source:
                p.add(line, f"引文与出处 {row.cite!r} 的原文不符：{frag[:30]!r}")

    def run(self) -> None:
        f = self.files
        rep = f["reports.yaml"]
        self._unique(rep, "reports", lambda r: r.key, "报告键")
        for line, r in rep.rows("reports"):
            path = self.seed_dir / r.file
            if not path.is_file():
                rep.add(line, f"报告文件 {r.file} 不存在")
            else:
                self.report_text[r.key] = m.normalize_for_quote(path.read_text(encoding="utf-8"))

        lv = f["levels.yaml"]
        self._unique(lv, "levels", lambda r: r.name, "层级")
        self.levels = {r.name for _, r in lv.rows("levels")}
        for line, r in lv.rows("levels"):
            self.cite(lv, line, r)
        for line, e in lv.rows("escalations"):
            self.cite(lv, line, e)
            for end in (e.from_, e.to):
                if end not in self.levels:
                    lv.add(line, f"提级关系引用了未定义的层级 {end!r}")
        self._unique(lv, "escalations", lambda e: f"{e.from_}->{e.to}", "提级关系")

        dl = f["deadline_rules.yaml"]
        self._unique(dl, "deadline_rules", lambda r: r.name, "时限规则")
        for line, r in dl.rows("deadline_rules"):
            self.cite(dl, line, r)
        rules = {r.name for _, r in dl.rows("deadline_rules")}

        ch = f["channels.yaml"]
        self._unique(ch, "channels", lambda r: r.name, "渠道")
        self._unique(ch, "sources", lambda r: r.name, "来源")
        channels = {r.name for _, r in ch.rows("channels")}
        for line, r in ch.rows("channels"):
            self.cite(ch, line, r)
        for line, r in ch.rows("sources"):
            self.cite(ch, line, r)
            if r.channel and r.channel not in channels:
                ch.add(line, f"来源 {r.name} 引用了未定义的渠道 {r.channel!r}")

        dt = f["dispute_types.yaml"]
        names: dict[str, tuple[int, str]] = {}
        for line, t in dt.rows("dispute_types"):
            for label in (t.name, *t.aliases):
                if label in names:
                    first_line, owner = names[label]
                    dt.add(line, f"名称或别名 {label!r} 重复（第 {first_line} 行的 {owner} 已使用）")
                else:
                    names[label] = (line, t.name)
        self.types = {t.name: t for _, t in dt.rows("dispute_types")}
        for line, t in dt.rows("dispute_types"):
            if t.parent is not None:
                parent = self.types.get(t.parent)
                if parent is None:
                    dt.add(line, f"上级类别 {t.parent!r} 未定义")
                elif parent.parent is not None:
                    dt.add(line, f"上级类别 {t.parent!r} 本身是二级类别；分类只有两级")
            if t.difficulty not in rules:
                dt.add(line, f"难度 {t.difficulty!r} 在 deadline_rules.yaml 中没有对应的时限规则")

        rs = f["risk_signals.yaml"]
        self._unique(rs, "risk_signals", lambda r: r.name, "风险信号")
        for line, r in rs.rows("risk_signals"):
            self.cite(rs, line, r)

        org = f["organisations.yaml"]
        seen_org: dict[str, int] = {}
        for section in ("departments", "mediation_orgs"):
            for line, o in org.rows(section):
                if o.name in seen_org:
                    org.add(line, f"重复的部门或组织 {o.name!r}（第 {seen_org[o.name]} 行已定义）")
                seen_org.setdefault(o.name, line)
                if o.level not in self.levels:
                    org.add(line, f"层级 {o.level!r} 未在 levels.yaml 中定义")
                self.cite(org, line, o)
        self.departments = {o.name: o for _, o in org.rows("departments")}
        self.mediation_orgs = {o.name: o for _, o in org.rows("mediation_orgs")}
        for section in ("departments", "mediation_orgs"):
            for line, o in org.rows(section):
                keys = set()
                for s in o.stationed:
                    if s.at not in self.departments:
                        org.add(line, f"{o.name} 入驻的 {s.at!r} 不是已定义的部门（综治中心）")
                    key = f"{s.at}|{s.mode}|{s.region or '*'}"
                    if key in keys:
                        org.add(line, f"{o.name} 的入驻记录重复：{key}")
                    keys.add(key)
                    self.cite(org, line, s)

        rt = f["routing.yaml"]
        for line, r in rt.rows("default_chain"):
            self._route(rt, line, r)
        seen_rule: dict[str, int] = {}
        for line, rule in rt.rows("rules"):
            if rule.type in seen_rule:
                rt.add(line, f"类别 {rule.type!r} 的规则重复（第 {seen_rule[rule.type]} 行已定义）")
            seen_rule.setdefault(rule.type, line)
            if rule.type not in self.types:
                rt.add(line, f"类别 {rule.type!r} 未在 dispute_types.yaml 中定义")
            chain = {r.org for _, r in rt.rows("default_chain")} if self._is_level1(rule.type) else set()
            orgs: set[str] = set()
            for route in rule.routes:
                if route.org in orgs or route.org in chain:
                    rt.add(line, f"类别 {rule.type} 对 {route.org!r} 的分流规则重复")
                orgs.add(route.org)
                self._route(rt, line, route)
            arts: set[str] = set()
            for a in rule.articles:
                _, law, key = m.parse_cite(a.cite)
                art_id = m.statute_id(law, key)
                if art_id in arts:
                    rt.add(line, f"类别 {rule.type} 的法律依据 {a.cite} 重复")
                arts.add(art_id)
                if self.statutes is not None and art_id not in self.statutes:
                    rt.add(line, f"法律依据 {a.cite!r} 在法条语料中不存在（{art_id}）")

        st = f["strategies.yaml"]
        self._unique(st, "strategies", lambda r: r.name, "策略")
        for line, s in st.rows("strategies"):
            self.cite(st, line, s)
            for t in s.applies_to:
                if t not in self.types:
                    st.add(line, f"策略 {s.name} 适用的类别 {t!r} 未定义")

    def _is_level1(self, name: str) -> bool:
        t = self.types.get(name)
        return t is not None and t.parent is None

    def _route(self, p: Parsed, line: int, r: m.Route) -> None:
        if r.org not in self.departments and r.org not in self.mediation_orgs:
            p.add(line, f"分流对象 {r.org!r} 未在 organisations.yaml 中定义")
        self.cite(p, line, r)


@dataclass
class Seed:
    """All seed files, parsed and checked. ``ok`` is False if any file has an issue."""

    seed_dir: Path
    files: dict[str, Parsed]
    statutes: Mapping[str, StatuteInfo] | None

    @property
    def issues(self) -> list[SeedIssue]:
        return [i for p in self.files.values() for i in p.issues]

    @property
    def ok(self) -> bool:
        return not self.issues

    def blocked(self) -> dict[str, str]:
        """file -> why it must not be written (its own issues, or a file it depends on is blocked)."""
        out: dict[str, str] = {}
        for name, parsed in self.files.items():
            if parsed.issues:
                out[name] = f"有 {len(parsed.issues)} 处错误"
            else:
                bad = [d for d in DEPENDS_ON.get(name, ()) if d in out]
                if bad:
                    out[name] = f"依赖的 {', '.join(bad)} 有错误"
        return out


def read_seed(seed_dir: Path = DEFAULT_SEED_DIR, statutes: Mapping[str, StatuteInfo] | None = None) -> Seed:
    """Parse and check every seed file. Nothing is written; ``Seed.issues`` lists every problem."""
    files = {name: parse_file(seed_dir / name, spec) for name, spec in FILES.items()}
    _Checker(seed_dir, files, statutes).run()
    return Seed(seed_dir=seed_dir, files=files, statutes=statutes)


# ------------------------------------------------------------------------------------------ writing


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
