"""What the graph service and the loader need from a graph store: :class:`GraphBackend`.

Two implementations answer it. The **Bolt** one is the official ``neo4j`` driver, talking to the embedded
ArcadeDB server or a real Neo4j (what production runs). The **in-memory** reference,
:class:`knowledge_graph.memory.MemoryGraph`, executes the project's own statements — the loader's writes
(:data:`~knowledge_graph.queries.WRITES`) and the named reads (:data:`~knowledge_graph.queries.NAMED_QUERIES`)
— in Python, so tests of what is *built on* the graph need no JVM. Both run the same contract suite
(``tests/test_kg_contract.py``, the ``backend`` fixture in ``tests/kg_fixtures.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class GraphRecord(Protocol):
    def data(self) -> dict[str, Any]: ...


class GraphResult(Protocol):
    def __iter__(self) -> Iterator[GraphRecord]: ...

    def consume(self) -> object: ...


class GraphSession(Protocol):
    def __enter__(self) -> GraphSession: ...

    def __exit__(self, *exc: object) -> object: ...

    def run(self, query: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> GraphResult: ...

    def execute_write(self, work: Callable[..., T], *args: Any) -> T: ...


class GraphBackend(Protocol):
    def session(self, **config: Any) -> GraphSession: ...

    def close(self) -> None: ...
