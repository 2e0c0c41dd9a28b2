"""GramState.draw: the Gram quantities at initialisation drawn from their joint (Wishart) law.

The law is checked against its closed-form moments and against the Gram quantities of parameter draws
(init_params, then GramState.from_params), both at small m, on either side of the Bartlett/product switch.
"""

import math

import numpy as np
import pytest

from cooccur.coordinates import GramState
from cooccur.model import ModelConfig, init_params, init_std

DRAWS = 3000
L = 5


def blocks(state: GramState) -> dict[str, np.ndarray]:
    """The entries the law speaks of, grouped by kind (each a flat array)."""
    d = state.G.shape[0]
    off = ~np.eye(d, dtype=bool)
    return {"QQ diag": np.diag(state.QQ), "QQ off": state.QQ[off], "KK diag": np.diag(state.KK),
            "KK off": state.KK[off], "VV diag": np.diag(state.VV), "VV off": state.VV[off], "A": state.A.ravel(),
            "G": state.G, "wa_sq": np.array([state.wa_sq])}


def moments(cfg: ModelConfig) -> dict[str, tuple[float, float]]:
    """Exact mean and variance of an entry of each kind for Gaussian weights."""
    s0, s1 = init_std(cfg, L)
    m, m1 = cfg.m, cfg.m1
    diag, off = (s0**2 * m, 2 * s0**4 * m), (0.0, s0**4 * m)
    return {"QQ diag": diag, "QQ off": off, "KK diag": diag, "KK off": off, "VV diag": diag, "VV off": off,
            "A": off, "G": (0.0, s1**2 * m1 * s0**2 * m), "wa_sq": (s1**2 * m1 * m, 2 * (s1**2 * m1) ** 2 * m)}


def sample(draw, n: int) -> dict[str, np.ndarray]:
    """Each kind's entries over n draws, shape (n, entries)."""
    runs = [blocks(draw(seed)) for seed in range(n)]
    return {kind: np.stack([r[kind] for r in runs]) for kind in runs[0]}


@pytest.mark.parametrize("m", [6, 20])  # 6 < 2d = 8: the product path; 20 >= 2d + 1: Bartlett
def test_draw_has_the_moments_of_the_law_and_of_parameter_draws(m):
    cfg = ModelConfig(d=4, m=m, m1=9, sigma0=0.3, sigma1=0.5)
    exact = moments(cfg)
    by_law = sample(lambda seed: GramState.draw(ModelConfig(**{**cfg.__dict__, "seed": seed}), L), DRAWS)
    by_params = sample(lambda seed: GramState.from_params(init_params(ModelConfig(**{**cfg.__dict__, "seed": seed}),
                                                                      L)), DRAWS)
    for kind, (mean, var) in exact.items():
        for name, drawn in (("law", by_law[kind]), ("params", by_params[kind])):
            n = drawn.size
            # entries of one kind are exchangeable; pooled over draws and entries, within 5 standard errors
            # (the pooled entries are not independent, so the error is bounded using the number of draws only)
            se_mean = math.sqrt(var / DRAWS)
            assert abs(drawn.mean() - mean) < 5 * se_mean, (kind, name, drawn.mean(), mean)
            assert drawn.var() == pytest.approx(var, rel=0.15), (kind, name, drawn.var(), var, n)
    # and the two samplers agree with each other on every kind, not only with the formula
    for kind in exact:
        assert by_law[kind].var() == pytest.approx(by_params[kind].var(), rel=0.2), kind


def test_draw_is_symmetric_deterministic_and_keeps_the_constants():
    cfg = ModelConfig(d=6, m=50, m1=30, seed=3)
    a, b = GramState.draw(cfg, L), GramState.draw(cfg, L)
    for name in ("A", "QQ", "KK", "VV", "G"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    for sym in (a.QQ, a.KK, a.VV):
        assert np.array_equal(sym, sym.T)
        assert np.linalg.eigvalsh(sym).min() > 0  # full rank: m >= d
    assert a.a_sq == 30 and a.m == 50
    other = GramState.draw(ModelConfig(d=6, m=50, m1=30, seed=4), L)
    assert not np.array_equal(a.A, other.A)


def test_draw_costs_no_more_at_a_million_neurons():
    """At m = m1 = 10^6 the weights would take terabytes; the draw is a pair of small Wishart matrices whose
    diagonal concentrates at its mean (relative spread sqrt(2/m))."""
    cfg = ModelConfig(d=8, m=10**6, m1=10**6)
    state = GramState.draw(cfg, L)
    s0, s1 = init_std(cfg, L)
    assert np.diag(state.QQ) == pytest.approx(s0**2 * cfg.m, rel=0.01)
    assert state.wa_sq == pytest.approx(s1**2 * cfg.m1 * cfg.m, rel=0.01)
    assert np.abs(state.A).max() < 10 * math.sqrt(s0**4 * cfg.m)


def test_draw_refuses_uniform_weights():
    with pytest.raises(ValueError, match="kaiming"):
        GramState.draw(ModelConfig(init="kaiming"), L)


def test_start_wishart_is_a_gram_flow_option():
    from cooccur.flow import SimConfig

    with pytest.raises(ValueError, match="start"):
        SimConfig(method="euler", start="wishart")
    with pytest.raises(ValueError, match="start"):
        SimConfig(method="gram", start="limits")


def test_a_wishart_run_starts_from_the_draw_and_runs_at_any_width():
    """The run starts from exactly GramState.draw of its model; at m = 10^6 (weights of terabytes) it runs as
    cheaply as at m = 128. G at initialisation has variance sigma0^2 sigma1^2 m m1 = 1/L under Condition 1 at every
    width: it does not concentrate, so two draws give different T1 however wide the model (only the order is
    compared)."""
    import dataclasses

    from cooccur.experiment import paper_setting

    base = paper_setting(0, T=3.0, model={"m": 4096, "m1": 4096})
    wide = dataclasses.replace(base, sim=dataclasses.replace(base.sim, start="wishart"))
    traj = wide.simulate()
    start = GramState.draw(wide.model, wide.data.L)
    assert np.array_equal(traj.A[0], start.A) and np.array_equal(traj.G[0], start.G)
    assert np.array_equal(traj.VV[0], start.VV) and traj.wa_sq[0] == start.wa_sq
    assert 0.25 < traj.T1 / base.simulate().T1 < 4
    huge = dataclasses.replace(wide, model=dataclasses.replace(wide.model, m=10**6, m1=10**6))
    assert np.isfinite(huge.simulate().T1)


def test_initial_output_of_a_wishart_start_reads_the_drawn_state():
    import dataclasses

    from cooccur.claims import initial_output
    from cooccur.experiment import premise_setting

    params_start = premise_setting(0)
    law_start = dataclasses.replace(params_start, sim=dataclasses.replace(params_start.sim, start="wishart"))
    # the two are draws of one law: same order of magnitude, not the same number
    ratio = initial_output(law_start) / initial_output(params_start)
    assert 0.2 < ratio < 5 and ratio != 1.0
