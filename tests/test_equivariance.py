"""Shifts: the helper against np.roll, and convolution's exact equivariance away from the border."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.backward import activations
from cnnbook.equivariance import interior, shift, shift_accuracy
from cnnbook.network import book_cnn


@pytest.mark.parametrize(("dy", "dx"), [(0, 0), (2, 0), (0, -3), (-1, 4), (5, 5), (9, 0)])
def test_shift_is_roll_with_the_wrapped_part_filled(dy, dx):
    x = np.random.default_rng(0).normal(size=(2, 3, 6, 7))
    expected = np.roll(x, (dy, dx), axis=(2, 3))
    rows, cols = np.arange(6)[:, None] - dy, np.arange(7)[None, :] - dx
    wrapped = (rows < 0) | (rows >= 6) | (cols < 0) | (cols >= 7)
    expected[..., wrapped] = -1.0
    np.testing.assert_array_equal(shift(x, dy, dx, fill=-1.0), expected)


@pytest.mark.parametrize(("dy", "dx"), [(1, 0), (0, 3), (-2, 1), (4, -4)])
def test_conv1_maps_shift_exactly_away_from_the_border(dy, dx):
    net = book_cnn(rng=1, dtype=np.float64)
    net.layers[0].params["b"][...] = np.linspace(-0.2, 0.2, 8)
    x = np.zeros((3, 1, 28, 28))
    x[:, :, 4:24, 6:22] = np.random.default_rng(2).random((3, 1, 20, 16))
    for layer in (0, 1):  # the convolution and its ReLU
        maps = activations(net, x, layer)
        of_shifted = activations(net, shift(x, dy, dx), layer)
        mask = interior((28, 28), dy, dx, margin=2)
        assert mask.sum() > 300
        np.testing.assert_array_equal(of_shifted[..., mask], shift(maps, dy, dx)[..., mask])
        # and not on the whole map: the border does differ
        assert not np.array_equal(of_shifted, shift(maps, dy, dx)) or (dy, dx) == (0, 0)


def test_pooled_maps_shift_exactly_only_for_even_shifts():
    net = book_cnn(rng=3, dtype=np.float64)
    x = np.zeros((4, 1, 28, 28))
    x[:, :, 4:24, 4:24] = np.random.default_rng(4).random((4, 1, 20, 20))
    pooled = activations(net, x, 2)
    even = activations(net, shift(x, 0, 4), 2)
    mask = interior((14, 14), 0, 2, margin=1)
    np.testing.assert_array_equal(even[..., mask], shift(pooled, 0, 2)[..., mask])
    odd = activations(net, shift(x, 0, 3), 2)
    for k in (1, 2):  # an odd shift lands between pooled positions: neither neighbour fits
        near = interior((14, 14), 0, k, margin=1)
        assert not np.allclose(odd[..., near], shift(pooled, 0, k)[..., near])


def test_shift_accuracy_counts_correct_predictions_by_hand():
    net = book_cnn(image_size=8, channels=(2, 3), dtype=np.float64)
    x = np.random.default_rng(5).random((20, 1, 8, 8))
    y = np.arange(20) % 10
    acc = shift_accuracy(net, x, y, [0, 2, -1], axis="diagonal")
    by_hand = [np.mean(net.forward(shift(x, k, k)).argmax(axis=1) == y) for k in (0, 2, -1)]
    np.testing.assert_array_equal(acc, by_hand)
    correct = shift_accuracy(net, x, y, [0, 2, -1], axis="diagonal", per_image=True)
    assert correct.shape == (20, 3) and correct.dtype == bool
    np.testing.assert_array_equal(correct.mean(axis=0), by_hand)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="dy must be an int"):
        shift(np.zeros((2, 2)), 1.5, 0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        shift(np.zeros(3), 1, 0)
    with pytest.raises(ValueError, match="axis must be one of"):
        shift_accuracy(book_cnn(image_size=8), np.zeros((1, 1, 8, 8)), [0], [1], axis="up")
