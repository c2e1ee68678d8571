"""What the index is built from: the shipped corpus files, the in-force state for the configured date, and
the statute expansions learned from the STARD train questions.

``retrieval.corpus = library`` (default) reads ``data/library/national.jsonl.gz`` and ``local.jsonl.gz``
(the whole LawRefBook collection, built by ``tools/build_library.py``) plus ``data/corpus/cases.jsonl``;
``demo`` reads ``data/corpus/*.jsonl`` only (33 laws, what the test profile uses). Library records get
``in_force``/``superseded`` for ``retrieval.as_of`` (default: today) by :func:`ingest.library.apply_as_of`.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from brain.errors import IndexError_
from brain.settings import Settings
from brain.types import Document, normalize_law_name
from ingest.library import apply_as_of

LIBRARY_FILES = ("national.jsonl.gz", "local.jsonl.gz")
EXPANSIONS = "stard_expansions.jsonl"  # data/library/: {"law", "article", "questions": [...]} per line
LOCAL_LEVEL = "地方性法规"


def as_of_date(settings: Settings) -> date:
    return settings.retrieval.as_of or date.today()


def corpus_files(settings: Settings) -> list[Path]:
    corpus_dir = settings.data_dir / "corpus"
    if settings.retrieval.corpus == "demo":
        return sorted(corpus_dir.glob("*.jsonl"))
    library = settings.data_dir / "library"
    return [corpus_dir / "cases.jsonl", *(library / name for name in LIBRARY_FILES)]


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from enumerate(f, start=1)


def load_corpus(settings: Settings) -> list[Document]:
    """Every shipped record, with in-force state for the configured date. A bad line names file and line."""
    docs: dict[str, Document] = {}
    for path in corpus_files(settings):
        if not path.exists():
            raise IndexError_(
                "语料文件不存在",
                where=str(path),
                hint="运行 python tools/build_library.py 生成法规库，或把 retrieval.corpus 设为 demo",
            )
        for lineno, line in _lines(path):
            if not line.strip():
                continue
            try:
                doc = Document.model_validate_json(line)
            except ValueError as e:
                raise IndexError_(
                    f"语料文件第 {lineno} 行无法解析：{e}",
                    where=str(path),
                    hint="修正该行（每行一个 Document JSON）后重建索引",
                ) from e
            docs[doc.id] = doc
    out = list(docs.values())
    apply_as_of(out, as_of_date(settings))
    return out


def load_expansions(settings: Settings) -> dict[tuple[str, int], list[str]]:
    """(law, article) -> train questions that cite it; empty when switched off or not shipped."""
    path = settings.data_dir / "library" / EXPANSIONS
    if not settings.retrieval.expansions or not path.exists():
        return {}
    out: dict[tuple[str, int], list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                out[(normalize_law_name(row["law"]), int(row["article"]))] = list(row["questions"])
    return out


def expansions_fingerprint(settings: Settings) -> str | None:
    import hashlib

    path = settings.data_dir / "library" / EXPANSIONS
    if not settings.retrieval.expansions or not path.exists():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


class IndexStats(BaseModel):
    """What ``brain index stats`` prints (of the index being served)."""

    index_version: str | None = None
    as_of: str | None = None
    documents_by_kind: dict[str, int]
    chunks_by_kind: dict[str, int]
    statute_articles: int
    national_articles: int
    local_articles: int
    distinct_laws_by_level: dict[str, int]
    texts_by_level: dict[str, int] = Field(description="texts = law versions")
    national_texts: int
    in_force_articles: int
    not_in_force_articles: int
    superseded_warnings: int
    regions: dict[str, int]


def corpus_stats(documents: list[Document], chunks_by_kind: dict[str, int] | None = None) -> dict[str, Any]:
    """The numbers of :class:`IndexStats`, from the documents."""
    kinds = Counter(d.kind for d in documents)
    statutes = [d for d in documents if d.kind == "statute"]
    national = [d for d in statutes if d.level != LOCAL_LEVEL and d.region is None]
    texts_by_level: dict[str, set[tuple[str, str | None]]] = {}
    for d in statutes:
        texts_by_level.setdefault(d.level or "未分级", set()).add((d.law or "", d.version))
    laws_by_level: dict[str, set[str]] = {}
    for d in statutes:
        laws_by_level.setdefault(d.level or "未分级", set()).add(d.law or "")
    return {
        "documents_by_kind": dict(sorted(kinds.items())),
        "chunks_by_kind": dict(sorted((chunks_by_kind or {}).items())),
        "statute_articles": len(statutes),
        "national_articles": len(national),
        "local_articles": len(statutes) - len(national),
        "distinct_laws_by_level": {k: len(v) for k, v in sorted(laws_by_level.items())},
        "texts_by_level": {k: len(v) for k, v in sorted(texts_by_level.items())},
        "national_texts": len({(d.law, d.version) for d in national}),
        "in_force_articles": sum(1 for d in statutes if d.in_force),
        "not_in_force_articles": sum(1 for d in statutes if not d.in_force),
        "superseded_warnings": sum(1 for d in statutes if d.superseded),
        "regions": dict(sorted(Counter(d.region for d in statutes if d.region).items())),
    }
