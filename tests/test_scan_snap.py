"""Scan and Snap: sequence-class data, the reparameterised model, and its training."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from cooccur.related import scan_snap as ss


def test_vocabulary_layout_and_context_law():
    data = ss.SequenceClasses()
    assert data.M == 34 and data.query(0) == 30 and data.next_token(1) == 33
    probs = data.context_probs()
    assert probs.shape == (2, 34) and np.allclose(probs.sum(axis=1), 1)
    assert np.all(probs[0, data.distinct(1)] == 0) and np.all(np.diff(probs[0, data.distinct(0)]) > 0)
    assert np.all(probs[:, 30:] == 0)  # query and next tokens never appear in the context


def test_sampled_batches_follow_the_class_laws():
    data = ss.SequenceClasses()
    gen = torch.Generator().manual_seed(0)
    context, query, target, cls = ss.sample_batch(data, 4000, gen)
    assert context.shape == (4000, 127)
    assert torch.equal(query, 30 + cls) and torch.equal(target, 32 + cls)
    assert abs(cls.float().mean().item() - 0.5) < 0.03
    for k in range(2):
        counts = np.bincount(context[cls == k].ravel().numpy(), minlength=34)
        np.testing.assert_allclose(counts / counts.sum(), data.context_probs()[k], atol=2e-3)


@pytest.mark.parametrize("num_last", [1, 3, 5, 10])
def test_syn_medium_vocabulary_layout(num_last):
    """The authors' Dataset2 with num_last query tokens, 2 next tokens each, 10 common tokens and 10 distinct
    tokens per next token: M = 10 + 10 K + num_last + K with K = 2 num_last classes."""
    data = ss.SequenceClasses.syn_medium(num_last)
    K = 2 * num_last
    assert data.n_classes == K and data.n_queries == num_last and data.seq_len == 128
    assert data.M == 10 + 10 * K + num_last + K
    queries = [data.query(k) for k in range(K)]
    nexts = [data.next_token(k) for k in range(K)]
    assert queries == [10 + 10 * K + k // 2 for k in range(K)]  # classes 2j and 2j + 1 share query j
    assert nexts == list(range(10 + 10 * K + num_last, data.M))
    distinct = np.concatenate([data.distinct(k) for k in range(K)])
    assert np.array_equal(distinct, np.arange(10, 10 + 10 * K))  # each class its own block, no overlap
    probs = data.context_probs()
    assert np.allclose(probs.sum(axis=1), 1) and np.all(probs[:, 10 + 10 * K:] == 0)
    weights = probs[0] / probs[0, 0]  # unnormalised: 1 on common tokens, linspace(0.1, 1, 10) on distinct ones
    np.testing.assert_allclose(weights[data.distinct(0)], np.linspace(0.1, 1.0, 10))


@pytest.mark.parametrize("num_last", [1, 3, 5, 10])
def test_syn_medium_batches_follow_each_class_law(num_last):
    data = ss.SequenceClasses.syn_medium(num_last)
    context, query, target, cls = ss.sample_batch(data, 3000, torch.Generator().manual_seed(num_last))
    expected_query = torch.tensor([data.query(k) for k in range(data.n_classes)])[cls]
    expected_next = torch.tensor([data.next_token(k) for k in range(data.n_classes)])[cls]
    assert torch.equal(query, expected_query) and torch.equal(target, expected_next)
    for k in (0, data.n_classes - 1):
        counts = np.bincount(context[cls == k].ravel().numpy(), minlength=data.M)
        p = data.context_probs()[k]
        standard_error = np.sqrt(p * (1 - p) / counts.sum())  # context tokens are i.i.d. within a class
        assert np.all(np.abs(counts / counts.sum() - p) <= 5 * standard_error)


def test_classes_must_divide_among_queries():
    with pytest.raises(ValueError, match="next_per_query"):
        ss.SequenceClasses(n_classes=3, next_per_query=2)
    with pytest.raises(ValueError, match="num_last"):
        ss.SequenceClasses.syn_medium(0)


def test_zero_initialisation_gives_the_closed_form_loss_and_attention():
    data = ss.SequenceClasses(n_classes=3, n_common=4, n_distinct=5, seq_len=20)
    M = data.M
    zeros = torch.zeros(M, M, dtype=torch.float64)
    context, query, target, _ = ss.sample_batch(data, 64, torch.Generator().manual_seed(1))
    assert ss.loss(zeros, zeros, context, query, target).item() == pytest.approx(math.log(M), rel=1e-12)
    np.testing.assert_allclose(ss.expected_attention(data, np.zeros((M, M))), data.context_probs(), rtol=1e-12)


def test_gradients_match_finite_differences():
    data = ss.SequenceClasses(n_classes=2, n_common=3, n_distinct=4, seq_len=12)
    gen = torch.Generator().manual_seed(2)
    context, query, target, _ = ss.sample_batch(data, 8, gen)
    Y = torch.randn(data.M, data.M, dtype=torch.float64, generator=gen, requires_grad=True)
    Z = torch.randn(data.M, data.M, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(lambda y, z: ss.loss(y, z, context, query, target), (Y, Z), eps=1e-6, atol=1e-7)


def test_training_scans_then_snaps_and_is_deterministic():
    data = ss.SequenceClasses()
    run = ss.train(data, lr_Y=1.0, lr_Z=1.0, steps=40, seed=2)
    again = ss.train(data, lr_Y=1.0, lr_Z=1.0, steps=40, seed=2)
    assert np.array_equal(run.Z, again.Z)
    assert run.loss[0] == pytest.approx(math.log(34), rel=1e-9) and run.loss[-1] < 1e-2
    c = ss.expected_attention(data, run.Z[-1])[0]
    start = data.context_probs()[0]
    distinct = data.distinct(0)
    assert c[:10].sum() < start[:10].sum()  # common tokens lose attention
    gain = c[distinct] / start[distinct]
    # the more a distinct token co-occurs with the query, the more attention it gains (up to SGD noise)
    rank_correlation = np.corrcoef(np.argsort(np.argsort(gain)), np.arange(10))[0, 1]
    assert rank_correlation > 0.9 and gain[-1] > 2 * gain[0]
    step_changes = np.abs(np.diff(run.Z[:, 30], axis=0)).max(axis=1)
    assert step_changes[-5:].max() < 0.1 * step_changes[:10].max()  # the attention logits freeze: the snap


def test_bad_learning_rate_names_the_field():
    with pytest.raises(ValueError, match="lr_Z"):
        ss.train(ss.SequenceClasses(), lr_Y=1.0, lr_Z=0.0)


# --- configuration, recording, and the snap readings ---------------------------------------------------------


@pytest.mark.parametrize("field, value, named", [
    ("lr_Y", 0.0, "lr_Y must be a finite number > 0"), ("init", "kaiming", "init must be one of 'zero', 'linear'"),
    ("momentum", 1.0, "momentum must be a finite number in [0, 1)"), ("steps", 0, "steps must be an integer >= 1"),
])
def test_a_bad_training_field_is_named(field, value, named):
    with pytest.raises(ValueError) as err:
        ss.ScanSnapTraining(**{field: value})
    assert named in str(err.value)


def test_an_experiment_round_trips_and_runs_as_train_does():
    exp = ss.ScanSnapExperiment(ss.SequenceClasses.syn_medium(3), ss.ScanSnapTraining(lr_Y=2.0, steps=3, init="linear"))
    assert ss.ScanSnapExperiment.from_dict(exp.to_dict()) == exp
    assert exp.init_range == pytest.approx(1 / math.sqrt(79)) and exp.flat()["train.init"] == "linear"
    direct = ss.train(exp.data, 2.0, 1.0, steps=3, init_range=1 / math.sqrt(79))
    np.testing.assert_array_equal(exp.run().Z, direct.Z)


def test_record_keeps_z_at_the_chosen_iterations_without_changing_the_run():
    data = ss.SequenceClasses()
    full = ss.train(data, 1.0, 1.0, steps=12, seed=3)
    some = ss.train(data, 1.0, 1.0, steps=12, seed=3, record=[0, 5, 12])
    assert list(some.t) == [0, 5, 12] and some.Z.shape == (3, 34, 34)
    np.testing.assert_array_equal(some.Z, full.Z[[0, 5, 12]])
    np.testing.assert_array_equal(some.loss, full.loss)
    # the step norms are those of the kept Z
    np.testing.assert_allclose(full.dZ, np.linalg.norm(np.diff(full.Z, axis=0), axis=(1, 2)), rtol=1e-12)
    with pytest.raises(ValueError, match="record must list iterations in"):
        ss.train(data, 1.0, 1.0, steps=12, record=[13])


def test_the_attention_gain_is_the_growth_of_the_attention_ratio():
    """g(t) = log(c_hi / c_lo)(t) - log(c_hi / c_lo)(0), computed here from the expected attention itself."""
    data = ss.SequenceClasses.syn_medium(2)
    run = ss.train(data, 2.0, 1.0, steps=15, seed=1, init_range=0.1, momentum=0.0)
    expected = []
    for Z in run.Z:
        c = ss.expected_attention(data, Z)
        expected.append(np.mean([np.log(c[k, data.distinct(k)[-1]] / c[k, data.distinct(k)[0]])
                                 for k in range(data.n_classes)]))
    np.testing.assert_allclose(ss.attention_gain(run), np.array(expected) - expected[0], atol=1e-12)


def test_gain_slope_reads_ln_t_growth_as_constant_and_ln_ln_t_growth_as_falling():
    t = ss.log_grid(10_000, points=50)
    mid, slope = ss.gain_slope(t, 0.3 * np.log(np.maximum(t, 1)))
    np.testing.assert_allclose(slope, 0.3)
    later = t >= 3
    mid, slope = ss.gain_slope(t[later], np.log(np.log(t[later])))
    assert np.all(np.diff(slope) < 0)
    np.testing.assert_allclose(slope * np.log(mid), 1.0, rtol=0.05)


def test_the_predicted_transition_is_their_formula():
    data = ss.SequenceClasses.syn_medium(5)
    assert ss.predicted_transition(data, 1.0) == pytest.approx(2 * 10 * math.log(125))
    assert ss.predicted_transition(data, 2.0, delta=0.5) == pytest.approx(1.5 * 10 * math.log(125))


def test_a_run_from_zero_snaps_near_the_predicted_transition():
    """Plain SGD from zero on Syn-Medium (K = 10, M = 125, t0 = 48 at eta_Y = 2): the gain's growth per unit ln t
    peaks within a factor 2 of t0, falls by more than half after it, and Z barely moves before Y has learned."""
    data = ss.SequenceClasses.syn_medium(5)
    run = ss.train(data, 2.0, 0.5, steps=600, seed=0, momentum=0.0, record=ss.log_grid(600, points=40))
    reading = ss.read_snap(run, 2.0)
    assert reading.t0 / 2 < reading.t_peak < 2 * reading.t0
    assert reading.late_slope < reading.peak_slope / 2
    assert reading.z_over_y_early < 0.05 < reading.z_over_y_late
    with pytest.raises(ValueError, match="needs at least 10 t0"):
        ss.read_snap(ss.train(data, 2.0, 0.5, steps=100, momentum=0.0, record=ss.log_grid(100)), 2.0)


def test_figure6_trends_count_what_the_figure_shows():
    import pandas as pd

    rows = []
    for lr_Z, shift in ((0.5, 0.0), (1.0, -0.2)):
        for ratio, entropy in ((1, 2.0), (2, 1.9), (10, 2.1)):
            for noise in (-0.01, 0.01):
                rows.append({"num_last": 3, "data.n_classes": 6, "M": 79, "train.lr_Z": lr_Z, "axis.lr_ratio": ratio,
                             "entropy": entropy + shift + noise, "error": ""})
    trends = ss.figure6_trends(pd.DataFrame(rows)).iloc[0]
    assert (trends["falls_with_lr_Z"], trends["ratios"]) == (3, 3)
    assert (trends["dips_to_2"], trends["rises_after_2"], trends["curves"]) == (2, 2, 2)


def test_training_runs_on_one_torch_thread_and_gives_the_count_back(monkeypatch):
    seen = []
    real_loss = ss.loss

    def counting_loss(*args):
        seen.append(torch.get_num_threads())
        return real_loss(*args)

    monkeypatch.setattr(ss, "loss", counting_loss)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        ss.train(ss.SequenceClasses(), 1.0, 1.0, steps=3)
        assert seen == [1, 1, 1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_decade_exponents_read_ln_ln_t_growth_as_one():
    """A synthetic gain c ln ln t on a logarithmic grid: the rate c / ln t falls like (ln t)^-1 in every decade."""
    t = ss.log_grid(30_000, points=200)
    gain = np.where(t >= 3, 0.8 * np.log(np.log(np.maximum(t, 3))), 0.0)
    decades = ss.decade_exponents(t, gain)
    assert [round(b) for a, b, _ in decades] == [30, 300, 3000, 30000]
    assert all(beta == pytest.approx(1.0, abs=0.05) for _, _, beta in decades)


def test_decade_exponents_tell_ln_t_from_saturation():
    t = ss.log_grid(30_000, points=200).astype(float)
    linear_in_ln_t = [beta for *_, beta in ss.decade_exponents(t, 0.5 * np.log(np.maximum(t, 1)))]
    assert all(beta == pytest.approx(0.0, abs=0.05) for beta in linear_in_ln_t)
    saturating = 1 - 1 / np.sqrt(np.maximum(t, 1))  # the rate falls like t^-1/2: ever faster in ln t
    betas = [beta for *_, beta in ss.decade_exponents(t, saturating)]
    assert all(beta > 1.0 for beta in betas) and betas == sorted(betas) and betas[-1] > 3


def test_compare_figure6_tells_the_standard_deviation_from_the_standard_error(tmp_path):
    """A published table whose bars are our seed standard deviations reads pm_over_std = 1 and pm_over_sem =
    sqrt(seeds)."""
    entropies = {(1, 0.5, 1): [1.9, 2.0, 2.1, 2.0], (1, 0.5, 2): [1.7, 1.8, 1.75, 1.85]}
    table = pd.DataFrame([{"num_last": k[0], "train.lr_Z": k[1], "axis.lr_ratio": k[2], "entropy": e, "error": ""}
                          for k, values in entropies.items() for e in values])
    lines = ["# published", "num_last,lr_Z,lr_ratio,entropy,plus_minus,seeds"]
    lines += [f"{k[0]},{k[1]},{k[2]},{np.mean(v):.4f},{np.std(v, ddof=1):.6f},4" for k, v in entropies.items()]
    (tmp_path / "published.csv").write_text("\n".join(lines) + "\n")
    both = ss.compare_figure6(table, ss.read_published_figure6(tmp_path / "published.csv"))
    assert len(both) == 2
    np.testing.assert_allclose(both["pm_over_std"], 1.0, rtol=1e-4)
    np.testing.assert_allclose(both["pm_over_sem"], 2.0, rtol=1e-4)
    assert both["gap_in_se"].max() < 1e-3  # the same means, to the 4 digits written


def test_compare_figure6_measures_the_gap_of_the_means_in_standard_errors_of_their_difference(tmp_path):
    entropies = [1.0, 1.2, 1.1, 1.3]  # mean 1.15, SD 0.129, SE 0.0645
    table = pd.DataFrame([{"num_last": 3, "train.lr_Z": 0.5, "axis.lr_ratio": 1.0, "entropy": e, "error": ""}
                          for e in entropies])
    (tmp_path / "published.csv").write_text("num_last,lr_Z,lr_ratio,entropy,plus_minus,seeds\n3,0.5,1,1.35,0.2,4\n")
    both = ss.compare_figure6(table, ss.read_published_figure6(tmp_path / "published.csv"))
    se = np.sqrt(0.2**2 / 4 + (np.std(entropies, ddof=1) / 2) ** 2)
    assert both["gap_in_se"].iloc[0] == pytest.approx(0.2 / se)


def test_the_published_figure6_table_covers_the_sweep():
    published = ss.read_published_figure6(Path(__file__).parents[1] / "book" / "scan_snap" / "fig6-published.csv")
    assert len(published) == 64 and (published["seeds"] == 10).all()
    assert published.loc[(3, 0.5, 1.0), "plus_minus"] == pytest.approx(0.010)
    assert list(published.index.names) == ss.FIGURE6_GRID


def test_mean_readings_average_each_field_over_seeds_per_rate():
    def reading(value: float) -> ss.SnapReading:
        return ss.SnapReading(*(value * (k + 1) for k in range(len(dataclasses.fields(ss.SnapReading)))))

    means = ss.mean_readings({0.5: [reading(1.0), reading(3.0)], 2.0: [reading(10.0)]})
    assert set(means) == {f.name for f in dataclasses.fields(ss.SnapReading)}
    np.testing.assert_allclose(means["t0"], [2.0, 10.0])
    np.testing.assert_allclose(means["z_over_y_late"], [16.0, 80.0])  # the eighth field: 8 x the value


def _published(tmp_path, entropies, pm_of):
    lines = ["num_last,lr_Z,lr_ratio,entropy,plus_minus,seeds"]
    lines += [f"{k[0]},{k[1]},{k[2]},{np.mean(v):.4f},{pm_of(v):.6f},{len(v)}" for k, v in entropies.items()]
    (tmp_path / "published.csv").write_text("\n".join(lines) + "\n")
    return ss.read_published_figure6(tmp_path / "published.csv")


def test_figure6_numbers_count_runs_failures_and_the_spot_point(tmp_path):
    entropies = {(3, 0.5, 1.0): [1.9, 2.0, 2.1, 2.0], (3, 0.5, 2.0): [1.7, 1.8, 1.75, 1.85]}
    rows = [{"num_last": k[0], "train.lr_Z": k[1], "axis.lr_ratio": k[2], "entropy": e, "entropy_start": 2.3,
             "error": "", "data.n_classes": 6, "M": 79, "wall_time": 2.0}
            for k, values in entropies.items() for e in values]
    rows.append({**rows[0], "entropy": np.nan, "error": "diverged", "wall_time": 50.0})
    published = _published(tmp_path, entropies, lambda v: np.std(v, ddof=1))
    numbers = ss.figure6_numbers(pd.DataFrame(rows), 4, published)
    readings = ss.figure6_readings(pd.DataFrame(rows), 4, published)
    assert readings.numbers == numbers and readings.texts == {"fig6_bars_are": "the standard deviation over seeds"}
    assert readings.unrecorded == {"fig6_core_seconds": 16.0, "fig6_run_seconds": 2.0}  # finished runs only
    assert (numbers["fig6_runs"], numbers["fig6_failed"], numbers["fig6_points_compared"]) == ((9, None), (1, None),
                                                                                                 (2, None))
    assert numbers["fig6_entropy_min"] == (pytest.approx(1.775), "trained")
    assert numbers["fig6_spot_std"][0] == pytest.approx(np.std(entropies[(3, 0.5, 1.0)], ddof=1))
    assert numbers["fig6_closer_to_std"] == (2, None) and numbers["fig6_dips"] == (1, None)


def test_figure6_bars_refuse_a_reading_as_standard_errors(tmp_path):
    entropies = {(1, 0.5, 1.0): [1.9, 2.0, 2.1, 2.0], (1, 0.5, 2.0): [1.7, 1.8, 1.75, 1.85]}
    table = pd.DataFrame([{"num_last": k[0], "train.lr_Z": k[1], "axis.lr_ratio": k[2], "entropy": e, "error": ""}
                          for k, values in entropies.items() for e in values])
    as_std = _published(tmp_path, entropies, lambda v: np.std(v, ddof=1))
    assert ss.figure6_bars(table, as_std) == "the standard deviation over seeds"
    as_sem = _published(tmp_path, entropies, lambda v: np.std(v, ddof=1) / 2)
    with pytest.raises(AssertionError, match="read as standard errors"):
        ss.figure6_bars(table, as_sem)


def test_a_snap_study_is_the_same_on_any_number_of_workers_and_reads_its_runs():
    data = ss.SequenceClasses(n_classes=2, n_common=4, n_distinct=4, seq_len=16)
    one = ss.snap_study(data, [1.0, 4.0], 0.5, steps=400, batch=8, seeds=2, workers=1)
    two = ss.snap_study(data, [1.0, 4.0], 0.5, steps=400, batch=8, seeds=2, workers=2)
    np.testing.assert_equal(one.numbers(), two.numbers())  # bit for bit (a NaN equals a NaN here)
    run = ss.train(data, 1.0, 0.5, steps=400, batch=8, seed=1, momentum=0.0, record=ss.log_grid(400))
    assert one.per_seed[1.0][1] == ss.read_snap(run, 1.0)
    numbers = one.numbers()
    assert numbers["snap_rates"] == (2, None) and numbers["snap_rate_span"] == (4.0, None)
    assert numbers["snap_peak_first"] == (pytest.approx(np.mean([r.t_peak for r in one.per_seed[1.0]])), "trained")
    assert numbers["snap_peak_fit_runs"] == (4, None)  # both rates have eta_Y >= 2 eta_Z: 2 rates x 2 seeds
    assert "snap_peak_exponent" not in ss.snap_study(data, [0.5, 4.0], 0.5, 400, 8, 1, 1).numbers()  # one rate
    rows, formats = one.rate_table()
    assert [r["η_Y/η_Z"] for r in rows] == [2.0, 8.0] and set(formats) <= set(rows[0])
    readings = one.readings()
    assert (readings.numbers["snap_num_last"], readings.numbers["snap_steps"], readings.numbers["snap_seeds"]) == (
        data.n_queries, 400, 2)
    assert readings.texts["snap_peak_verdict"] in ("includes", "excludes")
    single = ss.snap_study(data, [0.5, 4.0], 0.5, 400, 8, 1, 1).readings()  # one rate in the premise: no fit
    assert "snap_peak_verdict" not in single.texts and "snap_last_reading" in single.texts


def test_the_first_runs_are_the_two_rates_and_their_maps_are_class_0s_attention():
    data = ss.SequenceClasses(n_classes=2, n_common=4, n_distinct=4, seq_len=16)
    runs, readings = ss.first_runs(data, 12, 8, 0)
    assert list(runs) == [label for label, _, _ in ss.FIRST_RUNS.values()]
    fast = ss.train(data, 10.0, 1.0, steps=12, batch=8, seed=0)
    np.testing.assert_array_equal(runs[ss.FIRST_RUNS["fast_Y"][0]].Z, fast.Z)
    assert readings.numbers["lossT_fast_Y"] == (fast.loss[-1], "trained") and readings.numbers["steps"] == 12
    assert readings.numbers["common_start"] == pytest.approx(data.context_probs()[0][:4].sum())
    maps = ss.attention_rows(runs, [0, 12], tokens=6)
    np.testing.assert_allclose(maps[ss.FIRST_RUNS["equal"][0]][1], ss.expected_attention(data, runs[
        ss.FIRST_RUNS["equal"][0]].Z[12])[0, :6])


def test_run_numbers_read_the_end_of_a_short_run():
    data = ss.SequenceClasses()
    run = ss.train(data, 1.0, 1.0, steps=12, seed=0)
    numbers = ss.run_numbers(run, "x")
    assert numbers["lossT_x"] == (run.loss[-1], "trained") and numbers["loss4_x"] == (run.loss[4], "trained")
    assert 0 < numbers["common_x"][0] < 1 and 0 < numbers["snap_x"][0] <= 1
