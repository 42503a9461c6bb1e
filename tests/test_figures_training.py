"""Tests of cnnbook.figures.training: learning curves and the confusion matrix plot."""

from __future__ import annotations

import numpy as np
import pytest
from figure_checks import clim, shown

from cnnbook.figures.training import learning_curves, plot_confusion_matrix
from cnnbook.plotting_style import use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


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
