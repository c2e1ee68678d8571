"""free_port() never hands the same port out twice in one process, even when the OS offers it again: a test
that asked for a Bolt and an HTTP port once got one port for both and the graph server failed to start."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from knowledge_graph import server


class _Socket:
    """socket.socket stand-in whose bind(port 0) yields ports from a fixed sequence."""

    offers: Iterator[int]

    def __enter__(self) -> _Socket:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def bind(self, addr: Any) -> None:
        self.port = next(self.offers)

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)


def test_repeated_offer_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    _Socket.offers = iter([40001, 40001, 40001, 40002, 40001, 40003])
    monkeypatch.setattr(server.socket, "socket", _Socket)
    monkeypatch.setattr(server, "_HANDED_OUT", set())
    assert [server.free_port(), server.free_port(), server.free_port()] == [40001, 40002, 40003]


def test_free_ports_also_avoids_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    _Socket.offers = iter([40010, 40011, 40011, 40012])
    monkeypatch.setattr(server.socket, "socket", _Socket)
    monkeypatch.setattr(server, "_HANDED_OUT", set())
    assert server.free_ports(2, taken={40010}) == [40011, 40012]
