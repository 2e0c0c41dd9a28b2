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


@pytest.fixture
def small():
    """``small(m, seed=0, start="wishart", T_x_rate=200.0)``: a width-m run on a small premise data set (n = 12,
    L = 3, distinct fillers, d the fewest they need) at Condition 1's scales (m1 = m), the Gram flow to
    ``T_x_rate`` Phase-1 times, recorded on the signal words (the infinite-width and memorisation tests)."""
    from cooccur import DataConfig, ModelConfig
    from cooccur.experiment import Experiment
    from cooccur.flow import SimConfig
    from cooccur.model import phase1_rate

    spec = {"n": 12, "L": 3, "distinct_fillers": True}

    def make(m: int, seed: int = 0, start: str = "wishart", T_x_rate: float = 200.0) -> Experiment:
        data = DataConfig(**spec, d=3 + DataConfig(**spec, d=64).fillers_needed(), seed=seed)
        model = ModelConfig(d=data.d, m=m, m1=m, init="theory", seed=seed)
        T = T_x_rate / phase1_rate(model, data.L)
        return Experiment(data, model, SimConfig(T=T, step=T / 100, method="gram", start=start, record="signal"))

    return make
