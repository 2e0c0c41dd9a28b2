"""Build the book from its sources: execute every chapter with papermill, then render with Jupyter Book 1.x.

Steps, each starting from the text sources so that no stale output can be shown:

1. remove the previous HTML build and every generated notebook;
2. for each Jupytext chapter ``book/*.py``: read it with jupytext, execute it with papermill (parameters from
   ``--param NAME=VALUE``, e.g. ``--param quick=True`` for a smoke build) and write ``book/<chapter>.ipynb``;
3. run ``jupyter-book build`` with ``-W -n --keep-going`` (execution is off in ``_config.yml``: the executed
   notebooks are rendered as they are, and are what the page's download button offers);
4. check the HTML: every chapter page exists, shows images where its notebook made figures, and no figure was
   rendered as text;
5. compare every number the chapters quoted with ``book/reference-results.json`` and print the table
   (:mod:`results`); with ``--write-reference`` write that file from this run instead, with the kernels this
   machine computed with. A build with parameters (a smoke build) is not compared.

``--kernels SETTING`` builds the whole book under other CPU kernels (:mod:`kernels`; ``auto``: other kernels than
the ones that wrote the reference, this machine's own if they already differ), with an empty run cache, and prints
per tolerance class how far the numbers moved: a crosscheck of every chapter at the cost of one build. CI builds
the book that way.

Writes ``_build/execution-times.json`` (seconds per chapter, updated after each chapter).
"""

from __future__ import annotations

import argparse
import ast
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import papermill
import yaml
from kernels import SETTINGS, check_setting, print_moves, probe, resolve_auto
from results import collect, compare, moves, write_reference

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BUILD = ROOT / "_build"
RESULTS = BUILD / "results"
REFERENCE = BOOK / "reference-results.json"


def chapters() -> list[Path]:
    """The notebook chapters (``book/<name>.py``) in the order of ``_toc.yml``."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"], *(entry["file"] for entry in toc.get("chapters", []))]
    return [ROOT / f"{name}.py" for name in files if (ROOT / f"{name}.py").exists()]


def execute(chapter: Path, parameters: dict[str, object], out: Path | None = None,
            results_file: Path | None = None) -> float:
    """Execute ``chapter`` (a Jupytext source) with papermill in ``book/``; write the notebook to ``out`` (default
    ``book/<chapter>.ipynb``) and its numbers to ``results_file`` (default ``_build/results/<chapter>.json``).
    Returns the seconds taken. The kernel inherits this process's environment."""
    out = chapter.with_suffix(".ipynb") if out is None else out
    results_file = RESULTS / f"{chapter.stem}.json" if results_file is None else results_file
    os.environ["COOCCUR_RESULTS_FILE"] = str(results_file)  # inherited by the kernel
    start = time.perf_counter()
    papermill.execute_notebook(
        jupytext.read(chapter),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(BOOK),
        progress_bar=False,
        request_save_on_cell_execute=False,
    )
    return time.perf_counter() - start


def check_html(pages: list[Path]) -> list[str]:
    problems = []
    for chapter in pages:
        html = BUILD / "html" / "book" / f"{chapter.stem}.html"
        if not html.exists():
            problems.append(f"{html.relative_to(ROOT)} was not built")
            continue
        text = html.read_text(encoding="utf-8")
        if "&lt;Figure size" in text or "<Figure size" in text:
            problems.append(f"{html.name}: a figure was rendered as text (is MPLBACKEND=Agg set?)")
        notebook = chapter.with_suffix(".ipynb").read_text(encoding="utf-8")
        if "image/png" in notebook and "<img" not in text:
            problems.append(f"{html.name}: the notebook made figures but the page shows no image")
    return problems


def use_kernels(choice: str) -> str | None:
    """Make this process and every chapter it executes compute with the kernel setting ``choice`` (a name of
    :data:`kernels.SETTINGS` or ``"auto"``, see :func:`kernels.resolve_auto`), checked in a fresh process, with an
    empty run cache (the cache key does not include the kernels: a warm cache would hand back runs computed with
    others). Returns the setting used, or ``None`` when this machine's own kernels already differ from the
    reference's."""
    native = probe(dict(os.environ))
    print(f"kernels of this machine: torch {native['torch']}, MKL {native['mkl']}, OpenBLAS {native['openblas']}, "
          f"NumPy up to {native['numpy']}")
    reference = json.loads(REFERENCE.read_text()).get("kernels") if REFERENCE.exists() else None
    name = resolve_auto(native, reference) if choice == "auto" else choice
    if name is None:
        print(f"  the reference was written with torch {reference['torch']} kernels: this machine's own differ, "
              "so the book is built with them")
        return None
    problems, _ = check_setting(name, {**os.environ, **SETTINGS[name]}, native)
    if problems:
        raise SystemExit("\n".join(f"error: {p}" for p in problems))
    os.environ.update(SETTINGS[name])
    cache = tempfile.mkdtemp(prefix=f"book-{name}-cache-")
    atexit.register(shutil.rmtree, cache, True)
    os.environ["COOCCUR_CACHE_DIR"] = cache  # inherited by every kernel and its workers
    print(f"  building the book under {name}, with an empty run cache", flush=True)
    return name


def parse_param(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    if not name or not _:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--param", type=parse_param, action="append", default=[], help="chapter parameter NAME=VALUE")
    parser.add_argument("--write-reference", action="store_true", help="write book/reference-results.json")
    parser.add_argument("--kernels", choices=[*SETTINGS, "auto"],
                        help="build under other CPU kernels with an empty run cache (auto: other than the reference's)")
    args = parser.parse_args()
    parameters = dict(args.param)
    if args.kernels and args.write_reference:
        parser.error("the reference is written with this machine's own kernels: drop --kernels")
    setting = use_kernels(args.kernels) if args.kernels else None

    shutil.rmtree(BUILD, ignore_errors=True)
    for stale in BOOK.glob("*.ipynb"):
        stale.unlink()
    RESULTS.mkdir(parents=True)
    times: dict[str, float] = {}
    for chapter in chapters():
        print(f"executing {chapter.relative_to(ROOT)} ...", flush=True)
        times[chapter.stem] = round(execute(chapter, parameters), 1)
        print(f"  done in {times[chapter.stem]:.1f} s", flush=True)
        # written after every chapter, so the last chapter can tabulate the others
        (BUILD / "execution-times.json").write_text(json.dumps(times, indent=2))

    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(ROOT), "--warningiserror", "--nitpick", "--keep-going"]
    print(" ".join(cmd), flush=True)
    if subprocess.run(cmd, cwd=ROOT).returncode != 0:
        print("jupyter-book build failed", file=sys.stderr)
        return 1
    problems = check_html(chapters())
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"book built: {BUILD / 'html' / 'index.html'}  (chapter execution times: {times})")
    results = collect(RESULTS)
    if args.write_reference:
        write_reference(results, REFERENCE, kernels=probe(dict(os.environ)))
        print(f"wrote {REFERENCE.relative_to(ROOT)} ({len(results)} numbers)")
        return 0
    if parameters:
        print("built with parameters: the results are not compared with the reference")
        return 0
    passed = compare(results, REFERENCE)
    if setting is not None:
        print_moves(setting, moves(results, REFERENCE))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
