"""The HTTP surface (FastAPI app from ``create_app``, through TestClient) and the ``brain agreement`` CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from brain.api.app import create_app
from brain.cli import app as cli_app
from brain.service import Brain
from brain.settings import load_settings

CASE = json.loads(
    (Path(__file__).parent / "data" / "agreements" / "02_neighbour_leak.json").read_text("utf-8")
)


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    # No lifespan (no `with`): the agreement routes need neither the index nor the graph.
    settings = load_settings("test", state_dir=str(tmp_path))
    return TestClient(
        create_app(brain=Brain(settings)), client=("127.0.0.1", 50000)
    )  # open mode: loopback only


def test_draft_validate_export_round_trip(client: TestClient) -> None:
    r = client.post("/v1/agreements/draft", json=CASE["request"])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["mode"] == "deterministic" and body["missing_fields"] == []
    assert body["agreement"]["agreement_no"] == "（2026）城关幸福调字第1号"
    assert [p["name"] for p in body["agreement"]["parties"]] == ["刘淑芬", "赵志强"]

    r = client.post("/v1/agreements/validate", json=body["agreement"])
    assert r.status_code == 200 and r.json()["ok"] is True

    media = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
        "html": "text/html; charset=utf-8",
    }
    for fmt, media_type in media.items():
        r = client.post(f"/v1/agreements/export?format={fmt}", json=body["agreement"])
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == media_type
        disposition = r.headers["content-disposition"]
        assert f'filename="agreement.{fmt}"' in disposition
        assert (
            unquote(disposition.split("filename*=UTF-8''")[1])
            == f"人民调解协议书_（2026）城关幸福调字第1号.{fmt}"
        )
    import docx

    doc = docx.Document(
        io.BytesIO(client.post("/v1/agreements/export?format=docx", json=body["agreement"]).content)
    )
    assert "赵志强" in "\n".join(p.text for p in doc.paragraphs)


def test_no_parties_is_a_422_problem(client: TestClient) -> None:
    r = client.post("/v1/agreements/draft", json={"facts": "两家因为排水沟的事吵起来了。"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "未能确定当事人" in r.json()["detail"]


def test_contradictory_amounts_warn_or_422_when_strict(client: TestClient) -> None:
    req = CASE["request"] | {
        "terms_text": "被申请人赵志强于2026年3月1日前以现金方式赔偿申请人刘淑芬3800元（叁仟伍佰元整）。"
    }
    r = client.post("/v1/agreements/draft", json=req)
    assert r.status_code == 200
    assert any(
        w["code"] == "amount_mismatch" and w["field"] == "agreed_terms[0].text" for w in r.json()["warnings"]
    )
    agreement = r.json()["agreement"]
    r = client.post("/v1/agreements/export?format=pdf", json=agreement)
    assert r.status_code == 422 and "金额" in r.json()["detail"]
    assert client.post("/v1/agreements/export?format=pdf&force=true", json=agreement).status_code == 200
    r = client.post("/v1/agreements/draft", json=req | {"strict": True})
    assert r.status_code == 422 and "叁仟捌佰元整" in r.json()["detail"]


def test_schema_errors_are_422(client: TestClient) -> None:
    r = client.post("/v1/agreements/draft", json={"facts": "x", "date": "2026-02-30"})
    assert r.status_code == 422 and "date" in r.json()["detail"]
    r = client.post("/v1/agreements/export?format=odt", json={})
    assert r.status_code == 422
    r = client.post(
        "/v1/agreements/draft", json={"facts": "申请人：张三。被申请人：李四。", "term_text": "……"}
    )
    assert r.status_code == 422 and "term_text" in r.json()["detail"]  # a misspelt key is not ignored
    draft = client.post("/v1/agreements/draft", json=CASE["request"]).json()
    assert (
        client.post("/v1/agreements/validate", json=draft).status_code == 422
    )  # the draft, not its agreement


def test_cli_draft_writes_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("BRAIN_PROFILE", "test")
    src = tmp_path / "case.json"
    src.write_text(json.dumps(CASE["request"], ensure_ascii=False), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        cli_app,
        [
            "agreement",
            "draft",
            "--input",
            str(src),
            "--json",
            "--docx",
            str(tmp_path / "a.docx"),
            "--pdf",
            str(tmp_path / "a.pdf"),
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["agreement"]["parties"][0]["name"] == "刘淑芬"
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "a.docx").read_bytes().startswith(b"PK")

    agreement = tmp_path / "agreement.json"
    agreement.write_text(json.dumps(out), encoding="utf-8")
    assert runner.invoke(cli_app, ["agreement", "validate", "--input", str(agreement)]).exit_code == 0
    out["agreement"]["copies_count"] = 2
    agreement.write_text(json.dumps(out), encoding="utf-8")
    bad = runner.invoke(cli_app, ["agreement", "validate", "--input", str(agreement)])
    assert bad.exit_code == 1 and "copies_count" in bad.stdout


def test_cli_reports_bad_input_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("BRAIN_PROFILE", "test")
    src = tmp_path / "bad.json"
    src.write_text('{"facts": "没有当事人"', encoding="utf-8")
    r = CliRunner().invoke(cli_app, ["agreement", "draft", "--input", str(src)])
    assert r.exit_code == 1 and "不是合法的" in r.output and "第1行第18列" in r.output
    src.write_text('{"facts": "没有当事人"}', encoding="utf-8")
    r = CliRunner().invoke(cli_app, ["agreement", "draft", "--input", str(src)])
    assert r.exit_code == 1 and "未能确定当事人" in r.output and "Traceback" not in r.output
