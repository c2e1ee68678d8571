"""The nodes of the intake graph. Each takes the state and the run context and returns a partial update.

The parts (models, LLM, route planner, retrieval) come from ``runtime.context`` (:class:`IntakeContext`);
the work is done by the functions of :mod:`brain.agents.intake.steps`.

Order: redact -> classify -> assess_risk -> extract -> (route -> strategize, unless classification abstained).
Everything after ``redact`` sees only the redacted text, so no node can leak personal data to a model or log.
"""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from brain.agents.intake import steps
from brain.agents.intake.routing import plan_or_degrade
from brain.agents.intake.schema import Routing, Strategies
from brain.agents.intake.state import IntakeContext, IntakeState


def redact(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    from brain.privacy import redact as redact_text

    r = redact_text(state["text"])
    return {"redacted": r.text, "mapping": dict(r.mapping), "warnings": []}


def classify(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    ctx = runtime.context
    det = steps.classify_deterministic(ctx.models, state["redacted"])
    if state["mode"] != "llm":
        return {"classification": det, "mode_used": "deterministic", "warnings": list(det.warnings)}
    llm_cls, llm_risk, warning = steps.classify_llm(ctx.models, ctx.llm, state["redacted"], det)
    if llm_cls is None:
        warnings = [*det.warnings, *([warning] if warning else [])]
        return {"classification": det, "mode_used": "fallback", "warnings": warnings}
    return {
        "classification": llm_cls,
        "mode_used": "llm",
        "llm_risk": llm_risk,
        "warnings": list(det.warnings),
    }


def assess_risk(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    cls = state["classification"]
    return {
        "risk": steps.assess(runtime.context.models, state["redacted"], cls, llm_level=state.get("llm_risk"))
    }


def extract(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    return {"facts": steps.extract(state["redacted"], state["mapping"])}


def after_extract(state: IntakeState) -> Literal["route", "skip_routing"]:
    """No type, no route: an abstained case goes to a person for 研判 before anyone is assigned."""
    return "skip_routing" if state["classification"].abstained else "route"


def route(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    cls = state["classification"]
    assert cls.dispute_type is not None
    routing = plan_or_degrade(
        runtime.context.planner,
        cls.sub_type or cls.dispute_type,
        level=state["level"],
        region=state["region"],
        source=state.get("source"),
        text=state["redacted"],
        risk_level=state["risk"].level,
        difficulty=state["risk"].difficulty,
    )
    return {"routing": routing}


def skip_routing(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    reason = "分类置信度低于阈值，需人工研判后再分流"
    return {"routing": Routing(available=False, degraded=reason), "strategies": Strategies(degraded=reason)}


def strategize(state: IntakeState, runtime: Runtime[IntakeContext]) -> dict[str, Any]:
    cls = state["classification"]
    assert cls.dispute_type is not None
    ctx = runtime.context
    strategies = steps.strategies(
        ctx.planner,
        ctx.retrieval,
        cls.sub_type or cls.dispute_type,
        query=state["redacted"] if state["precedents"] else None,
    )
    return {"strategies": strategies}
