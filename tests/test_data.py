import numpy as np
import pytest
import torch

from cooccur.data import COMMON, TARGET_1, TARGET_2, DataConfig, make_dataset


def test_paper_setting_counts_labels_and_words():
    data = make_dataset(DataConfig())
    assert data.tokens.shape == (60, 5) and data.tokens.dtype == torch.int64
    assert torch.bincount(data.types, minlength=5).tolist() == [0, 30, 10, 10, 10]
    assert torch.equal(data.y, torch.where(data.types == 1, 1.0, -1.0).to(data.y.dtype))
    tokens = data.tokens.numpy()
    types = data.types.numpy()
    count = lambda w: (tokens == w).sum(axis=1)  # noqa: E731
    assert np.all(count(COMMON) == 1)
    assert np.all(count(TARGET_1) == np.isin(types, (1, 2)))
    assert np.all(count(TARGET_2) == np.isin(types, (1, 3)))
    assert tokens.min() >= 0 and tokens.max() < 64


def test_one_hot_is_token_major():
    data = make_dataset(DataConfig(n=12, L=4, d=10, seed=1))
    assert data.X.shape == (12, 4, 10) and data.X.dtype == torch.float64
    assert torch.equal(data.X.argmax(-1), data.tokens)
    assert torch.all(data.X.sum(-1) == 1)


def test_same_seed_same_data_other_seed_other_data():
    a, b = make_dataset(DataConfig(seed=7)), make_dataset(DataConfig(seed=7))
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.X, b.X) and torch.equal(a.y, b.y)
    assert not torch.equal(a.tokens, make_dataset(DataConfig(seed=8)).tokens)


def test_positions_and_fillers_are_spread():
    data = make_dataset(DataConfig(n=600, L=5, d=64, seed=0))
    tokens = data.tokens.numpy()
    position_of_common = np.argmax(tokens == COMMON, axis=1)
    assert set(position_of_common.tolist()) == set(range(5))
    fillers = tokens[tokens >= 3]
    assert len(np.unique(fillers)) == 61  # every filler word is used


def test_largest_remainder_rounding():
    assert DataConfig(n=7, proportions=(0.5, 1 / 6, 1 / 6, 1 / 6)).type_counts() == (4, 1, 1, 1)
    cfg = DataConfig(n=100, proportions=(0.25, 0.25, 0.25, 0.25))
    assert cfg.type_counts() == (25, 25, 25, 25)
    assert sum(DataConfig(n=61).type_counts()) == 61


def test_distinct_fillers_are_distinct():
    data = make_dataset(DataConfig(n=6, L=5, d=40, distinct_fillers=True))
    fillers = data.tokens[data.tokens >= 3]
    assert len(fillers) == len(set(fillers.tolist()))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"L": 2}, "L"),
        ({"d": 3}, "d"),
        ({"n": 0}, "n"),
        ({"n": 2}, "too small"),
        ({"seed": -1}, "seed"),
        ({"n": 5.0}, "n"),
        ({"proportions": (0.5, 0.5, 0.5, 0.5)}, "sum to 1"),
        ({"proportions": (1.2, -0.2, 0.0, 0.0)}, "proportions[0]"),
        ({"proportions": (0.5, 0.5)}, "proportions"),
        ({"n": 60, "L": 5, "d": 64, "distinct_fillers": True}, "distinct_fillers"),
    ],
)
def test_bad_config_names_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field.replace("[", r"\[").replace("]", r"\]")):
        DataConfig(**kwargs)


def test_usage_readings_count_the_types_and_the_filler_words_used():
    from cooccur.data import usage_readings

    cfg = DataConfig(n=60, L=5, d=64, seed=0)
    data = make_dataset(cfg)
    out = usage_readings(data).numbers
    assert [out[f"count_type{k}"] for k in range(1, 5)] == list(cfg.type_counts())
    fillers = data.tokens.numpy()[data.tokens.numpy() >= 3]
    assert out["filler_slots"] == cfg.fillers_needed() == fillers.size  # every filler slot holds one filler word
    assert out["filler_words"] == 61 and out["filler_distinct_used"] <= 61 < out["filler_slots"]
    assert out["filler_max_repeat"] > 1 and out["d_for_distinct"] == cfg.fillers_needed() + 3
