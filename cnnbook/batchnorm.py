"""Batch normalisation over the batch and both spatial axes, one channel at a time."""

from __future__ import annotations

import numpy as np

from .checks import float_dtype, number, positive_int
from .layers import Layer

__all__ = ["BatchNorm2D"]


class BatchNorm2D(Layer):
    """Batch normalisation over ``(N, H, W)`` for each channel (Ioffe & Szegedy, 2015).

    Parameters
    ----------
    num_features : int
        ``C``.
    eps : float, optional
        Added to the variance before the square root.
    momentum : float, optional
        Weight of the new batch in the running statistics, as in PyTorch:
        ``running = (1 - momentum) * running + momentum * batch``.
    dtype : float32 or float64, optional

    Attributes
    ----------
    params : dict
        ``"gamma"`` (scale, ones) and ``"beta"`` (shift, zeros), shape ``(C,)``.
    buffers : dict
        ``"running_mean"`` and ``"running_var"`` (unbiased), used in eval mode.

    Notes
    -----
    In training mode, with :math:`m = NHW` values per channel,

    .. math::
        \\hat x = (x - \\mu)/\\sqrt{\\sigma^2 + \\epsilon},\\quad y = \\gamma \\hat x + \\beta,\\quad
        \\partial C/\\partial x = \\frac{\\gamma}{m\\sqrt{\\sigma^2+\\epsilon}}
        \\Big(m\\,\\delta - \\textstyle\\sum\\delta - \\hat x \\sum \\delta \\hat x\\Big)

    with :math:`\\delta = \\partial C/\\partial y`. In eval mode the running
    statistics replace :math:`\\mu, \\sigma^2`, and the layer is affine.

    Examples
    --------
    Each channel comes out with mean 0 and variance 1 (up to ``eps``):

    >>> import numpy as np
    >>> bn = BatchNorm2D(1, eps=0.0)
    >>> y = bn.forward(np.array([[[[1., 3.]]], [[[5., 7.]]]]))
    >>> y.ravel()
    array([-1.34164079, -0.4472136 ,  0.4472136 ,  1.34164079])
    >>> bn.buffers["running_mean"], bn.buffers["running_var"]
    (array([0.4]), array([1.56666667]))
    """

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, *, dtype=np.float64
    ):
        super().__init__()
        self.num_features = positive_int(num_features, "num_features")
        self.eps = number(eps, "eps", low=0)
        self.momentum = number(momentum, "momentum", low=0, high=1)
        dtype = float_dtype(dtype)
        self.params = {"gamma": np.ones(num_features, dtype), "beta": np.zeros(num_features, dtype)}
        self.buffers = {
            "running_mean": np.zeros(num_features, dtype),
            "running_var": np.ones(num_features, dtype),
        }
        self._cache = None

    def forward(self, x):
        C = self.num_features
        x = self.expect_input(x, f"BatchNorm2D({C})", "N", C, "H", "W")
        gamma = self.params["gamma"].reshape(1, -1, 1, 1)
        beta = self.params["beta"].reshape(1, -1, 1, 1)
        if self.training:
            m = x.shape[0] * x.shape[2] * x.shape[3]
            if m < 2:
                raise ValueError(
                    f"BatchNorm2D needs more than one value per channel in training, got x of shape {x.shape}"
                )
            mu = x.mean(axis=(0, 2, 3))
            var = x.var(axis=(0, 2, 3))
            mom = self.momentum
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= 1 - mom
            rm += mom * mu
            rv *= 1 - mom
            rv += mom * var * m / (m - 1)
        else:
            mu, var = self.buffers["running_mean"], self.buffers["running_var"]
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mu.reshape(1, -1, 1, 1)) * inv_std.reshape(1, -1, 1, 1)
        self._cache = (x_hat, inv_std, self.training)
        return gamma * x_hat + beta

    def backward(self, dy):
        x_hat, inv_std, training = self._cache if self._cache is not None else (None, None, None)
        dy = self._check_grad(dy, x_hat.shape if x_hat is not None else (), "BatchNorm2D")
        axes = (0, 2, 3)
        self.grads = {"gamma": (dy * x_hat).sum(axis=axes), "beta": dy.sum(axis=axes)}
        g = (self.params["gamma"] * inv_std).reshape(1, -1, 1, 1)
        if not training:
            return dy * g
        mean_dy = dy.mean(axis=axes, keepdims=True)
        mean_dy_xhat = (dy * x_hat).mean(axis=axes, keepdims=True)
        return g * (dy - mean_dy - x_hat * mean_dy_xhat)

    def __repr__(self) -> str:
        return f"BatchNorm2D({self.num_features}, eps={self.eps}, momentum={self.momentum})"
