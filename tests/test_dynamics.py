"""Probe and initialisation, and the matched MLP, checked against hand computations."""

import numpy as np
import pytest

from cnnbook.baselines import matched_mlp, mlp_hidden_units, mlp_parameters
from cnnbook.dynamics import Probe, parameter_labels, scaled_normal_init
from cnnbook.layers import Dense, Layer
from cnnbook.network import Sequential, book_cnn
from cnnbook.optim import SGD, Adam


def _quadratic_layer(w):
    layer = Layer()
    layer.params["w"] = np.array(w, dtype=np.float64)
    return layer


def test_probe_records_sgd_momentum_by_hand():
    """C = w²/2 (gradient w), SGD with momentum: norms and ratios from the hand recursion."""
    layer = _quadratic_layer([3.0, -4.0])
    probe = Probe(SGD([(layer, "w")], lr=0.1, momentum=0.5))
    w, v = np.array([3.0, -4.0]), np.zeros(2)
    for _ in range(4):
        layer.grads["w"] = layer.params["w"].copy()
        probe.step()
        g = w.copy()
        v = 0.5 * v + g
        new = w - 0.1 * v
        assert probe.grad_norms[-1][0] == pytest.approx(np.hypot(*g))
        assert probe.update_ratios[-1][0] == pytest.approx(
            np.linalg.norm(new - w) / np.linalg.norm(w)
        )
        w = new
    assert np.allclose(layer.params["w"], w)
    assert probe.records()["grad_norms"].shape == (4, 1)


def test_probe_does_not_change_the_steps():
    nets = [Sequential(Dense(3, 2, rng=0)) for _ in range(2)]
    x = np.random.default_rng(1).standard_normal((8, 3))
    y = np.arange(8) % 2
    nets[0].fit(
        x, y, epochs=3, batch_size=4, optimizer=Adam(nets[0].parameters(), lr=0.1), verbose=False
    )
    probe = Probe(Adam(nets[1].parameters(), lr=0.1))
    nets[1].fit(x, y, epochs=3, batch_size=4, optimizer=probe, verbose=False,
                lr_schedule=lambda e: 0.1)  # fmt: skip
    assert np.array_equal(nets[0].layers[0].params["W"], nets[1].layers[0].params["W"])
    assert probe.t == 6 and len(probe.grad_norms) == 6


def test_probe_rejects_a_non_optimiser():
    with pytest.raises(TypeError, match="cnnbook Optimizer"):
        Probe("adam")


def test_parameter_labels_name_every_array():
    net = book_cnn(batchnorm=True)
    labels = parameter_labels(net)
    assert len(labels) == len(net.parameters())
    assert labels[2:4] == ["1 BatchNorm2D.gamma", "1 BatchNorm2D.beta"]


def test_scaled_normal_init_draws_small_weights_and_keeps_biases():
    net = scaled_normal_init(book_cnn(), std=0.01, rng=3)
    weights = np.concatenate(
        [layer.params["W"].ravel() for layer in (net.layers[0], net.layers[3], net.layers[7])]
    )
    # 11,136 draws: the sample sd is within a few percent of 0.01.
    assert weights.std() == pytest.approx(0.01, rel=0.03)
    assert abs(weights.mean()) < 0.01 * 4 / np.sqrt(weights.size)
    assert all(
        not layer.params["b"].any() for layer in (net.layers[0], net.layers[3], net.layers[7])
    )
    with pytest.raises(ValueError, match="std"):
        scaled_normal_init(book_cnn(), std=0)


@pytest.mark.parametrize("target", [11274, 100, 5000, 795 * 3 + 10])
def test_mlp_width_is_the_closest_by_brute_force(target):
    best = min(range(1, 200), key=lambda h: (abs(h * 785 + 10 * (h + 1) - target), h))
    assert mlp_hidden_units(target) == best


def test_matched_mlp_counts_its_parameters():
    mlp = matched_mlp(11274)
    counted = sum(layer.params[name].size for layer, name in mlp.parameters())
    assert counted == mlp_parameters(784, 14, 10) == 14 * 785 + 10 * 15
    assert abs(counted - book_cnn().num_parameters()) / book_cnn().num_parameters() < 0.02
    with pytest.raises(ValueError, match="hidden"):
        mlp_parameters(784, 0, 10)
