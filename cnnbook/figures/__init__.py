"""The book's figures, drawn by code: one module per chapter or subject.

* :mod:`cnnbook.figures.convolution`: a kernel sliding over an input, the
  valid/same/full modes, padding and stride, a layer with many channels;
* :mod:`cnnbook.figures.edges`: a photograph and its edge maps;
* :mod:`cnnbook.figures.receptive_field`: how far a unit sees, layer by layer;
* :mod:`cnnbook.figures.mlp_to_cnn`: deltas counted on fingers, a dense layer
  cut and shared into a convolution, the convolution matrix;
* :mod:`cnnbook.figures.conv_network`: a convolution as a network, forward and
  backward, and its backward pass as a full convolution;
* :mod:`cnnbook.figures.grids`: grids of images, feature maps and filters;
* :mod:`cnnbook.figures.projections`: deconvnet projections and top images;
* :mod:`cnnbook.figures.attribution`: attribution maps over their images;
* :mod:`cnnbook.figures.training`: learning curves and the confusion matrix.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object API (no :mod:`matplotlib.pyplot` state), so a figure never leaks into
the next one and the same data always give the same picture. Call
:func:`cnnbook.plotting_style.use_book_style` once before drawing, and
:func:`cnnbook.plotting_style.render` to turn a figure into PNG or SVG bytes.

Colour conventions, the same in every figure: a signed map (a gradient, a
filter, a projection) uses the diverging colormap ``"RdBu_r"`` on limits
symmetric about zero, so white means 0; a non-negative map (an activation
after ReLU, a saliency map) a sequential colormap from 0 up; an input image is
grey or RGB.

Each module exposes ``FIGURES``, a dict from a name to a zero-argument
function that draws a representative figure; the test suite renders every one
twice and fails, naming the figure, if the bytes differ. :data:`MODULES` names
them all.
"""

#: The figure modules of the package, each with its ``FIGURES`` registry.
MODULES: tuple[str, ...] = (
    "cnnbook.figures.convolution",
    "cnnbook.figures.edges",
    "cnnbook.figures.receptive_field",
    "cnnbook.figures.mlp_to_cnn",
    "cnnbook.figures.conv_network",
    "cnnbook.figures.grids",
    "cnnbook.figures.projections",
    "cnnbook.figures.attribution",
    "cnnbook.figures.training",
)
