"""Readers of the data sets' original files: MNIST's IDX and CIFAR-10's binary batches.

The readers parse the bytes with :mod:`struct` and :func:`numpy.frombuffer`;
nothing is unpickled, so a downloaded file can never run code. Every damaged
file (truncated, too long, a wrong magic number, a label out of range, a
corrupt gzip stream) is answered by one :class:`ValueError` that names the
file and what is wrong with it.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .checks import float_dtype

__all__ = [
    "CIFAR_RECORD",
    "load_cifar10_batch",
    "load_mnist_idx",
    "read_cifar10_records",
    "scale_pixels",
]

_IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions (N, rows, cols)
_IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension (N,)
_MAX_IDX_BYTES = 1 << 30  # a decompressed IDX file larger than 1 GiB is refused
_CIFAR_SIDE = 32
_CIFAR_PIXELS = 3 * _CIFAR_SIDE * _CIFAR_SIDE  # 1024 red, 1024 green, 1024 blue
CIFAR_RECORD = 1 + _CIFAR_PIXELS
"""Bytes of one CIFAR-10 record: one label byte, then the pixels."""


def scale_pixels(raw: np.ndarray, top: float, dtype) -> np.ndarray:
    """Convert integer-valued pixels in ``0..top`` to ``dtype`` values in ``[0, 1]``.

    Examples
    --------
    >>> scale_pixels(np.array([0, 51, 255], np.uint8), 255, np.float64)
    array([0. , 0.2, 1. ])
    """
    x = raw.astype(float_dtype(dtype))
    x /= x.dtype.type(top)
    return x


def _existing_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    return path


def _read_bytes(path: Path) -> bytes:
    """All bytes of ``path``, decompressed if its name ends in ``.gz``."""
    if path.suffix != ".gz":
        if path.stat().st_size > _MAX_IDX_BYTES:
            raise ValueError(f"{path}: larger than {_MAX_IDX_BYTES:,} bytes; not an MNIST file")
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as f:
            data = f.read(_MAX_IDX_BYTES + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: not a complete, undamaged gzip file ({err})") from None
    if len(data) > _MAX_IDX_BYTES:
        raise ValueError(f"{path}: unpacks to more than {_MAX_IDX_BYTES:,} bytes")
    return data


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
        If a file has the wrong magic number, is truncated or too long, is a
        damaged gzip stream, holds a label above 9, or the two files disagree
        on ``N``.

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
    _check_digit_labels(labels, labels_path, "MNIST")
    return scale_pixels(images[:, None], 255, dtype), labels.astype(np.int64)


def _check_digit_labels(labels: np.ndarray, path, what: str) -> None:
    """Both data sets have ten classes: every label byte must be 0..9."""
    bad = np.flatnonzero(labels > 9)
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{path}: record {i} has label byte {labels[i]}, but {what} labels are 0..9 "
            f"({bad.size} bad records in all)"
        )


def read_cifar10_records(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``uint8`` images ``(N, 3, 32, 32)`` and ``int64`` labels of one batch file.

    :func:`load_cifar10_batch` without the scaling to floats; same checks.
    """
    path = _existing_file(path)
    size = path.stat().st_size
    if size == 0 or size % CIFAR_RECORD:
        raise ValueError(
            f"{path}: size {size} bytes is not a positive multiple of the CIFAR-10 record "
            f"size {CIFAR_RECORD} (1 label byte + {_CIFAR_PIXELS} pixel bytes)"
        )
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0]
    _check_digit_labels(labels, path, "CIFAR-10")
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
        Labels, indices into :data:`cnnbook.data.CIFAR10_CLASSES`.

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
    >>> from cnnbook.data import CIFAR10_CLASSES
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
    images, labels = read_cifar10_records(path)
    return scale_pixels(images, 255, dtype), labels
