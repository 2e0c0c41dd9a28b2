"""Local to Global: Markov data, the canonical model's closed-form loss, its gradient and its flow."""

import math

import numpy as np
import pytest

from cooccur.related import markov
from cooccur.related.markov import MarkovChain


def test_chains_start_stationary_and_switch_at_the_right_rates():
    chain = MarkovChain(0.2, 0.3)
    x = markov.sample_chains(chain, n=4000, length=200, seed=1)
    assert x.shape == (4000, 200) and set(np.unique(x)) == {0, 1}
    assert x[:, 0].mean() == pytest.approx(chain.pi1, abs=0.02)  # stationary from the first step
    assert x[:, -1].mean() == pytest.approx(chain.pi1, abs=0.02)
    prev, nxt = x[:, :-1].ravel(), x[:, 1:].ravel()
    assert nxt[prev == 0].mean() == pytest.approx(0.2, abs=0.005)
    assert 1 - nxt[prev == 1].mean() == pytest.approx(0.3, abs=0.005)
    assert np.array_equal(x, markov.sample_chains(chain, n=4000, length=200, seed=1))


@pytest.mark.parametrize(("p", "q", "n", "length"), [(0.5, 0.8, 16, 1025), (0.2, 0.3, 7, 2), (0.9, 0.1, 5, 3),
                                                    (0.1, 0.1, 33, 100), (0.3, 0.6, 4, 1)])
def test_chains_are_the_step_by_step_chains(p, q, n, length):
    """The doubling scan gives the bits of stepping each chain one position at a time from the same draws."""
    chain = MarkovChain(p, q)
    rng = np.random.Generator(np.random.PCG64(7))
    expected = np.empty((n, length), dtype=np.int8)
    expected[:, 0] = rng.random(n) < chain.pi1
    u = rng.random((n, length - 1))
    for t in range(1, length):
        switch = np.where(expected[:, t - 1] == 0, u[:, t - 1] < p, u[:, t - 1] < q)
        expected[:, t] = np.where(switch, 1 - expected[:, t - 1], expected[:, t - 1])
    assert np.array_equal(markov.sample_chains(chain, n, length, seed=7), expected)


@pytest.mark.parametrize(("p", "q"), [(0.1, 0.1), (0.9, 0.9), (0.2, 0.3), (0.5, 0.8)])
def test_closed_form_values(p, q):
    chain = MarkovChain(p, q)
    a = chain.bigram_a
    assert markov.loss(chain, a, markov.optimal_offset(chain, a)) == pytest.approx(chain.entropy_rate(), rel=1e-12)
    assert markov.loss(chain, 0.0, markov.optimal_offset(chain, 0.0)) == pytest.approx(chain.unigram_loss(), rel=1e-12)
    h = lambda r: -r * math.log(r) - (1 - r) * math.log(1 - r)  # noqa: E731
    assert chain.entropy_rate() == pytest.approx(q / (p + q) * h(p) + p / (p + q) * h(q))


def test_closed_form_loss_matches_sampled_cross_entropy():
    chain = MarkovChain(0.2, 0.3)
    x = markov.sample_chains(chain, n=2000, length=500, seed=2).astype(float)
    e, w, b = 0.8, 0.4, -0.3
    logit = markov.logit_slope(e, w) * x[:, :-1] + b - e**2 / 2
    empirical = np.mean(x[:, 1:] * np.logaddexp(0, -logit) + (1 - x[:, 1:]) * np.logaddexp(0, logit))
    assert markov.loss(chain, markov.logit_slope(e, w), b - e**2 / 2) == pytest.approx(empirical, rel=5e-3)


def test_optimal_offset_is_the_minimiser():
    chain = MarkovChain(0.3, 0.6)
    for a in (-2.0, 0.0, 1.5):
        c = markov.optimal_offset(chain, a)
        h = 1e-5
        assert (markov.loss(chain, a, c + h) - markov.loss(chain, a, c - h)) / (2 * h) == pytest.approx(0, abs=1e-8)
        assert markov.loss(chain, a, c) < markov.loss(chain, a, c + 0.1)


def test_reduced_gradient_matches_finite_differences():
    chain = MarkovChain(0.2, 0.3)
    rng = np.random.default_rng(0)
    for e, w in rng.normal(size=(5, 2)):
        ge, gw = markov.reduced_grad(chain, e, w)
        h = 1e-6
        fe = (markov.reduced_loss(chain, e + h, w) - markov.reduced_loss(chain, e - h, w)) / (2 * h)
        fw = (markov.reduced_loss(chain, e, w + h) - markov.reduced_loss(chain, e, w - h)) / (2 * h)
        assert ge == pytest.approx(fe, rel=1e-5, abs=1e-9) and gw == pytest.approx(fw, rel=1e-5, abs=1e-9)


def test_flow_conserves_energy_and_picks_the_basin_by_p_plus_q():
    rng = np.random.default_rng(3)
    e0, w0 = 0.01 * rng.standard_normal(50), 0.01 * rng.standard_normal(50)
    for p, q, reaches_global in ((0.2, 0.3, True), (0.6, 0.7, False)):
        chain = MarkovChain(p, q)
        t, e, w, _ = markov.flow(chain, e0, w0, 3000.0, np.array([0.0, 3000.0]))
        np.testing.assert_allclose(markov.energy(e[-1], w[-1]), markov.energy(e0, w0), atol=1e-6)
        at_global = np.abs(markov.logit_slope(e[-1], w[-1]) - chain.bigram_a) < 1e-3
        assert np.all(at_global == reaches_global)
        assert markov.reduced_loss(chain, e[-1], w[-1]).max() <= markov.reduced_loss(chain, e0, w0).max()


def test_bad_chain_names_the_field():
    with pytest.raises(ValueError, match="q must be"):
        MarkovChain(0.5, 1.0)


@pytest.mark.parametrize(("p", "q"), [(0.5, 0.8), (0.2, 0.3), (0.9, 0.1)])
def test_sampled_entropy_rate_converges_to_the_closed_form(p, q):
    """The bigram loss against a long sampled estimate (4 x 10^6 transitions): within four standard errors, and
    the standard error is small enough to tell the paper's 0.624 from the entropy rate 0.619 of p = 0.5, q = 0.8."""
    chain = markov.MarkovChain(p, q)
    mean, se = markov.sampled_entropy_rate(chain, 1000, 4000, seed=7)
    assert abs(mean - chain.entropy_rate()) < 4 * se
    assert se < 1e-3
    if (p, q) == (0.5, 0.8):
        assert se < 2e-4
        assert chain.entropy_rate() == pytest.approx(0.619, abs=5e-4)
        assert (0.624 - mean) / se > 10


def test_sampled_entropy_rate_is_not_the_unigram_loss():
    chain = markov.MarkovChain(0.2, 0.3)
    mean, se = markov.sampled_entropy_rate(chain, 200, 2000, seed=1)
    assert chain.unigram_loss() - mean > 20 * se


def test_small_starts_reach_the_bigram_minimum_exactly_below_the_switch():
    switch, reached, predicted, readings = markov.small_starts(np.random.default_rng(0), 6, 0.01, 400.0)
    assert np.array_equal(switch, 2 * markov.SWITCH_P)
    assert np.array_equal(predicted, (switch < 1).astype(float))
    assert np.array_equal(reached, predicted)  # Local to Global's claim, from small starts
    assert readings.numbers["init_agree"] == 1.0 and readings.numbers["n_inits"] == 6


def test_basins_label_every_grid_point_and_report_shares_per_chain():
    E0, W0, labels, readings = markov.basins(7, 200.0)
    assert E0.shape == W0.shape == (7, 7) and not np.any(W0 == 0)  # off the singular line w = 0
    assert set(labels) == {name for name, _ in markov.FIGURE_CHAINS.values()}
    for key, (name, _) in markov.FIGURE_CHAINS.items():
        label = labels[name]
        assert set(np.unique(label[~np.isnan(label)])) <= {0.0, 1.0}
        assert readings.numbers[f"basin_global_{key}"] == pytest.approx(np.nanmean(label == 1))
    # the global minima's basin is larger where p + q < 1
    assert readings.numbers["basin_global_low"] > readings.numbers["basin_global_high"]


def test_the_landscape_paths_keep_their_energy():
    panels, readings = markov.landscape(np.random.default_rng(1), 0.01, 50.0, starts=3)
    assert len(panels) == 2
    for _, e, w in panels.values():
        assert e.shape == w.shape == (401, 3)
    assert 0 < readings.numbers["energy_drift"] < 1e-5
