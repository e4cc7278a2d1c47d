"""The measured long-run rate per step (top Lyapunov exponent) against closed-form cases and an
independent forward computation, and the RNN lab's sentences about it against the numbers."""

import math

import numpy as np
import pytest
import torch

from core.lyapunov import LENGTH, SKIP, lyapunov_log10_rate
from core.models import build_model
from core.probe import make_inputs
from dashboard.charts.style import SCREEN


def forward_rate(net, input_scale, seed):
    """λ by the textbook route: run the RNN forward in plain torch, then iterate a random vector
    through the Jacobians J_t = diag(φ'(a_t)) W in time order, renormalising (QR with one column)."""
    T = LENGTH + 2 * SKIP + 1
    x = make_inputs(T, net.input_size, input_scale, seed)
    with torch.no_grad():
        h = net(x)  # (T, H)
        prev = torch.cat([torch.zeros(1, h.shape[1], dtype=h.dtype), h[:-1]])
        a = prev @ net.W.T + x @ net.U.T
    kind = net.config.nonlinearity
    d = (1 - torch.tanh(a) ** 2) if kind == "tanh" else (a > 0).double() if kind == "relu" else torch.ones_like(a)
    W = net.W.detach()
    v = torch.randn(W.shape[0], dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    v /= v.norm()
    total = 0.0
    for t in range(SKIP, SKIP + LENGTH):
        v = d[t] * (W @ v)
        n = float(v.norm())
        if n == 0:
            return -math.inf
        total += math.log10(n)
        v /= n
    return total / LENGTH


@pytest.mark.parametrize("rho", [0.3, 0.9, 1.0, 1.1, 1.7])
def test_linear_orthogonal_rate_is_log_rho_exactly(rho):
    net = build_model("rnn", hidden_size=16, weight_scale=rho, nonlinearity="linear", seed=1)
    assert lyapunov_log10_rate(net, 1.0, 1) == pytest.approx(math.log10(rho), abs=1e-12)


@pytest.mark.parametrize("rho", [0.5, 1.2])
def test_tanh_without_input_is_linear(rho):
    """Zero input keeps h = 0, where tanh' = 1: the rate is log10 ρ."""
    net = build_model("rnn", hidden_size=16, weight_scale=rho, seed=3)
    assert lyapunov_log10_rate(net, 0.0, 3) == pytest.approx(math.log10(rho), abs=1e-12)


@pytest.mark.parametrize(
    "rho,scale,nonlinearity,init",
    [
        (0.9, 1.0, "tanh", "orthogonal"),
        (1.1, 1.0, "tanh", "orthogonal"),
        (2.0, 3.0, "tanh", "orthogonal"),
        (1.3, 0.5, "tanh", "gaussian"),
        (1.5, 1.0, "relu", "orthogonal"),
    ],
)
def test_rate_matches_an_independent_forward_iteration(rho, scale, nonlinearity, init):
    """Backward (the probe's route) and forward products share the top exponent; over 2000 steps
    the two estimates agree to well within the differences the page's sentences rest on."""
    net = build_model("rnn", hidden_size=24, weight_scale=rho, nonlinearity=nonlinearity, init=init, seed=2)
    assert lyapunov_log10_rate(net, scale, 2) == pytest.approx(forward_rate(net, scale, 2), abs=0.004)


def test_tanh_rate_falls_with_input_scale_and_never_exceeds_rho_for_orthogonal_w():
    """The edge of chaos: a small input keeps φ' ≈ 1 and the rate near ρ; a large one saturates."""
    net = build_model("rnn", hidden_size=32, weight_scale=1.1, seed=0)
    rates = [lyapunov_log10_rate(net, s, 0) for s in (0.0, 0.1, 0.5, 1.0, 2.0, 3.0)]
    assert all(later < earlier for earlier, later in zip(rates, rates[1:], strict=False))
    assert all(r <= math.log10(1.1) + 1e-12 for r in rates)  # ‖diag(φ')W‖₂ ≤ ρ for orthogonal W
    assert rates[3] < 0 < math.log10(1.1)  # SCIENCE.md: still vanishing at ρ = 1.1, input scale 1


def test_a_nilpotent_linear_w_has_no_surviving_gradient():
    net = build_model("rnn", hidden_size=8, weight_scale=1.0, init="nonnormal", nonlinearity="linear")
    assert lyapunov_log10_rate(net, 1.0, 0) == -math.inf


def test_the_probe_curve_follows_the_measured_rate():
    """The rate is what the probe's own curve does far from both ends (SCIENCE.md: ×0.575 at ρ = 0.9)."""
    net = build_model("rnn", hidden_size=64, weight_scale=0.9, seed=0)
    rate = lyapunov_log10_rate(net, 1.0, 0)
    assert 10**rate == pytest.approx(0.575, abs=0.02)
    from core.probe import probe_model

    logs = probe_model(net, 1000, 1.0, 0).sort_values("distance")["log10_grad_norm"].to_numpy()
    slope = np.polyfit(np.arange(100, 900), logs[100:900], 1)[0]
    assert slope == pytest.approx(rate, abs=0.01)


# The RNN lab's sentences about the rate and the verdict follow the numbers on screen.


def _view(controls):
    from dashboard import rnn_view

    return rnn_view.build(controls, SCREEN)


@pytest.mark.parametrize(
    "controls,expected",
    [
        ({"weight_scale": 0.9, "input_scale": 0.0}, "rate_near"),
        ({"weight_scale": 1.1, "input_scale": 1.0}, "rate_below"),
        ({"weight_scale": 1.5, "nonlinearity": "linear"}, "rate_near"),
        ({"weight_scale": 1.0, "nonlinearity": "linear", "init": "nonnormal"}, "rate_zero"),
        ({"weight_scale": 0.5, "init": "nonnormal"}, "rate_above"),
    ],
)
def test_rate_sentence_matches_the_numbers(controls, expected):
    from dashboard import rnn_view
    from dashboard.controls import RnnControls
    from dashboard.i18n import catalog, speaking

    c = RnnControls(seq_len=50, **controls)
    with speaking("en"):
        view = _view(c)
        note = rnn_view.rate_note(view)
    assert catalog("en")[f"rnn.{expected}"].split("{")[0] in note
    log_rho = math.log10(view.rho) if view.rho > 0 else -math.inf
    if expected == "rate_near":
        assert abs(view.log10_rate - log_rho) <= rnn_view.RATE_NEAR
    elif expected == "rate_below":
        assert view.log10_rate < log_rho - rnn_view.RATE_NEAR
    elif expected == "rate_above":
        assert view.log10_rate > log_rho
    else:
        assert view.log10_rate == -math.inf


@pytest.mark.parametrize("rho,scale", [(1.02, 1.0), (1.5, 1.0), (1.1, 3.0)])
def test_a_vanishing_verdict_above_radius_one_says_why(rho, scale):
    from dashboard.controls import RnnControls
    from dashboard.i18n import speaking
    from dashboard.verdict import verdict_text

    c = RnnControls(seq_len=100, weight_scale=rho, input_scale=scale)
    with speaking("en"):
        view = _view(c)
        text = verdict_text(view.verdict, c.seq_len, view.rho, c.nonlinearity)
    assert view.verdict.regime == "vanishing" and view.rho > 1
    assert "yet it vanishes" in text and "saturation" in text


def test_no_reason_is_given_where_the_verdict_is_not_vanishing_or_rho_is_below_one():
    from dashboard.controls import RnnControls
    from dashboard.i18n import speaking
    from dashboard.verdict import verdict_text

    with speaking("en"):
        for c in (RnnControls(weight_scale=0.9), RnnControls(weight_scale=1.1, nonlinearity="linear")):
            view = _view(c)
            assert "yet it vanishes" not in verdict_text(view.verdict, c.seq_len, view.rho, c.nonlinearity)


@pytest.mark.parametrize(
    "controls",
    [{}, {"weight_scale": 1.5}, {"nonlinearity": "linear"}, {"nonlinearity": "relu"}, {"init": "nonnormal"}],
)
def test_rate_chart_and_its_caption_follow_the_measured_rates(controls):
    """The closer look "rate against the input scale": every point is the measured rate at that scale,
    and the edge-of-chaos sentence appears only where the curve starts at ρ and falls."""
    from dashboard import rnn_view
    from dashboard.controls import RnnControls
    from dashboard.i18n import catalog, speaking

    c = RnnControls(seq_len=50, hidden_size=16, **controls)
    net = build_model("rnn", hidden_size=16, weight_scale=c.weight_scale, nonlinearity=c.nonlinearity, init=c.init)
    with speaking("en"):
        section = rnn_view.rate_section(c, SCREEN)
        table = rnn_view.rate_table(c)
    for scale, rate in zip(table["input_scale"], table["log10_rate"], strict=True):
        assert rate == pytest.approx(lyapunov_log10_rate(net, scale, c.seed), abs=1e-12) or rate == -math.inf
    log_rho = (
        math.log10(net_rho) if (net_rho := float(table.assign(r=10 ** table["log10_rho"])["r"].iloc[0])) > 0 else -1
    )
    saturate = catalog("en")["rnn.rates_saturate"] in section.caption
    logs = table["log10_rate"].to_numpy()
    if saturate:
        assert abs(logs[0] - log_rho) <= rnn_view.RATE_NEAR and logs[-1] < logs[0]
    if c.nonlinearity == "tanh" and c.init == "orthogonal":
        assert saturate  # the edge of chaos, as the issue asked the input-scale slider to show
    if c.nonlinearity == "linear":
        assert catalog("en")["rnn.rates_flat"] in section.caption and not saturate
