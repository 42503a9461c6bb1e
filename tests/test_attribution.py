"""Tests for cnnbook.attribution against finite differences and closed forms.

Saliency is checked against central differences of the logits; occlusion on
a linear model against the sum of weight × (pixel − fill) over the patch,
worked out here with loops; SmoothGrad against saliency at zero noise, against
the constant gradient of a linear model, and against an average written out
here.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from cnnbook.attribution import (
    guided_backprop,
    input_gradient,
    occlusion,
    patch_positions,
    saliency,
    smoothgrad,
)
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import Conv2D, Dense, Flatten, ReLU, Tanh
from cnnbook.network import Sequential, book_cnn
from cnnbook.pooling import MaxPool2D


def small_cnn():
    return book_cnn(
        in_channels=2, image_size=8, num_classes=4, channels=(2, 3), rng=1, dtype=np.float64
    )


def linear_model(shape=(2, 6, 5), K=3, rng=0):
    C, H, W = shape
    return Sequential(Flatten(), Dense(C * H * W, K, rng=rng))


@pytest.fixture
def x8():
    return np.random.default_rng(7).normal(size=(3, 2, 8, 8))


def softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ----------------------------------------------------------------------------
# gradients
# ----------------------------------------------------------------------------
def test_input_gradient_and_saliency_match_finite_differences(x8):
    net = small_cnn()
    target = np.array([0, 3, 1])
    onehot = np.eye(4)[target]
    num = numerical_gradient(net.forward, x8.copy(), onehot)
    g = input_gradient(net, x8, target)
    assert g.shape == x8.shape
    assert rel_error(g, num) < 1e-6
    s = saliency(net, x8, target)
    assert s.shape == (3, 8, 8)
    assert rel_error(s, np.abs(num).max(axis=1)) < 1e-6


def test_default_target_is_the_predicted_class(x8):
    net = small_cnn()
    predicted = copy.deepcopy(net).forward(x8).argmax(axis=1)
    np.testing.assert_array_equal(input_gradient(net, x8), input_gradient(net, x8, predicted))
    # An int target is used for every image.
    g = input_gradient(net, x8, 2)
    np.testing.assert_array_equal(g, input_gradient(net, x8, np.array([2, 2, 2])))


def test_saliency_of_a_linear_model_is_its_weights():
    net = linear_model()
    x = np.random.default_rng(1).normal(size=(2, 2, 6, 5))
    W = net.layers[1].params["W"].reshape(3, 2, 6, 5)
    np.testing.assert_allclose(saliency(net, x, [2, 0]), np.abs(W[[2, 0]]).max(axis=1), atol=1e-14)


def test_guided_backprop_against_a_hand_written_pass(x8):
    net = small_cnn()
    target = np.array([1, 2, 0])
    ref = copy.deepcopy(net).eval()
    a = x8
    for layer in ref.layers:
        a = layer.forward(a)
    r = np.eye(4)[target]
    for layer in reversed(ref.layers):
        r = np.maximum(r, 0) * layer.mask if isinstance(layer, ReLU) else layer.backward(r)
    got = guided_backprop(net, x8, target)
    assert rel_error(got, r) < 1e-13
    assert rel_error(got, input_gradient(net, x8, target)) > 1e-3


def test_guided_backprop_is_the_gradient_without_relus():
    rng = np.random.default_rng(2)
    net = Sequential(
        Conv2D(1, 2, 3, padding=1, rng=rng), Tanh(), MaxPool2D(2), Flatten(), Dense(8, 3, rng=rng)
    )
    x = rng.normal(size=(2, 1, 4, 4))
    np.testing.assert_array_equal(guided_backprop(net, x, 1), input_gradient(net, x, 1))


# ----------------------------------------------------------------------------
# SmoothGrad
# ----------------------------------------------------------------------------
def test_smoothgrad_without_noise_is_saliency(x8):
    net = small_cnn()
    for magnitude in (False, True):
        sg = smoothgrad(net, x8, [0, 1, 2], noise_level=0.0, n_samples=7, magnitude=magnitude)
        sal = saliency(net, x8, [0, 1, 2])
        assert sg.shape == sal.shape == (3, 8, 8)
        assert rel_error(sg, sal) < 1e-12


def test_smoothgrad_of_a_linear_model_is_its_saliency_at_any_noise():
    net = linear_model()
    x = np.random.default_rng(3).normal(size=(2, 2, 6, 5))
    W = net.layers[1].params["W"].reshape(3, 2, 6, 5)
    sg = smoothgrad(net, x, 1, noise_level=0.5, n_samples=10, batch_size=3)
    np.testing.assert_allclose(sg, np.abs(W[[1, 1]]).max(axis=1), rtol=1e-12)


def test_smoothgrad_is_the_average_over_documented_noise(x8):
    # The reference averages input_gradient (itself checked against finite
    # differences above) over noise drawn as documented: image after image,
    # sigma_n = noise_level * (max x_n - min x_n).
    net = small_cnn()
    target, level, S = np.array([3, 0, 1]), 0.2, 5
    gen = np.random.default_rng(42)
    want, want_abs = np.empty((3, 8, 8)), np.empty((3, 8, 8))
    for n in range(3):
        sigma = level * (x8[n].max() - x8[n].min())
        noisy = x8[n] + gen.normal(size=(S, 2, 8, 8)) * sigma
        grads = np.stack([input_gradient(net, noisy[k : k + 1], target[n])[0] for k in range(S)])
        want[n] = np.abs(grads.mean(axis=0)).max(axis=0)
        want_abs[n] = np.abs(grads).mean(axis=0).max(axis=0)
    got = smoothgrad(net, x8, target, noise_level=level, n_samples=S, rng=42, batch_size=2)
    assert rel_error(got, want) < 1e-12
    got = smoothgrad(net, x8, target, level, S, magnitude=True, rng=np.random.default_rng(42))
    assert rel_error(got, want_abs) < 1e-12
    # The noise matters: the map is not the plain saliency.
    assert rel_error(got, saliency(net, x8, target)) > 1e-3


def test_smoothgrad_is_seeded(x8):
    net = small_cnn()
    a = smoothgrad(net, x8, n_samples=6, rng=5)
    b = smoothgrad(net, x8, n_samples=6, rng=5, batch_size=4)
    c = smoothgrad(net, x8, n_samples=6, rng=6)
    assert rel_error(a, b) < 1e-12
    assert rel_error(a, c) > 1e-3
    # |mean g| <= mean |g| channel by channel, so the magnitude map dominates.
    m = smoothgrad(net, x8, n_samples=6, rng=5, magnitude=True)
    assert np.all(m >= a - 1e-12)
    assert np.any(m > a + 1e-6)


# ----------------------------------------------------------------------------
# occlusion
# ----------------------------------------------------------------------------
def closed_form_drops(W_t, x_n, fill, rows, cols, ph, pw):
    """Logit drop of a linear model: sum of W_t * (x - fill) over the patch, by loops."""
    C = x_n.shape[0]
    out = np.zeros((len(rows), len(cols)))
    for a, i in enumerate(rows):
        for b, j in enumerate(cols):
            total = 0.0
            for c in range(C):
                f = fill if np.ndim(fill) == 0 else fill[c]
                for p in range(i, i + ph):
                    for q in range(j, j + pw):
                        total += W_t[c, p, q] * (x_n[c, p, q] - f)
            out[a, b] = total
    return out


@pytest.mark.parametrize(
    ("patch", "stride", "fill"), [(3, 1, 0.0), ((3, 2), (2, 1), 0.5), (2, 2, "mean")]
)
def test_occlusion_of_a_linear_model_is_the_closed_form(patch, stride, fill):
    net = linear_model()
    x = np.random.default_rng(4).normal(size=(2, 2, 6, 5))
    W = net.layers[1].params["W"].reshape(3, 2, 6, 5)
    ph, pw = (patch, patch) if isinstance(patch, int) else patch
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    rows = list(range(0, 6 - ph + 1, sh))
    cols = list(range(0, 5 - pw + 1, sw))
    rows += [6 - ph] if rows[-1] != 6 - ph else []
    cols += [5 - pw] if cols[-1] != 5 - pw else []
    target = [2, 0]
    heat_patch = occlusion(net, x, target, patch, stride, fill, measure="logit", grid="patch")
    heat_image = occlusion(net, x, target, patch, stride, fill, measure="logit")
    assert heat_patch.shape == (2, len(rows), len(cols))
    assert heat_image.shape == (2, 6, 5)
    for n in range(2):
        f = x[n].mean(axis=(1, 2)) if fill == "mean" else fill
        want = closed_form_drops(W[target[n]], x[n], f, rows, cols, ph, pw)
        np.testing.assert_allclose(heat_patch[n], want, atol=1e-12)
        # Image grid: each pixel averages the patches that cover it.
        for p in range(6):
            for q in range(5):
                covering = [
                    want[a, b]
                    for a, i in enumerate(rows)
                    for b, j in enumerate(cols)
                    if i <= p < i + ph and j <= q < j + pw
                ]
                assert heat_image[n, p, q] == pytest.approx(np.mean(covering), abs=1e-12)


def test_occlusion_probability_against_a_hand_occluded_forward(x8):
    net = small_cnn()
    ref = copy.deepcopy(net)
    heat = occlusion(net, x8, None, patch=4, stride=2, grid="patch", batch_size=5)
    assert heat.shape == (3, 3, 3)
    logits = ref.forward(x8)
    t = logits.argmax(axis=1)
    base = softmax_rows(logits)[np.arange(3), t]
    for n in range(3):
        for a, i in enumerate((0, 2, 4)):
            for b, j in enumerate((0, 2, 4)):
                occluded = x8[n : n + 1].copy()
                occluded[:, :, i : i + 4, j : j + 4] = 0.0
                p = softmax_rows(ref.forward(occluded))[0, t[n]]
                assert heat[n, a, b] == pytest.approx(base[n] - p, abs=1e-12)


def test_patch_positions_reach_the_edge():
    assert patch_positions(28, 7, 3).tolist() == [0, 3, 6, 9, 12, 15, 18, 21]
    assert patch_positions(28, 7, 4).tolist() == [0, 4, 8, 12, 16, 20, 21]
    assert patch_positions(5, 5, 1).tolist() == [0]


# ----------------------------------------------------------------------------
# the network is left alone; errors
# ----------------------------------------------------------------------------
def test_attribution_leaves_the_network_alone(x8):
    net = small_cnn()
    net.forward(x8)
    net.backward(np.ones((3, 4)))
    grads = [{k: v.copy() for k, v in layer.grads.items()} for layer in net.layers]
    saliency(net, x8)
    smoothgrad(net, x8, n_samples=3)
    occlusion(net, x8, patch=4, stride=4)
    guided_backprop(net, x8)
    assert net.training
    for layer, before in zip(net.layers, grads, strict=True):
        assert layer.grads.keys() == before.keys()
        for k in before:
            np.testing.assert_array_equal(layer.grads[k], before[k])


def test_errors(x8):
    net = small_cnn()
    with pytest.raises(TypeError, match="Sequential"):
        saliency(lambda x: x, x8)
    with pytest.raises(ValueError, match=r"x must be a batch of images of shape \(N, C, H, W\)"):
        saliency(net, x8[0])
    with pytest.raises(ValueError, match=r"target must lie in \[0, 3\] for 4 classes"):
        saliency(net, x8, 4)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 3\]"):
        input_gradient(net, x8, [0, -1, 2])
    with pytest.raises(ValueError, match=r"target must be an int or have shape \(3,\)"):
        saliency(net, x8, [0, 1])
    with pytest.raises(TypeError, match="target must be None, an int or an array of ints"):
        saliency(net, x8, 1.0)
    with pytest.raises(TypeError, match="target must be None"):
        saliency(net, x8, True)
    with pytest.raises(ValueError, match="n_samples must be a positive int"):
        smoothgrad(net, x8, n_samples=0)
    with pytest.raises(ValueError, match=r"noise_level must be a finite number in \[0, inf\)"):
        smoothgrad(net, x8, noise_level=-0.1)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        smoothgrad(net, x8, batch_size=0)
    with pytest.raises(ValueError, match=r"patch \(9, 9\) must fit in the image of size \(8, 8\)"):
        occlusion(net, x8, patch=9)
    with pytest.raises(ValueError, match=r"patch must be >= 1, got \(0, 2\)"):
        occlusion(net, x8, patch=(0, 2))
    with pytest.raises(TypeError, match="patch must be an int or a pair of ints"):
        occlusion(net, x8, patch=2.5)
    with pytest.raises(ValueError, match=r"stride must be >= 1, got \(0, 0\)"):
        occlusion(net, x8, patch=3, stride=0)
    with pytest.raises(ValueError, match="needs stride <= patch"):
        occlusion(net, x8, patch=3, stride=4)
    with pytest.raises(ValueError, match="measure must be one of"):
        occlusion(net, x8, measure="loss")
    with pytest.raises(ValueError, match="grid must be one of"):
        occlusion(net, x8, grid="pixels")
    with pytest.raises(ValueError, match="fill must be a number or 'mean'"):
        occlusion(net, x8, fill="grey")
    with pytest.raises(ValueError, match=r"fill must be a finite number in \(-inf, inf\), got nan"):
        occlusion(net, x8, fill=float("nan"))
    with pytest.raises(ValueError, match=r"patch \(9\) must not be larger than the image \(8\)"):
        patch_positions(8, 9, 1)
    convs = Sequential(*small_cnn().layers[:3])
    with pytest.raises(ValueError, match=r"net must output class scores of shape \(N, K\)"):
        saliency(convs, x8)
    with pytest.raises(ValueError, match=r"net must output class scores of shape \(N, K\)"):
        occlusion(convs, x8, 0, patch=4, stride=4)
