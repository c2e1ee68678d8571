"""Typed state of the mediator chat graph.

The *input* state is narrow (one question and the mode flags the service passes in); the full state adds the
conversation so far, which the SQLite checkpointer keeps per thread id, and the per-turn working fields that
each node fills. ``turns`` is the only field with a reducer: each run appends the user's question and the
answer, so a thread's history is just ``turns`` read back from its last checkpoint.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from brain.agents.intake.service import IntakeService
    from brain.llm import LLMBackend
    from brain.retrieval.service import RetrievalService

SourceKindLabel = Literal["statute", "case", "strategy", "document"]


class Source(BaseModel):
    """One numbered source an answer cites as [n]. ``id`` is what ``Brain.get_document`` (or the graph) knows."""

    n: int = Field(description="the number used in the answer, [n]")
    id: str
    kind: SourceKindLabel
    title: str
    citation: str = Field(description="《民法典》第1079条, a case id, or 图谱：策略名")
    snippet: str
    score: float | None = None


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    sources: list[Source] = Field(default_factory=list)
    flags: list[str] = Field(
        default_factory=list, description="extractive / no_basis / citations_removed ..."
    )
    topic: str | None = Field(default=None, description="the retrieval query this turn answered")


class ChatInput(TypedDict):
    question: str
    use_llm: bool


class ChatState(ChatInput, total=False):
    turns: Annotated[list[dict[str, Any]], operator.add]
    # per-turn working fields, overwritten by every run
    query: str
    topic: str | None
    referenced: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    relevance: dict[str, Any]
    answer: str
    flags: list[str]
    removed: list[str]


@dataclass(frozen=True)
class ChatContext:
    """The parts the nodes use, handed in per run (LangGraph ``context_schema``): retrieval for statutes and
    cases, intake for the question's type and its graph strategies (None: no strategy section), and the LLM
    back end (None in deterministic mode)."""

    retrieval: RetrievalService
    intake: IntakeService | None
    llm: LLMBackend | None


# ---------------------------------------------------------------------------------------------- facade models
class ChatMessageRequest(BaseModel):
    """One question in a thread (``Brain.chat``). Checked by the service (Chinese :class:`InputError`), so a
    blank or over-long message fails the same way for every caller."""

    message: str
    thread_id: str | None = Field(default=None, description="None or empty: a new thread")
    use_llm: bool | None = Field(default=None, description="None: the model when one is configured")


class ChatEvent(BaseModel):
    event: Literal["meta", "delta", "reset", "sources", "done"]
    data: dict[str, Any] = Field(default_factory=dict)


class ChatHistoryRequest(BaseModel):
    thread_id: str


class ChatHistory(BaseModel):
    thread_id: str
    turns: list[Turn]
