"""The linear recurrence h_t = a_t ⊙ h_{t−1} + b_t (h_{−1} = 0), computed two ways.

- `sequential_scan`: the loop, T steps one after another, as an RNN is computed.
- `parallel_scan`: a log-depth associative scan (Hillis & Steele 1986).  The pair (a, b) composes
  associatively, (a₁, b₁) then (a₂, b₂) = (a₂a₁, a₂b₁ + b₂), so after round k every position holds the
  composition of the 2^k steps ending there; ⌈log₂ T⌉ rounds, each one batched operation over all T
  positions.  It does T·log₂ T work where the loop does T (Blelloch's two-sweep form does O(T) with 2·log₂ T
  rounds); on a GPU the rounds, not the work, set the time.

Both take a and b of shape (..., T, H), real or complex, and work in torch, so autograd flows through
either; the LRU and minGRU (core/models/lru.py, mingru.py) use the scan.  What makes a recurrence
scannable is that it is linear in h: a_t and b_t may depend on the input x_t but not on h_{t−1}.  The
tanh RNN, LSTM and GRU feed h_{t−1} through a nonlinearity, so they cannot be computed this way.

Sources: Hillis & Steele 1986; Blelloch 1990; Martin & Cundy 2018; Orvieto et al. 2023; Feng et al. 2024.
"""

from __future__ import annotations

import math

import torch


def scan_rounds(seq_len: int) -> int:
    """The parallel scan's sequential rounds for T steps: ⌈log₂ T⌉ (0 for one step)."""
    return math.ceil(math.log2(seq_len)) if seq_len > 1 else 0


def sequential_scan(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """h_t = a_t h_{t−1} + b_t, one step after another: (..., T, H) -> (..., T, H).  The steps are unbound once
    (indexing step t in the loop would cost a full-size gradient per step in the backward pass)."""
    a = a.expand_as(b) if a.dim() == 1 else a
    a, b = torch.broadcast_tensors(a, b)
    h = torch.zeros_like(b[..., 0, :])
    out = []
    for a_t, b_t in zip(a.unbind(-2), b.unbind(-2), strict=True):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, dim=-2)


def _shifted(x: torch.Tensor, offset: int, fill: float = 0.0) -> torch.Tensor:
    """x moved `offset` steps later along the time axis, `fill` first: (…, T, H) -> (…, T, H)."""
    return torch.nn.functional.pad(x[..., :-offset, :], (0, 0, offset, 0), value=fill)


def parallel_scan(a: torch.Tensor, b: torch.Tensor, rounds: int | None = None) -> torch.Tensor:
    """The same h in ⌈log₂ T⌉ rounds (Hillis–Steele): round k composes each position with the one 2^k back.

    `a` of shape (H,) is the same at every step (the LRU's λ): the composed factor at round k is then
    a^(2^k) for every position it multiplies, one vector instead of a (..., T, H) array.  Each round is
    b ← b + a ⊙ shift(b) (a padded shift rather than a concatenation: 2–5× faster on a CPU, forward and back).
    `rounds` stops early (for the path-length check): after k rounds position t holds steps t − 2^k + 1 … t only."""
    T = b.shape[-2]
    offset = 1
    if rounds is not None:
        T = min(T, 2**rounds)  # the loops below stop once offset reaches T
    if a.dim() == 1:  # time-invariant: every position ≥ offset multiplies by a^offset
        power = a
        while offset < T:
            b = b + power * _shifted(b, offset)
            power, offset = power * power, offset * 2
        return b
    a, b = torch.broadcast_tensors(a, b)
    while offset < T:
        b = b + a * _shifted(b, offset)
        a = a * _shifted(a, offset, fill=1.0)  # positions < offset keep theirs (× 1)
        offset *= 2
    return b
