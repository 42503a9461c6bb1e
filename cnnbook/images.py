"""Reading the user's image and turning it into one input of the network.

:func:`load_image` reads any 8- or 16-bit greyscale, RGB, RGBA, palette or
JPEG image with Pillow, and makes it what a network trained on the book's data
expects: the right number of channels, values in ``[0, 1]``, a square of the
right size and, for digits, a white digit centred on black as in MNIST.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .checks import choice, positive_int

__all__ = ["MAX_PIXELS", "load_image", "read_image"]

#: The largest image, in pixels, that :func:`read_image` decodes.
MAX_PIXELS = 40_000_000
# Modes of 8-bit pixels Pillow converts to grey or RGB itself.
_EIGHT_BIT = ("1", "L", "P", "RGB", "RGBA", "LA", "PA", "La", "RGBa", "RGBX", "CMYK", "YCbCr")
_SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N")


def read_image(path, channels: int) -> np.ndarray:
    """Read an image file as floats in ``[0, 1]``, shape ``(channels, H, W)``.

    Photos are turned upright by their EXIF orientation; transparency is laid
    over white; colour becomes grey (ITU-R 601 luma, as Pillow computes it)
    for ``channels=1`` and grey becomes three equal planes for ``channels=3``.
    8-bit pixels are divided by 255 and 16-bit ones by 65,535, so a 16-bit
    image keeps its full range.

    Parameters
    ----------
    path : path
    channels : {1, 3}

    Returns
    -------
    ndarray of float32, shape (channels, H, W)

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not an image Pillow can read, is damaged, is larger
        than :data:`MAX_PIXELS`, or holds pixels of another kind (32-bit
        integers, floats); the message names the file.

    Examples
    --------
    A 16-bit grey pixel of 65535 is 1.0 and one of 257 is 257/65535 = 1/255:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> path = Path(tempfile.mkdtemp()) / "deep.png"
    >>> Image.fromarray(np.array([[65535, 257]], np.uint16)).save(path)
    >>> x = read_image(path, 1)
    >>> x.shape, float(x[0, 0, 0]), bool(np.isclose(x[0, 0, 1], 1 / 255))
    ((1, 1, 2), 1.0, True)
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    channels = choice(channels, (1, 3), "channels")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such image: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    failures = (
        UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, IndexError,
        TypeError, KeyError, ZeroDivisionError, Image.DecompressionBombError,
    )  # fmt: skip
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a damaged EXIF block is not worth failing on
            with Image.open(path) as opened:
                w, h = opened.size
                if w * h > MAX_PIXELS:
                    raise ValueError(f"{w}×{h} pixels, more than {MAX_PIXELS:,}")
                img = ImageOps.exif_transpose(opened)
                img.load()
    except PermissionError:
        raise
    except failures as err:
        raise ValueError(f"cannot read {path}: not an image Pillow can open ({err})") from None
    if img.mode in _SIXTEEN_BIT:
        a = np.asarray(img, dtype=np.float32)[None] / np.float32(65535)
        return np.repeat(a, channels, axis=0)
    if img.mode not in _EIGHT_BIT:
        raise ValueError(
            f"cannot read {path}: its pixels are of mode {img.mode!r}; expected 8- or 16-bit "
            "greyscale, RGB, RGBA, palette or JPEG"
        )
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    img = img.convert("L" if channels == 1 else "RGB")
    a = np.asarray(img, dtype=np.float32) / np.float32(255)
    return a[None] if a.ndim == 2 else np.moveaxis(a, -1, 0)


def load_image(
    path,
    channels: int,
    size: int,
    invert: str = "auto",
    *,
    digits: bool = False,
    crop: bool = True,
) -> tuple[np.ndarray, bool]:
    """Read an image file and turn it into one input of the network.

    Steps: :func:`read_image`, invert if asked, then make it ``size × size``: a
    digit is cropped to its bounding box and centred in a box of
    ``20/28 · size`` pixels on black, as MNIST's digits were; anything else is
    padded to a square with the colour of its border and resized.

    Parameters
    ----------
    path : path
    channels : {1, 3}
    size : int
        Height and width of the network's input.
    invert : {"auto", "yes", "no"}
        ``"auto"`` inverts when ``digits`` is true and the border of the image
        is mostly light (the median border pixel is above 0.5): a dark digit
        on white paper becomes a white digit on black, like MNIST's.
    digits : bool
        Whether the network was trained on digits (white on black).
    crop : bool
        For digits, crop and centre as described; False keeps the whole image.

    Returns
    -------
    x : ndarray of float32, shape (channels, size, size)
        In ``[0, 1]``.
    inverted : bool

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_image`, and for arguments out of range.

    Examples
    --------
    A black "1" drawn on a white 40×20 canvas becomes a white stroke,
    centred, on the black 28×28 background the network knows:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> canvas = Image.new("L", (20, 40), 255)
    >>> canvas.paste(0, (7, 5, 13, 35))
    >>> path = Path(tempfile.mkdtemp()) / "one.png"
    >>> canvas.save(path)
    >>> x, inverted = load_image(path, 1, 28, digits=True)
    >>> x.shape, inverted, float(x[0, 0, 0]), float(x[0, 14, 14]) > 0.9
    ((1, 28, 28), True, 0.0, True)
    """
    size = positive_int(size, "size")
    if size > 4096:
        raise ValueError(f"size must be at most 4096, got {size}")
    invert = choice(invert, ("auto", "yes", "no"), "invert")
    a = read_image(path, channels)
    border = np.concatenate(
        [a[:, 0, :], a[:, -1, :], a[:, :, 0], a[:, :, -1]], axis=1
    )  # (C, perimeter)
    inverted = invert == "yes" or (
        invert == "auto" and bool(digits) and float(np.median(border.mean(axis=0))) > 0.5
    )
    if inverted:
        a = 1.0 - a
        border = 1.0 - border
    if digits and crop:
        a = _frame_digit(a, size)
    else:
        a = _pad_and_resize(a, np.median(border, axis=1), size)
    return np.clip(a, 0.0, 1.0).astype(np.float32), inverted


def _resize(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a ``(C, H, W)`` float image channel by channel with Lanczos filtering."""
    from PIL import Image

    out = [
        np.asarray(
            Image.fromarray(c.astype(np.float32), mode="F").resize(
                (width, height), Image.Resampling.LANCZOS
            )
        )
        for c in a
    ]
    return np.stack(out)


def _pad_and_resize(a: np.ndarray, background: np.ndarray, size: int) -> np.ndarray:
    C, H, W = a.shape
    side = max(H, W)
    square = np.empty((C, side, side), np.float32)
    square[...] = background[:, None, None]
    top, left = (side - H) // 2, (side - W) // 2
    square[:, top : top + H, left : left + W] = a
    return _resize(square, size, size)


def _frame_digit(a: np.ndarray, size: int) -> np.ndarray:
    """Crop a light-on-dark digit to its strokes and centre it as MNIST does (20 of 28 pixels)."""
    grey = a.mean(axis=0)
    lo, hi = float(grey.min()), float(grey.max())
    if hi - lo < 1e-3:  # a blank image: nothing to frame
        return _resize(a, size, size)
    rows = np.flatnonzero((grey > lo + 0.25 * (hi - lo)).any(axis=1))
    cols = np.flatnonzero((grey > lo + 0.25 * (hi - lo)).any(axis=0))
    a = a[:, rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    a = _pad_and_resize(a, np.full(a.shape[0], lo, np.float32), max(1, round(size * 20 / 28)))
    out = np.full((a.shape[0], size, size), lo, np.float32)
    top = (size - a.shape[1]) // 2
    out[:, top : top + a.shape[1], top : top + a.shape[2]] = a
    return out
