r"""The infinite-width limit of the Gram flow, and how fast finite widths approach it.

Under Condition 1 (sigma0 = s / sqrt(L m), sigma1 = s / sqrt(m1)) the initial Gram matrices concentrate as m grows:
QQ, KK, VV on (s^2 / L) I, A on 0, ||W^T a||^2 / m on s^2, each with relative fluctuations of order m^-1/2. The
initial output does not: G(0) = u^T W_V tends in law to N(0, (s^4 / L) I), of order one at every width. So the
flow has two candidate limits (:meth:`cooccur.coordinates.GramState.limit`):

* the **mean** start (``sim.start="mean"``), every Gram quantity at its expectation, G(0) = 0 included: one
  deterministic run;
* the **limit** start (``sim.start="limit"``), the matrices at their limit but G(0) kept from the width-m draw:
  the run a width-m run tends to once its matrices have concentrated, random only through G(0).

:func:`run_pair` runs a width-m run (``sim.start="wishart"``) next to both, on the same data and recording grid,
and measures how far it stays from each (:data:`DISTANCES`). :func:`fluctuation_exponents` fits each distance
against m. A sweep of ``kind: width_limit`` (:mod:`cooccur.sweep`) makes one row per (width, seed) this way.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd

from cooccur.claims import check_all
from cooccur.experiment import Experiment
from cooccur.measures import PowerLawFit, power_law_fit
from cooccur.model import phase1_rate
from cooccur.trajectory import Trajectory

#: The starts a width-m run is compared with.
LIMITS = ("limit", "mean")

#: What :func:`distances` measures between a width-m run and a reference run on the same times, each a number >= 0:
DISTANCES = {
    "T1": "|T1 - T1_ref| / T1_ref: the end of Phase 1 (the T1 rule of cooccur.observables)",
    "loss": "max over the records of |L(t) - L_ref(t)|: the training loss",
    "G": "max over the records of ||G(t) - G_ref(t)|| / max over the records of ||G_ref(t)||: every word's G",
    "scores": "max over the records and the signal words of |A(t) - A_ref(t)| / sqrt(m): the attention scores",
}


def reference(experiment: Experiment, start: str) -> Experiment:
    """``experiment`` started from ``start`` ("limit" or "mean") instead: same data, widths, horizon and records."""
    if start not in LIMITS:
        raise ValueError(f"start must be one of {', '.join(LIMITS)}, got {start!r}")
    return dataclasses.replace(experiment, sim=dataclasses.replace(experiment.sim, start=start))


def distances(run: Trajectory, ref: Trajectory, m: int) -> dict[str, float]:
    """:data:`DISTANCES` between ``run`` and ``ref`` (recorded on the same times, e.g. :func:`reference`); the T1
    distance is NaN when either run has no T1."""
    if run.t.shape != ref.t.shape or not np.array_equal(run.t, ref.t):
        raise ValueError("the two runs must be recorded on the same times")
    g_gap = np.linalg.norm(run.G - ref.G, axis=-1).max()
    w = min(run.words_recorded, ref.words_recorded)
    t1 = abs(run.T1 - ref.T1) / ref.T1 if np.isfinite(run.T1) and np.isfinite(ref.T1) else math.nan
    return {
        "T1": float(t1),
        "loss": float(np.abs(run.loss - ref.loss).max()),
        "G": float(g_gap / np.linalg.norm(ref.G, axis=-1).max()),
        "scores": float(np.abs(run.A[:, :w, :w] - ref.A[:, :w, :w]).max() / math.sqrt(m)),
    }


def run_pair(experiment: Experiment, keep_trajectory: bool = False) -> tuple[dict[str, Any], Trajectory | None]:
    """Run ``experiment`` (a width-m run, normally ``sim.start="wishart"``) and its :data:`LIMITS` and measure:
    ``T1_x_rate`` for each (``T1_x_rate``, ``limit.T1_x_rate``, ``mean.T1_x_rate``; T1 times the Phase-1 rate of
    :func:`cooccur.model.phase1_rate`), the distances of the width-m run from each (``limit.dist.<name>``,
    ``mean.dist.<name>`` for :data:`DISTANCES`) and every verdict of :func:`cooccur.claims.check_all` on each
    (``<claim>.holds``, ``limit.<claim>.holds``, ``mean.<claim>.holds``; NaN when undecided). Returns the columns
    and the width-m trajectory if kept. A failing run raises (the sweep makes it an error row)."""
    rate = phase1_rate(experiment.model, experiment.data.L)
    runs = {"": experiment, **{start: reference(experiment, start) for start in LIMITS}}
    trajs = {name: exp.simulate() for name, exp in runs.items()}
    row: dict[str, Any] = {}
    for name, traj in trajs.items():
        prefix = f"{name}." if name else ""
        row[f"{prefix}T1_x_rate"] = float(traj.T1) * rate
        for claim, verdict in check_all(runs[name], traj).items():
            row[f"{prefix}{claim}.holds"] = math.nan if verdict.undecided else float(verdict.holds)
    for start in LIMITS:
        for key, value in distances(trajs[""], trajs[start], experiment.model.m).items():
            row[f"{start}.dist.{key}"] = value
    return row, trajs[""] if keep_trajectory else None


def fluctuation_exponents(table: pd.DataFrame, start: str = "limit", level: float = 0.95) -> dict[str, PowerLawFit]:
    """For each of :data:`DISTANCES`, the power law distance ~ m^a fitted over every finished row of a
    ``kind: width_limit`` sweep (one point per width and seed; :func:`cooccur.measures.power_law_fit`, with its
    ``level`` interval). Rows whose distance is 0 or NaN are left out of that fit."""
    done = table[table["error"].fillna("") == ""]
    fits = {}
    for key in DISTANCES:
        values = done[f"{start}.dist.{key}"].to_numpy(dtype=float)
        keep = np.isfinite(values) & (values > 0)
        fits[key] = power_law_fit(done["model.m"].to_numpy(dtype=float)[keep], values[keep], level)
    return fits


def verdict_agreement(table: pd.DataFrame, claims: list[str], start: str = "limit") -> pd.DataFrame:
    """Per claim: the share of (width, seed) rows on which it holds at width m, and on its ``start`` run, and the
    share of rows where the two verdicts agree (rows where either is undecided are left out)."""
    done = table[table["error"].fillna("") == ""]
    rows = []
    for claim in claims:
        finite, ref = done[f"{claim}.holds"].astype(float), done[f"{start}.{claim}.holds"].astype(float)
        both = finite.notna() & ref.notna()
        rows.append({"claim": claim, "runs": int(both.sum()),
                     "holds at width m": float(finite[both].mean()) if both.any() else math.nan,
                     f"holds on the {start} start": float(ref[both].mean()) if both.any() else math.nan,
                     "agree": float((finite[both] == ref[both]).mean()) if both.any() else math.nan})
    return pd.DataFrame(rows)
