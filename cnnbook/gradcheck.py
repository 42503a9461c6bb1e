"""Finite-difference gradient checks, used by the tests and by the chapters."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .checks import float_array, generator, number

__all__ = ["check_layer", "numerical_gradient", "rel_error"]


def numerical_gradient(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dy: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Central-difference gradient of ``sum(f(x) * dy)`` with respect to ``x``.

    Projecting ``f`` onto an upstream gradient ``dy`` turns a vector function
    into a scalar one, whose gradient is exactly what ``backward(dy)`` returns.

    Parameters
    ----------
    f : callable
        Maps ``x`` (modified in place, then restored) to an array shaped like ``dy``.
    x : ndarray, float64
        The point, perturbed one entry at a time.
    dy : ndarray
        Upstream gradient.
    h : float, optional
        Step. The error of a central difference is :math:`O(h^2)`.

    Returns
    -------
    ndarray, shape of ``x``
        :math:`\\big(L(x + h e_i) - L(x - h e_i)\\big) / 2h` with :math:`L = \\langle f(x), dy\\rangle`.

    Examples
    --------
    For ``f(x) = x**2`` the gradient of ``sum(f(x))`` is ``2x``:

    >>> import numpy as np
    >>> g = numerical_gradient(lambda x: x**2, np.array([1., -3.]), np.ones(2))
    >>> np.round(g, 6)
    array([ 2., -6.])
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            f"gradient checks need a float64 ndarray x, got {getattr(x, 'dtype', type(x))}"
        )
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    h = number(h, "h", low=0, low_open=True)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = np.sum(f(x) * dy)
        x[i] = old - h
        minus = np.sum(f(x) * dy)
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``‖a − b‖ / (‖a‖ + ‖b‖)``, 0 when both are zero.

    Norms rather than entry-wise ratios, so that entries that are zero in both
    (a ReLU mask, a padded border) cannot blow the ratio up.

    Examples
    --------
    >>> import numpy as np
    >>> rel_error(np.array([1., 2.]), np.array([1., 2.]))
    0.0
    >>> rel_error(np.array([1.]), np.array([3.]))
    0.5
    """
    a, b = float_array(a, "a"), float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"cannot compare arrays of shapes {a.shape} and {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_layer(layer, x: np.ndarray, rng=None, h: float = 1e-6) -> dict[str, float]:
    """Compare a layer's backward pass with central differences, in float64.

    Parameters
    ----------
    layer : Layer
        Its parameters must be float64.
    x : ndarray, float64
        Input to ``layer.forward``.
    rng : numpy.random.Generator or int, optional
        Draws the random upstream gradient.
    h : float, optional

    Returns
    -------
    dict
        ``{"x": rel_error, "W": rel_error, ...}``: one entry for the input and
        one per parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import Dense
    >>> errors = check_layer(Dense(3, 2, rng=0), np.random.default_rng(0).normal(size=(4, 3)))
    >>> sorted(errors), all(e < 1e-8 for e in errors.values())
    (['W', 'b', 'x'], True)
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"check_layer needs a float64 ndarray, got {getattr(x, 'dtype', type(x))}")
    rng = generator(rng)
    h = number(h, "h", low=0, low_open=True)
    x = x.copy()
    y = layer.forward(x)
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    analytic = {"x": dx, **{k: g.copy() for k, g in layer.grads.items()}}
    errors = {"x": rel_error(dx, numerical_gradient(layer.forward, x, dy, h))}
    for name, p in layer.params.items():
        if p.dtype != np.float64:
            raise TypeError(
                f"parameter {name!r} must be float64 for a gradient check, got {p.dtype}"
            )
        num = numerical_gradient(lambda _p: layer.forward(x), p, dy, h)
        errors[name] = rel_error(analytic[name], num)
    return errors
