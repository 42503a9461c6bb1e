"""Property-based tests (Hypothesis): every public function answers every input.

Hypothesis draws arrays of random shapes, dtypes and values (NaN and
infinity included), random option values (bools, strings, negative and
huge numbers, tuples of the wrong length) and random or truncated bytes as
files. Each public function of the package, and each CLI command, must
either return a correct result (checked against an independent reference
where one is cheap: scipy.signal, a closed form, the loop version) or raise
ValueError, TypeError, FileNotFoundError or PermissionError with a message;
the CLI must exit 1 or 2 with one line. Any other exception fails the test.

Runs are kept short (``max_examples`` below) so that ``make test`` stays quick.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
import scipy.signal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnbook import attribution, backward, checks, conv, conv_fast, deconvnet, losses
from cnnbook.batchnorm import BatchNorm2D
from cnnbook.cli import main
from cnnbook.data import standardize, stratified_split
from cnnbook.gradcheck import numerical_gradient, rel_error
from cnnbook.images import load_image, read_image
from cnnbook.layers import Conv2D, Dense, Dropout, Flatten, ReLU, Sigmoid, Tanh
from cnnbook.network import book_cnn, read_weights_npz
from cnnbook.optim import SGD, Adam
from cnnbook.pooling import MaxPool2D, unpool
from cnnbook.readers import load_cifar10_batch, load_mnist_idx
from cnnbook.recipe import load_weights

ALLOWED = (ValueError, TypeError, FileNotFoundError, PermissionError)
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ----------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------
DTYPES = st.sampled_from(
    [np.float64, np.float32, np.int64, np.uint8, np.bool_, np.complex128, np.dtype("U2")]
)


def any_array(max_dims=5, max_side=5, min_dims=0):
    """Arrays of any dtype (floats with NaN and infinity among them), shape and values."""
    return DTYPES.flatmap(
        lambda dt: hnp.arrays(
            dt,
            hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side),
        )
    )


def float_arrays(shape, finite=True):
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.floats(-10, 10)
        if finite
        else st.floats(allow_nan=True, allow_infinity=True, width=64),
    )


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 6),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.tuples(st.integers(-2, 4), st.integers(-2, 4)),
    st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
    st.lists(st.integers(0, 3), max_size=3),
)
SMALL_INTS = st.one_of(
    st.integers(-2, 4), st.booleans(), st.floats(-1, 4), st.text(max_size=2), st.none()
)


def answers(f, *args, **kwargs):
    """Call ``f``; an allowed exception must carry a message. Returns (ok, result)."""
    try:
        # Overflow to infinity is IEEE arithmetic, not an error: only the
        # exceptions the function raises are judged here.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return True, f(*args, **kwargs)
    except ALLOWED as err:
        assert str(err).strip(), f"{type(err).__name__} without a message"
        return False, None


def unpack(result):
    ok, value = result
    return ok, (value if ok else (None, None))


def finite_real(*arrays) -> bool:
    return all(
        isinstance(a, np.ndarray)
        and a.dtype.kind in "fiub"
        and np.all(np.isfinite(a.astype(np.float64)))
        for a in arrays
    )


# ----------------------------------------------------------------------------
# checks: the home of every argument check
# ----------------------------------------------------------------------------
@FAST
@given(v=SCALARS)
def test_checks_answer_every_value(v):
    for ok, result in (
        answers(checks.positive_int, v, "n"),
        answers(checks.nonnegative_int, v, "n"),
    ):
        if ok:
            assert type(result) is int and result >= 0 and not isinstance(v, bool)
    ok, result = answers(checks.pair, v, "kernel_size", 1)
    if ok:
        assert len(result) == 2 and min(result) >= 1
    ok, result = answers(checks.number, v, "lr", low=0, low_open=True)
    if ok:
        assert math.isfinite(result) and result > 0 and not isinstance(v, bool)
    answers(checks.choice, v, ("a", "b"), "mode")
    answers(checks.float_dtype, v)
    answers(checks.generator, v)
    answers(checks.shape, v, "x_shape", 4)


# ----------------------------------------------------------------------------
# conv: the primitives, against scipy.signal
# ----------------------------------------------------------------------------
@FAST
@given(
    x=any_array(3, 6), k=any_array(3, 4), mode=st.sampled_from(["valid", "full", "same", 3, None])
)
def test_correlate_and_convolve_against_scipy(x, k, mode):
    for ours, ref in (
        (conv.correlate2d, scipy.signal.correlate2d),
        (conv.convolve2d, scipy.signal.convolve2d),
    ):
        ok, result = answers(ours, x, k, mode)
        if ok:
            assert x.ndim == k.ndim == 2 and mode in ("valid", "full", "same")
            if finite_real(x, k) and result.size:
                expected = ref(x.astype(np.float64), k.astype(np.float64), mode)
                np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9)


@FAST
@given(k=any_array(3, 5), d=any_array(5, 4), stride=SCALARS)
def test_rot180_and_dilate(k, d, stride):
    ok, r = answers(conv.rot180, k)
    if ok:
        np.testing.assert_array_equal(r, np.asarray(k)[..., ::-1, ::-1])
    ok, r = answers(conv.dilate, d, stride)
    if ok:
        sh, sw = checks.pair(stride, "stride", 1)
        assert r.shape[-2:] == ((d.shape[-2] - 1) * sh + 1, (d.shape[-1] - 1) * sw + 1)
        np.testing.assert_array_equal(r[..., ::sh, ::sw], d)


@FAST
@given(W=SCALARS, F=SCALARS, P=SCALARS, S=SCALARS)
def test_output_size_formula(W, F, P, S):
    ok, r = answers(conv.output_size, W, F, P, S)
    if ok:
        assert r >= 1 and r == (W - F + 2 * P) // S + 1
        assert not any(isinstance(v, bool) for v in (W, F, P, S))


def conv_inputs():
    """Small NCHW inputs and kernels, mostly consistent, sometimes not; random stride and padding."""
    return st.tuples(
        st.integers(1, 2),
        st.integers(1, 2),
        st.integers(1, 3),
        st.integers(1, 7),
        st.integers(1, 7),
        st.integers(1, 4),
        st.integers(1, 4),
    ).flatmap(
        lambda s: st.tuples(
            st.one_of(float_arrays((s[0], s[1], s[3], s[4])), any_array(5, 4)),
            st.one_of(float_arrays((s[2], s[1], s[5], s[6])), any_array(5, 3)),
            st.one_of(st.none(), float_arrays((s[2],)), any_array(2, 3)),
            st.one_of(st.integers(1, 3), SCALARS),
            st.one_of(st.integers(0, 2), SCALARS),
        )
    )


@FAST
@given(args=conv_inputs())
def test_conv_forward_fast_against_scipy_and_loops(args):
    x, W, b, stride, padding = args
    ok, fast = answers(conv_fast.conv2d_forward, x, W, b, stride, padding)
    ok_ref, ref = answers(conv.conv2d_forward_scipy, x, W, b, stride, padding)
    assert ok == ok_ref  # one set of checks: both accept or both refuse
    if ok and finite_real(x, W):
        np.testing.assert_allclose(fast, ref, rtol=1e-7, atol=1e-7)
        loops = conv.conv2d_forward_loops(x, W, b, stride, padding)
        np.testing.assert_allclose(loops, ref, rtol=1e-7, atol=1e-7)


@FAST
@given(args=conv_inputs(), data=st.data())
def test_conv_backward_and_transpose_against_scipy(args, data):
    x, W, _, stride, padding = args
    ok, y = answers(conv.conv2d_forward_scipy, x, W, None, stride, padding)
    dy = data.draw(st.one_of(float_arrays(y.shape), any_array(4, 3)) if ok else any_array(4, 3))
    ok_fast, fast = answers(conv_fast.conv2d_backward, dy, x, W, stride, padding)
    ok_ref, ref = answers(conv.conv2d_backward_scipy, dy, x, W, stride, padding)
    assert ok_fast == ok_ref
    if ok_fast and finite_real(dy, x, W):
        for a, b in zip(fast, ref, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-7)
    x_shape = data.draw(st.one_of(st.just(getattr(x, "shape", None)), SCALARS))
    ok, dx = answers(conv_fast.conv2d_transpose, dy, W, x_shape, stride, padding)
    if ok and ok_ref and finite_real(dy, W) and tuple(x_shape) == x.shape:
        np.testing.assert_allclose(dx, ref[0], rtol=1e-7, atol=1e-7)


@FAST
@given(x=any_array(5, 5), k=SCALARS, s=SCALARS, p=SCALARS, shape=SCALARS)
def test_im2col_and_col2im(x, k, s, p, shape):
    ok, cols = answers(conv_fast.im2col, x, k, s, p)
    if ok:
        assert cols.ndim == 2 and x.ndim == 4
        back = conv_fast.col2im(np.ones_like(cols), x.shape, k, s, p)
        assert back.shape == x.shape and np.all(back >= 0)  # counts of overlapping windows
    answers(conv_fast.col2im, x, shape, k, s, p)  # a 3-tuple shape, None, a bool...


# ----------------------------------------------------------------------------
# layers, pooling, batch normalisation
# ----------------------------------------------------------------------------
@FAST
@given(
    a=SMALL_INTS, b=SMALL_INTS, k=SCALARS, s=SCALARS, p=SCALARS,
    rng=SCALARS, dtype=st.sampled_from([np.float32, np.float64, np.int32, "float", None, True]),
    x=any_array(5, 6),
)  # fmt: skip
def test_layers_build_or_refuse_then_forward(a, b, k, s, p, rng, dtype, x):
    made = [
        answers(Conv2D, a, b, k, s, p, rng=rng, dtype=dtype),
        answers(Dense, a, b, rng=rng, dtype=dtype),
        answers(MaxPool2D, k, s),
        answers(BatchNorm2D, a),
        answers(Dropout, p if not isinstance(p, int) else 0.5, rng=rng),
        (True, ReLU()), (True, Sigmoid()), (True, Tanh()), (True, Flatten()),
    ]  # fmt: skip
    for ok, layer in made:
        if not ok:
            continue
        ok, y = answers(layer.forward, x)
        if ok:
            y = np.asarray(y)  # elementwise layers give a 0-d input back as a scalar
            if finite_real(x) and isinstance(layer, ReLU):
                np.testing.assert_array_equal(y, np.maximum(x.astype(y.dtype), 0))
            ok, dx = answers(layer.backward, np.ones_like(y))
            if ok and dx is not None:
                assert dx.shape == x.shape


@FAST
@given(y=any_array(4, 4), switches=any_array(4, 4), shape=SCALARS)
def test_unpool_answers(y, switches, shape):
    answers(unpool, y, switches, shape)


# ----------------------------------------------------------------------------
# losses, gradient checks, optimisers
# ----------------------------------------------------------------------------
@FAST
@given(logits=any_array(3, 5), labels=any_array(2, 5))
def test_losses(logits, labels):
    ok, p = answers(losses.softmax, logits)
    if ok and finite_real(logits):
        np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    ok, (loss, _) = unpack(answers(losses.softmax_cross_entropy, logits, labels))
    if ok and finite_real(logits):
        n = len(labels)
        ref = -np.log(losses.softmax(logits)[np.arange(n), labels] + 1e-300).mean()
        assert loss == pytest.approx(ref, rel=1e-6, abs=1e-9)
    answers(losses.mse, logits, labels)
    answers(losses.log_softmax, logits)
    answers(rel_error, logits, labels)


@FAST
@given(lr=SCALARS, momentum=SCALARS, wd=SCALARS, betas=SCALARS, eps=SCALARS)
def test_optimisers_take_or_refuse_hyperparameters(lr, momentum, wd, betas, eps):
    layer = Dense(2, 2, rng=0)
    params = [(layer, "W"), (layer, "b")]
    for ok, opt in (
        answers(SGD, params, lr=lr, momentum=momentum, weight_decay=wd),
        answers(Adam, params, lr=lr, betas=betas, eps=eps),
    ):
        if ok:
            assert opt.lr > 0 and math.isfinite(opt.lr)
            layer.forward(np.ones((1, 2)))
            layer.backward(np.ones((1, 2)))
            opt.step()


@FAST
@given(x=any_array(3, 4), h=SCALARS)
def test_numerical_gradient(x, h):
    ok, g = answers(numerical_gradient, lambda v: v**2, x, np.ones_like(x, dtype=np.float64), h)
    if ok and finite_real(x) and np.abs(x).max(initial=0) < 1e3 and h < 1e-2:
        np.testing.assert_allclose(g, 2 * x, atol=1e-3)


# ----------------------------------------------------------------------------
# network and the book's CNN
# ----------------------------------------------------------------------------
@FAST
@given(
    in_channels=SMALL_INTS, image_size=st.one_of(st.sampled_from([4, 8, -4, 6]), SCALARS),
    num_classes=SMALL_INTS, channels=SCALARS, batchnorm=SCALARS, rng=SCALARS,
)  # fmt: skip
def test_book_cnn_builds_or_refuses(in_channels, image_size, num_classes, channels, batchnorm, rng):
    ok, net = answers(
        book_cnn, in_channels, image_size, num_classes, channels, batchnorm=batchnorm, rng=rng
    )
    if ok:
        y = net.forward(np.zeros((2, in_channels, image_size, image_size), np.float32))
        assert y.shape == (2, num_classes)


NET = book_cnn(image_size=8, channels=(2, 2), num_classes=3, rng=0)


@FAST
@given(x=st.one_of(float_arrays((2, 1, 8, 8), finite=False), any_array(5, 8)), batch_size=SCALARS)
def test_predict_answers(x, batch_size):
    ok, p = answers(NET.predict_proba, x, batch_size)
    if ok:
        assert p.shape == (len(x), 3) and np.allclose(p.sum(axis=1), 1, atol=1e-5)
        best = NET.predict(x, batch_size)  # the argmax of the logits: a tie in p may differ
        np.testing.assert_allclose(p[np.arange(len(p)), best], p.max(axis=1), rtol=1e-6)


@FAST
@given(
    x=st.one_of(float_arrays((4, 1, 8, 8)), any_array(5, 4)),
    y=st.one_of(st.just(np.array([0, 1, 2, 0])), any_array(2, 4)),
    epochs=SMALL_INTS, batch_size=SMALL_INTS, val=st.one_of(st.none(), SCALARS, st.tuples(any_array(4, 3), any_array(1, 3))),
)  # fmt: skip
def test_fit_answers(x, y, epochs, batch_size, val):
    net = book_cnn(image_size=8, channels=(1, 1), num_classes=3, rng=0)
    with contextlib.suppress(FloatingPointError):  # a diverged run is an answer too
        ok, h = answers(
            net.fit, x, y, epochs=epochs, batch_size=batch_size, validation_data=val, verbose=False
        )
        if ok:
            assert len(h["loss"]) == epochs and all(math.isfinite(v) for v in h["loss"])


# ----------------------------------------------------------------------------
# visualisation: backward engine, deconvnet, attribution
# ----------------------------------------------------------------------------
@FAST
@given(
    x=st.one_of(float_arrays((1, 1, 8, 8)), any_array(4, 8)), layer=SCALARS, feature=SCALARS,
    target=SCALARS, rule=st.sampled_from(["deconvnet", "backprop", "guided", "other", 1]),
)  # fmt: skip
def test_visualisation_functions_answer(x, layer, feature, target, rule):
    answers(backward.activations, NET, x, layer)
    answers(deconvnet.project, NET, x, layer, feature, rule=rule)
    answers(deconvnet.project_all, NET, x, layer, rule=rule)
    answers(deconvnet.top_activations, NET, x, layer, k=feature)
    answers(attribution.saliency, NET, x, target)
    answers(attribution.guided_backprop, NET, x, target)
    answers(attribution.smoothgrad, NET, x, target, n_samples=2, noise_level=feature)
    answers(attribution.occlusion, NET, x, target, patch=feature, stride=layer)


# ----------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------
@FAST
@given(y=any_array(2, 12), test_size=SCALARS, seed=SCALARS)
def test_stratified_split_answers(y, test_size, seed):
    ok, (train, test) = unpack(answers(stratified_split, y, test_size, seed))
    if ok:
        assert sorted(np.concatenate([train, test]).tolist()) == list(range(len(y)))
        for c in np.unique(y):  # every class keeps its share, within one sample
            share = np.sum(y[test] == c) / len(test)
            assert abs(share - np.mean(y == c)) <= 1 / len(test) + 1 / len(y)


@FAST
@given(a=any_array(5, 4), b=any_array(5, 4))
def test_standardize_answers(a, b):
    ok, (sa, _) = unpack(answers(standardize, a, b))
    if ok and finite_real(a):
        np.testing.assert_allclose(sa.mean(axis=(0, 2, 3)), 0, atol=1e-6)


# ----------------------------------------------------------------------------
# files: random and truncated bytes
# ----------------------------------------------------------------------------
FILE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [b"PK\x03\x04", b"\x93NUMPY", b"\x00\x00\x08\x03", b"\x1f\x8b", b"\x89PNG\r\n\x1a\n"]
    ).flatmap(lambda head: st.binary(max_size=200).map(lambda tail: head + tail)),
)


@FAST
@given(data=FILE_BYTES, name=st.sampled_from(["f.npz", "f.gz", "f.png", "f.bin", "f"]))
def test_every_reader_answers_random_bytes(tmp_path_factory, data, name):
    path = tmp_path_factory.mktemp("bytes") / name
    path.write_bytes(data)
    good = tmp_path_factory.mktemp("good") / "labels"
    good.write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x01\x03")
    for read in (
        read_weights_npz,
        load_weights,
        NET.load,
        lambda p: load_mnist_idx(p, good),
        lambda p: load_mnist_idx(good, p),
        load_cifar10_batch,
        lambda p: read_image(p, 1),
        lambda p: load_image(p, 3, 8, digits=True),
    ):
        try:
            read(path)
        except ValueError as err:
            assert str(path) in str(err) or str(good) in str(err), err


# ----------------------------------------------------------------------------
# the command line
# ----------------------------------------------------------------------------
OPTION_VALUES = st.one_of(
    st.sampled_from(
        ["-1", "0", "nan", "inf", "-inf", "1e30", "0.5", "1", "2", "x", "", "True", "1e-300"]
    ),
    st.text(max_size=4).filter(lambda s: "\x00" not in s),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    option=st.sampled_from(
        [
            "--epochs",
            "--batch-size",
            "--lr",
            "--lr-decay",
            "--momentum",
            "--seed",
            "--limit",
            "--channels",
            "--data",
        ]
    ),
    value=OPTION_VALUES,
    optimizer=st.sampled_from(["adam", "sgd"]),
)
def test_cli_train_options(tmp_path_factory, capsys, option, value, optimizer):
    out = tmp_path_factory.mktemp("cli") / "w.npz"
    argv = [
        "train",
        "--data",
        "digits-8x8",
        "--limit",
        "16",
        "--epochs",
        "1",
        "--channels",
        "1",
        "1",
    ]
    argv += ["--optimizer", optimizer, "--quiet", "--out", str(out), option, value]
    if option == "--channels":
        argv.append(value)
    if option == "--epochs" and value.isdigit() and int(value) > 2:
        return  # a valid long run teaches nothing here
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), code
    assert "Traceback" not in err
    if code:
        assert err.strip() and err.strip().splitlines()[-1].startswith("cnnbook")
        assert not out.exists()  # a failed run writes nothing
    else:
        net, _ = load_weights(out)
        assert all(np.isfinite(v).all() for v in net.state_dict().values())


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(image=FILE_BYTES, weights=FILE_BYTES, target=OPTION_VALUES)
def test_cli_explain_random_files(tmp_path_factory, capsys, image, weights, target):
    folder = tmp_path_factory.mktemp("explain")
    (folder / "i.png").write_bytes(image)
    (folder / "w.npz").write_bytes(weights)
    try:
        code = main(
            ["explain", str(folder / "i.png"), "--weights", str(folder / "w.npz"), "--target", target,
             "--out", str(folder / "o")]
        )  # fmt: skip
    except SystemExit as exc:
        code = exc.code
    _, err = capsys.readouterr()
    assert code in (1, 2) and err.count("\n") >= 1 and "Traceback" not in err


# ----------------------------------------------------------------------------
# The examples of issue 10's "What was seen" that live outside the CLI's modules
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: Conv2D(1, 1, True),
            TypeError,
            "kernel_size must be an int or a pair of ints, got True",
        ),
        (
            lambda: Conv2D(1, 1, 3, stride=True),
            TypeError,
            "stride must be an int or a pair of ints, got True",
        ),
        (lambda: MaxPool2D(2, stride=True), TypeError, "stride must be an int or a pair of ints"),
        (lambda: conv.output_size(28, True), TypeError, "F must be"),
        (
            lambda: conv_fast.col2im(np.ones((4, 4)), (1, 3, 3), 2),
            ValueError,
            r"x_shape must be a tuple of 4 positive ints, got \(1, 3, 3\)",
        ),
        (
            lambda: conv_fast.conv2d_transpose(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)), None),
            TypeError,
            "x_shape must be a tuple of 4 positive ints, got None",
        ),
    ],
)
def test_issue_10_bad_values_outside_the_cli(call, error, message):
    with pytest.raises(error, match=message):
        call()
