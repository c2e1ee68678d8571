"""Property-based checks of the live OpenAPI document against a real uvicorn server (deterministic mode).

Every /v1 operation gets a few generated requests; no response may be a 5xx or break its documented schema.
The same run plants personal data in request bodies and checks that none of it reaches the server's log or
the audit store.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from brain.security import open_key_store
from brain.settings import load_settings
from eval.bench_api import LiveServer

pytestmark = pytest.mark.slow

ID = "11010519491231002X"  # the GB 11643 standard's example, valid check digit
PHONE = "13912345678"
CARD = "6222020200001234562"  # passes Luhn


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Keys on, as the gpu profile has it: every generated request carries an admin key."""
    index_dir = tmp_path_factory.getbasetemp() / "shared-index"
    state = tmp_path_factory.mktemp("schemathesis")
    key = open_key_store(load_settings("test", state_dir=str(state))).create("admin", "schemathesis")[1]
    env = {
        "BRAIN_RETRIEVAL__INDEX_DIR": str(index_dir),
        "BRAIN_API__AUTH": "keys",
        "BRAIN_API__RATE_LIMIT_PER_MINUTE": "100000000",
        "BRAIN_API__RATE_LIMIT_BURST": "1000000",
    }
    server = LiveServer(state, env=env).start()
    server.env["key"] = key
    yield server
    server.stop()


def test_no_5xx_and_responses_match_their_schema(live: LiveServer) -> None:
    """The schemathesis CLI (its pytest plugin does not load with this pytest), as a CI step would run it."""
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        live.base_url + "/openapi.json",
        "--include-path-regex",
        "^/v1/",
        "--header",
        f"Authorization: Bearer {live.env['key']}",
        # the graph is deliberately unreachable here: its routes answer a documented 503 (degraded mode).
        "--exclude-path-regex",
        "^/v1/graph(/|$)",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-examples",
        "4",
        "--seed",
        "7",
        "--generation-deterministic",
        "--phases",
        "examples,fuzzing",
        "--request-timeout",
        "60",
        # one worker: with two, hypothesis describes strategies (ast.parse) in two threads at once, and CPython
        # 3.11's AST constructor can then fail with "SystemError: AST constructor recursion depth mismatch"
        # (cpython gh-106905) — a flaky tooling error, seen once on a clean-clone run, not an API failure
        "--workers",
        "1",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=540, cwd=live.state_dir)
    report = done.stdout[-6000:] + done.stderr[-2000:]
    print(report[-1500:])  # the case counts, for the report (-s)
    assert done.returncode == 0, report
    assert "passed" in report.lower()


def test_planted_personal_data_never_reaches_logs_or_audit(live: LiveServer) -> None:
    import httpx

    from brain.privacy import is_valid_id_number, luhn_valid

    assert is_valid_id_number(ID) and luhn_valid(CARD)  # planted data the detectors must catch
    text = f"申请人张三，身份证号{ID}，手机{PHONE}，银行卡{CARD}，邻居装修噪音扰民。"
    headers = {"Authorization": f"Bearer {live.env['key']}"}
    with httpx.Client(base_url=live.base_url, timeout=60, headers=headers) as c:
        assert c.post("/v1/intake", json={"text": text}).status_code < 500
        assert c.post("/v1/search", json={"query": text}).status_code < 500
        c.post("/v1/search", json={"query": text, "top_k": -1})  # a 422 that names the bad field
        c.get(f"/v1/documents/{ID}")
        c.get(f"/v1/chat/{PHONE}")
    log = live.log_text()
    assert log, "the server wrote no log"
    state = live.state_dir
    audit = b"".join(p.read_bytes() for p in state.glob("audit.sqlite3*"))
    rows = sqlite3.connect(state / "audit.sqlite3").execute("SELECT * FROM audit").fetchall()
    assert rows
    for secret in (ID, PHONE, CARD):
        assert secret not in log
        assert secret.encode() not in audit
        assert all(secret not in str(r) for r in rows)


def test_server_announces_key_auth(live: LiveServer) -> None:
    assert "鉴权：API 密钥" in live.log_text()
