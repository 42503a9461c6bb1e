"""Grad-CAM against the definition worked out by hand and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate2d

from cnnbook.attribution import guided_backprop
from cnnbook.gradcam import channel_weights, grad_cam, guided_grad_cam, layer_gradient, upsample
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import Conv2D, Dense, Flatten, ReLU
from cnnbook.network import Sequential, book_cnn
from cnnbook.pooling import MaxPool2D


def tiny_net(rng):
    """Conv 3×3 (pad 1, 2 filters) → ReLU → MaxPool 2 → Flatten → Dense(8, 3), float64."""
    conv, dense = Conv2D(1, 2, 3, padding=1, rng=rng), Dense(8, 3, rng=rng)
    conv.params["b"][...] = rng.normal(size=2)
    dense.params["b"][...] = rng.normal(size=3)
    return Sequential(conv, ReLU(), MaxPool2D(2), Flatten(), dense)


def by_hand(net, x, t):
    """Grad-CAM at layer 1 (the ReLU) of ``tiny_net`` for one image, written from the definition."""
    W, b = net.layers[0].params["W"], net.layers[0].params["b"]
    Wd = net.layers[4].params["W"]
    A = np.stack(
        [np.maximum(correlate2d(np.pad(x, 1), W[c, 0], "valid") + b[c], 0) for c in range(2)]
    )
    dP = Wd[t].reshape(2, 2, 2)  # ∂s_t/∂(pooled map), in Flatten's (c, i, j) order
    dA = np.zeros_like(A)
    for c in range(2):
        for u in range(2):
            for v in range(2):
                window = A[c, 2 * u : 2 * u + 2, 2 * v : 2 * v + 2]
                p, q = np.unravel_index(np.argmax(window), (2, 2))
                dA[c, 2 * u + p, 2 * v + q] = dP[c, u, v]
    alpha = dA.mean(axis=(1, 2))
    return alpha, np.maximum(np.tensordot(alpha, A, 1), 0)


@pytest.mark.parametrize("seed", range(5))
def test_grad_cam_matches_the_definition_by_hand(seed):
    rng = np.random.default_rng(seed)
    net = tiny_net(rng)
    x = rng.normal(size=(3, 1, 4, 4))
    t = np.array([0, 2, 1])
    cam = grad_cam(net, x, layer=1, target=t)
    alpha = channel_weights(net, x, layer=1, target=t)
    for n in range(3):
        alpha_hand, cam_hand = by_hand(net, x[n, 0], t[n])
        np.testing.assert_allclose(alpha[n], alpha_hand, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(cam[n], cam_hand, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("layer", [0, 1, 2, 3, 4, 5])
def test_channel_weights_match_finite_differences(layer):
    """α_k is the mean of ∂s_t/∂A_k; the derivative is taken by central differences
    through the layers above ``layer``, a computation independent of the backward engine."""
    rng = np.random.default_rng(layer)
    net = book_cnn(image_size=12, channels=(3, 4), rng=layer, dtype=np.float64)
    for layer_ in net.layers:
        if "b" in layer_.params:
            layer_.params["b"][...] = rng.normal(scale=0.1, size=layer_.params["b"].shape)
    if layer in (1, 4):
        # A ReLU's output holds exact zeros, which tie in the max pooling above: there the
        # function of A has no derivative. A large bias below keeps every output positive.
        net.layers[layer - 1].params["b"][...] += 20
    x = rng.normal(size=(2, 1, 12, 12))
    t = np.array([3, 7])
    A, dA, t_out = layer_gradient(net, x, layer, t)
    upper = Sequential(*net.layers[layer + 1 :])
    onehot = np.eye(10)[t]
    numeric = numerical_gradient(upper.forward, A.copy(), onehot)
    assert np.array_equal(t_out, t)
    assert rel_error(dA, numeric) < 1e-7
    assert rel_error(channel_weights(net, x, layer, t), numeric.mean(axis=(2, 3))) < 1e-7


def test_default_target_is_the_prediction():
    rng = np.random.default_rng(0)
    net = tiny_net(rng)
    x = rng.normal(size=(4, 1, 4, 4))
    predicted = net.forward(x).argmax(axis=1)
    assert np.array_equal(grad_cam(net, x, 1), grad_cam(net, x, 1, predicted))


def test_grad_cam_of_a_pooled_layer_is_upsampled_blockwise():
    rng = np.random.default_rng(1)
    net = tiny_net(rng)
    x = rng.normal(size=(2, 1, 4, 4))
    Wd = net.layers[4].params["W"]
    A = net.layers[2].forward(net.layers[1].forward(net.layers[0].forward(x)))  # (2, 2, 2, 2)
    alpha = Wd[[1, 1]].reshape(2, 2, 2, 2).mean(axis=(2, 3))  # dense weights: the gradient
    small = np.maximum(np.einsum("nk,nkij->nij", alpha, A), 0)
    cam = grad_cam(net, x, layer=2, target=1, mode="nearest")
    np.testing.assert_allclose(cam, np.kron(small, np.ones((2, 2))), rtol=1e-12)


def test_guided_grad_cam_is_guided_backprop_times_the_map():
    rng = np.random.default_rng(2)
    net = tiny_net(rng)
    x = rng.normal(size=(2, 1, 4, 4))
    cam = np.stack([by_hand(net, x[n, 0], 2)[1] for n in range(2)])
    expected = guided_backprop(net, x, 2) * cam[:, None]
    np.testing.assert_allclose(guided_grad_cam(net, x, 1, 2), expected, rtol=1e-12, atol=1e-14)


def test_signed_map_without_relu():
    rng = np.random.default_rng(3)
    net = tiny_net(rng)
    x = rng.normal(size=(1, 1, 4, 4))
    signed = grad_cam(net, x, 1, 0, relu=False)
    assert np.array_equal(np.maximum(signed, 0), grad_cam(net, x, 1, 0))


@pytest.mark.parametrize(("h", "H"), [(7, 28), (14, 28), (3, 6), (5, 5)])
def test_bilinear_upsampling_is_separable_linear_interpolation(h, H):
    """Against np.interp along each axis, between pixel centres, edges held."""
    rng = np.random.default_rng(h)
    m = rng.normal(size=(2, h, h))
    centres = (np.arange(H) + 0.5) * h / H - 0.5
    rows = np.stack([[np.interp(centres, np.arange(h), r) for r in img] for img in m])
    expected = np.stack([[np.interp(centres, np.arange(h), c) for c in img.T] for img in rows])
    expected = expected.transpose(0, 2, 1)
    np.testing.assert_allclose(upsample(m, H), expected, rtol=1e-12, atol=1e-12)


def test_nearest_upsampling_keeps_block_means():
    m = np.arange(8.0).reshape(2, 2, 2)
    up = upsample(m, (4, 6), "nearest")
    assert up.shape == (2, 4, 6)
    np.testing.assert_array_equal(up.reshape(2, 2, 2, 2, 3).mean(axis=(2, 4)), m)


def test_bad_arguments_are_named():
    net = tiny_net(np.random.default_rng(0))
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="last layer"):
        grad_cam(net, x, 4)
    with pytest.raises(ValueError, match="feature maps"):
        grad_cam(net, x, 3)
    with pytest.raises(ValueError, match="target must lie in"):
        grad_cam(net, x, 1, target=3)
    with pytest.raises(TypeError, match="target must be integers"):
        grad_cam(net, x, 1, target=1.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        grad_cam(net, x, 1, mode="cubic")
    with pytest.raises(ValueError, match="layer must be a layer index"):
        grad_cam(net, x, 9)
    with pytest.raises(ValueError, match="must be a multiple"):
        upsample(np.zeros((1, 3, 3)), 4)
    with pytest.raises(ValueError, match="images of shape"):
        grad_cam(net, np.zeros((1, 16)), 1)
