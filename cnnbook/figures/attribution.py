"""Attribution figures: which pixels a class score depends on, drawn over the image.

:func:`heatmap_overlay` lays one map over its image, :func:`attribution_row`
puts several methods side by side with their colour bars, and
:func:`attribution_grid` compares methods on several images. The maps come
from :mod:`cnnbook.attribution` (saliency, SmoothGrad, occlusion, guided
backpropagation). ``FIGURES`` maps a name to a zero-argument function that
draws a representative figure from small seeded synthetic arrays; the tests
render each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from ._draw import (
    COLUMN_WIDTH,
    Panel,
    as_images,
    bare,
    demo_blobs,
    demo_digit,
    grid_figure,
    one_image,
    picture,
    scale_panels,
    show_panel,
    style_colorbar,
)

__all__ = ["FIGURES", "attribution_grid", "attribution_row", "heatmap_overlay"]


def _heat_panel(heat: np.ndarray, signed: bool | None, cmap: str | None) -> Panel:
    (panel,), _ = scale_panels([heat], signed=signed, normalize="each", cmap=cmap)
    return panel


def _overlay(ax, image: np.ndarray, heat: Panel, alpha: float):
    """Draw ``image`` and ``heat`` stretched over the same extent; return the heat image."""
    H, W = image.shape[:2]
    extent = (-0.5, W - 0.5, H - 0.5, -0.5)
    show_panel(ax, picture(image), extent=extent)
    im = show_panel(ax, heat, extent=extent, alpha=alpha)
    bare(ax)
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
    img = one_image(image, "image")
    h = one_image(heat, "heat")
    if h.ndim != 2:
        raise ValueError(
            f"heat must be one 2-D map, shape (H, W) or (1, H, W), got {np.shape(heat)}"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    fig = Figure(figsize=(3.6, 3.0), layout="constrained")
    ax = fig.subplots()
    im = _overlay(ax, img, _heat_panel(h, signed, cmap), alpha)
    style_colorbar(fig.colorbar(im, ax=ax, shrink=0.9), colorbar_label)
    if title:
        ax.set_title(title)
    return fig


def _attribution_panel(a: np.ndarray, cmap: str | None, signed: bool | None = None) -> Panel:
    if a.ndim == 3:  # an RGB gradient: mid-grey is zero
        (panel,), _ = scale_panels([a], signed=True, normalize="each", cmap=None)
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
    img = one_image(image, "image")
    if not maps:
        raise ValueError("maps is empty: give at least one attribution map")
    cmaps = dict(cmaps or {})
    arrays = {name: one_image(m, f"maps[{name!r}]") for name, m in maps.items()}
    n = 1 + len(arrays)
    panel = float(np.clip(COLUMN_WIDTH / (n * 1.3), 1.2, 2.3))
    aspect = img.shape[0] / img.shape[1]
    fig = Figure(
        figsize=(min(COLUMN_WIDTH, n * panel * 1.3), panel * aspect + 0.4 + (0.4 if title else 0)),
        layout="constrained",
    )
    axes = fig.subplots(1, n, squeeze=False)[0]
    show_panel(axes[0], picture(img))
    bare(axes[0])
    axes[0].set_title("input", fontsize="small")
    for ax, (name, a) in zip(axes[1:], arrays.items(), strict=True):
        heat = _attribution_panel(a, cmaps.get(name))
        if overlay and not heat.rgb:
            im = _overlay(ax, img, heat, alpha)
        else:
            im = show_panel(ax, heat)
            bare(ax)
        ax.set_title(name, fontsize="small")
        if not heat.rgb:
            style_colorbar(fig.colorbar(im, ax=ax, shrink=0.85))
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
    pictures = as_images(images, "images")
    n = len(pictures)
    if not maps:
        raise ValueError("maps is empty: give at least one attribution map")
    if row_labels is not None and len(row_labels) != n:
        raise ValueError(f"row_labels must have one entry per image ({n}), got {len(row_labels)}")
    cmaps = dict(cmaps or {})
    signed = dict(signed or {})
    columns = {}
    for name, m in maps.items():
        arrays = as_images(m, f"maps[{name!r}]")
        if len(arrays) != n:
            raise ValueError(f"maps[{name!r}] must hold {n} maps, one per image, got {len(arrays)}")
        columns[name] = arrays
    cells, titles = {}, {(0, 0): "input"}
    for i, pic in enumerate(pictures):
        cells[(i, 0)] = picture(pic)
        for j, (name, arrays) in enumerate(columns.items(), start=1):
            cells[(i, j)] = _attribution_panel(arrays[i], cmaps.get(name), signed.get(name))
            titles[(0, j)] = name
    labels = dict(enumerate(row_labels)) if row_labels is not None else None
    return grid_figure(
        cells, n, 1 + len(columns), titles=titles, row_labels=labels, suptitle=suptitle
    )


# ----------------------------------------------------------------------------


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _fig_heatmap_overlay() -> Figure:
    return heatmap_overlay(
        demo_digit(),
        demo_blobs(1, (12, 12), seed=6)[0],
        title="Occlusion (stretched)",
        colorbar_label="Δ probability",
    )


def _fig_attribution_row() -> Figure:
    grad = demo_blobs(1, seed=7)[0] * demo_digit()
    maps = {
        "saliency": np.abs(grad),
        "gradient": grad,
        "occlusion": demo_blobs(1, (12, 12), seed=8)[0],
    }
    return attribution_row(demo_digit(), maps, title="class 7")


def _fig_attribution_grid() -> Figure:
    images = np.stack([np.roll(demo_digit(), s, axis=1) for s in (-3, 3)])
    maps = {"saliency": demo_blobs(2, seed=10, signed=False), "gradient": demo_blobs(2, seed=11)}
    return attribution_grid(images, maps, row_labels=["7", "7"])


FIGURES: dict[str, Callable[[], Figure]] = {
    "heatmap_overlay": _fig_heatmap_overlay,
    "attribution_row": _fig_attribution_row,
    "attribution_grid": _fig_attribution_grid,
}
"""Name → zero-argument function drawing a representative figure of this module."""
