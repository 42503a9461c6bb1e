"""Build the book a second time, executing every page afresh, and compare with the first build.

Run by ``make check-repro`` (after ``make html``)::

    python tests/repro_check.py [--first _build/html] [--second _build/repro]

The second build executes every notebook again (``nb_execution_mode=force``,
so nothing comes from the cache) into its own folder. Then every image in
``_images/`` and every HTML page must be byte-for-byte identical to the first
build's. myst-nb names an output image after a hash of its content, so a
figure that is drawn differently (an unseeded random number, a timestamp)
shows up as images found in one build only, and as the pages embedding them
differing. Exits non-zero, naming the images and pages, if anything differs.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", default=ROOT / "_build/html", type=Path)
    parser.add_argument("--second", default=ROOT / "_build/repro", type=Path)
    parser.add_argument("--sphinxopts", default=os.environ.get("SPHINXOPTS", "-W --keep-going -n"))
    args = parser.parse_args(argv)
    first: Path = args.first.resolve()
    work: Path = args.second.resolve()
    if not (first / "index.html").is_file():
        print(f"repro check: no first build at {first} (run make html first)")
        return 2
    if work.exists():
        shutil.rmtree(work)
    second = work / "html"
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        *args.sphinxopts.split(),
        "-D",
        "nb_execution_mode=force",
        "-d",
        str(work / "doctrees"),
        "-c",
        str(ROOT),
        str(ROOT / "docs"),
        str(second),
    ]
    print("repro check: second build, every page executed afresh:")
    print("  " + " ".join(cmd))
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    print(f"  built in {time.perf_counter() - t0:.1f} s")
    if proc.returncode != 0:
        print(proc.stdout[-4000:], proc.stderr[-4000:], sep="\n")
        print("repro check: the second build failed")
        return 1

    a, b = files(first), files(second)
    problems = []
    for rel in sorted(a.keys() - b.keys()):
        used = ", ".join(pages_using(first, rel)) if rel.startswith("_images/") else ""
        problems.append(f"{rel}: only in the first build" + (f" (used by {used})" if used else ""))
    for rel in sorted(b.keys() - a.keys()):
        used = ", ".join(pages_using(second, rel)) if rel.startswith("_images/") else ""
        problems.append(f"{rel}: only in the second build" + (f" (used by {used})" if used else ""))
    for rel in sorted(a.keys() & b.keys()):
        if a[rel] != b[rel]:
            detail = (
                ""
                if rel.startswith("_images/")
                else "\n" + first_difference(first / rel, second / rel)
            )
            problems.append(f"{rel}: differs between the two builds{detail}")

    print(f"repro check: compared {len(a.keys() | b.keys())} files ({', '.join(COMPARED)})")
    if problems:
        print("\nrepro check FAILED: the book is not reproducible")
        for p in problems:
            print("  " + p)
        print(
            "\nA figure that differs was drawn from something that changes between runs:"
            "\nseed every random generator (np.random.default_rng(seed)) and call"
            "\ncnnbook.plotting_style.use_book_style() at the top of the page."
        )
    n_bad = len(problems)
    print(f"repro: {len(a.keys() | b.keys()) - n_bad} passed, {n_bad} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
