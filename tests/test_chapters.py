"""Two rules of the book, checked on the chapters' Markdown sources without a build.

1. **No equation stands without an executed check.** In the chapters listed in
   :data:`EQUATION_CHECKED`, every displayed equation (a ``$$ ... $$`` block or
   a ``{math}`` directive) must be followed by a visible code cell before the
   next displayed equation or section heading. Precisely: let the equation end
   on line ``e`` and let ``B`` be the first line after ``e`` that opens another
   displayed equation or is a top-level Markdown heading (end of file if there
   is none). Some ``{code-cell}`` must open on a line strictly between ``e``
   and ``B``, and its tags must include none of :data:`HIDDEN_TAGS` (a check
   that is removed from the page, or not executed, checks nothing the reader
   can see).

2. **Measured numbers are glued, never typed.** In the prose of every page in
   ``docs/`` (outside code, maths, inline code and roles such as
   ``{glue:text}`...```, directive options and front matter), nothing may
   look like a measured result: a percentage, a number in scientific
   notation, a duration, a speed-up, or an accuracy, error or loss with a
   decimal point. Such numbers must reach the text through ``glue``.

The pages are read with markdown-it-py as myst-parser configures it, so that
the checks see the blocks, roles and maths that Sphinx sees. Both checkers are
tested on small synthetic documents with planted mistakes, so that a checker
that silently finds nothing would fail.
"""

from __future__ import annotations

import functools
import re
import runpy
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

#: Chapters in which every displayed equation must be followed by a check.
EQUATION_CHECKED = ("derivation.md", "layers.md", "training.md", "features.md", "explaining.md")

#: Tags that make a code cell invisible or unexecuted, so that it cannot count
#: as the check of an equation.
HIDDEN_TAGS = frozenset({"remove-cell", "remove-input", "remove-output", "skip-execution"})

#: Directives whose body is not Markdown (code, maths, included files).
RAW_DIRECTIVES = frozenset(
    {
        "code-cell",
        "code-block",
        "code",
        "sourcecode",
        "literalinclude",
        "math",
        "eval-rst",
        "raw",
        "csv-table",
        "bibliography",
        "toctree",
        "autodoc",
    }
)

#: Directives whose argument (the rest of the opening line) is a caption, i.e. prose.
CAPTION_DIRECTIVES = frozenset({"list-table", "table", "admonition", "topic", "sidebar"})

_NUMBER = r"(?<![\w.])\d+(?:\.\d+)?"
#: (name, pattern) of the numbers that look measured.
MEASURED_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("percentage", _NUMBER + r"\s?(?:%|per\s?cent\b|percent\b)"),
        ("scientific notation", r"(?<![\w.])\d+(?:\.\d+)?e[-+−]?\d+\b"),
        ("power of ten", _NUMBER + r"\s*[×x]\s*10(?:\^|\*\*|⁻)"),
        (
            "duration",
            _NUMBER + r"\s*(?:s|secs?|seconds?|ms|milliseconds?|µs|μs|us|microseconds?"
            r"|mins?|minutes?|hrs?|hours?)(?![\w-])",
        ),
        ("speed-up", _NUMBER + r"\s*×(?!\s*\d)"),
        (
            "speed-up",
            _NUMBER + r"\s*(?:x|times)\s+(?:faster|slower|quicker|as fast|as slow|as long"
            r"|longer|shorter|speed-?ups?)\b",
        ),
        (
            "accuracy, error or loss",
            r"\b(?:accuracy|error|loss)\s+(?:of|is|was|were|=|:|reaches|reached)\s*"
            r"(?<![\w.])\d*\.\d+",
        ),
    )
)


# ----------------------------------------------------------------------------
# Reading MyST Markdown: markdown-it-py as configured by myst-parser
# ----------------------------------------------------------------------------
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):")
_URL = re.compile(r"https?://\S+")
#: Inline tokens that are not prose: maths, roles (glue, references) and code.
NOT_PROSE = frozenset(
    {"math_inline", "math_inline_double", "myst_role", "code_inline", "html_inline"}
)
#: Block tokens that are displayed equations.
EQUATION_TOKENS = frozenset({"math_block", "math_block_label", "amsmath"})


@functools.cache
def _markdown_it():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    conf = runpy.run_path(str(ROOT / "conf.py"))  # the MyST syntax the book enables
    config = MdParserConfig(
        enable_extensions=set(conf["myst_enable_extensions"]),
        dmath_double_inline=conf["myst_dmath_double_inline"],
    )
    return create_md_parser(config, RendererHTML)


@dataclass
class Document:
    """What the checks need to know about one Markdown page."""

    #: (line number, text) of the prose, with code, maths and roles removed.
    prose: list[tuple[int, str]] = field(default_factory=list)
    #: (first line, last line) of each displayed equation.
    equations: list[tuple[int, int]] = field(default_factory=list)
    #: line numbers of top-level headings.
    headings: list[int] = field(default_factory=list)
    #: (line number of the opening fence, tags) of each code cell.
    code_cells: list[tuple[int, list[str]]] = field(default_factory=list)


def directive_options(content: str) -> tuple[dict, int]:
    """A directive's options and the number of lines they take.

    Options are ``:key: value`` lines (each value kept as text) or a ``---``
    YAML block.
    """
    lines = content.splitlines()
    if lines and lines[0].strip() == "---":
        end = next((k for k in range(1, len(lines)) if lines[k].strip() == "---"), len(lines) - 1)
        return yaml.safe_load("\n".join(lines[1:end])) or {}, end + 1
    options = {}
    n = 0
    while n < len(lines) and (m := _OPTION.match(lines[n])):
        options[m["key"]] = lines[n][m.end() :].strip()
        n += 1
    return options, n


def _prose(doc: Document, inline, first_line: int) -> None:
    """Add the prose of an inline token, line by line, to the document."""
    line, parts = first_line, []

    def flush():
        text = _URL.sub(" ", "".join(parts))
        if text.strip():
            doc.prose.append((line, text))
        parts.clear()

    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            flush()
            line += 1
        elif child.type in NOT_PROSE:
            parts.append(" ")
            line += child.content.count("\n")  # maths may span lines (code spans lose theirs)
        elif child.type == "text":
            parts.append(child.content)
    flush()


def _read(doc: Document, text: str, offset: int, top: bool) -> None:
    """Read one Markdown text whose first line is line ``offset + 1`` of the page."""
    for tok in _markdown_it().parse(text):
        if tok.map is None:
            continue
        first, last = offset + tok.map[0] + 1, offset + tok.map[1]
        if tok.type == "heading_open" and top:
            doc.headings.append(first)
        elif tok.type == "inline":
            _prose(doc, tok, first)
        elif tok.type in EQUATION_TOKENS:
            doc.equations.append((first, last))
        elif tok.type in ("fence", "colon_fence"):
            d = _DIRECTIVE.match(tok.info.strip())
            if d is None:
                continue  # a code block
            name = d["name"]
            options, n_options = directive_options(tok.content)
            if name == "code-cell":
                tags = options.get("tags") or []
                if isinstance(tags, str):  # ":tags: [a, b]"
                    tags = yaml.safe_load(tags)
                doc.code_cells.append((first, [tags] if isinstance(tags, str) else list(tags)))
            elif name == "math":
                doc.equations.append((first, last))
            elif name not in RAW_DIRECTIVES:
                if name in CAPTION_DIRECTIVES and d["arg"]:
                    doc.prose.append((first, d["arg"]))
                body = "\n".join(tok.content.splitlines()[n_options:])
                _read(doc, body, first + n_options, top=False)


def parse(text: str) -> Document:
    """Split a MyST Markdown page into prose, equations, headings and code cells."""
    doc = Document()
    _read(doc, text, 0, top=True)
    return doc


# ----------------------------------------------------------------------------
# The two checks
# ----------------------------------------------------------------------------
def unchecked_equations(text: str) -> list[tuple[int, int]]:
    """Displayed equations (first line, last line) not followed by a visible code cell."""
    doc = parse(text)
    n_lines = len(text.splitlines())
    starts = sorted(start for start, _ in doc.equations)
    bad = []
    for start, end in doc.equations:
        boundary = min(
            [s for s in starts if s > end] + [h for h in doc.headings if h > end] + [n_lines + 1]
        )
        checked = any(
            end < line < boundary and not HIDDEN_TAGS.intersection(tags)
            for line, tags in doc.code_cells
        )
        if not checked:
            bad.append((start, end))
    return bad


def typed_measurements(text: str) -> list[tuple[int, str, str]]:
    """(line number, kind, matched text) of every measured-looking number in the prose."""
    found = []
    for lineno, prose in parse(text).prose:
        for kind, pattern in MEASURED_PATTERNS:
            found += [(lineno, kind, m.group(0)) for m in pattern.finditer(prose)]
    return sorted(set(found))


# ----------------------------------------------------------------------------
# The checks on the book
# ----------------------------------------------------------------------------
def _chapters() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


@pytest.mark.parametrize("name", EQUATION_CHECKED)
def test_every_equation_is_followed_by_a_check(name):
    path = DOCS / name
    assert path.is_file(), f"{path} is listed in EQUATION_CHECKED but does not exist"
    text = path.read_text(encoding="utf-8")
    n_equations = len(parse(text).equations)
    assert n_equations > 0, f"{name}: found no displayed equation at all; is the parser broken?"
    bad = unchecked_equations(text)
    assert not bad, (
        f"{name}: {len(bad)} of {n_equations} displayed equations have no visible code cell "
        "before the next equation or heading: " + ", ".join(f"lines {a}-{b}" for a, b in bad)
    )


@pytest.mark.parametrize("path", _chapters(), ids=lambda p: p.name)
def test_measured_numbers_are_glued(path):
    found = typed_measurements(path.read_text(encoding="utf-8"))
    assert not found, (
        f"{path.relative_to(ROOT)} types measured-looking numbers instead of gluing them "
        "(compute them in a cell and use glue + {glue:text}):\n"
        + "\n".join(f"  line {n}: {kind}: {text!r}" for n, kind, text in found)
    )


def test_derivation_has_the_equations_it_promises():
    """The parser sees every labelled equation of the derivation chapter."""
    text = (DOCS / "derivation.md").read_text(encoding="utf-8")
    labels = re.findall(r"^\$\$ \((eq-[\w-]+)\)\s*$", text, flags=re.MULTILINE)
    assert len(labels) >= 15
    assert len(parse(text).equations) == len(labels)


# ----------------------------------------------------------------------------
# The checkers themselves, on synthetic documents
# ----------------------------------------------------------------------------
FRONT = "---\nkernelspec:\n  name: python3\n---\n\n"


def test_equation_checker_accepts_checked_equations():
    text = FRONT + (
        "# Title\n\nText.\n\n$$\na = b\n$$ (eq-a)\n\nMore text.\n\n"
        "```{code-cell} ipython3\nprint(1)\n```\n\n"
        "$$ c = d $$ (eq-c)\n\n```{code-cell} ipython3\n:tags: [hide-input]\n\nprint(2)\n```\n\n"
        "```{math}\n:label: eq-e\ne = f\n```\n\n```{code-cell} ipython3\nprint(3)\n```\n"
    )
    assert len(parse(text).equations) == 3
    assert unchecked_equations(text) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # an equation followed by a heading before any cell
        ("$$\na = b\n$$\n\n## Next\n\n```{code-cell} ipython3\nx\n```\n", [(8, 10)]),
        # two equations sharing one cell: the first is unchecked
        ("$$ a $$\n\n$$ b $$\n\n```{code-cell} ipython3\nx\n```\n", [(8, 8)]),
        # the only cell after the equation is removed from the page
        ("$$ a $$\n\n```{code-cell} ipython3\n:tags: [remove-cell]\n\nx\n```\n", [(8, 8)]),
        # ... or not executed, with the tags in a YAML block
        (
            "$$ a $$\n\n```{code-cell} ipython3\n---\ntags:\n- skip-execution\n---\nx\n```\n",
            [(8, 8)],
        ),
        # a {math} directive at the end of the file
        ("Text.\n\n```{math}\na = b\n```\n", [(10, 12)]),
        # an equation inside an admonition, followed by a heading
        (":::{note}\n$$ a $$\n:::\n\n# Next\n", [(9, 9)]),
    ],
)
def test_equation_checker_finds_unchecked_equations(body, expected):
    text = FRONT + "# Title\n\n" + body
    assert unchecked_equations(text) == expected


def test_equation_checker_ignores_dollars_in_code():
    text = FRONT + (
        "# Title\n\n```{code-cell} ipython3\nprint('$$ not maths $$')\n```\n\n"
        "```python\n$$ x $$\n```\n\nThe role `$$` and {math}`a` are inline.\n"
    )
    assert parse(text).equations == []
    assert unchecked_equations(text) == []


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("The network reaches 98.5% accuracy.", "percentage"),
        ("It reaches 97 percent on the test set.", "percentage"),
        ("The relative error is 3.2e-10 here.", "scientific notation"),
        ("The error is about 4 × 10^-9.", "power of ten"),
        ("One epoch takes 12.5 s on two cores.", "duration"),
        ("The forward pass takes 3 ms.", "duration"),
        ("Training took 2 minutes.", "duration"),
        ("The fast path is 30× faster.", "speed-up"),
        ("im2col is 25 times faster than the loops.", "speed-up"),
        ("The loop version took 24 times as long.", "speed-up"),
        ("After training, the loss is 0.31.", "accuracy, error or loss"),
        ("A final accuracy of .97 on the test set.", "accuracy, error or loss"),
    ],
)
def test_scanner_catches_planted_numbers(line, kind):
    text = FRONT + "# Title\n\nSome prose.\n" + line + "\n"
    found = typed_measurements(text)
    assert kind in {k for _, k, _ in found}, found
    assert {n for n, _, _ in found} == {9}  # the line of the planted number


def test_scanner_catches_numbers_in_captions_and_tables():
    text = FRONT + (
        "```{glue:figure} fig-x\n:name: fig-x\n\nTraining took 3.5 s.\n```\n\n"
        ":::{list-table} Speed: 12× on this machine.\n:header-rows: 1\n\n"
        "* - a\n  - 95%\n:::\n"
    )
    assert [(n, k) for n, k, _ in typed_measurements(text)] == [
        (9, "duration"),
        (12, "speed-up"),
        (16, "percentage"),
    ]


def test_scanner_ignores_glue_code_maths_and_options():
    text = FRONT + (
        "# Title\n\n"
        "The accuracy is {glue:text}`acc:.1%` and the error {glue:text}`err:.1e`.\n"
        "A $3 \\times 3$ kernel, a 3×3 kernel, a 5 × 5 kernel, $h = 10^{-6}$, `1e-6`.\n"
        "Chapter 5, Fig. 2, the year 2016, k = 3, and 32 images.\n"
        "$$\nC = 0.5 \\% \\quad 2.5\\,\\mathrm{s}\n$$\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\n\nprint('98.5% in 3.2 s, 1e-9')\n```\n\n"
        "```{glue:figure} fig-x\n:name: fig-12s\n:figwidth: 80%\n\nA caption.\n```\n"
        "See [the data](https://example.org/a%20b/5%25.html).\n"
        "% a comment with 5% in it\n"
    )
    assert typed_measurements(text) == []
