"""Build the book twice from scratch, executing the pages afresh once, and compare.

Run by ``make check-repro`` (after ``make html``)::

    python tests/repro_check.py [--out _build/repro]

Both builds start from an empty Sphinx environment in their own folder:

* ``a``: pages executed as ``make html`` does (``nb_execution_mode=cache``, so
  their outputs usually come from the execution cache ``make html`` filled);
* ``b``: every page executed again (``nb_execution_mode=force``).

Every image in ``_images/``, every HTML page and the search index must then be
byte-for-byte identical. myst-nb names an output image after a hash of its
content, so a figure drawn differently (an unseeded random number, a
timestamp) shows up as images found in one build only, and as the pages that
embed them differing. Exits non-zero, naming the images and pages, if anything
differs. (Both builds are clean because Sphinx's incremental builds differ
from clean ones in details unrelated to the book, such as cache-busting
query strings.)

Content that is *meant* to change from build to build, such as timings
measured when the page is built, is declared by the chapter with the class
``measured``: a ``{container} measured`` block, a code cell tagged
``measured`` (myst-nb renders its tags as ``tag_measured``), or an inline
``[...]{.measured}`` span. Those elements, and the images inside them, are
left out of the comparison; everything else must match.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPARED = ("*.html", "_images/*", "searchindex.js")
# Elements whose content may differ between builds (see the module docstring).
MEASURED = ".measured, .tag_measured"


def masked(html: str) -> tuple[str, set[str]]:
    """The page with every measured element emptied, and the images those held."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    images = set()
    for el in soup.select(MEASURED):
        images.update(Path(img.get("src", "")).name for img in el.find_all("img"))
        el.clear()
        el.append("[measured at build time]")
    return str(soup), images


def measured_images(site: Path) -> set[str]:
    images: set[str] = set()
    for page in site.glob("*.html"):
        images |= masked(page.read_text(encoding="utf-8"))[1]
    return {f"_images/{name}" for name in images}


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def files(site: Path) -> dict[str, str]:
    out = {}
    for pattern in COMPARED:
        for p in site.glob(pattern):
            if p.is_file():
                out[p.relative_to(site).as_posix()] = digest(p)
    return out


def pages_using(site: Path, image: str) -> list[str]:
    name = Path(image).name
    return sorted(p.name for p in site.glob("*.html") if name in p.read_text(encoding="utf-8"))


def first_difference(a: Path, b: Path) -> str:
    la = a.read_text(encoding="utf-8", errors="replace").splitlines()
    lb = b.read_text(encoding="utf-8", errors="replace").splitlines()
    diff = [
        line
        for line in difflib.unified_diff(la, lb, "first", "second", n=0, lineterm="")
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))
    ]
    return "\n".join("      " + line[:160] for line in diff[:4])


def sphinx_build(sphinxopts: str, mode: str, work: Path) -> tuple[float, str | None]:
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        *sphinxopts.split(),
        "-D",
        f"nb_execution_mode={mode}",
        "-d",
        str(work / "doctrees"),
        "-c",
        str(ROOT),
        str(ROOT / "docs"),
        str(work / "html"),
    ]
    print("  " + " ".join(cmd))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        return dt, proc.stdout[-4000:] + "\n" + proc.stderr[-4000:]
    return dt, None


def compare(first: Path, second: Path) -> tuple[int, list[str]]:
    a, b = files(first), files(second)
    skip = measured_images(first) | measured_images(second)
    a = {k: v for k, v in a.items() if k not in skip}
    b = {k: v for k, v in b.items() if k not in skip}
    problems = []
    for rel in sorted(a.keys() - b.keys()):
        used = ", ".join(pages_using(first, rel)) if rel.startswith("_images/") else ""
        problems.append(f"{rel}: only in build a" + (f" (used by {used})" if used else ""))
    for rel in sorted(b.keys() - a.keys()):
        used = ", ".join(pages_using(second, rel)) if rel.startswith("_images/") else ""
        problems.append(f"{rel}: only in build b" + (f" (used by {used})" if used else ""))
    for rel in sorted(a.keys() & b.keys()):
        if a[rel] != b[rel] and rel.endswith(".html"):
            ma = masked((first / rel).read_text(encoding="utf-8"))[0]
            mb = masked((second / rel).read_text(encoding="utf-8"))[0]
            if ma == mb:
                continue  # differs only inside elements declared as measured
        if a[rel] != b[rel]:
            detail = (
                ""
                if rel.startswith("_images/")
                else "\n" + first_difference(first / rel, second / rel)
            )
            problems.append(f"{rel}: differs between the two builds{detail}")
    return len(a.keys() | b.keys()), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=ROOT / "_build/repro", type=Path)
    parser.add_argument("--sphinxopts", default=os.environ.get("SPHINXOPTS", "-W --keep-going -n"))
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)

    builds = {}
    for name, mode, what in (
        ("a", "cache", "pages executed as make html does (from the cache if filled)"),
        ("b", "force", "every page executed afresh"),
    ):
        print(f"repro check: build {name}, {what}:")
        dt, failure = sphinx_build(args.sphinxopts, mode, out / name)
        print(f"  built in {dt:.1f} s")
        if failure is not None:
            print(failure)
            print(f"repro check: build {name} failed")
            print("repro: 0 passed, 1 failed")
            return 1
        builds[name] = out / name / "html"

    n, problems = compare(builds["a"], builds["b"])
    print(
        f"repro check: compared {n} files ({', '.join(COMPARED)}; "
        f"elements of class 'measured' and their images left out)"
    )
    if problems:
        print("\nrepro check FAILED: the book is not reproducible")
        for p in problems:
            print("  " + p)
        print(
            "\nA figure that differs was drawn from something that changes between runs:"
            "\nseed every random generator (np.random.default_rng(seed)) and call"
            "\ncnnbook.plotting_style.use_book_style() at the top of the page."
        )
    print(f"repro: {n - len(problems)} passed, {len(problems)} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
