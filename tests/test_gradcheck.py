"""Tests for cnnbook.gradcheck: the checker must be right, and must be able to say no."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.gradcheck import check_layer, numerical_gradient, rel_error
from cnnbook.layers import Dense, Layer


def test_numerical_gradient_of_an_elementwise_function():
    # d/dx of sum(sin(x) x² dy) is (cos(x) x² + 2 x sin(x)) dy.
    rng = np.random.default_rng(0)
    x, dy = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    expected = (np.cos(x) * x**2 + 2 * x * np.sin(x)) * dy
    num = numerical_gradient(lambda v: np.sin(v) * v**2, x, dy)
    np.testing.assert_allclose(num, expected, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_of_a_matrix_product():
    # f(X) = A X is linear: the gradient of <A X, dY> with respect to X is A^T dY,
    # and central differences are exact up to rounding.
    rng = np.random.default_rng(1)
    A, X, dY = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(numerical_gradient(lambda v: A @ v, X, dY), A.T @ dY, rtol=1e-8)


def test_numerical_gradient_of_a_scalar_function():
    # f(x) = ||x||² / 2 returns a scalar; with dy = 1 the gradient is x itself.
    x = np.array([[1.5, -2.0], [0.25, 3.0]])
    num = numerical_gradient(lambda v: 0.5 * np.sum(v**2), x, np.array(1.0))
    np.testing.assert_allclose(num, x, rtol=1e-8)


def test_numerical_gradient_restores_its_input():
    x = np.random.default_rng(2).normal(size=(2, 3))
    before = x.copy()
    numerical_gradient(np.exp, x, np.ones_like(x))
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_needs_float64():
    with pytest.raises(TypeError, match="gradient checks need a float64 ndarray x, got float32"):
        numerical_gradient(np.exp, np.ones(3, np.float32), np.ones(3))


def test_rel_error_properties():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=5), rng.normal(size=5)
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0  # defined when both vanish
    assert rel_error(a, b) == rel_error(b, a)  # symmetric
    assert rel_error(1e6 * a, 1e6 * b) == pytest.approx(rel_error(a, b), rel=1e-12)  # scale-free
    assert 0 < rel_error(a, b) <= 1  # triangle inequality
    assert rel_error(a, -a) == pytest.approx(1.0)  # the largest possible value
    assert rel_error(a, np.zeros(5)) == pytest.approx(1.0)
    # By hand: ||(1, 2) - (1, 2.02)|| / (||(1, 2)|| + ||(1, 2.02)||) = 0.02 / (√5 + √5.0804).
    expected = 0.02 / (np.sqrt(5) + np.sqrt(5.0804))
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.02])) == pytest.approx(
        expected, rel=1e-12
    )


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"cannot compare arrays of shapes \(3,\) and \(1, 3\)"):
        rel_error(np.zeros(3), np.zeros((1, 3)))


class ScaledBackward(Dense):
    """A Dense layer whose backward pass is wrong by a factor, to be caught."""

    def __init__(self, factor, **kwargs):
        super().__init__(3, 2, **kwargs)
        self.factor = factor

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["W"] = self.factor * self.grads["W"]
        return dx


class TransposedInputGradient(Layer):
    """y = x M; the correct dx is dy M^T, this one returns dy M (the classic slip)."""

    def __init__(self):
        super().__init__()
        self.M = np.random.default_rng(4).normal(size=(3, 3))
        self._cache = None

    def forward(self, x):
        self._cache = x
        return x @ self.M

    def backward(self, dy):
        return dy @ self.M


def test_check_layer_passes_a_correct_layer():
    errors = check_layer(Dense(3, 2, rng=0), np.random.default_rng(5).normal(size=(4, 3)), rng=0)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-8


def test_check_layer_catches_wrong_gradients():
    x = np.random.default_rng(6).normal(size=(4, 3))
    errors = check_layer(ScaledBackward(1.01, rng=0), x, rng=0)
    # (1.01 g - g) / (1.01 + 1) |g| = 0.01 / 2.01 ≈ 5e-3.
    assert errors["W"] == pytest.approx(0.01 / 2.01, rel=1e-5)
    assert errors["x"] < 1e-8 and errors["b"] < 1e-8
    assert check_layer(TransposedInputGradient(), x, rng=0)["x"] > 0.1


def test_check_layer_needs_float64():
    with pytest.raises(TypeError, match="check_layer needs a float64 ndarray, got float32"):
        check_layer(Dense(3, 2), np.ones((2, 3), np.float32))
    with pytest.raises(
        TypeError, match="parameter 'W' must be float64 for a gradient check, got float32"
    ):
        check_layer(Dense(3, 2, dtype=np.float32), np.ones((2, 3)))
