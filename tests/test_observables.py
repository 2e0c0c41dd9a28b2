"""What the flow records at each step, checked against direct computations: per-type reductions, the logistic
loss and its weights, the margin split, mean attention and the T1 rule."""

import numpy as np
import pytest

from cooccur import observables as obs
from cooccur.coordinates import Batch, attention_probabilities
from cooccur.data import DataConfig, make_dataset


def test_per_type_reductions_and_an_empty_type():
    values = np.array([[1.0, 2.0, 3.0, 5.0], [0.0, 4.0, 6.0, 1.0]])
    types = np.array([1, 1, 2, 4])
    np.testing.assert_allclose(obs.per_type_sum(values, types), [[3, 3, 0, 5], [4, 6, 0, 1]])
    mean = obs.per_type_mean(values, types)
    np.testing.assert_allclose(mean[:, [0, 1, 3]], [[1.5, 3, 5], [2, 6, 1]])
    assert np.isnan(mean[:, 2]).all()


def test_the_loss_and_its_weight_are_the_logistic_ones_without_overflow():
    F, y = np.array([0.0, 2.0, -800.0]), np.array([1.0, -1.0, 1.0])
    np.testing.assert_allclose(obs.sample_losses(F, y), [np.log(2), np.log1p(np.exp(2.0)), 800.0])
    np.testing.assert_allclose(obs.sample_g(F, y), [0.5, 1 / (1 + np.exp(-2.0)), 1.0])


@pytest.fixture(scope="module")
def scored():
    data = make_dataset(DataConfig(n=12, L=4, d=16, seed=3))
    batch = Batch.from_dataset(data)
    A = np.random.default_rng(0).normal(size=(16, 16))
    return batch, attention_probabilities(A, batch, m=4)


def test_the_margin_split_adds_up_to_the_margins(scored):
    batch, P = scored
    G = np.random.default_rng(1).normal(size=16)
    F = (P.sum(axis=-2) * G[batch.tokens]).sum(axis=-1)  # F_i = sum over key positions of w[i, h] G[tok_h]
    split = obs.margin_split(P, G, batch)
    np.testing.assert_allclose(split.sum(axis=-1), batch.y * F, rtol=1e-12, atol=1e-12)


def test_mean_attention_averages_each_word_pair_and_leaves_absent_pairs_nan(scored):
    batch, P = scored
    mean = obs.mean_attention(P, batch)
    tokens = batch.tokens
    k, q = int(tokens[0, 1]), int(tokens[0, 0])  # key word, query word
    cells = [P[i, l, h] for i in range(tokens.shape[0]) for l in range(tokens.shape[1])
             for h in range(tokens.shape[1]) if tokens[i, h] == k and tokens[i, l] == q]
    assert mean[k, q] == pytest.approx(np.mean(cells))
    pairs = {(int(a), int(b)) for row in tokens for a in row for b in row}
    absent = [(a, b) for a in range(16) for b in range(16) if (a, b) not in pairs]
    assert absent and all(np.isnan(mean[a, b]) for a, b in absent)
    np.testing.assert_allclose(obs.mean_attention(P, batch, words=3), mean[:3, :3])


def test_t1_is_the_interpolated_first_crossing_of_the_margin():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, -1.0])
    F = np.array([[0.0, 0.0], [0.2, -0.2], [1.0, -1.0], [2.0, -2.0]])
    G = np.zeros((4, 5))
    G[:, :2], G[:, 2] = 5.0, -5.0  # G(mu_1), G(mu_2) > 0 > G(mu_3): the margins decide
    assert obs.phase_boundary(t, F, y, G) == pytest.approx(1.0 + (obs.T1_MARGIN - 0.2) / 0.8)
    assert obs.phase_boundary(t, F, y, G, margin=0.0) == 0.0  # the margins leave 0 at t = 0: the first crossing
    assert np.isnan(obs.phase_boundary(t, F, y, G, margin=5.0))
