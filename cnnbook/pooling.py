"""Max pooling with switches, unpooling through them, and average pooling.

:class:`MaxPool2D` keeps, for every output, the position of the input pixel
that won the max: its *switch*. The backward pass routes the gradient to that
pixel alone, and the deconvnet (:mod:`cnnbook.deconvnet`) unpools a signal
through the same switches with :func:`unpool`. :class:`AvgPool2D` keeps the
mean of each window instead, and spreads the gradient evenly over it.
"""

from __future__ import annotations

import numpy as np

from .checks import float_array, not_too_large, pair, shape
from .conv import output_size
from .layers import Layer

__all__ = ["AvgPool2D", "MaxPool2D", "Pool2D", "unpool"]


class Pool2D(Layer):
    """What every pooling layer has: a window, a stride, and the output size they give.

    Parameters
    ----------
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size`` (non-overlapping windows).

    Examples
    --------
    >>> MaxPool2D(2).pooled_size((1, 1, 4, 6))
    (2, 3)
    """

    def __init__(self, kernel_size, stride=None) -> None:
        super().__init__()
        self.kernel_size = pair(kernel_size, "kernel_size", low=1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", low=1)
        self._cache = None

    def pooled_size(self, x_shape: tuple) -> tuple[int, int]:
        """``(H_out, W_out)`` on input shape ``x_shape``, or a clear ValueError."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        try:
            return output_size(x_shape[2], kh, 0, sh), output_size(x_shape[3], kw, 0, sw)
        except ValueError as err:
            raise ValueError(
                f"{type(self).__name__}{self.kernel_size} cannot pool x of shape {x_shape}: {err}"
            ) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride})"


class MaxPool2D(Pool2D):
    """Max pooling that records its *switches*, the positions of the maxima.

    Parameters
    ----------
    kernel_size, stride
        As in :class:`Pool2D`.

    Attributes
    ----------
    switches : ndarray of int, shape (N, C, H_out, W_out)
        For each output, the flat index ``row * W + col`` of the input pixel
        that won the max in its window. The backward pass routes the gradient
        there, and the deconvnet unpools through the same switches.

    Notes
    -----
    .. math:: y_{n,c,i,j} = \\max_{(p,q)} x_{n,c,iS+p,jS+q},\\qquad
              \\partial C/\\partial x = \\text{unpool}(\\partial C/\\partial y;\\ \\text{switches})

    Ties go to the first maximum in row-major order, as :func:`numpy.argmax`.

    Examples
    --------
    >>> import numpy as np
    >>> pool = MaxPool2D(2)
    >>> x = np.array([[[[1., 2., 0., 0.],
    ...                 [4., 3., 0., 5.],
    ...                 [0., 0., 1., 1.],
    ...                 [0., 6., 1., 1.]]]])
    >>> pool.forward(x)[0, 0]
    array([[4., 5.],
           [6., 1.]])
    >>> pool.switches[0, 0]
    array([[ 4,  7],
           [13, 10]])
    >>> pool.backward(np.ones((1, 1, 2, 2)))[0, 0]
    array([[0., 0., 0., 0.],
           [1., 0., 0., 1.],
           [0., 0., 1., 0.],
           [0., 1., 0., 0.]])
    """

    def __init__(self, kernel_size, stride=None) -> None:
        super().__init__(kernel_size, stride)
        self._arg = None
        self._switches = None

    def forward(self, x):
        x = self.expect_input(x, "MaxPool2D", "N", "C", "H", "W")
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        H_out, W_out = self.pooled_size(x.shape)
        # One pass per kernel tap (p, q): keep the larger value and remember the tap.
        y = x[:, :, : sh * H_out : sh, : sw * W_out : sw].copy()
        arg = np.zeros(y.shape, np.int32)
        for t in range(1, kh * kw):
            p, q = divmod(t, kw)
            v = x[:, :, p : p + sh * H_out : sh, q : q + sw * W_out : sw]
            better = v > y  # strict: ties keep the first tap, as argmax does
            np.maximum(y, v, out=y)
            arg += better * (np.int32(t) - arg)  # arithmetic beats np.where here
        self._arg = arg
        self._switches = None
        self._cache = x.shape
        return y

    @property
    def switches(self):
        """Flat index ``row * W + col`` of each window's maximum, shape (N, C, H_out, W_out)."""
        if self._cache is None:
            return None
        if self._switches is None:
            W = self._cache[3]
            (sh, sw), kw = self.stride, self.kernel_size[1]
            p, q = np.divmod(self._arg, kw)
            H_out, W_out = self._arg.shape[2:]
            rows = np.arange(H_out)[:, None] * sh + p
            cols = np.arange(W_out)[None, :] * sw + q
            self._switches = rows * W + cols
        return self._switches

    def backward(self, dy):
        shape = self._cache
        dy = self._check_grad(dy, self._arg.shape if shape else (), "MaxPool2D")
        # Route each gradient to the tap that won: the unpooling of Zeiler & Fergus.
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        H_out, W_out = dy.shape[2:]
        dx = np.zeros(shape, dy.dtype)
        for t in range(kh * kw):
            p, q = divmod(t, kw)
            dx[:, :, p : p + sh * H_out : sh, q : q + sw * W_out : sw] += dy * (self._arg == t)
        return dx


def unpool(y: np.ndarray, switches: np.ndarray, input_shape: tuple) -> np.ndarray:
    """Place each value of ``y`` at its switch position; zeros elsewhere.

    Where overlapping windows share a winner, their values add up, which is
    what the chain rule asks of a max-pooling backward pass.

    Parameters
    ----------
    y : ndarray, shape (N, C, H_out, W_out)
    switches : ndarray of int, shape (N, C, H_out, W_out)
        Flat indices into each ``H × W`` plane, from :class:`MaxPool2D`.
    input_shape : tuple (N, C, H, W)

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> unpool(np.array([[[[7.]]]]), np.array([[[[3]]]]), (1, 1, 2, 2))[0, 0]
    array([[0., 0.],
           [0., 7.]])
    """
    N, C, H, W = input_shape = not_too_large(
        shape(input_shape, "input_shape", 4), "the unpooled array"
    )
    y = float_array(y, "y", 4)
    switches = np.asarray(switches)
    if y.shape != switches.shape:
        raise ValueError(f"y has shape {y.shape} but switches have shape {switches.shape}")
    if y.shape[:2] != (N, C):
        raise ValueError(f"y has shape {y.shape}, which does not match input_shape {input_shape}")
    if not np.issubdtype(switches.dtype, np.integer) or (
        switches.size and (switches.min() < 0 or switches.max() >= H * W)
    ):
        raise ValueError(f"switches must be integer indices in [0, {H * W}) for {H}×{W} planes")
    plane = (np.arange(N * C) * (H * W)).reshape(N, C, 1, 1)
    flat = np.bincount((switches + plane).ravel(), weights=y.ravel(), minlength=N * C * H * W)
    return flat.reshape(input_shape).astype(y.dtype, copy=False)


class AvgPool2D(Pool2D):
    """Average pooling: each output is the mean of its window.

    Parameters
    ----------
    kernel_size, stride
        As in :class:`Pool2D`.

    Notes
    -----
    With :math:`K = K_h K_w` taps per window, every tap gets the same share of
    the gradient of every window it belongs to:

    .. math:: y_{n,c,i,j} = \\frac{1}{K} \\sum_{(p,q)} x_{n,c,iS+p,jS+q},\\qquad
              \\frac{\\partial C}{\\partial x_{n,c,u,v}} = \\frac{1}{K}
              \\sum_{(i,j):\\ (u,v) \\in \\text{window}(i,j)}
              \\frac{\\partial C}{\\partial y_{n,c,i,j}}

    It is a convolution of each channel with a constant kernel of value
    :math:`1/K` (the tests check it against :func:`scipy.signal.correlate2d`).

    Examples
    --------
    >>> import numpy as np
    >>> pool = AvgPool2D(2)
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> pool.forward(x)[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]])
    >>> pool.backward(np.array([[[[4.0, 0.0], [0.0, 8.0]]]]))[0, 0]
    array([[1., 1., 0., 0.],
           [1., 1., 0., 0.],
           [0., 0., 2., 2.],
           [0., 0., 2., 2.]])
    """

    def _taps(self, out_shape):
        """The strided view of each tap (p, q): a slice of x per output position."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        H_out, W_out = out_shape
        for p in range(kh):
            for q in range(kw):
                yield (slice(None), slice(None), slice(p, p + sh * H_out, sh),
                       slice(q, q + sw * W_out, sw))  # fmt: skip

    def forward(self, x):
        x = self.expect_input(x, "AvgPool2D", "N", "C", "H", "W")
        out = self.pooled_size(x.shape)
        y = np.zeros((*x.shape[:2], *out), x.dtype)
        for tap in self._taps(out):
            y += x[tap]
        self._cache = (x.shape, out)
        return y / (self.kernel_size[0] * self.kernel_size[1])

    def backward(self, dy):
        shape, out = self._cache if self._cache else ((), ())
        dy = self._check_grad(dy, (*shape[:2], *out), "AvgPool2D")
        share = dy / (self.kernel_size[0] * self.kernel_size[1])
        dx = np.zeros(shape, dy.dtype)
        for tap in self._taps(out):
            dx[tap] += share
        return dx
