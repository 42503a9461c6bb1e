"""Training figures: learning curves and the confusion matrix.

:func:`learning_curves` plots what :meth:`cnnbook.network.Sequential.fit`
returns, loss and accuracy per epoch; :func:`plot_confusion_matrix` draws the
counts of ``sklearn.metrics.confusion_matrix`` with each cell's count written
in. ``FIGURES`` maps a name to a zero-argument function that draws a
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

__all__ = ["FIGURES", "learning_curves", "plot_confusion_matrix"]


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


#: Name → zero-argument function drawing a representative figure of each helper.

FIGURES: dict[str, Callable[[], Figure]] = {
    "learning_curves": _fig_learning_curves,
    "confusion_matrix": _fig_confusion,
}
"""Name → zero-argument function drawing a representative figure of this module."""
