"""Training as an experiment: validation splits, runs over seeds, sweeps, and their error bars.

The training chapter makes every choice on a validation split carved from the
training images and touches the test set once. This module holds the pieces:

* :func:`validation_split` and :func:`stratified_subset` (scikit-learn's
  stratified, seeded ``train_test_split``);
* :class:`Setting`, one way of training (network, initialisation, optimiser,
  learning rate and schedule, epochs), and :func:`train_setting`, which runs it
  for one seed and evaluates the validation images after every epoch;
* :func:`compare` (several settings over several seeds) and :func:`lr_sweep`;
* :func:`mean_sd`, :func:`accuracy_interval` and :func:`per_class_recall`,
  the spread that goes with every number;
* :func:`cached_npz`, which stores a result as an ``.npz`` of numbers keyed on
  the package source, so that a rebuild does not run the experiment again.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split

from .atomic import atomic_write
from .baselines import matched_mlp
from .checks import choice, nonnegative_int, number, positive_int
from .dynamics import Probe, scaled_normal_init
from .network import book_cnn
from .optim import SGD, Adam

__all__ = [
    "Setting",
    "accuracy_interval",
    "cached_npz",
    "compare",
    "lr_sweep",
    "mean_sd",
    "paired_difference",
    "per_class_recall",
    "source_hash",
    "stratified_subset",
    "train_setting",
    "validation_split",
    "verdict",
]


def validation_split(x, y, val_size: float = 0.2, seed: int = 0):
    """Split ``(x, y)`` into training and validation parts with the same class proportions.

    Returns
    -------
    x_fit, y_fit, x_val, y_val : ndarray

    Examples
    --------
    >>> y = np.repeat(np.arange(4), 10)
    >>> _, y_fit, _, y_val = validation_split(np.zeros((40, 1)), y, val_size=0.2)
    >>> np.bincount(y_fit), np.bincount(y_val)
    (array([8, 8, 8, 8]), array([2, 2, 2, 2]))
    """
    val_size = number(val_size, "val_size", low=0, high=1, low_open=True, high_open=True)
    x_fit, x_val, y_fit, y_val = train_test_split(
        x, y, test_size=val_size, stratify=y, random_state=nonnegative_int(seed, "seed")
    )
    return x_fit, y_fit, x_val, y_val


def stratified_subset(x, y, n: int, seed: int = 0):
    """``n`` of the samples ``(x, y)``, drawn with the class proportions of ``y``.

    Examples
    --------
    >>> y = np.repeat(np.arange(3), 10)
    >>> _, y_small = stratified_subset(np.zeros((30, 1)), y, 9)
    >>> np.bincount(y_small)
    array([3, 3, 3])
    """
    n = positive_int(n, "n")
    if n >= len(y):
        raise ValueError(f"n must be smaller than the {len(y)} samples, got {n}")
    x_n, _, y_n, _ = train_test_split(
        x, y, train_size=n, stratify=y, random_state=nonnegative_int(seed, "seed")
    )
    return x_n, y_n


@dataclasses.dataclass(frozen=True)
class Setting:
    """One way of training the book's CNN (or the matched MLP) on the MNIST sample.

    Attributes
    ----------
    model : {"cnn", "mlp"}
        :func:`~cnnbook.network.book_cnn` or :func:`~cnnbook.baselines.matched_mlp`.
    batchnorm : bool
        The CNN with batch normalisation after each convolution.
    init_std : float or None
        None keeps He initialisation; a number redraws the weights as
        ``init_std * randn`` (:func:`~cnnbook.dynamics.scaled_normal_init`).
    optimizer : {"adam", "sgd"}
    lr, lr_decay : float
        Learning rate of epoch ``e`` is ``lr * lr_decay ** (e - 1)``.
    momentum : float
        For ``"sgd"`` only.
    epochs, batch_size : int
    """

    model: str = "cnn"
    batchnorm: bool = False
    init_std: float | None = None
    optimizer: str = "adam"
    lr: float = 2e-3
    lr_decay: float = 0.85
    momentum: float = 0.0
    epochs: int = 3
    batch_size: int = 32

    def __post_init__(self) -> None:
        choice(self.model, ("cnn", "mlp"), "model")
        choice(self.optimizer, ("adam", "sgd"), "optimizer")
        number(self.lr, "lr", low=0, low_open=True)
        number(self.lr_decay, "lr_decay", low=0, high=1, low_open=True)
        if self.init_std is not None:
            number(self.init_std, "init_std", low=0, low_open=True)
        if self.momentum and self.optimizer != "sgd":
            raise ValueError(f"momentum is an option of 'sgd', not of {self.optimizer!r}")
        positive_int(self.epochs, "epochs")
        positive_int(self.batch_size, "batch_size")

    def learning_rate(self, epoch: int) -> float:
        """:math:`\\eta_e = \\eta_0 \\gamma^{e-1}`, epochs counted from 1.

        Examples
        --------
        >>> Setting(lr=0.1, lr_decay=0.5).learning_rate(3)
        0.025
        """
        return self.lr * self.lr_decay ** (positive_int(epoch, "epoch") - 1)

    def build(self, seed: int):
        """The network and its optimiser, with initial weights drawn from ``seed``."""
        if self.model == "mlp":
            net = matched_mlp(book_cnn().num_parameters(), rng=seed)
        else:
            net = book_cnn(batchnorm=self.batchnorm, rng=seed)
        if self.init_std is not None:
            scaled_normal_init(net, self.init_std, rng=seed)
        if self.optimizer == "sgd":
            return net, SGD(net.parameters(), lr=self.lr, momentum=self.momentum)
        return net, Adam(net.parameters(), lr=self.lr)


def train_setting(
    setting: Setting,
    seed: int,
    x,
    y,
    x_val=None,
    y_val=None,
    *,
    on_epoch: Callable | None = None,
    probe: bool = False,
):
    """Train ``setting`` from ``seed`` and evaluate ``(x_val, y_val)``, if given, after every epoch.

    The run is :meth:`~cnnbook.network.Sequential.fit` one epoch at a time,
    with one shuffling generator for the whole run, so it takes the same steps
    as a single ``fit`` over all epochs.

    Parameters
    ----------
    on_epoch : callable, optional
        ``on_epoch(epoch, net)`` after each epoch, and once with epoch 0 before training.
    probe : bool
        Record every step with a :class:`~cnnbook.dynamics.Probe`.

    Returns
    -------
    net : Sequential
    history : dict of ndarray
        ``loss``, ``accuracy`` (running means over each epoch), ``val_loss``
        and ``val_accuracy`` per epoch if validation data were given, and the
        probe's records if ``probe``.

    Raises
    ------
    FloatingPointError
        If the training diverges (from :meth:`~cnnbook.network.Sequential.fit`).
    """
    net, optimizer = setting.build(seed)
    optimizer = Probe(optimizer) if probe else optimizer
    shuffle = np.random.default_rng(nonnegative_int(seed, "seed"))
    keys = (
        ("loss", "accuracy") if x_val is None else ("loss", "accuracy", "val_loss", "val_accuracy")
    )
    history: dict[str, list] = {key: [] for key in keys}
    if on_epoch is not None:
        on_epoch(0, net)
    for epoch in range(1, setting.epochs + 1):
        optimizer.lr = setting.learning_rate(epoch)
        h = net.fit(
            x, y, epochs=1, batch_size=setting.batch_size, optimizer=optimizer,
            rng=shuffle, verbose=False,
        )  # fmt: skip
        history["loss"].append(h["loss"][0])
        history["accuracy"].append(h["accuracy"][0])
        if x_val is not None:
            val_loss, val_acc = net.evaluate(x_val, y_val, batch_size=50)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_acc)
        if on_epoch is not None:
            on_epoch(epoch, net)
    out = {k: np.array(v, dtype=np.float64) for k, v in history.items()}
    if probe:
        out.update(optimizer.records())
    return net.eval(), out


def compare(settings: dict[str, Setting], seeds, x, y, x_val, y_val) -> dict[str, np.ndarray]:
    """Train every setting from every seed; per-epoch histories stacked over seeds.

    Returns
    -------
    dict
        ``"<label>/<key>"`` → array of shape (seeds, epochs), for the keys of
        :func:`train_setting`'s history.
    """
    out: dict[str, np.ndarray] = {}
    for label, setting in settings.items():
        runs = [train_setting(setting, s, x, y, x_val, y_val)[1] for s in seeds]
        for key in runs[0]:
            out[f"{label}/{key}"] = np.stack([r[key] for r in runs])
    return out


def lr_sweep(setting: Setting, lrs, seeds, x, y, x_val, y_val) -> dict[str, np.ndarray]:
    """Final losses and validation accuracy of ``setting`` at each learning rate and seed.

    A run *failed* if its loss stopped being finite (it overflowed), or if
    its network ended up *collapsed*, predicting one and the same class for
    every validation image: whatever it learned, it can no longer tell the
    classes apart.

    Returns
    -------
    dict
        ``lr`` (L,); ``loss`` (training, last epoch), ``val_loss``,
        ``val_accuracy`` of shape (L, seeds), NaN for a run that overflowed;
        ``overflowed`` and ``failed``, booleans of shape (L, seeds).
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    shape = (len(lrs), len(seeds))
    keys = ("loss", "val_loss", "val_accuracy")
    out = {"lr": lrs, **{k: np.full(shape, np.nan) for k in keys}}
    out["overflowed"] = np.zeros(shape, dtype=bool)
    out["failed"] = np.zeros(shape, dtype=bool)
    for i, lr in enumerate(lrs):
        for j, seed in enumerate(seeds):
            run = dataclasses.replace(setting, lr=float(lr))

            def collapsed(epoch, net, i=i, j=j, last=run.epochs):
                if epoch == last:
                    out["failed"][i, j] = len(np.unique(net.predict(x_val, batch_size=50))) == 1

            try:
                _, h = train_setting(run, seed, x, y, x_val, y_val, on_epoch=collapsed)
            except FloatingPointError:
                out["overflowed"][i, j] = out["failed"][i, j] = True
                continue
            for key in keys:
                out[key][i, j] = h[key][-1]
    return out


def mean_sd(a, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample standard deviation (``ddof=1``) over ``axis``, the seeds.

    Examples
    --------
    >>> mean_sd([1.0, 2.0, 3.0])
    (np.float64(2.0), np.float64(1.0))
    """
    a = np.asarray(a, dtype=np.float64)
    if a.shape[axis] < 2:
        raise ValueError(f"a spread needs at least 2 runs along axis {axis}, got {a.shape[axis]}")
    return a.mean(axis=axis), a.std(axis=axis, ddof=1)


def paired_difference(a, b) -> tuple[float, float]:
    """Mean and standard error of ``a - b`` over seeds, for runs paired by seed.

    Runs of two settings from the same seed start from the same weights and
    see the same batches, so their difference varies less than either run.

    Examples
    --------
    >>> paired_difference([0.9, 0.8, 0.7], [0.8, 0.8, 0.6])
    (0.0666..., 0.0333...)
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"a and b must hold one value per seed, at least 2, got shape {d.shape}")
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


def verdict(mean: float, se: float, z: float = 2.0) -> str:
    """``"higher"``, ``"lower"`` or ``"indistinguishable"``: is ``mean`` more than ``z`` standard errors from 0?

    The chapters glue the word into their sentences, so that a claim is worded
    by the numbers that support it.

    Examples
    --------
    >>> verdict(0.03, 0.01), verdict(-0.03, 0.01), verdict(0.01, 0.01)
    ('higher', 'lower', 'indistinguishable')
    """
    mean, se = number(mean, "mean"), number(se, "se", low=0)
    if abs(mean) <= z * se:
        return "indistinguishable"
    return "higher" if mean > 0 else "lower"


def accuracy_interval(correct: int, n: int, confidence: float = 0.95):
    """An accuracy with its standard error and a Wilson confidence interval.

    The standard error of a proportion :math:`p` measured on :math:`n`
    independent images is :math:`\\sqrt{p(1-p)/n}`; the interval is
    :meth:`scipy.stats.binomtest`'s Wilson score interval.

    Returns
    -------
    p, se, low, high : float

    Examples
    --------
    >>> p, se, lo, hi = accuracy_interval(90, 100)
    >>> p, round(se, 3)
    (0.9, 0.03)
    >>> bool(lo < 0.9 < hi)
    True
    """
    n = positive_int(n, "n")
    correct = nonnegative_int(correct, "correct")
    if correct > n:
        raise ValueError(f"correct must be at most n = {n}, got {correct}")
    p = correct / n
    ci = binomtest(correct, n).proportion_ci(confidence_level=confidence, method="wilson")
    return p, float(np.sqrt(p * (1 - p) / n)), float(ci.low), float(ci.high)


def per_class_recall(y_true, y_pred, num_classes: int):
    """Recall of each class (the fraction of its images classified correctly) with its standard error.

    Returns
    -------
    recall, se : ndarray, shape (num_classes,)
    count : ndarray of int, shape (num_classes,)
        Images of each class.

    Examples
    --------
    >>> recall, se, count = per_class_recall([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 1], 2)
    >>> recall, count
    (array([0.75, 1.  ]), array([4, 2]))
    """
    k = positive_int(num_classes, "num_classes")
    y_true = np.asarray(y_true)
    count = np.bincount(y_true, minlength=k)
    recall = recall_score(y_true, y_pred, labels=np.arange(k), average=None, zero_division=0)
    se = np.sqrt(recall * (1 - recall) / np.maximum(count, 1))
    return recall, se, count


def source_hash() -> str:
    """A hash of every ``.py`` file of the package, so that cached results never outlive the code."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def cached_npz(folder, name: str, key, compute: Callable[[], dict]) -> dict[str, np.ndarray]:
    """``compute()``'s dict of arrays, stored in ``folder`` and reused while ``key`` and the source hold.

    The file name holds ``name``, the package's :func:`source_hash` and a hash
    of ``repr(key)``; files of the same ``name`` with another source hash are
    deleted. The file is written to a temporary name and renamed, so a reader
    never sees half a file, and read without pickle.
    """
    folder = Path(folder)
    source = source_hash()
    digest = hashlib.sha256(repr(key).encode()).hexdigest()[:12]
    path = folder / f"{name}-{source}-{digest}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    result = {k: np.asarray(v) for k, v in compute().items()}
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{name}-*.npz"):
        if not old.name.startswith(f"{name}-{source}-"):
            old.unlink(missing_ok=True)
    with atomic_write(path) as f:
        np.savez(f, **result)
    return result
