"""cooccur: the training dynamics of a shallow transformer on word co-occurrence, as gradient flow.

Modules: :mod:`cooccur.data` (the synthetic data), :mod:`cooccur.model` (the transformer),
:mod:`cooccur.observables` (the theory's coordinates and what the paper measures), :mod:`cooccur.flow`
(the gradient-flow simulator), :mod:`cooccur.trajectory` (recorded runs), :mod:`cooccur.experiment`
(configured, cached runs), :mod:`cooccur.plots` (figures) and :mod:`cooccur.cli`.
"""

from cooccur.data import DataConfig, Dataset, make_dataset
from cooccur.flow import DivergenceError, simulate
from cooccur.model import ModelConfig, Params, forward, init_params, loss
from cooccur.trajectory import Trajectory

__version__ = "0.1.0"

__all__ = [
    "DataConfig",
    "Dataset",
    "DivergenceError",
    "ModelConfig",
    "Params",
    "Trajectory",
    "forward",
    "init_params",
    "loss",
    "make_dataset",
    "simulate",
]
