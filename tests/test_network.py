"""Tests for cnnbook.network: a whole network's gradients, training, saving and loading."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import special

from cnnbook.batchnorm import BatchNorm2D
from cnnbook.data import load_digits_8x8
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.layers import (
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    ReLU,
    Sigmoid,
    Tanh,
)
from cnnbook.losses import softmax_cross_entropy
from cnnbook.network import Sequential, book_cnn
from cnnbook.optim import SGD, Adam
from cnnbook.pooling import MaxPool2D


@pytest.fixture(scope="module")
def digits():
    return load_digits_8x8(dtype=np.float32)


def small_digits(digits, n=256):
    return digits.x_train[:n], digits.y_train[:n]


# ----------------------------------------------------------------------------
# The whole network against finite differences, loss included
# ----------------------------------------------------------------------------
def network_gradients(net, x, labels):
    """Backprop and central-difference gradients of the loss C of ``net`` on ``(x, labels)``.

    Returns ``{"x": (analytic, numerical), "<layer index>.<name>": (...), ...}``
    for the input and every parameter.
    """

    def loss_of_input(v):
        return softmax_cross_entropy(net.forward(v), labels)[0]

    logits = net.forward(x)
    _, dlogits = softmax_cross_entropy(logits, labels)
    dx = net.backward(dlogits)
    analytic = [layer.grads[name].copy() for layer, name in net.parameters()]
    one = np.array(1.0)
    pairs = {"x": (dx, numerical_gradient(loss_of_input, x, one))}
    for (layer, name), grad in zip(net.parameters(), analytic, strict=True):
        num = numerical_gradient(lambda _p: loss_of_input(x), layer.params[name], one)
        pairs[f"{net.layers.index(layer)}.{name}"] = (grad, num)
    return pairs


def test_conv_relu_pool_dense_network_gradients():
    rng = np.random.default_rng(0)
    net = Sequential(
        Conv2D(2, 3, 3, padding=1, rng=1),
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(3 * 3 * 2, 4, rng=2),
    )
    net.layers[0].params["b"][...] = rng.normal(size=3)
    net.layers[4].params["b"][...] = rng.normal(size=4)
    x = rng.normal(size=(2, 2, 6, 4))
    labels = np.array([3, 1])
    # Keep away from the ReLU kink: no pre-activation within 1e-4 of zero.
    assert np.min(np.abs(net.layers[0].forward(x))) > 1e-4
    pairs = network_gradients(net, x, labels)
    assert set(pairs) == {"x", "0.W", "0.b", "4.W", "4.b"}
    errors = {k: rel_error(*v) for k, v in pairs.items()}
    assert max(errors.values()) < 1e-7, errors


def test_network_with_batchnorm_stride_and_smooth_activations_gradients():
    rng = np.random.default_rng(3)
    net = Sequential(
        Conv2D(1, 2, (3, 2), stride=2, padding=(1, 0), rng=4),
        BatchNorm2D(2),
        Tanh(),
        Flatten(),
        Dense(2 * 3 * 2, 5, rng=5),
        Sigmoid(),
        Dense(5, 3, rng=6),
    )
    net.layers[0].params["b"][...] = [0.3, -0.2]
    net.layers[1].params["gamma"][...] = [1.5, 0.7]
    x = rng.normal(size=(3, 1, 5, 4))
    pairs = network_gradients(net, x, np.array([0, 2, 1]))
    assert len(pairs) == 1 + 2 + 2 + 2 + 2
    # Batch norm subtracts each channel's mean, so the convolution's bias
    # cancels out: its gradient is zero, and relative errors of two zeros mean nothing.
    analytic, numerical = pairs.pop("0.b")
    assert np.max(np.abs(analytic)) < 1e-12 and np.max(np.abs(numerical)) < 1e-8
    errors = {k: rel_error(*v) for k, v in pairs.items()}
    assert max(errors.values()) < 1e-7, errors


# ----------------------------------------------------------------------------
# Inference
# ----------------------------------------------------------------------------
def test_predict_and_evaluate_match_a_manual_computation():
    rng = np.random.default_rng(7)
    net = Sequential(
        Conv2D(1, 2, 3, rng=0),
        BatchNorm2D(2),
        ReLU(),
        Dropout(0.5, rng=0),
        Flatten(),
        Dense(8, 3, rng=1),
    )
    net.layers[1].buffers["running_mean"][...] = [0.1, -0.2]
    net.layers[1].buffers["running_var"][...] = [2.0, 0.5]
    x = rng.normal(size=(11, 1, 4, 4))
    y = rng.integers(0, 3, size=11)
    # By hand, layer by layer in eval mode: batch norm with the running
    # statistics, dropout as the identity.
    conv, bn, dense = net.layers[0], net.layers[1], net.layers[5]
    z = conv.forward(x)
    rm, rv = bn.buffers["running_mean"], bn.buffers["running_var"]
    z = (z - rm[:, None, None]) / np.sqrt(rv[:, None, None] + bn.eps)
    logits = np.maximum(z, 0).reshape(11, -1) @ dense.params["W"].T + dense.params["b"]
    net.train()
    # A batch size that does not divide N checks the batching too.
    np.testing.assert_allclose(
        net.predict_proba(x, batch_size=4), special.softmax(logits, axis=1), rtol=1e-12
    )
    np.testing.assert_array_equal(net.predict(x, batch_size=4), logits.argmax(axis=1))
    loss, acc = net.evaluate(x, y, batch_size=4)
    assert loss == pytest.approx(
        np.mean(special.logsumexp(logits, axis=1) - logits[np.arange(11), y]), rel=1e-12
    )
    assert acc == np.mean(logits.argmax(axis=1) == y)
    assert net.training  # inference switched to eval mode and back


def test_train_and_eval_toggle_batchnorm_and_dropout():
    net = Sequential(
        Conv2D(1, 2, 3, rng=0), BatchNorm2D(2), Dropout(0.5, rng=0), Flatten(), Dense(8, 2, rng=1)
    )
    x = np.random.default_rng(8).normal(size=(4, 1, 4, 4))
    bn = net.layers[1]
    assert net.training
    assert net.eval() is net
    assert not net.training and not any(layer.training for layer in net.layers)
    stats = {k: v.copy() for k, v in bn.buffers.items()}
    out1, out2 = net.forward(x), net.forward(x)
    np.testing.assert_array_equal(out1, out2)  # deterministic in eval mode
    for k in stats:
        np.testing.assert_array_equal(bn.buffers[k], stats[k])  # running statistics frozen
    net.train()
    assert all(layer.training for layer in net.layers)
    out3, out4 = net.forward(x), net.forward(x)
    assert not np.array_equal(out3, out4)  # a new dropout mask each pass
    assert not np.array_equal(bn.buffers["running_mean"], stats["running_mean"])


# ----------------------------------------------------------------------------
# Training
# ----------------------------------------------------------------------------
def test_fit_is_deterministic_with_a_seed(digits):
    x, y = small_digits(digits)
    histories, weights = [], []
    for _ in range(2):
        net = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=0)
        h = net.fit(x, y, epochs=2, batch_size=32, rng=0, verbose=False)
        histories.append(h)
        weights.append(net.state_dict())
    for key in ("loss", "accuracy"):
        assert histories[0][key] == histories[1][key]
    for key, value in weights[0].items():
        np.testing.assert_array_equal(weights[1][key], value, err_msg=key)
    # ...and the seed matters: another shuffle gives another history.
    net = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=0)
    assert (
        net.fit(x, y, epochs=2, batch_size=32, rng=1, verbose=False)["loss"] != histories[0]["loss"]
    )


def test_fit_lowers_the_loss_on_digits(digits, capsys):
    net = book_cnn(image_size=8, channels=(4, 8), rng=0)
    before, _ = net.evaluate(digits.x_test, digits.y_test)
    calls = []
    history = net.fit(
        digits.x_train,
        digits.y_train,
        epochs=2,
        batch_size=64,
        optimizer=Adam(net.parameters(), lr=0.01),
        validation_data=(digits.x_test, digits.y_test),
        rng=0,
        verbose=True,
        on_epoch=lambda epoch, h: calls.append((epoch, {k: list(v) for k, v in h.items()})),
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "time"}
    assert all(len(v) == 2 for v in history.values())
    assert history["loss"][1] < history["loss"][0]
    assert history["val_loss"][1] < before
    assert history["val_accuracy"][1] > 0.6  # chance is 0.1
    # The last validation numbers are those of evaluate() on the trained network.
    last = (history["val_loss"][1], history["val_accuracy"][1])
    assert last == net.evaluate(digits.x_test, digits.y_test)
    # One on_epoch call per epoch, with the history so far.
    assert [epoch for epoch, _ in calls] == [1, 2]
    assert calls[0][1]["loss"] == history["loss"][:1] and calls[1][1] == history
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[1].startswith("epoch 2/2: loss ")
    assert net.layers[0].input_grad  # restored after training


def test_fit_with_sgd_and_float64(digits):
    x, y = small_digits(digits, 128)
    net = book_cnn(image_size=8, channels=(2, 4), rng=0, dtype=np.float64)
    before, _ = net.evaluate(x, y)
    net.fit(
        x,
        y,
        epochs=3,
        batch_size=16,
        optimizer=SGD(net.parameters(), lr=0.05, momentum=0.9),
        rng=0,
        verbose=False,
    )
    assert net.evaluate(x, y)[0] < before
    assert net.dtype == np.float64


def test_fit_rejects_bad_data(digits):
    x, y = small_digits(digits, 64)
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    before = {k: v.copy() for k, v in net.state_dict().items()}
    bad = y.copy()
    bad[40] = 10  # not in the first batch of 32
    with pytest.raises(
        ValueError, match=r"y must lie in \[0, 9\] for 10 classes, got values from 0 to 10"
    ):
        net.fit(x, bad, epochs=1, batch_size=32, rng=0, verbose=False)
    bad[40] = -1
    with pytest.raises(ValueError, match=r"y must lie in \[0, 9\].*from -1 to 9"):
        net.fit(x, bad, epochs=1, batch_size=32, rng=0, verbose=False)
    # A failed fit leaves the network as it was.
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    x_nan = x.copy()
    x_nan[3, 0, 2, 2] = np.nan
    x_nan[5, 0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="x contains 2 NaN or infinite values"):
        net.fit(x_nan, y, verbose=False)
    with pytest.raises(
        ValueError,
        match=r"y must have shape \(64,\) to match x of shape \(64, 1, 8, 8\), got \(63,\)",
    ):
        net.fit(x, y[:-1], verbose=False)
    with pytest.raises(TypeError, match="y must hold integer class labels, got dtype float64"):
        net.fit(x, y.astype(float), verbose=False)
    with pytest.raises(ValueError, match="epochs must be a positive int, got 0"):
        net.fit(x, y, epochs=0, verbose=False)
    with pytest.raises(TypeError, match=r"batch_size must be a positive int, got 2\.5"):
        net.fit(x, y, batch_size=2.5, verbose=False)
    with pytest.raises(ValueError, match=r"validation_data y must lie in \[0, 9\].*from 3 to 12"):
        net.fit(x, y, validation_data=(x, y + 3), verbose=False)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_inference_rejects_bad_input():
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    with pytest.raises(
        ValueError,
        match=r"x must be a non-empty batch of shape \(N, \.\.\.\), got shape \(0, 1, 8, 8\)",
    ):
        net.predict(np.zeros((0, 1, 8, 8)))
    with pytest.raises(ValueError, match="x contains 64 NaN or infinite values"):
        net.predict(np.full((1, 1, 8, 8), np.nan))
    with pytest.raises(
        ValueError, match=r"Conv2D\(1, 2\) expects C_in=1 channels, got x of shape \(2, 3, 8, 8\)"
    ):
        net.predict(np.zeros((2, 3, 8, 8)))
    with pytest.raises(TypeError, match="layer 1 must be a cnnbook Layer, got function"):
        Sequential(ReLU(), lambda x: x)


# ----------------------------------------------------------------------------
# Saving and loading
# ----------------------------------------------------------------------------
def trained_net(digits, rng=0):
    """A small batch-normalised network with non-trivial weights and running statistics."""
    net = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=rng)
    net.fit(*small_digits(digits, 64), epochs=1, batch_size=32, rng=0, verbose=False)
    return net


def test_save_and_load_round_trip(digits, tmp_path):
    net = trained_net(digits)
    path = net.save(tmp_path / "weights.npz")
    assert path == tmp_path / "weights.npz"
    # A plain .npz: numpy reads it with pickling disabled.
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == sorted(net.state_dict())
        for key, value in net.state_dict().items():
            np.testing.assert_array_equal(data[key], value)
    assert "1.running_var" in net.state_dict()
    other = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=1)
    x = digits.x_test[:50]
    assert not np.array_equal(other.predict_proba(x), net.predict_proba(x))
    assert other.load(path) is other
    np.testing.assert_array_equal(other.predict_proba(x), net.predict_proba(x))


def test_save_adds_the_npz_suffix(digits, tmp_path):
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    assert net.save(tmp_path / "model") == tmp_path / "model.npz"
    assert net.save(tmp_path / "model.v2") == tmp_path / "model.v2.npz"
    assert (tmp_path / "model.npz").is_file() and (tmp_path / "model.v2.npz").is_file()


def test_load_errors_are_clear(digits, tmp_path):
    net = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=0)
    path = net.save(tmp_path / "weights.npz")
    missing = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match=f"no weights file at {re.escape(str(missing))}"):
        net.load(missing)
    wider = book_cnn(image_size=8, channels=(3, 4), batchnorm=True, rng=0)
    with pytest.raises(
        ValueError, match=r"0\.W has shape \(2, 1, 5, 5\), this network expects \(3, 1, 5, 5\)"
    ):
        wider.load(path)
    plain = book_cnn(image_size=8, channels=(2, 4), rng=0)
    with pytest.raises(
        ValueError,
        match=r"does not match this network: missing \['3\.W', '3\.b', '7\.W', '7\.b'\], "
        r"unexpected \['1\.beta', '1\.gamma', '1\.running_mean'",
    ):
        plain.load(path)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(
        ValueError, match=f"{re.escape(str(garbage))} is not a readable .npz weights file"
    ):
        net.load(garbage)
    # An archive holding a pickled object array is refused, not unpickled.
    pickled = tmp_path / "pickled.npz"
    state = dict(net.state_dict())
    state["0.W"] = np.array([{"evil": 1}], dtype=object)
    np.savez(pickled, **state)
    with pytest.raises(ValueError, match=r"is not a readable \.npz weights file"):
        net.load(pickled)


# ----------------------------------------------------------------------------
# Structure
# ----------------------------------------------------------------------------
def test_book_cnn_structure_and_parameter_count():
    net = book_cnn(in_channels=3, image_size=12, num_classes=5, channels=(4, 6), rng=0)
    kinds = [type(layer) for layer in net.layers]
    assert kinds == [Conv2D, ReLU, MaxPool2D, Conv2D, ReLU, MaxPool2D, Flatten, Dense]
    # By hand: 4·3·5·5 + 4 = 304, 6·4·5·5 + 6 = 606, (6·3·3)·5 + 5 = 275.
    assert net.num_parameters() == 304 + 606 + 275
    assert net.forward(np.zeros((2, 3, 12, 12), np.float32)).shape == (2, 5)
    assert [name for _, name in net.parameters()] == ["W", "b"] * 3
    bn = book_cnn(image_size=8, batchnorm=True)
    assert [type(layer) for layer in bn.layers][:3] == [Conv2D, BatchNorm2D, ReLU]
    with pytest.raises(ValueError, match=r"image_size must be divisible by 4 .*got 10"):
        book_cnn(image_size=10)


def test_astype_switches_the_whole_network():
    net = book_cnn(image_size=8, channels=(2, 4), batchnorm=True, rng=0)
    assert net.dtype == np.float32
    x = np.random.default_rng(9).normal(size=(3, 1, 8, 8))
    assert net.forward(x.astype(np.float32)).dtype == np.float32
    net.astype(np.float64)
    assert net.dtype == np.float64
    assert all(v.dtype == np.float64 for v in net.state_dict().values())
    assert net.forward(x).dtype == np.float64
    # predict casts its input to the network's dtype.
    assert net.astype(np.float32).predict_proba(x).dtype == np.float32


def test_backward_through_an_untouched_network_is_an_error():
    net = Sequential(Dense(2, 2, rng=0), ReLU())
    with pytest.raises(RuntimeError, match=r"ReLU\.backward called before forward"):
        net.backward(np.ones((1, 2)))
    assert Sequential(Layer()).forward(np.ones(2)).tolist() == [1.0, 1.0]


# ----------------------------------------------------------------------------
# Issue 10: bad values answered clearly, divergence is an error
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [0, -1])
def test_predict_batch_size_must_be_positive(batch_size):
    net = book_cnn(image_size=8, channels=(2, 2))
    x = np.zeros((3, 1, 8, 8), np.float32)
    for method in (net.predict, net.predict_proba):
        with pytest.raises(
            ValueError, match=f"batch_size must be a positive int, got {batch_size}"
        ):
            method(x, batch_size=batch_size)


def test_validation_data_of_the_wrong_shape_fails_before_the_first_epoch(digits):
    x, y = small_digits(digits, 64)
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    before = {k: v.copy() for k, v in net.state_dict().items()}
    calls = []
    with pytest.raises(
        ValueError,
        match=r"validation_data x has samples of shape \(1, 4, 4\), but x has \(1, 8, 8\)",
    ):
        net.fit(
            x,
            y,
            validation_data=(x[:, :, :4, :4], y),
            on_epoch=lambda *a: calls.append(a),
            verbose=False,
        )
    with pytest.raises(TypeError, match="validation_data must be a pair"):
        net.fit(x, y, validation_data=x, verbose=False)
    assert calls == []
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"image_size": -4}, ValueError, "image_size must be a positive int, got -4"),
        ({"image_size": True}, TypeError, "image_size must be a positive int, got True"),
        ({"in_channels": 0}, ValueError, "in_channels must be a positive int"),
        ({"num_classes": "10"}, TypeError, "num_classes must be a positive int"),
        ({"channels": (8,)}, TypeError, "channels must be a pair"),
        ({"channels": (8, 0)}, ValueError, r"channels\[1\] must be a positive int"),
        ({"batchnorm": 1}, TypeError, "batchnorm must be a bool"),
        ({"dtype": np.int32}, TypeError, "dtype must be float32 or float64"),
        ({"rng": -1}, ValueError, "rng must be a non-negative int"),
    ],
)
def test_book_cnn_refuses_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        book_cnn(**kwargs)


def test_a_network_too_big_is_refused_before_allocating():
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="more than MAX_PARAMETERS"):
        book_cnn(channels=(10**6, 10**6))
    with pytest.raises(ValueError, match="more than MAX_PARAMETERS"):
        book_cnn(image_size=40_000)
    assert time.perf_counter() - t0 < 1


@pytest.mark.parametrize(
    ("optimizer", "message"),
    [
        (
            lambda p: SGD(p, lr=1e30),
            r"the (loss|weights) became \S+ in epoch 1, batch \d+; try a lower learning rate",
        ),
        (
            lambda p: SGD(p, lr=1e200),
            r"the (loss|weights) became \S+ in epoch 1, batch \d+; try a lower learning rate",
        ),
    ],
)
def test_divergence_stops_training_with_epoch_and_batch(digits, optimizer, message):
    x, y = small_digits(digits, 128)
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    with pytest.raises(FloatingPointError, match="training diverged: " + message):
        net.fit(x, y, epochs=3, batch_size=16, optimizer=optimizer(net.parameters()), verbose=False)


def test_lr_schedule_values_are_checked(digits):
    x, y = small_digits(digits, 32)
    net = book_cnn(image_size=8, channels=(2, 4), rng=0)
    with pytest.raises(ValueError, match="lr must be a finite number in"):
        net.fit(x, y, lr_schedule=lambda e: float("nan"), verbose=False)
    with pytest.raises(TypeError, match="lr_schedule must be callable"):
        net.fit(x, y, lr_schedule=0.1, verbose=False)
