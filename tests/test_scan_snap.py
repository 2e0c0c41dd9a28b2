"""Scan and Snap: sequence-class data, the reparameterised model, and its training."""

import math

import numpy as np
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
