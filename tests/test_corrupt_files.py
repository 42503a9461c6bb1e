"""A corpus of damaged files, made from good ones, that every reader is run on.

Each good file (weights ``.npz``, IDX images and labels, plain and gzip,
a CIFAR-10 batch, PNG and JPEG images) is written by the test, then damaged
in every way of :func:`damaged`: truncated at many lengths, one bit flipped
at many offsets, a wrong magic number, extra bytes. Each reader must either
return a sane result (a flipped pixel is still a picture) or raise
ValueError naming the file: never another exception, never a traceback
from the CLI.
"""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
from PIL import Image

from cnnbook.cli import main
from cnnbook.images import read_image
from cnnbook.network import book_cnn, read_weights_npz
from cnnbook.readers import load_cifar10_batch, load_mnist_idx
from cnnbook.recipe import load_weights, save_weights

ARCH = {"in_channels": 1, "image_size": 8, "num_classes": 10, "channels": (2, 4), "batchnorm": True}


def damaged(good: bytes) -> dict[str, bytes]:
    """Truncations, single bit flips, a wrong magic number and a wrong length."""
    n = len(good)
    rng = np.random.default_rng(0)
    cuts = sorted({0, 1, 2, 3, 4, 6, 8, 12, 16, 30, 64, n // 4, n // 2, 3 * n // 4, n - 1})
    flips = sorted(
        {
            0,
            1,
            2,
            3,
            4,
            7,
            8,
            11,
            12,
            16,
            40,
            n // 2,
            n - 22,
            n - 1,
            *rng.integers(0, n, 12).tolist(),
        }
    )
    out = {f"cut{c}": good[:c] for c in cuts if 0 <= c < n}
    for pos in flips:
        if 0 <= pos < n:
            b = bytearray(good)
            b[pos] ^= 1 << int(rng.integers(8))
            out[f"flip{pos}"] = bytes(b)
    out["magic"] = b"\xde\xad\xbe\xef" + good[4:]
    out["longer"] = good + b"\x00" * 5
    return out


def corpus(tmp_path, name: str, good: bytes):
    """Write every damaged version of ``good`` as ``tmp_path/<kind>/<name>``."""
    for kind, data in damaged(good).items():
        folder = tmp_path / kind
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_bytes(data)
        yield kind, path


def refused_or_sane(read, path, check) -> str:
    """Run ``read(path)``; a ValueError must name the file. Returns "ok" or "refused"."""
    try:
        result = read(path)
    except ValueError as err:
        assert str(path) in str(err), err
        return "refused"
    check(result)
    return "ok"


def good_weights(tmp_path):
    return save_weights(
        book_cnn(**ARCH, rng=0), tmp_path / "good.npz", ARCH, classes=list("0123456789")
    ).read_bytes()


def test_every_damaged_weights_file_is_refused_clearly(tmp_path):
    outcomes = {}
    for kind, path in corpus(tmp_path, "w.npz", good_weights(tmp_path)):

        def check(result):
            net, meta = result
            assert meta["architecture"]["channels"] == [2, 4]
            assert all(np.isfinite(v).all() for v in net.state_dict().values())

        outcomes[kind] = refused_or_sane(load_weights, path, check)
        other = book_cnn(**ARCH, rng=5)
        try:  # the same reader serves Sequential.load
            other.load(path)
        except ValueError as err:
            assert str(path) in str(err)
    # Truncations and wrong magic numbers never pass; extra bytes after a zip's
    # end are legal, and a flip inside a compressed-size-free field may be too.
    assert all(v == "refused" for k, v in outcomes.items() if k.startswith(("cut", "magic")))
    assert sum(v == "refused" for v in outcomes.values()) > len(outcomes) * 2 // 3


def test_every_damaged_weights_file_gives_one_line_from_the_cli(tmp_path, capsys):
    Image.new("L", (8, 8)).save(tmp_path / "d.png")
    for kind, path in corpus(tmp_path, "w.npz", good_weights(tmp_path)):
        if not kind.startswith(("cut", "magic")):
            continue
        try:
            code = main(
                [
                    "explain",
                    str(tmp_path / "d.png"),
                    "--weights",
                    str(path),
                    "--out",
                    str(tmp_path / "o"),
                ]
            )
        except SystemExit as exc:
            code = exc.code
        _, err = capsys.readouterr()
        assert code == 1 and err.startswith("cnnbook: error: ") and err.count("\n") == 1, (
            kind,
            err,
        )


def idx_files(n=6):
    rng = np.random.default_rng(3)
    images = (
        struct.pack(">IIII", 0x803, n, 4, 4)
        + rng.integers(0, 256, n * 16, dtype=np.uint8).tobytes()
    )
    labels = struct.pack(">II", 0x801, n) + bytes(int(v) for v in rng.integers(0, 10, n))
    return images, labels


def check_mnist(result):
    x, y = result
    assert x.shape[1:] == (1, 4, 4) and 0 <= x.min() and x.max() <= 1
    assert y.shape == (len(x),) and y.min() >= 0 and y.max() <= 9


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_every_damaged_idx_file_is_refused_clearly(tmp_path, gz):
    images, labels = idx_files()
    pack = gzip.compress if gz else bytes
    suffix = ".gz" if gz else ""
    good_images, good_labels = tmp_path / f"img{suffix}", tmp_path / f"lab{suffix}"
    good_images.write_bytes(pack(images))
    good_labels.write_bytes(pack(labels))
    check_mnist(load_mnist_idx(good_images, good_labels))
    outcomes = []
    for _, path in corpus(tmp_path, f"img{suffix}", pack(images)):
        outcomes.append(
            refused_or_sane(lambda p: load_mnist_idx(p, good_labels), path, check_mnist)
        )
    for _, path in corpus(tmp_path, f"lab{suffix}", pack(labels)):
        outcomes.append(
            refused_or_sane(lambda p: load_mnist_idx(good_images, p), path, check_mnist)
        )
    assert "refused" in outcomes


def test_idx_labels_above_nine_are_refused(tmp_path):
    """The issue's example: an IDX label byte of 12 loaded silently."""
    images, labels = idx_files(3)
    (tmp_path / "img").write_bytes(images)
    (tmp_path / "lab").write_bytes(labels[:-1] + bytes([12]))
    with pytest.raises(
        ValueError, match=r"lab: record 2 has label byte 12, but MNIST labels are 0\.\.9"
    ):
        load_mnist_idx(tmp_path / "img", tmp_path / "lab")


def test_corrupted_gzip_is_a_value_error(tmp_path):
    """The issue's example: a corrupted .gz gave a zlib.error traceback."""
    data = bytearray(gzip.compress(idx_files(50)[0]))
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "img.gz").write_bytes(bytes(data))
    (tmp_path / "lab").write_bytes(idx_files(50)[1])
    with pytest.raises(ValueError, match=r"img\.gz: not a complete, undamaged gzip file"):
        load_mnist_idx(tmp_path / "img.gz", tmp_path / "lab")


def test_every_damaged_cifar_batch_is_refused_clearly(tmp_path):
    rng = np.random.default_rng(4)
    good = b"".join(
        bytes([k]) + rng.integers(0, 256, 3072, dtype=np.uint8).tobytes() for k in (0, 9, 4)
    )

    def check(result):
        x, y = result
        assert x.shape[1:] == (3, 32, 32) and y.min() >= 0 and y.max() <= 9

    outcomes = [
        refused_or_sane(load_cifar10_batch, p, check) for _, p in corpus(tmp_path, "b.bin", good)
    ]
    assert outcomes.count("refused") >= 10


@pytest.mark.parametrize(("name", "options"), [("i.png", {}), ("i.jpg", {"quality": 90})])
def test_every_damaged_image_is_refused_clearly(tmp_path, name, options):
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)).save(
        tmp_path / name, **options
    )

    def check(x):
        assert x.ndim == 3 and x.shape[0] == 3 and np.isfinite(x).all()
        assert 0 <= x.min() and x.max() <= 1

    outcomes = [
        refused_or_sane(lambda p: read_image(p, 3), p, check)
        for _, p in corpus(tmp_path, name, (tmp_path / name).read_bytes())
    ]
    assert outcomes.count("refused") >= 10


# ----------------------------------------------------------------------------
# The weights files the issue names, one by one
# ----------------------------------------------------------------------------
def test_text_named_npz_is_not_invited_to_unpickle(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("these are my notes")
    with pytest.raises(ValueError, match="not a zip archive") as info:
        read_weights_npz(path)
    assert "pickle" not in str(info.value)


def test_npy_renamed_npz(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(3.0))
    (tmp_path / "a.npy").rename(tmp_path / "a.npz")
    with pytest.raises(ValueError, match=r"a single \.npy array, not an \.npz archive"):
        read_weights_npz(tmp_path / "a.npz")


def test_object_arrays_are_never_unpickled(tmp_path):
    np.savez(tmp_path / "p.npz", evil=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="holds Python objects"):
        read_weights_npz(tmp_path / "p.npz")


def test_a_header_that_asks_for_more_memory_than_the_file_holds(tmp_path):
    """A .npy header promising 10**12 floats: refused before any allocation."""
    import io
    import zipfile

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    )
    with zipfile.ZipFile(tmp_path / "big.npz", "w") as z:
        z.writestr("x.npy", buffer.getvalue() + b"\x00" * 64)
    with pytest.raises(ValueError, match=r"64 bytes of data for shape \(1000000000000,\)"):
        read_weights_npz(tmp_path / "big.npz")


def record_file(tmp_path, arch, **extra):
    """Good arrays of ARCH under a record that claims ``arch``."""
    path = tmp_path / "w.npz"
    record = {"format": "cnnbook-weights", "architecture": arch, **extra}
    np.savez(path, **book_cnn(**ARCH).state_dict(), __cnnbook__=np.array(json.dumps(record)))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"in_channels": 3},
            r"do not fit .*0\.W has shape \(2, 1, 5, 5\), this network expects \(2, 3, 5, 5\)",
        ),
        (
            {"channels": [10**6, 10**6]},
            r"damaged architecture record: book_cnn would hold .* more than MAX_PARAMETERS",
        ),
        ({"channels": "wide"}, r"damaged architecture record: channels must be a pair"),
        ({"image_size": -4}, r"damaged architecture record: image_size must be a positive int"),
        ({"batchnorm": "yes"}, r"damaged architecture record: batchnorm must be a bool"),
        ({"num_classes": 2.5}, r"damaged architecture record: num_classes must be a positive int"),
    ],
)
def test_inconsistent_architectures_are_refused_before_allocating(tmp_path, change, message):
    arch = {**ARCH, "channels": list(ARCH["channels"]), **change}
    with pytest.raises(ValueError, match=message):
        load_weights(record_file(tmp_path, arch))


@pytest.mark.parametrize("classes", ["0123456789", list("012"), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]])
def test_classes_must_be_a_list_of_names(tmp_path, classes):
    arch = {**ARCH, "channels": list(ARCH["channels"])}
    with pytest.raises(ValueError, match="classes must be a list of 10 names"):
        load_weights(record_file(tmp_path, arch, classes=classes))
