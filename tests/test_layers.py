"""Tests for cnnbook.layers: every backward pass against central differences.

Gradient checks run in float64 with :func:`cnnbook.gradcheck.check_layer`
and must reach a relative error below 1e-7. Inputs to ReLU and max pooling
are drawn away from their kinks (no value near 0, no ties inside a window),
where a finite difference would straddle a corner.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import special

from cnnbook.batchnorm import BatchNorm2D
from cnnbook.conv import conv2d_forward_loops, output_size
from cnnbook.gradcheck import check_layer, numerical_gradient, rel_error
from cnnbook.layers import (
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    ReLU,
    Sigmoid,
    Tanh,
)
from cnnbook.pooling import MaxPool2D, unpool

TOL = 1e-7


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Random values with ``low <= |x| <= high`` and random signs: no ReLU kink within reach."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def distinct(rng, shape):
    """Values in random order, 1/size apart: no ties, gaps far wider than the step 1e-6."""
    size = int(np.prod(shape))
    return (rng.permutation(size) / size - 0.5).reshape(shape)


def assert_gradients_match(layer, x, seed=0):
    errors = check_layer(layer, x, rng=seed)
    assert set(errors) == {"x", *layer.params}
    bad = {k: e for k, e in errors.items() if not e < TOL}
    assert not bad, f"relative errors above {TOL}: {bad}"


# ----------------------------------------------------------------------------
# Conv2D
# ----------------------------------------------------------------------------
def test_conv2d_gradients_on_the_sweep(conv_geometry, conv_shapes):
    kernel, stride, padding = conv_geometry
    x_shape, w_shape, _ = conv_shapes(kernel, stride, padding, n=2, c_in=2, c_out=2)
    rng = np.random.default_rng(0)
    conv = Conv2D(2, 2, kernel, stride, padding, rng=1)
    assert conv.params["W"].shape == w_shape
    conv.params["b"][...] = rng.normal(size=2)
    assert_gradients_match(conv, rng.normal(size=x_shape))


def test_conv2d_forward_is_the_reference_convolution(conv_geometry, conv_shapes):
    kernel, stride, padding = conv_geometry
    x_shape, _, out = conv_shapes(kernel, stride, padding, n=2, c_in=3, c_out=2)
    rng = np.random.default_rng(1)
    conv = Conv2D(3, 2, kernel, stride, padding, rng=2)
    conv.params["b"][...] = rng.normal(size=2)
    x = rng.normal(size=x_shape)
    z = conv.forward(x)
    assert z.shape == conv.output_shape(x.shape) == (2, 2, *out)
    ref = conv2d_forward_loops(x, conv.params["W"], conv.params["b"], stride, padding)
    assert np.max(np.abs(z - ref)) < 1e-12 * np.max(np.abs(ref))


def test_conv2d_initialisation():
    conv = Conv2D(16, 32, (3, 5), rng=0)
    W, b = conv.params["W"], conv.params["b"]
    assert W.shape == (32, 16, 3, 5) and b.shape == (32,)
    assert W.dtype == b.dtype == np.float64
    np.testing.assert_array_equal(b, 0)
    # He initialisation: std sqrt(2 / fan_in) with fan_in = 16 * 3 * 5 = 240.
    # With 7,680 draws the sample std is within 3% of it (about 4 standard errors).
    assert abs(W.std() / np.sqrt(2 / 240) - 1) < 0.03
    assert abs(W.mean()) < 4 * np.sqrt(2 / 240) / np.sqrt(W.size)
    # Seeded: the same seed gives the same weights, another seed others.
    np.testing.assert_array_equal(Conv2D(16, 32, (3, 5), rng=0).params["W"], W)
    assert not np.array_equal(Conv2D(16, 32, (3, 5), rng=1).params["W"], W)


def test_conv2d_without_input_gradient():
    rng = np.random.default_rng(2)
    x, dy = rng.normal(size=(2, 1, 5, 5)), rng.normal(size=(2, 3, 3, 3))
    conv = Conv2D(1, 3, 3, rng=0)
    conv.forward(x)
    dx = conv.backward(dy)
    dW = conv.grads["W"].copy()
    conv.input_grad = False
    conv.forward(x)
    assert conv.backward(dy) is None
    np.testing.assert_allclose(conv.grads["W"], dW, rtol=1e-14)
    assert dx.shape == x.shape


def test_conv2d_hand_worked():
    # Kernel [[1, 0], [0, -1]] on 1..9: every output is x[i, j] - x[i+1, j+1] = -4.
    conv = Conv2D(1, 1, 2)
    conv.params["W"][...] = [[[[1.0, 0.0], [0.0, -1.0]]]]
    conv.params["b"][...] = [10.0]
    z = conv.forward(np.arange(1.0, 10.0).reshape(1, 1, 3, 3))
    np.testing.assert_array_equal(z, [[[[6.0, 6.0], [6.0, 6.0]]]])
    # dy = 1 at every output: each input pixel collects +1 per window where it
    # sits under the 1 and -1 per window where it sits under the -1.
    dx = conv.backward(np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(conv.grads["b"], [4.0])


# ----------------------------------------------------------------------------
# Activations
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 7)])
def test_relu_gradients_away_from_the_kink(shape):
    rng = np.random.default_rng(3)
    x = away_from_zero(rng, shape)
    relu = ReLU()
    assert_gradients_match(relu, x)
    np.testing.assert_array_equal(relu.mask, x > 0)


def test_relu_hand_worked():
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(np.array([[-1.5, 0.0, 2.5]])), [[0.0, 0.0, 2.5]])
    np.testing.assert_array_equal(relu.backward(np.array([[7.0, 7.0, 7.0]])), [[0.0, 0.0, 7.0]])


@pytest.mark.parametrize("layer_cls", [Sigmoid, Tanh])
@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (4, 6)])
def test_smooth_activation_gradients(layer_cls, shape):
    x = 3 * np.random.default_rng(4).normal(size=shape)
    assert_gradients_match(layer_cls(), x)


def test_sigmoid_is_stable_and_matches_scipy():
    x = np.array([-1e4, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e4])
    a = Sigmoid().forward(x)  # filterwarnings=error: an overflow warning would fail
    np.testing.assert_allclose(a, special.expit(x), rtol=1e-15, atol=0)


def test_tanh_matches_its_definition():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(Tanh().forward(x), np.sinh(x) / np.cosh(x), rtol=1e-14)


# ----------------------------------------------------------------------------
# MaxPool2D
# ----------------------------------------------------------------------------
POOLS = [
    ((2, 2), None),
    ((2, 2), (1, 1)),  # overlapping windows
    ((3, 3), (2, 2)),  # overlapping windows
    ((3, 3), (3, 3)),
    ((2, 3), (2, 3)),  # non-square window
    ((3, 2), (1, 2)),
    ((1, 2), (3, 1)),
]
POOL_IDS = [f"k{k[0]}x{k[1]}-s{'k' if s is None else f'{s[0]}x{s[1]}'}" for k, s in POOLS]


def pool_input_shape(kernel, stride, out=(3, 4)):
    """An input that the pooling windows tile exactly, ``(out - 1) * S + K`` per side.

    N = 3 images of C = 2 channels: with N ≠ C, code that mixed up the batch
    and channel axes would fail on shapes or values.
    """
    stride = stride or kernel
    return (3, 2, *((o - 1) * s + k for o, s, k in zip(out, stride, kernel, strict=True)))


def max_pool_by_loops(x, kernel, stride):
    """Max and flat argmax ``row * W + col`` of each window, by explicit loops."""
    (kh, kw), (sh, sw) = kernel, stride
    N, C, H, W = x.shape
    oh, ow = output_size(H, kh, 0, sh), output_size(W, kw, 0, sw)
    y = np.empty((N, C, oh, ow))
    where = np.empty((N, C, oh, ow), int)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    window = x[n, c, i * sh : i * sh + kh, j * sw : j * sw + kw]
                    p, q = np.unravel_index(np.argmax(window), window.shape)
                    y[n, c, i, j] = window[p, q]
                    where[n, c, i, j] = (i * sh + p) * W + (j * sw + q)
    return y, where


@pytest.mark.parametrize(("kernel", "stride"), POOLS, ids=POOL_IDS)
def test_maxpool_gradients_without_ties(kernel, stride):
    x = distinct(np.random.default_rng(5), pool_input_shape(kernel, stride))
    assert_gradients_match(MaxPool2D(kernel, stride), x)


@pytest.mark.parametrize(("kernel", "stride"), POOLS, ids=POOL_IDS)
def test_maxpool_forward_and_switches_match_loops(kernel, stride):
    x = distinct(np.random.default_rng(6), pool_input_shape(kernel, stride))
    pool = MaxPool2D(kernel, stride)
    y = pool.forward(x)
    y_ref, where = max_pool_by_loops(x, kernel, stride or kernel)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(pool.switches, where)
    # The backward pass is the unpooling through the switches.
    dy = np.random.default_rng(7).normal(size=y.shape)
    np.testing.assert_allclose(pool.backward(dy), unpool(dy, pool.switches, x.shape), rtol=1e-15)


def test_maxpool_ties_go_to_the_first_maximum():
    pool = MaxPool2D(2)
    x = np.array([[[[5.0, 5.0], [5.0, 5.0]]]])
    pool.forward(x)
    np.testing.assert_array_equal(pool.switches, [[[[0]]]])
    np.testing.assert_array_equal(pool.backward(np.array([[[[3.0]]]]))[0, 0], [[3, 0], [0, 0]])


def test_maxpool_rejects_windows_that_do_not_tile():
    with pytest.raises(
        ValueError,
        match=r"MaxPool2D\(2, 2\) cannot pool x of shape \(1, 1, 5, 4\).*stride 2 does not tile",
    ):
        MaxPool2D(2).forward(np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match=r"expects x of shape \(N, C, H, W\), got shape \(4, 4\)"):
        MaxPool2D(2).forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"kernel_size must be >= 1, got \(0, 0\)"):
        MaxPool2D(0)


def test_unpool_rejects_mismatched_switches():
    with pytest.raises(
        ValueError, match=r"y has shape \(1, 1, 2, 2\) but switches have shape \(1, 1, 1, 2\)"
    ):
        unpool(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 1, 2), int), (1, 1, 4, 4))


# ----------------------------------------------------------------------------
# BatchNorm2D
# ----------------------------------------------------------------------------
def batchnorm_with_random_affine(C, seed):
    rng = np.random.default_rng(seed)
    bn = BatchNorm2D(C)
    bn.params["gamma"][...] = rng.uniform(0.5, 2.0, C)
    bn.params["beta"][...] = rng.normal(size=C)
    return bn


@pytest.mark.parametrize("shape", [(4, 3, 2, 3), (2, 2, 5, 1), (6, 1, 1, 1)])
def test_batchnorm_gradients_in_training_mode(shape):
    bn = batchnorm_with_random_affine(shape[1], 8)
    x = 2 + 3 * np.random.default_rng(9).normal(size=shape)
    assert_gradients_match(bn, x)


def test_batchnorm_gradients_in_eval_mode():
    bn = batchnorm_with_random_affine(3, 10)
    rng = np.random.default_rng(11)
    bn.buffers["running_mean"][...] = rng.normal(size=3)
    bn.buffers["running_var"][...] = rng.uniform(0.5, 2.0, 3)
    bn.eval()
    assert_gradients_match(bn, rng.normal(size=(2, 3, 3, 2)))


def test_batchnorm_training_forward_by_hand():
    rng = np.random.default_rng(12)
    x = 5 + 2 * rng.normal(size=(4, 2, 3, 3))
    bn = batchnorm_with_random_affine(2, 13)
    y = bn.forward(x)
    for c in range(2):
        values = x[:, c].ravel()
        mu, var = values.sum() / values.size, ((values - values.mean()) ** 2).mean()
        expected = (
            bn.params["gamma"][c] * (x[:, c] - mu) / np.sqrt(var + bn.eps) + bn.params["beta"][c]
        )
        np.testing.assert_allclose(y[:, c], expected, rtol=1e-12, atol=1e-12)


def test_batchnorm_running_statistics_by_hand():
    # running = 0.9 * running + 0.1 * batch, with the *unbiased* variance
    # (divide by m - 1) and the initial running statistics 0 and 1.
    rng = np.random.default_rng(14)
    x1 = 1 + rng.normal(size=(3, 2, 2, 3))
    x2 = -2 + 3 * rng.normal(size=(5, 2, 1, 2))
    bn = BatchNorm2D(2)
    bn.forward(x1)
    bn.forward(x2)
    for c in range(2):
        v1, v2 = x1[:, c].ravel(), x2[:, c].ravel()
        m1, m2 = v1.size, v2.size  # 18 and 10 values per channel
        mean1, mean2 = sum(v1) / m1, sum(v2) / m2
        var1 = sum((v - mean1) ** 2 for v in v1) / (m1 - 1)
        var2 = sum((v - mean2) ** 2 for v in v2) / (m2 - 1)
        running_mean = 0.9 * (0.9 * 0.0 + 0.1 * mean1) + 0.1 * mean2
        running_var = 0.9 * (0.9 * 1.0 + 0.1 * var1) + 0.1 * var2
        assert bn.buffers["running_mean"][c] == pytest.approx(running_mean, rel=1e-12)
        assert bn.buffers["running_var"][c] == pytest.approx(running_var, rel=1e-12)
    # In eval mode the layer is the affine map given by the running statistics,
    # and forward passes no longer change them.
    bn.eval()
    before = {k: v.copy() for k, v in bn.buffers.items()}
    x3 = rng.normal(size=(2, 2, 2, 2))
    y3 = bn.forward(x3)
    rm, rv = before["running_mean"], before["running_var"]
    expected = (x3 - rm[:, None, None]) / np.sqrt(rv[:, None, None] + bn.eps)
    np.testing.assert_allclose(y3, expected, rtol=1e-12, atol=1e-12)
    for k in before:
        np.testing.assert_array_equal(bn.buffers[k], before[k])


def test_batchnorm_rejects_bad_input():
    bn = BatchNorm2D(3)
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2D\(3\) expects x of shape \(N, 3, H, W\), got shape \(2, 4, 5, 5\)",
    ):
        bn.forward(np.zeros((2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 5\)"):
        bn.forward(np.zeros((2, 3, 5)))
    with pytest.raises(
        ValueError, match=r"more than one value per channel.*got x of shape \(1, 3, 1, 1\)"
    ):
        bn.forward(np.zeros((1, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0, 1\], got 1.5"):
        BatchNorm2D(3, momentum=1.5)
    with pytest.raises(ValueError, match="num_features must be a positive int, got 0"):
        BatchNorm2D(0)


# ----------------------------------------------------------------------------
# Flatten and Dense
# ----------------------------------------------------------------------------
def test_flatten_gradients_and_layout():
    x = np.random.default_rng(15).normal(size=(2, 3, 4, 5))
    assert_gradients_match(Flatten(), x)
    y = Flatten().forward(x)
    assert y.shape == (2, 60)
    # Row-major (C, H, W) order: entry (c, h, w) lands at column c*20 + h*5 + w.
    assert y[1, 2 * 20 + 3 * 5 + 4] == x[1, 2, 3, 4]


@pytest.mark.parametrize(("n", "d_in", "d_out"), [(1, 1, 1), (4, 5, 3), (3, 2, 7)])
def test_dense_gradients(n, d_in, d_out):
    rng = np.random.default_rng(16)
    dense = Dense(d_in, d_out, rng=1)
    dense.params["b"][...] = rng.normal(size=d_out)
    assert_gradients_match(dense, rng.normal(size=(n, d_in)))


def test_dense_initialisation():
    dense = Dense(300, 200, rng=0)
    W, b = dense.params["W"], dense.params["b"]
    assert W.shape == (200, 300) and b.shape == (200,)
    assert W.dtype == b.dtype == np.float64
    np.testing.assert_array_equal(b, 0)
    # He initialisation: std sqrt(2 / fan_in) with fan_in = 300. With 60,000
    # draws the sample std is within 1.5 % of it (about 5 standard errors).
    assert abs(W.std() / np.sqrt(2 / 300) - 1) < 0.015
    assert abs(W.mean()) < 4 * np.sqrt(2 / 300) / np.sqrt(W.size)
    # The weights are distinct draws (not one value repeated), and each row
    # (one output unit) has its own weights, as the std of a row shows.
    assert len(np.unique(W)) == W.size
    assert abs(W[0].std() / np.sqrt(2 / 300) - 1) < 0.25
    np.testing.assert_array_equal(Dense(300, 200, rng=0).params["W"], W)
    assert not np.array_equal(Dense(300, 200, rng=1).params["W"], W)


def test_dense_hand_worked():
    # y = x W^T + b: [1, 2] . [3, -1] + 0.5 = 1.5 and [1, 2] . [0, 2] - 1 = 3.
    dense = Dense(2, 2)
    dense.params["W"][...] = [[3.0, -1.0], [0.0, 2.0]]
    dense.params["b"][...] = [0.5, -1.0]
    np.testing.assert_array_equal(dense.forward(np.array([[1.0, 2.0]])), [[1.5, 3.0]])
    dx = dense.backward(np.array([[1.0, 10.0]]))
    np.testing.assert_array_equal(dx, [[3.0, 19.0]])  # dy W
    np.testing.assert_array_equal(dense.grads["W"], [[1.0, 2.0], [10.0, 20.0]])  # dy^T x
    np.testing.assert_array_equal(dense.grads["b"], [1.0, 10.0])


def test_dense_rejects_bad_input():
    with pytest.raises(
        ValueError, match=r"Dense\(3, 2\) expects x of shape \(N, 3\), got shape \(4, 5\)"
    ):
        Dense(3, 2).forward(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"got shape \(4, 1, 3\)"):
        Dense(3, 2).forward(np.zeros((4, 1, 3)))
    with pytest.raises(ValueError, match="in_features must be a positive int, got -3"):
        Dense(-3, 2)


# ----------------------------------------------------------------------------
# Dropout
# ----------------------------------------------------------------------------
def test_dropout_backward_is_the_forward_mask():
    x = np.random.default_rng(17).uniform(1, 2, size=(4, 3, 5, 5))  # no zero inputs
    drop = Dropout(0.3, rng=0)
    y = drop.forward(x)
    kept = y != 0
    assert 0 < kept.sum() < kept.size
    # Kept entries are scaled by 1 / (1 - p); the rest are zero.
    np.testing.assert_allclose(y[kept], x[kept] / 0.7, rtol=1e-15)
    dy = np.random.default_rng(18).normal(size=x.shape)
    np.testing.assert_allclose(drop.backward(dy), np.where(kept, dy / 0.7, 0.0), rtol=1e-15)


def test_dropout_gradient_by_finite_differences_with_the_mask_fixed():
    # Re-seeding the layer's generator before every forward pass draws the same
    # mask each time, which makes the layer a fixed linear map to differentiate.
    rng = np.random.default_rng(19)
    x, dy = rng.normal(size=(3, 2, 4, 4)), rng.normal(size=(3, 2, 4, 4))
    drop = Dropout(0.4)

    def forward(x):
        drop.rng = np.random.default_rng(123)
        return drop.forward(x)

    forward(x)
    dx = drop.backward(dy)
    assert rel_error(dx, numerical_gradient(forward, x.copy(), dy)) < TOL


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_statistics(p):
    # Each entry is kept with probability 1 - p, so over n entries the kept
    # fraction has standard deviation sqrt(p (1 - p) / n); the output mean is 1.
    n = 200_000
    y = Dropout(p, rng=20).forward(np.ones(n))
    kept = np.mean(y != 0)
    assert abs(kept - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
    assert abs(y.mean() - 1) < 5 * np.sqrt(p / (1 - p) / n)


def test_dropout_draws_a_new_mask_each_pass_and_repeats_with_a_seed():
    x = np.ones(1000)
    a = Dropout(0.5, rng=3)
    first, second = a.forward(x), a.forward(x)
    assert not np.array_equal(first, second)
    b = Dropout(0.5, rng=3)
    np.testing.assert_array_equal(b.forward(x), first)
    np.testing.assert_array_equal(b.forward(x), second)


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero():
    x = np.random.default_rng(21).normal(size=(3, 4))
    for drop in (Dropout(0.5, rng=0).eval(), Dropout(0.0, rng=0)):
        np.testing.assert_array_equal(drop.forward(x), x)
        np.testing.assert_array_equal(drop.backward(2 * x), 2 * x)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(ValueError, match=rf"p must be a finite number in \[0, 1\), got {p}"):
        Dropout(p)


# ----------------------------------------------------------------------------
# Every layer: dtype, errors in backward, bad constructor arguments
# ----------------------------------------------------------------------------
LAYERS = {
    "Conv2D": (
        lambda dtype: Conv2D(2, 3, 3, padding=1, rng=0, dtype=dtype),
        (2, 2, 4, 4),
        (2, 3, 4, 4),
    ),
    "ReLU": (lambda dtype: ReLU(), (2, 2, 4, 4), (2, 2, 4, 4)),
    "Sigmoid": (lambda dtype: Sigmoid(), (2, 2, 4, 4), (2, 2, 4, 4)),
    "Tanh": (lambda dtype: Tanh(), (2, 2, 4, 4), (2, 2, 4, 4)),
    "MaxPool2D": (lambda dtype: MaxPool2D(2), (2, 2, 4, 4), (2, 2, 2, 2)),
    "BatchNorm2D": (lambda dtype: BatchNorm2D(2, dtype=dtype), (2, 2, 4, 4), (2, 2, 4, 4)),
    "Flatten": (lambda dtype: Flatten(), (2, 2, 4, 4), (2, 32)),
    "Dense": (lambda dtype: Dense(6, 3, rng=0, dtype=dtype), (2, 6), (2, 3)),
    "Dropout": (lambda dtype: Dropout(0.5, rng=0), (2, 2, 4, 4), (2, 2, 4, 4)),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_float32_in_float32_out(name):
    make, x_shape, y_shape = LAYERS[name]
    layer = make(np.float32)
    assert all(p.dtype == np.float32 for p in layer.params.values())
    x = np.random.default_rng(22).normal(size=x_shape).astype(np.float32)
    y = layer.forward(x)
    assert y.shape == y_shape and y.dtype == np.float32
    dx = layer.backward(np.ones(y_shape, np.float32))
    assert dx.shape == x_shape and dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_before_forward(name):
    make, _, y_shape = LAYERS[name]
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        make(np.float64).backward(np.ones(y_shape))


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_with_the_wrong_dy_shape(name, training):
    make, x_shape, y_shape = LAYERS[name]
    layer = make(np.float64).train(training)
    layer.forward(np.random.default_rng(23).normal(size=x_shape))
    wrong = (y_shape[0] + 1, *y_shape[1:])
    message = f"{name}.backward: dy must have shape {y_shape}, got {wrong}"
    with pytest.raises(ValueError, match=re.escape(message)):
        layer.backward(np.ones(wrong))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_complex_input_is_refused(name):
    make, x_shape, _ = LAYERS[name]
    with pytest.raises(
        TypeError, match="x must be a real floating-point array, got dtype complex128"
    ):
        make(np.float64).forward(np.ones(x_shape, complex))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_integer_input_is_converted(name):
    make, x_shape, _ = LAYERS[name]
    x = np.arange(np.prod(x_shape)).reshape(x_shape) % 7 - 3
    a, b = make(np.float64), make(np.float64)
    y_int, y_float = a.forward(x), b.forward(x.astype(np.float64))
    assert y_int.dtype == np.float64
    np.testing.assert_array_equal(y_int, y_float)


def test_conv2d_rejects_bad_input():
    conv = Conv2D(3, 4, 3)
    with pytest.raises(
        ValueError, match=r"Conv2D expects x of shape \(N, C_in, H, W\), got shape \(3, 8, 8\)"
    ):
        conv.forward(np.zeros((3, 8, 8)))
    with pytest.raises(
        ValueError, match=r"Conv2D\(3, 4\) expects C_in=3 channels, got x of shape \(2, 1, 8, 8\)"
    ):
        conv.forward(np.zeros((2, 1, 8, 8)))
    with pytest.raises(
        ValueError, match=r"kernel of size 3 is larger than the padded input of size 2"
    ):
        conv.forward(np.zeros((2, 3, 2, 8)))
    with pytest.raises(ValueError, match=r"stride 2 does not tile"):
        Conv2D(3, 4, 3, stride=2).forward(np.zeros((1, 3, 8, 8)))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"in_channels": 0}, ValueError, "in_channels must be a positive int, got 0"),
        (
            {"out_channels": 2.0},
            TypeError,
            r"out_channels must be a positive int, got 2.0 \(float\)",
        ),
        (
            {"out_channels": True},
            TypeError,
            r"out_channels must be a positive int, got True \(bool\)",
        ),
        ({"kernel_size": 0}, ValueError, r"kernel_size must be >= 1, got \(0, 0\)"),
        (
            {"kernel_size": True},
            TypeError,
            r"kernel_size must be an int or a pair of ints, got True",
        ),
        ({"stride": (1, 0)}, ValueError, r"stride must be >= 1, got \(1, 0\)"),
        ({"stride": (1, True)}, TypeError, r"stride must be an int or a pair of ints"),
        ({"padding": -1}, ValueError, r"padding must be >= 0, got \(-1, -1\)"),
        (
            {"kernel_size": (3, 3, 3)},
            TypeError,
            r"kernel_size must be an int or a pair of ints, got \(3, 3, 3\)",
        ),
        ({"dtype": np.int32}, TypeError, "dtype must be float32 or float64, got int32"),
        (
            {"rng": "seed"},
            TypeError,
            r"rng must be None, an int seed or a numpy Generator, got 'seed' \(str\)",
        ),
    ],
)
def test_conv2d_rejects_bad_arguments(kwargs, error, message):
    args = {"in_channels": 1, "out_channels": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(error, match=message):
        Conv2D(**args)


def test_astype_casts_parameters_and_buffers():
    bn = BatchNorm2D(2)
    bn.forward(np.random.default_rng(24).normal(size=(2, 2, 2, 2)))
    bn.astype(np.float32)
    for store in (bn.params, bn.buffers):
        assert all(v.dtype == np.float32 for v in store.values())
    conv = Conv2D(1, 1, 2, rng=0)
    W64 = conv.params["W"].copy()
    conv.astype(np.float32)
    np.testing.assert_array_equal(conv.params["W"], W64.astype(np.float32))
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got float16"):
        conv.astype(np.float16)


def test_base_layer_is_the_identity_and_switches_modes():
    layer = Layer()
    x = np.arange(3.0)
    assert layer.forward(x) is x and layer.backward(x) is x
    assert layer.training
    assert layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training
