"""The book's CNN as the book trains it: the recipe, its cache, and self-describing weights files.

* :data:`BOOK_RECIPE` and :func:`train_book_cnn` train
  :func:`~cnnbook.network.book_cnn` on the MNIST sample exactly as the
  chapters and ``cnnbook train --book-recipe`` do, and cache the result;
* :func:`save_weights` and :func:`load_weights` store a ``book_cnn`` with a
  record of its architecture, so that ``cnnbook explain`` can rebuild it.
  They go through :meth:`~cnnbook.network.Sequential.save` and the one reader,
  :func:`~cnnbook.network.read_weights_npz`, and the one set of checks,
  :meth:`~cnnbook.network.Sequential.load_state_dict`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .checks import number
from .network import Sequential, book_cnn, read_weights_npz
from .optim import Adam

__all__ = ["BOOK_RECIPE", "load_weights", "save_weights", "train_book_cnn"]

FORMAT = "cnnbook-weights"
ARCH_KEYS = ("in_channels", "image_size", "num_classes", "channels", "batchnorm")


#: The recipe that trains :func:`~cnnbook.network.book_cnn` on the MNIST sample in the book and its tests.
#: It was chosen on a validation split of the training images, never on the test set: the
#: training chapter (``docs/training.md``) sweeps the learning rate, compares the schedule,
#: batch normalisation and the initialisation over seeds, and picks the number of epochs there.
BOOK_RECIPE: dict = {"epochs": 14, "batch_size": 32, "lr": 2e-3, "lr_decay": 0.85, "seed": 0}


def _source_hash() -> str:
    """Hash of the package's source files, so cached weights never outlive the code."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def _prune_stale_cache(folder: Path, source: str) -> None:
    """Delete cached networks written by versions of the package other than ``source``."""
    current = f"book_cnn-{source}-"
    for path in folder.glob("book_cnn-*"):
        if not path.name.startswith(current):
            path.unlink(missing_ok=True)


def train_book_cnn(
    data=None,
    *,
    batchnorm: bool = False,
    cache_dir=None,
    verbose: bool = False,
    progress: bool = False,
    **recipe,
) -> tuple[Sequential, dict[str, list[float]]]:
    """Train the book's CNN with the book's recipe (Adam, decaying learning rate).

    Parameters
    ----------
    data : cnnbook.data.Dataset, optional
        Defaults to :func:`cnnbook.data.load_mnist_sample` in float32.
    batchnorm : bool
        Train the variant with :class:`~cnnbook.batchnorm.BatchNorm2D`.
    cache_dir : path, optional
        If given, the trained weights and history are stored there under a
        name that hashes the recipe, the data and the package source; a later
        call with the same inputs loads them instead of training again.
        Training is deterministic, so both give the same network. Files left
        there by an older version of the package are deleted when a new
        network is stored.
    verbose : bool
        Print one line per epoch.
    progress : bool
        Show a progress bar (:meth:`~cnnbook.network.Sequential.fit`).
    **recipe
        Overrides of :data:`BOOK_RECIPE` (``epochs``, ``batch_size``, ``lr``,
        ``lr_decay``, ``seed``).

    Returns
    -------
    net : Sequential
        In eval mode.
    history : dict of lists
        As returned by :meth:`~cnnbook.network.Sequential.fit`, with the test set as validation data.
    """
    from .data import Dataset, load_mnist_sample

    unknown = set(recipe) - set(BOOK_RECIPE)
    if unknown:
        raise TypeError(
            f"unknown recipe keys {sorted(unknown)}; expected some of {sorted(BOOK_RECIPE)}"
        )
    r = {**BOOK_RECIPE, **recipe}
    number(r["lr_decay"], "lr_decay", low=0, high=1, low_open=True)
    data = load_mnist_sample(dtype=np.float32) if data is None else data
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a cnnbook.data.Dataset, got {type(data).__name__}")
    in_channels, image_size = data.x_train.shape[1], data.x_train.shape[2]
    net = book_cnn(
        in_channels,
        image_size,
        len(data.classes),
        batchnorm=batchnorm,
        rng=r["seed"],
        dtype=np.float32,
    )
    cache = None
    if cache_dir is not None:
        source = _source_hash()
        key = hashlib.sha256(
            repr((sorted(r.items()), batchnorm, source)).encode()
            + data.x_train.tobytes()[:: max(1, data.x_train.nbytes // 100_000)]
            + data.y_train.tobytes()
        ).hexdigest()[:16]
        # The file name starts with the source hash, so that files written by
        # an older version of the package can be told apart and removed.
        cache = Path(cache_dir) / f"book_cnn-{source}-{key}.npz"
        try:
            arrays, record = read_weights_npz(cache)
            net.load_state_dict(arrays, source=str(cache))
            return net.eval(), record["history"]
        except (FileNotFoundError, ValueError, TypeError, KeyError):
            pass  # nothing cached, or a damaged file: train again and replace it
    opt = Adam(net.parameters(), lr=r["lr"])
    history = net.fit(
        data.x_train,
        data.y_train,
        epochs=r["epochs"],
        batch_size=r["batch_size"],
        optimizer=opt,
        validation_data=(data.x_test, data.y_test),
        rng=r["seed"],
        verbose=verbose,
        progress=progress,
        lr_schedule=lambda epoch: r["lr"] * r["lr_decay"] ** (epoch - 1),
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        _prune_stale_cache(cache.parent, source)
        net.save(cache, {"history": history})
    return net.eval(), history


def save_weights(net: Sequential, path, architecture: dict, **info) -> Path:
    """Save a :func:`~cnnbook.network.book_cnn` network's weights with its architecture, atomically.

    Parameters
    ----------
    net : Sequential
        Built by ``book_cnn(**architecture)``.
    path : path
        Destination; ``.npz`` is appended if missing. Parent folders are created.
    architecture : dict
        The arguments of :func:`~cnnbook.network.book_cnn`: ``in_channels``, ``image_size``,
        ``num_classes``, ``channels``, ``batchnorm``.
    **info
        Anything else worth recording, JSON-serialisable: ``classes`` (the
        class names, used by ``cnnbook explain``), ``data``, ``test_accuracy``, ...

    Returns
    -------
    Path
        Where the file was written.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> arch = dict(in_channels=1, image_size=8, num_classes=10, channels=(2, 4), batchnorm=False)
    >>> tmp = Path(tempfile.mkdtemp())
    >>> p = save_weights(book_cnn(**arch), tmp / "tiny", arch, classes=list("0123456789"))
    >>> p.name
    'tiny.npz'
    >>> net, meta = load_weights(p)
    >>> meta["architecture"]["channels"], net.layers[0].params["W"].shape
    ([2, 4], (2, 1, 5, 5))
    """
    if not isinstance(architecture, dict) or set(architecture) != set(ARCH_KEYS):
        raise ValueError(f"architecture must be a dict with the keys {list(ARCH_KEYS)}")
    arch = {k: architecture[k] for k in ARCH_KEYS}
    arch["channels"] = [int(c) for c in arch["channels"]]
    record = {**info, "format": FORMAT, "architecture": arch}
    return net.save(path, record)


def load_weights(path) -> tuple[Sequential, dict]:
    """Rebuild the network saved by :func:`save_weights` (or ``cnnbook train``).

    The recorded architecture is checked by :func:`~cnnbook.network.book_cnn` (types, ranges
    and a memory estimate) before anything is allocated, and the arrays by
    :meth:`~cnnbook.network.Sequential.load_state_dict`.

    Returns
    -------
    net : Sequential
        :func:`~cnnbook.network.book_cnn` with the recorded architecture, in float32 and
        evaluation mode, holding the saved weights.
    meta : dict
        The JSON record: ``"architecture"`` and whatever else was saved.

    Raises
    ------
    FileNotFoundError
        If the file is missing.
    ValueError
        If the file is damaged, has no architecture record, or holds arrays
        that do not fit the recorded architecture.
    """
    arrays, meta = read_weights_npz(path)
    if meta is None:
        raise ValueError(
            f"{path} has no architecture record: it was not written by `cnnbook train` "
            "(a file from Sequential.save must be loaded into a network you build yourself)"
        )
    arch = meta.get("architecture")
    try:
        if meta.get("format") != FORMAT:
            raise ValueError(f"format is {meta.get('format')!r}, expected {FORMAT!r}")
        if not isinstance(arch, dict) or set(arch) != set(ARCH_KEYS):
            raise ValueError(f"architecture must have the keys {list(ARCH_KEYS)}, got {arch!r}")
        net = book_cnn(**arch, dtype=np.float32)
        classes = meta.get("classes", [str(k) for k in range(arch["num_classes"])])
        if not (
            isinstance(classes, list)
            and len(classes) == arch["num_classes"]
            and all(isinstance(c, str) for c in classes)
        ):
            raise ValueError(
                f"classes must be a list of {arch['num_classes']} names, got {classes!r}"
            )
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path} has a damaged architecture record: {err}") from None
    try:
        net.load_state_dict(arrays, source="the file")
    except ValueError as err:
        c1, c2 = arch["channels"]
        side, bn = arch["image_size"], ", batchnorm" if arch["batchnorm"] else ""
        described = (
            f"{arch['in_channels']}×{side}×{side} input, channels ({c1}, {c2}), "
            f"{arch['num_classes']} classes{bn}"
        )
        raise ValueError(
            f"the weights in {path} do not fit the architecture recorded with them "
            f"({described}): {err}"
        ) from None
    return net.eval(), {**meta, "classes": classes}
