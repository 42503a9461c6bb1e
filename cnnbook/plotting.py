"""Figures that look inside a network: feature maps, filters, projections, attributions.

Every function takes NumPy arrays and returns a :class:`matplotlib.figure.Figure`
built with matplotlib's object API (no :mod:`matplotlib.pyplot` state), so a
figure never leaks into the next one and the same data always give the same
picture. Call :func:`cnnbook.plotting_style.use_book_style` once before drawing,
and :func:`cnnbook.plotting_style.render` to turn a figure into PNG or SVG bytes.

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

Each helper has a zero-argument counterpart in :data:`FIGURES`, which draws a
representative figure from small seeded synthetic arrays; the test suite draws
each twice and checks that the bytes agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .checks import float_array

__all__ = [
    "FIGURES",
    "attribution_grid",
    "attribution_row",
    "confusion_matrix",
    "feature_maps",
    "filters",
    "heatmap_overlay",
    "image_grid",
    "learning_curves",
    "plot_confusion_matrix",
    "projections",
    "top_k_grid",
]

#: Width of the book's text column, in inches (700 px at the book's 100 dpi).
COLUMN_WIDTH = 7.0
DIVERGING = "RdBu_r"
SEQUENTIAL = "magma"
_NORMALIZE = ("each", "shared", "none")
_SMALL_PANEL = 0.75  # inches: below this, panel titles use the smallest font
_MAX_GRID_HEIGHT = 7.5  # inches of images in one grid figure


# ----------------------------------------------------------------------------
# Input checks and colour scaling
# ----------------------------------------------------------------------------
def _one_image(a, name: str) -> np.ndarray:
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


def _as_images(images, name: str) -> list[np.ndarray]:
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
    out = [_one_image(item, f"{name}[{i}]") for i, item in enumerate(items)]
    if len({im.ndim for im in out}) > 1:
        raise ValueError(f"{name} mixes grey (H, W) and RGB (3, H, W) images; draw them apart")
    return out


def _check_choice(value, choices: Sequence, name: str) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")


def _is_signed(arrays: Sequence[np.ndarray]) -> bool:
    return any(bool(np.any(a < 0)) for a in arrays)


@dataclass(frozen=True)
class _Panel:
    """One picture ready for ``imshow``."""

    data: np.ndarray  # (H, W) with cmap and limits, or (H, W, 3) in [0, 1]
    cmap: str | None = None
    vmin: float | None = None
    vmax: float | None = None

    @property
    def rgb(self) -> bool:
        return self.data.ndim == 3


def _peak(a: np.ndarray) -> float:
    m = float(np.max(np.abs(a)))
    return m if m > 0 else 1.0  # an all-zero map gets limits (0, 1) or (-1, 1)


def _scale(
    arrays: Sequence[np.ndarray], *, signed: bool | None, normalize: str, cmap: str | None
) -> tuple[list[_Panel], bool]:
    """Colour limits (2-D maps) or display values (RGB) for each array, and the sign flag."""
    _check_choice(normalize, _NORMALIZE, "normalize")
    if signed is None:
        signed = _is_signed(arrays)
    shared = max(_peak(a) for a in arrays)
    panels = []
    for a in arrays:
        m = {"each": _peak(a), "shared": shared, "none": 1.0}[normalize]
        if a.ndim == 3:
            shown = 0.5 + a / (2 * m) if signed else a / m
            panels.append(_Panel(np.clip(shown, 0.0, 1.0)))
        else:
            cm = cmap or (DIVERGING if signed else SEQUENTIAL)
            panels.append(_Panel(a, cm, -m if signed else 0.0, m))
    return panels, signed


def _minmax(a: np.ndarray) -> _Panel:
    """``a`` stretched from its minimum (black) to its maximum (white), grey or RGB."""
    lo, hi = float(a.min()), float(a.max())
    stretched = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return _Panel(stretched) if a.ndim == 3 else _Panel(stretched, "gray", 0.0, 1.0)


def _picture(image: np.ndarray) -> _Panel:
    """An input image as it should look: as-is if in [0, 1], else stretched to [0, 1]."""
    lo, hi = float(image.min()), float(image.max())
    if lo < 0.0 or hi > 1.0:
        image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    if image.ndim == 3:
        return _Panel(image)
    return _Panel(image, "gray", 0.0, 1.0)


# ----------------------------------------------------------------------------
# The grid engine every image figure is built on
# ----------------------------------------------------------------------------
def _bare(ax) -> None:
    """No ticks; a thin grey frame so that white panels keep their edges."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.5)
        spine.set_edgecolor("0.6")


def _show(ax, panel: _Panel, extent=None, alpha=None):
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


def _style_colorbar(cb, label: str | None = None) -> None:
    cb.ax.tick_params(labelsize="x-small", length=2)
    cb.ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
    cb.outline.set_linewidth(0.5)
    if label:
        cb.set_label(label, fontsize="small")


def _grid_figure(
    cells: Mapping[tuple[int, int], _Panel],
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
            im = _show(ax, panel)
            _bare(ax)
            if (r, c) in titles:
                ax.set_title(titles[(r, c)], fontsize="x-small" if small else "small", pad=2)
            if c == 0 and r in row_labels:
                ax.set_ylabel(row_labels[r], fontsize="small", rotation=0, ha="right", va="center")
            if colorbar == "each" and not panel.rgb:
                _style_colorbar(fig.colorbar(im, ax=ax, shrink=0.9), colorbar_label)
            shown.append((ax, im, panel))
    if colorbar == "shared":
        _, im0, panel0 = shown[0]
        if not panel0.rgb:
            cb = fig.colorbar(im0, ax=[ax for ax, _, _ in shown], shrink=0.9, aspect=25)
            _style_colorbar(cb, colorbar_label)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _colorbar_mode(colorbar: bool | None, normalize: str, rgb: bool) -> str:
    if rgb:
        if colorbar:
            raise ValueError("colorbar=True needs 2-D maps; RGB images have no colour bar")
        return "none"
    if colorbar is None:
        return "none" if normalize == "each" else "shared"
    if colorbar:
        return "each" if normalize == "each" else "shared"
    return "none"


def _positive(v, name: str) -> int:
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


# ----------------------------------------------------------------------------
# Grids of images and maps
# ----------------------------------------------------------------------------
def image_grid(
    images,
    titles: Sequence[str] | None = None,
    *,
    ncols: int | None = None,
    cmap: str | None = None,
    signed: bool | None = None,
    normalize: str = "each",
    colorbar: bool | None = None,
    colorbar_label: str | None = None,
    suptitle: str | None = None,
    panel_size: float | None = None,
) -> Figure:
    """Draw 2-D maps or images on a grid, one panel each, without ticks.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, C, H, W) with C = 1 or 3; or a sequence
        The pictures, in NCHW layout; a sequence may mix sizes, each item of
        shape ``(H, W)``, ``(1, H, W)`` or ``(3, H, W)``. A single ``(H, W)``
        array is one panel.
    titles : sequence of str, optional
        One title per panel.
    ncols : int, optional
        Panels per row; by default ``min(N, 8)``.
    cmap : str, optional
        Colormap of 2-D maps. By default ``"RdBu_r"`` for signed maps and
        ``"magma"`` for non-negative ones; pass ``"gray"`` for input images.
    signed : bool, optional
        Whether the maps take both signs. By default, True if any value is
        negative. Signed maps get limits ``(-m, m)``, symmetric about 0;
        non-negative maps get ``(0, m)``.
    normalize : {"each", "shared", "none"}
        ``m`` is the largest absolute value of each panel (``"each"``: every
        panel fills its colour range, good for comparing patterns), of all
        panels (``"shared"``: one scale, good for comparing strengths), or 1
        (``"none"``: values drawn as they are, e.g. images in ``[0, 1]``).
    colorbar : bool, optional
        By default one colour bar for the grid when the scale is shared
        (``"shared"`` or ``"none"``) and none for ``"each"``, where a bar per
        panel (``colorbar=True``) would clutter a large grid. RGB images have no
        colour bar.
    colorbar_label : str, optional
    suptitle : str, optional
        Title of the whole figure.
    panel_size : float, optional
        Width of one panel in inches; by default the grid fills the book's
        7-inch column, with panels between 0.4 and 2.3 inches wide.

    Returns
    -------
    Figure
        Panels first in ``fig.axes`` (row by row), then any colour bars.

    Examples
    --------
    Two signed maps on a shared scale: the limits are symmetric about 0 and
    set by the largest absolute value, 4, and a single colour bar is added:

    >>> import numpy as np
    >>> maps = np.array([[[0, 1], [2, 3]], [[-4, 0], [0, 1]]])
    >>> fig = image_grid(maps, titles=["a", "b"], normalize="shared")
    >>> [ax.get_title() for ax in fig.axes], len(fig.axes)
    (['a', 'b', ''], 3)
    >>> [float(v) for v in fig.axes[0].images[0].get_clim()]
    [-4.0, 4.0]

    Five images on rows of two leave one cell empty, which is removed:

    >>> len(image_grid(np.ones((5, 1, 3, 3)), ncols=2).axes)
    5
    """
    arrays = _as_images(images, "images")
    n = len(arrays)
    ncols = min(n, 8) if ncols is None else _positive(ncols, "ncols")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    panels, _ = _scale(arrays, signed=signed, normalize=normalize, cmap=cmap)
    nrows = -(-n // ncols)
    cells = {divmod(i, ncols): p for i, p in enumerate(panels)}
    return _grid_figure(
        cells,
        nrows,
        ncols,
        titles={divmod(i, ncols): t for i, t in enumerate(titles or [])},
        suptitle=suptitle,
        colorbar=_colorbar_mode(colorbar, normalize, panels[0].rgb),
        colorbar_label=colorbar_label,
        panel_size=panel_size,
    )


def feature_maps(
    activations,
    *,
    features: Sequence[int] | None = None,
    ncols: int | None = None,
    normalize: str = "each",
    cmap: str | None = None,
    suptitle: str | None = None,
    colorbar: bool | None = None,
) -> Figure:
    """Draw every feature map of one image at one layer, titled by feature index.

    Parameters
    ----------
    activations : ndarray, shape (C, H, W) or (1, C, H, W)
        The layer's output for one image, e.g. ``net.layers[1].forward(...)[0]``.
    features : sequence of int, optional
        Which channels to draw, in order; by default all of them.
    ncols : int, optional
        Maps per row; by default ``min(C, 8)``.
    normalize : {"each", "shared", "none"}
        As in :func:`image_grid`. ``"each"`` shows every map's pattern;
        ``"shared"`` shows which features fire most strongly, with one colour bar.
    cmap : str, optional
        ``"magma"`` for non-negative maps (after a ReLU), ``"RdBu_r"`` for
        signed ones (before it), unless given.
    suptitle : str, optional
    colorbar : bool, optional
        As in :func:`image_grid`.

    Returns
    -------
    Figure
        One panel per feature, titled ``"#c"`` with ``c`` the channel index
        (the ``feature`` argument of :func:`cnnbook.deconvnet.project`).

    Examples
    --------
    Three ReLU outputs; feature 1 is all zero and gets the limits (0, 1):

    >>> import numpy as np
    >>> a = np.zeros((3, 2, 2)); a[0, 0, 0] = 2.0; a[2] = 5.0
    >>> fig = feature_maps(a)
    >>> [ax.get_title() for ax in fig.axes]
    ['#0', '#1', '#2']
    >>> [[float(v) for v in ax.images[0].get_clim()] for ax in fig.axes]
    [[0.0, 2.0], [0.0, 1.0], [0.0, 5.0]]
    """
    a = float_array(activations, "activations")
    if a.ndim == 4 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 3:
        raise ValueError(f"activations must have shape (C, H, W) or (1, C, H, W), got {a.shape}")
    chosen = list(range(a.shape[0])) if features is None else [int(f) for f in features]
    bad = [f for f in chosen if not 0 <= f < a.shape[0]]
    if bad or not chosen:
        raise ValueError(f"features must be channel indices in 0..{a.shape[0] - 1}, got {chosen}")
    return image_grid(
        [a[f] for f in chosen],
        [f"#{f}" for f in chosen],
        ncols=ncols,
        cmap=cmap,
        normalize=normalize,
        colorbar=colorbar,
        suptitle=suptitle,
    )


def filters(
    W,
    *,
    ncols: int | None = None,
    normalize: str = "each",
    rgb: bool | None = None,
    suptitle: str | None = None,
    colorbar: bool | None = None,
) -> Figure:
    """Draw the learned filters of a convolutional layer.

    Parameters
    ----------
    W : ndarray, shape (C_out, C_in, K_h, K_w)
        The layer's weights, ``Conv2D.params["W"]``.
    ncols : int, optional
        Filters per row: by default ``min(C_out, 8)`` for one-channel and RGB
        filters and ``min(C_out, 16)`` otherwise.
    normalize : {"each", "shared", "none"}
        ``"each"`` scales every filter on its own, symmetric about 0 (a filter's
        pattern matters, not its overall size); ``"shared"`` uses one scale and
        a colour bar.
    rgb : bool, optional
        Draw three-channel filters as colour pictures (mid-grey is 0). True by
        default when ``C_in == 3``.
    suptitle : str, optional
    colorbar : bool, optional
        As in :func:`image_grid`.

    Returns
    -------
    Figure
        With one input channel (or RGB), one panel per filter, titled ``"#k"``.
        Otherwise a block of ``C_in`` rows per row of filters: column ``k``
        holds the ``C_in`` slices ``W[k, c]`` of filter ``k``, one row per input
        channel (labelled ``"in c"``), all on the filter's own symmetric scale.

    Examples
    --------
    Two 2×2 one-channel filters, each on its own symmetric scale:

    >>> import numpy as np
    >>> W = np.array([[[[1, -3], [0, 2]]], [[[0, 1], [1, 0]]]])
    >>> fig = filters(W)
    >>> [[float(v) for v in ax.images[0].get_clim()] for ax in fig.axes]
    [[-3.0, 3.0], [-1.0, 1.0]]

    Four filters over two input channels: a 2 × 4 block of slices:

    >>> fig = filters(np.arange(32.).reshape(4, 2, 2, 2) - 16)
    >>> len(fig.axes), fig.axes[1].get_title(), fig.axes[0].get_ylabel()
    (8, '#1', 'in 0')
    """
    W = float_array(W, "W")
    if W.ndim != 4:
        raise ValueError(f"W must have shape (C_out, C_in, K_h, K_w), got {W.shape}")
    C_out, C_in = W.shape[:2]
    rgb = (C_in == 3) if rgb is None else bool(rgb)
    if rgb and C_in != 3:
        raise ValueError(f"rgb=True needs C_in = 3 input channels, got W of shape {W.shape}")
    titles = [f"#{k}" for k in range(C_out)]
    if C_in == 1 or rgb:
        return image_grid(
            list(W),
            titles,
            ncols=ncols,
            signed=True,
            normalize=normalize,
            colorbar=colorbar,
            suptitle=suptitle,
        )
    _check_choice(normalize, _NORMALIZE, "normalize")
    ncols = min(C_out, 16) if ncols is None else _positive(ncols, "ncols")
    if normalize == "each":  # one scale per filter, over all its input channels
        panels = []
        for k in range(C_out):
            m = _peak(W[k])
            panels += [_Panel(W[k, c], DIVERGING, -m, m) for c in range(C_in)]
    else:
        panels, _ = _scale(
            list(W.reshape(-1, *W.shape[2:])), signed=True, normalize=normalize, cmap=None
        )
    cells, titles_at, row_labels = {}, {}, {}
    for k in range(C_out):
        block, col = divmod(k, ncols)
        for c in range(C_in):
            cells[(block * C_in + c, col)] = panels[k * C_in + c]
            row_labels[block * C_in + c] = f"in {c}"
        titles_at[(block * C_in, col)] = f"#{k}"
    return _grid_figure(
        cells,
        -(-C_out // ncols) * C_in,
        ncols,
        titles=titles_at,
        row_labels=row_labels,
        suptitle=suptitle,
        colorbar=_colorbar_mode(colorbar, normalize, False),
    )


def projections(
    projs,
    images=None,
    *,
    titles: Sequence[str] | None = None,
    style: str = "signed",
    ncols: int | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Draw deconvnet projections in pixel space, optionally above their input images.

    Parameters
    ----------
    projs : ndarray, shape (N, H, W) or (N, C, H, W) with C = 1 or 3
        Projections of features back to the input, e.g. from
        :func:`cnnbook.deconvnet.project`.
    images : ndarray, optional
        The input images, same N and layout; drawn in a row above each row of
        projections (rows labelled ``"input"`` and ``"projection"``).
    titles : sequence of str, optional
        One per projection.
    style : {"signed", "minmax"}
        ``"signed"``: each projection on its own scale symmetric about 0
        (diverging colormap for one channel, mid-grey = 0 for RGB), so the
        sign is visible. ``"minmax"``: each projection stretched from its
        minimum to its maximum over the full grey (or colour) range, the
        contrast-normalised look of Zeiler and Fergus's figures, which hides
        where zero is.
    ncols : int, optional
        Projections per row; by default ``min(N, 8)``.
    suptitle : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    Two projections with their images: two rows, the image row first.
    ``"minmax"`` maps a projection's minimum to black and its maximum to white:

    >>> import numpy as np
    >>> p = np.array([[[-2, 0], [0, 6]], [[1, 1], [1, 3]]])
    >>> fig = projections(p, np.zeros((2, 2, 2)), style="minmax")
    >>> len(fig.axes), fig.axes[0].get_ylabel(), fig.axes[2].get_ylabel()
    (4, 'input', 'projection')
    >>> fig.axes[2].images[0].get_array().data
    array([[0.  , 0.25],
           [0.25, 1.  ]])
    """
    _check_choice(style, ("signed", "minmax"), "style")
    arrays = _as_images(projs, "projs")
    n = len(arrays)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per projection ({n}), got {len(titles)}")
    if style == "signed":
        panels, _ = _scale(arrays, signed=True, normalize="each", cmap=None)
    else:
        panels = [_minmax(a) for a in arrays]
    ncols = min(n, 8) if ncols is None else _positive(ncols, "ncols")
    titles_at = {}
    if images is None:
        cells = {divmod(i, ncols): p for i, p in enumerate(panels)}
        nrows, row_labels = -(-n // ncols), {}
        titles_at = {divmod(i, ncols): t for i, t in enumerate(titles or [])}
    else:
        pictures = _as_images(images, "images")
        if len(pictures) != n:
            raise ValueError(
                f"images must hold one image per projection ({n}), got {len(pictures)}"
            )
        cells, row_labels = {}, {}
        for i, (pic, p) in enumerate(zip(pictures, panels, strict=True)):
            block, col = divmod(i, ncols)
            cells[(2 * block, col)] = _picture(pic)
            cells[(2 * block + 1, col)] = p
            row_labels[2 * block], row_labels[2 * block + 1] = "input", "projection"
            if titles is not None:
                titles_at[(2 * block, col)] = titles[i]
        nrows = 2 * -(-n // ncols)
    return _grid_figure(
        cells, nrows, ncols, titles=titles_at, row_labels=row_labels, suptitle=suptitle
    )


def top_k_grid(
    images,
    *,
    projections=None,
    scores=None,
    row_labels: Sequence[str] | None = None,
    style: str = "signed",
    suptitle: str | None = None,
) -> Figure:
    """Draw, for each feature, the images that activate it most (rows = features).

    Parameters
    ----------
    images : ndarray, shape (F, k, H, W) or (F, k, C, H, W) with C = 1 or 3
        ``images[f, j]`` is the image with the ``j``-th largest activation of
        feature ``f``: ``x[idx]`` for ``idx, values =
        cnnbook.deconvnet.top_activations(net, x, layer, k)``.
    projections : ndarray, optional
        Same shape: the deconvnet projection of feature ``f`` for each of those
        images, drawn in a row under the images (``style`` as in
        :func:`projections`).
    scores : ndarray, shape (F, k), optional
        The activations (``values`` above), printed above the images.
    row_labels : sequence of str, optional
        One per feature; by default ``"#0"``, ``"#1"``, ...
    style : {"signed", "minmax"}
    suptitle : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    Two features, their three best images and scores:

    >>> import numpy as np
    >>> fig = top_k_grid(np.zeros((2, 3, 4, 4)), scores=[[9, 8, 7], [5, 4, 3]],
    ...                  row_labels=["#3", "#5"])
    >>> len(fig.axes), fig.axes[3].get_ylabel(), fig.axes[5].get_title()
    (6, '#5', '3.00')
    """
    _check_choice(style, ("signed", "minmax"), "style")
    x = float_array(images, "images")
    if x.ndim not in (4, 5):
        raise ValueError(f"images must have shape (F, k, H, W) or (F, k, C, H, W), got {x.shape}")
    F, k = x.shape[:2]
    if row_labels is not None and len(row_labels) != F:
        raise ValueError(f"row_labels must have one entry per feature ({F}), got {len(row_labels)}")
    labels = list(row_labels) if row_labels is not None else [f"#{f}" for f in range(F)]
    if scores is not None:
        scores = float_array(scores, "scores")
        if scores.shape != (F, k):
            raise ValueError(
                f"scores must have shape ({F}, {k}) to match images, got {scores.shape}"
            )
    per_feature = 1
    if projections is not None:
        p = float_array(projections, "projections")
        if p.shape != x.shape:
            raise ValueError(f"projections must have the shape of images {x.shape}, got {p.shape}")
        per_feature = 2
    cells, titles, rows = {}, {}, {}
    for f in range(F):
        r = per_feature * f
        pics = _as_images(list(x[f]), f"images[{f}]")
        for j, pic in enumerate(pics):
            cells[(r, j)] = _picture(pic)
            if scores is not None:
                titles[(r, j)] = f"{scores[f, j]:.2f}"
        rows[r] = labels[f]
        if projections is not None:
            fig_p = _as_images(list(p[f]), f"projections[{f}]")
            if style == "signed":
                panels, _ = _scale(fig_p, signed=True, normalize="each", cmap=None)
            else:
                panels = [_minmax(a) for a in fig_p]
            for j, panel in enumerate(panels):
                cells[(r + 1, j)] = panel
            rows[r + 1] = "proj."
    return _grid_figure(
        cells, per_feature * F, k, titles=titles, row_labels=rows, suptitle=suptitle
    )


# ----------------------------------------------------------------------------
# Attribution maps
# ----------------------------------------------------------------------------
def _heat_panel(heat: np.ndarray, signed: bool | None, cmap: str | None) -> _Panel:
    (panel,), _ = _scale([heat], signed=signed, normalize="each", cmap=cmap)
    return panel


def _overlay(ax, image: np.ndarray, heat: _Panel, alpha: float):
    """Draw ``image`` and ``heat`` stretched over the same extent; return the heat image."""
    H, W = image.shape[:2]
    extent = (-0.5, W - 0.5, H - 0.5, -0.5)
    _show(ax, _picture(image), extent=extent)
    im = _show(ax, heat, extent=extent, alpha=alpha)
    _bare(ax)
    return im


def heatmap_overlay(
    image,
    heat,
    *,
    alpha: float = 0.6,
    signed: bool | None = None,
    cmap: str | None = None,
    title: str | None = None,
    colorbar_label: str | None = None,
) -> Figure:
    """Lay a heat map over an image, with a colour bar.

    Parameters
    ----------
    image : ndarray, shape (H, W), (1, H, W) or (3, H, W)
        The input image; values in ``[0, 1]`` are drawn as they are, others
        stretched to ``[0, 1]``.
    heat : ndarray, shape (H_h, W_h) or (1, H_h, W_h)
        The map. A coarser map than the image (an occlusion map has one value
        per patch position) is stretched over the whole image, each value
        covering ``H / H_h × W / W_h`` pixels.
    alpha : float
        Opacity of the heat map, in ``[0, 1]``.
    signed : bool, optional
        By default, True if ``heat`` has a negative value: diverging colormap
        on symmetric limits; otherwise a sequential one from 0.
    cmap : str, optional
    title : str, optional
    colorbar_label : str, optional

    Returns
    -------
    Figure
        One image axes (holding the image and the heat map) and a colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> fig = heatmap_overlay(np.zeros((4, 4)), np.array([[-2, 1], [0, 0.5]]))
    >>> len(fig.axes), len(fig.axes[0].images)
    (2, 2)
    >>> [float(v) for v in fig.axes[0].images[1].get_clim()]
    [-2.0, 2.0]
    """
    img = _one_image(image, "image")
    h = _one_image(heat, "heat")
    if h.ndim != 2:
        raise ValueError(
            f"heat must be one 2-D map, shape (H, W) or (1, H, W), got {np.shape(heat)}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    fig = Figure(figsize=(3.6, 3.0), layout="constrained")
    ax = fig.subplots()
    im = _overlay(ax, img, _heat_panel(h, signed, cmap), alpha)
    _style_colorbar(fig.colorbar(im, ax=ax, shrink=0.9), colorbar_label)
    if title:
        ax.set_title(title)
    return fig


def _attribution_panel(a: np.ndarray, cmap: str | None, signed: bool | None = None) -> _Panel:
    if a.ndim == 3:  # an RGB gradient: mid-grey is zero
        (panel,), _ = _scale([a], signed=True, normalize="each", cmap=None)
        return panel
    return _heat_panel(a, signed, cmap)


def attribution_row(
    image,
    maps: Mapping[str, np.ndarray],
    *,
    overlay: bool = False,
    alpha: float = 0.6,
    title: str | None = None,
    cmaps: Mapping[str, str] | None = None,
) -> Figure:
    """Draw one image and several attribution maps of it side by side, each with a colour bar.

    Parameters
    ----------
    image : ndarray, shape (H, W), (1, H, W) or (3, H, W)
        The input image, drawn first, under the title ``"input"``.
    maps : dict of str to ndarray
        Method name → map of shape ``(H, W)`` (or coarser, e.g. occlusion), or
        ``(3, H, W)`` for a colour gradient (drawn with mid-grey = 0, no colour
        bar). Each 2-D map gets its own scale and colour bar: signed maps
        (an input gradient, a change in probability) are diverging and
        symmetric about 0, non-negative ones (a saliency map) sequential.
    overlay : bool
        Lay each 2-D map over the image (with opacity ``alpha``) instead of
        drawing it alone.
    alpha : float
    title : str, optional
        Title of the whole figure, e.g. the predicted class.
    cmaps : dict of str to str, optional
        Colormap per method name, overriding the defaults.

    Returns
    -------
    Figure
        Panels ``["input", *maps]`` first in ``fig.axes``, then colour bars.

    Examples
    --------
    >>> import numpy as np
    >>> maps = {"saliency": np.array([[0, 1], [2, 3]]), "gradient": np.array([[-1, 0], [0, 4]])}
    >>> fig = attribution_row(np.zeros((2, 2)), maps)
    >>> [ax.get_title() for ax in fig.axes[:3]], len(fig.axes)
    (['input', 'saliency', 'gradient'], 5)
    >>> [[float(v) for v in ax.images[-1].get_clim()] for ax in fig.axes[1:3]]
    [[0.0, 3.0], [-4.0, 4.0]]
    """
    img = _one_image(image, "image")
    if not maps:
        raise ValueError("maps is empty: give at least one attribution map")
    cmaps = dict(cmaps or {})
    arrays = {name: _one_image(m, f"maps[{name!r}]") for name, m in maps.items()}
    n = 1 + len(arrays)
    panel = float(np.clip(COLUMN_WIDTH / (n * 1.3), 1.2, 2.3))
    aspect = img.shape[0] / img.shape[1]
    fig = Figure(
        figsize=(min(COLUMN_WIDTH, n * panel * 1.3), panel * aspect + 0.4 + (0.4 if title else 0)),
        layout="constrained",
    )
    axes = fig.subplots(1, n, squeeze=False)[0]
    _show(axes[0], _picture(img))
    _bare(axes[0])
    axes[0].set_title("input", fontsize="small")
    for ax, (name, a) in zip(axes[1:], arrays.items(), strict=True):
        heat = _attribution_panel(a, cmaps.get(name))
        if overlay and not heat.rgb:
            im = _overlay(ax, img, heat, alpha)
        else:
            im = _show(ax, heat)
            _bare(ax)
        ax.set_title(name, fontsize="small")
        if not heat.rgb:
            _style_colorbar(fig.colorbar(im, ax=ax, shrink=0.85))
    if title:
        fig.suptitle(title)
    return fig


def attribution_grid(
    images,
    maps: Mapping[str, np.ndarray],
    *,
    row_labels: Sequence[str] | None = None,
    cmaps: Mapping[str, str] | None = None,
    signed: Mapping[str, bool] | None = None,
    suptitle: str | None = None,
) -> Figure:
    """Compare attribution methods on several images: rows = images, columns = methods.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, C, H, W) with C = 1 or 3
        The input images, drawn in the first column.
    maps : dict of str to ndarray
        Method name → maps of shape ``(N, H_m, W_m)`` (or ``(N, 3, H, W)`` for
        colour gradients). Every panel has its own scale (diverging and
        symmetric if signed, sequential from 0 if not) and no colour bar: the
        figure compares where each method looks, not its units; use
        :func:`attribution_row` for values.
    row_labels : sequence of str, optional
        One per image, e.g. the true class.
    cmaps : dict of str to str, optional
        Colormap per method name.
    signed : dict of str to bool, optional
        Whether a method's maps are signed, per method name. By default each
        panel is signed if it has a negative value; say True for a method whose
        maps can take both signs (an occlusion map, a gradient), so that every
        panel of its column is diverging, even one that happens to be >= 0.
    suptitle : str, optional

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = attribution_grid(np.zeros((2, 3, 3)), {"saliency": np.ones((2, 3, 3))},
    ...                        row_labels=["7", "1"])
    >>> len(fig.axes), [ax.get_title() for ax in fig.axes[:2]], fig.axes[2].get_ylabel()
    (4, ['input', 'saliency'], '1')

    A column declared signed is diverging in every row, the non-negative one too:

    >>> drops = np.array([[[0., 2.]], [[-1., 4.]]])
    >>> fig = attribution_grid(np.zeros((2, 1, 2)), {"occlusion": drops}, signed={"occlusion": True})
    >>> [[float(v) for v in fig.axes[k].images[0].get_clim()] for k in (1, 3)]
    [[-2.0, 2.0], [-4.0, 4.0]]
    """
    pictures = _as_images(images, "images")
    n = len(pictures)
    if not maps:
        raise ValueError("maps is empty: give at least one attribution map")
    if row_labels is not None and len(row_labels) != n:
        raise ValueError(f"row_labels must have one entry per image ({n}), got {len(row_labels)}")
    cmaps = dict(cmaps or {})
    signed = dict(signed or {})
    columns = {}
    for name, m in maps.items():
        arrays = _as_images(m, f"maps[{name!r}]")
        if len(arrays) != n:
            raise ValueError(f"maps[{name!r}] must hold {n} maps, one per image, got {len(arrays)}")
        columns[name] = arrays
    cells, titles = {}, {(0, 0): "input"}
    for i, pic in enumerate(pictures):
        cells[(i, 0)] = _picture(pic)
        for j, (name, arrays) in enumerate(columns.items(), start=1):
            cells[(i, j)] = _attribution_panel(arrays[i], cmaps.get(name), signed.get(name))
            titles[(0, j)] = name
    labels = dict(enumerate(row_labels)) if row_labels is not None else None
    return _grid_figure(
        cells, n, 1 + len(columns), titles=titles, row_labels=labels, suptitle=suptitle
    )


# ----------------------------------------------------------------------------
# Training curves and the confusion matrix
# ----------------------------------------------------------------------------
def _check_history(h: Mapping, name: str) -> int:
    for key in ("loss", "accuracy"):
        if key not in h:
            raise ValueError(f"{name} must have a {key!r} list (as returned by Sequential.fit)")
    n = len(h["loss"])
    for key in ("accuracy", "val_loss", "val_accuracy"):
        if key in h and len(h[key]) != n:
            raise ValueError(f"{name}[{key!r}] has {len(h[key])} epochs but 'loss' has {n}")
    if n == 0:
        raise ValueError(f"{name} holds no epochs")
    return n


def learning_curves(
    history: Mapping, *, val_label: str = "test", title: str | None = None
) -> Figure:
    """Plot the loss and the accuracy per epoch, in two panels.

    Parameters
    ----------
    history : dict
        What :meth:`cnnbook.network.Sequential.fit` returns: lists ``"loss"``
        and ``"accuracy"`` (training, solid lines) and optionally
        ``"val_loss"`` and ``"val_accuracy"`` (held-out data, dashed lines).
        Or a dict of such histories keyed by a run name, to compare runs (one
        colour per run).
    val_label : str
        What the held-out data are called in the legend.
    title : str, optional

    Returns
    -------
    Figure
        Two axes, titled ``"loss"`` and ``"accuracy"``; epochs count from 1.

    Examples
    --------
    >>> h = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.75, 0.875],
    ...      "val_loss": [0.9, 0.6, 0.5], "val_accuracy": [0.6, 0.7, 0.8]}
    >>> fig = learning_curves(h)
    >>> [ax.get_title() for ax in fig.axes], [len(ax.lines) for ax in fig.axes]
    (['loss', 'accuracy'], [2, 2])
    >>> fig.axes[0].lines[0].get_xydata()
    array([[1.  , 1.  ],
           [2.  , 0.5 ],
           [3.  , 0.25]])
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict, got {type(history).__name__}")
    runs = {"": history} if "loss" in history else dict(history)
    if not runs:
        raise ValueError("history is empty")
    for name, h in runs.items():
        if not isinstance(h, Mapping):
            raise TypeError(
                "history must be a dict with 'loss' and 'accuracy' lists, or a dict of such "
                f"dicts; got {type(h).__name__} under {name!r}"
            )
        _check_history(h, f"history[{name!r}]" if name else "history")
    fig = Figure(figsize=(COLUMN_WIDTH, 2.8), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colours = [f"C{i}" for i in range(10)]
    for i, (name, h) in enumerate(runs.items()):
        epochs = np.arange(1, len(h["loss"]) + 1)
        prefix = f"{name}, " if name else ""
        style = {"color": colours[i % 10], "marker": "o", "markersize": 3}
        for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.plot(epochs, h[key], "-", label=f"{prefix}train", **style)
            if f"val_{key}" in h:
                ax.plot(epochs, h[f"val_{key}"], "--", label=f"{prefix}{val_label}", **style)
    ax_loss.set(title="loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.legend(fontsize="small", frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Count how often each true class is predicted as each class.

    Parameters
    ----------
    y_true, y_pred : array of int, shape (N,)
        True and predicted class labels.
    num_classes : int, optional
        Number of classes ``K``; by default one more than the largest label.

    Returns
    -------
    counts : ndarray of int64, shape (K, K)
        ``counts[i, j]`` is the number of samples of true class ``i`` predicted
        as class ``j``: the diagonal holds the correct predictions, each row
        sums to the number of samples of its class.

    Examples
    --------
    Six samples of three classes. Class 0: one right, one taken for a 1;
    class 1: right; class 2: two right, one taken for a 0:

    >>> confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2])
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 2]])
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    for name, a in (("y_true", t), ("y_pred", p)):
        if a.ndim != 1:
            raise ValueError(f"{name} must have shape (N,), got {a.shape}")
        if not np.issubdtype(a.dtype, np.integer):
            raise TypeError(f"{name} must hold integer class labels, got dtype {a.dtype}")
        if a.size and a.min() < 0:
            raise ValueError(f"{name} holds a negative label {a.min()}")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {t.shape} and {p.shape}")
    top = int(max(t.max(initial=-1), p.max(initial=-1))) + 1
    if num_classes is None:
        num_classes = top
    elif _positive(num_classes, "num_classes") < top:
        raise ValueError(f"a label {top - 1} is out of range for num_classes={num_classes}")
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def plot_confusion_matrix(
    counts,
    classes: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw a confusion matrix with its counts in the cells.

    Parameters
    ----------
    counts : ndarray of int, shape (K, K)
        From :func:`confusion_matrix`: rows are true classes, columns predicted.
    classes : sequence of str, optional
        Class names, by default ``"0"`` … ``"K-1"``.
    normalize : bool
        Colour each row by the fraction of its class (the per-class recall on
        the diagonal), so that small classes show their errors as clearly as
        large ones; the cells still print counts.
    title : str, optional
        By default the overall accuracy, ``trace / total``.

    Returns
    -------
    Figure
        One matrix axes (one text per cell, row by row) and a colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[1, 1], [0, 2]])
    >>> fig = plot_confusion_matrix(counts, ["cat", "dog"])
    >>> ax = fig.axes[0]
    >>> [t.get_text() for t in ax.texts], ax.get_title()
    (['1', '1', '0', '2'], 'accuracy 75.0 %')
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['cat', 'dog'], 'true class')
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ValueError(f"counts must be a square (K, K) matrix, got shape {c.shape}")
    if not np.issubdtype(c.dtype, np.integer) or c.min() < 0:
        raise ValueError("counts must hold non-negative integer counts")
    K = c.shape[0]
    classes = [str(k) for k in range(K)] if classes is None else [str(n) for n in classes]
    if len(classes) != K:
        raise ValueError(f"classes must have {K} names, one per row of counts, got {len(classes)}")
    total = int(c.sum())
    rows = c.sum(axis=1, keepdims=True)
    shown = c / np.maximum(rows, 1) if normalize else c
    side = float(np.clip(0.42 * K + 1.6, 3.0, 5.6))
    fig = Figure(figsize=(side + 0.8, side), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(int(c.max()), 1))
    cb = fig.colorbar(im, ax=ax, shrink=0.85)
    _style_colorbar(cb, "fraction of the true class" if normalize else "count")
    threshold = (1.0 if normalize else max(int(c.max()), 1)) / 2
    small = "x-small" if K > 12 else "small"
    for i in range(K):
        for j in range(K):
            colour = "white" if shown[i, j] > threshold else "black"
            ax.text(j, i, str(c[i, j]), ha="center", va="center", color=colour, fontsize=small)
    ax.set_xticks(
        range(K),
        classes,
        rotation=45 if max(map(len, classes)) > 2 else 0,
        ha="right" if max(map(len, classes)) > 2 else "center",
    )
    ax.set_yticks(range(K), classes)
    ax.tick_params(length=0)
    ax.set(xlabel="predicted class", ylabel="true class")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is None:
        title = f"accuracy {100 * np.trace(c) / total:.1f} %" if total else "no samples"
    ax.set_title(title)
    return fig


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _demo_digit() -> np.ndarray:
    """A 28×28 "7" drawn from two thick strokes, white on black, in [0, 1]."""
    from scipy.ndimage import gaussian_filter

    img = np.zeros((28, 28))
    img[6:9, 7:21] = 1.0  # the bar
    for r in range(9, 23):  # the slanted stem
        c = 20 - (r - 9) * 8 // 14
        img[r, c - 1 : c + 2] = 1.0
    return np.clip(gaussian_filter(img, 0.8) * 1.4, 0.0, 1.0)


def _demo_conv():
    """Seeded 5×5 filters of the book's shape and their ReLU feature maps of the digit."""
    from scipy.ndimage import gaussian_filter

    from .conv_fast import conv2d_forward

    rng = np.random.default_rng(0)
    W = gaussian_filter(rng.standard_normal((8, 1, 5, 5)), (0, 0, 0.8, 0.8))
    z = conv2d_forward(_demo_digit()[None, None], W, np.zeros(8), padding=2)
    return W, np.maximum(z[0], 0.0)


def _demo_blobs(n: int, shape=(28, 28), seed: int = 1, signed: bool = True) -> np.ndarray:
    """``n`` smooth random maps, like gradients or projections."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    x = gaussian_filter(rng.standard_normal((n, *shape)), (0, 2.0, 2.0))
    return x if signed else np.abs(x)


def _fig_image_grid() -> Figure:
    imgs = np.stack([np.roll(_demo_digit(), s, axis=1) for s in (-4, 0, 4)])[:, None]
    return image_grid(
        imgs, ["left", "centre", "right"], cmap="gray", normalize="none", suptitle="Shifted inputs"
    )


def _fig_feature_maps() -> Figure:
    return feature_maps(_demo_conv()[1], suptitle="Layer-1 feature maps (ReLU)")


def _fig_filters() -> Figure:
    return filters(_demo_conv()[0], suptitle="Layer-1 filters")


def _fig_filters_rgb() -> Figure:
    rng = np.random.default_rng(2)
    return filters(rng.standard_normal((8, 3, 5, 5)), suptitle="RGB filters (grey = 0)")


def _fig_filters_deep() -> Figure:
    rng = np.random.default_rng(3)
    return filters(rng.standard_normal((6, 4, 5, 5)), suptitle="Layer-2 filters")


def _fig_projections() -> Figure:
    images = np.stack([np.roll(_demo_digit(), s, axis=0) for s in (-3, 0, 3, 5)])
    return projections(
        _demo_blobs(4), images, titles=[f"#{k}" for k in range(4)], suptitle="Deconvnet projections"
    )


def _fig_top_k() -> Figure:
    base = _demo_digit()
    images = np.stack([[np.roll(base, 2 * j - f, axis=1) for j in range(4)] for f in range(3)])
    scores = np.array([[4.0, 3.5, 3.1, 2.0], [2.5, 2.4, 1.0, 0.5], [9.0, 8.0, 7.5, 7.0]])
    proj = _demo_blobs(12, seed=5).reshape(3, 4, 28, 28)
    return top_k_grid(
        images,
        projections=proj,
        style="minmax",
        scores=scores,
        row_labels=["#0", "#3", "#6"],
        suptitle="Top activations per feature",
    )


def _fig_heatmap_overlay() -> Figure:
    return heatmap_overlay(
        _demo_digit(),
        _demo_blobs(1, (12, 12), seed=6)[0],
        title="Occlusion (stretched)",
        colorbar_label="Δ probability",
    )


def _fig_attribution_row() -> Figure:
    grad = _demo_blobs(1, seed=7)[0] * _demo_digit()
    maps = {
        "saliency": np.abs(grad),
        "gradient": grad,
        "occlusion": _demo_blobs(1, (12, 12), seed=8)[0],
    }
    return attribution_row(_demo_digit(), maps, title="class 7")


def _fig_attribution_grid() -> Figure:
    images = np.stack([np.roll(_demo_digit(), s, axis=1) for s in (-3, 3)])
    maps = {"saliency": _demo_blobs(2, seed=10, signed=False), "gradient": _demo_blobs(2, seed=11)}
    return attribution_grid(images, maps, row_labels=["7", "7"])


def _fig_learning_curves() -> Figure:
    e = np.arange(1, 9)
    h = {
        "loss": list(1.2 * 0.6**e + 0.05),
        "accuracy": list(1 - 0.5 * 0.6**e),
        "val_loss": list(1.0 * 0.65**e + 0.1),
        "val_accuracy": list(0.97 - 0.45 * 0.65**e),
    }
    return learning_curves(h, title="Synthetic run")


def _fig_confusion() -> Figure:
    rng = np.random.default_rng(12)
    y = np.repeat(np.arange(10), 30)
    wrong = rng.random(y.size) < 0.15
    pred = np.where(wrong, rng.integers(0, 10, y.size), y)
    return plot_confusion_matrix(confusion_matrix(y, pred, 10))


#: Name → zero-argument function drawing a representative figure of each helper.
FIGURES: dict[str, Callable[[], Figure]] = {
    "image_grid": _fig_image_grid,
    "feature_maps": _fig_feature_maps,
    "filters": _fig_filters,
    "filters_rgb": _fig_filters_rgb,
    "filters_deep": _fig_filters_deep,
    "projections": _fig_projections,
    "top_k_grid": _fig_top_k,
    "heatmap_overlay": _fig_heatmap_overlay,
    "attribution_row": _fig_attribution_row,
    "attribution_grid": _fig_attribution_grid,
    "learning_curves": _fig_learning_curves,
    "confusion_matrix": _fig_confusion,
}
