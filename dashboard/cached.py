"""The dashboard's one door into core: every cached core call, and the light ones it calls directly.

The imports marked F401 are those light calls (closed forms, small table reads, the live training loop):
cheaper than a cache lookup, or not cacheable, and named here so that no other module calls into core.

Each cache is a ByteCache (dashboard/bytecache.py): shared by every session of a server, bounded in bytes,
keyed by plain values (no chart building, no translated labels here), handing each caller its own copy.
`heavy=True` (or a test of the arguments) marks a computation that takes tens of MB while it runs: it
waits for any other heavy one on the server.  tests/test_layout.py checks that no other dashboard module
calls a core function; core's classes and constants may be imported anywhere.
"""

from __future__ import annotations

import functools
import json
import threading
from pathlib import Path

import pandas as pd

from core import attention, complexity, context, depth, lm, minilm, retrieval, stacked, transformer_depth
from core.attention import max_positions, order_is_lost, positional_frames, split_tokens, tokenize  # noqa: F401
from core.attention import order_blindness as core_order_blindness
from core.book import load_book  # noqa: F401
from core.clipping import clipping_over_scales
from core.comeback import lru_lab as core_lru_lab
from core.comeback import rnn_eigenvalues as core_rnn_eigenvalues
from core.comeback import speedups, tail_slope  # noqa: F401
from core.complexity import fastest, fitted_slopes, sequential_operations, slope_range  # noqa: F401
from core.context import effective_context  # noqa: F401
from core.depth import shared_matrix_norms, variance_prediction_by_layer  # noqa: F401
from core.lineage import lineage_frame  # noqa: F401
from core.lyapunov import lyapunov_log10_rate, rate_over_input_scales
from core.minilm import band_mean  # noqa: F401
from core.models import build_model
from core.models.gates import sigmoid  # noqa: F401
from core.probe import gradient_through_time, probe_model
from core.stability import read_sweep
from core.stability import run as stability_run  # noqa: F401
from core.stability import unigram_bits as core_unigram_bits
from core.sweep import weight_scale_sweep
from core.sweep_training import agreement, longest_solved, run_sweep, sweep_summary  # noqa: F401
from core.theory import spectrum, theory_frame, verdict  # noqa: F401
from core.training import train  # noqa: F401

from .bytecache import byte_cache, heavy_work

DATA = Path(__file__).resolve().parent.parent / "data"
HEAVY_PROBE = 2000 * 64**2  # T·H² from which a recurrent probe counts as heavy (an LSTM's takes ~60 MB at 2000·128²)


def _heavy_probe(model, seq_len, seed=0, window=0, input_scale=1.0, **options) -> bool:
    return model == "transformer" or seq_len * options.get("hidden_size", 64) ** 2 >= HEAVY_PROBE


# --- probes: the RNN lab, Remedies, Attention, Head to head ------------------------------------------------


@byte_cache(max_mb=8, heavy=_heavy_probe)  # a table is 0.1 MB at T = 2000
def probe(model, seq_len, seed=0, window=0, input_scale=1.0, **options):
    """The probe table of any registered model (options: hidden_size, weight_scale, forget_bias, ...)."""
    return gradient_through_time(model, seq_len=seq_len, seed=seed, window=window, input_scale=input_scale, **options)


@byte_cache(max_mb=4, heavy=True)
def clipping(threshold, seq_len, hidden_size, seed):
    """Total gradient norm before and after clipping at θ, for the 40 weight scales (linear RNN)."""
    return clipping_over_scales(threshold, seq_len=seq_len, hidden_size=hidden_size, seed=seed)


@byte_cache(max_mb=8, heavy=lambda seq_len, seed, input_scale, hidden_size, *_: seq_len * hidden_size**2 >= HEAVY_PROBE)
def rnn_lab(seq_len, seed, input_scale, hidden_size, weight_scale, nonlinearity, init):
    """The RNN lab's measurements, from one model: (its probe table, the eigenvalues of W as
    re/im/abs, ρ(W), ‖W‖₂, the long-run log10 rate per step).  The same numbers as
    probe("rnn", ...), theory.spectrum and lyapunov.lyapunov_log10_rate."""
    options = {"nonlinearity": nonlinearity, "init": init}
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, **options)
    rate = lyapunov_log10_rate(net, input_scale, seed)
    return (probe_model(net, seq_len, input_scale, seed), *spectrum(net.W), rate)


@byte_cache(max_mb=4)
def rnn_rates(hidden_size, weight_scale, nonlinearity, init, seed):
    """The long-run rate per step at every input scale (core.lyapunov), for the RNN lab's closer look."""
    options = {"nonlinearity": nonlinearity, "init": init}
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, **options)
    return rate_over_input_scales(net, seed=seed)


@byte_cache(max_mb=8, heavy=True)
def rnn_sweep(seq_len, hidden_size, nonlinearity, init, input_scale, seed, max_distances=120):
    """The probe at 40 weight scales and up to `max_distances` sampled distances (core.sweep), for
    the RNN lab's map.  Independent of the current ρ, so moving ρ reuses it."""
    return weight_scale_sweep(
        seq_len=seq_len,
        hidden_size=hidden_size,
        nonlinearity=nonlinearity,
        init=init,
        input_scale=input_scale,
        seed=seed,
        max_distances=max_distances,
    )


# --- Attention ---------------------------------------------------------------------------------------------


@byte_cache(max_mb=2, heavy=True)
def order_blindness(config, seq_len, seed=0):
    """Shuffled input without and with positional encoding: see core.attention.order_blindness."""
    return core_order_blindness(config, seq_len, seed)


@byte_cache(max_mb=8, heavy=True)  # up to 48²·8·4 cells a setting: about 3 MB
def attention_maps(config, tokens: tuple, mode: str, bins: int, seed: int = 0) -> pd.DataFrame:
    """Every layer's and head's attention, pooled onto at most bins × bins cells (core.attention.layer_maps)."""
    return attention.layer_maps(config, list(tokens), mode, seed, bins)


@byte_cache(max_mb=2, ttl=None)
def trained_and_untrained() -> pd.DataFrame:
    """The shipped recall checkpoint's readout attention beside an untrained model's."""
    return attention.trained_and_untrained(DATA / "checkpoints" / "recall-transformer-T64.pt")


# --- Depth -------------------------------------------------------------------------------------------------


@byte_cache(max_mb=8)
def depth_gradient(cfg) -> pd.DataFrame:
    """‖∂ℓ/∂h_l‖ at every layer of a deep feed-forward network (core.depth.gradient_by_layer)."""
    return depth.gradient_by_layer(cfg)


@byte_cache(max_mb=2)
def depth_bound(cfg):
    """The derivative bound at every layer (NaN where it does not hold): a spectral norm a layer, the costly part
    of the page's first chart at large widths."""
    return depth.derivative_bound_by_layer(cfg)


@byte_cache(max_mb=8)
def unrolled(seq_len, hidden_size, weight_scale, nonlinearity, init, tied) -> pd.DataFrame:
    return depth.unrolled_rnn(seq_len, hidden_size, weight_scale, nonlinearity, init, tied=tied)


@byte_cache(max_mb=8)
def stacked_rnn(layers, seq_len, hidden_size, weight_scale, nonlinearity, init) -> pd.DataFrame:
    return stacked.stacked_gradients(layers, seq_len, hidden_size, weight_scale, nonlinearity, init)


@byte_cache(max_mb=4)
def transformers_in_depth(layers: int, seed: int) -> pd.DataFrame:
    """Post- and pre-norm stacks' gradient at every layer, with a `norm` column."""
    frames = [
        transformer_depth.transformer_gradient_by_layer(layers, norm, seed=seed).assign(norm=norm)
        for norm in transformer_depth.NORMS
    ]
    return pd.concat(frames, ignore_index=True)


# --- Head to head: Table 1 -----------------------------------------------------------------------------------


@byte_cache(max_mb=1, ttl=None)
def shipped_timings(mtime: float) -> tuple[pd.DataFrame, dict]:  # mtime: re-read when the file changes
    """The timings shipped in data/ (python -m core timings) and the machine and date they were measured on."""
    path = DATA / "timings.csv"
    return pd.read_csv(path), json.loads(path.with_suffix(".json").read_text())


@byte_cache(max_mb=1)
def timings_now(ns: tuple, r: int, k: int) -> tuple[pd.DataFrame, dict]:
    """Timings measured on this server (once an hour at most, whoever asks), and what they were measured on."""
    return complexity.time_per_layer(ns, r=r, k=k, repeats=7), complexity.machine_description()


@byte_cache(max_mb=1)
def path_lengths(n: int, k: int, r: int) -> dict:
    return {kind: complexity.max_path_length(kind, n, k, r) for kind in complexity.LAYER_KINDS}


# --- Training ----------------------------------------------------------------------------------------------


@byte_cache(max_mb=1, ttl=None)
def sweep_table(mtime: float) -> pd.DataFrame:  # mtime: re-read when the file changes
    return pd.read_csv(DATA / "sweep.csv")


def task_readout_attention(model, task: str, seq_len: int, vocab: int) -> pd.DataFrame:
    """A freshly trained model's readout attention (not cached: each job's model is its own)."""
    return attention.task_readout_attention(model, task, seq_len, vocab)


# --- A real Transformer: all-MiniLM-L6-v2 ------------------------------------------------------------------


def load_minilm() -> bool:
    """Load the model once per server (heavy: its loading's spare memory goes back); False where the package
    is missing."""
    try:
        if not minilm.loaded():
            with heavy_work():
                minilm.load()
        return True
    except minilm.ModelMissing:
        return False


def minilm_loaded() -> bool:
    return minilm.loaded()


@byte_cache(max_mb=8, heavy=True)
def minilm_analysis(text: str, side: int) -> dict:
    """Everything but one head's full map: word pieces, every head pooled to side × side (the model view),
    head statistics, and the readout's row of attention rollout (the T × T maps themselves are not kept)."""
    enc = minilm.encode(text)
    summary = minilm.summary(enc, side)
    return {"enc": enc, "pooled": summary.pooled, "stats": summary.stats, "rollout": summary.rollout[enc.readout]}


@byte_cache(max_mb=8, heavy=True)  # one head's T × T weights: 1 MB at 512 word pieces
def minilm_head(text: str, layer: int, head: int):
    return minilm.head_attention(minilm.encode(text), layer, head)


@byte_cache(max_mb=4, heavy=True)
def minilm_profile(text: str, seed: int) -> pd.DataFrame:
    """‖∂ℓ/∂x_t‖ for every word piece, for the readout seeded by `seed`."""
    return minilm.gradient_profile(minilm.encode(text), seed)


# --- On real text: the three language models -------------------------------------------------------------

LM_DIR = DATA / "lm"
_LM_LOCK = threading.Lock()


@functools.cache
def _lm(name: str):
    return lm.load_lm(LM_DIR / f"{name}.pt")


def language_model(name: str):
    """A shipped model and its JSON, loaded once per server (each is a few MB; read-only)."""
    with _LM_LOCK:
        return _lm(name)


def lm_ready() -> bool:
    return all((LM_DIR / f"{c}.pt").exists() and (LM_DIR / f"context-{c}.csv").exists() for c in lm.LM_MODELS)


@functools.cache
def context_curves() -> pd.DataFrame:
    """The shipped context curves (python -m core context), every model: model, context, bits, shuffled bits."""
    frames = [pd.read_csv(LM_DIR / f"context-{code}.csv").assign(model=code) for code in lm.LM_MODELS]
    return pd.concat(frames, ignore_index=True)


@byte_cache(max_mb=4, heavy=True)
def lm_gradients(text: str) -> dict[str, pd.DataFrame]:
    """Each model's gradient against distance for the last character of `text`: the LSTM and the GRU read all of
    it, the Transformer its window of it.  Computed once per text: the page's slider only chooses how far back its
    chart looks (#37: a move within 600 ms)."""
    window = language_model("transformer")[0].config.context
    read = {code: text[-(window + 1) :] if code == "transformer" else text for code in lm.LM_MODELS}
    return {code: context.gradient_profile(language_model(code)[0], read[code]) for code in lm.LM_MODELS}


@byte_cache(max_mb=4, heavy=True)
def lm_surprises(text: str) -> pd.DataFrame:
    frames = [context.surprise(language_model(code)[0], text).assign(model=code) for code in lm.LM_MODELS]
    return pd.concat(frames, ignore_index=True)


@byte_cache(max_mb=1, heavy=True)
def lm_samples(prompt: str, length: int, temperature: float, seed: int) -> dict[str, str]:
    return {code: context.sample(language_model(code)[0], prompt, length, temperature, seed) for code in lm.LM_MODELS}


# --- Retrieval: a passage shown twice ----------------------------------------------------------------------

RETRIEVAL_CHECKPOINTS = (*lm.LM_MODELS, "transformer-alibi", "transformer-learned")  # data/lm/retrieval-NAME.csv


def retrieval_ready() -> bool:
    return lm_ready() and all((LM_DIR / f"retrieval-{c}.csv").exists() for c in RETRIEVAL_CHECKPOINTS)


@functools.cache
def retrieval_curves() -> pd.DataFrame:
    """The shipped measurements (python -m core retrieval --detail), every checkpoint: model, then its columns."""
    frames = [
        pd.read_csv(LM_DIR / f"retrieval-{code}.csv").assign(model=code)
        for code in RETRIEVAL_CHECKPOINTS
        if (LM_DIR / f"retrieval-{code}.csv").exists()
    ]
    return pd.concat(frames, ignore_index=True)


@functools.cache
def lm_runs() -> dict[str, dict]:
    """Every training run's JSON (the shipped checkpoints, then data/lm/runs/), by name."""
    files = [LM_DIR / f"{code}.json" for code in RETRIEVAL_CHECKPOINTS] + sorted((LM_DIR / "runs").glob("*.json"))
    return {path.stem: json.loads(path.read_text()) for path in files if path.exists()}


def smear_weights() -> list[list[float]] | None:
    """The shipped Transformer's smeared-key weights σ(s), layer by layer and head by head (None: not smeared)."""
    return language_model("transformer")[0].body.smear_weights()


@byte_cache(max_mb=4, heavy=True)
def copy_demo(text: str, gap: str) -> dict:
    """text + gap + text read by each shipped model: "surprise" (model, copy, index, bits), and the Transformer's
    heads: "heads" (layer, head, induction, previous) and "block", the best induction head's second-copy rows
    over the first copy's columns."""
    book = load_book()
    passage, between = book.encode(text), book.encode(gap)
    frames = [
        retrieval.copy_surprise(language_model(code)[0], passage, between).assign(model=code) for code in lm.LM_MODELS
    ]
    heads, block = retrieval.induction_heads(language_model("transformer")[0], passage, between)
    return {"surprise": pd.concat(frames, ignore_index=True), "heads": heads, "block": block}


# --- Stability & speed ----------------------------------------------------------------------------------------


@functools.cache
def stability_sweep() -> pd.DataFrame:
    """The shipped sweep's records (python -m core stability --sweep), one row a run, its curve a list."""
    return pd.DataFrame(read_sweep(DATA / "stability"))


@functools.cache
def unigram_bits() -> float:
    return core_unigram_bits()


@functools.cache
def throughput_table() -> pd.DataFrame:
    """python -m benchmarks.throughput's table (data/throughput.csv); empty where it was not measured."""
    path = DATA / "throughput.csv"
    return pd.read_csv(path) if path.exists() else pd.DataFrame()


# --- RNNs came back ------------------------------------------------------------------------------------------


@byte_cache(max_mb=4)  # a probe table and its line are 0.2 MB at T = 2000
def lru_lab(seq_len: int, seed: int, r_min: float, r_max: float):
    """The LRU's probe, its slowest mode's line, its eigenvalues, log10 |λ|_max and that mode's γ."""
    return core_lru_lab(seq_len, seed, r_min, r_max)


@byte_cache(max_mb=1)
def rnn_eigenvalues(weight_scale: float, seed: int) -> pd.DataFrame:
    return core_rnn_eigenvalues(weight_scale, seed)


@byte_cache(max_mb=1, ttl=None)
def scan_speedups(mtime: float) -> pd.DataFrame:  # mtime: re-read when the file changes
    """python -m benchmarks.scan's timings as loop ÷ scan per model and length, with both round counts."""
    return speedups(pd.read_csv(DATA / "scan.csv"))
