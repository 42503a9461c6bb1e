"""A convolution drawn as a network, forward and backward, and its backward pass as a full convolution.

:func:`cnn_forward` draws a valid cross-correlation as a two-layer network
whose edges are coloured by the weight they carry; :func:`cnn_backward` runs
it backwards, each input collecting the deltas of the outputs it fed.
:func:`full_convolution_setup` and :func:`full_convolution_sliding` show the
same sums as the kernel turned by 180° sliding over the zero-padded deltas: a
full convolution. The sums come from
:func:`cnnbook.weight_sharing.gradient_terms`. ``FIGURES`` maps a name to a
zero-argument function that draws a representative figure; the tests render
each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from ..weight_sharing import gradient_terms
from ._draw import (
    PAD_COLOR,
    canvas,
    cell_table,
    edge,
    light,
    neuron,
    outline,
    symbol,
    weight_colors,
)

__all__ = [
    "FIGURES",
    "cnn_backward",
    "cnn_forward",
    "full_convolution_setup",
    "full_convolution_sliding",
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
                    edge(
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
        neuron(ax, x, y, symbol("x", r, c), r=0.4, fontsize=11)
    for (r, c), (x, y) in xout.items():
        lab = symbol("δ", r, c) if backward else symbol("z", r, c)
        neuron(
            ax,
            x,
            y,
            lab,
            r=0.4,
            fontsize=11,
            facecolor=light("#56B4E9", 0.7) if backward else "white",
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
            lr.append(symbol("w", p, q))
            fr.append(light(colors[p * K + q], 0.35))
        labels.append(lr)
        face.append(fr)
    cell_table(ax, labels, x0, y0, size=size, facecolors=face, fontsize=11)
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
    canvas(ax, x0, x1, y0, y1)
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
    >>> from matplotlib.patches import Circle, FancyArrowPatch
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
                symbol("w", p, q) + symbol("x", i + p, j + q) for p in range(K) for q in range(K)
            )
            ax.text(0, y, f"{symbol('z', i, j)} = {terms}", fontsize=11.5, va="center")
            y += 0.8
    canvas(ax, -0.2, 9.5, -0.2, max(y, 1.05 * H + 1.5))
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
        input the sum that :func:`cnnbook.weight_sharing.gradient_terms` gives.

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
    canvas(ax, -0.2, 9.5, -0.4, y)
    ax.set_anchor("W")
    return fig


def _gradient_formula(a, b, H, K) -> str:
    """``∂C/∂x_ab = w_pq δ_ij + ...`` for a K×K kernel on an H×H input, as plain text."""
    terms = " + ".join(
        symbol("w", p, q) + symbol("δ", i, j)
        for (p, q), (i, j) in gradient_terms(a, b, (H, H), (K, K))
    )
    return f"∂C/∂{symbol('x', a, b)} = {terms}"


def _padded_delta_labels(H_out, W_out, pad_h, pad_w):
    labels, face = [], []
    for r in range(H_out + 2 * pad_h):
        lr, fr = [], []
        for c in range(W_out + 2 * pad_w):
            i, j = r - pad_h, c - pad_w
            inside = 0 <= i < H_out and 0 <= j < W_out
            lr.append(symbol("δ", i, j) if inside else "0")
            fr.append(light("#56B4E9", 0.7) if inside else PAD_COLOR)
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
                    facecolor=light(colors[p * K + q], 0.35),
                    edgecolor="0.35",
                    alpha=0.75,
                    zorder=2,
                )
            )
            ax.text(
                x0 + (c + 0.97) * size,
                y0 + (r + 0.97) * size,
                symbol("w", p, q),
                ha="right",
                va="bottom",
                fontsize=9.5,
                zorder=6,
            )
    outline(ax, x0, y0, K * size, K * size, color="0.15", lw=2.5)


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
    canvas(ax, -0.3, K + 0.3, -0.3, n)
    ax = fig.add_subplot(gs[1])
    _kernel_key(ax, K, 0, 0, size=1.0, turned=True, title="")
    ax.set_title("rot180($w$)", fontsize=11)
    canvas(ax, -0.3, K + 0.3, -0.3, n)
    ax = fig.add_subplot(gs[2])
    labels, face = _padded_delta_labels(H_out, H_out, P, P)
    cell_table(ax, labels, facecolors=face, fontsize=12)
    _turned_window(ax, K, b, a)
    ax.set_title(_gradient_formula(a, b, H, K), fontsize=12)
    canvas(ax, -0.1, n + 0.1, -0.1, n + 0.1)
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
            cell_table(ax, labels, facecolors=face, fontsize=11)
            _turned_window(ax, K, b, a)
            ax.set_title(_gradient_formula(a, b, H, K), fontsize=10.5)
            canvas(ax, -0.1, n + 0.1, -0.1, n + 0.1)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.95, bottom=0.01, wspace=0.1, hspace=0.3)
    return fig


# ----------------------------------------------------------------------------
# A convolution as a matrix with shared entries


# ----------------------------------------------------------------------------
# Representative figures, for the tests and for a quick look
# ----------------------------------------------------------------------------
FIGURES: dict[str, Callable[[], Figure]] = {
    "cnn_forward": lambda: cnn_forward(3, 2),
    "cnn_backward": lambda: cnn_backward(3, 2),
    "full_convolution_setup": lambda: full_convolution_setup(3, 2),
    "full_convolution_sliding": lambda: full_convolution_sliding(3, 2),
}
"""Name → zero-argument function drawing a representative figure of this module."""
