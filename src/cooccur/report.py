"""Helpers for the book's chapters: numbers quoted in the prose come from the run, through ``myst_nb.glue``."""

from __future__ import annotations

import numbers


def glue_number(name: str, value: numbers.Real) -> float | int:
    """Glue ``value`` under ``name`` for ``{glue:text}`name:fmt` `` in the chapter's prose; returns it.

    NumPy scalars are converted to Python numbers first: their text form (``np.float64(0.5)``) cannot be
    formatted by the glue roles.
    """
    from myst_nb import glue  # the book extra; imported here so the library does not need it

    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    glue(name, plain, display=False)
    return plain
