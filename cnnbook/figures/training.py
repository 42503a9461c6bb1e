"""Training figures: learning curves, the confusion matrix, and the training experiments.

:func:`learning_curves` plots what :meth:`cnnbook.network.Sequential.fit`
returns, loss and accuracy per epoch; :func:`plot_confusion_matrix` draws the
counts of ``sklearn.metrics.confusion_matrix`` with each cell's count written
in. The figures of :mod:`cnnbook.experiments` follow: :func:`seed_bands`
(mean ± sd over seeds per epoch), :func:`lr_sweep_plot`,
:func:`step_dynamics` (per-layer gradient norms and update-to-weight ratios),
:func:`filter_snapshots` and :func:`recall_plot`. They are drawn for phones as
well as desktops: panels stacked in rows rather than a wide strip, and large
text, so that a 390 px screen, which shrinks a figure to about half, leaves it
readable. ``FIGURES`` maps a name to a zero-argument function that draws a
representative figure from seeded synthetic data; the tests render each one
twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter
from sklearn.metrics import confusion_matrix

from ..plotting_style import MIN_FONT_SIZE
from ._draw import COLUMN_WIDTH, style_colorbar

__all__ = [
    "FIGURES",
    "filter_snapshots",
    "learning_curves",
    "lr_sweep_plot",
    "plot_confusion_matrix",
    "recall_plot",
    "seed_bands",
    "step_dynamics",
]


def _check_history(h: Mapping, name: str) -> int:
    for key in ("loss", "accuracy"):
        if key not in h:
            raise ValueError(f"{name} must have a {key!r} list (as returned by Sequential.fit)")
    n = len(h["loss"])
    for key in ("accuracy", "val_loss", "val_accuracy"):
        if key in h and len(h[key]) != n:
            raise ValueError(f"{name}[{key!r}] has {len(h[key])} epochs but 'loss' has {n}")
    if n == 0:
        raise ValueError(f"{name} holds no epochs")
    return n


def learning_curves(
    history: Mapping, *, val_label: str = "test", title: str | None = None
) -> Figure:
    """Plot the loss and the accuracy per epoch, in two panels.

    Parameters
    ----------
    history : dict
        What :meth:`cnnbook.network.Sequential.fit` returns: lists ``"loss"``
        and ``"accuracy"`` (training, solid lines) and optionally
        ``"val_loss"`` and ``"val_accuracy"`` (held-out data, dashed lines).
        Or a dict of such histories keyed by a run name, to compare runs (one
        colour per run).
    val_label : str
        What the held-out data are called in the legend.
    title : str, optional

    Returns
    -------
    Figure
        Two axes, titled ``"loss"`` and ``"accuracy"``; epochs count from 1.

    Examples
    --------
    >>> h = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.75, 0.875],
    ...      "val_loss": [0.9, 0.6, 0.5], "val_accuracy": [0.6, 0.7, 0.8]}
    >>> fig = learning_curves(h)
    >>> [ax.get_title() for ax in fig.axes], [len(ax.lines) for ax in fig.axes]
    (['loss', 'accuracy'], [2, 2])
    >>> fig.axes[0].lines[0].get_xydata()
    array([[1.  , 1.  ],
           [2.  , 0.5 ],
           [3.  , 0.25]])
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict, got {type(history).__name__}")
    runs = {"": history} if "loss" in history else dict(history)
    if not runs:
        raise ValueError("history is empty")
    for name, h in runs.items():
        if not isinstance(h, Mapping):
            raise TypeError(
                "history must be a dict with 'loss' and 'accuracy' lists, or a dict of such "
                f"dicts; got {type(h).__name__} under {name!r}"
            )
        _check_history(h, f"history[{name!r}]" if name else "history")
    fig = Figure(figsize=(COLUMN_WIDTH, 2.8), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colours = [f"C{i}" for i in range(10)]
    for i, (name, h) in enumerate(runs.items()):
        epochs = np.arange(1, len(h["loss"]) + 1)
        prefix = f"{name}, " if name else ""
        style = {"color": colours[i % 10], "marker": "o", "markersize": 3}
        for ax, key in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            ax.plot(epochs, h[key], "-", label=f"{prefix}train", **style)
            if f"val_{key}" in h:
                ax.plot(epochs, h[f"val_{key}"], "--", label=f"{prefix}{val_label}", **style)
    ax_loss.set(title="loss", xlabel="epoch", ylabel="cross-entropy")
    ax_acc.set(title="accuracy", xlabel="epoch", ylabel="accuracy")
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    for ax in (ax_loss, ax_acc):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.legend(frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def plot_confusion_matrix(
    counts,
    classes: Sequence[str] | None = None,
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """Draw a confusion matrix with its counts in the cells.

    Parameters
    ----------
    counts : ndarray of int, shape (K, K)
        From ``sklearn.metrics.confusion_matrix``: rows are true classes, columns
        predicted.
    classes : sequence of str, optional
        Class names, by default ``"0"`` … ``"K-1"``.
    normalize : bool
        Colour each row by the fraction of its class (the per-class recall on
        the diagonal), so that small classes show their errors as clearly as
        large ones; the cells still print counts.
    title : str, optional
        By default the overall accuracy, ``trace / total``.

    Returns
    -------
    Figure
        One matrix axes (one text per cell, row by row) and a colour bar.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([[1, 1], [0, 2]])
    >>> fig = plot_confusion_matrix(counts, ["cat", "dog"])
    >>> ax = fig.axes[0]
    >>> [t.get_text() for t in ax.texts], ax.get_title()
    (['1', '1', '0', '2'], 'accuracy 75.0 %')
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['cat', 'dog'], 'true class')
    """
    c = np.asarray(counts)
    if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] == 0:
        raise ValueError(f"counts must be a square (K, K) matrix, got shape {c.shape}")
    if not np.issubdtype(c.dtype, np.integer) or c.min() < 0:
        raise ValueError("counts must hold non-negative integer counts")
    K = c.shape[0]
    classes = [str(k) for k in range(K)] if classes is None else [str(n) for n in classes]
    if len(classes) != K:
        raise ValueError(f"classes must have {K} names, one per row of counts, got {len(classes)}")
    total = int(c.sum())
    rows = c.sum(axis=1, keepdims=True)
    shown = c / np.maximum(rows, 1) if normalize else c
    side = float(np.clip(0.42 * K + 1.6, 3.0, 5.6))
    fig = Figure(figsize=(side + 0.8, side), layout="constrained")
    ax = fig.subplots()
    im = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else max(int(c.max()), 1))
    cb = fig.colorbar(im, ax=ax, shrink=0.85)
    style_colorbar(cb, "fraction of the true class" if normalize else "count")
    threshold = (1.0 if normalize else max(int(c.max()), 1)) / 2
    for i in range(K):
        for j in range(K):
            colour = "white" if shown[i, j] > threshold else "black"
            ax.text(
                j, i, str(c[i, j]), ha="center", va="center", color=colour, fontsize=MIN_FONT_SIZE
            )
    ax.set_xticks(
        range(K),
        classes,
        rotation=45 if max(map(len, classes)) > 2 else 0,
        ha="right" if max(map(len, classes)) > 2 else "center",
    )
    ax.set_yticks(range(K), classes)
    ax.tick_params(length=0)
    ax.set(xlabel="predicted class", ylabel="true class")
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title is None:
        title = f"accuracy {100 * np.trace(c) / total:.1f} %" if total else "no samples"
    ax.set_title(title)
    return fig


# ----------------------------------------------------------------------------
# The experiments: bands over seeds, a sweep, step dynamics, filters, recall
# ----------------------------------------------------------------------------
WIDTH = 5.6  # inches: 560 px at the book's 100 dpi, so a phone shrinks it less than a full column
FONT = 13  # points: about 7 on a 390 px screen


def _large(ax) -> None:
    ax.tick_params(labelsize=FONT - 1)
    ax.xaxis.label.set_size(FONT)
    ax.yaxis.label.set_size(FONT)
    ax.title.set_size(FONT)


def seed_bands(
    runs: Mapping[str, Mapping[str, np.ndarray]],
    keys: Sequence[str] = ("val_loss", "val_accuracy"),
    *,
    ylabels: Sequence[str] = ("validation loss", "validation accuracy"),
) -> Figure:
    """One row per key: the mean over seeds per epoch, with a band of ± one standard deviation.

    Parameters
    ----------
    runs : dict
        Label → dict of arrays of shape (seeds, epochs), as :func:`cnnbook.experiments.compare`
        returns them once split by label.
    keys : sequence of str
        The history keys to plot, one row each; a key holding ``"accuracy"`` is
        drawn in percent.

    Examples
    --------
    >>> a = np.array([[0.5, 0.7], [0.7, 0.9]])
    >>> fig = seed_bands({"x": {"val_accuracy": a}}, ["val_accuracy"], ylabels=["acc"])
    >>> fig.axes[0].lines[0].get_ydata()
    array([0.6, 0.8])
    """
    if len(keys) != len(ylabels):
        raise ValueError(f"keys and ylabels must match, got {len(keys)} and {len(ylabels)}")
    if not runs:
        raise ValueError("runs is empty")
    fig = Figure(figsize=(WIDTH, 2.6 * len(keys) + 0.8), layout="constrained")
    axes = fig.subplots(len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for i, (label, h) in enumerate(runs.items()):
        for ax, key in zip(axes, keys, strict=True):
            a = np.asarray(h[key], dtype=np.float64)
            if a.ndim != 2 or len(a) < 2:
                raise ValueError(
                    f"runs[{label!r}][{key!r}] must be (seeds >= 2, epochs), got {a.shape}"
                )
            mean, sd = a.mean(axis=0), a.std(axis=0, ddof=1)
            epochs = np.arange(1, a.shape[1] + 1)
            ax.plot(epochs, mean, "-o", color=f"C{i}", markersize=4, label=label)
            ax.fill_between(epochs, mean - sd, mean + sd, color=f"C{i}", alpha=0.2, linewidth=0)
    for ax, key, ylabel in zip(axes, keys, ylabels, strict=True):
        ax.set_ylabel(ylabel)
        if "accuracy" in key:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        _large(ax)
    axes[-1].set_xlabel("epoch")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(3, len(runs)), fontsize=FONT - 1,
               frameon=False)  # fmt: skip
    return fig


def lr_sweep_plot(sweep: Mapping[str, np.ndarray], *, chosen: float | None = None) -> Figure:
    """Final validation accuracy against the learning rate, mean ± sd over seeds, log axis.

    Runs that failed (see :func:`cnnbook.experiments.lr_sweep`) are drawn as
    red crosses at their accuracy (at 0 if their loss overflowed); the line
    joins the means of the learning rates at which no seed failed.

    Examples
    --------
    >>> s = {"lr": np.array([1e-3, 1e-2]), "val_accuracy": np.array([[0.5, 0.7], [np.nan, np.nan]]),
    ...      "failed": np.array([[False, False], [True, True]])}
    >>> fig = lr_sweep_plot(s)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    lr = np.asarray(sweep["lr"], dtype=np.float64)
    acc = np.asarray(sweep["val_accuracy"], dtype=np.float64)
    failed = np.asarray(sweep["failed"], dtype=bool).any(axis=1)
    fig = Figure(figsize=(WIDTH, 3.6), layout="constrained")
    ax = fig.subplots()
    ok = ~failed
    if ok.any():
        mean = acc[ok].mean(axis=1)
        sd = acc[ok].std(axis=1, ddof=1)
        ax.errorbar(lr[ok], mean, yerr=sd, fmt="-o", color="C0", capsize=4, markersize=5,
                    label="mean ± sd over seeds")  # fmt: skip
    bad = np.asarray(sweep["failed"], dtype=bool)
    if bad.any():
        rows, _ = np.nonzero(bad)
        ax.plot(lr[rows], np.nan_to_num(acc[bad], nan=0.0), "x", color="C3", markersize=10,
                markeredgewidth=2, label="failed runs")  # fmt: skip
    if chosen is not None:
        ax.axvline(chosen, color="0.4", linestyle=":", label="the recipe's rate")
    ax.set(
        xscale="log",
        xlabel="learning rate $\\eta_0$",
        ylabel="validation accuracy",
        ylim=(-0.04, 1.0),
    )
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.legend(fontsize=FONT - 2, loc="upper left", frameon=False)
    _large(ax)
    return fig


def step_dynamics(
    records: Mapping[str, np.ndarray],
    labels: Sequence[str],
    *,
    steps_per_epoch: int,
    window: int = 20,
) -> Figure:
    """Two rows over the training steps: each array's gradient norm, and its update-to-weight ratio.

    Parameters
    ----------
    records : dict
        ``grad_norms`` and ``update_ratios`` of shape (steps, P), as
        :meth:`cnnbook.dynamics.Probe.records` returns them.
    labels : sequence of str
        One name per column; every column is drawn, so pass only the ones to show.
    steps_per_epoch : int
        The x axis counts epochs.
    window : int
        Curves are running means over this many steps (the raw values are noisy).
    """
    g = np.asarray(records["grad_norms"], dtype=np.float64)
    r = np.asarray(records["update_ratios"], dtype=np.float64)
    if g.shape != r.shape or g.ndim != 2 or g.shape[1] != len(labels):
        raise ValueError(
            f"records must be two (steps, {len(labels)}) arrays, got {g.shape} and {r.shape}"
        )
    if len(g) < window:
        raise ValueError(f"need at least window = {window} steps, got {len(g)}")
    kernel = np.ones(window) / window
    x = (np.arange(window - 1, len(g)) + 1) / steps_per_epoch
    fig = Figure(figsize=(WIDTH, 6.2), layout="constrained")
    ax_g, ax_r = fig.subplots(2, 1, sharex=True)
    for j, label in enumerate(labels):
        for ax, a in ((ax_g, g[:, j]), (ax_r, r[:, j])):
            ax.plot(x, np.convolve(a, kernel, mode="valid"), color=f"C{j}", label=label)
    ax_g.set(yscale="log", ylabel="gradient norm")
    ax_r.set(yscale="log", ylabel="update / weight", xlabel="epoch")
    for ax in (ax_g, ax_r):
        _large(ax)
    handles, names = ax_g.get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncols=min(3, len(labels)), fontsize=FONT - 1,
               frameon=False)  # fmt: skip
    return fig


def filter_snapshots(snapshots: np.ndarray, epochs: Sequence[int]) -> Figure:
    """First-layer filters over training: one row per snapshot, one column per filter.

    Parameters
    ----------
    snapshots : ndarray, shape (S, C_out, 1, K_h, K_w)
        The first convolution's ``W`` at ``S`` moments of training.
    epochs : sequence of int
        The epoch of each snapshot (0 = before training), written at the row's left.

    Each filter is drawn on its own symmetric colour scale (``RdBu_r``, white = 0),
    so that its shape shows whatever its size.
    """
    w = np.asarray(snapshots, dtype=np.float64)
    if w.ndim != 5 or w.shape[2] != 1 or len(epochs) != len(w):
        raise ValueError(
            f"snapshots must be (S, C_out, 1, K_h, K_w) with S = len(epochs), got {w.shape}"
        )
    s, c = w.shape[:2]
    fig = Figure(figsize=(WIDTH, WIDTH * s / c * 0.95 + 0.3), layout="constrained")
    axes = fig.subplots(s, c, squeeze=False)
    for i in range(s):
        for j in range(c):
            ax, f = axes[i, j], w[i, j, 0]
            peak = float(np.abs(f).max()) or 1.0
            ax.imshow(f, cmap="RdBu_r", vmin=-peak, vmax=peak)
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[i, 0].set_ylabel(
            f"epoch {epochs[i]}", fontsize=FONT - 1, rotation=0, ha="right", va="center"
        )
    return fig


def recall_plot(recall: np.ndarray, se: np.ndarray) -> Figure:
    """Per-class recall with error bars of ± two standard errors, one row per class.

    Examples
    --------
    >>> fig = recall_plot(np.array([0.9, 0.95]), np.array([0.03, 0.02]))
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['0', '1']
    """
    recall, se = np.asarray(recall, dtype=np.float64), np.asarray(se, dtype=np.float64)
    if recall.shape != se.shape or recall.ndim != 1:
        raise ValueError(
            f"recall and se must be 1-d of one shape, got {recall.shape} and {se.shape}"
        )
    k = len(recall)
    fig = Figure(figsize=(WIDTH, 0.42 * k + 1.1), layout="constrained")
    ax = fig.subplots()
    y = np.arange(k)
    ax.errorbar(recall, y, xerr=2 * se, fmt="o", color="C0", capsize=4, markersize=6)
    ax.axvline(recall.mean(), color="0.5", linestyle=":")
    ax.set_yticks(y, [str(i) for i in y])
    ax.invert_yaxis()
    ax.set(xlabel="recall (± 2 standard errors)", ylabel="digit")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    _large(ax)
    return fig


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _fig_learning_curves() -> Figure:
    e = np.arange(1, 9)
    h = {
        "loss": list(1.2 * 0.6**e + 0.05),
        "accuracy": list(1 - 0.5 * 0.6**e),
        "val_loss": list(1.0 * 0.65**e + 0.1),
        "val_accuracy": list(0.97 - 0.45 * 0.65**e),
    }
    return learning_curves(h, title="Synthetic run")


def _fig_confusion() -> Figure:
    rng = np.random.default_rng(12)
    y = np.repeat(np.arange(10), 30)
    wrong = rng.random(y.size) < 0.15
    pred = np.where(wrong, rng.integers(0, 10, y.size), y)
    return plot_confusion_matrix(confusion_matrix(y, pred, labels=np.arange(10)))


def _fig_seed_bands() -> Figure:
    rng = np.random.default_rng(3)
    e = np.arange(1, 5)
    runs = {
        name: {
            "val_loss": scale * 0.6**e + 0.05 * rng.random((5, 4)),
            "val_accuracy": 1 - 0.5 * scale * 0.6**e - 0.02 * rng.random((5, 4)),
        }
        for name, scale in (("plain", 1.0), ("batch norm", 0.8))
    }
    return seed_bands(runs)


def _fig_lr_sweep() -> Figure:
    rng = np.random.default_rng(4)
    lr = np.logspace(-4, 0, 5)
    acc = np.clip(0.9 - 0.1 * np.log10(lr / 1e-2) ** 2, 0.1, 1)[:, None] + 0.02 * rng.random((5, 3))
    failed = np.zeros((5, 3), dtype=bool)
    failed[-1] = True
    acc[failed] = np.nan
    return lr_sweep_plot({"lr": lr, "val_accuracy": acc, "failed": failed}, chosen=2e-3)


def _fig_dynamics() -> Figure:
    rng = np.random.default_rng(5)
    steps = np.arange(1, 201)[:, None]
    g = np.exp(-steps / 100) * (1 + 0.3 * rng.random((200, 3))) * [1.0, 0.5, 0.2]
    return step_dynamics({"grad_norms": g, "update_ratios": g / 100}, ["conv1", "conv2", "dense"],
                         steps_per_epoch=50)  # fmt: skip


def _fig_filters() -> Figure:
    rng = np.random.default_rng(6)
    return filter_snapshots(rng.standard_normal((3, 8, 1, 5, 5)), [0, 1, 5])


def _fig_recall() -> Figure:
    rng = np.random.default_rng(7)
    r = 0.9 + 0.09 * rng.random(10)
    return recall_plot(r, np.sqrt(r * (1 - r) / 100))


FIGURES: dict[str, Callable[[], Figure]] = {
    "learning_curves": _fig_learning_curves,
    "confusion_matrix": _fig_confusion,
    "seed_bands": _fig_seed_bands,
    "lr_sweep_plot": _fig_lr_sweep,
    "step_dynamics": _fig_dynamics,
    "filter_snapshots": _fig_filters,
    "recall_plot": _fig_recall,
}
"""Name → zero-argument function drawing a representative figure of this module."""
