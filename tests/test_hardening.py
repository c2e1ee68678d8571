"""Findings of the hostile test that an in-process app shows (keys on): odd input is 422 in Chinese, not 500
(6, 9); metrics labels are bounded and carry no personal data (2); normalised personal data is redacted and
a personal-data request id is replaced (8); failed authentications are limited and folded per IP (9); MCP
path parameters are encoded (9); intake parties follow the role (UX 3); the one error mapping (facade 4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brain.api.app import create_app
from brain.errors import ConfigError
from brain.privacy import redact, restore
from brain.security import open_key_store
from brain.settings import load_settings

LOOPBACK = ("127.0.0.1", 50000)
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("hardening")
    settings = load_settings(
        "test",
        state_dir=str(state),
        api={"auth": "keys", "ui": False, "unauthenticated_per_minute": 20},
        graph={"uri": "bolt://127.0.0.1:9", "start_timeout_s": 1},
    )
    store = open_key_store(settings)
    keys = {r: store.create(r, r)[1] for r in ("clerk", "mediator", "evaluator", "system", "admin")}
    app = create_app(settings)
    with TestClient(app, client=LOOPBACK) as client:
        yield {"client": client, "keys": keys, "state": state}


def _h(api: dict[str, Any], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api['keys'][role]}"}


def _post(api: dict[str, Any], path: str, body: bytes | str, role: str = "mediator") -> Any:
    content = body.encode() if isinstance(body, str) else body
    headers = {**_h(api, role), "content-type": "application/json"}
    return api["client"].post(path, content=content, headers=headers)


def _problem(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert any("\u4e00" <= c <= "\u9fff" for c in body["detail"]), body  # said in Chinese
    if field:
        assert field in body["detail"] or any(field in e.get("field", "") for e in body.get("errors", [])), (
            body
        )
    return body


# ---------------------------------------------------------------------------------------------- 6, 9: input
def test_a_lone_surrogate_is_422_naming_the_field(api: dict[str, Any]) -> None:
    _problem(_post(api, "/v1/search", '{"query": "\\ud800"}'), 422, "query")
    _problem(_post(api, "/v1/intake", '{"text": "邻居\\udfff吵架"}'), 422, "text")
    assert (
        _post(api, "/v1/search", '{"query": "\\ud83d\\ude00 噪音"}').status_code == 200
    )  # a real pair is text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"facts": "借款纠纷", "terms": [{"text": "还款", "amount": "9" * 40}]}, "amount"),
        (
            {"facts": "借款纠纷", "parties": [{"role": "申请人", "name": f"张{i}"} for i in range(1000)]},
            "parties",
        ),
        ({"facts": "借款纠纷", "terms": [{"text": f"第{i}项"} for i in range(10_000)]}, "terms"),
        ({"facts": "借款纠纷", "terms": [{"text": "还款", "amount": "NaN"}]}, "amount"),
    ],
)
def test_drafting_odd_sizes_is_422_not_500(api: dict[str, Any], body: dict[str, Any], field: str) -> None:
    import json

    _problem(_post(api, "/v1/agreements/draft", json.dumps(body)), 422, field)


def test_invalid_utf8_and_too_deep_json_are_422_in_chinese(api: dict[str, Any]) -> None:
    assert "UTF-8" in _problem(_post(api, "/v1/search", b'{"query": "\xff\xfe"}'), 422)["detail"]
    _problem(_post(api, "/v1/search", "[" * 5000 + "]" * 5000), 422)
    _problem(_post(api, "/v1/search", "{"), 422)
    r = _post(api, "/v1/search", '{"query": ""}')
    assert "不能为空" in _problem(r, 422, "query")["detail"]
    r = _post(api, "/v1/search", '{"query": "噪音", "top_k": 100000}')
    assert "不能大于" in _problem(r, 422, "top_k")["detail"]


def test_many_parties_still_render_numbered_terms() -> None:
    from brain.agreements.render import cn_number

    assert [cn_number(n) for n in (99, 100, 105, 110, 1010)] == [
        "九十九",
        "一百",
        "一百零五",
        "一百一十",
        "一千零一十",
    ]


# ---------------------------------------------------------------------------------------------- 2: metrics
def test_metrics_labels_are_templates_and_need_admin_or_system(api: dict[str, Any]) -> None:
    c = api["client"]
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers=_h(api, "clerk")).status_code == 403
    before = c.get("/metrics", headers=_h(api, "system")).text.count("brain_http_requests_total{")
    for i in range(300):
        c.get(f"/ui/张三丰-{ID_NUMBER}-{PHONE}-{i}")
        c.get(f"/random-{i}", headers=_h(api, "clerk"))
    text = c.get("/metrics", headers=_h(api, "admin")).text
    assert "张三丰" not in text and ID_NUMBER not in text and PHONE not in text and "random-" not in text
    assert text.count("brain_http_requests_total{") - before <= 4


# ---------------------------------------------------------------------------------------------- 8: redaction
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("我的电话是１３８１２３４５６７８", "手机号"),
        ("电话138\u200b1234\u200b5678", "手机号"),
        ("身份证110105 19491231 002X", "身份证号"),
        ("申请人：张 三 丰，要求赔偿", "姓名"),
        ("身份证号：110105194912310021", "身份证号"),  # wrong check digit, but labelled as an ID
    ],
)
def test_normalised_personal_data_is_redacted_and_restored(text: str, kind: str) -> None:
    r = redact(text)
    assert r.counts.get(kind) == 1, (text, r.text)
    assert restore(r.text, r.mapping) == text


def test_a_whole_name_is_one_placeholder() -> None:
    assert redact("申请人张三丰与邻居发生纠纷").text == "申请人〔姓名1〕与邻居发生纠纷"


def test_a_request_id_that_is_personal_data_is_replaced(api: dict[str, Any]) -> None:
    c = api["client"]
    r = c.get("/v1/taxonomy", headers={**_h(api, "clerk"), "X-Request-ID": ID_NUMBER})
    assert r.headers["x-request-id"] != ID_NUMBER
    assert (
        c.get("/v1/taxonomy", headers={**_h(api, "clerk"), "X-Request-ID": "req-42"}).headers["x-request-id"]
        == "req-42"
    )
    raw = (api["state"] / "audit.sqlite3").read_bytes() + (api["state"] / "audit.sqlite3-wal").read_bytes()
    assert ID_NUMBER.encode() not in raw


# ---------------------------------------------------------------------------------------------- 9: limits
def test_random_keys_are_limited_per_ip_and_folded_in_the_audit(tmp_path: Path) -> None:
    settings = load_settings(
        "test", state_dir=str(tmp_path), api={"auth": "keys", "ui": False, "unauthenticated_per_minute": 10}
    )
    c = TestClient(create_app(settings), client=("10.9.8.7", 1234))
    codes = [
        c.get("/v1/taxonomy", headers={"X-API-Key": f"fq_{i:08x}_guess"}).status_code for i in range(200)
    ]
    assert codes[:10] == [401] * 10 and set(codes[10:]) == {429}
    with sqlite3.connect(tmp_path / "audit.sqlite3") as db:
        rows = db.execute("SELECT status, COUNT(*) FROM audit GROUP BY status").fetchall()
    assert dict(rows) == {401: 10, 429: 1}  # 200 guesses, 11 audit rows
    other = TestClient(c.app, client=("10.9.8.8", 1234))  # another address is not affected
    assert other.get("/v1/taxonomy", headers={"X-API-Key": "fq_00000000_x"}).status_code == 401


def test_mcp_path_parameters_are_encoded() -> None:
    from brain.api.routes.tools import tool_specs

    app = create_app(load_settings("test", state_dir="/tmp/brain-hardening-openapi", api={"ui": False}))
    spec = next(s for s in tool_specs(app.openapi()) if s.path_params == ["doc_id"])
    _, path, _, _ = spec.request({"doc_id": "../../../etc/passwd"})
    assert path.endswith("/..%2F..%2F..%2Fetc%2Fpasswd") and "/etc/passwd" not in path


# ---------------------------------------------------------------------------------------------- UX 3
@pytest.mark.parametrize(
    ("role", "sees"), [("clerk", True), ("mediator", True), ("system", False), ("evaluator", False)]
)
def test_intake_parties_follow_the_role(api: dict[str, Any], role: str, sees: bool) -> None:
    import json

    body = json.dumps({"text": "申请人张建国称邻居李明装修把他家墙面震裂，要求赔偿3万元。"})
    r = _post(api, "/v1/intake", body, role=role)
    assert r.status_code == 200, r.text
    names = [p.get("name") for p in r.json()["facts"]["parties"]]
    assert names, r.json()["facts"]
    assert ("张建国" in names) is sees
    if not sees:
        assert all(n is None or n.startswith("〔姓名") for n in names)


# ---------------------------------------------------------------------------------------------- facade 4
def test_graph_password_is_refused_outside_dev_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BRAIN_GRAPH__PASSWORD",):
        monkeypatch.delenv(name, raising=False)
    env = {"BRAIN_SECRET_KEY": "s" * 32, "BRAIN_LLM__API_KEY": "k" * 16, "BRAIN_LEDGER__DATA_KEY": "d" * 32}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError, match=r"graph\.password"):
        load_settings("gpu")
    monkeypatch.setenv("BRAIN_GRAPH__PASSWORD", "a-real-password")
    assert load_settings("gpu").graph.password.get_secret_value() == "a-real-password"


def test_a_bad_query_is_500_with_its_own_code_not_503() -> None:
    from neo4j.exceptions import CypherSyntaxError

    from brain.errors import GraphQueryError
    from brain.graph import GraphService

    class Session:
        def __enter__(self) -> Session:
            return self

        def __exit__(self, *a: object) -> None: ...

        def run(self, *a: object) -> None:
            raise CypherSyntaxError("Invalid input 'MATC'")

    class Driver:
        def session(self, **kw: object) -> Session:
            return Session()

    g = GraphService(load_settings("test", graph={"uri": "bolt://127.0.0.1:9"}))
    g._connect = lambda: Driver()  # type: ignore[method-assign]
    with pytest.raises(GraphQueryError) as e:
        g._run("MATC (n) RETURN n", {})
    assert e.value.http_status == 500 and e.value.code == "graph_query_failed"
