"""Cross-cutting behaviour of the HTTP surface: body limits, rate limits, idempotency, timeouts, problem+json,
role-based redaction of outputs, request ids, metrics and the tool manifest.

A tiny test router stands in for capabilities with side effects (creating an artefact, sleeping, failing), so
the behaviour is tested whatever the other areas' routes do today.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from brain.api.app import create_app
from brain.security import current_principal, open_key_store
from brain.settings import load_settings

LOOPBACK = ("127.0.0.1", 50000)
PHONE = "13912345678"


class Draft(BaseModel):
    title: str
    note: str = ""


def _test_router(counter: dict[str, int]) -> APIRouter:
    router = APIRouter()

    @router.post("/v1/admin/_test/drafts", status_code=201)
    def create_draft(d: Draft) -> dict[str, Any]:
        counter["n"] += 1
        return {"id": counter["n"], "title": d.title}

    @router.get("/v1/admin/_test/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3)
        return {"status": "late"}

    @router.get("/v1/admin/_test/boom")
    def boom() -> None:
        raise RuntimeError(f"bug with {PHONE}")

    @router.get("/v1/search/_test_pii")
    def pii() -> dict[str, Any]:
        p = current_principal()
        return {"text": f"申请人张三，电话{PHONE}", "role": p.role if p else None, "n": 1}

    return router


def _app(state: Path, **api: Any) -> tuple[FastAPI, dict[str, int]]:
    settings = load_settings("test", state_dir=str(state), api={"ui": False, **api})
    app = create_app(settings)
    counter = {"n": 0}
    app.include_router(_test_router(counter))
    return app, counter


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app, _ = _app(tmp_path)
    yield TestClient(app, client=LOOPBACK)


def _audit(state: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(state / "audit.sqlite3")
    db.row_factory = sqlite3.Row
    return [dict(r) for r in db.execute("SELECT * FROM audit ORDER BY id")]


def test_body_over_the_limit_is_413(tmp_path: Path) -> None:
    app, counter = _app(tmp_path, max_body_bytes=2048)
    c = TestClient(app, client=LOOPBACK)
    r = c.post("/v1/admin/_test/drafts", json={"title": "x" * 5000})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert "2048" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b'{"title": "'
        for _ in range(10):
            yield b"y" * 500
        yield b'"}'

    r = c.post("/v1/admin/_test/drafts", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert counter["n"] == 0
    assert c.post("/v1/admin/_test/drafts", json={"title": "ok"}).status_code == 201


def test_rate_limit_per_key_gives_429_with_retry_after(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, auth="keys", rate_limit_per_minute=60, rate_limit_burst=3)
    c = TestClient(app, client=LOOPBACK)
    store = open_key_store(app.state.settings)
    k1, k2 = store.create("system", "a")[1], store.create("system", "b")[1]
    codes = [c.get("/v1/tools", headers={"X-API-Key": k1}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    r = c.get("/v1/tools", headers={"X-API-Key": k1})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert c.get("/v1/tools", headers={"X-API-Key": k2}).status_code == 200  # buckets are per key


def test_idempotency_key_replays_and_conflicts(tmp_path: Path) -> None:
    app, counter = _app(tmp_path)
    c = TestClient(app, client=LOOPBACK)
    h = {"Idempotency-Key": "req-001"}
    first = c.post("/v1/admin/_test/drafts", json={"title": "协议"}, headers=h)
    again = c.post("/v1/admin/_test/drafts", json={"title": "协议"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() == {"id": 1, "title": "协议"}
    assert again.headers["idempotent-replayed"] == "true"
    assert counter["n"] == 1
    other = c.post("/v1/admin/_test/drafts", json={"title": "另一份"}, headers=h)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    assert c.post("/v1/admin/_test/drafts", json={"title": "协议"}).json()["id"] == 2  # no key: new artefact


def test_failed_requests_are_not_replayed(tmp_path: Path) -> None:
    app, counter = _app(tmp_path)
    c = TestClient(app, client=LOOPBACK)
    h = {"Idempotency-Key": "bad-1"}
    assert c.post("/v1/admin/_test/drafts", json={}, headers=h).status_code == 422
    assert c.post("/v1/admin/_test/drafts", json={}, headers=h).headers.get("idempotent-replayed") == "true"
    assert (
        counter["n"] == 0
    )  # a 4xx is the answer to that body and is replayed; only 5xx/streams are not kept


def test_a_claim_whose_request_crashed_is_released(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    c = TestClient(app, client=LOOPBACK, raise_server_exceptions=False)
    router = APIRouter()
    calls = {"n": 0}

    @router.post("/v1/admin/_test/flaky")
    def flaky(d: Draft) -> dict[str, int]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("first attempt fails")
        return {"attempt": calls["n"]}

    app.include_router(router)
    app.openapi_schema = None
    h = {"Idempotency-Key": "flaky-1"}
    assert c.post("/v1/admin/_test/flaky", json={"title": "t"}, headers=h).status_code == 500
    assert c.post("/v1/admin/_test/flaky", json={"title": "t"}, headers=h).json() == {"attempt": 2}
    assert c.post("/v1/admin/_test/flaky", json={"title": "t"}, headers=h).json() == {"attempt": 2}


def test_timeout_is_504_problem(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, request_timeout_s=0.3)
    r = TestClient(app, client=LOOPBACK).get("/v1/admin/_test/slow")
    assert r.status_code == 504 and r.json()["title"] == "timeout"
    assert [a["status"] for a in _audit(tmp_path)] == [504]


def test_unhandled_error_is_500_problem_audited_and_logged_without_pii(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from brain.privacy.logs import RedactingFilter

    caplog.handler.addFilter(RedactingFilter())
    app, _ = _app(tmp_path)
    r = TestClient(app, client=LOOPBACK, raise_server_exceptions=False).get("/v1/admin/_test/boom")
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["request_id"] == r.headers["x-request-id"]
    rows = _audit(tmp_path)
    assert rows[-1]["status"] == 500 and rows[-1]["request_id"] == r.headers["x-request-id"]
    assert PHONE not in caplog.text


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "case-42.a"}).headers["x-request-id"] == "case-42.a"
    )
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\n"}).headers[
        "x-request-id"
    ]
    assert len(generated) == 32


def test_audit_record_per_call_with_hash_not_body(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    c = TestClient(app, client=LOOPBACK)
    body = json.dumps({"title": "张三的协议", "note": PHONE}, ensure_ascii=False).encode()
    r = c.post("/v1/admin/_test/drafts", content=body, headers={"content-type": "application/json"})
    c.get("/healthz")  # probes are not audited
    rows = _audit(tmp_path)
    assert len(rows) == 1
    row = rows[0]
    assert row["route"] == "/v1/admin/_test/drafts" and row["method"] == "POST" and row["status"] == 201
    assert row["key_id"] == "open" and row["role"] == "admin"
    assert row["request_id"] == r.headers["x-request-id"]
    assert row["input_hash"] == hashlib.sha256(body).hexdigest()
    assert row["latency_ms"] > 0
    raw = (tmp_path / "audit.sqlite3").read_bytes()
    assert PHONE.encode() not in raw and "张三".encode() not in raw


def test_route_template_not_ids_in_audit_and_metrics(client: TestClient, tmp_path: Path) -> None:
    client.get("/v1/chat/thread-with-13800138000")
    assert _audit(tmp_path)[-1]["route"] == "/v1/chat/{thread_id}"
    metrics = client.get("/metrics").text
    assert 'route="/v1/chat/{thread_id}"' in metrics
    assert "13800138000" not in metrics


@pytest.mark.parametrize(("role", "sees"), [("mediator", True), ("evaluator", False), ("clerk", True)])
def test_outputs_are_redacted_for_roles_that_may_not_see_personal_data(
    tmp_path: Path, role: str, sees: bool
) -> None:
    app, _ = _app(tmp_path, auth="keys")
    key = open_key_store(app.state.settings).create(role, role)[1]
    r = TestClient(app, client=LOOPBACK).get("/v1/search/_test_pii", headers={"X-API-Key": key})
    assert r.status_code == 200
    data = r.json()
    assert data["role"] == role and data["n"] == 1
    assert (PHONE in data["text"]) is sees
    assert ("张三" in data["text"]) is sees
    if not sees:
        assert "〔手机号1〕" in data["text"] and int(r.headers["content-length"]) == len(r.content)


def test_tools_manifest_is_openai_function_format(client: TestClient) -> None:
    tools = client.get("/v1/tools").json()
    names = [t["function"]["name"] for t in tools]
    assert len(names) == len(set(names)) and names
    assert all(t["type"] == "function" for t in tools)
    assert all(__import__("re").fullmatch(r"[A-Za-z0-9_-]{1,64}", n) for n in names)
    assert "$ref" not in json.dumps(tools)
    for t in tools:
        params = t["function"]["parameters"]
        assert params["type"] == "object" and set(params["required"]) <= set(params["properties"])
        assert t["function"]["description"]
    # the test routers' operations are listed too (everything under /v1 that speaks JSON), the listing is not
    assert "list_tools" not in names


def test_degraded_parts_are_reported_in_each_response(client: TestClient) -> None:
    r = client.get("/v1/tools")
    # nothing started in this in-process client: the graph is reported as down
    assert "graph" in r.headers.get("x-brain-degraded", "")
