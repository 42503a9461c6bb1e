"""Tests of cnnbook.weight_sharing: the convolution matrix, the gradient terms, the deltas on fingers.

Each is checked against an independent reference: scipy.signal, the loop
reference convolution, the layers' backward passes and finite differences.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import signal

from cnnbook.conv import conv2d_forward_loops, convolve2d, correlate2d, rot180
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import Dense, Sigmoid
from cnnbook.losses import mse
from cnnbook.weight_sharing import backprop_deltas, conv_matrix, gradient_terms


# A convolution as a matrix
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x_shape", "k_shape", "stride", "padding"),
    [
        ((3, 3), (2, 2), 1, 0),
        ((5, 6), (3, 2), 1, 0),
        ((7, 7), (3, 3), 2, 1),
        ((6, 10), (2, 3), (2, 3), (0, 1)),
    ],
)
def test_conv_matrix_computes_the_reference_correlation(x_shape, k_shape, stride, padding):
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=x_shape), rng.normal(size=k_shape)
    M = conv_matrix(k, x_shape, stride=stride, padding=padding)
    z = conv2d_forward_loops(x[None, None], k[None, None], stride=stride, padding=padding)[0, 0]
    assert M.shape == (z.size, x.size)
    assert np.allclose(M @ x.ravel(), z.ravel())


def test_conv_matrix_is_a_dense_layer_whose_transpose_is_a_full_convolution():
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    dense = Dense(30, 12)
    dense.params["W"][...] = conv_matrix(k, x.shape)
    z = dense.forward(x.reshape(1, -1)).reshape(3, 4)
    assert np.allclose(z, signal.correlate2d(x, k, mode="valid"))
    delta = rng.normal(size=(3, 4))
    dx = dense.backward(delta.reshape(1, -1)).reshape(5, 6)
    assert np.allclose(dx, signal.convolve2d(delta, k, mode="full"))
    assert np.allclose(dx, correlate2d(delta, rot180(k), "full"))
    assert np.allclose(dx, convolve2d(delta, k, "full"))


def test_conv_matrix_shares_every_weight_and_has_one_kernel_per_row():
    taps = np.arange(1, 7).reshape(2, 3)
    M = conv_matrix(taps, (4, 5))
    H_out, W_out = 3, 3
    assert M.shape == (H_out * W_out, 20)
    for row in M:
        assert sorted(row[row != 0]) == list(range(1, 7))
    for t in range(1, 7):
        assert (M == t).sum() == H_out * W_out


def test_gradient_terms_read_the_columns_of_the_conv_matrix():
    H, W, kh, kw = 4, 5, 2, 3
    taps = np.arange(1, kh * kw + 1).reshape(kh, kw)
    M = conv_matrix(taps, (H, W))
    W_out = W - kw + 1
    for a, b in itertools.product(range(H), range(W)):
        col = M[:, a * W + b]
        from_matrix = {(divmod(int(col[o]) - 1, kw), divmod(o, W_out)) for o in np.flatnonzero(col)}
        assert set(gradient_terms(a, b, (H, W), (kh, kw))) == from_matrix, (a, b)


# ----------------------------------------------------------------------------
# Deltas counted on fingers
# ----------------------------------------------------------------------------
def test_backprop_deltas_match_the_backward_pass_and_finite_differences():
    rng = np.random.default_rng(4)
    d1, s1, d2, s2 = Dense(3, 4, rng=1), Sigmoid(), Dense(4, 2, rng=2), Sigmoid()
    d1.params["b"][...] = rng.normal(size=4)
    x, target = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))
    z1 = d1.forward(x)
    z2 = d2.forward(s1.forward(z1))
    _, da2 = mse(s2.forward(z2), target)
    delta2 = s2.backward(da2)
    delta1_backward = s1.backward(d2.backward(delta2))

    def sigma_prime(z):
        a = 1 / (1 + np.exp(-z))
        return a * (1 - a)

    deltas = backprop_deltas(
        [d1.params["W"], d2.params["W"]], [z1[0], z2[0]], delta2[0], sigma_prime
    )
    assert rel_error(deltas[0], delta1_backward[0]) < 1e-12
    assert np.array_equal(deltas[1], delta2[0])

    def loss_of_z1(z):
        return np.array(mse(s2.forward(d2.forward(s1.forward(z))), target)[0])

    numeric = numerical_gradient(loss_of_z1, z1.copy(), np.array(1.0))
    assert rel_error(deltas[0], numeric[0]) < 1e-7


def test_backprop_deltas_checks_shapes():
    with pytest.raises(ValueError, match="one z per weight"):
        backprop_deltas([np.eye(2)], [], np.ones(2), np.ones_like)
    with pytest.raises(ValueError, match="must have shape"):
        backprop_deltas(
            [np.eye(2), np.ones((1, 3))], [np.zeros(2), np.zeros(1)], np.ones(1), np.ones_like
        )


# ----------------------------------------------------------------------------
