"""Local to Global's full model (their Figure 4): shapes, weight tying, the two initialisations, the optimiser,
and the unigram and bigram losses the figure's lines are drawn at."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from cooccur.related import markov_gpt as mg
from cooccur.related.markov import MarkovChain


def small(init="standard", seed=0, embedding="table", **kw):
    run = mg.MarkovTraining(init=init, seed=seed, embedding=embedding, seq_len=64, **kw)
    return run, mg.make_model(run)


@pytest.mark.parametrize("embedding", mg.EMBEDDINGS)
def test_one_log_odds_per_position(embedding):
    run, model = small(embedding=embedding)
    inputs, targets = mg.batch(run.chain, 3, run.seq_len, seed=0)
    assert inputs.shape == targets.shape == (3, 64) and inputs.dtype == torch.int64
    assert torch.equal(inputs[:, 1:], targets[:, :-1])  # targets are the inputs shifted by one
    assert model(inputs).shape == (3, 64)


def switch_off_the_block(model):
    with torch.no_grad():
        for weight in (model.wpe.weight, model.c_attn.weight, model.attn_proj.weight, model.c_fc.weight,
                       model.mlp_proj.weight):
            weight.zero_()


def test_the_table_head_is_the_embedding_table():
    """No separate head: with the block switched off, the log-odds of bit s are (wte[1] - wte[0]) . wte[s] plus
    the bias difference, and the loss is their code's 2-way cross-entropy."""
    run, model = small(embedding="table")
    n = run.n_embd
    assert sum(p.numel() for p in model.parameters()) == 2 * n + 2 + run.seq_len * n + 12 * n * n
    switch_off_the_block(model)
    with torch.no_grad():
        model.bias.copy_(torch.tensor([0.3, -0.1]))
    s = torch.tensor([[0, 1, 1, 0]])
    E = model.wte.detach()
    logits = E[s] @ E.T + torch.tensor([0.3, -0.1])
    assert torch.allclose(model(s), logits[..., 1] - logits[..., 0])
    y = torch.tensor([[1, 0, 1, 1]])
    two_way = torch.nn.functional.cross_entropy(logits.reshape(-1, 2), y.reshape(-1))
    assert torch.allclose(mg.loss_of(model, s, y), two_way)


def test_the_vector_head_is_e():
    """The paper's form: bit s embeds as s e, and the log-odds are <e, x> + b."""
    run, model = small(embedding="vector")
    n = run.n_embd
    assert sum(p.numel() for p in model.parameters()) == n + 1 + run.seq_len * n + 12 * n * n
    switch_off_the_block(model)
    with torch.no_grad():
        model.bias.fill_(0.3)
    e2 = float(model.wte.detach()[0] @ model.wte.detach()[0])
    assert torch.allclose(model(torch.tensor([[0, 1, 1, 0]])), torch.tensor([[0.3, 0.3 + e2, 0.3 + e2, 0.3]]))


def test_standard_initialisation():
    _, model = small("standard")
    std = lambda p: float(p.detach().std())  # noqa: E731
    assert std(model.wpe.weight) == pytest.approx(0.02, rel=0.1)  # 64 x 8 entries
    assert std(model.c_fc.weight) == pytest.approx(0.02, rel=0.2)
    assert std(model.mlp_proj.weight) == pytest.approx(0.02 / math.sqrt(2), rel=0.2)
    assert std(model.attn_proj.weight) == pytest.approx(0.02 / math.sqrt(2), rel=0.3)
    assert float(model.wte.detach().std()) == pytest.approx(0.02, rel=0.6) and torch.all(model.bias == 0)
    _, again = small("standard")
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    _, other = small("standard", seed=1)
    assert not torch.equal(model.wpe.weight, other.wpe.weight)


#: the constants of their "good" initialisation as read from Bond1995/Markov, models/base.py of Markov-Simple and
#: Markov-Simple2 (token embedding, position embedding, MLP input, MLP output), per commit
READ_FROM_COMMITS = {"good-2024-08": ("a76f965", (0.5, -0.25, 2.0, -2.0)),
                     "good-2024-11": ("9b3fed7", (-1.0, 0.5, 2.0, -2.0))}


@pytest.mark.parametrize("embedding", mg.EMBEDDINGS)
@pytest.mark.parametrize("init", sorted(READ_FROM_COMMITS))
def test_good_initialisations_are_the_constants_of_their_commits(init, embedding):
    commit, (token, position, mlp_in, mlp_out) = READ_FROM_COMMITS[init]
    assert mg.GOOD_INITS[init].commit == commit
    _, model = small(init, embedding=embedding)
    assert torch.all(model.wte == token) and torch.all(model.wpe.weight == position)
    assert torch.all(model.c_fc.weight == mlp_in) and torch.all(model.mlp_proj.weight == mlp_out)
    assert torch.all(model.bias == 0)
    # the attention keeps its random start
    assert float(model.c_attn.weight.detach().std()) == pytest.approx(0.02, rel=0.2)
    assert float(model.attn_proj.weight.detach().std()) == pytest.approx(0.02, rel=0.3)


@pytest.mark.parametrize("embedding", mg.EMBEDDINGS)
def test_optimizer_decays_linear_weights_only_and_schedule_is_one_cycle(embedding):
    run, model = small(embedding=embedding, iterations=100)
    optimizer, schedule = mg.make_optimizer(model, run)
    decayed, plain = optimizer.param_groups
    assert decayed["weight_decay"] == 1e-3 and plain["weight_decay"] == 0.0
    # their code decays nn.Linear weights: e is one in the vector form; the table is an nn.Embedding
    linear = {id(model.c_attn.weight), id(model.attn_proj.weight), id(model.c_fc.weight), id(model.mlp_proj.weight)}
    expected = linear | ({id(model.wte)} if embedding == "vector" else set())
    assert {id(p) for p in decayed["params"]} == expected
    assert {id(p) for p in plain["params"]} == {id(model.wpe.weight), id(model.bias)} | (
        {id(model.wte)} if embedding == "table" else set())
    lrs = []
    for _ in range(run.iterations):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert lrs[0] == pytest.approx(2e-5) and max(lrs) == pytest.approx(2e-3)
    assert int(np.argmax(lrs)) == 1 and lrs[-1] == pytest.approx(2e-3 / 100 / 0.05, rel=0.05)
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.95)


@pytest.mark.parametrize(("p", "q"), [(0.5, 0.8), (0.2, 0.3)])
def test_unigram_and_bigram_losses_match_long_samples(p, q):
    """The figure's two lines, in closed form, against the cross-entropy of the two predictors on 2 x 10^5
    sampled transitions."""
    chain = MarkovChain(p, q)
    inputs, targets = mg.batch(chain, 200, 1000, seed=3)
    x, y = inputs.numpy().ravel(), targets.numpy().ravel()
    bigram = np.where(x == 0, p, 1 - q)  # P(next = 1 | current)
    sampled_bigram = -np.mean(np.where(y == 1, np.log(bigram), np.log(1 - bigram)))
    sampled_unigram = -np.mean(np.where(y == 1, np.log(chain.pi1), np.log(1 - chain.pi1)))
    assert chain.entropy_rate() == pytest.approx(sampled_bigram, abs=4e-3)
    assert chain.unigram_loss() == pytest.approx(sampled_unigram, abs=4e-3)
    assert chain.entropy_rate() < chain.unigram_loss()


def test_training_is_deterministic_for_a_seed():
    run = mg.MarkovTraining(init="good-2024-08", seq_len=64, batch=8, iterations=30, seed=2)
    first, second = mg.train(run), mg.train(run)
    assert np.array_equal(first["loss"], second["loss"])
    assert first["loss"].shape == (30,) and np.all(np.isfinite(first["loss"]))
    assert first["run"]["init"] == "good-2024-08" and "test_loss" not in first


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_steps_train_the_start_of_the_same_schedule(dtype):
    """``steps`` stops early without changing the schedule: the losses are the first ones of the whole run."""
    run = mg.MarkovTraining(seq_len=64, batch=8, iterations=30, seed=4, dtype=dtype)
    whole, start = mg.train(run), mg.train(dataclasses.replace(run, steps=12))
    assert start["loss"].shape == (12,)
    np.testing.assert_array_equal(start["loss"], whole["loss"][:12])
    shorter_schedule = mg.train(dataclasses.replace(run, iterations=12))
    assert not np.array_equal(shorter_schedule["loss"], start["loss"])  # another schedule moves other weights


@pytest.mark.parametrize("steps", [0, 31, 2.5])
def test_steps_outside_the_schedule_are_refused(steps):
    with pytest.raises(ValueError, match="steps"):
        mg.MarkovTraining(iterations=30, steps=steps)


def test_held_out_adds_the_authors_test_loss_and_leaves_training_unchanged():
    run = mg.MarkovTraining(seq_len=64, batch=8, iterations=20, seed=1)
    plain, held = mg.train(run), mg.train(dataclasses.replace(run, held_out=True))
    np.testing.assert_array_equal(plain["loss"], held["loss"])  # the extra forward pass changes no weight
    assert held["test_loss"].shape == (20,) and not np.array_equal(held["test_loss"], held["loss"])
    # both estimate the same test loss: after the first steps they agree to sampling noise
    assert abs(held["test_loss"][10:].mean() - held["loss"][11:].mean()) < 0.05


def test_float64_is_the_default_and_float32_is_available():
    assert mg.make_model(mg.MarkovTraining(seq_len=16)).wte.dtype == torch.float64
    model = mg.make_model(mg.MarkovTraining(seq_len=16, dtype="float32"))
    assert model.wte.dtype == torch.float32 and model.c_fc.weight.dtype == torch.float32
    with pytest.raises(ValueError, match="dtype"):
        mg.MarkovTraining(dtype="float16")


def test_bad_settings_name_the_field():
    with pytest.raises(ValueError, match="init"):
        mg.MarkovTraining(init="kaiming")
    with pytest.raises(ValueError, match="embedding"):
        mg.MarkovTraining(embedding="onehot")
    with pytest.raises(ValueError, match="iterations"):
        mg.MarkovTraining(iterations=1)
    with pytest.raises(ValueError, match="p must be"):
        mg.MarkovTraining(p=1.5)


def test_attention_is_causal():
    """A position's logits do not depend on later tokens (the fused kernel is asked for a causal mask)."""
    run, model = small()
    s, _ = mg.batch(run.chain, 2, run.seq_len, seed=5)
    changed = s.clone()
    changed[:, 40:] = 1 - changed[:, 40:]
    with torch.no_grad():
        before, after = model(s), model(changed)
    assert torch.allclose(before[:, :40], after[:, :40], atol=1e-6)
    assert not torch.allclose(before[:, 40:], after[:, 40:])


def test_training_leaves_torch_threads_as_it_found_them():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        mg.train(mg.MarkovTraining(seq_len=16, batch=2, iterations=2))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_train_many_caches_each_run_and_reads_it_back(tmp_path, monkeypatch):
    runs = [mg.MarkovTraining(seed=s, iterations=3, batch=2, seq_len=16) for s in (0, 1)]
    first = mg.train_many(runs, workers=1, progress=False, cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(mg.cache_path(r, tmp_path).name for r in runs)

    def no_training(run, progress=False):
        raise AssertionError(f"trained {run} although it is cached")

    monkeypatch.setattr(mg, "train", no_training)
    again = mg.train_many(runs, workers=1, progress=False, cache_dir=tmp_path)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a["loss"], b["loss"])
        assert a["run"] == b["run"]
    # another configuration is another entry; cache=False neither reads nor writes
    assert mg.cache_path(dataclasses.replace(runs[0], lr=1e-3), tmp_path) != mg.cache_path(runs[0], tmp_path)
    with pytest.raises(AssertionError, match="although it is cached"):
        mg.train_many(runs[:1], workers=1, progress=False, cache=False, cache_dir=tmp_path)


def synthetic_study(seeds=4, steps=400):
    """A LossStudy on made-up curves: every seed of the August start drops from the unigram to the bigram loss at
    iteration 200 + 10 s, every other seed stays on the unigram loss."""
    chain = mg.MarkovTraining().chain
    uni, bi = chain.unigram_loss(), chain.entropy_rate()
    losses = np.full((len(mg.FORMS), len(mg.STARTS), seeds, steps), uni)
    aug = list(mg.STARTS).index("good-2024-08")
    for s in range(seeds):
        losses[:, aug, s, 200 + 10 * s:] = bi
    return mg.LossStudy(losses, 1000, uni, bi, bi, 0.001, 50)


def test_the_loss_study_counts_the_seeds_that_leave_the_plateau_and_when():
    study = synthetic_study()
    readings = study.readings()
    assert readings.numbers["gpt_window_table_aug"] == 4 and readings.numbers["gpt_end_vector_aug"] == 4
    assert readings.numbers["gpt_window_table_standard"] == 0 and readings.numbers["gpt_end_vector_nov"] == 0
    # the centred 11-point average crosses the midpoint once the drop is within 5 iterations ahead, 1-based
    assert list(readings.statistics["gpt_crossing_table"]) == [201, 211, 221, 231]
    assert np.allclose(readings.statistics["gpt_excess_vector"], 0.0)
    assert np.allclose(readings.statistics["gpt_plateau_table_standard"], study.unigram)
    assert readings.texts == {"gpt_sets_reaching": "the August 2024 set", "gpt_sets_reaching_verb": "gives"}
    assert readings.numbers["gpt_seeds"] == 4 and readings.numbers["gpt_steps"] == 400
    rows = study.rows()
    assert len(rows) == len(mg.FORMS) * len(mg.STARTS)
    assert rows[1]["seeds below the midpoint by iteration 400"] == "4 of 4"
    assert rows[1]["at iteration (mean ± s.e. over those seeds)"] == "216 ± 6"
    assert study.close_counts() == []


def test_a_seed_too_close_to_its_line_is_named():
    study = synthetic_study()
    losses = study.losses.copy()
    losses[0, 0, 0, -50:] = study.on_bigram + 1e-4  # a standard-start seed ends just above the band's edge
    close = dataclasses.replace(study, losses=losses).close_counts()
    assert close == ["table, standard: final loss 0.001 from the band's edge"]
