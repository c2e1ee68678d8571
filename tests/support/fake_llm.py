"""An in-process :class:`brain.llm.LLMBackend` with scripted replies, for LLM-mode *logic* tests (what the
agents do with a model's answer: accept, ground, fall back), the way pydantic-ai's ``FunctionModel`` stands
in for a model. It does not speak HTTP and does not redact: wire behaviour (the OpenAI protocol, guided
decoding, timeouts, redaction of what is sent) is tested against the real test server
(``tests/support/openai_server.py``, fixtures in ``llm_fixtures.py``).

A reply is a ``dict`` (for ``complete_json``), a ``str`` (for ``complete``/``stream``; ``stream`` yields it
in pieces) or an exception to raise; give one reply, a list (used in order, the last repeats) or a function
``(messages, schema) -> reply``. Every call is recorded in ``calls``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

Reply = dict[str, Any] | str | BaseException
Script = Reply | list[Reply] | Callable[[Sequence[dict[str, str]], dict[str, Any] | None], Reply]


@dataclass
class Call:
    kind: str  # complete / stream / complete_json
    messages: list[dict[str, str]]
    schema: dict[str, Any] | None = None


@dataclass
class FakeLLM:
    script: Script
    calls: list[Call] = field(default_factory=list)
    closed: bool = False

    def _reply(self, kind: str, messages: Sequence[dict[str, str]], schema: dict[str, Any] | None) -> Reply:
        self.calls.append(Call(kind, [dict(m) for m in messages], schema))
        if callable(self.script):
            reply = self.script(messages, schema)
        elif isinstance(self.script, list):
            reply = self.script[min(len(self.calls), len(self.script)) - 1]
        else:
            reply = self.script
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> str:
        return str(self._reply("complete", messages, None))

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]:
        text = str(self._reply("stream", messages, None))
        for i in range(0, len(text), 8):
            yield text[i : i + 8]

    def complete_json(
        self,
        messages: Sequence[dict[str, str]],
        schema: dict[str, Any] | type[BaseModel],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> dict[str, Any]:
        as_dict = schema.model_json_schema() if isinstance(schema, type) else dict(schema)
        reply = self._reply("complete_json", messages, as_dict)
        if not isinstance(reply, dict):
            raise TypeError(f"complete_json needs a dict reply, the script gave {type(reply).__name__}")
        return reply

    def status(self) -> dict[str, Any]:
        return {"ok": True, "model": "fake", "calls": len(self.calls)}

    def close(self) -> None:
        self.closed = True
