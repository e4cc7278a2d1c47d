"""Cached wrappers around core: one entry per distinct set of controls, each cache bounded in bytes.

A ByteCache (dashboard/bytecache.py) hands every caller its own copy, so no session can mutate
another's result, and computes a result asked for by several visitors at once only once.
"""

from __future__ import annotations

import contextlib
import threading

from core.attention import order_blindness as core_order_blindness
from core.clipping import clipping_over_scales
from core.lyapunov import lyapunov_log10_rate, rate_over_input_scales
from core.models import build_model
from core.probe import gradient_through_time, probe_model
from core.sweep import weight_scale_sweep
from core.theory import spectrum
from core.threads import give_back_free_memory

from .bytecache import byte_cache

# One heavy computation at a time on a server (a Transformer's probe, a sweep of 40 weight scales, a long
# recurrent probe): five visitors opening the heaviest links at once computed side by side and took the
# server to 971 MB; one after another, each leaves its result in the cache for the next.  Held only on a
# cache miss.  Each takes 30–120 MB while it runs (docs/performance.md); a light probe does not wait.
HEAVY_WORK = threading.RLock()
HEAVY_PROBE = 2000 * 64**2  # T·H² from which a recurrent probe counts as heavy (an LSTM's takes ~60 MB at 2000·128²)


def _heavy(model: str, seq_len: int, hidden_size: int = 64) -> bool:
    return model == "transformer" or seq_len * hidden_size**2 >= HEAVY_PROBE


@contextlib.contextmanager
def heavy_work():
    """Hold HEAVY_WORK for one computation, then give its freed memory back to the system."""
    with HEAVY_WORK:
        try:
            yield
        finally:
            give_back_free_memory()


def _one_at_a_time(heavy: bool):
    return heavy_work() if heavy else contextlib.nullcontext()


@byte_cache(max_mb=8)  # a table is 0.1 MB at T = 2000
def probe(model, seq_len, seed=0, window=0, input_scale=1.0, **options):
    """The probe table of any registered model (options: hidden_size, weight_scale, forget_bias, ...)."""
    with _one_at_a_time(_heavy(model, seq_len, options.get("hidden_size", 64))):
        return gradient_through_time(
            model, seq_len=seq_len, seed=seed, window=window, input_scale=input_scale, **options
        )


@byte_cache(max_mb=4)
def clipping(threshold, seq_len, hidden_size, seed):
    """Total gradient norm before and after clipping at θ, for the 40 weight scales (linear RNN)."""
    with heavy_work():
        return clipping_over_scales(threshold, seq_len=seq_len, hidden_size=hidden_size, seed=seed)


@byte_cache(max_mb=8)
def rnn_lab(seq_len, seed, input_scale, hidden_size, weight_scale, nonlinearity, init):
    """The RNN lab's measurements, from one model: (its probe table, the eigenvalues of W as
    re/im/abs, ρ(W), ‖W‖₂, the long-run log10 rate per step).  The same numbers as
    probe("rnn", ...), theory.spectrum and lyapunov.lyapunov_log10_rate."""
    options = {"nonlinearity": nonlinearity, "init": init}
    with _one_at_a_time(_heavy("rnn", seq_len, hidden_size)):
        net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, **options)
        rate = lyapunov_log10_rate(net, input_scale, seed)
        return (probe_model(net, seq_len, input_scale, seed), *spectrum(net.W), rate)


@byte_cache(max_mb=4)
def rnn_rates(hidden_size, weight_scale, nonlinearity, init, seed):
    """The long-run rate per step at every input scale (core.lyapunov), for the RNN lab's closer look."""
    options = {"nonlinearity": nonlinearity, "init": init}
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, **options)
    return rate_over_input_scales(net, seed=seed)


@byte_cache(max_mb=8)
def rnn_sweep(seq_len, hidden_size, nonlinearity, init, input_scale, seed, max_distances=120):
    """The probe at 40 weight scales and up to `max_distances` sampled distances (core.sweep), for
    the RNN lab's map.  Independent of the current ρ, so moving ρ reuses it."""
    with heavy_work():
        return weight_scale_sweep(
            seq_len=seq_len,
            hidden_size=hidden_size,
            nonlinearity=nonlinearity,
            init=init,
            input_scale=input_scale,
            seed=seed,
            max_distances=max_distances,
        )


@byte_cache(max_mb=2)
def order_blindness(config, seq_len, seed=0):
    """Shuffled input without and with positional encoding: see core.attention.order_blindness."""
    with heavy_work():
        return core_order_blindness(config, seq_len, seed)
