import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cooccur import DataConfig, ModelConfig, Trajectory
from cooccur.experiment import Experiment, SimConfig

SMALL = Experiment(
    data=DataConfig(n=12, L=4, d=16, seed=1),
    model=ModelConfig(d=16, m=8, m1=6, seed=2),
    sim=SimConfig(T=1.0, method="gram", n_log=20, n_lin=5),
)


def test_cache_reuses_a_run_and_keys_on_configs_and_source(tmp_path, monkeypatch):
    first = SMALL.run(cache_dir=tmp_path)
    path = SMALL.cache_path(tmp_path)
    assert path.exists()
    inode, content = path.stat().st_ino, path.read_bytes()
    again = SMALL.run(cache_dir=tmp_path)
    assert path.stat().st_ino == inode and path.read_bytes() == content  # loaded, not rewritten (saves replace)
    np.testing.assert_array_equal(first.A, again.A)
    assert path.stat().st_mode & 0o777 == 0o644
    uncached = SMALL.run(cache_dir=tmp_path / "other", cache=False)
    np.testing.assert_array_equal(uncached.A, first.A)
    assert not (tmp_path / "other").exists()

    other = Experiment(SMALL.data, SMALL.model, SimConfig(T=2.0, method="gram", n_log=20, n_lin=5))
    assert other.key() != SMALL.key()
    import cooccur.store as store

    key = SMALL.key()
    monkeypatch.setattr(store, "source_hash", lambda: "edited library")
    assert SMALL.key() != key


def test_experiment_from_dict_names_bad_fields():
    exp = Experiment.from_dict({"data": {"n": 12, "L": 4, "d": 16}, "model": {"m": 8}, "sim": {"T": 1.0}})
    assert exp.model.d == 16 and exp.model.m == 8 and exp.data.n == 12
    with pytest.raises(ValueError, match="model: unknown field"):
        Experiment.from_dict({"model": {"width": 3}})
    with pytest.raises(ValueError, match="unknown section"):
        Experiment.from_dict({"optimizer": {}})
    with pytest.raises(ValueError, match="model.d=32 must equal data.d=64"):
        Experiment(model=ModelConfig(d=32))
    with pytest.raises(ValueError, match="method"):
        SimConfig(method="adam")


def run_cli(*args, env_cache=None):
    env = None
    if env_cache is not None:
        import os

        env = {**os.environ, "COOCCUR_CACHE_DIR": str(env_cache)}
    return subprocess.run([sys.executable, "-m", "cooccur", *args], capture_output=True, text=True, env=env)


def test_cli_runs_from_flags_and_config_file(tmp_path):
    config = tmp_path / "exp.json"
    config.write_text(json.dumps({"data": {"n": 12, "L": 4, "d": 16}, "model": {"m": 8, "m1": 6}, "sim": {"T": 0.5}}))
    out = tmp_path / "traj.npz"
    done = run_cli(
        "simulate", "--config", str(config), "--method", "gram", "--seed", "3", "--out", str(out), "--no-progress"
    )
    assert done.returncode == 0, done.stderr
    traj = Trajectory.load(out)
    assert traj.meta["experiment"]["model"]["seed"] == 3 and traj.meta["experiment"]["sim"]["method"] == "gram"
    assert traj.t[-1] == pytest.approx(0.5)
    figure = tmp_path / "run.png"
    drawn = run_cli("simulate", "--config", str(config), "--method", "gram", "--out", str(out), "--figure",
                    str(figure), "--no-progress")
    assert drawn.returncode == 0, drawn.stderr
    from PIL import Image

    with Image.open(figure) as image:  # a real PNG, drawn at the book's resolution, with its smallest font recorded
        assert image.format == "PNG" and image.width > 600 and float(image.text["cooccur-min-font-pt"]) > 0
    cached = run_cli("simulate", "--config", str(config), "--no-progress", env_cache=tmp_path / "cache")
    assert cached.returncode == 0, cached.stderr
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1


def test_cli_help_and_errors(tmp_path):
    helped = run_cli("simulate", "--help")
    assert helped.returncode == 0
    for flag in ("--n", "--L", "--init", "--method", "--step", "--rtol", "--config", "--out"):
        assert flag in helped.stdout
    bad = run_cli("simulate", "--L", "2", "--out", str(tmp_path / "x.npz"))
    assert bad.returncode == 2 and "L must be an integer >= 3" in bad.stderr
    diverging = run_cli(
        "simulate",
        "--n",
        "12",
        "--L",
        "4",
        "--d",
        "16",
        "--init",
        "kaiming",
        "--T",
        "100",
        "--step",
        "10",
        "--out",
        str(tmp_path / "y.npz"),
        "--no-progress",
    )
    assert diverging.returncode == 1 and "diverged at t=" in diverging.stderr
    assert not Path(tmp_path / "y.npz").exists()


def test_paper_setting_defaults_and_overrides():
    from cooccur.experiment import paper_setting

    exp = paper_setting(3)
    assert (exp.data.n, exp.data.L, exp.data.d, exp.model.m, exp.model.m1) == (60, 5, 64, 128, 256)
    assert exp.data.seed == exp.model.seed == 3 and exp.sim.T == 300.0 and exp.sim.method == "gram"
    other = paper_setting(1, init="kaiming", method="euler", data={"d": 67, "n": 24}, model={"m": 32})
    assert other.model.d == 67 and other.model.m == 32 and other.model.init == "kaiming" and other.data.n == 24
    with pytest.raises(ValueError, match="L must be"):
        paper_setting(0, data={"L": 2})


def _start(args, env_cache):
    import os

    env = {**os.environ, "COOCCUR_CACHE_DIR": str(env_cache)}
    return subprocess.Popen(
        [sys.executable, "-m", "cooccur", "simulate", *args], stderr=subprocess.PIPE, text=True, env=env
    )


def _wait_for_progress(proc):
    """Block until the run has printed its progress bar (so it is midway), reading stderr."""
    seen = ""
    while "flow (euler)" not in seen:
        chunk = proc.stderr.read(1)
        assert chunk, f"the run ended before it started: {seen}"
        seen += chunk


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_killed_run_leaves_previous_result_or_nothing(tmp_path, sig):
    import signal

    long_run = ["--init", "kaiming", "--method", "euler", "--step", "0.01", "--T", "300"]
    out = tmp_path / "out" / "traj.npz"
    done = run_cli("simulate", "--n", "12", "--L", "4", "--d", "16", "--T", "0.5", "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    previous = out.read_bytes()

    # 1. an explicit output that already holds a complete result keeps it
    proc = _start([*long_run, "--out", str(out)], tmp_path / "cache")
    _wait_for_progress(proc)
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert out.read_bytes() == previous
    assert [p.name for p in out.parent.iterdir()] == ["traj.npz"]

    # 2. the cache holds nothing after a killed first run, and a rerun completes
    cache = tmp_path / "cache"
    proc = _start(long_run, cache)
    _wait_for_progress(proc)
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not cache.exists() or list(cache.iterdir()) == []
    rerun = run_cli("simulate", *long_run, "--no-progress", env_cache=cache)
    assert rerun.returncode == 0, rerun.stderr
    (cached,) = cache.glob("*.npz")
    assert Trajectory.load(cached).t[-1] == pytest.approx(300.0)


def test_figure1_readings_build_the_stated_runs():
    from cooccur.experiment import figure1_reading

    mean = figure1_reading(0, iterations=300)
    assert mean.sim == SimConfig(T=3.0, method="euler", step=0.01) and mean.model.init == "kaiming"
    total = figure1_reading(0, init="he_normal", loss="sum", train_a=True, iterations=300)
    assert total.sim.step == pytest.approx(0.6) and total.sim.T == pytest.approx(180.0) and total.sim.train_a
    assert total.model.init == "he_normal" and total.data == mean.data
    with pytest.raises(ValueError, match="loss"):
        figure1_reading(0, loss="median")


def test_simulate_records_at_the_times_asked_for():
    times = np.array([0.0, 0.25, 1.0])
    traj = SMALL.simulate(times=times)
    np.testing.assert_array_equal(traj.t, times)
    assert traj.meta["experiment"] == SMALL.to_dict()
