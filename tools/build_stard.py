"""STARD lay questions as a statute-retrieval suite, and the doc2query expansions learned from its train split.

    python tools/build_stard.py /work/shared/data/stard          # writes the files below
    python tools/build_stard.py /work/shared/data/stard --check  # fails if a committed file is stale

Writes (deterministic; byte-identical on rebuild):

* ``eval/datasets/stard_dev.jsonl`` — ``query_id % 5 == 0`` (the dev split: report only, never tune)
* ``eval/datasets/stard_train.jsonl`` — the rest
* ``data/library/stard_expansions.jsonl`` — per cited (law, article): the **train** questions that cite it;
  the index appends them to that article's BM25 text (doc2query with real questions). Dev questions are
  never in it.

Each suite line: ``{"id": "stard:<query_id>", "query", "expected": {"citations": [{"law", "article"}]},
"filters": {"kind": "statute"}, "source"}``. Citations are parsed from STARD's ``match_name``
(``中华人民共和国民法典第五十四条`` -> 民法典, 54). Source: oneal2000/STARD @ bae10e1, MIT.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from ingest.records import normalize_law_name
from ingest.statute import cn_to_int
from ingest.store import atomic_write

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "oneal2000/STARD@bae10e1"
_CITE = re.compile(
    r"^(?P<law>.+?)第(?P<num>[零〇一二两三四五六七八九十百千万\d]+)条(?:之[一二三四五六七八九十]+)?$"
)


def is_dev(query_id: int) -> bool:
    return query_id % 5 == 0


def parse_citation(name: str) -> tuple[str, int] | None:
    m = _CITE.match(name.strip())
    if not m:
        return None
    try:
        return normalize_law_name(m.group("law")), cn_to_int(m.group("num"))
    except ValueError:
        return None


def build(stard_dir: Path) -> dict[Path, bytes]:
    rows = json.loads((stard_dir / "queries.json").read_text(encoding="utf-8"))
    splits: dict[str, list[str]] = {"dev": [], "train": []}
    expansions: dict[tuple[str, int], list[str]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: int(r["query_id"])):
        qid = int(row["query_id"])
        cites = [c for c in (parse_citation(n) for n in row.get("match_name") or []) if c]
        cites = list(dict.fromkeys(cites))
        question = row["问题"].strip()
        if not cites or not question:
            continue
        split = "dev" if is_dev(qid) else "train"
        case = {
            "id": f"stard:{qid}",
            "query": question,
            "expected": {"citations": [{"law": law, "article": art} for law, art in cites]},
            "filters": {"kind": "statute"},
            "source": f"{SOURCE}:data/queries.json#{qid}",
        }
        splits[split].append(json.dumps(case, ensure_ascii=False) + "\n")
        if split == "train":
            for key in cites:
                expansions[key].append(question)
    exp_lines = [
        json.dumps({"law": law, "article": art, "questions": qs}, ensure_ascii=False) + "\n"
        for (law, art), qs in sorted(expansions.items())
    ]
    return {
        ROOT / "eval/datasets/stard_dev.jsonl": "".join(splits["dev"]).encode(),
        ROOT / "eval/datasets/stard_train.jsonl": "".join(splits["train"]).encode(),
        ROOT / "data/library/stard_expansions.jsonl": "".join(exp_lines).encode(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("stard", type=Path, help="folder with STARD's queries.json")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    stale = []
    for path, content in build(args.stard).items():
        if args.check:
            if not path.exists() or path.read_bytes() != content:
                stale.append(str(path))
        else:
            atomic_write(path, content)
        print(f"{path.relative_to(ROOT)}: {len(content.splitlines())} lines")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
