"""Seeded generator of case streams with planted events, for the ``analysis`` suite.

A stream is a fictional county (``StreamSpec.towns`` × ``villages`` per town) over ``weeks`` weeks. The
background: each village has its own weekly rate (gamma-distributed, so some are busy and some quiet) and a
few villages have a *specialty* (a label they always have many of: the "village that always has many land
disputes" that must not alarm). Every background text is a different public text from the pool
(``eval/datasets/analysis_texts.jsonl``), each case with its own fictional person(s); 3% of persons come
back once with another matter (two cases are not a repeat).

Planted events (after ``warmup_weeks``), each written to ``STREAM.alerts.jsonl`` with its case ids:

* hotspot — 6–9 cases of one pool label in one village within 4 days, different people;
* emerging — 6–10 paraphrases of one pool text (clauses dropped, reordered, synonyms, framing phrases) from
  different people across 1–3 villages of one town within 7 days;
* collective — 4–7 complainants from the villages of one town naming one fictional counterparty (a company,
  site, property firm or plant) in their own words (different pool texts) within 10 days; in 40% of events
  one of them speaks of a group action (集体上访/拉横幅/堵路);
* repeat — one person, 3–4 different texts on one label through different channels over 2–10 weeks,
  identified sometimes by ID number, sometimes by phone, sometimes both;
* duplicate — one person, the same complaint again (light edit) on another channel 1–10 days later.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from eval.analysis_vocab import (
    COUNTY,
    FOLLOW_UP,
    FRAMES_POST,
    FRAMES_PRE,
    GROUP_LINES,
    ORG_KINDS,
    ORG_STEMS,
    PLACES,
    SOURCE_WEIGHTS,
    SOURCES,
    SYNONYMS,
)

ROOT = Path(__file__).resolve().parents[1]
POOL_PATH = ROOT / "eval" / "datasets" / "analysis_texts.jsonl"
__all__ = [
    "COUNTY",
    "PLACES",
    "POOL_PATH",
    "SOURCES",
    "SOURCE_WEIGHTS",
    "StreamSpec",
    "generate",
    "load_pool",
    "write_stream",
]


@dataclass
class StreamSpec:
    seed: int
    planted: bool = True
    towns: int = 6
    villages: int = 5
    weeks: int = 16
    warmup_weeks: int = 5
    weekly_rate: float = 1.8  # mean background cases per village per week
    events_per_kind: int = 10
    start: datetime = datetime(2026, 3, 2, 8, 0)


def load_pool(path: Path = POOL_PATH) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _Gen:
    def __init__(self, spec: StreamSpec, pool: list[dict[str, str]]) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.pool = pool[:]
        self.rng.shuffle(self.pool)
        self.by_label: dict[str, list[dict[str, str]]] = {}
        for r in self.pool:
            self.by_label.setdefault(r["label"], []).append(r)
        self.used: set[str] = set()
        self.cases: list[dict[str, Any]] = []
        self.n = 0
        self.places: list[tuple[str, str]] = [
            (t, v) for t in list(PLACES)[: spec.towns] for v in PLACES[t][: spec.villages]
        ]
        self.end = spec.start + timedelta(weeks=spec.weeks)
        self.event_start = spec.start + timedelta(weeks=spec.warmup_weeks)

    # ------------------------------------------------------------------ primitives
    def take(self, label: str | None = None) -> dict[str, str] | None:
        src = self.by_label.get(label, []) if label else self.pool
        for r in src:
            if r["id"] not in self.used:
                self.used.add(r["id"])
                return r
        return None

    def person(self) -> dict[str, str]:
        from brain.privacy import gb11643_check_char

        surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
        given = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰红梅志强海燕春梅国平文"
        name = self.rng.choice(surnames) + "".join(
            self.rng.choice(given) for _ in range(self.rng.choice([1, 2]))
        )
        born = datetime(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 50))
        first17 = f"{self.rng.choice(['51', '43', '36', '42'])}{self.rng.randrange(1000, 9999)}{born:%Y%m%d}{self.rng.randrange(100, 999)}"
        phone = f"1{self.rng.choice('3456789')}{self.rng.randrange(10**8, 10**9)}"
        return {"name": name, "id_number": first17 + gb11643_check_char(first17), "phone": phone}

    def add(
        self,
        at: datetime,
        town: str,
        village: str,
        text: str,
        parties: list[dict[str, str]],
        source: str | None = None,
    ) -> str:
        self.n += 1
        cid = f"S{self.spec.seed}-{self.n:05d}"
        self.cases.append(
            {
                "id": cid,
                "received_at": at.strftime("%Y-%m-%dT%H:%M:%S"),
                "source": source or self.rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
                "place": {"county": COUNTY, "town": town, "village": village},
                "text": text,
                "parties": parties,
            }
        )
        return cid

    def when(self, lo: datetime, hi: datetime) -> datetime:
        t = lo + timedelta(seconds=self.rng.randrange(int((hi - lo).total_seconds())))
        return t.replace(hour=self.rng.randrange(8, 19), minute=self.rng.randrange(60))

    def paraphrase(self, text: str, heavy: bool) -> str:
        import re

        clauses = [c for c in re.split(r"(?<=[。！？；，,])", text) if c.strip()]
        if len(clauses) > 2:
            drop = self.rng.uniform(0.15, 0.35) if heavy else self.rng.uniform(0.0, 0.12)
            keep = [c for c in clauses if self.rng.random() > drop] or clauses[:2]
            if heavy and len(keep) > 3 and self.rng.random() < 0.5:
                i = self.rng.randrange(len(keep) - 1)
                keep[i], keep[i + 1] = keep[i + 1], keep[i]
            clauses = keep
        out = "".join(clauses)
        for a, b in SYNONYMS:
            if a in out and self.rng.random() < (0.5 if heavy else 0.2):
                out = out.replace(a, b, 1)
        return self.rng.choice(FRAMES_PRE) + out + self.rng.choice(FRAMES_POST)

    # ------------------------------------------------------------------ background
    def background(self) -> None:
        rates = {p: self.rng.gammavariate(2.0, self.spec.weekly_rate / 2.0) for p in self.places}
        labels = [lab for lab, rows in self.by_label.items() if len(rows) >= 60]
        specialties = {
            p: self.rng.choice(labels) for p in self.rng.sample(self.places, k=min(4, len(self.places)))
        }
        returning: list[tuple[dict[str, str], str, str]] = []
        day = self.spec.start
        while day < self.end:
            for (town, village), lam in rates.items():
                k = _poisson(self.rng, lam / 7)
                for _ in range(k):
                    spec_label = specialties.get((town, village))
                    row = self.take(spec_label) if spec_label and self.rng.random() < 0.5 else None
                    row = row or self.take()
                    if row is None:
                        return
                    if returning and self.rng.random() < 0.03:
                        who, t2, v2 = returning.pop(self.rng.randrange(len(returning)))
                        self.add(self.when(day, day + timedelta(days=1)), t2, v2, row["text"], [who])
                        continue
                    who = self.person()
                    parties = [who] + ([self.person()] if self.rng.random() < 0.3 else [])
                    self.add(self.when(day, day + timedelta(days=1)), town, village, row["text"], parties)
                    if self.rng.random() < 0.03:
                        returning.append((who, town, village))
            day += timedelta(days=1)

    # ------------------------------------------------------------------ planted events
    def _window(self, span_days: float) -> datetime:
        latest = max(self.end - timedelta(days=span_days + 1), self.event_start + timedelta(days=1))
        return self.when(self.event_start, latest)

    def hotspot(self) -> list[str] | None:
        labels = [
            lab for lab, rows in self.by_label.items() if sum(r["id"] not in self.used for r in rows) >= 9
        ]
        if not labels:
            return None
        label = self.rng.choice(labels)
        town, village = self.rng.choice(self.places)
        t0, k = self._window(4), self.rng.randint(6, 9)
        ids = []
        for _ in range(k):
            row = self.take(label)
            assert row is not None
            ids.append(
                self.add(self.when(t0, t0 + timedelta(days=4)), town, village, row["text"], [self.person()])
            )
        return ids

    def emerging(self) -> list[str] | None:
        from brain.analysis.text import counterparties

        # an emerging issue is about a matter; a seed naming a counterparty would make a collective event
        seed_row = next(
            (
                r
                for r in self.pool
                if r["id"] not in self.used and len(r["text"]) >= 60 and not counterparties(r["text"])
            ),
            None,
        )
        if seed_row is None:
            return None
        self.used.add(seed_row["id"])
        town = self.rng.choice(sorted({t for t, _ in self.places}))
        villages = self.rng.sample([v for t, v in self.places if t == town], k=self.rng.randint(1, 3))
        t0, k = self._window(7), self.rng.randint(6, 10)
        return [
            self.add(
                self.when(t0, t0 + timedelta(days=7)),
                town,
                self.rng.choice(villages),
                self.paraphrase(seed_row["text"], heavy=True),
                [self.person()],
            )
            for _ in range(k)
        ]

    def collective(self, i: int) -> list[str] | None:
        head, label, lead = ORG_KINDS[i % len(ORG_KINDS)]
        org = f"{ORG_STEMS[(i * 7 + self.spec.seed) % len(ORG_STEMS)]}{head}"
        town = self.rng.choice(sorted({t for t, _ in self.places}))
        villages = [v for t, v in self.places if t == town]
        t0, k = self._window(10), self.rng.randint(4, 7)
        group_at = self.rng.randrange(k) if self.rng.random() < 0.4 else -1
        ids = []
        for j in range(k):
            row = self.take(label) or self.take()
            assert row is not None
            body = (
                self.rng.choice(lead).format(org=org)
                + row["text"]
                + (self.rng.choice(GROUP_LINES) if j == group_at else "")
            )
            ids.append(
                self.add(
                    self.when(t0, t0 + timedelta(days=10)),
                    town,
                    self.rng.choice(villages),
                    body,
                    [self.person()],
                )
            )
        return ids

    def repeat(self) -> list[str] | None:
        labels = [
            lab for lab, rows in self.by_label.items() if sum(r["id"] not in self.used for r in rows) >= 4
        ]
        label = self.rng.choice(labels)
        who = self.person()
        town, village = self.rng.choice(self.places)
        k = self.rng.randint(3, 4)
        span = min(self.rng.randint(14, 70), max((self.end - self.event_start).days - 2, 3))
        t0 = self._window(span)
        times = sorted(self.when(t0, t0 + timedelta(days=span)) for _ in range(k))
        sources = self.rng.sample(["12345", "来访", "访情", "来电", "网格员"], k=k)
        ids = []
        for j, at in enumerate(times):
            row = self.take(label)
            assert row is not None
            ident = [
                {"name": who["name"], "id_number": who["id_number"], "phone": who["phone"]},
                {"name": who["name"], "phone": who["phone"]},
                {"name": who["name"], "id_number": who["id_number"]},
            ][j % 3]
            prefix = self.rng.choice(FOLLOW_UP).format(n=j + 1) if j else ""
            ids.append(self.add(at, town, village, prefix + row["text"], [ident], source=sources[j]))
        return ids

    def duplicate(self) -> list[str] | None:
        row = next((r for r in self.pool if r["id"] not in self.used and len(r["text"]) >= 30), None)
        if row is None:
            return None
        self.used.add(row["id"])
        who = self.person()
        town, village = self.rng.choice(self.places)
        t0 = self._window(10)
        t1 = t0 + timedelta(days=self.rng.uniform(1, 10))
        s1, s2 = self.rng.sample(["12345", "来访", "访情", "来电"], k=2)
        a = self.add(t0, town, village, row["text"], [who], source=s1)
        second = {
            "name": who["name"],
            **({"phone": who["phone"]} if self.rng.random() < 0.5 else {"id_number": who["id_number"]}),
        }
        b = self.add(t1, town, village, self.paraphrase(row["text"], heavy=False), [second], source=s2)
        return [a, b]


def _poisson(rng: random.Random, lam: float) -> int:
    import math

    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1


def generate(
    spec: StreamSpec, pool: list[dict[str, str]] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(cases in time order, expected alerts)."""
    g = _Gen(spec, pool if pool is not None else load_pool())
    expected: list[dict[str, Any]] = []
    if spec.planted:  # planted texts are taken first, so the background never reuses them
        for i in range(spec.events_per_kind):
            for kind, make in (
                ("hotspot", g.hotspot),
                ("emerging", g.emerging),
                ("collective", lambda i=i: g.collective(i)),
                ("repeat", g.repeat),
                ("duplicate", g.duplicate),
            ):
                ids = make()
                if ids:
                    expected.append({"kind": kind, "case_ids": ids})
    g.background()
    order = sorted(g.cases, key=lambda c: (c["received_at"], c["id"]))
    return order, expected


def write_stream(path: Path, cases: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    alerts = path.with_suffix(".alerts.jsonl")
    alerts.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in expected), encoding="utf-8")
