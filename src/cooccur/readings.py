"""What a study reports to the prose: named numbers, statistics over seeds, texts, and facts about the machine.

A chapter glues a study's :class:`Readings` with one call (:func:`cooccur.report.glue_readings`), so the names the
prose cites and the tolerance class each number is checked by on a rebuild are decided in the library, beside the
computation, and tested there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Readings:
    """``numbers``: glued and recorded in the results manifest (an int as ``exact``, a float as ``float64``, or a
    ``(value, tolerance class)`` pair); ``statistics``: per-seed samples, glued as their mean and recorded as a
    seed statistic (tolerance: a few standard errors); ``texts``: glued words; ``unrecorded``: glued numbers kept
    out of the manifest (wall-clock times, or a quick run's stand-in for a statistic it has too few seeds for);
    ``recorded``: numbers of a table the chapter shows, recorded in the manifest without glue (so a rebuild checks
    every cell)."""

    numbers: dict[str, object] = field(default_factory=dict)
    statistics: dict[str, list[float]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    unrecorded: dict[str, float] = field(default_factory=dict)
    recorded: dict[str, float] = field(default_factory=dict)

    def __or__(self, other: Readings) -> Readings:
        """Both sets of readings; a name given twice is an error (two results would claim one glue name)."""
        twice = set(self.names()) & set(other.names())
        if twice:
            raise ValueError(f"readings named twice: {', '.join(sorted(twice))}")
        return Readings({**self.numbers, **other.numbers}, {**self.statistics, **other.statistics},
                        {**self.texts, **other.texts}, {**self.unrecorded, **other.unrecorded},
                        {**self.recorded, **other.recorded})

    def names(self) -> list[str]:
        """Every name, in the order numbers, statistics, texts, unrecorded, recorded."""
        return [*self.numbers, *self.statistics, *self.texts, *self.unrecorded, *self.recorded]


def glue_key(name: str) -> str:
    """A glue name for a statement's name: ``<``, ``>``, ``*`` and commas dropped, spaces to underscores
    (``"sum <aw, aw>"`` -> ``"sum_aw_aw"``, ``"smallest C at T*"`` -> ``"smallest_C_at_T"``)."""
    return re.sub(r"[<>*,]", "", name).replace(" ", "_")


def count(n: int, noun: str) -> str:
    """``n`` and ``noun``, in the singular for one: "1 seed", "3 seeds" (for words a study or a figure writes)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
