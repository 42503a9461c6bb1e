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
* a notebook page's ``.ipynb`` download link serves a notebook;
* every image has real alt text: not empty, and not a file name or a hash;
* at a desktop width (1280 px) exactly one search box shows, and the ☰
  toggle hides and shows the table of contents;
* at a phone width (390 px) the page does not scroll sideways.

At the phone width it also opens the table of contents with the ☰ toggle and
follows a link in it, and opens the page's contents with the ☷ toggle. It
checks that searching for "rot180" finds at least one page; that every
downloadable notebook (``_sources/*.ipynb``) has plain Markdown, with no MyST
role or directive left, and that one whole chapter notebook runs with nbclient
and draws its figures. It prints the weight of the site and of the heaviest
page load from an empty cache, and fails above :data:`SITE_BUDGET` or
:data:`PAGE_BUDGET`. A full-page screenshot of every page at both widths goes
to ``_build/screenshots/<page>.desktop.png`` and ``<page>.phone.png``.
Exits non-zero, naming page and problem, if any check fails.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM_ARGS = [
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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
#: Whole site, and one page load from an empty cache (everything it requests).
SITE_BUDGET = 8_000_000
PAGE_BUDGET = 1_500_000
#: The chapter notebook run whole with nbclient: short, and it draws figures.
RUN_NOTEBOOK = "convolution.ipynb"
#: Alt text that is only a file name or a hash, as Sphinx writes when there is none.
FILE_NAME_ALT = re.compile(r"^(?:[\w.-]*\.(?:png|svg|jpe?g|gif|webp)|[0-9a-f]{16,}\S*)$", re.I)

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


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the browser hung up
            super().handle_error(request, client_address)


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = _QuietServer(("127.0.0.1", 0), handler)
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


IMAGE_ALTS = """
() => Array.from(document.images).map(img => ({src: img.getAttribute('src'),
                                               alt: img.getAttribute('alt')}))
"""

VISIBLE_SEARCH_BOXES = """
() => Array.from(document.querySelectorAll('.search-button-field, form.bd-search'))
  .filter(el => {
    const r = el.getBoundingClientRect(), st = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
  }).length
"""

SIDEWAYS = """
width => {
  // width: the viewport's; a phone's browser widens the layout to fit a wide
  // page (innerWidth grows with it), so compare with the width it was given.
  const scroll = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
  if (scroll <= width + 1) return null;
  const inScroller = el => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const wide = Array.from(document.querySelectorAll('body *'))
    .filter(el => el.getBoundingClientRect().right > width + 1 && !inScroller(el))
    .slice(0, 3)
    .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                ? '.' + el.className.trim().split(/\\s+/).join('.') : ''));
  return {scroll, width, wide};
}
"""

VISIBLE = """
sel => {
  const el = document.querySelector(sel);
  if (!el) return false;
  const r = el.getBoundingClientRect(), st = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.display !== 'none';
}
"""


def bad_alt_text(images: list[dict]) -> list[str]:
    """Images whose alt text is missing, empty, or only a file name or hash."""
    bad = []
    for img in images:
        alt = (img["alt"] or "").strip()
        if not alt or FILE_NAME_ALT.match(alt) or alt == Path(img["src"] or "").name:
            bad.append(f"image {img['src']} has no real alt text (alt={img['alt']!r})")
    return bad


#: Files a web server sends compressed (gzip), as any static host does.
COMPRESSED = frozenset({".html", ".js", ".css", ".svg", ".json", ".txt", ".ipynb", ".md", ""})


def page_weight(site: Path, base: str, urls: set[str]) -> tuple[int, int]:
    """Bytes of every local file a page requested: its load from an empty cache.

    Returns the bytes on disk, and the bytes sent by a server that compresses
    text (HTML, scripts, stylesheets) with gzip, as static hosts do; images
    and fonts are sent as they are.
    """
    raw = sent = 0
    for url in urls:
        if not url.startswith(base):
            continue
        path = site / unquote(urlsplit(url).path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if path.is_file():
            data = path.read_bytes()
            raw += len(data)
            sent += len(gzip.compress(data, 6, mtime=0)) if path.suffix in COMPRESSED else len(data)
    return raw, sent


def open_page(context, base: str, rel: str, problems: list[str], requested: set[str]):
    """Open a page, recording console errors, failed and made requests."""
    page = context.new_page()
    page.on(
        "console",
        lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"),
    )
    page.on("pageerror", lambda exc: problems.append(f"uncaught exception: {exc}"))
    page.on("requestfinished", lambda req: requested.add(req.url))

    def on_response(response):
        if response.url.startswith(base) and response.status >= 400:
            problems.append(f"HTTP {response.status} for {response.url[len(base) - 1 :]}")

    page.on("response", on_response)
    page.goto(base + rel, wait_until="load", timeout=PAGE_TIMEOUT_MS)
    return page


def check_page(
    context, site: Path, base: str, rel: str, shots: Path | None
) -> tuple[list[str], str, tuple[int, int]]:
    """Open one page at the desktop width; return its problems, a summary and its weight.

    The weight is (bytes on disk, bytes sent compressed), see :func:`page_weight`.
    """
    problems: list[str] = []
    requested: set[str] = set()
    page = None
    weight = (0, 0)
    try:
        page = open_page(context, base, rel, problems, requested)
        mj = page.evaluate(WAIT_FOR_MATHJAX)
        if mj not in ("typeset", "no math"):
            problems.append(mj)
        images = page.evaluate(LOAD_ALL_IMAGES)
        for img in images:
            if not img["ok"]:
                problems.append(f"image did not load: {img['src']}")
        from player_check import check_players  # the step-through players, stepped

        problems += check_players(page, shots and shots / "players", rel)[0]
        problems += bad_alt_text(page.evaluate(IMAGE_ALTS))
        math = page.evaluate(MATH_STATUS)
        if math["untypeset"]:
            problems.append(
                f"{len(math['untypeset'])} of {math['count']} formulas not typeset, "
                f"first: {math['untypeset'][0]!r}"
            )
        for err in math["errors"]:
            problems.append(f"MathJax error: {err}")
        if rel != "search.html":
            boxes = page.evaluate(VISIBLE_SEARCH_BOXES)
            if boxes != 1:
                problems.append(f"{boxes} search boxes show at {DESKTOP['width']} px, not 1")
        nb = page.evaluate(NOTEBOOK_DOWNLOAD)
        if nb is not None and "error" in nb:
            problems.append(f"notebook download {nb['href']} failed: {nb['error']}")
        page.wait_for_load_state("networkidle", timeout=PAGE_TIMEOUT_MS)
        weight = page_weight(site, base, requested)
        if shots is not None:
            page.screenshot(path=str(shots / f"{stem(rel)}.desktop.png"), full_page=True)
        summary = (
            f"{math['count']} formulas, {len(images)} images, "
            f"{weight[1] / 1e6:.2f} MB sent ({weight[0] / 1e6:.2f} MB on disk)"
        ) + (f", notebook {nb['href']} ({nb['cells']} cells)" if nb and "cells" in nb else "")
    except Exception as exc:  # a timeout or a crashed page is a failure of that page
        problems.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        summary = "could not be checked"
    finally:
        if page is not None:
            page.close()
    return problems, summary, weight


def check_phone_page(context, base: str, rel: str, shots: Path | None) -> list[str]:
    """Open one page at the phone width: it must not scroll sideways."""
    problems: list[str] = []
    page = None
    try:
        page = open_page(context, base, rel, problems, set())
        page.evaluate(WAIT_FOR_MATHJAX)
        page.evaluate(LOAD_ALL_IMAGES)
        wide = page.evaluate(SIDEWAYS, PHONE["width"])
        if wide:
            problems.append(
                f"scrolls sideways at {wide['width']} px (page {wide['scroll']} px wide; "
                f"too wide: {', '.join(wide['wide']) or 'unknown'})"
            )
        if shots is not None:
            page.screenshot(path=str(shots / f"{stem(rel)}.phone.png"), full_page=True, scale="css")
    except Exception as exc:
        problems.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        if page is not None:
            page.close()
    return problems


def check_toggles_desktop(context, base: str, rel: str) -> list[str]:
    """At the desktop width the ☰ toggle hides the table of contents, then shows it."""
    problems: list[str] = []
    page = open_page(context, base, rel, problems, set())
    try:
        sidebar = "#pst-primary-sidebar"
        states = [page.evaluate(VISIBLE, sidebar)]
        for _ in range(2):
            page.locator(".primary-toggle:visible").first.click()
            page.wait_for_timeout(400)
            states.append(page.evaluate(VISIBLE, sidebar))
        if states != [True, False, True]:
            problems.append(
                f"☰ toggle at {DESKTOP['width']} px: contents visible before, after one and "
                f"after two clicks = {states}, expected [True, False, True]"
            )
    except Exception as exc:
        problems.append(f"☰ toggle: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        page.close()
    return problems


def check_toggles_phone(context, base: str, rel: str) -> list[str]:
    """At the phone width ☷ opens the page's contents; ☰ opens the book's, and a link works."""
    problems: list[str] = []
    page = open_page(context, base, rel, problems, set())
    try:
        for modal in ("#pst-primary-sidebar-modal", "#pst-secondary-sidebar-modal"):
            if page.evaluate(VISIBLE, modal):
                problems.append(f"{modal} shows on a phone before its toggle is pressed")
        page.locator(".secondary-toggle:visible").first.click()
        page.locator("#pst-secondary-sidebar-modal").wait_for(state="visible", timeout=5000)
        print("  phone: ☷ opened the page's contents")
        page.keyboard.press("Escape")
        page.locator("#pst-secondary-sidebar-modal").wait_for(state="hidden", timeout=5000)
        page.locator(".primary-toggle:visible").first.click()
        modal = page.locator("#pst-primary-sidebar-modal")
        modal.wait_for(state="visible", timeout=5000)
        hrefs = modal.locator("a.reference.internal:visible").evaluate_all(
            "els => els.map(a => a.getAttribute('href'))"
        )
        target = next((h for h in hrefs if h and h.split("#")[0] not in ("", rel)), None)
        if target is None:
            problems.append("☰ at a phone width opened contents with no link to another page")
        else:
            modal.locator(f'a.reference.internal[href="{target}"]').first.click()
            page.wait_for_url(base + target.split("#")[0] + "**", timeout=PAGE_TIMEOUT_MS)
            print(f"  phone: ☰ opened the book's contents and followed {target}")
    except Exception as exc:
        problems.append(f"toggles at a phone width: {type(exc).__name__}: {exc}".splitlines()[0])
    finally:
        page.close()
    return problems


def stem(rel: str) -> str:
    return rel[: -len(".html")].replace("/", "_")


def site_weight(site: Path) -> int:
    """Bytes of every file of the site (hidden files, such as ``.buildinfo``, left out)."""
    return sum(
        p.stat().st_size
        for p in site.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(site).parts)
    )


def check_notebooks(site: Path, run: bool = True) -> list[str]:
    """Downloadable notebooks: plain Markdown, and one chapter runs and draws its figures."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
    from plain_markdown import raw_myst

    problems = []
    notebooks = sorted((site / "_sources").glob("*.ipynb"))
    if not notebooks:
        return ["no downloadable notebook in _sources/"]
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        for k, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "markdown":
                for raw in raw_myst("".join(cell["source"])):
                    problems.append(f"{path.name}: cell {k} keeps MyST {raw!r}")
    print(f"  {len(notebooks)} downloadable notebooks read")
    if not run:
        return problems

    import nbclient
    import nbformat

    path = site / "_sources" / RUN_NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    figures = sum(
        "".join(c["source"]).count("**Fig. ") for c in nb.cells if c.cell_type == "markdown"
    )
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    t0 = time.perf_counter()
    backend = os.environ.pop("MPLBACKEND", None)  # a reader's Jupyter: the inline backend
    try:
        with tempfile.TemporaryDirectory(prefix="cnnbook-nb-") as tmp:
            client = nbclient.NotebookClient(
                nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}}
            )
            client.execute()
    except Exception as exc:
        return [*problems, f"{RUN_NOTEBOOK} does not run: {type(exc).__name__}: {exc}"[:2000]]
    finally:
        if backend is not None:
            os.environ["MPLBACKEND"] = backend
    images = sum(
        1
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if {"image/png", "image/svg+xml"} & set(o.get("data", {}))
    )
    print(
        f"  ran {RUN_NOTEBOOK} with nbclient in {time.perf_counter() - t0:.1f} s: "
        f"{images} image outputs for {figures} figures"
    )
    if images < max(figures, 1):
        problems.append(f"{RUN_NOTEBOOK} drew {images} images when run, for {figures} figures")
    return problems


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
    parser.add_argument(
        "--no-notebook-run", action="store_true", help="skip running a chapter notebook"
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
    chapter = "convolution.html" if "convolution.html" in pages else "index.html"

    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    external: list[str] = []
    weights: dict[str, int] = {}
    t0 = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS
            )

            def route(r):
                url = r.request.url
                if url.startswith(base) or urlsplit(url).scheme in ("data", "blob", "about"):
                    r.continue_()
                else:
                    external.append(url)
                    r.abort()

            # Routing every request also turns the browser's cache off, so each page
            # load below is a load from an empty cache.
            desktop = browser.new_context(viewport=DESKTOP, service_workers="block")
            phone = browser.new_context(
                viewport=PHONE,
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                service_workers="block",
            )
            for context in (desktop, phone):
                context.route("**/*", route)
            for rel in pages:
                shot_dir = None if rel in GENERATED else shots
                problems, summary, weights[rel] = check_page(desktop, site, base, rel, shot_dir)
                problems += [f"phone: {p}" for p in check_phone_page(phone, base, rel, shot_dir)]
                if weights[rel][1] > PAGE_BUDGET:
                    problems.append(
                        f"loads {weights[rel][1] / 1e6:.2f} MB from an empty cache, "
                        f"over {PAGE_BUDGET / 1e6:.1f} MB"
                    )
                if problems:
                    failures[rel] = problems
                print(f"{'FAIL' if problems else 'ok  '} {rel}: {summary}")
            toggles = check_toggles_desktop(desktop, base, chapter)
            toggles += check_toggles_phone(phone, base, chapter)
            if toggles:
                failures["(toggles)"] = toggles
            search = check_search(desktop, base)
            if search:
                failures["search.html?q=" + SEARCH_TERM] = search
            browser.close()
    finally:
        server.shutdown()
    if external:
        failures["(network)"] = [f"request to another host blocked: {e}" for e in external]
    notebooks = check_notebooks(site, run=not args.no_notebook_run)
    if notebooks:
        failures["(notebooks)"] = notebooks

    total = site_weight(site)
    heaviest = max(weights, key=lambda rel: weights[rel][1])
    raw_heaviest = max(weights, key=lambda rel: weights[rel][0])
    print(
        f"weight: site {total / 1e6:.2f} MB (budget {SITE_BUDGET / 1e6:.0f} MB); heaviest "
        f"page load from an empty cache {weights[heaviest][1] / 1e6:.2f} MB sent, "
        f"{heaviest} (budget {PAGE_BUDGET / 1e6:.1f} MB; text gzipped as servers send it; "
        f"uncompressed, the heaviest is {raw_heaviest}, {weights[raw_heaviest][0] / 1e6:.2f} MB)"
    )
    if total > SITE_BUDGET:
        failures["(weight)"] = [f"the site weighs {total / 1e6:.2f} MB, over the budget"]

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
