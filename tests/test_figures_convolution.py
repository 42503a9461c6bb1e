"""Tests of cnnbook.figures.convolution: the numbers a diagram writes are the convolution's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from cnnbook.figures import convolution
from cnnbook.plotting_style import use_book_style


@pytest.fixture(autouse=True)
def book_style():
    use_book_style()


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("k_shape", [(3, 3), (2, 2), (2, 3), (4, 1)])
def test_mode_padding_turns_each_mode_into_a_valid_correlation(mode, k_shape):
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(5, 6)), rng.normal(size=k_shape)
    pad = convolution._mode_padding(x.shape, k.shape, mode)
    assert np.allclose(
        signal.correlate2d(np.pad(x, pad), k, mode="valid"), signal.correlate2d(x, k, mode=mode)
    )


def test_sliding_kernel_titles_give_the_strided_padded_correlation():
    x = np.arange(1.0, 26.0).reshape(5, 5)
    k = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, 1.0, 3.0]])
    fig = convolution.sliding_kernel(x, k, stride=2, padding=1)
    expected = signal.correlate2d(np.pad(x, 1), k, mode="valid")[::2, ::2]
    titles = [ax.get_title() for ax in fig.axes[:-1]]
    assert titles == [
        f"output ({i}, {j}) = {int(expected[i, j])}" for i in range(3) for j in range(3)
    ]


def test_sliding_kernel_refuses_too_many_panels():
    with pytest.raises(ValueError, match="at most 16"):
        convolution.sliding_kernel(np.zeros((6, 6)), np.ones((2, 2)))
