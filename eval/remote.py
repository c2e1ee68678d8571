"""``brain eval run SUITE --url URL``: the same suites against a running server instead of in-process.

:class:`RemoteBrain` offers the few :class:`brain.service.Brain` methods the suites call, each as one request
to the public ``/v1`` API, and returns the same types, so a suite cannot tell which it was given. That is the
point: an evaluator can score the deployed service (its configuration, its index, its model) with the very
file and code they use on a laptop. Latency measured this way includes HTTP and serialisation, as a caller
sees it.

Supported suites: ``retrieval`` (``POST /v1/search``), ``drafting`` (``POST /v1/agreements/draft``) and
``chat`` (``POST /v1/chat`` with ``stream: false``). The intake suite reaches into the in-process classifier
(taxonomy resolution, the keyword baseline), which the API does not expose, so it refuses ``--url`` with a
clear error rather than scoring something else.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx

from brain.agents.chat.state import ChatEvent, ChatMessageRequest
from brain.agreements.models import AgreementDraft, AgreementRequest
from brain.errors import BrainError, InputError
from brain.requests import Readiness
from brain.types import SearchRequest, SearchResponse

TIMEOUT_S = 120.0


class RemoteError(BrainError):
    """The server answered with an error or could not be reached."""


MAX_RATE_LIMIT_WAIT_S = 120.0


class RemoteBrain:
    """A client for a running 枫桥智脑 server that looks, to an evaluation suite, like :class:`Brain`."""

    def __init__(self, url: str, api_key: str | None = None, *, timeout_s: float = TIMEOUT_S) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s, trust_env=False)
        # What the suites read from settings; the server's own values are not exposed over HTTP.
        self.settings = SimpleNamespace(retrieval=SimpleNamespace(fusion=f"remote:{self.url}"))

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ the methods the suites call
    def search(self, request: SearchRequest) -> SearchResponse:
        body = request.model_dump(mode="json", exclude_none=True)
        return SearchResponse.model_validate(self._post("/v1/search", body))

    def readiness(self) -> Readiness:
        """``/readyz`` (served with 503 while not ready; the body is the same)."""
        r = self._http.get("/readyz")
        body = r.json() if r.content else {}
        return Readiness.model_validate(
            {"index": {}, "graph": {}, "llm": {}, "ready": False} | (body if isinstance(body, dict) else {})
        )

    def draft_agreement(self, request: AgreementRequest) -> AgreementDraft:
        body = request.model_dump(mode="json")
        return AgreementDraft.model_validate(self._post("/v1/agreements/draft", body))

    def chat(self, request: ChatMessageRequest) -> Iterator[ChatEvent]:
        """One non-streamed turn, replayed as the ``sources`` and ``done`` events the in-process chat yields."""
        body = {"message": request.message, "thread_id": request.thread_id or None, "stream": False}
        data = self._post("/v1/chat", body)
        yield ChatEvent(event="sources", data={"sources": data.get("sources", [])})
        yield ChatEvent(
            event="done",
            data={
                "thread_id": data.get("thread_id"),
                "answer": data.get("answer", ""),
                "flags": data.get("flags", []),
                "removed": data.get("removed", []),
            },
        )

    @property
    def intake_service(self) -> Any:
        raise InputError(
            "受理分类评测（intake）不支持 --url",
            where="--url",
            hint="该套件需要进程内的分类体系与关键词基线；请去掉 --url 在服务所在机器上运行",
        )

    # ------------------------------------------------------------------ helpers
    def _post(self, route: str, body: Any) -> Any:
        """POST and return the JSON answer, waiting out the server's per-key rate limit (429 + Retry-After)
        a bounded number of times: an evaluation set of hundreds of cases is a legitimate burst, not an
        error. Any other error status (or a 429 past the bound) raises :class:`RemoteError`."""
        waited = 0.0
        while True:
            r = self._http.post(route, json=body)
            if r.status_code != 429 or waited >= MAX_RATE_LIMIT_WAIT_S:
                return self._ok(r, route)
            try:
                delay = float(r.headers.get("retry-after", "1"))
            except ValueError:
                delay = 1.0
            delay = min(max(delay, 0.1), MAX_RATE_LIMIT_WAIT_S - waited)
            time.sleep(delay)
            waited += delay

    def _ok(self, r: httpx.Response, route: str) -> Any:
        if r.status_code >= 400:
            try:
                body = r.json()
                detail = body.get("detail") or body.get("title") or r.text
            except ValueError:
                detail = r.text
            hint = "检查 --api-key 或 BRAIN_API_KEY" if r.status_code in (401, 403) else "查看服务端日志"
            raise RemoteError(f"{route} 返回 {r.status_code}：{str(detail)[:300]}", where=self.url, hint=hint)
        return r.json()


def connect(url: str, api_key: str | None) -> RemoteBrain:
    """Build a client, turning "nothing listens there" into a clear error instead of a stack trace."""
    client = RemoteBrain(url, api_key)
    started = time.monotonic()
    try:
        client._http.get("/healthz")
    except httpx.HTTPError as e:
        raise RemoteError(
            f"无法连接评测目标 {url}（{type(e).__name__}，{time.monotonic() - started:.1f} 秒）",
            where="--url",
            hint="确认服务已启动（brain serve / make run）且地址、端口正确",
        ) from e
    return client
