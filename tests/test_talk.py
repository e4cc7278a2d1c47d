"""The ready talk (#20): every scene opens its page at its settings in presenter mode, with its note and
Previous/Next in the sidebar, and every note's number is what the page computes at that scene."""

import math
import re

import numpy as np
import pandas as pd
import pytest

from core.probe import gradient_through_time
from core.theory import verdict
from dashboard import cached, talk
from dashboard.i18n import catalog
from tests.apptest_helpers import run_app

EN, KO = catalog("en"), catalog("ko")


@pytest.mark.parametrize("number", range(1, len(talk.SCENES) + 1))
def test_every_scene_opens_with_its_note_and_its_neighbours(number):
    code = talk.SCENES[number - 1][0]
    page, params = talk.scene_link(number)
    at = run_app(params, page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.toast  # every setting of a scene is a valid link
    assert any(EN[f"talk.{code}_note"] == c.value for c in at.sidebar.caption)
    links = {link.proto.label: link.proto for link in at.sidebar.get("page_link")}
    assert (EN["talk.previous"] in links) == (number > 1)
    assert (EN["talk.next"] in links) == (number < len(talk.SCENES))
    if number < len(talk.SCENES):
        assert f"scene={number + 1}" in links[EN["talk.next"]].query_string
        assert "present=1" in links[EN["talk.next"]].query_string


def test_outside_presenter_mode_there_is_no_talk_and_in_it_a_start_link():
    assert not any(EN["talk.title"] == s.value for s in run_app().sidebar.subheader)
    at = run_app({"present": "1"})
    start = next(link.proto for link in at.sidebar.get("page_link") if link.proto.label == EN["talk.start"])
    assert "scene=1" in start.query_string


def test_korean_talk_keeps_the_language_in_its_links():
    code = talk.SCENES[1][0]
    page, params = talk.scene_link(2)
    at = run_app({**params, "lang": "ko"}, page=page)
    assert any(KO[f"talk.{code}_note"] == c.value for c in at.sidebar.caption)
    following = next(link.proto for link in at.sidebar.get("page_link") if link.proto.label == KO["talk.next"])
    assert "lang=ko" in following.query_string


def test_walking_the_talk_in_one_session_gives_every_scene_its_own_settings():
    """Next after Next in one session (the browser replaces the query string with the link's): a scene never
    inherits the scene before it, though the session keeps every control (and pages share T, ρ, H)."""
    at = run_app({"present": "1"})
    for number in range(1, len(talk.SCENES) + 1):
        page, params = talk.scene_link(number)
        at.switch_page(page)
        at.query_params.clear()
        at.query_params.update(params)
        at.run()
        assert not at.exception and not at.toast, number
        for key, value in talk.scene_settings(number).items():
            assert at.session_state[key] == value, (number, key)
        if page.endswith("vanishing_exploding.py"):
            regime = _rnn(**talk.scene_settings(number)).regime
            assert any(a.value.startswith(f"**{regime.capitalize()}.**") for a in [*at.info, *at.warning])


def _rnn(**settings):
    options = {k: v for k, v in settings.items() if k not in ("rnn_detail", "input_scale", "seq_len", "seed")}
    return verdict(gradient_through_time("rnn", 100, **options))


def _settings(code: str) -> dict:
    """The settings a scene changes, by its code."""
    return next(settings for name, _, settings in talk.SCENES if name == code)


def test_the_recurrent_scenes_notes_hold():
    vanishing, exploding, saturation = (_rnn(**_settings(c)) for c in ("vanishing", "exploding", "saturation"))
    assert vanishing.regime == "vanishing" and "10^-24.2" in EN["talk.vanishing_note"]
    assert (
        f"10^{vanishing.log10_ratio:.1f}" in EN["talk.vanishing_note"]
        and f"×{vanishing.per_step:.2f}" in (EN["talk.vanishing_note"])
    )
    assert exploding.regime == "exploding" and f"10^{exploding.log10_ratio:.1f}" in EN["talk.exploding_note"]
    assert saturation.regime == "vanishing" and f"10^{saturation.log10_ratio:.1f}" in EN["talk.saturation_note"]


def test_the_remedy_scenes_notes_hold():
    settings = _settings("truncation")
    T, K = int(settings["seq_len"]), int(settings["window"])
    cut = gradient_through_time("rnn", T, window=K)["log10_grad_norm"].to_numpy()
    assert int(np.isneginf(cut).sum()) == T - K and f"{T - K} words" in EN["talk.truncation_note"]
    gates = _settings("gates")
    lstm = verdict(gradient_through_time("lstm", int(gates["seq_len"]), forget_bias=float(gates["forget_bias"])))
    rnn = verdict(gradient_through_time("rnn", int(gates["seq_len"])))
    assert lstm.regime == "vanishing" and f"10^{lstm.log10_ratio:.1f}" in EN["talk.gates_note"]
    assert rnn.log10_ratio < lstm.log10_ratio - 100  # "the plain RNN's far less"


def test_the_training_scenes_note_holds():
    from core.sweep_training import longest_solved, sweep_summary
    from dashboard import training_view

    solved = longest_solved(sweep_summary(pd.read_csv(training_view.SWEEP_CSV)))
    assert solved["rnn"] == 10
    note = EN["talk.training_note"]
    assert "only at T = 10" in note and f"up to {solved['transformer']}." in note


def test_the_attention_scenes_notes_hold():
    from core.attention import order_blindness, order_is_lost
    from core.models.transformer import TransformerConfig

    T = int(_settings("one_hop")["att_seq_len"])
    logs = gradient_through_time("transformer", T).sort_values("distance")["log10_grad_norm"].to_numpy()
    assert abs(float(np.median(logs[1:])) + math.log10(T)) < 0.5  # "roughly 1/T"
    assert abs(logs[-1] - np.median(logs[1:])) < 1  # no decay with distance
    assert order_is_lost(order_blindness(TransformerConfig(64, 4, 2, True, 0), 18, 0))


def test_the_table_scenes_note_holds():
    from dashboard import h2h_view

    slopes = cached.fitted_slopes(pd.read_csv(h2h_view.TIMINGS_CSV), h2h_view.FIT_FROM)
    assert max(slopes, key=slopes.get) == "self-attention"  # "its time grows fastest with n"


def test_the_comeback_scenes_note_holds():
    from core.scan import scan_rounds

    number = [code for code, _, _ in talk.SCENES].index("comeback") + 1
    s = talk.scene_settings(number)
    T, seed = int(s["cb_seq_len"]), int(s["cb_seed"])
    lru = gradient_through_time("lru", T, seed=seed, r_min=s["cb_r_min"], r_max=s["cb_r_max"])["log10_grad_norm"]
    rnn = gradient_through_time("rnn", T, seed=seed, weight_scale=0.9)["log10_grad_norm"]
    note = EN["talk.comeback_note"]
    assert f"10^{lru.iloc[0] - lru.iloc[-1]:.1f}" in note and f"10^{rnn.iloc[0] - rnn.iloc[-1]:.1f}" in note
    assert f"T = {T:,}" in note and f"in {scan_rounds(T)} rounds instead of {T:,} steps" in note


NOT_CONTROLS = {"lang", "present", "reset_defaults", "h2h_remeasure", "stab_train", "stab_stop"}  # frame, buttons
NOT_CONTROLS |= {"text_own"}  # the visitor's own text on On real text stays theirs: no scene's note reads it


@pytest.mark.parametrize("page", sorted(talk.PAGE_DEFAULTS))
def test_a_scene_writes_each_control_at_its_pages_own_default(page):
    """PAGE_DEFAULTS is what the page itself starts at, and it names every control the page draws: a scene with
    no settings shows the page as a first visit would, whatever the student moved before."""
    at = run_app({}, page=page)
    assert not at.exception
    state = at.session_state._state._state.filtered_state  # the widgets' values, by key
    drawn = {k for k in state if not k.startswith(("export-", "_")) and k not in NOT_CONTROLS}
    assert drawn <= set(talk.PAGE_DEFAULTS[page]), (page, drawn - set(talk.PAGE_DEFAULTS[page]))
    for key in drawn:  # some controls are drawn only in some modes (a scene writes them all)
        assert state[key] == talk.PAGE_DEFAULTS[page][key], (page, key)


NUMBER = re.compile(r"10\^-?\d+(?:\.\d+)?|×\d+(?:\.\d+)?|-?\d+\.\d+|\d+/\d+")
NEW = ("depth", "real", "real_text", "retrieval", "stability")  # #37: the talk reaches the real models


@pytest.mark.parametrize("code", NEW)
def test_the_real_model_scenes_numbers_are_on_their_pages(code):
    """Every number in the scene's note (powers of ten, factors, decimals, counts like 9/24) is on the page at the
    scene's settings, in its captions, as the page computes it; the Korean note quotes the same numbers."""
    number = [name for name, _, _ in talk.SCENES].index(code) + 1
    page, params = talk.scene_link(number)
    at = run_app(params, page=page, timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    note = EN[f"talk.{code}_note"]
    shown = " ".join(e.value for e in [*at.caption, *at.markdown, *at.info, *at.warning] if note not in e.value)
    wanted = NUMBER.findall(note)  # found in what the page computed, not in the scene's own note drawn beside it
    assert wanted, code
    assert [n for n in wanted if n not in shown] == [], code
    assert sorted(NUMBER.findall(KO[f"talk.{code}_note"])) == sorted(wanted), code
