"""AnalysisService: registers cases into the case view (through a sink), runs every detector on each new
case in one transaction, and answers alert and hot-spot queries. Built with its parts (an engine, a sink,
an encoder, parameters); it never holds :class:`brain.service.Brain`.

Incremental and batch are the same path: :meth:`register` for a case as it arrives, :meth:`replay` for a
history in time order (what the evaluation suite and a rebuild after a parameter change do).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa

from brain.analysis import text as T
from brain.analysis.alerting import AnalysisParams
from brain.analysis.hotspot import detect_hotspot
from brain.analysis.models import (
    Alert,
    AlertChange,
    AnalysisAlertPage,
    AnalysisAlertQuery,
    CaseRecord,
    HotspotQuery,
    HotspotResult,
    RegisterResult,
)
from brain.analysis.people import (
    detect_collective,
    detect_escalation,
    detect_rebound,
    detect_repeat,
    mostly_in,
)
from brain.analysis.similar import Encoder, Entry, Match, TextIndex, distinct_people
from brain.analysis.store import AnalysisStore, case_people, cases, features
from brain.errors import NotFoundError


class CaseSink(Protocol):
    """Where a registered case is written: the analysis' own ``cases`` table, or the ledger (which writes
    its own row; the sink then only checks it is there)."""

    def write(self, conn: sa.Connection, case: CaseRecord) -> None: ...


class OwnCaseSink:
    def write(self, conn: sa.Connection, case: CaseRecord) -> None:
        from brain.analysis.store import case_persons

        row = case.model_dump(exclude={"person_hashes", "signals"})
        conn.execute(sa.insert(cases).values(**row))
        if case.person_hashes:
            conn.execute(
                sa.insert(case_persons),
                [{"case_id": case.id, "person_hash": h} for h in sorted(set(case.person_hashes))],
            )


class AlertListener(Protocol):
    def __call__(self, changes: list[AlertChange]) -> None: ...


class AnalysisService:
    def __init__(
        self,
        store: AnalysisStore,
        *,
        sink: CaseSink | None = None,
        encode: Encoder | None = None,
        params: AnalysisParams | None = None,
    ) -> None:
        self.store = store
        self.sink = sink or OwnCaseSink()
        self.params = params or AnalysisParams()
        self.index = TextIndex(self.params, encode)
        self._lock = threading.Lock()
        self._data_start: datetime | None = None
        self._warm = False
        self.listeners: list[AlertListener] = []

    # ------------------------------------------------------------------ start-up
    def warm(self) -> None:
        """Rebuild the recent text index from the store (the window only)."""
        with self._lock:
            if self._warm:
                return
            with self.store.engine.connect() as conn:
                self._data_start = conn.execute(sa.select(sa.func.min(cases.c.received_at))).scalar()
                last = conn.execute(sa.select(sa.func.max(cases.c.received_at))).scalar()
                if last is not None:
                    since = last - timedelta(days=self.params.text_window_days)
                    rows = conn.execute(
                        sa.select(cases, features.c.person_root)
                        .join(features, features.c.case_id == cases.c.id, isouter=True)
                        .where(cases.c.received_at >= since)
                        .order_by(cases.c.received_at)
                    ).mappings()
                    for r in rows:
                        entry, matches = self.index.add(
                            str(r["id"]),
                            r["received_at"],
                            r["text_redacted"],
                            county=r["county"],
                            town=r["town"],
                            village=r["village"],
                            person=r["person_root"],
                        )
                        self.index.join_cluster(entry, matches)
            self._warm = True

    # ------------------------------------------------------------------ registration
    def register(self, case: CaseRecord, *, parties: list[list[str]] | None = None) -> RegisterResult:
        """Write the case (through the sink) and run every detector on it, in one transaction.
        ``parties``: the hashes of each party, complainant first (default: all hashes are one person)."""
        self.warm()
        t0 = time.perf_counter()
        groups = [g for g in (parties if parties is not None else [case.person_hashes]) if g]
        with self._lock, self.store.engine.begin() as conn:
            self.sink.write(conn, case)
            result = self._detect(conn, case, groups)
        result.took_ms = round((time.perf_counter() - t0) * 1000, 3)
        for listener in self.listeners:
            pushed = [c for c in result.changes if c.change in ("new", "escalated")]
            if pushed:
                listener(pushed)
        return result

    def replay(self, records: Iterable[CaseRecord]) -> list[RegisterResult]:
        return [self.register(r) for r in sorted(records, key=lambda r: r.received_at)]

    def _detect(self, conn: sa.Connection, case: CaseRecord, groups: list[list[str]]) -> RegisterResult:
        p = self.params
        if self._data_start is None or case.received_at < self._data_start:
            self._data_start = case.received_at
        roots = [r for r in (self.store.person_root(conn, g) for g in groups) if r]
        root = roots[0] if roots else None
        if roots:
            conn.execute(
                sa.insert(case_people), [{"case_id": case.id, "person_root": r} for r in dict.fromkeys(roots)]
            )
        text = case.text_redacted
        cps = T.counterparties(text)
        cp_key = T.counterparty_key(cps[0]) if cps else None  # 宏达公司 and 宏达建筑劳务有限公司: one key
        words = T.collective_language(text)
        threats = T.threat_words(text)
        entry, matches = self.index.add(
            case.id,
            case.received_at,
            text,
            county=case.county,
            town=case.town,
            village=case.village,
            person=root,
        )
        dup = self.index.duplicate_of(entry, matches)
        conn.execute(
            sa.insert(features).values(
                case_id=case.id,
                received_at=case.received_at,
                town=case.town,
                person_root=root,
                counterparty=cp_key,
                collective_words=",".join(words) or None,
                threat_words=",".join(threats) or None,
            )
        )
        changes: list[AlertChange] = []
        linked, reason, matter = None, None, None
        if dup is not None:
            first = dup.other.case_id
            prior = self.store.alert_for_case(conn, "duplicate", [first])
            linked, reason = first, "duplicate"
            changes.append(self._duplicate(conn, case, first, dup.jaccard, dup.cosine, prior))
        else:
            root_c = self.index.join_cluster(entry, matches)
            matter = root_c if root_c != case.id else None
            members = [
                m
                for m in self.index.members(root_c)
                if m.at >= case.received_at - timedelta(days=p.emerging_window_days)
            ]
            people = distinct_people(members)
            ids = [m.case_id for m in members]
            # one event, one alert: a new cluster that is mostly a 群体 group already reported (several
            # people naming one company in like words) stays that group
            if people >= p.emerging_min_people and (
                self.store.alert_for_case(conn, "emerging", ids) is not None
                or not mostly_in(conn, ids, "collective")
            ):
                changes.append(self._emerging(conn, case, members, people, matches))
        rep, first_same = detect_repeat(self.store, conn, case, p, root=root)
        changes += rep
        if linked is None and first_same is not None and rep:
            linked, reason = first_same, "repeat"
        if matter is None and cp_key:
            matter = conn.execute(
                sa.select(features.c.case_id)
                .where(
                    features.c.town == case.town,
                    features.c.counterparty == cp_key,
                    features.c.received_at >= case.received_at - timedelta(days=p.collective_window_days),
                    features.c.case_id != case.id,
                )
                .order_by(features.c.received_at)
                .limit(1)
            ).scalar()
        if linked or matter:
            conn.execute(
                sa.update(features)
                .where(features.c.case_id == case.id)
                .values(linked_to=linked, link_reason=reason, matter=linked or matter)
            )
        changes += detect_collective(
            self.store, conn, case, p, counterparty=cp_key, name=cps[0] if cps else None, words=words
        )
        changes += detect_escalation(self.store, conn, case, p, threats=threats, roots=roots)
        changes += detect_rebound(self.store, conn, case, p, root=root)
        changes += detect_hotspot(
            self.store, conn, case, p, linked=linked is not None, data_start=self._data_start
        )
        return RegisterResult(case_id=case.id, linked_to=linked, changes=changes)

    def _duplicate(
        self, conn: sa.Connection, case: CaseRecord, first: str, jac: float, cos: float, prior: Alert | None
    ) -> AlertChange:
        from brain.analysis.alerting import title_for, upsert_alert
        from brain.analysis.models import Place

        return upsert_alert(
            self.store,
            conn,
            kind="duplicate",
            key=f"first:{first}",
            at=case.received_at,
            level="蓝",
            place=Place(county=case.county, town=case.town, village=case.village),
            title=title_for("duplicate", "蓝", f"与 {first} 为同一事项的重复投诉（{case.source}）"),
            rule=(
                f"同一当事人（或未留身份、同村）{self.params.duplicate_window_days:g}日内文本近似重复："
                f"字符3-gram Jaccard {jac:.2f}（阈值 {self.params.duplicate_jaccard:g}）；关联首件，统计中不重复计数"
            ),
            evidence={"first_case": first, "jaccard": round(jac, 3), "cosine": round(cos, 3)},
            case_ids=[first, case.id],
            active_days=self.params.duplicate_window_days,
            existing=prior,
        )

    def _emerging(
        self, conn: sa.Connection, case: CaseRecord, members: list[Entry], people: int, matches: list[Match]
    ) -> AlertChange:
        from brain.analysis.alerting import title_for, upsert_alert
        from brain.analysis.models import AlertLevel, Place

        ids = [m.case_id for m in members]
        prior = self.store.alert_for_case(conn, "emerging", ids)
        towns = sorted({m.town for m in members})
        level: AlertLevel = "红" if people >= 12 else ("橙" if people >= 8 else "蓝")
        best = max(matches, key=lambda m: m.jaccard, default=None)
        return upsert_alert(
            self.store,
            conn,
            kind="emerging",
            key=f"cluster:{ids[0]}",
            at=case.received_at,
            level=level,
            place=Place(county=case.county, town=towns[0] if len(towns) == 1 else "", village=""),
            title=title_for("emerging", level, f"{'、'.join(towns)} {people} 人反映相似问题"),
            rule=(
                f"MinHash LSH（字符3-gram）+ 向量相似度聚类：{self.params.emerging_window_days:g}日内 {people} 名不同投诉人"
                f"的相似投诉（阈值 {self.params.emerging_min_people} 人；Jaccard≥{self.params.jaccard_min:g}"
                f" 或 余弦≥{self.params.cosine_min:g}"
                + (
                    f" 或 同一乡镇内词语重合（IDF 加权）≥{self.params.word_jaccard_min:g} 且余弦≥"
                    f"{self.params.word_cosine_floor:g}"
                    if self.params.word_jaccard_min > 0
                    else ""
                )
                + "）"
            ),
            evidence={
                "people": people,
                "towns": towns,
                "best_jaccard": round(best.jaccard, 3) if best else None,
                "best_word_overlap": round(max((m.word_jaccard for m in matches), default=0.0), 3),
                "example": case.text_redacted[:80],
            },
            case_ids=ids,
            active_days=self.params.emerging_window_days,
            existing=prior,
        )

    # ------------------------------------------------------------------ queries
    def alerts(self, query: AnalysisAlertQuery) -> AnalysisAlertPage:
        with self.store.engine.connect() as conn:
            items, total = self.store.list_alerts(
                conn,
                kind=query.kind,
                level=query.level,
                place=query.place,
                since=query.since,
                limit=query.limit,
            )
        return AnalysisAlertPage(items=items, total=total)

    def alert(self, alert_id: str) -> Alert:
        with self.store.engine.connect() as conn:
            a = self.store.get_alert(conn, alert_id)
        if a is None:
            raise NotFoundError(
                f"预警 {alert_id} 不存在", where="alert_id", hint="用 GET /v1/alerts 查看预警列表"
            )
        return a

    def hotspots(self, query: HotspotQuery) -> HotspotResult:
        from brain.analysis.queries import hotspot_cells

        with self.store.engine.connect() as conn:
            return hotspot_cells(conn, query, self.params)
