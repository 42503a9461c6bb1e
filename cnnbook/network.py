"""A sequential network: forward, backward, training, evaluation, and its weights files.

A weights file is an ordinary ``.npz`` archive (never a pickle): one array per
parameter or buffer, keyed ``"<layer index>.<name>"`` as in
:meth:`Sequential.state_dict`, and optionally one more entry, ``"__cnnbook__"``,
a string holding a JSON record (:func:`cnnbook.recipe.save_weights` records
the architecture there).
Every file is written atomically (:func:`cnnbook.atomic.atomic_write`) and
read by one reader, :func:`read_weights_npz`, that checks every byte it uses.
"""

from __future__ import annotations

import json
import math
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from .atomic import atomic_write
from .batchnorm import BatchNorm2D
from .checks import float_array, float_dtype, generator, labels, positive_int
from .layers import Conv2D, Dense, Flatten, Layer, ReLU
from .losses import softmax, softmax_cross_entropy
from .optim import Adam, Optimizer
from .pooling import MaxPool2D

__all__ = ["MAX_PARAMETERS", "Sequential", "book_cnn", "read_weights_npz"]

META_KEY = "__cnnbook__"  # the npz entry holding a JSON record (see cnnbook.recipe)
#: The most numbers (parameters plus one image's activations) :func:`book_cnn` will allocate.
MAX_PARAMETERS = 50_000_000
_MAX_FILE_BYTES = 4 * MAX_PARAMETERS  # float32
# What zipfile, zlib and numpy's .npy header parser raise on damaged bytes.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)


class Sequential:
    """Layers applied one after another; gradients flow back in reverse order.

    Parameters
    ----------
    *layers : Layer

    Examples
    --------
    >>> import numpy as np
    >>> from cnnbook.layers import Dense, ReLU
    >>> net = Sequential(Dense(2, 3, rng=0), ReLU(), Dense(3, 2, rng=1))
    >>> net.forward(np.zeros((4, 2))).shape
    (4, 2)
    >>> [name for _, name in net.parameters()]
    ['W', 'b', 'W', 'b']
    """

    def __init__(self, *layers: Layer) -> None:
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layer {i} must be a cnnbook Layer, got {type(layer).__name__}")
        self.layers = list(layers)

    # -- the two passes ------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    __call__ = forward

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        """Run every layer's backward pass in reverse; return ``∂C/∂x``."""
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    # -- parameters and modes ------------------------------------------------
    def parameters(self) -> list[tuple[Layer, str]]:
        """``(layer, name)`` for every learnable array, in layer order."""
        return [(layer, name) for layer in self.layers for name in layer.params]

    def num_parameters(self) -> int:
        return sum(layer.params[name].size for layer, name in self.parameters())

    def train(self, mode: bool = True) -> Sequential:
        for layer in self.layers:
            layer.train(mode)
        return self

    def eval(self) -> Sequential:
        return self.train(False)

    @property
    def training(self) -> bool:
        return all(layer.training for layer in self.layers)

    def astype(self, dtype) -> Sequential:
        """Cast every parameter and buffer to float32 or float64, in place."""
        for layer in self.layers:
            layer.astype(dtype)
        return self

    @property
    def dtype(self) -> np.dtype:
        for layer, name in self.parameters():
            return layer.params[name].dtype
        return np.dtype(np.float64)

    # -- inference -----------------------------------------------------------
    def _batched(self, x: np.ndarray, batch_size: int) -> np.ndarray:
        was_training = [layer.training for layer in self.layers]
        self.eval()
        try:
            outs = [self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        finally:
            for layer, mode in zip(self.layers, was_training, strict=True):
                layer.train(mode)
        return np.concatenate(outs)

    def predict_proba(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Class probabilities, in eval mode, batch by batch."""
        x = self.check_input(x)
        return softmax(self._batched(x, positive_int(batch_size, "batch_size")))

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Most probable class for each input, in eval mode."""
        x = self.check_input(x)
        return self._batched(x, positive_int(batch_size, "batch_size")).argmax(axis=1)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> tuple[float, float]:
        """Mean cross-entropy and accuracy on ``(x, y)``, in eval mode."""
        x = self.check_input(x)
        logits = self._batched(x, positive_int(batch_size, "batch_size"))
        loss, _ = softmax_cross_entropy(logits, y)
        return loss, float(np.mean(logits.argmax(axis=1) == y))

    def check_input(self, x, name: str = "x") -> np.ndarray:
        """Return ``x`` as a finite, non-empty batch in the network's dtype, or raise."""
        x = float_array(x, name)
        if x.ndim < 2 or len(x) == 0:
            raise ValueError(
                f"{name} must be a non-empty batch of shape (N, ...), got shape {x.shape}"
            )
        if not np.all(np.isfinite(x)):
            bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
            raise ValueError(f"{name} contains {bad} NaN or infinite values")
        return x.astype(self.dtype, copy=False)

    # -- training ------------------------------------------------------------
    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        *,
        epochs: int = 1,
        batch_size: int = 64,
        optimizer: Optimizer | None = None,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        rng=None,
        verbose: bool = True,
        progress: bool = False,
        on_epoch=None,
        lr_schedule=None,
    ) -> dict[str, list[float]]:
        """Train with softmax cross-entropy on shuffled mini-batches.

        Parameters
        ----------
        x : ndarray, shape (N, ...)
            Inputs, cast to the network's dtype.
        y : ndarray of int, shape (N,)
            Class labels.
        epochs : int
        batch_size : int
        optimizer : Optimizer, optional
            Defaults to ``Adam(self.parameters(), lr=1e-3)``.
        validation_data : (x_val, y_val), optional
            Evaluated after every epoch; checked before the first.
        rng : int or numpy.random.Generator, optional
            Seeds the shuffling, so runs repeat exactly.
        verbose : bool
            Print one line of metrics per epoch.
        progress : bool
            Show a tqdm progress bar of each epoch's batches on stderr
            (only on a terminal).
        on_epoch : callable, optional
            Called as ``on_epoch(epoch, history)`` after every epoch (epochs
            count from 1), with the history so far.
        lr_schedule : callable, optional
            ``lr_schedule(epoch)`` returns the learning rate for that epoch;
            it is written into ``optimizer.lr``.

        Returns
        -------
        history : dict of lists
            Per epoch: ``"loss"`` and ``"accuracy"`` (running means over the
            epoch's batches), ``"val_loss"`` and ``"val_accuracy"`` if
            validation data were given, and ``"time"`` in seconds.

        Raises
        ------
        FloatingPointError
            If the loss or the weights stop being finite (the training
            diverged); the message names the epoch and the batch.
        """
        x = self.check_input(x)
        y = np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(
                f"y must have shape ({len(x)},) to match x of shape {x.shape}, got {y.shape}"
            )
        if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
        epochs = positive_int(epochs, "epochs")
        batch_size = positive_int(batch_size, "batch_size")
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"optimizer must be a cnnbook Optimizer, got {type(optimizer).__name__}"
            )
        for name, f in (("on_epoch", on_epoch), ("lr_schedule", lr_schedule)):
            if f is not None and not callable(f):
                raise TypeError(f"{name} must be callable, got {type(f).__name__}")
        # Check every label against the number of outputs before a step changes the weights.
        k = self._batched(x[:1], 1).shape[1]
        labels(y, len(x), k, "y")
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError("validation_data must be a pair (x_val, y_val)")
            x_val = self.check_input(validation_data[0], "validation_data x")
            if x_val.shape[1:] != x.shape[1:]:
                raise ValueError(
                    f"validation_data x has samples of shape {x_val.shape[1:]}, "
                    f"but x has {x.shape[1:]}"
                )
            y_val = labels(validation_data[1], len(x_val), k, "validation_data y")
        optimizer = optimizer or Adam(self.parameters(), lr=1e-3)
        rng = generator(rng)
        history: dict[str, list[float]] = {"loss": [], "accuracy": [], "time": []}
        if validation_data is not None:
            history.update(val_loss=[], val_accuracy=[])
        n = len(x)
        n_batches = -(-n // batch_size)
        first = self.layers[0]
        saved_flag = getattr(first, "input_grad", None)
        if saved_flag is not None:
            first.input_grad = False  # nobody needs dC/d(data) while training
        # Overflow is caught below as a non-finite loss or weights, with the
        # epoch and batch it happened in, instead of as a RuntimeWarning.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                for epoch in range(1, epochs + 1):
                    t0 = time.perf_counter()
                    if lr_schedule is not None:
                        optimizer.lr = lr_schedule(epoch)
                    self.train()
                    order = rng.permutation(n)
                    total_loss = 0.0
                    correct = 0
                    bar = tqdm(
                        range(n_batches),
                        desc=f"epoch {epoch}/{epochs}",
                        unit="batch",
                        leave=False,
                        file=sys.stderr,
                        disable=None if progress else True,  # None: off when not a terminal
                    )
                    for b in bar:
                        idx = order[b * batch_size : (b + 1) * batch_size]
                        logits = self.forward(x[idx])
                        loss, dlogits = softmax_cross_entropy(logits, y[idx])
                        if not math.isfinite(loss):
                            raise FloatingPointError(_diverged(f"the loss became {loss}", epoch, b))
                        self.backward(dlogits.astype(logits.dtype, copy=False))
                        optimizer.step()
                        total_loss += loss * len(idx)
                        correct += int(np.sum(logits.argmax(axis=1) == y[idx]))
                        bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
                    bar.close()
                    if not all(np.isfinite(v).all() for v in self.state_dict().values()):
                        raise FloatingPointError(_diverged("the weights became infinite", epoch, b))
                    history["loss"].append(total_loss / n)
                    history["accuracy"].append(correct / n)
                    line = f"epoch {epoch}/{epochs}: loss {total_loss / n:.4f}, accuracy {correct / n:.4f}"
                    if validation_data is not None:
                        vl, va = self.evaluate(x_val, y_val)
                        history["val_loss"].append(vl)
                        history["val_accuracy"].append(va)
                        line += f", val_loss {vl:.4f}, val_accuracy {va:.4f}"
                    history["time"].append(time.perf_counter() - t0)
                    if verbose:
                        print(f"{line} ({history['time'][-1]:.1f} s)", file=sys.stdout, flush=True)
                    if on_epoch is not None:
                        on_epoch(epoch, history)
            finally:
                if saved_flag is not None:
                    first.input_grad = saved_flag
        return history

    # -- saving and loading ----------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter and buffer, keyed ``"<layer index>.<name>"``."""
        state = {}
        for i, layer in enumerate(self.layers):
            for name, value in {**layer.params, **layer.buffers}.items():
                state[f"{i}.{name}"] = value
        return state

    def save(self, path, record: dict | None = None) -> Path:
        """Save the weights to an ``.npz`` file (no pickle), atomically.

        Parameters
        ----------
        path : path
            ``.npz`` is appended if missing. Parent folders are created.
        record : dict, optional
            JSON-serialisable facts stored with the weights
            (see :func:`cnnbook.recipe.save_weights`).

        Returns
        -------
        Path
            Where the file was written. A failed write leaves any previous
            file at that path as it was.
        """
        path = _npz_path(path)
        arrays = dict(self.state_dict())
        if record is not None:
            arrays[META_KEY] = np.array(json.dumps(record, allow_nan=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path) as f:
            np.savez(f, **arrays)
        return path

    def load(self, path) -> Sequential:
        """Load weights saved by :meth:`save` into this network's layers.

        Raises
        ------
        FileNotFoundError
            If the file does not exist.
        ValueError
            If the file is not a weights file of a network with this architecture.
        """
        arrays, _ = read_weights_npz(path)
        return self.load_state_dict(arrays, source=str(path))

    def load_state_dict(self, state: dict, source: str = "state") -> Sequential:
        """Copy ``state`` (as from :meth:`state_dict`) into the layers, after checking all of it.

        Raises
        ------
        ValueError
            If a key is missing or unexpected, or an array has the wrong shape,
            is not floating point, or holds NaN or infinity. Nothing is copied then.
        """
        expected = self.state_dict()
        missing = sorted(set(expected) - set(state))
        extra = sorted(set(state) - set(expected))
        if missing or extra:
            raise ValueError(
                f"{source} does not match this network: missing {missing or 'nothing'}, "
                f"unexpected {extra or 'nothing'}"
            )
        for key, value in expected.items():
            got = state[key]
            if not isinstance(got, np.ndarray) or got.shape != value.shape:
                raise ValueError(
                    f"{source}: {key} has shape {np.shape(got)}, this network expects {value.shape}"
                )
            if not np.issubdtype(got.dtype, np.floating):
                raise ValueError(f"{source}: {key} has dtype {got.dtype}, expected floats")
            if not np.isfinite(got).all():
                raise ValueError(f"{source}: {key} holds NaN or infinite values")
        for key, value in expected.items():
            value[...] = state[key]
        return self

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def _diverged(what: str, epoch: int, batch: int) -> str:
    return (
        f"training diverged: {what} in epoch {epoch}, batch {batch + 1}; try a lower learning rate"
    )


def book_cnn(
    in_channels: int = 1,
    image_size: int = 28,
    num_classes: int = 10,
    channels: tuple[int, int] = (8, 16),
    *,
    batchnorm: bool = False,
    rng=0,
    dtype=np.float32,
) -> Sequential:
    """The book's CNN: the source's architecture, scaled to the input size.

    ``[Conv 5×5 (pad 2) → (BatchNorm) → ReLU → MaxPool 2×2] × 2 → Flatten → Dense``,
    followed by softmax inside the loss.

    Parameters
    ----------
    in_channels : int
        1 for MNIST, 3 for CIFAR-10.
    image_size : int
        Height and width of the (square) input; must be divisible by 4.
    num_classes : int
    channels : (int, int)
        Filters in the two convolutional layers.
    batchnorm : bool
        Insert :class:`~cnnbook.batchnorm.BatchNorm2D` after each convolution.
    rng : int or numpy.random.Generator
        Seed for the initial weights.
    dtype : float32 or float64

    Raises
    ------
    TypeError, ValueError
        For arguments of the wrong kind or value, and for a network whose
        parameters and activations of one image would exceed
        :data:`MAX_PARAMETERS` numbers: checked before anything is allocated.

    Examples
    --------
    >>> net = book_cnn()
    >>> net.num_parameters()
    11274
    >>> import numpy as np
    >>> net.forward(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    >>> book_cnn(channels=(10**6, 10**6))
    Traceback (most recent call last):
        ...
    ValueError: book_cnn would hold 25,003,457,000,794 numbers (...), more than MAX_PARAMETERS = 50,000,000
    """
    in_channels = positive_int(in_channels, "in_channels")
    image_size = positive_int(image_size, "image_size")
    num_classes = positive_int(num_classes, "num_classes")
    if not isinstance(channels, (tuple, list)) or len(channels) != 2:
        raise TypeError(f"channels must be a pair of positive ints, got {channels!r}")
    c1, c2 = (positive_int(c, f"channels[{i}]") for i, c in enumerate(channels))
    if not isinstance(batchnorm, (bool, np.bool_)):
        raise TypeError(f"batchnorm must be a bool, got {batchnorm!r}")
    dtype = float_dtype(dtype)
    if image_size % 4:
        raise ValueError(f"image_size must be divisible by 4 (two 2×2 poolings), got {image_size}")
    side = image_size // 4
    weights = c1 * (in_channels * 25 + 1) + c2 * (c1 * 25 + 1) + (c2 * side**2 + 1) * num_classes
    activations = (in_channels + 3 * c1) * image_size**2 + 3 * c2 * (image_size // 2) ** 2
    if weights + activations > MAX_PARAMETERS:
        raise ValueError(
            f"book_cnn would hold {weights + activations:,} numbers (weights and one image's "
            f"activations), more than MAX_PARAMETERS = {MAX_PARAMETERS:,}"
        )
    rng = generator(rng)
    layers: list[Layer] = [Conv2D(in_channels, c1, 5, padding=2, rng=rng, dtype=dtype)]
    if batchnorm:
        layers.append(BatchNorm2D(c1, dtype=dtype))
    layers += [ReLU(), MaxPool2D(2), Conv2D(c1, c2, 5, padding=2, rng=rng, dtype=dtype)]
    if batchnorm:
        layers.append(BatchNorm2D(c2, dtype=dtype))
    layers += [
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(c2 * side * side, num_classes, rng=rng, dtype=dtype),
    ]
    return Sequential(*layers)


# ----------------------------------------------------------------------------
# Weights files
# ----------------------------------------------------------------------------
def _npz_path(path) -> Path:
    path = Path(path)
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def read_weights_npz(path) -> tuple[dict[str, np.ndarray], dict | None]:
    """Every array of an ``.npz`` weights file, and its JSON record, read without pickle.

    Each member's ``.npy`` header is read and checked against the bytes that
    follow it before any array is made, so a damaged file cannot ask for
    more memory than it holds.

    Returns
    -------
    arrays : dict of ndarray
    record : dict or None
        The record written with the weights, if any.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    PermissionError
        If the file cannot be read.
    ValueError
        If the file is not a complete, undamaged ``.npz`` archive of numeric
        arrays; the message names the file and what is wrong.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = Sequential(Dense(2, 1, rng=0)).save(folder / "w")
    >>> arrays, record = read_weights_npz(path)
    >>> sorted(arrays), record
    (['0.W', '0.b'], None)
    >>> (folder / "notes.npz").write_text("not a zip archive")
    17
    >>> read_weights_npz(folder / "notes.npz")
    Traceback (most recent call last):
    ...
    ValueError: ... is not a readable .npz weights file: it is not a zip archive (it starts with b'not a ')
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no weights file at {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a readable .npz weights file: it is not a file")
    with path.open("rb") as f:  # PermissionError names the file
        head = f.read(6)
    bad = f"{path} is not a readable .npz weights file"
    if head == b"\x93NUMPY":
        raise ValueError(f"{bad}: it is a single .npy array, not an .npz archive")
    if not head.startswith(b"PK"):
        raise ValueError(f"{bad}: it is not a zip archive (it starts with {head!r})")
    try:
        arrays = _read_npz_members(path)
    except _ZIP_ERRORS as err:
        raise ValueError(f"{bad}: {err}") from None
    text = arrays.pop(META_KEY, None)
    try:
        record = None if text is None else json.loads(str(text))
    except ValueError as err:
        raise ValueError(f"{path} has a damaged architecture record: not JSON ({err})") from None
    if record is not None and not isinstance(record, dict):
        raise ValueError(f"{path} has a damaged architecture record: not a JSON object")
    return arrays, record


def _read_npz_members(path: Path) -> dict[str, np.ndarray]:
    """The arrays of a zip of ``.npy`` files, each header checked against its data."""
    fmt = np.lib.format
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        total = sum(info.file_size for info in infos)
        if total > _MAX_FILE_BYTES:
            raise ValueError(f"it unpacks to {total:,} bytes, more than {_MAX_FILE_BYTES:,}")
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ValueError(f"member {info.filename!r} is not a .npy array")
            with archive.open(info) as f:
                version = fmt.read_magic(f)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"member {info.filename!r} has .npy version {version}")
                read_header = (
                    fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                )
                shape, fortran, dtype = read_header(f)
                if dtype.hasobject:
                    raise ValueError(f"member {info.filename!r} holds Python objects (a pickle)")
                data = f.read()
            if len(data) != math.prod(shape) * dtype.itemsize:
                raise ValueError(
                    f"member {info.filename!r} has {len(data)} bytes of data for shape "
                    f"{shape} of {dtype}"
                )
            order = "F" if fortran else "C"
            arrays[info.filename[:-4]] = (
                np.frombuffer(data, dtype).reshape(shape, order=order).copy()
            )
    return arrays
