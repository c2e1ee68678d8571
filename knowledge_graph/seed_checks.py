"""Checks of the seed beyond the row models: names unique within their kind (and dispute-type aliases unique
across types), every reference resolves (parent type, level, channel, organisation, article, strategy target),
every ``报告:`` citation names a known report and its quote occurs in the report text, and every statute
citation names an article present in the statute corpus with the quote occurring in its text.
:func:`read_seed` reads (:mod:`knowledge_graph.seed_reader`) and checks every file; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_graph import models as m
from knowledge_graph.errors import SeedIssue
from knowledge_graph.seed_reader import DEFAULT_SEED_DIR, DEPENDS_ON, FILES, Parsed, StatuteInfo, parse_file


class SeedChecker:
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
    SeedChecker(seed_dir, files, statutes).run()
    return Seed(seed_dir=seed_dir, files=files, statutes=statutes)
