"""Depth as well as length (#23): the gradient at every layer of a deep feed-forward network.

    h_0 = x,    h_l = f_l(h_{l-1}) for l = 1..L,    ℓ = r · h_L    (r a fixed random unit readout)

with, for a plain layer, f_l(h) = φ(W_l h); with `norm`, the layer's input is LayerNorm'd first,
φ(W_l LN(h)) (LN without a learned scale or shift); with `residual`, h + φ(W_l ...).  The
measurement is ‖∂ℓ/∂h_l‖ for every layer l (layer 1 nearest the input, layer L's is ‖r‖ = 1).

Exact at any depth, as the RNN probe is (core/logscale.py): the backward vector is carried as a
unit vector and a running log10 of its norm, so a gradient of 10^-400 is still a number.  Each
layer's vector-Jacobian product is PyTorch's autograd in float64.  The forward pass, too, stays in
range: for ReLU and the identity (positively homogeneous, so a layer's Jacobian is the same at c·h
as at h for any c > 0) the hidden vector is rescaled to unit norm after each
layer, which changes no Jacobian (without LayerNorm: LN(c·h) = LN(h) would make it J/c); tanh and the
sigmoid are bounded, and with LayerNorm a layer's output is bounded (a residual stack grows by a
bounded step a layer).

Initialisations of each W_l (H × H), times `scale`:
- xavier (Glorot & Bengio 2010): N(0, 2/(fan_in + fan_out)) = N(0, 1/H);
- he (He et al. 2015): N(0, 2/H), for ReLU;
- orthogonal: Q from the QR of a Gaussian matrix (signs fixed), so ‖W_l‖₂ = scale exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .threads import vjp

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")  # linear: for the closed-form checks
INITS = ("xavier", "he", "orthogonal")
DERIVATIVE_BOUND = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0, "linear": 1.0}  # sup |φ'|
MAX_LAYERS = 1000
MAX_WIDTH = 1024
MAX_WORK = 2_000_000_000  # L·H² multiply-adds, as the probes' cap
MAX_SCALE = 100.0
LN_EPS = 1e-5  # LayerNorm's ε, as torch.nn.LayerNorm's default
_HOMOGENEOUS = ("relu", "linear")  # φ(c·a) = c·φ(a) for c > 0


@dataclass(frozen=True)
class DepthConfig:
    layers: int = 10  # L: layers between the input and the readout
    width: int = 64  # H: units in every layer
    activation: str = "tanh"  # φ: sigmoid | tanh | relu | linear
    init: str = "xavier"  # xavier | he | orthogonal
    scale: float = 1.0  # multiplies every W_l (orthogonal: ‖W_l‖₂ = scale)
    residual: bool = False  # h_l = h_{l-1} + φ(W_l ...)
    norm: bool = False  # LayerNorm on each layer's input, before W_l
    seed: int = 0  # seeds the weights, the input and the readout


def check(cfg: DepthConfig) -> None:
    """Raise ValueError naming the field for a configuration outside the caps."""
    for name, value, hi in (("layers", cfg.layers, MAX_LAYERS), ("width", cfg.width, MAX_WIDTH)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 1 <= value <= hi:
            raise ValueError(f"{name} must be a whole number from 1 to {hi}, got {value!r}")
    if cfg.activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {cfg.activation!r}")
    if cfg.init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}, got {cfg.init!r}")
    if not (isinstance(cfg.scale, (int, float)) and math.isfinite(cfg.scale) and 0 < cfg.scale <= MAX_SCALE):
        raise ValueError(f"scale must be a number above 0 and at most {MAX_SCALE:g}, got {cfg.scale!r}")
    if cfg.layers * cfg.width**2 > MAX_WORK:
        raise ValueError(f"layers × width² = {cfg.layers * cfg.width**2:.3g} exceeds the cap of {MAX_WORK:.0e}")


def _draw(cfg: DepthConfig, gen: torch.Generator) -> torch.Tensor:
    """The next W_l (float64, H × H) from `gen`."""
    H = cfg.width
    a = torch.randn(H, H, generator=gen, dtype=torch.float64)
    if cfg.init == "orthogonal":
        q, r = torch.linalg.qr(a)
        a = q * torch.sign(torch.diagonal(r))  # Haar-distributed; ‖Q‖₂ = 1
    else:
        a = a * math.sqrt((2.0 if cfg.init == "he" else 1.0) / H)
    return cfg.scale * a


def weight_stream(cfg: DepthConfig):
    """W_1 .. W_L one at a time, from the seed: at most one H × H matrix alive (100 layers of width 256
    would hold 52 MB at once)."""
    gen = torch.Generator().manual_seed(cfg.seed)
    for _ in range(cfg.layers):
        yield _draw(cfg, gen)


def weights(cfg: DepthConfig) -> list[torch.Tensor]:
    """W_1 .. W_L (float64, H × H), from the seed: all of them (the tests' reference)."""
    return list(weight_stream(cfg))


def _inputs(cfg: DepthConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The input x ~ N(0, I) and the unit readout r, from a stream of their own (the weights keep theirs)."""
    gen = torch.Generator().manual_seed(cfg.seed + 7919)
    x = torch.randn(cfg.width, generator=gen, dtype=torch.float64)
    r = torch.randn(cfg.width, generator=gen, dtype=torch.float64)
    return x, r / torch.linalg.vector_norm(r)


def _phi(activation: str, a: torch.Tensor) -> torch.Tensor:
    if activation == "sigmoid":
        return torch.sigmoid(a)
    if activation == "tanh":
        return torch.tanh(a)
    if activation == "relu":
        return torch.relu(a)
    return a


def layer(cfg: DepthConfig, W: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """One layer, h_{l-1} -> h_l."""
    u = torch.nn.functional.layer_norm(h, h.shape[-1:], eps=LN_EPS) if cfg.norm else h
    f = _phi(cfg.activation, u @ W.T)
    return h + f if cfg.residual else f


def gradient_by_layer(cfg: DepthConfig) -> pd.DataFrame:
    """‖∂ℓ/∂h_l‖ for l = 1..L: columns layer, grad_norm (0 or inf past float64's range), log10_grad_norm
    (exact; -inf only where the gradient is exactly zero, e.g. every ReLU off)."""
    check(cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    states = []  # the generator's state before each W_l: the backward pass draws W_l again, not keeping all L
    x, r = _inputs(cfg)
    hidden = [x]  # h_0 .. h_{L-1}: each layer's input
    h = x
    for _ in range(cfg.layers - 1):
        states.append(gen.get_state())
        h = layer(cfg, _draw(cfg, gen), h)
        if cfg.activation in _HOMOGENEOUS and not cfg.norm:  # same Jacobians, no overflow: see the module note
            h = h / torch.linalg.vector_norm(h).clamp_min(1e-300)
        hidden.append(h)
    log10 = np.empty(cfg.layers)
    log10[-1] = 0.0  # ∂ℓ/∂h_L = r, a unit vector
    g, total = r, 0.0  # g: ∂ℓ/∂h_l as a unit vector; total: log10 of its norm
    for k in range(cfg.layers, 1, -1):  # layer k: h_{k-1} -> h_k, so g becomes ∂ℓ/∂h_{k-1}
        if total > -math.inf:
            v = hidden[k - 1].detach().requires_grad_()
            if k < cfg.layers:  # W_L is the generator's next draw; an earlier one is drawn again from its state
                gen.set_state(states[k - 1])
            W = _draw(cfg, gen)
            (g,) = torch.autograd.grad(vjp(layer(cfg, W, v), g), v)
            norm = float(torch.linalg.vector_norm(g))
            total = total + math.log10(norm) if norm > 0 else -math.inf
            g = g / norm if norm > 0 else g
        log10[k - 2] = total
    return _frame(log10)


def _frame(log10: np.ndarray) -> pd.DataFrame:
    with np.errstate(over="ignore"):
        grad = np.power(10.0, log10)
    return pd.DataFrame({"layer": np.arange(1, len(log10) + 1), "grad_norm": grad, "log10_grad_norm": log10})


def derivative_bound_by_layer(cfg: DepthConfig) -> np.ndarray:
    """log10 of the bound on ‖∂ℓ/∂h_l‖ for a plain network (no residual, no norm): each layer multiplies
    the backward vector by at most γ·‖W_l‖₂, γ = sup|φ'| (1/4 for the sigmoid), so
    ‖∂ℓ/∂h_l‖ ≤ Π_{k>l} γ‖W_k‖₂ (layer L's is 1).  NaN everywhere for a residual or normalised network,
    where the bound does not hold."""
    check(cfg)
    if cfg.residual or cfg.norm:
        return np.full(cfg.layers, np.nan)
    gamma = DERIVATIVE_BOUND[cfg.activation]
    steps = [math.log10(gamma * float(torch.linalg.matrix_norm(W, ord=2))) for W in weight_stream(cfg)]
    bound = np.zeros(cfg.layers)
    for k in range(cfg.layers - 2, -1, -1):  # bound at layer k+1 (index k) = bound at k+2 + step of layer k+2
        bound[k] = bound[k + 1] + steps[k + 1]
    return bound


WEIGHT_VARIANCE = {"xavier": 1.0, "he": 2.0, "orthogonal": 1.0}  # H·Var(W_l) at scale 1 (orthogonal: ‖W^T v‖ = ‖v‖)
_Z = np.linspace(-10.0, 10.0, 2001)  # z ~ N(0, 1): the Gaussian's own scale
_A = np.linspace(-40.0, 40.0, 4001)  # a = √q·z: where φ bends, whatever q is (at large q, a step in z)


def gaussian_moments(activation: str, q: float) -> tuple[float, float]:
    """(E[φ'(a)²], E[φ(a)²]) for a ~ N(0, q): closed forms for ReLU and the identity; for the sigmoid and
    tanh the trapezoid rule on a grid in z joined with one in a, so both the density and φ's bend are
    resolved at any q (Gauss–Hermite quadrature was 1% off at q = 7, where φ is nearly a step)."""
    if activation == "relu":
        return 0.5, q / 2
    if activation == "linear":
        return 1.0, q
    root = math.sqrt(q)
    z = np.union1d(_Z, _A[np.abs(_A) < 10.0 * root] / root)
    a, density = root * z, np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    f = 0.5 * (1 + np.tanh(a / 2)) if activation == "sigmoid" else np.tanh(a)  # the sigmoid, without overflow
    slope = f * (1 - f) if activation == "sigmoid" else 1 - f**2
    return float(np.trapezoid(slope**2 * density, z)), float(np.trapezoid(f**2 * density, z))


def variance_prediction_by_layer(cfg: DepthConfig) -> np.ndarray:
    """log10 of ‖∂ℓ/∂h_l‖ as the variance argument predicts it for a wide plain network (Glorot & Bengio
    2010; He et al. 2015; tracked layer by layer as in Poole et al. 2016).

    With σ² = H·Var(W_l) (xavier 1, he 2, orthogonal 1, times scale²), layer l's pre-activations are
    N(0, q_l), q_1 = σ²·‖x‖²/H and q_{l+1} = σ²·E[φ(a)²]; going back through layer l multiplies the
    squared gradient norm by χ_l = σ²·E[φ'(a)²] on average.  Glorot's xavier gives χ = 1 for a linear
    (or tanh near 0) layer and He's he gives χ = 1 for ReLU.  NaN everywhere for a residual or normalised
    network, which the argument does not cover."""
    check(cfg)
    if cfg.residual or cfg.norm:
        return np.full(cfg.layers, np.nan)
    sigma2 = WEIGHT_VARIANCE[cfg.init] * cfg.scale**2
    x, _ = _inputs(cfg)
    q, chi = sigma2 * float(x @ x) / cfg.width, []
    for _ in range(cfg.layers):
        slope2, out2 = gaussian_moments(cfg.activation, q)
        chi.append(sigma2 * slope2)
        q = sigma2 * out2
    log10 = np.zeros(cfg.layers)
    for k in range(cfg.layers - 2, -1, -1):  # layer k+1's gradient (index k) = layer k+2's · √χ_{k+2}
        log10[k] = log10[k + 1] + 0.5 * math.log10(chi[k + 1]) if chi[k + 1] > 0 else -math.inf
    return log10


def shared_matrix_norms(hidden_size: int, weight_scale: float, init: str, seed: int = 0) -> tuple[float, float]:
    """(‖W‖₂, spectral radius) of the RNN lab's recurrent W: equal for a normal W (orthogonal), far apart
    for a non-normal one, where powers of the one shared W do not follow ‖W‖₂."""
    from .models import build_model

    W = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, init=init).W.detach()
    return float(torch.linalg.matrix_norm(W, ord=2)), float(torch.linalg.eigvals(W).abs().max())


def unrolled_rnn(
    seq_len: int,
    hidden_size: int = 64,
    weight_scale: float = 0.9,
    nonlinearity: str = "tanh",
    init: str = "orthogonal",
    tied: bool = True,
    input_scale: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """The RNN of the RNN lab seen as a network of depth T: ‖∂ℓ/∂x_t‖ for every position t, with the
    recurrent matrix shared by every step (tied: the RNN itself, W from `init`) or an independent random
    orthogonal ρ·Q_t at every step (untied), the same U, inputs and readout otherwise.

    A plain float64 loop in the log domain (the backward vector kept at unit norm), written apart from
    the RNN probe's own: tied, it must give the probe's table (tests/test_depth.py); untied, it answers
    what sharing one W changes.  Columns as the probe's: position, distance, grad_norm, log10_grad_norm."""
    from .models import build_model
    from .models.base import haar_orthogonal
    from .probe import StateOverflow, check_probe_args, connectivity_frame, make_inputs, make_readout

    check_probe_args(seq_len, input_scale, 0, hidden_size)
    net = build_model("rnn", hidden_size=hidden_size, weight_scale=weight_scale, seed=seed, nonlinearity=nonlinearity,
                      init=init)  # fmt: skip
    W, U = net.W.detach(), net.U.detach()
    x, r = make_inputs(seq_len, hidden_size, input_scale, seed), make_readout(hidden_size, seed)
    if tied:
        steps = [W] * seq_len
    else:
        gen = torch.Generator().manual_seed(seed + 104729)  # a stream of its own: one Q_t per step
        steps = [weight_scale * haar_orthogonal(hidden_size, gen) for _ in range(seq_len)]
    h, pre = torch.zeros(hidden_size, dtype=torch.float64), []
    for t in range(seq_len):
        a = steps[t] @ h + U @ x[t]
        pre.append(a)
        h = torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a) if nonlinearity == "relu" else a
    if not all(bool(torch.isfinite(a).all()) for a in pre):
        raise StateOverflow("the forward state left float64's range: lower weight_scale or seq_len")
    log10 = np.empty(seq_len)
    g, total = r, 0.0  # ∂ℓ/∂h_t as a unit vector times 10^total
    for t in range(seq_len - 1, -1, -1):
        a = pre[t]
        slope = (
            1 - torch.tanh(a) ** 2 if nonlinearity == "tanh" else (a > 0).double() if nonlinearity == "relu" else 1.0
        )
        v = slope * g  # ∂ℓ/∂a_t
        norm = float(torch.linalg.vector_norm(U.T @ v)) if total > -math.inf else 0.0
        log10[t] = total + math.log10(norm) if norm > 0 else -math.inf
        g = steps[t].T @ v
        step = float(torch.linalg.vector_norm(g)) if total > -math.inf else 0.0
        total = total + math.log10(step) if step > 0 else -math.inf
        g = g / step if step > 0 else g
    return connectivity_frame(log10)
