"""Build data/ledger_demo/texts.jsonl.gz: the public complaint texts the demo ledger recombines
(brain/ledger/demo.py). Run once, from the repository root, where ../shared/data is present:

    python tools/build_ledger_texts.py

Sources (each row keeps ``set`` and ``src_id``; provenance in data/README.md):
* 泰迪杯 2020 citizen messages (tipdm2020/messages_labeled_level1.jsonl), minus the intake test half;
* LawBench 2-4 consultations (lawbench/2-4.json), minus the intake test half;
* STARD questions, train split only (query_id % 5 != 0);
* CJRC dev-split judgment facts (cjrc/dev_ground_truth.json; the intake test sets use the test split),
  civil cases only, cut to the first sentences (at most 220 characters).
Nothing from a test split or a dev split that any evaluation reads as a test is included.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
OUT = ROOT / "data" / "ledger_demo" / "texts.jsonl.gz"


def test_ids(name: str) -> set[str]:
    path = ROOT / "eval" / "datasets" / f"{name}_test.jsonl"
    return {json.loads(line)["id"] for line in path.open(encoding="utf-8")}


def clip(text: str, n: int = 220) -> str:
    text = re.sub(r"\s+", "", text)
    if len(text) <= n:
        return text
    cut = max(text.rfind(p, 0, n) for p in "。；！？")
    return text[: cut + 1] if cut > 40 else text[:n] + "。"


def main() -> None:
    rows: list[dict[str, str]] = []
    skip = test_ids("intake_tipdm_level1")
    for line in (SHARED / "tipdm2020/messages_labeled_level1.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        sid = f"tipdm-{r['留言编号']}"
        if sid not in skip:
            rows.append(
                {"set": "tipdm2020", "src_id": sid, "text": clip(f"{r['留言主题']}。{r['留言详情']}")}
            )
    skip = test_ids("intake_lawbench_2-4")
    for i, r in enumerate(json.loads((SHARED / "lawbench/2-4.json").read_text(encoding="utf-8"))):
        sid = f"lawbench-2-4-{i:03d}"
        if sid not in skip:
            rows.append({"set": "lawbench_2-4", "src_id": sid, "text": clip(r["question"])})
    for r in json.loads((SHARED / "stard/queries.json").read_text(encoding="utf-8")):
        if int(r["query_id"]) % 5 != 0:
            rows.append({"set": "stard_train", "src_id": f"stard-{r['query_id']}", "text": clip(r["问题"])})
    cjrc = json.loads((SHARED / "cjrc/dev_ground_truth.json").read_text(encoding="utf-8"))
    for i, d in enumerate(cjrc["data"]):
        for p in d["paragraphs"]:
            ctx = re.sub(r"^(本院)?(经审理)?(查明|认定事实如下|认定|审理)?[:：]?[，,]?", "", p["context"])
            if p.get("casename") and "被告人" not in ctx:  # civil disputes only, not criminal judgments
                rows.append({"set": "cjrc_dev", "src_id": f"cjrc-dev-{i}", "text": clip(ctx)})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["set"]] = counts.get(r["set"], 0) + 1
    print(f"wrote {len(rows)} texts to {OUT.relative_to(ROOT)}: {counts}")


if __name__ == "__main__":
    main()
