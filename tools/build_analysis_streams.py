"""Build the analysis suite's text pool and streams.

Step 1 (needs /work/shared/data, run once): copy the public complaint texts the generator draws from into
``eval/datasets/analysis_texts.jsonl`` (one line ``{"id", "source", "label", "text"}``, provenance in
eval/datasets/README.md): 泰迪杯 2020 citizen messages (附件2 with their level-1 class, 附件4 with official
replies), LawBench 2-4 consultation questions (topic), STARD questions of the TRAIN split only
(``query_id % 5 != 0``) and CJRC dev judgment facts (案由, first 240 characters). Near-duplicate texts
(char 3-gram Jaccard ≥ 0.3) and texts that share a named counterparty with another pool text are dropped,
and so are texts with collective-action language, so that the background of a stream carries no unplanted
event by construction.

Step 2: generate streams with :mod:`eval.analysis_stream` (seed A = tuning, seed B = dev/report):

    python tools/build_analysis_streams.py --pool /work/shared/data   # step 1 + 2
    python tools/build_analysis_streams.py                            # step 2 only, from the shipped pool
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from brain.analysis import text as T  # noqa: E402
from eval.analysis_stream import POOL_PATH, StreamSpec, generate, write_stream  # noqa: E402

MAX_CHARS = 240


def _clean(s: str) -> str:
    return " ".join(str(s).split())[:MAX_CHARS]


def build_pool(shared: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for line in (shared / "tipdm2020" / "messages_labeled_level1.jsonl").read_text().splitlines():
        r = json.loads(line)
        rows.append(
            {
                "id": f"tipdm-{r['留言编号']}",
                "source": "tipdm2020",
                "label": f"tipdm:{r['一级分类']}",
                "text": _clean(r["留言详情"]),
            }
        )
    for line in (shared / "tipdm2020" / "messages_with_official_replies.jsonl").read_text().splitlines():
        r = json.loads(line)
        rows.append(
            {
                "id": f"tipdm-r-{r['留言编号']}",
                "source": "tipdm2020",
                "label": "tipdm:答复",
                "text": _clean(r["留言详情"]),
            }
        )
    for i, r in enumerate(json.loads((shared / "lawbench" / "2-4.json").read_text())):
        rows.append(
            {
                "id": f"lawbench-2-4-{i:03d}",
                "source": "lawbench",
                "label": f"lawbench:{r['answer']}",
                "text": _clean(r["question"]),
            }
        )
    for r in json.loads((shared / "stard" / "queries.json").read_text()):
        if int(r["query_id"]) % 5 == 0:  # the dev split: never used
            continue
        rows.append(
            {
                "id": f"stard-{r['query_id']}",
                "source": "stard-train",
                "label": "stard",
                "text": _clean(r["问题"]),
            }
        )
    for doc in json.loads((shared / "cjrc" / "dev_ground_truth.json").read_text())["data"]:
        for j, p in enumerate(doc["paragraphs"]):
            rows.append(
                {
                    "id": f"cjrc-dev-{doc.get('id', len(rows))}-{j}",
                    "source": "cjrc-dev",
                    "label": f"cjrc:{p['casename']}",
                    "text": _clean(p["context"]),
                }
            )
    return dedupe(rows)


def dedupe(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.3, num_perm=T.NUM_PERM)
    kept: list[dict[str, str]] = []
    seen_cp: set[str] = set()
    shingles: dict[str, set[str]] = {}
    for r in rows:
        text = r["text"]
        if len(text) < 12 or T.COLLECTIVE_ACTION.search(text):
            continue
        cps = set(T.counterparties(text))
        if cps & seen_cp:
            continue
        sh = T.shingles(text)
        mh = MinHash(num_perm=T.NUM_PERM, hashvalues=T.minhash(sh))
        if any(T.jaccard(sh, shingles[c]) >= 0.3 for c in lsh.query(mh)):
            continue
        lsh.insert(r["id"], mh)
        shingles[r["id"]] = sh
        seen_cp |= cps
        kept.append(r)
    return kept


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pool", type=Path, help="/work/shared/data: rebuild the text pool first")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "datasets")
    args = ap.parse_args()
    if args.pool:
        pool = build_pool(args.pool)
        POOL_PATH.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pool))
        print(f"pool: {len(pool)} texts -> {POOL_PATH}")
    for name, spec in {
        "analysis_tune_a": StreamSpec(seed=101),
        "analysis_quiet_a": StreamSpec(seed=102, planted=False),
        "analysis_dev_b": StreamSpec(seed=201),
        "analysis_quiet_b": StreamSpec(seed=202, planted=False),
    }.items():
        cases, expected = generate(spec)
        write_stream(args.out / f"{name}.jsonl", cases, expected)
        print(f"{name}: {len(cases)} cases, {len(expected)} planted alerts")


if __name__ == "__main__":
    main()
