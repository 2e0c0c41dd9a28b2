"""What the Phase-2 chapter reads off its runs: each reading is the verdict's number under the prose's name."""

import numpy as np
import pytest

from cooccur import claims, phase2
from cooccur.claims import Verdict
from cooccur.experiment import both_settings
from cooccur.runs import runs_of


@pytest.fixture(scope="module")
def settings():
    runs = {name: runs_of(exps) for name, exps in both_settings(2, T=20.0).items()}
    verdicts = {name: [claims.check_all(r.experiment, r.traj) for r in rs] for name, rs in runs.items()}
    return runs, verdicts


def test_seed_readings_are_the_verdicts_numbers_under_the_prose_names(settings):
    runs, verdicts = settings
    out = phase2.seed_readings(runs, verdicts, 1)
    for name in ("paper", "premise"):
        v = verdicts[name][1]
        assert out.numbers[f"dA_21_{name}"] == v["thm3.2.scores"].measured["A[mu2,mu1] change"]
        assert out.numbers[f"neg_min_G1G3_{name}"] == -v["thm3.2.margins"].measured["min signed G1+G3"]
        t_star_t1 = v["thm3.3.loss"].measured.get("T_star_over_T1", np.nan)
        np.testing.assert_equal(out.numbers[f"T_star_T1_{name}"], t_star_t1)
        pops = [x["thm3.3.population"].measured.get("population_over_target", np.nan) for x in verdicts[name]]
        assert out.numbers[f"pop_ratio_max_{name}"] == max(pops)
    assert {f"dA_{k}_paper" for k in ("21", "12", "31", "32")} <= set(out.numbers)
    # every number the prose quotes is measured on these runs: a misspelt key would glue NaN
    assert not [name for name, value in out.numbers.items() if np.isnan(value)]
    assert out.numbers["seed"] == 1 and out.numbers["n_seeds"] == 2
    assert out.numbers["filler_G_min"] <= out.numbers["filler_G_mean"]


def test_the_margin_rule_counts_item_3_at_each_start_of_phase_2(settings):
    runs, _ = settings
    held, out = phase2.margin_rule(runs, [0.0, 0.5])
    assert out.numbers["margins_c50_premise"] == held[0.5]["premise"] == sum(
        claims.thm3_2_margins(r, t1_margin=0.5).holds for r in runs["premise"])
    assert set(out.numbers) == {f"margins_c{c}_{name}" for c in (0, 50) for name in ("paper", "premise")}


def test_the_structure_at_t_star_is_read_at_the_first_record_below_one_over_m(settings):
    run = settings[0]["premise"][0]
    k = claims.t_star_index(run)
    change = phase2.t_star_structure(run)
    assert change.shape == run.traj.A.shape[1:]
    expected = run.traj.A[run.traj.t.size - 1 if k is None else k] - run.traj.A[0]
    np.testing.assert_array_equal(change, expected)


def test_the_length_study_reads_the_tilt_at_each_length():
    study = phase2.length_study([3, 4, 5], 1, 20.0)
    assert study.series("tilt_mu1_mu2").shape == (3, 1)
    out = study.readings()
    s = study.scaling.measured
    assert out.numbers["attn_exponent"] == s["exponent"] and (out.numbers["L_min"], out.numbers["L_max"]) == (3, 5)
    assert out.numbers["attn_gap_factor"] == pytest.approx((5 / 3) ** abs(s["predicted_exponent"] - s["exponent"]))
    assert out.numbers["attn_ratio_min"] <= out.numbers["attn_ratio_max"]


def test_the_closing_sentence_says_how_far_the_coefficients_miss():
    failing = Verdict("smallest C at T*", False, True, {"exponent": -1.2, "predicted": -1.8})
    assert "differs from the stated one by 0.60, about 3 factors of ln m" in phase2.order_closing(failing, 0.2)
    undecided = Verdict("smallest C at T*", False, True, {}, undecided=True)
    assert phase2.order_closing(undecided, 0.2).startswith("Some run did not reach T*")
    holding = Verdict("smallest C at T*", True, True, {"exponent": -1.7, "predicted": -1.8})
    assert "within one log factor" in phase2.order_closing(holding, 0.2)


def test_t_star_orders_read_every_statement_and_say_whether_runs_reached_t_star():
    sweep, out = phase2.t_star_orders([32, 100, 320], [1.0], 1)
    assert set(sweep.orders[1.0]) == set(claims.T_STAR_ORDERS)
    assert out.numbers["t_order_s1_runs"] == 3 and out.numbers["t_order_m_max"] == 320
    reached = out.numbers["t_order_s1_reached"]
    assert out.texts["t_reached"].startswith("Every run" if reached == 3 else "Not every run")
    assert "t_order_closing" in out.texts and "t_star_exponent" in out.numbers


def test_balance_readings_are_lemma_4_5s_gaps_and_the_types_late_slopes(settings):
    runs, verdicts = settings
    out = phase2.balance_readings(runs, verdicts, 0)
    for name in ("paper", "premise"):
        traj = runs[name][0].traj
        slopes = claims.measures.late_loss_slopes(traj)
        assert out.numbers[f"type4_over_type1_{name}"] == slopes[4] / slopes[1]
        assert out.numbers[f"S23_min_{name}"] == claims.measures.balance_readings(traj)["S23_min"]
        np.testing.assert_equal(out.numbers[f"gap_pos_{name}"],
                                verdicts[name][0]["lemma4.5"].measured.get("max S/(S1-S2)", np.nan))


def test_balance_stress_starts_the_perturbed_runs_out_of_balance(settings):
    base = settings[0]["paper"][0]
    cases, out = phase2.balance_stress(base, 4.0)
    assert list(cases)[0] == "paper's setting" and cases["paper's setting"] is base.traj
    assert out.numbers["perturb_factor"] == 4.0
    # scaling the column of W_V that embeds mu_1 moves the start's S2/S3 away from the base run's
    assert abs(np.log(out.numbers["perturbed_start"])) > abs(np.log(out.numbers["base_start"]))
    for key in ("base", "unbalanced", "perturbed"):
        assert out.numbers[f"{key}_log_end"] == pytest.approx(abs(np.log(out.numbers[f"{key}_end"])))
