"""Deconvnet figures: projections of features back to pixels, and each feature's top images.

:func:`projections` draws what :func:`cnnbook.deconvnet.project` returns,
signed or contrast-stretched as Zeiler and Fergus drew them;
:func:`top_k_grid` lays out, feature by feature, the images that activate it
most (from :func:`cnnbook.deconvnet.top_activations`) with their projections.
``FIGURES`` maps a name to a zero-argument function that draws a
representative figure from small seeded synthetic arrays; the tests render
each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure

from ..checks import choice, float_array, positive_int
from ._draw import as_images, demo_blobs, demo_digit, grid_figure, minmax, picture, scale_panels

__all__ = ["FIGURES", "projections", "top_k_grid"]


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
    choice(style, ("signed", "minmax"), "style")
    arrays = as_images(projs, "projs")
    n = len(arrays)
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles must have one entry per projection ({n}), got {len(titles)}")
    if style == "signed":
        panels, _ = scale_panels(arrays, signed=True, normalize="each", cmap=None)
    else:
        panels = [minmax(a) for a in arrays]
    ncols = min(n, 8) if ncols is None else positive_int(ncols, "ncols")
    titles_at = {}
    if images is None:
        cells = {divmod(i, ncols): p for i, p in enumerate(panels)}
        nrows, row_labels = -(-n // ncols), {}
        titles_at = {divmod(i, ncols): t for i, t in enumerate(titles or [])}
    else:
        pictures = as_images(images, "images")
        if len(pictures) != n:
            raise ValueError(
                f"images must hold one image per projection ({n}), got {len(pictures)}"
            )
        cells, row_labels = {}, {}
        for i, (pic, p) in enumerate(zip(pictures, panels, strict=True)):
            block, col = divmod(i, ncols)
            cells[(2 * block, col)] = picture(pic)
            cells[(2 * block + 1, col)] = p
            row_labels[2 * block], row_labels[2 * block + 1] = "input", "projection"
            if titles is not None:
                titles_at[(2 * block, col)] = titles[i]
        nrows = 2 * -(-n // ncols)
    return grid_figure(
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
    choice(style, ("signed", "minmax"), "style")
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
        pics = as_images(list(x[f]), f"images[{f}]")
        for j, pic in enumerate(pics):
            cells[(r, j)] = picture(pic)
            if scores is not None:
                titles[(r, j)] = f"{scores[f, j]:.2f}"
        rows[r] = labels[f]
        if projections is not None:
            fig_p = as_images(list(p[f]), f"projections[{f}]")
            if style == "signed":
                panels, _ = scale_panels(fig_p, signed=True, normalize="each", cmap=None)
            else:
                panels = [minmax(a) for a in fig_p]
            for j, panel in enumerate(panels):
                cells[(r + 1, j)] = panel
            rows[r + 1] = "proj."
    return grid_figure(cells, per_feature * F, k, titles=titles, row_labels=rows, suptitle=suptitle)


# ----------------------------------------------------------------------------


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _fig_projections() -> Figure:
    images = np.stack([np.roll(demo_digit(), s, axis=0) for s in (-3, 0, 3, 5)])
    return projections(
        demo_blobs(4), images, titles=[f"#{k}" for k in range(4)], suptitle="Deconvnet projections"
    )


def _fig_top_k() -> Figure:
    base = demo_digit()
    images = np.stack([[np.roll(base, 2 * j - f, axis=1) for j in range(4)] for f in range(3)])
    scores = np.array([[4.0, 3.5, 3.1, 2.0], [2.5, 2.4, 1.0, 0.5], [9.0, 8.0, 7.5, 7.0]])
    proj = demo_blobs(12, seed=5).reshape(3, 4, 28, 28)
    return top_k_grid(
        images,
        projections=proj,
        style="minmax",
        scores=scores,
        row_labels=["#0", "#3", "#6"],
        suptitle="Top activations per feature",
    )


FIGURES: dict[str, Callable[[], Figure]] = {
    "projections": _fig_projections,
    "top_k_grid": _fig_top_k,
}
"""Name → zero-argument function drawing a representative figure of this module."""
