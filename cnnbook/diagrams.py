"""Diagrams drawn by code: the pictures the convolution chapters reason with.

The source material drew these by hand: a multilayer perceptron with its deltas
counted on fingers, the connections of a dense layer being cut and its weights
shared until it becomes a convolution, the error flowing back through a kernel
turned by 180°. Here each picture is a function that draws it from the same
arithmetic the package computes, so a figure cannot disagree with the code.

Two small computations live here too, because the figures are built on them:

* :func:`receptive_field` and :func:`receptive_field_box`: which input pixels a
  unit deep in a network can see;
* :func:`conv_matrix` and :func:`gradient_terms`: a convolution written as a
  dense matrix with shared entries, and which weights carry the error back to
  one input.

The chapters "Convolution" and "From a multilayer perceptron to a CNN" draw
all their diagrams with these functions.

Every figure function returns a :class:`matplotlib.figure.Figure` built with the
object API (no pyplot state), draws the same pixels every time it is called,
and labels what it draws. ``FIGURES`` maps a name to a zero-argument function
that draws a representative figure; the tests render each one twice and
compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import matplotlib.colors as mcolors
import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, Polygon, Rectangle

from .batchnorm import BatchNorm2D
from .checks import float_array, pair
from .conv import conv2d_forward_loops, correlate2d, output_size
from .layers import Conv2D, Dense, Dropout, Flatten, ReLU, Sigmoid, Tanh
from .pooling import MaxPool2D

__all__ = [
    "FIGURES",
    "ReceptiveField",
    "backprop_deltas",
    "cnn_backward",
    "cnn_forward",
    "conv_matrix",
    "conv_matrix_figure",
    "conv_modes",
    "edge_maps",
    "full_convolution_setup",
    "full_convolution_sliding",
    "gradient_terms",
    "mlp_deltas",
    "mlp_to_cnn",
    "multichannel_conv",
    "receptive_field",
    "receptive_field_box",
    "receptive_field_growth",
    "receptive_field_region",
    "sample_photograph",
    "sliding_kernel",
    "weight_colors",
]

# ----------------------------------------------------------------------------
# Colours and drawing helpers
# ----------------------------------------------------------------------------
#: One colour per shared weight: the Okabe–Ito palette (safe for colour-blind
#: readers), then two more that stay apart from it.
PALETTE: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#F0E442",  # yellow
    "#8C564B",  # brown
    "#999999",  # grey
)
PAD_COLOR = "0.86"  # zero padding
WINDOW_COLOR = "#E69F00"  # the kernel's footprint
PAGE_WIDTH = 6.8  # inches: the book's content column at the figures' 100 dpi
HIGHLIGHT_COLOR = "#D55E00"


def weight_colors(n: int) -> list[str]:
    """The colours the diagrams give to ``n`` shared weights, in tap order.

    Parameters
    ----------
    n : int
        Number of distinct weights (``K_h * K_w`` for one kernel), at most 9.

    Returns
    -------
    list of str
        Hex colours; weight ``t`` (tap ``(t // K_w, t % K_w)``) gets entry ``t``.

    Examples
    --------
    >>> weight_colors(4)
    ['#E69F00', '#56B4E9', '#009E73', '#CC79A7']
    >>> weight_colors(10)
    Traceback (most recent call last):
    ...
    ValueError: weight_colors has 9 distinguishable colours, asked for 10
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if n > len(PALETTE):
        raise ValueError(f"weight_colors has {len(PALETTE)} distinguishable colours, asked for {n}")
    return list(PALETTE[:n])


def _light(color, amount: float = 0.55) -> tuple[float, float, float]:
    """``color`` mixed with white: ``amount`` 0 is the colour, 1 is white."""
    r, g, b = mcolors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def _fmt(v) -> str:
    """A number as short text: integers without a decimal point."""
    v = float(v)
    if v == round(v) and abs(v) < 1e6:
        return str(round(v))
    return f"{v:.3g}"


def _cells(
    ax,
    labels,
    x0: float = 0.0,
    y0: float = 0.0,
    *,
    size: float = 1.0,
    facecolors=None,
    fontsize: float = 11,
    edgecolor="0.35",
    linewidth: float = 1.0,
    textcolor="black",
):
    """Draw a table of square cells with ``labels`` (rows of str); y grows downwards.

    The cells are one :class:`~matplotlib.collections.PatchCollection`, which
    draws much faster than one patch per cell.
    """
    rects, faces = [], []
    for r, row in enumerate(labels):
        for c, lab in enumerate(row):
            rects.append(Rectangle((x0 + c * size, y0 + r * size), size, size))
            faces.append("white" if facecolors is None else facecolors[r][c])
            if lab:
                ax.text(
                    x0 + (c + 0.5) * size,
                    y0 + (r + 0.5) * size,
                    lab,
                    ha="center",
                    va="center",
                    fontsize=fontsize,
                    color=textcolor,
                )
    ax.add_collection(
        PatchCollection(rects, facecolors=faces, edgecolors=edgecolor, linewidths=linewidth)
    )


def _outline(ax, x0, y0, w, h, color=WINDOW_COLOR, lw=3.0):
    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor=color, linewidth=lw, zorder=5))


def _canvas(ax, xmin, xmax, ymin, ymax):
    """Equal aspect, no axes, y axis pointing down (row 0 at the top)."""
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymax, ymin)
    ax.set_aspect("equal")
    ax.axis("off")


def _neuron(
    ax, x, y, label, *, r=0.42, facecolor="white", edgecolor="0.2", fontsize=11, lw=1.3, zorder=3.0
):
    ax.add_patch(
        Circle((x, y), r, facecolor=facecolor, edgecolor=edgecolor, linewidth=lw, zorder=zorder)
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=fontsize, zorder=zorder + 0.5)


def _edge(ax, p, q, *, r=0.42, color="0.6", lw=1.0, ls="-", alpha=1.0, arrow=False, zorder=1):
    """A line between two neuron centres, stopping at the circles' rims."""
    (x1, y1), (x2, y2) = p, q
    d = np.hypot(x2 - x1, y2 - y1)
    ux, uy = (x2 - x1) / d, (y2 - y1) / d
    a, b = (x1 + ux * r, y1 + uy * r), (x2 - ux * r, y2 - uy * r)
    ax.add_patch(
        FancyArrowPatch(
            a,
            b,
            arrowstyle="-|>" if arrow else "-",
            mutation_scale=14,
            color=color,
            linewidth=lw,
            linestyle=ls,
            alpha=alpha,
            zorder=zorder,
            shrinkA=0,
            shrinkB=0,
        )
    )


def _sub(*idx) -> str:
    """Subscript text for indices: ``_sub(0, 1) == '01'``; commas once any index has 2 digits."""
    s = [str(int(i)) for i in idx]
    return ",".join(s) if any(len(t) > 1 for t in s) else "".join(s)


_SUBSCRIPT = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


def _s(name: str, *idx) -> str:
    """A symbol with subscript indices as plain text: ``_s("w", 0, 1) == "w₀₁"``.

    Unicode subscripts rather than mathtext: the grids write hundreds of such
    labels, and mathtext would parse each one.
    """
    return name + _sub(*idx).translate(_SUBSCRIPT)


def _check_2d(a, name: str) -> np.ndarray:
    a = float_array(a, name)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (H, W), got shape {a.shape}")
    return a


# ----------------------------------------------------------------------------
# Chapter "Convolution": sliding, modes, padding and stride, channels
# ----------------------------------------------------------------------------
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
    x = _check_2d(x, "x")
    k = _check_2d(k, "k")
    sh, sw = pair(stride, "stride")
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
    labels = [[_fmt(v) for v in row] for row in xp]
    for i in range(H_out):
        for j in range(W_out):
            ax = fig.add_subplot(gs[i, j])
            r0, c0 = i * sh, j * sw
            face = [
                [
                    _light(WINDOW_COLOR, 0.45)
                    if r0 <= r < r0 + kh and c0 <= c < c0 + kw
                    else (PAD_COLOR if is_pad[r, c] else "white")
                    for c in range(Wp)
                ]
                for r in range(Hp)
            ]
            _cells(ax, labels, facecolors=face, fontsize=num_size)
            _outline(ax, c0, r0, kw, kh)
            if show_weights:
                for p in range(kh):
                    for q in range(kw):
                        ax.text(
                            c0 + q + 0.96,
                            r0 + p + 0.96,
                            f"×{_fmt(k[p, q])}".replace("-", "−"),
                            ha="right",
                            va="bottom",
                            fontsize=8.5,
                            color="#7a3d00",
                        )
            ax.set_title(f"output ({i}, {j}) = {_fmt(z[i, j])}", fontsize=10)
            _canvas(ax, -0.05, Wp + 0.05, -0.05, Hp + 0.05)
    ax = fig.add_subplot(gs[:, -1])
    kface = [[_light(WINDOW_COLOR, 0.45)] * kw for _ in range(kh)]
    _cells(ax, [[_fmt(v) for v in row] for row in k], 0, 1, facecolors=kface, fontsize=num_size)
    ax.text(0, 0.8, "kernel", fontsize=10, va="bottom")
    y_out = kh + 2.6
    _cells(ax, [[_fmt(v) for v in row] for row in z], 0, y_out, fontsize=num_size)
    ax.text(0, y_out - 0.2, "output", fontsize=10, va="bottom")
    _canvas(ax, -0.2, max(kw, W_out) + 0.2, -0.3, y_out + H_out + 0.3)
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
    x = _check_2d(x, "x")
    k = _check_2d(k, "k")
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
                _light(WINDOW_COLOR, 0.45)
                if r < kh and c < kw
                else (PAD_COLOR if is_pad[r, c] else "white")
                for c in range(xp.shape[1])
            ]
            for r in range(xp.shape[0])
        ]
        ax = fig.add_subplot(gs[0, col])
        # Centre the padded input in a full-sized canvas so the columns line up.
        ox, oy = (Wf - xp.shape[1]) / 2, (Hf - xp.shape[0]) / 2
        _cells(ax, [[_fmt(v) for v in row] for row in xp], ox, oy, facecolors=face, fontsize=10)
        _outline(ax, ox, oy, kw, kh, lw=2.5)
        pad_text = f"pad {pt}" if pt == pb == pl == pr else f"pad ↑{pt} ↓{pb} ←{pl} →{pr}"
        ax.set_title(f"{m}: input, {pad_text}", fontsize=10)
        _canvas(ax, -0.05, Wf + 0.05, -0.05, Hf + 0.05)
        z = outs[m]
        ax = fig.add_subplot(gs[1, col])
        face = [
            [_light(WINDOW_COLOR, 0.45) if (r, c) == (0, 0) else "white" for c in range(z.shape[1])]
            for r in range(z.shape[0])
        ]
        ox, oy = (Wf - z.shape[1]) / 2, 0
        _cells(ax, [[_fmt(v) for v in row] for row in z], ox, oy, facecolors=face, fontsize=10)
        ax.set_title(f"{m}: {z.shape[0]} × {z.shape[1]}", fontsize=10)
        _canvas(ax, -0.05, Wf + 0.05, -0.05, Ho + 0.05)
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
                facecolor=_light(tints[c], 0.6),
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
                    facecolor=_light(tints[c], 0.35),
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
                facecolor=_light("0.5", 0.7),
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


def sample_photograph(scale: int = 2) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, as grayscale in [0, 1].

    Parameters
    ----------
    scale : int
        Average ``scale × scale`` blocks, so the image is drawn near its own
        resolution in a book figure (1 keeps all 600×512 pixels).

    Returns
    -------
    ndarray, shape (600 // scale, 512 // scale), float64
        Luma ``0.299 R + 0.587 G + 0.114 B`` (ITU-R BT.601), scaled to [0, 1].

    Examples
    --------
    >>> img = sample_photograph()
    >>> img.shape, img.dtype, bool(0 <= img.min() < img.max() <= 1)
    ((300, 256), dtype('float64'), True)
    """
    from matplotlib import cbook, image

    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    rgb = image.imread(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    gray = rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    H, W = (gray.shape[0] // scale) * scale, (gray.shape[1] // scale) * scale
    return gray[:H, :W].reshape(H // scale, scale, W // scale, scale).mean(axis=(1, 3))


def edge_maps(image, kernels: dict[str, np.ndarray], *, clip: float = 99.0) -> Figure:
    """Show an image and its cross-correlation with each kernel, signed colours centred at 0.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Grayscale image.
    kernels : dict of str to ndarray
        Name (used as the panel title) to 2-D kernel. Each response is
        ``correlate2d(image, k, "valid")``, what a convolutional layer computes.
    clip : float
        All responses share one colour scale, spanning ``±`` this percentile of
        their absolute values, so that a few strong edges do not wash out the
        rest; larger values are clipped (the colour bar has pointed ends).

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + len(kernels)`` image axes, one shared colour bar, and an inset
        with each kernel's numbers.

    Examples
    --------
    >>> import numpy as np
    >>> img = np.zeros((8, 8)); img[:, 4:] = 1          # a vertical step
    >>> fig = edge_maps(img, {"d/dx": np.array([[-1., 1.]])})
    >>> [ax.get_title() for ax in fig.axes if ax.get_title()]
    ['input', 'd/dx']
    """
    image = _check_2d(image, "image")
    if not kernels:
        raise ValueError("kernels must hold at least one kernel, got an empty dict")
    responses = {
        name: (k, correlate2d(image, k, "valid"))
        for name, k in ((name, _check_2d(k, f"kernels[{name!r}]")) for name, k in kernels.items())
    }
    lim = float(
        np.percentile(np.abs(np.concatenate([r.ravel() for _, r in responses.values()])), clip)
    )
    lim = lim or 1.0
    n = 1 + len(kernels)
    fig = Figure(figsize=(2.2 * n + 0.5, 2.9))
    axes = fig.subplots(1, n)
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="antialiased")
    axes[0].set_title("input", fontsize=10)
    for ax, (name, (k, resp)) in zip(axes[1:], responses.items(), strict=True):
        im = ax.imshow(resp, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="antialiased")
        ax.set_title(name, fontsize=10)
        inset = ax.inset_axes((0.02, 0.02, 0.3, 0.3 * k.shape[0] / k.shape[1]))
        face = [
            [_light("#B2182B" if v > 0 else "#2166AC" if v < 0 else "white", 0.45) for v in row]
            for row in k
        ]
        _cells(inset, [[_fmt(v) for v in row] for row in k], facecolors=face, fontsize=7)
        _canvas(inset, 0, k.shape[1], 0, k.shape[0])
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(True)
            spine.set_color("0.6")
    fig.subplots_adjust(left=0.01, right=0.88, top=0.9, bottom=0.02, wspace=0.06)
    cax = fig.add_axes((0.9, 0.12, 0.02, 0.7))
    fig.colorbar(im, cax=cax, extend="both", label="response")
    return fig


# ----------------------------------------------------------------------------
# Receptive fields
# ----------------------------------------------------------------------------
class ReceptiveField(NamedTuple):
    """Geometry of the units of one layer, seen from the input (one axis).

    Unit ``i`` of the layer sees input positions ``start + i * jump`` to
    ``start + i * jump + size - 1``; positions below 0 or past the input's end
    fall on zero padding.
    """

    size: int
    jump: int
    start: int


_ELEMENTWISE = (ReLU, Sigmoid, Tanh, BatchNorm2D, Dropout)


def _geometry(layer, axis: int) -> tuple[int, int, int]:
    """``(kernel, stride, padding)`` of a layer along ``axis``."""
    if isinstance(layer, Conv2D):
        return layer.kernel_size[axis], layer.stride[axis], layer.padding[axis]
    if isinstance(layer, MaxPool2D):
        return layer.kernel_size[axis], layer.stride[axis], 0
    if isinstance(layer, _ELEMENTWISE):
        return 1, 1, 0
    if isinstance(layer, (Flatten, Dense)):
        raise ValueError(
            f"{type(layer).__name__} mixes all positions, so a unit after it sees the whole "
            "input: pass only the layers before the first Flatten"
        )
    if isinstance(layer, tuple) and len(layer) == 3:
        kern, s, p = layer
        if all(isinstance(v, (int, np.integer)) for v in layer) and kern >= 1 and s >= 1 and p >= 0:
            return int(kern), int(s), int(p)
    raise TypeError(
        "layers must be Conv2D, MaxPool2D, an elementwise layer or a tuple "
        f"(kernel, stride, padding) of ints with kernel, stride >= 1 and padding >= 0; got {layer!r}"
    )


def receptive_field(layers: Sequence, axis: int = 0) -> list[ReceptiveField]:
    """Receptive field size, jump and start of every layer of a stack, by recurrence.

    Parameters
    ----------
    layers : sequence
        :class:`~cnnbook.layers.Conv2D`, :class:`~cnnbook.pooling.MaxPool2D`,
        elementwise layers (ReLU, Sigmoid, Tanh, BatchNorm2D, Dropout), or
        tuples ``(kernel, stride, padding)``.
    axis : {0, 1}
        0 for rows (height), 1 for columns (width).

    Returns
    -------
    list of ReceptiveField
        ``len(layers) + 1`` entries; entry 0 is the input itself,
        ``ReceptiveField(1, 1, 0)``, entry ``l`` describes the output of
        ``layers[l - 1]``.

    Notes
    -----
    With kernel :math:`k_l`, stride :math:`s_l` and padding :math:`p_l`, and
    starting from :math:`r_0 = j_0 = 1`, :math:`a_0 = 0`:

    .. math::
        r_l = r_{l-1} + (k_l - 1)\\, j_{l-1},\\qquad
        j_l = j_{l-1}\\, s_l,\\qquad
        a_l = a_{l-1} - p_l\\, j_{l-1}.

    A unit of layer :math:`l` sees :math:`k_l` neighbouring units of layer
    :math:`l-1`, which lie :math:`j_{l-1}` input pixels apart, and each of those
    sees :math:`r_{l-1}` pixels; the jump :math:`j_l` is how far apart, in input
    pixels, two neighbouring units of layer :math:`l` are.

    The field is the *span* of input pixels a unit can depend on. Every pixel
    in it counts unless some layer's stride exceeds its kernel
    (:math:`s_l > k_l`): such a layer skips pixels, and leaves gaps in the span.

    Examples
    --------
    The book's CNN, conv 5×5 (padding 2) → ReLU → max-pool 2 → conv 5×5 →
    ReLU → max-pool 2: a unit of the last map sees 16×16 input pixels.

    >>> from cnnbook.network import book_cnn
    >>> rf = receptive_field(book_cnn().layers[:6])
    >>> [f.size for f in rf], [f.jump for f in rf]
    ([1, 5, 5, 6, 14, 14, 16], [1, 1, 1, 2, 2, 2, 4])
    >>> rf[-1]
    ReceptiveField(size=16, jump=4, start=-6)

    Tuples work too; three 3×3 convolutions see as far as one 7×7:

    >>> receptive_field([(3, 1, 0)] * 3)[-1].size
    7
    """
    if axis not in (0, 1):
        raise ValueError(f"axis must be 0 (rows) or 1 (columns), got {axis!r}")
    out = [ReceptiveField(1, 1, 0)]
    for layer in layers:
        kern, s, p = _geometry(layer, axis)
        r, j, a = out[-1]
        out.append(ReceptiveField(r + (kern - 1) * j, j * s, a - p * j))
    return out


def receptive_field_box(layers: Sequence, index: tuple[int, int], input_shape: tuple[int, int]):
    """The input pixels one output unit sees: ``((row0, row1), (col0, col1))``, half-open.

    Parameters
    ----------
    layers : sequence
        As in :func:`receptive_field`.
    index : (int, int)
        Position ``(i, j)`` of the unit in the last layer's output map.
    input_shape : (int, int)
        ``(H, W)`` of the input; the box is clipped to it (the rest is padding).

    Returns
    -------
    tuple of two (int, int)
        Rows ``row0 <= r < row1`` and columns ``col0 <= c < col1``.

    Examples
    --------
    In the book's CNN on a 28×28 digit, the centre unit (3, 3) of the 7×7 map
    sees rows and columns 6 to 21; the corner unit (0, 0) sees only a 10×10
    corner, the other rows and columns of its 16×16 field being padding.

    >>> from cnnbook.network import book_cnn
    >>> layers = book_cnn().layers[:6]
    >>> receptive_field_box(layers, (3, 3), (28, 28))
    ((6, 22), (6, 22))
    >>> receptive_field_box(layers, (0, 0), (28, 28))
    ((0, 10), (0, 10))
    """
    box = []
    for axis in (0, 1):
        r, j, a = receptive_field(layers, axis)[-1]
        lo = a + index[axis] * j
        box.append((max(lo, 0), min(lo + r, input_shape[axis])))
    return tuple(box)


def _layer_names(layers) -> list[str]:
    names = []
    for layer in layers:
        if isinstance(layer, Conv2D):
            kh, kw = layer.kernel_size
            names.append(
                f"conv {kh}×{kw}" + (f"\nstride {layer.stride[0]}" if layer.stride[0] > 1 else "")
            )
        elif isinstance(layer, MaxPool2D):
            kh, kw = layer.kernel_size
            names.append(f"max-pool {kh}×{kw}")
        elif isinstance(layer, tuple):
            names.append(f"k={layer[0]}, s={layer[1]}")
        else:
            names.append(type(layer).__name__)
    return names


def receptive_field_growth(layers: Sequence, names: Sequence[str] | None = None) -> Figure:
    """Bar chart of the receptive field size after each layer, with the jump written on.

    Parameters
    ----------
    layers : sequence
        As in :func:`receptive_field`; elementwise layers are left out of the
        chart (they change nothing).
    names : sequence of str, optional
        Bar labels for the kept layers; default from the layer types.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with one bar for the input and one per kept layer.

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> fig = receptive_field_growth(book_cnn().layers[:6])
    >>> [round(p.get_height()) for p in fig.axes[0].patches]
    [1, 5, 6, 14, 16]
    """
    rf = receptive_field(layers)
    keep = [i for i, layer in enumerate(layers, start=1) if not isinstance(layer, _ELEMENTWISE)]
    kept_layers = [layers[i - 1] for i in keep]
    labels = ["input"] + (list(names) if names is not None else _layer_names(kept_layers))
    if len(labels) != len(keep) + 1:
        raise ValueError(
            f"names must have {len(keep)} entries (one per kept layer), got {len(labels) - 1}"
        )
    sizes = [rf[0].size] + [rf[i].size for i in keep]
    jumps = [rf[0].jump] + [rf[i].jump for i in keep]
    fig = Figure(figsize=(max(5.0, 1.1 * len(sizes) + 1.0), 3.6))
    ax = fig.add_subplot()
    pos = np.arange(len(sizes))
    ax.bar(pos, sizes, color=_light("#0072B2", 0.2), edgecolor="#0072B2")
    for x, s, j in zip(pos, sizes, jumps, strict=True):
        ax.text(
            x, s + max(sizes) * 0.02, f"{s}×{s}\njump {j}", ha="center", va="bottom", fontsize=9
        )
    ax.set_xticks(pos, labels)
    ax.set_ylabel("receptive field (input pixels per side)")
    ax.set_ylim(0, max(sizes) * 1.3)
    ax.set_title("Receptive field of one unit, layer by layer")
    fig.tight_layout()
    return fig


def _nearest_centre_unit(rf: ReceptiveField, n: int) -> int:
    """Index of the unit whose field is centred closest to the middle of ``n`` pixels."""
    centre = ((n - 1) / 2 - rf.start - (rf.size - 1) / 2) / rf.jump
    return int(np.floor(centre + 0.5))


def receptive_field_region(
    layers: Sequence, image=None, input_shape: tuple[int, int] = (28, 28), corner: bool = True
) -> Figure:
    """Draw on the input the pixels that one unit of each layer sees.

    One panel per layer that changes the receptive field, showing the field of
    its unit centred nearest the middle of the input; with ``corner``, one more
    panel for the top-left unit of the last layer, whose field hangs over the
    border onto the zero padding.

    Parameters
    ----------
    layers : sequence
        As in :func:`receptive_field`.
    image : ndarray, shape (H, W), optional
        Drawn underneath (e.g. a digit); otherwise a blank grid.
    input_shape : (int, int)
        Used when ``image`` is None.
    corner : bool
        Add the panel for the last layer's corner unit.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per kept layer, plus one for the corner unit.

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> fig = receptive_field_region(book_cnn().layers[:6])
    >>> [ax.get_title().splitlines()[-1] for ax in fig.axes]
    ['5×5 pixels', '6×6 pixels', '14×14 pixels', '16×16 pixels', '10×10 inside, 16×16 in all']
    """
    if image is not None:
        image = _check_2d(image, "image")
        input_shape = image.shape
    H, W = input_shape
    keep = [i for i, layer in enumerate(layers, start=1) if not isinstance(layer, _ELEMENTWISE)]
    names = [n.replace("\n", " ") for n in _layer_names([layers[i - 1] for i in keep])]
    rows, cols = receptive_field(layers, 0), receptive_field(layers, 1)
    n_panels = len(keep) + bool(corner)
    ncols = min(3, n_panels)
    nrows = -(-n_panels // ncols)
    fig = Figure(figsize=(2.3 * ncols, 2.75 * nrows))
    grid = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in grid[n_panels:]:
        fig.delaxes(ax)
    axes = grid[:n_panels]
    color = "#D55E00"

    def base(ax):
        if image is not None:
            ax.imshow(image, cmap="gray_r", extent=(-0.5, W - 0.5, H - 0.5, -0.5))
        ax.add_patch(Rectangle((-0.5, -0.5), W, H, fill=False, edgecolor="0.4", linewidth=0.8))
        ax.set_xlim(-0.5, W - 0.5)
        ax.set_ylim(H - 0.5, -0.5)
        ax.set_xticks([0, W - 1])
        ax.set_yticks([0, H - 1])
        ax.tick_params(labelsize=9)
        ax.set_aspect("equal")

    def shade_field(ax, row_span, col_span):
        """Fill the input pixels ``[r0, r1) × [c0, c1)`` that a unit sees."""
        (r0, r1), (c0, c1) = row_span, col_span
        ax.add_patch(
            Rectangle(
                (c0 - 0.5, r0 - 0.5),
                c1 - c0,
                r1 - r0,
                facecolor=_light(color, 0.5),
                edgecolor=color,
                linewidth=1.8,
                alpha=0.6,
            )
        )

    for ax, name, li in zip(axes, names, keep, strict=False):
        base(ax)
        i, j = _nearest_centre_unit(rows[li], H), _nearest_centre_unit(cols[li], W)
        (r0, r1), (c0, c1) = receptive_field_box(layers[:li], (i, j), input_shape)
        shade_field(ax, (r0, r1), (c0, c1))
        ax.set_title(f"after {name}\nunit ({i}, {j}) sees\n{r1 - r0}×{c1 - c0} pixels", fontsize=10)
    if corner:
        ax = axes[-1]
        base(ax)
        L = len(layers)
        (r0, r1), (c0, c1) = receptive_field_box(layers, (0, 0), input_shape)
        a_r, a_c = rows[L].start, cols[L].start
        ax.add_patch(
            Rectangle(
                (a_c - 0.5, a_r - 0.5),
                cols[L].size,
                rows[L].size,
                fill=False,
                edgecolor=color,
                linestyle="--",
                linewidth=1.5,
            )
        )
        shade_field(ax, (r0, r1), (c0, c1))
        ax.text(a_c + 0.2, a_r + 0.2, "padding", fontsize=8, va="top", color="0.3")
        ax.set_xlim(min(a_c, 0) - 1.0, W - 0.5)
        ax.set_ylim(H - 0.5, min(a_r, 0) - 1.0)
        ax.set_title(
            f"last layer, unit (0, 0):\n{r1 - r0}×{c1 - c0} inside, {rows[L].size}×{cols[L].size} in all",
            fontsize=9,
        )
    fig.subplots_adjust(left=0.05, right=0.98, top=0.86, bottom=0.05, wspace=0.35, hspace=0.55)
    return fig


# ----------------------------------------------------------------------------
# Chapter "From MLP to CNN": deltas on fingers, cutting and sharing
# ----------------------------------------------------------------------------
def backprop_deltas(weights: Sequence[np.ndarray], z: Sequence[np.ndarray], delta_out, dsigma):
    """Deltas of a multilayer perceptron by the weighted-sum rule, one neuron at a time.

    Parameters
    ----------
    weights : sequence of ndarray
        ``weights[l]`` has shape ``(n_{l+1}, n_l)`` (as :class:`~cnnbook.layers.Dense`'s
        ``W``), mapping layer ``l`` to layer ``l + 1``.
    z : sequence of ndarray
        Pre-activations of the hidden and output layers, ``z[l]`` of shape
        ``(n_{l+1},)`` for one sample.
    delta_out : ndarray, shape (n_L,)
        ``∂C/∂z`` of the output layer.
    dsigma : callable
        The derivative of the activation, :math:`\\sigma'(z)`.

    Returns
    -------
    list of ndarray
        ``deltas[l]`` of shape ``(n_{l+1},)``, one per layer after the input.

    Notes
    -----
    Each neuron's delta is its share of the next layer's deltas, weighted by the
    connections between them, times the slope of its activation:

    .. math:: \\delta^l_j = \\sigma'(z^l_j) \\sum_k w^{l+1}_{kj}\\, \\delta^{l+1}_k

    Written as loops on purpose: this is the rule counted on fingers, not a
    matrix product (see :class:`~cnnbook.layers.Dense` for that).

    Examples
    --------
    Two hidden neurons, one output, identity activation (slope 1): each hidden
    delta is its weight times the output delta.

    >>> import numpy as np
    >>> W1, W2 = np.eye(2), np.array([[2., -3.]])
    >>> z = [np.zeros(2), np.zeros(1)]
    >>> backprop_deltas([W1, W2], z, np.array([1.]), lambda z: np.ones_like(z))[0]
    array([ 2., -3.])
    """
    if len(weights) != len(z):
        raise ValueError(f"need one z per weight matrix, got {len(weights)} weights and {len(z)} z")
    deltas = [np.asarray(delta_out, dtype=np.float64)]
    for li in range(len(weights) - 1, 0, -1):
        W_next, z_l = np.asarray(weights[li]), np.asarray(z[li - 1])
        if W_next.shape != (deltas[0].shape[0], z_l.shape[0]):
            raise ValueError(
                f"weights[{li}] must have shape ({deltas[0].shape[0]}, {z_l.shape[0]}), got {W_next.shape}"
            )
        slope = dsigma(z_l)
        delta = np.zeros(z_l.shape[0])
        for j in range(z_l.shape[0]):  # every neuron of layer l ...
            total = 0.0
            for k in range(deltas[0].shape[0]):  # ... collects from every neuron it feeds
                total += W_next[k, j] * deltas[0][k]
            delta[j] = slope[j] * total
        deltas.insert(0, delta)
    return deltas


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
                _edge(ax, pos[(li, j)], pos[(li + 1, k)], color="0.75", lw=0.9)
    for k in range(nxt):
        p, q = pos[(hl + 1, k)], pos[(hl, hj)]
        _edge(ax, p, q, color=colors[k], lw=2.6, arrow=True, zorder=2)
        t = 0.3
        mx, my = p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t
        lab = f"$w^{{{hl + 1}}}_{{{_sub(k, hj)}}}$"
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
            _neuron(ax, x, y, f"$x_{{{j}}}$")
            continue
        hi = (li, j) == (hl, hj)
        fc = (
            _light(HIGHLIGHT_COLOR, 0.55)
            if hi
            else (_light(colors[j], 0.5) if li == hl + 1 else "white")
        )
        _neuron(ax, x, y, f"$\\delta^{{{li}}}_{{{j}}}$", facecolor=fc)
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
        f"w^{{{hl + 1}}}_{{{_sub(k, hj)}}}\\,\\delta^{{{hl + 1}}}_{{{k}}}" for k in range(nxt)
    )
    ax.text(
        L * dx / 2,
        ymax + 0.95,
        f"$\\delta^{{{hl}}}_{{{hj}}} = \\sigma'(z^{{{hl}}}_{{{hj}}})\\,({terms})$",
        ha="center",
        va="top",
        fontsize=13,
    )
    _canvas(ax, -0.7, L * dx + 0.7, -ymax - 1.0, ymax + 1.7)
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
                    _edge(ax, a, b, color="0.45", lw=1.1)
                elif not 0 <= p < kernel:
                    _edge(ax, a, b, color="0.8", lw=0.8, ls=":")
                elif panel == 1:
                    _edge(ax, a, b, color="0.25", lw=1.6)
                else:
                    _edge(ax, a, b, color=colors[p], lw=2.6)
        for m in range(n_in):
            _neuron(ax, xin[m], bottom, f"$x_{{{m}}}$")
        for i in range(n_out):
            _neuron(ax, xout[i], top, f"$z_{{{i}}}$")
        ax.set_title(titles[panel], fontsize=11)
        half = (n_in - 1) / 2 * dx + 0.6
        _canvas(ax, -half, half, -0.6, bottom + 0.6)
    handles = [
        FancyArrowPatch((0, 0), (1, 0), color=c, linewidth=2.6, label=f"$w_{{{p}}}$")
        for p, c in enumerate(colors)
    ]
    axes[2].legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=kernel, frameon=False
    )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.82, bottom=0.14, wspace=0.08)
    return fig


def gradient_terms(a: int, b: int, input_shape: tuple[int, int], kernel_shape: tuple[int, int]):
    """Which weights and which output deltas reach input ``(a, b)`` of a valid correlation.

    In the forward pass output ``(i, j)`` adds ``w[p, q] * x[i + p, j + q]``, so
    input ``(a, b)`` touches every output with ``i = a - p``, ``j = b - q``
    inside the output map, through weight ``(p, q)``.

    Parameters
    ----------
    a, b : int
        Input position.
    input_shape : (int, int)
        ``(H, W)``.
    kernel_shape : (int, int)
        ``(K_h, K_w)``.

    Returns
    -------
    list of ((int, int), (int, int))
        Pairs ``((p, q), (i, j))``: weight tap and output position, ordered by
        output position.

    Examples
    --------
    3×3 input, 2×2 kernel: the corner input reaches one output, the centre
    reaches all four, each through a different weight.

    >>> gradient_terms(0, 0, (3, 3), (2, 2))
    [((0, 0), (0, 0))]
    >>> gradient_terms(1, 1, (3, 3), (2, 2))
    [((1, 1), (0, 0)), ((1, 0), (0, 1)), ((0, 1), (1, 0)), ((0, 0), (1, 1))]
    """
    H, W = input_shape
    kh, kw = kernel_shape
    H_out, W_out = output_size(H, kh), output_size(W, kw)
    if not (0 <= a < H and 0 <= b < W):
        raise ValueError(f"(a, b) must lie inside the input of shape {input_shape}, got {(a, b)}")
    return [
        ((a - i, b - j), (i, j))
        for i in range(H_out)
        for j in range(W_out)
        if 0 <= a - i < kh and 0 <= b - j < kw
    ]


def _network_2d(ax, H, K, *, backward: bool):
    """A valid correlation as a network, in perspective: the input plane below, the
    output plane above, each output neuron over the centre of its window, and
    every edge coloured by the weight it carries. Returns the canvas limits."""
    H_out = H - K + 1
    colors = weight_colors(K * K)
    dx, sx, sy = 1.75, 1.1, 0.85  # column step; row step (perspective) in x and y
    gap = (H - 1) * sy + 2.4  # vertical distance between the planes

    def at(r, c, base):  # row 0 at the back (top), as in a matrix
        return c * dx + (H - 1 - r) * sx, base + r * sy

    y_out, y_in = 0.0, gap
    for base, n, off in ((y_in, H, 0.0), (y_out, H_out, (K - 1) / 2)):
        lo, hi = off - 0.6, off + n - 0.4
        corners = [at(lo, lo, base), at(lo, hi, base), at(hi, hi, base), at(hi, lo, base)]
        ax.add_patch(Polygon(corners, closed=True, facecolor="0.95", edgecolor="0.75", zorder=0))
    xin = {(r, c): at(r, c, y_in) for r in range(H) for c in range(H)}
    xout = {
        (i, j): at(i + (K - 1) / 2, j + (K - 1) / 2, y_out)
        for i in range(H_out)
        for j in range(H_out)
    }
    # Neurons are drawn over the edges, so that every label stays readable.
    for i in range(H_out):
        for j in range(H_out):
            for p in range(K):
                for q in range(K):
                    a, b = xin[(i + p, j + q)], xout[(i, j)]
                    if backward:
                        a, b = b, a
                    _edge(
                        ax,
                        a,
                        b,
                        color=colors[p * K + q],
                        lw=1.9,
                        arrow=backward,
                        r=0.4,
                        zorder=1,
                    )
    for (r, c), (x, y) in xin.items():
        _neuron(ax, x, y, _s("x", r, c), r=0.4, fontsize=11)
    for (r, c), (x, y) in xout.items():
        lab = _s("δ", r, c) if backward else _s("z", r, c)
        _neuron(
            ax,
            x,
            y,
            lab,
            r=0.4,
            fontsize=11,
            facecolor=_light("#56B4E9", 0.7) if backward else "white",
        )
    xs = [x for x, _ in (*xin.values(), *xout.values())]
    return min(xs) - 0.8, max(xs) + 0.8, y_out - 0.8, y_in + (H - 1) * sy + 0.8


def _kernel_key(ax, K, x0, y0, *, turned=False, size=0.9, title="kernel"):
    """The kernel's cells, each in its weight's colour; ``turned`` draws rot180."""
    colors = weight_colors(K * K)
    labels, face = [], []
    for r in range(K):
        lr, fr = [], []
        for c in range(K):
            p, q = (K - 1 - r, K - 1 - c) if turned else (r, c)
            lr.append(_s("w", p, q))
            fr.append(_light(colors[p * K + q], 0.35))
        labels.append(lr)
        face.append(fr)
    _cells(ax, labels, x0, y0, size=size, facecolors=face, fontsize=11)
    ax.text(x0 + K * size / 2, y0 - 0.15, title, ha="center", va="bottom", fontsize=10)


def _check_small_conv(H, K):
    if not (isinstance(H, int) and isinstance(K, int) and 1 <= K <= H <= 5 and K * K <= 9):
        raise ValueError(f"need ints 1 <= K <= H <= 5 with K*K <= 9, got H={H!r}, K={K!r}")


def _network_figure(H, K, *, backward: bool):
    """Figure with the network on the left and an axes for the formulas on the right."""
    fig = Figure(figsize=(8.2, 0.95 * H + 2.0))
    gs = fig.add_gridspec(1, 2, width_ratios=[1.0, 1.05], wspace=0.02)
    ax = fig.add_subplot(gs[0])
    x0, x1, y0, y1 = _network_2d(ax, H, K, backward=backward)
    top, bottom = (
        ("deltas $\\delta$", "gradient at the input $x$")
        if backward
        else ("output $z$", "input $x$")
    )
    ax.text(x1, y0 + 0.4, top, ha="right", va="center", fontsize=11)
    ax.text(x1, y1 - 0.2, bottom, ha="right", va="center", fontsize=11)
    _canvas(ax, x0, x1, y0, y1)
    return fig, fig.add_subplot(gs[1])


def cnn_forward(H: int = 3, K: int = 2) -> Figure:
    """The network of a valid cross-correlation: every edge coloured by the weight it carries.

    The input neurons lie on a plane below, the output neurons on a plane
    above, each over the centre of the window it sums. Next to it: the kernel,
    one colour per weight, and the sum each output computes.

    Parameters
    ----------
    H : int
        Input is ``H × H`` (at most 5).
    K : int
        Kernel is ``K × K`` (``K * K <= 9``).

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the network (``(H - K + 1)**2 * K**2`` coloured edges) and
        the formulas.

    Examples
    --------
    >>> fig = cnn_forward(3, 2)
    >>> patches = fig.axes[0].patches
    >>> sum(isinstance(p, Circle) for p in patches), sum(isinstance(p, FancyArrowPatch) for p in patches)
    (13, 16)
    >>> print(fig.axes[1].texts[-1].get_text())
    z₁₁ = w₀₀x₁₁ + w₀₁x₁₂ + w₁₀x₂₁ + w₁₁x₂₂
    """
    _check_small_conv(H, K)
    H_out = H - K + 1
    fig, ax = _network_figure(H, K, backward=False)
    _kernel_key(ax, K, 0, 0.9, size=0.9, title="")
    ax.text(0, 0.6, "kernel $w$, one colour per weight", fontsize=11, va="bottom")
    y = 0.9 + K * 0.9 + 0.9
    for i in range(H_out):
        for j in range(H_out):
            terms = " + ".join(
                _s("w", p, q) + _s("x", i + p, j + q) for p in range(K) for q in range(K)
            )
            ax.text(0, y, f"{_s('z', i, j)} = {terms}", fontsize=11.5, va="center")
            y += 0.8
    _canvas(ax, -0.2, 9.5, -0.2, max(y, 1.05 * H + 1.5))
    ax.set_anchor("W")
    return fig


def cnn_backward(H: int = 3, K: int = 2) -> Figure:
    """The same network run backwards: each input collects the deltas of the outputs it fed.

    Parameters
    ----------
    H, K : int
        As in :func:`cnn_forward`.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the network with its arrows pointing back, and for every
        input the sum that :func:`gradient_terms` gives.

    Examples
    --------
    >>> fig = cnn_backward(3, 2)
    >>> for t in fig.axes[1].texts[1:4]:
    ...     print(t.get_text())
    ∂C/∂x₀₀ = w₀₀δ₀₀
    ∂C/∂x₀₁ = w₀₁δ₀₀ + w₀₀δ₀₁
    ∂C/∂x₀₂ = w₀₁δ₀₁
    """
    _check_small_conv(H, K)
    fig, ax = _network_figure(H, K, backward=True)
    ax.text(
        0, 0, "each input adds up weight × delta\nover the outputs it fed:", fontsize=11, va="top"
    )
    y = 1.6
    for a in range(H):
        for b in range(H):
            ax.text(0, y, _gradient_formula(a, b, H, K), fontsize=11.5, va="center")
            y += 0.62
    _canvas(ax, -0.2, 9.5, -0.4, y)
    ax.set_anchor("W")
    return fig


def _gradient_formula(a, b, H, K) -> str:
    """``∂C/∂x_ab = w_pq δ_ij + ...`` for a K×K kernel on an H×H input, as plain text."""
    terms = " + ".join(
        _s("w", p, q) + _s("δ", i, j) for (p, q), (i, j) in gradient_terms(a, b, (H, H), (K, K))
    )
    return f"∂C/∂{_s('x', a, b)} = {terms}"


def _padded_delta_labels(H_out, W_out, pad_h, pad_w):
    labels, face = [], []
    for r in range(H_out + 2 * pad_h):
        lr, fr = [], []
        for c in range(W_out + 2 * pad_w):
            i, j = r - pad_h, c - pad_w
            inside = 0 <= i < H_out and 0 <= j < W_out
            lr.append(_s("δ", i, j) if inside else "0")
            fr.append(_light("#56B4E9", 0.7) if inside else PAD_COLOR)
        labels.append(lr)
        face.append(fr)
    return labels, face


def _turned_window(ax, K, x0, y0, size=1.0):
    """Write the turned kernel's weights into the cells it covers, coloured."""
    colors = weight_colors(K * K)
    for r in range(K):
        for c in range(K):
            p, q = K - 1 - r, K - 1 - c
            ax.add_patch(
                Rectangle(
                    (x0 + c * size, y0 + r * size),
                    size,
                    size,
                    facecolor=_light(colors[p * K + q], 0.35),
                    edgecolor="0.35",
                    alpha=0.75,
                    zorder=2,
                )
            )
            ax.text(
                x0 + (c + 0.97) * size,
                y0 + (r + 0.97) * size,
                _s("w", p, q),
                ha="right",
                va="bottom",
                fontsize=9.5,
                zorder=6,
            )
    _outline(ax, x0, y0, K * size, K * size, color="0.15", lw=2.5)


def full_convolution_setup(H: int = 3, K: int = 2, position: tuple[int, int] = (1, 1)) -> Figure:
    """The ingredients of the backward pass: the kernel, the kernel turned by 180°, and
    the deltas zero-padded by ``K - 1``, with the turned kernel at one position.

    Parameters
    ----------
    H, K : int
        As in :func:`cnn_forward`: the deltas are ``(H - K + 1) × (H - K + 1)``.
    position : (int, int)
        The input position ``(a, b)`` whose gradient the window computes.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes: kernel, turned kernel, padded deltas with the window and
        the sum it computes as the title.

    Examples
    --------
    >>> fig = full_convolution_setup(3, 2, (1, 1))
    >>> print(fig.axes[2].get_title())
    ∂C/∂x₁₁ = w₁₁δ₀₀ + w₁₀δ₀₁ + w₀₁δ₁₀ + w₀₀δ₁₁
    """
    _check_small_conv(H, K)
    a, b = position
    H_out = H - K + 1
    P = K - 1
    fig = Figure(figsize=(10.0, 0.72 * (H_out + 2 * P) + 1.3))
    n = H_out + 2 * P
    gs = fig.add_gridspec(1, 3, width_ratios=[K + 0.6, K + 0.6, n + 0.4], wspace=0.25)
    ax = fig.add_subplot(gs[0])
    _kernel_key(ax, K, 0, 0, size=1.0, title="")
    ax.set_title("kernel $w$", fontsize=11)
    _canvas(ax, -0.3, K + 0.3, -0.3, n)
    ax = fig.add_subplot(gs[1])
    _kernel_key(ax, K, 0, 0, size=1.0, turned=True, title="")
    ax.set_title("rot180($w$)", fontsize=11)
    _canvas(ax, -0.3, K + 0.3, -0.3, n)
    ax = fig.add_subplot(gs[2])
    labels, face = _padded_delta_labels(H_out, H_out, P, P)
    _cells(ax, labels, facecolors=face, fontsize=12)
    _turned_window(ax, K, b, a)
    ax.set_title(_gradient_formula(a, b, H, K), fontsize=12)
    _canvas(ax, -0.1, n + 0.1, -0.1, n + 0.1)
    return fig


def full_convolution_sliding(H: int = 3, K: int = 2) -> Figure:
    """The turned kernel slid over every position of the zero-padded deltas.

    Panel ``(a, b)`` computes the gradient at input ``(a, b)``; together the
    panels are a *full* correlation of the deltas with ``rot180(w)``, that is a
    full true convolution of the deltas with ``w``.

    Parameters
    ----------
    H, K : int
        As in :func:`cnn_forward`.

    Returns
    -------
    matplotlib.figure.Figure
        ``H * H`` axes, one per input position.

    Examples
    --------
    >>> fig = full_convolution_sliding(3, 2)
    >>> len(fig.axes), fig.axes[0].get_title()
    (9, '∂C/∂x₀₀ = w₀₀δ₀₀')
    """
    _check_small_conv(H, K)
    H_out = H - K + 1
    P = K - 1
    n = H_out + 2 * P
    fig = Figure(figsize=(2.8 * H, 0.56 * n * H + 0.55 * H + 0.3))
    axes = fig.subplots(H, H, squeeze=False)
    labels, face = _padded_delta_labels(H_out, H_out, P, P)
    for a in range(H):
        for b in range(H):
            ax = axes[a, b]
            _cells(ax, labels, facecolors=face, fontsize=11)
            _turned_window(ax, K, b, a)
            ax.set_title(_gradient_formula(a, b, H, K), fontsize=10.5)
            _canvas(ax, -0.1, n + 0.1, -0.1, n + 0.1)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01, wspace=0.1, hspace=0.3)
    return fig


# ----------------------------------------------------------------------------
# A convolution as a matrix with shared entries
# ----------------------------------------------------------------------------
def conv_matrix(k, input_shape: tuple[int, int], stride=1, padding=0) -> np.ndarray:
    """The dense matrix ``M`` of a 2-D cross-correlation: ``z.ravel() == M @ x.ravel()``.

    Parameters
    ----------
    k : ndarray, shape (K_h, K_w)
        Kernel. Its dtype is kept, so an integer kernel of tap numbers shows
        which weight sits where.
    input_shape : (int, int)
        ``(H, W)`` of the input.
    stride, padding : int or (int, int)
        As in :class:`cnnbook.layers.Conv2D`; the zeros of the padding have no
        column (they contribute nothing).

    Returns
    -------
    ndarray, shape (H_out * W_out, H * W)
        Row ``i * W_out + j`` holds ``k[p, q]`` in column
        ``(i S + p - P) * W + (j S + q - P)`` for every tap inside the input,
        and 0 elsewhere: the weights of a :class:`~cnnbook.layers.Dense` layer
        whose connections were cut to a window and shared.

    Examples
    --------
    A 2×2 kernel of tap numbers on a 3×3 input: each row is the kernel laid
    out along the flattened input, shifted by one (and by one more at the end
    of an input row). Four weights, sixteen non-zero entries.

    >>> import numpy as np
    >>> conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3))
    array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
           [0, 1, 2, 0, 3, 4, 0, 0, 0],
           [0, 0, 0, 1, 2, 0, 3, 4, 0],
           [0, 0, 0, 0, 1, 2, 0, 3, 4]])

    The matrix computes the valid cross-correlation:

    >>> from cnnbook.conv import correlate2d
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.normal(size=(5, 6)), rng.normal(size=(3, 2))
    >>> bool(np.allclose(conv_matrix(w, x.shape) @ x.ravel(), correlate2d(x, w).ravel()))
    True
    """
    k = np.asarray(k)
    if k.ndim != 2:
        raise ValueError(f"k must be a 2-D kernel (K_h, K_w), got shape {k.shape}")
    H, W = pair(input_shape, "input_shape")
    kh, kw = k.shape
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    H_out, W_out = output_size(H, kh, ph, sh), output_size(W, kw, pw, sw)
    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for p in range(kh):
                for q in range(kw):
                    r, c = i * sh + p - ph, j * sw + q - pw
                    if 0 <= r < H and 0 <= c < W:
                        M[i * W_out + j, r * W + c] = k[p, q]
    return M


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
    kh, kw = pair(kernel_shape, "kernel_shape")
    H, W = pair(input_shape, "input_shape")
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
        face = [[_light(colors[v - 1], 0.3) if v else "white" for v in row] for row in m]
        labels = [
            [(_s("w", *divmod(v - 1, kw)) if v else "") if annotate else "" for v in row]
            for row in m
        ]
        _cells(ax, labels, facecolors=face, fontsize=10, edgecolor="0.8", linewidth=0.6)
        if annotate:
            rows, cols = (out_idx, in_idx) if n == 0 else (in_idx, out_idx)
            for r, idx in enumerate(rows):
                ax.text(-0.15, r + 0.5, _s(rowsym, *idx), ha="right", va="center", fontsize=10)
            for c, idx in enumerate(cols):
                ax.text(c + 0.5, -0.15, _s(colsym, *idx), ha="center", va="bottom", fontsize=10)
        ax.set_title(f"{title}  ({m.shape[0]} × {m.shape[1]})", fontsize=11)
        _canvas(ax, -1.2, m.shape[1] + 0.1, -0.8 if annotate else -0.1, m.shape[0] + 0.1)
        ax.set_anchor("N")
    return fig


# ----------------------------------------------------------------------------
# Representative figures, for the tests and for a quick look
# ----------------------------------------------------------------------------
_EXAMPLE_X = np.array([[1, 2, 0, 3], [4, 1, 2, 0], [0, 3, 1, 2], [2, 0, 4, 1]], dtype=np.float64)
_EXAMPLE_K = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)


def _book_features():
    from .network import book_cnn

    return book_cnn().layers[:6]


def _sobel_kernels() -> dict[str, np.ndarray]:
    sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    return {"vertical edges (Sobel)": sobel, "horizontal edges (Sobel)": sobel.T.copy()}


FIGURES: dict[str, Callable[[], Figure]] = {
    "sliding_kernel": lambda: sliding_kernel(_EXAMPLE_X, _EXAMPLE_K),
    "conv_modes": lambda: conv_modes(_EXAMPLE_X, _EXAMPLE_K),
    "padding_stride": lambda: sliding_kernel(
        np.arange(1.0, 26.0).reshape(5, 5), np.ones((3, 3)), stride=2, padding=1, show_weights=False
    ),
    "multichannel_conv": lambda: multichannel_conv(3, 2),
    "edge_maps": lambda: edge_maps(sample_photograph(), _sobel_kernels()),
    "receptive_field_growth": lambda: receptive_field_growth(_book_features()),
    "receptive_field_region": lambda: receptive_field_region(_book_features()),
    "mlp_deltas": lambda: mlp_deltas((3, 3, 2)),
    "mlp_to_cnn": lambda: mlp_to_cnn(5, 3),
    "cnn_forward": lambda: cnn_forward(3, 2),
    "cnn_backward": lambda: cnn_backward(3, 2),
    "full_convolution_setup": lambda: full_convolution_setup(3, 2),
    "full_convolution_sliding": lambda: full_convolution_sliding(3, 2),
    "conv_matrix": lambda: conv_matrix_figure((2, 2), (3, 3)),
}
"""Name → zero-argument function drawing a representative figure of this module."""
