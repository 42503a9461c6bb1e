"""Shared fixtures: the sweep of convolution geometries used by several test files.

A *geometry* is ``(kernel, stride, padding)``, each a pair ``(rows, cols)``.
The sweep covers strides 1, 2, 3 and paddings 0, 1, 2 with a square and a
non-square kernel, plus a few anisotropic strides and paddings. Input sizes
are *constructed* so that the stride tiles the padded input exactly, rather
than drawn and skipped.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnnbook.conv import output_size

SWEEP = [
    ((k_h, k_w), (s, s), (p, p))
    for (k_h, k_w) in ((3, 3), (2, 3))
    for s in (1, 2, 3)
    for p in (0, 1, 2)
] + [
    ((3, 2), (1, 2), (0, 1)),
    ((1, 3), (3, 1), (2, 0)),
    ((4, 1), (2, 3), (1, 2)),
]
SWEEP_IDS = [f"k{k[0]}x{k[1]}-s{s[0]}x{s[1]}-p{p[0]}x{p[1]}" for k, s, p in SWEEP]


def tiled_size(out: int, k: int, p: int, s: int) -> int:
    """The input length that stride ``s`` tiles exactly into ``out`` outputs.

    Solves ``out = (size - k + 2p) / s + 1`` for ``size``.
    """
    return (out - 1) * s + k - 2 * p


def make_conv_shapes(kernel, stride, padding, out=(3, 4), n=2, c_in=2, c_out=3):
    """Shapes of ``x``, ``W`` and the output ``(H_out, W_out)`` for a geometry.

    The input is never square: the output starts at ``out`` and grows until
    each input side is at least 2 pixels and the two sides differ.
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    oh, ow = out
    while tiled_size(oh, kh, ph, sh) < 2:
        oh += 1
    H = tiled_size(oh, kh, ph, sh)
    while tiled_size(ow, kw, pw, sw) < 2 or tiled_size(ow, kw, pw, sw) == H:
        ow += 1
    W = tiled_size(ow, kw, pw, sw)
    # The construction is right if output_size gives the intended output back.
    assert (output_size(H, kh, ph, sh), output_size(W, kw, pw, sw)) == (oh, ow)
    return (n, c_in, H, W), (c_out, c_in, kh, kw), (oh, ow)


@pytest.fixture(params=SWEEP, ids=SWEEP_IDS)
def conv_geometry(request):
    """One ``(kernel, stride, padding)`` of the sweep."""
    return request.param


@pytest.fixture
def conv_shapes():
    """The :func:`make_conv_shapes` helper, for tests that build their own arrays."""
    return make_conv_shapes


@pytest.fixture
def conv_arrays(conv_geometry):
    """Factory of seeded random ``x, W, b, dy`` (float64) for the current geometry.

    Call it as ``conv_arrays(seed, n=..., c_in=..., c_out=...)``.
    """

    def make(seed: int = 0, **sizes):
        x_shape, w_shape, out = make_conv_shapes(*conv_geometry, **sizes)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=x_shape)
        W = rng.normal(size=w_shape)
        b = rng.normal(size=w_shape[0])
        dy = rng.normal(size=(x_shape[0], w_shape[0], *out))
        return x, W, b, dy

    return make
