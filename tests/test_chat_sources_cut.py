"""Issue 14 item 4: sources far below the others are not listed (relative to their kind, and to the best hit
of either kind)."""

from __future__ import annotations

from types import SimpleNamespace

from brain.agents.chat.relevance import close_to_best


def hits(*scores: float) -> list[SimpleNamespace]:
    return [SimpleNamespace(score=SimpleNamespace(fused=s), n=i) for i, s in enumerate(scores)]


def test_a_hit_far_below_the_best_of_its_kind_is_dropped() -> None:
    kept = close_to_best(hits(0.79, 0.56, 0.40))  # type: ignore[arg-type]
    assert [h.score.fused for h in kept] == [0.79, 0.56]


def test_uniformly_weak_statutes_next_to_a_strong_case_are_dropped() -> None:
    assert close_to_best(hits(0.30, 0.298, 0.278), overall=0.70) == []  # type: ignore[arg-type]
    assert len(close_to_best(hits(0.80, 0.79, 0.75), overall=0.83)) == 3  # type: ignore[arg-type]
