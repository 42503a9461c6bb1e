"""Shifting images: convolutions are equivariant to shifts, pooling and dense layers only approximately.

A convolution computes the same function at every position, so shifting its
input shifts its output by the same amount, :math:`(W \\star S_k x) = S_k (W
\\star x)`, exactly, except near the border, where the padding and the
pixels pushed out of the frame differ. A 2 × 2 max pooling maps a shift by
an even :math:`k` to a shift by :math:`k/2`, but an odd shift changes which
pixels share a window, so after pooling the maps are only approximately
shifted. A dense layer has no notion of position at all.
"""

from __future__ import annotations

import numpy as np

from .checks import choice, float_array, labels, nonnegative_int, number
from .network import Sequential

__all__ = ["interior", "shift", "shift_accuracy"]

AXES = ("horizontal", "vertical", "diagonal")


def shift(x: np.ndarray, dy: int, dx: int, fill: float = 0.0) -> np.ndarray:
    """Shift images by ``dy`` rows down and ``dx`` columns right, filling what comes in.

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
    dy, dx : int
        Shifts in pixels; negative shifts go up or left. Pixels pushed past
        the edge are lost (no wrap-around, unlike :func:`numpy.roll`).
    fill : float
        Value of the pixels that come in.

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> import numpy as np
    >>> shift(np.arange(1., 7.).reshape(2, 3), 1, -1)
    array([[0., 0., 0.],
           [2., 3., 0.]])
    """
    x = float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got shape {x.shape}")
    fill = number(fill, "fill")
    for name, v in (("dy", dy), ("dx", dx)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{name} must be an int, got {v!r}")
    H, W = x.shape[-2:]
    out = np.full_like(x, fill)
    if abs(dy) >= H or abs(dx) >= W:
        return out
    src_r, dst_r = slice(max(-dy, 0), H - max(dy, 0)), slice(max(dy, 0), H - max(-dy, 0))
    src_c, dst_c = slice(max(-dx, 0), W - max(dx, 0)), slice(max(dx, 0), W - max(-dx, 0))
    out[..., dst_r, dst_c] = x[..., src_r, src_c]
    return out


def interior(size, dy: int, dx: int, margin: int) -> np.ndarray:
    """Where a shifted map can be compared with the map of the shifted image.

    Parameters
    ----------
    size : (int, int)
        ``(H, W)`` of the map.
    dy, dx : int
        The shift, in the map's pixels.
    margin : int
        Positions closer than this to the border are left out: there a
        convolution reads padding in one image and pixels in the other. For
        a ``K × K`` kernel with "same" padding ``P = (K - 1) / 2`` it is ``P``.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True at least ``margin`` away from the border and outside the strip
        that the shift fills.

    Examples
    --------
    >>> interior((4, 5), 1, 0, margin=1).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 1, 1, 1, 0],
           [0, 1, 1, 1, 0],
           [0, 0, 0, 0, 0]])
    """
    H, W = (nonnegative_int(v, "size") for v in size)
    margin = nonnegative_int(margin, "margin")
    rows, cols = np.arange(H)[:, None], np.arange(W)[None, :]
    inside = (rows >= margin) & (rows < H - margin) & (cols >= margin) & (cols < W - margin)
    return inside & (rows - dy >= 0) & (rows - dy < H) & (cols - dx >= 0) & (cols - dx < W)


def shift_accuracy(
    net: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    shifts,
    axis: str = "horizontal",
    batch_size: int = 500,
    *,
    per_image: bool = False,
) -> np.ndarray:
    """Accuracy of a classifier on images shifted by each of ``shifts`` pixels.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, C, H, W)
    y : ndarray of int, shape (N,)
    shifts : iterable of int
    axis : {"horizontal", "vertical", "diagonal"}
        The direction of the shift ``k``: ``(0, k)``, ``(k, 0)`` or ``(k, k)``.
    batch_size : int
    per_image : bool
        Return whether each image is classified correctly at each shift,
        so that the spread of the accuracy can be computed from it.

    Returns
    -------
    ndarray, shape (len(shifts),)
        The accuracies; with ``per_image``, booleans of shape ``(N, len(shifts))``.

    Examples
    --------
    A "network" that reads only the first pixel: one black pixel, one white,
    labels 0 and 1. Shifting right by 1 pushes black into both images:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(2, 2)
    >>> dense.params["W"][...] = [[-1., 0.], [1., 0.]]
    >>> net = Sequential(Flatten(), dense)
    >>> x = np.array([[[[0., 0.]]], [[[1., 1.]]]])
    >>> shift_accuracy(net, x, np.array([0, 1]), [0, 1])
    array([1. , 0.5])
    """
    x = net.check_input(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images (N, C, H, W), got shape {x.shape}")
    y = labels(y, len(x), np.iinfo(np.int64).max, "y")
    choice(axis, AXES, "axis")
    direction = {"horizontal": (0, 1), "vertical": (1, 0), "diagonal": (1, 1)}[axis]
    correct = np.stack(
        [
            net.predict(shift(x, k * direction[0], k * direction[1]), batch_size) == y
            for k in shifts
        ],
        axis=1,
    )
    return correct if per_image else correct.mean(axis=0)
