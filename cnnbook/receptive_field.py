"""Receptive fields: which input pixels a unit deep in a network can see.

A unit of a convolutional or pooling layer reads a window of the layer below,
whose units read windows of the layer below them, and so on down to the
input. :func:`receptive_field` follows that recurrence layer by layer for one
axis (the field's size, the spacing of neighbouring units in input pixels, and
where the first unit's field starts), and :func:`receptive_field_box` turns it
into the rows and columns one unit sees. The chapter "Convolution" draws them
with :mod:`cnnbook.figures.receptive_field`; the chapter "Visualising
features" checks that a deconvnet projection stays inside one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from .batchnorm import BatchNorm2D
from .layers import Conv2D, Dense, Dropout, Flatten, ReLU, Sigmoid, Tanh
from .pooling import MaxPool2D

__all__ = ["ELEMENTWISE", "ReceptiveField", "receptive_field", "receptive_field_box"]


class ReceptiveField(NamedTuple):
    """Geometry of the units of one layer, seen from the input (one axis).

    Unit ``i`` of the layer sees input positions ``start + i * jump`` to
    ``start + i * jump + size - 1``; positions below 0 or past the input's end
    fall on zero padding.
    """

    size: int
    jump: int
    start: int


#: Layers that act on each value alone: they leave the receptive field as it is.
ELEMENTWISE = (ReLU, Sigmoid, Tanh, BatchNorm2D, Dropout)


def _geometry(layer, axis: int) -> tuple[int, int, int]:
    """``(kernel, stride, padding)`` of a layer along ``axis``."""
    if isinstance(layer, Conv2D):
        return layer.kernel_size[axis], layer.stride[axis], layer.padding[axis]
    if isinstance(layer, MaxPool2D):
        return layer.kernel_size[axis], layer.stride[axis], 0
    if isinstance(layer, ELEMENTWISE):
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
