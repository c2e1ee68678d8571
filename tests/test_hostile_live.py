"""Findings of the hostile test that need a real server process (keys on): thread ownership (4), a client
that disconnects mid-stream (5), uploads over the limits (3), slow bodies and headers (9), /readyz and
/metrics without a key (2, 9). Each assertion failed on the code before the fix."""

from __future__ import annotations

import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from brain.security import open_key_store
from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import live_server

pytestmark = pytest.mark.slow

ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("hostile")
    settings = load_settings("test", state_dir=str(state))
    Brain(settings).start(graph=False).close()
    store = open_key_store(settings)
    keys = {role: store.create(role, f"测试-{role}")[1] for role in ("mediator", "system", "admin", "clerk")}
    keys["mediator2"] = store.create("mediator", "另一位调解员")[1]
    env = {
        "BRAIN_API__AUTH": "keys",
        "BRAIN_API__BODY_READ_TIMEOUT_S": "2",
        "BRAIN_API__HEADER_TIMEOUT_S": "2",
    }
    with live_server(state, env=env) as url:
        yield {"url": url, "keys": keys, "state": state}


def _h(srv: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {srv['keys'][role]}"}


def _chat(
    srv: dict[str, Any], role: str, message: str, thread_id: str | None = None, timeout: float = 60
) -> Any:
    body = {"message": message, "thread_id": thread_id, "stream": False}
    return httpx.post(f"{srv['url']}/v1/chat", json=body, headers=_h(srv, role), timeout=timeout)


def test_a_thread_belongs_to_the_key_that_made_it(srv: dict[str, Any]) -> None:
    r = _chat(srv, "mediator", f"当事人身份证号{ID_NUMBER}，电话{PHONE}，邻居装修噪音怎么处理？")
    assert r.status_code == 200, r.text
    thread = r.json()["thread_id"]
    url = f"{srv['url']}/v1/chat/{thread}"
    own = httpx.get(url, headers=_h(srv, "mediator"))
    assert own.status_code == 200 and ID_NUMBER in own.text
    for other in ("system", "mediator2"):  # the hostile tester read it with the system key
        r = httpx.get(url, headers=_h(srv, other))
        assert r.status_code == 404 and ID_NUMBER not in r.text and PHONE not in r.text
        assert _chat(srv, other, "继续", thread_id=thread).status_code == 404  # nor write into it
    admin = httpx.get(url, headers=_h(srv, "admin"))
    assert admin.status_code == 200  # admins may read; the read is audited and logged
    assert (
        f"thread {thread}"
        in (Path(srv["state"]) / next(p.name for p in Path(srv["state"]).glob("server-*.log"))).read_text()
    )


def test_a_client_that_disconnects_mid_stream_does_not_lock_its_thread(srv: dict[str, Any]) -> None:
    thread = "disconnect-test-1"
    host, port = srv["url"].split("//")[1].split(":")
    body = json.dumps({"message": "邻居装修噪音扰民适用哪条法律？", "thread_id": thread}).encode()
    sock = socket.create_connection((host, int(port)))
    sock.sendall(
        b"POST /v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {srv['keys']['mediator']}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    seen = b""
    while b"event: delta" not in seen:
        chunk = sock.recv(4096)
        assert chunk, seen
        seen += chunk
    sock.close()  # gone after the first delta
    t0 = time.monotonic()
    r = _chat(srv, "mediator", "那噪音标准是多少？", thread_id=thread, timeout=30)
    assert r.status_code == 200, r.text
    assert time.monotonic() - t0 < 15


def test_uploads_over_the_pixel_frame_and_byte_limits_are_422_before_decoding(srv: dict[str, Any]) -> None:
    from PIL import Image

    def post(data: bytes) -> httpx.Response:
        headers = {**_h(srv, "clerk"), "content-type": "application/octet-stream"}
        return httpx.post(f"{srv['url']}/v1/ocr", content=data, headers=headers, timeout=60)

    big = io.BytesIO()
    Image.new("1", (12000, 12000), 1).save(big, "PNG")  # ~20 KB on disk, 144 M pixels decoded
    t0 = time.monotonic()
    r = post(big.getvalue())
    assert r.status_code == 422 and "像素" in r.json()["detail"], r.text
    assert time.monotonic() - t0 < 3
    frames = io.BytesIO()
    pages = [Image.new("1", (200, 200), 1) for _ in range(10)]
    pages[0].save(frames, "TIFF", save_all=True, append_images=pages[1:])
    r = post(frames.getvalue())
    assert r.status_code == 422 and "页数" in r.json()["detail"], r.text
    r = post(b"\x89PNG" + b"0" * 2_100_000)
    assert r.status_code == 413  # over the API body limit
    ok = io.BytesIO()
    Image.new("RGB", (400, 120), "white").save(ok, "PNG")
    assert post(ok.getvalue()).status_code == 200


def test_a_body_that_never_finishes_gets_408_and_headers_that_never_end_are_cut(srv: dict[str, Any]) -> None:
    host, port = srv["url"].split("//")[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=20)
    sock.sendall(
        b"POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"X-API-Key: {srv['keys']['clerk']}\r\nContent-Length: 100\r\n\r\n".encode()
        + b'{"query": '
    )
    t0 = time.monotonic()
    answer = sock.recv(4096)
    assert b" 408 " in answer.split(b"\r\n")[0], answer[:200]
    assert time.monotonic() - t0 < 10
    sock.close()
    sock = socket.create_connection((host, int(port)), timeout=20)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    t0 = time.monotonic()
    assert sock.recv(4096) == b""  # closed by the server
    assert time.monotonic() - t0 < 10
    sock.close()


def test_readyz_and_metrics_without_a_key(srv: dict[str, Any]) -> None:
    r = httpx.get(f"{srv['url']}/readyz")
    assert set(r.json()) == {"ready", "degraded"} and "bolt://" not in r.text
    assert "bolt://" in httpx.get(f"{srv['url']}/readyz", headers=_h(srv, "system")).text
    assert httpx.get(f"{srv['url']}/metrics").status_code == 401
    assert httpx.get(f"{srv['url']}/metrics", headers=_h(srv, "mediator")).status_code == 403
    for i in range(30):
        httpx.get(f"{srv['url']}/ui/张三丰-{ID_NUMBER}-{PHONE}-{i}")
    m = httpx.get(f"{srv['url']}/metrics", headers=_h(srv, "admin"))
    assert m.status_code == 200
    assert ID_NUMBER not in m.text and "张三丰" not in m.text
    assert len([ln for ln in m.text.splitlines() if ln.startswith("brain_http_requests_total{")]) < 30
