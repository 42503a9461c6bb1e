"""Argument checks: the one home of every check the package makes on its inputs.

Each function takes a value and the name the caller knows it by, and either
returns the value in the form the caller needs (a float array, a pair of ints,
a generator) or raises an error that names the argument, what was expected
and what was given:

* :class:`TypeError` when the *kind* of value is wrong (a string where a
  number belongs, a bool where a size belongs, an integer array where floats
  are needed and cannot be made);
* :class:`ValueError` when the kind is right but the value is not (a negative
  size, NaN, a label outside the classes, an array of the wrong shape).

Bools are never accepted as numbers: ``True`` is an ``int`` to Python, but
``kernel_size=True`` is a mistake, not a 1×1 kernel.

Examples
--------
>>> positive_int(3, "epochs")
3
>>> pair(2, "stride")
(2, 2)
>>> positive_int(True, "epochs")
Traceback (most recent call last):
    ...
TypeError: epochs must be a positive int, got True (bool)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "MAX_ELEMENTS",
    "choice",
    "float_array",
    "float_dtype",
    "generator",
    "labels",
    "nonnegative_int",
    "not_too_large",
    "number",
    "pair",
    "positive_int",
    "shape",
    "targets",
]


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _given(v) -> str:
    return f"{v!r} ({type(v).__name__})"


def float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a real floating-point ndarray, or raise a clear error.

    Float arrays pass through unchanged (no copy); integer and bool arrays
    become float64. Complex, string and object arrays are refused.

    Examples
    --------
    >>> float_array([1, 2], "x")
    array([1., 2.])
    >>> float_array([[1.0]], "x", ndim=1)
    Traceback (most recent call last):
        ...
    ValueError: x must have 1 dimensions, got shape (1, 1)
    """
    if not isinstance(a, np.ndarray):
        try:
            a = np.asarray(a)
        except (ValueError, TypeError) as err:  # ragged nested lists
            raise ValueError(f"{name} must be a rectangular array: {err}") from None
    if not np.issubdtype(a.dtype, np.floating):
        if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
            a = a.astype(np.float64)
        else:
            raise TypeError(f"{name} must be a real floating-point array, got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    return a


def positive_int(v, name: str) -> int:
    """Return ``v`` as an int >= 1; bools and non-integers are refused.

    Examples
    --------
    >>> positive_int(np.int64(4), "batch_size")
    4
    >>> positive_int(0, "batch_size")
    Traceback (most recent call last):
        ...
    ValueError: batch_size must be a positive int, got 0
    """
    if not _is_int(v):
        raise TypeError(f"{name} must be a positive int, got {_given(v)}")
    if v < 1:
        raise ValueError(f"{name} must be a positive int, got {v!r}")
    return int(v)


def nonnegative_int(v, name: str) -> int:
    """Return ``v`` as an int >= 0; bools and non-integers are refused.

    Examples
    --------
    >>> nonnegative_int(0, "seed")
    0
    """
    if not _is_int(v):
        raise TypeError(f"{name} must be a non-negative int, got {_given(v)}")
    if v < 0:
        raise ValueError(f"{name} must be a non-negative int, got {v!r}")
    return int(v)


def pair(v, name: str, low: int = 0) -> tuple[int, int]:
    """Turn an int or a pair of ints into a pair of ints, each at least ``low``.

    Examples
    --------
    >>> pair((3, 1), "kernel_size", low=1)
    (3, 1)
    >>> pair((3, 0), "kernel_size", low=1)
    Traceback (most recent call last):
        ...
    ValueError: kernel_size must be >= 1, got (3, 0)
    """
    if _is_int(v):
        v = (v, v)
    try:
        a, b = v
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}") from None
    if not (_is_int(a) and _is_int(b)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}")
    a, b = int(a), int(b)
    if a < low or b < low:
        raise ValueError(f"{name} must be >= {low}, got {(a, b)}")
    return a, b


def number(
    v,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``v`` as a finite float inside an interval; bools, strings, NaN and inf are refused.

    ``low`` and ``high`` bound the interval, closed unless ``low_open`` or
    ``high_open`` says otherwise.

    Examples
    --------
    >>> number(0.5, "lr", low=0, low_open=True)
    0.5
    >>> number(float("nan"), "lr", low=0, low_open=True)
    Traceback (most recent call last):
        ...
    ValueError: lr must be a finite number in (0, inf), got nan
    >>> number("0.1", "lr")
    Traceback (most recent call last):
        ...
    TypeError: lr must be a real number, got '0.1' (str)
    """
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {_given(v)}")
    f = float(v)
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    interval = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
    bad = not math.isfinite(f)
    if low is not None:
        bad |= f <= low if low_open else f < low
    if high is not None:
        bad |= f >= high if high_open else f > high
    if bad:
        raise ValueError(f"{name} must be a finite number in {interval}, got {v!r}")
    return f


def choice(value, choices: Sequence, name: str):
    """Return ``value`` if it is one of ``choices``, else raise a ValueError listing them.

    Examples
    --------
    >>> choice("valid", ("valid", "full"), "mode")
    'valid'
    >>> choice("same", ("valid", "full"), "mode")
    Traceback (most recent call last):
        ...
    ValueError: mode must be one of 'valid', 'full', got 'same'
    """
    try:
        ok = value in choices
    except TypeError:  # an unhashable value asked of a set
        ok = False
    if not ok or isinstance(value, bool):
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """Return ``dtype`` as ``np.float32`` or ``np.float64``, the two the package computes in.

    Examples
    --------
    >>> float_dtype("float32")
    dtype('float32')
    >>> float_dtype(int)
    Traceback (most recent call last):
        ...
    TypeError: dtype must be float32 or float64, got int64
    """
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from None
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def generator(rng, name: str = "rng") -> np.random.Generator:
    """A generator from a seed, a generator, or None (seed 0, so that runs repeat).

    Examples
    --------
    >>> generator(None).integers(10) == np.random.default_rng(0).integers(10)
    np.True_
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if _is_int(rng):
        return np.random.default_rng(nonnegative_int(rng, name))
    raise TypeError(f"{name} must be None, an int seed or a numpy Generator, got {_given(rng)}")


def labels(y, n: int, k: int, name: str = "labels") -> np.ndarray:
    """Check class labels: ``n`` integers in ``[0, k)``.

    Examples
    --------
    >>> labels([0, 2], 2, 3)
    array([0, 2])
    >>> labels([0, 3], 2, 3)
    Traceback (most recent call last):
        ...
    ValueError: labels must lie in [0, 2] for 3 classes, got values from 0 to 3
    """
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got shape {y.shape}")
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must be integers, got dtype {y.dtype}")
    if n and (y.min() < 0 or y.max() >= k):
        raise ValueError(
            f"{name} must lie in [0, {k - 1}] for {k} classes, got values from "
            f"{y.min()} to {y.max()}"
        )
    return y


def shape(s, name: str, ndim: int) -> tuple[int, ...]:
    """Return ``s`` as a tuple of ``ndim`` positive ints (an array shape).

    Examples
    --------
    >>> shape([2, 3, 4, 4], "x_shape", 4)
    (2, 3, 4, 4)
    >>> shape((4, 4, 4), "x_shape", 4)
    Traceback (most recent call last):
        ...
    ValueError: x_shape must be a tuple of 4 positive ints, got (4, 4, 4)
    """
    try:
        t = tuple(s)
    except TypeError:
        raise TypeError(f"{name} must be a tuple of {ndim} positive ints, got {s!r}") from None
    if len(t) != ndim or not all(_is_int(d) and d >= 1 for d in t):
        raise ValueError(f"{name} must be a tuple of {ndim} positive ints, got {s!r}")
    return tuple(int(d) for d in t)


#: The most numbers one array the package allocates may hold (800 MB in float64).
MAX_ELEMENTS = 100_000_000


def not_too_large(shape: tuple, name: str) -> tuple:
    """Return ``shape`` if an array of that shape would hold at most :data:`MAX_ELEMENTS` numbers.

    Called before allocating an array whose size comes from the arguments
    (a stride, a padding, an output shape), so that a mistyped number is a
    clear error instead of a MemoryError.

    Examples
    --------
    >>> not_too_large((2, 3), "out")
    (2, 3)
    >>> not_too_large((10**5, 10**5), "the dilated array")
    Traceback (most recent call last):
        ...
    ValueError: the dilated array would have shape (100000, 100000), 10,000,000,000 numbers, more than MAX_ELEMENTS = 100,000,000
    """
    n = math.prod(int(d) for d in shape)
    if n > MAX_ELEMENTS:
        raise ValueError(
            f"{name} would have shape {tuple(shape)}, {n:,} numbers, more than "
            f"MAX_ELEMENTS = {MAX_ELEMENTS:,}"
        )
    return shape


def targets(target, n: int, k: int, name: str = "target") -> np.ndarray:
    """One class index per image, from an int (the same class for all) or ``n`` ints in ``[0, k)``.

    Examples
    --------
    >>> targets(2, 3, 10)
    array([2, 2, 2])
    >>> targets([0, 9], 2, 10)
    array([0, 9])
    >>> targets(10, 2, 10)
    Traceback (most recent call last):
        ...
    ValueError: target must lie in [0, 9] for 10 classes, got values from 10 to 10
    """
    t = np.asarray(target)
    if t.ndim == 0:
        t = np.full(n, t[()], dtype=t.dtype)
    return labels(t, n, k, name).astype(np.intp)
