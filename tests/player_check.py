"""Step every step-through player of a page in the browser and check that its frame changes.

Called by ``tests/browser_check.py`` on every page (:func:`check_players`), and
runnable on its own to look at the players at a given width::

    python tests/player_check.py [_build/html] [--width 390] [--out _build/players]

For each ``.cnnbook-player`` in the page it checks that

* exactly the first frame is visible and its image loaded;
* the "next" button shows frame 2, with a different image;
* "previous" goes back to frame 1, and the slider jumps to the last frame;
* "play" advances by itself, and "pause" stops it;
* the player's HTML is under 1 MB.

With a folder for screenshots it saves the player at its first, second and
last frame, as ``<page>--<player>--<frame>.png``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

MAX_BYTES = 1_000_000

STATE = """
(root) => {
  const frames = Array.from(root.querySelectorAll('.cnnbook-player-frame'));
  const shown = frames.map((f, i) => f.hidden ? -1 : i).filter(i => i >= 0);
  const img = shown.length === 1 ? frames[shown[0]].querySelector('img') : null;
  return {n: frames.length, shown, src: img ? img.getAttribute('src') : null,
          loaded: !!img && img.complete && img.naturalWidth > 0,
          width: img ? img.getBoundingClientRect().width : 0,
          overflow: root.scrollWidth > root.clientWidth + 1,
          count: root.querySelector('.cnnbook-player-count').textContent,
          bytes: new Blob([root.outerHTML]).size};
}
"""

SLIDE_TO_END = """
(root) => {
  const s = root.querySelector('input[type=range]');
  s.value = s.max;
  s.dispatchEvent(new Event('input', {bubbles: true}));
}
"""


def check_player(page, root, name: str, shots: Path | None, stem: str) -> list[str]:
    """Drive one player (a Playwright locator); return its problems, each naming it."""
    problems: list[str] = []

    def state():
        return root.evaluate(STATE)

    def expect(cond: bool, what: str) -> None:
        if not cond:
            problems.append(f"player {name}: {what}")

    def shoot(tag: str) -> None:
        if shots is not None:
            root.screenshot(path=str(shots / f"{stem}--{name}--{tag}.png"))

    root.scroll_into_view_if_needed()
    first = state()
    expect(first["n"] >= 2, f"has {first['n']} frames, expected at least 2")
    expect(first["shown"] == [0], f"shows frames {first['shown']} on load, expected [0]")
    expect(first["loaded"], "first frame's image did not load")
    expect(first["bytes"] <= MAX_BYTES, f"takes {first['bytes']:,} bytes, over {MAX_BYTES:,}")
    expect(not first["overflow"], "is wider than its column")
    if problems:
        return problems
    shoot("1")
    root.locator("[data-action=next]").click()
    second = state()
    expect(second["shown"] == [1], f"'next' shows {second['shown']}, expected [1]")
    expect(second["src"] != first["src"], "'next' did not change the image")
    expect(second["loaded"], "second frame's image did not load")
    expect(second["count"] == f"2 / {first['n']}", f"counter reads {second['count']!r}")
    shoot("2")
    root.locator("[data-action=prev]").click()
    expect(state()["shown"] == [0], "'previous' did not return to frame 1")
    root.evaluate(SLIDE_TO_END)
    last = state()
    expect(last["shown"] == [first["n"] - 1], f"slider to the end shows {last['shown']}")
    expect(last["loaded"], "last frame's image did not load")
    shoot(str(first["n"]))
    root.locator("[data-action=prev]").click()  # off the last frame: play goes on from here
    before = state()["shown"]
    play = root.locator("[data-action=play]")
    play.click()
    expect(play.get_attribute("aria-pressed") == "true", "'play' is not pressed after a click")
    page.wait_for_function(
        "([el, k]) => el.getAttribute('data-frame') !== String(k)",
        arg=[root.element_handle(), before[0]],
        timeout=10_000,
    )
    expect(state()["shown"] != before, "'play' did not advance")
    play.click()
    if play.get_attribute("aria-pressed") == "true":
        play.click()  # the player stopped at the end by itself; the click restarted it
    expect(play.get_attribute("aria-pressed") == "false", "'pause' did not stop the player")
    return problems


def check_players(page, shots: Path | None = None, rel: str = "page") -> tuple[list[str], int]:
    """Check every player of an open page; return the problems and the number of players."""
    players = page.locator(".cnnbook-player")
    problems: list[str] = []
    stem = rel.removesuffix(".html").replace("/", "_")
    for i in range(players.count()):
        root = players.nth(i)
        name = (root.get_attribute("id") or f"#{i}").removeprefix("cnnbook-player-")
        try:
            problems += check_player(page, root, name, shots, stem)
        except Exception as exc:  # a timeout is a failure of that player
            problems.append(f"player {name}: {type(exc).__name__}: {exc}".splitlines()[0])
    return problems, players.count()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", default="_build/html", type=Path)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=390)
    parser.add_argument("--out", type=Path, default=None, help="folder for screenshots")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from browser_check import CHROMIUM_ARGS, serve
    from playwright.sync_api import sync_playwright

    site = args.site.resolve()
    shots = args.out
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    pages = sorted(p.name for p in site.glob("*.html") if "cnnbook-player" in p.read_text())
    server, base = serve(site)
    failures = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": 900})
            for rel in pages:
                page.goto(base + rel, wait_until="load")
                problems, n = check_players(page, shots, rel)
                failures += bool(problems)
                print(f"{'FAIL' if problems else 'ok  '} {rel}: {n} players at {args.width} px")
                for p in problems:
                    print(f"  {p}")
            browser.close()
    finally:
        server.shutdown()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
