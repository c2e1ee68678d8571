"""Chinese text handling for search: jieba tokens for BM25, query expansion, and 【】 highlighting.

The segmenter is rjieba (jieba-rs, the Rust port of jieba with the same dictionary and algorithm). Why
jieba's search mode: it emits both the long word and its parts (噪声污染防治法 -> 噪声, 污染, 防治, ...),
so a query that names only part of a compound still matches. A small legal dictionary keeps statute terms
whole; a hand-curated synonym list maps colloquial words to statute wording (people say 噪音, the law says
噪声). Stop words and punctuation are dropped so that BM25 scores rest on content words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
_init_lock = threading.Lock()
_initialised = False


def _read_lines(name: str) -> list[str]:
    lines = (_HERE / name).read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(_read_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for line in _read_lines("synonyms.txt"):
        word, _, terms = line.partition("\t")
        out[word.strip()] = tuple(terms.split())
    return out


def analyzer_fingerprint() -> str:
    """Identifies how chunks are tokenised for BM25 (jieba version, legal dictionary, stop words): an index
    built with a different analyser must be rebuilt, even when the corpus is unchanged."""
    import hashlib
    from importlib.metadata import version

    h = hashlib.sha256(f"rjieba {version('rjieba')}".encode())
    for name in ("legal_terms.txt", "stopwords.txt", "synonyms.txt"):
        h.update((_HERE / name).read_bytes())
    return h.hexdigest()[:16]


def _jieba() -> Any:
    """The segmenter, initialised once with the legal dictionary.

    rjieba is jieba-rs (the Rust port of jieba: same dictionary, same DAG + HMM algorithm) behind a Python
    module; it segments ~20x faster than the pure-Python jieba, which is what makes index builds of
    thousands of chunks per second possible on two cores.
    """
    global _initialised
    import rjieba

    if not _initialised:
        with _init_lock:
            if not _initialised:
                for word in _read_lines("legal_terms.txt"):
                    rjieba.add_word(word, 20000, None)
                for word in synonyms():
                    rjieba.add_word(word, 2000, None)
                _initialised = True
    return rjieba


_CONTENT = re.compile(r"\w")  # a letter, digit or CJK character; punctuation and symbols have none


def _is_content(token: str) -> bool:
    return _CONTENT.search(token) is not None


def tokenize(text: str) -> list[str]:
    """BM25 tokens of ``text``: jieba search-mode words, lower-cased, without stop words and punctuation."""
    jieba = _jieba()
    stop = stopwords()
    return [t for t in (w.lower() for w in jieba.cut_for_search(text)) if _is_content(t) and t not in stop]


def tokenize_many(texts: Sequence[str], progress: Callable[[int], None] | None = None) -> list[list[str]]:
    """Tokenise a corpus in this process. (A two-process pool was measured slower: pickling the token lists
    back costs more than the Rust segmenter saves.) ``progress(done)`` is called every 5,000 texts."""
    out = []
    for i, t in enumerate(texts):
        out.append(tokenize(t))
        if progress is not None and i % 5000 == 4999:
            progress(i + 1)
    return out


def expand_query(tokens: Iterable[str]) -> list[str]:
    """Add statute wording for colloquial words (噪音 -> 噪声); the original tokens stay."""
    syn = synonyms()
    out: list[str] = []
    for t in tokens:
        out.append(t)
        out.extend(s for s in syn.get(t, ()) if s != t)
    return out


def highlight_terms(query: str) -> list[str]:
    """Terms worth marking in a snippet: the query's words (two characters or more) and their expansions,
    longest first so that 噪声污染 is marked before 噪声."""
    jieba = _jieba()
    stop = stopwords()
    # Precise mode, not search mode: 民法典 must not light up the 民法 inside 人民法院.
    words = [w.lower() for w in jieba.cut(query) if _is_content(w) and w not in stop]
    terms = {t for t in expand_query(words) if len(t) >= 2}
    return sorted(terms, key=len, reverse=True)


@lru_cache(maxsize=256)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One compiled pattern per query's terms (re's own cache is too small for ten snippets per query)."""
    return re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)


def snippet(text: str, terms: Sequence[str], width: int = 160) -> str:
    """A window of ``text`` around the first matched term, with every match wrapped in 【】."""
    if not text:
        return ""
    if not terms:
        return text[:width] + ("…" if len(text) > width else "")
    pattern = _terms_pattern(tuple(terms))
    first = pattern.search(text)
    start = 0
    if first and first.start() > width // 3:
        start = first.start() - width // 3
    end = min(len(text), start + width)
    window = pattern.sub(lambda m: f"【{m.group(0)}】", text[start:end])
    return ("…" if start > 0 else "") + window + ("…" if end < len(text) else "")
