"""An independent high-precision reference for the RNN probe: mpmath at 60 digits.

Float64 autograd cannot check saturated tanh (torch computes tanh' as 1 - y², which rounds to 0
once |a| > 19) nor exact cancellation (W² = 0); 60-digit arithmetic can.  Slow, so small T and H.
"""

import mpmath as mp
import numpy as np


def mp_log10_gradients(net, x, readout, window=0, digits=60):
    """log10 ‖∂(r·h_{T-1})/∂x_t‖ for the core RNN, in mpmath; -inf where exactly zero."""
    with mp.workdps(digits):
        W = mp.matrix(net.W.detach().tolist())
        U = mp.matrix(net.U.detach().tolist())
        xs = [mp.matrix(row) for row in x.detach().tolist()]
        r = mp.matrix(readout.detach().tolist())
        T, H = len(xs), W.rows
        kind = net.config.nonlinearity
        h = mp.matrix(H, 1)
        derivs = []
        for t in range(T):
            a = W * h + U * xs[t]
            if kind == "tanh":
                h = a.apply(mp.tanh)
                derivs.append(a.apply(lambda v: mp.sech(v) ** 2))
            elif kind == "relu":
                h = a.apply(lambda v: v if v > 0 else mp.mpf(0))
                derivs.append(a.apply(lambda v: mp.mpf(1) if v > 0 else mp.mpf(0)))
            else:
                h = a
                derivs.append(a.apply(lambda v: mp.mpf(1)))
        out = np.full(T, -np.inf)
        v = r
        first = 0 if window <= 0 else max(0, T - window)
        for t in range(T - 1, first - 1, -1):
            u = mp.matrix([derivs[t][i] * v[i] for i in range(H)])
            g = mp.norm(U.T * u)
            if g != 0:
                out[t] = float(mp.log10(g))
            v = W.T * u
        return out
