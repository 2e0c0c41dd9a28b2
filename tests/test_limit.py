"""The infinite-width starts (the mean and the limit of the Gram quantities) and the fluctuations of a width-m run
about them."""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from cooccur import limit
from cooccur.coordinates import GramState
from cooccur.experiment import initial_state
from cooccur.flow import SimConfig
from cooccur.model import ModelConfig, init_std


def test_the_limit_state_is_the_mean_of_the_drawn_gram_quantities():
    cfg = ModelConfig(d=4, m=40, m1=30, init="theory", init_scale=0.7)
    L = 5
    mean = GramState.limit(cfg, L)
    s0, s1 = init_std(cfg, L)
    draws = [GramState.draw(dataclasses.replace(cfg, seed=seed), L) for seed in range(2000)]
    for name, sd in (("QQ", s0**2 * math.sqrt(2 * cfg.m)), ("KK", s0**2 * math.sqrt(2 * cfg.m)),
                     ("VV", s0**2 * math.sqrt(2 * cfg.m)), ("A", s0**2 * math.sqrt(cfg.m)),
                     ("G", math.sqrt(s1**2 * cfg.m1 * s0**2 * cfg.m))):
        average = np.mean([getattr(d, name) for d in draws], axis=0)
        # every entry of the average of 2000 draws within 5 standard errors of the limit state's entry
        assert np.abs(average - getattr(mean, name)).max() < 5 * sd / math.sqrt(2000), name
    wa = np.mean([d.wa_sq for d in draws])
    assert abs(wa - mean.wa_sq) < 5 * s1**2 * cfg.m1 * math.sqrt(2 * cfg.m) / math.sqrt(2000)
    assert mean.a_sq == cfg.m1 and np.all(mean.G == 0)

def test_the_limit_start_keeps_the_drawn_initial_output_and_the_mean_start_does_not(small):
    exp = small(64)
    drawn = initial_state(exp)
    kept = initial_state(dataclasses.replace(exp, sim=dataclasses.replace(exp.sim, start="limit")))
    mean = initial_state(dataclasses.replace(exp, sim=dataclasses.replace(exp.sim, start="mean")))
    assert np.array_equal(kept.G, drawn.G) and np.any(drawn.G != 0)
    assert np.array_equal(kept.QQ, mean.QQ) and np.all(mean.G == 0)
    with pytest.raises(ValueError, match="G must have shape"):
        GramState.limit(exp.model, exp.data.L, G=np.zeros(3))
    with pytest.raises(ValueError, match="start='limit' needs method='gram'"):
        SimConfig(method="euler", start="limit")

def test_finite_widths_approach_their_limit_start(small):
    gaps = {m: limit.run_pair(small(m, seed=1))[0] for m in (16, 4096)}
    # the relative fluctuations of the Gram matrices fall like m^-1/2: 16x over 256x the width; allow 4x
    assert gaps[4096]["limit.dist.G"] < gaps[16]["limit.dist.G"] / 4
    assert gaps[4096]["limit.dist.loss"] < gaps[16]["limit.dist.loss"] / 4
    # the mean start does not share G(0), so it stays far at any width
    assert gaps[4096]["mean.dist.G"] > 10 * gaps[4096]["limit.dist.G"]

def test_fluctuation_exponents_read_the_slope_of_each_distance():
    m = np.array([10.0, 100.0, 1000.0, 10.0, 100.0, 1000.0])
    table = pd.DataFrame({"model.m": m, "error": "", **{f"limit.dist.{k}": 3 * m ** -0.5 for k in limit.DISTANCES}})
    table.loc[0, "limit.dist.T1"] = math.nan  # left out of the fit
    fits = limit.fluctuation_exponents(table)
    assert fits["G"].exponent == pytest.approx(-0.5) and fits["T1"].n == 5
