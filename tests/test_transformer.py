"""The Transformer probe against theory: no decay with distance, exact restricted reach,
permutation equivariance without positional encoding, and Vaswani's sinusoids."""

import math

import numpy as np
import pytest
import torch

from core.cli import main
from core.models import build_model
from core.models.transformer import MAX_PROBE_LEN, sinusoidal_encoding, window_mask
from core.probe import gradient_through_time, make_inputs, make_readout, reference_log_gradients


@pytest.mark.parametrize("seq_len", [50, 500, 2000])
def test_gradient_does_not_decay_with_distance(seq_len):
    logs = gradient_through_time("transformer", seq_len=seq_len, seed=1)["log10_grad_norm"].to_numpy()
    distance = np.arange(seq_len)[::-1]
    slope = np.polyfit(distance, logs, 1)[0]
    assert abs(slope) * seq_len < 1.0  # no exponential trend: under one decade over the whole sequence
    assert (logs > logs[-1] - 4).all()  # every position within a few decades of the last one
    rnn = gradient_through_time("rnn", seq_len=seq_len, seed=1)["log10_grad_norm"].to_numpy()
    assert logs[0] > rnn[0] + 10  # where the RNN's first word is gone


def test_the_readout_is_not_a_sum_because_layernorm_makes_that_constant():
    net = build_model("transformer", seed=2).double()
    x = make_inputs(40, net.input_size, 1.0, 2).requires_grad_(True)
    (summed,) = torch.autograd.grad(net.readout_state(x).sum(), x)
    real = 10 ** net.log_input_gradients(x, make_readout(net.readout_size, 2))
    assert summed.norm(dim=-1).max() < 1e-12 * real.min()  # .sum() would show round-off noise only


@pytest.mark.parametrize("layers,window", [(1, 3), (2, 4), (3, 2), (2, 1)])
def test_restricted_attention_reaches_exactly_layers_times_window_minus_one(layers, window):
    frame = gradient_through_time("transformer", seq_len=40, layers=layers, window=window, seed=3)
    reach = layers * (window - 1)
    logs = frame.set_index("distance")["log10_grad_norm"]
    assert np.isfinite(logs[logs.index <= reach]).all()
    assert np.isneginf(logs[logs.index > reach]).all()


def test_fast_path_is_float64_autograd():
    net = build_model("transformer", layers=2, heads=2, hidden_size=16, seed=4)
    x, r = make_inputs(30, 16, 1.0, 4), make_readout(16, 4)
    np.testing.assert_array_equal(net.log_input_gradients(x, r, window=5), reference_log_gradients(net, x, r, window=5))


def test_without_positional_encoding_self_attention_is_permutation_equivariant():
    net = build_model("transformer", positional=False, seed=5).double().eval()
    x = make_inputs(25, net.input_size, 1.0, 5)[None]
    perm = torch.randperm(25, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out, shuffled = net(x)[0], net(x[:, perm])[0]
        maps, shuffled_maps = net.attention_maps(x)[0][0], net.attention_maps(x[:, perm])[0][0]
    assert torch.allclose(shuffled, out[perm], atol=1e-12)  # outputs shuffle the same way
    assert torch.allclose(shuffled.mean(0), out.mean(0), atol=1e-12)  # a mean-pooled readout cannot tell
    assert torch.allclose(shuffled_maps, maps[:, perm][:, :, perm], atol=1e-12)  # the same map, permuted
    with_pe = build_model("transformer", positional=True, seed=5).double().eval()
    with torch.no_grad():
        change = (with_pe(x[:, perm])[0].mean(0) - with_pe(x)[0].mean(0)).abs().max()
    assert change > 1e-3  # positional encoding puts word order back


def test_sinusoidal_encoding_is_vaswanis_formula():
    pe = sinusoidal_encoding(50, 16, torch.float64)
    for pos in (0, 7, 49):
        for i in range(8):
            angle = pos / 10000 ** (2 * i / 16)
            assert pe[pos, 2 * i].item() == pytest.approx(math.sin(angle), abs=1e-12)
            assert pe[pos, 2 * i + 1].item() == pytest.approx(math.cos(angle), abs=1e-12)


def test_attention_rows_sum_to_one_and_the_window_is_exactly_zero_outside():
    net = build_model("transformer", window=3, seed=6)
    maps = net.attention_maps(make_inputs(20, net.input_size, 1.0, 6).float()[None])
    for weights in maps:
        assert torch.allclose(weights.sum(-1), torch.ones(1), atol=1e-5)
        assert (weights[..., window_mask(20, 3)] == 0).all()


def test_cli_transformer_options_and_errors(capsys):
    assert (
        main(
            [
                "probe",
                "--model",
                "transformer",
                "--layers",
                "1",
                "--heads",
                "2",
                "--window",
                "3",
                "--seq-len",
                "12",
                "--no-positional",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.startswith("position,distance,grad_norm,log10_grad_norm")
    assert main(["probe", "--model", "transformer", "--heads", "5"]) == 2  # 64 is not a multiple of 5
    assert main(["probe", "--model", "transformer", "--seq-len", "5000"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_the_transformer_probe_refuses_more_positions_than_its_cap():
    with pytest.raises(ValueError, match=f"at most {MAX_PROBE_LEN} for the transformer"):
        gradient_through_time("transformer", MAX_PROBE_LEN + 1, hidden_size=8)
