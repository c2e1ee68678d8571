"""The analysis suite on a small generated stream (intake through the facade), the 研判报告 against a direct
count, the HTTP surface, the letters and the signed, retried webhooks (a real loopback HTTP server)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from brain.analysis.models import CaseRecord, LetterRequest, ReportRequest
from brain.analysis.service import AnalysisService
from brain.analysis.store import AnalysisStore, make_engine
from brain.analysis.text import person_hash
from brain.settings import Settings, WebhookTarget, load_settings
from eval.analysis_stream import StreamSpec, generate, write_stream

T0 = datetime(2026, 3, 2, 9, 0)


def _settings(tmp: Path, **over: Any) -> Settings:
    # the graph is not needed by the detectors: an unreachable loopback port keeps intake fast and degraded
    return load_settings(
        "test", state_dir=str(tmp), graph={"uri": "bolt://127.0.0.1:9", "retry_s": 600}, **over
    )


@pytest.fixture(scope="module")
def small_stream(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stream") / "s.jsonl"
    cases, expected = generate(
        StreamSpec(seed=11, towns=3, villages=4, weeks=10, warmup_weeks=4, events_per_kind=2, weekly_rate=1.5)
    )
    write_stream(path, cases, expected)
    return path


@pytest.mark.slow
def test_suite_scores_a_generated_stream(
    small_stream: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from brain.service import Brain
    from eval.analysis import run_suite

    brain = Brain(_settings(tmp_path))
    try:
        result = run_suite(brain, small_stream, as_json=True)
    finally:
        brain.close()
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["per_kind"]) == {"hotspot", "emerging", "collective", "repeat", "duplicate"}
    for kind in ("emerging", "collective", "repeat", "duplicate"):
        assert result["per_kind"][kind]["recall"] == 1.0, (kind, result["per_kind"][kind])
    assert result["false_alarms_per_town_week"] <= 1.0
    assert result["baseline"]["per_kind"]["repeat"]["recall"] == 0.0  # the baseline knows no persons
    assert not list(tmp_path.glob("analysis.sqlite3"))  # the suite used its own fresh store


def _store_with_cases(tmp: Path) -> tuple[AnalysisService, list[CaseRecord]]:
    svc = AnalysisService(AnalysisStore(make_engine(f"sqlite:///{tmp / 'analysis.sqlite3'}")))
    recs = []
    towns = {"城关镇": ["东门社区", "西门社区"], "青石镇": ["青石村", "石桥村"]}
    types = ["邻里纠纷", "劳动争议", "婚姻家庭纠纷"]
    i = 0
    for day in range(60):
        for town, vs in towns.items():
            for v in vs:
                if (day + len(v)) % 3:
                    continue
                i += 1
                at = T0 + timedelta(days=day, hours=i % 8)
                recs.append(
                    CaseRecord(
                        id=f"r{i:04d}",
                        source=["12345", "诉情", "警情", "访情"][i % 4],
                        received_at=at,
                        county="清溪县",
                        town=town,
                        village=v,
                        type=types[i % 3],
                        risk=["蓝", "黄", "橙", "红"][i % 4],
                        text_redacted=f"第{i}件纠纷，{types[i % 3]}，{v}",
                        person_hashes=[person_hash("k", "id", str(i))],
                        resolved_at=at + timedelta(days=3) if i % 2 else None,
                        due_at=at + timedelta(days=5),
                    )
                )
    for r in recs:
        svc.register(r)
    return svc, recs


@pytest.mark.slow
def test_suite_mends_or_lists_lines_instead_of_stopping(tmp_path: Path) -> None:
    """Another system's stream: channels in its own words, an ID number failing its checksum, a case without
    village or town, a blank text. The suite registers what the ledger can take (mending the channel and
    dropping the bad ID, both counted), lists what it refuses, and finishes."""
    from brain.service import Brain
    from eval.analysis import run_suite

    place = {"county": "清溪县", "town": "城关镇", "village": "东门社区"}
    rows = [
        {"id": "o1", "source": "12345热线", "text": "小区门口的烧烤摊每天晚上油烟很大"},
        {"id": "o2", "source": "微信公众号", "text": "工地晚上施工噪音扰民"},
        {"id": "o3", "source": "群众来信", "text": "邻居占用楼道堆放杂物", "place": {"county": "清溪县"}},
        {"id": "o4", "text": "拖欠工资三个月", "parties": [{"name": "李四", "id_number": "123456"}]},
        {"id": "o5", "source": "来访", "text": "   "},
    ]
    path = tmp_path / "other.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"received_at": f"2026-03-0{i + 2}T09:00:00", "place": place, **r}, ensure_ascii=False)
            for i, r in enumerate(rows)
        ),
        encoding="utf-8",
    )
    brain = Brain(_settings(tmp_path / "state"))
    try:
        result = run_suite(brain, path, as_json=True)
    finally:
        brain.close()
    assert [r["id"] for r in result["rejected"]] == ["o5"] and result["rejected"][0]["where"] == "text"
    assert result["fixes"] == {"未知渠道“微信公众号”按来访登记": 1, "身份证号无效，已忽略": 1}
    assert result["cases"] == 5 and result["false_alarms"] == 0


@pytest.mark.slow
def test_suite_reads_nulls_numbers_and_mixed_offsets(tmp_path: Path) -> None:
    """An export writes null for what it does not know, numbers for ids and phones, and times with "Z",
    "+08:00", no offset or as the ledger import reads them (2026/3/3 10:00): every line is registered (the
    suite used to stop on comparing an aware time with a naive one, and to drop each line with a null), and
    the same phone, written another way, still links the duplicate."""
    from brain.service import Brain
    from eval.analysis import run_suite

    place = {"county": "清溪县", "town": "城关镇", "village": None}
    smell = "小区门口的烧烤摊每天晚上油烟很大，影响休息，多次反映无果，请求处理"
    rows = [
        {"id": 1, "received_at": "2026-03-02T01:00:00Z", "source": None, "place": place, "text": smell,
         "parties": [{"name": "王五", "phone": 13800138000}]},
        {"id": 3, "received_at": "2026/3/3 10:00", "source": "来访", "place": None, "text": "拖欠工资三个月",
         "parties": None},
        {"id": 4, "received_at": "2026-03-04T10:00:00", "text": "邻居占用楼道堆放杂物", "place": place,
         "parties": [{"name": None, "phone": None}]},
        {"id": 2, "received_at": "2026-03-05T09:00:00+08:00", "source": "12345", "place": place,
         "text": smell + "。", "parties": [{"name": "王五", "phone": "+86 138-0013-8000"}]},
    ]  # fmt: skip
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    (tmp_path / "export.alerts.jsonl").write_text(
        '{"kind": "duplicate", "case_ids": [1, 2]}\n', encoding="utf-8"
    )
    brain = Brain(_settings(tmp_path / "state"))
    try:
        result = run_suite(brain, path, as_json=True)
    finally:
        brain.close()
    assert result["errors"] == [] and result["rejected"] == [] and result["cases"] == 4
    assert result["per_kind"]["duplicate"]["recall"] == 1.0, result["alerts"]


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ({"place": "清溪县城关镇东门社区"}, {"place": ("清溪县", "城关镇", "东门社区")}),
        ({"place": "城关镇东门社区"}, {"place": ("", "城关镇", "东门社区")}),  # 社区 is no 区
        ({"place": "某市某区安平街道幸福社区"}, {"place": ("某市某区", "安平街道", "幸福社区")}),
        ({"place": "北关村"}, {"place": ("", "", "北关村")}),
        ({"parties": {"name": "王五", "phone": "13800138000"}}, {"parties": [("王五", None, "13800138000")]}),
        ({"parties": "王五"}, {"parties": [("王五", None, None)]}),
        (
            {"parties": [{"姓名": "王五", "联系电话": 13800138000, "身份证号": "110101199003074514"}]},
            {"parties": [("王五", "110101199003074514", "13800138000")]},
        ),
    ],
)
def test_case_in_reads_what_exports_write(given: dict, want: dict) -> None:  # type: ignore[type-arg]
    """A place as one string, one party as an object or a bare name, a party under Chinese keys: read, not
    dropped as malformed."""
    from brain.analysis.registration import CaseIn

    c = CaseIn.model_validate({"received_at": "2026-03-02T09:00:00", "text": "路灯坏了", **given})
    if "place" in want:
        assert (c.place.county, c.place.town, c.place.village) == want["place"]
    if "parties" in want:
        assert [(p.name, p.id_number, p.phone) for p in c.parties] == want["parties"]


def test_suite_keeps_two_counties_towns_apart(tmp_path: Path) -> None:
    """A city's stream names two counties, each with its own 城关镇: they are two towns (town-weeks, cells),
    not one; a one-county stream is passed through unchanged."""
    from brain.analysis.registration import CaseIn
    from brain.service import Brain
    from eval.analysis import _one_county, run_suite

    rows = [
        {"id": f"{county}-{i}", "received_at": f"2026-03-0{i + 1}T09:00:00", "source": "12345",
         "place": {"county": county, "town": "城关镇", "village": "东门社区"}, "text": f"{county}路灯坏了第{i}次"}
        for county in ("清溪县", "白水县") for i in range(3)
    ]  # fmt: skip
    path = tmp_path / "city.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    brain = Brain(_settings(tmp_path / "state"))
    try:
        result = run_suite(brain, path, as_json=True)
    finally:
        brain.close()
    assert result["cases"] == 6 and result["towns"] == 2
    one = [CaseIn.model_validate({**r, "place": {**r["place"], "county": "清溪县"}}) for r in rows]
    assert _one_county(one) == one
    two = _one_county([CaseIn.model_validate(r) for r in rows])
    assert {c.place.town for c in two} == {"清溪县城关镇", "白水县城关镇"}
    # one village however a line writes it: by its name or by its office
    office = CaseIn.model_validate(
        {**rows[0], "place": {"town": "城关镇人民政府", "village": "东门社区居委会"}}
    )
    (fixed,) = _one_county([office])
    assert (fixed.place.town, fixed.place.village) == ("城关镇", "东门社区")


@pytest.mark.parametrize(
    ("raw", "channel"),
    [
        ("12345热线", "12345"),
        ("群众来信", "访情"),
        ("110转警", "警情"),
        ("法院诉前委派", "诉情"),
        ("网格员巡查", "网格员"),
        ("上级交办", "上级转办"),
        ("来电", "来电"),
        ("窗口来访", "来访"),
        ("信访", "访情"),
        ("微信公众号", None),
        ("", None),
    ],
)
def test_resolve_source(raw: str, channel: str | None) -> None:
    from brain.ledger.models import resolve_source

    assert resolve_source(raw) == channel


def test_report_numbers_match_a_direct_count(tmp_path: Path) -> None:
    from brain.analysis.report import build_report

    svc, recs = _store_with_cases(tmp_path)
    end = T0 + timedelta(days=60)
    res = build_report(
        svc.store,
        ReportRequest(level="县", place="清溪县", period="month", end=end, formats=["html", "pdf", "docx"]),
        _settings(tmp_path),
    )
    in_month = [r for r in recs if end - timedelta(days=30) <= r.received_at < end]
    assert res.numbers["total"]["value"] == len(in_month)
    assert dict(res.numbers["by_type"]["value"]) == dict(Counter(r.type for r in in_month))
    assert res.numbers["resolved"]["value"] == sum(
        1 for r in in_month if r.resolved_at and r.resolved_at < end
    )
    assert "SELECT" in res.numbers["total"]["sql"] and f'data-figure="total">{len(in_month)}<' in res.html
    assert (
        Path(res.files["pdf"]).read_bytes()[:5] == b"%PDF-"
        and Path(res.files["docx"]).stat().st_size > 10_000
    )
    assert res.numbers["_map"]["value"]["schematic"] is False  # every town is in configs/geo/清溪县.geojson
    import pymupdf as fitz

    text = "".join(p.get_text() for p in fitz.open(res.files["pdf"]))
    assert "研判报告" in text and f"共受理矛盾纠纷 {len(in_month)} 件" in text.replace("\n", "")


def test_report_for_unknown_place_is_a_clear_error(tmp_path: Path) -> None:
    from brain.analysis.report import build_report
    from brain.errors import InputError

    svc, _ = _store_with_cases(tmp_path)
    with pytest.raises(InputError, match="没有镇“不存在镇”") as e:
        build_report(svc.store, ReportRequest(level="镇", place="不存在镇"), _settings(tmp_path))
    assert "城关镇" in (e.value.hint or "")


@pytest.mark.slow
def test_http_surface(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from brain.api.app import create_app

    settings = _settings(tmp_path, analysis={"embedder": False})
    with TestClient(create_app(settings), client=("127.0.0.1", 50000)) as client:
        text = "村东头的养猪场污水直接排进河里，整条河都臭了，夏天根本没法开窗"
        body = {
            "received_at": "2026-03-02T09:00:00",
            "source": "12345",
            "place": {"county": "清溪县", "town": "城关镇", "village": "新华村"},
            "text": text,
            "parties": [{"name": "王五", "phone": "13900001111"}],
        }
        r1 = client.post("/v1/analysis/cases", json=body)
        assert r1.status_code == 201, r1.text
        r2 = client.post(
            "/v1/analysis/cases", json={**body, "received_at": "2026-03-04T10:00:00", "source": "来访"}
        )
        assert r2.json()["linked_to"] == r1.json()["case_id"]
        page = client.get("/v1/alerts", params={"kind": "duplicate"}).json()
        assert page["analysis_total"] == 1 and page["items"][0]["kind"] == "duplicate"
        assert client.get("/v1/alerts", params={"kind": "nonsense"}).status_code == 422
        hs = client.get("/v1/analysis/hotspots", params={"level": "村"}).json()
        assert hs["cells"] and "GROUP BY" in hs["sql"]
        rep = client.post("/v1/reports", json={"level": "镇", "place": "城关镇", "period": "week"})
        assert rep.status_code == 201, rep.text
        rid = rep.json()["id"]
        assert [x["id"] for x in client.get("/v1/reports").json()["items"]] == [rid]
        pdf = client.get(f"/v1/reports/{rid}/pdf")
        assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
        bad = client.post("/v1/reports", json={"level": "省", "place": "x"})
        assert bad.status_code == 422
        missing = client.post("/v1/reports", json={"level": "镇", "place": "不存在镇"})
        assert missing.status_code == 422 and "不存在镇" in missing.json()["detail"]
        aid = page["items"][0]["id"]
        letter = client.post(f"/v1/analysis/alerts/{aid}/letter", params={"kind": "问题督办函"}).json()
        assert r1.json()["case_id"] in letter["text"] and "13900001111" not in letter["text"]
        tools = {t["function"]["name"] for t in client.get("/v1/tools").json()}
        assert {"list_alerts", "hotspots", "make_report"} <= tools


def test_letter_is_grounded_in_the_alert_cases(tmp_path: Path) -> None:
    from brain.analysis.letters import draft_letter

    svc = AnalysisService(AnalysisStore(make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")))
    for j in range(3):
        svc.register(
            CaseRecord(
                id=f"w{j}",
                source=["12345", "来访", "访情"][j],
                received_at=T0 + timedelta(days=j),
                county="清溪县",
                town="青石镇",
                village="石桥村",
                type="劳动争议",
                risk="黄",
                text_redacted=f"宏达建筑劳务有限公司拖欠工资，第{j}次",
                person_hashes=[f"h{j}"],
            )
        )
    (alert,) = svc.alerts(
        __import__("brain.analysis.models", fromlist=["x"]).AnalysisAlertQuery(kind="collective")
    ).items
    letter = draft_letter(svc, LetterRequest(alert_id=alert.id, kind="风险提示函"))
    assert "3 件" in letter.text and "劳动争议 3 件" in letter.text and "【待补充：受文单位】" in letter.text
    assert "2026年03月02日至2026年03月04日" in letter.text


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []  # noqa: RUF012
    fail_first = 1

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).received.append((dict(self.headers.items()), body))
        code = 500 if len(type(self).received) <= type(self).fail_first else 200
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_webhooks_signed_retried_logged_redacted(tmp_path: Path) -> None:
    from brain.analysis.webhooks import WebhookDispatcher

    server = HTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'a.sqlite3'}")
        svc = AnalysisService(AnalysisStore(engine))
        target = WebhookTarget(url=f"http://127.0.0.1:{server.server_port}/hook", secret="s3cret")  # type: ignore[arg-type]
        hooks = WebhookDispatcher(engine, [target], retries=3, backoff_s=0.05)
        svc.listeners.append(hooks.push)
        text = "张三（身份证 510101199001011234，电话 13800001111）反映：村东头的养猪场污水直排，整条河都臭了"
        for j, src in enumerate(["12345", "来访"]):
            svc.register(
                CaseRecord(
                    id=f"d{j}",
                    source=src,
                    received_at=T0 + timedelta(days=j),
                    county="清溪县",
                    town="城关镇",
                    village="新华村",
                    type="环境污染纠纷",
                    text_redacted=text,
                    person_hashes=["same"],
                )
            )
        hooks.drain()
        hooks.close()
        assert len(_Hook.received) == 2  # one failure (500), then the retry succeeds
        headers, body = _Hook.received[-1]
        want = (
            "sha256="
            + hmac.new(
                b"s3cret", headers["x-brain-timestamp"].encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        assert headers["x-brain-signature"] == want
        payload = json.loads(body)
        assert payload["event"] == "alert.new" and payload["alert"]["kind"] == "duplicate"
        assert "510101199001011234" not in body.decode() and "13800001111" not in body.decode()
        log = hooks.log_rows()
        assert [(r["attempt"], r["ok"]) for r in log] == [(1, False), (2, True)]
    finally:
        server.shutdown()
