"""The quantities the paper reasons about, computed from the theory's coordinates.

The model's output depends on the weights only through

* ``A = W_K^T W_Q`` (d, d): ``A[k, q] = mu_k^T W_K^T W_Q mu_q``, the attention score correlation of key word k
  and query word q (the paper's nu^T W_K^T W_Q mu with nu the key, mu the query);
* ``G = a^T W W_V`` (d,): ``G[k] = G(mu_k)``, the linear MLP function on word k.

These are what the flow records at each step, computed from its state (readings of a whole recorded run, after
the fact, are :mod:`cooccur.measures`). Everything here is NumPy float64 and works on a :class:`Batch`, the data
set in index form. Word indices are
0-based (mu_1 is 0, mu_2 is 1, mu_3 is 2). Sample types are 1..4 and arrays "by type" have 4 columns, type 1
first.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from cooccur.coordinates import Batch, scatter_sum
from cooccur.data import COMMON, FIRST_FILLER, TARGET_1, TARGET_2


def per_type_mean(values: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (..., n) over the samples of each type; shape (..., 4), NaN for an empty type."""
    nan = np.full(values.shape[:-1], np.nan)
    return np.stack([values[..., types == k].mean(axis=-1) if np.any(types == k) else nan for k in (1, 2, 3, 4)],
                    axis=-1)


def per_type_sum(values: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (..., n) over the samples of each type; shape (..., 4)."""
    return np.stack([values[..., types == k].sum(axis=-1) for k in (1, 2, 3, 4)], axis=-1)


def sample_losses(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample logistic losses log(1 + exp(-y F)); works on any leading shape."""
    return np.logaddexp(0.0, -y * F)


def sample_g(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g_i = 1 / (1 + exp(y_i F_i)) = -l'(y_i F_i), the weight of sample i in every gradient."""
    return expit(-y * F)


def mean_attention(P: np.ndarray, batch: Batch, words: int | None = None) -> np.ndarray:
    """Mean attention probability of query word q on key word k, as a (d, d) array indexed [k, q] like A; for a
    stack P (k, n, L, L), shape (k, d, d). With ``words = w`` only the first w words, (w, w) (or (k, w, w)).

    Averaged over every (sample, query position, key position) with those words; NaN where the pair never occurs.
    """
    d = batch.d
    lead = P.shape[:-3]
    if words is None or words >= d:
        index, w = batch.key_query, d
    else:  # the pairs among the first w words, renumbered key * w + query
        key, query = np.divmod(batch.key_query, d)
        inside = (key < words) & (query < words)
        index, w, P = (key * words + query)[inside], words, P[..., inside]
    total = scatter_sum(index, P, w * w, lead)
    count = np.bincount(index.ravel(), minlength=w * w)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).reshape(*lead, w, w)


def margin_split(P: np.ndarray, G: np.ndarray, batch: Batch) -> np.ndarray:
    """Each training margin y_i F_i split into what the three signal words carry and what the fillers carry.

    F_i = sum_l sum_h p[i, l, h] G[tok_h] (query position l, key position h), so y_i F_i is the sum over key
    positions of y_i w[i, h] G[tok_h] with w[i, h] = sum_l p[i, l, h]; the *core* part sums the positions holding
    mu_1, mu_2 or mu_3, the *filler* part the others. P (..., n, L, L) and G (..., d); returns (..., n, 2),
    [..., 0] the core part and [..., 1] the filler part; they add up to y_i F_i.
    """
    signed = batch.y[:, None] * P.sum(axis=-2) * G[..., batch.tokens]  # (..., n, L)
    core = batch.tokens < FIRST_FILLER
    return np.stack([np.where(core, signed, 0.0).sum(axis=-1), np.where(core, 0.0, signed).sum(axis=-1)], axis=-1)


#: The T1 rule's threshold, one definition for the whole library (trajectories, claims, atlas, figures): Phase 1
#: ends at the first time every margin y_i F_i and G(mu_1), G(mu_2), -G(mu_3) is at least this. Theorem 3.1 places
#: T1 where these are Omega(1) (Thm E.28: y_i F_i = Omega(1)), and Theorem 3.2 reads its margin sums from there
#: on; the first crossing (0) is the instant the last sample turns correct, before any margin has grown.
T1_MARGIN = 0.5


def margin_for_phase_boundary(F: np.ndarray, y: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The quantity whose first crossing of the threshold :data:`T1_MARGIN` is T1 (see :func:`phase_boundary`).

    min(min_i y_i F_i, G(mu_1), G(mu_2), -G(mu_3)) along a time axis: F (R, n), G (R, d); returns (R,).
    """
    return np.minimum.reduce([(y * F).min(axis=-1), G[..., TARGET_1], G[..., TARGET_2], -G[..., COMMON]])


def phase_boundary(t: np.ndarray, F: np.ndarray, y: np.ndarray, G: np.ndarray,
                   margin: float = T1_MARGIN) -> float:
    """End of Phase 1, T1, detected from a recorded trajectory.

    Theorem 3.1 places T1 where every training sample is classified correctly with a margin of order one
    (y_i F_i = Omega(1) for all i) and the MLP is aligned with the signals (G(mu_1), G(mu_2) >= Omega(1),
    G(mu_3) <= -Omega(1)). Rule: let e(t) be the smallest of y_i F_i, G(mu_1), G(mu_2) and -G(mu_3); T1 is the
    first recorded time with e > ``margin``, refined by linear interpolation of e between it and the recorded time
    before. The default ``margin`` is :data:`T1_MARGIN` (the Omega(1) read as 0.5), the library's one rule;
    ``margin = 0`` gives the first crossing. NaN if e never exceeds the margin; ``t[0]`` if it does from the start.
    """
    e = margin_for_phase_boundary(F, y, G) - margin
    positive = np.flatnonzero(e > 0)
    if positive.size == 0:
        return float("nan")
    k = int(positive[0])
    if k == 0:
        return float(t[0])
    t0, t1, e0, e1 = t[k - 1], t[k], e[k - 1], e[k]
    return float(t0 + (t1 - t0) * (0.0 - e0) / (e1 - e0))
