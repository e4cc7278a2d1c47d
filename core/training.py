"""Training on the long-range tasks, reporting through callbacks (the trainer knows no UI).

`train(config, on_step=..., should_stop=...)` runs Adam on fresh batches from core.tasks (every
batch is new data, so training accuracy is also held-out accuracy).  After each step it calls
on_step(state) with the loss, accuracy (or MSE), the gradient reaching the first position
(vanishing, seen from the learning side) and the elapsed time.  That gradient is computed in
float64 on the step's first FIRST_GRAD_BATCH sequences, since in float32 it underflows to exactly 0
for a tanh RNN at T = 100; it is kept as log10, which is -inf only below float64's 10^-308.  It stops at the
step cap, the time cap, when should_stop() turns true, when the task is solved (optional), or on a
NaN/inf loss, reported as "diverged at step N" and never raised.  A run whose final accuracy on fresh
sequences reaches solved_at is "solved" even if the step or time cap ended its loop first; `capped` says
whether the time cap did.

Source: minGPT's trainer (callbacks); Pascanu et al. 2013 (clipping); ../SCIENCE.md calibration.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from .models.checks import check_choice, check_float, check_int
from .models.sequence import SEQUENCE_MODELS, SequenceModel, SequenceModelConfig
from .tasks import TASKS, TaskSpec, make_batch

MAX_STEPS = 20_000  # per job: the CLI's and the page's cap
MAX_SECONDS = 1800.0  # per CLI job (the sweep at T = 640 needs about 8 minutes a run); the page caps its own
FIRST_GRAD_BATCH = 8  # sequences per step whose first-token gradient is measured in float64


@dataclass
class TrainConfig:
    model: str = "transformer"  # rnn | lstm | gru | birnn | transformer
    task: str = "recall"  # recall | adding
    seq_len: int = 100  # T: the first token sits T − 1 steps from the readout
    steps: int = 400  # step cap
    seed: int = 0  # seeds the weights and the data
    batch_size: int = 64
    lr: float = 3e-3  # Adam
    hidden_size: int = 64  # H, or d_model
    vocab: int = 4  # recall: V (chance 1/V)
    forget_bias: float = 3.0  # LSTM b_f
    update_bias: float = 3.0  # GRU b_z: the same as the LSTM's b_f by default, so the comparison is fair
    layers: int = 2  # Transformer
    heads: int = 4  # Transformer
    clip: float = 0.0  # gradient-norm clipping threshold; 0 = off
    time_limit: float = 20.0  # seconds: a run stops there, reported as "time limit" (unless it is solved)
    solved_at: float = 0.99  # stop early once the mean accuracy of the last 20 steps reaches this; 0 = never
    eval_size: int = 1024  # fresh sequences for the final accuracy / MSE

    def __post_init__(self):
        check_choice("model", self.model, SEQUENCE_MODELS)
        check_choice("task", self.task, TASKS)
        check_int("seq_len", self.seq_len, 2, 4096)
        check_int("steps", self.steps, 1, MAX_STEPS)
        check_int("seed", self.seed, 0, 2**31 - 1)
        check_int("batch_size", self.batch_size, 1, 1024)
        check_float("lr", self.lr, 1e-8, 10.0)
        check_int("vocab", self.vocab, 2, 1000)
        check_float("clip", self.clip, 0.0, 1e6)
        check_float("time_limit", self.time_limit, 0.1, MAX_SECONDS)
        check_float("solved_at", self.solved_at, 0.0, 1.0)


@dataclass
class StepState:
    step: int
    loss: float
    accuracy: float | None  # recall
    mse: float | None  # adding
    first_grad_norm: float  # mean of ‖∂ℓ_i/∂x_{i,0}‖ over FIRST_GRAD_BATCH sequences, float64 (0 below 1e-308)
    log10_first_grad: float  # its log10: exact, -inf only below float64's range
    seconds: float


@dataclass
class TrainResult:
    config: TrainConfig
    status: str  # "finished", "solved", "stopped", "time limit" or "diverged at step N"
    steps: int
    capped: bool  # the time limit stopped the loop (a run can be both solved and capped)
    seconds: float
    final_accuracy: float | None
    final_mse: float | None
    chance_accuracy: float | None
    baseline_mse: float | None
    history: list[StepState] = field(default_factory=list)
    model: nn.Module | None = None

    def to_json(self) -> dict:
        out = {
            "model": self.config.model,
            "task": self.config.task,
            "seq_len": self.config.seq_len,
            "steps": self.steps,
            "status": self.status,
            "capped": self.capped,
            "final_accuracy": self.final_accuracy,
            "chance_accuracy": self.chance_accuracy,
            "seconds": round(self.seconds, 3),
            "config": asdict(self.config),
            "history": [asdict(s) for s in self.history],
        }
        if self.config.task == "adding":
            out |= {"final_mse": self.final_mse, "baseline_mse": self.baseline_mse}
        return _finite_or_none(out)


def _finite_or_none(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite_or_none(v) for v in obj]
    return obj


def build(config: TrainConfig) -> tuple[SequenceModel, TaskSpec]:
    task = TaskSpec(config.task, config.seq_len, config.vocab)
    model_config = SequenceModelConfig(
        config.model,
        config.hidden_size,
        config.forget_bias,
        config.update_bias,
        config.layers,
        config.heads,
        seed=config.seed,
    )
    outputs = config.vocab if task.classification else 1
    return SequenceModel(model_config, config.vocab if task.classification else None, outputs), task


def _loss(task: TaskSpec, pred, target):
    if task.classification:
        loss = nn.functional.cross_entropy(pred, target)
        return loss, (pred.argmax(-1) == target).float().mean().item(), None
    loss = nn.functional.mse_loss(pred, target)
    return loss, None, loss.item()


def first_token_gradient(model64: SequenceModel, model: SequenceModel, task: TaskSpec, inputs, target) -> float:
    """log10 of the mean over sequences i of ‖∂ℓ_i/∂x_{i,0}‖ (ℓ_i: sequence i's own loss), in float64.

    `model64` is a float64 copy of `model` that gets its current weights first."""
    with torch.no_grad():
        for mine, theirs in zip(model64.parameters(), model.parameters(), strict=True):
            mine.copy_(theirs)
    if not task.classification:
        inputs = inputs.double()
    pred, embedded = model64(inputs)
    embedded.retain_grad()
    if task.classification:
        loss = nn.functional.cross_entropy(pred, target, reduction="sum")
    else:
        loss = nn.functional.mse_loss(pred, target.double(), reduction="sum")
    loss.backward()
    norms = embedded.grad[:, 0].norm(dim=-1)
    mean = float(norms.mean())
    return math.log10(mean) if mean > 0 else -math.inf


@torch.no_grad()
def evaluate(model: SequenceModel, task: TaskSpec, size: int, seed: int) -> tuple[float | None, float | None]:
    """Accuracy (recall) or MSE (adding) on `size` fresh sequences from their own stream."""
    inputs, target = make_batch(task, size, torch.Generator().manual_seed(seed + 7_777_777))
    pred, _ = model(inputs)
    _, accuracy, mse = _loss(task, pred, target)
    return accuracy, mse


def train(
    config: TrainConfig,
    on_step: Callable[[StepState], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    model, task = build(config)
    model64 = copy.deepcopy(model).double()  # for the first-token gradient (see first_token_gradient)
    data = torch.Generator().manual_seed(config.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history: list[StepState] = []
    status, start = "finished", time.perf_counter()
    for step in range(1, config.steps + 1):
        if should_stop is not None and should_stop():
            status = "stopped"
            break
        if time.perf_counter() - start > config.time_limit:
            status = "time limit"
            break
        inputs, target = make_batch(task, config.batch_size, data)
        pred, _ = model(inputs)
        loss, accuracy, mse = _loss(task, pred, target)
        if not torch.isfinite(loss):
            status = f"diverged at step {step}"
            break
        optimizer.zero_grad()
        loss.backward()
        n = FIRST_GRAD_BATCH
        log_first = first_token_gradient(model64, model, task, inputs[:n], target[:n])
        if config.clip > 0:
            nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        first = 10.0**log_first if log_first > -308 else 0.0
        state = StepState(step, loss.item(), accuracy, mse, first, log_first, time.perf_counter() - start)
        history.append(state)
        if on_step is not None:
            on_step(state)
        recent = [s.accuracy for s in history[-20:]]
        if config.solved_at and task.classification and len(recent) == 20 and sum(recent) / 20 >= config.solved_at:
            status = "solved"
            break
    diverged = status.startswith("diverged")
    accuracy, mse = (None, None) if diverged else evaluate(model, task, config.eval_size, config.seed)
    capped = status == "time limit"
    if status in ("time limit", "finished") and config.solved_at and accuracy is not None:
        if accuracy >= config.solved_at:  # solved is solved, on fresh sequences, even if a cap ended the loop
            status = "solved"
    return TrainResult(
        config,
        status,
        len(history),
        capped,
        time.perf_counter() - start,
        accuracy,
        mse,
        task.chance_accuracy,
        task.baseline_mse,
        history,
        model,
    )
