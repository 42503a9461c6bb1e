"""Optimisers: SGD with momentum, and Adam. They update parameters in place."""

from __future__ import annotations

import numpy as np

from .checks import number

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """Base class: holds ``(layer, name)`` pairs and reads ``layer.grads[name]`` at each step.

    Parameters
    ----------
    parameters : iterable of (Layer, str)
        Usually ``net.parameters()``.
    lr : float
        Learning rate.
    """

    def __init__(self, parameters, lr: float) -> None:
        try:
            self.parameters = list(parameters)
        except TypeError:
            raise TypeError(
                f"parameters must be an iterable of (layer, name) pairs, got {parameters!r}"
            ) from None
        if not self.parameters:
            raise ValueError("the optimiser got no parameters to update")
        for pair in self.parameters:
            if not (
                isinstance(pair, tuple)
                and len(pair) == 2
                and isinstance(getattr(pair[0], "params", None), dict)
                and pair[1] in pair[0].params
            ):
                raise TypeError(f"parameters must hold (layer, name) pairs, got {pair!r}")
        self.lr = lr
        self.t = 0

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0, checked whenever it is set."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = number(value, "lr", low=0, low_open=True)

    def _pairs(self):
        for layer, name in self.parameters:
            if name not in layer.grads:
                raise RuntimeError(
                    f"no gradient for {name!r} of {layer!r}: call backward before step"
                )
            yield layer.params[name], layer.grads[name]

    def step(self) -> None:
        raise NotImplementedError

    def zero_grad(self) -> None:
        for layer, _ in self.parameters:
            layer.grads = {}


class SGD(Optimizer):
    """Stochastic gradient descent with (heavy-ball) momentum, as PyTorch computes it.

    .. math:: v \\leftarrow \\mu v + g,\\qquad \\theta \\leftarrow \\theta - \\eta v

    Parameters
    ----------
    parameters : iterable of (Layer, str)
    lr : float
    momentum : float, optional
        ``μ``; 0 gives plain gradient descent.
    weight_decay : float, optional
        Adds ``weight_decay * θ`` to each gradient.

    Examples
    --------
    Minimising ``θ²/2`` (gradient ``θ``) from 1 with ``lr = 0.5`` halves ``θ``:

    >>> import numpy as np
    >>> from cnnbook.layers import Layer
    >>> layer = Layer(); layer.params["w"] = np.array([1.0])
    >>> opt = SGD([(layer, "w")], lr=0.5)
    >>> layer.grads["w"] = layer.params["w"].copy(); opt.step()
    >>> layer.params["w"]
    array([0.5])
    """

    def __init__(
        self, parameters, lr: float = 0.01, momentum: float = 0.0, weight_decay: float = 0.0
    ):
        super().__init__(parameters, lr)
        self.momentum = number(momentum, "momentum", low=0, high=1, high_open=True)
        self.weight_decay = number(weight_decay, "weight_decay", low=0)
        self.velocity = [np.zeros_like(layer.params[name]) for layer, name in self.parameters]

    def step(self) -> None:
        self.t += 1
        for (p, g), v in zip(self._pairs(), self.velocity, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * p
            v *= self.momentum
            v += g
            p -= self.lr * v


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014) with bias-corrected moment estimates.

    .. math::
        m \\leftarrow \\beta_1 m + (1-\\beta_1) g,\\quad
        v \\leftarrow \\beta_2 v + (1-\\beta_2) g^2,\\quad
        \\theta \\leftarrow \\theta - \\eta\\,\\frac{m/(1-\\beta_1^t)}{\\sqrt{v/(1-\\beta_2^t)} + \\epsilon}

    Parameters
    ----------
    parameters : iterable of (Layer, str)
    lr : float, optional
    betas : (float, float), optional
    eps : float, optional

    Examples
    --------
    The first step moves each parameter by ``lr`` against the sign of its gradient:

    >>> import numpy as np
    >>> from cnnbook.layers import Layer
    >>> layer = Layer(); layer.params["w"] = np.array([1.0, 1.0])
    >>> opt = Adam([(layer, "w")], lr=0.1, eps=0.0)
    >>> layer.grads["w"] = np.array([3.0, -0.001]); opt.step()
    >>> layer.params["w"]
    array([0.9, 1.1])
    """

    def __init__(self, parameters, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(parameters, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers, got {betas!r}")
        self.beta1 = number(betas[0], "betas[0]", low=0, high=1, high_open=True)
        self.beta2 = number(betas[1], "betas[1]", low=0, high=1, high_open=True)
        self.eps = number(eps, "eps", low=0)
        self.m = [np.zeros_like(layer.params[name]) for layer, name in self.parameters]
        self.v = [np.zeros_like(layer.params[name]) for layer, name in self.parameters]

    def step(self) -> None:
        self.t += 1
        c1 = 1 - self.beta1**self.t
        c2 = 1 - self.beta2**self.t
        for (p, g), m, v in zip(self._pairs(), self.m, self.v, strict=True):
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= (self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)).astype(p.dtype, copy=False)
