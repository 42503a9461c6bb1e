"""Activation maximisation: the input a unit, a feature map or a class responds to most.

Erhan et al. (2009) asked what a unit of a trained network computes by
searching for the input that excites it most; Simonyan et al. (2013) did the
same for the score of a class and called the result a *class model*. The
search is gradient ascent on the pixels of

.. math:: J(x) = f(x) - \\lambda \\lVert x \\rVert^2

where :math:`f(x)` is the chosen score: a class logit, one unit of a layer,
or the mean of one feature map. Without the penalty the ascent runs off to
ever larger pixel values; with it, and with *jitter* (a random shift of the
image before each gradient) or a periodic *blur*, it settles on smoother
images (Mordvintsev et al., 2015; Yosinski et al., 2015).

The gradient is one backward pass of :class:`cnnbook.backward.Trace` from a
seed at the chosen layer, so the network is never disturbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .backward import Trace, check_net, layer_index
from .checks import generator, nonnegative_int, number, positive_int
from .network import Sequential

__all__ = ["Maximized", "maximize", "objective_seed", "score", "score_gradient"]


def objective_seed(output: np.ndarray, channel, unit=None) -> np.ndarray:
    """The seed :math:`w` that makes a layer's output a score, :math:`f = \\langle a, w\\rangle`.

    Parameters
    ----------
    output : ndarray, shape (N, F) or (N, C, h, w)
        A layer's output for a batch.
    channel : int or array of int, shape (N,)
        The class, unit (flat output) or feature map (maps) of each image.
    unit : (int, int), optional
        For maps: one position ``(i, j)`` of the map; default the mean of
        the whole map.

    Returns
    -------
    ndarray, shape of ``output``

    Examples
    --------
    >>> import numpy as np
    >>> objective_seed(np.zeros((1, 3)), 1)
    array([[0., 1., 0.]])
    >>> objective_seed(np.zeros((1, 2, 1, 2)), 1)[0]
    array([[[0. , 0. ]],
    <BLANKLINE>
           [[0.5, 0.5]]])
    """
    N, C = output.shape[:2]
    c = np.asarray(channel)
    if c.ndim == 0:
        c = np.full(N, c[()], dtype=c.dtype)
    if c.shape != (N,) or c.dtype == bool or not np.issubdtype(c.dtype, np.integer):
        raise TypeError(f"channel must be an int or {N} ints, got {channel!r}")
    if c.min() < 0 or c.max() >= C:
        raise ValueError(f"channel must lie in [0, {C - 1}], got {channel!r}")
    seed = np.zeros_like(output)
    rows = np.arange(N)
    if output.ndim == 2:
        if unit is not None:
            raise ValueError("unit applies to feature maps (N, C, h, w), not to a flat output")
        seed[rows, c] = 1
    elif output.ndim == 4:
        h, w = output.shape[2:]
        if unit is None:
            seed[rows, c] = 1 / (h * w)
        else:
            i, j = (nonnegative_int(u, "unit") for u in unit)
            if i >= h or j >= w:
                raise ValueError(f"unit must lie in a {h} × {w} map, got {unit!r}")
            seed[rows, c, i, j] = 1
    else:
        raise ValueError(f"the layer's output must be (N, F) or (N, C, h, w), got {output.shape}")
    return seed


def score(net: Sequential, x: np.ndarray, layer: int = -1, channel=0, unit=None) -> np.ndarray:
    """The score :math:`f(x)` that :func:`maximize` raises, one per image.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, ...)
    layer : int
        Index of the layer whose output is scored; default the last (the logits).
    channel, unit
        As in :func:`objective_seed`.

    Returns
    -------
    ndarray, shape (N,)

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import ReLU
    >>> score(Sequential(ReLU()), np.array([[[[-2., 6.]]]]), layer=0, channel=0)
    array([3.])
    """
    trace = Trace(net, x, layer)
    a = trace.output
    seed = objective_seed(a, channel, unit)
    return (a * seed).reshape(len(a), -1).sum(axis=1)


def score_gradient(
    net: Sequential, x: np.ndarray, layer: int = -1, channel=0, unit=None
) -> np.ndarray:
    """The gradient :math:`\\nabla_x f(x)` of :func:`score`, shape of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import ReLU
    >>> score_gradient(Sequential(ReLU()), np.array([[[[-2., 6.]]]]), 0, 0)
    array([[[[0. , 0.5]]]])
    """
    trace = Trace(net, x, layer)
    return trace.backward(objective_seed(trace.output, channel, unit))


@dataclass
class Maximized:
    """What :func:`maximize` returns.

    Attributes
    ----------
    image : ndarray, shape of ``x0``
        The input after the last step.
    objective : ndarray, shape (steps + 1, N)
        :math:`J = f(x) - \\lambda \\lVert x \\rVert^2` before the first step and after each.
    score : ndarray, shape (steps + 1, N)
        :math:`f(x)` alone.
    """

    image: np.ndarray
    objective: np.ndarray
    score: np.ndarray


def maximize(
    net: Sequential,
    x0: np.ndarray,
    layer: int = -1,
    channel=0,
    unit=None,
    *,
    steps: int = 100,
    lr: float = 0.1,
    l2: float = 0.0,
    jitter: int = 0,
    blur: float = 0.0,
    blur_every: int = 4,
    clip=None,
    rng=0,
) -> Maximized:
    """Gradient ascent on the input to raise a class logit, a unit or a feature map.

    Parameters
    ----------
    net : Sequential
    x0 : ndarray, shape (N, C, H, W)
        Starting images (e.g. zeros, or small seeded noise); not modified.
    layer, channel, unit
        The score, as in :func:`score`: by default logit 0.
    steps : int
        Gradient steps.
    lr : float
        Step size :math:`\\eta`.
    l2 : float
        :math:`\\lambda \\ge 0`, the weight of the penalty :math:`\\lambda \\lVert x\\rVert^2`.
    jitter : int
        Before each gradient, roll the image by a random shift of up to
        ``jitter`` pixels in each direction, and roll the gradient back.
    blur : float
        If positive, every ``blur_every`` steps blur each image with a
        Gaussian of this standard deviation, in pixels.
    blur_every : int
    clip : (float, float), optional
        Keep the pixels in this range after each step (e.g. ``(0, 1)``).
    rng : int or numpy.random.Generator
        Seed of the jitter.

    Returns
    -------
    Maximized

    Notes
    -----
    Each step is

    .. math:: x \\leftarrow x + \\eta \\big(\\nabla f(\\tilde x) - 2 \\lambda x\\big)

    with :math:`\\tilde x` the jittered image (:math:`x` itself without
    jitter). For a linear score :math:`f(x) = w^\\top x` the maximum of
    :math:`J` is :math:`x^* = w / 2\\lambda`.

    Examples
    --------
    A linear score ``f(x) = x_0 - 2 x_1`` with :math:`\\lambda = 1/2`: the
    maximum is at :math:`x^* = w / 2\\lambda = (1, -2)`, and a step of
    :math:`\\eta = 1` reaches it at once:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(2, 1)
    >>> dense.params["W"][...] = [[1., -2.]]
    >>> net = Sequential(Flatten(), dense)
    >>> result = maximize(net, np.zeros((1, 1, 1, 2)), steps=1, lr=1.0, l2=0.5)
    >>> result.image
    array([[[[ 1., -2.]]]])
    >>> result.objective[:, 0]
    array([0. , 2.5])
    """
    check_net(net)
    x = net.check_input(x0).copy()
    if x.ndim != 4:
        raise ValueError(f"x0 must be a batch of images (N, C, H, W), got shape {x.shape}")
    layer_index(net, layer)
    steps = positive_int(steps, "steps")
    lr = number(lr, "lr", low=0, low_open=True)
    l2 = number(l2, "l2", low=0)
    jitter = nonnegative_int(jitter, "jitter")
    blur = number(blur, "blur", low=0)
    blur_every = positive_int(blur_every, "blur_every")
    if clip is not None:
        lo, hi = (number(v, "clip") for v in clip)
        if lo >= hi:
            raise ValueError(f"clip must be (low, high) with low < high, got {clip!r}")
    gen = generator(rng)
    scores, objectives = [], []

    def record(f):
        scores.append(f)
        objectives.append(f - l2 * (x.reshape(len(x), -1) ** 2).sum(axis=1))

    for step in range(steps):
        if jitter:
            dy, dx = (int(v) for v in gen.integers(-jitter, jitter + 1, size=2))
            record(score(net, x, layer, channel, unit))
            g = score_gradient(net, np.roll(x, (dy, dx), axis=(2, 3)), layer, channel, unit)
            g = np.roll(g, (-dy, -dx), axis=(2, 3))
        else:
            trace = Trace(net, x, layer)
            seed = objective_seed(trace.output, channel, unit)
            record((trace.output * seed).reshape(len(x), -1).sum(axis=1))
            g = trace.backward(seed)
        x += lr * (g - 2 * l2 * x)
        if blur and (step + 1) % blur_every == 0:
            x = ndimage.gaussian_filter(x, sigma=(0, 0, blur, blur)).astype(x.dtype, copy=False)
        if clip is not None:
            np.clip(x, lo, hi, out=x)
    record(score(net, x, layer, channel, unit))
    return Maximized(x, np.array(objectives), np.array(scores))
