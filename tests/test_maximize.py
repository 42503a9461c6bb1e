"""Activation maximisation: its gradient against finite differences, its optimum against a closed form."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import Conv2D, Dense, Flatten, Tanh
from cnnbook.maximize import maximize, objective_seed, score, score_gradient
from cnnbook.network import Sequential, book_cnn


def small_cnn(seed=0):
    net = book_cnn(image_size=8, channels=(3, 4), rng=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        if "b" in layer.params:
            layer.params["b"][...] = rng.normal(scale=0.1, size=layer.params["b"].shape)
    return net


def linear(W):
    W = np.asarray(W, float)
    dense = Dense(W.shape[1], W.shape[0])
    dense.params["W"][...] = W
    return Sequential(Flatten(), dense)


@pytest.mark.parametrize(
    ("layer", "channel", "unit"),
    [
        (-1, 3, None),
        (-1, np.array([0, 9]), None),
        (1, 2, None),
        (1, 1, (3, 5)),
        (4, 3, None),
        (5, 0, (1, 1)),
    ],
)
def test_score_gradient_matches_finite_differences(layer, channel, unit):
    net = small_cnn()
    x = np.random.default_rng(1).normal(size=(2, 1, 8, 8))
    numeric = numerical_gradient(
        lambda v: score(net, v, layer, channel, unit), x.copy(), np.ones(2)
    )
    assert rel_error(score_gradient(net, x, layer, channel, unit), numeric) < 1e-7


def test_score_is_the_chosen_output():
    """Independent of the seed construction: read the value off a plain forward pass."""
    net = small_cnn()
    x = np.random.default_rng(2).normal(size=(3, 1, 8, 8))
    a = x
    outputs = []
    for layer in net.layers:
        a = layer.forward(a)
        outputs.append(a)
    np.testing.assert_allclose(score(net, x, -1, 4), outputs[-1][:, 4])
    np.testing.assert_allclose(score(net, x, 4, 2), outputs[4][:, 2].mean(axis=(1, 2)))
    np.testing.assert_allclose(score(net, x, 1, 1, (2, 3)), outputs[1][:, 1, 2, 3])


def test_linear_optimum_has_the_closed_form():
    """For f = w_t · x, J = f - λ|x|² is maximised at x* = w_t / 2λ."""
    rng = np.random.default_rng(3)
    W = rng.normal(size=(3, 12))
    lam = 0.25
    t = np.array([0, 2, 1, 2])
    result = maximize(
        linear(W), rng.normal(size=(4, 1, 3, 4)), channel=t, steps=200, lr=0.5, l2=lam
    )
    np.testing.assert_allclose(result.image.reshape(4, 12), W[t] / (2 * lam), rtol=1e-10)
    best = (W[t] ** 2).sum(axis=1) / (4 * lam)  # J(x*) = |w|² / 4λ
    np.testing.assert_allclose(result.objective[-1], best, rtol=1e-10)


def test_objective_increases_on_a_smooth_network():
    rng = np.random.default_rng(4)
    conv, dense = Conv2D(1, 3, 3, padding=1, rng=rng), Dense(3 * 36, 5, rng=rng)
    net = Sequential(conv, Tanh(), Flatten(), dense)
    result = maximize(
        net, 0.01 * rng.normal(size=(5, 1, 6, 6)), channel=np.arange(5), steps=60, lr=0.05, l2=0.1
    )
    assert result.objective.shape == result.score.shape == (61, 5)
    assert np.all(np.diff(result.objective, axis=0) > 0)


def test_objective_minus_score_is_the_penalty():
    rng = np.random.default_rng(5)
    result = maximize(small_cnn(), rng.normal(size=(2, 1, 8, 8)), steps=3, l2=0.3)
    final = -0.3 * (result.image.reshape(2, -1) ** 2).sum(axis=1)
    np.testing.assert_allclose(result.objective[-1] - result.score[-1], final)


def test_jitter_follows_the_gradient_of_the_shifted_image():
    """f(roll(x, s)) = w · roll(x, s) has gradient roll(w, -s) with respect to x."""
    w = np.arange(12.0).reshape(1, 1, 3, 4)
    net = linear(w.reshape(1, 12))
    result = maximize(net, np.zeros((1, 1, 3, 4)), steps=1, lr=1.0, jitter=1, rng=7)
    s = np.random.default_rng(7).integers(-1, 2, size=2)
    np.testing.assert_array_equal(result.image, np.roll(w, tuple(-s), axis=(2, 3)))


def test_blur_and_clip():
    rng = np.random.default_rng(6)
    net = small_cnn()
    x0 = 0.1 * rng.normal(size=(1, 1, 8, 8))
    original = x0.copy()
    sharp = maximize(net, x0, steps=8, lr=0.5).image
    smooth = maximize(net, x0, steps=8, lr=0.5, blur=1.0, blur_every=2).image

    def roughness(x):
        return np.abs(np.diff(x, axis=2)).sum() + np.abs(np.diff(x, axis=3)).sum()

    assert roughness(smooth) < roughness(sharp)
    clipped = maximize(net, x0, steps=8, lr=5.0, clip=(0, 1)).image
    assert clipped.min() >= 0 and clipped.max() <= 1
    np.testing.assert_array_equal(x0, original)  # not modified


def test_objective_seed_shapes_and_errors():
    seed = objective_seed(np.zeros((2, 3, 2, 2)), [0, 2], unit=(1, 0))
    assert seed.sum() == 2 and seed[0, 0, 1, 0] == 1 and seed[1, 2, 1, 0] == 1
    with pytest.raises(ValueError, match="channel must lie"):
        objective_seed(np.zeros((1, 3)), 3)
    with pytest.raises(TypeError, match="channel must be an int"):
        objective_seed(np.zeros((1, 3)), 1.0)
    with pytest.raises(ValueError, match="unit applies to feature maps"):
        objective_seed(np.zeros((1, 3)), 1, unit=(0, 0))
    with pytest.raises(ValueError, match="unit must lie"):
        objective_seed(np.zeros((1, 3, 2, 2)), 1, unit=(2, 0))


def test_bad_arguments_are_named():
    net, x = small_cnn(), np.zeros((1, 1, 8, 8))
    with pytest.raises(ValueError, match="lr must be"):
        maximize(net, x, lr=0)
    with pytest.raises(ValueError, match="l2 must be"):
        maximize(net, x, l2=-1)
    with pytest.raises(TypeError, match="steps must be"):
        maximize(net, x, steps=2.5)
    with pytest.raises(ValueError, match="clip must be"):
        maximize(net, x, clip=(1, 0))
    with pytest.raises(ValueError, match="layer must be"):
        maximize(net, x, layer=20)
    with pytest.raises(ValueError, match="x0 must be a batch of images"):
        maximize(linear(np.ones((1, 4))), np.zeros((1, 4)))
