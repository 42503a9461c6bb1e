"""The trust figures: curves drawn with the right mean and band, the deconvnet diagram's numbers."""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.figures.trust import curves, deconvnet_diagram
from cnnbook.plotting_style import use_book_style
from cnnbook.pooling import MaxPool2D, unpool


def test_curves_draw_the_mean_and_a_band_of_one_standard_error():
    use_book_style()
    rng = np.random.default_rng(0)
    values = rng.normal(size=(9, 5))
    fig = curves(np.linspace(0, 1, 5), {"p": {"a": values, "b": values[0]}}, xlabel="x", ylabel="y")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), values.mean(axis=0))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), values[0])
    assert len(ax.collections) == 1  # one band: the single curve has none
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    se = values.std(axis=0, ddof=1) / 3  # sqrt(9)
    expected = np.concatenate([values.mean(axis=0) - se, values.mean(axis=0) + se])
    assert np.allclose(band.min(), expected.min()) and np.allclose(band.max(), expected.max())


def test_curves_one_panel_per_row_with_named_ticks():
    use_book_style()
    fig = curves(
        np.arange(3.0),
        {"one": {"a": np.ones(3)}, "two": {"a": np.zeros(3)}},
        xlabel="stage",
        ylabel="ρ",
        xticklabels=["trained", "+ dense", "+ conv"],
    )
    assert len(fig.axes) == 2
    (a0, a1) = fig.axes
    assert a0.get_position().y0 > a1.get_position().y0  # stacked, not side by side
    assert [t.get_text() for t in a1.get_xticklabels()] == ["trained", "+ dense", "+ conv"]
    assert a0.get_legend() is not None and a1.get_legend() is None
    panels = {"one": {"a": np.ones(3)}, "two": {"a": np.zeros(3)}}
    last = curves(np.arange(3.0), panels, xlabel="x", ylabel="y", legend="last")
    assert last.axes[0].get_legend() is None and last.axes[1].get_legend() is not None


def test_curves_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="must have shape"):
        curves(np.arange(3.0), {"p": {"a": np.ones(4)}}, xlabel="x", ylabel="y")
    with pytest.raises(ValueError, match="legend must be"):
        curves(np.arange(3.0), {"p": {"a": np.ones(3)}}, xlabel="x", ylabel="y", legend="top")
    with pytest.raises(ValueError, match="at least one panel"):
        curves(np.arange(3.0), {}, xlabel="x", ylabel="y")


def test_deconvnet_diagram_unpools_as_the_package_does():
    """The worked example's numbers are those of MaxPool2D and unpool on the same map."""
    use_book_style()
    x = np.array([[[[1, 2, 0, 0], [4, 3, 0, 5], [0, 0, 1, 1], [0, 6, 1, 1]]]], float)
    pool = MaxPool2D(2)
    pooled = pool.forward(x)
    signal = np.array([[[[2.0, -1.0], [3.0, 1.0]]]])
    back = unpool(signal, pool.switches, x.shape)[0, 0]
    fig = deconvnet_diagram()
    texts = [t.get_text() for t in fig.axes[1].texts]
    numbers = [int(t) for t in texts if t.lstrip("-").isdigit()]
    # the four tables, in drawing order: map, pooled, signal, unpooled
    assert numbers[:16] == x.ravel().astype(int).tolist()
    assert numbers[16:20] == pooled.ravel().astype(int).tolist()
    assert numbers[20:24] == signal.ravel().astype(int).tolist()
    assert numbers[24:40] == back.ravel().astype(int).tolist()
