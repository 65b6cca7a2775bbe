"""Photos taken on site: downscaled on upload to a configured size, keeping their EXIF data (the
capture time above all); thumbnails for the galleries; the capture time read back."""
from __future__ import annotations

import datetime as dt
import io

from PIL import Image, ImageOps, UnidentifiedImageError

SCALED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}  # GIFs may move: kept as they are
EXIF_IFD, DATETIME_ORIGINAL, DATETIME = 0x8769, 36867, 306
THUMBNAIL_PX = 320
MAX_PIXELS = 50_000_000  # a 50-megapixel camera is the most; a larger picture is kept, never decoded


def _open(content: bytes) -> Image.Image | None:
    """The decoded image, or None when it is no image or too many pixels to decode safely."""
    try:
        image = Image.open(io.BytesIO(content))
        if image.width * image.height > MAX_PIXELS:
            return None
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    return image


def _save(image: Image.Image, kind: str, **extra) -> bytes:
    buffer = io.BytesIO()
    options = {"quality": 85} if kind in ("JPEG", "WEBP") else {"optimize": True}
    image.save(buffer, kind, **options, **{k: v for k, v in extra.items() if v})
    return buffer.getvalue()


def downscale(content: bytes, max_px: int) -> bytes:
    """The photo no larger than `max_px` on its longer side, same format, EXIF and colour profile
    kept; anything else (PDFs, GIFs, small or unreadable images) unchanged."""
    if max_px <= 0:
        return content
    image = _open(content)
    if image is None or image.format not in SCALED or max(image.size) <= max_px:
        return content
    kind, exif, icc = image.format, image.info.get("exif"), image.info.get("icc_profile")
    image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return _save(image, kind, exif=exif, icc_profile=icc)


def thumbnail(content: bytes) -> bytes | None:
    """A small JPEG of an image (upright, as the camera meant), or None when it is no image."""
    image = _open(content)
    if image is None:
        return None
    image = ImageOps.exif_transpose(image)
    image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    return _save(image.convert("RGB"), "JPEG")


def captured_at(content: bytes) -> dt.datetime | None:
    """When the camera took the photo (EXIF DateTimeOriginal, else DateTime), as the camera's clock read."""
    image = _open(content)
    if image is None:
        return None
    exif = image.getexif()
    value = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    try:
        return dt.datetime.strptime(str(value).strip("\x00 "), "%Y:%m:%d %H:%M:%S") if value else None
    except ValueError:
        return None
