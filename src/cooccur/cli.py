"""Command line.

* ``python -m cooccur simulate [options]`` runs one experiment and writes its trajectory;
* ``python -m cooccur sweep FILE --out RESULTS.parquet`` runs a sweep file (:mod:`cooccur.sweep`);
* ``python -m cooccur cache --info | --prune`` shows or trims the run cache;
* ``python -m cooccur chapter NAME -p KEY VALUE ... [--quick] [--out DIR]`` reruns one chapter of the book with
  papermill and writes the executed notebook and an HTML page (:mod:`cooccur.chapters`).

Options of ``simulate`` come from a JSON config file (``--config``, sections "data", "model", "sim" with the fields of
:class:`~cooccur.data.DataConfig`, :class:`~cooccur.model.ModelConfig` and :class:`~cooccur.flow.SimConfig`),
and flags given on the command line override the file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
from pathlib import Path

from cooccur.chapters import run_chapter
from cooccur.data import DataConfig
from cooccur.experiment import Experiment
from cooccur.flow import DivergenceError, SimConfig
from cooccur.model import ModelConfig
from cooccur.parameters import ChapterError, chapter_names, chapter_parameters, parse_values
from cooccur.store import cache_info, parse_size, prune_cache

# flag -> (section, field, help); the type and the default are the config field's (:func:`_flag_help`)
FLAGS: dict[str, tuple[str, str, str]] = {
    "--n": ("data", "n", "number of training samples"),
    "--L": ("data", "L", "sequence length, >= 3"),
    "--d": ("data", "d", "vocabulary size = input dimension, >= 4"),
    "--data-seed": ("data", "seed", "seed of the data set"),
    "--m": ("model", "m", "rows of W_Q, W_K, W_V"),
    "--m1": ("model", "m1", "neurons of the linear MLP"),
    "--init": ("model", "init", "initialisation: 'theory' (Condition 1), 'kaiming' (nn.Linear default), "
               "'he_normal' or 'xavier_normal'"),
    "--sigma0": ("model", "sigma0", "std of W_Q, W_K, W_V for init=theory (default 1/sqrt(L m))"),
    "--sigma1": ("model", "sigma1", "std of W for init=theory (default 1/sqrt(m1))"),
    "--init-scale": ("model", "init_scale", "multiplies the initial standard deviations"),
    "--seed": ("model", "seed", "seed of the initial weights"),
    "--T": ("sim", "T", "horizon; gradient descent runs T/step steps"),
    "--method": ("sim", "method", "'euler' = gradient descent with --step; 'gram' = adaptive flow"),
    "--step": ("sim", "step", "Euler step = learning rate"),
    "--rtol": ("sim", "rtol", "relative tolerance of the adaptive solver"),
    "--atol": ("sim", "atol", "absolute tolerance of the adaptive solver"),
    "--record": ("sim", "record", "'full' records A, VV and the attention over every word; 'signal' over mu_1, "
                 "mu_2, mu_3 only, for large vocabularies"),
}
SECTIONS = {"data": DataConfig, "model": ModelConfig, "sim": SimConfig}


def _flag_type_and_help(section: str, name: str, text: str) -> tuple[type, str]:
    """The type of a config field (int, float or str, from its annotation) and its help with the field's default
    appended, read from the config itself (a default computed from other fields, None, is described in ``text``)."""
    spec = next(f for f in dataclasses.fields(SECTIONS[section]) if f.name == name)
    kind = int if spec.type == "int" else float if "float" in spec.type else str
    if spec.default is None:
        return kind, text
    return kind, f"{text} (default {spec.default:g})" if kind is float else f"{text} (default {spec.default})"


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose epilog can be computed only when its help is shown (``epilog_fn``): the chapter
    list reads every chapter's source, which no other command needs."""

    def __init__(self, *args, epilog_fn=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._epilog_fn = epilog_fn

    def format_help(self) -> str:
        if self._epilog_fn is not None:
            self.epilog = self._epilog_fn()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cooccur", description="Training dynamics of a shallow transformer on word co-occurrence."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sim = sub.add_parser(
        "simulate",
        help="run one experiment and write its trajectory (.npz)",
        description="Run gradient descent / gradient flow for one configuration and write the recorded trajectory. "
        "Flags override the values of --config.",
    )
    sim.add_argument("--config", type=Path, help="JSON file with sections 'data', 'model', 'sim'")
    for flag, (section, name, text) in FLAGS.items():
        kind, help_text = _flag_type_and_help(section, name, text)
        sim.add_argument(flag, type=kind, help=help_text)
    sim.add_argument("--out", type=Path, help="where to write the trajectory (default: the experiment cache)")
    sim.add_argument("--figure", type=Path, metavar="PNG",
                     help="also draw the run's summary figure (attention scores, G of the signal words, losses by "
                     "sample type) into this PNG file")
    sim.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    sweep = sub.add_parser(
        "sweep",
        help="run a sweep file and write one row per run (Parquet)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every experiment of a sweep file (YAML) and check every claim on it.\n\n"
        "Each finished run is appended to a journal next to OUT at once; OUT (Parquet) is rewritten\n"
        "atomically at the end or when interrupted (Ctrl-C, SIGTERM). Started again, a sweep skips the runs\n"
        "already in OUT or its journal. A failing run becomes a row with its error.",
        epilog="sweep file:\n"
        "  base: {data: {n: 60, L: 5, d: 64}, model: {m: 128, m1: 256, init: theory}, sim: {method: gram, T: 300}}\n"
        "  axes: {model.m: [64, 128, 256], init_scale: [0.1, 1.0]}   # any data./model./sim. field, init_scale, "
        "m1_per_m,\n"
        "                                                            # horizon_x_rate\n"
        "  seeds: [0, 1, 2]                                          # each seeds the data and the weights\n"
        "  keep_trajectories: false                                  # true: OUT.trajectories/<run_id>.npz\n"
        "  kind: scan_snap   # optional: Scan and Snap's model; sections data, train; axes num_last, lr_ratio\n"
        "                    # or width_limit (each run beside its infinite-width limits), memorisation (to T*)\n\n"
        "Read the table with cooccur.sweep.load_table(OUT), a pandas DataFrame.",
    )
    sweep.add_argument("file", type=Path, help="the sweep file (YAML)")
    sweep.add_argument("--out", type=Path, required=True, help="the results table to write or complete (.parquet)")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="size of the local dask cluster on 127.0.0.1: N single-threaded worker processes "
                       "(default: one per core)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="submit to a running dask cluster (tcp://HOST:PORT, started with 'dask scheduler' and "
                       "'dask worker ADDRESS') instead of starting a local one")
    sweep.add_argument("--in-flight", type=int, metavar="N",
                       help="runs submitted and not finished, at most (default: 4 per worker); the rest are "
                       "submitted as these finish")
    sweep.add_argument("--retry-failed", action="store_true",
                       help="also run again the runs whose row holds an error; the new row replaces the old one")
    sweep.add_argument("--dry-run", action="store_true", help="validate the file, print the number of runs, stop")
    sweep.add_argument("--no-progress", action="store_true", help="do not show the progress bar")

    cache = sub.add_parser("cache", help="show or trim the run cache",
                           description="The run cache keeps gradient-descent trajectories (about 23 MB each at the "
                           "paper's setting), least recently used removed first beyond its size limit "
                           "($COOCCUR_CACHE_MAX_BYTES, default 2 GiB).")
    cache.add_argument("--info", action="store_true", help="print the folder, number of files, size and limit")
    cache.add_argument("--prune", action="store_true", help="remove least recently used files down to the limit")
    cache.add_argument("--max-size", metavar="SIZE", help="limit for --prune, e.g. 500MB or 0 (default: the limit)")
    cache.add_argument("--dir", type=Path, help="the cache folder (default: $COOCCUR_CACHE_DIR or ~/.cache/cooccur)")

    chapter = sub.add_parser(
        "chapter",
        help="rerun one chapter of the book with your parameters (executed notebook + its page)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Execute one chapter of the book with papermill, in the book's folder, with the parameters "
        "given by -p,\nwrite the executed notebook, and render it as the book does (NAME-site/). Every value is "
        "checked\nagainst the chapter's specification before the kernel starts. --quick is the chapter's smoke-test "
        "mode:\nit shortens what you did not set, never a value you passed.",
        epilog_fn=_chapters_epilog,
    )
    chapter.add_argument("name", metavar="NAME", help="the chapter (listed below)")
    chapter.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("KEY", "VALUE"),
                         help="set a parameter, e.g. -p n_seeds 3 -p widths 64,128 (repeatable)")
    chapter.add_argument("--quick", action="store_true", help="quick mode: a smoke test, not the published numbers")
    chapter.add_argument("--out", type=Path, metavar="DIR",
                         help="folder for NAME.ipynb and NAME-site/ (default: _build/rerun in the current folder)")
    chapter.add_argument("--no-progress", action="store_true", help="do not show the progress bar over cells")
    return parser


def _chapters_epilog() -> str:
    """The chapters and their parameters with defaults, read from the chapters' own parameters cells."""

    try:
        names = chapter_names()
    except (OSError, ChapterError):
        return "chapters: none found (rerunning chapters needs a checkout of the repository)"
    lines = ["chapters and their parameters:"]
    for name in names:
        lines.append(f"  {name}")
        for spec in chapter_parameters(name).values():
            lines.append(f"      {spec.name:20s} {spec.describe()}")
    lines.append("\nexample: python -m cooccur chapter experiments -p n_seeds 3 --quick")
    return "\n".join(lines)


def _exit_on_sigterm(signum, frame):  # noqa: ARG001
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the command line. SIGTERM and Ctrl-C stop a run cleanly: a file is only ever written whole
    (:meth:`~cooccur.trajectory.Trajectory.save`), so the output or the cache keeps its previous complete content."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C works even if started with SIGINT ignored
    args = build_parser().parse_args(argv)
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "cache":
        return _cache(args)
    if args.command == "chapter":
        return _chapter(args)
    spec: dict[str, dict] = {"data": {}, "model": {}, "sim": {}}
    if args.config is not None:
        loaded = json.loads(args.config.read_text())
        if not isinstance(loaded, dict):
            print(f"error: {args.config} must hold a JSON object", file=sys.stderr)
            return 2
        for section, values in loaded.items():
            spec.setdefault(section, {}).update(values)
    for flag, (section, name, _) in FLAGS.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None:
            spec[section][name] = value
    try:
        exp = Experiment.from_dict(spec)
        if args.out is None:
            path = exp.cache_path()
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
        return _interrupted(stop, "interrupted: nothing was written")
    print(f"T1 = {traj.T1:.4g}, final loss = {traj.loss[-1]:.4g}, gradient evaluations = {traj.n_grad_evals}")
    print(f"wrote {path}")
    if args.figure is not None:
        import matplotlib

        matplotlib.use("Agg")
        from cooccur import plots

        args.figure.write_bytes(plots.png_bytes(plots.summary_figure(traj)))
        print(f"wrote {args.figure}")
    return 0


def _interrupted(stop: BaseException, message: str) -> int:
    """Say ``message`` on stderr and give the exit code: a SystemExit's own (SIGTERM), else 130 (Ctrl-C)."""
    print(message, file=sys.stderr)
    return stop.code if isinstance(stop, SystemExit) and isinstance(stop.code, int) else 130


def _sweep(args: argparse.Namespace) -> int:
    from cooccur.sweep import SweepError, load_sweep, run_sweep

    for name in ("workers", "in_flight"):
        value = getattr(args, name)
        if value is not None and value < 1:
            print(f"error: --{name.replace('_', '-')} must be at least 1, got {value}", file=sys.stderr)
            return 2
    try:
        sweep = load_sweep(args.file)
    except SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"{args.file}: {len(sweep.runs)} runs ({len(sweep.seeds)} seeds x "
              f"{len(sweep.runs) // len(sweep.seeds)} points)")
        return 0
    try:
        table = run_sweep(sweep, args.out, workers=args.workers, scheduler=args.scheduler,
                          in_flight=args.in_flight, progress=not args.no_progress, retry_failed=args.retry_failed)
    except (KeyboardInterrupt, SystemExit) as stop:
        return _interrupted(stop, f"interrupted: every finished run is in {args.out}; run the same command again to "
                                  "go on")
    failed = int((table["error"].fillna("") != "").sum())
    print(f"{len(table)} rows in {args.out} ({failed} failed runs)")
    return 0


def _cache(args: argparse.Namespace) -> int:
    try:
        limit = None if args.max_size is None else parse_size(args.max_size, "--max-size")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.prune:
        removed = prune_cache(args.dir, limit)
        print(f"removed {len(removed)} files")
    if args.info or not args.prune:
        info = cache_info(args.dir)
        size, limit = info["bytes"] / 1e6, info["limit"] / 1e6
        print(f"{info['dir']}: {info['files']} files, {size:.1f} MB (limit {limit:.0f} MB)")
    return 0


def _chapter(args: argparse.Namespace) -> int:
    try:
        values = parse_values(args.name, [tuple(pair) for pair in args.parameter])
    except ChapterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        notebook, html = run_chapter(args.name, values, quick=args.quick, out=args.out,
                                     progress=not args.no_progress)
    except (KeyboardInterrupt, SystemExit) as stop:
        return _interrupted(stop, "interrupted")
    except Exception as err:  # papermill's execution error names the failing cell
        print(f"error: the chapter failed: {err}", file=sys.stderr)
        return 1
    print(f"executed notebook: {notebook}\nHTML page: {html}")
    return 0
