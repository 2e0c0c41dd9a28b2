"""The named measurements of cooccur.measures, on small runs and on trajectories altered to known answers."""

import dataclasses

import numpy as np
import pytest

from cooccur import measures
from cooccur.data import DataConfig
from cooccur.experiment import Experiment, SimConfig
from cooccur.model import ModelConfig

SMALL = Experiment(
    data=DataConfig(n=12, L=4, d=16, seed=1),
    model=ModelConfig(d=16, m=8, m1=6, seed=2),
    sim=SimConfig(T=5.0, method="gram", n_log=60, n_lin=11),
)


@pytest.fixture(scope="module")
def traj():
    return SMALL.simulate()


def test_loglog_slope_of_a_power_law():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert measures.loglog_slope(x, 3.0 * x**-1.5) == pytest.approx(-1.5)
    with pytest.raises(ValueError, match="positive"):
        measures.loglog_slope([1.0, 2.0], [1.0, -1.0])


def test_phase2_starts_at_or_after_T1_and_phase1_ends_at_or_before(traj):
    assert np.isfinite(traj.T1)
    k = measures.phase1_index(traj)
    assert traj.t[k] >= traj.T1 and traj.t[k - 1] < traj.T1
    assert measures.phase2_slice(traj).start == k
    assert traj.t[measures.phase1_mask(traj)].max() <= traj.T1


def test_t1_is_the_rule_with_the_librarys_margin_and_a_larger_margin_ends_later(traj):
    from cooccur.observables import T1_MARGIN, margin_for_phase_boundary

    first, later = measures.phase1_end(traj, margin=0.0), measures.phase1_end(traj, margin=T1_MARGIN + 0.1)
    assert measures.phase1_end(traj) == traj.T1 and first < traj.T1 < later
    e = margin_for_phase_boundary(traj.F, traj.y, traj.G)
    k = measures.phase1_index(traj)
    assert e[k] >= T1_MARGIN and e[k - 1] < T1_MARGIN  # the first record past the threshold


def test_rises_first_and_peak_rise(traj):
    losses = traj.loss_by_type.copy()
    before = measures.phase1_mask(traj)
    losses[before, 1:3] = losses[0, 1:3]  # flat until T1: no rise
    flat = dataclasses.replace(traj, loss_by_type=losses)
    assert not measures.rises_first(flat) and measures.peak_rise(flat) == 0.0
    k = int(np.flatnonzero(before)[-1])
    losses[k, 1] *= 1.2
    losses[k, 2] *= 1.1
    risen = dataclasses.replace(traj, loss_by_type=losses)
    assert measures.rises_first(risen) and measures.peak_rise(risen) == pytest.approx(0.1)


def test_sandwich_constant_reads_the_interval_before_T1(traj):
    rates = traj.G_rate.copy()
    rates[:, 0] = rates[:, 1] = 1.0
    rates[:, 2] = -1.5  # lower ratio 1.5, upper 0.75: C(t) = min(0.5, 0.25) = 0.25 everywhere
    c, t_half = measures.sandwich_constant(dataclasses.replace(traj, G_rate=rates))
    assert c == pytest.approx(0.25) and t_half == traj.t[0]
    rates[measures.phase1_index(traj) - 1, 2] = -0.5  # fails at the last record before T1
    c, t_half = measures.sandwich_constant(dataclasses.replace(traj, G_rate=rates))
    assert np.isnan(c) and np.isnan(t_half)
    last = measures.phase1_index(traj) - 1
    rates[:last, 2] = -0.5  # holds only at the last record before T1 (a run of the atlas did this)
    rates[last, 2] = -1.2  # lower 1.2, upper 0.6: C = 0.2 there
    c, t_half = measures.sandwich_constant(dataclasses.replace(traj, G_rate=rates))
    assert t_half == traj.t[last] and c == pytest.approx(0.2)


def test_balance_and_gap_ratios_on_known_sums(traj):
    S = np.tile([4.0, 2.0, 1.0, 0.5], (traj.t.size, 1))
    t = dataclasses.replace(traj, S_by_type=S)
    np.testing.assert_allclose(measures.balance_ratio(t), 1.0)  # |2 - 1| / 1
    neg, pos = measures.gap_ratios(t)
    assert np.all(np.isinf(neg))  # S2 + S3 + S4 - S1 = -0.5 <= 0
    np.testing.assert_allclose(pos, 7.5 / 2.0)
    assert all(h.all() for name, h in measures.ordering_holds(t).items() if name != "S1 <= S2 + S3 + S4")
    assert not measures.ordering_holds(t)["S1 <= S2 + S3 + S4"].any()


def test_filler_block_is_every_entry_touching_a_filler():
    delta = np.arange(25.0).reshape(5, 5)
    block = measures.filler_block(delta)
    assert block.size == 25 - 9 and not np.isin(delta[:3, :3], block).any()


def test_late_loss_slopes_of_a_power_law_loss(traj):
    loss = np.where(traj.t > 0, traj.t, 1.0) ** -2.0
    t = dataclasses.replace(traj, loss=loss, loss_by_type=np.tile(loss[:, None], (1, 4)))
    np.testing.assert_allclose(measures.late_loss_slopes(t), -2.0, atol=1e-9)


@pytest.mark.parametrize("exponent", [-2.0, -1.5, 0.0, 1.0])
def test_power_law_fit_recovers_the_exponent_and_covers_it(exponent):
    rng = np.random.default_rng(1)
    x = np.repeat(np.geomspace(32, 1e6, 6), 5)
    y = 3.0 * x**exponent * np.exp(rng.normal(0.0, 0.1, x.size))  # 10% scatter, as over seeds
    fit = measures.power_law_fit(x, y)
    assert fit.low < exponent < fit.high and fit.high - fit.low < 0.05
    assert fit.prefactor == pytest.approx(3.0, rel=0.2) and fit.n == 30
    bent = measures.power_law_fit(x, y * np.log(x) ** 2)  # two log factors bend the fit by about 2 x 0.13
    assert bent.low > exponent + 0.2


def test_power_law_fit_refuses_what_it_cannot_fit():
    with pytest.raises(ValueError, match="distinct"):
        measures.power_law_fit([10, 10, 10], [1, 2, 3])
    with pytest.raises(ValueError, match="positive"):
        measures.power_law_fit([10, 100, 1000], [1, 0, 3])


def test_log_factor_slope_over_five_decades():
    assert measures.log_factor_slope([32, 1e6]) == pytest.approx(0.1336, abs=1e-4)
    # it is the slope of ln x itself between the ends of the range
    assert measures.log_factor_slope([10, 1e4]) == pytest.approx(np.log(np.log(1e4) / np.log(10)) / np.log(1e3))


def test_balance_readings_on_known_sums(traj):
    n = traj.t.size
    S = np.ones((n, 4))
    S[:, 1] = np.linspace(1.0, 2.0, n)  # S2 grows from S3 to 2 S3
    S[:, 0], S[:, 3] = 3.0, 0.5  # S1 above both, S4 below both, S1 <= S2 + S3 + S4
    known = dataclasses.replace(traj, S_by_type=S)
    phase2 = measures.phase2_slice(known)
    readings = measures.balance_readings(known)
    assert readings["S23_min"] == pytest.approx(S[phase2, 1].min()) and readings["S23_max"] == pytest.approx(2.0)
    assert readings["order0_frac"] == 1.0 and readings["order1_frac"] == 1.0
    assert readings["order2_frac"] == pytest.approx(np.mean(S[phase2, 1] >= 1.5))  # 3 <= S2 + 1 + 0.5
    ratios = measures.balance_ratio_readings(known)
    assert (ratios["start"], ratios["end"], ratios["log_start"]) == (1.0, 2.0, 0.0)
    assert ratios["log_end"] == pytest.approx(np.log(2.0))
def test_moving_average_is_centred_and_truncated_at_the_ends():
    x = np.arange(6, dtype=float)
    assert np.allclose(measures.moving_average(x, 3), [0.5, 1, 2, 3, 4, 4.5])
    assert np.allclose(measures.moving_average(np.ones(7), 10), 1.0)

