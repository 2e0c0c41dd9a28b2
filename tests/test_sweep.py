"""Sweeps: validation, the table, resumption after kills, and the same rows on every executor."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from cooccur import sweep as sw
from cooccur.experiment import Experiment
from cooccur.model import init_std
from cooccur.parallel import SerialExecutor
from cooccur.report import premise_summary_table
from cooccur.store import cache_info

#: Small runs (d = 16, m = 8): a sweep of a dozen takes about a second.
TINY = {
    "base": {"data": {"n": 24, "L": 4, "d": 16}, "model": {"m": 8, "m1": 6}, "sim": {"method": "gram", "T": 5.0}},
    "axes": {"model.m": [8, 16], "init_scale": [0.5, 1.0]},
    "seeds": [0, 1, 2],
}
#: Paper-size runs (about 0.2 s each): long enough to kill something mid-sweep.
PAPER = {
    "base": {"data": {"n": 60, "L": 5, "d": 64}, "model": {"m": 128, "m1": 256}, "sim": {"method": "gram"}},
    "axes": {"init_scale": [0.5, 1.0, 2.0]},
    "seeds": list(range(10)),
}
#: Columns that differ between two runs of the same experiment: when and where it ran.
RUN_ONLY = ["wall_time", "host"]
PY = sys.executable
DASK = str(Path(sys.executable).with_name("dask"))


def write(tmp_path: Path, spec: dict, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec))
    return path


def comparable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=RUN_ONLY).sort_values("run_id").reset_index(drop=True)


def cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "cooccur", *args], capture_output=True, text=True, timeout=600, **kw)


def journal_lines(out: Path) -> int:
    path = sw.journal_path(out)
    return path.read_bytes().count(b"\n") if path.exists() else 0


def wait_for(predicate, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise TimeoutError("condition not reached")
        time.sleep(0.05)


# --- the file --------------------------------------------------------------------------------------------------


def test_the_issue_example_builds_its_grid():
    sweep = sw.Sweep.from_dict(yaml.safe_load("""
base: {data: {n: 60, L: 5, d: 64}, model: {m: 128, m1: 256, init: theory}, sim: {method: gram, T: 300}}
axes: {model.m: [64, 128, 256], init_scale: [0.1, 1.0]}
seeds: [0, 1, 2]
"""))
    assert len(sweep.runs) == 18
    run = next(r for r in sweep.runs if r.values == {"model.m": 256, "init_scale": 0.1, "seed": 2})
    exp = run.experiment
    assert (exp.model.m, exp.model.m1, exp.data.seed, exp.model.seed, exp.sim.method) == (256, 256, 2, 2, "gram")
    base_sigma = init_std(Experiment.from_dict({"data": {"L": 5}, "model": {"m": 256, "m1": 256}}).model, 5)
    assert init_std(exp.model, 5) == pytest.approx([0.1 * s for s in base_sigma])


def test_m1_per_m_ties_the_widths():
    sweep = sw.Sweep.from_dict({**TINY, "axes": {"model.m": [8, 16], "m1_per_m": [0.5, 1]}, "seeds": [0]})
    assert sorted((r.experiment.model.m, r.experiment.model.m1) for r in sweep.runs) == [
        (8, 4), (8, 8), (16, 8), (16, 16)]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"axes": {"model.mm": [1, 2]}}, "model has no field 'mm'"),
        ({"axes": {"width": [1, 2]}}, "axes.width: unknown axis"),
        ({"axes": {"model.m": []}}, "axes.model.m: needs a non-empty list"),
        ({"axes": {"model.m": [8, 8]}}, "axes.model.m: repeats a value"),
        ({"axes": {"data.d": [16, 20]}, "base": {**TINY["base"], "data": {"n": 24, "L": 4, "distinct_fillers": True}}},
         "distinct"),
        ({"axes": {"model.m": [0, 8]}}, "m=0"),
        ({"seeds": [0, -1]}, "seeds: -1"),
        ({"seeds": []}, "seeds must be a non-empty list"),
        ({"steps": 3}, "unknown key(s) ['steps']"),
        ({"base": {"optim": {"lr": 1}}}, "base.optim: unknown section"),
        ({"base": {"sim": {"methd": "gram"}}}, "base.sim.methd"),
        ({"axes": {"model.seed": [1, 2]}}, "seeds are set by the 'seeds' list"),
        ({"base": {"data": {"seed": 3}}}, "base.data.seed: seeds are set by the 'seeds' list"),
    ],
)
def test_a_bad_file_names_the_field_and_writes_nothing(tmp_path, change, named):
    path = write(tmp_path, {**TINY, **change})
    out = tmp_path / "out.parquet"
    with pytest.raises(sw.SweepError) as err:
        sw.load_sweep(path)
    assert named in str(err.value)
    done = cli("sweep", str(path), "--out", str(out), "--workers", "1")
    assert done.returncode == 2 and named in done.stderr
    assert list(tmp_path.iterdir()) == [path]  # nothing written, no cluster started


# --- the table -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def serial_table(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial") / "serial.parquet"
    return sw.run_sweep(sw.Sweep.from_dict(TINY), out, SerialExecutor(), progress=False)


def test_one_row_per_run_with_config_premises_and_every_verdict(serial_table):
    from cooccur.claims import CLAIMS

    t = serial_table
    assert len(t) == 12 and t["run_id"].is_unique and (t["error"] == "").all()
    for claim in CLAIMS:
        assert t[f"{claim}.holds"].dtype == bool and t[f"{claim}.premise_met"].dtype == bool
    for col in ("data.n", "model.m", "model.init_scale", "sim.T", "premise.condition1", "T1", "final_loss",
                "population_loss", "wall_time", "version", "source_hash", "axis.seed", "axis.init_scale"):
        assert col in t.columns, col
    assert (t["model.init_scale"] == t["axis.init_scale"]).all()
    row = t.iloc[0]
    values = {"model.m": int(row["axis.model.m"]), "init_scale": float(row["axis.init_scale"])}
    exp = sw.experiment_at(TINY["base"], values, int(row["axis.seed"]))
    traj = exp.simulate()
    assert row["run_id"] == sw.run_id(exp)
    assert row["T1"] == traj.T1 and row["final_loss"] == traj.loss[-1]


def test_a_failing_run_is_a_row_with_its_error(tmp_path):
    spec = {"base": {"data": {"n": 24, "L": 4, "d": 16}, "model": {"m": 8, "m1": 6, "init": "kaiming"},
                     "sim": {"method": "euler", "T": 400.0, "step": 40.0}},
            "axes": {"sim.step": [0.01, 40.0]}, "seeds": [0]}
    t = sw.run_sweep(sw.Sweep.from_dict(spec), tmp_path / "t.parquet", SerialExecutor(), progress=False)
    assert len(t) == 2
    bad = t[t["axis.sim.step"] == 40.0].iloc[0]
    assert "DivergenceError" in bad["error"] and "diverged" in bad["error"] and np.isnan(bad["T1"])
    assert t[t["axis.sim.step"] == 0.01].iloc[0]["error"] == ""


def test_retry_failed_replaces_an_error_row(tmp_path, serial_table):
    out = tmp_path / "t.parquet"
    rows = serial_table.to_dict("records")
    rows[0] = {**rows[0], "error": "KilledWorker: lost three times", "T1": float("nan")}
    pd.DataFrame(rows).to_parquet(out)
    sweep = sw.Sweep.from_dict(TINY)
    again = sw.run_sweep(sweep, out, SerialExecutor(), progress=False)
    assert (again["error"] != "").sum() == 1  # an error row counts as done
    retried = sw.run_sweep(sweep, out, SerialExecutor(), progress=False, retry_failed=True)
    assert len(retried) == 12 and retried["run_id"].is_unique and (retried["error"] == "").all()
    pd.testing.assert_frame_equal(comparable(retried), comparable(serial_table), check_dtype=False)


def test_keep_trajectories_stores_each_run(tmp_path):
    spec = {**TINY, "axes": {"model.m": [8]}, "seeds": [0, 1], "keep_trajectories": True}
    out = tmp_path / "t.parquet"
    t = sw.run_sweep(sw.Sweep.from_dict(spec), out, SerialExecutor(), progress=False)
    from cooccur.trajectory import Trajectory

    for run_id, t1 in zip(t["run_id"], t["T1"]):
        assert Trajectory.load(tmp_path / "t.parquet.trajectories" / f"{run_id}.npz").T1 == t1


def test_a_half_written_journal_line_is_ignored_and_redone(tmp_path, serial_table):
    out = tmp_path / "t.parquet"
    sweep = sw.Sweep.from_dict(TINY)
    rows = serial_table.drop(columns=[]).to_dict("records")
    with open(sw.journal_path(out), "w") as f:
        for row in rows[:5]:
            f.write(json.dumps(row) + "\n")
        f.write(json.dumps(rows[5])[:40])  # a kill in the middle of a write
    assert len(sw.load_table(out)) == 5
    t = sw.run_sweep(sweep, out, SerialExecutor(), progress=False)
    assert len(t) == 12 and t["run_id"].is_unique and not sw.journal_path(out).exists()
    pd.testing.assert_frame_equal(comparable(t), comparable(serial_table), check_dtype=False)


# --- executors -------------------------------------------------------------------------------------------------


def test_a_local_cluster_gives_the_serial_rows_bit_for_bit(tmp_path, serial_table):
    t = sw.run_sweep(sw.Sweep.from_dict(TINY), tmp_path / "t.parquet", workers=2, progress=False)
    pd.testing.assert_frame_equal(comparable(t), comparable(serial_table))
    assert t["host"].nunique() == 2  # both workers ran some


def test_a_process_pool_gives_the_serial_rows(tmp_path, serial_table):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        t = sw.run_sweep(sw.Sweep.from_dict(TINY), tmp_path / "t.parquet", pool, progress=False)
    pd.testing.assert_frame_equal(comparable(t), comparable(serial_table))


def test_sigterm_to_the_client_then_restart_loses_and_repeats_nothing(tmp_path):
    path, out = write(tmp_path, PAPER), tmp_path / "t.parquet"
    proc = subprocess.Popen([PY, "-m", "cooccur", "sweep", str(path), "--out", str(out), "--workers", "1",
                             "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: journal_lines(out) >= 3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0 and "interrupted" in err
    first = sw.load_table(out)
    assert 3 <= len(first) < 30 and first["run_id"].is_unique and not sw.journal_path(out).exists()
    done = cli("sweep", str(path), "--out", str(out), "--workers", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    t = sw.load_table(out)
    assert len(t) == 30 and t["run_id"].is_unique and (t["error"] == "").all()
    assert set(first["run_id"]) <= set(t["run_id"])
    kept = t.set_index("run_id").loc[first["run_id"], "wall_time"].to_numpy()
    assert np.array_equal(kept, first["wall_time"].to_numpy())  # the rows of the first attempt were not redone


def test_a_real_cluster_survives_a_killed_worker(tmp_path):
    path, out = write(tmp_path, PAPER), tmp_path / "t.parquet"
    info = tmp_path / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env, "cwd": tmp_path}
    scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(info)], **common)
    workers = []
    try:
        wait_for(lambda: info.exists() and info.stat().st_size > 0, 60)
        address = json.loads(info.read_text())["address"]
        workers = [subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-nanny",
                                     "--host", "127.0.0.1", "--no-dashboard"], **common) for _ in range(2)]
        client = subprocess.Popen([PY, "-m", "cooccur", "sweep", str(path), "--out", str(out), "--scheduler",
                                   address, "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        wait_for(lambda: journal_lines(out) >= 4)
        workers[0].kill()  # a dead worker: its runs go to the other one
        _, err = client.communicate(timeout=300)
        assert client.returncode == 0, err
    finally:
        for proc in (*workers, scheduler):
            proc.kill()
            proc.wait()
    t = sw.load_table(out)
    assert len(t) == 30 and t["run_id"].is_unique
    assert set(t["run_id"]) == {r.run_id for r in sw.load_sweep(path).runs}
    assert (t["error"] == "").all()


# --- the run cache ---------------------------------------------------------------------------------------------


def test_a_cached_run_is_touched_when_loaded_and_the_limit_applies_on_write(tmp_path, monkeypatch):
    exps = [Experiment.from_dict({**{k: v for k, v in TINY["base"].items()},
                                  "model": {"m": 8, "m1": 6, "seed": s}}) for s in range(3)]
    exps[0].run(tmp_path)
    size = cache_info(tmp_path)["bytes"]
    first = next(tmp_path.glob("*.npz"))
    os.utime(first, (1, 1))
    exps[0].run(tmp_path)  # loaded: now the most recently used
    assert first.stat().st_mtime > 1
    monkeypatch.setenv("COOCCUR_CACHE_MAX_BYTES", str(int(2.5 * size)))
    exps[1].run(tmp_path)
    os.utime(first, (time.time() + 10, time.time() + 10))
    exps[2].run(tmp_path)  # three do not fit: the least recently used (exps[1]) goes
    assert first.exists() and cache_info(tmp_path)["files"] == 2
    assert not (tmp_path / f"{exps[1].key()}.npz").exists()
    done = cli("cache", "--info", "--dir", str(tmp_path))
    assert done.returncode == 0 and "2 files" in done.stdout
    done = cli("cache", "--prune", "--max-size", "0", "--dir", str(tmp_path))
    assert done.returncode == 0 and cache_info(tmp_path)["files"] == 0
    assert cli("cache", "--prune", "--max-size", "lots").returncode == 2


def test_run_many_in_parallel_gives_the_serial_trajectories(tmp_path):
    from cooccur.experiment import run_many

    exps = [Experiment.from_dict({**TINY["base"], "model": {"m": 8, "m1": 6, "seed": s},
                                  "sim": {"method": "euler", "T": 2.0}}) for s in range(3)]
    serial = run_many(exps, tmp_path / "a", progress=False, workers=1)
    parallel = run_many(exps, tmp_path / "b", progress=False, workers=2)
    for a, b in zip(serial, parallel):
        for name in ("A", "G", "VV", "loss", "F", "grad_norm"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert len(list((tmp_path / "b").glob("*.npz"))) == 3  # gradient descent is cached by the workers


def test_d_auto_gives_each_run_the_fewest_words_distinct_fillers_need():
    spec = {"base": {"data": {"d": "auto", "distinct_fillers": True}, "model": {"m": 8, "m1": 8},
                     "sim": {"method": "gram", "T": 1.0}},
            "axes": {"data.n": [12, 24], "data.L": [3, 5]}, "seeds": [0]}
    for run in sw.Sweep.from_dict(spec).runs:
        data = run.experiment.data
        assert data.d == 3 + data.fillers_needed() and run.experiment.model.d == data.d
    with pytest.raises(sw.SweepError, match="needs distinct_fillers"):
        sw.Sweep.from_dict({**spec, "base": {**spec["base"], "data": {"d": "auto"}}})


def test_load_sweep_overrides_for_a_quick_run(tmp_path):
    path = write(tmp_path, TINY)
    quick = sw.load_sweep(path, seeds=[5], base={"sim": {"T": 1.0}}, first=1)
    assert len(quick.runs) == 1
    exp = quick.runs[0].experiment
    assert (exp.data.seed, exp.sim.T, exp.model.m, exp.model.init_scale) == (5, 1.0, 8, 0.5)


def test_a_file_says_what_its_quick_mode_changes_and_keywords_win(tmp_path):
    path = write(tmp_path, {**TINY, "quick": {"seeds": [0], "base": {"sim": {"T": 1.0}}, "first": 1}})
    assert len(sw.load_sweep(path).runs) == 12  # the quick section is ignored without quick
    quick = sw.load_sweep(path, quick=True)
    assert len(quick.runs) == 1 and quick.runs[0].experiment.sim.T == 1.0
    assert len(sw.load_sweep(path, quick=True, seeds=[0, 1]).runs) == 2
    plain = sw.load_sweep(write(tmp_path, {**TINY, "axes": {"model.m": [8, 16, 32]}}, "plain.yaml"), quick=True)
    assert [(r.values["model.m"], r.values["seed"]) for r in plain.runs] == [(8, 0), (16, 0)]  # no quick section
    with pytest.raises(sw.SweepError, match="quick must be a mapping with keys among seeds, base, first, axes"):
        sw.load_sweep(write(tmp_path, {**TINY, "quick": {"steps": 3}}, "bad.yaml"))


def test_table_readings_count_rows_and_errors_and_keep_seconds_out_of_the_manifest():
    table = pd.DataFrame({"error": ["", "boom", ""], "wall_time": [1.0, 50.0, 3.0]})
    out = sw.table_readings({"width": table}, count="runs")
    assert out.numbers == {"width_runs": 3, "width_errors": 1} and out.unrecorded == {"width_seconds": 2.0}


def test_tables_dir_empties_the_folder_only_when_fresh(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "old.parquet").write_text("x")
    assert sw.tables_dir(tmp_path / "t", fresh=False) == tmp_path / "t" and (tmp_path / "t" / "old.parquet").exists()
    assert not sw.tables_dir(tmp_path / "t").exists()


def test_premise_summary_separates_failures_inside_and_outside(serial_table):
    t = serial_table.copy()
    claim = "lemma4.1"
    t[f"{claim}.premise_met"] = t["axis.model.m"] == 8
    t[f"{claim}.holds"] = ~((t["axis.model.m"] == 8) & (t["axis.init_scale"] == 0.5))
    t.loc[~t[f"{claim}.holds"], f"{claim}.detail"] = "T1 = 1; fails: the made-up item"
    row = sw.premise_summary(t, [claim]).iloc[0]
    assert (row.runs_inside, row.runs_outside) == (6, 6)
    assert row.holds_inside == pytest.approx(0.5) and row.holds_outside == 1.0
    assert row.fails_inside_at == "model.m=8, init_scale=0.5" and row.reason == "the made-up item"
    t[f"{claim}.by_construction"] = t["axis.model.m"] == 8  # these runs cannot test it: out of every count
    row = sw.premise_summary(t, [claim]).iloc[0]
    assert (row.runs_inside, row.runs_outside, row.by_construction) == (0, 6, 6)


def test_failure_causes_name_every_cause_once_with_its_runs_and_range():
    reasons = pd.Series(["G1+G3 on the wrong side until t = 114 T1",
                         "G1+G3 on the wrong side until t = 566 T1; G2+G3 on the wrong side until t = 2.5 T1",
                         "Theta magnitude, filler bound", "Theta magnitude"])
    causes = sw.failure_causes(reasons).split("; ")
    assert causes == ["G1+G3 on the wrong side until t = 114-566 T1 (2 runs)",
                      "G2+G3 on the wrong side until t = 2.5 T1 (1 run)", "Theta magnitude, filler bound (1 run)",
                      "Theta magnitude (1 run)"]
    assert sw.failure_causes(pd.Series([], dtype=str)) == ""


def test_undecided_runs_are_left_out_of_the_summary_and_the_map(serial_table):
    t = serial_table.copy()
    claim = "thm3.3.loss"
    t[f"{claim}.premise_met"] = True
    t[f"{claim}.holds"] = t["axis.init_scale"] != 0.5
    t[f"{claim}.undecided"] = (t["axis.init_scale"] == 0.5) & (t["axis.model.m"] == 8)  # these runs ended early
    t.loc[~t[f"{claim}.holds"], f"{claim}.detail"] = "fails: not below 1/m by m T1"
    row = sw.premise_summary(t, [claim]).iloc[0]
    undecided = int(t[f"{claim}.undecided"].sum())
    assert undecided > 0 and (row.undecided_inside, row.undecided_outside) == (undecided, 0)
    assert row.runs_inside == len(t) - undecided and row.fails_inside_at == "model.m=16, init_scale=0.5"
    assert "more undecided" in premise_summary_table(sw.premise_summary(t, [claim]))
    cells = sw.holds_fraction(t, claim, ["axis.model.m", "axis.init_scale"]).set_index(
        ["axis.model.m", "axis.init_scale"])["holds"]
    assert np.isnan(cells[(8, 0.5)]) and cells[(16, 0.5)] == 0.0 and cells[(8, 1.0)] == 1.0


def test_sweep_help_explains_every_option():
    done = cli("sweep", "--help")
    assert done.returncode == 0
    for option in ("--out", "--workers", "--scheduler", "--in-flight", "--dry-run", "--retry-failed", "--no-progress",
                   "init_scale",
                   "m1_per_m", "seeds", "keep_trajectories", "journal"):
        assert option in done.stdout, option


def test_the_engines_run_with_one_blas_thread_and_give_the_limit_back(monkeypatch, tiny):
    from threadpoolctl import threadpool_info

    import cooccur.flow as flow

    seen = []
    original = flow._run_gram

    def spy(*args, **kwargs):
        seen.extend(p["num_threads"] for p in threadpool_info())
        return original(*args, **kwargs)

    monkeypatch.setattr(flow, "_run_gram", spy)
    before = [p["num_threads"] for p in threadpool_info()]
    flow.simulate(*tiny, T=1.0, method="gram")
    assert seen and set(seen) == {1}
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_a_sweep_killed_before_its_first_row_starts_cleanly(tmp_path):
    out = tmp_path / "t.parquet"
    sw.journal_path(out).write_bytes(b'{"run_id": "abc", "err')  # nothing but a cut line
    t = sw.run_sweep(sw.Sweep.from_dict({**TINY, "seeds": [0]}), out, SerialExecutor(), progress=False)
    assert len(t) == 4 and "abc" not in set(t["run_id"])


# --- a sweep of Scan-and-Snap runs ------------------------------------------------------------------------------

FIG6 = Path(__file__).parents[1] / "book" / "scan_snap" / "fig6.yaml"


def test_the_committed_figure6_file_is_the_authors_grid():
    """Syn-Medium at their settings: num_last x eta_Z x eta_Y/eta_Z x 10 seeds, 100 iterations of batch 128."""
    grid = sw.load_sweep(FIG6)
    assert grid.kind == "scan_snap" and len(grid.runs) == 4 * 4 * 4 * 10
    points = {(r.experiment.data.n_queries, r.experiment.train.lr_Z, r.experiment.train.lr_Y / r.experiment.train.lr_Z)
              for r in grid.runs}
    assert points == {(n, z, q) for n in (1, 3, 5, 10) for z in (0.5, 1, 2, 3) for q in (1, 2, 5, 10)}
    for run in grid.runs:
        data, train = run.experiment.data, run.experiment.train
        assert data.n_classes == 2 * data.n_queries and data.seq_len == 128 and data.n_distinct == 10
        assert (train.steps, train.batch, train.momentum, train.init) == (100, 128, 0.9, "linear")
        assert run.experiment.init_range == pytest.approx(1 / np.sqrt(data.M))


def short_fig6() -> sw.Sweep:
    """The Figure-6 file cut to one seed, the first two values of each axis and 4 iterations: 8 runs."""
    return sw.load_sweep(FIG6, seeds=[0], base={"train": {"steps": 4}}, first=2)


def test_a_short_figure6_sweep_runs_through_the_sweep_machinery(tmp_path):
    from cooccur.related import scan_snap as ss

    short = short_fig6()
    table = sw.run_sweep(short, tmp_path / "fig6.parquet", SerialExecutor(), progress=False)
    assert len(table) == 8 and (table["error"] == "").all()
    assert sorted(set(zip(table["num_last"], table["train.lr_Z"], table["axis.lr_ratio"]))) == [
        (n, z, q) for n in (1, 3) for z in (0.5, 1.0) for q in (1, 2)]
    np.testing.assert_allclose(table["train.lr_Y"], table["axis.lr_ratio"] * table["train.lr_Z"])
    assert (table["premise.decoder_faster"] == (table["axis.lr_ratio"] > 1)).all()
    assert not table["premise.zero_init"].any()
    # each row is what the run gives when trained directly, to the bit
    run = short.runs[5]
    row = table.set_index("run_id").loc[run.run_id]
    direct = ss.summary(run.experiment.run())
    assert {key: row[key] for key in direct} == direct
    assert 0 < direct["entropy"] <= np.log(10) and direct["entropy"] != direct["entropy_start"]
    # a second start finds every run done and runs nothing
    again = sw.run_sweep(short, tmp_path / "fig6.parquet", SerialExecutor(), progress=False)
    pd.testing.assert_frame_equal(again, table)


def test_a_process_pool_gives_the_serial_scan_snap_rows(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    serial = sw.run_sweep(short_fig6(), tmp_path / "serial.parquet", SerialExecutor(), progress=False)
    with ProcessPoolExecutor(2) as pool:
        pooled = sw.run_sweep(short_fig6(), tmp_path / "pool.parquet", pool, progress=False)
    pd.testing.assert_frame_equal(comparable(pooled), comparable(serial))


def test_a_failing_scan_snap_run_is_a_row_with_its_error(tmp_path, monkeypatch):
    """(The normalised attention output keeps the loss finite even at absurd rates, so the failure is injected.)"""
    from cooccur.related import scan_snap as ss

    real_run = ss.ScanSnapExperiment.run

    def run_or_fail(self):
        if self.train.lr_Y > 5:
            raise FloatingPointError("the loss became nan at iteration 3")
        return real_run(self)

    monkeypatch.setattr(ss.ScanSnapExperiment, "run", run_or_fail)
    spec = {"kind": "scan_snap", "base": {"train": {"steps": 3}}, "axes": {"lr_ratio": [10, 1]}, "seeds": [0]}
    table = sw.run_sweep(sw.Sweep.from_dict(spec), tmp_path / "t.parquet", SerialExecutor(), progress=False)
    failed, ok = table[table["axis.lr_ratio"] == 10].iloc[0], table[table["axis.lr_ratio"] == 1].iloc[0]
    assert failed["error"] == "FloatingPointError: the loss became nan at iteration 3" and failed["train.lr_Y"] == 10
    assert ok["error"] == "" and np.isfinite(ok["entropy"]) and np.isnan(failed["entropy"])


def test_keep_trajectories_stores_each_scan_snap_run(tmp_path):
    spec = {"kind": "scan_snap", "base": {"train": {"steps": 3}}, "axes": {"lr_ratio": [1, 10]}, "seeds": [0],
            "keep_trajectories": True}
    out = tmp_path / "t.parquet"
    table = sw.run_sweep(sw.Sweep.from_dict(spec), out, SerialExecutor(), progress=False)
    for run_id in table["run_id"]:
        saved = np.load(out.with_name("t.parquet.trajectories") / f"{run_id}.npz")
        assert saved["Z"].shape == (4, 34, 34) and saved["loss"].shape == saved["dZ"].shape == (3,)


@pytest.mark.parametrize(
    "change, named",
    [
        ({"kind": "scan_snapp"},
         "kind: 'scan_snapp' is not a kind of run; allowed: experiment, width_limit, memorisation, scan_snap"),
        ({"base": {"model": {"m": 8}}}, "base.model: unknown section; allowed: data, train"),
        ({"base": {"train": {"lr_Q": 1}}}, "train has no field 'lr_Q'"),
        ({"base": {"train": {"init": "kaiming"}}}, "init must be one of 'zero', 'linear'"),
        ({"axes": {"lr_ratio": [1, -2]}}, "lr_ratio must be a number > 0, got -2"),
        ({"axes": {"num_last": [0]}}, "num_last must be an integer >= 1, got 0"),
        ({"axes": {"init_scale": [1]}}, "axes.init_scale: unknown axis; allowed: data.<field>, train.<field>, "
                                        "num_last, lr_ratio"),
        ({"axes": {"train.seed": [1]}}, "which seeds the weights and every batch"),
    ],
)
def test_a_bad_scan_snap_file_names_the_field(tmp_path, change, named):
    spec = {"kind": "scan_snap", "base": {"train": {"steps": 2}}, "axes": {"lr_ratio": [1, 2]}, "seeds": [0]}
    for key, value in change.items():
        spec[key] = {**spec[key], **value} if isinstance(value, dict) and key != "axes" else value
    with pytest.raises(sw.SweepError) as err:
        sw.Sweep.from_dict(spec)
    assert named in str(err.value)
