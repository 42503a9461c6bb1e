"""Open every page of the built book in headless Chromium and check what a reader sees.

Run by ``make check-html`` (after ``make html``)::

    python tests/browser_check.py [_build/html] [--chromium /usr/bin/chromium]

The site is served from 127.0.0.1 on a free port. On every page it checks that

* every element that holds maths (``.math``) was typeset by MathJax
  (contains an ``mjx-container``) and no formula is a MathJax error
  (``mjx-merror``, e.g. from ``\\frac{``);
* every ``<img>`` loaded (``naturalWidth > 0``), after forcing lazy images to
  load;
* the console shows no error, no script throws, and no local request fails;
* nothing is requested from any host but the local server (such requests are
  blocked and reported), and no page or stylesheet references a remote
  script, stylesheet or font;
* a notebook page's ``.ipynb`` download link serves a notebook.

It also checks that searching for "rot180" finds at least one page, and saves
a full-page screenshot of every page to ``_build/screenshots/<page>.png``.
Exits non-zero, naming page and problem, if any check fails.
"""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Pages Sphinx generates itself: checked, but not screenshotted.
GENERATED = {"genindex.html", "py-modindex.html", "search.html"}
SEARCH_TERM = "rot180"
PAGE_TIMEOUT_MS = 60_000

# Remote assets referenced from HTML or CSS (links to other sites are fine).
REMOTE_ASSET = re.compile(
    r"""<script[^>]+src=["'](?:https?:)?//[^"']+"""
    r"""|<link[^>]+href=["'](?:https?:)?//[^"']+["'][^>]*>"""
    r"""|@import\s+(?:url\()?["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)
LINK_REL = re.compile(r"""rel=["']([^"']+)["']""", re.IGNORECASE)


# ----------------------------------------------------------------------------
# Static checks: no remote asset referenced anywhere in the site
# ----------------------------------------------------------------------------
def remote_assets(site: Path) -> list[str]:
    """Every reference to a remote script, stylesheet, font or image in HTML and CSS."""
    problems = []
    files = sorted(site.rglob("*.html")) + sorted(site.rglob("*.css"))
    for f in files:
        if "_sources" in f.relative_to(site).parts:
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        for m in REMOTE_ASSET.finditer(text):
            ref = m.group(0)
            rel = LINK_REL.search(ref)
            # <link rel="canonical|next|prev|..."> to another site loads nothing.
            if (
                ref.lower().startswith("<link")
                and rel
                and not (
                    {"stylesheet", "preload", "icon", "modulepreload", "prefetch"}
                    & set(rel.group(1).lower().split())
                )
            ):
                continue
            problems.append(f"{f.relative_to(site)}: references a remote asset: {ref[:120]}")
    return problems


# ----------------------------------------------------------------------------
# A quiet local server in a thread
# ----------------------------------------------------------------------------
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


# ----------------------------------------------------------------------------
# In-page checks (JavaScript evaluated in the page)
# ----------------------------------------------------------------------------
WAIT_FOR_MATHJAX = """
async () => {
  if (!document.querySelector('.math')) return 'no math';
  const t0 = Date.now();
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() - t0 > 30000) return 'MathJax never started';
    await new Promise(r => setTimeout(r, 100));
  }
  await MathJax.startup.promise;
  return 'typeset';
}
"""

LOAD_ALL_IMAGES = """
async () => {
  const imgs = Array.from(document.images);
  for (const img of imgs) { img.loading = 'eager'; img.decoding = 'sync'; }
  const step = Math.max(200, window.innerHeight);
  for (let y = 0; y < document.body.scrollHeight; y += step) {
    window.scrollTo(0, y);
    await new Promise(r => setTimeout(r, 20));
  }
  window.scrollTo(0, 0);
  await Promise.all(imgs.map(img => img.complete ? null : new Promise(r => {
    img.addEventListener('load', r, {once: true});
    img.addEventListener('error', r, {once: true});
    setTimeout(r, 15000);
  })));
  return imgs.map(img => ({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0}));
}
"""

MATH_STATUS = """
() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container'))
                        .map(el => el.textContent.trim().slice(0, 80));
  const errors = Array.from(document.querySelectorAll('mjx-merror'))
                      .map(el => (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120));
  return {count: math.length, untypeset, errors,
          containers: document.querySelectorAll('mjx-container').length};
}
"""

NOTEBOOK_DOWNLOAD = """
async () => {
  const a = Array.from(document.querySelectorAll('a[href]'))
                 .find(a => a.getAttribute('href').endsWith('.ipynb'));
  if (!a) return null;
  const r = await fetch(a.href);
  if (!r.ok) return {href: a.getAttribute('href'), error: 'HTTP ' + r.status};
  try {
    const nb = await r.json();
    return {href: a.getAttribute('href'), cells: (nb.cells || []).length};
  } catch (e) {
    return {href: a.getAttribute('href'), error: 'not JSON: ' + e};
  }
}
"""


def check_page(context, base: str, rel: str, shots: Path | None) -> tuple[list[str], str]:
    """Open one page; return its problems and a one-line summary."""
    problems: list[str] = []
    page = context.new_page()
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"),
    )
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))

    def on_response(response):
        if response.url.startswith(base) and response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url[len(base) - 1 :]}")

    page.on("response", on_response)
    try:
        page.goto(base + rel, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        mj = page.evaluate(WAIT_FOR_MATHJAX)
        if mj not in ("typeset", "no math"):
            problems.append(mj)
        images = page.evaluate(LOAD_ALL_IMAGES)
        for img in images:
            if not img["ok"]:
                problems.append(f"image did not load: {img['src']}")
        from player_check import check_players  # the step-through players, stepped

        problems += check_players(page, shots and shots / "players", rel)[0]
        math = page.evaluate(MATH_STATUS)
        if math["untypeset"]:
            problems.append(
                f"{len(math['untypeset'])} of {math['count']} formulas not typeset, "
                f"first: {math['untypeset'][0]!r}"
            )
        for err in math["errors"]:
            problems.append(f"MathJax error: {err}")
        nb = page.evaluate(NOTEBOOK_DOWNLOAD)
        if nb is not None and "error" in nb:
            problems.append(f"notebook download {nb['href']} failed: {nb['error']}")
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
        if shots is not None:
            page.screenshot(
                path=str(shots / (rel[: -len(".html")].replace("/", "_") + ".png")), full_page=True
            )
        summary = f"{math['count']} formulas, {len(images)} images" + (
            f", notebook {nb['href']} ({nb['cells']} cells)" if nb and "cells" in nb else ""
        )
    except Exception as exc:  # a timeout or a crashed page is a failure of that page
        problems.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        summary = "could not be checked"
    finally:
        page.close()
    return problems, summary


def check_search(context, base: str) -> list[str]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    try:
        page.goto(f"{base}search.html?q={SEARCH_TERM}", wait_until="load", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li').length > 0"
            " || /found 0|did not match/i.test("
            "(document.querySelector('#search-results') || {}).textContent || '')",
            timeout=PAGE_TIMEOUT_MS,
        )
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "els => els.map(a => a.getAttribute('href'))"
        )
        if not hits:
            errors.append(f"searching for {SEARCH_TERM!r} found no page")
        else:
            print(f"  search {SEARCH_TERM!r}: {len(hits)} results, first {hits[0]}")
    except Exception as exc:
        errors.append(
            f"search for {SEARCH_TERM!r} failed: {type(exc).__name__}: {exc}".splitlines()[0]
        )
    finally:
        page.close()
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument(
        "--screenshots",
        default=None,
        type=Path,
        help="folder for screenshots (default: <site>/../screenshots)",
    )
    args = parser.parse_args(argv)

    site: Path = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"browser check: no built book at {site} (run make html first)")
        return 2
    shots: Path = (args.screenshots or site.parent / "screenshots").resolve()
    if shots.exists():
        shutil.rmtree(shots)
    (shots / "players").mkdir(parents=True)

    failures: dict[str, list[str]] = {}
    static = remote_assets(site)
    if static:
        failures["(static scan)"] = static

    pages = sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not ({"_static", "_sources", "_images"} & set(p.relative_to(site).parts))
    )

    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    external: list[str] = []
    t0 = time.perf_counter()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="cnnbook-chromium-") as profile,
            sync_playwright() as pw,
        ):
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=args.chromium,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
                service_workers="block",
            )

            def route(r):
                url = r.request.url
                if url.startswith(base) or urlsplit(url).scheme in ("data", "blob", "about"):
                    r.continue_()
                else:
                    external.append(url)
                    r.abort()

            context.route("**/*", route)
            for rel in pages:
                problems, summary = check_page(
                    context, base, rel, None if rel in GENERATED else shots
                )
                if problems:
                    failures[rel] = problems
                print(f"{'FAIL' if problems else 'ok  '} {rel}: {summary}")
            search = check_search(context, base)
            if search:
                failures["search.html?q=" + SEARCH_TERM] = search
            context.close()
    finally:
        server.shutdown()
    if external:
        failures["(network)"] = [f"request to another host blocked: {e}" for e in external]

    n_bad_pages = sum(1 for p in pages if p in failures)
    print(f"checked {len(pages)} pages in {time.perf_counter() - t0:.1f} s; screenshots in {shots}")
    if failures:
        print("\nbrowser check FAILED:")
        for where, problems in failures.items():
            for problem in problems:
                print(f"  {where}: {problem}")
    # pages that passed, and failed checks (pages, plus site-wide checks)
    print(f"browser: {len(pages) - n_bad_pages} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
