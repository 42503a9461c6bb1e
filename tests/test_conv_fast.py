"""Tests for cnnbook.conv_fast beyond the three-way agreement in test_conv.py.

References: the scipy.signal implementation in cnnbook.conv (itself tested
against scipy.signal and hand-worked examples), and inner products for the
adjoint identities.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.conv import conv2d_backward_scipy, conv2d_forward_scipy
from cnnbook.conv_fast import col2im, conv2d_backward, conv2d_forward, conv2d_transpose, im2col

GEOMETRIES = [  # x shape, W shape, stride, padding
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0),
    ((3, 2, 9, 9), (2, 2, 3, 3), 2, 1),
    ((1, 1, 8, 5), (3, 1, 2, 3), (2, 1), (0, 2)),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), GEOMETRIES)
def test_conv2d_transpose_is_the_input_gradient(x_shape, w_shape, stride, padding):
    rng = np.random.default_rng(11)
    x, W = rng.normal(size=x_shape), rng.normal(size=w_shape)
    dy = rng.normal(size=conv2d_forward_scipy(x, W, None, stride, padding).shape)
    dx_ref = conv2d_backward_scipy(dy, x, W, stride, padding)[0]
    got = conv2d_transpose(dy, W, x_shape, stride, padding)
    assert got.shape == x_shape
    assert np.max(np.abs(got - dx_ref)) <= 1e-12 * np.max(np.abs(dx_ref))


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(x_shape, w_shape, stride, padding):
    """<im2col(x), c> = <x, col2im(c)> for random x and c."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=x_shape)
    k = w_shape[2:]
    cols = im2col(x, k, stride, padding)
    c = rng.normal(size=cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, x_shape, k, stride, padding))
    assert abs(lhs - rhs) <= 1e-12 * abs(lhs)


def test_workspace_that_switches_dtype_returns_the_new_dtype():
    """A workspace filled by float64 calls, then used for float32, gives float32 arrays
    with float32-accurate values (and back again)."""
    rng = np.random.default_rng(13)
    x, W, b = rng.normal(size=(2, 3, 8, 8)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    z_ref = conv2d_forward_scipy(x, W, b, 1, 1)
    dy = rng.normal(size=z_ref.shape)
    grads_ref = conv2d_backward_scipy(dy, x, W, 1, 1)
    ws: dict = {}
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-5), (np.float64, 1e-12)):
        xs, Ws, bs, dys = (a.astype(dtype) for a in (x, W, b, dy))
        z, cols = conv2d_forward(xs, Ws, bs, 1, 1, return_cols=True, workspace=ws)
        grads = conv2d_backward(dys, xs, Ws, 1, 1, cols=cols, workspace=ws)
        for got, ref in zip((z, *grads), (z_ref, *grads_ref), strict=True):
            assert got.dtype == dtype
            assert np.max(np.abs(got - ref)) <= tol * np.max(np.abs(ref))


def test_results_do_not_alias_the_workspace():
    """A second call with the same workspace leaves the first call's results intact."""
    rng = np.random.default_rng(14)
    W = rng.normal(size=(2, 1, 3, 3))
    x1, x2 = rng.normal(size=(2, 1, 6, 6)), rng.normal(size=(2, 1, 6, 6))
    ws: dict = {}
    z1 = conv2d_forward(x1, W, workspace=ws)
    dx1 = conv2d_backward(np.ones_like(z1), x1, W, workspace=ws)[0]
    keep = z1.copy(), dx1.copy()
    z2 = conv2d_forward(x2, W, workspace=ws)
    conv2d_backward(np.full_like(z2, 2.0), x2, W, workspace=ws)
    np.testing.assert_array_equal(z1, keep[0])
    np.testing.assert_array_equal(dx1, keep[1])


def test_shape_arguments_are_checked():
    cols = im2col(np.ones((1, 1, 3, 3)), 2)
    with pytest.raises(
        ValueError, match=r"x_shape must be a tuple of 4 positive ints, got \(1, 3, 3\)"
    ):
        col2im(cols, (1, 3, 3), 2)
    with pytest.raises(TypeError, match="x_shape must be a tuple of 4 positive ints, got None"):
        conv2d_transpose(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), None)
    with pytest.raises(ValueError, match="W has 1 input channels, but x_shape"):
        conv2d_transpose(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), (1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"dy must have the forward output's shape \(1, 1, 2, 2\)"):
        conv2d_transpose(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), (1, 1, 3, 3))
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints, got True"):
        im2col(np.ones((1, 1, 3, 3)), True)
