"""What the chapter "Beyond the paper" reads off its sweep tables (:mod:`cooccur.sweep`), one function per section.

Each returns the numbers the chapter quotes and its short phrases by glue name (:class:`~cooccur.readings.Readings`),
so that every number of the section traces to one named computation here:

- :func:`limit_readings`: the fluctuation exponents of a width-m run about its infinite-width limit
  (:mod:`cooccur.limit`), and :func:`limit_agreement`: how often the statements' verdicts agree there;
- :class:`LazyRich` (:func:`lazy_rich`): lazy against rich Phase 1 over kappa = (sigma0^2 + sigma1^2) m sqrt(m1)
  (:mod:`cooccur.escape`);
- :func:`memorisation_readings`: the fillers' share of the margins and the population loss at T*
  (:mod:`cooccur.memorisation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cooccur import escape, limit, memorisation
from cooccur.claims import LAZY_GROWTH, SMALL_OUTPUT
from cooccur.coordinates import Batch
from cooccur.data import DataConfig, make_dataset
from cooccur.measures import PowerLawFit, power_law_fit
from cooccur.readings import Readings
from cooccur.sweep import finished


def limit_readings(table: pd.DataFrame) -> tuple[dict[str, dict[str, PowerLawFit]], Readings]:
    """Section 1, from a ``kind: width_limit`` table: the fits of every distance against m from each reference
    (:func:`cooccur.limit.fluctuation_exponents`, ``fits[start][name]``), T1 x rate at the widest width for the run
    and both references, the spread of T1 x rate over the mean start's there, the loss gap's floor above m = 10^5,
    and whether the G and loss exponents' intervals contain -1/2."""
    fits = {start: limit.fluctuation_exponents(table, start) for start in limit.LIMITS}
    ends = (("", "exponent"), ("_low", "low"), ("_high", "high"))
    numbers = {f"{start}_exp_{name}{end}": getattr(fit, field) for start, by_name in fits.items()
               for name, fit in by_name.items() for end, field in ends}
    done = finished(table)
    widest = done.query("`model.m` == `model.m`.max()")
    for column, key in (("T1_x_rate", "wishart"), ("limit.T1_x_rate", "limit"), ("mean.T1_x_rate", "mean")):
        numbers[f"t1_rate_widest_{key}"] = float(widest[column].median())
    ratio = widest["T1_x_rate"] / widest["mean.T1_x_rate"]
    loss_tail = done.groupby("model.m")["limit.dist.loss"].median()
    numbers.update({"widest_m": int(widest["model.m"].iloc[0]), "t1_ratio_low": float(ratio.min()),
                    "t1_ratio_high": float(ratio.max()),
                    "loss_floor": float(loss_tail[loss_tail.index >= 1e5].median())})
    texts = {f"limit_{name}_verdict": "contains" if fits["limit"][name].low <= -0.5 <= fits["limit"][name].high
             else "excludes" for name in ("G", "loss")}
    return fits, Readings(numbers, texts=texts)


def limit_agreement(table: pd.DataFrame, claims: list[str]) -> tuple[list[dict[str, Any]], Readings]:
    """Section 1's table: per statement decided on some row, how often it holds at width m and on the limit start,
    and how often the two verdicts agree (:func:`cooccur.limit.verdict_agreement`); and the statements decided on
    no row, the lowest agreement, and the share of rows where attention stays uniform at width m."""
    agreement = limit.verdict_agreement(table, claims)
    readings = Readings({"limit_agree_min": float(agreement["agree"].min()),
                         "limit_uniform_share": float(agreement.set_index("claim").loc["attention_uniform",
                                                                                      "holds at width m"])},
                        texts={"limit_undecided": ", ".join(agreement.query("runs == 0")["claim"]) or "none"})
    return agreement.query("runs > 0").to_dict("records"), readings


@dataclass(frozen=True)
class LazyRich:
    """Section 2: the m-free curve (``curve``: the ``escape`` table's finished runs by initial scale, with
    ``kappa``), the ``lazy`` table's finished runs with their ``kappas``, the labels' initial push ||c|| (``push``,
    :func:`cooccur.escape.initial_push`), the fitted escape level z* (``level``), where the larger growth crosses
    the lazy bound on the curve (``kappa_bound``), the boundary scale measured at each width (``boundary``) and the
    grid cells where Condition 1 and the small-output premise hold but Phase 1 is rich (``conflict``)."""

    curve: pd.DataFrame
    lazy: pd.DataFrame
    kappas: pd.Series
    push: float
    level: float
    kappa_bound: float
    boundary: dict[float, float]
    conflict: pd.DataFrame
    L: int

    def readings(self) -> Readings:
        """The numbers the section quotes, and whether the boundary's fitted exponent contains -1/4."""
        curve, lazy = self.curve, self.lazy
        on_curve = np.exp(np.interp(np.log(self.kappas), np.log(curve["kappa"]), np.log(curve["T1_x_rate"])))
        ratio = lazy["T1_x_rate"].to_numpy() / on_curve
        small = lazy["premise.small_output"].astype(bool).to_numpy()
        at_one = lazy["axis.init_scale"].to_numpy() == 1.0
        fit = self.boundary_fit()
        widths = np.geomspace(32, 1e12, 4000)
        scale = self.boundary_scale(widths)
        numbers = {"push": self.push, "escape_level": self.level, "small_output_threshold": SMALL_OUTPUT,
                   "lazy_t1_rate": float(curve["T1_x_rate"].iloc[-1]),
                   "kappa_bound": self.kappa_bound, "lazy_bound": LAZY_GROWTH,
                   "collapse_small": float(np.median(np.abs(ratio - 1)[small])),
                   "collapse_s1": float(np.median(ratio[at_one])),
                   "boundary_exp": fit.exponent, "boundary_exp_low": fit.low, "boundary_exp_high": fit.high,
                   "boundary_s_128": float(np.interp(128, widths, scale)),
                   "boundary_s_1e6": float(np.interp(1e6, widths, scale)),
                   "conflict_ends": float(widths[np.argmax(scale < 1 / (2 * np.log(widths)))]),
                   "conflict_cells": len(self.conflict), "boundary_s_32": self.boundary.get(32.0, float("nan")),
                   "widths_below": sum(1 / (2 * np.log(m)) < s for m, s in self.boundary.items()),
                   "widths_measured": len(self.boundary),
                   "rich_growth_at_min": float(curve["thm3.1.wa_sq_growth"].iloc[0]),
                   "rich_growth_theory": float(escape.wa_growth(curve["kappa"].iloc[0], curve["sigma0"].iloc[0],
                                                                curve["sigma1"].iloc[0], self.level))}
        return Readings(numbers, texts={"boundary_verdict": "contains" if fit.low <= -0.25 <= fit.high else "excludes"})

    def boundary_fit(self) -> PowerLawFit:
        """The measured boundary scale against m (a power law; -1/4 is predicted)."""
        return power_law_fit(list(self.boundary), list(self.boundary.values()))

    def boundary_scale(self, widths: np.ndarray) -> np.ndarray:
        """The boundary's initial scale s at each width (m1 = m) that puts kappa = s^2 sqrt(m) (1 + 1/L) at the
        crossing ``kappa_bound``."""
        return np.sqrt(self.kappa_bound / (np.sqrt(widths) * (1 + 1 / self.L)))

def lazy_rich(escape_table: pd.DataFrame, lazy_table: pd.DataFrame, data: DataConfig) -> LazyRich:
    """Section 2 from the ``escape`` sweep (the mean start at a large width over initial scales) and the ``lazy``
    sweep (widths x scales, on the data ``data``): the escape level is fitted on the curve where kappa >= 100."""
    curve = finished(escape_table).sort_values("axis.init_scale").copy()
    curve["kappa"] = escape.kappa(curve["sigma0"], curve["sigma1"], curve["model.m"], curve["model.m1"])
    lazy = finished(lazy_table)
    kappas = escape.kappa(lazy["sigma0"], lazy["sigma1"], lazy["model.m"], lazy["model.m1"])
    push = float(np.linalg.norm(escape.initial_push(Batch.from_dataset(make_dataset(data)))))
    wide = curve["kappa"] >= 100
    level = escape.fit_escape_level(curve["kappa"][wide], curve["T1_x_rate"][wide], push)
    kappa_bound = escape.crossing(curve["kappa"], curve[list(escape.GROWTH_COLUMNS)].max(axis=1), LAZY_GROWTH)
    boundary = {m: s for m, s in escape.lazy_boundary(lazy_table, LAZY_GROWTH).items() if np.isfinite(s)}
    cells = lazy.groupby(["axis.init_scale", "model.m"])[["premise.condition1", "premise.small_output",
                                                          "premise.lazy_phase1"]].min().astype(bool)
    conflict = cells[cells["premise.condition1"] & cells["premise.small_output"] & ~cells["premise.lazy_phase1"]]
    return LazyRich(curve, lazy, kappas, push, level, kappa_bound, boundary, conflict, data.L)


def memorisation_readings(distinct_table: pd.DataFrame, shared_table: pd.DataFrame) -> Readings:
    """Section 3, from the ``memorisation`` sweep (distinct fillers) and the ``shared`` one (the paper's d = 64):
    the boundary fit (:func:`cooccur.memorisation.boundary`), the shares and population losses at T*, how the
    boundary compares with Condition 1's n >= L^2 (slope 28/3 in n against L - 7/3 at L = 7), the structure
    verdicts, and the share at T* over the share at T1."""
    found = memorisation.boundary(distinct_table)
    distinct, shared = finished(distinct_table), finished(shared_table)
    uses = shared["data.n"] * (shared["data.L"] - 7 / 3) / (shared["data.d"] - 3)  # filler slots per filler word
    pop = "population_loss.T_star"
    numbers: dict[str, Any] = {
        "uses_low": float(uses.min()), "uses_high": float(uses.max()), "mem_exp": found.fit.exponent,
        "mem_exp_low": found.fit.low, "mem_exp_high": found.fit.high, "mem_prefactor": found.fit.prefactor,
        "mem_initial_odds": found.initial_odds, "mem_slope": found.slope, "cond1_vs_boundary": 28 / 3 / found.slope,
        "mem_share_max": float(distinct["filler_share.T_star"].max()),
        "mem_share_shared_max": float(shared["filler_share.T_star"].max()),
        "largest_n": int(distinct["data.n"].max()), "largest_L": int(distinct["data.L"].max()),
        "pop_max": float(distinct[pop].max()), "pop_max_over_train": float(distinct[pop].max()
                                                                            * distinct["model.m"].iloc[0]),
        "mem_reached": int(distinct["T_star"].notna().sum()),
        "mem_t_star_over_t1": float((distinct["filler_share.T_star"] / distinct["filler_share.T1"]).median())}
    for L, rows in distinct.groupby("data.L"):
        numbers[f"pop_exp_L{L}"] = power_law_fit(rows["data.n"] / L, rows[pop]).exponent
    for name, t in {"distinct": distinct, "shared": shared}.items():
        largest = t.query("`data.n` == `data.n`.max() and `data.L` == `data.L`.max()")
        numbers[f"pop_largest_{name}"] = float(largest[pop].median())
        numbers[f"pop_L3_{name}"] = float(t.groupby("data.L")[pop].median().iloc[0])
    structure = [t["thm3.3.structure.holds"].dropna() for t in (distinct, shared)]
    numbers.update({"structure_decided": sum(len(v) for v in structure),
                    "structure_holds": int(sum(v.sum() for v in structure))})
    return Readings(numbers, texts={"cond1_share": "less than" if 28 / 3 > found.slope else "up to"})
