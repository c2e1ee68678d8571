"""Versioned index directories and the atomic ``CURRENT`` pointer.

Layout under ``retrieval.index_dir``::

    CURRENT                      one line: the version being served
    20261122T070102123456-ab12cd34/
        manifest.json            version, created, corpus hash, chunk count, embedder, settings
        documents.jsonl chunks.jsonl bm25/ dense/

A build writes everything into ``.<version>.tmp``, renames it to ``<version>`` and only then replaces
``CURRENT`` (write a temp file, ``os.replace``), so a reader sees either the old or the new index, never a
half-written one, and a crash mid-build leaves the previous version serving. Builds are serialised with a
file lock; old versions are pruned to the newest ``KEEP_VERSIONS``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.store import atomic_write

KEEP_VERSIONS = 2
CURRENT = "CURRENT"
MANIFEST = "manifest.json"


def new_version(corpus_hash: str) -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{corpus_hash[:8]}"


def current_version(root: Path) -> str | None:
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name if name and (root / name / MANIFEST).exists() else None


def pointer_stamp(root: Path) -> tuple[int, int] | None:
    """Cheap change detector for ``CURRENT`` (one stat call): (mtime_ns, inode)."""
    try:
        st = os.stat(root / CURRENT)
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_ino


def read_manifest(version_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((version_dir / MANIFEST).read_text(encoding="utf-8"))
    return data


def switch_current(root: Path, version: str) -> None:
    atomic_write(root / CURRENT, (version + "\n").encode("utf-8"))


def list_versions(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).exists()
    )


def prune(root: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Delete all but the newest ``keep`` versions (never the current one) and stale temp dirs."""
    current = current_version(root)
    versions = list_versions(root)
    doomed = [v for v in versions[:-keep] if v != current] if keep > 0 else []
    for v in doomed:
        shutil.rmtree(root / v, ignore_errors=True)
    return doomed


@contextlib.contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """One build at a time per index directory (also across processes)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def staging_dir(root: Path, version: str) -> Iterator[Path]:
    """A temp directory that becomes ``root/version`` on success and disappears on any exception."""
    tmp = root / f".{version}.tmp"
    tmp.mkdir(parents=True)
    try:
        yield tmp
        os.rename(tmp, root / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
