r"""Lazy against rich Phase 1: the escape of the linear two-layer part from a small initialisation.

In Phase 1 the attention is close to uniform and the loss close to log 2, so the gradient in G is close to its value
at G = 0 (every g_i = 1/2): Γ_G ≈ -c with c[k] = (1/2n) Σ_i y_i (occurrences of word k in sample i)
(:func:`initial_push`). With Γ_G = -c fixed, the Gram flow of :mod:`cooccur.coordinates` along ĉ = c / ||c|| closes
on three numbers, x = ||W^T a||^2, y = ĉᵀ VV ĉ and z = G·ĉ:

    dx/dt = 2 m1 ||c|| z,   dy/dt = 2 ||c|| z,   dz/dt = ||c|| (m1 y + x),

a linear ODE that involves neither m nor the attention. With x(0) = σ1² m1 m, y(0) = σ0² m (their expectations,
:meth:`cooccur.coordinates.GramState.limit`) and z(0) = 0 its solution is

    z(t) = (κ / 2) sinh(2 λ t),   λ = ||c|| sqrt(m1),   κ = (σ0² + σ1²) m sqrt(m1),

so z grows at the rate κ λ = ||c|| (σ0² + σ1²) m m1 of Lemma 4.1 while z << κ (a *lazy* escape: linear in t, the
Gram quantities hardly move) and exponentially once z >> κ (a *rich* one: ||W^T a||^2 and VV grow with z). If
Phase 1 ends when z reaches a level z*, then

    T1 · rate = (κ / (2 ||c||)) asinh(2 z* / κ),   rate = (σ0² + σ1²) m m1    (:func:`escape_time`),

a function of κ alone: equal to z* / ||c|| for κ >> z* and falling like κ log(1/κ) below. ||W^T a||^2 grows by
T1 by the factor :func:`wa_growth`, 1 + O(z*/κ)² when lazy and about z*/κ when rich. Under Condition 1's scales
(σ0 = s / sqrt(L m), σ1 = s / sqrt(m1)) with m1 = m, κ = s² sqrt(m) (1 + 1/L): the boundary κ ≈ z* runs along
s ∝ m^(-1/4). z* is the one constant of this picture, fitted where Phase 1 is lazy (:func:`fit_escape_level`).
"""

from __future__ import annotations

import math

import numpy as np

from cooccur.coordinates import Batch


def initial_push(batch: Batch) -> np.ndarray:
    """c = -Γ_G at G = 0 under uniform attention, shape (d,): c[k] = (1/2n) Σ_i y_i (occurrences of word k in
    sample i); under uniform attention each key position receives a total attention of one."""
    return np.bincount(batch.tokens.ravel(), weights=np.repeat(batch.y, batch.tokens.shape[1]),
                       minlength=batch.d) / (2 * batch.n)


def kappa(sigma0, sigma1, m, m1):
    """κ = (σ0² + σ1²) m sqrt(m1): the initial size of the linear part in the escape ODE's units; large is lazy
    (numbers or arrays, e.g. the ``sigma0``, ``sigma1``, ``model.m``, ``model.m1`` columns of a sweep table)."""
    return (np.asarray(sigma0, dtype=float) ** 2 + np.asarray(sigma1, dtype=float) ** 2) * np.asarray(
        m, dtype=float) * np.sqrt(np.asarray(m1, dtype=float))


def escape_time(kappa_value, push: float, level: float):
    """T1 x rate = (κ / (2 ||c||)) asinh(2 z* / κ) for ``push`` = ||c|| and ``level`` = z* (array-friendly)."""
    k = np.asarray(kappa_value, dtype=float)
    return k / (2 * push) * np.arcsinh(2 * level / k)


def wa_growth(kappa_value, sigma0: float | np.ndarray, sigma1: float | np.ndarray, level: float):
    """x(T1) / x(0) for x = ||W^T a||^2 in the escape ODE, with z(T1) = z* = ``level``:
    (S cosh(2 λ T1) + σ1² m - σ0² m) / (2 σ1² m) with S = (σ0² + σ1²) m and cosh(2 λ T1) = sqrt(1 + (2 z*/κ)²);
    m cancels, so it needs σ0² / σ1² only (arrays allowed)."""
    k = np.asarray(kappa_value, dtype=float)
    r = (np.asarray(sigma0, dtype=float) / np.asarray(sigma1, dtype=float)) ** 2  # σ0² / σ1²
    cosh = np.sqrt(1 + (2 * level / k) ** 2)
    return ((1 + r) * cosh + 1 - r) / 2


def fit_escape_level(kappa_values, t1_x_rate, push: float) -> float:
    """z* from runs whose Phase 1 is lazy: the median of ||c|| x T1 x rate, the escape time's limit for κ >> z*.
    Pass the lazy runs only (e.g. κ at least ten times the result; check it after)."""
    values = np.asarray(t1_x_rate, dtype=float) * push
    values = values[np.isfinite(values)]
    if values.size == 0:
        raise ValueError("no finite T1 x rate to fit the escape level on")
    return float(np.median(values))


def crossing(x, y, level: float) -> float:
    """The x where the decreasing series y (against increasing x) first falls to ``level``, interpolated on log x and
    log y; NaN when it never does or starts below."""
    x, y = np.log(np.asarray(x, dtype=float)), np.log(np.asarray(y, dtype=float))
    below = np.flatnonzero(y <= math.log(level))
    if below.size == 0 or below[0] == 0:
        return math.nan
    i = below[0]
    return float(np.exp(np.interp(math.log(level), [y[i], y[i - 1]], [x[i], x[i - 1]])))


#: The growths by T1 that the premise ``lazy_phase1`` (:func:`cooccur.claims.lazy_phase1`) bounds, as sweep columns:
#: ||W^T a||^2 and the largest diagonal entry of W_V^T W_V on the signal words.
GROWTH_COLUMNS = ("thm3.1.wa_sq_growth", "thm3.1.VV_growth")


def lazy_boundary(table, bound: float, columns: tuple[str, ...] = GROWTH_COLUMNS) -> dict[float, float]:
    """Per width m of a sweep table over ``axis.init_scale`` and ``model.m``: the initial scale s at which the
    median over seeds of the larger growth by T1 (the row-wise largest of ``columns``, as the premise
    ``lazy_phase1`` reads it) falls to ``bound`` (:func:`crossing`; NaN if it never does on the grid)."""
    done = table[table["error"].fillna("") == ""].copy()
    done["growth"] = done[list(columns)].max(axis=1)
    growth = done.pivot_table(index="axis.init_scale", columns="model.m", values="growth", aggfunc="median")
    return {float(m): crossing(growth.index.to_numpy(), growth[m].to_numpy(), bound) for m in growth.columns}
