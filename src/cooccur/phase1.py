"""What the Phase-1 chapter reads off its runs (Theorem 3.1, Lemmas 4.1 to 4.3): the numbers it quotes from one
seed's verdicts in each setting, which sequence types rise first under four initialisations, and Theorem 3.1's
orders over decades of width.

Each function returns :class:`~cooccur.readings.Readings` under the glue names the chapter's prose cites; a
setting's numbers end in ``_paper`` or ``_premise``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cooccur import claims, measures
from cooccur.claims import Run, Verdict
from cooccur.experiment import WIDTH_HORIZON, Experiment, paper_setting, premise_setting, width_setting
from cooccur.orders import OrderSweep, order_sweep
from cooccur.readings import Readings
from cooccur.runs import runs_of

#: The statements of Phase 1 the chapter checks.
CLAIMS = ("thm3.1", "lemma4.1", "lemma4.2", "lemma4.3")
#: Theorem 3.1's table: what moved by T1 against what the theorem bounds it by (keys of the verdict's numbers).
THM31_ROWS = {
    "score correlations, max change over [0, T1]": ("scores_moved", "scores_bound"),
    "value correlations W_V^T W_V, max change": ("values_moved", "values_bound"),
    "neuron correlations, Δ‖W^T a‖² / m1² (their weighted mean)": ("neuron_moved", "neuron_bound"),
    "neuron correlations, any pair: upper bound on its change": ("neuron_pair_moved", "neuron_bound"),
    "W_K^T W_K, max change": ("KK_moved", "KK_bound"),
    "W_Q^T W_Q, max change": ("QQ_moved", "QQ_bound"),
    "filler words: max change of G since t = 0": ("filler_G_change", "filler_G_scale"),
}
#: The verdicts' numbers the prose quotes per setting: ``{claim: {glue stem: key of Verdict.measured}}``.
MEASURED = {
    "thm3.1": {"G1_T1": "G1", "G2_T1": "G2", "G3_T1": "G3", "loss_ratio_T1": "loss_T1_over_loss_0",
               "min_margin_T1": "min_margin", "filler_change": "filler_G_change", "filler_scale": "filler_G_scale",
               "filler_share": "filler_share", "filler_ratio": "filler_rate_ratio",
               "filler_kernel": "filler_kernel_ratio", "filler_over_kernel": "filler_share_over_kernel",
               "wa_growth": "wa_sq_growth", "VV_growth": "VV_growth"},
    "lemma4.1": {"ratio_G1": "ratio_G1", "ratio_G2": "ratio_G2"},
    "lemma4.2": {"rate_ratio": "rate_ratio"},
    "lemma4.3": {"t_half_frac": "T0.5_over_T1", "C": "C"},
}


def seed_readings(runs: dict[str, Run], verdicts: dict[str, dict[str, Verdict]]) -> Readings:
    """The numbers the chapter quotes from one seed's runs in each setting (:data:`MEASURED`, T1, how far the
    filler words' G moved against its scale), the two sandwich ratios of Lemma 4.3 at the paper's setting's last
    record before T1, and the constants the verdicts use."""
    out = Readings({"K": claims.ORDER_CONSTANT, "lazy_growth": claims.LAZY_GROWTH, "t1_margin": claims.T1_MARGIN,
                    "much_smaller": claims.MUCH_SMALLER})
    for name, run in runs.items():
        thm31 = verdicts[name]["thm3.1"].measured
        out.numbers.update({f"T1_{name}": run.traj.T1,
                            f"filler_factor_{name}": thm31["filler_G_change"] / thm31["filler_G_scale"]})
        for claim, names in MEASURED.items():
            out.numbers.update({f"{glue}_{name}": verdicts[name][claim].measured.get(key, np.nan)
                                for glue, key in names.items()})
    traj = runs["paper"].traj
    last = int(np.flatnonzero(traj.t < traj.T1)[-1])  # the last record before T1
    lower, upper = measures.sandwich_ratios(traj)
    out.numbers.update({"lower_last_paper": lower[last], "upper_last_paper": upper[last]})
    return out


def initialisations(n_seeds: int, T: float) -> dict[str, list[Experiment]]:
    """The four initialisations Lemma 4.2 is read under, seeds 0 to ``n_seeds - 1``: the paper's data and widths
    at the theory's scales, Kaiming's, a small one (sigma = 0.01), and the premise setting."""
    seeds = range(n_seeds)
    return {
        "theory's scales": [paper_setting(s, T=T) for s in seeds],
        "Kaiming": [paper_setting(s, init="kaiming", T=T) for s in seeds],
        "small init (σ = 0.01)": [paper_setting(s, T=T, model={"sigma0": 0.01, "sigma1": 0.01}) for s in seeds],
        "premise setting": [premise_setting(s, T=T) for s in seeds],
    }


@dataclass(frozen=True)
class RiseFirst:
    """``runs[name]``: the runs of each initialisation of :func:`initialisations`; ``summary[name]``: Lemma 4.2
    over them (:func:`cooccur.claims.rise_first_summary`)."""

    runs: dict[str, list[Run]]
    summary: dict[str, dict[str, float]]

    def rows(self) -> list[dict[str, str]]:
        """One table row per initialisation: the median |F(0)| and, of the runs, how many meet the small-output
        premise, rise first (types 2 and 3) and satisfy Lemma 4.2."""
        labels = (("small-output premise met", "premise"), ("types 2 and 3 rise first", "rise"),
                  ("Lemma 4.2 holds", "held"))
        return [{"initialisation": name, "median of median $\\lvert F(0)\\rvert$": f"{r['out0']:.3f}",
                 **{label: f"{r[key]} of {r['runs']}" for label, key in labels}} for name, r in self.summary.items()]

    def readings(self) -> Readings:
        """Per initialisation (``theory``, ``kaiming``, ``small``, ``premise``): the median |F(0)| (``out0_``), the
        runs that rise first (``rise_``) and satisfy Lemma 4.2 (``lemma42_``); the runs of the premise setting and
        of the theory's scales on which Lemma 4.3 holds (``sandwich_<key>_seeds``); the seeds per initialisation."""
        out = Readings({"n_seeds": len(next(iter(self.runs.values())))})
        for key, r in zip(("theory", "kaiming", "small", "premise"), self.summary.values()):
            out.numbers.update({f"out0_{key}": r["out0"], f"rise_{key}": r["rise"], f"lemma42_{key}": r["held"]})
        for key, name in (("premise", "premise setting"), ("theory", "theory's scales")):
            out.numbers[f"sandwich_{key}_seeds"] = sum(claims.lemma4_3(r).holds for r in self.runs[name])
        return out


def rise_first(n_seeds: int, T: float) -> RiseFirst:
    """Run every initialisation of :func:`initialisations` and read Lemma 4.2 on each."""
    runs = {name: runs_of(exps) for name, exps in initialisations(n_seeds, T).items()}
    return RiseFirst(runs, {name: claims.rise_first_summary(rs) for name, rs in runs.items()})


def width_orders(widths: list[int], scales: list[float], seeds: int) -> tuple[OrderSweep, Readings]:
    """Theorem 3.1's order statements (:data:`cooccur.claims.WIDTH_ORDERS`) over ``widths`` at each initial scale
    (:func:`cooccur.experiment.width_setting`, one width at a time, each run kept without its (R, d, d) records),
    and the chapter's readings of them under ``order_``: the decades and seeds swept, the horizon, one log factor's
    slope, and every decided verdict's exponent and interval."""
    sweep = order_sweep(width_setting, widths, scales, seeds)
    out = sweep.readings("order")
    m = sweep.widths
    out.numbers.update({"order_decades": float(np.log10(m.max() / m.min())), "order_seeds": seeds,
                        "order_horizon": WIDTH_HORIZON, "order_statements": len(claims.WIDTH_ORDERS),
                        "order_log_slope": sweep.orders[sweep.main_scale]["T1"].measured["log_slope"]})
    return sweep, out
