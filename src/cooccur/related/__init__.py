"""Related settings run by the same library: Local to Global (:mod:`cooccur.related.markov`,
:mod:`cooccur.related.markov_gpt`) and Scan and Snap (:mod:`cooccur.related.scan_snap`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """A context in which PyTorch computes on one thread, restoring the previous count on exit. The related
    models' tensors are small: a second thread costs more in synchronisation than it gains, and parallel runs come
    from processes (:func:`cooccur.experiment.map_parallel`, :mod:`cooccur.sweep`).

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
