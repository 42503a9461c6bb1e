"""Every registered figure of every module of cnnbook.figures draws, and every helper is registered.

tests/test_book.py checks that each registered figure renders to the same
bytes twice, and in another process.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from matplotlib.figure import Figure

import cnnbook.figures
from cnnbook.plotting_style import render, use_book_style

# Figure modules whose figures fit the book's 7-inch text column.
COLUMN_MODULES = {
    "cnnbook.figures.grids",
    "cnnbook.figures.projections",
    "cnnbook.figures.attribution",
    "cnnbook.figures.training",
}

# Registry names that differ from the function's name.
ALIASES = {"conv_matrix_figure": "conv_matrix", "plot_confusion_matrix": "confusion_matrix"}


def registered() -> list:
    return [
        pytest.param(modname, name, id=f"{modname.rsplit('.', 1)[1]}:{name}")
        for modname in cnnbook.figures.MODULES
        for name in importlib.import_module(modname).FIGURES
    ]


def test_modules_lists_every_public_module_of_the_package():
    found = {
        f"cnnbook.figures.{m.name}"
        for m in pkgutil.iter_modules(cnnbook.figures.__path__)
        if not m.name.startswith("_")
    }
    assert found == set(cnnbook.figures.MODULES)


@pytest.mark.parametrize(("modname", "name"), registered())
def test_every_registered_figure_draws_a_figure(modname, name):
    use_book_style()
    fig = importlib.import_module(modname).FIGURES[name]()
    assert isinstance(fig, Figure)
    assert fig.axes, f"{name} drew no axes"
    fig.draw_without_rendering()  # layout warnings would fail here (filterwarnings=error)
    assert all(ax.get_xlim()[0] != ax.get_xlim()[1] for ax in fig.axes)
    assert any(ax.patches or ax.images or ax.collections or ax.lines for ax in fig.axes), (
        f"{name} is empty"
    )
    if modname in COLUMN_MODULES:
        assert fig.get_figwidth() <= 7.0 + 1e-9


def test_every_figure_function_is_registered():
    """Each public drawing function has a representative figure in its module's FIGURES."""
    for modname in cnnbook.figures.MODULES:
        module = importlib.import_module(modname)
        drawn = {  # the public functions annotated to return a Figure
            name
            for name in module.__all__
            if getattr(getattr(module, name), "__annotations__", {}).get("return") == "Figure"
        }
        missing = {n for n in drawn if ALIASES.get(n, n) not in module.FIGURES}
        assert not missing, f"{modname}: no FIGURES entry draws {sorted(missing)}"


def test_a_registered_figure_renders_to_identical_png():
    from cnnbook.figures.attribution import FIGURES

    use_book_style()
    a, b = render(FIGURES["heatmap_overlay"]()), render(FIGURES["heatmap_overlay"]())
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b
