"""The vendored city boundaries (static/geo/, see its README) as SVG paths, read once per process.

One file per province, named by the province's code; a tenant whose province has none gets no map (the
screen then lists its regions only). The projection is equirectangular with longitude scaled by the cosine of
the province's middle latitude, which keeps shapes true enough over a province.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

GEO_DIR = Path(settings.BASE_DIR) / "static" / "geo"
WIDTH = 1000.0  # the SVG's viewBox width; its height follows the province's shape
PADDING = 40.0  # room for the labels of cities on the edge


@dataclass(frozen=True)
class CityShape:
    code: str
    name: str
    path: str  # SVG path data
    label_x: float
    label_y: float


@dataclass(frozen=True)
class ProvinceMap:
    code: str
    width: float
    height: float
    cities: tuple[CityShape, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def map_file(province_code: str) -> Path:
    return GEO_DIR / f"cn-cities-{province_code}.json"


def label_point(polygons: list[list[list[list[float]]]]) -> tuple[float, float]:
    """Where a city's name goes: the centroid of its largest part (its seat, which the source gives, can sit
    on the border of a neighbour whose seat is close by, as Taiyuan's and Jinzhong's do)."""
    best = (0.0, 0.0, 0.0)
    for polygon in polygons:
        ring = polygon[0]
        area = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if area and abs(area) > abs(best[0]):
            best = (area, cx / (3 * area), cy / (3 * area))
    return best[1], best[2]


@cache
def province_map(province_code: str) -> ProvinceMap | None:
    """The province's cities as SVG shapes, or None when no boundaries are vendored for it."""
    if not province_code.isdigit():
        return None
    source = map_file(province_code)
    if not source.is_file():
        return None
    features = json.loads(source.read_text())["features"]
    points = [
        point
        for feature in features
        for polygon in feature["geometry"]["coordinates"]
        for ring in polygon
        for point in ring
    ]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = (WIDTH - 2 * PADDING) / ((east - west) * squeeze)
    height = (north - south) * scale + 2 * PADDING

    def project(lon: float, lat: float) -> tuple[float, float]:
        return PADDING + (lon - west) * squeeze * scale, PADDING + (north - lat) * scale

    cities = []
    for feature in features:
        parts = []
        for polygon in feature["geometry"]["coordinates"]:
            for ring in polygon:
                xy = [project(lon, lat) for lon, lat in ring]
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
        label_x, label_y = project(*label_point(feature["geometry"]["coordinates"]))
        cities.append(
            CityShape(
                code=str(feature["id"]),
                name=feature["properties"]["name"],
                path="".join(parts),
                label_x=round(label_x, 1),
                label_y=round(label_y, 1),
            )
        )
    return ProvinceMap(code=province_code, width=WIDTH, height=round(height), cities=tuple(cities))
