"""The graph's named queries and seed load as facade results (``Brain.graph_queries``,
``Brain.load_graph_seed``): typed models over :mod:`knowledge_graph.queries` and the loader's report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from brain.requests import GraphLoadResult, GraphQueryInfo, GraphQueryList, GraphSeedFile, GraphStats
from knowledge_graph.queries import NAMED_QUERIES

if TYPE_CHECKING:
    from brain.graph import GraphService


def query_list() -> GraphQueryList:
    return GraphQueryList(
        queries=[
            GraphQueryInfo(name=q.name, description=q.description, params=q.params, example=q.example)
            for q in NAMED_QUERIES.values()
        ]
    )


def load_seed(graph: GraphService) -> GraphLoadResult:
    """Validate and write the seed (idempotent); counts before and after, per-file outcome."""
    before = GraphStats.model_validate(graph.stats())
    report = graph.load_seed()
    return GraphLoadResult(
        files=[
            GraphSeedFile(file=f.file, status=f.status, rows=f.rows, reason=f.reason) for f in report.files
        ],
        issues=[str(i) for i in report.issues],
        before=before,
        after=GraphStats.model_validate(graph.stats()),
        version=report.version,
    )
