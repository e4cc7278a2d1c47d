"""AppTest runs of the Remedies page: defaults, every control at its extremes in every section,
random values, and the numbers it shows against core."""

import math

import numpy as np
import pytest

from core.clipping import log10_total_norm
from core.probe import gradient_through_time
from core.theory import verdict
from dashboard.charts.style import pow10_label
from dashboard.controls import CLIP_THRESHOLDS, GATE_RANGE, REMEDY_KEYS, RNN_RANGES
from dashboard.i18n import catalog
from dashboard.remedies_view import SECTIONS, USES
from tests.apptest_helpers import assert_charts_sound, chart_rows, run_app

PAGE = "pages/remedies.py"
EN, KO = catalog("en"), catalog("ko")


def _show(at, section: str):
    """Pick a section as the selector would, and check the page: one chart, sound."""
    at.session_state["remedy"] = section
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return assert_charts_sound(at)


def _run(query=None, lang=EN, section=None):
    """The page with URL parameters `query`, on `section` (None: every section in turn; the
    charts of the last one are returned)."""
    at = run_app({k: str(v) for k, v in (query or {}).items()}, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == lang["rem.title"]
    for name in [section] if section else SECTIONS:
        found = _show(at, name)
    return at, found


def test_defaults():
    at = run_app(page=PAGE)
    assert at.session_state["remedy"] == "truncation"  # the first section, drawn alone
    assert_charts_sound(at)
    assert at.slider(key="window").value == 20 and len(at.metric) == 0
    assert _show(at, "gates") and at.slider(key="forget_bias").value == 1.0
    assert _show(at, "clipping") and len(at.metric) == 3 and at.select_slider(key="clip").value == 1.0


def _drawn(at) -> set:
    """The remedy controls drawn on the page."""
    keys = {w.key for kind in ("slider", "select_slider") for w in at.get(kind)}
    return {use for use, key in REMEDY_KEYS.items() if key in keys}


@pytest.mark.parametrize("section", SECTIONS)
def test_a_section_draws_exactly_the_controls_it_uses(section):
    at, _ = _run(section=section)
    assert _drawn(at) == USES[section]
    for key in ("seq_len", "weight_scale", "hidden_size", "seed"):
        assert at.slider(key=key).value is not None


def test_controls_keep_their_values_across_sections():
    """A control that is not drawn keeps its value in the URL, and shows it again when drawn."""
    at = run_app({"forget_bias": "6.0", "window": "7", "clip": "10.0"}, page=PAGE)
    for section in (*SECTIONS, *SECTIONS):
        _show(at, section)
        drawn = _drawn(at)
        if "forget" in drawn:
            assert at.slider(key="forget_bias").value == 6.0, section
        if "window" in drawn:
            assert at.slider(key="window").value == 7, section
        if "theta" in drawn:
            assert at.select_slider(key="clip").value == 10.0, section


LIMITS = {
    "seq_len": RNN_RANGES["seq_len"][:2],
    "weight_scale": RNN_RANGES["weight_scale"][:2],
    "hidden_size": RNN_RANGES["hidden_size"][:2],
    "forget_bias": GATE_RANGE[:2],
    "update_bias": GATE_RANGE[:2],
    "clip": (CLIP_THRESHOLDS[0], CLIP_THRESHOLDS[-1]),
    "window": (1, 100),
}


@pytest.mark.parametrize("query", [{k: v[i]} for k, v in LIMITS.items() for i in (0, 1)], ids=str)
def test_each_control_at_min_and_max(query):
    _run(query)


@pytest.mark.parametrize("i", [0, 1])
def test_all_controls_at_once_at_min_and_max(i):
    query = {k: v[i] for k, v in LIMITS.items()}
    query["window"] = query["seq_len"] if i else 1
    _run(query)


def test_truncation_chart_has_no_path_exactly_beyond_k():
    T, K = 120, 30
    _, found = _run({"seq_len": T, "window": K}, section="truncation")
    rows = chart_rows(found[0])
    truncated = rows[rows["series"] == EN["rem.series_trunc"].format(k=K)]
    assert set(truncated.loc[truncated["kind"] == "no_path", "distance"]) == set(range(K, T))
    assert np.isfinite(truncated.loc[truncated["kind"] == "line", "log10"]).all()
    full = rows[rows["series"] == EN["rem.series_rnn"]]
    assert (full["kind"] == "line").all() and full["part"].nunique() == 1  # one unbroken line, first to last
    assert (full["distance"].min(), full["distance"].max()) == (0, T - 1)


def test_clipping_metrics_match_core():
    T, rho = 150, 1.5
    at, _ = _run({"seq_len": T, "weight_scale": rho, "clip": 10.0}, section="clipping")
    linear = gradient_through_time("rnn", seq_len=T, weight_scale=rho, nonlinearity="linear")
    assert at.metric[2].value == pow10_label(verdict(linear).log10_ratio)  # the first word's share
    assert at.metric[1].value == pow10_label(math.log10(10.0))  # capped at θ
    assert at.metric[0].value == pow10_label(log10_total_norm(linear["log10_grad_norm"]))  # exploding: 10^26


def test_lstm_verdict_in_the_caption_matches_core():
    at, _ = _run({"seq_len": 300, "forget_bias": 3.0}, section="gates")
    lstm = gradient_through_time("lstm", seq_len=300, forget_bias=3.0)
    assert any(pow10_label(verdict(lstm).log10_ratio) in c.value for c in at.caption)


def test_window_clamps_when_the_sequence_gets_shorter():
    at = run_app({"seq_len": "200", "window": "150"}, page=PAGE)
    assert at.slider(key="window").value == 150
    at.slider(key="seq_len").set_value(40).run()
    assert not at.exception
    assert at.slider(key="window").value == 40


def test_korean():
    """AppTest's switch_page drops URL parameters, so the language is set as the selector would."""
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "ko"
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == KO["rem.title"]
    assert at.slider(key="window").label == KO["rem.window"]
    assert_charts_sound(at)
    for section in SECTIONS:
        _show(at, section)
        assert at.subheader[0].value == KO[remedies_heading(section)]


def remedies_heading(section: str) -> str:
    from dashboard.remedies_view import CHARTS

    return CHARTS[section].title
