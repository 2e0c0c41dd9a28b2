"""An experiment = data config + model config + simulator options -> trajectory, cached on disk.

The cache key is a SHA-256 of the three configs, of the source of every module of this package and of the
versions of NumPy, SciPy and PyTorch, so a rebuild reuses a run and any code change invalidates it. Files are
written atomically (:meth:`cooccur.trajectory.Trajectory.save`): the cache holds complete results or nothing.

The cache folder is ``$COOCCUR_CACHE_DIR`` if set, else ``~/.cache/cooccur``. It is bounded: after each write the
least recently used trajectories (a load counts as a use) are removed until the folder holds at most
``$COOCCUR_CACHE_MAX_BYTES`` (default :data:`DEFAULT_CACHE_LIMIT`, 2 GiB; a gradient-descent trajectory of the
paper's setting takes about 23 MB). ``python -m cooccur cache --info / --prune`` shows and trims it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import torch
from tqdm import tqdm

from cooccur.coordinates import GramState
from cooccur.data import DataConfig, make_dataset
from cooccur.flow import Method, SimConfig, simulate
from cooccur.model import ModelConfig, Params, init_params, phase1_rate
from cooccur.trajectory import Trajectory
from cooccur.validate import check_choice

PACKAGE_DIR = Path(__file__).resolve().parent
#: Size limit of the run cache when ``$COOCCUR_CACHE_MAX_BYTES`` is not set.
DEFAULT_CACHE_LIMIT = 2 * 1024**3


@dataclass(frozen=True)
class Experiment:
    """A fully specified run. ``model.d`` must equal ``data.d``."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    sim: SimConfig = field(default_factory=SimConfig)

    def __post_init__(self) -> None:
        if self.model.d != self.data.d:
            raise ValueError(f"model.d={self.model.d} must equal data.d={self.data.d}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": dataclasses.asdict(self.data),
            "model": dataclasses.asdict(self.model),
            "sim": dataclasses.asdict(self.sim),
        }

    def flat(self) -> dict[str, Any]:
        """The configuration as ``{"section.field": value}``, e.g. ``{"data.n": 60, "model.m": 128, ...}``."""
        return {f"{section}.{name}": value
                for section, fields in self.to_dict().items() for name, value in fields.items()}

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> Experiment:
        """Build from a dict with optional keys "data", "model", "sim" (unknown keys are an error)."""
        unknown = set(spec) - {"data", "model", "sim"}
        if unknown:
            raise ValueError(f"unknown section(s) {sorted(unknown)}; allowed: data, model, sim")
        data_spec = dict(spec.get("data", {}))
        if "proportions" in data_spec:
            data_spec["proportions"] = tuple(data_spec["proportions"])
        data = _build(DataConfig, data_spec, "data")
        model_spec = {"d": data.d, **spec.get("model", {})}
        return cls(data, _build(ModelConfig, model_spec, "model"), _build(SimConfig, spec.get("sim", {}), "sim"))

    def key(self) -> str:
        """Cache key: hash of the configs, the package source and the numerical libraries' versions."""
        h = hashlib.sha256()
        h.update(json.dumps(self.to_dict(), sort_keys=True).encode())
        h.update(f"numpy {np.__version__} scipy {scipy.__version__} torch {torch.__version__}".encode())
        h.update(source_hash().encode())
        return h.hexdigest()[:24]

    def simulate(self, progress: bool = False, times: np.ndarray | None = None) -> Trajectory:
        """Run without the cache; ``times`` replaces the recording grid of ``sim`` (e.g. to compare engines at the
        same times)."""
        data = make_dataset(self.data)
        start = initial_state(self)
        traj = simulate(data, start, self.sim, progress=progress, times=times)
        traj.meta = {"experiment": self.to_dict(), "key": self.key()}
        return traj

    def run(self, cache_dir: str | os.PathLike | None = None, progress: bool = False, cache: bool = True) -> Trajectory:
        """The trajectory of this experiment: from the cache if there, else simulated and then cached.

        With ``cache=False`` it is simulated and not stored: right for the adaptive engine at the paper's sizes,
        which takes well under a second, while a stored trajectory takes tens of megabytes.
        """
        if not cache:
            return self.simulate(progress=progress)
        path = cache_path(self, cache_dir)
        if path.exists():
            traj = Trajectory.load(path)
            with contextlib.suppress(OSError):  # another process may have pruned it meanwhile; the run is loaded
                os.utime(path)  # most recently used
            return traj
        traj = self.simulate(progress=progress)
        traj.save(path)
        prune_cache(cache_dir, keep=path)
        return traj


def initial_state(exp: Experiment) -> Params | GramState:
    """Where ``exp`` starts (``exp.sim.start``): the weights of :func:`cooccur.model.init_params` ("params"), a draw
    of their Gram quantities (:meth:`GramState.draw`, "wishart"), every Gram quantity at its expectation
    (:meth:`GramState.limit`, "mean"), or their infinite-width limit with the "wishart" draw's G(0) ("limit")."""
    start, model, L = exp.sim.start, exp.model, exp.data.L
    if start == "params":
        return init_params(model, L)
    if start == "mean":
        return GramState.limit(model, L)
    drawn = GramState.draw(model, L)
    return drawn if start == "wishart" else GramState.limit(model, L, G=drawn.G)


def paper_setting(
    seed: int = 0,
    *,
    init: str = "theory",
    method: Method = "gram",
    T: float = 300.0,
    step: float = 0.01,
    data: dict[str, Any] | None = None,
    model: dict[str, Any] | None = None,
) -> Experiment:
    """The paper's experiment (n=60, L=5, d=64, m=128, m1=256, horizon 300), one seed for data and weights.

    ``data`` and ``model`` override fields of :class:`DataConfig` and :class:`ModelConfig`; the model's ``d``
    follows the data's.
    """
    data_cfg = DataConfig(**{"seed": seed, **(data or {})})
    model_cfg = ModelConfig(**{"d": data_cfg.d, "init": init, "seed": seed, **(model or {})})
    return Experiment(data_cfg, model_cfg, SimConfig(T=T, method=method, step=step))


def figure1_reading(
    seed: int, *, init: str = "kaiming", loss: str = "mean", train_a: bool = False, iterations: int = 30_000,
    lr: float = 0.01,
) -> Experiment:
    """The paper's Figure-1 experiment under one reading of what it leaves unstated: which "Kaiming" (``init``),
    whether the loss is the mean or the sum over the 60 samples (``loss``), and whether ``a`` is trained.

    Gradient descent on the sum with learning rate ``lr`` is gradient descent on the mean with ``lr * n``; the
    run is built that way, so iteration k is still flow time k * step.
    """
    check_choice("loss", loss, ("mean", "sum"))
    base = paper_setting(seed, init=init, method="euler")
    step = lr * (base.data.n if loss == "sum" else 1)
    sim = SimConfig(T=step * iterations, method="euler", step=step, train_a=train_a)
    return Experiment(base.data, base.model, sim)


#: A setting where the premises of the theorems hold (see :func:`cooccur.claims.premises`): the paper's n and L,
#: every filler word used once (Assumption 2.3(ii): 160 filler slots need d = 163), m >= m1 (Condition 1) and a
#: small initialisation sigma0 = sigma1 = 0.01, which makes the initial output small (Lemma 4.2's premise).
PREMISE_DATA = {"n": 60, "L": 5, "d": 163, "distinct_fillers": True}
PREMISE_MODEL = {"m": 128, "m1": 128, "sigma0": 0.01, "sigma1": 0.01}


def premise_setting(seed: int = 0, *, T: float = 300.0, data: dict[str, Any] | None = None,
                    model: dict[str, Any] | None = None) -> Experiment:
    """The paper's setting changed just enough for every premise to hold: :data:`PREMISE_DATA`,
    :data:`PREMISE_MODEL`, theory initialisation, adaptive flow; ``data``/``model`` override further fields."""
    return paper_setting(
        seed, init="theory", method="gram", T=T, data={**PREMISE_DATA, **(data or {})},
        model={**PREMISE_MODEL, **(model or {})},
    )


def both_settings(n_seeds: int, T: float = 300.0) -> dict[str, list[Experiment]]:
    """``{"paper": [...], "premise": [...]}``: :func:`paper_setting` and :func:`premise_setting` for seeds 0 to
    ``n_seeds - 1``, the two settings every verdict of the book is shown on."""
    return {"paper": [paper_setting(s, T=T) for s in range(n_seeds)],
            "premise": [premise_setting(s, T=T) for s in range(n_seeds)]}


def run_many(
    experiments: list[Experiment],
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    desc: str = "runs",
    cache: bool | None = None,
    workers: int | None = None,
) -> list[Trajectory]:
    """Run (or load from the cache) several experiments, in parallel, with one progress bar over them.

    ``cache=None`` caches gradient-descent runs only: the adaptive flow takes well under a second and is cheaper
    to recompute than to store. Runs already cached are loaded here; the others go to the process's shared local
    dask cluster (:func:`cooccur.sweep.shared_executor`) with ``workers`` single-threaded workers (default
    ``$COOCCUR_WORKERS``, else one per core), or are run here one after the other when that is 1 or only one run
    is left. Either way the results are the same, bit for bit.
    """
    workers = default_workers() if workers is None else workers
    use_cache = [exp.sim.method == "euler" if cache is None else cache for exp in experiments]
    results: list[Trajectory | None] = [None] * len(experiments)
    todo = []
    for k, (exp, keep) in enumerate(zip(experiments, use_cache)):
        path = cache_path(exp, cache_dir)
        if keep and path.exists():
            results[k] = exp.run(cache_dir)
        else:
            todo.append(k)
    bar = tqdm(total=len(experiments), initial=len(experiments) - len(todo), desc=desc, disable=not progress,
               leave=False)
    run = functools.partial(_run_one, cache_dir=cache_dir)
    for k, traj in zip(todo, map_parallel(run, [(experiments[k], use_cache[k]) for k in todo], workers, bar)):
        results[k] = traj
    bar.close()
    return results  # type: ignore[return-value]


def _run_one(item: tuple[Experiment, bool], cache_dir: str | os.PathLike | None) -> Trajectory:
    experiment, cache = item
    return experiment.run(cache_dir, cache=cache)


def map_parallel(fn: Callable[[Any], Any], items: list, workers: int | None = None, bar=None) -> list:
    """``[fn(item) for item in items]``, on the process's shared local dask cluster
    (:func:`cooccur.sweep.shared_executor`) with ``workers`` single-threaded workers (default
    :func:`default_workers`), or here one after the other when that is 1 or there is one item. The results are in
    the order of ``items`` and the same either way; ``bar`` (a tqdm bar) advances by one per result."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or len(items) <= 1:
        results = []
        for item in items:
            results.append(fn(item))
            if bar is not None:
                bar.update(1)
        return results
    from cooccur.sweep import as_completed, shared_executor

    executor = shared_executor(workers)
    futures = {executor.submit(fn, item): k for k, item in enumerate(items)}
    out: list[Any] = [None] * len(items)
    for future in as_completed(futures):
        out[futures[future]] = future.result()
        if bar is not None:
            bar.update(1)
    return out


def default_workers() -> int:
    """Worker processes for :func:`run_many`: ``$COOCCUR_WORKERS``, else one per core."""
    raw = os.environ.get("COOCCUR_WORKERS")
    if raw is None:
        return os.cpu_count() or 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"COOCCUR_WORKERS must be an integer >= 1, got {raw!r}")
    return int(raw)


def cache_dir_of(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$COOCCUR_CACHE_DIR``, else ``~/.cache/cooccur``."""
    return Path(cache_dir or os.environ.get("COOCCUR_CACHE_DIR") or Path.home() / ".cache" / "cooccur")


def cache_path(exp: Experiment, cache_dir: str | os.PathLike | None = None) -> Path:
    """Where the trajectory of ``exp`` is cached."""
    return cache_dir_of(cache_dir) / f"{exp.key()}.npz"


def cache_limit() -> int:
    """The cache's size limit in bytes: ``$COOCCUR_CACHE_MAX_BYTES`` or :data:`DEFAULT_CACHE_LIMIT`."""
    raw = os.environ.get("COOCCUR_CACHE_MAX_BYTES")
    return DEFAULT_CACHE_LIMIT if raw is None else parse_size(raw, "COOCCUR_CACHE_MAX_BYTES")


def parse_size(text: str | int, name: str = "size") -> int:
    """Bytes from ``"500MB"``, ``"2GB"``, ``"1.5GiB"`` or a plain number of bytes; the error names ``name``."""
    units = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
             "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(text))
    if not match or match[2].upper() not in units:
        raise ValueError(f"{name}: cannot read {text!r} as a size (e.g. 500MB, 2GB, 1.5GiB or bytes)")
    return int(float(match[1]) * units[match[2].upper()])


def cache_info(cache_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{"dir", "files", "bytes", "limit"}`` of the run cache."""
    root = cache_dir_of(cache_dir)
    files = list(root.glob("*.npz")) if root.exists() else []
    return {"dir": root, "files": len(files), "bytes": sum(_size(f) for f in files), "limit": cache_limit()}


def prune_cache(
    cache_dir: str | os.PathLike | None = None, max_bytes: int | None = None, keep: Path | None = None
) -> list[Path]:
    """Remove the least recently used trajectories until the cache holds at most ``max_bytes`` (default
    :func:`cache_limit`); ``keep`` is never removed. Returns the removed files."""
    limit = cache_limit() if max_bytes is None else max_bytes
    root = cache_dir_of(cache_dir)
    if not root.exists():
        return []
    entries = []
    for f in root.glob("*.npz"):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it
            st = f.stat()
            entries.append((st.st_mtime, st.st_size, f))
    total = sum(size for _, size, _ in entries)
    removed = []
    for _, size, f in sorted(entries, key=lambda e: e[0]):
        if total <= limit:
            break
        if keep is not None and f == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
            removed.append(f)
        total -= size
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@functools.cache
def source_hash() -> str:
    """SHA-256 of every ``.py`` file of the package (relative path and contents).

    Computed once per process: the code that runs is the code imported at start-up, so later edits on disk
    could not change a result of this process anyway.
    """
    h = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        h.update(str(path.relative_to(PACKAGE_DIR)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _build(cls: type, spec: dict[str, Any], section: str) -> Any:
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(spec) - names
    if unknown:
        raise ValueError(f"{section}: unknown field(s) {sorted(unknown)}; allowed: {sorted(names)}")
    return cls(**spec)


#: Horizon of :func:`width_setting` in units of the Phase-1 time scale 1/rate, times s^2 above s = 1: T1 x rate is
#: 23 to 36 on the premise data at s = 1 for m from 32 to 10^6 and 150 to 250 at s = 3 (measured), so the run
#: reaches T1 at any width with room to spare.
WIDTH_HORIZON = 200.0


def phase1_horizon(model: ModelConfig, L: int, horizon: float) -> float:
    """A horizon of ``horizon`` Phase-1 times, times max(1, s^2) (s = ``model.init_scale``): horizon max(1, s^2) / rate
    with rate = (sigma0^2 + sigma1^2) m m1 (:func:`cooccur.model.phase1_rate`). T1 x rate grows like s^2 above
    s = 1, so every width and scale reaches its T1 at the same cost of the adaptive flow."""
    return horizon * max(1.0, model.init_scale**2) / phase1_rate(model, L)


def width_setting(m: int, seed: int = 0, *, init_scale: float = 1.0, horizon: float = WIDTH_HORIZON,
                  data: dict[str, Any] | None = None) -> Experiment:
    """A run for order statements in the width: the premise data (:data:`PREMISE_DATA`), Condition 1's scales
    sigma0 = s / sqrt(L m) and sigma1 = s / sqrt(m1) with m1 = m and s = ``init_scale``, the Gram flow from a
    Wishart draw (:meth:`cooccur.coordinates.GramState.draw`, so any m costs the same), and the horizon
    ``horizon`` max(1, s^2) / rate with rate = (sigma0^2 + sigma1^2) m m1, the Phase-1 rate of Lemma 4.1 (T1 is of
    order 1/rate, and a fixed horizon would take the solver a number of steps proportional to m)."""
    data_cfg = DataConfig(**{**PREMISE_DATA, "seed": seed, **(data or {})})
    model_cfg = ModelConfig(d=data_cfg.d, m=m, m1=m, init="theory", init_scale=init_scale, seed=seed)
    # T1 x rate grows like s^2 above s = 1 (150 to 250 at s = 3): the horizon grows with it
    T = phase1_horizon(model_cfg, data_cfg.L, horizon)
    return Experiment(data_cfg, model_cfg, SimConfig(T=T, step=T / 100, method="gram", start="wishart"))


#: The horizon of :func:`t_star_setting` beyond :data:`WIDTH_HORIZON`, per unit of m, in units of 1/rate (times
#: max(1, s^2)): T* x rate, the first time the training loss is 1/m, grows about like m (measured on the premise
#: data at s = 0.3, 1 and 3: 5 m to 9 m from m = 320 to 10^6), so 50 m reaches it with room to spare.
T_STAR_HORIZON_PER_M = 50.0


def t_star_setting(m: int, seed: int = 0, *, init_scale: float = 1.0,
                   data: dict[str, Any] | None = None) -> Experiment:
    """:func:`width_setting` run on to Theorem 3.3's T* (training loss 1/m): horizon max(1, s^2) (WIDTH_HORIZON +
    :data:`T_STAR_HORIZON_PER_M` m) / rate, the Gram flow's cost hardly depending on it (the adaptive solver's
    steps grow with t), and a recording grid whose 400 log-spaced times start 10^-7 of the horizon, so that T1 and
    T* are both read to within 4% however many decades lie between them."""
    base = width_setting(m, seed, init_scale=init_scale, data=data)
    T = phase1_horizon(base.model, base.data.L, WIDTH_HORIZON + T_STAR_HORIZON_PER_M * m)
    return dataclasses.replace(base, sim=dataclasses.replace(base.sim, T=T, step=T / 100, n_log=400,
                                                             log_start=1e-7))

