"""Drawing helpers shared by the figure modules of :mod:`cnnbook.figures`.

Private to the package (the module name starts with an underscore); its names
are public so that the figure modules import them without reaching for another
module's underscore names. Two families:

* **diagram pieces** for pictures drawn from arithmetic: a table of numbered
  cells, a neuron, an edge between neurons, the colour of each shared weight,
  subscripted symbols;
* **the image-grid engine** behind every figure of maps and images: checking
  and scaling arrays into :class:`Panel` objects, and laying panels out on a
  grid with optional colour bars (:func:`grid_figure`).

Colour conventions, the same in every figure of the book:

* a **signed** map (a gradient, a filter, a deconvnet projection) is drawn with
  the diverging colormap ``"RdBu_r"`` on limits symmetric about zero, so white
  always means 0, red positive and blue negative;
* a **non-negative** map (an activation after ReLU, a saliency map) is drawn
  with a sequential colormap (``"magma"``, ``"viridis"``) from 0 up;
* an input image is drawn in ``"gray"`` (one channel) or as RGB (three).

Images come in the package's NCHW layout: a stack of ``(N, H, W)`` maps, or
``(N, C, H, W)`` with ``C = 1`` (grey) or ``C = 3`` (RGB). Three-channel arrays
are turned into ``(H, W, 3)`` pictures for display, with a signed image
mapped to ``0.5 + x / (2 m)`` so that mid-grey is 0 (there is no colour bar for
RGB). ``m`` is the largest absolute value: of each panel (``normalize="each"``),
of all panels (``"shared"``), or 1 (``"none"``: the values are drawn as they are).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..checks import choice, float_array

# ----------------------------------------------------------------------------
# Colours and diagram pieces
# ----------------------------------------------------------------------------
#: One colour per shared weight: the Okabe–Ito palette (safe for colour-blind
#: readers), then two more that stay apart from it.
PALETTE: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#8C564B",  # brown
    "#999999",  # grey
)
PAD_COLOR = "0.86"  # zero padding
WINDOW_COLOR = "#E69F00"  # the kernel's footprint
PAGE_WIDTH = 6.8  # inches: the book's content column at the figures' 100 dpi
HIGHLIGHT_COLOR = "#D55E00"


def weight_colors(n: int) -> list[str]:
    """The colours the diagrams give to ``n`` shared weights, in tap order.

    Parameters
    ----------
    n : int
        Number of distinct weights (``K_h * K_w`` for one kernel), at most 9.

    Returns
    -------
    list of str
        Hex colours; weight ``t`` (tap ``(t // K_w, t % K_w)``) gets entry ``t``.

    Examples
    --------
    >>> weight_colors(4)
    ['#E69F00', '#56B4E9', '#009E73', '#CC79A7']
    >>> weight_colors(10)
    Traceback (most recent call last):
    ...
    ValueError: weight_colors has 9 distinguishable colours, asked for 10
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if n > len(PALETTE):
        raise ValueError(f"weight_colors has {len(PALETTE)} distinguishable colours, asked for {n}")
    return list(PALETTE[:n])


def light(color, amount: float = 0.55) -> tuple[float, float, float]:
    """``color`` mixed with white: ``amount`` 0 is the colour, 1 is white."""
    r, g, b = mcolors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def number_text(v) -> str:
    """A number as short text: integers without a decimal point."""
    v = float(v)
    if v == round(v) and abs(v) < 1e6:
        return str(round(v))
    return f"{v:.3g}"


def cell_table(
    ax,
    labels,
    x0: float = 0.0,
    y0: float = 0.0,
    *,
    size: float = 1.0,
    facecolors=None,
    fontsize: float = 11,
    edgecolor="0.35",
    linewidth: float = 1.0,
    textcolor="black",
):
    """Draw a table of square cells with ``labels`` (rows of str); y grows downwards.

    The cells are one :class:`~matplotlib.collections.PatchCollection`, which
    draws much faster than one patch per cell.
    """
    rects, faces = [], []
    for r, row in enumerate(labels):
        for c, lab in enumerate(row):
            rects.append(Rectangle((x0 + c * size, y0 + r * size), size, size))
            faces.append("white" if facecolors is None else facecolors[r][c])
            if lab:
                ax.text(
                    x0 + (c + 0.5) * size,
                    y0 + (r + 0.5) * size,
                    lab,
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color=textcolor,
                )
    ax.add_collection(
        PatchCollection(rects, facecolors=faces, edgecolors=edgecolor, linewidths=linewidth)
    )


def outline(ax, x0, y0, w, h, color=WINDOW_COLOR, lw=3.0):
    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor=color, linewidth=lw, zorder=5))


def canvas(ax, xmin, xmax, ymin, ymax):
    """Equal aspect, no axes, y axis pointing down (row 0 at the top)."""
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymax, ymin)
    ax.set_aspect("equal")
    ax.axis("off")


def neuron(
    ax, x, y, label, *, r=0.42, facecolor="white", edgecolor="0.2", fontsize=11, lw=1.3, zorder=3.0
):
    ax.add_patch(
        Circle((x, y), r, facecolor=facecolor, edgecolor=edgecolor, linewidth=lw, zorder=zorder)
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=zorder + 0.5)


def edge(ax, p, q, *, r=0.42, color="0.6", lw=1.0, ls="-", alpha=1.0, arrow=False, zorder=1):
    """A line between two neuron centres, stopping at the circles' rims."""
    (x1, y1), (x2, y2) = p, q
    d = np.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / d, (y2 - y1) / d
    a, b = (x1 + ux * r, y1 + uy * r), (x2 - ux * r, y2 - uy * r)
    ax.add_patch(
        FancyArrowPatch(
            a,
            b,
            arrowstyle="-|>" if arrow else "-",
            mutation_scale=14,
            color=color,
            linewidth=lw,
            linestyle=ls,
            alpha=alpha,
            zorder=zorder,
            shrinkA=0,
            shrinkB=0,
        )
    )


def subscript(*idx) -> str:
    """Subscript text for indices: ``subscript(0, 1) == '01'``; commas once any index has 2 digits."""
    s = [str(int(i)) for i in idx]
    return ",".join(s) if any(len(t) > 1 for t in s) else "".join(s)


_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


def symbol(name: str, *idx) -> str:
    """A symbol with subscript indices as plain text: ``symbol("w", 0, 1) == "w₀₁"``.

    Unicode subscripts rather than mathtext: the grids write hundreds of such
    labels, and mathtext would parse each one.
    """
    return name + subscript(*idx).translate(_SUBSCRIPT)


def check_2d(a, name: str) -> np.ndarray:
    a = float_array(a, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (H, W), got shape {a.shape}")
    return a


# ----------------------------------------------------------------------------
# The grid engine every image figure is built on
# ----------------------------------------------------------------------------
#: Width of the book's text column, in inches (700 px at the book's 100 dpi).
COLUMN_WIDTH = 7.0
DIVERGING = "RdBu_r"
SEQUENTIAL = "magma"
NORMALIZE = ("each", "shared", "none")
_SMALL_PANEL = 0.75  # inches: below this, panel titles use the smallest font
_MAX_GRID_HEIGHT = 7.5  # inches of images in one grid figure


# ----------------------------------------------------------------------------
# Input checks and colour scaling
# ----------------------------------------------------------------------------
def one_image(a, name: str) -> np.ndarray:
    """One picture as ``(H, W)`` or ``(H, W, 3)`` float64, from 2-D, (1,H,W) or (3,H,W)."""
    a = float_array(a, name)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    elif a.ndim == 3 and a.shape[0] == 3:
        a = np.moveaxis(a, 0, -1)
    elif a.ndim != 2:
        raise ValueError(f"{name} must have shape (H, W), (1, H, W) or (3, H, W), got {a.shape}")
    if 0 in a.shape:
        raise ValueError(f"{name} is empty: shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a.astype(np.float64, copy=False)


def as_images(images, name: str) -> list[np.ndarray]:
    """A stack ``(N, H, W)`` / ``(N, C, H, W)`` or a sequence of pictures, as a list."""
    if isinstance(images, (list, tuple)):
        items = list(images)
    else:
        a = float_array(images, name)
        if a.ndim not in (2, 3, 4):
            raise ValueError(
                f"{name} must have shape (H, W), (N, H, W) or (N, C, H, W) with C = 1 or 3, "
                f"got {a.shape}"
            )
        items = [a] if a.ndim == 2 else list(a)
    if not items:
        raise ValueError(f"{name} is empty: nothing to draw")
    out = [one_image(item, f"{name}[{i}]") for i, item in enumerate(items)]
    if len({im.ndim for im in out}) > 1:
        raise ValueError(f"{name} mixes grey (H, W) and RGB (3, H, W) images; draw them apart")
    return out


def is_signed(arrays: Sequence[np.ndarray]) -> bool:
    return any(bool(np.any(a < 0)) for a in arrays)


@dataclass(frozen=True)
class Panel:
    """One picture ready for ``imshow``."""

    data: np.ndarray  # (H, W) with cmap and limits, or (H, W, 3) in [0, 1]
    cmap: str | None = None
    vmin: float | None = None
    vmax: float | None = None

    @property
    def rgb(self) -> bool:
        return self.data.ndim == 3


def peak(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a)))
    return m if m > 0 else 1.0  # an all-zero map gets limits (0, 1) or (-1, 1)


def scale_panels(
    arrays: Sequence[np.ndarray], *, signed: bool | None, normalize: str, cmap: str | None
) -> tuple[list[Panel], bool]:
    """Colour limits (2-D maps) or display values (RGB) for each array, and the sign flag."""
    choice(normalize, NORMALIZE, "normalize")
    if signed is None:
        signed = is_signed(arrays)
    shared = max(peak(a) for a in arrays)
    panels = []
    for a in arrays:
        m = {"each": peak(a), "shared": shared, "none": 1.0}[normalize]
        if a.ndim == 3:
            shown = 0.5 + a / (2 * m) if signed else a / m
            panels.append(Panel(np.clip(shown, 0.0, 1.0)))
        else:
            cm = cmap or (DIVERGING if signed else SEQUENTIAL)
            panels.append(Panel(a, cm, -m if signed else 0.0, m))
    return panels, signed


def minmax(a: np.ndarray) -> Panel:
    """``a`` stretched from its minimum (black) to its maximum (white), grey or RGB."""
    lo, hi = float(a.min()), float(a.max())
    stretched = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return Panel(stretched) if a.ndim == 3 else Panel(stretched, "gray", 0.0, 1.0)


def picture(image: np.ndarray) -> Panel:
    """An input image as it should look: as-is if in [0, 1], else stretched to [0, 1]."""
    lo, hi = float(image.min()), float(image.max())
    if lo < 0.0 or hi > 1.0:
        image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    if image.ndim == 3:
        return Panel(image)
    return Panel(image, "gray", 0.0, 1.0)


# ----------------------------------------------------------------------------
# The grid engine every image figure is built on
# ----------------------------------------------------------------------------
def bare(ax) -> None:
    """No ticks; a thin grey frame so that white panels keep their edges."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)
        spine.set_edgecolor("0.6")


def show_panel(ax, panel: Panel, extent=None, alpha=None):
    if panel.rgb:
        return ax.imshow(panel.data, extent=extent, alpha=alpha, interpolation="nearest")
    return ax.imshow(
        panel.data,
        cmap=panel.cmap,
        vmin=panel.vmin,
        vmax=panel.vmax,
        extent=extent,
        alpha=alpha,
        interpolation="nearest",
    )


def style_colorbar(cb, label: str | None = None) -> None:
    cb.ax.tick_params(labelsize="x-small", length=2)
    cb.ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    cb.outline.set_linewidth(0.5)
    if label:
        cb.set_label(label, fontsize="small")


def grid_figure(
    cells: Mapping[tuple[int, int], Panel],
    nrows: int,
    ncols: int,
    *,
    titles: Mapping[tuple[int, int], str] | None = None,
    row_labels: Mapping[int, str] | None = None,
    suptitle: str | None = None,
    colorbar: str = "none",
    colorbar_label: str | None = None,
    panel_size: float | None = None,
) -> Figure:
    """Draw ``cells[(row, col)]`` on an ``nrows × ncols`` grid; empty cells are removed.

    ``colorbar`` is ``"none"``, ``"shared"`` (one bar for the grid, from the
    first panel's scale) or ``"each"`` (one bar per panel).
    """
    titles = titles or {}
    row_labels = row_labels or {}
    first = next(iter(cells.values()))
    aspect = first.data.shape[0] / first.data.shape[1]
    extra = 0.9 if colorbar == "shared" else 0.0
    if row_labels:  # about 0.065 inch per character at the "small" font size
        extra += 0.12 + 0.065 * max(len(label) for label in row_labels.values())
    widen = 1.45 if colorbar == "each" else 1.0
    titled_rows = len({r for r, _ in titles})
    if panel_size is None:
        panel_size = float(np.clip((COLUMN_WIDTH - extra) / (ncols * widen), 0.4, 2.3))
        # A tall grid shrinks so that it fits on a screen: images at most 7.5 inches high.
        panel_size = min(panel_size, max(0.4, _MAX_GRID_HEIGHT / (nrows * aspect)))
    small = panel_size < _SMALL_PANEL
    width = min(COLUMN_WIDTH, ncols * panel_size * widen + extra + 0.1)
    height = (
        nrows * (0.97 * panel_size * aspect + 0.04)
        + titled_rows * (0.17 if small else 0.22)
        + (0.35 if suptitle else 0.0)
        + 0.06
    )
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0.03, hspace=0.03)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    shown = []
    for r in range(nrows):
        for c in range(ncols):
            ax = axes[r, c]
            if (r, c) not in cells:
                fig.delaxes(ax)
                continue
            panel = cells[(r, c)]
            im = show_panel(ax, panel)
            bare(ax)
            if (r, c) in titles:
                ax.set_title(titles[(r, c)], fontsize="x-small" if small else "small", pad=2)
            if c == 0 and r in row_labels:
                ax.set_ylabel(row_labels[r], fontsize="small", rotation=0, ha="right", va="center")
            if colorbar == "each" and not panel.rgb:
                style_colorbar(fig.colorbar(im, ax=ax, shrink=0.9), colorbar_label)
            shown.append((ax, im, panel))
    if colorbar == "shared":
        _, im0, panel0 = shown[0]
        if not panel0.rgb:
            cb = fig.colorbar(im0, ax=[ax for ax, _, _ in shown], shrink=0.9, aspect=25)
            style_colorbar(cb, colorbar_label)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def colorbar_mode(colorbar: bool | None, normalize: str, rgb: bool) -> str:
    if rgb:
        if colorbar:
            raise ValueError("colorbar=True needs 2-D maps; RGB images have no colour bar")
        return "none"
    if colorbar is None:
        return "none" if normalize == "each" else "shared"
    if colorbar:
        return "each" if normalize == "each" else "shared"
    return "none"


# ----------------------------------------------------------------------------
# Seeded synthetic data for the FIGURES registries
# ----------------------------------------------------------------------------
def demo_digit() -> np.ndarray:
    """A 28×28 "7" drawn from two thick strokes, white on black, in [0, 1]."""
    from scipy.ndimage import gaussian_filter

    img = np.zeros((28, 28))
    img[6:9, 7:21] = 1.0  # the bar
    for r in range(9, 23):  # the slanted stem
        c = 20 - (r - 9) * 8 // 14
        img[r, c - 1 : c + 2] = 1.0
    return np.clip(gaussian_filter(img, 0.8) * 1.4, 0.0, 1.0)


def demo_blobs(n: int, shape=(28, 28), seed: int = 1, signed: bool = True) -> np.ndarray:
    """``n`` smooth random maps, like gradients or projections."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    x = gaussian_filter(rng.standard_normal((n, *shape)), (0, 2.0, 2.0))
    return x if signed else np.abs(x)
