"""``brain cases export``: the cases of a query as CSV or JSONL, redacted text only, no clear personal data
(parties appear as their matching hashes), in the column names the importer reads back."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from sqlalchemy import select

from brain.ledger.access import Actor
from brain.ledger.models import Case, Party
from brain.ledger.schema import CaseQuery, ExportReport, ExportRequest

if TYPE_CHECKING:
    from brain.ledger.ports import Ledger

FIELDS = (
    "id",
    "external_id",
    "source",
    "received_at",
    "county",
    "town",
    "village",
    "type",
    "subtype",
    "risk",
    "difficulty",
    "level",
    "assignee",
    "status",
    "due_at",
    "resolved_at",
    "archived_at",
    "reopened_from",
    "text_redacted",
    "person_hashes",
)
BATCH = 1000


def rows(ledger: Ledger, q: CaseQuery, actor: Actor) -> Iterator[dict[str, Any]]:
    now = ledger.clock()
    conds = ledger.conditions(q, actor, now)
    last: int | None = None
    while True:
        stmt = select(Case).where(*conds)
        if last is not None:
            stmt = stmt.where(Case.id > last)
        with ledger.tx(write=False) as s:
            cases = list(s.scalars(stmt.order_by(Case.id).limit(BATCH)))
            hashes: dict[int, list[str]] = {}
            if cases:
                for cid, h in s.execute(
                    select(Party.case_id, Party.person_hash).where(Party.case_id.in_([c.id for c in cases]))
                ):
                    hashes.setdefault(cid, []).append(h)
        if not cases:
            return
        for c in cases:
            out = {f: getattr(c, f) for f in FIELDS if f != "person_hashes"}
            out["person_hashes"] = ";".join(hashes.get(c.id, []))
            yield {k: v.isoformat(sep=" ") if isinstance(v, datetime) else v for k, v in out.items()}
        last = cases[-1].id


def write(ledger: Ledger, q: CaseQuery, actor: Actor, out: TextIO, fmt: str) -> int:
    n = 0
    if fmt == "csv":
        w = csv.DictWriter(out, fieldnames=list(FIELDS))
        w.writeheader()
        for r in rows(ledger, q, actor):
            w.writerow(r)
            n += 1
    else:
        for r in rows(ledger, q, actor):
            out.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def run_export(ledger: Ledger, req: ExportRequest, actor: Actor) -> ExportReport:
    import sys

    if req.path == "-":
        n = write(ledger, req.query, actor, sys.stdout, req.fmt)
    else:
        with open(req.path, "w", encoding="utf-8", newline="") as f:
            n = write(ledger, req.query, actor, f, req.fmt)
    return ExportReport(path=req.path, fmt=req.fmt, rows=n)
