"""Loss functions. Each returns the loss and its gradient with respect to the prediction."""

from __future__ import annotations

import numpy as np

from .checks import float_array
from .checks import labels as check_labels

__all__ = ["log_softmax", "mse", "softmax", "softmax_cross_entropy"]


def _check_logits(logits) -> np.ndarray:
    logits = float_array(logits, "logits")
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape (N, classes), got shape {logits.shape}")
    return logits


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise ``log softmax``, stable for any size of logit.

    Parameters
    ----------
    logits : ndarray, shape (N, K)

    Returns
    -------
    ndarray, shape (N, K)

    Notes
    -----
    Subtracting the row maximum changes nothing mathematically and keeps
    ``exp`` from overflowing:

    .. math:: \\log \\operatorname{softmax}(s)_k = s_k - m - \\log \\textstyle\\sum_j e^{s_j - m},
              \\quad m = \\max_j s_j

    Examples
    --------
    >>> import numpy as np
    >>> log_softmax(np.array([[1000., 1000.]]))
    array([[-0.69314718, -0.69314718]])
    """
    logits = _check_logits(logits)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, the class probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> softmax(np.array([[0., np.log(3.)]]))
    array([[0.25, 0.75]])
    """
    return np.exp(log_softmax(logits))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of ``softmax(logits)`` against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray, shape (N, K)
        Unnormalised class scores ``s``.
    labels : ndarray of int, shape (N,)
        True classes, each in ``[0, K)``.

    Returns
    -------
    loss : float
        :math:`C = -\\frac1N \\sum_n \\log \\operatorname{softmax}(s_n)_{y_n}`.
    dlogits : ndarray, shape (N, K)
        :math:`\\partial C/\\partial s = (\\operatorname{softmax}(s) - \\text{onehot}(y)) / N`.

    Examples
    --------
    Two equal logits give probability 1/2 and loss log 2, even at 1e4:

    >>> import numpy as np
    >>> loss, d = softmax_cross_entropy(np.array([[1e4, 1e4]]), np.array([0]))
    >>> bool(np.isclose(loss, np.log(2))), d
    (True, array([[-0.5,  0.5]]))
    """
    logits = _check_logits(logits)
    n, k = logits.shape
    labels = check_labels(labels, n, k)
    logp = log_softmax(logits)
    loss = -logp[np.arange(n), labels].mean()
    d = np.exp(logp)
    d[np.arange(n), labels] -= 1
    return float(loss), d / n


def mse(pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean squared error over all entries, and its gradient.

    Parameters
    ----------
    pred, target : ndarray, same shape

    Returns
    -------
    loss : float
        :math:`\\frac{1}{M}\\sum (p - t)^2` over the ``M`` entries.
    dpred : ndarray
        :math:`2 (p - t) / M`.

    Examples
    --------
    >>> import numpy as np
    >>> mse(np.array([1., 2.]), np.array([1., 4.]))
    (2.0, array([ 0., -2.]))
    """
    pred = float_array(pred, "pred")
    target = float_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {pred.shape} and {target.shape}"
        )
    if pred.size == 0:
        raise ValueError("pred and target must not be empty")
    diff = pred - target
    return float(np.mean(diff**2)), 2 * diff / diff.size
