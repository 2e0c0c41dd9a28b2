"""Where runs execute: one process, a local dask cluster or a running one, each engine on one thread.

Parallelism comes from processes, never from threads inside a run: the engines multiply small matrices (d = 64
in the paper), where a multi-threaded BLAS gains nothing and its spinning threads slow every other process, and
one thread also fixes the order of every reduction, so a run is bit for bit the same however it is scheduled.

- :func:`map_parallel` is ``[fn(item) for item in items]`` on the process's shared local cluster.
- :func:`shared_executor` starts that cluster once per process; :func:`dask_executor` is a cluster for one
  ``with`` block (or a client of a running one); :class:`SerialExecutor` is the plain loop behind the same
  interface; :func:`as_completed` waits on either kind of future.
- :func:`one_blas_thread` and :func:`one_torch_thread` pin NumPy's BLAS and PyTorch to one thread for a block.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import importlib.util
import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

from threadpoolctl import threadpool_limits

#: dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand every large temporary back
#: to the system: at d = 163 a run then spends as long in page faults as in arithmetic (2.0 s instead of 1.3 s).
#: Unset for the local cluster; for ``dask worker`` set the same key to null in the dask config, or use --no-nanny.
NANNY_ENVIRON = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


def default_workers() -> int:
    """Worker processes when none are named: ``$COOCCUR_WORKERS``, else one per core."""
    raw = os.environ.get("COOCCUR_WORKERS")
    if raw is None:
        return os.cpu_count() or 1
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"COOCCUR_WORKERS must be an integer >= 1, got {raw!r}")
    return int(raw)


def map_parallel(fn: Callable[[Any], Any], items: list, workers: int | None = None, bar=None,
                 on_result: Callable[[int, Any], None] | None = None) -> list:
    """``[fn(item) for item in items]``, on the process's shared local dask cluster (:func:`shared_executor`) with
    ``workers`` single-threaded workers (default :func:`default_workers`), or here one after the other when that is
    1 or there is one item. The results are in the order of ``items`` and the same either way; ``bar`` (a tqdm
    bar) advances by one per result, and ``on_result(k, result)`` is called as each result arrives (in the order
    they finish), so that finished work can be kept even if a later item fails."""
    workers = default_workers() if workers is None else workers
    out: list[Any] = [None] * len(items)

    def arrived(k: int, result: Any) -> None:
        out[k] = result
        if on_result is not None:
            on_result(k, result)
        if bar is not None:
            bar.update(1)

    if workers <= 1 or len(items) <= 1:
        for k, item in enumerate(items):
            arrived(k, fn(item))
        return out
    executor = shared_executor(workers)
    futures = {executor.submit(fn, item): k for k, item in enumerate(items)}
    for future in as_completed(futures):
        arrived(futures[future], future.result())
    return out


class SerialExecutor(concurrent.futures.Executor):
    """Runs each task when submitted, in this process: the plain loop, behind the executor interface."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as err:  # noqa: BLE001 -- handed to the caller through the future
            future.set_exception(err)
        return future


@contextlib.contextmanager
def dask_executor(
    workers: int | None = None, scheduler: str | None = None, quiet: bool = False
) -> Iterator[concurrent.futures.Executor]:
    """A dask.distributed executor: a running cluster at ``scheduler`` (``tcp://HOST:PORT``), else a
    ``LocalCluster`` on 127.0.0.1 with ``workers`` single-threaded worker processes (default
    :func:`default_workers`). The local cluster's own log is silenced (a failing run becomes a row with its error;
    closing a cluster logs lost heartbeats as errors). Prints the dashboard link when there is one (a local
    cluster's status page needs bokeh, which is not pinned; its port is any free one, so two clusters never
    collide)."""
    import dask
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            client = stack.enter_context(Client(scheduler, timeout="20s"))
        else:
            n = workers or default_workers()
            stack.enter_context(dask.config.set(NANNY_ENVIRON))
            cluster = stack.enter_context(
                LocalCluster(host="127.0.0.1", n_workers=n, threads_per_worker=1, processes=True,
                             dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
            )
            client = stack.enter_context(Client(cluster))
        has_dashboard = scheduler is not None or importlib.util.find_spec("bokeh") is not None  # the page needs bokeh
        if not quiet and has_dashboard:
            print(f"dask dashboard: {client.dashboard_link}")
        executor = client.get_executor(pure=False)
        executor.n_workers = max(1, len(client.scheduler_info().get("workers", {})))  # type: ignore[attr-defined]
        yield executor


_SHARED: dict[int, tuple[contextlib.ExitStack, concurrent.futures.Executor]] = {}


def shared_executor(workers: int | None = None, quiet: bool = True) -> concurrent.futures.Executor:
    """A local dask cluster of ``workers`` single-threaded processes (default :func:`default_workers`), started on
    first use and kept for the rest of this process: a chapter's kernel runs many groups of runs, and starting a
    cluster takes seconds. Closed when the process exits."""
    workers = workers or default_workers()
    if workers not in _SHARED:
        stack = contextlib.ExitStack()
        executor = stack.enter_context(dask_executor(workers, quiet=quiet))
        _SHARED[workers] = (stack, executor)
        atexit.register(stack.close)
    return _SHARED[workers][1]


def as_completed(futures) -> Iterator:
    """Futures as they complete, for concurrent.futures and for dask futures alike."""
    futures = list(futures)
    if futures and not isinstance(futures[0], concurrent.futures.Future):
        from distributed import as_completed as dask_as_completed

        yield from dask_as_completed(futures)
    else:
        yield from concurrent.futures.as_completed(futures)


def one_blas_thread() -> threadpool_limits:
    """A context in which NumPy's BLAS (and OpenMP) use one thread.

    The engines do thousands of products of d x d matrices (d = 64 in the paper). A multi-threaded BLAS gains
    nothing on such sizes and, with any other process busy, its spinning threads slow a run several times over;
    parallelism comes from processes instead. The limit is scoped: it is lifted on exit.
    """
    return threadpool_limits(limits=1)


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """A context in which PyTorch computes on one thread, restoring the previous count on exit. The related
    models' tensors are small: a second thread costs more in synchronisation than it gains, and parallel runs come
    from processes (:func:`map_parallel`).

    One thread also fixes the order of every reduction, so a run is bit-for-bit the same on one machine.
    ``torch.use_deterministic_algorithms(True)`` adds nothing here (measured: 60 training steps of the Markov
    transformer give identical losses with and without it, and it makes a step 25% slower), so it is not set.
    What differs between machines is the kernels torch picks by instruction set; the models compute in float64 to
    keep that difference small (see ``scripts/results.py`` and the ``reproducing`` chapter)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
