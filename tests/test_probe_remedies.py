"""The remedies' probes: LSTM, GRU and BiRNN against float64 autograd and closed-form theory,
exact truncation, and clipping."""

import itertools
import math

import numpy as np
import pytest

from core.clipping import clip_by_norm, log10_total_norm
from core.models import build_model
from core.models.gates import sigmoid
from core.probe import gradient_through_time, make_inputs, make_readout, reference_log_gradients

MODEL_CASES = (
    [
        ("lstm", {"weight_scale": rho, "forget_bias": b})
        for rho, b in itertools.product((0.3, 0.9, 1.8), (0.0, 1.0, 5.0))
    ]
    + [
        ("gru", {"weight_scale": rho, "update_bias": b})
        for rho, b in itertools.product((0.3, 0.9, 1.8), (-2.0, 0.0, 3.0))
    ]
    + [
        ("birnn", {"weight_scale": rho, "nonlinearity": nl, "init": init})
        for rho, nl, init in itertools.product((0.5, 1.0, 1.5), ("tanh", "relu", "linear"), ("orthogonal", "gaussian"))
    ]
)


@pytest.mark.parametrize("window", [0, 9])
@pytest.mark.parametrize("model,options", MODEL_CASES, ids=lambda v: str(v))
def test_fast_probe_matches_float64_autograd(model, options, window):
    net = build_model(model, hidden_size=10, seed=3, **options)
    x, r = make_inputs(50, net.input_size, 1.0, 3), make_readout(net.readout_size, 3)
    fast = net.log_input_gradients(x, r, window=window)
    ref = reference_log_gradients(net, x, r, window=window)
    assert np.array_equal(np.isneginf(fast), np.isneginf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(fast[finite], ref[finite], rtol=0, atol=1e-9)


@pytest.mark.parametrize("bias", [0.0, 1.0, 5.0])
def test_lstm_memory_is_the_forget_gate_exactly_far_past_float64(bias):
    """With no input and W_hh = 0 every gate is constant and the cell path alone carries the
    gradient: g(d) = g(1)·σ(b_f)^(d-1).  At T = 2000, b_f = 0 reaches 10^-600."""
    frame = gradient_through_time(
        "lstm", seq_len=2000, input_scale=0.0, weight_scale=0.0, forget_bias=bias, hidden_size=8
    )
    by_d = frame.set_index("distance")["log10_grad_norm"]
    d = np.arange(1, 2000)
    np.testing.assert_allclose(by_d[d], by_d[1] + (d - 1) * math.log10(sigmoid(bias)), rtol=0, atol=1e-9)
    assert np.isfinite(by_d).all()


@pytest.mark.parametrize("bias", [-2.0, 0.0, 3.0])
def test_gru_memory_is_the_update_gate_exactly(bias):
    frame = gradient_through_time(
        "gru", seq_len=1500, input_scale=0.0, weight_scale=0.0, update_bias=bias, hidden_size=8
    )
    by_d = frame.set_index("distance")["log10_grad_norm"]
    d = np.arange(0, 1500)
    np.testing.assert_allclose(by_d[d], by_d[0] + d * math.log10(sigmoid(bias)), rtol=0, atol=1e-9)


def test_a_larger_forget_bias_decays_more_slowly():
    far = [
        gradient_through_time("lstm", seq_len=300, forget_bias=b, seed=1)["log10_grad_norm"].iloc[0]
        for b in (0.0, 1.0, 3.0, 5.0)
    ]
    assert all(a < b for a, b in zip(far, far[1:], strict=False)), far


@pytest.mark.parametrize(
    "model,options",
    [
        ("lstm", {"forget_bias": 1.0}),
        ("lstm", {"forget_bias": 3.0}),
        ("gru", {"update_bias": 2.0}),
        ("gru", {"update_bias": 4.0}),
    ],
)
def test_gates_help_at_100_steps_but_still_decay_at_1000(model, options):
    """At the page's default ρ = 0.9.  (At b_f = 5 an untrained LSTM's gradient need not decay by
    1000 steps: the hidden path adds to the cell path's 0.993^d; the page says so.)"""
    rnn_100 = gradient_through_time("rnn", seq_len=100, seed=2)["log10_grad_norm"]
    gated_100 = gradient_through_time(model, seq_len=100, seed=2, **options)["log10_grad_norm"]
    gated_1000 = gradient_through_time(model, seq_len=1000, seed=2, **options)["log10_grad_norm"]
    rnn_decay, gated_decay = rnn_100.iloc[0] - rnn_100.iloc[-1], gated_100.iloc[0] - gated_100.iloc[-1]
    assert gated_decay > rnn_decay + 10  # ten decades better than the tanh RNN at 100 steps
    assert gated_1000.iloc[0] < gated_1000.iloc[-1] - 3  # and at least a thousandfold weaker at 1000


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("window", [1, 5, 37])
def test_truncation_is_exactly_zero_from_distance_k(model, window):
    frame = gradient_through_time(model, seq_len=60, window=window, hidden_size=8, weight_scale=1.2)
    logs = frame.set_index("distance")["log10_grad_norm"]
    assert np.isneginf(logs[logs.index >= window]).all()
    assert np.isfinite(logs[logs.index < window]).all()


def test_birnn_window_cuts_each_direction_at_k():
    frame = gradient_through_time("birnn", seq_len=40, window=6, hidden_size=8)
    logs, position = frame["log10_grad_norm"].to_numpy(), frame["position"].to_numpy()
    reached = (position < 6) | (frame["distance"].to_numpy() < 6)
    assert np.isfinite(logs[reached]).all() and np.isneginf(logs[~reached]).all()


def test_birnn_is_u_shaped_with_its_weakest_point_in_the_middle():
    logs = gradient_through_time("birnn", seq_len=201, weight_scale=0.9, seed=5)["log10_grad_norm"].to_numpy()
    middle = logs[80:121]
    assert logs[0] > middle.max() + 10 and logs[-1] > middle.max() + 10
    assert 70 <= int(np.argmin(logs)) <= 130


def test_linear_birnn_lies_between_the_two_directions_difference_and_sum():
    """Orthogonal W and U: the directions contribute vectors of norms ρ^(T-1-t)‖r_f‖ and ρ^t‖r_b‖."""
    T, rho, H = 120, 0.8, 8
    net = build_model("birnn", hidden_size=H, weight_scale=rho, nonlinearity="linear", seed=6)
    x, r = make_inputs(T, H, 1.0, 6), make_readout(2 * H, 6)
    g = 10 ** net.log_input_gradients(x, r)
    t = np.arange(T)
    a = rho ** (T - 1 - t) * np.linalg.norm(r[:H].numpy())
    b = rho**t * np.linalg.norm(r[H:].numpy())
    assert (g <= (a + b) * (1 + 1e-12)).all() and (g >= np.abs(a - b) * (1 - 1e-12)).all()


def test_clipping_caps_the_total_and_keeps_the_shape():
    logs = gradient_through_time("rnn", seq_len=500, weight_scale=1.5, nonlinearity="linear")["log10_grad_norm"]
    clipped = clip_by_norm(logs.to_numpy(), threshold=1.0)
    assert clipped.log10_total == pytest.approx(log10_total_norm(logs))
    assert clipped.log10_total > 80 and clipped.log10_total_clipped == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(clipped.log10_grad - logs, clipped.log10_factor)  # a constant shift
    first_over_last = clipped.log10_grad[0] - clipped.log10_grad[-1]
    assert first_over_last == pytest.approx(logs.iloc[0] - logs.iloc[-1])  # the shape is untouched


def test_clipping_leaves_a_small_gradient_alone_and_cannot_lift_a_vanishing_one():
    logs = gradient_through_time("rnn", seq_len=300, weight_scale=0.5, nonlinearity="linear")["log10_grad_norm"]
    clipped = clip_by_norm(logs.to_numpy(), threshold=10.0)
    assert clipped.log10_factor == 0.0
    np.testing.assert_array_equal(clipped.log10_grad, logs.to_numpy())


def test_total_norm_in_the_log_domain_matches_direct_sum_where_representable():
    rng = np.random.default_rng(0)
    logs = rng.uniform(-20, 20, 500)
    assert log10_total_norm(logs) == pytest.approx(math.log10(math.sqrt(np.sum(10.0 ** (2 * logs)))), abs=1e-12)
    assert log10_total_norm(np.array([-np.inf, -np.inf])) == -math.inf
    with pytest.raises(ValueError):
        clip_by_norm(logs, 0.0)
