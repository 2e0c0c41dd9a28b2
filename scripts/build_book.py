"""Build the book from its sources: execute every chapter with papermill, then render with Jupyter Book 1.x.

Steps, each starting from the text sources so that no stale output can be shown:

1. remove the previous HTML build and every generated notebook;
2. for each Jupytext chapter ``book/*.py``: read it with jupytext, execute it with papermill (parameters from
   ``--param NAME=VALUE``, e.g. ``--param quick=True`` for a smoke build) and write ``book/<chapter>.ipynb``;
   ``--jobs`` chapters at a time (default 1; with more, the longest first, each chapter's own runs on
   cores // jobs workers through ``$COOCCUR_WORKERS``). The chapters' own runs already use every core (process
   pools, local dask clusters), so on two cores two jobs saved 1% of a native build (1644 s against 1666 s, before
   the workers were shared out) and raised its peak memory;
   a chapter whose inputs are those of its last execution (:func:`fingerprint`: its source and folder, the
   parameters, the CPU kernels, the library's source) is not executed again but reused from ``.cache/chapters``,
   and the build says so; ``--fresh``, ``--kernels`` and ``--write-reference`` execute every chapter (CI does);
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

Writes ``_build/execution-times.json`` (seconds per chapter, updated after each chapter; with chapters side by
side, a chapter's seconds include sharing the machine).
"""

from __future__ import annotations

import argparse
import ast
import atexit
import concurrent.futures
import contextlib
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from kernels import SETTINGS, check_setting, print_moves, probe, resolve_auto
from results import collect, compare, moves, write_reference

from cooccur import store
from cooccur.chapters import downloads_of
from cooccur.chapters import execute as execute_chapter
from cooccur.parameters import chapter_names
from cooccur.provenance import PACKAGES

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BUILD = ROOT / "_build"
RESULTS = BUILD / "results"
REFERENCE = BOOK / "reference-results.json"


def chapters() -> list[Path]:
    """The notebook chapters (``book/<name>.py``) in the order of ``_toc.yml``."""
    return [BOOK / f"{name}.py" for name in chapter_names(ROOT)]


def execute(chapter: Path, parameters: dict[str, object]) -> float:
    """Execute ``chapter`` (:func:`cooccur.chapters.execute`) into ``book/<chapter>.ipynb``, its numbers into
    ``_build/results/<chapter>.json``; returns the seconds taken."""
    print(f"executing {chapter.name} ...", flush=True)
    return execute_chapter(chapter, chapter.with_suffix(".ipynb"), parameters,
                           results_file=RESULTS / f"{chapter.stem}.json", cwd=chapter.parent)


#: Executed chapters kept for reuse (``$COOCCUR_CHAPTER_CACHE``, else .cache/chapters): ``<name>-<fingerprint>/``
#: with the notebook, its numbers and its seconds.
CHAPTER_CACHE = Path(os.environ.get("COOCCUR_CHAPTER_CACHE") or ROOT / ".cache" / "chapters")
#: The environment variables that choose CPU kernels (:data:`kernels.SETTINGS`): part of a chapter's inputs.
KERNEL_VARIABLES = sorted({name for setting in SETTINGS.values() for name in setting})


#: What the chapters of :data:`LAST` read besides the others' numbers and times.
LAST_INPUTS = ("reference-results.json", "crosscheck.json")
#: Kept executions per chapter (different parameters or kernels each keep their own).
KEPT_PER_CHAPTER = 3


def fingerprint(chapter: Path, parameters: dict[str, object]) -> str:
    """What a chapter's numbers, figures and tables depend on, as a key (:func:`cooccur.store.key`, which adds the
    library's source hash and the numerical libraries' versions): its source, the files of its folder
    ``book/<name>/`` (sweep files, published tables) and any other file a parameter names, the parameters, the
    CPU-kernel variables, Python and the versions of every package the chapters list
    (:data:`cooccur.provenance.PACKAGES`). A chapter of :data:`LAST` also depends on what the others wrote (their
    numbers and execution times) and on :data:`LAST_INPUTS`."""
    files = [chapter, *sorted(p for p in chapter.with_suffix("").rglob("*") if p.is_file())]
    files += [chapter.parent / value for value in parameters.values()
              if isinstance(value, str) and value and (chapter.parent / value).is_file()]
    if chapter.stem in LAST:
        files += sorted(p for p in RESULTS.glob("*.json") if p.stem != chapter.stem)
        files += [BUILD / "execution-times.json", *(chapter.parent / name for name in LAST_INPUTS)]
    digests = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}
    return store.key({"chapter": chapter.stem, "files": digests,
                      "parameters": {k: repr(v) for k, v in parameters.items()},
                      "kernels": {k: os.environ.get(k) for k in KERNEL_VARIABLES},
                      "python": platform.python_version(), "packages": {name: version(name) for name in PACKAGES}})


def reuse(chapter: Path, key: str) -> float | None:
    """Copy a kept execution of ``chapter`` with inputs ``key`` into place (``book/<name>.ipynb``, its numbers and
    the files its page offers for download, :func:`cooccur.chapters.downloads_of`); returns the seconds it took
    when it was executed, or None if none is kept (or it was kept without those files)."""
    kept = CHAPTER_CACHE / f"{chapter.stem}-{key}"
    if not (kept / "seconds.json").exists():
        return None
    targets = downloads_of(kept / "notebook.ipynb")
    if not all((kept / "downloads" / str(i)).is_file() for i in range(len(targets))):
        return None  # kept before it offered these files: execute it again
    for i, target in enumerate(targets):  # the result tables its page offers for download
        (chapter.parent / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(kept / "downloads" / str(i), chapter.parent / target)
    shutil.copy(kept / "notebook.ipynb", chapter.with_suffix(".ipynb"))
    if (kept / "results.json").exists():
        shutil.copy(kept / "results.json", RESULTS / f"{chapter.stem}.json")
    return json.loads((kept / "seconds.json").read_text())


def keep(chapter: Path, key: str, seconds: float) -> None:
    """Keep this execution of ``chapter`` for reuse, with the :data:`KEPT_PER_CHAPTER` - 1 most recent others."""
    older = sorted(CHAPTER_CACHE.glob(f"{chapter.stem}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in older[KEPT_PER_CHAPTER - 1:]:
        shutil.rmtree(old, ignore_errors=True)
    kept = CHAPTER_CACHE / f"{chapter.stem}-{key}"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    shutil.copy(chapter.with_suffix(".ipynb"), kept / "notebook.ipynb")
    for i, target in enumerate(downloads_of(kept / "notebook.ipynb")):
        (kept / "downloads").mkdir(exist_ok=True)
        shutil.copy(chapter.parent / target, kept / "downloads" / str(i))
    if (RESULTS / f"{chapter.stem}.json").exists():
        shutil.copy(RESULTS / f"{chapter.stem}.json", kept / "results.json")
    (kept / "seconds.json").write_text(json.dumps(seconds))  # written last: its presence marks a whole entry


def execute_or_reuse(chapter: Path, parameters: dict[str, object], fresh: bool) -> float:
    """:func:`execute`, unless ``fresh`` is off and the chapter's inputs (:func:`fingerprint`) are those of a kept
    execution, which is then reused (and said so)."""
    key = fingerprint(chapter, parameters)
    if not fresh and (seconds := reuse(chapter, key)) is not None:
        print(f"reusing {chapter.name}: its source, folder, parameters, kernels and the library are unchanged",
              flush=True)
        return seconds
    seconds = execute(chapter, parameters)
    keep(chapter, key, seconds)
    return seconds


#: Chapters that take longest, started first when chapters run side by side (a scheduling hint only: the rest
#: follow in the order of ``_toc.yml``).
LONGEST_FIRST = ("markov", "scan_snap", "phase1", "atlas", "experiments")
#: Chapters that read what the others wrote (their numbers, their execution times): executed after all others.
LAST = ("reproducing",)


@contextlib.contextmanager
def workers_per_chapter(jobs: int):
    """While ``jobs`` chapters run side by side, give each ``$COOCCUR_WORKERS`` = cores // jobs (at least 1) for its
    own runs (process pools and local dask clusters), so that the chapters share the cores instead of each
    starting one worker per core; a value already set is kept. Results do not depend on the number of workers."""
    saved = os.environ.get("COOCCUR_WORKERS")
    if saved is None:
        os.environ["COOCCUR_WORKERS"] = str(max(1, (os.cpu_count() or 1) // jobs))
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("COOCCUR_WORKERS", None)


def execute_all(pages: list[Path], parameters: dict[str, object], jobs: int, fresh: bool = True) -> dict[str, float]:
    """Execute every chapter, ``jobs`` at a time (each in its own worker process and kernel; the longest first),
    then those of :data:`LAST`. Chapters share nothing but the run cache, whose writes are atomic. Writes the
    seconds each took to ``_build/execution-times.json`` as they finish; stops at the first chapter that fails
    (the others already running are finished, none is started)."""
    times: dict[str, float] = {}

    def done(chapter: Path, seconds: float) -> None:
        times[chapter.stem] = round(seconds, 1)
        print(f"  {chapter.stem} done in {seconds:.1f} s", flush=True)
        in_order = {p.stem: times[p.stem] for p in pages if p.stem in times}
        (BUILD / "execution-times.json").write_text(json.dumps(in_order, indent=2))

    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    first = sorted((p for p in pages if p.stem not in LAST), key=lambda p: rank.get(p.stem, len(rank)))
    if jobs > 1:
        context = multiprocessing.get_context("spawn")
        with workers_per_chapter(jobs), concurrent.futures.ProcessPoolExecutor(jobs, mp_context=context) as pool:
            # one worker process per running chapter: execute() sets the results file in its own environment
            futures = {pool.submit(execute_or_reuse, chapter, parameters, fresh): chapter for chapter in first}
            for future in concurrent.futures.as_completed(futures):
                if future.exception() is not None:
                    print(f"error: {futures[future].name} failed; finishing the chapters already running",
                          file=sys.stderr, flush=True)
                    for other in futures:
                        other.cancel()  # those not started yet
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise future.exception()
                done(futures[future], future.result())
    else:
        for chapter in first:
            done(chapter, execute_or_reuse(chapter, parameters, fresh))
    for chapter in (p for p in pages if p.stem in LAST):
        done(chapter, execute_or_reuse(chapter, parameters, fresh))
    return times


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
    problems, _, _ = check_setting(name, {**os.environ, **SETTINGS[name]}, native)
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
    parser.add_argument("--fresh", action="store_true",
                        help="execute every chapter (default: reuse those whose inputs are unchanged; --kernels and "
                             "--write-reference always execute every chapter)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="chapters executed side by side (default 1: each chapter already uses every core)")
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    parameters = dict(args.param)
    if args.kernels and args.write_reference:
        parser.error("the reference is written with this machine's own kernels: drop --kernels")
    setting = use_kernels(args.kernels) if args.kernels else None

    shutil.rmtree(BUILD, ignore_errors=True)
    for stale in BOOK.glob("*.ipynb"):
        stale.unlink()
    RESULTS.mkdir(parents=True)
    fresh = args.fresh or bool(args.kernels) or args.write_reference
    times = execute_all(chapters(), parameters, args.jobs, fresh=fresh)

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
