"""Per-chunk columns of an index version, and the boolean row mask a search's filters become.

Strings with few distinct values (law, 案由, region) are stored as integer codes, so a filter costs one
pass over the distinct values plus one vectorised comparison, not a Python loop over 150k chunks.

Local regulations (statutes that carry a region: the library's 地方性法规) take part in a search only when the request filters on their
region, or when the centre's own province is configured (``retrieval.region``): a question in 浙江 must
not be answered with a 山东 regulation, but a 浙江 centre sees 浙江's rules beside the national ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np

from brain.types import Chunk, SearchFilters, SourceKind, normalize_law_name

_KINDS = get_args(SourceKind)


def _codes(values: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    distinct = sorted(set(values))
    index = {v: i for i, v in enumerate(distinct)}
    return np.array([index[v] for v in values], dtype=np.int32), distinct


class Columns:
    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.n = len(chunks)
        self.kind = np.array([_KINDS.index(c.kind) for c in chunks], dtype=np.int8)
        self.law, self._laws = _codes([normalize_law_name(c.law) if c.law else "" for c in chunks])
        self.cause, self._causes = _codes([c.cause or "" for c in chunks])
        self.region, self._regions = _codes([c.region or "" for c in chunks])
        self.in_force = np.array([c.in_force for c in chunks], dtype=bool)
        self.date = np.array(
            [c.effective_date.toordinal() if c.effective_date else 0 for c in chunks], dtype=np.int32
        )
        # Library local regulations are the statutes that carry a region (national texts have none).
        self.local = np.array([c.kind == "statute" and bool(c.region) for c in chunks], dtype=bool)
        self._national_mask: dict[str | None, np.ndarray | None] = {}

    def _match(self, codes: np.ndarray, distinct: list[str], wanted: str, exact: bool) -> np.ndarray:
        hits = [i for i, v in enumerate(distinct) if (v == wanted if exact else wanted in v)]
        return np.isin(codes, np.array(hits, dtype=np.int32)) if hits else np.zeros(self.n, dtype=bool)

    def _default_local(self, home_region: str | None) -> np.ndarray | None:
        """Rows allowed when the request names no region: everything but other provinces' local rules."""
        if home_region not in self._national_mask:
            if not self.local.any():
                mask = None
            else:
                mask = ~self.local
                if home_region:
                    mask = mask | (self.local & self._match(self.region, self._regions, home_region, False))
            self._national_mask[home_region] = mask
        return self._national_mask[home_region]

    def mask(self, f: SearchFilters, home_region: str | None = None) -> np.ndarray | None:
        """Boolean row mask for the filters, or None when every row is allowed."""
        mask: np.ndarray | None = None

        def narrow(m: np.ndarray) -> None:
            nonlocal mask
            mask = m if mask is None else mask & m

        if f.kind:
            narrow(self.kind == _KINDS.index(f.kind))
        if f.law:
            narrow(self._match(self.law, self._laws, normalize_law_name(f.law), True))
        if f.cause:
            narrow(self._match(self.cause, self._causes, f.cause, False))
        if f.region:
            narrow(self._match(self.region, self._regions, f.region, False))
        else:
            default = self._default_local(home_region)
            if default is not None:
                narrow(default)
        if f.in_force is not None:
            narrow(self.in_force == f.in_force)
        if f.date_from:
            narrow((self.date != 0) & (self.date >= f.date_from.toordinal()))
        if f.date_to:
            narrow((self.date != 0) & (self.date <= f.date_to.toordinal()))
        return mask
