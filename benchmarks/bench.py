"""Speed benchmarks of the convolution layer and of one training epoch (``make bench``).

Machines are noisy, so every target is a *ratio* measured within one run:

* the fast path against the scipy.signal reference (target: at least 30×);
* the fast path's GFLOP/s against this machine's numpy float64 matrix product,
  measured here too (target: at least 35 % on the two CIFAR-10 layers);
* one epoch of the book's CNN on the 4,000 training images, float32 (target:
  under 2 s on 2 cores).

Each timing is the median of several repeats; the slow references get fewer.

The column "copy" is the time of one plain memory copy (``np.copyto``) of an
array as large as the unfolded input ``cols`` of im2col. The fast path writes
that matrix, reads it in two matrix products, writes its gradient ``dcols``
and folds it back, so on the thin layers, where the matrix products are
cheap, a few of these copies are most of its time: it shows how much of the
fast path is bound by memory rather than by arithmetic on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from cnnbook import conv, conv_fast
from cnnbook.data import load_mnist_sample
from cnnbook.network import book_cnn
from cnnbook.optim import Adam

# (name, x shape, filters, kernel, padding)
SHAPES = [
    ("MNIST conv1", (64, 1, 28, 28), 8, 5, 2),
    ("MNIST conv2", (64, 8, 14, 14), 16, 5, 2),
    ("CIFAR conv1", (50, 3, 32, 32), 32, 5, 2),
    ("CIFAR conv2", (50, 32, 16, 16), 64, 5, 2),
]
LARGE = {"CIFAR conv1", "CIFAR conv2"}  # the two shapes held to the throughput target


def median_time(fn, repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def matmul_gflops(n: int = 2000, repeats: int = 5) -> float:
    """This machine's numpy float64 matrix-product throughput, in GFLOP/s."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return 2 * n**3 / median_time(lambda: a @ b, repeats) / 1e9


def cols_shape(x_shape, k, pad) -> tuple[int, int]:
    """Shape of im2col's matrix for a stride-1 layer: (C K K, N H_out W_out)."""
    N, C, H, W = x_shape
    return C * k * k, N * conv.output_size(H, k, pad) * conv.output_size(W, k, pad)


def conv_flops(x_shape, c_out, k, pad) -> float:
    """Multiply-adds of forward, dW and dx, counted as 2 FLOPs each."""
    rows, columns = cols_shape(x_shape, k, pad)
    return 3 * 2.0 * c_out * rows * columns


def time_shape(rng, shape, c_out, k, pad, repeats_fast, repeats_slow) -> dict:
    """Median forward+backward times of the three implementations on one layer shape."""
    x = rng.standard_normal(shape)
    W = rng.standard_normal((c_out, shape[1], k, k)) * 0.1
    b = rng.standard_normal(c_out)
    dy = rng.standard_normal(conv_fast.conv2d_forward(x, W, b, 1, pad).shape)
    ws: dict = {}  # the layer's reusable scratch buffers, as Conv2D keeps them

    def fast():
        _, cols = conv_fast.conv2d_forward(x, W, b, 1, pad, return_cols=True, workspace=ws)
        conv_fast.conv2d_backward(dy, x, W, 1, pad, cols=cols, workspace=ws)

    def scipy_ref():
        conv.conv2d_forward_scipy(x, W, b, 1, pad)
        conv.conv2d_backward_scipy(dy, x, W, 1, pad)

    def loops():
        conv.conv2d_forward_loops(x, W, b, 1, pad)
        conv.conv2d_backward_loops(dy, x, W, 1, pad)

    t_fast = median_time(fast, repeats_fast, warmup=2)
    cols = np.ones(cols_shape(shape, k, pad))
    target = np.empty_like(cols)
    return dict(
        fast=t_fast,
        copy=median_time(lambda: np.copyto(target, cols), repeats_fast, warmup=2),
        scipy=median_time(scipy_ref, repeats_slow, warmup=0),
        loops=median_time(loops, repeats_slow, warmup=0),
        gflops=conv_flops(shape, c_out, k, pad) / t_fast / 1e9,
    )


def bench_conv(repeats_fast: int, repeats_slow: int) -> list[dict]:
    rng = np.random.default_rng(0)
    peak = matmul_gflops()
    print(f"numpy float64 matmul (2000×2000): {peak:.1f} GFLOP/s\n")
    header = (
        f"{'layer':<12} {'input':<17} {'loops':>9} {'scipy':>9} {'fast':>9} "
        f"{'scipy/fast':>10} {'loops/fast':>10} {'GFLOP/s':>8} {'of matmul':>9} {'copy':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for name, shape, c_out, k, pad in SHAPES:
        row = time_shape(rng, shape, c_out, k, pad, repeats_fast, repeats_slow)
        row.update(name=name, fraction=row["gflops"] / peak)
        rows.append(row)
        print(
            f"{name:<12} {shape!s:<17} {row['loops'] * 1e3:7.1f}ms {row['scipy'] * 1e3:7.1f}ms "
            f"{row['fast'] * 1e3:7.2f}ms {row['scipy'] / row['fast']:9.1f}× "
            f"{row['loops'] / row['fast']:9.1f}× {row['gflops']:8.2f} {row['fraction']:8.1%} "
            f"{row['copy'] * 1e3:6.2f}ms"
        )
    return rows


def bench_epoch(epochs: int) -> float:
    data = load_mnist_sample(dtype=np.float32)
    net = book_cnn(dtype=np.float32)
    opt = Adam(net.parameters(), lr=1e-3)
    # A short warm-up on a few batches: first-touch allocations, BLAS threads.
    net.fit(
        data.x_train[:256],
        data.y_train[:256],
        epochs=1,
        batch_size=32,
        optimizer=opt,
        verbose=False,
    )
    times = []
    for _ in range(epochs):
        h = net.fit(
            data.x_train, data.y_train, epochs=1, batch_size=32, optimizer=opt, verbose=False
        )
        times.append(h["time"][0])
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="repeats of the fast path")
    parser.add_argument("--slow-repeats", type=int, default=3, help="repeats of the references")
    parser.add_argument("--epochs", type=int, default=3, help="epochs to time (median)")
    args = parser.parse_args(argv)

    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"cnnbook benchmarks: {os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={blas}\n")
    rows = bench_conv(args.repeats, args.slow_repeats)
    t_epoch = bench_epoch(args.epochs)
    print(f"\none epoch of the book's CNN on 4,000 MNIST images, float32: {t_epoch:.2f} s")

    checks = [(f"{r['name']}: fast ≥ 30× scipy.signal", r["scipy"] / r["fast"] >= 30) for r in rows]
    checks += [
        (f"{r['name']}: fast ≥ 35 % of matmul throughput", r["fraction"] >= 0.35)
        for r in rows
        if r["name"] in LARGE
    ]
    checks.append(("one epoch < 2 s", t_epoch < 2.0))
    print("\ntargets:")
    for label, ok in checks:
        print(f"  [{'met' if ok else 'MISSED'}] {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
