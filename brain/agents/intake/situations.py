"""Situations that make a harm or a contract a specific kind of dispute (issue 13: "the catch-alls win only
when no specific type fits: an injury at work is 工伤 → 劳动争议; a child hurt at school is 校园伤害; sick from
food bought in a shop is 消费纠纷").

Each entry is a specific level-1 type and the patterns that state its situation within one sentence (no
。；！？ between the two parts): *who / where* and *what happened*. They are deliberately narrow — an
injury on a building site, a defect in something bought, a collision, a treatment that went wrong, a pupil
hurt, a discharge, a fight — and are only consulted when the model's top type is one that may yield
(``OVERRIDES``: the catch-alls, and a few types named for who the parties are or what the land is) and the
specific type is among its first candidates (:mod:`brain.agents.intake.decide`, step 3), or at any rank for
a plain statement (``STRONG``). 劳动争议's plain statements (工伤; a unit's employee hurt at work) count over *any* top
type that does not state its own situation (``ANY_TOP``): a building site names houses, a factory its goods.

合同纠纷 yields to 消费纠纷 (a purchase gone wrong is consumer law) and to 交通事故纠纷 unless the contract is
the matter (``BLOCKED``: a collision inside an insurance or transport contract dispute is still a contract
case — CJRC labels 保险合同 cases that way). 邻里纠纷 (who the parties are) yields to 房屋宅基地纠纷 when the
text states a homestead boundary overstepped (what they quarrel about); 治安纠纷 to 婚姻家庭纠纷 when the one
beaten is the spouse (家庭暴力); 山林土地 / 房屋宅基地 / 生产经营纠纷 to 行政争议 when an agency's decision (a fine,
an order to demolish) is what the complainant contests.
"""

from __future__ import annotations

import re

_S = r"[^。；！？!?]{0,40}"  # within one sentence
_WORK = r"(务工|打工|上班|干活|做工|施工|作业|工作期间|工作时|工地|车间|厂里|雇主|包工头|用工|帮工)"
_HURT = r"(受伤|摔|砸|骨折|伤残|致残|截肢|身亡|死亡|烫伤|压伤|轧伤|压断|切断)"
_BOUGHT = r"(购买|买了|买的|购得|网购|购进)"
_SHOP = r"(超市|商店|店家|商家|网店|商场|小卖部|饭店|餐馆|餐厅)"
_DEFECT = r"(变质|过期|质量问题|假货|假冒|腹泻|呕吐|中毒|不合格|发霉|以次充好|缺斤少两)"
_VEHICLE = r"(货车|轿车|摩托车|电动车|三轮车|汽车|客车|卡车|面包车|自行车|机动车|出租车|公交车)"
_OVERSTEP = r"(多占|侵占|超占|占用|越界|界址|地界|边界|四至|界线)"
_SPOUSE = r"(丈夫|妻子|老公|老婆|前夫|前妻)"
_BEAT = r"(殴打|打伤|打骂|毒打|动手打|踢打|拳打脚踢|动手)"
_DOMESTIC = (  # the spouse is the one beaten (a husband who hurt a neighbour in a brawl is no 家暴)
    r"家暴|家庭暴力|人身安全保护令|"
    rf"(被|遭受|遭到|挨){_SPOUSE}[^。；！？!?]{{0,8}}{_BEAT}|"
    rf"{_SPOUSE}[^。；！？!?]{{0,10}}(对|把|将)(她|他|妻子|丈夫|老婆|老公|我)[^。；！？!?]{{0,6}}{_BEAT}|"
    rf"{_SPOUSE}[^。；！？!?]{{0,10}}{_BEAT}(她|妻子|老婆|我)"
)
_AGENCY_ACT = (
    r"(局|政府|城管|执法大队|执法队|监管所|街道办|管委会)[^。；！？!?]{0,30}(作出|下达|开具|决定)"
    r"[^。；！？!?]{0,30}(处罚|罚款|拆除|吊销|责令|没收|停业)"
)
_PUPIL = r"(学校|学生|老师|幼儿园|课间|班主任|体育课|校园|在校)"

SITUATIONS: dict[str, tuple[str, ...]] = {
    "劳动争议": ("工伤", _WORK + _S + _HURT, _HURT + r"[^。；！？!?]{0,30}" + _WORK),
    "消费纠纷": (_BOUGHT + _S + _DEFECT, _SHOP + _S + _DEFECT),
    "交通事故纠纷": (
        r"交警|交通事故|交通肇事|追尾|相撞|撞倒|撞伤|撞死|刮擦|刮倒|肇事",
        r"(驾驶|骑)[^。；！？!?]{0,20}(撞|碰)",
        _VEHICLE + r"[^。；！？!?]{0,20}(撞|刮|碾|轧|碰)",
    ),
    "医疗纠纷": (
        r"医疗事故|误诊|漏诊|医疗过错|医疗损害|治疗不当|用药错误|抢救不及时|处置不当|延误治疗",
        r"手术[^。；！？!?]{0,30}(失败|感染|后遗症|事故|不当|不规范|死亡|并发)",
    ),
    "校园纠纷": (_PUPIL + _S + r"(受伤|摔|打伤|骨折|伤害|磕|撞)",),
    "环境污染纠纷": (r"排污|污水|废水|废气|粉尘|噪声污染|污染|臭气|恶臭|油烟",),
    "治安纠纷": (r"殴打|斗殴|打架|打伤|互殴|推搡|持刀|砍伤|行凶",),
    # a fight between husband and wife is domestic violence (家庭暴力纠纷 under 婚姻家庭纠纷), not a brawl
    "婚姻家庭纠纷": (_DOMESTIC,),
    # the complainant contests a decision an agency made (a fine, an order to demolish): 行政争议
    "行政争议": (_AGENCY_ACT,),
    # what neighbours quarrel about: the homestead's boundary, not who they are
    "房屋宅基地纠纷": (
        r"宅基地" + _S + _OVERSTEP,
        _OVERSTEP + _S + r"宅基地",
        r"(地基|墙基|院墙|滴水)[^。；！？!?]{0,20}(多占|侵占|越界|超出|占了)",
    ),
}
# 医疗纠纷 is about a treatment: food from a shop that made someone sick is 消费纠纷 even though a hospital is
# named, unless a treatment gone wrong is stated too (the specific type's own situation keeps it).
OVERRIDES = {
    "损害赔偿纠纷": tuple(t for t in SITUATIONS if t not in ("房屋宅基地纠纷", "婚姻家庭纠纷", "行政争议")),
    "合同纠纷": ("消费纠纷", "交通事故纠纷"),
    "医疗纠纷": ("消费纠纷",),
    "邻里纠纷": ("房屋宅基地纠纷",),
    "治安纠纷": ("婚姻家庭纠纷",),
    **{t: ("行政争议",) for t in ("山林土地纠纷", "房屋宅基地纠纷", "生产经营纠纷")},
}
# ... but not where the contract itself is the matter: an insurer or insured suing over the policy (CJRC's
# 保险合同 / 代位求偿 causes) or a carrier over the carriage stays 合同纠纷 though it recounts a collision; a
# collision whose parties argue over the victim's losses, the insurer only paying within 交强险, is 交通事故纠纷.
_CONTRACT_MATTER = re.compile(
    r"投保(?![^。；！？]{0,8}(交强|三者|第三者))|保险金|代位|追偿|保险期间|保险期限|保险责任期间|保险合同|保单|被保险人|承保|保险费|运输合同|客运|托运|承运|租赁"
)
BLOCKED = {
    ("合同纠纷", "交通事故纠纷"): _CONTRACT_MATTER,
    ("合同纠纷", "劳动争议"): _CONTRACT_MATTER,  # an employer's liability policy that names a 工伤 decision
}
# Stated so plainly that the type counts at any rank: a work injury of an employee of a unit (工伤; an
# injury while helping a private person build his house, 帮工/雇工受害, stays 损害赔偿纠纷).
_UNIT = r"(公司|工厂|厂里|厂方|企业|单位|项目部|工程队|施工队|车间|某厂|.{1,6}厂)"
STRONG: dict[str, tuple[str, ...]] = {
    "劳动争议": (
        r"工伤",
        _UNIT
        + r"[^。；！？!?]{0,12}(雇佣|雇用|招用|聘用|招聘|录用|员工|职工|工人)"
        + r"[\s\S]{0,200}"
        + _HURT,
        r"在" + _UNIT + r"(上班|工作|务工|打工|干活)" + r"[\s\S]{0,200}" + _HURT,
    ),
    "婚姻家庭纠纷": (_DOMESTIC,),  # the spouse beaten: 家暴, though a beating is 治安纠纷's own situation
    "行政争议": (_AGENCY_ACT + r"[\s\S]{0,200}(撤销|复议|行政诉讼|不服|执法不公|处罚过重)",),  # contested
}
# A work injury of a unit's employee is a labour matter whatever the model ranked first: a building site names
# houses (房屋宅基地), a factory its products, a mine its land — STRONG statements of these types count over any
# top type, not only over those in OVERRIDES (unless the top type states its own situation).
ANY_TOP = ("劳动争议",)
_COMPILED = {t: [re.compile(p) for p in ps] for t, ps in SITUATIONS.items()}
_STRONG = {t: [re.compile(p) for p in ps] for t, ps in STRONG.items()}


def situations(text: str, catch_all: str) -> dict[str, str]:
    """The specific types whose situation the text states, each with the words that state it, among those
    that may override ``catch_all``."""
    out: dict[str, str] = {}
    for typ in OVERRIDES.get(catch_all, ()):
        block = BLOCKED.get((catch_all, typ))
        if block and block.search(text):
            continue
        m = next((m for rx in _COMPILED[typ] if (m := rx.search(text))), None)
        if m:
            out[typ] = m.group(0)
    return out


def _strong(text: str, typ: str) -> str | None:
    """The words (up to 40 characters) of the first plain statement (``STRONG``) of ``typ`` in the text."""
    m = next((m for rx in _STRONG.get(typ, ()) if (m := rx.search(text))), None)
    return m.group(0)[:40] if m else None


def stated_override(text: str, ranked: list[str], within: int) -> tuple[str, str, int] | None:
    """(type, the words that state it, its rank) for the specific type the top-ranked ``ranked[0]`` yields to:
    the first among ``ranked[1:within]`` whose situation the text states, or one at any rank whose situation
    is stated plainly (``STRONG``); for an ``ANY_TOP`` type, such a plain statement over any top type. None
    when ``ranked[0]`` states its own situation (a treatment gone wrong keeps 医疗纠纷) or nothing is stated."""
    if not ranked:
        return None
    top = ranked[0]
    own = any(rx.search(text) for rx in _COMPILED.get(top, ()))  # the top type states its own situation
    if not own:
        for rank, typ in enumerate(ranked[1:], start=1):  # ANY_TOP: a plain statement over any top type
            if typ in ANY_TOP and typ not in OVERRIDES.get(top, ()):  # (those: below, with BLOCKED)
                block = BLOCKED.get((top, typ))
                if block and block.search(text):
                    continue
                if strong := _strong(text, typ):
                    return typ, strong, rank
    if top not in OVERRIDES:
        return None
    stated = situations(text, top)
    # a plain statement, at any rank: the husband who hit his wife is 家暴 though a beating (治安纠纷's own
    # situation) is stated too
    for rank, typ in enumerate(ranked[1:], start=1):
        if typ in stated and (strong := _strong(text, typ)):
            return typ, strong, rank
    if own:
        return None
    for rank, typ in enumerate(ranked[1:within], start=1):
        if typ in stated:
            return typ, stated[typ], rank
    return None
