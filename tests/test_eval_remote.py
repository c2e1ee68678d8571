"""`brain eval run SUITE --url URL`: the same suites against a real uvicorn server (separate process, free
loopback port) give the same quality numbers as in-process, and an unreachable URL is a clear error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brain.cli import app
from brain.service import Brain
from brain.settings import load_settings
from tests.browser.live_server import free_port, live_server

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO / "eval" / "datasets"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    state = tmp_path_factory.mktemp("eval-remote")
    Brain(load_settings("test", state_dir=str(state))).start(graph=False).close()
    with live_server(state) as url:
        yield url, state


def _run(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data: dict = json.loads(result.stdout)
    return data


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suite", "keys"),
    [
        ("drafting", ("fields_accounted", "missing_fields_exact", "warning_recall", "invented_names")),
        ("chat", ("citation_recall", "citation_validity", "no_basis_rate_ood")),
        ("retrieval", ("retrievers",)),
    ],
)
def test_remote_run_matches_in_process(
    server: tuple[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suite: str,
    keys: tuple[str, ...],
) -> None:
    url, state = server
    data = {
        "drafting": DATASETS / "drafting_dev.jsonl",
        "chat": DATASETS / "chat_dev.jsonl",
        "retrieval": tmp_path / "r.jsonl",
    }[suite]
    if suite == "retrieval":
        lines = (DATASETS / "retrieval_statutes_dev.jsonl").read_text(encoding="utf-8").splitlines()[:15]
        data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    remote = _run("eval", "run", suite, "--data", str(data), "--json", "--url", url)
    monkeypatch.setenv("BRAIN_PROFILE", "test")
    monkeypatch.setenv("BRAIN_STATE_DIR", str(state))
    local = _run("eval", "run", suite, "--data", str(data), "--json")
    for key in keys:
        if key == "retrievers":
            for name, block in local[key].items():
                assert {k: v for k, v in remote[key][name].items() if not k.endswith("_ms")} == {
                    k: v for k, v in block.items() if not k.endswith("_ms")
                }
        else:
            assert remote[key] == pytest.approx(local[key]), key
    assert remote["latency" if suite != "retrieval" else "retrievers"]


def test_unreachable_url_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "run",
            "drafting",
            "--data",
            str(DATASETS / "drafting_dev.jsonl"),
            "--url",
            f"http://127.0.0.1:{free_port()}",
        ],
    )
    assert result.exit_code == 1
    assert "无法连接评测目标" in result.stderr and "处理建议" in result.stderr
