"""Typed state of the intake graph. The input state (what a caller gives) is narrower than the full state
(what the nodes fill in), so ``graph.invoke`` rejects nothing a caller should not set."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal

from typing_extensions import TypedDict

from brain.agents.intake.schema import Classification, Facts, RiskAssessment, RiskLevel, Routing, Strategies

if TYPE_CHECKING:
    from brain.agents.intake.routing import RoutePlanner
    from brain.agents.intake.steps import IntakeModels
    from brain.llm import LLMBackend
    from brain.retrieval.service import RetrievalService


class IntakeInput(TypedDict):
    text: str
    level: str
    region: str | None
    source: str | None
    mode: Literal["deterministic", "llm"]
    precedents: bool


class _Results(TypedDict, total=False):
    """What the nodes fill in and the caller gets back."""

    redacted: str
    mapping: dict[str, str]
    classification: Classification
    risk: RiskAssessment
    facts: Facts
    routing: Routing
    strategies: Strategies
    mode_used: Literal["deterministic", "llm", "fallback"]


class IntakeState(IntakeInput, _Results, total=False):
    llm_risk: RiskLevel | None  # the model's colour; combined with the rules' colour, never lowering it
    warnings: Annotated[list[str], operator.add]


class IntakeOutput(_Results, total=False):
    warnings: list[str]


@dataclass(frozen=True)
class IntakeContext:
    """The parts every node may use, handed in per run (LangGraph ``context_schema``): the loaded models,
    the LLM back end (None in deterministic mode), the route planner over the graph, and retrieval for
    precedents. Nodes read them from ``runtime.context``; none calls back into a service or the facade."""

    models: IntakeModels
    llm: LLMBackend | None
    planner: RoutePlanner
    retrieval: RetrievalService | None
