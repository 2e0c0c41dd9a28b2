"""A recorded run: one file holds it all and is written atomically; arrays have time first; a run recorded on the
signal words only, or cut to its first records, refuses what it cannot give."""

import numpy as np
import pytest

from cooccur import DataConfig, ModelConfig, Trajectory
from cooccur.experiment import Experiment, SimConfig

SMALL = Experiment(
    data=DataConfig(n=12, L=4, d=16, seed=1),
    model=ModelConfig(d=16, m=8, m1=6, seed=2),
    sim=SimConfig(T=1.0, method="gram", n_log=20, n_lin=5),
)


def test_trajectory_round_trips_through_one_file(tmp_path):
    traj = SMALL.simulate()
    path = traj.save(tmp_path / "run.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary file left behind
    back = Trajectory.load(path)
    for name in ("t", "loss", "loss_by_type", "S_by_type", "F", "G", "A", "VV", "attn", "grad_norm", "y", "types"):
        np.testing.assert_array_equal(getattr(back, name), getattr(traj, name))
    assert back.T1 == traj.T1 and back.n_grad_evals == traj.n_grad_evals
    assert Experiment.from_dict(back.meta["experiment"]) == SMALL


def test_trajectory_shapes_and_time_axis_first():
    traj = SMALL.simulate()
    n_t = traj.t.shape[0]
    assert traj.loss_by_type.shape == (n_t, 4) and traj.S_by_type.shape == (n_t, 4)
    assert traj.G.shape == (n_t, 16) and traj.A.shape == traj.VV.shape == traj.attn.shape == (n_t, 16, 16)
    assert traj.F.shape == (n_t, 12) and traj.grad_norm.shape == (n_t, 4)
    assert traj.t[0] == 0.0 and traj.t[-1] == pytest.approx(1.0)
    from cooccur.data import make_dataset

    tokens = make_dataset(SMALL.data).tokens.numpy()
    seen = np.zeros((16, 16), dtype=bool)  # [key word, query word] pairs that share a sample
    for row in tokens:
        seen[np.ix_(row, row)] = True
    assert np.array_equal(np.isfinite(traj.attn[0]), seen)
    assert np.all((traj.attn[:, seen] > 0) & (traj.attn[:, seen] < 1))


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    traj = SMALL.simulate()
    path = traj.save(tmp_path / "run.npz")
    before = path.read_bytes()

    def broken_savez(fh, **arrays):
        fh.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        traj.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_a_signal_recorded_run_refuses_what_needs_every_word():
    import dataclasses

    signal = Experiment(SMALL.data, SMALL.model, dataclasses.replace(SMALL.sim, record="signal")).simulate()
    assert signal.A.shape[-1] == 3 and not signal.every_word
    with pytest.raises(ValueError, match="recorded the 3 signal words only"):
        signal.require_full_matrices("the population loss")
