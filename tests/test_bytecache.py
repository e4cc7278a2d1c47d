"""The shared caches are bounded in bytes (#20), hand out copies, expire, and compute a result asked
for by several callers at once only once."""

import pickle
import threading
import time

import numpy as np
import pandas as pd
import pytest

from dashboard.bytecache import MB, ByteCache, nbytes
from dashboard.figure import memo


def _table(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"x": np.arange(rows, dtype=float), "y": np.ones(rows)})


def test_a_cache_never_holds_more_bytes_than_its_budget_and_drops_the_least_recently_used():
    cache = ByteCache(_table, max_bytes=MB)
    size = len(pickle.dumps(_table(10_000), protocol=pickle.HIGHEST_PROTOCOL))  # 160 kB of numbers
    for rows in range(10_000, 10_020):
        cache(rows)
        assert cache.nbytes <= MB
        assert cache.nbytes == sum(len(blob) for blob, _ in cache.entries.values())
    assert cache.nbytes + size > MB and len(cache.entries) < 20  # full: as many as fit, not a number of entries
    oldest, second = list(cache.entries)[:2]
    cache(*oldest[1][0][1])  # a hit on the oldest moves it to the end ...
    cache(20_000)  # ... so a new entry drops the next oldest instead
    assert oldest in cache.entries and second not in cache.entries


def test_a_result_larger_than_the_budget_is_returned_and_not_kept():
    cache = ByteCache(_table, max_bytes=100_000)
    assert len(cache(50_000)) == 50_000
    assert cache.entries == {} and cache.nbytes == 0


def test_every_caller_gets_its_own_copy():
    cache = ByteCache(_table, max_bytes=MB)
    first = cache(10)
    first.drop(first.index, inplace=True)
    assert len(cache(10)) == 10


def test_an_entry_older_than_its_ttl_is_computed_again():
    calls = []
    cache = ByteCache(lambda n: calls.append(n) or n, max_bytes=MB, ttl=0.05)
    cache(1), cache(1)
    time.sleep(0.08)
    cache(1)
    assert calls == [1, 1]


def test_callers_asking_at_once_wait_for_one_computation():
    calls, gate = [], threading.Event()

    def slow(n):
        calls.append(n)
        gate.wait(2)
        return _table(n)

    cache = ByteCache(slow, max_bytes=MB)
    results = []
    threads = [threading.Thread(target=lambda: results.append(len(cache(100)))) for _ in range(5)]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join()
    assert calls == [100] and results == [100] * 5


def test_a_failed_computation_lets_the_next_caller_try():
    attempts = []

    def flaky(n):
        attempts.append(n)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")
        return n

    cache = ByteCache(flaky, max_bytes=MB)
    with pytest.raises(RuntimeError):
        cache(3)
    assert cache(3) == 3 and attempts == [3, 3]


def test_memoized_figures_are_bounded_in_bytes_too():
    built = memo(lambda n: _table(n), max_entries=1000, max_mb=1)
    for rows in range(5000, 5040):
        built(rows)
        assert sum(built.sizes.values()) <= MB
    assert 1 < len(built.cache) < 40
    assert nbytes(_table(5000)) >= 5000 * 16  # two float columns


def test_the_shared_caches_budgets_add_up_to_a_bounded_server():
    """Every shared cache of the dashboard, with its budget: their sum is what the caches can hold."""
    import sys

    from tests.test_shared_state import _cached_functions, _memo_caches

    byte_caches = _cached_functions(ByteCache)
    assert len(byte_caches) >= 10
    memos = _memo_caches()
    data = sum(c.max_bytes for c in byte_caches.values())
    assert data <= 160 * MB, data / MB
    owners = {name: sys.modules[name.rsplit(".", 1)[0]] for name in memos}
    assert all(hasattr(getattr(owners[n], n.rsplit(".", 1)[1]), "sizes") for n in memos)  # every memo has a budget


def test_a_memo_cleared_from_outside_keeps_its_byte_count_true():
    built = memo(lambda n: _table(n), max_entries=1000, max_mb=1)
    for rows in range(5000, 5010):
        built(rows)
    built.cache.clear()  # as a test or a reset may do
    built(7000)
    assert set(built.sizes) == set(built.cache) == {next(iter(built.cache))}
    assert sum(built.sizes.values()) <= MB
