"""One thread for each numeric library, for the app, the CLI and the benchmarks.

The probes work on small arrays (H = 64): a second thread buys nothing there, and on a 2-core
server it costs.  torch's second intra-op thread contends with NumPy's BLAS (about 40% slower at
T = 1000; README, "Speed").  NumPy's OpenBLAS starts a second thread for a 4H × H matrix-vector
product (the LSTM's and GRU's steps), and that thread busy-waits for more work after each call, so
it holds the second core while the browser that shows the result needs it: in the app, a new
Head to head setting (six probes) settled about 25 ms later with it (benchmarks/app_speed.py,
README "Speed").  Both are set once per process; `threadpoolctl` reaches the BLAS NumPy loaded,
whichever it is.
"""

from __future__ import annotations

import functools

import torch
from threadpoolctl import threadpool_limits


@functools.cache
def one_thread_each() -> None:
    """torch and the BLAS libraries loaded in this process run on one thread (idempotent)."""
    torch.set_num_threads(1)
    threadpool_limits(1, user_api="blas")
