"""ChatService: runs the chat graph for one thread and turns its output into :class:`ChatEvent` s.

Threads persist in SQLite (``<state_dir>/chat.sqlite``) through LangGraph's ``SqliteSaver``, so a thread
survives a restart of the service. Events, in order: ``meta`` (thread id, mode), ``delta`` (answer text as
it is produced; ``reset`` if the model failed mid-answer and the extractive answer replaces it), ``sources``
(the numbered sources [n] resolves to) and ``done`` (final answer after citation checking, flags).
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from brain.agents.chat.graph import build_graph
from brain.agents.chat.state import (
    ChatContext,
    ChatEvent,
    ChatHistory,
    ChatHistoryRequest,
    ChatInput,
    ChatMessageRequest,
    ChatState,
    Turn,
)
from brain.errors import InputError

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.sqlite import SqliteSaver
    from langgraph.graph.state import CompiledStateGraph

    from brain.agents.intake.service import IntakeService
    from brain.llm import LLMBackend
    from brain.retrieval.service import RetrievalService
    from brain.settings import Settings

log = logging.getLogger(__name__)

THREAD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_MESSAGE_CHARS = 2000


def new_thread_id() -> str:
    return uuid.uuid4().hex


def check_thread_id(thread_id: str) -> str:
    if not THREAD_ID.match(thread_id or ""):
        raise InputError(
            "会话编号格式不正确",
            where="thread_id",
            hint="只能包含字母、数字和 _.:-，长度 1–64；留空则自动新建会话",
        )
    return thread_id


class ChatService:
    def __init__(
        self,
        settings: Settings,
        *,
        retrieval: RetrievalService,
        intake: IntakeService | None,
        llm: LLMBackend | None,
    ) -> None:
        self.settings = settings
        self.llm = llm
        self.context = ChatContext(retrieval=retrieval, intake=intake, llm=llm)
        self._conn: sqlite3.Connection | None = None
        self._graph: CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState] | None = None
        self._open_lock = threading.Lock()
        self._thread_locks: dict[str, threading.Lock] = {}

    @property
    def db_path(self) -> Path:
        return self.settings.state_dir / "chat.sqlite"

    def _compiled(self) -> CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState]:
        """Open the checkpoint database and compile the graph on first use (the constructor stays cheap)."""
        with self._open_lock:
            if self._graph is None:
                from langgraph.checkpoint.sqlite import SqliteSaver

                self.db_path.parent.mkdir(parents=True, exist_ok=True)
                # one connection shared by request threads; SqliteSaver serialises access with its own lock
                self._conn = sqlite3.connect(self.db_path, check_same_thread=False)
                saver: SqliteSaver = SqliteSaver(self._conn)
                saver.setup()
                self._graph = build_graph(saver)
            return self._graph

    def _lock_for(self, thread_id: str) -> threading.Lock:
        with self._open_lock:
            return self._thread_locks.setdefault(thread_id, threading.Lock())

    def stream(self, req: ChatMessageRequest) -> Iterator[ChatEvent]:
        """Answer ``req.message`` in ``req.thread_id`` (new thread if empty), yielding events as produced."""
        thread_id = check_thread_id(req.thread_id) if req.thread_id else new_thread_id()
        message, use_llm = req.message, req.use_llm
        if not message or not message.strip():
            raise InputError("问题不能为空", where="message", hint="请输入要咨询的问题")
        if len(message) > MAX_MESSAGE_CHARS:
            raise InputError(
                f"问题过长（{len(message)} 字）",
                where="message",
                hint=f"请控制在 {MAX_MESSAGE_CHARS} 字以内，或分几次提问",
            )
        llm_on = self.llm is not None if use_llm is None else (use_llm and self.llm is not None)
        graph = self._compiled()
        return self._run(graph, thread_id, message.strip(), llm_on)

    def _run(
        self,
        graph: CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState],
        thread_id: str,
        message: str,
        llm_on: bool,
    ) -> Iterator[ChatEvent]:
        yield ChatEvent(
            event="meta", data={"thread_id": thread_id, "mode": "llm" if llm_on else "deterministic"}
        )
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        inputs: ChatInput = {"question": message, "use_llm": llm_on}
        final: dict[str, Any] = {}
        with self._lock_for(thread_id):  # one run per thread at a time keeps its turns in order
            for part in graph.stream(inputs, config, context=self.context, stream_mode=["custom", "values"]):
                mode, chunk = cast(tuple[str, dict[str, Any]], part)
                if mode == "custom":
                    yield ChatEvent.model_validate({"event": chunk["type"], "data": {"text": chunk["text"]}})
                else:
                    final = chunk
        yield ChatEvent(event="sources", data={"sources": final.get("sources", [])})
        yield ChatEvent(
            event="done",
            data={
                "thread_id": thread_id,
                "answer": final.get("answer", ""),
                "flags": final.get("flags", []),
                "removed": final.get("removed", []) if "citations_removed" in final.get("flags", []) else [],
                "relevance": {
                    k: v
                    for k, v in final.get("relevance", {}).items()
                    if k in ("in_domain", "reason", "coverage")
                },
            },
        )

    def history(self, req: ChatHistoryRequest) -> ChatHistory:
        """The thread's turns, oldest first; empty for an unknown thread."""
        check_thread_id(req.thread_id)
        snapshot = self._compiled().get_state({"configurable": {"thread_id": req.thread_id}})
        turns = [Turn.model_validate(t) for t in snapshot.values.get("turns", [])]
        return ChatHistory(thread_id=req.thread_id, turns=turns)

    def close(self) -> None:
        with self._open_lock:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            self._graph = None
