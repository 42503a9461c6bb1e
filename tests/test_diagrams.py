"""Tests of cnnbook.diagrams: the computations behind the figures, and the figures themselves."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.figure import Figure
from scipy import signal

from cnnbook import diagrams
from cnnbook.conv import (
    conv2d_forward_loops,
    convolve2d,
    correlate2d,
    output_size,
    rot180,
)
from cnnbook.diagrams import (
    FIGURES,
    ReceptiveField,
    backprop_deltas,
    conv_matrix,
    gradient_terms,
    receptive_field,
    receptive_field_box,
)
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import Conv2D, Dense, Flatten, Sigmoid
from cnnbook.losses import mse
from cnnbook.network import Sequential, book_cnn
from cnnbook.plotting_style import use_book_style


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
# A convolution as a matrix
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x_shape", "k_shape", "stride", "padding"),
    [
        ((3, 3), (2, 2), 1, 0),
        ((5, 6), (3, 2), 1, 0),
        ((7, 7), (3, 3), 2, 1),
        ((6, 10), (2, 3), (2, 3), (0, 1)),
    ],
)
def test_conv_matrix_computes_the_reference_correlation(x_shape, k_shape, stride, padding):
    rng = np.random.default_rng(2)
    x, k = rng.normal(size=x_shape), rng.normal(size=k_shape)
    M = conv_matrix(k, x_shape, stride=stride, padding=padding)
    z = conv2d_forward_loops(x[None, None], k[None, None], stride=stride, padding=padding)[0, 0]
    assert M.shape == (z.size, x.size)
    assert np.allclose(M @ x.ravel(), z.ravel())


def test_conv_matrix_is_a_dense_layer_whose_transpose_is_a_full_convolution():
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(5, 6)), rng.normal(size=(3, 3))
    dense = Dense(30, 12)
    dense.params["W"][...] = conv_matrix(k, x.shape)
    z = dense.forward(x.reshape(1, -1)).reshape(3, 4)
    assert np.allclose(z, signal.correlate2d(x, k, mode="valid"))
    delta = rng.normal(size=(3, 4))
    dx = dense.backward(delta.reshape(1, -1)).reshape(5, 6)
    assert np.allclose(dx, signal.convolve2d(delta, k, mode="full"))
    assert np.allclose(dx, correlate2d(delta, rot180(k), "full"))
    assert np.allclose(dx, convolve2d(delta, k, "full"))


def test_conv_matrix_shares_every_weight_and_has_one_kernel_per_row():
    taps = np.arange(1, 7).reshape(2, 3)
    M = conv_matrix(taps, (4, 5))
    H_out, W_out = 3, 3
    assert M.shape == (H_out * W_out, 20)
    for row in M:
        assert sorted(row[row != 0]) == list(range(1, 7))
    for t in range(1, 7):
        assert (M == t).sum() == H_out * W_out


def test_gradient_terms_read_the_columns_of_the_conv_matrix():
    H, W, kh, kw = 4, 5, 2, 3
    taps = np.arange(1, kh * kw + 1).reshape(kh, kw)
    M = conv_matrix(taps, (H, W))
    W_out = W - kw + 1
    for a, b in itertools.product(range(H), range(W)):
        col = M[:, a * W + b]
        from_matrix = {(divmod(int(col[o]) - 1, kw), divmod(o, W_out)) for o in np.flatnonzero(col)}
        assert set(gradient_terms(a, b, (H, W), (kh, kw))) == from_matrix, (a, b)


# ----------------------------------------------------------------------------
# Deltas counted on fingers
# ----------------------------------------------------------------------------
def test_backprop_deltas_match_the_backward_pass_and_finite_differences():
    rng = np.random.default_rng(4)
    d1, s1, d2, s2 = Dense(3, 4, rng=1), Sigmoid(), Dense(4, 2, rng=2), Sigmoid()
    d1.params["b"][...] = rng.normal(size=4)
    x, target = rng.normal(size=(1, 3)), rng.normal(size=(1, 2))
    z1 = d1.forward(x)
    z2 = d2.forward(s1.forward(z1))
    _, da2 = mse(s2.forward(z2), target)
    delta2 = s2.backward(da2)
    delta1_backward = s1.backward(d2.backward(delta2))

    def sigma_prime(z):
        a = 1 / (1 + np.exp(-z))
        return a * (1 - a)

    deltas = backprop_deltas(
        [d1.params["W"], d2.params["W"]], [z1[0], z2[0]], delta2[0], sigma_prime
    )
    assert rel_error(deltas[0], delta1_backward[0]) < 1e-12
    assert np.array_equal(deltas[1], delta2[0])

    def loss_of_z1(z):
        return np.array(mse(s2.forward(d2.forward(s1.forward(z))), target)[0])

    numeric = numerical_gradient(loss_of_z1, z1.copy(), np.array(1.0))
    assert rel_error(deltas[0], numeric[0]) < 1e-7


def test_backprop_deltas_checks_shapes():
    with pytest.raises(ValueError, match="one z per weight"):
        backprop_deltas([np.eye(2)], [], np.ones(2), np.ones_like)
    with pytest.raises(ValueError, match="must have shape"):
        backprop_deltas(
            [np.eye(2), np.ones((1, 3))], [np.zeros(2), np.zeros(1)], np.ones(1), np.ones_like
        )


# ----------------------------------------------------------------------------
# Figures
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("k_shape", [(3, 3), (2, 2), (2, 3), (4, 1)])
def test_mode_padding_turns_each_mode_into_a_valid_correlation(mode, k_shape):
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(5, 6)), rng.normal(size=k_shape)
    pad = diagrams._mode_padding(x.shape, k.shape, mode)
    assert np.allclose(
        signal.correlate2d(np.pad(x, pad), k, mode="valid"), signal.correlate2d(x, k, mode=mode)
    )


def test_sliding_kernel_titles_give_the_strided_padded_correlation():
    x = np.arange(1.0, 26.0).reshape(5, 5)
    k = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 1.0, 3.0]])
    fig = diagrams.sliding_kernel(x, k, stride=2, padding=1)
    expected = signal.correlate2d(np.pad(x, 1), k, mode="valid")[::2, ::2]
    titles = [ax.get_title() for ax in fig.axes[:-1]]
    assert titles == [
        f"output ({i}, {j}) = {int(expected[i, j])}" for i in range(3) for j in range(3)
    ]


def test_sliding_kernel_refuses_too_many_panels():
    with pytest.raises(ValueError, match="at most 16"):
        diagrams.sliding_kernel(np.zeros((6, 6)), np.ones((2, 2)))


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_registered_figure_draws_a_figure(name):
    """Each FIGURES entry draws something (tests/test_book.py checks it is reproducible)."""
    use_book_style()
    fig = FIGURES[name]()
    assert isinstance(fig, Figure)
    assert fig.axes, f"{name} drew no axes"
    assert all(ax.get_xlim()[0] != ax.get_xlim()[1] for ax in fig.axes)
    assert any(ax.patches or ax.images or ax.collections for ax in fig.axes), f"{name} is empty"
