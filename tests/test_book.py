"""Checks on the book's sources and figures that need no build.

* Every figure registered in a figure module's ``FIGURES`` renders to the same
  bytes twice in a row, and the same bytes in a fresh interpreter with another
  hash seed: figures are reproducible.
* The API page documents every module of the package.
* The bibliography holds every key the book promises, and every key cited in
  a chapter.
* ``>>>`` examples in the chapters are written so that pytest's doctest runner
  reads them as the reader sees them.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnnbook.figures import MODULES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "cnnbook"

# Modules that draw the book's figures. Each must expose
#     FIGURES: dict[str, Callable[[], matplotlib.figure.Figure]]
# mapping a name to a zero-argument function that draws a representative figure.
FIGURE_MODULES = MODULES
# Every module exists, so a missing one (or one without FIGURES) fails the tests;
# tests/test_figures.py checks that MODULES names every module of cnnbook.figures.
# (While the book was being written this was True, and a missing module skipped.)
ALLOW_MISSING_FIGURE_MODULES = False
FORMATS = ("png", "svg")
# sha256 of each render made by test_figure_is_reproducible, reused by the
# cross-process test so that each figure is drawn three times, not four.
_DIGESTS: dict[str, str] = {}


# ----------------------------------------------------------------------------
# Reproducible figures
# ----------------------------------------------------------------------------
def _figure_cases():
    cases = []
    for modname in FIGURE_MODULES:
        if importlib.util.find_spec(modname) is None:
            cases.append(pytest.param(modname, None, id=f"{modname}:missing"))
            continue
        module = importlib.import_module(modname)
        figures = getattr(module, "FIGURES", None)
        if not isinstance(figures, dict) or not figures:
            cases.append(pytest.param(modname, None, id=f"{modname}:no-FIGURES"))
            continue
        cases.extend(pytest.param(modname, name, id=f"{modname}:{name}") for name in figures)
    return cases


def _render_all(fig) -> dict[str, bytes]:
    from cnnbook.plotting_style import render

    return {fmt: render(fig, fmt) for fmt in FORMATS}


def _draw(modname: str, name: str):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from cnnbook.plotting_style import use_book_style

    use_book_style()
    fig = importlib.import_module(modname).FIGURES[name]()
    assert isinstance(fig, Figure), (
        f"{modname}.FIGURES[{name!r}]() must return a matplotlib Figure, got {type(fig).__name__}"
    )
    try:
        return _render_all(fig)
    finally:
        plt.close(fig)


def _check_module(modname: str) -> None:
    if importlib.util.find_spec(modname) is None:
        if ALLOW_MISSING_FIGURE_MODULES:
            pytest.skip(f"figure module {modname} does not exist yet")
        pytest.fail(f"figure module {modname} is missing")
    figures = getattr(importlib.import_module(modname), "FIGURES", None)
    if not isinstance(figures, dict) or not figures:
        pytest.fail(
            f"{modname} must define FIGURES, a non-empty dict mapping a name to a "
            f"zero-argument function that returns a matplotlib Figure"
        )


@pytest.mark.parametrize(("modname", "name"), _figure_cases())
def test_figure_is_reproducible(modname, name):
    """Drawing a registered figure twice gives identical PNG and SVG bytes."""
    _check_module(modname)
    first, second = _draw(modname, name), _draw(modname, name)
    for fmt in FORMATS:
        if first[fmt] == second[fmt]:
            _DIGESTS[f"{modname}:{name}:{fmt}"] = hashlib.sha256(first[fmt]).hexdigest()
        assert first[fmt] == second[fmt], (
            f"figure {modname}.FIGURES[{name!r}] is not reproducible: two renders to "
            f"{fmt.upper()} differ ({len(first[fmt])} vs {len(second[fmt])} bytes). "
            f"Seed every random number (np.random.default_rng(seed)) and avoid "
            f"anything that depends on time or set order."
        )
        if fmt == "svg":
            assert b"<dc:date>" not in first[fmt], "SVG carries a date: use cnnbook.plotting_style"
        if fmt == "png":
            assert b"Software" not in first[fmt], "PNG names its software: use render()"


_SUBPROCESS_RENDER = textwrap.dedent(
    """
    import hashlib, importlib, json, sys
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from cnnbook.plotting_style import render, use_book_style
    out = {}
    formats = sys.argv[1].split(",")
    for modname in sys.argv[2:]:
        for name, draw in importlib.import_module(modname).FIGURES.items():
            use_book_style()
            fig = draw()
            for fmt in formats:
                out[f"{modname}:{name}:{fmt}"] = hashlib.sha256(render(fig, fmt)).hexdigest()
            plt.close(fig)
    print(json.dumps(out))
    """
)


def test_figures_are_reproducible_across_processes():
    """A fresh interpreter with another hash seed draws the same bytes as this one."""
    modnames = [m for m in FIGURE_MODULES if importlib.util.find_spec(m) is not None]
    if not modnames:
        if ALLOW_MISSING_FIGURE_MODULES:
            pytest.skip("no figure module exists yet")
        pytest.fail(f"none of the figure modules {FIGURE_MODULES} exists")
    for m in modnames:
        _check_module(m)
    here = {}
    for modname in modnames:
        for name in importlib.import_module(modname).FIGURES:
            keys = [f"{modname}:{name}:{fmt}" for fmt in FORMATS]
            if all(k in _DIGESTS for k in keys):
                here.update((k, _DIGESTS[k]) for k in keys)
                continue
            for fmt, data in _draw(modname, name).items():
                here[f"{modname}:{name}:{fmt}"] = hashlib.sha256(data).hexdigest()
    env = {**os.environ, "PYTHONHASHSEED": "12345", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_RENDER, ",".join(FORMATS), *modnames],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"rendering in a subprocess failed:\n{proc.stderr}"
    there = json.loads(proc.stdout.strip().splitlines()[-1])
    differ = sorted(k for k in here if here[k] != there.get(k))
    assert not differ, f"figures differ between two interpreters: {', '.join(differ)}"


# ----------------------------------------------------------------------------
# The API page documents every module
# ----------------------------------------------------------------------------
def test_api_page_documents_every_module():
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\.\. automodule:: (cnnbook[\w.]*)", api, re.MULTILINE))
    modules = set()
    for p in PACKAGE.rglob("*.py"):  # subpackages too; private modules are left out
        parts = p.relative_to(PACKAGE.parent).with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        if len(parts) > 1 and not any(part.startswith("_") for part in parts):
            modules.add(".".join(parts))
    missing = sorted(modules - documented)
    assert not missing, (
        f"docs/api.md has no '.. automodule::' for {', '.join(missing)}; add a section "
        f"for each (the page must document every public module)"
    )
    gone = sorted(m for m in documented if importlib.util.find_spec(m) is None)
    assert not gone, f"docs/api.md documents modules that do not exist: {', '.join(gone)}"


# ----------------------------------------------------------------------------
# Bibliography
# ----------------------------------------------------------------------------
REQUIRED_KEYS = {
    "adebayo2018sanity",
    "dumoulin2016guide",
    "goodfellow2016deep",
    "gwardys2016backprop",
    "he2015delving",
    "hubel1962receptive",
    "ioffe2015batch",
    "jia2014caffe",
    "kingma2014adam",
    "krizhevsky2009learning",
    "lecun1998gradient",
    "loomis_convolution",
    "nielsen2015neural",
    "simonyan2013deep",
    "smilkov2017smoothgrad",
    "springenberg2014striving",
    "zeiler2014visualizing",
}


def _bib_keys() -> set[str]:
    from pybtex.database import parse_file

    return set(parse_file(str(DOCS / "references.bib")).entries)


def test_bibliography_has_every_promised_key():
    missing = sorted(REQUIRED_KEYS - _bib_keys())
    assert not missing, f"docs/references.bib lacks {', '.join(missing)}"


def test_every_citation_resolves():
    keys = _bib_keys()
    cite = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
    bad = []
    for page in sorted(DOCS.glob("*.md")):
        for lineno, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            line = re.sub(r"``.*?``", "", line)  # a role shown as code is no citation
            for group in cite.findall(line):
                for key in (k.strip() for k in group.split(",")):
                    if key not in keys:
                        bad.append(f"docs/{page.name}:{lineno}: unknown key {key!r}")
    assert not bad, "citations without a bibliography entry:\n" + "\n".join(bad)


# ----------------------------------------------------------------------------
# Doctests in MyST pages
# ----------------------------------------------------------------------------
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def test_doctest_blocks_end_with_a_blank_line():
    """pytest reads a closing fence right after expected output as more output.

    A ``>>>`` example in a chapter must leave a blank line before the fence
    that closes its code block.
    """
    bad = []
    for page in sorted(DOCS.glob("*.md")):
        lines = page.read_text(encoding="utf-8").splitlines()
        in_doctest = False
        for lineno, line in enumerate(lines, 1):
            stripped = line.strip()
            if stripped.startswith(">>>"):
                in_doctest = True
            elif not stripped:
                in_doctest = False
            elif in_doctest and FENCE.match(line):
                bad.append(f"docs/{page.name}:{lineno}")
                in_doctest = False
    assert not bad, (
        "a doctest's code block closes right after its output, so pytest reads the "
        "fence as expected output; put a blank line before the closing fence at: " + ", ".join(bad)
    )
