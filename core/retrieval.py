"""Retrieval, not memory: a passage shown twice, and how much cheaper each model finds the second copy.

A held-out passage of n characters is read in its place in the book (after the LEAD characters before it), then
`distance` characters of the text that follows it (the gap), then the same passage again.  Every character is
predicted from all the characters before it.  A model that can look back predicts the second copy almost free;
one that cannot pays about what it paid for the first.

- first_bits, second_bits: the mean bits/char of the first and the second copy, over the passages;
- gain_bits = first_bits − second_bits.  About −0.1 means no copying: the second copy starts after a cut (the
  gap's text does not run on into it), which costs a little;
- the control: the same sequence with a different passage in place of the first copy.  control_bits is the
  second position's cost then, so control_bits − second_bits (copy_bits) is the copying alone, without the cut.

A model with learned absolute positions reads at most its window W: past it, each character is predicted from
between W/2 and W characters before it (as core/context.surprise does).  ALiBi, RoPE and the recurrent models read
the whole sequence.  Olsson et al. 2022 ("In-context learning and induction heads") measure the same copying.

`induction_scores(maps, first, second, n)`: for each head, the mean attention from position second + k of the
second copy to first + k + 1, the character after the matching one in the first copy (which is the character to
predict next).  `previous_scores(maps)`: the mean attention from each position to the one before it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch
from torch import nn

from .book import load_book
from .lm import CharLM

LENGTH = 48  # characters a passage
LEAD = 64  # held-out characters read before the first copy: the book's own text before it
DISTANCES = (16, 32, 64, 128, 192, 256, 384, 512, 1000, 2000)  # the gap between the copies, characters
PASSAGES = 24  # passages a distance
MAX_DISTANCE = 4000
MAX_LENGTH = 512
MAX_PASSAGES = 200
CELLS = 16_384  # characters a forward pass reads at most (rows × length)
SCORES = 1 << 22  # attention scores a forward pass holds at most (rows × length²): about 16 MB a head and layer
COLUMNS = ("distance", "first_bits", "second_bits", "gain_bits")
DETAIL = ("gain_median", "gain_low", "gain_high", "control_bits", "copy_bits")


def passage_starts(count: int, length: int, seed: int) -> np.ndarray:
    """`count` held-out positions spread over the held-out text (a seeded jitter of up to half their spacing, so
    no two passages overlap), each with LEAD characters before it and room for the passage and the longest gap."""
    held = load_book().held_out_ids
    room = len(held) - LEAD - 2 * length - MAX_DISTANCE - 1
    stride = room / count
    jitter = np.random.default_rng([seed, 5]).uniform(0, stride / 2, count)
    return (LEAD + np.arange(count) * stride + jitter).astype(np.int64)


def sequences(starts: np.ndarray, length: int, distance: int, control: bool = False) -> np.ndarray:
    """Rows of lead + first copy + gap + second copy (rows × (LEAD + 2·length + distance)); with `control`, the
    first copy is the next row's passage (the last row takes the first's)."""
    held = load_book().held_out_ids
    firsts = np.roll(starts, -1) if control else starts
    rows = [
        np.concatenate(
            [
                held[s - LEAD : s],
                held[f : f + length],
                held[s + length : s + length + distance],
                held[s : s + length],
            ]
        )
        for s, f in zip(starts, firsts, strict=True)
    ]
    return np.stack(rows)


def _window_starts(n: int, window: int) -> list[int]:
    half = window // 2
    return list(range(0, n - window, half)) + [n - window]


@torch.no_grad()
def bits(model: CharLM, rows: np.ndarray) -> np.ndarray:
    """bits[r, t−1] = −log2 p(rows[r, t] | rows[r, :t]) for t = 1 … N−1 (rows × (N − 1)).  A model with a window
    W shorter than the input reads windows of W overlapping by half: each character with W/2 to W before it."""
    rows = np.ascontiguousarray(rows)
    n = rows.shape[1] - 1  # inputs a row
    reach = model.reach
    out = np.empty((len(rows), n))
    read = min(n, reach or n)
    per_pass = max(1, min(CELLS // read, SCORES // read**2 if model.config.model == "transformer" else len(rows)))
    for k in range(0, len(rows), per_pass):
        part = rows[k : k + per_pass]
        if reach is None or n <= reach:
            logits = model(torch.from_numpy(part[:, :-1]))
        else:
            pieces, scored = [], 0
            for start in _window_starts(n, reach):
                window = model(torch.from_numpy(part[:, start : start + reach]))
                first = 0 if start == 0 else max(scored, start + reach // 2) - start
                pieces.append(window[:, first:])
                scored = start + reach
            logits = torch.cat(pieces, dim=1)
        targets = torch.from_numpy(part[:, 1:])
        loss = nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
        out[k : k + len(part)] = (loss / math.log(2)).numpy()
    return out


def copy_bits(model: CharLM, rows: np.ndarray, length: int, distance: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean bits/char of the first and the second copy in each row."""
    per = bits(model, rows)  # per[:, t − 1] is character t's
    first = per[:, LEAD - 1 : LEAD - 1 + length].mean(axis=1)
    second_at = LEAD + length + distance
    second = per[:, second_at - 1 : second_at - 1 + length].mean(axis=1)
    return first, second


def check_arguments(distances, length: int, passages: int) -> None:
    """ValueError, naming the flag, for arguments out of range."""
    for d in distances:
        if not 0 <= d <= MAX_DISTANCE:
            raise ValueError(f"--distance must be from 0 to {MAX_DISTANCE}; got {d}")
    if not 2 <= length <= MAX_LENGTH:
        raise ValueError(f"--length must be from 2 to {MAX_LENGTH}; got {length}")
    if not 2 <= passages <= MAX_PASSAGES:
        raise ValueError(f"--passages must be from 2 to {MAX_PASSAGES}; got {passages}")


def retrieval_gain(
    model: CharLM,
    distances=DISTANCES,
    length: int = LENGTH,
    passages: int = PASSAGES,
    seed: int = 0,
) -> pd.DataFrame:
    """One row a distance: COLUMNS (means over the passages; gain = first − second), then DETAIL: the median,
    least and greatest gain over the passages, the control's mean bits/char, and control − second."""
    check_arguments(distances, length, passages)
    starts = passage_starts(passages, length, seed)
    rows = []
    for d in distances:
        first, second = copy_bits(model, sequences(starts, length, d), length, d)
        _, control = copy_bits(model, sequences(starts, length, d, control=True), length, d)
        gain = first - second
        rows.append(
            {
                "distance": int(d),
                "first_bits": first.mean(),
                "second_bits": second.mean(),
                "gain_bits": first.mean() - second.mean(),
                "gain_median": float(np.median(gain)),
                "gain_low": gain.min(),
                "gain_high": gain.max(),
                "control_bits": control.mean(),
                "copy_bits": control.mean() - second.mean(),
            }
        )
    return pd.DataFrame(rows, columns=[*COLUMNS, *DETAIL])


def induction_scores(maps: torch.Tensor, first: int, second: int, length: int) -> torch.Tensor:
    """maps: … × T × T attention (rows: queries).  For each leading index (layer, head): the mean over k = 0 …
    length − 2 of maps[second + k, first + k + 1], the weight on the character after the matching one."""
    k = torch.arange(length - 1)
    return maps[..., second + k, first + k + 1].mean(dim=-1)


def previous_scores(maps: torch.Tensor) -> torch.Tensor:
    """maps: … × T × T.  For each leading index: the mean over i = 1 … T−1 of maps[i, i − 1]."""
    i = torch.arange(1, maps.shape[-1])
    return maps[..., i, i - 1].mean(dim=-1)


# --- one passage of the visitor's: the dashboard's live demo ------------------------------------------------


def copy_surprise(model: CharLM, passage: np.ndarray, gap: np.ndarray) -> pd.DataFrame:
    """copy (1, 2), index (0 … n−1), bits: each character of both copies in passage + gap + passage, read from an
    empty state.  The first copy's first character has nothing before it: NaN."""
    n, g = len(passage), len(gap)
    per = bits(model, np.concatenate([passage, gap, passage])[None])[0]  # per[t − 1]: character t
    first = np.concatenate([[np.nan], per[: n - 1]])
    second = per[n + g - 1 : 2 * n + g - 1]
    return pd.DataFrame(
        {"copy": np.repeat([1, 2], n), "index": np.tile(np.arange(n), 2), "bits": np.concatenate([first, second])}
    )


@torch.no_grad()
def induction_heads(model: CharLM, passage: np.ndarray, gap: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The Transformer's heads on passage + gap + passage: a frame of layer, head (from 1), induction, previous
    (see the module's doc), and the map of the head with the highest induction score, restricted to the second
    copy's characters (rows) attending to the first copy's (columns): n × n."""
    n, g = len(passage), len(gap)
    row = np.concatenate([passage, gap, passage])
    total, second = len(row), n + g
    induction, previous, blocks = [], [], []
    for layer in model.body.layer_weight_blocks(model.embed(torch.from_numpy(row[None]))):
        # the means of induction_scores(maps, 0, second, n) and previous_scores(maps), gathered block by block of
        # query rows (heads × rows × T each) instead of from the whole T × T maps (#37: 1,536² a head and layer)
        heads = model.config.heads
        on_match, on_previous, block = torch.zeros(heads), torch.zeros(heads), torch.empty(heads, n, n)
        for start, weights in layer:
            rows = torch.arange(start, start + weights.shape[-2])
            after = rows[rows >= 1]
            on_previous += weights[:, after - start, after - 1].sum(-1)
            k = rows[(rows >= second) & (rows < second + n - 1)] - second
            on_match += weights[:, second + k - start, k + 1].sum(-1)
            copy = rows[rows >= second]
            block[:, copy - second] = weights[:, copy - start, :n]
        induction.append(on_match / (n - 1))
        previous.append(on_previous / (total - 1))
        blocks.append(block)
    induction, previous = torch.stack(induction), torch.stack(previous)
    layers, heads = induction.shape
    frame = pd.DataFrame(
        {
            "layer": np.repeat(np.arange(1, layers + 1), heads),
            "head": np.tile(np.arange(1, heads + 1), layers),
            "induction": induction.flatten().numpy(),
            "previous": previous.flatten().numpy(),
        }
    )
    best = int(induction.flatten().argmax())
    block = blocks[best // heads][best % heads].numpy()
    return frame, block
