"""Tests of cnnbook.figures.attribution: overlays, rows and grids of maps, checked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from figure_checks import clim, image_axes, shown

from cnnbook.figures.attribution import attribution_grid, attribution_row, heatmap_overlay
from cnnbook.plotting_style import use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


# ----------------------------------------------------------------------------
# Attribution figures
# ----------------------------------------------------------------------------
def test_heatmap_overlay_stretches_a_coarse_map_over_the_image():
    fig = heatmap_overlay(
        np.zeros((1, 6, 4)), np.array([[0.0, 3.0], [1.0, 2.0], [0.0, 0.0]]), alpha=0.4
    )
    ax, cbar = fig.axes
    base, heat = ax.images
    assert base.get_extent() == heat.get_extent() == [-0.5, 3.5, 5.5, -0.5]
    assert clim(ax, 1) == [0.0, 3.0] and heat.get_alpha() == 0.4
    assert base.get_cmap().name == "gray"
    assert cbar.get_label() == "<colorbar>"
    with pytest.raises(ValueError, match="alpha"):
        heatmap_overlay(np.zeros((2, 2)), np.zeros((2, 2)), alpha=2)
    with pytest.raises(ValueError, match="one 2-D map"):
        heatmap_overlay(np.zeros((2, 2)), np.zeros((3, 2, 2)))


def test_image_outside_unit_range_is_stretched():
    fig = heatmap_overlay(np.array([[-1.0, 3.0]]), np.zeros((1, 2)))
    np.testing.assert_allclose(shown(fig.axes[0]), [[0.0, 1.0]])


def test_attribution_row_limits_colour_bars_and_overlay():
    rgb_gradient = np.zeros((3, 2, 2))
    rgb_gradient[1, 0, 0] = -1.0
    maps = {
        "saliency": np.array([[0.0, 2.0], [1.0, 0.0]]),
        "occlusion": np.array([[-0.5, 0.25]]),
        "guided": rgb_gradient,
    }
    fig = attribution_row(np.ones((2, 2)), maps, title="class 3")
    panels = image_axes(fig)
    assert [ax.get_title() for ax in panels] == ["input", "saliency", "occlusion", "guided"]
    assert len(fig.axes) == 4 + 2  # two 2-D maps, two colour bars; RGB has none
    assert clim(panels[1]) == [0.0, 2.0] and clim(panels[2]) == [-0.5, 0.5]
    np.testing.assert_allclose(shown(panels[3])[0, 0], [0.5, 0.0, 0.5])
    assert fig.get_suptitle() == "class 3"
    over = image_axes(attribution_row(np.ones((2, 2)), maps, overlay=True))
    assert [len(ax.images) for ax in over] == [1, 2, 2, 1]
    with pytest.raises(ValueError, match="empty"):
        attribution_row(np.ones((2, 2)), {})


def test_attribution_grid_rows_are_images():
    fig = attribution_grid(
        np.zeros((3, 2, 2)),
        {"a": np.ones((3, 2, 2)), "b": -np.ones((3, 2, 2))},
        row_labels=["x", "y", "z"],
    )
    assert len(fig.axes) == 9
    assert [ax.get_title() for ax in fig.axes[:3]] == ["input", "a", "b"]
    assert [ax.get_ylabel() for ax in fig.axes[::3]] == ["x", "y", "z"]
    assert clim(fig.axes[2]) == [-1.0, 1.0] and clim(fig.axes[1]) == [0.0, 1.0]
    with pytest.raises(ValueError, match="must hold 3 maps"):
        attribution_grid(np.zeros((3, 2, 2)), {"a": np.ones((2, 2, 2))})
