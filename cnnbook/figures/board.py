"""A board of number grids: the canvas every frame of a player is drawn on.

A frame of a player shows a few small matrices (an input, a kernel, an
output) with some cells highlighted and the numbers written in. A
:class:`Board` is a matplotlib figure whose one axes is measured in cells, so
a grid is placed by the row and column of its top-left corner and every cell
is the same size in every frame: the picture does not jump from frame to
frame.

Colours, the same in every player: an input is grey, a kernel blue, an output
green; the cells being read are outlined and filled in orange, the cell being
written in red, and a zero that was inserted (padding, dilation) is white and
dashed.

For example, a 2×2 grid with one cell being read:

>>> import numpy as np
>>> from cnnbook.plotting_style import render, use_book_style
>>> use_book_style()
>>> board = Board(4, 3)
>>> board.grid(np.arange(4).reshape(2, 2), (0, 1), title="x", read={(0, 0)})
>>> render(board.figure)[:4]
b'\\x89PNG'
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cnnbook.checks import number
from cnnbook.plotting_style import MIN_FONT_SIZE

__all__ = ["COLORS", "Board", "integer_text", "sum_text", "two_grids"]

#: Fill colours by role, shared by every player.
COLORS: dict[str, str] = {
    "input": "#eeeeee",
    "kernel": "#cfe2f3",
    "output": "#d9ead3",
    "read": "#fce5cd",
    "write": "#f4cccc",
    "zero": "#ffffff",
    "empty": "#ffffff",
}
#: Edge colours by role.
EDGES: dict[str, str] = {"plain": "#777777", "read": "#e69138", "write": "#cc0000"}


def integer_text(v) -> str:
    """Write ``v`` as an integer if it is one, else with two decimals; minus as U+2212.

    Examples
    --------
    >>> integer_text(3.0), integer_text(-2), integer_text(0.125)
    ('3', '−2', '0.12')
    """
    v = float(v)
    s = f"{v:.0f}" if v == round(v) else f"{v:.2f}"
    return s.replace("-", "\u2212")


class Board:
    """A figure measured in cells, on which grids of numbers are drawn.

    Parameters
    ----------
    width, height : float
        Size of the board in cells; row 0 is at the top.
    cell : float
        Side of a cell in inches (at the book's 100 dpi, 0.42 in is 42 px).
    """

    def __init__(self, width: int, height: int, cell: float = 0.42) -> None:
        self.width = number(width, "width", low=1)
        self.height = number(height, "height", low=1)
        cell = number(cell, "cell", low=0.05)
        # A margin of a tenth of a cell keeps the outer edges whole.
        m = 0.1
        self.figure = Figure(figsize=((self.width + 2 * m) * cell, (self.height + 2 * m) * cell))
        ax = self.figure.add_axes((0, 0, 1, 1))
        ax.set_xlim(-m, self.width + m)
        ax.set_ylim(self.height + m, -m)
        ax.set_axis_off()
        self.ax = ax
        # Font sizes in points that keep a digit about half a cell high.
        self.font = cell * 72 * 0.42
        self._text_kw = {"ha": "center", "va": "center", "fontsize": self.font}

    def text(self, col: float, row: float, s: str, *, size: float = 1.0, **kw) -> None:
        """Write ``s`` centred at (``col``, ``row``), in cells; ``size`` scales the font."""
        self.ax.text(col, row, s, **{**self._text_kw, "fontsize": self.font * size, **kw})

    def grid(
        self,
        values,
        at: tuple[float, float],
        *,
        title: str | None = None,
        fill: str = "input",
        read: Collection[tuple[int, int]] = (),
        write: Collection[tuple[int, int]] = (),
        zeros: Collection[tuple[int, int]] = (),
        blank: Collection[tuple[int, int]] = (),
        notes: Mapping[tuple[int, int], str] | None = None,
        fmt: Callable[[float], str] = integer_text,
    ) -> None:
        """Draw the matrix ``values`` with its top-left corner at ``at = (col, row)``.

        Parameters
        ----------
        values : array_like, shape (h, w)
            Numbers to write in the cells (NaN leaves a cell empty).
        at : (float, float)
            Column and row of the top-left corner, in cells.
        title : str, optional
            Written centred above the grid.
        fill : str
            Role of the grid, a key of :data:`COLORS`.
        read, write : collection of (i, j)
            Cells being read (orange) and the cell being written (red).
        zeros : collection of (i, j)
            Inserted zeros (padding, dilation): white with a dashed edge.
        blank : collection of (i, j)
            Cells drawn empty, for an output not computed yet.
        notes : mapping (i, j) -> str, optional
            A small second line in a cell, e.g. the weight it is multiplied by.
        fmt : callable
            Turns a number into the text of its cell.
        """
        values = np.atleast_2d(np.asarray(values, dtype=float))
        if values.ndim != 2:
            raise ValueError(f"values must be a matrix, got shape {values.shape}")
        if fill not in COLORS:
            raise ValueError(f"fill must be one of {sorted(COLORS)}, got {fill!r}")
        c0, r0 = at
        notes = notes or {}
        read, write, zeros, blank = set(read), set(write), set(zeros), set(blank)
        for (i, j), v in np.ndenumerate(values):
            role = "write" if (i, j) in write else "read" if (i, j) in read else None
            face = COLORS[role or ("zero" if (i, j) in zeros else fill)]
            if (i, j) in blank:
                face = COLORS["empty"]
            self.ax.add_patch(
                Rectangle(
                    (c0 + j, r0 + i),
                    1,
                    1,
                    facecolor=face,
                    edgecolor=EDGES[role or "plain"],
                    linewidth=2.2 if role else 0.8,
                    linestyle="--" if (i, j) in zeros and not role else "-",
                    zorder=3 if role else 2,
                )
            )
            if (i, j) in blank or np.isnan(v):
                continue
            dy = -0.17 if (i, j) in notes else 0.0
            self.text(c0 + j + 0.5, r0 + i + 0.5 + dy, fmt(v), zorder=4)
            if (i, j) in notes:  # as small as the book allows, no smaller
                size = max(MIN_FONT_SIZE / self.font, 0.7)
                self.text(c0 + j + 0.5, r0 + i + 0.79, notes[(i, j)], size=size, zorder=4)
        if title is not None:
            w = values.shape[1]
            self.text(c0 + w / 2, r0 - 0.45, title, size=0.9)


def sum_text(a, b) -> str:
    """Write the sum of products ``Σ a_i b_i`` term by term, e.g. ``"2·1 + 3·(−1)"``.

    Examples
    --------
    >>> sum_text([2, 3, 0], [1, -1, 4])
    '2·1 + 3·(−1) + 0·4'
    """

    def factor(v) -> str:
        s = integer_text(v)
        return f"({s})" if s.startswith("\u2212") else s

    a, b = np.ravel(a), np.ravel(b)
    if a.shape != b.shape:
        raise ValueError(f"need as many factors on each side, got {a.size} and {b.size}")
    return " + ".join(f"{factor(u)}·{factor(v)}" for u, v in zip(a, b, strict=True))


def two_grids(first, second, *, stacked: bool, slots=None) -> Board:
    """A board with two grids, side by side or one above the other.

    Parameters
    ----------
    first, second : (array_like, dict)
        The values of each grid and the options of :meth:`Board.grid` (``title``,
        ``fill``, ``read``, …); the position is chosen here.
    stacked : bool
        One above the other (a narrow board, for phones) or side by side.
    slots : (width, top_rows, bottom_rows), optional
        With ``stacked``, the size reserved for each grid, so that every frame
        of a player has the same size whatever the size of its grids; each grid
        is centred in its slot.

    Returns
    -------
    Board

    Examples
    --------
    >>> board = two_grids(([[1, 2]], {"title": "a"}), ([[3], [4]], {}), stacked=True)
    >>> board.width, board.height
    (2.0, 5.4)
    """
    (a, opt_a), (b, opt_b) = first, second
    (ha, wa), (hb, wb) = np.shape(np.atleast_2d(a)), np.shape(np.atleast_2d(b))
    if not stacked:
        board = Board(wa + 1.5 + wb, 1.2 + max(ha, hb))
        board.grid(a, (0, 1), **opt_a)
        board.grid(b, (wa + 1.5, 1), **opt_b)
        return board
    width, top, bottom = slots if slots is not None else (max(wa, wb), ha, hb)
    if wa > width or wb > width or ha > top or hb > bottom:
        raise ValueError(f"grids of {ha}×{wa} and {hb}×{wb} do not fit the slots {slots}")
    board = Board(width, 1 + top + 1.2 + bottom + 0.2)
    board.grid(a, ((width - wa) / 2, 1 + (top - ha) / 2), **opt_a)
    board.grid(b, ((width - wb) / 2, 1 + top + 1.2 + (bottom - hb) / 2), **opt_b)
    return board


def _example():
    return two_grids(
        ([[1, 2], [3, 4]], {"title": "x", "read": [(0, 0)]}),
        ([[5]], {"title": "y", "fill": "output", "write": [(0, 0)]}),
        stacked=False,
    ).figure


#: A representative figure, for the reproducibility test of :mod:`cnnbook.figures`.
FIGURES = {"two_grids": _example}
