"""The big screen page: rendered from the cached screen data (screen.selectors) and the vendored map."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.errors import NotFoundError
from organizations.scoping import actor_of

from .geo import province_map
from .selectors import screen_for


def map_shapes(data: dict[str, Any]) -> dict[str, Any] | None:
    """The province's outline with the screen's numbers on it: every vendored city is drawn; those of the
    tenant carry their name, those in the screen's region their open major hazards and a heat class."""
    if not data.get("map"):
        return None
    drawing = province_map(data["map"]["province"])
    if drawing is None:
        return None
    numbers = {city["code"]: city for city in data["map"]["cities"]}
    shapes = []
    for shape in drawing.cities:
        city = numbers.get(shape.code)
        name = city["name"] if city else shape.name
        shapes.append({"shape": shape, "city": city, "label": short_name(name)})
    # Labels keep one size on the wall whatever the province's shape (the SVG is scaled to the panel).
    return {"view_box": drawing.view_box, "shapes": shapes, "label_size": round(drawing.height * 0.03, 1)}


def utc_offset_minutes() -> int:
    offset = timezone.localtime().utcoffset()
    return int(offset.total_seconds() // 60) if offset is not None else 0


def short_name(name: str) -> str:
    """A city's name as maps print it: 大连 for 大连市 (crowded labels overlap less)."""
    return name[:-1] if len(name) > 2 and name.endswith("市") else name


def region_code(request: HttpRequest) -> str | None:
    code = request.GET.get("region", "").strip()
    if code and not (len(code) == 6 and code.isdigit()):
        raise NotFoundError()  # no region has such a code
    return code or None


@login_required
def big_screen(request: HttpRequest) -> HttpResponse:
    """Full-screen, dark, for a command-centre wall; refreshes itself every SCREEN_CACHE_SECONDS."""
    data = screen_for(actor=actor_of(request), region_code=region_code(request))
    return render(
        request,
        "screen/screen.html",
        {
            "screen": data,
            "map": map_shapes(data),
            "clock": data["generated_at"][:16].replace("T", " "),
            # The clock shows the server's time (TIME_ZONE), whatever zone the wall's browser is set to.
            "utc_offset_minutes": utc_offset_minutes(),
            "refresh_seconds": settings.SCREEN_CACHE_SECONDS,
        },
    )
