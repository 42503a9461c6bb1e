"""Sphinx configuration for the cnnbook book (``sphinx-build -c . docs _build/html``).

The book is strict: every page is executed at build time, a cell that raises
fails the build, and any warning (including a broken cross-reference, since the
build runs nitpicky) fails it too. The built site loads nothing from the
network: MathJax is bundled and no theme or notebook asset comes from a CDN.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PACKAGE = ROOT / "cnnbook"
sys.path.insert(0, str(ROOT))  # autodoc imports the working tree's cnnbook

# -- Environment of the notebook kernels ---------------------------------------
# myst-nb's kernels inherit this process's environment.
# * They import cnnbook from this tree, not from wherever it is installed.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
)
# * ipykernel selects the inline backend only when MPLBACKEND is unset, and the
#   Makefile sets it to Agg for the tests: without this, no figure would show.
os.environ.pop("MPLBACKEND", None)
# * Fixed string hashing, so that set and dict orders, and any output that
#   depends on them, are the same in every build.
os.environ.setdefault("PYTHONHASHSEED", "0")


# -- Execution cache keyed on the package's source -------------------------
def package_hash(package: Path = PACKAGE) -> str:
    """Hash every file of the package (path and content), in sorted order.

    jupyter-cache keys a notebook on its code cells alone, so a page whose
    code is unchanged would be served from cache even after ``cnnbook``
    changed under it. Putting this hash in ``nb_execution_cache_path`` makes
    every package change start a fresh cache, and, because the path is a
    config value that Sphinx tracks, re-read (and so re-execute) every page.
    """
    h = hashlib.sha256()
    files = sorted(
        p
        for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in {".pyc", ".pyo"}
    )
    for p in files:
        h.update(p.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


CACHE_ROOT = ROOT / ".jupyter_cache"
PACKAGE_HASH = package_hash()


def _prune_caches(keep: str) -> None:
    """Remove execution caches made for earlier versions of the package."""
    if not CACHE_ROOT.is_dir():
        return
    for d in CACHE_ROOT.iterdir():
        if d.is_dir() and d.name != keep:
            shutil.rmtree(d, ignore_errors=True)


_prune_caches(PACKAGE_HASH)

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
    "sphinx-mathjax-offline",  # copies MathJax 3 into _static/mathjax: no CDN
    "sphinxcontrib.bibtex",
    "sphinx_book_theme",
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
# sphinx-mathjax-offline points mathjax_path at the bundled copy; say it again
# here so that a missing extension fails loudly instead of using the CDN.
mathjax_path = "mathjax/tex-chtml.js"
# The bundled MathJax is version 3; Sphinx 9 names the setting after version 4,
# but both only write ``window.MathJax = {...}``. Without ``noundefined`` an
# unknown macro is a MathJax error (``mjx-merror``, which the browser check
# reports) instead of red text that is easy to miss.
mathjax4_config = {"tex": {"packages": {"[-]": ["noundefined"]}}}

# -- Notebook execution (myst-nb) -------------------------------------------
nb_execution_mode = "cache"
nb_execution_cache_path = str(CACHE_ROOT / PACKAGE_HASH)
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True  # print the failing cell's traceback in the build log
nb_merge_streams = True
# myst-nb would otherwise add require.js and the ipywidgets manager from CDNs.
nb_ipywidgets_js = {}
nb_kernel_rgx_aliases = {"python3.*": "python3"}


def _join_stream_chunks(coalesce):
    """Wrap myst-nb's ``coalesce_streams`` so that merged output is deterministic.

    The kernel sends a cell's printed text in chunks, split wherever its
    output buffer happened to be flushed, sometimes in the middle of a line.
    myst-nb strips each chunk and adds a newline before joining them, so a
    split mid-line becomes a spurious blank line, in some builds and not
    others. Joining the chunks of each stream exactly first leaves one chunk
    per stream, which myst-nb then handles as before.
    """

    def coalesce_joined(outputs):
        joined, first = [], {}
        for out in outputs or []:
            if out.get("output_type") == "stream":
                if out["name"] in first:
                    first[out["name"]]["text"] += out["text"]
                    continue
                out = type(out)(out)  # copy: the notebook's own outputs stay as they were
                first[out["name"]] = out
            joined.append(out)
        return coalesce(joined)

    return coalesce_joined


import myst_nb.core.render as _nb_render  # noqa: E402

if not getattr(_nb_render.coalesce_streams, "__wrapped_by_cnnbook__", False):
    _nb_render.coalesce_streams = _join_stream_chunks(_nb_render.coalesce_streams)
    _nb_render.coalesce_streams.__wrapped_by_cnnbook__ = True

# -- Bibliography ------------------------------------------------------------
bibtex_bibfiles = ["docs/references.bib"]  # relative to this file
bibtex_reference_style = "author_year"
bibtex_default_style = "plain"

# -- API reference (autodoc + numpydoc) -------------------------------------
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
html_css_files = ["cnnbook.css"]
html_last_updated_fmt = None  # no build date in the pages: builds are reproducible
html_copy_source = True
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


# -- Notebook download -------------------------------------------------------
def _offer_ipynb(app, pagename, templatename, context, doctree):
    """Offer each executed page as an ``.ipynb`` in the download menu.

    myst-nb writes every executed page as a notebook into
    ``<outdir>/../jupyter_execute``; sphinx-book-theme only offers it when
    launch buttons are configured, so copy it next to the page sources here,
    with the per-cell execution timestamps removed (they change every run).
    Runs before the theme builds its header buttons (priority 501).
    """
    if doctree is None or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    src = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not src.is_file():
        return
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
    dst = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    context["ipynb_source"] = f"{pagename}.ipynb"


def _forget_failed_build(app, exc):
    """After a build with warnings or errors, make the next build start afresh.

    Sphinx re-reads and re-writes only the pages that changed, so a page whose
    warnings failed one build would not be written, and could not warn, in the
    next: ``make html`` run twice would fail, then pass. Deleting the saved
    environment makes every page be read again (executed pages come from the
    cache, so this costs seconds) and every warning come back.
    """
    if exc is not None or getattr(app, "_warncount", 0):
        (Path(app.doctreedir) / "environment.pickle").unlink(missing_ok=True)


def setup(app):
    app.connect("html-page-context", _offer_ipynb, priority=400)
    app.connect("build-finished", _forget_failed_build)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
