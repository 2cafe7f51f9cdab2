"""What a photo says about itself (EXIF time and GPS position) and the copy that pages show.

The original is evidence and is kept byte for byte; pages show a downscaled, upright copy without metadata.
Missing or malformed EXIF gives no facts, never an error: a photo is evidence with or without them.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from PIL import ExifTags, Image, ImageOps

DATE_TIME_ORIGINAL = 0x9003
OFFSET_TIME = 0x9010
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LATITUDE_REF, GPS_LATITUDE, GPS_LONGITUDE_REF, GPS_LONGITUDE, GPS_STATUS = 1, 2, 3, 4, 9
OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")
MICRODEGREE = Decimal("0.000001")


@dataclass(frozen=True)
class PhotoFacts:
    """When and where a photo was taken, as its camera recorded it (None where it did not)."""

    taken_at: dt.datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None


def photo_facts(data: bytes) -> PhotoFacts:
    """The time (DateTimeOriginal with OffsetTimeOriginal/OffsetTime, else read in TIME_ZONE) and the GPS
    position (decimal degrees, 6 places) from a checked photo's EXIF."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            camera = dict(exif.get_ifd(ExifTags.IFD.Exif))
            gps = dict(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # unreadable EXIF is no EXIF: the photo was already checked
        return PhotoFacts()
    latitude = _degrees(gps.get(GPS_LATITUDE), gps.get(GPS_LATITUDE_REF), "N", "S", 90)
    longitude = _degrees(gps.get(GPS_LONGITUDE), gps.get(GPS_LONGITUDE_REF), "E", "W", 180)
    void = _text(gps.get(GPS_STATUS)) == "V"  # the receiver had no fix
    if latitude is None or longitude is None or void or (latitude == 0 and longitude == 0):
        latitude = longitude = None
    offset = _text(camera.get(OFFSET_TIME_ORIGINAL)) or _text(camera.get(OFFSET_TIME))
    return PhotoFacts(
        taken_at=_taken_at(_text(camera.get(DATE_TIME_ORIGINAL)), offset),
        latitude=latitude,
        longitude=longitude,
    )


def display_copy(data: bytes) -> bytes:
    """A JPEG for pages: EXIF orientation applied, at most EVIDENCE_DISPLAY_PIXELS on its long side, without
    EXIF, XMP or comments (the colour profile stays, so colours stay true)."""
    longest = settings.EVIDENCE_DISPLAY_PIXELS
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (longest, longest))  # a JPEG decodes straight at a smaller scale
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
    upright.thumbnail((longest, longest), Image.Resampling.LANCZOS)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        upright = flat
    elif upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
        icc = None if image.mode == "CMYK" else icc  # a CMYK profile does not describe the RGB copy
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": 82, "optimize": True}
    if icc:
        options["icc_profile"] = icc
    upright.save(out, format="JPEG", **options)
    return out.getvalue()


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ").strip() if isinstance(value, str) else ""


def _taken_at(raw: str, offset: str) -> dt.datetime | None:
    """The camera's clock with its offset; without one, read in the site's time zone (TIME_ZONE)."""
    known = OFFSET.match(offset) is not None
    try:
        stamped = dt.datetime.strptime(f"{raw} {offset if known else '+00:00'}", "%Y:%m:%d %H:%M:%S %z")
    except ValueError:
        return None
    return stamped if known else stamped.replace(tzinfo=timezone.get_default_timezone())


def _degrees(value: object, ref: object, positive: str, negative: str, bound: int) -> Decimal | None:
    """Degrees, minutes, seconds (EXIF rationals) as signed decimal degrees; None if malformed."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        parts = [float(part) for part in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(math.isnan(part) or part < 0 for part in parts) or parts[1] >= 60 or parts[2] >= 60:
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    hemisphere = _text(ref).upper()
    if hemisphere not in (positive, negative) or degrees > bound:
        return None
    signed = -degrees if hemisphere == negative else degrees
    return Decimal(repr(signed)).quantize(MICRODEGREE)
