"""Rebuild the city boundaries under static/geo/ from the npm package they are taken from.

    npm pack echarts@4.9.0 && tar xzf echarts-4.9.0.tgz
    python -m screen.vendor_maps package/

Apache ECharts 4.9.0 (Apache-2.0) shipped one file per province, map/json/province/<name>.json, whose features
are that province's cities keyed by their GB/T 2260 code and encoded in ECharts' compact form (zig-zag deltas
quantised to 1/1024 degree). This tool decodes the two demo provinces, simplifies each ring (Ramer-Douglas-
Peucker, ~600 m) and writes plain GeoJSON, one small file per province: static/geo/cn-cities-<code>.json.
Run it by hand when a province is added; nothing runs it at build or run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PROVINCES = {"210000": "liaoning", "140000": "shanxi"}
TOLERANCE = 0.006  # degrees: ~600 m, under a pixel on a 1920x1080 wall for a province
MIN_RING_AREA = 0.0004  # square degrees: islets smaller than this are left out
OUT = Path(__file__).resolve().parent.parent / "static" / "geo"

Point = tuple[float, float]


def decode_ring(encoded: str, offset: list[int], scale: float = 1024) -> list[Point]:
    """ECharts' UTF8Encoding: pairs of characters, zig-zag deltas from the ring's offset (parseGeoJson.js)."""
    x, y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        dx, dy = ord(encoded[i]) - 64, ord(encoded[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append((x / scale, y / scale))
    return ring


def _distance(point: Point, start: Point, end: Point) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return float(((px - ax) ** 2 + (py - ay) ** 2) ** 0.5)
    return float(abs(dy * px - dx * py + bx * ay - by * ax) / (dx * dx + dy * dy) ** 0.5)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Ramer-Douglas-Peucker, iterative (rings have thousands of points)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        index, furthest = 0, 0.0
        for i in range(first + 1, last):
            distance = _distance(points[i], points[first], points[last])
            if distance > furthest:
                index, furthest = i, distance
        if furthest > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def area(ring: list[Point]) -> float:
    return (
        abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2
    )


def polygons(geometry: dict[str, Any]) -> list[list[list[Point]]]:
    """The geometry as a list of polygons (rings), decoded."""
    if geometry["type"] == "Polygon":
        return [
            [
                decode_ring(ring, offset)
                for ring, offset in zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True)
            ]
        ]
    return [
        [decode_ring(ring, offset) for ring, offset in zip(polygon, offsets, strict=True)]
        for polygon, offsets in zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True)
    ]


def province_geojson(source: dict[str, Any], code: str) -> dict[str, Any]:
    features = []
    for feature in source["features"]:
        kept = []
        for polygon in polygons(feature["geometry"]):
            rings = [simplify(ring, TOLERANCE) for ring in polygon]
            if area(rings[0]) < MIN_RING_AREA:
                continue
            closed = [
                [[round(x, 3), round(y, 3)] for x, y in ring + ring[:1]] for ring in rings if len(ring) >= 3
            ]
            kept.append(closed)
        center = feature["properties"].get("cp") or []
        features.append(
            {
                "type": "Feature",
                "id": feature["id"],
                "properties": {
                    "name": feature["properties"]["name"],
                    "center": [round(c, 3) for c in center],
                },
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    return {"type": "FeatureCollection", "province": code, "features": features}


def main(package: str) -> None:
    for code, name in PROVINCES.items():
        source = json.loads((Path(package) / "map" / "json" / "province" / f"{name}.json").read_text())
        target = OUT / f"cn-cities-{code}.json"
        target.write_text(
            json.dumps(province_geojson(source, code), ensure_ascii=False, separators=(",", ":"))
        )
        print(f"{target.name}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
