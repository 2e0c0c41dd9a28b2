"""Order statements over decades of width: the sweep of runs the theorems' Theta and O~ statements are read on,
and its verdicts (:func:`cooccur.claims.width_orders`) at each initial scale.

A run at width m uses Condition 1's scales with m1 = m (:func:`cooccur.experiment.width_setting`, or
:func:`cooccur.experiment.t_star_setting` to read Theorem 3.3 at T*), so a statement's order in m is a slope over
the widths; each scale s gives its own verdicts, which should not depend on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cooccur.claims import WIDTH_ORDERS, Order, Run, Verdict, runs_of, width_orders
from cooccur.experiment import Experiment


def scale_tag(scale: float) -> str:
    """``s1``, ``s0p3``: an initial scale as part of a glue name."""
    return f"s{scale:g}".replace(".", "p")


@dataclass(frozen=True)
class OrderSweep:
    """``runs[s]``: the runs at initial scale s over every width and seed (kept without their (T, d, d) records,
    :meth:`cooccur.claims.Run.without_matrices`); ``orders[s]``: the verdicts of ``statements`` over them."""

    runs: dict[float, list[Run]]
    orders: dict[float, dict[str, Verdict]]
    statements: dict[str, Order]

    @property
    def main_scale(self) -> float:
        """s = 1, the theory's scale, when swept; else the first scale."""
        return 1.0 if 1.0 in self.orders else next(iter(self.orders))

    @property
    def main_runs(self) -> list[Run]:
        return self.runs[self.main_scale]

    @property
    def widths(self) -> np.ndarray:
        """The width m of each run at the main scale."""
        return np.array([r.m for r in self.main_runs], dtype=float)

    def counts(self, prefix: str, reached: bool = False) -> dict[str, int]:
        """Per scale, as ``<prefix>_<scale_tag>_<count>``: the runs, those whose Phase 1 was lazy, and those that
        reached T* (``reached``) or else the statements that hold."""
        out = {}
        for scale, runs in self.runs.items():
            tag = f"{prefix}_{scale_tag(scale)}"
            out[f"{tag}_runs"] = len(runs)
            out[f"{tag}_lazy_runs"] = sum(r.premises["lazy_phase1"].met for r in runs)
            if reached:
                out[f"{tag}_reached"] = sum(np.isfinite(r.at_t_star["T_star"]) for r in runs)
            else:
                out[f"{tag}_holding"] = sum(v.holds for v in self.orders[scale].values())
        return out


def order_sweep(setting: Callable[..., Experiment], widths: list[int], scales: list[float], seeds: int,
                statements: dict[str, Order] = WIDTH_ORDERS) -> OrderSweep:
    """Run ``setting(m, seed, init_scale=s)`` for every width, scale and seed 0 to ``seeds - 1`` (one width at a
    time, each run kept without its (T, d, d) records: at d = 163 the full records of a sweep take gigabytes) and
    check ``statements`` at each scale."""
    runs = {scale: [r.without_matrices() for m in widths
                    for r in runs_of([setting(m, s, init_scale=scale) for s in range(seeds)])] for scale in scales}
    return OrderSweep(runs, {scale: width_orders(rs, orders=statements) for scale, rs in runs.items()}, statements)
