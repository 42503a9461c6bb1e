"""What a convolution finds in a photograph: edge maps, and the photograph itself.

:func:`edge_maps` draws an image beside its cross-correlation with a few
kernels (Sobel's, for instance), all on one signed colour scale, each panel
with an inset of its kernel's numbers; :func:`sample_photograph` is the image
the chapter "Convolution" uses, a portrait shipped with matplotlib.
``FIGURES`` maps a name to a zero-argument function that draws a
representative figure; the tests render each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

from ..checks import positive_int
from ..conv import correlate2d
from ._draw import canvas, cell_table, check_2d, light, number_text

__all__ = ["FIGURES", "edge_maps", "sample_photograph"]


def sample_photograph(scale: int = 2) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, as grayscale in [0, 1].

    Parameters
    ----------
    scale : int
        Average ``scale × scale`` blocks, so the image is drawn near its own
        resolution in a book figure (1 keeps all 600×512 pixels).

    Returns
    -------
    ndarray, shape (600 // scale, 512 // scale), float64
        Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601), scaled to [0, 1].

    Examples
    --------
    >>> img = sample_photograph()
    >>> img.shape, img.dtype, bool(0 <= img.min() < img.max() <= 1)
    ((300, 256), dtype('float64'), True)
    """
    from matplotlib import cbook, image

    scale = positive_int(scale, "scale")
    rgb = image.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    gray = rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    H, W = (gray.shape[0] // scale) * scale, (gray.shape[1] // scale) * scale
    return gray[:H, :W].reshape(H // scale, scale, W // scale, scale).mean(axis=(1, 3))


def edge_maps(image, kernels: dict[str, np.ndarray], *, clip: float = 99.0) -> Figure:
    """Show an image and its cross-correlation with each kernel, signed colours centred at 0.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Grayscale image.
    kernels : dict of str to ndarray
        Name (used as the panel title) to 2-D kernel. Each response is
        ``correlate2d(image, k, "valid")``, what a convolutional layer computes.
    clip : float
        All responses share one colour scale, spanning ``±`` this percentile of
        their absolute values, so that a few strong edges do not wash out the
        rest; larger values are clipped (the colour bar has pointed ends).

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + len(kernels)`` image axes, one shared colour bar, and an inset
        with each kernel's numbers.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); img[:, 4:] = 1          # a vertical step
    >>> fig = edge_maps(img, {"d/dx": np.array([[-1., 1.]])})
    >>> [ax.get_title() for ax in fig.axes if ax.get_title()]
    ['input', 'd/dx']
    """
    image = check_2d(image, "image")
    if not kernels:
        raise ValueError("kernels must hold at least one kernel, got an empty dict")
    responses = {
        name: (k, correlate2d(image, k, "valid"))
        for name, k in ((name, check_2d(k, f"kernels[{name!r}]")) for name, k in kernels.items())
    }
    lim = float(
        np.percentile(np.abs(np.concatenate([r.ravel() for _, r in responses.values()])), clip)
    )
    lim = lim or 1.0
    n = 1 + len(kernels)
    fig = Figure(figsize=(2.2 * n + 0.5, 2.9))
    axes = fig.subplots(1, n)
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="antialiased")
    axes[0].set_title("input", fontsize=10)
    for ax, (name, (k, resp)) in zip(axes[1:], responses.items(), strict=True):
        im = ax.imshow(resp, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="antialiased")
        ax.set_title(name, fontsize=10)
        inset = ax.inset_axes((0.02, 0.02, 0.3, 0.3 * k.shape[0] / k.shape[1]))
        face = [
            [light("#B2182B" if v > 0 else "#2166AC" if v < 0 else "white", 0.45) for v in row]
            for row in k
        ]
        cell_table(inset, [[number_text(v) for v in row] for row in k], facecolors=face, fontsize=7)
        canvas(inset, 0, k.shape[1], 0, k.shape[0])
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("0.6")
    fig.subplots_adjust(left=0.01, right=0.88, top=0.9, bottom=0.02, wspace=0.06)
    cax = fig.add_axes((0.9, 0.12, 0.02, 0.7))
    fig.colorbar(im, cax=cax, extend="both", label="response")
    return fig


def _sobel_kernels() -> dict[str, np.ndarray]:
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    return {"vertical edges (Sobel)": sobel, "horizontal edges (Sobel)": sobel.T.copy()}


FIGURES: dict[str, Callable[[], Figure]] = {
    "edge_maps": lambda: edge_maps(sample_photograph(), _sobel_kernels()),
}
"""Name → zero-argument function drawing a representative figure of this module."""
