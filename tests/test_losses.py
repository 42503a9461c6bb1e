"""Tests for cnnbook.losses: values worked by hand, stability, and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.losses import log_softmax, mse, softmax, softmax_cross_entropy


def test_cross_entropy_by_hand():
    # Logits (0, ln 3) give probabilities (1/4, 3/4); label 1 costs -ln(3/4) = ln(4/3).
    loss, d = softmax_cross_entropy(np.array([[0.0, np.log(3.0)]]), np.array([1]))
    assert loss == pytest.approx(np.log(4 / 3), rel=1e-14)
    np.testing.assert_allclose(d, [[1 / 4, 3 / 4 - 1]], rtol=1e-14)
    # Logits (ln 2, ln 2, 0) give (2/5, 2/5, 1/5): label 2 costs -ln(1/5) = ln 5.
    # Three equal logits give 1/3 each: label 0 costs ln 3. The loss is the mean.
    logits = np.array([[np.log(2.0), np.log(2.0), 0.0], [0.0, 0.0, 0.0]])
    loss, d = softmax_cross_entropy(logits, np.array([2, 0]))
    assert loss == pytest.approx((np.log(5) + np.log(3)) / 2, rel=1e-14)
    # Gradient (softmax - onehot) / N with N = 2.
    expected = np.array([[2 / 5, 2 / 5, 1 / 5 - 1], [1 / 3 - 1, 1 / 3, 1 / 3]]) / 2
    np.testing.assert_allclose(d, expected, rtol=1e-14, atol=1e-16)


def test_softmax_and_log_softmax_by_hand():
    np.testing.assert_allclose(softmax(np.array([[0.0, np.log(3.0)]])), [[0.25, 0.75]], rtol=1e-15)
    np.testing.assert_allclose(
        log_softmax(np.array([[np.log(2.0), np.log(2.0), 0.0]])),
        [[np.log(2 / 5), np.log(2 / 5), np.log(1 / 5)]],
        rtol=1e-14,
    )


def test_cross_entropy_matches_scipy():
    rng = np.random.default_rng(0)
    logits = 5 * rng.normal(size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    loss, _ = softmax_cross_entropy(logits, labels)
    expected = np.mean(special.logsumexp(logits, axis=1) - logits[np.arange(6), labels])
    assert loss == pytest.approx(expected, rel=1e-13)
    np.testing.assert_allclose(softmax(logits), special.softmax(logits, axis=1), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(logits), special.log_softmax(logits, axis=1), rtol=1e-13)


def test_cross_entropy_is_stable_at_huge_logits():
    # With filterwarnings=error, an overflow in exp would fail the test.
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    loss, d = softmax_cross_entropy(logits, np.array([0, 1, 2]))
    # Row 0 is certain and right: cost 0. Row 1 is certain and wrong: cost
    # logsumexp - s_1 = 1e4 - (-1e4) = 2e4 (the other terms vanish below 1e-4000).
    # Row 2 has three equal logits: cost ln 3.
    assert loss == pytest.approx((0.0 + 2e4 + np.log(3)) / 3, rel=1e-15)
    assert np.all(np.isfinite(d))
    np.testing.assert_allclose(
        d * 3, [[0, 0, 0], [1, -1, 0], [1 / 3, 1 / 3, 1 / 3 - 1]], rtol=1e-14, atol=1e-300
    )
    np.testing.assert_allclose(softmax(logits).sum(axis=1), 1.0, rtol=1e-15)


@pytest.mark.parametrize(("n", "k", "scale"), [(1, 2, 1.0), (5, 3, 1.0), (4, 10, 5.0)])
def test_cross_entropy_gradient_by_finite_differences(n, k, scale):
    rng = np.random.default_rng(1)
    logits = scale * rng.normal(size=(n, k))
    labels = rng.integers(0, k, size=n)
    _, d = softmax_cross_entropy(logits, labels)
    num = numerical_gradient(lambda s: softmax_cross_entropy(s, labels)[0], logits, np.array(1.0))
    assert rel_error(d, num) < 1e-7


@pytest.mark.parametrize("shape", [(3,), (4, 5), (2, 3, 2, 2)])
def test_mse_gradient_by_finite_differences(shape):
    rng = np.random.default_rng(2)
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    _, d = mse(pred, target)
    num = numerical_gradient(lambda p: mse(p, target)[0], pred, np.array(1.0))
    assert rel_error(d, num) < 1e-7


def test_mse_by_hand():
    # Differences (0, -2, 1): mean of squares (0 + 4 + 1) / 3, gradient 2 * diff / 3.
    loss, d = mse(np.array([[1.0, 2.0, 3.0]]), np.array([[1.0, 4.0, 2.0]]))
    assert loss == pytest.approx(5 / 3, rel=1e-15)
    np.testing.assert_allclose(d, [[0.0, -4 / 3, 2 / 3]], rtol=1e-15)


def test_cross_entropy_rejects_bad_labels():
    logits = np.zeros((3, 4))
    with pytest.raises(
        ValueError, match=r"labels must lie in \[0, 3\] for 4 classes, got values from 0 to 4"
    ):
        softmax_cross_entropy(logits, np.array([0, 4, 2]))
    with pytest.raises(
        ValueError, match=r"labels must lie in \[0, 3\] for 4 classes, got values from -1 to 2"
    ):
        softmax_cross_entropy(logits, np.array([-1, 1, 2]))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\), got shape \(2,\)"):
        softmax_cross_entropy(logits, np.array([0, 1]))
    with pytest.raises(TypeError, match="labels must be integers, got dtype float64"):
        softmax_cross_entropy(logits, np.array([0.0, 1.0, 2.0]))


def test_losses_reject_bad_shapes_and_types():
    with pytest.raises(
        ValueError, match=r"logits must have shape \(N, classes\), got shape \(4,\)"
    ):
        softmax_cross_entropy(np.zeros(4), np.array([0]))
    with pytest.raises(
        ValueError, match=r"logits must have shape \(N, classes\), got shape \(1, 2, 3\)"
    ):
        softmax(np.zeros((1, 2, 3)))
    with pytest.raises(
        TypeError, match="logits must be a real floating-point array, got dtype complex128"
    ):
        log_softmax(np.zeros((2, 2), complex))
    with pytest.raises(ValueError, match=r"same shape, got \(2, 3\) and \(3, 2\)"):
        mse(np.zeros((2, 3)), np.zeros((3, 2)))


def test_float32_logits_give_a_float32_gradient():
    logits = np.random.default_rng(3).normal(size=(4, 3)).astype(np.float32)
    loss, d = softmax_cross_entropy(logits, np.array([0, 1, 2, 0]))
    assert d.dtype == np.float32
    ref, _ = softmax_cross_entropy(logits.astype(np.float64), np.array([0, 1, 2, 0]))
    assert loss == pytest.approx(ref, rel=1e-6)
