"""Memorisation against co-occurrence: the fillers' share of the margins, its initial rate, a run to T*, the
boundary, and Theorem 3.3 over sample counts."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from cooccur import memorisation
from cooccur.coordinates import Batch
from cooccur.data import DataConfig, make_dataset


def test_the_margin_split_adds_up_to_the_margins(small):
    traj = small(128).simulate()
    assert np.allclose(traj.margin_split.sum(axis=-1), traj.y * traj.F, rtol=1e-12, atol=1e-14)
    assert np.any(np.abs(traj.margin_split[-1, :, 1]) > 1e-3)  # the fillers carry something

def test_initial_filler_share_counts_the_filler_slots():
    for n, L in ((60, 5), (120, 3), (60, 7)):
        data = DataConfig(n=n, L=L, d=64, distinct_fillers=False)
        data = dataclasses.replace(data, d=3 + data.fillers_needed(), distinct_fillers=True)
        batch = Batch.from_dataset(make_dataset(data))
        slots = int((batch.tokens >= 3).sum())
        assert memorisation.odds(memorisation.initial_filler_share(batch)) == pytest.approx(9 * slots / (2 * n**2))
        assert slots == pytest.approx(n * (L - 7 / 3))

def test_a_run_to_t_star_measures_the_split_and_the_population_loss_there(small):
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


def test_the_sample_count_readings_take_the_smallest_and_largest_n():
    from cooccur.claims import Verdict

    def verdict(pop, holds, reached=True):
        measured = {"T_star": 1.0 if reached else np.nan, "population_over_target": pop, "type2_margin_core": 2 * pop,
                    "type2_margin_filler": 3 * pop}
        return Verdict("thm3.3.population", holds, True, measured)

    study = memorisation.SampleCountStudy({30: [verdict(8.0, True), verdict(4.0, False), verdict(99.0, False, False)],
                                           60: [verdict(2.0, True)], 120: [verdict(1.0, True), verdict(3.0, True)]},
                                          {30: 3, 60: 1, 120: 2}, {})
    out = study.readings()
    assert (out.numbers["n_small"], out.numbers["n_large"]) == (30, 120)
    assert out.numbers["count_pop_ratio_small"] == 6.0  # the median over the seeds that reached T*
    assert out.numbers["count_filler_large"] == 6.0 and out.numbers["count_core_large"] == 4.0
    assert (out.numbers["count_held_small"], out.numbers["count_held_large"]) == (1, 2)
    assert out.numbers["pop_n_exponent"] == pytest.approx(np.polyfit(np.log([30, 60, 120]), np.log([6, 2, 2]), 1)[0])
