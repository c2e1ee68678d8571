"""The demo ledger: about two years of cases for the fictional 清溪县 (configs/places.yaml), so the UI and the
analysis (研判) have something to show. Seeded: the same seed and end date give the same ledger.

Texts are public complaint texts (data/ledger_demo/texts.jsonl.gz, provenance in data/README.md; built by
tools/build_ledger_texts.py), recombined with invented places, dates, parties (names, valid-looking ID numbers
and phones, all fictional) and outcomes. Each text is classified once by the deterministic intake classifier.

Planted patterns, documented so the analysis can be checked against them (``DemoReport.planted``):
* seasonality: 劳动争议 doubles in December–January (wages before 春节), weekends get 40% of a weekday;
* hot spots: 征地拆迁纠纷 three times as likely in 青石镇, 劳动争议 in 安平街道 (industrial park), 物业纠纷 in 城关镇;
* a 苗头 burst: 30 extra 征地拆迁纠纷 in 青石镇龙潭村 in the last 21 days;
* a 群体性 sign: 12 workers against one company (the same counterparty) in 安平街道 in the last 10 days;
* 重复访: up to 60 people (one per 330 cases) each appear in 3–6 cases through different channels.
Status by age: older cases are mostly 已归档 (about 88% 化解), recent ones still open, some past their due date.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from brain.ledger.importer import allocate_ids, bulk_insert
from brain.ledger.models import Case, CaseEvent, FollowUp, Party
from brain.ledger.records import party_values
from brain.ledger.schema import DemoReport, DemoRequest, PartyIn
from brain.privacy import gb11643_check_char, redact

if TYPE_CHECKING:
    from brain.ledger.ports import Ledger

TEXTS = Path(__file__).resolve().parents[2] / "data" / "ledger_demo" / "texts.jsonl.gz"
ClassifyFn = Callable[[str], tuple[str, str | None, str, str]]
SOURCES = {"来访": 30, "12345": 25, "网格员": 18, "来电": 10, "警情": 8, "诉情": 4, "访情": 3, "上级转办": 2}
TOWN_BIAS = {"青石镇": {"征地拆迁纠纷": 3.0}, "安平街道": {"劳动争议": 3.0}, "城关镇": {"物业纠纷": 3.0}}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国军华明伟芳娟敏静丽强磊洋艳勇杰娜涛超秀英霞平刚桂兰玉梅红春燕文辉志宏海波鹏飞宇浩凤琴"
LEVEL_BODY = {
    "村": "{village}人民调解委员会",
    "乡镇": "{town}人民调解委员会",
    "县": "{county}矛盾纠纷多元化解中心",
}


def _id_number(rnd: random.Random, born: date) -> str:
    first17 = f"5119{rnd.randint(21, 29):02d}{born:%Y%m%d}{rnd.randint(0, 999):03d}"
    return first17 + gb11643_check_char(first17)


def _person(rnd: random.Random) -> PartyIn:
    born = date(rnd.randint(1950, 2003), rnd.randint(1, 12), rnd.randint(1, 28))
    name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
    phone = f"1{rnd.choice('3578')}{rnd.randint(0, 9)}{rnd.randint(0, 99_999_999):08d}"
    return PartyIn(role="申请人", name=name, id_number=_id_number(rnd, born), phone=phone)


class _Texts:
    def __init__(self, classify: ClassifyFn) -> None:
        with gzip.open(TEXTS, "rt", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f]
        self.by_type: dict[str, list[tuple[str, str | None, str, str, str]]] = {}
        for r in rows:
            t, sub, risk, diff = classify(r["text"])
            self.by_type.setdefault(t, []).append((r["text"], sub, risk, diff, r["set"]))
        self.types = sorted(self.by_type)
        self.base = {t: float(len(v)) for t, v in self.by_type.items()}
        self._red: dict[str, Any] = {}

    def redacted(self, text: str) -> Any:
        hit = self._red.get(text)
        if hit is None:
            hit = self._red[text] = redact(text)
        return hit


def load_demo(ledger: Ledger, req: DemoRequest, classify: ClassifyFn) -> DemoReport:
    t0 = time.perf_counter()
    led = ledger.start()
    with led.tx(write=False) as s:
        existing = int(s.scalar(select(func.count()).select_from(Case)) or 0)
    if existing and req.if_empty:
        return DemoReport(loaded=False, cases=existing, message=f"台账已有 {existing} 件案件，未生成演示数据")
    rnd = random.Random(req.seed)
    texts = _Texts(classify)
    end = req.end or led.clock().date()
    now = datetime.combine(end, datetime.min.time()) + timedelta(hours=17)
    gen = _Generator(led, rnd, texts, end, req.days, now)
    gen.plan(req.cases)
    counts = gen.write()
    return DemoReport(
        loaded=True,
        took_s=round(time.perf_counter() - t0, 2),
        planted=gen.planted,
        message="已生成演示台账",
        **counts,
    )


class _Generator:
    def __init__(self, led: Ledger, rnd: random.Random, texts: _Texts, end: date, days: int, now: datetime):
        self.led, self.rnd, self.texts, self.end, self.days, self.now = led, rnd, texts, end, days, now
        self.items: list[dict[str, Any]] = []
        self.repeaters = [_person(rnd) for _ in range(60)]
        self.planted: dict[str, Any] = {
            "burst": {"town": "青石镇", "village": "龙潭村", "type": "征地拆迁纠纷", "cases": 30, "days": 21},
            "group": {
                "town": "安平街道",
                "type": "劳动争议",
                "cases": 12,
                "days": 10,
                "counterparty": "清溪县鑫达建材有限公司",
            },
            "repeat_people": 60,
            "hot_spots": TOWN_BIAS,
        }

    def _day(self) -> date:
        rnd = self.rnd
        while True:
            d = self.end - timedelta(days=rnd.randrange(self.days))
            if d.weekday() >= 5 and rnd.random() > 0.4:
                continue
            return d

    def _type(self, town: str, d: date) -> str:
        weights = []
        for t in self.texts.types:
            w = self.texts.base[t] * TOWN_BIAS.get(town, {}).get(t, 1.0)
            if t == "劳动争议" and d.month in (12, 1):
                w *= 2
            if t == "需人工研判":  # consultations the classifier abstains on: fewer than in the public sets
                w *= 0.35
            weights.append(w)
        return self.rnd.choices(self.texts.types, weights)[0]

    def plan(self, n: int) -> None:
        rnd = self.rnd
        places = self.led.places.all_villages()
        sources, sw = list(SOURCES), list(SOURCES.values())
        for i in range(n):
            town, village = rnd.choice(places)
            d = self._day()
            self._add(town, village, d, self._type(town, d), rnd.choices(sources, sw)[0])
            if i < 30:  # the 苗头 burst
                d = self.end - timedelta(days=rnd.randrange(21))
                self._add("青石镇", "龙潭村", d, "征地拆迁纠纷", "网格员")
            if i < 12:  # the 群体性 sign: several workers, one company
                v = rnd.choice(self.led.places.towns["安平街道"])
                d = self.end - timedelta(days=rnd.randrange(10))
                self._add("安平街道", v, d, "劳动争议", "来访", company=True)
        # 重复访: the same people through several channels, about one case in 100
        people = self.repeaters[: max(3, min(len(self.repeaters), n // 330))]
        self.planted["repeat_people"] = len(people)
        for person in people:
            town, village = rnd.choice(places)
            type_ = self._type(town, self.end)
            for src in rnd.sample(sources, rnd.randint(3, 6)):
                d = self.end - timedelta(days=rnd.randrange(min(self.days, 365)))
                self._add(town, village, d, type_, src, person=person)

    def _add(
        self,
        town: str,
        village: str,
        d: date,
        type_: str,
        source: str,
        company: bool = False,
        person: PartyIn | None = None,
    ) -> None:
        rnd = self.rnd
        pool = self.texts.by_type.get(type_) or self.texts.by_type[rnd.choice(self.texts.types)]
        text, sub, risk, diff, _set = rnd.choice(pool)
        at = datetime.combine(d, datetime.min.time()) + timedelta(minutes=rnd.randint(8 * 60, 18 * 60))
        if at > self.now:
            at = self.now - timedelta(hours=1)
        person = person or _person(rnd)
        parties = [person]
        if company:
            parties.append(PartyIn(role="被申请人", name=self.planted["group"]["counterparty"]))
            text = f"{self.planted['group']['counterparty']}拖欠我们工人工资，{text}"
        elif rnd.random() < 0.6:
            other = _person(rnd)
            parties.append(other.model_copy(update={"role": "被申请人", "id_number": None}))
        self.items.append(
            {
                "town": town,
                "village": village,
                "at": at,
                "type": type_,
                "sub": sub,
                "risk": risk,
                "diff": diff,
                "text": text,
                "source": source,
                "parties": parties,
            }
        )

    def _story(self, it: dict[str, Any]) -> tuple[str, list[tuple[str, str, str, datetime]], datetime | None]:
        """Final status and the events (type, from, to, at) that led there, by the case's age."""
        rnd, cal = self.rnd, self.led.calendar
        at: datetime = it["at"]
        age = (self.now - at).days
        steps = [("分流", "登记", "已分流"), ("开始调处", "已分流", "调处中")]
        if age < 2:
            k = rnd.choice((0, 0, 1))
        elif age < 20:
            k = rnd.choice((1, 2, 2, 3, 3))
        else:
            k = 3 if rnd.random() < 0.985 else rnd.choice((1, 2))
        events: list[tuple[str, str, str, datetime]] = []
        t = at
        status = "登记"
        resolved = None
        for typ, a, b in steps[: min(k, 2)]:
            t = min(
                self.now,
                datetime.combine(cal.add_working_days(t.date(), rnd.choice((0, 0, 1, 1, 2))), t.time())
                + timedelta(hours=1),
            )
            events.append((typ, a, b, t))
            status = b
        if k >= 3:
            span = {"咨询": 0, "简易": 0, "一般": 4, "复杂": 30, "重大": 45}.get(it["diff"], 4)
            t = min(self.now, t + timedelta(days=rnd.randint(0, max(1, int(span * 1.3)))))
            ok = rnd.random() < 0.85
            events.append(("化解" if ok else "未化解", "调处中", "已化解" if ok else "未化解", t))
            status, resolved = ("已化解" if ok else "未化解"), t
            if not ok and (self.now - t).days > 10 and rnd.random() < 0.75:  # 提级: the level above takes it
                t = t + timedelta(days=rnd.randint(1, 5))
                events += [
                    ("提级", "未化解", "已分流", t),
                    ("开始调处", "已分流", "调处中", t + timedelta(days=1)),
                ]
                t = min(self.now, t + timedelta(days=rnd.randint(3, 40)))
                ok = rnd.random() < 0.8
                events.append(("化解" if ok else "未化解", "调处中", "已化解" if ok else "未化解", t))
                status, resolved = ("已化解" if ok else "未化解"), t
            if ok and (self.now - t).days > 30:
                t2 = t + timedelta(days=30)
                events.append(("回访", "已化解", "回访中", t2))
                status = "回访中"
                if (self.now - t2).days > 30 and rnd.random() < 0.9:
                    events.append(("归档", "回访中", "已归档", t2 + timedelta(days=rnd.randint(1, 20))))
                    status = "已归档"
        return status, events, resolved

    def write(self) -> dict[str, int]:
        led, rnd = self.led, self.rnd
        self.items.sort(key=lambda x: x["at"])
        cases: list[dict[str, Any]] = []
        parties: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        fus: list[dict[str, Any]] = []
        with led.tx() as s:
            conn = s.connection()
            ids = allocate_ids(conn, len(self.items))
            for cid, it in zip(ids, self.items, strict=True):
                prefix = f"{it['town']}{it['village']}群众反映："
                base = self.texts.redacted(it["text"])
                contact = f"联系电话{it['parties'][0].phone}。" if rnd.random() < 0.3 else ""
                red = redact(contact, mapping=base.mapping) if contact else base
                status, story, resolved = self._story(it)
                level = "乡镇" if it["risk"] in ("红", "橙") or it["diff"] in ("复杂", "重大") else "村"
                if any(e[0] == "提级" for e in story):
                    level = {"村": "乡镇", "乡镇": "县"}.get(level, level)
                cases.append(
                    {
                        "id": cid,
                        "external_id": f"QX{it['at']:%Y%m%d}{cid:06d}",
                        "source": it["source"],
                        "received_at": it["at"],
                        "county": led.places.county,
                        "town": it["town"],
                        "village": it["village"],
                        "type": it["type"],
                        "subtype": it["sub"],
                        "risk": it["risk"],
                        "difficulty": it["diff"],
                        "level": level,
                        "assignee": LEVEL_BODY[level].format(
                            village=it["village"], town=it["town"], county=led.places.county
                        ),
                        "channel": None,
                        "status": status,
                        "routing_due_at": led.deadlines.routing_due(it["at"]),
                        "due_at": led.deadlines.due(it["at"], it["diff"]),
                        "deadline_rule": led.deadlines.rule_for(it["diff"]).name,
                        "text_redacted": prefix + base.text + (red.text if contact else ""),
                        "text_mapping_enc": led.vault.encrypt(json.dumps(red.mapping, ensure_ascii=False))
                        if red.mapping
                        else None,
                        "intake": {
                            "mode": "deterministic",
                            "demo": True,
                            "deadline_source": led.deadlines.rule_for(it["diff"]).source,
                        },
                        "resolved_at": resolved,
                        "archived_at": story[-1][3] if status == "已归档" else None,
                        "reopened_from": None,
                        "import_batch": None,
                        "created_at": it["at"],
                        "updated_at": story[-1][3] if story else it["at"],
                        "version": 1 + len(story),
                    }
                )
                parties += [{"case_id": cid, **party_values(led.vault, p)} for p in it["parties"]]
                ev = [("登记", None, "登记", it["at"]), *story]
                for v, (typ, a, b, at) in enumerate(ev, 1):
                    events.append(
                        {
                            "case_id": cid,
                            "type": typ,
                            "from_status": a,
                            "to_status": b,
                            "at": at,
                            "actor": "demo",
                            "actor_role": "clerk",
                            "note": None,
                            "assignee": None,
                            "level": None,
                            "version": v,
                            "data": {},
                        }
                    )
                if resolved and status in ("已化解", "回访中", "已归档"):
                    plan = led.followup_rules.plan(it["risk"], it["type"], resolved.date(), [])
                    for seq, p in enumerate(plan, 1):
                        due = datetime.combine(
                            led.calendar.next_working_day(p["due"]), datetime.min.time()
                        ) + timedelta(hours=9)
                        done = due < self.now and status != "已化解"
                        fus.append(
                            {
                                "case_id": cid,
                                "seq": seq,
                                "due_at": due,
                                "rule": p["rule"][:64],
                                "source": p["source"],
                                "obligations": [],
                                "done_at": due if done else None,
                                "outcome": rnd.choices(("履行", "部分履行", "未履行"), (90, 7, 3))[0]
                                if done
                                else None,
                                "note": None,
                                "reopened_case_id": None,
                            }
                        )
            for table, rows in ((Case, cases), (Party, parties), (CaseEvent, events), (FollowUp, fus)):
                for i in range(0, len(rows), 5000):
                    bulk_insert(conn, table, rows[i : i + 5000])
        return {"cases": len(cases), "events": len(events), "parties": len(parties), "followups": len(fus)}
