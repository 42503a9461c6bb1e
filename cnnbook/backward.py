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
parameter, and :class:`Trace`, the recorded forward pass it sends signals
back through. :mod:`cnnbook.deconvnet` builds Zeiler and Fergus's
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

from .checks import choice, float_array, pair, positive_int, shape
from .conv import output_size
from .conv_fast import conv2d_transpose
from .layers import Conv2D, Layer, ReLU
from .network import Sequential
from .pooling import MaxPool2D, unpool

__all__ = [
    "POOLINGS",
    "RULES",
    "Trace",
    "activations",
    "backward_pass",
    "check_net",
    "layer_index",
    "relu_backward",
    "unpool_fill",
]

RULES = ("backprop", "deconvnet", "guided")
"""The ReLU rules of :func:`backward_pass`."""

POOLINGS = ("switches", "fill")
"""The ways :func:`backward_pass` can undo a max pooling."""


# ----------------------------------------------------------------------------
# The two backward steps that are not a layer's ordinary backward pass
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
    choice(rule, RULES, "rule")
    signal = float_array(signal, "signal")
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
        Defaults to ``kernel_size``, as in :class:`~cnnbook.pooling.MaxPool2D`.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Notes
    -----
    This is the backward pass of *sum* pooling, not of max pooling: the
    reconstruction spreads each value over pixels that did not produce it.
    ``cnnbook.pooling.unpool`` puts it back where the maximum came from.

    Examples
    --------
    >>> import numpy as np
    >>> unpool_fill(np.array([[[[4., 5.], [6., 1.]]]]), (1, 1, 4, 4), 2)[0, 0]
    array([[4., 4., 5., 5.],
           [4., 4., 5., 5.],
           [6., 6., 1., 1.],
           [6., 6., 1., 1.]])
    """
    y = float_array(y, "y", 4)
    kh, kw = pair(kernel_size, "kernel_size", low=1)
    sh, sw = (kh, kw) if stride is None else pair(stride, "stride", low=1)
    N, C, H, W = input_shape = shape(input_shape, "input_shape", 4)
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
# A forward pass recorded on detached copies, and signals sent back through it
# ----------------------------------------------------------------------------
def check_net(net) -> None:
    """Raise a TypeError unless ``net`` is a :class:`~cnnbook.network.Sequential`."""
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a cnnbook Sequential, got {type(net).__name__}")


def layer_index(net: Sequential, layer, name: str = "layer") -> int:
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


class Trace:
    """A forward pass recorded on detached copies of a network's layers.

    Running the forward pass once and sending any number of signals back
    through it is what every method built on this module does: a saliency map
    picks its seed from the recorded logits, a projection from the recorded
    feature maps.

    Parameters
    ----------
    net : Sequential
    x : ndarray, shape (N, ...)
        Input batch, cast to the network's dtype.
    layer : int, optional
        Run layers ``0 … layer``; default all of them. Negative indices count
        from the end.

    Attributes
    ----------
    output : ndarray
        The output of layer ``layer``.
    layer : int
        The index of that layer, in ``[0, L)``.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import ReLU
    >>> trace = Trace(Sequential(ReLU()), np.array([[-1., 2.]]))
    >>> trace.output
    array([[0., 2.]])
    >>> trace.backward(np.array([[3., -3.]]), rule="deconvnet")
    array([[3., 0.]])
    """

    def __init__(self, net: Sequential, x: np.ndarray, layer: int | None = None) -> None:
        check_net(net)
        self.net = net
        self.layer = len(net.layers) - 1 if layer is None else layer_index(net, layer)
        self.layers, self.input_shapes = [], []
        a = net.check_input(x)
        for layer_ in net.layers[: self.layer + 1]:
            clone = _detached(layer_)
            self.input_shapes.append(a.shape)
            a = clone.forward(a)
            self.layers.append(clone)
        self.output = a

    def backward(
        self, seed: np.ndarray, rule: str = "backprop", pooling: str = "switches", stop: int = 0
    ) -> np.ndarray:
        """Send ``seed`` from the recorded output back to the input of layer ``stop``.

        ``rule``, ``pooling`` and ``stop`` are as in :func:`backward_pass`.
        """
        choice(rule, RULES, "rule")
        choice(pooling, POOLINGS, "pooling")
        stop = layer_index(self.net, stop, "stop")
        if stop > self.layer:
            raise ValueError(f"stop must not exceed layer: got stop={stop}, layer={self.layer}")
        r = float_array(seed, "seed")
        if r.shape != self.output.shape:
            raise ValueError(
                f"seed must have the shape of layer {self.layer}'s output "
                f"({self.layers[self.layer]!r}), {self.output.shape}, got {r.shape}"
            )
        r = r.astype(self.output.dtype, copy=False)
        for i in range(self.layer, stop - 1, -1):
            layer, input_shape = self.layers[i], self.input_shapes[i]
            if isinstance(layer, Conv2D):
                W = layer.params["W"]
                r = conv2d_transpose(r, W, input_shape, layer.stride, layer.padding)
            elif isinstance(layer, ReLU):
                r = relu_backward(r, layer.mask, rule)
            elif isinstance(layer, MaxPool2D) and pooling == "switches":
                r = unpool(r, layer.switches, input_shape)
            elif isinstance(layer, MaxPool2D):
                r = unpool_fill(r, input_shape, layer.kernel_size, layer.stride)
            else:  # Flatten, Dense, BatchNorm2D (eval), Sigmoid, Tanh, Dropout (eval), ...
                r = layer.backward(r)
        return r


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
    >>> from cnnbook.layers import ReLU
    >>> from cnnbook.pooling import MaxPool2D
    >>> net = Sequential(ReLU(), MaxPool2D(2))
    >>> x = np.array([[[[-1., 2.], [3., -4.]]]])
    >>> activations(net, x, 0)[0, 0]
    array([[0., 2.],
           [3., 0.]])
    >>> activations(net, x, 1)[0, 0]
    array([[3.]])
    """
    check_net(net)
    layer = layer_index(net, layer)
    x = net.check_input(x)
    batch_size = positive_int(batch_size, "batch_size")
    outs = [Trace(net, x[i : i + batch_size], layer).output for i in range(0, len(x), batch_size)]
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

    * :class:`~cnnbook.layers.Conv2D`: transposed filters (:func:`~cnnbook.conv_fast.conv2d_transpose`,
      the layer's input gradient; no weight gradient is formed);
    * :class:`~cnnbook.layers.ReLU`: the rule (:func:`relu_backward`);
    * :class:`~cnnbook.pooling.MaxPool2D`: unpooling through the recorded
      switches (:func:`~cnnbook.pooling.unpool`), or :func:`unpool_fill`;
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

    >>> from cnnbook.pooling import MaxPool2D
    >>> pool = Sequential(MaxPool2D(2))
    >>> x = np.array([[[[1., 2.], [4., 3.]]]])
    >>> backward_pass(pool, x, np.ones((1, 1, 1, 1)))[0, 0]
    array([[0., 0.],
           [1., 0.]])
    >>> backward_pass(pool, x, np.ones((1, 1, 1, 1)), pooling="fill")[0, 0]
    array([[1., 1.],
           [1., 1.]])
    """
    return Trace(net, x, layer).backward(seed, rule, pooling, stop)
