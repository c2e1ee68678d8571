"""Report plots (matplotlib, Agg, with the same embedded CJK font as the agreements' PDFs): cases over time
by type, a place × type heat map, and the 平安地图 drawn from the county's GeoJSON.

The GeoJSON (``configs/geo/<county>.geojson``, features with ``properties.level`` 镇 or 村, ``name`` and
``town``) is what the centre supplies; the demo ships one for its fictional county. A village the file does
not draw is placed schematically inside its town's outline, and the map says so."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GEO_DIR = REPO / "configs" / "geo"


@lru_cache(maxsize=1)
def _font() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    from brain.agreements.render import find_cjk_font

    path = find_cjk_font(None)
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    return name


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def trend(daily: list[tuple[str, str, int]], top: int = 5) -> bytes:
    _font()
    import matplotlib.pyplot as plt

    totals: dict[str, int] = defaultdict(int)
    for _, t, n in daily:
        totals[t] += n
    keep = [t for t, _ in sorted(totals.items(), key=lambda kv: -kv[1])[:top]]
    days = sorted({d for d, _, _ in daily})
    series: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d, t, n in daily:
        series[t if t in keep else "其他"][d] += n
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = [0] * len(days)
    for t in [*keep, "其他"]:
        if t not in series:
            continue
        vals = [series[t].get(d, 0) for d in days]
        ax.bar(range(len(days)), vals, bottom=bottom, label=t)
        bottom = [a + b for a, b in zip(bottom, vals, strict=True)]
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), [d[5:] for d in days][::step])
    ax.set_ylabel("件数")
    ax.set_title("按日案件数（前五类型）")
    ax.legend(fontsize=7, ncol=3)
    return _png(fig)


def heatmap(unit_type: list[tuple[str, str, int]], top: int = 8) -> bytes:
    _font()
    import matplotlib.pyplot as plt
    import numpy as np

    totals: dict[str, int] = defaultdict(int)
    for _, t, n in unit_type:
        totals[t] += n
    types = [t for t, _ in sorted(totals.items(), key=lambda kv: -kv[1])[:top]]
    units = sorted({u for u, _, _ in unit_type})
    m = np.zeros((len(units), len(types)))
    for u, t, n in unit_type:
        if t in types:
            m[units.index(u), types.index(t)] = n
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(units) + 1.6))
    im = ax.imshow(m, cmap="OrRd", aspect="auto")
    ax.set_xticks(range(len(types)), types, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(units)), units, fontsize=8)
    for i in range(len(units)):
        for j in range(len(types)):
            if m[i, j]:
                ax.text(j, i, str(int(m[i, j])), ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title("地点 × 类型 热力图")
    return _png(fig)


def load_geo(county: str) -> dict[str, Any] | None:
    path = GEO_DIR / f"{county}.geojson"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _bbox(coords: list[list[float]]) -> tuple[float, float, float, float]:
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    return min(xs), min(ys), max(xs), max(ys)


def peace_map(
    county: str,
    level: str,
    place: str,
    counts: dict[str, int],
    alerted: set[str],
    villages_of: dict[str, list[str]],
) -> tuple[bytes, bool]:
    """(PNG, schematic): towns (county report) or the town's villages (town report) coloured by count."""
    _font()
    import matplotlib.pyplot as plt
    from matplotlib import cm
    from matplotlib.colors import Normalize
    from matplotlib.patches import Polygon

    geo = load_geo(county) or {"features": []}
    towns = {
        f["properties"]["name"]: f["geometry"]["coordinates"][0]
        for f in geo["features"]
        if f["properties"].get("level") == "镇"
    }
    vills = {
        (f["properties"].get("town"), f["properties"]["name"]): f["geometry"]["coordinates"][0]
        for f in geo["features"]
        if f["properties"].get("level") == "村"
    }
    shapes: dict[str, list[list[float]]] = {}
    schematic = False
    if level == "县":
        names = sorted(set(towns) | set(counts))
        for i, t in enumerate(names):
            if t in towns:
                shapes[t] = towns[t]
            else:
                schematic = True
                x, y = i % 4, i // 4
                shapes[t] = [[x, -y], [x + 1, -y], [x + 1, -y - 1], [x, -y - 1]]
    else:
        outline = towns.get(place, [[0, 0], [4, 0], [4, 3], [0, 3]])
        names = sorted(set(villages_of.get(place, [])) | set(counts))
        x0, y0, x1, y1 = _bbox(outline)
        cols = max(1, round(len(names) ** 0.5))
        rows = -(-len(names) // cols) if names else 1
        for i, v in enumerate(names):
            if (place, v) in vills:
                shapes[v] = vills[(place, v)]
                continue
            schematic = True
            c, r = i % cols, i // cols
            w, h = (x1 - x0) / cols, (y1 - y0) / rows
            shapes[v] = [
                [x0 + c * w, y1 - r * h],
                [x0 + (c + 1) * w, y1 - r * h],
                [x0 + (c + 1) * w, y1 - (r + 1) * h],
                [x0 + c * w, y1 - (r + 1) * h],
            ]
    norm = Normalize(vmin=0, vmax=max([*counts.values(), 1]))
    cmap = plt.get_cmap("YlOrRd")
    fig, ax = plt.subplots(figsize=(7, 5))
    for name, poly in shapes.items():
        n = counts.get(name, 0)
        ax.add_patch(Polygon(poly, closed=True, facecolor=cmap(norm(n)), edgecolor="#555", linewidth=0.8))
        x0, y0, x1, y1 = _bbox(poly)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        ax.text(cx, cy, f"{name}\n{n} 件", ha="center", va="center", fontsize=8)
        if name in alerted:
            ax.plot([cx], [cy + (y1 - y0) * 0.28], marker="*", color="#c00", markersize=14)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.axis("off")
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7, label="案件数")
    title = f"平安地图：{place}" + ("（示意：部分地点不在地图文件中，按名称排布）" if schematic else "")
    ax.set_title(title, fontsize=10)
    return _png(fig), schematic
