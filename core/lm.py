"""Character-level language models trained identically on the same book (core/book.py): a 2-layer LSTM,
a 2-layer GRU and a causal 2-layer Transformer (core/char_transformer.py, ALiBi positions by default).

The training stream: random windows of the training text, and in a fraction `repeat` of them a passage of
32–128 characters copied from earlier in the same window (`repeat_passages`), so that every model is given the
same chance to learn to copy (core/retrieval.py measures who does).  The windows of step s are drawn from a
generator seeded by (seed, s), so a resumed run draws what the uninterrupted one would have.

`train_lm(config, on_step=...)` runs Adam with a cosine schedule and reports through callbacks (the trainer
knows no UI); with `save_to` it writes a checkpoint every `save_every` steps, and `resume=True` continues from
one.  `held_out_bits(model)` is the mean cross-entropy in bits per character over fixed windows of the held-out
block, plain text without repeats.  `save_lm` / `load_lm` write and read a checkpoint (a state dict, loaded with
weights_only=True) and a JSON of its config, held-out bits/char, total steps and time.

Source: Karpathy's char-rnn and minGPT (the models and the trainer); Khandelwal et al. 2018 (the context
measurements that use them, core/context.py).
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .book import load_book
from .char_transformer import NORMS, POSITIONS, CharTransformer
from .models.checks import check_choice, check_int

LM_MODELS = ("lstm", "gru", "transformer")
MAX_LM_STEPS = 50_000
PASSAGE = (32, 128)  # the repeated passages' length in training windows, characters (at most half the window)
SPACINGS = ("even", "near")  # how far apart a window's two copies are drawn (repeat_passages)


@dataclass
class LMConfig:
    model: str = "lstm"  # lstm | gru | transformer
    steps: int = 3000  # optimizer steps
    batch_size: int = 32  # windows a step
    context: int = 256  # characters a window: the models are trained to predict each from the ones before it
    lr: float = 3e-3  # Adam's peak rate, after a warm-up of `warmup` steps, then a cosine decay to lr/10
    warmup: int = 100
    embedding: int = 64  # the recurrent models' input embedding
    hidden: int = 256  # the recurrent models' H
    d_model: int = 128  # the Transformer's width
    heads: int = 4  # the Transformer's heads
    layers: int = 2  # every model's depth
    position: str = "alibi"  # the Transformer's position scheme: alibi | rope | learned (core/char_transformer.py)
    norm: str = "pre"  # the Transformer's LayerNorm placement: pre (GPT-2) | post (2017; core/stability.py)
    repeat: float = 0.5  # the fraction of training windows holding a passage repeated from earlier in the window
    smear: bool = False  # the Transformer's smeared keys (Olsson et al. 2022; core/char_transformer.py)
    spacing: str = "near"  # the copies' places: near (the first, then the second after it) | even (any distance)
    clip: float = 1.0  # gradient-norm clipping, the same for all
    seed: int = 0  # weights and the windows drawn
    vocab: int = 65  # the book's alphabet

    def __post_init__(self):
        check_choice("model", self.model, LM_MODELS)
        check_choice("position", self.position, POSITIONS)
        check_choice("norm", self.norm, NORMS)
        check_choice("spacing", self.spacing, SPACINGS)
        check_int("steps", self.steps, 1, MAX_LM_STEPS)
        check_int("batch_size", self.batch_size, 1, 512)
        check_int("context", self.context, 2, 1024)
        check_int("layers", self.layers, 1, 12)
        check_int("heads", self.heads, 1, 16)
        if self.d_model % self.heads:
            raise ValueError(f"heads must divide d_model ({self.d_model}); got {self.heads}")
        if not 0.0 <= self.repeat <= 1.0:
            raise ValueError(f"repeat must be from 0 to 1; got {self.repeat}")


class CharLM(nn.Module):
    """Embedding → body (nn.LSTM, nn.GRU, or a causal CharTransformer) → logits."""

    def __init__(self, config: LMConfig):
        super().__init__()
        self.config = c = config
        if c.model == "transformer":
            self.embed = nn.Embedding(c.vocab, c.d_model)
            self.body = CharTransformer(c.d_model, c.heads, c.layers, c.context, c.position, c.norm, c.smear)
            self.head = nn.Linear(c.d_model, c.vocab)
        else:
            self.embed = nn.Embedding(c.vocab, c.embedding)
            recurrent = nn.LSTM if c.model == "lstm" else nn.GRU
            self.body = recurrent(c.embedding, c.hidden, c.layers, batch_first=True)
            self.head = nn.Linear(c.hidden, c.vocab)

    @property
    def reach(self) -> int | None:
        """The most characters it reads at once: the window for learned positions, else no limit."""
        return self.body.reach if self.config.model == "transformer" else None

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B × T × vocab) from input embeddings x (B × T × E): the gradient probes start here."""
        if self.config.model != "transformer":
            return self.head(self.body(x)[0])
        return self.head(self.body(x))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.forward_embedded(self.embed(ids))


def windows(ids: np.ndarray, starts: np.ndarray, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and next-character targets (B × length each) of the windows starting at `starts`."""
    index = starts[:, None] + np.arange(length + 1)[None, :]
    chunk = torch.from_numpy(ids[index])
    return chunk[:, :-1], chunk[:, 1:]


def repeat_passages(chunks: np.ndarray, fraction: float, rng: np.random.Generator, spacing: str = "even") -> np.ndarray:
    """A copy of `chunks` (B × N) in which a `fraction` of the rows (rounded, chosen at random) hold a passage of
    PASSAGE characters copied from earlier in the row: positions [a, a+L) are copied over [b, b+L), a + L ≤ b.
    spacing "near" (the shipped models): a, then b uniformly after a + L, which makes most copies near (for 48
    characters in 256, a gap of 128 or more about 2% of the time); "even": the distance b − a drawn uniformly
    from L … N − L, then a (tried: it copied no better, data/lm/README.md)."""
    out = chunks.copy()
    n = chunks.shape[1]
    longest = min(PASSAGE[1], n // 2)
    shortest = min(PASSAGE[0], longest)
    if longest < 1:
        return out
    for row in rng.permutation(len(out))[: round(fraction * len(out))]:
        length = int(rng.integers(shortest, longest + 1))
        if spacing == "even":
            apart = int(rng.integers(length, n - length + 1))
            first = int(rng.integers(0, n - length - apart + 1))
            second = first + apart
        else:
            first = int(rng.integers(0, n - 2 * length + 1))
            second = int(rng.integers(first + length, n - length + 1))
        out[row, second : second + length] = out[row, first : first + length]
    return out


def training_batch(config: LMConfig, train: np.ndarray, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Step `step`'s inputs and targets: windows drawn by a generator seeded by (seed, step), with repeats."""
    rng = np.random.default_rng([config.seed, 7, step])
    starts = rng.integers(0, len(train) - config.context - 1, config.batch_size)
    chunks = train[starts[:, None] + np.arange(config.context + 1)[None, :]]
    chunk = torch.from_numpy(repeat_passages(chunks, config.repeat, rng, config.spacing))
    return chunk[:, :-1], chunk[:, 1:]


EVAL_WINDOWS = 256  # held-out windows, evenly spaced: the same for every model


def eval_starts(count: int, length: int) -> np.ndarray:
    held = load_book().held_out_ids
    return np.linspace(0, len(held) - length - 2, count).round().astype(np.int64)


@torch.no_grad()
def held_out_bits(model: CharLM, count: int = EVAL_WINDOWS, batch: int = 64) -> float:
    """Mean cross-entropy, bits per character, over every position of `count` evenly spaced held-out windows
    of the model's context (each window read from an empty state; plain text, no repeats)."""
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
    steps: int  # total optimizer steps, over every session
    seconds: float  # total training time, over every session
    train_bits: float  # the mean of the last 50 steps' training loss, bits/char
    held_out_bits: float
    status: str  # "finished" | "stopped" | "running" | "diverged at step N"
    sessions: list = field(default_factory=list)  # {"from", "to", "seconds", "device"} a session
    progress: list = field(default_factory=list)  # {"step", "train_bits", …what on_save returned} a checkpoint

    def to_json(self) -> dict:
        return {
            "config": asdict(self.config),
            "steps": self.steps,
            "seconds": round(self.seconds, 1),
            "train_bits_per_char": round(self.train_bits, 4),
            "held_out_bits_per_char": round(self.held_out_bits, 4),
            "status": self.status,
            "sessions": self.sessions,
            "progress": self.progress,
            "torch": torch.__version__,
        }


def state_path(path: str | Path) -> Path:
    """Where the optimizer's state and the step count of the checkpoint at PATH are kept, for resuming."""
    return Path(path).with_suffix(".state.pt")


def train_lm(
    config: LMConfig,
    on_step: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    report_every: int = 50,
    save_to: str | Path | None = None,
    save_every: int = 0,
    on_save: Callable[[CharLM, int], dict] | None = None,
    resume: bool = False,
    device: str = "cpu",
) -> LMResult:
    """Train `config.model` on the training stream; on_step({step, loss_bits, lr, seconds}) every `report_every`
    steps.  With `save_to`, a checkpoint is written every `save_every` steps (0: at the end only) and at the end;
    on_save(model, step) may add measurements to its `progress` list.  `resume=True` continues the run saved at
    `save_to` up to `config.steps` in all (the windows and the schedule are those of the uninterrupted run).
    A NaN or infinite loss stops the run as "diverged at step N", never raised.  The checkpoint is on the CPU."""
    torch.manual_seed(config.seed)
    book = load_book()
    config.vocab = len(book.alphabet)
    model = CharLM(config).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    first, before, recent, sessions, progress = 0, 0.0, [], [], []
    if resume:
        if save_to is None or not state_path(save_to).exists():
            raise FileNotFoundError(f"nothing to resume: {state_path(save_to or 'PATH')} does not exist")
        saved, meta = load_lm(save_to)
        if asdict(saved.config) | {"steps": config.steps} != asdict(config):
            raise ValueError("--resume needs the checkpoint's own settings (only --steps may change)")
        model.load_state_dict(saved.state_dict())
        state = torch.load(state_path(save_to), map_location=device, weights_only=True)
        optimizer.load_state_dict(state["optimizer"])
        first, recent = int(state["step"]), [float(v) for v in state["recent"]]
        before, sessions, progress = float(meta["seconds"]), list(meta["sessions"]), list(meta["progress"])
    train = book.train_ids
    started, status, step = time.perf_counter(), "finished", first
    session = {"from": first, "to": first, "seconds": 0.0, "device": device}

    def result(status: str, held: float) -> LMResult:
        elapsed = time.perf_counter() - started
        session.update(to=step, seconds=round(elapsed, 1))
        train_bits = float(np.mean(recent)) if recent else math.nan
        cpu = copy.deepcopy(model).cpu().eval()
        return LMResult(cpu, config, step, before + elapsed, train_bits, held, status, [*sessions, session], progress)

    def save(status: str, held: float = math.nan) -> None:
        if on_save is not None:
            progress.append({"step": step, "train_bits": round(float(np.mean(recent)), 4), **on_save(model, step)})
            model.train()
        save_lm(result(status, held), save_to)
        torch.save({"optimizer": optimizer.state_dict(), "step": step, "recent": recent}, state_path(save_to))

    while step < config.steps:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        x, y = (t.to(device) for t in training_batch(config, train, step))
        logits = model(x)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        if not torch.isfinite(loss):
            status = f"diverged at step {step + 1}"
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        step += 1
        recent = (recent + [loss.item() / math.log(2)])[-50:]
        if on_step and (step % report_every == 0 or step == config.steps):
            on_step(
                {
                    "step": step,
                    "loss_bits": recent[-1],
                    "lr": learning_rate(config, step - 1),
                    "seconds": before + time.perf_counter() - started,
                }
            )
        if should_stop and should_stop():
            status = "stopped"
            break
        if save_to is not None and save_every and step % save_every == 0 and step < config.steps:
            save("running")
    model.eval()
    held = held_out_bits(model) if not status.startswith("diverged") else math.nan
    if save_to is not None:
        save(status, held)
    return result(status, held)


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
