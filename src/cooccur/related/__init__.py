"""Related settings run by the same library: Local to Global (:mod:`cooccur.related.markov`,
:mod:`cooccur.related.markov_gpt`) and Scan and Snap (:mod:`cooccur.related.scan_snap`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_torch_thread() -> Iterator[None]:
    """A context in which PyTorch computes on one thread, restoring the previous count on exit. The related
    models' tensors are small: a second thread costs more in synchronisation than it gains, and parallel runs come
    from processes (:func:`cooccur.experiment.map_parallel`, :mod:`cooccur.sweep`)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
