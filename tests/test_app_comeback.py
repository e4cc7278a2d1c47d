"""The page "RNNs came back" (#32) under AppTest: controls at min, max and defaults, every caption's numbers against
core, the ring notice, bad links, Korean and presenter mode; the shipped scan timings and recall sweep behind it."""

import math

import numpy as np
import pandas as pd
import pytest

from core.comeback import lru_lab, speedups, tail_slope
from core.probe import gradient_through_time
from core.scan import scan_rounds
from core.sweep_training import longest_solved, sweep_summary
from dashboard import comeback_view as view
from dashboard.i18n import catalog
from tests.apptest_helpers import alert_texts, all_captions, assert_charts_sound, charts, element_paths, open_page

PAGE = "pages/comeback.py"
EN, KO = catalog("en"), catalog("ko")
ROOT = view.SCAN_CSV.parent


def _open(query=None):
    return open_page(PAGE, query)


def _falls(text: str, T: int, seed: int, r_min: float, r_max: float, bias: float) -> None:
    """The gradient caption states each model's change from distance 0 to T − 1 as computed by core."""
    runs = {
        "LRU": gradient_through_time("lru", T, seed=seed, r_min=r_min, r_max=r_max),
        "minGRU": gradient_through_time("mingru", T, seed=seed, update_bias=bias),
        "tanh RNN, ρ = 0.9": gradient_through_time("rnn", T, seed=seed, weight_scale=0.9),
        "LSTM, ρ = 0.9": gradient_through_time("lstm", T, seed=seed, weight_scale=0.9),
    }
    for name, probe in runs.items():
        logs = probe.sort_values("distance")["log10_grad_norm"].to_numpy()
        assert f"{name}: 10^{logs[-1] - logs[0]:.1f}" in text, name


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"cb_seq_len": "2", "cb_r_min": "0.0", "cb_r_max": "0.5", "cb_bias": "-8.0", "cb_seed": "0"},
        {"cb_seq_len": "2000", "cb_r_min": "0.99", "cb_r_max": "0.9999", "cb_bias": "2.0", "cb_seed": "9999"},
    ],
    ids=["defaults", "min", "max"],
)
def test_controls_at_defaults_min_and_max_draw_every_chart_and_the_captions_hold(query):
    at = _open(query)
    assert_charts_sound(at)
    d = view.ComebackControls()
    T = int(query.get("cb_seq_len", d.seq_len))
    seed = int(query.get("cb_seed", d.seed))
    r_min, r_max = float(query.get("cb_r_min", d.r_min)), float(query.get("cb_r_max", d.r_max))
    bias = float(query.get("cb_bias", d.update_bias))
    text = all_captions(at)
    assert EN["cb.gradient_caption"].format(far=T - 1) in text
    _falls(text, T, seed, r_min, r_max, bias)
    probe, line, eigs, log_slowest, gamma = lru_lab(T, seed, r_min, r_max)
    assert f"|λ| from {eigs['modulus'].min():.4g} to {eigs['modulus'].max():.5g}" in text
    assert f"γ = √(1 − |λ|²) is {gamma:.3g}" in text
    if T >= 8:
        slope = tail_slope(probe)
        assert f"a slope of {slope:.2g} decades a step" in text and f"log₁₀ |λ| = {log_slowest:.2g}" in text
        close = abs(slope - log_slowest) <= view.SLOPE_NEAR * abs(log_slowest)
        assert EN["cb.slope_alone" if close else "cb.slope_not_yet"] in text


def test_the_lru_curve_and_its_slowest_mode_line_are_drawn():
    at = _open({"cb_seq_len": "500"})
    rows = [f for c in charts(at) for f in c["data"] if "series" in f and "log10" in f]
    series = set(pd.concat(rows)["series"])
    assert {"LRU", "LRU's slowest mode alone, |λ|^d", "minGRU", "tanh RNN, ρ = 0.9", "LSTM, ρ = 0.9"} <= series


def test_a_ring_with_r_min_above_r_max_is_drawn_at_r_max_with_a_notice():
    at = _open({"cb_r_min": "0.99", "cb_r_max": "0.9"})
    assert EN["cb.ring_lowered"].format(r="0.9") in alert_texts(at)["info"]
    assert "|λ| from 0.9 to 0.9" in all_captions(at)


@pytest.mark.parametrize("query", [{"cb_r_max": "1.5"}, {"cb_seq_len": "nan"}, {"cb_bias": "<b>x</b>"}])
def test_a_bad_link_is_ignored_with_a_notice(query):
    at = _open(query)
    assert at.toast and next(iter(query)) in at.toast[0].value
    assert_charts_sound(at)


def test_korean_interface_translates_the_page():
    at = _open({"lang": "ko"})
    assert at.title[0].value == KO["cb.title"]
    assert KO["cb.gradient_caption"].format(far=999) in all_captions(at)


def test_presenter_mode_draws_the_page():
    assert_charts_sound(_open({"present": "1"}))


def test_the_scan_caption_reads_the_shipped_timings():
    raw = pd.read_csv(view.SCAN_CSV)
    table = speedups(raw)
    assert set(raw["model"]) == {"lru", "mingru"} and raw["seq_len"].min() <= 100 and raw["seq_len"].max() >= 10_000
    assert (raw.loc[raw["method"] == "loop", "rounds"] == raw.loc[raw["method"] == "loop", "seq_len"]).all()
    assert all(scan_rounds(int(n)) == r for n, r in raw.loc[raw["method"] == "scan", ["seq_len", "rounds"]].values)
    text = all_captions(_open())
    for model, name in (("lru", "LRU"), ("mingru", "minGRU")):
        rows = table[table["model"] == model].sort_values("seq_len")
        first, last = rows.iloc[0], rows.iloc[-1]
        assert f"{name}: the scan is {first['speedup']:.2g}× the loop's speed at T = {int(first['seq_len'])}" in text
        assert f"and {last['speedup']:.2g}× at T = {int(last['seq_len']):,}" in text


def test_the_shipped_sweep_has_both_new_models_at_every_length_and_the_caption_reads_it():
    table = pd.read_csv(ROOT / "sweep.csv")
    for model in ("lru", "mingru"):
        part = table[table["model"] == model]
        assert sorted(part["seq_len"].unique()) == [10, 20, 40, 80, 160, 320, 640]
        assert (part.groupby("seq_len")["seed"].nunique() == 3).all()
    solved = longest_solved(sweep_summary(table))
    text = all_captions(_open())
    for model in ("lru", "mingru"):
        best = solved[model]
        tried = sorted(table.loc[table["model"] == model, "seq_len"].unique())
        if best is None:
            assert EN["cb.sweep_none"].format(model=model) in text
        elif best == tried[-1]:
            assert EN["cb.sweep_all"].format(model=model, longest=best) in text
        else:
            following = min(n for n in tried if n > best)
            assert EN["cb.sweep_until"].format(model=model, best=best, next=following) in text


def test_the_lru_line_is_the_slowest_modes_envelope_at_the_pages_settings():
    probe, line, eigs, log_slowest, _ = lru_lab(2000, 0, 0.9, 0.999)
    slope = np.polyfit(line["distance"], line["log10"], 1)[0]
    assert slope == pytest.approx(log_slowest, rel=1e-9)
    assert math.log10(eigs["modulus"].max()) == pytest.approx(log_slowest, rel=1e-12)
    far = probe.sort_values("distance")["log10_grad_norm"].to_numpy()[-200:]
    assert (far - line["log10"].to_numpy()[-200:]).max() < 1.0  # the far curve is near its slowest mode's line


def test_the_readme_states_the_sweeps_longest_solved_lengths():
    solved = longest_solved(sweep_summary(pd.read_csv(ROOT / "sweep.csv")))
    readme = (ROOT.parent / "README.md").read_text()
    sentence = f"the LRU up to {solved['lru']} and the minGRU up to {solved['mingru']}, none beyond (tried to 640)"
    assert sentence in " ".join(readme.split())


def test_the_gradient_chart_keeps_its_place_whether_or_not_the_ring_notice_shows():
    """A chart frame's slots keep their order and count (an empty slot where there is no notice), so a move that
    brings the notice does not move the chart, which the browser would then draw anew."""
    plain, noticed = _open(), _open({"cb_r_min": "0.99", "cb_r_max": "0.9"})
    assert not alert_texts(plain)["info"] and alert_texts(noticed)["info"]
    assert element_paths(plain, "vega_lite_chart") == element_paths(noticed, "vega_lite_chart")
    assert len(element_paths(plain, "vega_lite_chart")) == len(charts(plain)) > 0
