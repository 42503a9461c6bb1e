"""Tests for cnnbook.plotting: what each figure holds, checked against values worked by hand.

A figure is checked through matplotlib's own records of it: the number of
axes, their titles and labels, the colormap and colour limits of each image,
and the array each image displays. The expected limits and display values
are worked out by hand from the conventions in the module docstring (signed
maps symmetric about 0, RGB signed images at ``0.5 + x / (2 m)``), and the
confusion matrix is checked against a hand count and scikit-learn.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from cnnbook.plotting import (
    FIGURES,
    attribution_grid,
    attribution_row,
    confusion_matrix,
    feature_maps,
    filters,
    heatmap_overlay,
    image_grid,
    learning_curves,
    plot_confusion_matrix,
    projections,
    top_k_grid,
)
from cnnbook.plotting_style import render, use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


def clim(ax, i: int = 0) -> list[float]:
    return [float(v) for v in ax.images[i].get_clim()]


def shown(ax, i: int = 0) -> np.ndarray:
    return np.asarray(ax.images[i].get_array())


def image_axes(fig: Figure) -> list:
    """The axes that display an image (colour bars are left out)."""
    return [ax for ax in fig.axes if ax.images and ax.get_label() != "<colorbar>"]


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


# ----------------------------------------------------------------------------
# Learning curves
# ----------------------------------------------------------------------------
def test_learning_curves_panels_and_data():
    h = {
        "loss": [2.0, 1.0],
        "accuracy": [0.4, 0.7],
        "val_loss": [1.5, 1.2],
        "val_accuracy": [0.5, 0.6],
    }
    loss, acc = learning_curves(h).axes
    assert (loss.get_title(), acc.get_title()) == ("loss", "accuracy")
    assert [line.get_label() for line in acc.lines] == ["train", "test"]
    np.testing.assert_array_equal(acc.lines[1].get_xydata(), [[1, 0.5], [2, 0.6]])
    assert acc.lines[1].get_linestyle() == "--"


def test_learning_curves_without_validation_and_runs():
    runs = {
        "a": {"loss": [1.0, 0.5, 0.2], "accuracy": [0.1, 0.2, 0.3]},
        "b": {"loss": [3.0], "accuracy": [0.0]},
    }
    loss, _ = learning_curves(runs, val_label="val").axes
    assert [line.get_label() for line in loss.lines] == ["a, train", "b, train"]
    assert loss.lines[0].get_color() != loss.lines[1].get_color()
    with pytest.raises(ValueError, match="has 1 epochs but 'loss' has 2"):
        learning_curves({"loss": [1, 2], "accuracy": [1]})
    with pytest.raises(TypeError, match="dict"):
        learning_curves({"run": [1, 2]})
    with pytest.raises(ValueError, match="'accuracy'"):
        learning_curves({"loss": [1.0]})


# ----------------------------------------------------------------------------
# Confusion matrix
# ----------------------------------------------------------------------------
def test_confusion_matrix_hand_worked():
    # 10 samples of 3 classes, counted by hand:
    #   true 0 (4 samples): predicted 0, 0, 2, 1  -> row [2, 1, 1]
    #   true 1 (3 samples): predicted 1, 1, 1     -> row [0, 3, 0]
    #   true 2 (3 samples): predicted 0, 2, 0     -> row [2, 0, 1]
    y_true = [0, 1, 2, 0, 1, 0, 2, 0, 1, 2]
    y_pred = [0, 1, 0, 0, 1, 2, 2, 1, 1, 0]
    expected = np.array([[2, 1, 1], [0, 3, 0], [2, 0, 1]])
    counts = confusion_matrix(y_true, y_pred)
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == np.int64
    # A class never seen still gets its row and column when num_classes says so.
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 4)[:3, :3], expected)
    assert confusion_matrix(y_true, y_pred, 4)[3].sum() == 0


def test_confusion_matrix_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 7, 500), rng.integers(0, 7, 500)
    np.testing.assert_array_equal(
        confusion_matrix(y_true, y_pred, 7), sk_confusion_matrix(y_true, y_pred, labels=range(7))
    )


@pytest.mark.parametrize(
    ("y_true", "y_pred", "num_classes", "error", "match"),
    [
        ([0, 1], [0, 1, 1], None, ValueError, "same shape"),
        ([0.0, 1.0], [0, 1], None, TypeError, "integer class labels"),
        ([0, -1], [0, 1], None, ValueError, "negative"),
        ([0, 3], [0, 1], 3, ValueError, "out of range"),
        ([[0]], [[0]], None, ValueError, r"shape \(N,\)"),
    ],
)
def test_confusion_matrix_bad_input(y_true, y_pred, num_classes, error, match):
    with pytest.raises(error, match=match):
        confusion_matrix(y_true, y_pred, num_classes)


def test_plot_confusion_matrix_cells_and_title():
    counts = np.array([[8, 2], [1, 9]])
    fig = plot_confusion_matrix(counts, ["cat", "dog"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["8", "2", "1", "9"]
    assert ax.get_title() == "accuracy 85.0 %"  # (8 + 9) / 20
    assert clim(ax) == [0.0, 9.0]
    assert [t.get_color() for t in ax.texts] == ["white", "black", "black", "white"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted class", "true class")
    norm = plot_confusion_matrix(counts, normalize=True).axes[0]
    np.testing.assert_allclose(shown(norm), [[0.8, 0.2], [0.1, 0.9]])
    assert clim(norm) == [0.0, 1.0]
    with pytest.raises(ValueError, match="2 names"):
        plot_confusion_matrix(counts, ["cat"])
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3), int))


# ----------------------------------------------------------------------------
# The registry
# ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_every_registered_figure_draws(name):
    fig = FIGURES[name]()
    assert isinstance(fig, Figure) and fig.axes
    fig.draw_without_rendering()  # layout warnings would fail here (filterwarnings=error)
    assert fig.get_figwidth() <= 7.0 + 1e-9


def test_registry_covers_every_helper():
    helpers = {
        "image_grid",
        "feature_maps",
        "filters",
        "projections",
        "top_k_grid",
        "heatmap_overlay",
        "attribution_row",
        "attribution_grid",
        "learning_curves",
        "confusion_matrix",
    }
    assert helpers <= set(FIGURES)


def test_a_registered_figure_renders_to_identical_png():
    a, b = render(FIGURES["heatmap_overlay"]()), render(FIGURES["heatmap_overlay"]())
    assert a[:8] == b"\x89PNG\r\n\x1a\n" and a == b
