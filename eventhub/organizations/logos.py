"""A centre's logo: an uploaded PNG or JPEG is decoded by Pillow and encoded again as PNG,
so that what is stored and served is pixels only (no metadata, no scripts, nothing a
browser could take for HTML or SVG). Anything Pillow does not read as PNG or JPEG is
refused, whatever its name or declared type says."""
from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from eventhub.errors import RuleViolation

FORMATS = {"PNG", "JPEG"}
MAX_SIDE = 600  # pixels: larger logos are scaled down (a footer or list needs no more)
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded


def reencode(data: bytes, max_bytes: int) -> bytes:
    """The logo as a PNG of at most MAX_SIDE pixels a side; RuleViolation otherwise."""
    if not data:
        raise RuleViolation(_l("Choose a PNG or JPEG file."), "logo")
    if len(data) > max_bytes:
        raise RuleViolation(_l("The file is too large (at most %(kb)d KB).",
                               kb=max_bytes // 1024), "logo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=sorted(FORMATS)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise RuleViolation(_l("The image has too many pixels."), "logo")
                image.load()
                return _png(image)
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, OSError, ValueError, SyntaxError):
        raise RuleViolation(_l("This is not a PNG or JPEG image."), "logo") from None


def _png(image: Image.Image) -> bytes:
    mode = "RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB"
    pixels = image.convert(mode)
    pixels.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)  # no text chunks, no EXIF: none given
    return out.getvalue()
