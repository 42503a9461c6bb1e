"""Tests for cnnbook.conv and cnnbook.conv_fast: the 2-D primitives and the three batched convolutions.

The references are independent of the code under test: :mod:`scipy.signal`
called directly, explicit loops over the defining sums written here, and small
examples worked by hand (the arithmetic is in the comments).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import signal

from cnnbook.conv import (
    conv2d_backward_loops,
    conv2d_backward_scipy,
    conv2d_forward_loops,
    conv2d_forward_scipy,
    convolve2d,
    correlate2d,
    dilate,
    output_size,
    rot180,
)
from cnnbook.conv_fast import col2im, conv2d_backward, conv2d_forward, im2col

FORWARDS = {
    "loops": conv2d_forward_loops,
    "scipy": conv2d_forward_scipy,
    "fast": conv2d_forward,
}
BACKWARDS = {
    "loops": conv2d_backward_loops,
    "scipy": conv2d_backward_scipy,
    "fast": conv2d_backward,
}
IMPLEMENTATIONS = sorted(FORWARDS)


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference, relative to the scale (largest entry) of ``b``."""
    scale = np.max(np.abs(b))
    return float(np.max(np.abs(a - b)) / scale) if scale else float(np.max(np.abs(a - b)))


# ----------------------------------------------------------------------------
# output_size
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("W", "F", "P", "S", "expected"),
    [
        # (W - F + 2P) / S + 1, worked by hand:
        (28, 5, 2, 1, 28),  # (28 - 5 + 4) / 1 + 1 = 28: "same" padding
        (28, 5, 0, 1, 24),  # (28 - 5) / 1 + 1 = 24
        (32, 3, 1, 1, 32),  # (32 - 3 + 2) / 1 + 1 = 32
        (7, 3, 0, 2, 3),  # (7 - 3) / 2 + 1 = 3
        (227, 11, 0, 4, 55),  # AlexNet's first layer: (227 - 11) / 4 + 1 = 55
        (5, 5, 0, 1, 1),  # kernel as large as the input: one output
        (1, 3, 1, 1, 1),  # (1 - 3 + 2) / 1 + 1 = 1
        (4, 2, 0, 2, 2),  # pooling 2x2 of a 4-wide input
        (9, 3, 1, 2, 5),  # (9 - 3 + 2) / 2 + 1 = 5
    ],
)
def test_output_size_hand_worked(W, F, P, S, expected):
    assert output_size(W, F, P, S) == expected


def test_output_size_defaults_are_no_padding_and_stride_one():
    assert output_size(10, 3) == 8  # (10 - 3) / 1 + 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            (5, 2, 0, 2),
            r"stride 2 does not tile.*\(5 - 2 \+ 2\*0\) / 2 = 1\.5 is not a whole number",
        ),
        ((6, 3, 1, 3), r"stride 3 does not tile.*\(6 - 3 \+ 2\*1\) / 3 = 1\.66667"),
        ((3, 5, 0, 1), r"kernel of size 5 is larger than the padded input of size 3"),
        ((2, 7, 2, 1), r"kernel of size 7 is larger than the padded input of size 6 \(W=2, P=2\)"),
        ((0, 1, 0, 1), r"need W >= 1.*got W=0"),
        ((5, 0, 0, 1), r"need .*F >= 1.*got W=5, F=0"),
        ((5, 3, -1, 1), r"P >= 0.*P=-1"),
        ((5, 3, 0, 0), r"S >= 1.*S=0"),
    ],
)
def test_output_size_rejects_impossible_geometry(args, message):
    with pytest.raises(ValueError, match=message):
        output_size(*args)


@pytest.mark.parametrize("bad", [5.0, "5", None])
def test_output_size_needs_ints(bad):
    with pytest.raises(TypeError, match=re.escape(f"W must be an int, got {bad!r}")):
        output_size(bad, 3)


def test_output_size_accepts_numpy_ints():
    assert output_size(np.int64(7), np.int32(3), np.int8(0), np.int16(2)) == 3


# ----------------------------------------------------------------------------
# 2-D building blocks against scipy.signal and explicit loops
# ----------------------------------------------------------------------------
def correlate_by_loops(x, k):
    """Valid cross-correlation straight from its definition."""
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = sum(x[i + p, j + q] * k[p, q] for p in range(kh) for q in range(kw))
    return out


def convolve_by_loops(x, k):
    """Valid true convolution straight from its definition, ``sum x[i-p, j-q] k[p, q]``."""
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            # Output (i, j) of the valid part sits at (i + kh - 1, j + kw - 1) of the full one.
            ii, jj = i + kh - 1, j + kw - 1
            out[i, j] = sum(x[ii - p, jj - q] * k[p, q] for p in range(kh) for q in range(kw))
    return out


def test_correlate2d_hand_worked_orientation():
    # out[i, j] = x[i, j] + 10 x[i, j + 1]; a true convolution would give 10 x[i, j] + x[i, j + 1].
    x = np.arange(1.0, 10.0).reshape(3, 3)
    k = np.array([[1.0, 10.0]])
    np.testing.assert_array_equal(correlate2d(x, k), [[21, 32], [54, 65], [87, 98]])
    np.testing.assert_array_equal(convolve2d(x, k), [[12, 23], [45, 56], [78, 89]])


@pytest.mark.parametrize(
    ("x_shape", "k_shape"), [((5, 7), (3, 2)), ((4, 4), (4, 1)), ((6, 3), (2, 3))]
)
def test_correlate2d_and_convolve2d_match_their_definitions(x_shape, k_shape):
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=x_shape), rng.normal(size=k_shape)
    np.testing.assert_allclose(correlate2d(x, k), correlate_by_loops(x, k), rtol=0, atol=1e-12)
    np.testing.assert_allclose(convolve2d(x, k), convolve_by_loops(x, k), rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", ["valid", "full"])
@pytest.mark.parametrize("k_shape", [(3, 3), (2, 3), (1, 4)])
def test_convolution_is_correlation_with_the_turned_kernel(mode, k_shape):
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=(6, 5)), rng.normal(size=k_shape)
    turned = np.rot90(k, 2)  # numpy's own 180° turn, independent of rot180
    np.testing.assert_allclose(
        convolve2d(x, k, mode), signal.correlate2d(x, turned, mode), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        correlate2d(x, k, mode), signal.convolve2d(x, turned, mode), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        convolve2d(x, k, mode), correlate2d(x, rot180(k), mode), rtol=0, atol=1e-12
    )


def test_rot180_hand_worked_and_batched():
    k = np.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(rot180(k), [[6, 5, 4], [3, 2, 1]])
    stack = np.arange(24).reshape(2, 3, 2, 2)
    for o in range(2):
        for c in range(3):
            np.testing.assert_array_equal(rot180(stack)[o, c], np.rot90(stack[o, c], 2))


@pytest.mark.parametrize("func", [correlate2d, convolve2d])
def test_2d_functions_reject_bad_input(func):
    with pytest.raises(ValueError, match=r"mode must be one of .*got 'circular'"):
        func(np.ones((3, 3)), np.ones((2, 2)), mode="circular")
    with pytest.raises(ValueError, match=r"x must have 2 dimensions, got shape \(1, 3, 3\)"):
        func(np.ones((1, 3, 3)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"kernel \(4, 2\), input \(3, 3\)"):
        func(np.ones((3, 3)), np.ones((4, 2)))
    with pytest.raises(
        TypeError, match="k must be a real floating-point array, got dtype complex128"
    ):
        func(np.ones((3, 3)), np.ones((2, 2), complex))
    with pytest.raises(ValueError, match=r"rot180 needs at least 2 dimensions, got shape \(3,\)"):
        rot180(np.ones(3))


def test_dilate_hand_worked():
    d = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        dilate(d, (2, 3)),
        [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]],
    )
    np.testing.assert_array_equal(dilate(d, 1), d)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got \(0, 0\)"):
        dilate(d, 0)


def test_im2col_columns_are_the_windows(conv_geometry, conv_shapes):
    kernel, stride, padding = conv_geometry
    x_shape, _, (oh, ow) = conv_shapes(kernel, stride, padding, c_in=2)
    x = np.random.default_rng(3).normal(size=x_shape)
    cols = im2col(x, kernel, stride, padding)
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    N = x.shape[0]
    assert cols.shape == (x.shape[1] * kh * kw, N * oh * ow)
    for n in range(N):
        for i in range(oh):
            for j in range(ow):
                window = xp[n, :, i * sh : i * sh + kh, j * sw : j * sw + kw]
                np.testing.assert_array_equal(cols[:, (n * oh + i) * ow + j], window.ravel())
    # col2im is the adjoint of im2col: <im2col(x), c> = <x, col2im(c)>.
    c = np.random.default_rng(4).normal(size=cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, x.shape, kernel, stride, padding))
    assert abs(lhs - rhs) <= 1e-12 * np.sum(np.abs(cols * c))


def test_col2im_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"cols must have shape \(4, 4\) .*got \(4, 5\)"):
        col2im(np.zeros((4, 5)), (1, 1, 3, 3), 2)


# ----------------------------------------------------------------------------
# Batched convolution: hand-worked values
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_batched_conv_hand_worked_stride_2_padding_1(impl):
    # Padded input (zeros around 1..9); a 3x3 all-ones kernel with stride 2
    # sums the four corner 2x2 blocks of x: 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    W = np.ones((1, 1, 3, 3))
    z = FORWARDS[impl](x, W, np.array([0.5]), stride=2, padding=1)
    np.testing.assert_array_equal(z, [[[[12.5, 16.5], [24.5, 28.5]]]])
    # Backward with dy = 1: dx counts the windows covering each pixel (1, 2, 1
    # along each axis); dW adds up the four windows of the padded input; db = 4.
    dx, dW, db = BACKWARDS[impl](np.ones((1, 1, 2, 2)), x, W, stride=2, padding=1)
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(dW[0, 0], [[5, 10, 5], [10, 20, 10], [5, 10, 5]])
    np.testing.assert_array_equal(db, [4])


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_batched_conv_hand_worked_channels(impl):
    # Two input channels, two filters: filter 0 takes channel 0 minus channel 1,
    # filter 1 takes twice channel 1; a 1x1 kernel makes each output a pixel sum.
    x = np.stack([np.full((2, 2), 3.0), np.arange(4.0).reshape(2, 2)])[None]  # (1, 2, 2, 2)
    W = np.array([[1.0, -1.0], [0.0, 2.0]]).reshape(2, 2, 1, 1)
    z = FORWARDS[impl](x, W)
    np.testing.assert_array_equal(z[0, 0], [[3, 2], [1, 0]])
    np.testing.assert_array_equal(z[0, 1], [[0, 2], [4, 6]])


# ----------------------------------------------------------------------------
# Batched convolution: against scipy.signal called directly (N = C_in = C_out = 1)
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_single_channel_forward_is_scipy_correlate2d(impl, conv_geometry, conv_shapes):
    kernel, stride, padding = conv_geometry
    x_shape, w_shape, _ = conv_shapes(kernel, stride, padding, n=1, c_in=1, c_out=1)
    rng = np.random.default_rng(5)
    x, W = rng.normal(size=x_shape), rng.normal(size=w_shape)
    (ph, pw), (sh, sw) = padding, stride
    expected = signal.correlate2d(np.pad(x[0, 0], ((ph, ph), (pw, pw))), W[0, 0], "valid")
    z = FORWARDS[impl](x, W, stride=stride, padding=padding)
    assert max_rel_diff(z[0, 0], expected[::sh, ::sw]) < 1e-12


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
@pytest.mark.parametrize("padding", [0, 1, 2])
@pytest.mark.parametrize("kernel", [(3, 3), (2, 4)])
def test_single_channel_backward_is_scipy_full_convolution(impl, padding, kernel, conv_shapes):
    # Stride 1: dx is the full convolution of dy with W, cropped by the padding;
    # dW is the valid correlation of the padded input with dy.
    x_shape, w_shape, out = conv_shapes(kernel, (1, 1), (padding, padding), n=1, c_in=1, c_out=1)
    rng = np.random.default_rng(6)
    x, W, dy = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=(1, 1, *out))
    xp = np.pad(x[0, 0], padding)
    full = signal.convolve2d(dy[0, 0], W[0, 0], "full")
    H, Wd = x_shape[2:]
    dx, dW, db = BACKWARDS[impl](dy, x, W, stride=1, padding=padding)
    assert max_rel_diff(dx[0, 0], full[padding : padding + H, padding : padding + Wd]) < 1e-12
    assert max_rel_diff(dW[0, 0], signal.correlate2d(xp, dy[0, 0], "valid")) < 1e-12
    np.testing.assert_allclose(db, [dy.sum()], rtol=1e-12)


# ----------------------------------------------------------------------------
# The three implementations agree, forward and backward, on the whole sweep
# ----------------------------------------------------------------------------
def test_three_implementations_agree(conv_geometry, conv_arrays):
    _, stride, padding = conv_geometry
    x, W, b, dy = conv_arrays(seed=7)
    z = {name: f(x, W, b, stride, padding) for name, f in FORWARDS.items()}
    grads = {name: f(dy, x, W, stride, padding) for name, f in BACKWARDS.items()}
    for name in ("scipy", "fast"):
        assert z[name].shape == dy.shape
        assert max_rel_diff(z[name], z["loops"]) < 1e-12, name
        for got, ref, what in zip(grads[name], grads["loops"], ("dx", "dW", "db"), strict=True):
            assert got.shape == ref.shape, (name, what)
            assert max_rel_diff(got, ref) < 1e-12, (name, what)


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_adjoint_identity(impl, conv_geometry, conv_arrays):
    _, stride, padding = conv_geometry
    # The convolution is linear in x and in W; its backward pass is the transpose:
    # <conv(x), y> = <x, conv_T(y)> and <conv_W(x), y> = <W, dW(y)>.
    x, W, _, y = conv_arrays(seed=8)
    z = FORWARDS[impl](x, W, None, stride, padding)
    dx, dW, db = BACKWARDS[impl](y, x, W, stride, padding)
    lhs = np.sum(z * y)
    scale = np.sum(np.abs(z * y))
    assert abs(lhs - np.sum(x * dx)) <= 1e-12 * scale
    assert abs(lhs - np.sum(W * dW)) <= 1e-12 * scale
    # The bias enters every output once: <1 (x) b, y> = <b, db>.
    assert np.allclose(db, y.sum(axis=(0, 2, 3)), rtol=1e-13, atol=0)


def test_fast_path_in_float32(conv_geometry, conv_arrays):
    _, stride, padding = conv_geometry
    x, W, b, dy = conv_arrays(seed=9)
    x32, W32, b32, dy32 = (a.astype(np.float32) for a in (x, W, b, dy))
    z32 = conv2d_forward(x32, W32, b32, stride, padding)
    dx32, dW32, db32 = conv2d_backward(dy32, x32, W32, stride, padding)
    for a in (z32, dx32, dW32, db32):
        assert a.dtype == np.float32
    # Reference: the loops in float64 on the same (rounded) float32 numbers.
    x64, W64, b64, dy64 = (a.astype(np.float64) for a in (x32, W32, b32, dy32))
    z = conv2d_forward_loops(x64, W64, b64, stride, padding)
    grads = conv2d_backward_loops(dy64, x64, W64, stride, padding)
    assert max_rel_diff(z32, z) < 1e-5
    for got, ref in zip((dx32, dW32, db32), grads, strict=True):
        assert max_rel_diff(got, ref) < 1e-5


def test_fast_path_workspace_and_cols_give_the_same_numbers():
    rng = np.random.default_rng(10)
    x, W, b = rng.normal(size=(2, 3, 7, 9)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    dy = rng.normal(size=(2, 4, 4, 5))  # (7 - 3 + 2) / 2 + 1 = 4, (9 - 3 + 2) / 2 + 1 = 5
    stride, padding = 2, 1
    ws: dict = {}
    z_ref = conv2d_forward_loops(x, W, b, stride, padding)
    for _ in range(2):  # the second call reuses the scratch buffers
        z, cols = conv2d_forward(x, W, b, stride, padding, return_cols=True, workspace=ws)
        assert max_rel_diff(z, z_ref) < 1e-12
    dx_ref, dW_ref, db_ref = conv2d_backward_loops(dy, x, W, stride, padding)
    dx, dW, db = conv2d_backward(dy, x, W, stride, padding, cols=cols, workspace=ws)
    assert max_rel_diff(dx, dx_ref) < 1e-12
    assert max_rel_diff(dW, dW_ref) < 1e-12
    assert max_rel_diff(db, db_ref) < 1e-12
    none, dW2, _ = conv2d_backward(dy, x, W, stride, padding, input_grad=False)
    assert none is None
    assert max_rel_diff(dW2, dW_ref) < 1e-12


@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
def test_integer_input_is_converted_to_float64(impl):
    rng = np.random.default_rng(11)
    x = rng.integers(-5, 5, size=(1, 2, 4, 5))
    W = rng.integers(-3, 3, size=(2, 2, 2, 3))
    z = FORWARDS[impl](x, W, stride=1, padding=1)
    assert z.dtype == np.float64
    np.testing.assert_array_equal(
        z, conv2d_forward_loops(x.astype(float), W.astype(float), None, 1, 1)
    )
    # Integer data stay integers, so the result is exact.
    np.testing.assert_array_equal(z, np.round(z))


# ----------------------------------------------------------------------------
# Bad input: clear errors naming what was expected and what was given
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("impl", IMPLEMENTATIONS)
class TestConvErrors:
    def test_wrong_ndim(self, impl):
        with pytest.raises(
            ValueError, match=r"x must have shape \(N, C_in, H, W\).*got shape \(2, 5, 5\)"
        ):
            FORWARDS[impl](np.ones((2, 5, 5)), np.ones((3, 2, 3, 3)))
        with pytest.raises(
            ValueError, match=r"W must have shape \(C_out, C_in, K_h, K_w\).*got shape \(3, 3\)"
        ):
            FORWARDS[impl](np.ones((1, 1, 5, 5)), np.ones((3, 3)))

    def test_channel_mismatch(self, impl):
        with pytest.raises(
            ValueError, match=r"x has C_in=2 .*W expects C_in=3 \(shape \(4, 3, 3, 3\)\)"
        ):
            FORWARDS[impl](np.ones((1, 2, 5, 5)), np.ones((4, 3, 3, 3)))

    def test_kernel_larger_than_padded_input(self, impl):
        with pytest.raises(
            ValueError,
            match=r"input of shape \(1, 1, 3, 6\) with kernel of shape \(1, 1, 6, 2\).*"
            r"kernel of size 6 is larger than the padded input of size 5",
        ):
            FORWARDS[impl](np.ones((1, 1, 3, 6)), np.ones((1, 1, 6, 2)), padding=1)

    def test_stride_that_does_not_tile(self, impl):
        with pytest.raises(ValueError, match=r"stride \(2, 2\).*stride 2 does not tile.*= 1\.5"):
            FORWARDS[impl](np.ones((1, 1, 6, 6)), np.ones((1, 1, 3, 3)), stride=2)
        with pytest.raises(
            ValueError, match=r"stride \(1, 3\).*stride 3 does not tile.*\(7 - 3 \+ 2\*0\) / 3"
        ):
            BACKWARDS[impl](
                np.ones((1, 1, 4, 2)), np.ones((1, 1, 6, 7)), np.ones((1, 1, 3, 3)), (1, 3)
            )

    @pytest.mark.parametrize("dtype", [complex, object, str])
    def test_non_float_input(self, impl, dtype):
        x = np.ones((1, 1, 4, 4)).astype(dtype)
        with pytest.raises(
            TypeError, match=f"x must be a real floating-point array, got dtype {x.dtype}"
        ):
            FORWARDS[impl](x, np.ones((1, 1, 2, 2)))
        with pytest.raises(TypeError, match="W must be a real floating-point array"):
            FORWARDS[impl](np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)).astype(dtype))

    def test_bad_bias(self, impl):
        with pytest.raises(ValueError, match=r"b must have shape \(C_out,\) = \(2,\), got \(3,\)"):
            FORWARDS[impl](np.ones((1, 1, 4, 4)), np.ones((2, 1, 2, 2)), np.ones(3))

    def test_bad_stride_and_padding(self, impl):
        x, W = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
        with pytest.raises(ValueError, match=r"stride must be >= 1, got \(0, 1\)"):
            FORWARDS[impl](x, W, stride=(0, 1))
        with pytest.raises(ValueError, match=r"padding must be >= 0, got \(-1, -1\)"):
            FORWARDS[impl](x, W, padding=-1)
        with pytest.raises(TypeError, match=r"stride must be an int or a pair of ints, got 1\.5"):
            FORWARDS[impl](x, W, stride=1.5)

    def test_wrong_dy_shape(self, impl):
        x, W = np.ones((2, 1, 4, 4)), np.ones((3, 1, 2, 2))
        with pytest.raises(
            ValueError,
            match=r"dy must have the forward output's shape \(2, 3, 3, 3\), got \(2, 3, 3, 2\)",
        ):
            BACKWARDS[impl](np.ones((2, 3, 3, 2)), x, W)
