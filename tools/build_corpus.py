"""Build the demo corpus (data/corpus/statutes.jsonl, data/corpus/cases.jsonl) from the public data folder.

Developer script, run by hand when the sources change; its output is committed and the project never reads
the source folder at run time::

    python tools/build_corpus.py /work/shared/data            # writes data/corpus/*.jsonl
    python tools/build_corpus.py /work/shared/data --check    # rebuilds in memory, fails if files differ

Output is deterministic (sorted inputs, no timestamps), so a rebuild with unchanged sources gives
byte-identical files and ``--check`` can guard the committed copy. Provenance, the status table and counts
are documented in data/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from ingest.records import Document, normalize_law_name
from ingest.statute import IN_FORCE_CLAUSE_RE, article_label, find_articles
from ingest.store import atomic_write

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "corpus"
LAWS_SOURCE = "LawRefBook/Laws@2f4c5c2"
CJRC_SOURCE = "CAIL2019/CJRC@010ebce"
TODAY = date(2026, 11, 22)  # the status table below was checked against this date

# Texts in the source folder that a newer version has replaced (checked by hand; see data/README.md).
# Everything else is in force as of TODAY. law name -> reason shown in data/README.md.
SUPERSEDED: dict[str, str] = {
    "治安管理处罚法": "本文本为2012年修正本；2025年6月27日修订通过的新法自2026年1月1日起施行，条文序号已变",
    "仲裁法": "本文本为2017年修正本；2025年9月12日修订通过的新法自2026年3月1日起施行",
}

_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_FILE_DATE_RE = re.compile(r"\((\d{4})-(\d{2})-(\d{2})\)\.md$")


def _split_header(text: str) -> tuple[str, str]:
    """LawRefBook files put title and dates before an ``<!-- INFO END -->`` marker."""
    head, sep, body = text.partition("<!-- INFO END -->")
    return (head, body) if sep else ("", text)


def _to_date(m: re.Match[str]) -> date:
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _effective_date(path: Path, header: str, body: str) -> date | None:
    """Date from which this text applies.

    Order: a '…施行' line in the header; for a never-amended text, its own '本法自…起施行' article; otherwise
    the date in the file name, which LawRefBook sets to the latest amendment's adoption date.
    """
    for line in header.splitlines():
        if "施行" in line and (m := _DATE_RE.search(line)):
            return _to_date(m)
    # Amended if the header records a 修正/修订, or more than one adoption (司法解释 amended in 2020 list
    # their 2009 and 2020 审判委员会 meetings as two 通过 lines).
    amended = any(k in header for k in ("修正", "修订", "修改")) or header.count("通过") > 1
    if not amended and (m := IN_FORCE_CLAUSE_RE.search(body)):
        return _to_date(m)
    if m := _FILE_DATE_RE.search(path.name):
        return _to_date(m)
    return None


def _law_name(header: str, path: Path) -> str:
    """Short name for laws (中华人民共和国 dropped), the full title for 司法解释 and regulations."""
    title = next((ln[2:].strip() for ln in header.splitlines() if ln.startswith("# ")), path.stem)
    return normalize_law_name(title)


def _norm_lines(text: str) -> str:
    """Collapse blank lines and trailing spaces; keep one paragraph per line."""
    return "\n".join(ln.strip() for ln in text.splitlines() if ln.strip())


def build_statutes(laws_dir: Path) -> list[Document]:
    files = sorted(p for p in laws_dir.rglob("*.md") if "案例" not in p.relative_to(laws_dir).parts)
    civil_code_date: date | None = None
    for p in files:  # the 婚姻家庭编 file lacks its 施行 line; the code takes effect as one
        if p.parent.name == "民法典":
            header, body = _split_header(p.read_text(encoding="utf-8"))
            civil_code_date = civil_code_date or _effective_date(p, header, body)

    docs: list[Document] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        header, body = _split_header(text)
        offset = len(text) - len(body)
        law = _law_name(header, path)
        is_civil_code = path.parent.name == "民法典"
        part = None
        if is_civil_code:
            titles = [ln[2:].strip() for ln in header.splitlines() if ln.startswith("# ")]
            part = titles[1] if len(titles) > 1 else None
        eff = civil_code_date if is_civil_code else _effective_date(path, header, body)
        in_force = law not in SUPERSEDED and (eff is None or eff <= TODAY)
        for art in find_articles(text[offset:], part=part):
            label = article_label(art.number, art.suffix)
            key = f"{art.number}" if art.suffix is None else f"{art.number}-{art.suffix}"
            docs.append(
                Document(
                    id=f"statute:{law}:{key}",
                    kind="statute",
                    title=f"《{law}》{label}",
                    text=_norm_lines(body[art.start : art.end]),
                    law=law,
                    article=art.number,
                    article_suffix=art.suffix,
                    part=art.part,
                    chapter=art.chapter,
                    section=art.section,
                    effective_date=eff,
                    in_force=in_force,
                    source=f"{LAWS_SOURCE}:{path.relative_to(laws_dir).as_posix()}",
                )
            )
    # Laws in file order; within a law by article, so the 民法典's 编 files read 1..1260.
    law_rank = {law: i for i, law in reversed(list(enumerate(d.law for d in docs)))}
    return sorted(docs, key=lambda d: (law_rank[d.law], d.article or 0, d.article_suffix or 0))


# ----------------------------------------------------------------------------------------------- cases

_FACT_SECTIONS = ("基本案情", "简要案情", "案情回顾")
_OUTCOME_SECTIONS = ("裁判结果", "处理结果", "法院裁判")
_RULING_SECTIONS = ("裁判要旨", "裁判要点")

# 案由 from words in the case name, most specific first. Names follow the court's 案由 wording
# (民事案件案由规定); headline-style titles are covered by the topic words at the end.
_CAUSE_RULES: tuple[tuple[str, str], ...] = (
    ("网络信息购物合同", "信息网络买卖合同纠纷"),
    ("信息网络买卖合同", "信息网络买卖合同纠纷"),
    ("网络购物合同", "信息网络买卖合同纠纷"),
    ("房屋买卖合同", "房屋买卖合同纠纷"),
    ("买卖合同", "买卖合同纠纷"),
    ("网络服务合同", "网络服务合同纠纷"),
    ("医疗服务合同", "医疗服务合同纠纷"),
    ("服务合同", "服务合同纠纷"),
    ("承揽合同", "承揽合同纠纷"),
    ("金融借款合同", "金融借款合同纠纷"),
    ("农村土地承包合同", "农村土地承包合同纠纷"),
    ("法定继承", "法定继承纠纷"),
    ("婚姻家庭", "婚姻家庭纠纷"),
    ("名誉权", "名誉权纠纷"),
    ("财产损害赔偿", "财产损害赔偿纠纷"),
    ("网络侵权责任", "网络侵权责任纠纷"),
    ("侵权责任", "侵权责任纠纷"),
    ("捆绑交易", "捆绑交易纠纷"),
    ("合同纠纷", "合同纠纷"),
    ("遗嘱", "遗嘱继承纠纷"),
    ("撤销婚姻", "撤销婚姻纠纷"),
    ("搭乘", "机动车交通事故责任纠纷"),
    ("体育活动", "生命权、身体权、健康权纠纷"),
    ("外挂", "网络服务合同纠纷"),
    ("加班费", "追索劳动报酬纠纷"),
    ("工伤", "劳务派遣工作人员侵权责任纠纷"),
    ("解除劳动合同", "劳动合同纠纷"),
)
_CATEGORY_CAUSE = {"劳动人事": "劳动争议", "行政协议诉讼": "行政协议纠纷"}


def derive_cause(names: Iterable[str], category: str) -> str:
    """Pick a 案由 for a case summary: administrative cases are 行政协议纠纷; otherwise the first rule that
    matches the case name or headline; otherwise the category default."""
    names = list(names)
    if category == "行政协议诉讼":
        return _CATEGORY_CAUSE[category]
    for word, cause in _CAUSE_RULES:
        if any(word in n for n in names):
            return cause
    return _CATEGORY_CAUSE.get(category, "民事纠纷")


def _sections(body: str) -> tuple[list[str], dict[str, str]]:
    """'## 标题' sections in order -> (H2 headings that are not known section names, {section: text})."""
    loose: list[str] = []
    sections: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    for line in [*body.splitlines(), "## "]:
        if line.startswith("## "):
            if current is not None:
                sections[current] = _norm_lines("\n".join(buf))
            current, buf = line[3:].strip().strip("\u3000"), []
            if (
                current
                and not any(
                    current.startswith(k) for k in _FACT_SECTIONS + _OUTCOME_SECTIONS + _RULING_SECTIONS
                )
                and re.search(r"(诉|与|申请执行).+案", current)
            ):
                loose.append(current)
        else:
            buf.append(line)
    return loose, sections


def build_lawref_cases(cases_dir: Path) -> list[Document]:
    docs: list[Document] = []
    for category_dir in sorted(p for p in cases_dir.iterdir() if p.is_dir()):
        category = category_dir.name
        for n, path in enumerate(sorted(category_dir.glob("*.md")), start=1):
            header, body = _split_header(path.read_text(encoding="utf-8"))
            headline = next((ln[2:].strip() for ln in header.splitlines() if ln.startswith("# ")), path.stem)
            case_names, sections = _sections(body)
            case_name = case_names[0] if case_names else None
            facts = next((sections[k] for k in _FACT_SECTIONS if sections.get(k)), None)
            outcome = next((sections[k] for k in _OUTCOME_SECTIONS if sections.get(k)), None)
            if outcome is None and "案情回顾" in sections:
                # News-style summaries end the story with the judgment.
                last = sections["案情回顾"].splitlines()[-1]
                outcome = last if re.search(r"判|驳回|法院", last) else None
            if outcome is None:
                outcome = next((sections[k] for k in _RULING_SECTIONS if sections.get(k)), None)
            parts = [headline] + ([case_name] if case_name and case_name != headline else [])
            parts += [f"【{k}】\n{v}" for k, v in sections.items() if v and k not in case_names]
            title = case_name or headline
            docs.append(
                Document(
                    id=f"case:lawref:{category}-{n}",
                    kind="case",
                    title=title,
                    text="\n".join(parts),
                    cause=derive_cause([title, headline, path.stem], category),
                    facts=facts,
                    outcome=outcome,
                    source=f"{LAWS_SOURCE}:{path.relative_to(cases_dir.parent).as_posix()}",
                )
            )
    return docs


def redact_names(text: str) -> str:
    """Personal names (and any other personal data brain.privacy finds) -> numbered placeholders."""
    from brain.privacy import redact

    return redact(text).text


def build_cjrc_cases(cjrc_dir: Path) -> list[Document]:
    """Civil judgment excerpts (案由 labelled). Criminal ones are left out: their label is a 罪名, not a civil
    案由, and the brain's cases are civil disputes. ``caseid`` from the data keeps ids stable."""
    docs: list[Document] = []
    for split in ("dev", "test"):
        data = json.loads((cjrc_dir / f"{split}_ground_truth.json").read_text(encoding="utf-8"))["data"]
        for rec in sorted(data, key=lambda r: int(r["caseid"])):
            para = rec["paragraphs"][0]
            cause = (para.get("casename") or "").strip()
            if rec.get("domain") != "civil" or not cause:
                continue
            # Real names that slipped through the dataset's own anonymisation (曹0, 张x1 are already
            # pseudonyms) are replaced with 〔姓名N〕 before anything can display them.
            context = redact_names(para["context"].strip())
            docs.append(
                Document(
                    id=f"case:cjrc:{split}:{rec['caseid']}",
                    kind="case",
                    title=f"{cause}（CJRC {split} #{rec['caseid']}）",
                    text=context,
                    cause=cause,
                    facts=context,
                    source=f"cjrc/{split}",
                )
            )
    return docs


def _jsonl(docs: Iterable[Document]) -> Iterator[str]:
    for d in docs:
        yield json.dumps(d.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"


def build(shared_data: Path) -> dict[str, list[Document]]:
    laws = shared_data / "laws"
    statutes = build_statutes(laws)
    cases = build_lawref_cases(laws / "案例") + build_cjrc_cases(shared_data / "cjrc")
    for name, docs in (("statutes", statutes), ("cases", cases)):
        dupes = sorted(i for i, n in Counter(d.id for d in docs).items() if n > 1)
        if dupes:
            raise SystemExit(f"{name}: duplicate ids {dupes[:5]}")
    return {"statutes": statutes, "cases": cases}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared_data", type=Path, help="the public data folder (contains laws/ and cjrc/)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args(argv)

    corpus = build(args.shared_data)
    stale = []
    for name, docs in corpus.items():
        content = "".join(_jsonl(docs))
        target = args.out / f"{name}.jsonl"
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != content:
                stale.append(str(target))
        else:
            atomic_write(target, content.encode("utf-8"))
        print(f"{name}: {len(docs)} records -> {target}")
    for law, n in Counter(d.law or "" for d in corpus["statutes"]).items():
        print(f"  {law}: {n}")
    for src, n in Counter((d.source or "").split(":")[0].split("@")[0] for d in corpus["cases"]).items():
        print(f"  {src}: {n}")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
