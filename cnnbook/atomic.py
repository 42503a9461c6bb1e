"""Atomic file writes: a file is either its old self or completely new, never half-written.

Every file the package writes (weights, the command line's figures) goes
through :func:`atomic_write`: the bytes go to a temporary file in the same
folder, which is flushed and synced to disk, then renamed over the target
with :func:`os.replace`. A rename within one folder is atomic on POSIX and
Windows, so a full disk, a file-size limit or an exception in the middle of
the write leaves the previous file byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a binary file for writing that replaces ``path`` only when the block succeeds.

    Parameters
    ----------
    path : path
        The file to create or replace. Its folder must exist.

    Yields
    ------
    file
        A binary file object in ``path``'s folder. When the ``with`` block
        ends normally, it is flushed, synced and renamed to ``path``; when the
        block raises, it is deleted and ``path`` is untouched.

    Raises
    ------
    FileNotFoundError
        If the folder of ``path`` does not exist.
    PermissionError
        If the folder is not writable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_write(target) as f:
    ...     _ = f.write(b"first")
    >>> try:
    ...     with atomic_write(target) as f:
    ...         _ = f.write(b"half of the sec")
    ...         raise OSError("disk full")
    ... except OSError:
    ...     pass
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'first', ['notes.txt'])
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {path}: no folder {folder}")
    # mkstemp makes the file private (0o600); give it the mode an ordinary
    # write would: the old file's, or 0o666 less the umask.
    mode = path.stat().st_mode & 0o7777 if path.is_file() else 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), mode)
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it
    os.umask(mask)
    return mask
