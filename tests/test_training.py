"""The book's CNN and its recipe: chosen on a validation split, then tested once on held-out images.

The training chapter chooses :data:`~cnnbook.recipe.BOOK_RECIPE` on a
stratified validation split of the training images
(:func:`cnnbook.experiments.validation_split`); the test images play no part
in that choice. These tests check both halves of the protocol: the recipe's
length is supported by the validation split, and the network it trains on all
the training images reaches 97 % on the untouched test set.
"""

import numpy as np
import pytest

from cnnbook.data import Dataset, load_mnist_sample
from cnnbook.experiments import Setting, train_setting, validation_split
from cnnbook.network import book_cnn
from cnnbook.recipe import BOOK_RECIPE, train_book_cnn


@pytest.fixture(scope="module")
def data():
    return load_mnist_sample(dtype=np.float32)


@pytest.mark.slow
def test_recipe_is_supported_on_the_validation_split(data):
    """Trained on the fitting part, the recipe is on its validation plateau when it stops."""
    x_fit, y_fit, x_val, y_val = validation_split(data.x_train, data.y_train, 0.2, seed=0)
    r = BOOK_RECIPE
    recipe = Setting(
        epochs=r["epochs"], batch_size=r["batch_size"], lr=r["lr"], lr_decay=r["lr_decay"]
    )
    _, h = train_setting(recipe, r["seed"], x_fit, y_fit, x_val, y_val)
    best = h["val_accuracy"].max()
    se = np.sqrt(best * (1 - best) / len(y_val))
    assert h["val_accuracy"][-1] >= best - se, h["val_accuracy"]
    assert h["val_accuracy"][-1] >= 0.95


@pytest.mark.slow
def test_recipe_reaches_97_percent_on_the_untouched_test_set(data, tmp_path):
    net, history = train_book_cnn(data, cache_dir=tmp_path)
    # The source's architecture, scaled to 28×28: two conv blocks, then dense + softmax.
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == [
        "Conv2D",
        "ReLU",
        "MaxPool2D",
        "Conv2D",
        "ReLU",
        "MaxPool2D",
        "Flatten",
        "Dense",
    ]
    assert net.dtype == np.float32
    # Accuracy recomputed from scratch, independently of fit's bookkeeping.
    predictions = net.predict(data.x_test)
    accuracy = np.mean(predictions == data.y_test)
    assert accuracy >= 0.97, f"test accuracy {accuracy:.4f} < 0.97"
    assert history["val_accuracy"][-1] == pytest.approx(accuracy)
    assert len(history["loss"]) == BOOK_RECIPE["epochs"]
    assert history["loss"][-1] < history["loss"][0] / 5

    # The cache returns the same network without training again.
    cached, cached_history = train_book_cnn(data, cache_dir=tmp_path)
    assert np.array_equal(cached.predict(data.x_test), predictions)
    assert cached_history["val_accuracy"] == history["val_accuracy"]


def test_training_is_deterministic(data):
    """Two runs with one seed agree to the last bit (the book's figures rely on it)."""
    x, y = data.x_train[:256], data.y_train[:256]
    runs = []
    for _ in range(2):
        net = book_cnn(rng=3)
        net.fit(x, y, epochs=2, batch_size=32, rng=3, verbose=False)
        runs.append(net.state_dict())
    for key, value in runs[0].items():
        assert np.array_equal(value, runs[1][key]), key


def test_recipe_rejects_unknown_keys():
    with pytest.raises(TypeError, match="unknown recipe keys"):
        train_book_cnn(epoch=3)


def test_cache_keeps_current_files_and_drops_stale_ones(data, tmp_path):
    """A new entry deletes files of older package versions, not its siblings'."""
    small = Dataset(
        data.x_train[:64], data.y_train[:64], data.x_test[:32], data.y_test[:32], data.classes
    )
    stale = tmp_path / "book_cnn-000000000000-0123456789abcdef.npz"
    stale.write_bytes(b"written by an older version")
    other = tmp_path / "notes.txt"
    other.write_text("not a cached network")

    train_book_cnn(small, cache_dir=tmp_path, epochs=1)
    train_book_cnn(small, cache_dir=tmp_path, epochs=1, batchnorm=True)

    assert not stale.exists()
    assert other.exists()
    networks = sorted(p.name for p in tmp_path.glob("book_cnn-*.npz") if ".history" not in p.name)
    assert len(networks) == 2, networks  # the plain and the BatchNorm network both stay
    assert len({name.split("-")[1] for name in networks}) == 1
