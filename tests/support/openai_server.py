"""An OpenAI-compatible model server for tests, backed by the tiny random-weight model of :mod:`tiny_model`.

Usage in a test (fixtures from ``tests/support/llm_fixtures.py``, registered in ``tests/conftest.py``)::

    def test_something(llm_server, llm_settings):
        # llm_server: this server, reset to normal mode with an empty request log before each test
        # llm_settings: LLMSettings(backend="openai", base_url=llm_server.base_url, model=..., short timeouts)
        client = LLMClient(llm_settings)            # or Brain(load_settings("test", llm=llm_settings.model_dump()))
        out = client.complete_json(messages, MySchema)   # schema-valid JSON from the random model (xgrammar)
        assert "张三" not in json.dumps(llm_server.requests)  # every request body received, for privacy tests
        llm_server.set_mode(slow_s=5)               # sleep before answering  -> client timeout
        llm_server.set_mode(garbage="syntax")       # "syntax": not JSON; "schema": JSON breaking the schema
        llm_server.set_mode(think="wrap")           # "wrap": <think>…</think>answer; "close_only": …</think>answer;
                                                    # "field": reasoning in reasoning_content (vLLM's parser)
        llm_server.set_mode(fail_status=503)        # answer every chat request with this HTTP error
        llm_server.stop(); llm_server.start()       # dead server (connection refused), then back on the same port

Routes: ``GET /v1/models``, ``POST /v1/chat/completions`` (non-streamed and streamed as SSE chunks in OpenAI's
format, with ``stream_options.include_usage``). Structured output follows vLLM: ``response_format`` of type
``json_schema`` or ``json_object``, ``structured_outputs: {"json": …}`` (vLLM ≥ 0.12) and the older
``guided_json`` are all constrained with xgrammar. A prompt that does not fit ``max_model_len`` gets HTTP 400,
as from vLLM. The server runs uvicorn in a background thread on a free 127.0.0.1 port.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from tests.support.tiny_model import MAX_MODEL_LEN, Generation, TinyModel

GARBAGE = {
    "syntax": '{"category": "邻里纠纷", "parties": 2, "summary": "装修噪音',  # cut off mid-string
    "schema": '{"category": 42, "unexpected": true}',
}
THINK_TEXT = "让我先想一想：当事人张三的诉求是……"


@dataclass
class Mode:
    slow_s: float = 0.0
    garbage: str | None = None
    think: str | None = None
    fail_status: int | None = None


class OpenAICompatibleServer:
    def __init__(
        self, model_dir: Path, *, model_name: str = "tiny-qwen2-test", api_key: str | None = None
    ) -> None:
        self.model = TinyModel(model_dir)
        self.model_name = model_name
        self.api_key = api_key
        self.mode = Mode()
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    # ------------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def set_mode(self, **changes: Any) -> None:
        for key, value in changes.items():
            if not hasattr(self.mode, key):
                raise ValueError(f"unknown mode {key!r}; known: slow_s, garbage, think, fail_status")
            setattr(self.mode, key, value)

    def reset(self) -> None:
        """Normal mode, empty request log, and running (what each test starts from)."""
        self.mode = Mode()
        self.requests.clear()
        if self._server is None:
            self.start()

    def start(self) -> None:
        """Start (or restart on the same port, so a client's base_url stays valid)."""
        if self._server is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"tiny-openai-{self.port}"
        )
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("test model server did not start")
            time.sleep(0.02)
        self._server, self._thread, self._sock = server, thread, sock

    def stop(self) -> None:
        """Stop listening: clients now get 'connection refused'."""
        if self._server is None:
            return
        self._server.should_exit = True
        assert self._thread is not None
        self._thread.join(timeout=10)
        self._sock.close()
        self._server = self._thread = None

    def close(self) -> None:
        """Release the model. xgrammar's compiler owns native threads; destroyed during interpreter shutdown
        (while a daemon thread may still hold a generation) they abort the process with "terminate called
        without an active exception" and pytest exits 134 after every test has passed."""
        self.stop()
        self.model.close()

    # ------------------------------------------------------------------ HTTP
    def _build_app(self) -> FastAPI:
        app = FastAPI(title="tiny OpenAI-compatible test server")

        @app.get("/v1/models")
        def models(request: Request) -> Any:
            if (denied := self._check_key(request)) is not None:
                return denied
            return {
                "object": "list",
                "data": [
                    {
                        "id": self.model_name,
                        "object": "model",
                        "created": 0,
                        "owned_by": "fengqiao-tests",
                        "max_model_len": MAX_MODEL_LEN,
                    }
                ],
            }

        @app.post("/v1/chat/completions")
        def chat(request: Request, body: dict[str, Any]) -> Any:
            self.requests.append(body)
            if (denied := self._check_key(request)) is not None:
                return denied
            mode = Mode(**vars(self.mode))  # this request keeps the mode it arrived under
            if mode.slow_s:
                time.sleep(mode.slow_s)
            if mode.fail_status:
                return _error(mode.fail_status, "injected failure", "server_error")
            if body.get("model") != self.model_name:
                return _error(404, f"The model `{body.get('model')}` does not exist.", "NotFoundError")
            prompt_ids = self.model.prompt_ids(body.get("messages", []))
            max_tokens = int(body.get("max_completion_tokens") or body.get("max_tokens") or 256)
            if len(prompt_ids) + max_tokens > MAX_MODEL_LEN:
                return _error(
                    400,
                    f"This model's maximum context length is {MAX_MODEL_LEN} tokens. However, you "
                    f"requested {len(prompt_ids) + max_tokens} tokens.",
                    "BadRequestError",
                )
            schema, json_object = _structured(body)
            gen = Generation(prompt_tokens=len(prompt_ids))
            pieces = self._pieces(mode, prompt_ids, body, max_tokens, schema, json_object, gen)
            if body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                return StreamingResponse(
                    self._sse(pieces, gen, mode, include_usage), media_type="text/event-stream"
                )
            reasoning, content = "", ""
            for kind, text in pieces:
                if kind == "reasoning":
                    reasoning += text
                else:
                    content += text
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if reasoning:
                message["reasoning_content"] = message["reasoning"] = reasoning
            return {
                "id": f"chatcmpl-{uuid.uuid4().hex}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": self.model_name,
                "choices": [{"index": 0, "message": message, "finish_reason": gen.finish_reason}],
                "usage": _usage(gen),
            }

        return app

    def _check_key(self, request: Request) -> JSONResponse | None:
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Unauthorized", "AuthenticationError")
        return None

    def _pieces(
        self,
        mode: Mode,
        prompt_ids: list[int],
        body: dict[str, Any],
        max_tokens: int,
        schema: dict[str, Any] | None,
        json_object: bool,
        gen: Generation,
    ) -> Iterator[tuple[str, str]]:
        """(kind, text) pieces: kind is "content" or "reasoning" (vLLM's reasoning parser field)."""
        if mode.think == "field":
            yield "reasoning", THINK_TEXT
        elif mode.think == "wrap":
            yield "content", "<think>"
            yield "content", THINK_TEXT
            yield "content", "</think>\n\n"
        elif mode.think == "close_only":
            yield "content", THINK_TEXT + "</think>\n"
        if mode.garbage:
            gen.completion_tokens, gen.finish_reason = len(GARBAGE[mode.garbage]), "stop"
            yield "content", GARBAGE[mode.garbage]
            return
        temperature = float(body["temperature"]) if body.get("temperature") is not None else 1.0
        for text in self.model.generate(
            prompt_ids,
            max_tokens=max_tokens,
            temperature=temperature,
            seed=body.get("seed"),
            schema=schema,
            json_object=json_object,
            gen=gen,
        ):
            yield "content", text

    def _sse(
        self, pieces: Iterator[tuple[str, str]], gen: Generation, mode: Mode, include_usage: bool
    ) -> Iterator[str]:
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            data = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model_name,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        for kind, text in pieces:
            if text:
                yield chunk(
                    {"reasoning_content": text, "reasoning": text}
                    if kind == "reasoning"
                    else {"content": text}
                )
        yield chunk({}, gen.finish_reason)
        if include_usage:
            usage = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.model_name,
                "choices": [],
                "usage": _usage(gen),
            }
            yield f"data: {json.dumps(usage)}\n\n"
        yield "data: [DONE]\n\n"


def _structured(body: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """The JSON schema a request asks for, in any of the spellings vLLM has accepted; (schema, json_object)."""
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return fmt["json_schema"]["schema"], False
    if fmt.get("type") == "json_object":
        return None, True
    so = body.get("structured_outputs") or {}
    raw = so.get("json") or body.get("guided_json")
    if raw is None:
        return None, False
    return (json.loads(raw) if isinstance(raw, str) else raw), False


def _usage(gen: Generation) -> dict[str, int]:
    return {
        "prompt_tokens": gen.prompt_tokens,
        "completion_tokens": gen.completion_tokens,
        "total_tokens": gen.prompt_tokens + gen.completion_tokens,
    }


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": status}, "object": "error"}, status_code=status
    )
