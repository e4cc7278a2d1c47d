"""The gradient per layer of a deep feed-forward network (core/depth.py, #23): against float64
autograd, closed-form theory, and the CLI contract `python -m core depth`."""

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from core.depth import ACTIVATIONS, DERIVATIVE_BOUND, INITS, DepthConfig, _inputs, gradient_by_layer, layer, weights

ROOT = Path(__file__).resolve().parents[1]


def autograd_reference(cfg: DepthConfig) -> np.ndarray:
    """log10 ‖∂ℓ/∂h_l‖ by plain float64 autograd through the whole network (no rescaling, no log domain)."""
    x, r = _inputs(cfg)
    hs, h = [], x.requires_grad_()
    for W in weights(cfg):
        h = layer(cfg, W, h)
        h.retain_grad()
        hs.append(h)
    (r @ hs[-1]).backward()
    return np.array([math.log10(float(torch.linalg.vector_norm(h.grad))) for h in hs])


CASES = list(itertools.product(ACTIVATIONS, INITS, (False, True), (False, True)))


@pytest.mark.parametrize("activation,init,residual,norm", CASES)
def test_every_layers_gradient_matches_float64_autograd(activation, init, residual, norm):
    cfg = DepthConfig(layers=12, width=16, activation=activation, init=init, residual=residual, norm=norm, seed=3)
    got = gradient_by_layer(cfg)
    assert got["layer"].tolist() == list(range(1, 13))
    np.testing.assert_allclose(got["log10_grad_norm"], autograd_reference(cfg), rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["grad_norm"], 10 ** got["log10_grad_norm"], rtol=1e-12)


@pytest.mark.parametrize("scale", [0.5, 0.9, 1.0, 1.5, 3.0])
def test_a_linear_network_of_orthogonal_layers_has_slope_exactly_log10_scale(scale):
    """‖∂ℓ/∂h_l‖ = ρ^(L−l) exactly: at ρ = 3 and L = 1000 that is 10^476.6, beyond float64, still exact."""
    cfg = DepthConfig(layers=1000, width=16, activation="linear", init="orthogonal", scale=scale)
    log10 = gradient_by_layer(cfg)["log10_grad_norm"].to_numpy()
    expected = (1000 - np.arange(1, 1001)) * math.log10(scale)
    np.testing.assert_allclose(log10, expected, rtol=0, atol=1e-9)


def test_relu_networks_far_past_float64_stay_exact():
    """A plain ReLU network at He scale 4 for 1000 layers: the rescaled forward pass changes no
    Jacobian, so the same network at 30 layers agrees with autograd, and at 1000 the numbers are finite."""
    short = DepthConfig(layers=30, width=32, activation="relu", init="he", scale=4.0)
    np.testing.assert_allclose(gradient_by_layer(short)["log10_grad_norm"], autograd_reference(short), atol=1e-9)
    deep = gradient_by_layer(DepthConfig(layers=1000, width=32, activation="relu", init="he", scale=4.0))
    assert np.isfinite(deep["log10_grad_norm"]).all() and deep["log10_grad_norm"].iloc[0] > 320  # past 10^308


def test_each_layer_obeys_the_derivative_bound():
    """‖∂ℓ/∂h_{l-1}‖ ≤ γ·‖W_l‖₂·‖∂ℓ/∂h_l‖ for a plain network (γ = sup|φ'|: 1/4 for the sigmoid)."""
    for activation in ACTIVATIONS:
        cfg = DepthConfig(layers=40, width=24, activation=activation, seed=1)
        log10 = gradient_by_layer(cfg)["log10_grad_norm"].to_numpy()
        norms = [float(torch.linalg.matrix_norm(W, ord=2)) for W in weights(cfg)]
        steps = log10[:-1] - log10[1:]  # log10 of the factor layer l+1 applied
        bound = np.log10(DERIVATIVE_BOUND[activation] * np.array(norms[1:]))
        assert (steps <= bound + 1e-9).all(), activation


def test_residual_connections_with_layernorm_stay_bounded_where_the_plain_network_vanishes():
    plain = gradient_by_layer(DepthConfig(layers=100, activation="sigmoid"))["log10_grad_norm"]
    both = gradient_by_layer(DepthConfig(layers=100, activation="sigmoid", residual=True, norm=True))["log10_grad_norm"]
    assert plain.iloc[0] < -50  # (1/4)^99 and less: vanished
    assert both.abs().max() < 2  # every layer within a factor of 100 of the readout


def test_more_layers_more_vanishing():
    """The first layer's gradient of a plain sigmoid network falls with depth, at least log10 4 a layer on average."""
    first = [
        gradient_by_layer(DepthConfig(layers=L, activation="sigmoid"))["log10_grad_norm"].iloc[0] for L in (5, 10, 20)
    ]
    assert first[0] > first[1] > first[2]
    assert (first[0] - first[2]) / 15 >= math.log10(4) - 1e-9


@pytest.mark.parametrize(
    "field,value", [("layers", 0), ("layers", 1001), ("width", 0), ("activation", "gelu"), ("init", "kaiming"),
                    ("scale", 0.0), ("scale", math.nan), ("layers", 1.5)]
)  # fmt: skip
def test_bad_configurations_are_refused_by_name(field, value):
    with pytest.raises(ValueError, match=field):
        gradient_by_layer(DepthConfig(**{field: value}))


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "depth", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_cli_prints_the_contracts_csv():
    args = ["--layers", "20", "--width", "32", "--activation", "sigmoid", "--init", "xavier", "--seed", "2"]
    run = _cli(*args, "--format", "csv")
    assert run.returncode == 0, run.stderr
    import io

    table = pd.read_csv(io.StringIO(run.stdout))
    assert list(table.columns) == ["layer", "grad_norm", "log10_grad_norm"]
    assert table["layer"].tolist() == list(range(1, 21))
    expected = gradient_by_layer(DepthConfig(layers=20, width=32, activation="sigmoid", init="xavier", seed=2))
    np.testing.assert_allclose(table["log10_grad_norm"], expected["log10_grad_norm"], atol=1e-12)


def test_the_cli_defaults_are_width_64_and_xavier_and_the_flags_reach_the_network():
    run = _cli("--layers", "8", "--activation", "relu", "--init", "he", "--scale", "0.5", "--residual", "--norm")
    assert run.returncode == 0, run.stderr
    import io

    table = pd.read_csv(io.StringIO(run.stdout))
    cfg = DepthConfig(layers=8, activation="relu", init="he", scale=0.5, residual=True, norm=True)
    np.testing.assert_allclose(table["log10_grad_norm"], gradient_by_layer(cfg)["log10_grad_norm"], atol=1e-12)
    assert DepthConfig().width == 64 and DepthConfig().init == "xavier"
    default = pd.read_csv(io.StringIO(_cli("--layers", "8", "--activation", "tanh").stdout))
    np.testing.assert_allclose(
        default["log10_grad_norm"],
        gradient_by_layer(DepthConfig(layers=8, width=64, activation="tanh", init="xavier"))["log10_grad_norm"],
        atol=1e-12,
    )


def test_the_cli_json_writes_numbers_beyond_float64_as_null():
    run = _cli("--layers", "400", "--width", "8", "--activation", "relu", "--init", "orthogonal", "--scale", "10")
    assert run.returncode == 0
    run = _cli("--layers", "400", "--width", "8", "--activation", "linear", "--init", "orthogonal", "--scale", "10",
               "--format", "json")  # fmt: skip
    records = json.loads(run.stdout)
    assert records[0]["grad_norm"] is None and records[0]["log10_grad_norm"] == pytest.approx(399, abs=1e-9)


@pytest.mark.parametrize(
    "args",
    [["--layers", "0"], ["--layers", "abc"], ["--activation", "gelu"], ["--init", "kaiming"], ["--width", "5000"],
     ["--scale", "-1"], ["--scale", "nan"], ["--format", "xml"]],
)  # fmt: skip
def test_a_bad_argument_exits_2_with_one_line(args):
    run = _cli(*args)
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "error" in run.stderr


def test_the_bound_line_lies_over_the_measured_curve_and_is_absent_where_it_does_not_hold():
    from core.depth import derivative_bound_by_layer

    for activation in ACTIVATIONS:
        cfg = DepthConfig(layers=30, activation=activation, seed=4)
        bound = derivative_bound_by_layer(cfg)
        measured = gradient_by_layer(cfg)["log10_grad_norm"].to_numpy()
        assert bound[-1] == 0 and (measured <= bound + 1e-9).all(), activation
    sigmoid = derivative_bound_by_layer(DepthConfig(layers=30, activation="sigmoid", init="orthogonal"))
    np.testing.assert_allclose(np.diff(sigmoid), -math.log10(0.25), atol=1e-9)  # γ‖Q‖₂ = 1/4 a layer, exactly
    assert np.isnan(derivative_bound_by_layer(DepthConfig(residual=True))).all()


@pytest.mark.parametrize("nonlinearity,rho", [("tanh", 0.9), ("tanh", 1.5), ("relu", 0.9), ("linear", 1.1)])
@pytest.mark.parametrize("init", ["orthogonal", "gaussian"])
def test_the_unrolled_rnn_with_tied_weights_is_the_rnn_probe(nonlinearity, rho, init):
    """Written apart from the probe, the tied unrolled network gives the RNN lab's table."""
    from core.depth import unrolled_rnn
    from core.probe import gradient_through_time

    got = unrolled_rnn(150, 24, rho, nonlinearity, init, tied=True, seed=5)
    want = gradient_through_time("rnn", seq_len=150, hidden_size=24, weight_scale=rho, nonlinearity=nonlinearity,
                                 init=init, seed=5)  # fmt: skip
    assert list(got.columns) == list(want.columns)
    np.testing.assert_array_equal(got["distance"], want["distance"])
    np.testing.assert_allclose(got["log10_grad_norm"], want["log10_grad_norm"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("tied", [True, False])
def test_a_linear_unrolled_rnn_of_orthogonal_steps_falls_exactly_as_rho_to_the_distance(tied):
    from core.depth import unrolled_rnn

    rho = 0.95
    frame = unrolled_rnn(300, 16, rho, "linear", "orthogonal", tied=tied)
    np.testing.assert_allclose(frame["log10_grad_norm"], frame["distance"] * math.log10(rho), atol=1e-9)


def test_untied_steps_change_a_saturating_rnns_gradient_and_refuse_bad_input():
    from core.depth import unrolled_rnn

    tied = unrolled_rnn(200, 32, 1.5, "tanh", tied=True)["log10_grad_norm"].to_numpy()
    untied = unrolled_rnn(200, 32, 1.5, "tanh", tied=False)["log10_grad_norm"].to_numpy()
    assert np.abs(tied - untied).max() > 0.5  # one shared W is not the same as independent ones
    with pytest.raises(ValueError, match="seq_len"):
        unrolled_rnn(1)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("init", INITS)
def test_the_variance_argument_predicts_a_wide_networks_gradient(activation, init):
    """Glorot & Bengio's and He et al.'s variance argument, followed through the layers, against the
    measured gradient of a wide (H = 512) network, averaged over four seeds: within 0.25 of a decade
    after 29 layers (a 2% error in the per-layer factor would be 0.25 on its own)."""
    from core.depth import variance_prediction_by_layer

    cfgs = [DepthConfig(layers=30, width=512, activation=activation, init=init, seed=s) for s in range(4)]
    measured = np.mean([gradient_by_layer(c)["log10_grad_norm"].to_numpy() for c in cfgs], axis=0)
    predicted = np.mean([variance_prediction_by_layer(c) for c in cfgs], axis=0)
    assert np.abs(measured - predicted).max() < 0.25


def test_the_variance_argument_gives_glorots_and_hes_fixed_points_and_the_exact_orthogonal_slope():
    from core.depth import variance_prediction_by_layer

    flat = [("linear", "xavier"), ("linear", "orthogonal"), ("relu", "he")]  # H·Var(W)·E[φ'²] = 1 exactly
    for activation, init in flat:
        cfg = DepthConfig(layers=50, activation=activation, init=init)
        np.testing.assert_allclose(variance_prediction_by_layer(cfg), 0, atol=1e-12)
    cfg = DepthConfig(layers=50, activation="linear", init="orthogonal", scale=0.8)
    np.testing.assert_allclose(variance_prediction_by_layer(cfg), gradient_by_layer(cfg)["log10_grad_norm"], atol=1e-9)
    he_relu_halved = variance_prediction_by_layer(DepthConfig(layers=11, activation="relu", init="xavier"))
    assert he_relu_halved[0] == pytest.approx(10 * 0.5 * math.log10(0.5))  # χ = 1/2: half the variance a layer
    assert np.isnan(variance_prediction_by_layer(DepthConfig(norm=True))).all()


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("q", [1e-4, 0.3, 1.0, 7.0, 60.0])
def test_the_gaussian_moments_match_a_dense_integral(activation, q):
    from core.depth import gaussian_moments

    z = np.linspace(-12, 12, 200_001)
    density = np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    a = math.sqrt(q) * z
    f = 1 / (1 + np.exp(-a)) if activation == "sigmoid" else np.tanh(a)
    slope = f * (1 - f) if activation == "sigmoid" else 1 - f**2
    expected = (np.trapezoid(slope**2 * density, z), np.trapezoid(f**2 * density, z))
    np.testing.assert_allclose(gaussian_moments(activation, q), expected, rtol=1e-6)


def test_the_shared_matrix_norms_say_which_w_is_normal():
    from core.depth import shared_matrix_norms

    norm, radius = shared_matrix_norms(64, 0.9, "orthogonal")
    assert norm == pytest.approx(0.9) and radius == pytest.approx(0.9)
    norm, radius = shared_matrix_norms(64, 0.9, "nonnormal")
    assert norm == pytest.approx(0.9 * 16) and radius < 1e-6  # [[8, 8], [-8, -8]] blocks: ‖·‖₂ = 16, nilpotent
