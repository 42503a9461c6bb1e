"""Tests of cnnbook.receptive_field against brute force: backpropagate a one-hot and see which pixels move."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnnbook.conv import output_size
from cnnbook.layers import Conv2D, Dense, Flatten
from cnnbook.network import Sequential, book_cnn
from cnnbook.receptive_field import ReceptiveField, receptive_field, receptive_field_box


# ----------------------------------------------------------------------------
# Receptive fields against brute force
# ----------------------------------------------------------------------------
def ones_stack(geometry, dtype=np.float64):
    """Conv2D layers with all-ones kernels and no bias, one per (kernel, stride, padding).

    A pooling window is modelled by an all-ones kernel of its size and stride:
    a max over the window *can* depend on every pixel of it, and an all-ones
    kernel makes the gradient non-zero on exactly those pixels.
    """
    layers = []
    for k, s, p in geometry:
        conv = Conv2D(1, 1, k, stride=s, padding=p, dtype=dtype)
        conv.params["W"][...] = 1.0
        layers.append(conv)
    return Sequential(*layers)


def brute_force_support(geometry, input_shape, index):
    """Input pixels that output unit ``index`` depends on: backpropagate a one-hot."""
    net = ones_stack(geometry)
    y = net.forward(np.zeros((1, 1, *input_shape)))
    dy = np.zeros_like(y)
    dy[(0, 0, *index)] = 1.0
    return net.backward(dy)[0, 0] != 0


def box_mask(box, input_shape):
    (r0, r1), (c0, c1) = box
    m = np.zeros(input_shape, dtype=bool)
    m[r0:r1, c0:c1] = True
    return m


BOOK_GEOMETRY = [(5, 1, 2), (2, 2, 0), (5, 1, 2), (2, 2, 0)]


def test_receptive_field_of_the_book_cnn_matches_brute_force_at_every_unit():
    shape = (28, 28)
    H_out = 7
    for i, j in itertools.product(range(H_out), repeat=2):
        support = brute_force_support(BOOK_GEOMETRY, shape, (i, j))
        expected = box_mask(receptive_field_box(BOOK_GEOMETRY, (i, j), shape), shape)
        assert np.array_equal(support, expected), (i, j)
    # The centre unit's field lies entirely inside the image: 16 × 16 pixels.
    assert brute_force_support(BOOK_GEOMETRY, shape, (3, 3)).sum() == 16 * 16


def test_receptive_field_accepts_layers_and_tuples_alike():
    from_layers = receptive_field(book_cnn().layers[:6])
    from_tuples = receptive_field(
        [
            BOOK_GEOMETRY[0],
            (1, 1, 0),
            BOOK_GEOMETRY[1],
            BOOK_GEOMETRY[2],
            (1, 1, 0),
            BOOK_GEOMETRY[3],
        ]
    )
    assert from_layers == from_tuples
    assert from_layers[0] == ReceptiveField(1, 1, 0)


def test_receptive_field_matches_brute_force_on_random_geometries():
    rng = np.random.default_rng(0)
    checked = 0
    while checked < 25:
        n_layers = int(rng.integers(1, 5))
        geometry = []
        for _ in range(n_layers):
            k = int(rng.integers(1, 6))
            geometry.append((k, int(rng.integers(1, 4)), int(rng.integers(0, k))))
        H = int(rng.integers(8, 30))
        size = H
        try:
            for k, s, p in geometry:
                size = output_size(size, k, p, s)
        except ValueError:
            continue  # the stride does not tile this input; draw again
        gaps = any(s > k for k, s, _ in geometry)  # a stride larger than its kernel skips pixels
        for i in {0, size // 2, size - 1}:
            j = size - 1 - i
            support = brute_force_support(geometry, (H, H), (i, j))
            box = receptive_field_box(geometry, (i, j), (H, H))
            rows, cols = np.flatnonzero(support.any(axis=1)), np.flatnonzero(support.any(axis=0))
            if rows.size:  # else the unit sees only padding, and the box is empty
                assert ((rows.min(), rows.max() + 1), (cols.min(), cols.max() + 1)) == box
            else:
                assert box[0][0] >= box[0][1] or box[1][0] >= box[1][1]
            if not gaps:
                assert np.array_equal(support, box_mask(box, (H, H))), (geometry, H, i)
            # Unclipped, the field has the size the recurrence gives.
            rf = receptive_field(geometry)[-1]
            (r0, r1), _ = box
            assert r0 == max(rf.start + i * rf.jump, 0)
            assert r1 == min(rf.start + i * rf.jump + rf.size, H)
        checked += 1


def test_receptive_field_handles_each_axis_separately():
    conv = Conv2D(1, 1, (3, 5), stride=(1, 2), padding=(0, 1))
    conv.params["W"][...] = 1.0
    assert receptive_field([conv], axis=0)[-1] == ReceptiveField(3, 1, 0)
    assert receptive_field([conv], axis=1)[-1] == ReceptiveField(5, 2, -1)
    x = np.zeros((1, 1, 4, 11))
    y = conv.forward(x)
    for i, j in itertools.product(range(y.shape[2]), range(y.shape[3])):
        dy = np.zeros_like(y)
        dy[0, 0, i, j] = 1.0
        support = conv.backward(dy)[0, 0] != 0
        box = receptive_field_box([conv], (i, j), (4, 11))
        assert np.array_equal(support, box_mask(box, (4, 11))), (i, j)


def test_real_max_pool_network_depends_on_no_pixel_outside_the_field():
    rng = np.random.default_rng(1)
    net = Sequential(*book_cnn(dtype=np.float64, rng=3).layers[:6])
    x = rng.normal(size=(4, 1, 28, 28))
    y = net.forward(x)
    for i, j in [(0, 0), (3, 3), (6, 2)]:
        dy = np.zeros_like(y)
        dy[:, :, i, j] = 1.0
        support = (net.backward(dy) != 0).any(axis=(0, 1))
        inside = box_mask(receptive_field_box(BOOK_GEOMETRY, (i, j), (28, 28)), (28, 28))
        assert support.any()
        assert not (support & ~inside).any(), (i, j)


def test_receptive_field_rejects_what_it_cannot_follow():
    with pytest.raises(ValueError, match="Flatten"):
        receptive_field([Conv2D(1, 1, 3), Flatten()])
    with pytest.raises(ValueError, match="Dense"):
        receptive_field([Dense(4, 2)])
    with pytest.raises(TypeError, match="kernel, stride, padding"):
        receptive_field([(3, 0, 0)])
    with pytest.raises(ValueError, match="axis"):
        receptive_field([(3, 1, 0)], axis=2)


# ----------------------------------------------------------------------------
