"""Figures of the chapter "From a multilayer perceptron to a CNN": cutting and sharing.

The source material drew these by hand: a multilayer perceptron with its deltas
counted on fingers (:func:`mlp_deltas`), the connections of a dense layer being
cut and its weights shared until it becomes a convolution (:func:`mlp_to_cnn`),
and the dense matrix that is left, one colour per shared weight
(:func:`conv_matrix_figure`). The numbers come from
:mod:`cnnbook.weight_sharing`. ``FIGURES`` maps a name to a zero-argument
function that draws a representative figure; the tests render each one twice
and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from ..checks import pair
from ..weight_sharing import conv_matrix
from ._draw import (
    HIGHLIGHT_COLOR,
    canvas,
    cell_table,
    edge,
    light,
    neuron,
    subscript,
    symbol,
    weight_colors,
)

__all__ = ["FIGURES", "conv_matrix_figure", "mlp_deltas", "mlp_to_cnn"]


def mlp_deltas(
    sizes: Sequence[int] = (3, 3, 2),
    *,
    highlight: tuple[int, int] = (1, 0),
    weights: Sequence[np.ndarray] | None = None,
    deltas: Sequence[np.ndarray] | None = None,
) -> Figure:
    """Draw a multilayer perceptron and how one neuron's delta is counted.

    The connections from neuron ``j`` of layer ``l`` (``highlight = (l, j)``)
    to the next layer are coloured, labelled with their weights and drawn as
    arrows pointing back, the way the error flows; the formula underneath adds
    them up.

    Parameters
    ----------
    sizes : sequence of int
        Neurons per layer, input first (at most 6 per layer).
    highlight : (int, int)
        ``(l, j)``: a hidden neuron, ``1 <= l < len(sizes) - 1``.
    weights : sequence of ndarray, optional
        ``weights[l]`` of shape ``(sizes[l+1], sizes[l])``; if given, the
        highlighted weights are written with their values.
    deltas : sequence of ndarray, optional
        ``deltas[l - 1]`` of shape ``(sizes[l],)``; if given, each neuron's
        delta is written under it.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one circle per neuron.

    Examples
    --------
    >>> from matplotlib.patches import Circle
    >>> fig = mlp_deltas((3, 3, 2))
    >>> sum(isinstance(p, Circle) for p in fig.axes[0].patches)
    8
    >>> print(fig.axes[0].texts[-1].get_text())
    $\\delta^{1}_{0} = \\sigma'(z^{1}_{0})\\,(w^{2}_{00}\\,\\delta^{2}_{0} + w^{2}_{10}\\,\\delta^{2}_{1})$
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 3 or min(sizes) < 1 or max(sizes) > 6:
        raise ValueError(f"sizes needs at least 3 layers of 1 to 6 neurons, got {sizes}")
    L = len(sizes) - 1
    hl, hj = highlight
    if not (1 <= hl < L and 0 <= hj < sizes[hl]):
        raise ValueError(
            f"highlight must be (li, j) with a hidden layer 1 <= li < {L} and 0 <= j < sizes[li]; got {highlight}"
        )
    dx, dy = 3.6, 1.5
    pos = {
        (li, j): (li * dx, (j - (n - 1) / 2) * dy) for li, n in enumerate(sizes) for j in range(n)
    }
    ymax = (max(sizes) - 1) / 2 * dy
    fig = Figure(figsize=(2.3 * len(sizes) + 1.0, 1.05 * max(sizes) + 2.3))
    ax = fig.add_subplot()
    nxt = sizes[hl + 1]
    colors = weight_colors(nxt)
    for li in range(L):
        for j in range(sizes[li]):
            for k in range(sizes[li + 1]):
                if (li, j) == (hl, hj):
                    continue
                edge(ax, pos[(li, j)], pos[(li + 1, k)], color="0.75", lw=0.9)
    for k in range(nxt):
        p, q = pos[(hl + 1, k)], pos[(hl, hj)]
        edge(ax, p, q, color=colors[k], lw=2.6, arrow=True, zorder=2)
        t = 0.3
        mx, my = p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t
        lab = f"$w^{{{hl + 1}}}_{{{subscript(k, hj)}}}$"
        if weights is not None:
            lab += f" = {weights[hl][k, hj]:.2f}"
        ax.text(
            mx,
            my - 0.18,
            lab,
            ha="center",
            va="bottom",
            fontsize=10,
            color=colors[k],
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.9},
            zorder=6,
        )
    for (li, j), (x, y) in pos.items():
        if li == 0:
            neuron(ax, x, y, f"$x_{{{j}}}$")
            continue
        hi = (li, j) == (hl, hj)
        fc = (
            light(HIGHLIGHT_COLOR, 0.55)
            if hi
            else (light(colors[j], 0.5) if li == hl + 1 else "white")
        )
        neuron(ax, x, y, f"$\\delta^{{{li}}}_{{{j}}}$", facecolor=fc)
        if deltas is not None:
            ax.text(
                x,
                y + 0.5,
                f"{deltas[li - 1][j]:+.3g}",
                ha="center",
                va="top",
                fontsize=9,
                color="0.25",
            )
    for li in range(len(sizes)):
        name = "input" if li == 0 else ("output" if li == L else "hidden")
        ax.text(
            li * dx, -ymax - 0.85, f"layer {li}\n({name})", ha="center", va="bottom", fontsize=10
        )
    terms = " + ".join(
        f"w^{{{hl + 1}}}_{{{subscript(k, hj)}}}\\,\\delta^{{{hl + 1}}}_{{{k}}}" for k in range(nxt)
    )
    ax.text(
        L * dx / 2,
        ymax + 0.95,
        f"$\\delta^{{{hl}}}_{{{hj}}} = \\sigma'(z^{{{hl}}}_{{{hj}}})\\,({terms})$",
        ha="center",
        va="top",
        fontsize=13,
    )
    canvas(ax, -0.7, L * dx + 0.7, -ymax - 1.0, ymax + 1.7)
    return fig


def mlp_to_cnn(n_in: int = 5, kernel: int = 3) -> Figure:
    """Three panels: a dense layer, its connections cut to a window, its weights shared.

    Parameters
    ----------
    n_in : int
        Input neurons (1-D), at most 8.
    kernel : int
        Window width; the layer has ``n_in - kernel + 1`` outputs.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes, titled with the number of weights each layer has.

    Examples
    --------
    Five inputs, three outputs: 15 weights, then 9, then 3.

    >>> fig = mlp_to_cnn(5, 3)
    >>> [ax.get_title().splitlines()[1] for ax in fig.axes]
    ['15 weights', '9 weights', '3 weights']
    """
    if not (isinstance(n_in, int) and isinstance(kernel, int) and 1 <= kernel <= n_in <= 8):
        raise ValueError(
            f"need ints 1 <= kernel <= n_in <= 8, got n_in={n_in!r}, kernel={kernel!r}"
        )
    n_out = n_in - kernel + 1
    colors = weight_colors(kernel)
    fig = Figure(figsize=(7.6, 3.0))
    axes = fig.subplots(1, 3)
    dx, top = 1.2, 0.0
    bottom = 3.2
    xin = [(i - (n_in - 1) / 2) * dx for i in range(n_in)]
    xout = [(i - (n_out - 1) / 2) * dx for i in range(n_out)]
    titles = (
        f"(a) fully connected\n{n_in * n_out} weights",
        f"(b) connections cut\n{n_out * kernel} weights",
        f"(c) weights shared\n{kernel} weights",
    )
    for panel, ax in enumerate(axes):
        for i in range(n_out):
            for m in range(n_in):
                p = m - i  # the tap that connects output i to input m
                a, b = (xout[i], top), (xin[m], bottom)
                if panel == 0:
                    edge(ax, a, b, color="0.45", lw=1.1)
                elif not 0 <= p < kernel:
                    edge(ax, a, b, color="0.8", lw=0.8, ls=":")
                elif panel == 1:
                    edge(ax, a, b, color="0.25", lw=1.6)
                else:
                    edge(ax, a, b, color=colors[p], lw=2.6)
        for m in range(n_in):
            neuron(ax, xin[m], bottom, f"$x_{{{m}}}$")
        for i in range(n_out):
            neuron(ax, xout[i], top, f"$z_{{{i}}}$")
        ax.set_title(titles[panel], fontsize=11)
        half = (n_in - 1) / 2 * dx + 0.6
        canvas(ax, -half, half, -0.6, bottom + 0.6)
    handles = [
        FancyArrowPatch((0, 0), (1, 0), color=c, linewidth=2.6, label=f"$w_{{{p}}}$")
        for p, c in enumerate(colors)
    ]
    axes[2].legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=kernel, frameon=False
    )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.82, bottom=0.14, wspace=0.08)
    return fig


def conv_matrix_figure(
    kernel_shape: tuple[int, int] = (2, 2),
    input_shape: tuple[int, int] = (3, 3),
    *,
    transpose: bool = True,
) -> Figure:
    """Draw the convolution matrix with one colour per shared weight (and its transpose).

    Parameters
    ----------
    kernel_shape : (int, int)
        ``(K_h, K_w)``, at most 9 taps.
    input_shape : (int, int)
        ``(H, W)``.
    transpose : bool
        Also draw ``M^T``, the matrix of the backward pass.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per matrix; each entry is a cell, labelled with its weight
        when the matrix is small enough to read.

    Examples
    --------
    >>> fig = conv_matrix_figure((2, 2), (3, 3))
    >>> [ax.get_title() for ax in fig.axes]
    ['forward: $z = M\\\\,x$  (4 × 9)', 'backward: $\\\\partial C/\\\\partial x = M^\\\\top \\\\delta$  (9 × 4)']
    """
    kh, kw = pair(kernel_shape, "kernel_shape", low=1)
    H, W = pair(input_shape, "input_shape", low=1)
    taps = np.arange(1, kh * kw + 1).reshape(kh, kw)
    colors = weight_colors(kh * kw)
    M = conv_matrix(taps, (H, W))
    mats = [("forward: $z = M\\,x$", M, "z", "x")]
    if transpose:
        mats.append(("backward: $\\partial C/\\partial x = M^\\top \\delta$", M.T, "x", "δ"))
    H_out, W_out = H - kh + 1, W - kw + 1
    annotate = M.size <= 400
    cell = 0.42 if annotate else 0.16
    width = sum(m.shape[1] for _, m, _, _ in mats) * cell + 1.5 * len(mats)
    height = max(m.shape[0] for _, m, _, _ in mats) * cell + 1.4
    fig = Figure(figsize=(max(width, 4.0), height))
    gs = fig.add_gridspec(
        1, len(mats), width_ratios=[m.shape[1] + 3 for _, m, _, _ in mats], wspace=0.15
    )
    out_idx = [(i, j) for i in range(H_out) for j in range(W_out)]
    in_idx = [(a, b) for a in range(H) for b in range(W)]
    for n, (title, m, rowsym, colsym) in enumerate(mats):
        ax = fig.add_subplot(gs[n])
        face = [[light(colors[v - 1], 0.3) if v else "white" for v in row] for row in m]
        labels = [
            [(symbol("w", *divmod(v - 1, kw)) if v else "") if annotate else "" for v in row]
            for row in m
        ]
        cell_table(ax, labels, facecolors=face, fontsize=10, edgecolor="0.8", linewidth=0.6)
        if annotate:
            rows, cols = (out_idx, in_idx) if n == 0 else (in_idx, out_idx)
            for r, idx in enumerate(rows):
                ax.text(-0.15, r + 0.5, symbol(rowsym, *idx), ha="right", va="center", fontsize=10)
            for c, idx in enumerate(cols):
                ax.text(c + 0.5, -0.15, symbol(colsym, *idx), ha="center", va="bottom", fontsize=10)
        ax.set_title(f"{title}  ({m.shape[0]} × {m.shape[1]})", fontsize=11)
        canvas(ax, -1.2, m.shape[1] + 0.1, -0.8 if annotate else -0.1, m.shape[0] + 0.1)
        ax.set_anchor("N")
    return fig


# ----------------------------------------------------------------------------
# Representative figures, for the tests and for a quick look


# ----------------------------------------------------------------------------
# Representative figures, for the tests and for a quick look
# ----------------------------------------------------------------------------
FIGURES: dict[str, Callable[[], Figure]] = {
    "mlp_deltas": lambda: mlp_deltas((3, 3, 2)),
    "mlp_to_cnn": lambda: mlp_to_cnn(5, 3),
    "conv_matrix": lambda: conv_matrix_figure((2, 2), (3, 3)),
}
"""Name → zero-argument function drawing a representative figure of this module."""
