"""Vocabulary of the stream generator (eval/analysis_stream.py): the fictional county, channels, the
fictional counterparties of collective events and the phrases that frame a complaint. Everything here is
invented for the generator; the complaint bodies themselves come from the public text pool."""

from __future__ import annotations

COUNTY = "清溪县"  # the fictional county of configs/places.yaml (ledger demo)
SOURCES = ["来访", "来电", "12345", "网格员", "警情", "诉情", "访情", "上级转办"]
SOURCE_WEIGHTS = [0.25, 0.15, 0.3, 0.12, 0.06, 0.04, 0.05, 0.03]
COUNTY = "清溪县"  # the fictional county of configs/places.yaml (ledger demo)
# The fictional county's hierarchy as the ledger ships it (configs/places.yaml); configs/geo/清溪县.geojson
# draws the same names.
PLACES = {
    "城关镇": ["东门社区", "西门社区", "南街社区", "北关村", "河滨社区", "新华村", "文昌社区", "柳湾村"],
    "青石镇": ["青石村", "石桥村", "龙潭村", "上坝村", "下坝村", "杨柳村", "竹林村"],
    "白河乡": ["白河村", "沙坪村", "高岭村", "水口村", "枫树村", "黄泥村"],
    "松林镇": ["松林村", "桃园村", "马鞍村", "凤凰村", "大湾村", "金竹村", "茶山村"],
    "安平街道": ["安平社区", "兴隆社区", "工业园社区", "幸福社区", "长乐村", "和平村"],
    "梅岭乡": ["梅岭村", "梨树村", "双河村", "云台村"],
}
ORG_STEMS = [
    "宏达",
    "鑫源",
    "恒盛",
    "金桥",
    "华宇",
    "远航",
    "盛世",
    "瑞丰",
    "嘉禾",
    "腾飞",
    "新纪元",
    "御景",
    "锦绣",
    "东方",
    "天成",
    "隆兴",
    "祥和",
    "万通",
    "佳兴",
    "福临",
]
ORG_KINDS = [
    (
        "建筑劳务有限公司",
        "lawbench:劳动纠纷",
        [
            "在{org}的工地干活，工钱一直拿不到。",
            "{org}欠我工资。",
            "我是{org}的工人，",
            "{org}拖欠农民工工资，",
        ],
    ),
    (
        "物业服务有限公司",
        "tipdm:城乡建设",
        ["{org}不作为。", "小区的{org}乱收费，", "投诉{org}：", "对{org}意见很大，"],
    ),
    (
        "化工厂",
        "tipdm:环境保护",
        ["{org}晚上偷排，", "反映{org}的问题。", "家附近的{org}味道刺鼻，", "{org}污染，"],
    ),
    (
        "房地产开发有限公司",
        "lawbench:房产纠纷",
        ["{org}不给办房产证。", "买了{org}的房子，", "{org}延期交房，", "关于{org}："],
    ),
    ("养殖场", "tipdm:环境保护", ["{org}污水直排，", "村边{org}臭气熏天。", "反映{org}：", "{org}扰民，"]),
    (
        "装饰工程有限公司",
        "lawbench:合同纠纷",
        ["{org}收钱不干活，", "找{org}装修出了问题。", "投诉{org}：", "{org}违约，"],
    ),
]
GROUP_LINES = [
    "工友们商量再不解决就一起去县政府集体上访。",
    "我们几十户业主准备拉横幅讨说法。",
    "村民们说要去堵路，让上面的人来看看。",
]
FRAMES_PRE = ["你好，", "您好，我想反映一下，", "领导好，", "我要投诉：", "麻烦帮忙看看，", "", "", ""]
FRAMES_POST = ["希望尽快处理。", "请有关部门管一管。", "谢谢！", "盼回复。", "", "", ""]
SYNONYMS = [
    ("非常", "特别"),
    ("严重", "很严重"),
    ("反映", "投诉"),
    ("希望", "恳请"),
    ("问题", "情况"),
    ("现在", "目前"),
    ("没有", "没"),
    ("已经", "早已"),
    ("我们", "咱们"),
    ("要求", "请求"),
]
FOLLOW_UP = ["这是我第{n}次反映了，", "我之前反映过，到现在没有解决，", "再次反映：", "上次说的事还没人管，"]
