"""A sequential network: forward, backward, training, evaluation, saving."""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np

from .batchnorm import BatchNorm2D
from .checks import float_array, generator
from .checks import labels as check_labels
from .layers import Conv2D, Dense, Flatten, Layer, ReLU
from .losses import softmax, softmax_cross_entropy
from .optim import SGD, Adam, Optimizer
from .pooling import MaxPool2D

__all__ = ["BOOK_RECIPE", "Sequential", "book_cnn", "read_weights_npz", "train_book_cnn"]


def read_weights_npz(path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` weights file, read without pickle.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a readable ``.npz`` file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = Sequential(Dense(2, 1, rng=0)).save(folder / "w")
    >>> sorted(read_weights_npz(path))
    ['0.W', '0.b']
    >>> (folder / "notes.npz").write_text("not a zip archive")
    17
    >>> read_weights_npz(folder / "notes.npz")
    Traceback (most recent call last):
    ...
    ValueError: ... is not a readable .npz weights file: ...
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"{path} is not a readable .npz weights file: {err}") from None


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
        return softmax(self._batched(x, batch_size))

    def predict(self, x: np.ndarray, batch_size: int = 500) -> np.ndarray:
        """Most probable class for each input, in eval mode."""
        x = self.check_input(x)
        return self._batched(x, batch_size).argmax(axis=1)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 500) -> tuple[float, float]:
        """Mean cross-entropy and accuracy on ``(x, y)``, in eval mode."""
        x = self.check_input(x)
        logits = self._batched(x, batch_size)
        loss, _ = softmax_cross_entropy(logits, y)
        return loss, float(np.mean(logits.argmax(axis=1) == y))

    def check_input(self, x) -> np.ndarray:
        """Return ``x`` as a finite, non-empty batch in the network's dtype, or raise."""
        x = float_array(x, "x")
        if x.ndim < 2 or len(x) == 0:
            raise ValueError(f"x must be a non-empty batch of shape (N, ...), got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            bad = int(np.size(x) - np.count_nonzero(np.isfinite(x)))
            raise ValueError(f"x contains {bad} NaN or infinite values")
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
        progress=None,
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
            Evaluated after every epoch.
        rng : int or numpy.random.Generator, optional
            Seeds the shuffling, so runs repeat exactly.
        verbose : bool
            Print one line of metrics per epoch.
        progress : callable, optional
            Called as ``progress(epoch, batch, n_batches, loss)`` after every batch,
            for progress bars.
        lr_schedule : callable, optional
            ``lr_schedule(epoch)`` (epochs count from 1) returns the learning
            rate for that epoch; it is written into ``optimizer.lr``.

        Returns
        -------
        history : dict of lists
            Per epoch: ``"loss"`` and ``"accuracy"`` (running means over the
            epoch's batches), ``"val_loss"`` and ``"val_accuracy"`` if
            validation data were given, and ``"time"`` in seconds.
        """
        x = self.check_input(x)
        y = np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(
                f"y must have shape ({len(x)},) to match x of shape {x.shape}, got {y.shape}"
            )
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
        for name, v in (("epochs", epochs), ("batch_size", batch_size)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name} must be a positive int, got {v!r}")
        if validation_data is not None:
            x_val, y_val = validation_data
            x_val = self.check_input(x_val)
        # Check every label against the number of outputs before a step changes the weights.
        k = self._batched(x[:1], 1).shape[1]
        check_labels(y, len(x), k)
        if validation_data is not None:
            try:
                check_labels(y_val, len(x_val), k)
            except (TypeError, ValueError) as err:
                raise type(err)(f"validation_data: {err}") from None
        optimizer = optimizer or Adam(self.parameters(), lr=1e-3)
        rng = generator(rng)
        first = self.layers[0]
        history: dict[str, list[float]] = {"loss": [], "accuracy": [], "time": []}
        if validation_data is not None:
            history.update(val_loss=[], val_accuracy=[])
        n = len(x)
        n_batches = -(-n // batch_size)
        saved_flag = getattr(first, "input_grad", None)
        if saved_flag is not None:
            first.input_grad = False  # nobody needs dC/d(data) while training
        try:
            for epoch in range(1, epochs + 1):
                t0 = time.perf_counter()
                if lr_schedule is not None:
                    optimizer.lr = float(lr_schedule(epoch))
                self.train()
                order = rng.permutation(n)
                total_loss = 0.0
                correct = 0
                for b in range(n_batches):
                    idx = order[b * batch_size : (b + 1) * batch_size]
                    logits = self.forward(x[idx])
                    loss, dlogits = softmax_cross_entropy(logits, y[idx])
                    if not np.isfinite(loss):
                        raise FloatingPointError(
                            f"the loss became {loss} in epoch {epoch}, batch {b + 1}: "
                            "lower the learning rate"
                        )
                    self.backward(dlogits.astype(logits.dtype, copy=False))
                    optimizer.step()
                    total_loss += loss * len(idx)
                    correct += int(np.sum(logits.argmax(axis=1) == y[idx]))
                    if progress is not None:
                        progress(epoch, b + 1, n_batches, loss)
                history["loss"].append(total_loss / n)
                history["accuracy"].append(correct / n)
                line = (
                    f"epoch {epoch}/{epochs}: loss {total_loss / n:.4f}, accuracy {correct / n:.4f}"
                )
                if validation_data is not None:
                    vl, va = self.evaluate(x_val, y_val)
                    history["val_loss"].append(vl)
                    history["val_accuracy"].append(va)
                    line += f", val_loss {vl:.4f}, val_accuracy {va:.4f}"
                history["time"].append(time.perf_counter() - t0)
                if verbose:
                    print(f"{line} ({history['time'][-1]:.1f} s)", file=sys.stdout, flush=True)
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

    def save(self, path) -> Path:
        """Save the weights to an ``.npz`` file (no pickle)."""
        path = Path(path)
        if path.suffix != ".npz":
            path = (
                path.with_suffix(path.suffix + ".npz") if path.suffix else path.with_suffix(".npz")
            )
        np.savez(path, **self.state_dict())
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
        saved = read_weights_npz(path)
        expected = self.state_dict()
        missing = sorted(set(expected) - set(saved))
        extra = sorted(set(saved) - set(expected))
        if missing or extra:
            raise ValueError(
                f"{path} does not match this network: missing {missing or 'nothing'}, "
                f"unexpected {extra or 'nothing'}"
            )
        for key, value in expected.items():
            if saved[key].shape != value.shape:
                raise ValueError(
                    f"{path}: {key} has shape {saved[key].shape}, this network expects {value.shape}"
                )
        for i, layer in enumerate(self.layers):
            for store in (layer.params, layer.buffers):
                for name in store:
                    store[name][...] = saved[f"{i}.{name}"]
        return self

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


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

    Examples
    --------
    >>> net = book_cnn()
    >>> net.num_parameters()
    11274
    >>> import numpy as np
    >>> net.forward(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    if image_size % 4:
        raise ValueError(f"image_size must be divisible by 4 (two 2×2 poolings), got {image_size}")
    rng = generator(rng)
    c1, c2 = channels
    layers: list[Layer] = [Conv2D(in_channels, c1, 5, padding=2, rng=rng, dtype=dtype)]
    if batchnorm:
        layers.append(BatchNorm2D(c1, dtype=dtype))
    layers += [ReLU(), MaxPool2D(2), Conv2D(c1, c2, 5, padding=2, rng=rng, dtype=dtype)]
    if batchnorm:
        layers.append(BatchNorm2D(c2, dtype=dtype))
    side = image_size // 4
    layers += [
        ReLU(),
        MaxPool2D(2),
        Flatten(),
        Dense(c2 * side * side, num_classes, rng=rng, dtype=dtype),
    ]
    return Sequential(*layers)


def make_optimizer(name: str, parameters, lr: float, **kwargs) -> Optimizer:
    """Build an optimiser by name: ``"adam"`` or ``"sgd"``."""
    table = {"adam": Adam, "sgd": SGD}
    if name not in table:
        raise ValueError(f"optimizer must be one of {sorted(table)}, got {name!r}")
    return table[name](parameters, lr=lr, **kwargs)


#: The recipe that trains :func:`book_cnn` on the MNIST sample in the book and its tests.
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
    for path in folder.glob("book_cnn-*.npz"):
        if not path.name.startswith(current):
            path.unlink(missing_ok=True)


def train_book_cnn(
    data=None,
    *,
    batchnorm: bool = False,
    cache_dir=None,
    verbose: bool = False,
    progress=None,
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
    progress : callable, optional
        Passed on to :meth:`Sequential.fit`.
    **recipe
        Overrides of :data:`BOOK_RECIPE` (``epochs``, ``batch_size``, ``lr``,
        ``lr_decay``, ``seed``).

    Returns
    -------
    net : Sequential
        In eval mode.
    history : dict of lists
        As returned by :meth:`Sequential.fit`, with the test set as validation data.
    """
    from .data import load_mnist_sample

    unknown = set(recipe) - set(BOOK_RECIPE)
    if unknown:
        raise TypeError(
            f"unknown recipe keys {sorted(unknown)}; expected some of {sorted(BOOK_RECIPE)}"
        )
    r = {**BOOK_RECIPE, **recipe}
    data = load_mnist_sample(dtype=np.float32) if data is None else data
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
        if cache.is_file():
            net.load(cache)
            with np.load(cache.with_suffix(".history.npz"), allow_pickle=False) as h:
                return net.eval(), {k: h[k].tolist() for k in h.files}
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
        net.save(cache)
        np.savez(
            cache.with_suffix(".history.npz"), **{k: np.asarray(v) for k, v in history.items()}
        )
    return net.eval(), history
