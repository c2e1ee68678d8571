"""Draw the fictional county's map: ``configs/geo/<county>.geojson`` from the place hierarchy.

The demo county (清溪县, configs/places.yaml) is invented, so its map is too: towns are laid out on a 3 × 2
grid of fictional coordinates, each town's villages on a sub-grid whose inner corners are moved a little
(seeded) so the map does not look like a spreadsheet. A centre replaces the file with its own GeoJSON
(features with ``properties.level`` 镇 or 村, ``name`` and, for a village, ``town``).

    python tools/build_places_geojson.py [--places configs/places.yaml]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_places(path: Path | None) -> tuple[str, dict[str, list[str]]]:
    if path and path.exists():
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return doc["county"], {t["name"]: list(t.get("villages", [])) for t in doc["towns"]}
    from eval.analysis_stream import COUNTY, PLACES

    return COUNTY, PLACES


def build(county: str, places: dict[str, list[str]], seed: int = 7) -> dict[str, object]:
    rng = random.Random(seed)
    feats: list[dict[str, object]] = []
    cols, w, h, x0, y0 = 3, 0.30, 0.25, 111.0, 29.0
    for i, (town, villages) in enumerate(places.items()):
        tx, ty = x0 + (i % cols) * w, y0 - (i // cols) * h
        outline = [[tx, ty], [tx + w, ty], [tx + w, ty - h], [tx, ty - h], [tx, ty]]
        feats.append(
            {
                "type": "Feature",
                "properties": {"level": "镇", "name": town},
                "geometry": {"type": "Polygon", "coordinates": [outline]},
            }
        )
        n = max(len(villages), 1)
        c = math.ceil(math.sqrt(n))
        r = math.ceil(n / c)
        pts = {}
        for a in range(c + 1):
            for b in range(r + 1):
                inner = 0 < a < c and 0 < b < r
                jx = rng.uniform(-0.25, 0.25) * w / c if inner else 0
                jy = rng.uniform(-0.25, 0.25) * h / r if inner else 0
                pts[a, b] = [round(tx + a * w / c + jx, 5), round(ty - b * h / r + jy, 5)]
        for k, v in enumerate(villages):
            a, b = k % c, k // c
            a1 = c if (k == n - 1 and b == r - 1) else a + 1  # the last village of a short row takes the rest
            ring = [pts[a, b], pts[a1, b], pts[a1, b + 1], pts[a, b + 1], pts[a, b]]
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"level": "村", "name": v, "town": town},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )
    return {
        "type": "FeatureCollection",
        "name": county,
        "properties": {"fictional": True, "source": "tools/build_places_geojson.py"},
        "features": feats,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--places", type=Path, default=ROOT / "configs" / "places.yaml")
    args = ap.parse_args()
    county, places = load_places(args.places)
    out = ROOT / "configs" / "geo" / f"{county}.geojson"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build(county, places), ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{out}: {len(places)} towns, {sum(len(v) for v in places.values())} villages")


if __name__ == "__main__":
    main()
