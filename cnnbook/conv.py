"""Convolution primitives: the operations the derivation talks about.

Two conventions meet in this module, and the book keeps them apart on purpose.

* A **true convolution** flips the kernel before sliding it:
  ``(x * k)[i, j] = sum_{p, q} x[i - p, j - q] k[p, q]``.
  This is what mathematics and :func:`scipy.signal.convolve2d` compute.
* A **cross-correlation** slides the kernel without flipping it:
  ``(x ⋆ k)[i, j] = sum_{p, q} x[i + p, j + q] k[p, q]``.
  This is what every deep-learning framework calls "convolution", and what
  :class:`cnnbook.layers.Conv2D` computes.

The two differ by a 180° turn of the kernel: ``convolve2d(x, k) ==
correlate2d(x, rot180(k))``. The batched layer functions come in three
implementations that compute the same numbers:

* ``conv2d_forward_loops`` / ``conv2d_backward_loops``: the slow reference, a
  direct transcription of the defining sums;
* ``conv2d_forward_scipy`` / ``conv2d_backward_scipy``: one line per equation of
  the book, built on :func:`scipy.signal.correlate2d` and
  :func:`scipy.signal.convolve2d`;
* ``conv2d_forward`` / ``conv2d_backward``: the fast path (im2col and one matrix
  product), used by :class:`cnnbook.layers.Conv2D`.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import signal

__all__ = [
    "col2im",
    "conv2d_backward",
    "conv2d_backward_loops",
    "conv2d_backward_scipy",
    "conv2d_forward",
    "conv2d_forward_loops",
    "conv2d_forward_scipy",
    "convolve2d",
    "correlate2d",
    "dilate",
    "im2col",
    "output_size",
    "rot180",
]

_MODES = ("valid", "full", "same")


# ----------------------------------------------------------------------------
# Input checks shared by every public function
# ----------------------------------------------------------------------------
def _as_float_array(a, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``a`` as a floating-point ndarray, or raise a clear error."""
    if not isinstance(a, np.ndarray):
        a = np.asarray(a)
    if not np.issubdtype(a.dtype, np.floating):
        if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
            a = a.astype(np.float64)
        else:
            raise TypeError(f"{name} must be a real floating-point array, got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {a.shape}")
    return a


def _check_mode(mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")


def _pair(v, name: str) -> tuple[int, int]:
    """Turn an int or a pair of ints into a pair of non-negative ints."""
    if isinstance(v, (int, np.integer)):
        v = (int(v), int(v))
    try:
        a, b = v
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}") from None
    if not all(isinstance(t, (int, np.integer)) for t in (a, b)):
        raise TypeError(f"{name} must be an int or a pair of ints, got {v!r}")
    return int(a), int(b)


# ----------------------------------------------------------------------------
# 2-D building blocks
# ----------------------------------------------------------------------------
def rot180(k: np.ndarray) -> np.ndarray:
    """Turn a kernel by 180° in its last two axes.

    Parameters
    ----------
    k : ndarray, shape (..., K_h, K_w)
        One kernel, or a stack of kernels such as a layer's ``W``.

    Returns
    -------
    ndarray, shape (..., K_h, K_w)
        ``k[..., ::-1, ::-1]``, a view: entry ``(p, q)`` moves to
        ``(K_h - 1 - p, K_w - 1 - q)``.

    See Also
    --------
    convolve2d : a true convolution is a correlation with ``rot180(k)``.

    Examples
    --------
    >>> import numpy as np
    >>> k = np.array([[1, 2], [3, 4]])
    >>> rot180(k)
    array([[4, 3],
           [2, 1]])

    Turning twice gives the kernel back:

    >>> bool(np.array_equal(rot180(rot180(k)), k))
    True
    """
    k = np.asarray(k)
    if k.ndim < 2:
        raise ValueError(f"rot180 needs at least 2 dimensions, got shape {k.shape}")
    return k[..., ::-1, ::-1]


def correlate2d(x: np.ndarray, k: np.ndarray, mode: str = "valid") -> np.ndarray:
    """2-D cross-correlation, the operation frameworks call "convolution".

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Input image.
    k : ndarray, shape (K_h, K_w)
        Kernel, slid over ``x`` without flipping.
    mode : {"valid", "full", "same"}
        ``"valid"`` keeps only positions where ``k`` lies inside ``x``
        (``H - K_h + 1`` rows), ``"full"`` every position where they overlap
        (``H + K_h - 1`` rows), and ``"same"`` the centre of the full result,
        as large as ``x``.

    Returns
    -------
    ndarray
        ``out[i, j] = sum_{p, q} x[i + p, j + q] k[p, q]`` in valid mode.

    See Also
    --------
    convolve2d, scipy.signal.correlate2d

    Examples
    --------
    A 3×3 input and a 2×2 kernel, small enough to check by hand. The top-left
    output is ``1*1 + 2*0 + 4*0 + 5*(-1) = -4``:

    >>> import numpy as np
    >>> x = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    >>> k = np.array([[1., 0.], [0., -1.]])
    >>> correlate2d(x, k)
    array([[-4., -4.],
           [-4., -4.]])
    >>> correlate2d(x, k, mode="full").shape, correlate2d(x, k, mode="same").shape
    ((4, 4), (3, 3))
    """
    _check_mode(mode)
    x = _as_float_array(x, "x", 2)
    k = _as_float_array(k, "k", 2)
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(
            f"valid mode needs the kernel to fit inside the input: kernel {k.shape}, "
            f"input {x.shape}"
        )
    return signal.correlate2d(x, k, mode=mode)


def convolve2d(x: np.ndarray, k: np.ndarray, mode: str = "valid") -> np.ndarray:
    """2-D true convolution: the kernel is turned by 180° before it slides.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Input image.
    k : ndarray, shape (K_h, K_w)
        Kernel.
    mode : {"valid", "full", "same"}
        As in :func:`correlate2d`.

    Returns
    -------
    ndarray
        ``out[i, j] = sum_{p, q} x[i - p, j - q] k[p, q]``, indices taken so
        that the valid output starts where ``k`` first fits inside ``x``.

    Notes
    -----
    .. math:: x * k = x \\star \\mathrm{rot180}(k)

    See Also
    --------
    correlate2d, rot180, scipy.signal.convolve2d

    Examples
    --------
    The same 3×3 input as in :func:`correlate2d`. The kernel is turned first,
    so the top-left output is ``1*(-1) + 5*1 = 4``:

    >>> import numpy as np
    >>> x = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    >>> k = np.array([[1., 0.], [0., -1.]])
    >>> convolve2d(x, k)
    array([[4., 4.],
           [4., 4.]])

    Convolution is correlation with the turned kernel, in every mode (for
    ``"same"`` with an odd-sized kernel; an even kernel has no centre, and the
    two functions crop its full result one pixel apart):

    >>> rng = np.random.default_rng(0)
    >>> x, k = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    >>> all(np.allclose(convolve2d(x, k, m), correlate2d(x, rot180(k), m))
    ...     for m in ("valid", "full", "same"))
    True
    """
    _check_mode(mode)
    x = _as_float_array(x, "x", 2)
    k = _as_float_array(k, "k", 2)
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(
            f"valid mode needs the kernel to fit inside the input: kernel {k.shape}, "
            f"input {x.shape}"
        )
    return signal.convolve2d(x, k, mode=mode)


def output_size(W: int, F: int, P: int = 0, S: int = 1) -> int:
    """Length of a convolution's output along one axis, ``(W - F + 2P)/S + 1``.

    Parameters
    ----------
    W : int
        Input length (height or width).
    F : int
        Kernel length.
    P : int, optional
        Zero padding added on each side.
    S : int, optional
        Stride.

    Returns
    -------
    int
        The output length.

    Raises
    ------
    ValueError
        If ``(W - F + 2P)`` is not a multiple of ``S`` (the stride does not tile
        the padded input) or the output would be empty.

    Examples
    --------
    >>> output_size(28, 5, P=2)          # "same" padding keeps 28
    28
    >>> output_size(32, 5, P=2, S=1), output_size(4, 2, S=2)
    (32, 2)
    >>> output_size(5, 2, S=2)
    Traceback (most recent call last):
    ...
    ValueError: stride 2 does not tile the padded input: (W - F + 2P) / S = (5 - 2 + 2*0) / 2 = 1.5 is not a whole number
    """
    for name, v in (("W", W), ("F", F), ("P", P), ("S", S)):
        if not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an int, got {v!r}")
    if W < 1 or F < 1 or S < 1 or P < 0:
        raise ValueError(f"need W >= 1, F >= 1, S >= 1 and P >= 0, got W={W}, F={F}, P={P}, S={S}")
    span = W - F + 2 * P
    if span < 0:
        raise ValueError(
            f"kernel of size {F} is larger than the padded input of size {W + 2 * P} "
            f"(W={W}, P={P}): the output would have {span // S + 1} <= 0 entries"
        )
    if span % S:
        raise ValueError(
            f"stride {S} does not tile the padded input: (W - F + 2P) / S = "
            f"({W} - {F} + 2*{P}) / {S} = {span / S:g} is not a whole number"
        )
    return span // S + 1


def dilate(d: np.ndarray, stride) -> np.ndarray:
    """Insert ``stride - 1`` zeros between neighbouring entries of the last two axes.

    This is how a strided forward pass is undone in the backward pass: the
    upstream gradient is spread back onto the stride-1 grid, with zeros where
    the forward pass skipped a position.

    Parameters
    ----------
    d : ndarray, shape (..., H_out, W_out)
    stride : int or (int, int)

    Returns
    -------
    ndarray, shape (..., (H_out - 1) * S_h + 1, (W_out - 1) * S_w + 1)

    Examples
    --------
    >>> import numpy as np
    >>> dilate(np.array([[1, 2], [3, 4]]), 2)
    array([[1, 0, 2],
           [0, 0, 0],
           [3, 0, 4]])
    """
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {(sh, sw)}")
    d = np.asarray(d)
    if d.ndim < 2:
        raise ValueError(f"dilate needs at least 2 dimensions, got shape {d.shape}")
    h, w = d.shape[-2:]
    out = np.zeros((*d.shape[:-2], (h - 1) * sh + 1, (w - 1) * sw + 1), dtype=d.dtype)
    out[..., ::sh, ::sw] = d
    return out


# ----------------------------------------------------------------------------
# Batched NCHW convolution: checks shared by the three implementations
# ----------------------------------------------------------------------------
def _check_conv_args(x, W, b, stride, padding):
    """Validate a batched convolution's arguments; return them with the geometry."""
    x = _as_float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(
            f"x must have shape (N, C_in, H, W) with 4 dimensions, got shape {x.shape}"
        )
    W = _as_float_array(W, "W")
    if W.ndim != 4:
        raise ValueError(
            f"W must have shape (C_out, C_in, K_h, K_w) with 4 dimensions, got shape {W.shape}"
        )
    if x.shape[1] != W.shape[1]:
        raise ValueError(
            f"channel mismatch: x has C_in={x.shape[1]} channels (shape {x.shape}) "
            f"but W expects C_in={W.shape[1]} (shape {W.shape})"
        )
    if b is not None:
        b = _as_float_array(b, "b")
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape (C_out,) = ({W.shape[0]},), got {b.shape}")
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be >= 1, got {(sh, sw)}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be >= 0, got {(ph, pw)}")
    _, _, H, Wd = x.shape
    _, _, kh, kw = W.shape
    try:
        H_out = output_size(H, kh, ph, sh)
        W_out = output_size(Wd, kw, pw, sw)
    except ValueError as err:
        raise ValueError(
            f"cannot convolve input of shape {x.shape} with kernel of shape {W.shape}, "
            f"stride {(sh, sw)}, padding {(ph, pw)}: {err}"
        ) from None
    return x, W, b, (sh, sw), (ph, pw), (H_out, W_out)


def _check_dy(dy, shape, name="dy"):
    dy = _as_float_array(dy, name)
    if dy.shape != tuple(shape):
        raise ValueError(
            f"{name} must have the forward output's shape {tuple(shape)}, got {dy.shape}"
        )
    return dy


def _pad(x, ph, pw):
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


# ----------------------------------------------------------------------------
# 1. The loop reference: the defining sums, written out
# ----------------------------------------------------------------------------
def conv2d_forward_loops(x, W, b=None, stride=1, padding=0):
    """Batched cross-correlation by loops over output positions.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    b : ndarray, shape (C_out,), optional
    stride, padding : int or (int, int)

    Returns
    -------
    z : ndarray, shape (N, C_out, H_out, W_out)

    Notes
    -----
    .. math::
        z_{n,o,i,j} = b_o + \\sum_{c}\\sum_{p}\\sum_{q}
        W_{o,c,p,q}\\, \\tilde x_{n,c,\\,iS+p,\\,jS+q}

    where :math:`\\tilde x` is the zero-padded input.

    Examples
    --------
    One image, one channel, one filter: the 3×3 example of :func:`correlate2d`.

    >>> import numpy as np
    >>> x = np.arange(1., 10.).reshape(1, 1, 3, 3)
    >>> W = np.array([[[[1., 0.], [0., -1.]]]])
    >>> conv2d_forward_loops(x, W)[0, 0]
    array([[-4., -4.],
           [-4., -4.]])
    """
    geometry = _check_conv_args(x, W, b, stride, padding)
    x, W, b, (sh, sw), (ph, pw), (H_out, W_out) = geometry
    N = x.shape[0]
    C_out, _, kh, kw = W.shape
    xp = _pad(x, ph, pw)
    z = np.zeros((N, C_out, H_out, W_out), dtype=np.result_type(x, W))
    taps = ([1, 2, 3], [1, 2, 3])  # channel, kernel row, kernel column
    for i in range(H_out):
        for j in range(W_out):
            # The window under the kernel, for every image: (N, C, K_h, K_w).
            window = xp[:, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
            z[:, :, i, j] = np.tensordot(window, W, axes=taps)
    if b is not None:
        z += b[None, :, None, None]
    return z


def conv2d_backward_loops(dy, x, W, stride=1, padding=0):
    """Gradients of the loop reference, by the same loops run backwards.

    Each output position ``(i, j)`` received a window of the padded input times
    ``W``; its gradient ``dy[:, :, i, j]`` flows back to exactly that window
    (for ``dx``) and to exactly those inputs (for ``dW``).

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Upstream gradient ``∂C/∂z``.
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    stride, padding : int or (int, int)

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dW : ndarray, shape (C_out, C_in, K_h, K_w)
    db : ndarray, shape (C_out,)

    Examples
    --------
    With a single output the gradients are the window and the kernel:

    >>> import numpy as np
    >>> x = np.array([[[[1., 2.], [3., 4.]]]])
    >>> W = np.array([[[[5., 6.], [7., 8.]]]])
    >>> dx, dW, db = conv2d_backward_loops(np.ones((1, 1, 1, 1)), x, W)
    >>> dx[0, 0], dW[0, 0], db
    (array([[5., 6.],
           [7., 8.]]), array([[1., 2.],
           [3., 4.]]), array([1.]))
    """
    geometry = _check_conv_args(x, W, None, stride, padding)
    x, W, _, (sh, sw), (ph, pw), (H_out, W_out) = geometry
    N, _, H, Wd = x.shape
    C_out, _, kh, kw = W.shape
    dy = _check_dy(dy, (N, C_out, H_out, W_out))
    xp = _pad(x, ph, pw)
    dxp = np.zeros(xp.shape, dtype=np.result_type(dy, W))
    dW = np.zeros(W.shape, dtype=np.result_type(dy, x))
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * sh, i * sh + kh)
            cols = slice(j * sw, j * sw + kw)
            g = dy[:, :, i, j]  # (N, C_out)
            dxp[:, :, rows, cols] += np.tensordot(g, W, axes=([1], [0]))
            dW += np.tensordot(g, xp[:, :, rows, cols], axes=([0], [0]))
    db = dy.sum(axis=(0, 2, 3))
    return dxp[:, :, ph : ph + H, pw : pw + Wd], dW, db


# ----------------------------------------------------------------------------
# 2. The scipy.signal reference: one line per equation of the book
# ----------------------------------------------------------------------------
def conv2d_forward_scipy(x, W, b=None, stride=1, padding=0):
    """Batched cross-correlation, one :func:`scipy.signal.correlate2d` per channel pair.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    b : ndarray, shape (C_out,), optional
    stride, padding : int or (int, int)

    Returns
    -------
    z : ndarray, shape (N, C_out, H_out, W_out)

    Notes
    -----
    Pad, correlate in valid mode, keep every ``S``-th row and column:

    .. math::
        z_{n,o} = b_o + \\Big[\\sum_c \\tilde x_{n,c} \\star W_{o,c}\\Big]_{::S,\\,::S}

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x, W = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    >>> z = conv2d_forward_scipy(x, W, stride=2, padding=1)
    >>> z.shape
    (2, 4, 4, 4)
    >>> bool(np.allclose(z, conv2d_forward_loops(x, W, stride=2, padding=1)))
    True
    """
    x, W, b, (sh, sw), (ph, pw), (H_out, W_out) = _check_conv_args(x, W, b, stride, padding)
    N, C_in = x.shape[:2]
    C_out = W.shape[0]
    xp = _pad(x, ph, pw)
    z = np.zeros((N, C_out, H_out, W_out), dtype=np.result_type(x, W))
    for n in range(N):
        for o in range(C_out):
            for c in range(C_in):
                z[n, o] += signal.correlate2d(xp[n, c], W[o, c], mode="valid")[::sh, ::sw]
    if b is not None:
        z += b[None, :, None, None]
    return z


def conv2d_backward_scipy(dy, x, W, stride=1, padding=0):
    """Gradients of the batched convolution, as the book derives them.

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Upstream gradient ``δ = ∂C/∂z``.
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    stride, padding : int or (int, int)

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W)
    dW : ndarray, shape (C_out, C_in, K_h, K_w)
    db : ndarray, shape (C_out,)

    Notes
    -----
    Four steps, one line of code each:

    1. stride: insert ``S - 1`` zeros between the entries of ``δ`` (:func:`dilate`);
    2. ``dx``: a *full* true convolution of ``δ`` with the kernel, summed over
       output channels, which is a full correlation with ``rot180(W)``:

       .. math:: \\partial C/\\partial \\tilde x_{n,c} = \\sum_o \\delta_{n,o} * W_{o,c}

    3. padding: crop the ``P`` rows and columns that the forward pass added;
    4. ``dW``: a *valid* correlation of the padded input with ``δ``:

       .. math:: \\partial C/\\partial W_{o,c} = \\sum_n \\tilde x_{n,c} \\star \\delta_{n,o}

    and ``db`` sums ``δ`` over the batch and both spatial axes.

    Examples
    --------
    The adjoint identity ⟨conv(x), y⟩ = ⟨x, conv_T(y)⟩: the input gradient is
    the transpose of the forward map.

    >>> import numpy as np
    >>> rng = np.random.default_rng(2)
    >>> x, W = rng.normal(size=(2, 2, 7, 7)), rng.normal(size=(3, 2, 3, 3))
    >>> y = rng.normal(size=(2, 3, 3, 3))
    >>> dx, dW, db = conv2d_backward_scipy(y, x, W, stride=2)
    >>> lhs = np.sum(conv2d_forward_scipy(x, W, stride=2) * y)
    >>> bool(np.isclose(lhs, np.sum(x * dx)))
    True
    """
    geometry = _check_conv_args(x, W, None, stride, padding)
    x, W, _, (sh, sw), (ph, pw), (H_out, W_out) = geometry
    N, C_in, H, Wd = x.shape
    C_out = W.shape[0]
    dy = _check_dy(dy, (N, C_out, H_out, W_out))
    xp = _pad(x, ph, pw)
    delta = dilate(dy, (sh, sw))  # 1. stride -> zeros inserted into delta
    dxp = np.zeros(xp.shape, dtype=np.result_type(dy, W))
    dW = np.zeros(W.shape, dtype=np.result_type(dy, x))
    for n in range(N):
        for c in range(C_in):
            for o in range(C_out):
                d, k = delta[n, o], W[o, c]
                # 2. dx: a full convolution; 4. dW: a valid correlation
                dxp[n, c] += signal.convolve2d(d, k, mode="full")
                dW[o, c] += signal.correlate2d(xp[n, c], d, mode="valid")
    dx = dxp[:, :, ph : ph + H, pw : pw + Wd]  # 3. padding -> cropping
    db = dy.sum(axis=(0, 2, 3))
    return dx, dW, db


# ----------------------------------------------------------------------------
# 3. The fast path: im2col, one matrix product, col2im
# ----------------------------------------------------------------------------
_POOL: ThreadPoolExecutor | None = None
_PARALLEL_MIN = 1 << 17  # elements; below this a second thread costs more than it saves


def _num_threads() -> int:
    """Threads for the memory-bound copies: ``CNNBOOK_THREADS``, default 1.

    Measured on the book's 2-core machines: with two BLAS threads doing the
    matrix products, a second copy thread only adds contention, so it is off
    unless asked for. With one BLAS thread (``OPENBLAS_NUM_THREADS=1``),
    ``CNNBOOK_THREADS=2`` recovers most of the second core for the copies.
    """
    env = os.environ.get("CNNBOOK_THREADS", "1")
    try:
        n = int(env)
    except ValueError:
        raise ValueError(f"CNNBOOK_THREADS must be a positive integer, got {env!r}") from None
    return max(1, min(n, 8))


def _over_batch(fn, N: int, size: int) -> None:
    """Call ``fn(lo, hi)`` on slices of the batch axis, in parallel threads if worth it.

    The copies of im2col and col2im are bound by memory, not arithmetic, and
    NumPy releases the GIL while it copies, so with ``CNNBOOK_THREADS=2`` and
    a free second core they move the data almost twice as fast. Each image is handled by exactly one
    thread, in the same order as a single thread would, so the result does
    not depend on the number of threads.
    """
    global _POOL
    n = min(_num_threads(), N) if size >= _PARALLEL_MIN else 1
    if n <= 1:
        fn(0, N)
        return
    if _POOL is None or _POOL._max_workers < n:
        _POOL = ThreadPoolExecutor(max_workers=n, thread_name_prefix="cnnbook")
    bounds = [N * i // n for i in range(n + 1)]
    for f in [_POOL.submit(fn, bounds[i], bounds[i + 1]) for i in range(n)]:
        f.result()


def _buffer(workspace, name, shape, dtype, zero=False):
    """A scratch array from ``workspace`` (reused between calls), or a new one."""
    if workspace is None:
        return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    buf = workspace.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = workspace[name] = np.empty(shape, dtype)
    if zero:
        buf.fill(0)
    return buf


def im2col(x, kernel_size, stride=1, padding=0, *, workspace=None):
    """Unfold every kernel-sized window of ``x`` into a column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride, padding : int or (int, int)
    workspace : dict, optional
        Scratch buffers kept between calls, so that a layer that convolves
        batches of one shape again and again does not allocate (and page in)
        tens of megabytes each time. The returned array lives in it.

    Returns
    -------
    cols : ndarray, shape (C * K_h * K_w, N * H_out * W_out)
        Row ``(c, p, q)`` holds the input pixel under kernel tap ``(p, q)`` of
        channel ``c`` for each output position ``(n, i, j)``, so that
        ``W.reshape(C_out, -1) @ cols`` is the forward pass.

    Notes
    -----
    The copy is done one kernel tap at a time: ``K_h K_w`` strided slices of
    the padded input, each as large as the output. Channels are moved in
    front of the batch once, at padding time, so that every slice copies
    whole rows.

    Examples
    --------
    A 3×3 image has four 2×2 windows; each becomes a column:

    >>> import numpy as np
    >>> im2col(np.arange(9.).reshape(1, 1, 3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    x = _as_float_array(x, "x", 4)
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    N, C, H, Wd = x.shape
    H_out = output_size(H, kh, ph, sh)
    W_out = output_size(Wd, kw, pw, sw)
    # Pad and put channels before the batch in one copy: (C, N, H+2P, W+2P).
    xp = _buffer(workspace, "xp", (C, N, H + 2 * ph, Wd + 2 * pw), x.dtype)
    cols = _buffer(workspace, "cols", (C, kh, kw, N, H_out, W_out), x.dtype)

    def unfold(lo, hi):
        xp[:, lo:hi] = 0
        xp[:, lo:hi, ph : ph + H, pw : pw + Wd] = x[lo:hi].swapaxes(0, 1)
        for p in range(kh):
            rows = slice(p, p + sh * H_out, sh)  # kernel row p
            for q in range(kw):
                columns = slice(q, q + sw * W_out, sw)  # kernel column q
                cols[:, p, q, lo:hi] = xp[:, lo:hi, rows, columns]

    _over_batch(unfold, N, cols.size)
    return cols.reshape(C * kh * kw, N * H_out * W_out)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, *, workspace=None):
    """Fold columns back onto the image, adding where windows overlap (adjoint of im2col).

    Parameters
    ----------
    cols : ndarray, shape (C * K_h * K_w, N * H_out * W_out)
    x_shape : tuple (N, C, H, W)
    kernel_size, stride, padding : int or (int, int)
    workspace : dict, optional
        Scratch buffers, as in :func:`im2col`. The result is always a new array.

    Returns
    -------
    ndarray, shape (N, C, H, W)

    Examples
    --------
    Every pixel of a 3×3 image is counted once per window that covers it:

    >>> import numpy as np
    >>> x_shape = (1, 1, 3, 3)
    >>> col2im(im2col(np.ones(x_shape), 2), x_shape, 2)[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    N, C, H, Wd = x_shape
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    H_out = output_size(H, kh, ph, sh)
    W_out = output_size(Wd, kw, pw, sw)
    expected = (C * kh * kw, N * H_out * W_out)
    if cols.shape != expected:
        raise ValueError(f"cols must have shape {expected} for x_shape {x_shape}, got {cols.shape}")
    cols = cols.reshape(C, kh, kw, N, H_out, W_out)
    xp = _buffer(workspace, "dxp", (C, N, H + 2 * ph, Wd + 2 * pw), cols.dtype)
    out = np.empty(x_shape, cols.dtype)

    def fold(lo, hi):
        xp[:, lo:hi] = 0
        for p in range(kh):
            rows = slice(p, p + sh * H_out, sh)
            for q in range(kw):
                columns = slice(q, q + sw * W_out, sw)
                xp[:, lo:hi, rows, columns] += cols[:, p, q, lo:hi]
        out[lo:hi] = xp[:, lo:hi, ph : ph + H, pw : pw + Wd].transpose(1, 0, 2, 3)

    _over_batch(fold, N, cols.size)
    return out


def conv2d_forward(x, W, b=None, stride=1, padding=0, *, return_cols=False, workspace=None):
    """Batched cross-correlation by im2col and one matrix product (fast path).

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    b : ndarray, shape (C_out,), optional
    stride, padding : int or (int, int)
    return_cols : bool
        Also return the unfolded input, which :func:`conv2d_backward` can reuse.
    workspace : dict, optional
        Scratch buffers reused between calls (see :func:`im2col`); the output
        ``z`` is always a new array.

    Returns
    -------
    z : ndarray, shape (N, C_out, H_out, W_out)
    cols : ndarray, shape (C_in * K_h * K_w, N * H_out * W_out)
        Only if ``return_cols``.

    Notes
    -----
    .. math:: Z = W_{\\text{mat}}\\, X_{\\text{cols}} + b,\\qquad
              W_{\\text{mat}} \\in \\mathbb{R}^{C_{out} \\times C_{in} K_h K_w}

    Examples
    --------
    The fast path agrees with the scipy.signal reference:

    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> x, W, b = rng.normal(size=(2, 3, 8, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    >>> z = conv2d_forward(x, W, b, stride=1, padding=1)
    >>> bool(np.allclose(z, conv2d_forward_scipy(x, W, b, stride=1, padding=1)))
    True
    """
    x, W, b, stride, padding, (H_out, W_out) = _check_conv_args(x, W, b, stride, padding)
    N = x.shape[0]
    C_out, _, kh, kw = W.shape
    dtype = np.result_type(x, W)
    cols = im2col(x.astype(dtype, copy=False), (kh, kw), stride, padding, workspace=workspace)
    zt = _buffer(workspace, "z", (C_out, cols.shape[1]), dtype)
    np.matmul(
        W.reshape(C_out, -1).astype(dtype, copy=False), cols, out=zt
    )  # (C_out, N*H_out*W_out)
    z = np.empty((N, C_out, H_out, W_out), dtype)
    zt = zt.reshape(C_out, N, H_out, W_out)
    bias = None if b is None else b.astype(dtype, copy=False)[:, None, None]

    def to_nchw(lo, hi):
        z[lo:hi] = zt[:, lo:hi].transpose(1, 0, 2, 3)
        if bias is not None:
            z[lo:hi] += bias

    _over_batch(to_nchw, N, z.size)
    return (z, cols) if return_cols else z


def conv2d_backward(
    dy,
    x,
    W,
    stride=1,
    padding=0,
    *,
    cols=None,
    input_grad=True,
    workspace=None,
):
    """Gradients of :func:`conv2d_forward` by matrix products (fast path).

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
    x : ndarray, shape (N, C_in, H, W)
    W : ndarray, shape (C_out, C_in, K_h, K_w)
    stride, padding : int or (int, int)
    cols : ndarray, optional
        ``im2col(x)`` from the forward pass, to avoid unfolding twice.
    input_grad : bool
        If False, skip ``dx`` (returned as None): the first layer of a network
        needs no gradient with respect to the data.
    workspace : dict, optional
        Scratch buffers reused between calls; the returned gradients are new arrays.

    Returns
    -------
    dx : ndarray, shape (N, C_in, H, W) or None
    dW : ndarray, shape (C_out, C_in, K_h, K_w)
    db : ndarray, shape (C_out,)

    Notes
    -----
    With :math:`\\Delta` the upstream gradient laid out as a
    :math:`C_{out} \\times N H_{out} W_{out}` matrix,

    .. math:: \\partial C/\\partial W_{\\text{mat}} = \\Delta X_{\\text{cols}}^\\top,\\qquad
              \\partial C/\\partial X_{\\text{cols}} = W_{\\text{mat}}^\\top \\Delta

    and ``col2im`` folds the second back onto the image.

    Examples
    --------
    The adjoint identity ⟨conv(x), y⟩ = ⟨x, conv_T(y)⟩ holds for the fast
    path too, here with stride 2 and padding 1:

    >>> import numpy as np
    >>> rng = np.random.default_rng(4)
    >>> x, W = rng.normal(size=(2, 3, 9, 7)), rng.normal(size=(2, 3, 3, 3))
    >>> y = rng.normal(size=(2, 2, 5, 4))
    >>> dx, dW, db = conv2d_backward(y, x, W, stride=2, padding=1)
    >>> bool(np.isclose(np.sum(conv2d_forward(x, W, stride=2, padding=1) * y), np.sum(x * dx)))
    True
    """
    geometry = _check_conv_args(x, W, None, stride, padding)
    x, W, _, stride, padding, (H_out, W_out) = geometry
    N = x.shape[0]
    C_out, _, kh, kw = W.shape
    K = (kh, kw)
    dy = _check_dy(dy, (N, C_out, H_out, W_out))
    dtype = np.result_type(dy, x, W)
    x = x.astype(dtype, copy=False)
    W_mat = W.reshape(C_out, -1).astype(dtype, copy=False)
    if cols is None:
        cols = im2col(x, K, stride, padding, workspace=workspace)
    delta = _buffer(workspace, "delta", (C_out, N, H_out, W_out), dtype)

    def to_cnhw(lo, hi):
        delta[:, lo:hi] = dy[lo:hi].transpose(1, 0, 2, 3)

    _over_batch(to_cnhw, N, delta.size)
    delta = delta.reshape(C_out, -1)
    dW = (delta @ cols.T).reshape(W.shape)
    db = delta.sum(axis=1)
    dx = None
    if input_grad:
        dcols = _buffer(workspace, "dcols", cols.shape, dtype)
        np.matmul(W_mat.T, delta, out=dcols)
        dx = col2im(dcols, x.shape, K, stride, padding, workspace=workspace)
    return dx, dW, db
