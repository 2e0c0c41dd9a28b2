"""What the chapter "Experiments" reads off Figure 1: loss peaks, score movements, the readings of "Kaiming", and
gradient descent against the exact flow."""

import dataclasses

import numpy as np
import pytest

from cooccur import figure1
from cooccur.experiment import paper_setting
from cooccur.measures import phase1_index


@pytest.fixture(scope="module")
def descent():
    exp = paper_setting(0, init="kaiming", method="euler", T=3.0)
    return exp, exp.simulate()


def test_loss_peaks_lie_in_phase_1_and_above_the_start(descent):
    _, traj = descent
    peaks = figure1.loss_peaks(traj, 0.01)
    for name, k in (("type2", 1), ("type3", 2)):
        assert peaks[f"{name}_peak"] >= peaks[f"{name}_loss0"] == traj.loss_by_type[0, k]
        assert peaks[f"{name}_peak_iter"] <= traj.T1 / 0.01 + 1e-9
        assert peaks[f"{name}_peak"] == traj.loss_by_type[round(peaks[f"{name}_peak_iter"]), k]  # step 0.01: record i
    assert peaks["type1_loss_t1"] == traj.loss_by_type[phase1_index(traj), 0]


def test_score_moves_split_each_change_at_t1(descent):
    _, traj = descent
    rows, formats, numbers = figure1.score_moves(traj)
    assert len(rows) == 4 and set(formats) < set(rows[0])
    for row in rows:
        assert row["at t = 0"] + row["change over Phase 1"] + row["change over Phase 2"] == pytest.approx(
            traj.A[-1][np.isclose(traj.A[0], row["at t = 0"])][0], rel=1e-12)
    phase2 = [abs(r["change over Phase 2"]) for r in rows]
    assert numbers["score_phase2_min"] == min(phase2)
    assert numbers["score_ratio"] == min(phase2) / max(abs(r["change over Phase 1"]) for r in rows)


def test_every_unstated_choice_gives_a_row_and_its_counts():
    rows, readings = figure1.unstated_choices(seeds=1, iterations=100, visible_rise=0.0)
    numbers = readings.numbers
    assert (numbers["reading_seeds"], numbers["reading_iterations"]) == (1, 100)
    assert len(rows) == 3 * 2 * 2
    assert {r["Kaiming read as"] for r in rows} == set(figure1.KAIMING_READINGS.values())
    for key in ("kaiming_mean_fixed", "he_normal_sum_trained", "xavier_normal_mean_trained"):
        assert numbers[f"reading_diverged_{key}"] + numbers[f"reading_rises_{key}"] <= 1
        assert (numbers[f"reading_diverged_{key}"] == 1) != (f"reading_t1_{key}" in numbers)


def test_descent_against_itself_has_no_gap_and_flows_give_medians(descent):
    exp, traj = descent
    same = figure1.descent_against_flow(traj, traj, 0.01).numbers
    assert same["gd_flow_loss_rel"] == 0 and same["gd_flow_G_rel"] == 0 and same["gd_flow_t1_gd"] == traj.T1 / 0.01
    other = dataclasses.replace(traj, loss=traj.loss * 1.1)
    assert figure1.descent_against_flow(other, traj, 0.01).numbers["gd_flow_loss_rel"] == pytest.approx(0.1)
    medians = figure1.flow_medians({"theory init": [traj, other]}, 0.01)
    assert medians["t1_theory"] == traj.T1 / 0.01
    assert medians["loss_end_theory"] == pytest.approx(traj.loss[-1] * 1.05)


def test_the_run_readings_are_the_runs_numbers_and_eq5s_error(descent):
    from cooccur import claims

    exp, traj = descent
    verdicts = claims.check_all(exp, traj)
    out = figure1.run_readings(traj, 0.01, verdicts).numbers
    assert out["n_steps"] == 300 and out["t1_iter"] == traj.T1 / 0.01 and out["final_loss"] == traj.loss[-1]
    assert out["eq5_error"] == verdicts["eq5"].measured["relative_error"]
    assert out["type2_peak"] == figure1.loss_peaks(traj, 0.01)["type2_peak"]
    assert out["score_ratio"] == figure1.score_moves(traj)[2]["score_ratio"]


def test_the_prose_check_refuses_a_run_where_types_2_and_3_do_not_rise_first(descent):
    exp, traj = descent
    flat = dataclasses.replace(traj, loss_by_type=np.repeat(traj.loss_by_type[:1], len(traj.t), axis=0))
    with pytest.raises(AssertionError, match="types 2/3 did not rise first"):
        figure1.check_prose(exp, flat)


def test_seed_runs_and_init_flows_count_over_their_seeds():
    trajs, out = figure1.seed_runs(2, "kaiming", 3.0, 0.01)
    t1 = [tr.T1 / 0.01 for tr in trajs]
    assert (out.numbers["t1_min"], out.numbers["t1_max"]) == (min(t1), max(t1))
    assert out.numbers["n_seeds"] == 2 and out.numbers["step_value"] == 0.01
    flows, medians = figure1.init_flows(2, 3.0, 0.01)
    assert set(flows) == {"theory init", "kaiming init"} and len(flows["theory init"]) == 2
    assert flows["theory init"][0].t[-1] == pytest.approx(3.0)  # the exact flow over the same horizon
    assert medians.numbers["t1_kaiming"] == np.median([tr.T1 for tr in flows["kaiming init"]]) / 0.01


def test_the_summary_reads_g_at_t1_and_the_rates_of_each_phase(descent):
    exp, traj = descent
    out = figure1.summary_readings(exp, traj).numbers
    i1 = phase1_index(traj)
    assert out["G1_T1"] == traj.G[i1, 0] and out["n_steps"] == 300
    assert out["G_rate_phase1"] == pytest.approx((traj.G[i1, 0] - traj.G[0, 0]) / traj.T1)
    assert out["score_rate_phase1"] > 0 and out["attn_change"] > 0


def test_descent_converges_to_the_exact_flow_at_first_order():
    from cooccur.experiment import Experiment
    from cooccur.flow import SimConfig

    base = paper_setting(0, init="kaiming", T=2.0)
    exact = Experiment(base.data, base.model, SimConfig(T=2.0, method="gram", rtol=1e-10, atol=1e-14))
    flow, descents, out = figure1.descent_convergence(exact, 0, "kaiming")
    assert list(descents) == list(figure1.RATES) and flow.t[-1] == pytest.approx(2.0)
    assert out.numbers["slope_G"] == pytest.approx(1.0, abs=0.15)  # halving the rate halves the gap: first order
    assert out.numbers["gd_steps"] == 201 and out.numbers["flow_evals"] > 0  # 200 steps and the end state
    runs, eq5 = figure1.eq5_runs(exact)
    assert set(runs) == {"gradient descent, lr 0.01", "exact flow"}
    assert abs(eq5.numbers["eq5_rel_err"]) < 1e-2 and eq5.numbers["eq5_change"] != 0
