"""Training dynamics: what each step does to each layer, and how the weights start.

:class:`Probe` wraps an optimiser and, at every step, records for each
parameter array the norm of its gradient and the *update-to-weight ratio*
:math:`\\lVert \\Delta\\theta \\rVert / \\lVert \\theta \\rVert`, the fraction by
which the step changed it. It is itself an :class:`~cnnbook.optim.Optimizer`,
so :meth:`cnnbook.network.Sequential.fit` drives it unchanged.
:func:`scaled_normal_init` replaces He initialisation by a fixed standard
deviation (the classic ``0.01 * randn``), for comparison.
"""

from __future__ import annotations

import numpy as np

from .checks import generator, number
from .layers import Conv2D, Dense
from .optim import Optimizer

__all__ = ["Probe", "parameter_labels", "scaled_normal_init"]


def parameter_labels(net) -> list[str]:
    """``"<layer index> <layer class>.<name>"`` for every parameter of ``net``, in order.

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> parameter_labels(book_cnn())[:3]
    ['0 Conv2D.W', '0 Conv2D.b', '3 Conv2D.W']
    """
    index = {id(layer): i for i, layer in enumerate(net.layers)}
    return [f"{index[id(layer)]} {type(layer).__name__}.{name}" for layer, name in net.parameters()]


class Probe(Optimizer):
    """An optimiser that steps another one and records what each step did.

    Parameters
    ----------
    inner : Optimizer
        The optimiser that computes the updates; the probe shares its
        parameters and its learning rate.

    Attributes
    ----------
    grad_norms : list of ndarray, shape (P,)
        Per step, :math:`\\lVert g \\rVert` of each of the ``P`` parameter arrays.
    update_ratios : list of ndarray, shape (P,)
        Per step, :math:`\\lVert \\theta_{t} - \\theta_{t-1} \\rVert / \\lVert \\theta_{t-1} \\rVert`.
    lrs : list of float
        The learning rate of each step.

    Examples
    --------
    Plain gradient descent with ``lr = 0.5`` on a weight 2 whose gradient is 2
    moves it by 1, half its size:

    >>> from cnnbook.layers import Layer
    >>> from cnnbook.optim import SGD
    >>> layer = Layer(); layer.params["w"] = np.array([2.0])
    >>> probe = Probe(SGD([(layer, "w")], lr=0.5))
    >>> layer.grads["w"] = np.array([2.0]); probe.step()
    >>> layer.params["w"], probe.grad_norms[0], probe.update_ratios[0]
    (array([1.]), array([2.]), array([0.5]))
    """

    def __init__(self, inner: Optimizer) -> None:
        if not isinstance(inner, Optimizer):
            raise TypeError(f"inner must be a cnnbook Optimizer, got {type(inner).__name__}")
        self.inner = inner
        self.parameters = inner.parameters
        self.t = 0
        self.grad_norms: list[np.ndarray] = []
        self.update_ratios: list[np.ndarray] = []
        self.lrs: list[float] = []

    @property
    def lr(self) -> float:
        return self.inner.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.inner.lr = value

    def step(self) -> None:
        before = [layer.params[name].astype(np.float64) for layer, name in self.parameters]
        self.grad_norms.append(
            np.array([np.linalg.norm(layer.grads[name]) for layer, name in self.parameters])
        )
        self.lrs.append(float(self.inner.lr))
        self.inner.step()
        self.t = self.inner.t
        self.update_ratios.append(
            np.array(
                [
                    np.linalg.norm(layer.params[name] - old) / max(np.linalg.norm(old), 1e-30)
                    for (layer, name), old in zip(self.parameters, before, strict=True)
                ]
            )
        )

    def records(self) -> dict[str, np.ndarray]:
        """The records as arrays: ``grad_norms`` and ``update_ratios`` (steps, P), ``lrs`` (steps,)."""
        p = len(self.parameters)
        return {
            "grad_norms": np.array(self.grad_norms).reshape(-1, p),
            "update_ratios": np.array(self.update_ratios).reshape(-1, p),
            "lrs": np.array(self.lrs),
        }


def scaled_normal_init(net, std: float = 0.01, rng=0):
    """Redraw every weight of ``net``'s Conv2D and Dense layers as ``std * randn``, in place.

    Biases stay at zero. He initialisation, the layers' default, instead uses
    :math:`\\text{std} = \\sqrt{2/\\text{fan-in}}`, which depends on the layer.

    Returns
    -------
    net
        The same network, for chaining.

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> net = scaled_normal_init(book_cnn(), std=0.01, rng=0)
    >>> W = net.layers[7].params["W"]
    >>> bool(0.0099 < W.std() < 0.0101)
    True
    """
    std = number(std, "std", low=0, low_open=True)
    rng = generator(rng)
    for layer in net.layers:
        if isinstance(layer, (Conv2D, Dense)):
            W = layer.params["W"]
            W[...] = std * rng.standard_normal(W.shape)
    return net
