"""Build the retrieval dev sets in ``eval/datasets/`` from public data (rules documented in
``eval/datasets/README.md``). Deterministic: running it again gives byte-identical files.

* ``retrieval_cjrc_dev.jsonl`` — CJRC **dev** split: the first question asked about each judgment excerpt
  -> that excerpt's document in the corpus (``doc_ids``).
* ``retrieval_statutes_dev.jsonl`` — statute look-ups, two sources:
  (1) each 司法解释 article that cites 民法典 articles by number, with the citation words replaced by
  "民法典相应条文" -> the cited 民法典 articles (filter law=民法典, the interpretation itself being in the
  corpus); (2) each LawRefBook 案例 summary's facts -> the articles the summary cites, where the cited law
  is in the corpus (filter kind=statute).

Usage: ``python tools/build_retrieval_devsets.py [--cjrc-dev FILE]``
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

from ingest.records import normalize_law_name
from ingest.statute import cn_to_int

REPO = Path(__file__).resolve().parents[1]
_NUM = "零〇一二两三四五六七八九十百千万\\d"
_CIVIL_REF = re.compile(
    rf"(?:《)?(?:中华人民共和国)?民法典(?:》)?第([{_NUM}]+)条(?:至第([{_NUM}]+)条)?"
    rf"(?:第[{_NUM}]+款)?(?:第（[{_NUM}]+）项)?(?:[、和及]第([{_NUM}]+)条)*"
)
_ANY_REF = re.compile(rf"《([^》]+)》第([{_NUM}]+)条")
_LABEL = re.compile(rf"^第[{_NUM}]+条(?:之[{_NUM}]+)?\s*")


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cjrc_dev(cjrc_dev: Path, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_text = {c["text"]: c["id"] for c in cases if c["id"].startswith("case:cjrc:dev:")}
    rows = []
    data = json.loads(cjrc_dev.read_text(encoding="utf-8"))["data"]
    for entry in data:
        for para in entry["paragraphs"]:
            doc_id = by_text.get(para["context"])
            questions = [qa for qa in para["qas"] if qa.get("question", "").strip()]
            if doc_id is None or not questions:
                continue
            qa = questions[0]
            rows.append(
                {
                    "id": f"cjrc-dev-{qa['id']}",
                    "query": qa["question"].strip(),
                    "expected": {"doc_ids": [doc_id]},
                    "source": "CAIL2019 CJRC dev",
                }
            )
    return rows


def interpretation_lookups(statutes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    civil = {d["article"] for d in statutes if d["law"] == "民法典"}
    for d in statutes:
        if not d["law"].startswith("最高人民法院") or "民法典" not in d["text"]:
            continue
        cited: list[int] = []
        for m in _CIVIL_REF.finditer(d["text"]):
            first = cn_to_int(m.group(1))
            last = cn_to_int(m.group(2)) if m.group(2) else first
            cited.extend(range(first, last + 1))
            cited.extend(cn_to_int(x) for x in re.findall(rf"[、和及]第([{_NUM}]+)条", m.group(0)))
        cited = sorted({a for a in cited if a in civil})
        if not cited:
            continue
        query = _CIVIL_REF.sub("民法典相应条文", _LABEL.sub("", d["text"])).strip()
        rows.append(
            {
                "id": f"interp-{d['id'].split(':', 1)[1]}",
                "query": query,
                "expected": {"citations": [{"law": "民法典", "article": a} for a in cited]},
                "filters": {"law": "民法典"},
                "source": d["id"],
            }
        )
    return rows


def case_citations(cases: list[dict[str, Any]], statutes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {(normalize_law_name(d["law"]), d["article"]) for d in statutes}
    rows = []
    for c in cases:
        if not c["id"].startswith("case:lawref:") or not c.get("facts"):
            continue
        cited = []
        for law, num in _ANY_REF.findall(c["text"]):
            key = (normalize_law_name(law), cn_to_int(num))
            if key in known and key not in cited:
                cited.append(key)
        if cited:
            rows.append(
                {
                    "id": f"case-{c['id'].split(':', 2)[2]}",
                    "query": c["facts"].strip(),
                    "expected": {"citations": [{"law": law, "article": a} for law, a in cited]},
                    "filters": {"kind": "statute"},
                    "source": c["id"],
                }
            )
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{path.relative_to(REPO)}: {len(rows)} cases")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cjrc-dev", type=Path, default=Path("/work/shared/data/cjrc/dev_ground_truth.json"))
    args = ap.parse_args()
    statutes = _read(REPO / "data/corpus/statutes.jsonl")
    cases = _read(REPO / "data/corpus/cases.jsonl")
    out = REPO / "eval/datasets"
    _write(out / "retrieval_cjrc_dev.jsonl", cjrc_dev(args.cjrc_dev, cases))
    _write(
        out / "retrieval_statutes_dev.jsonl",
        interpretation_lookups(statutes) + case_citations(cases, statutes),
    )


if __name__ == "__main__":
    main()
