"""Speed of cnnbook against PyTorch on the CPU (``make bench``).

What a reader would otherwise use is PyTorch, so that is the yardstick. For
each of four convolution shapes the benchmark times cnnbook's fast path
(``conv_fast``: forward, then backward with the input gradient) and
PyTorch's ``conv2d`` forward and backward, in float32 and float64; then one
training epoch of the book's CNN with the book's recipe (Adam, batch 32,
float32) in both. The two are timed in the same run, interleaved (cnnbook,
PyTorch, cnnbook, ...), with the same number of threads, and each figure is
the median of its repeats, so that a burst of load on the machine hits both.

Targets (issue "Faster than PyTorch on the CPU"): every ratio cnnbook/PyTorch
at most 1.0. PyTorch is optional: when it cannot be imported, the benchmark
says so and prints cnnbook's times alone. It is never a dependency of the
package or its tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

from cnnbook import conv_fast
from cnnbook.data import load_mnist_sample
from cnnbook.network import book_cnn
from cnnbook.optim import Adam
from cnnbook.recipe import BOOK_RECIPE

try:
    import torch
except ImportError:  # the comparison is optional
    torch = None

# (name, x shape, filters, kernel, padding)
SHAPES = [
    ("MNIST conv1", (64, 1, 28, 28), 8, 5, 2),
    ("MNIST conv2", (64, 8, 14, 14), 16, 5, 2),
    ("CIFAR conv1", (50, 3, 32, 32), 32, 5, 2),
    ("CIFAR conv2", (50, 32, 16, 16), 64, 5, 2),
]


def interleaved(fns: dict, repeats: int, warmup: int = 2) -> dict:
    """Median wall time of each function, calling them in turn ``repeats`` times."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def conv_pair(shape, c_out, k, pad, dtype) -> dict:
    """cnnbook's and (if installed) PyTorch's forward+backward on one layer shape."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    W = (rng.standard_normal((c_out, shape[1], k, k)) * 0.1).astype(dtype)
    b = rng.standard_normal(c_out).astype(dtype)
    dy = rng.standard_normal(conv_fast.conv2d_forward(x, W, b, 1, pad).shape).astype(dtype)
    ws: dict = {}  # the scratch buffers a Conv2D layer keeps between batches

    def ours():
        _, cols = conv_fast.conv2d_forward(x, W, b, 1, pad, return_cols=True, workspace=ws)
        conv_fast.conv2d_backward(dy, x, W, 1, pad, cols=cols, workspace=ws)

    fns = {"cnnbook": ours}
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_(True)
        tW = torch.from_numpy(W).requires_grad_(True)
        tb = torch.from_numpy(b).requires_grad_(True)
        tdy = torch.from_numpy(dy)

        def theirs():
            z = torch.nn.functional.conv2d(tx, tW, tb, padding=pad)
            torch.autograd.backward(z, tdy)
            tx.grad = tW.grad = tb.grad = None

        fns["PyTorch"] = theirs
    return fns


def epoch_pair() -> dict:
    """One epoch of the book recipe in cnnbook and (if installed) in PyTorch, float32."""
    data = load_mnist_sample(dtype=np.float32)
    bs, lr = BOOK_RECIPE["batch_size"], BOOK_RECIPE["lr"]
    net = book_cnn(dtype=np.float32)
    opt = Adam(net.parameters(), lr=lr)

    def ours():
        net.fit(data.x_train, data.y_train, batch_size=bs, optimizer=opt, verbose=False)

    fns = {"cnnbook": ours}
    if torch is not None:
        nn = torch.nn
        torch.manual_seed(0)
        model = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
        )  # fmt: skip
        t_opt = torch.optim.Adam(model.parameters(), lr=lr)
        tx, ty = torch.from_numpy(data.x_train), torch.from_numpy(data.y_train).long()
        loss_fn = nn.CrossEntropyLoss()

        def theirs():
            for idx in torch.randperm(len(tx)).split(bs):
                t_opt.zero_grad()
                loss_fn(model(tx[idx]), ty[idx]).backward()
                t_opt.step()

        fns["PyTorch"] = theirs
    return fns


def report(label: str, t: dict) -> float | None:
    """Print one row; return the ratio cnnbook/PyTorch, or None without PyTorch."""
    ratio = t["cnnbook"] / t["PyTorch"] if "PyTorch" in t else None
    theirs = f"{t['PyTorch'] * 1e3:10.2f} ms" if ratio else f"{'-':>13}"
    shown = f"{ratio:7.2f}×" if ratio else f"{'-':>8}"
    print(f"{label:<34} {t['cnnbook'] * 1e3:10.2f} ms {theirs} {shown}")
    return ratio


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="repeats of each layer timing")
    parser.add_argument("--epochs", type=int, default=3, help="epochs timed in each library")
    args = parser.parse_args(argv)

    threads = int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))
    print(f"cnnbook benchmarks: {os.cpu_count()} CPUs, {threads} thread(s) in each library")
    if torch is None:
        print("PyTorch is not installed: cnnbook's times alone (pip install torch to compare)")
    else:
        torch.set_num_threads(threads)
        print(f"PyTorch {torch.__version__} on the CPU, interleaved with cnnbook")
    print(f"\n{'forward + backward':<34} {'cnnbook':>13} {'PyTorch':>13} {'ratio':>8}")
    ratios = {}
    for dtype in (np.float32, np.float64):
        for name, shape, c_out, k, pad in SHAPES:
            label = f"{name} {shape} {np.dtype(dtype).name}"
            t = interleaved(conv_pair(shape, c_out, k, pad, dtype), args.repeats)
            ratios[label] = report(label, t)
    t = interleaved(epoch_pair(), args.epochs, warmup=1)
    ratios["epoch"] = report("one epoch, book recipe, float32", t)

    if torch is not None:
        print("\ntargets (cnnbook/PyTorch <= 1.0):")
        for label, ratio in ratios.items():
            print(f"  [{'met' if ratio <= 1.0 else 'MISSED'}] {label}: {ratio:.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
