"""Extra weak-label sources for the intake classifier (issue 13), each read from /work/shared/data once by
``tools/build_intake_sets.py --pool`` and copied into ``data/intake_train/pool.jsonl.gz`` with its source tag.

None of these is an evaluation split:

- **STARD train questions** (``query_id % 5 != 0``; the dev split ``% 5 == 0`` is never read here): lay
  consultation questions labelled by the statute articles they cite, through ``article_type`` (民法典 编/章
  article ranges, whole laws, judicial interpretations). A question is kept when its mapped citations agree
  (one type holds a strict majority of the mapped votes).
- **泰迪杯 3-level taxonomy** (517 rows): each (一级, 二级) group whose subject is one dispute type becomes one
  short text "二级：三级、三级 …" with that type (``TIPDM_GROUPS``); groups that are government business rather
  than a dispute stay out.
- **CJRC dev 案由 not resolved by name** (``cjrc_extra_label``): copyright/trademark causes, equipment leases,
  聚众斗殴罪 …, mapped by pattern. The CJRC *test* split keeps its original mapping (the shipped test halves
  are untouched).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_number(s: str) -> int | None:
    """一千零四十 -> 1040, 十二 -> 12, 三百三十九 -> 339; None for anything else."""
    if not s or any(ch not in _DIGITS and ch not in _UNITS for ch in s):
        return None
    total, digit = 0, 0
    for ch in s:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + digit


# 民法典 article ranges (inclusive) -> type; first match wins, so narrower ranges come first.
CIVIL_CODE_RANGES: list[tuple[int, int, str | None]] = [
    (1, 204, None),  # 总则: general, names no dispute
    (271, 287, "物业纠纷"),  # 业主的建筑物区分所有权
    (288, 296, "相邻关系纠纷"),
    (330, 343, "土地承包经营纠纷"),
    (362, 365, "宅基地纠纷"),
    (205, 385, "物权确认纠纷"),  # 物权 (登记, 所有权, 共有, 用益物权) otherwise
    (386, 457, "担保纠纷"),  # 担保物权: 抵押, 质押, 留置
    (595, 647, "买卖合同纠纷"),
    (667, 680, "民间借贷纠纷"),
    (681, 702, "担保纠纷"),  # 保证合同
    (703, 734, "房屋租赁纠纷"),
    (770, 787, "服务合同纠纷"),  # 承揽
    (788, 808, "建设工程合同纠纷"),
    (809, 842, "运输合同纠纷"),
    (843, 887, "知识产权纠纷"),  # 技术合同
    (888, 936, "服务合同纠纷"),  # 保管, 仓储, 委托
    (937, 950, "物业纠纷"),
    (951, 966, "服务合同纠纷"),  # 行纪, 中介
    (967, 978, "合伙纠纷"),
    (979, 988, None),  # 准合同 (无因管理, 不当得利)
    (463, 978, "合同纠纷"),  # 合同通则 and the other named contracts
    (989, 1039, "人格权纠纷"),
    (1076, 1092, "离婚纠纷"),
    (1093, 1118, "收养关系纠纷"),
    (1040, 1118, "婚姻家庭纠纷"),
    (1126, 1132, "法定继承纠纷"),
    (1133, 1144, "遗嘱继承纠纷"),
    (1159, 1163, "被继承人债务清偿纠纷"),
    (1119, 1163, "继承纠纷"),
    (1199, 1201, "校园伤害纠纷"),  # 教育机构的责任
    (1202, 1207, "消费纠纷"),  # 产品责任
    (1208, 1217, "交通事故纠纷"),
    (1218, 1228, "医疗损害责任纠纷"),
    (1229, 1235, "环境污染纠纷"),
    (1245, 1251, "饲养动物纠纷"),
    (1164, 1258, "损害赔偿纠纷"),  # 侵权责任 otherwise (一般规定, 高度危险, 物件损害)
]
# Whole laws / interpretations (matched as a substring of the cited name, longest key first).
LAW_TYPES: dict[str, str | None] = {
    "劳动合同法": "劳动合同纠纷",
    "劳动争议": "劳动争议",
    "劳动法": "劳动争议",
    "工伤保险条例": "工伤纠纷",
    "社会保险法": "社会保险纠纷",
    "保障农民工工资支付条例": "拖欠工资纠纷",
    "商标": "知识产权纠纷",
    "著作权": "知识产权纠纷",
    "专利": "知识产权纠纷",
    "反不正当竞争法": "知识产权纠纷",
    "担保制度": "担保纠纷",
    "民间借贷": "民间借贷纠纷",
    "行政许可法": "行政争议",
    "政府信息公开条例": "行政争议",
    "行政诉讼": "行政争议",
    "行政处罚法": "行政争议",
    "行政复议": "行政争议",
    "国家赔偿法": "行政争议",
    "行政强制法": "行政争议",
    "农村土地承包": "土地承包经营纠纷",
    "土地管理法": "山林土地纠纷",
    "森林法": "山林权属纠纷",
    "旅游": "消费纠纷",
    "建设工程施工合同": "建设工程合同纠纷",
    "合伙企业法": "合伙纠纷",
    "公司法": "公司纠纷",
    "公司法》": "公司纠纷",
    "物业管理条例": "物业纠纷",
    "物业服务纠纷": "物业纠纷",
    "建筑物区分所有权": "物业纠纷",
    "产品质量法": "消费纠纷",
    "消费者权益保护法": "消费纠纷",
    "食品安全法": "消费纠纷",
    "保险法": "保险合同纠纷",
    "融资租赁": "合同纠纷",
    "房屋租赁合同": "房屋租赁纠纷",
    "商品房买卖合同": "房屋买卖纠纷",
    "城市房地产管理法": "房屋买卖纠纷",
    "医疗损害责任": "医疗损害责任纠纷",
    "医疗纠纷": "医疗纠纷",
    "医疗事故": "医疗纠纷",
    "教育法": "校园纠纷",
    "义务教育法": "校园纠纷",
    "未成年人保护法": "校园纠纷",
    "婚姻家庭编": "婚姻家庭纠纷",
    "继承编": "继承纠纷",
    "反家庭暴力法": "家庭暴力纠纷",
    "道路交通": "交通事故纠纷",
    "机动车交通事故": "交通事故纠纷",
    "治安管理处罚法": "治安纠纷",
    "人身损害赔偿": "人身损害赔偿纠纷",
    "环境保护法": "环境污染纠纷",
    "噪声污染防治法": "噪声污染纠纷",
    "国有土地上房屋征收": "房屋拆迁安置补偿纠纷",
}
# 刑法 articles that are the criminal end of a mediation dispute; every other 刑法 article names none.
CRIMINAL_ARTICLES = {234: "打架斗殴纠纷", 292: "打架斗殴纠纷", 293: "治安纠纷", 275: "损毁财物纠纷",
                     133: "交通事故纠纷", 245: "治安纠纷", 238: "治安纠纷", 260: "家庭暴力纠纷",
                     261: "赡养纠纷", 258: "婚姻家庭纠纷"}  # fmt: skip
_ART_RE = re.compile(r"^(?P<law>.*?)第(?P<num>[零一二三四五六七八九十百千]+)条")


def article_type(match_name: str) -> str | None:
    """The dispute type a cited article governs, or None (general provisions, procedure, other crimes)."""
    m = _ART_RE.match(match_name)
    law, num = (m.group("law"), cn_number(m.group("num"))) if m else (match_name, None)
    if law.endswith("民法典") and num is not None:
        return next((t for lo, hi, t in CIVIL_CODE_RANGES if lo <= num <= hi), None)
    if law.endswith("刑法"):
        return CRIMINAL_ARTICLES.get(num) if num is not None else None
    for key in sorted(LAW_TYPES, key=len, reverse=True):
        if key in law:
            return LAW_TYPES[key]
    return None


def stard_train(path: Path) -> tuple[list[tuple[str, str, int]], Counter[str]]:
    """(question, type, query_id) for STARD train questions whose mapped citations agree; and why others
    were left out ("dev", "no mapped article", "citations disagree")."""
    out, skipped = [], Counter[str]()
    for r in json.loads(path.read_text(encoding="utf-8")):
        if r["query_id"] % 5 == 0:
            skipped["dev (query_id % 5 == 0, never read)"] += 1
            continue
        votes = Counter(t for t in (article_type(m) for m in r["match_name"]) if t)
        if not votes:
            skipped["no mapped article"] += 1
            continue
        (best, n), *rest = votes.most_common()
        if rest and 2 * n <= sum(votes.values()):
            skipped["citations disagree"] += 1
            continue
        out.append((r["问题"].strip(), best, int(r["query_id"])))
    return out, skipped


# 泰迪杯 (一级, 二级) -> type; a (一级, 二级, 三级) key overrides its group. Groups not listed are government
# business (党务, 纪检, 户籍 …), not a dispute between parties.
TIPDM_GROUPS: dict[tuple[str, ...], str] = {
    ("城乡建设", "国有土地上房屋征收与补偿"): "征地拆迁纠纷",
    ("城乡建设", "集体土地上房屋拆迁与补偿"): "征地拆迁纠纷",
    ("城乡建设", "建筑市场"): "建设工程合同纠纷",
    ("城乡建设", "住房保障与房地产"): "房屋宅基地纠纷",
    ("城乡建设", "住房保障与房地产", "物业服务"): "物业纠纷",
    ("城乡建设", "住房保障与房地产", "房屋租赁"): "房屋租赁纠纷",
    ("城乡建设", "城市建设和市政管理", "小区管理"): "物业纠纷",
    ("国土资源", "土地征收"): "征地拆迁纠纷",
    ("国土资源", "土地资源管理", "土地权属纠纷"): "山林土地纠纷",
    ("环境保护", "环境污染"): "环境污染纠纷",
    ("环境保护", "环保管理", "污染损害纠纷调解"): "环境污染纠纷",
    ("农村农业", "土地承包经营"): "土地承包经营纠纷",
    ("农村农业", "土地承包经营", "宅基地纠纷"): "宅基地纠纷",
    ("农村农业", "林业管理", "林权改革及权属纠纷"): "山林权属纠纷",
    ("农村农业", "村务管理"): "集体经济组织成员权益纠纷",
    ("商贸旅游", "旅游管理"): "消费纠纷",
    ("商贸旅游", "市场监管"): "消费纠纷",
    ("商贸旅游", "质监检验检疫", "产品质量监控"): "消费纠纷",
    ("卫生计生", "医患纠纷"): "医疗纠纷",
    ("卫生计生", "医政监管"): "医疗纠纷",
    ("卫生计生", "食品药品监管", "食品安全"): "消费纠纷",
    ("卫生计生", "食品药品监管", "药品和医疗器械管理"): "医疗纠纷",
    ("政法", "交通管理", "交通事故"): "交通事故纠纷",
    ("政法", "社会治安", "治安案件"): "治安纠纷",
    ("政法", "行政复议"): "行政争议",
    ("教育文体", "教师队伍和待遇"): "校园纠纷",
    ("教育文体", "教育行政管理"): "校园纠纷",
    ("教育文体", "教育收费"): "校园纠纷",
    ("教育文体", "考试招生"): "校园纠纷",
    ("教育文体", "失学辍学"): "校园纠纷",
    ("教育文体", "教育体制"): "校园纠纷",
    ("劳动和社会保障", "工资福利"): "拖欠工资纠纷",
    ("劳动和社会保障", "劳动关系"): "劳动合同纠纷",
    ("劳动和社会保障", "劳动保护"): "劳动争议",
    ("劳动和社会保障", "城镇职工社会保险"): "社会保险纠纷",
    ("劳动和社会保障", "城镇职工社会保险", "职工工伤保险"): "工伤纠纷",
    ("劳动和社会保障", "城镇居民社会保险"): "社会保险纠纷",
    ("劳动和社会保障", "退休政策及待遇"): "社会保险纠纷",
    ("劳动和社会保障", "就业培训"): "劳动争议",
    ("交通运输", "客货运输"): "运输合同纠纷",
}


def tipdm_taxonomy(path: Path) -> Iterator[tuple[str, str]]:
    """One text per mapped (一级, 二级[, 三级]) group: '二级：三级、三级' (the 一级 name is a government
    department's remit, not complaint wording, so it is left out of the text)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for line in path.open(encoding="utf-8"):
        r = json.loads(line)
        key3 = (r["一级分类"], r["二级分类"], r["三级分类"])
        key = key3 if key3 in TIPDM_GROUPS else key3[:2]
        if key in TIPDM_GROUPS and r["三级分类"] != "其他":
            groups.setdefault(key, []).append(r["三级分类"])
    for key, leaves in groups.items():
        yield f"{key[1]}：{'、'.join(leaves)}", TIPDM_GROUPS[key]


# CJRC 案由 that the taxonomy does not name, by pattern (dev split only).
CJRC_PATTERNS: list[tuple[str, str]] = [
    (r"著作|作品|录音录像|商标|专利|计算机软件|不正当竞争", "知识产权纠纷"),
    (r"股东|股权|公司|证券", "公司纠纷"),
    (r"房屋.*租赁", "房屋租赁纠纷"),
    (r"租赁合同|承揽|委托合同|居间|中介", "合同纠纷"),
    (r"劳动|工资|劳务派遣", "劳动争议"),
    (r"^聚众斗殴罪$", "打架斗殴纠纷"),
    (r"^非法拘禁罪$|^敲诈勒索罪$", "治安纠纷"),
]


def cjrc_extra_label(cause: str) -> str | None:
    return next((t for pat, t in CJRC_PATTERNS if re.search(pat, cause)), None)
