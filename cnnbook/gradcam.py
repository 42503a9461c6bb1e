"""Grad-CAM and Guided Grad-CAM (Selvaraju et al., 2017): which regions of a layer's maps a class uses.

Grad-CAM explains a class score with the feature maps :math:`A_k` of one
convolutional layer. Each map gets a weight, the gradient of the score
averaged over the map's positions, and the explanation is the rectified
weighted sum of the maps, upsampled to the image:

.. math::
    \\alpha_k = \\frac{1}{Z} \\sum_{i,j} \\frac{\\partial s_t}{\\partial A_{k,i,j}}, \\qquad
    L = \\operatorname{ReLU}\\Big(\\sum_k \\alpha_k A_k\\Big)

with :math:`Z` the number of positions. The map has the resolution of the
layer, so the choice of layer trades resolution (early layers) against
class specificity (late layers). *Guided Grad-CAM* multiplies the upsampled
map with guided backpropagation (:func:`cnnbook.attribution.guided_backprop`)
to get back pixel resolution.

Every pass runs through :class:`cnnbook.backward.Trace`, on detached copies
of the layers in evaluation mode, so the network is never disturbed.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .attribution import guided_backprop
from .backward import Trace, check_net, layer_index
from .checks import choice, float_array, pair, targets
from .network import Sequential

__all__ = ["channel_weights", "grad_cam", "guided_grad_cam", "layer_gradient", "upsample"]

UPSAMPLING = ("bilinear", "nearest")


def upsample(maps: np.ndarray, size, mode: str = "bilinear") -> np.ndarray:
    """Resize maps ``(N, h, w)`` to ``(N, H, W)``, each pixel of the map covering an equal area.

    Parameters
    ----------
    maps : ndarray, shape (N, h, w)
    size : int or (int, int)
        ``(H, W)``; each must be a multiple of the map's side.
    mode : {"bilinear", "nearest"}
        Bilinear interpolation between pixel centres (the edges repeat the
        border value, as ``align_corners=False`` in the frameworks), or
        each value copied over its block.

    Returns
    -------
    ndarray, shape (N, H, W)

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[[0., 4.]]])
    >>> upsample(m, (1, 4), "nearest")
    array([[[0., 0., 4., 4.]]])
    >>> upsample(m, (1, 4))
    array([[[0., 1., 3., 4.]]])
    """
    maps = float_array(maps, "maps", 3)
    choice(mode, UPSAMPLING, "mode")
    H, W = pair(size, "size", low=1)
    h, w = maps.shape[1:]
    if H % h or W % w:
        raise ValueError(f"size {(H, W)} must be a multiple of the maps' size {(h, w)}")
    if mode == "nearest":
        return maps.repeat(H // h, axis=1).repeat(W // w, axis=2)
    zoom = (1, H / h, W / w)
    return ndimage.zoom(maps, zoom, order=1, mode="nearest", grid_mode=True)


def layer_gradient(
    net: Sequential, x: np.ndarray, layer: int, target=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The feature maps of a layer and the gradient of a class logit with respect to them.

    Parameters
    ----------
    net : Sequential
        Ends in class scores (logits), shape ``(N, K)``.
    x : ndarray, shape (N, C, H, W)
    layer : int
        A layer with feature-map output ``(N, C_l, h, w)`` that is not the
        last one; in :func:`~cnnbook.network.book_cnn`, 0–2 (block 1) or 3–5
        (block 2). Negative indices count from the end.
    target : int or array of int, shape (N,), optional
        Class explained in each image; default the predicted class.

    Returns
    -------
    A : ndarray, shape (N, C_l, h, w)
        The layer's output.
    dA : ndarray, shape (N, C_l, h, w)
        :math:`\\partial s_{t_n} / \\partial A`.
    t : ndarray of int, shape (N,)
        The classes explained.

    Examples
    --------
    A ReLU whose two maps feed a dense layer with weights ``(1, 2)``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten, ReLU
    >>> dense = Dense(2, 1)
    >>> dense.params["W"][...] = [[1., 2.]]
    >>> net = Sequential(ReLU(), Flatten(), dense)
    >>> A, dA, t = layer_gradient(net, np.array([[[[3.]], [[-1.]]]]), layer=0)
    >>> A.ravel(), dA.ravel(), t
    (array([3., 0.]), array([1., 2.]), array([0]))
    """
    check_net(net)
    x = net.check_input(x)
    if x.ndim != 4:
        raise ValueError(f"x must be a batch of images of shape (N, C, H, W), got shape {x.shape}")
    layer = layer_index(net, layer)
    if layer == len(net.layers) - 1:
        raise ValueError(f"layer must not be the last layer ({layer}), whose output is the score")
    A = Trace(net, x, layer).output
    if A.ndim != 4:
        raise ValueError(
            f"layer {layer} ({net.layers[layer]!r}) outputs shape {A.shape}, not feature maps "
            "(N, C, h, w): choose a layer of a convolutional block"
        )
    trace = Trace(net, x)
    logits = trace.output
    if logits.ndim != 2:
        raise ValueError(f"net must output class scores of shape (N, K), got shape {logits.shape}")
    N, K = logits.shape
    t = logits.argmax(axis=1) if target is None else targets(target, N, K)
    seed = np.zeros_like(logits)
    seed[np.arange(N), t] = 1
    return A, trace.backward(seed, stop=layer + 1), t


def channel_weights(net: Sequential, x: np.ndarray, layer: int, target=None) -> np.ndarray:
    """Grad-CAM's channel weights :math:`\\alpha_k`: the gradient averaged over each map.

    Takes the arguments of :func:`layer_gradient` and returns an array of
    shape ``(N, C_l)``.

    Notes
    -----
    .. math:: \\alpha_{n,k} = \\frac{1}{h w} \\sum_{i,j} \\frac{\\partial s_{t_n}}{\\partial A_{n,k,i,j}}

    Examples
    --------
    Two 2-pixel maps read by a dense layer with weights ``(1, 3 | 0, -2)``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten, ReLU
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 3., 0., -2.]]
    >>> net = Sequential(ReLU(), Flatten(), dense)
    >>> channel_weights(net, np.ones((1, 2, 1, 2)), layer=0)
    array([[ 2., -1.]])
    """
    _, dA, _ = layer_gradient(net, x, layer, target)
    return dA.mean(axis=(2, 3))


def grad_cam(
    net: Sequential,
    x: np.ndarray,
    layer: int,
    target=None,
    *,
    mode: str = "bilinear",
    relu: bool = True,
) -> np.ndarray:
    """Grad-CAM (Selvaraju et al., 2017) of a class for each image, upsampled to the image.

    Parameters
    ----------
    net, x, layer, target
        As in :func:`layer_gradient`.
    mode : {"bilinear", "nearest"}
        How the map is brought to the image's size (see :func:`upsample`).
    relu : bool
        Keep only the positive part, as Selvaraju et al. do; False returns
        the signed sum, where negative values mark evidence for other classes.

    Returns
    -------
    ndarray, shape (N, H, W)

    Notes
    -----
    .. math:: L_n = \\operatorname{ReLU}\\Big(\\sum_k \\alpha_{n,k} A_{n,k}\\Big)

    with :math:`\\alpha` from :func:`channel_weights`, then upsampled.

    Examples
    --------
    With the network of :func:`channel_weights`, :math:`\\alpha = (2, -1)`;
    the maps ``(1, 2)`` and ``(3, 0)`` give :math:`2 (1, 2) - (3, 0) = (-1, 4)`,
    rectified to ``(0, 4)``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten, ReLU
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 3., 0., -2.]]
    >>> net = Sequential(ReLU(), Flatten(), dense)
    >>> grad_cam(net, np.array([[[[1., 2.]], [[3., 0.]]]]), layer=0)
    array([[[0., 4.]]])
    """
    choice(mode, UPSAMPLING, "mode")
    A, dA, _ = layer_gradient(net, x, layer, target)
    alpha = dA.mean(axis=(2, 3))
    cam = np.einsum("nk,nkij->nij", alpha, A)
    if relu:
        cam = np.maximum(cam, 0)
    return upsample(cam, np.shape(x)[2:], mode)


def guided_grad_cam(
    net: Sequential, x: np.ndarray, layer: int, target=None, *, mode: str = "bilinear"
) -> np.ndarray:
    """Guided Grad-CAM: guided backpropagation weighted pixel by pixel by Grad-CAM.

    Parameters
    ----------
    net, x, layer, target, mode
        As in :func:`grad_cam`.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Signed, like :func:`~cnnbook.attribution.guided_backprop`.

    Notes
    -----
    .. math:: G_{n,c} = \\text{guided}_{n,c} \\odot L_n

    Examples
    --------
    On the network of :func:`grad_cam`, guided backpropagation passes the
    positive weights, ``(1, 3)`` and ``(0, 0)``, and Grad-CAM is ``(0, 4)``:

    >>> import numpy as np
    >>> from cnnbook.layers import Dense, Flatten, ReLU
    >>> dense = Dense(4, 1)
    >>> dense.params["W"][...] = [[1., 3., 0., -2.]]
    >>> net = Sequential(ReLU(), Flatten(), dense)
    >>> guided_grad_cam(net, np.array([[[[1., 2.]], [[3., 0.]]]]), layer=0)
    array([[[[ 0., 12.]],
    <BLANKLINE>
            [[ 0.,  0.]]]])
    """
    cam = grad_cam(net, x, layer, target, mode=mode)
    t = layer_gradient(net, x, layer, target)[2]
    return guided_backprop(net, x, t) * cam[:, None]
