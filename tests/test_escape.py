"""The escape from a small start: the labels' initial push, the constant-gradient ODE in closed form, the crossing
of the lazy bound."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from cooccur import escape
from cooccur.coordinates import Batch, reduced_loss_and_grad
from cooccur.data import DataConfig, make_dataset


def test_initial_push_is_minus_the_gradient_in_G_at_the_start_of_a_mean_run():
    batch = Batch.from_dataset(make_dataset(DataConfig(n=60, L=5, d=163, distinct_fillers=True)))
    ev = reduced_loss_and_grad(np.zeros((163, 163)), np.zeros(163), batch, 128)
    assert np.allclose(escape.initial_push(batch), -ev.grad_G, atol=1e-15)
    # mu_1 and mu_2: (|I1| - |I2|) / (2n) = 1/6; mu_3 is pushed by as many +1 as -1
    assert escape.initial_push(batch)[:3] == pytest.approx([1 / 6, 1 / 6, 0.0])

def test_the_escape_formulas_solve_the_constant_gradient_ode():
    push, m1, sigma0, sigma1, m = 0.3, 50, 0.02, 0.05, 200
    kappa = float(escape.kappa(sigma0, sigma1, m, m1))
    x0, y0 = sigma1**2 * m1 * m, sigma0**2 * m

    def rhs(t, v):
        x, y, z = v
        return [2 * m1 * push * z, 2 * push * z, push * (m1 * y + x)]

    level = 4.0
    hit = lambda t, v: v[2] - level  # noqa: E731
    hit.terminal = True
    sol = solve_ivp(rhs, (0, 100), [x0, y0, 0.0], events=hit, rtol=1e-10, atol=1e-12)
    t1 = sol.t_events[0][0]
    rate = (sigma0**2 + sigma1**2) * m * m1
    assert t1 * rate == pytest.approx(float(escape.escape_time(kappa, push, level)), rel=1e-6)
    assert sol.y_events[0][0][0] / x0 == pytest.approx(float(escape.wa_growth(kappa, sigma0, sigma1, level)),
                                                       rel=1e-6)
    # lazy limit: z grows at Lemma 4.1's rate, T1 x rate -> z* / ||c||, and nothing else moves
    assert float(escape.escape_time(1e9, push, level)) == pytest.approx(level / push, rel=1e-6)
    assert float(escape.wa_growth(1e9, sigma0, sigma1, level)) == pytest.approx(1.0, abs=1e-9)

def test_crossing_and_the_lazy_boundary():
    assert escape.crossing([1, 10, 100], [8.0, 2.0, 0.5], 1.0) == pytest.approx(10 ** 1.5)
    assert math.isnan(escape.crossing([1, 10], [0.5, 0.2], 1.0))
    table = pd.DataFrame({"axis.init_scale": [0.1, 1.0, 0.1, 1.0], "model.m": [32, 32, 64, 64],
                          "thm3.1.wa_sq_growth": [16.0, 1.0, 4.0, 1.0], "error": ""})
    found = escape.lazy_boundary(table, 2.0, columns=("thm3.1.wa_sq_growth",))
    assert found[32.0] == pytest.approx(10 ** -0.25) and found[64.0] == pytest.approx(10 ** -0.5)
    table["thm3.1.VV_growth"] = [16.0, 1.0, 16.0, 1.0]  # the larger growth decides, as the premise reads it
    assert escape.lazy_boundary(table, 2.0)[64.0] == pytest.approx(10 ** -0.25)
