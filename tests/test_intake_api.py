"""The intake HTTP surface: POST /v1/intake, /v1/intake/classify, /v1/intake/route and GET /v1/taxonomy on
the real app (FastAPI TestClient), with a real search index over the shipped corpus (built once per session
into a tmp state dir, shared with tests/test_retrieval.py) and the session's embedded graph server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brain.agents.intake.schema import ClassifyResult, IntakeResult, Routing, Taxonomy
from brain.api.app import create_app
from brain.graph import GraphService
from brain.service import Brain
from brain.settings import load_settings
from knowledge_graph.server import EmbeddedServer
from tests.kg_fixtures import embedded_server  # noqa: F401
from tests.test_retrieval import real_index_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(embedded_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:  # noqa: F811
    index = real_index_settings(tmp_path_factory.getbasetemp())  # builds the index on first use
    settings = load_settings(
        "test",
        state_dir=str(index.state_dir),
        graph={
            "uri": f"bolt://127.0.0.1:{embedded_server.bolt_port}",
            "user": "root",
            "password": embedded_server.password,
            "database": embedded_server.database,
        },
    )
    brain = Brain(settings).start()  # index + graph once; the app's lifespan start() is then a no-op
    assert isinstance(brain.graph, GraphService) and brain.graph.status()["ok"]
    with TestClient(create_app(brain=brain), client=("127.0.0.1", 50000)) as c:
        yield c


def test_intake_full_result(client: TestClient) -> None:
    text = (
        "邻居王某（电话13812345678）装修把我家墙面震裂了，协商赔偿3万元不成，他还扬言要杀了我，请求村里调解。"
    )
    r = client.post("/v1/intake", json={"text": text, "level": "村"})
    assert r.status_code == 200, r.text
    body = IntakeResult.model_validate(r.json())
    assert body.mode == "deterministic" and body.classification.dispute_type == "邻里纠纷"
    assert body.risk.level in ("红", "橙") and any(s.name == "扬言报复" for s in body.risk.signals)
    assert body.facts.amounts[0].value_yuan == 30000
    assert "13812345678" not in body.text_redacted  # only the redacted text is echoed
    routing = body.routing
    assert routing.available and routing.level in ("乡镇", "县")  # threat -> escalated above the village
    assert all(s.graph_path and s.citations for s in routing.suggestions)
    assert body.strategies.items and body.strategies.precedents  # graph strategies + real search precedents
    assert all(p.citation.case_id for p in body.strategies.precedents)


def test_classify(client: TestClient) -> None:
    r = client.post("/v1/intake/classify", json={"text": "老板拖欠工资三个月不发"})
    assert r.status_code == 200, r.text
    body = ClassifyResult.model_validate(r.json())
    assert body.classification.dispute_type == "劳动争议" and body.classification.candidates


def test_route_by_alias_with_source(client: TestClient) -> None:
    r = client.post(
        "/v1/intake/route", json={"dispute_type": "劳资纠纷", "source": "信访", "difficulty": "一般"}
    )
    assert r.status_code == 200, r.text
    routing = Routing.model_validate(r.json())
    assert routing.channel == "访调对接" and routing.deadline and routing.deadline.limit == "5日内办理"
    assert routing.suggestions and all(s.citations for s in routing.suggestions)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"dispute_type": "火星纠纷"}, 404, None),
        ({"dispute_type": "邻里纠纷", "level": "火星"}, 422, None),
        ({"dispute_type": "邻里纠纷", "source": "飞鸽传书"}, 422, None),
        ({"dispute_type": "邻里纠纷", "risk_level": "紫"}, 422, "risk_level"),
    ],
)
def test_route_bad_input(client: TestClient, body: dict[str, Any], status: int, field: str | None) -> None:
    r = client.post("/v1/intake/route", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if field:
        assert r.json()["errors"][0]["field"].endswith(field)


def test_taxonomy(client: TestClient) -> None:
    r = client.get("/v1/taxonomy")
    assert r.status_code == 200
    tax = Taxonomy.model_validate(r.json())
    by_name = {t.name: t for t in tax.types}
    assert "劳资纠纷" in by_name["劳动争议"].aliases
    assert by_name["离婚纠纷"].parent == "婚姻家庭纠纷"


@pytest.mark.parametrize("path", ["/v1/intake", "/v1/intake/classify"])
@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_text_is_422_in_chinese(client: TestClient, path: str, text: str) -> None:
    r = client.post(path, json={"text": text})
    assert r.status_code == 422
    problem = r.json()
    assert problem["errors"][0]["field"].endswith("text")
    assert "不能为空" in problem["detail"] or "at least 1" in problem["errors"][0]["message"]


def test_openapi_documents_schema_with_chinese_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, method in [
        ("/v1/intake", "post"),
        ("/v1/intake/classify", "post"),
        ("/v1/intake/route", "post"),
        ("/v1/taxonomy", "get"),
    ]:
        op = spec["paths"][path][method]
        assert op["summary"] and "200" in op["responses"]
    schemas = spec["components"]["schemas"]
    dumped = json.dumps(schemas["IntakeRequest"], ensure_ascii=False)
    assert "扬言要杀了我" in dumped and "警情" in json.dumps(schemas["RouteRequest"], ensure_ascii=False)
    route = schemas["RouteSuggestion"]
    assert {"graph_path", "citations"} <= set(route["required"])
    assert "村（居）民调解委员会" in json.dumps(route, ensure_ascii=False)
    assert "GraphCitation" in schemas and "IntakeResult" in schemas
