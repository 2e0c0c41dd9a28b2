r"""The theory's coordinates: the model written in (A, G), its hand-derived gradients, and the closed flow.

The model's output depends on the weights only through

* ``A = W_Kᵀ W_Q`` (d, d): ``A[k, q] = µ_kᵀ W_Kᵀ W_Q µ_q``, the attention score correlation of key word k and query
  word q (the paper's νᵀ W_Kᵀ W_Q µ with ν the key, µ the query);
* ``G = aᵀ W W_V`` (d,): ``G[k] = G(µ_k)``, the linear MLP function on word k.

:class:`Batch` is the data set in index form, :func:`reduced_loss_and_grad` the loss and its gradients in (A, G),
and :class:`GramState` the closed flow of the Gram quantities under gradient flow on (W_Q, W_K, W_V, W).

With θ = (W_Q, W_K, W_V, W) and u = Wᵀ a (m,), G = uᵀ W_V. Write Γ_A = ∂L̂/∂A and Γ_G = ∂L̂/∂G (a row
vector; ``ReducedEval.grad_A`` and ``grad_G``). The chain rule gives

    ∂L̂/∂W_Q = W_K Γ_A,   ∂L̂/∂W_K = W_Q Γ_Aᵀ,   ∂L̂/∂W_V = u Γ_G,   ∂L̂/∂W = a Γ_G W_Vᵀ,

so under the flow du/dt = (dW/dt)ᵀ a = -‖a‖² W_V Γ_Gᵀ. Differentiating the Gram quantities

    A,  QQ = W_Qᵀ W_Q,  KK = W_Kᵀ W_K,  VV = W_Vᵀ W_V,  G,  wa_sq = ‖Wᵀ a‖² = uᵀ u

along the flow, every product of parameters folds back into one of them:

    dA/dt  = -(Γ_A QQ + KK Γ_A)
    dQQ/dt = -(Γ_Aᵀ A + Aᵀ Γ_A)
    dKK/dt = -(Γ_A Aᵀ + A Γ_Aᵀ)
    dVV/dt = -(Γ_Gᵀ G + Gᵀ Γ_G)
    dG/dt  = -(‖a‖² Γ_G VV + wa_sq Γ_G)
    dwa_sq/dt = -2 ‖a‖² G Γ_Gᵀ

with ‖a‖² = m1 for a ∈ {±1}^{m1}. Γ_A and Γ_G depend only on (A, G) and the data, so this is a closed ODE in
4d² + d + 1 numbers whose right-hand side involves the widths only through ‖a‖² = m1 and the 1/√m score scale. QQ, KK
and VV stay symmetric, so :meth:`GramState.pack` stores them once: d² + 3d(d+1)/2 + d + 1 numbers.
Since G·∂F_i/∂G = F_i (F is linear in G) and Γ_G = -(1/n) Σ_i g_i y_i ∂F_i/∂G, the last line is the paper's
Eq. (5): d/dt Σ_{j1,j2} ⟨a_j1 w_j1, a_j2 w_j2⟩ = (2 m1 / n) Σ_i g_i y_i F_i.

Everything here is NumPy float64. Word indices are 0-based (µ_1 is 0, µ_2 is 1, µ_3 is 2).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import expit
from scipy.stats import wishart

from cooccur.data import Dataset
from cooccur.model import ModelConfig, Params, init_std


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
        pairs: (nnz,) the distinct values of ``key_query``, increasing: the (key word, query word) pairs that occur
            together in some sample, the only entries where Γ_A = ∂L̂/∂A can be nonzero. Increasing flat indices
            are row-major order, so ``pairs // d`` and ``pairs % d`` are a CSR pattern's rows and columns.
        pair_of: (n, L, L) position in ``pairs`` of each entry of ``key_query``.
        pair_indptr, pair_cols: (d + 1,) and (nnz,): the CSR pattern of ``pairs`` (row = key word, column = query
            word).
    """

    tokens: np.ndarray
    y: np.ndarray
    types: np.ndarray
    d: int
    key_query: np.ndarray
    pairs: np.ndarray
    pair_of: np.ndarray
    pair_indptr: np.ndarray
    pair_cols: np.ndarray

    @classmethod
    def from_dataset(cls, data: Dataset) -> Batch:
        tokens = data.tokens.numpy().astype(np.int64)
        key_query = tokens[:, None, :] * data.d + tokens[:, :, None]
        pairs, pair_of = np.unique(key_query, return_inverse=True)
        indptr = np.searchsorted(pairs // data.d, np.arange(data.d + 1))
        return cls(tokens, data.y.numpy().astype(np.float64), data.types.numpy().astype(np.int64), data.d, key_query,
                   pairs, pair_of.reshape(key_query.shape), indptr, pairs % data.d)

    @property
    def n(self) -> int:
        return self.tokens.shape[0]

    @functools.cached_property
    def pairs_sharing_query(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(first, second, weight, stored): the couples of pairs (k, q), (k', q) with the same query word, each
        unordered couple once (first <= second, positions in ``pairs``, each (P,)), weight 2 for two distinct pairs
        and 1 for a pair with itself, and the position of the keys' entry [k, k'] in a symmetric block stored once
        (:func:`symmetric_layout`). Σ weight Γ_A[k, q] Γ_A[k', q] S[k, k'] over them is ⟨S, Γ_A Γ_Aᵀ⟩."""
        return _couples(self.pairs % self.d, self.pairs // self.d, self.d)

    @functools.cached_property
    def pairs_sharing_key(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """As :attr:`pairs_sharing_query` for pairs with the same key word, the entry [q, q'] of their queries: the
        sum is ⟨S, Γ_Aᵀ Γ_A⟩."""
        return _couples(self.pairs // self.d, self.pairs % self.d, self.d)


def _couples(shared: np.ndarray, other: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The couples (i, j), i <= j, of positions with ``shared[i] == shared[j]``; weight 2 (i < j) or 1; and the
    stored position of the entry [other[i], other[j]] of a symmetric (d, d) block."""
    order = np.argsort(shared, kind="stable")
    counts = np.bincount(shared, minlength=d)
    size = counts[shared[order]]  # size of each position's group, in sorted order
    first = np.repeat(order, size)
    within = np.arange(first.size) - np.repeat(np.cumsum(size) - size, size)  # 0 .. size - 1 for each repeat
    second = order[np.repeat((np.cumsum(counts) - counts)[shared[order]], size) + within]
    keep = first <= second
    first, second = first[keep], second[keep]
    stored = symmetric_layout(d).full_of[other[first] * d + other[second]]
    return first, second, np.where(first < second, 2.0, 1.0), stored


@dataclass(frozen=True)
class ReducedEval:
    """Loss, outputs and gradients of the model written in (A, G) coordinates.

    Attributes:
        loss: the empirical logistic loss.
        F: (n,) outputs.
        P: (n, L, L) attention probabilities [i, query l, key h].
        grad_A_pairs: (nnz,) Γ_A = ∂L̂/∂A on the pairs ``batch.pairs``, where it can be nonzero ((k, nnz) for a stack
            of k states, as every field here).
        grad_G: (d,) ∂L̂/∂G (Γ_G below).
        batch: the data it was evaluated on.

    ``grad_A`` is Γ_A as a dense (d, d) array, ``sparse_grad_A()`` the same as a SciPy CSR array (one state).
    """

    loss: float
    F: np.ndarray
    P: np.ndarray
    grad_A_pairs: np.ndarray
    grad_G: np.ndarray
    batch: Batch

    @property
    def grad_A(self) -> np.ndarray:
        """Γ_A = ∂L̂/∂A, (d, d) (or (k, d, d) for a stack of states), zero off the pairs."""
        d = self.batch.d
        lead = self.grad_A_pairs.shape[:-1]
        dense = np.zeros((*lead, d * d))
        dense[..., self.batch.pairs] = self.grad_A_pairs
        return dense.reshape(*lead, d, d)

    def sparse_grad_A(self) -> sparse.csr_array:
        """Γ_A as a (d, d) CSR array on the pattern of ``batch.pairs`` (one state only)."""
        if self.grad_A_pairs.ndim != 1:
            raise ValueError("sparse_grad_A needs one state, not a stack")
        return pair_matrix(self.grad_A_pairs, self.batch)


def attention_probabilities(A: np.ndarray, batch: Batch, m: int) -> np.ndarray:
    """Softmax attention p[i, l, h] of query position l on key position h, shape (n, L, L), from A (d, d); for a
    stack of states A (k, d, d), shape (k, n, L, L).

    Score s[i, l, h] = A[tok_h, tok_l] / sqrt(m); the softmax runs over the key axis h (the last one).
    """
    S = A.reshape(*A.shape[:-2], batch.d * batch.d)[..., batch.key_query] / math.sqrt(m)
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

    A stack of k states, A (k, d, d) and G (k, d), gives every field with a leading axis of length k (``loss``
    then is an array (k,)): the trajectory records many times at once this way.
    """
    d = batch.d
    lead = A.shape[:-2]
    scale = 1.0 / math.sqrt(m)
    P = attention_probabilities(A, batch, m)
    values = G[..., batch.tokens]  # (..., n, L): G of the word at each key position
    received = P.sum(axis=-2)  # (..., n, L): total attention key position h receives
    F = (received * values).sum(axis=-1)
    margin = batch.y * F
    losses = np.logaddexp(0.0, -margin).mean(axis=-1)
    dF = -batch.y * expit(-margin) / batch.n
    grad_G = scatter_sum(batch.tokens, received * dF[..., None], d, lead)
    mean_value = np.einsum("...ilh,...ih->...il", P, values)
    dS = P * (values[..., None, :] - mean_value[..., :, None]) * (dF * scale)[..., None, None]
    grad_A_pairs = scatter_sum(batch.pair_of, dS, batch.pairs.size, lead)
    return ReducedEval(float(losses) if not lead else losses, F, P, grad_A_pairs, grad_G, batch)


#: Γ_A's products go through its sparse form when at most this share of its d² entries can be nonzero (see
#: :func:`use_sparse`).
SPARSE_SHARE = 0.1


def use_sparse(batch: Batch) -> bool:
    """Whether the flow multiplies by Γ_A in sparse form: when its pattern fills at most :data:`SPARSE_SHARE` of
    the d² entries (measured: the sparse product wins from about d = 100 with the paper's n and L)."""
    return batch.pairs.size <= SPARSE_SHARE * batch.d * batch.d


def pair_matrix(values: np.ndarray, batch: Batch) -> sparse.csr_array:
    """The (d, d) CSR array with ``values`` (nnz,) on the pairs of ``batch`` (:attr:`Batch.pairs`) and zeros
    elsewhere."""
    return sparse.csr_array((values, batch.pair_cols, batch.pair_indptr), shape=(batch.d, batch.d))


def scatter_sum(index: np.ndarray, weights: np.ndarray, size: int, lead: tuple[int, ...] = ()) -> np.ndarray:
    """Sum ``weights`` (*lead, *index.shape) into bins ``index`` of an array (*lead, size)."""
    if not lead:
        return np.bincount(index.ravel(), weights=weights.ravel(), minlength=size)
    (k,) = lead
    shifted = (index.ravel()[None, :] + size * np.arange(k)[:, None]).ravel()
    return np.bincount(shifted, weights=weights.ravel(), minlength=k * size).reshape(k, size)


@dataclass
class GramState:
    """The theory's coordinates: A, QQ, KK, VV (d, d), G (d,), wa_sq = ‖Wᵀa‖², and the constants ‖a‖², m."""

    A: np.ndarray
    QQ: np.ndarray
    KK: np.ndarray
    VV: np.ndarray
    G: np.ndarray
    wa_sq: float
    a_sq: float
    m: int

    @classmethod
    def from_params(cls, params: Params) -> GramState:
        W_Q, W_K, W_V, W, a = (t.detach().double().numpy() for t in (*params.trained(), params.a))
        u = W.T @ a
        return cls(
            W_K.T @ W_Q, W_Q.T @ W_Q, W_K.T @ W_K, W_V.T @ W_V, u @ W_V, float(u @ u), float(a @ a), W_Q.shape[0]
        )

    @classmethod
    def draw(cls, cfg: ModelConfig, L: int) -> GramState:
        """The Gram quantities at initialisation, drawn from their joint law without the parameter matrices.

        Under a Gaussian scheme the entries of W_Q, W_K, W_V are i.i.d. N(0, sigma0^2) and those of W are
        N(0, sigma1^2), so

        * [W_Q W_K] (m, 2d) has i.i.d. rows and [W_Q W_K]^T [W_Q W_K] = sigma0^2 Wishart_2d(m, I): QQ is its upper
          left block, KK its lower right one and A = W_K^T W_Q its lower left one;
        * u = W^T a has i.i.d. N(0, sigma1^2 m1) entries (a in {+1, -1}^m1), independent of W_V, so
          [u W_V]^T [u W_V] = D^1/2 Wishart_(d+1)(m, I) D^1/2 with D = diag(sigma1^2 m1, sigma0^2, ...): wa_sq = u^T u
          is its first diagonal entry, G = u^T W_V the rest of its first row and VV its lower right block.

        The two Wishart draws are independent. Their cost does not grow with m (Bartlett's decomposition,
        ``scipy.stats.wishart``, when m >= the dimension; the product of an m-row Gaussian matrix below it), so a run
        at m = 10^6 starts as cheaply as one at m = 128, where drawing W alone (m1 x m) would not fit in memory. The
        law is that of :meth:`from_params` of :func:`cooccur.model.init_params`; the draw is not: it comes from a
        NumPy generator seeded by ``cfg.seed`` and the widths, so two widths never share a draw (a seed alone would
        hand Bartlett's decomposition the same normals at every large m). ``init="kaiming"`` (uniform entries) has
        no Wishart law and is refused.
        """
        if cfg.init == "kaiming":
            raise ValueError("init='kaiming' draws uniform weights, whose Gram matrices are not Wishart: use 'theory', "
                             "'he_normal' or 'xavier_normal' with start='wishart', or start='params'")
        sigma0, sigma1 = init_std(cfg, L)
        rng = np.random.Generator(np.random.PCG64([cfg.seed, cfg.m, cfg.m1, 2024_1102]))
        d, m = cfg.d, cfg.m
        qk = sigma0**2 * _standard_wishart(2 * d, m, rng)
        scale = np.sqrt(np.concatenate([[sigma1**2 * cfg.m1], np.full(d, sigma0**2)]))
        uv = scale[:, None] * _standard_wishart(d + 1, m, rng) * scale[None, :]
        return cls(A=qk[d:, :d].copy(), QQ=qk[:d, :d].copy(), KK=qk[d:, d:].copy(), VV=uv[1:, 1:].copy(),
                   G=uv[0, 1:].copy(), wa_sq=float(uv[0, 0]), a_sq=float(cfg.m1), m=m)

    @classmethod
    def limit(cls, cfg: ModelConfig, L: int, G: np.ndarray | None = None) -> GramState:
        """The Gram quantities' infinite-width limit under a Gaussian scheme: each matrix at its expectation.

        As m grows, QQ, KK and VV concentrate on sigma0^2 m I (fluctuations sigma0^2 sqrt(m), relative m^-1/2), A on
        0 and wa_sq = ||W^T a||^2 on sigma1^2 m1 m (relative fluctuation sqrt(2/m)). G = u^T W_V does not: given u
        its entries are N(0, wa_sq sigma0^2), so they tend in law to N(0, sigma1^2 m1 sigma0^2 m), of order 1 under
        Condition 1 at every width. ``G=None`` takes its expectation, 0 (with the rest: the *mean* state, every
        quantity at its expectation); an array (d,) keeps that initial output, e.g. a Wishart draw's, so that a
        finite-m run and its limit share it (the state the width-m run tends to once its matrices have
        concentrated). ``a_sq`` is m1 exactly (a in {+1, -1}^m1).
        """
        if cfg.init == "kaiming":
            raise ValueError("init='kaiming' is the reading of the experiments, not a Gaussian scheme with the "
                             "theory's limit: use 'theory', 'he_normal' or 'xavier_normal'")
        sigma0, sigma1 = init_std(cfg, L)
        d, m = cfg.d, cfg.m
        if G is None:
            G = np.zeros(d)
        G = np.array(G, dtype=np.float64)
        if G.shape != (d,):
            raise ValueError(f"G must have shape ({d},), got {G.shape}")
        eye = sigma0**2 * m * np.eye(d)
        return cls(A=np.zeros((d, d)), QQ=eye.copy(), KK=eye.copy(), VV=eye.copy(), G=G,
                   wa_sq=float(sigma1**2 * cfg.m1 * m), a_sq=float(cfg.m1), m=m)

    def pack(self) -> np.ndarray:
        """The ODE state vector (:func:`state_size`): [A row-major, QQ, KK, VV on and above the diagonal (each
        :func:`symmetric_layout`'s ``upper`` entries), G, wa_sq]. The symmetric blocks are stored once: the flow
        keeps them symmetric, so their entries below the diagonal carry no information (:func:`pack_weights`)."""
        upper = symmetric_layout(self.G.shape[0]).upper
        return np.concatenate([self.A.ravel(), self.QQ.ravel()[upper], self.KK.ravel()[upper], self.VV.ravel()[upper],
                               self.G, [self.wa_sq]])

    def unpack(self, vec: np.ndarray) -> GramState:
        """A state with the same constants and the matrices read from ``vec`` (A and G are views, the symmetric
        blocks new full (d, d) arrays)."""
        d = self.G.shape[0]
        A, sym, G, wa_sq = _split(vec, d)
        # np.take: fancy indexing on an axis other than the first is several times slower
        QQ, KK, VV = np.take(sym, symmetric_layout(d).full_of, axis=-1).reshape(3, d, d)
        return GramState(A.reshape(d, d), QQ, KK, VV, G, float(wa_sq[0]), self.a_sq, self.m)

    def derivative(self, ev: ReducedEval) -> np.ndarray:
        """d/dt of :meth:`pack` under gradient flow, given the reduced gradients at this state.

        Each block is summed straight into its place in the result (no concatenation: at d = 1683 a block is 23 MB),
        the symmetric ones only on and above the diagonal, and negated there at the end."""
        gG = ev.grad_G
        d = gG.shape[0]
        layout = symmetric_layout(d)
        out = np.empty(state_size(d))
        dA, sym, _, _ = _split(out, d)  # still to be negated
        dA = dA.reshape(d, d)
        if use_sparse(ev.batch):
            # Γ_A is nonzero only on the pairs: four products of a sparse (d, d) with a dense one, O(nnz d) each.
            # KK Γ_A is the transpose of Γ_Aᵀ KK (KK is symmetric); Aᵀ Γ_A + Γ_Aᵀ A = X + Xᵀ with X = Γ_Aᵀ A, and
            # A Γ_Aᵀ + Γ_A Aᵀ = Y + Yᵀ with Y = Γ_A Aᵀ.
            gA = ev.sparse_grad_A()
            gAt = gA.T
            np.add(gA @ self.QQ, (gAt @ self.KK).T, out=dA)
            X, Y = gAt @ self.A, gA @ self.A.T
        else:
            gA = ev.grad_A
            np.add(gA @ self.QQ, self.KK @ gA, out=dA)
            X, Y = self.A.T @ gA, self.A @ gA.T
        for block, Z in ((0, X), (1, Y)):
            Z = Z.reshape(-1)
            np.add(Z[layout.upper], Z[layout.lower], out=sym[block])
        np.add(self.G[layout.rows] * gG[layout.cols], self.G[layout.cols] * gG[layout.rows], out=sym[2])
        np.negative(out[: d * d + sym.size], out=out[: d * d + sym.size])
        out[-d - 1 : -1] = self.G_rate(ev)
        out[-1] = -2.0 * self.a_sq * float(self.G @ gG)
        return out

    def G_rate(self, ev: ReducedEval) -> np.ndarray:
        """dG/dt under gradient flow, shape (d,)."""
        return -(self.a_sq * (ev.grad_G @ self.VV) + self.wa_sq * ev.grad_G)


class SymmetricLayout(NamedTuple):
    """How :meth:`GramState.pack` stores a symmetric (d, d) block once: its entries [i, j] with i <= j, row-major.

    Attributes:
        rows, cols: (d(d+1)/2,) the i and j of each stored entry.
        upper, lower: (d(d+1)/2,) flat indices i d + j and j d + i of the entry and of its mirror image.
        full_of: (d²,) position in the stored entries of each flat index of the full block.
    """

    rows: np.ndarray
    cols: np.ndarray
    upper: np.ndarray
    lower: np.ndarray
    full_of: np.ndarray


@functools.lru_cache(maxsize=8)
def symmetric_layout(d: int) -> SymmetricLayout:
    """The :class:`SymmetricLayout` of size d (cached: its arrays are read-only)."""
    rows, cols = np.triu_indices(d)
    upper, lower = rows * d + cols, cols * d + rows
    full_of = np.empty(d * d, dtype=np.intp)
    full_of[upper] = full_of[lower] = np.arange(upper.size)
    layout = SymmetricLayout(rows, cols, upper, lower, full_of)
    for array in layout:
        array.flags.writeable = False
    return layout


def state_size(d: int) -> int:
    """Length of :meth:`GramState.pack`: d² for A, d(d+1)/2 for each of QQ, KK, VV, d for G and 1 for wa_sq."""
    return d * d + 3 * (d * (d + 1) // 2) + d + 1


def pack_weights(d: int) -> np.ndarray:
    """How many entries of the full state (A, QQ, KK, VV as (d, d) matrices, G, wa_sq) each entry of
    :meth:`GramState.pack` stands for: 2 for an entry above the diagonal of a symmetric block, 1 for the rest. An
    error norm weighted by these is the full state's norm (:func:`cooccur.flow.integrate_flow`)."""
    weights = np.ones(state_size(d))
    layout = symmetric_layout(d)
    weights[d * d : d * d + 3 * layout.upper.size] = np.tile(np.where(layout.rows < layout.cols, 2.0, 1.0), 3)
    return weights


def _split(vec: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Views of the parts of packed states ``vec`` (..., :func:`state_size`): A (..., d²), the symmetric blocks
    (..., 3, d(d+1)/2), G (..., d) and wa_sq (..., 1)."""
    s = d * (d + 1) // 2
    lead = vec.shape[:-1]
    return (vec[..., : d * d], vec[..., d * d : d * d + 3 * s].reshape(*lead, 3, s), vec[..., d * d + 3 * s : -1],
            vec[..., -1:])


def _standard_wishart(dim: int, dof: int, rng: np.random.Generator) -> np.ndarray:
    """A draw of Wishart_dim(dof, I) (symmetric, (dim, dim)): X^T X for X (dof, dim) of i.i.d. N(0, 1) entries."""
    if dof < dim:  # singular: no Bartlett factor, and the product is cheap
        X = rng.standard_normal((dof, dim))
        return X.T @ X
    W = wishart(df=dof, scale=np.eye(dim)).rvs(random_state=rng)
    return np.asarray(W, dtype=np.float64).reshape(dim, dim)


@dataclass
class GramStack:
    """k states of one flow (e.g. the recorded times of one solver step): A (k, d, d); QQ, KK (k, d(d+1)/2), stored
    once (:func:`symmetric_layout`'s ``upper`` entries); VV (k, d, d) in full (it is recorded); G (k, d); wa_sq (k,);
    and the constants ‖a‖², m. :meth:`from_packed` reads them from packed vectors, :meth:`from_full` from matrices."""

    A: np.ndarray
    QQ: np.ndarray
    KK: np.ndarray
    VV: np.ndarray
    G: np.ndarray
    wa_sq: np.ndarray
    a_sq: float
    m: int

    @classmethod
    def from_packed(cls, vecs: np.ndarray, d: int, a_sq: float, m: int) -> GramStack:
        """``vecs`` (k, :func:`state_size`): rows laid out as :meth:`GramState.pack` (A, QQ, KK, G, wa_sq are
        views)."""
        k = vecs.shape[0]
        A, sym, G, wa_sq = _split(vecs, d)
        VV = np.take(sym[:, 2], symmetric_layout(d).full_of, axis=-1).reshape(k, d, d)
        return cls(A.reshape(k, d, d), sym[:, 0], sym[:, 1], VV, G, wa_sq[:, 0], a_sq, m)

    @classmethod
    def from_full(cls, A: np.ndarray, QQ: np.ndarray, KK: np.ndarray, VV: np.ndarray, G: np.ndarray,
                  wa_sq: np.ndarray, a_sq: float, m: int) -> GramStack:
        """From (k, d, d) matrices (QQ and KK symmetric), G (k, d) and wa_sq (k,)."""
        k, d = G.shape
        upper = symmetric_layout(d).upper
        return cls(A, np.take(QQ.reshape(k, d * d), upper, axis=-1), np.take(KK.reshape(k, d * d), upper, axis=-1), VV,
                   G, wa_sq, a_sq, m)

    def G_rate(self, ev: ReducedEval) -> np.ndarray:
        """dG/dt under gradient flow (:meth:`GramState.G_rate`) at each state, shape (k, d)."""
        return -(self.a_sq * np.einsum("kd,kde->ke", ev.grad_G, self.VV) + self.wa_sq[:, None] * ev.grad_G)

    def grad_norms(self, ev: ReducedEval) -> np.ndarray:
        """Frobenius norms of ∂L̂/∂W_Q, ∂L̂/∂W_K, ∂L̂/∂W_V, ∂L̂/∂W from the Gram quantities; shape (k, 4).

        ‖W_K Γ_A‖² = tr(Γ_Aᵀ KK Γ_A) = ⟨KK, Γ_A Γ_Aᵀ⟩ and ‖W_Q Γ_Aᵀ‖² = ⟨QQ, Γ_Aᵀ Γ_A⟩: inner products of the stored
        QQ and KK with a product of Γ_A with itself, summed over the couples of pairs that share a word when Γ_A is
        sparse (:attr:`Batch.pairs_sharing_query`)."""
        gG = ev.grad_G
        full_of = symmetric_layout(ev.batch.d).full_of
        if use_sparse(ev.batch):  # Σ over couples of pairs sharing a word: O(Σ_w (pairs with word w)²) each
            q1, q2, q_weight, keys = ev.batch.pairs_sharing_query
            k1, k2, k_weight, queries = ev.batch.pairs_sharing_key
            sq_Q = [(q_weight * v[q1] * v[q2]) @ KK[keys] for v, KK in zip(ev.grad_A_pairs, self.KK)]
            sq_K = [(k_weight * v[k1] * v[k2]) @ QQ[queries] for v, QQ in zip(ev.grad_A_pairs, self.QQ)]
        else:
            gA = ev.grad_A
            k = gA.shape[0]
            M_Q, M_K = gA @ gA.transpose(0, 2, 1), gA.transpose(0, 2, 1) @ gA
            sq_Q = np.einsum("kf,kf->k", M_Q.reshape(k, -1), np.take(self.KK, full_of, axis=-1))
            sq_K = np.einsum("kf,kf->k", M_K.reshape(k, -1), np.take(self.QQ, full_of, axis=-1))
        sq = np.stack([
            np.asarray(sq_Q),
            np.asarray(sq_K),
            self.wa_sq * np.einsum("kd,kd->k", gG, gG),
            self.a_sq * np.einsum("kd,kde,ke->k", gG, self.VV, gG),
        ], axis=1)
        return np.sqrt(np.maximum(sq, 0.0))
