"""Every Cypher statement of the project, as named, parameterised queries.

Only the subset that runs on both Neo4j 5.x and ArcadeDB's Bolt/Cypher is used (checked by the contract
tests against both): ``UNWIND $rows``, ``MERGE … SET``, uniqueness constraints, variable-length
``-[:ESCALATES_TO*0..4]->``, ``OPTIONAL MATCH`` + ``collect``, aliased columns, no APOC, no full-text or
vector indexes. A name given by a caller may be the canonical name or an alias, so every read query
matches ``n.name = $x OR $x IN n.aliases``.

``NAMED_QUERIES`` are the read queries callers may run by name (API, CLI, agents); ``SCHEMA`` and
``WRITES`` are used by the loader only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ----------------------------------------------------------------------------------------- schema

#: label -> key property. Each gets a uniqueness constraint (which also gives the lookup index).
NODE_KEYS: dict[str, str] = {
    "DisputeType": "name",
    "RiskSignal": "name",
    "Department": "name",
    "MediationOrg": "name",
    "Level": "name",
    "Channel": "name",
    "Source": "name",
    "DeadlineRule": "name",
    "LawArticle": "id",
    "Strategy": "name",
    "Case": "id",
    "Meta": "key",  # one node, {key: 'seed'}: the version of the last load, read by caches (SEED_VERSION)
}

#: relationship type -> (from label(s), to label(s), meaning). Documentation and the stats command use it.
RELATIONSHIPS: dict[str, tuple[str, str, str]] = {
    "SUBTYPE_OF": ("DisputeType", "DisputeType", "二级类别属于一级类别"),
    "HANDLED_BY": ("DisputeType", "Department", "由该部门受理或处理（reason/cite/quote/priority）"),
    "MEDIATED_BY": ("DisputeType", "MediationOrg", "由该调解组织调解（reason/cite/quote/priority）"),
    "AT_LEVEL": ("Department|MediationOrg", "Level", "所在层级"),
    "ESCALATES_TO": ("Level", "Level", "逐级提级（reason/cite/quote）"),
    "GOVERNED_BY": ("DisputeType", "LawArticle", "适用的法律条文（why）"),
    "SUGGESTS": ("DisputeType", "Strategy", "建议采用的调解策略"),
    "HAS_DEADLINE": ("DisputeType", "DeadlineRule", "默认办理时限（按难度）"),
    "STATIONED_AT": (
        "Department|MediationOrg",
        "Department",
        "入驻综治中心（mode 常驻/轮驻/随驻/进驻, region）",
    ),
    "DIVERTED_VIA": ("Source", "Channel", "来源经由对接渠道分流"),
    "EXAMPLE_OF": ("Case", "DisputeType", "检索库中的同类案例"),
}

SCHEMA: list[str] = [
    f"CREATE CONSTRAINT {label.lower()}_{key}_unique IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE"
    for label, key in NODE_KEYS.items()
]

# ----------------------------------------------------------------------------------------- writes

_MERGE_NODES = "UNWIND $rows AS r MERGE (n:{label} {{{key}: r.key}}) SET n += r.props"

WRITES: dict[str, str] = {
    "merge_nodes": _MERGE_NODES,  # formatted with label/key by the loader (labels cannot be parameters)
    "subtype_of": (
        "UNWIND $rows AS r MATCH (c:DisputeType {name: r.child}), (p:DisputeType {name: r.parent}) "
        "MERGE (c)-[:SUBTYPE_OF]->(p)"
    ),
    "has_deadline": (
        "UNWIND $rows AS r MATCH (t:DisputeType {name: r.type}), (d:DeadlineRule {name: r.rule}) "
        "MERGE (t)-[:HAS_DEADLINE]->(d)"
    ),
    "escalates_to": (
        "UNWIND $rows AS r MATCH (a:Level {name: r.from}), (b:Level {name: r.to}) "
        "MERGE (a)-[e:ESCALATES_TO]->(b) SET e.reason = r.reason, e.cite = r.cite, e.quote = r.quote"
    ),
    "diverted_via": (
        "UNWIND $rows AS r MATCH (s:Source {name: r.source}), (c:Channel {name: r.channel}) "
        "MERGE (s)-[:DIVERTED_VIA]->(c)"
    ),
    "at_level": (
        "UNWIND $rows AS r MATCH (o:{label} {{name: r.org}}), (l:Level {{name: r.level}}) MERGE (o)-[:AT_LEVEL]->(l)"
    ),
    "stationed_at": (
        "UNWIND $rows AS r MATCH (o:{label} {{name: r.org}}), (c:Department {{name: r.at}}) "
        "MERGE (o)-[s:STATIONED_AT {{key: r.key}}]->(c) "
        "SET s.mode = r.mode, s.region = r.region, s.cite = r.cite, s.quote = r.quote"
    ),
    "route": (
        "UNWIND $rows AS r MATCH (t:DisputeType {{name: r.type}}), (o:{label} {{name: r.org}}) "
        "MERGE (t)-[e:{rel}]->(o) "
        "SET e.priority = r.priority, e.reason = r.reason, e.cite = r.cite, e.quote = r.quote, e.rule = r.rule"
    ),
    "governed_by": (
        "UNWIND $rows AS r MATCH (t:DisputeType {name: r.type}), (a:LawArticle {id: r.article}) "
        "MERGE (t)-[e:GOVERNED_BY]->(a) SET e.why = r.why"
    ),
    "suggests": (
        "UNWIND $rows AS r MATCH (t:DisputeType {name: r.type}), (s:Strategy {name: r.strategy}) "
        "MERGE (t)-[:SUGGESTS]->(s)"
    ),
    # Written last by every load, whatever it wrote: a fresh ``version`` tells caches the graph changed.
    "seed_meta": (
        "MERGE (m:Meta {key: 'seed'}) "
        "SET m.version = $version, m.content_hash = $content_hash, m.loaded_at = $loaded_at"
    ),
    "example_of": (
        "UNWIND $rows AS r MATCH (c:Case {id: r.case}), (t:DisputeType {name: r.type}) "
        "MERGE (c)-[:EXAMPLE_OF]->(t)"
    ),
}

# ----------------------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class NamedQuery:
    """A read query callers may run by name. ``params`` maps each parameter to its default (None = required
    unless listed in ``optional``), so the CLI and the API can validate input before touching the server."""

    name: str
    description: str
    cypher: str
    params: dict[str, Any] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()
    example: dict[str, Any] = field(default_factory=dict)

    def bind(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults filled in; raises ValueError naming unknown or missing parameters."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise ValueError(
                f"查询 {self.name} 没有参数 {', '.join(unknown)}；可用参数：{', '.join(self.params) or '无'}"
            )
        bound = {**self.params, **given}
        missing = [k for k, v in bound.items() if v is None and k not in self.optional]
        if missing:
            raise ValueError(f"查询 {self.name} 缺少参数 {', '.join(missing)}")
        return bound


_TYPE_MATCH = "MATCH (t:DisputeType) WHERE t.name = $dispute_type OR $dispute_type IN t.aliases"

_QUERIES = [
    NamedQuery(
        name="routing_candidates",
        description="分流候选：从给定层级起沿提级链，列出各层级处理该类纠纷的部门和调解组织及理由、出处",
        cypher=(
            f"{_TYPE_MATCH} "
            "MATCH (start:Level) WHERE start.name = $level OR $level IN start.aliases "
            "MATCH path = (start)-[:ESCALATES_TO*0..4]->(lv:Level) "
            "MATCH (t)-[:SUBTYPE_OF*0..1]->(g:DisputeType)-[r:HANDLED_BY|MEDIATED_BY]->(o)-[:AT_LEVEL]->(lv) "
            "WHERE o.region IS NULL OR o.region = $region "
            "RETURN t.name AS dispute_type, o.name AS org, o.kind AS org_kind, type(r) AS relation, "
            "lv.name AS level, lv.rank AS level_rank, length(path) AS step, r.priority AS priority, "
            "r.reason AS reason, r.cite AS cite, r.quote AS quote, r.rule AS rule, g.name AS via_type, "
            "[e IN relationships(path) | e.reason] AS escalation_reasons "
            "ORDER BY step, priority, org"
        ),
        params={"dispute_type": None, "level": "村", "region": None},
        optional=frozenset({"region"}),
        example={"dispute_type": "邻里纠纷", "level": "村"},
    ),
    NamedQuery(
        name="escalation_chain",
        description="提级链：从给定层级逐级向上，每一级的理由和出处",
        cypher=(
            "MATCH (start:Level) WHERE start.name = $level OR $level IN start.aliases "
            "MATCH path = (start)-[:ESCALATES_TO*1..4]->(lv:Level) "
            "WITH path, lv, relationships(path) AS rels "
            "RETURN lv.name AS level, lv.rank AS rank, length(path) AS step, lv.role AS role, "
            "rels[size(rels) - 1].reason AS reason, rels[size(rels) - 1].cite AS cite, "
            "rels[size(rels) - 1].quote AS quote ORDER BY step"
        ),
        params={"level": "村"},
        example={"level": "村"},
    ),
    NamedQuery(
        name="governing_articles",
        description="适用法条：该类纠纷（含其上级类别）链接的法律条文",
        cypher=(
            f"{_TYPE_MATCH} "
            "MATCH (t)-[:SUBTYPE_OF*0..1]->(g:DisputeType)-[e:GOVERNED_BY]->(a:LawArticle) "
            "RETURN a.id AS id, a.law AS law, a.article AS article, a.title AS title, a.in_force AS in_force, "
            "e.why AS why, g.name AS via_type, CASE WHEN g = t THEN 0 ELSE 1 END AS inherited "
            "ORDER BY inherited, law, article"
        ),
        params={"dispute_type": None},
        example={"dispute_type": "赡养纠纷"},
    ),
    NamedQuery(
        name="strategies",
        description="调解策略：适用于该类纠纷（含其上级类别）的调解方法及出处",
        cypher=(
            f"{_TYPE_MATCH} "
            "MATCH (t)-[:SUBTYPE_OF*0..1]->(g:DisputeType)-[:SUGGESTS]->(s:Strategy) "
            "RETURN DISTINCT s.name AS name, s.description AS description, s.steps AS steps, "
            "s.cite AS cite, s.quote AS quote ORDER BY name"
        ),
        params={"dispute_type": None},
        example={"dispute_type": "医疗纠纷"},
    ),
    NamedQuery(
        name="deadline",
        description="办理时限：某难度等级的时限，以及受理后分流的时限",
        cypher=(
            "MATCH (d:DeadlineRule {name: $difficulty}) "
            "OPTIONAL MATCH (r:DeadlineRule {kind: '分流'}) "
            "RETURN d.name AS difficulty, d.limit AS limit, d.max_days AS max_days, d.description AS description, "
            "d.cite AS cite, d.quote AS quote, r.limit AS routing_limit, r.max_days AS routing_max_days"
        ),
        params={"difficulty": None},
        example={"difficulty": "一般"},
    ),
    NamedQuery(
        name="type_deadline",
        description="某类纠纷的默认难度与办理时限",
        cypher=(
            f"{_TYPE_MATCH} "
            "MATCH (t)-[:HAS_DEADLINE]->(d:DeadlineRule) "
            "RETURN t.name AS dispute_type, d.name AS difficulty, d.limit AS limit, d.max_days AS max_days, "
            "d.cite AS cite, d.quote AS quote"
        ),
        params={"dispute_type": None},
        example={"dispute_type": "征地拆迁纠纷"},
    ),
    NamedQuery(
        name="stationed",
        description="入驻情况：哪些部门、调解组织以何种方式（常驻/轮驻/随驻/进驻）入驻哪个综治中心",
        cypher=(
            # Anchored on the labelled centre, then one hop back: starting from the unlabelled ``(o)`` made
            # ArcadeDB scan every node (about 2 ms server time on this seed; 0 ms now).
            "MATCH (c:Department) WHERE $centre IS NULL OR c.name = $centre OR $centre IN c.aliases "
            "MATCH (c)<-[s:STATIONED_AT]-(o) "
            "WHERE ($mode IS NULL OR s.mode = $mode) "
            "AND ($region IS NULL OR s.region IS NULL OR s.region = $region) "
            "RETURN c.name AS centre, o.name AS org, o.kind AS org_kind, s.mode AS mode, s.region AS region, "
            "s.cite AS cite, s.quote AS quote ORDER BY centre, mode, org"
        ),
        params={"centre": None, "mode": None, "region": None},
        optional=frozenset({"centre", "mode", "region"}),
        example={"centre": "县级综治中心", "mode": "常驻"},
    ),
    NamedQuery(
        name="taxonomy",
        description="纠纷分类：全部类别及别名、关键词、上级类别、默认难度",
        cypher=(
            "MATCH (t:DisputeType) OPTIONAL MATCH (t)-[:SUBTYPE_OF]->(p:DisputeType) "
            "RETURN t.name AS name, p.name AS parent, t.aliases AS aliases, t.keywords AS keywords, "
            "t.domains AS domains, t.description AS description, t.difficulty AS difficulty, "
            "t.escalate_if AS escalate_if ORDER BY coalesce(p.name, t.name), parent IS NOT NULL, name"
        ),
    ),
    NamedQuery(
        name="resolve_type",
        description="按名称或别名查找纠纷类别",
        cypher=(
            f"{_TYPE_MATCH} OPTIONAL MATCH (t)-[:SUBTYPE_OF]->(p:DisputeType) "
            "RETURN t.name AS name, p.name AS parent, t.difficulty AS difficulty"
        ),
        params={"dispute_type": None},
        example={"dispute_type": "劳资纠纷"},
    ),
    NamedQuery(
        name="risk_signals",
        description="风险信号：民转刑、群体性、极端言行、易反弹等信号的关键词、预警颜色和处置",
        cypher=(
            "MATCH (s:RiskSignal) RETURN s.name AS name, s.category AS category, s.keywords AS keywords, "
            "s.colour AS colour, s.action AS action, s.cite AS cite, s.quote AS quote ORDER BY category, name"
        ),
    ),
    NamedQuery(
        name="sources",
        description="受理来源及其对接渠道（含甘肃2024年成功率）",
        cypher=(
            "MATCH (s:Source) OPTIONAL MATCH (s)-[:DIVERTED_VIA]->(c:Channel) "
            "RETURN s.name AS source, s.aliases AS aliases, s.description AS description, c.name AS channel, "
            "c.success_rate AS channel_success_rate, c.rate_note AS rate_note ORDER BY source"
        ),
    ),
    NamedQuery(
        name="type_coverage",
        description="每类纠纷（含继承自上级类别）的部门、调解组织、法条、时限、策略数量，用于检查数据完整性",
        cypher=(
            "MATCH (t:DisputeType) "
            "OPTIONAL MATCH (t)-[:SUBTYPE_OF*0..1]->(:DisputeType)-[h:HANDLED_BY]->(d:Department) "
            "WITH t, count(DISTINCT d) AS departments "
            "OPTIONAL MATCH (t)-[:SUBTYPE_OF*0..1]->(:DisputeType)-[:MEDIATED_BY]->(m:MediationOrg) "
            "WITH t, departments, count(DISTINCT m) AS mediation_orgs "
            "OPTIONAL MATCH (t)-[:SUBTYPE_OF*0..1]->(:DisputeType)-[:GOVERNED_BY]->(a:LawArticle) "
            "WITH t, departments, mediation_orgs, collect(DISTINCT a.id) AS articles "
            "OPTIONAL MATCH (t)-[:HAS_DEADLINE]->(r:DeadlineRule) "
            "WITH t, departments, mediation_orgs, articles, collect(r.name) AS deadlines "
            "OPTIONAL MATCH (t)-[:SUBTYPE_OF*0..1]->(:DisputeType)-[:SUGGESTS]->(s:Strategy) "
            "RETURN t.name AS name, departments, mediation_orgs, articles, deadlines, "
            "count(DISTINCT s) AS strategies ORDER BY name"
        ),
    ),
    NamedQuery(
        name="cases",
        description="检索库中与该类纠纷案由相同的案例编号",
        cypher=(
            f"{_TYPE_MATCH} "
            "MATCH (c:Case)-[:EXAMPLE_OF]->(g:DisputeType)-[:SUBTYPE_OF*0..1]->(t) "
            "RETURN c.id AS id, c.title AS title, c.cause AS cause, g.name AS dispute_type "
            "ORDER BY id LIMIT $limit"
        ),
        params={"dispute_type": None, "limit": 20},
        example={"dispute_type": "继承纠纷"},
    ),
    NamedQuery(
        name="seed_version",
        description="种子数据版本：每次 kg load 写入新版本号，缓存据此判断图谱是否已重新加载",
        cypher=(
            "MATCH (m:Meta {key: 'seed'}) "
            "RETURN m.version AS version, m.content_hash AS content_hash, m.loaded_at AS loaded_at"
        ),
    ),
    NamedQuery(
        name="node_counts",
        description="各标签节点数",
        cypher="MATCH (n) RETURN labels(n)[0] AS label, count(*) AS count ORDER BY label",
    ),
    NamedQuery(
        name="relationship_counts",
        description="各类型关系数",
        cypher="MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type",
    ),
]

NAMED_QUERIES: dict[str, NamedQuery] = {q.name: q for q in _QUERIES}
