"""Does the Transformer train more stably?  A learning-rate × warm-up × seed sweep of four character models.

The seed's claim is that the Transformer trains stably and does not get stuck in local minima.  The literature is
sharper: the 2017 post-norm layout needs a learning-rate warm-up, the pre-norm layout (GPT-2 on) does not (Xiong
et al. 2020, "On layer normalization in the Transformer architecture"; Liu et al. 2020, "Understanding the
difficulty of training Transformers").  This module measures it on the book (core/book.py):

- models: an LSTM and a GRU (2 layers, their width chosen so that their parameter count is the nearest to the
  Transformers'), and a pre-norm and a post-norm Transformer (core/char_transformer.py, `layers` deep, ALiBi);
- the same batches for every model at a seed (core/lm.py's `training_batch`, plain text), windows of `context`;
- Adam (0.9, 0.98) as in Vaswani et al. 2017, gradient-norm clipping at 1, the rate rising linearly over `warmup`
  steps and then constant.

Each run's outcome, from its training loss averaged over each CURVE_EVERY steps (`curve`):
- "nan": a loss that is not finite;
- "collapsed": the final point more than COLLAPSE bits/char above the run's own lowest point;
- "plateau": the final point within PLATEAU bits/char of the unigram entropy, or above it: the model predicts the
  letters' frequencies and nothing else (the book's unigram entropy is `unigram_bits()`, about 4.36);
- "trained": none of these.
A NaN is not the usual failure here: a stuck run's loss sits at the unigram entropy and never moves, and a
collapsed one ends far above its minimum; a rule of "NaN or above the unigram loss" would miss both.

`python -m core stability` runs one setting (a JSON record) or, with `--sweep`, the grid, one JSON line a run in
data/stability/MODEL.jsonl, skipping the runs already there, so that an interrupted sweep resumes.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .book import load_book
from .lm import CharLM, LMConfig, held_out_bits, training_batch
from .models.checks import check_choice, check_float, check_int

STABILITY_MODELS = ("lstm", "gru", "transformer-pre", "transformer-post")
LRS = (1e-3, 3e-3, 1e-2, 3e-2)  # the sweep's peak learning rates
WARMUPS = (0, 100)  # the sweep's warm-up lengths, steps
SEEDS = (0, 1, 2)  # the sweep's seeds: weights and batches
STEPS = 300  # a run's steps
CURVE_EVERY = 10  # the loss curve's resolution: the mean training loss of each 10 steps
PLATEAU = 0.1  # bits/char: a final loss this close to the unigram entropy (or above it) is the plateau
COLLAPSE = 0.5  # bits/char: a final loss this far above the run's own minimum is a collapse
SPIKE = 1.5  # a step's loss above this multiple of the running minimum is a spike…
SPIKE_AFTER = 50  # …counted after this many steps
OUTCOMES = ("trained", "plateau", "collapsed", "nan")
RECURRENT_LAYERS = 2
MAX_STEPS = 3000
OUT = Path("data/stability")


@dataclass(frozen=True)
class StabilityConfig:
    model: str = "transformer-pre"  # lstm | gru | transformer-pre | transformer-post
    lr: float = 1e-3  # the peak learning rate, reached after `warmup` steps and then held
    warmup: int = 0  # steps of a linear warm-up from lr/warmup to lr (0: the full rate from step 1)
    seed: int = 0  # the weights and the batches (the same batches for every model at a seed)
    steps: int = STEPS  # optimizer steps
    layers: int = 6  # the Transformers' depth; the recurrent models have 2 layers and a matched width
    context: int = 128  # characters a training window
    batch_size: int = 16  # windows a step (16 × 128 characters: the sweep's 96 runs fit in about two CPU-hours)
    d_model: int = 128  # the Transformers' width
    heads: int = 4  # the Transformers' heads

    def __post_init__(self):
        check_choice("model", self.model, STABILITY_MODELS)
        check_float("lr", self.lr, 1e-5, 1.0)
        check_int("steps", self.steps, 1, MAX_STEPS)
        check_int("warmup", self.warmup, 0, self.steps)
        check_int("seed", self.seed, 0, 2**31 - 1)
        check_int("layers", self.layers, 1, 12)


def _transformer(config: StabilityConfig) -> LMConfig:
    return LMConfig(
        model="transformer",
        steps=config.steps,
        batch_size=config.batch_size,
        context=config.context,
        lr=config.lr,
        warmup=config.warmup,
        d_model=config.d_model,
        heads=config.heads,
        layers=config.layers,
        norm="post" if config.model == "transformer-post" else "pre",
        repeat=0.0,
        seed=config.seed,
    )


def parameters(config: LMConfig) -> int:
    return sum(p.numel() for p in CharLM(config).parameters())


def matched_width(model: str, target: int, vocab: int = 65) -> int:
    """The recurrent width H (a multiple of 4) whose 2-layer model's parameter count is nearest to `target`."""
    per = {"lstm": 4, "gru": 3}[model]
    embed = 64

    def count(h: int) -> int:  # embedding + two layers (weights and both biases) + head
        layer1 = per * (h * (embed + h) + 2 * h)
        layer2 = per * (h * 2 * h + 2 * h)
        return vocab * embed + layer1 + layer2 + h * vocab + vocab

    return min(range(4, 2049, 4), key=lambda h: abs(count(h) - target))


def lm_config(config: StabilityConfig) -> LMConfig:
    """The CharLM configuration a run trains."""
    transformer = _transformer(config)
    if config.model.startswith("transformer"):
        return transformer
    hidden = matched_width(config.model, parameters(transformer))
    return replace(transformer, model=config.model, hidden=hidden, layers=RECURRENT_LAYERS, norm="pre")


def unigram_bits() -> float:
    """The entropy of the training text's character frequencies, bits/char: a model that predicts the letters'
    frequencies and nothing else reaches this loss and no lower."""
    counts = np.bincount(load_book().train_ids, minlength=len(load_book().alphabet)).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def outcome(curve: list[float], unigram: float) -> str:
    """One of OUTCOMES for a loss curve (bits/char, a point each CURVE_EVERY steps; see the module's rule)."""
    if not curve or not all(math.isfinite(v) for v in curve):
        return "nan"
    final, lowest = curve[-1], min(curve)
    if final > lowest + COLLAPSE:
        return "collapsed"
    if final >= unigram - PLATEAU:
        return "plateau"
    return "trained"


def spikes(losses: list[float]) -> int:
    """Steps after the first SPIKE_AFTER whose loss exceeds SPIKE × the lowest loss before it."""
    count, lowest = 0, math.inf
    for step, loss in enumerate(losses):
        if step >= SPIKE_AFTER and loss > SPIKE * lowest:
            count += 1
        lowest = min(lowest, loss)
    return count


def _curve(losses: list[float]) -> list[float]:
    return [float(np.mean(losses[k : k + CURVE_EVERY])) for k in range(0, len(losses), CURVE_EVERY)]


def learning_rate(config: StabilityConfig, step: int) -> float:
    """Linear warm-up to lr over `warmup` steps (step 0 gets lr/warmup), then lr."""
    return config.lr * min(1.0, (step + 1) / config.warmup) if config.warmup else config.lr


def key(record: dict) -> tuple:
    """What identifies a run in the sweep's files."""
    return (
        record["model"],
        float(record["lr"]),
        int(record["warmup"]),
        int(record["seed"]),
        int(record["steps"]),
        int(record["layers"]),
    )


def run(
    config: StabilityConfig,
    on_step: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    device: str = "cpu",
) -> dict:
    """Train one setting; returns its record (module docstring).  on_step({step, loss_bits}) after every step;
    should_stop() is asked after every step (a stopped run's record says "stopped": true and covers its steps)."""
    lm = lm_config(config)
    torch.manual_seed(config.seed)
    model = CharLM(lm).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, betas=(0.9, 0.98))
    train = load_book().train_ids
    losses, largest, stopped = [], 0.0, False
    started = time.perf_counter()
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        x, y = (t.to(device) for t in training_batch(lm, train, step))
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        bits = loss.item() / math.log(2)
        losses.append(bits)
        if not math.isfinite(bits):
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = float(nn.utils.clip_grad_norm_(model.parameters(), 1.0))
        largest = max(largest, norm) if math.isfinite(norm) else math.inf
        optimizer.step()
        if on_step is not None:
            on_step({"step": step + 1, "loss_bits": bits})
        if should_stop is not None and should_stop():
            stopped = step + 1 < config.steps
            break
    curve = _curve(losses)
    result = outcome(curve, unigram_bits())
    final = None
    if result != "nan":
        final = round(held_out_bits(model.cpu().eval(), count=128), 4)
    return asdict(config) | {
        "params": sum(p.numel() for p in model.parameters()),
        "hidden": lm.hidden if lm.model != "transformer" else None,
        "final_bits": final,
        "outcome": result,
        "diverged": result != "trained",
        "spikes": spikes(losses),
        "max_grad_norm": round(largest, 4) if math.isfinite(largest) else None,
        "min_bits": round(min(curve), 4) if result != "nan" else None,
        "curve": [round(v, 4) if math.isfinite(v) else None for v in curve],
        "steps_done": len(losses),
        "stopped": stopped,
        "seconds": round(time.perf_counter() - started, 1),
    }


def sweep_path(model: str, out: str | Path = OUT) -> Path:
    return Path(out) / f"{model}.jsonl"


def read_sweep(out: str | Path = OUT) -> list[dict]:
    """Every record in the sweep's files (a half-written last line, from an interrupted run, is skipped)."""
    records = []
    for model in STABILITY_MODELS:
        path = sweep_path(model, out)
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
    return records


def run_sweep(
    models=STABILITY_MODELS,
    lrs=LRS,
    warmups=WARMUPS,
    seeds=SEEDS,
    steps: int = STEPS,
    layers: int = 6,
    out: str | Path = OUT,
    on_run: Callable[[dict], None] | None = None,
    device: str = "cpu",
) -> int:
    """Run every setting not yet in `out`, appending each record as it finishes; returns the runs made."""
    done = {key(r) for r in read_sweep(out)}
    made = 0
    for seed, model, lr, warmup in itertools.product(seeds, models, lrs, warmups):  # a whole grid a seed, first
        config = StabilityConfig(model, lr, warmup, seed, steps, layers)
        if key(asdict(config)) in done:
            continue
        record = run(config, device=device)
        path = sweep_path(model, out)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as f:
            f.write(json.dumps(record) + "\n")
        made += 1
        if on_run is not None:
            on_run(record)
    return made
