r"""Gradient flow on (W_Q, W_K, W_V, W), integrated two ways.

Training is gradient flow dθ/dt = -∇L̂(θ) on θ = (W_Q, W_K, W_V, W), with ``a`` fixed.

Engine "euler": parameter space
-------------------------------
Fixed-step Euler, θ ← θ - η ∇L̂(θ): exactly full-batch gradient descent with learning rate η, the paper's
experiment (η = 0.01 for 30 000 steps, so T = 300). Time t corresponds to iteration t / η.

Engine "gram": the theory's coordinates
---------------------------------------
The closed flow of :class:`cooccur.coordinates.GramState` (derived in :mod:`cooccur.coordinates`): an ODE in
4d² + d + 1 numbers whose right-hand side involves the widths only through ‖a‖² = m1 and the score scale 1/√m (so
its cost does not grow with them), its symmetric blocks stored once (d² + 3d(d+1)/2 + d + 1 numbers).

The ODE is integrated by SciPy's DOP853 solver (stepped by :func:`integrate_flow`), an adaptive, error-controlled
explicit Runge-Kutta method (Dormand-Prince 8(5,3)) at relative tolerance ``rtol`` and absolute tolerance
``atol``. Gradient norms per block come from the same Gram quantities: ‖W_K Γ_A‖² = tr(Γ_Aᵀ KK Γ_A),
‖W_Q Γ_Aᵀ‖² = tr(Γ_A QQ Γ_Aᵀ), ‖u Γ_G‖² = s ‖Γ_G‖², ‖a Γ_G W_Vᵀ‖² = ‖a‖² Γ_G VV Γ_Gᵀ.

Both engines work in float64: Phase-1 changes of the scores are about 1e-4 of scores of size 1e-2.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.integrate import DOP853
from tqdm import tqdm

from cooccur.coordinates import (
    Batch,
    GramStack,
    GramState,
    pack_weights,
    reduced_loss_and_grad,
    state_size,
    symmetric_layout,
    use_sparse,
)
from cooccur.data import FIRST_FILLER, Dataset
from cooccur.model import Params
from cooccur.observables import (
    margin_split,
    mean_attention,
    per_type_mean,
    per_type_sum,
    phase_boundary,
    sample_g,
    sample_losses,
)
from cooccur.parallel import one_blas_thread
from cooccur.trajectory import Trajectory
from cooccur.validate import check_choice, check_int, check_number

Method = Literal["gram", "euler"]

#: A loss above this (an output of order 1e3 with the wrong sign) counts as divergence.
DIVERGENCE_LOSS = 1e3


#: Recorded times evaluated together by :func:`integrate_flow` (and so by one batched observation): enough to
#: amortise the per-call cost, few enough that the temporaries stay small (32 Gram states at d = 163: 17 MB) ...
RECORD_CHUNK = 32
#: ... and at most this many bytes of states at once (at d = 1 683 a Gram state takes 57 MB: two a chunk).
RECORD_CHUNK_BYTES = 128 * 2**20


#: How a run starts (:attr:`SimConfig.start`): weights drawn, or Gram quantities drawn, at their mean, at the limit.
START_CHOICES = ("params", "wishart", "mean", "limit")


class DivergenceError(RuntimeError):
    """The run produced a non-finite value or a loss above :data:`DIVERGENCE_LOSS`."""


@dataclass(frozen=True)
class SimConfig:
    """Options of :func:`simulate`; validated when made (each error names the field and its range).

    Attributes:
        T: horizon (the paper: 30 000 steps of size 0.01, T = 300).
        method: ``"euler"`` (gradient descent with step ``step``) or ``"gram"`` (adaptive, tolerance ``rtol``).
        step: Euler step = learning rate.
        rtol, atol: tolerances of the adaptive solver.
        n_log, n_lin, log_start: the recording grid, :func:`default_times` (``n_log`` log-spaced times from
            ``log_start`` T to T; a run whose horizon is many decades longer than its Phase 1 needs a smaller
            ``log_start`` to record T1 finely).
        train_a: also train the output weights ``a`` (the theory keeps them fixed; the paper's experiment does
            not say). Only the "euler" engine can: the Gram flow's closure assumes a fixed ``a``.
        start: how :meth:`cooccur.experiment.Experiment.simulate` draws the initial state. ``"params"`` draws the
            weights (:func:`cooccur.model.init_params`) and the Gram flow starts from their Gram quantities;
            ``"wishart"`` (Gram flow only) draws the Gram quantities from their joint law
            (:meth:`cooccur.coordinates.GramState.draw`), at the same cost for any width m: the same distribution,
            another draw. ``"mean"`` (Gram flow only) starts from every Gram quantity's expectation
            (:meth:`cooccur.coordinates.GramState.limit`: A = 0, QQ = KK = VV = sigma0^2 m I, G = 0,
            ||W^T a||^2 = sigma1^2 m1 m), a deterministic state; ``"limit"`` from the same state with the initial
            output G(0) of the ``"wishart"`` draw, which does not concentrate as m grows: the width-m run's
            infinite-width limit, sharing its G(0).
        record: ``"full"`` records A, VV and the mean attention over all d words at every recorded time;
            ``"signal"`` over the three signal words mu_1, mu_2, mu_3 only (what the monotonicity verdicts and the
            figures of single entries read). Their largest movements over all words (``A_change``, ``VV_change``,
            ``attn_change`` of :class:`cooccur.trajectory.Trajectory`) and the margins' split are recorded either
            way. What needs every word at a chosen time then cannot be had: the population loss
            (:func:`cooccur.measures.population_loss` raises ``ValueError``; Theorem 3.3's population verdict is
            undecided), the attention shift at T* (NaN; its width order undecided), every filler entry of A at T*
            (Theorem 3.3's structure reads them through ``A_change``, undecided where that cannot decide) and
            figures of the whole matrix. For large vocabularies: at d = 1 683 the full records take 68 MB a time.
    """

    T: float = 300.0
    method: Method = "euler"
    step: float = 0.01
    rtol: float = 1e-6
    atol: float = 1e-12
    n_log: int = 200
    n_lin: int = 101
    log_start: float = 1e-5
    train_a: bool = False
    start: Literal["params", "wishart", "mean", "limit"] = "params"
    record: Literal["full", "signal"] = "full"

    def __post_init__(self) -> None:
        check_choice("method", self.method, ("euler", "gram"))
        check_number("T", self.T, 0, low_open=True)
        check_number("step", self.step, 0, self.T, low_open=True)
        if self.method == "euler" and abs(round(self.T / self.step) * self.step - self.T) > 1e-9 * self.T:
            raise ValueError(f"T={self.T} must be a whole number of steps of size step={self.step}")
        check_number("rtol", self.rtol, 0, 0.1, low_open=True)
        check_number("atol", self.atol, 0, low_open=True)
        check_int("n_log", self.n_log, 2)
        check_int("n_lin", self.n_lin, 2)
        check_number("log_start", self.log_start, 0, 1, low_open=True, high_open=True)
        if not isinstance(self.train_a, bool):
            raise ValueError(f"train_a must be True or False, got {self.train_a!r}")
        if self.train_a and self.method != "euler":
            raise ValueError("train_a=True needs method='euler': the Gram flow's closure assumes a fixed a")
        check_choice("start", self.start, START_CHOICES)
        check_choice("record", self.record, ("full", "signal"))
        if self.start != "params" and self.method != "gram":
            raise ValueError(f"start={self.start!r} needs method='gram': gradient descent moves the weights "
                             "themselves")

    def times(self) -> np.ndarray:
        return default_times(self.T, self.n_log, self.n_lin, self.log_start)


def default_times(T: float, n_log: int = 200, n_lin: int = 101, log_start: float = 1e-5) -> np.ndarray:
    """0, ``n_log`` log-spaced times over [``log_start`` T, T] (Phase 1 is short) and ``n_lin`` evenly spaced
    ones."""
    return np.unique(np.concatenate([[0.0], np.geomspace(log_start * T, T, n_log), np.linspace(0.0, T, n_lin)]))


def simulate(
    data: Dataset,
    params: Params | GramState,
    sim: SimConfig | None = None,
    *,
    times: np.ndarray | None = None,
    progress: bool = False,
    **options,
) -> Trajectory:
    """Integrate gradient flow from ``params`` on ``data`` and record the observables.

    Args:
        data: the training set (:func:`cooccur.data.make_dataset`).
        params: initial weights (:func:`cooccur.model.init_params`), or for the "gram" engine the initial Gram
            quantities (a :class:`~cooccur.coordinates.GramState`, e.g. :meth:`~cooccur.coordinates.GramState.draw`);
            not modified.
        sim: the simulator's options (:class:`SimConfig`): horizon ``T`` (for gradient descent with step η,
            T = η × number of steps), ``method`` (``"euler"`` = gradient descent in parameter space with step
            ``step``; ``"gram"`` = adaptive integration of the closed flow in the theory's coordinates with
            tolerances ``rtol``/``atol``) and the recording grid.
        times: increasing times in [0, T] at which to record (default ``sim.times()``). The Euler engine records at
            the iteration nearest to each time.
        progress: show a progress bar over simulated time.
        options: fields of :class:`SimConfig`, used instead of ``sim`` or to override some of its fields, e.g.
            ``simulate(data, params, T=300, method="gram")``.

    Raises:
        ValueError: an option is out of range (the message names it).
        DivergenceError: the loss became non-finite or exceeded :data:`DIVERGENCE_LOSS` (names time and quantity).
    """
    sim = SimConfig(**options) if sim is None else dataclasses.replace(sim, **options)
    if isinstance(params, GramState) and sim.method != "gram":
        raise ValueError("a GramState start needs method='gram': gradient descent moves the weights themselves")
    d = params.G.shape[0] if isinstance(params, GramState) else params.W_Q.shape[1]
    if d != data.d:
        raise ValueError(f"the initial state has d={d} but the data has d={data.d}")
    times = sim.times() if times is None else np.asarray(times, dtype=np.float64)
    _check_times(times, sim.T)
    batch = Batch.from_dataset(data)
    T = sim.T
    bar = tqdm(total=round(float(T), 6), unit="time", disable=not progress, leave=False, desc=f"flow ({sim.method})",
               bar_format="{l_bar}{bar}| {n:.3g}/{total:.3g} [{elapsed}<{remaining}]")
    try:
        with one_blas_thread(), freed_memory_reused(state_size(d) * 8 > LARGE_STATE_BYTES):
            if sim.method == "euler":
                recorder, n_evals = _run_euler(batch, params, T, sim.step, times, bar, sim.record, train_a=sim.train_a)
            else:
                recorder, n_evals = _run_gram(batch, params, T, sim.rtol, sim.atol, times, bar, sim.record)
    finally:
        bar.close()
    return _assemble(recorder, batch, n_evals)


#: glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


#: Above this state size (bytes) :func:`simulate` runs in :func:`freed_memory_reused`: glibc serves smaller arrays
#: from the heap once its adaptive mmap threshold has risen to their size.
LARGE_STATE_BYTES = 32 * 2**20


@contextlib.contextmanager
def freed_memory_reused(enabled: bool = True) -> Iterator[None]:
    """A context in which glibc's malloc serves large arrays from memory freed before, not from fresh pages.

    The engines make and drop arrays of the state's size at every evaluation (57 MB each at d = 1683). glibc maps
    every allocation above 32 MB (its adaptive threshold's ceiling) fresh from the kernel and unmaps it when freed,
    so each one costs page faults and the kernel's zeroing of its pages: 26 of the 98 s of the large case of
    ``make bench``. Inside the context such arrays come from the heap (mmap threshold 1 GB) and freed memory stays
    there (trim threshold 2 GB) to be reused. On exit the free memory goes back to the system (malloc_trim) and the
    thresholds are set to the ceiling of glibc's adaptive ones (32 MB, 64 MB for trimming): glibc cannot go back to
    adapting them, and they are process-wide. Nothing changes when ``enabled`` is false or the C library is not
    glibc (macOS, musl). Numbers are unaffected."""
    libc = _glibc() if enabled else None
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, 1 << 30)
        libc.mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)
    try:
        yield
    finally:
        if libc is not None:  # glibc's adaptive ceiling for the mmap threshold, twice that for trimming
            libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)
            libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)
            libc.malloc_trim(0)


@functools.lru_cache(maxsize=1)
def _glibc() -> ctypes.CDLL | None:
    """The process's C library if it is glibc (it has mallopt and malloc_trim), else None."""
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded in this process, the C library's among them
        libc.gnu_get_libc_version  # noqa: B018 -- glibc only: raises AttributeError elsewhere
        libc.mallopt.argtypes, libc.malloc_trim.argtypes = [ctypes.c_int, ctypes.c_int], [ctypes.c_size_t]
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def _check_times(times: np.ndarray, T: float) -> None:
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ValueError("times must be a non-empty 1-D array of finite numbers")
    if np.any(np.diff(times) <= 0) or times[0] < 0 or times[-1] > T * (1 + 1e-12):
        raise ValueError(f"times must be strictly increasing within [0, T={T}]")


def _check_finite(t: float, loss: float, packed: np.ndarray | None = None) -> None:
    """Raise :class:`DivergenceError` if the loss or the packed Gram state (:meth:`GramState.pack`) is not
    finite, or the loss is above :data:`DIVERGENCE_LOSS`."""
    if not math.isfinite(loss) or loss > DIVERGENCE_LOSS:
        raise DivergenceError(
            f"the run diverged at t={t:.6g}: loss = {loss:.6g} "
            f"({'not finite' if not math.isfinite(loss) else f'above {DIVERGENCE_LOSS:g}'}); "
            "lower the step size or the horizon T"
        )
    if packed is not None and not np.isfinite(packed).all():
        raise DivergenceError(f"the run diverged at t={t:.6g}: the Gram state has non-finite entries")


#: The words whose (d, d) records a ``record="signal"`` run keeps: mu_1, mu_2, mu_3, the words before the fillers.
SIGNAL_WORDS = FIRST_FILLER


class Recorder:
    """Records the trajectory's observables from Gram states, into arrays for ``size`` records allocated at the
    first record and filled in place (no list of pieces to concatenate: at d = 163 the recorded A, VV and attention
    take 64 MB each).

    ``start`` is the state at t = 0 (the movements of QQ and KK are taken from it); the movements of A, VV and of
    every softmax entry are taken from the first record. With ``record="signal"`` A, VV and the mean attention are
    kept over the signal words only (:data:`SIGNAL_WORDS`); their movements cover every word either way."""

    def __init__(self, size: int, batch: Batch, start: GramState, record: str = "full"):
        self.size, self.filled, self.batch = size, 0, batch
        self.words = SIGNAL_WORDS if record == "signal" else batch.d
        upper = symmetric_layout(batch.d).upper
        self.start_QQ, self.start_KK = start.QQ.reshape(-1)[upper], start.KK.reshape(-1)[upper]  # as stored
        self.first: dict[str, np.ndarray] = {}
        self.arrays: dict[str, np.ndarray] = {}

    def observe(self, ts: np.ndarray, stack: GramStack) -> None:
        """Record the states ``stack`` (k of them) at times ``ts`` (k,), all at once. Raises
        :class:`DivergenceError` as the engines do."""
        batch, w = self.batch, self.words
        ev = reduced_loss_and_grad(stack.A, stack.G, batch, stack.m)
        for t, loss in zip(ts, ev.loss):
            _check_finite(float(t), loss)
        if not self.first:
            self.first = {"A": stack.A[0].copy(), "VV": stack.VV[0].copy(), "P": ev.P[0].copy()}
        losses = sample_losses(ev.F, batch.y)
        self._store({
            "t": np.asarray(ts, dtype=np.float64),
            "loss": ev.loss,
            "loss_by_type": per_type_mean(losses, batch.types),
            "S_by_type": per_type_sum(sample_g(ev.F, batch.y), batch.types),
            "F": ev.F,
            "G": stack.G,
            "A": stack.A[:, :w, :w],
            "VV": stack.VV[:, :w, :w],
            "QQ_change": np.abs(stack.QQ - self.start_QQ).max(axis=1),
            "KK_change": np.abs(stack.KK - self.start_KK).max(axis=1),
            "A_change": self._moved(stack.A, "A"),
            "VV_change": self._moved(stack.VV, "VV"),
            "attn_change": self._moved(ev.P, "P"),
            "wa_sq": stack.wa_sq,
            "attn": mean_attention(ev.P, batch, w),
            "margin_split": margin_split(ev.P, stack.G, batch),
            "grad_norm": stack.grad_norms(ev),
            "G_rate": stack.G_rate(ev),
        })

    def _moved(self, values: np.ndarray, name: str) -> np.ndarray:
        """max |values[j] - first record's| over all entries, for each of the k states, (k,)."""
        moved = np.abs(values - self.first[name])
        return moved.reshape(len(moved), -1).max(axis=1)

    def _store(self, record: dict[str, np.ndarray]) -> None:
        k = len(record["t"])
        if not self.arrays:
            self.arrays = {key: np.empty((self.size, *np.shape(value)[1:]), dtype=np.asarray(value).dtype)
                           for key, value in record.items()}
        for key, value in record.items():
            self.arrays[key][self.filled : self.filled + k] = value
        self.filled += k


def _run_euler(batch: Batch, params: Params, T: float, step: float, times: np.ndarray, bar: tqdm,
               record: str = "full", train_a: bool = False):
    """Gradient descent with the gradients of ``GramState``'s docstring, computed in parameter space; with
    ``train_a`` also on ``a``, whose gradient is ∂L̂/∂a = W W_V Γ_Gᵀ."""
    W_Q, W_K, W_V, W, a = (t.detach().double().numpy().copy() for t in (*params.trained(), params.a))
    m = W_Q.shape[0]
    n_steps = int(round(T / step))
    record_at = {int(round(t / step)) for t in times}
    recorder = Recorder(len(record_at), batch, GramState.from_params(params), record)
    sparse_products = use_sparse(batch)
    for k in range(n_steps + 1):
        u = W.T @ a
        A, G = W_K.T @ W_Q, u @ W_V
        ev = reduced_loss_and_grad(A, G, batch, m)
        _check_finite(k * step, ev.loss)
        if k in record_at:
            stack = GramStack.from_full(A[None], (W_Q.T @ W_Q)[None], (W_K.T @ W_K)[None], (W_V.T @ W_V)[None],
                                        G[None], np.array([u @ u]), float(a @ a), m)
            recorder.observe(np.array([k * step]), stack)
        if k == n_steps:
            break
        if sparse_products:  # W_K Γ_A = (Γ_Aᵀ W_Kᵀ)ᵀ and W_Q Γ_Aᵀ = (Γ_A W_Qᵀ)ᵀ, O(nnz m) each
            gA = ev.sparse_grad_A()
            grad_Q, grad_K = (gA.T @ W_K.T).T, (gA @ W_Q.T).T
        else:
            grad_Q, grad_K = W_K @ ev.grad_A, W_Q @ ev.grad_A.T
        grad_V, grad_W = np.outer(u, ev.grad_G), np.outer(a, W_V @ ev.grad_G)
        if train_a:
            a = a - step * (W @ (W_V @ ev.grad_G))  # computed from the weights before this step, like the rest
        W_Q -= step * grad_Q
        W_K -= step * grad_K
        W_V -= step * grad_V
        W -= step * grad_W
        if k % 100 == 99:
            bar.update(100 * step)
    return recorder, n_steps + 1


def integrate_flow(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    y0: np.ndarray,
    T: float,
    times: np.ndarray,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-12,
    bar: tqdm | None = None,
    observe: Callable[[np.ndarray, np.ndarray], object] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, list | np.ndarray, int]:
    """Integrate dy/dt = rhs(t, y) from y0 over [0, T] with DOP853 and return (times, records, evaluations).

    The one adaptive integrator of the library: the Gram-coordinate flow uses it, and so do the flows of the
    related settings (:mod:`cooccur.related`). It steps SciPy's DOP853 solver itself and, after each step,
    evaluates the step's dense output at the requested ``times`` it covers (:func:`dense_states`: the numbers of
    ``solve_ivp(..., t_eval=times)`` up to rounding) and hands those states to ``observe(step_times, states)``
    (states shape (k, len(y0))) at once, keeping only what that returns, one record per step. Without ``observe``
    the records are the states themselves, an array (len(times), len(y0)).
    Streaming matters for large states: at d = 163, 300 stored Gram states would take 160 MB.

    ``weights`` (len(y0),), if given, count component i ``weights[i]`` times in the solver's error norm and in its
    choice of the first step (:class:`WeightedDOP853`): a state that stores once what a longer one holds several
    times (the symmetric blocks of :meth:`cooccur.coordinates.GramState.pack`) then takes the longer state's steps.

    ``rhs`` may raise :class:`DivergenceError`; a solver failure or a non-finite accepted state raises it too (a
    trial stage the solver rejects is not checked). ``bar`` (a tqdm bar over [0, T])
    is advanced as the solver moves.
    """
    times = np.asarray(times, dtype=np.float64)
    y0 = np.asarray(y0, dtype=np.float64)
    if weights is None:
        solver, extra_evals = DOP853(rhs, 0.0, y0, float(T), rtol=rtol, atol=atol), 0
    else:
        solver, extra_evals = WeightedDOP853.start(rhs, y0, float(T), weights, rtol=rtol, atol=atol)
    records: list = []
    done = 0
    chunk = max(1, min(RECORD_CHUNK, RECORD_CHUNK_BYTES // max(y0.nbytes, 1)))
    while solver.status == "running":
        message = solver.step()
        if solver.status == "failed":
            raise DivergenceError(f"the ODE solver stopped at t={solver.t:.6g}: {message}")
        if not np.isfinite(solver.y).all():
            raise DivergenceError(f"the run diverged at t={solver.t:.6g}: the state has non-finite entries")
        if bar is not None:
            bar.update(solver.t - solver.t_old)
        upto = int(np.searchsorted(times, solver.t, side="right"))
        if upto > done:
            interpolant = solver.dense_output()
            for start in range(done, upto, chunk):  # a long last step may cover a hundred times
                step_times = times[start : min(upto, start + chunk)]
                states = dense_states(interpolant, step_times)
                if observe is None:
                    records.extend(states)
                else:
                    records.append(observe(step_times, states))
            done = upto
    return times[:done], records if observe else np.array(records), int(solver.nfev) + extra_evals


def dense_states(interpolant, ts: np.ndarray) -> np.ndarray:
    """States (len(ts), n) of a DOP853 step's dense output at times ``ts`` within the step, as one matrix product.

    SciPy evaluates the interpolant y_old + Σ_j w_j(x) F_j (x the fraction of the step, F its (7, n) coefficients)
    by Horner's rule, seven passes over a (len(ts), n) array; here the weights w_j(x) (products of x and 1 - x,
    alternately, the same polynomial) multiply F in one BLAS call. The two agree to rounding."""
    F = interpolant.F
    x = (np.asarray(ts, dtype=np.float64) - interpolant.t_old) / interpolant.h
    # Horner's pass i (from 0) adds F[-1 - i], then multiplies by x (i even) or by 1 - x (i odd): F[j] is multiplied
    # by the factors of passes P - 1 - j to P - 1.
    factors = np.where(np.arange(len(F)) % 2 == 0, x[:, None], 1.0 - x[:, None])  # (len(ts), P), by pass
    weights = np.cumprod(factors[:, ::-1], axis=1)  # [:, j]: the product of the last j + 1 passes' factors
    return weights @ F + interpolant.y_old


class WeightedDOP853(DOP853):
    """SciPy's DOP853 whose error norm counts component i ``weights[i]`` times: the root mean square of the scaled
    error over the Σ weights entries of a state in which component i appears ``weights[i]`` times."""

    def __init__(self, fun, t0: float, y0: np.ndarray, t_bound: float, *, weights: np.ndarray, **options):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.total_weight = float(self.weights.sum())
        super().__init__(fun, t0, y0, t_bound, **options)

    def _estimate_error_norm(self, K: np.ndarray, h: float, scale: np.ndarray) -> float:
        # DOP853's estimate (Hairer's dop853.f): the 5th-order error, damped by the 3rd-order one, in a weighted norm
        err5 = np.dot(K.T, self.E5) / scale
        err3 = np.dot(K.T, self.E3) / scale
        err5_sq, err3_sq = float(self.weights @ err5**2), float(self.weights @ err3**2)
        if err5_sq == 0 and err3_sq == 0:
            return 0.0
        return abs(h) * err5_sq / math.sqrt((err5_sq + 0.01 * err3_sq) * self.total_weight)

    @classmethod
    def start(cls, rhs, y0: np.ndarray, T: float, weights: np.ndarray, *, rtol: float,
              atol: float) -> tuple[WeightedDOP853, int]:
        """A solver from t = 0 whose first step is chosen in the weighted norm (Hairer, Nørsett and Wanner, *Solving
        ODEs I*, II.4, as SciPy chooses it in the plain one), and the number of evaluations of ``rhs`` the choice took
        beyond the solver's count (its own first evaluation is the choice's)."""
        weights = np.asarray(weights, dtype=np.float64)

        def rms(v: np.ndarray) -> float:
            return math.sqrt(float(weights @ v**2) / float(weights.sum()))

        rtol = max(rtol, 100 * np.finfo(float).eps)  # as SciPy raises a smaller one
        f0 = np.asarray(rhs(0.0, y0))
        scale = atol + np.abs(y0) * rtol
        d0, d1 = rms(y0 / scale), rms(f0 / scale)
        h0 = min(1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1, T)
        d2 = rms((np.asarray(rhs(h0, y0 + h0 * f0)) - f0) / scale) / h0
        order = cls.error_estimator_order
        h1 = max(1e-6, h0 * 1e-3) if d1 <= 1e-15 and d2 <= 1e-15 else (0.01 / max(d1, d2)) ** (1 / (order + 1))
        pending = [f0]

        def fun(t: float, y: np.ndarray) -> np.ndarray:
            return pending.pop() if pending else rhs(t, y)  # the solver's first call, at (0, y0), is f0

        return cls(fun, 0.0, y0, T, weights=weights, rtol=rtol, atol=atol, first_step=min(100 * h0, h1, T)), 1


def _run_gram(batch: Batch, params: Params | GramState, T: float, rtol: float, atol: float, times: np.ndarray,
              bar: tqdm, record: str = "full"):
    """Adaptive integration of the closed Gram-coordinate flow, recording as it goes."""
    template = params if isinstance(params, GramState) else GramState.from_params(params)

    def rhs(t: float, vec: np.ndarray) -> np.ndarray:
        # no divergence check here: the solver evaluates trial stages it may reject, and at a large width (fast
        # rates) a trial stage can overshoot to a loss above the threshold on a run that never diverges (seen at
        # m = 32000). Accepted states are checked by integrate_flow, recorded ones by observe.
        state = template.unpack(vec)
        return state.derivative(reduced_loss_and_grad(state.A, state.G, batch, state.m))

    recorder = Recorder(len(times), batch, template, record)

    def observe(ts: np.ndarray, vecs: np.ndarray) -> None:
        if not np.isfinite(vecs).all():
            _check_finite(float(ts[-1]), 0.0, vecs)
        recorder.observe(ts, GramStack.from_packed(vecs, batch.d, template.a_sq, template.m))

    _, _, n_evals = integrate_flow(rhs, template.pack(), T, times, rtol=rtol, atol=atol, bar=bar,
                                         observe=observe, weights=pack_weights(batch.d))
    return recorder, n_evals


def _assemble(recorder: Recorder, batch: Batch, n_evals: int) -> Trajectory:
    """The trajectory from the records filled (a requested time a rounding error past T is never reached)."""
    stacked = {key: value[: recorder.filled] for key, value in recorder.arrays.items()}
    return Trajectory(
        **stacked,
        T1=phase_boundary(stacked["t"], stacked["F"], batch.y, stacked["G"]),
        n_grad_evals=n_evals,
        y=batch.y.copy(),
        types=batch.types.copy(),
    )
