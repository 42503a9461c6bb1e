"""The fast convolution engine: im2col, one matrix product, col2im.

:mod:`cnnbook.conv` holds the operations the derivation reads and two slow,
readable references (loops, and one :mod:`scipy.signal` call per equation).
This module computes the same numbers fast, and is what
:class:`cnnbook.layers.Conv2D` calls:

* :func:`im2col` unfolds every kernel-sized window of the input into a column,
  so that the forward pass is one matrix product;
* :func:`col2im` folds columns back, adding where windows overlap; it is the
  adjoint of :func:`im2col`;
* :func:`conv2d_forward` and :func:`conv2d_backward` are the layer's two passes;
* :func:`conv2d_transpose` is the input-gradient half of the backward pass on
  its own, Zeiler and Fergus's "deconvolution".

The tests prove that every function here agrees with the references in
:mod:`cnnbook.conv` to 1e-12 across a sweep of shapes, strides and paddings.
Scratch buffers can be kept between calls in a ``workspace`` dict, so that a
layer that sees batches of one shape does not allocate tens of megabytes on
every step.
"""

from __future__ import annotations

import numpy as np

from .checks import float_array, not_too_large, pair, shape
from .conv import check_conv_args, check_dy, output_size

__all__ = ["col2im", "conv2d_backward", "conv2d_forward", "conv2d_transpose", "im2col"]


def _buffer(workspace, name, shape, dtype):
    """A scratch array from ``workspace`` (reused between calls), or a new one."""
    if workspace is None:
        return np.empty(shape, dtype)
    buf = workspace.get(name)
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        buf = workspace[name] = np.empty(shape, dtype)
    return buf


def _geometry(x_shape, kernel_size, stride, padding):
    """Kernel, stride, padding and output size of a convolution of ``x_shape``."""
    kh, kw = pair(kernel_size, "kernel_size", low=1)
    sh, sw = pair(stride, "stride", low=1)
    ph, pw = pair(padding, "padding", low=0)
    H_out = output_size(x_shape[2], kh, ph, sh)
    W_out = output_size(x_shape[3], kw, pw, sw)
    N, C, H, W = x_shape
    not_too_large((N, C, H + 2 * ph, W + 2 * pw), "the padded input")
    not_too_large((C * kh * kw, N * H_out * W_out), "the unfolded input")
    return (kh, kw), (sh, sw), (ph, pw), (H_out, W_out)


def im2col(x, kernel_size, stride=1, padding=0, *, workspace=None):
    """Unfold every kernel-sized window of ``x`` into a column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (int, int)
    stride, padding : int or (int, int)
    workspace : dict, optional
        Scratch buffers kept between calls. The returned array lives in it.

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
    x = float_array(x, "x", 4)
    (kh, kw), (sh, sw), (ph, pw), (H_out, W_out) = _geometry(x.shape, kernel_size, stride, padding)
    N, C, H, Wd = x.shape
    # Pad and put channels before the batch in one copy: (C, N, H+2P, W+2P).
    xp = _buffer(workspace, "xp", (C, N, H + 2 * ph, Wd + 2 * pw), x.dtype)
    xp.fill(0)
    xp[:, :, ph : ph + H, pw : pw + Wd] = x.swapaxes(0, 1)
    cols = _buffer(workspace, "cols", (C, kh, kw, N, H_out, W_out), x.dtype)
    for p in range(kh):
        rows = slice(p, p + sh * H_out, sh)  # kernel row p
        for q in range(kw):
            columns = slice(q, q + sw * W_out, sw)  # kernel column q
            cols[:, p, q] = xp[:, :, rows, columns]
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
    N, C, H, Wd = x_shape = shape(x_shape, "x_shape", 4)
    (kh, kw), (sh, sw), (ph, pw), (H_out, W_out) = _geometry(x_shape, kernel_size, stride, padding)
    cols = float_array(cols, "cols")
    expected = (C * kh * kw, N * H_out * W_out)
    if cols.shape != expected:
        raise ValueError(f"cols must have shape {expected} for x_shape {x_shape}, got {cols.shape}")
    cols = cols.reshape(C, kh, kw, N, H_out, W_out)
    xp = _buffer(workspace, "dxp", (C, N, H + 2 * ph, Wd + 2 * pw), cols.dtype)
    xp.fill(0)
    for p in range(kh):
        rows = slice(p, p + sh * H_out, sh)
        for q in range(kw):
            columns = slice(q, q + sw * W_out, sw)
            xp[:, :, rows, columns] += cols[:, p, q]
    return xp[:, :, ph : ph + H, pw : pw + Wd].transpose(1, 0, 2, 3).copy()


def conv2d_forward(x, W, b=None, stride=1, padding=0, *, return_cols=False, workspace=None):
    """Batched cross-correlation by im2col and one matrix product (fast path).

    Parameters
    ----------
    x, W, b, stride, padding
        As in :func:`cnnbook.conv.conv2d_forward_loops`.
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
    >>> from cnnbook.conv import conv2d_forward_scipy
    >>> rng = np.random.default_rng(3)
    >>> x, W, b = rng.normal(size=(2, 3, 8, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    >>> z = conv2d_forward(x, W, b, stride=1, padding=1)
    >>> bool(np.allclose(z, conv2d_forward_scipy(x, W, b, stride=1, padding=1)))
    True
    """
    x, W, b, stride, padding, (H_out, W_out) = check_conv_args(x, W, b, stride, padding)
    N = x.shape[0]
    C_out, _, kh, kw = W.shape
    dtype = np.result_type(x, W)
    cols = im2col(x.astype(dtype, copy=False), (kh, kw), stride, padding, workspace=workspace)
    W_mat = W.reshape(C_out, -1).astype(dtype, copy=False)
    zt = _buffer(workspace, "z", (C_out, cols.shape[1]), dtype)
    np.matmul(W_mat, cols, out=zt)  # (C_out, N H_out W_out)
    z = zt.reshape(C_out, N, H_out, W_out).transpose(1, 0, 2, 3).copy()  # (N, C_out, H_out, W_out)
    if b is not None:
        z += b.astype(dtype, copy=False)[:, None, None]
    return (z, cols) if return_cols else z


def _input_grad(delta, W, x_shape, stride, padding, workspace):
    """``col2im(W_mat.T @ delta)``: the input gradient, from ``delta`` of shape (C_out, N H_out W_out)."""
    C_out, _, kh, kw = W.shape
    dcols = _buffer(workspace, "dcols", (W[0].size, delta.shape[1]), delta.dtype)
    np.matmul(W.reshape(C_out, -1).T, delta, out=dcols)
    return col2im(dcols, x_shape, (kh, kw), stride, padding, workspace=workspace)


def _as_columns(dy, dtype, workspace):
    """Lay ``dy`` (N, C_out, H_out, W_out) out as a (C_out, N H_out W_out) matrix of ``dtype``."""
    N, C_out, H_out, W_out = dy.shape
    delta = _buffer(workspace, "delta", (C_out, N, H_out, W_out), dtype)
    delta[...] = dy.transpose(1, 0, 2, 3)
    return delta.reshape(C_out, -1)


def conv2d_backward(dy, x, W, stride=1, padding=0, *, cols=None, input_grad=True, workspace=None):
    """Gradients of :func:`conv2d_forward` by matrix products (fast path).

    Parameters
    ----------
    dy, x, W, stride, padding
        As in :func:`cnnbook.conv.conv2d_backward_loops`.
    cols : ndarray, optional
        ``im2col(x)`` from the forward pass, to avoid unfolding twice.
    input_grad : bool
        If False, skip ``dx`` (returned as None): the first layer of a network
        needs no gradient with respect to the data.
    workspace : dict, optional
        Scratch buffers reused between calls; the returned gradients are new arrays.

    Returns
    -------
    dx, dW, db
        As :func:`cnnbook.conv.conv2d_backward_loops` returns them; ``dx`` is
        None when ``input_grad`` is False.

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
    x, W, _, stride, padding, (H_out, W_out) = check_conv_args(x, W, None, stride, padding)
    N = x.shape[0]
    C_out, _, kh, kw = W.shape
    dy = check_dy(dy, (N, C_out, H_out, W_out))
    dtype = np.result_type(dy, x, W)
    x, W = x.astype(dtype, copy=False), W.astype(dtype, copy=False)
    if cols is None:
        cols = im2col(x, (kh, kw), stride, padding, workspace=workspace)
    delta = _as_columns(dy, dtype, workspace)
    dW = (delta @ cols.T).reshape(W.shape)
    db = delta.sum(axis=1)
    dx = _input_grad(delta, W, x.shape, stride, padding, workspace) if input_grad else None
    return dx, dW, db


def conv2d_transpose(dy, W, x_shape, stride=1, padding=0):
    """Transposed convolution: the input gradient of a convolution, and nothing else.

    This is Zeiler and Fergus's "deconvolution" with the filters of a
    :class:`~cnnbook.layers.Conv2D`: the map that sends a signal at the
    convolution's output back to its input, with no weight gradient formed.

    Parameters
    ----------
    dy : ndarray, shape (N, C_out, H_out, W_out)
        Signal at the convolution's output.
    W : ndarray, shape (C_out, C_in, K_h, K_w)
        The layer's filters.
    x_shape : tuple (N, C_in, H, W)
        Shape of the convolution's input, which the output takes.
    stride, padding : int or (int, int)
        Those of the forward convolution.

    Returns
    -------
    ndarray, shape (N, C_in, H, W)

    Notes
    -----
    For stride 1 and no padding each input channel is a sum of *full*
    convolutions (the kernel turned by 180°, "transposed filters"):

    .. math:: r_{n,c} = \\sum_o \\delta_{n,o} * W_{o,c}

    With stride and padding, ``dy`` is dilated and the result cropped, as in
    :func:`cnnbook.conv.conv2d_backward_scipy`.

    Examples
    --------
    A single 1 at the output stamps the filter onto the input, unturned:

    >>> import numpy as np
    >>> W = np.array([[[[1., 2.], [3., 4.]]]])
    >>> conv2d_transpose(np.ones((1, 1, 1, 1)), W, (1, 1, 2, 2))[0, 0]
    array([[1., 2.],
           [3., 4.]])

    In general the result is a full convolution with the filter:

    >>> from cnnbook.conv import convolve2d
    >>> dy = np.array([[[[1., 0.], [0., 2.]]]])
    >>> r = conv2d_transpose(dy, W, (1, 1, 3, 3))
    >>> r[0, 0]
    array([[1., 2., 0.],
           [3., 6., 4.],
           [0., 6., 8.]])
    >>> bool(np.array_equal(r[0, 0], convolve2d(dy[0, 0], W[0, 0], "full")))
    True
    """
    x_shape = shape(x_shape, "x_shape", 4)
    W = float_array(W, "W", 4)
    if W.shape[1] != x_shape[1]:
        raise ValueError(
            f"W has {W.shape[1]} input channels, but x_shape {x_shape} has {x_shape[1]}"
        )
    _, stride, padding, (H_out, W_out) = _geometry(x_shape, W.shape[2:], stride, padding)
    dy = check_dy(dy, (x_shape[0], W.shape[0], H_out, W_out))
    dtype = np.result_type(dy, W)
    delta = _as_columns(dy, dtype, None)
    return _input_grad(delta, W.astype(dtype, copy=False), x_shape, stride, padding, None)
