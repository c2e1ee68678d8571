"""Chat routes: ``POST /v1/chat`` streams an answer as server-sent events, ``GET /v1/chat/{thread_id}`` reads
a thread back. Input is validated before the stream starts, so a bad request gets problem+json, not a
half-open stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from brain.agents.chat.service import MAX_MESSAGE_CHARS, check_thread_id, new_thread_id
from brain.agents.chat.state import ChatEvent, ChatHistory, ChatHistoryRequest, ChatMessageRequest
from brain.api.deps import compute_limiter, get_brain
from brain.security import current_principal
from brain.security.ownership import ThreadOwners
from brain.service import Brain

router = APIRouter(prefix="/v1/chat", tags=["调解助手"])


class ChatRequest(BaseModel):
    message: str = Field(
        min_length=1, max_length=MAX_MESSAGE_CHARS, examples=["有没有类似的宅基地纠纷案例？"]
    )
    thread_id: str | None = Field(
        default=None, description="留空则新建会话；沿用则带上下文追问", examples=["mediator-demo-1"]
    )
    stream: bool = Field(default=True, description="false 时一次性返回 JSON")
    use_llm: bool | None = Field(default=None, description="默认：配置了模型即使用；false 强制检索摘录模式")


class ChatReply(BaseModel):
    thread_id: str
    answer: str
    sources: list[dict[str, Any]]
    flags: list[str]
    removed: list[str] = Field(default_factory=list)


def _sse(ev: ChatEvent) -> ServerSentEvent:
    return ServerSentEvent(data=json.dumps(ev.data, ensure_ascii=False), event=ev.event)


@router.post(
    "",
    summary="调解助手对话（SSE 流式：meta, delta…, sources, done）",
    responses={200: {"content": {"text/event-stream": {}}, "model": ChatReply}},
)
def chat(req: ChatRequest, request: Request, brain: Brain = Depends(get_brain)) -> Any:
    thread_id = check_thread_id(req.thread_id) if req.thread_id else new_thread_id()
    principal = current_principal()
    if principal is not None:  # the thread belongs to whoever made it (brain.security.ownership)
        has_turns = bool(req.thread_id) and bool(_turns(brain, thread_id))
        _owners(request).claim_for_writing(thread_id, principal, has_turns)
    # validates before streaming
    events = brain.chat(ChatMessageRequest(message=req.message, thread_id=thread_id, use_llm=req.use_llm))
    if req.stream:
        # Deterministic answers are CPU work like search: each turn runs as one task under the chat limiter
        # (brain.api.deps); with a model the steps mostly wait for tokens and take the default pool.
        cpu_bound = req.use_llm is False or brain.llm is None
        limiter = compute_limiter(request, "chat") if cpu_bound else None
        return EventSourceResponse(_stream(events, limiter), ping=15)
    sources: list[dict[str, Any]] = []
    done: dict[str, Any] = {}
    for ev in events:
        if ev.event == "sources":
            sources = ev.data["sources"]
        elif ev.event == "done":
            done = ev.data
    return ChatReply(
        thread_id=done["thread_id"],
        answer=done["answer"],
        sources=sources,
        flags=done["flags"],
        removed=done.get("removed", []),
    )


@router.get(
    "/{thread_id}", response_model=ChatHistory, summary="读取会话历史（仅限创建者；管理员可读并留审计）"
)
def history(thread_id: str, request: Request, brain: Brain = Depends(get_brain)) -> ChatHistory:
    result = brain.chat_history(ChatHistoryRequest(thread_id=thread_id))
    principal = current_principal()
    if principal is not None:
        _owners(request).check_read(thread_id, principal, bool(result.turns))
    return result


def _turns(brain: Brain, thread_id: str) -> list[Any]:
    return list(brain.chat_history(ChatHistoryRequest(thread_id=thread_id)).turns)


def _owners(request: Request) -> ThreadOwners:
    state = request.app.state
    owners: ThreadOwners | None = getattr(state, "thread_owners", None)
    if owners is None:
        owners = state.thread_owners = ThreadOwners(state.settings.state_dir / "threads.sqlite3")
    return owners


async def _stream(
    events: Iterator[ChatEvent], limiter: anyio.CapacityLimiter | None
) -> AsyncIterator[ServerSentEvent]:
    """SSE events of a chat turn.

    With ``limiter`` (a deterministic answer: CPU work like a search, ~0.1 s) the whole turn runs as one
    task under the compute limiter and its events are sent when it is done: one place in the queue per
    turn, not one per delta. Otherwise (a model streams tokens) each event is one worker-thread step.

    When the client goes away mid-answer the task is cancelled; the step in flight finishes (threads cannot
    be interrupted), then the generator is closed, which ends the graph run and releases the thread's lock:
    the next turn starts at once instead of waiting for garbage collection to close the abandoned generator
    (finding 5 of the hostile test)."""
    done = object()
    try:
        if limiter is not None:
            for ev in await anyio.to_thread.run_sync(list, events, limiter=limiter):
                yield _sse(ev)
            return
        while True:
            item = await anyio.to_thread.run_sync(next, events, done)
            if item is done:
                return
            yield _sse(item)  # type: ignore[arg-type]
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_close, events)


def _close(events: Iterator[ChatEvent]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()
