"""Figures of the chapter "Convolution": a kernel sliding, the modes, channels.

Each figure is drawn from the arithmetic the package computes, so it cannot
disagree with the code: :func:`sliding_kernel` writes the outputs of
:func:`cnnbook.conv.conv2d_forward_loops`, :func:`conv_modes` those of
:func:`cnnbook.conv.correlate2d`. Every function returns a
:class:`matplotlib.figure.Figure` built with the object API (no pyplot state)
and draws the same pixels every time it is called. ``FIGURES`` maps a name to
a zero-argument function that draws a representative figure; the tests render
each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from ..checks import pair
from ..conv import conv2d_forward_loops, correlate2d, output_size
from ._draw import (
    PAD_COLOR,
    PAGE_WIDTH,
    WINDOW_COLOR,
    canvas,
    cell_table,
    check_2d,
    light,
    number_text,
    outline,
)

__all__ = ["FIGURES", "conv_modes", "multichannel_conv", "sliding_kernel"]


def _mode_padding(x_shape, k_shape, mode: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Zeros ``((top, bottom), (left, right))`` that turn ``mode`` into a valid correlation.

    ``correlate2d(np.pad(x, pad), k, "valid") == correlate2d(x, k, mode)``.
    For ``"same"`` with an even kernel the padding is lopsided: scipy keeps the
    full result from row ``K_h // 2``, so ``(K_h - 1) // 2`` zeros go on top and
    ``K_h // 2`` below.
    """
    if mode == "valid":
        return (0, 0), (0, 0)
    if mode == "full":
        return (k_shape[0] - 1,) * 2, (k_shape[1] - 1,) * 2
    if mode == "same":
        (kh, kw) = k_shape
        return ((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)
    raise ValueError(f"mode must be one of ('valid', 'full', 'same'), got {mode!r}")


def sliding_kernel(x, k, *, stride=1, padding=0, show_weights: bool = True) -> Figure:
    """Draw a kernel sliding over an input: one panel per output position.

    Panel ``(i, j)`` shows the (zero-padded) input with the kernel's footprint
    at the place that produces output ``(i, j)``, each covered cell marked with
    the kernel weight it is multiplied by, and the output value in its title.
    A last column shows the kernel and the whole output. The values come from
    :func:`cnnbook.conv.conv2d_forward_loops`, the book's reference
    cross-correlation.

    Parameters
    ----------
    x : ndarray, shape (H, W)
        Input; small integers read best.
    k : ndarray, shape (K_h, K_w)
        Kernel.
    stride, padding : int or (int, int)
        As in :class:`cnnbook.layers.Conv2D`.
    show_weights : bool
        Write the kernel weight (``×w``) in the corner of each covered cell.

    Returns
    -------
    matplotlib.figure.Figure
        ``H_out * W_out`` panels plus one axes for the kernel and output.

    Raises
    ------
    ValueError
        If the output has more than 16 positions (too many panels to read).

    Examples
    --------
    A 4×4 input and a 3×3 kernel give a 2×2 output: four panels and one more
    for the kernel and output.

    >>> import numpy as np
    >>> fig = sliding_kernel(np.arange(16.).reshape(4, 4), np.ones((3, 3)))
    >>> len(fig.axes), [ax.get_title() for ax in fig.axes[:2]]
    (5, ['output (0, 0) = 45', 'output (0, 1) = 54'])
    """
    x = check_2d(x, "x")
    k = check_2d(k, "k")
    sh, sw = pair(stride, "stride", low=1)
    ph, pw = pair(padding, "padding")
    z = conv2d_forward_loops(x[None, None], k[None, None], stride=(sh, sw), padding=(ph, pw))[0, 0]
    H_out, W_out = z.shape
    if H_out * W_out > 16:
        raise ValueError(
            f"sliding_kernel draws one panel per output position, at most 16; "
            f"got a {H_out}×{W_out} output"
        )
    xp = np.pad(x, ((ph, ph), (pw, pw)))
    Hp, Wp = xp.shape
    kh, kw = k.shape
    is_pad = np.ones_like(xp, dtype=bool)
    is_pad[ph : ph + x.shape[0], pw : pw + x.shape[1]] = False
    # The largest cell (inches) at which the figure fits the page's column;
    # the fonts stay fixed, so the figure is never shrunk on the page.
    for cell in (0.5, 0.45, 0.4, 0.36, 0.32, 0.29, 0.26, 0.24, 0.22):
        panel_w = max(Wp * cell, 1.5)
        side_w = max(kw, W_out) * cell + 0.3
        if (panel_w + 0.15) * W_out + side_w <= PAGE_WIDTH:
            break
    title_h, suptitle_h = 0.32, 0.62
    panel_h = Hp * cell + title_h
    height = max(panel_h * H_out, (kh + H_out + 3) * cell) + suptitle_h
    width = (panel_w + 0.15) * W_out + side_w
    fig = Figure(figsize=(width, height))
    gs = fig.add_gridspec(
        H_out,
        W_out + 1,
        width_ratios=[panel_w] * W_out + [side_w],
        left=0.01,
        right=0.99,
        bottom=0.01,
        top=1 - suptitle_h / height,
        wspace=0.15 / panel_w,
        hspace=title_h / (Hp * cell),
    )
    num_size = 11 if cell >= 0.4 else (10 if cell >= 0.3 else 9)
    labels = [[number_text(v) for v in row] for row in xp]
    for i in range(H_out):
        for j in range(W_out):
            ax = fig.add_subplot(gs[i, j])
            r0, c0 = i * sh, j * sw
            face = [
                [
                    light(WINDOW_COLOR, 0.45)
                    if r0 <= r < r0 + kh and c0 <= c < c0 + kw
                    else (PAD_COLOR if is_pad[r, c] else "white")
                    for c in range(Wp)
                ]
                for r in range(Hp)
            ]
            cell_table(ax, labels, facecolors=face, fontsize=num_size)
            outline(ax, c0, r0, kw, kh)
            if show_weights:
                for p in range(kh):
                    for q in range(kw):
                        ax.text(
                            c0 + q + 0.96,
                            r0 + p + 0.96,
                            f"×{number_text(k[p, q])}".replace("-", "−"),
                            ha="right",
                            va="bottom",
                            fontsize=8.5,
                            color="#7a3d00",
                        )
            ax.set_title(f"output ({i}, {j}) = {number_text(z[i, j])}", fontsize=10)
            canvas(ax, -0.05, Wp + 0.05, -0.05, Hp + 0.05)
    ax = fig.add_subplot(gs[:, -1])
    kface = [[light(WINDOW_COLOR, 0.45)] * kw for _ in range(kh)]
    cell_table(
        ax, [[number_text(v) for v in row] for row in k], 0, 1, facecolors=kface, fontsize=num_size
    )
    ax.text(0, 0.8, "kernel", fontsize=10, va="bottom")
    y_out = kh + 2.6
    cell_table(ax, [[number_text(v) for v in row] for row in z], 0, y_out, fontsize=num_size)
    ax.text(0, y_out - 0.2, "output", fontsize=10, va="bottom")
    canvas(ax, -0.2, max(kw, W_out) + 0.2, -0.3, y_out + H_out + 0.3)
    fig.suptitle(
        f"input {x.shape[0]}×{x.shape[1]}, kernel {kh}×{kw}, stride {sh}, padding {ph}"
        f" → output {H_out}×{W_out}",
        fontsize=11,
        y=1 - 0.04 / height,
        va="top",
    )
    return fig


def conv_modes(x, k) -> Figure:
    """Draw the valid, same and full modes of a 2-D cross-correlation side by side.

    Each column shows the input with the zeros that mode adds (grey), the
    kernel's footprint at its first position, and the output with the entry that footprint produces. The
    outputs are :func:`cnnbook.conv.correlate2d`'s.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    k : ndarray, shape (K_h, K_w)

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per mode: the padded input above, the output below.

    Examples
    --------
    >>> import numpy as np
    >>> fig = conv_modes(np.ones((4, 4)), np.ones((3, 3)))
    >>> len(fig.axes), [ax.get_title() for ax in fig.axes[1::2]]
    (6, ['valid: 2 × 2', 'same: 4 × 4', 'full: 6 × 6'])
    """
    x = check_2d(x, "x")
    k = check_2d(k, "k")
    kh, kw = k.shape
    modes = ("valid", "same", "full")
    pads = {m: _mode_padding(x.shape, k.shape, m) for m in modes}
    outs = {m: correlate2d(x, k, m) for m in modes}
    Hf, Wf = x.shape[0] + 2 * (kh - 1), x.shape[1] + 2 * (kw - 1)
    Ho = x.shape[0] + kh - 1  # the tallest output, full mode's
    cell = min(0.32, (PAGE_WIDTH - 0.6) / (3 * Wf))  # inches: fill the page's column
    height = (Hf + Ho) * cell + 1.0
    fig = Figure(figsize=(3 * Wf * cell + 0.6, height))
    gs = fig.add_gridspec(
        2,
        3,
        height_ratios=[Hf, Ho],
        left=0.01,
        right=0.99,
        bottom=0.01,
        top=1 - 0.3 / height,
        wspace=0.1,
        hspace=0.5 / (0.5 * (Hf + Ho) * cell),
    )
    for col, m in enumerate(modes):
        (pt, pb), (pl, pr) = pads[m]
        xp = np.pad(x, ((pt, pb), (pl, pr)))
        is_pad = np.ones_like(xp, dtype=bool)
        is_pad[pt : pt + x.shape[0], pl : pl + x.shape[1]] = False
        face = [
            [
                light(WINDOW_COLOR, 0.45)
                if r < kh and c < kw
                else (PAD_COLOR if is_pad[r, c] else "white")
                for c in range(xp.shape[1])
            ]
            for r in range(xp.shape[0])
        ]
        ax = fig.add_subplot(gs[0, col])
        # Centre the padded input in a full-sized canvas so the columns line up.
        ox, oy = (Wf - xp.shape[1]) / 2, (Hf - xp.shape[0]) / 2
        cell_table(
            ax, [[number_text(v) for v in row] for row in xp], ox, oy, facecolors=face, fontsize=10
        )
        outline(ax, ox, oy, kw, kh, lw=2.5)
        pad_text = f"pad {pt}" if pt == pb == pl == pr else f"pad ↑{pt} ↓{pb} ←{pl} →{pr}"
        ax.set_title(f"{m}: input, {pad_text}", fontsize=10)
        canvas(ax, -0.05, Wf + 0.05, -0.05, Hf + 0.05)
        z = outs[m]
        ax = fig.add_subplot(gs[1, col])
        face = [
            [light(WINDOW_COLOR, 0.45) if (r, c) == (0, 0) else "white" for c in range(z.shape[1])]
            for r in range(z.shape[0])
        ]
        ox, oy = (Wf - z.shape[1]) / 2, 0
        cell_table(
            ax, [[number_text(v) for v in row] for row in z], ox, oy, facecolors=face, fontsize=10
        )
        ax.set_title(f"{m}: {z.shape[0]} × {z.shape[1]}", fontsize=10)
        canvas(ax, -0.05, Wf + 0.05, -0.05, Ho + 0.05)
    return fig


def multichannel_conv(C_in: int = 3, C_out: int = 2, H: int = 5, K: int = 3) -> Figure:
    """Draw a convolutional layer: ``C_out`` filters, each as deep as the input.

    Parameters
    ----------
    C_in, C_out : int
        Input channels and filters (at most 6 each, to stay readable).
    H : int
        Height and width of the (square) input.
    K : int
        Kernel size (valid convolution, stride 1).

    Returns
    -------
    matplotlib.figure.Figure
        One axes. Input channels, filter slices and output maps are drawn as
        rectangles: ``C_in + C_out * C_in + C_out`` of them.

    Examples
    --------
    >>> fig = multichannel_conv(3, 2)
    >>> sum(isinstance(p, Rectangle) for p in fig.axes[0].patches)
    11
    """
    for name, v, top in (("C_in", C_in, 6), ("C_out", C_out, 6), ("H", H, 32), ("K", K, 32)):
        if not isinstance(v, (int, np.integer)) or not 1 <= v <= top:
            raise ValueError(f"{name} must be an int between 1 and {top}, got {v!r}")
    H_out = output_size(H, K)
    tints = ("#D55E00", "#009E73", "#0072B2", "#CC79A7", "#E69F00", "#56B4E9")
    fig = Figure(figsize=(7.2, 1.4 + 1.55 * C_out))
    ax = fig.add_subplot()
    d = 0.45  # offset between stacked channels
    s_in, s_k, s_out = 3.2, 1.3, 2.4
    ymid = (C_out * 3.2) / 2
    # Input: C_in planes stacked back to front.
    x0, y0 = 0.5, ymid - s_in / 2
    for c in reversed(range(C_in)):
        ax.add_patch(
            Rectangle(
                (x0 + c * d, y0 - c * d),
                s_in,
                s_in,
                facecolor=light(tints[c], 0.6),
                edgecolor="0.25",
            )
        )
    ax.text(
        x0 + s_in / 2 + (C_in - 1) * d / 2,
        y0 + s_in + 0.5,
        f"input x\n$C_{{in}}$ = {C_in} channels, {H}×{H}",
        ha="center",
        va="top",
        fontsize=10,
    )
    # Filters and outputs, one row per filter.
    xk, xo = 7.6, 13.4
    x_in_right = x0 + s_in + (C_in - 1) * d
    for o in range(C_out):
        yk = 0.6 + o * 3.2
        for c in reversed(range(C_in)):
            ax.add_patch(
                Rectangle(
                    (xk + c * d * 0.6, yk - c * d * 0.6),
                    s_k,
                    s_k,
                    facecolor=light(tints[c], 0.35),
                    edgecolor="0.25",
                )
            )
        ax.text(
            xk + s_k / 2,
            yk - (C_in - 1) * d * 0.6 - 0.15,
            f"filter $W_{{{o}}}$: {C_in}×{K}×{K}",
            ha="center",
            va="bottom",
            fontsize=10,
        )
        ax.add_patch(
            FancyArrowPatch(
                (x_in_right + 0.2, ymid),
                (xk - 0.2, yk + s_k / 2),
                arrowstyle="-|>",
                mutation_scale=14,
                color="0.3",
            )
        )
        ax.add_patch(
            Rectangle(
                (xo, yk + s_k / 2 - s_out / 2),
                s_out,
                s_out,
                facecolor=light("0.5", 0.7),
                edgecolor="0.25",
            )
        )
        ax.text(
            xo + s_out + 0.3,
            yk + s_k / 2,
            f"map $z_{{{o}}}$\n{H_out}×{H_out}",
            ha="left",
            va="center",
            fontsize=10,
        )
        ax.add_patch(
            FancyArrowPatch(
                (xk + s_k + C_in * d * 0.6 + 0.2, yk + s_k / 2),
                (xo - 0.2, yk + s_k / 2),
                arrowstyle="-|>",
                mutation_scale=14,
                color="0.3",
            )
        )
        ax.text(
            (xk + s_k + C_in * d * 0.6 + xo) / 2,
            yk + s_k / 2 - 0.25,
            r"$\sum_c x_c \star W_{" + str(o) + r",c} + b_" + str(o) + "$",
            ha="center",
            va="bottom",
            fontsize=10,
        )
    n = (K * K * C_in + 1) * C_out
    ax.set_title(
        f"{C_out} filters, each spanning all {C_in} input channels: "
        f"$({K}\\cdot{K}\\cdot{C_in} + 1)\\cdot{C_out}$ = {n} parameters",
        fontsize=11,
    )
    ax.set_xlim(0, 17.4)
    ax.set_ylim(C_out * 3.2 + 0.2, -1.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


# ----------------------------------------------------------------------------
# Representative figures, for the tests and for a quick look
# ----------------------------------------------------------------------------
_EXAMPLE_X = np.array([[1, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 2], [2, 0, 4, 1]], dtype=np.float64)
_EXAMPLE_K = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)

FIGURES: dict[str, Callable[[], Figure]] = {
    "sliding_kernel": lambda: sliding_kernel(_EXAMPLE_X, _EXAMPLE_K),
    "conv_modes": lambda: conv_modes(_EXAMPLE_X, _EXAMPLE_K),
    "padding_stride": lambda: sliding_kernel(
        np.arange(1.0, 26.0).reshape(5, 5), np.ones((3, 3)), stride=2, padding=1, show_weights=False
    ),
    "multichannel_conv": lambda: multichannel_conv(3, 2),
}
"""Name → zero-argument function drawing a representative figure of this module."""
