"""Backpropagation through time written out in float64 NumPy, for the recurrent language models.

`input_gradient(model, inputs, target)` is ∂ log p(target | inputs) / ∂x_t for every input embedding x_t of a
CharLM whose body is an nn.LSTM or nn.GRU: the same number torch.autograd gives through a float64 copy of the
model (tested to 1e-9), in about half the time.  autograd records some ten operations a step and a layer and
replays them one by one; here the forward keeps each step's gates, and the backward is one matrix-vector product
and a few vector operations a step, the input projections of all steps done as one matrix product each way.
Float64 because in float32 an LSTM's gradient 1,000 characters back underflows to exactly 0.

PyTorch's equations (torch.nn.LSTM, torch.nn.GRU), per layer, with a = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh:
- LSTM, a split into i, f, g, o: c_t = σ(f)·c_{t−1} + σ(i)·tanh(g), h_t = σ(o)·tanh(c_t);
- GRU, split into r, z, n: r = σ(a_r), z = σ(a_z), n = tanh(W_in·x_t + b_in + r·(W_hn·h_{t−1} + b_hn)),
  h_t = (1 − z)·n + z·h_{t−1}.
Both start from zero state.
"""

from __future__ import annotations

import numpy as np
import torch

from .lm import CharLM


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _weights(body: torch.nn.Module, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W_ih, W_hh, b_ih, b_hh of one layer, float64."""
    return tuple(
        getattr(body, f"{name}_l{layer}").detach().to(torch.float64).numpy()
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


def _lstm_forward(w_ih, w_hh, b_ih, b_hh, x):
    """Outputs h (T × H), cells c (T × H) and the gates σ(i), σ(f), tanh(g), σ(o) side by side (T × 4H)."""
    steps, size = len(x), w_hh.shape[1]
    projected = x @ w_ih.T + (b_ih + b_hh)
    recurrent = np.ascontiguousarray(w_hh.T)
    hs, cs, gates = np.empty((steps, size)), np.empty((steps, size)), np.empty((steps, 4 * size))
    h, c = np.zeros(size), np.zeros(size)
    for t in range(steps):
        gate, pre = gates[t], projected[t] + h @ recurrent
        gate[:] = _sigmoid(pre)
        gate[2 * size : 3 * size] = np.tanh(pre[2 * size : 3 * size])
        c = gate[size : 2 * size] * c + gate[:size] * gate[2 * size : 3 * size]
        h = gate[3 * size :] * np.tanh(c)
        hs[t], cs[t] = h, c
    return hs, cs, gates


def _lstm_backward(w_ih, w_hh, cs, gates, upstream):
    """∂/∂x_t (T × E) given ∂/∂h_t from above (T × H)."""
    steps, size = cs.shape
    da = np.empty((steps, 4 * size))
    dh, dc = np.zeros(size), np.zeros(size)
    for t in range(steps - 1, -1, -1):
        i, f, g, o = (gates[t, k * size : (k + 1) * size] for k in range(4))
        dh = dh + upstream[t]
        tanh_c = np.tanh(cs[t])
        dc = dc + dh * o * (1.0 - tanh_c * tanh_c)
        before = cs[t - 1] if t else 0.0
        row = da[t]
        row[:size] = dc * g * i * (1.0 - i)
        row[size : 2 * size] = dc * before * f * (1.0 - f)
        row[2 * size : 3 * size] = dc * i * (1.0 - g * g)
        row[3 * size :] = dh * tanh_c * o * (1.0 - o)
        dc = dc * f
        dh = row @ w_hh
    return da @ w_ih


def _gru_forward(w_ih, w_hh, b_ih, b_hh, x):
    """Outputs h (T × H) and, side by side (T × 5H): r, z, n, W_hn·h_{t−1} + b_hn, h_{t−1}."""
    steps, size = len(x), w_hh.shape[1]
    projected = x @ w_ih.T + b_ih
    recurrent = np.ascontiguousarray(w_hh.T)
    hs, kept = np.empty((steps, size)), np.empty((steps, 5 * size))
    h = np.zeros(size)
    for t in range(steps):
        hidden = h @ recurrent + b_hh
        rz = _sigmoid(projected[t, : 2 * size] + hidden[: 2 * size])
        r, z = rz[:size], rz[size:]
        n = np.tanh(projected[t, 2 * size :] + r * hidden[2 * size :])
        kept[t] = np.concatenate([rz, n, hidden[2 * size :], h])
        h = (1.0 - z) * n + z * h
        hs[t] = h
    return hs, kept


def _gru_backward(w_ih, w_hh, kept, upstream):
    steps, size = len(kept), kept.shape[1] // 5
    da_in, da_hidden = np.empty((steps, 3 * size)), np.empty((steps, 3 * size))
    dh = np.zeros(size)
    for t in range(steps - 1, -1, -1):
        r, z, n, hidden_n, before = (kept[t, k * size : (k + 1) * size] for k in range(5))
        dh = dh + upstream[t]
        dan = dh * (1.0 - z) * (1.0 - n * n)
        dar = dan * hidden_n * r * (1.0 - r)
        daz = dh * (before - n) * z * (1.0 - z)
        da_in[t, :size], da_in[t, size : 2 * size], da_in[t, 2 * size :] = dar, daz, dan
        da_hidden[t, :size], da_hidden[t, size : 2 * size], da_hidden[t, 2 * size :] = dar, daz, dan * r
        dh = dh * z + da_hidden[t] @ w_hh
    return da_in @ w_ih


def input_gradient(model: CharLM, inputs: np.ndarray, target: int) -> np.ndarray:
    """∂ log p(target | inputs) / ∂x_t for each input embedding x_t (T × E, float64), for an LSTM or GRU CharLM."""
    body = model.body
    if not isinstance(body, torch.nn.LSTM | torch.nn.GRU) or body.bidirectional or body.proj_size:
        raise ValueError("input_gradient takes a CharLM with an nn.LSTM or nn.GRU body")
    lstm = isinstance(body, torch.nn.LSTM)
    x = model.embed.weight.detach().to(torch.float64).numpy()[np.asarray(inputs)]
    saved = []
    for layer in range(body.num_layers):
        weights = _weights(body, layer)
        if lstm:
            x, cells, gates = _lstm_forward(*weights, x)
            saved.append((weights, cells, gates))
        else:
            x, kept = _gru_forward(*weights, x)
            saved.append((weights, kept))
    head_w = model.head.weight.detach().to(torch.float64).numpy()
    logits = x[-1] @ head_w.T + model.head.bias.detach().to(torch.float64).numpy()
    p = np.exp(logits - logits.max())
    p /= p.sum()
    upstream = np.zeros_like(x)
    upstream[-1] = -p @ head_w + head_w[target]  # ∂ log softmax(logits)[target] / ∂h_T = W^T (e_target − p)
    for entry in reversed(saved):
        w_ih, w_hh = entry[0][:2]
        backward = _lstm_backward if lstm else _gru_backward
        upstream = backward(w_ih, w_hh, *entry[1:], upstream)
    return upstream
