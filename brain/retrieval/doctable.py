"""Documents of an index version, read on demand from ``documents.jsonl``.

The library has ~150k documents; holding each as a pydantic object cost about a gigabyte and several seconds
at start-up. Here the file is memory-mapped (shared between API worker processes through the page cache),
one byte offset per line is kept, and a document is parsed only when a hit or a look-up needs it.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

from brain.types import Document

_ID_PREFIX = b'{"id": "'


class DocumentTable:
    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - lives as long as the index version
        size = path.stat().st_size
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        offsets: list[int] = []
        self._rows: dict[str, int] = {}
        pos = 0
        data = self._map
        while pos < size:
            end = data.find(b"\n", pos)
            end = size if end < 0 else end
            if end > pos:
                if data[pos : pos + len(_ID_PREFIX)] != _ID_PREFIX:
                    raise ValueError(f"documents.jsonl 第 {len(offsets) + 1} 行格式不对")
                id_end = data.find(b'"', pos + len(_ID_PREFIX))
                self._rows[data[pos + len(_ID_PREFIX) : id_end].decode("utf-8")] = len(offsets)
                offsets.append(pos)
            pos = end + 1
        offsets.append(size)
        self._offsets = np.array(offsets, dtype=np.int64)
        self._get = lru_cache(maxsize=4096)(self._parse)

    def _parse(self, row: int) -> Document:
        start, end = int(self._offsets[row]), int(self._offsets[row + 1])
        return Document.model_validate_json(bytes(self._map[start:end]).rstrip(b"\n"))

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._rows

    def __getitem__(self, doc_id: str) -> Document:
        return self._get(self._rows[doc_id])

    def get(self, doc_id: str) -> Document | None:
        row = self._rows.get(doc_id)
        return None if row is None else self._get(row)

    def values(self) -> Iterator[Document]:
        for row in range(len(self._rows)):
            yield self._parse(row)
