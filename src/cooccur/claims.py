"""The paper's statements as premise-aware verdicts: one function per statement, one registry.

Every function takes a :class:`Run` (an :class:`~cooccur.experiment.Experiment` and its trajectory) and returns a
:class:`Verdict`: whether the statement holds on the run, whether the statement's own hypotheses hold
(:func:`premises`), the numbers compared and the prediction with its constant. :func:`check_all` runs them all.
The scaling statements (:func:`t1_scaling`, :func:`score_movement_scaling`, :func:`attention_scaling`) take a
list of runs.

Constants. The theorems are stated with O, Omega, Theta and tilde-O, which hide constants and log factors. A
single run can only be compared with a bound once a constant is chosen, so the choice is explicit:

* :data:`ORDER_CONSTANT` K = 10: "X = O(B)" holds if X <= K B, "X = Theta(B)" if B/K <= X <= K B. At m = 128 a
  log factor ln m is about 4.9, so K = 10 admits one log factor and a constant of about 2;
* where we derived a leading constant ourselves, it is written into the prediction (Lemma 4.1);
* "Omega(1)" signs are checked as strict signs, and the smallest value is reported;
* "1/poly(m)" is read as 1/m.

Word indices are 0-based (mu_1 = 0, mu_2 = 1, mu_3 = 2); A and VV are indexed [key word, query word].
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from cooccur import measures
from cooccur.coordinates import Batch, reduced_loss_and_grad
from cooccur.data import FIRST_FILLER, DataConfig, Dataset, make_dataset
from cooccur.experiment import Experiment, initial_state, paper_setting
from cooccur.model import forward, init_params, init_std, phase1_rate
from cooccur.observables import T1_MARGIN
from cooccur.readings import Readings
from cooccur.trajectory import Trajectory
from cooccur.validate import check_choice

#: K, the constant read into O(.), Theta(.) and tilde-O(.) on a single run (see the module docstring).
ORDER_CONSTANT = 10.0
#: Condition 1's tilde-Theta(1) for the initial scales, read as one log factor with this constant: sigma0 sqrt(Lm) and
#: sigma1 sqrt(m1) within a factor SCALE_LOG_CONSTANT ln m of 1 (:func:`scale_box`; 9.7 at m = 128).
SCALE_LOG_CONSTANT = 2.0
#: Lemma 4.2's premise: the median |F_i(0)| below this. Then every g_i = 1/(1 + e^{y F}) is within 0.025 of 1/2
#: for the typical sample, the regime in which the lemma's first-order rates are computed.
SMALL_OUTPUT = 0.1
#: Lazy Phase 1 (the proof's picture): ||W^T a||^2 and the diagonal of W_V^T W_V over mu_1..mu_3 at most this many
#: times their initial values at T1. At small initial scales they grow many-fold before T1 (a rich Phase 1).
LAZY_GROWTH = 2.0
#: The shortest Phase 2 a run must show for a statement about Phase 2 as a whole (monotone correlations, margins,
#: balance, the attention's tilt), in units of T1: a run that ends sooner leaves it undecided if it holds there (a
#: failure seen sooner stands). Theorem 3.2's window ends at T2 = poly(m); every atlas run shows at least 84 T1 of it.
PHASE2_MIN_SPAN = 10.0
#: "Much smaller" in Lemma 4.2: |dG(mu_3)/dt| at most this fraction of the slower target's rate at t = 0.
MUCH_SMALLER = 0.5
#: Lemma 4.4's "small constant C << 1": we require max |S2 - S3| / min(S2, S3) over Phase 2 to be at most this.
BALANCE_C = 0.5
#: Samples drawn afresh for the population loss of Theorem 3.3.
N_FRESH = 6000
#: Slope tolerance of the width and length scalings (log-log slopes over a sweep).
SLOPE_TOLERANCE = 0.2

#: Theorem 3.2, item 1: the expected direction of each score correlation in Phase 2, {(key, query): sign}.
SCORE_SIGNS: dict[tuple[int, int], int] = {(1, 0): +1, (0, 1): +1, (2, 0): -1, (2, 1): -1}
#: Theorem 3.2, item 2 and Corollary F.13: the expected direction of value correlations, {(key, query): sign}.
VALUE_SIGNS: dict[tuple[int, int], int] = {(0, 1): +1, (0, 2): -1, (1, 2): -1, (0, 0): +1, (1, 1): +1}
#: Theorem 3.2, item 3: margin sums of G, {name: (words, sign the sum must have)}.
MARGIN_SIGNS: dict[str, tuple[tuple[int, ...], int]] = {
    "G1+G2+G3": ((0, 1, 2), +1),
    "G1+G3": ((0, 2), -1),
    "G2+G3": ((1, 2), -1),
}

PREMISES_OF_THE_THEOREMS = ("assumption2.3.i", "assumption2.3.ii", "condition1")


@dataclass(frozen=True)
class Premise:
    """Whether a hypothesis of the paper holds for an experiment, and why."""

    met: bool
    why: str


@dataclass(frozen=True)
class Verdict:
    """One statement checked on one run (or a sweep of runs).

    Attributes:
        claim: the statement's id (a key of :data:`CLAIMS`, or a scaling's name).
        holds: the statement is true of the run, with the constants of the module docstring.
        premise_met: the statement's own hypotheses hold for the run's configuration.
        measured: the numbers compared, by name.
        predicted: the bound or prediction with its constant, as a reader would write it; None if none.
        detail: one line a reader can quote.
        by_construction: the statement holds on this run by construction (an equation the engine integrates), so
            the run cannot test it; such a verdict is shown as such and left out of every count.
        undecided: the run cannot decide the statement: it ends before (Phase 1 never ended, or the time the
            statement is read at, T*, or its horizon, lies beyond the run's end), or it was recorded with
            ``record="signal"`` and the statement reads every word at T*; ``holds`` is then False, and such a
            verdict is shown as undecided and left out of every count.
    """

    claim: str
    holds: bool
    premise_met: bool
    measured: dict[str, float] = field(default_factory=dict)
    predicted: str | None = None
    detail: str = ""
    by_construction: bool = False
    undecided: bool = False

    def __post_init__(self) -> None:
        if self.undecided and (self.holds or self.by_construction):
            raise ValueError(f"{self.claim}: an undecided verdict neither holds nor holds by construction")

    @property
    def counted(self) -> bool:
        """Whether the verdict tests the statement: neither by construction nor undecided."""
        return not (self.by_construction or self.undecided)


@dataclass(frozen=True)
class Run:
    """An experiment and its trajectory, with what the claims derive from them."""

    experiment: Experiment
    traj: Trajectory

    @cached_property
    def batch(self) -> Batch:
        return _batch_of(self.experiment.data)

    @cached_property
    def premises(self) -> dict[str, Premise]:
        """The configuration's premises (:func:`premises`) and ``lazy_phase1``, read off the trajectory."""
        return {**premises(self.experiment), "lazy_phase1": lazy_phase1(self.traj)}

    @property
    def m(self) -> int:
        return self.experiment.model.m

    @property
    def m1(self) -> int:
        return self.experiment.model.m1

    @property
    def L(self) -> int:
        return self.experiment.data.L

    @property
    def n(self) -> int:
        return self.experiment.data.n

    @cached_property
    def sigmas(self) -> tuple[float, float]:
        return init_std(self.experiment.model, self.L)

    def without_matrices(self) -> Run:
        """This run with its (R, w, w) records (A, VV, attn) cut to the first, once what :data:`WIDTH_ORDERS` and
        :data:`T_STAR_ORDERS` read from them and the premises are computed (:attr:`premises`, :attr:`movements`,
        :attr:`at_t_star`): a width sweep of many runs then fits in memory (at d = 163 the three records take about
        200 MB per run). Verdicts that read A, VV or attn at a chosen record need the full run (they fail on the cut
        records); the movement columns (``A_change`` ...) are kept."""
        computed = {"premises": self.premises, "movements": self.movements, "at_t_star": self.at_t_star}
        tr = self.traj
        slim = Run(self.experiment, dataclasses.replace(tr, A=tr.A[:1].copy(), VV=tr.VV[:1].copy(),
                                                        attn=tr.attn[:1].copy()))
        slim.__dict__.update(computed)  # the cached properties, computed on the full trajectory
        return slim

    @cached_property
    def movements(self) -> dict[str, float]:
        """:func:`phase1_movements` of this run, computed once."""
        return phase1_movements(self)

    @cached_property
    def at_t_star(self) -> dict[str, float]:
        """What :data:`T_STAR_ORDERS` read at Theorem 3.3's T*, computed once (all NaN on a run that never reaches
        T*, or reaches it before T1): ``T_star``; ``C_min`` and ``C_max``, the smallest and largest of |C12|,
        |C21|, |C31|, |C32| of A(T*) - A(0); ``tilt``, the rise of p(q=mu_1, k=mu_2) from T1 to T*
        (:func:`cooccur.measures.attention_shift`, free of cancellation at any width);
        ``tilt_prediction``, sigma0^2 sqrt(m) / L^2 x the integral of the training loss from T1 to T*
        (:func:`attention_rate_prediction` on that window); and ``loss_integral``, that integral. ``tilt`` is NaN
        on a run recorded with ``record="signal"`` (it reads every word's scores)."""
        tr, k = self.traj, t_star_index(self)
        i1 = measures.phase1_index(tr) if np.isfinite(tr.T1) else None
        if k is None or i1 is None or k < i1:
            return dict.fromkeys(("T_star", "C_min", "C_max", "tilt", "tilt_prediction", "loss_integral"),
                                 float("nan"))
        delta = tr.A[k] - tr.A[0]
        core = [abs(delta[i, j]) for i, j in ((0, 1), (1, 0), (2, 0), (2, 1))]
        return {"T_star": float(tr.t[k]), "C_min": float(min(core)), "C_max": float(max(core)),
                "tilt": float(measures.attention_shift(tr.A[i1], tr.A[k], self.batch, self.m)[1, 0])
                if tr.every_word else float("nan"),  # the shift needs every sample's scores
                "tilt_prediction": attention_rate_prediction(self, stop=k),
                "loss_integral": measures.loss_integral(tr, i1, k)}

    @property
    def phase1_rate(self) -> float:
        """(sigma0^2 + sigma1^2) m m1 (:func:`cooccur.model.phase1_rate`)."""
        return phase1_rate(self.experiment.model, self.L)

    def premise_met(self, *extra: str) -> bool:
        """All of :data:`PREMISES_OF_THE_THEOREMS` and ``extra`` hold."""
        return all(self.premises[k].met for k in (*PREMISES_OF_THE_THEOREMS, *extra))


def scale_box(m: int) -> float:
    """B(m) = :data:`SCALE_LOG_CONSTANT` ln m: Condition 1 admits initial scales sigma0 sqrt(L m) and sigma1 sqrt(m1)
    in [1/B, B]. The condition asks for them to be tilde-Theta(1), i.e. 1 up to polylog(m) factors; one factor
    ln m with a constant 2 gives 6.9 at m = 32, 9.7 at m = 128 and 28 at m = 10^6."""
    return SCALE_LOG_CONSTANT * math.log(m)


def premises(experiment: Experiment) -> dict[str, Premise]:
    """The paper's hypotheses, each checked on the configuration of ``experiment``.

    Keys: ``assumption2.3.i`` (exact proportions 1/2, 1/6, 1/6, 1/6), ``assumption2.3.ii`` (distinct fillers),
    ``condition1`` (m >= m1, m >= L^2, n >= L^2 and the initial scales sigma0 sqrt(L m), sigma1 sqrt(m1) within a
    factor :func:`scale_box` = 2 ln m of 1 — the tilde-Theta(1) admits log factors of m) and ``small_output``
    (median |F_i(0)| < :data:`SMALL_OUTPUT`, Lemma 4.2's premise).
    """
    data, model = experiment.data, experiment.model
    paper = (1 / 2, 1 / 6, 1 / 6, 1 / 6)
    counts = data.type_counts()
    exact = all(math.isclose(p, q) for p, q in zip(data.proportions, paper)) and all(
        math.isclose(c, data.n * p) for c, p in zip(counts, paper)
    )
    slots, words = data.fillers_needed(), data.d - FIRST_FILLER
    sigma0, sigma1 = init_std(model, data.L)
    scale0, scale1 = sigma0 * math.sqrt(data.L * model.m), sigma1 * math.sqrt(model.m1)
    B = scale_box(model.m)
    box = f"[1/B, B], B = 2 ln m = {B:.3g}"
    checks = {
        f"m={model.m} >= m1={model.m1}": model.m >= model.m1,
        f"m={model.m} >= L^2={data.L ** 2}": model.m >= data.L**2,
        f"n={data.n} >= L^2={data.L ** 2}": data.n >= data.L**2,
        f"sigma0 sqrt(Lm)={scale0:.3g} in {box}": 1 / B <= scale0 <= B,
        f"sigma1 sqrt(m1)={scale1:.3g} in {box}": 1 / B <= scale1 <= B,
    }
    broken = [name for name, ok in checks.items() if not ok]
    median_output = initial_output(experiment)
    return {
        "assumption2.3.i": Premise(
            exact, f"type counts {counts} for n={data.n}" + ("" if exact else " (not exactly n/2, n/6, n/6, n/6)")
        ),
        "assumption2.3.ii": Premise(
            data.distinct_fillers,
            f"{slots} filler slots, {words} filler words, "
            + ("each used once" if data.distinct_fillers else "fillers drawn with replacement, so words repeat"),
        ),
        "condition1": Premise(
            not broken, "all of " + "; ".join(checks) if not broken else "fails: " + "; ".join(broken)
        ),
        "small_output": Premise(
            median_output < SMALL_OUTPUT, f"median |F(0)| = {median_output:.3g} (premise: < {SMALL_OUTPUT:g})"
        ),
    }


def lazy_phase1(traj: Trajectory) -> Premise:
    """The proof's picture of Phase 1: the Gram quantities other than A and G stay near their start until T1, here
    ||W^T a||^2 and the diagonal of W_V^T W_V over mu_1..mu_3 at most :data:`LAZY_GROWTH` times their initial values
    (:func:`cooccur.measures.phase1_growth`). At a small initial scale they grow many-fold first (a rich Phase 1)."""
    if not np.isfinite(traj.T1):
        return Premise(False, "Phase 1 never ended (no T1)")
    growth = measures.phase1_growth(traj)
    met = max(growth.values()) <= LAZY_GROWTH
    return Premise(met, f"by T1 ||W^T a||^2 x{growth['wa_sq_growth']:.3g}, W_V^T W_V diagonal "
                        f"x{growth['VV_growth']:.3g} (lazy: at most x{LAZY_GROWTH:g})")


@functools.lru_cache(maxsize=64)
def initial_output(experiment: Experiment) -> float:
    """The median over training samples of |F(X_i)| at initialisation: from the torch reference model, or with
    another ``sim.start`` from its initial Gram quantities (the model's output depends on the weights only through
    A and G)."""
    if experiment.sim.start != "params":
        state = initial_state(experiment)
        F = np.sort(np.abs(reduced_loss_and_grad(state.A, state.G, _batch_of(experiment.data), state.m).F))
        return float(F[(F.size - 1) // 2])  # the lower median, as torch's median below
    params = init_params(experiment.model, experiment.data.L)
    with torch.no_grad():
        return float(forward(params, _dataset_of(experiment.data).X).abs().median())


def initial_scales(n_seeds: int) -> tuple[list[dict[str, str]], Readings]:
    """The paper's setting from the theory's and from Kaiming's initialisation, seeds 0 to ``n_seeds - 1``: per
    initialisation a table row and the readings ``sigma0_<init>``, ``sigma1_<init>`` (the standard deviations of
    W_Q, W_K, W_V and of W) and ``median_output_<init>`` (the median over seeds of :func:`initial_output`); and the
    constants the premises on the output and the scales use."""
    rows, out = [], Readings({"n_seeds": n_seeds, "small_output": SMALL_OUTPUT, "K": ORDER_CONSTANT,
                              "scale_log_constant": SCALE_LOG_CONSTANT, "scale_box_128": scale_box(128)})
    for init in ("theory", "kaiming"):
        experiments = [paper_setting(s, init=init) for s in range(n_seeds)]
        sigma0, sigma1 = init_std(experiments[0].model, L=experiments[0].data.L)
        median = float(np.median([initial_output(e) for e in experiments]))
        out.numbers.update({f"sigma0_{init}": sigma0, f"sigma1_{init}": sigma1, f"median_output_{init}": median})
        rows.append({"initialisation": init, "std of $W_Q, W_K, W_V$": f"{sigma0:.4f}", "std of $W$": f"{sigma1:.4f}",
                     "median $\\lvert F(X_i)\\rvert$ at $t = 0$ (median over seeds)": f"{median:.3f}"})
    return rows, out


def _no_phase2(claim: str, run: Run, *extra: str, t1: float | None = None) -> Verdict | None:
    """The undecided verdict of a statement that needs the end of Phase 1 when the run has no T1 (``t1`` if given,
    else the run's); None when it has one."""
    if np.isfinite(run.traj.T1 if t1 is None else t1):
        return None
    return Verdict(claim, False, run.premise_met(*extra), {}, None,
                   "undecided: Phase 1 never ended on this run (no T1)", undecided=True)


def _over_phase2(verdict: Verdict, run: Run, t1: float | None = None) -> Verdict:
    """A statement about Phase 2 as a whole, read on a run that shows less than :data:`PHASE2_MIN_SPAN` T1 of it
    (``t1`` if given, else the run's T1): holding there is undecided, since the rest of Phase 2 may still break it;
    a failure seen within the window stands, Phase 2 lasting to T2 = poly(m)."""
    shown = run.traj.t[-1] / (run.traj.T1 if t1 is None else t1)
    if not verdict.holds or shown >= PHASE2_MIN_SPAN:
        return verdict
    return dataclasses.replace(verdict, holds=False, undecided=True,
                               detail=f"undecided: holds over the {shown:.3g} T1 the run shows, fewer than "
                                      f"{PHASE2_MIN_SPAN:g} T1 of Phase 2 ({verdict.detail})")


def phase1_movements(run: Run) -> dict[str, float]:
    """How far Theorem 3.1's item-4 quantities moved over [0, T1]: the largest change of a score correlation (A), of a
    value correlation (W_V^T W_V), of W_K^T W_K and W_Q^T W_Q, and (``neuron``) the mean change of the neuron
    correlations weighted by the output signs, |d ||W^T a||^2| / m1^2, the one the flow's coordinates hold."""
    tr = run.traj
    i1 = measures.phase1_index(tr)
    return {
        "scores": float(tr.A_change[: i1 + 1].max()),
        "values": float(tr.VV_change[: i1 + 1].max()),
        "neuron": abs(tr.wa_sq[i1] - tr.wa_sq[0]) / run.m1**2,
        "KK": float(tr.KK_change[: i1 + 1].max()),
        "QQ": float(tr.QQ_change[: i1 + 1].max()),
    }


def thm3_1(run: Run) -> Verdict:
    """Theorem 3.1 (Phase 1), the part one run can decide: a time T1 exists at which every sample is correct and
    G(mu_1), G(mu_2) > 0 > G(mu_3), each by Omega(1) (items 1-2; the T1 rule places T1 at the first such time, with
    Omega(1) read as :data:`cooccur.observables.T1_MARGIN`, so at T1 they hold by definition and are reported, not
    counted), and by then the filler words have not outrun the signal: the largest change of a filler word's G is
    at most :data:`LAZY_GROWTH` times the change of G(mu_1) times the ratio a lazy Phase 1 predicts for this run
    (:func:`cooccur.measures.filler_kernel_ratio`: each word's G pushed by the labels and losses of its own samples,
    the losses the run's own over [0, T1]; 3/n with distinct fillers and small outputs,
    :func:`cooccur.measures.filler_rate_ratio`, reported too). Every quantity is compared with the same run's own,
    so the verdict does not depend on the initial scale s. Under a lazy Phase 1 (the premise ``lazy_phase1``: Gram
    quantities within a factor 2 of their start, attention near uniform) this item follows from the premise up to
    terms of order 1/L^2: it is a consistency check of the lazy picture for the fillers, which fails where the
    fillers outrun it, not an independent test of the theorem; the order of the fillers' change in m is
    :data:`WIDTH_ORDERS`' "filler G moved". (An earlier reading used the small-output ratio 3/n with
    the constant K; at s = 3, where the median initial output is about 4, the samples a filler occurs in weigh more
    than the type-1 ones and the fillers' share was 10 to 13 times 3/n while matching the lazy prediction.)

    The theorem's order statements (T1 = O~(1/m), the loss Theta(1) at T1, the movements of item 4 bounded by
    powers of m) say how quantities scale with m: one run cannot decide them against a bound without choosing a
    constant, which made the verdict flip with s. They are checked as scaling laws over widths
    (:func:`width_orders`); here their values are reported (``*_moved``, ``*_bound``, ``loss_T1_over_loss_0``),
    with how much the Gram quantities the proof treats as frozen grew by T1 (``wa_sq_growth``, ``VV_growth``;
    :data:`LAZY_GROWTH` and the ``lazy_phase1`` premise)."""
    tr = run.traj
    if not np.isfinite(tr.T1):  # what one run tests first: that a T1 exists. Not within the run: it fails
        return Verdict("thm3.1", False, run.premise_met(), {}, None,
                       f"fails: no T1 by the run's end, t = {tr.t[-1]:.3g} = {tr.t[-1] * run.phase1_rate:.3g} / rate")
    i1 = measures.phase1_index(tr)
    m, m1, L = run.m, run.m1, run.L
    sigma0, sigma1 = run.sigmas
    bounds = {
        "scores": m**-1.5 * (1 / L + 1 / math.sqrt(m)),
        "values": 1 / m,
        "neuron": 1 / m,
        "KK": 1 / m**2,
        "QQ": 1 / m**2,
    }
    moved = run.movements
    G, dG = tr.G[i1], tr.G[i1] - tr.G[0]
    ratio = measures.filler_rate_ratio(run.batch)
    kernel = measures.filler_kernel_ratio(tr, run.batch, i1)
    filler_change = float(np.abs(dG[FIRST_FILLER:]).max())
    filler_share = filler_change / dG[0] if dG[0] > 0 else float("inf")
    measured = {
        "T1": tr.T1,
        "min_margin": float((tr.y * tr.F[i1]).min()),
        "G1": float(G[0]),
        "G2": float(G[1]),
        "G3": float(G[2]),
        "filler_G_change": filler_change,
        "filler_share": float(filler_share),
        "filler_rate_ratio": ratio,
        "filler_kernel_ratio": kernel,
        "filler_share_over_kernel": float(filler_share / kernel),
        "loss_T1_over_loss_0": float(tr.loss[i1] / tr.loss[0]),
        "filler_G_scale": sigma0 * sigma1 * math.sqrt(m * m1),
        **measures.phase1_growth(tr),
        **{f"{k}_moved": v for k, v in moved.items()},
        "neuron_pair_moved": neuron_pair_bound(run),
        **{f"{k}_bound": v for k, v in bounds.items()},
    }
    # Items 1 and 2 (every sample correct, G(mu_1), G(mu_2) > 0 > G(mu_3), each by Omega(1)) are how the T1 rule
    # places T1 (:data:`cooccur.observables.T1_MARGIN`): they hold there by definition, so what a run tests is that
    # such a time exists (above: no T1 fails) and what the filler words did by then.
    items = {f"filler G at {filler_share / kernel:.3g} times the lazy ratio": filler_share <= LAZY_GROWTH * kernel}
    failed = [name for name, ok in items.items() if not ok]
    return Verdict(
        "thm3.1",
        not failed,
        run.premise_met(),
        measured,
        f"a T1 exists (every y_i F_i and G1, G2, -G3 >= {T1_MARGIN:g}: items 1-2, its definition); there max filler "
        f"|dG| <= {LAZY_GROWTH:g} x {kernel:.3g} x dG(mu_1) (the lazy Phase 1's ratio with the run's own losses); "
        "the order statements are checked over widths (width_orders)",
        f"T1 = {tr.T1:.3g}; filler |dG| / dG(mu_1) = {filler_share:.3g}, {filler_share / kernel:.3g} times the lazy "
        "ratio; "
        + ("every item holds" if not failed else "fails: " + ", ".join(failed)),
    )


def lemma4_1(run: Run) -> Verdict:
    """Lemma 4.1: at t = 0, G(mu_1) and G(mu_2) grow at rate Theta((sigma0^2 + sigma1^2) m m1).

    Leading constant (ours): with every g_i = 1/2 and uniform attention, dG(mu_1)/dt = c1 (sigma0^2 + sigma1^2)
    m m1 with c1 = (|I1| - |I2|) / (2n) (1/6 for the paper's proportions), and c2 = (|I1| - |I3|) / (2n). Every
    g_i = 1/2 needs a small initial output, so ``small_output`` is a premise of this reading: the lemma's Theta
    alone survives outputs of order one (each g_i stays away from 0 and 1), our constant does not. It was added
    after the atlas showed every failure inside the other premises at a median |F(0)| between 0.77 and 8.3.
    """
    tr, K = run.traj, ORDER_CONSTANT
    scale = run.phase1_rate
    n1, n2, n3, _ = run.experiment.data.type_counts()
    c = np.array([(n1 - n2), (n1 - n3)]) / (2 * run.n)
    rates = measures.initial_rates(tr)[:2]
    ratios = rates / (c * scale)
    holds = bool(np.all(rates > 0) and np.all((ratios >= 1 / K) & (ratios <= K)))
    return Verdict(
        "lemma4.1",
        holds,
        run.premise_met("small_output"),
        {"rate_G1": float(rates[0]), "rate_G2": float(rates[1]), "scale": scale,
         "ratio_G1": float(ratios[0]), "ratio_G2": float(ratios[1])},
        f"dG(mu_k)/dt(0) = c_k (sigma0^2 + sigma1^2) m m1 = {c[0] * scale:.3g}, {c[1] * scale:.3g} "
        f"(c_k = (|I1| - |I_k+1|)/2n), within a factor {K:g}",
        f"measured/predicted = {ratios[0]:.2f} (mu_1), {ratios[1]:.2f} (mu_2)",
    )


def lemma4_2(run: Run) -> Verdict:
    """Lemma 4.2: with a small initial output, G(mu_3) starts much slower than the targets, so the losses of
    types 2 and 3 first rise."""
    tr = run.traj
    rates = measures.initial_rates(tr)
    ratio = float(abs(rates[2]) / min(rates[0], rates[1])) if min(rates[0], rates[1]) > 0 else float("inf")
    rise = measures.rises_first(tr)
    return Verdict(
        "lemma4.2",
        ratio <= MUCH_SMALLER and rise,
        run.premise_met("small_output"),
        {"rate_ratio": ratio, "rises_first": float(rise)},
        f"|dG(mu_3)/dt| / min(dG(mu_1)/dt, dG(mu_2)/dt) at t=0 <= {MUCH_SMALLER:g}; type-2 and type-3 losses rise "
        "before T1",
        f"rate ratio {ratio:.2f}; types 2 and 3 {'both rise' if rise else 'do not both rise'} first",
    )


def lemma4_3(run: Run) -> Verdict:
    """Lemma 4.3: (1+C) max(G1', G2') <= -G3' <= (1-C)(G1' + G2') from some T0.5 <= T1 until T1, for a constant
    C in (0, 1). Holds if such an interval of positive length ends at T1; reports its start T0.5 and the largest C
    on its second half (:func:`cooccur.measures.sandwich_constant`)."""
    if (early := _no_phase2("lemma4.3", run, "small_output")) is not None:
        return early
    tr = run.traj
    c, t_half = measures.sandwich_constant(tr)
    holds = bool(np.isfinite(t_half) and t_half < tr.T1)
    return Verdict(
        "lemma4.3",
        holds,
        run.premise_met("small_output"),
        {"C": c, "T0.5": t_half, "T1": tr.T1, "T0.5_over_T1": t_half / tr.T1},
        "some T0.5 < T1 with C > 0 on [T0.5, T1]",
        f"holds from T0.5 = {t_half:.3g} ({t_half / tr.T1:.0%} of T1) to T1, with C = {c:.3f} on its second half"
        if holds
        else "fails at the last record before T1",
    )


def _monotone_verdict(claim: str, run: Run, values: np.ndarray, signs: dict, name: str) -> Verdict:
    if (early := _no_phase2(claim, run)) is not None:
        return early
    phase2 = measures.phase2_slice(run.traj)
    measured, against = {}, []
    for (k, q), sign in signs.items():
        series = values[phase2, k, q]
        label = f"{name}[mu{k + 1},mu{q + 1}]"
        measured[f"{label} change"] = float(series[-1] - series[0])
        if not measures.monotone(series, sign):
            against.append(label)
    arrows = ", ".join(f"{name}[mu{k + 1},mu{q + 1}] {'up' if s > 0 else 'down'}" for (k, q), s in signs.items())
    return _over_phase2(Verdict(
        claim,
        not against,
        run.premise_met(),
        measured,
        f"monotone over Phase 2 (T1 to the horizon): {arrows}",
        "all move monotonically as stated" if not against else "not monotone as stated: " + ", ".join(against),
    ), run)


def thm3_2_scores(run: Run) -> Verdict:
    """Theorem 3.2, item 1: mu_2^T W_K^T W_Q mu_1 and mu_1^T W_K^T W_Q mu_2 increase, mu_3^T W_K^T W_Q mu_1 and
    mu_3^T W_K^T W_Q mu_2 decrease, monotonically through Phase 2 (:data:`SCORE_SIGNS`)."""
    return _monotone_verdict("thm3.2.scores", run, run.traj.A, SCORE_SIGNS, "A")


def thm3_2_values(run: Run) -> Verdict:
    """Theorem 3.2, item 2 and Corollary F.13: mu_1^T W_V^T W_V mu_2 and ||W_V mu_1||^2, ||W_V mu_2||^2 increase,
    mu_1^T W_V^T W_V mu_3 and mu_2^T W_V^T W_V mu_3 decrease, monotonically through Phase 2 (:data:`VALUE_SIGNS`)."""
    return _monotone_verdict("thm3.2.values", run, run.traj.VV, VALUE_SIGNS, "VV")


def thm3_2_margins(run: Run, t1_margin: float | None = None) -> Verdict:
    """Theorem 3.2, item 3: G1, G2 > 0, G1+G2+G3 > 0 and G1+G3, G2+G3 < 0 at every record of Phase 2.

    Phase 2 starts at T1, the library's one rule (:data:`cooccur.observables.T1_MARGIN`: every margin y_i F_i and
    G(mu_1), G(mu_2), -G(mu_3) at least 0.5). ``t1_margin = c`` starts it where they are all at least c instead
    (0: the first crossing), to show how the verdict depends on where Phase 2 starts.
    """
    tr = run.traj
    t1_margin = T1_MARGIN if t1_margin is None else t1_margin
    t1 = measures.phase1_end(tr, t1_margin)
    if (early := _no_phase2("thm3.2.margins", run, t1=t1)) is not None:  # thm3.1 counts a missing T1
        return early
    phase2 = measures.phase2_slice(tr, t1)
    G, t = tr.G[phase2], tr.t[phase2]
    signed = {name: sign * G[:, list(words)].sum(axis=1) for name, (words, sign) in MARGIN_SIGNS.items()}
    signed["G1"], signed["G2"] = G[:, 0], G[:, 1]
    worst = {name: float(values.min()) for name, values in signed.items()}
    failed = [name for name, value in worst.items() if not value > 0]
    # the named cause: until when each failing condition has the wrong sign, in units of T1
    causes = [f"{name} on the wrong side until t = {t[np.flatnonzero(signed[name] <= 0)[-1]] / t1:.3g} T1"
              for name in failed]
    return _over_phase2(Verdict(
        "thm3.2.margins",
        not failed,
        run.premise_met(),
        {"T1": t1, **{f"min signed {k}": v for k, v in worst.items()}},
        "G1, G2, G1+G2+G3 > 0 and G1+G3, G2+G3 < 0 at every record of Phase 2 "
        f"(T1 rule: every margin >= {t1_margin:g})",
        "every margin condition holds through Phase 2" if not failed else "fails: " + "; ".join(causes),
    ), run, t1)


def _loss_target(run: Run) -> float:
    """The "1/poly(m)" of Theorem 3.3, read as 1/m."""
    return 1.0 / run.m


def thm3_3_loss(run: Run) -> Verdict:
    """Theorem 3.3: the training loss reaches 1/poly(m) (read as 1/m) at a time T* = poly(m).

    Any finite T* is poly(m) for some polynomial, so one run can only test an explicit reading. Ours is on the flow's
    own clock, T1 = Theta(1/rate) (Lemma 4.1): the loss must be at most 1/m by m T1, m Phase-1 times. That is
    stricter than the theorem, which allows any polynomial in absolute time (and T1 itself is O~(1/m)): a failure
    says the loss is slow on the flow's clock, not that the theorem is false. A run whose horizon ends before m T1
    without reaching 1/m cannot decide it: its verdict is undecided."""
    if (early := _no_phase2("thm3.3.loss", run)) is not None:
        return early
    tr, target = run.traj, _loss_target(run)
    horizon = run.m * tr.T1
    k = t_star_index(run)
    t_star = float(tr.t[k]) if k is not None else float("nan")
    holds = k is not None and t_star <= horizon
    undecided = k is None and tr.t[-1] < horizon
    if undecided:
        detail = f"loss {tr.loss[-1]:.2e} at the end, t = {tr.t[-1]:.3g}; undecided: the run ends before m T1"
    elif holds:
        detail = f"first below 1/m at t = {t_star:.3g} = {t_star / tr.T1:.3g} T1"
    else:
        detail = (f"loss {tr.loss[tr.at(horizon)]:.2e} at m T1 = {horizon:.3g}; fails: not below 1/m by m T1")
    return Verdict(
        "thm3.3.loss",
        bool(holds),
        run.premise_met(),
        {"loss_end": float(tr.loss[-1]), "T_star": t_star, "T_star_over_T1": t_star / tr.T1, "horizon": horizon},
        f"training loss <= 1/m = {target:.3g} by m T1 = {horizon:.3g}",
        detail,
        undecided=bool(undecided),
    )


def fresh_batch(experiment: Experiment, n: int = N_FRESH) -> Batch:
    """``n`` samples from the data model of ``experiment`` that are not its training set: same L, d and
    proportions, another seed, fillers drawn independently (Assumption 2.3(ii) is about the training set)."""
    cfg = experiment.data
    return _batch_of(DataConfig(n=n, L=cfg.L, d=cfg.d, seed=cfg.seed + 1_000_003, proportions=cfg.proportions))


@functools.lru_cache(maxsize=16)
def _batch_of(data: DataConfig) -> Batch:
    """The batch of a data configuration, kept for the next run of a sweep that shares it (read-only). Only the
    index form is kept: the one-hot data set of 6000 fresh samples at d = 163 takes 39 MB."""
    return Batch.from_dataset(make_dataset(data))


@functools.lru_cache(maxsize=4)
def _dataset_of(data: DataConfig) -> Dataset:
    """The training set of a configuration, made once per process for the claims (read-only)."""
    return make_dataset(data)


def t_star_index(run: Run) -> int | None:
    """The record of T*, Theorem 3.3's first time the training loss is at most 1/poly(m) (read as 1/m); None if the
    run never gets there."""
    below = np.flatnonzero(run.traj.loss <= _loss_target(run))
    return int(below[0]) if below.size else None


def thm3_3_population(run: Run) -> Verdict:
    """Theorem 3.3: at T*, where the training loss first reaches 1/poly(m) (read as 1/m), the population loss is
    1/poly(m) too: at most K/m on :data:`N_FRESH` fresh samples (the training loss at T* is itself 1/m).

    Undecided on a run recorded with ``record="signal"``: a fresh sample puts fillers next to each other and next to
    the signal words, whose scores such a run does not keep. Reported with it: how the type-2 training margins at
    T* split into the part the signal words carry and the part the fillers carry (``Trajectory.margin_split``).
    A fresh sequence draws its fillers at random from the same words, and the G a filler learned from the training
    sequence it appeared in has nothing to do with the fresh sequence's label: a margin carried by memorised fillers
    does not carry over."""
    tr, K, target = run.traj, ORDER_CONSTANT, _loss_target(run)
    k = t_star_index(run)
    if k is None:
        nan = float("nan")
        return Verdict("thm3.3.population", False, run.premise_met(),
                       {"population_loss": nan, "training_loss": nan, "T_star": nan, "population_over_target": nan,
                        "type2_margin_core": nan, "type2_margin_filler": nan},
                       f"population loss <= {K:g}/m at T*",
                       "undecided: the training loss never reached 1/m in this run (no T*)", undecided=True)
    parts = tr.margin_split[k]
    type2 = run.batch.types == 2
    core, filler = (float(parts[type2, j].mean()) for j in (0, 1))
    if not tr.every_word:
        return _signal_words_only("thm3.3.population", run, {
            "population_loss": float("nan"), "training_loss": float(tr.loss[k]), "T_star": float(tr.t[k]),
            "population_over_target": float("nan"), "type2_margin_core": core, "type2_margin_filler": filler},
            f"population loss <= {K:g}/m at T*")
    pop = measures.population_loss(tr, fresh_batch(run.experiment), run.m, index=k)
    return Verdict(
        "thm3.3.population",
        pop <= K * target,
        run.premise_met(),
        {"population_loss": pop, "training_loss": float(tr.loss[k]), "T_star": float(tr.t[k]),
         "population_over_target": pop / target, "type2_margin_core": core, "type2_margin_filler": filler},
        f"loss on {N_FRESH} fresh samples at T* <= {K:g}/m = {K * target:.3g}",
        f"at T* = {tr.t[k]:.3g}: population loss {pop:.2e} = {pop / target:.3g}/m; the type-2 margin is "
        f"{core:.2f} from the signal words and {filler:.2f} from the fillers"
        + ("" if pop <= K * target else "; fails: population loss above K/m at T*"
           + (", the fillers carrying most of the type-2 margin" if filler > core else "")),
    )


def filler_ratio_prediction(m: int, L: int, n: int) -> float:
    """Theorem 3.3's predicted ratio of a target coefficient C_12 to the bound on a filler coefficient.

    C ~ (sigma0^2 / (sigma1^2 m m1)) (sqrt(m)/L + 1) and filler ~ the same with only the first term divided by
    n, so the common factor cancels: (sqrt(m)/L + 1) / (sqrt(m)/(nL) + 1).
    """
    return (math.sqrt(m) / L + 1) / (math.sqrt(m) / (n * L) + 1)


def coefficient_prediction(run: Run) -> float:
    """Theorem 3.3's order of the target coefficients C_12, C_21, -C_31, -C_32 of W_K^T W_Q(T*) - W_K^T W_Q(0):
    sigma0^2 m / (sqrt(m) L sigma1^2 m m1) + sigma0^2 sqrt(m) / (sqrt(m) sigma1^2 m m1)
    = sigma0^2 (sqrt(m)/L + 1) / (sigma1^2 m m1)."""
    sigma0, sigma1 = run.sigmas
    return sigma0**2 * (math.sqrt(run.m) / run.L + 1) / (sigma1**2 * run.m * run.m1)


def thm3_3_structure(run: Run) -> Verdict:
    """Theorem 3.3: W_K^T W_Q(T*) - W_K^T W_Q(0) = sum C_{i1 i2} mu_i1 mu_i2^T with C_12, C_21 > 0 > C_31, C_32, all
    four Theta(sigma0^2 (sqrt(m)/L + 1) / (sigma1^2 m m1)) (:func:`coefficient_prediction`; within a factor K),
    and filler coefficients bounded by the same expression with its first term divided by n.

    T* is the first record with training loss <= 1/m; a run that never gets there leaves the statement undecided.
    The filler bound is an upper bound up to a constant: it holds if min |C_core| / max |C_filler| >= predicted
    ratio / K. On a run recorded with ``record="signal"`` the filler entries are read through ``A_change`` (the
    largest entry moved over every word): exactly when it exceeds the signal block's, else as an upper bound, which
    decides the bound when it holds even so; the statement is undecided only when the signs and magnitudes hold
    and the bound cannot be decided that way.
    """
    tr, K = run.traj, ORDER_CONSTANT
    k = t_star_index(run)
    keys = ("C12", "C21", "C31", "C32", "prediction", "min_C_over_prediction", "max_C_over_prediction",
            "max_filler", "core_over_filler", "predicted_ratio", "t")
    statement = "C12, C21 > 0 > C31, C32 at T*, of the predicted order"
    if k is None:
        return Verdict("thm3.3.structure", False, run.premise_met(), dict.fromkeys(keys, float("nan")), statement,
                       "undecided: the training loss never reached 1/m in this run (no T*)", undecided=True)
    if tr.every_word:
        tr.require_full_matrices("Theorem 3.3's structure")  # not cut to the first record
    delta = tr.A[k] - tr.A[0]
    core = {f"C{i + 1}{j + 1}": float(delta[i, j]) for i, j in ((0, 1), (1, 0), (2, 0), (2, 1))}
    signs_ok = core["C12"] > 0 and core["C21"] > 0 and core["C31"] < 0 and core["C32"] < 0
    sizes = np.abs(list(core.values()))
    scale = coefficient_prediction(run)
    low, high = float(sizes.min() / scale), float(sizes.max() / scale)
    magnitude_ok = 1 / K <= low and high <= K
    predicted = filler_ratio_prediction(run.m, run.L, run.n)
    items = {"signs": signs_ok, "Theta magnitude": magnitude_ok}
    bound_only = ""
    if tr.every_word:
        filler = float(np.abs(measures.filler_block(delta)).max())
    else:  # a signal record: A_change[k] is the largest |delta| over every entry: the filler entries' if above the
        filler = float(tr.A_change[k])  # signal block's, else an upper bound on theirs (the ratio a lower bound)
        if filler <= np.abs(delta).max():
            bound_only = " (filler read as an upper bound)"
    ratio = float(sizes.min() / filler)
    if not bound_only or ratio >= predicted / K:
        items["filler bound"] = ratio >= predicted / K
    failed = [name for name, ok in items.items() if not ok]
    if "filler bound" not in items and not failed:  # signs and magnitudes hold; the bound is out of the record's reach
        return _signal_words_only("thm3.3.structure", run, {
            **core, "prediction": scale, "min_C_over_prediction": low, "max_C_over_prediction": high,
            "max_filler": float("nan"), "core_over_filler": float("nan"), "predicted_ratio": predicted,
            "t": float(tr.t[k])}, statement)
    return Verdict(
        "thm3.3.structure",
        not failed,
        run.premise_met(),
        {**core, "prediction": scale, "min_C_over_prediction": low, "max_C_over_prediction": high,
         "max_filler": filler, "core_over_filler": ratio, "predicted_ratio": predicted, "t": float(tr.t[k])},
        f"C12, C21 > 0 > C31, C32, each |C| within a factor {K:g} of sigma0^2 (sqrt(m)/L + 1)/(sigma1^2 m m1) = "
        f"{scale:.3g}; min|C|/max|filler| >= (sqrt(m)/L + 1)/(sqrt(m)/(nL) + 1) / {K:g} = {predicted:.3g}/{K:g}",
        f"at t = {tr.t[k]:.3g}: |C| / prediction in [{low:.3g}, {high:.3g}]; min|C|/max|filler| = {ratio:.3g}, "
        f"predicted ratio {predicted:.3g}{bound_only}" + ("" if not failed else "; fails: " + ", ".join(failed)),
    )


def _signal_words_only(claim: str, run: Run, measured: dict[str, float], statement: str) -> Verdict:
    """The undecided verdict of a statement about every word at T* on a run recorded with ``record="signal"``
    (``measured``: what could be measured, NaN for the rest)."""
    return Verdict(claim, False, run.premise_met(), measured, statement,
                   "undecided: the run recorded A over the signal words only (record='signal'), and this statement "
                   "reads every word at T*", undecided=True)


def lemma4_4(run: Run) -> Verdict:
    """Lemma 4.4: through Phase 2, |S2 - S3| / min(S2, S3) <= C, a small constant (we require C <= 1/2)."""
    if (early := _no_phase2("lemma4.4", run)) is not None:
        return early
    worst = float(measures.balance_ratio(run.traj)[measures.phase2_slice(run.traj)].max())
    return _over_phase2(Verdict(
        "lemma4.4",
        worst <= BALANCE_C,
        run.premise_met(),
        {"max_balance": worst},
        f"max over Phase 2 of |S2 - S3| / min(S2, S3) <= C = {BALANCE_C:g}",
        f"largest |S2 - S3| / min(S2, S3) in Phase 2: {worst:.3f}",
    ), run)


def lemma4_5(run: Run) -> Verdict:
    """Lemma 4.5: through Phase 2 the gaps stay a fixed fraction of the total weight:
    S_total / (S2 + S3 + S4 - S1) = O(1) and S_total / (S1 - S2) = O(1) (at most K)."""
    if (early := _no_phase2("lemma4.5", run)) is not None:
        return early
    phase2 = measures.phase2_slice(run.traj)
    r_neg, r_pos = (float(r[phase2].max()) for r in measures.gap_ratios(run.traj))
    K = ORDER_CONSTANT
    return _over_phase2(Verdict(
        "lemma4.5",
        r_neg <= K and r_pos <= K,
        run.premise_met(),
        {"max S/(S2+S3+S4-S1)": r_neg, "max S/(S1-S2)": r_pos},
        f"both ratios <= {K:g} through Phase 2",
        f"largest S/(S2+S3+S4-S1) = {r_neg:.3g}, largest S/(S1-S2) = {r_pos:.3g}",
    ), run)


#: Eq. (5) on a gradient-descent run: the recorded ||W^T a||^2 may differ from the integral of the right-hand side
#: by the descent's O(step) error and the trapezoid rule's error on the recorded grid; this bounds both.
EQ5_TOLERANCE = 0.02


def eq5(run: Run) -> Verdict:
    """Eq. (5): d/dt ||W^T a||^2 = (2 m1 / n) sum_i g_i y_i F_i. On a gradient-descent run it is checked against
    the recorded weights; the Gram flow integrates it as one of its equations, so there it holds by construction."""
    err = measures.eq5_relative_error(run.traj, run.m1)
    if run.experiment.sim.method == "gram":
        return Verdict("eq5", True, True, {"relative_error": err}, "an equation of the Gram flow",
                       f"holds by construction on the Gram flow (quadrature of the records: {err:.1e})",
                       by_construction=True)
    return Verdict(
        "eq5",
        err <= EQ5_TOLERANCE,
        True,
        {"relative_error": err},
        f"max |integral - change| / max |change| <= {EQ5_TOLERANCE:g} (step {run.experiment.sim.step:g}, "
        "trapezoid rule on the records)",
        f"gradient descent: relative error {err:.2e}",
    )


def attention_rate_prediction(run: Run, stop: int | None = None) -> float:
    """Theorem 3.3's caveat (Lemma 4.7, Cor. F.17): in Phase 2, d/dt p_(q<-mu_1, k<-mu_2) = +(1/sqrt m)
    Theta~(L_hat sigma0^2 m) / L^2, and the same with a minus sign for key mu_3. Integrated over Phase 2 with the
    run's own training loss: sigma0^2 sqrt(m) / L^2 x (integral of L_hat from T1 to record ``stop``, by default the
    end)."""
    sigma0, _ = run.sigmas
    integral = measures.loss_integral(run.traj, measures.phase1_index(run.traj), stop)
    return sigma0**2 * math.sqrt(run.m) / run.L**2 * integral


def attention_uniform(run: Run) -> Verdict:
    """Theorem 3.3's caveat: through Phase 2 the attention tilts at the stated Theta rate, staying close to uniform.

    Checked: the mean attention of query mu_1 on key mu_2 rises and on key mu_3 falls over Phase 2, each change
    within a factor K of :func:`attention_rate_prediction` (the rate integrated with the run's own loss), and every
    softmax entry stays within 1/L^2 of its start (Def. F.1, constant 1) over the whole run. At the book's widths
    the entries move by orders of magnitude less than 1/L^2, so that item has little power there; the rate is what
    the verdict can fail on."""
    if (early := _no_phase2("attention_uniform", run)) is not None:
        return early
    K = ORDER_CONSTANT
    tilt = measures.attention_tilt(run.traj)
    scale = attention_rate_prediction(run)
    up, down = tilt["mu1->mu2"], tilt["mu1->mu3"]
    ratios = {name: abs(value) / scale for name, value in tilt.items()}
    change = measures.attention_change(run.traj)
    items = {"signs": up > 0 > down, "Theta rate": all(1 / K <= r <= K for r in ratios.values()),
             "within 1/L^2 of uniform": change <= 1 / run.L**2}
    failed = [name for name, ok in items.items() if not ok]
    return _over_phase2(Verdict(
        "attention_uniform",
        not failed,
        run.premise_met(),
        {"tilt_mu1_mu2": up, "tilt_mu1_mu3": down, "prediction": scale,
         **{f"ratio_{name}": r for name, r in ratios.items()},
         "max_change": change, "max_change_x_L2": change * run.L**2},
        f"over Phase 2, p(q=mu1, k=mu2) rises and p(q=mu1, k=mu3) falls, each by sigma0^2 sqrt(m)/L^2 x "
        f"integral of the loss = {scale:.3g} within a factor {K:g}; every entry within 1/L^2 of its start",
        f"changes {up:.2e} and {down:.2e}: {ratios['mu1->mu2']:.3g} and {ratios['mu1->mu3']:.3g} times the "
        f"prediction; largest change of any entry x L^2 = {change * run.L**2:.1e}"
        + ("" if not failed else "; fails: " + ", ".join(failed)),
    ), run)


#: The registry: every single-run statement by id.
CLAIMS: dict[str, Callable[[Run], Verdict]] = {
    "thm3.1": thm3_1,
    "lemma4.1": lemma4_1,
    "lemma4.2": lemma4_2,
    "lemma4.3": lemma4_3,
    "thm3.2.scores": thm3_2_scores,
    "thm3.2.values": thm3_2_values,
    "thm3.2.margins": thm3_2_margins,
    "thm3.3.loss": thm3_3_loss,
    "thm3.3.population": thm3_3_population,
    "thm3.3.structure": thm3_3_structure,
    "lemma4.4": lemma4_4,
    "lemma4.5": lemma4_5,
    "eq5": eq5,
    "attention_uniform": attention_uniform,
}


def check_all(experiment: Experiment, traj: Trajectory) -> dict[str, Verdict]:
    """Every statement of :data:`CLAIMS` on one run: ``experiment`` and its trajectory (:func:`cooccur.runs.runs_of`
    runs experiments; this module only states and checks)."""
    run = Run(experiment, traj)
    return {claim: check(run) for claim, check in CLAIMS.items()}


def glance(verdicts: dict[str, list[dict[str, Verdict]]], names: dict[str, str] | None = None) -> Readings:
    """Every statement over the seeds of both settings (``verdicts[setting][seed][claim]``, settings ``"paper"`` and
    ``"premise"``): of the statements a run can test (not by construction on every premise-setting seed), how many
    hold with their premises on every seed of the premise setting (``premise_all`` of ``n_counted``, the others
    named in ``premise_rest``), and how many are read outside their premises on every seed of the paper's setting
    (``paper_outside``). ``names`` gives the statements' names in ``premise_rest`` (default: their keys, as code)."""
    counted = [c for c in CLAIMS if not all(v[c].by_construction for v in verdicts["premise"])]
    everywhere = [c for c in counted if all(v[c].holds and v[c].premise_met for v in verdicts["premise"])]
    rest = [(names or {}).get(c, f"`{c}`") for c in counted if c not in everywhere]
    outside = [c for c in counted if not any(v[c].premise_met for v in verdicts["paper"])]
    return Readings({"n_seeds": len(verdicts["premise"]), "premise_all": len(everywhere), "n_counted": len(counted),
                     "paper_outside": len(outside)},
                    texts={"premise_rest": ("; not on every seed: " + ", ".join(rest)) if rest else ""})


def _runs(items: Sequence[Run | tuple[Experiment, Trajectory]]) -> list[Run]:
    return [r if isinstance(r, Run) else Run(*r) for r in items]


def _some_run_without_t1(claim: str, rs: Sequence[Run], premise: bool) -> Verdict | None:
    """The undecided verdict of a statement read over runs when one of them has no T1 (else None)."""
    if all(np.isfinite(r.traj.T1) for r in rs):
        return None
    return Verdict(claim, False, premise, {}, None, "undecided: some run has no T1", undecided=True)


def exponent_rule(x, values, predicted: float | None, kind: str, level: float = 0.95, delta: float | None = None,
                  baseline=None, delta_over=None) -> tuple[bool, measures.PowerLawFit, float, str, str]:
    """The one rule for an order statement read as a power law over runs: fit ``values`` against ``x``
    (:func:`cooccur.measures.power_law_fit`, with its ``level`` interval) and compare the exponent with
    ``predicted``, allowing ``delta`` (default: the slope one log factor of x, or of ``delta_over`` when the
    tilde's log factors are of another variable than x, adds over the runs,
    :func:`cooccur.measures.log_factor_slope`, at least :data:`SLOPE_TOLERANCE`; a tilde may hide it). The rule is one
    of equivalence, so that a wide interval cannot pass by being wide: ``kind`` "Theta" holds if the whole interval
    lies in [a - delta, a + delta]; "O" (an upper bound) if the interval's upper end is at most a + delta. (A 95%
    interval inside the band is a two one-sided test at 2.5% each side. The interval is the fit's scatter only: a
    systematic bend, such as a crossover between two terms, is not in it, and more seeds shrink it.) A failure is
    worded as "not established" when the interval straddles a band edge and "contradicted" when it lies wholly
    outside the band. ``delta`` is a convention: one factor ln x adds about 0.1 to 0.2 to a slope over the ranges
    the book uses, and the 0.2 floor keeps short ranges from being judged more strictly than long ones.

    When the prediction is a formula evaluated on each run (``baseline``, one value per run) rather than a power,
    the ratio values / baseline is fitted and the formula's own log-log slope added back (``predicted`` is then that
    slope): the exponent is the same as a direct fit's, and the interval no longer counts the formula's own bend
    over the runs (its +1 terms, a loss integral) as scatter, as far as the values follow the formula's shape (a
    quantity that bends otherwise keeps its own bend in the ratio's scatter).
    Returns (holds, fit, delta, the rule in words, the outcome in words: "" when it holds)."""
    check_choice("kind", kind, ("Theta", "O"))
    if baseline is None:
        fit = measures.power_law_fit(x, values, level)
    else:
        baseline = np.asarray(baseline, dtype=float)
        predicted = measures.loglog_slope(x, baseline)
        ratio = measures.power_law_fit(x, np.asarray(values, dtype=float) / baseline, level)
        fit = dataclasses.replace(ratio, exponent=ratio.exponent + predicted, low=ratio.low + predicted,
                                  high=ratio.high + predicted)
    if delta is None:
        over = np.asarray(x if delta_over is None else delta_over, dtype=float)
        delta = max(SLOPE_TOLERANCE, measures.log_factor_slope(over)) if np.unique(over).size > 1 else SLOPE_TOLERANCE
    low, high = predicted - delta, predicted + delta
    if kind == "Theta":
        holds = low <= fit.low and fit.high <= high
        outside = fit.high < low or fit.low > high
        rule = f"the {level:.0%} interval of the exponent within {predicted:.2f} +- {delta:.2f}"
    else:
        holds = fit.high <= high
        outside = fit.low > high
        rule = f"the {level:.0%} interval of the exponent at most {predicted:.2f} + {delta:.2f}"
    outcome = "" if holds else (f"fails: contradicted, the whole interval [{fit.low:.2f}, {fit.high:.2f}] is outside"
                                if outside else f"fails: not established, the interval [{fit.low:.2f}, "
                                                f"{fit.high:.2f}] straddles an edge of the band")
    return bool(holds), fit, float(delta), rule, outcome


def delta_needed(fit: measures.PowerLawFit, predicted: float, kind: str) -> float:
    """The smallest delta at which :func:`exponent_rule` would let ``fit`` hold against ``predicted``: how far the
    interval reaches from the prediction (both ends for "Theta", the upper end for "O"; 0 if an upper bound's
    interval lies wholly below it). It shows how much a verdict owes to the convention delta."""
    if kind == "Theta":
        return float(max(predicted - fit.low, fit.high - predicted))
    return float(max(0.0, fit.high - predicted))


def t1_scaling(runs: Sequence[Run | tuple[Experiment, Trajectory]], level: float = 0.95) -> Verdict:
    """Theorem 3.1 with Lemma 4.1: T1 is inversely proportional to the Phase-1 rate (sigma0^2 + sigma1^2) m m1.

    T1 is fitted as a power law of that rate over the runs, with its ``level`` interval, which must lie within
    -1 +- delta (:func:`exponent_rule`, a Theta statement). (Under the theory's initialisation the rate is m1/L + m,
    so with m1 proportional to m it is proportional to m, and T1 = O(1/m).) Also reports the spread of T1 x rate.
    """
    rs = _runs(runs)
    t1 = np.array([r.traj.T1 for r in rs])
    rate = np.array([r.phase1_rate for r in rs])
    premise = all(r.premise_met() for r in rs)
    if (early := _some_run_without_t1("t1_scaling", rs, premise)) is not None:
        return early
    m = np.array([r.m for r in rs], dtype=float)  # the tilde hides factors of log m, not of log rate
    holds, fit, delta, rule, outcome = exponent_rule(rate, t1, -1.0, "Theta", level, delta_over=m)
    product = t1 * rate
    return Verdict(
        "t1_scaling",
        holds,
        premise,
        {"slope": fit.exponent, "low": fit.low, "high": fit.high, "delta": delta,
         "delta_needed": delta_needed(fit, -1.0, "Theta"),
         "T1_x_rate_min": float(product.min()), "T1_x_rate_max": float(product.max())},
        f"exponent of T1 in (sigma0^2 + sigma1^2) m m1: {rule}",
        f"fitted exponent {fit.exponent:.2f} [{fit.low:.2f}, {fit.high:.2f}]; T1 x rate between "
        f"{product.min():.3g} and {product.max():.3g}" + (f"; {outcome}" if outcome else ""),
    )


def score_movement_scaling(runs: Sequence[Run | tuple[Experiment, Trajectory]], level: float = 0.95) -> Verdict:
    """Theorem 3.1, item 4, over widths: the scores' movement during Phase 1 divided by T1 (their mean rate)
    against m. With T1 ~ 1/m and the bound m^-3/2 (1/L + 1/sqrt m) the rate is bounded by m^-1/2 (1/L + 1/sqrt m),
    whose log-log slope over the same widths is the predicted exponent; an upper bound, so the ``level`` interval of
    the fitted exponent must not reach above it by more than delta (:func:`exponent_rule`, an O statement, with the
    bound's shape as its baseline)."""
    rs = _runs(runs)
    m = np.array([r.m for r in rs], dtype=float)
    L = np.array([r.L for r in rs], dtype=float)
    premise = all(r.premise_met() for r in rs)
    if (early := _some_run_without_t1("score_movement_scaling", rs, premise)) is not None:
        return early
    rate = np.array([r.traj.A_change[: measures.phase1_index(r.traj) + 1].max() / r.traj.T1 for r in rs])
    bound = m**-0.5 * (1 / L + m**-0.5)
    predicted = measures.loglog_slope(m, bound)
    holds, fit, delta, rule, outcome = exponent_rule(m, rate, None, "O", level, baseline=bound)
    return Verdict(
        "score_movement_scaling",
        holds,
        premise,
        {"slope": fit.exponent, "low": fit.low, "high": fit.high, "predicted_slope": predicted, "delta": delta,
         "delta_needed": delta_needed(fit, predicted, "O")},
        f"exponent of m in the score movement / T1: {rule} (the slope of m^-1/2 (1/L + 1/sqrt m) over these widths)",
        f"fitted exponent {fit.exponent:.2f} [{fit.low:.2f}, {fit.high:.2f}] against {predicted:.2f}"
        + (f"; {outcome}" if outcome else ""),
    )


def attention_scaling(runs: Sequence[Run | tuple[Experiment, Trajectory]], level: float = 0.95) -> Verdict:
    """Theorem 3.3's attention rate over lengths: the Phase-2 rise of p(q=mu_1, k=mu_2) against L, fitted as a power
    law with its ``level`` interval, against the exponent the rate formula predicts for the same runs (the log-log
    slope of :func:`attention_rate_prediction` over them: -2 from the 1/L^2, plus what sigma0^2 and the runs' own
    loss integral contribute; the formula is :func:`exponent_rule`'s baseline). Holds if the whole interval lies
    within delta of the prediction, delta the slope one log factor of L adds over the lengths
    (:func:`cooccur.measures.log_factor_slope`; the tilde-Theta may hide it, as in :func:`width_orders`), at least
    :data:`SLOPE_TOLERANCE`. Over a short range of L delta is wide (0.67 over L = 3..7), so the verdict has little
    power there and the fitted exponents are the finding.
    Also reports the largest change of any softmax entry times L^2 (Def. F.1's uniformity, far below 1)."""
    rs = _runs(runs)
    premise = all(r.premise_met() for r in rs)
    L = np.array([r.L for r in rs], dtype=float)
    if len(rs) < 3 or len(set(L)) < 2:
        raise ValueError("attention_scaling needs three or more runs at two or more lengths")
    if (early := _some_run_without_t1("attention_scaling", rs, premise)) is not None:
        return early
    rise = np.array([measures.attention_tilt(r.traj)["mu1->mu2"] for r in rs])
    if np.any(rise <= 0):
        return Verdict("attention_scaling", False, premise, {"smallest_rise": float(rise.min())}, None,
                       "p(q=mu1, k=mu2) does not rise over Phase 2 on every run")
    formula = [attention_rate_prediction(r) for r in rs]
    predicted = measures.loglog_slope(L, formula)
    scaled = max(measures.attention_change(r.traj) * r.L**2 for r in rs)
    holds, fit, delta, _, outcome = exponent_rule(L, rise, None, "Theta", level, baseline=formula)  # as over widths
    return Verdict(
        "attention_scaling",
        holds,
        premise,
        {"exponent": fit.exponent, "low": fit.low, "high": fit.high, "predicted_exponent": predicted,
         "delta_needed": delta_needed(fit, predicted, "Theta"), "max_change_x_L2": float(scaled)},
        f"exponent of L in the rise of p(q=mu1, k=mu2) over Phase 2 = {predicted:.2f} +- {delta:.2f} (the rate "
        f"formula's over these runs; one log factor of L), whole {level:.0%} interval",
        f"fitted {fit.exponent:.2f} [{fit.low:.2f}, {fit.high:.2f}] against {predicted:.2f}; largest change of any "
        f"entry x L^2 = {scaled:.1e}" + (f"; {outcome}" if outcome else ""),
    )


@dataclass(frozen=True)
class Order:
    """An order statement in the width m, read over runs at Condition 1's scales (m1 = m, fixed L and s).

    Attributes:
        statement: the statement as the paper writes it.
        measure: the number read off one run.
        exponent: the exponent of m the statement gives (for a sum of powers with constants of their own, the
            largest); None when ``prediction`` gives the statement's formula instead.
        kind: ``"Theta"`` (the measured exponent must match) or ``"O"`` (an upper bound: it must not be larger).
        from_start: the quantity is already of the stated order at t = 0 by the law of the initialisation (e.g.
            ||W^T a||^2 is about m), so the sweep has little power against the statement: shown, and said so.
        at: where the statement is read: ``"T1"`` (Theorem 3.1) or ``"T*"`` (Theorem 3.3; a run that never gets
            there leaves the statement undecided).
        prediction: the statement's formula on one run, for a statement whose order is a formula rather than a
            power of m (:func:`exponent_rule`'s ``baseline``; the predicted exponent is its slope over the runs).
    """

    statement: str
    measure: Callable[[Run], float]
    exponent: float | None
    kind: str
    from_start: bool = False
    at: str = "T1"
    prediction: Callable[[Run], float] | None = None


def _at_t1(run: Run) -> int:
    return measures.phase1_index(run.traj)


def neuron_pair_bound(run: Run, confidence: float = 0.99) -> float:
    """An upper bound on how far any neuron correlation <w_j1, w_j2> moves over [0, T1], from the Gram records.

    Every row of W moves along one shared vector: dw_j/dt = -a_j v with v = W_V Gamma_G^T, so with the output
    weights a_j of equal size (the model's fixed +-1), w_j(t) - w_j(0) = -a_j u(t) for one u, and
    ||dL/dW||_F = sqrt(sum a_j^2) ||v|| gives |a_j| ||v|| = ||dL/dW||_F / sqrt(m1). So each row moves by at most
    D = int_0^T1 ||dL/dW||_F / sqrt(m1) dt (the trapezoid rule on the records: an estimate of the integral, not a
    bound on it), and every pair by at most (||w_j1(0)|| + ||w_j2(0)||) D + D^2 <= 2 r D + D^2, r the largest
    initial row norm. Rows are N(0, sigma1^2 I_m), so with probability ``confidence`` over the draw every one of the
    m1 rows has norm at most r = sigma1 (sqrt(m) + sqrt(2 ln(m1 / (1 - confidence)))) (Gaussian concentration of
    the norm, a union bound over rows). Unlike the mean change of ||W^T a||^2 / m1^2, which averages over all
    pairs, this bounds every pair from above."""
    tr = run.traj
    i1 = measures.phase1_index(tr)
    speed = tr.grad_norm[: i1 + 1, 3] / math.sqrt(run.m1)
    D = float(np.sum(np.diff(tr.t[: i1 + 1]) * (speed[1:] + speed[:-1]) / 2))
    r = run.sigmas[1] * (math.sqrt(run.m) + math.sqrt(2 * math.log(run.m1 / (1 - confidence))))
    return 2 * r * D + D**2


#: Theorem 3.1's order statements in m (Theorem E.26 for T1, Theorem E.28 for the movements over [0, T1]).
WIDTH_ORDERS: dict[str, Order] = {
    "T1": Order("T1 = C_T1 / (sigma1^2 m m1) (Def. E.2, Thm E.26: the formal version of the informal O~(1/m), "
                "with a constant, so a Theta)", lambda r: r.traj.T1, -1.0, "Theta"),
    "scores moved": Order("KQ scores move by O~(m^-3/2 (1/L + 1/sqrt m)) over [0, T1]: its slower term, m^-3/2, "
                          "sets the exponent (each term has its own constant)",
                          lambda r: r.movements["scores"], -1.5, "O"),
    "values moved": Order("value correlations move by O~(1/m) over [0, T1]",
                          lambda r: r.movements["values"], -1.0, "O"),
    "neuron moved": Order("neuron correlations move by O~(1/m) over [0, T1] (an upper bound on every pair: "
                          "neuron_pair_bound)", neuron_pair_bound, -1.0, "O"),
    "KK moved": Order("KK correlations move by O~(1/m^2) over [0, T1]", lambda r: r.movements["KK"], -2.0,
                      "O"),
    "QQ moved": Order("QQ correlations move by O~(1/m^2) over [0, T1]", lambda r: r.movements["QQ"], -2.0,
                      "O"),
    "filler G": Order("G(random word) = O~(sigma0 sigma1 sqrt(m m1)) at T1, of order m^0 at these scales",
                      lambda r: float(np.abs(r.traj.G[_at_t1(r), FIRST_FILLER:]).max()), 0.0, "O", from_start=True),
    "filler G moved": Order("the same bound on the fillers' change of G over [0, T1], which the law of the "
                            "initialisation does not give for free", lambda r: float(np.abs(
                                r.traj.G[_at_t1(r), FIRST_FILLER:] - r.traj.G[0, FIRST_FILLER:]).max()), 0.0, "O"),
    "sum <aw, aw>": Order("sum <a_j w_j, a_j' w_j'> = Theta(sigma1^2 m m1) at T1, of order m here",
                          lambda r: float(r.traj.wa_sq[_at_t1(r)]), 1.0, "Theta", from_start=True),
    "loss": Order("the loss is Theta(1) at T1", lambda r: float(r.traj.loss[_at_t1(r)]), 0.0, "Theta",
                  from_start=True),
}


#: Theorem 3.3's order statements in m, read at T* (the first time the training loss is 1/m) on runs that reach
#: it (:func:`cooccur.experiment.t_star_setting`).
T_STAR_ORDERS: dict[str, Order] = {
    "smallest C at T*": Order("C12, C21, -C31, -C32 = Theta(sigma0^2 (sqrt(m)/L + 1) / (sigma1^2 m m1)) at T*: the "
                              "smallest of the four, against that expression", lambda r: r.at_t_star["C_min"], None,
                              "Theta", at="T*", prediction=coefficient_prediction),
    "largest C at T*": Order("the same statement read on the largest of the four", lambda r: r.at_t_star["C_max"],
                             None, "Theta", at="T*", prediction=coefficient_prediction),
    "attention tilt": Order("p(q=mu1, k=mu2) rises at the rate (1/sqrt m) Theta~(L_hat sigma0^2 m) / L^2 over "
                            "[T1, T*]: the rise against that rate integrated with each run's own loss",
                            lambda r: r.at_t_star["tilt"], None, "Theta", at="T*",
                            prediction=lambda r: r.at_t_star["tilt_prediction"]),
}


def width_orders(runs: Sequence[Run | tuple[Experiment, Trajectory]], level: float = 0.95,
                 orders: dict[str, Order] | None = None) -> dict[str, Verdict]:
    """Each statement of ``orders`` (by default :data:`WIDTH_ORDERS`; :data:`T_STAR_ORDERS` for Theorem 3.3's) as a
    scaling law over the widths of ``runs`` (several seeds per width; e.g. :func:`cooccur.experiment.width_setting`
    from m = 32 to 10^6, :func:`cooccur.experiment.t_star_setting` for statements read at T*).

    The exponent of m is fitted by least squares on the logs of every run (:func:`cooccur.measures.power_law_fit`)
    with its ``level`` confidence interval. The tilde of O~ and Theta~ may hide log factors, whose slope over the
    widths is delta = :func:`cooccur.measures.log_factor_slope` (0.13 from 32 to 10^6; one factor ln m, a polylog
    may hide more). The rule is one of equivalence, so that a wide interval (few runs, few decades) cannot pass by
    being wide: a Theta statement holds if the whole interval lies in [a - delta, a + delta], an O statement (an
    upper bound) if the interval's upper end is at most a + delta. A single width cannot decide either: at least
    two distinct widths are required (three decades or more to be useful). The draws of different widths are
    independent (:meth:`cooccur.coordinates.GramState.draw`). The premise is Condition 1 with a lazy Phase 1 on
    every run; statements whose quantity has its order already at t = 0 are marked (``from_start``).
    """
    rs = _runs(runs)
    m = np.array([r.m for r in rs], dtype=float)
    if np.unique(m).size < 2:
        raise ValueError("an order statement in m needs runs at two or more widths")
    delta = measures.log_factor_slope(m)
    premise = all(r.premise_met("lazy_phase1") for r in rs)  # the bounds are proved for a lazy Phase 1
    verdicts = {}
    for name, order in (WIDTH_ORDERS if orders is None else orders).items():
        if name != "T1" and (early := _some_run_without_t1(f"width:{name}", rs, premise)) is not None:
            verdicts[name] = early
            continue
        if order.at == "T*" and not all(np.isfinite(r.at_t_star["T_star"]) for r in rs):
            verdicts[name] = Verdict(f"width:{name}", False, premise, {}, None,
                                     "undecided: some run has no T* after its T1 (training loss 1/m)",
                                     undecided=True)
            continue
        values = np.array([order.measure(r) for r in rs], dtype=float)
        baseline = None if order.prediction is None else [order.prediction(r) for r in rs]
        if np.isnan(values).any() and not all(r.traj.every_word for r in rs):
            verdicts[name] = Verdict(f"width:{name}", False, premise, {}, None,
                                     "undecided: some run recorded the signal words only (record='signal') and "
                                     "cannot give this quantity", undecided=True)
            continue
        if not np.all(np.isfinite(values) & (values > 0)):
            verdicts[name] = Verdict(f"width:{name}", False, premise, {}, None,
                                     "some run gives no positive finite value")
            continue
        holds, fit, _, rule, outcome = exponent_rule(m, values, order.exponent, order.kind, level, delta, baseline)
        a = float(order.exponent) if baseline is None else measures.loglog_slope(m, baseline)
        rule += " (one log factor)"
        verdicts[name] = Verdict(
            f"width:{name}", bool(holds), premise,
            {"exponent": fit.exponent, "low": fit.low, "high": fit.high, "predicted": a, "log_slope": delta,
             "delta_needed": delta_needed(fit, a, order.kind),
             "runs": float(fit.n), "decades": float(np.log10(m.max() / m.min())),
             "from_start": float(order.from_start)},
            f"{order.statement}: {rule}",
            f"fitted exponent {fit.exponent:.3f} [{fit.low:.3f}, {fit.high:.3f}] against {a:.2f}"
            + ("; of that order already at t = 0" if order.from_start else "") + (f"; {outcome}" if outcome else ""),
        )
    return verdicts


def held_by_margin(runs_by_setting: dict[str, Sequence[Run]], margins: Sequence[float]) -> dict[float, dict[str, int]]:
    """For each T1 rule c of ``margins`` (Phase 2 starts where every margin is at least c) and each setting, on how
    many runs Theorem 3.2's item 3 (:func:`thm3_2_margins`) holds."""
    return {c: {name: sum(thm3_2_margins(r, t1_margin=c).holds for r in rs) for name, rs in runs_by_setting.items()}
            for c in margins}


def t_star_readings(runs: Sequence[Run]) -> dict[str, float]:
    """Theorem 3.3's readings at T* over a width sweep (runs at one initial scale, ``Run.at_t_star`` computed): the
    exponents of m of T*, of T*/T1, of the loss integral from T1 to T* times the Phase-1 rate and of the tilt over
    the smallest coefficient (about -1/2; the exponent of tilt sqrt(m)/C, about 0, would make a relative tolerance
    vacuous), and the smallest coefficient over its formula (median) at the narrowest and the widest width."""
    m = np.array([r.m for r in runs], dtype=float)
    at = {key: np.array([r.at_t_star[key] for r in runs]) for key in runs[0].at_t_star}
    rate = np.array([r.phase1_rate for r in runs])
    t1 = np.array([r.traj.T1 for r in runs])
    c_ratio = at["C_min"] / np.array([coefficient_prediction(r) for r in runs])

    def exponent(values: np.ndarray) -> float:
        return measures.power_law_fit(m, values).exponent

    return {"t_star_exponent": exponent(at["T_star"]), "t_star_over_t1_exponent": exponent(at["T_star"] / t1),
            "t_loss_integral_exponent": exponent(at["loss_integral"] * rate),
            "t_C_ratio_narrow": float(np.median(c_ratio[m == m.min()])),
            "t_C_ratio_wide": float(np.median(c_ratio[m == m.max()])),
            "t_tilt_over_C_exponent": exponent(at["tilt"] / at["C_min"])}


def rise_first_summary(runs: Sequence[Run]) -> dict[str, float]:
    """Lemma 4.2 over a group of runs: the median over runs of the median |F(0)| (``out0``), on how many the
    small-output premise holds (``premise``), types 2 and 3 rise first (``rise``,
    :func:`cooccur.measures.rises_first`) and Lemma 4.2 holds (``held``), of ``runs`` runs."""
    return {"out0": float(np.median([np.median(np.abs(r.traj.F[0])) for r in runs])),
            "premise": sum(r.premises["small_output"].met for r in runs),
            "rise": sum(measures.rises_first(r.traj) for r in runs), "held": sum(lemma4_2(r).holds for r in runs),
            "runs": len(runs)}

