"""Players of the forward pass: a kernel sliding, padding, stride and dilation, transposition.

Each function builds a :class:`~cnnbook.figures.player.Player` whose numbers
come from the package (:func:`cnnbook.conv.correlate2d`,
:func:`cnnbook.conv_fast.conv2d_forward`, :func:`cnnbook.conv_fast.conv2d_transpose`,
…) and checks them while it draws: the sum written under a frame is worked
out term by term and must equal what the package computed, or the function
raises :class:`AssertionError` and the book does not build.

:data:`PLAYERS` maps each player's name to the function that builds it.
"""

from __future__ import annotations

import numpy as np

from cnnbook.conv import correlate2d, dilate, output_size
from cnnbook.conv_fast import conv2d_backward, conv2d_forward, conv2d_transpose
from cnnbook.figures.board import Board, integer_text, sum_text, two_grids
from cnnbook.figures.player import Player

__all__ = [
    "PLAYERS",
    "forward_frame",
    "forward_pass",
    "padding_stride_dilation",
    "transposed_convolution",
]

#: The small integer input the forward players slide over.
X5 = np.array(
    [
        [3, 1, 0, 2, 1],
        [0, 2, 1, 3, 0],
        [1, 0, 3, 1, 2],
        [2, 1, 0, 2, 3],
        [0, 3, 2, 1, 1],
    ],
    dtype=float,
)
#: A kernel with no symmetry, so a turned copy looks different.
K3 = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], dtype=float)


def _raster(n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n_rows) for j in range(n_cols)]


def _later(cells: list[tuple[int, int]], k: int) -> list[tuple[int, int]]:
    """The cells after the ``k``-th in raster order: not computed yet."""
    return cells[k + 1 :]


def forward_frame(t: int = 4):
    """Frame ``t`` of :func:`forward_pass`: the kernel over its ``t``-th window, in raster order.

    Returns
    -------
    matplotlib.figure.Figure
    """
    x, k = X5, K3
    y = correlate2d(x, k, "valid")
    cells = _raster(*y.shape)
    i, j = cells[t]
    assert np.sum(x[i : i + 3, j : j + 3] * k) == y[i, j], (i, j)
    board = Board(13, 6.1)
    window = [(i + m, j + n) for m in range(3) for n in range(3)]
    notes = {(i + m, j + n): "×" + integer_text(k[m, n]) for m in range(3) for n in range(3)}
    board.grid(x, (0, 0.9), title="input x", read=window, notes=notes)
    board.text(5.5, 3.4, "⋆", size=2)
    board.grid(k, (6, 0.9), title="kernel k", fill="kernel")
    board.text(9.5, 2.4, "=", size=1.4)
    board.grid(y, (10, 0.9), title="output y", fill="output", write=[(i, j)],
               blank=_later(cells, t))  # fmt: skip
    return board.figure


def forward_pass() -> Player:
    """A 3×3 kernel sliding over a 5×5 input, one output cell per frame (valid correlation).

    Examples
    --------
    >>> p = forward_pass()
    >>> len(p), p.captions[0]
    (9, 'y[0, 0] = 3·1 + 1·0 + 0·(−1) + 0·2 + 2·1 + 1·0 + 1·0 + 0·(−1) + 3·1 = 8')
    """
    x, k = X5, K3
    y = correlate2d(x, k, "valid")
    cells = _raster(*y.shape)
    frames = [forward_frame(t) for t in range(len(cells))]
    captions = [
        f"y[{i}, {j}] = {sum_text(x[i : i + 3, j : j + 3], k)} = {integer_text(y[i, j])}"
        for i, j in cells
    ]
    return Player(
        "forward",
        frames,
        captions,
        alt="A 3 by 3 kernel slides over a 5 by 5 input; each output cell is the sum of "
        "the input cells under the kernel times the kernel's weights.",
    )


#: (padding, stride, dilation) shown by :func:`padding_stride_dilation`, in order.
SETTINGS = ((0, 1, 1), (1, 1, 1), (1, 2, 1), (0, 1, 2), (1, 1, 2))


def padding_stride_dilation() -> Player:
    """Padding, stride and dilation on a 5×5 input, with the output-size formula in every frame.

    Dilation ``D`` spreads the kernel's taps ``D`` cells apart; it is a
    convolution with the kernel :func:`~cnnbook.conv.dilate`-d by ``D``, whose
    size is ``D (K - 1) + 1``, which is how the output size is computed here.

    Examples
    --------
    >>> p = padding_stride_dilation()
    >>> p.captions[0][:60]
    'P = 0, S = 1, D = 1: H_out = ⌊(H + 2P − D(K − 1) − 1) / S⌋ +'
    """
    x, k = X5, K3
    H, K = x.shape[0], k.shape[0]
    frames, captions = [], []
    for P, S, D in SETTINGS:
        kd = dilate(k, D)  # the dilated kernel: D - 1 zeros between taps
        n = output_size(H, D * (K - 1) + 1, P, S)
        assert n == (H + 2 * P - D * (K - 1) - 1) // S + 1, (P, S, D)
        y = conv2d_forward(x[None, None], kd[None, None], stride=S, padding=P)[0, 0]
        assert y.shape == (n, n), (y.shape, n)
        xp = np.pad(x, P)
        pad = [c for c in _raster(*xp.shape) if not (P <= c[0] < P + H and P <= c[1] < P + H)]
        cells = _raster(n, n)
        for t in sorted({0, min(1, n * n - 1), n * n - 1}):
            i, j = cells[t]
            taps = [(i * S + D * m, j * S + D * n_) for m in range(K) for n_ in range(K)]
            notes = {c: "×" + integer_text(k.flat[q]) for q, c in enumerate(taps)}
            total = sum(xp[c] * k.flat[q] for q, c in enumerate(taps))
            assert total == y[i, j], (P, S, D, i, j)
            board = two_grids(
                (xp, {"title": f"x, P = {P}, D = {D}", "read": taps, "zeros": pad,
                      "notes": notes}),
                (y, {"title": f"S = {S}: H_out = {n}", "fill": "output", "write": [(i, j)],
                     "blank": _later(cells, t)}),
                stacked=True,
                slots=(7, 7, 5),
            )  # fmt: skip
            frames.append(board.figure)
            span = D * (K - 1)
            captions.append(
                f"P = {P}, S = {S}, D = {D}: H_out = ⌊(H + 2P − D(K − 1) − 1) / S⌋ + 1 = "
                f"⌊({H} + {2 * P} − {span} − 1) / {S}⌋ + 1 = {n}. "
                f"Output [{i}, {j}] = {integer_text(y[i, j])}."
            )
    return Player(
        "padding-stride-dilation",
        frames,
        captions,
        alt="The same 3 by 3 kernel over the same 5 by 5 input with padding, stride and "
        "dilation changing; padded zeros are dashed, the output grid changes size.",
    )


def transposed_convolution() -> Player:
    """Transposed convolution with stride 2: each input entry stamps a scaled copy of the kernel.

    The copies are placed two cells apart and add up where they overlap; the
    last frame is the sum, which equals :func:`~cnnbook.conv_fast.conv2d_transpose`
    and the input gradient of :func:`~cnnbook.conv_fast.conv2d_backward`.

    Examples
    --------
    >>> p = transposed_convolution()
    >>> len(p), p.captions[-1][:40]
    (5, 'The sum of the four copies is conv2d_tra')
    """
    d = np.array([[1, 2], [3, -1]], dtype=float)
    k = np.array([[1, 2, 0], [0, 1, 1], [2, 0, 1]], dtype=float)
    S, shape = 2, (1, 1, 5, 5)
    r = conv2d_transpose(d[None, None], k[None, None], shape, stride=S)[0, 0]
    dx = conv2d_backward(d[None, None], np.zeros(shape), k[None, None], stride=S)[0][0, 0]
    assert np.array_equal(r, dx)
    out = np.zeros(shape[2:])
    touched = np.zeros(out.shape, bool)
    frames, captions = [], []
    for i, j in _raster(*d.shape):
        out[S * i : S * i + 3, S * j : S * j + 3] += d[i, j] * k
        touched[S * i : S * i + 3, S * j : S * j + 3] = True
        stamp = [(S * i + m, S * j + n) for m in range(3) for n in range(3)]
        notes = {c: "+" + integer_text(d[i, j] * k.flat[q]) for q, c in enumerate(stamp)}
        board = Board(12.5, 6.1)
        board.grid(d, (0, 0.9), title="δ", read=[(i, j)])
        board.grid(k, (3, 0.9), title="kernel k", fill="kernel")
        board.grid(out, (7.5, 0.9), title="output", fill="output", read=stamp, notes=notes,
                   blank=list(zip(*np.nonzero(~touched), strict=True)))  # fmt: skip
        frames.append(board.figure)
        captions.append(
            f"δ[{i}, {j}] = {integer_text(d[i, j])} stamps {integer_text(d[i, j])} × k at "
            f"rows {S * i}–{S * i + 2}, columns {S * j}–{S * j + 2}; overlapping copies add up."
        )
    assert np.array_equal(out, r)
    board = Board(12.5, 6.1)
    board.grid(d, (0, 0.9), title="δ")
    board.grid(k, (3, 0.9), title="kernel k", fill="kernel")
    board.grid(out, (7.5, 0.9), title="conv2d_transpose", fill="output",
               write=_raster(*out.shape))  # fmt: skip
    frames.append(board.figure)
    captions.append(
        "The sum of the four copies is conv2d_transpose(δ, k, stride 2), and equals the input "
        "gradient conv2d_backward returns for a stride-2 convolution with k."
    )
    return Player(
        "transposed",
        frames,
        captions,
        alt="A transposed convolution with stride 2: each of four input values stamps a "
        "scaled copy of a 3 by 3 kernel onto a 5 by 5 output, two cells apart.",
    )


#: Name of each player to the function that builds it.
PLAYERS = {
    "forward": forward_pass,
    "padding-stride-dilation": padding_stride_dilation,
    "transposed": transposed_convolution,
}

#: A still frame, for the reproducibility tests of :mod:`cnnbook.figures`; the
#: players themselves are HTML, checked by ``tests/test_players.py``.
FIGURES = {"forward_frame": forward_frame}
