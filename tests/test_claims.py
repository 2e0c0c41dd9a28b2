"""The paper's statements, through the one definition of each in :mod:`cooccur.claims`.

Two kinds of tests: the verdicts on real runs (the paper's setting and the premise setting, several seeds, the
exact flow), and checks that each verdict can fail — on a trajectory altered so that the statement is false,
the verdict must say so.
"""

import dataclasses

import numpy as np
import pytest

from cooccur import claims, measures
from cooccur.claims import CLAIMS, Run, check_all, premises
from cooccur.coordinates import attention_probabilities
from cooccur.data import DataConfig
from cooccur.experiment import Experiment, SimConfig, paper_setting, premise_setting
from cooccur.model import ModelConfig
from cooccur.observables import margin_split
from cooccur.runs import runs_of

SEEDS = range(3)


@pytest.fixture(scope="module")
def premise_runs():
    return [Run(e, e.run(cache=False)) for e in (premise_setting(s) for s in SEEDS)]


@pytest.fixture(scope="module")
def paper_runs():
    return [Run(e, e.run(cache=False)) for e in (paper_setting(s) for s in SEEDS)]


def verdicts(run: Run) -> dict:
    return check_all(run.experiment, run.traj)


def test_check_all_returns_every_claim_with_its_premise_and_prediction(premise_runs):
    v = verdicts(premise_runs[0])
    assert list(v) == [
        "thm3.1", "lemma4.1", "lemma4.2", "lemma4.3", "thm3.2.scores", "thm3.2.values", "thm3.2.margins",
        "thm3.3.loss", "thm3.3.population", "thm3.3.structure", "lemma4.4", "lemma4.5", "eq5", "attention_uniform",
    ]  # fmt: skip
    for claim, verdict in v.items():
        assert verdict.claim == claim and isinstance(verdict.holds, bool) and verdict.detail
        assert verdict.measured and all(isinstance(x, float) for x in verdict.measured.values())
        assert verdict.predicted


def test_premises_of_the_paper_setting_and_of_the_premise_setting():
    paper = premises(paper_setting(0))
    assert paper["assumption2.3.i"].met
    assert not paper["assumption2.3.ii"].met  # 160 filler slots, 61 filler words
    assert not paper["condition1"].met and "m=128 >= m1=256" in paper["condition1"].why
    assert not paper["small_output"].met
    good = premises(premise_setting(0))
    assert all(p.met for p in good.values()), {k: p.why for k, p in good.items()}


def test_condition_1_admits_scales_within_one_log_factor_of_m():
    def scaled(m, s):
        return Experiment(DataConfig(n=60, L=5, d=163, distinct_fillers=True),
                          ModelConfig(d=163, m=m, m1=m, init="theory", init_scale=s), SimConfig(T=1.0))

    assert claims.scale_box(128) == pytest.approx(2 * np.log(128))
    assert not premises(scaled(128, 0.1))["condition1"].met  # 0.1 < 1/(2 ln 128) = 0.103
    assert premises(scaled(512, 0.1))["condition1"].met  # 1/(2 ln 512) = 0.080
    assert premises(scaled(128, 9.5))["condition1"].met and not premises(scaled(32, 9.5))["condition1"].met
    assert "B = 2 ln m = 9.7" in premises(scaled(128, 1.0))["condition1"].why


def test_each_premise_can_break_on_its_own():
    base = premise_setting(0)
    uneven = dataclasses.replace(base, data=dataclasses.replace(base.data, proportions=(0.5, 0.25, 1 / 12, 1 / 6)))
    assert not premises(uneven)["assumption2.3.i"].met
    short = premise_setting(0, data={"n": 24, "d": 67})  # n = 24 < L^2 = 25
    assert not premises(short)["condition1"].met and "n=24 >= L^2=25" in premises(short)["condition1"].why
    loud = dataclasses.replace(base, model=dataclasses.replace(base.model, sigma0=None, sigma1=None))
    assert not premises(loud)["small_output"].met


def test_verdicts_in_the_premise_setting(premise_runs):
    """Where the premises hold, these statements hold on every seed (the book reports them)."""
    for run in premise_runs:
        v = verdicts(run)
        assert all(x.premise_met for x in v.values())
        for claim in ("thm3.1", "lemma4.1", "lemma4.2", "lemma4.3", "thm3.2.scores", "thm3.2.values",
                      "thm3.2.margins", "thm3.3.loss", "thm3.3.population", "thm3.3.structure", "lemma4.4",
                      "lemma4.5", "eq5", "attention_uniform"):  # fmt: skip
            assert v[claim].holds, (claim, v[claim].detail)


def test_the_margin_verdict_depends_on_the_T1_rule(premise_runs):
    """Right after the first crossing, G1+G3 or G2+G3 is still positive; from every margin >= 0.25 on, and at the
    library's rule (0.5), all hold."""
    for run in premise_runs:
        assert not claims.thm3_2_margins(run, t1_margin=0.0).holds
        assert claims.thm3_2_margins(run, t1_margin=0.25).holds
        default = claims.thm3_2_margins(run)
        assert default.holds and default.measured["T1"] == run.traj.T1


def test_lemma_4_2_at_the_paper_setting_depends_on_the_draw(paper_runs):
    """The initial output is O(1) there (premise broken), and the early rise comes and goes with the seed."""
    held = [claims.lemma4_2(run) for run in paper_runs]
    assert not any(v.premise_met for v in held)
    assert 0 < sum(v.holds for v in held) < len(held), [v.detail for v in held]


def test_lemma_4_1_needs_a_small_initial_output(paper_runs, premise_runs):
    """Its leading constant assumes every g_i = 1/2: at the paper's order-one outputs its premise is not met, in the
    premise setting it is."""
    assert not any(claims.lemma4_1(run).premise_met for run in paper_runs)
    assert all(claims.lemma4_1(run).premise_met for run in premise_runs)


def test_population_loss_is_measured_on_unseen_samples_at_t_star(paper_runs):
    run = paper_runs[0]
    fresh = claims.fresh_batch(run.experiment, n=600)
    assert not np.array_equal(fresh.tokens[:60], run.batch.tokens)
    v = claims.thm3_3_population(run)
    # the same evaluation on the training set gives back the recorded training loss
    assert measures.population_loss(run.traj, run.batch, run.m) == pytest.approx(run.traj.loss[-1], rel=1e-9)
    k = claims.t_star_index(run)
    assert v.measured["T_star"] == run.traj.t[k] and run.traj.loss[k] <= 1 / run.m < run.traj.loss[k - 1]
    assert v.measured["training_loss"] == run.traj.loss[k] < v.measured["population_loss"]


def test_margin_split_adds_up_to_the_margins(premise_runs):
    run = premise_runs[0]
    parts = run.traj.margin_split
    assert parts.shape == (run.traj.t.size, run.n, 2)
    np.testing.assert_allclose(parts.sum(axis=-1), run.traj.y * run.traj.F, rtol=1e-9, atol=1e-12)
    assert np.all(parts[0, :, 1][run.batch.types == 4] != 0)  # a type-4 sequence has fillers, whose G is not zero


def test_population_verdict_fails_when_only_memorised_fillers_carry_the_margin(premise_runs):
    run = premise_runs[0]
    assert claims.thm3_3_population(run).holds
    G = run.traj.G.copy()
    G[:, :3] = 0.0  # the signal words carry nothing: a fresh sequence is scored by fillers the run never fitted
    P = attention_probabilities(run.traj.A, run.batch, run.m)  # the split of the margins the altered G gives
    v = claims.thm3_3_population(altered(run, G=G, margin_split=margin_split(P, G, run.batch)))
    assert not v.holds and v.measured["type2_margin_core"] == 0.0
    flat = altered(run, loss=np.full_like(run.traj.loss, 1.0))
    assert not claims.thm3_3_population(flat).holds and "no T*" in claims.thm3_3_population(flat).detail


def test_loss_verdict_is_read_by_m_times_t1(premise_runs):
    run = premise_runs[0]
    v = claims.thm3_3_loss(run)
    assert v.holds and v.measured["horizon"] == run.m * run.traj.T1 and v.measured["T_star"] <= v.measured["horizon"]
    late = run.traj.loss.copy()
    late[run.traj.t <= run.m * run.traj.T1] = 1.0  # below 1/m only after m T1
    assert not claims.thm3_3_loss(altered(run, loss=late)).holds


def altered(run: Run, **fields) -> Run:
    return Run(run.experiment, dataclasses.replace(run.traj, **fields))


def test_filler_kernel_ratio_is_the_small_output_ratio_when_outputs_stay_at_zero(premise_runs):
    run = premise_runs[0]
    still = altered(run, F=np.zeros_like(run.traj.F))  # every g_i = 1/2 throughout
    i1 = measures.phase1_index(run.traj)
    assert measures.filler_kernel_ratio(still.traj, run.batch, i1) == pytest.approx(
        measures.filler_rate_ratio(run.batch), rel=1e-12)
    assert measures.filler_kernel_ratio(run.traj, run.batch, i1) != pytest.approx(measures.filler_rate_ratio(run.batch))


def test_thm3_1_reads_the_fillers_against_the_runs_own_losses_at_a_large_initial_scale():
    """At s = 3 the initial outputs are large (median about 4): the fillers' share of G(mu_1)'s change is more than
    K times the small-output ratio 3/n, yet what a lazy Phase 1 predicts with the run's own losses."""
    from cooccur.experiment import width_setting

    e = width_setting(128, 0, init_scale=3.0)
    v = claims.thm3_1(claims.Run(e, e.simulate()))
    assert v.holds, v.detail
    assert v.measured["filler_share"] > claims.ORDER_CONSTANT * v.measured["filler_rate_ratio"]
    assert 0.5 < v.measured["filler_share_over_kernel"] < claims.LAZY_GROWTH


def test_lazy_phase1_reads_how_far_the_frozen_quantities_grew_by_t1(premise_runs):
    """The premise setting starts small, so its MLP first grows many-fold (a rich Phase 1); at Condition 1's scale
    s = 3 and a large width the quantities stay near their start (lazy), and the same run with ||W^T a||^2 tripled
    by T1 is rich."""
    from cooccur.experiment import width_setting

    rich = premise_runs[0]
    assert max(measures.phase1_growth(rich.traj).values()) > claims.LAZY_GROWTH
    assert not claims.lazy_phase1(rich.traj).met and not rich.premise_met("lazy_phase1")
    (wide,) = runs_of([width_setting(1024, init_scale=3.0)])
    assert claims.lazy_phase1(wide.traj).met
    wa = wide.traj.wa_sq.copy()
    wa[measures.phase1_index(wide.traj):] = 3 * wa[0]
    premise = claims.lazy_phase1(altered(wide, wa_sq=wa).traj)
    assert not premise.met and "x3" in premise.why


def test_thm3_1_fails_when_a_filler_word_keeps_pace_with_the_signal(premise_runs):
    run = premise_runs[0]
    assert claims.thm3_1(run).holds
    i1 = measures.phase1_index(run.traj)
    G = run.traj.G.copy()
    G[i1, claims.FIRST_FILLER] = G[0, claims.FIRST_FILLER] + (G[i1, 0] - G[0, 0])  # as far as G(mu_1) moved
    verdict = claims.thm3_1(altered(run, G=G))
    assert not verdict.holds and "filler G" in verdict.detail
    assert verdict.measured["filler_share"] == pytest.approx(1.0)


def test_score_and_value_verdicts_fail_on_a_non_monotone_trajectory(premise_runs):
    run = premise_runs[0]
    A = run.traj.A.copy()
    A[-1, 1, 0] = A[-2, 1, 0] - 1e-3  # mu_2^T W_K^T W_Q mu_1 falls at the last record
    assert claims.thm3_2_scores(run).holds and not claims.thm3_2_scores(altered(run, A=A)).holds
    VV = run.traj.VV.copy()
    VV[-1, 0, 2] = VV[-2, 0, 2] + 1e-3
    assert claims.thm3_2_values(run).holds and not claims.thm3_2_values(altered(run, VV=VV)).holds


def test_structure_verdict_fails_when_a_filler_coefficient_is_large(premise_runs):
    run = premise_runs[0]
    A = run.traj.A.copy()
    A[:, 5, 1] += np.linspace(0, 1e-2, A.shape[0])  # a filler key gains as much as the targets' coefficients
    v = claims.thm3_3_structure(altered(run, A=A))
    assert not v.holds and v.measured["core_over_filler"] < v.measured["predicted_ratio"] / claims.ORDER_CONSTANT


def test_structure_verdict_fails_when_the_coefficients_are_not_of_the_predicted_order(premise_runs):
    run = premise_runs[0]
    v = claims.thm3_3_structure(run)
    assert v.holds and 1 / claims.ORDER_CONSTANT <= v.measured["min_C_over_prediction"]
    A = run.traj.A.copy()
    A[:, :3, :3] = A[:1, :3, :3] + 100 * (A[:, :3, :3] - A[:1, :3, :3])  # the target coefficients x100
    big = claims.thm3_3_structure(altered(run, A=A))
    assert not big.holds and "Theta magnitude" in big.detail


def test_filler_ratio_prediction_divides_only_the_first_term_by_n():
    assert claims.filler_ratio_prediction(128, 5, 1) == pytest.approx(1.0)
    assert claims.filler_ratio_prediction(128, 5, 10**9) == pytest.approx(128**0.5 / 5 + 1)


def test_balance_verdicts_fail_when_one_type_dominates(premise_runs):
    run = premise_runs[0]
    S = run.traj.S_by_type.copy()
    S[:, 1] *= 3.0
    assert claims.lemma4_4(run).holds and not claims.lemma4_4(altered(run, S_by_type=S)).holds


def test_attention_verdict_checks_the_tilt_against_its_rate(premise_runs):
    run = premise_runs[0]
    v = claims.attention_uniform(run)
    assert v.holds and v.measured["tilt_mu1_mu2"] > 0 > v.measured["tilt_mu1_mu3"]
    assert v.measured["max_change"] == run.traj.attn_change.max() > 0  # every softmax entry, as recorded
    pushed = claims.attention_uniform(altered(run, attn_change=run.traj.attn_change + 1 / run.L**2))
    assert not pushed.holds and "within 1/L^2 of uniform" in pushed.detail
    i1 = measures.phase1_index(run.traj)
    for factor in (-1.0, 100.0):  # the tilt turned the wrong way, or a hundred times the rate
        attn = run.traj.attn.copy()
        attn[i1:, 1, 0] = attn[i1, 1, 0] + factor * (attn[i1:, 1, 0] - attn[i1, 1, 0])
        assert not claims.attention_uniform(altered(run, attn=attn)).holds


def test_attention_scaling_compares_the_fitted_exponent_in_l_with_the_rate_formula(premise_runs):
    runs = premise_runs[:1] + [Run(e, e.run()) for e in (
        premise_setting(0, data={"L": L, "d": DataConfig(L=L).fillers_needed() + 3}) for L in (3, 4))]
    v = claims.attention_scaling(runs)
    assert v.measured["low"] <= v.measured["exponent"] <= v.measured["high"]
    assert -2.7 < v.measured["predicted_exponent"] < -2.0  # 1/L^2, and a loss integral that shrinks with L
    # the same runs with the rise made to follow the prediction exactly: the verdict must then hold
    fitted = []
    for run in runs:
        attn = run.traj.attn.copy()
        i1 = measures.phase1_index(run.traj)
        rise = attn[-1, 1, 0] - attn[i1, 1, 0]
        attn[i1:, 1, 0] = attn[i1, 1, 0] + (attn[i1:, 1, 0] - attn[i1, 1, 0]) * (
            0.3 * claims.attention_rate_prediction(run) / rise)
        fitted.append(altered(run, attn=attn))
    exact = claims.attention_scaling(fitted)
    assert exact.holds and exact.measured["exponent"] == pytest.approx(exact.measured["predicted_exponent"])


def test_eq5_is_checked_on_gradient_descent_and_fails_on_a_wrong_record():
    exp = Experiment(
        DataConfig(n=12, L=4, d=16, seed=1),
        ModelConfig(d=16, m=8, m1=6, init="kaiming", seed=2),
        SimConfig(T=2.0, method="euler", step=0.001, n_log=60, n_lin=41),
    )
    run = Run(exp, exp.run(cache=False))
    v = claims.eq5(run)
    assert v.holds and "gradient descent" in v.detail and not v.by_construction
    flow_run = Run(dataclasses.replace(exp, sim=dataclasses.replace(exp.sim, method="gram")), None)
    flow_run = Run(flow_run.experiment, flow_run.experiment.run(cache=False))
    assert claims.eq5(flow_run).by_construction  # an equation the Gram flow integrates: shown, never counted
    wrong = run.traj.wa_sq + 0.2 * (run.traj.wa_sq - run.traj.wa_sq[0])
    assert not claims.eq5(altered(run, wa_sq=wrong)).holds


def test_registry_functions_are_the_public_ones():
    assert CLAIMS["thm3.1"] is claims.thm3_1 and CLAIMS["attention_uniform"] is claims.attention_uniform


def test_t1_scaling_over_widths_and_where_it_must_fail(width_runs):
    """At Condition 1's scales (m1 = m) the Phase-1 rate is proportional to m, and T1 to its inverse over 4.5
    decades; T1 frozen at one value, or scattered about the right slope, fails; a run without T1 leaves it
    undecided."""
    v = claims.t1_scaling(width_runs)
    assert v.premise_met and v.holds, v.detail
    assert v.measured["low"] <= v.measured["slope"] <= v.measured["high"] and v.measured["delta"] >= 0.2
    earliest = min(r.traj.T1 for r in width_runs)  # (an altered T1 must stay within each run's records)
    frozen = [altered(r, T1=earliest) for r in width_runs]  # T1 that does not move with m
    assert not claims.t1_scaling(frozen).holds
    scatter = np.random.default_rng(1).choice([0.03, 0.9], len(width_runs))
    noisy = [altered(r, T1=r.traj.T1 * f) for r, f in zip(width_runs, scatter)]  # about -1, but scattered
    assert not claims.t1_scaling(noisy).holds  # the interval is too wide to lie within -1 +- delta
    endless = [altered(width_runs[0], T1=float("inf")), *width_runs[1:]]
    assert claims.t1_scaling(endless).undecided


def test_exponent_rule_on_synthetic_power_laws():
    x = np.geomspace(32, 1e6, 8)
    rng = np.random.default_rng(0)
    exact = 5 * x**-1.5 * np.exp(0.01 * rng.standard_normal(x.size))
    holds, fit, delta, _, outcome = claims.exponent_rule(x, exact, -1.5, "Theta")
    assert holds and outcome == "" and fit.exponent == pytest.approx(-1.5, abs=0.02) and delta == pytest.approx(0.2)
    holds, _, _, _, outcome = claims.exponent_rule(x, exact, -1.0, "Theta")  # another exponent
    assert not holds and outcome.startswith("fails: contradicted")
    scattered = x**-1.0 * np.exp(rng.standard_normal(x.size))  # the right exponent, but a wide interval
    holds, fit, _, _, outcome = claims.exponent_rule(x, scattered, -1.0, "Theta")
    assert not holds and fit.low < -1.0 < fit.high and outcome.startswith("fails: not established")
    assert claims.exponent_rule(x, exact, -1.0, "O")[0]  # decays faster than an upper bound asks
    assert not claims.exponent_rule(x, exact, -2.0, "O")[0]
    with_log = x**-1.0 * np.log(x)  # a hidden log factor is allowed: it adds about 0.13 here, within delta = 0.2
    assert claims.exponent_rule(x, with_log, -1.0, "Theta")[0]
    with pytest.raises(ValueError, match="kind"):
        claims.exponent_rule(x, exact, -1.5, "Omega")


def test_delta_needed_is_where_the_rule_turns():
    x = np.geomspace(32, 1e6, 8)
    values = x**-1.2 * np.exp(0.05 * np.random.default_rng(1).standard_normal(x.size))
    for predicted, kind in ((-1.0, "Theta"), (-1.5, "Theta"), (-1.5, "O"), (-1.0, "O")):
        fit = measures.power_law_fit(x, values)
        needed = claims.delta_needed(fit, predicted, kind)
        assert claims.exponent_rule(x, values, predicted, kind, delta=needed + 1e-9)[0]
        assert needed == 0.0 or not claims.exponent_rule(x, values, predicted, kind, delta=needed - 1e-3)[0]
    assert claims.delta_needed(fit, -1.0, "O") == 0.0  # an interval wholly below an upper bound needs no room


def test_exponent_rule_against_a_formula_counts_its_bend_as_prediction_not_scatter():
    """(sqrt(x)/50 + 1) / x^2 bends from slope -2 to -1.5 over these x: fitted directly, the bend widens the
    interval (+-0.07) past a band of +-0.05; against the formula itself (baseline), a quantity that follows it
    with any constant holds, and one that drifts from it by x^0.5 fails."""
    x = np.geomspace(32, 1e6, 8)
    formula = (np.sqrt(x) / 50 + 1) / x**2
    slope = measures.loglog_slope(x, formula)
    assert not claims.exponent_rule(x, 7 * formula, slope, "Theta", delta=0.05)[0]
    holds, fit, _, _, outcome = claims.exponent_rule(x, 7 * formula, None, "Theta", delta=0.05, baseline=formula)
    assert holds and outcome == "" and fit.exponent == pytest.approx(slope)
    holds, fit, _, _, outcome = claims.exponent_rule(x, formula * x**0.5, None, "Theta", delta=0.05, baseline=formula)
    assert not holds and fit.exponent == pytest.approx(slope + 0.5) and "contradicted" in outcome


def test_at_or_after_never_returns_an_earlier_record(premise_runs):
    traj = premise_runs[0].traj
    for time in (traj.T1, 0.5 * (traj.t[3] + traj.t[4]), traj.t[7]):
        k = traj.at(time, when="at_or_after")
        assert traj.t[k] >= time and (k == 0 or traj.t[k - 1] < time)
    with pytest.raises(ValueError, match="no record at or after"):
        traj.at(traj.t[-1] + 1.0, when="at_or_after")


@pytest.fixture(scope="module")
def width_runs():
    """Six widths over 4.5 decades, two seeds each, from Wishart starts at Condition 1's scales: the equivalence rule
    needs an interval narrower than the log factor's room, which fewer points or decades do not give."""
    from cooccur.experiment import width_setting

    return [claims.Run(e, e.simulate()) for e in (width_setting(m, seed) for m in (32, 320, 3200, 32000, 320000, 10**6)
                                                  for seed in (0, 1))]


def test_width_orders_hold_as_scaling_laws(width_runs):
    verdicts = claims.width_orders(width_runs)
    assert set(verdicts) == set(claims.WIDTH_ORDERS)
    for v in verdicts.values():
        assert v.premise_met and v.measured["low"] <= v.measured["exponent"] <= v.measured["high"]
    for name in ("T1", "values moved", "neuron moved", "KK moved", "QQ moved", "scores moved"):
        assert verdicts[name].holds, (name, verdicts[name].detail)
    assert verdicts["T1"].measured["exponent"] == pytest.approx(-1.0, abs=0.1)
    assert verdicts["KK moved"].measured["exponent"] == pytest.approx(-2.0, abs=0.15)
    assert verdicts["neuron moved"].measured["exponent"] == pytest.approx(-1.0, abs=0.15)  # the pair bound
    assert {n for n, v in verdicts.items() if v.measured["from_start"]} == {"filler G", "sum <aw, aw>", "loss"}


def test_runs_without_their_matrices_give_the_same_width_orders(width_runs):
    full = claims.width_orders(width_runs)
    slim_runs = [r.without_matrices() for r in width_runs]
    assert all(r.traj.A.shape[0] == 1 and r.traj.VV.shape[0] == 1 for r in slim_runs)
    slim = claims.width_orders(slim_runs)
    assert {k: v.measured for k, v in slim.items()} == {k: v.measured for k, v in full.items()}
    assert [r.premises for r in slim_runs] == [r.premises for r in width_runs]


@pytest.fixture(scope="module")
def t_star_runs():
    """Four widths over three decades, one seed each, each run continued to T* (training loss 1/m), kept without
    its matrices once its readings at T* are taken."""
    from cooccur.experiment import t_star_setting

    return [claims.Run(e, e.simulate()).without_matrices() for e in (t_star_setting(m, 0) for m in (32, 320, 3200,
                                                                                                   32000))]


def _with_readings(run, **readings):
    """A copy of a slim run whose readings at T* are replaced (the other cached readings kept)."""
    copy = dataclasses.replace(run)
    copy.__dict__.update(premises=run.premises, movements=run.movements, at_t_star={**run.at_t_star, **readings})
    return copy


def test_readings_at_t_star_are_taken_where_the_loss_first_reaches_one_over_m():
    from cooccur.experiment import t_star_setting

    e = t_star_setting(32, 1)
    run = claims.Run(e, e.simulate())
    tr, at = run.traj, run.at_t_star
    k = int(np.flatnonzero(tr.loss <= 1 / 32)[0])
    i1 = measures.phase1_index(tr)
    assert tr.T1 < at["T_star"] == tr.t[k] < tr.t[-1]  # the horizon reaches past T*
    delta = tr.A[k] - tr.A[0]
    core = (abs(delta[0, 1]), abs(delta[1, 0]), abs(delta[2, 0]), abs(delta[2, 1]))
    assert at["C_max"] == max(core) >= at["C_min"] == min(core) > 0
    assert at["loss_integral"] == pytest.approx(np.trapezoid(tr.loss[i1:k + 1], tr.t[i1:k + 1]), rel=1e-12)
    assert at["tilt"] == pytest.approx(tr.attn[k, 1, 0] - tr.attn[i1, 1, 0], rel=1e-9)  # m = 32: little cancellation
    assert 0 < at["tilt_prediction"] < claims.attention_rate_prediction(run)  # the loss integral stops at T*
    assert run.without_matrices().at_t_star == at
    never = claims.Run(e, dataclasses.replace(tr, loss=np.maximum(tr.loss, 1.0)))
    assert all(np.isnan(v) for v in never.at_t_star.values())


def test_attention_shift_is_the_difference_of_the_attention_without_its_cancellation(premise_runs):
    """At the premise setting's width the plain difference of recorded attention is accurate and the shift agrees
    with it; for a change of A a million times smaller the plain difference loses its digits, the shift scales
    with the change as it should."""
    run = premise_runs[0]
    tr, i1 = run.traj, measures.phase1_index(run.traj)
    shift = measures.attention_shift(tr.A[i1], tr.A[-1], run.batch, run.m)
    np.testing.assert_allclose(shift[:3, :3], (tr.attn[-1] - tr.attn[i1])[:3, :3], rtol=1e-9, atol=1e-15)
    step = tr.A[-1] - tr.A[i1]
    tiny, twice = (measures.attention_shift(tr.A[i1], tr.A[i1] + c * step, run.batch, run.m) for c in (1e-6, 2e-6))
    # linear in a small change, to digits a plain difference of probabilities near 0.2 would not keep (about 2e-4
    # of changes near 1e-13)
    np.testing.assert_allclose(twice[:3, :3], 2 * tiny[:3, :3], rtol=1e-5)


def test_t_star_orders_fit_the_runs_and_hold_only_for_the_stated_law(t_star_runs):
    verdicts = claims.width_orders(t_star_runs, orders=claims.T_STAR_ORDERS)
    assert set(verdicts) == set(claims.T_STAR_ORDERS)
    m = [r.m for r in t_star_runs]
    predicted = measures.loglog_slope(m, [claims.coefficient_prediction(r) for r in t_star_runs])
    assert verdicts["smallest C at T*"].measured["predicted"] == pytest.approx(predicted)
    assert -2.0 < predicted < -1.5  # (sqrt(m)/L + 1) / (L m^2) over these widths
    for v in verdicts.values():
        assert v.measured["low"] <= v.measured["exponent"] <= v.measured["high"] and not v.undecided
    # the stated laws, with any constant, hold; a law off by m^0.5 fails as contradicted
    lawful = [_with_readings(r, C_min=3.0 * claims.coefficient_prediction(r),
                             C_max=5.0 * claims.coefficient_prediction(r),
                             tilt=0.2 * r.at_t_star["tilt_prediction"]) for r in t_star_runs]
    assert all(v.holds for v in claims.width_orders(lawful, orders=claims.T_STAR_ORDERS).values())
    off = [_with_readings(r, C_min=3.0 * claims.coefficient_prediction(r) * r.m**0.5) for r in t_star_runs]
    c = claims.width_orders(off, orders=claims.T_STAR_ORDERS)["smallest C at T*"]
    assert not c.holds and "contradicted" in c.detail


def test_a_tilt_a_signal_record_cannot_give_leaves_its_width_order_undecided(t_star_runs):
    def signal(r):  # the slim run as a record="signal" run would give it: no every-word tilt at T*
        tr = r.traj
        copy = dataclasses.replace(r, traj=dataclasses.replace(tr, A=tr.A[:, :3, :3], VV=tr.VV[:, :3, :3],
                                                                attn=tr.attn[:, :3, :3]))
        copy.__dict__.update(premises=r.premises, movements=r.movements,
                             at_t_star={**r.at_t_star, "tilt": float("nan")})
        return copy

    full = claims.width_orders(t_star_runs, orders=claims.T_STAR_ORDERS)
    cut = claims.width_orders([signal(r) for r in t_star_runs], orders=claims.T_STAR_ORDERS)
    assert cut["attention tilt"].undecided and "record='signal'" in cut["attention tilt"].detail
    assert not full["attention tilt"].undecided
    assert cut["smallest C at T*"].measured == full["smallest C at T*"].measured
    nan_tilt = [_with_readings(r, tilt=float("nan")) for r in t_star_runs]  # a full record: no excuse, a failure
    assert not claims.width_orders(nan_tilt, orders=claims.T_STAR_ORDERS)["attention tilt"].undecided


def test_a_run_that_ends_early_in_phase_2_decides_failures_but_not_holding(premise_runs):
    """The premise setting's T1 is about 1; a run to T = 5 shows about 5 T1 of Phase 2, less than PHASE2_MIN_SPAN:
    a statement about Phase 2 that holds there is undecided (the rest of Phase 2 may break it), one that fails
    there fails. The statements about Phase 1 are decided, and the full run decides them all."""
    short = premise_setting(0, T=5.0)
    traj = short.run(cache=False)
    verdicts = check_all(short, traj)
    phase2 = ("thm3.2.scores", "thm3.2.values", "thm3.2.margins", "lemma4.4", "lemma4.5", "attention_uniform")
    for name in phase2:
        v = verdicts[name]
        assert not v.holds and (not v.undecided or "fewer than 10 T1 of Phase 2" in v.detail), name
    assert sum(verdicts[name].undecided for name in phase2) >= 4
    for name in ("thm3.1", "lemma4.1", "lemma4.2", "lemma4.3"):
        assert not verdicts[name].undecided, name
    assert "before m T1" in verdicts["thm3.3.loss"].detail  # undecided by its own horizon, m T1
    full = check_all(premise_runs[0].experiment, premise_runs[0].traj)
    assert not any(full[name].undecided for name in phase2)
    # a score correlation that turns the wrong way within the short window is a failure, not undecided
    A = traj.A.copy()
    A[-1, 1, 0] = A[measures.phase1_index(traj), 1, 0] - 1.0
    broken = claims.thm3_2_scores(Run(short, dataclasses.replace(traj, A=A)))
    assert not broken.holds and not broken.undecided and "not monotone" in broken.detail


def test_t_star_orders_are_undecided_when_a_run_never_reaches_t_star(t_star_runs):
    runs = [*t_star_runs[:-1], _with_readings(t_star_runs[-1], T_star=float("nan"), C_min=float("nan"),
                                              C_max=float("nan"))]
    verdicts = claims.width_orders(runs, orders=claims.T_STAR_ORDERS)
    assert all(v.undecided and not v.holds and not v.counted for v in verdicts.values())
    assert "no T*" in verdicts["smallest C at T*"].detail


def test_width_orders_fail_when_a_quantity_scales_otherwise(width_runs):
    """T1 that shrinks like m^-1.3 breaks a Theta statement; score movement that grows with m breaks an upper
    bound; one width cannot decide an order at all."""
    import dataclasses

    slow = [claims.Run(r.experiment, dataclasses.replace(r.traj, T1=r.traj.T1 * (r.m / 32) ** -0.3))
            for r in width_runs]
    assert not claims.width_orders(slow)["T1"].holds
    grown = [claims.Run(r.experiment, dataclasses.replace(r.traj, A_change=r.traj.A_change * r.m**2))
             for r in width_runs]
    assert not claims.width_orders(grown)["scores moved"].holds
    assert claims.width_orders(grown)["values moved"].holds  # the others are untouched
    with pytest.raises(ValueError, match="two or more widths"):
        claims.width_orders(width_runs[:1])


def test_neuron_pair_bound_bounds_every_pair_under_gradient_descent_in_the_weights():
    """Train the torch model itself by small-step gradient descent (the flow's Euler scheme in the weights) from the
    experiment's initial weights to the flow's T1, track every pair <w_j1, w_j2>, and compare the largest change
    with the bound read off the Gram flow's records."""
    import torch

    from cooccur.data import make_dataset
    from cooccur.model import init_params, loss

    exp = Experiment(DataConfig(n=12, L=4, d=16, seed=1), ModelConfig(d=16, m=8, m1=6, init="theory", seed=2),
                     SimConfig(T=40.0, method="gram"))
    run = Run(exp, exp.run(cache=False))
    assert np.isfinite(run.traj.T1)
    bound = claims.neuron_pair_bound(run)
    data = make_dataset(exp.data)
    params = init_params(exp.model, exp.data.L)
    for w in params.trained():
        w.requires_grad_(True)
    gram0 = (params.W @ params.W.T).detach()
    step, worst = 0.005, 0.0
    for _ in range(int(round(run.traj.T1 / step))):
        grads = torch.autograd.grad(loss(params, data.X, data.y), params.trained())
        with torch.no_grad():
            for w, g in zip(params.trained(), grads):
                w -= step * g
            worst = max(worst, float((params.W @ params.W.T - gram0).abs().max()))
    assert 0 < worst <= bound, (worst, bound)
    assert worst > bound / 20  # a bound that is not vacuous at this size


def test_a_run_recorded_on_the_signal_words_leaves_the_every_word_statements_undecided(premise_runs):
    """record="signal" keeps A, VV and attn on mu_1..mu_3: the statements that read every word at T* are undecided
    (not errors, not verdicts), the others read the same numbers as on the full record."""
    run = premise_runs[0]
    tr = run.traj
    signal = altered(run, A=tr.A[:, :3, :3], VV=tr.VV[:, :3, :3], attn=tr.attn[:, :3, :3])
    assert signal.traj.words_recorded == 3 and not signal.traj.full_matrices
    full, cut = claims.thm3_3_population(run), claims.thm3_3_population(signal)
    assert full.holds and not full.undecided
    assert cut.undecided and not cut.holds and "record='signal'" in cut.detail
    # Theorem 3.3's structure reads the filler entries through A_change: here the largest movement lies in the signal
    # block, an upper bound on the fillers' under which the bound still holds
    full, cut = claims.thm3_3_structure(run), claims.thm3_3_structure(signal)
    assert full.holds and cut.holds and not cut.undecided and "upper bound" in cut.detail
    assert {f"C{i}{j}": cut.measured[f"C{i}{j}"] for i, j in ("12", "21", "31", "32")} == {
        f"C{i}{j}": full.measured[f"C{i}{j}"] for i, j in ("12", "21", "31", "32")}
    k = claims.t_star_index(run)
    block = float(np.abs(signal.traj.A[k] - signal.traj.A[0]).max())
    moved = signal.traj.A_change.copy()
    moved[k] = 10 * block  # a filler entry moved most: read exactly, and the bound fails
    exact = claims.thm3_3_structure(altered(signal, A_change=moved))
    assert not exact.holds and not exact.undecided and exact.measured["max_filler"] == moved[k]
    assert exact.detail.endswith("fails: filler bound")
    A = signal.traj.A.copy()
    A[k, 0, 0] += 100 * block  # the signal block moved most, by too much for its bound to decide the fillers'
    moved[k] = abs(A[k, 0, 0] - A[0, 0, 0])
    unknown = claims.thm3_3_structure(altered(signal, A=A, A_change=moved))
    assert unknown.undecided and not unknown.holds and np.isnan(unknown.measured["max_filler"])
    assert claims.thm3_3_population(signal).measured["type2_margin_core"] == claims.thm3_3_population(run).measured[
        "type2_margin_core"]
    at, full_at = signal.at_t_star, run.at_t_star
    assert np.isnan(at["tilt"]) and np.isfinite(full_at["tilt"]) and at["C_min"] == full_at["C_min"]
    verdicts, every = check_all(signal.experiment, signal.traj), check_all(run.experiment, run.traj)
    for name in ("thm3.2.scores", "thm3.2.values", "attention_uniform", "thm3.1"):
        assert verdicts[name].measured == every[name].measured
    with pytest.raises(ValueError, match="record='full'"):
        measures.population_loss(signal.traj, run.batch, run.m)
    with pytest.raises(ValueError, match="cut to the first"):
        measures.population_loss(run.without_matrices().traj, run.batch, run.m)


def test_t_star_readings_fit_the_laws_put_into_the_runs(t_star_runs):
    """Readings replaced by exact power laws of m give back their exponents and ratios."""
    lawful = [_with_readings(r, T_star=7.0 * r.m**0.5 * r.traj.T1, C_min=2.0 * claims.coefficient_prediction(r),
                             loss_integral=3.0 * r.m**0.25 / r.phase1_rate,
                             tilt=4.0 * r.m**-0.5 * 2.0 * claims.coefficient_prediction(r)) for r in t_star_runs]
    readings = claims.t_star_readings(lawful)
    assert readings["t_star_over_t1_exponent"] == pytest.approx(0.5)
    assert readings["t_loss_integral_exponent"] == pytest.approx(0.25)
    assert readings["t_tilt_over_C_exponent"] == pytest.approx(-0.5)
    assert readings["t_C_ratio_narrow"] == pytest.approx(2.0) and readings["t_C_ratio_wide"] == pytest.approx(2.0)
    t1 = np.array([r.traj.T1 for r in t_star_runs])
    assert readings["t_star_exponent"] == pytest.approx(0.5 + measures.loglog_slope([r.m for r in t_star_runs], t1))


def test_held_by_margin_counts_the_runs_where_item_3_holds_under_each_rule(premise_runs):
    held = claims.held_by_margin({"premise": premise_runs, "first": premise_runs[:1]}, [0.0, 0.25])
    assert held == {0.0: {"premise": 0, "first": 0}, 0.25: {"premise": len(premise_runs), "first": 1}}


def test_rise_first_summary_counts_each_reading_over_the_group(premise_runs):
    summary = claims.rise_first_summary(premise_runs)
    assert summary["runs"] == len(premise_runs)
    assert summary["held"] == sum(claims.lemma4_2(r).holds for r in premise_runs)
    assert summary["premise"] == sum(r.premises["small_output"].met for r in premise_runs)
    assert summary["out0"] == pytest.approx(np.median([np.median(np.abs(r.traj.F[0])) for r in premise_runs]))


def test_the_glance_counts_what_holds_everywhere_and_what_is_read_outside_its_premises():
    from cooccur.claims import Verdict, glance

    def seed(held: set[str], met: set[str], built: set[str] = frozenset()):
        return {c: Verdict(c, c in held or c in built, c in met, by_construction=c in built) for c in CLAIMS}

    names = list(CLAIMS)
    premise = [seed(set(names), set(names), {"eq5"}), seed(set(names) - {"thm3.1"}, set(names), {"eq5"})]
    paper = [seed(set(), set(names[1:])), seed(set(), set(names[2:]))]
    out = glance({"paper": paper, "premise": premise})
    assert out.numbers["n_counted"] == len(CLAIMS) - 1  # eq5 holds by construction on every premise seed
    assert out.numbers["premise_all"] == len(CLAIMS) - 2
    assert out.texts["premise_rest"] == "; not on every seed: `thm3.1`"
    assert out.numbers["paper_outside"] == 1 and out.numbers["n_seeds"] == 2  # names[0]: outside on both seeds


def test_initial_scales_give_a_row_and_the_readings_per_initialisation():
    rows, out = claims.initial_scales(2)
    assert [r["initialisation"] for r in rows] == ["theory", "kaiming"]
    assert out.numbers["sigma1_theory"] == pytest.approx(1 / np.sqrt(256))  # the theory's sigma1 = 1/sqrt(m1)
    outputs = [claims.initial_output(paper_setting(s, init="kaiming")) for s in range(2)]
    assert out.numbers["median_output_kaiming"] == pytest.approx(np.median(outputs))
    assert rows[1]["std of $W$"] == f"{out.numbers['sigma1_kaiming']:.4f}"
