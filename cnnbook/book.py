"""Helpers the chapters share: printing a check, gluing a checked error, showing source, timing.

Every chapter imports these in its hidden set-up cell rather than defining
its own, so that a check reads the same in every chapter and a fix reaches
all of them. :func:`glue_error` and :func:`show_source` need the book's
build tools (myst-nb and IPython), which are imported only when called.
"""

from __future__ import annotations

import ast
import html
import inspect
import textwrap
import timeit

import numpy as np

from .checks import number, positive_int
from .gradcheck import rel_error

__all__ = [
    "CheckTable",
    "best_time",
    "check_table",
    "compare",
    "glue_error",
    "show_source",
    "source_summary",
]


def compare(label: str, value, expected) -> float:
    """Print the largest entry of ``expected``, the same entry of ``value``, and their error.

    The relative error is taken over all entries, as
    :func:`cnnbook.gradcheck.rel_error` defines it. It is also returned, so
    that a cell can assert on it.

    Examples
    --------
    >>> err = compare("two vs two", [1.0, 2.0], [1.0, 2.0])
    two vs two                  +2.000000 vs +2.000000  rel. error 0.0e+00
    >>> err
    0.0
    """
    value, expected = np.asarray(value), np.asarray(expected)
    i = np.unravel_index(np.abs(expected).argmax(), expected.shape)
    err = rel_error(value, expected)
    print(f"{label:<27} {value[i]:+.6f} vs {expected[i]:+.6f}  rel. error {err:.1e}")
    return err


def glue_error(name: str, value, limit: float = 1e-7) -> None:
    """Glue a checked error into the text, failing the build if it is not below ``limit``.

    Examples
    --------
    >>> glue_error("tiny", 1e-3, limit=1e-7)
    Traceback (most recent call last):
        ...
    AssertionError: tiny = 1.000e-03 is not below 1e-07
    """
    value = number(value, name)
    if not value < limit:  # raised, not asserted: the check must hold under python -O too
        raise AssertionError(f"{name} = {value:.3e} is not below {limit:g}")
    from myst_nb import glue

    glue(name, value, display=False)


def source_summary(obj) -> str:
    """The source of a function or class, with each docstring cut to its summary line.

    The full docstrings are on the API page; in a chapter they would bury the
    code.

    Examples
    --------
    >>> print(source_summary(compare).splitlines()[1])
        \"\"\"Print the largest entry of ``expected``, the same entry of ``value``, and their error.\"\"\"
    """
    source = textwrap.dedent(inspect.getsource(obj))
    lines = source.splitlines()
    documented = [
        node.body[0]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node)
    ]
    for doc in sorted(documented, key=lambda d: d.lineno, reverse=True):
        indent = lines[doc.lineno - 1][: doc.col_offset]
        summary = doc.value.value.strip().splitlines()[0]
        lines[doc.lineno - 1 : doc.end_lineno] = [f'{indent}"""{summary}"""']
    return "\n".join(lines)


def show_source(obj):
    """Display :func:`source_summary` of ``obj`` as a highlighted Python listing."""
    from IPython.display import Markdown

    return Markdown("```python\n" + source_summary(obj) + "\n```")


def best_time(f, repeats: int = 5) -> float:
    """The shortest of ``repeats`` runs of ``f()``, in seconds (:mod:`timeit`'s advice).

    The minimum, not the mean, is the figure least disturbed by whatever else
    the machine is doing.

    Examples
    --------
    >>> best_time(lambda: None) >= 0.0
    True
    """
    repeats = positive_int(repeats, "repeats")
    return min(timeit.repeat(f, repeat=repeats, number=1))


class CheckTable:
    """A section's checks as one table: equation, what it is checked against, relative error.

    Displays as an HTML table in a notebook and as aligned text elsewhere.
    Build it with :func:`check_table`, which also enforces the limits.
    """

    HEADER = ("equation", "checked against", "relative error")

    def __init__(self, rows: list[tuple[str, str, float]]) -> None:
        self.rows = rows

    def __str__(self) -> str:
        cells = [self.HEADER, *((e, how, f"{err:.1e}") for e, how, err in self.rows)]
        widths = [max(len(row[c]) for row in cells) for c in range(2)]
        return "\n".join(
            f"{e:<{widths[0]}}  {how:<{widths[1]}}  {err}".rstrip() for e, how, err in cells
        )

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in self.HEADER)
        body = "".join(
            f"<tr><td>{html.escape(e)}</td><td>{html.escape(how)}</td>"
            f'<td style="text-align:right">{err:.1e}</td></tr>'
            for e, how, err in self.rows
        )
        return (
            '<table class="cnnbook-checks" style="font-size: 0.9em"><thead><tr>'
            f"{head}</tr></thead><tbody>{body}</tbody></table>"
        )


def check_table(rows, limit: float = 1e-7) -> CheckTable:
    """Collect checks into a :class:`CheckTable`, failing if any error is not below its limit.

    Parameters
    ----------
    rows : iterable of (equation, how, error) or (equation, how, error, limit)
        ``equation`` names what is checked (e.g. ``"(eq-delta) δ^l"``), ``how``
        the independent reference, ``error`` the relative error found.
    limit : float
        The limit of rows that do not give their own.

    Raises
    ------
    AssertionError
        If an error is not below its limit (raised, not asserted, so it holds
        under ``python -O``).

    Examples
    --------
    >>> print(check_table([("(eq-a) y", "scipy", 1e-16), ("(eq-b) dx", "finite diff.", 3e-11)]))
    equation   checked against  relative error
    (eq-a) y   scipy            1.0e-16
    (eq-b) dx  finite diff.     3.0e-11
    >>> check_table([("(eq-a) y", "scipy", 0.5)])
    Traceback (most recent call last):
        ...
    AssertionError: (eq-a) y against scipy: relative error 5.000e-01 is not below 1e-07
    """
    checked = []
    for row in rows:
        if len(row) not in (3, 4):
            raise ValueError(f"a row is (equation, how, error[, limit]), got {row!r}")
        equation, how, error = str(row[0]), str(row[1]), number(row[2], "error", low=0)
        lim = number(row[3] if len(row) == 4 else limit, "limit", low=0, low_open=True)
        if not error < lim:
            raise AssertionError(
                f"{equation} against {how}: relative error {error:.3e} is not below {lim:g}"
            )
        checked.append((equation, how, error))
    return CheckTable(checked)
