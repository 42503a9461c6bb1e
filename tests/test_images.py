"""Reading images: every supported kind against pixel values the test constructs.

Each image is written by Pillow from an array chosen here, so the expected
floats are known exactly (8-bit: v / 255, 16-bit: v / 65535), or, for the
conversions Pillow performs (colour to grey, palette, transparency over
white, JPEG), from the published formula within one grey level.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from cnnbook.images import MAX_PIXELS, load_image, read_image


def save(tmp_path, name, img, **kwargs):
    path = tmp_path / name
    img.save(path, **kwargs)
    return path


def test_8bit_grey(tmp_path):
    a = np.array([[0, 51, 255], [1, 128, 254]], np.uint8)
    x = read_image(save(tmp_path, "g.png", Image.fromarray(a)), 1)
    assert x.shape == (1, 2, 3) and x.dtype == np.float32
    np.testing.assert_allclose(x[0], a / 255, rtol=0, atol=1e-7)
    # As RGB: three equal planes.
    rgb = read_image(tmp_path / "g.png", 3)
    np.testing.assert_allclose(rgb, np.repeat(a[None] / 255, 3, axis=0), atol=1e-7)


def test_16bit_grey_is_scaled_not_clipped(tmp_path):
    a = np.array([[0, 257, 32768, 65535]], np.uint16)
    path = save(tmp_path, "g16.png", Image.fromarray(a))
    with Image.open(path) as img:
        assert img.mode.startswith("I;16")
    x = read_image(path, 1)
    np.testing.assert_allclose(x[0], a / 65535, rtol=0, atol=1e-7)
    assert read_image(path, 3).shape == (3, 1, 4)


def test_16bit_digit_reads_like_its_8bit_twin(tmp_path):
    """The issue's example: a 16-bit PNG was clipped to a blank image, then classified."""
    a8 = np.full((40, 40), 255, np.uint8)
    a8[8:32, 17:23] = 0  # a dark bar on white paper
    p8 = save(tmp_path, "d8.png", Image.fromarray(a8))
    p16 = save(tmp_path, "d16.png", Image.fromarray(a8.astype(np.uint16) * 257))
    x8, inv8 = load_image(p8, 1, 28, digits=True)
    x16, inv16 = load_image(p16, 1, 28, digits=True)
    assert inv8 and inv16 and x16.max() > 0.9
    np.testing.assert_allclose(x16, x8, atol=1e-5)


def test_rgb_and_its_grey_by_the_luma_formula(tmp_path):
    a = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 200, 30]]], np.uint8)
    path = save(tmp_path, "c.png", Image.fromarray(a))
    np.testing.assert_allclose(read_image(path, 3), np.moveaxis(a, -1, 0) / 255, atol=1e-7)
    luma = (a @ np.array([299, 587, 114])) / 1000  # ITU-R 601-2, as Pillow documents
    np.testing.assert_allclose(read_image(path, 1)[0], luma / 255, atol=1 / 255)


def test_rgba_lies_on_white(tmp_path):
    a = np.array([[[0, 0, 0, 0], [0, 0, 0, 255], [0, 0, 0, 128], [255, 0, 0, 255]]], np.uint8)
    path = save(tmp_path, "t.png", Image.fromarray(a, "RGBA"))
    x = read_image(path, 3)
    alpha = a[..., 3:] / 255
    expected = a[..., :3] / 255 * alpha + (1 - alpha)  # over white
    np.testing.assert_allclose(x, np.moveaxis(expected, -1, 0), atol=1 / 255)


def test_palette(tmp_path):
    img = Image.new("P", (3, 1))
    img.putpalette([255, 0, 0, 0, 128, 0, 0, 0, 255] + [0] * (768 - 9))
    img.putdata([2, 0, 1])
    x = read_image(save(tmp_path, "p.png", img), 3)
    np.testing.assert_allclose(x[:, 0].T, np.array([[0, 0, 255], [255, 0, 0], [0, 128, 0]]) / 255)


def test_palette_with_a_transparent_index(tmp_path):
    img = Image.new("P", (2, 1))
    img.putpalette([0, 0, 0, 10, 20, 30] + [0] * (768 - 6))
    img.putdata([0, 1])
    path = save(tmp_path, "pt.png", img, transparency=0)
    x = read_image(path, 3)
    np.testing.assert_allclose(x[:, 0, 0], [1, 1, 1])  # transparent: white
    np.testing.assert_allclose(x[:, 0, 1], np.array([10, 20, 30]) / 255)


def test_jpeg(tmp_path):
    img = Image.new("RGB", (16, 16), (200, 100, 50))
    x = read_image(save(tmp_path, "j.jpg", img, quality=95), 3)
    # A flat colour survives JPEG within a couple of levels.
    np.testing.assert_allclose(x.mean(axis=(1, 2)), np.array([200, 100, 50]) / 255, atol=3 / 255)
    grey = read_image(save(tmp_path, "g.jpg", Image.new("L", (16, 16), 77)), 1)
    np.testing.assert_allclose(grey, 77 / 255, atol=2 / 255)


@pytest.mark.parametrize(
    ("mode", "array"),
    [("F", np.ones((4, 4), np.float32)), ("I", np.full((4, 4), 70000, np.int32))],
)
def test_other_kinds_are_refused(tmp_path, mode, array):
    path = save(tmp_path, f"x-{mode}.tif", Image.fromarray(array, mode))
    with pytest.raises(ValueError, match=rf"{path}.*mode '{mode}'.*expected 8- or 16-bit"):
        read_image(path, 1)


def test_unreadable_and_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such image"):
        read_image(tmp_path / "none.png", 1)
    with pytest.raises(ValueError, match="is not a file"):
        read_image(tmp_path, 1)
    (tmp_path / "t.png").write_text("text")
    with pytest.raises(ValueError, match=r"cannot read .*t\.png: not an image"):
        read_image(tmp_path / "t.png", 1)


def test_huge_images_are_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr("cnnbook.images.MAX_PIXELS", 99)
    path = save(tmp_path, "big.png", Image.new("L", (10, 10)))
    with pytest.raises(ValueError, match="10×10 pixels, more than 99"):
        read_image(path, 1)
    assert MAX_PIXELS > 10**7


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"channels": 2}, ValueError, "channels must be one of 1, 3"),
        ({"size": 0}, ValueError, "size must be a positive int"),
        ({"size": True}, TypeError, "size must be a positive int"),
        ({"size": 10**6}, ValueError, "size must be at most 4096"),
        ({"invert": "maybe"}, ValueError, "invert must be one of"),
    ],
)
def test_load_image_arguments(tmp_path, kwargs, error, message):
    path = save(tmp_path, "g.png", Image.new("L", (4, 4)))
    args = {"channels": 1, "size": 8, **kwargs}
    with pytest.raises(error, match=message):
        load_image(path, **args)
