"""The stability sweep (core/stability.py): the outcome rule on hand-made loss curves, the spike count, the matched
widths, a short run's determinism, the CLI's contract."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from core.book import load_book
from core.lm import CharLM
from core.stability import (
    COLLAPSE,
    CURVE_EVERY,
    PLATEAU,
    SPIKE_AFTER,
    STABILITY_MODELS,
    StabilityConfig,
    key,
    learning_rate,
    lm_config,
    outcome,
    read_sweep,
    run,
    run_sweep,
    spikes,
    unigram_bits,
)

H = 4.36  # a unigram entropy for the hand-made curves


def _falling(start=6.0, end=2.0, n=30, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return list(np.linspace(start, end, n) + noise * rng.standard_normal(n))


def test_a_normal_run_is_trained():
    assert outcome(_falling(), H) == "trained"


def test_a_noisy_normal_run_is_not_a_collapse():
    """Noise of 0.15 bits around a falling curve: never 0.5 above its own minimum at the end."""
    for seed in range(20):
        curve = _falling(noise=0.15, seed=seed)
        assert outcome(curve, H) == "trained", (seed, curve[-3:], min(curve))


def test_a_run_stuck_at_the_unigram_entropy_is_a_plateau():
    curve = [6.0, 4.9, 4.45] + [H + 0.02 * math.sin(k) for k in range(27)]
    assert outcome(curve, H) == "plateau"
    assert outcome([6.0, 5.0] + [H + 0.5] * 28, H) == "plateau"  # above it, not below: no better than frequencies
    assert outcome([6.0, 5.0] + [H - PLATEAU - 0.01] * 28, H) == "trained"  # just below the band


def test_a_run_that_learns_then_returns_to_the_plateau_is_a_collapse():
    curve = _falling(6.0, 3.29, 10) + list(np.linspace(3.3, 4.24, 20))  # the post-norm run at 1e-2 and warm-up
    assert outcome(curve, H) == "collapsed"
    assert outcome(_falling(6.0, 3.0, 20) + [3.0 + COLLAPSE - 0.01] * 10, H) == "trained"  # not quite


def test_a_non_finite_loss_is_nan():
    assert outcome([6.0, 5.0, math.nan], H) == "nan"
    assert outcome([6.0, math.inf], H) == "nan"
    assert outcome([], H) == "nan"


def test_spikes_count_steps_above_one_and_a_half_times_the_running_minimum_after_step_50():
    losses = [4.0] * SPIKE_AFTER + [2.0] * 10 + [3.1, 2.0, 2.9, 3.5]  # 3.1 and 3.5 are > 1.5 × 2.0; 2.9 is not
    assert spikes(losses) == 2
    assert spikes([10.0] * 5 + [1.0] * (SPIKE_AFTER - 5) + [1.0]) == 0
    early = [1.0] + [5.0] * (SPIKE_AFTER - 1)  # high early steps are not counted
    assert spikes(early) == 0


def test_the_unigram_entropy_is_the_training_texts_letter_entropy():
    ids = load_book().train_ids
    _, counts = np.unique(ids, return_counts=True)
    p = counts / counts.sum()
    assert unigram_bits() == pytest.approx(float(-(p * np.log2(p)).sum()), rel=1e-12)
    assert 4.0 < unigram_bits() < 4.6


def test_the_recurrent_models_have_the_transformers_parameter_count_within_two_percent():
    counts = {
        m: sum(p.numel() for p in CharLM(lm_config(StabilityConfig(model=m))).parameters()) for m in STABILITY_MODELS
    }
    target = counts["transformer-pre"]
    for model, count in counts.items():
        assert abs(count - target) / target < 0.02, (model, count, target)


def test_the_warm_up_rises_linearly_to_the_rate_and_holds():
    config = StabilityConfig(lr=1e-2, warmup=100)
    assert learning_rate(config, 0) == pytest.approx(1e-4)
    assert learning_rate(config, 49) == pytest.approx(5e-3)
    assert learning_rate(config, 99) == learning_rate(config, 250) == pytest.approx(1e-2)
    assert learning_rate(StabilityConfig(lr=3e-3), 0) == 3e-3


@pytest.mark.parametrize(
    "bad",
    [
        {"model": "rnn"},
        {"lr": 0.0},
        {"lr": math.nan},
        {"warmup": -1},
        {"steps": 0},
        {"layers": 0},
        {"steps": 10, "warmup": 11},
    ],
)
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        StabilityConfig(**bad)


def test_a_short_run_is_deterministic_and_records_what_the_page_reads():
    config = StabilityConfig(model="transformer-post", lr=3e-3, steps=2 * CURVE_EVERY, layers=1, seed=3)
    a, b = run(config), run(config)
    for name in ("curve", "final_bits", "outcome", "spikes", "max_grad_norm", "params"):
        assert a[name] == b[name], name
    assert len(a["curve"]) == 2 and a["steps_done"] == 2 * CURVE_EVERY
    assert a["diverged"] == (a["outcome"] != "trained")
    assert a["max_grad_norm"] > 0 and a["final_bits"] > 0
    other = run(StabilityConfig(model="transformer-post", lr=3e-3, steps=2 * CURVE_EVERY, layers=1, seed=4))
    assert other["curve"] != a["curve"]


def test_a_stopped_run_says_so():
    steps = []
    record = run(
        StabilityConfig(model="gru", steps=30, layers=1),
        on_step=lambda s: steps.append(s["step"]),
        should_stop=lambda: len(steps) >= 12,
    )
    assert record["stopped"] and record["steps_done"] == 12 and len(record["curve"]) == 2


def test_the_sweep_writes_each_run_and_skips_those_already_done(tmp_path):
    grid = {"models": ("gru",), "lrs": (3e-3,), "warmups": (0, 5), "seeds": (0,), "steps": 10, "layers": 1}
    assert run_sweep(**grid, out=tmp_path) == 2
    assert run_sweep(**grid, out=tmp_path) == 0
    (tmp_path / "gru.jsonl").open("a").write('{"model": "gru", "lr"')  # a half-written line, from an interruption
    records = read_sweep(tmp_path)
    assert sorted(r["warmup"] for r in records) == [0, 5]
    assert len({key(r) for r in records}) == 2


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "core", "stability", *args], capture_output=True, text=True)


def test_the_cli_prints_one_runs_record():
    done = _cli("--model", "lstm", "--lr", "1e-2", "--warmup", "5", "--seed", "1", "--steps", "10", "--layers", "1")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert {"final_bits", "outcome", "diverged", "spikes", "max_grad_norm", "curve"} <= set(record)
    assert record["model"] == "lstm" and record["lr"] == 1e-2 and record["warmup"] == 5 and record["steps"] == 10


@pytest.mark.parametrize(
    "args",
    [
        ("--model", "rnn"),
        ("--model", "gru", "--lr", "-1"),
        ("--model", "gru", "--warmup", "400"),
        ("--model", "gru", "--steps", "0"),
        ("--model", "gru", "--layers", "99"),
        ("--lr", "1e-3"),
        ("--model", "gru", "--device", "cuda:7"),
        ("--sweep", "--lrs", "nan"),
    ],
)
def test_a_bad_argument_exits_2_with_one_line(args):
    done = _cli(*args)
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
