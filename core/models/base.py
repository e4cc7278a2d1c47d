"""What the single-layer recurrent models share: square input and readout, readout of h_{T-1}."""

from torch import nn

from .checks import check_float, check_int

MAX_HIDDEN_SIZE = 1024  # beyond this a single probe stops being interactive on 2 cores


def check_recurrent_config(config) -> None:
    """hidden_size, weight_scale and seed, the fields every recurrent config has."""
    check_int("hidden_size", config.hidden_size, 1, MAX_HIDDEN_SIZE)
    check_float("weight_scale", config.weight_scale, 0.0, 100.0)
    check_int("seed", config.seed, 0, 2**31 - 1)


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
