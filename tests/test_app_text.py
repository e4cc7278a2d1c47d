"""The "On real text" page (#22) under AppTest: the shipped models' context curves and the captions that read
them, the gradient, surprise and samples against core/context.py, controls at min, max and defaults, your own
text, bad links, Reset and Korean."""

import numpy as np
import pandas as pd
import pytest

from core.context import effective_context, gradient_profile, sample, surprise
from core.lm import LM_MODELS
from dashboard import text_view
from dashboard.i18n import catalog
from dashboard.text_view import DEFAULTS, RANGES, context_table, model, passage
from tests.apptest_helpers import alert_texts, all_captions, assert_charts_sound, charts, open_page

PAGE = "pages/real_text.py"
EN, KO = catalog("en"), catalog("ko")


def _open(query=None):
    return open_page(PAGE, query)


_captions = all_captions


def test_the_shipped_models_reproduce_their_recorded_held_out_loss():
    from core.lm import held_out_bits

    for code in LM_MODELS:
        net, meta = model(code)
        assert held_out_bits(net) == pytest.approx(meta["held_out_bits_per_char"], abs=0.01)


@pytest.mark.slow  # a minute: the GRU's curve computed again on all 2,000 targets
def test_the_shipped_context_curves_are_the_commands_output_and_end_equal():
    from core.context import context_curve

    table = context_table()
    for code in LM_MODELS:
        shipped = table[table["model"] == code].drop(columns="model").reset_index(drop=True)
        assert list(shipped["context"]) == sorted(shipped["context"])
        last = shipped.iloc[-1]
        assert last["context"] == model(code)[0].config.context
        assert last["bits_per_char"] == last["shuffled_bits_per_char"]
        # beyond noise, more context never costs: each step up in d changes the loss by less than +0.05 bits
        assert (np.diff(shipped["bits_per_char"]) < 0.05).all()
    again = context_curve(model("gru")[0], count=2000)
    pd.testing.assert_frame_equal(again, table[table["model"] == "gru"].drop(columns="model").reset_index(drop=True))


def _read() -> dict[str, str]:
    """What each model reads of the gradient section's passage: the LSTM and the GRU all 1,000 characters before
    the predicted one, the Transformer its 256-character window."""
    return {code: passage(1000)[-257:] if code == "transformer" else passage(1000) for code in LM_MODELS}


def test_defaults_draw_every_section_and_the_captions_read_the_numbers():
    at = _open()
    assert_charts_sound(at)
    text = _captions(at)
    table = context_table()
    for code in LM_MODELS:
        curve = table[table["model"] == code].sort_values("context")
        assert f"{curve['bits_per_char'].iloc[-1]:.2f} bits/char with its full window" in text
        assert f"within 1% of the full window from d = {effective_context(curve)}" in text
    profiles = {code: gradient_profile(model(code)[0], text) for code, text in _read().items()}
    for frame in profiles.values():
        far = int(frame["distance"].max())
        value = float(frame.loc[frame["distance"] == far, "log10_grad_norm"].iloc[0])
        assert f"at distance {far}" in text and (f"10^{value:.1f}" in text or not np.isfinite(value))
    codes = [c.value for c in at.code]
    assert len(codes) == 3
    expected = sample(model("lstm")[0], DEFAULTS["prompt"], DEFAULTS["length"], DEFAULTS["temperature"], 0)
    assert codes[0] == DEFAULTS["prompt"] + expected


@pytest.mark.parametrize("where", ["min", "max"])
def test_every_slider_at_its_min_and_max(where):
    query = {f"text_{name}": str(lo if where == "min" else hi) for name, (lo, hi, _) in RANGES.items()}
    at = _open(query)
    assert not at.toast
    assert_charts_sound(at)
    span = int(query["text_span"])
    lines = next(f for f in charts(at)[1]["data"] if "part" in f and "log10" in f)
    whole = {code: gradient_profile(model(code)[0], text) for code, text in _read().items()}
    for code in LM_MODELS:  # the whole passage's gradient (as each model read it), up to `span` characters back
        drawn = lines[lines["series"] == EN[f"text.model_{code}"]]
        assert drawn["distance"].max() == min(span, len(whole[code])) - 1, code
        exact = whole[code].set_index("distance").loc[drawn["distance"].astype(int), "log10_grad_norm"]
        np.testing.assert_allclose(drawn["log10"].to_numpy(), exact.to_numpy(), rtol=1e-9)
    assert all(len(c.value) == len(DEFAULTS["prompt"]) + int(query["text_length"]) for c in at.code)


def test_your_own_text_gets_each_models_surprise():
    text = "In the beginning was the Word, and the Word was with God. <script>alert(1)</script> 안녕"
    at = _open({"text_own": text})
    table = text_view.surprises(text)
    for code in LM_MODELS:
        expected = surprise(model(code)[0], text)["bits"].mean()
        assert f"{text_view.names()[code]} {expected:.2f} bits/char" in _captions(at)
    assert len(table) == 3 * (len(text) - 1)


def test_a_one_character_text_falls_back_with_a_note():
    at = _open({"text_own": "x"})
    assert EN["text.own_short"] in alert_texts(at)["info"]


def test_korean_interface_translates_the_page():
    at = _open({"lang": "ko"})
    assert at.title[0].value == KO["text.title"]
    assert "트랜스포머" in _captions(at)


@pytest.mark.parametrize("key,value", [("text_span", "5000"), ("text_temperature", "x"), ("text_seed", "-1")])
def test_a_bad_link_value_is_ignored_with_a_notice(key, value):
    at = _open({key: value})
    assert at.toast and key in at.toast[0].value
    assert_charts_sound(at)


def test_reset_puts_every_control_back():
    at = _open({"text_span": "100", "text_temperature": "1.5", "text_seed": "7", "text_length": "50"})
    at.button(key="reset_defaults").click().run()
    at.run()
    for name in ("span", "temperature", "seed", "length"):
        assert at.slider(key=f"text_{name}").value == DEFAULTS[name]
    assert not {"text_span", "text_temperature", "text_seed", "text_length"} & set(at.query_params)
