"""The shared caches are bounded in bytes (#20), hand out copies, expire, and compute a result asked
for by several callers at once only once; a caller that waits seconds for other visitors' work is told (#37)."""

import pickle
import threading
import time

import numpy as np
import pandas as pd
import pytest

from dashboard import bytecache
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


@pytest.fixture
def busy(monkeypatch):
    """The busy hook recorded, announcing after 0.1 s instead of BUSY_AFTER_S."""
    calls = []
    monkeypatch.setattr(bytecache, "BUSY_AFTER_S", 0.1)
    monkeypatch.setattr(bytecache, "on_busy", lambda: calls.append(time.perf_counter()))
    return calls


def _hold(lock_or_fn, seconds: float, until: threading.Event | None = None) -> threading.Thread:
    """Hold the lock in another thread for `seconds`, or, given `until`, until it is set (at most `seconds`)."""
    held = threading.Event()

    def run():
        with lock_or_fn:
            held.set()
            if until is None:
                time.sleep(seconds)
            else:
                until.wait(seconds)

    thread = threading.Thread(target=run)
    thread.start()
    held.wait()
    return thread


def test_a_heavy_computation_waiting_on_another_visitors_says_so_once_then_runs(busy):
    """#37: a chart queued behind other visitors' heavy work is announced (once), then computed."""
    cache = ByteCache(lambda x: x + 1, max_bytes=MB, heavy=True)
    thread = _hold(bytecache.HEAVY_WORK, 0.6)
    started = time.perf_counter()
    assert cache(1) == 2
    assert len(busy) == 1 and 0.1 <= busy[0] - started < 0.5 and time.perf_counter() - started >= 0.5
    thread.join()
    cache.clear()
    assert cache(1) == 2 and len(busy) == 1  # no wait, no notice


def test_a_caller_waiting_for_the_same_result_from_another_visitor_says_so(busy):
    cache = ByteCache(lambda x: time.sleep(0.5) or x, max_bytes=MB)
    first = threading.Thread(target=cache, args=(7,))
    first.start()
    time.sleep(0.05)  # the first caller is computing it
    assert cache(7) == 7 and len(busy) == 1
    first.join()


def test_a_short_wait_is_not_announced(busy):
    cache = ByteCache(lambda x: x, max_bytes=MB, heavy=True)
    thread = _hold(bytecache.HEAVY_WORK, 0.02)
    assert cache(3) == 3 and busy == []
    thread.join()


def test_the_page_shows_the_busy_notice_when_its_heavy_chart_waits(monkeypatch):
    """The app's hook (dashboard.frame.busy_notice): a toast in the visitor's language, never an error."""
    from dashboard import cached, frame
    from dashboard.i18n import catalog
    from tests.apptest_helpers import run_app

    told, notice = threading.Event(), frame.busy_notice

    def telling():  # the app's hook (streamlit_app.py imports it at each run), and the holder lets go once it is told
        notice()
        told.set()

    monkeypatch.setattr(frame, "busy_notice", telling)
    monkeypatch.setattr(bytecache, "BUSY_AFTER_S", 0.2)
    cached.minilm_analysis.clear()  # the page's default analysis must be computed, and wait for the lock
    cached.load_minilm()
    thread = _hold(bytecache.HEAVY_WORK, 60, until=told)  # however slowly the page's run reaches it
    at = run_app({"lang": "ko"}, page="pages/real_transformer.py")
    thread.join()
    assert not at.exception
    assert [toast.value for toast in at.toast] == [catalog("ko")["app.busy"]]


def test_a_figure_asked_for_by_many_sessions_at_once_is_built_once(busy):
    """#37: a class arriving at a scene at the same moment: each figure built once, every caller handed it."""
    builds = []

    def build(x):
        builds.append(x)
        time.sleep(0.3)
        return {"x": x}

    figure = memo(build)
    results = []
    threads = [threading.Thread(target=lambda: results.append(figure(5))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [5] and len(results) == 8 and all(r is results[0] for r in results)
    assert 1 <= len(busy) <= 7  # the waiters, each told once after 0.1 s (here); never the builder


def test_a_failed_figure_build_lets_the_next_caller_build_it():
    calls = []

    def build(x):
        calls.append(x)
        if len(calls) == 1:
            raise RuntimeError("first build fails")
        return x

    figure = memo(build)
    with pytest.raises(RuntimeError):
        figure(1)
    assert figure(1) == 1 and calls == [1, 1]
