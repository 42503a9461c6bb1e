"""Which pixels does a decision depend on? Saliency, SmoothGrad, occlusion, guided backprop.

Every method here explains the *score* of one class for one image:

* :func:`input_gradient` and :func:`saliency` (Simonyan et al., 2013): the
  gradient of the class score with respect to the pixels;
* :func:`smoothgrad` (Smilkov et al., 2017): that gradient averaged over noisy
  copies of the image;
* :func:`guided_backprop` (Springenberg et al., 2014): the same backward pass
  with the guided ReLU rule of :mod:`cnnbook.backward`;
* :func:`occlusion` (Zeiler and Fergus, 2014): no gradient at all, only how
  much the class probability falls when a patch of the image is covered.

The score of class ``t`` is its *logit* ``s_t``, the network's output before
the softmax (:func:`cnnbook.network.book_cnn` ends in logits). The gradient of
the softmax probability would mix in every other class,
:math:`\\partial p_t = p_t (\\partial s_t - \\sum_k p_k \\partial s_k)`, and
vanish for confident predictions. :func:`occlusion` measures probabilities by
default, as the source and Zeiler and Fergus do, and logits on request.

The network is never disturbed: all passes run through
the recorded forward pass of :class:`cnnbook.backward.Trace`, on detached
copies of the layers, in evaluation mode.
"""

from __future__ import annotations

import numpy as np

from .backward import Trace, check_net
from .checks import choice, generator, number, pair, positive_int
from .losses import softmax
from .network import Sequential

__all__ = [
    "guided_backprop",
    "input_gradient",
    "occlusion",
    "patch_positions",
    "saliency",
    "smoothgrad",
]

MEASURES = ("probability", "logit")
GRIDS = ("image", "patch")


# ----------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------
def _check_images(net, x) -> np.ndarray:
    check_net(net)
    x = net.check_input(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images of shape (N, C, H, W), got shape {x.shape}")
    return x


def _logits(net: Sequential, x: np.ndarray) -> np.ndarray:
    s = Trace(net, x).output
    if s.ndim != 2:
        raise ValueError(f"net must output class scores of shape (N, K), got shape {s.shape}")
    return s


def _targets(target, logits: np.ndarray) -> np.ndarray:
    """One class index per image: the argmax if ``target`` is None, else checked."""
    N, K = logits.shape
    if target is None:
        return logits.argmax(axis=1)
    t = np.asarray(target)
    if t.dtype == bool or not np.issubdtype(t.dtype, np.integer):
        raise TypeError(f"target must be None, an int or an array of ints, got {target!r}")
    if t.ndim == 0:
        t = np.full(N, int(t))
    if t.shape != (N,):
        raise ValueError(f"target must be an int or have shape ({N},), got shape {t.shape}")
    if t.min() < 0 or t.max() >= K:
        raise ValueError(
            f"target must lie in [0, {K - 1}] for {K} classes, got values from {t.min()} to {t.max()}"
        )
    return t.astype(np.intp)


def _one_hot(t: np.ndarray, logits: np.ndarray) -> np.ndarray:
    seed = np.zeros_like(logits)
    seed[np.arange(len(t)), t] = 1
    return seed


def _class_pass(net: Sequential, x: np.ndarray, target, rule: str) -> np.ndarray:
    """Backward pass from a one-hot seed at each image's target logit."""
    x = _check_images(net, x)
    trace = Trace(net, x)
    logits = trace.output
    if logits.ndim != 2:
        raise ValueError(f"net must output class scores of shape (N, K), got shape {logits.shape}")
    return trace.backward(_one_hot(_targets(target, logits), logits), rule)


# ----------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------
def input_gradient(net: Sequential, x: np.ndarray, target=None) -> np.ndarray:
    """The gradient of a class score with respect to the input pixels, with its sign.

    Parameters
    ----------
    net : Sequential
        Ends in class scores (logits), shape ``(N, K)``.
    x : ndarray, shape (N, C, H, W)
    target : int or array of int, shape (N,), optional
        The class to explain in each image; default the predicted class.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        :math:`\\partial s_{t_n}(x_n) / \\partial x_n`.

    Notes
    -----
    One backward pass serves the whole batch: with a one-hot seed at
    :math:`s_{t_n}` in row ``n``, row ``n`` of the result is that image's
    gradient, since in evaluation mode no layer mixes the images of a batch.

    Examples
    --------
    A linear model's gradient is its weight row, whatever the input:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 2)
    >>> dense.params["W"][...] = [[1., -2., 3., 0.], [0., 0., 0., 0.]]
    >>> net = Sequential(Flatten(), dense)
    >>> input_gradient(net, np.ones((1, 2, 1, 2)), target=0)
    array([[[[ 1., -2.]],
    <BLANKLINE>
            [[ 3.,  0.]]]])
    """
    return _class_pass(net, x, target, "backprop")


def saliency(net: Sequential, x: np.ndarray, target=None) -> np.ndarray:
    """Simonyan et al.'s saliency map: the largest gradient magnitude over the channels.

    Takes ``net``, ``x`` and ``target`` as :func:`input_gradient` does, and
    returns an array of shape (N, H, W).

    Notes
    -----
    .. math:: M_{n,i,j} = \\max_c \\left| \\frac{\\partial s_{t_n}}{\\partial x_{n,c,i,j}} \\right|

    with :math:`s` the logits, before the softmax (see the module notes).

    Examples
    --------
    The linear model of :func:`input_gradient`, whose gradient has channels
    ``(1, -2)`` and ``(3, 0)``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 2)
    >>> dense.params["W"][...] = [[1., -2., 3., 0.], [0., 0., 0., 0.]]
    >>> saliency(Sequential(Flatten(), dense), np.ones((1, 2, 1, 2)), target=0)
    array([[[3., 2.]]])
    """
    return np.abs(input_gradient(net, x, target)).max(axis=1)


def guided_backprop(net: Sequential, x: np.ndarray, target=None) -> np.ndarray:
    """Guided backpropagation (Springenberg et al., 2014) from a class score.

    The backward pass of :func:`input_gradient` with the ``"guided"`` ReLU
    rule of :func:`cnnbook.backward.relu_backward`: a ReLU passes a signal
    back only where its input was positive *and* the signal is positive.

    Parameters
    ----------
    net, x, target
        As in :func:`input_gradient`.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Signed, like an image; take ``np.abs(g).max(axis=1)`` for a map like
        :func:`saliency`'s.

    Examples
    --------
    An identity layer, a ReLU, and output weights ``(2, -1, 3)``: the input
    ``(1, 1, -1)`` switches the third unit off, so backprop passes
    ``(2, -1, 0)``, and the guided rule also drops the negative ``-1``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten, ReLU
    >>> hidden, out = Dense(3, 3), Dense(3, 1)
    >>> hidden.params["W"][...] = np.eye(3)
    >>> out.params["W"][...] = [[2., -1., 3.]]
    >>> net = Sequential(Flatten(), hidden, ReLU(), out)
    >>> x = np.array([[[[1., 1., -1.]]]])
    >>> input_gradient(net, x, 0)
    array([[[[ 2., -1.,  0.]]]])
    >>> guided_backprop(net, x, 0)
    array([[[[2., 0., 0.]]]])
    """
    return _class_pass(net, x, target, "guided")


def smoothgrad(
    net: Sequential,
    x: np.ndarray,
    target=None,
    noise_level: float = 0.15,
    n_samples: int = 50,
    *,
    magnitude: bool = False,
    rng=0,
    batch_size: int = 64,
) -> np.ndarray:
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of the image.

    Parameters
    ----------
    net, x
        As in :func:`input_gradient`.
    target : int or array of int, shape (N,), optional
        Default the class predicted for the *clean* image, kept for all its
        noisy copies.
    noise_level : float
        :math:`\\sigma` as a fraction of each image's range,
        :math:`\\sigma_n = \\text{noise\\_level}\\,(\\max x_n - \\min x_n)`;
        Smilkov et al. recommend 0.1–0.2. 0 gives back :func:`saliency`.
    n_samples : int
        Noisy copies per image.
    magnitude : bool
        Average :math:`|\\nabla|` instead of :math:`\\nabla`, so that
        fluctuations of opposite sign do not cancel.
    rng : int or numpy.random.Generator
        Seed of the noise, so that maps repeat exactly.
    batch_size : int
        Noisy copies sent through the network together.

    Returns
    -------
    ndarray, shape (N, H, W)
        In the form of :func:`saliency`: absolute value, maximum over channels.

    Notes
    -----
    .. math::
        \\hat M_n = \\max_c \\left| \\frac{1}{S} \\sum_{k=1}^{S}
        \\nabla_x s_{t_n}(x_n + \\epsilon_k) \\right|, \\qquad
        \\epsilon_k \\sim \\mathcal N(0, \\sigma_n^2)

    The noise of image ``n`` is drawn in one call, image after image, so the
    result does not depend on ``batch_size``.

    Examples
    --------
    A linear model has the same gradient everywhere, so noise changes nothing:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 2)
    >>> dense.params["W"][...] = [[1., -2., 3., 0.], [0., 0., 0., 0.]]
    >>> net = Sequential(Flatten(), dense)
    >>> smoothgrad(net, np.ones((1, 2, 1, 2)), target=0, noise_level=0.5, n_samples=4)
    array([[[3., 2.]]])
    """
    x = _check_images(net, x)
    noise_level = number(noise_level, "noise_level", low=0)
    n_samples = positive_int(n_samples, "n_samples")
    batch_size = positive_int(batch_size, "batch_size")
    gen = generator(rng)
    t = _targets(target, _logits(net, x))
    total = np.zeros_like(x)
    for n in range(len(x)):
        sigma = noise_level * float(x[n].max() - x[n].min())
        noise = (gen.normal(size=(n_samples, *x.shape[1:])) * sigma).astype(x.dtype)
        for k in range(0, n_samples, batch_size):
            xs = x[n] + noise[k : k + batch_size]
            g = _class_pass(net, xs, np.full(len(xs), t[n]), "backprop")
            total[n] += (np.abs(g) if magnitude else g).sum(axis=0)
    return np.abs(total / n_samples).max(axis=1)


# ----------------------------------------------------------------------------
# Occlusion
# ----------------------------------------------------------------------------
def patch_positions(size: int, patch: int, stride: int) -> np.ndarray:
    """Where a patch starts along one axis: ``0, S, 2S, …``, and one more flush with the edge.

    Parameters
    ----------
    size : int
        Length of the axis (``H`` or ``W``).
    patch : int
        Length of the patch, ``1 <= patch <= size``.
    stride : int
        Step between positions.

    Returns
    -------
    ndarray of int
        Start indices. If ``(size - patch)`` is not a multiple of ``stride``, a
        last start ``size - patch`` is added so that the patches reach the edge.

    Examples
    --------
    >>> patch_positions(8, 3, 2)
    array([0, 2, 4, 5])
    >>> patch_positions(7, 3, 2)
    array([0, 2, 4])
    """
    size, patch, stride = (
        positive_int(v, n) for v, n in ((size, "size"), (patch, "patch"), (stride, "stride"))
    )
    if patch > size:
        raise ValueError(f"patch ({patch}) must not be larger than the image ({size})")
    starts = np.arange(0, size - patch + 1, stride)
    if starts[-1] != size - patch:
        starts = np.append(starts, size - patch)
    return starts


def _check_fill(fill):
    if isinstance(fill, str):
        if fill != "mean":
            raise ValueError(f"fill must be a number or 'mean', got {fill!r}")
        return fill
    return number(fill, "fill")


def occlusion(
    net: Sequential,
    x: np.ndarray,
    target=None,
    patch=7,
    stride=1,
    fill=0.0,
    *,
    measure: str = "probability",
    grid: str = "image",
    batch_size: int = 256,
) -> np.ndarray:
    """How much the class score falls when a patch of the image is covered (Zeiler and Fergus, 2014).

    A ``patch``-sized square of value ``fill`` slides over each image, all
    channels at once; at each position the occluded image is classified again.

    Parameters
    ----------
    net, x
        As in :func:`input_gradient`.
    target : int or array of int, shape (N,), optional
        Default the class predicted for the unoccluded image.
    patch : int or (int, int)
        ``(P_h, P_w)``, at most the image size.
    stride : int or (int, int)
        Step between patch positions; see :func:`patch_positions`.
    fill : float or "mean"
        Value of the covered pixels; ``"mean"`` uses each image's mean per channel.
    measure : {"probability", "logit"}
        Score whose drop is measured: the softmax probability of the target
        (the source's and Zeiler and Fergus's choice) or its logit.
    grid : {"image", "patch"}
        ``"image"``: each pixel gets the mean drop over the patches covering
        it (needs ``stride <= patch``); ``"patch"``: one value per position.
    batch_size : int
        Occluded copies classified together.

    Returns
    -------
    ndarray
        Shape ``(N, H, W)`` for ``grid="image"``; ``(N, R, Q)`` for
        ``grid="patch"``, with ``R = len(patch_positions(H, P_h, S_h))`` and
        likewise ``Q``. Positive where covering the pixels lowers the score:
        those pixels matter.

    Notes
    -----
    At patch position :math:`(u, v)`, with :math:`x^{(u,v)}` the occluded image,

    .. math:: D_{n,u,v} = m_{t_n}(x_n) - m_{t_n}(x^{(u,v)}_n)

    where :math:`m` is the probability or the logit. For a linear model and
    ``measure="logit"`` this is :math:`\\sum_{(c,i,j) \\in \\text{patch}}
    W_{t,c,i,j}\\,(x_{c,i,j} - \\text{fill})`. Cost: one forward pass per
    position, ``R·Q`` per image.

    Examples
    --------
    A linear model with weights ``(1, 2; 3, 4)`` on an image of ones; a 1×1
    black patch removes one weight's contribution at a time:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 2., 3., 4.]]
    >>> net = Sequential(Flatten(), dense)
    >>> occlusion(net, np.ones((1, 1, 2, 2)), 0, patch=1, measure="logit")
    array([[[1., 2.],
            [3., 4.]]])

    A 2×1 patch at rows ``(0, 1)`` covers each column once:

    >>> occlusion(net, np.ones((1, 1, 2, 2)), 0, patch=(2, 1), measure="logit", grid="patch")
    array([[[4., 6.]]])
    """
    x = _check_images(net, x)
    choice(measure, MEASURES, "measure")
    choice(grid, GRIDS, "grid")
    fill = _check_fill(fill)
    batch_size = positive_int(batch_size, "batch_size")
    N, _, H, W = x.shape
    ph, pw = pair(patch, "patch", low=1)
    sh, sw = pair(stride, "stride", low=1)
    if ph > H or pw > W:
        raise ValueError(f"patch {(ph, pw)} must fit in the image of size {(H, W)}")
    if grid == "image" and (sh > ph or sw > pw):
        raise ValueError(
            f"grid='image' needs stride <= patch so every pixel is covered, got stride "
            f"{(sh, sw)} and patch {(ph, pw)}"
        )
    rows, cols = patch_positions(H, ph, sh), patch_positions(W, pw, sw)
    corners = [(i, j) for i in rows for j in cols]

    def score(xs: np.ndarray, t: int) -> np.ndarray:
        s = _logits(net, xs)
        return (softmax(s) if measure == "probability" else s)[:, t]

    logits = _logits(net, x)
    t = _targets(target, logits)
    base = (softmax(logits) if measure == "probability" else logits)[np.arange(N), t]
    drops = np.empty((N, len(corners)), x.dtype)
    for n in range(N):
        value = x[n].mean(axis=(1, 2), keepdims=True) if fill == "mean" else x.dtype.type(fill)
        for k0 in range(0, len(corners), batch_size):
            chunk = corners[k0 : k0 + batch_size]
            xs = np.repeat(x[n : n + 1], len(chunk), axis=0)
            for row, (i, j) in enumerate(chunk):
                xs[row, :, i : i + ph, j : j + pw] = value
            drops[n, k0 : k0 + len(chunk)] = base[n] - score(xs, t[n])
    if grid == "patch":
        return drops.reshape(N, len(rows), len(cols))
    total = np.zeros((N, H, W), x.dtype)
    count = np.zeros((H, W), x.dtype)
    for k, (i, j) in enumerate(corners):
        total[:, i : i + ph, j : j + pw] += drops[:, k, None, None]
        count[i : i + ph, j : j + pw] += 1
    return total / count
