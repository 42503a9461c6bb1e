"""Figures of receptive fields: how far a unit sees, layer by layer.

:func:`receptive_field_growth` charts the size of the field after each layer,
:func:`receptive_field_region` shades on the input the pixels one unit of
each layer sees. Both are drawn from :func:`cnnbook.receptive_field.receptive_field`.
``FIGURES`` maps a name to a zero-argument function that draws a
representative figure; the tests render each one twice and compare the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..layers import Conv2D
from ..pooling import MaxPool2D
from ..receptive_field import ELEMENTWISE, ReceptiveField, receptive_field, receptive_field_box
from ._draw import check_2d, light

__all__ = ["FIGURES", "receptive_field_growth", "receptive_field_region"]


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
        As in :func:`cnnbook.receptive_field.receptive_field`; elementwise layers are left out of the
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
    keep = [i for i, layer in enumerate(layers, start=1) if not isinstance(layer, ELEMENTWISE)]
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
    ax.bar(pos, sizes, color=light("#0072B2", 0.2), edgecolor="#0072B2")
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
        As in :func:`cnnbook.receptive_field.receptive_field`.
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
        image = check_2d(image, "image")
        input_shape = image.shape
    H, W = input_shape
    keep = [i for i, layer in enumerate(layers, start=1) if not isinstance(layer, ELEMENTWISE)]
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
                facecolor=light(color, 0.5),
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
# Representative figures, for the tests and for a quick look
# ----------------------------------------------------------------------------
def _book_features():
    from ..network import book_cnn

    return book_cnn().layers[:6]


FIGURES: dict[str, Callable[[], Figure]] = {
    "receptive_field_growth": lambda: receptive_field_growth(_book_features()),
    "receptive_field_region": lambda: receptive_field_region(_book_features()),
}
"""Name → zero-argument function drawing a representative figure of this module."""
