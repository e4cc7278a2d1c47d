"""Reset to defaults: every control of the page goes back to what a fresh visitor sees, the link
loses its parameters, and the old link's values are not reported as malformed."""

import pytest

from dashboard.url import REGISTRY_KEY
from tests.apptest_helpers import run_app

# A valid non-default value for every URL-bound control of each page.
CHANGED = {
    "pages/vanishing_exploding.py": {
        "seq_len": "300",
        "weight_scale": "1.5",
        "nonlinearity": "relu",
        "init": "gaussian",
        "hidden_size": "32",
        "input_scale": "0.5",
        "seed": "7",
    },
    "pages/remedies.py": {
        "seq_len": "300",
        "weight_scale": "1.2",
        "hidden_size": "32",
        "seed": "3",
        "window": "50",
        "forget_bias": "3.0",
        "update_bias": "2.0",
        "clip": "10.0",
    },
    "pages/attention.py": {
        "att_d": "32",
        "att_heads": "2",
        "att_layers": "3",
        "att_pe": "false",
        "att_window": "8",
        "att_text": "the cat sat on the mat",
        "att_level": "char",
    },
    "pages/training.py": {
        "train_model": "lstm",
        "train_task": "adding",
        "train_seq_len": "50",
        "train_steps": "100",
        "train_seed": "5",
    },
    "pages/head_to_head.py": {
        "seq_len": "300",
        "weight_scale": "1.2",
        "hidden_size": "32",
        "seed": "3",
        "h2h_window": "16",
        "h2h_n": "1024",
    },
    "pages/retrieval.py": {"copy_gap": "256", "copy_text": "In the beginning was the Word"},
    "pages/stability.py": {"stab_warmup": "100", "stab_lr": "0.003", "stab_model": "gru", "stab_seed": "5"},
    "pages/comeback.py": {
        "cb_seq_len": "300",
        "cb_r_min": "0.5",
        "cb_r_max": "0.99",
        "cb_bias": "-1.0",
        "cb_seed": "4",
    },
}
# Controls a page's default view does not draw (Remedies' first section uses the window only): registered for Reset
NOT_DRAWN = {"pages/remedies.py": {"forget_bias", "update_bias", "clip"}}
WIDGET_KINDS = (
    "slider",
    "select_slider",
    "selectbox",
    "toggle",
    "text_input",
    "text_area",
    "button_group",
    "number_input",
)
FRAME_KEYS = {"lang", "present", "remedy", "rnn_detail"}  # the frame's controls, and what a page shows: kept by Reset


def _controls(at) -> dict:
    """Every keyed input widget on the page (the frame's excepted) and its value."""
    found = {}
    for kind in WIDGET_KINDS:
        for widget in at.get(kind):
            if widget.key and widget.key not in FRAME_KEYS:
                found[widget.key] = widget.value
    return found


@pytest.mark.parametrize("page", list(CHANGED))
def test_reset_restores_what_a_fresh_visitor_sees(page):
    fresh = run_app(page=page)
    defaults = _controls(fresh)
    assert defaults, "no controls found"
    registry = dict(fresh.session_state[REGISTRY_KEY])
    assert registry.keys() - defaults.keys() == NOT_DRAWN.get(page, set())  # every control is registered
    for key in defaults:
        value = registry[key]
        assert defaults[key] == value or [defaults[key]] == value, (key, value, defaults[key])

    at = run_app(CHANGED[page], page=page)
    assert not at.exception and not at.toast  # the changed values are all valid
    changed = _controls(at)
    for key in CHANGED[page].keys() - NOT_DRAWN.get(page, set()):
        assert changed[key] != defaults[key], key

    at.button(key="reset_defaults").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _controls(at) == defaults
    assert not (set(at.query_params) & set(CHANGED[page]))  # the link no longer carries them
    assert not at.toast  # the replaced values are not "malformed"


def test_reset_keeps_language_and_presenter_mode():
    at = run_app({"present": "1", "seq_len": "300"}, page="pages/vanishing_exploding.py")
    at.session_state["lang"] = "ko"
    at.run()
    at.button(key="reset_defaults").click().run()
    assert at.slider(key="seq_len").value == 100
    assert at.session_state["lang"] == "ko" and at.session_state["present"] is True
    assert at.button(key="reset_defaults").label == "기본값으로 되돌리기"


def test_a_later_bad_link_is_still_reported_after_a_reset():
    at = run_app({"seq_len": "300"}, page="pages/vanishing_exploding.py")
    at.button(key="reset_defaults").click().run()
    assert not at.toast
    at.query_params["seq_len"] = "abc"
    at.run()
    assert len(at.toast) == 1  # the reset's amnesty lasts one run only
