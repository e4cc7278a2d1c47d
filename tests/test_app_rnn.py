"""AppTest runs of the RNN lab: defaults, every control at its extremes, random combinations,
bad URL parameters, and the chart's numbers against closed-form theory."""

import math

import numpy as np
import pandas as pd
import pytest

from core.models.rnn import INITS, NONLINEARITIES
from core.theory import STABLE_DECADES
from dashboard.charts.style import pow10_label
from dashboard.controls import RNN_RANGES, RnnControls
from dashboard.i18n import catalog
from tests.apptest_helpers import alert_texts, assert_charts_sound, assert_draws, chart_rows, charts
from tests.apptest_helpers import run_app as _run_app

EN, KO = catalog("en"), catalog("ko")
PAGE = "pages/vanishing_exploding.py"


def run_app(query=None):
    return _run_app(query, page=PAGE)


DEFAULTS = RnnControls()


def _query(**controls) -> dict:
    return {k: str(v) for k, v in controls.items()}


def _assert_page_sound(at, lang=EN):
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == lang["rnn.title"]
    found = assert_charts_sound(at)  # gradient curve, and the eigenvalues or the weight-scale map
    alerts = [text for texts in alert_texts(at).values() for text in texts]
    assert len(alerts) == 1  # exactly one verdict
    if at.session_state["rnn_detail"] == "eigenvalues":  # the other closer looks, on the same controls
        for detail, heading in (("map", "rnn.sweep_chart"), ("rates", "rnn.rates_chart")):
            at.session_state["rnn_detail"] = detail
            at.run()
            assert not at.exception, [e.value for e in at.exception]
            assert_charts_sound(at)
            assert at.subheader[1].value == lang[heading]
        at.session_state["rnn_detail"] = "eigenvalues"
    return found, alerts[0]


def test_defaults_render_and_verdict_is_vanishing():
    at = run_app()
    _, verdict = _assert_page_sound(at)
    assert at.slider(key="seq_len").value == DEFAULTS.seq_len
    assert at.slider(key="weight_scale").value == DEFAULTS.weight_scale
    assert verdict.startswith("**Vanishing.**") and len(at.info) == 1


EXTREMES = [
    {name: RNN_RANGES[name][i] for name in ("seq_len", "weight_scale", "hidden_size", "input_scale", "seed")}
    for i in (0, 1)
]
SINGLE = [{name: RNN_RANGES[name][i]} for name in RNN_RANGES for i in (0, 1)]


@pytest.mark.parametrize("controls", EXTREMES + SINGLE, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_controls_at_min_and_max(controls):
    _assert_page_sound(run_app(_query(**controls)))


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("init", INITS)
def test_every_nonlinearity_and_init_at_the_largest_setting(nonlinearity, init):
    at = run_app(_query(seq_len=2000, weight_scale=2.0, hidden_size=128, nonlinearity=nonlinearity, init=init))
    _assert_page_sound(at)


@pytest.mark.parametrize("rho", [0.5, 0.97, 1.0, 1.03, 1.5])
def test_verdict_matches_the_closed_form_regime(rho):
    T = 100
    at = run_app(_query(seq_len=T, weight_scale=rho, nonlinearity="linear", init="orthogonal"))
    _, verdict = _assert_page_sound(at)
    ratio = (T - 1) * math.log10(rho)  # linear RNN, orthogonal W: g(d) = ρ^d exactly
    regime = "Vanishing" if ratio < -STABLE_DECADES else "Exploding" if ratio > STABLE_DECADES else "Stable"
    assert verdict.startswith(f"**{regime}.**")
    assert pow10_label(ratio) in verdict


def test_main_chart_draws_exactly_rho_to_the_distance():
    rho, T = 0.8, 300
    at = run_app(_query(seq_len=T, weight_scale=rho, nonlinearity="linear"))
    chart = charts(at)[0]
    distance = np.arange(T)
    assert_draws(chart, EN["rnn.series_measured"], distance, distance * math.log10(rho))
    lines = chart_rows(chart)
    measured = lines[lines["series"] == EN["rnn.series_measured"]]
    bound = lines[lines["series"] == EN["rnn.series_bound"]]
    along = np.interp(measured["distance"], bound["distance"], bound["log10"])  # the bound, as drawn
    assert (measured["log10"].to_numpy() <= along + 1e-9).all()


def test_overflow_is_drawn_from_the_log_domain_with_a_note():
    at = run_app(_query(seq_len=2000, weight_scale=2.0, nonlinearity="linear"))
    lines = chart_rows(charts(at)[0])
    measured = lines[lines["series"] == EN["rnn.series_measured"]]
    assert measured["log10"].max() == pytest.approx(1999 * math.log10(2.0), abs=1e-6)
    assert any(EN["common.beyond_float"] in c.value for c in at.caption)
    assert at.warning[0].value.startswith("**Exploding.**")


def test_dead_relu_shows_no_gradient_marked_not_blank():
    at = run_app(_query(nonlinearity="relu", input_scale=0.0, seq_len=50))
    found, verdict = _assert_page_sound(at)
    assert verdict == EN["rnn.verdict_none"]
    rows = chart_rows(found[0])
    assert (rows.loc[rows["kind"] == "no_path", "distance"].nunique()) == 50


def test_nilpotent_linear_example_is_cut_off_after_one_step():
    at = run_app(_query(nonlinearity="linear", init="nonnormal", weight_scale=1.0, seq_len=40))
    _, verdict = _assert_page_sound(at)
    assert verdict == EN["rnn.verdict_cut"].format(distance=2)
    assert at.metric[0].value == "0.000"  # ρ(W) = 0 ...
    assert at.metric[1].value == "16.000"  # ... yet ‖W‖₂ = 16


def test_korean():
    """AppTest's switch_page drops URL parameters, so the language is set as the selector would;
    ?lang=ko itself is covered by the browser tests."""
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "ko"
    at.switch_page(PAGE).run()
    _, verdict = _assert_page_sound(at, KO)
    assert verdict.startswith("**소실.**")
    assert at.slider(key="seq_len").label == KO["rnn.seq_len"]


@pytest.mark.parametrize(
    "query",
    [
        {"seq_len": "abc"},
        {"seq_len": "1e309"},
        {"seq_len": "-5"},
        {"weight_scale": "nan"},
        {"weight_scale": "99"},
        {"hidden_size": "129"},
        {"nonlinearity": "sigmoid"},
        {"init": "<script>alert(1)</script>"},
        {"seed": "-1"},
        {"lang": "xx"},
    ],
)
def test_malformed_url_parameters_fall_back_to_defaults(query):
    at = run_app(query)
    _assert_page_sound(at)  # lang=xx: the page is in English
    (key,) = query
    if key != "lang":
        assert at.get_by_key(key).value == getattr(DEFAULTS, key)


def test_an_off_step_but_valid_hidden_size_from_the_url_is_honoured():
    """?hidden_size=7 is in range though not on the slider's step: odd H is valid for every init."""
    at = run_app({"hidden_size": "7", "init": "nonnormal"})
    _assert_page_sound(at)
    assert at.slider(key="hidden_size").value == 7


@pytest.mark.parametrize(
    "controls",
    [
        RnnControls(),
        RnnControls(seq_len=57, hidden_size=5, weight_scale=1.7, nonlinearity="relu", init="gaussian", seed=3),
    ],
)
def test_the_labs_one_model_gives_the_one_call_probe_and_spectrum(controls):
    """cached.rnn_lab builds one model for both the probe and W's spectrum: the same numbers as
    the one-call probe and as each spectral quantity computed alone."""
    from core.lyapunov import lyapunov_log10_rate
    from core.models import build_model
    from core.probe import gradient_through_time
    from core.theory import eigenvalue_frame, spectral_norm, spectral_radius
    from dashboard import cached

    c = controls
    options = {"hidden_size": c.hidden_size, "weight_scale": c.weight_scale, "init": c.init, "seed": c.seed}
    cached.rnn_lab.clear()  # computed here, as the reference is: a page run may use other torch threads
    probe, eigs, rho, norm, rate = cached.rnn_lab(
        c.seq_len, c.seed, c.input_scale, c.hidden_size, c.weight_scale, c.nonlinearity, c.init
    )
    alone = gradient_through_time("rnn", c.seq_len, c.input_scale, nonlinearity=c.nonlinearity, **options)
    assert probe.equals(alone)
    net = build_model("rnn", nonlinearity=c.nonlinearity, **options)
    # the same model and the same routes; a tolerance all the same, since a page run may use other threads
    pd.testing.assert_frame_equal(eigs, eigenvalue_frame(net.W), rtol=1e-12, atol=1e-12)
    assert rho == pytest.approx(spectral_radius(net.W), rel=1e-12)
    assert norm == pytest.approx(spectral_norm(net.W), rel=1e-12)
    assert rate == pytest.approx(lyapunov_log10_rate(net, c.input_scale, c.seed), rel=1e-9)
