"""The reduced model's sparse gradient in A and the products the flows take with it."""

import numpy as np
import pytest
import torch

from cooccur import DataConfig, ModelConfig, coordinates, init_params, make_dataset, simulate
from cooccur.coordinates import Batch, GramState, reduced_loss_and_grad


@pytest.fixture(scope="module")
def distinct():
    """Distinct fillers (d = 3 + n(L - 1)): a sparse co-occurrence pattern, as in the premise setting."""
    data = make_dataset(DataConfig(n=20, L=5, d=83, distinct_fillers=True, seed=1))
    params = init_params(ModelConfig(d=83, m=16, m1=16, init="theory", sigma0=0.3, sigma1=0.3, seed=2), L=5)
    return data, params


def rel(x, y):
    return float(np.abs(x - y).max() / np.abs(y).max())


def test_pairs_are_the_words_that_occur_together(tiny):
    data, _ = tiny
    batch = Batch.from_dataset(data)
    together = {(int(k), int(q)) for row in batch.tokens for k in row for q in row}
    assert {(int(p) // batch.d, int(p) % batch.d) for p in batch.pairs} == together
    assert np.array_equal(batch.pairs[batch.pair_of], batch.key_query)


def test_grad_A_on_the_pairs_is_autograds(distinct):
    """Γ_A from its values on the pairs equals torch's gradient of the loss written in (A, G), which is zero where
    two words never meet."""
    data, params = distinct
    batch = Batch.from_dataset(data)
    state = GramState.from_params(params)
    ev = reduced_loss_and_grad(state.A, state.G, batch, state.m)
    A = torch.tensor(state.A, requires_grad=True)
    tokens = torch.from_numpy(batch.tokens)
    scores = A[tokens[:, None, :], tokens[:, :, None]] / state.m**0.5  # [i, query l, key h] = A[tok_h, tok_l]
    F = (torch.softmax(scores, dim=-1) * torch.from_numpy(state.G)[tokens][:, None, :]).sum(dim=(1, 2))
    torch.nn.functional.softplus(-torch.from_numpy(batch.y) * F).mean().backward()
    assert rel(ev.grad_A, A.grad.numpy()) < 1e-12
    off = np.setdiff1d(np.arange(batch.d * batch.d), batch.pairs)
    assert off.size > 0.8 * batch.d**2 and not A.grad.numpy().ravel()[off].any()
    assert np.array_equal(ev.sparse_grad_A().toarray(), ev.grad_A)


def test_sparse_and_dense_derivatives_agree(distinct, monkeypatch):
    data, params = distinct
    batch = Batch.from_dataset(data)
    state = GramState.from_params(params)
    ev = reduced_loss_and_grad(state.A, state.G, batch, state.m)
    derivatives = {}
    for share in (0.0, 1.0):
        monkeypatch.setattr(coordinates, "SPARSE_SHARE", share)
        assert coordinates.use_sparse(batch) == (share == 1.0)
        derivatives[share] = state.derivative(ev)
    assert rel(derivatives[1.0], derivatives[0.0]) < 1e-13


@pytest.mark.parametrize("method", ["gram", "euler"])
def test_sparse_and_dense_engines_agree(distinct, monkeypatch, method):
    """A whole run: T1, the losses and the Gram quantities at every recorded time agree to 1e-9."""
    data, params = distinct
    runs = {}
    for share in (0.0, 1.0):
        monkeypatch.setattr(coordinates, "SPARSE_SHARE", share)
        runs[share] = simulate(data, params, T=20.0, method=method, step=0.05, times=np.linspace(0, 20, 21))
    dense, sparse = runs[0.0], runs[1.0]
    assert sparse.n_grad_evals == dense.n_grad_evals
    assert sparse.T1 == pytest.approx(dense.T1, rel=1e-9)
    for name in ("loss", "F", "G", "A", "VV", "wa_sq", "grad_norm"):
        assert rel(getattr(sparse, name), getattr(dense, name)) < 1e-9, name
    assert dense.loss[-1] < 0.9 * dense.loss[0]  # the run moved: the comparison is not between two starts


def test_sparse_and_dense_gradient_norms_agree(distinct, monkeypatch):
    data, _ = distinct
    batch = Batch.from_dataset(data)
    rng = np.random.default_rng(0)
    k, d = 3, batch.d
    X = rng.standard_normal((k, d, d))
    QQ, KK = X @ X.transpose(0, 2, 1), X.transpose(0, 2, 1) @ X
    stack = coordinates.GramStack.from_full(rng.standard_normal((k, d, d)), QQ, KK, QQ.copy(),
                                            rng.standard_normal((k, d)), np.ones(k), 16.0, 16)
    ev = reduced_loss_and_grad(stack.A, stack.G, batch, stack.m)
    norms = {}
    for share in (0.0, 1.0):
        monkeypatch.setattr(coordinates, "SPARSE_SHARE", share)
        norms[share] = stack.grad_norms(ev)
    assert norms[0.0].shape == (k, 4) and (norms[0.0] > 0).all()
    assert rel(norms[1.0], norms[0.0]) < 1e-13
    gA = ev.grad_A  # the definitions: ‖W_K Γ_A‖² = tr(Γ_Aᵀ KK Γ_A), ‖W_Q Γ_Aᵀ‖² = tr(Γ_A QQ Γ_Aᵀ)
    direct = np.sqrt([[np.trace(g.T @ kk @ g), np.trace(g @ qq @ g.T)] for g, qq, kk in zip(gA, QQ, KK)])
    assert rel(norms[1.0][:, :2], direct) < 1e-12
