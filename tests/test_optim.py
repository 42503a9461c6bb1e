"""Tests for cnnbook.optim against closed forms and an independent Adam.

The objective is a quadratic ``f(θ) = ½ Σ a_i θ_i²`` with gradient ``a θ``,
whose trajectories under gradient descent can be written down exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnbook.layers import Layer
from cnnbook.optim import SGD, Adam


def holder(**params):
    """A parameter-only layer holding float64 copies of ``params``."""
    layer = Layer()
    for name, value in params.items():
        layer.params[name] = np.array(value, dtype=np.float64)
    return layer


def run(opt, layer, curvature, steps):
    """Take ``steps`` optimiser steps on the quadratic; return the trajectory of ``w``."""
    path = []
    for _ in range(steps):
        layer.grads = {"w": curvature * layer.params["w"]}
        opt.step()
        path.append(layer.params["w"].copy())
    return np.array(path)


# ----------------------------------------------------------------------------
# SGD
# ----------------------------------------------------------------------------
def test_sgd_momentum_hand_unrolled():
    # a = 2, lr = 0.1, momentum = 0.9, θ0 = 1; v ← 0.9 v + g, θ ← θ - 0.1 v:
    #   g = 2.0,   v = 2.0,                 θ = 1 - 0.2       = 0.8
    #   g = 1.6,   v = 1.8 + 1.6   = 3.4,   θ = 0.8 - 0.34    = 0.46
    #   g = 0.92,  v = 3.06 + 0.92 = 3.98,  θ = 0.46 - 0.398  = 0.062
    #   g = 0.124, v = 3.582 + 0.124 = 3.706, θ = 0.062 - 0.3706 = -0.3086
    layer = holder(w=[1.0])
    path = run(SGD([(layer, "w")], lr=0.1, momentum=0.9), layer, 2.0, 4)
    np.testing.assert_allclose(path[:, 0], [0.8, 0.46, 0.062, -0.3086], rtol=1e-13)


@pytest.mark.parametrize(
    ("lr", "momentum", "weight_decay"), [(0.1, 0.0, 0.0), (0.05, 0.9, 0.0), (0.2, 0.5, 0.1)]
)
def test_sgd_matches_the_heavy_ball_closed_form(lr, momentum, weight_decay):
    # Heavy ball (Polyak): θ_{t+1} = θ_t - lr (a + wd) θ_t + μ (θ_t - θ_{t-1}), θ_{-1} = θ_0.
    # As a linear recurrence, (θ_t, θ_{t-1}) = M^t (θ_0, θ_0) with the companion matrix
    # M = [[1 + μ - lr c, -μ], [1, 0]], c = a + wd.
    a = np.array([2.0, 0.5, 5.0])
    theta0 = np.array([1.0, -2.0, 0.3])
    steps = 6
    layer = holder(w=theta0)
    opt = SGD([(layer, "w")], lr=lr, momentum=momentum, weight_decay=weight_decay)
    path = run(opt, layer, a, steps)
    for i, (c, t0) in enumerate(zip(a + weight_decay, theta0, strict=True)):
        M = np.array([[1 + momentum - lr * c, -momentum], [1.0, 0.0]])
        for t in range(1, steps + 1):
            expected = (np.linalg.matrix_power(M, t) @ [t0, t0])[0]
            assert path[t - 1, i] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_plain_sgd_is_geometric_decay():
    # Without momentum θ_t = (1 - lr a)^t θ_0.
    layer = holder(w=[3.0, -1.0])
    a = np.array([1.0, 4.0])
    path = run(SGD([(layer, "w")], lr=0.1), layer, a, 5)
    t = np.arange(1, 6)[:, None]
    np.testing.assert_allclose(path, (1 - 0.1 * a) ** t * [3.0, -1.0], rtol=1e-14)


# ----------------------------------------------------------------------------
# Adam
# ----------------------------------------------------------------------------
def adam_by_the_paper(theta, grad_fn, lr, beta1, beta2, eps, steps):
    """Algorithm 1 of Kingma & Ba (2015), one scalar at a time in plain Python."""
    theta = [float(v) for v in theta]
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    path = []
    for t in range(1, steps + 1):
        g = grad_fn(theta)
        for i in range(len(theta)):
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(list(theta))
    return np.array(path)


@pytest.mark.parametrize(
    ("lr", "betas", "eps"),
    [(1e-3, (0.9, 0.999), 1e-8), (0.1, (0.8, 0.99), 1e-3), (0.05, (0.0, 0.5), 0.0)],
)
def test_adam_matches_the_paper(lr, betas, eps):
    a = [2.0, 0.5, 5.0, 1.0]
    # A parameter at 0 has gradient 0 forever: its update is 0 / (0 + eps) = 0,
    # which is only defined when eps > 0.
    theta0 = [1.0, -2.0, 0.3, 0.0 if eps > 0 else 0.7]
    # Two parameters in two layers, to check that their states stay separate.
    first, second = holder(w=theta0[:2]), holder(w=theta0[2:])
    opt = Adam([(first, "w"), (second, "w")], lr=lr, betas=betas, eps=eps)
    steps = 7
    ours = []
    for _ in range(steps):
        first.grads = {"w": np.array(a[:2]) * first.params["w"]}
        second.grads = {"w": np.array(a[2:]) * second.params["w"]}
        opt.step()
        ours.append(np.concatenate([first.params["w"], second.params["w"]]))
    ref = adam_by_the_paper(
        theta0, lambda th: [ai * ti for ai, ti in zip(a, th, strict=True)], lr, *betas, eps, steps
    )
    np.testing.assert_allclose(np.array(ours), ref, rtol=1e-12, atol=1e-15)


def test_adam_first_step_is_lr_against_the_gradient_sign():
    # m_hat = g and v_hat = g², so the first step is lr * g / |g| (eps = 0).
    layer = holder(w=[1.0, 1.0, 1.0])
    layer.grads = {"w": np.array([1e-6, -3.0, 250.0])}
    Adam([(layer, "w")], lr=0.01, eps=0.0).step()
    np.testing.assert_allclose(layer.params["w"], [0.99, 1.01, 0.99], rtol=1e-14)


# ----------------------------------------------------------------------------
# Both optimisers minimise a quadratic; common behaviour and errors
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda p: SGD(p, lr=0.05),
        lambda p: Adam(p, lr=0.05),
    ],
    ids=["sgd-momentum", "sgd", "adam"],
)
def test_optimisers_reduce_a_quadratic(make):
    a = np.array([1.0, 10.0, 3.0])  # condition number 10
    layer = holder(w=[1.0, -1.0, 2.0])
    loss0 = 0.5 * np.sum(a * layer.params["w"] ** 2)
    path = run(make([(layer, "w")]), layer, a, 300)
    losses = 0.5 * np.sum(a * path**2, axis=1)
    assert losses[-1] < 1e-4 * loss0
    assert losses[9] < loss0


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_float32_parameters_stay_float32(cls):
    layer = Layer()
    layer.params["w"] = np.ones(3, np.float32)
    opt = cls([(layer, "w")], lr=0.1)
    layer.grads = {"w": np.array([1.0, -1.0, 0.5], np.float32)}
    opt.step()
    assert layer.params["w"].dtype == np.float32
    assert np.all(layer.params["w"] != 1)


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_updates_are_in_place(cls):
    layer = holder(w=[1.0, 2.0])
    w = layer.params["w"]
    opt = cls([(layer, "w")], lr=0.1)
    layer.grads = {"w": np.ones(2)}
    opt.step()
    assert layer.params["w"] is w
    assert opt.t == 1


@pytest.mark.parametrize("cls", [SGD, Adam])
def test_step_without_gradients_is_an_error(cls):
    layer = holder(w=[1.0])
    opt = cls([(layer, "w")], lr=0.1)
    with pytest.raises(
        RuntimeError, match="no gradient for 'w' of Layer\\(\\): call backward before step"
    ):
        opt.step()
    layer.grads = {"w": np.ones(1)}
    opt.zero_grad()
    assert layer.grads == {}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD([], lr=0.1), "the optimiser got no parameters to update"),
        (lambda p: SGD(p, lr=0.0), r"lr must be a finite number in \(0, inf\), got 0.0"),
        (lambda p: Adam(p, lr=-1e-3), r"lr must be a finite number in \(0, inf\), got -0.001"),
        (
            lambda p: SGD(p, lr=0.1, momentum=1.0),
            r"momentum must be a finite number in \[0, 1\), got 1.0",
        ),
        (
            lambda p: Adam(p, betas=(0.9, 1.0)),
            r"betas\[1\] must be a finite number in \[0, 1\), got 1.0",
        ),
    ],
)
def test_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make([(holder(w=[1.0]), "w")])


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: SGD(p, lr=float("nan")), ValueError, "lr must be a finite number in"),
        (lambda p: SGD(p, lr=float("inf")), ValueError, "lr must be a finite number in"),
        (lambda p: Adam(p, lr="0.1"), TypeError, "lr must be a real number, got '0.1'"),
        (lambda p: Adam(p, lr=True), TypeError, "lr must be a real number, got True"),
        (lambda p: Adam(p, eps=float("nan")), ValueError, "eps must be a finite number"),
        (lambda p: Adam(p, eps=-1.0), ValueError, "eps must be a finite number"),
        (lambda p: Adam(p, betas=(0.9, "0.99")), TypeError, r"betas\[1\] must be a real number"),
        (lambda p: Adam(p, betas=0.9), TypeError, "betas must be a pair"),
        (
            lambda p: SGD(p, lr=0.1, weight_decay=float("inf")),
            ValueError,
            "weight_decay must be a finite",
        ),
        (lambda p: SGD(p, lr=0.1, weight_decay=-0.1), ValueError, "weight_decay must be a finite"),
        (lambda p: SGD(p, lr=0.1, momentum=float("nan")), ValueError, "momentum must be a finite"),
        (lambda p: SGD(p, lr=0.1, momentum="high"), TypeError, "momentum must be a real number"),
        (lambda p: SGD([("not a layer", "W")], lr=0.1), TypeError, "parameters must hold"),
        (lambda p: SGD(3, lr=0.1), TypeError, "parameters must be an iterable"),
    ],
)
def test_every_hyperparameter_refuses_nan_inf_bools_and_strings(make, error, message):
    layer = Layer()
    layer.params["w"] = np.ones(2)
    with pytest.raises(error, match=message):
        make([(layer, "w")])


def test_setting_a_bad_learning_rate_later_is_refused():
    layer = Layer()
    layer.params["w"] = np.ones(2)
    opt = SGD([(layer, "w")], lr=0.1)
    with pytest.raises(ValueError, match="lr must be a finite number"):
        opt.lr = float("inf")
    assert opt.lr == 0.1
