"""A dense layer becomes a convolution by cutting connections and sharing weights.

The chapter "From a multilayer perceptron to a CNN" starts from the deltas of
a multilayer perceptron counted neuron by neuron (:func:`backprop_deltas`),
cuts each output's connections down to a window, and makes every window use
the same weights. What is left is a dense layer whose matrix repeats the kernel
along its rows (:func:`conv_matrix`), so that its backward pass, the
transposed matrix, sends each delta back through the weights that carried the
input forward (:func:`gradient_terms`). The diagrams of
:mod:`cnnbook.figures.mlp_to_cnn` and :mod:`cnnbook.figures.conv_network` are
drawn from these computations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .checks import pair
from .conv import output_size

__all__ = ["backprop_deltas", "conv_matrix", "gradient_terms"]


def backprop_deltas(weights: Sequence[np.ndarray], z: Sequence[np.ndarray], delta_out, dsigma):
    """Deltas of a multilayer perceptron by the weighted-sum rule, one neuron at a time.

    Parameters
    ----------
    weights : sequence of ndarray
        ``weights[l]`` has shape ``(n_{l+1}, n_l)`` (as :class:`~cnnbook.layers.Dense`'s
        ``W``), mapping layer ``l`` to layer ``l + 1``.
    z : sequence of ndarray
        Pre-activations of the hidden and output layers, ``z[l]`` of shape
        ``(n_{l+1},)`` for one sample.
    delta_out : ndarray, shape (n_L,)
        ``∂C/∂z`` of the output layer.
    dsigma : callable
        The derivative of the activation, :math:`\\sigma'(z)`.

    Returns
    -------
    list of ndarray
        ``deltas[l]`` of shape ``(n_{l+1},)``, one per layer after the input.

    Notes
    -----
    Each neuron's delta is its share of the next layer's deltas, weighted by the
    connections between them, times the slope of its activation:

    .. math:: \\delta^l_j = \\sigma'(z^l_j) \\sum_k w^{l+1}_{kj}\\, \\delta^{l+1}_k

    Written as loops on purpose: this is the rule counted on fingers, not a
    matrix product (see :class:`~cnnbook.layers.Dense` for that).

    Examples
    --------
    Two hidden neurons, one output, identity activation (slope 1): each hidden
    delta is its weight times the output delta.

    >>> import numpy as np
    >>> W1, W2 = np.eye(2), np.array([[2., -3.]])
    >>> z = [np.zeros(2), np.zeros(1)]
    >>> backprop_deltas([W1, W2], z, np.array([1.]), lambda z: np.ones_like(z))[0]
    array([ 2., -3.])
    """
    if len(weights) != len(z):
        raise ValueError(f"need one z per weight matrix, got {len(weights)} weights and {len(z)} z")
    deltas = [np.asarray(delta_out, dtype=np.float64)]
    for li in range(len(weights) - 1, 0, -1):
        W_next, z_l = np.asarray(weights[li]), np.asarray(z[li - 1])
        if W_next.shape != (deltas[0].shape[0], z_l.shape[0]):
            raise ValueError(
                f"weights[{li}] must have shape ({deltas[0].shape[0]}, {z_l.shape[0]}), got {W_next.shape}"
            )
        slope = dsigma(z_l)
        delta = np.zeros(z_l.shape[0])
        for j in range(z_l.shape[0]):  # every neuron of layer l ...
            total = 0.0
            for k in range(deltas[0].shape[0]):  # ... collects from every neuron it feeds
                total += W_next[k, j] * deltas[0][k]
            delta[j] = slope[j] * total
        deltas.insert(0, delta)
    return deltas


def gradient_terms(a: int, b: int, input_shape: tuple[int, int], kernel_shape: tuple[int, int]):
    """Which weights and which output deltas reach input ``(a, b)`` of a valid correlation.

    In the forward pass output ``(i, j)`` adds ``w[p, q] * x[i + p, j + q]``, so
    input ``(a, b)`` touches every output with ``i = a - p``, ``j = b - q``
    inside the output map, through weight ``(p, q)``.

    Parameters
    ----------
    a, b : int
        Input position.
    input_shape : (int, int)
        ``(H, W)``.
    kernel_shape : (int, int)
        ``(K_h, K_w)``.

    Returns
    -------
    list of ((int, int), (int, int))
        Pairs ``((p, q), (i, j))``: weight tap and output position, ordered by
        output position.

    Examples
    --------
    3×3 input, 2×2 kernel: the corner input reaches one output, the centre
    reaches all four, each through a different weight.

    >>> gradient_terms(0, 0, (3, 3), (2, 2))
    [((0, 0), (0, 0))]
    >>> gradient_terms(1, 1, (3, 3), (2, 2))
    [((1, 1), (0, 0)), ((1, 0), (0, 1)), ((0, 1), (1, 0)), ((0, 0), (1, 1))]
    """
    H, W = input_shape
    kh, kw = kernel_shape
    H_out, W_out = output_size(H, kh), output_size(W, kw)
    if not (0 <= a < H and 0 <= b < W):
        raise ValueError(f"(a, b) must lie inside the input of shape {input_shape}, got {(a, b)}")
    return [
        ((a - i, b - j), (i, j))
        for i in range(H_out)
        for j in range(W_out)
        if 0 <= a - i < kh and 0 <= b - j < kw
    ]


def conv_matrix(k, input_shape: tuple[int, int], stride=1, padding=0) -> np.ndarray:
    """The dense matrix ``M`` of a 2-D cross-correlation: ``z.ravel() == M @ x.ravel()``.

    Parameters
    ----------
    k : ndarray, shape (K_h, K_w)
        Kernel. Its dtype is kept, so an integer kernel of tap numbers shows
        which weight sits where.
    input_shape : (int, int)
        ``(H, W)`` of the input.
    stride, padding : int or (int, int)
        As in :class:`cnnbook.layers.Conv2D`; the zeros of the padding have no
        column (they contribute nothing).

    Returns
    -------
    ndarray, shape (H_out * W_out, H * W)
        Row ``i * W_out + j`` holds ``k[p, q]`` in column
        ``(i S + p - P) * W + (j S + q - P)`` for every tap inside the input,
        and 0 elsewhere: the weights of a :class:`~cnnbook.layers.Dense` layer
        whose connections were cut to a window and shared.

    Examples
    --------
    A 2×2 kernel of tap numbers on a 3×3 input: each row is the kernel laid
    out along the flattened input, shifted by one (and by one more at the end
    of an input row). Four weights, sixteen non-zero entries.

    >>> import numpy as np
    >>> conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3))
    array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
           [0, 1, 2, 0, 3, 4, 0, 0, 0],
           [0, 0, 0, 1, 2, 0, 3, 4, 0],
           [0, 0, 0, 0, 1, 2, 0, 3, 4]])

    The matrix computes the valid cross-correlation:

    >>> from cnnbook.conv import correlate2d
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 2))
    >>> bool(np.allclose(conv_matrix(w, x.shape) @ x.ravel(), correlate2d(x, w).ravel()))
    True
    """
    k = np.asarray(k)
    if k.ndim != 2:
        raise ValueError(f"k must be a 2-D kernel (K_h, K_w), got shape {k.shape}")
    H, W = pair(input_shape, "input_shape", low=1)
    kh, kw = k.shape
    sh, sw = pair(stride, "stride", low=1)
    ph, pw = pair(padding, "padding")
    H_out, W_out = output_size(H, kh, ph, sh), output_size(W, kw, pw, sw)
    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for p in range(kh):
                for q in range(kw):
                    r, c = i * sh + p - ph, j * sw + q - pw
                    if 0 <= r < H and 0 <= c < W:
                        M[i * W_out + j, r * W + c] = k[p, q]
    return M
