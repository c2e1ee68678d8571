"""Evaluation reports: a JSON twin (the stable, scriptable form) and a self-contained HTML page with plots.

Plots are PNGs embedded as data URIs, so a report opens offline and can be mailed as one file. Which plots
appear depends on the keys a suite put in its result:

- ``confusion``: {"labels": [...], "matrix": [[...]]}   -> confusion matrix
- ``reliability``: [{"confidence", "accuracy", "count"}] -> reliability diagram
- ``coverage_curve``: [{"coverage", "accuracy"}]         -> coverage-accuracy curve
- ``latency_ms``: [float, ...]                            -> latency histogram (and ``latency`` p50/p95/p99
  added to the JSON when the suite did not compute them)
- ``retrievers``: {name: {"recall@1", "recall@5", ...}}   -> grouped bars per retriever

Everything a suite returns goes into ``report.json`` unchanged (plus ``meta``), so the JSON twin of a report
carries the same keys as ``--json`` (see docs/eval.md).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager

_CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "Noto Sans CJK JP", "Source Han Sans SC")


def _setup_fonts() -> None:
    available = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [f for f in _CJK_FONTS if f in available]
    plt.rcParams["font.sans-serif"] = [*chosen, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _plot_confusion(conf: dict[str, Any]) -> str:
    labels, matrix = conf["labels"], conf["matrix"]
    size = max(4.0, 0.45 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("预测")
    ax.set_ylabel("标注")
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7)
    ax.set_title("混淆矩阵")
    return _png(fig)


def _plot_reliability(bins: list[dict[str, float]]) -> str:
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="完美校准")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "o-", label="本系统")
    ax.set_xlabel("置信度")
    ax.set_ylabel("准确率")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("可靠性图")
    return _png(fig)


def _plot_coverage(curve: list[dict[str, float]]) -> str:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    ax.plot([c["coverage"] for c in curve], [c["accuracy"] for c in curve], "-")
    ax.set_xlabel("覆盖率")
    ax.set_ylabel("准确率")
    ax.set_ylim(0, 1.02)
    ax.set_title("覆盖率-准确率曲线")
    return _png(fig)


def _plot_latency(latency_ms: list[float]) -> str:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(latency_ms, bins=min(40, max(5, int(math.sqrt(len(latency_ms))))))
    ax.set_xlabel("延迟 (毫秒)")
    ax.set_ylabel("请求数")
    ax.set_title("延迟分布")
    return _png(fig)


def _plot_retrievers(blocks: dict[str, dict[str, Any]]) -> str:
    keys = [
        k
        for k in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
        if any(k in b for b in blocks.values())
    ]
    fig, ax = plt.subplots(figsize=(6, 3.8))
    width = 0.8 / max(1, len(blocks))
    for i, (name, block) in enumerate(blocks.items()):
        ax.bar(
            [x + i * width for x in range(len(keys))],
            [float(block.get(k, 0)) for k in keys],
            width,
            label=name,
        )
    ax.set_xticks([x + width * (len(blocks) - 1) / 2 for x in range(len(keys))], keys)
    ax.set_ylim(0, 1.02)
    ax.legend()
    ax.set_title("各检索器指标")
    return _png(fig)


def _cases_table(cases: list[dict[str, Any]], limit: int = 300) -> str:
    """Per-case rows, so an evaluator can see *which* cases failed without opening the JSON."""
    cols: list[str] = []
    for c in cases[:limit]:
        cols.extend(k for k in c if k not in cols)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c.get(k))}</td>" for k in cols) + "</tr>" for c in cases[:limit]
    )
    more = (
        f"<p>（仅列出前 {limit} 条，共 {len(cases)} 条；全部见 report.json）</p>"
        if len(cases) > limit
        else ""
    )
    return f"<table>{head}{body}</table>{more}"


def _cell(v: Any) -> str:
    if isinstance(v, list):
        return html.escape("、".join(str(x) for x in v))
    return "" if v is None else _fmt(v)


def _table(rows: dict[str, Any]) -> str:
    cells = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{_fmt(v)}</td></tr>"
        for k, v in rows.items()
        if not isinstance(v, (dict, list))
    )
    return f"<table>{cells}</table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}"
    return html.escape(str(v))


def _per_class_table(per_class: dict[str, dict[str, float]]) -> str:
    head = "<tr><th>类别</th><th>精确率</th><th>召回率</th><th>F1</th><th>样本数</th></tr>"
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{_fmt(v.get('precision'))}</td><td>{_fmt(v.get('recall'))}</td>"
        f"<td>{_fmt(v.get('f1'))}</td><td>{_fmt(v.get('support'))}</td></tr>"
        for k, v in per_class.items()
    )
    return f"<table>{head}{body}</table>"


def write_report(out_dir: Path, suite: str, result: dict[str, Any], *, data_file: str | None = None) -> Path:
    """Write ``report.json`` and ``report.html`` into ``out_dir`` (created); returns the HTML path.

    Written to temporary names and renamed, so a crash never leaves a half report where the UI looks.
    """
    _setup_fonts()
    out_dir.mkdir(parents=True, exist_ok=True)
    if result.get("latency_ms") and "latency" not in result:
        from eval.metrics import percentiles

        result = {**result, "latency": percentiles(result["latency_ms"])}
    meta = {"suite": suite, "created": datetime.now(UTC).isoformat(timespec="seconds"), "data": data_file}
    doc = {"meta": meta, **result}
    tmp_json = out_dir / "report.json.tmp"
    tmp_json.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")

    plots: list[tuple[str, str]] = []
    if result.get("confusion"):
        plots.append(("混淆矩阵", _plot_confusion(result["confusion"])))
    if result.get("reliability"):
        plots.append(("可靠性图", _plot_reliability(result["reliability"])))
    if result.get("coverage_curve"):
        plots.append(("覆盖率-准确率曲线", _plot_coverage(result["coverage_curve"])))
    if result.get("latency_ms"):
        plots.append(("延迟分布", _plot_latency(result["latency_ms"])))
    if result.get("retrievers"):
        plots.append(("各检索器指标", _plot_retrievers(result["retrievers"])))

    sections = [f"<h2>总体指标</h2>{_table(result.get('metrics', result))}"]
    for name, block in (result.get("retrievers") or {}).items():
        sections.append(f"<h2>检索器 {html.escape(name)}</h2>{_table(block)}")
    if result.get("baselines"):
        for name, block in result["baselines"].items():
            sections.append(f"<h2>基线：{html.escape(name)}</h2>{_table(block)}")
    if result.get("latency"):
        sections.append(f"<h2>延迟（毫秒）</h2>{_table(result['latency'])}")
    if result.get("per_class"):
        sections.append(f"<h2>分类别指标</h2>{_per_class_table(result['per_class'])}")
    problems = [*(result.get("errors") or []), *(result.get("malformed_lines") or [])]
    problems += [f"用例失败：{e}" for e in result.get("failed_cases") or []]
    if problems:
        items = "".join(f"<li>{html.escape(str(e))}</li>" for e in problems)
        sections.append(f"<h2>数据问题</h2><ul>{items}</ul>")
    if isinstance(result.get("cases"), list) and result["cases"]:
        sections.append(f"<h2>用例明细</h2>{_cases_table(result['cases'])}")
    figs = "".join(
        f'<figure><img class="plot" alt="{n}" src="{src}"><figcaption>{n}</figcaption></figure>'
        for n, src in plots
    )
    page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>评测报告 {html.escape(suite)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;margin:.5em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}}figure{{display:inline-block;margin:1em}}
img.plot{{max-width:520px}}</style></head><body>
<h1>评测报告：{html.escape(suite)}</h1>
<p>生成时间 {meta["created"]}；数据 {html.escape(str(data_file or ""))}</p>
{"".join(sections)}
<h2>图表</h2>{figs or "<p>（本套件无图表）</p>"}
</body></html>"""
    tmp_html = out_dir / "report.html.tmp"
    tmp_html.write_text(page, encoding="utf-8")
    tmp_json.replace(out_dir / "report.json")
    tmp_html.replace(out_dir / "report.html")
    return out_dir / "report.html"


def compare(report_a: Path, report_b: Path) -> list[tuple[str, Any, Any, Any]]:
    """Side-by-side numeric metrics of two reports (``report.json`` files or their directories):
    rows (metric, a, b, b - a) over the keys the two share."""
    a, b = (_load(p) for p in (report_a, report_b))
    rows: list[tuple[str, Any, Any, Any]] = []
    for key, va, vb in _shared_numbers(a, b):
        rows.append((key, va, vb, vb - va))
    return rows


def _load(p: Path) -> dict[str, Any]:
    path = p / "report.json" if p.is_dir() else p
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _shared_numbers(a: Any, b: Any, prefix: str = "") -> list[tuple[str, float, float]]:
    out: list[tuple[str, float, float]] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if (
                k in {"meta", "cases", "latency_ms", "confusion", "reliability", "coverage_curve"}
                or k not in b
            ):
                continue
            out.extend(_shared_numbers(a[k], b[k], f"{prefix}{k}."))
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        out.append((prefix.rstrip("."), float(a), float(b)))
    return out


# Keys that only feed plots (or are long per-case lists): left out of the printed table and of ``--json``
# summaries only where noted; ``report.json`` always keeps everything.
PLOT_KEYS = ("latency_ms", "reliability", "coverage_curve", "confusion")


def summary_json(result: dict[str, Any]) -> str:
    """The ``--json`` form: the whole result without the raw plot series (per-case details stay)."""
    slim = {k: v for k, v in result.items() if k not in PLOT_KEYS}
    return json.dumps(slim, ensure_ascii=False, default=str)


def print_result(result: dict[str, Any], *, as_json: bool, title: str) -> None:
    """Print one suite's result: one JSON object on stdout with ``--json``, else a table of its headline
    numbers (top-level scalars and the latency percentiles) and the data problems on stderr."""
    import sys

    if as_json:
        sys.stdout.write(summary_json(result) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("指标")
    table.add_column("值", justify="right")
    for key, value in result.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            table.add_row(key, _fmt(value))
    for name, block in (result.get("baselines") or {}).items():
        for key, value in block.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                table.add_row(f"基线 {name}: {key}", _fmt(value))
    for q, ms in (result.get("latency") or {}).items():
        table.add_row(f"latency {q} (ms)", f"{ms:.1f}")
    Console().print(table)
    err = Console(stderr=True)
    for e in result.get("errors") or []:
        err.print(f"[yellow]跳过：{e}[/yellow]")
    for e in result.get("failed_cases") or []:
        err.print(f"[red]用例失败：{e}[/red]")
