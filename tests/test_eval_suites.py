"""Acceptance of issue 9 through the real command line (`brain eval run ...`) on the test profile:
every shipped dev set prints metrics and writes an HTML report with plots; a file the project has never seen
runs unchanged; a malformed line is reported with its line number and the run goes on; the JSON keys are
the documented ones (docs/eval.md) and stay so. The chat citation checker is also checked by hand."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brain.cli import app
from brain.service import Brain
from brain.settings import load_settings
from eval.chat import cited_articles, statute_status
from ingest.statute import cn_to_int as chinese_int

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO / "eval" / "datasets"

# The documented keys of each suite's --json object (docs/eval.md). Adding a key is fine; removing or
# renaming one breaks evaluators' scripts, so it must fail here first.
STABLE_KEYS = {
    "drafting": {
        "suite",
        "data",
        "metrics_version",
        "n",
        "completeness",
        "fields_accounted",
        "missing_fields_precision",
        "missing_fields_recall",
        "missing_fields_exact",
        "warning_recall",
        "unexpected_error_cases",
        "consistency_errors",
        "unflagged_consistency_errors",
        "invented_names",
        "invented_amounts",
        "cases_with_invention",
        "latency",
        "failed_cases",
        "errors",
        "cases",
    },
    "chat": {
        "suite",
        "data",
        "metrics_version",
        "n",
        "n_in_domain",
        "n_out_of_domain",
        "citation_recall",
        "citation_precision",
        "citation_validity",
        "citations_named",
        "citations_invalid",
        "no_basis_rate_ood",
        "no_basis_rate_in_domain",
        "baselines",
        "latency",
        "errors",
        "cases",
    },
    "retrieval": {
        "suite",
        "data",
        "cases",
        "index_version",
        "embedder",
        "fusion",
        "metrics_version",
        "retrievers",
        "errors",
    },
    "intake": {
        "suite",
        "data",
        "n",
        "accuracy",
        "macro_f1",
        "per_class",
        "coverage",
        "covered_accuracy",
        "ece",
        "sub_type_accuracy",
        "risk_accuracy",
        "baselines",
        "unmapped_labels",
        "malformed_lines",
    },
}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One index build for the module; every CLI run below shares the state directory."""
    state = tmp_path_factory.mktemp("eval-state")
    Brain(load_settings("test", state_dir=str(state))).start(graph=False).close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BRAIN_PROFILE", "test")
        mp.setenv("BRAIN_STATE_DIR", str(state))
        mp.setenv("OMP_NUM_THREADS", "2")
        yield {"state": str(state)}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _plots(html: str) -> list[str]:
    return re.findall(r'<img class="plot" alt="([^"]+)" src="data:image/png;base64,', html)


@pytest.mark.parametrize(
    ("suite", "data", "headline"),
    [
        ("drafting", "drafting_dev.jsonl", "fields_accounted"),
        ("chat", "chat_dev.jsonl", "citation_recall"),
    ],
)
def test_shipped_dev_set_prints_metrics_and_writes_report(
    env: dict[str, str], tmp_path: Path, suite: str, data: str, headline: str
) -> None:
    code, out, err = cli("eval", "run", suite, "--data", str(DATASETS / data), "--report", str(tmp_path))
    assert code == 0, err
    assert headline in out and "latency p95" in out
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "延迟分布" in _plots(html)
    doc = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert doc["meta"]["suite"] == suite and doc[headline] >= 0
    assert set(doc["latency"]) == {"p50", "p95", "p99"} and len(doc["latency_ms"]) == doc["n"]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# Files in the documented formats that the project has never seen, each with one malformed line (3).
UNSEEN = {
    "drafting": [
        json.dumps(
            {
                "id": "u1",
                "input": {
                    "facts": "申请人：马红梅，女。被申请人：牛建军，男。牛建军驾驶电动车撞伤马红梅，花去医疗费。",
                    "terms_text": "被申请人牛建军于2026年5月1日前以现金方式赔偿申请人马红梅医疗费1600元。",
                    "responsibility": "被申请人负全部责任。",
                    "committee_name": "东关街道人民调解委员会",
                    "date": "2026-04-20",
                },
                "expected": {"missing_fields": []},
            },
            ensure_ascii=False,
        ),
        json.dumps(
            {
                "id": "u2",
                "input": {
                    "facts": "申请人：杜某。被申请人：严某。严某欠杜某货款。",
                    "terms_text": "严某向杜某支付货款5000元。",
                },
                "expected": {
                    "missing_fields": [
                        "agreement_no",
                        "committee_name",
                        "responsibility",
                        "agreed_terms[0].obligations[0].method",
                        "agreed_terms[0].obligations[0].deadline",
                    ],
                    "warnings": ["missing_field"],
                },
            },
            ensure_ascii=False,
        ),
        '{"id": "broken", "input": {"facts": "缺一个括号"}',
        json.dumps(
            {"id": "u4", "input": {"facts": "申请人：甲。", "term_text": "拼错的键"}}, ensure_ascii=False
        ),
    ],
    "chat": [
        json.dumps(
            {
                "id": "c1",
                "question": "宅基地使用权纠纷怎么调解？",
                "expected": {"citations": [{"law": "中华人民共和国民法典", "article": 362}]},
            },
            ensure_ascii=False,
        ),
        json.dumps(
            {"id": 2, "question": "怎么给自行车补胎", "expected": {"out_of_domain": True}},
            ensure_ascii=False,
        ),
        "this is not json",
        json.dumps({"id": "c4", "question": "没有期望"}, ensure_ascii=False),
    ],
    "retrieval": [
        json.dumps(
            {
                "id": "r1",
                "query": "夫妻感情破裂起诉离婚",
                "expected": {"citations": [{"law": "民法典", "article": 1079}]},
            },
            ensure_ascii=False,
        ),
        json.dumps(
            {
                "id": "r2",
                "query": "装修噪声",
                "expected": {"citations": [{"law": "《噪声污染防治法》", "article": 66}]},
            },
            ensure_ascii=False,
        ),
        '{"id": "r3", "query": }',
    ],
    "intake": [
        json.dumps(
            {"id": "i1", "text": "公司拖欠我三个月工资不发", "expected": {"dispute_type": "劳动争议"}},
            ensure_ascii=False,
        ),
        json.dumps(
            # a numbered case and a label padded by a spreadsheet export are read, not refused
            {"id": 2, "text": "邻居在楼上装修每天噪音很大", "expected": {"dispute_type": "邻里纠纷 "}},
            ensure_ascii=False,
        ),
        '{"id": "i3", "text": "没有期望"}',
    ],
}


@pytest.mark.parametrize("suite", sorted(UNSEEN))
def test_unseen_file_runs_reports_bad_line_and_keys_are_stable(
    env: dict[str, str], tmp_path: Path, suite: str
) -> None:
    data = _write(tmp_path / f"{suite}_unseen.jsonl", UNSEEN[suite])
    code, out, err = cli("eval", "run", suite, "--data", str(data), "--json")
    assert code == 0, err
    obj = json.loads(out)
    assert STABLE_KEYS[suite] <= set(obj), STABLE_KEYS[suite] - set(obj)
    problems = obj.get("errors", obj.get("malformed_lines"))
    assert any(p.startswith("第 3 行") for p in problems), problems
    n_run = obj.get("n", obj.get("cases"))
    assert n_run == 2  # the good lines ran; the bad ones were reported, not fatal


def test_keys_are_documented() -> None:
    doc = (REPO / "docs" / "eval.md").read_text(encoding="utf-8")
    for suite, keys in STABLE_KEYS.items():
        section = doc.split(f"### `{suite}`", 1)[1].split("###", 1)[0]
        missing = [k for k in keys if f"`{k}`" not in section]
        assert not missing, f"{suite}: keys not documented in docs/eval.md: {missing}"


def test_compare_two_runs(env: dict[str, str], tmp_path: Path) -> None:
    data = str(DATASETS / "drafting_dev.jsonl")
    for name in ("a", "b"):
        assert cli("eval", "run", "drafting", "--data", data, "--report", str(tmp_path / name))[0] == 0
    code, out, _ = cli("eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json")
    rows = {r["metric"]: r for r in json.loads(out)}
    assert code == 0 and rows["fields_accounted"]["delta"] == 0.0 and "latency.p50" in rows


def test_citation_validity_catches_repealed_and_unknown_articles() -> None:
    status = statute_status()
    assert status[("民法典", 1079)] is True and status[("治安管理处罚法", 1)] is False
    answer = (
        "依据[1]，并参照《中华人民共和国治安管理处罚法》第一条、《民法典》第九千条。"
        "[2] 某案：判决引用《劳动法》第47条…"
    )
    sources = [
        {
            "n": 1,
            "kind": "statute",
            "citation": "《民法典》第1079条",
            "snippet": "第一千零七十九条 夫妻一方…",
        },
        {"n": 2, "kind": "case", "citation": "case:x", "snippet": "判决引用《劳动法》第47条"},
        {"n": 3, "kind": "statute", "citation": "《民法典》第288条", "snippet": "未被引用"},
    ]
    cited = cited_articles(answer, sources)
    # [3] is listed but not referenced; 《劳动法》第47条 sits in a quoted judgment, not in the answer's words
    assert cited == {("民法典", 1079), ("治安管理处罚法", 1), ("民法典", 9000)}
    assert [c for c in cited if not status.get(c, False)] != []
    assert (
        chinese_int("一千零七十九") == 1079 and chinese_int("十") == 10 and chinese_int("二百八十八") == 288
    )
