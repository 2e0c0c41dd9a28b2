"""Property-based tests: every invalid configuration is refused with a message naming the field; every valid
one runs a short simulation without NaN."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cooccur import DataConfig, ModelConfig, init_params, make_dataset, simulate
from cooccur.experiment import SimConfig

FAST = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
bad_ints = st.one_of(
    st.integers(max_value=-1), st.floats(allow_nan=True), st.text(max_size=3), st.booleans(), st.none()
)


@FAST
@given(field=st.sampled_from(["n", "L", "d", "seed"]), value=bad_ints)
def test_invalid_data_config_names_the_field(field, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < {"n": 1, "L": 3, "d": 4, "seed": 0}[field]:
        with pytest.raises(ValueError, match=field):
            DataConfig(**{field: value})


@FAST
@given(props=st.lists(st.floats(min_value=-1, max_value=2, allow_nan=False), min_size=4, max_size=4))
def test_proportions_must_be_a_distribution(props):
    valid = all(0 <= p <= 1 for p in props) and abs(sum(props) - 1) <= 1e-9
    if valid:
        return
    with pytest.raises(ValueError, match="proportions"):
        DataConfig(proportions=tuple(props))


@FAST
@given(field=st.sampled_from(["d", "m", "m1", "seed"]), value=bad_ints)
def test_invalid_model_config_names_the_field(field, value):
    low = {"d": 4, "m": 1, "m1": 1, "seed": 0}[field]
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        with pytest.raises(ValueError, match=field):
            ModelConfig(**{field: value})


@FAST
@given(
    field=st.sampled_from(["T", "step", "rtol", "atol"]),
    value=st.one_of(st.floats(max_value=0.0), st.just(math.inf), st.just(math.nan), st.text(max_size=2)),
)
def test_invalid_simulator_options_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        SimConfig(**{field: value})


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(4, 30),
    L=st.integers(3, 6),
    d=st.integers(4, 24),
    m=st.integers(1, 24),
    m1=st.integers(1, 24),
    init=st.sampled_from(["theory", "kaiming"]),
    method=st.sampled_from(["gram", "euler"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_valid_configurations_run_without_nan(n, L, d, m, m1, init, method, seed):
    try:
        data_cfg = DataConfig(n=n, L=L, d=d, seed=seed)
    except ValueError as err:  # n too small for the proportions: the only other way to be invalid here
        assert "too small" in str(err)
        return
    data = make_dataset(data_cfg)
    params = init_params(ModelConfig(d=d, m=m, m1=m1, init=init, seed=seed), L=L)
    traj = simulate(data, params, T=0.5, method=method, step=0.01, times=np.array([0.0, 0.25, 0.5]))
    for name in ("loss", "F", "G", "A", "VV", "grad_norm"):
        assert np.all(np.isfinite(getattr(traj, name))), name
    assert traj.loss[-1] <= traj.loss[0] + 1e-9
