"""The library behind "Beyond the paper": the infinite-width starts, the escape ODE, the memorisation measures and
their sweep files."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from cooccur import escape, limit, memorisation, sweep
from cooccur.coordinates import Batch, GramState, reduced_loss_and_grad
from cooccur.data import DataConfig, make_dataset
from cooccur.experiment import Experiment, initial_state
from cooccur.flow import SimConfig
from cooccur.model import ModelConfig, init_std, phase1_rate

BOOK = Path(__file__).resolve().parents[1] / "book"
SMALL_DATA = {"n": 12, "L": 3, "distinct_fillers": True}


def small(m: int, seed: int = 0, start: str = "wishart", T_x_rate: float = 200.0) -> Experiment:
    data = DataConfig(**SMALL_DATA, d=3 + DataConfig(**SMALL_DATA, d=64).fillers_needed(), seed=seed)
    model = ModelConfig(d=data.d, m=m, m1=m, init="theory", seed=seed)
    T = T_x_rate / phase1_rate(model, data.L)
    return Experiment(data, model, SimConfig(T=T, step=T / 100, method="gram", start=start, record="signal"))


def test_the_limit_state_is_the_mean_of_the_drawn_gram_quantities():
    cfg = ModelConfig(d=4, m=40, m1=30, init="theory", init_scale=0.7)
    L = 5
    mean = GramState.limit(cfg, L)
    s0, s1 = init_std(cfg, L)
    draws = [GramState.draw(dataclasses.replace(cfg, seed=seed), L) for seed in range(2000)]
    for name, sd in (("QQ", s0**2 * math.sqrt(2 * cfg.m)), ("KK", s0**2 * math.sqrt(2 * cfg.m)),
                     ("VV", s0**2 * math.sqrt(2 * cfg.m)), ("A", s0**2 * math.sqrt(cfg.m)),
                     ("G", math.sqrt(s1**2 * cfg.m1 * s0**2 * cfg.m))):
        average = np.mean([getattr(d, name) for d in draws], axis=0)
        # every entry of the average of 2000 draws within 5 standard errors of the limit state's entry
        assert np.abs(average - getattr(mean, name)).max() < 5 * sd / math.sqrt(2000), name
    wa = np.mean([d.wa_sq for d in draws])
    assert abs(wa - mean.wa_sq) < 5 * s1**2 * cfg.m1 * math.sqrt(2 * cfg.m) / math.sqrt(2000)
    assert mean.a_sq == cfg.m1 and np.all(mean.G == 0)


def test_the_limit_start_keeps_the_drawn_initial_output_and_the_mean_start_does_not():
    exp = small(64)
    drawn = initial_state(exp)
    kept = initial_state(dataclasses.replace(exp, sim=dataclasses.replace(exp.sim, start="limit")))
    mean = initial_state(dataclasses.replace(exp, sim=dataclasses.replace(exp.sim, start="mean")))
    assert np.array_equal(kept.G, drawn.G) and np.any(drawn.G != 0)
    assert np.array_equal(kept.QQ, mean.QQ) and np.all(mean.G == 0)
    with pytest.raises(ValueError, match="G must have shape"):
        GramState.limit(exp.model, exp.data.L, G=np.zeros(3))
    with pytest.raises(ValueError, match="start='limit' needs method='gram'"):
        SimConfig(method="euler", start="limit")


def test_finite_widths_approach_their_limit_start():
    gaps = {m: limit.run_pair(small(m, seed=1))[0] for m in (16, 4096)}
    # the relative fluctuations of the Gram matrices fall like m^-1/2: 16x over 256x the width; allow 4x
    assert gaps[4096]["limit.dist.G"] < gaps[16]["limit.dist.G"] / 4
    assert gaps[4096]["limit.dist.loss"] < gaps[16]["limit.dist.loss"] / 4
    # the mean start does not share G(0), so it stays far at any width
    assert gaps[4096]["mean.dist.G"] > 10 * gaps[4096]["limit.dist.G"]


def test_fluctuation_exponents_read_the_slope_of_each_distance():
    m = np.array([10.0, 100.0, 1000.0, 10.0, 100.0, 1000.0])
    table = pd.DataFrame({"model.m": m, "error": "", **{f"limit.dist.{k}": 3 * m ** -0.5 for k in limit.DISTANCES}})
    table.loc[0, "limit.dist.T1"] = math.nan  # left out of the fit
    fits = limit.fluctuation_exponents(table)
    assert fits["G"].exponent == pytest.approx(-0.5) and fits["T1"].n == 5


def test_the_margin_split_adds_up_to_the_margins():
    traj = small(128).simulate()
    assert np.allclose(traj.margin_split.sum(axis=-1), traj.y * traj.F, rtol=1e-12, atol=1e-14)
    assert np.any(np.abs(traj.margin_split[-1, :, 1]) > 1e-3)  # the fillers carry something


def test_initial_push_is_minus_the_gradient_in_G_at_the_start_of_a_mean_run():
    batch = Batch.from_dataset(make_dataset(DataConfig(n=60, L=5, d=163, distinct_fillers=True)))
    ev = reduced_loss_and_grad(np.zeros((163, 163)), np.zeros(163), batch, 128)
    assert np.allclose(escape.initial_push(batch), -ev.grad_G, atol=1e-15)
    # mu_1 and mu_2: (|I1| - |I2|) / (2n) = 1/6; mu_3 is pushed by as many +1 as -1
    assert escape.initial_push(batch)[:3] == pytest.approx([1 / 6, 1 / 6, 0.0])


def test_the_escape_formulas_solve_the_constant_gradient_ode():
    push, m1, sigma0, sigma1, m = 0.3, 50, 0.02, 0.05, 200
    kappa = float(escape.kappa(sigma0, sigma1, m, m1))
    x0, y0 = sigma1**2 * m1 * m, sigma0**2 * m

    def rhs(t, v):
        x, y, z = v
        return [2 * m1 * push * z, 2 * push * z, push * (m1 * y + x)]

    level = 4.0
    hit = lambda t, v: v[2] - level  # noqa: E731
    hit.terminal = True
    sol = solve_ivp(rhs, (0, 100), [x0, y0, 0.0], events=hit, rtol=1e-10, atol=1e-12)
    t1 = sol.t_events[0][0]
    rate = (sigma0**2 + sigma1**2) * m * m1
    assert t1 * rate == pytest.approx(float(escape.escape_time(kappa, push, level)), rel=1e-6)
    assert sol.y_events[0][0][0] / x0 == pytest.approx(float(escape.wa_growth(kappa, sigma0, sigma1, level)),
                                                       rel=1e-6)
    # lazy limit: z grows at Lemma 4.1's rate, T1 x rate -> z* / ||c||, and nothing else moves
    assert float(escape.escape_time(1e9, push, level)) == pytest.approx(level / push, rel=1e-6)
    assert float(escape.wa_growth(1e9, sigma0, sigma1, level)) == pytest.approx(1.0, abs=1e-9)


def test_crossing_and_the_lazy_boundary():
    assert escape.crossing([1, 10, 100], [8.0, 2.0, 0.5], 1.0) == pytest.approx(10 ** 1.5)
    assert math.isnan(escape.crossing([1, 10], [0.5, 0.2], 1.0))
    table = pd.DataFrame({"axis.init_scale": [0.1, 1.0, 0.1, 1.0], "model.m": [32, 32, 64, 64],
                          "thm3.1.wa_sq_growth": [16.0, 1.0, 4.0, 1.0], "error": ""})
    found = escape.lazy_boundary(table, 2.0, columns=("thm3.1.wa_sq_growth",))
    assert found[32.0] == pytest.approx(10 ** -0.25) and found[64.0] == pytest.approx(10 ** -0.5)
    table["thm3.1.VV_growth"] = [16.0, 1.0, 16.0, 1.0]  # the larger growth decides, as the premise reads it
    assert escape.lazy_boundary(table, 2.0)[64.0] == pytest.approx(10 ** -0.25)


def test_initial_filler_share_counts_the_filler_slots():
    for n, L in ((60, 5), (120, 3), (60, 7)):
        data = DataConfig(n=n, L=L, d=64, distinct_fillers=False)
        data = dataclasses.replace(data, d=3 + data.fillers_needed(), distinct_fillers=True)
        batch = Batch.from_dataset(make_dataset(data))
        slots = int((batch.tokens >= 3).sum())
        assert memorisation.odds(memorisation.initial_filler_share(batch)) == pytest.approx(9 * slots / (2 * n**2))
        assert slots == pytest.approx(n * (L - 7 / 3))


def test_a_run_to_t_star_measures_the_split_and_the_population_loss_there():
    exp = small(32, T_x_rate=3000.0)
    row, traj = memorisation.run_to_t_star(exp, keep_trajectory=True)
    k = int(np.flatnonzero(traj.loss <= 1 / 32)[0])
    assert row["T_star"] == traj.t[k]
    assert 0 < row["filler_share.T_star"] < 1
    again = memorisation.state_at(exp, row["T_star"])
    assert np.allclose(again.G[-1], traj.G[k], rtol=1e-4, atol=1e-6)  # the same state, up to the solver's error
    assert again.loss[-1] == pytest.approx(traj.loss[k], rel=1e-3)
    assert 0 < row["population_loss.T_star"] < math.log(2) * 3  # a loss on fresh samples, finite


def test_the_memorisation_boundary_inverts_the_fitted_power_law():
    initial = np.array([0.05, 0.1, 0.2, 0.3])
    odds0 = memorisation.odds(initial)
    at_t_star = 2 * odds0 / (1 + 2 * odds0)  # odds at T* = 2 x initial odds
    table = pd.DataFrame({"filler_share.initial": initial, "filler_share.T_star": at_t_star, "error": ""})
    found = memorisation.boundary(table)
    assert found.fit.exponent == pytest.approx(1.0) and found.initial_odds == pytest.approx(0.5)
    assert found.slope == pytest.approx(9.0)


@pytest.mark.parametrize("path", sorted(BOOK.glob("beyond/*.yaml")), ids=lambda p: p.name)
def test_the_sweep_files_of_the_chapter_validate(path):
    s = sweep.load_sweep(path)
    assert s.runs and s.kind in sweep.KINDS
    for run in s.runs[:3]:
        exp = run.experiment
        if "horizon_x_rate" in s.axes:
            rate = phase1_rate(exp.model, exp.data.L)
            expected = run.values["horizon_x_rate"] * max(1.0, exp.model.init_scale**2) / rate
            assert exp.sim.T == pytest.approx(expected) and exp.sim.step == pytest.approx(expected / 100)


def test_a_bad_horizon_is_named():
    with pytest.raises(sweep.SweepError, match="horizon_x_rate must be a number > 0"):
        sweep.Sweep.from_dict({"axes": {"horizon_x_rate": [0]}})


def test_a_quick_mode_can_replace_the_values_of_an_axis_but_not_add_one():
    path = BOOK / "beyond" / "lazy.yaml"
    s = sweep.load_sweep(path, seeds=[0], axes={"model.m": [32], "init_scale": [0.1, 1.0]})
    assert len(s.runs) == 2 and {r.values["init_scale"] for r in s.runs} == {0.1, 1.0}
    with pytest.raises(sweep.SweepError, match="axes.model.m1: not an axis of this file"):
        sweep.load_sweep(path, axes={"model.m1": [32]})


def test_a_failing_run_of_either_new_kind_is_an_error_row():
    exp = small(32)
    broken = dataclasses.replace(exp, model=dataclasses.replace(exp.model, init="kaiming"))  # no Wishart law
    for run in (sweep.run_width_limit, sweep.run_memorisation):
        row, traj = run(broken, True)
        assert "init='kaiming'" in row["error"] and traj is None and row["model.m"] == 32


def test_a_sample_count_study_takes_medians_over_the_seeds_that_reached_t_star():
    from cooccur.claims import Verdict
    from cooccur.memorisation import SampleCountStudy

    def verdict(holds: bool, ratio: float, t_star: float = 5.0) -> Verdict:
        return Verdict("thm3.3.population", holds, True, {"T_star": t_star, "population_over_target": ratio,
                                                          "type2_margin_core": 2 * ratio, "type2_margin_filler": 0.1},
                       undecided=not np.isfinite(t_star))

    study = SampleCountStudy({30: [verdict(False, 8.0), verdict(True, 4.0), verdict(False, 99.0, np.nan)],
                              120: [verdict(True, 1.0), verdict(True, 0.5)]}, {30: 2, 120: 2}, {})
    assert study.median(30, "population_over_target") == 6.0  # the run without T* left out
    assert (study.held(30), study.held(120)) == (1, 2)
    assert study.exponent() == pytest.approx(np.log(0.75 / 6.0) / np.log(4.0))
    rows = study.rows()
    assert rows[0]["holds (<= K/m)"] == "1 of 3 (1 undecided: no T*)" and rows[1]["holds (<= K/m)"] == "2 of 2"
    assert rows[0]["premises met"] == "2 of 3" and rows[1]["type-2 margin from signal words"] == "1.50"


def test_limit_readings_fit_each_distance_and_read_the_widest_width():
    from cooccur import beyond

    m = np.repeat([100.0, 1000.0, 10000.0, 100000.0, 1000000.0], 2)
    table = pd.DataFrame({"model.m": m, "error": "", "T1_x_rate": 40.0 + m**-0.5, "limit.T1_x_rate": 40.0,
                          "mean.T1_x_rate": np.tile([20.0, 10.0], 5),
                          **{f"limit.dist.{k}": 2 * m**-0.5 for k in limit.DISTANCES},
                          **{f"mean.dist.{k}": 1.0 + 0 * m for k in limit.DISTANCES}})
    table.loc[m >= 1e5, "limit.dist.loss"] = 3e-4  # a floor
    fits, numbers, texts = beyond.limit_readings(table)
    assert fits["limit"]["G"].exponent == pytest.approx(-0.5) and numbers["mean_exp_G"] == pytest.approx(0.0)
    assert numbers["widest_m"] == 1_000_000 and numbers["t1_rate_widest_mean"] == pytest.approx(15.0)
    assert (numbers["t1_ratio_low"], numbers["t1_ratio_high"]) == pytest.approx((2.001 / 1.0005, 4.002 / 1.0005),
                                                                                rel=1e-3)
    assert numbers["loss_floor"] == pytest.approx(3e-4)
    assert texts == {"limit_G_verdict": "contains", "limit_loss_verdict": "excludes"}


def test_memorisation_readings_compare_the_boundary_with_condition_1():
    from cooccur import beyond

    initial = np.array([0.05, 0.1, 0.2, 0.3, 0.15, 0.25])
    odds0 = memorisation.odds(initial)
    n, L = np.array([60, 120, 240, 60, 120, 240]), np.array([3, 3, 3, 5, 5, 5])
    distinct = pd.DataFrame({"filler_share.initial": initial, "filler_share.T_star": 2 * odds0 / (1 + 2 * odds0),
                             "filler_share.T1": initial, "error": "", "data.n": n, "data.L": L, "model.m": 128,
                             "T_star": [1.0, 2.0, np.nan, 3.0, 1.0, 1.0], "population_loss.T_star": 1.2 * L / n,
                             "thm3.3.structure.holds": [0.0, 1.0, np.nan, 0.0, 1.0, 0.0]})
    shared = distinct.assign(**{"data.d": 64, "filler_share.T_star": 0.1})
    numbers, texts = beyond.memorisation_readings(distinct, shared)
    assert numbers["mem_slope"] == pytest.approx(9.0) and numbers["cond1_vs_boundary"] == pytest.approx(28 / 27)
    assert texts == {"cond1_share": "less than"}  # the boundary's slope 9 is below 28/3
    assert numbers["pop_exp_L3"] == pytest.approx(-1.0) and numbers["pop_exp_L5"] == pytest.approx(-1.0)
    assert numbers["pop_max_over_train"] == pytest.approx(1.2 * 5 / 60 * 128)
    assert (numbers["largest_n"], numbers["largest_L"]) == (240, 5)
    assert numbers["pop_largest_distinct"] == pytest.approx(1.2 * 5 / 240)
    assert (numbers["structure_decided"], numbers["structure_holds"], numbers["mem_reached"]) == (10, 4, 5)
    assert numbers["uses_high"] == pytest.approx(240 * (5 - 7 / 3) / 61)
