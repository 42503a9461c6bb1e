"""Zeiler and Fergus's deconvnet: project what a feature responds to back to pixel space.

Zeiler and Fergus (2014) look inside a trained network by taking the feature
maps of one layer, keeping one map (or one unit of it), and sending that
signal back to the input through the network run in reverse: transposed
filters for each convolution, unpooling through the recorded switches for
each max pooling, and a ReLU on the signal for each ReLU. The reverse pass is
the engine of :mod:`cnnbook.backward` with the ``"deconvnet"`` rule; this
module chooses what to send back (:func:`project`, :func:`project_all`) and
which images to send it back from (:func:`top_activations`).
"""

from __future__ import annotations

import numpy as np

from .backward import POOLINGS, RULES, Trace, activations, check_net
from .checks import choice, positive_int
from .network import Sequential

__all__ = ["project", "project_all", "top_activations"]


def _feature_maps(trace: Trace) -> np.ndarray:
    """The recorded output, which must be feature maps (N, C, H, W)."""
    a = trace.output
    if a.ndim != 4:
        raise ValueError(
            f"layer {trace.layer} ({trace.net.layers[trace.layer]!r}) outputs shape {a.shape}, "
            "not feature maps (N, C, H, W): choose a layer of a convolutional block"
        )
    return a


def _isolate(a: np.ndarray, feature: int, unit) -> np.ndarray:
    """The seed: ``a`` with every map but ``feature`` zeroed, and maybe every unit but one."""
    N, _, H, W = a.shape
    seed = np.zeros_like(a)
    if unit is None:
        seed[:, feature] = a[:, feature]
    elif isinstance(unit, str) and unit == "max":
        flat = a[:, feature].reshape(N, -1).argmax(axis=1)
        i, j = np.divmod(flat, W)
        seed[np.arange(N), feature, i, j] = a[np.arange(N), feature, i, j]
    else:
        if (
            not isinstance(unit, tuple)
            or len(unit) != 2
            or not all(isinstance(u, (int, np.integer)) and not isinstance(u, bool) for u in unit)
            or not (0 <= unit[0] < H and 0 <= unit[1] < W)
        ):
            raise ValueError(
                f"unit must be None, 'max' or a position (i, j) with 0 <= i < {H} and "
                f"0 <= j < {W}, got {unit!r}"
            )
        i, j = unit
        seed[:, feature, i, j] = a[:, feature, i, j]
    return seed


def project(
    net: Sequential,
    x: np.ndarray,
    layer: int,
    feature: int,
    unit=None,
    pooling: str = "switches",
    rule: str = "deconvnet",
) -> np.ndarray:
    """Project one feature map of a layer back to pixel space (Zeiler and Fergus, 2014).

    Forward ``x``, take the activations at the output of layer ``layer``,
    zero every feature map except ``feature`` (and, if asked, every unit but
    one), and send what is left back to the input with :func:`~cnnbook.backward.backward_pass`.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, C_in, H, W) or (C_in, H, W)
        A batch, or one image.
    layer : int
        Index of a layer with feature-map output ``(N, C, H_l, W_l)``, for
        instance the ReLU or the MaxPool2D of a convolutional block (in
        :func:`~cnnbook.network.book_cnn`: 1 or 2 for block 1, 4 or 5 for block 2).
    feature : int
        The feature map to keep, in ``[0, C)``.
    unit : None, "max" or (int, int), optional
        None keeps the whole map (the source's choice); ``"max"`` keeps only
        the strongest unit of the map in each image (Zeiler and Fergus's
        choice); ``(i, j)`` keeps only that position.
    pooling : {"switches", "fill"}
        See :func:`~cnnbook.backward.backward_pass`.
    rule : {"deconvnet", "backprop", "guided"}
        See :func:`~cnnbook.backward.relu_backward`; the deconvnet by default.

    Returns
    -------
    ndarray, shape of ``x``
        The projection, one per image.

    Notes
    -----
    The seed keeps the activation values themselves, not ones: a strongly
    active unit projects a strong pattern. Biases play no part.

    Examples
    --------
    One 1×2 filter ``(1, -1)`` and a ReLU. Its map for the image ``(3, 1, 2)``
    is ``(2, 0)``; the deconvnet projects it back through the transposed filter:

    >>> import numpy as np
    >>> from cnnbook.layers import Conv2D, ReLU
    >>> conv = Conv2D(1, 1, (1, 2))
    >>> conv.params["W"][...] = [[[[1., -1.]]]]
    >>> net = Sequential(conv, ReLU())
    >>> project(net, np.array([[[3., 1., 2.]]]), layer=1, feature=0)
    array([[[ 2., -2.,  0.]]])
    """
    check_net(net)
    single = np.ndim(x) == 3
    x = net.check_input(np.asarray(x)[None] if single else x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C_in, H, W) or (C_in, H, W), got {x.shape}")
    choice(rule, RULES, "rule")
    choice(pooling, POOLINGS, "pooling")
    trace = Trace(net, x, layer)
    a = _feature_maps(trace)
    feature = _check_feature(feature, a.shape[1])
    r = trace.backward(_isolate(a, feature, unit), rule, pooling)
    return r[0] if single else r


def _check_feature(feature, C: int) -> int:
    if (
        not isinstance(feature, (int, np.integer))
        or isinstance(feature, bool)
        or not 0 <= feature < C
    ):
        raise ValueError(f"feature must be an int in [0, {C - 1}], got {feature!r}")
    return int(feature)


def project_all(
    net: Sequential,
    x: np.ndarray,
    layer: int,
    unit=None,
    pooling: str = "switches",
    rule: str = "deconvnet",
    batch_size: int = 64,
) -> np.ndarray:
    """Project every feature map of a layer, for one image, in batched backward passes.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (C_in, H, W) or (1, C_in, H, W)
        One image.
    layer : int
        As in :func:`project`.
    unit, pooling, rule
        As in :func:`project`.
    batch_size : int
        Features sent back together; the image is copied this many times.

    Returns
    -------
    ndarray, shape (C, C_in, H, W)
        Row ``k`` is ``project(net, x, layer, k, ...)``.

    Examples
    --------
    Two 1×1 filters, ``+1`` and ``-1``: each map projects back through its own
    filter, and the ReLU has already zeroed what the other map holds:

    >>> import numpy as np
    >>> from cnnbook.layers import Conv2D, ReLU
    >>> conv = Conv2D(1, 2, 1)
    >>> conv.params["W"][...] = [[[[1.]]], [[[-1.]]]]
    >>> project_all(Sequential(conv, ReLU()), np.array([[[2., -3.]]]), layer=1)
    array([[[[ 2.,  0.]]],
    <BLANKLINE>
    <BLANKLINE>
           [[[ 0., -3.]]]])
    """
    check_net(net)
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(
            f"x must be one image, shape (C_in, H, W) or (1, C_in, H, W), got {x.shape}"
        )
    batch_size = positive_int(batch_size, "batch_size")
    choice(rule, RULES, "rule")
    choice(pooling, POOLINGS, "pooling")
    x = net.check_input(x[None])
    C = _feature_maps(Trace(net, x, layer)).shape[1]
    out = []
    for k0 in range(0, C, batch_size):
        ks = np.arange(k0, min(C, k0 + batch_size))
        trace = Trace(net, np.repeat(x, len(ks), axis=0), layer)
        seed = np.zeros_like(trace.output)
        for row, k in enumerate(ks):  # row `row` sends back feature k alone
            seed[row] = _isolate(trace.output[row : row + 1], int(k), unit)[0]
        out.append(trace.backward(seed, rule, pooling))
    return np.concatenate(out)


def top_activations(
    net: Sequential, x: np.ndarray, layer: int, k: int = 9, batch_size: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """For each feature of a layer, the ``k`` images of a batch that activate it most.

    The activation of feature ``c`` in image ``n`` is the largest value of its
    map, ``max_{i,j} a[n, c, i, j]`` (for a layer with flat output ``(N, F)``,
    the value itself).

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, ...)
    layer : int
        Index into ``net.layers``.
    k : int
        Images per feature, ``1 <= k <= N``.
    batch_size : int
        Images per forward pass.

    Returns
    -------
    indices : ndarray of int, shape (C, k)
        Row ``c``: indices into ``x`` of the images, strongest first (ties go
        to the lower index).
    values : ndarray, shape (C, k)
        The matching maximum activations.

    Notes
    -----
    The source's code picked, for each feature, the image whose summed
    activation was *smallest* (``argmin``); the strongest is the ``argmax``.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import ReLU
    >>> x = np.array([[[[1., 0.]], [[0., 5.]]],
    ...               [[[3., 2.]], [[1., 1.]]],
    ...               [[[0., 2.]], [[4., 0.]]]])
    >>> idx, val = top_activations(Sequential(ReLU()), x, layer=0, k=2)
    >>> idx
    array([[1, 2],
           [0, 2]])
    >>> val
    array([[3., 2.],
           [5., 4.]])
    """
    a = activations(net, x, layer, batch_size)
    N = a.shape[0]
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= N:
        raise ValueError(f"k must be an int in [1, {N}] for a batch of {N} images, got {k!r}")
    peak = a.reshape(N, a.shape[1], -1).max(axis=2).T  # (C, N)
    order = np.argsort(-peak, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(peak, order, axis=1)
