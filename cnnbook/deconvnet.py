"""One backward engine for backpropagation, the deconvnet and guided backpropagation.

Zeiler and Fergus (2014) project a feature of a convolutional layer back to
pixel space with a *deconvnet*: the network run in reverse, with transposed
filters for every convolution, unpooling through the recorded *switches* for
every max pooling, and a ReLU applied to the signal for every ReLU.
Springenberg et al. (2014) noticed that this is backpropagation in all but one
place: the ReLU. The three methods differ only in which signal a ReLU lets
through on the way back:

================  =======================================  ============================
rule              backward signal through a ReLU            reads
================  =======================================  ============================
``"backprop"``    :math:`r \\odot [z > 0]`                  the forward input ``z``
``"deconvnet"``   :math:`\\max(r, 0)`                        the backward signal ``r``
``"guided"``      :math:`\\max(r, 0) \\odot [z > 0]`         both
================  =======================================  ============================

So this module has one engine, :func:`backward_pass`, with the ReLU rule as a
parameter; :func:`project` and :func:`project_all` build Zeiler and Fergus's
projections on it, and :mod:`cnnbook.attribution` builds saliency maps and
guided backpropagation on it.

The engine never disturbs the network it reads. It runs the forward pass on
shallow copies of the layers, in evaluation mode, so the layers' caches, their
``grads``, their ``training`` flags and the batch-norm running statistics are
exactly as they were before the call, and a training step can follow as if
nothing had happened.
"""

from __future__ import annotations

import copy

import numpy as np

from .conv import _as_float_array, _pair, col2im, output_size
from .layers import Conv2D, Layer, MaxPool2D, ReLU, unpool
from .network import Sequential

__all__ = [
    "POOLINGS",
    "RULES",
    "activations",
    "backward_pass",
    "conv_transpose",
    "project",
    "project_all",
    "relu_backward",
    "top_activations",
    "unpool_fill",
]

RULES = ("backprop", "deconvnet", "guided")
"""The ReLU rules of :func:`backward_pass`."""

POOLINGS = ("switches", "fill")
"""The ways :func:`backward_pass` can undo a max pooling."""


# ----------------------------------------------------------------------------
# The three backward steps that are not a layer's ordinary backward pass
# ----------------------------------------------------------------------------
def relu_backward(signal: np.ndarray, mask: np.ndarray, rule: str = "backprop") -> np.ndarray:
    """Send a backward signal through a ReLU by one of the three rules.

    Parameters
    ----------
    signal : ndarray
        The signal ``r`` arriving at the ReLU's output.
    mask : ndarray of bool, same shape
        ``[z > 0]`` for the ReLU's forward input ``z`` (``ReLU.mask`` of :class:`~cnnbook.layers.ReLU`).
    rule : {"backprop", "deconvnet", "guided"}

    Returns
    -------
    ndarray, shape of ``signal``

    Notes
    -----
    .. math::
        \\text{backprop:}\\ r \\odot [z > 0], \\qquad
        \\text{deconvnet:}\\ \\max(r, 0), \\qquad
        \\text{guided:}\\ \\max(r, 0) \\odot [z > 0]

    Only backprop gives the gradient. The deconvnet forgets the forward pass
    at the ReLU (it reads only the signal); guided backpropagation keeps both
    masks, so a unit passes a signal back only if it was active going forward
    *and* the signal says it should have been more active.

    Examples
    --------
    A ReLU that saw ``z = (-1, 2, 3)`` receives the signal ``r = (5, 5, -4)``:

    >>> import numpy as np
    >>> mask = np.array([-1., 2., 3.]) > 0
    >>> r = np.array([5., 5., -4.])
    >>> relu_backward(r, mask, "backprop")
    array([ 0.,  5., -4.])
    >>> relu_backward(r, mask, "deconvnet")
    array([5., 5., 0.])
    >>> relu_backward(r, mask, "guided")
    array([0., 5., 0.])
    """
    _check_choice(rule, RULES, "rule")
    signal = _as_float_array(signal, "signal")
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != signal.shape:
        raise ValueError(
            f"mask must be a boolean array of the signal's shape {signal.shape}, "
            f"got dtype {mask.dtype} and shape {mask.shape}"
        )
    zero = signal.dtype.type(0)
    if rule == "backprop":
        return np.where(mask, signal, zero)
    if rule == "deconvnet":
        return np.maximum(signal, zero)
    return np.where(mask, np.maximum(signal, zero), zero)


def conv_transpose(
    dy: np.ndarray, W: np.ndarray, input_shape: tuple, stride=1, padding=0
) -> np.ndarray:
    """Transposed convolution: Zeiler and Fergus's "deconvolution" with the filters of a Conv2D.

    This is the input gradient of :class:`~cnnbook.layers.Conv2D` and nothing
    else: no weight gradient is formed, which is all a deconvnet needs.

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Signal at the convolution's output.
    W : ndarray, shape (C_out, C_in, K_h, K_w)
        The layer's filters.
    input_shape : tuple (N, C_in, H, W)
        Shape of the convolution's input, which the output takes.
    stride, padding : int or (int, int)
        Those of the forward convolution.

    Returns
    -------
    ndarray, shape (N, C_in, H, W)

    Notes
    -----
    For stride 1 and no padding each output channel is a sum of *full*
    convolutions (the kernel turned by 180°, "transposed filters"):

    .. math:: r_{n,c} = \\sum_o \\delta_{n,o} * W_{o,c}

    With stride and padding, ``delta`` is dilated and the result cropped, as
    in :func:`cnnbook.conv.conv2d_backward_scipy`. Here the same numbers come
    from one matrix product and :func:`cnnbook.conv.col2im`.

    Examples
    --------
    A single 1 at the output stamps the filter onto the input, unturned:

    >>> import numpy as np
    >>> W = np.array([[[[1., 2.], [3., 4.]]]])
    >>> conv_transpose(np.ones((1, 1, 1, 1)), W, (1, 1, 2, 2))[0, 0]
    array([[1., 2.],
           [3., 4.]])

    In general the result is a full convolution with the filter:

    >>> from cnnbook.conv import convolve2d
    >>> dy = np.array([[[[1., 0.], [0., 2.]]]])
    >>> r = conv_transpose(dy, W, (1, 1, 3, 3))
    >>> r[0, 0]
    array([[1., 2., 0.],
           [3., 6., 4.],
           [0., 6., 8.]])
    >>> bool(np.array_equal(r[0, 0], convolve2d(dy[0, 0], W[0, 0], "full")))
    True
    """
    dy = _as_float_array(dy, "dy", 4)
    W = _as_float_array(W, "W", 4)
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f"input_shape must be (N, C_in, H, W), got {input_shape}")
    N, C_in, H, Wd = input_shape
    C_out, C_in_w, kh, kw = W.shape
    if C_in_w != C_in:
        raise ValueError(f"W has {C_in_w} input channels, but input_shape {input_shape} has {C_in}")
    (sh, sw), (ph, pw) = _pair(stride, "stride"), _pair(padding, "padding")
    expected = (N, C_out, output_size(H, kh, ph, sh), output_size(Wd, kw, pw, sw))
    if dy.shape != expected:
        raise ValueError(
            f"dy must have shape {expected} for input_shape {input_shape} and W of shape "
            f"{W.shape}, got {dy.shape}"
        )
    dtype = np.result_type(dy, W)
    delta = dy.transpose(1, 0, 2, 3).reshape(C_out, -1)  # (C_out, N H_out W_out)
    cols = W.reshape(C_out, -1).astype(dtype, copy=False).T @ delta.astype(dtype, copy=False)
    return col2im(cols, input_shape, (kh, kw), (sh, sw), (ph, pw))


def unpool_fill(y: np.ndarray, input_shape: tuple, kernel_size, stride=None) -> np.ndarray:
    """Undo a max pooling by copying each pooled value into its whole window.

    The shortcut of the source, which set "the whole 2x2 square equal to the
    maximum activation" instead of recording switches. Where windows overlap
    their values add up; pixels that no window covers get 0.

    Parameters
    ----------
    y : ndarray, shape (N, C, H_out, W_out)
    input_shape : tuple (N, C, H, W)
        Shape of the pooling's input.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``, as in :class:`~cnnbook.layers.MaxPool2D`.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Notes
    -----
    This is the backward pass of *sum* pooling, not of max pooling: the
    reconstruction spreads each value over pixels that did not produce it.
    ``cnnbook.layers.unpool`` puts it back where the maximum came from.

    Examples
    --------
    >>> import numpy as np
    >>> unpool_fill(np.array([[[[4., 5.], [6., 1.]]]]), (1, 1, 4, 4), 2)[0, 0]
    array([[4., 4., 5., 5.],
           [4., 4., 5., 5.],
           [6., 6., 1., 1.],
           [6., 6., 1., 1.]])
    """
    y = _as_float_array(y, "y", 4)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")
    input_shape = tuple(int(s) for s in input_shape)
    if len(input_shape) != 4:
        raise ValueError(f"input_shape must be (N, C, H, W), got {input_shape}")
    N, C, H, W = input_shape
    expected = (N, C, output_size(H, kh, 0, sh), output_size(W, kw, 0, sw))
    if y.shape != expected:
        raise ValueError(
            f"y must have shape {expected} to unpool onto {input_shape} with kernel "
            f"{(kh, kw)} and stride {(sh, sw)}, got {y.shape}"
        )
    H_out, W_out = expected[2:]
    x = np.zeros(input_shape, y.dtype)
    for p in range(kh):
        for q in range(kw):
            x[:, :, p : p + sh * H_out : sh, q : q + sw * W_out : sw] += y
    return x


# ----------------------------------------------------------------------------
# Forward on detached copies, then backward with a rule
# ----------------------------------------------------------------------------
def _check_choice(value, choices: tuple, name: str) -> None:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_net(net) -> None:
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a cnnbook Sequential, got {type(net).__name__}")


def _layer_index(net: Sequential, layer, name: str = "layer") -> int:
    """A layer index in ``[0, L)``; negative indices count from the end, as in Python."""
    L = len(net.layers)
    if not isinstance(layer, (int, np.integer)) or isinstance(layer, bool) or not -L <= layer < L:
        raise ValueError(
            f"{name} must be a layer index in [0, {L - 1}] (or [-{L}, -1] from the end), "
            f"got {layer!r}"
        )
    return int(layer) % L


def _detached(layer: Layer) -> Layer:
    """A shallow copy of ``layer`` in eval mode that shares its parameters but not its state.

    Rebinding attributes (the caches a forward pass records, ``grads``) then
    touches the copy only. The one piece of state a forward pass changes in
    place, a convolution's scratch ``_workspace``, gets a fresh dictionary;
    batch-norm statistics and dropout's generator are only changed in training
    mode, which the copy is not in.
    """
    clone = copy.copy(layer)
    clone.training = False
    clone.grads = {}
    if isinstance(getattr(clone, "_workspace", None), dict):
        clone._workspace = {}
    return clone


def _forward(net: Sequential, x: np.ndarray, upto: int) -> tuple[list, list, np.ndarray]:
    """Run layers ``0 … upto`` on detached copies; return the copies, their input shapes, the output."""
    clones, shapes = [], []
    a = x
    for layer in net.layers[: upto + 1]:
        clone = _detached(layer)
        shapes.append(a.shape)
        a = clone.forward(a)
        clones.append(clone)
    return clones, shapes, a


def _backward(clones: list, shapes: list, r: np.ndarray, rule: str, pooling: str, stop: int):
    """Send ``r`` from the output of ``clones[-1]`` to the input of ``clones[stop]``."""
    for i in range(len(clones) - 1, stop - 1, -1):
        layer = clones[i]
        if isinstance(layer, Conv2D):
            r = conv_transpose(r, layer.params["W"], shapes[i], layer.stride, layer.padding)
        elif isinstance(layer, ReLU):
            r = relu_backward(r, layer.mask, rule)
        elif isinstance(layer, MaxPool2D):
            if pooling == "switches":
                r = unpool(r, layer.switches, shapes[i])
            else:
                r = unpool_fill(r, shapes[i], layer.kernel_size, layer.stride)
        else:  # Flatten, Dense, BatchNorm2D (eval), Sigmoid, Tanh, Dropout (eval), ...
            r = layer.backward(r)
    return r


def _check_input(net: Sequential, x) -> np.ndarray:
    return net._check_input(x)


def activations(net: Sequential, x: np.ndarray, layer: int, batch_size: int = 256) -> np.ndarray:
    """The output of layer ``layer`` for the batch ``x``, in evaluation mode.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, ...)
        Cast to the network's dtype.
    layer : int
        Index into ``net.layers``; negative counts from the end.
    batch_size : int
        Images per forward pass, to bound memory on large batches.

    Returns
    -------
    ndarray
        ``net.layers[layer]``'s output, e.g. shape ``(N, C, H_l, W_l)``. The
        network's own caches and modes are left untouched.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import ReLU, MaxPool2D
    >>> net = Sequential(ReLU(), MaxPool2D(2))
    >>> x = np.array([[[[-1., 2.], [3., -4.]]]])
    >>> activations(net, x, 0)[0, 0]
    array([[0., 2.],
           [3., 0.]])
    >>> activations(net, x, 1)[0, 0]
    array([[3.]])
    """
    _check_net(net)
    layer = _layer_index(net, layer)
    x = _check_input(net, x)
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    outs = [_forward(net, x[i : i + batch_size], layer)[2] for i in range(0, len(x), batch_size)]
    return np.concatenate(outs)


def backward_pass(
    net: Sequential,
    x: np.ndarray,
    seed: np.ndarray,
    rule: str = "backprop",
    layer: int | None = None,
    stop: int = 0,
    pooling: str = "switches",
) -> np.ndarray:
    """Send a signal from a layer's output back to the input, with a ReLU rule.

    The network first runs forward on ``x`` in evaluation mode up to layer
    ``layer``, recording the ReLU masks and pooling switches. Then ``seed``
    travels backward, layer by layer:

    * :class:`~cnnbook.layers.Conv2D`: transposed filters (:func:`conv_transpose`,
      the layer's input gradient; no weight gradient is formed);
    * :class:`~cnnbook.layers.ReLU`: the rule (:func:`relu_backward`);
    * :class:`~cnnbook.layers.MaxPool2D`: unpooling through the recorded
      switches (``cnnbook.layers.unpool``), or :func:`unpool_fill`;
    * every other layer (Flatten, Dense, BatchNorm2D in eval mode, Sigmoid,
      Tanh, Dropout in eval mode): its ordinary backward pass.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, ...)
        Input batch, cast to the network's dtype.
    seed : ndarray
        The signal placed at the output of layer ``layer``; same shape as that
        output. A one-hot row at a logit gives that logit's gradient.
    rule : {"backprop", "deconvnet", "guided"}
        What a ReLU does to the signal: see :func:`relu_backward`.
    layer : int, optional
        Index of the layer whose output receives ``seed``; default the last
        layer. Negative indices count from the end.
    stop : int, optional
        Index of the layer whose *input* the signal is returned at; default 0,
        pixel space. Must not exceed ``layer``.
    pooling : {"switches", "fill"}
        How to undo a max pooling: route each value to the recorded position
        of the maximum (Zeiler and Fergus; the gradient), or copy it over the
        whole window (the source's shortcut, :func:`unpool_fill`).

    Returns
    -------
    ndarray
        The signal at the input of layer ``stop``; shape ``x.shape`` when
        ``stop == 0``.

    Notes
    -----
    With ``rule="backprop"`` and ``pooling="switches"`` the result is the true
    gradient :math:`\\partial \\langle f_\\ell(x), s\\rangle / \\partial x`
    of the layer output :math:`f_\\ell` projected on the seed :math:`s`. The
    other two rules change only the ReLU step (Springenberg et al., 2014):

    .. math::
        r^{\\text{in}} =
        \\begin{cases}
        r^{\\text{out}} \\odot [z > 0] & \\text{backprop} \\\\
        \\max(r^{\\text{out}}, 0) & \\text{deconvnet (Zeiler and Fergus, 2014)} \\\\
        \\max(r^{\\text{out}}, 0) \\odot [z > 0] & \\text{guided backpropagation}
        \\end{cases}

    so on a network without ReLUs the three rules give the same numbers.
    Biases never enter the backward pass.

    The network is not disturbed: the forward pass runs on shallow copies of
    the layers in evaluation mode, so each layer's caches, ``grads``,
    ``training`` flag and running statistics are as they were. Dense and
    BatchNorm2D form their (cheap) parameter gradients on those throwaway
    copies; convolutions form none.

    Examples
    --------
    A network that is a single ReLU shows the three rules. The forward input
    is ``(-1, 2, 3)``, the signal ``(5, 5, -4)``: the deconvnet passes the
    negative signal as 0 even where the unit was active, backprop passes it
    where the forward input was positive, and guided backpropagation zeroes
    both:

    >>> import numpy as np
    >>> from cnnbook.layers import ReLU
    >>> net = Sequential(ReLU())
    >>> x, seed = np.array([[-1., 2., 3.]]), np.array([[5., 5., -4.]])
    >>> backward_pass(net, x, seed, rule="backprop")
    array([[ 0.,  5., -4.]])
    >>> backward_pass(net, x, seed, rule="deconvnet")
    array([[5., 5., 0.]])
    >>> backward_pass(net, x, seed, rule="guided")
    array([[0., 5., 0.]])

    Max pooling undone through the switches, or by filling the window:

    >>> from cnnbook.layers import MaxPool2D
    >>> pool = Sequential(MaxPool2D(2))
    >>> x = np.array([[[[1., 2.], [4., 3.]]]])
    >>> backward_pass(pool, x, np.ones((1, 1, 1, 1)))[0, 0]
    array([[0., 0.],
           [1., 0.]])
    >>> backward_pass(pool, x, np.ones((1, 1, 1, 1)), pooling="fill")[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    _check_net(net)
    _check_choice(rule, RULES, "rule")
    _check_choice(pooling, POOLINGS, "pooling")
    start = len(net.layers) - 1 if layer is None else _layer_index(net, layer)
    stop = _layer_index(net, stop, "stop")
    if stop > start:
        raise ValueError(f"stop must not exceed layer: got stop={stop}, layer={start}")
    x = _check_input(net, x)
    clones, shapes, out = _forward(net, x, start)
    seed = _as_float_array(seed, "seed")
    if seed.shape != out.shape:
        raise ValueError(
            f"seed must have the shape of layer {start}'s output ({clones[start]!r}), "
            f"{out.shape}, got {seed.shape}"
        )
    return _backward(clones, shapes, seed.astype(out.dtype, copy=False), rule, pooling, stop)


# ----------------------------------------------------------------------------
# Zeiler and Fergus's projections
# ----------------------------------------------------------------------------
def _check_feature_maps(a: np.ndarray, layer: int, net: Sequential) -> None:
    if a.ndim != 4:
        raise ValueError(
            f"layer {layer} ({net.layers[layer]!r}) outputs shape {a.shape}, not feature maps "
            "(N, C, H, W): choose a layer of a convolutional block"
        )


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
    one), and send what is left back to the input with :func:`backward_pass`.

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
        See :func:`backward_pass`.
    rule : {"deconvnet", "backprop", "guided"}
        See :func:`relu_backward`; the deconvnet by default.

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
    _check_net(net)
    layer = _layer_index(net, layer)
    single = np.ndim(x) == 3
    x = _check_input(net, np.asarray(x)[None] if single else x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C_in, H, W) or (C_in, H, W), got {x.shape}")
    _check_choice(rule, RULES, "rule")
    _check_choice(pooling, POOLINGS, "pooling")
    clones, shapes, a = _forward(net, x, layer)
    _check_feature_maps(a, layer, net)
    feature = _check_feature(feature, a.shape[1])
    r = _backward(clones, shapes, _isolate(a, feature, unit), rule, pooling, 0)
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
    _check_net(net)
    layer = _layer_index(net, layer)
    x = np.asarray(x)
    if x.ndim == 4 and x.shape[0] == 1:
        x = x[0]
    if x.ndim != 3:
        raise ValueError(
            f"x must be one image, shape (C_in, H, W) or (1, C_in, H, W), got {x.shape}"
        )
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    _check_choice(rule, RULES, "rule")
    _check_choice(pooling, POOLINGS, "pooling")
    x = _check_input(net, x[None])
    a = _forward(net, x, layer)[2]
    _check_feature_maps(a, layer, net)
    C = a.shape[1]
    out = []
    for k0 in range(0, C, batch_size):
        ks = np.arange(k0, min(C, k0 + batch_size))
        clones, shapes, a = _forward(net, np.repeat(x, len(ks), axis=0), layer)
        seed = np.zeros_like(a)
        for row, k in enumerate(ks):  # row `row` sends back feature k alone
            seed[row] = _isolate(a[row : row + 1], int(k), unit)[0]
        out.append(_backward(clones, shapes, seed, rule, pooling, 0))
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
