"""What the single-layer recurrent models share: square input and readout, readout of h_{T-1}."""

import torch
from torch import nn

from .checks import check_float, check_int

MAX_HIDDEN_SIZE = 1024  # beyond this a single probe stops being interactive on 2 cores


def check_recurrent_config(config) -> None:
    """hidden_size, weight_scale and seed, the fields every recurrent config has."""
    check_int("hidden_size", config.hidden_size, 1, MAX_HIDDEN_SIZE)
    check_float("weight_scale", config.weight_scale, 0.0, 100.0)
    check_int("seed", config.seed, 0, 2**31 - 1)


def haar_orthogonal(n: int, generator: torch.Generator) -> torch.Tensor:
    """A Haar-random orthogonal (n, n) float64 matrix: QR of a Gaussian, R's signs folded into Q."""
    q, r = torch.linalg.qr(torch.randn(n, n, generator=generator, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))


class RecurrentModel(nn.Module):
    """Inputs and readout both have the hidden size H; the probe's readout reads h_{T-1}."""

    @property
    def input_size(self) -> int:
        return self.config.hidden_size

    @property
    def readout_size(self) -> int:
        return self.config.hidden_size

    def readout_state(self, x, window: int = 0):
        """The vector the probe's readout reads: h_{T-1}.  x: (T, D) -> (H,)."""
        return self.forward(x, window=window)[-1]


def init_gated_cell(cell: nn.Module, gates: int, weight_scale: float, gate: int, gate_bias: float, seed: int) -> None:
    """Initialise a torch LSTMCell/GRUCell in place: each gate's recurrent block ρ·Q and input block Q
    (Haar-orthogonal), every bias 0 except gate number `gate`, whose input bias is `gate_bias`."""
    H = cell.hidden_size
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        cell.weight_hh.copy_(torch.cat([weight_scale * haar_orthogonal(H, g) for _ in range(gates)]))
        cell.weight_ih.copy_(torch.cat([haar_orthogonal(H, g) for _ in range(gates)]))
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
        cell.bias_ih[gate * H : (gate + 1) * H] = gate_bias
