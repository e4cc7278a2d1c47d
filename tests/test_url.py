"""Shareable links: malformed values get a small notice naming the parameter (never echoing the
value), valid ones restore the view, and ?present=1 turns presenter mode on."""

import pytest

from core.models.sequence import SEQUENCE_MODELS
from dashboard.i18n import catalog
from dashboard.url import REGISTRY_KEY
from tests.apptest_helpers import run_app

EN = catalog("en")
RNN = "pages/vanishing_exploding.py"


@pytest.mark.parametrize(
    "key,value",
    [
        ("seq_len", "abc"),
        ("seq_len", "1e309"),
        ("seq_len", "-5"),
        ("weight_scale", "nan"),
        ("hidden_size", "4096"),
        ("init", "<script>alert(1)</script>"),
        ("nonlinearity", "gelu"),
        ("lang", "xx"),
        ("present", "maybe"),
    ],
)
def test_a_malformed_value_is_ignored_with_a_notice_that_names_only_the_parameter(key, value):
    at = run_app({key: value}, page=RNN)
    assert not at.exception
    notices = [toast.value for toast in at.toast]
    used = at.session_state[key] if key in at.session_state else None
    if isinstance(used, (int, float)) and not isinstance(used, bool):  # a number control says what it uses
        assert notices == [EN["common.bad_url_used"].format(param=key, value=f"{used:g}")]
    else:
        assert notices == [EN["common.bad_url"].format(param=key)]
    assert value not in notices[0]


def test_a_value_the_control_rounds_says_what_the_page_uses():
    """#20: ?seed=1.5 said "ignored" while the page used seed 1."""
    at = run_app({"seed": "1.5"}, page=RNN)
    assert at.session_state["seed"] == 1
    assert [t.value for t in at.toast] == [EN["common.bad_url_used"].format(param="seed", value="1")]


def test_bad_values_for_controls_a_section_does_not_draw_are_dropped_with_a_notice():
    """#20: on Remedies' default section (truncation) ?clip=-1&forget_bias=abc stayed in the link silently."""
    at = run_app({"clip": "-1", "forget_bias": "abc", "update_bias": "3.0"}, page="pages/remedies.py")
    assert not at.exception
    notices = sorted(t.value for t in at.toast)
    assert notices == sorted(EN["common.bad_url"].format(param=k) for k in ("clip", "forget_bias"))
    assert "clip" not in at.query_params and "forget_bias" not in at.query_params
    assert at.query_params["update_bias"] == "3.0"  # a valid value for a hidden control is kept


def test_valid_values_restore_the_view_without_a_notice():
    at = run_app(
        {
            "seq_len": "300",
            "weight_scale": "1.5",
            "nonlinearity": "linear",
            "init": "gaussian",
            "hidden_size": "32",
            "input_scale": "0.5",
            "seed": "7",
        },
        page=RNN,
    )
    assert not at.exception and not at.toast
    assert (at.slider(key="seq_len").value, at.slider(key="weight_scale").value) == (300, 1.5)
    assert (at.selectbox(key="nonlinearity").value, at.selectbox(key="init").value) == ("linear", "gaussian")
    assert (at.slider(key="hidden_size").value, at.slider(key="seed").value) == (32, 7)


@pytest.mark.parametrize("value,on", [("1", True), ("true", True), ("0", False)])
def test_present_in_the_url(value, on):
    at = run_app({"present": value})
    assert not at.exception and not at.toast
    assert at.session_state["present"] is on


def test_language_and_presenter_mode_survive_a_page_switch():
    """Streamlit 1.67 drops a widget's own value on a page switch, and the sidebar's links drop the query
    string: the language and presenter mode are kept apart from their widgets, and a new link still decides."""
    at = run_app({"lang": "ko", "present": "1"})
    at.query_params.clear()
    at.switch_page("pages/remedies.py").run()
    assert (at.session_state["lang"], at.session_state["present"]) == ("ko", True)
    assert at.title[0].value == catalog("ko")["rem.title"]
    at.sidebar.selectbox(key="lang").set_value("en").run()  # the visitor's own choice is kept too
    at.query_params.clear()
    at.switch_page("pages/attention.py").run()
    assert at.session_state["lang"] == "en" and at.title[0].value == EN["att.title"]
    at.query_params.update({"lang": "ko"})  # a link opened in the same session
    at.run()
    assert at.session_state["lang"] == "ko"


KO = catalog("ko")
CODED = [  # (page, key, every code, two codes other than the default)
    (RNN, "init", ("orthogonal", "gaussian", "nonnormal"), ("gaussian", "nonnormal")),
    (RNN, "nonlinearity", ("tanh", "relu", "linear"), ("linear", "relu")),
    ("pages/training.py", "train_model", SEQUENCE_MODELS, ("lstm", "gru")),
    ("pages/training.py", "train_task", ("recall", "adding"), ("adding", "recall")),
    ("pages/attention.py", "att_mode", ("sentence", "random"), ("random", "sentence")),
    ("pages/attention.py", "att_level", ("word", "char"), ("char", "word")),
]


@pytest.mark.parametrize("page,key,codes,others", CODED)
def test_dropdown_values_are_translated_while_the_link_keeps_the_code(page, key, codes, others):
    """#20: the dropdowns showed English codes under the Korean interface; a bound widget would write
    the Korean label into the link, so the link keeps the code and opens in every language."""
    group = key.removeprefix("train_").removeprefix("att_")
    other, then = others
    at = run_app({"lang": "ko", key: other}, page=page)
    assert not at.exception and not at.toast
    box = at.selectbox(key=key)
    assert box.value == other
    assert box.options == [KO[f"choice.{group}_{code}"] for code in codes]
    assert any(label != code for label, code in zip(box.options, codes, strict=True))  # translated, somewhere
    assert at.query_params[key] == other
    box.set_value(then).run()  # the visitor picks another code: the link follows (nothing at the default)
    assert at.selectbox(key=key).value == then
    assert at.query_params.get(key) == (None if then == at.session_state[REGISTRY_KEY][key] else then)


def test_a_coded_dropdown_resets_and_leaves_the_link():
    at = run_app({"init": "nonnormal", "lang": "ko"}, page=RNN)
    assert at.selectbox(key="init").value == "nonnormal"
    at.button(key="reset_defaults").click().run()
    at.run()
    assert at.selectbox(key="init").value == "orthogonal"
    assert "init" not in at.query_params


def test_the_attention_page_offers_a_korean_sentence_under_the_korean_interface():
    at = run_app({"lang": "ko"}, page="pages/attention.py")
    assert at.text_input(key="att_text").value == KO["att.default_text"]
    assert at.text_input(key="att_text").value != EN["att.default_text"]
    assert "att_text" not in at.query_params  # the default is not written into the link
