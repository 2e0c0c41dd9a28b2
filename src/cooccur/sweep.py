"""Sweeps: many experiments from one YAML file, run on an executor, one tidy table of verdicts.

A sweep file names a base experiment, the axes to vary and the seeds::

    base: {data: {n: 60, L: 5, d: 64}, model: {m: 128, m1: 256, init: theory}, sim: {method: gram, T: 300}}
    axes: {model.m: [64, 128, 256], init_scale: [0.1, 1.0]}
    seeds: [0, 1, 2]          # each seed seeds both the data and the weights
    keep_trajectories: false  # optional: also store every trajectory next to the table

An axis is ``section.field`` for any field of :class:`~cooccur.data.DataConfig`, :class:`~cooccur.model.ModelConfig`
or :class:`~cooccur.flow.SimConfig`, or one of the derived axes of :data:`DERIVED_AXES` (``init_scale``: multiplies
the initial standard deviations of the chosen scheme; ``m1_per_m``: m1 = round(m1_per_m * m); ``horizon_x_rate``:
sim.T in units of the Phase-1 time 1/rate). ``data.d: auto``
(in the base or on an axis) with ``distinct_fillers: true`` gives each run the fewest words its fillers need
(d = 3 + filler slots), so that an n x L grid does not pay for the largest d everywhere. The runs are the
product of the axes and the seeds. Every run's configuration is built, and so validated, before anything runs: a
bad file raises :class:`SweepError` naming the field.

A sweep of another kind of run names it: ``kind: scan_snap`` runs the Scan-and-Snap model
(:class:`~cooccur.related.scan_snap.ScanSnapExperiment`) with sections ``data`` (the fields of
:class:`~cooccur.related.scan_snap.SequenceClasses`) and ``train`` (of
:class:`~cooccur.related.scan_snap.ScanSnapTraining`), and the derived axes of :data:`SCAN_SNAP_AXES`
(``num_last``: that many query tokens, each with ``data.next_per_query`` next tokens; ``lr_ratio``:
lr_Y = lr_ratio * lr_Z); ``seeds`` seed the weights and every batch. Its rows hold the configuration, the premises
of the Scan-and-Snap theorems (``premise.decoder_faster``: lr_Y > lr_Z; ``premise.zero_init``) and what
:func:`cooccur.related.scan_snap.summary` measures (``entropy``, ``common_attention``, ``final_loss``, ...). Every
kind shares the executor, the journal and the table below (:data:`KINDS`).

Two more kinds take the sections and axes of an experiment sweep and make other rows. ``kind: width_limit`` runs
each experiment (normally ``sim.start: wishart``) next to its infinite-width limits (:func:`cooccur.limit.run_pair`):
its rows hold ``T1_x_rate`` of each start, the distances ``limit.dist.<name>`` and ``mean.dist.<name>`` of
:data:`cooccur.limit.DISTANCES`, and the verdicts ``<claim>.holds`` of each start (NaN when undecided).
``kind: memorisation`` runs each to Theorem 3.3's T* (:func:`cooccur.memorisation.run_to_t_star`): ``T1``,
``T_star``, the fillers' share of the margins (``filler_share.initial``, ``filler_share.T1``,
``filler_share.T_star``), ``population_loss.T_star`` and the verdicts. The derived axis ``horizon_x_rate`` sets the
horizon in units of the Phase-1 time, so that a grid over widths and scales reaches T1 everywhere at the same cost.

The table of an experiment sweep (:func:`run_sweep`, :func:`load`) has one row per run: ``run_id`` (a hash of the
run's configuration), the configuration (``data.n``, ``model.m``, ...), the axis values (``axis.<name>``), the premises
(``premise.<key>``), every verdict of :func:`cooccur.claims.check_all` (``<claim>.holds``,
``<claim>.premise_met``, ``<claim>.detail`` and ``<claim>.<measured>``), ``T1``, the final training and
population losses, ``T1_x_rate`` (T1 times the Phase-1 rate (sigma0^2 + sigma1^2) m m1 of
:func:`cooccur.claims.t1_scaling`), the wall time, the version and source hash of the library, and ``error``
(empty unless the run failed).

Writing is resumable and loss-free. Each finished run is appended, as one line written with one system call, to a
journal next to the output (``RESULTS.parquet.journal``); a line cut short by a kill is ignored when read. The
Parquet file is rewritten atomically (a temporary file, then a rename) when the sweep ends or is interrupted, and
then the journal is removed. A sweep started again reads both, skips every run already present, and never keeps
two rows of one run.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import itertools
import json
import math
import os
import re
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from tqdm import tqdm

from cooccur import limit, memorisation
from cooccur.claims import Run, check_all
from cooccur.data import FIRST_FILLER, DataConfig
from cooccur.experiment import Experiment, phase1_horizon
from cooccur.flow import SimConfig
from cooccur.model import ModelConfig, init_std
from cooccur.parallel import as_completed, dask_executor, one_blas_thread, shared_executor
from cooccur.readings import Readings
from cooccur.related.scan_snap import ScanSnapExperiment, ScanSnapTraining, SequenceClasses, summary
from cooccur.store import source_hash, write_atomic
from cooccur.trajectory import Trajectory
from cooccur.validate import check_int

SECTIONS: dict[str, type] = {"data": DataConfig, "model": ModelConfig, "sim": SimConfig}
#: Axes the paper reasons in, each applied to the configuration after the plain fields.
DERIVED_AXES = {
    "init_scale": "multiplies the initial standard deviations sigma0, sigma1 of the chosen scheme (model.init_scale)",
    "m1_per_m": "ties the MLP width to the attention width: m1 = round(m1_per_m * m)",
    "horizon_x_rate": "the horizon in units of the Phase-1 time 1/rate, rate = (sigma0^2 + sigma1^2) m m1 (Lemma 4.1), "
                      "times max(1, s^2): sim.T = horizon_x_rate max(1, s^2) / rate, sim.step = sim.T / 100, so that "
                      "every width and scale reaches its T1 (cooccur.experiment.width_setting's horizon)",
}
#: The derived axes of a ``kind: scan_snap`` sweep.
SCAN_SNAP_AXES = {
    "num_last": "Syn-Medium's number of query tokens: n_classes = num_last * data.next_per_query",
    "lr_ratio": "the decoder's learning rate relative to the attention's: lr_Y = lr_ratio * lr_Z",
}
SCAN_SNAP_SECTIONS: dict[str, type] = {"data": SequenceClasses, "train": ScanSnapTraining}
SWEEP_KEYS = ("kind", "base", "axes", "seeds", "keep_trajectories")
#: :func:`premise_summary` lists at most this many failing points by name.
LISTED_POINTS = 4
#: Runs in flight per worker: enough to keep every worker busy, few enough not to drown the scheduler.
IN_FLIGHT_PER_WORKER = 4


class SweepError(ValueError):
    """A sweep file that cannot run; the message names the field."""


@dataclass(frozen=True)
class SweepRun:
    """One run of a sweep: its id, its values on the axes (and seed) and its experiment (an
    :class:`~cooccur.experiment.Experiment`, or the configuration of the sweep's other kind of run)."""

    run_id: str
    values: dict[str, Any]
    experiment: Experiment | ScanSnapExperiment


@dataclass(frozen=True)
class Sweep:
    """A parsed, validated sweep file (see the module docstring)."""

    base: dict[str, dict[str, Any]]
    axes: dict[str, list[Any]]
    seeds: list[int]
    keep_trajectories: bool = False
    kind: str = "experiment"
    runs: list[SweepRun] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_dict(cls, spec: Any, source: str = "sweep") -> Sweep:
        """Validate ``spec`` (the parsed YAML) and build every run. Raises :class:`SweepError`."""
        if not isinstance(spec, dict):
            raise SweepError(f"{source}: must be a mapping with keys {', '.join(SWEEP_KEYS)}")
        unknown = sorted(set(spec) - set(SWEEP_KEYS))
        if unknown:
            raise SweepError(f"{source}: unknown key(s) {unknown}; allowed: {', '.join(SWEEP_KEYS)}")
        kind_name = spec.get("kind", "experiment")
        if kind_name not in KINDS:
            raise SweepError(f"{source}: kind: {kind_name!r} is not a kind of run; allowed: {', '.join(KINDS)}")
        kind = KINDS[kind_name]
        base = spec.get("base") or {}
        if not isinstance(base, dict):
            raise SweepError(f"{source}: base must be a mapping with sections {', '.join(kind.sections)}")
        for section, values in base.items():
            if section not in kind.sections:
                raise SweepError(f"{source}: base.{section}: unknown section; allowed: {', '.join(kind.sections)}")
            if not isinstance(values, dict):
                raise SweepError(f"{source}: base.{section} must be a mapping of field: value")
            for name in values:
                _check_field(f"{section}.{name}", f"{source}: base.{section}.{name}", kind)
                if name == "seed":
                    raise SweepError(f"{source}: base.{section}.seed: seeds are set by the 'seeds' list, which "
                                     f"{kind.seeds}")
        axes = spec.get("axes") or {}
        if not isinstance(axes, dict):
            raise SweepError(f"{source}: axes must be a mapping of axis: [values]")
        for name, values in axes.items():
            where = f"{source}: axes.{name}"
            if name not in kind.derived_axes:
                _check_field(name, where, kind)
            if name.endswith(".seed"):
                raise SweepError(f"{where}: seeds are set by the 'seeds' list, which {kind.seeds}")
            if not isinstance(values, list) or not values:
                raise SweepError(f"{where}: needs a non-empty list of values")
            if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
                raise SweepError(f"{where}: repeats a value")
        seeds = spec.get("seeds", [0])
        if not isinstance(seeds, list) or not seeds:
            raise SweepError(f"{source}: seeds must be a non-empty list of integers >= 0")
        for s in seeds:
            if not isinstance(s, int) or isinstance(s, bool) or s < 0:
                raise SweepError(f"{source}: seeds: {s!r} is not an integer >= 0")
        if len(set(seeds)) != len(seeds):
            raise SweepError(f"{source}: seeds repeat a value")
        keep = spec.get("keep_trajectories", False)
        if not isinstance(keep, bool):
            raise SweepError(f"{source}: keep_trajectories must be true or false")
        sweep = cls({k: dict(v) for k, v in base.items()}, {k: list(v) for k, v in axes.items()}, list(seeds), keep,
                    kind_name)
        object.__setattr__(sweep, "runs", sweep._build_runs(source))
        return sweep

    def _build_runs(self, source: str) -> list[SweepRun]:
        runs = []
        names = list(self.axes)
        build = KINDS[self.kind].build
        for combo in itertools.product(*(self.axes[n] for n in names)):
            values = dict(zip(names, combo))
            for seed in self.seeds:
                where = ", ".join(f"{k}={v!r}" for k, v in values.items()) or "base"
                try:
                    exp = build(self.base, values, seed)
                except (ValueError, TypeError) as err:
                    raise SweepError(f"{source}: at {where}, seed {seed}: {err}") from None
                runs.append(SweepRun(run_id(exp), {**values, "seed": seed}, exp))
        ids = [r.run_id for r in runs]
        if len(set(ids)) != len(ids):
            raise SweepError(f"{source}: two points of the grid give the same experiment (an axis has no effect)")
        return runs


QUICK_KEYS = ("seeds", "base", "first", "axes")
#: Quick mode on a sweep file that does not say what its quick mode changes: its first seed, the first two values
#: of each axis.
DEFAULT_QUICK = {"first": 2}


def load_sweep(path: str | os.PathLike, *, quick: bool = False, seeds: list[int] | None = None,
               base: dict[str, dict[str, Any]] | None = None, first: int | None = None,
               axes: dict[str, list[Any]] | None = None) -> Sweep:
    """Read and validate a sweep file (YAML). ``seeds`` replaces the file's seeds, ``base`` updates fields of its
    base experiment, ``first`` keeps the first values of each axis only and ``axes`` replaces the values of the
    axes it names (each must be an axis of the file). A file may say what its chapter's quick mode changes, under
    ``quick:`` with those same four keys (e.g. ``{seeds: [0], base: {sim: {T: 30}}, first: 2}``): ``quick=True``
    applies them, or on a file without that section its first seed and :data:`DEFAULT_QUICK` (the keywords given
    here win)."""
    path = Path(path)
    try:
        spec = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise SweepError(f"{path}: cannot read the sweep file: {err}") from None
    if isinstance(spec, dict):
        smoke = spec.pop("quick", None)
        if smoke is None:
            seeds_of_file = spec.get("seeds")
            smoke = {**DEFAULT_QUICK, **({"seeds": seeds_of_file[:1]} if isinstance(seeds_of_file, list) else {})}
        if not isinstance(smoke, dict) or set(smoke) - set(QUICK_KEYS):
            raise SweepError(f"{path}: quick must be a mapping with keys among {', '.join(QUICK_KEYS)}")
        if quick:
            seeds = smoke.get("seeds") if seeds is None else seeds
            base = smoke.get("base") if base is None else base
            first = smoke.get("first") if first is None else first
            axes = smoke.get("axes") if axes is None else axes
        if seeds is not None:
            spec["seeds"] = list(seeds)
        for section, values in (base or {}).items():
            spec.setdefault("base", {}).setdefault(section, {}).update(values)
        if first is not None and isinstance(spec.get("axes"), dict):
            spec["axes"] = {name: values[:first] if isinstance(values, list) else values
                            for name, values in spec["axes"].items()}
        for name, values in (axes or {}).items():
            if name not in (spec.get("axes") or {}):
                raise SweepError(f"{path}: axes.{name}: not an axis of this file; its axes: "
                                 f"{', '.join(spec.get('axes') or {}) or 'none'}")
            spec["axes"][name] = list(values)
    return Sweep.from_dict(spec, source=str(path))


def _check_field(name: str, where: str, kind: RunKind) -> None:
    section, _, field_name = name.partition(".")
    if section not in kind.sections or not field_name:
        allowed = ", ".join([*(f"{s}.<field>" for s in kind.sections), *kind.derived_axes])
        raise SweepError(f"{where}: unknown axis; allowed: {allowed}")
    names = [f.name for f in dataclasses.fields(kind.sections[section])]
    if field_name not in names:
        raise SweepError(f"{where}: {section} has no field {field_name!r}; its fields: {', '.join(names)}")


def experiment_at(base: dict[str, dict[str, Any]], values: dict[str, Any], seed: int) -> Experiment:
    """The experiment at one point of a sweep: ``base``, then the plain axes, then the derived ones; ``seed`` seeds
    the data and the weights. The model's ``d`` follows the data's unless set."""
    spec = _with_plain_axes(base, values, SECTIONS, DERIVED_AXES)
    spec["data"]["seed"] = seed
    spec["model"]["seed"] = seed
    if "init_scale" in values:
        spec["model"]["init_scale"] = values["init_scale"]
    if "m1_per_m" in values:
        ratio = _positive("m1_per_m", values["m1_per_m"])
        m = spec["model"].get("m", ModelConfig.m)
        spec["model"]["m1"] = max(1, round(ratio * m))
    if "proportions" in spec["data"]:
        spec["data"]["proportions"] = tuple(spec["data"]["proportions"])
    if spec["data"].get("d") == "auto":
        if not spec["data"].get("distinct_fillers"):
            raise ValueError("d: 'auto' (the fewest words distinct fillers need) needs distinct_fillers: true")
        probe = DataConfig(**{**spec["data"], "d": 4, "distinct_fillers": False})
        spec["data"]["d"] = FIRST_FILLER + probe.fillers_needed()
    if "horizon_x_rate" in values:
        horizon = _positive("horizon_x_rate", values["horizon_x_rate"])
        probe = Experiment.from_dict(spec)
        T = phase1_horizon(probe.model, probe.data.L, horizon)
        spec["sim"].update(T=T, step=T / 100)
    return Experiment.from_dict(spec)


def scan_snap_at(base: dict[str, dict[str, Any]], values: dict[str, Any], seed: int) -> ScanSnapExperiment:
    """The Scan-and-Snap run at one point of a ``kind: scan_snap`` sweep: ``base``, then the plain axes, then
    ``num_last`` and ``lr_ratio`` (:data:`SCAN_SNAP_AXES`); ``seed`` seeds the weights and every batch."""
    spec = _with_plain_axes(base, values, SCAN_SNAP_SECTIONS, SCAN_SNAP_AXES)
    spec["train"]["seed"] = seed
    if "num_last" in values:
        num_last = values["num_last"]
        check_int("num_last", num_last, 1)
        spec["data"]["n_classes"] = num_last * spec["data"].get("next_per_query", SequenceClasses.next_per_query)
    if "lr_ratio" in values:
        ratio = _positive("lr_ratio", values["lr_ratio"])
        spec["train"]["lr_Y"] = ratio * spec["train"].get("lr_Z", ScanSnapTraining.lr_Z)
    return ScanSnapExperiment.from_dict(spec)


def _with_plain_axes(base: dict[str, dict[str, Any]], values: dict[str, Any], sections: dict[str, type],
                     derived: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A copy of ``base`` with a mapping for every section, and the values of the plain (``section.field``) axes
    set; the derived axes are left to the caller."""
    spec = {section: dict(base.get(section, {})) for section in sections}
    for name, value in values.items():
        if name not in derived:
            section, _, field_name = name.partition(".")
            spec[section][field_name] = value
    return spec


def _positive(name: str, value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {value!r}")
    return value


def run_id(experiment: Experiment | ScanSnapExperiment) -> str:
    """A hash of the run's configuration: the same configuration has the same id in every sweep."""
    return hashlib.sha256(json.dumps(experiment.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


# --- one run ---------------------------------------------------------------------------------------------------


def run_one(experiment: Experiment, keep_trajectory: bool = False) -> tuple[dict[str, Any], Trajectory | None]:
    """Simulate ``experiment``, check every claim on it and return (row, trajectory if kept).

    Never raises for a failing run: a divergence or any other error becomes a row whose ``error`` says what
    happened (the configuration columns are still there). NumPy's BLAS runs on one thread throughout.
    """
    def measure() -> tuple[dict[str, Any], Trajectory]:
        with one_blas_thread():
            traj = experiment.simulate()
            verdicts = check_all(experiment, traj)
            prem = Run(experiment, traj).premises  # the configuration's, and lazy_phase1 from the run
        fields: dict[str, Any] = {f"premise.{key}": premise.met for key, premise in prem.items()}
        for claim, verdict in verdicts.items():
            fields[f"{claim}.holds"] = bool(verdict.holds)
            fields[f"{claim}.premise_met"] = bool(verdict.premise_met)
            fields[f"{claim}.by_construction"] = bool(verdict.by_construction)
            fields[f"{claim}.undecided"] = bool(verdict.undecided)
            fields[f"{claim}.detail"] = verdict.detail
            for name, value in verdict.measured.items():
                fields[f"{claim}.{name}"] = _number(value)
        fields["T1"] = float(traj.T1)
        fields["T1_x_rate"] = float(traj.T1) * (row["sigma0"] ** 2 + row["sigma1"] ** 2) * row["model.m"] * row[
            "model.m1"]
        fields["final_loss"] = float(traj.loss[-1])
        fields["population_loss"] = _number(verdicts["thm3.3.population"].measured.get("population_loss"))
        fields["n_grad_evals"] = int(traj.n_grad_evals)
        return fields, traj

    row: dict[str, Any] = config_columns(experiment)
    traj = _measure_into(row, measure)
    return row, traj if keep_trajectory else None


def run_width_limit(experiment: Experiment,
                    keep_trajectory: bool = False) -> tuple[dict[str, Any], Trajectory | None]:
    """A row of a ``kind: width_limit`` sweep: ``experiment`` at width m next to its infinite-width limits
    (:func:`cooccur.limit.run_pair`: T1, distances, verdicts)."""
    return _row_of(limit.run_pair, experiment, keep_trajectory)


def run_memorisation(experiment: Experiment,
                     keep_trajectory: bool = False) -> tuple[dict[str, Any], Trajectory | None]:
    """A row of a ``kind: memorisation`` sweep: the filler share of the margins and the population loss at T*
    (:func:`cooccur.memorisation.run_to_t_star`)."""
    return _row_of(memorisation.run_to_t_star, experiment, keep_trajectory)


def _row_of(measure_run: Callable[[Experiment, bool], tuple[dict[str, Any], Trajectory | None]],
            experiment: Experiment, keep_trajectory: bool) -> tuple[dict[str, Any], Trajectory | None]:
    """The configuration columns of ``experiment`` and what ``measure_run(experiment, keep_trajectory)`` returns,
    on one BLAS thread. Like :func:`run_one`, a failure becomes a row whose ``error`` says what happened."""

    def measure() -> tuple[dict[str, Any], Trajectory | None]:
        with one_blas_thread():
            return measure_run(experiment, keep_trajectory)

    row: dict[str, Any] = config_columns(experiment)
    traj = _measure_into(row, measure)
    return row, traj


def _measure_into(row: dict[str, Any], measure: Callable[[], tuple[dict[str, Any], Any]]) -> Any:
    """Call ``measure`` (returning the row's result columns and the run) and add its columns to ``row``, with
    ``error`` (empty, or the exception that stopped the run: a failing run is a row, not a crash of the sweep),
    ``wall_time`` and ``host``. Returns the run, or None when it failed."""
    start = time.perf_counter()
    try:
        fields, result = measure()
        row.update(fields)
        row["error"] = ""
    except Exception as err:  # noqa: BLE001 -- recorded in the row
        row["error"] = f"{type(err).__name__}: {err}"
        result = None
    row["wall_time"] = time.perf_counter() - start
    row["host"] = f"{socket.gethostname()}:{os.getpid()}"
    return result


def config_columns(experiment: Experiment) -> dict[str, Any]:
    """The configuration as flat columns (``data.n``, ``model.m``, ...), the effective initial standard deviations
    and the library's version and source hash."""
    row = {key: json.dumps(list(value)) if isinstance(value, tuple | list) else value
           for key, value in experiment.flat().items()}
    row["sigma0"], row["sigma1"] = init_std(experiment.model, experiment.data.L)
    row["version"] = version("cooccur")
    row["source_hash"] = source_hash()[:16]
    return row


def run_scan_snap(experiment: ScanSnapExperiment,
                  keep_trajectory: bool = False) -> tuple[dict[str, Any], Any]:
    """Train one Scan-and-Snap run and return (row, the run if kept): its configuration, the premises of their
    theorems and :func:`~cooccur.related.scan_snap.summary`. Like :func:`run_one`, a failure (a diverging loss)
    becomes a row whose ``error`` says what happened."""
    row = scan_snap_columns(experiment)
    row["premise.decoder_faster"] = experiment.train.lr_Y > experiment.train.lr_Z
    row["premise.zero_init"] = experiment.train.init == "zero"

    def measure() -> tuple[dict[str, float], Any]:
        run = experiment.run()
        return summary(run), run

    run = _measure_into(row, measure)
    return row, run if keep_trajectory else None


def scan_snap_columns(experiment: ScanSnapExperiment) -> dict[str, Any]:
    """The configuration of a Scan-and-Snap run as flat columns, with the vocabulary size ``M``, the number of
    query tokens ``num_last``, the half-width of the initialisation and the library's version and source hash."""
    row = dict(experiment.flat())
    row["M"] = experiment.data.M
    row["num_last"] = experiment.data.n_queries
    row["init_range"] = experiment.init_range
    row["version"] = version("cooccur")
    row["source_hash"] = source_hash()[:16]
    return row


@dataclass(frozen=True)
class RunKind:
    """What a sweep needs to know about a kind of run: its configuration sections and derived axes, how to build
    the run at a point of the grid, how to run it into a row, and the configuration columns of a run that failed
    before it returned a row. ``seeds`` says in the error messages what a sweep's seed seeds."""

    sections: dict[str, type]
    derived_axes: dict[str, str]
    build: Callable[[dict[str, dict[str, Any]], dict[str, Any], int], Any]
    run: Callable[[Any, bool], tuple[dict[str, Any], Any]]
    columns: Callable[[Any], dict[str, Any]]
    seeds: str


#: The kinds of run a sweep file can name with ``kind:`` (default ``experiment``).
KINDS: dict[str, RunKind] = {
    "experiment": RunKind(SECTIONS, DERIVED_AXES, experiment_at, run_one, config_columns,
                          "seeds the data and the weights"),
    "width_limit": RunKind(SECTIONS, DERIVED_AXES, experiment_at, run_width_limit, config_columns,
                           "seeds the data and the weights"),
    "memorisation": RunKind(SECTIONS, DERIVED_AXES, experiment_at, run_memorisation, config_columns,
                            "seeds the data and the weights"),
    "scan_snap": RunKind(SCAN_SNAP_SECTIONS, SCAN_SNAP_AXES, scan_snap_at, run_scan_snap, scan_snap_columns,
                         "seeds the weights and every batch"),
}


def _number(value: Any) -> float:
    if value is None:
        return math.nan
    return float(value)


# --- the table --------------------------------------------------------------------------------------------------


def journal_path(out: str | os.PathLike) -> Path:
    return Path(f"{out}.journal")


def load_table(path: str | os.PathLike) -> pd.DataFrame:
    """The results table of a sweep: the Parquet file and any rows still only in its journal, one row per run (a
    run retried after a failure, ``retry_failed``, keeps its latest row)."""
    path = Path(path)
    frames = []
    if path.exists():
        frames.append(pd.read_parquet(path))
    journal = _read_journal(journal_path(path))
    if journal:
        frames.append(pd.DataFrame(journal))
    if not frames:
        raise FileNotFoundError(f"no sweep results at {path}")
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return table.drop_duplicates("run_id", keep="last").reset_index(drop=True)


def _read_journal(path: Path) -> list[dict[str, Any]]:
    """Rows of a journal; a last line without its newline (cut short by a kill) is ignored."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        if line.strip():
            rows.append(json.loads(line))
    return rows


def _append(fd: int, row: dict[str, Any]) -> None:
    """Append one row as one line with one write: a kill leaves the journal with the whole line or a cut one."""
    data = (json.dumps(row, allow_nan=True) + "\n").encode()
    if os.write(fd, data) != len(data):
        raise OSError("short write to the sweep journal")


def _consolidate(out: Path) -> pd.DataFrame:
    """Rewrite ``out`` atomically with every row of ``out`` and of its journal, then remove the journal."""
    journal = journal_path(out)
    table = load_table(out)
    write_atomic(out, lambda fh: table.to_parquet(fh, index=False))
    journal.unlink(missing_ok=True)
    return table


def _repair_journal(path: Path) -> None:
    """Cut a last line left half-written by a kill, so that new lines start on a line of their own."""
    if path.exists():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)


# --- running ----------------------------------------------------------------------------------------------------


def table_readings(tables: dict[str, pd.DataFrame], count: str = "rows") -> Readings:
    """Per results table: its rows (``<name>_<count>``), the runs that failed (``<name>_errors``), and the median
    seconds of a finished run (``<name>_seconds``, a fact about this machine, kept out of the manifest)."""
    out = Readings()
    for name, table in tables.items():
        out.numbers.update({f"{name}_{count}": len(table), f"{name}_errors": int((table["error"] != "").sum())})
        out.unrecorded[f"{name}_seconds"] = float(finished(table)["wall_time"].median())
    return out


def tables_dir(path: str | os.PathLike, fresh: bool = True) -> Path:
    """The folder a chapter writes its result tables to; with ``fresh`` (every book build) it is emptied first, so
    every table is recomputed, and without, :func:`run_sweep` resumes each table where it stopped."""
    path = Path(path)
    if fresh and path.exists():
        shutil.rmtree(path)
    return path


def run_sweep(
    sweep: Sweep,
    out: str | os.PathLike,
    executor: concurrent.futures.Executor | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    in_flight: int | None = None,
    progress: bool = True,
    retry_failed: bool = False,
) -> pd.DataFrame:
    """Run every run of ``sweep`` not yet in ``out`` and return the whole table (:func:`load`).

    Args:
        sweep: from :func:`load_sweep` or :meth:`Sweep.from_dict`.
        out: the Parquet file; its journal and kept trajectories go next to it.
        executor: any :class:`concurrent.futures.Executor` (a process pool, ``client.get_executor()`` of dask, or
            :class:`cooccur.parallel.SerialExecutor`). Default: the running cluster at ``scheduler``
            (``tcp://HOST:PORT``), else this process's local cluster of ``workers`` workers
            (:func:`cooccur.parallel.shared_executor`, kept for later sweeps).
        in_flight: runs submitted and not yet finished, at most (default: :data:`IN_FLIGHT_PER_WORKER` per
            worker); the rest are submitted as these finish.
        progress: a progress bar of runs done / total with the rate.
        retry_failed: also run again the runs whose row holds an error (e.g. a worker lost three times); the new
            row replaces the old one.
    """
    if executor is None and scheduler is not None:
        with dask_executor(scheduler=scheduler) as dask:
            return run_sweep(sweep, out, dask, in_flight=in_flight, progress=progress, retry_failed=retry_failed)
    if executor is None:
        executor = shared_executor(workers, quiet=False)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    journal = journal_path(out)
    _repair_journal(journal)
    done = load_table(out)[["run_id", "error"]] if out.exists() or _read_journal(journal) else pd.DataFrame(
        columns=["run_id", "error"])
    if retry_failed:
        done = done[done["error"].fillna("") == ""]
    done = set(done["run_id"])
    todo = [r for r in sweep.runs if r.run_id not in done]
    n_workers = getattr(executor, "n_workers", None) or getattr(executor, "_max_workers", None) or 1
    limit = in_flight or IN_FLIGHT_PER_WORKER * n_workers
    traj_dir = out.with_name(f"{out.name}.trajectories")
    kind = KINDS[sweep.kind]
    bar = tqdm(total=len(sweep.runs), initial=len(sweep.runs) - len(todo), unit="run", desc="sweep",
               disable=not progress, smoothing=0.1)
    fd = os.open(journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    pending: dict[Any, SweepRun] = {}
    queue = iter(todo)
    try:
        while True:
            for run in itertools.islice(queue, max(0, limit - len(pending))):
                pending[executor.submit(kind.run, run.experiment, sweep.keep_trajectories)] = run
            if not pending:
                break
            future = next(as_completed(pending))
            run = pending.pop(future)
            try:
                row, traj = future.result()
            except Exception as err:  # noqa: BLE001 -- e.g. a worker killed too often; recorded, not fatal
                row, traj = {**kind.columns(run.experiment), "error": f"{type(err).__name__}: {err}"}, None
            row = {"run_id": run.run_id, **{f"axis.{k}": v for k, v in run.values.items()}, **row}
            if traj is not None:
                traj.save(traj_dir / f"{run.run_id}.npz")
            _append(fd, row)
            bar.update(1)
    finally:
        os.close(fd)
        bar.close()
        for future in pending:
            with contextlib.suppress(Exception):
                future.cancel()
        if out.exists() or _read_journal(journal):
            _consolidate(out)
    return load_table(out)


def finished(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of runs that finished (no error)."""
    return table[table["error"].fillna("") == ""]


def verdict_columns(table: pd.DataFrame) -> list[str]:
    """The claims present in a results table (those with a ``<claim>.holds`` column)."""
    return [c.removesuffix(".holds") for c in table.columns if c.endswith(".holds")]


def holds_fraction(table: pd.DataFrame, claim: str, by: list[str]) -> pd.DataFrame:
    """Per point of ``by``: the fraction of finished runs on which ``claim`` holds, the fraction on which its
    premises hold, and the number of runs (failed runs excluded and counted in ``errors``). Runs on which the
    verdict is undecided (``<claim>.undecided``) are left out of the fraction that holds (NaN where all are)."""
    done = finished(table)
    holds = done[f"{claim}.holds"].astype(float).where(~_flag(done, f"{claim}.undecided"))
    grouped = done.assign(_holds=holds).groupby(by)
    frame = pd.DataFrame({
        "holds": grouped["_holds"].mean().astype(float),
        "premise_met": grouped[f"{claim}.premise_met"].mean().astype(float),
        "runs": grouped.size(),
    })
    errors = table[table["error"].fillna("") != ""].groupby(by).size()
    frame["errors"] = errors.reindex(frame.index).fillna(0).astype(int)
    return frame.reset_index()


def premise_summary(table: pd.DataFrame, claims: list[str] | None = None) -> pd.DataFrame:
    """Per claim, over the finished runs: how many had the claim's own premises met and on what fraction of those
    it holds, the same for the runs outside its premises, where it failed inside its premises (the points, as
    ``axis=value``, or their number when there are more than :data:`LISTED_POINTS`), and the most common reason
    given there (the part of the verdict's detail after "fails: "; a detail made of numbers is one failing run's),
    and every cause given there with its runs (``causes``, :func:`failure_causes`).
    Runs on which the claim holds by construction (``<claim>.by_construction``) are left out of every count and
    counted in ``by_construction`` instead; runs on which its verdict is undecided (``<claim>.undecided``: the run
    ended before it could be decided, or its record lacks what the claim reads) likewise, counted in
    ``undecided_inside`` and ``undecided_outside``."""
    finished_runs = finished(table)
    axes = [c for c in finished_runs.columns if c.startswith("axis.") and c != "axis.seed"
            and finished_runs[c].nunique() > 1]
    rows = []
    for claim in claims or verdict_columns(finished_runs):
        built = _flag(finished_runs, f"{claim}.by_construction")
        open_ = _flag(finished_runs, f"{claim}.undecided") & ~built
        open_met = finished_runs[open_][f"{claim}.premise_met"].astype(bool)
        ok = finished_runs[~built & ~open_]
        met = ok[f"{claim}.premise_met"].astype(bool)
        holds = ok[f"{claim}.holds"].astype(bool)
        failing = ok[met & ~holds][axes].drop_duplicates()
        points_inside = len(ok[met][axes].drop_duplicates())
        details = ok[met & ~holds].get(f"{claim}.detail", pd.Series(dtype=str)).dropna()
        reasons = details.str.extract(r"fails: (.*)$")[0].fillna(details)
        if len(failing) <= LISTED_POINTS:
            where = "; ".join(_point(point) for _, point in failing.iterrows())
        else:
            where = f"{len(failing)} of the {points_inside} points inside"
        rows.append({
            "claim": claim,
            "runs_inside": int(met.sum()),
            "holds_inside": float(holds[met].mean()) if met.any() else math.nan,
            "runs_outside": int((~met).sum()),
            "holds_outside": float(holds[~met].mean()) if (~met).any() else math.nan,
            "fails_inside_at": where,
            "reason": reasons.mode().iloc[0] if len(reasons) else "",
            "causes": failure_causes(reasons),
            "by_construction": int(built.sum()),
            "undecided_inside": int(open_met.sum()),
            "undecided_outside": int((~open_met).sum()),
        })
    return pd.DataFrame(rows)


_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")  # not the 1 of G1 or mu_1


def failure_causes(reasons: pd.Series) -> str:
    """Every cause named in ``reasons`` (the part of each failing run's detail after "fails: "), each once with the
    number of runs that give it: causes joined by "; " in one detail count separately, and causes that
    differ only in their numbers are one cause, its numbers shown as the range over those runs, e.g.
    "G1+G3 on the wrong side until t = 114-566 T1 (3 runs)"."""
    groups: dict[str, list[list[float]]] = {}
    for reason in reasons:
        for cause in str(reason).split("; "):
            cause = cause.strip()
            if cause:
                groups.setdefault(_NUMBER.sub("{}", cause.replace("{", "(").replace("}", ")")), []).append(
                    [float(x) for x in _NUMBER.findall(cause)])
    parts = []
    for pattern, numbers in sorted(groups.items(), key=lambda item: -len(item[1])):
        ranges = [f"{min(col):.3g}" if min(col) == max(col) else f"{min(col):.3g}-{max(col):.3g}"
                  for col in zip(*numbers)]
        parts.append(f"{pattern.format(*ranges)} ({len(numbers)} run{'s' if len(numbers) > 1 else ''})")
    return "; ".join(parts)


def _flag(table: pd.DataFrame, column: str) -> pd.Series:
    """A boolean column of ``table`` (False where absent: tables written before the column existed)."""
    return table.get(column, pd.Series(False, index=table.index)).fillna(False).astype(bool)


def _point(values: pd.Series) -> str:
    return ", ".join(f"{name.removeprefix('axis.')}={value:g}" for name, value in values.items())


__all__ = [
    "DERIVED_AXES", "KINDS", "SCAN_SNAP_AXES", "RunKind", "Sweep", "SweepError", "SweepRun",
    "experiment_at", "finished", "premise_summary", "run_scan_snap", "scan_snap_at",
    "holds_fraction", "load_table", "load_sweep", "run_id", "run_one", "run_sweep", "verdict_columns",
]
