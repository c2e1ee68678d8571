"""GraphService lifecycle on its own embedded server: it starts the server when uri == "embedded", loads
the seed into the empty graph, reports a stopped server, answers 503 for graph calls while it is down, and
recovers by itself when the server returns."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from brain.api import problems
from brain.api.routes import graph as graph_routes
from brain.errors import GraphUnavailableError
from brain.graph import GraphService
from brain.service import Brain
from knowledge_graph.server import free_port
from tests.kg_fixtures import graph_settings

pytestmark = pytest.mark.slow


def _app(brain: Brain) -> FastAPI:
    app = FastAPI()
    problems.install(app)
    app.include_router(graph_routes.router)
    app.state.brain = brain
    return app


def test_down_then_recovers(tmp_path: Path) -> None:
    settings = graph_settings(
        tmp_path, uri="embedded", bolt_port=free_port(), http_port=free_port(), password="kg-service-test"
    )
    service = GraphService(settings)
    brain = Brain(settings)
    brain._graph = service
    client = TestClient(_app(brain))
    try:
        service.start()
        assert service.server is not None and service.server.owned
        assert service.status()["ok"] is True
        assert service.stats()["nodes"]["DisputeType"] == 72  # seed loaded into the empty graph
        r = client.post("/v1/graph/queries/routing_candidates", json={"params": {"dispute_type": "邻里纠纷"}})
        assert r.status_code == 200 and r.json()["rows"][0]["org"] == "村（居）民调解委员会"
        assert client.post("/v1/graph/queries/nope").status_code == 404
        assert {q["name"] for q in client.get("/v1/graph/queries").json()} >= {
            "routing_candidates",
            "deadline",
        }

        service.server.stop()
        status = service.status()
        assert status["ok"] is False and "不可用" in status["detail"]
        with pytest.raises(GraphUnavailableError):
            service.run_named("taxonomy")
        r = client.get("/v1/graph/stats")
        assert r.status_code == 503 and "知识图谱服务暂时不可用" in r.json()["detail"]

        service.server.start()  # same data directory and ports: the graph comes back with its data
        assert service.status()["ok"] is True
        assert len(service.taxonomy()) == 72
        assert client.get("/v1/graph/stats").status_code == 200
    finally:
        service.close()
    assert not service.server.listening()


def test_unreachable_server_does_not_raise_unless_required(tmp_path: Path) -> None:
    port = free_port()
    lenient = GraphService(graph_settings(tmp_path, uri=f"bolt://127.0.0.1:{port}"))
    lenient.start()
    assert lenient.status() == {**lenient.status(), "ok": False}
    lenient.close()
    strict = GraphService(graph_settings(tmp_path, uri=f"bolt://127.0.0.1:{port}", required=True))
    with pytest.raises(GraphUnavailableError):
        strict.start()
    strict.close()


def test_down_server_is_remembered_and_reprobed(tmp_path: Path) -> None:
    """While the server is down, request-path queries fail without a connection attempt; status() always
    probes, and one caller re-probes once graph.retry_s has passed. Connection attempts are counted by a real
    listener that accepts and hangs up (the driver's handshake then fails as against a dead server)."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    accepted = 0

    def accept() -> None:
        nonlocal accepted
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted += 1
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    service = GraphService(graph_settings(tmp_path, uri=f"bolt://127.0.0.1:{port}", retry_s=0.5))
    try:
        service.start()
        assert accepted >= 1  # start-up tried
        tried = accepted
        for _ in range(20):
            with pytest.raises(GraphUnavailableError):
                service.run_named("taxonomy")
        assert accepted == tried  # failed fast: no new connection
        assert service.status()["ok"] is False and accepted > tried  # the health probe always connects
        tried = accepted
        time.sleep(0.6)
        with pytest.raises(GraphUnavailableError):
            service.run_named("taxonomy")  # the period is over: this caller re-probes
        assert accepted > tried
    finally:
        service.close()
        listener.close()


def test_stale_pid_file_is_ignored(tmp_path: Path) -> None:
    from knowledge_graph.server import EmbeddedServer

    server = EmbeddedServer(
        tmp_path, bolt_port=free_port(), http_port=free_port(), password="stale-pid-test", database="fengqiao"
    )
    server.pid_file.write_text("999999")  # a crashed server's leftover
    try:
        assert server.start() is True
        assert int(server.pid_file.read_text()) != 999999
    finally:
        server.stop()
    assert not server.pid_file.exists()
