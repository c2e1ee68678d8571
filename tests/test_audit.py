"""The audit store: export, and durability under SIGKILL of a real server under load."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brain.audit import AuditRecord, SQLiteAuditStore, normalise_since
from brain.errors import InputError
from eval.bench_api import LiveServer, RawResponse, run_load


def _record(ts: str, rid: str) -> AuditRecord:
    return AuditRecord(
        ts=ts,
        key_id="ab12cd34",
        role="clerk",
        method="POST",
        route="/v1/intake",
        request_id=rid,
        input_hash="0" * 64,
        status=200,
        latency_ms=12.5,
    )


def test_export_since_as_jsonl_and_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from brain.cli import app

    store = SQLiteAuditStore(tmp_path / "audit.sqlite3")
    store.append(_record("2025-01-01T00:00:00.000000+00:00", "old"))
    store.append(_record("2025-03-01T08:00:00.000000+00:00", "new"))
    store.close()
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path))
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "export", "--since", "2025-02-01", "--profile", "test"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["request_id"] for r in rows] == ["new"]
    assert set(rows[0]) == {
        "ts",
        "key_id",
        "role",
        "method",
        "route",
        "request_id",
        "input_hash",
        "status",
        "latency_ms",
    }
    out = runner.invoke(
        app,
        ["audit", "export", "--since", "2024-12-31T00:00:00+08:00", "--format", "csv", "--profile", "test"],
    )
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["request_id"] for r in table] == ["old", "new"]
    bad = runner.invoke(app, ["audit", "export", "--since", "上周", "--profile", "test"])
    assert bad.exit_code != 0 and "ISO" in bad.output


def test_since_is_normalised_to_utc() -> None:
    assert normalise_since("2025-03-01T08:00:00+08:00") == "2025-03-01T00:00:00.000000+00:00"
    with pytest.raises(InputError):
        normalise_since("yesterday")


@pytest.mark.slow
def test_sigkill_under_load_loses_no_audit_record_of_a_received_response(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    index_dir = tmp_path_factory.getbasetemp() / "shared-index"
    server = LiveServer(tmp_path / "state", env={"BRAIN_RETRIEVAL__INDEX_DIR": str(index_dir)}, workers=2)
    server.start()
    received: list[str] = []

    def on_response(r: RawResponse) -> None:
        received.append(r.headers["x-request-id"])
        if len(received) == 150:
            server.kill()  # SIGKILL master and workers while 32 clients are mid-request

    try:

        def cheap(_: object) -> tuple[str, str, dict[str, object] | None]:
            return "GET", "/v1/tools", None

        asyncio.run(
            run_load(
                server.base_url, "", cheap, clients=32, duration_s=60, name="kill", on_response=on_response
            )
        )
    finally:
        server.kill()
    assert len(received) >= 150
    db = sqlite3.connect(tmp_path / "state" / "audit.sqlite3")  # recovers the WAL like any later reader
    recorded = {r[0] for r in db.execute("SELECT request_id FROM audit")}
    missing = [rid for rid in received if rid not in recorded]
    assert not missing, f"{len(missing)} of {len(received)} received responses have no audit record"
