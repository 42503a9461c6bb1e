"""Tests for cnnbook.deconvnet: the one backward engine and its three ReLU rules.

The references are independent of the engine: central differences for the
true gradient, a backward pass written out here from the layers' own
``backward`` methods and ReLU masks for the deconvnet and guided rules,
scipy's full convolution for the transposed filters, the loop reference of
:mod:`cnnbook.conv`, and arrays worked by hand.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from cnnbook.backward import (
    POOLINGS,
    RULES,
    activations,
    backward_pass,
    relu_backward,
    unpool_fill,
)
from cnnbook.batchnorm import BatchNorm2D
from cnnbook.conv import conv2d_backward_loops, conv2d_forward_loops, convolve2d
from cnnbook.conv_fast import conv2d_transpose as conv_transpose
from cnnbook.deconvnet import project, project_all, top_activations
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import (
    Conv2D,
    Dense,
    Flatten,
    ReLU,
    Sigmoid,
    Tanh,
)
from cnnbook.network import Sequential, book_cnn
from cnnbook.pooling import MaxPool2D


def small_cnn(rng=1, batchnorm=False):
    return book_cnn(
        in_channels=2,
        image_size=8,
        num_classes=4,
        channels=(2, 3),
        batchnorm=batchnorm,
        rng=rng,
        dtype=np.float64,
    )


def odd_net(rng=0):
    """Every layer type, with stride, padding and overlapping pooling windows."""
    rng = np.random.default_rng(rng)
    bn = BatchNorm2D(3)
    bn.params["gamma"][...] = rng.uniform(0.5, 2.0, 3)
    bn.params["beta"][...] = rng.normal(size=3)
    bn.buffers["running_mean"][...] = rng.normal(size=3)
    bn.buffers["running_var"][...] = rng.uniform(0.5, 2.0, 3)
    return Sequential(
        Conv2D(2, 3, 3, stride=2, padding=1, rng=rng),  # 9x9 -> 5x5
        bn,
        ReLU(),
        MaxPool2D(3, stride=2),  # 5x5 -> 2x2, windows overlap
        Flatten(),
        Dense(12, 5, rng=rng),
        Tanh(),
        Dense(5, 3, rng=rng),
    )


@pytest.fixture
def x8():
    return np.random.default_rng(7).normal(size=(3, 2, 8, 8))


def manual_backward(net, x, seed, relu_step):
    """Forward with the network's own layers, then backward with their own
    ``backward`` methods, except at a ReLU, where ``relu_step(r, mask)`` acts."""
    net = copy.deepcopy(net).eval()
    a = x
    for layer in net.layers:
        a = layer.forward(a)
    r = seed
    for layer in reversed(net.layers):
        r = relu_step(r, layer.mask) if isinstance(layer, ReLU) else layer.backward(r)
    return r


def guided_step(r, m):
    return np.maximum(r, 0) * m


def deconvnet_step(r, m):
    return np.maximum(r, 0)


# ----------------------------------------------------------------------------
# backprop is the gradient
# ----------------------------------------------------------------------------
def small_cnn_bn():
    net = small_cnn(batchnorm=True)
    for bn in (layer for layer in net.layers if isinstance(layer, BatchNorm2D)):
        bn.buffers["running_mean"][...] = np.linspace(-0.5, 0.5, bn.num_features)
        bn.buffers["running_var"][...] = np.linspace(0.5, 2.0, bn.num_features)
    return net


@pytest.mark.parametrize(("make", "size"), [(small_cnn, 8), (small_cnn_bn, 8), (odd_net, 9)])
def test_backprop_rule_equals_finite_differences(make, size):
    net = make()
    x = np.random.default_rng(3).normal(size=(2, 2, size, size))
    seed = np.random.default_rng(4).normal(size=(2, net.layers[-1].out_features))
    g = backward_pass(net, x, seed, rule="backprop")
    net.eval()  # batch norm in evaluation mode, as the engine runs it
    num = numerical_gradient(net.forward, x.copy(), seed)
    assert g.shape == x.shape
    assert rel_error(g, num) < 1e-6


def test_backprop_from_an_inner_layer_to_an_inner_layer(x8):
    net = small_cnn()
    # Seed at the second ReLU (layer 4): the gradient of <f_4(x), seed>.
    f4 = lambda x: Sequential(*net.layers[:5]).forward(x)  # noqa: E731
    seed = np.random.default_rng(5).normal(size=f4(x8).shape)
    g = backward_pass(net, x8, seed, layer=4)
    assert rel_error(g, numerical_gradient(f4, x8.copy(), seed)) < 1e-6
    # From the logits back to the input of layer 3 (the second convolution).
    a2 = Sequential(*net.layers[:3]).forward(x8)
    tail = Sequential(*net.layers[3:])
    seed = np.random.default_rng(6).normal(size=(3, 4))
    g = backward_pass(net, x8, seed, stop=3)
    assert g.shape == a2.shape
    assert rel_error(g, numerical_gradient(tail.forward, a2.copy(), seed)) < 1e-6


def test_backprop_rule_equals_the_networks_backward(x8):
    net = small_cnn()
    seed = np.random.default_rng(8).normal(size=(3, 4))
    net.forward(x8)
    expected = net.backward(seed)
    assert rel_error(backward_pass(net, x8, seed), expected) < 1e-13


# ----------------------------------------------------------------------------
# guided and deconvnet against a backward pass written out here
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(("rule", "step"), [("guided", guided_step), ("deconvnet", deconvnet_step)])
@pytest.mark.parametrize("make", [small_cnn, odd_net])
def test_rules_match_a_hand_written_backward_pass(rule, step, make):
    net = make()
    size = 8 if make is small_cnn else 9
    x = np.random.default_rng(9).normal(size=(2, 2, size, size))
    seed = np.random.default_rng(10).normal(size=net.forward(x).shape)
    got = backward_pass(net, x, seed, rule=rule)
    assert rel_error(got, manual_backward(net, x, seed, step)) < 1e-13
    # ... and the rule matters: each differs from the true gradient.
    assert rel_error(got, backward_pass(net, x, seed, rule="backprop")) > 1e-3


def test_guided_applies_both_masks_on_a_hand_example():
    # Forward input of the ReLU z = (-1, 2, 3, -4); backward signal (5, -6, 7, 8).
    net = Sequential(ReLU())
    x = np.array([[-1.0, 2.0, 3.0, -4.0]])
    seed = np.array([[5.0, -6.0, 7.0, 8.0]])
    assert backward_pass(net, x, seed, "backprop").tolist() == [[0, -6, 7, 0]]
    assert backward_pass(net, x, seed, "deconvnet").tolist() == [[5, 0, 7, 8]]
    assert backward_pass(net, x, seed, "guided").tolist() == [[0, 0, 7, 0]]


def test_relu_backward_rules_elementwise():
    rng = np.random.default_rng(0)
    r, z = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    m = z > 0
    for rule, want in [
        (
            "backprop",
            [
                [ri if zi > 0 else 0 for ri, zi in zip(a, b, strict=True)]
                for a, b in zip(r, z, strict=True)
            ],
        ),
        ("deconvnet", [[max(ri, 0) for ri in a] for a in r]),
        (
            "guided",
            [
                [ri if (zi > 0 and ri > 0) else 0 for ri, zi in zip(a, b, strict=True)]
                for a, b in zip(r, z, strict=True)
            ],
        ),
    ]:
        np.testing.assert_array_equal(relu_backward(r, m, rule), np.array(want))


def test_without_relu_all_rules_agree_exactly():
    rng = np.random.default_rng(11)
    net = Sequential(
        Conv2D(2, 3, 3, padding=1, rng=rng),
        Tanh(),
        MaxPool2D(2),
        Conv2D(3, 2, 3, rng=rng),
        Sigmoid(),
        Flatten(),
        Dense(8, 4, rng=rng),
    )
    x = rng.normal(size=(2, 2, 8, 8))
    seed = rng.normal(size=(2, 4))
    ref = backward_pass(net, x, seed, rule="backprop")
    assert np.any(ref != 0)
    for rule in RULES:
        np.testing.assert_array_equal(backward_pass(net, x, seed, rule=rule), ref)


# ----------------------------------------------------------------------------
# transposed convolution and unpooling
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 2), (2, 1), ((2, 1), (0, 1))])
def test_conv_transpose_is_the_loop_input_gradient(stride, padding):
    rng = np.random.default_rng(12)
    x, W = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    dy = rng.normal(size=conv2d_forward_loops(x, W, None, stride, padding).shape)
    dx, _, _ = conv2d_backward_loops(dy, x, W, stride, padding)
    np.testing.assert_allclose(conv_transpose(dy, W, x.shape, stride, padding), dx, atol=1e-12)


def test_conv_transpose_is_a_full_convolution_with_the_filters():
    rng = np.random.default_rng(13)
    W = rng.normal(size=(3, 2, 3, 3))
    dy = rng.normal(size=(1, 3, 4, 4))
    got = conv_transpose(dy, W, (1, 2, 6, 6))
    for c in range(2):
        want = sum(convolve2d(dy[0, o], W[o, c], "full") for o in range(3))
        np.testing.assert_allclose(got[0, c], want, atol=1e-12)


def test_unpool_fill_by_hand():
    y = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    # Non-overlapping 2x2 windows: each value fills its square.
    want = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_array_equal(unpool_fill(y, (1, 1, 4, 4), 2)[0, 0], want)
    # 3x3 windows with stride 2 on a 5x5 input overlap in the middle row and column.
    want = np.array(
        [
            [1, 1, 3, 2, 2],
            [1, 1, 3, 2, 2],
            [4, 4, 10, 6, 6],
            [3, 3, 7, 4, 4],
            [3, 3, 7, 4, 4],
        ]
    )
    np.testing.assert_array_equal(unpool_fill(y, (1, 1, 5, 5), 3, 2)[0, 0], want)
    # 2x2 windows with stride 1 on a 3x3 input: values add up.
    want = np.array([[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    np.testing.assert_array_equal(unpool_fill(y, (1, 1, 3, 3), 2, 1)[0, 0], want)


def test_fill_and_switches_through_the_engine_by_hand():
    # ReLU then a 2x2 max pooling on a 4x4 image; the deconvnet sends back
    # the seed (2, -1; 0, 3).
    x = np.array(
        [
            [
                [
                    [1.0, -2.0, 0.0, 0.5],
                    [0.0, 3.0, -1.0, 0.0],
                    [-1.0, -1.0, 2.0, 1.0],
                    [-3.0, 0.0, 1.0, 4.0],
                ]
            ]
        ]
    )
    net = Sequential(ReLU(), MaxPool2D(2))
    seed = np.array([[[[2.0, -1.0], [0.0, 3.0]]]])
    # Switches: (1,1), (0,3), (2,0) (all-zero window: first tap), (3,3); the
    # deconvnet ReLU then clips the -1.
    switches = np.array([[0, 0, 0, 0], [0, 2, 0, 0], [0, 0, 0, 0], [0, 0, 0, 3]])
    np.testing.assert_array_equal(
        backward_pass(net, x, seed, "deconvnet", pooling="switches")[0, 0], switches
    )
    fill = np.array([[2, 2, 0, 0], [2, 2, 0, 0], [0, 0, 3, 3], [0, 0, 3, 3]])
    np.testing.assert_array_equal(
        backward_pass(net, x, seed, "deconvnet", pooling="fill")[0, 0], fill
    )
    # backprop with fill: the ReLU mask of x instead of clipping the signal.
    fill_bp = np.array([[2, 0, 0, -1], [0, 2, 0, 0], [0, 0, 3, 3], [0, 0, 3, 3]])
    np.testing.assert_array_equal(
        backward_pass(net, x, seed, "backprop", pooling="fill")[0, 0], fill_bp
    )


def test_fill_differs_from_switches_on_a_cnn(x8):
    net = small_cnn()
    seed = np.abs(np.random.default_rng(14).normal(size=(3, 4)))
    a = backward_pass(net, x8, seed, "deconvnet", pooling="switches")
    b = backward_pass(net, x8, seed, "deconvnet", pooling="fill")
    assert rel_error(a, b) > 0.1


# ----------------------------------------------------------------------------
# projections
# ----------------------------------------------------------------------------
def feature_maps(net, x, layer):
    return Sequential(*net.layers[: layer + 1]).forward(x)


@pytest.mark.parametrize("layer", [1, 2, 4, 5])
def test_project_whole_map_with_backprop_is_gradient_of_half_squared_norm(x8, layer):
    # Seed = a_f, so the backprop projection is J^T a_f = grad of 0.5 * ||a_f||^2.
    net = small_cnn()
    f = 1
    a = feature_maps(net, x8, layer)
    seed = np.zeros_like(a)
    seed[:, f] = a[:, f]
    num = numerical_gradient(lambda x: feature_maps(net, x, layer), x8.copy(), seed)
    got = project(net, x8, layer, f, rule="backprop")
    assert got.shape == x8.shape
    assert rel_error(got, num) < 1e-6


def test_project_one_unit_with_backprop_is_value_times_gradient(x8):
    net = small_cnn()
    layer, f, (i, j) = 4, 2, (2, 3)
    a = feature_maps(net, x8, layer)
    seed = np.zeros_like(a)
    seed[:, f, i, j] = a[:, f, i, j]
    num = numerical_gradient(lambda x: feature_maps(net, x, layer), x8.copy(), seed)
    assert rel_error(project(net, x8, layer, f, unit=(i, j), rule="backprop"), num) < 1e-6


def test_project_first_block_is_a_full_convolution_of_the_rectified_map(x8):
    # Layer 1 is the first ReLU: deconvnet = rectify, then transposed filters
    # (full convolution, cropped by the padding of 2).
    net = small_cnn()
    W = net.layers[0].params["W"]
    f = 0
    a = feature_maps(net, x8, 1)[:, f]
    got = project(net, x8, 1, f)
    for n in range(len(x8)):
        for c in range(2):
            full = convolve2d(np.maximum(a[n], 0), W[f, c], "full")  # 12x12
            np.testing.assert_allclose(got[n, c], full[2:10, 2:10], atol=1e-12)


def test_project_strongest_unit(x8):
    net = small_cnn()
    a = feature_maps(net, x8, 2)
    f = 1
    got = project(net, x8, 2, f, unit="max")
    for n in range(len(x8)):
        i, j = np.unravel_index(np.argmax(a[n, f]), a.shape[2:])
        one = project(net, x8[n : n + 1], 2, f, unit=(int(i), int(j)))
        np.testing.assert_array_equal(got[n : n + 1], one)


def test_project_one_image_and_project_all(x8):
    net = small_cnn()
    image = x8[1]
    single = project(net, image, 4, 2)
    assert single.shape == image.shape
    np.testing.assert_allclose(single, project(net, x8, 4, 2)[1], atol=1e-12)
    for batch_size in (1, 2, 64):
        every = project_all(net, image, 4, batch_size=batch_size)
        assert every.shape == (3, 2, 8, 8)
        for k in range(3):
            np.testing.assert_allclose(every[k], project(net, image, 4, k), atol=1e-12)
    # A feature that some image activates projects to something non-zero.
    assert np.abs(project_all(net, image[None], 1, rule="guided")).sum() > 0


# ----------------------------------------------------------------------------
# top activations
# ----------------------------------------------------------------------------
def test_top_activations_against_loops():
    net = small_cnn()
    x = np.random.default_rng(15).normal(size=(10, 2, 8, 8))
    for layer in (1, 5, 7):
        a = feature_maps(net, x, layer)
        idx, val = top_activations(net, x, layer, k=4, batch_size=3)
        assert idx.shape == val.shape == (a.shape[1], 4)
        for c in range(a.shape[1]):
            peaks = [float(np.max(a[n, c])) for n in range(10)]
            order = sorted(range(10), key=lambda n: -peaks[n])[:4]
            assert idx[c].tolist() == order
            np.testing.assert_allclose(val[c], [peaks[n] for n in order], rtol=1e-12)


def test_activations_match_forward_in_eval_mode(x8):
    net = small_cnn(batchnorm=True)
    net.layers[1].buffers["running_mean"][...] = [0.5, -0.5]
    ref = copy.deepcopy(net).eval()
    want = Sequential(*ref.layers[:4]).forward(x8)
    np.testing.assert_allclose(activations(net, x8, 3, batch_size=2), want, atol=1e-12)


# ----------------------------------------------------------------------------
# the network is left as it was
# ----------------------------------------------------------------------------
def test_engine_does_not_disturb_training(x8):
    net = small_cnn(batchnorm=True).train()
    other = np.random.default_rng(16).normal(size=x8.shape)  # same shape: same workspaces
    dy = np.random.default_rng(17).normal(size=(3, 4))
    # A training forward pass, then the engine on other images, then the backward
    # pass; a twin copied after the forward pass does the same without the engine.
    net.forward(x8)
    twin = copy.deepcopy(net)
    grads_before = {id(layer): dict(layer.grads) for layer in net.layers}
    backward_pass(net, other, dy, rule="guided")
    project_all(net, other[0], 5, rule="deconvnet")
    top_activations(net, other, 2, k=2)
    assert net.training
    for layer in net.layers:
        assert layer.grads == grads_before[id(layer)]
    for key, value in twin.state_dict().items():
        np.testing.assert_array_equal(net.state_dict()[key], value)
    dx = net.backward(dy)
    dx_twin = twin.backward(dy)
    np.testing.assert_array_equal(dx, dx_twin)
    for layer, layer_twin in zip(net.layers, twin.layers, strict=True):
        for name in layer.grads:
            np.testing.assert_array_equal(layer.grads[name], layer_twin.grads[name])


# ----------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------
def test_errors(x8):
    net = small_cnn()
    seed = np.zeros((3, 4))
    with pytest.raises(TypeError, match="Sequential"):
        backward_pass([ReLU()], x8, seed)
    with pytest.raises(ValueError, match="rule must be one of"):
        backward_pass(net, x8, seed, rule="zeiler")
    with pytest.raises(ValueError, match="pooling must be one of"):
        backward_pass(net, x8, seed, pooling="average")
    with pytest.raises(ValueError, match=r"seed must have the shape .* \(3, 4\), got \(3, 5\)"):
        backward_pass(net, x8, np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"layer must be a layer index in \[0, 7\]"):
        backward_pass(net, x8, seed, layer=8)
    with pytest.raises(ValueError, match="stop must not exceed layer"):
        backward_pass(net, x8, np.zeros((3, 2, 8, 8)), layer=1, stop=3)
    with pytest.raises(ValueError, match="not feature maps"):
        project(net, x8, 7, 0)
    with pytest.raises(ValueError, match=r"feature must be an int in \[0, 1\]"):
        project(net, x8, 1, 2)
    with pytest.raises(ValueError, match="unit must be None, 'max' or a position"):
        project(net, x8, 1, 0, unit=(8, 0))
    with pytest.raises(ValueError, match="unit must be None"):
        project(net, x8, 1, 0, unit="min")
    with pytest.raises(ValueError, match="x must be one image"):
        project_all(net, x8, 1)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 3\]"):
        top_activations(net, x8, 1, k=4)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        activations(net, x8, 1, batch_size=0)
    with pytest.raises(ValueError, match=r"dy must have the forward output's shape \(1, 1, 2, 2\)"):
        conv_transpose(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)), (1, 1, 3, 3))
    with pytest.raises(ValueError, match="W has 2 input channels"):
        conv_transpose(np.zeros((1, 1, 2, 2)), np.zeros((1, 2, 2, 2)), (1, 1, 3, 3))
    with pytest.raises(ValueError, match="mask must be a boolean array"):
        relu_backward(np.zeros(3), np.zeros(3), "guided")
    with pytest.raises(ValueError, match=r"y must have shape \(1, 1, 2, 2\)"):
        unpool_fill(np.zeros((1, 1, 3, 3)), (1, 1, 4, 4), 2)
    assert set(POOLINGS) == {"switches", "fill"}
