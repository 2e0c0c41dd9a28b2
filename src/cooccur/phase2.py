"""What the Phase-2 and balancing chapters read off their runs (Theorems 3.2 and 3.3, Lemmas 4.4 and 4.5): the
numbers they quote from one seed's verdicts in each setting, the attention's tilt over sequence lengths, Theorem
3.3's orders over widths at T*, and the balance of the types' gradients under stress.

Each function returns :class:`~cooccur.readings.Readings` under the glue names the chapter's prose cites; a
setting's numbers end in ``_paper`` or ``_premise`` (:func:`cooccur.experiment.both_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cooccur import claims, measures
from cooccur.claims import Run, Verdict
from cooccur.data import DataConfig, make_dataset
from cooccur.experiment import T_STAR_HORIZON_PER_M, WIDTH_HORIZON, paper_setting, premise_setting, t_star_setting
from cooccur.flow import simulate
from cooccur.model import init_params
from cooccur.orders import OrderSweep, order_sweep
from cooccur.readings import Readings
from cooccur.runs import runs_of
from cooccur.trajectory import Trajectory

#: The statements of Theorems 3.2 and 3.3 the chapter checks on every seed of both settings.
CLAIMS = ("thm3.2.scores", "thm3.2.values", "thm3.2.margins", "attention_uniform", "thm3.3.loss",
          "thm3.3.population", "thm3.3.structure")
#: The paper's widths and data (m = 128, L = 5, n = 60), where the filler bound's ratio is quoted.
PAPER_M, PAPER_L, PAPER_N = 128, 5, 60


def seed_readings(runs: dict[str, list[Run]], verdicts: dict[str, list[dict[str, Verdict]]], seed: int) -> Readings:
    """The numbers the chapter quotes from ``seed``'s verdicts in each setting: the score correlations' changes
    over Phase 2 (``dA_21_<setting>``: query mu1's score on key mu2, and so on), the margin sums' worst values, the
    attention's tilt against its rate, T* and the losses there, the late loss slope, the structure's ratios; and
    the final filler G of the paper's setting (mean and smallest)."""
    out = Readings({"seed": seed, "n_seeds": len(runs["paper"]), "t1_margin": claims.T1_MARGIN,
                    "n_fresh": claims.N_FRESH, "loss_target": 1 / runs["paper"][seed].m,
                    "predicted_ratio": claims.filler_ratio_prediction(PAPER_M, PAPER_L, PAPER_N)})
    for name in runs:
        v = verdicts[name][seed]
        for label, value in v["thm3.2.scores"].measured.items():  # "A[mu2,mu1] ..." -> dA_21_<name>
            out.numbers[f"dA_{label.split()[0].replace('A[mu', '').replace(',mu', '').replace(']', '')}_{name}"] = value
        for k in (1, 2):
            out.numbers[f"neg_min_G{k}G3_{name}"] = -v["thm3.2.margins"].measured[f"min signed G{k}+G3"]
        measured = {"attention_uniform": {"attn_rise": "tilt_mu1_mu2", "attn_ratio": "ratio_mu1->mu2",
                                          "attn_change": "max_change"},
                    "thm3.3.loss": {"loss_end": "loss_end", "T_star": "T_star", "T_star_T1": "T_star_over_T1"},
                    "thm3.3.population": {"pop_ratio": "population_over_target"},
                    "thm3.3.structure": {"core_over_filler": "core_over_filler", "C_order_low": "min_C_over_prediction",
                                         "C_order_high": "max_C_over_prediction"}}
        for claim, names in measured.items():
            out.numbers.update({f"{glue}_{name}": v[claim].measured.get(key, np.nan) for glue, key in names.items()})
        out.numbers[f"pop_ratio_max_{name}"] = max(x["thm3.3.population"].measured.get("population_over_target", np.nan)
                                                   for x in verdicts[name])
        out.numbers[f"loss_slope_{name}"] = measures.late_loss_slopes(runs[name][seed].traj)[0]
    final_G = runs["paper"][seed].traj.G[-1]
    out.numbers.update({"filler_G_mean": final_G[3:].mean(), "filler_G_min": final_G[3:].min()})
    return out


#: The statements of the balancing chapter (Lemmas 4.4 and 4.5: the gradients of the sequence types balance).
BALANCE_CLAIMS = ("lemma4.4", "lemma4.5")


def balance_readings(runs: dict[str, list[Run]], verdicts: dict[str, list[dict[str, Verdict]]],
                     seed: int) -> Readings:
    """What the balancing chapter quotes from ``seed``'s run in each setting: Lemma 4.4's balance
    (:func:`cooccur.measures.balance_readings`, e.g. ``S23_min_paper``), Lemma 4.5's largest gaps (``gap_neg_``,
    ``gap_pos_``), and the late loss slope of each type with type 4's over type 1's."""
    out = Readings({"n_seeds": len(runs["paper"]), "balance_C": claims.BALANCE_C, "K": claims.ORDER_CONSTANT})
    for name, rs in runs.items():
        traj, lemma = rs[seed].traj, verdicts[name][seed]["lemma4.5"].measured
        out.numbers.update({f"{key}_{name}": value for key, value in measures.balance_readings(traj).items()})
        out.numbers.update({f"gap_neg_{name}": lemma.get("max S/(S2+S3+S4-S1)", np.nan),
                            f"gap_pos_{name}": lemma.get("max S/(S1-S2)", np.nan)})
        slopes = measures.late_loss_slopes(traj)
        out.numbers.update({**{f"slope_type{k}_{name}": slopes[k] for k in range(1, 5)},
                            f"type4_over_type1_{name}": slopes[4] / slopes[1]})
    return out


def balance_stress(base: Run, perturb_factor: float) -> tuple[dict[str, Trajectory], Readings]:
    """A run of the paper's setting (``base``) and two runs from its seed and horizon that start out of balance:
    unbalanced type proportions (15 type-2 against 5 type-3 sequences) and W_V's column that embeds mu_1 scaled by
    ``perturb_factor``. Returns the three trajectories by label and, per case (``base``, ``unbalanced``,
    ``perturbed``), S2/S3 at the start, T1 and the end (:func:`cooccur.measures.balance_ratio_readings`); and, for
    the unbalanced run, S2/S3 per sample and the ratio of the two types' losses at the end."""
    exp = base.experiment
    proportions = {"proportions": (1 / 2, 1 / 4, 1 / 12, 1 / 6)}
    unbalanced = paper_setting(exp.data.seed, T=exp.sim.T, data=proportions).run(cache=False)
    params = init_params(exp.model, exp.data.L)
    params.W_V[:, 0] *= perturb_factor  # the column of W_V that embeds mu_1
    perturbed = simulate(make_dataset(exp.data), params, exp.sim)
    cases = {"paper's setting": base.traj, "unbalanced types (15 vs 5)": unbalanced,
             f"W_V mu_1 x {perturb_factor:g}": perturbed}
    out = Readings({"perturb_factor": perturb_factor,
                    "unbalanced_per_sample": unbalanced.S_by_type[-1, 1] / 15 / (unbalanced.S_by_type[-1, 2] / 5),
                    "unbalanced_loss_ratio": unbalanced.loss_by_type[-1, 1] / unbalanced.loss_by_type[-1, 2]})
    for traj, key in zip(cases.values(), ("base", "unbalanced", "perturbed")):
        out.numbers.update({f"{key}_{name}": value for name, value in measures.balance_ratio_readings(traj).items()})
    return cases, out


def margin_rule(runs: dict[str, list[Run]], t1_margins: list[float]) -> tuple[dict[float, dict[str, int]], Readings]:
    """On how many runs of each setting item 3 of Theorem 3.2 holds when Phase 2 starts at each T1 rule c
    (:func:`cooccur.claims.held_by_margin`), and those counts as ``margins_c<100 c>_<setting>``."""
    held = claims.held_by_margin(runs, t1_margins)
    return held, Readings({f"margins_c{round(100 * c)}_{name}": k for c, by in held.items() for name, k in by.items()})


def t_star_structure(run: Run) -> np.ndarray:
    """The change of W_K^T W_Q's correlations from t = 0 to T* (to the run's end if it never gets there): (d, d)."""
    k = claims.t_star_index(run)
    return run.traj.A[run.traj.t.size - 1 if k is None else k] - run.traj.A[0]


@dataclass(frozen=True)
class LengthStudy:
    """The premise setting over sequence lengths: ``scaling``, the verdict on the attention tilt's exponent of L
    (:func:`cooccur.claims.attention_scaling`); ``tilts[i][s]``, the attention verdict of seed s at ``lengths[i]``."""

    lengths: list[int]
    scaling: Verdict
    tilts: list[list[Verdict]]

    def series(self, key: str) -> np.ndarray:
        """A measured number of every tilt verdict, (lengths, seeds): ``"tilt_mu1_mu2"`` or ``"prediction"``."""
        return np.array([[v.measured[key] for v in group] for group in self.tilts])

    def readings(self) -> Readings:
        """The fitted and predicted exponents of L with the fit's interval, the tilt over its rate at every length
        and seed (both entries; smallest and largest), one log factor's slope over the lengths, and the factor the
        exponents' gap makes over them."""
        s, lengths = self.scaling.measured, self.lengths
        ratios = np.array([[v.measured[f"ratio_{e}"] for e in ("mu1->mu2", "mu1->mu3")]
                           for group in self.tilts for v in group])
        return Readings({"attn_exponent": s["exponent"], "attn_exponent_low": s["low"], "attn_exponent_high": s["high"],
                         "attn_exponent_predicted": s["predicted_exponent"], "attn_max_scaled": s["max_change_x_L2"],
                         "attn_delta": measures.log_factor_slope(lengths), "attn_ratio_min": ratios.min(),
                         "attn_ratio_max": ratios.max(), "sweep_seeds": len(self.tilts[0]), "L_min": min(lengths),
                         "L_max": max(lengths), "attn_gap_factor": (max(lengths) / min(lengths))
                         ** abs(s["predicted_exponent"] - s["exponent"])})


def length_study(lengths: list[int], seeds: int, T: float) -> LengthStudy:
    """Run the premise setting at each of ``lengths`` (d grown to keep the fillers distinct; n = 60 >= L^2 up to
    L = 7), seeds 0 to ``seeds - 1``, horizon ``T``, and read the attention's tilt on each."""
    groups = [runs_of([premise_setting(s, T=T, data={"L": L, "d": DataConfig(L=L).fillers_needed() + 3})
                       for s in range(seeds)]) for L in lengths]
    scaling = claims.attention_scaling([r for group in groups for r in group])
    return LengthStudy(list(lengths), scaling, [[claims.attention_uniform(r) for r in group] for group in groups])


def t_star_orders(widths: list[int], scales: list[float], seeds: int) -> tuple[OrderSweep, Readings]:
    """Theorem 3.3's order statements (:data:`cooccur.claims.T_STAR_ORDERS`) over ``widths`` at each initial scale,
    each run continued to T* (:func:`cooccur.experiment.t_star_setting`), and the chapter's readings of them under
    ``t_order_``: every verdict's exponent, interval, prediction and outcome, the runs that reached T*, the
    exponents of T* and of what grows with it (:func:`cooccur.claims.t_star_readings`), whether the tilt's exponent
    lies between the stated rate and the score rate passed through the softmax, and a closing sentence."""
    sweep = order_sweep(t_star_setting, widths, scales, seeds, claims.T_STAR_ORDERS)
    main = sweep.orders[sweep.main_scale]
    log_slope = measures.log_factor_slope(sweep.widths)
    out = sweep.readings("t_order", fields=("exponent", "low", "high", "predicted"), outcome=True, reached=True)
    out.numbers.update({"t_order_seeds": seeds, "t_order_horizon": WIDTH_HORIZON, "t_order_per_m": T_STAR_HORIZON_PER_M,
                        "t_order_log_slope": log_slope, **claims.t_star_readings(sweep.main_runs)})
    reached = all(np.isfinite(r.at_t_star["T_star"]) for r in sweep.main_runs)
    out.texts["t_reached"] = ("Every run reaches T*" if reached
                              else "Not every run reaches T* (the verdicts are then undecided)")
    tilt = main["attention tilt"]
    if not tilt.undecided:
        slopes = (tilt.measured["predicted"], tilt.measured["predicted"] - 0.5)
        out.numbers["t_tilt_predicted_score_rate"] = slopes[1]
        between = min(slopes) <= tilt.measured["exponent"] <= max(slopes)
        out.texts["t_tilt_between"] = ("the measured exponent lies between them" if between
                                       else "the measured exponent lies outside both")
    out.texts["t_order_closing"] = order_closing(main["smallest C at T*"], log_slope)
    return sweep, out


def order_closing(verdict: Verdict, log_slope: float) -> str:
    """A sentence (plain text, no math) on whether the smallest coefficient's order holds at T*, and by how many
    factors of ln m (``log_slope``: one factor over the sweep's widths) it misses when it fails."""
    if verdict.undecided:
        return "Some run did not reach T*, so the sweep decides nothing about the coefficients' order."
    if verdict.holds:
        return "At the book's T* the coefficients' exponent is within one log factor of the stated order."
    excess = verdict.measured["exponent"] - verdict.measured["predicted"]
    return (f"At the book's T* the smallest coefficient's exponent differs from the stated one by {excess:.2f}, "
            f"about {abs(excess) / log_slope:.0f} factors of ln m over these widths: more than the one log factor "
            "the rule allows, though four and a half decades cannot tell a power of m from a few log factors.")
