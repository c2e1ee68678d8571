"""The intake graph: redact -> classify -> assess_risk -> extract -> route -> strategize.

Compiled once per :class:`~brain.agents.intake.service.IntakeService` (compiling costs milliseconds; a
request must not pay it). Dependencies travel in the run context, so one compiled graph serves every call.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from brain.agents.intake import nodes
from brain.agents.intake.state import IntakeContext, IntakeInput, IntakeOutput, IntakeState


def build_graph() -> Any:
    g = StateGraph(
        IntakeState, context_schema=IntakeContext, input_schema=IntakeInput, output_schema=IntakeOutput
    )
    g.add_node("redact", nodes.redact)
    g.add_node("classify", nodes.classify)
    g.add_node("assess_risk", nodes.assess_risk)
    g.add_node("extract", nodes.extract)
    g.add_node("route", nodes.route)
    g.add_node("skip_routing", nodes.skip_routing)
    g.add_node("strategize", nodes.strategize)
    g.add_edge(START, "redact")
    g.add_edge("redact", "classify")
    g.add_edge("classify", "assess_risk")
    g.add_edge("assess_risk", "extract")
    g.add_conditional_edges("extract", nodes.after_extract, ["route", "skip_routing"])
    g.add_edge("route", "strategize")
    g.add_edge("strategize", END)
    g.add_edge("skip_routing", END)
    return g.compile()
