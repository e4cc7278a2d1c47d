"""Accuracy against distance: every model trained on recall at several sequence lengths and seeds.

`python -m core sweep` writes data/sweep.csv with the columns
model, task, seq_len, seed, accuracy, steps, seconds, status.  Each run stops early once solved, so
the sweep's cost is dominated by the runs that fail, which stop at the step budget (SWEEP_STEPS).
The time cap is a safety net set well above what a run takes on 2 cores, so that the result is the
same on a slower machine: a run it stops says "time limit" in its status.  Every gated model gets
the same gate bias (TrainConfig: b_f = b_z = 3), and each setting runs over SWEEP_SEEDS seeds.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from .training import TrainConfig, train

SWEEP_COLUMNS = ("model", "task", "seq_len", "seed", "accuracy", "steps", "seconds", "status")
SWEEP_MODELS = ("rnn", "lstm", "gru", "birnn", "transformer", "lru", "mingru")
SWEEP_LENGTHS = (10, 20, 40, 80, 160, 320, 640)
SWEEP_SEEDS = (0, 1, 2)  # the chart draws their median and range
SWEEP_STEPS = 400  # the step budget per run (batch 64): "fails" means "fails within this budget"
SWEEP_SECONDS = 1200.0  # per run: a safety net, about 2× the slowest run here (T = 640 on a 2-core CPU)
SOLVED = 0.9  # a length counts as solved where the median accuracy over seeds reaches this


def run_sweep(
    models=SWEEP_MODELS,
    lengths=SWEEP_LENGTHS,
    seeds=SWEEP_SEEDS,
    task="recall",
    steps=SWEEP_STEPS,
    time_limit=SWEEP_SECONDS,
    on_run=None,
    skip=frozenset(),
) -> list[dict]:
    """Train every (model, length, seed) not in `skip`; returns one row per run (see SWEEP_COLUMNS)."""
    rows = []
    for model in models:
        for seq_len in lengths:
            for seed in seeds:
                if (model, seq_len, seed) in skip:
                    continue
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
                    "status": result.status,
                }
                rows.append(row)
                if on_run is not None:
                    on_run(row)
    return rows


def merged(existing: pd.DataFrame | None, rows: list[dict]) -> list[dict]:
    """The rows of `existing` (a sweep CSV read back) that `rows` do not redo, then `rows`: one row per
    (model, task, seq_len, seed), so a sweep over some models or lengths adds to the file instead of replacing it."""
    redone = {(r["model"], r["task"], int(r["seq_len"]), int(r["seed"])) for r in rows}
    kept = [] if existing is None else existing.to_dict("records")
    kept = [r for r in kept if (r["model"], r["task"], int(r["seq_len"]), int(r["seed"])) not in redone]
    return kept + list(rows)


def write_csv(rows: list[dict], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SWEEP_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def sweep_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per model and length: the median, min and max accuracy over seeds, and how many seeds ran."""
    grouped = table.groupby(["model", "seq_len"], sort=True)["accuracy"]
    summary = grouped.agg(median="median", low="min", high="max", seeds="count").reset_index()
    return summary


def longest_solved(summary: pd.DataFrame) -> dict[str, int | None]:
    """Per model (in the summary's order): the longest length solved with every shorter length solved
    too (median ≥ SOLVED), or None where even the shortest is not."""
    out = {}
    for model, group in summary.groupby("model", sort=False):
        best = None
        for seq_len, median in group.sort_values("seq_len")[["seq_len", "median"]].itertuples(index=False):
            if median < SOLVED:
                break
            best = int(seq_len)
        out[model] = best
    return out


def agreement(live: pd.DataFrame, stored: pd.DataFrame) -> list[dict]:
    """Each live run beside the stored run of the same model, length and seed: accuracies, and
    whether both land on the same side of SOLVED."""
    keyed = stored.set_index(["model", "seq_len", "seed"])["accuracy"]
    rows = []
    for run in live.itertuples(index=False):
        before = keyed.get((run.model, run.seq_len, run.seed))
        same = before is not None and (run.accuracy >= SOLVED) == (before >= SOLVED)
        rows.append(
            {"model": run.model, "seq_len": run.seq_len, "live": run.accuracy, "stored": before, "same": bool(same)}
        )
    return rows
