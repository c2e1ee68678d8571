"""Redaction of HTTP responses for a role that may not see personal data (the evaluator).

An ASGI ``send`` wrapper: JSON bodies are buffered and redacted value by value (so the JSON stays valid);
SSE and text chunks are redacted as they pass; other bodies (files) pass unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Send

from brain.privacy.redact import redact


def redact_json(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    return value


def redacting(send: Send) -> Send:
    state: dict[str, Any] = {"start": None, "mode": "", "chunks": []}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            ctype = Headers(raw=message.get("headers", [])).get("content-type", "")
            state["mode"] = "json" if "json" in ctype else "text" if ctype.startswith("text/") else "raw"
            if state["mode"] == "json":
                state["start"] = message  # held back until the body is complete and redacted
                return
            if state["mode"] == "text":  # redaction changes the length
                out = MutableHeaders(scope=message)
                if "content-length" in out:
                    del out["content-length"]
            await send(message)
            return
        if message["type"] != "http.response.body" or state["mode"] == "raw":
            await send(message)
            return
        if state["mode"] == "text":
            text = message.get("body", b"").decode("utf-8", errors="replace")
            await send({**message, "body": redact(text).text.encode()})
            return
        state["chunks"].append(message.get("body", b""))
        if message.get("more_body", False):
            return
        raw = b"".join(state["chunks"])
        try:
            body = json.dumps(redact_json(json.loads(raw)), ensure_ascii=False).encode()
        except ValueError:
            body = redact(raw.decode("utf-8", errors="replace")).text.encode()
        start = state["start"]
        headers = MutableHeaders(scope=start)
        headers["content-length"] = str(len(body))
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return wrapped
