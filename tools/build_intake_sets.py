"""Build the intake dev sets (eval/datasets/intake_*.jsonl) and, with ``--pool``, the weak-labelled training
pool data/intake_train/pool.jsonl.gz, both from the public data in /work/shared/data (see its README for
sources and licences) and the taxonomy in knowledge_graph/seed/dispute_types.yaml. The classifier is trained
from the pool and the tune halves by ``tools/train_intake.py`` (no /work/shared needed then).

Which data is used for what (never train or tune on a split that is reported):

=====================  =============================================  =====================================
source                 label                                          used for
=====================  =============================================  =====================================
taxonomy seed          each type's description / keywords / aliases   training
CJRC *dev* judgments   案由 (casename) -> type by name/alias;          training; the *test* split is
                       criminal charges by CRIME_MAP; other causes    only reported (its mapping is
                       by CJRC_PATTERNS (tools/intake_sources.py)     unchanged)
STARD train questions  cited articles -> type (intake_sources)        training; dev (query_id % 5 == 0)
                                                                      is never read
泰迪杯 3-level taxonomy  (一级, 二级[, 三级]) -> type (TIPDM_GROUPS)     training
LawBench 2-3           all divorce judgments -> 离婚纠纷               training
LawBench 2-2           keyword weak labeller (unique winner)          training
CAIL scm_sample        private-lending judgments -> 民间借贷纠纷        training
laws/ statutes         file / chapter topic -> type (STATUTE_MAP)     training
laws/案例 (52)          title alias match, else folder (CASE_FOLDERS)  training
TipDM replies + hot    keyword weak labeller, minus any message in    training
                       the labelled set
LawBench 2-4           topic -> type by alias; else unmapped          split by hashed id (``is_tune``):
TipDM level-1          category -> the one level-1 type whose         ``*_tune`` half: 2/3 training, 1/3
                       ``domains`` names it; else unmapped            temperature (``is_calibration``);
CJRC *test* judgments  as CJRC dev                                    ``*_test`` half: reported only
=====================  =============================================  =====================================

Only the two halves are written (no whole-set file, which would mix trained-on cases into an evaluation):
report only the ``*_test`` halves for a model built by this script.

Usage::

    python tools/build_intake_sets.py                 # dev sets only
    python tools/build_intake_sets.py --pool          # dev sets + the training pool
    python tools/train_intake.py                      # the classifier, from the pool + tune halves
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

import intake_sources as extra  # noqa: E402

from brain.agents.intake import classifier as clf  # noqa: E402
from brain.agents.intake.taxonomy import SEED_DIR, TaxonomyIndex, load_taxonomy, read_seed_rows  # noqa: E402

SHARED = Path("/work/shared/data")
OUT_SETS = REPO / "eval" / "datasets"
POOL = REPO / "data" / "intake_train" / "pool.jsonl.gz"
SEED = 20240611

# Criminal charges that are the criminal end of a mediation dispute (民转刑); other charges are not disputes.
CRIME_MAP = {
    "故意伤害罪": "打架斗殴纠纷",
    "寻衅滋事罪": "治安纠纷",
    "故意毁坏财物罪": "损毁财物纠纷",
    "交通肇事罪": "交通事故纠纷",
    "拒不支付劳动报酬罪": "拖欠工资纠纷",
    "重婚罪": "婚姻家庭纠纷",
    "虐待罪": "家庭暴力纠纷",
    "遗弃罪": "赡养纠纷",
    "非法侵入住宅罪": "治安纠纷",
}
# Statute file (or 民法典 part + chapter keyword) -> the dispute type it governs.
STATUTE_MAP: dict[str, str] = {
    "婚姻家庭编": "婚姻家庭纠纷",
    "继承编": "继承纠纷",
    "人格权编": "人格权纠纷",
    "反家庭暴力法": "家庭暴力纠纷",
    "劳动合同法": "劳动合同纠纷",
    "劳动合同法实施条例": "劳动合同纠纷",
    "劳动争议调解仲裁法": "劳动争议",
    "消费者权益保护法": "消费纠纷",
    "物业管理条例": "物业纠纷",
    "农村土地承包法": "土地承包经营纠纷",
    "农村土地承包经营纠纷调解仲裁法": "土地承包经营纠纷",
    "噪声污染防治法": "噪声污染纠纷",
    "道路交通安全法": "交通事故纠纷",
    "医疗纠纷预防和处理条例": "医疗纠纷",
    "治安管理处罚法": "治安纠纷",
    "审理劳动争议案件": "劳动争议",
    "建筑物区分所有权": "物业纠纷",
    "物业服务纠纷": "物业纠纷",
    "涉彩礼纠纷": "婚约彩礼纠纷",
    "农村土地承包经营纠纷": "土地承包经营纠纷",
}
# 民法典 chapters (合同编 / 侵权责任编 / 物权编) that govern one type.
CHAPTER_MAP: dict[str, str] = {
    "买卖合同": "买卖合同纠纷",
    "借款合同": "民间借贷纠纷",
    "保证合同": "担保纠纷",
    "租赁合同": "房屋租赁纠纷",
    "建设工程合同": "建设工程合同纠纷",
    "运输合同": "运输合同纠纷",
    "物业服务合同": "物业纠纷",
    "承揽合同": "服务合同纠纷",
    "合伙合同": "合伙纠纷",
    "机动车交通事故责任": "交通事故纠纷",
    "医疗损害责任": "医疗损害责任纠纷",
    "环境污染和生态破坏责任": "环境污染纠纷",
    "饲养动物损害责任": "饲养动物纠纷",
    "建筑物和物件损害责任": "财产损害赔偿纠纷",
    "相邻关系": "相邻关系纠纷",
    "土地承包经营权": "土地承包经营纠纷",
    "宅基地使用权": "宅基地纠纷",
    "共有": "分家析产纠纷",
    "抵押权": "担保纠纷",
    "质权": "担保纠纷",
    "损害赔偿": "损害赔偿纠纷",
}
CASE_FOLDERS = {"劳动人事": "劳动争议", "消费购物": "消费纠纷", "行政协议诉讼": "行政争议"}


def _bucket(case_id: str, salt: str) -> int:
    """A stable pseudo-random number per case id (sha256; unaffected by file order or Python's hash seed)."""
    return int(hashlib.sha256(f"{salt}:{case_id}".encode()).hexdigest()[:8], 16)


def is_tune(case_id: str) -> bool:
    """Half of every shipped dev set may be used for training and calibration; the other half never."""
    return _bucket(case_id, "intake-split") % 2 == 0


def is_calibration(case_id: str) -> bool:
    """Within a tune half: one case in three fits the temperature, the rest train."""
    return _bucket(case_id, "intake-calibration") % 3 == 0


def label_pair(tax: TaxonomyIndex, name: str) -> tuple[str, str | None]:
    """(level-1 type, level-2 type or None) for a canonical type name."""
    t = tax.by_name[name]
    return (t.parent, t.name) if t.parent else (t.name, None)


# ---------------------------------------------------------------------------------------------- reported sets
def lawbench_24(tax: TaxonomyIndex) -> tuple[list[dict], Counter[str]]:
    rows, unmapped = [], Counter[str]()
    for i, r in enumerate(json.loads((SHARED / "lawbench/2-4.json").read_text(encoding="utf-8"))):
        name = tax.resolve(r["answer"])
        if name is None:
            unmapped[r["answer"]] += 1
            continue
        rows.append(
            {
                "id": f"lawbench-2-4-{i:03d}",
                "text": r["question"],
                "expected": {"dispute_type": name},
                "meta": {"source_label": r["answer"]},
            }
        )
    return rows, unmapped


def tipdm_domain_map() -> dict[str, str]:
    """A hotline category maps to a type only when exactly one level-1 type lists it under ``domains``."""
    owners: dict[str, list[str]] = {}
    for row in read_seed_rows(SEED_DIR, "dispute_types.yaml", "dispute_types"):
        if row.parent:
            continue
        for d in row.domains:
            owners.setdefault(d, []).append(row.name)
    return {d: names[0] for d, names in owners.items() if len(names) == 1}


def tipdm_level1(tax: TaxonomyIndex) -> tuple[list[dict], Counter[str]]:
    mapping = tipdm_domain_map()
    rows, unmapped = [], Counter[str]()
    for line in (SHARED / "tipdm2020/messages_labeled_level1.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        label = r["一级分类"]
        name = tax.resolve(label) or mapping.get(label)
        if name is None:
            unmapped[label] += 1
            continue
        rows.append(
            {
                "id": f"tipdm-{r['留言编号']}",
                "text": f"{r['留言主题']}。{r['留言详情']}",
                "expected": {"dispute_type": name},
                "meta": {"source_label": label},
            }
        )
    return rows, unmapped


def cjrc(tax: TaxonomyIndex, split: str) -> tuple[list[dict], Counter[str]]:
    rows, unmapped = [], Counter[str]()
    data = json.loads((SHARED / f"cjrc/{split}_ground_truth.json").read_text(encoding="utf-8"))["data"]
    for case in data:
        for j, p in enumerate(case["paragraphs"]):
            cause = p.get("casename", "")
            name = tax.resolve(cause) if case["domain"] == "civil" else CRIME_MAP.get(cause)
            if name is None:
                unmapped[cause] += 1
                continue
            rows.append(
                {
                    "id": f"cjrc-{split}-{case['domain']}-{case['caseid']}-{j}",
                    "text": p["context"],
                    "expected": {"dispute_type": name},
                    "meta": {"source_label": cause},
                }
            )
    return rows, unmapped


def reported_sets(tax: TaxonomyIndex) -> dict[str, tuple[list[dict], Counter[str]]]:
    """The shipped dev sets by file stem, each as (rows, unmapped source labels); split by ``is_tune``."""
    return {
        "intake_lawbench_2-4": lawbench_24(tax),
        "intake_tipdm_level1": tipdm_level1(tax),
        "intake_cjrc_test": cjrc(tax, "test"),
    }


# ---------------------------------------------------------------------------------------------- training pool
def taxonomy_samples(tax: TaxonomyIndex) -> Iterator[tuple[str, str]]:
    for t in tax.types:
        desc = tax.extra[t.name]["description"]
        if desc:
            yield desc, t.name
        if t.keywords:
            yield "，".join(t.keywords), t.name
        yield "、".join([t.name, *t.aliases]), t.name


def weak_keyword(kw: clf.KeywordClassifier, text: str) -> str | None:
    """A weak label only when one type clearly wins (>= 2x the runner-up's matched characters)."""
    scores = sorted(kw.scores(text).items(), key=lambda kv: -kv[1])
    if not scores or scores[0][1] < 4:
        return None
    if len(scores) > 1 and scores[0][1] < 2 * scores[1][1]:
        return None
    return scores[0][0]


def statute_samples(tax: TaxonomyIndex) -> Iterator[tuple[str, str, str]]:
    art_re = re.compile(r"^第[零一二三四五六七八九十百千]+条")
    for path in sorted((SHARED / "laws").rglob("*.md")):
        if "案例" in path.parts:
            continue
        file_type = next((v for k, v in STATUTE_MAP.items() if k in path.stem), None)
        chapter_type = None
        for block in path.read_text(encoding="utf-8").split("\n\n"):
            block = block.strip()
            if block.startswith("#"):
                heading = block.lstrip("#").strip()
                chapter_type = next((v for k, v in CHAPTER_MAP.items() if k in heading), None)
                if block.startswith("# ") and heading in STATUTE_MAP:
                    file_type = STATUTE_MAP[heading]
                continue
            label = chapter_type or file_type
            if label and art_re.match(block) and len(block) > 20:
                yield block, label, f"statute:{path.stem}"


def case_samples(tax: TaxonomyIndex) -> Iterator[tuple[str, str]]:
    aliases = sorted(tax.alias_to_name, key=len, reverse=True)
    for path in sorted((SHARED / "laws/案例").rglob("*.md")):
        hit = next((a for a in aliases if len(a) >= 4 and a in path.stem), None)
        label = tax.alias_to_name[hit] if hit else CASE_FOLDERS.get(path.parent.name)
        if label:
            yield path.read_text(encoding="utf-8")[:1500], label


def training_pool(tax: TaxonomyIndex, kw: clf.KeywordClassifier) -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)
    pool: list[tuple[str, str, str]] = [(t, y, "taxonomy") for t, y in taxonomy_samples(tax)]
    for r in cjrc(tax, "dev")[0]:
        pool.append((r["text"], r["expected"]["dispute_type"], "cjrc_dev"))
    for case in json.loads((SHARED / "cjrc/dev_ground_truth.json").read_text(encoding="utf-8"))["data"]:
        for p in case["paragraphs"]:
            cause = p.get("casename", "")
            known = tax.resolve(cause) if case["domain"] == "civil" else CRIME_MAP.get(cause)
            y = None if known else extra.cjrc_extra_label(cause)
            if y:
                pool.append((p["context"], y, "cjrc_dev_pattern"))
    stard, _ = extra.stard_train(SHARED / "stard/queries.json")
    pool.extend((q, y, "stard_train") for q, y, _ in stard)
    pool.extend(
        (t, y, "tipdm_taxonomy") for t, y in extra.tipdm_taxonomy(SHARED / "tipdm2020/taxonomy_3level.jsonl")
    )
    for r in json.loads((SHARED / "lawbench/2-3.json").read_text(encoding="utf-8")):
        pool.append((r["question"].removeprefix("句子:"), "离婚纠纷", "lawbench_2-3"))
    for r in json.loads((SHARED / "lawbench/2-2.json").read_text(encoding="utf-8")):
        text = r["question"].removeprefix("句子:")
        y = weak_keyword(kw, text)
        if y:
            pool.append((text, y, "lawbench_2-2_weak"))
    lending: list[str] = []
    for line in (SHARED / "scm_sample/input.txt").open(encoding="utf-8"):
        r = json.loads(line)
        lending.extend(r[k] for k in ("A", "B", "C"))
    for text in rng.sample(lending, 300):
        pool.append((text, "民间借贷纠纷", "scm_sample"))
    pool.extend((t, y, src) for t, y, src in statute_samples(tax))
    pool.extend((t, y, "cases52") for t, y in case_samples(tax))
    labelled = {
        json.loads(x)["留言详情"] for x in (SHARED / "tipdm2020/messages_labeled_level1.jsonl").open()
    }
    for fname in ("messages_with_official_replies.jsonl", "messages_hot_issues.jsonl"):
        for line in (SHARED / "tipdm2020" / fname).open(encoding="utf-8"):
            r = json.loads(line)
            if r.get("留言详情") in labelled:
                continue
            text = f"{r.get('留言主题', '')}。{r.get('留言详情', '')}"
            y = weak_keyword(kw, text)
            if y:
                pool.append((text, y, "tipdm_unlabelled_weak"))
    return pool


def write_pool(tax: TaxonomyIndex, path: Path = POOL) -> dict[str, int]:
    """The weak-labelled training pool, copied into the repo (gzip JSONL, sorted, so a rebuild is
    byte-identical) with each example's source; ``tools/train_intake.py`` trains from it without
    /work/shared."""
    import gzip

    kw = clf.KeywordClassifier(tax.types)
    rows = sorted(set(training_pool(tax, kw)), key=lambda r: (r[2], r[1], r[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as fh:
        for t, y, src in rows:
            fh.write((json.dumps({"text": t, "label": y, "source": src}, ensure_ascii=False) + "\n").encode())
    return dict(Counter(src for _, _, src in rows))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pool", action="store_true", help="also write the training pool " + str(POOL))
    args = ap.parse_args()
    tax = load_taxonomy()
    summary = {}
    for name, (rows, unmapped) in reported_sets(tax).items():
        # Only the halves are written: a whole file would mix trained-on cases into what looks like a dev set.
        write_jsonl(OUT_SETS / f"{name}_tune.jsonl", [r for r in rows if is_tune(r["id"])])
        write_jsonl(OUT_SETS / f"{name}_test.jsonl", [r for r in rows if not is_tune(r["id"])])
        summary[name] = {
            "tune": sum(is_tune(r["id"]) for r in rows),
            "test": sum(not is_tune(r["id"]) for r in rows),
            "cases": len(rows),
            "unmapped_excluded": sum(unmapped.values()),
            "unmapped_labels": dict(unmapped.most_common()),
        }
    if args.pool:
        summary["pool"] = write_pool(tax)
    print(json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
