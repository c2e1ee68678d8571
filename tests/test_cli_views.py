"""Issue 14 item 6: ``brain search`` output fits an 80-column terminal (two lines a hit)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rich.cells import cell_len

from brain.cli.search_view import cut, print_hits


def hit(rank: int, title: str, snippet: str) -> SimpleNamespace:
    return SimpleNamespace(
        rank=rank,
        kind="case",
        title=title,
        snippet=snippet,
        score=SimpleNamespace(fused=0.8437),
        citation=SimpleNamespace(label=lambda: title),
    )


def test_every_line_fits_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    long = (
        "对噪声敏感建筑物集中区域的社会生活噪声扰民行为，基层群众性自治组织、业主委员会、物业服务人应当及时劝阻、调解"
        * 3
    )
    response = SimpleNamespace(
        took_ms=2.9,
        hits=[
            hit(1, "《中华人民共和国噪声污染防治法》第七十条（社会生活噪声）" * 2, long),
            hit(10, "案例", "短"),
        ],
    )
    print_hits("邻居装修噪音扰民怎么处理" * 4, "hybrid", response)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    assert all(cell_len(line) <= 80 for line in lines), [cell_len(x) for x in lines]
    assert lines[1].endswith("融合 0.844") and "…" in lines[2]


def test_cut_counts_cjk_as_two_columns() -> None:
    assert cut("甲" * 50, 10) == "甲" * 4 + "…" and cut("abc", 10) == "abc"
