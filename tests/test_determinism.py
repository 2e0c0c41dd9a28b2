"""The same configuration, run twice in fresh processes, gives bit-identical trajectories on the CPU.

What makes it so: the data come from NumPy's PCG64 generator seeded by ``DataConfig.seed``; the weights from a
``torch.Generator`` seeded by ``ModelConfig.seed`` on the CPU (no global RNG state is used); both engines are
float64 NumPy code whose reductions run in a fixed order (OpenBLAS splits a matrix product between threads by
output blocks, so each entry is summed by one thread in one order); SciPy's DOP853 chooses its steps from those
values alone. No torch setting is needed because no torch kernel runs during a simulation; the test would catch
one that was nondeterministic.
"""

import subprocess
import sys

import numpy as np
import pytest

from cooccur import Trajectory

ARGS = ["--n", "24", "--L", "4", "--d", "20", "--m", "32", "--m1", "16", "--T", "3", "--no-progress"]


@pytest.mark.parametrize("method", ["gram", "euler"])
def test_fresh_processes_give_identical_trajectories(tmp_path, method):
    paths = []
    for k in range(2):
        out = tmp_path / f"run{k}.npz"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "cooccur",
                "simulate",
                *ARGS,
                "--method",
                method,
                "--step",
                "0.01",
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        paths.append(out)
    a, b = (Trajectory.load(p) for p in paths)
    for name in ("t", "loss", "F", "G", "A", "VV", "attn", "grad_norm", "G_rate", "S_by_type"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert a.T1 == b.T1 and a.n_grad_evals == b.n_grad_evals
    assert a.loss[-1] < a.loss[0]  # the runs did train
