"""Shared fixtures for the graph tests: an embedded ArcadeDB server per test session (free ports, tmp data
dir, stopped at the end) and, when NEO4J_TEST_URI is set, a real Neo4j. Imported by the test modules."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from brain.graph import GraphService
from brain.settings import REPO_ROOT, Settings, load_settings
from knowledge_graph.backend import GraphBackend
from knowledge_graph.memory import MemoryGraph
from knowledge_graph.queries import NODE_KEYS
from knowledge_graph.server import EmbeddedServer, free_port

STATUTES = REPO_ROOT / "data" / "corpus" / "statutes.jsonl"


@dataclass
class Backend:
    name: str
    settings: Settings
    service: GraphService
    store: GraphBackend | None = None  # the in-memory graph, shared by every service of this back end


def graph_settings(state_dir: Path, **graph: object) -> Settings:
    return load_settings("test", state_dir=str(state_dir), graph=graph)


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = EmbeddedServer(
        tmp_path_factory.mktemp("kg-server"),
        bolt_port=free_port(),
        http_port=free_port(),
        password="kg-test-password",
        database="fengqiao",
    )
    server.start()
    yield server
    server.stop()


def _embedded(request: pytest.FixtureRequest, tmp: Path) -> Backend:
    server: EmbeddedServer = request.getfixturevalue("embedded_server")
    settings = graph_settings(
        tmp,
        uri=f"bolt://127.0.0.1:{server.bolt_port}",
        user="root",
        password=server.password,
        database=server.database,
        required=True,
    )
    return Backend("embedded", settings, GraphService(settings))


def _real_neo4j(tmp: Path) -> Backend:
    uri = os.environ.get("NEO4J_TEST_URI")
    if not uri:
        pytest.skip("NEO4J_TEST_URI not set")
    settings = graph_settings(
        tmp,
        uri=uri,
        user=os.environ.get("NEO4J_TEST_USER", "neo4j"),
        password=os.environ.get("NEO4J_TEST_PASSWORD", "neo4j"),
        database=os.environ.get("NEO4J_TEST_DATABASE", "neo4j"),
        required=True,
    )
    service = GraphService(settings)
    with service._connect().session(database=settings.graph.database) as s:  # a disposable test database
        for label in NODE_KEYS:
            s.run(f"MATCH (n:{label}) DETACH DELETE n").consume()
    return Backend("neo4j", settings, service)


def _memory(tmp: Path) -> Backend:
    """The in-memory reference store (knowledge_graph/memory.py): same service, same loader, no server."""
    settings = graph_settings(tmp, uri="bolt://127.0.0.1:9", required=True)  # the uri is never dialled
    store = MemoryGraph()
    return Backend("memory", settings, GraphService(settings, backend=store), store)


@pytest.fixture(
    scope="session", params=["embedded", "memory", pytest.param("neo4j", marks=pytest.mark.real_neo4j)]
)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """The contract suite runs once per back end; the seed is loaded once per back end."""
    tmp = tmp_path_factory.mktemp(f"kg-{request.param}")
    make = {
        "embedded": lambda: _embedded(request, tmp),
        "memory": lambda: _memory(tmp),
        "neo4j": lambda: _real_neo4j(tmp),
    }
    b = make[request.param]()
    b.service.start()
    yield b
    b.service.close()
