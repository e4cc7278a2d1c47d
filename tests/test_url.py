"""Shareable links: malformed values get a small notice naming the parameter (never echoing the
value), valid ones restore the view, and ?present=1 turns presenter mode on."""

import pytest

from dashboard.i18n import catalog
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
    assert notices == [EN["common.bad_url"].format(param=key)]
    assert value not in notices[0]


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
