"""The paper's Figure 1 and what the chapter "Experiments" reads off it.

Figure 1 is gradient descent (step 0.01, 30 000 steps) on the paper's data (n = 60, L = 5, d = 64) with m = 128,
m1 = 256, from an initialisation the paper calls Kaiming. Each function here reads one thing the chapter quotes
and returns it by glue name (:class:`~cooccur.readings.Readings`, with table rows where the chapter shows a table);
times are given in iterations (flow time / step).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cooccur.claims import SCORE_SIGNS, T1_MARGIN, Run, Verdict, attention_uniform, eq5, thm3_2_scores
from cooccur.experiment import Experiment, figure1_reading, paper_setting, run_many
from cooccur.flow import DivergenceError, SimConfig
from cooccur.measures import (
    largest_change,
    late_loss_slopes,
    loglog_slope,
    peak_rise,
    phase1_index,
    phase1_mask,
    rises_first,
)
from cooccur.readings import Readings
from cooccur.trajectory import Trajectory

#: The three readings of the paper's "Kaiming", as the chapter names them.
KAIMING_READINGS = {"kaiming": "`nn.Linear` default (uniform)", "he_normal": "He normal",
                    "xavier_normal": "Xavier normal"}


def loss_peaks(traj: Trajectory, step: float) -> dict[str, float]:
    """Types 2 and 3: their mean loss at t = 0, its peak in Phase 1 and the iteration of the peak; type 1: its
    loss at t = 0 and at T1."""
    first, i1 = phase1_mask(traj), phase1_index(traj)
    out = {"type1_loss0": traj.loss_by_type[0, 0], "type1_loss_t1": traj.loss_by_type[i1, 0]}
    for k, name in ((1, "type2"), (2, "type3")):
        peak = int(np.argmax(np.where(first, traj.loss_by_type[:, k], -np.inf)))
        out.update({f"{name}_loss0": traj.loss_by_type[0, k], f"{name}_peak": traj.loss_by_type[peak, k],
                    f"{name}_peak_iter": traj.t[peak] / step})
    return out


def score_moves(traj: Trajectory) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, float]]:
    """The four score correlations of Theorem 3.2 (:data:`cooccur.claims.SCORE_SIGNS`): table rows (value at
    t = 0, change over Phase 1 and over Phase 2) with their formats, and the numbers: each Phase-2 change
    (``a21_phase2`` ...), the largest Phase-1 change, the smallest Phase-2 change and their ratio."""
    i1 = phase1_index(traj)
    rows, numbers, phase1, phase2 = [], {}, [], []
    for k, q in SCORE_SIGNS:
        p1, p2 = traj.A[i1, k, q] - traj.A[0, k, q], traj.A[-1, k, q] - traj.A[i1, k, q]
        numbers[f"a{k + 1}{q + 1}_phase2"] = p2
        phase1.append(abs(p1))
        phase2.append(abs(p2))
        rows.append({"score correlation (key, query)": f"$\\mu_{k + 1}^\\top W_K^\\top W_Q \\mu_{q + 1}$",
                     "at t = 0": traj.A[0, k, q], "change over Phase 1": p1, "change over Phase 2": p2})
    numbers.update({"score_phase1_max": max(phase1), "score_phase2_min": min(phase2),
                    "score_ratio": min(phase2) / max(phase1)})
    formats = {"at t = 0": ".5f", "change over Phase 1": ".2e", "change over Phase 2": ".2e"}
    return rows, formats, numbers


def summary_readings(experiment: Experiment, traj: Trajectory) -> Readings:
    """The introduction's summary of a Figure-1 run: T1 and the run's length in iterations, G(mu_1) at T1 and at
    the end, the largest change of any softmax entry, the mean rates of the score correlations among mu_1, mu_2,
    mu_3 over each phase and of G(mu_1) over Phase 1, and the late loss slopes of types 1 and 4."""
    step, i1, slopes = experiment.sim.step, phase1_index(traj), late_loss_slopes(traj)
    phase2_move = float(abs(traj.A[-1, :3, :3] - traj.A[i1, :3, :3]).max() / (traj.t[-1] - traj.t[i1]))
    return Readings({"t1_iter": traj.T1 / step, "n_steps": round(experiment.sim.T / step),
                     "G1_T1": traj.G[i1, 0], "G1_end": traj.G[-1, 0],
                     "attn_change": attention_uniform(Run(experiment, traj)).measured["max_change"],
                     "score_rate_phase1": largest_change(traj.A[:, :3, :3], i1) / traj.T1,
                     "score_rate_phase2": phase2_move,
                     "G_rate_phase1": (traj.G[i1, 0] - traj.G[0, 0]) / traj.T1, "slope_type1": slopes[1],
                     "slope_type4": slopes[4]})


def run_readings(traj: Trajectory, step: float, verdicts: dict[str, Verdict]) -> Readings:
    """The Figure-1 run of gradient descent with ``step``: its iterations, T1 in iterations (with the T1 rule's
    margin), the loss at the start and the end, the loss peaks of types 2 and 3 (:func:`loss_peaks`), the score
    correlations' moves (:func:`score_moves`) and Eq. (5)'s relative error (``verdicts``: its statements)."""
    return Readings({"n_steps": int(round(traj.t[-1] / step)), "t1_iter": traj.T1 / step, "t1_margin": T1_MARGIN,
                     "final_loss": traj.loss[-1], "initial_loss": traj.loss[0], **loss_peaks(traj, step),
                     **score_moves(traj)[2], "eq5_error": verdicts["eq5"].measured["relative_error"]})


def check_prose(experiment: Experiment, traj: Trajectory) -> None:
    """What the chapter's prose states of the Figure-1 run: types 2 and 3 rise first, and the Phase-2 score
    correlations move as Theorem 3.2 says. ``AssertionError`` if not: a run where they fail must not build."""
    assert rises_first(traj), "types 2/3 did not rise first"
    assert thm3_2_scores(Run(experiment, traj)).holds, "Phase-2 scores do not move as stated"


def seed_runs(n_seeds: int, init: str, T: float, step: float) -> tuple[list[Trajectory], Readings]:
    """Gradient descent with ``step`` from ``init`` on the paper's setting, seeds 0 to ``n_seeds - 1``: the runs,
    the range of T1 in iterations, and on how many seeds the Phase-2 scores move as stated and types 2 and 3 rise
    first."""
    experiments = [paper_setting(s, init=init, method="euler", T=T, step=step) for s in range(n_seeds)]
    trajs = run_many(experiments, progress=False)
    t1 = np.array([tr.T1 / step for tr in trajs])
    return trajs, Readings({"n_seeds": n_seeds, "step_value": step, "t1_min": t1.min(), "t1_max": t1.max(),
                            "signs_seeds": sum(thm3_2_scores(Run(e, tr)).holds for e, tr in zip(experiments, trajs)),
                            "rise_seeds": sum(rises_first(tr) for tr in trajs)})


def unstated_choices(seeds: int, iterations: int, visible_rise: float) -> tuple[list[dict[str, Any]], Readings]:
    """Figure 1 under every reading of what the paper leaves unstated (:func:`cooccur.experiment.figure1_reading`:
    which Kaiming, loss mean or sum, ``a`` trained or fixed), ``seeds`` seeds of ``iterations`` steps each: per
    reading, T1 in iterations (median and range over the seeds that did not diverge), on how many of those types 2
    and 3 rise by at least ``visible_rise`` (relative, :func:`cooccur.measures.peak_rise`), and how many diverged.
    Returns table rows and the numbers ``reading_{diverged,rises,t1}_<init>_<loss>_<a>``."""
    rows, numbers = [], {"reading_iterations": iterations, "reading_seeds": seeds, "visible_rise": visible_rise}
    for scheme, label in KAIMING_READINGS.items():
        for reduction in ("mean", "sum"):
            for train_a in (False, True):
                t1, rises, diverged = [], 0, 0
                for seed in range(seeds):
                    e = figure1_reading(seed, init=scheme, loss=reduction, train_a=train_a, iterations=iterations)
                    try:
                        tr = e.run(cache=False)
                    except DivergenceError:
                        diverged += 1
                        continue
                    t1.append(tr.T1 / e.sim.step)
                    rises += peak_rise(tr) >= visible_rise
                a = "trained" if train_a else "fixed"
                key = f"{scheme}_{reduction}_{a}"
                numbers.update({f"reading_diverged_{key}": diverged, f"reading_rises_{key}": rises})
                if t1:
                    numbers[f"reading_t1_{key}"] = float(np.median(t1))
                rows.append({"Kaiming read as": label, "loss": reduction, "$a$": a,
                             "$T_1$ (iterations): median [range]":
                                 f"{np.median(t1):.1f} [{np.min(t1):.1f}, {np.max(t1):.1f}]" if t1 else "-",
                             "types 2 and 3 rise visibly": f"{rises} of {seeds - diverged}",
                             "diverged": f"{diverged} of {seeds}"})
    return rows, Readings(numbers)


def init_flows(n_seeds: int, T: float, step: float) -> tuple[dict[str, list[Trajectory]], Readings]:
    """The exact flow on the paper's setting from the theory's and from Kaiming's initialisation, seeds 0 to
    ``n_seeds - 1`` (``"<name> init"`` -> runs), and their medians (:func:`flow_medians`, T1 in iterations of
    ``step``)."""
    flows = {f"{name} init": run_many([paper_setting(s, init=name, T=T) for s in range(n_seeds)], progress=False)
             for name in ("theory", "kaiming")}
    return flows, Readings(flow_medians(flows, step))


def flow_medians(flows: dict[str, list[Trajectory]], step: float) -> dict[str, float]:
    """Per initialisation (``flows``: ``"<name> init"`` -> its runs of the exact flow), the medians of T1 (in
    iterations of ``step``), of the final loss and of the change of A[mu_2, mu_1]."""
    out = {}
    for name, trs in flows.items():
        key = name.split()[0]
        out.update({f"t1_{key}": np.median([tr.T1 for tr in trs]) / step,
                    f"loss_end_{key}": np.median([tr.loss[-1] for tr in trs]),
                    f"dA21_{key}": np.median([tr.A[-1, 1, 0] - tr.A[0, 1, 0] for tr in trs])})
    return out


def descent_against_flow(descent: Trajectory, flow: Trajectory, step: float) -> Readings:
    """Gradient descent against the exact flow recorded at the same times: the largest relative gap of the loss,
    both T1 in iterations, and the largest gap of G on the signal words relative to their largest value."""
    G_gap = np.max(np.abs(descent.G[:, :3] - flow.G[:, :3])) / np.max(np.abs(flow.G[:, :3]))
    return Readings({"gd_flow_loss_rel": np.max(np.abs(descent.loss - flow.loss) / flow.loss),
                     "gd_flow_t1_gd": descent.T1 / step, "gd_flow_t1_flow": flow.T1 / step, "gd_flow_G_rel": G_gap})


#: The learning rates at which gradient descent is compared with the exact flow, each half the last.
RATES = (0.01, 0.005, 0.0025)


def descent_convergence(exact: Experiment, seed: int, init: str) -> tuple[Trajectory, dict[float, Trajectory],
                                                                          Readings]:
    """Gradient descent at each of :data:`RATES` (the paper's setting, ``seed``, ``init``) against ``exact`` (the
    exact flow on the same data and weights), all recorded every 0.1 of flow time up to its horizon (a whole
    number of steps at every rate). Returns the flow, the descents by rate, and the log-log slopes of the largest
    gaps of G and of A against the rate (1 for a first-order method), the gap of G at rate 0.01, G(mu_1) at the end,
    the horizon, and the flow's gradient evaluations against the steps of descent at 0.01."""
    T = exact.sim.T
    times = np.linspace(0.0, T, int(round(T / 0.1)) + 1)
    flow = exact.simulate(times=times)
    descents = {lr: paper_setting(seed, init=init, method="euler", T=T, step=lr).simulate(times=times) for lr in RATES}
    errors = np.array([[np.abs(d.G - flow.G).max(), np.abs(d.A - flow.A).max()] for d in descents.values()])
    return flow, descents, Readings({
        "slope_G": loglog_slope(RATES, errors[:, 0]), "slope_A": loglog_slope(RATES, errors[:, 1]),
        "err_G_001": errors[RATES.index(0.01), 0], "G1_end": flow.G[-1, 0], "T": T,
        "flow_evals": flow.n_grad_evals, "gd_steps": descents[0.01].n_grad_evals})


def eq5_runs(exact: Experiment) -> tuple[dict[str, Run], Readings]:
    """Eq. (5) read on gradient descent (rate 0.01, recorded densely) and on ``exact`` at the same times: the two
    runs by label, the relative error of Eq. (5) on descent, and the change of ||W^T a||^2 over it."""
    descent = Experiment(exact.data, exact.model, SimConfig(T=exact.sim.T, method="euler", step=0.01, n_log=1500,
                                                            n_lin=301))
    gd = Run(descent, descent.run())
    runs = {"gradient descent, lr 0.01": gd, "exact flow": Run(exact, exact.simulate(times=descent.sim.times()))}
    return runs, Readings({"eq5_rel_err": eq5(gd).measured["relative_error"],
                           "eq5_change": gd.traj.wa_sq[-1] - gd.traj.wa_sq[0]})
