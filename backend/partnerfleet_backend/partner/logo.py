"""A partner's logo as an image that is safe to show and to put into a PDF: decoded by Pillow
with a cap on its pixels before a single pixel is decoded (a 24 KB PNG can claim 14,000 x
14,000 pixels), made at most 1,024 x 512, and stored as Pillow wrote it again, never as
uploaded. Whatever fails to decode is refused at the upload, not found in a calendar run."""

import io
import warnings

from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 60 * 1024
MAX_PIXELS = 4_000_000  # what the header may claim (e.g. 2,000 x 2,000)
SHOWN = (1024, 512)  # the largest size kept: a PDF shows it 14 mm high
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


class BadLogo(ValueError):
    """The upload is not a logo we can show; the message says why."""


def _decoded(data: bytes) -> Image.Image:
    """The image with every pixel decoded, once its header claims few enough of them."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise BadLogo(
                    f"the logo has {width} x {height} pixels; at most {MAX_PIXELS:,} pixels "
                    "(e.g. 2,000 x 2,000) are accepted"
                )
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except BadLogo:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise BadLogo(
            f"the logo has too many pixels; at most {MAX_PIXELS:,} pixels (e.g. 2,000 x "
            "2,000) are accepted"
        ) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise BadLogo("the logo must be a PNG or JPEG image that can be read") from error
    return image


def clean_logo(data: bytes) -> tuple[bytes, str]:
    """The logo decoded and encoded again (PNG stays PNG, JPEG stays JPEG), at most 1,024 x
    512 pixels, with its content type; `BadLogo` for anything else."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise BadLogo(f"the logo must be at most {MAX_UPLOAD_BYTES // 1024} KiB")
    image = _decoded(data)
    kind = str(image.format)
    out = io.BytesIO()
    try:
        image.thumbnail(SHOWN)
        if kind == "JPEG":
            image.convert("RGB").save(out, "JPEG", quality=90)
        else:
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA")
            image.save(out, "PNG", optimize=True)
    except (OSError, ValueError) as error:
        raise BadLogo("the logo's colours cannot be read; save it as 8-bit RGB") from error
    return out.getvalue(), FORMATS[kind]


def shown_logo(data: bytes | None) -> bytes | None:
    """A stored logo if it is safe to draw (one stored before uploads were checked may not
    be): a PDF is then made without the logo rather than not at all."""
    if data is None:
        return None
    try:
        _decoded(data)
    except BadLogo:
        return None
    return data
