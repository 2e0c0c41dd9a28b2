"""Helpers for the book's chapters: numbers quoted in the prose come from the run, through ``myst_nb.glue``."""

from __future__ import annotations

import numbers


def glue_number(name: str, value: numbers.Real) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`name:fmt` `` in the chapter's prose.

    NumPy scalars are converted to Python numbers first: their text form (``np.float64(0.5)``) cannot be
    formatted by the glue roles.
    """
    from myst_nb import glue  # the book extra; imported here so the library does not need it

    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    glue(name, plain, display=False)


def glue_figure(name: str, fig) -> None:
    """Glue a Matplotlib figure under ``name`` for a ``{glue:figure}`` directive, and close it.

    Closing keeps the inline backend from also showing the figure under the code cell, so it appears once, with
    its caption.
    """
    import matplotlib.pyplot as plt
    from myst_nb import glue

    glue(name, fig, display=False)
    plt.close(fig)


def glue_text(name: str, text: str) -> None:
    """Glue a short phrase chosen by the run (e.g. "holds" / "fails") for ``{glue:text}`name` ``."""
    from myst_nb import glue

    glue(name, str(text), display=False)
