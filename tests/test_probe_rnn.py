"""The RNN probe against float64 autograd, 60-digit arithmetic and closed-form theory."""

import itertools
import math

import numpy as np
import pytest
import torch

from core.models import build_model
from core.models.rnn import DERIVATIVE_BOUND, INITS, NONLINEARITIES
from core.probe import COLUMNS, gradient_through_time, make_inputs, make_readout, probe_model, reference_log_gradients
from core.theory import spectral_norm, theory_frame
from tests.mp_reference import mp_log10_gradients


def _setup(seq_len, input_scale=1.0, seed=0, **options):
    net = build_model("rnn", seed=seed, **options)
    x = make_inputs(seq_len, net.input_size, input_scale, seed)
    r = make_readout(net.readout_size, seed)
    return net, x, r


# Cases where float64 autograd itself is accurate: no deep tanh saturation, no exact cancellation.
AUTOGRAD_CASES = [
    (nl, init, rho, window)
    for nl, init, rho, window in itertools.product(
        NONLINEARITIES, ("orthogonal", "gaussian"), (0.3, 0.9, 1.0, 1.6), (0, 7)
    )
] + [("relu", "nonnormal", rho, 0) for rho in (0.5, 1.0, 2.0)]


@pytest.mark.parametrize("nonlinearity,init,rho,window", AUTOGRAD_CASES)
def test_fast_probe_matches_float64_autograd(nonlinearity, init, rho, window):
    net, x, r = _setup(60, hidden_size=12, weight_scale=rho, nonlinearity=nonlinearity, init=init, seed=5)
    fast = net.log_input_gradients(x, r, window=window)
    ref = reference_log_gradients(net, x, r, window=window)
    assert np.array_equal(np.isneginf(fast), np.isneginf(ref))
    finite = np.isfinite(ref)
    assert finite.sum() >= min(window or 60, 60) - 1
    np.testing.assert_allclose(fast[finite], ref[finite], rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "nonlinearity,init,rho,input_scale,hidden",
    [
        (nl, init, rho, s, h)
        for nl, init in itertools.product(NONLINEARITIES, INITS)
        for rho, s, h in ((0.5, 1.0, 6), (1.0, 0.0, 5), (1.5, 3.0, 6), (2.0, 1.0, 5))
    ],
)
def test_fast_probe_matches_60_digit_arithmetic(nonlinearity, init, rho, input_scale, hidden):
    """Every init and nonlinearity, including saturated tanh and the nilpotent W² = 0 example."""
    net, x, r = _setup(
        25, input_scale, seed=2, hidden_size=hidden, weight_scale=rho, nonlinearity=nonlinearity, init=init
    )
    fast = net.log_input_gradients(x, r)
    exact = mp_log10_gradients(net, x, r)
    assert np.array_equal(np.isneginf(fast), np.isneginf(exact)), (fast, exact)
    finite = np.isfinite(exact)
    np.testing.assert_allclose(fast[finite], exact[finite], rtol=0, atol=1e-8)


@pytest.mark.parametrize("rho", [0.3, 0.9, 1.0, 1.25, 2.0])
def test_linear_orthogonal_rnn_decays_exactly_as_rho_to_the_distance(rho):
    frame = gradient_through_time(seq_len=300, hidden_size=16, weight_scale=rho, nonlinearity="linear", seed=1)
    expected = frame["distance"] * math.log10(rho)
    np.testing.assert_allclose(frame["log10_grad_norm"], expected, rtol=0, atol=1e-9)
    slope = np.polyfit(frame["distance"], frame["log10_grad_norm"], 1)[0]
    assert slope == pytest.approx(math.log10(rho), abs=1e-12)


@pytest.mark.parametrize("rho,decades", [(1.5, 352.0), (0.5, -601.8), (2.0, 601.8)])
def test_t2000_is_finite_and_exact_far_outside_float64(rho, decades):
    frame = gradient_through_time(seq_len=2000, weight_scale=rho, nonlinearity="linear", hidden_size=64)
    far = frame.loc[frame["distance"] == 1999, "log10_grad_norm"].item()
    assert far == pytest.approx(1999 * math.log10(rho), abs=1e-7)
    assert far == pytest.approx(decades, abs=0.1)
    assert np.isfinite(frame["log10_grad_norm"]).all()


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_extreme_combinations_never_give_nan(nonlinearity):
    frame = gradient_through_time(seq_len=2000, weight_scale=2.0, hidden_size=128, nonlinearity=nonlinearity)
    logs = frame["log10_grad_norm"].to_numpy()
    assert not np.isnan(logs).any() and not np.isposinf(logs).any()
    assert np.isfinite(logs[-1])  # the nearest input always has a path


@pytest.mark.parametrize("nonlinearity", ["relu", "linear"])
def test_exploding_far_past_float64_matches_60_digit_arithmetic(nonlinearity):
    """At ρ = 2 over 1700 steps the gradients pass float64's 10^308; mpmath has no exponent limit."""
    net, x, r = _setup(1700, hidden_size=4, weight_scale=2.0, nonlinearity=nonlinearity, seed=3)
    fast = net.log_input_gradients(x, r)
    exact = mp_log10_gradients(net, x, r)
    assert exact.max() > 308
    assert np.array_equal(np.isneginf(fast), np.isneginf(exact))
    finite = np.isfinite(exact)
    np.testing.assert_allclose(fast[finite], exact[finite], rtol=0, atol=1e-7)


@pytest.mark.parametrize("seed", range(12))
def test_measured_gradient_never_exceeds_pascanu_bound(seed):
    rng = np.random.default_rng(seed)
    nl = NONLINEARITIES[seed % 3]
    init = INITS[(seed // 3) % 3]
    rho = float(rng.uniform(0.05, 2.0))
    net, x, r = _setup(
        150,
        float(rng.uniform(0, 3)),
        seed=seed,
        hidden_size=int(rng.integers(4, 40)),
        weight_scale=rho,
        nonlinearity=nl,
        init=init,
    )
    logs = net.log_input_gradients(x, r)
    bound = theory_frame(np.arange(150)[::-1], rho, spectral_norm(net.W), DERIVATIVE_BOUND[nl])["bound_line"]
    assert (logs <= bound.to_numpy() + 1e-9).all()


def test_nilpotent_example_has_exactly_zero_gradient_beyond_distance_one():
    frame = gradient_through_time(seq_len=50, weight_scale=1.0, nonlinearity="linear", init="nonnormal", hidden_size=8)
    by_d = frame.set_index("distance")["log10_grad_norm"]
    assert np.isfinite(by_d[[0, 1]]).all()
    assert np.isneginf(by_d[by_d.index >= 2]).all()


def test_relu_with_no_input_is_dead_and_has_no_gradient_anywhere():
    net, x, r = _setup(30, 0.0, hidden_size=8, nonlinearity="relu")
    assert np.isneginf(net.log_input_gradients(x, r)).all()
    assert np.isneginf(reference_log_gradients(net, x, r)).all()


def test_tanh_with_no_input_is_exactly_the_linear_network():
    a = gradient_through_time(seq_len=80, input_scale=0.0, nonlinearity="tanh", weight_scale=0.8, hidden_size=8)
    b = gradient_through_time(seq_len=80, input_scale=0.0, nonlinearity="linear", weight_scale=0.8, hidden_size=8)
    np.testing.assert_allclose(a["log10_grad_norm"], b["log10_grad_norm"], atol=1e-12)


def test_table_has_the_contract_columns_and_distances():
    frame = gradient_through_time(seq_len=7, hidden_size=4)
    assert tuple(frame.columns) == COLUMNS
    assert frame["position"].tolist() == list(range(7))
    assert (frame["distance"] == 6 - frame["position"]).all()
    np.testing.assert_allclose(np.log10(frame["grad_norm"]), frame["log10_grad_norm"], atol=1e-12)


def test_window_cuts_the_gradient_exactly_at_k():
    frame = gradient_through_time(seq_len=40, window=9, hidden_size=8, weight_scale=1.0)
    assert np.isneginf(frame.loc[frame["distance"] >= 9, "log10_grad_norm"]).all()
    assert np.isfinite(frame.loc[frame["distance"] < 9, "log10_grad_norm"]).all()


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"seq_len": 1}, "seq_len"),
        ({"seq_len": 2.5}, "seq_len"),
        ({"input_scale": float("nan")}, "input_scale"),
        ({"input_scale": -1.0}, "input_scale"),
        ({"weight_scale": float("inf")}, "weight_scale"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"nonlinearity": "sigmoid"}, "nonlinearity"),
        ({"init": "xavier"}, "init"),
        ({"window": -3}, "window"),
        ({"seq_len": 100_000, "hidden_size": 1024}, "cap"),
        ({"model": "gpt"}, "model"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        gradient_through_time(**kwargs)


def test_inputs_of_a_longer_sequence_extend_the_shorter_one():
    short, long = make_inputs(10, 4, 1.5, 3), make_inputs(50, 4, 1.5, 3)
    assert short.dtype == long.dtype == torch.float64
    assert torch.equal(short, long[:10])
    assert make_readout(6, 3).norm().item() == pytest.approx(1.0)


@pytest.mark.parametrize("model", ["rnn", "birnn", "lstm", "gru", "transformer"])
def test_probing_a_built_model_is_the_one_call_probe(model):
    options = {"hidden_size": 8, "weight_scale": 1.2, "seed": 5}
    net = build_model(model, **options)
    assert probe_model(net, 30, 0.7, seed=5, window=4).equals(
        gradient_through_time(model, 30, 0.7, window=4, **options)
    )
    with pytest.raises(ValueError, match="seq_len"):
        probe_model(net, 1)
