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
* ``conv2d_forward`` / ``conv2d_backward`` in :mod:`cnnbook.conv_fast`: the
  fast path (im2col and one matrix product), used by
  :class:`cnnbook.layers.Conv2D`.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from .checks import choice, float_array, not_too_large, pair

__all__ = [
    "check_conv_args",
    "check_dy",
    "conv2d_backward_loops",
    "conv2d_backward_scipy",
    "conv2d_forward_loops",
    "conv2d_forward_scipy",
    "convolve2d",
    "correlate2d",
    "dilate",
    "output_size",
    "rot180",
]

_MODES = ("valid", "full", "same")


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


def _check_2d(x, k, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Check the arguments of :func:`correlate2d` and :func:`convolve2d`."""
    choice(mode, _MODES, "mode")
    x = float_array(x, "x", 2)
    k = float_array(k, "k", 2)
    if mode == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        raise ValueError(
            f"valid mode needs the kernel to fit inside the input: kernel {k.shape}, "
            f"input {x.shape}"
        )
    return x, k


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
    return signal.correlate2d(*_check_2d(x, k, mode), mode=mode)


def convolve2d(x: np.ndarray, k: np.ndarray, mode: str = "valid") -> np.ndarray:
    """2-D true convolution: the kernel is turned by 180° before it slides.

    Parameters
    ----------
    x, k, mode
        As in :func:`correlate2d`; here ``k`` is turned before it slides.

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
    return signal.convolve2d(*_check_2d(x, k, mode), mode=mode)


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
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
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
    sh, sw = pair(stride, "stride", low=1)
    d = np.asarray(d)
    if d.ndim < 2:
        raise ValueError(f"dilate needs at least 2 dimensions, got shape {d.shape}")
    h, w = d.shape[-2:]
    shape = not_too_large((*d.shape[:-2], (h - 1) * sh + 1, (w - 1) * sw + 1), "the dilated array")
    out = np.zeros(shape, dtype=d.dtype)
    out[..., ::sh, ::sw] = d
    return out


# ----------------------------------------------------------------------------
# Batched NCHW convolution: checks shared by the three implementations
# ----------------------------------------------------------------------------
def check_conv_args(x, W, b, stride, padding):
    """Validate a batched convolution's arguments; return them with the geometry.

    Every implementation, here and in :mod:`cnnbook.conv_fast`, starts with
    this call, so all of them refuse the same inputs with the same messages.

    Returns
    -------
    x, W, b : ndarray (b may be None)
    stride, padding : (int, int)
    out_size : (H_out, W_out)

    Examples
    --------
    >>> import numpy as np
    >>> check_conv_args(np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), None, 1, 1)[3:]
    ((1, 1), (1, 1), (8, 8))
    """
    x = float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(
            f"x must have shape (N, C_in, H, W) with 4 dimensions, got shape {x.shape}"
        )
    W = float_array(W, "W")
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
        b = float_array(b, "b")
        if b.shape != (W.shape[0],):
            raise ValueError(f"b must have shape (C_out,) = ({W.shape[0]},), got {b.shape}")
    sh, sw = pair(stride, "stride", low=1)
    ph, pw = pair(padding, "padding", low=0)
    _, _, H, Wd = x.shape
    _, _, kh, kw = W.shape
    try:
        H_out = output_size(H, kh, ph, sh)
        W_out = output_size(Wd, kw, pw, sw)
        N, C = x.shape[:2]
        not_too_large((N, C, H + 2 * ph, Wd + 2 * pw), "the padded input")
        not_too_large((C * kh * kw, N * H_out * W_out), "the unfolded input")
    except ValueError as err:
        raise ValueError(
            f"cannot convolve input of shape {x.shape} with kernel of shape {W.shape}, "
            f"stride {(sh, sw)}, padding {(ph, pw)}: {err}"
        ) from None
    return x, W, b, (sh, sw), (ph, pw), (H_out, W_out)


def check_dy(dy, shape, name="dy"):
    """Check an upstream gradient: a float array of the forward output's ``shape``."""
    dy = float_array(dy, name)
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
    geometry = check_conv_args(x, W, b, stride, padding)
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
    geometry = check_conv_args(x, W, None, stride, padding)
    x, W, _, (sh, sw), (ph, pw), (H_out, W_out) = geometry
    N, _, H, Wd = x.shape
    C_out, _, kh, kw = W.shape
    dy = check_dy(dy, (N, C_out, H_out, W_out))
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

    Takes and returns what :func:`conv2d_forward_loops` does.

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
    x, W, b, (sh, sw), (ph, pw), (H_out, W_out) = check_conv_args(x, W, b, stride, padding)
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

    Takes and returns what :func:`conv2d_backward_loops` does, with ``dy`` the
    upstream gradient ``δ = ∂C/∂z``.

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
    geometry = check_conv_args(x, W, None, stride, padding)
    x, W, _, (sh, sw), (ph, pw), (H_out, W_out) = geometry
    N, C_in, H, Wd = x.shape
    C_out = W.shape[0]
    dy = check_dy(dy, (N, C_out, H_out, W_out))
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
