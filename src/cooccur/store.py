"""The run cache: one folder, one key, one atomic write, one cache-or-compute map for every kind of run.

A run is stored under :func:`key` of its configuration: a SHA-256 of the configuration, of the source of every
module of this package and of the versions of NumPy, SciPy and PyTorch, so a rebuild reuses a run and any code
change invalidates it. Files are written by :func:`write_atomic` (a temporary file renamed over the target when
complete): the cache holds whole results or nothing, whoever is killed when.

The folder is ``$COOCCUR_CACHE_DIR`` if set, else ``~/.cache/cooccur``. It is bounded: after each write the least
recently used files (a load counts as a use) are removed until it holds at most ``$COOCCUR_CACHE_MAX_BYTES``
(default :data:`DEFAULT_CACHE_LIMIT`, 2 GiB; a gradient-descent trajectory of the paper's setting takes about
23 MB). ``python -m cooccur cache --info / --prune`` shows and trims it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from cooccur.parallel import map_parallel

PACKAGE_DIR = Path(__file__).resolve().parent
#: Size limit of the run cache when ``$COOCCUR_CACHE_MAX_BYTES`` is not set.
DEFAULT_CACHE_LIMIT = 2 * 1024**3
#: The numerical libraries whose versions enter every key.
KEYED_LIBRARIES = ("numpy", "scipy", "torch")


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


def key(config: dict[str, Any]) -> str:
    """The cache key of a run: 24 hex digits of a SHA-256 of ``config`` (JSON with sorted keys), of the versions
    of :data:`KEYED_LIBRARIES` and of :func:`source_hash`."""
    h = hashlib.sha256(json.dumps(config, sort_keys=True).encode())
    h.update(" ".join(f"{name} {version(name)}" for name in KEYED_LIBRARIES).encode())
    h.update(source_hash().encode())
    return h.hexdigest()[:24]


def cache_dir_of(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir``, else ``$COOCCUR_CACHE_DIR``, else ``~/.cache/cooccur``."""
    return Path(cache_dir or os.environ.get("COOCCUR_CACHE_DIR") or Path.home() / ".cache" / "cooccur")


def cache_path(run_key: str, cache_dir: str | os.PathLike | None = None, prefix: str = "") -> Path:
    """``<cache folder>/<prefix><run_key>.npz``."""
    return cache_dir_of(cache_dir) / f"{prefix}{run_key}.npz"


def write_atomic(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> Path:
    """Call ``write(file)`` on a temporary file in ``path``'s folder, flush it to disk and rename it over ``path``:
    readers see the old file or the whole new one, never a part. The file is readable by all (0644)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates the file private to its owner
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _load_cached(path: Path | None, load: Callable[[Path], Any]) -> Any | None:
    """``load(path)`` if the file is there (and mark it most recently used), else None."""
    if path is None:
        return None
    try:
        result = load(path)
    except FileNotFoundError:  # never written, or pruned by another process
        return None
    with contextlib.suppress(OSError):  # pruned meanwhile; the result is loaded
        os.utime(path)
    return result


def _store(path: Path | None, result: Any, save: Callable[[Path, Any], Any]) -> None:
    if path is not None:
        save(path, result)
        prune_cache(path.parent, keep=path)


def cached(path: Path | None, compute: Callable[[], Any], load: Callable[[Path], Any],
           save: Callable[[Path, Any], Any]) -> Any:
    """The result stored at ``path`` (``load``), else ``compute()``, stored there (``save``, then the cache is
    pruned to its limit). ``path=None`` computes without the cache."""
    result = _load_cached(path, load)
    if result is None:
        result = compute()
        _store(path, result, save)
    return result


def cached_map(fn: Callable[[Any], Any], items: list, *, path_of: Callable[[Any], Path | None],
               load: Callable[[Path], Any], save: Callable[[Path, Any], Any], workers: int | None = None,
               progress: bool = False, desc: str = "runs") -> list:
    """``[fn(item) for item in items]`` through the cache: an item whose file ``path_of(item)`` is there is loaded,
    the others are computed by :func:`cooccur.parallel.map_parallel` on ``workers`` processes and stored (an item
    whose path is None is computed and not stored). One progress bar over all items; the results are in the order
    of ``items`` and the same for any ``workers``. Each result is stored as soon as it arrives, so that when one item
    fails (the error is raised here) every item finished before it is in the cache."""
    paths = [path_of(item) for item in items]
    results = [_load_cached(path, load) for path in paths]
    todo = [k for k, result in enumerate(results) if result is None]

    def arrived(j: int, result: Any) -> None:  # stored as it arrives: a later failure keeps what finished
        results[todo[j]] = result
        _store(paths[todo[j]], result, save)

    with tqdm(total=len(items), initial=len(items) - len(todo), desc=desc, disable=not progress, leave=False) as bar:
        map_parallel(fn, [items[k] for k in todo], workers, bar, on_result=arrived)
    return results


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
    """Remove the least recently used files until the cache holds at most ``max_bytes`` (default
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
