"""LLM back ends. Every back end answers one protocol, :class:`LLMBackend`; the production one is
:class:`brain.llm.client.LLMClient` (vLLM's OpenAI-compatible API). ``Brain.llm`` is ``None`` in deterministic
mode, and any :class:`brain.errors.LLMError` from a back end is the agents' signal to fall back.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from pydantic import BaseModel


class LLMBackend(Protocol):
    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> str: ...

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]: ...

    def complete_json(
        self,
        messages: Sequence[dict[str, str]],
        schema: dict[str, Any] | type[BaseModel],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> dict[str, Any]: ...

    def status(self) -> dict[str, Any]: ...

    def close(self) -> None: ...
