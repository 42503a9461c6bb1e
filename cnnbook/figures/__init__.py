"""The book's figures, drawn by code.

* :mod:`cnnbook.figures.player`: a step-through player (play, pause, step, a
  frame slider) that embeds its frames in the page and works offline;
* :mod:`cnnbook.figures.board`: grids of numbers drawn cell by cell, the
  canvas every player frame is drawn on;
* :mod:`cnnbook.figures.players_forward` and
  :mod:`cnnbook.figures.players_backward`: the players of the book, each
  computed by the package's own functions and checked while it is drawn.
"""
