"""Turn the MyST Markdown of an executed chapter into plain Markdown for Jupyter.

A reader who downloads a chapter as a notebook opens it in Jupyter, which
knows nothing of Sphinx: a ``{glue:text}`` role, an ``{eq}`` reference or a
``{glue:figure}`` directive would show as raw MyST. :func:`notebook_for_readers`
rewrites every Markdown cell so that

* glued numbers become their values, formatted as on the page;
* ``{eq}`` and ``{numref}`` references become their numbers, ``{ref}`` and
  ``{doc}`` the titles they point at, ``{cite:p}`` and ``{cite:t}`` author and
  year, ``{math}`` inline maths;
* a labelled equation carries its number (``\\tag``), a ``{glue:figure}``
  becomes its numbered caption (the figure itself is the output of the code
  cell above it), a ``{list-table}`` a Markdown table;
* labels ``(name)=`` and ``%`` comments are dropped.

The numbers come from Sphinx's environment (:meth:`References.from_sphinx`),
so they are the ones printed on the page.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

#: A MyST role, or a code span (which is left alone).
_ROLE_OR_CODE = re.compile(
    r"\{(?P<name>[\w:.+-]+)\}`(?P<body>[^`]*)`|(?P<code>(?P<ticks>`+)[^`].*?(?P=ticks))",
    re.DOTALL,
)
#: The explicit title of a reference: ``text <target>``.
_TITLED = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
#: An inline span with attributes, ``[text]{.class}``.
_SPAN = re.compile(r"\[(?P<text>[^\]]*)\]\{[^}]*\}")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}\s*(?P<arg>.*)$")
_OPTION = re.compile(r"^\s*:(?P<key>[\w-]+):\s*(?P<value>.*)$")
_LABEL = re.compile(r"^\s*\([^()\s]+\)=\s*$")
_EQ_LABEL = re.compile(r"\$\$\s*\((?P<label>[^()\s]+)\)\s*$")
#: Any MyST role or directive left in plain Markdown: what :func:`raw_myst` finds.
RAW_MYST = re.compile(r"\{[\w:.+-]+\}`|^\s*(?:`{3,}|~{3,}|:{3,})\{|^\s*\([^()\s]+\)=\s*$", re.M)


@dataclass
class References:
    """What the roles of a page resolve to, as plain text."""

    #: equation label -> its number as printed, e.g. ``"(3)"``.
    equations: dict[str, str] = field(default_factory=dict)
    #: figure or table label -> (format, number), e.g. ``("Fig. %s", "4")``.
    numbered: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: section label -> section title.
    sections: dict[str, str] = field(default_factory=dict)
    #: document name -> title.
    documents: dict[str, str] = field(default_factory=dict)
    #: citation key -> (authors, year), e.g. ``("Zeiler and Fergus", "2014")``.
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def from_sphinx(cls, app) -> References:
        """Read every label's number or title from a Sphinx build's environment."""
        env = app.env
        config = app.config
        refs = cls()
        fignumbers = env.toc_fignumbers
        for label, (docname, eqno) in env.domains["math"].data.get("objects", {}).items():
            number = str(eqno)
            if config.math_numfig and config.numfig:
                ids = fignumbers.get(docname, {}).get("displaymath", {})
                number = ".".join(map(str, ids.get(f"equation-{label}", ())))
            refs.equations[label] = (config.math_eqref_format or "({number})").format(number=number)
        std = env.domains["std"]
        for label, (_doc, _id, title) in std.labels.items():
            if title:
                refs.sections[label] = title
        for label, (docname, labelid) in std.anonlabels.items():
            for figtype, numbers in fignumbers.get(docname, {}).items():
                if labelid in numbers and figtype in config.numfig_format:
                    number = ".".join(map(str, numbers[labelid]))
                    refs.numbered[label] = (config.numfig_format[figtype], number)
        refs.documents = {doc: title.astext() for doc, title in env.titles.items()}
        refs.citations = citations(
            [Path(app.confdir) / f for f in getattr(config, "bibtex_bibfiles", [])]
        )
        return refs


def citations(bibfiles: list[Path]) -> dict[str, tuple[str, str]]:
    """(authors, year) of every entry: "A", "A and B", or "A et al." for three or more."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    out = {}
    for bib in bibfiles:
        for key, entry in parse_file(str(bib)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [Text.from_latex(" ".join(p.prelast_names + p.last_names)) for p in people]
            names = [n.render_as("text") for n in names]
            if not names:
                who = entry.fields.get("organization", key)
            elif len(names) <= 2:
                who = " and ".join(names)
            else:
                who = f"{names[0]} et al."
            out[key] = (who, entry.fields.get("year", "n.d."))
    return out


def _format_glued(text: str, fmt: str) -> str:
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text, fmt)


def _role(name: str, body: str, refs: References, glued: dict) -> str:
    """The plain Markdown for one role ``{name}`body```."""
    titled = _TITLED.match(body)
    title, target = (titled["title"], titled["target"]) if titled else (None, body.strip())
    if name in ("glue", "glue:", "glue:text", "glue:any"):
        key, _, fmt = target.rpartition(":") if ":" in target else (target, "", "")
        data = glued.get(key, {}).get("data", {})
        if "text/plain" not in data:
            raise KeyError(f"no glued value named {key!r}")
        return _format_glued(data["text/plain"], fmt)
    if name == "eq":
        return refs.equations[target]
    if name == "numref":
        fmt, number = refs.numbered[target]
        if title:
            return title.replace("%s", number).replace("{number}", number)
        return fmt % number
    if name == "ref":
        return title or f"*{refs.sections[target]}*"
    if name == "doc":
        return title or f"*{refs.documents[target.lstrip('/')]}*"
    if name in ("cite:p", "cite:t", "cite", "cite:ps", "cite:ts"):
        keys = [k.strip() for k in target.split(",")]
        if name.startswith("cite:t"):
            return ", ".join(f"{who} ({year})" for who, year in map(refs.citations.get, keys))
        return (
            "(" + "; ".join(f"{who}, {year}" for who, year in map(refs.citations.get, keys)) + ")"
        )
    if name == "math":
        return f"${body}$"
    return f"`{title or target}`"  # code objects ({py:func} and the like)


def plain_inline(text: str, refs: References, glued: dict) -> str:
    """Replace every role of a piece of Markdown by its plain text."""

    def replace(m: re.Match) -> str:
        if m["code"] is not None:
            return m["code"]
        return _role(m["name"], m["body"], refs, glued)

    return _SPAN.sub(lambda m: m["text"], _ROLE_OR_CODE.sub(replace, text))


def _closes(line: str, fence: str) -> bool:
    m = _FENCE.match(line)
    return bool(
        m and m["fence"][0] == fence[0] and len(m["fence"]) >= len(fence) and not m["info"].strip()
    )


def _options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split a directive's body into its ``:key: value`` options and its content."""
    options = {}
    k = 0
    while k < len(body) and (m := _OPTION.match(body[k])):
        options[m["key"]] = m["value"].strip()
        k += 1
    while k < len(body) and not body[k].strip():
        k += 1
    return options, body[k:]


def _list_table(title: str, options: dict, content: list[str], refs, convert) -> list[str]:
    """A ``{list-table}`` as a Markdown pipe table, its numbered caption above it."""
    rows: list[list[str]] = []
    for line in content:
        if line.startswith("* - "):
            rows.append([line[4:].strip()])
        elif line.startswith("  - "):
            rows[-1].append(line[4:].strip())
        elif line.strip():
            rows[-1][-1] += " " + line.strip()
    cells = [[convert(c).replace("|", "\\|") for c in row] for row in rows]
    head = int(options.get("header-rows", "0") or 0) or 1
    out = [f"| {' | '.join(row)} |" for row in cells[:head]]
    out.append("|" + "---|" * len(cells[0]))
    out += [f"| {' | '.join(row)} |" for row in cells[head:]]
    if options.get("name") in refs.numbered:
        fmt, number = refs.numbered[options["name"]]
        title = f"{fmt % number}. {title}".strip()
    return ([f"**{convert(title)}**", ""] if title else []) + out


def plain_markdown(text: str, refs: References, glued: dict) -> str:
    """Turn one Markdown cell's MyST source into plain Markdown (see the module)."""
    lines = text.splitlines()
    out: list[str] = []
    k = 0

    def convert(s: str) -> str:
        return plain_inline(s, refs, glued)

    while k < len(lines):
        line = lines[k]
        m = _FENCE.match(line)
        if m:  # a fenced block: a directive, or code left as it is
            end = k + 1
            while end < len(lines) and not _closes(lines[end], m["fence"]):
                end += 1
            body = lines[k + 1 : end]
            d = _DIRECTIVE.match(m["info"].strip())
            if d is None:
                out += lines[k : end + 1]
            else:
                options, content = _options(body)
                inner = plain_markdown("\n".join(content), refs, glued)
                name = d["name"]
                if name == "glue:figure":
                    label = options.get("name")
                    if label in refs.numbered:
                        fmt, number = refs.numbered[label]
                        out.append(f"**{fmt % number}.** {inner}".rstrip())
                    else:
                        out.append(inner)
                elif name == "list-table":
                    out += _list_table(d["arg"], options, content, refs, convert)
                elif name in ("math",):
                    label = options.get("label")
                    tag = f"\\tag{{{refs.equations[label].strip('()')}}}" if label else ""
                    out += ["$$", *content, tag + "$$"] if tag else ["$$", *content, "$$"]
                else:  # containers, admonitions: their content
                    out.append(inner)
            k = end + 1
            continue
        if _LABEL.match(line) or line.lstrip().startswith("%"):
            k += 1
            continue
        eq = _EQ_LABEL.search(line)
        if eq and eq["label"] in refs.equations:
            number = refs.equations[eq["label"]].strip("()")
            line = line[: eq.start()] + f"\\tag{{{number}}} $$"
        out.append(convert(line))
        k += 1
    return "\n".join(out)


def notebook_for_readers(nb: dict, refs: References, glued: dict) -> dict:
    """A copy of a chapter's notebook, ready to run: plain Markdown, no outputs.

    The outputs are left out (a reader runs the notebook to see them, and
    the site stays light), with the per-cell execution timestamps.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        if cell.get("cell_type") == "markdown":
            source = cell["source"]
            text = "".join(source) if isinstance(source, list) else source
            cell["source"] = plain_markdown(text, refs, glued)
    return nb


def raw_myst(text: str) -> list[str]:
    """Every MyST role, directive or label left in a piece of Markdown."""
    return [m.group(0) for m in RAW_MYST.finditer(text)]
