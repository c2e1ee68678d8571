"""Build the retrieval **tune** sets: what the query-kind switch (brain/retrieval/querykind.py) was chosen on,
so that no dev set decides it. Deterministic (byte-identical on rerun).

* ``retrieval_statutes_tune.jsonl`` — the statute look-up rule of ``tools/build_retrieval_devsets.py``
  (a 司法解释 article citing 民法典 articles, citations replaced by "民法典相应条文" -> those articles,
  filter law=民法典) applied to the in-force interpretations of the **library** that are not in the dev set
  (neither the same article nor the same query text).
* ``retrieval_cjrc_tune.jsonl`` — CJRC **test** split: the first question about each test judgment excerpt
  in ``data/corpus/cases.jsonl`` -> that judgment. The shipped embedder was trained on CJRC test questions,
  so dense scores here are optimistic: use it to compare fusions that differ elsewhere, not dense weights.

Usage: ``python tools/build_retrieval_tunesets.py [--cjrc-test /work/shared/data/cjrc/test_ground_truth.json]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
from build_retrieval_devsets import _read, _write, interpretation_lookups  # noqa: E402


def statute_tune() -> list[dict[str, Any]]:
    dev = _read(REPO / "eval/datasets/retrieval_statutes_dev.jsonl")
    dev_sources, dev_queries = {d["source"] for d in dev}, {d["query"] for d in dev}
    with gzip.open(REPO / "data/library/national.jsonl.gz", "rt", encoding="utf-8") as f:
        library = [d for d in map(json.loads, f) if d.get("in_force", True)]
    rows = interpretation_lookups(library)
    return [r for r in rows if r["source"] not in dev_sources and r["query"] not in dev_queries]


def cjrc_tune(cjrc_test: Path) -> list[dict[str, Any]]:
    cases = _read(REPO / "data/corpus/cases.jsonl")
    by_text = {c["text"]: c["id"] for c in cases if c["id"].startswith("case:cjrc:test:")}
    rows = []
    for entry in json.loads(cjrc_test.read_text(encoding="utf-8"))["data"]:
        for para in entry["paragraphs"]:
            doc_id = by_text.get(para["context"])
            questions = [qa for qa in para["qas"] if qa.get("question", "").strip()]
            if doc_id and questions:
                qa = questions[0]
                rows.append(
                    {
                        "id": f"cjrc-test-{qa['id']}",
                        "query": qa["question"].strip(),
                        "expected": {"doc_ids": [doc_id]},
                        "source": "CAIL2019 CJRC test",
                    }
                )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cjrc-test", type=Path, default=Path("/work/shared/data/cjrc/test_ground_truth.json"))
    args = ap.parse_args()
    out = REPO / "eval/datasets"
    _write(out / "retrieval_statutes_tune.jsonl", statute_tune())
    _write(out / "retrieval_cjrc_tune.jsonl", cjrc_tune(args.cjrc_test))


if __name__ == "__main__":
    main()
