"""hypothesis drives the core APIs with random valid and invalid arguments: every call either
returns a sound result or raises a ValueError with a one-line message, never anything else."""

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import MODELS
from core.probe import COLUMNS, gradient_through_time
from core.training import TrainConfig, train

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=4),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
)


def maybe(valid):
    """Mostly valid values, sometimes anything at all."""
    return st.one_of(valid, valid, valid, ANYTHING)


PROBE_ARGS = st.fixed_dictionaries(
    {
        "model": maybe(st.sampled_from(tuple(MODELS))),
        "seq_len": maybe(st.integers(2, 120)),
        "input_scale": maybe(st.floats(0, 3)),
        "seed": maybe(st.integers(0, 10**6)),
        "window": maybe(st.integers(0, 150)),
        "hidden_size": maybe(st.sampled_from((4, 8, 16))),
        "weight_scale": maybe(st.floats(0, 2.5)),
    }
)
OPTIONAL = st.fixed_dictionaries(
    {},
    optional={
        "nonlinearity": maybe(st.sampled_from(("tanh", "relu", "linear"))),
        "init": maybe(st.sampled_from(("orthogonal", "gaussian", "nonnormal"))),
        "forget_bias": maybe(st.floats(-5, 10)),
        "update_bias": maybe(st.floats(-5, 10)),
        "layers": maybe(st.integers(1, 3)),
        "heads": maybe(st.sampled_from((1, 2, 4))),
        "positional": maybe(st.booleans()),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=PROBE_ARGS, extra=OPTIONAL)
def test_probe_returns_a_sound_table_or_a_clear_value_error(args, extra):
    try:
        frame = gradient_through_time(**args, **extra)
    except ValueError as err:
        assert str(err) and "\n" not in str(err)
        return
    T = args["seq_len"]
    assert tuple(frame.columns) == COLUMNS and len(frame) == T
    logs = frame["log10_grad_norm"].to_numpy()
    assert not np.isnan(logs).any() and not np.isposinf(logs).any()
    assert (frame["distance"] == T - 1 - frame["position"]).all()
    window = args["window"]
    if window and args["model"] in ("rnn", "lstm", "gru"):
        assert np.isneginf(logs[frame["distance"] >= window]).all()


TRAIN_ARGS = st.fixed_dictionaries(
    {
        "model": maybe(st.sampled_from(("rnn", "lstm", "gru", "birnn", "transformer"))),
        "task": maybe(st.sampled_from(("recall", "adding"))),
        "seq_len": maybe(st.integers(2, 12)),
        "steps": maybe(st.integers(1, 3)),
        "seed": maybe(st.integers(0, 1000)),
        "lr": maybe(st.floats(1e-5, 1.0)),
        "clip": maybe(st.floats(0, 5)),
        "batch_size": maybe(st.integers(1, 16)),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=TRAIN_ARGS)
def test_train_runs_or_refuses_clearly(args):
    try:
        config = TrainConfig(**args, hidden_size=8, layers=1, heads=2, eval_size=16, time_limit=5.0)
    except (ValueError, TypeError) as err:  # TypeError only for a non-number the dataclass cannot compare
        assert str(err) and "\n" not in str(err)
        return
    result = train(config)
    assert result.steps <= config.steps and result.history
    assert result.status in ("finished", "solved") or result.status.startswith("diverged")
    out = result.to_json()
    assert all(v is None or math.isfinite(v) for v in (out["final_accuracy"], out.get("final_mse")))
