"""How much context a trained language model uses (Khandelwal et al. 2018, "Sharp Nearby, Fuzzy Far Away"),
and what it does with text: surprise per character, samples.

`context_curve(model)`: on N fixed target characters of the held-out text, the model's loss (bits/char)
when it reads only the last d characters before each target, for d = 1, 2, 4, … up to its training window;
and the loss when it reads the full window with everything beyond distance d shuffled (the characters kept,
their order destroyed).  At d = the window the two inputs are the same, so the two losses are equal.
`effective_context`: the smallest d whose loss is within 1% of the full window's.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import torch
from torch import nn

from .book import load_book
from .bptt import input_gradient
from .char_transformer import alibi_slopes
from .lm import CharLM

TARGETS = 2000  # held-out characters each loss is averaged over
WITHIN = 0.01  # effective context: within 1% of the full window's loss


def contexts(window: int) -> list[int]:
    """1, 2, 4, … and the window itself."""
    out, d = [], 1
    while d < window:
        out.append(d)
        d *= 2
    return [*out, window]


def target_positions(count: int, window: int) -> np.ndarray:
    """`count` evenly spaced held-out positions, each with at least `window` characters before it."""
    held = load_book().held_out_ids
    return np.linspace(window, len(held) - 1, count).round().astype(np.int64)


@torch.no_grad()
def _last_bits(model: CharLM, inputs: np.ndarray, targets: np.ndarray, batch: int = 250) -> float:
    """Mean bits of the targets given each input row (the prediction after its last character)."""
    total = 0.0
    for k in range(0, len(inputs), batch):
        logits = model(torch.from_numpy(inputs[k : k + batch]))[:, -1]
        total += nn.functional.cross_entropy(logits, torch.from_numpy(targets[k : k + batch]), reduction="sum").item()
    return total / len(inputs) / math.log(2)


def context_curve(model: CharLM, count: int = TARGETS, seed: int = 0) -> pd.DataFrame:
    """context, bits_per_char, shuffled_bits_per_char (see the module's doc), ordered by context."""
    held, window = load_book().held_out_ids, model.config.context
    positions = target_positions(count, window)
    targets = held[positions]
    full = held[positions[:, None] - window + np.arange(window)[None, :]]  # the window before each target
    rng = np.random.default_rng([seed, 11])
    rows = []
    for d in contexts(window):
        truncated = np.ascontiguousarray(full[:, window - d :])
        shuffled = full.copy()
        if d < window:
            far = shuffled[:, : window - d]
            shuffled[:, : window - d] = np.take_along_axis(
                far, rng.permuted(np.tile(np.arange(window - d), (count, 1)), axis=1), axis=1
            )
        rows.append(
            {
                "context": d,
                "bits_per_char": _last_bits(model, truncated, targets),
                "shuffled_bits_per_char": _last_bits(model, shuffled, targets),
            }
        )
    frame = pd.DataFrame(rows)
    last = frame.index[-1]
    frame.loc[last, "shuffled_bits_per_char"] = frame.loc[last, "bits_per_char"]  # the same input: equal by definition
    return frame


def effective_context(curve: pd.DataFrame, within: float = WITHIN) -> int:
    """The smallest context whose loss is within `within` (relative) of the full window's."""
    full = float(curve["bits_per_char"].iloc[-1])
    close = curve[curve["bits_per_char"] <= full * (1 + within)]
    return int(close["context"].min())


@torch.no_grad()
def surprise(model: CharLM, text: str) -> pd.DataFrame:
    """position, char, bits: −log2 p(character | the characters before it), from the second character on.

    A recurrent model reads the whole text.  The Transformer reads at most its window W: past W characters the
    text is read in windows of W overlapping by half, and each character is scored in the window where it has
    between W/2 and W characters before it (every character once; one batched pass instead of one a character)."""
    ids = load_book().encode(text)
    if len(ids) < 2:
        return pd.DataFrame({"position": [], "char": [], "bits": []})
    window = model.config.context
    if model.config.model != "transformer" or len(ids) <= window:
        logits = model(torch.from_numpy(ids[None, :-1]))[0]
        targets = ids[1:]
    else:
        half = window // 2
        starts = list(range(0, len(ids) - window, half)) + [len(ids) - 1 - window]
        rows = np.stack([ids[s : s + window] for s in starts])
        out = model(torch.from_numpy(rows))
        pieces, scored = [out[0]], window  # the first window scores positions 1 … W
        for k, start in enumerate(starts[1:], start=1):
            first = max(scored + 1, start + half + 1)  # the next unscored target, with at least W/2 before it
            pieces.append(out[k, first - start - 1 :])
            scored = start + window
        logits = torch.cat(pieces)
        targets = ids[1 : len(logits) + 1]
    bits = nn.functional.cross_entropy(logits, torch.from_numpy(targets), reduction="none") / math.log(2)
    n = len(targets)
    return pd.DataFrame({"position": np.arange(1, n + 1), "char": list(text[1 : n + 1]), "bits": bits.numpy()})


class CachedTransformer:
    """The Transformer's next-character logits one character at a time, each layer's keys and values kept
    (a KV cache), instead of a forward pass over the whole window per character: the same numbers as
    model(window)[:, -1] for the window the cache holds (tested).  The model was trained on windows of W, so when
    the cache is full it starts again from the last W/2 characters: each prediction reads between W/2 and W."""

    def __init__(self, model: CharLM):
        self.model, self.window = model, model.config.context
        self.ids: list[int] = []
        self.cache: list[tuple] = []  # a layer's keys, values, and its last key before smearing

    def reset(self, ids) -> torch.Tensor:
        """Read `ids` (1 to W of them) from an empty cache in one pass, as the model reads a window, keeping each
        layer's keys and values; the logits after the last one."""
        m, body = self.model, self.model.body
        self.ids = [int(token) for token in ids]
        h = body._start(m.embed(torch.tensor([self.ids])))
        self.cache = []
        for block in body.blocks:
            h, *kept = block.read(h)
            self.cache.append(tuple(kept))
        return m.head(body.norm(h))[0, -1]

    def push(self, token: int) -> torch.Tensor:
        """Read one more character; the logits (vocab) for the one after it."""
        if len(self.ids) == self.window:
            return self.reset([*self.ids[self.window // 2 :], token])
        m, pos = self.model, len(self.ids)
        self.ids.append(token)
        h = m.embed.weight[token].view(1, 1, -1)
        if m.body.positions is not None:
            h = h + m.body.positions.weight[pos]
        bias = torch.zeros(m.body.heads, 1, pos + 1, dtype=h.dtype)  # the last row of causal_bias
        if m.body.position == "alibi":
            bias = -alibi_slopes(m.body.heads).to(h.dtype)[:, None, None] * torch.arange(pos, -1, -1, dtype=h.dtype)
        for index, block in enumerate(m.body.blocks):
            q, raw, v = block.raw_queries_keys_values(h, offset=pos)
            keys, values, before = self.cache[index]
            k = block.smeared(raw, before)  # smeared keys mix in the key before (unsmeared), where the model has them
            keys = k if keys is None else torch.cat([keys, k], 2)
            values = v if values is None else torch.cat([values, v], 2)
            self.cache[index] = (keys, values, raw)
            weights = torch.softmax(q @ keys.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, dim=-1)
            h = h + block.out((weights @ values).transpose(1, 2).reshape(h.shape))
            h = h + block.mlp(block.norm2(h))
        return m.head(m.body.norm(h))[0, 0]


class CachedRecurrent:
    """An LSTM's or GRU's next-character logits one character at a time: reset reads a prompt in one call of
    the body and keeps each layer's state; push steps each layer's cell (torch.lstm_cell, torch.gru_cell: the
    same equations as nn.LSTM and nn.GRU, tested against them).  One cell a layer instead of a call of the whole
    body: on CPU nn.LSTM hands a float32 call to oneDNN, whose set-up for a single step cost 0.4 to 1.5 ms here
    (the cells: 0.15 ms), which made the LSTM's 300-character sample 0.4 to 0.7 s (#37)."""

    def __init__(self, model: CharLM):
        self.model, body = model, model.body
        self.lstm = model.config.model == "lstm"
        self.cell = torch.lstm_cell if self.lstm else torch.gru_cell
        self.weights = [
            tuple(getattr(body, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            for k in range(body.num_layers)
        ]
        self.state: list = []  # each layer's (h, c) for an LSTM, h for a GRU; 1 × hidden each

    def reset(self, ids) -> torch.Tensor:
        """Read `ids` (one or more) from a zero state in one call of the body; the logits after the last one."""
        out, state = self.model.body(self.model.embed(torch.tensor([[int(token) for token in ids]])))
        if self.lstm:
            self.state = [(state[0][k : k + 1, 0], state[1][k : k + 1, 0]) for k in range(len(self.weights))]
        else:
            self.state = [state[k : k + 1, 0] for k in range(len(self.weights))]
        return self.model.head(out[0, -1])

    def push(self, token: int) -> torch.Tensor:
        """Read one more character; the logits (vocab) for the one after it."""
        x = self.model.embed.weight[token].view(1, -1)
        for k, weights in enumerate(self.weights):
            self.state[k] = self.cell(x, self.state[k], *weights)
            x = self.state[k][0] if self.lstm else self.state[k]
        return self.model.head(x[0])


@torch.inference_mode()  # no autograd bookkeeping: a character is ~50 small ops, 10–15% faster than under no_grad
def sample(model: CharLM, prompt: str, length: int, temperature: float, seed: int) -> str:
    """`length` characters after `prompt`, drawn at `temperature` with a seeded generator, one character a step
    (CachedRecurrent; the Transformer reads between half its window and its window: CachedTransformer)."""
    book = load_book()
    ids = list(book.encode(prompt or "\n"))
    generator = torch.Generator().manual_seed(seed)
    if model.config.model == "transformer":
        reader = CachedTransformer(model)
        logits = reader.reset(ids[-(model.config.context // 2) :])
    else:
        reader = CachedRecurrent(model)
        logits = reader.reset(ids)
    for _ in range(length):
        probs = torch.softmax(logits / temperature, dim=-1)
        nxt = int(torch.multinomial(probs, 1, generator=generator))
        ids.append(nxt)
        logits = reader.push(nxt)
    return book.decode(ids[len(ids) - length :])


def gradient_profile(model: CharLM, text: str) -> pd.DataFrame:
    """‖∂ℓ/∂x_t‖ on a real passage: ℓ = log p(last character | the ones before it), x_t the input embedding of
    character t, in float64 (in float32 an LSTM's gradient 1,000 characters back underflows to exactly 0): by
    autograd through a float64 copy of the Transformer, by core/bptt.py for the LSTM and the GRU.  position,
    distance (from the last input character: 0), grad_norm, log10_grad_norm, char; one row per input character.
    The Transformer reads at most its window."""
    ids = load_book().encode(text)
    if len(ids) < 2:
        raise ValueError("the passage needs at least two characters")
    inputs, target = ids[:-1], int(ids[-1])
    if model.config.model == "transformer" and len(inputs) > model.config.context:
        raise ValueError(f"the Transformer reads at most {model.config.context} characters; got {len(inputs)}")
    if model.config.model == "transformer":
        exact = copy.deepcopy(model).double()
        x = exact.embed(torch.from_numpy(inputs[None, :])).detach().requires_grad_(True)
        readout = torch.log_softmax(exact.forward_embedded(x)[0, -1], dim=-1)[target]
        norms = torch.autograd.grad(readout, x)[0][0].norm(dim=-1).numpy()
    else:  # the same float64 gradient, backpropagated through time by hand in half the time (core/bptt.py)
        norms = np.linalg.norm(input_gradient(model, inputs, target), axis=1)
    positions = np.arange(len(inputs))
    with np.errstate(divide="ignore"):
        logs = np.log10(norms)
    return pd.DataFrame(
        {
            "position": positions,
            "distance": len(inputs) - 1 - positions,
            "grad_norm": norms,
            "log10_grad_norm": logs,
            "char": list(text[: len(inputs)]),
        }
    )
