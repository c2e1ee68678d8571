"""The embedded graph server's life follows the service's (finding 9): when it dies the service restarts it
with back-off and says so in ``/readyz``; when ``brain serve`` is SIGKILLed the graph server stops too instead
of living on with parent 1."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from brain.security import open_key_store
from brain.service import Brain
from brain.settings import load_settings
from eval.bench_api import LiveServer

pytestmark = pytest.mark.slow


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _graph(url: str, key: str) -> dict[str, object]:
    part: dict[str, object] = httpx.get(f"{url}/readyz", headers={"X-API-Key": key}, timeout=30).json()[
        "graph"
    ]
    return part


def _wait(pred: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():  # type: ignore[operator]
            return True
        time.sleep(1)
    return False


def test_the_graph_server_is_restarted_and_stops_with_the_service(tmp_path: Path) -> None:
    settings = load_settings("test", state_dir=str(tmp_path))
    Brain(settings).start(graph=False).close()
    key = open_key_store(settings).create("admin", "ops")[1]
    server = LiveServer(tmp_path, env={"BRAIN_API__AUTH": "keys"}, graph=True).start(timeout_s=300)
    pid_file = tmp_path / "graph" / "server.pid"
    try:
        assert _wait(lambda: _graph(server.base_url, key).get("ok") is True, 180)
        first = int(pid_file.read_text())
        os.kill(first, signal.SIGKILL)  # the graph dies under the service
        seen: list[dict[str, object]] = []
        assert _wait(lambda: seen.append(_graph(server.base_url, key)) or seen[-1].get("restarts", 0), 30)
        down = seen[-1]
        assert down["ok"] is False and "重启" in str(down["detail"]), down
        assert _wait(lambda: _graph(server.base_url, key).get("ok") is True, 180)
        second = int(pid_file.read_text())
        assert second != first and _alive(second)
    finally:
        server.kill()  # SIGKILL: no shutdown hook runs
    assert _wait(lambda: not _alive(second), 20), "the graph server outlived a SIGKILLed service"
