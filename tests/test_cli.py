"""Tests for the ``cnnbook`` command line: real runs of ``train`` and ``explain``.

The commands run in-process through :func:`cnnbook.cli.main` (so failures show
a traceback in the test report) and, a few times, as a subprocess through
``python -m cnnbook``, which is what a user types. Data files for the MNIST
and CIFAR-10 paths are written byte by byte from the published formats, and
every image the tests explain is drawn by the test with Pillow.

Results are checked against independent facts: chance accuracy, the accuracy
recomputed from the saved weights, the pixel values of a hand-drawn image.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cnnbook.cli import main
from cnnbook.data import CIFAR10_CLASSES, Dataset, load_digits_8x8, load_mnist_sample
from cnnbook.images import load_image
from cnnbook.network import book_cnn
from cnnbook.recipe import load_weights, save_weights, train_book_cnn

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EXPLAIN_FIGURES = [
    "input",
    "attributions",
    "saliency",
    "smoothgrad",
    "occlusion",
    "guided-backprop",
    "deconvnet-block1",
    "deconvnet-block2",
]


def run(capsys, *argv) -> tuple[int, str, str]:
    """``main(argv)``: exit status, stdout, stderr (a usage error's SystemExit included)."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def python_m_cnnbook(*argv, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "cnnbook", *map(str, argv)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def draw_digit(path, size=(120, 160), mode="RGB", background="white", ink="black"):
    """A hand-drawn "7": two thick strokes on a plain background."""
    img = Image.new(mode, size, background)
    w, h = size
    ImageDraw.Draw(img).line(
        [(w // 6, h // 5), (5 * w // 6, h // 5), (w // 2 - w // 10, 7 * h // 8)],
        fill=ink,
        width=max(2, w // 8),
    )
    img.save(path)
    return path


def accuracy_line(out: str) -> float:
    match = re.search(r"test accuracy: ([\d.]+) %", out)
    assert match, out
    return float(match.group(1)) / 100


# ----------------------------------------------------------------------------
# Trained weights shared by the tests of this module
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mnist_weights(tmp_path_factory):
    """The default data (the MNIST sample), a small quick run: 256 images, 1 epoch."""
    path = tmp_path_factory.mktemp("mnist") / "weights.npz"
    argv = ["train", "--limit", "256", "--epochs", "1", "--channels", "4", "8"]
    assert main([*argv, "--out", str(path), "--quiet"]) == 0
    return path


# ----------------------------------------------------------------------------
# cnnbook train
# ----------------------------------------------------------------------------
@pytest.mark.slow
def test_train_learns_and_saves_what_it_reports(tmp_path, capsys):
    out_path = tmp_path / "sub" / "digits"  # folder created, .npz appended
    code, out, err = run(
        capsys, "train", "--data", "digits-8x8", "--limit", "500", "--epochs", "2",
        "--lr", "0.01", "--out", out_path,
    )  # fmt: skip
    assert code == 0
    saved = tmp_path / "sub" / "digits.npz"
    assert f"weights saved to {saved}" in out
    # Per-epoch lines on stderr; stderr is not a terminal here, so no \r redraws.
    assert "\r" not in err
    assert re.findall(r"^epoch (\d)/2: loss [\d.]+, train acc", err, re.M) == ["1", "2"]
    reported = accuracy_line(out)
    assert reported > 0.5  # ten classes: chance is 0.1
    # The file rebuilds the network, which scores what was reported.
    net, meta = load_weights(saved)
    d = load_digits_8x8()
    _, acc = net.evaluate(d.x_test, d.y_test)
    assert acc == pytest.approx(reported, abs=5e-5)
    assert meta["architecture"] == {
        "in_channels": 1,
        "image_size": 8,
        "num_classes": 10,
        "channels": [8, 16],
        "batchnorm": False,
    }
    assert meta["classes"] == [str(k) for k in range(10)] and meta["data"] == "digits-8x8"
    assert len(meta["history"]["loss"]) == 2
    assert meta["history"]["loss"][1] < meta["history"]["loss"][0]


def test_train_default_data_is_the_mnist_sample(mnist_weights):
    net, meta = load_weights(mnist_weights)
    assert meta["data"] == "mnist-sample"
    assert meta["architecture"]["channels"] == [4, 8]
    assert meta["architecture"]["image_size"] == 28
    d = load_mnist_sample()
    _, acc = net.evaluate(d.x_test[:256], d.y_test[:256])
    assert acc == pytest.approx(meta["test_accuracy"], abs=1e-12)


def test_train_is_reproducible_and_batchnorm_recorded(tmp_path, capsys):
    paths = [tmp_path / f"w{i}.npz" for i in range(2)]
    for p in paths:
        code, _, _ = run(
            capsys, "train", "--data", "digits-8x8", "--limit", "100", "--epochs", "1",
            "--batchnorm", "--optimizer", "sgd", "--seed", "3", "--quiet", "--out", p,
        )  # fmt: skip
        assert code == 0
    (a, meta), (b, _) = load_weights(paths[0]), load_weights(paths[1])
    assert meta["architecture"]["batchnorm"] is True and meta["seed"] == 3
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(value, b.state_dict()[key], err_msg=key)
    assert any("running_mean" in key for key in a.state_dict())


@pytest.mark.slow
def test_book_recipe_trains_the_books_network_bit_for_bit(tmp_path, capsys):
    """``--book-recipe`` (decaying learning rate included) matches ``train_book_cnn``."""
    out_path = tmp_path / "book.npz"
    code, _, err = run(
        capsys, "train", "--book-recipe", "--epochs", "3", "--limit", "256",
        "--out", out_path,
    )  # fmt: skip
    assert code == 0
    assert "learning rate 0.002 × 0.85 per epoch" in err
    cli_net, meta = load_weights(out_path)
    assert (meta["lr"], meta["lr_decay"], meta["batch_size"]) == (0.002, 0.85, 32)

    d = load_mnist_sample(np.float32)
    small = Dataset(d.x_train[:256], d.y_train[:256], d.x_test[:256], d.y_test[:256], d.classes)
    book_net, _ = train_book_cnn(small, epochs=3)
    constant_net, _ = train_book_cnn(small, epochs=3, lr_decay=1.0)
    book, constant = book_net.state_dict(), constant_net.state_dict()
    for key, value in cli_net.state_dict().items():
        np.testing.assert_array_equal(value, book[key], err_msg=key)
    # The decay matters: without it the same three epochs end somewhere else.
    assert not np.array_equal(book["0.W"], constant["0.W"])


def idx(images: np.ndarray) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", 0x803, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels(labels) -> bytes:
    return struct.pack(">II", 0x801, len(labels)) + bytes(int(v) for v in labels)


def write_mnist_idx(folder, n_train: int, n_test: int) -> None:
    """The four MNIST IDX files, with random pixels and labels 0, 1, ..., 9, 0, ..."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = idx(rng.integers(0, 256, (n, 28, 28)))
        (folder / f"{prefix}-images-idx3-ubyte").write_bytes(images)
        (folder / f"{prefix}-labels-idx1-ubyte").write_bytes(idx_labels(np.arange(n) % 10))


def test_train_on_mnist_idx_files_with_python_m(tmp_path):
    """The MNIST path, run as a user runs it: ``python -m cnnbook train``, exit status 0."""
    write_mnist_idx(tmp_path, 40, 20)
    trained = python_m_cnnbook(
        "train", "--data", "mnist", "--data-dir", ".", "--epochs", "1", "--channels", "2", "2",
        "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert trained.stderr == ""  # --quiet
    assert trained.stdout.endswith("on 20 images\nweights saved to weights.npz\n")
    _, meta = load_weights(tmp_path / "weights.npz")
    assert meta["data"] == "mnist" and meta["architecture"]["image_size"] == 28


def test_train_on_cifar10_binary_files(tmp_path, capsys):
    folder = tmp_path / "cifar-10-batches-bin"  # the parent folder is given, as users do
    folder.mkdir()
    rng = np.random.default_rng(1)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for name in names:
        records = b"".join(
            bytes([k]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for k in range(3)
        )
        (folder / name).write_bytes(records)
    out = tmp_path / "cifar.npz"
    code, stdout, _ = run(
        capsys, "train", "--data", "cifar10", "--data-dir", tmp_path, "--epochs", "1",
        "--channels", "2", "2", "--quiet", "--out", out,
    )  # fmt: skip
    assert code == 0, stdout
    net, meta = load_weights(out)
    assert meta["architecture"]["in_channels"] == 3 and meta["architecture"]["image_size"] == 32
    assert meta["classes"] == list(CIFAR10_CLASSES)
    assert net.layers[0].params["W"].shape == (2, 3, 5, 5)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "mnist"], "--data mnist needs --data-dir"),
        (["--data", "cifar10", "--data-dir", "/no/such/dir"], "no such folder"),
        (["--data-dir", "."], "only used with --data mnist or cifar10"),
        (["--epochs", "0"], "expected a positive integer, got '0'"),
        (["--lr", "-1"], "expected a positive number"),
        (["--data", "imagenet"], "invalid choice: 'imagenet'"),
        (["--momentum", "1.5"], r"\[0, 1\)"),
        (["--lr-decay", "0"], r"expected a number in \(0, 1\], got '0'"),
        (["--lr-decay", "1.2"], r"\(0, 1\]"),
        (["--book-recipe", "--optimizer", "sgd"], "--book-recipe trains with Adam"),
    ],
)
def test_train_usage_errors_exit_2(argv, message, capsys):
    code, _, err = run(capsys, "train", *argv)
    assert code == 2
    assert re.search(message, err), err
    assert err.startswith("usage: cnnbook train")


def test_train_missing_and_broken_files_exit_1(tmp_path, capsys):
    code, _, err = run(capsys, "train", "--data", "mnist", "--data-dir", tmp_path)
    assert code == 1
    assert err.startswith("cnnbook: error: MNIST files missing from")
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08")  # truncated header
    for name in ("train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(b"")
    code, _, err = run(capsys, "train", "--data", "mnist", "--data-dir", tmp_path)
    assert code == 1 and "truncated IDX file" in err


def test_train_cannot_write_weights(tmp_path, capsys):
    blocker = tmp_path / "taken.npz"
    blocker.mkdir()  # a folder where the file should go
    code, _, err = run(
        capsys, "train", "--data", "digits-8x8", "--limit", "32", "--epochs", "1",
        "--channels", "1", "1", "--quiet", "--out", blocker,
    )  # fmt: skip
    assert code == 1 and err.startswith(f"cnnbook: error: cannot write the weights to {blocker}")


# ----------------------------------------------------------------------------
# Weights files
# ----------------------------------------------------------------------------
ARCH = {
    "in_channels": 1,
    "image_size": 8,
    "num_classes": 10,
    "channels": (2, 4),
    "batchnorm": False,
}


def test_weights_round_trip_exactly(tmp_path):
    net = book_cnn(**ARCH, rng=5)
    path = save_weights(net, tmp_path / "w.npz", ARCH, classes=list("abcdefghij"))
    back, meta = load_weights(path)
    x = np.random.default_rng(0).random((3, 1, 8, 8), dtype=np.float32)
    np.testing.assert_array_equal(back.forward(x), net.eval().forward(x))
    assert meta["classes"] == list("abcdefghij")
    with np.load(path, allow_pickle=False) as data:  # a plain npz: no pickle needed
        assert json.loads(str(data["__cnnbook__"]))["format"] == "cnnbook-weights"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "no weights file at"),
        (lambda p: p.write_text("not numpy"), "is not a readable .npz weights file"),
        (lambda p: book_cnn(**ARCH).save(p), "has no architecture record"),
        (
            lambda p: np.savez(p, __cnnbook__=np.array("{not json")),
            "damaged architecture record",
        ),
        (  # another architecture's arrays under this architecture's record
            lambda p: np.savez(
                p,
                **book_cnn(**{**ARCH, "channels": (3, 4)}).state_dict(),
                __cnnbook__=np.array(
                    json.dumps(
                        {"format": "cnnbook-weights", "architecture": {**ARCH, "channels": [2, 4]}}
                    )
                ),
            ),
            r"do not fit the architecture .*channels \(2, 4\).*0\.W has shape \(3, 1, 5, 5\), "
            r"this network expects \(2, 1, 5, 5\)",
        ),
    ],
    ids=["missing", "not-npz", "no-record", "bad-json", "other-architecture"],
)
def test_bad_weights_files_are_reported(tmp_path, capsys, make, message):
    path = tmp_path / "w.npz"
    make(path)
    draw_digit(tmp_path / "d.png")
    code, out, err = run(capsys, "explain", tmp_path / "d.png", "--weights", path)
    assert code == 1 and out == ""
    assert err.startswith("cnnbook: error: ")
    assert re.search(message, err), err


# ----------------------------------------------------------------------------
# Reading the user's image
# ----------------------------------------------------------------------------
def test_load_image_inverts_crops_and_centres_a_dark_digit(tmp_path):
    canvas = Image.new("L", (40, 80), 255)
    canvas.paste(0, (18, 10, 24, 70))  # a black bar 6 wide, 60 tall
    canvas.save(tmp_path / "one.png")
    x, inverted = load_image(tmp_path / "one.png", 1, 28, digits=True)
    assert inverted and x.shape == (1, 28, 28) and x.dtype == np.float32
    # The 60-pixel bar fills the 20-pixel box: rows 4..23; the rest is black.
    assert x[0, :4].max() == 0 and x[0, 24:].max() == 0
    assert x[0, 4:24, 14].min() > 0.9
    cols = x[0].sum(axis=0)
    assert np.argmax(cols) in (13, 14) and cols[:10].max() == 0 and cols[18:].max() == 0


def test_load_image_keeps_what_it_is_told_to(tmp_path):
    Image.new("L", (10, 10), 255).save(tmp_path / "white.png")
    x, inverted = load_image(tmp_path / "white.png", 1, 28, invert="no", digits=True, crop=False)
    assert not inverted and np.allclose(x, 1.0)
    x, inverted = load_image(tmp_path / "white.png", 1, 28, invert="yes", crop=False)
    assert inverted and np.allclose(x, 0.0)
    # Not a digit network: "auto" never inverts.
    _, inverted = load_image(tmp_path / "white.png", 1, 28, digits=False)
    assert not inverted


def test_load_image_transparency_lies_on_white(tmp_path):
    img = Image.new("RGBA", (30, 30), (0, 0, 0, 0))  # transparent black background
    ImageDraw.Draw(img).rectangle((12, 5, 17, 25), fill=(0, 0, 0, 255))
    img.save(tmp_path / "alpha.png")
    x, inverted = load_image(tmp_path / "alpha.png", 1, 28, digits=True)
    assert inverted  # white background after compositing, so the digit is dark on light
    assert x[0, 0, 0] == 0 and x[0, 14, 14] > 0.9


def test_load_image_rgb_pads_with_the_border_colour(tmp_path):
    Image.new("RGB", (20, 10), (255, 0, 0)).save(tmp_path / "red.png")
    x, inverted = load_image(tmp_path / "red.png", 3, 32)
    assert x.shape == (3, 32, 32) and not inverted
    np.testing.assert_allclose(x[:, 0, 0], [1.0, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(x[:, 31, 31], [1.0, 0.0, 0.0], atol=1e-6)


# ----------------------------------------------------------------------------
# cnnbook explain
# ----------------------------------------------------------------------------
@pytest.mark.slow
def test_explain_prints_top3_and_writes_every_figure(mnist_weights, tmp_path, capsys):
    image = draw_digit(tmp_path / "seven.png")
    out_dir = tmp_path / "figs"
    code, out, err = run(capsys, "explain", image, "--weights", mnist_weights, "--out", out_dir)
    assert code == 0
    assert "inverted the image" in err  # dark ink on white paper
    ranks = re.findall(r"^  ([123])\. (\S+) +([\d.]+) %$", out, re.M)
    assert [r[0] for r in ranks] == ["1", "2", "3"]
    probs = [float(r[2]) for r in ranks]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 100.01
    # The printed ranking is the network's on the image as loaded.
    net, _ = load_weights(mnist_weights)
    x, _ = load_image(image, 1, 28, digits=True)
    p = net.predict_proba(x[None])[0]
    assert [r[1] for r in ranks] == [str(k) for k in np.argsort(-p)[:3]]
    assert probs[0] == pytest.approx(100 * p.max(), abs=0.006)
    assert f"explaining class '{np.argmax(p)}'" in out  # the predicted class by default
    for name in EXPLAIN_FIGURES:
        path = out_dir / f"{name}.png"
        assert f"wrote {path}" in out
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        with Image.open(path) as png:
            png.verify()
    with Image.open(out_dir / "attributions.png") as png:
        assert png.size[0] <= 700


@pytest.mark.slow
def test_explain_rgb_network_and_named_target(tmp_path, capsys):
    arch = {
        "in_channels": 3,
        "image_size": 32,
        "num_classes": 10,
        "channels": (2, 2),
        "batchnorm": True,
    }
    weights = save_weights(
        book_cnn(**arch, rng=0),
        tmp_path / "c.npz",
        arch,
        classes=list(CIFAR10_CLASSES),
        data="cifar10",
    )
    image = draw_digit(
        tmp_path / "photo.jpg", size=(50, 40), background=(20, 120, 30), ink=(250, 200, 0)
    )
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "explain", image, "--weights", weights, "--out", out_dir, "--target", "frog"
    )
    assert code == 0 and "inverted" not in err
    assert "explaining class 'frog'" in out  # by name
    assert sorted(p.stem for p in out_dir.iterdir()) == sorted(EXPLAIN_FIGURES)


@pytest.mark.parametrize("target", ["banana", "10", "-1", "seven"])
def test_explain_unknown_class(mnist_weights, tmp_path, capsys, target):
    draw_digit(tmp_path / "d.png")
    code, out, err = run(
        capsys, "explain", tmp_path / "d.png", "--weights", mnist_weights, "--target", target
    )
    assert code == 1 and out == ""
    assert err.startswith(f"cnnbook: error: unknown class {target!r}: expected one of 0, 1, 2")


def test_explain_bad_images(mnist_weights, tmp_path, capsys):
    code, _, err = run(capsys, "explain", tmp_path / "nope.png", "--weights", mnist_weights)
    assert code == 1 and err == f"cnnbook: error: no such image: {tmp_path / 'nope.png'}\n"
    (tmp_path / "text.png").write_text("this is not a picture")
    code, _, err = run(capsys, "explain", tmp_path / "text.png", "--weights", mnist_weights)
    assert code == 1 and err.startswith(f"cnnbook: error: cannot read {tmp_path / 'text.png'}")
    code, _, err = run(capsys, "explain", tmp_path, "--weights", mnist_weights)
    assert code == 1 and "is not a file" in err
    draw_digit(tmp_path / "d.png")
    (tmp_path / "file").write_text("")
    code, _, err = run(
        capsys,
        "explain",
        tmp_path / "d.png",
        "--weights",
        mnist_weights,
        "--out",
        tmp_path / "file",
    )
    assert code == 1 and "exists and is not a folder" in err


def test_usage_errors(capsys):
    assert run(capsys)[0] == 2
    code, _, err = run(capsys, "explain")
    assert code == 2 and "required: IMAGE" in err
    code, _, err = run(capsys, "explain", "x.png", "--invert", "maybe")
    assert code == 2 and "invalid choice: 'maybe'" in err
    code, _, err = run(capsys, "fly")
    assert code == 2 and "invalid choice: 'fly'" in err


# ----------------------------------------------------------------------------
# The entry points, as a user runs them
# ----------------------------------------------------------------------------
def test_console_script_is_declared():
    (ep,) = [ep for ep in entry_points(group="console_scripts") if ep.name == "cnnbook"]
    assert ep.value == "cnnbook.cli:main" and ep.load() is main


def test_python_m_cnnbook_help_and_errors(tmp_path):
    help_ = python_m_cnnbook("--help", cwd=tmp_path)
    assert help_.returncode == 0 and "train" in help_.stdout and "explain" in help_.stdout
    failed = python_m_cnnbook("explain", "missing.png", cwd=tmp_path)
    assert failed.returncode == 1
    assert failed.stderr == "cnnbook: error: no such image: missing.png\n"
    usage = python_m_cnnbook("train", "--epochs", "-3", cwd=tmp_path)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


# ----------------------------------------------------------------------------
# Issue 10: every option checked before training, divergence is an error
# ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seed", "-1"], "argument --seed: expected a non-negative integer, got '-1'"),
        (["--seed", "1.5"], "argument --seed: expected a non-negative integer, got '1.5'"),
        (["--lr", "nan"], "argument --lr: expected a positive number, got 'nan'"),
        (["--lr", "inf"], "argument --lr: expected a positive number, got 'inf'"),
        (["--momentum", "nan"], "argument --momentum: expected a number in"),
        (["--batch-size", "True"], "argument --batch-size: expected a positive integer"),
        (["--channels", "1000000", "1000000"], "--channels 1000000 1000000: book_cnn would hold"),
    ],
)
def test_bad_values_are_one_line_usage_errors(argv, message, capsys):
    code, out, err = run(capsys, "train", "--data", "digits-8x8", *argv)
    assert code == 2 and out == ""
    assert message in err, err
    assert "training on" not in err  # refused before any training
    assert err.splitlines()[-1].startswith("cnnbook train: error: ")


def test_unwritable_out_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    out = tmp_path / "file" / "w.npz"  # its folder is a file
    code, _, err = run(capsys, "train", "--data", "digits-8x8", "--out", out)
    assert code == 1 and "training on" not in err
    assert (
        err
        == f"cnnbook: error: cannot write the weights to {out}: {tmp_path / 'file'} is not a writable folder\n"
    )


def test_a_diverged_run_exits_1_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "w.npz"
    out.write_bytes(b"previous weights")
    code, stdout, err = run(
        capsys, "train", "--data", "digits-8x8", "--limit", "128", "--epochs", "2",
        "--optimizer", "sgd", "--lr", "1e30", "--out", out, "--quiet",
    )  # fmt: skip
    assert code == 1 and "test accuracy" not in stdout
    assert re.fullmatch(
        r"cnnbook: error: training diverged: the (loss|weights) became \S+ in epoch 1, batch \d+; "
        r"try a lower learning rate; nothing was written to .*w\.npz\n",
        err,
    ), err
    assert out.read_bytes() == b"previous weights"


def test_bad_weights_and_images_give_one_line(tmp_path, capsys):
    """Truncated and bit-flipped weights, and a damaged image, in the CLI."""
    path = save_weights(book_cnn(**ARCH, rng=0), tmp_path / "w.npz", ARCH)
    good = path.read_bytes()
    image = draw_digit(tmp_path / "d.png")
    for data in (good[: len(good) // 2], good[:200] + bytes([good[200] ^ 4]) + good[201:]):
        path.write_bytes(data)
        code, out, err = run(capsys, "explain", image, "--weights", path)
        assert code == 1 and out == "" and err.count("\n") == 1
        assert err.startswith(f"cnnbook: error: {path} is not a readable .npz weights file")
    path.write_bytes(good)
    image.write_bytes(image.read_bytes()[:100])
    code, _, err = run(capsys, "explain", image, "--weights", path)
    assert code == 1 and err.startswith(f"cnnbook: error: cannot read {image}")
