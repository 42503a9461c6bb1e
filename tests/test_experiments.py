"""Experiments: splits, runs over seeds, sweeps and error bars, against independent references."""

import statistics

import numpy as np
import pytest
from scipy.stats import norm

from cnnbook.data import load_mnist_sample
from cnnbook.experiments import (
    Setting,
    accuracy_interval,
    cached_npz,
    compare,
    lr_sweep,
    mean_sd,
    paired_difference,
    per_class_recall,
    stratified_subset,
    train_setting,
    validation_split,
    verdict,
)
from cnnbook.network import book_cnn
from cnnbook.optim import Adam


@pytest.fixture(scope="module")
def small():
    d = load_mnist_sample(dtype=np.float32)
    x, y = stratified_subset(d.x_train, d.y_train, 200, seed=1)
    x_val, y_val = stratified_subset(d.x_test, d.y_test, 100, seed=1)
    return x, y, x_val, y_val


def test_validation_split_is_a_stratified_partition():
    y = np.repeat(np.arange(10), 40)
    ids = np.arange(len(y), dtype=np.float64)[:, None]  # each row remembers where it came from
    x_fit, _, x_val, y_val = validation_split(ids, y, val_size=0.2, seed=0)
    rows = np.concatenate([x_fit[:, 0], x_val[:, 0]]).astype(int)
    assert sorted(rows) == list(range(len(y)))  # disjoint, and together everything
    assert np.array_equal(y[x_val[:, 0].astype(int)], y_val)  # labels travel with their rows
    assert np.array_equal(np.bincount(y_val), np.full(10, 8))
    again = validation_split(ids, y, val_size=0.2, seed=0)
    other = validation_split(ids, y, val_size=0.2, seed=1)
    assert np.array_equal(again[2], x_val) and not np.array_equal(other[2], x_val)


@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1])
def test_validation_split_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="val_size"):
        validation_split(np.zeros((20, 1)), np.repeat([0, 1], 10), val_size=bad)


def test_stratified_subset_rejects_n_too_large():
    with pytest.raises(ValueError, match="smaller than the 4 samples"):
        stratified_subset(np.zeros((4, 1)), np.array([0, 0, 1, 1]), 4)


def test_train_setting_takes_the_steps_of_one_fit(small):
    """One epoch at a time with one generator = one call of fit over all epochs."""
    x, y, x_val, y_val = small
    s = Setting(epochs=3, lr=3e-3, lr_decay=0.5, batch_size=50)
    net, history = train_setting(s, 4, x, y, x_val, y_val)
    ref = book_cnn(rng=4)
    opt = Adam(ref.parameters(), lr=3e-3)
    ref_history = ref.fit(
        x, y, epochs=3, batch_size=50, optimizer=opt, rng=4, verbose=False,
        lr_schedule=lambda e: 3e-3 * 0.5 ** (e - 1),
    )  # fmt: skip
    for key, value in ref.state_dict().items():
        assert np.array_equal(net.state_dict()[key], value), key
    assert np.allclose(history["loss"], ref_history["loss"])
    loss, acc = ref.evaluate(x_val, y_val)
    assert history["val_accuracy"][-1] == pytest.approx(acc)
    assert history["val_loss"][-1] == pytest.approx(loss, rel=1e-5)


def test_train_setting_calls_on_epoch_from_zero_and_probes(small):
    x, y, x_val, y_val = small
    seen = []
    s = Setting(epochs=2, batch_size=50, lr=1e-3, lr_decay=0.5)
    _, h = train_setting(
        s, 0, x, y, x_val, y_val, on_epoch=lambda e, net: seen.append(e), probe=True
    )
    assert seen == [0, 1, 2]
    steps = 2 * (len(x) // 50)
    assert h["grad_norms"].shape == (steps, 6) and h["update_ratios"].shape == (steps, 6)
    # The schedule, step by step: epoch 1 at lr, epoch 2 at lr * decay.
    assert np.array_equal(h["lrs"], np.repeat([1e-3, 5e-4], len(x) // 50))


def test_setting_learning_rate_over_several_epochs():
    s = Setting(lr=0.2, lr_decay=0.5)
    assert [s.learning_rate(e) for e in (1, 2, 3, 4)] == [0.2, 0.1, 0.05, 0.025]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"model": "rnn"}, ValueError),
        ({"optimizer": "rmsprop"}, ValueError),
        ({"lr": 0}, ValueError),
        ({"lr_decay": 1.5}, ValueError),
        ({"momentum": 0.9}, ValueError),  # momentum is SGD's
        ({"epochs": 0}, ValueError),
        ({"init_std": "small"}, TypeError),
    ],
)
def test_setting_rejects_bad_options(kwargs, error):
    with pytest.raises(error):
        Setting(**kwargs)


def test_compare_stacks_seeds(small):
    x, y, x_val, y_val = small
    out = compare(
        {"mlp": Setting(model="mlp", epochs=2, batch_size=50)}, [0, 1], x, y, x_val, y_val
    )
    assert out["mlp/val_accuracy"].shape == (2, 2)
    _, h1 = train_setting(Setting(model="mlp", epochs=2, batch_size=50), 1, x, y, x_val, y_val)
    assert np.array_equal(out["mlp/val_accuracy"][1], h1["val_accuracy"])


def test_lr_sweep_marks_collapse_and_overflow(small):
    x, y, x_val, y_val = small
    s = Setting(model="mlp", optimizer="sgd", epochs=1, batch_size=50)
    out = lr_sweep(s, [1e-2, 1e4, 1e30], [0, 1], x, y, x_val, y_val)
    assert out["failed"].tolist() == [[False, False], [True, True], [True, True]]
    assert out["overflowed"].tolist() == [[False, False], [False, False], [True, True]]
    # Collapsed: one class for every validation image, so accuracy = that class's share.
    shares = np.bincount(y_val) / len(y_val)
    assert all(np.isclose(shares, a).any() for a in out["val_accuracy"][1])
    assert np.isnan(out["val_accuracy"][2]).all() and np.isfinite(out["val_accuracy"][:2]).all()


def test_mean_sd_matches_statistics():
    a = np.array([[0.91, 0.2], [0.93, 0.4], [0.96, 0.9]])
    mean, sd = mean_sd(a)
    assert mean[0] == pytest.approx(statistics.mean(a[:, 0]))
    assert sd[1] == pytest.approx(statistics.stdev(a[:, 1]))
    with pytest.raises(ValueError, match="at least 2 runs"):
        mean_sd(a[:1])


def test_accuracy_interval_against_simulation_and_the_wilson_formula():
    p, se, lo, hi = accuracy_interval(977, 1000)
    draws = np.random.default_rng(0).binomial(1000, 0.977, size=200_000) / 1000
    assert se == pytest.approx(draws.std(), rel=0.01)
    z, n = norm.ppf(0.975), 1000
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (lo, hi) == pytest.approx((centre - half, centre + half), rel=1e-9)
    with pytest.raises(ValueError, match="at most n"):
        accuracy_interval(11, 10)


def test_per_class_recall_against_counts():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 300)
    pred = np.where(rng.random(300) < 0.8, y, rng.integers(0, 4, 300))
    recall, se, count = per_class_recall(y, pred, 4)
    for k in range(4):
        mine = y == k
        assert count[k] == mine.sum()
        assert recall[k] == pytest.approx(np.mean(pred[mine] == k))
        assert se[k] == pytest.approx(np.sqrt(recall[k] * (1 - recall[k]) / mine.sum()))


def test_cached_npz_computes_once_and_prunes_other_sources(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"a": np.arange(3.0), "b": np.eye(2)}

    stale = tmp_path / "exp-000000000000-0123456789ab.npz"
    stale.write_bytes(b"from an older package")
    sibling = tmp_path / "other-000000000000-0123456789ab.npz"
    sibling.write_bytes(b"another experiment")
    first = cached_npz(tmp_path, "exp", ("k", 1), compute)
    second = cached_npz(tmp_path, "exp", ("k", 1), compute)
    assert len(calls) == 1
    assert np.array_equal(first["b"], second["b"]) and np.array_equal(second["a"], [0, 1, 2])
    assert not stale.exists() and sibling.exists()
    assert not list(tmp_path.glob("*.tmp"))
    cached_npz(tmp_path, "exp", ("k", 2), compute)  # another key: computed again
    assert len(calls) == 2


def test_paired_difference_agrees_with_scipys_paired_t_test():
    from scipy.stats import ttest_rel

    a = np.array([0.91, 0.93, 0.95, 0.92, 0.96])
    b = np.array([0.90, 0.90, 0.94, 0.93, 0.92])
    mean, se = paired_difference(a, b)
    assert mean == pytest.approx(np.mean(a - b))
    assert mean / se == pytest.approx(ttest_rel(a, b).statistic)
    with pytest.raises(ValueError, match="one value per seed"):
        paired_difference([1.0], [0.5])


@pytest.mark.parametrize(
    ("mean", "se", "word"),
    [(0.05, 0.02, "higher"), (-0.05, 0.02, "lower"), (0.04, 0.02, "indistinguishable")],
)
def test_verdict_needs_more_than_two_standard_errors(mean, se, word):
    assert verdict(mean, se) == word
