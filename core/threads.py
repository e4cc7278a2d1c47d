"""One thread for each numeric library, for the app, the CLI and the benchmarks.

The probes work on small arrays (H = 64): a second thread buys nothing there, and on a 2-core
server it costs.  torch's second intra-op thread contends with NumPy's BLAS (about 40% slower at
T = 1000; README, "Speed").  NumPy's OpenBLAS starts a second thread for a 4H × H matrix-vector
product (the LSTM's and GRU's steps), and that thread busy-waits for more work after each call, so
it holds the second core while the browser that shows the result needs it: in the app, a new
Head to head setting (six probes) settled about 25 ms later with it (benchmarks/app_speed.py,
README "Speed").  Both are set once per process; `threadpoolctl` reaches the BLAS NumPy loaded,
whichever it is; a BLAS loaded later (SciPy's, should anything import it) reads
OPENBLAS_NUM_THREADS and friends when it loads, so those are set too.
"""

from __future__ import annotations

import functools
import gc
import os

import torch
from threadpoolctl import threadpool_limits


@functools.cache
def one_thread_each() -> None:
    """torch and the BLAS libraries loaded in this process run on one thread (idempotent)."""
    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # BLAS libraries loaded later
        os.environ[name] = "1"


M_ARENA_MAX, M_MMAP_THRESHOLD = -8, -3  # glibc's mallopt parameter numbers (malloc.h)
SERVER_ARENAS = 2  # malloc arenas a server process uses, whatever its number of threads
MMAP_THRESHOLD = 1 << 20  # bytes: a block this large or larger is mapped on its own, and unmapped when freed


@functools.cache
def bounded_malloc(arenas: int = SERVER_ARENAS, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """glibc's malloc set for a shared server (idempotent); False where the C library is not glibc.

    - Arenas capped for the threads created from now on.  A Streamlit server runs each visitor's script in
      its own thread, and glibc gives busy threads their own arenas (up to 8 per core): memory one visitor's
      computation frees then stays with its arena, unused by the others.
    - A fixed mmap threshold.  glibc maps a large block on its own and unmaps it when freed, but raises that
      threshold to the size of each mapped block freed (up to 32 MB), so after one large array the next ones
      come from the heap, where what they free stays resident until a trim.  Ten visitors opening the
      heaviest links peaked at 867–952 MB with the arenas capped alone, and at 686 MB with the threshold
      fixed at 1 MB as well (docs/performance.md).
    The same as MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=1048576, which a hosted server's environment cannot
    be relied on to set."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):  # not glibc (macOS, Windows, musl): nothing to set
        return False
    return bool(libc.mallopt(M_ARENA_MAX, int(arenas))) and bool(libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)))


@functools.cache
def _libc():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


@functools.cache
def frozen_imports() -> int:
    """Everything alive now leaves the cyclic garbage collector's reach (gc.freeze), once per process;
    returns how many objects that was.

    Python's full collection walks every container object the process holds: after the app's imports
    (torch, pandas, Altair, Streamlit) about 262,000, 127-150 ms on this machine, during which no visitor's
    script runs.  A server's heap grows as its caches and sessions fill, so the collector runs a full pass
    each time it has grown by a quarter: measured in a server answering every page's moves, seven passes of
    24 to 183 ms; after the freeze, 6 to 17 ms (docs/performance.md).  Called after the imports, so that those
    passes walk only what came after.  No collection first: it would cost the first visitor a full pass for the
    few hundred objects (about 400 of 262,000, benchmarks/collector.py) that were garbage, which frozen stay."""
    gc.freeze()
    return gc.get_freeze_count()


def give_back_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's malloc_trim; nothing elsewhere).  After a
    heavy computation its 30–120 MB of freed arrays would otherwise stay in the process's resident size."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def vjp(output, cotangent):
    """⟨output, cotangent⟩ as a scalar: torch.autograd.grad of it is the vector-Jacobian product J^T·cotangent,
    exactly (its backward multiplies the cotangent by 1).  Passing the cotangent as grad_outputs instead makes
    torch import torch.fx's symbolic shapes and sympy, 34 MB of a shared server's memory (#37)."""
    return (output * cotangent).sum()
