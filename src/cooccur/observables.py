"""The quantities the paper reasons about, computed from the theory's coordinates.

The model's output depends on the weights only through

* ``A = W_K^T W_Q`` (d, d): ``A[k, q] = mu_k^T W_K^T W_Q mu_q``, the attention score correlation of key word k
  and query word q (the paper's nu^T W_K^T W_Q mu with nu the key, mu the query);
* ``G = a^T W W_V`` (d,): ``G[k] = G(mu_k)``, the linear MLP function on word k.

Everything here is NumPy float64 and works on a :class:`Batch`, the data set in index form. Word indices are
0-based (mu_1 is 0, mu_2 is 1, mu_3 is 2). Sample types are 1..4 and arrays "by type" have 4 columns, type 1
first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from cooccur.data import COMMON, TARGET_1, TARGET_2, Dataset


@dataclass(frozen=True)
class Batch:
    """The data set in the index form the reduced model needs.

    Attributes:
        tokens: (n, L) word indices.
        y: (n,) labels in {+1, -1}.
        types: (n,) sample types in {1, 2, 3, 4}.
        d: vocabulary size.
        key_query: (n, L, L) flat index ``tokens[i, h] * d + tokens[i, l]`` of entry [i, l, h] (query position l,
            key position h) into ``A.ravel()``.
    """

    tokens: np.ndarray
    y: np.ndarray
    types: np.ndarray
    d: int
    key_query: np.ndarray

    @classmethod
    def from_dataset(cls, data: Dataset) -> Batch:
        tokens = data.tokens.numpy().astype(np.int64)
        key_query = tokens[:, None, :] * data.d + tokens[:, :, None]
        return cls(tokens, data.y.numpy().astype(np.float64), data.types.numpy().astype(np.int64), data.d, key_query)

    @property
    def n(self) -> int:
        return self.tokens.shape[0]


@dataclass(frozen=True)
class ReducedEval:
    """Loss, outputs and gradients of the model written in (A, G) coordinates.

    Attributes:
        loss: the empirical logistic loss.
        F: (n,) outputs.
        P: (n, L, L) attention probabilities [i, query l, key h].
        dA: (d, d) gradient of the loss with respect to A.
        dG: (d,) gradient of the loss with respect to G.
    """

    loss: float
    F: np.ndarray
    P: np.ndarray
    dA: np.ndarray
    dG: np.ndarray


def attention_probabilities(A: np.ndarray, batch: Batch, m: int) -> np.ndarray:
    """Softmax attention p[i, l, h] of query position l on key position h, shape (n, L, L), from A (d, d).

    Score s[i, l, h] = A[tok_h, tok_l] / sqrt(m); the softmax runs over the key axis h (the last one).
    """
    S = A.ravel()[batch.key_query] / math.sqrt(m)
    S -= S.max(axis=-1, keepdims=True)
    P = np.exp(S)
    P /= P.sum(axis=-1, keepdims=True)
    return P


def reduced_loss_and_grad(A: np.ndarray, G: np.ndarray, batch: Batch, m: int) -> ReducedEval:
    """Evaluate the model in (A, G) coordinates, with the gradients derived by hand.

    Score of query position l on key position h: s[i, l, h] = A[tok_h, tok_l] / sqrt(m); p = softmax over h;
    F_i = sum_l sum_h p[i, l, h] G[tok_h]. With dF_i = dLoss/dF_i = -y_i g_i / n and g_i = 1/(1 + exp(y_i F_i)):
    dLoss/dG[k] = sum over key positions holding word k of dF_i * sum_l p[i, l, h], and
    dLoss/ds[i, l, h] = dF_i p[i, l, h] (G[tok_h] - sum_h' p[i, l, h'] G[tok_h']).
    """
    d = batch.d
    scale = 1.0 / math.sqrt(m)
    P = attention_probabilities(A, batch, m)
    values = G[batch.tokens]  # (n, L): G of the word at each key position
    received = P.sum(axis=1)  # (n, L): total attention key position h receives
    F = (received * values).sum(axis=1)
    margin = batch.y * F
    loss = float(np.logaddexp(0.0, -margin).mean())
    dF = -batch.y * expit(-margin) / batch.n
    dG = np.bincount(batch.tokens.ravel(), weights=(received * dF[:, None]).ravel(), minlength=d)
    mean_value = np.einsum("ilh,ih->il", P, values)
    dS = P * (values[:, None, :] - mean_value[:, :, None]) * (dF * scale)[:, None, None]
    dA = np.bincount(batch.key_query.ravel(), weights=dS.ravel(), minlength=d * d).reshape(d, d)
    return ReducedEval(loss, F, P, dA, dG)


def per_type_mean(values: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Mean of ``values`` (n,) over the samples of each type; shape (4,), NaN for an empty type."""
    return np.array([values[types == k].mean() if np.any(types == k) else np.nan for k in (1, 2, 3, 4)])


def per_type_sum(values: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (n,) over the samples of each type; shape (4,)."""
    return np.array([values[types == k].sum() for k in (1, 2, 3, 4)])


def sample_losses(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample logistic losses log(1 + exp(-y F)); works on any leading shape."""
    return np.logaddexp(0.0, -y * F)


def sample_g(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g_i = 1 / (1 + exp(y_i F_i)) = -l'(y_i F_i), the weight of sample i in every gradient."""
    return expit(-y * F)


def mean_attention(P: np.ndarray, batch: Batch) -> np.ndarray:
    """Mean attention probability of query word q on key word k, as a (d, d) array indexed [k, q] like A.

    Averaged over every (sample, query position, key position) with those words; NaN where the pair never occurs.
    """
    d = batch.d
    flat = batch.key_query.ravel()
    total = np.bincount(flat, weights=P.ravel(), minlength=d * d)
    count = np.bincount(flat, minlength=d * d)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total / count).reshape(d, d)


def margin_for_phase_boundary(F: np.ndarray, y: np.ndarray, G: np.ndarray) -> np.ndarray:
    """The quantity whose first upward zero crossing is T1 (see :func:`phase_boundary`).

    min(min_i y_i F_i, G(mu_1), G(mu_2), -G(mu_3)) along a time axis: F (T, n), G (T, d); returns (T,).
    """
    return np.minimum.reduce([(y * F).min(axis=-1), G[..., TARGET_1], G[..., TARGET_2], -G[..., COMMON]])


def phase_boundary(t: np.ndarray, F: np.ndarray, y: np.ndarray, G: np.ndarray, margin: float = 0.0) -> float:
    """End of Phase 1, T1, detected from a recorded trajectory.

    Theorem 3.1 places T1 where every training sample is classified correctly (y_i F_i > 0 for all i) and the
    MLP is aligned with the signals (G(mu_1) > 0, G(mu_2) > 0 > G(mu_3)). Rule: let e(t) be the smallest of
    y_i F_i, G(mu_1), G(mu_2) and -G(mu_3); T1 is the first recorded time with e > ``margin``, refined by linear
    interpolation of e between it and the recorded time before. The default ``margin = 0`` is the first crossing;
    a positive ``margin = c`` asks for all of them to be at least c (the theorem's Omega(1)). NaN if e never
    exceeds the margin; ``t[0]`` if it does from the start.
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
