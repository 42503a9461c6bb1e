"""What a drawn figure holds, read back from matplotlib's own records of it.

Helpers for the tests of :mod:`cnnbook.figures`: the colour limits and the
array an image displays, and the axes that display an image.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure


def clim(ax, i: int = 0) -> list[float]:
    return [float(v) for v in ax.images[i].get_clim()]


def shown(ax, i: int = 0) -> np.ndarray:
    return np.asarray(ax.images[i].get_array())


def image_axes(fig: Figure) -> list:
    """The axes that display an image (colour bars are left out)."""
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]
