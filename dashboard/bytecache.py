"""A cache shared by every session of a server, bounded in bytes, not in entries.

A shared server must not grow with what its visitors open: a bound in entries does not bound memory when
one entry may be a hundred times another, so each cache here has a budget in bytes:
- a result is kept as its pickle, so its size is known exactly, and each caller gets its own copy
  (as with st.cache_data: no session can change what another is handed);
- past the budget the least recently used results go; a result larger than the whole budget is
  returned and not kept;
- a result older than `ttl` seconds is computed again;
- callers asking for the same missing result at the same moment wait for one computation instead
  of each running it;
- a `heavy` computation (one that takes tens of MB while it runs) waits for any other heavy one on the
  server (HEAVY_WORK), and gives its freed memory back to the system when it ends;
- a caller that has waited BUSY_AFTER_S for another visitor's work (HEAVY_WORK, or the same result being
  computed) is told so once through the hook `on_busy` (the dashboard shows a short notice), then waits on.

`nbytes(value)` estimates the memory of the objects that `dashboard.figure.memo` keeps unpickled.
"""

from __future__ import annotations

import contextlib
import functools
import math
import pickle
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import fields, is_dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from core.threads import give_back_free_memory

MB = 1 << 20
HEAVY_WORK = threading.RLock()  # one heavy computation at a time on a server; held on a cache miss only
BUSY_AFTER_S = 2.0  # a wait for other visitors' work longer than this is announced (on_busy)
on_busy: Callable[[], None] | None = None  # set by the dashboard: tells the waiting visitor; any thread may call it


def wait_for_others(try_wait: Callable[[float | None], bool]) -> None:
    """try_wait(timeout) until it succeeds; past BUSY_AFTER_S, call on_busy once first."""
    if try_wait(BUSY_AFTER_S):
        return
    if on_busy is not None:
        on_busy()
    try_wait(None)


PAGE_RUNS = threading.BoundedSemaphore(2)  # page scripts running at once on a server: as many as its cores


@contextlib.contextmanager
def page_run():
    """Hold one of PAGE_RUNS while a page's script runs: more at once than the cores only multiply the memory
    their work holds at once (#37), and a visitor kept waiting over BUSY_AFTER_S is told (on_busy)."""
    wait_for_others(lambda timeout: PAGE_RUNS.acquire(timeout=timeout))
    try:
        yield
    finally:
        PAGE_RUNS.release()


@contextlib.contextmanager
def heavy_work():
    """Hold HEAVY_WORK for one computation, then give its freed memory back to the system."""
    wait_for_others(lambda timeout: HEAVY_WORK.acquire(timeout=-1 if timeout is None else timeout))
    try:
        yield
    finally:
        try:
            give_back_free_memory()
        finally:
            HEAVY_WORK.release()


def hashable_key(value):
    """A hashable, order-preserving stand-in for a builder's arguments (dicts, lists, tuples)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, hashable_key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(hashable_key(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return value


class ByteCache:
    """`fn` cached by its arguments (hashable, or dicts, lists and tuples of them), within `max_bytes`.
    `heavy`: True, or a test of the arguments, for computations that wait for HEAVY_WORK."""

    def __init__(self, fn: Callable, max_bytes: int, ttl: float | None = 3600.0, heavy: bool | Callable = False):
        self.fn, self.max_bytes, self.ttl, self.heavy = fn, int(max_bytes), ttl, heavy
        self.entries: OrderedDict = OrderedDict()  # key -> (pickle, time stored)
        self.nbytes = 0  # bytes held now
        self._pending: dict = {}  # key -> threading.Event, set when its computation ends
        self._lock = threading.Lock()
        functools.update_wrapper(self, fn)

    def __call__(self, *args, **kwargs):
        key = hashable_key((args, kwargs))
        while True:
            with self._lock:
                entry = self.entries.get(key)
                if entry is not None and (self.ttl is None or time.monotonic() - entry[1] <= self.ttl):
                    self.entries.move_to_end(key)
                    blob = entry[0]
                    break
                if entry is not None:  # expired
                    self._drop(key)
                waiting = self._pending.get(key)
                if waiting is None:
                    self._pending[key] = threading.Event()
            if waiting is None:
                return self._compute(key, args, kwargs)
            wait_for_others(waiting.wait)  # another caller computes it: then it is here (or it failed, and we try)
        return pickle.loads(blob)

    def _compute(self, key, args, kwargs):
        try:
            heavy = self.heavy(*args, **kwargs) if callable(self.heavy) else self.heavy
            with heavy_work() if heavy else contextlib.nullcontext():
                value = self.fn(*args, **kwargs)
            blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            with self._lock:
                if len(blob) <= self.max_bytes:
                    self.entries[key] = (blob, time.monotonic())
                    self.nbytes += len(blob)
                    while self.nbytes > self.max_bytes:
                        self._drop(next(iter(self.entries)))
            return pickle.loads(blob)  # the caller's own copy, like every later caller's
        finally:
            with self._lock:
                self._pending.pop(key).set()

    def _drop(self, key) -> None:
        blob, _ = self.entries.pop(key)
        self.nbytes -= len(blob)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.nbytes = 0


def byte_cache(
    max_mb: float, ttl: float | None = 3600.0, heavy: bool | Callable = False
) -> Callable[[Callable], ByteCache]:
    """Decorator: a ByteCache of at most `max_mb` MB whose entries live `ttl` seconds (see ByteCache)."""
    return lambda fn: ByteCache(fn, int(max_mb * MB), ttl, heavy)


def nbytes(value, depth: int = 0) -> int:
    """About how many bytes `value` holds: tables and arrays by their buffers, containers and
    dataclasses by their contents, anything else by sys.getsizeof."""
    if depth > 8:
        return 0
    if isinstance(value, pd.DataFrame | pd.Series):
        return int(value.memory_usage(index=True, deep=True).sum() if isinstance(value, pd.DataFrame) else value.nbytes)
    if isinstance(value, pa.Table):
        return int(value.nbytes)
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, str | bytes):
        return sys.getsizeof(value)
    if isinstance(value, dict):
        return sum(nbytes(k, depth + 1) + nbytes(v, depth + 1) for k, v in value.items())
    if isinstance(value, list | tuple):
        return sum(nbytes(v, depth + 1) for v in value) + sys.getsizeof(value)
    if is_dataclass(value) and not isinstance(value, type):  # its fields, and what it cached (a Figure's data)
        own = vars(value).values() if hasattr(value, "__dict__") else [getattr(value, f.name) for f in fields(value)]
        return sum(nbytes(v, depth + 1) for v in own)
    return sys.getsizeof(value)
