"""``brain search`` output for an 80-column terminal: two lines a hit (citation and fused score, then the
snippet cut to the width), instead of a six-column table that wraps every cell. ``--json`` has every score."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len

WIDTH = 80
INDENT = "    "


def cut(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal columns (a CJK character takes two), with … when cut."""
    text = " ".join(text.split())
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def print_hits(query: str, mode: str, response: Any, width: int = WIDTH) -> None:
    from rich.console import Console
    from rich.markup import escape

    out = Console(width=width, highlight=False)
    out.print(cut(f"检索：{query}（{mode}，{response.took_ms:.1f} ms）", width))
    for h in response.hits:
        source = h.citation.label() if h.kind == "statute" else h.title
        score = f"融合 {h.score.fused:.3f}"
        head = cut(f"{h.rank:>2}. {source}", width - cell_len(score) - 2)
        out.print(escape(head) + " " * (width - cell_len(head) - cell_len(score)) + score)
        out.print(escape(INDENT + cut(h.snippet, width - len(INDENT))))
