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

__all__ = ["BOOK_RC", "METADATA", "render", "use_book_style"]

#: rcParams shared by every figure of the book.
BOOK_RC: dict[str, object] = {
    # Reproducibility.
    "svg.hashsalt": "cnnbook",  # deterministic SVG ids
    "svg.fonttype": "path",  # glyphs as paths: no dependence on the reader's fonts
    "pdf.fonttype": 42,
    # One look. DejaVu ships with matplotlib, so every machine draws the same glyphs.
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "font.size": 10.0,
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
    """In an IPython kernel, make inline figures PNG-only and metadata-free."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the docs build
        return
    shell = get_ipython()
    if shell is None or "inline" not in matplotlib.get_backend():
        return
    from IPython.core.pylabtools import select_figure_formats
    from matplotlib import pyplot  # noqa: F401  (activates the inline backend first)
    from matplotlib_inline.config import InlineBackend

    kwargs = {"bbox_inches": "tight", "metadata": dict(METADATA["png"])}
    cfg = InlineBackend.instance()
    cfg.figure_formats = {"png"}
    cfg.print_figure_kwargs = kwargs  # used again if the backend is re-activated
    select_figure_formats(shell, {"png"}, **kwargs)


def render(fig, fmt: str = "png") -> bytes:
    """Save ``fig`` to bytes in ``fmt`` with the book's metadata (none that varies).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    fmt : {"png", "svg", "pdf"}
        File format.

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
        fig.savefig(buf, format=fmt, metadata=dict(METADATA[fmt]))
    return buf.getvalue()
