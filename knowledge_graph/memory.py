"""In-memory reference implementation of :class:`~knowledge_graph.backend.GraphBackend`.

It does not parse Cypher: it knows the project's statements by their exact text (the loader formats them
from :data:`~knowledge_graph.queries.WRITES`, the service runs :data:`~knowledge_graph.queries.NAMED_QUERIES`)
and executes each one in Python with the same semantics — ``MERGE`` on the node key or on the relationship
between two keyed nodes, ``MATCH`` by name or alias, ``-[:SUBTYPE_OF*0..1]->``, ``-[:ESCALATES_TO*0..4]->``,
``ORDER BY`` with nulls last. Any other statement raises :class:`UnknownStatement`, so a new query cannot
silently go untested here. A write transaction is all or nothing (the state is restored on an error).
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from knowledge_graph.queries import NAMED_QUERIES, NODE_KEYS, SCHEMA, WRITES

T = TypeVar("T")
Row = dict[str, Any]
Ref = tuple[str, str]  # (label, key)


class UnknownStatement(ValueError):
    """A statement the in-memory graph does not implement."""


def _nulls_last(*values: Any) -> tuple[Any, ...]:
    return tuple((v is None, v if v is not None else "") for v in values)


class _Result:
    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[_Record]:
        return iter(_Record(r) for r in self.rows)

    def consume(self) -> None:
        return None


class _Record:
    def __init__(self, row: Row) -> None:
        self._row = row

    def data(self) -> Row:
        return dict(self._row)


class _Session:
    def __init__(self, graph: MemoryGraph) -> None:
        self.graph = graph

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> _Result:
        return _Result(self.graph.execute(query, {**(parameters or {}), **kwargs}))

    def execute_write(self, work: Callable[..., T], *args: Any) -> T:
        with self.graph.lock:
            saved = copy.deepcopy((self.graph.nodes, self.graph.rels))
            try:
                return work(self, *args)
            except BaseException:
                self.graph.nodes, self.graph.rels = saved
                raise


class MemoryGraph:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.nodes: dict[str, dict[str, Row]] = {}
        # type -> (from, to, identity) -> properties
        self.rels: dict[str, dict[tuple[Ref, Ref, Any], Row]] = {}
        self._writes = self._write_table()
        self._reads: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
            "RETURN 1 AS ok": lambda p: [{"ok": 1}],
            "MATCH (t:DisputeType) RETURN count(t) AS n": lambda p: [
                {"n": len(self.nodes.get("DisputeType", {}))}
            ],
            **{q.cypher: getattr(self, f"_q_{q.name}") for q in NAMED_QUERIES.values()},
        }

    # ------------------------------------------------------------------ GraphBackend
    def session(self, **config: Any) -> _Session:
        return _Session(self)

    def close(self) -> None:
        return None

    def execute(self, query: str, params: dict[str, Any]) -> list[Row]:
        with self.lock:
            if query in SCHEMA:
                return []  # uniqueness is what MERGE on the key gives here
            if query in self._writes:
                self._writes[query](params)
                return []
            read = self._reads.get(query)
            if read is None:
                raise UnknownStatement(f"the in-memory graph does not implement: {query[:120]}")
            return copy.deepcopy(read(params))

    # ------------------------------------------------------------------ writes
    def _write_table(self) -> dict[str, Callable[[dict[str, Any]], None]]:
        table: dict[str, Callable[[dict[str, Any]], None]] = {}
        for label, key in NODE_KEYS.items():
            table[WRITES["merge_nodes"].format(label=label, key=key)] = functools.partial(
                self._merge_nodes, label
            )

        def link(
            rel: str, src: tuple[str, str], dst: tuple[str, str], props: Iterable[str] = (), ident: str = ""
        ) -> Any:
            def write(p: dict[str, Any]) -> None:
                for r in p["rows"]:
                    a, b = (src[0], r[src[1]]), (dst[0], r[dst[1]])
                    if self._node(*a) is not None and self._node(*b) is not None:
                        edge = self.rels.setdefault(rel, {}).setdefault(
                            (a, b, r.get(ident) if ident else None), {}
                        )
                        edge.update({k: r.get(k) for k in props})

            return write

        cited = ("reason", "cite", "quote")
        table[WRITES["subtype_of"]] = link("SUBTYPE_OF", ("DisputeType", "child"), ("DisputeType", "parent"))
        table[WRITES["has_deadline"]] = link(
            "HAS_DEADLINE", ("DisputeType", "type"), ("DeadlineRule", "rule")
        )
        table[WRITES["escalates_to"]] = link("ESCALATES_TO", ("Level", "from"), ("Level", "to"), cited)
        table[WRITES["diverted_via"]] = link("DIVERTED_VIA", ("Source", "source"), ("Channel", "channel"))
        table[WRITES["governed_by"]] = link(
            "GOVERNED_BY", ("DisputeType", "type"), ("LawArticle", "article"), ("why",)
        )
        table[WRITES["suggests"]] = link("SUGGESTS", ("DisputeType", "type"), ("Strategy", "strategy"))
        table[WRITES["example_of"]] = link("EXAMPLE_OF", ("Case", "case"), ("DisputeType", "type"))
        for label, rel in (("Department", "HANDLED_BY"), ("MediationOrg", "MEDIATED_BY")):
            table[WRITES["at_level"].format(label=label)] = link(
                "AT_LEVEL", (label, "org"), ("Level", "level")
            )
            table[WRITES["stationed_at"].format(label=label)] = link(
                "STATIONED_AT",
                (label, "org"),
                ("Department", "at"),
                ("key", "mode", "region", "cite", "quote"),
                "key",
            )
            table[WRITES["route"].format(label=label, rel=rel)] = link(
                rel, ("DisputeType", "type"), (label, "org"), ("priority", "reason", "cite", "quote", "rule")
            )
        table[WRITES["seed_meta"]] = lambda p: self._merge_nodes(
            "Meta",
            {"rows": [{"key": "seed", "props": {k: p[k] for k in ("version", "content_hash", "loaded_at")}}]},
        )
        return table

    def _merge_nodes(self, label: str, p: dict[str, Any]) -> None:
        key = NODE_KEYS[label]
        nodes = self.nodes.setdefault(label, {})
        for r in p["rows"]:
            node = nodes.setdefault(str(r["key"]), {key: r["key"]})
            node.update({k: v for k, v in r["props"].items() if v is not None})

    # ------------------------------------------------------------------ graph walking
    def _node(self, label: str, key: str) -> Row | None:
        return self.nodes.get(label, {}).get(key)

    def _out(self, rel: str, src: Ref) -> list[tuple[Ref, Row]]:
        return [(b, props) for (a, b, _), props in self.rels.get(rel, {}).items() if a == src]

    def _in(self, rel: str, dst: Ref) -> list[tuple[Ref, Row]]:
        return [(a, props) for (a, b, _), props in self.rels.get(rel, {}).items() if b == dst]

    def _match(self, label: str, value: Any) -> list[Ref]:
        """``WHERE n.name = $x OR $x IN n.aliases``."""
        return [
            (label, k)
            for k, n in self.nodes.get(label, {}).items()
            if n.get("name") == value or value in (n.get("aliases") or [])
        ]

    def _get(self, ref: Ref) -> Row:
        return self.nodes[ref[0]][ref[1]]

    def _self_and_parent(self, t: Ref) -> list[Ref]:
        """``(t)-[:SUBTYPE_OF*0..1]->(g)``."""
        return [t, *(b for b, _ in self._out("SUBTYPE_OF", t))]

    def _parent(self, t: Ref) -> Row | None:
        return next((self._get(b) for b, _ in self._out("SUBTYPE_OF", t)), None)

    def _paths(self, start: Ref, low: int, high: int) -> list[tuple[Ref, list[Row]]]:
        """``(start)-[:ESCALATES_TO*low..high]->(lv)``: each end level with the relationships on the way."""
        out: list[tuple[Ref, list[Row]]] = []
        frontier: list[tuple[Ref, list[Row]]] = [(start, [])]
        for depth in range(high + 1):
            if depth >= low:
                out += frontier
            frontier = [
                (b, [*rels, props]) for lv, rels in frontier for b, props in self._out("ESCALATES_TO", lv)
            ]
        return out

    # ------------------------------------------------------------------ named reads
    def _q_routing_candidates(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for t in self._match("DisputeType", p["dispute_type"]):
            for start in self._match("Level", p["level"]):
                for lv, path in self._paths(start, 0, 4):
                    for g in self._self_and_parent(t):
                        for rel in ("HANDLED_BY", "MEDIATED_BY"):
                            for o, r in self._out(rel, g):
                                org = self._get(o)
                                if lv not in [b for b, _ in self._out("AT_LEVEL", o)]:
                                    continue
                                if org.get("region") is not None and org.get("region") != p["region"]:
                                    continue
                                level = self._get(lv)
                                rows.append(
                                    {
                                        "dispute_type": self._get(t)["name"], "org": org["name"],
                                        "org_kind": org.get("kind"), "relation": rel, "level": level["name"],
                                        "level_rank": level.get("rank"), "step": len(path),
                                        "priority": r.get("priority"), "reason": r.get("reason"),
                                        "cite": r.get("cite"), "quote": r.get("quote"), "rule": r.get("rule"),
                                        "via_type": self._get(g)["name"],
                                        "escalation_reasons": [e.get("reason") for e in path],
                                    }
                                )  # fmt: skip
        return sorted(rows, key=lambda r: _nulls_last(r["step"], r["priority"], r["org"]))

    def _q_escalation_chain(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for start in self._match("Level", p["level"]):
            for lv, path in self._paths(start, 1, 4):
                level, last = self._get(lv), path[-1]
                rows.append(
                    {"level": level["name"], "rank": level.get("rank"), "step": len(path), "role": level.get("role"),
                     "reason": last.get("reason"), "cite": last.get("cite"), "quote": last.get("quote")}
                )  # fmt: skip
        return sorted(rows, key=lambda r: r["step"])

    def _q_governing_articles(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for t in self._match("DisputeType", p["dispute_type"]):
            for g in self._self_and_parent(t):
                for a, e in self._out("GOVERNED_BY", g):
                    art = self._get(a)
                    rows.append(
                        {"id": art["id"], "law": art.get("law"), "article": art.get("article"), "title": art.get("title"),
                         "in_force": art.get("in_force"), "why": e.get("why"), "via_type": self._get(g)["name"],
                         "inherited": 0 if g == t else 1}
                    )  # fmt: skip
        return sorted(rows, key=lambda r: _nulls_last(r["inherited"], r["law"], r["article"]))

    def _q_strategies(self, p: dict[str, Any]) -> list[Row]:
        seen: dict[str, Row] = {}
        for t in self._match("DisputeType", p["dispute_type"]):
            for g in self._self_and_parent(t):
                for s, _ in self._out("SUGGESTS", g):
                    n = self._get(s)
                    row = {k: n.get(k) for k in ("name", "description", "steps", "cite", "quote")}
                    seen.setdefault(repr(row), row)  # RETURN DISTINCT
        return sorted(seen.values(), key=lambda r: _nulls_last(r["name"]))

    def _q_deadline(self, p: dict[str, Any]) -> list[Row]:
        d = self._node("DeadlineRule", p["difficulty"])
        if d is None:
            return []
        routing = [n for n in self.nodes.get("DeadlineRule", {}).values() if n.get("kind") == "分流"] or [{}]
        return [
            {"difficulty": d["name"], "limit": d.get("limit"), "max_days": d.get("max_days"),
             "description": d.get("description"), "cite": d.get("cite"), "quote": d.get("quote"),
             "routing_limit": r.get("limit"), "routing_max_days": r.get("max_days")}
            for r in routing
        ]  # fmt: skip

    def _q_type_deadline(self, p: dict[str, Any]) -> list[Row]:
        return [
            {"dispute_type": self._get(t)["name"], "difficulty": d["name"], "limit": d.get("limit"),
             "max_days": d.get("max_days"), "cite": d.get("cite"), "quote": d.get("quote")}
            for t in self._match("DisputeType", p["dispute_type"])
            for d in (self._get(ref) for ref, _ in self._out("HAS_DEADLINE", t))
        ]  # fmt: skip

    def _q_stationed(self, p: dict[str, Any]) -> list[Row]:
        centre, mode, region = p["centre"], p["mode"], p["region"]
        rows = []
        for key, c in self.nodes.get("Department", {}).items():
            if centre is not None and c.get("name") != centre and centre not in (c.get("aliases") or []):
                continue
            for o, s in self._in("STATIONED_AT", ("Department", key)):
                if mode is not None and s.get("mode") != mode:
                    continue
                if region is not None and s.get("region") is not None and s.get("region") != region:
                    continue
                org = self._get(o)
                rows.append(
                    {"centre": c["name"], "org": org["name"], "org_kind": org.get("kind"), "mode": s.get("mode"),
                     "region": s.get("region"), "cite": s.get("cite"), "quote": s.get("quote")}
                )  # fmt: skip
        return sorted(rows, key=lambda r: _nulls_last(r["centre"], r["mode"], r["org"]))

    def _q_taxonomy(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for key, t in self.nodes.get("DisputeType", {}).items():
            parent = self._parent(("DisputeType", key))
            row = {
                k: t.get(k)
                for k in (
                    "name",
                    "aliases",
                    "keywords",
                    "domains",
                    "description",
                    "difficulty",
                    "escalate_if",
                )
            }
            rows.append(row | {"parent": parent["name"] if parent else None})
        return sorted(rows, key=lambda r: (r["parent"] or r["name"], r["parent"] is not None, r["name"]))

    def _q_resolve_type(self, p: dict[str, Any]) -> list[Row]:
        out = []
        for t in self._match("DisputeType", p["dispute_type"]):
            parent = self._parent(t)
            out.append({"name": self._get(t)["name"], "parent": parent["name"] if parent else None,
                        "difficulty": self._get(t).get("difficulty")})  # fmt: skip
        return out

    def _q_risk_signals(self, p: dict[str, Any]) -> list[Row]:
        keys = ("name", "category", "keywords", "colour", "action", "cite", "quote")
        rows = [{k: s.get(k) for k in keys} for s in self.nodes.get("RiskSignal", {}).values()]
        return sorted(rows, key=lambda r: _nulls_last(r["category"], r["name"]))

    def _q_sources(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for key, s in self.nodes.get("Source", {}).items():
            channels = [self._get(c) for c, _ in self._out("DIVERTED_VIA", ("Source", key))] or [{}]
            for c in channels:
                rows.append(
                    {"source": s["name"], "aliases": s.get("aliases"), "description": s.get("description"),
                     "channel": c.get("name"), "channel_success_rate": c.get("success_rate"),
                     "rate_note": c.get("rate_note")}
                )  # fmt: skip
        return sorted(rows, key=lambda r: _nulls_last(r["source"]))

    def _q_type_coverage(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for key, t in self.nodes.get("DisputeType", {}).items():
            groups = self._self_and_parent(("DisputeType", key))

            def reach(rel: str, label: str | None = None, groups: list[Ref] = groups) -> set[Ref]:
                return {b for g in groups for b, _ in self._out(rel, g) if label is None or b[0] == label}

            rows.append(
                {"name": t["name"], "departments": len(reach("HANDLED_BY", "Department")),
                 "mediation_orgs": len(reach("MEDIATED_BY", "MediationOrg")),
                 "articles": sorted(b[1] for b in reach("GOVERNED_BY")),
                 "deadlines": [b[1] for b, _ in self._out("HAS_DEADLINE", ("DisputeType", key))],
                 "strategies": len(reach("SUGGESTS"))}
            )  # fmt: skip
        return sorted(rows, key=lambda r: r["name"])

    def _q_cases(self, p: dict[str, Any]) -> list[Row]:
        rows = []
        for t in self._match("DisputeType", p["dispute_type"]):
            for (c, g, _), _props in self.rels.get("EXAMPLE_OF", {}).items():
                if t in self._self_and_parent(g):
                    case = self._get(c)
                    rows.append({"id": case["id"], "title": case.get("title"), "cause": case.get("cause"),
                                 "dispute_type": self._get(g)["name"]})  # fmt: skip
        return sorted(rows, key=lambda r: r["id"])[: int(p["limit"])]

    def _q_seed_version(self, p: dict[str, Any]) -> list[Row]:
        meta = self._node("Meta", "seed")
        return [] if meta is None else [{k: meta.get(k) for k in ("version", "content_hash", "loaded_at")}]

    def _q_node_counts(self, p: dict[str, Any]) -> list[Row]:
        return [{"label": label, "count": len(n)} for label, n in sorted(self.nodes.items()) if n]

    def _q_relationship_counts(self, p: dict[str, Any]) -> list[Row]:
        return [{"type": rel, "count": len(r)} for rel, r in sorted(self.rels.items()) if r]
