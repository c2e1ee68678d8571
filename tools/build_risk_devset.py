"""Build ``eval/datasets/risk_dev.jsonl`` (risk-signal expressions with their expected colour, and ordinary
complaints for false alarms) and ``eval/datasets/risk_heldout.jsonl`` (labelled after the rules were frozen).

Usage: ``python tools/build_risk_devset.py [--data /work/shared/data]`` (reads the public data once, writes the
JSONL; the project never reads the shared folder at run time).

Three parts, each line ``{"id", "text", "expected": {"level", "signals"}, "kind", "source"}``:

1. **public** — sentences from public text (CJRC judgments, 2020 泰迪杯 citizen messages, LawBench 2-4
   questions) found by a broad word list (威胁, 扬言, 持刀, 棍, 上访, 自杀, 农药 …) and labelled by hand below
   (``PUBLIC``): expected minimum colour and the signal names any one of which counts as a hit. Sentences
   with the words in a harmless sense (跳楼机, 农药生意, 钢管架租金, 找人咨询) are labelled ``蓝`` with no
   signal: they measure false alarms on exactly the words the rules look for.
2. **written** — the colloquial threats of issue 14 (让你好看, 走着瞧, 拿锄头, 弄死你, 同归于尽, 堵门, 泼油漆, 跳楼,
   喝农药, 找人来, 集体上访, 堵路), each in a clerk-style sentence, with negated and reported-past variants.
   Written for this project (public text has few such spoken threats); labelled when written.
3. **ordinary** — a fixed hash sample of 泰迪杯 messages and LawBench 2-4 questions (everyday complaints and
   consultations), expected ``蓝``/``黄`` with no 橙/红 signal. Sample items on which the detector fired were
   read one by one; those that really carry a threat would have been moved to ``PUBLIC`` (none did: see
   ``ORDINARY_RELABEL``).

The rules were written while reading parts 1 and 2: figures on this set are dev figures, not a held-out test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "eval" / "datasets" / "risk_dev.jsonl"

# (source key, verbatim fragment that locates the sentence, expected minimum colour, signals that count)
PUBLIC: list[tuple[str, str, str, list[str]]] = [
    ("tipdm:26255", "现在搞得我都因为这个问题不想活了", "红", ["扬言跳楼自杀"]),
    ("tipdm:137103", "我们将依法集体上访维护自身权利", "红", ["群体性聚集"]),
    ("tipdm:1083", "欲组织全体职工前往省、市、县进行上访", "红", ["群体性聚集"]),
    ("tipdm:143265", "我们将一级一级上访", "橙", ["重复信访", "群体性聚集"]),
    ("tipdm:43823", "边打还嚣张的喊要拿刀子砍死李医生", "红", ["扬言报复", "持械或危险物品"]),
    ("tipdm:1018", "阿强恶狠狠扬言要唐女士", "红", ["扬言报复"]),
    ("lawbench2-4:184", "不想给他看了他就威胁我", "橙", ["言语威胁", "舆情风险"]),
    ("cjrc:dev:103", "王某某持铁棍将高某1及高某2头部砸伤", "橙", ["持棍棒农具滋事", "已发生肢体冲突"]),
    ("cjrc:dev:85", "准备了三把刀具预谋报复", "红", ["扬言报复", "纠集人员"]),
    ("cjrc:dev:230", "许某便扬言要打詹某", "红", ["扬言报复"]),
    ("cjrc:dev:173", "吴2某持尖刀刺中肖某甲胸腹部", "红", ["持械或危险物品"]),
    ("cjrc:dev:342", "林某便跑到办公室外捡起一根钢管追打蒋某乙", "橙", ["持棍棒农具滋事", "已发生肢体冲突"]),
    ("cjrc:dev:69", "找人帮忙打架", "橙", ["纠集人员", "持械或危险物品"]),
    ("cjrc:dev:203", "段1某即说要报复杨某甲", "红", ["扬言报复"]),
    ("cjrc:dev:148", "被告人吴某乙手持匕首、被告人吴某甲手拿砖块", "红", ["持械或危险物品"]),
    ("cjrc:dev:138", "用刀威胁逼迫韩某写下一张10万元的欠条", "红", ["持械或危险物品"]),
    ("cjrc:dev:365", "持棍、刀、枪与徐某甲等人对峙", "红", ["持械或危险物品"]),
    ("cjrc:dev:124", "分别拿刀和鱼叉到酒吧门口拦住", "红", ["持械或危险物品"]),
    ("cjrc:dev:51", "为报复泄愤，纠集张某", "红", ["扬言报复", "纠集人员"]),
    ("cjrc:dev:116", "等人持木棍、水管、西瓜刀等工具相继赶来", "红", ["持械或危险物品"]),
    ("cjrc:test:84", "王4某扬言报复", "红", ["扬言报复"]),
    ("cjrc:test:131", "便要与孩子同归于尽", "红", ["扬言报复", "扬言跳楼自杀", "持械或危险物品"]),
    ("cjrc:test:201", "并扬言要点燃煤气", "红", ["扬言报复", "持械或危险物品", "扬言自焚或危害公共安全"]),
    ("cjrc:test:550", "后在派出所内喝农药自杀", "红", ["扬言跳楼自杀"]),
    ("cjrc:dev:776", "采取聚众堵门、挖断道路等手段阻止工地正常施工", "红", ["群体性聚集"]),
    ("cjrc:test:218", "采取堵路、静坐等方式", "红", ["群体性聚集"]),
    ("cjrc:test:58", "因张某乙的车辆被泼上油漆", "橙", ["滋扰报复"]),
    ("cjrc:test:261", "张4某持菜刀冲李某1等四人舞划", "红", ["持械或危险物品"]),
    ("cjrc:test:246", "张某甲拿刀和斧威胁工作人员依法执行公务", "红", ["持械或危险物品"]),
    ("cjrc:test:157", "被黄X1用甩棍、李X1用木棍打伤", "橙", ["已发生肢体冲突", "持棍棒农具滋事"]),
    ("cjrc:test:159", "手持事先准备的钢管进入茶楼大厅", "橙", ["持棍棒农具滋事", "纠集人员"]),
    ("cjrc:dev:75", "持刀、电棒对滕某进行殴打", "红", ["持械或危险物品"]),
    ("cjrc:test:94", "持刀威胁抢走胡某某的现金110元", "红", ["持械或危险物品"]),
    ("cjrc:test:88", "李1某邀约多人并携带钢管来到前述地点", "橙", ["纠集人员", "持棍棒农具滋事"]),
    ("cjrc:test:269", "李某1为进行报复，纠集黄某2", "红", ["扬言报复", "纠集人员"]),
    ("cjrc:dev:522", "就将其打死的方式进行威胁恐吓", "红", ["扬言报复"]),
    ("cjrc:dev:63", "在苟某家门外服毒自杀", "红", ["扬言跳楼自杀"]),
    ("cjrc:dev:170", "原告还称因被告以自杀威胁", "红", ["扬言跳楼自杀"]),
    # the same words in a harmless sense
    ("tipdm:153940", "跳楼机、蹦极台等游乐场的娱乐设施", "蓝", []),
    ("tipdm:161596", "农药还重", "蓝", []),
    ("tipdm:84973", "砍肉声直击耳膜", "蓝", []),
    ("tipdm:174873", "严重威胁到全体业主的生命财产安全", "蓝", []),
    ("cjrc:dev:33", "在原告处赊购化肥、种子和农药等货物", "蓝", []),
    ("cjrc:dev:32", "原告与被告协商合伙做农药、化肥生意", "蓝", []),
    ("cjrc:test:151", "钢管架每日租赁单价", "蓝", []),
    ("cjrc:test:675", "被告陈12找人来帮助原告徐x0", "蓝", []),
    ("cjrc:dev:214", "趁董某甲下楼找人报案之机", "蓝", []),
    ("cjrc:test:289", "女人,留什么发型最好看", "蓝", []),
    ("cjrc:dev:560", "刚好看见被害人刘某1进入女厕所", "蓝", []),
    ("lawbench2-4:230", "已经找人咨询过", "蓝", []),
    # from the ordinary sample, read because the detector fired, and found to be real group action
    ("tipdm:59405", "现农民工都在摧此事", "橙", ["群体性讨薪"]),
    ("tipdm:10689", "现联名给您呈上本请愿书", "橙", ["群体性聚集"]),
]

# (id, text, expected colour, signals that count, kind)
WRITTEN: list[tuple[str, str, str, list[str], str]] = [
    (
        "issue14-hoe",
        "我家和邻居因为宅基地边界吵了两年，昨天他儿子还拿着锄头到我家门口骂人，说再闹就让我好看。",
        "红",
        ["扬言报复", "言语威胁", "持棍棒农具滋事"],
        "threat+tool",
    ),
    (
        "w-haokan",
        "协商了几次都不成，他当着村干部的面说再找村里就让我好看。",
        "橙",
        ["言语威胁", "扬言报复"],
        "threat",
    ),
    ("w-zouzhe", "他不肯赔钱，临走撂下一句“咱们走着瞧”。", "橙", ["言语威胁", "扬言报复"], "threat"),
    ("w-dengzhe", "对方在电话里说你等着瞧，我一家老小都很害怕。", "橙", ["言语威胁", "扬言报复"], "threat"),
    ("w-nongsi", "他喝了酒跑到我家说要弄死你全家。", "红", ["扬言报复"], "threat"),
    ("w-tonggui", "他说要是拆他的猪圈，就跟我们同归于尽。", "红", ["扬言报复"], "threat"),
    ("w-rao", "工头放话说谁再去劳动监察告状就饶不了他。", "橙", ["言语威胁", "扬言报复"], "threat"),
    ("w-knife", "两家为了排水沟吵起来，他回屋拿刀出来比划。", "红", ["持械或危险物品"], "weapon"),
    ("w-stick", "他抄起棍子就冲过来骂我，被邻居拉住了。", "橙", ["持棍棒农具滋事"], "tool"),
    ("w-spade", "邻居拿着铁锹堵在我家地头吵，不让我们浇地。", "橙", ["持棍棒农具滋事", "滋扰报复"], "tool"),
    ("w-sickle", "为了浇水的事，他提着镰刀在渠边骂了半个钟头。", "橙", ["持棍棒农具滋事"], "tool"),
    ("w-dumen", "他天天来堵我家门，还往我家大门上泼油漆。", "橙", ["滋扰报复"], "harass"),
    ("w-paint", "讨债的人往我家墙上泼了红油漆，写着欠债还钱。", "橙", ["滋扰报复"], "harass"),
    ("w-jump", "工钱再不给，我就从工地楼顶跳下去。", "红", ["扬言跳楼自杀"], "self-harm"),
    ("w-jump2", "他在电话里说要去跳楼，让公司看着办。", "红", ["扬言跳楼自杀"], "self-harm"),
    ("w-poison", "我妈说土地再被占她就喝农药。", "红", ["扬言跳楼自杀"], "self-harm"),
    ("w-gang", "工头说我们要是再闹，他就找人来收拾我们。", "橙", ["纠集人员", "言语威胁"], "group"),
    ("w-gang2", "对方扬言要叫一帮人来砸店。", "红", ["扬言报复", "纠集人员"], "group"),
    ("w-petition", "征地补偿一直没到位，村民们商量下周集体上访。", "红", ["群体性聚集"], "group"),
    ("w-road", "十几户村民说再不解决就去堵路。", "红", ["群体性聚集"], "group"),
    # negated and reported-past variants: no 橙/红
    ("w-neg-knife", "两家吵了几句，他没拿刀，也没有动手，只是想请村里评评理。", "蓝", [], "negated"),
    ("w-neg-threat", "他并没有说过要弄死我，只是不肯赔钱。", "蓝", [], "negated"),
    ("w-neg-jump", "我不会跳楼的，只想讨个说法，把工钱要回来。", "蓝", [], "negated"),
    ("w-neg-gang", "我们没打算集体上访，就是想要个说法。", "蓝", [], "negated"),
    ("w-past", "他以前说过要弄死我，后来道歉了，现在主要是宅基地界线没划清。", "黄", [], "past"),
    ("w-past2", "几年前他曾经拿刀吵过一次，这几年两家来往正常，就是水沟的事谈不拢。", "黄", [], "past"),
    (
        "w-past-now",
        "他以前就说过要弄死我，昨天又拿着刀来我家门口了。",
        "红",
        ["持械或危险物品"],
        "past+current",
    ),
    # ordinary words near the rules' words
    ("w-farm", "他扛着锄头下地干活，路过我家时把我家的篱笆碰倒了，要求赔偿。", "蓝", [], "harmless"),
    ("w-noise", "楼上装修噪音没完没了，说了好几次也不听。", "蓝", [], "harmless"),
    ("w-spray", "邻居打农药飘到我家菜地，菜都蔫了。", "蓝", [], "harmless"),
    ("w-lesson", "希望相关部门吸取教训，尽快把路灯修好。", "蓝", [], "harmless"),
]

# Held out: labelled after the patterns were frozen (commit 65a377c) and never used to change them. Every STARD
# question and LawBench 2-2 excerpt that contains a word of the broad list (威胁, 砍, 刀, 自杀, 找人, 上访, 堵 …).
HELDOUT: list[tuple[str, str, str, list[str]]] = [
    ("stard:79", "发生溺水、坠楼、自杀情况公安机关未施救", "蓝", []),
    ("stard:80", "患者在医院自杀，医院是否要赔偿病人家属", "蓝", []),
    ("stard:81", "在网络上帮助网友自杀", "蓝", []),
    ("stard:82", "男女朋友吵架导致自杀", "蓝", []),
    ("stard:83", "网友相约自杀", "蓝", []),
    ("stard:469", "更换主刀医生", "蓝", []),
    ("stard:565", "经常堵车", "蓝", []),
    ("stard:955", "什么是砍头息", "蓝", []),
    ("stard:956", "涉及砍头息的民间借贷纠纷", "蓝", []),
    ("stard:1118", "可以要求砍掉吗", "蓝", []),
    ("stard:1130", "邻居乱丢垃圾堵塞排水沟", "蓝", []),
    ("stard:1134", "邻居私堵历史形成的通道", "蓝", []),
    ("stard:1454", "不给我带家用菜刀", "蓝", []),
    ("lawbench2-2:23", "带人到我家、单位威胁我签订的这个合同", "橙", ["言语威胁", "纠集人员"]),
    ("lawbench2-2:41", "被上诉人找人做劳动能力鉴定", "蓝", []),
    ("lawbench2-2:50", "加上PER家属上访PER就未上诉", "橙", ["重复信访"]),
    ("lawbench2-2:197", "原告还受到了被告邻居拿刀恐吓、威胁", "红", ["持械或危险物品"]),
    ("lawbench2-2:204", "欠条是在PER胁逼恐吓之下所写", "橙", ["言语威胁", "扬言报复"]),
    ("lawbench2-2:236", "并说些不堪入耳的话威胁原告", "橙", ["言语威胁", "家庭暴力", "已发生肢体冲突"]),
    ("lawbench2-2:349", "致使上述工人上访", "橙", ["重复信访", "群体性讨薪", "群体性聚集"]),
    ("lawbench2-2:451", "易某某在事发后曾找人顶包", "蓝", []),
]
HELDOUT_OUT = REPO / "eval" / "datasets" / "risk_heldout.jsonl"

# Ordinary-sample items that a reading showed to be real risk cases (moved out of the ordinary part).
ORDINARY_RELABEL: set[str] = {"tipdm:59405", "tipdm:10689"}
ORDINARY_TIPDM, ORDINARY_LAWBENCH = 100, 60


def _h(key: str) -> str:
    return hashlib.sha256(f"risk-dev:{key}".encode()).hexdigest()


def load_public(data: Path) -> dict[str, str]:
    texts: dict[str, str] = {}
    for line in (data / "tipdm2020" / "messages_labeled_level1.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        texts[f"tipdm:{row['留言编号']}"] = f"{row['留言主题']}。{row['留言详情']}"
    for i, row in enumerate(json.loads((data / "lawbench" / "2-4.json").read_text("utf-8"))):
        texts[f"lawbench2-4:{i}"] = row["question"]
    for row in json.loads((data / "stard" / "queries.json").read_text("utf-8")):
        texts[f"stard:{row['query_id']}"] = row["问题"]
    for i, row in enumerate(json.loads((data / "lawbench" / "2-2.json").read_text("utf-8"))):
        texts[f"lawbench2-2:{i}"] = row["question"]
    for split in ("dev", "test"):
        doc = json.loads((data / "cjrc" / f"{split}_ground_truth.json").read_text("utf-8"))
        for item in doc["data"]:
            for p in item["paragraphs"]:
                key = f"cjrc:{split}:{p.get('id', '')}"
                texts.setdefault(key, "")
                texts[key] += p["context"] + "\n"
    return texts


def sentence(text: str, fragment: str) -> str:
    at = text.find(fragment)
    if at == -1:
        raise SystemExit(f"fragment not found: {fragment}")
    start = max(text.rfind(c, 0, at) for c in "。！？\n") + 1
    ends = [e for e in (text.find(c, at + len(fragment)) for c in "。！？\n") if e != -1]
    end = min(ends) + 1 if ends else len(text)
    return text[max(start, at - 80) : min(end, at + len(fragment) + 80)].strip()


def build(data: Path) -> list[dict[str, object]]:
    texts = load_public(data)
    rows: list[dict[str, object]] = []
    for key, frag, level, signals in PUBLIC:
        # cjrc ids are per-split paragraph ids; search the split's paragraphs for the fragment
        candidates = [k for k in texts if k.startswith(key.rsplit(":", 1)[0] + ":") and frag in texts[k]]
        src = key if key in texts and frag in texts[key] else (candidates[0] if candidates else key)
        rows.append(
            {
                "id": f"pub-{_h(key + frag)[:10]}",
                "text": sentence(texts.get(src, ""), frag),
                "expected": {"level": level, "signals": signals},
                "kind": "public-harmless" if level == "蓝" else "public",
                "source": ":".join(src.split(":")[:2]),
            }
        )
    for wid, text, level, signals, kind in WRITTEN:
        rows.append(
            {
                "id": wid,
                "text": text,
                "expected": {"level": level, "signals": signals},
                "kind": kind,
                "source": "written",
            }
        )
    for prefix, n in (("tipdm:", ORDINARY_TIPDM), ("lawbench2-4:", ORDINARY_LAWBENCH)):
        keys = sorted((k for k in texts if k.startswith(prefix)), key=_h)[:n]
        for k in keys:
            if k in ORDINARY_RELABEL:
                continue
            rows.append(
                {
                    "id": f"ord-{_h(k)[:10]}",
                    "text": texts[k][:400],
                    "expected": {"level": "黄", "signals": []},
                    "kind": "ordinary",
                    "source": prefix.rstrip(":"),
                }
            )
    return rows


def build_heldout(data: Path) -> list[dict[str, object]]:
    texts = load_public(data)
    return [
        {
            "id": f"held-{key.replace(':', '-')}",
            "text": sentence(texts[key], frag),
            "expected": {"level": level, "signals": signals},
            "kind": "heldout" if signals else "heldout-harmless",
            "source": key,
        }
        for key, frag, level, signals in HELDOUT
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()
    rows = build(args.data)
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} cases to {OUT.relative_to(REPO)}")
    held = build_heldout(args.data)
    with HELDOUT_OUT.open("w", encoding="utf-8") as f:
        for row in held:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(held)} cases to {HELDOUT_OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
