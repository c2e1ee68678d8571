"""How people actually say it: colloquial wording of the graph's risk signals, and the context that voids it.

The graph's ``risk_signals.yaml`` lists keywords (扬言, 持刀 …). Complaints are spoken language: "说再闹就让我好看",
"拿着锄头到我家门口骂人", "再不给钱我就从楼上跳下去". This module holds, per signal name, regular expressions for
such wording, and the two context checks every match goes through:

* **negation** — "他没拿刀", "并没有说过要弄死谁", "我不会跳楼的": the clause denies it, no signal;
* **reported past** — "他以前说过要弄死我", "早些年拿刀吵过": a threat from long ago is still worth knowing, but
  it is not today's danger, so the signal is kept at 黄 (关注) and says so.

Patterns are checked against the dev set ``eval/datasets/risk_dev.jsonl`` (public sentences plus written
variants; ``brain eval run risk``). They were written while looking at that set: it is a dev set, not a test.
"""

from __future__ import annotations

import re

# Pronouns, and the placeholder brain.privacy puts where a name was (risk runs on redacted text).
_PRON = r"(?:你|他|她|我|你们|他们|她们|我们|你家|他家|她家|我家|你全家|他全家|对方|其|人|〔姓名\d+〕|[\u4e00-\u9fa5]某{1,2})"
_HOLD = (
    r"(?:拿|持|提|扛|举|抄|挥|拎|握|抡|操|带|揣|捡|携带|掏出|亮出|手持|手拿|手握)(?:着|起|了|出|上)?"
    r"(?:一把|一根|把|根|条|个|块)?"
)
# Farm and building tools, sticks and stones: a weapon in a quarrel, not in the field (扛着锄头下地 is farming).
_TOOLS = r"(?:棍|锄头|铁锹|铁锨|镰刀|棍子|木棍|铁棍|棍棒|扁担|钢管|铁管|水管|砖头|砖块|石头|锤子|榔头|铁锤|钉耙|铁叉|叉子|木棒|铁棒|扳手|钢筋)"
_BLADES = r"(?:刀|菜刀|砍刀|尖刀|匕首|斧头|斧子|剪刀|水果刀|杀猪刀|柴刀|西瓜刀)"
_QUARREL = r"(?:骂|吵|闹|打|砸|堵|冲|追|威胁|吓唬|叫嚣|要|找|门口|上门|对峙|撵|赶|来|进|闯|将|把)"

# signal name -> patterns (compiled below). Names must exist in risk_signals.yaml; the loader checks that.
PATTERNS: dict[str, tuple[str, ...]] = {
    "扬言报复": (
        r"(?:弄死|整死|搞死|打死|砍死|捅死|掐死|宰了|杀了|废了|灭了)" + _PRON,
        r"要(?:了)?" + _PRON + r"(?:的)?(?:狗)?命",
        r"同归于尽",
        r"(?:把|将)" + _PRON + r"(?:弄死|打死|砍死|杀了|杀死|捅死|整死)",
        r"(?:跟|和|与)" + _PRON + r"拼(?:了|命)",
        r"血债血偿",
        r"放火烧" + _PRON + r"?(?:家|房子)?",
        r"卸" + _PRON + r"一条腿",
        r"(?:出门|走路)(?:小心|当心)(?:点)?",
    ),
    "言语威胁": (
        r"让" + _PRON + r"好看",
        r"给" + _PRON + r"(?:点)?(?:颜色|厉害)(?:看看|瞧瞧)",
        r"走着瞧",
        r"等着瞧",
        r"(?:有|没)" + _PRON + r"(?:的)?好果子吃",
        r"饶不了" + _PRON,
        r"(?:跟|和|与)" + _PRON + r"没完",
        r"收拾" + _PRON,
        r"威胁" + _PRON + r"(?!们的|的|身|生命|健康|安全)",
        r"教训" + _PRON,
        r"吃不了兜着走",
        r"后果自负",
        r"等着(?:吧|瞧)",
    ),
    "持械或危险物品": (
        _HOLD + r"(?:[^，。；！？]{0,10}?[、和及])?" + _BLADES + r"(?!子手|口|伤)",
        r"(?:开枪|持枪|拿枪|猎枪|土枪|枪支)",
        r"用刀(?:威胁|砍|捅|刺|逼)",
        r"(?:泼|浇|带着|拿着|提着|拎着)(?:一桶|一瓶|桶|瓶)?(?:汽油|硫酸|煤油)",
        r"(?:炸药|雷管|煤气罐)",
    ),
    "持棍棒农具滋事": (_HOLD + r"[^，。；！？]{0,6}?" + _TOOLS + r"[^，。；！？,.;!?]{0,10}" + _QUARREL,),
    "滋扰报复": (
        r"堵(?:在|住)?(?:我家|他家|她家|家)?门(?:口)?",
        r"泼(?:了|上)?(?:红)?(?:油漆|粪|大粪|屎|脏水)",
        r"(?:砸|扎)(?:了)?" + _PRON + r"?(?:的)?(?:玻璃|窗户|门|车|轮胎)",
        r"断(?:了)?" + _PRON + r"?(?:家)?(?:的)?(?:水|电)",
    ),
    "扬言跳楼自杀": (
        r"(?:喝|吃|服)(?:了)?(?:农药|老鼠药|安眠药|毒药|百草枯)|喝药|服毒",
        r"从.{0,6}(?:楼上|楼顶|桥上)跳下去",
        r"死(?:在|给)" + _PRON + r"?(?:家|的)?(?:门口|看)",
        r"(?:一头)?撞死(?:在)?",
        r"不(?:想|要)活(?:了)?",
        r"活不下去",
    ),
    "已发生肢体冲突": (r"(?:打|伤|砍|捅|撞)[^，。；！？]{0,8}住院", r"住院[^，。；！？]{0,4}(?:缝针|抢救)"),
    "群体性聚集": (
        r"集体上访",
        r"聚众",
        r"联名上访",
        r"(?:组织|发动|带领)[^。；！？]{0,14}(?:上访|静坐|拉横幅|围堵)",
        r"堵(?:了|住)?(?:路|马路|公路|大门|工地|校门|村委会|政府)",
    ),
    "纠集人员": (
        r"(?:找|叫|喊|带|约|邀)(?:了)?(?:一帮|一伙|一群|几个|十几个|几十个|好多|社会上的|社会)?人"
        r"(?:来|过来|去)?(?:帮忙)?(?:打|收拾|砸|闹|堵|教训|算账|报复|围)",
        r"(?:纠集|邀集|邀约|召集|叫上)(?:了)?(?:多人|他人|一帮|一伙|社会人员|十几|几十|一群)",
    ),
}

# A match that is only the name of a thing: 跳楼机 is a fairground ride, 打农药 is spraying a field.
EXCLUDE = re.compile(r"跳楼机|跳楼价|打农药|喷农药|买农药|卖农药|农药残留|农药店|自杀式|教训深刻|吸取教训")

_CLAUSE_END = "，。；！？,.;!?\n"
# The negator may be followed by the verbs that carry the threat ("没有说过要弄死" / "没拿刀" / "不会跳楼").
_NEGATED = re.compile(
    r"(?:没有|没|并未|未|不会|不是要|从未|从没|并没有|不曾|绝不会|不敢|不想|没敢)"
    r"(?:说|讲|说过|扬言|威胁|要|想|想要|打算|拿|拿过|拿着|带|带着|有|有过|再|敢|会|曾|曾经|真的|真|去|动手|集体|一起)*$"
)
_REMOTE_PAST = re.compile(
    r"(?:以前|之前|从前|过去|曾经|早年|早些年|当年|那年|几年前|前几年|多年前|小时候|年轻时|十几年前|很久以前)"
)
_RECENT = re.compile(
    r"昨天|昨晚|今天|今早|今晚|刚才|刚刚|前天|最近|近来|这几天|这两天|上周|这周|本周|现在|如今|又|再次"
)


def clause_before(text: str, start: int) -> str:
    """The clause up to ``start`` (from the last comma or stop)."""
    cut = max(text.rfind(c, 0, start) for c in _CLAUSE_END)
    return text[cut + 1 : start]


def negated(text: str, start: int) -> bool:
    return bool(_NEGATED.search(clause_before(text, start)[-10:]))


def remote_past(text: str, start: int) -> bool:
    """Said of long ago ("他以前说过要弄死我"): a past marker earlier in the sentence, and no recent one after it
    ("以前就说过，昨天又拿刀来" is today's danger)."""
    sent_start = max(text.rfind(c, 0, start) for c in "。！？!?\n") + 1
    seg = text[sent_start:start]
    ends = [m.end() for m in _REMOTE_PAST.finditer(seg)]
    return bool(ends) and not _RECENT.search(seg[ends[-1] :])


COMPILED: dict[str, tuple[re.Pattern[str], ...]] = {
    name: tuple(re.compile(p) for p in pats) for name, pats in PATTERNS.items()
}
