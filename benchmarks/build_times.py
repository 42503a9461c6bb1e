"""Time the book's three kinds of build, in a scratch copy of the repository.

Run by ``make bench``::

    python benchmarks/build_times.py [--keep]

1. **clean**: no ``_build``, no execution cache: every page is executed;
2. **no change**: the same command again: nothing may be executed;
3. **package touched**: a comment appended to ``cnnbook/conv.py`` changes the
   package's hash, so every page must be executed again.

The copy lives in a temporary folder, so the working tree is never modified.
Targets on the 2-core build machine: clean < 5 min, no-change rebuild < 15 s.
Exits non-zero if a target is missed or a build executes the wrong pages.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"clean": 300.0, "no change": 15.0}
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "_build", ".jupyter_cache", "__pycache__", "*.egg-info", ".*_cache"
)
# myst-nb logs one of these for every notebook page it executes or takes from cache.
EXECUTED = re.compile(r"Executing notebook")
CACHED = re.compile(r"Using cached notebook")


def build(repo: Path) -> tuple[float, str]:
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-W",
        "--keep-going",
        "-n",
        "-c",
        ".",
        "docs",
        "_build/html",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    if proc.returncode != 0:
        print(log[-6000:])
        raise SystemExit(f"build failed in {repo} (exit {proc.returncode})")
    return dt, log


def count(pattern: re.Pattern, log: str) -> int:
    return sum(1 for line in log.splitlines() if pattern.search(line))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)

    notebooks = [
        p for p in sorted((ROOT / "docs").glob("*.md")) if "kernelspec:" in p.read_text()[:2000]
    ]
    scratch = Path(tempfile.mkdtemp(prefix="cnnbook-bench-"))
    repo = scratch / "cnnbook"
    shutil.copytree(ROOT, repo, ignore=IGNORE)
    print(f"build times ({len(notebooks)} notebook pages), scratch copy in {repo}")
    rows = []
    ok = True
    try:
        for label in ("clean", "no change", "package touched"):
            if label == "package touched":
                with (repo / "cnnbook" / "conv.py").open("a", encoding="utf-8") as f:
                    f.write("\n# touched by benchmarks/build_times.py\n")
            dt, log = build(repo)
            executed, cached = count(EXECUTED, log), count(CACHED, log)
            expect = 0 if label == "no change" else len(notebooks)
            right = executed == expect or (label != "no change" and executed >= expect)
            target = TARGETS.get(label)
            on_target = target is None or dt < target
            ok &= right and on_target
            rows.append((label, dt, executed, cached, target, right and on_target))
            print(
                f"  {label:<16} {dt:7.1f} s   executed {executed:2d}, from cache {cached:2d}"
                + (f"   target < {target:.0f} s" if target else "")
                + ("" if on_target else "   MISSED")
                + ("" if right else f"   WRONG: expected {expect} executed")
            )
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"build-times: {sum(r[-1] for r in rows)} passed, {sum(not r[-1] for r in rows)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
