"""The ledger over HTTP with API keys, the audit store and the real graph (deadlines from the graph's rule):
register → 201 with a due date, 分流 → 开始调处 → 化解 → 回访 → 归档 to 已归档, a stale version and 归档 from 登记
are 409 naming the allowed moves, an unknown type 422; an area key sees only its area; the tools list and
the audit store; planted ID numbers and phones never reach the audit store or the log."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brain.api.app import create_app
from brain.security import key_store_path, open_key_store
from brain.security.areas import KeyAreas
from brain.service import Brain
from brain.settings import load_settings
from knowledge_graph.server import EmbeddedServer
from tests.kg_fixtures import embedded_server  # noqa: F401
from tests.test_retrieval import real_index_settings

pytestmark = pytest.mark.slow
ID, PHONE = "11010519491231002X", "13912345678"
TEXT = f"公司拖欠我们三个月工资共计一万二千元，老板一直推脱不给。我的身份证号{ID}，电话{PHONE}。"


@pytest.fixture(scope="module")
def api(
    embedded_server: EmbeddedServer,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, dict[str, str], Any]]:
    index = real_index_settings(tmp_path_factory.getbasetemp())
    state = tmp_path_factory.mktemp("ledger-api")
    settings = load_settings(
        "test",
        state_dir=str(state),
        retrieval={"index_dir": str(index.retrieval.index_dir)},
        api={"auth": "keys", "ui": False},
        ledger={"data_key": "api-test-ledger-key"},
        graph={
            "uri": f"bolt://127.0.0.1:{embedded_server.bolt_port}",
            "user": "root",
            "password": embedded_server.password,
            "database": embedded_server.database,
        },
    )
    store = open_key_store(settings)
    keys = {r: store.create(r, f"台账测试-{r}")[1] for r in ("clerk", "evaluator", "system")}
    info, keys["qingshi"] = store.create("clerk", "青石镇受理窗口")
    KeyAreas(key_store_path(settings)).set(info.key_id, "青石镇")
    brain = Brain(settings).start()
    with TestClient(create_app(brain=brain), client=("127.0.0.1", 50000)) as c:
        yield c, keys, settings


def h(keys: dict[str, str], who: str = "clerk") -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[who]}"}


def test_the_loop_over_http(api: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    c, keys, settings = api
    r = c.post("/v1/cases", json={"text": TEXT, "source": "来访", "place": "青石镇龙潭村"}, headers=h(keys))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["status"] == "登记" and case["version"] == 1 and case["due_at"]
    assert case["intake"]["classification"]["label"] == "劳动争议"
    assert case["intake"]["routing"]["available"] and "在线图谱" in case["deadline_source"]
    assert ID not in r.text and PHONE not in r.text
    cid = case["id"]
    r = c.post(f"/v1/cases/{cid}/events", json={"type": "归档", "version": 1}, headers=h(keys))
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["details"]["allowed"] == ["分流", "备注"] and "分流" in r.json()["detail"]
    r = c.post(f"/v1/cases/{cid}/events", json={"type": "升天", "version": 1}, headers=h(keys))
    assert r.status_code == 422
    version = 1
    for move in ("分流", "开始调处", "化解", "回访", "归档"):
        r = c.post(f"/v1/cases/{cid}/events", json={"type": move, "version": version}, headers=h(keys))
        assert r.status_code == 200, r.text
        version = r.json()["version"]
    assert r.json()["status"] == "已归档" and version == 6
    stale = c.post(
        f"/v1/cases/{cid}/events", json={"type": "备注", "note": "补记", "version": 3}, headers=h(keys)
    )
    assert stale.status_code == 409 and "版本" in stale.json()["detail"]
    got = c.get(f"/v1/cases/{cid}", headers=h(keys)).json()
    assert [e["type"] for e in got["events"]] == ["登记", "分流", "开始调处", "化解", "回访", "归档"]
    assert got["followups"] and got["allowed_moves"] == ["反弹", "备注"]
    page = c.get("/v1/cases", params={"status": "已归档", "town": "青石镇"}, headers=h(keys)).json()
    assert [x["id"] for x in page["items"]] == [cid] and page["next_cursor"] is None
    assert c.get("/v1/followups", params={"due_before": "2100-01-01T00:00:00"}, headers=h(keys)).json()[
        "items"
    ]
    assert c.get("/v1/alerts", headers=h(keys)).status_code == 200
    # the evaluator may not read clear data; the clerk may, and that read is recorded
    assert c.get(f"/v1/cases/{cid}", params={"clear": True}, headers=h(keys, "evaluator")).status_code == 403
    clear = c.get(f"/v1/cases/{cid}", params={"clear": True}, headers=h(keys))
    assert clear.status_code == 200 and ID in clear.json()["text"]
    audit = settings.state_dir / "audit.sqlite3"
    with sqlite3.connect(audit) as db:
        routes = {row[0] for row in db.execute("SELECT route FROM audit")}
        dump = "\n".join(db.iterdump())
    assert "/v1/cases/{case_id}/events" in routes
    assert ID not in dump and PHONE not in dump and ID not in caplog.text and PHONE not in caplog.text


def test_area_key_sees_only_its_area(api: Any) -> None:
    c, keys, _ = api
    here = c.post(
        "/v1/cases", json={"text": TEXT, "source": "来电", "place": "青石镇石桥村"}, headers=h(keys, "system")
    )
    there = c.post(
        "/v1/cases",
        json={"text": TEXT, "source": "来电", "place": "城关镇东门社区"},
        headers=h(keys, "system"),
    )
    assert here.status_code == there.status_code == 201
    seen = [x["place"]["town"] for x in c.get("/v1/cases", headers=h(keys, "qingshi")).json()["items"]]
    assert seen and set(seen) == {"青石镇"}
    assert c.get(f"/v1/cases/{there.json()['id']}", headers=h(keys, "qingshi")).status_code == 404
    assert c.get(f"/v1/cases/{here.json()['id']}", headers=h(keys, "qingshi")).status_code == 200
    r = c.post(
        "/v1/cases",
        json={"text": TEXT, "source": "来电", "place": "城关镇东门社区"},
        headers=h(keys, "qingshi"),
    )
    assert r.status_code == 403


def test_idempotent_external_id_and_tools(api: Any) -> None:
    c, keys, _ = api
    body = {"text": TEXT, "source": "12345", "external_id": "WF-2026-0001"}
    first = c.post("/v1/cases", json=body, headers=h(keys, "system"))
    second = c.post("/v1/cases", json=body, headers=h(keys, "system"))
    assert (first.status_code, second.status_code) == (201, 200) and first.json()["id"] == second.json()["id"]
    names = {t["function"]["name"] for t in c.get("/v1/tools", headers=h(keys, "system")).json()}
    assert {
        "register_case",
        "list_cases",
        "get_case",
        "case_event",
        "list_alerts",
        "ack_alert",
        "list_followups",
    } <= names


def test_agreement_drafted_for_a_case_links_and_its_duties_are_followed_up(api: Any) -> None:
    c, keys, _ = api
    cid = c.post(
        "/v1/cases", json={"text": TEXT, "source": "来访", "place": "安平街道"}, headers=h(keys, "system")
    )
    case = cid.json()
    body = {
        "facts": "申请人刘淑芬在被申请人赵志强的工厂务工三个月，被申请人拖欠工资一万二千元。",
        "parties": [{"role": "申请人", "name": "刘淑芬"}, {"role": "被申请人", "name": "赵志强"}],
        "terms": [
            {
                "obligor": "赵志强",
                "payee": "刘淑芬",
                "amount": 12000,
                "deadline": "2026-12-31",
                "method": "银行转账",
            }
        ],
        "committee_name": "安平街道人民调解委员会",
        "mediator": "周敏",
        "date": "2026-12-01",
        "reserve_number": False,
    }
    r = c.post(f"/v1/cases/{case['id']}/agreements", json=body, headers=h(keys, "system"))
    assert r.status_code == 200, r.text
    link = r.json()["link"]
    assert link["obligations"] and link["obligations"][0]["obligor"] == "被申请人"
    assert link["obligations"][0]["amount"] == 12000 and link["obligations"][0]["deadline"] == "2026-12-31"
    version = c.get(f"/v1/cases/{case['id']}", headers=h(keys, "system")).json()["version"]
    for move in ("分流", "开始调处", "化解"):
        r = c.post(
            f"/v1/cases/{case['id']}/events",
            json={"type": move, "version": version},
            headers=h(keys, "system"),
        )
        version = r.json()["version"]
    fus = r.json()["followups"]
    check = [f for f in fus if "协议履行核查" in f["rule"]]
    assert (
        check
        and check[0]["obligations"][0]["payee"] == "申请人"
        and check[0]["due_at"] >= "2027-01-01"  # after the duty's deadline
    )
    assert "刘淑芬" not in str(fus)
