"""Chat routes: ``POST /v1/chat`` streams an answer as server-sent events, ``GET /v1/chat/{thread_id}`` reads
a thread back. Input is validated before the stream starts, so a bad request gets problem+json, not a
half-open stream."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from brain.agents.chat.service import MAX_MESSAGE_CHARS
from brain.agents.chat.state import ChatEvent, ChatHistory, ChatHistoryRequest, ChatMessageRequest
from brain.api.deps import get_brain
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
def chat(req: ChatRequest, brain: Brain = Depends(get_brain)) -> Any:
    # validates before streaming
    events = brain.chat(ChatMessageRequest(message=req.message, thread_id=req.thread_id, use_llm=req.use_llm))
    if req.stream:
        return EventSourceResponse((_sse(ev) for ev in events), ping=15)
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


@router.get("/{thread_id}", response_model=ChatHistory, summary="读取会话历史")
def history(thread_id: str, brain: Brain = Depends(get_brain)) -> ChatHistory:
    return brain.chat_history(ChatHistoryRequest(thread_id=thread_id))
