"""Sphinx configuration for the cnnbook book (``sphinx-build -c . docs _build/html``).

The book is strict: every page is executed at build time, a cell that raises
fails the build, and any warning (including a broken cross-reference, since the
build runs nitpicky) fails it too. The built site loads nothing from the
network: MathJax is bundled and no theme or notebook asset comes from a CDN.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The build machinery (execution cache, kernel environment, notebook
# downloads) is the local extension docs/_ext/cnnbook_build.py.
sys.path.insert(0, str(Path(__file__).resolve().parent / "docs" / "_ext"))

# -- Project -----------------------------------------------------------------
project = "cnnbook"
author = "The cnnbook authors"
copyright = "2026, The cnnbook authors"
release = version = "0.1.0"
language = "en"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.mathjax",
    "sphinxcontrib.bibtex",
    "sphinx_book_theme",
    "cnnbook_build",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", ".jupyter_cache", "Thumbs.db", ".DS_Store"]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"

# Strict references: every ``{ref}``, ``{eq}``, ``{cite}`` and ``:func:`` must
# resolve. Only names the book cannot link to offline (no intersphinx: the
# build machine has no network) are ignored.
nitpicky = True
_STDLIB = "|".join(sorted(sys.stdlib_module_names))
nitpick_ignore_regex = [
    # Third-party and standard-library objects named in docstrings
    # ("See Also: scipy.signal.correlate2d", ":mod:`struct`").
    (r"py:.*", rf"(numpy|np|scipy|matplotlib|mpl|sklearn|mlxtend|PIL|{_STDLIB})(\..*)?"),
    (r"py:.*", r"(ndarray|array_like|array-like|Figure|Axes|Generator|RandomState)"),
]

# -- Maths -------------------------------------------------------------------
numfig = True
math_numfig = True
numfig_secnum_depth = 0
math_eqref_format = "({number})"
myst_enable_extensions = [
    "amsmath",
    "attrs_inline",  # [text]{.measured} marks a number measured at build time
    "colon_fence",
    "deflist",
    "dollarmath",
    "substitution",
]
myst_dmath_double_inline = True
myst_heading_anchors = 3
# MathJax 3 from the sphinx-mathjax-offline package, served from the site: no
# CDN. cnnbook_build copies only the components below. They are loaded one by
# one (startup.js) instead of the combined tex-chtml.js, which also holds the
# 430 kB context menu: TeX input (base, ams, newcommand, and autoload for the
# rest), CommonHTML output with its TeX fonts, and the hidden MathML that
# screen readers read. Sphinx 9 names the setting after MathJax 4, but it only
# writes ``window.MathJax = {...}``. Without ``noundefined`` an unknown macro
# is a MathJax error (``mjx-merror``, which the browser check reports) instead
# of red text that is easy to miss.
mathjax_path = "mathjax/startup.js"
mathjax4_config = {
    "loader": {"load": ["input/tex", "output/chtml", "a11y/assistive-mml"]},
    "tex": {"packages": {"[-]": ["noundefined"]}},
}
cnnbook_mathjax_files = [
    "startup.js",
    "core.js",
    "input/tex.js",
    "output/chtml.js",
    "output/chtml/fonts/tex.js",
    # The TeX fonts the pages use; the Fraktur, Script and SansSerif faces
    # (\mathfrak, \mathscr, \mathsf) are left out: no page sets them, and the
    # browser check reports the missing file of any face a page comes to need.
    *(
        f"output/chtml/fonts/woff-v2/MathJax_{face}.woff"
        for face in (
            "AMS-Regular",
            "Calligraphic-Bold",
            "Calligraphic-Regular",
            "Main-Bold",
            "Main-Italic",
            "Main-Regular",
            "Math-BoldItalic",
            "Math-Italic",
            "Math-Regular",
            "Size1-Regular",
            "Size2-Regular",
            "Size3-Regular",
            "Size4-Regular",
            "Typewriter-Regular",
            "Vector-Bold",
            "Vector-Regular",
            "Zero",
        )
    ),
    "a11y/assistive-mml.js",
]

# -- Notebook execution (myst-nb) -------------------------------------------
# cnnbook_build sets nb_execution_cache_path to a cache keyed on the package.
nb_execution_mode = "cache"
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # print the failing cell's traceback in the build log
nb_merge_streams = True
# myst-nb would otherwise add require.js and the ipywidgets manager from CDNs.
nb_ipywidgets_js = {}
nb_kernel_rgx_aliases = {"python3.*": "python3"}

# -- Bibliography ------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]  # relative to this file
bibtex_reference_style = "author_year"
bibtex_default_style = "plain"

# -- API reference (autodoc + numpydoc) -------------------------------------
# Names without their module ("rot180", not "cnnbook.conv.rot180"): every
# section of the API page is headed by its module already.
add_module_names = False
# The API page's "On this page" lists its modules, not its 250 functions and
# classes (search and the index find those): 60 kB less on the page.
toc_object_entries = False
autodoc_typehints = "none"  # the docstrings give types and shapes
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autoclass_content = "class"
# Types such as "ndarray, shape (N, C_in, H, W)" are prose, not class names:
# numpydoc renders them as text instead of turning every word into a link.
numpydoc_xref_param_type = False
numpydoc_show_class_members = False  # autodoc's :members: lists them already
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# numpydoc loads autosummary, which by default imports every module named in an
# automodule directive at the start of every build (5 s here, even when nothing
# changed). The book uses no autosummary tables.
autosummary_generate = False

# -- HTML ----------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "cnnbook: convolutional networks from first principles"
html_static_path = ["docs/_static"]
templates_path = ["docs/_templates"]  # layout.html: drops the theme's duplicate header
html_css_files = ["cnnbook.css"]
html_favicon = "docs/_static/favicon.svg"
# Theme files no page loads (see cnnbook_build.drop_unused_assets): the book
# shows no brand or outlined icons.
cnnbook_unused_assets = [
    "vendor/fontawesome/webfonts/fa-brands-400.woff2",
    "vendor/fontawesome/webfonts/fa-regular-400.woff2",
]
html_last_updated_fmt = None  # no build date in the pages: builds are reproducible
# No copies of the MyST sources in the site: each chapter is offered as a
# notebook (cnnbook_build.offer_notebook), and the sources are in the source
# archive that the "Run it yourself" page links to.
html_copy_source = False
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": True,
    "use_repository_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "home_page_in_toc": True,
    # pydata-sphinx-theme options: nothing that phones home.
    "icon_links": [],
}
# Light mode: the figures are drawn on white. (Without a default, the theme
# script logs a console error on a reader's first visit.)
html_context = {"default_mode": "light"}
