"""Tests of cnnbook.figures.grids: limits, colour maps and display values worked by hand.

The expected limits and display values follow the conventions of the
package docstring: signed maps symmetric about 0, RGB signed images at
``0.5 + x / (2 m)``.
"""

from __future__ import annotations

import numpy as np
import pytest
from figure_checks import clim, image_axes, shown

from cnnbook.figures.grids import feature_maps, filters, image_grid
from cnnbook.plotting_style import use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


# ----------------------------------------------------------------------------
# image_grid
# ----------------------------------------------------------------------------
def test_grid_signed_each_limits_are_symmetric_per_panel():
    maps = np.array([[[1.0, -3.0], [0.0, 2.0]], [[0.5, 0.0], [0.0, 0.25]]])
    fig = image_grid(maps)  # first map signed, so the whole grid is
    assert len(fig.axes) == 2  # "each": no colour bar by default
    assert clim(fig.axes[0]) == [-3.0, 3.0]
    assert clim(fig.axes[1]) == [-0.5, 0.5]
    assert [ax.images[0].get_cmap().name for ax in fig.axes] == ["RdBu_r", "RdBu_r"]


def test_grid_nonnegative_shared_has_one_colour_bar_from_zero():
    maps = np.array([[[0.0, 1.0]], [[2.0, 6.0]], [[0.0, 0.0]]])
    fig = image_grid(maps, normalize="shared", titles=["a", "b", "c"])
    panels = image_axes(fig)
    assert len(panels) == 3 and len(fig.axes) == 4
    assert [clim(ax) for ax in panels] == [[0.0, 6.0]] * 3
    assert [ax.get_title() for ax in panels] == ["a", "b", "c"]
    assert panels[0].images[0].get_cmap().name == "magma"


def test_grid_none_keeps_values_and_limits_unit():
    fig = image_grid(np.full((2, 1, 3, 3), 0.25), normalize="none", cmap="gray")
    assert [clim(ax) for ax in image_axes(fig)] == [[0.0, 1.0]] * 2
    assert image_axes(fig)[0].images[0].get_cmap().name == "gray"


def test_grid_colorbar_per_panel_and_none():
    maps = np.arange(8.0).reshape(2, 2, 2)
    assert len(image_grid(maps, colorbar=True).axes) == 4  # one bar per panel
    assert len(image_grid(maps, normalize="shared", colorbar=False).axes) == 2


def test_grid_rgb_values_by_hand():
    x = np.zeros((1, 3, 1, 3))
    x[0, 0] = [-2.0, 0.0, 2.0]  # red channel, signed: 0.5 + x / (2 * 2)
    fig = image_grid(x)
    rgb = shown(fig.axes[0])
    assert rgb.shape == (1, 3, 3)
    np.testing.assert_allclose(rgb[0, :, 0], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(rgb[0, :, 1], [0.5, 0.5, 0.5])  # green is all 0 → mid-grey
    # non-negative RGB in [0, 1] with normalize="none": drawn as is
    y = np.zeros((1, 3, 2, 2))
    y[0, 2, 1, 0] = 0.75
    rgb = shown(image_grid(y, normalize="none").axes[0])
    assert rgb[1, 0, 2] == 0.75 and rgb.sum() == 0.75


def test_grid_layout_and_empty_cells():
    fig = image_grid(np.ones((10, 4, 4)))
    pos = [ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes]
    assert set(pos) == {(2, 8)}  # default ncols 8 → 2 rows, 6 empty cells removed
    assert len(fig.axes) == 10
    assert all(not ax.get_xticks().size and not ax.get_yticks().size for ax in fig.axes)
    assert fig.get_figwidth() <= 7.0


def test_grid_accepts_a_sequence_of_different_sizes():
    fig = image_grid([np.zeros((2, 2)), np.ones((1, 5, 3))])
    assert [shown(ax).shape for ax in fig.axes] == [(2, 2), (5, 3)]


@pytest.mark.parametrize(
    ("images", "kwargs", "error", "match"),
    [
        (np.zeros((2, 2, 3, 3)), {}, ValueError, r"\(3, H, W\), got \(2, 3, 3\)"),
        (np.zeros((2, 3, 3)), {"titles": ["a"]}, ValueError, "one entry per image"),
        (np.zeros((2, 3, 3)), {"normalize": "all"}, ValueError, "normalize must be one of"),
        (np.zeros((1, 3, 2, 2)), {"colorbar": True}, ValueError, "RGB"),
        (np.full((1, 2, 2), np.nan), {}, ValueError, "NaN"),
        ([], {}, ValueError, "empty"),
        (np.array([["a"]]), {}, TypeError, "floating-point"),
        (np.zeros((2, 2, 2)), {"ncols": 0}, ValueError, "ncols must be a positive int"),
    ],
)
def test_grid_bad_input(images, kwargs, error, match):
    with pytest.raises(error, match=match):
        image_grid(images, **kwargs)


# ----------------------------------------------------------------------------
# feature_maps and filters
# ----------------------------------------------------------------------------
def test_feature_maps_titles_subset_and_batch_axis():
    a = np.arange(5 * 2 * 2, dtype=float).reshape(1, 5, 2, 2)
    fig = feature_maps(a, features=[4, 1])
    assert [ax.get_title() for ax in fig.axes] == ["#4", "#1"]
    np.testing.assert_array_equal(shown(fig.axes[0]), a[0, 4])
    assert clim(fig.axes[0]) == [0.0, 19.0]  # map 4 holds 16..19
    with pytest.raises(ValueError, match=r"0\.\.4"):
        feature_maps(a, features=[5])
    with pytest.raises(ValueError, match="shape"):
        feature_maps(np.zeros((2, 2)))


def test_filters_one_channel_signed_per_filter():
    W = np.zeros((3, 1, 2, 2))
    W[0, 0, 0, 0] = 0.5  # non-negative filter: still on a symmetric scale
    W[1, 0, 1, 1] = -2.0
    fig = filters(W)
    assert [clim(ax) for ax in fig.axes] == [[-0.5, 0.5], [-2.0, 2.0], [-1.0, 1.0]]
    assert all(ax.images[0].get_cmap().name == "RdBu_r" for ax in fig.axes)
    assert [ax.get_title() for ax in fig.axes] == ["#0", "#1", "#2"]


def test_filters_rgb_grey_is_zero():
    W = np.zeros((2, 3, 1, 1))
    W[0, :, 0, 0] = [4.0, -4.0, 0.0]
    W[1, :, 0, 0] = [1.0, 0.5, 0.0]
    fig = filters(W)
    np.testing.assert_allclose(shown(fig.axes[0])[0, 0], [1.0, 0.0, 0.5])
    np.testing.assert_allclose(shown(fig.axes[1])[0, 0], [1.0, 0.75, 0.5])
    assert len(filters(W, rgb=False).axes) == 6  # 3 channels × 2 filters as grey slices


def test_filters_multichannel_blocks_share_each_filters_scale():
    W = np.zeros((3, 2, 2, 2))
    W[0, 1, 0, 0] = -5.0  # filter 0's peak sits in its second channel
    W[1, 0, 1, 1] = 1.0
    fig = filters(W, ncols=2)  # filters 0, 1 in block one; filter 2 in block two
    geometry = {ax.get_subplotspec().get_geometry()[:2] for ax in fig.axes}
    assert geometry == {(4, 2)} and len(fig.axes) == 6
    by_title = {ax.get_title(): ax for ax in fig.axes if ax.get_title()}
    assert sorted(by_title) == ["#0", "#1", "#2"]
    assert clim(by_title["#0"]) == [-5.0, 5.0]  # channel 0 of filter 0 on the filter's scale
    assert clim(by_title["#1"]) == [-1.0, 1.0]
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labels == ["in 0", "in 1", "in 0", "in 1"]
    with pytest.raises(ValueError, match="C_in = 3"):
        filters(W, rgb=True)
