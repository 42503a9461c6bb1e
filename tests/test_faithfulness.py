"""Deletion and insertion curves on models whose true ranking of the pixels is known."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.faithfulness import auc, deletion_curve, insertion_curve, pixel_order
from cnnbook.layers import Dense, Flatten
from cnnbook.losses import softmax
from cnnbook.network import Sequential, book_cnn


def linear(W, b=None):
    W = np.atleast_2d(np.asarray(W, float))
    dense = Dense(W.shape[1], W.shape[0])
    dense.params["W"][...] = W
    if b is not None:
        dense.params["b"][...] = b
    return Sequential(Flatten(), dense)


def test_deleting_by_contribution_is_the_steepest_descent_of_a_linear_score():
    """For s = b + w · x and a black baseline, deleting pixel i lowers s by w_i x_i, so the
    order of decreasing w_i x_i lowers s the most at every step; the curve is
    s(x) minus the running sum of the sorted contributions."""
    rng = np.random.default_rng(0)
    w, x = rng.normal(size=36), rng.uniform(size=(1, 1, 6, 6))
    net = linear(w, 0.7)
    contribution = (w * x.ravel()).reshape(1, 6, 6)
    f, best = deletion_curve(net, x, contribution, 0, steps=36, measure="logit")
    running = np.concatenate([[0], np.cumsum(np.sort(contribution.ravel())[::-1])])
    np.testing.assert_allclose(best[0], 0.7 + contribution.sum() - running, rtol=1e-12)
    np.testing.assert_allclose(f, np.arange(37) / 36)
    for seed in range(20):
        other = rng.normal(size=(1, 6, 6))
        _, worse = deletion_curve(net, x, other, 0, steps=36, measure="logit", rng=seed)
        assert np.all(best[0] <= worse[0] + 1e-12)
        assert auc(f, best[0]) < auc(f, worse[0])


def test_insertion_and_deletion_add_up_for_a_linear_score():
    """Inserting the first k pixels and deleting them leave complementary sets:
    s_ins(k) + s_del(k) = s(x) + s(baseline)."""
    rng = np.random.default_rng(1)
    w, x = rng.normal(size=(3, 16)), rng.uniform(size=(2, 1, 4, 4))
    net = linear(w, [0.5, -1.0, 2.0])
    attribution = rng.normal(size=(2, 4, 4))
    kw = {"steps": 8, "measure": "logit", "baseline": 0.25}
    _, d = deletion_curve(net, x, attribution, [0, 2], **kw)
    _, i = insertion_curve(net, x, attribution, [0, 2], **kw)
    b = np.array([0.5, -1.0, 2.0])
    s_x = np.einsum("kp,np->nk", w, x.reshape(2, 16)) + b
    s_0 = w.sum(axis=1) * 0.25 + b
    expected = (s_x[[0, 1], [0, 2]] + s_0[[0, 2]])[:, None]
    np.testing.assert_allclose(d + i, np.broadcast_to(expected, d.shape), rtol=1e-12)


def test_probability_curves_are_softmax_of_the_logit_curves():
    rng = np.random.default_rng(2)
    net = linear(rng.normal(size=(4, 9)))
    x, a = rng.uniform(size=(3, 1, 3, 3)), rng.normal(size=(3, 3, 3))
    for curve in (deletion_curve, insertion_curve):
        _, p = curve(net, x, a, 1, steps=9)
        # the logits of every variant, rebuilt from the order by hand
        order = pixel_order(a)
        for n in range(3):
            img = x[n].ravel() if curve is deletion_curve else np.zeros(9)
            probs = [softmax(net.forward(img.reshape(1, 1, 3, 3)))[0, 1]]
            for pixel in order[n]:
                img = img.copy()
                img[pixel] = 0.0 if curve is deletion_curve else x[n].ravel()[pixel]
                probs.append(softmax(net.forward(img.reshape(1, 1, 3, 3)))[0, 1])
            np.testing.assert_allclose(p[n], probs, rtol=1e-12)


def test_auc_by_hand_with_uneven_steps():
    f = np.array([0.0, 0.1, 0.5, 1.0])
    s = np.array([[1.0, 0.8, 0.2, 0.0], [0.0, 0.0, 1.0, 1.0]])
    by_hand = [0.1 * 0.9 + 0.4 * 0.5 + 0.5 * 0.1, 0.0 + 0.4 * 0.5 + 0.5 * 1.0]
    np.testing.assert_allclose(auc(f, s), by_hand)


def test_ties_are_broken_at_random_but_repeatably():
    flat = np.zeros((1, 4, 4))
    a, b, c = pixel_order(flat, 0), pixel_order(flat, 0), pixel_order(flat, 1)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert sorted(a[0]) == list(range(16))
    ranked = np.array([[[2.0, 1.0], [2.0, 0.0]]])
    assert set(pixel_order(ranked, 3)[0, :2]) == {0, 2}
    assert list(pixel_order(ranked, 3)[0, 2:]) == [1, 3]


def test_cnn_curves_end_points_and_batches():
    net = book_cnn(image_size=8, channels=(2, 3), dtype=np.float64)
    rng = np.random.default_rng(3)
    x, a = rng.uniform(size=(2, 1, 8, 8)), rng.normal(size=(2, 8, 8))
    p_x = softmax(net.forward(x))
    t = p_x.argmax(axis=1)
    p_black = softmax(net.forward(np.zeros_like(x)))[np.arange(2), t]
    _, d = deletion_curve(net, x, a, steps=16, batch_size=5)
    _, i = insertion_curve(net, x, a, steps=16)
    np.testing.assert_allclose(d[:, 0], p_x[np.arange(2), t])
    np.testing.assert_allclose(d[:, -1], p_black)
    np.testing.assert_allclose(i[:, 0], p_black)
    np.testing.assert_allclose(i[:, -1], p_x[np.arange(2), t])
    np.testing.assert_array_equal(d, deletion_curve(net, x, a, steps=16, batch_size=256)[1])
    _, same = deletion_curve(net, x, a, steps=16, baseline=x)  # deleting into x changes nothing
    np.testing.assert_allclose(same, np.repeat(d[:, :1], 17, axis=1))


def test_bad_arguments_are_named():
    net, x = linear(np.ones((2, 4))), np.ones((1, 1, 2, 2))
    with pytest.raises(ValueError, match="attribution must have shape"):
        deletion_curve(net, x, np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="baseline must be a number or have"):
        deletion_curve(net, x, np.ones((1, 2, 2)), baseline=np.zeros((1, 1, 2, 3)))
    with pytest.raises(TypeError, match="baseline must be a real number"):
        deletion_curve(net, x, np.ones((1, 2, 2)), baseline="blur")
    with pytest.raises(ValueError, match="measure must be one of"):
        insertion_curve(net, x, np.ones((1, 2, 2)), measure="loss")
    with pytest.raises(ValueError, match="target must lie"):
        insertion_curve(net, x, np.ones((1, 2, 2)), target=2)
    with pytest.raises(ValueError, match="scores must have 3 points"):
        auc(np.linspace(0, 1, 3), np.ones((2, 4)))
    with pytest.raises(ValueError, match="increasing"):
        auc(np.array([0.0, 1.0, 0.5]), np.ones(3))
