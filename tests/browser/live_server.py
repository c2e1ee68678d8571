"""A real API server (uvicorn, separate process) on a free loopback port, for the chat API and browser tests.

A separate process, not a thread, so "restart the server" means what it says: the second server shares only
the state directory (index, chat.sqlite) with the first.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(
    state_dir: Path,
    *,
    ui: bool = False,
    graph: bool = False,
    start_timeout_s: float = 240,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Yield the base URL of a running server; stop it (and wait for it) on exit.

    ``graph=False`` points the graph at a closed port: the service starts degraded (as it does when the graph
    server is down) without spending ~40 s starting the embedded graph server.
    """
    port = free_port()
    graph_env = (
        {"BRAIN_GRAPH__BOLT_PORT": str(free_port()), "BRAIN_GRAPH__HTTP_PORT": str(free_port())}
        if graph
        else {"BRAIN_GRAPH__URI": f"bolt://127.0.0.1:{free_port()}"}
    )
    full_env = {
        **os.environ,
        "BRAIN_PROFILE": "test",
        "BRAIN_STATE_DIR": str(state_dir),
        "BRAIN_API__UI": "true" if ui else "false",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "OMP_NUM_THREADS": "2",
        **graph_env,
        **(env or {}),
    }
    log_path = state_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "brain.api.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc, log_path, start_timeout_s)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-3000:]}"
            )
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"server not ready after {timeout_s}s:\n{log_path.read_text(errors='replace')[-3000:]}"
    )
