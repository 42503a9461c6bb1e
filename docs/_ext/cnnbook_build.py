"""The build machinery of the cnnbook book, as a local Sphinx extension.

``conf.py`` holds the book's configuration only; what the build *does* beyond
Sphinx and myst-nb lives here, one function per hook:

* :func:`kernel_environment` (``config-inited``): the environment the
  notebook kernels inherit;
* :func:`execution_cache` (``config-inited``): an execution cache keyed on the
  source of the installed ``cnnbook`` package;
* :func:`offer_notebook` (``html-page-context``): each executed page offered
  as a notebook a reader can download and run, with MyST turned into plain
  Markdown (:mod:`plain_markdown`);
* :func:`source_archive` (``build-finished``): the repository's files as a
  zip a reader can download (the "Run it yourself" page links to it);
* :func:`copy_mathjax` (``build-finished``): the MathJax components the
  pages use, and no others;
* :func:`drop_unused_assets` (``build-finished``): source maps and theme files
  no page loads;
* :func:`join_stream_chunks`: a fix to myst-nb's merging of printed output,
  installed at :func:`setup` for the myst-nb versions that need it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import myst_nb
import myst_nb.core.render
import plain_markdown
from packaging.version import Version
from sphinx.application import Sphinx
from sphinx.config import Config

#: Folder, beside ``conf.py``, that holds one execution cache per package version.
CACHE_FOLDER = ".jupyter_cache"
#: The last myst-nb release checked to still split a line printed in two chunks.
STREAM_FIX_UNTIL = Version("1.4.0")


def package_hash(package: Path) -> str:
    """Hash every file of a package (path and content), in sorted order.

    Parameters
    ----------
    package : Path
        Folder of the package.

    Returns
    -------
    str
        The first 16 hex digits of a SHA-256 over every file's relative path
        and content (``__pycache__`` and compiled files left out).
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


def installed_package(name: str = "cnnbook") -> Path:
    """The folder of the package the kernels will import (the editable install)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name!r} is not installed: run `make env`")
    return Path(next(iter(spec.submodule_search_locations)))


def kernel_environment(app: Sphinx, config: Config) -> None:
    """Set the environment that myst-nb's kernels inherit from this process.

    * ipykernel selects its inline backend only when ``MPLBACKEND`` is unset,
      and the Makefile sets it to Agg for the tests: without this, no figure
      would show in a cell's output.
    * String hashing is fixed, so that set and dict orders, and any output
      that depends on them, are the same in every build.
    """
    os.environ.pop("MPLBACKEND", None)
    os.environ.setdefault("PYTHONHASHSEED", "0")


def execution_cache(app: Sphinx, config: Config) -> None:
    """Key myst-nb's execution cache on the source of the installed package.

    jupyter-cache keys a notebook on its code cells alone, so a page whose
    code is unchanged would be served from the cache even after ``cnnbook``
    changed under it. Putting the package's hash in
    ``nb_execution_cache_path`` makes every package change start a fresh
    cache and, because the path is a config value Sphinx tracks, re-read
    (and so re-execute) every page. Caches of earlier versions are removed.
    """
    root = Path(app.confdir) / CACHE_FOLDER
    key = package_hash(installed_package())
    if root.is_dir():
        for d in root.iterdir():
            if d.is_dir() and d.name != key:
                shutil.rmtree(d, ignore_errors=True)
    config.nb_execution_cache_path = str(root / key)


def offer_notebook(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Offer each executed page as an ``.ipynb`` in the theme's download menu.

    myst-nb writes every executed page as a notebook into
    ``<outdir>/../jupyter_execute``; sphinx-book-theme offers it only when
    launch buttons are configured. This writes a reader's copy next to the
    page sources, ready to run: its Markdown made plain and its outputs left
    out (:func:`plain_markdown.notebook_for_readers`). Runs before the theme
    builds its header buttons (priority 501).
    """
    if doctree is None or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    executed = Path(app.outdir).parent / "jupyter_execute"
    src = executed / f"{pagename}.ipynb"
    if not src.is_file():
        return
    glue_file = executed / f"{pagename}.glue.json"
    glued = json.loads(glue_file.read_text(encoding="utf-8")) if glue_file.is_file() else {}
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb = plain_markdown.notebook_for_readers(nb, plain_markdown.References.from_sphinx(app), glued)
    dst = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(
        json.dumps(nb, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    context["ipynb_source"] = f"{pagename}.ipynb"


def source_archive(app: Sphinx, exc: Exception | None) -> None:
    """Write the repository's files to ``_downloads/cnnbook-source.zip`` in the site.

    The files are those Git tracks, read from the working tree, under a
    ``cnnbook-source/`` folder; the archive is the same bytes for the same files
    (sorted names, fixed dates and permissions).
    """
    if exc is not None or app.builder.format != "html":
        return
    root = Path(app.confdir)
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode()
    out = Path(app.outdir) / "_downloads" / "cnnbook-source.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(n for n in listed.split("\0") if n and (root / n).is_file()):
            info = zipfile.ZipInfo(f"cnnbook-source/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, (root / name).read_bytes())


def copy_mathjax(app: Sphinx, exc: Exception | None) -> None:
    """Copy the MathJax 3 files the pages use into ``_static/mathjax``.

    The files come from the MathJax bundled in the sphinx-mathjax-offline
    package (24 MB, most of it components and fonts no page loads). Only the
    paths matched by the ``cnnbook_mathjax_files`` patterns are copied; a
    missing one shows up as a failed request in ``make check-html``.
    """
    if exc is not None or app.builder.format != "html":
        return
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("sphinx-mathjax-offline is not installed: run `make env`")
    bundle = Path(spec.origin).parent / "static" / "mathjax"
    dest = Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(dest, ignore_errors=True)
    for pattern in app.config.cnnbook_mathjax_files:
        matches = sorted(bundle.glob(pattern))
        if not matches:
            raise RuntimeError(f"cnnbook_mathjax_files: {pattern!r} matches no MathJax file")
        for src in matches:
            target = dest / src.relative_to(bundle)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)


def drop_unused_assets(app: Sphinx, exc: Exception | None) -> None:
    """Remove the theme's files that no page of the book loads.

    Source maps (only a browser's developer tools read them), the theme's
    message catalogues (used while building, not by the pages) and the paths
    listed in ``cnnbook_unused_assets``.
    """
    if exc is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for path in static.rglob("*.map"):
        path.unlink()
    for rel in ["locales", *app.config.cnnbook_unused_assets]:
        path = static / rel
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def join_stream_chunks(coalesce):
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

    coalesce_joined.__wrapped__ = coalesce
    return coalesce_joined


def setup(app: Sphinx) -> dict:
    """Connect the hooks; fix myst-nb's stream merging where it needs it."""
    # myst-nb <= 1.4.0 adds a newline between chunks of one stream (core/utils.py).
    render = myst_nb.core.render
    if Version(myst_nb.__version__) <= STREAM_FIX_UNTIL and not hasattr(
        render.coalesce_streams, "__wrapped__"
    ):
        render.coalesce_streams = join_stream_chunks(render.coalesce_streams)
    app.add_config_value("cnnbook_mathjax_files", [], "html", list)
    app.add_config_value("cnnbook_unused_assets", [], "html", list)
    app.connect("config-inited", kernel_environment)
    app.connect("config-inited", execution_cache)
    app.connect("html-page-context", offer_notebook, priority=400)
    app.connect("build-finished", source_archive)
    app.connect("build-finished", copy_mathjax)
    app.connect("build-finished", drop_unused_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
