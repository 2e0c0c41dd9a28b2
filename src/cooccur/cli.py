"""Command line: ``python -m cooccur simulate [options]`` runs one experiment and writes its trajectory.

Options come from a JSON config file (``--config``, sections "data", "model", "sim" with the fields of
:class:`~cooccur.data.DataConfig`, :class:`~cooccur.model.ModelConfig` and :class:`~cooccur.flow.SimConfig`),
and flags given on the command line override the file.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from cooccur.experiment import Experiment, cache_path
from cooccur.flow import DivergenceError

# flag -> (section, field, type, help)
FLAGS: dict[str, tuple[str, str, type, str]] = {
    "--n": ("data", "n", int, "number of training samples (default 60)"),
    "--L": ("data", "L", int, "sequence length, >= 3 (default 5)"),
    "--d": ("data", "d", int, "vocabulary size = input dimension, >= 4 (default 64)"),
    "--data-seed": ("data", "seed", int, "seed of the data set (default 0)"),
    "--m": ("model", "m", int, "rows of W_Q, W_K, W_V (default 128)"),
    "--m1": ("model", "m1", int, "neurons of the linear MLP (default 256)"),
    "--init": (
        "model",
        "init",
        str,
        "initialisation: 'theory' (Condition 1), 'kaiming' (nn.Linear default), 'he_normal' or 'xavier_normal' "
        "(default theory)",
    ),
    "--sigma0": ("model", "sigma0", float, "std of W_Q, W_K, W_V for init=theory (default 1/sqrt(L m))"),
    "--sigma1": ("model", "sigma1", float, "std of W for init=theory (default 1/sqrt(m1))"),
    "--init-scale": ("model", "init_scale", float, "multiplies the initial standard deviations (default 1)"),
    "--seed": ("model", "seed", int, "seed of the initial weights (default 0)"),
    "--T": ("sim", "T", float, "horizon; gradient descent runs T/step steps (default 300)"),
    "--method": (
        "sim",
        "method",
        str,
        "'euler' = gradient descent with --step; 'gram' = adaptive flow (default euler)",
    ),
    "--step": ("sim", "step", float, "Euler step = learning rate (default 0.01)"),
    "--rtol": ("sim", "rtol", float, "relative tolerance of the adaptive solver (default 1e-6)"),
    "--atol": ("sim", "atol", float, "absolute tolerance of the adaptive solver (default 1e-12)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cooccur", description="Training dynamics of a shallow transformer on word co-occurrence."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser(
        "simulate",
        help="run one experiment and write its trajectory (.npz)",
        description="Run gradient descent / gradient flow for one configuration and write the recorded trajectory. "
        "Flags override the values of --config.",
    )
    sim.add_argument("--config", type=Path, help="JSON file with sections 'data', 'model', 'sim'")
    for flag, (_, _, typ, text) in FLAGS.items():
        sim.add_argument(flag, type=typ, help=text)
    sim.add_argument("--out", type=Path, help="where to write the trajectory (default: the experiment cache)")
    sim.add_argument("--no-progress", action="store_true", help="do not show the progress bar")
    return parser


def _exit_on_sigterm(signum, frame):  # noqa: ARG001
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the command line. SIGTERM and Ctrl-C stop a run cleanly: a file is only ever written whole
    (:meth:`~cooccur.trajectory.Trajectory.save`), so the output or the cache keeps its previous complete content."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = build_parser().parse_args(argv)
    spec: dict[str, dict] = {"data": {}, "model": {}, "sim": {}}
    if args.config is not None:
        loaded = json.loads(args.config.read_text())
        if not isinstance(loaded, dict):
            print(f"error: {args.config} must hold a JSON object", file=sys.stderr)
            return 2
        for section, values in loaded.items():
            spec.setdefault(section, {}).update(values)
    for flag, (section, name, _, _) in FLAGS.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            spec[section][name] = value
    try:
        exp = Experiment.from_dict(spec)
        if args.out is None:
            path = cache_path(exp)
            traj = exp.run(progress=not args.no_progress)
        else:
            path = args.out
            traj = exp.simulate(progress=not args.no_progress)
            traj.save(path)
    except (ValueError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except DivergenceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit) as stop:
        print("interrupted: nothing was written", file=sys.stderr)
        return stop.code if isinstance(stop, SystemExit) and isinstance(stop.code, int) else 130
    print(f"T1 = {traj.T1:.4g}, final loss = {traj.loss[-1]:.4g}, gradient evaluations = {traj.n_grad_evals}")
    print(f"wrote {path}")
    return 0
