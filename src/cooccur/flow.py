r"""Gradient flow on (W_Q, W_K, W_V, W), integrated two ways.

Training is gradient flow dθ/dt = -∇L̂(θ) on θ = (W_Q, W_K, W_V, W), with ``a`` fixed.

Engine "euler": parameter space
-------------------------------
Fixed-step Euler, θ ← θ - η ∇L̂(θ): exactly full-batch gradient descent with learning rate η, the paper's
experiment (η = 0.01 for 30 000 steps, so T = 300). Time t corresponds to iteration t / η.

Engine "gram": the theory's coordinates
---------------------------------------
The output depends on θ only through A = W_Kᵀ W_Q (d×d) and G = uᵀ W_V (d,), with u = Wᵀ a (m,)
(see :mod:`cooccur.observables`). Write Γ_A = ∂L̂/∂A and Γ_G = ∂L̂/∂G (a row vector). The chain rule gives

    ∂L̂/∂W_Q = W_K Γ_A,   ∂L̂/∂W_K = W_Q Γ_Aᵀ,   ∂L̂/∂W_V = u Γ_G,   ∂L̂/∂W = a Γ_G W_Vᵀ,

so under the flow du/dt = (dW/dt)ᵀ a = -‖a‖² W_V Γ_Gᵀ. Differentiating the Gram quantities

    A,  QQ = W_Qᵀ W_Q,  KK = W_Kᵀ W_K,  VV = W_Vᵀ W_V,  G,  s = ‖Wᵀ a‖² = uᵀ u

along the flow, every product of parameters folds back into one of them:

    dA/dt  = -(Γ_A QQ + KK Γ_A)
    dQQ/dt = -(Γ_Aᵀ A + Aᵀ Γ_A)
    dKK/dt = -(Γ_A Aᵀ + A Γ_Aᵀ)
    dVV/dt = -(Γ_Gᵀ G + Gᵀ Γ_G)
    dG/dt  = -(‖a‖² Γ_G VV + s Γ_G)
    ds/dt  = -2 ‖a‖² G Γ_Gᵀ

with ‖a‖² = m1 for a ∈ {±1}^{m1}. Γ_A and Γ_G depend only on (A, G) and the data, so this is a closed ODE in
4d² + d + 1 numbers whose right-hand side never touches m or m1 (m enters only as the 1/√m score scale).
Since G·∂F_i/∂G = F_i (F is linear in G) and Γ_G = -(1/n) Σ_i g_i y_i ∂F_i/∂G, the last line is the paper's
Eq. (5): d/dt Σ_{j1,j2} ⟨a_j1 w_j1, a_j2 w_j2⟩ = (2 m1 / n) Σ_i g_i y_i F_i.

The ODE is integrated by SciPy's ``solve_ivp`` with an adaptive, error-controlled explicit Runge-Kutta method
(Dormand-Prince 8(5,3), "DOP853") at relative tolerance ``rtol`` and absolute tolerance ``atol``. Gradient norms
per block come from the same Gram quantities: ‖W_K Γ_A‖² = tr(Γ_Aᵀ KK Γ_A), ‖W_Q Γ_Aᵀ‖² = tr(Γ_A QQ Γ_Aᵀ),
‖u Γ_G‖² = s ‖Γ_G‖², ‖a Γ_G W_Vᵀ‖² = ‖a‖² Γ_G VV Γ_Gᵀ.

Both engines work in float64: Phase-1 changes of the scores are about 1e-4 of scores of size 1e-2.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.integrate import solve_ivp
from tqdm import tqdm

from cooccur.data import Dataset
from cooccur.model import Params
from cooccur.observables import (
    Batch,
    ReducedEval,
    mean_attention,
    per_type_mean,
    per_type_sum,
    phase_boundary,
    reduced_loss_and_grad,
    sample_g,
    sample_losses,
)
from cooccur.trajectory import Trajectory

Method = Literal["gram", "euler"]

#: A loss above this (an output of order 1e3 with the wrong sign) counts as divergence.
DIVERGENCE_LOSS = 1e3


class DivergenceError(RuntimeError):
    """The run produced a non-finite value or a loss above :data:`DIVERGENCE_LOSS`."""


@dataclass
class GramState:
    """The theory's coordinates: A, QQ, KK, VV (d, d), G (d,), s = ‖Wᵀa‖², and the constants ‖a‖², m."""

    A: np.ndarray
    QQ: np.ndarray
    KK: np.ndarray
    VV: np.ndarray
    G: np.ndarray
    s: float
    a_sq: float
    m: int

    @classmethod
    def from_params(cls, params: Params) -> GramState:
        W_Q, W_K, W_V, W, a = (t.detach().double().numpy() for t in (*params.trained(), params.a))
        u = W.T @ a
        return cls(
            W_K.T @ W_Q, W_Q.T @ W_Q, W_K.T @ W_K, W_V.T @ W_V, u @ W_V, float(u @ u), float(a @ a), W_Q.shape[0]
        )

    def pack(self) -> np.ndarray:
        """The ODE state vector [A, QQ, KK, VV, G, s], row-major."""
        return np.concatenate([self.A.ravel(), self.QQ.ravel(), self.KK.ravel(), self.VV.ravel(), self.G, [self.s]])

    def unpack(self, vec: np.ndarray) -> GramState:
        """A state with the same constants and the matrices read from ``vec`` (views, no copy)."""
        d = self.G.shape[0]
        mats = vec[: 4 * d * d].reshape(4, d, d)
        return GramState(
            mats[0], mats[1], mats[2], mats[3], vec[4 * d * d : 4 * d * d + d], float(vec[-1]), self.a_sq, self.m
        )

    def derivative(self, ev: ReducedEval) -> np.ndarray:
        """d/dt of :meth:`pack` under gradient flow, given the reduced gradients at this state."""
        gA, gG = ev.dA, ev.dG
        dA = -(gA @ self.QQ + self.KK @ gA)
        AtgA = self.A.T @ gA
        dQQ = -(AtgA.T + AtgA)  # (Γ_Aᵀ A)ᵀ = Aᵀ Γ_A
        AgAt = self.A @ gA.T
        dKK = -(AgAt.T + AgAt)
        outer = np.outer(self.G, gG)
        dVV = -(outer + outer.T)
        dG = self.G_rate(ev)
        ds = -2.0 * self.a_sq * float(self.G @ gG)
        return np.concatenate([dA.ravel(), dQQ.ravel(), dKK.ravel(), dVV.ravel(), dG, [ds]])

    def G_rate(self, ev: ReducedEval) -> np.ndarray:
        """dG/dt under gradient flow, shape (d,)."""
        return -(self.a_sq * (ev.dG @ self.VV) + self.s * ev.dG)

    def grad_norms(self, ev: ReducedEval) -> np.ndarray:
        """Frobenius norms of ∂L̂/∂W_Q, ∂L̂/∂W_K, ∂L̂/∂W_V, ∂L̂/∂W from the Gram quantities; shape (4,)."""
        gA, gG = ev.dA, ev.dG
        sq = (
            np.sum(gA * (self.KK @ gA)),
            np.sum(gA * (gA @ self.QQ)),
            self.s * float(gG @ gG),
            self.a_sq * float(gG @ self.VV @ gG),
        )
        return np.sqrt(np.maximum(sq, 0.0))


def default_times(T: float, n_log: int = 200, n_lin: int = 101) -> np.ndarray:
    """0, ``n_log`` log-spaced times over [1e-5 T, T] (Phase 1 is short) and ``n_lin`` evenly spaced ones."""
    return np.unique(np.concatenate([[0.0], np.geomspace(1e-5 * T, T, n_log), np.linspace(0.0, T, n_lin)]))


def simulate(
    data: Dataset,
    params: Params,
    *,
    T: float,
    method: Method = "gram",
    step: float = 0.01,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    times: np.ndarray | None = None,
    progress: bool = False,
) -> Trajectory:
    """Integrate gradient flow from ``params`` on ``data`` up to time ``T`` and record the observables.

    Args:
        data: the training set (:func:`cooccur.data.make_dataset`).
        params: initial weights (:func:`cooccur.model.init_params`); not modified.
        T: horizon (for gradient descent with step η, T = η × number of steps).
        method: ``"euler"`` = gradient descent in parameter space with step ``step``; ``"gram"`` = adaptive
            integration of the closed flow in the theory's coordinates with tolerances ``rtol``/``atol``.
        times: increasing times in [0, T] at which to record (default :func:`default_times`). The Euler engine
            records at the iteration nearest to each time.
        progress: show a progress bar over simulated time.

    Raises:
        ValueError: an option is out of range (the message names it).
        DivergenceError: the loss became non-finite or exceeded :data:`DIVERGENCE_LOSS` (names time and quantity).
    """
    _check_options(data, params, T=T, method=method, step=step, rtol=rtol, atol=atol)
    times = default_times(T) if times is None else np.asarray(times, dtype=np.float64)
    _check_times(times, T)
    batch = Batch.from_dataset(data)
    bar = tqdm(total=float(T), unit="time", disable=not progress, leave=False, desc=f"flow ({method})")
    try:
        if method == "euler":
            record, n_evals = _run_euler(batch, params, T, step, times, bar)
        else:
            record, n_evals = _run_gram(batch, params, T, rtol, atol, times, bar)
    finally:
        bar.close()
    return _assemble(record, batch, n_evals)


def _check_options(data: Dataset, params: Params, *, T, method, step, rtol, atol) -> None:
    if method not in ("gram", "euler"):
        raise ValueError(f"method must be 'gram' or 'euler', got {method!r}")
    if not _positive_number(T):
        raise ValueError(f"T must be a finite number > 0, got {T!r}")
    if not _positive_number(step) or step > T:
        raise ValueError(f"step must be a finite number in (0, T={T}], got {step!r}")
    if method == "euler" and abs(round(T / step) * step - T) > 1e-9 * T:
        raise ValueError(f"T={T} must be a whole number of steps of size step={step}")
    if not _positive_number(rtol) or rtol > 0.1:
        raise ValueError(f"rtol must be a number in (0, 0.1], got {rtol!r}")
    if not _positive_number(atol):
        raise ValueError(f"atol must be a finite number > 0, got {atol!r}")
    if params.W_Q.shape[1] != data.d:
        raise ValueError(f"params have d={params.W_Q.shape[1]} but the data has d={data.d}")


def _check_times(times: np.ndarray, T: float) -> None:
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError("times must be a non-empty 1-D array of finite numbers")
    if np.any(np.diff(times) <= 0) or times[0] < 0 or times[-1] > T * (1 + 1e-12):
        raise ValueError(f"times must be strictly increasing within [0, T={T}]")


def _positive_number(x: object) -> bool:
    return isinstance(x, (int, float, np.floating)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _check_finite(t: float, ev: ReducedEval, state: GramState | None = None) -> None:
    if not math.isfinite(ev.loss) or ev.loss > DIVERGENCE_LOSS:
        raise DivergenceError(
            f"the run diverged at t={t:.6g}: loss = {ev.loss:.6g} "
            f"({'not finite' if not math.isfinite(ev.loss) else f'above {DIVERGENCE_LOSS:g}'}); "
            "lower the step size or the horizon T"
        )
    if state is not None:
        for name in ("A", "QQ", "KK", "VV", "G"):
            if not np.all(np.isfinite(getattr(state, name))):
                raise DivergenceError(f"the run diverged at t={t:.6g}: {name} has non-finite entries")


def _observe(t: float, state: GramState, ev: ReducedEval, batch: Batch, start: GramState) -> dict[str, object]:
    """One record of the trajectory; ``start`` is the state at t = 0 (for the movement of QQ and KK)."""
    losses = sample_losses(ev.F, batch.y)
    return {
        "t": t,
        "loss": ev.loss,
        "loss_by_type": per_type_mean(losses, batch.types),
        "S_by_type": per_type_sum(sample_g(ev.F, batch.y), batch.types),
        "F": ev.F,
        "G": state.G.copy(),
        "A": state.A.copy(),
        "VV": state.VV.copy(),
        "QQ_change": float(np.abs(state.QQ - start.QQ).max()),
        "KK_change": float(np.abs(state.KK - start.KK).max()),
        "wa_sq": state.s,
        "attn": mean_attention(ev.P, batch),
        "grad_norm": state.grad_norms(ev),
        "G_rate": state.G_rate(ev),
    }


def _run_euler(batch: Batch, params: Params, T: float, step: float, times: np.ndarray, bar: tqdm):
    """Gradient descent with the gradients of ``GramState``'s docstring, computed in parameter space."""
    W_Q, W_K, W_V, W, a = (t.detach().double().numpy().copy() for t in (*params.trained(), params.a))
    m = W_Q.shape[0]
    n_steps = int(round(T / step))
    record_at = {int(round(t / step)) for t in times}
    records = []
    start = GramState.from_params(params)
    for k in range(n_steps + 1):
        u = W.T @ a
        A, G = W_K.T @ W_Q, u @ W_V
        ev = reduced_loss_and_grad(A, G, batch, m)
        _check_finite(k * step, ev)
        if k in record_at:
            state = GramState(A, W_Q.T @ W_Q, W_K.T @ W_K, W_V.T @ W_V, G, float(u @ u), float(a @ a), m)
            records.append(_observe(k * step, state, ev, batch, start))
        if k == n_steps:
            break
        grad_Q, grad_K = W_K @ ev.dA, W_Q @ ev.dA.T
        grad_V, grad_W = np.outer(u, ev.dG), np.outer(a, W_V @ ev.dG)
        W_Q -= step * grad_Q
        W_K -= step * grad_K
        W_V -= step * grad_V
        W -= step * grad_W
        if k % 100 == 99:
            bar.update(100 * step)
    return records, n_steps + 1


def integrate_flow(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    y0: np.ndarray,
    T: float,
    times: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    bar: tqdm | None = None,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Integrate dy/dt = rhs(t, y) from y0 over [0, T] with DOP853; return (times, states (len(times), ...), evals).

    The one adaptive integrator of the library: the Gram-coordinate flow uses it, and so do the flows of the
    related settings (:mod:`cooccur.related`). ``rhs`` may raise :class:`DivergenceError`; a solver failure raises
    it too. ``bar`` (a tqdm bar over [0, T]) is advanced as the solver moves.
    """
    reached = {"t": 0.0}

    def tracked(t: float, y: np.ndarray) -> np.ndarray:
        if bar is not None and t > reached["t"]:
            bar.update(t - reached["t"])
            reached["t"] = t
        return rhs(t, y)

    sol = solve_ivp(tracked, (0.0, float(T)), y0, method="DOP853", t_eval=times, rtol=rtol, atol=atol)
    if sol.status != 0:
        raise DivergenceError(f"the ODE solver stopped at t={sol.t[-1] if sol.t.size else 0.0:.6g}: {sol.message}")
    return sol.t, sol.y.T, int(sol.nfev)


def _run_gram(batch: Batch, params: Params, T: float, rtol: float, atol: float, times: np.ndarray, bar: tqdm):
    """Adaptive integration of the closed Gram-coordinate flow."""
    template = GramState.from_params(params)

    def rhs(t: float, vec: np.ndarray) -> np.ndarray:
        state = template.unpack(vec)
        ev = reduced_loss_and_grad(state.A, state.G, batch, state.m)
        _check_finite(t, ev, state)
        return state.derivative(ev)

    ts, states, n_evals = integrate_flow(rhs, template.pack(), T, times, rtol=rtol, atol=atol, bar=bar)
    records = []
    for t, vec in zip(ts, states):
        state = template.unpack(vec.copy())
        ev = reduced_loss_and_grad(state.A, state.G, batch, state.m)
        _check_finite(t, ev, state)
        records.append(_observe(float(t), state, ev, batch, template))
    return records, n_evals


def _assemble(records: list[dict[str, object]], batch: Batch, n_evals: int) -> Trajectory:
    stacked: dict[str, np.ndarray] = {key: np.stack([np.asarray(r[key]) for r in records]) for key in records[0]}
    return Trajectory(
        **stacked,
        T1=phase_boundary(stacked["t"], stacked["F"], batch.y, stacked["G"]),
        n_grad_evals=n_evals,
        y=batch.y.copy(),
        types=batch.types.copy(),
    )
