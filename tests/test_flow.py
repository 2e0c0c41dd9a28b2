import numpy as np
import pytest
import torch

from cooccur import DataConfig, DivergenceError, ModelConfig, Params, init_params, loss, make_dataset, simulate
from cooccur.coordinates import Batch, GramState
from cooccur.observables import T1_MARGIN, margin_split, phase_boundary


def gram_of(params: Params) -> GramState:
    return GramState.from_params(params)


def test_euler_is_sgd_step_for_step(tiny):
    data, params = tiny
    step, n_steps = 0.05, 40
    traj = simulate(data, params, T=step * n_steps, method="euler", step=step, times=np.arange(n_steps + 1) * step)
    assert traj.t.shape == (n_steps + 1,) and traj.n_grad_evals == n_steps + 1

    p = params.clone()
    blocks = [t.requires_grad_(True) for t in p.trained()]
    opt = torch.optim.SGD(blocks, lr=step)
    for k in range(n_steps + 1):
        with torch.no_grad():
            ref = gram_of(p)
            ref_loss = loss(p, data.X, data.y).item()
        assert traj.loss[k] == pytest.approx(ref_loss, rel=1e-12)
        np.testing.assert_allclose(traj.A[k], ref.A, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(traj.G[k], ref.G, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(traj.VV[k], ref.VV, rtol=1e-10, atol=1e-14)
        assert traj.wa_sq[k] == pytest.approx(ref.wa_sq, rel=1e-12)
        opt.zero_grad()
        loss(p, data.X, data.y).backward()
        if k == 0:
            norms = [b.grad.norm().item() for b in blocks]
            np.testing.assert_allclose(traj.grad_norm[0], norms, rtol=1e-10)
        opt.step()
    # the loop really moved the weights
    assert abs(traj.loss[-1] - traj.loss[0]) > 1e-3


def test_euler_with_trained_output_weights_is_sgd_on_all_five_blocks(tiny):
    data, params = tiny
    step, n_steps = 0.05, 20
    times = np.arange(n_steps + 1) * step
    traj = simulate(data, params, T=step * n_steps, method="euler", step=step, times=times, train_a=True)
    fixed = simulate(data, params, T=step * n_steps, method="euler", step=step, times=times)
    p = params.clone()
    blocks = [t.requires_grad_(True) for t in (*p.trained(), p.a)]
    opt = torch.optim.SGD(blocks, lr=step)
    for k in range(n_steps + 1):
        with torch.no_grad():
            ref = gram_of(p)
        np.testing.assert_allclose(traj.G[k], ref.G, rtol=1e-10, atol=1e-14)
        assert traj.wa_sq[k] == pytest.approx(ref.wa_sq, rel=1e-12)
        opt.zero_grad()
        loss(p, data.X, data.y).backward()
        opt.step()
    assert np.abs(traj.G[-1] - fixed.G[-1]).max() > 1e-4  # training a changes the run
    with pytest.raises(ValueError, match="train_a"):
        simulate(data, params, T=1.0, method="gram", train_a=True)


def test_gram_flow_is_the_limit_of_gradient_descent(tiny):
    """Euler's error against the adaptive solution halves when the step halves (first order)."""
    data, params = tiny
    T = 2.0
    ref = simulate(data, params, T=T, method="gram", rtol=1e-11, atol=1e-14, times=np.array([0.0, T]))
    errors = []
    for step in (0.02, 0.01):
        gd = simulate(data, params, T=T, method="euler", step=step, times=np.array([0.0, T]))
        errors.append(max(np.abs(gd.G[-1] - ref.G[-1]).max(), np.abs(gd.A[-1] - ref.A[-1]).max() * 100))
    assert errors[1] < errors[0]
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.1)
    assert errors[1] < 1e-2 * np.abs(ref.G[-1] - ref.G[0]).max()


def test_gram_flow_satisfies_eq5(tiny):
    """d/dt ||W^T a||^2 = (2 m1 / n) sum_i g_i y_i F_i along the flow (the paper's Eq. (5))."""
    data, params = tiny
    h = 1e-4
    centres = np.array([0.05, 0.3, 1.0, 2.5])
    times = np.sort(np.concatenate([centres - h, centres, centres + h]))
    traj = simulate(data, params, T=3.0, method="gram", rtol=1e-12, atol=1e-14, times=times)
    m1, n = params.m1, data.n
    for c in centres:
        i = int(np.argmin(np.abs(traj.t - c)))
        lhs = (traj.wa_sq[i + 1] - traj.wa_sq[i - 1]) / (2 * h)
        y, F = traj.y, traj.F[i]
        rhs = 2 * m1 / n * np.sum(y * F / (1 + np.exp(y * F)))
        assert lhs == pytest.approx(rhs, rel=1e-5)
        assert abs(rhs) > 1e-3
        G_slope = (traj.G[i + 1] - traj.G[i - 1]) / (2 * h)
        np.testing.assert_allclose(traj.G_rate[i], G_slope, rtol=1e-4, atol=1e-6 * np.abs(G_slope).max())


def test_gram_flow_keeps_vv_psd_and_its_rates_are_the_formulas(tiny):
    """W_V^T W_V stays positive semi-definite along the flow (it is symmetric by construction: stored once), and the
    packed rates of A, QQ, KK, VV are the formulas of the coordinates' docstring."""
    data, params = tiny
    traj = simulate(data, params, T=3.0, method="gram", times=np.array([0.0, 3.0]))
    np.testing.assert_allclose(traj.VV[-1], traj.VV[-1].T, atol=1e-12)
    assert np.linalg.eigvalsh(traj.VV[-1]).min() > -1e-9
    state = GramState.from_params(params)
    from cooccur.coordinates import Batch, reduced_loss_and_grad

    ev = reduced_loss_and_grad(state.A, state.G, Batch.from_dataset(data), state.m)
    rates = state.unpack(state.derivative(ev))  # the packed rates read as a state: symmetric blocks in full
    gA, gG, A, G = ev.grad_A, ev.grad_G, state.A, state.G
    np.testing.assert_allclose(rates.A, -(gA @ state.QQ + state.KK @ gA), rtol=0, atol=1e-15)
    np.testing.assert_allclose(rates.QQ, -(gA.T @ A + A.T @ gA), rtol=0, atol=1e-15)
    np.testing.assert_allclose(rates.KK, -(gA @ A.T + A @ gA.T), rtol=0, atol=1e-15)
    np.testing.assert_allclose(rates.VV, -(np.outer(gG, G) + np.outer(G, gG)), rtol=0, atol=1e-15)


def test_gram_state_size_does_not_depend_on_width():
    """The Gram ODE has d^2 + 3 d(d + 1)/2 + d + 1 unknowns (QQ, KK, VV stored once) whatever m and m1 are, and
    unpacking gives back the state, symmetric blocks in full."""
    data = make_dataset(DataConfig(n=12, L=4, d=16, seed=0))
    for m, m1 in ((8, 6), (512, 1024)):
        params = init_params(ModelConfig(d=16, m=m, m1=m1, sigma0=0.05, sigma1=0.05), L=4)
        state = GramState.from_params(params)
        assert state.pack().shape == (16 * 16 + 3 * 136 + 16 + 1,)
        back = state.unpack(state.pack())
        for name in ("A", "QQ", "KK", "VV", "G"):
            assert np.array_equal(getattr(back, name), getattr(state, name)), name
        assert back.wa_sq == state.wa_sq
        traj = simulate(data, params, T=1.0, method="gram", times=np.array([0.0, 1.0]))
        assert traj.loss[-1] < traj.loss[0]


def test_divergence_stops_with_a_message(tiny):
    data, params = tiny
    big = params.clone()
    big.W *= 30
    with pytest.raises(DivergenceError, match=r"diverged at t=.*loss"):
        simulate(data, big, T=50.0, method="euler", step=5.0)


def test_a_rejected_trial_stage_is_not_a_divergence():
    """At m = 32000 (rates of order m) a trial stage of the adaptive solver overshoots to a loss above the
    divergence threshold; the solver rejects that step, and the run, whose loss only falls, must go on."""
    from cooccur.experiment import width_setting

    traj = width_setting(32000, seed=2).simulate()
    assert traj.loss.max() == traj.loss[0] < 1 and traj.loss[-1] < 0.1 and np.isfinite(traj.T1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"method": "rk4"}, "method"),
        ({"T": -1.0}, "T"),
        ({"T": float("inf")}, "T"),
        ({"step": 0.0}, "step"),
        ({"T": 1.0, "step": 0.3, "method": "euler"}, "whole number of steps"),
        ({"rtol": 0.5}, "rtol"),
        ({"atol": -1.0}, "atol"),
        ({"log_start": 0.0}, "log_start"),
        ({"log_start": 1.0}, "log_start"),
        ({"times": np.array([0.0, 2.0, 1.0])}, "times"),
        ({"times": np.array([0.0, 5.0])}, "times"),
        ({"record": "some"}, "record"),
    ],
)
def test_bad_options_name_the_field(tiny, kwargs, field):
    data, params = tiny
    opts = {"T": 1.0, "method": "gram", **kwargs}
    with pytest.raises(ValueError, match=field):
        simulate(data, params, **opts)


def test_the_recording_grid_starts_its_log_spaced_times_at_log_start():
    from cooccur.flow import SimConfig

    times = SimConfig(T=10.0, method="gram", n_log=8, n_lin=3, log_start=1e-7).times()
    assert times[0] == 0.0 and times[1] == pytest.approx(1e-6) and times[-1] == 10.0
    assert SimConfig(T=10.0, method="gram").times()[1] == pytest.approx(1e-4)  # the default, 1e-5 T


def test_phase_boundary_rule():
    t = np.array([0.0, 1.0, 2.0, 3.0])
    y = np.array([1.0, -1.0])
    G = np.zeros((4, 8))
    G[:, 0] = G[:, 1] = 1.0
    G[:, 2] = -1.0
    F = np.array([[1.0, 1.0], [1.0, 0.5], [1.0, -0.5], [1.0, -1.0]])  # sample 2 becomes correct between t=1 and 2
    assert phase_boundary(t, F, y, G, margin=0.0) == pytest.approx(1.5)  # e = -0.5 at t=1, +0.5 at t=2
    # the library's rule asks for every margin at least T1_MARGIN = 0.5: e - 0.5 = 0 at t=2 (not yet), 0.5 at t=3
    assert T1_MARGIN == 0.5 and phase_boundary(t, F, y, G) == pytest.approx(2.0)
    assert phase_boundary(t, F, y, G, margin=0.25) == pytest.approx(1.75)
    G2 = G.copy()
    G2[:, 2] = 0.5  # G(mu_3) never negative: no phase boundary
    assert np.isnan(phase_boundary(t, F, y, G2))


def test_recording_many_times_at_once_agrees_with_one_at_a_time(tiny):
    """The trajectory records all times of a solver step in one batched evaluation; each record must be what the
    single-state evaluation gives at that time (loss, outputs, per-type losses, attention, gradient norms)."""
    from cooccur.coordinates import Batch, reduced_loss_and_grad
    from cooccur.observables import mean_attention, per_type_mean, sample_losses

    data, params = tiny
    traj = simulate(data, params, T=3.0, method="gram")
    assert traj.t.size > 50
    batch = Batch.from_dataset(data)
    m = params.W_Q.shape[0]
    for k in range(0, traj.t.size, 7):
        ev = reduced_loss_and_grad(traj.A[k], traj.G[k], batch, m)
        np.testing.assert_allclose(traj.loss[k], ev.loss, rtol=1e-13)
        np.testing.assert_allclose(traj.F[k], ev.F, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(traj.loss_by_type[k], per_type_mean(sample_losses(ev.F, batch.y), batch.types),
                                   rtol=1e-13)
        np.testing.assert_allclose(traj.attn[k], mean_attention(ev.P, batch), rtol=1e-13, equal_nan=True)
        G_rate = -(params.a.numpy() @ params.a.numpy() * (ev.grad_G @ traj.VV[k]) + traj.wa_sq[k] * ev.grad_G)
        np.testing.assert_allclose(traj.G_rate[k], G_rate, rtol=1e-11, atol=1e-16)
    euler = simulate(data, params, T=0.5, method="euler", step=0.01)  # the other engine records one at a time
    ev = reduced_loss_and_grad(euler.A[-1], euler.G[-1], batch, m)
    np.testing.assert_allclose(euler.loss[-1], ev.loss, rtol=1e-13)


def test_dense_states_are_scipys_interpolant():
    """The dense output evaluated as one matrix product gives SciPy's Horner evaluation to rounding, at the step's
    ends and inside it."""
    from scipy.integrate import DOP853

    from cooccur.flow import dense_states

    rng = np.random.default_rng(3)
    M = rng.standard_normal((40, 40)) / 8
    solver = DOP853(lambda t, y: M @ y + np.cos(3 * t), 0.0, rng.standard_normal(40), 4.0, rtol=1e-9)
    steps = 0
    while solver.status == "running":
        solver.step()
        steps += 1
        interpolant = solver.dense_output()
        ts = np.linspace(solver.t_old, solver.t, 9)
        expected = interpolant(ts).T
        np.testing.assert_allclose(dense_states(interpolant, ts), expected, rtol=0, atol=1e-14 * np.abs(expected).max())
    assert steps > 5


def test_a_run_inside_the_malloc_context_gives_the_same_numbers(tiny, monkeypatch):
    """A run whose state counts as large goes through glibc's mallopt and malloc_trim (a wrong call signature would
    fail here) and gives the same numbers; that the context saves time is measured by ``make bench``, not here."""
    from cooccur import flow

    data, params = tiny
    usual = simulate(data, params, T=2.0, method="gram")
    monkeypatch.setattr(flow, "LARGE_STATE_BYTES", 0)
    large = simulate(data, params, T=2.0, method="gram")
    for name in ("loss", "G", "A", "VV", "grad_norm"):
        assert np.array_equal(getattr(large, name), getattr(usual, name)), name


def test_the_packed_state_takes_the_full_states_steps(tiny):
    """QQ, KK, VV stored once with the error norm weighted by pack_weights: DOP853 takes the same steps, with the
    same evaluation count, as on the full 4d² state (QQ, KK, VV as d x d matrices) with SciPy's plain norm."""
    from scipy.integrate import DOP853

    from cooccur.coordinates import Batch, pack_weights, reduced_loss_and_grad, symmetric_layout
    from cooccur.flow import WeightedDOP853

    data, params = tiny
    batch = Batch.from_dataset(data)
    state = GramState.from_params(params)
    d, full_of = batch.d, symmetric_layout(batch.d).full_of

    def packed_rhs(t, vec):
        s = state.unpack(vec)
        return s.derivative(reduced_loss_and_grad(s.A, s.G, batch, s.m))

    def unfold(vec):  # packed -> [A, QQ, KK, VV in full, G, wa_sq]
        sym = vec[d * d : -d - 1].reshape(3, -1)
        return np.concatenate([vec[: d * d], sym[:, full_of].ravel(), vec[-d - 1 :]])

    def full_rhs(t, vec):
        upper = symmetric_layout(d).upper
        sym = vec[d * d : 4 * d * d].reshape(3, -1)[:, upper]
        packed = np.concatenate([vec[: d * d], sym.ravel(), vec[4 * d * d :]])
        return unfold(packed_rhs(t, packed))

    y0 = state.pack()
    plain = DOP853(full_rhs, 0.0, unfold(y0), 20.0, rtol=1e-6, atol=1e-12)
    weighted, extra = WeightedDOP853.start(packed_rhs, y0, 20.0, pack_weights(d), rtol=1e-6, atol=1e-12)
    steps = 0
    while plain.status == "running":
        plain.step()
        weighted.step()
        steps += 1
        assert weighted.t == pytest.approx(plain.t, rel=1e-12)
        np.testing.assert_allclose(unfold(weighted.y), plain.y, rtol=1e-10, atol=1e-14)
    assert weighted.status == "finished" and steps > 5
    assert weighted.nfev + extra == plain.nfev


def test_a_time_a_rounding_error_past_the_horizon_is_not_recorded(tiny):
    """The solver stops at T exactly: a requested time at T (1 + 5e-13), which the grid's check lets through, is not
    reached and not returned (the records are the times reached, all filled)."""
    data, params = tiny
    traj = simulate(data, params, T=1.0, method="gram", times=np.array([0.0, 0.5, 1.0 + 5e-13]))
    assert traj.t.tolist() == [0.0, 0.5] and traj.loss.shape == (2,) and np.isfinite(traj.loss).all()


@pytest.mark.parametrize("method", ["gram", "euler"])
def test_the_movement_columns_are_the_movements_of_the_full_records(tiny, method):
    """A_change, VV_change and attn_change are what the full records give: the largest entry moved from the first
    record, the attention's over every softmax entry recomputed from A (bit for bit: the same arithmetic)."""
    from cooccur.coordinates import attention_probabilities

    data, params = tiny
    traj = simulate(data, params, T=2.0, method=method, step=0.01, times=np.linspace(0.5, 2.0, 7))
    np.testing.assert_array_equal(traj.A_change, np.abs(traj.A - traj.A[0]).max(axis=(1, 2)))
    np.testing.assert_array_equal(traj.VV_change, np.abs(traj.VV - traj.VV[0]).max(axis=(1, 2)))
    batch, m = Batch.from_dataset(data), params.W_Q.shape[0]
    first = attention_probabilities(traj.A[0], batch, m)
    moved = [np.abs(attention_probabilities(A, batch, m) - first).max() for A in traj.A]
    np.testing.assert_array_equal(traj.attn_change, moved)
    assert traj.attn_change[0] == 0.0 < traj.attn_change[-1]  # from the first record, not from t = 0
    for k in (0, -1):  # the margins' split, as its formula gives it from the recorded A and G
        np.testing.assert_array_equal(traj.margin_split[k],
                                      margin_split(attention_probabilities(traj.A[k], batch, m), traj.G[k], batch))


def test_a_signal_record_keeps_three_words_and_every_scalar(tiny):
    from cooccur.measures import population_loss

    data, params = tiny
    full = simulate(data, params, T=2.0, method="gram")
    signal = simulate(data, params, T=2.0, method="gram", record="signal")
    assert full.full_matrices and not signal.full_matrices
    for name in ("A", "VV", "attn"):
        assert getattr(signal, name).shape == (full.t.size, 3, 3)
        np.testing.assert_array_equal(getattr(signal, name), getattr(full, name)[:, :3, :3])
    for name in ("t", "loss", "loss_by_type", "S_by_type", "F", "G", "A_change", "VV_change", "attn_change",
                 "QQ_change", "KK_change", "wa_sq", "margin_split", "grad_norm", "G_rate", "T1"):
        np.testing.assert_array_equal(getattr(signal, name), getattr(full, name))
    batch = Batch.from_dataset(data)
    with pytest.raises(ValueError, match="record='full'"):
        population_loss(signal, batch, params.W_Q.shape[0])


def test_recording_chunks_bounded_in_bytes_give_the_same_records(tiny, monkeypatch):
    """A large state is recorded a few times at once (RECORD_CHUNK_BYTES); one at a time gives the same records."""
    from cooccur import flow

    data, params = tiny
    chunks: list[int] = []
    observe = flow.Recorder.observe

    def counted(self, ts, stack):
        chunks.append(len(ts))
        return observe(self, ts, stack)

    monkeypatch.setattr(flow.Recorder, "observe", counted)
    together = simulate(data, params, T=2.0, method="gram")
    assert max(chunks) > 1
    chunks.clear()
    monkeypatch.setattr(flow, "RECORD_CHUNK_BYTES", 1)  # every chunk one state
    alone = simulate(data, params, T=2.0, method="gram")
    assert set(chunks) == {1} and alone.t.size == together.t.size > 100
    for name in ("loss", "F", "G", "A", "VV", "attn", "grad_norm", "A_change", "VV_change", "attn_change",
                 "margin_split"):
        np.testing.assert_allclose(getattr(alone, name), getattr(together, name), rtol=1e-12, atol=1e-15,
                                   equal_nan=True)
    assert alone.n_grad_evals == together.n_grad_evals


def test_a_trajectory_file_of_an_older_version_names_what_it_lacks(tiny, tmp_path):
    from cooccur.trajectory import Trajectory

    data, params = tiny
    path = simulate(data, params, T=0.5, method="gram").save(tmp_path / "run.npz")
    assert Trajectory.load(path).A_change.size > 0
    with np.load(path) as z:
        older = {name: z[name] for name in z.files if name not in ("A_change", "margin_split")}
    np.savez(tmp_path / "older.npz", **older)
    with pytest.raises(ValueError, match="A_change, margin_split.*older version"):
        Trajectory.load(tmp_path / "older.npz")
