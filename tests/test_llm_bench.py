"""``brain bench llm`` against the tiny OpenAI-compatible server: it runs, streams, and validates schemas."""

from __future__ import annotations

import re

import typer
from typer.testing import CliRunner

from brain.cli.bench import app
from eval.bench_llm import build_workloads, decode_ceiling


def test_bench_llm_prints_the_table_with_ceiling(llm_server) -> None:
    root = typer.Typer()
    root.add_typer(app, name="bench")  # as mounted in brain.cli
    result = CliRunner().invoke(
        root,
        [
            "bench",
            "llm",
            "--url",
            llm_server.base_url,
            "--model",
            llm_server.model_name,
            "--concurrency",
            "1,2",
            "--requests",
            "4",
            "--max-tokens",
            "200",
            "--api-key",
            "test-key",
            "--weights-gb",
            "0.0005",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if re.match(r"^\s*\d+\s", line)]
    assert [r[0] for r in rows] == ["1", "2"]
    assert all(r[2] == "0" and r[-1] == "100%" for r in rows)  # no errors, every intake answer schema-valid
    assert "ceiling" in result.output and "0.0005 GB" in result.output
    sent = [b for b in llm_server.requests if b.get("response_format")]
    assert sent and all(b["stream"] for b in llm_server.requests)


def test_workloads_alternate_intake_and_chat_from_the_corpus() -> None:
    ws = build_workloads(4)
    assert [w.kind for w in ws] == ["intake", "chat", "intake", "chat"]
    assert "<<<数据:complaint>>>" in ws[0].messages[-1]["content"]


def test_ceiling_from_profiles() -> None:
    value, how = decode_ceiling("deepseek-r1-distill-qwen-32b", weights_gb=None, bandwidth_tbs=4.8)
    assert value is not None and 70 < value < 76 and "r1-distill-qwen-32b" in how
    assert decode_ceiling("unknown", weights_gb=None, bandwidth_tbs=4.8)[0] is None
