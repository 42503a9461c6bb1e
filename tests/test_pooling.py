"""AvgPool2D against independent references: scipy's correlation and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.pooling import AvgPool2D, MaxPool2D


@pytest.mark.parametrize(
    ("kernel", "stride", "size"), [(2, None, 6), (3, 1, 5), (3, 2, 7), ((2, 3), (2, 1), 6)]
)
def test_avgpool_is_a_correlation_with_a_constant_kernel(kernel, stride, size):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, size, size))
    pool = AvgPool2D(kernel, stride)
    kh, kw = pool.kernel_size
    sh, sw = pool.stride
    box = np.full((kh, kw), 1.0 / (kh * kw))
    expected = np.array(
        [[scipy.signal.correlate2d(x[n, c], box, mode="valid")[::sh, ::sw] for c in range(3)]
         for n in range(2)]
    )  # fmt: skip
    np.testing.assert_allclose(pool.forward(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride"), [(2, None), (3, 1), (3, 2)])
def test_avgpool_backward_matches_finite_differences(kernel, stride):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2, 7 if stride == 2 else 6, 7 if stride == 2 else 6))
    pool = AvgPool2D(kernel, stride)
    dy = rng.normal(size=pool.forward(x).shape)
    dx = pool.backward(dy)
    assert rel_error(dx, numerical_gradient(pool.forward, x.copy(), dy)) < 1e-9


def test_avgpool_spreads_a_gradient_of_one_evenly_worked_by_hand():
    pool = AvgPool2D(3, stride=1)
    pool.forward(np.zeros((1, 1, 4, 4)))
    dx = pool.backward(np.ones((1, 1, 2, 2)))[0, 0]
    # Each pixel is counted once per window covering it: corners 1, centre 4, out of 9.
    np.testing.assert_allclose(dx * 9, [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_avgpool_rejects_what_it_cannot_pool():
    pool = AvgPool2D(2)
    with pytest.raises(RuntimeError, match="before forward"):
        pool.backward(np.ones((1, 1, 1, 1)))
    with pytest.raises(ValueError, match=r"AvgPool2D\(2, 2\) cannot pool x of shape"):
        pool.forward(np.zeros((1, 1, 5, 4)))
    with pytest.raises(ValueError, match="expects x of shape"):
        pool.forward(np.zeros((4, 4)))
    pool.forward(np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match="dy must have shape"):
        pool.backward(np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"MaxPool2D\(3, 3\) cannot pool"):
        MaxPool2D(3).forward(np.zeros((1, 1, 4, 4)))
    assert repr(AvgPool2D(2, 1)) == "AvgPool2D(kernel_size=(2, 2), stride=(1, 1))"
