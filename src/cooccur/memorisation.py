r"""Memorisation against co-occurrence: how much of the margins the filler words carry when the loss is small.

A training margin y_i F_i is a sum over key positions (:func:`cooccur.observables.margin_split`): the part on
mu_1, mu_2, mu_3 is the co-occurrence rule, the part on the filler words is memorisation (with distinct fillers,
Assumption 2.3(ii), each filler's G learns only its own sample's label). The *filler share* at a record is
sum_i filler_i / sum_i y_i F_i over the training samples.

At t = 0 (every g_i = 1/2, uniform attention) each word's G moves at a rate proportional to the sum of the labels
of the samples it occurs in (:func:`cooccur.measures.filler_rate_ratio`), so the share of the margins' initial
growth that the fillers carry is :func:`initial_filler_share`. With distinct fillers at the paper's proportions
every filler slot adds 1 to the sum of the margins' rates and the signal words add 2n^2/9 in all (type 1 gains
from mu_1 and mu_2, types 2 and 3 lose from them, mu_3 is pushed by as many labels +1 as -1), so the fillers'
rate is rho_0 = 9 (slots) / (2 n^2) = (9/2)(L - 7/3) / n times the rule's (a share rho_0 / (1 + rho_0) of 1/6 at
n = 60, L = 5): memorisation outpaces co-occurrence at the start when n < (9/2)(L - 7/3), a boundary along which
n grows linearly with L (:func:`boundary`). :func:`run_to_t_star`
measures the share at Theorem 3.3's T* (training loss 1/m) and the population loss there; a sweep of
``kind: memorisation`` (:mod:`cooccur.sweep`) makes one row per run this way. :func:`by_sample_count` reads
Theorem 3.3's population statement as the number of samples grows.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cooccur.claims import Run, check_all, fresh_batch, t_star_index, thm3_3_population
from cooccur.coordinates import Batch
from cooccur.data import FIRST_FILLER, DataConfig
from cooccur.escape import initial_push
from cooccur.experiment import Experiment, premise_setting
from cooccur.measures import PowerLawFit, loglog_slope, phase1_index, population_loss, power_law_fit
from cooccur.readings import Readings
from cooccur.runs import runs_of
from cooccur.trajectory import Trajectory


def filler_share(split: np.ndarray) -> float:
    """The fillers' share of the training margins: sum of the filler parts over the sum of the margins, from one
    record of ``Trajectory.margin_split`` (n, 2)."""
    return float(split[:, 1].sum() / split.sum())


def initial_filler_share(batch: Batch) -> float:
    """The fillers' share of the margins' growth rate at t = 0 (every g_i = 1/2, uniform attention): word k's G
    moves at a rate c_k proportional to the sum of y_i over its occurrences, and sample i's margin at
    y_i sum_h c_(tok_h); the share is sum_i of the filler terms over sum_i of all terms."""
    pushed = batch.y[:, None] * initial_push(batch)[batch.tokens]  # (n, L): what each position adds to its margin
    fillers = batch.tokens >= FIRST_FILLER
    return float(pushed[fillers].sum() / pushed.sum())


def state_at(experiment: Experiment, t: float) -> Trajectory:
    """``experiment`` run again to time ``t`` with every word recorded at 0 and ``t`` only (A, VV at d x d twice:
    46 MB each at d = 2 400): what the population loss at a chosen time needs from a run recorded on the signal
    words. The solver takes the same steps up to ``t`` as the first run (its steps do not depend on the horizon
    before the last), so the state is the first run's up to the dense output's error (below ``sim.rtol``)."""
    sim = dataclasses.replace(experiment.sim, T=t, step=min(experiment.sim.step, t), record="full")
    return dataclasses.replace(experiment, sim=sim).simulate(times=np.array([0.0, t]))


def run_to_t_star(experiment: Experiment, keep_trajectory: bool = False) -> tuple[dict[str, Any], Trajectory | None]:
    """Run ``experiment`` (best recorded with ``sim.record="signal"`` at large d) and measure, at T1 and at T* (the
    first record with training loss <= 1/m, :func:`cooccur.claims.t_star_index`): the filler share of the margins
    (``filler_share.T1``, ``filler_share.T_star``), the population loss at T* (``population_loss.T_star``, on
    :func:`cooccur.claims.fresh_batch`, from :func:`state_at`), ``T_star`` and ``T1``, with the initial share
    (``filler_share.initial``, :func:`initial_filler_share`) and every verdict of :func:`cooccur.claims.check_all`
    (``<claim>.holds``; NaN when undecided). The T* columns are NaN when the run never reaches 1/m. Raises when a
    run fails (the sweep makes it an error row)."""
    traj = experiment.simulate()
    run = Run(experiment, traj)
    batch = run.batch
    row: dict[str, Any] = {"T1": float(traj.T1), "filler_share.initial": initial_filler_share(batch),
                           "final_loss": float(traj.loss[-1]), "n_grad_evals": int(traj.n_grad_evals)}
    row["filler_share.T1"] = filler_share(traj.margin_split[phase1_index(traj)]) if np.isfinite(traj.T1) else math.nan
    k = t_star_index(run)
    if k is None:
        row.update({"T_star": math.nan, "filler_share.T_star": math.nan, "population_loss.T_star": math.nan})
    else:
        t_star = float(traj.t[k])
        at_t_star = state_at(experiment, t_star)
        row.update({"T_star": t_star, "filler_share.T_star": filler_share(traj.margin_split[k]),
                    "population_loss.T_star": population_loss(at_t_star, fresh_batch(experiment),
                                                              experiment.model.m)})
    for claim, verdict in check_all(experiment, traj).items():
        row[f"{claim}.holds"] = math.nan if verdict.undecided else float(verdict.holds)
    return row, traj if keep_trajectory else None


def odds(share):
    """share / (1 - share): the fillers' part of the margins over the signal words' part (arrays allowed)."""
    share = np.asarray(share, dtype=float)
    return share / (1 - share)


@dataclass(frozen=True)
class Boundary:
    """Where memorisation overtakes co-occurrence at T*, from a ``kind: memorisation`` sweep table.

    ``fit``: the power law odds(share at T*) = prefactor x odds(initial share)^exponent over its runs, odds as
    :func:`odds`. ``initial_odds``: the initial odds rho_0 at which the fitted odds at T* reach 1 (the fillers carry
    half of the margins), against 1 for the initial rates alone. With distinct fillers rho_0 = (9/2)(L - 7/3) / n,
    so the boundary is n = ``slope`` (L - 7/3), against 9/2 for the initial rates.
    """

    fit: PowerLawFit
    initial_odds: float
    slope: float


def boundary(table) -> Boundary:
    """:class:`Boundary` from the finished runs of a ``kind: memorisation`` sweep table that reached T*."""
    done = table[(table["error"].fillna("") == "") & table["filler_share.T_star"].notna()]
    fit = power_law_fit(odds(done["filler_share.initial"]), odds(done["filler_share.T_star"]))
    initial = fit.prefactor ** (-1 / fit.exponent)
    return Boundary(fit, float(initial), float(4.5 / initial))


@dataclass(frozen=True)
class SampleCountStudy:
    """Theorem 3.3's population statement (``thm3.3.population``) on the premise setting with more samples.

    ``verdicts[n]`` holds one verdict per seed; ``premises_met[n]`` counts the seeds whose premises held;
    ``split`` maps ``"n = N, seed 0"`` to seed 0's ``(t, type-2 margin split (R, n2, 2), T1, T*)`` at the smallest
    and the largest n (:func:`cooccur.plots.margin_split`)."""

    verdicts: dict[int, list]
    premises_met: dict[int, int]
    split: dict[str, tuple]

    def median(self, n: int, key: str) -> float:
        """The median of a measured number at ``n`` over the seeds that reached T* (NaN if none did)."""
        reached = [v.measured[key] for v in self.verdicts[n] if np.isfinite(v.measured["T_star"])]
        return float(np.median(reached)) if reached else math.nan

    def held(self, n: int) -> int:
        return sum(v.holds for v in self.verdicts[n])

    def rows(self) -> list[dict[str, Any]]:
        """One table row per n: premises met, T*, the population loss at T* over the target 1/m, how many seeds
        hold, and the type-2 margin's parts from the signal words and the fillers (medians over seeds)."""
        rows = []
        for n, verdicts in self.verdicts.items():
            undecided = sum(v.undecided for v in verdicts)
            rows.append({"samples n": n, "premises met": f"{self.premises_met[n]} of {len(verdicts)}",
                         "T* (median)": f"{self.median(n, 'T_star'):.3g}",
                         "population loss at T*, x 1/m": f"{self.median(n, 'population_over_target'):.2f}",
                         "holds (<= K/m)": f"{self.held(n)} of {len(verdicts)}"
                         + (f" ({undecided} undecided: no T*)" if undecided else ""),
                         "type-2 margin from signal words": f"{self.median(n, 'type2_margin_core'):.2f}",
                         "from fillers": f"{self.median(n, 'type2_margin_filler'):.2f}"})
        return rows

    def exponent(self) -> float:
        """The log-log slope of the median population loss at T* (over 1/m) against n."""
        return loglog_slope(list(self.verdicts), [self.median(n, "population_over_target") for n in self.verdicts])

    def readings(self) -> Readings:
        """At the smallest and the largest n (``_small``, ``_large``): the medians of the population loss over 1/m
        (``count_pop_ratio_``), of the type-2 margin's parts (``count_core_``, ``count_filler_``), and the seeds
        that hold (``count_held_``); the two n, and the exponent of n (``pop_n_exponent``)."""
        small, large = min(self.verdicts), max(self.verdicts)
        out = Readings({"pop_n_exponent": self.exponent(), "n_small": small, "n_large": large})
        for n, size in ((small, "small"), (large, "large")):
            for name, key in (("pop_ratio", "population_over_target"), ("core", "type2_margin_core"),
                              ("filler", "type2_margin_filler")):
                out.numbers[f"count_{name}_{size}"] = self.median(n, key)
            out.numbers[f"count_held_{size}"] = self.held(n)
        return out


def by_sample_count(sample_counts: list[int], seeds: int, T: float) -> SampleCountStudy:
    """Run :func:`cooccur.experiment.premise_setting` (horizon ``T``) with n samples for each of ``sample_counts``
    (d grown to keep every filler distinct), seeds 0 to ``seeds - 1``, one run at a time (at n = 120 a trajectory's
    (d, d) records take about 1 GB), and check ``thm3.3.population`` on each."""
    verdicts, met, split = {}, {}, {}
    for n in sample_counts:
        verdicts[n], met[n] = [], 0
        for seed in range(seeds):
            experiment = premise_setting(seed, T=T, data={"n": n, "d": DataConfig(n=n, L=5).fillers_needed() + 3})
            (run,) = runs_of([experiment])
            verdicts[n].append(thm3_3_population(run))
            met[n] += run.premise_met()
            if seed == 0 and n in (min(sample_counts), max(sample_counts)):
                k = t_star_index(run)
                split[f"n = {n}, seed 0"] = (run.traj.t, run.traj.margin_split[:, run.batch.types == 2], run.traj.T1,
                                             float(run.traj.t[k]) if k is not None else math.nan)
            del run
    return SampleCountStudy(verdicts, met, split)
