"""The model registry: every architecture the probe and the trainer know, by CLI name.

A model class exposes `Config` (a dataclass), `input_size`, `readout_size`, `forward`,
`readout_state(x, window)` and the fast probe `log_input_gradients(x, readout, window)`.
Adding a model means one file here and one line in MODELS.
"""

from __future__ import annotations

import dataclasses

from .birnn import BiRNN
from .gru import GRU, GRUConfig
from .lru import LRU, LRUConfig
from .lstm import LSTM, LSTMConfig
from .mingru import MinGRU, MinGRUConfig
from .rnn import RNN, RNNConfig
from .transformer import Transformer, TransformerConfig

MODELS = {
    "rnn": (RNN, RNNConfig),
    "birnn": (BiRNN, RNNConfig),
    "lstm": (LSTM, LSTMConfig),
    "gru": (GRU, GRUConfig),
    "transformer": (Transformer, TransformerConfig),
    "lru": (LRU, LRUConfig),
    "mingru": (MinGRU, MinGRUConfig),
}


def model_options(name: str) -> tuple[str, ...]:
    """The option names the model `name` takes (its config's fields)."""
    return tuple(f.name for f in dataclasses.fields(MODELS[name][1]))


def build_model(name: str, **options):
    """Build the registered model `name` from keyword options; unknown options are ignored."""
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {name!r}")
    model_cls, config_cls = MODELS[name]
    config = config_cls(**{k: v for k, v in options.items() if k in model_options(name)})
    return model_cls(config)
