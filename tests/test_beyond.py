"""What "Beyond the paper" runs and reads: its sweep files and kinds, and the readings of its tables
(:mod:`cooccur.beyond`)."""

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cooccur import limit, memorisation, sweep
from cooccur.model import phase1_rate

BOOK = Path(__file__).resolve().parents[1] / "book"


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

def test_a_failing_run_of_either_new_kind_is_an_error_row(small):
    exp = small(32)
    broken = dataclasses.replace(exp, model=dataclasses.replace(exp.model, init="kaiming"))  # no Wishart law
    for run in (sweep.run_width_limit, sweep.run_memorisation):
        row, traj = run(broken, True)
        assert "init='kaiming'" in row["error"] and traj is None and row["model.m"] == 32

def test_limit_readings_fit_each_distance_and_read_the_widest_width():
    from cooccur import beyond

    m = np.repeat([100.0, 1000.0, 10000.0, 100000.0, 1000000.0], 2)
    table = pd.DataFrame({"model.m": m, "error": "", "T1_x_rate": 40.0 + m**-0.5, "limit.T1_x_rate": 40.0,
                          "mean.T1_x_rate": np.tile([20.0, 10.0], 5),
                          **{f"limit.dist.{k}": 2 * m**-0.5 for k in limit.DISTANCES},
                          **{f"mean.dist.{k}": 1.0 + 0 * m for k in limit.DISTANCES}})
    table.loc[m >= 1e5, "limit.dist.loss"] = 3e-4  # a floor
    fits, readings = beyond.limit_readings(table)
    numbers, texts = readings.numbers, readings.texts
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
    readings = beyond.memorisation_readings(distinct, shared)
    numbers, texts = readings.numbers, readings.texts
    assert numbers["mem_slope"] == pytest.approx(9.0) and numbers["cond1_vs_boundary"] == pytest.approx(28 / 27)
    assert texts == {"cond1_share": "less than"}  # the boundary's slope 9 is below 28/3
    assert numbers["pop_exp_L3"] == pytest.approx(-1.0) and numbers["pop_exp_L5"] == pytest.approx(-1.0)
    assert numbers["pop_max_over_train"] == pytest.approx(1.2 * 5 / 60 * 128)
    assert (numbers["largest_n"], numbers["largest_L"]) == (240, 5)
    assert numbers["pop_largest_distinct"] == pytest.approx(1.2 * 5 / 240)
    assert (numbers["structure_decided"], numbers["structure_holds"], numbers["mem_reached"]) == (10, 4, 5)
    assert numbers["uses_high"] == pytest.approx(240 * (5 - 7 / 3) / 61)


def test_limit_agreement_lists_the_undecided_and_the_lowest_agreement():
    from cooccur import beyond

    table = pd.DataFrame({"error": ["", "", "", "boom"], "attention_uniform.holds": [1.0, 1.0, 0.0, 1.0],
                          "limit.attention_uniform.holds": [1.0, 0.0, 0.0, 0.0], "eq5.holds": [np.nan] * 4,
                          "limit.eq5.holds": [1.0] * 4})
    rows, readings = beyond.limit_agreement(table, ["attention_uniform", "eq5"])
    assert [r["claim"] for r in rows] == ["attention_uniform"]  # eq5 is decided on no row
    assert readings.texts == {"limit_undecided": "eq5"}
    assert readings.numbers["limit_agree_min"] == pytest.approx(2 / 3)
    assert readings.numbers["limit_uniform_share"] == pytest.approx(2 / 3)
