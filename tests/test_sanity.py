"""Cascading randomisation: stages, seeds, and the similarity it reports."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from cnnbook.attribution import input_gradient, saliency
from cnnbook.layers import Dense, Flatten, ReLU
from cnnbook.network import Sequential, book_cnn
from cnnbook.sanity import (
    cascading_randomisation,
    randomised_networks,
    rank_similarity,
    reinitialise,
)


def sal(model, x, t):
    return saliency(model, x, t)


def test_randomising_nothing_gives_correlation_one():
    net = book_cnn(image_size=8, channels=(2, 3), dtype=np.float64)
    x = np.random.default_rng(0).random((3, 1, 8, 8))
    result = cascading_randomisation(net, x, sal)
    assert result.stages[0] == "trained"
    np.testing.assert_allclose(result.similarity[0], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(result.maps[0], saliency(net, x))


def test_the_stage_weights_come_from_the_documented_seeds():
    """Stage k has the k topmost weighted layers drawn from default_rng([seed, i])
    by the layer's constructor; the layers below are untouched."""
    net = book_cnn(image_size=8, channels=(2, 3), rng=5, dtype=np.float64)
    stages = randomised_networks(net, seed=11)
    weighted = [7, 3, 0]
    for k, (_, model) in enumerate(stages):
        for i in weighted:
            W = model.layers[i].params["W"]
            if i in weighted[:k]:
                shape = W.shape
                fan_in = np.prod(shape[1:])
                expected = np.random.default_rng([11, i]).normal(0.0, np.sqrt(2.0 / fan_in), shape)
                np.testing.assert_array_equal(W, expected)
                np.testing.assert_array_equal(model.layers[i].params["b"], 0)
            else:
                np.testing.assert_array_equal(W, net.layers[i].params["W"])


def test_linear_model_saliency_after_randomising_is_the_new_weight_row():
    """A linear model's saliency is |W_t|, so after randomising the dense layer it must be
    |W'_t| of an independently drawn layer."""
    dense = Dense(9, 3, rng=0)
    net = Sequential(Flatten(), dense)
    x = np.random.default_rng(1).random((2, 1, 3, 3))
    t = np.array([2, 0])
    result = cascading_randomisation(net, x, sal, target=t, seed=4)
    fresh = Dense(9, 3, rng=np.random.default_rng([4, 1])).params["W"]
    np.testing.assert_array_equal(result.maps[1], np.abs(fresh[t]).reshape(2, 3, 3))
    expected = [rank_similarity(np.abs(dense.params["W"][[n]]), np.abs(fresh[[n]]))[0] for n in t]
    np.testing.assert_allclose(result.similarity[1], expected)


def test_the_gradient_changes_when_the_top_layer_is_randomised():
    net = book_cnn(image_size=8, channels=(2, 3), dtype=np.float64)
    x = np.random.default_rng(2).random((4, 1, 8, 8))
    before = input_gradient(net, x, 1)
    result = cascading_randomisation(net, x, lambda m, x, t: input_gradient(m, x, t), target=1)
    assert not np.allclose(result.maps[1], before)
    assert np.all(result.similarity[1] < 0.99)
    # the network itself is untouched
    np.testing.assert_array_equal(input_gradient(net, x, 1), before)


def test_default_target_is_the_trained_prediction_at_every_stage():
    net = book_cnn(image_size=8, channels=(2, 3), dtype=np.float64)
    x = np.random.default_rng(3).random((3, 1, 8, 8))
    seen = []
    cascading_randomisation(net, x, lambda m, x, t: seen.append(t.copy()) or x)
    predicted = net.forward(x).argmax(axis=1)
    assert len(seen) == 4 and all(np.array_equal(t, predicted) for t in seen)


def test_rank_similarity_is_pearson_of_ranks():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(5, 2, 6)), rng.normal(size=(5, 2, 6))
    ra = rankdata(np.abs(a).reshape(5, -1), axis=1)
    rb = rankdata(np.abs(b).reshape(5, -1), axis=1)
    expected = [np.corrcoef(u, v)[0, 1] for u, v in zip(ra, rb, strict=True)]
    np.testing.assert_allclose(rank_similarity(a, b), expected, rtol=1e-12)


def test_rank_similarity_of_a_constant_map_is_nan():
    rho = rank_similarity(np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[1.0, 2.0], [1.0, 2.0]]))
    assert np.isnan(rho[0]) and abs(rho[1] - 1.0) < 1e-12


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="Conv2D or a Dense"):
        reinitialise(ReLU(), 0)
    with pytest.raises(ValueError, match="one shape"):
        rank_similarity(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="net must be a cnnbook Sequential"):
        randomised_networks([Dense(2, 2)])
    with pytest.raises(ValueError, match="seed must be"):
        randomised_networks(Sequential(Dense(2, 2)), seed=-1)
