"""``python -m cnnbook``: the same as the ``cnnbook`` command (:mod:`cnnbook.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
