"""Every caption that states a number or a direction says what the numbers on screen show, at
every setting tried (a test per caption family, #18): the sentence a caption picks is checked
against the probe's own numbers, not against a stored picture of them."""

import math

import numpy as np
import pytest

from core.probe import gradient_through_time
from core.theory import STABLE_DECADES, verdict
from dashboard.charts.style import SCREEN
from dashboard.i18n import catalog, speaking

EN = catalog("en")


def _lead(key: str) -> str:
    """The fixed opening of a catalogue sentence (up to its first placeholder)."""
    return EN[key].split("{")[0]


# --- Remedies: the gates -------------------------------------------------------------------------


@pytest.mark.parametrize("forget", [-2.0, 0.0, 1.0, 3.0, 5.0, 8.0])
@pytest.mark.parametrize("seq_len", [100, 1000])
def test_gates_caption_follows_the_lstm_curve(forget, seq_len):
    from dashboard import remedies_view
    from dashboard.controls import SharedControls

    c = SharedControls(seq_len=seq_len)
    with speaking("en"):
        caption = remedies_view._gates(c, forget, 0.0, SCREEN).caption
    lstm = gradient_through_time("lstm", seq_len, forget_bias=forget, weight_scale=0.9, hidden_size=64)
    v = verdict(lstm)
    assert _lead(f"rem.gates_lstm_{v.regime}") in caption
    others = {"vanishing", "stable", "exploding"} - {v.regime}
    assert not any(_lead(f"rem.gates_lstm_{o}") in caption for o in others)
    # the numbers quoted are the probe's and the dotted line's
    assert f"{v.log10_ratio:.1f}" in caption
    f = 1 / (1 + math.exp(-forget))
    assert f"{(seq_len - 1) * math.log10(f):.1f}" in caption
    # the old claim "beyond the horizon the curve decays again" is made only where the curve decays
    if "still vanishes" in caption:
        assert v.log10_ratio < -STABLE_DECADES


def test_gates_caption_at_the_issues_settings():
    """b_f = 3, T = 1000 measures 10^-3.7 against the dotted line's 10^-21.1; b_f = 5 grows."""
    from dashboard import remedies_view
    from dashboard.controls import SharedControls

    with speaking("en"):
        three = remedies_view._gates(SharedControls(seq_len=1000), 3.0, 0.0, SCREEN).caption
        five = remedies_view._gates(SharedControls(seq_len=2000), 5.0, 0.0, SCREEN).caption
    assert "10^-21.1" in three and "try T = 1000" not in three
    assert "grows with distance" in five


# --- Remedies: clipping --------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [0.01, 1.0, 100.0])
def test_clipping_caption_says_whether_clipping_acts(theta):
    from dashboard import cached, remedies_view

    table = cached.clipping(theta, 100, 64, 0)
    with speaking("en"):
        for _, row in table.iterrows():
            caption = remedies_view.clip_caption(row, 100, theta)
            acts = row["log10_total"] > math.log10(theta) + 1e-12
            assert ("nothing is clipped" in caption) == (not acts), row["weight_scale"]
            assert _lead("rem.clip_share") in caption
            if acts:
                assert row["log10_first_clipped"] < row["log10_first"]
                if row["log10_first_over_last"] < -STABLE_DECADES:
                    assert "smaller, not larger" in caption
                if row["log10_first_over_last"] > STABLE_DECADES:
                    assert "Explosion is capped" in caption
            else:
                assert row["log10_first_clipped"] == row["log10_first"]


def test_clipping_acts_below_radius_one_at_the_default_threshold():
    """The issue's numbers: at ρ = 0.9, θ = 1 the first word goes from 10^-4.5 to 10^-4.9."""
    from dashboard import cached, remedies_view

    table = cached.clipping(1.0, 100, 64, 0)
    row = table.iloc[(table["weight_scale"] - 0.9).abs().argmin()]
    with speaking("en"):
        caption = remedies_view.clip_caption(row, 100, 1.0)
    assert "10^-4.5 to 10^-4.9" in caption and "nothing is clipped" not in caption
    assert row["log10_total"] > 0  # ‖g‖ > θ = 1 even though ρ < 1


# --- every catalogue: the corrected claims stay corrected ----------------------------------------

RETIRED = {  # (key, phrase that the numbers contradict)
    ("rnn.intro", "scales roughly like"),
    ("rem.clip_caption", "nothing to clip"),
    ("rem.gates_caption", "try T = 1000"),
    ("home.step_attention", "as strong as the last"),
    ("att.grad_caption_window", "without any decay"),
    ("att.pe_caption", "mainly"),
    ("rem.intro", "Three classic remedies fight"),
    ("train.curves_caption", "Nothing reaches the first token"),
    ("home.timeline_caption", "replaced recurrence altogether"),
    ("rem.trunc_caption", "can ever be learned"),
}


@pytest.mark.parametrize("key,phrase", sorted(RETIRED))
def test_retired_claims_are_gone(key, phrase):
    assert phrase not in EN.get(key, ""), key


def test_no_caption_claims_the_gaussian_boundary_is_exact():
    assert "exactly at ρ = 1" not in EN["rnn.sweep_boundary_gaussian"]
    assert "exactly" in EN["rnn.sweep_boundary_orthogonal"]


def test_sweep_boundary_sentences_hold_for_a_linear_rnn():
    """Orthogonal: the sign of the slope flips exactly at ρ = 1; nilpotent: zero past one step."""
    for rho, sign in ((0.99, -1), (1.01, 1)):
        logs = gradient_through_time(seq_len=300, weight_scale=rho, nonlinearity="linear")["log10_grad_norm"]
        assert np.sign(logs.iloc[0] - logs.iloc[-1]) == sign
    for rho in (0.5, 2.0):
        logs = gradient_through_time(seq_len=50, weight_scale=rho, nonlinearity="linear", init="nonnormal")
        assert np.isneginf(logs["log10_grad_norm"].iloc[:-2]).all()


# --- Attention: the gradient, the window's reach, order blindness, the encoding --------------------


@pytest.mark.parametrize("layers,window", [(2, 0), (1, 0), (1, 8), (2, 8), (3, 8), (4, 4), (2, 2), (2, 1), (1, 64)])
def test_attention_gradient_caption_follows_the_curve(layers, window):
    from core.models.transformer import TransformerConfig
    from dashboard import attention_view

    T = 64
    cfg = TransformerConfig(64, 4, layers, True, window)
    tr = gradient_through_time("transformer", T, hidden_size=64, heads=4, layers=layers, window=window)
    rnn = gradient_through_time("rnn", T, hidden_size=64, weight_scale=0.9)
    with speaking("en"):
        caption = attention_view.gradient_caption(cfg, T, tr, rnn)
    logs = tr.sort_values("distance")["log10_grad_norm"].to_numpy()
    if not window:
        flat = abs(logs[-1] - np.median(logs[1:])) <= 1
        assert ("dilution by length, not decay" in caption) == flat
        assert "exactly zero" not in caption
        return
    reach = layers * (window - 1)
    assert f"= {reach} positions" in caption
    assert np.isneginf(logs[reach + 1 :]).all() and np.isfinite(logs[: min(reach, T - 1) + 1]).all()
    edge = min(reach, T - 1)
    if edge >= 2:
        falls = logs[edge] < logs[1] - 1
        assert ("each hop multiplies attention weights" in caption) == falls
        assert ("stays within a factor of 10" in caption) == (not falls)
    assert "without any decay" not in caption


def test_restricted_attention_falls_inside_its_reach_at_the_issues_setting():
    """L = 3, K = 8 falls from about 10^-1.2 to 10^-4.6 inside the reach (multi-hop products)."""
    tr = gradient_through_time("transformer", 64, hidden_size=64, heads=4, layers=3, window=8)
    logs = tr.sort_values("distance")["log10_grad_norm"].to_numpy()
    assert logs[21] < logs[1] - 3


@pytest.mark.parametrize("window", [0, 1, 2, 4, 8, 16, 300])
@pytest.mark.parametrize("layers", [1, 2])
def test_order_caption_claims_invariance_only_where_the_numbers_show_it(window, layers):
    from core.attention import ORDER_ROUNDOFF, order_blindness
    from core.models.transformer import TransformerConfig
    from dashboard import attention_view

    cfg = TransformerConfig(32, 2, layers, True, window)
    T = 40
    numbers = order_blindness(cfg, T, 0)
    with speaking("en"):
        caption = attention_view.order_caption(numbers, cfg, T)
    lost = max(numbers["pooled_delta_without_pe"], numbers["map_delta"]) <= ORDER_ROUNDOFF
    assert ("only by round-off" in caption) == lost
    if window in (0, 1) or window >= T:  # no mask, a word alone (K = 1), or every pair: all permute along
        assert lost
    else:  # the mask depends on position: it leaks order (the issue measured 0.033 pooled, 0.69 map)
        assert not lost and "leaks word order" in caption
        assert f"{numbers['pooled_delta_without_pe']:.2g}" in caption


def test_positional_similarity_depends_only_on_distance():
    """The caption says "only on their distance": cos sim(PE(p), PE(q)) is a function of p − q alone."""
    import torch

    from core.models.transformer import sinusoidal_encoding

    for d in (16, 64):
        pe = sinusoidal_encoding(200, d, dtype=torch.float64)
        unit = pe / pe.norm(dim=1, keepdim=True)
        sim = (unit @ unit.T).numpy()
        for k in (0, 1, 7, 50):
            diagonal = np.diagonal(sim, offset=k)
            assert np.ptp(diagonal) < 1e-12
    assert "only on their distance" in EN["att.pe_caption"]


# --- Training: the stored sweep and the live re-run ------------------------------------------------


def test_sweep_caption_reads_its_numbers_from_the_sweep():
    import pandas as pd

    from core.sweep_training import longest_solved, sweep_summary
    from dashboard import training_view

    table = pd.read_csv(training_view.SWEEP_CSV)
    with speaking("en"):
        caption = training_view.sweep_caption(table, training_view.sweep_data(table))
    solved = longest_solved(sweep_summary(table))
    for model, length in solved.items():
        assert f"{model} {length if length else 'none'}" in caption
    assert f"over {table['seed'].nunique()} seeds" in caption
    assert f"after {table['steps'].max()} steps" in caption


def test_rerun_caption_counts_agreement_and_says_what_differs():
    import pandas as pd

    from dashboard import training_view

    stored = pd.DataFrame({"model": ["rnn", "rnn"], "seq_len": [10, 20], "seed": [0, 0], "accuracy": [1.0, 0.25]})
    live = pd.DataFrame(
        {
            "model": ["rnn", "rnn"],
            "seq_len": [10, 20],
            "seed": [0, 0],
            "accuracy": [1.0, 0.97],
            "status": ["solved", "time limit"],
        }
    )
    with speaking("en"):
        caption = training_view.rerun_caption(live, stored)
    assert "1 of 2 runs" in caption and "rnn T = 20: 0.97 / 0.25" in caption and "1 run(s) stopped" in caption
    assert "same pattern" not in caption


def test_training_curves_caption_follows_the_first_token_gradient():
    from dashboard import training_view

    small = [{"log10_first_grad": -2.0}, {"log10_first_grad": -15.0}]
    large = [{"log10_first_grad": -2.0}, {"log10_first_grad": -1.0}]
    floor = [{"log10_first_grad": -2.0}, {"log10_first_grad": -math.inf}]
    with speaking("en"):
        assert "10^-15.0" in training_view.curves_caption(small) and "not zero" in training_view.curves_caption(small)
        assert "not zero" not in training_view.curves_caption(large)
        assert "1 step(s) fell below" in training_view.curves_caption(floor)


@pytest.mark.parametrize("layers,heads,width,positional", [(1, 1, 16, True), (4, 8, 128, False), (2, 4, 64, True)])
@pytest.mark.parametrize("seq_len", [16, 512])
def test_attention_intro_holds_without_a_window(layers, heads, width, positional, seq_len):
    """The Attention intro says, at any setting without a window, that the gradient does not decay with distance:
    the first word stays within a factor of 10 of the median word (checked over 72 settings by hand)."""
    logs = (
        gradient_through_time(
            "transformer", seq_len, hidden_size=width, heads=heads, layers=layers, positional=positional
        )
        .sort_values("distance")["log10_grad_norm"]
        .to_numpy()
    )
    assert abs(logs[-1] - np.median(logs[1:])) <= 1
    assert "does not decay with distance" in EN["att.intro"]
