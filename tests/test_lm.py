"""The book, the character language models and their context measurements (core/book.py, core/lm.py,
core/context.py), and the `lm-train`, `context` and `sample` commands' argument checks."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from core.book import HELD_OUT, load_book
from core.context import context_curve, contexts, effective_context, sample, surprise
from core.lm import LMConfig, held_out_bits, learning_rate, load_lm, save_lm, train_lm

TINY = {"steps": 60, "batch_size": 8, "context": 32, "hidden": 32, "embedding": 16, "d_model": 32, "warmup": 5}


def _run(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, check=False)


def test_the_book_is_the_king_james_text_with_its_last_tenth_held_out():
    book = load_book()
    assert book.text.startswith("In the beginning God created the heaven and the earth.\n")
    assert book.text.rstrip().endswith("Amen.")
    assert len(book.alphabet) == 65 and book.alphabet == "".join(sorted(set(book.text)))
    assert book.split == int(len(book.text) * (1 - HELD_OUT))
    assert len(book.train_ids) + len(book.held_out_ids) == len(book.text)
    np.testing.assert_array_equal(np.concatenate([book.train_ids, book.held_out_ids]), book.ids)
    assert book.decode(book.encode("And God said")) == "And God said"
    assert book.decode(book.encode("naïve")) == "na ve"  # outside the alphabet: a space


def test_the_learning_rate_warms_up_then_decays_to_a_tenth():
    c = LMConfig(steps=1000, warmup=100, lr=1e-2)
    assert learning_rate(c, 0) == pytest.approx(1e-4)
    assert learning_rate(c, 99) == pytest.approx(1e-2)
    assert learning_rate(c, 999) == pytest.approx(1e-3, rel=1e-3)
    rates = [learning_rate(c, s) for s in range(100, 1000)]
    assert all(a >= b for a, b in zip(rates, rates[1:], strict=False))


@pytest.mark.parametrize("model", ["lstm", "gru", "transformer"])
def test_a_short_training_run_lowers_the_loss_and_its_checkpoint_reproduces_it(model, tmp_path):
    losses = []
    result = train_lm(LMConfig(model=model, **TINY), on_step=lambda s: losses.append(s["loss_bits"]), report_every=10)
    assert result.status == "finished" and result.steps == TINY["steps"]
    assert losses[-1] < min(losses[0] - 0.5, math.log2(65) - 1.5)  # from about log2(65) = 6 bits
    assert result.held_out_bits < math.log2(65)
    weights, meta = save_lm(result, tmp_path / f"{model}.pt")
    loaded, info = load_lm(weights)
    assert info["held_out_bits_per_char"] == pytest.approx(result.held_out_bits, abs=1e-4)
    assert held_out_bits(loaded) == pytest.approx(result.held_out_bits, abs=1e-6)


@pytest.fixture(scope="module")
def tiny_lstm():
    return train_lm(LMConfig(model="lstm", **{**TINY, "steps": 120})).model


def test_the_context_curve_ends_at_the_window_with_equal_columns(tiny_lstm):
    curve = context_curve(tiny_lstm, count=200)
    assert list(curve["context"]) == contexts(32) == [1, 2, 4, 8, 16, 32]
    last = curve.iloc[-1]
    assert last["bits_per_char"] == last["shuffled_bits_per_char"]
    assert curve["bits_per_char"].iloc[0] > curve["bits_per_char"].iloc[-1]  # one character tells less than 32
    assert effective_context(curve) in set(curve["context"])
    assert context_curve(tiny_lstm, count=200).equals(curve)  # deterministic


def test_surprise_is_the_next_characters_negative_log2_probability(tiny_lstm):
    text = "And God said, Let there be light"
    frame = surprise(tiny_lstm, text)
    ids = load_book().encode(text)
    with torch.no_grad():
        logp = torch.log_softmax(tiny_lstm(torch.from_numpy(ids[None, :-1]))[0], -1).double()
    expected = -logp[torch.arange(len(ids) - 1), torch.from_numpy(ids[1:])] / math.log(2)
    np.testing.assert_allclose(frame["bits"], expected.numpy(), rtol=1e-5)
    assert "".join(frame["char"]) == text[1:]


def test_sampling_is_seeded_and_of_the_asked_length(tiny_lstm):
    one = sample(tiny_lstm, "And ", 50, 0.8, seed=3)
    assert len(one) == 50 and one == sample(tiny_lstm, "And ", 50, 0.8, seed=3)
    assert one != sample(tiny_lstm, "And ", 50, 0.8, seed=4)
    assert set(one) <= set(load_book().alphabet)


@pytest.mark.parametrize(
    "args, words",
    [
        (("lm-train", "--model", "rnn"), "--model"),
        (("lm-train", "--model", "lstm", "--steps", "0"), "--steps"),
        (("sample", "--model", "lstm", "--temperature", "0"), "temperature"),
        (("context", "--model", "lstm", "--targets", "5"), "targets"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(args, words):
    proc = _run(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr


def test_cli_lm_train_reports_progress_and_writes_a_checkpoint(tmp_path):
    out = tmp_path / "gru.pt"
    flags = ("--steps", "50", "--batch-size", "4", "--context", "16", "--out", str(out), "--save-every", "20")
    proc = _run("lm-train", "--model", "gru", *flags, "--stop-after", "30")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["steps"] == 30 and result["status"] == "stopped" and result["saved"] == str(out) and out.exists()
    assert [p["step"] for p in result["progress"]] == [20, 30]
    proc = _run("lm-train", "--model", "gru", *flags, "--resume")  # the rest of the run: the JSON says both parts
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["steps"] == 50 and result["status"] == "finished"
    assert [(s["from"], s["to"]) for s in result["sessions"]] == [(0, 30), (30, 50)]
    assert json.loads(proc.stderr.splitlines()[-1])["step"] == 50
    model, meta = load_lm(out)
    assert held_out_bits(model) == pytest.approx(meta["held_out_bits_per_char"], abs=1e-3)
    assert {"held_out_bits", "gain_bits_at_128", "train_bits"} <= set(meta["progress"][-1])
    assert _run("lm-train", "--model", "gru", "--resume", "--out", str(tmp_path / "none.pt")).returncode == 2
    whole = _run("lm-train", "--model", "gru", *flags[:-2], "--out", str(tmp_path / "g.pt"), "--stop-after", "50")
    assert json.loads(whole.stdout)["status"] == "finished"  # stopping after the last step is finishing


@pytest.mark.parametrize("model", ["lstm", "gru", "transformer"])
def test_the_gradient_profile_matches_float32_autograd_and_float64_finite_differences(model):
    import copy

    from core.context import gradient_profile

    net = train_lm(LMConfig(model=model, **{**TINY, "steps": 30})).model
    text = "And God called the light Day, and the darkness he called Night."[:33]
    profile = gradient_profile(net, text)
    ids = load_book().encode(text)
    x = net.embed(torch.from_numpy(ids[None, :-1])).detach().requires_grad_(True)  # float32, a different route
    (grad,) = torch.autograd.grad(torch.log_softmax(net.forward_embedded(x)[0, -1], -1)[int(ids[-1])], x)
    np.testing.assert_allclose(profile["grad_norm"], grad[0].norm(dim=-1).numpy(), rtol=1e-3)
    assert list(profile["distance"]) == list(range(len(text) - 2, -1, -1))
    double = copy.deepcopy(net).double()
    x64 = double.embed(torch.from_numpy(ids[None, :-1])).detach()
    rng = np.random.default_rng(0)

    def readout(z):
        return float(torch.log_softmax(double.forward_embedded(z)[0, -1], -1)[int(ids[-1])])

    x_t = x64.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(torch.log_softmax(double.forward_embedded(x_t)[0, -1], -1)[int(ids[-1])], x_t)
    np.testing.assert_allclose(profile["grad_norm"], g[0].norm(dim=-1).numpy(), rtol=1e-9)  # core/bptt.py: by hand
    with torch.no_grad():
        for t in (0, 15, 31):
            v = torch.zeros_like(x64)
            v[0, t] = torch.from_numpy(rng.standard_normal(x64.shape[-1]))
            v /= v.norm()
            slope = (readout(x64 + 1e-4 * v) - readout(x64 - 1e-4 * v)) / 2e-4  # rounding ~1e-12, truncation ~1e-8
            assert slope == pytest.approx(float((g * v).sum()), rel=1e-4, abs=1e-11)
            assert abs(slope) <= profile["grad_norm"].iloc[t] * (1 + 1e-5)  # |∇ℓ·v| ≤ ‖∇ℓ_t‖ for a unit v at t


def test_the_transformers_surprise_on_a_long_text_scores_each_character_once_with_half_a_window_or_more():
    net = train_lm(LMConfig(model="transformer", **{**TINY, "steps": 20})).model  # window 32
    text = load_book().text[:101]
    frame = surprise(net, text)
    assert list(frame["position"]) == list(range(1, 101)) and "".join(frame["char"]) == text[1:]
    ids = load_book().encode(text)
    with torch.no_grad():
        for t in (5, 40, 77, 100):  # each from the window the doc names: at least 16 characters before it
            start = 0 if t <= 32 else next(s for s in (*range(0, 101 - 32, 16), 100 - 32) if s + 16 < t <= s + 32)
            logits = net(torch.from_numpy(ids[None, start:t]))[0, -1]
            expected = -torch.log_softmax(logits, -1)[ids[t]].item() / math.log(2)
            assert frame["bits"].iloc[t - 1] == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_the_cached_recurrent_reader_gives_the_full_forwards_logits(kind):
    from core.context import CachedRecurrent

    net = train_lm(LMConfig(model=kind, layers=2, **{**TINY, "steps": 20})).model
    ids = load_book().encode(load_book().text[:60])
    reader = CachedRecurrent(net)
    with torch.no_grad():
        logits = reader.reset(ids[:7])
        torch.testing.assert_close(logits, net(torch.from_numpy(ids[None, :7]))[0, -1], rtol=1e-4, atol=1e-5)
        for t in range(7, 60):  # each step's cells against nn.LSTM / nn.GRU reading everything so far
            logits = reader.push(int(ids[t]))
            torch.testing.assert_close(logits, net(torch.from_numpy(ids[None, : t + 1]))[0, -1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    ("position", "smear"), [("alibi", False), ("rope", False), ("learned", False), ("alibi", True)]
)
def test_the_cached_transformer_gives_the_full_forwards_logits(position, smear):
    from core.context import CachedTransformer

    config = LMConfig(model="transformer", position=position, smear=smear, **{**TINY, "steps": 20})  # window 32
    net = train_lm(config).model
    ids = load_book().encode(load_book().text[:80])
    reader = CachedTransformer(net)
    with torch.no_grad():
        logits = reader.reset(ids[:10])
        torch.testing.assert_close(logits, net(torch.from_numpy(ids[None, :10]))[0, -1], rtol=1e-4, atol=1e-5)
        for t in range(10, 80):
            logits = reader.push(int(ids[t]))
            visible = torch.tensor([reader.ids])  # what the cache holds: up to 32 characters (16 or more once full)
            assert reader.ids[-1] == ids[t] and min(t + 1, 16) <= len(reader.ids) <= 32
            torch.testing.assert_close(logits, net(visible)[0, -1], rtol=1e-4, atol=1e-5)
