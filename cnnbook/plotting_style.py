"""One look for every figure in the book, and figures that are byte-for-byte reproducible.

A figure drawn twice from the same code and data should give the same file,
so that rebuilding the book changes nothing that did not change, and a test
can tell a deterministic figure from one that depends on an unseeded random
number. Matplotlib gets in the way in three places, all fixed here:

* PNG files carry a ``Software`` entry naming the matplotlib version;
* SVG files carry a ``Date`` (the time of drawing) and a ``Creator``;
* SVG element ids are random unless ``svg.hashsalt`` is set.

Call :func:`use_book_style` once at the top of every chapter (in a hidden
cell) and in any script that draws figures. Inside a notebook kernel it also
sets up the inline backend, so the PNGs the book embeds carry no metadata.
Use :func:`render` to turn a figure into bytes the same way everywhere else.

Every figure module of :mod:`cnnbook.figures` exposes ``FIGURES``, a dict
from a name to a zero-argument function that draws a representative figure
and returns it; the test suite renders every one twice with :func:`render` and
fails, naming the figure, if the bytes differ.
"""

from __future__ import annotations

import io

import matplotlib

__all__ = [
    "BOOK_RC",
    "METADATA",
    "MIN_FONT_SIZE",
    "PNG_SCALE",
    "SVG_HEAVY",
    "book_format",
    "book_image",
    "palette_png",
    "render",
    "small_texts",
    "use_book_style",
]

#: The smallest font size, in points, of any text in a book figure.
#:
#: The book's content column is about 700 CSS pixels wide on a desktop and a
#: figure is drawn for it (6.8 to 7 inches at 100 dpi). A phone 390 pixels
#: wide shows the column at about 360 pixels, so a full-width figure is shrunk
#: about 1.9 times. An 11 pt text is 15 px at figure scale and still 8 px on
#: the phone, the size of a phone's fine print, with capitals about 6 px high;
#: at 10 pt (the matplotlib default) it falls to 7 px, and ``"x-small"`` text
#: to 4 px. The tests check every registered figure against this minimum.
MIN_FONT_SIZE: float = 11.0

#: Pixels per figure pixel of the book's PNGs: 2 for sharp images on 2x screens.
PNG_SCALE: int = 2

#: Bytes above which a diagram is shown as a 2x palette PNG instead of SVG,
#: when the PNG is at least a quarter smaller.
SVG_HEAVY: int = 40_000

#: rcParams shared by every figure of the book.
BOOK_RC: dict[str, object] = {
    # Reproducibility.
    "svg.hashsalt": "cnnbook",  # deterministic SVG ids
    "svg.fonttype": "path",  # glyphs as paths: no dependence on the reader's fonts
    "pdf.fonttype": 42,
    # One look. DejaVu ships with matplotlib, so every machine draws the same glyphs.
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    # Sizes legible on a phone: nothing below MIN_FONT_SIZE.
    "font.size": 12.0,
    "axes.titlesize": 12.0,
    "axes.labelsize": 12.0,
    "xtick.labelsize": MIN_FONT_SIZE,
    "ytick.labelsize": MIN_FONT_SIZE,
    "legend.fontsize": MIN_FONT_SIZE,
    "legend.title_fontsize": MIN_FONT_SIZE,
    "figure.titlesize": 12.0,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.4, 4.0),
    "figure.constrained_layout.use": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "image.cmap": "viridis",
    "image.interpolation": "nearest",  # pixels stay pixels: the book shows small images
    "image.resample": False,
}

#: Metadata that replaces matplotlib's default: ``None`` removes an entry.
METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}


def use_book_style() -> None:
    """Apply the book's rcParams and, in a notebook, strip metadata from inline PNGs.

    Idempotent: calling it twice changes nothing. Outside IPython it only sets
    rcParams.

    Examples
    --------
    >>> import matplotlib
    >>> use_book_style()
    >>> matplotlib.rcParams["svg.hashsalt"]
    'cnnbook'
    """
    matplotlib.rcParams.update(BOOK_RC)
    _configure_inline_backend()


def _configure_inline_backend() -> None:
    """In an IPython kernel, show every figure as :func:`book_image` draws it."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the docs build
        return
    shell = get_ipython()
    if shell is None or "inline" not in matplotlib.get_backend():
        return
    import base64

    from IPython.core.pylabtools import select_figure_formats
    from matplotlib import pyplot  # noqa: F401  (activates the inline backend first)
    from matplotlib.figure import Figure
    from matplotlib_inline.config import InlineBackend

    kwargs = {"bbox_inches": "tight", "metadata": dict(METADATA["png"])}
    cfg = InlineBackend.instance()
    cfg.figure_formats = {"png"}
    cfg.print_figure_kwargs = kwargs  # used again if the backend is re-activated
    select_figure_formats(shell, {"png"}, **kwargs)

    def svg(fig):  # None: this figure has no SVG form, IPython leaves the MIME type out
        mime, data, _ = book_image(fig)
        return data.decode("utf-8") if mime == "image/svg+xml" else None

    def png(fig):
        mime, data, size = book_image(fig)
        return (base64.b64encode(data).decode("ascii"), size) if mime == "image/png" else None

    formatters = shell.display_formatter.formatters
    formatters["image/svg+xml"].for_type(Figure, svg)
    formatters["image/png"].for_type(Figure, png)


def render(fig, fmt: str = "png", **savefig_kwargs) -> bytes:
    """Save ``fig`` to bytes in ``fmt`` with the book's metadata (none that varies).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    fmt : {"png", "svg", "pdf"}
        File format.
    **savefig_kwargs
        Passed on to :meth:`~matplotlib.figure.Figure.savefig` (``dpi``,
        ``bbox_inches``).

    Returns
    -------
    bytes
        The file's content: the same for the same figure, run after run.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> use_book_style()
    >>> fig = Figure()
    >>> _ = fig.subplots().plot([0, 1], [1, 0])
    >>> render(fig, "svg") == render(fig, "svg"), b"<dc:date>" in render(fig, "svg")
    (True, False)
    >>> b"Software" in render(fig, "png")
    False
    """
    if fmt not in METADATA:
        raise ValueError(f"fmt must be one of {sorted(METADATA)}, got {fmt!r}")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": BOOK_RC["svg.hashsalt"]}):
        fig.savefig(buf, format=fmt, metadata=dict(METADATA[fmt]), **savefig_kwargs)
    return buf.getvalue()


def book_format(fig) -> str:
    """``"png"`` for a figure that shows a raster image, ``"svg"`` for the others.

    Diagrams and plots (lines, patches, text) are small and sharp as SVG; a
    figure with pixel images (``imshow``) would carry each image as an embedded
    PNG inside the SVG, so it is a PNG at :data:`PNG_SCALE` times the resolution.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> book_format(fig)
    'svg'
    >>> _ = ax.imshow(np.eye(2))
    >>> book_format(fig)
    'png'
    """
    has_raster = bool(fig.images) or any(ax.images for ax in fig.axes)
    return "png" if has_raster else "svg"


def book_image(fig) -> tuple[str, bytes, dict[str, int]]:
    """The figure as the book shows it: MIME type, bytes and display width.

    The bounding box is tight. An SVG has no display size (it carries its
    own); a PNG is drawn at :data:`PNG_SCALE` times the figure's dpi and gets
    ``{"width": ...}`` in CSS pixels, its width at the figure's dpi,
    so that it shows as large as before, only sharper. A figure with a
    smoothly interpolated image (a photograph) stays at the figure's dpi.

    Examples
    --------
    >>> import numpy as np
    >>> from matplotlib.figure import Figure
    >>> use_book_style()
    >>> fig = Figure(figsize=(2, 1))
    >>> ax = fig.add_axes((0, 0, 1, 1))
    >>> _ = ax.imshow(np.eye(2), aspect="auto")
    >>> _ = ax.axis("off")
    >>> mime, data, size = book_image(fig)

    A 2 × 1 inch figure, plus 0.1 inch of margin on each side, at 100 dpi;
    the PNG holds twice as many pixels each way:

    >>> mime, size, int.from_bytes(data[16:20], "big")
    ('image/png', {'width': 220}, 440)
    """
    if book_format(fig) == "svg":
        svg = render(fig, "svg", bbox_inches="tight")
        if len(svg) <= SVG_HEAVY:
            return "image/svg+xml", svg, {}
        # A diagram with hundreds of numbers (every glyph a path) can weigh more
        # as SVG than as a sharp 2x palette PNG: then the PNG serves the reader.
        png = palette_png(render(fig, "png", dpi=PNG_SCALE * fig.dpi, bbox_inches="tight"))
        if len(png) > 0.75 * len(svg):
            return "image/svg+xml", svg, {}
        return "image/png", png, {"width": int.from_bytes(png[16:20], "big") // PNG_SCALE}
    # Pixels drawn as squares (a digit, a feature map) stay crisp only at 2x; a
    # smoothly resampled photograph looks much the same at 1x and weighs 2.5 times less.
    images = [*fig.images, *(im for ax in fig.axes for im in ax.images)]
    crisp = all(im.get_interpolation() in ("nearest", "none") for im in images)
    scale = PNG_SCALE if crisp else 1
    data = palette_png(render(fig, "png", dpi=scale * fig.dpi, bbox_inches="tight"))
    # Only the width: with a height too, a page that narrows the image (a phone)
    # would keep the height and squash it.
    return "image/png", data, {"width": int.from_bytes(data[16:20], "big") // scale}


def palette_png(data: bytes, colors: int = 256) -> bytes:
    """Re-encode a PNG with a palette of at most ``colors`` colours, for less than half the bytes.

    A figure of digits and feature maps holds few colours besides the
    anti-aliased edges of its text, so a palette chosen by maximum coverage (no
    dithering, so that flat areas stay flat) looks the same; on the book's
    picture figures it weighs 43 % of the RGBA file in all. The result depends
    only on the input bytes.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> Image.new("RGBA", (4, 2), (255, 0, 0, 255)).save(buf, "PNG")
    >>> small = palette_png(buf.getvalue())
    >>> image = Image.open(io.BytesIO(small))
    >>> image.mode, image.size, image.convert("RGBA").getpixel((3, 1))
    ('P', (4, 2), (255, 0, 0, 255))
    """
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    quantized = image.quantize(colors, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    quantized.save(out, "PNG", optimize=True)
    return out.getvalue()


def small_texts(fig, minimum: float = MIN_FONT_SIZE) -> list[str]:
    """The visible, non-empty texts of ``fig`` set in less than ``minimum`` points.

    Tick labels and colour-bar labels count; a test asks this of every figure.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> use_book_style()
    >>> fig = Figure()
    >>> _ = fig.text(0, 0, "fine print", fontsize=6)
    >>> _ = fig.text(0, 1, "readable", fontsize=12)
    >>> small_texts(fig)
    ['fine print (6 pt)']
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()  # creates the tick labels
    return [
        f"{t.get_text()} ({t.get_fontsize():g} pt)"
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip() and t.get_fontsize() < minimum
    ]
