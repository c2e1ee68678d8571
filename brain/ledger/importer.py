"""``brain cases import FILE [--map MAP.yaml]``: historical ledgers in CSV, XLSX or JSONL.

Every row is checked on its own; a bad row is reported with its row number (as a spreadsheet shows it: the
header is row 1, so the first case is row 2; JSONL counts lines from 1) and the field, and every good row is
imported. All good rows go in **one transaction** together with the ``import_batches`` record, so a crash or
``kill -9`` in the middle leaves nothing of that import, and a finished import is all there.

The column map (``--map``) names, for each ledger field, the column of the file (``text: 诉求内容``); without
one, the usual Chinese and English headers are recognised (:data:`COLUMNS`). ``defaults:`` in the map gives
values for fields the file lacks (``source: 12345``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import JSON, insert, select, update

from brain.agents.intake.schema import ABSTAIN_LABEL
from brain.errors import InputError
from brain.ledger.models import (
    DIFFICULTIES,
    RISKS,
    SOURCES,
    STATUSES,
    Case,
    CaseEvent,
    ImportBatch,
    Party,
    resolve_source,
)
from brain.ledger.readers import Resolver, load_map, parse_time, read_rows, sha256_of, text_or_none
from brain.ledger.records import party_values
from brain.ledger.schema import ImportReport, ImportRequest, ImportRowError, PartyIn
from brain.privacy import is_valid_id_number, redact

if TYPE_CHECKING:
    from brain.ledger.ports import Ledger

CHUNK = 2000
ClassifyFn = Callable[[str], tuple[str, str | None, str, str]]  # text -> (type, subtype, risk, difficulty)


class Importer:
    def __init__(self, ledger: Ledger, classify: ClassifyFn | None = None, workers: int = 1) -> None:
        self.ledger = ledger
        self.classify = classify
        self.workers = workers
        from brain.agents.intake.taxonomy import SEED_DIR

        raw = yaml.safe_load((SEED_DIR / "dispute_types.yaml").read_text(encoding="utf-8"))
        self.types: dict[str, tuple[str, str | None]] = {}  # any name or alias -> (level 1, level 2)
        for t in raw["dispute_types"]:
            canon = (t["parent"], t["name"]) if t.get("parent") else (t["name"], None)
            for n in (t["name"], *t.get("aliases", [])):
                self.types.setdefault(n, canon)

    def row(self, get: Callable[[str], Any], now: datetime) -> dict[str, Any]:
        """Column values of one case, or raises ``KeyError(field, message)``-style :class:`_RowError`."""
        led = self.ledger
        text = str(get("text") or "").strip()
        if not text:
            raise _RowError("text", "纠纷内容为空")
        raw_src = str(get("source") or "").strip()
        src = resolve_source(raw_src)
        if src is None:
            raise _RowError("source", f"未知受理渠道“{raw_src}”，可选：{'、'.join(SOURCES)}")
        try:
            received = parse_time(get("received_at"))
        except ValueError as e:
            raise _RowError(
                "received_at", f"受理时间“{e}”无法识别，应为 2025-03-04 或 2025-03-04 10:20"
            ) from None
        if received is None:
            raise _RowError("received_at", "受理时间为空")
        if received.tzinfo is not None:  # the centre's local time, not this machine's
            received = received.astimezone(ZoneInfo(led.tz)).replace(tzinfo=None)
        try:
            place = led.places.resolve(town=text_or_none(get("town")), village=text_or_none(get("village")))
        except InputError as e:
            raise _RowError("town" if "乡镇" in e.message else "village", e.message) from None
        type_, subtype, risk, difficulty = self._judgement(get, text)
        status = text_or_none(get("status")) or "登记"
        if status not in STATUSES:
            raise _RowError("status", f"未知状态“{status}”，可选：{'、'.join(STATUSES)}")
        id_number = text_or_none(get("id_number"))
        if id_number and not is_valid_id_number(id_number):
            raise _RowError("id_number", "身份证号无效（位数、出生日期或校验码不符）")
        try:
            resolved = parse_time(get("resolved_at"))
        except ValueError as e:
            raise _RowError("resolved_at", f"化解时间“{e}”无法识别") from None
        red = redact(text)
        return {
            "case": {
                "external_id": text_or_none(get("external_id")),
                "source": src,
                "received_at": received,
                "county": place.county,
                "town": place.town,
                "village": place.village,
                "type": type_,
                "subtype": subtype,
                "risk": risk,
                "difficulty": difficulty,
                "level": text_or_none(get("level")) or "村",
                "assignee": text_or_none(get("assignee")),
                "channel": None,
                "status": status,
                "routing_due_at": led.deadlines.routing_due(received),
                "due_at": led.deadlines.due(received, difficulty),
                "deadline_rule": led.deadlines.rule_for(difficulty).name,
                "text_redacted": red.text,
                "text_mapping_enc": led.vault.encrypt(json.dumps(red.mapping, ensure_ascii=False))
                if red.mapping
                else None,
                "intake": {"imported": True},
                "resolved_at": resolved
                or (received if status in ("已化解", "未化解", "回访中", "已归档") else None),
                "archived_at": resolved if status == "已归档" else None,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            },
            "party": PartyIn.model_construct(  # checked above; validation again costs per row
                role="当事人",
                name=text_or_none(get("name")),
                id_number=id_number,
                phone=text_or_none(get("phone")),
                address=text_or_none(get("address")),
            )
            if any(text_or_none(get(k)) for k in ("name", "phone", "id_number", "address"))
            else None,
        }

    def _judgement(self, get: Callable[[str], Any], text: str) -> tuple[str, str | None, str, str]:
        raw_type = text_or_none(get("type"))
        risk, difficulty = text_or_none(get("risk")), text_or_none(get("difficulty"))
        if raw_type is None and self.classify is not None:
            t, sub, r, d = self.classify(text)
            return t, text_or_none(get("subtype")) or sub, risk or r, difficulty or d
        if raw_type is None or raw_type == ABSTAIN_LABEL:
            type_, subtype = ABSTAIN_LABEL, None
        elif raw_type in self.types:
            type_, subtype = self.types[raw_type]
        else:
            raise _RowError(
                "type", f"未知纠纷类型“{raw_type}”，请使用分类体系中的名称或别名（GET /v1/taxonomy）"
            )
        subtype = text_or_none(get("subtype")) or subtype
        risk = (risk or "蓝").rstrip("色")
        if risk not in RISKS:
            raise _RowError("risk", f"未知风险颜色“{risk}”，可选：红/橙/黄/蓝")
        difficulty = difficulty or "一般"
        if difficulty not in DIFFICULTIES:
            raise _RowError("difficulty", f"未知难易程度“{difficulty}”，可选：{'/'.join(DIFFICULTIES)}")
        return type_, subtype, risk, difficulty

    def run(
        self,
        path: Path,
        column_map: dict[str, str] | None = None,
        defaults: dict[str, str] | None = None,
        actor: str = "import",
        progress: Callable[[int], None] | None = None,
    ) -> ImportReport:
        led = self.ledger.start()  # migrations and configuration: once per process, not part of the rate
        t0 = time.perf_counter()
        if not path.exists():
            raise InputError(f"文件不存在：{path}", where="FILE", hint="检查路径")
        cmap, defaults = dict(column_map or {}), dict(defaults or {})
        now = led.clock()
        errors: list[ImportRowError] = []
        seen: set[str] = set()
        total = ok = 0
        with led.tx() as s:
            batch_id = int(
                s.execute(
                    insert(ImportBatch)
                    .values(file=path.name, sha256=sha256_of(path), started_at=now)
                    .returning(ImportBatch.id)
                ).scalar_one()
            )
            pending: list[dict[str, Any]] = []
            resolver = Resolver(cmap, defaults)
            for prepared in self._prepared(read_rows(path), resolver, now):
                for n, item in prepared:
                    total += 1
                    if isinstance(item, ImportRowError):
                        errors.append(item)
                        continue
                    ext = item["case"]["external_id"]
                    if ext:
                        if ext in seen:
                            errors.append(
                                ImportRowError(row=n, field="external_id", message=f"编号“{ext}”在文件中重复")
                            )
                            continue
                        seen.add(ext)
                    item["case"]["import_batch"] = batch_id
                    item["row"] = n
                    pending.append(item)
                if len(pending) >= CHUNK:
                    ok += self._flush(s, pending, errors, actor, now)
                    pending = []
                    if progress:
                        progress(total)
            ok += self._flush(s, pending, errors, actor, now)
            s.execute(
                update(ImportBatch)
                .where(ImportBatch.id == batch_id)
                .values(finished_at=led.clock(), rows_ok=ok, rows_bad=len(errors))
            )
        took = time.perf_counter() - t0
        errors.sort(key=lambda e: e.row)
        return ImportReport(
            batch_id=batch_id,
            file=str(path),
            rows_total=total,
            rows_ok=ok,
            rows_bad=len(errors),
            errors=errors,
            took_s=round(took, 3),
            rows_per_s=round(ok / took, 1) if took else 0.0,
        )

    def prepare(
        self, rows: list[tuple[int, dict[str, Any]]], resolver: Resolver, now: datetime
    ) -> list[tuple[int, Any]]:
        """Check and build each row (CPU-bound: redaction, encryption happen later, in _flush, for parties)."""
        out: list[tuple[int, Any]] = []
        for n, raw in rows:
            if "__error__" in raw:
                out.append((n, ImportRowError(row=n, message=raw["__error__"])))
                continue
            try:
                out.append((n, self.row(resolver.getter(raw), now)))
            except _RowError as e:
                out.append((n, ImportRowError(row=n, field=e.field, message=e.message)))
        return out

    def _prepared(
        self, rows: Iterator[tuple[int, dict[str, Any]]], resolver: Resolver, now: datetime
    ) -> Iterator[list[tuple[int, Any]]]:
        """Prepared chunks in file order. With ``workers`` > 1 the rows are checked and redacted in forked
        worker processes (redaction is pure Python and dominates the cost) while this process writes."""
        chunks = _chunks(rows, 500)
        if self.workers <= 1:
            for chunk in chunks:
                yield self.prepare(chunk, resolver, now)
            return
        import multiprocessing

        global _WORKER
        _WORKER = (self, resolver, now)
        with multiprocessing.get_context("fork").Pool(self.workers) as pool:
            yield from pool.imap(_prepare_in_worker, chunks, chunksize=1)
        _WORKER = None

    def _flush(
        self, s: Any, items: list[dict[str, Any]], errors: list[ImportRowError], actor: str, now: datetime
    ) -> int:
        if not items:
            return 0
        exts = [i["case"]["external_id"] for i in items if i["case"]["external_id"]]
        if exts:
            taken = set(s.scalars(select(Case.external_id).where(Case.external_id.in_(exts))))
            if taken:
                for i in items:
                    if i["case"]["external_id"] in taken:
                        errors.append(
                            ImportRowError(
                                row=i["row"],
                                field="external_id",
                                message=f"编号“{i['case']['external_id']}”已在台账中",
                            )
                        )
                items = [i for i in items if i["case"]["external_id"] not in taken]
        if not items:
            return 0
        conn = s.connection()
        ids = allocate_ids(conn, len(items))
        for cid, i in zip(ids, items, strict=True):
            i["case"]["id"] = cid
        bulk_insert(conn, Case, [i["case"] for i in items])
        vault = self.ledger.vault
        parties = [
            {"case_id": i["case"]["id"], **party_values(vault, i["party"])} for i in items if i["party"]
        ]
        if parties:
            bulk_insert(conn, Party, parties)
        bulk_insert(
            conn,
            CaseEvent,
            [
                {
                    "case_id": i["case"]["id"],
                    "type": "导入",
                    "from_status": None,
                    "to_status": i["case"]["status"],
                    "at": now,
                    "actor": actor,
                    "actor_role": "import",
                    "note": None,
                    "assignee": None,
                    "level": None,
                    "version": 1,
                    "data": {"import_batch": i["case"]["import_batch"], "row": i["row"]},
                }
                for i in items
            ],
        )
        return len(ids)


def bulk_insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the caller's transaction: COPY on PostgreSQL (several times faster than
    multi-row INSERTs), executemany elsewhere. Every row must have the same keys."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    table = model.__table__
    cols = list(rows[0])
    json_cols = {c for c in cols if isinstance(table.c[c].type, JSON)}
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([json.dumps(r[c], ensure_ascii=False) if c in json_cols else r[c] for c in cols])


def allocate_ids(conn: Any, n: int) -> list[int]:
    """``n`` new case ids inside the caller's writing transaction, without a RETURNING round trip per row:
    PostgreSQL draws them from the sequence; SQLite continues after the largest id (the transaction holds the
    database's write lock, so nobody else can take them)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        return [
            int(r[0])
            for r in conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, %(n)s)",
                {"n": n},
            )
        ]
    start = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM cases").scalar() or 0)
    return list(range(start + 1, start + n + 1))


class _RowError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


_WORKER: tuple[Importer, Resolver, datetime] | None = None


def _prepare_in_worker(chunk: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, Any]]:
    assert _WORKER is not None
    importer, resolver, now = _WORKER
    return importer.prepare(chunk, resolver, now)


def _chunks(
    rows: Iterator[tuple[int, dict[str, Any]]], size: int
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def stderr_progress(n: int) -> None:
    sys.stderr.write(f"已处理 {n} 行\n")
    sys.stderr.flush()


def run_import(ledger: Ledger, req: ImportRequest, classify: ClassifyFn | None) -> ImportReport:
    cmap, defaults = load_map(Path(req.map_file) if req.map_file else None)
    cmap.update(req.column_map)
    defaults.update(req.defaults)
    importer = Importer(ledger, classify if req.classify_missing else None, workers=req.workers)
    return importer.run(
        Path(req.path), cmap, defaults, actor="import", progress=stderr_progress if req.progress else None
    )
