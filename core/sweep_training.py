"""Accuracy against distance: every model trained on recall at several sequence lengths and seeds.

`python -m core sweep` writes data/sweep.csv with the columns
model, task, seq_len, seed, accuracy, steps, seconds.  Each run stops early once solved, so the
sweep's cost is dominated by the runs that fail, which are capped by steps and time.
"""

from __future__ import annotations

import csv
from pathlib import Path

from .training import TrainConfig, train

SWEEP_COLUMNS = ("model", "task", "seq_len", "seed", "accuracy", "steps", "seconds")
SWEEP_MODELS = ("rnn", "lstm", "gru", "birnn", "transformer")
SWEEP_LENGTHS = (10, 20, 40, 80, 160)
SWEEP_STEPS = 400  # per run; solved runs stop early
SWEEP_SECONDS = 20.0  # per run: the sweep stays under 3 minutes on 2 cores


def run_sweep(
    models=SWEEP_MODELS,
    lengths=SWEEP_LENGTHS,
    seeds=(0,),
    task="recall",
    steps=SWEEP_STEPS,
    time_limit=SWEEP_SECONDS,
    on_run=None,
) -> list[dict]:
    """Train every (model, length, seed); returns one row per run (see SWEEP_COLUMNS)."""
    rows = []
    for model in models:
        for seq_len in lengths:
            for seed in seeds:
                result = train(
                    TrainConfig(model=model, task=task, seq_len=seq_len, steps=steps, seed=seed, time_limit=time_limit)
                )
                score = result.final_accuracy if task == "recall" else result.final_mse
                row = {
                    "model": model,
                    "task": task,
                    "seq_len": seq_len,
                    "seed": seed,
                    "accuracy": None if score is None else round(score, 4),
                    "steps": result.steps,
                    "seconds": round(result.seconds, 2),
                }
                rows.append(row)
                if on_run is not None:
                    on_run(row)
    return rows


def write_csv(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SWEEP_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
