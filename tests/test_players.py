"""The step-through players: their numbers against independent references, their bytes stable."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
import scipy.signal

from cnnbook.figures import players_backward, players_forward
from cnnbook.figures.board import Board, integer_text, sum_text
from cnnbook.figures.player import MAX_BYTES, Player
from cnnbook.plotting_style import use_book_style

BUILDERS = {**players_forward.PLAYERS, **players_backward.PLAYERS}


@pytest.fixture(scope="module")
def players():
    use_book_style()
    return {name: build() for name, build in BUILDERS.items()}


def last_number(caption: str) -> float:
    """The number after the last '=' of a caption, as the reader sees it."""
    text = caption.rsplit("=", 1)[1].strip().rstrip(".").replace("\u2212", "-")
    return float(text)


def test_every_player_is_named_after_its_registry_key_and_fits_the_budget(players):
    assert len(players) >= 6
    for name, p in players.items():
        assert p.name == name
        assert len(p.html().encode()) <= MAX_BYTES, name
        assert len(p) >= 5, name
        # The page shows the first frame only; the others wait, hidden.
        assert p.html().count('class="cnnbook-player-frame" hidden') == len(p) - 1


def test_consecutive_frames_differ(players):
    for name, p in players.items():
        for k in range(len(p) - 1):
            assert p.images[k] != p.images[k + 1], (name, k)


def test_a_player_built_twice_is_byte_identical(players):
    # A fresh build of each player gives the same HTML: no random ids, no dates.
    for name, build in BUILDERS.items():
        assert build().html() == players[name].html(), name
    assert "uuid" not in "".join(p.html() for p in players.values())


def test_forward_sums_match_scipy_correlate2d(players):
    expected = scipy.signal.correlate2d(players_forward.X5, players_forward.K3, mode="valid")
    shown = [last_number(c) for c in players["forward"].captions]
    np.testing.assert_array_equal(np.reshape(shown, expected.shape), expected)


def test_padding_stride_dilation_sizes_match_counting_positions_by_hand(players):
    # Count the kernel's positions directly: start at 0, step S, last tap D(K-1) further.
    sizes = [len(range(0, 5 + 2 * P - (D * 2 + 1) + 1, S)) for P, S, D in players_forward.SETTINGS]
    shown = []
    for c in players["padding-stride-dilation"].captions:
        m = re.search(r"\+ 1 = (\d+)\.", c)
        shown.append(int(m.group(1)))
    assert sorted(set(shown)) == sorted(set(sizes))
    assert sizes == [3, 5, 3, 1, 3]


def test_padding_stride_dilation_outputs_match_scipy_on_the_dilated_kernel(players):
    # Dilation by hand: taps of a 3x3 kernel D apart in a (2D+1)-square of zeros.
    x, k = players_forward.X5, players_forward.K3
    captions = iter(players["padding-stride-dilation"].captions)
    for P, S, D in players_forward.SETTINGS:
        kd = np.zeros((2 * D + 1, 2 * D + 1))
        kd[::D, ::D] = k
        y = scipy.signal.correlate2d(np.pad(x, P), kd, mode="valid")[::S, ::S]
        n = y.shape[0]
        for t in sorted({0, min(1, n * n - 1), n * n - 1}):
            c = next(captions)
            i, j = divmod(t, n)
            assert f"Output [{i}, {j}] = {integer_text(y[i, j])}." in c, (P, S, D, c)


def test_transposed_convolution_is_the_sum_of_kernel_stamps_by_hand(players):
    # The last frame's numbers are not in a caption; check the stamps' sum instead.
    d = np.array([[1, 2], [3, -1]])
    k = np.array([[1, 2, 0], [0, 1, 1], [2, 0, 1]])
    by_hand = np.zeros((5, 5))
    for i in range(2):
        for j in range(2):
            by_hand[2 * i : 2 * i + 3, 2 * j : 2 * j + 3] += d[i, j] * k
    # A transposed convolution is the adjoint of the strided correlation: check by scipy.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 5))
    forward = scipy.signal.correlate2d(x, k, mode="valid")[::2, ::2]
    assert np.isclose(np.sum(forward * d), np.sum(x * by_hand))
    assert "stamps 3 × k at rows 2–4, columns 0–2" in players["transposed"].captions[2]


def test_gather_scatter_matches_scipy_full_convolution(players):
    delta = np.array([[2, 1], [-1, 3]])
    expected = scipy.signal.convolve2d(delta, players_backward.K2, mode="full")
    shown = [last_number(c) for c in players["gather-scatter"].captions]
    np.testing.assert_array_equal(np.reshape(shown, (3, 3)), expected)


def test_stride_padding_frames_quote_the_full_convolution_by_scipy(players):
    delta = np.array([[1, -1, 2], [0, 3, 1], [2, 1, -2]])
    spread = np.zeros((5, 5))
    spread[::2, ::2] = delta
    full = scipy.signal.convolve2d(spread, players_backward.K2, mode="full")
    captions = players["stride-padding-backward"].captions
    for (a, b), c in zip(((0, 0), (0, 1), (2, 3), (5, 5)), captions[1:5], strict=True):
        assert f"[{a}, {b}] =" in c and last_number(c) == full[a, b], c


def test_maxpool_routes_each_gradient_to_the_maximum_found_by_hand(players):
    captions = players["maxpool-switches"].captions
    # x's four windows have their maxima 4 at (1,0), 5 at (1,3), 6 at (2,1), 7 at (3,2).
    for c, (v, where) in zip(
        captions[:4], [(4, "[1, 0]"), (5, "[1, 3]"), (6, "[2, 1]"), (7, "[3, 2]")], strict=True
    ):
        assert f"max = {v} at x{where}" in c
    for c, where in zip(captions[4:], ["[1, 0]", "[1, 3]", "[2, 1]", "[3, 2]"], strict=True):
        assert f"switch x{where}" in c


def test_player_html_escapes_captions_and_names_its_frames():
    use_book_style()
    board = Board(1, 1)
    board.grid([[1]], (0, 0))
    p = Player("esc", [board.figure], ["a < b & c"], alt='say "hi"')
    assert "a &lt; b &amp; c" in p.html()
    assert 'alt="say &quot;hi&quot; Frame 1 of 1: a &lt; b &amp; c"' in p.html()
    assert html.unescape("&#9654;") in html.unescape(p.html())


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"name": "Bad Name"}, ValueError, "lower-case letters"),
        ({"name": 3}, ValueError, "lower-case letters"),
        ({"captions": []}, ValueError, "1 frames but 0 captions"),
        ({"frames": [], "captions": []}, ValueError, "at least one frame"),
        ({"interval": 0}, ValueError, "interval"),
        ({"frames": [PNG_MAGIC + b"x" * MAX_BYTES]}, ValueError, "more than MAX_BYTES"),
        ({"frames": [b"GIF89a"]}, ValueError, "must be a PNG or WebP image"),
    ],
)
def test_player_rejects_bad_arguments(kwargs, error, match):
    args = {"name": "ok", "frames": [PNG_MAGIC], "captions": ["c"], "alt": "a", **kwargs}
    with pytest.raises(error, match=match):
        Player(**args)


def test_board_rejects_what_it_cannot_draw():
    use_book_style()
    with pytest.raises(ValueError, match="width"):
        Board(0, 3)
    board = Board(3, 3)
    with pytest.raises(ValueError, match="fill must be one of"):
        board.grid([[1]], (0, 0), fill="purple")
    with pytest.raises(ValueError, match="must be a matrix"):
        board.grid(np.zeros((1, 2, 2)), (0, 0))
    with pytest.raises(ValueError, match="as many factors"):
        sum_text([1, 2], [3])
