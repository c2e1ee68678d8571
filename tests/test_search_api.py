"""POST /v1/search and GET /v1/documents/{id} over a real HTTP server (uvicorn on a free loopback port)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from brain.api.app import create_app
from brain.service import Brain
from tests.test_retrieval import real_index_settings


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = real_index_settings(tmp_path_factory.getbasetemp())
    brain = Brain(settings)
    brain.start(graph=False)  # search needs no graph; the lifespan's start() is then a no-op
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(brain=brain), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        brain.close()


def test_search_returns_hits_with_citations(base_url: str) -> None:
    r = httpx.post(
        f"{base_url}/v1/search",
        json={"query": "邻居装修噪音扰民怎么处理", "top_k": 5, "filters": {"kind": "statute"}},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "hybrid" and body["index_version"]
    hits = body["hits"]
    assert len(hits) == 5
    assert all(h["kind"] == "statute" and h["citation"]["article"] for h in hits)
    assert {"bm25", "dense", "fused"} <= set(hits[0]["score"])
    assert hits[0]["span"][1] > hits[0]["span"][0]


@pytest.mark.parametrize(
    ("query", "expected"), [("", "不能为空"), ("   ", "不能为空"), ("问" * 2001, "过长")]
)
def test_bad_query_is_422_problem_in_chinese(base_url: str, query: str, expected: str) -> None:
    r = httpx.post(f"{base_url}/v1/search", json={"query": query})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 422 and expected in problem["detail"]
    assert problem["errors"][0]["field"] == "query"


def test_bad_mode_and_top_k_are_422(base_url: str) -> None:
    assert httpx.post(f"{base_url}/v1/search", json={"query": "离婚", "mode": "magic"}).status_code == 422
    assert httpx.post(f"{base_url}/v1/search", json={"query": "离婚", "top_k": 0}).status_code == 422


def test_get_document(base_url: str) -> None:
    r = httpx.get(f"{base_url}/v1/documents/statute:民法典:1079")
    assert r.status_code == 200
    doc = r.json()
    assert doc["law"] == "民法典" and doc["article"] == 1079 and "离婚" in doc["text"]


def test_missing_document_is_404_problem(base_url: str) -> None:
    r = httpx.get(f"{base_url}/v1/documents/statute:民法典:99999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "文档不存在" in r.json()["detail"]
