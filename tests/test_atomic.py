"""Atomic writes: a write that fails partway leaves the previous file byte for byte intact.

Two ways of failing are used: a writer that raises after some bytes (in
process), and a file-size limit (``RLIMIT_FSIZE``) on a subprocess, which
makes the operating system refuse the write as a full disk would. Both are
tried on the API (``Sequential.save``, ``save_weights``) and on the command
line (``cnnbook train --out``, ``cnnbook explain``'s figures).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from cnnbook.atomic import atomic_write
from cnnbook.network import book_cnn
from cnnbook.recipe import load_weights, save_weights

ARCH = {
    "in_channels": 1,
    "image_size": 8,
    "num_classes": 10,
    "channels": (2, 4),
    "batchnorm": False,
}


def leftovers(folder) -> list[str]:
    """Temporary files an interrupted write might have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "file.bin"
    target.write_bytes(b"old contents")
    with pytest.raises(RuntimeError, match="stop"), atomic_write(target) as f:
        f.write(b"new bytes that never land")
        raise RuntimeError("stop")
    assert target.read_bytes() == b"old contents" and leftovers(tmp_path) == []
    with atomic_write(target) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new" and leftovers(tmp_path) == []


def test_atomic_write_needs_an_existing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no folder"), atomic_write(tmp_path / "no" / "f"):
        pass


def test_atomic_write_keeps_the_permissions_of_a_new_file(tmp_path):
    with atomic_write(tmp_path / "f") as f:
        f.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o666 & ~umask


class FailingAfter:
    """Wraps ``numpy.savez``: writes the first ``n`` bytes of the archive, then raises OSError."""

    def __init__(self, savez, n: int) -> None:
        self.savez, self.n = savez, n

    def __call__(self, file, *args, **kwargs):
        import io

        buffer = io.BytesIO()
        self.savez(buffer, *args, **kwargs)
        file.write(buffer.getvalue()[: self.n])
        raise OSError(28, "No space left on device")


@pytest.mark.parametrize("n", [0, 1, 100, 1000])
def test_failed_save_leaves_the_old_weights_intact(tmp_path, monkeypatch, n):
    path = save_weights(book_cnn(**ARCH, rng=0), tmp_path / "w.npz", ARCH)
    before = path.read_bytes()
    monkeypatch.setattr(np, "savez", FailingAfter(np.savez, n))
    with pytest.raises(OSError, match="No space left"):
        save_weights(book_cnn(**ARCH, rng=1), path, ARCH)
    with pytest.raises(OSError, match="No space left"):
        book_cnn(**ARCH, rng=1).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before and leftovers(tmp_path) == []
    net, _ = load_weights(path)  # still a good file
    np.testing.assert_array_equal(
        net.layers[0].params["W"], book_cnn(**ARCH, rng=0).layers[0].params["W"]
    )


def limited(max_bytes: int):
    """A preexec_fn: file-size limit of ``max_bytes``; writes past it fail with EFBIG."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


def run_limited(code_or_argv, max_bytes, cwd, module=False):
    argv = (
        [sys.executable, "-m", "cnnbook", *code_or_argv]
        if module
        else [sys.executable, "-c", code_or_argv]
    )
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLCONFIGDIR": str(cwd),
    }
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
        preexec_fn=limited(max_bytes),
    )  # fmt: skip


def test_file_size_limit_on_save_leaves_the_old_file_intact(tmp_path):
    path = save_weights(book_cnn(**ARCH, rng=0), tmp_path / "w.npz", ARCH)
    before = path.read_bytes()
    code = (
        "from cnnbook.network import book_cnn\n"
        f"arch = {ARCH!r}\n"
        "book_cnn(**arch, rng=1).save('w.npz')\n"
    )
    done = run_limited(code, len(before) // 2, tmp_path)
    assert done.returncode != 0 and "File too large" in done.stderr
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_cli_train_under_a_file_size_limit_keeps_the_old_weights(tmp_path):
    path = save_weights(book_cnn(**ARCH, rng=0), tmp_path / "weights.npz", ARCH)
    before = path.read_bytes()
    argv = ["train", "--data", "digits-8x8", "--limit", "64", "--epochs", "1", "--quiet"]
    done = run_limited(argv, 2000, tmp_path, module=True)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("cnnbook: error: cannot write the weights to weights.npz")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_cli_explain_under_a_file_size_limit_keeps_the_old_figures(tmp_path):
    weights = save_weights(book_cnn(**ARCH, rng=0), tmp_path / "w.npz", ARCH, data="digits-8x8")
    Image.new("L", (16, 16), 0).save(tmp_path / "d.png")
    figs = tmp_path / "figs"
    figs.mkdir()
    old = b"an older figure"
    (figs / "input.png").write_bytes(old)
    argv = ["explain", "d.png", "--weights", weights.name, "--out", "figs"]
    done = run_limited(argv, 1000, tmp_path, module=True)
    assert done.returncode == 1, done.stderr
    assert "cannot write figs/input.png" in done.stderr and "Traceback" not in done.stderr
    assert (figs / "input.png").read_bytes() == old and leftovers(figs) == []
