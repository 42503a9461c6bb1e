"""A step-through player: frames with play, pause, step and a slider, offline in the page.

Some ideas are a sequence: a kernel slides, a gradient is routed window by
window, copies of a kernel pile up. A :class:`Player` shows such a sequence one
frame at a time. Its HTML holds everything: the frames as lossless WebP images
inlined as ``data:`` URIs, a caption per frame, the controls, and a short script, so a
page that embeds it works without a server, a network or any file beside it.

The same frames give the same bytes: element ids come from the player's
name (not from a random number, as :meth:`matplotlib.animation.Animation.to_jshtml`
does), and the frames are rendered by :func:`cnnbook.plotting_style.render`,
which strips every varying piece of metadata. A book built twice is therefore
identical byte for byte.

For example, two frames of two cells:

>>> from cnnbook.figures.board import Board
>>> from cnnbook.plotting_style import use_book_style
>>> use_book_style()
>>> frames = []
>>> for k in range(2):
...     board = Board(2, 1)
...     board.grid([[k, 1 - k]], (0, 0))
...     frames.append(board.figure)
>>> p = Player("demo", frames, ["first", "second"], alt="two cells swap")
>>> p.html() == Player("demo", frames, ["first", "second"], alt="two cells swap").html()
True
>>> p.html().count('class="cnnbook-player-frame"'), 'id="cnnbook-player-demo"' in p.html()
(2, True)
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence

from PIL import Image

from cnnbook.checks import positive_int
from cnnbook.plotting_style import palette_png, render

__all__ = ["MAX_BYTES", "PALETTE_COLOURS", "Player", "compact_frame"]

#: Largest HTML a player may take (frames included), in bytes.
MAX_BYTES = 1_000_000
#: Colours of a frame's palette: the diagrams have a handful, plus their anti-aliasing.
PALETTE_COLOURS = 32

_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")

_STYLE = """<style>
.cnnbook-player { margin: 1em 0; max-width: 100%; }
.cnnbook-player-frame img { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.cnnbook-player-frame p { margin: .4em 0 0; min-height: 3em; font-size: .95em; }
.cnnbook-player-controls { display: flex; flex-wrap: wrap; gap: .4em; align-items: center;
  margin-top: .4em; }
.cnnbook-player-controls button { min-width: 2.75em; min-height: 2.75em; padding: 0 .6em;
  border: 1px solid #888; border-radius: .3em; background: #f6f6f6; color: #222;
  cursor: pointer; font: inherit; }
.cnnbook-player-controls input[type=range] { flex: 1 1 8em; min-width: 8em; }
.cnnbook-player-count { font-variant-numeric: tabular-nums; min-width: 4.5em; }
</style>"""

_SCRIPT = """<script>
(function () {
  var root = document.getElementById("%(id)s");
  if (!root) return;
  var frames = root.querySelectorAll(".cnnbook-player-frame");
  var slider = root.querySelector("input[type=range]");
  var count = root.querySelector(".cnnbook-player-count");
  var play = root.querySelector("[data-action=play]");
  var n = frames.length, k = 0, timer = null;
  function show(i) {
    k = (i + n) %% n;
    for (var j = 0; j < n; j++) frames[j].hidden = (j !== k);
    slider.value = k;
    count.textContent = (k + 1) + " / " + n;
    root.setAttribute("data-frame", k);
  }
  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "\\u25B6 play";
    play.setAttribute("aria-pressed", "false");
  }
  play.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (k === n - 1) show(0);
    play.textContent = "\\u275A\\u275A pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (k === n - 1) stop(); else show(k + 1);
    }, %(interval)d);
  });
  root.querySelector("[data-action=prev]").addEventListener("click", function () {
    stop(); show(k - 1);
  });
  root.querySelector("[data-action=next]").addEventListener("click", function () {
    stop(); show(k + 1);
  });
  slider.addEventListener("input", function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
})();
</script>"""


def compact_frame(fig) -> bytes:
    """``fig`` as a lossless WebP image of :data:`PALETTE_COLOURS` colours.

    A diagram of flat colours loses nothing visible to the palette, and
    lossless WebP stores such a frame in about a quarter of the bytes of the
    same palette PNG. The same figure gives the same bytes (no metadata, no
    dithering).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from cnnbook.plotting_style import use_book_style
    >>> use_book_style()
    >>> fig = Figure(figsize=(1, 1))
    >>> _ = fig.text(0.5, 0.5, "x")
    >>> frame = compact_frame(fig)
    >>> frame[:4], frame[8:12], frame == compact_frame(fig), Image.open(io.BytesIO(frame)).size
    (b'RIFF', b'WEBP', True, (100, 100))
    """
    image = Image.open(io.BytesIO(palette_png(render(fig, "png"), PALETTE_COLOURS)))
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="WEBP", lossless=True, quality=100, method=4)
    return buf.getvalue()


def _mime(data: bytes) -> str:
    """The MIME type of a PNG or WebP image, from its first bytes."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise ValueError("a frame given as bytes must be a PNG or WebP image")


class Player:
    """Frames shown one at a time, with play, pause, step back, step forward and a slider.

    Parameters
    ----------
    name : str
        Lower-case letters, digits and hyphens; the player's element id is
        ``cnnbook-player-<name>``, so a page must not hold two players of one name.
    frames : sequence of matplotlib.figure.Figure or bytes
        The frames, as figures (rendered by :func:`compact_frame`) or as PNG or
        WebP bytes.
    captions : sequence of str
        One caption per frame, plain text, shown under the frame.
    alt : str
        What the whole sequence shows; each image's alt text is this plus its caption.
    interval : int
        Milliseconds between frames when playing.

    Raises
    ------
    ValueError
        If the name is not a valid id, the captions do not match the frames,
        there is no frame, or the HTML would exceed :data:`MAX_BYTES`.
    """

    def __init__(
        self,
        name: str,
        frames: Sequence,
        captions: Sequence[str],
        alt: str,
        interval: int = 1200,
    ) -> None:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                f"name must be lower-case letters, digits and hyphens, starting with "
                f"a letter, got {name!r}"
            )
        if len(frames) == 0:
            raise ValueError("a player needs at least one frame, got none")
        if len(captions) != len(frames):
            raise ValueError(f"got {len(frames)} frames but {len(captions)} captions")
        self.name = name
        self.images = [f if isinstance(f, bytes) else compact_frame(f) for f in frames]
        self.captions = [str(c) for c in captions]
        self.alt = str(alt)
        self.interval = positive_int(interval, "interval")
        self._html = self._build()
        if len(self._html.encode()) > MAX_BYTES:
            raise ValueError(
                f"player {name!r} takes {len(self._html.encode()):,} bytes, "
                f"more than MAX_BYTES = {MAX_BYTES:,}: use fewer or smaller frames"
            )

    @property
    def id(self) -> str:
        """The player's element id in the page."""
        return f"cnnbook-player-{self.name}"

    def __len__(self) -> int:
        return len(self.images)

    def _build(self) -> str:
        n = len(self.images)
        parts = [f'<div class="cnnbook-player" id="{self.id}" data-frames="{n}">', _STYLE]
        for k, (image, caption) in enumerate(zip(self.images, self.captions, strict=True)):
            src = f"data:{_mime(image)};base64," + base64.b64encode(image).decode("ascii")
            alt = html.escape(f"{self.alt} Frame {k + 1} of {n}: {caption}", quote=True)
            hidden = " hidden" if k else ""
            parts.append(
                f'<div class="cnnbook-player-frame"{hidden}><img src="{src}" alt="{alt}">'
                f"<p>{html.escape(caption)}</p></div>"
            )
        parts.append(
            '<div class="cnnbook-player-controls">'
            '<button type="button" data-action="prev" aria-label="previous frame">&#9664;</button>'
            '<button type="button" data-action="play" aria-pressed="false">&#9654; play</button>'
            '<button type="button" data-action="next" aria-label="next frame">&#9654;|</button>'
            f'<input type="range" min="0" max="{n - 1}" value="0" step="1" '
            f'aria-label="frame">'
            f'<span class="cnnbook-player-count">1 / {n}</span></div></div>'
        )
        parts.append(_SCRIPT % {"id": self.id, "interval": self.interval})
        return "\n".join(parts)

    def html(self) -> str:
        """The player as one self-contained piece of HTML."""
        return self._html

    def _repr_html_(self) -> str:
        return self._html

    def __repr__(self) -> str:
        return f"Player({self.name!r}, {len(self)} frames, {len(self._html.encode()):,} bytes)"


def _demo_frame():
    """The first frame of the module's example: the kind of figure a player shows."""
    from cnnbook.figures.board import Board

    board = Board(2, 1)
    board.grid([[0, 1]], (0, 0))
    return board.figure


#: A representative frame, for the reproducibility tests of :mod:`cnnbook.figures`.
FIGURES = {"demo_frame": _demo_frame}
