"""Small named measurements on a recorded :class:`~cooccur.trajectory.Trajectory`.

Each function computes one number (or one array) that a claim, a chapter or a test needs, so that every
place uses the same definition. A measure reads a whole recorded run after the fact (where Phase 1 ends, a slope
over the records, a fit over runs); :mod:`cooccur.observables` computes what the flow records at each step from
its state, on a lower floor that knows no trajectory.

Conventions as in :mod:`cooccur.trajectory`: time axis first, word indices 0-based (mu_1 = 0, mu_2 = 1, mu_3 = 2,
fillers from 3), [key word, query word] for A, VV and attention, sample types 1..4 in the columns of the "by type"
arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from cooccur.coordinates import Batch, attention_probabilities, reduced_loss_and_grad
from cooccur.data import COMMON, FIRST_FILLER, TARGET_1, TARGET_2
from cooccur.observables import T1_MARGIN, mean_attention, phase_boundary, sample_g
from cooccur.trajectory import Trajectory


def phase1_end(traj: Trajectory, margin: float | None = None) -> float:
    """T1 by the rule of :func:`cooccur.observables.phase_boundary` with threshold ``margin``: the first time every
    y_i F_i and G(mu_1), G(mu_2), -G(mu_3) is at least ``margin`` (0: the first crossing). ``None`` or
    :data:`~cooccur.observables.T1_MARGIN` is the library's rule, the recorded ``traj.T1``; other thresholds show
    how much a reading depends on where Phase 2 starts.
    """
    if margin is None or margin == T1_MARGIN:
        return traj.T1
    return phase_boundary(traj.t, traj.F, traj.y, traj.G, margin=margin)


def phase1_index(traj: Trajectory, t1: float | None = None) -> int:
    """Index of the first record at or after T1 (``t1`` if given, else ``traj.T1``); never a record before it."""
    return traj.at(traj.T1 if t1 is None else t1, when="at_or_after")


def phase2_slice(traj: Trajectory, t1: float | None = None) -> slice:
    """The records of Phase 2: from the first record at or after T1 to the end of the run."""
    return slice(phase1_index(traj, t1), None)


def phase1_mask(traj: Trajectory) -> np.ndarray:
    """Boolean (R,) mask of the records at times t <= T1 (Phase 1, its end included)."""
    return traj.t <= traj.T1


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x (both positive)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a log-log slope needs positive x and y")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


@dataclass(frozen=True)
class PowerLawFit:
    """y = prefactor x^exponent fitted by least squares on logs, with the ``level`` confidence interval
    [low, high] of the exponent (Student's t with n - 2 degrees of freedom) from ``n`` points."""

    exponent: float
    low: float
    high: float
    prefactor: float
    n: int
    level: float


def power_law_fit(x, y, level: float = 0.95) -> PowerLawFit:
    """Fit y = c x^a over positive x, y (at least 3 points, 2 distinct x): ``scipy.stats.linregress`` on the logs;
    the interval is a +- t_{(1+level)/2, n-2} x its standard error."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 3 or np.unique(x).size < 2:
        raise ValueError("a power-law fit needs at least 3 points at 2 or more distinct x")
    if np.any(x <= 0) or np.any(y <= 0) or not np.all(np.isfinite(x * y)):
        raise ValueError("a power-law fit needs finite positive x and y")
    if np.ptp(np.log(y)) == 0:  # an exact constant: linregress leaves its correlation, and so its error, undefined
        return PowerLawFit(0.0, 0.0, 0.0, float(y[0]), int(x.size), level)
    fit = stats.linregress(np.log(x), np.log(y))
    half = float(stats.t.ppf((1 + level) / 2, x.size - 2) * fit.stderr)
    return PowerLawFit(float(fit.slope), float(fit.slope) - half, float(fit.slope) + half, float(np.exp(fit.intercept)),
                       int(x.size), level)


def log_factor_slope(x) -> float:
    """The log-log slope that one factor ln x adds over the range of ``x``: what a tilde (Õ, Θ̃) may hide in a
    fitted exponent. Over m from 32 to 10^6 it is 0.13."""
    x = np.asarray(x, dtype=float)
    lo, hi = x.min(), x.max()
    if lo <= 1 or hi <= lo:
        raise ValueError("needs x above 1 over a range")
    return float((np.log(np.log(hi)) - np.log(np.log(lo))) / (np.log(hi) - np.log(lo)))


def rises_first(traj: Trajectory, types: tuple[int, ...] = (2, 3)) -> bool:
    """True if the mean loss of every type in ``types`` exceeds its value at t = 0 at some record before T1."""
    before = phase1_mask(traj)
    return all(traj.loss_by_type[before, k - 1].max() > traj.loss_by_type[0, k - 1] for k in types)


def initial_rates(traj: Trajectory) -> np.ndarray:
    """dG/dt at t = 0 for mu_1, mu_2, mu_3; shape (3,)."""
    return traj.G_rate[0, :3].copy()


def sandwich_ratios(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """The two ratios of Lemma 4.3 along the run, each shape (R,).

    lower = -dG(mu_3)/dt / max(dG(mu_1)/dt, dG(mu_2)/dt) (the lemma: at least 1 + C) and
    upper = -dG(mu_3)/dt / (dG(mu_1)/dt + dG(mu_2)/dt) (the lemma: at most 1 - C).
    """
    r = traj.G_rate
    lower = -r[:, COMMON] / np.maximum(r[:, TARGET_1], r[:, TARGET_2])
    upper = -r[:, COMMON] / (r[:, TARGET_1] + r[:, TARGET_2])
    return lower, upper


def sandwich_constant(traj: Trajectory) -> tuple[float, float]:
    """(C, T_0.5) for Lemma 4.3.

    T_0.5 is the earliest recorded time from which both inequalities
    (1 + C) max(G1', G2') <= -G3' <= (1 - C)(G1' + G2') hold with some C > 0 at every record up to T1; NaN if they
    fail at the last record before T1. C is the largest constant that holds at every record of the second half of
    [T_0.5, T1] (on the whole interval it would be about 0, since T_0.5 is where the slack crosses zero), or at
    the records from T_0.5 on when that second half holds none.
    """
    lower, upper = sandwich_ratios(traj)
    slack = np.minimum(lower - 1.0, 1.0 - upper)  # C(t): the largest constant that holds at time t
    before = np.flatnonzero(phase1_mask(traj))
    fails = before[~(slack[before] > 0)]
    if not before.size or (fails.size and fails[-1] == before[-1]):
        return float("nan"), float("nan")
    t_half = float(traj.t[fails[-1] + 1] if fails.size else traj.t[0])
    window = before[traj.t[before] >= (t_half + traj.T1) / 2]
    if not window.size:  # the inequalities hold only at the last record before T1: C is its slack
        window = before[traj.t[before] >= t_half]
    return float(slack[window].min()), t_half


def largest_change(values: np.ndarray, upto: int) -> float:
    """max |values[k] - values[0]| over the records k <= upto (any trailing shape)."""
    return float(np.abs(values[: upto + 1] - values[:1]).max())


def monotone(values: np.ndarray, sign: int) -> bool:
    """True if ``values`` (R,) never moves against ``sign`` (+1 up, -1 down) and ends strictly on its side."""
    return bool(np.all(sign * np.diff(values) >= 0) and sign * (values[-1] - values[0]) > 0)


def attention_change(traj: Trajectory, records: slice = slice(None)) -> float:
    """Largest change of any single softmax entry p[i, l, h] from its value at the first record, over the given
    records (``traj.attn_change``, recorded from every sample's attention as the run goes)."""
    return float(traj.attn_change[records].max())


#: The two softmax entries whose Phase-2 rates Theorem 3.3's caveat gives, as [key word, query word] of the mean
#: attention ``traj.attn``: query mu_1 on key mu_2 (rises) and query mu_1 on key mu_3 (falls).
TILT_ENTRIES = {"mu1->mu2": (1, 0), "mu1->mu3": (2, 0)}


def attention_tilt(traj: Trajectory) -> dict[str, float]:
    """The change over Phase 2 (T1 to the end of the run) of the mean attention of query mu_1 on key mu_2 and on
    key mu_3 (:data:`TILT_ENTRIES`; means over the sequences where the pair occurs)."""
    i1 = phase1_index(traj)
    return {name: float(traj.attn[-1, k, q] - traj.attn[i1, k, q]) for name, (k, q) in TILT_ENTRIES.items()}


def attention_shift(A_from: np.ndarray, A_to: np.ndarray, batch: Batch, m: int) -> np.ndarray:
    """mean_attention at ``A_to`` minus at ``A_from`` ((d, d), indexed [key, query] like A), computed without
    subtracting two nearly equal probabilities: the scores move by dS = (A_to - A_from)[tok_h, tok_l] / sqrt(m), and
    p_to = p_from exp(dS - dLSE) with dLSE = log(sum_h p_from exp(dS)), so the change is
    p_from expm1(dS - log1p(sum_h p_from expm1(dS))). At large widths the change is many orders below p itself
    (about 1e-11 against 0.2 at m = 10^6), where a plain difference keeps only a few digits."""
    p_from = attention_probabilities(A_from, batch, m)
    dS = (A_to - A_from).reshape(batch.d * batch.d)[batch.key_query] / np.sqrt(m)
    shift = np.log1p((p_from * np.expm1(dS)).sum(axis=-1, keepdims=True))
    return mean_attention(p_from * np.expm1(dS - shift), batch)


def loss_integral(traj: Trajectory, start: int = 0, stop: int | None = None) -> float:
    """The integral of the training loss over time from record ``start`` to record ``stop`` (included; by default
    the end), by the trapezoid rule on the records."""
    end = None if stop is None else stop + 1
    return float(np.trapezoid(traj.loss[start:end], traj.t[start:end]))


def population_loss(traj: Trajectory, fresh: Batch, m: int, index: int = -1) -> float:
    """Logistic loss at record ``index`` on samples the run never saw (``fresh``, drawn from the same data model).

    The output depends on the weights only through (A, G), which the trajectory records in full (a run recorded with
    ``record="full"`` and not cut by :meth:`cooccur.claims.Run.without_matrices`; otherwise ``ValueError``).
    """
    traj.require_full_matrices("the population loss")
    return reduced_loss_and_grad(traj.A[index], traj.G[index], fresh, m).loss


def eq5_curves(traj: Trajectory, m1: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. (5) along the run: (recorded change of ||W^T a||^2, integral of its right-hand side), each (R,).

    Eq. (5): d/dt ||W^T a||^2 = (2 m1 / n) sum_i g_i y_i F_i; the right-hand side is integrated over the recorded
    times by the trapezoid rule.
    """
    from scipy.integrate import cumulative_trapezoid
    from scipy.special import expit

    n = traj.F.shape[1]
    margins = traj.y * traj.F
    rhs = 2.0 * m1 / n * np.sum(expit(-margins) * margins, axis=1)
    return traj.wa_sq - traj.wa_sq[0], cumulative_trapezoid(rhs, traj.t, initial=0.0)


def eq5_relative_error(traj: Trajectory, m1: int) -> float:
    """max_t |integral - change| / max_t |change| for the curves of :func:`eq5_curves`."""
    change, integral = eq5_curves(traj, m1)
    return float(np.abs(integral - change).max() / np.abs(change).max())


def peak_rise(traj: Trajectory, types: tuple[int, ...] = (2, 3)) -> float:
    """The smaller, over ``types``, of each type's largest relative loss rise before T1 (0 if it never rises):
    max_{t <= T1} loss_k(t) / loss_k(0) - 1."""
    before = phase1_mask(traj)
    rises = [traj.loss_by_type[before, k - 1].max() / traj.loss_by_type[0, k - 1] - 1 for k in types]
    return float(max(min(rises), 0.0))


def filler_rate_ratio(batch: Batch) -> float:
    """The first-order ratio of the fastest filler word's dG/dt to G(mu_1)'s at t = 0 (every g_i = 1/2, uniform
    attention): a word's G moves at a rate proportional to the sum of the labels of the samples it occurs in, once
    per occurrence, and G(mu_1)'s to |I1| - |I2| (its type-1 samples against its type-2 ones). 3/n when every
    filler occurs once at the paper's proportions."""
    return _filler_push_ratio(batch, batch.y)


def _filler_push_ratio(batch: Batch, weight: np.ndarray) -> float:
    """The largest push on a filler word over the push on mu_1, each sample i pushing every word it holds, once per
    occurrence, by ``weight[i]`` (shape (n,)); inf when mu_1 is not pushed up."""
    fillers = batch.tokens >= FIRST_FILLER
    pushed = np.bincount(batch.tokens[fillers], weights=np.broadcast_to(weight[:, None], batch.tokens.shape)[fillers],
                         minlength=batch.d)
    mu1 = float(((batch.tokens == TARGET_1).sum(axis=1) * weight).sum())
    return float(np.abs(pushed).max() / mu1) if mu1 > 0 else float("inf")


def filler_kernel_ratio(traj: Trajectory, batch: Batch, stop: int) -> float:
    """:func:`filler_rate_ratio` with each sample weighted by its own loss derivative g_i = 1 / (1 + exp(y_i F_i))
    integrated over the records up to ``stop`` (trapezoid rule) instead of g_i = 1/2: the ratio of the fastest
    filler word's change of G to G(mu_1)'s that a lazy Phase 1 predicts (Gram quantities and attention near their
    start, so that each word's G moves at the rate the labels and losses of its own samples push it). Equal to
    :func:`filler_rate_ratio` when every sample's integral of g_i is the same (about so when the outputs stay small
    over most of [0, T1]); larger when the initial outputs are large, the samples a filler occurs in then weighing
    more than the type-1 ones that push G(mu_1)."""
    g = sample_g(traj.F[: stop + 1], traj.y)
    return _filler_push_ratio(batch, traj.y * np.trapezoid(g, traj.t[: stop + 1], axis=0))


def phase1_growth(traj: Trajectory) -> dict[str, float]:
    """How much the Gram quantities the proof treats as frozen in Phase 1 have grown by T1: ||W^T a||^2 and the
    diagonal of W_V^T W_V over mu_1, mu_2, mu_3 (the largest), each as a ratio to its value at t = 0."""
    i1 = phase1_index(traj)
    diag0, diag1 = np.diagonal(traj.VV[0])[:3], np.diagonal(traj.VV[i1])[:3]
    return {"wa_sq_growth": float(traj.wa_sq[i1] / traj.wa_sq[0]), "VV_growth": float((diag1 / diag0).max())}


def filler_block(delta: np.ndarray) -> np.ndarray:
    """The entries of a (d, d) [key, query] matrix that involve a filler word (key or query index >= 3)."""
    mask = np.zeros(delta.shape, dtype=bool)
    mask[FIRST_FILLER:, :] = True
    mask[:, FIRST_FILLER:] = True
    return delta[mask]


def balance_ratio(traj: Trajectory) -> np.ndarray:
    """|S2 - S3| / min(S2, S3) along the run, shape (R,) (Lemma 4.4)."""
    S2, S3 = traj.S_by_type[:, 1], traj.S_by_type[:, 2]
    return np.abs(S2 - S3) / np.minimum(S2, S3)


def gap_ratios(traj: Trajectory) -> tuple[np.ndarray, np.ndarray]:
    """S_total / (S2 + S3 + S4 - S1) and S_total / (S1 - S2) along the run (Lemma 4.5); inf where a gap is <= 0."""
    S = traj.S_by_type
    total = S.sum(axis=1)
    gaps = (S[:, 1] + S[:, 2] + S[:, 3] - S[:, 0], S[:, 0] - S[:, 1])
    return tuple(np.where(g > 0, total / np.where(g > 0, g, 1.0), np.inf) for g in gaps)  # type: ignore[return-value]


def ordering_holds(traj: Trajectory) -> dict[str, np.ndarray]:
    """The orderings of the paper's Definition F.1 at every record: S4 <= min(S2, S3), max(S2, S3) <= S1,
    S1 <= S2 + S3 + S4; each a boolean (R,) array."""
    S = traj.S_by_type
    return {
        "S4 <= min(S2, S3)": S[:, 3] <= np.minimum(S[:, 1], S[:, 2]),
        "max(S2, S3) <= S1": np.maximum(S[:, 1], S[:, 2]) <= S[:, 0],
        "S1 <= S2 + S3 + S4": S[:, 0] <= S[:, 1] + S[:, 2] + S[:, 3],
    }


def late_loss_slopes(traj: Trajectory, from_fraction: float = 0.1) -> np.ndarray:
    """Log-log slope of the overall loss and of each type's loss over t >= from_fraction * T; shape (5,)."""
    late = traj.t >= from_fraction * traj.t[-1]
    columns = [traj.loss[late], *(traj.loss_by_type[late, k] for k in range(4))]
    return np.array([loglog_slope(traj.t[late], c) for c in columns])


def balance_readings(traj: Trajectory) -> dict[str, float]:
    """Lemma 4.4's balance over Phase 2: the smallest and largest S2/S3 (``S23_min``, ``S23_max``) and the share
    of Phase-2 records at which each ordering of :func:`ordering_holds` holds (``order0_frac`` ...)."""
    phase2 = phase2_slice(traj)
    ratio = traj.S_by_type[phase2, 1] / traj.S_by_type[phase2, 2]
    return {"S23_min": float(ratio.min()), "S23_max": float(ratio.max()),
            **{f"order{i}_frac": float(holds[phase2].mean()) for i, holds in enumerate(ordering_holds(traj).values())}}


def balance_ratio_readings(traj: Trajectory) -> dict[str, float]:
    """S2/S3 at t = 0, at T1 and at the end, and |ln S2/S3| at the start and the end (balance is 0)."""
    ratio = traj.S_by_type[:, 1] / traj.S_by_type[:, 2]
    return {"start": ratio[0], "T1": ratio[phase1_index(traj)], "end": ratio[-1], "log_start": abs(np.log(ratio[0])),
            "log_end": abs(np.log(ratio[-1]))}


def moving_average(x: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average of a 1-d array over ``window`` points, over fewer points near the ends."""
    half, n = window // 2, len(x)
    sums = np.concatenate([[0.0], np.cumsum(x)])
    lo, hi = np.maximum(np.arange(n) - half, 0), np.minimum(np.arange(n) + half + 1, n)
    return (sums[hi] - sums[lo]) / (hi - lo)
