"""Acceptance over realistic cases (tests/data/agreements/*.json): labour injury, neighbours, family support,
debt, traffic accident, property service, consumer, wages, falling object, homestead drainage, and a case
with gaps. For each: every required field filled or listed missing (and shown as 【待补充】); amounts
consistent; every name and every amount in the rendered document occurs in the input; the DOCX opens and
holds parties and terms; the PDF renders to a non-blank page and its text holds the parties' names."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from brain.agreements.amounts import find_amounts
from brain.agreements.extract import extract_parties
from brain.agreements.models import FIELD_LABELS, REQUIRED_FIELDS, AgreementDraft
from brain.agreements.render import PLACEHOLDER_RE
from brain.service import Brain
from brain.settings import load_settings

CASE_DIR = Path(__file__).parent / "data" / "agreements"
CASES = sorted(CASE_DIR.glob("*.json"))


def load_case(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def brain(tmp_path_factory: pytest.TempPathFactory) -> Brain:
    return Brain(load_settings("test", state_dir=str(tmp_path_factory.mktemp("agreements-state"))))


@pytest.fixture(scope="module")
def drafts(brain: Brain) -> dict[str, tuple[dict[str, Any], AgreementDraft]]:
    return {p.stem: (load_case(p), brain.agreement_service.draft(load_case(p)["request"])) for p in CASES}


def test_there_are_at_least_ten_cases_covering_the_required_kinds() -> None:
    names = " ".join(load_case(p)["name"] for p in CASES)
    assert len(CASES) >= 10
    for kind in ("工伤", "相邻", "赡养", "借贷", "交通事故", "物业"):
        assert kind in names


def _input_text(case: dict[str, Any]) -> str:
    return json.dumps(case["request"], ensure_ascii=False)


def _input_amounts(case: dict[str, Any]) -> set[Decimal]:
    req = case["request"]
    values = {m.value for m in find_amounts(_input_text(case))}
    values |= {
        Decimal(str(t["amount"])).quantize(Decimal("0.01")) for t in req.get("terms", []) if "amount" in t
    }
    return values


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_required_fields_filled_or_marked_missing(path: Path, drafts: dict[str, Any]) -> None:
    case, draft = drafts[path.stem]
    a = draft.agreement
    for key in REQUIRED_FIELDS:
        value = getattr(a, key) if key != "signatures" else a.signatures.parties
        assert value or key in draft.missing_fields, f"{key} neither filled nor listed missing"
    for key in draft.missing_fields:
        if "." not in key:
            assert f"【待补充：{FIELD_LABELS[key]}】" in draft.text
    # every gap in the text is accounted for in missing_fields
    labels = {FIELD_LABELS[k.rsplit(".", 1)[-1]] for k in draft.missing_fields}
    for gap in PLACEHOLDER_RE.findall(draft.text):
        assert gap[len("【待补充：") : -1] in labels
    assert sorted(draft.missing_fields) == sorted(case["expect"]["missing"])
    assert draft.mode == "deterministic"
    assert [p.name for p in a.parties] == case["expect"]["parties"]
    assert "name_variant" not in {w.code for w in draft.warnings}  # no false alarms on realistic text
    if not case["expect"]["missing"]:
        assert not [w for w in draft.warnings if w.severity == "error"], draft.warnings


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_amounts_consistent_and_all_from_the_input(path: Path, drafts: dict[str, Any]) -> None:
    case, draft = drafts[path.stem]
    found = find_amounts(draft.text)
    assert all(m.consistent for m in found), [m.text for m in found if not m.consistent]
    assert {m.value for m in found} <= _input_amounts(case)
    assert {m.value for m in found} == {
        Decimal(x).quantize(Decimal("0.01")) for x in case["expect"]["amounts"]
    }
    for term in draft.agreement.agreed_terms:
        for ob in term.obligations:
            if ob.amount is not None:
                assert f"人民币{ob.amount.normalize():f}元（大写：{ob.amount_capital}）" in draft.text


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_name_in_the_document_comes_from_the_input(path: Path, drafts: dict[str, Any]) -> None:
    case, draft = drafts[path.stem]
    source = _input_text(case)
    names = {p.name for p in extract_parties(draft.text)}
    names |= set(
        re.findall(r"^(?:申请人|被申请人|甲方|乙方|当事人) (\S+)：$", draft.text, re.M)
    )  # signature lines
    for term in draft.agreement.agreed_terms:
        names |= {n for ob in term.obligations for n in (ob.obligor, ob.payee) if n}
    for person in ("mediator", "recorder"):
        m = re.search(("人民调解员" if person == "mediator" else "记录人") + r"（签名）：(\S*)", draft.text)
        if m and m.group(1):
            names.add(m.group(1))
    assert names >= set(case["expect"]["parties"])
    assert all(n in source for n in names), [n for n in names if n not in source]
    dates = set(re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", draft.text))
    agreement_date = draft.agreement.signatures.date
    source_dates = set(re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", source))
    if agreement_date:
        source_dates.add(f"{agreement_date.year}年{agreement_date.month}月{agreement_date.day}日")
    computed = {
        f"{ob.deadline.year}年{ob.deadline.month}月{ob.deadline.day}日"
        for t in draft.agreement.agreed_terms
        for ob in t.obligations
        if ob.deadline
    }
    assert dates <= source_dates | computed


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_docx_opens_and_holds_parties_and_terms(path: Path, brain: Brain, drafts: dict[str, Any]) -> None:
    import docx

    case, draft = drafts[path.stem]
    data = brain.agreement_service.export(draft, "docx")
    doc = docx.Document(io.BytesIO(data))
    body = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert doc.paragraphs[0].text == "人民调解协议书"
    for name in case["expect"]["parties"]:
        assert name in body and name in cells
    for term in draft.agreement.agreed_terms:
        assert term.text in body
    assert "三十日内" in body


def _pdf_checks(data: bytes, names: list[str], tmp_path: Path) -> None:
    import pymupdf
    from PIL import Image

    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(data)
    with pymupdf.open(pdf) as doc:
        text = "".join(page.get_text() for page in doc)
        fonts = {(f[1], f[3]) for page in doc for f in page.get_fonts()}
    compact = re.sub(r"\s", "", text)
    for name in names:
        assert name in compact
    assert "人民调解协议书" in compact
    # every font is an embedded TrueType subset ("ABCDEF+WenQuanYiZenHei"), none left to the viewer
    assert fonts and all(ext == "ttf" and "+" in name for ext, name in fonts), fonts
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    png = next(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 0.005 * image.width * image.height  # ink on the page, not a blank sheet


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")
@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_pdf_renders_with_embedded_font_and_extractable_names(
    path: Path, brain: Brain, drafts: dict[str, Any], tmp_path: Path
) -> None:
    case, draft = drafts[path.stem]
    _pdf_checks(brain.agreement_service.export(draft, "pdf"), case["expect"]["parties"], tmp_path)


def test_html_preview_marks_gaps_and_escapes(brain: Brain, drafts: dict[str, Any]) -> None:
    _, draft = drafts["11_missing_info"]
    html = brain.agreement_service.export(draft, "html").decode("utf-8")
    assert '<span class="missing">【待补充：人民调解委员会名称】</span>' in html
    assert "校验提示" in html and "缺少履行期限" in html
    hostile = draft.agreement.model_copy(update={"facts_and_issues": "<script>alert(1)</script>"})
    assert "<script>alert" not in brain.agreement_service.export(hostile, "html").decode("utf-8")


def test_numbers_count_per_committee_and_year(drafts: dict[str, Any]) -> None:
    numbers = {k: d.agreement.agreement_no for k, (_, d) in drafts.items()}
    assert numbers["01_labour_injury"] == "（2025）枫桥镇人调字第1号"
    assert numbers["02_neighbour_leak"] == "（2026）城关幸福调字第1号"
    assert numbers["11_missing_info"] is None
