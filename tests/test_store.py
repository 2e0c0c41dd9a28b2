"""The run cache: one key, one atomic write, the cache-or-compute map, least recently used pruning."""

import os
import time

import numpy as np
import pytest

from cooccur import store
from cooccur.store import cache_info, prune_cache


def test_the_cache_prunes_least_recently_used_first(tmp_path):
    files = []
    for k in range(5):
        f = tmp_path / f"{k}.npz"
        f.write_bytes(b"x" * 1000)
        os.utime(f, (1000 + k, 1000 + k))
        files.append(f)
    os.utime(files[0], (2000, 2000))  # used last
    removed = prune_cache(tmp_path, 2500)
    assert sorted(removed) == sorted(files[1:4])
    assert cache_info(tmp_path)["files"] == 2 and files[0].exists() and files[4].exists()


def test_write_atomic_leaves_the_old_file_or_the_whole_new_one(tmp_path):
    path = store.write_atomic(tmp_path / "sub" / "f.bin", lambda fh: fh.write(b"first"))
    assert path.read_bytes() == b"first" and path.stat().st_mode & 0o777 == 0o644

    def broken(fh):
        fh.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.write_atomic(path, broken)
    assert path.read_bytes() == b"first" and [p.name for p in path.parent.iterdir()] == ["f.bin"]


def test_the_key_follows_the_configuration_and_the_library_source(monkeypatch):
    key = store.key({"a": 1, "b": [2, 3]})
    assert key == store.key({"b": [2, 3], "a": 1}) and len(key) == 24
    assert store.key({"a": 2, "b": [2, 3]}) != key
    monkeypatch.setattr(store, "source_hash", lambda: "edited library")
    assert store.key({"a": 1, "b": [2, 3]}) != key


def test_cached_map_loads_what_is_stored_and_computes_and_stores_the_rest(tmp_path):
    computed = []

    def square(x: int) -> np.ndarray:
        computed.append(x)
        return np.array([x * x])

    def save(path, value):
        store.write_atomic(path, lambda fh: np.save(fh, value))

    def path_of(x):
        return None if x < 0 else tmp_path / f"{x}.npy"

    first = store.cached_map(square, [1, 2, -3], path_of=path_of, load=np.load, save=save, workers=1)
    assert [int(v[0]) for v in first] == [1, 4, 9] and computed == [1, 2, -3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.npy", "2.npy"]  # no path: not stored
    again = store.cached_map(square, [2, 1, -3, 4], path_of=path_of, load=np.load, save=save, workers=1)
    assert [int(v[0]) for v in again] == [4, 1, 9, 16] and computed == [1, 2, -3, -3, 4]


@pytest.mark.parametrize(("text", "size"), [("500MB", 500 * 10**6), ("1.5GiB", int(1.5 * 2**30)), ("4096", 4096)])
def test_parse_size_reads_units(text, size):
    assert store.parse_size(text) == size


def test_parse_size_names_the_setting():
    with pytest.raises(ValueError, match="COOCCUR_CACHE_MAX_BYTES: cannot read 'big'"):
        store.parse_size("big", "COOCCUR_CACHE_MAX_BYTES")


def test_the_limit_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COOCCUR_CACHE_MAX_BYTES", "1KB")
    monkeypatch.setenv("COOCCUR_CACHE_DIR", str(tmp_path))
    assert store.cache_limit() == 1000 and store.cache_dir_of() == tmp_path
    os.environ.pop("COOCCUR_CACHE_MAX_BYTES")
    assert store.cache_limit() == store.DEFAULT_CACHE_LIMIT


@pytest.mark.parametrize("workers", [1, 2])
def test_cached_map_keeps_what_finished_before_an_item_failed(tmp_path, workers):
    def save(path, value):
        store.write_atomic(path, lambda fh: np.save(fh, value))

    with pytest.raises(ValueError, match="item 3 fails"):
        store.cached_map(_fails_at_three, [1, 2, 3], path_of=lambda x: tmp_path / f"{x}.npy", load=np.load, save=save,
                         workers=workers)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.npy", "2.npy"]  # 1 and 2 finished before 3 failed


def _fails_at_three(x: int) -> np.ndarray:
    if x == 3:
        time.sleep(1.0)  # in parallel too, 1 and 2 finish first
        raise ValueError("item 3 fails")
    return np.array([x])
