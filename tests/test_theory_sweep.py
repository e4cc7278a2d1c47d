"""Spectral quantities, the verdict, and the weight-scale sweep against single probes."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import core.sweep
from core.models import build_model
from core.probe import gradient_through_time
from core.sweep import SWEEP_SCALES, sample_distances, weight_scale_sweep
from core.theory import eigenvalue_frame, spectral_norm, spectral_radius, spectrum, theory_frame, verdict


@pytest.mark.parametrize("rho", [0.05, 0.9, 1.0, 2.0])
def test_orthogonal_init_has_spectral_radius_and_norm_equal_to_rho(rho):
    net = build_model("rnn", hidden_size=32, weight_scale=rho, init="orthogonal", seed=4)
    assert spectral_radius(net.W) == pytest.approx(rho, rel=1e-10)
    assert spectral_norm(net.W) == pytest.approx(rho, rel=1e-10)
    assert np.allclose(eigenvalue_frame(net.W)["abs"], rho, rtol=1e-10)


@pytest.mark.parametrize("hidden_size,seed", [(128, 0), (64, 0), (5, 3), (4, 9)])
def test_gaussian_init_has_spectral_radius_rho_exactly_and_about_twice_the_norm(hidden_size, seed):
    """Rescaled to radius ρ (seed 0 at H = 64 drew radius 1.079 before), with the circular law's ‖W‖₂ ≈ 2ρ."""
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=0.95, init="gaussian", seed=seed)
    assert spectral_radius(net.W) == pytest.approx(0.95, rel=1e-12)
    if hidden_size >= 64:
        assert spectral_norm(net.W) == pytest.approx(2 * 0.95, rel=0.15)


def test_a_linear_rnn_with_gaussian_w_below_radius_one_vanishes_in_the_long_run():
    """The case the unscaled draw got wrong: scale 0.95 at seed 0 gave 10^+2.7 at T = 300."""
    frame = gradient_through_time(seq_len=3000, weight_scale=0.95, nonlinearity="linear", init="gaussian")
    logs = frame.sort_values("distance")["log10_grad_norm"].to_numpy()
    assert logs[-1] < logs[0] - 10  # ρ^3000 = 10^-67: a transient cannot hold that off
    slope = (logs[-1] - logs[1000]) / (len(logs) - 1 - 1000)
    assert slope == pytest.approx(math.log10(0.95), abs=0.01)


def test_nonnormal_example_has_zero_radius_but_norm_sixteen():
    net = build_model("rnn", hidden_size=2, weight_scale=1.0, init="nonnormal")
    assert net.W.tolist() == [[8.0, 8.0], [-8.0, -8.0]]
    assert spectral_radius(net.W) < 1e-6
    assert spectral_norm(net.W) == pytest.approx(16.0, rel=1e-12)


@pytest.mark.parametrize("init", ["orthogonal", "gaussian", "nonnormal"])
def test_spectrum_is_the_eigenvalues_radius_and_norm_each_computed_alone(init):
    net = build_model("rnn", hidden_size=9, weight_scale=1.3, init=init, seed=2)
    eigs, rho, norm = spectrum(net.W)
    pd.testing.assert_frame_equal(eigs, eigenvalue_frame(net.W), rtol=1e-12, atol=1e-12)
    assert rho == pytest.approx(spectral_radius(net.W), rel=1e-12)
    assert norm == pytest.approx(spectral_norm(net.W), rel=1e-12)


def test_theory_lines_at_zero_distance_and_for_zero_radius():
    frame = theory_frame(np.arange(4), rho=0.0, norm=16.0)
    assert frame["rho_line"].tolist()[0] == 0.0 and np.isneginf(frame["rho_line"][1:]).all()
    np.testing.assert_allclose(frame["bound_line"], np.arange(4) * math.log10(16.0))


@pytest.mark.parametrize(
    "rho,regime", [(0.5, "vanishing"), (0.98, "stable"), (1.0, "stable"), (1.02, "stable"), (1.5, "exploding")]
)
def test_verdict_matches_the_linear_regime(rho, regime):
    frame = gradient_through_time(seq_len=100, weight_scale=rho, nonlinearity="linear", hidden_size=8)
    v = verdict(frame)
    assert v.regime == regime
    assert v.log10_ratio == pytest.approx(99 * math.log10(rho), abs=1e-9)
    assert v.per_step == pytest.approx(rho, rel=1e-9)
    assert v.zero_from is None


def test_verdict_for_cut_off_and_for_no_gradient():
    cut = verdict(gradient_through_time(seq_len=30, nonlinearity="linear", init="nonnormal", hidden_size=4))
    assert (cut.regime, cut.zero_from, cut.log10_ratio) == ("vanishing", 2, -math.inf)
    dead = verdict(gradient_through_time(seq_len=30, nonlinearity="relu", input_scale=0.0, hidden_size=4))
    assert dead.regime == "none"


def test_sweep_scales_span_the_slider_and_cross_one():
    assert len(SWEEP_SCALES) == 40 and SWEEP_SCALES[0] == 0.05 and SWEEP_SCALES[-1] == 2.0 and 1.0 in SWEEP_SCALES


@pytest.mark.parametrize("nonlinearity,init", [("tanh", "orthogonal"), ("relu", "gaussian"), ("linear", "nonnormal")])
def test_sweep_rows_equal_single_probes_even_across_chunks(monkeypatch, nonlinearity, init):
    monkeypatch.setattr(core.sweep, "CHUNK_ELEMENTS", 60 * 8 * 2)  # force chunks of two scales
    scales = (0.3, 1.0, 1.7)
    kw = dict(seq_len=60, hidden_size=8, nonlinearity=nonlinearity, init=init, input_scale=1.3, seed=7)
    sweep = weight_scale_sweep(scales=scales, max_distances=25, **kw)
    assert len(sweep) == 3 * len(sample_distances(60, 25))
    for rho in scales:
        single = gradient_through_time(weight_scale=rho, **kw).set_index("distance")["log10_grad_norm"]
        row = sweep[sweep["weight_scale"] == rho].set_index("distance")["log10_grad_norm"]
        expected = single[row.index]
        assert np.array_equal(np.isneginf(row), np.isneginf(expected))
        finite = np.isfinite(expected)
        np.testing.assert_allclose(row[finite], expected[finite], atol=1e-9)


def test_sample_distances_keeps_both_ends_and_caps_the_count():
    d = sample_distances(2000, 200)
    assert d[0] == 0 and d[-1] == 1999 and len(d) <= 200 and (np.diff(d) > 0).all()
    assert sample_distances(5, 200).tolist() == [0, 1, 2, 3, 4]


def test_core_never_imports_streamlit():
    """Every module of core/, each imported (minilm included: it imports transformers on first use only)."""
    code = (
        "import importlib, pkgutil, sys, core\n"
        "names = [m.name for m in pkgutil.walk_packages(core.__path__, 'core.') if not m.name.endswith('__main__')]\n"
        "for name in names: importlib.import_module(name)\n"
        "assert len(names) > 25, names\n"
        "sys.exit('streamlit' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
