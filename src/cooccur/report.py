"""Helpers for the book's chapters.

* Numbers quoted in the prose come from the run, through ``myst_nb.glue`` (:func:`glue_number`). When the
  environment variable ``COOCCUR_RESULTS_FILE`` names a JSON file, every glued number is also recorded there:
  that file is the chapter's part of the results manifest (see ``scripts/results.py``).
* :func:`check_parameters` validates a chapter's papermill parameters in its first code cell.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path


def glue_number(name: str, value: numbers.Real) -> None:
    """Glue ``value`` under ``name`` for ``{glue:text}`name:fmt` `` in the chapter's prose.

    NumPy scalars are converted to Python numbers first: their text form (``np.float64(0.5)``) cannot be
    formatted by the glue roles.
    """
    from myst_nb import glue  # the book extra; imported here so the library does not need it

    plain = int(value) if isinstance(value, numbers.Integral) else float(value)
    glue(name, plain, display=False)
    record(name, plain)


def record(name: str, value: float | int) -> None:
    """Add ``name: value`` to the results file named by ``$COOCCUR_RESULTS_FILE`` (nothing if it is unset)."""
    target = os.environ.get("COOCCUR_RESULTS_FILE")
    if not target:
        return
    path = Path(target)
    results = json.loads(path.read_text()) if path.exists() else {}
    results[name] = value if math.isfinite(value) else None
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text(json.dumps(results, indent=1, sort_keys=True))
    os.replace(tmp, path)


def check_parameters(**specs: tuple) -> None:
    """Validate papermill parameters; raise ``ValueError`` naming the first bad one.

    Each keyword is a parameter name mapped to ``(value, type)`` or ``(value, type, low, high)`` (``None`` for no
    bound). ``type`` is ``bool``, ``int``, ``float`` (an int is accepted), ``str`` or ``list`` (of ints, each in
    range). Example: ``check_parameters(seed=(seed, int, 0, None), quick=(quick, bool))``.
    """
    for name, spec in specs.items():
        value, kind, low, high = (*spec, None, None)[:4]
        items = value if kind is list and isinstance(value, list) else [value]
        if kind is list and (not isinstance(value, list) or not value):
            raise ValueError(f"parameter {name!r} must be a non-empty list of integers, got {value!r}")
        for item in items:
            expected = int if kind is list else kind
            ok = isinstance(item, expected) and (expected is bool or not isinstance(item, bool))
            if expected is float:
                ok = isinstance(item, (int, float)) and not isinstance(item, bool) and math.isfinite(item)
            if not ok:
                raise ValueError(f"parameter {name!r} must be of type {expected.__name__}, got {value!r}")
            if (low is not None and item < low) or (high is not None and item > high):
                bounds = f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
                raise ValueError(f"parameter {name!r} must lie in {bounds}, got {value!r}")


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
