"""What the Attention page shows, computed: tokens, their embeddings, pooled attention maps, the
positional encoding, and order blindness in numbers.

Text is split into words or characters by our own code and each distinct token gets a fixed
random vector seeded from the token's CRC32 and the seed: nothing is downloaded.  Long inputs are
max-pooled onto at most `max_bins` × `max_bins` cells, so a 2000-token map stays a small chart
while a sharp weight on one token stays visible.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib

import numpy as np
import pandas as pd
import torch

from .models.transformer import Transformer, TransformerConfig, sinusoidal_encoding

MAX_TOKENS = 128  # a typed sentence is cut here
MAX_CHARS = 1000
# T²·heads·layers: the attention weights of one forward pass (64 MB in float32).  A shared link to
# T = 1800, 8 heads, 4 layers (130M cells) took 8–9 s a move and grew the server to 1.5 GB.
MAX_ATTENTION_CELLS = 16_000_000
ORDER_ROUNDOFF = 1e-9  # float64 changes up to this (outputs of size about 1) are round-off, not a change


ZWJ = "\u200d"  # zero-width joiner: 👨‍👩‍👧 is three emoji joined into one


def _extends(ch: str) -> bool:
    """Does `ch` belong to the character before it (a combining mark, a variation selector, a skin
    tone, an emoji tag, or a joiner)?"""
    cp = ord(ch)
    return (
        ch == ZWJ
        or unicodedata.combining(ch) != 0
        or 0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin tones
        or 0xE0020 <= cp <= 0xE007F  # tag characters (subdivision flags)
    )


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF  # two of these make a flag


def max_positions(heads: int, layers: int) -> int:
    """The longest input whose attention weights stay within MAX_ATTENTION_CELLS for this model."""
    return math.isqrt(MAX_ATTENTION_CELLS // (heads * layers))


def _merge_clusters(pieces: list[str]) -> list[str]:
    """Join pieces that are one character on screen (a simplified grapheme clustering): no token is an
    invisible joiner, a lone accent or half a flag."""
    out: list[str] = []
    for piece in pieces:
        if out and (_extends(piece[0]) or out[-1].endswith(ZWJ)):
            out[-1] += piece
        elif out and len(out[-1]) == 1 and _regional(out[-1]) and _regional(piece[0]):
            out[-1] += piece
        else:
            out.append(piece)
    return out


def split_tokens(text: str, level: str = "word") -> list[str]:
    """Every token of `text`, uncapped: words (letters, digits and apostrophes; any other visible
    character on its own) or characters, each as it is seen on screen (emoji sequences kept whole)."""
    text = text or ""
    pieces = list(text) if level == "char" else re.findall(r"[\w']+|[^\w\s]", text)
    return _merge_clusters(pieces)


def tokenize(text: str, level: str = "word") -> list[str]:
    """The tokens the page uses: the first MAX_TOKENS of the first MAX_CHARS characters."""
    return split_tokens((text or "")[:MAX_CHARS], level)[:MAX_TOKENS]


def embed_tokens(tokens: list[str], size: int, seed: int) -> torch.Tensor:
    """A fixed N(0, 1) vector per distinct token (the same token, the same vector): (T, size)."""
    rows = [np.random.default_rng([zlib.crc32(tok.encode("utf-8")), seed]).standard_normal(size) for tok in tokens]
    return torch.tensor(np.array(rows).reshape(len(tokens), size), dtype=torch.float32)


def _pool(matrix: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Max-pool a (T, T) map onto (b, b) cells; returns (pooled, cell edges in positions)."""
    T = matrix.shape[0]
    edges = np.unique(np.linspace(0, T, min(bins, T) + 1).round().astype(int))
    pooled = np.maximum.reduceat(np.maximum.reduceat(matrix, edges[:-1], axis=0), edges[:-1], axis=1)
    return pooled, edges


def attention_frame(maps: list[torch.Tensor], max_bins: int = 64) -> pd.DataFrame:
    """Every layer's and head's map for one input, pooled: layer, head, query, key (cell starts),
    query_end, key_end, weight (the largest weight in the cell)."""
    parts = []
    for layer, weights in enumerate(maps):
        for head, matrix in enumerate(weights[0].numpy()):
            pooled, edges = _pool(matrix, max_bins)
            q, k = np.meshgrid(np.arange(len(edges) - 1), np.arange(len(edges) - 1), indexing="ij")
            parts.append(
                pd.DataFrame(
                    {
                        "layer": layer + 1,
                        "head": head + 1,
                        "query": edges[q.ravel()],
                        "query_end": edges[q.ravel() + 1],
                        "key": edges[k.ravel()],
                        "key_end": edges[k.ravel() + 1],
                        "weight": pooled.ravel(),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def readout_attention(model: Transformer, x: torch.Tensor) -> pd.DataFrame:
    """Attention from the last position to every position, per layer and head (x: (B, T, d),
    averaged over the batch): layer, head, position, weight."""
    rows = []
    for layer, weights in enumerate(model.attention_maps(x)):
        for head, row in enumerate(weights[:, :, -1, :].mean(0).numpy()):
            rows.append(
                pd.DataFrame({"layer": layer + 1, "head": head + 1, "position": np.arange(len(row)), "weight": row})
            )
    return pd.concat(rows, ignore_index=True)


def layer_maps(config: TransformerConfig, tokens: list[str], mode: str, seed: int = 0, max_bins: int = 64):
    """attention_frame of a fresh Transformer of `config`, seeded by `seed`, on the sentence's tokens (mode
    "sentence": each token's fixed vector) or on a random vector per position (mode "random")."""
    if mode == "sentence":
        x = embed_tokens(list(tokens), config.hidden_size, seed)
    else:
        x = torch.randn(len(tokens), config.hidden_size, generator=torch.Generator().manual_seed(seed))
    return attention_frame(Transformer(config).attention_maps(x[None]), max_bins)


def task_readout_attention(model, task: str, seq_len: int, vocab: int, batch: int = 64) -> pd.DataFrame:
    """readout_attention of a trained sequence model (core.training) on a fixed batch (seed 0) of its task."""
    from .tasks import TaskSpec, make_batch

    inputs, _ = make_batch(TaskSpec(task, seq_len, vocab), batch, torch.Generator().manual_seed(0))
    with torch.no_grad():
        return readout_attention(model.body, model.embed(inputs))


def trained_and_untrained(checkpoint) -> pd.DataFrame:
    """The readout attention of the checkpoint's trained Transformer and of an untrained one of the same
    shape, on the same batch of its task: readout_attention's columns and model ("trained" or "untrained")."""
    from .checkpoint import load

    model, cfg, _ = load(checkpoint)
    fresh = type(model)(model.config, cfg.vocab, cfg.vocab).eval()
    frames = [
        task_readout_attention(net, cfg.task, cfg.seq_len, cfg.vocab).assign(model=code)
        for code, net in (("trained", model), ("untrained", fresh))
    ]
    return pd.concat(frames, ignore_index=True)


def positional_frames(seq_len: int, size: int, max_bins: int = 64) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The encoding PE (position × dimension, positions pooled by mean) and the cosine similarity
    between positions' encodings (pooled by mean)."""
    pe = sinusoidal_encoding(seq_len, size, torch.float64).numpy()
    edges = np.unique(np.linspace(0, seq_len, min(max_bins, seq_len) + 1).round().astype(int))
    counts = np.diff(edges)[:, None]
    pooled_pe = np.add.reduceat(pe, edges[:-1], axis=0) / counts
    unit = pe / np.linalg.norm(pe, axis=1, keepdims=True)
    sim = unit @ unit.T
    pooled_sim = np.add.reduceat(np.add.reduceat(sim, edges[:-1], axis=0), edges[:-1], axis=1) / (counts * counts.T)
    p, d = np.meshgrid(np.arange(len(edges) - 1), np.arange(size), indexing="ij")
    pe_frame = pd.DataFrame(
        {
            "position": edges[p.ravel()],
            "position_end": edges[p.ravel() + 1],
            "dimension": d.ravel(),
            "value": pooled_pe.ravel(),
        }
    )
    a, b = np.meshgrid(np.arange(len(edges) - 1), np.arange(len(edges) - 1), indexing="ij")
    sim_frame = pd.DataFrame(
        {
            "i": edges[a.ravel()],
            "i_end": edges[a.ravel() + 1],
            "j": edges[b.ravel()],
            "j_end": edges[b.ravel() + 1],
            "similarity": pooled_sim.ravel(),
        }
    )
    return pe_frame, sim_frame


def order_is_lost(numbers: dict) -> bool:
    """Did shuffling without positional encoding change nothing but round-off (order_blindness's
    pooled output and permuted map)?  A window K > 0 makes the mask depend on position, so it can
    leak order even without the encoding."""
    return max(numbers["pooled_delta_without_pe"], numbers["map_delta"]) <= ORDER_ROUNDOFF


def order_blindness(config: TransformerConfig, seq_len: int, seed: int) -> dict:
    """Shuffle the input and compare, in float64, without and with positional encoding.

    Returns max |Δ| of the mean-pooled output, max |Δ| between the attention map of the shuffled
    input and the permuted map of the original (both without PE), and the mean-pooled change with PE.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(1, seq_len, config.hidden_size, generator=g, dtype=torch.float64)
    perm = torch.randperm(seq_len, generator=g)
    out = {}
    for positional in (False, True):
        net = (
            Transformer(
                TransformerConfig(
                    config.hidden_size, config.heads, config.layers, positional, config.window, config.seed
                )
            )
            .double()
            .eval()
        )
        with torch.no_grad():
            delta = (net(x[:, perm])[0].mean(0) - net(x)[0].mean(0)).abs().max().item()
            if not positional:
                maps, shuffled = net.attention_maps(x)[0][0], net.attention_maps(x[:, perm])[0][0]
                out["map_delta"] = (shuffled - maps[:, perm][:, :, perm]).abs().max().item()
        out["pooled_delta_with_pe" if positional else "pooled_delta_without_pe"] = delta
    return out
