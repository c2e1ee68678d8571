"""The national law library: parsing LawRefBook's collection into article records, and deciding, for an
"as of" date, which version of each text is in force.

Parsing (used by ``tools/build_library.py``, which writes ``data/library/*.jsonl.gz``): every text of the
collection's ``db.sqlite3`` (level, publish date, ``valid_from``, ``expired``) is matched to its Markdown file
``<category folder>/<name>(<publish>).md`` and cut into articles with :func:`ingest.statute.find_articles`.
A file that cannot be read or parsed becomes a :class:`ParseIssue` naming file and line; the rest is built.

In force (used at index time by the retrieval service): :func:`apply_as_of` sets ``in_force`` and
``superseded`` on every record from the dates, the ``expired`` flag and :data:`KNOWN_REVISIONS` (revisions
adopted after the collection's snapshot), so nothing is hand-listed per article and the answer follows the
configured date.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ingest.records import Document, normalize_law_name
from ingest.statute import article_label, find_articles

SNAPSHOT = date(2025, 4, 19)  # LawRefBook/Laws @ 2f4c5c2: nothing adopted after this day is in it
LEVELS = ("宪法", "法律", "行政法规", "司法解释", "部门规章", "地方性法规")


@dataclass(frozen=True)
class Revision:
    adopted: date
    in_force_from: date
    kind: str  # 修订 (whole text replaced, articles renumbered) or 修正 (some articles changed)


# Revisions adopted after SNAPSHOT, so their text is missing from the collection. Checked by hand against
# 国家法律法规数据库 (flk.npc.gov.cn); add a row when a law the centres use is revised.
KNOWN_REVISIONS: dict[str, Revision] = {
    "治安管理处罚法": Revision(date(2025, 6, 27), date(2026, 1, 1), "修订"),
    "仲裁法": Revision(date(2025, 9, 12), date(2026, 3, 1), "修订"),
    "反不正当竞争法": Revision(date(2025, 6, 27), date(2025, 10, 15), "修订"),
}

_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ParseIssue:
    """A problem in one source file: ``line`` is 1-based (0 when it concerns the whole file)."""

    file: str
    line: int
    message: str
    fatal: bool  # True: the file contributed nothing

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class LibraryBuild:
    documents: list[Document] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
    texts: int = 0  # distinct texts (one per file/version) that gave at least one record


def _iso(value: str | None) -> date | None:
    if value and _ISO_RE.match(value.strip()):
        y, m, d = (int(x) for x in value.strip().split("-"))
        try:
            return date(y, m, d)
        except ValueError:
            return None
    return None


def _header_in_force(header: str) -> date | None:
    for line in header.splitlines():
        if "施行" in line and (m := _DATE_RE.search(line)):
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


def _norm_lines(text: str) -> str:
    return "\n".join(ln.strip() for ln in text.splitlines() if ln.strip())


@dataclass(frozen=True)
class _Entry:
    level: str
    name: str
    path: Path
    rel: str
    publish: date | None
    valid_from: date | None
    expired: bool
    region: str | None


def _entries(root: Path, db: Path, region: str | None, issues: list[ParseIssue]) -> list[_Entry]:
    """The texts ``db`` lists, each matched to ``<root>/<category folder>/<name>(<publish>).md``."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        folders = {r[0]: r[1] for r in con.execute("select id, folder from category")}
        rows = con.execute(
            "select level, name, filename, publish, valid_from, expired, category_id from law "
            "order by name, publish"
        ).fetchall()
    finally:
        con.close()
    entries = []
    for level, name, filename, publish, valid_from, expired, category in rows:
        if level in ("案例", "其他"):
            continue
        folder = root / folders.get(category, "")
        base = filename or name
        names = (f"{base}({publish}).md", f"{base}.md")
        path = next((p for n in names if (p := folder / n).is_file()), None)
        if path is None:  # filed under another category folder than the database says
            path = next((p for n in names for p in sorted(root.glob(f"*/{n}")) if p.is_file()), None)
        if path is None:
            issues.append(ParseIssue(db.name, 0, f"数据库记录《{name}》（{publish}）找不到对应文件", True))
            continue
        entries.append(
            _Entry(
                level=level,
                name=name,
                path=path,
                rel=path.relative_to(root).as_posix(),
                publish=_iso(publish),
                valid_from=_iso(valid_from),
                expired=bool(expired),
                region=region,
            )
        )
    return entries


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _read(path: Path, rel: str, issues: list[ParseIssue]) -> str | None:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        issues.append(ParseIssue(rel, line, f"不是有效的 UTF-8 文本（第 {e.start} 字节）：{e.reason}", True))
        return None


def _parse_text(entry: _Entry, law: str, part: str | None, issues: list[ParseIssue]) -> list[Document]:
    """One file -> its article records (without ids: the caller numbers versions). Issues name file+line."""
    text = _read(entry.path, entry.rel, issues)
    if text is None:
        return []
    head, sep, _ = text.partition("<!-- INFO END -->")
    header = head if sep else ""
    offset = len(head) + len(sep) if sep else 0
    body = text[offset:]
    effective = entry.valid_from or _header_in_force(header) or entry.publish
    common = {
        "kind": "statute",
        "law": law,
        "level": entry.level,
        "region": entry.region,
        "publish_date": entry.publish,
        "effective_date": effective,
        "version": entry.publish.isoformat() if entry.publish else None,
        "expired": entry.expired,
        "source": f"LawRefBook/Laws@2f4c5c2:{entry.rel}",
    }
    try:
        articles = find_articles(body, part=part)
    except ValueError as e:  # a heading whose number is not a numeral
        issues.append(ParseIssue(entry.rel, 0, f"条文编号无法解析：{e}", True))
        return []
    if not articles:
        content = _norm_lines("\n".join(ln for ln in body.splitlines() if not ln.lstrip().startswith("#")))
        if not content:
            issues.append(ParseIssue(entry.rel, _line_of(text, offset), "只有标题，没有正文", True))
            return []
        issues.append(ParseIssue(entry.rel, _line_of(text, offset), "未找到“第X条”，全文作为一条记录", False))
        return [Document(id="", title=f"《{law}》", text=content, **common)]  # type: ignore[arg-type]
    docs = []
    for art in articles:
        body_text = _norm_lines(body[art.start : art.end])
        line = _line_of(text, offset + art.start)
        if len(body_text) <= len(art.label):
            issues.append(ParseIssue(entry.rel, line, f"{art.label}没有条文内容", False))
        docs.append(
            Document(
                id=f"{line}",  # provisional: the source line, for duplicate reports
                title=f"《{law}》{article_label(art.number, art.suffix)}",
                text=body_text,
                article=art.number,
                article_suffix=art.suffix,
                part=art.part,
                chapter=art.chapter,
                section=art.section,
                **common,  # type: ignore[arg-type]
            )
        )
    return docs


def _law_of(entry: _Entry) -> tuple[str, str | None]:
    """(law name as people cite it, 编 for the civil code's per-编 files)."""
    if entry.rel.startswith("民法典/"):
        return "民法典", entry.path.stem
    return normalize_law_name(entry.name), None


def build_library(root: Path) -> LibraryBuild:
    """Parse the whole collection under ``root`` (LawRefBook's repository layout): national texts from
    ``db.sqlite3``, local regulations from ``DLC/<省>地方法规/db.sqlite3`` with ``region`` = the province."""
    out = LibraryBuild()
    entries = _entries(root, root / "db.sqlite3", None, out.issues)
    for db in sorted((root / "DLC").glob("*/db.sqlite3")):
        region = db.parent.name.removesuffix("地方法规")
        entries += _entries(db.parent, db, region, out.issues)
    # Group the files of one law version (the civil code is eight files, one version).
    versions: dict[tuple[str, str | None], dict[str, list[Document]]] = defaultdict(dict)
    for entry in sorted(entries, key=lambda e: (e.region or "", e.rel)):
        law, part = _law_of(entry)
        docs = _parse_text(entry, law, part, out.issues)
        if not docs:
            continue
        if law == "民法典":  # the 编 files carry no dates of their own
            for d in docs:
                d.publish_date, d.effective_date, d.version = (
                    date(2020, 5, 28),
                    date(2021, 1, 1),
                    "2020-05-28",
                )
        key = docs[0].version or "undated"
        versions[(law, entry.region)].setdefault(key, []).extend((entry.rel, d) for d in docs)  # type: ignore[misc]
    for (law, _region), by_version in sorted(versions.items(), key=lambda kv: (kv[0][1] or "", kv[0][0])):
        latest = max(by_version)
        for ver in sorted(by_version):
            out.texts += 1
            prefix = f"statute:{law}" if ver == latest else f"statute:{law}@{ver}"
            seen: dict[tuple[int | None, int | None], str] = {}
            dupes: Counter[str] = Counter()
            rows: list[tuple[str, Document]] = by_version[ver]  # type: ignore[assignment]
            rows.sort(key=lambda rd: (rd[1].article or 0, rd[1].article_suffix or 0, int(rd[1].id or 0)))
            for rel, d in rows:
                line = d.id
                key2 = (d.article, d.article_suffix)
                base = prefix if d.article is None else f"{prefix}:{d.article}"
                if d.article_suffix is not None:
                    base += f"-{d.article_suffix}"
                if key2 in seen and d.article is not None:
                    dupes[base] += 1
                    n = dupes[base] + 1
                    msg = f"{d.title}在同一版本中重复出现（首次见第 {seen[key2]} 行），另存为 {base}~{n}"
                    out.issues.append(ParseIssue(rel, int(line or 0), msg, False))
                    base = f"{base}~{n}"
                else:
                    seen[key2] = line
                d.id = base
                if ver != latest and d.article is not None:  # an older text says which one it is
                    d.title = f"《{law}》（{ver}版）{article_label(d.article, d.article_suffix)}"
                out.documents.append(d)
    return out


def apply_as_of(docs: list[Document], as_of: date) -> Counter[str]:
    """Set ``in_force`` and ``superseded`` of library records for the day ``as_of``; returns counts.

    A version is in force when it is not marked expired, has taken effect (``effective_date`` ≤ as_of), no
    later version of the same law (same region) has taken effect, and no revision in
    :data:`KNOWN_REVISIONS` replaced it by that day. Records without a version (demo corpus, ingested
    files) are left alone.
    """
    effective: dict[tuple[str, str | None, str], date | None] = {}
    for d in docs:
        if d.kind == "statute" and d.law and d.version:
            effective.setdefault((d.law, d.region, d.version), d.effective_date)
    by_law: dict[tuple[str, str | None], list[tuple[str, date | None]]] = defaultdict(list)
    for (law, region, ver), eff in effective.items():
        by_law[(law, region)].append((ver, eff))
    current: dict[tuple[str, str | None], str | None] = {}
    for key, vers in by_law.items():
        started = [v for v, eff in sorted(vers) if eff is None or eff <= as_of]
        current[key] = started[-1] if started else None
    counts: Counter[str] = Counter()
    for d in docs:
        if d.kind != "statute" or not d.law or not d.version:
            continue
        key = (d.law, d.region)
        cur = current.get(key)
        note = None
        in_force = not d.expired and cur == d.version
        if d.expired:
            note = "该文本已失效"
        elif cur is None:
            note = f"该文本自{d.effective_date}起施行，截至{as_of}尚未生效"
        elif cur != d.version:
            note = f"该文本（{d.version}版）已被{cur}版取代"
        rev = KNOWN_REVISIONS.get(d.law) if d.region is None else None
        if rev and in_force and d.publish_date and d.publish_date < rev.adopted:
            if rev.in_force_from <= as_of:
                in_force = rev.kind != "修订"
                note = (
                    f"本库文本为{d.version}版；该法已于{rev.adopted}{rev.kind}，新文本自{rev.in_force_from}起施行，"
                    "此处条文可能已被取代，请以国家法律法规数据库现行文本为准"
                )
            else:
                note = f"该法已于{rev.adopted}{rev.kind}，新文本将自{rev.in_force_from}起施行"
        d.in_force = in_force
        d.superseded = note
        counts["in_force" if in_force else "not_in_force"] += 1
    return counts


def iter_jsonl_gz(path: Path) -> Iterator[Document]:
    """Records of a shipped library file (gzip-compressed JSON lines, one Document each)."""
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield Document.model_validate_json(line)
