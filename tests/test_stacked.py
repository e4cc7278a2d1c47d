"""Stacked RNNs, layers × time (core/stacked.py, #23): against float64 autograd, the RNN probe, and the
closed form of commuting linear steps, where the gradient counts the paths through the grid."""

import math

import numpy as np
import pytest
import torch

from core.probe import gradient_through_time, make_inputs, make_readout
from core.stacked import MAX_LAYERS, _stack, stacked_gradients


def autograd_reference(layers, seq_len, hidden, rho, phi, init, seed=0):
    """log10 ‖∂ℓ/∂h⁽ᵏ⁾_t‖ by plain float64 autograd through the stack (no log domain, no path sums)."""
    weights = [(torch.from_numpy(W), torch.from_numpy(U)) for W, U in _stack(layers, hidden, rho, phi, init, seed)]
    f = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}[phi]
    x = make_inputs(seq_len, hidden, 1.0, seed).clone().requires_grad_()
    rows, below = [x], list(x)
    for W, U in weights:
        h, states = torch.zeros(hidden, dtype=torch.float64), []
        for t in range(seq_len):
            h = f(W @ h + U @ below[t])
            h.retain_grad()
            states.append(h)
        rows.append(states)
        below = states
    (make_readout(hidden, 0 + seed) @ below[-1]).backward()
    grad = [x.grad.norm(dim=-1)] + [torch.stack([h.grad.norm() for h in row]) for row in rows[1:]]
    with np.errstate(divide="ignore"):
        return np.log10(torch.stack(grad).numpy())


@pytest.mark.parametrize("phi", ["tanh", "relu", "linear"])
@pytest.mark.parametrize("init", ["orthogonal", "gaussian", "nonnormal"])
@pytest.mark.parametrize("layers", [1, 3])
def test_every_layer_and_step_matches_float64_autograd(phi, init, layers):
    got = stacked_gradients(layers, 14, 8, 0.95, phi, init, seed=2)
    want = autograd_reference(layers, 14, 8, 0.95, phi, init, seed=2)
    grid = got.pivot(index="layer", columns="position", values="log10_grad_norm").to_numpy()
    assert grid.shape == (layers + 1, 14)
    if init == "nonnormal" and phi == "linear":
        # W² = 0: only the paths of at most one step through each W survive, and every longer one cancels.
        # Whether a cancellation rounds to exactly 0 or leaves float64's round-off (10^-15 of the largest
        # term, shrinking a step at a time) depends on the machine (fused multiply-add, summation order).
        # So "no gradient" is "more than 12 decades under the largest", far below every surviving value
        # (all within 3 decades of it here) and far above any round-off remainder.
        negligible = want[np.isfinite(want)].max() - 12
        gone = want < negligible
        np.testing.assert_array_equal(grid < negligible, gone)
        np.testing.assert_allclose(grid[~gone], want[~gone], rtol=0, atol=1e-7)
        return
    finite = np.isfinite(want)
    assert (np.isfinite(grid) == finite).all()  # structural zeros (a ReLU exactly off) where autograd has them
    # a non-normal W (‖W‖₂ = 16ρ) cancels large terms: the two routes' rounding differs by ~1e-8 there
    atol = 1e-7 if init == "nonnormal" else 1e-9
    np.testing.assert_allclose(grid[finite], want[finite], rtol=0, atol=atol)


@pytest.mark.parametrize("phi,rho", [("tanh", 0.9), ("relu", 1.2), ("linear", 0.97)])
def test_one_layers_input_row_is_the_rnn_probe(phi, rho):
    got = stacked_gradients(1, 200, 32, rho, phi, seed=4)
    want = gradient_through_time("rnn", seq_len=200, hidden_size=32, weight_scale=rho, nonlinearity=phi, seed=4)
    inputs = got[got["layer"] == 0]
    np.testing.assert_array_equal(inputs["distance"], want["distance"])
    np.testing.assert_allclose(inputs["log10_grad_norm"], want["log10_grad_norm"], rtol=0, atol=1e-9)


@pytest.mark.parametrize("rho,u", [(0.9, 1.0), (0.5, 0.8), (1.1, 0.7)])
def test_commuting_linear_steps_count_the_paths(rho, u):
    """W_k = ρQ and U_k = uQ with one orthogonal Q: every path is a power of Q, so the norms add up
    exactly.  A state m layers below the readout and d steps back: ρ^d u^m C(d + m, m); the input
    x_t: ρ^d u^L C(d + L − 1, L − 1) (its last step is a U)."""
    L, T, H = 5, 300, 6
    q, _ = torch.linalg.qr(torch.randn(H, H, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    steps = [(rho * q.numpy(), u * q.numpy())] * L
    grid = stacked_gradients(L, T, H, nonlinearity="linear", steps=steps)
    d = grid["distance"].to_numpy()
    k = grid["layer"].to_numpy()
    m = np.where(k == 0, L, L - k)
    paths = [math.comb(int(a) + L - 1, L - 1) if row == 0 else math.comb(int(a) + int(b), int(b))
             for a, b, row in zip(d, m, k, strict=True)]  # fmt: skip
    paths = np.array(paths, dtype=float)
    expected = d * math.log10(rho) + m * math.log10(u) + np.log10(paths)
    np.testing.assert_allclose(grid["log10_grad_norm"], expected, rtol=0, atol=1e-8)


def test_a_long_stack_stays_exact_past_float64():
    """ρ = 0.5 linear orthogonal over 1000 steps: the top layer's first word is 10^-301 · …, below float64's
    normal range, and still a number; the one-layer row falls exactly as ρ^d."""
    one = stacked_gradients(1, 1000, 16, 0.5, "linear")
    top = one[one["layer"] == 1]
    np.testing.assert_allclose(top["log10_grad_norm"], top["distance"] * math.log10(0.5), atol=1e-9)
    deep = stacked_gradients(8, 1000, 16, 0.3, "tanh")
    assert np.isfinite(deep["log10_grad_norm"]).all() and deep["log10_grad_norm"].min() < -308


@pytest.mark.parametrize(
    "kwargs,field",
    [({"layers": 0}, "layers"), ({"layers": MAX_LAYERS + 1}, "layers"), ({"layers": 2.5}, "layers"),
     ({"seq_len": 1}, "seq_len"), ({"layers": 8, "seq_len": 1001}, "exceeds"),
     ({"nonlinearity": "gelu"}, "nonlinearity")],
)  # fmt: skip
def test_bad_arguments_are_refused_by_name(kwargs, field):
    args = {"layers": 2, "seq_len": 10, **kwargs}
    with pytest.raises(ValueError, match=field):
        stacked_gradients(**args)


def test_an_exploding_forward_pass_is_refused():
    with pytest.raises(ValueError, match="range"):
        stacked_gradients(2, 1000, 16, 3.0, "linear")  # 3^1000 = 10^477
