"""Test-wide guards: no test reaches an outside model service by accident, and state goes to a temp dir."""

from __future__ import annotations

import os
import socket

import pytest

pytest_plugins = [
    "tests.support.llm_fixtures",  # llm_server / llm_settings / llm_client
    "tests.ledger_fixtures",  # ledger_settings (SQLite and PostgreSQL) / make_ledger / pg_server
]

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

_LOOPBACK = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    """ALLOW_MODEL_REQUESTS = False, enforced: only loopback (and unix sockets) can be reached."""
    if isinstance(address, tuple) and address and str(address[0]) not in _LOOPBACK:
        raise RuntimeError(f"test tried to reach {address!r}; tests may only talk to 127.0.0.1")
    return _real_connect(self, address)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture
def tmp_state(tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BRAIN_STATE_DIR", str(tmp_path))
    return tmp_path


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop, and name, any embedded graph server a test left running under this session's temp dirs.

    The embedded ArcadeDB runs in its own process session so that it survives its starter; a test that forgets
    ``Brain.close()`` would leave a JVM behind on the CI machine. Tests should close what they start: this only
    makes a leak visible and keeps it from outliving the run.
    """
    import contextlib
    import signal
    from pathlib import Path

    try:
        base = str(session.config._tmp_path_factory.getbasetemp())  # type: ignore[attr-defined]
    except Exception:
        return
    leaked = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "knowledge_graph.server" in cmd and base in cmd:
            leaked.append(cmd.strip())
            with contextlib.suppress(OSError):
                os.kill(int(proc.name), signal.SIGTERM)
    if leaked:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"warning: stopped {len(leaked)} graph server(s) left running by tests:", yellow=True
            )
            for cmd in leaked:
                reporter.write_line(f"  {cmd}", yellow=True)
