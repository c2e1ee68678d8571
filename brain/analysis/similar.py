"""Text-level detectors: 苗头 (emerging: a burst of near duplicates and paraphrases from different people)
and 重复投诉 (duplicate: the same matter again from the same person, on any channel).

Candidates come from MinHash LSH over character 3-grams (datasketch) of the redacted text, for
paraphrases that share few n-grams from the project's embedder (cosine over the recent window), and for a
matter people reword in their own words from an inverted index of the window's jieba words. A pair is
*similar* when the exact Jaccard of the shingles is ≥ ``jaccard_min``, or the cosine is ≥ ``cosine_min``
with at least ``cosine_jaccard_floor`` Jaccard (the static embedder alone rates any two complaints on one
topic close), or — two cases of one named town — the IDF-weighted Jaccard of their content words
(counterparty names left out; IDF over the window) is ≥ ``word_jaccard_min`` with cosine ≥
``word_cosine_floor`` (河滨路的路灯坏了 told six ways: 3-gram Jaccard 0.01-0.07, word overlap 0.15-0.28). Similar cases of different people form clusters (union-find); a cluster with at least
``emerging_min_people`` different complainants within ``emerging_window_days`` is an emerging issue. A
similar earlier case of the same person (or, with no party given, of the same village at a higher Jaccard)
makes the new case a duplicate, linked to the first case and not counted again in statistics.

The index holds the recent ``text_window_days`` only and is rebuilt from the store on start.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from brain.analysis import text as T
from brain.analysis.alerting import AnalysisParams

Encoder = Callable[[list[str]], np.ndarray]
WORD_PROBES = 8  # the rarest words of a new text that look for candidates
WORD_POSTING_CAP = 200  # a word more cases of the window have than this finds no candidates


@dataclass
class Entry:
    case_id: str
    at: datetime
    county: str
    town: str
    village: str
    person: str | None
    shingles: set[str]
    vector: np.ndarray | None
    words: frozenset[str] = frozenset()


@dataclass
class Match:
    other: Entry
    jaccard: float
    cosine: float
    word_jaccard: float = 0.0


@dataclass
class TextIndex:
    params: AnalysisParams
    encode: Encoder | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    order: deque[str] = field(default_factory=deque)
    parent: dict[str, str] = field(default_factory=dict)
    clusters: dict[str, list[str]] = field(default_factory=dict)
    postings: dict[str, set[str]] = field(default_factory=dict)  # word -> cases in the window

    def __post_init__(self) -> None:
        from datasketch import MinHashLSH

        self.lsh = MinHashLSH(threshold=self.params.lsh_threshold, num_perm=T.NUM_PERM)
        self._ids: list[str] = []
        self._buf = np.zeros((0, 1), dtype=np.float32)
        self._n = 0  # rows of _buf in use; rows of pruned cases stay until the next compaction

    # ------------------------------------------------------------------ union-find over clusters
    def find(self, x: str) -> str:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> str:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        first, second = sorted(
            (ra, rb), key=lambda r: (self.entries[r].at, r) if r in self.entries else (datetime.min, r)
        )
        self.parent[second] = first
        self.clusters.setdefault(first, [first]).extend(self.clusters.pop(second, [second]))
        return first

    def members(self, root: str) -> list[Entry]:
        ids = self.clusters.get(root, [root])
        return sorted((self.entries[k] for k in ids if k in self.entries), key=lambda e: e.at)

    # ------------------------------------------------------------------ window
    def _prune(self, now: datetime) -> None:
        horizon = now - timedelta(days=self.params.text_window_days)
        dropped = False
        while self.order and self.entries[self.order[0]].at < horizon:
            cid = self.order.popleft()
            self.lsh.remove(cid)
            gone = self.entries.pop(cid)
            self._unpost(gone)
            members = self.clusters.get(self.find(cid))
            if members and cid in members and len(members) > 1:
                members.remove(cid)
            dropped = True
        if dropped and self._n > 2 * len(self.entries) + 64:
            self._compact()

    def _unpost(self, entry: Entry) -> None:
        for w in entry.words:
            ids = self.postings.get(w)
            if ids is not None:
                ids.discard(entry.case_id)
                if not ids:
                    del self.postings[w]

    def _word_matches(self, words: frozenset[str]) -> dict[str, float]:
        """Cases of the window sharing two of the text's rarest words (one, for a text of a few words), each
        with the IDF-weighted Jaccard of the two word sets (IDF over the window: a word most recent
        complaints use weighs little). Bounded work per case: the ``WORD_PROBES`` rarest words, each
        followed only while at most ``word_rare_share`` of the window (and ``WORD_POSTING_CAP`` cases) has it."""
        n = len(self.entries) + 1
        rare = min(max(2.0, self.params.word_rare_share * n), WORD_POSTING_CAP)
        df = {w: len(self.postings.get(w, ())) for w in words}
        probes = sorted((w for w in words if 0 < df[w] <= rare), key=lambda w: df[w])[:WORD_PROBES]
        hits: dict[str, int] = {}
        for w in probes:
            for cid in self.postings[w]:
                hits[cid] = hits.get(cid, 0) + 1
        need = 1 if len(words) <= 5 else 2
        cache: dict[str, float] = {}

        def idf(w: str) -> float:
            if w not in cache:
                cache[w] = math.log((n + 1) / (len(self.postings.get(w, ())) + 2))
            return cache[w]

        own_total = sum(idf(w) for w in words)
        out = {}
        for cid, k in hits.items():
            if k < need:
                continue
            other = self.entries[cid].words
            inter = sum(idf(w) for w in words & other)
            union = own_total + sum(idf(w) for w in other - words)
            if union > 0:
                out[cid] = inter / union
        return out

    def _compact(self) -> None:
        keep = [i for i, k in enumerate(self._ids) if k in self.entries]
        self._ids = [self._ids[i] for i in keep]
        self._buf = self._buf[keep].copy() if keep else np.zeros((0, 1), dtype=np.float32)
        self._n = len(keep)

    def _append_vector(self, case_id: str, vec: np.ndarray) -> None:
        if self._buf.shape[0] == 0 or self._buf.shape[1] != vec.shape[0]:
            self._buf = np.zeros((1024, vec.shape[0]), dtype=np.float32)
            self._ids, self._n = [], 0
        if self._n == self._buf.shape[0]:
            self._buf = np.concatenate([self._buf, np.zeros_like(self._buf)])
        self._buf[self._n] = vec
        self._ids.append(case_id)
        self._n += 1

    # ------------------------------------------------------------------ add and query
    def add(
        self,
        case_id: str,
        at: datetime,
        text: str,
        *,
        county: str,
        town: str,
        village: str,
        person: str | None,
    ) -> tuple[Entry, list[Match]]:
        """Index one case and return the similar earlier cases in the window."""
        from datasketch import MinHash

        self._prune(at)
        if case_id in self.entries:  # indexed by warm() already (the ledger wrote the row before detection)
            self.lsh.remove(case_id)
            self._unpost(self.entries.pop(case_id))
            self.order.remove(case_id)
        sh = T.shingles(text)
        use_words = self.params.word_jaccard_min > 0
        ws = T.words(text) if use_words and sh else frozenset()
        mh = MinHash(num_perm=T.NUM_PERM, hashvalues=T.minhash(sh))
        vec = None
        if self.encode is not None and sh:
            vec = np.asarray(self.encode([T.normalise(text)[:512]])[0], dtype=np.float32)
        entry = Entry(case_id, at, county, town, village, person, sh, vec, ws)
        cand: dict[str, float] = {c: -1.0 for c in self.lsh.query(mh)}
        by_words = self._word_matches(ws) if ws else {}
        for c in by_words:
            cand.setdefault(c, -1.0)
        if vec is not None and self._n:
            sims = self._buf[: self._n] @ vec
            for i in np.nonzero(sims >= self.params.cosine_min)[0]:
                cand[self._ids[int(i)]] = float(sims[int(i)])
        matches = []
        for cid, cos in cand.items():
            other = self.entries.get(cid)
            if other is None or cid == case_id:
                continue
            jac = T.jaccard(sh, other.shingles)
            if cos < 0 and vec is not None and other.vector is not None:
                cos = float(other.vector @ vec)
            wj = by_words.get(cid, 0.0)
            if (
                jac >= self.params.jaccard_min
                or (cos >= self.params.cosine_min and jac >= self.params.cosine_jaccard_floor)
                or (
                    use_words
                    and wj >= self.params.word_jaccard_min
                    and cos >= self.params.word_cosine_floor
                    and bool(town)
                    and other.town == town  # a matter people reword is a local one: one (named) town
                )
            ):
                matches.append(Match(other, jac, max(cos, 0.0), wj))
        self.entries[case_id] = entry
        for w in ws:
            self.postings.setdefault(w, set()).add(case_id)
        self.order.append(case_id)
        self.lsh.insert(case_id, mh)
        if vec is not None:
            self._append_vector(case_id, vec)
        return entry, sorted(matches, key=lambda m: m.other.at)

    def duplicate_of(self, entry: Entry, matches: list[Match]) -> Match | None:
        """The first earlier case this one duplicates (same person, or no person and same village)."""
        horizon = entry.at - timedelta(days=self.params.duplicate_window_days)
        for m in matches:
            o = m.other
            if o.at < horizon:
                continue
            if entry.person and o.person == entry.person and m.jaccard >= self.params.duplicate_jaccard:
                return m
            anon = not entry.person or not o.person
            same_place = (o.town, o.village) == (entry.town, entry.village)  # 新村 of two towns differ
            if anon and same_place and m.jaccard >= self.params.duplicate_anon_jaccard:
                return m
        return None

    def join_cluster(self, entry: Entry, matches: list[Match]) -> str:
        """Union the new case with its similar cases of *other* people; return the cluster root."""
        root = self.find(entry.case_id)
        for m in matches:
            if entry.person and m.other.person == entry.person:
                continue
            root = self.union(entry.case_id, m.other.case_id)
        return root

    def set_person(self, case_id: str, person: str | None) -> None:
        if case_id in self.entries:
            self.entries[case_id].person = person


def distinct_people(members: list[Entry]) -> int:
    return len({m.person or f"case:{m.case_id}" for m in members})
