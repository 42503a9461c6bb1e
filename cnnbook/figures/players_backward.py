"""Players of the backward pass: the turned kernel, stride and padding undone, max-pool switches.

As in :mod:`cnnbook.figures.players_forward`, every number comes from the
package (:func:`cnnbook.conv.convolve2d`, :func:`cnnbook.conv_fast.conv2d_backward`,
:class:`cnnbook.pooling.MaxPool2D`, …) and every sum a frame writes out is
worked out term by term and asserted equal to it while the frame is drawn.

:data:`PLAYERS` maps each player's name to the function that builds it.
"""

from __future__ import annotations

import numpy as np

from cnnbook.conv import convolve2d, dilate, rot180
from cnnbook.conv_fast import conv2d_backward
from cnnbook.figures.board import Board, integer_text, sum_text, two_grids
from cnnbook.figures.player import Player
from cnnbook.pooling import MaxPool2D, unpool

__all__ = [
    "PLAYERS",
    "cropping_figure",
    "dilation_figure",
    "gather_scatter",
    "maxpool_switches",
    "stride_padding_backward",
]

#: A 2×2 kernel whose four weights differ, so its turn by 180° shows.
K2 = np.array([[1, 2], [3, 4]], dtype=float)


def _raster(n_rows: int, n_cols: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n_rows) for j in range(n_cols)]


def _index(cells) -> str:
    return ", ".join(f"[{i}, {j}]" for i, j in cells)


def gather_scatter() -> Player:
    """Why the kernel turns: the forward pass scatters x[i, j], the backward pass gathers δx[i, j].

    Top: input ``x[i, j]`` reaches the outputs ``y[p, q]`` through the weights
    ``k[i - p, j - q]``. Bottom: ``δx[i, j]`` gathers ``δ[p, q]`` through the
    same weights, which the turned kernel lays over the zero-padded ``δ``:
    a full convolution.

    Examples
    --------
    >>> p = gather_scatter()
    >>> len(p), p.captions[4]
    (9, 'x[1, 1] feeds y[0, 0], [0, 1], [1, 0], [1, 1] through weights 4, 3, 2, 1; so δx[1, 1] = 4·2 + 3·1 + 2·(−1) + 1·3 = 12.')
    """
    x = np.array([[2, 0, 1], [1, 3, 2], [0, 1, 2]], dtype=float)
    delta = np.array([[2, 1], [-1, 3]], dtype=float)
    dx = convolve2d(delta, K2, "full")
    dx_fast = conv2d_backward(delta[None, None], x[None, None], K2[None, None])[0][0, 0]
    assert np.array_equal(dx, dx_fast)
    rk, dpad = rot180(K2), np.pad(delta, 1)
    pad = [c for c in _raster(4, 4) if 0 in c or 3 in c]
    cells = _raster(3, 3)
    frames, captions = [], []
    for t, (i, j) in enumerate(cells):
        # Forward: y[p, q] = sum_{m,n} x[p+m, q+n] k[m, n], so x[i, j] meets k[i-p, j-q].
        reached = {
            (p, q): K2[i - p, j - q] for p, q in _raster(2, 2) if 0 <= i - p < 2 and 0 <= j - q < 2
        }
        # Backward: the turned kernel over the padded δ, window at (i, j).
        window = [(i + a, j + b) for a in range(2) for b in range(2)]
        gathered = {(r - 1, c - 1): rk[r - i, c - j] for r, c in window if (r, c) not in pad}
        assert gathered == reached, (i, j)
        total = sum(delta[c] * w for c, w in reached.items())
        assert total == dx[i, j], (i, j)
        weights = np.full((2, 2), np.nan)
        for c, w in reached.items():
            weights[c] = w
        board = Board(8, 9.9)
        board.grid(x, (0, 1), title="forward: x", read=[(i, j)])
        board.grid(weights, (5, 1.5), title="y", fill="output", read=list(reached),
                   fmt=lambda v: "×" + integer_text(v))  # fmt: skip
        notes = {c: "×" + integer_text(rk[c[0] - i, c[1] - j]) for c in window}
        board.grid(dpad, (0, 5.7), title="backward: δ, padded", fill="output",
                   zeros=pad, read=window, notes=notes)  # fmt: skip
        board.grid(dx, (5, 6.2), title="δx", write=[(i, j)], blank=cells[t + 1 :])
        frames.append(board.figure)
        cs, ws = list(reached), list(reached.values())
        captions.append(
            f"x[{i}, {j}] feeds y{_index(cs)} through weights "
            f"{', '.join(integer_text(w) for w in ws)}; so δx[{i}, {j}] = "
            f"{sum_text(ws, [delta[c] for c in cs])} = {integer_text(dx[i, j])}."
        )
    return Player(
        "gather-scatter",
        frames,
        captions,
        alt="Top: one input cell and the output cells it feeds, with the weight of each "
        "connection. Bottom: the kernel turned by 180 degrees over the zero-padded error, "
        "gathering the same weights for the same input cell.",
    )


#: The error of a 2×2 convolution with stride 2 and padding 1 over a 4×4 input.
DELTA3 = np.array([[1, -1, 2], [0, 3, 1], [2, 1, -2]], dtype=float)
#: Stride and padding of the convolution whose error is :data:`DELTA3`.
S2, P1 = 2, 1


def _stride_padding_steps() -> dict:
    """The backward pass of :data:`DELTA3`, step by step, checked against conv2d_backward."""
    x_shape = (1, 1, 4, 4)
    dx = conv2d_backward(DELTA3[None, None], np.zeros(x_shape), K2[None, None], S2, P1)[0][0, 0]
    spread = dilate(DELTA3, S2)
    full = convolve2d(spread, K2, "full")
    cropped = full[P1:-P1, P1:-P1]
    assert np.array_equal(cropped, dx)
    inserted = [c for c in _raster(*spread.shape) if c[0] % S2 or c[1] % S2]
    return {"dx": dx, "spread": spread, "full": full, "cropped": cropped, "inserted": inserted}


#: Slots of the stride-and-padding player's stacked frames: width, top rows, bottom rows.
SLOTS = (7, 7, 6)


def dilation_figure(stacked: bool = False):
    """Stride as dilation: the 3×3 error of a stride-2 layer, spread onto the stride-1 grid.

    Parameters
    ----------
    stacked : bool
        The two grids one above the other (as a frame of the player) instead
        of side by side.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = _stride_padding_steps()
    return two_grids(
        (DELTA3, {"title": "δ (3×3)", "fill": "output"}),
        (steps["spread"], {"title": "dilate(δ, 2)", "fill": "output", "zeros": steps["inserted"]}),
        stacked=stacked,
        slots=SLOTS if stacked else None,
    ).figure


def cropping_figure(stacked: bool = False):
    """Padding as cropping: the full convolution's border, which padding added, is cut off.

    Parameters
    ----------
    stacked : bool
        As in :func:`dilation_figure`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    steps = _stride_padding_steps()
    full = steps["full"]
    cells = _raster(*full.shape)
    edge = [c for c in cells if min(c) < P1 or max(c) >= full.shape[0] - P1]
    inner = [c for c in cells if c not in edge]
    return two_grids(
        (full, {"title": "full convolution (6×6)", "zeros": edge, "read": inner}),
        (steps["cropped"], {"title": "crop P = 1: δx (4×4)", "write": _raster(4, 4)}),
        stacked=stacked,
        slots=SLOTS if stacked else None,
    ).figure


def stride_padding_backward() -> Player:
    """Stride as dilation of δ and padding as cropping, for a 2×2 kernel, stride 2, padding 1.

    Examples
    --------
    >>> p = stride_padding_backward()
    >>> len(p), p.captions[-1][:34]
    (7, 'The same as conv2d_backward: max |')
    """
    steps = _stride_padding_steps()
    spread, full, cropped, dx = steps["spread"], steps["full"], steps["cropped"], steps["dx"]
    padded = np.pad(spread, 1)  # K - 1 zeros on each side for the full convolution
    border = [c for c in _raster(*padded.shape) if 0 in c or padded.shape[0] - 1 in c]
    zeros = border + [(r + 1, c + 1) for r, c in steps["inserted"]]
    rk = rot180(K2)
    frames = [dilation_figure(stacked=True)]
    captions = [
        "The forward pass with stride 2 skipped every other position, so δ is 3×3. dilate "
        "puts it back on the stride-1 grid, with a zero (dashed) where the forward pass skipped."
    ]
    cells = _raster(*full.shape)
    for a, b in ((0, 0), (0, 1), (2, 3), (5, 5)):
        window = [(a + m, b + n) for m in range(2) for n in range(2)]
        notes = {c: "×" + integer_text(rk[c[0] - a, c[1] - b]) for c in window}
        under = [padded[c] for c in window]
        assert sum(u * w for u, w in zip(under, rk.ravel(), strict=True)) == full[a, b]
        board = two_grids(
            (padded, {"title": "dilated δ, padded by K − 1", "fill": "output", "zeros": zeros,
                      "read": window, "notes": notes}),
            (full, {"title": "full convolution", "write": [(a, b)],
                    "blank": cells[cells.index((a, b)) + 1 :]}),
            stacked=True,
            slots=SLOTS,
        )  # fmt: skip
        frames.append(board.figure)
        captions.append(
            f"Full convolution with k: the turned kernel over the padded, dilated δ gives "
            f"[{a}, {b}] = {sum_text(under, rk.ravel())} = {integer_text(full[a, b])}."
        )
    frames.append(cropping_figure(stacked=True))
    captions.append(
        "Padding 1 in the forward pass added a border the cost never saw: crop P = 1 from "
        "each side of the full convolution to get δx, the shape of x."
    )
    board = two_grids(
        (cropped, {"title": "crop(full(dilate(δ)))"}),
        (dx, {"title": "conv2d_backward", "fill": "output"}),
        stacked=True,
        slots=SLOTS,
    )
    frames.append(board.figure)
    captions.append(
        f"The same as conv2d_backward: max |difference| = "
        f"{integer_text(np.max(np.abs(cropped - dx)))}. Stride became dilation, padding "
        f"became cropping."
    )
    return Player(
        "stride-padding-backward",
        frames,
        captions,
        alt="The error of a stride-2, padding-1 convolution is spread out with zeros, "
        "convolved in full with the kernel, and its border cropped; the result equals "
        "the package's backward pass.",
    )


def maxpool_switches() -> Player:
    """Max pooling 2×2 records where each maximum was; the backward pass routes δ there.

    Examples
    --------
    >>> p = maxpool_switches()
    >>> len(p), p.captions[4]
    (8, 'Backward: δy[0, 0] = 1 goes to the switch x[1, 0]; the other three cells of the window get 0.')
    """
    x = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 6, 3, 2], [2, 1, 7, 4]], dtype=float)
    dy = np.array([[1, -2], [3, 2]], dtype=float)
    pool = MaxPool2D(2)
    y = pool.forward(x[None, None])[0, 0]
    switches = pool.switches[0, 0]
    dx = pool.backward(dy[None, None])[0, 0]
    assert np.array_equal(dx, unpool(dy[None, None], pool.switches, (1, 1, 4, 4))[0, 0])
    wins = _raster(2, 2)
    frames, captions = [], []
    routed = np.full((4, 4), np.nan)
    for t in range(8):
        p, q = wins[t % 4]
        window = [(2 * p + a, 2 * q + b) for a in range(2) for b in range(2)]
        s = divmod(int(switches[p, q]), 4)
        assert x[s] == y[p, q] == max(x[c] for c in window)
        board = Board(7.5, 10.6)
        upto = wins[: t + 1] if t < 4 else wins
        marks = [divmod(int(switches[c]), 4) for c in upto]
        board.grid(x, (0, 1), title="x", read=window if t < 4 else (), write=marks)
        board.grid(y, (5.5, 2), title="y", fill="output", write=[(p, q)] if t < 4 else (),
                   blank=wins[t + 1 :] if t < 4 else ())  # fmt: skip
        if t >= 4:
            routed[window[0][0] : window[0][0] + 2, window[0][1] : window[0][1] + 2] = 0
            routed[s] = dy[p, q]
            assert routed[s] == dx[s]
            board.grid(dy, (5.5, 7.1), title="δy", fill="output", read=[(p, q)])
            board.grid(routed, (0, 6.1), title="δx", write=[s], read=window)
            captions.append(
                f"Backward: δy[{p}, {q}] = {integer_text(dy[p, q])} goes to the switch "
                f"x[{s[0]}, {s[1]}]; the other three cells of the window get 0."
            )
        else:
            captions.append(
                f"Forward: window {t + 1} of 4, max = {integer_text(y[p, q])} at "
                f"x[{s[0]}, {s[1]}]; the pool remembers that position (its switch)."
            )
        frames.append(board.figure)
    assert np.array_equal(routed, dx)
    return Player(
        "maxpool-switches",
        frames,
        captions,
        alt="Max pooling with 2 by 2 windows: the forward pass picks each window's maximum "
        "and remembers where it was; the backward pass sends each gradient back to that "
        "cell and zero to the others.",
    )


#: The still figures of the module (frames of a player), for the reproducibility test.
FIGURES = {"dilation": dilation_figure, "cropping": cropping_figure}

#: Name of each player to the function that builds it.
PLAYERS = {
    "gather-scatter": gather_scatter,
    "stride-padding-backward": stride_padding_backward,
    "maxpool-switches": maxpool_switches,
}
