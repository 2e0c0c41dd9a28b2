"""An experiment = data config + model config + simulator options -> trajectory; and the named settings.

A gradient-descent trajectory is kept in the run cache of :mod:`cooccur.store` under the key of the three configs
(:meth:`Experiment.key`); the adaptive flow takes well under a second and is recomputed.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cooccur import store
from cooccur.coordinates import GramState
from cooccur.data import DataConfig, make_dataset
from cooccur.flow import Method, SimConfig, simulate
from cooccur.model import ModelConfig, Params, init_params, phase1_rate
from cooccur.trajectory import Trajectory
from cooccur.validate import check_choice


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
        """Cache key (:func:`cooccur.store.key`): a hash of the configs, the package source and the numerical
        libraries' versions."""
        return store.key(self.to_dict())

    def cache_path(self, cache_dir: str | os.PathLike | None = None) -> Path:
        """Where the trajectory of this experiment is cached."""
        return store.cache_path(self.key(), cache_dir)

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
        return store.cached(self.cache_path(cache_dir) if cache else None, lambda: self.simulate(progress=progress),
                            load=Trajectory.load, save=_save)


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
    to recompute than to store. Runs not in the cache go to the process's shared local dask cluster
    (:func:`cooccur.store.cached_map`) with ``workers`` single-threaded workers (default ``$COOCCUR_WORKERS``,
    else one per core), or are run here one after the other when that is 1 or only one run is left. Either way
    the results are the same, bit for bit.
    """
    def path_of(exp: Experiment) -> Path | None:
        keep = exp.sim.method == "euler" if cache is None else cache
        return exp.cache_path(cache_dir) if keep else None

    return store.cached_map(Experiment.simulate, list(experiments), path_of=path_of, load=Trajectory.load,
                            save=_save, workers=workers, progress=progress, desc=desc)


def _save(path: Path, traj: Trajectory) -> None:
    traj.save(path)


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

