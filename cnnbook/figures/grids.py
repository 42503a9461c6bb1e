"""Grids of images, feature maps and filters: what a layer holds, panel by panel.

:func:`image_grid` is the general tool (any stack of maps or images, signed
or not, on its own or a shared colour scale); :func:`feature_maps` and
:func:`filters` draw a layer's activations and weights with it. The colour
conventions (diverging and symmetric about 0 for signed maps, sequential from
0 otherwise) are described in the package :mod:`cnnbook.figures`. Call
:func:`cnnbook.plotting_style.use_book_style` once before drawing, and
:func:`cnnbook.plotting_style.render` to turn a figure into PNG or SVG bytes.
``FIGURES`` maps a name to a zero-argument function that draws a
representative figure from small seeded synthetic arrays; the tests render
each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..checks import choice, float_array, positive_int
from ._draw import (
    DIVERGING,
    NORMALIZE,
    Panel,
    as_images,
    colorbar_mode,
    demo_digit,
    grid_figure,
    peak,
    scale_panels,
)

__all__ = ["FIGURES", "feature_maps", "filters", "image_grid"]


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
    arrays = as_images(images, "images")
    n = len(arrays)
    ncols = min(n, 8) if ncols is None else positive_int(ncols, "ncols")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per image ({n}), got {len(titles)}")
    panels, _ = scale_panels(arrays, signed=signed, normalize=normalize, cmap=cmap)
    nrows = -(-n // ncols)
    cells = {divmod(i, ncols): p for i, p in enumerate(panels)}
    return grid_figure(
        cells,
        nrows,
        ncols,
        titles={divmod(i, ncols): t for i, t in enumerate(titles or [])},
        suptitle=suptitle,
        colorbar=colorbar_mode(colorbar, normalize, panels[0].rgb),
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
    choice(normalize, NORMALIZE, "normalize")
    ncols = min(C_out, 16) if ncols is None else positive_int(ncols, "ncols")
    if normalize == "each":  # one scale per filter, over all its input channels
        panels = []
        for k in range(C_out):
            m = peak(W[k])
            panels += [Panel(W[k, c], DIVERGING, -m, m) for c in range(C_in)]
    else:
        panels, _ = scale_panels(
            list(W.reshape(-1, *W.shape[2:])), signed=True, normalize=normalize, cmap=None
        )
    cells, titles_at, row_labels = {}, {}, {}
    for k in range(C_out):
        block, col = divmod(k, ncols)
        for c in range(C_in):
            cells[(block * C_in + c, col)] = panels[k * C_in + c]
            row_labels[block * C_in + c] = f"in {c}"
        titles_at[(block * C_in, col)] = f"#{k}"
    return grid_figure(
        cells,
        -(-C_out // ncols) * C_in,
        ncols,
        titles=titles_at,
        row_labels=row_labels,
        suptitle=suptitle,
        colorbar=colorbar_mode(colorbar, normalize, False),
    )


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _demo_conv():
    """Seeded 5×5 filters of the book's shape and their ReLU feature maps of the digit."""
    from scipy.ndimage import gaussian_filter

    from ..conv_fast import conv2d_forward

    rng = np.random.default_rng(0)
    W = gaussian_filter(rng.standard_normal((8, 1, 5, 5)), (0, 0, 0.8, 0.8))
    z = conv2d_forward(demo_digit()[None, None], W, np.zeros(8), padding=2)
    return W, np.maximum(z[0], 0.0)


def _fig_image_grid() -> Figure:
    imgs = np.stack([np.roll(demo_digit(), s, axis=1) for s in (-4, 0, 4)])[:, None]
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


FIGURES: dict[str, Callable[[], Figure]] = {
    "image_grid": _fig_image_grid,
    "feature_maps": _fig_feature_maps,
    "filters": _fig_filters,
    "filters_rgb": _fig_filters_rgb,
    "filters_deep": _fig_filters_deep,
}
"""Name → zero-argument function drawing a representative figure of this module."""
