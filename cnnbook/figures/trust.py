"""Figures for judging explanations: measured curves with their spread, and the deconvnet drawn.

:func:`curves` draws mean curves with a band of one standard error, one
panel per row so that a phone shows each at full width: deletion and
insertion curves (:mod:`cnnbook.faithfulness`), objective curves of
activation maximisation (:mod:`cnnbook.maximize`), similarity through
cascading randomisation (:mod:`cnnbook.sanity`), accuracy against shift
(:mod:`cnnbook.equivariance`). :func:`deconvnet_diagram` draws Zeiler and
Fergus's deconvnet next to the network it inverts: the forward path with its
switches, and the backward path that reuses them. ``FIGURES`` maps a name to
a zero-argument function that draws a representative figure from small
seeded arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from ..checks import float_array
from ._draw import PALETTE, canvas, cell_table, light, outline

__all__ = ["FIGURES", "curves", "deconvnet_diagram"]

_MARKERS = "osD^vP*X"


def curves(
    x,
    panels: Mapping[str, Mapping[str, np.ndarray]],
    *,
    xlabel: str,
    ylabel: str,
    xticklabels: Sequence[str] | None = None,
    ylim: tuple[float, float] | None = None,
    suptitle: str | None = None,
    legend: str = "first",
    panel_height: float = 2.4,
    width: float = 5.6,
) -> Figure:
    """Mean curves with a band of ± one standard error, one panel per row.

    Parameters
    ----------
    x : ndarray, shape (S,)
        The horizontal positions, shared by every curve.
    panels : mapping of str to mapping of str to ndarray
        Panel title → {curve label → values}. Values of shape ``(N, S)`` are
        ``N`` measurements (images, seeds), drawn as their mean with a band of
        :math:`\\pm\\,\\text{sd} / \\sqrt{N}`; shape ``(S,)`` is one curve, no band.
    xlabel, ylabel : str
    xticklabels : sequence of str, optional
        Names for the positions of ``x`` (stages, say) instead of numbers.
    ylim : (float, float), optional
    suptitle : str, optional
    legend : {"first", "last", "each"}
        A legend in the first or the last panel only (the same curves in every
        panel; choose the one with room), or in each.
    panel_height : float
        Inches per panel.
    width : float
        Inches; narrower than the text column by default, so that the text
        stays legible when a phone shrinks the figure to its width.

    Returns
    -------
    Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = curves(np.arange(3), {"a": {"m": np.array([[0., 1., 2.], [2., 3., 4.]])}},
    ...              xlabel="x", ylabel="y")
    >>> [float(v) for v in fig.axes[0].lines[0].get_ydata()]
    [1.0, 2.0, 3.0]
    """
    x = float_array(x, "x", 1)
    if not panels:
        raise ValueError("panels must hold at least one panel")
    if legend not in ("first", "last", "each"):
        raise ValueError(f"legend must be 'first', 'last' or 'each', got {legend!r}")
    fig = Figure(figsize=(width, panel_height * len(panels) + 0.3), layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for k, (ax, (title, lines)) in enumerate(zip(axes, panels.items(), strict=True)):
        for i, (label, values) in enumerate(lines.items()):
            v = float_array(values, f"panels[{title!r}][{label!r}]")
            if v.shape[-1] != len(x) or v.ndim not in (1, 2):
                raise ValueError(
                    f"{label!r} must have shape (S,) or (N, S) with S = {len(x)}, got {v.shape}"
                )
            color = PALETTE[i % len(PALETTE)]
            mean = v if v.ndim == 1 else v.mean(axis=0)
            marker = _MARKERS[i % len(_MARKERS)] if len(x) <= 12 else None
            ax.plot(x, mean, color=color, marker=marker, markersize=5, linewidth=1.6, label=label)
            if v.ndim == 2 and len(v) > 1:
                se = v.std(axis=0, ddof=1) / np.sqrt(len(v))
                ax.fill_between(x, mean - se, mean + se, color=color, alpha=0.2, linewidth=0)
        ax.set_title(title, fontsize=12)
        ax.set_ylabel(ylabel, fontsize=12)
        ax.tick_params(labelsize=11)
        if ylim is not None:
            ax.set_ylim(*ylim)
        if xticklabels is not None:
            ax.set_xticks(x, list(xticklabels))
        ax.grid(True, linewidth=0.4, alpha=0.5)
        if legend == "each" or k == {"first": 0, "last": len(panels) - 1}.get(legend):
            ax.legend(frameon=False, fontsize=11, ncols=2 if len(lines) > 4 else 1)
    axes[-1].set_xlabel(xlabel, fontsize=12)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def _box(ax, x, y, text, color, w=2.3, h=1.3, fontsize=12.5):
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.05,rounding_size=0.2",
            facecolor=light(color, 0.7),
            edgecolor=color,
            linewidth=1.6,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize)


def _arrow(ax, p, q, color="0.25", ls="-", lw=1.6, rad=0.0):
    ax.add_patch(
        FancyArrowPatch(
            p,
            q,
            arrowstyle="-|>",
            mutation_scale=16,
            color=color,
            linewidth=lw,
            linestyle=ls,
            connectionstyle=f"arc3,rad={rad}",
            shrinkA=0,
            shrinkB=0,
        )
    )


def deconvnet_diagram() -> Figure:
    """Zeiler and Fergus's deconvnet drawn beside the block it inverts, with a worked pooling.

    The top row is one convolutional block going forward (convolve, rectify,
    max-pool), the max pooling recording its *switches*; the bottom row is
    the deconvnet going back in the reverse order (unpool through the
    switches, rectify the signal, filter with the transposed kernels). Below,
    a 4 × 4 map is pooled, its switches marked, and a signal is unpooled
    through them.

    Returns
    -------
    Figure

    Examples
    --------
    >>> fig = deconvnet_diagram()
    >>> len(fig.axes)
    2
    """
    fig = Figure(figsize=(5.6, 5.6), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=[1.25, 1])
    canvas(top, -0.2, 14.4, -0.1, 6.1)
    fwd, back = PALETTE[4], PALETTE[5]
    xs = [1.2, 4.3, 7.1, 10.0, 13.0]
    fwd_text = ["image\n$x$", "convolve\n$W \\star$", "ReLU", "max pool", "feature\nmaps $a$"]
    back_text = [
        "projection\nin pixels",
        "filter\n$W^\\top$",
        "ReLU on\nthe signal",
        "unpool",
        "one map\nkept",
    ]
    top.text(0.0, 0.3, "forward", fontsize=13, color=fwd, weight="bold", va="center")
    top.text(0.0, 5.8, "backward (deconvnet)", fontsize=13, color=back, weight="bold", va="center")
    for i, x in enumerate(xs):
        _box(top, x, 1.6, fwd_text[i], fwd, w=2.4 if i in (1, 4) else 2.2)
        _box(top, x, 4.4, back_text[i], back, w=2.4 if i in (0, 4) else 2.2)
    for a, b in pairwise(xs):
        _arrow(top, (a + 1.15, 1.6), (b - 1.15, 1.6), color=fwd)
        _arrow(top, (b - 1.15, 4.4), (a + 1.15, 4.4), color=back)
    _arrow(top, (xs[-1], 2.2), (xs[-1], 3.8), color="0.35")
    _arrow(top, (xs[3], 2.2), (xs[3], 3.8), color="0.1", ls="--", lw=2.0)
    top.text(xs[3] + 0.15, 3.0, "switches", fontsize=12, va="center", ha="left", style="italic")
    _arrow(top, (xs[1], 2.2), (xs[1], 3.8), color="0.5", ls=":", lw=1.4)
    top.text(xs[1] + 0.15, 3.0, "same $W$", fontsize=12, va="center", ha="left", style="italic")

    canvas(bottom, -0.2, 15.5, -1.0, 4.2)
    x = np.array([[1, 2, 0, 0], [4, 3, 0, 5], [0, 0, 1, 1], [0, 6, 1, 1]])
    pooled = np.array([[4, 5], [6, 1]])
    signal = np.array([[2, -1], [3, 1]])
    won, unpooled = np.zeros((4, 4), bool), np.zeros((4, 4), int)
    for u in range(2):
        for v in range(2):  # the switch of window (u, v), and the signal sent back to it
            p, q = np.unravel_index(np.argmax(x[2 * u : 2 * u + 2, 2 * v : 2 * v + 2]), (2, 2))
            won[2 * u + p, 2 * v + q] = True
            unpooled[2 * u + p, 2 * v + q] = signal[u, v]
    shade = [[light(fwd, 0.45) if won[r, c] else "white" for c in range(4)] for r in range(4)]
    cell_table(bottom, [[str(v) for v in row] for row in x], 0, 0, facecolors=shade, fontsize=13.5)
    for u in range(2):
        for v in range(2):
            outline(bottom, 2 * v, 2 * u, 2, 2, color="0.2", lw=2.0)
    cell_table(bottom, [[str(v) for v in row] for row in pooled], 5.2, 1, fontsize=13.5)
    cell_table(bottom, [[str(v) for v in row] for row in signal], 8.4, 1, fontsize=13.5)
    labels = [[str(v) for v in row] for row in unpooled]
    shade_back = [[light(back, 0.45) if won[r, c] else "white" for c in range(4)] for r in range(4)]
    cell_table(bottom, labels, 11.3, 0, facecolors=shade_back, fontsize=13.5)
    _arrow(bottom, (4.2, 2.0), (5.0, 2.0), color=fwd)
    _arrow(bottom, (10.6, 2.0), (11.1, 2.0), color=back)
    for xc, text in (
        (2.0, "map"),
        (6.2, "pooled"),
        (9.4, "signal"),
        (13.3, "unpooled"),
    ):
        bottom.text(xc, -0.55, text, ha="center", fontsize=12)
    return fig


# ----------------------------------------------------------------------------
# Representative figures, drawn from seeded synthetic data
# ----------------------------------------------------------------------------
def _fig_curves() -> Figure:
    rng = np.random.default_rng(0)
    f = np.linspace(0, 1, 15)
    decay = {
        name: np.exp(-rate * f) + 0.05 * rng.normal(size=(20, 15))
        for name, rate in (("sharp", 8), ("flat", 2))
    }
    rise = {name: 1 - v for name, v in decay.items()}
    return curves(
        f, {"deletion": decay, "insertion": rise}, xlabel="fraction of pixels", ylabel="probability"
    )


FIGURES: dict[str, Callable[[], Figure]] = {
    "curves": _fig_curves,
    "deconvnet_diagram": deconvnet_diagram,
}
"""Name → zero-argument function drawing a representative figure of this module."""
