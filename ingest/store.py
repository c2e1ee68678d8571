"""The on-disk document store for ingested files.

Layout under ``store_dir`` (normally ``<state_dir>/documents``)::

    manifest.json          {source path: {sha256, blob, doc_ids, chunks, method, ...}}
    blobs/<sha256>.jsonl   the Documents one source file produced, one JSON per line

A blob is written (temp file, then ``os.replace``) before the manifest that names it, and the manifest is
replaced the same way, so a crash at any point leaves either the old state or the new one, never a
half-written file. Readers go through the manifest only, so an orphaned blob from a crash is invisible and
is removed on the next write. The content hash in the manifest is what lets a re-ingest of an unchanged file
do no work.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field

from ingest.records import Document

MANIFEST = "manifest.json"
BLOBS = "blobs"


class ManifestEntry(BaseModel):
    sha256: str
    blob: str = Field(description="file name under blobs/")
    doc_ids: list[str]
    chunks: int
    method: str
    size: int


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same directory, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DocumentStore:
    """Ingested documents, keyed by source path. Cheap to construct; reads the manifest on each call so
    several processes (API server, CLI) see each other's writes."""

    def __init__(self, store_dir: Path) -> None:
        self.dir = Path(store_dir)
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- reading
    def manifest(self) -> dict[str, ManifestEntry]:
        path = self.dir / MANIFEST
        if not path.exists():
            return {}
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {k: ManifestEntry.model_validate(v) for k, v in raw.items()}

    def entry(self, source: str) -> ManifestEntry | None:
        return self.manifest().get(source)

    def is_unchanged(self, source: str, sha256: str) -> ManifestEntry | None:
        """The manifest entry when ``source`` was stored with this exact content and its blob is present."""
        entry = self.entry(source)
        if entry and entry.sha256 == sha256 and (self.dir / BLOBS / entry.blob).exists():
            return entry
        return None

    def documents(self) -> Iterator[Document]:
        """Every stored document once (the same content under two paths is one document), in source order."""
        seen: set[str] = set()
        for _source, entry in sorted(self.manifest().items()):
            blob = self.dir / BLOBS / entry.blob
            with blob.open(encoding="utf-8") as f:
                for line in f:
                    doc = Document.model_validate_json(line)
                    if doc.id not in seen:
                        seen.add(doc.id)
                        yield doc

    # ---------------------------------------------------------------- writing
    def put(self, source: str, sha256: str, documents: list[Document], *, chunks: int, method: str,
            size: int) -> ManifestEntry:  # fmt: skip
        """Store the documents of one source file, replacing what that path had before."""
        blob_name = f"{sha256}.jsonl"
        payload = "".join(d.model_dump_json(exclude_none=True) + "\n" for d in documents).encode("utf-8")
        entry = ManifestEntry(
            sha256=sha256, blob=blob_name, doc_ids=[d.id for d in documents], chunks=chunks, method=method,
            size=size,
        )  # fmt: skip
        with self._writing():
            atomic_write(self.dir / BLOBS / blob_name, payload)
            manifest = self.manifest()
            manifest[source] = entry
            self._write_manifest(manifest)
            self._collect_garbage(manifest)
        return entry

    @contextlib.contextmanager
    def _writing(self) -> Iterator[None]:
        """Serialise writers: threads through a lock, processes (API server and CLI) through ``flock`` on
        ``.lock``, so two read-modify-write cycles of the manifest cannot lose an entry."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with self._lock, (self.dir / ".lock").open("a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _write_manifest(self, manifest: dict[str, ManifestEntry]) -> None:
        body = {k: v.model_dump() for k, v in sorted(manifest.items())}
        atomic_write(self.dir / MANIFEST, json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"))

    def _collect_garbage(self, manifest: dict[str, ManifestEntry]) -> None:
        """Remove blobs no entry names (a file's previous version, leftovers of an interrupted write)."""
        live = {e.blob for e in manifest.values()}
        for blob in (self.dir / BLOBS).glob("*"):
            if blob.name not in live and not blob.name.startswith("."):  # '.' = another writer's temp file
                blob.unlink(missing_ok=True)
