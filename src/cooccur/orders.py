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

from cooccur.claims import WIDTH_ORDERS, Order, Run, Verdict, score_movement_scaling, t1_scaling, width_orders
from cooccur.experiment import Experiment, paper_setting, premise_setting
from cooccur.measures import loglog_slope
from cooccur.readings import Readings, glue_key
from cooccur.runs import runs_of


def scale_tag(scale: float) -> str:
    """``s1``, ``s0p3``: an initial scale as part of a glue name."""
    return f"s{scale:g}".replace(".", "p")


@dataclass(frozen=True)
class OrderSweep:
    """``runs[s]``: the runs at initial scale s over every width and seed (kept without their (R, d, d) records,
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

    def readings(self, prefix: str, fields: tuple[str, ...] = ("exponent", "low", "high"), outcome: bool = False,
                 reached: bool = False) -> Readings:
        """Under ``<prefix>_``: the widths swept (``m_min``, ``m_max``), the counts of :meth:`counts`, and per scale
        each decided verdict's measured ``fields`` and whether it holds (0 or 1), as
        ``<prefix>_<scale_tag>_<glue_key>_<field>`` and ``..._holds``; with ``outcome``, also ``..._outcome``:
        "holds", or "fails, " and the first clause of its reason."""
        out = Readings({f"{prefix}_m_min": int(self.widths.min()), f"{prefix}_m_max": int(self.widths.max()),
                        **self.counts(prefix, reached)})
        for scale, verdicts in self.orders.items():
            for name, v in verdicts.items():
                if v.undecided:
                    continue
                stem = f"{prefix}_{scale_tag(scale)}_{glue_key(name)}"
                out.numbers.update({f"{stem}_{field}": v.measured[field] for field in fields})
                out.numbers[f"{stem}_holds"] = int(v.holds)
                if outcome:
                    reason = v.detail.split("fails: ")[-1].split(",")[0]
                    out.texts[f"{stem}_outcome"] = "holds" if v.holds else f"fails, {reason}"
        return out


def order_sweep(setting: Callable[..., Experiment], widths: list[int], scales: list[float], seeds: int,
                statements: dict[str, Order] = WIDTH_ORDERS) -> OrderSweep:
    """Run ``setting(m, seed, init_scale=s)`` for every width, scale and seed 0 to ``seeds - 1`` (one width at a
    time, each run kept without its (R, d, d) records: at d = 163 the full records of a sweep take gigabytes) and
    check ``statements`` at each scale."""
    runs = {scale: [r.without_matrices() for m in widths
                    for r in runs_of([setting(m, s, init_scale=scale) for s in range(seeds)])] for scale in scales}
    return OrderSweep(runs, {scale: width_orders(rs, orders=statements) for scale, rs in runs.items()}, statements)


#: The two width series of Theorem 3.1's T1 = O~(1/m): m1 = m/2 on the premise data (distinct fillers), and the
#: paper's data with the paper's m1 = 256.
WIDTH_SERIES = ("m1 = m/2, distinct fillers", "m1 = 256, paper's data")


@dataclass(frozen=True)
class WidthSeries:
    """``series[name][k]``: the runs (seeds) at the k-th width of ``widths`` of each series of :data:`WIDTH_SERIES`,
    at the theory's scales; ``scaling[name]``: T1's rate (:func:`cooccur.claims.t1_scaling`) and the scores'
    movement (:func:`cooccur.claims.score_movement_scaling`) read over the series."""

    widths: list[int]
    series: dict[str, list[list[Run]]]
    scaling: dict[str, dict[str, Verdict]]

    def readings(self) -> Readings:
        """The slopes of the median T1 against m in each series (and, with m1 = 256, of 1/(m + m1/L), the order
        the theorem gives when m1 stays fixed), each series' verdicts' numbers, keyed ``half`` and ``fixed``, the
        seeds per width, and whether T1's rate holds in each series, in a word, and what the m1 = m/2 series says
        of it."""
        m = np.array(self.widths, dtype=float)
        half, fixed = WIDTH_SERIES

        def slope(name: str) -> float:
            return loglog_slope(m, [np.median([r.traj.T1 for r in group]) for group in self.series[name]])

        out = Readings({"slope_T1_vs_m_fixed": slope(fixed), "slope_T1_vs_m_half": slope(half),
                        "slope_T1_predicted_fixed": loglog_slope(m, 1 / (m + 256 / 5)),
                        "sweep_seeds": len(self.series[half][0])})
        for key, name in zip(("half", "fixed"), WIDTH_SERIES):
            t1, move = self.scaling[name]["t1_scaling"].measured, self.scaling[name]["score_movement_scaling"].measured
            out.numbers.update({f"t1_rate_{end}_{key}": t1[end] for end in ("delta", "slope", "low", "high")})
            out.numbers.update({f"move_{end}_{key}": move[end] for end in ("slope", "low", "high")})
            out.numbers[f"move_slope_pred_{key}"] = move["predicted_slope"]
        holds = {key: self.scaling[name]["t1_scaling"].holds for key, name in zip(("half", "fixed"), WIDTH_SERIES)}
        out.texts.update({f"t1_rate_verdict_{key}": "holds" if ok else "fails" for key, ok in holds.items()})
        out.texts["t1_half_reading"] = ("matches it" if holds["half"] else "comes close, but its interval reaches "
                                        "outside the verdict's band (the table above says which edge)")
        return out


def width_series(widths: list[int], seeds: int, T: float) -> WidthSeries:
    """Run both series of :data:`WIDTH_SERIES` over ``widths`` with seeds 0 to ``seeds - 1`` and horizon ``T``."""
    theory_scales = {"sigma0": None, "sigma1": None}
    half, fixed = WIDTH_SERIES
    experiments = {half: [[premise_setting(s, T=T, model={"m": m, "m1": m // 2, **theory_scales}) for s in range(seeds)]
                          for m in widths],
                   fixed: [[paper_setting(s, T=T, model={"m": m}) for s in range(seeds)] for m in widths]}
    series = {name: [runs_of(group) for group in groups] for name, groups in experiments.items()}
    scaling = {name: {"t1_scaling": t1_scaling([r for group in s for r in group]),
                      "score_movement_scaling": score_movement_scaling([r for group in s for r in group])}
               for name, s in series.items()}
    return WidthSeries(list(widths), series, scaling)
