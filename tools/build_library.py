"""Build the national law library (data/library/*.jsonl.gz) from LawRefBook's collection.

Developer script, run by hand when the source changes; its output is committed and the project never
reads the source folder at run time::

    python tools/build_library.py /work/shared/data/lawref            # writes data/library/
    python tools/build_library.py /work/shared/data/lawref --check    # rebuilds in memory, fails if stale

Output is deterministic (sorted inputs, gzip with mtime 0 and no file name), so a rebuild with unchanged
sources gives byte-identical files. ``data/library/build_report.txt`` lists every file that did not parse
(file:line: reason), every text without 第X条 structure and every article number repeated in one version.
Provenance and counts: data/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from ingest.library import build_library
from ingest.records import Document
from ingest.store import atomic_write

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "data" / "library"


def _gz(docs: Iterable[Document]) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        for d in docs:
            line = json.dumps(d.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"
            gz.write(line.encode("utf-8"))
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lawref", type=Path, help="LawRefBook's repository (db.sqlite3, category folders, DLC/)")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args(argv)

    built = build_library(args.lawref)
    national = [d for d in built.documents if d.region is None]
    local = [d for d in built.documents if d.region is not None]
    report = "".join(f"{i}\n" for i in built.issues)
    outputs = {
        "national.jsonl.gz": _gz(national),
        "local.jsonl.gz": _gz(local),
        "build_report.txt": report.encode(),
    }
    stale = []
    for name, content in outputs.items():
        target = args.out / name
        if args.check:
            if not target.exists() or target.read_bytes() != content:
                stale.append(str(target))
        else:
            atomic_write(target, content)
        print(f"{target}: {len(content):,} bytes")
    laws = Counter((d.level, d.law, d.version) for d in national)
    print(f"national: {len(national):,} records, {len(laws):,} texts; local: {len(local):,} records")
    for level, n in sorted(Counter(k[0] for k in laws).items()):
        print(f"  {level}: {n} texts")
    for region, n in sorted(Counter(d.region for d in local).items()):
        print(f"  {region}: {n} articles")
    fatal = [i for i in built.issues if i.fatal]
    print(f"issues: {len(built.issues)} ({len(fatal)} files skipped) -> {args.out / 'build_report.txt'}")
    for i in fatal[:10]:
        print(f"  {i}", file=sys.stderr)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
