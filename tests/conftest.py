import pytest
import torch

torch.set_default_dtype(torch.float64)


@pytest.fixture
def tiny():
    """A small data set and model (n=12, L=4, d=16, m=8, m1=6) for fast exact checks."""
    from cooccur import DataConfig, ModelConfig, init_params, make_dataset

    data = make_dataset(DataConfig(n=12, L=4, d=16, seed=3))
    params = init_params(ModelConfig(d=16, m=8, m1=6, init="theory", seed=5), L=4)
    return data, params


@pytest.fixture(autouse=True)
def one_worker(monkeypatch):
    """Tests run experiments in their own process (run_many's parallel path has its own test)."""
    monkeypatch.setenv("COOCCUR_WORKERS", "1")
