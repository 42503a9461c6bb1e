"""Layers with a forward and a backward pass, in NCHW layout.

Every layer has

* ``forward(x) -> y``, which caches exactly what the backward pass needs;
* ``backward(dy) -> dx``, which returns ``∂C/∂x`` given ``dy = ∂C/∂y`` and fills
  ``self.grads`` with the same keys as ``self.params``;
* ``params`` and ``grads`` dictionaries (keys ``"W"``, ``"b"``, ``"gamma"``,
  ``"beta"``), and a ``training`` flag that :class:`Dropout` and
  :class:`~cnnbook.batchnorm.BatchNorm2D` read.

This module holds the base class, the convolution, the activations and the
dense layers; max pooling lives in :mod:`cnnbook.pooling` and batch
normalisation in :mod:`cnnbook.batchnorm`.

Names follow PyTorch's, so a reader can carry the code over. Layers compute in
the dtype of their parameters and input: float64 for gradient checks, float32
for fast training.
"""

from __future__ import annotations

import numpy as np

from .checks import float_array, float_dtype, generator, number, pair, positive_int
from .conv import output_size
from .conv_fast import conv2d_backward, conv2d_forward

__all__ = [
    "Conv2D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "ReLU",
    "Sigmoid",
    "Tanh",
]


class Layer:
    """Base class: no parameters, identity forward and backward.

    Attributes
    ----------
    params : dict[str, ndarray]
        Learnable arrays, updated in place by the optimisers.
    grads : dict[str, ndarray]
        ``∂C/∂param`` for each key of ``params``, set by ``backward``.
    training : bool
        True in training mode, False in evaluation mode.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.training = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        return dy

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def train(self, mode: bool = True) -> Layer:
        self.training = bool(mode)
        return self

    def eval(self) -> Layer:
        return self.train(False)

    def astype(self, dtype) -> Layer:
        """Cast parameters and buffers to ``dtype`` (float32 or float64), in place."""
        dtype = float_dtype(dtype)
        for store in (self.params, self.buffers):
            for k, v in store.items():
                store[k] = v.astype(dtype)
        self.grads = {}
        return self

    def expect_input(self, x, who: str, *axes) -> np.ndarray:
        """Return ``x`` as a float array of shape ``axes``, or raise a ValueError.

        An int in ``axes`` must match that axis exactly; a name (``"N"``,
        ``"H"``) only stands for an axis of any length.
        """
        x = float_array(x, "x")
        if x.ndim != len(axes) or any(
            isinstance(a, int) and a != n for a, n in zip(axes, x.shape, strict=True)
        ):
            raise ValueError(
                f"{who} expects x of shape ({', '.join(map(str, axes))}), got shape {x.shape}"
            )
        return x

    def _check_grad(self, dy: np.ndarray, shape: tuple, name: str) -> np.ndarray:
        if not hasattr(self, "_cache") or self._cache is None:
            raise RuntimeError(f"{name}.backward called before forward")
        dy = float_array(dy, "dy")
        if dy.shape != tuple(shape):
            raise ValueError(f"{name}.backward: dy must have shape {tuple(shape)}, got {dy.shape}")
        return dy

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ----------------------------------------------------------------------------
# Convolution
# ----------------------------------------------------------------------------
class Conv2D(Layer):
    """2-D convolution (cross-correlation, as in every framework) over NCHW input.

    Parameters
    ----------
    in_channels : int
        ``C_in``.
    out_channels : int
        ``C_out``, the number of filters.
    kernel_size : int or (int, int)
        ``(K_h, K_w)``.
    stride : int or (int, int), optional
    padding : int or (int, int), optional
        Zeros added on each side of the input.
    rng : int or numpy.random.Generator, optional
        Seed for He initialisation, ``W ~ N(0, 2 / (C_in K_h K_w))``; ``b = 0``.
    dtype : float32 or float64, optional

    Attributes
    ----------
    params : dict
        ``"W"``, shape ``(C_out, C_in, K_h, K_w)``; ``"b"``, shape ``(C_out,)``.
    input_grad : bool
        When False, ``backward`` skips ``dx`` and returns None (set by
        :meth:`cnnbook.network.Sequential.fit` on the first layer).

    Notes
    -----
    Forward and backward, with :math:`\\tilde x` the padded input and
    :math:`\\delta` the upstream gradient:

    .. math::
        z_{n,o,i,j} &= b_o + \\sum_{c,p,q} W_{o,c,p,q}\\,\\tilde x_{n,c,iS+p,jS+q} \\\\
        \\partial C/\\partial W_{o,c} &= \\sum_n \\tilde x_{n,c} \\star \\delta_{n,o} \\\\
        \\partial C/\\partial \\tilde x_{n,c} &= \\sum_o \\delta_{n,o} * W_{o,c}
        \\quad\\text{(full convolution)}

    See the chapter "The derivation" for where each line comes from.

    Examples
    --------
    >>> import numpy as np
    >>> conv = Conv2D(1, 1, 2)
    >>> conv.params["W"][...] = [[[[1., 0.], [0., -1.]]]]
    >>> conv.forward(np.arange(1., 10.).reshape(1, 1, 3, 3))[0, 0]
    array([[-4., -4.],
           [-4., -4.]])
    >>> conv.backward(np.ones((1, 1, 2, 2)))[0, 0]
    array([[ 1.,  1.,  0.],
           [ 1.,  0., -1.],
           [ 0., -1., -1.]])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        *,
        rng=None,
        dtype=np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size", low=1)
        self.stride = pair(stride, "stride", low=1)
        self.padding = pair(padding, "padding", low=0)
        dtype = float_dtype(dtype)
        kh, kw = self.kernel_size
        fan_in = in_channels * kh * kw
        W = generator(rng).normal(0.0, np.sqrt(2.0 / fan_in), (out_channels, in_channels, kh, kw))
        self.params = {"W": W.astype(dtype), "b": np.zeros(out_channels, dtype)}
        self.input_grad = True
        self._cache = None
        self._workspace: dict = {}  # scratch buffers reused from batch to batch

    def output_shape(self, input_shape: tuple) -> tuple:
        """Shape of ``forward(x)`` for ``x.shape == input_shape``."""
        N, _, H, W = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (N, self.out_channels, output_size(H, kh, ph, sh), output_size(W, kw, pw, sw))

    def forward(self, x):
        x = self.expect_input(x, "Conv2D", "N", "C_in", "H", "W")
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2D({self.in_channels}, {self.out_channels}) expects "
                f"C_in={self.in_channels} channels, got x of shape {x.shape}"
            )
        z, cols = conv2d_forward(
            x,
            self.params["W"],
            self.params["b"],
            self.stride,
            self.padding,
            return_cols=True,
            workspace=self._workspace,
        )
        self._cache = (x, cols)
        return z

    def backward(self, dy):
        x, cols = self._cache if self._cache is not None else (None, None)
        dy = self._check_grad(dy, self.output_shape(x.shape) if x is not None else (), "Conv2D")
        dx, dW, db = conv2d_backward(
            dy,
            x,
            self.params["W"],
            self.stride,
            self.padding,
            cols=cols,
            input_grad=self.input_grad,
            workspace=self._workspace,
        )
        self.grads = {"W": dW, "b": db}
        return dx

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding})"
        )


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------
class ReLU(Layer):
    """Rectified linear unit, ``a = max(z, 0)``.

    Notes
    -----
    .. math:: \\partial C/\\partial z = \\partial C/\\partial a \\odot [z > 0]

    The mask ``[z > 0]`` is recorded as ``self.mask``; the deconvnet and
    guided backprop of :mod:`cnnbook.deconvnet` reuse it.

    Examples
    --------
    >>> import numpy as np
    >>> relu = ReLU()
    >>> relu.forward(np.array([-2., 0., 3.]))
    array([0., 0., 3.])
    >>> relu.backward(np.array([5., 5., 5.]))
    array([0., 0., 5.])
    """

    def __init__(self) -> None:
        super().__init__()
        self._cache = None
        self.mask = None

    def forward(self, x):
        x = float_array(x, "x")
        self.mask = x > 0
        self._cache = x.shape
        return np.maximum(x, x.dtype.type(0))

    def backward(self, dy):
        dy = self._check_grad(dy, self._cache or (), "ReLU")
        return dy * self.mask


class Sigmoid(Layer):
    """Logistic sigmoid, ``a = 1 / (1 + exp(-z))``, computed without overflow.

    Notes
    -----
    .. math:: \\sigma'(z) = \\sigma(z)\\,(1 - \\sigma(z))

    Examples
    --------
    >>> import numpy as np
    >>> s = Sigmoid()
    >>> s.forward(np.array([0., -1000., 1000.]))
    array([0.5, 0. , 1. ])
    >>> s.backward(np.ones(3))
    array([0.25, 0.  , 0.  ])
    """

    def __init__(self) -> None:
        super().__init__()
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        e = np.exp(-np.abs(x))  # never overflows
        a = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        self._cache = a
        return a

    def backward(self, dy):
        a = self._cache
        dy = self._check_grad(dy, a.shape if a is not None else (), "Sigmoid")
        return dy * a * (1 - a)


class Tanh(Layer):
    """Hyperbolic tangent.

    Notes
    -----
    .. math:: \\tanh'(z) = 1 - \\tanh^2(z)

    Examples
    --------
    >>> import numpy as np
    >>> t = Tanh()
    >>> t.forward(np.array([0.]))
    array([0.])
    >>> t.backward(np.array([3.]))
    array([3.])
    """

    def __init__(self) -> None:
        super().__init__()
        self._cache = None

    def forward(self, x):
        a = np.tanh(float_array(x, "x"))
        self._cache = a
        return a

    def backward(self, dy):
        a = self._cache
        dy = self._check_grad(dy, a.shape if a is not None else (), "Tanh")
        return dy * (1 - a * a)


# ----------------------------------------------------------------------------
# Reshaping, dense layers, dropout
# ----------------------------------------------------------------------------
class Flatten(Layer):
    """Flatten ``(N, C, H, W)`` to ``(N, C·H·W)``; the backward pass reshapes back.

    Examples
    --------
    >>> import numpy as np
    >>> f = Flatten()
    >>> f.forward(np.zeros((2, 3, 4, 5))).shape
    (2, 60)
    >>> f.backward(np.zeros((2, 60))).shape
    (2, 3, 4, 5)
    """

    def __init__(self) -> None:
        super().__init__()
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        if x.ndim < 2:
            raise ValueError(f"Flatten expects a batch of shape (N, ...), got shape {x.shape}")
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        shape = self._cache
        n = (shape[0], int(np.prod(shape[1:]))) if shape else ()
        dy = self._check_grad(dy, n, "Flatten")
        return dy.reshape(shape)


class Dense(Layer):
    """Fully connected layer, ``y = x W^T + b`` (PyTorch's ``Linear``).

    Parameters
    ----------
    in_features, out_features : int
    rng : int or numpy.random.Generator, optional
        Seed for He initialisation, ``W ~ N(0, 2 / in_features)``; ``b = 0``.
    dtype : float32 or float64, optional

    Attributes
    ----------
    params : dict
        ``"W"``, shape ``(out_features, in_features)``; ``"b"``, shape ``(out_features,)``.

    Notes
    -----
    .. math:: \\partial C/\\partial W = \\delta^\\top x,\\quad
              \\partial C/\\partial b = \\textstyle\\sum_n \\delta_n,\\quad
              \\partial C/\\partial x = \\delta W

    Examples
    --------
    >>> import numpy as np
    >>> d = Dense(2, 1)
    >>> d.params["W"][...] = [[2., -1.]]
    >>> d.forward(np.array([[3., 4.]]))
    array([[2.]])
    >>> d.backward(np.array([[1.]])), d.grads["W"]
    (array([[ 2., -1.]]), array([[3., 4.]]))
    """

    def __init__(self, in_features: int, out_features: int, *, rng=None, dtype=np.float64) -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        dtype = float_dtype(dtype)
        W = generator(rng).normal(0.0, np.sqrt(2.0 / in_features), (out_features, in_features))
        self.params = {"W": W.astype(dtype), "b": np.zeros(out_features, dtype)}
        self._cache = None

    def forward(self, x):
        who = f"Dense({self.in_features}, {self.out_features})"
        x = self._cache = self.expect_input(x, who, "N", self.in_features)
        return x @ self.params["W"].T + self.params["b"]

    def backward(self, dy):
        x = self._cache
        dy = self._check_grad(dy, (x.shape[0], self.out_features) if x is not None else (), "Dense")
        self.grads = {"W": dy.T @ x, "b": dy.sum(axis=0)}
        return dy @ self.params["W"]

    def __repr__(self) -> str:
        return f"Dense({self.in_features}, {self.out_features})"


class Dropout(Layer):
    """Inverted dropout: zero each input with probability ``p``, scale the rest by ``1/(1-p)``.

    In eval mode it is the identity, so no rescaling is needed at test time.

    Parameters
    ----------
    p : float
        Drop probability, ``0 <= p < 1``.
    rng : int or numpy.random.Generator, optional
        Seed of the layer's own generator, so training runs repeat exactly.

    Examples
    --------
    >>> import numpy as np
    >>> drop = Dropout(0.5, rng=0)
    >>> y = drop.forward(np.ones(8))
    >>> sorted(set(y.tolist()))          # dropped, or kept and doubled
    [0.0, 2.0]
    >>> bool(np.array_equal(drop.backward(np.ones(8)), y))
    True
    >>> drop.eval().forward(np.ones(3))
    array([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, *, rng=None) -> None:
        super().__init__()
        self.p = number(p, "p", low=0, high=1, high_open=True)
        self.rng = generator(rng)
        self._cache = None

    def forward(self, x):
        x = float_array(x, "x")
        if not self.training or self.p == 0:
            self._cache = np.broadcast_to(np.ones((), x.dtype), x.shape)  # a view: no copy
            return x
        keep = self.rng.random(x.shape) >= self.p
        self._cache = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
        return x * self._cache

    def backward(self, dy):
        scale = self._cache
        if scale is None:
            raise RuntimeError("Dropout.backward called before forward")
        dy = float_array(dy, "dy")
        if dy.shape != scale.shape:
            raise ValueError(f"Dropout.backward: dy must have shape {scale.shape}, got {dy.shape}")
        return dy * scale

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
