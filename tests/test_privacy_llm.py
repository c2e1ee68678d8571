"""End to end: personal data planted in HTTP requests never reaches the model server, a log or the audit store.

A real uvicorn server in LLM mode talks to the tests' OpenAI-compatible server (``llm_server``), which records
every request body it receives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from eval.bench_api import LiveServer
from tests.support.llm_fixtures import TEST_API_KEY

pytestmark = pytest.mark.slow

PHONE = "13912345678"
CARD = "6222020200001234562"  # passes Luhn


def _valid_id() -> str:
    from brain.privacy import gb11643_check_char

    first17 = "33010619850307123"
    return first17 + gb11643_check_char(first17)


@pytest.fixture
def llm_live(
    llm_server: Any, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    env = {
        "BRAIN_LLM__BACKEND": "openai",
        "BRAIN_LLM__BASE_URL": llm_server.base_url,
        "BRAIN_LLM__MODEL": llm_server.model_name,
        "BRAIN_LLM__API_KEY": TEST_API_KEY,
        "BRAIN_LLM__MAX_RETRIES": "0",
        "BRAIN_RETRIEVAL__INDEX_DIR": str(tmp_path_factory.getbasetemp() / "shared-index"),
    }
    server = LiveServer(tmp_path / "state", env=env).start()
    yield server
    server.stop()


def test_planted_personal_data_never_reaches_the_model_logs_or_audit(
    llm_live: LiveServer, llm_server: Any
) -> None:
    idn = _valid_id()
    from brain.privacy import is_valid_id_number, luhn_valid

    assert is_valid_id_number(idn) and luhn_valid(CARD)  # planted data the detectors must catch
    text = f"我叫王建国，身份证号{idn}，手机{PHONE}，工资卡{CARD}。公司拖欠我三个月工资，请求帮助。"
    with httpx.Client(base_url=llm_live.base_url, timeout=120) as c:
        r1 = c.post("/v1/intake", json={"text": text, "mode": "llm"})
        r2 = c.post("/v1/chat", json={"message": text, "stream": False, "use_llm": True})
    assert r1.status_code < 500, r1.text
    assert r2.status_code < 500, r2.text
    assert llm_server.requests, "the model server received nothing: the test would prove nothing"
    sent = json.dumps(llm_server.requests, ensure_ascii=False)
    log = llm_live.log_text()
    audit = b"".join(p.read_bytes() for p in llm_live.state_dir.glob("audit.sqlite3*"))
    rows = sqlite3.connect(llm_live.state_dir / "audit.sqlite3").execute("SELECT * FROM audit").fetchall()
    assert len(rows) >= 2
    for secret in (idn, PHONE, CARD):
        assert secret not in sent, f"{secret} reached the model server"
        assert secret not in log, f"{secret} reached the server log"
        assert secret.encode() not in audit
    assert "〔" in sent  # the model saw placeholders instead
