"""``POST /v1/chat`` (SSE) and ``GET /v1/chat/{thread_id}`` against a real uvicorn server process.

LLM mode uses a scripted model server that speaks OpenAI's streaming protocol and holds its last token until
the test releases it: the test reads ``meta`` and the first ``delta`` while the answer is provably unfinished.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from brain.agents.chat.nodes import EXTRACTIVE_LABEL, NO_BASIS, REMOVED_MARK
from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import free_port, live_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chat-api")
    Brain(load_settings("test", state_dir=str(path))).start(graph=False).close()  # build the index once
    return path


@pytest.fixture(scope="module")
def server(state_dir: Path) -> Iterator[str]:
    with live_server(state_dir) as url:
        yield url


def read_events(resp: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    event = "message"
    for line in resp.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            yield event, json.loads(line[5:].strip())


def chat(url: str, message: str, thread_id: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    body = {"message": message, "thread_id": thread_id}
    with httpx.stream("POST", f"{url}/v1/chat", json=body, timeout=60) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        return list(read_events(resp))


def test_sse_events_and_history(server: str) -> None:
    events = chat(server, "有没有类似的宅基地纠纷案例？")
    kinds = [k for k, _ in events]
    assert kinds[0] == "meta" and kinds[-2:] == ["sources", "done"] and "delta" in kinds
    thread = events[0][1]["thread_id"]
    done = events[-1][1]
    assert done["answer"].startswith(EXTRACTIVE_LABEL) and done["thread_id"] == thread
    assert events[-2][1]["sources"], "the answer cites sources"
    history = httpx.get(f"{server}/v1/chat/{thread}", timeout=10).json()
    assert [t["role"] for t in history["turns"]] == ["user", "assistant"]
    assert history["turns"][1]["sources"][0]["citation"]


def test_non_streamed_reply_and_out_of_domain(server: str) -> None:
    resp = httpx.post(f"{server}/v1/chat", json={"message": "怎么做红烧肉", "stream": False}, timeout=30)
    assert resp.status_code == 200
    body = resp.json()
    assert body["answer"].startswith(NO_BASIS) and body["sources"] == [] and body["flags"] == ["no_basis"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "问题", "thread_id": "a b"}, "thread_id"),
    ],
)
def test_bad_requests_get_problem_json(server: str, body: dict[str, Any], field: str) -> None:
    resp = httpx.post(f"{server}/v1/chat", json=body, timeout=10)
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert field in resp.text


def test_thread_survives_server_restart(state_dir: Path) -> None:
    with live_server(state_dir) as url:
        first = chat(url, "有没有类似的宅基地纠纷案例？", "restart-1")
    first_case = next(s for s in first[-2][1]["sources"] if s["kind"] == "case")
    with live_server(state_dir) as url:  # a new process on the same state directory
        turns = httpx.get(f"{url}/v1/chat/restart-1", timeout=10).json()["turns"]
        assert len(turns) == 2
        again = chat(url, "第一个案例的结果是什么？", "restart-1")
        assert again[-2][1]["sources"][0]["id"] == first_case["id"]


# ---------------------------------------------------------------------------------------------- LLM mode
SCRIPT = ["根据《民法典》第1079条[1]，", "可以先行调解；", "另据《民法典》第9999条", "应当赔偿。", "[2]"]


class ScriptedModel:
    """OpenAI-compatible chat completions that stream SCRIPT and wait on ``release`` before the last piece."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.port = free_port()
        app = FastAPI()

        @app.get("/v1/models")
        def models() -> dict[str, Any]:
            return {"object": "list", "data": [{"id": "scripted", "object": "model"}]}

        @app.post("/v1/chat/completions")
        async def completions(request: Request) -> StreamingResponse:
            self.requests.append(await request.json())
            return StreamingResponse(self._chunks(), media_type="text/event-stream")

        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _chunks(self) -> Any:
        import anyio

        for i, piece in enumerate(SCRIPT):
            if i == len(SCRIPT) - 1:
                await anyio.to_thread.run_sync(self.release.wait, 30)
            chunk = {
                "id": "c1",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "scripted",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
            }
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
        yield "data: [DONE]\n\n"

    def __enter__(self) -> ScriptedModel:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.should_exit = True
        self.thread.join(10)


def test_llm_mode_streams_incrementally_and_removes_unverified_citations(state_dir: Path) -> None:
    with ScriptedModel() as model:
        env = {
            "BRAIN_LLM__BACKEND": "openai",
            "BRAIN_LLM__BASE_URL": f"http://127.0.0.1:{model.port}/v1",
            "BRAIN_LLM__MODEL": "scripted",
            "BRAIN_LLM__API_KEY": "test-key",
            "BRAIN_LLM__MAX_RETRIES": "0",
        }
        with live_server(state_dir, env=env) as url:
            question = "当事人张建国（电话13812345678）离婚后不付抚养费，适用哪条法律？"
            body = {"message": question, "thread_id": "llm-1"}
            with httpx.stream("POST", f"{url}/v1/chat", json=body, timeout=60) as resp:
                events = read_events(resp)
                first = next(events)
                assert first[0] == "meta" and first[1]["mode"] == "llm"
                delta = next(events)
                assert delta == ("delta", {"text": SCRIPT[0]})
                assert not model.release.is_set()  # the model has not finished: the stream is incremental
                model.release.set()
                rest = list(events)
    kinds = [k for k, _ in rest]
    assert kinds[-2:] == ["sources", "done"]
    done = rest[-1][1]
    assert "citations_removed" in done["flags"] and "llm" in done["flags"]
    assert done["removed"] == ["《民法典》第9999条"]
    assert "《民法典》第1079条[1]" in done["answer"] and REMOVED_MARK in done["answer"]
    n_sources = len(rest[-2][1]["sources"])
    assert n_sources >= 2 and "[2]" in done["answer"]
    # one model call per turn, and personal data never reaches the model (redacted before sending)
    assert len(model.requests) == 1
    sent = json.dumps(model.requests, ensure_ascii=False)
    assert "13812345678" not in sent and "张建国" not in sent and "抚养费" in sent
