"""Uploaded files (photos, PDFs): recognised by their decoded structure, never by their name or declared type.

A photo is accepted when Pillow decodes it completely, it has no more pixels than EVIDENCE_MAX_PIXELS (a
decompression bomb is refused before it is decoded), its name and declared type agree with what it really is,
and markup appears nowhere a browser or reader would treat as text: comments, XMP and text chunks, unknown
metadata segments and anything glued after the image. The compressed pixel data itself is never searched for
markup: entropy-coded bytes of a genuine photo may spell "<html" by chance, and they are not text.
"""

from __future__ import annotations

import hashlib
import io
import mimetypes
import re
import struct
import warnings
import zlib
from collections.abc import Generator, Iterator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
KIND_NAMES = {"image/jpeg": "JPEG", "image/png": "PNG", "application/pdf": "PDF"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Markup a browser would render. Case-insensitive, as HTML is.
MARKUP = re.compile(rb"(?i:<\s*(?:script|html|!doctype|svg|iframe|object|embed|body|\?php))")
# ... and what a PDF reader would run.
ACTIVE_PDF = re.compile(MARKUP.pattern + rb"|/JavaScript|/JS[\s(<]|/Launch")
# Declared types that say nothing about the content: a file of any kind may carry them.
GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}
# JPEG APPn segments whose content is binary by design (EXIF with its compressed thumbnail, colour profiles,
# multi-picture index, JFIF, Adobe, Photoshop resources with their own thumbnail): not text, not searched.
BINARY_APP_PREFIXES = (
    b"Exif\0",
    b"ICC_PROFILE\0",
    b"MPF\0",
    b"JFIF\0",
    b"JFXX\0",
    b"Adobe",
    b"Photoshop 3.0\0",
)
# PNG chunks that hold numbers or compressed pixels, never text.
BINARY_PNG_CHUNKS = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"bKGD",
    b"hIST", b"pHYs", b"sPLT", b"tIME", b"eXIf", b"acTL", b"fcTL", b"fdAT", b"cICP", b"mDCv", b"cLLI",
}  # fmt: skip
TEXT_LIMIT = 1024 * 1024  # a text chunk that inflates beyond this is refused (Pillow's own limit)


NOT_ACCEPTED = gettext_lazy("%(name)s is not a JPEG, PNG or PDF file.")


class Refused(Exception):
    """Why an upload is refused: the message takes %(name)s (the file's name)."""

    def __init__(self, message: str | Promise, **params: object) -> None:
        super().__init__(message)
        self.message = str(message)
        self.params = params


class Bomb(Refused):
    """More pixels than a photo has: decoding it would exhaust memory."""


def real_content_type(data: bytes) -> str:
    """The real type of an upload from its decoded structure, or Refused saying why not."""
    if data.startswith(b"%PDF-"):
        # A PDF ends with %%EOF (allowing trailing whitespace); HTML or scripts after a fake header do not.
        if ACTIVE_PDF.search(data) or b"%%EOF" not in data[-1024:]:
            raise Refused(NOT_ACCEPTED)
        return "application/pdf"
    if data.startswith(PNG_SIGNATURE):
        _decode(data, "PNG")
        _refuse_markup(_png_text(data))
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        _decode(data, "JPEG")
        _refuse_markup(_jpeg_text(data))
        return "image/jpeg"
    raise Refused(NOT_ACCEPTED)


def sniff_content_type(data: bytes) -> str | None:
    """The real type of an upload; None for anything but a well-formed JPEG, PNG or PDF without active
    content (markup where it would be read as text, or PDF scripts)."""
    try:
        return real_content_type(data)
    except Refused:
        return None


def _decode(data: bytes, kind: str) -> None:
    """Open, verify and fully decode the image; refuse a decompression bomb before decoding it."""
    limit = settings.EVIDENCE_MAX_PIXELS
    bomb = Bomb(
        _("%(name)s has more than %(megapixels)d million pixels."), megapixels=max(limit // 1_000_000, 1)
    )
    # MPO: a JPEG with further pictures after it (phones' depth maps, HDR gain maps), read as a JPEG.
    formats = ["JPEG", "MPO"] if kind == "JPEG" else [kind]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides below
            with Image.open(io.BytesIO(data), formats=formats) as image:
                if image.width * image.height > limit:
                    raise bomb
                image.verify()  # PNG: every chunk's CRC; a signature glued to HTML fails here
            with Image.open(io.BytesIO(data), formats=formats) as image:
                # A JPEG decodes at a reduced scale: every entropy-coded byte is still read (so a damaged or
                # truncated photo fails), but memory stays small for a 50-megapixel phone picture.
                image.draft(image.mode, (2048, 2048))
                image.load()
    except Bomb:
        raise
    except Image.DecompressionBombError:
        raise bomb from None
    except Exception:
        raise Refused(NOT_ACCEPTED) from None


def _refuse_markup(parts: Iterator[bytes]) -> None:
    for part in parts:
        if MARKUP.search(part):
            raise Refused(NOT_ACCEPTED)


def _jpeg_text(data: bytes) -> Iterator[bytes]:
    """The parts of a JPEG a reader could take for text: comments, XMP and unknown APPn segments, and
    whatever follows the last picture (a motion photo's video, or something glued on). Compressed scan data,
    quantisation and Huffman tables, EXIF and colour profiles are binary and not returned."""
    position = 0
    while data.startswith(b"\xff\xd8", position):  # further pictures (MPF) follow the first one's EOI
        position = yield from _jpeg_segments(data, position + 2)
        while (
            position < len(data)
            and data[position] in (0x00, 0xFF)
            and not data.startswith(b"\xff\xd8", position)
        ):
            position += 1  # padding some cameras write after EOI
    if position < len(data):
        yield data[position:]


def _jpeg_segments(data: bytes, position: int) -> Generator[bytes, None, int]:
    """Walk one picture's marker segments from just after SOI; return the offset after its EOI."""
    size = len(data)
    while position + 1 < size:
        if data[position] != 0xFF:  # extraneous bytes between segments (decoders skip them): read as text
            following = data.find(b"\xff", position)
            following = size if following < 0 else following
            yield data[position:following]
            position = following
            continue
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:  # EOI
            return position + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # RSTn, TEM: no length
            position += 2
            continue
        if position + 4 > size:
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        body = data[position + 4 : position + 2 + length]
        if marker == 0xFE or (0xE0 <= marker <= 0xEF and not body.startswith(BINARY_APP_PREFIXES)):
            yield body
        position += 2 + length
        if marker == 0xDA:  # entropy-coded data up to the next marker that is neither stuffing nor RSTn
            while position + 1 < size:
                if (
                    data[position] == 0xFF
                    and data[position + 1] != 0x00
                    and not 0xD0 <= data[position + 1] <= 0xD7
                ):
                    break
                position += 1
    return size


def _png_text(data: bytes) -> Iterator[bytes]:
    """The text chunks of a PNG (inflated where compressed) and any chunk we do not know; nothing may follow
    IEND."""
    position = len(PNG_SIGNATURE)
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind == b"IEND":
            if position != len(data):
                raise Refused(NOT_ACCEPTED)
            return
        if kind == b"zTXt":  # keyword NUL method compressed-text
            keyword, _sep, rest = body.partition(b"\0")
            yield keyword
            yield _inflate(rest[1:])
        elif kind == b"iTXt":  # keyword NUL flag method language NUL translated-keyword NUL text
            keyword, _sep, rest = body.partition(b"\0")
            fields = rest[2:].split(b"\0", 2)
            if len(fields) != 3:
                raise Refused(NOT_ACCEPTED)
            yield keyword
            yield from fields[:2]
            yield _inflate(fields[2]) if rest[:1] == b"\x01" else fields[2]
        elif kind not in BINARY_PNG_CHUNKS:
            yield body
    raise Refused(NOT_ACCEPTED)


def _inflate(data: bytes) -> bytes:
    """The text of a compressed PNG text chunk, refusing one that inflates beyond TEXT_LIMIT."""
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, TEXT_LIMIT)
    except zlib.error:
        raise Refused(NOT_ACCEPTED) from None
    if inflater.unconsumed_tail:
        raise Refused(NOT_ACCEPTED)
    return text


def declared_types(upload: UploadedFile) -> set[str]:
    """The types an upload claims through its name and its Content-Type, where they say anything."""
    claims = {mimetypes.guess_type(upload.name or "")[0] or "", (upload.content_type or "").lower()}
    return {TYPE_ALIASES.get(claim, claim) for claim in claims} - GENERIC_TYPES


def check_upload(upload: UploadedFile, *, field: str) -> tuple[bytes, str, str]:
    """(bytes, content type, sha256) of an acceptable upload, or a ValidationError on `field`."""
    limit = settings.EVIDENCE_MAX_BYTES
    too_big = ValidationError(
        {field: _("%(name)s is larger than %(mb)d MB.") % {"name": upload.name, "mb": limit // (1024 * 1024)}}
    )
    if upload.size is not None and upload.size > limit:
        raise too_big
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_big
    try:
        content_type = real_content_type(data)
    except Refused as refused:
        raise ValidationError({field: refused.message % {"name": upload.name, **refused.params}}) from None
    claimed = declared_types(upload) - {content_type}
    if claimed:
        raise ValidationError(
            {
                field: _("%(name)s is a %(real)s file, but its name or type says %(declared)s.")
                % {
                    "name": upload.name,
                    "real": KIND_NAMES[content_type],
                    "declared": ", ".join(sorted(claimed)),
                }
            }
        )
    return data, content_type, hashlib.sha256(data).hexdigest()
