"""Sanity checks for explanations (Adebayo et al., 2018): cascading randomisation of the weights.

An explanation of what a trained network learned must change when what it
learned is destroyed. *Cascading randomisation* re-initialises the layers
with weights one at a time, from the top (the output) down, each time
keeping the layers randomised before, and recomputes the explanation after
each step. The similarity of each map to the trained network's map is the
Spearman rank correlation of their absolute values.

Passing is necessary, not sufficient: a map that does not depend on the
network at all (pure noise, or the image itself) also "changes", or stays
unrelated, and says nothing about the decision either.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from .backward import Trace, check_net
from .checks import float_array, nonnegative_int, targets
from .layers import Conv2D, Dense, Layer
from .network import Sequential

__all__ = [
    "Cascade",
    "cascading_randomisation",
    "randomised_networks",
    "rank_similarity",
    "reinitialise",
]


def reinitialise(layer: Layer, rng) -> None:
    """Give a Conv2D or Dense layer fresh He-normal weights and zero biases, in place.

    The weights are drawn by the layer's own constructor, so they follow the
    same distribution as before training, from the generator ``rng``.

    Examples
    --------
    >>> import numpy as np
    >>> dense = Dense(3, 2, rng=0)
    >>> dense.params["b"][...] = 5
    >>> reinitialise(dense, np.random.default_rng(0))
    >>> np.array_equal(dense.params["W"], Dense(3, 2, rng=0).params["W"]), dense.params["b"]
    (True, array([0., 0.]))
    """
    if not isinstance(layer, (Conv2D, Dense)):
        raise TypeError(f"layer must be a Conv2D or a Dense layer, got {type(layer).__name__}")
    init = {"rng": rng, "dtype": layer.params["W"].dtype}
    if isinstance(layer, Dense):
        fresh = Dense(layer.in_features, layer.out_features, **init)
    else:
        c_in, c_out = layer.in_channels, layer.out_channels
        fresh = Conv2D(c_in, c_out, layer.kernel_size, layer.stride, layer.padding, **init)
    for name, value in fresh.params.items():
        layer.params[name][...] = value


def randomised_networks(net: Sequential, seed: int = 0) -> list[tuple[str, Sequential]]:
    """The stages of cascading randomisation: the network, then its weighted layers re-drawn top down.

    Parameters
    ----------
    net : Sequential
        Not modified; every stage is a deep copy.
    seed : int
        Layer ``i`` is re-initialised from ``np.random.default_rng([seed, i])``,
        so a stage repeats exactly and no layer reuses the stream that
        initialised the network before training.

    Returns
    -------
    list of (str, Sequential)
        ``("trained", copy)`` first, then ``("+ Dense (7)", …)`` and so on:
        stage ``k`` has the ``k`` topmost Conv2D and Dense layers randomised.

    Examples
    --------
    >>> from cnnbook.network import book_cnn
    >>> [name for name, _ in randomised_networks(book_cnn())]
    ['trained', '+ Dense (7)', '+ Conv2D (3)', '+ Conv2D (0)']
    """
    check_net(net)
    seed = nonnegative_int(seed, "seed")
    model = copy.deepcopy(net)
    stages = [("trained", copy.deepcopy(model))]
    for i in reversed(range(len(model.layers))):
        layer = model.layers[i]
        if isinstance(layer, (Conv2D, Dense)):
            reinitialise(layer, np.random.default_rng([seed, i]))
            stages.append((f"+ {type(layer).__name__} ({i})", copy.deepcopy(model)))
    return stages


def rank_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of ``|a|`` and ``|b|``, image by image.

    Parameters
    ----------
    a, b : ndarray, shape (N, ...)
        Maps of the same shape, one per image.

    Returns
    -------
    ndarray, shape (N,)
        :func:`scipy.stats.spearmanr` of the flattened absolute maps; NaN
        where either map is constant (a rank correlation is undefined there).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[1., -2., 3., 4.]])
    >>> rank_similarity(a, np.array([[10., 20., 30., 40.]]))
    array([1.])
    >>> rank_similarity(a, np.array([[4., 3., 2., 1.]]))
    array([-1.])
    """
    a, b = float_array(a, "a"), float_array(b, "b")
    if a.shape != b.shape or a.ndim < 2:
        raise ValueError(
            f"a and b must be batches of maps of one shape, got {a.shape} and {b.shape}"
        )
    a, b = np.abs(a).reshape(len(a), -1), np.abs(b).reshape(len(b), -1)
    rho = np.full(len(a), np.nan)
    for n, (u, v) in enumerate(zip(a, b, strict=True)):
        if np.ptp(u) > 0 and np.ptp(v) > 0:
            rho[n] = spearmanr(u, v).statistic
    return rho


@dataclass
class Cascade:
    """What :func:`cascading_randomisation` returns.

    Attributes
    ----------
    stages : list of str
        Stage names, ``"trained"`` first.
    maps : list of ndarray
        The explanation at each stage.
    similarity : ndarray, shape (S, N)
        :func:`rank_similarity` of each stage's maps to the trained ones.
    networks : list of Sequential
        The network of each stage.
    """

    stages: list
    maps: list
    similarity: np.ndarray
    networks: list


def cascading_randomisation(
    net: Sequential,
    x: np.ndarray,
    explain: Callable[[Sequential, np.ndarray, np.ndarray], np.ndarray],
    target=None,
    seed: int = 0,
) -> Cascade:
    """Explain ``x`` with every stage of :func:`randomised_networks` and compare to the trained maps.

    Parameters
    ----------
    net : Sequential
        The trained network; not modified.
    x : ndarray, shape (N, ...)
    explain : callable
        ``explain(model, x, target)`` returns one map per image, e.g.
        ``lambda m, x, t: saliency(m, x, t)``.
    target : int or array of int, shape (N,), optional
        The class explained at every stage; default the class the *trained*
        network predicts, so that every stage explains the same decision.
    seed : int
        As in :func:`randomised_networks`.

    Returns
    -------
    Cascade

    Examples
    --------
    A map that ignores the network, here the image itself, never changes,
    which shows why passing needs a map that *does* change:

    >>> import numpy as np
    >>> from cnnbook.network import book_cnn
    >>> x = np.random.default_rng(0).random((2, 1, 28, 28))
    >>> result = cascading_randomisation(book_cnn(), x, lambda m, x, t: x)
    >>> result.similarity
    array([[1., 1.],
           [1., 1.],
           [1., 1.],
           [1., 1.]])
    """
    stages = randomised_networks(net, seed)
    x = net.check_input(x)
    logits = Trace(net, x).output
    t = logits.argmax(axis=1) if target is None else targets(target, *logits.shape)
    maps = [np.asarray(explain(model, x, t)) for _, model in stages]
    similarity = np.array([rank_similarity(maps[0], m) for m in maps])
    return Cascade([s for s, _ in stages], maps, similarity, [m for _, m in stages])
