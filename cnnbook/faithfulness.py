"""Deletion and insertion (Petsiuk et al., 2018): does an attribution map rank pixels as the network does?

An attribution map claims that some pixels matter more than others. The
*deletion* test takes it at its word: remove the pixels in the order the map
ranks them, most important first, and watch the probability of the class.
A faithful map makes it fall fast, so the area under the curve is small.
The *insertion* test runs the other way: start from a blank image, put the
pixels back in the same order, and a faithful map makes the probability rise
fast, so the area is large.

The maps are compared on the network itself, not on what a human finds
plausible; the price is that the deleted images are unlike any the network
was trained on, which every method suffers alike.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import trapezoid

from .backward import Trace, check_net
from .checks import choice, float_array, generator, number, positive_int, targets
from .losses import softmax
from .network import Sequential

__all__ = ["auc", "deletion_curve", "insertion_curve", "pixel_order"]

MEASURES = ("probability", "logit")


def pixel_order(attribution: np.ndarray, rng=0) -> np.ndarray:
    """Pixels ranked from most to least important, ties broken at random.

    Parameters
    ----------
    attribution : ndarray, shape (N, H, W)
        Larger is more important (pass ``np.abs`` of a signed map to rank by
        magnitude).
    rng : int or numpy.random.Generator
        Seed of the tie-breaking, so that a map with large flat regions (a
        rectified Grad-CAM, a saliency map over a black background) is not
        ranked in raster order.

    Returns
    -------
    ndarray of int, shape (N, H * W)
        Flat pixel indices, most important first.

    Examples
    --------
    >>> import numpy as np
    >>> pixel_order(np.array([[[0.1, 0.9], [0.5, 0.2]]]))
    array([[1, 2, 3, 0]])
    """
    a = float_array(attribution, "attribution", 3)
    N = len(a)
    flat = a.reshape(N, -1)
    tie = generator(rng).random(flat.shape)
    return np.lexsort((tie, -flat), axis=1)


def _curve(
    net,
    x,
    attribution,
    target,
    insert: bool,
    *,
    steps: int = 28,
    baseline=0.0,
    measure: str = "probability",
    rng=0,
    batch_size: int = 256,
):
    check_net(net)
    x = net.check_input(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images of shape (N, C, H, W), got shape {x.shape}")
    N, _, H, W = x.shape
    a = float_array(attribution, "attribution")
    if a.shape != (N, H, W):
        raise ValueError(
            f"attribution must have shape {(N, H, W)}, one map per image, got {a.shape}"
        )
    steps = positive_int(steps, "steps")
    batch_size = positive_int(batch_size, "batch_size")
    choice(measure, MEASURES, "measure")
    if np.ndim(baseline) == 0:
        base = np.full_like(x, number(baseline, "baseline"))
    else:
        base = net.check_input(baseline)
        if base.shape != x.shape:
            raise ValueError(
                f"baseline must be a number or have x's shape {x.shape}, got {base.shape}"
            )
    P = H * W
    counts = np.round(np.linspace(0, P, steps + 1)).astype(int)  # pixels changed at each step
    rank = np.empty((N, P), int)
    np.put_along_axis(rank, pixel_order(a, rng), np.arange(P)[None], axis=1)
    logits = Trace(net, x).output
    t = logits.argmax(axis=1) if target is None else targets(target, N, logits.shape[1])
    scores = np.empty((N, steps + 1))
    for n in range(N):
        changed = (rank[n][None, :] < counts[:, None]).reshape(steps + 1, 1, H, W)
        first, then = (base[n], x[n]) if insert else (x[n], base[n])
        variants = np.where(changed, then, first)  # (steps + 1, C, H, W)
        for k in range(0, steps + 1, batch_size):
            s = Trace(net, variants[k : k + batch_size]).output
            s = softmax(s) if measure == "probability" else s
            scores[n, k : k + batch_size] = s[:, t[n]]
    return counts / P, scores


def deletion_curve(
    net: Sequential, x: np.ndarray, attribution: np.ndarray, target=None, **options
) -> tuple[np.ndarray, np.ndarray]:
    """The class score as the most important pixels are deleted first (Petsiuk et al., 2018).

    Parameters
    ----------
    net : Sequential
        Ends in class scores (logits).
    x : ndarray, shape (N, C, H, W)
    attribution : ndarray, shape (N, H, W)
        One map per image; larger means more important (see :func:`pixel_order`).
    target : int or array of int, shape (N,), optional
        Default the class predicted for the intact image.

    Other Parameters
    ----------------
    steps : int, default 28
        The curve has ``steps + 1`` points, deleting ``round(k P / steps)``
        of the ``P = H W`` pixels at point ``k``.
    baseline : float or ndarray of x's shape, default 0.0
        What a deleted pixel becomes, all channels at once: 0 (black) by
        default; an array, e.g. a blurred copy of ``x``, sets it per pixel.
    measure : {"probability", "logit"}, default "probability"
    rng : int or numpy.random.Generator, default 0
        Tie-breaking of :func:`pixel_order`.
    batch_size : int, default 256
        Images classified together.

    Returns
    -------
    fractions : ndarray, shape (steps + 1,)
        Fraction of the pixels deleted, from 0 to 1.
    scores : ndarray, shape (N, steps + 1)
        The target's score after each deletion.

    Examples
    --------
    A linear model ``s = x · w`` with ``w = (1, 2, 3, 4)`` on an image of ones:
    a map that ranks the pixels by ``w`` deletes 4, then 3, then 2:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 2., 3., 4.]]
    >>> net = Sequential(Flatten(), dense)
    >>> w = np.array([[[1., 2.], [3., 4.]]])
    >>> f, s = deletion_curve(net, np.ones((1, 1, 2, 2)), w, steps=4, measure="logit")
    >>> f, s
    (array([0.  , 0.25, 0.5 , 0.75, 1.  ]), array([[10.,  6.,  3.,  1.,  0.]]))
    """
    return _curve(net, x, attribution, target, False, **options)


def insertion_curve(
    net: Sequential, x: np.ndarray, attribution: np.ndarray, target=None, **options
) -> tuple[np.ndarray, np.ndarray]:
    """The class score as pixels are put back into a blank image, most important first.

    Takes the arguments and keyword ``options`` of :func:`deletion_curve`;
    ``baseline`` is the image the insertion starts from. Returns
    ``(fractions, scores)`` as it does.

    Examples
    --------
    The linear model of :func:`deletion_curve`, pixels inserted 4, 3, 2, 1:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 2., 3., 4.]]
    >>> net = Sequential(Flatten(), dense)
    >>> w = np.array([[[1., 2.], [3., 4.]]])
    >>> insertion_curve(net, np.ones((1, 1, 2, 2)), w, steps=4, measure="logit")[1]
    array([[ 0.,  4.,  7.,  9., 10.]])
    """
    return _curve(net, x, attribution, target, True, **options)


def auc(fractions: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Area under each curve by the trapezoidal rule, over the fraction of pixels.

    Parameters
    ----------
    fractions : ndarray, shape (S,)
        Increasing, from 0 to 1.
    scores : ndarray, shape (N, S) or (S,)

    Returns
    -------
    ndarray, shape (N,), or a float for one curve

    Notes
    -----
    .. math:: \\text{AUC} = \\sum_{k=1}^{S-1} (f_k - f_{k-1}) \\frac{s_{k-1} + s_k}{2}

    Examples
    --------
    The deletion curve of :func:`deletion_curve`, ``(10, 6, 3, 1, 0)`` at
    steps of a quarter: :math:`\\tfrac14 (8 + 4.5 + 2 + 0.5) = 3.75`:

    >>> import numpy as np
    >>> float(auc(np.linspace(0, 1, 5), np.array([10., 6., 3., 1., 0.])))
    3.75
    """
    f = float_array(fractions, "fractions", 1)
    s = float_array(scores, "scores")
    if s.shape[-1] != len(f):
        raise ValueError(f"scores must have {len(f)} points per curve, got shape {s.shape}")
    if np.any(np.diff(f) < 0):
        raise ValueError("fractions must be increasing")
    return trapezoid(s, f, axis=-1)
