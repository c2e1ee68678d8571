"""The mediator chat graph, compiled by :func:`build_graph` (a fresh graph per service or test).

START -> contextualize -> retrieve -(in domain)-> answer -(LLM)-> check -> record -> END
                                  \\-(out of domain)-> no_basis ----------/
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langgraph.graph import END, START, StateGraph

from brain.agents.chat.nodes import ChatNodes
from brain.agents.chat.state import ChatContext, ChatInput, ChatState

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.graph.state import CompiledStateGraph


def build_graph(
    checkpointer: BaseCheckpointSaver | None = None,
) -> CompiledStateGraph[ChatState, ChatContext, ChatInput, ChatState]:
    """Compile the chat graph; ``checkpointer`` keeps each thread's turns (keyed by thread id). The parts
    travel in each run's context (``context=ChatContext(...)``), so the graph holds none."""
    nodes = ChatNodes()
    g = StateGraph(ChatState, context_schema=ChatContext, input_schema=ChatInput)
    g.add_node("contextualize", nodes.contextualize)
    g.add_node("retrieve", nodes.retrieve)
    g.add_node("answer", nodes.answer)
    g.add_node("no_basis", nodes.no_basis)
    g.add_node("check", nodes.check)
    g.add_node("record", nodes.record)
    g.add_edge(START, "contextualize")
    g.add_edge("contextualize", "retrieve")
    g.add_conditional_edges("retrieve", nodes.route_after_retrieve)
    g.add_conditional_edges("answer", nodes.route_after_answer)
    g.add_edge("no_basis", "record")
    g.add_edge("check", "record")
    g.add_edge("record", END)
    return g.compile(checkpointer=checkpointer, name="mediator_chat")
