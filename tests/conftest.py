"""Test-wide guards: no test reaches an outside model service by accident, and state goes to a temp dir."""

from __future__ import annotations

import os
import socket

import pytest

pytest_plugins = ["tests.support.llm_fixtures"]  # llm_server / llm_settings / llm_client

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
