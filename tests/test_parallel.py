"""Where runs execute: the parallel map gives the serial results in order, the executors behave alike, and the
thread pins are scoped."""

import os

import pytest

from cooccur import parallel


def _square(x: int) -> int:
    return x * x


class _Bar:
    def __init__(self):
        self.n = 0

    def update(self, k: int) -> None:
        self.n += k


@pytest.mark.parametrize("workers", [1, 2])
def test_map_parallel_gives_results_in_order_and_advances_the_bar(workers):
    bar = _Bar()
    assert parallel.map_parallel(_square, list(range(7)), workers=workers, bar=bar) == [k * k for k in range(7)]
    assert bar.n == 7


def test_default_workers_reads_the_environment_and_names_a_bad_value(monkeypatch):
    monkeypatch.setenv("COOCCUR_WORKERS", "3")
    assert parallel.default_workers() == 3
    monkeypatch.delenv("COOCCUR_WORKERS")
    assert parallel.default_workers() == (os.cpu_count() or 1)
    monkeypatch.setenv("COOCCUR_WORKERS", "0")
    with pytest.raises(ValueError, match="COOCCUR_WORKERS must be an integer >= 1, got '0'"):
        parallel.default_workers()


def test_the_serial_executor_hands_an_error_back_through_its_future():
    future = parallel.SerialExecutor().submit(lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        future.result()
    assert [f.result() for f in parallel.as_completed([parallel.SerialExecutor().submit(_square, 3)])] == [9]


def test_one_blas_thread_is_scoped():
    from threadpoolctl import threadpool_info

    before = [p["num_threads"] for p in threadpool_info()]
    with parallel.one_blas_thread():
        assert {p["num_threads"] for p in threadpool_info()} <= {1}
    assert [p["num_threads"] for p in threadpool_info()] == before


def test_one_torch_thread_is_scoped():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with parallel.one_torch_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
