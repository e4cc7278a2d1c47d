"""The long-run rate of an RNN's Jacobian product: its top Lyapunov exponent, measured.

∂h_T/∂h_t = Π_k diag(φ'(a_k)) W.  ρ(W)^d describes this product exactly only for a linear RNN with
an orthogonal W.  With tanh, φ'(a_k) < 1 wherever the input drives the units, so the product
shrinks faster than ρ^d: ρ > 1 is necessary for explosion, not sufficient.  The long-run log rate
per step, λ = lim (1/d) log10 ‖Π ...‖, is the top Lyapunov exponent of the product (Oseledets), and
it is what the measured curve's slope tends to.

It is measured along one trajectory driven by the probe's own random inputs (same seed, same input
scale): the readout is backpropagated through LENGTH + 2·SKIP + 1 inputs by the probe's exact log-domain
path, and λ is the mean log10 growth per step between distances SKIP and LENGTH + SKIP.  The SKIP
steps at each end leave out the transients: the readout's direction at one end, and the state's
start from h = 0 at the other.  For a linear RNN with orthogonal W, and for tanh with zero input
(φ'(0) = 1), λ = log10 ρ exactly (tests/test_lyapunov.py checks both, and checks λ against an
independent forward QR iteration).

Sources: Pascanu, Mikolov & Bengio 2013 §2.1; Oseledets 1968; ../SCIENCE.md "Recurrent nets".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .probe import make_inputs, make_readout

LENGTH = 2000  # steps averaged over
SKIP = 100  # steps left out at each end (transients)


def lyapunov_log10_rate(net, input_scale: float = 1.0, seed: int = 0) -> float:
    """λ in log10 per step for the RNN `net` driven by the probe's inputs; -inf when the product
    is exactly zero (a nilpotent W, or every unit switched off)."""
    T = LENGTH + 2 * SKIP + 1
    x = make_inputs(T, net.input_size, input_scale, seed)
    r = make_readout(net.readout_size, seed)
    near, far = T - 1 - SKIP, SKIP  # positions at distance SKIP and LENGTH + SKIP
    logs = net.log_input_gradients(x, r, positions=np.array([far, near]))
    log_far, log_near = float(logs[far]), float(logs[near])
    if not math.isfinite(log_far) or not math.isfinite(log_near):
        return -math.inf if log_far == -math.inf or log_near == -math.inf else math.nan
    return (log_far - log_near) / LENGTH


INPUT_SCALES = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)  # the RNN lab's input-scale slider spans 0 to 3


def rate_over_input_scales(net, scales=INPUT_SCALES, seed: int = 0) -> pd.DataFrame:
    """The long-run log10 rate per step at each input scale (the edge of chaos: near 0 the units stay
    linear and the rate is log10 ρ; larger inputs saturate them).  Columns input_scale, log10_rate."""
    rates = [lyapunov_log10_rate(net, float(s), seed) for s in scales]
    return pd.DataFrame({"input_scale": np.asarray(scales, dtype=float), "log10_rate": rates})
