"""Baselines for the book's CNN: a one-hidden-layer MLP with a matched parameter count.

A comparison between a CNN and a fully connected network says something about
convolution only if the two have about as many parameters to learn with.
:func:`mlp_hidden_units` solves for the hidden width that gives a one-hidden-layer
MLP a chosen number of parameters, and :func:`matched_mlp` builds that network
from the layers of :mod:`cnnbook.layers`.
"""

from __future__ import annotations

import numpy as np

from .checks import generator, positive_int
from .layers import Dense, Flatten, ReLU
from .network import Sequential

__all__ = ["matched_mlp", "mlp_hidden_units", "mlp_parameters"]


def mlp_parameters(in_features: int, hidden: int, num_classes: int) -> int:
    """Parameters of ``Dense(in, hidden) → ReLU → Dense(hidden, classes)``: weights and biases.

    .. math:: P(h) = h\\,(n_\\text{in} + 1) + m\\,(h + 1)

    Examples
    --------
    Two inputs, three hidden units, one output: ``3·3 + 1·4``.

    >>> mlp_parameters(2, 3, 1)
    13
    """
    n, h, m = (
        positive_int(v, name)
        for v, name in (
            (in_features, "in_features"),
            (hidden, "hidden"),
            (num_classes, "num_classes"),
        )
    )
    return h * (n + 1) + m * (h + 1)


def mlp_hidden_units(n_params: int, in_features: int = 784, num_classes: int = 10) -> int:
    """The hidden width whose MLP has the parameter count closest to ``n_params``.

    :math:`P(h)` is linear in :math:`h` with slope :math:`n_\\text{in} + 1 + m`,
    so the best width is the nearest integer to :math:`(P - m)/(n_\\text{in} + 1 + m)`
    (at least 1).

    Examples
    --------
    The book's CNN has 11,274 parameters; on 28 × 28 digits the closest MLP has
    14 hidden units and 11,140 parameters:

    >>> mlp_hidden_units(11274)
    14
    >>> mlp_parameters(784, 14, 10)
    11140
    """
    p = positive_int(n_params, "n_params")
    n, m = positive_int(in_features, "in_features"), positive_int(num_classes, "num_classes")
    exact = (p - m) / (n + 1 + m)
    below = max(1, int(np.floor(exact)))
    # P is linear in h, so the nearest integer to the exact solution is the best of two.
    return min((below, below + 1), key=lambda h: (abs(mlp_parameters(n, h, m) - p), h))


def matched_mlp(
    n_params: int,
    in_features: int = 784,
    num_classes: int = 10,
    *,
    rng=0,
    dtype=np.float32,
) -> Sequential:
    """``Flatten → Dense → ReLU → Dense``, as wide as gives about ``n_params`` parameters.

    The dense layers start from He initialisation, as the CNN's do, so that the
    two networks differ in their architecture only.

    Parameters
    ----------
    n_params : int
        The parameter count to match, e.g. ``book_cnn().num_parameters()``.
    in_features : int
        Inputs per image after flattening (784 for 28 × 28 digits).
    num_classes : int
    rng : int or numpy.random.Generator
        Seed of the initial weights.
    dtype : float32 or float64

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> mlp = matched_mlp(book_cnn().num_parameters())
    >>> mlp.num_parameters(), book_cnn().num_parameters()
    (11140, 11274)
    >>> mlp.forward(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    hidden = mlp_hidden_units(n_params, in_features, num_classes)
    rng = generator(rng)
    return Sequential(
        Flatten(),
        Dense(in_features, hidden, rng=rng, dtype=dtype),
        ReLU(),
        Dense(hidden, num_classes, rng=rng, dtype=dtype),
    )
