"""Tests of cnnbook.figures.projections: deconvnet projections and top images, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from figure_checks import clim, shown

from cnnbook.figures.projections import projections, top_k_grid
from cnnbook.plotting_style import use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


# ----------------------------------------------------------------------------
# projections and top-k
# ----------------------------------------------------------------------------
def test_projections_signed_and_minmax():
    p = np.array([[[-1.0, 0.0], [0.0, 4.0]]])
    (ax,) = projections(p).axes
    assert clim(ax) == [-4.0, 4.0] and ax.images[0].get_cmap().name == "RdBu_r"
    (ax,) = projections(p, style="minmax").axes
    np.testing.assert_allclose(shown(ax), [[0.0, 0.2], [0.2, 1.0]])
    assert clim(ax) == [0.0, 1.0]
    with pytest.raises(ValueError, match="style must be one of"):
        projections(p, style="zf")


def test_projections_with_images_alternate_rows():
    p = np.ones((3, 2, 2))
    fig = projections(p, np.zeros((3, 1, 2, 2)), titles=["x", "y", "z"], ncols=2)
    assert len(fig.axes) == 6
    rows = [ax.get_subplotspec().rowspan.start for ax in fig.axes]
    assert rows == [0, 0, 1, 1, 2, 3]
    assert [ax.get_title() for ax in fig.axes if ax.get_subplotspec().rowspan.start % 2 == 0] == [
        "x",
        "y",
        "z",
    ]
    with pytest.raises(ValueError, match="one image per projection"):
        projections(p, np.zeros((2, 2, 2)))


def test_top_k_grid_rows_are_features():
    images = np.zeros((2, 3, 1, 4, 4))
    images[1, 2] = 0.5
    proj = np.zeros((2, 3, 4, 4))
    proj[0, 0, 0, 0] = -2.0
    fig = top_k_grid(images[:, :, 0], projections=proj, scores=np.arange(6.0).reshape(2, 3))
    assert len(fig.axes) == 12
    cells = {
        (ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start): ax
        for ax in fig.axes
    }
    assert cells[(2, 2)].get_title() == "5.00"
    assert cells[(0, 0)].get_ylabel() == "#0" and cells[(2, 0)].get_ylabel() == "#1"
    assert np.all(shown(cells[(2, 2)]) == 0.5)  # the image itself, in [0, 1]
    assert clim(cells[(1, 0)]) == [-2.0, 2.0]  # projection row, signed
    with pytest.raises(ValueError, match=r"scores must have shape \(2, 3\)"):
        top_k_grid(images, scores=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="projections must have the shape"):
        top_k_grid(images, projections=proj)
