"""Character-level language models trained identically on the same book (core/book.py): a 2-layer LSTM,
a 2-layer GRU and a causal 2-layer Transformer, built from torch.nn modules.

`train_lm(config, on_step=...)` runs Adam with a cosine schedule on random windows of the training text and
reports through a callback (the trainer knows no UI).  `held_out_bits(model)` is the mean cross-entropy in
bits per character over fixed windows of the held-out block.  `save_lm` / `load_lm` write and read a
checkpoint (a state dict, loaded with weights_only=True) and a JSON of its config and held-out bits/char.

Source: Karpathy's char-rnn and minGPT (the models and the trainer); Khandelwal et al. 2018 (the context
measurements that use them, core/context.py).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .book import load_book
from .models.checks import check_choice, check_int

LM_MODELS = ("lstm", "gru", "transformer")
MAX_LM_STEPS = 50_000


@dataclass
class LMConfig:
    model: str = "lstm"  # lstm | gru | transformer
    steps: int = 2000  # optimizer steps
    batch_size: int = 32  # windows a step
    context: int = 256  # characters a window: the models are trained to predict each from the ones before it
    lr: float = 3e-3  # Adam's peak rate, after a warm-up of `warmup` steps, then a cosine decay to lr/10
    warmup: int = 100
    embedding: int = 64  # the recurrent models' input embedding
    hidden: int = 256  # the recurrent models' H
    d_model: int = 128  # the Transformer's width
    heads: int = 4  # the Transformer's heads
    layers: int = 2  # every model's depth
    clip: float = 1.0  # gradient-norm clipping, the same for all
    seed: int = 0  # weights and the windows drawn
    vocab: int = 65  # the book's alphabet

    def __post_init__(self):
        check_choice("model", self.model, LM_MODELS)
        check_int("steps", self.steps, 1, MAX_LM_STEPS)
        check_int("batch_size", self.batch_size, 1, 512)
        check_int("context", self.context, 2, 1024)


class CharLM(nn.Module):
    """Embedding → body (nn.LSTM, nn.GRU, or a causal nn.TransformerEncoder with learned positions) → logits."""

    def __init__(self, config: LMConfig):
        super().__init__()
        self.config = c = config
        if c.model == "transformer":
            self.embed = nn.Embedding(c.vocab, c.d_model)
            self.position = nn.Embedding(c.context, c.d_model)
            layer = nn.TransformerEncoderLayer(
                c.d_model, c.heads, 4 * c.d_model, dropout=0.0, batch_first=True, norm_first=True
            )
            self.body = nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(c.d_model)
            self.head = nn.Linear(c.d_model, c.vocab)
        else:
            self.embed = nn.Embedding(c.vocab, c.embedding)
            recurrent = nn.LSTM if c.model == "lstm" else nn.GRU
            self.body = recurrent(c.embedding, c.hidden, c.layers, batch_first=True)
            self.head = nn.Linear(c.hidden, c.vocab)

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B × T × vocab) from input embeddings x (B × T × E): the gradient probes start here."""
        if self.config.model != "transformer":
            return self.head(self.body(x)[0])
        n = x.shape[1]
        if n > self.config.context:
            raise ValueError(f"the Transformer reads at most {self.config.context} characters; got {n}")
        h = x + self.position.weight[:n]
        mask = nn.Transformer.generate_square_subsequent_mask(n, dtype=x.dtype)
        return self.head(self.norm(self.body(h, mask=mask, is_causal=True)))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(ids))


def windows(ids: np.ndarray, starts: np.ndarray, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-character targets (B × length each) of the windows starting at `starts`."""
    index = starts[:, None] + np.arange(length + 1)[None, :]
    chunk = torch.from_numpy(ids[index])
    return chunk[:, :-1], chunk[:, 1:]


EVAL_WINDOWS = 256  # held-out windows, evenly spaced: the same for every model


def eval_starts(count: int, length: int) -> np.ndarray:
    held = load_book().held_out_ids
    return np.linspace(0, len(held) - length - 2, count).round().astype(np.int64)


@torch.no_grad()
def held_out_bits(model: CharLM, count: int = EVAL_WINDOWS, batch: int = 64) -> float:
    """Mean cross-entropy, bits per character, over every position of `count` evenly spaced held-out windows
    of the model's context (each window read from an empty state)."""
    held, length = load_book().held_out_ids, model.config.context
    starts = eval_starts(count, length)
    total, n = 0.0, 0
    for k in range(0, len(starts), batch):
        x, y = windows(held, starts[k : k + batch], length)
        logits = model(x)
        total += nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="sum"
        ).item()
        n += y.numel()
    return total / n / math.log(2)


def learning_rate(config: LMConfig, step: int) -> float:
    """Linear warm-up to lr, then a cosine decay to lr/10 at the last step."""
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


@dataclass
class LMResult:
    model: CharLM
    config: LMConfig
    steps: int
    seconds: float
    train_bits: float  # the mean of the last 50 steps' training loss, bits/char
    held_out_bits: float
    status: str  # "finished" | "stopped" | "diverged at step N"

    def to_json(self) -> dict:
        return {
            "config": asdict(self.config),
            "steps": self.steps,
            "seconds": round(self.seconds, 1),
            "train_bits_per_char": round(self.train_bits, 4),
            "held_out_bits_per_char": round(self.held_out_bits, 4),
            "status": self.status,
            "torch": torch.__version__,
        }


def train_lm(
    config: LMConfig,
    on_step: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: int = 50,
) -> LMResult:
    """Train `config.model` on the book's training part; on_step({step, loss_bits, lr, seconds}) every
    `report_every` steps.  A NaN or infinite loss stops the run as "diverged at step N", never raised."""
    torch.manual_seed(config.seed)
    book = load_book()
    config.vocab = len(book.alphabet)
    model = CharLM(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    rng = np.random.default_rng([config.seed, 7])
    train = book.train_ids
    started, recent, status, step = time.perf_counter(), [], "finished", 0
    for step in range(config.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        x, y = windows(train, rng.integers(0, len(train) - config.context - 1, config.batch_size), config.context)
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        if not torch.isfinite(loss):
            status = f"diverged at step {step + 1}"
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        recent = (recent + [loss.item() / math.log(2)])[-50:]
        if on_step and ((step + 1) % report_every == 0 or step + 1 == config.steps):
            on_step(
                {
                    "step": step + 1,
                    "loss_bits": recent[-1],
                    "lr": learning_rate(config, step),
                    "seconds": time.perf_counter() - started,
                }
            )
        if should_stop and should_stop():
            status = "stopped"
            break
    model.eval()
    bits = held_out_bits(model) if not status.startswith("diverged") else math.nan
    steps = step + 1 if config.steps else 0
    train_bits = float(np.mean(recent)) if recent else math.nan
    return LMResult(model, config, steps, time.perf_counter() - started, train_bits, bits, status)


def save_lm(result: LMResult, path: str | Path) -> tuple[Path, Path]:
    """PATH: the weights (a state dict); PATH with .json: the config, held-out bits/char and how it was trained."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in result.model.state_dict().items()}, path)
    meta = path.with_suffix(".json")
    meta.write_text(json.dumps(result.to_json(), indent=1) + "\n")
    return path, meta


def load_lm(path: str | Path) -> tuple[CharLM, dict]:
    """(model in eval mode, its JSON) from a checkpoint written by save_lm, loaded with weights_only=True."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    model = CharLM(LMConfig(**meta["config"]))
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return model.eval(), meta
