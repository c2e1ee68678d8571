"""``brain bench intake``: deterministic intake latency per complaint, in-process, with the keyword-rules
baseline measured in the same run on the same texts (target p50 <= 20 ms on 2 cores).

The full intake is timed against the configured graph server (``graph.uri``; ``embedded`` starts it), twice:
with GraphService's cache of graph answers warm (the steady state: answers change only on ``brain kg load``)
and cold (``invalidate_cache()`` before every complaint, so every routing query goes over Bolt). Without a
reachable graph the full intake is timed on its degraded path and the table says so.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from eval.metrics import percentiles

DEFAULT_DATA = Path(__file__).resolve().parent / "datasets" / "intake_lawbench_2-4_test.jsonl"
COLD_MAX = 60  # cold-cache runs cost ~100 ms each on 2 cores; a sample is enough for p50/p99


def run(brain: Any, data: Path = DEFAULT_DATA, n: int = 300) -> dict[str, dict[str, float]]:
    texts = [json.loads(x)["text"] for x in data.read_text(encoding="utf-8").splitlines() if x.strip()][:n]
    from brain.agents.intake.classifier import KeywordClassifier
    from brain.agents.intake.schema import ClassifyRequest, IntakeRequest

    def intake(t: str) -> None:
        brain.intake(IntakeRequest(text=t, precedents=False, mode="deterministic"))

    keywords = KeywordClassifier(brain.taxonomy().types)
    brain.start()
    graph_ok = bool(brain.readiness().graph.get("ok"))
    for t in texts[:5]:  # first calls pay lazy imports and the driver's connection set-up
        intake(t)
    full = "full intake, graph cache warm" if graph_ok else "full intake (graph down: routing degraded)"
    timings: dict[str, list[float]] = {
        "keyword rules (baseline)": [],
        "classify (redact+classify+risk)": [],
        full: [],
    }
    for t in texts:
        t0 = time.perf_counter()
        keywords.predict(t)
        t1 = time.perf_counter()
        brain.classify(ClassifyRequest(text=t, mode="deterministic"))
        t2 = time.perf_counter()
        intake(t)
        t3 = time.perf_counter()
        timings["keyword rules (baseline)"].append((t1 - t0) * 1000)
        timings["classify (redact+classify+risk)"].append((t2 - t1) * 1000)
        timings[full].append((t3 - t2) * 1000)
    if graph_ok:
        cold = timings.setdefault("full intake, graph cache cold (queries over Bolt)", [])
        for t in texts[:COLD_MAX]:
            brain.graph.invalidate_cache()  # the part itself: this row measures its cache
            t0 = time.perf_counter()
            intake(t)
            cold.append((time.perf_counter() - t0) * 1000)
    return {k: {**percentiles(v, (50, 99)), "n": float(len(v))} for k, v in timings.items()}
