"""``brain intake`` under a profile with an LLM goes to the model (the LLM part starts lazily like every
other part; before, the CLI never built it and silently ran deterministic). Real test model server, real
HTTP, the CLI in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brain.settings import LLMSettings
from tests.support.llm_fixtures import TEST_API_KEY

pytestmark = pytest.mark.slow


def test_brain_intake_runs_in_llm_mode_under_an_llm_profile(
    llm_server: Any, llm_settings: LLMSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brain.cli import app

    env = {
        "BRAIN_STATE_DIR": str(tmp_path),
        "BRAIN_LLM__BACKEND": "openai",
        "BRAIN_LLM__BASE_URL": llm_settings.base_url,
        "BRAIN_LLM__MODEL": llm_settings.model,
        "BRAIN_LLM__API_KEY": TEST_API_KEY,
        "BRAIN_LLM__MAX_TOKENS": "512",
        "BRAIN_LLM__MAX_RETRIES": "0",
        "BRAIN_GRAPH__URI": "bolt://127.0.0.1:9",  # routing degrades; no graph server is started
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    result = CliRunner().invoke(app, ["intake", "老板拖欠工资三个月不发", "--json", "--profile", "test"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["mode"] == "llm", out.get("warnings")
    assert llm_server.requests, "the model server was not asked"
    assert llm_server.requests[-1]["response_format"]["json_schema"]["schema"]["properties"]["dispute_type"]
