"""The repeated-passage measurement (core/retrieval.py), its head scores on hand-built attention maps, the training
stream that gives every model the chance to copy (core/lm.py), resuming a run, and the `retrieval` command."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from core import retrieval
from core.book import load_book
from core.lm import PASSAGE, SPACINGS, CharLM, LMConfig, load_lm, repeat_passages, state_path, train_lm, training_batch
from core.retrieval import LEAD, bits, induction_scores, previous_scores, retrieval_gain, sequences

TINY = {"steps": 30, "batch_size": 8, "context": 32, "hidden": 32, "embedding": 16, "d_model": 32, "warmup": 5}


def _run(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, check=False)


def _model(kind="transformer", position="alibi", context=32, seed=0):
    torch.manual_seed(seed)
    return CharLM(LMConfig(model=kind, position=position, context=context, d_model=32, hidden=32)).eval()


def _direct_bits(model, row, t, window=None):
    """−log2 p(row[t] | row[:t]) (or the last `window` characters of it), one forward pass."""
    start = 0 if window is None else max(0, t - window)
    with torch.no_grad():
        logits = model(torch.from_numpy(row[None, start:t]))[0, -1]
    return -torch.log_softmax(logits, -1)[int(row[t])].item() / math.log(2)


# the stream -------------------------------------------------------------------------------------------------


def _copies(chunks: np.ndarray, out: np.ndarray) -> list[tuple[int, int, int]]:
    """(first, second, length) of each changed row's copy, found by search."""
    found = []
    for r in [r for r in range(len(out)) if not np.array_equal(out[r], chunks[r])]:
        diff = np.flatnonzero(out[r] != chunks[r])
        second, end = diff.min(), diff.max() + 1
        length = end - second  # the copy may agree with the text it covers at its ends, so it can be longer
        firsts = [a for a in range(second) if np.array_equal(out[r, a : a + length], out[r, second:end])]
        assert firsts and firsts[0] + length <= second and length <= PASSAGE[1], r  # a copy of earlier text
        found.append((firsts[0], int(second), int(length)))
    return found


@pytest.mark.parametrize("spacing", SPACINGS)
def test_a_fraction_of_the_training_windows_holds_a_passage_repeated_from_earlier_in_it(spacing):
    rng = np.random.default_rng(0)
    chunks = rng.integers(0, 65, (200, 257))  # random text: a repeat of 16 characters or more is no accident
    out = repeat_passages(chunks, 0.5, np.random.default_rng(1), spacing)
    assert len(_copies(chunks, out)) == 100
    assert np.array_equal(repeat_passages(chunks, 0.0, rng, spacing), chunks)
    every = repeat_passages(chunks, 1.0, rng, spacing)
    assert len([r for r in range(200) if not np.array_equal(every[r], chunks[r])]) == 200


def test_even_spacing_draws_every_distance_the_window_allows_alike_and_near_spacing_mostly_near():
    """spacing "even": the gap between the copies, as a share of the most the window allows for that length, is
    uniform on [0, 1] (mean 1/2, a quarter of the copies past 3/4); "near" draws it as (1 − f)·u with f and u
    uniform (the first copy's place, then the second's after it): mean 1/4, and past 3/4 only 1/4 − 3/4·ln(4/3)."""
    chunks = np.random.default_rng(0).integers(0, 65, (2000, 257))
    share = {}
    for spacing in SPACINGS:
        copies = _copies(chunks, repeat_passages(chunks, 1.0, np.random.default_rng(2), spacing))
        share[spacing] = np.array([(b - a - n) / (257 - 2 * n) for a, b, n in copies])
    even, near = share["even"], share["near"]
    assert abs(even.mean() - 0.5) < 0.03 and abs((even > 0.75).mean() - 0.25) < 0.03
    assert abs(near.mean() - 0.25) < 0.02 and abs((near > 0.75).mean() - (0.25 - 0.75 * math.log(4 / 3))) < 0.01


def test_the_windows_of_a_step_depend_only_on_the_seed_and_the_step():
    train = load_book().train_ids
    config = LMConfig(batch_size=4, context=64)
    a, b = training_batch(config, train, 17), training_batch(config, train, 17)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1][:, :-1], a[0][:, 1:])
    assert not torch.equal(training_batch(config, train, 18)[0], a[0])


def test_a_resumed_run_ends_where_the_uninterrupted_one_does_and_records_both_sessions(tmp_path):
    config = dict(TINY, model="gru")
    whole = train_lm(LMConfig(**config))
    calls = []
    half = train_lm(
        LMConfig(**config),
        should_stop=lambda: len(calls) >= 14 or calls.append(1),
        save_to=tmp_path / "gru.pt",
    )
    assert half.status == "stopped" and half.steps == 15 and state_path(tmp_path / "gru.pt").exists()
    resumed = train_lm(LMConfig(**config), save_to=tmp_path / "gru.pt", resume=True)
    assert resumed.status == "finished" and resumed.steps == 30
    for name, value in whole.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[name], value, rtol=1e-4, atol=1e-5)
    meta = json.loads((tmp_path / "gru.json").read_text())
    assert [(s["from"], s["to"]) for s in meta["sessions"]] == [(0, 15), (15, 30)]
    assert meta["seconds"] == pytest.approx(sum(s["seconds"] for s in meta["sessions"]), abs=0.2)
    with pytest.raises(ValueError, match="own settings"):
        train_lm(LMConfig(**{**config, "lr": 1e-2}), save_to=tmp_path / "gru.pt", resume=True)


def test_on_save_records_its_measurement_at_every_checkpoint(tmp_path):
    result = train_lm(
        LMConfig(**TINY, model="lstm"), save_to=tmp_path / "m.pt", save_every=10, on_save=lambda m, s: {"seen": s}
    )
    assert [p["step"] for p in result.progress] == [p["seen"] for p in result.progress] == [10, 20, 30]
    assert load_lm(tmp_path / "m.pt")[1]["progress"] == result.progress


# the measurement -------------------------------------------------------------------------------------------


def test_each_row_holds_the_passage_twice_after_its_own_lead_and_the_text_that_follows_it():
    held = load_book().held_out_ids
    starts = retrieval.passage_starts(5, 48, seed=0)
    rows = sequences(starts, 48, 100)
    assert rows.shape == (5, LEAD + 2 * 48 + 100)
    for row, s in zip(rows, starts, strict=True):
        assert np.array_equal(row[: LEAD + 48 + 100], held[s - LEAD : s + 48 + 100])  # the book, as it runs
        assert np.array_equal(row[LEAD + 48 + 100 :], held[s : s + 48])  # then the passage again
    control = sequences(starts, 48, 100, control=True)
    assert np.array_equal(control[:, LEAD + 48 :], rows[:, LEAD + 48 :])
    assert np.array_equal(control[0, LEAD : LEAD + 48], held[starts[1] : starts[1] + 48])
    many = retrieval.passage_starts(200, 48, 0)
    assert min(np.diff(many)) > 48 and many[0] >= LEAD and many[-1] + 2 * 48 + 4000 < len(held)


@pytest.mark.parametrize(("position", "window"), [("alibi", None), ("learned", 32)])
def test_bits_are_each_characters_surprise_read_whole_or_in_half_overlapping_windows(position, window):
    model = _model(position=position)
    rows = sequences(retrieval.passage_starts(3, 10, 0), 10, 20)  # 104 characters: past a window of 32
    per = bits(model, rows)
    assert per.shape == (3, rows.shape[1] - 1)
    for t in (1, 20, 33, 50, 103):
        if window is None:
            expected = _direct_bits(model, rows[1], t)
        else:  # the window the doc names: between W/2 and W characters before t
            starts = [*range(0, 103 - 32, 16), 103 - 32]
            start = 0 if t <= 32 else next(s for s in starts if s + 16 < t <= s + 32)
            expected = _direct_bits(model, rows[1][start:], t - start)
        assert per[1, t - 1] == pytest.approx(expected, rel=1e-4)


def test_the_gain_is_the_first_copys_mean_bits_minus_the_seconds_and_the_control_swaps_the_first_copy():
    model = _model("lstm")
    frame = retrieval_gain(model, (16, 64), length=12, passages=4, seed=2)
    assert list(frame.columns) == [*retrieval.COLUMNS, *retrieval.DETAIL] and list(frame["distance"]) == [16, 64]
    np.testing.assert_allclose(frame["gain_bits"], frame["first_bits"] - frame["second_bits"])
    np.testing.assert_allclose(frame["copy_bits"], frame["control_bits"] - frame["second_bits"])
    assert (frame["gain_low"] <= frame["gain_median"]).all() and (frame["gain_median"] <= frame["gain_high"]).all()
    starts = retrieval.passage_starts(4, 12, 2)
    per = bits(model, sequences(starts, 12, 64))
    first = per[:, LEAD - 1 : LEAD + 11].mean(1)
    second = per[:, LEAD + 12 + 64 - 1 : LEAD + 12 + 64 + 11].mean(1)
    assert frame["gain_bits"].iloc[1] == pytest.approx(first.mean() - second.mean())
    assert frame["gain_median"].iloc[1] == pytest.approx(float(np.median(first - second)))


def test_an_untrained_model_does_not_copy():
    frame = retrieval_gain(_model("gru"), (32,), length=24, passages=6)
    assert abs(frame["gain_bits"].iloc[0]) < 0.3 and abs(frame["copy_bits"].iloc[0]) < 0.3


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--distance", "-1"], "--distance must be from 0"),
        (["--distance", "5000"], "--distance must be from 0"),
        (["--length", "1"], "--length must be from 2"),
        (["--passages", "1"], "--passages must be from 2"),
        (["--passages", "x"], "invalid int"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(args, words):
    out = _run("retrieval", "--model", "lstm", *args)
    assert out.returncode == 2 and out.stdout == ""
    assert words in out.stderr and out.stderr.count("\n") == 1


def test_cli_needs_a_model_and_names_the_choices():
    out = _run("retrieval", "--model", "rnn")
    assert out.returncode == 2 and "transformer-learned" in out.stderr and out.stderr.count("\n") == 1


# the heads -------------------------------------------------------------------------------------------------


def _induction_map(n_total, first, second, length):
    maps = torch.zeros(n_total, n_total)
    maps[0, 0] = 1
    for i in range(1, n_total):
        maps[i, i - 1] = 1  # elsewhere: the previous character
    for k in range(length - 1):
        maps[second + k] = 0
        maps[second + k, first + k + 1] = 1
    return maps


def test_the_induction_score_is_one_on_a_perfect_induction_head_and_small_elsewhere():
    n_total, first, second, length = 60, 5, 30, 20
    perfect = _induction_map(n_total, first, second, length)
    previous = torch.zeros(n_total, n_total)
    previous[0, 0] = 1
    previous[torch.arange(1, n_total), torch.arange(n_total - 1)] = 1
    uniform = torch.tril(torch.ones(n_total, n_total))
    uniform = uniform / uniform.sum(-1, keepdim=True)
    maps = torch.stack([perfect, previous, uniform])[None]  # 1 layer × 3 heads
    scores = induction_scores(maps, first, second, length)
    assert scores.shape == (1, 3)
    assert scores[0, 0].item() == pytest.approx(1.0)
    assert scores[0, 1].item() == 0.0  # a previous-character head looks one back, not at the match
    expected_uniform = np.mean([1 / (second + k + 1) for k in range(length - 1)])
    assert scores[0, 2].item() == pytest.approx(expected_uniform)
    off = induction_scores(maps, first + 1, second, length)  # the wrong first copy: the score misses it
    assert off[0, 0].item() == 0.0


def test_the_previous_character_score_is_one_on_a_shift_and_its_share_elsewhere():
    n = 40
    previous = torch.zeros(n, n)
    previous[0, 0] = 1
    previous[torch.arange(1, n), torch.arange(n - 1)] = 1
    self_only = torch.eye(n)
    half = 0.5 * previous + 0.5 * self_only
    scores = previous_scores(torch.stack([previous, self_only, half]))
    torch.testing.assert_close(scores, torch.tensor([1.0, 0.0, 0.5]))
    induction = _induction_map(n, 2, 20, 10)
    assert previous_scores(induction).item() == pytest.approx((n - 1 - 9) / (n - 1))


def test_the_head_scores_of_a_real_forward_pass_are_shares_of_attention():
    model = _model(position="alibi", context=64)
    row = sequences(retrieval.passage_starts(1, 16, 0), 16, 20)[0]
    maps = model.body.attention(model.embed(torch.from_numpy(row[None])))
    scores = induction_scores(maps, LEAD, LEAD + 16 + 20, 16)
    assert scores.shape == (2, 4) and ((scores >= 0) & (scores <= 1)).all()
    assert previous_scores(maps).shape == (2, 4)


@pytest.mark.parametrize("block", [5, 256])
def test_the_demos_head_scores_are_the_score_functions_on_the_whole_maps(block, monkeypatch):
    """induction_heads gathers its scores a block of query rows at a time (#37); they are induction_scores and
    previous_scores of the whole maps, and its map is the best head's second-copy rows over the first copy."""
    from core import char_transformer

    model = _model(position="alibi", context=64)
    book = load_book()
    passage, gap = book.encode("In the beginning God"), book.encode(" created the heaven and")
    n, g = len(passage), len(gap)
    monkeypatch.setattr(char_transformer, "QUERY_BLOCK", block)
    frame, shown = retrieval.induction_heads(model, passage, gap)
    with torch.no_grad():
        maps = model.body.attention(model.embed(torch.from_numpy(np.concatenate([passage, gap, passage])[None])))
    induction, previous = induction_scores(maps, 0, n + g, n).flatten(), previous_scores(maps).flatten()
    torch.testing.assert_close(torch.tensor(frame["induction"].to_numpy()), induction)
    torch.testing.assert_close(torch.tensor(frame["previous"].to_numpy()), previous)
    best = int(frame["induction"].idxmax())
    np.testing.assert_allclose(shown, maps[best // 4, best % 4, n + g : 2 * n + g, :n].numpy(), rtol=1e-6)


def test_the_training_record_beside_the_checkpoints_quotes_their_json():
    """data/lm/README.md's table: each run's steps, minutes and held-out loss as its JSON records them."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "data" / "lm"
    rows = [line for line in (root / "README.md").read_text().splitlines() if line.startswith("| `")]
    assert len(rows) >= 6
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        name = cells[0].strip("`")
        if not (root / f"{name}.json").exists():
            continue  # the table of files above: no numbers
        meta = json.loads((root / f"{name}.json").read_text())
        assert int(cells[3].split()[0].replace(",", "")) == meta["steps"], name
        assert float(cells[4]) == round(meta["seconds"] / 60, 1), name
        assert float(cells[5]) == round(meta["held_out_bits_per_char"], 3), name
