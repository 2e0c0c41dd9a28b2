"""Experiments run and paired with their trajectories, as the statements of :mod:`cooccur.claims` read them.

:mod:`cooccur.claims` states and checks; it does not run experiments. This module runs them
(:func:`cooccur.experiment.run_many`: gradient descent from the run cache, the adaptive flow recomputed, in
parallel) and hands back :class:`cooccur.claims.Run` objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from cooccur.claims import Run
from cooccur.experiment import Experiment, run_many


def runs_of(experiments: Sequence[Experiment]) -> list[Run]:
    """Run each experiment (:func:`cooccur.experiment.run_many`) and pair it with its trajectory."""
    return [Run(e, t) for e, t in zip(experiments, run_many(list(experiments), progress=False))]
