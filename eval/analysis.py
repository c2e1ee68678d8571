"""``brain eval run analysis --data STREAM.jsonl [--json]``: early-warning detectors over a case stream.

A stream is JSONL, one case a line: ``{"id", "received_at", "source", "place": {"county", "town",
"village"}, "text", "parties"?: [{"name", "id_number"?, "phone"?}]}``. The expected alerts sit beside it in
``STREAM.alerts.jsonl``: ``{"kind": "hotspot|emerging|collective|repeat|duplicate", "case_ids": [...]}``;
no such file (or an empty one) makes it a quiet stream, where every alert is a false alarm.

Each case is registered in time order into a **fresh** analysis store (a temp state dir), through the facade
(:meth:`Brain.analysis_register`: intake in deterministic mode, then every detector, with the clock at the
case's ``received_at``). An expected alert is *found* when an emitted alert of the same kind covers at least
half of its case ids; its delay is the time from its first case to the registration that made an alert
cover half. Precision per kind counts emitted alerts that cover half of some expected alert of that kind.
False alarms per town-week: emitted alerts that match nothing planted, over towns × weeks of the stream.

The naive baseline runs in the same pass on the same intake types: a fixed threshold per town and type
(``BASELINE_THRESHOLD`` cases of one type in one town within 7 days → a hotspot alert); it has no notion of
text, persons or counterparties, so it only ever says "hotspot".
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from eval.dataset import load_jsonl

KINDS = ("hotspot", "emerging", "collective", "repeat", "duplicate")
BASELINE_THRESHOLD = 4
BASELINE_WINDOW = timedelta(days=7)


class Expected(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)  # a stream may number its cases

    kind: str
    case_ids: list[str]


def expected_path(data: Path) -> Path:
    return data.with_name(data.name.removesuffix(".jsonl") + ".alerts.jsonl")


def run_suite(brain: Any, data: Path, *, as_json: bool = False, report: Path | None = None) -> dict[str, Any]:
    from brain.analysis.registration import CaseIn
    from brain.errors import InputError

    if not hasattr(brain, "settings"):
        raise InputError(
            "analysis 套件需在进程内运行（每条流都写入一个全新的研判库）",
            where="--url",
            hint="去掉 --url，在本机运行 brain eval run analysis",
        )
    loaded = load_jsonl(data, CaseIn)
    exp_file = expected_path(data)
    expected = load_jsonl(exp_file, Expected).cases if exp_file.exists() else []
    stream = _one_county(sorted(loaded.cases, key=lambda c: c.received_at))
    with tempfile.TemporaryDirectory(prefix="brain-analysis-eval-") as tmp:
        from brain.analysis.ledger_adapter import places_yaml

        places = Path(tmp) / "places.yaml"  # the fresh ledger knows the stream's own places
        places.write_text(places_yaml(stream), encoding="utf-8")
        update: dict[str, Any] = {"state_dir": Path(tmp)}
        if hasattr(brain.settings, "ledger"):
            update["ledger"] = brain.settings.ledger.model_copy(update={"places": places})
        fresh = type(brain)(brain.settings.model_copy(update=update))
        try:
            result = _replay(fresh, stream, expected)
        finally:
            fresh.close()
    result.update(
        suite="analysis",
        data=str(data),
        quiet=not expected,
        errors=[str(e) for e in loaded.errors],
    )
    if as_json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        _print(result)
    return result


def _one_county(stream: list[Any]) -> list[Any]:
    """The stream's places as one ledger can hold them. A place written by its office (青石镇人民政府,
    东门社区居委会, 北关村村委会) is the place itself, so one village is one cell however a line names it. A
    ledger serves one county: a stream naming several (a city's hotline) keeps them apart by naming each town
    with its county — two counties may each have a 城关镇. A stream that needs neither is unchanged."""
    from brain.ledger.places import canonical_town, canonical_village

    several = len({c.place.county for c in stream if c.place.county}) > 1
    out = []
    for c in stream:
        p = c.place
        town = canonical_town(p.town) if p.town else ""
        if several and p.county and town:
            town = f"{p.county}{town}"
        village = canonical_village(p.village) if p.village else ""
        if (town, village) != (p.town, p.village):
            c = c.model_copy(update={"place": p.model_copy(update={"town": town, "village": village})})
        out.append(c)
    return out


def _lenient(case: Any, fixes: Counter[str]) -> Any:
    """What the suite mends in a stream line rather than lose the case: a channel the ledger does not know
    (after its aliases and wordings) becomes 来访, an ID number that fails its checksum is dropped (the
    person is then matched by phone only). Each fix is counted in the result (``fixes``)."""
    from brain.ledger.crypto import normalise
    from brain.ledger.models import resolve_source
    from brain.privacy import is_valid_id_number

    update: dict[str, Any] = {}
    if resolve_source(case.source) is None:
        fixes[f"未知渠道“{case.source}”按来访登记"] += 1
        update["source"] = "来访"
    parties = []
    for p in case.parties:
        if p.id_number and not is_valid_id_number(normalise("id_number", p.id_number)):
            fixes["身份证号无效，已忽略"] += 1
            p = p.model_copy(update={"id_number": None})
        parties.append(p)
    if parties != case.parties:
        update["parties"] = parties
    return case.model_copy(update=update) if update else case


def _replay(brain: Any, stream: list[Any], expected: list[Expected]) -> dict[str, Any]:
    from brain.errors import InputError

    fixes: Counter[str] = Counter()
    rejected: list[dict[str, Any]] = []  # lines the live system refuses too: listed, the replay goes on
    at_of: dict[str, datetime] = {}
    covered_at: dict[str, dict[int, datetime]] = defaultdict(dict)  # alert id -> expected idx -> time
    final: dict[str, Any] = {}
    latency: list[float] = []
    exp_sets = [(i, e.kind, set(e.case_ids)) for i, e in enumerate(expected)]
    baseline = _Baseline()
    idmap: dict[str, str] = {}  # the store's case id (the ledger numbers its own) -> the stream's id
    for case in stream:
        case = _lenient(case, fixes)
        try:
            res = brain.analysis_register(case)
        except InputError as e:
            rejected.append({"id": case.id, "error": e.message, "where": e.where})
            continue
        cid = res.case_id
        idmap[cid] = case.id or cid
        at_of[idmap[cid]] = case.received_at
        latency.append(res.took_ms)
        for ch in res.changes:
            a = ch.alert.model_copy(update={"case_ids": [idmap.get(c, c) for c in ch.alert.case_ids]})
            final[a.id] = a
            ids = set(a.case_ids)
            for i, kind, want in exp_sets:
                if kind == a.kind and i not in covered_at[a.id] and len(ids & want) * 2 >= len(want):
                    covered_at[a.id][i] = case.received_at
        rec = brain.analysis_service.store
        with rec.engine.connect() as conn:
            row = rec.case(conn, cid)
        baseline.add(idmap[cid], case.received_at, case.place.town, row.type if row else None, exp_sets)
    towns = {c.place.town for c in stream if c.place.town}  # a case naming no town is no extra town
    span_days = (stream[-1].received_at - stream[0].received_at).total_seconds() / 86400 if stream else 0
    town_weeks = max(max(len(towns), 1) * span_days / 7, 1e-9)
    ours = _score(list(final.values()), covered_at, exp_sets, at_of, town_weeks)
    base = _score(baseline.alerts, baseline.covered_at, exp_sets, at_of, town_weeks)
    return {
        "cases": len(stream),
        "towns": len(towns),
        "town_weeks": round(town_weeks, 2),
        "expected": len(expected),
        "rejected": rejected,
        "fixes": dict(fixes),
        **ours,
        "baseline": {"rule": f"同一乡镇同一类型 7 日内 ≥{BASELINE_THRESHOLD} 件即报热点", **base},
        "register_ms": {
            "p50": round(statistics.median(latency), 3) if latency else None,
            "p95": round(sorted(latency)[int(0.95 * (len(latency) - 1))], 3) if latency else None,
        },
        "alerts": [
            {
                "id": a.id,
                "kind": a.kind,
                "level": a.level,
                "title": a.title,
                "case_ids": a.case_ids,
                "matched": sorted(covered_at.get(a.id, {})),
            }
            for a in final.values()
        ],
    }


def _score(
    alerts: list[Any],
    covered_at: dict[str, dict[int, datetime]],
    exp_sets: list[tuple[int, str, set[str]]],
    at_of: dict[str, datetime],
    town_weeks: float,
) -> dict[str, Any]:
    per_kind: dict[str, dict[str, Any]] = {}
    first_found: dict[int, datetime] = {}
    for a in alerts:
        for i, t in covered_at.get(a.id, {}).items():
            if i not in first_found or t < first_found[i]:
                first_found[i] = t
    unmatched = sum(1 for a in alerts if not covered_at.get(a.id))
    for kind in KINDS:
        exp_k = [(i, want) for i, k, want in exp_sets if k == kind]
        emitted = [a for a in alerts if a.kind == kind]
        found = [i for i, _ in exp_k if i in first_found]
        delays = [
            (first_found[i] - min(at_of[c] for c in want if c in at_of)).total_seconds() / 3600
            for i, want in exp_k
            if i in first_found
        ]
        good = sum(1 for a in emitted if covered_at.get(a.id))
        per_kind[kind] = {
            "recall": round(len(found) / len(exp_k), 4) if exp_k else None,
            "precision": round(good / len(emitted), 4)
            if emitted and exp_k
            else (None if not emitted else 0.0),
            "delay_hours": round(statistics.median(delays), 2) if delays else None,
            "expected": len(exp_k),
            "emitted": len(emitted),
            "found": len(found),
        }
    return {
        "per_kind": per_kind,
        "false_alarms": unmatched,
        "false_alarms_per_town_week": round(unmatched / town_weeks, 4),
    }


class _BaseAlert(BaseModel):
    id: str
    kind: str = "hotspot"
    case_ids: list[str]


class _Baseline:
    """Fixed threshold per town and type over a sliding 7-day window; one alert per episode."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, str], deque[tuple[datetime, str]]] = defaultdict(deque)
        self.open: dict[tuple[str, str], tuple[_BaseAlert, datetime]] = {}
        self.alerts: list[_BaseAlert] = []
        self.covered_at: dict[str, dict[int, datetime]] = defaultdict(dict)

    def add(
        self, cid: str, at: datetime, town: str, typ: str | None, exp_sets: list[tuple[int, str, set[str]]]
    ) -> None:
        if not typ:
            return
        key = (town, typ)
        win = self.windows[key]
        win.append((at, cid))
        while win and win[0][0] <= at - BASELINE_WINDOW:
            win.popleft()
        if len(win) < BASELINE_THRESHOLD:
            return
        cur = self.open.get(key)
        if cur is None or cur[1] < at:
            alert = _BaseAlert(id=f"B{len(self.alerts) + 1}", case_ids=[c for _, c in win])
            self.alerts.append(alert)
        else:
            alert = cur[0]
            alert.case_ids = list(dict.fromkeys([*alert.case_ids, *(c for _, c in win)]))
        self.open[key] = (alert, at + BASELINE_WINDOW)
        ids = set(alert.case_ids)
        for i, kind, want in exp_sets:
            if kind == "hotspot" and i not in self.covered_at[alert.id] and len(ids & want) * 2 >= len(want):
                self.covered_at[alert.id][i] = at


def _print(r: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console()
    title = f"态势研判评测：{r['data']}（{r['cases']} 件，{r['towns']} 个乡镇，{r['town_weeks']} 镇·周"
    title += "，静默流）" if r["quiet"] else f"，预埋 {r['expected']} 个事件）"
    t = Table(title=title)
    for col in ("类别", "召回", "精确", "时延(小时)", "预埋", "发出", "基线召回", "基线精确", "基线发出"):
        t.add_column(col, justify="left" if col == "类别" else "right")

    def f(x: Any) -> str:
        return "-" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))

    for kind, m in r["per_kind"].items():
        b = r["baseline"]["per_kind"][kind]
        t.add_row(
            kind,
            f(m["recall"]),
            f(m["precision"]),
            f(m["delay_hours"]),
            str(m["expected"]),
            str(m["emitted"]),
            f(b["recall"]),
            f(b["precision"]),
            str(b["emitted"]),
        )
    con.print(t)
    con.print(
        f"误报 {r['false_alarms']} 条，每镇·周 {r['false_alarms_per_town_week']:.3f}"
        f"（基线 {r['baseline']['false_alarms']} 条，{r['baseline']['false_alarms_per_town_week']:.3f}）；"
        f"登记+检测 p50 {r['register_ms']['p50']} ms"
    )
    for e in r["errors"]:
        con.print(f"[red]格式错误：{e}[/red]")
    for fix, n in r.get("fixes", {}).items():
        con.print(f"[yellow]已修正 {n} 条：{fix}[/yellow]")
    for rej in r.get("rejected", []):
        con.print(f"[red]未登记 {rej['id']}：{rej['error']}（位置：{rej['where']}）[/red]")
